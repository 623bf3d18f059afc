//! The rule engine: a ticket and the events that happened to it in; the rules' changes,
//! their effects (mail to send once the change is complete) and a trace out. It touches
//! no files and sends nothing: the pipeline in `helpdesk` renders the mail from the
//! ticket's final state, saves, and runs scripts and agent pickers through [`Assigner`].
//!
//! Semantics: rules run in file order and each sees the changes of the rules
//! before it; the changes a rule makes raise their own events, which run the rules
//! again; a rule fires at most once per ticket for one incoming change, so no cascade
//! runs forever; `stop` ends the rules for the event at hand.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Result;
use crate::model::{Change, Customer, Edit, HistoryEntry, MessageKind, Settings, Ticket};
use crate::rules::condition::{Facts, Trace};
use crate::rules::event::Event;
use crate::rules::ruleset::{Action, AssignHow, NotifyTarget, Rule, RuleSet, SnoozeFor};
use crate::rules::template;

/// Picks agents for `assign = "least_loaded"` and `"round_robin"`; the store knows the load.
pub trait Assigner {
    fn least_loaded(&mut self, department: &str) -> Result<Option<String>>;
    fn round_robin(&mut self, department: &str) -> Result<Option<String>>;

    /// Runs `scripts/NAME` with `input` on standard input (the `run` action): its
    /// standard output, or why it failed; and its standard error, shortened.
    fn run_script(&mut self, script: &ScriptCall<'_>) -> ScriptRun {
        ScriptRun {
            output: Err(format!("scripts do not run here (`{}`)", script.name)),
            stderr: String::new(),
        }
    }
}

/// A script to run for a ticket and an event.
pub struct ScriptCall<'a> {
    pub name: &'a str,
    pub timeout: std::time::Duration,
    pub ticket: &'a str,
    pub event: &'a str,
    pub input: Vec<u8>,
    /// Patterns the rules may test after the script, compiled while it runs: one with
    /// a Unicode class (`[^0-9]`) takes half a millisecond, the time an awk script runs.
    pub meanwhile: Vec<crate::rules::condition::Pattern>,
}

/// What running a script gave.
pub struct ScriptRun {
    pub output: std::result::Result<Vec<u8>, String>,
    pub stderr: String,
}

/// Everything the rules may read besides the ticket.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub settings: &'a Settings,
    pub rules: &'a RuleSet,
    pub customer: Option<&'a Customer>,
    /// The instant conditions are judged at.
    pub now: DateTime<Utc>,
    /// The instant the rules' work is credited to: when what they answer was due (an SLA
    /// breach, a wake-up), so that two clones doing the same automatic work record the
    /// same bytes. A time rule's work is credited to when its `over` tests passed, not
    /// before this instant (the ticket's last change) and not after `now`.
    pub at: DateTime<Utc>,
    /// The acting agent's ID, for `@me`.
    pub me: Option<&'a str>,
    /// Time rules in their episode on this ticket: they do not fire again yet.
    pub in_episode: &'a [String],
    /// Trace every rule's conditions, not only those of rules that fire (`rules test`).
    pub trace_all: bool,
    /// The agent whose act the actions are (a macro): `{{agent.*}}` in a note names
    /// them. `None` for rules: the assignee.
    pub writer: Option<&'a str>,
    /// Rules that fired already for the incoming change: the change a queued script's
    /// output continues. A rule fires once per change, waited for or not.
    pub fired: &'a [String],
}

/// A script a rule runs without waiting for it (`wait = false`): the change is saved
/// without it, and it runs right after, on the ticket as saved (`crate::queued`).
#[derive(Debug, Clone)]
pub struct Queued {
    pub script: String,
    pub timeout: std::time::Duration,
    pub rule: String,
    /// The event the rule ran on: the script's `event` and its actions' `message.*`.
    pub event: Event,
}

