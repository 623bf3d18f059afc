//! `rules.toml`: event and time rules, SLA policies and schedules, parsed into typed
//! rules and checked once against desk.toml, the templates and scripts/.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use crate::error::{Diagnostic, Error, Problem, Result};
use crate::model::Settings;
use crate::model::field::Settable;
use crate::model::settings::{Category, TicketType};
use crate::rules::condition::{self, Condition, Context, Field, Op, Operand, Pattern};
use crate::rules::template::{self, Templates};
use crate::source::{Reader, Source, Value};
use crate::time::Duration;

/// Events a rule can listen for, and `tick` for time rules.
pub use crate::model::event::ALL as EVENTS;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum AssignHow {
    Agent(String),
    RoundRobin,
    LeastLoaded,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum NotifyTarget {
    Assignee,
    Department,
    Requester,
    Agent(String),
    Address(String),
}

impl NotifyTarget {
    pub fn describe(&self) -> String {
        match self {
            NotifyTarget::Assignee => "assignee".into(),
            NotifyTarget::Department => "department".into(),
            NotifyTarget::Requester => "requester".into(),
            NotifyTarget::Agent(a) => format!("agent:{a}"),
            NotifyTarget::Address(a) => a.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum SnoozeFor {
    Duration(Duration),
    Until(chrono::DateTime<chrono::Utc>),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    Set {
        field: String,
        to: String,
    },
    AddTags(Vec<String>),
    RemoveTags(Vec<String>),
    Assign(AssignHow),
    Reply {
        template: String,
    },
    Notify {
        to: NotifyTarget,
        template: String,
    },
    Note {
        text: String,
    },
    Snooze(SnoozeFor),
    /// Run `scripts/NAME`; its output is more actions (README, "Scripts"). With `wait`
    /// false the change is saved without it and the script runs right after, in the
    /// background (`queued`).
    Run {
        script: String,
        timeout: std::time::Duration,
        wait: bool,
    },
    Delete,
}

impl Action {
    /// One line for `desk rules list` and traces.
    pub fn describe(&self) -> String {
        match self {
            Action::Set { field, to } if to.is_empty() => format!("clear {field}"),
            Action::Set { field, to } => format!("set {field} = {to}"),
            Action::AddTags(t) => format!("tag +{}", t.join(" +")),
            Action::RemoveTags(t) => format!("untag -{}", t.join(" -")),
            Action::Assign(AssignHow::Agent(a)) => format!("assign {a}"),
            Action::Assign(AssignHow::RoundRobin) => "assign round_robin".into(),
            Action::Assign(AssignHow::LeastLoaded) => "assign least_loaded".into(),
            Action::Reply { template } => format!("reply {template}"),
            Action::Notify { to, template } => format!("notify {} ({template})", to.describe()),
            Action::Note { .. } => "note".into(),
            Action::Snooze(SnoozeFor::Duration(d)) => format!("snooze {d}"),
            Action::Snooze(SnoozeFor::Until(t)) => {
                format!("snooze until {}", crate::time::format_utc(*t))
            }
            Action::Run {
                script,
                wait: false,
                ..
            } => format!("run {script} (not waited for)"),
            Action::Run { script, .. } => format!("run {script}"),
            Action::Delete => "delete".into(),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    pub name: String,
    pub on: Vec<String>,
    pub condition: Option<Condition>,
    pub actions: Vec<Action>,
    pub stop: bool,
    /// Line in rules.toml, for messages.
    pub line: usize,
}

impl Rule {
    pub fn listens_to(&self, event: &str) -> bool {
        self.on.iter().any(|e| e == event)
    }

    pub fn is_time_rule(&self) -> bool {
        self.listens_to("tick")
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SlaPolicy {
    pub name: String,
    pub condition: Option<Condition>,
    pub calendar: Option<String>,
    pub first_reply: Option<Duration>,
    pub next_reply: Option<Duration>,
    pub resolution: Option<Duration>,
    pub warn_before: Option<Duration>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    pub name: String,
    pub every: String,
    /// The ticket to create: subject and the fields `desk new` takes.
    pub ticket: Vec<(String, ScheduleValue)>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum ScheduleValue {
    Text(String),
    List(Vec<String>),
}

/// A `[[macro]]`: what an agent applies to tickets by hand (`desk macro NAME ID...`),
/// in the rules' vocabulary, and a template sent as the agent's own public reply.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Macro {
    pub name: String,
    pub actions: Vec<Action>,
    /// A template sent to the requester as the agent's reply, after the actions.
    pub reply: Option<String>,
    /// Line in rules.toml, for messages.
    pub line: usize,
}

impl Macro {
    /// Its actions and its reply, each in a few words, for `desk rules list`.
    pub fn describe(&self) -> Vec<String> {
        let mut v: Vec<String> = self.actions.iter().map(Action::describe).collect();
        if let Some(t) = &self.reply {
            v.push(format!("reply {t} (as the agent)"));
        }
        v
    }
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RuleSet {
    /// The rules that run, in file order.
    pub rules: Vec<Rule>,
    /// Rules switched off with `enabled = false`: checked like the others, never run.
    pub disabled: Vec<Rule>,
    pub slas: Vec<SlaPolicy>,
    pub schedules: Vec<Schedule>,
    /// What agents apply by hand, in file order.
    pub macros: Vec<Macro>,
    pub templates: Templates,
}

impl RuleSet {
    /// The `matches` patterns that the rules for `event` and the SLA policies may test
    /// and that are not compiled yet, in the order they are tested.
    pub fn uncompiled_patterns(&self, event: &str) -> Vec<Pattern> {
        let mut patterns = Vec::new();
        for r in self.rules.iter().filter(|r| r.listens_to(event)) {
            if let Some(c) = &r.condition {
                c.patterns(&mut patterns);
            }
        }
        for s in &self.slas {
            if let Some(c) = &s.condition {
                c.patterns(&mut patterns);
            }
        }
        patterns.retain(|p| !p.is_compiled());
        patterns
    }

    /// Loads rules.toml (absent: no rules) and the templates it names, checked against `settings`.
    pub fn load(root: &Path, settings: &Settings) -> Result<RuleSet> {
        let path = root.join("rules.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RuleSet::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        RuleSet::from_text(root, text, settings)
    }

    /// Reads rules.toml's `text` and the templates it names, checked against `settings`.
    pub fn from_text(root: &Path, text: String, settings: &Settings) -> Result<RuleSet> {
        let source = Source::new("rules.toml", text);
        let mut templates = Templates::new(root);
        let mut set = RuleSet::parse(&source, settings, &mut templates).map_err(Error::Config)?;
        set.templates = templates;
        Ok(set)
    }

    /// The macro called `name`.
    pub fn macro_named(&self, name: &str) -> Option<&Macro> {
        self.macros.iter().find(|m| m.name == name)
    }

    /// The names of the macros, in file order (for completions and did-you-mean).
    pub fn macro_names(&self) -> Vec<&str> {
        self.macros.iter().map(|m| m.name.as_str()).collect()
    }

    pub fn parse(
        source: &Source,
        settings: &Settings,
        templates: &mut Templates,
    ) -> Result<RuleSet, Vec<Diagnostic>> {
        let doc = source.parse()?;
        let mut r = Reader::new(source);
        let set = read_ruleset(&mut r, doc.get_ref(), settings, templates);
        let errors = r.finish();
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }
}

fn read_ruleset(
    r: &mut Reader<'_>,
    doc: &DeTable<'_>,
    settings: &Settings,
    templates: &mut Templates,
) -> RuleSet {
    r.check_keys(doc, &["rule", "sla", "schedule", "macro"], "rules.toml");
    let mut set = RuleSet::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (span, t) in r.tables(doc, "rule") {
        let enabled = r.opt_bool(t, "enabled", "[[rule]]").unwrap_or(true);
        if let Some(rule) = read_rule(r, t, span, settings, templates, &mut seen) {
            if enabled {
                set.rules.push(rule);
            } else {
                set.disabled.push(rule);
            }
        }
    }
    let mut seen_sla: HashMap<String, usize> = HashMap::new();
    for (span, t) in r.tables(doc, "sla") {
        if let Some(p) = read_sla(r, t, span, settings, &mut seen_sla) {
            set.slas.push(p);
        }
    }
    let mut seen_macro: HashMap<String, usize> = HashMap::new();
    for (span, t) in r.tables(doc, "macro") {
        if let Some(m) = read_macro(r, t, span, settings, templates, &mut seen_macro) {
            set.macros.push(m);
        }
    }
    // `set sla` must name a policy of this file; policies may come after the rules.
    let tables: Vec<_> = ["rule", "macro"]
        .into_iter()
        .flat_map(|kind| r.tables(doc, kind))
        .collect();
    for (_, t) in tables {
        let Some(DeValue::Array(then)) = t.get("then").map(|v| v.get_ref()) else {
            continue;
        };
        for a in then.iter() {
            if let DeValue::Table(at) = a.get_ref()
                && at.get("set").and_then(|v| v.get_ref().as_str()) == Some("sla")
                && let Some(to) = at.get("to")
                && let Some(name) = to.get_ref().as_str()
                && !name.is_empty()
                && !set.slas.iter().any(|p| p.name == name)
            {
                let known: Vec<&str> = set.slas.iter().map(|p| p.name.as_str()).collect();
                r.error(
                    to.span(),
                    Problem::near(
                        format!("unknown SLA policy `{name}` (policies are the [[sla]] entries of rules.toml)"),
                        name,
                        known.iter().copied(),
                    ),
                );
            }
        }
    }
    let mut seen_schedule: HashMap<String, usize> = HashMap::new();
    for (span, t) in r.tables(doc, "schedule") {
        if let Some(s) = read_schedule(r, t, span, settings, &mut seen_schedule) {
            set.schedules.push(s);
        }
    }
    set
}

fn read_name(
    r: &mut Reader<'_>,
    t: &DeTable<'_>,
    what: &str,
    at: Range<usize>,
    seen: &mut HashMap<String, usize>,
) -> Option<String> {
    let name = r.req_str(t, "name", what, at)?;
    let span = name.span();
    let name = name.into_inner();
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        r.error(
            span,
            format!("{what} name `{name}` must be one word, like `billing-keywords`"),
        );
        return None;
    }
    if let Some(line) = r.seen_before(seen, &name, span.clone()) {
        r.error(
            span,
            format!("duplicate {what} name `{name}` (first used on line {line})"),
        );
        return None;
    }
    Some(name)
}

fn read_rule(
    r: &mut Reader<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    settings: &Settings,
    templates: &mut Templates,
    seen: &mut HashMap<String, usize>,
) -> Option<Rule> {
    r.check_keys(
        t,
        &["name", "on", "if", "then", "stop", "enabled"],
        "[[rule]]",
    );
    let (line, _) = r.source.position(span.start);
    let name = read_name(r, t, "rule", span.clone(), seen);
    let what = name
        .as_deref()
        .map_or_else(|| "[[rule]]".to_string(), |n| format!("rule `{n}`"));
    let mut ok = name.is_some();

    let mut on = Vec::new();
    match t.get("on") {
        None => {
            r.error(
                span.clone(),
                format!(
                    "{what} needs `on`, the events it runs on (e.g. on = [\"ticket.created\"])"
                ),
            );
            ok = false;
        }
        Some(v) => {
            let list = r.str_list(t, "on", &what);
            if list.is_empty() && matches!(v.get_ref(), DeValue::Array(_)) {
                r.error(
                    v.span(),
                    format!("{what}: `on` must name at least one event"),
                );
                ok = false;
            }
            if !matches!(v.get_ref(), DeValue::Array(_)) {
                ok = false;
            }
            for e in list {
                if EVENTS.contains(&e.get_ref().as_str()) {
                    if !on.contains(e.get_ref()) {
                        on.push(e.into_inner());
                    }
                } else {
                    r.error(
                        e.span(),
                        Problem::near(
                            format!("unknown event `{}`", e.get_ref()),
                            e.get_ref(),
                            EVENTS,
                        ),
                    );
                    ok = false;
                }
            }
        }
    }
    let has_tick = on.iter().any(|e| e == "tick");
    let has_event = on.iter().any(|e| e != "tick");
    let ctx = match (has_tick, has_event) {
        (true, true) => {
            r.error(
                key_or(t, "on", span.clone()),
                format!("{what}: a rule runs on events or on `tick`, not both; split it in two"),
            );
            ok = false;
            Context::Event
        }
        (true, false) => Context::Tick,
        _ => Context::Event,
    };

    let condition = match t.get("if") {
        Some(v) => {
            let c = condition::parse_if(r, v, settings, ctx);
            ok &= c.is_some();
            c
        }
        None => None,
    };

    let mut actions = Vec::new();
    match t.get("then") {
        None => {
            r.error(
                span.clone(),
                format!("{what} needs `then`, the actions it takes"),
            );
            ok = false;
        }
        Some(v) => {
            if let Some(arr) = r.as_array(v, &format!("`then` of {what}")) {
                if arr.is_empty() {
                    r.error(v.span(), format!("{what}: `then` has no actions"));
                    ok = false;
                }
                // Conditions that did not parse say nothing sure about the type: their
                // error is enough.
                let mut reach = match (&condition, t.contains_key("if")) {
                    (Some(c), _) => Some(type_mask(c, settings)),
                    (None, false) => Some(vec![true; settings.types.len()]),
                    (None, true) => None,
                };
                for item in arr.iter() {
                    match read_action(r, item, settings, templates) {
                        Some(a) => {
                            if let Some(reach) = reach.as_mut() {
                                ok &= check_reach(r, item, &a, reach, settings, &what);
                            }
                            actions.push(a);
                        }
                        None => ok = false,
                    }
                }
            } else {
                ok = false;
            }
        }
    }
    let stop = r.opt_bool(t, "stop", &what).unwrap_or(false);
    ok.then(|| Rule {
        name: name.unwrap_or_default(),
        on,
        condition,
        actions,
        stop,
        line,
    })
}

fn read_macro(
    r: &mut Reader<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    settings: &Settings,
    templates: &mut Templates,
    seen: &mut HashMap<String, usize>,
) -> Option<Macro> {
    r.check_keys(t, &["name", "then", "reply"], "[[macro]]");
    let (line, _) = r.source.position(span.start);
    let name = read_name(r, t, "macro", span.clone(), seen);
    let what = name
        .as_deref()
        .map_or_else(|| "[[macro]]".to_string(), |n| format!("macro `{n}`"));
    let mut ok = name.is_some();
    let mut actions = Vec::new();
    if let Some(v) = t.get("then") {
        match r.as_array(v, &format!("`then` of {what}")) {
            Some(arr) => {
                for item in arr.iter() {
                    let Some(a) = read_action(r, item, settings, templates) else {
                        ok = false;
                        continue;
                    };
                    let refused = match &a {
                        Action::Reply { .. } => Some((
                            "reply",
                            "its reply is the `reply` key beside `then` (reply = \"TEMPLATE\"), sent as the agent's own",
                        )),
                        Action::Run { .. } => Some((
                            "run",
                            "a macro cannot run scripts (a rule on the events it raises can)",
                        )),
                        Action::Delete => Some(("delete", "a macro cannot delete tickets")),
                        _ => None,
                    };
                    match refused {
                        Some((verb, why)) => {
                            let at = match item.get_ref() {
                                DeValue::Table(at) => key_or(at, verb, item.span()),
                                _ => item.span(),
                            };
                            r.error(at, format!("{what}: {why}"));
                            ok = false;
                        }
                        None => actions.push(a),
                    }
                }
            }
            None => ok = false,
        }
    }
    let reply = match t.get("reply") {
        Some(v) => {
            let name = r.as_str(v, &format!("`reply` of {what}"))?;
            templates.require(r, &name, settings)?;
            Some(name.into_inner())
        }
        None => None,
    };
    if ok && actions.is_empty() && reply.is_none() {
        r.error(
            span,
            format!("{what} does nothing: give it `then` (actions), `reply` (a template), or both"),
        );
        ok = false;
    }
    ok.then(|| Macro {
        name: name.unwrap_or_default(),
        actions,
        reply,
        line,
    })
}

/// The ticket types a condition can hold for, as a mask over `settings.types`. Tests of
/// `type` narrow it, and so do `is`/`in` tests of `status` and `status_category` (a
/// status belongs to its type); anything else, including a `not` around anything but a
/// `type` test, may hold for every type. It errs towards too many types, never too few.
fn type_mask(c: &Condition, settings: &Settings) -> Vec<bool> {
    let every = || vec![true; settings.types.len()];
    match c {
        Condition::All(cs) => cs.iter().fold(every(), |mut m, c| {
            for (a, b) in m.iter_mut().zip(type_mask(c, settings)) {
                *a &= b;
            }
            m
        }),
        Condition::Any(cs) if cs.is_empty() => every(),
        Condition::Any(cs) => cs
            .iter()
            .fold(vec![false; settings.types.len()], |mut m, c| {
                for (a, b) in m.iter_mut().zip(type_mask(c, settings)) {
                    *a |= b;
                }
                m
            }),
        Condition::Not(inner) => match inner.as_ref() {
            Condition::Test(t) if t.field == Field::Type => {
                test_mask(t, settings).map_or_else(every, |m| m.into_iter().map(|b| !b).collect())
            }
            _ => every(),
        },
        Condition::Test(t) => test_mask(t, settings).unwrap_or_else(every),
    }
}

/// The types a test can hold for, or `None` when it says nothing about the type.
fn test_mask(t: &condition::Test, settings: &Settings) -> Option<Vec<bool>> {
    let Operand::Strings(values) = &t.value else {
        return None;
    };
    let named = |v: &str| values.iter().any(|x| x == v);
    let holds = |tt: &TicketType| match &t.field {
        Field::Type => named(&tt.id),
        Field::Status => tt.statuses.iter().any(|s| named(&s.id)),
        _ => tt.statuses.iter().any(|s| {
            values
                .iter()
                .any(|v| Category::parse(v) == Some(s.category))
        }),
    };
    let positive = match (&t.field, &t.op) {
        (Field::Type | Field::Status | Field::StatusCategory, Op::Is | Op::In) => true,
        // "Not this status" leaves every type possible; "not this type" does not.
        (Field::Type, Op::IsNot | Op::NotIn) => false,
        _ => return None,
    };
    Some(
        settings
            .types
            .iter()
            .map(|tt| holds(tt) == positive)
            .collect(),
    )
}

/// Follows the type through a rule's actions (`set type` fixes it) and checks that a
/// `set status` names a status of every type the ticket can have at that point.
fn check_reach(
    r: &mut Reader<'_>,
    item: &Value<'_>,
    action: &Action,
    reach: &mut Vec<bool>,
    settings: &Settings,
    what: &str,
) -> bool {
    let Action::Set { field, to } = action else {
        return true;
    };
    match field.as_str() {
        "type" => {
            *reach = settings.types.iter().map(|t| &t.id == to).collect();
            true
        }
        "status" => {
            let (lacking, having): (Vec<&TicketType>, Vec<&TicketType>) = settings
                .types
                .iter()
                .zip(reach.iter())
                .filter(|(_, r)| **r)
                .map(|(t, _)| t)
                .partition(|t| t.status(to).is_none());
            if lacking.is_empty() {
                return true;
            }
            let names = |ts: &[&TicketType]| {
                ts.iter()
                    .map(|t| format!("`{}`", t.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let quoted: Vec<String> = having.iter().map(|t| format!("\"{}\"", t.id)).collect();
            let pin = match quoted.as_slice() {
                [] => String::new(),
                [one] => format!(
                    "; limit the rule with {{ field = \"type\", op = \"is\", value = {one} }} in `if.all`"
                ),
                many => format!(
                    "; limit the rule with {{ field = \"type\", op = \"in\", value = [{}] }} in `if.all`",
                    many.join(", ")
                ),
            };
            let types = if lacking.len() == 1 { "type" } else { "types" };
            let span = match item.get_ref() {
                DeValue::Table(t) => t.get("to").map_or(item.span(), |v| v.span()),
                _ => item.span(),
            };
            r.error(
                span,
                format!(
                    "{what} can set status `{to}` on tickets of {types} {}, which {} no such status{pin}",
                    names(&lacking),
                    if lacking.len() == 1 { "has" } else { "have" },
                ),
            );
            false
        }
        _ => true,
    }
}

fn key_or(t: &DeTable<'_>, key: &str, span: Range<usize>) -> Range<usize> {
    crate::source::key_span(t, key).unwrap_or(span)
}

/// Every action a rule's `then` may hold.
pub const ACTIONS: [&str; 10] = [
    "set",
    "add_tags",
    "remove_tags",
    "assign",
    "reply",
    "notify",
    "note",
    "snooze",
    "run",
    "delete",
];

fn read_action(
    r: &mut Reader<'_>,
    v: &Value<'_>,
    settings: &Settings,
    templates: &mut Templates,
) -> Option<Action> {
    let t = r.as_table(v, "an action")?;
    // The verb written first is the action; keys are kept sorted, so order by place.
    let Some((verb_key, _)) = t
        .iter()
        .filter(|(k, _)| ACTIONS.contains(&k.get_ref().as_ref()))
        .min_by_key(|(k, _)| k.span().start)
    else {
        let first = t.keys().next();
        match first {
            Some(k) => {
                r.error(
                    k.span(),
                    Problem::near(
                        format!("unknown action `{}`", k.get_ref()),
                        k.get_ref(),
                        ACTIONS,
                    ),
                );
            }
            None => r.error(
                v.span(),
                "an empty action: write e.g. { set = \"priority\", to = \"high\" }",
            ),
        }
        return None;
    };
    let verb: String = verb_key.get_ref().to_string();
    let allowed: &[&str] = match verb.as_str() {
        "set" => &["set", "to"],
        "notify" => &["notify", "template"],
        "run" => &["run", "timeout", "wait"],
        other => &[other],
    };
    // Two verbs in one table is a likely mistake: name it.
    for k in t.keys() {
        let k_s: &str = k.get_ref();
        if k_s != verb && ACTIONS.contains(&k_s) {
            r.error(
                k.span(),
                format!("one action per entry: `{verb}` and `{k_s}` are in the same table"),
            );
            return None;
        }
    }
    r.check_keys(t, allowed, &format!("a `{verb}` action"));
    let value = t.get(verb.as_str())?;
    let what = format!("`{verb}`");
    match verb.as_str() {
        "set" => {
            let field = r.as_str(value, &what)?;
            let to = match t.get("to") {
                Some(tv) => match tv.get_ref() {
                    DeValue::String(s) => toml::Spanned::new(tv.span(), s.to_string()),
                    DeValue::Integer(i) => toml::Spanned::new(tv.span(), i.as_str().to_string()),
                    DeValue::Float(f) => toml::Spanned::new(tv.span(), f.as_str().to_string()),
                    DeValue::Boolean(b) => toml::Spanned::new(tv.span(), b.to_string()),
                    other => {
                        r.error(
                            tv.span(),
                            format!("`to` must be a string, found {}", other.type_str()),
                        );
                        return None;
                    }
                },
                None => {
                    r.error(
                        v.span(),
                        format!("`set = \"{}\"` needs `to` (\"\" clears)", field.get_ref()),
                    );
                    return None;
                }
            };
            check_set(r, &field, &to, settings)?;
            Some(Action::Set {
                field: field.into_inner(),
                to: to.into_inner(),
            })
        }
        "add_tags" | "remove_tags" => {
            let tags = r.str_list(t, &verb, "the action");
            if !matches!(value.get_ref(), DeValue::Array(_)) {
                return None;
            }
            let mut out = Vec::new();
            for tag in tags {
                match crate::model::ticket::normalize_tag(tag.get_ref()) {
                    Ok(n) => out.push(n),
                    Err(m) => {
                        r.error(tag.span(), m);
                        return None;
                    }
                }
            }
            if out.is_empty() {
                r.error(value.span(), format!("`{verb}` needs at least one tag"));
                return None;
            }
            Some(if verb == "add_tags" {
                Action::AddTags(out)
            } else {
                Action::RemoveTags(out)
            })
        }
        "assign" => {
            let who = r.as_str(value, &what)?;
            let how = match who.get_ref().as_str() {
                "round_robin" => AssignHow::RoundRobin,
                "least_loaded" => AssignHow::LeastLoaded,
                a => {
                    if let Err(m) = settings.check_agent(a) {
                        r.error(
                            who.span(),
                            format!("{m} (or `round_robin`, `least_loaded`)"),
                        );
                        return None;
                    }
                    AssignHow::Agent(a.to_string())
                }
            };
            Some(Action::Assign(how))
        }
        "reply" => {
            let name = r.as_str(value, &what)?;
            templates.require(r, &name, settings)?;
            Some(Action::Reply {
                template: name.into_inner(),
            })
        }
        "notify" => {
            let to = r.as_str(value, &what)?;
            let target = match to.get_ref().as_str() {
                "assignee" => NotifyTarget::Assignee,
                "department" => NotifyTarget::Department,
                "requester" => NotifyTarget::Requester,
                s => {
                    if let Some(a) = s.strip_prefix("agent:") {
                        if let Err(m) = settings.check_agent(a) {
                            r.error(to.span(), m);
                            return None;
                        }
                        NotifyTarget::Agent(a.to_string())
                    } else if s.contains('@') {
                        match crate::model::customer::validate_email(s) {
                            Ok(e) => NotifyTarget::Address(e),
                            Err(m) => {
                                r.error(to.span(), m);
                                return None;
                            }
                        }
                    } else {
                        r.error(
                            to.span(),
                            Problem::near(
                                format!("cannot notify `{s}`: use assignee, department, requester, agent:ID or an address"),
                                s,
                                ["assignee", "department", "requester"],
                            ),
                        );
                        return None;
                    }
                }
            };
            let tpl = r.req_str(t, "template", "a `notify` action", v.span())?;
            templates.require(r, &tpl, settings)?;
            Some(Action::Notify {
                to: target,
                template: tpl.into_inner(),
            })
        }
        "note" => {
            let text = r.as_str(value, &what)?;
            if text.get_ref().trim().is_empty() {
                r.error(text.span(), "a note must not be empty");
                return None;
            }
            template::check_placeholders(r, text.get_ref(), text.span(), settings)?;
            Some(Action::Note {
                text: text.into_inner(),
            })
        }
        "snooze" => {
            let when = r.as_str(value, &what)?;
            match Duration::parse(when.get_ref()) {
                Ok(d) if d.seconds <= 0 => {
                    r.error(when.span(), "snooze for a positive duration");
                    return None;
                }
                Ok(d) => return Some(Action::Snooze(SnoozeFor::Duration(d))),
                Err(m) if crate::time::looks_like_duration(when.get_ref()) => {
                    r.error(when.span(), m);
                    return None;
                }
                Err(_) => {}
            }
            match crate::time::parse_instant(when.get_ref(), settings.helpdesk.timezone) {
                Some(t) => Some(Action::Snooze(SnoozeFor::Until(t))),
                None => {
                    r.error(
                        when.span(),
                        format!("`{}` is neither a duration like `2d` nor a time like `2026-12-01 09:00`", when.get_ref()),
                    );
                    None
                }
            }
        }
        "delete" => match value.get_ref() {
            DeValue::Boolean(true) => Some(Action::Delete),
            _ => {
                r.error(value.span(), "write `{ delete = true }`");
                None
            }
        },
        "run" => {
            let name = r.as_str(value, &what)?;
            if let Err(m) = crate::model::script::check_name(name.get_ref()) {
                r.error(name.span(), m);
                return None;
            }
            let timeout = match t.get("timeout") {
                None => crate::model::script::DEFAULT_TIMEOUT,
                Some(tv) => {
                    let text = r.as_str(tv, "`timeout`")?;
                    match Duration::parse(text.get_ref()) {
                        Ok(d) if d.seconds > 0 && d.seconds <= 600 => {
                            std::time::Duration::from_secs(d.seconds.unsigned_abs())
                        }
                        Ok(_) => {
                            r.error(text.span(), "a script's timeout is between 1s and 10m");
                            return None;
                        }
                        Err(m) => {
                            r.error(text.span(), m);
                            return None;
                        }
                    }
                }
            };
            let wait = match t.get("wait") {
                None => true,
                Some(w) => match w.get_ref() {
                    DeValue::Boolean(b) => *b,
                    _ => {
                        r.error(
                            w.span(),
                            "`wait` is true (the change waits for the script, the default) or false (it runs once the change is saved)",
                        );
                        return None;
                    }
                },
            };
            Some(Action::Run {
                script: name.into_inner(),
                timeout,
                wait,
            })
        }
        _ => None,
    }
}

/// Checks a `set` action's field and value against desk.toml with the check `desk set`
/// uses.
fn check_set(
    r: &mut Reader<'_>,
    field: &toml::Spanned<String>,
    to: &toml::Spanned<String>,
    settings: &Settings,
) -> Option<()> {
    let which = match Settable::parse(field.get_ref()) {
        Ok(Settable::Requester) => Err("a rule cannot set `requester`".into()),
        other => other,
    };
    let which = match which {
        Ok(w) => w,
        Err(m) => {
            r.error(field.span(), m);
            return None;
        }
    };
    match which.check(to.get_ref(), settings) {
        Ok(()) => Some(()),
        Err(m) => {
            r.error(to.span(), m);
            None
        }
    }
}

fn read_duration(r: &mut Reader<'_>, t: &DeTable<'_>, key: &str, what: &str) -> Option<Duration> {
    let s = r.opt_str(t, key, what)?;
    match Duration::parse(s.get_ref()) {
        Ok(d) if d.seconds > 0 => Some(d),
        Ok(_) => {
            r.error(s.span(), format!("`{key}` must be longer than zero"));
            None
        }
        Err(m) => {
            r.error(s.span(), m);
            None
        }
    }
}

fn read_sla(
    r: &mut Reader<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    settings: &Settings,
    seen: &mut HashMap<String, usize>,
) -> Option<SlaPolicy> {
    r.check_keys(
        t,
        &[
            "name",
            "if",
            "calendar",
            "first_reply",
            "next_reply",
            "resolution",
            "warn_before",
        ],
        "[[sla]]",
    );
    let name = read_name(r, t, "SLA policy", span.clone(), seen)?;
    let what = format!("SLA policy `{name}`");
    let condition = match t.get("if") {
        Some(v) => Some(condition::parse_if(r, v, settings, Context::View)?),
        None => None,
    };
    let calendar = r.opt_str(t, "calendar", &what);
    if let Some(c) = &calendar
        && let Err(m) = Settings::check_known(
            "calendar",
            c.get_ref(),
            settings.calendars.keys().map(String::as_str),
        )
    {
        r.error(c.span(), m);
    }
    let p = SlaPolicy {
        calendar: calendar.map(|c| c.into_inner()),
        first_reply: read_duration(r, t, "first_reply", &what),
        next_reply: read_duration(r, t, "next_reply", &what),
        resolution: read_duration(r, t, "resolution", &what),
        warn_before: read_duration(r, t, "warn_before", &what),
        condition,
        name,
    };
    if p.first_reply.is_none() && p.next_reply.is_none() && p.resolution.is_none() {
        r.error(
            span,
            format!("{what} needs a target: first_reply, next_reply or resolution"),
        );
    }
    Some(p)
}

fn read_schedule(
    r: &mut Reader<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    settings: &Settings,
    seen: &mut HashMap<String, usize>,
) -> Option<Schedule> {
    r.check_keys(t, &["name", "every", "ticket"], "[[schedule]]");
    let name = read_name(r, t, "schedule", span.clone(), seen)?;
    let what = format!("schedule `{name}`");
    let every = r.req_str(t, "every", &what, span.clone())?;
    let fields: Vec<&str> = every.get_ref().split_whitespace().collect();
    if fields.len() != 5 {
        r.error(
            every.span(),
            format!(
                "`every` is cron syntax with 5 fields (minute hour day month weekday), found {}",
                fields.len()
            ),
        );
        return None;
    }
    if let Err(e) = every.get_ref().parse::<croner::Cron>() {
        r.error(
            every.span(),
            format!("`{}` is not a cron schedule: {e}", every.get_ref()),
        );
        return None;
    }
    let tv = match t.get("ticket") {
        Some(v) => v,
        None => {
            r.error(
                span,
                format!("{what} needs `ticket`, e.g. ticket = {{ subject = \"...\" }}"),
            );
            return None;
        }
    };
    let tt = r.as_table(tv, &format!("`ticket` of {what}"))?;
    let keys = [
        "subject",
        "body",
        "department",
        "priority",
        "type",
        "shop",
        "tags",
        "assignee",
    ];
    r.check_keys(tt, &keys, &format!("`ticket` of {what}"));
    let mut ticket = Vec::new();
    for (k, v) in tt.iter() {
        let key: &str = k.get_ref();
        if key == "tags" {
            let tags = r.str_list(tt, "tags", &what);
            ticket.push((
                "tags".to_string(),
                ScheduleValue::List(tags.into_iter().map(|t| t.into_inner()).collect()),
            ));
            continue;
        }
        let Some(s) = r.as_str(v, &format!("`{key}` of the ticket of {what}")) else {
            continue;
        };
        if key == "subject" && s.get_ref().trim().is_empty() {
            r.error(
                s.span(),
                format!("the ticket of {what} needs a subject that is not empty"),
            );
            continue;
        }
        let check = match key {
            field if field != "body" && keys.contains(&field) => {
                Settable::parse(field).and_then(|f| f.check(s.get_ref(), settings))
            }
            _ => Ok(()),
        };
        if let Err(m) = check {
            r.error(s.span(), m);
        }
        ticket.push((key.to_string(), ScheduleValue::Text(s.into_inner())));
    }
    if !ticket.iter().any(|(k, _)| k == "subject") {
        r.error(tv.span(), format!("the ticket of {what} needs a `subject`"));
    }
    Some(Schedule {
        name,
        every: every.into_inner(),
        ticket,
    })
}

/// A script's output: a JSON array of actions in the rules' vocabulary, checked exactly
/// like the actions of rules.toml (the same reader runs on each), against the same
/// desk.toml, templates and SLA policies. A script cannot run scripts.
pub fn actions_from_json(
    output: &[u8],
    settings: &Settings,
    rules: &RuleSet,
) -> std::result::Result<Vec<Action>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(output).map_err(|e| format!("its output is not JSON: {e}"))?;
    let serde_json::Value::Array(items) = value else {
        return Err("its output must be a JSON array of actions, like [{\"set\": \"priority\", \"to\": \"high\"}]".into());
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let n = i + 1;
        if !item.is_object() {
            return Err(format!("action {n}: an action is a JSON object"));
        }
        // The same reader as rules.toml: the action as a TOML inline table.
        let table = toml::Value::try_from(&item)
            .map_err(|e| format!("action {n}: {e} (null is not a value here)"))?;
        let mut doc = toml::Table::new();
        doc.insert("action".into(), table);
        let text = toml::to_string(&doc).map_err(|e| format!("action {n}: {e}"))?;
        let source = Source::new(format!("action {n}"), text);
        let parsed = source.parse().map_err(|d| {
            d.first().map_or_else(
                || format!("action {n}: unreadable"),
                |d| format!("action {n}: {}", d.problem),
            )
        })?;
        let mut r = Reader::new(&source);
        let mut templates = rules.templates.clone();
        let action = parsed
            .get_ref()
            .get("action")
            .and_then(|v| read_action(&mut r, v, settings, &mut templates));
        if let Some(d) = r.finish().into_iter().next() {
            return Err(format!("action {n}: {}", d.problem));
        }
        let action = action.ok_or_else(|| format!("action {n}: not an action"))?;
        match &action {
            Action::Run { .. } => {
                return Err(format!("action {n}: a script cannot run scripts"));
            }
            Action::Reply { template } | Action::Notify { template, .. }
                if rules.templates.get(template).is_none() =>
            {
                return Err(format!(
                    "action {n}: template `{template}` is not used by any rule in rules.toml, so scripts cannot use it"
                ));
            }
            Action::Set { field, to }
                if field == "sla"
                    && !to.is_empty()
                    && !rules.slas.iter().any(|p| &p.name == to) =>
            {
                return Err(format!("action {n}: no SLA policy `{to}` in rules.toml"));
            }
            _ => {}
        }
        out.push(action);
    }
    Ok(out)
}
