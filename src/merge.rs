//! Three-way merges of ticket and customer files, for git's merge driver
//! (`desk merge-file`): field by field, so two clones that changed one ticket never
//! conflict.
//!
//! - Lists that only grow merge as unions in time order: messages (keyed by Message-ID,
//!   or by their content when they have none), history entries, mail records (keyed by
//!   Message-ID; sent beats queued).
//! - Tags and followers (`cc`) merge as sets, `fields` and time-rule episodes per key.
//! - Scalars (`merged_into` among them) merge three ways: the side that changed wins. When both changed one to
//!   different values, the side whose history changed it later wins (ties: the greater
//!   value), and a history entry says so. Status and `snoozed_until` move together, as
//!   do the SLA policy and whether it was pinned.
//! - `created_at` is the earlier, `updated_at` the later; SLA instants (`met_at`,
//!   `warned_at`, `breached_at`) the earliest that either side recorded.
//!
//! Every rule is symmetric: merging A into B gives the same file as B into A, so clones
//! that pull each other's work end up byte-identical.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::model::ticket::{MailRecord, Sla, SlaTarget};
use crate::model::{Actor, Change, Customer, HistoryEntry, Message, Ticket};

/// The merged ticket. `base` is `None` when both sides added the file.
pub fn tickets(base: Option<&Ticket>, ours: &Ticket, theirs: &Ticket) -> Ticket {
    let mut conflicts: Vec<Change> = Vec::new();
    let mut m = ours.clone();
    let latest = |field: &str, t: &Ticket| last_change(t, field);

    macro_rules! scalar {
        ($field:ident, $name:expr) => {
            m.$field = pick(
                base.map(|b| &b.$field),
                &ours.$field,
                &theirs.$field,
                (latest($name, ours), latest($name, theirs)),
                $name,
                &mut conflicts,
            );
        };
    }
    scalar!(subject, "subject");
    scalar!(kind, "type");
    scalar!(priority, "priority");
    scalar!(department, "department");
    scalar!(assignee, "assignee");
    scalar!(requester, "requester");
    scalar!(shop, "shop");
    scalar!(channel, "channel");
    scalar!(merged_into, "merged_into");

    // Status and the snooze move together: a woken ticket keeps no wake-up time.
    let state = |t: &Ticket| (t.status.clone(), t.snoozed_until);
    let (status, snoozed) = pick(
        base.map(state).as_ref(),
        &state(ours),
        &state(theirs),
        (latest("status", ours), latest("status", theirs)),
        "status",
        &mut conflicts,
    );
    m.status = status;
    m.snoozed_until = snoozed;

    m.tags = set3(base.map(|b| b.tags.as_slice()), &ours.tags, &theirs.tags);
    m.cc = set3(base.map(|b| b.cc.as_slice()), &ours.cc, &theirs.cc);
    m.fields = map3(
        base.map(|b| &b.fields),
        &ours.fields,
        &theirs.fields,
        |k, a, b| {
            let name = format!("fields.{k}");
            pick(
                None,
                &a,
                &b,
                (latest(&name, ours), latest(&name, theirs)),
                &name,
                &mut conflicts,
            )
        },
    );
    // An episode that fired again on either side is in its episode.
    m.time_rules = map3(
        base.map(|b| &b.time_rules),
        &ours.time_rules,
        &theirs.time_rules,
        |_, a, b| a.max(b),
    );
    m.created_at = ours.created_at.min(theirs.created_at);
    m.updated_at = ours.updated_at.max(theirs.updated_at);
    m.sla = sla(
        base.and_then(|b| b.sla.as_ref()),
        ours,
        theirs,
        &mut conflicts,
    );

    m.messages = union(&ours.messages, &theirs.messages, |x| x.at, message_key);
    m.mail = mail(&ours.mail, &theirs.mail);
    m.history = union(&ours.history, &theirs.history, |h| h.at, canonical);
    if !conflicts.is_empty() {
        let note = conflicts
            .iter()
            .map(|c| format!("{} {} over {}", c.field, shown(&c.to), shown(&c.from)))
            .collect::<Vec<_>>()
            .join(", ");
        let entry = HistoryEntry {
            at: m.updated_at,
            actor: Actor::System,
            via: None,
            event: crate::model::event::UPDATED.into(),
            changes: conflicts,
            note: Some(format!(
                "merged: two clones changed the same field; the later change is kept ({note})"
            )),
        };
        if !m.history.contains(&entry) {
            m.history.push(entry);
        }
    }
    m
}

