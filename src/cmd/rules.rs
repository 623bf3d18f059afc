//! `desk rules`: check, list and test the rules.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Ctx;
use crate::error::{Diagnostic, Error, Result};
use crate::model::{Priority, Settings, Ticket};
use crate::output::{Format, Out, plural, print};
use crate::rules::condition::Trace;
use crate::rules::engine::{RuleTrace, Verdict};
use crate::rules::event::{self as ev, Event, MessageCtx};
use crate::rules::ruleset::EVENTS;
use crate::rules::{RuleSet, template};
use crate::source::Source;

/// Check, list and test the rules in rules.toml
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate desk.toml, rules.toml and every template; list every mistake
    Check,
    /// List the rules, one line each
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show which rules would fire on a ticket and why, changing nothing
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    #[arg(required_unless_present = "ticket", conflicts_with = "ticket")]
    pub id: Option<String>,

    /// A JSON draft of a ticket that does not exist yet: subject, body, from, to,
    /// channel, shop, type, department, priority, status, assignee, tags, fields
    #[arg(long, value_name = "FILE")]
    pub ticket: Option<PathBuf>,

    /// The event to test [default: ticket.created]
    #[arg(long, value_name = "EVENT")]
    pub event: Option<String>,

    /// Output format (table or json)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(ctx: &Ctx, args: RulesArgs) -> Result<()> {
    match args.command {
        RulesCommand::Check => check(ctx),
        RulesCommand::List { format } => list(ctx, format),
        RulesCommand::Test(a) => test(ctx, a),
    }
}

fn check(ctx: &Ctx) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let root = hd.store.root().to_path_buf();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let rules = match RuleSet::load(&root, &hd.settings) {
        Ok(r) => Some(r),
        Err(Error::Config(d)) => {
            errors.extend(d);
            None
        }
        Err(e) => return Err(e),
    };
    // Scripts are looked for when they run (a missing one is a failure on the ticket);
    // the check names them all now.
    for rule in rules.iter().flat_map(|r| r.rules.iter()) {
        for a in &rule.actions {
            if let crate::rules::ruleset::Action::Run { script, .. } = a
                && let Err(m) = crate::scripts::check_exists(&root, script)
            {
                errors.push(Diagnostic {
                    file: "rules.toml".into(),
                    line: rule.line,
                    column: 1,
                    message: format!("rule `{}`: {m}", rule.name),
                });
            }
        }
    }
    // Every template, also those no rule names yet.
    let mut templates = 0;
    if let Ok(rd) = std::fs::read_dir(root.join("templates")) {
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.ends_with(".txt"))
            .collect();
        names.sort();
        for n in names {
            templates += 1;
            let path = root.join("templates").join(&n);
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            if let Err(d) = template::parse(&Source::new(format!("templates/{n}"), text)) {
                for x in d {
                    if !errors.contains(&x) {
                        errors.push(x);
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Config(errors));
    }
    let rules = rules.unwrap_or_default();
    ctx.out.status(format!(
        "desk.toml, rules.toml and {} are valid: {}, {}, {}",
        plural(templates, "template"),
        plural(rules.rules.len(), "rule"),
        plural(rules.slas.len(), "SLA policy").replace("policys", "policies"),
        plural(rules.schedules.len(), "schedule"),
    ));
    Ok(())
}

#[derive(Serialize)]
struct RuleRow {
    name: String,
    on: Vec<String>,
    #[serde(rename = "if")]
    condition: Option<String>,
    then: Vec<String>,
    stop: bool,
    line: usize,
}

fn list(ctx: &Ctx, format: Format) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let rules = hd.rules()?;
    let rows: Vec<RuleRow> = rules
        .rules
        .iter()
        .map(|r| RuleRow {
            name: r.name.clone(),
            on: r.on.clone(),
            condition: r.condition.as_ref().map(ToString::to_string),
            then: r.actions.iter().map(|a| a.describe()).collect(),
            stop: r.stop,
            line: r.line,
        })
        .collect();
    match format {
        Format::Json => print(&(json(&rows)? + "\n")),
        Format::Jsonl => print(&crate::output::jsonl(&rows)?),
        Format::Ids => print(
            &rows
                .iter()
                .map(|r| format!("{}\n", r.name))
                .collect::<String>(),
        ),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let err = |e: csv::Error| Error::Invalid(e.to_string());
            w.write_record(["name", "on", "if", "then", "stop", "line"])
                .map_err(err)?;
            for r in &rows {
                w.write_record([
                    r.name.as_str(),
                    &r.on.join(" "),
                    r.condition.as_deref().unwrap_or(""),
                    &r.then.join("; "),
                    if r.stop { "true" } else { "false" },
                    &r.line.to_string(),
                ])
                .map_err(err)?;
            }
            let bytes = w.into_inner().map_err(|e| Error::Invalid(e.to_string()))?;
            print(&String::from_utf8_lossy(&bytes))
        }
        Format::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let what = match &r.condition {
                        Some(c) => format!("if {c} then {}", r.then.join(", ")),
                        None => format!("always {}", r.then.join(", ")),
                    };
                    let what = if r.stop {
                        format!("{what}; stop")
                    } else {
                        what
                    };
                    vec![r.name.clone(), r.on.join(", "), what]
                })
                .collect();
            print(
                &ctx.out
                    .render_table(&["RULE", "ON", "WHAT IT DOES"], &cells),
            )?;
            ctx.out.status(plural(rows.len(), "rule"));
            Ok(())
        }
    }
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| Error::Invalid(e.to_string()))
}

