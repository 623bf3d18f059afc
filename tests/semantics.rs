//! What support managers mean: SLA policies that change, targets that stop when the work
//! is done, episodes that end when somebody acts, automatic replies that are not agents'
//! answers, mail rendered from the finished change, and a tick that is idempotent.
//! Every test runs the real binary with a pinned clock stepping through days.

use serde_json::Value;

use crate::common::*;

const SETTINGS: &str = r#"
[helpdesk]
name = "Fjord Desk"
timezone = "UTC"
address = "support@fjord.example"

[[department]]
id = "support"
address = "support@fjord.example"
sender = "Fjord Support"
signature = "Fjord Support"

[[department]]
id = "billing"
address = "billing@fjord.example"
sender = "Fjord Billing"
signature = "Fjord Billing"

[[agent]]
id = "ingrid"
email = "ingrid@fjord.example"
departments = ["support"]

[[agent]]
id = "bo"
email = "bo@fjord.example"
departments = ["billing"]

[[type]]
id = "suggestion"
statuses = [
  { id = "new", category = "new" },
  { id = "under-consideration", category = "open" },
  { id = "rejected", category = "closed" },
  { id = "done", category = "solved" },
]
"#;

fn desk(rules: &str) -> Desk {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d.write("rules.toml", rules);
    d.write(
        "templates/received.txt",
        "Subject: We got it\n\nFrom {{department.sender}}.\n{{department.signature}}\n",
    );
    d.write(
        "templates/new-ticket.txt",
        "Subject: New ticket\n\n{{ticket.subject}}\n",
    );
    d.write(
        "templates/follow-up.txt",
        "Subject: Any news?\n\nStill there?\n",
    );
    d
}

