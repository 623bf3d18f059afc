//! `desk transfer`: move a ticket to another department.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;

/// Move a ticket to another department, keeping its messages and history; an
/// assignee who is not in the new department is cleared
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,

    /// The department's ID
    pub department: String,

    /// An internal note to leave with the transfer
    #[arg(short, long, value_name = "NOTE")]
    pub message: Option<String>,
}

pub fn run(ctx: &Ctx, args: TransferArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let outcome = hd.transfer(&args.id, &args.department, args.message.as_deref())?;
    super::report(ctx, &outcome, "transferred");
    Ok(())
}
