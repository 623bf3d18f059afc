//! The one path every change to a ticket takes: lock, load, apply, record, save.
//! Commands (and later ingestion, rules and tick) describe what to change; this module
//! validates it against desk.toml, records each change in the history with its actor
//! and event, and writes the file atomically.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::customer::validate_email;
use crate::model::settings::Category;
use crate::model::ticket::normalize_tag;
use crate::model::{
    Change, Customer, HistoryEntry, Message, MessageKind, Priority, Settings, Ticket,
};
use crate::store::Store;
use crate::time::{now_from_system, parse_instant};

/// Events (DESIGN §4) raised by changes; the rule engine listens for these.
pub mod event {
    pub const CREATED: &str = "ticket.created";
    pub const CUSTOMER_REPLIED: &str = "customer.replied";
    pub const AGENT_REPLIED: &str = "agent.replied";
    pub const NOTE_ADDED: &str = "note.added";
    pub const UPDATED: &str = "ticket.updated";
    pub const STATUS_CHANGED: &str = "status.changed";
    pub const ASSIGNED: &str = "ticket.assigned";
    pub const DEPARTMENT_CHANGED: &str = "department.changed";
}

/// An open helpdesk: where it is, its settings, the clock and who is acting.
pub struct Helpdesk {
    pub store: Store,
    pub settings: Settings,
    pub now: DateTime<Utc>,
    /// `agent:ID` or `system`.
    pub actor: String,
}

/// What `desk new` (and later every channel) knows about a new ticket.
#[derive(Debug, Default, Clone)]
pub struct NewTicket {
    pub subject: String,
    pub body: Option<String>,
    pub from: Option<String>,
    pub name: Option<String>,
    pub channel: Option<String>,
    pub shop: Option<String>,
    pub kind: Option<String>,
    pub department: Option<String>,
    pub priority: Option<String>,
    pub tags: Vec<String>,
    pub fields: Vec<(String, String)>,
}

/// What an update did: the ticket after it, and the events it raised.
pub struct Outcome {
    pub ticket: Ticket,
    pub events: Vec<String>,
    pub changed: bool,
}

