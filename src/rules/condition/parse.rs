//! Reading conditions: the `if` tables of rules and views, each mistake reported at its
//! place with a did-you-mean, and `desk list` filter words; and writing a condition
//! back in one line.

use std::fmt;

use chrono::{DateTime, Utc};
use toml::de::DeValue;

use super::check::{field_fits, op_fits, prepare};
use super::{Context, Field};
use crate::error::Problem;
use crate::model::Priority;
use crate::model::settings::Settings;
use crate::source::{Reader, Value};
use crate::time::Duration;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test(Test),
}

impl Condition {
    /// Its `matches` patterns, in the order they are tested, added to `out`.
    pub fn patterns(&self, out: &mut Vec<Pattern>) {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.patterns(out)),
            Condition::Not(c) => c.patterns(out),
            Condition::Test(t) => {
                if let Operand::Regex(p) = &t.value {
                    out.push(p.clone());
                }
            }
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Test {
    pub field: Field,
    pub op: Op,
    pub value: Operand,
    /// The field as written, for traces.
    pub field_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Op {
    Is,
    IsNot,
    In,
    NotIn,
    Contains,
    ContainsAll,
    NotContains,
    ContainsExact,
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

pub const OP_NAMES: [&str; 22] = [
    "is",
    "is_not",
    "in",
    "not_in",
    "contains",
    "contains_all",
    "not_contains",
    "contains_exact",
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
    const ALL: [Op; 22] = [
        Op::Is,
        Op::IsNot,
        Op::In,
        Op::NotIn,
        Op::Contains,
        Op::ContainsAll,
        Op::NotContains,
        Op::ContainsExact,
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

    pub fn parse(s: &str) -> Result<Op, Problem> {
        OP_NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Op::ALL[i])
            .ok_or_else(|| Problem::near(format!("unknown operator `{s}`"), s, OP_NAMES))
    }

    pub fn name(self) -> &'static str {
        OP_NAMES[self as usize]
    }
}

/// A `matches` pattern, compiled, with its text for traces.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: std::sync::Arc<str>,
    /// Compiled when made; when read from a compiled configuration, compiled on first
    /// use: most of a command's rules never test their patterns, and compiling them all
    /// was half of reading the compiled form.
    re: std::sync::Arc<std::sync::OnceLock<Option<regex_automata::meta::Regex>>>,
}

impl Pattern {
    /// Compiles `text` with the `regex` crate's syntax and limits.
    pub fn new(text: &str) -> Result<Pattern, String> {
        let re = compile(text)?;
        Ok(Pattern {
            text: text.into(),
            re: std::sync::Arc::new(std::sync::OnceLock::from(Some(re))),
        })
    }

