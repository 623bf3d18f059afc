//! Evaluation: what a condition is evaluated against (`Facts`), the value of each field
//! on them (`Val`), and whether a condition holds, in two values or, for a ticket known
//! only in part, three.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::{Condition, Field, Op, Operand, Since, Test};
use crate::model::settings::Settings;
use crate::model::{Change, Customer, MessageKind, Priority, Ticket};
use crate::rules::event::Event;
use crate::text::{How, Text};
use crate::time::Duration;

/// In a view, `{ field = "assignee", op = "is", value = "@me" }` means the agent
/// running the command (`--as`).
pub const ME: &str = "@me";

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
    /// The agent whose message a template renders (a canned reply, a macro's reply or
    /// note): `{{agent.*}}` names them. `None`: the ticket's assignee, as in rules' mail.
    pub writer: Option<&'a str>,
    /// Moments for `since.*` when the ticket is a summary without messages and history.
    pub stats: Option<&'a crate::model::ticket::Stats>,
    /// Texts already split into words, so fifty `contains` tests split each text once.
    words: RefCell<HashMap<String, Rc<Text>>>,
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
            writer: None,
            stats: None,
            words: RefCell::new(HashMap::new()),
        }
    }

    pub fn with_event(mut self, event: Option<&'a Event>) -> Self {
        self.event = event;
        self
    }

    pub fn with_stats(mut self, stats: Option<&'a crate::model::ticket::Stats>) -> Self {
        self.stats = stats;
        self
    }

    pub fn with_me(mut self, me: Option<&'a str>) -> Self {
        self.me = me;
        self
    }

    pub fn with_writer(mut self, writer: Option<&'a str>) -> Self {
        self.writer = writer;
        self
    }

    fn words_of(&self, text: &str) -> Rc<Text> {
        if let Some(w) = self.words.borrow().get(text) {
            return Rc::clone(w);
        }
        let w = Rc::new(Text::new(text));
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
            Field::Cc => Val::List(t.cc.clone()),
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
            Field::Since(what) => since(self.moment(*what)),
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

impl Facts<'_> {
    /// The moment a `since.*` field measures from: from the listing cache's stats when
    /// the ticket is a summary, else from its messages and history.
    pub fn moment(&self, what: Since) -> Option<DateTime<Utc>> {
        let t = self.ticket;
        if let Some(s) = self.stats
            && !matches!(what, Since::Created | Since::Updated)
        {
            let at = match what {
                Since::StatusChanged => s.status_changed.or(Some(t.created_at.timestamp())),
                Since::Assigned => s.assigned,
                Since::LastCustomerMessage => s.last_customer_message,
                Since::LastAgentMessage => s.last_agent_message,
                Since::Created | Since::Updated => None,
            };
            return at.and_then(|a| DateTime::from_timestamp(a, 0));
        }
        match what {
            Since::Created => Some(t.created_at),
            Since::Updated => Some(t.updated_at),
            Since::StatusChanged => last_change(t, "status").or(Some(t.created_at)),
            Since::Assigned => last_change(t, "assignee"),
            Since::LastCustomerMessage => t.last_customer_message(),
            Since::LastAgentMessage => t.last_agent_message(),
        }
    }
}

impl Condition {
    /// The latest instant at which one of its `over` tests on `since.*` became true
    /// (`since.last_agent_message over 24h`: the last agent message plus 24 hours): when
    /// a time rule whose conditions hold was due. `None` when no such test has passed.
    pub fn deadline(&self, facts: &Facts<'_>) -> Option<DateTime<Utc>> {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().filter_map(|c| c.deadline(facts)).max()
            }
            Condition::Not(c) => c.deadline(facts),
            Condition::Test(t) => match (&t.field, t.op, &t.value) {
                (Field::Since(what), Op::Over, Operand::Duration(d)) => facts
                    .moment(*what)
                    .and_then(|m| m.checked_add_signed(d.to_chrono()))
                    .filter(|due| *due <= facts.now),
                _ => None,
            },
        }
    }
}

