//! Business calendars: a time zone, weekly opening hours, holidays and special dates.
//! Parsed and validated with desk.toml; the business-time arithmetic builds on this.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use chrono_tz::Tz;

/// Opening interval within a day, in minutes from local midnight; `end` may be 1440 (`24:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub id: String,
    pub timezone: Tz,
    /// Monday first, as chrono's `Weekday::num_days_from_monday`.
    pub week: [Vec<Interval>; 7],
    pub holidays: BTreeSet<NaiveDate>,
    pub special: BTreeMap<NaiveDate, Vec<Interval>>,
}

pub const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Calendar {
    /// The opening intervals of a local date: special hours win over holidays, holidays over the week.
    pub fn intervals_on(&self, date: NaiveDate) -> &[Interval] {
        use chrono::Datelike;
        if let Some(s) = self.special.get(&date) {
            return s;
        }
        if self.holidays.contains(&date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }
}

fn parse_clock(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// Parses `08:00-16:00`.
pub fn parse_interval(s: &str) -> Result<Interval, String> {
    let bad = || format!("`{s}` is not an interval like `08:00-16:00`");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let start = parse_clock(a.trim()).ok_or_else(bad)?;
    let end = parse_clock(b.trim()).ok_or_else(bad)?;
    if start >= 1440 || end <= start {
        return Err(format!("interval `{s}` must end after it starts"));
    }
    Ok(Interval { start, end })
}

/// Checks that a day's intervals are in order and do not overlap.
pub fn check_day(intervals: &[Interval]) -> Result<(), String> {
    for pair in intervals.windows(2) {
        if pair[1].start < pair[0].end {
            return Err("intervals of a day must be in order and must not overlap".into());
        }
    }
    Ok(())
}
