//! The field table: every name a condition can test, and what each field needs or
//! where it is known (event rules only, time rules only, the customer's file...).

use crate::error::Problem;
use crate::model::ticket::SUMMARY_FIELDS;

/// Where a condition is used; some fields exist only for rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// `[[view]]` in desk.toml and `desk list` filters: ticket and customer fields only.
    View,
    /// An event rule: the message and event behind it are known.
    Event,
    /// A time rule (`on = ["tick"]`).
    Tick,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Field {
    Id,
    Subject,
    Type,
    Status,
    StatusCategory,
    Priority,
    Department,
    Assignee,
    Requester,
    /// The followers, a list like `tags`.
    Cc,
    Shop,
    Channel,
    Tags,
    Custom(String),
    CreatedAt,
    UpdatedAt,
    SnoozedUntil,
    Body,
    Text,
    MessageBody,
    MessageFrom,
    MessageTo,
    MessageKind,
    MessageAuto,
    CustomerEmail,
    CustomerDomain,
    CustomerName,
    CustomerGroup,
    CustomerOrganization,
    CustomerField(String),
    Since(Since),
    SlaPolicy,
    SlaBreached,
    SlaDueIn(String),
    EventName,
    EventTarget,
    ChangeFrom(String),
    ChangeTo(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Since {
    Created,
    Updated,
    StatusChanged,
    LastCustomerMessage,
    LastAgentMessage,
    Assigned,
}

/// Fields beyond the ticket's own that conditions know by a fixed name.
const MORE_FIELDS: [&str; 5] = ["cc", "body", "text", "sla.policy", "sla.breached"];

const OTHER_FIELDS: [&str; 23] = [
    "fields.NAME",
    "message.body",
    "message.from",
    "message.to",
    "message.kind",
    "message.auto",
    "customer.email",
    "customer.domain",
    "customer.name",
    "customer.group",
    "customer.organization",
    "customer.fields.NAME",
    "since.created",
    "since.updated",
    "since.status_changed",
    "since.last_customer_message",
    "since.last_agent_message",
    "since.assigned",
    "sla.first_reply.due_in",
    "event.name",
    "event.target",
    "changes.FIELD.from",
    "changes.FIELD.to",
];

pub(super) use crate::model::ticket::target::ALL as SLA_TARGETS;

/// Every field name a condition knows, as people write them (`fields.NAME` stands for
/// every custom field): the one list that did-you-mean and the manual use.
pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    SUMMARY_FIELDS
        .iter()
        .chain(MORE_FIELDS.iter())
        .chain(OTHER_FIELDS.iter())
        .copied()
}

/// Fields whose changes events carry: every settable one, the tags, the followers and
/// the snooze.
fn changeable() -> impl Iterator<Item = &'static str> + Clone {
    crate::model::field::NAMES
        .iter()
        .copied()
        .filter(|n| *n != "fields.NAME")
        .chain(["tags", "cc", "snoozed_until"])
}

impl Field {
    pub fn parse(s: &str) -> Result<Field, Problem> {
        let f = match s {
            "id" => Field::Id,
            "subject" => Field::Subject,
            "type" => Field::Type,
            "status" => Field::Status,
            "status_category" => Field::StatusCategory,
            "priority" => Field::Priority,
            "department" => Field::Department,
            "assignee" => Field::Assignee,
            "requester" => Field::Requester,
            "cc" => Field::Cc,
            "shop" => Field::Shop,
            "channel" => Field::Channel,
            "tags" => Field::Tags,
            "created_at" => Field::CreatedAt,
            "updated_at" => Field::UpdatedAt,
            "snoozed_until" => Field::SnoozedUntil,
            "body" => Field::Body,
            "text" => Field::Text,
            "message.body" => Field::MessageBody,
            "message.from" => Field::MessageFrom,
            "message.to" => Field::MessageTo,
            "message.kind" => Field::MessageKind,
            "message.auto" => Field::MessageAuto,
            "customer.email" => Field::CustomerEmail,
            "customer.domain" => Field::CustomerDomain,
            "customer.name" => Field::CustomerName,
            "customer.group" => Field::CustomerGroup,
            "customer.organization" => Field::CustomerOrganization,
            "since.created" => Field::Since(Since::Created),
            "since.updated" => Field::Since(Since::Updated),
            "since.status_changed" => Field::Since(Since::StatusChanged),
            "since.last_customer_message" => Field::Since(Since::LastCustomerMessage),
            "since.last_agent_message" => Field::Since(Since::LastAgentMessage),
            "since.assigned" => Field::Since(Since::Assigned),
            "sla.policy" => Field::SlaPolicy,
            "sla.breached" => Field::SlaBreached,
            "event.name" => Field::EventName,
            "event.target" => Field::EventTarget,
            _ => {
                if let Some(name) = s.strip_prefix("fields.").filter(|n| !n.is_empty()) {
                    Field::Custom(name.to_string())
                } else if let Some(name) =
                    s.strip_prefix("customer.fields.").filter(|n| !n.is_empty())
                {
                    Field::CustomerField(name.to_string())
                } else if let Some(target) = s
                    .strip_prefix("sla.")
                    .and_then(|r| r.strip_suffix(".due_in"))
                    .filter(|t| SLA_TARGETS.contains(t))
                {
                    Field::SlaDueIn(target.to_string())
                } else if let Some(rest) = s.strip_prefix("changes.") {
                    let check = |f: &str| -> Result<String, Problem> {
                        let known = changeable().any(|c| c == f)
                            || f.strip_prefix("fields.").is_some_and(|n| !n.is_empty());
                        if known {
                            Ok(f.to_string())
                        } else {
                            Err(Problem::near(
                                format!("`{s}`: no field `{f}` changes"),
                                f,
                                changeable(),
                            ))
                        }
                    };
                    if let Some(f) = rest.strip_suffix(".from").filter(|f| !f.is_empty()) {
                        Field::ChangeFrom(check(f)?)
                    } else if let Some(f) = rest.strip_suffix(".to").filter(|f| !f.is_empty()) {
                        Field::ChangeTo(check(f)?)
                    } else {
                        return Err(format!(
                            "`{s}` must be `changes.FIELD.from` or `changes.FIELD.to`"
                        )
                        .into());
                    }
                } else {
                    return Err(Problem::near(
                        format!("unknown field `{}`", crate::error::one_line(s)),
                        s,
                        names(),
                    ));
                }
            }
        };
        Ok(f)
    }

