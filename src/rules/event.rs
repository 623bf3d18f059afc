//! Events: what happened to a ticket, which rules listen for.

use crate::model::{Change, MessageKind};

pub use crate::model::event::*;

/// The message behind an event, for `message.*` conditions. Serialized with the
/// scripts a rule queued (`crate::queued`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MessageCtx {
    pub body: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: MessageKind,
    /// The message asked not to be answered automatically (Auto-Submitted, bulk, list...).
    #[serde(rename = "auto")]
    pub no_auto_reply: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    pub name: String,
    /// For SLA events: the target (`first_reply`, ...).
    pub target: Option<String>,
    pub message: Option<MessageCtx>,
    /// The changes that raised it.
    pub changes: Vec<Change>,
}

impl Event {
    pub fn new(name: &str) -> Event {
        Event {
            name: name.to_string(),
            target: None,
            message: None,
            changes: Vec::new(),
        }
    }

    /// The events a set of changes raises: `status.changed`, `ticket.assigned`,
    /// `department.changed`, and `ticket.updated` for anything else; each carries all
    /// the changes so conditions can look at `changes.FIELD`.
    pub fn derived(changes: &[Change]) -> Vec<Event> {
        let mut names: Vec<&str> = Vec::new();
        for c in changes {
            let n = match c.field.as_str() {
                "status" => STATUS_CHANGED,
                "assignee" => ASSIGNED,
                "department" => DEPARTMENT_CHANGED,
                _ => UPDATED,
            };
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names
            .into_iter()
            .map(|n| Event {
                name: n.to_string(),
                target: None,
                message: None,
                changes: changes.to_vec(),
            })
            .collect()
    }
}
