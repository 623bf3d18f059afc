//! Trying the rules on a ticket without changing anything: an existing ticket, or a
//! draft of one that does not exist yet, meets an event, and the rules run through
//! [`Helpdesk::what_if`] with every rule traced. `desk rules test` prints the result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::helpdesk::{Helpdesk, Outcome};
use crate::model::customer::validate_email;
use crate::model::{Edit, MessageKind, Priority, Settings, Ticket};
use crate::rules::engine::RuleTrace;
use crate::rules::event::{self as ev, Event, MessageCtx};
use crate::rules::ruleset::EVENTS;

/// The ticket the rules are tried on.
#[derive(Debug, Clone)]
pub enum RulesTarget {
    /// A stored ticket: its ID or a unique prefix.
    Ticket(String),
    /// A JSON draft of a ticket that does not exist yet, in this file (`-`: standard
    /// input).
    Draft(PathBuf),
}

/// What the rules would do with one event on one ticket.
pub struct RulesTest {
    /// The ticket as it was before the rules ran (a draft's ID is `draft`).
    pub before: Ticket,
    /// The event tried.
    pub event: String,
    /// Every rule that listens to the event, or to one an earlier rule raised, with
    /// what it did and why.
    pub trace: Vec<RuleTrace>,
    /// The rules that were not asked: they listen to other events only.
    pub not_listening: Vec<String>,
    /// The rules switched off (`enabled = false`).
    pub disabled: Vec<String>,
    /// The ticket as the rules would leave it, and the mail they would queue.
    pub outcome: Outcome,
}

/// A ticket that does not exist yet, as a manager writes it to try the rules.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Draft {
    subject: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    shop: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    cc: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// The ticket a draft file describes, checked against desk.toml as `desk new` would,
/// and the address its first message was sent to.
fn draft_ticket(
    path: &Path,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<(Ticket, Option<String>)> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?
    };
    let d: Draft = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        message: format!("not a ticket draft: {e}"),
    })?;
    let kind = d.kind.unwrap_or_else(|| "ticket".into());
    settings.check_type(&kind).map_err(Error::invalid)?;
    let initial = settings
        .ticket_type(&kind)
        .map(|t| t.initial_status().to_string())
        .unwrap_or_else(|| "new".into());
    let requester = d
        .from
        .as_deref()
        .map(validate_email)
        .transpose()
        .map_err(Error::invalid)?;
    let mut t = Ticket {
        id: "draft".into(),
        subject: d.subject,
        kind,
        status: initial,
        priority: Priority::default(),
        department: None,
        assignee: None,
        requester: requester.clone(),
        cc: Vec::new(),
        shop: None,
        channel: d.channel.unwrap_or_else(|| "email".into()),
        tags: Vec::new(),
        fields: BTreeMap::new(),
        created_at: now,
        updated_at: now,
        snoozed_until: None,
        merged_into: None,
        sla: None,
        messages: Vec::new(),
        history: Vec::new(),
        time_rules: BTreeMap::new(),
        mail: Vec::new(),
    };
    {
        let mut e = Edit::new(&mut t, settings, now);
        for (k, v) in [
            ("department", d.department),
            ("priority", d.priority),
            ("shop", d.shop),
            ("status", d.status),
            ("assignee", d.assignee),
        ] {
            if let Some(v) = v {
                e.set(k, &v)?;
            }
        }
        for tag in &d.tags {
            e.add_tag(tag)?;
        }
        for a in &d.cc {
            e.add_cc(a)?;
        }
        for (k, v) in &d.fields {
            e.set(&format!("fields.{k}"), v)?;
        }
        e.author = requester
            .as_ref()
            .map_or("system".into(), |r| format!("customer:{r}"));
        if let Some(b) = &d.body {
            e.add_message(
                if requester.is_some() {
                    MessageKind::Customer
                } else {
                    MessageKind::Note
                },
                b,
                None,
            )?;
        }
    }
    Ok((t, d.to))
}

impl Helpdesk {
    /// Runs the rules on `target` for the event `event` (default `ticket.created`),
    /// writing nothing. Scripts the rules name really run, to show what they return.
    pub fn test_rules(&self, target: &RulesTarget, event: Option<&str>) -> Result<RulesTest> {
        let rules = self.rules()?;
        let event_name = event.unwrap_or(ev::CREATED).to_string();
        if !EVENTS.contains(&event_name.as_str()) {
            return Err(Error::invalid(crate::error::Problem::near(
                format!("unknown event `{event_name}`"),
                &event_name,
                EVENTS,
            )));
        }
        let (ticket, to) = match target {
            RulesTarget::Ticket(id) => {
                let id = self.store.resolve(id)?;
                (self.store.load_ticket(&id)?, None)
            }
            RulesTarget::Draft(path) => draft_ticket(path, &self.settings, self.now)?,
        };
        let before = ticket.clone();
        let customer = match &ticket.requester {
            Some(r) => self.store.load_customer(r).unwrap_or(None),
            None => None,
        };
        // The message behind the event: the first customer message for a new ticket, the
        // latest one for a reply.
        let msg = if event_name == ev::CREATED {
            ticket.messages.first()
        } else {
            ticket.messages.last()
        };
        let event = Event {
            name: event_name.clone(),
            target: None,
            message: msg.map(|m| MessageCtx {
                body: m.body.clone(),
                from: m.author.strip_prefix("customer:").map(str::to_string),
                to: to.clone().or_else(|| m.to.clone()),
                kind: m.kind,
                no_auto_reply: m.auto,
            }),
            changes: Vec::new(),
        };
        let (trace, outcome) = self.what_if(ticket, customer, event, &rules)?;
        let not_listening = rules
            .rules
            .iter()
            .filter(|r| !trace.iter().any(|t| t.rule == r.name))
            .map(|r| r.name.clone())
            .collect();
        Ok(RulesTest {
            before,
            event: event_name,
            trace,
            not_listening,
            disabled: rules.disabled.iter().map(|r| r.name.clone()).collect(),
            outcome,
        })
    }
}
