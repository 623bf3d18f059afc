//! `desk outbox list` and `desk outbox send`: the mail waiting with what its ticket
//! recorded of it, and delivery with a record on the ticket.
//!
//! The order makes a crash cost at most one duplicate and never a lost message: send,
//! then mark the ticket's mail record `sent`, then remove the file. A crash after
//! sending and before the record sends that one message again next time; a crash after
//! the record finds the file with its record `sent` and only removes it. One sender at a
//! time holds `.desk/outbox.lock`, so concurrent runs never send a message twice.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::helpdesk::Helpdesk;
use crate::mail::outbox::{Queued, Unreadable, queued};
use crate::mail::transport::Transport;

/// What happened to one queued message.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub file: String,
    pub ticket: Option<String>,
    pub message_id: Option<String>,
    pub to: Vec<String>,
    /// `sent`, `failed`, `removed` (it had been sent already) or `held` (its ticket
    /// does not record it: moved to `.desk/unrecorded/`, not sent).
    pub result: &'static str,
    pub error: Option<String>,
}

/// A message waiting in outbox/, with what its ticket recorded of it.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    /// `outbox/NAME.eml`.
    pub file: String,
    pub ticket: Option<String>,
    pub message_id: Option<String>,
    pub to: Vec<String>,
    pub subject: Option<String>,
    /// When the ticket queued it (else the message's Date).
    pub queued_at: Option<DateTime<Utc>>,
    /// Tries to send it so far, and the last one's error.
    pub attempts: u32,
    pub error: Option<String>,
}

impl Helpdesk {
    /// The mail waiting in outbox/, oldest name first, with the attempts and last error
    /// its ticket recorded; and the files that cannot be read as mail, with what is wrong.
    pub fn outbox(&self) -> Result<(Vec<Waiting>, Vec<Unreadable>)> {
        let (queue, bad) = queued(self.store.root())?;
        let waiting = queue
            .iter()
            .map(|q| {
                let record = q.ticket.as_deref().and_then(|t| {
                    let t = self.store.load_ticket(t).ok()?;
                    t.mail
                        .into_iter()
                        .find(|m| Some(&m.message_id) == q.message_id.as_ref())
                });
                Waiting {
                    file: format!("outbox/{}", q.name),
                    ticket: q.ticket.clone(),
                    message_id: q.message_id.clone(),
                    to: q.to.clone(),
                    subject: q.subject.clone(),
                    queued_at: record.as_ref().map(|r| r.queued_at).or(q.date),
                    attempts: record.as_ref().map_or(0, |r| r.attempts),
                    error: record.and_then(|r| r.error),
                }
            })
            .collect();
        Ok((waiting, bad))
    }

    /// Sends every queued message once through `transport`.
    pub fn send_outbox(&self, transport: &mut dyn Transport) -> Result<Vec<Delivery>> {
        if let Some(sender) = &self.settings.helpdesk.sends_from {
            let here = crate::git::host_name();
            if !sender.eq_ignore_ascii_case(&here) {
                return Err(Error::invalid(format!(
                    "this clone ({here}) does not send mail: `{sender}` does (desk.toml [helpdesk] sends_from); `desk sync` hands the queued mail over"
                )));
            }
        }
        let Some(_sending) =
            crate::store::lock::try_acquire(&self.store.local_dir(), "outbox.lock")?
        else {
            return Err(Error::Busy(
                "another `desk outbox send` is running; this one sent nothing".into(),
            ));
        };
        let (queue, bad) = queued(self.store.root())?;
        let mut out: Vec<Delivery> = bad
            .into_iter()
            .map(|(file, e)| Delivery {
                file: format!("outbox/{file}"),
                ticket: None,
                message_id: None,
                to: Vec::new(),
                result: "failed",
                error: Some(e),
            })
            .collect();
        for q in queue {
            out.push(self.deliver(&q, transport)?);
        }
        Ok(out)
    }

    fn deliver(&self, q: &Queued, transport: &mut dyn Transport) -> Result<Delivery> {
        let mut d = Delivery {
            file: format!("outbox/{}", q.name),
            ticket: q.ticket.clone(),
            message_id: q.message_id.clone(),
            to: q.to.clone(),
            result: "sent",
            error: None,
        };
        match self.recorded(q) {
            Recorded::Sent => {
                remove(q)?;
                d.result = "removed";
                return Ok(d);
            }
            Recorded::Not(id) => {
                let aside = self.store.local_dir().join("unrecorded");
                crate::store::atomic::ensure_dir(&aside)?;
                std::fs::rename(&q.path, aside.join(&q.name)).map_err(|e| Error::io(&q.path, e))?;
                d.result = "held";
                d.error = Some(format!(
                    "ticket {id} does not record this message, so it was not sent; moved to .desk/unrecorded/{}",
                    q.name
                ));
                return Ok(d);
            }
            Recorded::Queued => {}
        }
        let bytes = std::fs::read(&q.path).map_err(|e| Error::io(&q.path, e))?;
        let sent = match (&q.from, q.to.is_empty()) {
            (None, _) => Err("the message has no From address".to_string()),
            (_, true) => Err("the message has no recipient".to_string()),
            (Some(from), false) => transport.send(from, &q.to, &bytes),
        };
        match sent {
            Ok(()) => {
                self.record(q, Ok(self.now))?;
                remove(q)?;
            }
            Err(e) => {
                self.record(q, Err(&e))?;
                d.result = "failed";
                d.error = Some(e);
            }
        }
        Ok(d)
    }

    /// What the message's ticket says of it. Mail of a deleted ticket, or with no
    /// ticket in its name, is sent as queued.
    fn recorded(&self, q: &Queued) -> Recorded {
        let Some(id) = &q.ticket else {
            return Recorded::Queued;
        };
        let Ok(t) = self.store.load_ticket(id) else {
            return Recorded::Queued;
        };
        let file = format!("outbox/{}", q.name);
        let record = t
            .mail
            .iter()
            .find(|m| m.file == file || Some(&m.message_id) == q.message_id.as_ref());
        match record {
            Some(m) if m.state == "sent" => Recorded::Sent,
            Some(_) => Recorded::Queued,
            None => Recorded::Not(id.clone()),
        }
    }

    /// Marks the ticket's record of the message sent, or counts a failed attempt.
    fn record(&self, q: &Queued, result: std::result::Result<DateTime<Utc>, &str>) -> Result<()> {
        let (Some(id), Some(mid)) = (&q.ticket, &q.message_id) else {
            return Ok(());
        };
        let _lock = self.store.lock()?;
        let mut t = match self.store.load_ticket(id) {
            Ok(t) => t,
            // The ticket was deleted meanwhile: the mail still goes out.
            Err(Error::NoTicket(_)) => return Ok(()),
            Err(e) => return Err(e),
        };
        let Some(r) = t.mail.iter_mut().find(|m| &m.message_id == mid) else {
            return Ok(());
        };
        match result {
            Ok(at) => {
                r.state = "sent".into();
                r.sent_at = Some(at);
                r.error = None;
                r.attempts += 1;
            }
            Err(e) => {
                r.attempts += 1;
                r.error = Some(e.to_string());
            }
        }
        self.store.save_ticket(&t)?;
        Ok(())
    }
}

enum Recorded {
    Queued,
    Sent,
    /// The ticket exists and has no record of the message: a killed command of an
    /// older desk left it, or a hand put it there.
    Not(String),
}

fn remove(q: &Queued) -> Result<()> {
    match std::fs::remove_file(&q.path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(&q.path, e)),
    }
}
