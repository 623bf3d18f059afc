//! Chats (`desk ingest json` with a `transcript`): one ticket per chat, with one message
//! per turn, each with its author and its own time, as a helpdesk that takes chats in
//! keeps them.
//!
//! - **Who said it.** A line is the customer's when its `from` is `customer`, or the
//!   payload's `from` address or `name`. It is an agent's when its `from` is `agent:ID`
//!   (an agent of desk.toml; an unknown ID is an error, with a did-you-mean), or the ID,
//!   name or address of an agent in desk.toml. Any other name answers for the helpdesk
//!   without an account in desk.toml (a chat bot, a colleague): the turn is a public
//!   reply by `system`, and the history notes the name. When no line is the customer's
//!   by those rules, the first other name is (an export that names people only).
//! - **When.** A line's `at` is an instant (as everywhere), or a time of day (`09:12`,
//!   `09:12:30`) in the helpdesk's time zone: on the day of the line before it (the next
//!   day if the clock went past midnight); the first line's on the day of the payload's
//!   `at` (when the chat was sent) or else of now, the day before if the time is later
//!   than that; a line before the first dated one on the day of the line after it. A
//!   line without `at` was said when the line before it was (the first ones: when the
//!   first line with a time was). Lines must not go back in time, nor lie more than five
//!   minutes after now (a little clock skew is taken as now).
//! - **What it becomes.** The customer's first turn opens the ticket (at its time, raising
//!   `ticket.created`); its subject is that turn's first line, shortened. Every later turn
//!   is added in the same order in one change, raising `customer.replied` or
//!   `agent.replied` at its own time, so the rules, the history and the SLA (an agent's
//!   first answer meets `first_reply` when it was said) see the chat as it happened.
//!   Agents' turns are public replies but queue no mail: they were said in the chat. Mail
//!   the rules ask for is queued once per recipient and template for the whole chat, as
//!   for any one change. Turns before the customer's first (a greeting the chat showed)
//!   are kept in front as automatic messages: they answer nothing, so they meet no SLA
//!   target.
//! - **Again.** Each turn has a Message-ID from the chat's (`id`, else the payload's
//!   content) and its place in the transcript: the same chat again adds nothing, and a
//!   longer transcript of a chat with an `id` adds only the turns not stored yet.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Inbound, Inbox, Landed, Landing, holds};
use crate::error::{Error, Result};
use crate::helpdesk::{Helpdesk, Outcome, RuleRun};
use crate::model::{Actor, HistoryEntry, Message, MessageKind, Settings};
use crate::pipeline::{Work, Write};
use crate::rules::RuleSet;
use crate::rules::event::{self as ev, Event, MessageCtx};
use crate::time::{local_to_utc, read_instant};

/// The keys of a transcript line.
pub const LINE_KEYS: [&str; 3] = ["from", "at", "text"];

/// A transcript line as the payload has it.
#[derive(Debug, Deserialize)]
pub struct Line {
    pub from: String,
    pub at: Option<String>,
    pub text: String,
}

/// Who said a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    Customer,
    /// An agent of desk.toml, by ID.
    Agent(String),
    /// Somebody answering for the helpdesk under a name desk.toml does not list.
    Unlisted(String),
}

/// One turn of a chat: who said what, when, under which Message-ID.
#[derive(Debug, Clone)]
pub struct Turn {
    pub speaker: Speaker,
    pub at: DateTime<Utc>,
    pub text: String,
    pub message_id: String,
}

/// How much later than now a chat line may say it was written (clocks differ a little).
const SKEW_MINUTES: i64 = 5;

/// What the payload says about the chat besides its lines.
pub struct About<'a> {
    /// The customer's address and name.
    pub from: Option<&'a str>,
    pub name: Option<&'a str>,
    /// A message the customer sent before the chat began (a pre-chat form's `body`).
    pub opening: Option<&'a str>,
    /// When the chat was sent: the day times of day are on.
    pub sent_at: Option<DateTime<Utc>>,
    /// The chat's Message-ID: the customer's first turn has it, the others derive theirs.
    pub message_id: &'a str,
}

