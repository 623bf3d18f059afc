//! `desk tick`: wake-ups, SLA warnings and breaches, time rules once per episode,
//! catch-up after cron was down, and safety under cron (twice, concurrently, killed).

use std::fs::OpenOptions;

use crate::common::*;

const SETTINGS: &str = r#"
[helpdesk]
name = "Tick Desk"
timezone = "Europe/Oslo"
address = "support@tick.example"

[[department]]
id = "support"
address = "support@tick.example"

[[agent]]
id = "ingrid"
email = "ingrid@tick.example"
departments = ["support"]

[calendar.office]
timezone = "Europe/Oslo"
hours = { mon = ["08:00-16:00"], tue = ["08:00-16:00"], wed = ["08:00-16:00"], thu = ["08:00-16:00"], fri = ["08:00-12:00", "13:00-15:00"] }
holidays = ["2026-12-24", "2026-12-25"]
"#;

const RULES: &str = r#"
[[rule]]
name = "agent-reply-sets-pending"
on = ["agent.replied"]
if.all = [ { field = "status_category", op = "in", value = ["new", "open"] } ]
then = [ { set = "status", to = "pending" } ]

[[rule]]
name = "nudge-after-24h"
on = ["tick"]
if.all = [
  { field = "status", op = "is", value = "pending" },
  { field = "since.last_agent_message", op = "over", value = "24h" },
]
then = [ { add_tags = ["nudged"] }, { note = "Nudged: {{ticket.subject}}" } ]

[[rule]]
name = "woke-tag"
on = ["ticket.woke"]
then = [ { add_tags = ["woke"] } ]

[[rule]]
name = "escalate-on-breach"
on = ["sla.breached"]
if.all = [ { field = "event.target", op = "is", value = "first_reply" } ]
then = [ { set = "priority", to = "urgent" } ]

[[sla]]
name = "standard"
calendar = "office"
first_reply = "2h"
resolution = "2d"
warn_before = "30m"
"#;

fn desk() -> Desk {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d.write("rules.toml", RULES);
    d
}

fn history(d: &Desk, id: &str) -> Vec<serde_json::Value> {
    d.ticket(id)["history"].as_array().unwrap().clone()
}

/// Entries for `event` made by desk itself (not by rules reacting to it).
fn count(d: &Desk, id: &str, event: &str) -> usize {
    history(d, id)
        .iter()
        .filter(|h| h["event"] == event && !h["actor"].as_str().unwrap_or("").starts_with("rule:"))
        .count()
}

fn fired(d: &Desk, id: &str, rule: &str) -> usize {
    history(d, id)
        .iter()
        .filter(|h| h["actor"] == format!("rule:{rule}").as_str())
        .count()
}

#[test]
fn a_snooze_wakes_at_its_own_time_even_days_later() {
    let mut d = desk();
    let id = d.new_ticket("Wait for the parcel", &[]);
    d.ok(["snooze", &id, "--until", "1d"]);
    d.set_now("2026-11-28T09:00:00Z"); // cron was down for three days
    let out = d.run(["tick"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("woke"), "{out}");
    let t = d.ticket(&id);
    assert_eq!(t["status"], "open");
    assert!(t["snoozed_until"].is_null());
    assert!(
        t["tags"].as_array().unwrap().contains(&"woke".into()),
        "ticket.woke ran the rules"
    );
    let woke = history(&d, &id)
        .into_iter()
        .find(|h| h["event"] == "ticket.woke")
        .unwrap();
    assert_eq!(
        woke["at"], "2026-11-25T09:00:00Z",
        "recorded when it was due, not when tick noticed"
    );
    assert_eq!(woke["actor"], "system");
}

#[test]
fn a_second_tick_at_the_same_instant_changes_nothing() {
    let mut d = desk();
    let id = d.new_ticket("x", &[]);
    d.ok(["snooze", &id, "--until", "1h"]);
    d.set_now("2026-11-26T09:00:00Z");
    d.ok(["tick"]);
    let after_first = d.snapshot_files();
    let out = d.run(["tick"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("0 changes"), "{out}");
    assert_eq!(after_first, d.snapshot_files());
}

#[test]
fn a_time_rule_fires_once_per_episode() {
    let mut d = desk().acting_as("ingrid");
    let id = d.new_ticket("Size?", &["--from", "kari@example.no"]);
    d.ok(["reply", &id, "-m", "Which size?"]);
    assert_eq!(d.ticket(&id)["status"], "pending");
    d.set_now("2026-11-25T08:59:00Z");
    d.ok(["tick"]);
    assert_eq!(fired(&d, &id, "nudge-after-24h"), 0, "not yet 24h");
    // Catch-up: three days later it fires once, not once per missed minute.
    d.set_now("2026-11-28T09:00:00Z");
    d.ok(["tick"]);
    d.set_now("2026-11-28T09:01:00Z");
    d.ok(["tick"]);
    d.set_now("2026-11-29T09:01:00Z");
    d.ok(["tick"]);
    assert_eq!(
        fired(&d, &id, "nudge-after-24h"),
        1,
        "{:#?}",
        history(&d, &id)
    );
    let t = d.ticket(&id);
    // Credited to when it was due (the reply at 09:00 plus 24h), not when tick ran, so
    // two clones that tick record the same bytes.
    assert_eq!(t["time_rules"]["nudge-after-24h"], "2026-11-25T09:00:00Z");
    let notes: Vec<_> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "note")
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], "Nudged: Size?");
    // A person acts: the episode is over, and the rule may fire again when due.
    d.ok(["note", &id, "-m", "Called the customer, no answer."]);
    d.set_now("2026-11-29T09:02:00Z");
    d.ok(["tick"]);
    assert_eq!(
        fired(&d, &id, "nudge-after-24h"),
        2,
        "a new episode after someone acted"
    );
    // Conditions seen false end an episode too: reopen, tick, then pending again.
    d.ok(["reopen", &id]);
    d.set_now("2026-11-29T09:03:00Z");
    d.ok(["tick"]);
    assert!(d.ticket(&id)["time_rules"].get("nudge-after-24h").is_none());
}