/// Mail a rule asked for. It is rendered when the whole change is done, so it goes out
/// from the ticket's final department with its final fields, whatever the order of rules.
#[derive(Debug, Clone)]
pub struct Effect {
    pub mail: MailKind,
    pub template: String,
    /// The event the rule ran on, for the template's `event.*` and `message.*`.
    pub event: Event,
    /// The history entry that credits it (an index into the ticket's history once the
    /// rules' entries are added), and the words there that stand for it until it is sent.
    pub entry: Option<usize>,
    pub said: String,
    /// The rule that asked for it.
    pub rule: String,
    /// The instant the rule's work is credited to: the mail's date.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MailKind {
    /// A public automatic reply to the requester; the message at this index of the
    /// ticket's messages holds its text.
    Reply {
        message: usize,
    },
    Notify(NotifyTarget),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The conditions held and the actions ran.
    Fired,
    /// The conditions did not hold.
    NotMatched,
    /// It fired already for this incoming change.
    AlreadyFired,
    /// An earlier rule had `stop = true` for this event.
    Stopped,
    /// A time rule that fired already in this episode.
    InEpisode,
}

/// What one rule did with one event, for `desk rules test` and `desk tick --dry-run`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleTrace {
    pub rule: String,
    pub event: String,
    pub verdict: Verdict,
    pub condition: Option<Trace>,
    pub changes: Vec<Change>,
    /// Mail queued, notifications, actions that could not be done.
    pub effects: Vec<String>,
    /// What the rule's scripts returned and did (their history entries are their own).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub history: Vec<HistoryEntry>,
    pub effects: Vec<Effect>,
    pub delete: bool,
    pub trace: Vec<RuleTrace>,
    /// Actions that failed; the rest of the rule still ran.
    pub problems: Vec<String>,
    /// Scripts' history entries and changes, recorded after the rule that ran them.
    after: Vec<(HistoryEntry, Vec<Change>)>,
    /// Scripts to run once the change is saved.
    pub queued: Vec<Queued>,
}