/// The merged customer: names and groups three ways (both changed: the greater value),
/// fields per key, the earlier `created_at`.
pub fn customers(base: Option<&Customer>, ours: &Customer, theirs: &Customer) -> Customer {
    let mut ignored = Vec::new();
    let mut s = |b: Option<&Option<String>>, a: &Option<String>, t: &Option<String>| {
        pick(b, a, t, (None, None), "", &mut ignored)
    };
    Customer {
        email: ours.email.clone(),
        name: s(base.map(|b| &b.name), &ours.name, &theirs.name),
        group: s(base.map(|b| &b.group), &ours.group, &theirs.group),
        organization: s(
            base.map(|b| &b.organization),
            &ours.organization,
            &theirs.organization,
        ),
        fields: map3(
            base.map(|b| &b.fields),
            &ours.fields,
            &theirs.fields,
            |_, a, b| a.max(b),
        ),
        created_at: earliest(ours.created_at, theirs.created_at),
    }
}

/// The smaller of two optional values, or whichever is there: the earliest instant either
/// side recorded.
fn earliest<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When the ticket's history last changed `field`.
fn last_change(t: &Ticket, field: &str) -> Option<DateTime<Utc>> {
    t.history
        .iter()
        .filter(|h| h.changes.iter().any(|c| c.field == field))
        .map(|h| h.at)
        .max()
}

/// Three-way choice of one value. When both sides changed it to different values, the
/// one changed later wins (ties: the greater value by its JSON form), and the conflict
/// is noted as a change from the losing value to the winning one.
fn pick<T: Clone + PartialEq + Serialize>(
    base: Option<&T>,
    ours: &T,
    theirs: &T,
    changed_at: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    name: &str,
    conflicts: &mut Vec<Change>,
) -> T {
    if ours == theirs {
        return ours.clone();
    }
    match base {
        Some(b) if b == ours => return theirs.clone(),
        Some(b) if b == theirs => return ours.clone(),
        _ => {}
    }
    let (a, b) = (json(ours), json(theirs));
    let ours_wins = match changed_at.0.cmp(&changed_at.1) {
        Ordering::Equal => canonical(ours) > canonical(theirs),
        o => o == Ordering::Greater,
    };
    let (win, lose, value) = if ours_wins {
        (a, b, ours)
    } else {
        (b, a, theirs)
    };
    if !name.is_empty() {
        conflicts.push(Change {
            field: name.to_string(),
            from: lose,
            to: win,
        });
    }
    value.clone()
}

fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.first().is_some_and(Value::is_string) => {
            a.first().map(shown).unwrap_or_default()
        }
        other => other.to_string(),
    }
}

/// Tags and followers: what either side added, less what either side removed.
fn set3(base: Option<&[String]>, ours: &[String], theirs: &[String]) -> Vec<String> {
    let base: BTreeSet<&String> = base.unwrap_or_default().iter().collect();
    let a: BTreeSet<&String> = ours.iter().collect();
    let b: BTreeSet<&String> = theirs.iter().collect();
    a.union(&b)
        .filter(|t| !(base.contains(*t) && (!a.contains(*t) || !b.contains(*t))))
        .map(|t| (*t).clone())
        .collect()
}

/// A map merged per key, three ways; `both` settles a key both sides changed.
fn map3<V: Clone + PartialEq>(
    base: Option<&BTreeMap<String, V>>,
    ours: &BTreeMap<String, V>,
    theirs: &BTreeMap<String, V>,
    mut both: impl FnMut(&str, Option<V>, Option<V>) -> Option<V>,
) -> BTreeMap<String, V> {
    let keys: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    let mut out = BTreeMap::new();
    for k in keys {
        let (a, b) = (ours.get(k).cloned(), theirs.get(k).cloned());
        let o = base.and_then(|m| m.get(k)).cloned();
        let v = if a == b {
            a
        } else if base.is_some() && o == a {
            b
        } else if base.is_some() && o == b {
            a
        } else {
            both(k, a, b)
        };
        if let Some(v) = v {
            out.insert(k.clone(), v);
        }
    }
    out
}

