//! Conditions: `{ field, op, value }` tests combined with `all`, `any` and `not`.
//! Parsed and checked once against desk.toml, then evaluated against many tickets.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use regex::Regex;
use toml::de::DeValue;

use crate::error::suggest;
use crate::model::settings::{Category, Settings};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use crate::model::ticket::SUMMARY_FIELDS;
use crate::model::{Change, Customer, MessageKind, Priority, Ticket};
use crate::rules::event::Event;
use crate::rules::text;
use crate::source::{Reader, Value};
use crate::time::{Duration, parse_instant};

/// In a view, `{ field = "assignee", op = "is", value = "@me" }` means the agent
/// running the command (`--as`).
pub const ME: &str = "@me";

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

#[derive(Debug, Clone)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test(Test),
}

#[derive(Debug, Clone)]
pub struct Test {
    pub field: Field,
    pub op: Op,
    pub value: Operand,
    /// The field as written, for traces.
    pub field_name: String,
}

#[derive(Debug, Clone, PartialEq)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    Created,
    Updated,
    StatusChanged,
    LastCustomerMessage,
    LastAgentMessage,
    Assigned,
}

/// Fields beyond the ticket's own that conditions know by a fixed name.
const MORE_FIELDS: [&str; 4] = ["body", "text", "sla.policy", "sla.breached"];

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

const SLA_TARGETS: [&str; 3] = ["first_reply", "next_reply", "resolution"];

/// Fields whose changes events carry.
const CHANGEABLE: [&str; 12] = [
    "subject",
    "type",
    "status",
    "priority",
    "department",
    "assignee",
    "requester",
    "shop",
    "channel",
    "tags",
    "snoozed_until",
    "sla",
];

