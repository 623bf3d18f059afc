//! `desk tick`: apply what is due at this instant, once. Run it from cron every minute.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::Args;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::output::{plural, print};

/// Wake snoozed tickets, raise SLA warnings and breaches, and run time rules, once
///
/// Exit status 75 when another tick is still running (it changes nothing then).
#[derive(Debug, Args)]
pub struct TickArgs {
    /// Change nothing; print what would happen, with the rules' reasons
    #[arg(long)]
    pub dry_run: bool,

    /// Print a machine summary on stdout
    #[arg(long)]
    pub json: bool,

    /// Only run the scripts rules queued (`wait = false`), not the rest of the tick:
    /// what desk starts in the background after a change that queued some
    #[arg(long, hide = true, conflicts_with = "dry_run")]
    pub queued: bool,
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

pub fn run(ctx: &Ctx, args: TickArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    if args.queued {
        let (ran, problems) = hd.run_queued(&hd.rules()?)?;
        for r in &ran {
            ctx.out.status(format!(
                "{}  script {} (rule {}): {}",
                r.ticket, r.script, r.rule, r.detail
            ));
        }
        for p in &problems {
            ctx.out.warn(p);
        }
        return if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Partial(plural(problems.len(), "problem")))
        };
    }
    let report = hd.tick(args.dry_run)?;
    let tz = hd.settings.helpdesk.timezone;
    for p in report.problems.iter().chain(&report.warnings) {
        ctx.out.warn(p);
    }
    if args.json {
        print(&crate::output::json(&report)?)?;
    } else if args.dry_run {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "At {} (dry run, nothing written):",
            local(report.now, tz)
        );
        if report.happened.is_empty() {
            let _ = writeln!(s, "  nothing is due");
        }
        for h in &report.happened {
            let _ = writeln!(s, "  {}  {}  {}", h.ticket, local(h.at, tz), h.detail);
        }
        for (id, traces) in &report.traces {
            for t in traces {
                let _ = writeln!(s, "\n  {id}: rule {} on {}", t.rule, t.event);
                if let Some(c) = &t.condition {
                    let _ = writeln!(s, "    because {}", condition_line(c));
                }
            }
        }
        print(&s)?;
    } else {
        for h in &report.happened {
            ctx.out
                .status(format!("{}  {}  {}", h.ticket, local(h.at, tz), h.detail));
        }
    }
    let tickets: std::collections::BTreeSet<&str> =
        report.happened.iter().map(|h| h.ticket.as_str()).collect();
    ctx.out.status(format!(
        "tick {}{}: {} on {} ({} checked)",
        local(report.now, tz),
        if args.dry_run { " (dry run)" } else { "" },
        plural(report.happened.len(), "change"),
        plural(tickets.len(), "ticket"),
        report.checked,
    ));
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Partial(format!(
            "{} during the tick",
            plural(report.problems.len(), "problem")
        )))
    }
}

/// The tests that held, on one line: `status is pending, since.last_agent_message over 1d (saw 2d3h)`.
fn condition_line(c: &crate::rules::condition::Trace) -> String {
    use crate::rules::condition::Trace;
    match c {
        Trace::Group { children, .. } => children
            .iter()
            .filter(|ch| ch.held())
            .map(condition_line)
            .collect::<Vec<_>>()
            .join(", "),
        Trace::Test { test, saw, .. } => format!("{test} (saw {saw})"),
    }
}