/// The SLA: policy and pinning together, three ways; targets per name with the earliest
/// instants either side recorded (the due time is measured again from the timeline
/// when the helpdesk's rules can be read).
fn sla(
    base: Option<&Sla>,
    ours: &Ticket,
    theirs: &Ticket,
    conflicts: &mut Vec<Change>,
) -> Option<Sla> {
    let head = |s: Option<&Sla>| s.map(|s| (s.policy.clone(), s.pinned));
    let chosen = pick(
        Some(&head(base)),
        &head(ours.sla.as_ref()),
        &head(theirs.sla.as_ref()),
        (last_change(ours, "sla"), last_change(theirs, "sla")),
        "sla",
        conflicts,
    );
    let (policy, pinned) = chosen?;
    fn same<'a>(s: &'a Option<Sla>, policy: &str) -> Option<&'a BTreeMap<String, SlaTarget>> {
        s.as_ref()
            .filter(|s| s.policy == policy)
            .map(|s| &s.targets)
    }
    let empty = BTreeMap::new();
    let (a, b) = (
        same(&ours.sla, &policy).unwrap_or(&empty),
        same(&theirs.sla, &policy).unwrap_or(&empty),
    );
    let mut targets = BTreeMap::new();
    for k in a.keys().chain(b.keys()) {
        let t = match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => SlaTarget {
                due: earliest(x.due, y.due),
                remaining: earliest(x.remaining, y.remaining),
                met_at: earliest(x.met_at, y.met_at),
                warned_at: earliest(x.warned_at, y.warned_at),
                breached_at: earliest(x.breached_at, y.breached_at),
            },
            (Some(x), None) | (None, Some(x)) => x.clone(),
            (None, None) => continue,
        };
        targets.insert(k.clone(), t);
    }
    Some(Sla {
        policy,
        pinned,
        targets,
    })
}

/// What identifies a message on both sides: its Message-ID, or its content.
fn message_key(m: &Message) -> String {
    match &m.message_id {
        Some(id) => id.clone(),
        None => canonical(m),
    }
}

/// A value's JSON form: equal entries are one, and ties order the same on every clone.
fn canonical<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Both lists, each item once (by `key`), in time order; items of one instant keep
/// their side's order, and the sides' ties are broken by content, the same way on
/// every clone.
fn union<T: Clone + Serialize>(
    ours: &[T],
    theirs: &[T],
    at: impl Fn(&T) -> DateTime<Utc>,
    key: impl Fn(&T) -> String,
) -> Vec<T> {
    let ours_keys: BTreeSet<String> = ours.iter().map(&key).collect();
    let only_theirs: Vec<&T> = theirs
        .iter()
        .filter(|x| !ours_keys.contains(&key(x)))
        .collect();
    let theirs_keys: BTreeSet<String> = theirs.iter().map(&key).collect();
    // What both hold keeps its place; each side's own items are merged in by time.
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(ours.len() + only_theirs.len());
    let ours_list: Vec<&T> = ours.iter().collect();
    while i < ours_list.len() || j < only_theirs.len() {
        let take_ours = match (ours_list.get(i), only_theirs.get(j)) {
            (Some(a), Some(b)) => match at(a).cmp(&at(b)) {
                Ordering::Less => true,
                Ordering::Greater => false,
                // Items both sides hold come first; then the smaller content.
                Ordering::Equal => theirs_keys.contains(&key(a)) || canonical(*a) <= canonical(*b),
            },
            (Some(_), None) => true,
            _ => false,
        };
        if take_ours {
            out.push(ours_list[i].clone());
            i += 1;
        } else {
            out.push(only_theirs[j].clone());
            j += 1;
        }
    }
    out
}