/// The turns of a transcript, checked: each line's speaker and time, in order. A problem
/// names the line (`transcript[2].at`).
pub fn read(
    lines: &[Line],
    about: &About<'_>,
    s: &Settings,
    now: DateTime<Utc>,
) -> std::result::Result<Vec<Turn>, String> {
    if lines.is_empty() {
        return Err("`transcript` has no lines".into());
    }
    let tz = s.helpdesk.timezone;
    let speakers = speakers(lines, about, s)?;
    let times = times(lines, about.sent_at.unwrap_or(now), tz, now)?;
    let mut turns = Vec::new();
    // Whether the customer has spoken yet: their first turn has the chat's Message-ID.
    let mut spoken = false;
    if let Some(body) = about.opening.filter(|b| !b.trim().is_empty()) {
        spoken = true;
        turns.push(Turn {
            speaker: Speaker::Customer,
            at: times[0],
            text: body.trim().to_string(),
            message_id: about.message_id.to_string(),
        });
    }
    for (i, l) in lines.iter().enumerate() {
        // A line with nothing said (a file sent, somebody joining) is left out.
        if l.text.trim().is_empty() {
            continue;
        }
        let first_customer = speakers[i] == Speaker::Customer && !spoken;
        spoken |= first_customer;
        turns.push(Turn {
            speaker: speakers[i].clone(),
            at: times[i],
            text: l.text.trim().to_string(),
            message_id: if first_customer {
                about.message_id.to_string()
            } else {
                turn_id(about.message_id, i + 1)
            },
        });
    }
    if !spoken {
        return Err(
            "`transcript`: the customer says nothing (write `\"from\": \"customer\"`, or the payload's `from` or `name`, on the customer's lines)"
                .into(),
        );
    }
    Ok(turns)
}

/// The Message-ID of the `n`-th line of the chat whose Message-ID is `chat`.
fn turn_id(chat: &str, n: usize) -> String {
    let inner = chat.trim_matches(['<', '>']);
    match inner.rsplit_once('@') {
        Some((local, domain)) => format!("<{local}.t{n}@{domain}>"),
        None => format!("<{inner}.t{n}>"),
    }
}

/// Who said each line (see the module's rules).
fn speakers(
    lines: &[Line],
    about: &About<'_>,
    s: &Settings,
) -> std::result::Result<Vec<Speaker>, String> {
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    let mut out: Vec<Option<Speaker>> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let from = l.from.trim();
        if from.is_empty() {
            return Err(format!("`transcript[{i}].from` is empty"));
        }
        let who = if same(from, "customer") {
            Some(Speaker::Customer)
        } else if let Some(id) = from.strip_prefix("agent:") {
            let id = id.trim();
            s.check_agent(id)
                .map_err(|p| format!("`transcript[{i}].from`: {p}"))?;
            Some(Speaker::Agent(id.to_string()))
        } else if about.from.is_some_and(|f| same(f, from))
            || about.name.is_some_and(|n| same(n, from))
        {
            Some(Speaker::Customer)
        } else {
            s.agents
                .iter()
                .find(|a| {
                    same(&a.id, from)
                        || same(&a.name, from)
                        || a.email.as_deref().is_some_and(|e| same(e, from))
                })
                .map(|a| Speaker::Agent(a.id.clone()))
        };
        out.push(who);
    }
    // Nobody is the customer by name: the first name that is not an agent's is.
    let named = out.contains(&Some(Speaker::Customer));
    let customer = (!named)
        .then(|| {
            lines
                .iter()
                .zip(&out)
                .find(|(_, w)| w.is_none())
                .map(|(l, _)| l.from.trim().to_string())
        })
        .flatten();
    Ok(lines
        .iter()
        .zip(out)
        .map(|(l, w)| match w {
            Some(w) => w,
            None if customer.as_deref().is_some_and(|c| same(c, &l.from)) => Speaker::Customer,
            None => Speaker::Unlisted(l.from.trim().to_string()),
        })
        .collect())
}

/// A line's `at` as written.
enum When {
    At(DateTime<Utc>),
    Clock(NaiveTime),
    Unsaid,
}

