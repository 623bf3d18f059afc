//! The `run` action: scripts that reach outside the helpdesk, confined, and never able
//! to corrupt a ticket. Every failure leaves the ticket as it was but for one history
//! entry credited to the script.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::Desk;

/// A helpdesk whose one rule runs `scripts/NAME` on every new ticket.
fn desk_with(name: &str, script: Option<&str>, timeout: &str) -> Desk {
    let d = Desk::new();
    d.write(
        "rules.toml",
        &format!(
            "[[rule]]\nname = \"lookup\"\non = [\"ticket.created\"]\nthen = [ {{ run = \"{name}\", timeout = \"{timeout}\" }} ]\n\n[[rule]]\nname = \"urgent-tag\"\non = [\"ticket.updated\"]\nif.all = [ {{ field = \"priority\", op = \"is\", value = \"urgent\" }} ]\nthen = [ {{ add_tags = [\"escalated\"] }} ]\n"
        ),
    );
    if let Some(text) = script {
        d.write(&format!("scripts/{name}"), text);
        let p = d.path(&format!("scripts/{name}"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    d
}

/// Opens a ticket; returns its ID and what desk printed on stderr.
fn open_ticket(d: &Desk) -> (String, String) {
    let out = d.run([
        "new",
        "-s",
        "Ordre 55412",
        "-m",
        "Hvor er pakken?",
        "--from",
        "kari@example.no",
    ]);
    assert_eq!(out.code, 0, "{out}");
    (out.stdout.trim().to_string(), out.stderr)
}

/// The ticket holds only the script's failure entry: nothing else changed.
fn assert_only_failure(d: &Desk, id: &str, name: &str, reason: &str) -> Value {
    let t = d.ticket(id);
    assert_eq!(t["tags"], serde_json::json!([]), "{t}");
    assert_eq!(t["fields"], serde_json::json!({}), "{t}");
    assert_eq!(t["priority"], "normal");
    let history = t["history"].as_array().unwrap();
    assert_eq!(
        history.len(),
        2,
        "created + the script's entry: {history:?}"
    );
    let entry = &history[1];
    assert_eq!(entry["actor"], format!("script:{name}"));
    assert_eq!(entry["event"], "ticket.created");
    assert!(entry.get("changes").is_none(), "{entry}");
    let note = entry["note"].as_str().unwrap();
    assert!(note.starts_with("failed: "), "{note}");
    assert!(note.contains(reason), "{note} lacks {reason}");
    entry.clone()
}

#[test]
fn a_script_sees_the_ticket_and_its_actions_are_applied_and_raise_events() {
    let d = desk_with(
        "crm",
        Some(
            "#!/bin/sh\ncat > input.json\nenv | sort > env.txt\npwd > pwd.txt\necho looked up >&2\nprintf '[{\"set\": \"fields.plan\", \"to\": \"gold\"}, {\"add_tags\": [\"crm\"]}, {\"set\": \"priority\", \"to\": \"urgent\"}, {\"note\": \"CRM: gold customer\"}]'\n",
        ),
        "5s",
    );
    let (id, stderr) = open_ticket(&d);
    assert_eq!(stderr, "", "no warning on success");
    let t = d.ticket(&id);
    assert_eq!(t["fields"]["plan"], "gold");
    assert_eq!(t["priority"], "urgent");
    // The script's change raised ticket.updated, and the next rule answered it.
    assert_eq!(t["tags"], serde_json::json!(["crm", "escalated"]));
    let entry = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["actor"] == "script:crm")
        .expect("credited to the script")
        .clone();
    let fields: Vec<&str> = entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["fields.plan", "tags", "priority"]);
    let note = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(note["kind"], "note");
    assert_eq!(note["author"], "script:crm");
    assert_eq!(note["body"], "CRM: gold customer");

    // Its input: one JSON object with the ticket, the customer and the event.
    let input: Value = serde_json::from_str(&d.read("input.json")).unwrap();
    assert_eq!(input["ticket"]["id"], id.as_str());
    assert_eq!(input["customer"]["email"], "kari@example.no");
    assert_eq!(input["event"]["name"], "ticket.created");
    assert_eq!(input["event"]["message"]["body"], "Hvor er pakken?");
    // A minimal environment, and the helpdesk as working directory.
    let env = d.read("env.txt");
    assert!(env.contains("DESK_EVENT=ticket.created\n"), "{env}");
    assert!(env.contains(&format!("DESK_TICKET={id}\n")), "{env}");
    assert!(env.contains("DESK_DIR="), "{env}");
    assert!(
        !env.contains("CARGO"),
        "the caller's environment leaked: {env}"
    );
    let names: Vec<&str> = env.lines().filter_map(|l| l.split('=').next()).collect();
    assert!(names.len() <= 10, "{names:?}");
    assert_eq!(
        std::path::Path::new(d.read("pwd.txt").trim())
            .canonicalize()
            .unwrap(),
        d.root().canonicalize().unwrap()
    );
}

#[test]
fn a_script_that_fails_changes_nothing_but_one_history_entry() {
    let d = desk_with(
        "crm",
        Some(
            "#!/bin/sh\necho 'cannot reach crm.example.com' >&2\nprintf '[{\"add_tags\": [\"x\"]}]'\nexit 3\n",
        ),
        "5s",
    );
    let (id, stderr) = open_ticket(&d);
    assert!(
        stderr.contains(&format!(
            "script `crm` failed on ticket {id}: exited with status 3"
        )),
        "{stderr}"
    );
    let entry = assert_only_failure(&d, &id, "crm", "exited with status 3");
    assert!(
        entry["note"]
            .as_str()
            .unwrap()
            .contains("stderr: cannot reach crm.example.com")
    );
}

#[test]
fn a_script_that_never_ends_is_killed_with_its_children() {
    let d = desk_with(
        "slow",
        Some("#!/bin/sh\n(sleep 300; touch child-survived) &\necho $! > child.pid\nsleep 300\n"),
        "1s",
    );
    let started = Instant::now();
    let (id, _) = open_ticket(&d);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "killed within timeout + 1 s: {took:?}"
    );
    assert_only_failure(&d, &id, "slow", "timed out after 1s");
    assert_child_gone(&d);
}