/// Applies the rules listening for `incoming` (and for the events their changes raise).
pub fn run(
    ticket: &mut Ticket,
    incoming: Vec<Event>,
    env: &Env<'_>,
    assigner: &mut dyn Assigner,
) -> Outcome {
    let mut out = Outcome::default();
    let mut queue: VecDeque<Event> = incoming.into();
    let mut fired: HashSet<usize> = env
        .rules
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| env.fired.contains(&r.name))
        .map(|(i, _)| i)
        .collect();
    // Each rule fires at most once, so this many events is more than any cascade raises.
    let mut budget = (env.rules.rules.len() + 1) * 8;
    while let Some(event) = queue.pop_front() {
        if budget == 0 {
            out.problems.push(format!(
                "the rules stopped on ticket {} before `{}`: they raised more events than {} rules can (rules that keep answering each other's changes)",
                ticket.id,
                event.name,
                env.rules.rules.len()
            ));
            break;
        }
        budget -= 1;
        let mut stopped_by: Option<String> = None;
        for (i, rule) in env.rules.rules.iter().enumerate() {
            if !rule.listens_to(&event.name) {
                continue;
            }
            let mut trace = RuleTrace {
                rule: rule.name.clone(),
                event: event.name.clone(),
                verdict: Verdict::NotMatched,
                condition: None,
                changes: Vec::new(),
                effects: Vec::new(),
                scripts: Vec::new(),
            };
            if let Some(by) = &stopped_by {
                trace.verdict = Verdict::Stopped;
                trace.effects.push(format!("stopped by rule `{by}`"));
                out.trace.push(trace);
                continue;
            }
            if fired.contains(&i) {
                trace.verdict = Verdict::AlreadyFired;
                out.trace.push(trace);
                continue;
            }

            let held = {
                let facts = Facts::new(ticket, env.customer, env.settings, env.now)
                    .with_event(Some(&event))
                    .with_me(env.me);
                match &rule.condition {
                    // The full trace (every test with what it saw) costs string work;
                    // it is kept for rules that fired, or for all when asked.
                    Some(c) if env.trace_all => {
                        let t = c.trace(&facts);
                        let held = t.held();
                        trace.condition = Some(t);
                        held
                    }
                    Some(c) => {
                        let held = c.eval(&facts);
                        if held {
                            trace.condition = Some(c.trace(&facts));
                        }
                        held
                    }
                    None => true,
                }
            };
            if !held {
                out.trace.push(trace);
                continue;
            }
            // Conditions are still true, but this episode has had its firing.
            if rule.is_time_rule() && env.in_episode.contains(&rule.name) {
                trace.verdict = Verdict::InEpisode;
                out.trace.push(trace);
                continue;
            }
            fired.insert(i);
            trace.verdict = Verdict::Fired;
            let at = if rule.is_time_rule() {
                let facts = Facts::new(ticket, env.customer, env.settings, env.now);
                rule.condition
                    .as_ref()
                    .and_then(|c| c.deadline(&facts))
                    .map_or(env.at, |d| d.max(env.at))
                    .min(env.now)
            } else {
                env.at
            };
            // The rule's work happens at its instant: history, messages, mail, snoozes.
            let acting = Env { now: at, ..*env };
            let effects_before = out.effects.len();
            let changes = apply(
                rule, ticket, &event, &acting, assigner, &mut trace, &mut out,
            );
            for e in &mut out.effects[effects_before..] {
                e.rule = rule.name.clone();
            }
            trace.changes = changes.clone();
            let notes: Vec<String> = trace.effects.clone();
            if !changes.is_empty() || !notes.is_empty() {
                let entry = out.history.len();
                for e in &mut out.effects[effects_before..] {
                    e.entry.get_or_insert(entry);
                }
                out.history.push(HistoryEntry {
                    at,
                    actor: crate::model::Actor::Rule(rule.name.clone()),
                    via: None,
                    event: event.name.clone(),
                    changes: changes.clone(),
                    note: (!notes.is_empty()).then(|| notes.join("; ")),
                });
            }
            out.trace.push(trace);
            for (entry, script_changes) in std::mem::take(&mut out.after) {
                queue.extend(Event::derived(&script_changes));
                // A script that found nothing to do leaves no entry, like a rule.
                if !entry.changes.is_empty() || entry.note.is_some() {
                    out.history.push(entry);
                }
            }
            if out.delete {
                return out;
            }
            queue.extend(Event::derived(&changes));
            if rule.stop {
                stopped_by = Some(rule.name.clone());
            }
        }
    }
    out
}

/// What a person's use of the rules' actions did (a macro).
#[derive(Debug, Default)]
pub struct Acted {
    pub changes: Vec<Change>,
    /// Mail it asked for (notifications), rendered when the change is complete.
    pub effects: Vec<Effect>,
    /// What else it did, in words, for its history entry ("added a note").
    pub said: Vec<String>,
}

/// Applies `actions` as a person's act, by `author` (`agent:ID`), through the same
/// code as a rule's actions, but all or nothing: the first action that cannot be done
/// is the error, and the ticket is left as it was. Replies, scripts and deletion are
/// not a person's actions here (rules.toml refuses them in a `[[macro]]`).
pub fn act(
    actions: &[Action],
    ticket: &mut Ticket,
    event: &Event,
    env: &Env<'_>,
    assigner: &mut dyn Assigner,
    author: &str,
) -> std::result::Result<Acted, String> {
    let mut copy = ticket.clone();
    let mut out = Outcome::default();
    let mut acted = Acted::default();
    for action in actions {
        if matches!(
            action,
            Action::Reply { .. } | Action::Run { .. } | Action::Delete
        ) {
            return Err(format!(
                "{}: not an action a person takes",
                action.describe()
            ));
        }
        let (changes, said) = do_action(action, &mut copy, event, env, assigner, author, &mut out)
            .map_err(|m| format!("{}: {m}", action.describe()))?;
        merge(&mut acted.changes, changes);
        acted.said.extend(said);
    }
    *ticket = copy;
    acted.effects = out.effects;
    Ok(acted)
}