impl Field {
    pub fn parse(s: &str) -> Result<Field, String> {
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
                    let check = |f: &str| -> Result<String, String> {
                        let known = CHANGEABLE.contains(&f)
                            || f.strip_prefix("fields.").is_some_and(|n| !n.is_empty());
                        if known {
                            Ok(f.to_string())
                        } else {
                            Err(format!(
                                "`{s}`: no field `{f}` changes{}",
                                suggest(f, CHANGEABLE)
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
                        ));
                    }
                } else {
                    let hint = suggest(
                        s,
                        SUMMARY_FIELDS
                            .iter()
                            .chain(MORE_FIELDS.iter())
                            .chain(OTHER_FIELDS.iter())
                            .copied(),
                    );
                    return Err(format!("unknown field `{s}`{hint}"));
                }
            }
        };
        Ok(f)
    }

    /// Fields that exist only while a rule handles an event.
    fn event_only(&self) -> bool {
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
    fn tick_only(&self) -> bool {
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

    fn is_duration(&self) -> bool {
        matches!(self, Field::Since(_) | Field::SlaDueIn(_))
    }

    fn is_time(&self) -> bool {
        matches!(
            self,
            Field::CreatedAt | Field::UpdatedAt | Field::SnoozedUntil
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Is,
    IsNot,
    In,
    NotIn,
    Contains,
    ContainsAll,
    NotContains,
    Matches,
    StartsWith,
    EndsWith,
    Gt,
    Gte,
    Lt,
    Lte,
    Over,
    Under,
    Exists,
    Missing,
    Changed,
    ChangedTo,
    ChangedFrom,
}

pub const OP_NAMES: [&str; 21] = [
    "is",
    "is_not",
    "in",
    "not_in",
    "contains",
    "contains_all",
    "not_contains",
    "matches",
    "starts_with",
    "ends_with",
    "gt",
    "gte",
    "lt",
    "lte",
    "over",
    "under",
    "exists",
    "missing",
    "changed",
    "changed_to",
    "changed_from",
];

impl Op {
    const ALL: [Op; 21] = [
        Op::Is,
        Op::IsNot,
        Op::In,
        Op::NotIn,
        Op::Contains,
        Op::ContainsAll,
        Op::NotContains,
        Op::Matches,
        Op::StartsWith,
        Op::EndsWith,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
        Op::Over,
        Op::Under,
        Op::Exists,
        Op::Missing,
        Op::Changed,
        Op::ChangedTo,
        Op::ChangedFrom,
    ];

    pub fn parse(s: &str) -> Result<Op, String> {
        OP_NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Op::ALL[i])
            .ok_or_else(|| format!("unknown operator `{s}`{}", suggest(s, OP_NAMES)))
    }

    pub fn name(self) -> &'static str {
        OP_NAMES[self as usize]
    }
}

/// A test's value, prepared at load time for the operator.
#[derive(Debug, Clone)]
pub enum Operand {
    None,
    /// One or more strings (`is`, `in`, `starts_with`, list membership...).
    Strings(Vec<String>),
    /// Words or phrases for `contains` on text, each already split into words.
    Phrases(Vec<String>, Vec<Vec<String>>),
    Regex(Regex),
    Duration(Duration),
    Priority(Priority),
    Time(DateTime<Utc>),
    Number(f64),
    Bool(bool),
}

/// Parses the `if` table of a rule or view: `if.all = [...]`, `if.any = [...]`, or both.
pub fn parse_if(
    r: &mut Reader<'_>,
    v: &Value<'_>,
    settings: &Settings,
    ctx: Context,
) -> Option<Condition> {
    let t = r.as_table(v, "`if`")?;
    if t.contains_key("field") || t.contains_key("op") {
        r.error(
            v.span(),
            "`if` takes lists of conditions: write if.all = [ { field = ..., op = ..., value = ... } ]",
        );
        return None;
    }
    if !r.check_keys(t, &["all", "any"], "`if`") {
        return None;
    }
    let mut parts = Vec::new();
    let mut ok = true;
    for key in ["all", "any"] {
        if let Some(list) = t.get(key) {
            match parse_list(r, list, settings, ctx) {
                Some(items) => parts.push(if key == "all" {
                    Condition::All(items)
                } else {
                    Condition::Any(items)
                }),
                None => ok = false,
            }
        }
    }
    if parts.is_empty() && ok {
        r.error(v.span(), "`if` needs `all` or `any`");
        return None;
    }
    ok.then_some(Condition::All(parts))
}

fn parse_list(
    r: &mut Reader<'_>,
    v: &Value<'_>,
    settings: &Settings,
    ctx: Context,
) -> Option<Vec<Condition>> {
    let arr = r.as_array(v, "a condition list")?;
    if arr.is_empty() {
        r.error(
            v.span(),
            "an empty condition list: give at least one condition",
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in arr.iter() {
        match parse_entry(r, item, settings, ctx) {
            Some(c) => out.push(c),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn parse_entry(
    r: &mut Reader<'_>,
    v: &Value<'_>,
    settings: &Settings,
    ctx: Context,
) -> Option<Condition> {
    let t = r.as_table(v, "a condition")?;
    if let Some(list) = t.get("all") {
        r.check_keys(t, &["all"], "an `all` group");
        return parse_list(r, list, settings, ctx).map(Condition::All);
    }
    if let Some(list) = t.get("any") {
        r.check_keys(t, &["any"], "an `any` group");
        return parse_list(r, list, settings, ctx).map(Condition::Any);
    }
    if let Some(inner) = t.get("not") {
        r.check_keys(t, &["not"], "a `not` group");
        if matches!(inner.get_ref(), DeValue::Array(_)) {
            r.error(
                inner.span(),
                "`not` takes one condition; to negate several write { not = { any = [...] } }",
            );
            return None;
        }
        return parse_entry(r, inner, settings, ctx).map(|c| Condition::Not(Box::new(c)));
    }
    if !r.check_keys(t, &["field", "op", "value"], "a condition") {
        return None;
    }
    let field_s = r.req_str(t, "field", "a condition", v.span())?;
    let op_s = r.req_str(t, "op", "a condition", v.span())?;
    let field = match Field::parse(field_s.get_ref()) {
        Ok(f) => f,
        Err(msg) => {
            r.error(field_s.span(), msg);
            return None;
        }
    };
    if ctx != Context::Event && field.event_only() {
        let msg = if ctx == Context::View {
            format!(
                "field `{}` is known only in rules, not in views, filters or SLA policies",
                field_s.get_ref()
            )
        } else {
            format!(
                "field `{}` belongs to an event and is not known in a time rule (on = [\"tick\"])",
                field_s.get_ref()
            )
        };
        r.error(field_s.span(), msg);
        return None;
    }
    if ctx == Context::Event && field.tick_only() {
        r.error(
            field_s.span(),
            format!(
                "field `{}` changes with time and is known only in time rules (on = [\"tick\"])",
                field_s.get_ref()
            ),
        );
        return None;
    }
    let op = match Op::parse(op_s.get_ref()) {
        Ok(o) => o,
        Err(msg) => {
            r.error(op_s.span(), msg);
            return None;
        }
    };
    if ctx != Context::Event && matches!(op, Op::Changed | Op::ChangedTo | Op::ChangedFrom) {
        r.error(
            op_s.span(),
            format!(
                "operator `{}` looks at an event's changes and is known only in event rules",
                op.name()
            ),
        );
        return None;
    }
    let raw = t.get("value");
    let values: Option<Vec<(String, std::ops::Range<usize>)>> = raw.map(|rv| scalars(r, rv));
    match prepare(&field, op, values.as_deref(), settings, ctx) {
        Ok(value) => Some(Condition::Test(Test {
            field,
            op,
            value,
            field_name: field_s.into_inner(),
        })),
        Err((msg, which)) => {
            let span = match which {
                Some(i) => values
                    .as_ref()
                    .and_then(|vs| vs.get(i))
                    .map_or_else(|| v.span(), |(_, s)| s.clone()),
                None => raw.map_or_else(|| op_s.span(), |rv| rv.span()),
            };
            r.error(span, msg);
            None
        }
    }
}

/// The value as a list of strings with their places (numbers and booleans as written).
fn scalars(r: &mut Reader<'_>, v: &Value<'_>) -> Vec<(String, std::ops::Range<usize>)> {
    let one = |r: &mut Reader<'_>, item: &Value<'_>| -> Option<(String, std::ops::Range<usize>)> {
        let s = match item.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(i) => i.as_str().to_string(),
            DeValue::Float(f) => f.as_str().to_string(),
            DeValue::Boolean(b) => b.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            other => {
                r.error(
                    item.span(),
                    format!(
                        "a condition value must be a string, number or list, found {}",
                        other.type_str()
                    ),
                );
                return None;
            }
        };
        Some((s, item.span()))
    };
    match v.get_ref() {
        DeValue::Array(a) => a.iter().filter_map(|i| one(r, i)).collect(),
        _ => one(r, v).into_iter().collect(),
    }
}

type PrepError = (String, Option<usize>);

/// Checks a test's value against its field and operator, and prepares it for evaluation.
pub fn prepare(
    field: &Field,
    op: Op,
    values: Option<&[(String, std::ops::Range<usize>)]>,
    settings: &Settings,
    ctx: Context,
) -> Result<Operand, PrepError> {
    let _ = ctx;
    let needs_value = !matches!(op, Op::Exists | Op::Missing | Op::Changed);
    let values = match (needs_value, values) {
        (false, Some(_)) => {
            return Err((format!("operator `{}` takes no `value`", op.name()), None));
        }
        (false, None) => return Ok(Operand::None),
        (true, None) => return Err((format!("operator `{}` needs a `value`", op.name()), None)),
        (true, Some(v)) => v,
    };
    if values.is_empty() {
        return Err(("`value` must not be empty".into(), None));
    }
    let single = |values: &[(String, std::ops::Range<usize>)]| -> Result<String, PrepError> {
        if values.len() == 1 {
            Ok(values[0].0.clone())
        } else {
            Err((
                format!("operator `{}` takes a single value, not a list", op.name()),
                None,
            ))
        }
    };
    // Values naming things in desk.toml must exist, so a typo fails at load, not silently.
    // `changes.status.to is "solvd"` is checked like `status is "solvd"`.
    let changed_field;
    let field_for_values = match field {
        Field::ChangeFrom(f) | Field::ChangeTo(f) => {
            changed_field = Field::parse(f).unwrap_or(Field::Custom(f.clone()));
            &changed_field
        }
        other => other,
    };
    let names_things = matches!(
        op,
        Op::Is | Op::IsNot | Op::In | Op::NotIn | Op::ChangedTo | Op::ChangedFrom
    ) || (matches!(op, Op::Contains | Op::ContainsAll | Op::NotContains)
        && !matches!(
            field,
            Field::Tags | Field::Text | Field::Body | Field::Subject | Field::MessageBody
        ));
    for (i, (v, _)) in values.iter().enumerate() {
        if names_things {
            let known = match field_for_values {
                Field::Department => settings.check_department(v),
                Field::Assignee if v == ME => Ok(()),
                Field::Assignee => settings.check_agent(v),
                Field::Type => settings.check_type(v),
                Field::Shop => settings.check_shop(v),
                Field::CustomerGroup => settings.check_group(v),
                Field::Priority => v.parse::<Priority>().map(|_| ()),
                Field::StatusCategory => Category::parse(v).map(|_| ()).ok_or_else(|| {
                    format!(
                        "unknown status category `{v}` (one of new, open, waiting, solved, closed){}",
                        suggest(v, Category::NAMES)
                    )
                }),
                Field::Status => {
                    let all = settings.types.iter().flat_map(|t| t.statuses.iter().map(|s| s.id.as_str()));
                    Settings::check_known("status", v, all)
                }
                Field::MessageKind => ["customer", "reply", "note", "auto"]
                    .contains(&v.as_str())
                    .then_some(())
                    .ok_or_else(|| {
                        format!(
                            "unknown message kind `{v}` (one of customer, reply, note, auto){}",
                            suggest(v, ["customer", "reply", "note", "auto"])
                        )
                    }),
                Field::EventName => Settings::check_known(
                    "event",
                    v,
                    crate::rules::ruleset::EVENTS.iter().copied(),
                ),
                Field::EventTarget => Settings::check_known("SLA target", v, SLA_TARGETS.iter().copied()),
                _ => Ok(()),
            };
            known.map_err(|m| (m, Some(i)))?;
        }
    }
    let strings = || Operand::Strings(values.iter().map(|(v, _)| v.clone()).collect());
    match op {
        Op::Is | Op::IsNot | Op::ChangedTo | Op::ChangedFrom => {
            let v = single(values)?;
            if matches!(field, Field::SlaBreached | Field::MessageAuto) {
                let name = if matches!(field, Field::SlaBreached) {
                    "sla.breached"
                } else {
                    "message.auto"
                };
                return v
                    .parse::<bool>()
                    .map(Operand::Bool)
                    .map_err(|_| (format!("`{name}` is true or false"), Some(0)));
            }
            Ok(Operand::Strings(vec![v]))
        }
        Op::In | Op::NotIn => Ok(strings()),
        Op::StartsWith | Op::EndsWith => Ok(Operand::Strings(
            values.iter().map(|(v, _)| v.to_lowercase()).collect(),
        )),
        Op::Contains | Op::ContainsAll | Op::NotContains => {
            let phrases: Vec<Vec<String>> = values.iter().map(|(v, _)| text::words(v)).collect();
            if let Some(i) = phrases.iter().position(Vec::is_empty) {
                return Err((
                    "a word or phrase must contain letters or digits".into(),
                    Some(i),
                ));
            }
            Ok(Operand::Phrases(
                values.iter().map(|(v, _)| v.to_lowercase()).collect(),
                phrases,
            ))
        }
        Op::Matches => {
            let v = single(values)?;
            regex::RegexBuilder::new(&v)
                .size_limit(1 << 20)
                .build()
                .map(Operand::Regex)
                .map_err(|e| {
                    (
                        format!(
                            "invalid regex: {}",
                            e.to_string()
                                .lines()
                                .last()
                                .unwrap_or("")
                                .trim_start_matches("error: ")
                        ),
                        Some(0),
                    )
                })
        }
        Op::Over | Op::Under => {
            if !field.is_duration() {
                return Err((
                    format!(
                        "operator `{}` compares durations: use it with `since.*` or `sla.*.due_in`",
                        op.name()
                    ),
                    None,
                ));
            }
            let v = single(values)?;
            Duration::parse(&v)
                .map(Operand::Duration)
                .map_err(|m| (m, Some(0)))
        }
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let v = single(values)?;
            if *field == Field::Priority {
                v.parse::<Priority>()
                    .map(Operand::Priority)
                    .map_err(|m| (m, Some(0)))
            } else if field.is_time() {
                parse_instant(&v, settings.helpdesk.timezone)
                    .map(Operand::Time)
                    .ok_or_else(|| {
                        (
                            format!("`{v}` is not a time like `2026-11-24T09:00:00Z`"),
                            Some(0),
                        )
                    })
            } else if field.is_duration() {
                Duration::parse(&v)
                    .map(Operand::Duration)
                    .map_err(|m| (m, Some(0)))
            } else if !matches!(field, Field::Custom(_) | Field::CustomerField(_)) {
                Err((
                    format!(
                        "operator `{}` compares priorities, times, durations and numbers in `fields.NAME`; use `is`, `contains` or `matches` for text",
                        op.name(),
                    ),
                    None,
                ))
            } else {
                v.parse::<f64>()
                    .map(Operand::Number)
                    .map_err(|_| (format!("`{v}` is not a number"), Some(0)))
            }
        }
        Op::Exists | Op::Missing | Op::Changed => Ok(Operand::None),
    }
}

/// What a condition is evaluated against.
pub struct Facts<'a> {
    pub ticket: &'a Ticket,
    pub customer: Option<&'a Customer>,
    pub settings: &'a Settings,
    pub now: DateTime<Utc>,
    /// The event a rule handles; `None` for views, filters and time rules.
    pub event: Option<&'a Event>,
    /// The acting agent, for `@me`.
    pub me: Option<&'a str>,
    /// Moments for `since.*` when the ticket is a summary without messages and history.
    pub stats: Option<&'a crate::store::cache::Stats>,
    /// Texts already split into words, so fifty `contains` tests split each text once.
    words: RefCell<HashMap<String, Rc<Vec<String>>>>,
}
/// A field's value on a ticket.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Missing,
    Text(String),
    List(Vec<String>),
    Time(DateTime<Utc>),
    Duration(Duration),
    Priority(Priority),
    Bool(bool),
}

impl Val {
    fn opt(s: Option<&str>) -> Val {
        match s {
            Some(s) if !s.is_empty() => Val::Text(s.to_string()),
            _ => Val::Missing,
        }
    }

    /// Shown in traces and used for string comparison.
    pub fn display(&self) -> String {
        match self {
            Val::Missing => "(none)".into(),
            Val::Text(s) => s.clone(),
            Val::List(l) => format!("[{}]", l.join(", ")),
            Val::Time(t) => crate::time::format_utc(*t),
            Val::Duration(d) => d.to_string(),
            Val::Priority(p) => p.to_string(),
            Val::Bool(b) => b.to_string(),
        }
    }
}

impl<'a> Facts<'a> {
    pub fn new(
        ticket: &'a Ticket,
        customer: Option<&'a Customer>,
        settings: &'a Settings,
        now: DateTime<Utc>,
    ) -> Self {
        Facts {
            ticket,
            customer,
            settings,
            now,
            event: None,
            me: None,
            stats: None,
            words: RefCell::new(HashMap::new()),
        }
    }

    pub fn with_event(mut self, event: Option<&'a Event>) -> Self {
        self.event = event;
        self
    }

    pub fn with_stats(mut self, stats: Option<&'a crate::store::cache::Stats>) -> Self {
        self.stats = stats;
        self
    }

    pub fn with_me(mut self, me: Option<&'a str>) -> Self {
        self.me = me;
        self
    }

    fn words_of(&self, text: &str) -> Rc<Vec<String>> {
        if let Some(w) = self.words.borrow().get(text) {
            return Rc::clone(w);
        }
        let w = Rc::new(text::words(text));
        self.words
            .borrow_mut()
            .insert(text.to_string(), Rc::clone(&w));
        w
    }

    fn change(&self, field: &str) -> Option<&Change> {
        self.event?.changes.iter().find(|c| c.field == field)
    }

    pub fn get(&self, field: &Field) -> Val {
        let t = self.ticket;
        let since = |at: Option<DateTime<Utc>>| match at {
            Some(at) => Val::Duration(Duration::from_secs((self.now - at).num_seconds())),
            None => Val::Missing,
        };
        match field {
            Field::Id => Val::Text(t.id.clone()),
            Field::Subject => Val::Text(t.subject.clone()),
            Field::Type => Val::Text(t.kind.clone()),
            Field::Status => Val::Text(t.status.clone()),
            Field::StatusCategory => {
                Val::Text(self.settings.category(&t.kind, &t.status).as_str().into())
            }
            Field::Priority => Val::Priority(t.priority),
            Field::Department => Val::opt(t.department.as_deref()),
            Field::Assignee => Val::opt(t.assignee.as_deref()),
            Field::Requester => Val::opt(t.requester.as_deref()),
            Field::Shop => Val::opt(t.shop.as_deref()),
            Field::Channel => Val::opt(Some(&t.channel)),
            Field::Tags => Val::List(t.tags.clone()),
            Field::Custom(name) => Val::opt(t.fields.get(name).map(String::as_str)),
            Field::CreatedAt => Val::Time(t.created_at),
            Field::UpdatedAt => Val::Time(t.updated_at),
            Field::SnoozedUntil => t.snoozed_until.map_or(Val::Missing, Val::Time),
            Field::Body => Val::opt(t.first_customer_message().map(|m| m.body.as_str())),
            Field::Text => {
                let mut s = t.subject.clone();
                for m in t
                    .messages
                    .iter()
                    .filter(|m| m.kind == MessageKind::Customer)
                {
                    s.push('\n');
                    s.push_str(&m.body);
                }
                Val::Text(s)
            }
            Field::CustomerEmail => Val::opt(t.requester.as_deref()),
            Field::CustomerDomain => Val::opt(
                t.requester
                    .as_deref()
                    .and_then(|e| e.rsplit_once('@'))
                    .map(|(_, d)| d),
            ),
            Field::CustomerName => Val::opt(self.customer.and_then(|c| c.name.as_deref())),
            Field::CustomerGroup => Val::opt(self.customer.and_then(|c| c.group.as_deref())),
            Field::CustomerOrganization => {
                Val::opt(self.customer.and_then(|c| c.organization.as_deref()))
            }
            Field::CustomerField(n) => Val::opt(
                self.customer
                    .and_then(|c| c.fields.get(n))
                    .map(String::as_str),
            ),
            Field::Since(what)
                if self.stats.is_some() && !matches!(what, Since::Created | Since::Updated) =>
            {
                let s = self.stats.cloned().unwrap_or_default();
                let at = match what {
                    Since::StatusChanged => s.status_changed.or(Some(t.created_at.timestamp())),
                    Since::Assigned => s.assigned,
                    Since::LastCustomerMessage => s.last_customer_message,
                    Since::LastAgentMessage => s.last_agent_message,
                    Since::Created | Since::Updated => None,
                };
                since(at.and_then(|a| DateTime::from_timestamp(a, 0)))
            }
            Field::Since(what) => since(match what {
                Since::Created => Some(t.created_at),
                Since::Updated => Some(t.updated_at),
                Since::StatusChanged => last_change(t, "status").or(Some(t.created_at)),
                Since::Assigned => last_change(t, "assignee"),
                Since::LastCustomerMessage => t.last_customer_message(),
                Since::LastAgentMessage => t.last_agent_message(),
            }),
            Field::SlaPolicy => Val::opt(t.sla.as_ref().map(|s| s.policy.as_str())),
            Field::SlaBreached => Val::Bool(t.sla.as_ref().is_some_and(|s| {
                s.targets
                    .values()
                    .any(|g| g.breached_at.is_some() && g.met_at.is_none())
            })),
            Field::MessageBody => Val::opt(self.message().map(|m| m.body.as_str())),
            Field::MessageFrom => Val::opt(self.message().and_then(|m| m.from.as_deref())),
            Field::MessageTo => Val::opt(self.message().and_then(|m| m.to.as_deref())),
            Field::MessageKind => Val::opt(self.message().map(|m| m.kind.as_str())),
            Field::MessageAuto => self
                .message()
                .map_or(Val::Missing, |m| Val::Bool(m.no_auto_reply)),
            Field::EventName => Val::opt(self.event.map(|e| e.name.as_str())),
            Field::EventTarget => Val::opt(self.event.and_then(|e| e.target.as_deref())),
            Field::ChangeFrom(f) => self.change(f).map_or(Val::Missing, |c| json_val(&c.from)),
            Field::ChangeTo(f) => self.change(f).map_or(Val::Missing, |c| json_val(&c.to)),
            Field::SlaDueIn(target) => t
                .sla
                .as_ref()
                .and_then(|s| s.targets.get(target))
                .filter(|g| g.met_at.is_none())
                .and_then(|g| g.due)
                .map_or(Val::Missing, |due| {
                    Val::Duration(Duration::from_secs((due - self.now).num_seconds()))
                }),
        }
    }
}

impl Facts<'_> {
    fn message(&self) -> Option<&crate::rules::event::MessageCtx> {
        self.event.and_then(|e| e.message.as_ref())
    }
}

fn json_val(v: &serde_json::Value) -> Val {
    match v {
        serde_json::Value::Null => Val::Missing,
        serde_json::Value::String(s) => Val::Text(s.clone()),
        serde_json::Value::Array(a) => Val::List(
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
        ),
        other => Val::Text(other.to_string()),
    }
}

/// What a condition saw: for `desk rules test` and `desk tick --dry-run`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Trace {
    Group {
        kind: &'static str,
        held: bool,
        children: Vec<Trace>,
    },
    Test {
        test: String,
        saw: String,
        held: bool,
    },
}

