//! Durations as people write them in rules and on the command line: `30m`, `24h`, `10d`,
//! `2w`, `1d12h`, `90s`.

use std::fmt;

/// A span of real time, in whole seconds.
///
/// `seconds` is the whole span in wall-clock seconds (`1w` = 7 × 24 h, `1d` = 24 h),
/// which is what every caller without a business calendar uses. The weeks and days
/// as written are kept too, because an SLA calendar counts them as open days:
/// `Nd` is N open days and `Nw` is N times the open days of the calendar's regular
/// week (5 in a Monday–Friday calendar), each landing at the same business time of
/// day; see [`Calendar::add_duration`](crate::time::calendar::Calendar::add_duration).
/// Equality and order look at `seconds` only, so `1d` equals `24h`.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Duration {
    pub seconds: i64,
    weeks: i64,
    days: i64,
}

/// The longest duration accepted: 10,000 years of 365.2425 days. Longer spans reach
/// past every time desk handles, and would overflow when added to one.
pub const MAX_SECONDS: i64 = 10_000 * 31_556_952;

const UNITS: [(char, i64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

impl Duration {
    pub fn from_secs(seconds: i64) -> Self {
        Duration {
            seconds,
            weeks: 0,
            days: 0,
        }
    }

    /// The weeks and days as written, and the rest (hours, minutes, seconds) in
    /// seconds: `1w2d3h` is `(1, 2, 10800)`.
    pub fn calendar_parts(self) -> (i64, i64, i64) {
        // Saturating: `seconds` is public and may have been changed after parsing.
        let rest = self
            .seconds
            .saturating_sub(self.weeks.saturating_mul(UNITS[0].1))
            .saturating_sub(self.days.saturating_mul(UNITS[1].1));
        (self.weeks, self.days, rest)
    }

    /// Parses `1d12h` style durations: one or more `NUMBER UNIT` pairs, units
    /// w, d, h, m, s, each at most once and largest first.
    pub fn parse(s: &str) -> Result<Self, String> {
        let text = s.trim();
        if text.is_empty() {
            return Err("empty duration".into());
        }
        let mut total: i64 = 0;
        let (mut weeks, mut days) = (0, 0);
        let mut digits = String::new();
        let mut last_unit = usize::MAX;
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if c.is_whitespace() {
                return Err(format!(
                    "`{text}` is not a duration: write it without spaces, like `3d` or `1d12h`"
                ));
            }
            let Some(pos) = UNITS.iter().position(|(u, _)| *u == c) else {
                return Err(format!(
                    "`{text}` is not a duration: unknown unit `{c}` (use w, d, h, m, s as in `1d12h`)"
                ));
            };
            if digits.is_empty() {
                return Err(format!(
                    "`{text}` is not a duration: a number must come before `{c}`"
                ));
            }
            if last_unit != usize::MAX && pos <= last_unit {
                return Err(format!(
                    "`{text}` is not a duration: give units once each, largest first (like `1d12h`)"
                ));
            }
            last_unit = pos;
            let n: i64 = digits
                .parse()
                .map_err(|_| format!("`{text}` is not a duration: longer than 10000 years"))?;
            total = n
                .checked_mul(UNITS[pos].1)
                .and_then(|v| total.checked_add(v))
                .filter(|t| *t <= MAX_SECONDS)
                .ok_or_else(|| format!("`{text}` is not a duration: longer than 10000 years"))?;
            match c {
                'w' => weeks = n,
                'd' => days = n,
                _ => {}
            }
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(format!(
                "`{text}` is not a duration: `{digits}` needs a unit (w, d, h, m or s)"
            ));
        }
        Ok(Duration {
            seconds: total,
            weeks,
            days,
        })
    }

    /// As chrono's duration; saturates instead of panicking on spans chrono cannot hold.
    pub fn to_chrono(self) -> chrono::Duration {
        chrono::Duration::try_seconds(self.seconds).unwrap_or(if self.seconds < 0 {
            chrono::Duration::MIN
        } else {
            chrono::Duration::MAX
        })
    }
}

impl Duration {
    /// The span for people, in the notation rules use and rounded down to its two
    /// largest units, seconds only under a minute: `45s`, `42m`, `1h5m`, `3d4h`,
    /// `2w3d`. Every command that shows a span of time (SLA targets, report figures,
    /// timeouts) prints it with this; the exact form is [`Display`](fmt::Display).
    pub fn rounded(self) -> String {
        let abs = self.seconds.unsigned_abs();
        let sign = if self.seconds < 0 { "-" } else { "" };
        if abs < 60 {
            return format!("{sign}{abs}s");
        }
        let Some(i) = UNITS.iter().position(|(_, size)| abs >= *size as u64) else {
            return "0s".into();
        };
        let (unit, size) = UNITS[i];
        let size = size as u64;
        let mut s = format!("{sign}{}{unit}", abs / size);
        if let Some((next, next_size)) = UNITS.get(i + 1).filter(|(u, _)| *u != 's') {
            let n = (abs % size) / *next_size as u64;
            if n > 0 {
                s.push_str(&format!("{n}{next}"));
            }
        }
        s
    }
}

/// [`Duration::rounded`] of a number of seconds.
pub fn rounded(seconds: i64) -> String {
    Duration::from_secs(seconds).rounded()
}

impl PartialEq for Duration {
    fn eq(&self, other: &Self) -> bool {
        self.seconds == other.seconds
    }
}

impl Eq for Duration {}

impl PartialOrd for Duration {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Duration {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.seconds.cmp(&other.seconds)
    }
}

impl std::hash::Hash for Duration {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.seconds.hash(state);
    }
}

