//! `desk report`: a helpdesk with known timings (every command at a pinned instant),
//! every figure of the JSON checked exactly, the human table and charts snapshotted.
//!
//! Office hours Mon–Fri 08:00–16:00 UTC; SLA `std`: first reply 2h, resolution 8h,
//! warning 30 min. The week of Monday 2026-11-02; the report runs Friday 12:00.
//!
//! | ticket | department | what happens |
//! |---|---|---|
//! | T0 | support | opened Fri Oct 30 15:00 (before the period), solved Mon 08:30 |
//! | T1 | support | Mon 09:00, reply 10:00, solved 12:00 |
//! | T2 | billing | Mon 15:00, reply Tue 09:00 (2h of office time), still open |
//! | T3 | support → billing | Tue 09:00, first reply breached 11:00, transferred 13:00, reply 14:00 |
//! | T4 | billing | Wed 10:00, solved 11:00 without a reply, reopened Thu 09:00 (targets stop while solved: first reply due Thu 10:00) |
//! | T5 | support | Thu 10:00, nobody assigned, nothing done |
//! | T7 | support | Thu 14:00, reply 15:00, then pending (waiting on the customer) |
//! | T6 | support | Fri 10:15: first reply due 12:15, so at risk at 12:00 |

use serde_json::{Value, json};

use crate::common::Desk;

fn run_at(d: &mut Desk, now: &str, args: &[&str]) -> String {
    d.set_now(now);
    d.ok(args).trim().to_string()
}

fn open(d: &mut Desk, now: &str, subject: &str, from: &str, dept: &str) -> String {
    run_at(
        d,
        now,
        &[
            "new",
            "-s",
            subject,
            "-m",
            "hi",
            "--from",
            from,
            "--department",
            dept,
        ],
    )
}

/// The week above, and the IDs of T0..T7 in the order of the table.
fn week() -> (Desk, Vec<String>) {
    let mut d = Desk::new();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/report");
    for f in ["desk.toml", "rules.toml"] {
        d.write(f, &std::fs::read_to_string(data.join(f)).unwrap());
    }
    let d = &mut d;
    let t0 = open(d, "2026-10-30T15:00:00Z", "T0", "a@x.no", "support");
    run_at(d, "2026-11-02T08:30:00Z", &["--as", "alex", "solve", &t0]);
    let t1 = open(d, "2026-11-02T09:00:00Z", "T1", "b@x.no", "support");
    run_at(
        d,
        "2026-11-02T09:00:00Z",
        &["--as", "alex", "assign", &t1, "alex"],
    );
    run_at(
        d,
        "2026-11-02T10:00:00Z",
        &["--as", "alex", "reply", &t1, "-m", "ok"],
    );
    run_at(d, "2026-11-02T12:00:00Z", &["--as", "alex", "solve", &t1]);
    let t2 = open(d, "2026-11-02T15:00:00Z", "T2", "c@x.no", "billing");
    run_at(
        d,
        "2026-11-02T15:00:00Z",
        &["--as", "bo", "assign", &t2, "bo"],
    );
    run_at(
        d,
        "2026-11-03T09:00:00Z",
        &["--as", "bo", "reply", &t2, "-m", "ok"],
    );
    let t3 = open(d, "2026-11-03T09:00:00Z", "T3", "d@x.no", "support");
    run_at(d, "2026-11-03T12:00:00Z", &["tick", "-q"]);
    run_at(
        d,
        "2026-11-03T13:00:00Z",
        &["--as", "alex", "transfer", &t3, "billing"],
    );
    run_at(
        d,
        "2026-11-03T13:00:00Z",
        &["--as", "bo", "assign", &t3, "bo"],
    );
    run_at(
        d,
        "2026-11-03T14:00:00Z",
        &["--as", "bo", "reply", &t3, "-m", "ok"],
    );
    let t4 = open(d, "2026-11-04T10:00:00Z", "T4", "e@x.no", "billing");
    run_at(
        d,
        "2026-11-04T10:00:00Z",
        &["--as", "bo", "assign", &t4, "bo"],
    );
    run_at(d, "2026-11-04T11:00:00Z", &["--as", "bo", "solve", &t4]);
    run_at(d, "2026-11-05T09:00:00Z", &["--as", "bo", "reopen", &t4]);
    let t5 = open(d, "2026-11-05T10:00:00Z", "T5", "f@x.no", "support");
    let t7 = open(d, "2026-11-05T14:00:00Z", "T7", "g@x.no", "support");
    run_at(
        d,
        "2026-11-05T14:00:00Z",
        &["--as", "alex", "assign", &t7, "alex"],
    );
    run_at(
        d,
        "2026-11-05T15:00:00Z",
        &["--as", "alex", "reply", &t7, "-m", "ok"],
    );
    run_at(
        d,
        "2026-11-05T15:00:00Z",
        &["--as", "alex", "set", &t7, "status=pending"],
    );
    let t6 = open(d, "2026-11-06T10:15:00Z", "T6", "h@x.no", "support");
    run_at(
        d,
        "2026-11-06T10:15:00Z",
        &["--as", "alex", "assign", &t6, "alex"],
    );
    run_at(d, "2026-11-06T12:00:00Z", &["tick", "-q"]);
    let ids = vec![t0, t1, t2, t3, t4, t5, t6, t7];
    (std::mem::replace(d, Desk::empty()), ids)
}

