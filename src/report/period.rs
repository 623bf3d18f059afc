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
    /// Hands every ticket's summary that can count in the period to `consume`, as the
    /// cache is read: the scan runs on a thread of its own and passes batches through a
    /// channel two deep, so a report over all time holds two batches of summaries, not
    /// the archive. Returns what `consume` made, and the ticket files that could not be
    /// read, one line each.
    fn report_over<'a, T>(
        &'a self,
        rules: &'a RuleSet,
        since: Option<&str>,
        until: Option<&str>,
        consume: impl FnOnce(&mut dyn Iterator<Item = Summary>, &Context<'a>) -> T,
    ) -> Result<(T, Vec<String>)> {
        let (since, until) = period(since, until, self.now, self.settings.helpdesk.timezone)?;
        let cx = Context {
            settings: &self.settings,
            rules,
            now: self.now,
            since,
            until,
        };
        let settings = &self.settings;
        let store = &self.store;
        let (made, scanned) = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Summary>>(1);
            let scanner = scope.spawn(move || {
                // Whatever a report counts in the period (creation, status moves,
                // replies, SLA events) updated the ticket then: done tickets last updated
                // before the period have nothing in it and are not even decoded.
                let done = |kind: &str, status: &str| settings.category(kind, status).is_done();
                store.scan_each(
                    &crate::store::cache::Options {
                        want: &|_, _| true,
                        rescan: false,
                        updated_since: Some((since.timestamp(), &done)),
                        lean: false,
                        known: None,
                    },
                    // The report stopped reading (it failed): so does the scan.
                    &mut |batch| {
                        tx.send(batch)
                            .map_err(|_| crate::error::Error::invalid("the report stopped"))
                    },
                )
            });
            let made = consume(&mut rx.into_iter().flatten(), &cx);
            let scanned = scanner
                .join()
                .unwrap_or_else(|_| Err(crate::error::Error::invalid("the scan failed")));
            (made, scanned)
        });
        let problems = scanned?
            .iter()
            .map(|p| format!("{}: {}", p.path.display(), p.message))
            .collect();
        Ok((made, problems))
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
        self.report_over(&rules, since, until, |tickets, cx| {
            super::build(tickets, by, cx)
        })
    }

    /// SLA results per policy and target over the period (see [`period`]), with the
    /// ticket files that could not be read.
    pub fn sla_report(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<(SlaReport, Vec<String>)> {
        let rules = self.rules()?;
        self.report_over(&rules, since, until, |tickets, cx| super::sla(tickets, cx))
    }
}
