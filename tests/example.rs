//! The bundled example, `desk init --example shop`: it must load, list, and show every
//! ticket, and hold what the showcase promises.

use crate::common::*;

#[test]
fn the_example_is_a_complete_nordic_shop() {
    let d = Desk::example();
    for f in [
        "desk.toml",
        "rules.toml",
        ".gitignore",
        ".gitattributes",
        "templates/received.txt",
    ] {
        assert!(d.path(f).is_file(), "{f} missing");
    }
    let settings = d.read("desk.toml");
    for needle in [
        "id = \"oslo\"",
        "id = \"stockholm\"",
        "id = \"support\"",
        "id = \"sales\"",
        "id = \"returns\"",
        "id = \"wholesale\"",
        "id = \"billing\"",
        "away = true",
        "id = \"vip\"",
        "[calendar.office]",
        "id = \"suggestion\"",
        "under-consideration",
    ] {
        assert!(settings.contains(needle), "desk.toml lacks {needle}");
    }
    let all = d.ok(["list", "--all", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&all).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 8, "the example has sample tickets");
    assert!(rows.iter().any(|r| r["type"] == "suggestion"));
    assert!(rows.iter().any(|r| r["shop"] == "stockholm"));
    for r in rows {
        let id = r["id"].as_str().unwrap();
        let out = d.run(["show", id]);
        assert_eq!(out.code, 0, "{out}");
        assert!(out.stdout.contains("History"));
    }
    let open = d.ok(["list", "--format", "ids"]);
    assert!(
        open.lines().count() < rows.len(),
        "solved tickets are hidden by default"
    );
}

#[test]
fn every_view_of_the_example_lists() {
    let d = Desk::example();
    let settings = d.read("desk.toml");
    let views: Vec<String> = settings
        .split("[[view]]")
        .skip(1)
        .filter_map(|block| {
            block
                .lines()
                .find_map(|l| l.trim().strip_prefix("id = \""))
                .map(|rest| rest.trim_end_matches('"').to_string())
        })
        .collect();
    assert!(views.len() >= 3, "views: {views:?}");
    for v in views {
        let out = d.run(["list", "--view", &v, "--format", "ids"]);
        assert_eq!(out.code, 0, "view {v}: {out}");
    }
    let vip = d.ok(["list", "--view", "vip", "--all", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&vip).unwrap();
    for r in rows.as_array().unwrap() {
        let email = r["requester"].as_str().unwrap();
        let c: serde_json::Value =
            serde_json::from_str(&d.read(&format!("customers/{email}.json"))).unwrap();
        assert_eq!(c["group"], "vip");
    }
}

#[test]
fn working_a_ticket_in_the_example() {
    let d = Desk::example().acting_as("ingrid");
    let id = d.new_ticket(
        "Skoene er for små",
        &[
            "-m",
            "Kan jeg bytte til str. 39?",
            "--from",
            "kari@example.no",
            "--shop",
            "oslo",
            "--department",
            "returns",
        ],
    );
    d.ok(["assign", &id, "--auto"]);
    let t = d.ticket(&id);
    let agent = t["assignee"].as_str().unwrap().to_string();
    assert!(
        ["ingrid", "astrid", "erik"].contains(&agent.as_str()),
        "a returns agent: {agent}"
    );
    d.ok(["reply", &id, "-m", "Selvfølgelig!"]);
    d.ok(["snooze", &id, "--until", "3d"]);
    let t = d.ticket(&id);
    assert_eq!(t["status"], "pending");
    let history = t["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h["actor"] == "rule:agent-reply-sets-pending"
                && h["changes"][0]["to"] == "pending"),
        "the reply rule is credited: {history:?}"
    );
    assert!(t["snoozed_until"].is_string());
}
