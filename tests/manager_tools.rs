//! The manager's tools (issue 16): `desk rules stats` with the clock stepping through
//! days, and the report's fixes — tickets counted besides moves, breaches that no tick
//! recorded yet, every percentile in CSV, `--until` to the second.

use serde_json::{Value, json};

use crate::common::Desk;

const STATS_RULES: &str = r#"
[[rule]]
name = "billing-tag"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = "invoice" } ]
then = [ { add_tags = ["billing"] } ]

[[rule]]
name = "urgent-words"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = "urgent" } ]
then = [ { set = "priority", to = "urgent" } ]

[[rule]]
name = "vip"
enabled = false
on = ["ticket.created"]
then = [ { set = "priority", to = "high" } ]

[[rule]]
name = "stale"
on = ["tick"]
if.all = [
  { field = "tags", op = "contains", value = "billing" },
  { field = "since.created", op = "over", value = "2d" },
]
then = [ { add_tags = ["stale"] } ]

[[sla]]
name = "standard"
if.all = [ { field = "tags", op = "contains", value = "billing" } ]
first_reply = "4h"

[[schedule]]
name = "weekly-review"
every = "0 9 * * 1"
ticket = { subject = "Weekly review", tags = ["recurring"] }
"#;

fn at(d: &mut Desk, now: &str, args: &[&str]) -> String {
    d.set_now(now);
    d.ok(args).trim().to_string()
}

/// Two weeks of a helpdesk (UTC): `billing-tag` tags invoices on creation and is renamed
/// `billing` in the second week; `stale` is a time rule; `standard` is an SLA policy for
/// billing tickets (first reply in 4h); `weekly-review` a schedule on Mondays at 09:00.
///
/// | when | what | entries |
/// |---|---|---|
/// | Mon 11-02 08:00 | T1 "invoice missing" | billing-tag, sla:standard chosen |
/// | Mon 11-02 08:00 | T2 "hello" | none |
/// | Mon 11-02 13:00 | tick | weekly-review makes a ticket at 09:00; T1 breached 12:00 |
/// | Wed 11-04 09:00 | T3 "invoice again" | billing-tag, sla:standard chosen |
/// | Thu 11-05 09:00 | tick | stale on T1 at Wed 08:00; T3 breached Wed 13:00 |
/// | (rename) | billing-tag → billing | |
/// | Mon 11-09 10:00 | T4 "invoice, third" | billing, sla:standard chosen |
/// | Mon 11-09 10:00 | tick | weekly-review at 09:00; stale on T3 at Fri 09:00 |
fn two_weeks() -> Desk {
    let mut d = Desk::new();
    d.write("rules.toml", STATS_RULES);
    let d = &mut d;
    at(d, "2026-11-02T08:00:00Z", &["new", "-s", "invoice missing"]);
    at(d, "2026-11-02T08:00:00Z", &["new", "-s", "hello"]);
    at(d, "2026-11-02T13:00:00Z", &["tick", "-q"]);
    at(d, "2026-11-04T09:00:00Z", &["new", "-s", "invoice again"]);
    at(d, "2026-11-05T09:00:00Z", &["tick", "-q"]);
    d.write(
        "rules.toml",
        &STATS_RULES.replace("name = \"billing-tag\"", "name = \"billing\""),
    );
    at(d, "2026-11-09T10:00:00Z", &["new", "-s", "invoice, third"]);
    at(d, "2026-11-09T10:00:00Z", &["tick", "-q"]);
    d.set_now("2026-11-10T12:00:00Z");
    std::mem::replace(d, Desk::empty())
}

/// (kind, name, fired, tickets, last) of each row.
fn rows(v: &Value) -> Vec<(String, String, u64, u64, Value)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["name"].as_str().unwrap().to_string(),
                r["fired"].as_u64().unwrap(),
                r["tickets"].as_u64().unwrap(),
                r["last"].clone(),
            )
        })
        .collect()
}

fn row(
    kind: &str,
    name: &str,
    fired: u64,
    tickets: u64,
    last: Value,
) -> (String, String, u64, u64, Value) {
    (kind.into(), name.into(), fired, tickets, last)
}

