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

use chrono::{DateTime, Duration as ChronoDuration, NaiveDateTime, NaiveTime, Utc};

/// How far a search for business time looks ahead before giving up: a calendar
/// with no opening hours at all would otherwise loop forever.
const HORIZON_DAYS: i64 = 3 * 366;

impl Calendar {
    /// The UTC bounds of a local date's opening intervals. A bound inside a DST gap
    /// moves past the gap; in an overlap the earlier instant is taken. `24:00` is the
    /// next midnight.
    fn open_spans(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let at = |minutes: u16| -> Option<DateTime<Utc>> {
            let (d, m) = if minutes >= 1440 {
                (date.succ_opt()?, 0)
            } else {
                (date, minutes)
            };
            let t = NaiveTime::from_hms_opt(u32::from(m / 60), u32::from(m % 60), 0)?;
            crate::time::local_to_utc(NaiveDateTime::new(d, t), self.timezone)
        };
        self.intervals_on(date)
            .iter()
            .filter_map(|i| Some((at(i.start)?, at(i.end)?)))
            .filter(|(a, b)| a < b)
            .collect()
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.timezone).date_naive()
    }

    /// The instant `seconds` of business time after `start`. Elapsed time inside the
    /// hours is real time (an interval spanning a DST change is an hour longer or
    /// shorter); a target that ends exactly at closing time is due at closing time.
    /// `None` if the calendar has no opening hours within three years.
    pub fn add(&self, start: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        let mut left = ChronoDuration::seconds(seconds.max(0));
        let mut date = self.local_date(start).pred_opt()?;
        for _ in 0..HORIZON_DAYS {
            for (a, b) in self.open_spans(date) {
                if b <= start {
                    continue;
                }
                let from = a.max(start);
                let span = b - from;
                if span >= left {
                    return Some(from + left);
                }
                left -= span;
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// Business seconds between two instants (0 if `to` is not after `from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = ChronoDuration::zero();
        let Some(mut date) = self.local_date(from).pred_opt() else {
            return 0;
        };
        let last = self.local_date(to).succ_opt().unwrap_or(date);
        while date <= last {
            for (a, b) in self.open_spans(date) {
                let (s, e) = (a.max(from), b.min(to));
                if e > s {
                    total += e - s;
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        total.num_seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(tz: &str, week: &[&[&str]], holidays: &[&str], special: &[(&str, &[&str])]) -> Calendar {
        let parse = |v: &[&str]| {
            v.iter()
                .map(|s| parse_interval(s).unwrap())
                .collect::<Vec<_>>()
        };
        let mut w: [Vec<Interval>; 7] = Default::default();
        for (i, d) in week.iter().enumerate() {
            w[i] = parse(d);
        }
        Calendar {
            id: "t".into(),
            timezone: tz.parse().unwrap(),
            week: w,
            holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
            special: special
                .iter()
                .map(|(d, v)| (d.parse().unwrap(), parse(v)))
                .collect(),
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const OFFICE: [&[&str]; 7] = [
        &["08:00-16:00"],
        &["08:00-16:00"],
        &["08:00-16:00"],
        &["08:00-16:00"],
        &["08:00-12:00", "13:00-15:00"],
        &[],
        &[],
    ];

    #[test]
    fn inside_outside_and_across_weekends() {
        let c = cal("Europe/Oslo", &OFFICE, &[], &[]);
        // Tue 2026-11-24 10:00 Oslo = 09:00Z; +1h = 11:00 Oslo.
        assert_eq!(
            c.add(t("2026-11-24T09:00:00Z"), 3600),
            Some(t("2026-11-24T10:00:00Z"))
        );
        // Before opening: starts at 08:00.
        assert_eq!(
            c.add(t("2026-11-24T05:00:00Z"), 3600),
            Some(t("2026-11-24T08:00:00Z"))
        );
        // Ends exactly at closing time: due at closing, not next morning.
        assert_eq!(
            c.add(t("2026-11-24T14:00:00Z"), 3600),
            Some(t("2026-11-24T15:00:00Z"))
        );
        // Friday split day: 11:30 + 1h = 13:30 (lunch skipped).
        assert_eq!(
            c.add(t("2026-11-27T10:30:00Z"), 3600),
            Some(t("2026-11-27T12:30:00Z"))
        );
        // Friday 14:30 + 1h: 30 min Friday, 30 min Monday from 08:00.
        assert_eq!(
            c.add(t("2026-11-27T13:30:00Z"), 3600),
            Some(t("2026-11-30T07:30:00Z"))
        );
        // Saturday: starts Monday.
        assert_eq!(
            c.add(t("2026-11-28T12:00:00Z"), 90),
            Some(t("2026-11-30T07:01:30Z"))
        );
        assert_eq!(
            c.between(t("2026-11-27T13:30:00Z"), t("2026-11-30T07:30:00Z")),
            3600
        );
    }

    #[test]
    fn holidays_and_special_days() {
        let c = cal(
            "Europe/Oslo",
            &OFFICE,
            &["2026-12-24", "2026-12-25"],
            &[("2026-12-23", &["08:00-12:00"])],
        );
        // Wed 23 Dec 11:00 + 2h: 1h on the short day, then Mon 28 Dec (Thu/Fri holidays).
        assert_eq!(
            c.add(t("2026-12-23T10:00:00Z"), 7200),
            Some(t("2026-12-28T08:00:00Z"))
        );
        assert_eq!(
            c.between(t("2026-12-23T10:00:00Z"), t("2026-12-28T08:00:00Z")),
            7200
        );
    }

    #[test]
    fn dst_in_both_directions() {
        // Europe/Oslo: 2026-03-29 02:00 → 03:00; a 24/7 calendar counts real time.
        const ALL: &[&str] = &["00:00-24:00"];
        let all = [ALL; 7];
        let c = cal("Europe/Oslo", &all, &[], &[]);
        assert_eq!(
            c.add(t("2026-03-28T23:00:00Z"), 3 * 3600),
            Some(t("2026-03-29T02:00:00Z"))
        );
        assert_eq!(
            c.between(t("2026-03-28T23:00:00Z"), t("2026-03-29T23:00:00Z")),
            24 * 3600
        );
        // Hours spanning the change are real hours: 01:00-05:00 local is 3 real hours in spring.
        const NIGHT: &[&str] = &["01:00-05:00"];
        let night = [NIGHT; 7];
        let c = cal("Europe/Oslo", &night, &[], &[]);
        assert_eq!(
            c.between(t("2026-03-29T00:00:00Z"), t("2026-03-29T06:00:00Z")),
            3 * 3600
        );
        // ...and 5 real hours in autumn (2026-10-25 03:00 → 02:00).
        assert_eq!(
            c.between(t("2026-10-24T22:00:00Z"), t("2026-10-25T06:00:00Z")),
            5 * 3600
        );
        // America/New_York: 2026-03-08 and 2026-11-01.
        let ny = cal("America/New_York", &OFFICE, &[], &[]);
        // Fri 2026-03-06 15:00 EST (20:00Z) + 2h: 1h Friday... Friday has split hours, 13:00-15:00 → 0 left.
        assert_eq!(
            ny.add(t("2026-03-06T19:00:00Z"), 7200),
            Some(t("2026-03-09T13:00:00Z"))
        );
        // Monday after the change, 08:00 EDT is 12:00Z.
        assert_eq!(
            ny.add(t("2026-03-09T00:00:00Z"), 60),
            Some(t("2026-03-09T12:01:00Z"))
        );
        // After the autumn change 08:00 EST is 13:00Z.
        assert_eq!(
            ny.add(t("2026-11-02T00:00:00Z"), 60),
            Some(t("2026-11-02T13:01:00Z"))
        );
    }

    #[test]
    fn seconds_are_kept_and_empty_calendars_end() {
        let c = cal("UTC", &OFFICE, &[], &[]);
        assert_eq!(
            c.add(t("2026-11-24T09:00:07Z"), 61),
            Some(t("2026-11-24T09:01:08Z"))
        );
        const CLOSED: &[&str] = &[];
        let none = cal("UTC", &[CLOSED; 7], &[], &[]);
        assert_eq!(none.add(t("2026-11-24T09:00:00Z"), 60), None);
    }
}
