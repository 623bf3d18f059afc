//! SLA policies on tickets: which policy applies, when each target is due in the
//! policy's calendar, pauses while the ticket waits, and the warnings and breaches that
//! `desk tick` raises.
//!
//! - `first_reply`: from creation to the first public reply of an agent.
//! - `next_reply`: from a customer's message that follows an agent's reply to the next
//!   agent reply; every such message starts a new cycle.
//! - `resolution`: from creation to a solved or closed status; the clock stops while the
//!   status category is `waiting` and goes on with the business time that was left.

use chrono::{DateTime, Utc};

use crate::model::settings::Category;
use crate::model::ticket::{Sla, SlaTarget};
use crate::model::{Customer, MessageKind, Settings, Ticket};
use crate::rules::condition::Facts;
use crate::rules::ruleset::{RuleSet, SlaPolicy};
use crate::time::Duration;
use crate::time::calendar::Calendar;

use crate::model::ticket::target;
pub use crate::model::ticket::target::ALL as TARGETS;

struct Clock<'a> {
    calendar: Option<&'a Calendar>,
}

impl Clock<'_> {
    fn add(&self, from: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
        match self.calendar {
            Some(c) => c.add_duration(from, d),
            None => Some(from + d.to_chrono()),
        }
    }

    fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        match self.calendar {
            Some(c) => c.between(from, to),
            None => (to - from).num_seconds().max(0),
        }
    }
}

/// What the targets were last measured from: the policy, how many messages, how many
/// status or type changes, and the type and status now. While it stays the same, so do
/// the targets, and a change measures them once however often it settles the SLA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measured(Option<(String, usize, usize, String, String)>);

impl Measured {
    pub fn of(t: &Ticket) -> Measured {
        let changes = t.history.iter().filter(|h| moves_status(h)).count();
        Measured(Some((
            t.sla.as_ref().map(|s| s.policy.clone()).unwrap_or_default(),
            t.messages.len(),
            changes,
            t.kind.clone(),
            t.status.clone(),
        )))
    }
}

/// Chooses the policy (the first `[[sla]]` whose conditions hold, unless one was set by
/// hand or by a rule) and measures its targets from the ticket's timeline, unless
/// `last` says nothing they depend on changed; `now` is the instant the policy's
/// conditions are judged at.
pub fn refresh(
    t: &mut Ticket,
    rules: &RuleSet,
    settings: &Settings,
    customer: Option<&Customer>,
    now: DateTime<Utc>,
    last: &mut Measured,
) {
    if !t.sla.as_ref().is_some_and(|s| s.pinned) {
        let chosen = {
            let facts = Facts::new(t, customer, settings, now);
            rules
                .slas
                .iter()
                .find(|p| p.condition.as_ref().is_none_or(|c| c.eval(&facts)))
                .map(|p| p.name.clone())
        };
        match chosen {
            None => t.sla = None,
            Some(name) if t.sla.as_ref().is_some_and(|s| s.policy == name) => {}
            Some(name) => {
                t.sla = Some(Sla {
                    policy: name,
                    pinned: false,
                    targets: Default::default(),
                })
            }
        }
    }
    let Some(policy) = t
        .sla
        .as_ref()
        .and_then(|s| rules.slas.iter().find(|p| p.name == s.policy))
    else {
        return;
    };
    let inputs = Measured::of(t);
    if *last == inputs && t.sla.as_ref().is_some_and(|s| !s.targets.is_empty()) {
        return;
    }
    *last = inputs;
    let clock = Clock {
        calendar: policy
            .calendar
            .as_deref()
            .and_then(|c| settings.calendars.get(c)),
    };
    let fresh = measure(t, policy, &clock, settings);
    let Some(sla) = t.sla.as_mut() else { return };
    // Warnings and breaches already recorded stay with the target they were about: the
    // same policy's target, and for `next_reply` the same cycle (a new customer message
    // after a met cycle starts a new one).
    let mut old = std::mem::take(&mut sla.targets);
    for (name, mut tgt) in fresh {
        if let Some(prev) = old.remove(name) {
            let new_cycle =
                name == target::NEXT_REPLY && prev.met_at.is_some() && tgt.met_at.is_none();
            if !new_cycle {
                tgt.warned_at = prev.warned_at;
                tgt.breached_at = prev.breached_at.or(tgt.breached_at);
            }
        }
        sla.targets.insert(name.to_string(), tgt);
    }
}

