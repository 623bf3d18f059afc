//! `desk transfer`: move a ticket to another department.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;
use crate::helpdesk::event;
use crate::model::MessageKind;

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
    let outcome = hd.update(&args.id, event::DEPARTMENT_CHANGED, |e| {
        e.set("department", &args.department)?;
        let keep = match &e.ticket.assignee {
            Some(a) => e
                .settings()
                .agent(a)
                .is_some_and(|ag| ag.departments.contains(&args.department)),
            None => true,
        };
        if !keep {
            e.set("assignee", "")?;
        }
        if let Some(note) = &args.message {
            e.add_message(MessageKind::Note, note, None)?;
        }
        Ok(())
    })?;
    super::report(ctx, &outcome, "transferred");
    Ok(())
}