impl Condition {
    /// The earliest instant after `facts.now` (seconds) at which a test on elapsed or
    /// remaining time may answer otherwise than now: until then the condition's answer
    /// cannot change unless the ticket does. `None` when no such test will change.
    /// Both the second a threshold is reached and the next are counted, so `over`,
    /// `under` and `is` are all covered.
    pub fn next_change(&self, facts: &Facts<'_>) -> Option<i64> {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().filter_map(|c| c.next_change(facts)).min()
            }
            Condition::Not(c) => c.next_change(facts),
            Condition::Test(t) => {
                let now = facts.now.timestamp();
                let timed = matches!(t.field, Field::Since(_) | Field::SlaDueIn(_));
                let d = match &t.value {
                    Operand::Duration(d) => d,
                    // `exists` and `missing` do not change with time.
                    Operand::None => return None,
                    // A duration compared as text (`is "3d"`): it may change any second.
                    _ if timed => return Some(now.saturating_add(1)),
                    _ => return None,
                };
                let threshold = match &t.field {
                    Field::Since(what) => facts.moment(*what)?.timestamp().checked_add(d.seconds),
                    Field::SlaDueIn(target) => facts
                        .ticket
                        .sla
                        .as_ref()
                        .and_then(|s| s.targets.get(target))
                        .filter(|g| g.met_at.is_none())
                        .and_then(|g| g.due)?
                        .timestamp()
                        .checked_sub(d.seconds),
                    _ => None,
                }?;
                [threshold, threshold.saturating_add(1)]
                    .into_iter()
                    .find(|b| *b > now)
            }
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

