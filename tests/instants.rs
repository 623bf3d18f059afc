//! Any instant from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z: IDs that never repeat,
//! wrap or spin, imports of old tickets and mail, instants and durations outside the
//! range refused in one line; customer files written by hand; and the `rules check`
//! refusals for a `set status` some reachable type lacks and an unclosed `{{`.

use std::time::Duration;

use serde_json::Value;

use crate::common::*;

const Y2013: &str = "2013-05-01T10:00:00Z";
const FIRST: &str = "1970-01-01T00:00:00Z";
const LAST: &str = "9999-12-31T23:59:59Z";

/// Runs with a time limit, so a command that spins fails the test instead of hanging it.
fn run_within(d: &Desk, args: &[&str]) -> Output {
    let out = assert_cmd::Command::from_std(d.cmd())
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run desk");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok_within(d: &Desk, args: &[&str]) -> String {
    let out = run_within(d, args);
    assert_eq!(out.code, 0, "{args:?} did not succeed in time:\n{out}");
    out.stdout
}

/// One line on stderr, no panic.
fn one_line_error(out: &Output) {
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert_eq!(out.stderr.trim().lines().count(), 1, "one line: {out}");
    assert!(out.stdout.is_empty(), "{out}");
}

fn ids(d: &Desk) -> Vec<String> {
    d.ok(["list", "--all", "--format", "ids"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn assert_increasing(ids: &[String]) {
    for w in ids.windows(2) {
        assert!(w[0] < w[1], "not increasing: {} then {}", w[0], w[1]);
    }
}

#[test]
fn two_tickets_at_a_2013_instant_are_distinct() {
    let d = Desk::new().at(Y2013);
    let a = ok_within(&d, &["new", "-s", "first"]).trim().to_string();
    let b = ok_within(&d, &["new", "-s", "second"]).trim().to_string();
    assert_ne!(a, b);
    assert!(a < b, "in the order made: {a} {b}");
    assert!(a.starts_with("0000000"), "time part clamped to 2020: {a}");
    for id in [&a, &b] {
        assert_eq!(d.ticket(id)["created_at"], Y2013);
    }
    assert_eq!(ids(&d), [a, b]);
    ok_within(&d, &["tick"]);
}

#[test]
fn more_than_1024_tickets_in_one_pre_2020_second_stay_unique_and_in_order() {
    let d = Desk::new();
    let mut csv = String::from("subject,from,created_at\n");
    for i in 0..1100 {
        csv.push_str(&format!(
            "Old {i},c{}@x.example,2017-03-01T12:00:00Z\n",
            i % 7
        ));
    }
    d.write("old.csv", &csv);
    let out = run_within(&d, &["import", "csv", "old.csv"]);
    assert_eq!(out.code, 0, "{out}");
    let listed = ids(&d);
    assert_eq!(listed.len(), 1100);
    // Sorted by ID is the order of the file: the sequence borrowed later seconds.
    let rows: Vec<Value> =
        serde_json::from_str(&d.ok(["list", "--all", "--format", "json", "--limit", "2000"]))
            .expect("json");
    let subjects: Vec<String> = rows
        .iter()
        .map(|r| r["subject"].as_str().unwrap_or("").to_string())
        .collect();
    let expected: Vec<String> = (0..1100).map(|i| format!("Old {i}")).collect();
    assert_eq!(subjects, expected);
    assert!(
        rows.iter()
            .all(|r| r["created_at"] == "2017-03-01T12:00:00Z")
    );
    // A ticket made now sorts after all of them.
    let now = d.new_ticket("today", &[]);
    assert!(listed.iter().all(|i| *i < now), "{now}");
}

#[test]
fn far_future_instants_neither_wrap_nor_spin_and_ids_keep_sorting() {
    let mut d = Desk::new();
    let mut made = vec![d.new_ticket("2026", &[])];
    for now in [
        "3000-01-01T00:00:00Z", // representable: sorts by time
        "3200-01-01T00:00:00Z", // past 3108: the last second
        "9999-12-31T23:59:00Z",
        LAST,
    ] {
        d.set_now(now);
        made.push(ok_within(&d, &["new", "-s", now]).trim().to_string());
        ok_within(&d, &["tick"]);
        ok_within(&d, &["list"]);
    }
    assert_increasing(&made);
    assert!(
        !made[1].starts_with("zzzzzzz"),
        "3000 is representable: {}",
        made[1]
    );
    assert!(
        made[2..].iter().all(|i| i.starts_with("zzzzzzz")),
        "{made:?}"
    );
    assert_eq!(ids(&d), made, "listed in the order made");
    // The clock going back afterwards does not reuse or wrap: still after the others.
    d.set_now(NOW);
    let back = ok_within(&d, &["new", "-s", "back"]).trim().to_string();
    assert!(made.iter().all(|i| *i < back), "{back}");
}

#[test]
fn when_ids_run_out_desk_new_fails_in_one_line_and_changes_nothing() {
    let d = Desk::new().at(LAST);
    d.write(
        ".desk/ids.json",
        &serde_json::json!({
            "clone": 7,
            "root": d.root().display().to_string(),
            "last_secs": (1u64 << 35) - 1,
            "last_seq": 1023,
            "used": true,
        })
        .to_string(),
    );
    let before = d.snapshot_files();
    let out = run_within(&d, &["new", "-s", "one too many"]);
    assert_eq!(out.code, 1, "{out}");
    one_line_error(&out);
    assert!(out.stderr.contains("no ticket IDs left"), "{out}");
    assert_eq!(before, d.snapshot_files());
    // Also at an earlier time: the counter never goes back.
    let d = d.at(NOW);
    let out = run_within(&d, &["new", "-s", "again"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(before, d.snapshot_files());
}

#[test]
fn a_2017_csv_import_and_mail_from_1998_and_1970_are_stored() {
    let d = Desk::new();
    d.write(
        "old.csv",
        "subject,from,created_at\nGammel sak,ola@x.example,2017-06-01T08:00:00Z\nEldre sak,kari@x.example,2017-06-01 10:00\n",
    );
    let out = run_within(&d, &["import", "csv", "old.csv"]);
    assert_eq!(out.code, 0, "{out}");
    let mail = |date: &str, id: &str| {
        format!(
            "From: Ola <ola@x.example>\nTo: support@example.com\nSubject: Old mail {id}\nDate: {date}\nMessage-ID: <{id}@x.example>\n\nHei\n"
        )
    };
    d.write(
        "in/1998.eml",
        &mail("Fri, 13 Mar 1998 09:30:00 +0100", "1998"),
    );
    d.write(
        "in/1970.eml",
        &mail("Thu, 01 Jan 1970 00:00:00 +0000", "1970"),
    );
    d.write(
        "in/1960.eml",
        &mail("Fri, 01 Jan 1960 00:00:00 +0000", "1960"),
    );
    let out = run_within(
        &d,
        &[
            "ingest",
            "email",
            "in/1998.eml",
            "in/1970.eml",
            "in/1960.eml",
        ],
    );
    assert_eq!(out.code, 0, "{out}");
    let all = ids(&d);
    assert_eq!(all.len(), 5, "{all:?}");
    let sent: Vec<Value> = all
        .iter()
        .map(|id| d.ticket(id))
        .filter(|t| t["channel"] == "email")
        .map(|t| t["messages"][0]["sent_at"].clone())
        .collect();
    assert_eq!(
        sent,
        [
            Value::from("1998-03-13T08:30:00Z"),
            Value::from(FIRST),
            // Before the range: not kept as a time.
            Value::Null,
        ]
    );
    let created: Vec<Value> = all
        .iter()
        .map(|id| d.ticket(id)["created_at"].clone())
        .collect();
    assert_eq!(created[0], "2017-06-01T08:00:00Z");
    // A created_at outside the range is refused like an unreadable one.
    d.write(
        "bad.csv",
        "subject,created_at\nToo old,1969-12-31T23:59:59Z\n",
    );
    let out = d.run(["import", "csv", "bad.csv"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("outside the times desk handles"),
        "{out}"
    );
    assert_eq!(ids(&d).len(), 5);
}

#[test]
fn a_schedule_before_2020_makes_one_ticket_per_occurrence() {
    let mut d = Desk::new();
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[schedule]]\nname = \"daily\"\nevery = \"0 9 * * *\"\nticket = {{ subject = \"Daily check\", tags = [\"recurring\"] }}\n"
        ),
    );
    d.set_now(Y2013);
    ok_within(&d, &["tick"]);
    ok_within(&d, &["tick"]);
    assert_eq!(ids(&d).len(), 1, "once per occurrence");
    d.set_now("2013-05-03T10:00:00Z");
    let dry = ok_within(&d, &["tick", "--dry-run", "--json"]);
    assert!(dry.contains("created"), "{dry}");
    assert_eq!(ids(&d).len(), 1, "a dry run writes nothing");
    ok_within(&d, &["tick"]);
    ok_within(&d, &["tick"]);
    let made = ids(&d);
    assert_eq!(made.len(), 3, "{made:?}");
    let days: Vec<Value> = made
        .iter()
        .map(|id| d.ticket(id)["created_at"].clone())
        .collect();
    assert_eq!(
        days,
        [
            "2013-05-01T09:00:00Z",
            "2013-05-02T09:00:00Z",
            "2013-05-03T09:00:00Z"
        ]
    );
}

#[test]
fn instants_outside_the_range_are_usage_errors_that_change_nothing() {
    let d = Desk::new();
    let id = d.new_ticket("x", &[]);
    let before = d.snapshot_files();
    for now in ["1969-12-31T23:59:59Z", "10000-01-01T00:00:00Z"] {
        // Through the flag (which wins over DESK_NOW) and through the variable.
        for args in [
            vec!["--now", now, "new", "-s", "y"],
            vec!["--now", now, "tick"],
            vec!["--now", now, "list"],
            vec!["--now", now, "reply", id.as_str(), "-m", "hei"],
        ] {
            let out = run_within(&d, &args);
            assert_eq!(out.code, 2, "{args:?}: {out}");
            one_line_error(&out);
            assert!(
                out.stderr.contains("outside the times desk handles"),
                "{out}"
            );
        }
        let d2 = Desk::new().at(now);
        let out = run_within(&d2, &["new", "-s", "y"]);
        assert_eq!(out.code, 2, "{out}");
        one_line_error(&out);
    }
    assert_eq!(before, d.snapshot_files());
}

#[test]
fn overflowing_durations_are_one_line_errors_not_panics() {
    let d = Desk::new();
    let id = d.new_ticket("x", &[]);
    let before = d.snapshot_files();
    for (code, args) in [
        // A WHEN that is not one is a usage error, for snooze as for report.
        (2, vec!["snooze", id.as_str(), "--until", "99999999999d"]),
        (
            2,
            vec!["snooze", id.as_str(), "--until", "99999999999999999999w"],
        ),
        (1, vec!["list", "since.created>99999999999d"]),
        (2, vec!["report", "--since", "99999999999d"]),
        (2, vec!["report", "--until", "99999999999d"]),
        (2, vec!["report", "--until", "10000-01-01"]),
    ] {
        let out = run_within(&d, &args);
        assert_eq!(out.code, code, "{args:?}: {out}");
        one_line_error(&out);
    }
    // A duration that parses but reaches past the range.
    let d_end = Desk::new().at("9999-12-31T23:00:00Z");
    let late = d_end.new_ticket("late", &[]);
    let out = run_within(&d_end, &["snooze", late.as_str(), "--until", "2d"]);
    assert_eq!(out.code, 1, "{out}");
    one_line_error(&out);
    assert!(out.stderr.contains("past 9999-12-31T23:59:59Z"), "{out}");
    assert!(d_end.ticket(&late)["snoozed_until"].is_null());
    // A long --since only reaches back to 1970.
    d.ok(["report", "--since", "3000w"]);
    assert_eq!(before, d.snapshot_files());
}

#[test]
fn overflowing_durations_in_rules_toml_are_reported_at_their_place() {
    let d = Desk::new();
    let rules = d.read("rules.toml");
    for (extra, key) in [
        (
            "[[rule]]\nname = \"ancient\"\non = [\"tick\"]\nif.all = [ { field = \"since.created\", op = \"over\", value = \"99999999999w\" } ]\nthen = [ { add_tags = [\"old\"] } ]\n",
            "99999999999w",
        ),
        (
            "[[sla]]\nname = \"slow\"\nfirst_reply = \"99999999999w\"\nresolution = \"1d\"\n",
            "99999999999w",
        ),
        (
            "[[rule]]\nname = \"nap\"\non = [\"ticket.created\"]\nthen = [ { snooze = \"99999999999d\" } ]\n",
            "99999999999d",
        ),
    ] {
        d.write("rules.toml", &format!("{rules}\n{extra}"));
        let before = d.snapshot_files();
        let out = run_within(&d, &["rules", "check"]);
        assert_eq!(out.code, 1, "{out}");
        one_line_error(&out);
        assert!(out.stderr.starts_with("desk: rules.toml:"), "{out}");
        assert!(out.stderr.contains(key), "{out}");
        let out = run_within(&d, &["new", "-s", "y"]);
        assert_eq!(out.code, 1, "{out}");
        assert_eq!(before, d.snapshot_files());
    }
}

#[test]
fn a_rule_snoozing_past_the_range_fails_alone() {
    let d = Desk::new().at("9999-12-31T23:00:00Z");
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[rule]]\nname = \"nap\"\non = [\"ticket.created\"]\nthen = [ {{ snooze = \"2d\" }}, {{ add_tags = [\"seen\"] }} ]\n"
        ),
    );
    let out = run_within(&d, &["new", "-s", "later"]);
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert!(out.stderr.contains("past 9999-12-31T23:59:59Z"), "{out}");
    let id = out.stdout.trim();
    let t = d.ticket(id);
    assert!(t["snoozed_until"].is_null(), "{t}");
    assert_eq!(t["tags"], serde_json::json!(["seen"]));
}

