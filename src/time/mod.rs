//! Time: the clock, instants typed by people, durations and calendars.

pub mod calendar;
pub mod duration;
pub mod sla;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

pub use duration::Duration;

use crate::error::{Error, Result};

/// The first instant desk handles, 1970-01-01T00:00:00Z, in Unix seconds.
pub const FIRST: i64 = 0;
/// The last instant desk handles, 9999-12-31T23:59:59Z: beyond it RFC 3339 has no
/// four-digit year, and files would hold times other tools cannot read.
pub const LAST: i64 = 253_402_300_799;

/// Whether `t` lies in the range desk handles, [`FIRST`] to [`LAST`].
pub fn in_range(t: DateTime<Utc>) -> bool {
    (FIRST..=LAST).contains(&t.timestamp())
}

/// The range for messages: "1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z".
pub fn range_text() -> &'static str {
    "1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
}

/// "`s` is outside the times desk handles (...)".
pub fn outside_range(s: &str) -> String {
    format!(
        "`{}` is outside the times desk handles ({})",
        s.trim(),
        range_text()
    )
}

/// `t + d`, or `None` when the sum leaves the range desk handles.
pub fn add(t: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
    t.timestamp()
        .checked_add(d.seconds)
        .filter(|s| (FIRST..=LAST).contains(s))
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

/// Times are kept to the second: files diff cleanly and tests pin them exactly.
pub fn now_from_system() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// Parses an instant: RFC 3339 (`2026-11-24T09:12:00Z`), or a local date and time
/// (`2026-11-24 09:12`, `2026-11-24T09:12:30`) or date (`2026-11-24`, midnight) in `tz`.
/// Instants outside [`FIRST`]..=[`LAST`] are refused like unreadable ones.
pub fn parse_instant(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    parse_any(s, tz).filter(|t| in_range(*t))
}

/// Like [`parse_instant`], with the reason when it fails: unreadable, or outside the range.
pub fn read_instant(s: &str, tz: Tz) -> std::result::Result<DateTime<Utc>, String> {
    parse_instant(s, tz).ok_or_else(|| {
        if beyond_range(s, tz) {
            outside_range(s)
        } else {
            format!("cannot read `{}` as a time", s.trim())
        }
    })
}

/// True for a time that is readable but outside the range, including years of five or
/// more digits (which chrono's RFC 3339 parser does not read at all).
pub fn beyond_range(s: &str, tz: Tz) -> bool {
    let s = s.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let long_year = digits >= 5 && s.as_bytes().get(digits) == Some(&b'-');
    long_year || parse_any(s, tz).is_some_and(|t| !in_range(t))
}

fn parse_any(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc).trunc_subsecs(0));
    }
    const FORMATS: [&str; 4] = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ];
    let naive = FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    local_to_utc(naive, tz)
}

/// A local wall-clock time in `tz` as UTC. In a DST gap the time is moved past the gap;
/// in an overlap the earlier instant is taken.
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
        LocalResult::None => {
            let later = naive + chrono::Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        }
    }
}

/// Whether `s` has the shape of a duration (`3d`, `99999999999d`): then a failure to
/// read it is the duration's, not a time's.
pub fn looks_like_duration(s: &str) -> bool {
    let s = s.trim();
    s.starts_with(|c: char| c.is_ascii_digit()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A point in time given by a person: a duration from now (`2h`, `3d`) or an instant.
/// What cannot be read as either, or lies past the times desk handles, is a usage
/// error (exit 2), as a `--now` or `--since` would be; a duration that reaches past
/// them from now is an invalid value.
pub fn parse_when(s: &str, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>> {
    match Duration::parse(s) {
        Ok(d) => {
            return add(now, d).ok_or_else(|| {
                Error::invalid(format!(
                    "`{}` from now is past 9999-12-31T23:59:59Z, the last time desk handles",
                    s.trim()
                ))
            });
        }
        Err(m) if looks_like_duration(s) => return Err(Error::Usage(m)),
        Err(_) => {}
    }
    if beyond_range(s, tz) {
        return Err(Error::Usage(outside_range(s)));
    }
    parse_instant(s, tz).ok_or_else(|| {
        Error::Usage(format!(
            "cannot read `{s}` as a time: use a duration like `2h` or `3d`, a date like `2026-12-01`, a local time like `2026-12-01 09:00`, or RFC 3339"
        ))
    })
}

/// RFC 3339 in UTC with a `Z`, to the second: the form stored in files.
pub fn format_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A time zone in a compiled configuration (`.desk/cache/config.bin`), by its IANA name.
pub mod tz_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}
