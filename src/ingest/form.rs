//! Web-form and chat payloads (`desk ingest json`): one JSON object, an array of them,
//! or JSON Lines. Every payload is checked against the schema and desk.toml before any
//! is stored, so a bad one changes nothing and is named by file and line.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result, suggest};
use crate::ingest::Inbound;
use crate::ingest::chat::{self, LINE_KEYS, Line, Speaker};
use crate::ingest::problems::BadLines;
use crate::mail::incoming::derived_id;
use crate::model::customer::validate_email;
use crate::model::{Priority, Settings};
use crate::time::read_instant;

/// The keys a payload may have (README, "Web forms and chat").
pub const KEYS: [&str; 14] = [
    "from",
    "name",
    "subject",
    "body",
    "transcript",
    "department",
    "shop",
    "type",
    "priority",
    "tags",
    "fields",
    "channel",
    "id",
    "at",
];

#[derive(Debug, Deserialize)]
struct Form {
    from: Option<String>,
    name: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    transcript: Option<Vec<Line>>,
    department: Option<String>,
    shop: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, Value>,
    channel: Option<String>,
    id: Option<Value>,
    at: Option<String>,
}

/// Calls `each` with every payload in `text` and its source (`NAME:LINE`), checked,
/// one at a time: JSON Lines are parsed line by line, so a million-line batch never
/// sits in memory as a million payloads. Every bad line is named; with any, the result
/// is an error listing them. Run it once with a no-op to check a whole batch before
/// storing any of it, then again to store it. Bad lines are named (the first
/// [`SHOWN`](super::problems::SHOWN), then how many more). `now` places a chat's times
/// of day and tells a time in the future.
pub fn each_payload(
    name: &str,
    text: &str,
    settings: &Settings,
    now: DateTime<Utc>,
    each: &mut dyn FnMut(String, Inbound),
) -> Result<()> {
    let trimmed = text.trim_start();
    let mut bad = BadLines::new(name);
    let mut seen = 0usize;
    let mut one = |n: usize, v: serde_json::Result<Value>, bad: &mut BadLines| {
        seen += 1;
        match v.map(|v| payload(&v, settings, now)) {
            Ok(Ok(m)) if bad.is_empty() => each(format!("{name}:{n}"), m),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => bad.push(n, e),
            // A line that is not JSON is named with its column too.
            Err(e) => bad.push(format_args!("{n}:{}", e.column()), e),
        }
    };
    // One object or an array of them is one JSON text; else JSON Lines (whose parse as
    // one text stops at the second line).
    let whole: Option<Value> = serde_json::from_str(text).ok();
    match whole {
        Some(Value::Array(items)) => {
            for (i, v) in items.into_iter().enumerate() {
                one(i + 1, Ok(v), &mut bad);
            }
        }
        Some(v @ Value::Object(_)) => one(1, Ok(v), &mut bad),
        _ if trimmed.starts_with('{') || trimmed.is_empty() => {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                one(i + 1, serde_json::from_str(line), &mut bad);
            }
        }
        _ => {
            let e = serde_json::from_str::<Value>(text)
                .err()
                .map_or_else(|| "expected a JSON object".to_string(), |e| e.to_string());
            return Err(Error::invalid(format!("{name}: {e}")));
        }
    }
    if seen == 0 {
        return Err(Error::invalid(format!("{name}: no payload in it")));
    }
    bad.check()
}

fn check_keys(v: &Value, keys: &[&str], what: &str) -> std::result::Result<(), String> {
    let Value::Object(map) = v else {
        return Err(format!("{what} must be a JSON object"));
    };
    let unknown: Vec<String> = map
        .keys()
        .filter(|k| !keys.contains(&k.as_str()))
        .map(|k| format!("`{k}`{}", suggest(k, keys.iter().copied())))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unknown key{} {} (known: {})",
            if unknown.len() > 1 { "s" } else { "" },
            unknown.join(", "),
            keys.join(", ")
        ))
    }
}