#[test]
fn every_command_runs_at_both_ends_of_the_range() {
    for now in [FIRST, LAST] {
        let d = Desk::new().at(now);
        let id = ok_within(&d, &["new", "-s", "edge", "--from", "kari@x.example"])
            .trim()
            .to_string();
        ok_within(&d, &["reply", &id, "-m", "Hei"]);
        ok_within(&d, &["note", &id, "-m", "internt"]);
        ok_within(&d, &["show", &id]);
        ok_within(&d, &["list"]);
        ok_within(&d, &["list", "--format", "json"]);
        ok_within(&d, &["tick"]);
        ok_within(&d, &["tick", "--dry-run"]);
        ok_within(&d, &["report"]);
        ok_within(&d, &["rules", "test", &id]);
        ok_within(&d, &["solve", &id]);
        assert_eq!(d.ticket(&id)["created_at"], now);
    }
}

/// A helpdesk with a rule on the customer's group.
fn with_group_rule() -> Desk {
    let d = Desk::new();
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[rule]]\nname = \"vip-first\"\non = [\"ticket.created\"]\nif.all = [ {{ field = \"customer.group\", op = \"is\", value = \"vip\" }} ]\nthen = [ {{ set = \"priority\", to = \"high\" }}, {{ add_tags = [\"vip\"] }} ]\n"
        ),
    );
    d
}