/// Mail records by Message-ID: a message sent on either side is sent.
fn mail(ours: &[MailRecord], theirs: &[MailRecord]) -> Vec<MailRecord> {
    let mut out = union(ours, theirs, |m| m.queued_at, |m| m.message_id.clone());
    for r in &mut out {
        if let Some(other) = theirs
            .iter()
            .chain(ours.iter())
            .find(|o| o.message_id == r.message_id && o != &r)
        {
            r.attempts = r.attempts.max(other.attempts);
            if other.state == "sent" || r.state == "sent" {
                r.state = "sent".into();
                r.error = None;
                r.sent_at = earliest(r.sent_at, other.sent_at);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MessageKind, Priority};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn ticket() -> Ticket {
        Ticket {
            id: "06fjw8g00aaaaa".into(),
            subject: "Zip broken".into(),
            kind: "ticket".into(),
            status: "open".into(),
            priority: Priority::Normal,
            department: Some("support".into()),
            assignee: None,
            requester: Some("kari@example.no".into()),
            cc: Vec::new(),
            shop: None,
            channel: "email".into(),
            tags: vec!["shoes".into()],
            fields: BTreeMap::new(),
            created_at: t("2026-11-24T09:00:00Z"),
            updated_at: t("2026-11-24T09:00:00Z"),
            snoozed_until: None,
            merged_into: None,
            sla: None,
            messages: vec![Message::new(
                t("2026-11-24T09:00:00Z"),
                "customer:kari@example.no".into(),
                MessageKind::Customer,
                "The zip broke".into(),
            )],
            history: vec![HistoryEntry {
                at: t("2026-11-24T09:00:00Z"),
                actor: Actor::Customer("kari@example.no".into()),
                via: None,
                event: "ticket.created".into(),
                changes: Vec::new(),
                note: None,
            }],
            time_rules: BTreeMap::new(),
            mail: Vec::new(),
        }
    }

    fn set(t: &mut Ticket, at: &str, who: &str, field: &str, from: &str, to: &str) {
        t.updated_at = super::tests::t(at);
        t.history.push(HistoryEntry {
            at: super::tests::t(at),
            actor: Actor::Agent(who.into()),
            via: None,
            event: "ticket.updated".into(),
            changes: vec![Change {
                field: field.into(),
                from: from.into(),
                to: to.into(),
            }],
            note: None,
        });
    }

    #[test]
    fn different_fields_and_replies_on_two_clones_both_stay() {
        let base = ticket();
        let mut a = base.clone();
        a.priority = Priority::High;
        set(
            &mut a,
            "2026-11-24T10:00:00Z",
            "ingrid",
            "priority",
            "normal",
            "high",
        );
        a.tags.push("vip".into());
        let mut b = base.clone();
        b.assignee = Some("bo".into());
        set(&mut b, "2026-11-24T10:05:00Z", "bo", "assignee", "", "bo");
        b.messages.push(Message::new(
            t("2026-11-24T10:05:00Z"),
            "agent:bo".into(),
            MessageKind::Reply,
            "On it".into(),
        ));
        b.tags.clear();
        let m = tickets(Some(&base), &a, &b);
        assert_eq!(m.priority, Priority::High);
        assert_eq!(m.assignee.as_deref(), Some("bo"));
        assert_eq!(
            m.tags,
            vec!["vip".to_string()],
            "added on one, removed on the other"
        );
        assert_eq!(m.messages.len(), 2);
        assert_eq!(m.history.len(), 3);
        assert_eq!(m.updated_at, t("2026-11-24T10:05:00Z"));
        assert_eq!(m, tickets(Some(&base), &b, &a), "the same either way");
    }

    #[test]
    fn followers_merge_as_a_set() {
        let mut base = ticket();
        base.cc = vec!["lars@example.no".into(), "per@example.no".into()];
        // One clone adds a follower and removes one; the other adds another.
        let mut a = base.clone();
        a.cc = vec!["anne@example.no".into(), "lars@example.no".into()];
        set(
            &mut a,
            "2026-11-24T10:00:00Z",
            "ingrid",
            "cc",
            "lars@example.no",
            "anne@example.no",
        );
        let mut b = base.clone();
        b.cc = vec![
            "lars@example.no".into(),
            "per@example.no".into(),
            "siri@example.no".into(),
        ];
        set(
            &mut b,
            "2026-11-24T10:05:00Z",
            "bo",
            "cc",
            "per@example.no",
            "siri@example.no",
        );
        let m = tickets(Some(&base), &a, &b);
        assert_eq!(
            m.cc,
            ["anne@example.no", "lars@example.no", "siri@example.no"],
            "both additions kept, the removal honoured, still sorted"
        );
        assert_eq!(m, tickets(Some(&base), &b, &a), "the same either way");
        assert!(
            !m.history.iter().any(|h| h.actor == Actor::System),
            "a set merges without a conflict"
        );
        // One side removed every follower, the other one of them: a removal on either
        // side is honoured.
        let mut c = base.clone();
        c.cc.clear();
        let mut d = base.clone();
        d.cc = vec!["per@example.no".into()];
        assert_eq!(tickets(Some(&base), &c, &d).cc, Vec::<String>::new());
        // Both added the file: the union.
        let mut e = ticket();
        e.cc = vec!["per@example.no".into()];
        let mut f = ticket();
        f.cc = vec!["anne@example.no".into()];
        assert_eq!(
            tickets(None, &e, &f).cc,
            ["anne@example.no", "per@example.no"]
        );
    }

    #[test]
    fn conflicting_priorities_keep_the_later_change_and_say_so() {
        let base = ticket();
        let mut a = base.clone();
        a.priority = Priority::High;
        set(
            &mut a,
            "2026-11-24T10:00:00Z",
            "ingrid",
            "priority",
            "normal",
            "high",
        );
        let mut b = base.clone();
        b.priority = Priority::Urgent;
        set(
            &mut b,
            "2026-11-24T11:00:00Z",
            "bo",
            "priority",
            "normal",
            "urgent",
        );
        let m = tickets(Some(&base), &a, &b);
        assert_eq!(m.priority, Priority::Urgent);
        let last = m.history.last().unwrap();
        assert_eq!(
            last.changes,
            vec![Change {
                field: "priority".into(),
                from: "high".into(),
                to: "urgent".into()
            }]
        );
        assert!(last.note.as_deref().unwrap().contains("merged"));
        assert_eq!(m, tickets(Some(&base), &b, &a));
        // Merging the merged file again with either side changes nothing more.
        assert_eq!(tickets(Some(&a), &m, &b), m);
    }

    #[test]
    fn the_same_mail_sent_on_one_side_is_sent() {
        let base = ticket();
        let rec = MailRecord {
            message_id: "<x@fjord.example>".into(),
            file: "outbox/x.eml".into(),
            to: vec!["kari@example.no".into()],
            cc: Vec::new(),
            subject: "Re".into(),
            kind: "reply".into(),
            queued_at: t("2026-11-24T10:00:00Z"),
            state: "queued".into(),
            attempts: 0,
            error: None,
            sent_at: None,
        };
        let mut a = base.clone();
        a.mail.push(rec.clone());
        let mut b = a.clone();
        b.mail[0].state = "sent".into();
        b.mail[0].sent_at = Some(t("2026-11-24T10:01:00Z"));
        let m = tickets(Some(&a), &a, &b);
        assert_eq!(m.mail.len(), 1);
        assert_eq!(m.mail[0].state, "sent");
        let m2 = tickets(Some(&base), &b, &a);
        assert_eq!(m2.mail, m.mail);
    }

    #[test]
    fn both_added_the_same_ticket() {
        let a = ticket();
        let mut b = ticket();
        b.tags.push("vip".into());
        let m = tickets(None, &a, &b);
        assert_eq!(m.tags, vec!["shoes".to_string(), "vip".to_string()]);
        assert_eq!(m.messages.len(), 1, "one message, not two");
    }

    #[test]
    fn customers_merge_per_field() {
        let base = Customer::new("kari@example.no", None, t("2026-11-24T09:00:00Z"));
        let mut a = base.clone();
        a.name = Some("Kari".into());
        let mut b = base.clone();
        b.group = Some("vip".into());
        b.created_at = Some(t("2026-11-23T09:00:00Z"));
        let m = customers(Some(&base), &a, &b);
        assert_eq!(m.name.as_deref(), Some("Kari"));
        assert_eq!(m.group.as_deref(), Some("vip"));
        assert_eq!(m.created_at, Some(t("2026-11-23T09:00:00Z")));
    }
}