/// Merges a step's changes into a rule's, keeping the first `from` and the last `to`.
fn merge(into: &mut Vec<Change>, new: Vec<Change>) {
    for c in new {
        match into.iter_mut().find(|x| x.field == c.field) {
            Some(x) => x.to = c.to,
            None => into.push(c),
        }
    }
    into.retain(|c| c.from != c.to);
}

fn apply(
    rule: &Rule,
    ticket: &mut Ticket,
    event: &Event,
    env: &Env<'_>,
    assigner: &mut dyn Assigner,
    trace: &mut RuleTrace,
    out: &mut Outcome,
) -> Vec<Change> {
    let author = format!("rule:{}", rule.name);
    let mut changes = Vec::new();
    for action in &rule.actions {
        if let Action::Run {
            script,
            timeout,
            wait,
        } = action
        {
            if !wait {
                out.queued.push(Queued {
                    script: script.clone(),
                    timeout: *timeout,
                    rule: rule.name.clone(),
                    event: event.clone(),
                });
                trace.scripts.push(format!(
                    "queued script {script}: it runs once the change is saved"
                ));
                continue;
            }
            let (entry, script_changes, effects) =
                run_script(script, *timeout, ticket, event, env, assigner, out);
            trace.scripts.extend(effects);
            out.after.push((entry, script_changes));
            if out.delete {
                break;
            }
            continue;
        }
        let step = do_action(action, ticket, event, env, assigner, &author, out);
        match step {
            Ok((c, effect)) => {
                merge(&mut changes, c);
                if let Some(e) = effect {
                    trace.effects.push(e);
                }
            }
            Err(msg) => {
                let m = format!("{}: {msg}", action.describe());
                out.problems.push(format!("rule `{}`: {m}", rule.name));
                trace.effects.push(format!("failed: {m}"));
            }
        }
        if out.delete {
            break;
        }
    }
    changes
}

/// What a script is given on standard input (README, "Scripts").
pub fn script_input(ticket: &Ticket, customer: Option<&Customer>, event: &Event) -> Vec<u8> {
    let message = event.message.as_ref().map(|m| {
        serde_json::json!({
            "body": m.body,
            "from": m.from,
            "to": m.to,
            "kind": m.kind.as_str(),
            "auto": m.no_auto_reply,
        })
    });
    // Written field by field so the ticket keeps the order of its file (serde_json's
    // maps would sort the keys).
    #[derive(serde::Serialize)]
    struct EventIn<'a> {
        name: &'a str,
        target: Option<&'a str>,
        changes: &'a [Change],
        message: Option<serde_json::Value>,
    }
    #[derive(serde::Serialize)]
    struct Input<'a> {
        ticket: &'a Ticket,
        customer: Option<&'a Customer>,
        event: EventIn<'a>,
    }
    serde_json::to_vec(&Input {
        ticket,
        customer,
        event: EventIn {
            name: &event.name,
            target: event.target.as_deref(),
            changes: &event.changes,
            message,
        },
    })
    .unwrap_or_default()
}

/// Runs a script and applies what it returns ([`script_ran`]).
fn run_script(
    name: &str,
    timeout: std::time::Duration,
    ticket: &mut Ticket,
    event: &Event,
    env: &Env<'_>,
    world: &mut dyn Assigner,
    out: &mut Outcome,
) -> (HistoryEntry, Vec<Change>, Vec<String>) {
    let ran = world.run_script(&ScriptCall {
        name,
        timeout,
        ticket: &ticket.id,
        event: &event.name,
        input: script_input(ticket, env.customer, event),
        meanwhile: env.rules.uncompiled_patterns(&event.name),
    });
    script_ran(name, ran, ticket, event, env, world, out)
}

