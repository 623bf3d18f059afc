//! One module per subcommand: an `Args` struct (its doc comment is the help) and `run`.

pub mod assign;
pub mod completions;
pub mod customer;
pub mod import;
pub mod ingest;
pub mod init;
pub mod list;
pub mod man;
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
        None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            let template = format!(
                "\n# Write the {what} above. Lines starting with # are dropped; an empty {what} aborts.\n"
            );
            let text = edit::edit(template)
                .map_err(|e| Error::invalid(format!("could not run the editor: {e}")))?;
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        }
        None => {
            return Err(Error::Usage(format!(
                "no {what} given: use -m TEXT, or - to read it from standard input"
            )));
        }
    };
    let body = body.trim_end().to_string();
    if body.trim().is_empty() {
        return Err(Error::invalid(format!("aborted: the {what} is empty")));
    }
    Ok(body)
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