#[test]
fn sla_warning_and_breach_each_exactly_once_at_their_instants() {
    let mut d = desk();
    // Tue 2026-11-24 10:00 Oslo; first reply due 2 business hours later, 12:00 Oslo.
    let id = d.new_ticket("Help", &["--from", "kari@example.no"]);
    let sla = d.ticket(&id)["sla"].clone();
    assert_eq!(sla["policy"], "standard");
    assert_eq!(sla["targets"]["first_reply"]["due"], "2026-11-24T11:00:00Z");
    // Resolution: 2d is two business days, the same time two open days later: Thu 10:00 Oslo.
    assert_eq!(sla["targets"]["resolution"]["due"], "2026-11-26T09:00:00Z");
    d.set_now("2026-11-24T10:40:00Z");
    d.ok(["tick"]);
    d.ok(["tick"]);
    assert_eq!(count(&d, &id, "sla.warning"), 1);
    assert_eq!(count(&d, &id, "sla.breached"), 0);
    d.set_now("2026-11-24T13:00:00Z");
    d.ok(["tick"]);
    d.set_now("2026-11-24T13:01:00Z");
    d.ok(["tick"]);
    assert_eq!(count(&d, &id, "sla.warning"), 1);
    assert_eq!(count(&d, &id, "sla.breached"), 1);
    let t = d.ticket(&id);
    assert_eq!(
        t["sla"]["targets"]["first_reply"]["warned_at"],
        "2026-11-24T10:30:00Z"
    );
    assert_eq!(
        t["sla"]["targets"]["first_reply"]["breached_at"],
        "2026-11-24T11:00:00Z"
    );
    assert_eq!(t["priority"], "urgent", "a rule on sla.breached escalated");
    let breach = history(&d, &id)
        .into_iter()
        .find(|h| h["event"] == "sla.breached")
        .unwrap();
    assert_eq!(breach["actor"], "sla:standard");
    assert_eq!(breach["at"], "2026-11-24T11:00:00Z");
    let shown = d.ok(["show", &id]);
    assert!(shown.contains("first_reply   breached 2h1m ago"), "{shown}");
}