/// Applies what a script returned, all or nothing: on any failure the ticket is left
/// as it was and one history entry says what went wrong. Returns the script's history
/// entry, its changes and what it did in words.
pub fn script_ran(
    name: &str,
    ran: ScriptRun,
    ticket: &mut Ticket,
    event: &Event,
    env: &Env<'_>,
    world: &mut dyn Assigner,
    out: &mut Outcome,
) -> (HistoryEntry, Vec<Change>, Vec<String>) {
    let actor = crate::model::Actor::Script(name.to_string());
    let entry = |changes: Vec<Change>, note: String| HistoryEntry {
        at: env.now,
        actor: actor.clone(),
        via: None,
        event: event.name.clone(),
        changes,
        note: Some(note),
    };
    let stderr = ran.stderr.clone();
    let mut fail = |reason: String| {
        out.problems.push(format!(
            "script `{name}` failed on ticket {}: {reason}",
            ticket.id
        ));
        let mut note = format!("failed: {reason}");
        if !stderr.is_empty() {
            note.push_str(&format!("; stderr: {stderr}"));
        }
        (
            entry(Vec::new(), note),
            Vec::new(),
            vec![format!("script {name} failed: {reason}")],
        )
    };
    let stdout = match ran.output {
        Ok(s) => s,
        Err(reason) => return fail(reason),
    };
    let actions = match crate::rules::ruleset::actions_from_json(&stdout, env.settings, env.rules) {
        Ok(a) => a,
        Err(reason) => return fail(format!("printed invalid actions: {reason}")),
    };
    let returned = String::from_utf8_lossy(&stdout).trim().to_string();
    // Applied to a copy: if one action cannot be done, none is.
    let mut copy = ticket.clone();
    let mut sub = Outcome::default();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for a in &actions {
        match do_action(
            a,
            &mut copy,
            event,
            env,
            world,
            &actor.to_string(),
            &mut sub,
        ) {
            Ok((c, effect)) => {
                merge(&mut changes, c);
                notes.extend(effect);
            }
            Err(m) => return fail(format!("{}: {m}", a.describe())),
        }
        if sub.delete {
            break;
        }
    }
    *ticket = copy;
    out.effects.extend(sub.effects);
    out.delete |= sub.delete;
    out.problems.extend(sub.problems);
    let described: Vec<String> = actions.iter().map(Action::describe).collect();
    // What it printed is for `rules test`; the history keeps what it did.
    let mut effects = Vec::new();
    if env.trace_all {
        effects.push(format!("script {name} returned {returned}"));
    }
    effects.push(if described.is_empty() {
        format!("ran script {name}: nothing to do")
    } else {
        format!("ran script {name}: {}", described.join(", "))
    });
    let mut e = entry(changes.clone(), String::new());
    e.note = (!notes.is_empty()).then(|| notes.join("; "));
    (e, changes, effects)
}

type Step = std::result::Result<(Vec<Change>, Option<String>), String>;

