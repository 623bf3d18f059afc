//! The fields a change may set, with one name table, and the one check of "set FIELD
//! to VALUE" against desk.toml that `desk set`, rule actions, script output and
//! schedules share.

use crate::error::Problem;
use crate::model::{Priority, Settings};

/// A ticket field that `desk set` or a rule's `set` may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settable {
    Subject,
    Status,
    Type,
    Priority,
    Department,
    Assignee,
    Requester,
    Shop,
    Channel,
    Sla,
    /// `fields.NAME`: a custom field.
    Custom(String),
}

/// The names, as people write them; `fields.NAME` stands for every custom field.
pub const NAMES: [&str; 11] = [
    "subject",
    "status",
    "type",
    "priority",
    "department",
    "assignee",
    "requester",
    "shop",
    "channel",
    "sla",
    "fields.NAME",
];

const FIXED: [Settable; 10] = [
    Settable::Subject,
    Settable::Status,
    Settable::Type,
    Settable::Priority,
    Settable::Department,
    Settable::Assignee,
    Settable::Requester,
    Settable::Shop,
    Settable::Channel,
    Settable::Sla,
];

impl Settable {
    /// Reads a field name; the error says why it cannot be set and what can.
    pub fn parse(name: &str) -> Result<Settable, Problem> {
        if let Some(i) = NAMES[..FIXED.len()].iter().position(|n| *n == name) {
            return Ok(FIXED[i].clone());
        }
        if let Some(custom) = name.strip_prefix("fields.") {
            if custom.is_empty() || custom.chars().any(|c| c.is_whitespace() || c == '=') {
                return Err(format!("`{custom}` is not a field name").into());
            }
            return Ok(Settable::Custom(custom.to_string()));
        }
        Err(match name {
            "tags" => "set tags with `+TAG` and `-TAG` (rules: `add_tags`, `remove_tags`)".into(),
            "cc" | "followers" => "add and remove followers with `+cc:ADDR` and `-cc:ADDR`".into(),
            "snoozed_until" => "use `desk snooze ID --until WHEN` (rules: `snooze`)".into(),
            "id" | "created_at" | "updated_at" | "messages" | "history" | "mail" => {
                format!("`{name}` cannot be set by hand").into()
            }
            _ => Problem::near_or_list(
                format!("unknown field `{}`", crate::error::one_line(name)),
                name,
                NAMES,
                "settable",
            ),
        })
    }

    pub fn name(&self) -> String {
        match self {
            Settable::Custom(n) => format!("fields.{n}"),
            fixed => FIXED
                .iter()
                .position(|f| f == fixed)
                .map_or_else(String::new, |i| NAMES[i].to_string()),
        }
    }

    /// Whether `value` can be this field's value in this helpdesk. A status is checked
    /// against every type here; against the ticket's own type when a ticket changes. A
    /// policy is checked against rules.toml by its callers, which know it.
    pub fn check(&self, value: &str, settings: &Settings) -> Result<(), Problem> {
        let value = value.trim();
        let set = !value.is_empty();
        match self {
            Settable::Subject | Settable::Channel if !set => {
                Err(format!("the {} must not be empty", self.name()).into())
            }
            Settable::Status => {
                let all = settings
                    .types
                    .iter()
                    .flat_map(|t| t.statuses.iter().map(|s| s.id.as_str()));
                Settings::check_known("status", value, all)
            }
            Settable::Type => settings.check_type(value),
            Settable::Priority => value.parse::<Priority>().map(|_| ()),
            Settable::Department if set => settings.check_department(value),
            Settable::Assignee if set => {
                settings.check_agent(value.strip_prefix("agent:").unwrap_or(value))
            }
            Settable::Requester if set => crate::model::customer::validate_email(value)
                .map(|_| ())
                .map_err(Problem::from),
            Settable::Shop if set => settings.check_shop(value),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_mistakes_say_why() {
        for n in &NAMES[..FIXED.len()] {
            assert_eq!(Settable::parse(n).map(|f| f.name()), Ok(n.to_string()));
        }
        assert_eq!(
            Settable::parse("fields.plan"),
            Ok(Settable::Custom("plan".into()))
        );
        let typo = Settable::parse("prority").unwrap_err();
        assert_eq!(typo.hint.as_deref(), Some("priority"), "the hint is data");
        assert!(typo.message.starts_with("unknown field `prority`"));
        assert!(
            Settable::parse("tags")
                .unwrap_err()
                .message
                .contains("+TAG")
        );
        assert!(
            Settable::parse("cc")
                .unwrap_err()
                .message
                .contains("+cc:ADDR")
        );
        assert!(
            Settable::parse("id")
                .unwrap_err()
                .message
                .contains("cannot be set")
        );
        assert!(Settable::parse("fields.").is_err());
    }
}
