//! Web-form and chat payloads (`desk ingest json`): one JSON object, an array of them,
//! or JSON Lines. Every payload is checked against the schema and desk.toml before any
//! is stored, so a bad one changes nothing and is named by file and line.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result, suggest};
use crate::ingest::Inbound;
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

const LINE_KEYS: [&str; 3] = ["from", "at", "text"];

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

#[derive(Debug, Deserialize)]
struct Line {
    from: String,
    at: Option<String>,
    text: String,
}

/// Every payload in `text`, with its source (`NAME:LINE`), checked. Every bad one is
/// named (the first [`SHOWN`](super::problems::SHOWN), then how many more), and then
/// none is returned.
pub fn parse_all(name: &str, text: &str, settings: &Settings) -> Result<Vec<(String, Inbound)>> {
    let trimmed = text.trim_start();
    // Each line or item with its number: a JSON value, or why it is not one.
    let mut values: Vec<(usize, serde_json::Result<Value>)> = Vec::new();
    let whole: Option<Value> = serde_json::from_str(text).ok();
    match whole {
        Some(Value::Array(items)) => {
            values.extend(items.into_iter().enumerate().map(|(i, v)| (i + 1, Ok(v))));
        }
        Some(v @ Value::Object(_)) => values.push((1, Ok(v))),
        _ if trimmed.starts_with('{') || trimmed.is_empty() => {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                values.push((i + 1, serde_json::from_str(line)));
            }
        }
        _ => {
            let e = serde_json::from_str::<Value>(text)
                .err()
                .map_or_else(|| "expected a JSON object".to_string(), |e| e.to_string());
            return Err(Error::invalid(format!("{name}: {e}")));
        }
    }
    if values.is_empty() {
        return Err(Error::invalid(format!("{name}: no payload in it")));
    }
    let mut bad = BadLines::new(name);
    let mut out = Vec::with_capacity(values.len());
    for (n, v) in values {
        match v.map(|v| payload(&v, settings)) {
            Ok(Ok(m)) => out.push((format!("{name}:{n}"), m)),
            Ok(Err(e)) => bad.push(n, e),
            // A line that is not JSON is named with its column too.
            Err(e) => bad.push(format_args!("{n}:{}", e.column()), e),
        }
    }
    bad.check()?;
    Ok(out)
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

fn payload(v: &Value, s: &Settings) -> std::result::Result<Inbound, String> {
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
    let mut body = f.body.clone().unwrap_or_default();
    let mut first_at = None;
    if let Some(lines) = &f.transcript {
        let mut text = String::new();
        for (i, l) in lines.iter().enumerate() {
            let at =
                l.at.as_deref()
                    .map(|t| time(t, &format!("transcript[{i}].at")))
                    .transpose()?;
            first_at = first_at.or(at);
            let who = match l.from.as_str() {
                "customer" => f
                    .name
                    .clone()
                    .or_else(|| from.clone())
                    .unwrap_or_else(|| "customer".into()),
                other => other.strip_prefix("agent:").map_or_else(
                    || other.to_string(),
                    |a| {
                        s.agent(a)
                            .map_or_else(|| a.to_string(), |ag| ag.name.clone())
                    },
                ),
            };
            let stamp = at
                .map(|t| t.with_timezone(&tz).format("%H:%M ").to_string())
                .unwrap_or_default();
            text.push_str(&format!("{stamp}{who}: {}\n", l.text.trim()));
        }
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(text.trim_end());
    }
    if body.trim().is_empty() && f.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err("needs a subject, a body or a transcript".into());
    }
    let subject = f
        .subject
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| {
            let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            first.chars().take(80).collect()
        });
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
    Ok(Inbound {
        channel,
        message_id,
        subject: Some(subject.trim().to_string()),
        from,
        name: f.name.clone(),
        body,
        sent_at: sent_at.or(first_at),
        department: f.department.clone(),
        shop: f.shop.clone(),
        kind: f.kind.clone(),
        priority: f.priority.clone(),
        tags: f.tags.clone(),
        fields,
        ..Inbound::default()
    })
}
