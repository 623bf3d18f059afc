//! A ticket as stored in `tickets/ID.json`. Field order here is the key order on disk.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];
    pub const NAMES: [&'static str; 4] = ["low", "normal", "high", "urgent"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = crate::error::Problem;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| {
                crate::error::Problem::near(
                    format!("unknown priority `{s}` (one of low, normal, high, urgent)"),
                    s,
                    Self::NAMES,
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// Written by the customer (mail, form, chat, or entered for them).
    Customer,
    /// An agent's public reply to the customer.
    Reply,
    /// Internal, never sent to the customer.
    Note,
    /// An automatic public message (a rule's `reply`).
    Auto,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Customer => "customer",
            MessageKind::Reply => "reply",
            MessageKind::Note => "note",
            MessageKind::Auto => "auto",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub at: DateTime<Utc>,
    /// Actor form: `customer:EMAIL`, `agent:ID`, `rule:NAME`, `system`.
    pub author: String,
    pub kind: MessageKind,
    pub body: String,
    /// RFC 5322 Message-ID, for threading and idempotent ingestion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The Message-IDs it answers (In-Reply-To, References), so a parent that arrives
    /// after its reply still finds the thread.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The mail's own subject (replies in a thread have their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The address it was sent to, for mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// When the sender says it was sent (the Date header, or a chat line's time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// Sent by a machine (an out-of-office reply, a list, a bounce): never answered
    /// automatically.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// A message with only the essentials; the mail details empty.
    pub fn new(at: DateTime<Utc>, author: String, kind: MessageKind, body: String) -> Message {
        Message {
            at,
            author,
            kind,
            body,
            message_id: None,
            references: Vec::new(),
            subject: None,
            to: None,
            sent_at: None,
            auto: false,
            attachments: Vec::new(),
        }
    }
}

/// A short fixed-size key for a Message-ID, kept in the listing cache so ingestion finds
/// the ticket holding a message without reading every file. Stable across versions.
pub fn mail_key(message_id: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(message_id.trim().as_bytes());
    let mut k = [0u8; 8];
    k.copy_from_slice(&d[..8]);
    u64::from_le_bytes(k)
}

/// A file that came with a message, saved under `attachments/TICKET/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// The name the sender gave it.
    pub name: String,
    /// Where it is, relative to the helpdesk root.
    pub file: String,
    pub size: u64,
    #[serde(rename = "type")]
    pub content_type: String,
}

/// One field's change: old and new value (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub from: Value,
    pub to: Value,
}

/// An entry of the audit trail: who did what, when, and because of which event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: crate::model::Actor,
    /// What the actor used to make the change, when it was more than a command:
    /// `macro:NAME` (`desk macro`), `template:NAME` (`desk reply --template`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub event: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// What else happened, in words: mail queued, a notification sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl HistoryEntry {
    /// A person's or the customer's act (any manual command, whoever runs it, and every
    /// ingested message), as opposed to automation's work or what time made happen.
    pub fn is_act(&self) -> bool {
        !self.actor.is_automatic() && !crate::model::event::is_timed(&self.event)
    }
}

/// A ticket's own fields as listings, templates and conditions name them, in file
/// order, with the derived `status_category`.
pub const SUMMARY_FIELDS: [&str; 15] = [
    "id",
    "subject",
    "type",
    "status",
    "status_category",
    "priority",
    "department",
    "assignee",
    "requester",
    "shop",
    "channel",
    "tags",
    "created_at",
    "updated_at",
    "snoozed_until",
];

/// The SLA targets a policy may set, with one name table: what rules.toml, conditions
/// (`sla.NAME.due_in`, `event.target`), tickets and `desk show` call them.
pub mod target {
    pub const FIRST_REPLY: &str = "first_reply";
    pub const NEXT_REPLY: &str = "next_reply";
    pub const RESOLUTION: &str = "resolution";
    pub const ALL: [&str; 3] = [FIRST_REPLY, NEXT_REPLY, RESOLUTION];
}