/// The child whose PID the script wrote to `child.pid` is gone (a zombie is gone too).
fn assert_child_gone(d: &Desk) {
    let pid = d.read("child.pid").trim().to_string();
    std::thread::sleep(Duration::from_millis(100));
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let alive = state
        .split(") ")
        .nth(1)
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'));
    assert!(!alive, "the script's child still runs: {state}");
}

#[test]
fn invalid_output_is_refused_whole() {
    for (output, reason) in [
        ("{not json", "its output is not JSON"),
        (
            "{\"set\": \"priority\", \"to\": \"high\"}",
            "must be a JSON array",
        ),
        (
            "[{\"add_tags\": [\"ok\"]}, {\"sett\": \"priority\"}]",
            "action 2: unknown action `sett`, did you mean `set`?",
        ),
        (
            "[{\"set\": \"department\", \"to\": \"nowhere\"}]",
            "unknown department `nowhere`",
        ),
        ("[{\"run\": \"crm\"}]", "a script cannot run scripts"),
        ("[{\"note\": null}]", "action 1"),
        // Valid, but the second cannot be done: the first is not applied either.
        (
            "[{\"add_tags\": [\"ok\"]}, {\"assign\": \"least_loaded\"}]",
            "no department",
        ),
    ] {
        let d = desk_with(
            "crm",
            Some(&format!("#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\n")),
            "5s",
        );
        let (id, stderr) = open_ticket(&d);
        assert!(stderr.contains("script `crm` failed"), "{output}: {stderr}");
        assert_only_failure(&d, &id, "crm", reason);
    }
}

#[test]
fn ten_megabytes_of_output_is_stopped_and_refused() {
    let d = desk_with(
        "loud",
        Some("#!/bin/sh\nhead -c 10485760 /dev/zero | tr '\\0' x\n"),
        "10s",
    );
    let started = Instant::now();
    let (id, _) = open_ticket(&d);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_only_failure(&d, &id, "loud", "printed more than 1 MiB");
}

#[test]
fn slow_output_within_the_timeout_is_fine() {
    let d = desk_with(
        "trickle",
        Some(
            "#!/bin/sh\nprintf '['\nsleep 0.3\nprintf '{\"add_tags\": [\"slow\"]}'\nsleep 0.3\nprintf ']'\n",
        ),
        "5s",
    );
    let (id, _) = open_ticket(&d);
    assert_eq!(d.ticket(&id)["tags"], serde_json::json!(["slow"]));
}