#[test]
fn resolution_pauses_while_waiting_and_resumes() {
    let mut d = desk().acting_as("ingrid");
    let id = d.new_ticket("Help", &["--from", "kari@example.no"]);
    // Tue 10:00 Oslo: reply 1 business hour later; pending from then on.
    d.set_now("2026-11-24T10:00:00Z");
    d.ok(["reply", &id, "-m", "Which order?"]);
    let g = d.ticket(&id)["sla"]["targets"]["resolution"].clone();
    assert!(g["due"].is_null(), "paused: {g}");
    assert_eq!(
        g["remaining"],
        15 * 3600,
        "Tue 11:00 to Thu 10:00 Oslo: 5 + 8 + 2 business hours"
    );
    assert_eq!(
        d.ticket(&id)["sla"]["targets"]["first_reply"]["met_at"],
        "2026-11-24T10:00:00Z"
    );
    // Back to open on Monday 30 Nov 09:00 Oslo: the 15 business hours left go on from then.
    d.set_now("2026-11-30T08:00:00Z");
    d.ok(["reopen", &id]);
    let g = d.ticket(&id)["sla"]["targets"]["resolution"].clone();
    assert!(g["remaining"].is_null());
    // Mon 7h, Tue 8h: due at Tuesday's closing, 1 Dec 16:00 Oslo.
    assert_eq!(g["due"], "2026-12-01T15:00:00Z");
}