impl Trace {
    pub fn held(&self) -> bool {
        match self {
            Trace::Group { held, .. } | Trace::Test { held, .. } => *held,
        }
    }
}

fn last_change(t: &Ticket, field: &str) -> Option<DateTime<Utc>> {
    t.history
        .iter()
        .rev()
        .find(|h| h.changes.iter().any(|c| c.field == field))
        .map(|h| h.at)
}

impl Condition {
    pub fn eval(&self, facts: &Facts<'_>) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.eval(facts)),
            Condition::Any(cs) => cs.iter().any(|c| c.eval(facts)),
            Condition::Not(c) => !c.eval(facts),
            Condition::Test(t) => t.holds(facts).0,
        }
    }

    /// Evaluates every part (no short cut), recording what each test saw.
    pub fn trace(&self, facts: &Facts<'_>) -> Trace {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                let children: Vec<Trace> = cs.iter().map(|c| c.trace(facts)).collect();
                let all = matches!(self, Condition::All(_));
                let held = if all {
                    children.iter().all(Trace::held)
                } else {
                    children.iter().any(Trace::held)
                };
                Trace::Group {
                    kind: if all { "all" } else { "any" },
                    held,
                    children,
                }
            }
            Condition::Not(c) => {
                let inner = c.trace(facts);
                Trace::Group {
                    kind: "not",
                    held: !inner.held(),
                    children: vec![inner],
                }
            }
            Condition::Test(t) => {
                let (held, saw) = t.holds(facts);
                Trace::Test {
                    test: t.to_string(),
                    saw: saw.display(),
                    held,
                }
            }
        }
    }

    pub fn fields(&self) -> Vec<&Field> {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().flat_map(Condition::fields).collect()
            }
            Condition::Not(c) => c.fields(),
            Condition::Test(t) => vec![&t.field],
        }
    }

    pub fn needs_full_ticket(&self) -> bool {
        self.fields().iter().any(|f| f.needs_full_ticket())
    }

    /// Three-valued evaluation for a ticket known only in part: `None` when the answer
    /// depends on a field for which `unknown` holds. Used to skip tickets that cannot
    /// match before reading their files.
    pub fn eval3(&self, facts: &Facts<'_>, unknown: &dyn Fn(&Field) -> bool) -> Option<bool> {
        match self {
            Condition::All(cs) => {
                let mut result = Some(true);
                for c in cs {
                    match c.eval3(facts, unknown) {
                        Some(false) => return Some(false),
                        None => result = None,
                        Some(true) => {}
                    }
                }
                result
            }
            Condition::Any(cs) => {
                let mut result = Some(false);
                for c in cs {
                    match c.eval3(facts, unknown) {
                        Some(true) => return Some(true),
                        None => result = None,
                        Some(false) => {}
                    }
                }
                result
            }
            Condition::Not(c) => c.eval3(facts, unknown).map(|b| !b),
            Condition::Test(t) if unknown(&t.field) => None,
            Condition::Test(t) => Some(t.holds(facts).0),
        }
    }

    pub fn needs_customer(&self) -> bool {
        self.fields().iter().any(|f| f.needs_customer())
    }
}

