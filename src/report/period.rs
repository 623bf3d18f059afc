//! The period a report covers, read from `--since` and `--until`, and the reports of a
//! helpdesk over it, from every ticket's summary.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{By, Context, Report, SlaReport};
use crate::error::{Error, Result};
use crate::helpdesk::Helpdesk;
use crate::rules::RuleSet;
use crate::store::cache::Summary;
use crate::time::{Duration, parse_instant};

/// The period's bounds: `until` (default: up to now, this second included), and
/// `since` an instant or a duration before `until` (or before now, without `until`;
/// default 30 days). Errors name
/// the flags `--since` and `--until`.
pub fn period(
    since: Option<&str>,
    until: Option<&str>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let instant = |flag: &str, s: &str| {
        parse_instant(s, tz).ok_or_else(|| {
            Error::Usage(if crate::time::beyond_range(s, tz) {
                format!("{flag} {}", crate::time::outside_range(s))
            } else {
                format!(
                    "{flag} `{s}`: use a date like 2026-03-01, a local time like \"2026-03-01 08:00\" or RFC 3339{}",
                    if flag == "--since" { ", or a duration like 30d" } else { "" }
                )
            })
        })
    };
    // A duration counts back from --until, or without it from now: `--since 14d` is
    // from this second 14 days ago.
    let (until, from) = match until {
        Some(s) => {
            let t = instant("--until", s)?;
            (t, t)
        }
        // Up to now, this second included.
        None => (now + chrono::Duration::seconds(1), now),
    };
    // A period reaching back before 1970 starts there: no ticket is older.
    let back = |d: Duration| {
        let secs = from.timestamp().saturating_sub(d.seconds);
        DateTime::from_timestamp(secs.max(crate::time::FIRST), 0).unwrap_or_default()
    };
    let since = match since {
        None => back(Duration::from_secs(30 * 86_400)),
        Some(s) => match Duration::parse(s) {
            Ok(d) => back(d),
            Err(m) if crate::time::looks_like_duration(s) => {
                return Err(Error::Usage(format!("--since {m}")));
            }
            Err(_) => instant("--since", s)?,
        },
    };
    if since >= until {
        return Err(Error::Usage(format!(
            "the period is empty: --since {} is not before --until {}",
            crate::time::format_utc(since),
            crate::time::format_utc(until)
        )));
    }
    Ok((since, until))
}

impl Helpdesk {
    /// Every ticket's summary and the period; the ticket files that could not be read
    /// are skipped and named, one line each.
    fn report_input<'a>(
        &'a self,
        rules: &'a RuleSet,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<(Vec<Summary>, Context<'a>, Vec<String>)> {
        let (since, until) = period(since, until, self.now, self.settings.helpdesk.timezone)?;
        // Whatever a report counts in the period (creation, status moves, replies, SLA
        // events) updated the ticket then: done tickets last updated before the period
        // have nothing in it and are not even decoded.
        let settings = &self.settings;
        let scan = self.store.scan_with(&crate::store::cache::Options {
            want: &|_, _| true,
            rescan: false,
            updated_since: Some((since.timestamp(), &|kind, status| {
                settings.category(kind, status).is_done()
            })),
            lean: false,
            known: None,
        })?;
        let problems = scan
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path.display(), p.message))
            .collect();
        let cx = Context {
            settings: &self.settings,
            rules,
            now: self.now,
            since,
            until,
        };
        Ok((scan.tickets, cx, problems))
    }

    /// Workload and performance per group over the period (see [`period`]), with the
    /// ticket files that could not be read.
    pub fn report(
        &self,
        by: By,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<(Report, Vec<String>)> {
        let rules = self.rules()?;
        let (tickets, cx, problems) = self.report_input(&rules, since, until)?;
        Ok((super::build(&tickets, by, &cx), problems))
    }

    /// SLA results per policy and target over the period (see [`period`]), with the
    /// ticket files that could not be read.
    pub fn sla_report(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<(SlaReport, Vec<String>)> {
        let rules = self.rules()?;
        let (tickets, cx, problems) = self.report_input(&rules, since, until)?;
        Ok((super::sla(&tickets, &cx), problems))
    }
}