#[test]
fn rules_stats_counts_every_rule_policy_and_schedule_over_two_weeks() {
    let d = two_weeks();
    let out = d.run(["rules", "stats", "--format", "json"]);
    assert_eq!(out.code, 0, "{out}");
    let v = out.json();
    assert_eq!(
        v["until"], "2026-11-10T12:00:01Z",
        "up to now, this second included"
    );
    assert_eq!(v["since"], "2026-10-11T12:00:00Z", "30 days before now");
    assert_eq!(
        rows(&v["rows"]),
        [
            row("rule", "billing", 1, 1, json!("2026-11-09T10:00:00Z")),
            row("rule", "urgent-words", 0, 0, Value::Null),
            row("rule", "vip", 0, 0, Value::Null),
            // A time rule's work is recorded at the instant its condition came true.
            row("rule", "stale", 2, 2, json!("2026-11-06T09:00:00Z")),
            // Chosen on T1, T3 and T4; breached on T1 and T3.
            row("sla", "standard", 5, 3, json!("2026-11-09T10:00:00Z")),
            row(
                "schedule",
                "weekly-review",
                2,
                2,
                json!("2026-11-09T09:00:00Z")
            ),
        ]
    );
    let enabled: Vec<bool> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["enabled"].as_bool().unwrap())
        .collect();
    assert_eq!(enabled, [true, true, false, true, true, true]);
    assert_eq!(
        v["rows"][4]["events"],
        json!({ "sla.breached": 2, "ticket.updated": 3 })
    );
    assert_eq!(v["rows"][3]["events"], json!({ "tick": 2 }));
    assert_eq!(
        rows(&v["no_longer_in_rules_toml"]),
        [row(
            "rule",
            "billing-tag",
            2,
            2,
            json!("2026-11-04T09:00:00Z")
        )]
    );
    assert_eq!(v["no_longer_in_rules_toml"][0]["in_rules_toml"], false);

    let out = d.run(["rules", "stats"]);
    assert_eq!(out.code, 0, "{out}");
    insta::assert_snapshot!("rules-stats-two-weeks", out.to_string());
}

