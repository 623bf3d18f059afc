//! `desk ingest email|json`: bring mail, web forms and chats into the one inbox.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::helpdesk::Helpdesk;
use crate::ingest::{Inbound, Inbox, Landing};
use crate::mail::{incoming, sources};
use crate::output::{self, plural, print};
use crate::store::atomic;

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
#[derive(Debug, Args)]
pub struct JsonArgs {
    /// A .json or .jsonl file, or `-` for standard input
    #[arg(value_name = "PATH")]
    pub path: String,

    /// Print one JSON array of results instead of lines
    #[arg(long)]
    pub json: bool,
}

/// What became of one message, as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub source: String,
    pub result: &'static str,
    pub ticket: Option<String>,
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub reason: Option<String>,
}

/// Messages stored between two flushes to disk (see `store::atomic`).
const BATCH: usize = 250;

pub fn run(ctx: &Ctx, args: IngestArgs) -> Result<()> {
    match args.command {
        IngestCommand::Email(a) => email(ctx, a),
        IngestCommand::Json(a) => json(ctx, a),
    }
}

/// Feeds messages to the inbox in batches: each batch is flushed once, then reported,
/// then its Maildir files are marked seen (only what is safely stored is).
pub struct Run<'a> {
    ctx: &'a Ctx,
    inbox: Inbox<'a>,
    json: bool,
    reports: Vec<Report>,
    /// Reports of the batch not yet flushed, with the Maildir file to mark.
    pending: Vec<(Report, Option<std::path::PathBuf>)>,
    keep: bool,
    bar: indicatif::ProgressBar,
}

impl<'a> Run<'a> {
    pub fn start(ctx: &'a Ctx, hd: &'a Helpdesk, json: bool, keep: bool) -> Result<Run<'a>> {
        let inbox = Inbox::open(hd)?;
        atomic::begin();
        let bar = if ctx.out.quiet {
            indicatif::ProgressBar::hidden()
        } else {
            indicatif::ProgressBar::new_spinner()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} messages {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Ok(Run {
            ctx,
            inbox,
            json,
            reports: Vec::new(),
            pending: Vec::new(),
            keep,
            bar,
        })
    }

    pub fn set_length(&self, n: u64) {
        self.bar.set_length(n);
        self.bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    }

    pub fn take(&mut self, source: String, m: Inbound, maildir: Option<std::path::PathBuf>) {
        let message_id = Some(m.message_id.clone());
        let subject = m.subject.clone();
        let (result, ticket, reason) = match self.inbox.take(m) {
            Ok(landed) => {
                for p in &landed.problems {
                    self.ctx.out.warn(format!("{source}: {p}"));
                }
                let reason = match &landed.landing {
                    Landing::Skipped(r) => Some(r.clone()),
                    _ => None,
                };
                (
                    landed.landing.word(),
                    landed.landing.ticket().map(str::to_string),
                    reason,
                )
            }
            Err(e) => ("failed", None, Some(one_line(&e.to_string()))),
        };
        self.bar.inc(1);
        let mark = (result != "failed" && !self.keep)
            .then_some(maildir)
            .flatten();
        self.pending.push((
            Report {
                source,
                result,
                ticket,
                message_id,
                subject,
                reason,
            },
            mark,
        ));
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    pub fn failed(&mut self, source: String, reason: String) {
        self.bar.inc(1);
        self.pending.push((
            Report {
                source,
                result: "failed",
                ticket: None,
                message_id: None,
                subject: None,
                reason: Some(reason),
            },
            None,
        ));
    }

    /// Writes the batch to disk, then reports it.
    fn flush(&mut self) {
        let stored = atomic::commit();
        for (mut r, mark) in self.pending.drain(..) {
            if let Err(e) = &stored
                && r.result != "failed"
                && r.result != "duplicate"
                && r.result != "skipped"
            {
                r.result = "failed";
                r.reason = Some(format!("not stored: {e}"));
            }
            if r.result == "failed" {
                self.bar.suspend(|| {
                    eprintln!(
                        "desk: {}: {}",
                        r.source,
                        r.reason.as_deref().unwrap_or("failed")
                    )
                });
            } else if let Some(path) = mark {
                sources::mark_seen(&path);
            }
            // A failure is already on stderr; stdout lists what was stored.
            if !self.json && r.result != "failed" {
                let line = human(&r);
                self.bar.suspend(|| {
                    let _ = print(&line);
                });
            }
            self.reports.push(r);
        }
    }

    /// Flushes the last batch, prints the summary; an error if any message failed.
    pub fn finish(mut self) -> Result<()> {
        self.flush();
        let ended = atomic::end();
        self.bar.finish_and_clear();
        self.inbox.close();
        ended?;
        if self.json {
            print(&output::json(&self.reports)?)?;
        }
        let count = |w: &str| self.reports.iter().filter(|r| r.result == w).count();
        let failed = count("failed");
        let mut summary = String::new();
        for w in [
            "created",
            "added",
            "duplicate",
            "bounce",
            "skipped",
            "failed",
        ] {
            let n = count(w);
            if n > 0 {
                let _ = write!(
                    summary,
                    "{}{n} {w}",
                    if summary.is_empty() { "" } else { ", " }
                );
            }
        }
        if !summary.is_empty() {
            self.ctx.out.status(format!(
                "{}: {summary}",
                plural(self.reports.len(), "message")
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

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).collect::<Vec<_>>().join(" ")
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
    let mut run = Run::start(ctx, &hd, args.json, args.keep)?;
    for path in &args.paths {
        let mut failures = Vec::new();
        sources::visit(
            path,
            &mut |raw| match incoming::parse(&raw.bytes) {
                Ok(m) => {
                    let m = Inbound::from_mail(m, &hd);
                    run.take(raw.source, m, raw.maildir_new);
                }
                Err(e) => run.failed(raw.source, e),
            },
            &mut |u| failures.push(u),
        );
        for u in failures {
            run.failed(u.source, u.message);
        }
    }
    run.finish()
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
    // Every payload is checked before any is stored: a bad line changes nothing.
    let payloads = crate::ingest::form::parse_all(&name, &text, &hd.settings)?;
    let mut run = Run::start(ctx, &hd, args.json, true)?;
    for (source, m) in payloads {
        run.take(source, m, None);
    }
    run.finish()
}