/// A ticket that does not exist yet, as a manager writes it to try the rules.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Draft {
    subject: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    shop: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

fn draft_ticket(
    path: &PathBuf,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Ticket, Option<String>)> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?
    };
    let d: Draft = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
        path: path.clone(),
        message: format!("not a ticket draft: {e}"),
    })?;
    let kind = d.kind.unwrap_or_else(|| "ticket".into());
    settings.check_type(&kind).map_err(Error::Invalid)?;
    let initial = settings
        .ticket_type(&kind)
        .map(|t| t.initial_status().to_string())
        .unwrap_or_else(|| "new".into());
    let requester = d
        .from
        .as_deref()
        .map(crate::model::customer::validate_email)
        .transpose()
        .map_err(Error::Invalid)?;
    let mut t = Ticket {
        id: "draft".into(),
        subject: d.subject,
        kind,
        status: initial,
        priority: Priority::default(),
        department: None,
        assignee: None,
        requester: requester.clone(),
        shop: None,
        channel: d.channel.unwrap_or_else(|| "email".into()),
        tags: Vec::new(),
        fields: BTreeMap::new(),
        created_at: now,
        updated_at: now,
        snoozed_until: None,
        sla: None,
        messages: Vec::new(),
        history: Vec::new(),
        time_rules: BTreeMap::new(),
        mail: Vec::new(),
    };
    {
        let mut e = crate::model::Edit::new(&mut t, settings, now);
        for (k, v) in [
            ("department", d.department),
            ("priority", d.priority),
            ("shop", d.shop),
            ("status", d.status),
            ("assignee", d.assignee),
        ] {
            if let Some(v) = v {
                e.set(k, &v)?;
            }
        }
        for tag in &d.tags {
            e.add_tag(tag)?;
        }
        for (k, v) in &d.fields {
            e.set(&format!("fields.{k}"), v)?;
        }
        e.author = requester
            .as_ref()
            .map_or("system".into(), |r| format!("customer:{r}"));
        if let Some(b) = &d.body {
            e.add_message(
                if requester.is_some() {
                    crate::model::MessageKind::Customer
                } else {
                    crate::model::MessageKind::Note
                },
                b,
                None,
            )?;
        }
    }
    Ok((t, d.to))
}

#[derive(Serialize)]
struct TestReport<'a> {
    ticket: &'a str,
    event: &'a str,
    rules: &'a [RuleTrace],
    not_listening: Vec<&'a str>,
    result: &'a Ticket,
}