    /// Whether a test compares with `value`: `@me` makes a view about the acting agent.
    pub fn mentions(&self, value: &str) -> bool {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().any(|c| c.mentions(value)),
            Condition::Not(c) => c.mentions(value),
            Condition::Test(t) => {
                matches!(&t.value, Operand::Strings(ss) if ss.iter().any(|s| s == value))
            }
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
            Op::ContainsExact => self.contains(val, false, facts),
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
                let hits = self.hits(v, facts);
                let found = |i: usize| hits.get(i).is_some_and(Option::is_some);
                if all {
                    (0..phrases.len()).all(found)
                } else {
                    (0..phrases.len()).any(found)
                }
            }
        }
    }

    /// Where each phrase of a `contains` test occurs in a text value: the words there,
    /// and how they matched the phrase.
    fn hits(&self, val: &Val, facts: &Facts<'_>) -> Vec<Option<(String, How)>> {
        let Operand::Phrases(_, phrases) = &self.value else {
            return Vec::new();
        };
        let hay = facts.words_of(&val.display());
        let served =
            (self.op != Op::ContainsExact).then_some(&facts.settings.helpdesk.languages[..]);
        phrases.iter().map(|p| hay.find(p, served)).collect()
    }

    /// For a trace: the words of a text that a `contains` test found, and why they count.
    pub fn matched(&self, facts: &Facts<'_>) -> Option<String> {
        let Operand::Phrases(raw, _) = &self.value else {
            return None;
        };
        let val = facts.get(&self.field);
        if matches!(val, Val::Missing | Val::List(_)) {
            return None;
        }
        let found: Vec<String> = self
            .hits(&val, facts)
            .into_iter()
            .zip(raw)
            .filter_map(|(hit, term)| {
                let (words, how) = hit?;
                Some(match how {
                    How::Exact => format!("“{words}”"),
                    How::Form(lang) => format!("“{words}”, {lang} form of {term}"),
                    How::Compound => format!("“{words}”, compound of {term}"),
                })
            })
            .collect();
        (!found.is_empty()).then(|| found.join("; "))
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Context;
    use super::super::testkit::{now, one, parse, settings, ticket};
    use super::*;

    /// Whether `entry` holds on the fixture ticket, read as a condition used in `ctx`.
    fn holds(entry: &str, ctx: Context, t: &Ticket, event: Option<&Event>) -> bool {
        let settings = settings();
        let facts = Facts::new(t, None, &settings, now()).with_event(event);
        one(entry, ctx).eval(&facts)
    }

    fn view(entry: &str) -> bool {
        holds(entry, Context::View, &ticket(), None)
    }

    fn tick(entry: &str) -> bool {
        holds(entry, Context::Tick, &ticket(), None)
    }

    #[test]
    fn contains_matches_whole_words_ignoring_case_in_any_script() {
        // The subject says "FAKTURA"; the customer's message is in Japanese and English.
        assert!(view(
            r#"{ field = "subject", op = "contains", value = "faktura" }"#
        ));
        assert!(!view(
            r#"{ field = "subject", op = "contains", value = "fakt" }"#
        ));
        assert!(view(
            r#"{ field = "subject", op = "contains", value = "SPØRSMÅL OM" }"#
        ));
        assert!(!view(
            r#"{ field = "subject", op = "contains", value = "om spørsmål" }"#
        ));
        assert!(view(
            r#"{ field = "body", op = "contains", value = "返品" }"#
        ));
        assert!(view(
            r#"{ field = "text", op = "contains_all", value = ["faktura", "返品", "refund"] }"#
        ));
        assert!(!view(
            r#"{ field = "text", op = "contains_all", value = ["faktura", "exchange"] }"#
        ));
        assert!(view(
            r#"{ field = "text", op = "not_contains", value = "exchange" }"#
        ));
        // On a list, `contains` is membership, ignoring case.
        assert!(view(
            r#"{ field = "tags", op = "contains", value = "BILLING" }"#
        ));
    }

    #[test]
    fn in_holds_when_the_value_is_any_listed() {
        assert!(view(
            r#"{ field = "priority", op = "in", value = ["high", "urgent"] }"#
        ));
        assert!(!view(
            r#"{ field = "priority", op = "in", value = ["low", "normal"] }"#
        ));
        assert!(view(
            r#"{ field = "tags", op = "in", value = ["vip", "billing"] }"#
        ));
        assert!(view(
            r#"{ field = "status", op = "not_in", value = ["solved", "closed"] }"#
        ));
        // An absent value is in no list.
        assert!(!view(
            r#"{ field = "assignee", op = "in", value = ["alex"] }"#
        ));
    }

    #[test]
    fn followers_are_a_list_of_addresses() {
        assert!(view(
            r#"{ field = "cc", op = "contains", value = "Lars@example.no" }"#
        ));
        assert!(view(
            r#"{ field = "cc", op = "in", value = ["per@example.no", "lars@example.no"] }"#
        ));
        assert!(!view(
            r#"{ field = "cc", op = "contains", value = "per@example.no" }"#
        ));
        assert!(view(
            r#"{ field = "cc", op = "ends_with", value = "@example.no" }"#
        ));
        assert!(view(r#"{ field = "cc", op = "exists" }"#));
        assert!(!view(r#"{ field = "cc", op = "missing" }"#));
    }

    #[test]
    fn over_and_under_compare_the_time_since() {
        // Created three days before the clock; no agent has replied.
        assert!(tick(
            r#"{ field = "since.created", op = "over", value = "2d" }"#
        ));
        assert!(!tick(
            r#"{ field = "since.created", op = "over", value = "4d" }"#
        ));
        assert!(tick(
            r#"{ field = "since.created", op = "under", value = "3d1s" }"#
        ));
        assert!(!tick(
            r#"{ field = "since.created", op = "under", value = "3d" }"#
        ));
        assert!(tick(
            r#"{ field = "since.updated", op = "under", value = "1d1h" }"#
        ));
        assert!(!tick(
            r#"{ field = "since.last_agent_message", op = "over", value = "1s" }"#
        ));
        assert!(!tick(
            r#"{ field = "since.last_agent_message", op = "under", value = "99d" }"#
        ));
    }

    #[test]
    fn gt_orders_priorities() {
        // The ticket is `high`.
        assert!(view(
            r#"{ field = "priority", op = "gt", value = "normal" }"#
        ));
        assert!(!view(
            r#"{ field = "priority", op = "gt", value = "high" }"#
        ));
        assert!(view(
            r#"{ field = "priority", op = "gte", value = "high" }"#
        ));
        assert!(view(
            r#"{ field = "priority", op = "lt", value = "urgent" }"#
        ));
    }

    #[test]
    fn exists_and_missing() {
        assert!(view(r#"{ field = "department", op = "exists" }"#));
        assert!(view(r#"{ field = "assignee", op = "missing" }"#));
        assert!(!view(r#"{ field = "assignee", op = "exists" }"#));
        let mut untagged = ticket();
        untagged.tags.clear();
        let empty = |entry| holds(entry, Context::View, &untagged, None);
        assert!(empty(r#"{ field = "tags", op = "missing" }"#));
        assert!(!empty(r#"{ field = "tags", op = "exists" }"#));
    }

    #[test]
    fn changed_to_reads_the_changes_the_event_carries() {
        let mut event = Event::new(crate::rules::event::STATUS_CHANGED);
        event.changes.push(Change {
            field: "status".into(),
            from: json!("open"),
            to: json!("solved"),
        });
        let t = ticket();
        let on = |entry| holds(entry, Context::Event, &t, Some(&event));
        assert!(on(
            r#"{ field = "status", op = "changed_to", value = "solved" }"#
        ));
        assert!(!on(
            r#"{ field = "status", op = "changed_to", value = "open" }"#
        ));
        assert!(on(
            r#"{ field = "status", op = "changed_from", value = "open" }"#
        ));
        assert!(on(r#"{ field = "status", op = "changed" }"#));
        assert!(!on(r#"{ field = "assignee", op = "changed" }"#));
        assert!(on(
            r#"{ field = "changes.status.to", op = "is", value = "solved" }"#
        ));
        assert!(on(
            r#"{ field = "changes.status.from", op = "is", value = "open" }"#
        ));
        // Without an event nothing changed.
        assert!(!holds(
            r#"{ field = "status", op = "changed_to", value = "solved" }"#,
            Context::Event,
            &t,
            None
        ));
    }

    /// Between now and `next_change` the answer is the same at every second; at
    /// `next_change` it may differ, and with no next change it never does.
    #[test]
    fn next_change_bounds_the_time_the_answer_stays_the_same() {
        let settings = settings();
        let t = ticket();
        let start = now();
        let cases = [
            r#"{ field = "since.created", op = "over", value = "3d1h" }"#,
            r#"{ field = "since.created", op = "under", value = "3d2h" }"#,
            r#"{ field = "since.created", op = "over", value = "1h" }"#,
            r#"{ not = { field = "since.updated", op = "under", value = "4d" } }"#,
            r#"{ field = "status", op = "is", value = "open" }"#,
        ];
        for case in cases {
            let c = parse(&format!("if.all = [ {case} ]"), Context::View).unwrap();
            let at = |secs: i64| {
                let when = start + chrono::Duration::seconds(secs);
                c.eval(&Facts::new(&t, None, &settings, when))
            };
            let next = c.next_change(&Facts::new(&t, None, &settings, start));
            let horizon = next.map_or(5 * 86_400, |n| n - start.timestamp());
            // Stepping by a minute, then every second around the end.
            let first = at(0);
            for s in (0..horizon)
                .step_by(60)
                .chain(horizon.saturating_sub(90)..horizon)
            {
                assert_eq!(
                    at(s),
                    first,
                    "{case}: answer changed at +{s}s, before {next:?}"
                );
            }
            match next {
                Some(n) => assert!(n > start.timestamp(), "{case}: {n} is not after now"),
                None => assert!(case.contains("status") || case.contains("\"1h\""), "{case}"),
            }
        }
        // A duration compared as text may change any second.
        let c = parse(
            r#"if.all = [ { field = "since.created", op = "is", value = "3d30m" } ]"#,
            Context::View,
        )
        .unwrap();
        let next = c.next_change(&Facts::new(&t, None, &settings, start));
        assert_eq!(next, Some(start.timestamp() + 1));
        // A threshold in the future answers otherwise just after it.
        let c = parse(
            r#"if.all = [ { field = "since.created", op = "over", value = "3d1h" } ]"#,
            Context::View,
        )
        .unwrap();
        let next = c
            .next_change(&Facts::new(&t, None, &settings, start))
            .unwrap();
        let after = DateTime::from_timestamp(next + 1, 0).unwrap();
        assert!(!c.eval(&Facts::new(&t, None, &settings, start)));
        assert!(c.eval(&Facts::new(&t, None, &settings, after)));
    }

    #[test]
    fn eval3_is_none_only_when_the_answer_needs_an_unknown_field() {
        let settings = settings();
        let t = ticket();
        let facts = Facts::new(&t, None, &settings, now());
        // As for a listing-cache summary: message text is not known.
        let unknown = |f: &Field| f.needs_full_ticket();
        let eval3 = |toml: &str| parse(toml, Context::View).unwrap().eval3(&facts, &unknown);
        let body = r#"{ field = "body", op = "contains", value = "refund" }"#;
        let open = r#"{ field = "status", op = "is", value = "open" }"#;
        let closed = r#"{ field = "status", op = "is", value = "closed" }"#;
        assert_eq!(eval3(&format!("if.all = [ {open}, {body} ]")), None);
        assert_eq!(
            eval3(&format!("if.all = [ {closed}, {body} ]")),
            Some(false)
        );
        assert_eq!(eval3(&format!("if.any = [ {open}, {body} ]")), Some(true));
        assert_eq!(eval3(&format!("if.any = [ {closed}, {body} ]")), None);
        assert_eq!(eval3(&format!("if.all = [ {{ not = {body} }} ]")), None);
        assert_eq!(eval3(&format!("if.all = [ {open} ]")), Some(true));
        // With everything known it answers as `eval` does.
        let c = parse(&format!("if.all = [ {open}, {body} ]"), Context::View).unwrap();
        assert_eq!(c.eval3(&facts, &|_| false), Some(c.eval(&facts)));
        assert!(c.eval(&facts));
    }
}
