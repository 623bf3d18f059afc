//! `desk show`: one ticket, for people or as stored.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::Args;
use serde_json::Value;

use crate::cli::Ctx;
use crate::error::Result;
use crate::model::Actor;
use crate::model::{Change, HistoryEntry, MessageKind, Settings, Ticket};
use crate::output::{Out, print};

/// Show a ticket with its conversation and history
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,

    /// Print the ticket file exactly as stored
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    if args.json {
        let id = hd.store.resolve(&args.id)?;
        return print(&hd.store.read_ticket_text(&id)?);
    }
    let view = hd.view(&args.id)?;
    if let Err(p) = hd
        .settings
        .check_state(&view.ticket.kind, &view.ticket.status)
    {
        ctx.out.warn(format!(
            "tickets/{}.json: {p} (counted as open)",
            view.ticket.id
        ));
    }
    print(&render(
        &view.ticket,
        view.customer_name.as_deref(),
        view.calendar.as_deref(),
        &hd.settings,
        &ctx.out,
        hd.now,
    ))
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn value(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// One change as a phrase: `set department support → billing`, `tagged +vip`.
pub fn describe_change(c: &Change, tz: Tz) -> String {
    if c.field == "tags" || c.field == "cc" {
        let list = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (from, to) = (list(&c.from), list(&c.to));
        let mut parts: Vec<String> = to
            .iter()
            .filter(|t| !from.contains(t))
            .map(|t| format!("+{t}"))
            .collect();
        parts.extend(
            from.iter()
                .filter(|t| !to.contains(t))
                .map(|t| format!("-{t}")),
        );
        let verb = if c.field == "cc" { "cc" } else { "tagged" };
        return format!("{verb} {}", parts.join(" "));
    }
    if c.field == "snoozed_until" {
        return match c.to.as_str() {
            Some(t) => match DateTime::parse_from_rfc3339(t) {
                Ok(t) => format!("snoozed until {}", local(t.with_timezone(&Utc), tz)),
                Err(_) => format!("snoozed until {t}"),
            },
            None => "cleared snooze".into(),
        };
    }
    if c.field == "merged_into"
        && let Some(into) = c.to.as_str()
    {
        return format!("merged into {into}");
    }
    if c.to.is_null() {
        return format!("cleared {} (was {})", c.field, value(&c.from));
    }
    if c.from.is_null() {
        return format!("set {} {}", c.field, value(&c.to));
    }
    format!("set {} {} → {}", c.field, value(&c.from), value(&c.to))
}

/// `rule:billing-keywords` → `rule billing-keywords`.
pub fn actor(a: &str) -> String {
    a.replacen(':', " ", 1)
}

/// What a history entry did, in a few words.
pub fn describe_entry(h: &HistoryEntry, tz: Tz) -> String {
    let mut parts: Vec<String> = Vec::new();
    // A person's entry says what they did; a rule's or script's what it changed.
    if !matches!(h.actor, Actor::Rule(_) | Actor::Script(_) | Actor::Sla(_)) {
        match h.event.as_str() {
            "ticket.created" => parts.push("created the ticket".into()),
            "agent.replied" | "customer.replied" => parts.push("replied".into()),
            "note.added" => parts.push("added a note".into()),
            _ => {}
        }
    }
    parts.extend(h.changes.iter().map(|c| describe_change(c, tz)));
    if let Some(n) = &h.note {
        parts.push(n.clone());
    }
    if parts.is_empty() {
        parts.push(h.event.clone());
    }
    let who = match &h.via {
        // `agent ingrid via macro size-exchange replied, ...`
        Some(via) => format!("{} via {}", actor(&h.actor.to_string()), actor(via)),
        None => actor(&h.actor.to_string()),
    };
    format!("{who} {}", parts.join(", "))
}

/// `512 B`, `4.2 kB`, `20.0 MB`.
fn size(bytes: u64) -> String {
    match bytes {
        0..1000 => format!("{bytes} B"),
        1000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// A rounded span for people: `42m`, `1h5m`, `3d4h`.
fn span(secs: i64) -> String {
    crate::time::duration::rounded(secs.abs())
}

/// `due in 42m`, `met 2026-11-24 09:12` (with `, 5m late` when it was),
/// `breached 2h ago`, `paused (3h10m left)`, times in `tz`.
/// `done`: the ticket is solved or closed, which stops every target.
fn describe_target(
    g: &crate::model::ticket::SlaTarget,
    now: DateTime<Utc>,
    done: bool,
    tz: Tz,
) -> String {
    match (g.met_at, g.breached_at, g.due) {
        (Some(met), Some(b), _) => format!(
            "met {}, {} late",
            local(met, tz),
            span((met - b).num_seconds())
        ),
        (Some(met), None, _) => format!("met {}", local(met, tz)),
        (None, Some(b), _) => format!("breached {} ago", span((now - b).num_seconds())),
        (None, None, Some(due)) if due > now => {
            format!("due in {}", span((due - now).num_seconds()))
        }
        (None, None, Some(due)) => format!(
            "due {} ago (tick will record the breach)",
            span((now - due).num_seconds())
        ),
        (None, None, None) => match g.remaining {
            Some(left) if done => format!("stopped while solved ({} left)", span(left)),
            Some(left) => format!("paused while waiting ({} left)", span(left)),
            None => "-".into(),
        },
    }
}

/// `calendar`: the SLA policy's calendar, whose business time its targets count.
fn render(
    t: &Ticket,
    customer_name: Option<&str>,
    calendar: Option<&str>,
    settings: &Settings,
    out: &Out,
    now: DateTime<Utc>,
) -> String {
    let tz = settings.helpdesk.timezone;
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", out.paint("33", &t.id), out.bold(&t.subject));
    let category = settings.category(&t.kind, &t.status);
    let none = "-".to_string();
    let mut rows: Vec<(&str, String)> = vec![
        ("status", format!("{} ({})", t.status, category.as_str())),
        ("priority", t.priority.to_string()),
        ("type", t.kind.clone()),
        (
            "department",
            t.department.clone().unwrap_or_else(|| none.clone()),
        ),
        (
            "assignee",
            t.assignee.as_deref().map_or_else(
                || none.clone(),
                |a| match settings.agent(a) {
                    Some(ag) if ag.name != ag.id => format!("{} ({a})", ag.name),
                    _ => a.to_string(),
                },
            ),
        ),
        (
            "requester",
            match (&t.requester, customer_name) {
                (Some(r), Some(n)) => format!("{n} <{r}>"),
                (Some(r), None) => r.clone(),
                _ => none.clone(),
            },
        ),
    ];
    if !t.cc.is_empty() {
        rows.push(("cc", t.cc.join(", ")));
    }
    if let Some(into) = &t.merged_into {
        rows.push((
            "merged into",
            format!("{into} (its conversation goes on there)"),
        ));
    }
    if let Some(shop) = &t.shop {
        rows.push(("shop", shop.clone()));
    }
    rows.push(("channel", t.channel.clone()));
    if !t.tags.is_empty() {
        rows.push(("tags", t.tags.join(", ")));
    }
    for (k, v) in &t.fields {
        rows.push(("field", format!("{k} = {v}")));
    }
    if let Some(sla) = &t.sla {
        rows.push((
            "sla",
            match calendar {
                Some(c) => format!("{} (business time, calendar {c})", sla.policy),
                None => sla.policy.clone(),
            },
        ));
        let done = settings.category(&t.kind, &t.status).is_done();
        for name in crate::time::sla::TARGETS {
            if let Some(g) = sla.targets.get(name) {
                rows.push((name, describe_target(g, now, done, tz)));
            }
        }
    }
    rows.push(("created", local(t.created_at, tz)));
    rows.push(("updated", local(t.updated_at, tz)));
    if let Some(u) = t.snoozed_until {
        rows.push(("snoozed until", local(u, tz)));
    }
    for (k, v) in rows {
        let _ = writeln!(s, "  {}{v}", out.dim(&format!("{k:<14}")));
    }

    let _ = writeln!(
        s,
        "\n{}",
        out.bold(&format!("Conversation ({})", t.messages.len()))
    );
    if t.messages.is_empty() {
        let _ = writeln!(s, "  (no messages)");
    }
    for m in &t.messages {
        let who = actor(&m.author);
        let label = match m.kind {
            MessageKind::Customer => out.paint("36", &who),
            MessageKind::Note => format!(
                "{} {}",
                out.paint("35", "note"),
                out.dim(&format!("by {who}"))
            ),
            MessageKind::Reply => format!(
                "{} {}",
                out.paint("32", "reply"),
                out.dim(&format!("by {who}"))
            ),
            MessageKind::Auto => format!(
                "{} {}",
                out.paint("32", "automatic reply"),
                out.dim(&format!("by {who}"))
            ),
        };
        let _ = writeln!(s, "\n  {}  {label}", local(m.at, tz));
        if m.auto && m.kind == MessageKind::Customer {
            let _ = writeln!(s, "    {}", out.dim("(sent automatically)"));
        }
        for line in m.body.lines() {
            let _ = writeln!(s, "    {line}");
        }
        for a in &m.attachments {
            let _ = writeln!(
                s,
                "    {} {} ({}, {})",
                out.dim("attached"),
                a.file,
                a.content_type,
                size(a.size)
            );
        }
    }

    let _ = writeln!(s, "\n{}", out.bold("History"));
    let mut last_day = String::new();
    for h in &t.history {
        let when = local(h.at, tz);
        let (day, time) = when.split_at(10);
        let stamp = if day == last_day {
            format!("{}{}", " ".repeat(10), time)
        } else {
            when.clone()
        };
        last_day = day.to_string();
        let _ = writeln!(s, "  {}  {}", out.dim(&stamp), describe_entry(h, tz));
    }
    s
}
