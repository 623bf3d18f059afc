//! The ticket commands through the real binary: new, show, list, reply, note, set,
//! assign, transfer, snooze, solve, close, reopen, and the global options.

use crate::common::*;

/// A small helpdesk with agents, shops and a custom type.
const SETTINGS: &str = r#"
[helpdesk]
name = "Test Desk"
timezone = "Europe/Oslo"
address = "support@test.example"

[[department]]
id = "support"
address = "support@test.example"

[[department]]
id = "billing"
address = "billing@test.example"

[[agent]]
id = "ingrid"
name = "Ingrid Berg"
departments = ["support", "billing"]

[[agent]]
id = "ola"
name = "Ola Nordmann"
departments = ["support"]

[[agent]]
id = "sven"
name = "Sven Away"
departments = ["billing"]
away = true

[[shop]]
id = "oslo"

[[shop]]
id = "stockholm"

[[type]]
id = "suggestion"
statuses = [
  { id = "new", category = "new" },
  { id = "under-consideration", category = "open" },
  { id = "done", category = "solved" },
]

[[view]]
id = "unassigned"
if.all = [ { field = "assignee", op = "missing" }, { field = "status_category", op = "in", value = ["new", "open"] } ]
"#;

fn desk() -> Desk {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d
}

fn id_shape(s: &str) -> bool {
    s.len() == 14
        && s.bytes()
            .all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b))
}

#[test]
fn init_writes_the_layout_and_refuses_twice() {
    let d = Desk::empty();
    let out = d.run(["init"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.is_empty(), "init prints nothing on stdout");
    for f in [
        "desk.toml",
        "rules.toml",
        ".gitignore",
        ".gitattributes",
        "templates/received.txt",
    ] {
        assert!(d.path(f).is_file(), "{f} missing");
    }
    for dir in ["tickets", "customers", "templates", "scripts", "outbox"] {
        assert!(d.path(dir).is_dir(), "{dir}/ missing");
    }
    assert!(d.read(".gitignore").lines().any(|l| l.trim() == ".desk/"));
    let before = d.snapshot_files();
    let again = d.fails(1, ["init"]);
    assert!(again.stderr.contains("already a helpdesk"), "{again}");
    assert_eq!(before, d.snapshot_files());
}

#[test]
fn init_into_a_named_directory_and_unknown_example() {
    let d = Desk::empty();
    d.ok(["init", "sub/dir"]);
    assert!(d.path("sub/dir/desk.toml").is_file());
    let out = d.fails(1, ["init", "--example", "shopp", "other"]);
    assert!(out.stderr.contains("did you mean `shop`"), "{out}");
    assert!(!d.path("other").exists(), "a refused init creates nothing");
}

#[test]
fn new_prints_the_id_alone_and_creates_the_customer() {
    let d = desk();
    let out = d.run([
        "new",
        "-s",
        "Faktura mangler",
        "-m",
        "Hei, jeg fikk ingen faktura",
        "--from",
        "Kari@Example.NO",
        "--name",
        "Kari Nordmann",
        "--shop",
        "oslo",
        "--department",
        "billing",
        "--priority",
        "high",
        "--tag",
        "VIP",
        "--field",
        "order=1234",
        "--channel",
        "web",
    ]);
    assert_eq!(out.code, 0, "{out}");
    let id = out.stdout.trim_end_matches('\n');
    assert!(
        id_shape(id),
        "stdout must be the ID alone: {:?}",
        out.stdout
    );
    assert_eq!(out.stdout, format!("{id}\n"));
    let t = d.ticket(id);
    assert_eq!(t["subject"], "Faktura mangler");
    assert_eq!(t["type"], "ticket");
    assert_eq!(t["status"], "new");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["department"], "billing");
    assert_eq!(t["requester"], "kari@example.no");
    assert_eq!(t["shop"], "oslo");
    assert_eq!(t["channel"], "web");
    assert_eq!(t["tags"], serde_json::json!(["vip"]));
    assert_eq!(t["fields"]["order"], "1234");
    assert_eq!(t["created_at"], NOW);
    assert_eq!(t["messages"][0]["kind"], "customer");
    assert_eq!(t["messages"][0]["author"], "customer:kari@example.no");
    assert_eq!(t["history"][0]["event"], "ticket.created");
    assert_eq!(t["history"][0]["actor"], "system");
    let c: serde_json::Value =
        serde_json::from_str(&d.read("customers/kari@example.no.json")).unwrap();
    assert_eq!(c["name"], "Kari Nordmann");
    assert_eq!(c["email"], "kari@example.no");
}