impl fmt::Display for Duration {
    /// The compact form, e.g. `1d12h`; negative durations get a leading `-`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 {
            return f.write_str("0s");
        }
        if self.seconds < 0 {
            f.write_str("-")?;
        }
        let mut rest = self.seconds.unsigned_abs();
        for (unit, size) in UNITS {
            let size = size as u64;
            if rest >= size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Duration;

    #[test]
    fn parses_and_prints() {
        let cases = [
            ("30m", 1800, "30m"),
            ("24h", 86_400, "1d"),
            ("10d", 864_000, "1w3d"),
            ("2w", 1_209_600, "2w"),
            ("1d12h", 129_600, "1d12h"),
        ];
        for (s, secs, shown) in cases {
            let d = Duration::parse(s).unwrap();
            assert_eq!(d.seconds, secs);
            assert_eq!(d.to_string(), shown);
        }
        for bad in [
            "",
            "h",
            "10",
            "1h1d",
            "1x",
            "1h1h",
            "99999999999d",
            "99999999999w",
            "99999999999999999999s",
            "521776w",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Duration::parse("521775w").map(|d| d.seconds),
            Ok(521_775 * 604_800)
        );
    }

    #[test]
    fn rounds_to_two_units() {
        for (secs, shown) in [
            (0, "0s"),
            (45, "45s"),
            (42 * 60 + 10, "42m"),
            (3600, "1h"),
            (3900 + 59, "1h5m"),
            (3 * 86_400 + 4 * 3600 + 59 * 60, "3d4h"),
            (10 * 86_400, "1w3d"),
            (-90, "-1m"),
        ] {
            assert_eq!(super::rounded(secs), shown, "{secs}");
        }
    }

    #[test]
    fn keeps_weeks_and_days_as_written() {
        let d = Duration::parse("1w2d3h4m5s").unwrap();
        assert_eq!(d.seconds, 604_800 + 2 * 86_400 + 3 * 3600 + 4 * 60 + 5);
        assert_eq!(d.calendar_parts(), (1, 2, 3 * 3600 + 4 * 60 + 5));
        assert_eq!(Duration::parse("3d").unwrap().calendar_parts(), (0, 3, 0));
        // 24h is a day of wall-clock time, not a business day.
        assert_eq!(
            Duration::parse("24h").unwrap().calendar_parts(),
            (0, 0, 86_400)
        );
        assert_eq!(
            Duration::parse("24h").unwrap(),
            Duration::parse("1d").unwrap()
        );
        assert_eq!(Duration::from_secs(-90).calendar_parts(), (0, 0, -90));
    }
}
