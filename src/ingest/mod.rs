//! One inbox for every channel: mail, web forms, chat and imports arrive as an
//! [`Inbound`] message and take the same path. A message already stored is recognised
//! by its Message-ID and adds nothing; a reply joins its ticket by the Message-IDs it
//! answers or the `[#ID]` tag in its subject; a bounce becomes an internal note on the
//! ticket whose mail bounced; anything else opens a ticket. Tickets are created and
//! changed through [`Helpdesk::create_with`] and [`Helpdesk::append`], so the same
//! `ticket.created` and `customer.replied` events reach the same rules.

pub mod batch;
pub mod chat;
pub mod csv;
pub mod form;
pub mod problems;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::helpdesk::{Arrival, Helpdesk, NewTicket, Origin};
use crate::mail::incoming::{Incoming, Part};
use crate::model::Actor;
use crate::model::id::is_full_id;
use crate::model::ticket::mail_key;
use crate::model::{Message, MessageKind, Ticket};
use crate::rules::RuleSet;
use crate::rules::event as ev;

/// A message from any channel.
#[derive(Debug, Clone, Default)]
pub struct Inbound {
    /// `email`, `web`, `chat`, `import`...
    pub channel: String,
    pub message_id: String,
    /// Message-IDs it answers, most specific first.
    pub thread: Vec<String>,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub name: Option<String>,
    /// The address it was sent to.
    pub to: Option<String>,
    /// Who follows the ticket because of it: for mail, the others it was sent to (To
    /// and Cc) and its sender. The ticket's requester among them is left out.
    pub cc: Vec<String>,
    pub body: String,
    /// A chat's turns in order, the customer's first among them (it has this
    /// Message-ID and `body`); empty for anything else.
    pub chat: Vec<chat::Turn>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Why a machine sent it, if one did: no automatic answer goes back.
    pub auto: Option<String>,
    /// A delivery report, with the Message-IDs of the mail that bounced.
    pub bounce: Option<Vec<String>>,
    pub files: Vec<Part>,
    /// What a form or an import says about the ticket.
    pub department: Option<String>,
    pub shop: Option<String>,
    pub kind: Option<String>,
    pub priority: Option<String>,
    pub tags: Vec<String>,
    pub fields: Vec<(String, String)>,
    /// For imports of past tickets: when it was opened, and by whom it is assigned.
    pub created_at: Option<DateTime<Utc>>,
    pub assignee: Option<String>,
    pub status: Option<String>,
    /// How the channel read something it records in the history of the message's
    /// arrival (the customer's address taken from Reply-To).
    pub note: Option<String>,
}

impl Inbound {
    /// A decoded mail, sent to the first of `recipients` that is the helpdesk's (or
    /// simply the first).
    pub fn from_mail(m: Incoming, hd: &Helpdesk) -> Inbound {
        let to = addressed_to(&m.recipients, hd);
        // Mail to a department's own address starts in that department; rules may move it.
        let department = to.as_deref().and_then(|to| {
            hd.settings
                .departments
                .iter()
                .find(|d| d.address.as_deref() == Some(to))
                .map(|d| d.id.clone())
        });
        // A sender address the helpdesk cannot use still leaves the mail stored, without
        // a requester, rather than lost.
        let from = m
            .from
            .as_deref()
            .and_then(|f| crate::model::customer::validate_email(f).ok());
        let note = m
            .from_header
            .filter(|_| from.is_some())
            .map(|h| format!("the customer's address is from {h}: From has no usable one"))
            .into_iter()
            .chain(m.cut.iter().cloned())
            .collect::<Vec<_>>();
        let note = (!note.is_empty()).then(|| note.join("; "));
        // Mail that has been through this helpdesk before (its own address in X-Loop) is
        // not answered again.
        let auto = m.auto.or_else(|| {
            m.loops
                .iter()
                .find(|l| {
                    l.split(|c: char| c.is_whitespace() || ",;<>".contains(c))
                        .any(|a| crate::mail::safety::is_own_address(a, &hd.settings))
                })
                .map(|l| format!("X-Loop: {l}"))
        });
        // A machine's Cc (a mailing list's address) is never copied on replies.
        let cc = match (&auto, &m.bounce) {
            (None, None) => followers(m.cc.iter().chain(&from), to.as_deref(), hd),
            _ => Vec::new(),
        };
        Inbound {
            department,
            channel: "email".into(),
            message_id: m.message_id,
            thread: m.thread,
            subject: m.subject,
            from,
            name: m.name,
            to,
            cc,
            body: m.body,
            // A Date: outside the years desk handles is garbage, not a time to keep.
            sent_at: m.date.filter(|d| crate::time::in_range(*d)),
            auto,
            note,
            bounce: m.bounce,
            files: m.attachments,
            ..Inbound::default()
        }
    }
}

