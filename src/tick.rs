//! `desk tick`: everything that happens because time passed, evaluated once at one
//! instant — snoozes that are due wake up, SLA targets warn and breach, time rules fire
//! once per episode. Run by cron every minute; safe to run twice, to kill half-way and
//! to run after cron was down for days (wake-ups and breaches are recorded at the
//! instant they happened).

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};

use crate::model::Customer;

use crate::helpdesk::{Helpdesk, NewTicket, Origin, RuleRun};
use crate::model::settings::Category;
use crate::model::{Edit, HistoryEntry};
use crate::pipeline::{Work, Write};
use crate::rules::RuleSet;
use crate::rules::condition::{Facts, Field};
use crate::rules::engine::{RuleTrace, Verdict};
use crate::rules::event::{self as ev, Event};
use crate::rules::ruleset::{Schedule, ScheduleValue};
use crate::store::Summary;
use crate::store::due::Quiet;

/// One thing tick did (or would do) to a ticket.
#[derive(Debug, Clone, Serialize)]
pub struct Happening {
    pub ticket: String,
    /// `woke`, `rule`, `sla.warning`, `sla.breached`, `deleted`, `script` (a queued
    /// script left over).
    pub kind: String,
    /// When it happened: a wake-up or breach keeps its own instant.
    pub at: DateTime<Utc>,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct TickReport {
    pub now: DateTime<Utc>,
    pub dry_run: bool,
    /// Tickets whose files were read because something might be due.
    pub checked: usize,
    pub happened: Vec<Happening>,
    #[serde(skip)]
    pub traces: Vec<(String, Vec<RuleTrace>)>,
    #[serde(skip)]
    pub problems: Vec<String>,
    /// What went wrong without failing the tick (a corrupt local record, rebuilt).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Fields a listing summary does not know: a time rule testing them needs the file,
/// or for the customer's fields, the customer's record.
fn unknown_in_summary(f: &Field) -> bool {
    f.needs_customer() || unknown_with_customer(f)
}

/// Fields a summary and the customer's record do not know.
fn unknown_with_customer(f: &Field) -> bool {
    matches!(
        f,
        Field::Body | Field::Text | Field::SlaPolicy | Field::SlaBreached | Field::SlaDueIn(_)
    )
}

/// How many tickets `desk tick` reads ahead of the one it ticks.
const READ_AHEAD: usize = 32;

/// Tickets ticked under one hold of the lock and written to disk together: one flush of
/// the file system for the batch instead of seven `fsync`s per ticket, which made a
/// day's work at 100,000 tickets take 2.9 s against 0.2 s for its dry run. A batch ends
/// after [`BATCH_TICKETS`] tickets or [`BATCH_TIME`], so agents' commands wait at most
/// about that long for the lock.
struct Batch<'a> {
    ids: Vec<&'a str>,
    started: std::time::Instant,
}

const BATCH_TICKETS: usize = 250;
const BATCH_TIME: std::time::Duration = std::time::Duration::from_millis(250);

impl Batch<'_> {
    fn full(&self) -> bool {
        self.ids.len() >= BATCH_TICKETS || self.started.elapsed() >= BATCH_TIME
    }
}

/// What [`Helpdesk::judge`] found.
enum Judged {
    /// Something may be due now: the file is read and the ticket ticked.
    Due,
    /// Nothing can be due before this second unless the file changes.
    Quiet(i64),
    /// Nothing is due now, judged with the customer's record, which may change unseen:
    /// judged again next time.
    QuietNow,
}

/// Fields known from a type and status alone.
fn unknown_in_status(f: &Field) -> bool {
    !matches!(f, Field::Type | Field::Status | Field::StatusCategory)
}

