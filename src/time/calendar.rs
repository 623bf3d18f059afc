//! Business calendars: a time zone, weekly opening hours, holidays and special dates.
//! Parsed and validated with desk.toml; the business-time arithmetic builds on this.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use chrono::NaiveDate;
use chrono_tz::Tz;

/// Opening interval within a day, in minutes from local midnight; `end` may be 1440 (`24:00`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Calendar {
    pub id: String,
    #[serde(with = "crate::time::tz_name")]
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

use crate::time::Duration;

/// How far a search for business time looks ahead before giving up: a calendar
/// with no opening hours at all would otherwise loop forever.
const HORIZON_DAYS: i64 = 3 * 366;

/// One opening interval of a local date: its wall-clock bounds and the UTC instants
/// they stand for.
struct Span {
    wall_start: NaiveDateTime,
    wall_end: NaiveDateTime,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Span {
    fn wall_len(&self) -> ChronoDuration {
        self.wall_end - self.wall_start
    }
}

impl Calendar {
    /// The opening intervals of a local date with their UTC bounds. A bound inside a DST
    /// gap moves past the gap; in an overlap the earlier instant is taken. `24:00` is the
    /// next midnight.
    fn spans(&self, date: NaiveDate) -> Rc<[Span]> {
        // Remembered per time zone, date and hours: a tick measures the SLA of thousands
        // of tickets over the same few weeks of dates, each date's bounds converted from
        // local time twice per interval.
        type Key = (Tz, NaiveDate, Vec<Interval>);
        thread_local! {
            static MEMO: RefCell<HashMap<Key, Rc<[Span]>>> = RefCell::new(HashMap::new());
        }
        let intervals = self.intervals_on(date);
        let key = (self.timezone, date, intervals.to_vec());
        if let Some(hit) = MEMO.with_borrow(|m| m.get(&key).cloned()) {
            return hit;
        }
        let spans: Rc<[Span]> = self.spans_of(date, intervals).into();
        MEMO.with_borrow_mut(|m| {
            if m.len() >= 10_000 {
                m.clear();
            }
            m.insert(key, spans.clone());
        });
        spans
    }

    fn spans_of(&self, date: NaiveDate, intervals: &[Interval]) -> Vec<Span> {
        let wall = |minutes: u16| -> Option<NaiveDateTime> {
            let (d, m) = if minutes >= 1440 {
                (date.succ_opt()?, 0)
            } else {
                (date, minutes)
            };
            let t = NaiveTime::from_hms_opt(u32::from(m / 60), u32::from(m % 60), 0)?;
            Some(NaiveDateTime::new(d, t))
        };
        intervals
            .iter()
            .filter_map(|i| {
                let (wall_start, wall_end) = (wall(i.start)?, wall(i.end)?);
                Some(Span {
                    wall_start,
                    wall_end,
                    start: crate::time::local_to_utc(wall_start, self.timezone)?,
                    end: crate::time::local_to_utc(wall_end, self.timezone)?,
                })
            })
            .filter(|s| s.start < s.end)
            .collect()
    }