fn history(d: &Desk, id: &str) -> Vec<Value> {
    d.ticket(id)["history"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn fired(d: &Desk, id: &str, rule: &str) -> usize {
    history(d, id)
        .iter()
        .filter(|h| h["actor"] == format!("rule:{rule}").as_str())
        .count()
}

fn outbox(d: &Desk) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d.path("outbox"))
        .map(|r| {
            r.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_policy_set_on_a_breach_is_measured_from_the_tickets_own_timeline() {
    let mut d = desk(
        r#"
[[rule]]
name = "escalate"
on = ["sla.breached"]
then = [ { set = "sla", to = "escalated" }, { set = "priority", to = "urgent" } ]

[[sla]]
name = "standard"
first_reply = "4h"
resolution = "1d"

[[sla]]
name = "escalated"
if.all = [ { field = "tags", op = "contains", value = ["chosen-by-rules-only"] } ]
first_reply = "1h"
resolution = "2h"
"#,
    )
    .acting_as("ingrid");
    let id = d.new_ticket("Broken zip", &["--from", "kari@example.no"]);
    d.set_now("2026-11-24T10:00:00Z");
    d.ok(["reply", &id, "-m", "Looking into it"]);
    // The resolution target of `standard` breaches at 09:00 next day; the rule moves the
    // ticket to `escalated`, whose targets apply as from the start.
    d.set_now("2026-11-25T12:00:00Z");
    d.ok(["tick"]);
    let t = d.ticket(&id);
    assert_eq!(t["sla"]["policy"], "escalated");
    let targets = &t["sla"]["targets"];
    assert_eq!(
        targets["first_reply"]["met_at"], "2026-11-24T10:00:00Z",
        "a met target stays met: {targets}"
    );
    assert_eq!(targets["first_reply"]["due"], "2026-11-24T10:00:00Z");
    assert_eq!(targets["resolution"]["due"], "2026-11-24T11:00:00Z");
    // Already past under the new policy: the next tick records the breach at the
    // instant it passed.
    d.ok(["tick"]);
    let t = d.ticket(&id);
    assert_eq!(
        t["sla"]["targets"]["resolution"]["breached_at"],
        "2026-11-24T11:00:00Z"
    );
    let again = d.snapshot_files();
    d.ok(["tick"]);
    assert_eq!(
        again,
        d.snapshot_files(),
        "a tick at the same instant writes nothing"
    );
}

#[test]
fn a_policy_set_by_a_time_rule_inside_tick_keeps_targets() {
    let mut d = desk(
        r#"
[[rule]]
name = "old-tickets-get-vip"
on = ["tick"]
if.all = [ { field = "since.created", op = "over", value = "2h" } ]
then = [ { set = "sla", to = "vip" } ]

[[sla]]
name = "standard"
first_reply = "8h"

[[sla]]
name = "vip"
if.all = [ { field = "tags", op = "contains", value = ["chosen-by-rules-only"] } ]
first_reply = "1h"
"#,
    );
    let id = d.new_ticket("Slow", &["--from", "kari@example.no"]);
    d.set_now("2026-11-24T12:00:00Z");
    d.ok(["tick"]);
    let t = d.ticket(&id);
    assert_eq!(t["sla"]["policy"], "vip");
    assert_eq!(
        t["sla"]["targets"]["first_reply"]["due"], "2026-11-24T10:00:00Z",
        "{t}"
    );
    assert_eq!(
        t["sla"]["targets"]["first_reply"]["breached_at"], "2026-11-24T10:00:00Z",
        "breached at the instant it passed, in the same tick"
    );
}

const STOP: &str = r#"
[[rule]]
name = "escalate"
on = ["sla.breached"]
then = [ { set = "priority", to = "urgent" }, { notify = "assignee", template = "new-ticket" } ]

[[sla]]
name = "standard"
first_reply = "2h"
resolution = "1d"
warn_before = "30m"
"#;

#[test]
fn a_solved_or_spam_ticket_gets_no_warning_and_no_breach_and_reopening_resumes() {
    let mut d = desk(STOP).acting_as("ingrid");
    let solved = d.new_ticket("Thanks, all good", &["--from", "kari@example.no"]);
    d.ok(["assign", &solved, "ingrid"]);
    let spam = d.new_ticket("Cheap watches", &["--from", "spam@example.com"]);
    d.set_now("2026-11-24T10:00:00Z");
    d.ok(["solve", &solved]);
    d.ok(["set", &spam, "status=spam"]);
    d.set_now("2026-11-30T10:00:00Z");
    let out = d.run(["tick"]);
    assert_eq!(out.code, 0, "{out}");
    for id in [&solved, &spam] {
        let t = d.ticket(id);
        assert_eq!(t["priority"], "normal", "{t}");
        assert!(
            !history(&d, id)
                .iter()
                .any(|h| h["event"].as_str().unwrap_or("").starts_with("sla.")),
            "{t}"
        );
    }
    assert!(outbox(&d).is_empty(), "no SLA mail for done tickets");
    // Reopened: the first-reply target had 1h left when the ticket was solved.
    d.ok(["reopen", &solved]);
    let t = d.ticket(&solved);
    assert_eq!(
        t["sla"]["targets"]["first_reply"]["due"], "2026-11-30T11:00:00Z",
        "{t}"
    );
    d.set_now("2026-11-30T11:00:00Z");
    d.ok(["tick"]);
    assert_eq!(d.ticket(&solved)["priority"], "urgent");
}

const NUDGE: &str = r#"
[[rule]]
name = "agent-reply-sets-pending"
on = ["agent.replied"]
if.all = [ { field = "type", op = "is", value = "ticket" } ]
then = [ { set = "status", to = "pending" } ]

[[rule]]
name = "follow-up"
on = ["tick"]
if.all = [
  { field = "status", op = "is", value = "pending" },
  { field = "since.last_agent_message", op = "over", value = "24h" },
]
then = [ { reply = "follow-up" }, { add_tags = ["followed-up"] } ]

[[rule]]
name = "solve-when-silent"
on = ["tick"]
if.all = [
  { field = "type", op = "is", value = "ticket" },
  { field = "status", op = "is", value = "pending" },
  { field = "since.last_agent_message", op = "over", value = "10d" },
]
then = [ { set = "status", to = "solved" } ]
"#;

#[test]
fn a_follow_up_fires_once_per_silence_and_solving_counts_from_the_human_reply() {
    let mut d = desk(NUDGE).acting_as("ingrid");
    let id = d.new_ticket("Which size?", &["--from", "kari@example.no"]);
    d.ok(["reply", &id, "-m", "Which size do you need?"]);
    for day in 25..=30 {
        d.set_now(&format!("2026-11-{day}T09:00:00Z"));
        d.ok(["tick"]);
    }
    assert_eq!(
        fired(&d, &id, "follow-up"),
        1,
        "the automatic follow-up is not an agent reply, so it starts no new silence"
    );
    assert_eq!(d.ticket(&id)["status"], "pending");
    d.set_now("2026-12-04T08:59:00Z");
    d.ok(["tick"]);
    assert_eq!(d.ticket(&id)["status"], "pending", "not yet 10 days");
    d.set_now("2026-12-04T09:01:00Z");
    d.ok(["tick"]);
    assert_eq!(
        d.ticket(&id)["status"],
        "solved",
        "10 days after the last human reply, though a follow-up went out between"
    );
}

#[test]
fn a_manual_command_without_as_ends_the_episode() {
    let mut d = desk(
        r#"
[[rule]]
name = "nag-unassigned"
on = ["tick"]
if.all = [ { field = "priority", op = "is", value = "high" } ]
then = [ { add_tags = ["nagged"] }, { note = "Still high" } ]
"#,
    );
    let id = d.new_ticket("Urgent-ish", &["--priority", "high"]);
    d.set_now("2026-11-24T10:00:00Z");
    d.ok(["tick"]);
    d.set_now("2026-11-24T11:00:00Z");
    d.ok(["tick"]);
    assert_eq!(fired(&d, &id, "nag-unassigned"), 1, "once per episode");
    // A person (no --as) adds a note: a new episode begins.
    d.set_now("2026-11-24T12:00:00Z");
    d.ok(["note", &id, "-m", "Looked at it"]);
    d.set_now("2026-11-24T13:00:00Z");
    d.ok(["tick"]);
    assert_eq!(fired(&d, &id, "nag-unassigned"), 2);
}

#[test]
fn an_ingested_message_ends_the_episode() {
    let mut d = desk(
        r#"
[[rule]]
name = "chase"
on = ["tick"]
if.all = [ { field = "status", op = "is", value = "new" } ]
then = [ { note = "Chase" } ]
"#,
    );
    let id = d.new_ticket("Hello", &["--from", "kari@example.no"]);
    d.set_now("2026-11-24T10:00:00Z");
    d.ok(["tick"]);
    d.set_now("2026-11-24T11:00:00Z");
    let mail = format!(
        "From: kari@example.no\r\nTo: support@fjord.example\r\nSubject: Re: Hello [#{id}]\r\nMessage-ID: <a1@example.no>\r\nDate: Tue, 24 Nov 2026 11:00:00 +0000\r\n\r\nAny news?\r\n"
    );
    d.write("in.eml", &mail);
    d.ok(["ingest", "email", "in.eml"]);
    assert!(d.ticket(&id)["time_rules"].is_null(), "the episode ended");
    d.set_now("2026-11-24T12:00:00Z");
    d.ok(["tick"]);
    assert_eq!(fired(&d, &id, "chase"), 2);
}

#[test]
fn changing_the_type_keeps_the_category() {
    let mut d = desk("");
    let s = d.new_ticket("Dark mode", &["--type", "suggestion"]);
    d.ok(["set", &s, "status=done"]);
    d.ok(["set", &s, "type=ticket"]);
    let t = d.ticket(&s);
    assert_eq!(
        (t["type"].as_str(), t["status"].as_str()),
        (Some("ticket"), Some("solved"))
    );

    let p = d.new_ticket("Waiting", &[]);
    d.ok(["set", &p, "status=on-hold"]);
    d.ok(["set", &p, "type=suggestion"]);
    assert_eq!(
        d.ticket(&p)["status"],
        "under-consideration",
        "no waiting status in `suggestion`: open"
    );
    d.ok(["set", &p, "type=ticket"]);
    assert_eq!(d.ticket(&p)["status"], "open");
    d.set_now("2026-11-24T10:00:00Z");
    d.ok(["set", &p, "status=pending", "type=suggestion"]);
}

#[test]
fn mail_goes_out_from_the_final_department_once() {
    let d = desk(
        r#"
[[rule]]
name = "ack"
on = ["ticket.created"]
then = [ { reply = "received" }, { notify = "department", template = "new-ticket" } ]

[[rule]]
name = "route-billing"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = ["invoice"] } ]
then = [ { set = "department", to = "billing" } ]

[[rule]]
name = "notify-on-route"
on = ["department.changed"]
then = [ { notify = "department", template = "new-ticket" } ]
"#,
    );
    let id = d.new_ticket(
        "Invoice is wrong",
        &["--from", "kari@example.no", "--department", "support"],
    );
    let mail = outbox(&d);
    assert_eq!(
        mail.len(),
        2,
        "one acknowledgement, one notification: {mail:#?}"
    );
    let ack = mail
        .iter()
        .find(|m| m.contains("kari@example.no"))
        .expect("acknowledgement");
    assert!(ack.contains("billing@fjord.example"), "{ack}");
    assert!(ack.contains("From Fjord Billing."), "{ack}");
    assert!(!ack.contains("Fjord Support"), "{ack}");
    let note = mail
        .iter()
        .find(|m| m.contains("bo@fjord.example"))
        .expect("to billing");
    assert!(!note.contains("ingrid@fjord.example"), "{note}");
    let t = d.ticket(&id);
    assert_eq!(t["mail"].as_array().map(Vec::len), Some(2));
    let auto = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "auto")
        .cloned()
        .unwrap();
    assert!(
        auto["body"].as_str().unwrap().contains("Fjord Billing"),
        "{auto}"
    );
    let said: Vec<String> = history(&d, &id)
        .iter()
        .filter_map(|h| h["note"].as_str().map(str::to_string))
        .collect();
    assert!(
        said.iter()
            .any(|n| n.contains("is queued once for this change")),
        "{said:#?}"
    );
}