impl Test {
    /// Whether the test holds, and the value it saw.
    pub fn holds(&self, facts: &Facts<'_>) -> (bool, Val) {
        if matches!(self.op, Op::Changed | Op::ChangedTo | Op::ChangedFrom) {
            let c = facts.change(&self.field_name);
            let want = match &self.value {
                Operand::Strings(v) => v.first().map(String::as_str),
                _ => None,
            };
            let held = match (self.op, c) {
                (Op::Changed, Some(_)) => true,
                (Op::ChangedTo, Some(c)) => Some(json_val(&c.to).display().as_str()) == want,
                (Op::ChangedFrom, Some(c)) => Some(json_val(&c.from).display().as_str()) == want,
                _ => false,
            };
            let saw = c.map_or(Val::Text("(unchanged)".into()), |c| {
                Val::Text(format!(
                    "{} → {}",
                    json_val(&c.from).display(),
                    json_val(&c.to).display()
                ))
            });
            return (held, saw);
        }
        let val = facts.get(&self.field);
        let held = match (&self.value, facts.me) {
            (Operand::Strings(ss), me) if ss.iter().any(|s| s == ME) => {
                let ss: Vec<String> = ss
                    .iter()
                    .filter_map(|s| {
                        if s == ME {
                            me.map(str::to_string)
                        } else {
                            Some(s.clone())
                        }
                    })
                    .collect();
                let t = Test {
                    value: Operand::Strings(ss),
                    ..self.clone()
                };
                t.eval(&val, facts)
            }
            _ => self.eval(&val, facts),
        };
        (held, val)
    }