impl Helpdesk {
    /// Runs one tick at `self.now`. With `dry_run`, nothing is written.
    pub fn tick(&self, dry_run: bool) -> Result<TickReport> {
        let rules = self.rules()?;
        let _tick = self.store.try_tick_lock()?.ok_or_else(|| {
            Error::Busy(
                "another `desk tick` is still running in this helpdesk; this one did nothing"
                    .into(),
            )
        })?;
        // Scripts queued and left over run first, so what they change is ticked as it
        // is now.
        let mut queued = self.tick_queued(&rules, dry_run)?;
        let settings = &self.settings;
        let now = self.now;
        let time_rules: Vec<&crate::rules::ruleset::Rule> =
            rules.rules.iter().filter(|r| r.is_time_rule()).collect();

        // Done tickets matter only to time rules that can match their type and status
        // (spam older than 90 days...): decided once per (type, status).
        // Few distinct pairs exist; a list searched without allocating beats a map here.
        let pairs: RefCell<Vec<(String, String, bool)>> = RefCell::new(Vec::new());
        let want = |kind: &str, status: &str| -> bool {
            if !settings.category(kind, status).is_done() {
                return true;
            }
            if let Some((_, _, v)) = pairs
                .borrow()
                .iter()
                .find(|(k, s, _)| k == kind && s == status)
            {
                return *v;
            }
            let probe = Summary {
                kind: kind.into(),
                status: status.into(),
                ..Summary::default()
            }
            .to_ticket();
            let facts = Facts::new(&probe, None, settings, now);
            let v = time_rules.iter().any(|r| {
                r.condition
                    .as_ref()
                    .is_none_or(|c| c.eval3(&facts, &unknown_in_status) != Some(false))
            });
            pairs
                .borrow_mut()
                .push((kind.to_string(), status.to_string(), v));
            v
        };
        // Tickets the last tick judged quiet, whose files have not changed since, are
        // skipped unread until the instant it named (`store::due`).
        let fingerprint = crate::store::due::fingerprint(self.store.root());
        let now_s = now.timestamp();
        let index = self.store.due_index(&fingerprint, now_s);
        let scan = self
            .store
            .scan_known(&want, &|name, stamp| index.quiet(name, stamp, now_s))?;
        let mut report = TickReport {
            now,
            dry_run,
            checked: 0,
            happened: Vec::new(),
            traces: Vec::new(),
            warnings: Vec::new(),
            problems: scan
                .problems
                .iter()
                .map(crate::store::Problem::skipped)
                .collect(),
        };

        report.happened.append(&mut queued.0);
        report.problems.append(&mut queued.1);
        let made = self.run_schedules(&rules, dry_run, &mut report)?;
        // Tickets judged now and found quiet; those the index knew keep their entries.
        let mut fresh: Vec<Quiet> = Vec::new();
        let mut customers = HashMap::new();
        // Tickets a schedule made just now are ticked too, so a second tick at the same
        // instant finds nothing left to do.
        let mut candidates: Vec<&str> = Vec::new();
        for s in &scan.tickets {
            match self.judge(s, &time_rules, &rules, &mut customers) {
                Judged::Due => candidates.push(s.id.as_str()),
                Judged::Quiet(until) => fresh.push(Quiet {
                    name: format!("{}.json", s.id),
                    stamp: s.stamp,
                    until,
                }),
                Judged::QuietNow => {}
            }
        }
        crate::store::cache::trace(|| {
            format!(
                "tick: {} judged, {} known quiet, {} due",
                scan.tickets.len(),
                scan.known.len(),
                candidates.len()
            )
        });
        if !dry_run {
            candidates.extend(made.iter().map(String::as_str));
        }
        // Rewritten only when something was found quiet anew: a minute's tick with
        // nothing changed writes nothing. Entries of tickets changed since (below, or by
        // anybody) no longer match their files' stamps and are dropped at the next write.
        if !dry_run && !fresh.is_empty() {
            fresh.extend(scan.known.iter().filter_map(|id| index.carry(id)));
            self.store.save_due_index(fingerprint, now_s, fresh);
        }
        // Loads are counted now if a rule may assign the least loaded agent: counted in
        // the middle of a batch, after thousands of tickets written, they took a scan of
        // every file at a million tickets.
        let assigns = rules.rules.iter().any(|r| {
            r.actions.iter().any(|a| {
                matches!(
                    a,
                    crate::rules::ruleset::Action::Assign(
                        crate::rules::ruleset::AssignHow::LeastLoaded
                    )
                )
            })
        });
        if !dry_run && assigns && !candidates.is_empty() {
            self.count_loads()?;
        }
        // The next tickets are read and parsed on another core while this one is ticked
        // (a fifth of a day's work at a million tickets); tickets are still ticked one
        // at a time, in order, so `least_loaded` picks as it would without.
        crate::memory::reuse_freed();
        let store = &self.store;
        let ids = &candidates;
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(READ_AHEAD);
            scope.spawn(move || {
                for id in ids {
                    if tx.send(store.load_ticket_stamped(id).ok()).is_err() {
                        break;
                    }
                }
            });
            let mut batch: Option<Batch> = None;
            for id in ids {
                report.checked += 1;
                let ahead = rx.recv().ok().flatten();
                if !dry_run && batch.is_none() {
                    match self.hold() {
                        Ok(()) => {
                            crate::store::atomic::begin();
                            batch = Some(Batch {
                                ids: Vec::new(),
                                started: std::time::Instant::now(),
                            });
                        }
                        Err(e) => {
                            report.problems.push(format!("{id}: {e}"));
                            continue;
                        }
                    }
                }
                match self.tick_ticket(id, ahead, &rules, dry_run, &mut report, &mut customers) {
                    Ok(()) => {
                        if let Some(b) = &mut batch {
                            b.ids.push(id);
                        }
                    }
                    Err(e) => report.problems.push(format!("{id}: {e}")),
                }
                if batch.as_ref().is_some_and(Batch::full) {
                    self.store_batch(batch.take(), &mut report);
                }
            }
            self.store_batch(batch, &mut report);
        });
        self.end_batch();
        Ok(report)
    }

    /// Runs the scripts rules queued that no background run has done (it was killed, or
    /// could not start); a dry run only names them.
    fn tick_queued(&self, rules: &RuleSet, dry_run: bool) -> Result<(Vec<Happening>, Vec<String>)> {
        let happening = |ticket: String, detail: String| Happening {
            ticket,
            kind: "script".into(),
            at: self.now,
            detail,
        };
        if dry_run {
            let would = self
                .queued_runs()?
                .into_iter()
                .map(|(ticket, script, rule)| {
                    happening(
                        ticket,
                        format!("would run script {script}, queued by rule `{rule}`"),
                    )
                });
            return Ok((would.collect(), Vec::new()));
        }
        let (ran, problems) = self.run_queued(rules)?;
        let done = ran.into_iter().map(|r| {
            happening(
                r.ticket,
                format!(
                    "ran script {}, queued by rule `{}`: {}",
                    r.script, r.rule, r.detail
                ),
            )
        });
        Ok((done.collect(), problems))
    }

    /// Writes a batch of ticked tickets to disk at once and lets go of the lock. On
    /// failure none of the batch is written, and its tickets are reported as not done.
    fn store_batch(&self, batch: Option<Batch>, report: &mut TickReport) {
        let Some(batch) = batch else {
            return;
        };
        let stored = crate::store::atomic::end();
        self.store.batch_noted(stored.is_ok());
        match stored {
            Ok(()) => {
                if let Err(e) = self.release_staged() {
                    // The tickets are stored and record their mail: the next command moves it.
                    report.warnings.push(format!("mail not queued yet: {e}"));
                }
            }
            Err(e) => {
                self.forget_staged();
                report
                    .happened
                    .retain(|h| !batch.ids.contains(&h.ticket.as_str()));
                report
                    .traces
                    .retain(|(id, _)| !batch.ids.contains(&id.as_str()));
                report
                    .problems
                    .extend(batch.ids.iter().map(|id| format!("{id}: not stored: {e}")));
            }
        }
        self.release();
    }

    /// Creates the recurring tickets whose occurrences have come, each exactly once: the
    /// ticket's ID is derived from the schedule and the occurrence, so a ticket another
    /// clone made already is not made again. After cron was down, every missed
    /// occurrence gets its ticket, dated when it was due.
    /// Returns the tickets it made, for the same tick to bring up to date.
    fn run_schedules(
        &self,
        rules: &RuleSet,
        dry_run: bool,
        report: &mut TickReport,
    ) -> Result<Vec<String>> {
        let mut made = Vec::new();
        if rules.schedules.is_empty() {
            return Ok(made);
        }
        let path = self.store.local_dir().join("schedules.json");
        let mut state: BTreeMap<String, DateTime<Utc>> = match std::fs::read_to_string(&path) {
            Ok(s) => serde_json::from_str(&s).unwrap_or_else(|e| {
                report.warnings.push(format!(
                    "{}: not a schedule record ({e}); the last occurrences are read from the tickets",
                    path.display()
                ));
                BTreeMap::new()
            }),
            Err(_) => BTreeMap::new(),
        };
        // Without a local record (a fresh clone, `.desk/` deleted), the tickets tell:
        // a recurring ticket's ID is derived from its schedule and occurrence.
        if rules.schedules.iter().any(|s| !state.contains_key(&s.name)) {
            // The file names are enough: no ticket is read.
            for id in self.store.ticket_ids()? {
                let Some(secs) = crate::model::id::time_of(&id) else {
                    continue;
                };
                for sched in &rules.schedules {
                    if crate::model::id::for_occurrence(&sched.name, secs).as_deref()
                        == Some(id.as_str())
                    {
                        let at = DateTime::from_timestamp(secs, 0).unwrap_or_default();
                        let last = state.entry(sched.name.clone()).or_insert(at);
                        *last = (*last).max(at);
                    }
                }
            }
        }
        let tz = self.settings.helpdesk.timezone;
        let now = self.now.with_timezone(&tz);
        for sched in &rules.schedules {
            let Ok(cron) = sched.every.parse::<croner::Cron>() else {
                continue;
            };
            // Without a record (a fresh clone), only the latest occurrence is due.
            let occurrences: Vec<DateTime<Utc>> = match state.get(&sched.name) {
                Some(last) => cron
                    .iter_after(last.with_timezone(&tz))
                    .take_while(|t| *t <= now)
                    .take(1000)
                    .map(|t| t.with_timezone(&Utc))
                    .collect(),
                None => cron
                    .find_previous_occurrence(&now, true)
                    .ok()
                    .map(|t| t.with_timezone(&Utc))
                    .into_iter()
                    .collect(),
            };
            for occ in occurrences {
                // Without a shared ID (an occurrence before 2020 or after 3108), the
                // ticket takes this clone's next ID; the state below still makes it once.
                let id = crate::model::id::for_occurrence(&sched.name, occ.timestamp());
                if id
                    .as_ref()
                    .is_none_or(|id| !self.store.ticket_path(id).exists())
                {
                    let new = schedule_ticket(sched);
                    let origin = Origin {
                        at: Some(occ),
                        actor: Some(crate::model::Actor::Schedule(sched.name.clone())),
                        id: id.clone(),
                        dry_run,
                    };
                    match self.create_with(new, rules, &origin) {
                        Ok(out) => {
                            made.push(out.ticket.id.clone());
                            report.happened.push(Happening {
                                ticket: out.ticket.id,
                                kind: "created".into(),
                                at: occ,
                                detail: format!("created by schedule {}", sched.name),
                            })
                        }
                        Err(e) => report
                            .problems
                            .push(format!("schedule {}: {e}", sched.name)),
                    }
                }
                state.insert(sched.name.clone(), occ);
            }
        }
        if !dry_run {
            let bytes = serde_json::to_vec_pretty(&state)
                .map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?;
            std::fs::create_dir_all(self.store.local_dir())
                .map_err(|e| Error::io(self.store.local_dir(), e))?;
            crate::store::atomic::replace(&path, &bytes)?;
        }
        Ok(made)
    }

    /// Whether anything could be due on this ticket, judged from its summary and, when
    /// a time rule tests the customer, the customer's record; if not, until when.
    fn judge(
        &self,
        s: &Summary,
        time_rules: &[&crate::rules::ruleset::Rule],
        rules: &RuleSet,
        customers: &mut HashMap<String, Option<Customer>>,
    ) -> Judged {
        let now = self.now.timestamp();
        let mut until = i64::MAX;
        let category = self.settings.category(&s.kind, &s.status);
        if category == Category::Waiting
            && let Some(u) = s.snoozed_until
        {
            if u <= now {
                return Judged::Due;
            }
            until = until.min(u);
        }
        if !category.is_done() {
            // A breach at the due time; a warning ahead of it, unless raised already.
            let warn_before = |policy: Option<&str>| {
                rules
                    .slas
                    .iter()
                    .find(|p| Some(p.name.as_str()) == policy)
                    .and_then(|p| p.warn_before)
                    .map(|d| d.seconds)
            };
            let warn = s
                .sla_unwarned
                .zip(warn_before(s.trail.sla_policy.as_deref()))
                .map(|(due, w)| due.saturating_sub(w));
            for at in [s.sla_due, warn].into_iter().flatten() {
                if at <= now {
                    return Judged::Due;
                }
                until = until.min(at);
            }
        }
        let ticket = s.to_ticket();
        let facts = Facts::new(&ticket, None, &self.settings, self.now).with_stats(Some(&s.stats));
        let mut remembered = true;
        for r in time_rules {
            let holds = match &r.condition {
                None => Some(true),
                Some(c) => match c.eval3(&facts, &unknown_in_summary) {
                    // Known but for the customer: their record is read (once a tick).
                    None if s.requester.is_some()
                        && c.fields().iter().any(|f| f.needs_customer()) =>
                    {
                        let email = s.requester.clone().unwrap_or_default();
                        if !customers.contains_key(&email) {
                            match self.store.load_customer(&email) {
                                Ok(c) => customers.insert(email.clone(), c),
                                // Ticked, which reports the unreadable record.
                                Err(_) => return Judged::Due,
                            };
                        }
                        let customer = customers.get(&email).and_then(Option::as_ref);
                        remembered = false;
                        let facts = Facts::new(&ticket, customer, &self.settings, self.now)
                            .with_stats(Some(&s.stats));
                        c.eval3(&facts, &unknown_with_customer)
                    }
                    h => h,
                },
            };
            let in_episode = s
                .time_rules
                .iter()
                .any(|(n, at)| *n == r.name && s.stats.person_acted.is_none_or(|p| p <= *at));
            // Due to fire, or an episode to close because its conditions are now false.
            let due = if in_episode {
                holds != Some(true)
            } else {
                holds != Some(false)
            };
            if due {
                return Judged::Due;
            }
            if let Some(next) = r.condition.as_ref().and_then(|c| c.next_change(&facts)) {
                until = until.min(next);
            }
        }
        if remembered {
            Judged::Quiet(until)
        } else {
            Judged::QuietNow
        }
    }

    /// Everything due on one ticket, as one change through the pipeline: a wake-up at its
    /// own instant, SLA warnings and breaches (and the rules on them), time rules once
    /// per episode, then SLA again for what those rules changed.
    fn tick_ticket(
        &self,
        id: &str,
        ahead: Option<(crate::model::Ticket, Option<crate::store::Stamp>)>,
        rules: &RuleSet,
        dry_run: bool,
        report: &mut TickReport,
        customers: &mut HashMap<String, Option<Customer>>,
    ) -> Result<()> {
        let _lock = if dry_run { None } else { self.lock()? };
        // Read ahead, and its file unchanged since (checked under the lock); else read now.
        // A dry run holds no lock and writes nothing: what was read ahead will do.
        let t = match ahead {
            Some((t, _)) if dry_run => t,
            Some((t, Some(stamp)))
                if crate::store::Stamp::of_path(&self.store.ticket_path(id)) == Some(stamp) =>
            {
                t
            }
            _ => self.store.load_ticket(id)?,
        };
        // Many tickets share a customer: each record is read once per tick.
        let customer = match &t.requester {
            Some(r) => match customers.get(r) {
                Some(c) => c.clone(),
                None => {
                    let c = self.store.load_customer(r)?;
                    customers.insert(r.clone(), c.clone());
                    c
                }
            },
            None => None,
        };
        let now = self.now;
        let mut w = Work::existing(t, customer);
        let how = RuleRun {
            dry_run,
            ..RuleRun::default()
        };
        let note = |report: &mut TickReport, kind: &str, at: DateTime<Utc>, detail: String| {
            report.happened.push(Happening {
                ticket: id.to_string(),
                kind: kind.to_string(),
                at,
                detail,
            });
        };

        // 1. A due snooze wakes at its own time.
        if let Some(until) = w.ticket.snoozed_until
            && until <= now
            && self.settings.category(&w.ticket.kind, &w.ticket.status) == Category::Waiting
        {
            let changes = {
                let mut edit = Edit::new(&mut w.ticket, &self.settings, until);
                edit.set_category(Category::Open)?;
                edit.finish()
            };
            w.ticket.history.push(HistoryEntry {
                at: until,
                actor: crate::model::Actor::System,
                via: None,
                event: ev::WOKE.into(),
                changes: changes.clone(),
                note: None,
            });
            w.ticket.updated_at = until.max(w.ticket.updated_at);
            let mut events = vec![Event {
                changes: changes.clone(),
                ..Event::new(ev::WOKE)
            }];
            events.extend(Event::derived(&changes));
            self.settle_sla(&mut w, rules, until, &how, false)?;
            let at_wake = RuleRun {
                at: Some(until),
                ..how
            };
            let trace = self.raise(&mut w, events, rules, &at_wake)?;
            note(report, "woke", until, "woke up: the snooze ended".into());
            fired_lines(report, id, &trace, now);
        }

        // 2. SLA warnings and breaches, each once, at the instant they happened.
        self.alarms(&mut w, rules, &how, report, id)?;

        // 3. Time rules, once per episode. An episode ends when a person or the
        // customer acts after the rule fired, or when its conditions are seen false.
        if !w.deleted {
            let person = w.ticket.person_acted();
            w.ticket
                .time_rules
                .retain(|_, fired| person.is_none_or(|p| p <= *fired));
            let in_episode: Vec<String> = w.ticket.time_rules.keys().cloned().collect();
            // Time rules' work is credited to when it was due, never before the ticket's
            // last change: the same on every clone that ticks the same ticket.
            let floor = w.ticket.history.iter().map(|h| h.at).max();
            let trace = self.raise(
                &mut w,
                vec![Event::new(ev::TICK)],
                rules,
                &RuleRun {
                    dry_run,
                    in_episode: &in_episode,
                    fired: &[],
                    trace_all: false,
                    at: floor,
                },
            )?;
            for tr in trace.iter().filter(|tr| tr.event == ev::TICK) {
                match tr.verdict {
                    Verdict::Fired => {
                        // A rule whose own actions made its conditions false (it assigned
                        // the unassigned ticket) has ended its episode already.
                        let still = rules
                            .rules
                            .iter()
                            .find(|r| r.name == tr.rule)
                            .and_then(|r| r.condition.as_ref())
                            .is_none_or(|c| {
                                c.eval(&Facts::new(
                                    &w.ticket,
                                    w.customer.as_ref(),
                                    &self.settings,
                                    now,
                                ))
                            });
                        if still {
                            let actor = crate::model::Actor::Rule(tr.rule.clone());
                            let fired_at = w
                                .ticket
                                .history
                                .iter()
                                .rev()
                                .find(|h| h.actor == actor && h.event == ev::TICK)
                                .map_or(now, |h| h.at);
                            w.ticket.time_rules.insert(tr.rule.clone(), fired_at);
                        } else {
                            w.ticket.time_rules.remove(&tr.rule);
                        }
                    }
                    Verdict::NotMatched => {
                        w.ticket.time_rules.remove(&tr.rule);
                    }
                    _ => {}
                }
            }
            fired_lines(report, id, &trace, now);
            // What the time rules changed may change the policy or make a target due.
            self.alarms(&mut w, rules, &how, report, id)?;
        }
        if w.deleted {
            note(report, "deleted", now, "deleted by a rule".into());
        }
        if !w.traces.is_empty() {
            report.traces.push((id.to_string(), w.traces.clone()));
        }
        let write = if dry_run {
            Write::Nothing
        } else {
            Write::Existing
        };
        let out = self.finish(w, rules, write)?;
        report
            .problems
            .extend(out.problems.iter().map(|p| format!("{id}: {p}")));
        Ok(())
    }

    /// SLA alarms due on the ticket, with the rules they run, as report lines.
    fn alarms(
        &self,
        w: &mut Work,
        rules: &RuleSet,
        how: &RuleRun<'_>,
        report: &mut TickReport,
        id: &str,
    ) -> Result<()> {
        let fired_before = w.traces.len();
        for (alarm, policy) in self.settle_sla(w, rules, self.now, how, true)? {
            let (name, what) = if alarm.breached {
                (ev::SLA_BREACHED, "breached")
            } else {
                (ev::SLA_WARNING, "due soon")
            };
            report.happened.push(Happening {
                ticket: id.to_string(),
                kind: name.to_string(),
                at: alarm.at,
                detail: format!("{} {what} ({policy})", alarm.target),
            });
        }
        let fired: Vec<RuleTrace> = w.traces[fired_before..].to_vec();
        fired_lines(report, id, &fired, self.now);
        Ok(())
    }
}