#[test]
fn a_hand_written_customer_with_only_an_email_or_a_group_is_valid() {
    let d = with_group_rule();
    let plain = "{\"email\": \"kari@x.example\"}\n";
    let vip = "{\"email\": \"vip@x.example\", \"group\": \"vip\"}";
    d.write("customers/kari@x.example.json", plain);
    d.write("customers/vip@x.example.json", vip);
    d.ok(["rules", "check"]);

    let v = d.new_ticket("Hjelp", &["--from", "vip@x.example"]);
    let t = d.ticket(&v);
    assert_eq!(
        t["priority"], "high",
        "the hand-written group reached the rule"
    );
    assert_eq!(t["tags"], serde_json::json!(["vip"]));
    let k = d.new_ticket("Hei", &["--from", "kari@x.example"]);
    assert_eq!(d.ticket(&k)["priority"], "normal");
    let listed = d.ok(["list"]);
    assert!(listed.contains(&v) && listed.contains(&k), "{listed}");
    let tested = d.ok(["rules", "test", &v]);
    assert!(tested.contains("customer.group is vip"), "{tested}");
    assert!(tested.contains("(saw: vip)"), "{tested}");
    d.ok(["tick"]);
    // Contact alone rewrites nothing the user wrote.
    assert_eq!(d.read("customers/kari@x.example.json"), plain);
    assert_eq!(d.read("customers/vip@x.example.json"), vip);

    // Learning a name writes the file, keeping the group and adding no created_at.
    d.new_ticket("Igjen", &["--from", "vip@x.example", "--name", "Vera Vip"]);
    let c: Value = serde_json::from_str(&d.read("customers/vip@x.example.json")).expect("json");
    assert_eq!(c["name"], "Vera Vip");
    assert_eq!(c["group"], "vip");
    assert!(c.get("created_at").is_none(), "{c}");
    d.new_ticket("Og igjen", &["--from", "vip@x.example"]);
    assert_eq!(d.ticket(&ids(&d)[3])["priority"], "high");

    // A customer desk creates has created_at.
    d.new_ticket("Ny", &["--from", "ny@x.example"]);
    let c: Value = serde_json::from_str(&d.read("customers/ny@x.example.json")).expect("json");
    assert_eq!(c["created_at"], NOW);
}