    /// Whether the test holds for a value of its field.
    fn eval(&self, val: &Val, facts: &Facts<'_>) -> bool {
        match self.op {
            Op::Exists => !matches!(val, Val::Missing) && *val != Val::List(vec![]),
            Op::Missing => matches!(val, Val::Missing) || *val == Val::List(vec![]),
            Op::Is | Op::In => self.any_equal(val),
            Op::IsNot | Op::NotIn => !self.any_equal(val),
            Op::Contains => self.contains(val, false, facts),
            Op::ContainsAll => self.contains(val, true, facts),
            Op::NotContains => !self.contains(val, false, facts),
            Op::Matches => match (&self.value, val) {
                (Operand::Regex(re), Val::List(l)) => l.iter().any(|s| re.is_match(s)),
                (Operand::Regex(re), Val::Missing) => re.is_match(""),
                (Operand::Regex(re), v) => re.is_match(&v.display()),
                _ => false,
            },
            Op::StartsWith | Op::EndsWith => {
                let Operand::Strings(needles) = &self.value else {
                    return false;
                };
                let check = |s: &str| {
                    let s = s.to_lowercase();
                    needles.iter().any(|n| {
                        if self.op == Op::StartsWith {
                            s.starts_with(n)
                        } else {
                            s.ends_with(n)
                        }
                    })
                };
                match val {
                    Val::Missing => false,
                    Val::List(l) => l.iter().any(|s| check(s)),
                    v => check(&v.display()),
                }
            }
            Op::Gt | Op::Gte | Op::Lt | Op::Lte | Op::Over | Op::Under => {
                let Some(ord) = self.compare(val) else {
                    return false;
                };
                match self.op {
                    Op::Gt | Op::Over => ord == Ordering::Greater,
                    Op::Gte => ord != Ordering::Less,
                    Op::Lt | Op::Under => ord == Ordering::Less,
                    _ => ord != Ordering::Greater,
                }
            }
            // Answered by `holds`, which knows the event.
            Op::Changed | Op::ChangedTo | Op::ChangedFrom => false,
        }
    }