/// Which recipient the mail was for: the envelope recipient if the MTA said, else the
/// first address that is the helpdesk's or in its domain, else the first one.
fn addressed_to(recipients: &[String], hd: &Helpdesk) -> Option<String> {
    let s = &hd.settings;
    let own: Vec<&str> = s
        .helpdesk
        .address
        .iter()
        .map(String::as_str)
        .chain(s.departments.iter().filter_map(|d| d.address.as_deref()))
        .collect();
    let domains: Vec<&str> = own.iter().filter_map(|a| a.split('@').nth(1)).collect();
    recipients
        .iter()
        .find(|r| own.contains(&r.as_str()))
        .or_else(|| {
            recipients
                .iter()
                .find(|r| r.split('@').nth(1).is_some_and(|d| domains.contains(&d)))
        })
        .or_else(|| recipients.first())
        .cloned()
}

/// The followers among a mail's sender and other recipients: not the helpdesk's own
/// addresses or the one it came to, not its agents' (they follow tickets in desk), not
/// robots'.
fn followers<'a>(
    addrs: impl Iterator<Item = &'a String>,
    to: Option<&str>,
    hd: &Helpdesk,
) -> Vec<String> {
    let s = &hd.settings;
    addrs
        .filter_map(|a| crate::model::customer::validate_email(a).ok())
        .filter(|a| Some(a.as_str()) != to)
        .filter(|a| {
            !s.agents.iter().any(|g| {
                g.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(a))
            })
        })
        .filter(|a| crate::mail::safety::refuse_auto_mail(a, s).is_none())
        .collect()
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    Created(String),
    Added(String),
    Duplicate(String),
    Bounce(String),
    Skipped(String),
}

impl Landing {
    pub fn word(&self) -> &'static str {
        match self {
            Landing::Created(_) => "created",
            Landing::Added(_) => "added",
            Landing::Duplicate(_) => "duplicate",
            Landing::Bounce(_) => "bounce",
            Landing::Skipped(_) => "skipped",
        }
    }

    pub fn ticket(&self) -> Option<&str> {
        match self {
            Landing::Created(t)
            | Landing::Added(t)
            | Landing::Duplicate(t)
            | Landing::Bounce(t) => Some(t),
            Landing::Skipped(_) => None,
        }
    }
}

/// The result for one message, with what the rules could not do.
pub struct Landed {
    pub landing: Landing,
    pub problems: Vec<String>,
}

/// An ingest run: the helpdesk locked, the rules loaded once, and every stored
/// Message-ID known by its key.
pub struct Inbox<'a> {
    hd: &'a Helpdesk,
    rules: RuleSet,
    keys: HashMap<u64, Vec<String>>,
    domains: Vec<String>,
}