fn payload(v: &Value, s: &Settings, now: DateTime<Utc>) -> std::result::Result<Inbound, String> {
    check_keys(v, &KEYS, "a payload")?;
    if let Some(lines) = v.get("transcript").and_then(Value::as_array) {
        for (i, l) in lines.iter().enumerate() {
            check_keys(l, &LINE_KEYS, "a transcript line")
                .map_err(|e| format!("transcript[{i}]: {e}"))?;
        }
    }
    let f: Form = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    let tz = s.helpdesk.timezone;
    let time = |t: &str, key: &str| read_instant(t, tz).map_err(|m| format!("`{key}`: {m}"));
    let from = f.from.as_deref().map(validate_email).transpose()?;
    if let Some(d) = &f.department {
        s.check_department(d)?;
    }
    if let Some(sh) = &f.shop {
        s.check_shop(sh)?;
    }
    if let Some(k) = &f.kind {
        s.check_type(k)?;
    }
    if let Some(p) = &f.priority {
        p.parse::<Priority>()?;
    }
    let sent_at = f.at.as_deref().map(|t| time(t, "at")).transpose()?;
    let mut fields = Vec::new();
    for (k, val) in &f.fields {
        let text = match val {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(format!("fields.{k}: use a string, number or true/false")),
        };
        fields.push((k.clone(), text));
    }
    let channel = f.channel.clone().unwrap_or_else(|| "web".into());
    if channel.trim().is_empty() {
        return Err("`channel` must not be empty".into());
    }
    let message_id = match &f.id {
        Some(Value::String(id)) if !id.trim().is_empty() => {
            format!(
                "<{}@{channel}.desk.invalid>",
                id.trim().replace(['<', '>', '@', ' '], "_")
            )
        }
        Some(Value::Number(n)) => format!("<{n}@{channel}.desk.invalid>"),
        Some(_) => return Err("`id` must be a string or a number".into()),
        // The same payload twice is the same message.
        None => derived_id(v.to_string().as_bytes()),
    };
    let mut m = Inbound {
        channel,
        message_id,
        from,
        name: f.name.clone(),
        body: f.body.clone().unwrap_or_default(),
        sent_at,
        department: f.department.clone(),
        shop: f.shop.clone(),
        kind: f.kind.clone(),
        priority: f.priority.clone(),
        tags: f.tags.clone(),
        fields,
        ..Inbound::default()
    };
    if let Some(lines) = &f.transcript {
        // A chat: one message per turn, the customer's first opening the ticket at its
        // own time (`ingest::chat`).
        let about = chat::About {
            from: m.from.as_deref(),
            name: f.name.as_deref(),
            opening: f.body.as_deref(),
            sent_at,
            message_id: &m.message_id,
        };
        let turns = chat::read(lines, &about, s, now)?;
        if let Some(first) = turns.iter().find(|t| t.speaker == Speaker::Customer) {
            m.body = first.text.clone();
            m.sent_at = Some(first.at);
            m.created_at = Some(first.at);
        }
        m.chat = turns;
    }
    if m.body.trim().is_empty() && f.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err("needs a subject, a body or a transcript".into());
    }
    let subject = f
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map_or_else(|| subject_of(&m.body), str::to_string);
    m.subject = Some(subject);
    Ok(m)
}

/// Longest subject made from a message's text, in characters.
const SUBJECT_CHARS: usize = 80;

/// A subject from a message's text: its first line that says something, on one line,
/// cut at a word (with `…`) when longer than [`SUBJECT_CHARS`].
pub fn subject_of(text: &str) -> String {
    let line = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    if line.chars().count() <= SUBJECT_CHARS {
        return line;
    }
    // At the last space that leaves room for the `…`, unless that throws away more than
    // half of it; else in the word.
    let head: String = line.chars().take(SUBJECT_CHARS).collect();
    let cut = match head.rfind(' ') {
        Some(i) if i >= head.len() / 2 => head[..i].to_string(),
        _ => head.chars().take(SUBJECT_CHARS - 1).collect(),
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–".contains(c))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_is_one_line_cut_at_a_word() {
        assert_eq!(
            subject_of("\n  Hei!   Har dere str. 41?\nMvh Nora"),
            "Hei! Har dere str. 41?"
        );
        let long = "Hei, jeg har fått faktura 2026-118 to ganger, og den ene er trukket fra kontoen min allerede";
        let s = subject_of(long);
        assert_eq!(
            s,
            "Hei, jeg har fått faktura 2026-118 to ganger, og den ene er trukket fra kontoen…"
        );
        assert!(s.chars().count() <= SUBJECT_CHARS);
        let word: String = "x".repeat(200);
        assert_eq!(subject_of(&word).chars().count(), SUBJECT_CHARS);
        assert_eq!(subject_of(""), "");
    }
}