fn test(ctx: &Ctx, args: TestArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let rules = hd.rules()?;
    let event_name = args
        .event
        .clone()
        .unwrap_or_else(|| ev::CREATED.to_string());
    if !EVENTS.contains(&event_name.as_str()) {
        return Err(Error::Invalid(format!(
            "unknown event `{event_name}`{}",
            crate::error::suggest(&event_name, EVENTS)
        )));
    }
    let (ticket, to) = match (&args.id, &args.ticket) {
        (Some(id), _) => {
            let id = hd.store.resolve(id)?;
            (hd.store.load_ticket(&id)?, None)
        }
        (None, Some(path)) => draft_ticket(path, &hd.settings, hd.now)?,
        (None, None) => return Err(Error::Usage("give a ticket ID or --ticket FILE".into())),
    };
    let before = ticket.clone();
    let customer = match &ticket.requester {
        Some(r) => hd.store.load_customer(r).unwrap_or(None),
        None => None,
    };
    // The message behind the event: the first customer message for a new ticket, the
    // latest one for a reply.
    let msg = if event_name == ev::CREATED {
        ticket.messages.first()
    } else {
        ticket.messages.last()
    };
    let event = Event {
        name: event_name.clone(),
        target: None,
        message: msg.map(|m| MessageCtx {
            body: m.body.clone(),
            from: m.author.strip_prefix("customer:").map(str::to_string),
            to: to.clone().or_else(|| m.to.clone()),
            kind: m.kind,
            no_auto_reply: m.auto,
        }),
        changes: Vec::new(),
    };
    let (trace, outcome) = hd.what_if(ticket, customer, event, &rules)?;
    let ticket = outcome.ticket;
    let not_listening: Vec<&str> = rules
        .rules
        .iter()
        .filter(|r| !trace.iter().any(|t| t.rule == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if args.format == Format::Json {
        let report = TestReport {
            ticket: &before.id,
            event: &event_name,
            rules: &trace,
            not_listening,
            result: &ticket,
        };
        return print(&(json(&report)? + "\n"));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} on {} \"{}\" (nothing is written)\n",
        ctx.out.bold(&event_name),
        before.id,
        before.subject
    );
    if trace.is_empty() {
        let _ = writeln!(s, "No rule listens to {event_name}.");
    }
    for t in &trace {
        render_trace(&mut s, t, &ctx.out, &event_name);
    }
    if !not_listening.is_empty() {
        let _ = writeln!(
            s,
            "Not listening to {event_name}: {}",
            not_listening.join(", ")
        );
    }
    let fired = trace.iter().filter(|t| t.verdict == Verdict::Fired).count();
    let _ = writeln!(
        s,
        "\n{} fired; {} would be queued{}",
        plural(fired, "rule"),
        plural(outcome.mail.len(), "message"),
        if outcome.deleted {
            "; the ticket would be deleted"
        } else {
            ""
        }
    );
    if trace.iter().any(|t| !t.scripts.is_empty()) {
        let _ = writeln!(
            s,
            "Scripts really ran to show what they return; nothing they returned was applied."
        );
    }
    print(&s)
}

fn mark(out: &Out, held: bool) -> String {
    if held {
        out.paint("32", "✓")
    } else {
        out.paint("31", "✗")
    }
}

fn render_trace(s: &mut String, t: &RuleTrace, out: &Out, incoming: &str) {
    let on = if t.event == incoming {
        String::new()
    } else {
        format!(" (on {}, raised by an earlier rule)", t.event)
    };
    let verdict = match t.verdict {
        Verdict::Fired => out.paint("32", "fired"),
        Verdict::NotMatched => "did not fire: its conditions did not hold".into(),
        Verdict::AlreadyFired => "skipped: it already fired for this change".into(),
        Verdict::Stopped => "skipped: an earlier rule has stop = true".into(),
        Verdict::InEpisode => "skipped: it fired already in this episode (until its conditions are false or someone acts)".into(),
    };
    let _ = writeln!(
        s,
        "{} {}{on}  {verdict}",
        mark(out, t.verdict == Verdict::Fired),
        out.bold(&t.rule)
    );
    if let Some(c) = &t.condition {
        render_cond(s, c, 1, out);
    }
    if t.verdict == Verdict::Fired {
        let tz = chrono_tz::UTC;
        let mut did: Vec<String> = t
            .changes
            .iter()
            .map(|c| super::show::describe_change(c, tz))
            .collect();
        did.extend(t.effects.iter().cloned());
        did.extend(t.scripts.iter().cloned());
        if did.is_empty() {
            did.push("no change (already so)".into());
        }
        for d in did {
            let _ = writeln!(s, "    → {d}");
        }
    }
}

fn render_cond(s: &mut String, c: &Trace, depth: usize, out: &Out) {
    let pad = "  ".repeat(depth + 1);
    match c {
        Trace::Group {
            kind,
            held,
            children,
        } => {
            // A group of one adds nothing to read.
            if children.len() == 1 && *kind != "not" {
                render_cond(s, &children[0], depth, out);
                return;
            }
            let label = match *kind {
                "all" => "all of:",
                "any" => "any of:",
                _ => "not:",
            };
            let _ = writeln!(s, "{pad}{} {label}", mark(out, *held));
            for ch in children {
                render_cond(s, ch, depth + 1, out);
            }
        }
        Trace::Test { test, saw, held } => {
            let mut saw = saw.replace('\n', " ");
            if saw.chars().count() > 60 {
                saw = saw.chars().take(57).collect::<String>() + "...";
            }
            let _ = writeln!(
                s,
                "{pad}{} {test}  {}",
                mark(out, *held),
                out.dim(&format!("(saw: {saw})"))
            );
        }
    }
}
