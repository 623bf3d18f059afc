//! Changes to one ticket, validated against desk.toml and recorded as field changes.
//! Commands and rule actions both edit tickets through this, so a value a person may not
//! set, a rule may not set either.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Problem, Result};
use crate::model::customer::validate_email;
use crate::model::field::Settable;
use crate::model::settings::Category;
use crate::model::ticket::{Sla, normalize_tag};
use crate::model::{Change, Message, MessageKind, Priority, Settings, Ticket};

fn opt_value(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// Changes being made to one ticket, validated against desk.toml and recorded.
pub struct Edit<'a> {
    pub ticket: &'a mut Ticket,
    settings: &'a Settings,
    at: DateTime<Utc>,
    /// Who messages added through this edit are from (`agent:ID`, `rule:NAME`, ...).
    pub author: String,
    changes: Vec<Change>,
    pub messages_added: Vec<MessageKind>,
}

impl<'a> Edit<'a> {
    pub fn new(ticket: &'a mut Ticket, settings: &'a Settings, at: DateTime<Utc>) -> Self {
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

    /// The changes made, without those undone again.
    pub fn finish(&mut self) -> Vec<Change> {
        self.changes.retain(|c| c.from != c.to);
        std::mem::take(&mut self.changes)
    }

    /// Sets `FIELD=VALUE` as `desk set` and rule actions do; an empty value clears.
    pub fn set(&mut self, field: &str, value: &str) -> Result<()> {
        let value = value.trim();
        let invalid = |p: Problem| Error::Invalid(p);
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_string());
        let which = Settable::parse(field).map_err(invalid)?;
        // A status must belong to the ticket's own type, checked below.
        if which != Settable::Status {
            which.check(value, self.settings).map_err(invalid)?;
        }
        match which {
            Settable::Subject => {
                let old = std::mem::replace(&mut self.ticket.subject, value.to_string());
                self.record(field, Value::String(old), Value::String(value.into()));
            }
            Settable::Status => {
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
            Settable::Type => {
                // The ticket keeps its place in its life: judged in the old type, before
                // the type changes.
                let cat = self
                    .settings
                    .category(&self.ticket.kind, &self.ticket.status);
                let old = std::mem::replace(&mut self.ticket.kind, value.to_string());
                self.record(field, Value::String(old), Value::String(value.into()));
                if let Some(t) = self.settings.ticket_type(value)
                    && t.status(&self.ticket.status)
                        .is_none_or(|s| s.category != cat)
                {
                    // The same category's first status; waiting without one is open.
                    let new = t
                        .status_for(cat)
                        .or_else(|| {
                            (cat == Category::Waiting)
                                .then(|| t.status_for(Category::Open))
                                .flatten()
                        })
                        .unwrap_or(t.initial_status())
                        .to_string();
                    let old = std::mem::replace(&mut self.ticket.status, new.clone());
                    self.record("status", Value::String(old), Value::String(new));
                }
            }
            Settable::Priority => {
                let p: Priority = value.parse().map_err(invalid)?;
                let old = std::mem::replace(&mut self.ticket.priority, p);
                self.record(
                    field,
                    Value::String(old.to_string()),
                    Value::String(p.to_string()),
                );
            }
            Settable::Department => {
                let old = std::mem::replace(&mut self.ticket.department, opt(value));
                self.record(
                    field,
                    opt_value(&old),
                    opt_value(&self.ticket.department.clone()),
                );
            }
            Settable::Assignee => {
                let value = value.strip_prefix("agent:").unwrap_or(value);
                let old = std::mem::replace(&mut self.ticket.assignee, opt(value));
                self.record(
                    field,
                    opt_value(&old),
                    opt_value(&self.ticket.assignee.clone()),
                );
            }
            Settable::Requester => {
                let new = if value.is_empty() {
                    None
                } else {
                    Some(validate_email(value).map_err(Error::invalid)?)
                };
                let old = std::mem::replace(&mut self.ticket.requester, new);
                self.record(
                    field,
                    opt_value(&old),
                    opt_value(&self.ticket.requester.clone()),
                );
            }
            Settable::Shop => {
                let old = std::mem::replace(&mut self.ticket.shop, opt(value));
                self.record(field, opt_value(&old), opt_value(&self.ticket.shop.clone()));
            }
            Settable::Channel => {
                let old = std::mem::replace(&mut self.ticket.channel, value.to_string());
                self.record(field, Value::String(old), Value::String(value.into()));
            }
            Settable::Sla => {
                if self
                    .ticket
                    .sla
                    .as_ref()
                    .is_some_and(|s| s.policy == value && s.pinned)
                {
                    return Ok(());
                }
                let new = (!value.is_empty()).then(|| Sla {
                    policy: value.to_string(),
                    pinned: true,
                    targets: Default::default(),
                });
                let old = std::mem::replace(&mut self.ticket.sla, new);
                let name = |s: &Option<Sla>| {
                    s.as_ref()
                        .map_or(Value::Null, |s| Value::String(s.policy.clone()))
                };
                let to = name(&self.ticket.sla);
                self.record(field, name(&old), to);
            }
            Settable::Custom(name) => {
                let old = if value.is_empty() {
                    self.ticket.fields.remove(&name)
                } else {
                    self.ticket.fields.insert(name.clone(), value.to_string())
                };
                let new = self.ticket.fields.get(&name).cloned();
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
        let tag = normalize_tag(tag).map_err(Error::invalid)?;
        let mut tags = self.ticket.tags.clone();
        if let Err(pos) = tags.binary_search(&tag) {
            tags.insert(pos, tag);
            self.set_tags(tags);
        }
        Ok(())
    }

    pub fn remove_tag(&mut self, tag: &str) -> Result<()> {
        let tag = normalize_tag(tag).map_err(Error::invalid)?;
        let mut tags = self.ticket.tags.clone();
        if let Ok(pos) = tags.binary_search(&tag) {
            tags.remove(pos);
            self.set_tags(tags);
        }
        Ok(())
    }

    fn set_cc(&mut self, cc: Vec<String>) {
        let old = std::mem::replace(&mut self.ticket.cc, cc);
        let new = self.ticket.cc.clone();
        self.record("cc", Value::from(old), Value::from(new));
    }

    /// Adds a follower (`+cc:ADDR`): copied on public replies to the requester. The
    /// helpdesk's own addresses and the requester are refused; an address already
    /// following changes nothing.
    pub fn add_cc(&mut self, address: &str) -> Result<()> {
        self.add_ccs([address])
    }

    /// Adds followers as [`Edit::add_cc`] does, with one sort and one recorded change
    /// for all of them: one at a time, a mail copied to 15,000 people took minutes.
    pub fn add_ccs<'s>(&mut self, addresses: impl IntoIterator<Item = &'s str>) -> Result<()> {
        let following: HashSet<String> = self
            .ticket
            .cc
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let mut new = Vec::new();
        for address in addresses {
            let a = validate_email(address).map_err(Error::invalid)?;
            if self.settings.is_own_address(&a) {
                return Err(Error::invalid(format!(
                    "`{a}` is the helpdesk's own address: it is never copied on replies"
                )));
            }
            if self.ticket.requester.as_deref() == Some(a.as_str()) {
                return Err(Error::invalid(format!(
                    "`{a}` is the requester: every public reply goes to them already"
                )));
            }
            if !following.contains(&a.to_ascii_lowercase()) {
                new.push(a);
            }
        }
        if !new.is_empty() {
            let mut cc = self.ticket.cc.clone();
            cc.extend(new);
            cc.sort();
            cc.dedup();
            self.set_cc(cc);
        }
        Ok(())
    }

    /// Removes a follower (`-cc:ADDR`); one that is not following changes nothing.
    pub fn remove_cc(&mut self, address: &str) -> Result<()> {
        let a = validate_email(address).map_err(Error::invalid)?;
        let mut cc = self.ticket.cc.clone();
        cc.retain(|c| !c.eq_ignore_ascii_case(&a));
        if cc.len() != self.ticket.cc.len() {
            self.set_cc(cc);
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

    /// Records that the ticket was merged into ticket `into` (`desk merge`).
    pub fn set_merged_into(&mut self, into: &str) {
        let old = self.ticket.merged_into.replace(into.to_string());
        self.record("merged_into", opt_value(&old), Value::String(into.into()));
    }

    /// Moves the ticket to the status its type uses for `category`.
    pub fn set_category(&mut self, category: Category) -> Result<()> {
        let kind = self.ticket.kind.clone();
        let status = self
            .settings
            .ticket_type(&kind)
            .and_then(|t| t.status_for(category))
            .ok_or_else(|| {
                Error::invalid(format!(
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
            return Err(Error::invalid(format!(
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
                Error::invalid(format!("type `{kind}` has no waiting status to snooze in"))
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
        message_id: Option<String>,
    ) -> Result<()> {
        if body.trim().is_empty() {
            return Err(Error::invalid("the message is empty"));
        }
        let mut m = Message::new(self.at, self.author.clone(), kind, body.to_string());
        m.message_id = message_id;
        self.push_message(m);
        Ok(())
    }

    /// Adds a message as given (ingested mail with its details).
    pub fn push_message(&mut self, m: Message) {
        self.messages_added.push(m.kind);
        self.ticket.messages.push(m);
    }
}
