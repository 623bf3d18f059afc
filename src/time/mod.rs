//! Time: the clock, instants typed by people, durations and calendars.

pub mod calendar;
pub mod duration;
pub mod sla;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

pub use duration::Duration;

use crate::error::{Error, Result};

/// Times are kept to the second: files diff cleanly and tests pin them exactly.
pub fn now_from_system() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// Parses an instant: RFC 3339 (`2026-11-24T09:12:00Z`), or a local date and time
/// (`2026-11-24 09:12`, `2026-11-24T09:12:30`) or date (`2026-11-24`, midnight) in `tz`.
pub fn parse_instant(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
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

/// A point in time given by a person: a duration from now (`2h`, `3d`) or an instant.
pub fn parse_when(s: &str, now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>> {
    if let Ok(d) = Duration::parse(s) {
        return Ok(now + d.to_chrono());
    }
    parse_instant(s, tz).ok_or_else(|| {
        Error::Invalid(format!(
            "cannot read `{s}` as a time: use a duration like `2h` or `3d`, a date like `2026-12-01`, a local time like `2026-12-01 09:00`, or RFC 3339"
        ))
    })
}

/// RFC 3339 in UTC with a `Z`, to the second: the form stored in files.
pub fn format_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