impl Helpdesk {
    /// Opens the helpdesk at or above `start`, with the clock pinned by `now` if given
    /// and the actor named by `agent` (which must be an agent of desk.toml).
    pub fn open(start: &Path, now: Option<&str>, agent: Option<&str>) -> Result<Helpdesk> {
        let store = Store::discover(start)?;
        let settings = Settings::load(store.root())?;
        let now = match now.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => parse_instant(s, settings.helpdesk.timezone).ok_or_else(|| {
                Error::Usage(format!("--now/DESK_NOW: cannot read `{s}` as a time (use RFC 3339, like 2026-11-24T09:00:00Z)"))
            })?,
            None => now_from_system(),
        };
        let actor = match agent.map(str::trim).filter(|s| !s.is_empty() && *s != "system") {
            Some(a) => {
                let a = a.strip_prefix("agent:").unwrap_or(a);
                settings
                    .check_agent(a)
                    .map_err(|m| Error::Invalid(format!("--as/DESK_AGENT: {m}")))?;
                format!("agent:{a}")
            }
            None => "system".to_string(),
        };
        Ok(Helpdesk {
            store,
            settings,
            now,
            actor,
        })
    }

    /// Creates a ticket (and its customer on first contact). Raises `ticket.created`.
    pub fn create(&self, new: NewTicket) -> Result<Ticket> {
        let subject = new.subject.trim().to_string();
        if subject.is_empty() {
            return Err(Error::Invalid("a ticket needs a subject".into()));
        }
        let kind = new.kind.unwrap_or_else(|| "ticket".into());
        self.settings.check_type(&kind).map_err(Error::Invalid)?;
        let ttype = self
            .settings
            .ticket_type(&kind)
            .ok_or_else(|| Error::Invalid(format!("unknown ticket type `{kind}`")))?;
        let requester = new
            .from
            .as_deref()
            .map(validate_email)
            .transpose()
            .map_err(Error::Invalid)?;
        let mut ticket = Ticket {
            id: String::new(),
            subject,
            kind: kind.clone(),
            status: ttype.initial_status().to_string(),
            priority: Priority::default(),
            department: None,
            assignee: None,
            requester: requester.clone(),
            shop: None,
            channel: new.channel.unwrap_or_else(|| "manual".into()),
            tags: Vec::new(),
            fields: BTreeMap::new(),
            created_at: self.now,
            updated_at: self.now,
            snoozed_until: None,
            sla: None,
            messages: Vec::new(),
            history: Vec::new(),
        };
        // Validate everything through the same setters as `desk set`, before touching disk.
        {
            let mut edit = Edit::new(&mut ticket, &self.settings, self.now);
            if let Some(d) = new.department {
                edit.set("department", &d)?;
            }
            if let Some(p) = new.priority {
                edit.set("priority", &p)?;
            }
            if let Some(s) = new.shop {
                edit.set("shop", &s)?;
            }
            for t in &new.tags {
                edit.add_tag(t)?;
            }
            for (k, v) in &new.fields {
                edit.set(&format!("fields.{k}"), v)?;
            }
        }
        if ticket.channel.trim().is_empty() {
            return Err(Error::Invalid("the channel must not be empty".into()));
        }
        if let Some(body) = new.body.filter(|b| !b.trim().is_empty()) {
            let (author, kind) = match &requester {
                Some(r) => (format!("customer:{r}"), MessageKind::Customer),
                None => (self.actor.clone(), MessageKind::Note),
            };
            ticket.messages.push(Message {
                at: self.now,
                author,
                kind,
                body,
                message_id: None,
            });
        }
        ticket.history.push(HistoryEntry {
            at: self.now,
            actor: self.actor.clone(),
            event: event::CREATED.into(),
            changes: Vec::new(),
        });

        let _lock = self.store.lock()?;
        if let Some(email) = &requester {
            self.touch_customer(email, new.name.as_deref())?;
        }
        ticket.id = self.store.next_id(self.now)?;
        self.store.create_ticket(&ticket)?;
        Ok(ticket)
    }

    /// Creates the customer record on first contact; fills in a missing name later.
    fn touch_customer(&self, email: &str, name: Option<&str>) -> Result<()> {
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        let customer = match self.store.load_customer(email)? {
            Some(mut c) => {
                if c.name.is_none() && name.is_some() {
                    c.name = name.map(str::to_string);
                }
                c
            }
            None => Customer::new(email, name, self.now),
        };
        self.store.save_customer(&customer)?;
        Ok(())
    }

    /// Changes one ticket under the lock: `apply` edits it; every change is recorded in
    /// the history under `event`, and the file is written only if something changed.
    pub fn update(
        &self,
        given_id: &str,
        event: &str,
        apply: impl FnOnce(&mut Edit<'_>) -> Result<()>,
    ) -> Result<Outcome> {
        let id = self.store.resolve(given_id)?;
        let _lock = self.store.lock()?;
        let mut ticket = self.store.load_ticket(&id)?;
        let (changes, messages) = {
            let mut edit = Edit::new(&mut ticket, &self.settings, self.now);
            edit.author = self.actor.clone();
            apply(&mut edit)?;
            (edit.finish(), edit.messages_added)
        };
        if changes.is_empty() && messages.is_empty() {
            return Ok(Outcome {
                ticket,
                events: Vec::new(),
                changed: false,
            });
        }
        let mut events = vec![event.to_string()];
        for c in &changes {
            let e = match c.field.as_str() {
                "status" => event::STATUS_CHANGED,
                "assignee" => event::ASSIGNED,
                "department" => event::DEPARTMENT_CHANGED,
                _ => event::UPDATED,
            };
            if !events.iter().any(|x| x == e) {
                events.push(e.to_string());
            }
        }
        if let Some(r) = changes.iter().find(|c| c.field == "requester")
            && let Some(email) = r.to.as_str()
        {
            self.touch_customer(email, None)?;
        }
        ticket.history.push(HistoryEntry {
            at: self.now,
            actor: self.actor.clone(),
            event: event.to_string(),
            changes,
        });
        ticket.updated_at = self.now;
        self.store.save_ticket(&ticket)?;
        Ok(Outcome {
            ticket,
            events,
            changed: true,
        })
    }

    /// The department's agents who are not away, least loaded first (open tickets
    /// assigned to them), ties in desk.toml order.
    pub fn least_loaded(&self, department: &str) -> Result<Option<String>> {
        let candidates: Vec<&str> = self
            .settings
            .agents
            .iter()
            .filter(|a| !a.away && a.departments.iter().any(|d| d == department))
            .map(|a| a.id.as_str())
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let scan = self.store.scan()?;
        let mut load: HashMap<&str, usize> = candidates.iter().map(|c| (*c, 0)).collect();
        for t in &scan.tickets {
            if let Some(a) = t.assignee.as_deref()
                && let Some(n) = load.get_mut(a)
                && !self.settings.category(&t.kind, &t.status).is_done()
            {
                *n += 1;
            }
        }
        Ok(candidates
            .iter()
            .min_by_key(|c| load.get(*c).copied().unwrap_or(0))
            .map(|c| c.to_string()))
    }
}