    fn any_equal(&self, val: &Val) -> bool {
        match (&self.value, val) {
            (Operand::Bool(b), Val::Bool(v)) => b == v,
            (Operand::Strings(ss), Val::List(l)) => ss.iter().any(|s| l.contains(s)),
            (Operand::Strings(_), Val::Missing) => false,
            (Operand::Strings(ss), v) => {
                let d = v.display();
                ss.contains(&d)
            }
            _ => false,
        }
    }

    fn contains(&self, val: &Val, all: bool, facts: &Facts<'_>) -> bool {
        let Operand::Phrases(raw, phrases) = &self.value else {
            return false;
        };
        match val {
            Val::Missing => false,
            Val::List(l) => {
                let has = |s: &String| l.iter().any(|x| x.to_lowercase() == *s);
                if all {
                    raw.iter().all(has)
                } else {
                    raw.iter().any(has)
                }
            }
            v => {
                let hay = facts.words_of(&v.display());
                let has = |p: &Vec<String>| text::has_phrase(&hay, p);
                if all {
                    phrases.iter().all(has)
                } else {
                    phrases.iter().any(has)
                }
            }
        }
    }

    fn compare(&self, val: &Val) -> Option<Ordering> {
        match (&self.value, val) {
            (Operand::Priority(p), Val::Priority(v)) => Some(v.cmp(p)),
            (Operand::Time(t), Val::Time(v)) => Some(v.cmp(t)),
            (Operand::Duration(d), Val::Duration(v)) => Some(v.cmp(d)),
            (Operand::Number(n), Val::Text(s)) => {
                s.trim().parse::<f64>().ok().and_then(|v| v.partial_cmp(n))
            }
            _ => None,
        }
    }
}