/// Each line's instant (see the module's rules); `end` is when the chat was sent.
fn times(
    lines: &[Line],
    end: DateTime<Utc>,
    tz: Tz,
    now: DateTime<Utc>,
) -> std::result::Result<Vec<DateTime<Utc>>, String> {
    let key = |i: usize| format!("`transcript[{i}].at`");
    let mut whens = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let w = match l.at.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => When::Unsaid,
            Some(t) => match read_instant(t, tz) {
                Ok(at) => When::At(at),
                Err(m) => ["%H:%M", "%H:%M:%S"]
                    .iter()
                    .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
                    .map(When::Clock)
                    .ok_or_else(|| {
                        format!(
                            "{}: {m} (use a time like 2026-11-24T09:12:00Z, or 09:12 on the chat's day)",
                            key(i)
                        )
                    })?,
            },
        };
        whens.push(w);
    }
    // A time of day on the day of `anchor`, moved by `days`.
    let on = |anchor: DateTime<Utc>, clock: NaiveTime, days: i64, i: usize| {
        let day = anchor.with_timezone(&tz).date_naive() + chrono::Duration::days(days);
        local_to_utc(day.and_time(clock), tz)
            .ok_or_else(|| format!("{}: no such time on {day}", key(i)))
    };
    let mut at: Vec<Option<DateTime<Utc>>> = vec![None; whens.len()];
    let first_dated = whens.iter().position(|w| matches!(w, When::At(_)));
    // From the first dated line on (or from the first line, without one), a time of day
    // follows the line before it; the first one, without a line before it, is on the
    // day the chat was sent, the day before if it is later than that.
    let mut anchor: Option<DateTime<Utc>> = None;
    for i in first_dated.unwrap_or(0)..whens.len() {
        let t = match (&whens[i], anchor) {
            (When::At(t), _) => *t,
            (When::Clock(c), Some(a)) => {
                let t = on(a, *c, 0, i)?;
                if t < a { on(a, *c, 1, i)? } else { t }
            }
            (When::Clock(c), None) => {
                let t = on(end, *c, 0, i)?;
                if t > end { on(end, *c, -1, i)? } else { t }
            }
            (When::Unsaid, _) => continue,
        };
        anchor = Some(t);
        at[i] = Some(t);
    }
    // Before the first dated line, a time of day precedes the line after it.
    if let Some(f) = first_dated {
        let mut anchor = at[f].unwrap_or(end);
        for i in (0..f).rev() {
            if let When::Clock(c) = whens[i] {
                let mut t = on(anchor, c, 0, i)?;
                if t > anchor {
                    t = on(anchor, c, -1, i)?;
                }
                anchor = t;
                at[i] = Some(t);
            }
        }
    }
    // A line without a time was said when the one before it was; the first ones when
    // the first line with a time was.
    let first_known = at.iter().flatten().next().copied().unwrap_or(end);
    let mut last = first_known;
    let mut out = Vec::with_capacity(at.len());
    let latest = now + chrono::Duration::minutes(SKEW_MINUTES);
    for (i, t) in at.into_iter().enumerate() {
        let t = t.unwrap_or(last);
        if t > latest {
            return Err(format!(
                "{}: {} is in the future",
                key(i),
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        if t < last {
            return Err(format!(
                "{}: {} is before the line above it ({})",
                key(i),
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        last = t;
        out.push(t.min(now));
    }
    Ok(out)
}

/// One turn as a ticket records it.
pub struct Said {
    /// `customer.replied` or `agent.replied`; none for a turn kept before the ticket's
    /// first message (a greeting), which raises nothing.
    pub event: Option<&'static str>,
    pub actor: Actor,
    pub message: Message,
    /// For the history: a name desk.toml does not know.
    pub note: Option<String>,
}

impl Said {
    /// `turn` of a chat with the customer `from`; `before` for a turn that came before
    /// the customer's first.
    fn of(turn: &Turn, from: Option<&str>, before: bool) -> Said {
        let (actor, kind, event, note) = match &turn.speaker {
            Speaker::Customer => (
                from.map_or(Actor::System, |f| Actor::Customer(f.to_string())),
                MessageKind::Customer,
                ev::CUSTOMER_REPLIED,
                None,
            ),
            Speaker::Agent(id) => (
                Actor::Agent(id.clone()),
                MessageKind::Reply,
                ev::AGENT_REPLIED,
                None,
            ),
            Speaker::Unlisted(name) => (
                Actor::System,
                MessageKind::Reply,
                ev::AGENT_REPLIED,
                Some(format!("said in the chat as {name}")),
            ),
        };
        let (kind, event) = if before {
            (MessageKind::Auto, None)
        } else {
            (kind, Some(event))
        };
        let mut message = Message::new(turn.at, actor.to_string(), kind, turn.text.clone());
        message.message_id = Some(turn.message_id.clone());
        message.sent_at = Some(turn.at);
        Said {
            event,
            actor,
            message,
            note,
        }
    }
}

impl Helpdesk {
    /// Adds what was said in a chat to ticket `id`, in one change. Turns without an event
    /// go in front of the conversation (a greeting before the customer wrote); every
    /// other turn is added in order and raises its event at its own instant, so rules,
    /// history and SLA see the chat as it happened. The turns themselves queue no mail.
    pub fn add_chat(&self, id: &str, said: Vec<Said>, rules: &RuleSet) -> Result<Outcome> {
        let _lock = self.lock()?;
        let ticket = self.store.load_ticket(id)?;
        let customer = match &ticket.requester {
            Some(r) => self.store.load_customer(r)?,
            None => None,
        };
        let mut w = Work::existing(ticket, customer);
        // Every turn is a person's act.
        w.act = true;
        let (before, turns): (Vec<Said>, Vec<Said>) =
            said.into_iter().partition(|s| s.event.is_none());
        // In front, before any rule runs (the rules' mail refers to messages by place).
        w.ticket
            .messages
            .splice(0..0, before.into_iter().map(|s| s.message));
        for s in turns {
            let Some(event) = s.event else { continue };
            let at = s.message.at;
            let ctx = MessageCtx {
                body: s.message.body.clone(),
                from: s
                    .message
                    .author
                    .strip_prefix("customer:")
                    .map(str::to_string),
                to: match s.message.kind {
                    MessageKind::Reply => w.ticket.requester.clone(),
                    _ => None,
                },
                kind: s.message.kind,
                no_auto_reply: false,
            };
            w.ticket.messages.push(s.message);
            w.ticket.history.push(HistoryEntry {
                at,
                actor: s.actor,
                via: None,
                event: event.into(),
                changes: Vec::new(),
                note: s.note,
            });
            w.ticket.updated_at = w.ticket.updated_at.max(at);
            let how = RuleRun {
                at: Some(at),
                ..RuleRun::default()
            };
            let event = Event {
                message: Some(ctx),
                ..Event::new(event)
            };
            self.raise(&mut w, vec![event], rules, &how)?;
            self.settle_sla(&mut w, rules, at, &how, false)?;
            if w.deleted {
                break;
            }
        }
        self.finish(w, rules, Write::Existing)
    }
}

impl Inbox<'_> {
    /// Stores a chat: a new ticket opened by the customer's first turn with every other
    /// turn added, or the turns not stored yet added to the chat's ticket.
    pub(super) fn take_chat(&mut self, mut m: Inbound) -> Result<Landed> {
        let turns = std::mem::take(&mut m.chat);
        let from = m.from.clone();
        let found = match self.holder(&m.message_id)? {
            Some(t) => Some(t),
            None => self.thread_of(&m)?,
        };
        if let Some(ticket) = found {
            let stored = self.hd.store.load_ticket(&ticket)?;
            let said: Vec<Said> = turns
                .iter()
                .filter(|t| !holds(&stored, &t.message_id))
                .map(|t| Said::of(t, from.as_deref(), false))
                .collect();
            if said.is_empty() {
                return Ok(Landed {
                    landing: Landing::Duplicate(ticket),
                    problems: Vec::new(),
                });
            }
            let out = self.hd.add_chat(&ticket, said, &self.rules)?;
            self.remember(&m, &ticket);
            return Ok(Landed {
                landing: Landing::Added(ticket),
                problems: out.problems,
            });
        }
        let first = turns
            .iter()
            .position(|t| t.message_id == m.message_id)
            .ok_or_else(|| Error::invalid("a chat needs a line from the customer"))?;
        let mut landed = self.create(m)?;
        let Landing::Created(id) = &landed.landing else {
            return Ok(landed);
        };
        // A rule may have deleted the ticket it opened.
        if !crate::store::atomic::exists(&self.hd.store.ticket_path(id)) {
            return Ok(landed);
        }
        let said: Vec<Said> = turns
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != first)
            .map(|(i, t)| Said::of(t, from.as_deref(), i < first))
            .collect();
        if !said.is_empty() {
            let out = self.hd.add_chat(id, said, &self.rules)?;
            landed.problems.extend(out.problems);
        }
        Ok(landed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_ids_follow_the_chat_id() {
        assert_eq!(
            turn_id("<c-88@chat.desk.invalid>", 3),
            "<c-88.t3@chat.desk.invalid>"
        );
        assert_eq!(turn_id("<x>", 2), "<x.t2>");
    }
}
