//! `desk note`: an internal note, never sent to the customer.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;
use crate::helpdesk::event;
use crate::model::MessageKind;

/// Add an internal note (opens $EDITOR when no body is given on a terminal)
#[derive(Debug, Args)]
pub struct NoteArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,

    /// `-` reads the note from standard input
    #[arg(value_name = "-", value_parser = ["-"])]
    pub stdin: Option<String>,

    /// The note (`-` reads standard input)
    #[arg(short, long, value_name = "BODY")]
    pub message: Option<String>,
}

pub fn run(ctx: &Ctx, args: NoteArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let id = hd.store.resolve(&args.id)?;
    let body = super::read_body(args.message, args.stdin.is_some(), "note")?;
    let outcome = hd.update(&id, event::NOTE_ADDED, |e| {
        e.add_message(MessageKind::Note, &body, None)
    })?;
    super::report(ctx, &outcome, "added a note to");
    Ok(())
}
