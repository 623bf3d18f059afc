//! `desk reply`: an agent's public reply to the customer, typed or canned.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;

/// Reply to the customer (opens $EDITOR when no body is given on a terminal)
#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,

    /// `-` reads the reply from standard input
    #[arg(value_name = "-", value_parser = ["-"])]
    pub stdin: Option<String>,

    /// The reply (`-` reads standard input)
    #[arg(short, long, value_name = "BODY")]
    pub message: Option<String>,

    /// A canned reply: templates/NAME.txt rendered for this ticket, opened in $EDITOR
    /// first on a terminal
    #[arg(long, value_name = "NAME", conflicts_with_all = ["message", "stdin"])]
    pub template: Option<String>,
}

pub fn run(ctx: &Ctx, args: ReplyArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let id = hd.store.resolve(&args.id)?;
    let outcome = match &args.template {
        Some(name) => {
            let text = hd.canned_reply(&id, name)?;
            let body = super::edit_on_terminal(text, "reply")?;
            hd.reply_via(&id, &body, Some(format!("template:{name}")))?
        }
        None => {
            let body = super::read_body(args.message, args.stdin.is_some(), "reply")?;
            hd.reply(&id, &body)?
        }
    };
    super::report(ctx, &outcome, "replied to");
    super::warn_unmailed(ctx, &outcome);
    Ok(())
}