#[test]
fn new_json_prints_the_stored_ticket() {
    let d = desk();
    let out = d.ok(["new", "-s", "Hello", "--json"]);
    let t: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = t["id"].as_str().unwrap();
    assert_eq!(out, d.read(&format!("tickets/{id}.json")));
}

#[test]
fn stored_json_has_the_contract_keys_in_order() {
    let d = desk();
    let id = d.new_ticket("Order", &[]);
    let text = d.read(&format!("tickets/{id}.json"));
    assert!(
        text.ends_with("}\n") && !text.ends_with("\n\n"),
        "one trailing newline"
    );
    let keys = [
        "id",
        "subject",
        "type",
        "status",
        "priority",
        "department",
        "assignee",
        "requester",
        "shop",
        "channel",
        "tags",
        "fields",
        "created_at",
        "updated_at",
        "snoozed_until",
        "sla",
        "messages",
        "history",
    ];
    let mut last = 0;
    for k in keys {
        let pos = text
            .find(&format!("\n  \"{k}\":"))
            .unwrap_or_else(|| panic!("key {k} missing"));
        assert!(pos > last, "key {k} out of order");
        last = pos;
    }
}

#[test]
fn a_worked_ticket_shows_its_conversation_and_history() {
    let mut d = desk();
    let id = d.new_ticket(
        "Refund for order 1234",
        &[
            "-m",
            "I want my money back.\nOrder 1234.",
            "--from",
            "kari@example.no",
            "--name",
            "Kari Nordmann",
            "--shop",
            "oslo",
        ],
    );
    d.set_now("2026-11-24T09:05:00Z");
    d.ok([
        "--as",
        "ingrid",
        "set",
        &id,
        "priority=high",
        "department=support",
        "+refund",
        "fields.order=1234",
    ]);
    d.set_now("2026-11-24T09:10:00Z");
    d.ok(["--as", "ingrid", "assign", &id, "ola"]);
    d.set_now("2026-11-24T09:12:00Z");
    d.ok(["--as", "ola", "reply", &id, "-m", "We are on it."]);
    d.ok(["--as", "ola", "note", &id, "-m", "Check the warehouse."]);
    d.set_now("2026-11-24T10:00:00Z");
    d.ok([
        "--as",
        "ola",
        "transfer",
        &id,
        "billing",
        "-m",
        "Billing handles refunds",
    ]);
    d.set_now("2026-11-25T08:00:00Z");
    d.ok([
        "--as",
        "ingrid",
        "snooze",
        &id,
        "--until",
        "2026-11-27 09:00",
    ]);
    d.ok(["--as", "ingrid", "solve", &id]);
    let out = d.run(["show", &id[..8]]);
    insta::assert_snapshot!(redact(&out.to_string(), &d));
}

#[test]
fn show_json_is_the_file_byte_for_byte() {
    let d = desk();
    let id = d.new_ticket("x", &["-m", "body"]);
    assert_eq!(
        d.ok(["show", &id, "--json"]),
        d.read(&format!("tickets/{id}.json"))
    );
}

#[test]
fn history_records_actor_event_and_old_new_values() {
    let d = desk().acting_as("ingrid");
    let id = d.new_ticket("x", &[]);
    d.ok(["set", &id, "priority=urgent", "+a", "+b"]);
    d.ok(["set", &id, "-a", "priority=low"]);
    let t = d.ticket(&id);
    let h = t["history"].as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["actor"], "agent:ingrid");
    assert_eq!(h[1]["event"], "ticket.updated");
    assert_eq!(h[1]["at"], NOW);
    assert_eq!(
        h[1]["changes"],
        serde_json::json!([
            { "field": "priority", "from": "normal", "to": "urgent" },
            { "field": "tags", "from": [], "to": ["a", "b"] },
        ])
    );
    assert_eq!(
        h[2]["changes"],
        serde_json::json!([
            { "field": "priority", "from": "urgent", "to": "low" },
            { "field": "tags", "from": ["a", "b"], "to": ["b"] },
        ])
    );
}