    /// Fields that exist only while a rule handles an event.
    pub(super) fn event_only(&self) -> bool {
        matches!(
            self,
            Field::MessageBody
                | Field::MessageFrom
                | Field::MessageTo
                | Field::MessageKind
                | Field::MessageAuto
                | Field::EventName
                | Field::EventTarget
                | Field::ChangeFrom(_)
                | Field::ChangeTo(_)
        )
    }

    /// Fields whose value moves with the clock: only time rules see them.
    pub(super) fn tick_only(&self) -> bool {
        matches!(self, Field::Since(_) | Field::SlaDueIn(_))
    }

    /// Fields read from messages or SLA state, which the list cache does not hold.
    pub fn needs_full_ticket(&self) -> bool {
        matches!(
            self,
            Field::Body
                | Field::Text
                | Field::SlaBreached
                | Field::SlaDueIn(_)
                | Field::SlaPolicy
                | Field::Since(
                    Since::LastCustomerMessage
                        | Since::LastAgentMessage
                        | Since::StatusChanged
                        | Since::Assigned
                )
        )
    }

    pub fn needs_customer(&self) -> bool {
        matches!(
            self,
            Field::CustomerName
                | Field::CustomerGroup
                | Field::CustomerOrganization
                | Field::CustomerField(_)
        )
    }

    pub(super) fn is_duration(&self) -> bool {
        matches!(self, Field::Since(_) | Field::SlaDueIn(_))
    }

    pub(super) fn is_time(&self) -> bool {
        matches!(
            self,
            Field::CreatedAt | Field::UpdatedAt | Field::SnoozedUntil
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_parse_and_say_what_they_need() {
        assert_eq!(
            Field::parse("fields.order"),
            Ok(Field::Custom("order".into()))
        );
        assert_eq!(
            Field::parse("sla.next_reply.due_in"),
            Ok(Field::SlaDueIn("next_reply".into()))
        );
        assert_eq!(
            Field::parse("changes.tags.to"),
            Ok(Field::ChangeTo("tags".into()))
        );
        assert_eq!(Field::parse("cc"), Ok(Field::Cc));
        assert_eq!(
            Field::parse("changes.cc.to"),
            Ok(Field::ChangeTo("cc".into()))
        );
        assert_eq!(
            Field::parse("changes.staus.to").map_err(|p| p.to_string()),
            Err("`changes.staus.to`: no field `staus` changes, did you mean `status`?".into())
        );
        assert_eq!(
            Field::parse("sla.first_reply.due").map_err(|p| p.to_string()),
            Err(
                "unknown field `sla.first_reply.due`, did you mean `sla.first_reply.due_in`?"
                    .into()
            )
        );
        let f = |s| Field::parse(s).unwrap();
        assert!(f("customer.group").needs_customer() && !f("customer.email").needs_customer());
        assert!(f("body").needs_full_ticket() && !f("subject").needs_full_ticket());
        assert!(f("message.body").event_only() && !f("message.body").tick_only());
        assert!(f("since.assigned").tick_only() && f("since.assigned").is_duration());
    }
}
