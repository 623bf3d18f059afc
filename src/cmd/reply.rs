//! `desk reply`: an agent's public reply to the customer.

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
}

pub fn run(ctx: &Ctx, args: ReplyArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let id = hd.store.resolve(&args.id)?;
    let body = super::read_body(args.message, args.stdin.is_some(), "reply")?;
    let outcome = hd.reply(&id, &body)?;
    super::report(ctx, &outcome, "replied to");
    if outcome.ticket.requester.is_none() {
        ctx.out.warn(format!(
            "no mail was queued: ticket {id} has no requester; the reply is kept on the ticket (`desk set {id} requester=ADDRESS` gives it one)"
        ));
    }
    Ok(())
}
