//! `desk snooze`: put a ticket aside until a time.

use clap::Args;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::helpdesk::event;

/// Snooze a ticket: it waits (status pending) until WHEN, when `desk tick` wakes it;
/// a customer reply wakes it early
#[derive(Debug, Args)]
pub struct SnoozeArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,

    /// A duration (`2h`, `3d`, `1d12h`), a date (`2026-12-01`, midnight), a local time
    /// (`2026-12-01 09:00`) in the helpdesk's time zone, or RFC 3339
    #[arg(long, value_name = "WHEN")]
    pub until: String,
}

pub fn run(ctx: &Ctx, args: SnoozeArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    // A WHEN that is not one is a mistake on the command line (exit 2).
    let until = crate::time::parse_when(&args.until, hd.now, hd.settings.helpdesk.timezone)
        .map_err(|e| match e {
            Error::Usage(m) => Error::Usage(format!("--until: {m}")),
            other => other,
        })?;
    let outcome = hd.update(&args.id, event::STATUS_CHANGED, |e| e.snooze(until))?;
    super::report(ctx, &outcome, "snoozed");
    Ok(())
}