impl<'a> Inbox<'a> {
    /// Locks the helpdesk for the run and reads which ticket holds which message (from
    /// the listing cache, checked against every file as always).
    pub fn open(hd: &'a Helpdesk) -> Result<Inbox<'a>> {
        let rules = hd.rules()?;
        hd.hold()?;
        let scan = hd.store.scan()?;
        let mut keys: HashMap<u64, Vec<String>> = HashMap::new();
        for s in &scan.tickets {
            for k in &s.mail_keys {
                keys.entry(*k).or_default().push(s.id.clone());
            }
        }
        let s = &hd.settings;
        let mut domains: Vec<String> = s
            .helpdesk
            .address
            .iter()
            .chain(s.departments.iter().filter_map(|d| d.address.as_ref()))
            .filter_map(|a| a.split('@').nth(1))
            .map(str::to_lowercase)
            .collect();
        domains.sort();
        domains.dedup();
        Ok(Inbox {
            hd,
            rules,
            keys,
            domains,
        })
    }

    /// The ticket holding a message with this Message-ID: one that stored it, or the
    /// ticket named in a Message-ID this helpdesk made (`<TICKET.RANDOM@DOMAIN>`), which
    /// covers notifications that are not kept on the ticket. A ticket merged away stands
    /// for the one it was merged into.
    fn holder(&self, message_id: &str) -> Result<Option<String>> {
        if let Some(t) = self.keyed(message_id, |t| holds(t, message_id))? {
            return Ok(Some(t));
        }
        let inner = message_id.trim_matches(['<', '>']);
        if let Some((local, domain)) = inner.rsplit_once('@')
            && self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
            && let Some((ticket, _)) = local.split_once('.')
            && is_full_id(ticket)
            && crate::store::atomic::exists(&self.hd.store.ticket_path(ticket))
        {
            return self.hd.store.live(ticket).map(Some);
        }
        Ok(None)
    }

    /// A ticket with a message that answers `message_id` or shares a reference with it:
    /// the reply came first, or both answer a message the helpdesk never saw.
    fn referrer(&self, message_id: &str) -> Result<Option<String>> {
        self.keyed(message_id, |t| {
            t.messages
                .iter()
                .any(|m| m.references.iter().any(|r| r == message_id))
        })
    }

    /// The first ticket under the Message-ID's key for which `test` holds (keys may
    /// collide, and a key stands for IDs held and IDs answered alike); if it was merged
    /// away, the ticket its conversation goes on in.
    fn keyed(&self, message_id: &str, test: impl Fn(&Ticket) -> bool) -> Result<Option<String>> {
        for id in self.keys.get(&mail_key(message_id)).into_iter().flatten() {
            match self.hd.store.load_ticket(id) {
                Ok(t) if test(&t) => {
                    return match t.merged_into {
                        Some(_) => self.hd.store.live(id).map(Some),
                        None => Ok(Some(id.clone())),
                    };
                }
                Ok(_) | Err(Error::NoTicket(_)) | Err(Error::Corrupt { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    fn remember(&mut self, m: &Inbound, ticket: &str) {
        for id in std::iter::once(&m.message_id).chain(m.thread.iter()) {
            let e = self.keys.entry(mail_key(id)).or_default();
            if !e.iter().any(|t| t == ticket) {
                e.push(ticket.to_string());
            }
        }
    }

    /// The ticket a message belongs to: one holding a message it answers, one holding a
    /// reply to it or a message answering the same one, or the ticket its subject tags.
    /// Each of them follows a ticket merged away to the one it was merged into.
    fn thread_of(&self, m: &Inbound) -> Result<Option<String>> {
        for id in &m.thread {
            if let Some(t) = self.holder(id)? {
                return Ok(Some(t));
            }
        }
        for id in std::iter::once(&m.message_id).chain(m.thread.iter()) {
            if let Some(t) = self.referrer(id)? {
                return Ok(Some(t));
            }
        }
        if let Some(subject) = &m.subject {
            for tag in subject_tags(subject) {
                if crate::store::atomic::exists(&self.hd.store.ticket_path(&tag)) {
                    return self.hd.store.live(&tag).map(Some);
                }
            }
        }
        Ok(None)
    }

    /// Stores one message.
    pub fn take(&mut self, mut m: Inbound) -> Result<Landed> {
        if !m.chat.is_empty() {
            return self.take_chat(m);
        }
        if let Some(t) = self.holder(&m.message_id)? {
            return Ok(Landed {
                landing: Landing::Duplicate(t),
                problems: Vec::new(),
            });
        }
        if let Some(bounced) = &m.bounce {
            let mut found = None;
            for id in bounced {
                if let Some(t) = self.holder(id)? {
                    found = Some(t);
                    break;
                }
            }
            let Some(ticket) = found else {
                return Ok(Landed {
                    landing: Landing::Skipped(
                        "a delivery report for mail this helpdesk did not send".into(),
                    ),
                    problems: Vec::new(),
                });
            };
            let mut note = self.message(&m, MessageKind::Note, "system".into());
            let who = m.from.as_deref().unwrap_or("a mail system");
            note.body = format!("Delivery failed (report from {who}):\n\n{}", m.body);
            let problems = self.add(&ticket, &mut m, ev::NOTE_ADDED, Actor::System, note)?;
            return Ok(Landed {
                landing: Landing::Bounce(ticket),
                problems,
            });
        }
        if let Some(ticket) = self.thread_of(&m)? {
            // Mail from one of the agents (answering a notification) is kept as their
            // internal note: nothing goes to the customer without a deliberate reply.
            let agent = m.from.as_deref().and_then(|f| {
                self.hd
                    .settings
                    .agents
                    .iter()
                    .find(|a| {
                        a.email
                            .as_deref()
                            .is_some_and(|e| e.eq_ignore_ascii_case(f))
                    })
                    .map(|a| a.id.clone())
            });
            let (event, actor, kind) = match (agent, &m.from) {
                (Some(a), _) => (ev::NOTE_ADDED, Actor::Agent(a), MessageKind::Note),
                (None, Some(f)) => (
                    ev::CUSTOMER_REPLIED,
                    Actor::Customer(f.clone()),
                    MessageKind::Customer,
                ),
                (None, None) => (ev::CUSTOMER_REPLIED, Actor::System, MessageKind::Customer),
            };
            // A customer's reply brings its Cc along, and its sender when that is not
            // the requester: they follow the conversation from now on. An agent's does not.
            if kind != MessageKind::Customer {
                m.cc.clear();
            }
            let message = self.message(&m, kind, actor.to_string());
            let problems = self.add(&ticket, &mut m, event, actor, message)?;
            return Ok(Landed {
                landing: Landing::Added(ticket),
                problems,
            });
        }
        self.create(m)
    }

    /// Adds the message to an existing ticket; returns what the rules could not do.
    fn add(
        &mut self,
        ticket: &str,
        m: &mut Inbound,
        event: &str,
        actor: Actor,
        message: Message,
    ) -> Result<Vec<String>> {
        let out = self.hd.append(
            ticket,
            Arrival {
                event: event.into(),
                actor,
                message,
                files: std::mem::take(&mut m.files),
                to: m.to.clone(),
                cc: std::mem::take(&mut m.cc),
                note: m.note.take(),
            },
            &self.rules,
        )?;
        self.remember(m, ticket);
        Ok(out.problems)
    }

    fn create(&mut self, m: Inbound) -> Result<Landed> {
        let author = match &m.from {
            Some(f) => format!("customer:{f}"),
            None => "system".into(),
        };
        // Mail sent within the last day opens its ticket at the instant it was sent, with
        // an ID derived from its Message-ID: two clones that ingest the same mail make
        // the same ticket, which git merges as one. Older mail (an archive), or a Date
        // that is off, opens it now, as before.
        let fresh = |d: &DateTime<Utc>| {
            *d <= self.hd.now + chrono::Duration::minutes(5)
                && *d >= self.hd.now - chrono::Duration::days(1)
        };
        let at = m.created_at.or(m.sent_at.filter(fresh));
        let message = self.message_at(&m, MessageKind::Customer, author, at.unwrap_or(self.hd.now));
        let remembered = Inbound {
            message_id: m.message_id.clone(),
            thread: m.thread.clone(),
            ..Inbound::default()
        };
        let new = NewTicket {
            subject: m.subject.clone().unwrap_or_else(|| "(no subject)".into()),
            body: None,
            from: m.from.clone(),
            name: m.name.clone(),
            channel: Some(m.channel.clone()),
            shop: m.shop.clone(),
            kind: m.kind.clone(),
            department: m.department.clone(),
            priority: m.priority.clone(),
            assignee: m.assignee.clone(),
            tags: m.tags.clone(),
            fields: m.fields.clone(),
            // Kept even when empty: its Message-ID makes the next ingest a no-op.
            message: Some(message),
            files: m.files,
            to: m.to.clone(),
            cc: m.cc.clone(),
            note: m.note.clone(),
        };
        let id = match (m.channel.as_str(), at) {
            ("email", Some(at)) => crate::model::id::for_message(&m.message_id, at.timestamp())
                .filter(|id| !self.hd.store.ticket_path(id).exists()),
            _ => None,
        };
        let origin = Origin {
            at,
            id,
            ..Origin::default()
        };
        let out = self.hd.create_with(new, &self.rules, &origin)?;
        let id = out.ticket.id.clone();
        self.remember(&remembered, &id);
        if let Some(status) = &m.status {
            self.hd
                .update(&id, ev::UPDATED, |e| e.set("status", status))?;
        }
        Ok(Landed {
            landing: Landing::Created(id),
            problems: out.problems,
        })
    }

    fn message(&self, m: &Inbound, kind: MessageKind, author: String) -> Message {
        let at = m.created_at.unwrap_or(self.hd.now);
        self.message_at(m, kind, author, at)
    }

    fn message_at(
        &self,
        m: &Inbound,
        kind: MessageKind,
        author: String,
        at: DateTime<Utc>,
    ) -> Message {
        let mut msg = Message::new(at, author, kind, m.body.clone());
        msg.message_id = Some(m.message_id.clone());
        msg.references = m.thread.clone();
        msg.subject = m.subject.clone();
        msg.to = m.to.clone();
        msg.sent_at = m.sent_at;
        msg.auto = m.auto.is_some() || m.bounce.is_some();
        msg
    }

    /// Ends the run: the lock is released.
    /// After a batch is on disk (or failed to be): its mail goes to outbox/ (or is
    /// forgotten with the batch).
    pub fn batch_stored(&self, stored: bool) -> Result<()> {
        self.hd.store.batch_noted(stored);
        if stored {
            self.hd.release_staged()
        } else {
            self.hd.forget_staged();
            Ok(())
        }
    }

    pub fn close(self) {
        self.hd.end_batch();
        self.hd.release();
    }
}

fn holds(t: &Ticket, message_id: &str) -> bool {
    t.messages
        .iter()
        .any(|m| m.message_id.as_deref() == Some(message_id))
}

/// Ticket IDs tagged `[#ID]` in a subject.
fn subject_tags(subject: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = subject;
    while let Some(i) = rest.find("[#") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(']') {
            let id = rest[..end].trim().to_lowercase();
            if is_full_id(&id) {
                out.push(id);
            }
        }
    }
    out
}
