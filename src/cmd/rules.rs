//! `desk rules`: check, list and test the rules.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::model::Ticket;
use crate::output::{Format, Out, plural, print};
use crate::rules::condition::Trace;
use crate::rules::engine::{RuleTrace, Verdict};
use crate::rules_check::RulesCheck;
use crate::rules_test::{RulesTarget, RulesTest};

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
    /// List the rules and the macros, one line each
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show which rules would fire on a ticket and why, changing nothing
    Test(TestArgs),
    /// Count how often each rule, SLA policy and schedule fired in a period
    ///
    /// Counted from the tickets' histories: the entries each one made, on how many
    /// tickets, and the last. Every rule, policy and schedule of rules.toml is listed,
    /// those that never fired and those switched off included; names in history that
    /// rules.toml no longer has (renamed or deleted) are listed apart.
    Stats(StatsArgs),
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub period: super::report::Period,

    /// Output format: a table for people, JSON or CSV for scripts
    #[arg(long, value_enum, default_value_t = super::report::ReportFormat::Table)]
    pub format: super::report::ReportFormat,
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

    /// Output format
    #[arg(long, value_enum, default_value_t = TestFormat::Table)]
    pub format: TestFormat,
}

/// What `rules test` can print: a trace is a tree, not rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// The trace for people
    Table,
    /// The trace and the resulting ticket as one JSON document
    Json,
}

pub fn run(ctx: &Ctx, args: RulesArgs) -> Result<()> {
    match args.command {
        RulesCommand::Check => check(ctx),
        RulesCommand::List { format } => list(ctx, format),
        RulesCommand::Test(a) => test(ctx, a),
        RulesCommand::Stats(a) => stats(ctx, a),
    }
}

fn check(ctx: &Ctx) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let RulesCheck { rules, templates } = hd.check_rules()?;
    ctx.out.status(format!(
        "desk.toml, rules.toml and {} are valid: {}{}, {}, {}, {}",
        plural(templates, "template"),
        plural(rules.rules.len() + rules.disabled.len(), "rule"),
        match rules.disabled.len() {
            0 => String::new(),
            n => format!(" ({n} switched off)"),
        },
        plural(rules.slas.len(), "SLA policy").replace("policys", "policies"),
        plural(rules.schedules.len(), "schedule"),
        plural(rules.macros.len(), "macro"),
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
    enabled: bool,
    line: usize,
    /// `rule`, or `macro` for a `[[macro]]` (no events, no conditions: agents apply it).
    kind: &'static str,
}

fn list(ctx: &Ctx, format: Format) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let rules = hd.rules()?;
    let mut rows: Vec<RuleRow> = rules
        .rules
        .iter()
        .map(|r| (r, true))
        .chain(rules.disabled.iter().map(|r| (r, false)))
        .map(|(r, enabled)| RuleRow {
            name: r.name.clone(),
            on: r.on.clone(),
            condition: r.condition.as_ref().map(ToString::to_string),
            then: r.actions.iter().map(|a| a.describe()).collect(),
            stop: r.stop,
            enabled,
            line: r.line,
            kind: "rule",
        })
        .collect();
    rows.sort_by_key(|r| r.line);
    rows.extend(rules.macros.iter().map(|m| RuleRow {
        name: m.name.clone(),
        on: Vec::new(),
        condition: None,
        then: m.describe(),
        stop: false,
        enabled: true,
        line: m.line,
        kind: "macro",
    }));
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
            let err = |e: csv::Error| Error::invalid(e.to_string());
            w.write_record([
                "name", "on", "if", "then", "stop", "enabled", "line", "kind",
            ])
            .map_err(err)?;
            for r in &rows {
                w.write_record([
                    r.name.as_str(),
                    &r.on.join(" "),
                    r.condition.as_deref().unwrap_or(""),
                    &r.then.join("; "),
                    if r.stop { "true" } else { "false" },
                    if r.enabled { "true" } else { "false" },
                    &r.line.to_string(),
                    r.kind,
                ])
                .map_err(err)?;
            }
            let bytes = w.into_inner().map_err(|e| Error::invalid(e.to_string()))?;
            print(&String::from_utf8_lossy(&bytes))
        }
        Format::Table => {
            let (rows, macros): (Vec<RuleRow>, Vec<RuleRow>) =
                rows.into_iter().partition(|r| r.kind == "rule");
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
                    let what = if r.enabled {
                        what
                    } else {
                        format!("(switched off) {what}")
                    };
                    vec![r.name.clone(), r.on.join(", "), what]
                })
                .collect();
            let mut text = ctx
                .out
                .render_table(&["RULE", "ON", "WHAT IT DOES"], &cells);
            if !macros.is_empty() {
                let cells: Vec<Vec<String>> = macros
                    .iter()
                    .map(|m| vec![m.name.clone(), m.then.join(", ")])
                    .collect();
                text.push('\n');
                text.push_str(&ctx.out.render_table(&["MACRO", "WHAT IT DOES"], &cells));
            }
            print(&text)?;
            ctx.out.status(if macros.is_empty() {
                plural(rows.len(), "rule")
            } else {
                format!(
                    "{}, {}",
                    plural(rows.len(), "rule"),
                    plural(macros.len(), "macro")
                )
            });
            Ok(())
        }
    }
}

