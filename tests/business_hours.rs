//! desk's business-time arithmetic against an independent implementation, pandas'
//! CustomBusinessHour and CustomBusinessDay (installed by `.ci/run`), on seeded random
//! cases: several time zones (DST both ways), working weeks, holidays, split days,
//! starts inside and outside the hours; business hours, and business days with or
//! without hours after them.

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use desk::time::Duration;
use desk::time::calendar::{Calendar, Interval, parse_interval};

const ZONES: [&str; 5] = [
    "Europe/Oslo",
    "America/New_York",
    "Asia/Tokyo",
    "Europe/London",
    "Australia/Sydney",
];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A small seeded generator (SplitMix64), so every run checks the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Case {
    zone: &'static str,
    start: DateTime<Utc>,
    hours: i64,
    /// Business days before the hours; 0 for hours alone.
    days: i64,
    intervals: Vec<(String, String)>,
    weekmask: Vec<usize>,
    holidays: Vec<NaiveDate>,
}

fn clock(min: u64) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

fn case(rng: &mut Rng) -> Case {
    // Hours between 06:00 and 22:00, where no zone changes its clocks.
    let open = 360 + rng.below(5) * 60 + [0, 30][rng.below(2) as usize];
    let intervals = if rng.below(2) == 0 {
        vec![(clock(open), clock(open + 240 + rng.below(6) * 60))]
    } else {
        let lunch = open + 180 + rng.below(2) * 60;
        let back = lunch + 30 + rng.below(2) * 30;
        vec![
            (clock(open), clock(lunch)),
            (clock(back), clock(back + 120 + rng.below(4) * 60)),
        ]
    };
    let mut weekmask: Vec<usize> = match rng.below(4) {
        0 => vec![6, 0, 1, 2, 3],
        1 => vec![0, 1, 2, 3, 4, 5],
        _ => vec![0, 1, 2, 3, 4],
    };
    weekmask.sort_unstable();
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let day = rng.below(700) as i64;
    let start = base + chrono::Duration::days(day);
    let holidays = (0..rng.below(5))
        .map(|_| start + chrono::Duration::days(rng.below(20) as i64))
        .collect();
    let secs = rng.below(24 * 3600) as i64;
    let start = DateTime::from_timestamp(
        start
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp()
            + secs,
        0,
    )
    .unwrap_or_default();
    Case {
        zone: ZONES[rng.below(ZONES.len() as u64) as usize],
        start,
        hours: 1 + rng.below(40) as i64,
        days: 0,
        intervals,
        weekmask,
        holidays,
    }
}

fn calendar(c: &Case) -> Calendar {
    let day: Vec<Interval> = c
        .intervals
        .iter()
        .map(|(a, b)| parse_interval(&format!("{a}-{b}")).unwrap())
        .collect();
    let mut week: [Vec<Interval>; 7] = Default::default();
    for d in &c.weekmask {
        week[*d] = day.clone();
    }
    Calendar {
        id: "oracle".into(),
        timezone: c.zone.parse().unwrap(),
        week,
        holidays: c.holidays.iter().copied().collect(),
        special: Default::default(),
    }
}

#[test]
fn due_times_agree_with_pandas_on_500_random_cases() {
    let mut rng = Rng(20261124);
    let cases: Vec<Case> = (0..500).map(|_| case(&mut rng)).collect();
    agree_with_pandas(&cases);
}

#[test]
fn business_day_due_times_agree_with_pandas_on_500_random_cases() {
    let mut rng = Rng(20261125);
    let cases: Vec<Case> = (0..500)
        .map(|_| {
            let mut c = case(&mut rng);
            c.days = 1 + rng.below(12) as i64;
            if rng.below(2) == 0 {
                c.hours = 0;
            }
            c
        })
        .collect();
    agree_with_pandas(&cases);
}

/// `3d`, `3d5h` or `5h`, as a policy would say it.
fn duration(c: &Case) -> String {
    let mut text = String::new();
    if c.days > 0 {
        text.push_str(&format!("{}d", c.days));
    }
    if c.hours > 0 {
        text.push_str(&format!("{}h", c.hours));
    }
    text
}

fn agree_with_pandas(cases: &[Case]) {
    let json: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "zone": c.zone,
                "start": desk::time::format_utc(c.start),
                "hours": c.hours,
                "days": c.days,
                "intervals": c.intervals,
                "weekmask": c.weekmask.iter().map(|d| DAYS[*d]).collect::<Vec<_>>().join(" "),
                "holidays": c.holidays.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracle/business_hours.py"
    );
    let python = crate::common::python();
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", python.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&json).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the pandas oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(expected.len(), cases.len());
    let mut differ = Vec::new();
    for (c, want) in cases.iter().zip(&expected) {
        let cal = calendar(c);
        // desk's convention: a target ending exactly at closing time is due then.
        // pandas moves it to the next opening; compare after the same move.
        let got = cal
            .add_duration(c.start, Duration::parse(&duration(c)).unwrap())
            .and_then(|due| cal.add(due, 0))
            .map(desk::time::format_utc);
        if got.as_deref() != Some(want.as_str()) {
            differ.push(format!(
                "{} start {} (local {} {}) +{} hours {:?} days {:?} holidays {:?}: desk {:?}, pandas {want}",
                c.zone,
                desk::time::format_utc(c.start),
                c.start.with_timezone(&c.zone.parse::<chrono_tz::Tz>().unwrap()).format("%a %H:%M"),
                c.start.with_timezone(&c.zone.parse::<chrono_tz::Tz>().unwrap()).weekday(),
                duration(c),
                c.intervals,
                c.weekmask,
                c.holidays,
                got
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} differ:\n{}",
        differ.len(),
        cases.len(),
        differ.join("\n")
    );
}