    /// The UTC bounds of a local date's opening intervals.
    fn open_spans(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.spans(date).iter().map(|s| (s.start, s.end)).collect()
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

impl Calendar {
    /// The instant `d` after `start` in business time.
    ///
    /// Hours, minutes and seconds are business time as in [`Calendar::add`]. Days are
    /// open days: dates with opening hours, so a holiday or special date counts only if
    /// it has hours. A week is as many open days as the regular week has (5 in a
    /// Monday–Friday calendar, 6 in a Monday–Saturday one), so `1w` is the same weekday
    /// a week later unless a holiday is in between. The days land at the same business
    /// time of day: the wall-clock time the start is into its day's hours (a start
    /// outside the hours begins at the next opening), so Mon 09:15 + `3d` is Thu 09:15,
    /// across DST changes too. When the target day is open for less than that, the rest
    /// carries over into the next open time. Hours, minutes and seconds come after the
    /// days: `1d4h` is one open day, then four business hours. `None` if no due time is
    /// found within three years.
    pub fn add_duration(&self, start: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
        let (weeks, days, rest) = d.calendar_parts();
        let per_week = self.week.iter().filter(|w| !w.is_empty()).count() as i64;
        if weeks > 0 && per_week == 0 {
            return None;
        }
        let days = weeks.checked_mul(per_week)?.checked_add(days)?;
        if days <= 0 {
            return self.add(start, rest);
        }
        let (date, offset) = self.day_position(start)?;
        let landed = self.at_day_offset(self.open_days_after(date, days)?, offset)?;
        if rest > 0 {
            self.add(landed, rest)
        } else {
            // Not `add(landed, 0)`: that would move a landing at closing time to the
            // next opening.
            Some(landed)
        }
    }

    /// The open date a start belongs to and the wall-clock business time open on that
    /// date before it. A start outside the hours belongs to the next opening.
    fn day_position(&self, start: DateTime<Utc>) -> Option<(NaiveDate, ChronoDuration)> {
        let mut date = self.local_date(start).pred_opt()?;
        for _ in 0..HORIZON_DAYS {
            let mut before = ChronoDuration::zero();
            for s in self.spans(date).iter() {
                if s.end <= start {
                    before += s.wall_len();
                    continue;
                }
                let into = if start > s.start {
                    let local = start.with_timezone(&self.timezone).naive_local();
                    (local - s.wall_start).clamp(ChronoDuration::zero(), s.wall_len())
                } else {
                    ChronoDuration::zero()
                };
                return Some((date, before + into));
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The `n`th date after `date` that has opening hours.
    fn open_days_after(&self, mut date: NaiveDate, n: i64) -> Option<NaiveDate> {
        let mut left = n;
        for _ in 0..HORIZON_DAYS {
            date = date.succ_opt()?;
            if !self.spans(date).is_empty() {
                left -= 1;
                if left == 0 {
                    return Some(date);
                }
            }
        }
        None
    }

    /// The instant `offset` of wall-clock business time into a date's hours; whatever
    /// does not fit before the date's last closing carries over into later open time.
    fn at_day_offset(&self, date: NaiveDate, offset: ChronoDuration) -> Option<DateTime<Utc>> {
        let spans = self.spans(date);
        let mut left = offset;
        for s in spans.iter() {
            if left <= s.wall_len() {
                let t = crate::time::local_to_utc(s.wall_start + left, self.timezone)?;
                return Some(t.clamp(s.start, s.end));
            }
            left -= s.wall_len();
        }
        self.add(spans.last()?.end, left.num_seconds())
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

    const NINE_TO_FIVE: [&[&str]; 7] = [
        &["09:00-17:00"],
        &["09:00-17:00"],
        &["09:00-17:00"],
        &["09:00-17:00"],
        &["09:00-17:00"],
        &[],
        &[],
    ];

    fn dur(s: &str) -> Duration {
        Duration::parse(s).unwrap()
    }

    #[test]
    fn business_days_keep_the_business_time_of_day() {
        let c = cal("Europe/Oslo", &NINE_TO_FIVE, &[], &[]);
        let add = |from: &str, d: &str| c.add_duration(t(from), dur(d));
        // Mon 23 Nov 09:15 Oslo + 3d = Thu 26 Nov 09:15.
        assert_eq!(
            add("2026-11-23T08:15:00Z", "3d"),
            Some(t("2026-11-26T08:15:00Z"))
        );
        // Two business hours into Monday: two business hours into Thursday.
        assert_eq!(
            add("2026-11-23T10:00:00Z", "3d"),
            Some(t("2026-11-26T10:00:00Z"))
        );
        // Fri 16:30 + 3d skips the weekend: Wed 16:30.
        assert_eq!(
            add("2026-11-27T15:30:00Z", "3d"),
            Some(t("2026-12-02T15:30:00Z"))
        );
        // Days first, then business hours: Mon 11:00 + 1d4h = Tue 15:00.
        assert_eq!(
            add("2026-11-23T10:00:00Z", "1d4h"),
            Some(t("2026-11-24T14:00:00Z"))
        );
        // Mon 13:00 + 1d4h ends at Tuesday's closing: due then, not on Wednesday.
        assert_eq!(
            add("2026-11-23T12:00:00Z", "1d4h"),
            Some(t("2026-11-24T16:00:00Z"))
        );
        assert_eq!(
            add("2026-11-23T12:00:00Z", "1d5h"),
            Some(t("2026-11-25T09:00:00Z"))
        );
        // Seconds are kept.
        assert_eq!(
            add("2026-11-23T08:15:07Z", "1d30s"),
            Some(t("2026-11-24T08:15:37Z"))
        );
        // Hours alone are what `add` gives.
        assert_eq!(
            add("2026-11-27T15:30:00Z", "90m"),
            c.add(t("2026-11-27T15:30:00Z"), 5400)
        );
    }

    #[test]
    fn business_days_from_outside_the_hours_start_at_the_next_opening() {
        let c = cal("Europe/Oslo", &NINE_TO_FIVE, &[], &[]);
        let add = |from: &str, d: &str| c.add_duration(t(from), dur(d));
        // Saturday 10:00 starts Mon 09:00; one open day later is Tue 09:00.
        assert_eq!(
            add("2026-11-28T09:00:00Z", "1d"),
            Some(t("2026-12-01T08:00:00Z"))
        );
        // Before opening, after closing, and exactly at closing.
        assert_eq!(
            add("2026-11-23T06:00:00Z", "1d"),
            Some(t("2026-11-24T08:00:00Z"))
        );
        assert_eq!(
            add("2026-11-23T17:00:00Z", "1d"),
            Some(t("2026-11-25T08:00:00Z"))
        );
        assert_eq!(
            add("2026-11-23T16:00:00Z", "1d"),
            Some(t("2026-11-25T08:00:00Z"))
        );
        // At lunch on a split day: the afternoon's opening, 4 business hours in.
        let office = cal("Europe/Oslo", &OFFICE, &[], &[]);
        assert_eq!(
            office.add_duration(t("2026-11-27T11:30:00Z"), dur("1d")),
            Some(t("2026-11-30T11:00:00Z"))
        );
    }

    #[test]
    fn business_days_carry_over_what_a_short_day_lacks() {
        // Thursdays 08:00-16:00, Fridays 08:00-12:00 and 13:00-15:00 (6 hours).
        let c = cal("Europe/Oslo", &OFFICE, &[], &[]);
        let add = |from: &str, d: &str| c.add_duration(t(from), dur(d));
        // Thu 11:00 (3h in) + 1d = Fri 11:00.
        assert_eq!(
            add("2026-11-26T10:00:00Z", "1d"),
            Some(t("2026-11-27T10:00:00Z"))
        );
        // Thu 13:00 (5h in) + 1d: Friday's morning is 4h, so 14:00 after lunch.
        assert_eq!(
            add("2026-11-26T12:00:00Z", "1d"),
            Some(t("2026-11-27T13:00:00Z"))
        );
        // Thu 14:00 (6h in) + 1d: exactly Friday's closing.
        assert_eq!(
            add("2026-11-26T13:00:00Z", "1d"),
            Some(t("2026-11-27T14:00:00Z"))
        );
        // Thu 15:00 (7h in) + 1d: Friday holds 6h, the hour left goes to Monday 08:00.
        assert_eq!(
            add("2026-11-26T14:00:00Z", "1d"),
            Some(t("2026-11-30T08:00:00Z"))
        );
        // ...and 2d lands on Monday 15:00, the same 7h into a full day.
        assert_eq!(
            add("2026-11-26T14:00:00Z", "2d"),
            Some(t("2026-11-30T14:00:00Z"))
        );
    }

    #[test]
    fn business_days_skip_dates_without_hours() {
        // Thu 24 and Fri 25 Dec are holidays; Wed 23 is short; Sat 26 opens 10:00-14:00.
        let c = cal(
            "Europe/Oslo",
            &OFFICE,
            &["2026-12-24", "2026-12-25"],
            &[
                ("2026-12-23", &["08:00-12:00"]),
                ("2026-12-26", &["10:00-14:00"]),
            ],
        );
        let add = |from: &str, d: &str| c.add_duration(t(from), dur(d));
        // Tue 22 Dec 09:00 (1h in).
        assert_eq!(
            add("2026-12-22T08:00:00Z", "1d"),
            Some(t("2026-12-23T08:00:00Z"))
        );
        assert_eq!(
            add("2026-12-22T08:00:00Z", "2d"),
            Some(t("2026-12-26T10:00:00Z"))
        );
        assert_eq!(
            add("2026-12-22T08:00:00Z", "3d"),
            Some(t("2026-12-28T08:00:00Z"))
        );
        // A start on a holiday begins at the next opening.
        assert_eq!(
            add("2026-12-24T10:00:00Z", "1d"),
            Some(t("2026-12-28T07:00:00Z"))
        );
        // No opening hours at all: no due time.
        const CLOSED: &[&str] = &[];
        let none = cal(
            "UTC",
            &[CLOSED; 7],
            &[],
            &[("2026-12-26", &["10:00-14:00"])],
        );
        assert_eq!(
            none.add_duration(t("2026-12-27T09:00:00Z"), dur("1d")),
            None
        );
        assert_eq!(
            none.add_duration(t("2026-12-20T09:00:00Z"), dur("1w")),
            None
        );
    }

    #[test]
    fn a_business_week_is_the_open_days_of_a_regular_week() {
        let five = cal("Europe/Oslo", &NINE_TO_FIVE, &[], &[]);
        // Mon 23 Nov 09:15 + 1w = Mon 30 Nov 09:15 (5 open days).
        assert_eq!(
            five.add_duration(t("2026-11-23T08:15:00Z"), dur("1w")),
            Some(t("2026-11-30T08:15:00Z"))
        );
        assert_eq!(
            five.add_duration(t("2026-11-23T08:15:00Z"), dur("2w1d")),
            Some(t("2026-12-08T08:15:00Z"))
        );
        // A holiday in the week moves it a day on, like any open day missing.
        let holiday = cal("Europe/Oslo", &NINE_TO_FIVE, &["2026-11-25"], &[]);
        assert_eq!(
            holiday.add_duration(t("2026-11-23T08:15:00Z"), dur("1w")),
            Some(t("2026-12-01T08:15:00Z"))
        );
        // Six open days a week: 1w is 6 open days, again next Monday.
        const DAY: &[&str] = &["09:00-17:00"];
        const NONE: &[&str] = &[];
        let six = cal(
            "Europe/Oslo",
            &[DAY, DAY, DAY, DAY, DAY, DAY, NONE],
            &[],
            &[],
        );
        assert_eq!(
            six.add_duration(t("2026-11-23T08:15:00Z"), dur("1w")),
            Some(t("2026-11-30T08:15:00Z"))
        );
        assert_eq!(
            six.add_duration(t("2026-11-23T08:15:00Z"), dur("2w1d")),
            Some(t("2026-12-08T08:15:00Z"))
        );
    }

    #[test]
    fn business_days_keep_the_wall_clock_time_across_dst() {
        let c = cal("Europe/Oslo", &NINE_TO_FIVE, &[], &[]);
        // Fri 27 Mar 09:15 CET + 1d = Mon 30 Mar 09:15 CEST.
        assert_eq!(
            c.add_duration(t("2026-03-27T08:15:00Z"), dur("1d")),
            Some(t("2026-03-30T07:15:00Z"))
        );
        // Thu 22 Oct 09:15 CEST + 3d = Tue 27 Oct 09:15 CET.
        assert_eq!(
            c.add_duration(t("2026-10-22T07:15:00Z"), dur("3d")),
            Some(t("2026-10-27T08:15:00Z"))
        );
        // Round-the-clock hours: Sat 12:00 + 1d is Sun 12:00 on the wall clock, 23 real
        // hours later on the day the clocks go forward; 24h stays 24 real hours.
        const ALL: &[&str] = &["00:00-24:00"];
        let all = cal("Europe/Oslo", &[ALL; 7], &[], &[]);
        assert_eq!(
            all.add_duration(t("2026-03-28T11:00:00Z"), dur("1d")),
            Some(t("2026-03-29T10:00:00Z"))
        );
        assert_eq!(
            all.add_duration(t("2026-03-28T11:00:00Z"), dur("24h")),
            Some(t("2026-03-29T11:00:00Z"))
        );
    }
}