/// desk feeds the script, reads its output and its standard error from one thread: a
/// script that reads none of a large ticket, one that floods standard error, and one
/// that leaves a child holding its output open are each done with at once.
#[test]
fn a_script_that_ignores_its_input_floods_stderr_or_leaves_a_child_is_done_with() {
    // The ticket's JSON, a quarter of a megabyte, is more than a pipe holds.
    let big = "Hvor er pakken? ".repeat(16_000);
    for (script, tag) in [
        ("#!/bin/sh\necho '[{\"add_tags\": [\"deaf\"]}]'\n", "deaf"),
        (
            "#!/bin/sh\nhead -c 300000 /dev/zero | tr '\\0' e >&2\ncat > /dev/null\necho '[{\"add_tags\": [\"loud\"]}]'\n",
            "loud",
        ),
        (
            "#!/bin/sh\n(sleep 300; touch child-survived) &\necho $! > child.pid\necho '[{\"add_tags\": [\"parent\"]}]'\n",
            "parent",
        ),
    ] {
        let d = desk_with("crm", Some(script), "20s");
        let started = Instant::now();
        let out = d.run_stdin(
            [
                "new",
                "-s",
                "Ordre 55412",
                "-m",
                "-",
                "--from",
                "kari@example.no",
            ],
            &big,
        );
        let took = started.elapsed();
        assert_eq!(out.code, 0, "{out}");
        assert!(took < Duration::from_secs(3), "{tag}: {took:?}");
        let id = out.stdout.trim();
        assert_eq!(d.ticket(id)["tags"], serde_json::json!([tag]), "{tag}");
        if tag == "loud" {
            // Standard error is kept, shortened, with the script's entry.
            let t = d.ticket(id);
            let entry = t["history"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["actor"] == "script:crm")
                .unwrap()
                .clone();
            let note = entry["note"].as_str().unwrap_or_default();
            assert!(note.len() < 4000, "{}", note.len());
        }
        if tag == "parent" {
            assert_child_gone(&d);
        }
    }
}

#[test]
fn a_script_that_is_not_executable_or_leads_outside_is_refused() {
    // Not executable.
    let d = desk_with("crm", None, "5s");
    d.write("scripts/crm", "#!/bin/sh\necho '[]'\n");
    let (id, _) = open_ticket(&d);
    assert_only_failure(&d, &id, "crm", "not executable (chmod +x scripts/crm)");
    let out = d.fails(1, ["rules", "check"]);
    assert!(out.stderr.contains("not executable"), "{out}");

    // A symlink in scripts/ to a file outside it.
    let d = desk_with("link", None, "5s");
    d.write("outside.sh", "#!/bin/sh\ntouch ran-outside\necho '[]'\n");
    std::fs::set_permissions(d.path("outside.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(d.path("outside.sh"), d.path("scripts/link")).unwrap();
    let (id, _) = open_ticket(&d);
    assert_only_failure(&d, &id, "link", "leads outside scripts/");
    assert!(!d.path("ran-outside").exists());
    let out = d.fails(1, ["rules", "check"]);
    assert!(out.stderr.contains("leads outside scripts/"), "{out}");
}

#[test]
fn a_script_name_with_a_path_is_a_rules_error() {
    for name in ["../evil", "sub/crm", ".hidden", "/bin/sh"] {
        let d = desk_with(name, None, "5s");
        let before = d.snapshot_files();
        let out = d.fails(1, ["new", "-s", "x"]);
        assert!(
            out.stderr
                .contains("give the name of a file directly inside scripts/"),
            "{name}: {out}"
        );
        assert!(
            out.stderr.starts_with("desk: rules.toml:4:"),
            "{name}: {out}"
        );
        assert!(before == d.snapshot_files(), "{name}: files changed");
    }
}

#[test]
fn rules_test_runs_the_script_and_shows_what_it_returned() {
    let d = desk_with(
        "crm",
        Some(
            "#!/bin/sh\ncat > /dev/null\nprintf '[{\"set\": \"fields.plan\", \"to\": \"gold\"}]'\n",
        ),
        "5s",
    );
    let (id, _) = open_ticket(&d);
    let out = d.ok(["rules", "test", &id]);
    assert!(
        out.contains("script crm returned [{\"set\": \"fields.plan\", \"to\": \"gold\"}]"),
        "{out}"
    );
    assert!(
        out.contains("ran script crm: set fields.plan = gold"),
        "{out}"
    );
    assert!(out.contains("Scripts really ran"), "{out}");
}
