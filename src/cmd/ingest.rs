//! `desk ingest email|json`: bring mail, web forms and chats into the one inbox.

use std::fmt::Write as _;

use clap::{Args, Subcommand};

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::ingest::batch::{Ingested, Report, Watch};
use crate::output::{self, Out, plural, print};

/// Bring mail, web-form or chat messages into the helpdesk
#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(subcommand)]
    pub command: IngestCommand,
}

#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    Email(EmailArgs),
    Json(JsonArgs),
}

/// Ingest mail: .eml files, mbox files, Maildir folders (new/ and cur/, nested), or `-`
///
/// A reply joins its ticket (In-Reply-To, References or [#ID] in the subject); the same
/// message twice adds nothing; a bounce becomes a note on the ticket whose mail bounced.
/// Stored Maildir messages in new/ move to cur/ with the S (seen) flag.
#[derive(Debug, Args)]
pub struct EmailArgs {
    /// Files or folders to read; `-` reads one message or an mbox from standard input
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,

    /// Leave Maildir messages where they are (in new/)
    #[arg(long)]
    pub keep: bool,

    /// Print one JSON array of results instead of lines
    #[arg(long)]
    pub json: bool,
}

/// Ingest web-form or chat payloads: one JSON object, or JSON Lines
///
/// Keys: from, name, subject, body or transcript ([{from, at, text}]), department, shop,
/// type, priority, tags, fields, channel (default web), id (the form's own ID), at.
/// A chat's transcript becomes one message per turn, each at its time; agents' turns
/// are replies that send no mail. Every bad payload is named; then nothing is stored.
#[derive(Debug, Args)]
pub struct JsonArgs {
    /// A .json or .jsonl file, or `-` for standard input
    #[arg(value_name = "PATH")]
    pub path: String,

    /// Print one JSON array of results instead of lines
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: IngestArgs) -> Result<()> {
    let result = match args.command {
        IngestCommand::Email(a) => email(ctx, a),
        IngestCommand::Json(a) => json(ctx, a),
    };
    match result {
        // A broken desk.toml or rules.toml is the helpdesk's to fix, not the mail's:
        // exit 75 (EX_TEMPFAIL), so an MTA piping mail here keeps it and tries again.
        Err(Error::Config(diags)) => {
            for d in &diags {
                crate::error::print_error(&d.to_string());
            }
            Err(Error::Busy(
                "the configuration is broken (above): nothing was ingested; the sender keeps the mail and tries again".into(),
            ))
        }
        other => other,
    }
}

/// Follows a run on the terminal: a progress bar, each stored message as a line (unless
/// the results go out as JSON at the end), each failure on stderr.
pub struct Printer {
    out: Out,
    json: bool,
    bar: indicatif::ProgressBar,
}

impl Printer {
    pub fn new(ctx: &Ctx, json: bool) -> Printer {
        let bar = if ctx.out.quiet {
            indicatif::ProgressBar::hidden()
        } else {
            indicatif::ProgressBar::new_spinner()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} messages {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Printer {
            out: ctx.out,
            json,
            bar,
        }
    }

    /// Ends the run's output: the results as JSON if asked, and a summary; an error if
    /// any message failed.
    pub fn finish(self, ingested: Result<Ingested>) -> Result<()> {
        self.bar.finish_and_clear();
        let ingested = ingested?;
        if self.json {
            print(&output::json(&ingested.reports)?)?;
        }
        let failed = ingested.count("failed");
        let mut summary = String::new();
        for w in [
            "created",
            "added",
            "duplicate",
            "bounce",
            "skipped",
            "failed",
        ] {
            let n = ingested.count(w);
            if n > 0 {
                let _ = write!(
                    summary,
                    "{}{n} {w}",
                    if summary.is_empty() { "" } else { ", " }
                );
            }
        }
        if !summary.is_empty() {
            self.out.status(format!(
                "{}: {summary}",
                plural(ingested.reports.len(), "message")
            ));
        }
        if failed > 0 {
            return Err(Error::Partial(format!(
                "{} could not be stored (see above)",
                plural(failed, "message")
            )));
        }
        Ok(())
    }
}

impl Watch for Printer {
    fn expect(&mut self, messages: u64) {
        self.bar.set_length(messages);
        self.bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    }

    fn taken(&mut self) {
        self.bar.inc(1);
    }

    fn problem(&mut self, source: &str, problem: &str) {
        self.out.warn(format!("{source}: {problem}"));
    }

    fn reported(&mut self, r: &Report) {
        if r.result == "failed" {
            self.bar.suspend(|| {
                crate::error::print_error(&format!(
                    "{}: {}",
                    r.source,
                    r.reason.as_deref().unwrap_or("failed")
                ))
            });
        }
        // A failure is already on stderr; stdout lists what was stored.
        if !self.json && r.result != "failed" {
            let line = human(r);
            self.bar.suspend(|| {
                let _ = print(&line);
            });
        }
    }
}

fn human(r: &Report) -> String {
    let what = r.subject.as_deref().or(r.reason.as_deref()).unwrap_or("");
    format!(
        "{:<9} {:<14}  {}  ({})\n",
        r.result,
        r.ticket.as_deref().unwrap_or("-"),
        what,
        r.source
    )
}

fn email(ctx: &Ctx, args: EmailArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let mut printer = Printer::new(ctx, args.json);
    let ingested = hd.ingest_mail(&args.paths, args.keep, &mut printer);
    printer.finish(ingested)
}

fn json(ctx: &Ctx, args: JsonArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let (name, text) = if args.path == "-" {
        ("-".to_string(), super::read_stdin()?)
    } else {
        let text = std::fs::read_to_string(&args.path)
            .map_err(|e| Error::io(std::path::Path::new(&args.path), e))?;
        (args.path.clone(), text)
    };
    let mut printer = Printer::new(ctx, args.json);
    let ingested = hd.ingest_json(&name, &text, &mut printer);
    printer.finish(ingested)
}