    /// A pattern `Pattern::new` accepted before, by the same binary: compiled when
    /// first used.
    fn checked_before(text: &str) -> Pattern {
        Pattern {
            text: text.into(),
            re: std::sync::Arc::new(std::sync::OnceLock::new()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Compiles it now if it was not yet, so that a later test does not wait for it.
    pub fn warm(&self) {
        self.compiled();
    }

    pub fn is_compiled(&self) -> bool {
        self.re.get().is_some()
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        self.compiled().is_some_and(|re| re.is_match(haystack))
    }

    /// It compiled when it was checked, so it compiles now; were it not to, it matches
    /// nothing rather than stopping the command.
    fn compiled(&self) -> Option<&regex_automata::meta::Regex> {
        self.re.get_or_init(|| compile(&self.text).ok()).as_ref()
    }
}

/// Compiles a pattern once per process: rules files repeat a pattern in pairs of rules
/// (a Nordic and an English variant) and every command reads the rules. A test only asks
/// whether a field matches, so only what answers that is built: no prefilter (two thirds
/// of the time to compile, and a rule's test runs on one field of one ticket, where it
/// saves nothing), no capture groups, and no full DFA beside the lazy one (the shop's
/// `customer.domain` pattern: 140 to 40 µs).
fn compile(text: &str) -> Result<regex_automata::meta::Regex, String> {
    type Memo = std::collections::HashMap<String, regex_automata::meta::Regex>;
    static MEMO: std::sync::Mutex<Option<Memo>> = std::sync::Mutex::new(None);
    let mut memo = MEMO
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let memo = memo.get_or_insert_with(Memo::new);
    if let Some(re) = memo.get(text) {
        return Ok(re.clone());
    }
    let re = regex_automata::meta::Builder::new()
        .configure(
            regex_automata::meta::Config::new()
                .auto_prefilter(false)
                .which_captures(regex_automata::nfa::thompson::WhichCaptures::None)
                .dfa(false)
                .nfa_size_limit(Some(1 << 20)),
        )
        .build(text)
        .map_err(|e| match (e.syntax_error(), e.size_limit()) {
            // The last line of the syntax error says what is wrong; the ones above
            // draw the pattern, which the message's position already points at.
            (Some(e), _) => e
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .trim_start_matches("error: ")
                .to_string(),
            (None, Some(limit)) => {
                format!("the compiled pattern is larger than the limit of {limit} bytes")
            }
            (None, None) => e.to_string(),
        })?;
    memo.insert(text.to_string(), re.clone());
    Ok(re)
}

/// A pattern is kept by its text in a compiled configuration, and compiled again when
/// first used.
impl serde::Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Pattern, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Pattern::checked_before(&text))
    }
}

/// A test's value, prepared at load time for the operator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Operand {
    None,
    /// One or more strings (`is`, `in`, `starts_with`, list membership...).
    Strings(Vec<String>),
    /// Words or phrases for `contains` on text, each already split into words.
    Phrases(Vec<String>, Vec<Vec<String>>),
    Regex(Pattern),
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
    if let Err(msg) = field_fits(&field, field_s.get_ref(), ctx) {
        r.error(field_s.span(), msg);
        return None;
    }
    let op = match Op::parse(op_s.get_ref()) {
        Ok(o) => o,
        Err(msg) => {
            r.error(op_s.span(), msg);
            return None;
        }
    };
    if let Err(msg) = op_fits(op, ctx) {
        r.error(op_s.span(), msg);
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
/// `+tag`, `-tag`, `+cc:ADDR`, `-cc:ADDR`; anything else is free text matched against subject and messages.
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
            .map_err(|(m, _)| format!("filter `{}`: {m}", crate::error::one_line(f)))?;
            Ok(Condition::Test(Test {
                field: field_parsed,
                op,
                value,
                field_name: field.to_string(),
            }))
        };
        let cond = if let Some(a) = f.strip_prefix("+cc:") {
            test("cc", Op::Contains, Some(vec![a]))?
        } else if let Some(a) = f.strip_prefix("-cc:") {
            test("cc", Op::NotContains, Some(vec![a]))?
        } else if let Some(tag) = f.strip_prefix('+') {
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

#[cfg(test)]
mod tests {
    use super::super::testkit::{one, parse};
    use super::*;

    fn kind(o: &Operand) -> &'static str {
        match o {
            Operand::None => "none",
            Operand::Strings(_) => "strings",
            Operand::Phrases(..) => "phrases",
            Operand::Regex(_) => "regex",
            Operand::Duration(_) => "duration",
            Operand::Priority(_) => "priority",
            Operand::Time(_) => "time",
            Operand::Number(_) => "number",
            Operand::Bool(_) => "bool",
        }
    }

    #[test]
    fn parses_every_operator_form() {
        use Context::{Event, Tick, View};
        // In OP_NAMES order, so an operator added without a case here fails below.
        // (context, entry, written back, operand prepared)
        let cases = [
            (
                View,
                r#"{ field = "status", op = "is", value = "open" }"#,
                "status is open",
                "strings",
            ),
            (
                View,
                r#"{ field = "status", op = "is_not", value = "solved" }"#,
                "status is_not solved",
                "strings",
            ),
            (
                View,
                r#"{ field = "priority", op = "in", value = ["high", "urgent"] }"#,
                "priority in [high, urgent]",
                "strings",
            ),
            (
                View,
                r#"{ field = "department", op = "not_in", value = ["support"] }"#,
                "department not_in support",
                "strings",
            ),
            (
                View,
                r#"{ field = "subject", op = "contains", value = "Faktura" }"#,
                "subject contains faktura",
                "phrases",
            ),
            (
                View,
                r#"{ field = "text", op = "contains_all", value = ["refund", "返品"] }"#,
                "text contains_all [refund, 返品]",
                "phrases",
            ),
            (
                View,
                r#"{ field = "tags", op = "not_contains", value = "vip" }"#,
                "tags not_contains vip",
                "phrases",
            ),
            (
                View,
                r#"{ field = "subject", op = "contains_exact", value = "Faktura" }"#,
                "subject contains_exact faktura",
                "phrases",
            ),
            (
                View,
                r#"{ field = "subject", op = "matches", value = "^Re:" }"#,
                "subject matches /^Re:/",
                "regex",
            ),
            (
                View,
                r#"{ field = "requester", op = "starts_with", value = "Kari@" }"#,
                "requester starts_with kari@",
                "strings",
            ),
            (
                View,
                r#"{ field = "customer.domain", op = "ends_with", value = ".no" }"#,
                "customer.domain ends_with .no",
                "strings",
            ),
            (
                View,
                r#"{ field = "priority", op = "gt", value = "normal" }"#,
                "priority gt normal",
                "priority",
            ),
            (
                View,
                r#"{ field = "fields.order_total", op = "gte", value = 100 }"#,
                "fields.order_total gte 100",
                "number",
            ),
            (
                View,
                r#"{ field = "created_at", op = "lt", value = "2026-03-08T00:00:00Z" }"#,
                "created_at lt 2026-03-08T00:00:00Z",
                "time",
            ),
            (
                Tick,
                r#"{ field = "since.created", op = "lte", value = "3d" }"#,
                "since.created lte 3d",
                "duration",
            ),
            (
                Tick,
                r#"{ field = "since.last_customer_message", op = "over", value = "2d" }"#,
                "since.last_customer_message over 2d",
                "duration",
            ),
            (
                Tick,
                r#"{ field = "sla.first_reply.due_in", op = "under", value = "1h" }"#,
                "sla.first_reply.due_in under 1h",
                "duration",
            ),
            (
                View,
                r#"{ field = "assignee", op = "exists" }"#,
                "assignee exists",
                "none",
            ),
            (
                View,
                r#"{ field = "snoozed_until", op = "missing" }"#,
                "snoozed_until missing",
                "none",
            ),
            (
                Event,
                r#"{ field = "status", op = "changed" }"#,
                "status changed",
                "none",
            ),
            (
                Event,
                r#"{ field = "status", op = "changed_to", value = "solved" }"#,
                "status changed_to solved",
                "strings",
            ),
            (
                Event,
                r#"{ field = "assignee", op = "changed_from", value = "alex" }"#,
                "assignee changed_from alex",
                "strings",
            ),
        ];
        assert_eq!(cases.len(), OP_NAMES.len());
        for ((ctx, entry, written, operand), name) in cases.into_iter().zip(OP_NAMES) {
            let c = one(entry, ctx);
            // `if.all` is itself a group inside the `if` table's group.
            let Condition::All(top) = &c else {
                panic!("{entry}: {c:?}")
            };
            let [Condition::All(parts)] = top.as_slice() else {
                panic!("{entry}: {c:?}")
            };
            let [Condition::Test(t)] = parts.as_slice() else {
                panic!("{entry}: {c:?}")
            };
            assert_eq!(t.op.name(), name, "{entry}");
            assert_eq!(Op::parse(name), Ok(t.op));
            assert_eq!(c.to_string(), written);
            assert_eq!(kind(&t.value), operand, "{entry}");
        }
    }

    #[test]
    fn parses_nested_all_any_not_groups() {
        let c = parse(
            r#"
if.any = [
  { all = [
    { field = "priority", op = "gte", value = "high" },
    { not = { field = "assignee", op = "exists" } },
  ] },
  { any = [
    { field = "tags", op = "contains", value = "vip" },
    { field = "status", op = "is", value = "new" },
  ] },
]
"#,
            Context::View,
        )
        .unwrap();
        let Condition::All(top) = &c else {
            panic!("{c:?}")
        };
        let [Condition::Any(groups)] = top.as_slice() else {
            panic!("{c:?}")
        };
        assert!(matches!(
            groups.as_slice(),
            [Condition::All(a), Condition::Any(b)]
                if matches!(a.as_slice(), [Condition::Test(_), Condition::Not(n)] if matches!(**n, Condition::Test(_)))
                && matches!(b.as_slice(), [Condition::Test(_), Condition::Test(_)])
        ));
        assert_eq!(
            c.to_string(),
            "(priority gte high and not (assignee exists)) or (tags contains vip or status is new)"
        );
    }

    #[test]
    fn a_misspelled_operator_or_field_is_reported_at_its_place_with_a_suggestion() {
        let errors = parse(
            r#"if.all = [ { field = "subject", op = "contians", value = "x" } ]"#,
            Context::Event,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            ["1:38: unknown operator `contians`, did you mean `contains`?"]
        );
        let errors = parse(
            "if.all = [\n  { field = \"prority\", op = \"is\", value = \"high\" },\n]",
            Context::Event,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            ["2:13: unknown field `prority`, did you mean `priority`?"]
        );
    }

    #[test]
    fn list_filters_become_the_same_tests() {
        let settings = super::super::testkit::settings();
        let filters =
            ["priority>=high", "+billing", "status=open,new", "faktura"].map(String::from);
        let c = from_filters(&filters, &settings).unwrap();
        assert_eq!(
            c.to_string(),
            "priority gte high and tags contains billing and status in [open, new] and text contains_all faktura"
        );
    }

    /// Built only to answer "does it match" (no captures, no full DFA), a pattern
    /// answers as the default engine does, also where the lazy DFA gives up (a Unicode
    /// word boundary next to non-ASCII text) and the engine falls back.
    #[test]
    fn a_pattern_matches_as_the_default_engine_does() {
        let long = "x ".repeat(5000);
        for (pattern, haystack) in [
            (r"(?i)\bfaktura\b", "Hei ø, én FAKTURA ær"),
            (r"(?i)\bfaktura\b", "Hei ø, én fakturaær"),
            (r"\bøl\b", "kald øl!"),
            (r"^$", ""),
            (r"(?m)^x$", "a\nx\nb"),
            (r"\.(no|se|dk|fi|is)$", "kari@online.no"),
            (r"\.(no|se|dk|fi|is)$", "kari@online.nox"),
            (
                r"(?i)(ordre|order|bestill|beställ|bestell|auftrag)[^0-9]{0,16}[0-9]{2}-?[0-9]{3,5}",
                "Hvor er BESTÄLLNING nr. 20-88107?",
            ),
        ] {
            let ours = Pattern::new(pattern).expect("compiles");
            let default = regex_automata::meta::Regex::new(pattern).expect("compiles");
            for h in [haystack.to_string(), format!("{long}{haystack}")] {
                assert_eq!(
                    ours.is_match(&h),
                    default.is_match(&h),
                    "/{pattern}/ on {h:?}"
                );
            }
        }
    }
}