/// SLA state of a ticket: the policy and, per target (`first_reply`, `next_reply`,
/// `resolution`), when it is due and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    pub policy: String,
    /// Set by a person or a rule (`set sla`): automatic selection leaves it alone.
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub targets: BTreeMap<String, SlaTarget>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// When it is due; `None` while the clock is paused (resolution while waiting).
    pub due: Option<DateTime<Utc>>,
    /// Business seconds left, kept while paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<i64>,
    pub met_at: Option<DateTime<Utc>>,
    pub warned_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    pub id: String,
    pub subject: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub priority: Priority,
    pub department: Option<String>,
    pub assignee: Option<String>,
    /// The customer's email address.
    pub requester: Option<String>,
    /// Followers: other people copied on the conversation (the Cc and To of the
    /// customer's mail, `desk set ID +cc:ADDR`). Public replies to the requester go to
    /// them in `Cc:`. Lowercase, sorted and without repeats; absent from the file while
    /// empty, so tickets without followers keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    pub shop: Option<String>,
    pub channel: String,
    /// Sorted and without repeats, so files diff and merge cleanly.
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub snoozed_until: Option<DateTime<Utc>>,
    /// The ticket this one was merged into (`desk merge`): its conversation goes on
    /// there, and mail that threads to this one is added there. Absent from the file
    /// until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    pub sla: Option<Sla>,
    pub messages: Vec<Message>,
    pub history: Vec<HistoryEntry>,
    /// Time rules in their current episode: rule name → when it fired. A rule here does
    /// not fire again until its conditions are seen false or a person or the customer
    /// acts on the ticket. One key per rule, so clones merge cleanly.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub time_rules: BTreeMap<String, DateTime<Utc>>,
    /// Mail sent about this ticket (replies, automatic replies, notifications): where it
    /// went and whether it was delivered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mail: Vec<MailRecord>,
}

/// One outgoing message and its delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailRecord {
    pub message_id: String,
    /// `outbox/NAME.eml` while it waits.
    pub file: String,
    pub to: Vec<String>,
    /// Followers copied (`Cc:`); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    pub subject: String,
    /// `reply` (an agent's), `auto-reply` (a rule's reply), `notification`.
    pub kind: String,
    pub queued_at: DateTime<Utc>,
    /// `queued` or `sent`.
    pub state: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// The last delivery error, while it is retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Ticket {
    /// The stored form: pretty JSON, fixed key order, one trailing newline.
    pub fn to_json(&self) -> Result<String, String> {
        let mut s = serde_json::to_string_pretty(self)
            .map_err(|e| format!("ticket {} cannot be written as JSON: {e}", self.id))?;
        s.push('\n');
        Ok(s)
    }

    pub fn from_json(text: &str) -> Result<Ticket, String> {
        // serde quotes what it could not read, line breaks and all: one line, escaped.
        let t: Ticket =
            serde_json::from_str(text).map_err(|e| crate::error::one_line(&e.to_string()))?;
        if t.id.is_empty() {
            return Err("ticket has an empty `id`".into());
        }
        Ok(t)
    }

    /// The first message written by the customer: the `body` condition field.
    pub fn first_customer_message(&self) -> Option<&Message> {
        self.messages
            .iter()
            .find(|m| m.kind == MessageKind::Customer)
    }

    /// The latest public reply written by a person. Automatic replies (a rule's
    /// `reply`) never count: `since.last_agent_message`, `first_reply` and `next_reply`
    /// measure people's answers.
    pub fn last_agent_message(&self) -> Option<DateTime<Utc>> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.kind == MessageKind::Reply)
            .map(|m| m.at)
    }

    pub fn last_customer_message(&self) -> Option<DateTime<Utc>> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.kind == MessageKind::Customer)
            .map(|m| m.at)
    }

    /// When a person or the customer last acted on the ticket: the latest history entry
    /// that is neither automation's nor time's. It ends time rules' episodes.
    pub fn person_acted(&self) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .filter(|h| h.is_act())
            .map(|h| h.at)
            .max()
    }

    /// The earliest due time among SLA targets neither met nor breached.
    pub fn sla_next_due(&self) -> Option<DateTime<Utc>> {
        self.sla
            .as_ref()?
            .targets
            .values()
            .filter(|t| t.met_at.is_none() && t.breached_at.is_none())
            .filter_map(|t| t.due)
            .min()
    }
}

/// Normalises a tag as given by a person: trimmed, lowercase, no spaces or commas.
pub fn normalize_tag(tag: &str) -> Result<String, String> {
    let t = tag.trim().to_lowercase();
    if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c == ',') {
        return Err(format!(
            "`{tag}` is not a tag: tags are single words without commas"
        ));
    }
    Ok(t)
}

/// The moments `since.*` conditions measure from, and the last time a person (an agent
/// or the customer) acted, which ends time-rule episodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub status_changed: Option<i64>,
    pub assigned: Option<i64>,
    pub last_customer_message: Option<i64>,
    pub last_agent_message: Option<i64>,
    pub person_acted: Option<i64>,
}

impl Stats {
    pub fn of(t: &Ticket) -> Stats {
        let last_change = |field: &str| {
            t.history
                .iter()
                .rev()
                .find(|h| h.changes.iter().any(|c| c.field == field))
                .map(|h| h.at.timestamp())
        };
        Stats {
            status_changed: last_change("status"),
            assigned: last_change("assignee"),
            last_customer_message: t.last_customer_message().map(|m| m.timestamp()),
            last_agent_message: t.last_agent_message().map(|m| m.timestamp()),
            person_acted: t.person_acted().map(|m| m.timestamp()),
        }
    }
}