#[test]
fn set_checks_values_against_desk_toml_with_suggestions() {
    let d = desk();
    let id = d.new_ticket("x", &[]);
    let before = d.snapshot_files();
    let cases: [(&str, &str); 6] = [
        ("department=biling", "did you mean `billing`"),
        ("assignee=ingird", "did you mean `ingrid`"),
        ("status=solvd", "did you mean `solved`"),
        ("priority=urgnt", "did you mean `urgent`"),
        ("shop=olso", "did you mean `oslo`"),
        ("prority=high", "did you mean `priority`"),
    ];
    for (change, hint) in cases {
        let out = d.fails(1, ["set", &id, change]);
        assert!(out.stderr.contains(hint), "{change}: {out}");
        assert_eq!(out.stderr.lines().count(), 1, "one line: {out}");
    }
    // One bad change among good ones changes nothing.
    d.fails(1, ["set", &id, "priority=high", "department=nope"]);
    assert_eq!(before, d.snapshot_files());
}

#[test]
fn set_clears_with_an_empty_value_and_changing_type_maps_the_status() {
    let d = desk();
    let id = d.new_ticket("x", &["--department", "support", "--field", "order=1"]);
    d.ok(["set", &id, "department=", "fields.order="]);
    let t = d.ticket(&id);
    assert!(t["department"].is_null());
    assert_eq!(t["fields"], serde_json::json!({}));
    d.ok(["set", &id, "status=open"]);
    d.ok(["set", &id, "type=suggestion"]);
    let t = d.ticket(&id);
    assert_eq!(t["type"], "suggestion");
    assert_eq!(
        t["status"], "under-consideration",
        "open maps to the open status of the new type"
    );
}

