//! Business days in SLA policies with a calendar: `3d` is the same business time of day
//! three open days later, through the real binary. Office hours Mon–Fri 09:00–17:00
//! Europe/Oslo (UTC+1 in winter, +2 in summer); holidays 24 and 25 Dec and 1 Jan; a
//! short New Year's Eve.

use crate::common::*;

const SETTINGS: &str = r#"
[helpdesk]
name = "Days Desk"
timezone = "Europe/Oslo"
address = "support@days.example"

[[department]]
id = "support"
address = "support@days.example"

[[agent]]
id = "ingrid"
email = "ingrid@days.example"
departments = ["support"]

[calendar.office]
timezone = "Europe/Oslo"
hours = { mon = ["09:00-17:00"], tue = ["09:00-17:00"], wed = ["09:00-17:00"], thu = ["09:00-17:00"], fri = ["09:00-17:00"] }
holidays = ["2026-12-24", "2026-12-25", "2027-01-01"]
special = { "2026-12-31" = ["09:00-13:00"] }
"#;

const THREE_DAYS: &str = r#"
[[sla]]
name = "std"
calendar = "office"
resolution = "3d"
"#;

fn desk(now: &str, rules: &str) -> Desk {
    let d = Desk::new().at(now);
    d.write("desk.toml", SETTINGS);
    d.write("rules.toml", rules);
    d
}

/// The due time `desk show --json` reports for a target of a ticket created at `now`.
fn due(now: &str, rules: &str, target: &str) -> String {
    let d = desk(now, rules);
    let id = d.new_ticket("Help", &[]);
    let t = d.run(["show", &id, "--json"]).json();
    t["sla"]["targets"][target]["due"]
        .as_str()
        .unwrap_or_else(|| panic!("no {target} due time: {t}"))
        .to_string()
}

#[test]
fn business_days_keep_the_time_of_day_from_monday_morning() {
    // Mon 23 Nov 09:15 Oslo → Thu 26 Nov 09:15.
    assert_eq!(
        due("2026-11-23T08:15:00Z", THREE_DAYS, "resolution"),
        "2026-11-26T08:15:00Z"
    );
    // Mon 11:00, two business hours in → Thu 11:00.
    assert_eq!(
        due("2026-11-23T10:00:00Z", THREE_DAYS, "resolution"),
        "2026-11-26T10:00:00Z"
    );
}

#[test]
fn business_days_from_friday_afternoon_skip_the_weekend() {
    // Fri 27 Nov 16:30 → Mon, Tue, Wed 2 Dec 16:30.
    assert_eq!(
        due("2026-11-27T15:30:00Z", THREE_DAYS, "resolution"),
        "2026-12-02T15:30:00Z"
    );
}

#[test]
fn business_days_from_saturday_start_at_monday_opening() {
    // Sat 28 Nov 10:00 starts Mon 30 Nov 09:00 → Thu 3 Dec 09:00.
    assert_eq!(
        due("2026-11-28T09:00:00Z", THREE_DAYS, "resolution"),
        "2026-12-03T08:00:00Z"
    );
}

#[test]
fn business_days_skip_holidays_and_carry_over_short_days() {
    // Wed 23 Dec 10:00, then the holidays Thu 24 and Fri 25: Mon 28, Tue 29, Wed 30 10:00.
    assert_eq!(
        due("2026-12-23T09:00:00Z", THREE_DAYS, "resolution"),
        "2026-12-30T09:00:00Z"
    );
    // Mon 28 Dec 14:00, five hours in: Tue 29, Wed 30, then New Year's Eve is open four
    // hours only; the hour left goes past the holiday on 1 Jan to Mon 4 Jan 10:00.
    assert_eq!(
        due("2026-12-28T13:00:00Z", THREE_DAYS, "resolution"),
        "2027-01-04T09:00:00Z"
    );
}

#[test]
fn business_days_keep_the_wall_clock_time_across_dst() {
    // Thu 26 Mar 09:15 CET → Tue 31 Mar 09:15 CEST (clocks forward on Sun 29 Mar).
    assert_eq!(
        due("2026-03-26T08:15:00Z", THREE_DAYS, "resolution"),
        "2026-03-31T07:15:00Z"
    );
    // Thu 22 Oct 09:15 CEST → Tue 27 Oct 09:15 CET (clocks back on Sun 25 Oct).
    assert_eq!(
        due("2026-10-22T07:15:00Z", THREE_DAYS, "resolution"),
        "2026-10-27T08:15:00Z"
    );
}

#[test]
fn business_weeks_and_mixed_durations() {
    let rules = r#"
[[sla]]
name = "std"
calendar = "office"
first_reply = "1d4h"
resolution = "1w"
"#;
    // Mon 23 Nov 11:00: one open day, then four business hours → Tue 15:00.
    assert_eq!(
        due("2026-11-23T10:00:00Z", rules, "first_reply"),
        "2026-11-24T14:00:00Z"
    );
    // A week is the five open days of the regular week → Mon 30 Nov 11:00.
    assert_eq!(
        due("2026-11-23T10:00:00Z", rules, "resolution"),
        "2026-11-30T10:00:00Z"
    );
}

#[test]
fn business_days_need_a_calendar() {
    let rules = r#"
[[sla]]
name = "around-the-clock"
resolution = "3d"
"#;
    // Without a calendar a day is 24 hours: Fri 16:30 → Mon 16:30.
    assert_eq!(
        due("2026-11-27T15:30:00Z", rules, "resolution"),
        "2026-11-30T15:30:00Z"
    );
}

#[test]
fn business_days_pause_in_business_seconds() {
    let mut d = desk("2026-11-23T08:15:00Z", THREE_DAYS);
    let id = d.new_ticket("Help", &[]);
    // Pending on Tue 24 Nov 09:15: Tue, Wed and Thu until 09:15 are 16 business hours.
    d.set_now("2026-11-24T08:15:00Z");
    d.ok(["set", &id, "status=pending"]);
    let g = d.run(["show", &id, "--json"]).json()["sla"]["targets"]["resolution"].clone();
    assert_eq!(g["remaining"], 16 * 3600, "{g}");
    // Open again Mon 30 Nov 09:00: 16 business hours end at Tuesday's closing.
    d.set_now("2026-11-30T08:00:00Z");
    d.ok(["set", &id, "status=open"]);
    let g = d.run(["show", &id, "--json"]).json()["sla"]["targets"]["resolution"].clone();
    assert_eq!(g["due"], "2026-12-01T16:00:00Z", "{g}");
}

#[test]
fn business_days_show_that_targets_count_business_time() {
    let d = desk("2026-11-23T08:15:00Z", THREE_DAYS);
    let id = d.new_ticket("Help", &[]);
    let shown = d.ok(["show", &id]);
    assert!(
        shown.contains("sla           std (business time, calendar office)"),
        "{shown}"
    );
    let d = desk(
        "2026-11-23T08:15:00Z",
        "[[sla]]\nname = \"all\"\nresolution = \"3d\"\n",
    );
    let id = d.new_ticket("Help", &[]);
    let shown = d.ok(["show", &id]);
    assert!(shown.contains("sla           all\n"), "{shown}");
}
