//! Fixtures for the unit tests: a small desk.toml, one ticket with text in two scripts,
//! and conditions read from TOML text the way a rule or view reads them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Condition, Context, parse_if};
use crate::model::settings::Settings;
use crate::model::{Message, MessageKind, Priority, Ticket};
use crate::source::{Reader, Source};

const DESK_TOML: &str = r#"
[helpdesk]
name = "Test"
timezone = "UTC"

[[department]]
id = "support"
name = "Support"

[[agent]]
id = "alex"
name = "Alex"
email = "alex@example.com"
departments = ["support"]
"#;

pub(super) fn settings() -> Settings {
    Settings::parse(&Source::new("desk.toml", DESK_TOML)).unwrap()
}

pub(super) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The clock for every test: three days after the ticket was created.
pub(super) fn now() -> DateTime<Utc> {
    at("2026-03-10T12:00:00Z")
}

/// High priority, unassigned, tagged `billing`, one follower; a Norwegian subject and a customer
/// message in Japanese and English; no agent reply, no history.
pub(super) fn ticket() -> Ticket {
    let created = at("2026-03-07T12:00:00Z");
    Ticket {
        id: "T-1".into(),
        subject: "Spørsmål om FAKTURA 1234".into(),
        kind: "ticket".into(),
        status: "open".into(),
        priority: Priority::High,
        department: Some("support".into()),
        assignee: None,
        requester: Some("kari@example.no".into()),
        cc: vec!["lars@example.no".into()],
        shop: None,
        channel: "email".into(),
        tags: vec!["billing".into()],
        fields: BTreeMap::new(),
        created_at: created,
        updated_at: at("2026-03-09T12:00:00Z"),
        snoozed_until: None,
        merged_into: None,
        sla: None,
        messages: vec![Message::new(
            created,
            "customer:kari@example.no".into(),
            MessageKind::Customer,
            "商品を返品したいです。Refund, please.".into(),
        )],
        history: Vec::new(),
        time_rules: BTreeMap::new(),
        mail: Vec::new(),
    }
}

/// Reads a TOML text holding an `if` table as a rule or view used in `ctx` reads it;
/// the errors as `line:column: message`.
pub(super) fn parse(toml: &str, ctx: Context) -> Result<Condition, Vec<String>> {
    let source = Source::new("rules.toml", toml);
    let doc = source.parse().unwrap();
    let settings = settings();
    let mut r = Reader::new(&source);
    let cond = parse_if(&mut r, doc.get_ref().get("if").unwrap(), &settings, ctx);
    let errors: Vec<String> = r
        .finish()
        .into_iter()
        .map(|d| format!("{}:{}: {}", d.line, d.column, d.problem))
        .collect();
    match cond {
        Some(c) if errors.is_empty() => Ok(c),
        _ => Err(errors),
    }
}

/// One test, `{ field = ..., op = ..., value = ... }` as written, that must parse.
pub(super) fn one(entry: &str, ctx: Context) -> Condition {
    parse(&format!("if.all = [ {entry} ]"), ctx).unwrap()
}