#[test]
fn dry_run_changes_nothing_and_tells_why() {
    let mut d = desk().acting_as("ingrid");
    let id = d.new_ticket("Size?", &["--from", "kari@example.no"]);
    d.ok(["reply", &id, "-m", "Which size?"]);
    d.set_now("2026-11-26T09:00:00Z");
    let before = d.snapshot_files();
    let out = d.run(["tick", "--dry-run"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(before, d.snapshot_files());
    assert!(out.stdout.contains("nothing written"), "{out}");
    assert!(out.stdout.contains("rule nudge-after-24h"), "{out}");
    assert!(
        out.stdout
            .contains("since.last_agent_message over 1d (saw 2d)"),
        "{out}"
    );
    let json = d.run(["tick", "--dry-run", "--json"]).json();
    assert_eq!(json["dry_run"], true);
    assert!(
        json["happened"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "rule" && h["ticket"] == id.as_str())
    );
}

#[test]
fn a_tick_that_finds_another_running_exits_at_once() {
    let d = desk();
    let id = d.new_ticket("x", &[]);
    d.ok(["snooze", &id, "--until", "1h"]);
    std::fs::create_dir_all(d.path(".desk")).unwrap();
    let held = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(d.path(".desk/tick.lock"))
        .unwrap();
    held.lock().unwrap();
    let before = d.snapshot_files();
    let mut c = d.cmd();
    c.env("DESK_NOW", "2026-11-26T09:00:00Z").arg("tick");
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("another `desk tick` is still running"));
    assert_eq!(before, d.snapshot_files());
    drop(held);
}

#[test]
fn concurrent_ticks_do_nothing_twice() {
    let d = desk();
    let ids: Vec<String> = (0..40)
        .map(|i| d.new_ticket(&format!("t{i}"), &[]))
        .collect();
    for id in &ids {
        d.ok(["snooze", id, "--until", "1h"]);
    }
    let run = || {
        let mut c = d.cmd();
        c.env("DESK_NOW", "2026-11-26T09:00:00Z").arg("tick");
        c.output().unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(run);
        let b = s.spawn(run);
        (a.join().unwrap(), b.join().unwrap())
    });
    for o in [&a, &b] {
        assert!(
            matches!(o.status.code(), Some(0 | 75)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for id in &ids {
        assert_eq!(count(&d, id, "ticket.woke"), 1, "{id}");
    }
}

#[test]
fn a_tick_killed_half_way_is_finished_by_the_next() {
    let d = desk();
    let ids: Vec<String> = (0..150)
        .map(|i| d.new_ticket(&format!("t{i}"), &[]))
        .collect();
    for id in &ids {
        d.ok(["snooze", id, "--until", "1h"]);
    }
    for round in 0..3 {
        let mut c = d.cmd();
        c.env("DESK_NOW", "2026-11-26T09:00:00Z").arg("tick");
        let mut child = c.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(40 + 30 * round));
        let _ = child.kill();
        let _ = child.wait();
    }
    d.ok(["--now", "2026-11-26T09:00:00Z", "tick"]);
    for id in &ids {
        let t = d.ticket(id);
        assert_eq!(t["status"], "open", "{id}");
        assert_eq!(count(&d, id, "ticket.woke"), 1, "{id} woke once");
    }
    assert_eq!(
        d.ok(["list", "--all", "--format", "ids"]).lines().count(),
        ids.len()
    );
}

#[test]
fn a_schedule_creates_each_occurrence_once_also_after_catch_up() {
    let mut d = desk();
    let rules = format!(
        "{RULES}\n[[schedule]]\nname = \"monthly-invoice-run\"\nevery = \"0 9 1 * *\"\nticket = {{ subject = \"Monthly invoice run\", department = \"support\", tags = [\"recurring\"] }}\n"
    );
    d.write("rules.toml", &rules);
    d.set_now("2026-12-01T08:30:00Z"); // 09:30 in Oslo: December's run is due
    d.ok(["tick"]);
    d.ok(["tick"]);
    let ids = d.ok(["list", "--format", "ids", "+recurring"]);
    assert_eq!(ids.lines().count(), 1, "{ids}");
    let t = d.ticket(ids.trim());
    assert_eq!(
        t["created_at"], "2026-12-01T08:00:00Z",
        "dated at the occurrence, 09:00 Oslo"
    );
    assert_eq!(t["history"][0]["actor"], "schedule:monthly-invoice-run");
    // Cron was down from December to March: January, February and March each once.
    d.set_now("2027-03-02T12:00:00Z");
    d.ok(["tick"]);
    d.ok(["tick"]);
    let all = d.ok(["list", "--format", "json", "+recurring"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&all).unwrap();
    let months: Vec<&str> = rows
        .iter()
        .map(|r| &r["created_at"].as_str().unwrap()[..7])
        .collect();
    assert_eq!(months, ["2026-12", "2027-01", "2027-02", "2027-03"]);
    // Another clone ticking the same occurrence makes the same ticket, not a second one.
    let copy = Desk::new();
    copy.write("desk.toml", SETTINGS);
    copy.write("rules.toml", &rules);
    let mut c = copy.cmd();
    c.env("DESK_NOW", "2027-03-02T12:00:00Z").arg("tick");
    assert!(c.output().unwrap().status.success());
    let theirs = copy.ok(["list", "--format", "ids", "+recurring"]);
    assert!(
        d.ok(["list", "--format", "ids", "+recurring"])
            .contains(theirs.trim()),
        "same ID on both clones"
    );
}

#[test]
fn tick_sees_tickets_that_arrive_behind_its_back() {
    let mut d = desk();
    let id = d.new_ticket("x", &[]);
    d.ok(["solve", &id]);
    d.ok(["tick"]); // the listing cache now knows every ticket
    d.ok(["tick"]);
    // A `git pull` brings a snoozed ticket that is due.
    let mut t = d.ticket(&id);
    t["id"] = "06fzzzzzzzzzz1".into();
    t["status"] = "pending".into();
    t["snoozed_until"] = "2026-11-24T09:30:00Z".into();
    d.write(
        "tickets/06fzzzzzzzzzz1.json",
        &(serde_json::to_string_pretty(&t).unwrap() + "\n"),
    );
    d.set_now("2026-11-24T10:00:00Z");
    let out = d.run(["tick"]);
    assert!(
        out.stderr.contains("06fzzzzzzzzzz1") && out.stderr.contains("woke"),
        "{out}"
    );
    assert_eq!(d.ticket("06fzzzzzzzzzz1")["status"], "open");
}

#[test]
fn a_time_rule_fires_again_after_the_customer_replies() {
    let mut d = desk().acting_as("ingrid");
    let id = d.new_ticket("Size?", &["--from", "kari@example.no"]);
    d.ok(["reply", &id, "-m", "Which size?"]);
    d.set_now("2026-11-26T09:00:00Z");
    d.ok(["tick"]);
    assert_eq!(fired(&d, &id, "nudge-after-24h"), 1);
    // The customer answers (written as mail ingestion records it, without the rules
    // that would reopen the ticket): that ends the episode, so the nudge may come again.
    let path = format!("tickets/{id}.json");
    let mut t = d.ticket(&id);
    t["messages"].as_array_mut().unwrap().push(serde_json::json!({
        "at": "2026-11-26T10:00:00Z", "author": "customer:kari@example.no", "kind": "customer", "body": "Size 39."
    }));
    t["history"].as_array_mut().unwrap().push(serde_json::json!({
        "at": "2026-11-26T10:00:00Z", "actor": "customer:kari@example.no", "event": "customer.replied"
    }));
    d.write(&path, &(serde_json::to_string_pretty(&t).unwrap() + "\n"));
    d.set_now("2026-11-26T11:00:00Z");
    d.ok(["tick"]);
    assert_eq!(
        fired(&d, &id, "nudge-after-24h"),
        2,
        "{:#?}",
        history(&d, &id)
    );
    d.set_now("2026-11-26T11:01:00Z");
    d.ok(["tick"]);
    assert_eq!(
        fired(&d, &id, "nudge-after-24h"),
        2,
        "once in the new episode"
    );
}