fn opt_value(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// Changes being made to one ticket, validated against desk.toml and recorded.
pub struct Edit<'a> {
    pub ticket: &'a mut Ticket,
    settings: &'a Settings,
    at: DateTime<Utc>,
    author: String,
    changes: Vec<Change>,
    messages_added: Vec<MessageKind>,
}

impl<'a> Edit<'a> {
    fn new(ticket: &'a mut Ticket, settings: &'a Settings, at: DateTime<Utc>) -> Self {
        Edit {
            ticket,
            settings,
            at,
            author: "system".into(),
            changes: Vec::new(),
            messages_added: Vec::new(),
        }
    }

    pub fn settings(&self) -> &Settings {
        self.settings
    }

    /// Records a change, merging repeated changes of one field into one from → to.
    fn record(&mut self, field: &str, from: Value, to: Value) {
        if let Some(c) = self.changes.iter_mut().find(|c| c.field == field) {
            c.to = to;
        } else if from != to {
            self.changes.push(Change {
                field: field.to_string(),
                from,
                to,
            });
        }
    }

    fn finish(&mut self) -> Vec<Change> {
        self.changes.retain(|c| c.from != c.to);
        std::mem::take(&mut self.changes)
    }

    /// Sets `FIELD=VALUE` as `desk set` and rule actions do; an empty value clears.
    pub fn set(&mut self, field: &str, value: &str) -> Result<()> {
        let value = value.trim();
        let invalid = |m: String| Error::Invalid(m);
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_string());
        match field {
            "subject" => {
                if value.is_empty() {
                    return Err(invalid("the subject must not be empty".into()));
                }
                let old = std::mem::replace(&mut self.ticket.subject, value.to_string());
                self.record(field, Value::String(old), Value::String(value.into()));
            }
            "status" => {
                let kind = self.ticket.kind.clone();
                self.settings.check_status(&kind, value).map_err(invalid)?;
                let old = std::mem::replace(&mut self.ticket.status, value.to_string());
                self.record(field, Value::String(old), Value::String(value.into()));
                if self.settings.category(&kind, value) != Category::Waiting
                    && self.ticket.snoozed_until.is_some()
                {
                    self.set_snoozed(None);
                }
            }
            "type" => {
                self.settings.check_type(value).map_err(invalid)?;
                let old = std::mem::replace(&mut self.ticket.kind, value.to_string());
                self.record(field, Value::String(old), Value::String(value.into()));
                let ttype = self.settings.ticket_type(value);
                if let Some(t) = ttype
                    && t.status(&self.ticket.status).is_none()
                {
                    // Keep the ticket's place in its life: same category if the new type has one.
                    let cat = self
                        .settings
                        .category(&self.ticket.kind, &self.ticket.status);
                    let new = t.status_for(cat).unwrap_or(t.initial_status()).to_string();
                    let old = std::mem::replace(&mut self.ticket.status, new.clone());
                    self.record("status", Value::String(old), Value::String(new));
                }
            }
            "priority" => {
                let p: Priority = value.parse().map_err(invalid)?;
                let old = std::mem::replace(&mut self.ticket.priority, p);
                self.record(
                    field,
                    Value::String(old.to_string()),
                    Value::String(p.to_string()),
                );
            }
            "department" => {
                if !value.is_empty() {
                    self.settings.check_department(value).map_err(invalid)?;
                }
                let old = std::mem::replace(&mut self.ticket.department, opt(value));
                self.record(
                    field,
                    opt_value(&old),
                    opt_value(&self.ticket.department.clone()),
                );
            }
            "assignee" => {
                let value = value.strip_prefix("agent:").unwrap_or(value);
                if !value.is_empty() {
                    self.settings.check_agent(value).map_err(invalid)?;
                }
                let old = std::mem::replace(&mut self.ticket.assignee, opt(value));
                self.record(
                    field,
                    opt_value(&old),
                    opt_value(&self.ticket.assignee.clone()),
                );
            }
            "requester" => {
                let new = if value.is_empty() {
                    None
                } else {
                    Some(validate_email(value).map_err(invalid)?)
                };
                let old = std::mem::replace(&mut self.ticket.requester, new);
                self.record(
                    field,
                    opt_value(&old),
                    opt_value(&self.ticket.requester.clone()),
                );
            }
            "shop" => {
                if !value.is_empty() {
                    self.settings.check_shop(value).map_err(invalid)?;
                }
                let old = std::mem::replace(&mut self.ticket.shop, opt(value));
                self.record(field, opt_value(&old), opt_value(&self.ticket.shop.clone()));
            }
            "channel" => {
                if value.is_empty() {
                    return Err(invalid("the channel must not be empty".into()));
                }
                let old = std::mem::replace(&mut self.ticket.channel, value.to_string());
                self.record(field, Value::String(old), Value::String(value.into()));
            }
            "tags" => {
                return Err(invalid("set tags with `+TAG` and `-TAG`".into()));
            }
            "snoozed_until" => {
                return Err(invalid(
                    "use `desk snooze ID --until WHEN` to snooze".into(),
                ));
            }
            "id" | "created_at" | "updated_at" | "messages" | "history" | "sla" => {
                return Err(invalid(format!("`{field}` cannot be set by hand")));
            }
            _ => {
                let Some(name) = field.strip_prefix("fields.") else {
                    const SETTABLE: [&str; 10] = [
                        "subject",
                        "status",
                        "type",
                        "priority",
                        "department",
                        "assignee",
                        "requester",
                        "shop",
                        "channel",
                        "fields.NAME",
                    ];
                    return Err(invalid(format!(
                        "unknown field `{field}`{}",
                        crate::error::suggest(field, SETTABLE)
                    )));
                };
                if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '=') {
                    return Err(invalid(format!("`{name}` is not a field name")));
                }
                let old = if value.is_empty() {
                    self.ticket.fields.remove(name)
                } else {
                    self.ticket
                        .fields
                        .insert(name.to_string(), value.to_string())
                };
                let new = self.ticket.fields.get(name).cloned();
                self.record(field, opt_value(&old), opt_value(&new));
            }
        }
        Ok(())
    }

    fn set_tags(&mut self, tags: Vec<String>) {
        let old = std::mem::replace(&mut self.ticket.tags, tags);
        let new = self.ticket.tags.clone();
        self.record("tags", Value::from(old), Value::from(new));
    }

    pub fn add_tag(&mut self, tag: &str) -> Result<()> {
        let tag = normalize_tag(tag).map_err(Error::Invalid)?;
        let mut tags = self.ticket.tags.clone();
        if let Err(pos) = tags.binary_search(&tag) {
            tags.insert(pos, tag);
            self.set_tags(tags);
        }
        Ok(())
    }

    pub fn remove_tag(&mut self, tag: &str) -> Result<()> {
        let tag = normalize_tag(tag).map_err(Error::Invalid)?;
        let mut tags = self.ticket.tags.clone();
        if let Ok(pos) = tags.binary_search(&tag) {
            tags.remove(pos);
            self.set_tags(tags);
        }
        Ok(())
    }

    fn set_snoozed(&mut self, until: Option<DateTime<Utc>>) {
        let old = std::mem::replace(&mut self.ticket.snoozed_until, until);
        let v = |t: Option<DateTime<Utc>>| {
            t.map_or(Value::Null, |t| Value::String(crate::time::format_utc(t)))
        };
        self.record("snoozed_until", v(old), v(until));
    }

    /// Moves the ticket to the status its type uses for `category`.
    pub fn set_category(&mut self, category: Category) -> Result<()> {
        let kind = self.ticket.kind.clone();
        let status = self
            .settings
            .ticket_type(&kind)
            .and_then(|t| t.status_for(category))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "type `{kind}` has no status of category `{}`",
                    category.as_str()
                ))
            })?
            .to_string();
        self.set("status", &status)
    }

    /// Sets the type's waiting status and the time the ticket wakes up.
    pub fn snooze(&mut self, until: DateTime<Utc>) -> Result<()> {
        if until <= self.at {
            return Err(Error::Invalid(format!(
                "cannot snooze until {}: that is not in the future",
                crate::time::format_utc(until)
            )));
        }
        let kind = self.ticket.kind.clone();
        let status = self
            .settings
            .ticket_type(&kind)
            .and_then(|t| t.snooze_status())
            .ok_or_else(|| {
                Error::Invalid(format!("type `{kind}` has no waiting status to snooze in"))
            })?
            .to_string();
        self.set("status", &status)?;
        self.set_snoozed(Some(until));
        Ok(())
    }

    /// Adds a message written by the acting person (or `author` if given).
    pub fn add_message(
        &mut self,
        kind: MessageKind,
        body: &str,
        author: Option<&str>,
    ) -> Result<()> {
        if body.trim().is_empty() {
            return Err(Error::Invalid("the message is empty".into()));
        }
        self.ticket.messages.push(Message {
            at: self.at,
            author: author.map_or_else(|| self.author.clone(), str::to_string),
            kind,
            body: body.to_string(),
            message_id: None,
        });
        self.messages_added.push(kind);
        Ok(())
    }
}
