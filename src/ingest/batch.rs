//! An ingest run from start to end: the helpdesk held for the whole run, messages fed
//! to the [`Inbox`] one by one and written to disk in batches, each batch flushed once
//! and only then reported (and its Maildir files marked seen: only what is safely
//! stored is). One function per source: mail ([`Helpdesk::ingest_mail`]), form and chat
//! payloads ([`Helpdesk::ingest_json`]) and CSV imports ([`Helpdesk::import_csv`]).

use std::path::PathBuf;

use serde::Serialize;

use super::{Inbound, Inbox, Landing};
use crate::error::Result;
use crate::helpdesk::Helpdesk;
use crate::mail::{incoming, sources};
use crate::store::atomic;

/// Messages stored between two flushes to disk (see `store::atomic`).
const BATCH: usize = 250;

/// What became of one message.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Where it came from: a file, a Maildir entry, a line of a payload or CSV file.
    pub source: String,
    /// `created`, `added`, `duplicate`, `bounce`, `skipped` or `failed`.
    pub result: &'static str,
    pub ticket: Option<String>,
    pub message_id: Option<String>,
    pub subject: Option<String>,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
}

/// Whoever follows a run as it goes (the command line shows progress and prints each
/// batch as it is stored). Every method does nothing unless implemented.
pub trait Watch {
    /// How many messages are coming, when that is known before the first.
    fn expect(&mut self, _messages: u64) {}
    /// One more message was taken; its result comes with its batch.
    fn taken(&mut self) {}
    /// Something the rules could not do for the message from `source` (which was stored).
    fn problem(&mut self, _source: &str, _problem: &str) {}
    /// One message's result, once its batch is on disk.
    fn reported(&mut self, _report: &Report) {}
}

/// Every message of a run, in the order taken.
#[derive(Debug, Default)]
pub struct Ingested {
    pub reports: Vec<Report>,
}

impl Ingested {
    /// How many messages had this result (`created`, `failed`...).
    pub fn count(&self, result: &str) -> usize {
        self.reports.iter().filter(|r| r.result == result).count()
    }
}

/// A run in progress: the inbox, and the reports of the batch not yet flushed with the
/// Maildir file each one marks seen once stored.
struct Run<'a, 'w> {
    inbox: Inbox<'a>,
    watch: &'w mut dyn Watch,
    reports: Vec<Report>,
    pending: Vec<(Report, Option<PathBuf>)>,
    /// Leave Maildir files in new/.
    keep: bool,
}

impl<'a, 'w> Run<'a, 'w> {
    fn start(hd: &'a Helpdesk, keep: bool, watch: &'w mut dyn Watch) -> Result<Run<'a, 'w>> {
        let inbox = Inbox::open(hd)?;
        atomic::begin();
        Ok(Run {
            inbox,
            watch,
            reports: Vec::new(),
            pending: Vec::new(),
            keep,
        })
    }

    fn take(&mut self, source: String, m: Inbound, maildir: Option<PathBuf>) {
        let message_id = Some(m.message_id.clone());
        let subject = m.subject.clone();
        let (result, ticket, reason) = match self.inbox.take(m) {
            Ok(landed) => {
                for p in &landed.problems {
                    self.watch.problem(&source, p);
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
        self.watch.taken();
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

    /// A message that could not even be read.
    fn failed(&mut self, source: String, reason: String) {
        self.watch.taken();
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
        if let Err(e) = self.inbox.batch_stored(stored.is_ok()) {
            // The tickets are stored and record their mail: the next command moves it.
            self.watch
                .problem("outbox", &format!("mail not queued yet: {e}"));
        }
        for (mut r, mark) in self.pending.drain(..) {
            if let Err(e) = &stored
                && r.result != "failed"
                && r.result != "duplicate"
                && r.result != "skipped"
            {
                r.result = "failed";
                r.reason = Some(format!("not stored: {e}"));
            }
            if r.result != "failed"
                && let Some(path) = mark
            {
                sources::mark_seen(&path);
            }
            self.watch.reported(&r);
            self.reports.push(r);
        }
    }

    /// Flushes the last batch and ends the run: the lock is released.
    fn finish(mut self) -> Result<Ingested> {
        self.flush();
        let ended = atomic::end();
        self.inbox.close();
        ended?;
        Ok(Ingested {
            reports: self.reports,
        })
    }
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

impl Helpdesk {
    /// Ingests mail from each path: an .eml file, an mbox file, a Maildir folder (new/
    /// and cur/, nested), or `-` for standard input. Stored Maildir messages in new/
    /// move to cur/ as seen, unless `keep`. A message that cannot be read or stored is
    /// reported `failed`; the others are stored all the same.
    pub fn ingest_mail(
        &self,
        paths: &[String],
        keep: bool,
        watch: &mut dyn Watch,
    ) -> Result<Ingested> {
        let mut run = Run::start(self, keep, watch)?;
        for path in paths {
            let mut failures = Vec::new();
            let max = self.settings.helpdesk.max_message_size;
            sources::visit(
                path,
                max,
                &mut |raw| match incoming::parse_raw(&raw.bytes, raw.whole.as_ref(), max) {
                    Ok(m) => {
                        let m = Inbound::from_mail(m, self);
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

    /// Ingests web-form or chat payloads: one JSON object or JSON Lines, read from
    /// `name`. Every payload is checked before any is stored: a bad line changes nothing.
    pub fn ingest_json(&self, name: &str, text: &str, watch: &mut dyn Watch) -> Result<Ingested> {
        // Checked whole first (nothing stored if any line is bad), then read again and
        // stored one payload at a time: memory stays that of the text, not of a
        // million parsed payloads.
        let form = super::form::each_payload;
        form(name, text, &self.settings, self.now, &mut |_, _| {})?;
        let mut run = Run::start(self, true, watch)?;
        form(name, text, &self.settings, self.now, &mut |source, m| {
            run.take(source, m, None);
        })?;
        run.finish()
    }

    /// Imports tickets from CSV with a header row, read from `name`. Every row is
    /// checked first: a bad row is named by its line and nothing is imported.
    pub fn import_csv(&self, name: &str, bytes: &[u8], watch: &mut dyn Watch) -> Result<Ingested> {
        // Checked whole first, then read again and imported row by row (see
        // `ingest_json`).
        let rows = super::csv::each_row(name, bytes, &self.settings, &mut |_, _| {})?;
        let mut run = Run::start(self, true, watch)?;
        run.watch.expect(rows as u64);
        super::csv::each_row(name, bytes, &self.settings, &mut |source, m| {
            run.take(source, m, None);
        })?;
        run.finish()
    }
}