const H: i64 = 3600;

fn times(count: usize, med: i64, p90: i64, med_b: i64, p90_b: i64) -> Value {
    json!({
        "count": count,
        "median_seconds": med, "p90_seconds": p90,
        "median_business_seconds": med_b, "p90_business_seconds": p90_b,
    })
}

#[test]
fn every_figure_of_a_known_week() {
    let (mut d, _) = week();
    d.set_now("2026-11-06T12:00:00Z");
    let r: Value = serde_json::from_str(&d.ok([
        "report",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-07",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(r["by"], "department");
    assert_eq!(r["since"], "2026-11-02T00:00:00Z");
    assert_eq!(r["until"], "2026-11-07T00:00:00Z");
    assert_eq!(r["now"], "2026-11-06T12:00:00Z");
    let billing = &r["groups"][0];
    let support = &r["groups"][1];
    assert_eq!(r["groups"].as_array().unwrap().len(), 2);

    // Billing: T2, T3 (transferred in), T4.
    assert_eq!(billing["group"], "billing");
    assert_eq!(billing["open_now"], 3);
    assert_eq!(billing["created"], 3);
    assert_eq!(billing["solved"], 1, "T4 on Wednesday");
    assert_eq!(billing["reopened"], 1, "T4 on Thursday");
    assert_eq!(billing["waiting_on_customer"], 0);
    assert_eq!(billing["unassigned"], 0);
    assert_eq!(
        billing["oldest_open_seconds"],
        3 * 24 * H + 21 * H,
        "T2 since Mon 15:00"
    );
    // T2: 18h on the clock, 2h of office time; T3: 5h and 5h.
    // Nearest rank: of two values the median is the lower, the 90th the higher.
    assert_eq!(
        billing["first_reply"],
        times(2, 5 * H, 18 * H, 2 * H, 5 * H)
    );
    assert_eq!(
        billing["resolution"],
        times(1, H, H, H, H),
        "T4 solved after 1h"
    );
    // T2: first reply met, resolution breached; T3 both breached; T4 both breached.
    assert_eq!(billing["sla_met"], 1);
    assert_eq!(billing["sla_breached"], 5);
    assert_eq!(billing["sla_at_risk"], 0);
    assert_eq!(billing["transfers_in"], 1);
    assert_eq!(billing["transfers_out"], 0);

    // Support: T0 (solved in the period), T1, T5, T6, T7.
    assert_eq!(support["group"], "support");
    assert_eq!(support["open_now"], 3, "T5, T6, T7");
    assert_eq!(
        support["created"], 4,
        "T1, T5, T6, T7: T0 is older, T3 left"
    );
    assert_eq!(support["solved"], 2, "T0 and T1");
    assert_eq!(support["reopened"], 0);
    assert_eq!(support["waiting_on_customer"], 1, "T7");
    assert_eq!(support["unassigned"], 1, "T5");
    assert_eq!(support["oldest_open_seconds"], 26 * H, "T5 since Thu 10:00");
    assert_eq!(support["first_reply"], times(2, H, H, H, H), "T1 and T7");
    // T0: Fri 15:00 → Mon 08:30 is 65.5h, 1.5h of office time; T1: 3h and 3h.
    assert_eq!(
        support["resolution"],
        times(2, 3 * H, 65 * H + H / 2, H + H / 2, 3 * H)
    );
    // Met: T0 resolution, T1 both, T7 first reply. Breached: T5 both. At risk: T6.
    assert_eq!(support["sla_met"], 4);
    assert_eq!(support["sla_breached"], 2);
    assert_eq!(support["sla_at_risk"], 1);
    assert_eq!(support["transfers_in"], 0);
    assert_eq!(support["transfers_out"], 1);

    let total = &r["total"];
    assert_eq!(total["group"], "all");
    assert_eq!(total["open_now"], 6);
    assert_eq!(total["created"], 7);
    assert_eq!(total["solved"], 3);
    assert_eq!(total["first_reply"], times(4, H, 18 * H, H, 5 * H));
    assert_eq!(total["resolution"]["count"], 3);
    assert_eq!(total["resolution"]["median_business_seconds"], H + H / 2);
    assert_eq!(
        (total["sla_met"].clone(), total["sla_breached"].clone()),
        (json!(5), json!(7))
    );

    // Per day, in the helpdesk's time zone.
    let days: Vec<(String, i64, i64)> = r["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["date"].as_str().unwrap().to_string(),
                x["created"].as_i64().unwrap(),
                x["solved"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-02".to_string(), 2, 2),
            ("2026-11-03".to_string(), 1, 0),
            ("2026-11-04".to_string(), 1, 1),
            ("2026-11-05".to_string(), 2, 0),
            ("2026-11-06".to_string(), 1, 0),
        ]
    );
}

#[test]
fn a_past_period_is_counted_from_history() {
    let (mut d, _) = week();
    // Asked on Friday about Monday alone: as it was then, not as it is now.
    d.set_now("2026-11-06T12:00:00Z");
    let r: Value = serde_json::from_str(&d.ok([
        "report",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-03",
        "--format",
        "json",
    ]))
    .unwrap();
    let t = &r["total"];
    assert_eq!(t["created"], 2, "T1, T2");
    assert_eq!(t["solved"], 2, "T0, T1");
    assert_eq!(t["reopened"], 0);
    assert_eq!(
        t["first_reply"]["count"], 1,
        "T1's reply; T2's came Tuesday"
    );
    assert_eq!(
        t["sla_met"], 3,
        "T0 resolution, T1 first reply and resolution"
    );
    assert_eq!(t["sla_breached"], 0);
    assert_eq!(t["transfers_out"], 0);
}

#[test]
fn by_agent_and_sla_per_policy() {
    let (mut d, ids) = week();
    d.set_now("2026-11-06T12:00:00Z");
    let r: Value = serde_json::from_str(&d.ok([
        "report",
        "--by",
        "agent",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-07",
        "--format",
        "json",
    ]))
    .unwrap();
    let names: Vec<&str> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["(none)", "alex", "bo"]);
    assert_eq!(r["groups"][0]["open_now"], 1, "T5");
    assert_eq!(r["groups"][1]["open_now"], 2, "T6, T7");
    assert_eq!(r["groups"][2]["open_now"], 3, "T2, T3, T4");
    assert_eq!(r["groups"][2]["transfers_out"], 1, "T3 changed department");

    let s: Value = serde_json::from_str(&d.ok([
        "report",
        "sla",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-07",
        "--format",
        "json",
    ]))
    .unwrap();
    let first = &s["rows"][0];
    assert_eq!(
        (first["policy"].clone(), first["target"].clone()),
        (json!("std"), json!("first_reply"))
    );
    assert_eq!(first["met"], 3);
    assert_eq!(first["breached"], 3);
    assert_eq!(first["met_percent"], 50.0);
    assert_eq!(first["at_risk_now"], 1);
    // T4 is 26h late (1h of its 2h was left when it was reopened Thu 09:00: due Thu
    // 10:00) and counting, T5 24h, T3 was 3h late.
    assert_eq!(
        first["worst"],
        json!([
            { "ticket": ids[4], "late_seconds": 26 * H },
            { "ticket": ids[5], "late_seconds": 24 * H },
            { "ticket": ids[3], "late_seconds": 3 * H },
        ])
    );
    let res = &s["rows"][1];
    assert_eq!(res["target"], "resolution");
    assert_eq!(
        (res["met"].clone(), res["breached"].clone()),
        (json!(2), json!(4))
    );
    assert_eq!(res["met_percent"], 33.3);
    assert_eq!(
        res["worst"][0],
        json!({ "ticket": ids[2], "late_seconds": 69 * H })
    );
}

#[test]
fn csv_has_one_row_per_group_and_the_total() {
    let (mut d, _) = week();
    d.set_now("2026-11-06T12:00:00Z");
    let out = d.ok([
        "report",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-07",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with(
        "group,open_now,created,solved_tickets,solved_moves,reopened_tickets,reopened_moves,"
    ));
    assert!(lines[3].starts_with("all,6,7,3,3,1,1,1,1,"), "{}", lines[3]);
}

#[test]
fn bad_periods_are_refused() {
    let d = Desk::new();
    let out = d.fails(2, ["report", "--since", "yesterday-ish"]);
    assert!(out.stderr.contains("--since `yesterday-ish`"), "{out}");
    let out = d.fails(
        2,
        ["report", "--since", "2026-11-07", "--until", "2026-11-02"],
    );
    assert!(out.stderr.contains("the period is empty"), "{out}");
}

#[test]
fn the_table_and_charts_for_people() {
    let (mut d, _) = week();
    d.set_now("2026-11-06T12:00:00Z");
    let args = ["report", "--since", "2026-11-02", "--until", "2026-11-07"];
    let run = |lang: &str| {
        let out = d
            .cmd()
            .args(args)
            .env("LANG", lang)
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .env("COLUMNS", "72")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    insta::assert_snapshot!("report-week-unicode", run("nb_NO.UTF-8"));
    // Not a UTF-8 terminal: the same charts in ASCII.
    let ascii = run("C");
    assert!(ascii.is_ascii() || !ascii.contains('█'), "{ascii}");
    insta::assert_snapshot!("report-week-ascii", ascii);
    let sla = d.ok([
        "report",
        "sla",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-07",
    ]);
    insta::assert_snapshot!("report-week-sla", crate::common::redact(&sla, &d));
}

#[test]
fn the_charts_as_svg() {
    let (mut d, _) = week();
    d.set_now("2026-11-06T12:00:00Z");
    d.ok([
        "report",
        "--since",
        "2026-11-02",
        "--until",
        "2026-11-07",
        "--svg",
        "week.svg",
        "--format",
        "json",
    ]);
    let svg = d.read("week.svg");
    assert!(svg.starts_with("<?xml"), "{svg}");
    assert_eq!(svg.matches("<svg").count(), 1);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("Created and solved per day, 2026-11-02 to 2026-11-06 (UTC)"));
    assert!(svg.contains("Open now by department"));
    assert!(svg.contains("<title>billing: 3</title>"), "{svg}");
}
