//! `desk solve`, `desk close`, `desk reopen`: move a ticket through its life.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;
use crate::helpdesk::event;
use crate::model::settings::Category;

/// Change a ticket's status: solve, close or reopen it
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,
}

#[derive(Debug, Clone, Copy)]
pub enum Target {
    Solve,
    Close,
    Reopen,
}

pub fn run(ctx: &Ctx, args: StatusArgs, target: Target) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let (category, verb) = match target {
        Target::Solve => (Category::Solved, "solved"),
        Target::Close => (Category::Closed, "closed"),
        Target::Reopen => (Category::Open, "reopened"),
    };
    let outcome = hd.update(&args.id, event::STATUS_CHANGED, |e| {
        e.set_category(category)
    })?;
    super::report(ctx, &outcome, verb);
    Ok(())
}