/// A report line for every rule that fired: what it changed and sent, in words.
fn fired_lines(report: &mut TickReport, id: &str, trace: &[RuleTrace], now: DateTime<Utc>) {
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "(none)".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for tr in trace.iter().filter(|t| t.verdict == Verdict::Fired) {
        let mut did: Vec<String> = tr
            .changes
            .iter()
            .map(|c| format!("{} {} → {}", c.field, shown(&c.from), shown(&c.to)))
            .collect();
        did.extend(tr.effects.iter().cloned());
        did.extend(tr.scripts.iter().cloned());
        let on = if tr.event == ev::TICK {
            String::new()
        } else {
            format!(" on {}", tr.event)
        };
        report.happened.push(Happening {
            ticket: id.to_string(),
            kind: "rule".into(),
            at: now,
            detail: format!(
                "rule {}{on} fired{}",
                tr.rule,
                if did.is_empty() {
                    String::new()
                } else {
                    format!(": {}", did.join(", "))
                }
            ),
        });
    }
}

/// The ticket a schedule describes.
fn schedule_ticket(s: &Schedule) -> NewTicket {
    let mut new = NewTicket {
        channel: Some("schedule".into()),
        ..NewTicket::default()
    };
    for (k, v) in &s.ticket {
        match (k.as_str(), v) {
            ("tags", ScheduleValue::List(tags)) => new.tags = tags.clone(),
            ("subject", ScheduleValue::Text(t)) => new.subject = t.clone(),
            ("body", ScheduleValue::Text(t)) => new.body = Some(t.clone()),
            ("department", ScheduleValue::Text(t)) => new.department = Some(t.clone()),
            ("priority", ScheduleValue::Text(t)) => new.priority = Some(t.clone()),
            ("type", ScheduleValue::Text(t)) => new.kind = Some(t.clone()),
            ("shop", ScheduleValue::Text(t)) => new.shop = Some(t.clone()),
            ("assignee", ScheduleValue::Text(t)) => new.assignee = Some(t.clone()),
            _ => {}
        }
    }
    new
}
