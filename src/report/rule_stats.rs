//! `desk rules stats`: how often each rule, SLA policy and schedule fired in a period,
//! counted from the tickets' histories (entries whose actor is `rule:NAME`,
//! `sla:NAME` or `schedule:NAME`).
//!
//! Every name in rules.toml is listed in file order, those that never fired included;
//! names found in history that rules.toml no longer has (renamed or deleted) are listed
//! apart. Tickets are read one at a time and dropped, so memory holds the counts, not
//! the tickets.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::helpdesk::Helpdesk;
use crate::model::{Actor, Ticket};
use crate::rules::RuleSet;

/// What made the history entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Rule,
    Sla,
    Schedule,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rule => "rule",
            Kind::Sla => "sla",
            Kind::Schedule => "schedule",
        }
    }

    /// The kind and name behind an actor, for the actors this report counts.
    fn of(actor: &Actor) -> Option<(Kind, &str)> {
        match actor {
            Actor::Rule(n) => Some((Kind::Rule, n)),
            Actor::Sla(n) => Some((Kind::Sla, n)),
            Actor::Schedule(n) => Some((Kind::Schedule, n)),
            _ => None,
        }
    }
}

/// One rule, policy or schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub kind: Kind,
    pub name: String,
    /// False for a rule switched off with `enabled = false` (it may have fired before).
    pub enabled: bool,
    /// False for a name found only in history: renamed or deleted from rules.toml.
    pub in_rules_toml: bool,
    /// History entries it made in the period: one per rule firing (a rule that fires
    /// and changes nothing leaves no entry), one per SLA warning, breach or choice of
    /// policy, one per ticket a schedule made.
    pub fired: usize,
    /// Distinct tickets those entries are on.
    pub tickets: usize,
    /// Its last entry in the period.
    pub last: Option<DateTime<Utc>>,
    /// Its last entry at any time, in the period or not; none if it never fired.
    pub last_ever: Option<DateTime<Utc>>,
    /// The period's entries by the event that caused them (`ticket.created`, `tick`,
    /// `sla.breached`, ...).
    pub events: BTreeMap<String, usize>,
}

impl Row {
    fn new(kind: Kind, name: &str, enabled: bool, in_rules_toml: bool) -> Row {
        Row {
            kind,
            name: name.to_string(),
            enabled,
            in_rules_toml,
            fired: 0,
            tickets: 0,
            last: None,
            last_ever: None,
            events: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleStats {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub timezone: String,
    /// Every rule (switched off too), then every SLA policy, then every schedule of
    /// rules.toml, each in file order.
    pub rows: Vec<Row>,
    /// Names in history that rules.toml no longer has, by kind and name.
    pub no_longer_in_rules_toml: Vec<Row>,
}

/// Counts tickets' histories one ticket at a time.
pub struct Counter {
    since: i64,
    until: i64,
    rows: Vec<Row>,
    /// (kind, name) → index in `rows`.
    index: HashMap<(Kind, String), usize>,
    /// How many rows rules.toml gave; the rest were found in history.
    configured: usize,
    /// Scratch: the rows the current ticket touched in the period.
    touched: Vec<usize>,
}

impl Counter {
    /// A counter for the names of `rules`, over `[since, until)`.
    pub fn new(rules: &RuleSet, since: DateTime<Utc>, until: DateTime<Utc>) -> Counter {
        let mut all: Vec<(&crate::rules::ruleset::Rule, bool)> = rules
            .rules
            .iter()
            .map(|r| (r, true))
            .chain(rules.disabled.iter().map(|r| (r, false)))
            .collect();
        all.sort_by_key(|(r, _)| r.line);
        let rows: Vec<Row> = all
            .into_iter()
            .map(|(r, enabled)| Row::new(Kind::Rule, &r.name, enabled, true))
            .chain(
                rules
                    .slas
                    .iter()
                    .map(|p| Row::new(Kind::Sla, &p.name, true, true)),
            )
            .chain(
                rules
                    .schedules
                    .iter()
                    .map(|s| Row::new(Kind::Schedule, &s.name, true, true)),
            )
            .collect();
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.kind, r.name.clone()), i))
            .collect();
        Counter {
            since: since.timestamp(),
            until: until.timestamp(),
            configured: rows.len(),
            rows,
            index,
            touched: Vec::new(),
        }
    }

