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

/// A helpdesk whose rule `lookup` runs `scripts/crm` on every new ticket without
/// waiting for it, and whose rule `escalate` tags urgent tickets when they change.
fn desk_not_waiting(script: &str) -> Desk {
    let d = Desk::new();
    d.write(
        "rules.toml",
        "[[rule]]\nname = \"lookup\"\non = [\"ticket.created\"]\nthen = [ { run = \"crm\", timeout = \"60s\", wait = false } ]\n\n[[rule]]\nname = \"support\"\non = [\"ticket.created\"]\nthen = [ { set = \"department\", to = \"support\" } ]\n\n[[rule]]\nname = \"escalate\"\non = [\"ticket.updated\"]\nif.all = [ { field = \"priority\", op = \"is\", value = \"urgent\" } ]\nthen = [ { add_tags = [\"escalated\"] } ]\n",
    );
    d.write("scripts/crm", script);
    let p = d.path("scripts/crm");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

/// `count` new tickets from one customer, one command each, not waiting for the
/// scripts they queue.
fn new_tickets_unsettled(d: &Desk, count: usize) -> Vec<String> {
    (0..count)
        .map(|n| {
            let subject = format!("Sak {n}");
            run_unsettled(d, &["new", "-s", &subject, "--from", "kari@example.no"])
        })
        .collect()
}

/// Runs `desk ARGS` without waiting for the scripts it queues.
fn run_unsettled(d: &Desk, args: &[&str]) -> String {
    let out = d.cmd().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_script_not_waited_for_runs_once_the_change_is_saved_and_its_changes_raise_events() {
    // The script waits until the test lets it go, so the command is seen ending first.
    let d = desk_not_waiting(
        "#!/bin/sh\ncat > input.json\nwhile [ ! -e go ]; do sleep 0.01; done\nprintf '[{\"set\": \"fields.plan\", \"to\": \"gold\"}, {\"set\": \"priority\", \"to\": \"urgent\"}]'\n",
    );
    let id = run_unsettled(
        &d,
        &[
            "new",
            "-s",
            "Pakken",
            "-m",
            "Hvor er den?",
            "--from",
            "kari@example.no",
        ],
    );
    // Saved already, with the rules after it done, and the run waiting in the queue.
    let t = d.ticket(&id);
    assert_eq!(t["department"], "support");
    assert_eq!(t["fields"], serde_json::json!({}), "{t}");
    assert_eq!(d.queued().len(), 1);
    d.write("go", "");
    d.settle();

    let t = d.ticket(&id);
    assert_eq!(t["fields"]["plan"], "gold");
    assert_eq!(t["priority"], "urgent");
    // Its changes raised ticket.updated, which the next rule answered.
    assert_eq!(t["tags"], serde_json::json!(["escalated"]));
    let actors: Vec<&str> = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        ["system", "rule:support", "script:crm", "rule:escalate"],
        "{t}"
    );
    let script = &t["history"][2];
    assert_eq!(script["event"], "ticket.created");
    assert_eq!(script["at"], "2026-11-24T09:00:00Z");
    // The script saw the ticket as saved, and the event that queued it.
    let input: Value = serde_json::from_str(&d.read("input.json")).unwrap();
    assert_eq!(input["ticket"]["department"], "support");
    assert_eq!(input["event"]["name"], "ticket.created");
    assert_eq!(input["event"]["message"]["body"], "Hvor er den?");
    assert_eq!(input["customer"]["email"], "kari@example.no");
}

#[test]
fn a_command_does_not_wait_for_a_slow_script_it_queued() {
    let d = desk_not_waiting("#!/bin/sh\ncat >/dev/null\nsleep 3\necho '[]'\n");
    let started = Instant::now();
    run_unsettled(&d, &["new", "-s", "Pakken", "--from", "kari@example.no"]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "desk new took {took:?}");
    // Nor does another command wait for it: the script runs without the lock.
    let started = Instant::now();
    run_unsettled(&d, &["new", "-s", "Mer", "--from", "ola@example.no"]);
    assert!(started.elapsed() < Duration::from_secs(2));
    d.settle();
}

#[test]
fn a_rule_does_not_fire_again_on_the_changes_of_the_script_it_queued() {
    // On every change, a script that changes the ticket: waited for or not, it runs
    // once per change, not forever.
    let d = Desk::new();
    d.write(
        "rules.toml",
        "[[rule]]\nname = \"count\"\non = [\"ticket.created\", \"ticket.updated\"]\nthen = [ { run = \"count\", wait = false } ]\n",
    );
    d.write(
        "scripts/count",
        "#!/bin/sh\ncat >/dev/null\necho run >> runs.txt\nprintf '[{\"add_tags\": [\"run-%s\"]}]' \"$(wc -l < runs.txt | tr -d ' ')\"\n",
    );
    std::fs::set_permissions(
        d.path("scripts/count"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let id = d.new_ticket("Hei", &[]);
    std::thread::sleep(Duration::from_millis(300));
    d.settle();
    assert_eq!(d.read("runs.txt"), "run\n");
    assert_eq!(d.ticket(&id)["tags"], serde_json::json!(["run-1"]));
    // A person's change is a new change: the rule fires on it, once.
    d.ok(["set", &id, "priority=high"]);
    std::thread::sleep(Duration::from_millis(300));
    d.settle();
    assert_eq!(d.read("runs.txt"), "run\nrun\n");
    assert_eq!(d.ticket(&id)["tags"], serde_json::json!(["run-1", "run-2"]));
}

#[test]
fn a_queued_script_that_fails_is_recorded_and_changes_nothing() {
    let d = desk_not_waiting("#!/bin/sh\ncat >/dev/null\necho 'CRM down' >&2\nexit 3\n");
    let id = d.new_ticket("Pakken", &["--from", "kari@example.no"]);
    let t = d.ticket(&id);
    assert_eq!(t["priority"], "normal");
    let last = t["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "script:crm");
    let note = last["note"].as_str().unwrap();
    assert!(note.starts_with("failed: "), "{note}");
    assert!(note.contains("CRM down"), "{note}");
}

/// The process running the helpdesk's queued scripts in the background.
fn background_run(d: &Desk) -> Option<u32> {
    let root = d.root().display().to_string();
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let e = e.ok()?;
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let has = |s: &str| args.contains(&s.as_bytes());
        (has("--queued") && has(&root)).then_some(pid)
    })
}

#[test]
fn a_background_run_that_was_killed_is_done_by_the_next_tick() {
    let d = desk_not_waiting("#!/bin/sh\ncat >/dev/null\nsleep 30\necho '[]'\n");
    let id = run_unsettled(&d, &["new", "-s", "Pakken", "--from", "kari@example.no"]);
    let until = Instant::now() + Duration::from_secs(20);
    let pid = loop {
        if let Some(p) = background_run(&d) {
            break p;
        }
        assert!(Instant::now() < until, "no background run started");
        std::thread::sleep(Duration::from_millis(5));
    };
    // Give it time to claim the run, then kill it as a reboot would.
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(d.queued().len(), 1, "the run is still queued");

    // A dry tick names it; a tick runs it (the CRM answers quickly now).
    let dry = run_unsettled(&d, &["tick", "--dry-run"]);
    assert!(
        dry.contains(&format!("{id}  "))
            && dry.contains("would run script crm, queued by rule `lookup`"),
        "{dry}"
    );
    d.write(
        "scripts/crm",
        "#!/bin/sh\ncat >/dev/null\necho '[{\"set\": \"fields.plan\", \"to\": \"silver\"}]'\n",
    );
    let out = d.run(["tick"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains(
            "ran script crm, queued by rule `lookup`: ran script crm: set fields.plan = silver"
        ),
        "{out}"
    );
    assert!(d.queued().is_empty());
    assert_eq!(d.ticket(&id)["fields"]["plan"], "silver");
    // Done once: a second tick has nothing to run.
    let again = d.run(["tick"]);
    assert!(!again.stderr.contains("ran script"), "{again}");
}

#[test]
fn rules_test_and_rules_list_say_a_script_is_not_waited_for() {
    let d = desk_not_waiting("#!/bin/sh\ncat >/dev/null\necho '[]'\n");
    let id = d.new_ticket("Pakken", &["--from", "kari@example.no"]);
    let list = d.ok(["rules", "list"]);
    assert!(list.contains("run crm (not waited for)"), "{list}");
    let test = d.ok(["rules", "test", &id, "--event", "ticket.created"]);
    assert!(
        test.contains("queued script crm: it runs once the change is saved"),
        "{test}"
    );
    // `rules test` changes nothing, and queues nothing.
    assert!(d.queued().is_empty());
}

#[test]
fn queued_scripts_run_one_at_a_time_and_none_is_left_behind() {
    // Five tickets in quick succession start five background runs; one runs the queue,
    // the others find it taken, and every script still runs, once.
    let d = desk_not_waiting(
        "#!/bin/sh\ncat >/dev/null\nmkdir running.d 2>/dev/null || echo overlap >> overlaps.txt\nsleep 0.1\necho run >> runs.txt\nrmdir running.d\necho '[{\"add_tags\": [\"looked-up\"]}]'\n",
    );
    let ids = new_tickets_unsettled(&d, 5);
    d.settle();
    assert!(!d.path("overlaps.txt").exists(), "two scripts ran at once");
    assert_eq!(d.read("runs.txt").lines().count(), 5);
    for id in &ids {
        assert_eq!(
            d.ticket(id)["tags"],
            serde_json::json!(["looked-up"]),
            "{id}"
        );
    }
}

#[test]
fn more_queued_runs_than_a_batch_are_all_applied() {
    // The first script waits a little, so the runs pile up past one batch of writes.
    let d = desk_not_waiting(
        "#!/bin/sh\ncat >/dev/null\n[ -e warm ] || { sleep 0.5; touch warm; }\necho '[{\"add_tags\": [\"looked-up\"]}]'\n",
    );
    let ids = new_tickets_unsettled(&d, 70);
    d.settle();
    for id in &ids {
        let t = d.ticket(id);
        assert_eq!(t["tags"], serde_json::json!(["looked-up"]), "{id}");
        let last = t["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["actor"], "script:crm", "{t}");
    }
    // The listing sees every change the batches wrote.
    let listed = d.ok(["list", "tags=looked-up", "--format", "ids"]);
    assert_eq!(listed.lines().count(), 70, "{listed}");
}