fn edit_with<F>(ticket: &mut Ticket, env: &Env<'_>, author: &str, f: F) -> Step
where
    F: FnOnce(&mut Edit<'_>) -> Result<()>,
{
    let mut edit = Edit::new(ticket, env.settings, env.now);
    edit.author = author.to_string();
    f(&mut edit).map_err(|e| e.to_string())?;
    Ok((edit.finish(), None))
}

fn do_action(
    action: &Action,
    ticket: &mut Ticket,
    event: &Event,
    env: &Env<'_>,
    assigner: &mut dyn Assigner,
    author: &str,
    out: &mut Outcome,
) -> Step {
    match action {
        // Handled by `apply`; a script's output cannot hold one.
        Action::Run { script, .. } => Err(format!("`run {script}` cannot run here")),
        Action::Set { field, to } => edit_with(ticket, env, author, |e| e.set(field, to)),
        Action::AddTags(tags) => edit_with(ticket, env, author, |e| {
            tags.iter().try_for_each(|t| e.add_tag(t))
        }),
        Action::RemoveTags(tags) => edit_with(ticket, env, author, |e| {
            tags.iter().try_for_each(|t| e.remove_tag(t))
        }),
        Action::Assign(how) => {
            let agent = match how {
                AssignHow::Agent(a) => Some(a.clone()),
                AssignHow::RoundRobin | AssignHow::LeastLoaded => {
                    let dept = ticket.department.clone().ok_or_else(|| {
                        "the ticket has no department to pick an agent from".to_string()
                    })?;
                    let pick = if *how == AssignHow::RoundRobin {
                        assigner.round_robin(&dept)
                    } else {
                        assigner.least_loaded(&dept)
                    };
                    match pick.map_err(|e| e.to_string())? {
                        Some(a) => Some(a),
                        None => {
                            return Err(format!(
                                "department `{dept}` has no agent who is not away"
                            ));
                        }
                    }
                }
            };
            let agent = agent.unwrap_or_default();
            edit_with(ticket, env, author, |e| e.set("assignee", &agent))
        }
        Action::Note { text } => {
            let body = {
                let facts = Facts::new(ticket, env.customer, env.settings, env.now)
                    .with_event(Some(event))
                    .with_writer(env.writer);
                template::render(text, &facts)
            };
            let (changes, _) = edit_with(ticket, env, author, |e| {
                e.add_message(MessageKind::Note, &body, None)
            })?;
            Ok((changes, Some("added a note".into())))
        }
        Action::Snooze(how) => {
            let until = match how {
                SnoozeFor::Duration(d) => crate::time::add(env.now, *d).ok_or_else(|| {
                    format!("{d} from now is past 9999-12-31T23:59:59Z, the last time desk handles")
                })?,
                SnoozeFor::Until(t) => *t,
            };
            edit_with(ticket, env, author, |e| e.snooze(until))
        }
        Action::Delete => {
            out.delete = true;
            Ok((Vec::new(), Some("deleted the ticket".into())))
        }
        Action::Reply { template } => reply(template, ticket, event, env, author, out),
        Action::Notify { to, template } => notify(to, template, event, env, out),
    }
}

fn reply(
    template: &str,
    ticket: &mut Ticket,
    event: &Event,
    env: &Env<'_>,
    author: &str,
    out: &mut Outcome,
) -> Step {
    if ticket.requester.is_none() {
        return Ok((
            Vec::new(),
            Some(format!(
                "no reply `{template}`: the ticket has no requester"
            )),
        ));
    }
    if event.message.as_ref().is_some_and(|m| m.no_auto_reply) {
        return Ok((
            Vec::new(),
            Some(format!(
                "no reply `{template}`: the message asked for no automatic answer"
            )),
        ));
    }
    let tpl = env
        .rules
        .templates
        .get(template)
        .ok_or_else(|| format!("template `{template}` is not loaded"))?;
    // The text as it stands now, for traces; rendered again when the change is complete.
    let body = {
        let facts = Facts::new(ticket, env.customer, env.settings, env.now).with_event(Some(event));
        template::render(&tpl.body, &facts)
    };
    let (changes, _) = edit_with(ticket, env, author, |e| {
        e.add_message(MessageKind::Auto, &body, None)
    })?;
    let said = format!("replied `{template}`");
    out.effects.push(Effect {
        mail: MailKind::Reply {
            message: ticket.messages.len() - 1,
        },
        template: template.to_string(),
        event: event.clone(),
        entry: None,
        said: said.clone(),
        rule: String::new(),
        at: env.now,
    });
    Ok((changes, Some(said)))
}

fn notify(
    target: &NotifyTarget,
    template: &str,
    event: &Event,
    env: &Env<'_>,
    out: &mut Outcome,
) -> Step {
    if env.rules.templates.get(template).is_none() {
        return Err(format!("template `{template}` is not loaded"));
    }
    let said = format!("notify {} `{template}`", target.describe());
    out.effects.push(Effect {
        mail: MailKind::Notify(target.clone()),
        template: template.to_string(),
        event: event.clone(),
        entry: None,
        said: said.clone(),
        rule: String::new(),
        at: env.now,
    });
    Ok((Vec::new(), Some(said)))
}