    /// Counts one ticket's history.
    pub fn add(&mut self, ticket: &Ticket) {
        self.touched.clear();
        for h in &ticket.history {
            let Some((kind, name)) = Kind::of(&h.actor) else {
                continue;
            };
            let i = match self.index.get(&(kind, name.to_string())) {
                Some(i) => *i,
                None => {
                    self.rows.push(Row::new(kind, name, true, false));
                    self.index
                        .insert((kind, name.to_string()), self.rows.len() - 1);
                    self.rows.len() - 1
                }
            };
            let row = &mut self.rows[i];
            row.last_ever = Some(row.last_ever.map_or(h.at, |l| l.max(h.at)));
            let t = h.at.timestamp();
            if t < self.since || t >= self.until {
                continue;
            }
            row.fired += 1;
            row.last = Some(row.last.map_or(h.at, |l| l.max(h.at)));
            *row.events.entry(h.event.clone()).or_default() += 1;
            if !self.touched.contains(&i) {
                self.touched.push(i);
            }
        }
        for &i in &self.touched {
            self.rows[i].tickets += 1;
        }
    }

    /// The figures: rules.toml's names in file order, the others apart.
    pub fn finish(mut self) -> (Vec<Row>, Vec<Row>) {
        let mut gone = self.rows.split_off(self.configured);
        gone.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        (self.rows, gone)
    }
}

impl Helpdesk {
    /// How often each rule, SLA policy and schedule fired over the period (read as
    /// `desk report` reads `--since` and `--until`), with the ticket files that could
    /// not be read. Ticket files are read one at a time.
    pub fn rule_stats(
        &self,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<(RuleStats, Vec<String>)> {
        let rules = self.rules()?;
        let tz = self.settings.helpdesk.timezone;
        let (since, until) = super::period::period(since, until, self.now, tz)?;
        let mut counter = Counter::new(&rules, since, until);
        // The file names give the IDs; each ticket is then loaded, counted and dropped,
        // so memory stays that of one ticket whatever the archive holds.
        let mut problems: Vec<String> = Vec::new();
        for id in self.ticket_ids()? {
            match self.store.load_ticket(&id) {
                Ok(t) => counter.add(&t),
                // Deleted since the listing: gone from the figures, as from reports.
                Err(Error::NoTicket(_)) => {}
                Err(e) => problems.push(e.to_string()),
            }
        }
        let (rows, gone) = counter.finish();
        Ok((
            RuleStats {
                since,
                until,
                now: self.now,
                timezone: tz.name().to_string(),
                rows,
                no_longer_in_rules_toml: gone,
            },
            problems,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ticket::HistoryEntry;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn entry(when: &str, actor: &str, event: &str) -> HistoryEntry {
        HistoryEntry {
            at: at(when),
            actor: Actor::parse(actor),
            event: event.into(),
            changes: Vec::new(),
            note: None,
            via: None,
        }
    }

    #[test]
    fn counts_entries_tickets_and_names_gone() {
        let mut rules = RuleSet::default();
        let rule = |name: &str, line| crate::rules::ruleset::Rule {
            name: name.into(),
            on: vec!["ticket.created".into()],
            condition: None,
            actions: Vec::new(),
            stop: false,
            line,
        };
        rules.rules.push(rule("a", 1));
        rules.rules.push(rule("c", 9));
        rules.disabled.push(rule("b", 5));
        let mut c = Counter::new(
            &rules,
            at("2026-11-01T00:00:00Z"),
            at("2026-11-02T00:00:00Z"),
        );
        let mut t = crate::store::cache::Summary::default().to_ticket();
        t.history = vec![
            entry("2026-10-31T23:59:59Z", "rule:a", "ticket.created"),
            entry("2026-11-01T00:00:00Z", "rule:a", "ticket.created"),
            entry("2026-11-01T10:00:00Z", "rule:a", "tick"),
            entry("2026-11-01T11:00:00Z", "rule:old", "tick"),
            entry("2026-11-01T12:00:00Z", "agent:ingrid", "ticket.updated"),
            entry("2026-11-02T00:00:00Z", "rule:c", "tick"),
        ];
        c.add(&t);
        c.add(&t);
        let (rows, gone) = c.finish();
        let names: Vec<(&str, bool)> = rows.iter().map(|r| (r.name.as_str(), r.enabled)).collect();
        assert_eq!(names, [("a", true), ("b", false), ("c", true)]);
        assert_eq!((rows[0].fired, rows[0].tickets), (4, 2));
        assert_eq!(rows[0].last, Some(at("2026-11-01T10:00:00Z")));
        assert_eq!(rows[0].events["tick"], 2);
        assert_eq!((rows[2].fired, rows[2].tickets), (0, 0));
        assert_eq!(rows[2].last_ever, Some(at("2026-11-02T00:00:00Z")));
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].name.as_str(), gone[0].in_rules_toml),
            ("old", false)
        );
        assert_eq!(gone[0].fired, 2);
    }
}
