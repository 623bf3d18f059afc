//! One module per subcommand: an `Args` struct (its doc comment is the help) and `run`.

pub mod assign;
pub mod completions;
pub mod customer;
pub mod import;
pub mod ingest;
pub mod init;
pub mod list;
pub mod macros;
pub mod man;
pub mod merge;
pub mod merge_file;
pub mod new;
pub mod note;
pub mod outbox;
pub mod reply;
pub mod report;
pub mod rules;
pub mod set;
pub mod show;
pub mod snooze;
pub mod status;
pub mod sync;
pub mod tick;
pub mod transfer;

use std::io::{IsTerminal, Read};

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::helpdesk::Outcome;

/// The body of a reply or note: `-m TEXT`, `-m -` or `-` for stdin, or $EDITOR on a terminal.
pub fn read_body(message: Option<String>, dash: bool, what: &str) -> Result<String> {
    let body = match message.as_deref() {
        Some("-") => read_stdin()?,
        Some(m) => m.to_string(),
        None if dash => read_stdin()?,
        None if on_terminal() => editor(String::new(), what)?,
        None => {
            return Err(Error::Usage(format!(
                "no {what} given: use -m TEXT, or - to read it from standard input"
            )));
        }
    };
    not_empty(body, what)
}

/// A text desk wrote (a canned reply), opened in $EDITOR first on a terminal; as it is
/// elsewhere.
pub fn edit_on_terminal(text: String, what: &str) -> Result<String> {
    let text = if on_terminal() {
        editor(text, what)?
    } else {
        text
    };
    not_empty(text, what)
}

fn on_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// $EDITOR on `text` with a line of help below it; lines starting with # are dropped.
fn editor(text: String, what: &str) -> Result<String> {
    let start = format!(
        "{text}\n# Write the {what} above. Lines starting with # are dropped; an empty {what} aborts.\n"
    );
    let edited =
        edit::edit(start).map_err(|e| Error::invalid(format!("could not run the editor: {e}")))?;
    Ok(edited
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n"))
}

fn not_empty(body: String, what: &str) -> Result<String> {
    let body = body.trim_end().to_string();
    if body.trim().is_empty() {
        return Err(Error::invalid(format!("aborted: the {what} is empty")));
    }
    Ok(body)
}

/// After a reply: when the ticket has no requester, no mail went out; say so.
pub fn warn_unmailed(ctx: &Ctx, outcome: &Outcome) {
    if outcome.changed && outcome.ticket.requester.is_none() {
        let id = &outcome.ticket.id;
        ctx.out.warn(format!(
            "no mail was queued: ticket {id} has no requester; the reply is kept on the ticket (`desk set {id} requester=ADDRESS` gives it one)"
        ));
    }
}

pub fn read_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Error::io("<stdin>", e))?;
    Ok(s)
}

/// Rule actions that could not be done are warnings: the change itself stood.
pub fn report_problems(ctx: &Ctx, outcome: &Outcome) {
    for p in &outcome.problems {
        ctx.out.warn(p);
    }
}

/// The usual report after a change: `updated 06fj...`, or that nothing changed.
pub fn report(ctx: &Ctx, outcome: &Outcome, verb: &str) {
    report_problems(ctx, outcome);
    if outcome.deleted {
        ctx.out
            .status(format!("{}: deleted by the rules", outcome.ticket.id));
    } else if outcome.changed {
        ctx.out.status(format!("{verb} {}", outcome.ticket.id));
    } else {
        ctx.out
            .status(format!("{}: nothing changed", outcome.ticket.id));
    }
}