/// A change of status or type: what moves a ticket between categories.
fn moves_status(h: &crate::model::HistoryEntry) -> bool {
    h.changes
        .iter()
        .any(|c| c.field == "status" || c.field == "type")
}

/// The ticket's life as spans of one status category: from each instant until the next.
fn categories(t: &Ticket, settings: &Settings) -> Vec<(DateTime<Utc>, Category)> {
    let mut changes: Vec<&crate::model::HistoryEntry> =
        t.history.iter().filter(|h| moves_status(h)).collect();
    // Catch-up work (a wake-up at its due time) may be recorded after later entries.
    changes.sort_by_key(|h| h.at);
    let field = |h: &crate::model::HistoryEntry, f: &str, new: bool| {
        h.changes
            .iter()
            .find(|c| c.field == f)
            .and_then(|c| if new { c.to.as_str() } else { c.from.as_str() })
            .map(str::to_string)
    };
    // The state at creation: what the first change of each field changed from.
    let mut kind = changes
        .iter()
        .find_map(|h| field(h, "type", false))
        .unwrap_or_else(|| t.kind.clone());
    let mut status = changes
        .iter()
        .find_map(|h| field(h, "status", false))
        .unwrap_or_else(|| t.status.clone());
    let mut out = vec![(t.created_at, settings.category(&kind, &status))];
    for h in changes {
        if let Some(k) = field(h, "type", true) {
            kind = k;
        }
        if let Some(s) = field(h, "status", true) {
            status = s;
        }
        let at = h.at.max(t.created_at);
        let cat = settings.category(&kind, &status);
        match out.last_mut() {
            Some(last) if last.0 == at => last.1 = cat,
            Some(last) if last.1 == cat => {}
            _ => out.push((at, cat)),
        }
    }
    out
}

/// When a target of `d` that starts at `start` is due, counting only the time the
/// ticket spends in spans where `running` holds; from `met` on (the instant it was met)
/// the clock is taken to run, so a met target keeps the due time it had. While the clock
/// is stopped now: no due time, and the business seconds left.
fn due_over(
    clock: &Clock<'_>,
    spans: &[(DateTime<Utc>, Category)],
    start: DateTime<Utc>,
    d: Duration,
    running: &dyn Fn(Category) -> bool,
    met: Option<DateTime<Utc>>,
) -> (Option<DateTime<Utc>>, Option<i64>) {
    // Spans from `start` on, as (from, clock runs), with the met instant as a boundary
    // and neighbours that run alike joined (so a calendar counts whole days as days).
    let mut eff: Vec<(DateTime<Utc>, bool)> = Vec::new();
    let mut push = |at: DateTime<Utc>, run: bool| match eff.last_mut() {
        Some(last) if last.1 == run => {}
        Some(last) if last.0 == at => last.1 = run,
        _ => eff.push((at, run)),
    };
    for (i, (from, cat)) in spans.iter().enumerate() {
        let end = spans.get(i + 1).map(|s| s.0);
        if end.is_some_and(|e| e <= start) {
            continue;
        }
        let from = (*from).max(start);
        match met {
            Some(m) if m <= from => push(from, true),
            Some(m) if end.is_none_or(|e| m < e) => {
                push(from, running(*cat));
                push(m, true);
            }
            _ => push(from, running(*cat)),
        }
    }
    // The whole duration until a pause cuts it; business seconds after that.
    let mut left: Option<i64> = None;
    for (i, (from, run)) in eff.iter().enumerate() {
        if !*run {
            continue;
        }
        let due = match left {
            None => clock.add(*from, d),
            Some(s) => clock.add(*from, Duration::from_secs(s)),
        };
        let Some(due) = due else {
            return (None, None);
        };
        match eff.get(i + 1) {
            Some((end, _)) if due > *end => left = Some(clock.between(*end, due)),
            _ => return (Some(due), None),
        }
    }
    let left = left.unwrap_or_else(|| {
        clock
            .add(start, d)
            .map_or(d.seconds, |due| clock.between(start, due))
    });
    (None, Some(left))
}

