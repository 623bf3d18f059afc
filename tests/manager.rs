//! The manager's day (issue 16), the parts done so far: a rule switched off without
//! deleting it, `desk init` that refuses to nest a helpdesk, ingest that lets the MTA
//! retry, and errors that name what they are about.

use crate::common::*;

const RULES: &str = r#"
[[rule]]
name = "billing"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = "faktura" } ]
then = [ { add_tags = ["billing"] } ]

[[rule]]
name = "vip"
enabled = false          # back after the sale
on = ["ticket.created"]
then = [ { set = "priority", to = "urgent" } ]
"#;

#[test]
fn a_rule_switched_off_is_checked_listed_and_never_run() {
    let d = Desk::new();
    d.write("rules.toml", RULES);
    let out = d.run(["rules", "check"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("2 rules (1 switched off)"), "{out}");

    let id = d.new_ticket("Faktura mangler", &[]);
    let t = d.ticket(&id);
    assert_eq!(t["tags"], serde_json::json!(["billing"]));
    assert_eq!(t["priority"], "normal", "the switched-off rule did not run");

    let out = d.run(["rules", "test", &id]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("Switched off (enabled = false): vip"),
        "{out}"
    );
    assert!(!out.stdout.contains("✓ vip"), "{out}");

    let rows: serde_json::Value =
        serde_json::from_str(&d.ok(["rules", "list", "--format", "json"])).expect("json");
    assert_eq!(rows[0]["name"], "billing");
    assert_eq!(rows[0]["enabled"], true);
    assert_eq!(rows[1]["name"], "vip");
    assert_eq!(rows[1]["enabled"], false);

    // Still checked: a mistake in a switched-off rule is a mistake.
    d.write("rules.toml", &RULES.replace("\"urgent\"", "\"urgnet\""));
    let out = d.run(["rules", "check"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("urgnet"), "{out}");
    // And `enabled` must be true or false.
    d.write(
        "rules.toml",
        &RULES.replace("enabled = false", "enabled = \"no\""),
    );
    let out = d.run(["rules", "check"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("rules.toml:"), "{out}");
}

#[test]
fn desk_init_inside_a_helpdesk_refuses_and_writes_nothing() {
    let d = Desk::new();
    std::fs::create_dir_all(d.path("tickets/inner")).unwrap();
    let before = d.snapshot_files();
    let out = d.run(["init", "tickets/inner"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains(&format!(
            "tickets/inner is inside the helpdesk {}: make a new one outside it",
            d.root().display()
        )),
        "{out}"
    );
    assert_eq!(d.snapshot_files(), before);
    assert!(!d.path("tickets/inner/desk.toml").exists());
}

#[test]
fn a_broken_configuration_never_loses_mail_the_mta_retries() {
    let d = Desk::new();
    let mail = "From: Kari <kari@example.no>\r\nTo: support@example.com\r\nSubject: Hei\r\nMessage-ID: <retry@example.no>\r\n\r\nHei\r\n";
    for (file, broken) in [
        (
            "rules.toml",
            "[[rule]]\nname = \"x\"\non = [\"ticket.craeted\"]\n",
        ),
        ("desk.toml", "[helpdesk]\nnmae = \"x\"\n"),
    ] {
        let good = d.read(file);
        d.write(file, broken);
        let before = d.snapshot_files();
        let out = d.run_stdin(["ingest", "email", "-"], mail);
        assert_eq!(out.code, 75, "{file}: {out}");
        assert!(out.stderr.contains(&format!("{file}:")), "{out}");
        assert!(out.stderr.contains("nothing was ingested"), "{out}");
        assert_eq!(d.snapshot_files(), before, "{file}: nothing changed");
        // Fixed, the retry lands.
        d.write(file, &good);
        let out = d.run_stdin(["ingest", "email", "-"], mail);
        assert_eq!(out.code, 0, "{out}");
    }
    assert_eq!(d.ok(["list", "--format", "ids"]).lines().count(), 1);
}

#[test]
fn a_reply_without_a_requester_and_my_view_without_an_agent_say_why() {
    let d = Desk::new();
    let id = d.new_ticket("Telefonsamtale", &[]);
    let out = d.run(["reply", &id, "-m", "Vi ringer deg tilbake."]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr
            .contains(&format!("no mail was queued: ticket {id} has no requester")),
        "{out}"
    );
    assert!(d.outbox().is_empty());

    let out = d.run(["list", "--view", "mine"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr
            .contains("the view `mine` is about the acting agent (@me), and none is set"),
        "{out}"
    );
    // With an agent acting, no such word.
    let settings = d.read("desk.toml").replace(
        "# [[agent]]\n# id = \"alex\"\n# name = \"Alex Example\"\n# email = \"alex@example.com\"\n# departments = [\"support\"]",
        "[[agent]]\nid = \"alex\"\nname = \"Alex Example\"\nemail = \"alex@example.com\"\ndepartments = [\"support\"]",
    );
    d.write("desk.toml", &settings);
    let d = d.acting_as("alex");
    let out = d.run(["list", "--view", "mine"]);
    assert!(!out.stderr.contains("none is set"), "{out}");
}

#[test]
fn a_missing_folder_and_an_unknown_sort_field_are_named() {
    let d = Desk::new();
    let out = d.run(["-C", "/nonexistent/helpdesk", "list"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.stderr, "desk: /nonexistent/helpdesk: no such folder\n");
    let out = d.run(["list", "--sort", "nosuch"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr
            .contains("cannot sort by `nosuch` (sort by one of: id, sla, created_at,"),
        "{out}"
    );
    let out = d.run(["list", "--sort", "prority"]);
    assert_eq!(
        out.stderr,
        "desk: cannot sort by `prority`, did you mean `priority`?\n"
    );
}

#[test]
fn a_duplicate_key_is_named() {
    let d = Desk::new();
    d.write(
        "desk.toml",
        "[helpdesk]\nname = \"Nordlys\"\ntimezone = \"Europe/Oslo\"\nname = \"Nordlys Sko\"\n",
    );
    let out = d.run(["list"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.stderr, "desk: desk.toml:4:1: duplicate key `name`\n");
}
