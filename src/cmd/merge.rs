//! `desk merge`: one conversation out of two tickets about the same matter.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;
use crate::output::plural;

/// Merge ticket SOURCE into TARGET: its messages, attachments, followers and tags join
/// TARGET; SOURCE is closed, and later mail to it goes to TARGET
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The ticket merged away: its ID or a unique prefix of at least 4 characters
    pub source: String,

    /// The ticket that goes on
    pub target: String,
}

pub fn run(ctx: &Ctx, args: MergeArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let merged = hd.merge_tickets(&args.source, &args.target)?;
    for p in &merged.problems {
        ctx.out.warn(p);
    }
    super::report_problems(ctx, &merged.target);
    ctx.out.status(format!(
        "merged {} into {} ({} added); {} is closed",
        merged.source.ticket.id,
        merged.target.ticket.id,
        plural(merged.messages, "message"),
        merged.source.ticket.id,
    ));
    Ok(())
}