#[test]
fn set_status_some_reachable_type_lacks_is_refused_with_its_place() {
    let d = Desk::example();
    d.ok(["rules", "check"]);
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[rule]]\nname = \"hold-web\"\non = [\"ticket.created\"]\nif.all = [ {{ field = \"channel\", op = \"is\", value = \"web\" }} ]\nthen = [ {{ set = \"status\", to = \"on-hold\" }} ]\n"
        ),
    );
    let line = rules.lines().count() + 6;
    let before = d.snapshot_files();
    let out = d.fails(1, ["rules", "check"]);
    one_line_error(&out);
    assert_eq!(
        out.stderr.trim(),
        format!(
            "desk: rules.toml:{line}:33: rule `hold-web` can set status `on-hold` on tickets of type `suggestion`, which has no such status; limit the rule with {{ field = \"type\", op = \"is\", value = \"ticket\" }} in `if.all`"
        )
    );
    d.fails(1, ["new", "-s", "x"]);
    assert_eq!(before, d.snapshot_files());

    // Pinned as the message says, it passes.
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[rule]]\nname = \"hold-web\"\non = [\"ticket.created\"]\nif.all = [ {{ field = \"channel\", op = \"is\", value = \"web\" }}, {{ field = \"type\", op = \"is\", value = \"ticket\" }} ]\nthen = [ {{ set = \"status\", to = \"on-hold\" }} ]\n"
        ),
    );
    d.ok(["rules", "check"]);
}

#[test]
fn the_default_and_example_rules_pass_the_check() {
    Desk::new().ok(["rules", "check"]);
    Desk::example().ok(["rules", "check"]);
}

#[test]
fn an_unclosed_placeholder_in_a_template_is_reported_in_the_template() {
    let d = Desk::new();
    let received = d.read("templates/received.txt");
    let mut lines: Vec<String> = received.lines().map(str::to_string).collect();
    assert!(lines.len() >= 3, "{received}");
    lines[2] = "Hei igjen, {{customer.name".to_string();
    d.write("templates/received.txt", &(lines.join("\n") + "\n"));
    let before = d.snapshot_files();
    let out = d.fails(1, ["rules", "check"]);
    one_line_error(&out);
    assert!(
        out.stderr
            .starts_with("desk: templates/received.txt:3:12: unclosed `{{`"),
        "{out}"
    );
    // The rule using it blocks changes too.
    let out = d.fails(1, ["new", "-s", "x"]);
    assert!(out.stderr.contains("templates/received.txt:3:12"), "{out}");
    assert_eq!(before, d.snapshot_files());
    d.ok(["list"]);
}