#[test]
fn rules_stats_since_leaves_older_firings_out() {
    let d = two_weeks();
    let v = d
        .run([
            "rules",
            "stats",
            "--since",
            "2026-11-05",
            "--format",
            "json",
        ])
        .json();
    assert_eq!(v["since"], "2026-11-05T00:00:00Z");
    assert_eq!(
        rows(&v["rows"]),
        [
            row("rule", "billing", 1, 1, json!("2026-11-09T10:00:00Z")),
            row("rule", "urgent-words", 0, 0, Value::Null),
            row("rule", "vip", 0, 0, Value::Null),
            row("rule", "stale", 1, 1, json!("2026-11-06T09:00:00Z")),
            row("sla", "standard", 1, 1, json!("2026-11-09T10:00:00Z")),
            row(
                "schedule",
                "weekly-review",
                1,
                1,
                json!("2026-11-09T09:00:00Z")
            ),
        ]
    );
    // Still listed, with when it last fired.
    let gone = &v["no_longer_in_rules_toml"][0];
    assert_eq!(
        (gone["name"].clone(), gone["fired"].clone()),
        (json!("billing-tag"), json!(0))
    );
    assert_eq!(gone["last_ever"], "2026-11-04T09:00:00Z");

    // --until to the second, as in `desk report`.
    let v = d
        .run([
            "rules",
            "stats",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-02T09:00:00Z",
            "--format",
            "json",
        ])
        .json();
    assert_eq!(
        v["rows"][5]["fired"], 0,
        "the 09:00 occurrence is the end, left out"
    );
    assert_eq!(v["rows"][0]["fired"], 0);
    let v = d
        .run([
            "rules",
            "stats",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-02T09:00:01Z",
            "--format",
            "json",
        ])
        .json();
    assert_eq!(v["rows"][5]["fired"], 1);

    let out = d.run(["rules", "stats", "--since", "2026-11-05"]);
    assert!(
        out.stdout
            .contains("not in the period (last 2026-11-04 09:00)"),
        "{out}"
    );
    assert!(out.stdout.contains("switched off; never fired"), "{out}");

    let csv = d.ok(["rules", "stats", "--since", "2026-11-05", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "kind,name,enabled,in_rules_toml,fired,tickets,last,last_ever,events"
    );
    assert_eq!(
        lines[4],
        "rule,stale,true,true,1,1,2026-11-06T09:00:00Z,2026-11-06T09:00:00Z,tick=1"
    );
    assert_eq!(
        lines[7],
        "rule,billing-tag,true,false,0,0,,2026-11-04T09:00:00Z,"
    );

    let out = d.fails(2, ["rules", "stats", "--since", "soon"]);
    assert!(out.stderr.contains("--since `soon`"), "{out}");
}

#[test]
fn rules_stats_names_a_corrupt_ticket_and_counts_the_rest() {
    let d = two_weeks();
    d.write("tickets/zzzzzzzzzzzzzz.json", "{ not json");
    let out = d.run(["rules", "stats", "--format", "json"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("zzzzzzzzzzzzzz.json"), "{out}");
    assert_eq!(out.json()["rows"][0]["fired"], 1);
}

#[test]
fn rules_stats_without_rules() {
    let d = Desk::new();
    d.write("rules.toml", "");
    let out = d.run(["rules", "stats"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout
            .contains("rules.toml has no rules, SLA policies or schedules"),
        "{out}"
    );
}

// --- the report's fixes ---------------------------------------------------------

const SLA_RULES: &str = r#"
[[sla]]
name = "std"
first_reply = "1h"
resolution = "1d"
"#;

/// Solved, reopened and solved again: one ticket, two moves.
#[test]
fn the_report_counts_tickets_and_moves() {
    let mut d = Desk::new();
    let d = &mut d;
    let t1 = at(d, "2026-11-02T09:00:00Z", &["new", "-s", "twice"]);
    at(d, "2026-11-02T10:00:00Z", &["solve", &t1]);
    at(d, "2026-11-02T11:00:00Z", &["reopen", &t1]);
    at(d, "2026-11-02T12:30:00Z", &["solve", &t1]);
    let t2 = at(d, "2026-11-02T09:00:00Z", &["new", "-s", "once"]);
    at(d, "2026-11-02T11:00:00Z", &["solve", &t2]);
    d.set_now("2026-11-03T09:00:00Z");
    let period = ["--since", "2026-11-02", "--until", "2026-11-03"];

    let mut args = vec!["report", "--format", "json"];
    args.extend(period);
    let r = d.run(&args).json();
    let all = &r["total"];
    assert_eq!(all["solved_tickets"], 2);
    assert_eq!(all["solved_moves"], 3);
    assert_eq!(all["reopened_tickets"], 1);
    assert_eq!(all["reopened_moves"], 1);
    // The names before tickets were counted stay, as moves.
    assert_eq!(
        (all["solved"].clone(), all["reopened"].clone()),
        (json!(3), json!(1))
    );
    // One resolution time per ticket, to its last solve: 3h30m and 2h.
    assert_eq!(all["resolution"]["count"], 2);
    assert_eq!(all["resolution"]["median_seconds"], 2 * 3600);
    assert_eq!(all["resolution"]["p90_seconds"], 3 * 3600 + 1800);

    let mut args = vec!["report", "--format", "csv"];
    args.extend(period);
    let csv = d.ok(&args);
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let total: Vec<&str> = lines.last().unwrap().split(',').collect();
    let col = |name: &str| {
        total[head
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no {name} in {head:?}"))]
    };
    assert_eq!((col("solved_tickets"), col("solved_moves")), ("2", "3"));
    assert_eq!((col("reopened_tickets"), col("reopened_moves")), ("1", "1"));

    let mut args = vec!["report"];
    args.extend(period);
    let table = d.ok(&args);
    assert!(table.contains("SOLVED tickets (moves)"), "{table}");
    let all = table.lines().find(|l| l.starts_with("all ")).unwrap();
    assert!(all.contains(" 2 (3) "), "{all}");
    assert!(all.contains(" 1 (1) "), "{all}");
    // Durations as desk prints them everywhere: 2h and 3h30m.
    assert!(all.contains("2h / 3h30m"), "{all}");
}

#[test]
fn a_breach_no_tick_recorded_yet_is_counted_and_said() {
    let mut d = Desk::new();
    d.write("rules.toml", SLA_RULES);
    let d = &mut d;
    let id = at(d, "2026-11-02T09:00:00Z", &["new", "-s", "nobody answers"]);
    // No tick since: the first reply was due at 10:00.
    d.set_now("2026-11-02T12:00:00Z");
    let r = d
        .run(["report", "--since", "1d", "--format", "json"])
        .json();
    assert_eq!(r["total"]["sla_breached"], 1);
    assert_eq!(r["total"]["sla_breached_unrecorded"], 1);
    assert_eq!(r["total"]["sla_at_risk"], 0);
    let table = d.ok(["report", "--since", "1d"]);
    assert!(
        table.contains("SLA: 1 breached, 1 of them not yet recorded by tick"),
        "{table}"
    );

    let s = d
        .run(["report", "sla", "--since", "1d", "--format", "json"])
        .json();
    let first = &s["rows"][0];
    assert_eq!(first["target"], "first_reply");
    assert_eq!(
        (
            first["breached"].clone(),
            first["breached_unrecorded"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(first["met_percent"], 0.0);
    assert_eq!(
        first["worst"],
        json!([{ "ticket": id, "late_seconds": 2 * 3600 }])
    );
    let table = d.ok(["report", "sla", "--since", "1d"]);
    assert!(table.contains("1 (1 not recorded)"), "{table}");

    // A period that ends before the due time has no breach.
    let r = d
        .run([
            "report",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-02T10:00:00Z",
            "--format",
            "json",
        ])
        .json();
    assert_eq!(r["total"]["sla_breached"], 0);

    // Once tick recorded it, it is one breach, recorded.
    d.ok(["tick", "-q"]);
    let r = d
        .run(["report", "--since", "1d", "--format", "json"])
        .json();
    assert_eq!(r["total"]["sla_breached"], 1);
    assert_eq!(r["total"]["sla_breached_unrecorded"], 0);
    let table = d.ok(["report", "--since", "1d"]);
    assert!(!table.contains("not yet recorded"), "{table}");
}

#[test]
fn every_percentile_is_in_the_csv() {
    let mut d = Desk::new();
    d.write("rules.toml", SLA_RULES);
    let d = &mut d;
    for (i, (reply, solve)) in [("10:00", "11:00"), ("11:00", "15:00")].iter().enumerate() {
        let id = at(d, "2026-11-02T09:00:00Z", &["new", "-s", &format!("t{i}")]);
        at(
            d,
            &format!("2026-11-02T{reply}:00Z"),
            &["reply", &id, "-m", "ok"],
        );
        at(d, &format!("2026-11-02T{solve}:00Z"), &["solve", &id]);
    }
    d.set_now("2026-11-03T09:00:00Z");
    let json = d
        .run(["report", "--since", "2d", "--format", "json"])
        .json();
    let csv = d.ok(["report", "--since", "2d", "--format", "csv"]);
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let total: Vec<&str> = lines.last().unwrap().split(',').collect();
    // Every figure of every set of durations in the JSON has its column.
    for what in ["first_reply", "resolution"] {
        let times = json["total"][what].as_object().unwrap();
        assert_eq!(times.len(), 5, "{times:?}");
        for (k, v) in times {
            let name = format!("{what}_{k}");
            let i = head
                .iter()
                .position(|h| *h == name)
                .unwrap_or_else(|| panic!("no column {name} in {head:?}"));
            assert_eq!(total[i], v.to_string(), "{name}");
        }
    }
    assert_eq!(json["total"]["resolution"]["p90_seconds"], 6 * 3600);
    assert_eq!(json["total"]["first_reply"]["p90_seconds"], 2 * 3600);
}

#[test]
fn until_is_exact_to_the_second() {
    let mut d = Desk::new();
    let d = &mut d;
    for s in ["29", "30", "31"] {
        at(d, &format!("2026-03-04T10:15:{s}Z"), &["new", "-s", s]);
    }
    d.set_now("2026-03-05T00:00:00Z");
    let created = |until: &str| {
        d.run([
            "report",
            "--since",
            "2026-03-04",
            "--until",
            until,
            "--format",
            "json",
        ])
        .json()["total"]["created"]
            .clone()
    };
    // The end is not included, to the second.
    assert_eq!(created("2026-03-04T10:15:30Z"), 1);
    assert_eq!(created("2026-03-04T10:15:31Z"), 2);
    assert_eq!(created("2026-03-04 10:15:32"), 3);
    let table = d.ok([
        "report",
        "--since",
        "2026-03-04",
        "--until",
        "2026-03-04T10:15:30Z",
    ]);
    assert!(
        table.starts_with(
            "By department, 2026-03-04 00:00:00 to 2026-03-04 10:15:29 (UTC); open, waiting, unassigned, oldest and at risk as of 2026-03-05 00:00:00\n"
        ),
        "{table}"
    );
    let sla = d.ok([
        "report",
        "sla",
        "--since",
        "2026-03-04",
        "--until",
        "2026-03-04T10:15:30Z",
    ]);
    assert!(
        sla.starts_with("SLA targets decided from 2026-03-04 00:00:00 to 2026-03-04 10:15:29;"),
        "{sla}"
    );
}
