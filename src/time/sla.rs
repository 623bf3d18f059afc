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

pub const TARGETS: [&str; 3] = ["first_reply", "next_reply", "resolution"];

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

/// Chooses the policy (the first `[[sla]]` whose conditions hold, unless one was set by
/// hand or by a rule) and brings the targets up to date at `now`.
pub fn refresh(
    t: &mut Ticket,
    rules: &RuleSet,
    settings: &Settings,
    customer: Option<&Customer>,
    now: DateTime<Utc>,
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
    let clock = Clock {
        calendar: policy
            .calendar
            .as_deref()
            .and_then(|c| settings.calendars.get(c)),
    };
    let category = settings.category(&t.kind, &t.status);
    let first_reply = t
        .messages
        .iter()
        .find(|m| m.kind == MessageKind::Reply)
        .map(|m| m.at);
    let last_reply = t
        .messages
        .iter()
        .rev()
        .find(|m| m.kind == MessageKind::Reply)
        .map(|m| m.at);
    // The customer message that opened the current next-reply cycle: the first one after
    // the latest agent reply, if an agent has replied before.
    let cycle = last_reply.and_then(|r| {
        t.messages
            .iter()
            .find(|m| m.kind == MessageKind::Customer && m.at > r)
            .map(|m| m.at)
    });
    let created = t.created_at;
    let Some(sla) = t.sla.as_mut() else { return };

    if let Some(d) = policy.first_reply {
        let tgt = sla.targets.entry("first_reply".into()).or_default();
        if tgt.due.is_none() && tgt.met_at.is_none() {
            tgt.due = clock.add(created, d);
        }
        if tgt.met_at.is_none() {
            tgt.met_at = first_reply;
        }
    }
    if let Some(d) = policy.next_reply {
        match cycle {
            Some(start) => {
                let due = clock.add(start, d);
                let tgt = sla.targets.entry("next_reply".into()).or_default();
                if tgt.due != due {
                    *tgt = SlaTarget {
                        due,
                        ..SlaTarget::default()
                    };
                }
            }
            None => {
                if let Some(tgt) = sla.targets.get_mut("next_reply")
                    && tgt.met_at.is_none()
                    && tgt.due.is_some()
                {
                    tgt.met_at = last_reply;
                }
            }
        }
    }
    if let Some(d) = policy.resolution {
        let tgt = sla.targets.entry("resolution".into()).or_default();
        if tgt.due.is_none() && tgt.remaining.is_none() && tgt.met_at.is_none() {
            tgt.due = clock.add(created, d);
        }
        if category.is_done() {
            if tgt.met_at.is_none() {
                tgt.met_at = Some(now);
            }
        } else if let Some(met) = tgt.met_at.take() {
            // Reopened: the clock goes on from where it stood when the ticket was solved.
            if let Some(due) = tgt.due {
                tgt.due = clock.add(now, Duration::from_secs(clock.between(met, due)));
            }
        }
        if tgt.met_at.is_none() {
            if category == Category::Waiting {
                if let Some(due) = tgt.due.take() {
                    tgt.remaining = Some(clock.between(now, due));
                }
            } else if let Some(left) = tgt.remaining.take() {
                tgt.due = clock.add(now, Duration::from_secs(left));
            }
        }
    }
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