#[test]
fn a_change_to_the_same_value_rewrites_nothing() {
    let d = desk();
    let id = d.new_ticket("x", &["--priority", "high"]);
    let path = d.path(&format!("tickets/{id}.json"));
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    let bytes = d.read(&format!("tickets/{id}.json"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = d.run(["set", &id, "priority=high"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("nothing changed"), "{out}");
    assert_eq!(bytes, d.read(&format!("tickets/{id}.json")));
    assert_eq!(
        before,
        std::fs::metadata(&path).unwrap().modified().unwrap()
    );
}

#[test]
fn assign_auto_picks_the_least_loaded_agent_who_is_not_away() {
    let d = desk();
    let a = d.new_ticket("a", &["--department", "support"]);
    let b = d.new_ticket("b", &["--department", "support"]);
    let c = d.new_ticket("c", &["--department", "billing"]);
    d.ok(["assign", &a, "--auto"]);
    assert_eq!(
        d.ticket(&a)["assignee"],
        "ingrid",
        "ties go to the first agent in desk.toml"
    );
    d.ok(["assign", &b, "--auto"]);
    assert_eq!(d.ticket(&b)["assignee"], "ola");
    // sven is away: billing's only available agent is ingrid.
    d.ok(["assign", &c, "--auto"]);
    assert_eq!(d.ticket(&c)["assignee"], "ingrid");
    let h = d.ticket(&c)["history"][1].clone();
    assert_eq!(h["event"], "ticket.assigned");
    let out = d.fails(1, ["assign", &a, "ingird"]);
    assert!(out.stderr.contains("did you mean `ingrid`"), "{out}");
    d.ok(["assign", &a, "-"]);
    assert!(d.ticket(&a)["assignee"].is_null());
}

/// A new ticket nobody is assigned to leaves the load index's entries alone (one for
/// every open assigned ticket) and rewrites only its few-byte head; the counts stay right.
#[test]
fn a_new_unassigned_ticket_rewrites_only_the_load_index_head() {
    let d = desk();
    let a = d.new_ticket("a", &["--department", "support"]);
    d.ok(["assign", &a, "--auto"]);
    assert_eq!(d.ticket(&a)["assignee"], "ingrid");
    let entries = std::fs::read(d.path(".desk/index/load.bin")).unwrap();
    let head = std::fs::read(d.path(".desk/index/load.head")).unwrap();
    let b = d.new_ticket("b", &["--department", "support"]);
    assert_eq!(
        std::fs::read(d.path(".desk/index/load.bin")).unwrap(),
        entries
    );
    assert_ne!(
        std::fs::read(d.path(".desk/index/load.head")).unwrap(),
        head
    );
    d.ok(["assign", &b, "--auto"]);
    assert_eq!(d.ticket(&b)["assignee"], "ola", "ingrid has one already");
}

#[test]
fn transfer_clears_an_assignee_outside_the_new_department() {
    let d = desk();
    let id = d.new_ticket("x", &["--department", "support"]);
    d.ok(["assign", &id, "ola"]);
    d.ok(["transfer", &id, "billing", "-m", "for billing"]);
    let t = d.ticket(&id);
    assert_eq!(t["department"], "billing");
    assert!(t["assignee"].is_null(), "ola is not in billing");
    assert_eq!(t["messages"][0]["kind"], "note");
    let id2 = d.new_ticket("y", &["--department", "support"]);
    d.ok(["assign", &id2, "ingrid"]);
    d.ok(["transfer", &id2, "billing"]);
    assert_eq!(
        d.ticket(&id2)["assignee"],
        "ingrid",
        "ingrid is in billing too"
    );
    let out = d.fails(1, ["transfer", &id2, "retail"]);
    assert!(out.stderr.contains("unknown department `retail`"), "{out}");
}

#[test]
fn snooze_sets_pending_and_the_wake_time() {
    let d = desk();
    let id = d.new_ticket("x", &[]);
    d.ok(["snooze", &id, "--until", "1d12h"]);
    let t = d.ticket(&id);
    assert_eq!(t["status"], "pending");
    assert_eq!(t["snoozed_until"], "2026-11-25T21:00:00Z");
    // A local time is read in the helpdesk's time zone (Europe/Oslo, UTC+1 in winter).
    d.ok(["snooze", &id, "--until", "2026-12-01 09:00"]);
    assert_eq!(d.ticket(&id)["snoozed_until"], "2026-12-01T08:00:00Z");
    let out = d.fails(1, ["snooze", &id, "--until", "2026-11-01"]);
    assert!(out.stderr.contains("not in the future"), "{out}");
    // A WHEN that is not one is a usage error, as `--now` and `--since` are.
    let out = d.fails(2, ["snooze", &id, "--until", "soonish"]);
    assert!(
        out.stderr
            .starts_with("desk: --until: cannot read `soonish`"),
        "{out}"
    );
    // Leaving the waiting status clears the wake time.
    d.ok(["reopen", &id]);
    let t = d.ticket(&id);
    assert_eq!(t["status"], "open");
    assert!(t["snoozed_until"].is_null());
}

#[test]
fn solve_close_reopen_follow_the_type() {
    let d = desk();
    let id = d.new_ticket("x", &[]);
    d.ok(["solve", &id]);
    assert_eq!(d.ticket(&id)["status"], "solved");
    d.ok(["close", &id]);
    assert_eq!(d.ticket(&id)["status"], "closed");
    d.ok(["reopen", &id]);
    assert_eq!(d.ticket(&id)["status"], "open");
    let s = d.new_ticket("idea", &["--type", "suggestion"]);
    d.ok(["solve", &s]);
    assert_eq!(d.ticket(&s)["status"], "done");
    let out = d.fails(1, ["close", &s]);
    assert!(
        out.stderr.contains("no status of category `closed`"),
        "{out}"
    );
}

#[test]
fn reply_and_note_read_the_body_from_stdin() {
    let d = desk();
    let id = d.new_ticket("x", &[]);
    let out = d.run_stdin(["reply", &id, "-"], "line one\nline two\n");
    assert_eq!(out.code, 0, "{out}");
    let out = d.run_stdin(["note", &id, "-m", "-"], "internal\n");
    assert_eq!(out.code, 0, "{out}");
    let t = d.ticket(&id);
    assert_eq!(t["messages"][0]["kind"], "reply");
    assert_eq!(t["messages"][0]["body"], "line one\nline two");
    assert_eq!(t["messages"][1]["kind"], "note");
    assert_eq!(t["history"][1]["event"], "agent.replied");
    assert_eq!(t["history"][1]["actor"], "system");
    // The default rule answers the reply: the ticket now waits on the customer.
    assert_eq!(t["history"][2]["actor"], "rule:agent-reply-sets-pending");
    assert_eq!(t["history"][2]["event"], "agent.replied");
    assert_eq!(t["history"][2]["changes"][0]["to"], "pending");
    assert_eq!(t["history"][3]["event"], "note.added");
    // No body and no terminal: a usage error, nothing written.
    let before = d.snapshot_files();
    let out = d.fails(2, ["reply", &id]);
    assert!(out.stderr.contains("-m TEXT"), "{out}");
    let out = d.run_stdin(["note", &id, "-"], "   \n");
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(before, d.snapshot_files());
}

#[test]
fn list_formats() {
    let mut d = desk();
    let a = d.new_ticket(
        "Printer on fire",
        &[
            "--department",
            "support",
            "--priority",
            "urgent",
            "--tag",
            "fire",
        ],
    );
    d.set_now("2026-11-24T09:01:00Z");
    let b = d.new_ticket(
        "Invoice, wrong amount",
        &["--department", "billing", "--from", "kari@example.no"],
    );
    d.set_now("2026-11-24T09:02:00Z");
    let c = d.new_ticket("Old question", &[]);
    d.ok(["solve", &c]);

    let table = d.run(["list"]);
    insta::assert_snapshot!(redact(&table.to_string(), &d));

    assert_eq!(d.ok(["list", "--format", "ids"]), format!("{a}\n{b}\n"));
    assert_eq!(
        d.ok(["list", "--all", "--format", "ids"]),
        format!("{a}\n{b}\n{c}\n")
    );

    let json: serde_json::Value =
        serde_json::from_str(&d.ok(["list", "--format", "json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[0]["id"], a.as_str());
    assert_eq!(json[0]["priority"], "urgent");
    assert_eq!(json[0]["status_category"], "new");
    assert_eq!(json[1]["requester"], "kari@example.no");

    let jsonl = d.ok(["list", "--format", "jsonl"]);
    let rows: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["subject"], "Invoice, wrong amount");

    let csv = d.ok(["list", "--format", "csv"]);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("id,subject,type,status"));
    assert!(
        csv.contains("\"Invoice, wrong amount\""),
        "CSV quotes commas: {csv}"
    );
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn list_filters_views_sort_and_limit() {
    let d = desk();
    let a = d.new_ticket(
        "Printer on fire",
        &[
            "--department",
            "support",
            "--priority",
            "urgent",
            "--tag",
            "fire",
        ],
    );
    let b = d.new_ticket(
        "Faktura mangler",
        &[
            "--department",
            "billing",
            "-m",
            "Hvor er fakturaen min? Ångra köp.",
            "--from",
            "kari@example.no",
        ],
    );
    let c = d.new_ticket("Ångra köp", &["--shop", "stockholm", "--tag", "sverige"]);
    d.ok(["assign", &a, "ola"]);
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "--format", "ids"];
        all.extend_from_slice(args);
        d.ok(all).lines().map(str::to_string).collect()
    };
    assert_eq!(ids(&["department=billing"]), [b.as_str()]);
    assert_eq!(ids(&["department!=billing"]), [a.as_str(), c.as_str()]);
    assert_eq!(
        ids(&["department=support,billing"]),
        [a.as_str(), b.as_str()]
    );
    assert_eq!(
        ids(&["department="]),
        [c.as_str()],
        "an empty value means missing"
    );
    assert_eq!(ids(&["+fire"]), [a.as_str()]);
    assert_eq!(ids(&["-fire"]), [b.as_str(), c.as_str()]);
    assert_eq!(ids(&["-fire", "-sverige"]), [b.as_str()]);
    assert_eq!(ids(&["priority=urgent"]), [a.as_str()]);
    assert_eq!(
        ids(&["printer"]),
        [a.as_str()],
        "free text searches the subject"
    );
    assert_eq!(ids(&["fakturaen"]), [b.as_str()], "and customer messages");
    assert_eq!(
        ids(&["faktura"]),
        [b.as_str()],
        "whole words, case-insensitive"
    );
    assert_eq!(ids(&["ångra", "köp"]), [b.as_str(), c.as_str()]);
    assert_eq!(ids(&["--view", "unassigned"]), [b.as_str(), c.as_str()]);
    assert_eq!(ids(&["--sort", "-priority", "--limit", "1"]), [a.as_str()]);
    assert_eq!(
        ids(&["--sort", "subject"]),
        [b.as_str(), a.as_str(), c.as_str()]
    );
    d.ok(["solve", &b]);
    assert_eq!(
        ids(&["status=solved"]),
        [b.as_str()],
        "filtering on status shows done tickets"
    );
    let out = d.fails(1, ["list", "--view", "unasigned"]);
    assert!(out.stderr.contains("did you mean `unassigned`"), "{out}");
    let out = d.fails(1, ["list", "departmnt=billing"]);
    assert!(out.stderr.contains("did you mean `department`"), "{out}");
    let out = d.fails(1, ["list", "--sort", "priorty"]);
    assert!(out.stderr.contains("did you mean `priority`"), "{out}");
}

#[test]
fn list_sees_files_changed_behind_its_back() {
    let d = desk();
    let id = d.new_ticket("Before", &[]);
    d.ok(["list"]); // builds the cache
    let path = format!("tickets/{id}.json");
    let edited = d.read(&path).replace("\"Before\"", "\"After!\"");
    d.write(&path, &edited); // same length, same second: only the stamp tells
    assert!(d.ok(["list", "--format", "json"]).contains("After!"));
    std::fs::remove_file(d.path(&path)).unwrap();
    assert_eq!(d.ok(["list", "--format", "ids"]), "");
    std::fs::remove_dir_all(d.path(".desk")).unwrap();
    d.new_ticket("Again", &[]);
    assert_eq!(d.ok(["list", "--format", "ids"]).lines().count(), 1);
}

#[test]
fn ids_resolve_by_unique_prefix() {
    let d = desk();
    let id = d.new_ticket("x", &[]);
    assert_eq!(
        d.ok(["show", &id[..10], "--json"]),
        d.read(&format!("tickets/{id}.json"))
    );
    assert_eq!(
        d.ok(["show", &id.to_uppercase(), "--json"]),
        d.read(&format!("tickets/{id}.json"))
    );
    let out = d.fails(1, ["show", &id[..3]]);
    assert!(out.stderr.contains("at least 4 characters"), "{out}");
    let out = d.fails(1, ["show", "zzzzzzzzzzzzzz"]);
    assert!(out.stderr.contains("no ticket `zzzzzzzzzzzzzz`"), "{out}");
    let other = d.new_ticket("y", &[]);
    let shared: String = id
        .chars()
        .zip(other.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a)
        .collect();
    let out = d.fails(1, ["show", &shared]);
    assert!(
        out.stderr.contains("ambiguous") && out.stderr.contains(&id) && out.stderr.contains(&other),
        "{out}"
    );
}

#[test]
fn the_helpdesk_is_found_like_git_finds_a_repository() {
    let d = desk();
    std::fs::create_dir_all(d.path("tickets/deep/er")).unwrap();
    let mut c = d.cmd();
    c.current_dir(d.path("tickets/deep/er"))
        .args(["new", "-s", "from below"]);
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let outside = Desk::empty();
    let root = d.root().display().to_string();
    assert_eq!(
        outside
            .ok(["-C", &root, "list", "--format", "ids"])
            .lines()
            .count(),
        1
    );
    let mut c = outside.cmd();
    c.env("DESK_DIR", &root).args(["list", "--format", "ids"]);
    let out = c.output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);

    let out = outside.fails(1, ["list"]);
    assert!(out.stderr.contains("desk init"), "{out}");
    assert_eq!(out.stderr.lines().count(), 1);
}

#[test]
fn the_clock_is_pinned_by_flag_or_environment() {
    let d = desk();
    let id = d.ok(["--now", "2030-01-02T03:04:05Z", "new", "-s", "x"]);
    assert_eq!(d.ticket(id.trim())["created_at"], "2030-01-02T03:04:05Z");
    let id = d.new_ticket("y", &[]);
    assert_eq!(d.ticket(&id)["created_at"], NOW);
    let out = d.fails(2, ["--now", "yesterday", "list"]);
    assert!(out.stderr.contains("--now"), "{out}");
}

#[test]
fn the_actor_must_be_a_known_agent() {
    let d = desk();
    let out = d.fails(1, ["--as", "ingird", "new", "-s", "x"]);
    assert!(out.stderr.contains("did you mean `ingrid`"), "{out}");
    let id = d.ok(["--as", "ola", "new", "-s", "x", "-m", "internal"]);
    let t = d.ticket(id.trim());
    assert_eq!(t["history"][0]["actor"], "agent:ola");
    assert_eq!(
        t["messages"][0]["kind"], "note",
        "no requester: the first message is internal"
    );
}

#[test]
fn color_only_when_asked_and_never_with_no_color() {
    let d = desk();
    let id = d.new_ticket("x", &[]);
    let plain = d.ok(["show", &id]);
    assert!(!plain.contains('\x1b'), "not a terminal: no color");
    let colored = d.ok(["--color", "always", "show", &id]);
    assert!(colored.contains('\x1b'));
    let mut c = d.cmd();
    c.env("NO_COLOR", "1")
        .args(["--color", "always", "show", &id]);
    let out = c.output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn usage_errors_exit_2() {
    let d = desk();
    d.fails(2, ["frobnicate"]);
    d.fails(2, ["new"]);
    d.fails(2, ["list", "--format", "xml"]);
    let out = d.fails(2, ["set", "abcd", "nonsense"]);
    assert!(out.stderr.contains("FIELD=VALUE"), "{out}");
}

#[test]
fn least_loaded_sees_tickets_written_behind_its_back() {
    let d = desk();
    let a = d.new_ticket("a", &["--department", "support"]);
    d.ok(["assign", &a, "ingrid"]);
    let b = d.new_ticket("b", &["--department", "support"]);
    d.ok(["assign", &b, "--auto"]);
    assert_eq!(
        d.ticket(&b)["assignee"],
        "ola",
        "ingrid has one open ticket"
    );
    // Two tickets for ola arrive by `git pull`: copies of b with other IDs.
    let text = d.read(&format!("tickets/{b}.json"));
    for other in ["06fzzzzzzzzzz1", "06fzzzzzzzzzz2"] {
        d.write(&format!("tickets/{other}.json"), &text.replace(&b, other));
    }
    let c = d.new_ticket("c", &["--department", "support"]);
    d.ok(["assign", &c, "--auto"]);
    assert_eq!(d.ticket(&c)["assignee"], "ingrid", "ola has three now");
    // Edited in place: ingrid's tickets are solved by hand, without desk.
    for id in [&a, &c] {
        let path = format!("tickets/{id}.json");
        let solved = d
            .read(&path)
            .replacen("\"status\": \"new\"", "\"status\": \"solved\"", 1);
        std::fs::write(d.path(&path), solved).unwrap();
    }
    let e = d.new_ticket("e", &["--department", "support"]);
    d.ok(["assign", &e, "--auto"]);
    assert_eq!(
        d.ticket(&e)["assignee"],
        "ingrid",
        "ingrid's tickets are done"
    );
}