fn stats(ctx: &Ctx, args: StatsArgs) -> Result<()> {
    use super::report::{ReportFormat, local_time, period_text};
    use crate::report::rule_stats::Row;

    let hd = ctx.helpdesk()?;
    let (r, problems) =
        hd.rule_stats(args.period.since.as_deref(), args.period.until.as_deref())?;
    for p in &problems {
        ctx.out.warn(format!("{p} (skipped)"));
    }
    let tz = hd.settings.helpdesk.timezone;
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "-".to_string(),
            |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    match args.format {
        ReportFormat::Json => print(&crate::output::json(&r)?)?,
        ReportFormat::Csv => {
            let utc = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(crate::time::format_utc).unwrap_or_default()
            };
            let row = |x: &Row| {
                vec![
                    x.kind.name().to_string(),
                    x.name.clone(),
                    x.enabled.to_string(),
                    x.in_rules_toml.to_string(),
                    x.fired.to_string(),
                    x.tickets.to_string(),
                    utc(x.last),
                    utc(x.last_ever),
                    x.events
                        .iter()
                        .map(|(e, n)| format!("{e}={n}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            };
            let rows: Vec<Vec<String>> = r
                .rows
                .iter()
                .chain(&r.no_longer_in_rules_toml)
                .map(row)
                .collect();
            print(&crate::output::csv(
                &[
                    "kind",
                    "name",
                    "enabled",
                    "in_rules_toml",
                    "fired",
                    "tickets",
                    "last",
                    "last_ever",
                    "events",
                ],
                &rows,
            )?)?;
        }
        ReportFormat::Table => {
            let note = |x: &Row| {
                let mut n = Vec::new();
                if !x.enabled {
                    n.push("switched off".to_string());
                }
                if x.fired == 0 {
                    n.push(match x.last_ever {
                        None => "never fired".to_string(),
                        Some(t) => format!("not in the period (last {})", time(Some(t))),
                    });
                }
                n.join("; ")
            };
            let cells = |rows: &[Row]| -> Vec<Vec<String>> {
                rows.iter()
                    .map(|x| {
                        vec![
                            x.kind.name().to_string(),
                            x.name.clone(),
                            x.fired.to_string(),
                            x.tickets.to_string(),
                            time(x.last),
                            note(x),
                        ]
                    })
                    .collect()
            };
            const HEADERS: [&str; 6] = ["KIND", "NAME", "FIRED", "TICKETS", "LAST", "NOTE"];
            let mut s = format!(
                "Rules, SLA policies and schedules fired from {} ({}); as of {}\n",
                period_text(r.since, r.until, tz),
                r.timezone,
                local_time(r.now, tz)
            );
            if r.rows.is_empty() {
                s.push_str("rules.toml has no rules, SLA policies or schedules\n");
            } else {
                s.push_str(&ctx.out.render_table(&HEADERS, &cells(&r.rows)));
            }
            if !r.no_longer_in_rules_toml.is_empty() {
                s.push_str("\nNo longer in rules.toml (renamed or deleted), found in history:\n");
                s.push_str(
                    &ctx.out
                        .render_table(&HEADERS, &cells(&r.no_longer_in_rules_toml)),
                );
            }
            print(&s)?;
            let never = r.rows.iter().filter(|x| x.fired == 0).count();
            ctx.out.status(format!(
                "{} of the {} in rules.toml fired in the period",
                r.rows.len() - never,
                r.rows.len()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Partial(format!(
            "{} could not be read (listed above); the figures leave {} out",
            plural(problems.len(), "ticket file"),
            if problems.len() == 1 { "it" } else { "them" }
        )));
    }
    Ok(())
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| Error::invalid(e.to_string()))
}

#[derive(Serialize)]
struct TestReport<'a> {
    ticket: &'a str,
    event: &'a str,
    rules: &'a [RuleTrace],
    not_listening: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    disabled: &'a [String],
    result: &'a Ticket,
}

fn test(ctx: &Ctx, args: TestArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let target = match (args.id, args.ticket) {
        (Some(id), _) => RulesTarget::Ticket(id),
        (None, Some(path)) => RulesTarget::Draft(path),
        (None, None) => return Err(Error::Usage("give a ticket ID or --ticket FILE".into())),
    };
    let RulesTest {
        before,
        event: event_name,
        trace,
        not_listening,
        disabled,
        outcome,
    } = hd.test_rules(&target, args.event.as_deref())?;
    if args.format == TestFormat::Json {
        let report = TestReport {
            ticket: &before.id,
            event: &event_name,
            rules: &trace,
            not_listening: &not_listening,
            disabled: &disabled,
            result: &outcome.ticket,
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
    if !disabled.is_empty() {
        let _ = writeln!(s, "Switched off (enabled = false): {}", disabled.join(", "));
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
        Trace::Test {
            test,
            saw,
            held,
            matched,
        } => {
            // Which words a `contains` found says more than the start of a long body.
            let seen = match matched {
                Some(m) => format!("(found {m})"),
                None => {
                    let mut saw = saw.replace('\n', " ");
                    if saw.chars().count() > 60 {
                        saw = saw.chars().take(57).collect::<String>() + "...";
                    }
                    format!("(saw: {saw})")
                }
            };
            let _ = writeln!(s, "{pad}{} {test}  {}", mark(out, *held), out.dim(&seen));
        }
    }
}