/// `priority>=high`, `sla.first_reply.due_in<1h`: (field, operator, value).
fn compare_filter(f: &str) -> Option<(&str, &'static str, &str)> {
    for op in ["<=", ">=", "<", ">"] {
        if let Some((k, v)) = f.split_once(op)
            && !k.is_empty()
            && !v.is_empty()
            && !k.contains(['=', '!'])
        {
            return Some((k, op, v));
        }
    }
    None
}

/// Builds a condition from `desk list` filter words: `field=value`, `field!=value`,
/// `+tag`, `-tag`; anything else is free text matched against subject and messages.
pub fn from_filters(filters: &[String], settings: &Settings) -> Result<Condition, String> {
    let mut all = Vec::new();
    for f in filters {
        let test = |field: &str, op: Op, value: Option<Vec<&str>>| -> Result<Condition, String> {
            let field_parsed = Field::parse(field)?;
            if field_parsed.event_only() {
                return Err(format!("field `{field}` is known only in rules"));
            }
            let values = value.map(|v| v.iter().map(|s| (s.to_string(), 0..0)).collect::<Vec<_>>());
            let op = match (op, values.as_ref().map(Vec::len)) {
                (Op::Is, Some(n)) if n > 1 => Op::In,
                (Op::IsNot, Some(n)) if n > 1 => Op::NotIn,
                (op, _) => op,
            };
            let value = prepare(
                &field_parsed,
                op,
                values.as_deref(),
                settings,
                Context::View,
            )
            .map_err(|(m, _)| format!("filter `{f}`: {m}"))?;
            Ok(Condition::Test(Test {
                field: field_parsed,
                op,
                value,
                field_name: field.to_string(),
            }))
        };
        let cond = if let Some(tag) = f.strip_prefix('+') {
            test("tags", Op::Contains, Some(vec![tag]))?
        } else if let Some(tag) = f.strip_prefix('-').filter(|t| !t.is_empty()) {
            test("tags", Op::NotContains, Some(vec![tag]))?
        } else if let Some((k, op, v)) = compare_filter(f) {
            let duration = Field::parse(k).is_ok_and(|x| x.is_duration());
            let op = match (op, duration) {
                ("<", true) => Op::Under,
                (">", true) => Op::Over,
                ("<", false) => Op::Lt,
                (">", false) => Op::Gt,
                ("<=", _) => Op::Lte,
                _ => Op::Gte,
            };
            test(k, op, Some(vec![v]))?
        } else if let Some((k, v)) = f.split_once("!=") {
            if v.is_empty() {
                test(k, Op::Exists, None)?
            } else {
                test(k, Op::IsNot, Some(v.split(',').collect()))?
            }
        } else if let Some((k, v)) = f.split_once('=') {
            if v.is_empty() {
                test(k, Op::Missing, None)?
            } else {
                test(k, Op::Is, Some(v.split(',').collect()))?
            }
        } else {
            test(
                "text",
                Op::ContainsAll,
                Some(f.split_whitespace().collect()),
            )?
        };
        all.push(cond);
    }
    Ok(Condition::All(all))
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, v: &[String]| {
            if v.len() == 1 {
                write!(f, "{}", v[0])
            } else {
                write!(f, "[{}]", v.join(", "))
            }
        };
        match self {
            Operand::None => Ok(()),
            Operand::Strings(v) | Operand::Phrases(v, _) => list(f, v),
            Operand::Regex(r) => write!(f, "/{}/", r.as_str()),
            Operand::Duration(d) => write!(f, "{d}"),
            Operand::Priority(p) => write!(f, "{p}"),
            Operand::Time(t) => write!(f, "{}", crate::time::format_utc(*t)),
            Operand::Number(n) => write!(f, "{n}"),
            Operand::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Display for Test {
    /// `subject contains [invoice, faktura]`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field_name, self.op.name())?;
        if !matches!(self.value, Operand::None) {
            write!(f, " {}", self.value)?;
        }
        Ok(())
    }
}

impl fmt::Display for Condition {
    /// One line: `all(a, b)`, `any(a, b)`, `not(a)`, and tests as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, sep: &str, cs: &[Condition]| -> fmt::Result {
            for (i, c) in cs.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                match c {
                    Condition::Test(_) | Condition::Not(_) => write!(f, "{c}")?,
                    _ => write!(f, "({c})")?,
                }
            }
            Ok(())
        };
        match self {
            Condition::All(cs) if cs.len() == 1 => write!(f, "{}", cs[0]),
            Condition::Any(cs) if cs.len() == 1 => write!(f, "{}", cs[0]),
            Condition::All(cs) => join(f, " and ", cs),
            Condition::Any(cs) => join(f, " or ", cs),
            Condition::Not(c) => write!(f, "not ({c})"),
            Condition::Test(t) => write!(f, "{t}"),
        }
    }
}