#[test]
fn schedules_catch_up_from_the_tickets_after_a_fresh_clone() {
    let mut d = desk(
        r#"
[[schedule]]
name = "daily-check"
every = "0 9 * * *"
ticket = { subject = "Daily check", department = "support" }

[[rule]]
name = "tag-new"
on = ["tick"]
if.all = [ { field = "channel", op = "is", value = "schedule" } ]
then = [ { add_tags = ["scheduled"] } ]
"#,
    );
    d.set_now("2026-11-24T09:30:00Z");
    d.ok(["tick"]);
    let before = d.snapshot_files();
    let out = d.run(["tick"]);
    assert!(out.stderr.contains("0 changes"), "{out}");
    assert_eq!(before, d.snapshot_files(), "the second tick writes nothing");
    // `.desk/` is gone (a fresh clone): the occurrences since the last ticket are made,
    // and no more.
    std::fs::remove_dir_all(d.path(".desk")).unwrap();
    d.set_now("2026-11-27T09:30:00Z");
    d.ok(["tick"]);
    let ids = d.ok(["list", "--all", "--format", "ids"]);
    assert_eq!(ids.lines().count(), 4, "24th, 25th, 26th, 27th: {ids}");
}

#[test]
fn dry_run_shows_what_rules_on_sla_events_would_change() {
    let mut d = desk(STOP);
    let id = d.new_ticket("Help", &["--from", "kari@example.no"]);
    d.set_now("2026-11-24T12:00:00Z");
    let out = d.run(["tick", "--dry-run"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("rule escalate on sla.breached fired: priority normal → urgent"),
        "{out}"
    );
    assert_eq!(d.ticket(&id)["priority"], "normal");
}

#[test]
fn set_refuses_an_sla_policy_that_does_not_exist() {
    let d = desk(STOP);
    let id = d.new_ticket("Help", &[]);
    let before = d.snapshot_files();
    let out = d.fails(1, ["set", &id, "sla=nonexistent"]);
    assert!(out.stderr.contains("nonexistent"), "{out}");
    assert_eq!(before, d.snapshot_files());
    d.ok(["set", &id, "sla=standard"]);
}

#[test]
fn a_corrupt_local_record_is_a_warning_and_is_rebuilt() {
    let mut d = desk(
        r#"
[[rule]]
name = "rotate"
on = ["ticket.created"]
then = [ { set = "department", to = "support" }, { assign = "round_robin" } ]

[[schedule]]
name = "daily-check"
every = "0 9 * * *"
ticket = { subject = "Daily check", department = "support" }
"#,
    );
    d.new_ticket("First", &[]);
    d.write(".desk/round-robin.json", "{ not json");
    let out = d.run(["new", "-s", "Second"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr
            .contains("round-robin.json: not a round-robin record"),
        "{out}"
    );
    let id = out.stdout.trim().to_string();
    assert_eq!(d.ticket(&id)["assignee"], "ingrid");

    d.set_now("2026-11-24T09:30:00Z");
    d.ok(["tick"]);
    d.write(".desk/schedules.json", "[]");
    d.set_now("2026-11-25T09:30:00Z");
    let out = d.run(["tick"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains("schedules.json: not a schedule record"),
        "{out}"
    );
    let ids = d.ok(["list", "--all", "--format", "ids"]);
    assert_eq!(ids.lines().count(), 4, "two by hand, one per day: {ids}");
}