/// Every target of `policy`, measured from the ticket's own timeline as if the policy
/// had applied from the start: its creation, its messages and its status changes.
fn measure(
    t: &Ticket,
    policy: &SlaPolicy,
    clock: &Clock<'_>,
    settings: &Settings,
) -> Vec<(&'static str, SlaTarget)> {
    let spans = categories(t, settings);
    let current = spans.last().map_or(Category::New, |s| s.1);
    let replies = || {
        t.messages
            .iter()
            .filter(|m| m.kind == MessageKind::Reply)
            .map(|m| m.at)
    };
    // Reply targets stop while the ticket is solved or closed; resolution also while it
    // waits on somebody.
    let replying = |c: Category| !c.is_done();
    let resolving = |c: Category| !c.is_done() && c != Category::Waiting;
    let one = |start, d, running: &dyn Fn(Category) -> bool, met_at: Option<DateTime<Utc>>| {
        let (due, remaining) = due_over(clock, &spans, start, d, running, met_at);
        SlaTarget {
            due,
            remaining,
            met_at,
            warned_at: None,
            // Met late is breached, whether or not a tick saw it happen.
            breached_at: match (due, met_at) {
                (Some(due), Some(met)) if met > due => Some(due),
                _ => None,
            },
        }
    };
    let mut out = Vec::new();
    if let Some(d) = policy.first_reply {
        let met = replies().min();
        out.push((target::FIRST_REPLY, one(t.created_at, d, &replying, met)));
    }
    if let Some(d) = policy.next_reply {
        // The latest cycle: the first customer message after a reply, until the next reply.
        let mut cycle: Option<(DateTime<Utc>, Option<DateTime<Utc>>)> = None;
        let mut replied = false;
        let mut msgs: Vec<&crate::model::Message> = t.messages.iter().collect();
        msgs.sort_by_key(|m| m.at);
        for m in msgs {
            match m.kind {
                MessageKind::Reply => {
                    replied = true;
                    if let Some((_, end @ None)) = cycle.as_mut() {
                        *end = Some(m.at);
                    }
                }
                MessageKind::Customer if replied && cycle.is_none_or(|(_, end)| end.is_some()) => {
                    cycle = Some((m.at, None));
                }
                _ => {}
            }
        }
        if let Some((start, met)) = cycle {
            out.push((target::NEXT_REPLY, one(start, d, &replying, met)));
        }
    }
    if let Some(d) = policy.resolution {
        let met = current
            .is_done()
            .then(|| spans.last().map(|s| s.0))
            .flatten();
        out.push((target::RESOLUTION, one(t.created_at, d, &resolving, met)));
    }
    out
}

/// What `desk tick` finds: a warning or a breach of one target, at the instant it
/// happened (which may be before now, after cron was down).
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub target: String,
    pub breached: bool,
    pub at: DateTime<Utc>,
}

/// Records the warnings and breaches due by `now`, each once, and returns them in time order.
pub fn alarms(t: &mut Ticket, rules: &RuleSet, now: DateTime<Utc>) -> Vec<Alarm> {
    let Some(sla) = t.sla.as_mut() else {
        return Vec::new();
    };
    let warn = rules
        .slas
        .iter()
        .find(|p| p.name == sla.policy)
        .and_then(|p: &SlaPolicy| p.warn_before);
    let mut out = Vec::new();
    for (name, tgt) in sla.targets.iter_mut() {
        let (Some(due), None) = (tgt.due, tgt.met_at) else {
            continue;
        };
        if let Some(w) = warn
            && tgt.warned_at.is_none()
            && tgt.breached_at.is_none()
        {
            let at = due - w.to_chrono();
            if now >= at {
                tgt.warned_at = Some(at);
                out.push(Alarm {
                    target: name.clone(),
                    breached: false,
                    at,
                });
            }
        }
        if tgt.breached_at.is_none() && now >= due {
            tgt.breached_at = Some(due);
            out.push(Alarm {
                target: name.clone(),
                breached: true,
                at: due,
            });
        }
    }
    out.sort_by_key(|a| a.at);
    out
}
