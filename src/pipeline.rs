//! The one pipeline every change to a ticket takes, whoever makes it — a command, an
//! ingested message, an import, a script's output, a schedule or `desk tick`:
//!
//! load under lock → apply → rules (on the events raised) → SLA → render mail →
//! history → save.
//!
//! A caller opens a [`Work`] on a ticket, applies its own change, raises the events it
//! caused with [`Helpdesk::raise`], and ends with [`Helpdesk::finish`], which brings the
//! SLA up to date, renders the mail the rules asked for from the ticket's final state
//! (one message per recipient and template), ends time rules' episodes when a person
//! acted, and writes the files. Nothing else saves a ticket.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::helpdesk::{Helpdesk, Outcome, RuleRun};
use crate::mail::outgoing::{self, Kind, Outgoing};
use crate::mail::safety::refuse_auto_mail;
use crate::model::ticket::MailRecord;
use crate::model::{Customer, HistoryEntry, Ticket};
use crate::rules::RuleSet;
use crate::rules::condition::Facts;
use crate::rules::engine::{self, Effect, Env, MailKind, RuleTrace, Verdict};
use crate::rules::event::Event;
use crate::rules::ruleset::NotifyTarget;
use crate::rules::template;
use crate::time::sla::{self, Alarm};

/// A message for outbox/, checked, and its record for the ticket. It is rendered only
/// when written: a change that writes nothing (a dry run) needs only the record, and
/// rendering was a quarter of a dry tick's work.
#[derive(Debug, Clone)]
pub struct Mail {
    /// File name in outbox/, without `.eml`.
    pub name: String,
    message: Outgoing,
    pub record: MailRecord,
}

impl Mail {
    /// An outgoing message for the outbox, checked as rendering would check it.
    pub fn of(o: Outgoing, at: DateTime<Utc>) -> Result<Mail> {
        outgoing::check(&o)?;
        let name = outgoing::queue_name(&o.message_id);
        Ok(Mail {
            record: MailRecord {
                message_id: o.message_id.clone(),
                file: format!("outbox/{name}.eml"),
                to: o.to.clone(),
                cc: o.cc.clone(),
                subject: o.subject.clone(),
                kind: o.kind.record_name().to_string(),
                queued_at: at,
                state: "queued".into(),
                attempts: 0,
                error: None,
                sent_at: None,
            },
            name,
            message: o,
        })
    }

    /// The message as RFC 5322 bytes.
    pub fn render(&self) -> Result<Vec<u8>> {
        outgoing::render(&self.message)
    }
}

/// One change to one ticket, in progress.
pub struct Work {
    pub ticket: Ticket,
    /// The ticket as loaded, to tell whether anything changed; `None` when the caller
    /// changed it already, or creates it.
    before: Option<Ticket>,
    pub customer: Option<Customer>,
    /// Mail the rules asked for, rendered by [`Helpdesk::finish`].
    effects: Vec<Effect>,
    /// Mail the change itself sends, rendered already (an agent's reply).
    pub mail: Vec<Mail>,
    pub problems: Vec<String>,
    /// Every rule that fired, with why.
    pub traces: Vec<RuleTrace>,
    pub deleted: bool,
    /// A person's or the customer's act: it ends every time rule's episode.
    pub act: bool,
    /// What became of each rule's mail: (rule, the words its trace had, the outcome).
    said: Vec<(String, String, String)>,
    /// What the SLA targets were last measured from.
    measured: sla::Measured,
    /// Scripts the rules run once the change is saved (`wait = false`).
    pub queued: Vec<engine::Queued>,
    /// Rules that fired for the change this one continues (a queued script's output).
    pub fired_before: Vec<String>,
}

/// How a change ends: written, or only shown (`--dry-run`, `rules test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    New,
    Existing,
    Nothing,
}

impl Work {
    /// A change to a ticket loaded from its file.
    pub fn existing(ticket: Ticket, customer: Option<Customer>) -> Work {
        Work::of(Some(ticket.clone()), ticket, customer)
    }

    /// A change to a loaded ticket that its caller has made already.
    pub fn edited(ticket: Ticket, customer: Option<Customer>) -> Work {
        Work::of(None, ticket, customer)
    }

    /// A ticket this change creates.
    pub fn new_ticket(ticket: Ticket, customer: Option<Customer>) -> Work {
        Work::of(None, ticket, customer)
    }

    /// Mail asked for by the change itself (a macro's notifications), rendered by
    /// [`Helpdesk::finish`] as the rules' mail is.
    pub fn add_effects(&mut self, effects: Vec<Effect>) {
        self.effects.extend(effects);
    }

    fn of(before: Option<Ticket>, ticket: Ticket, customer: Option<Customer>) -> Work {
        Work {
            ticket,
            before,
            customer,
            effects: Vec::new(),
            mail: Vec::new(),
            problems: Vec::new(),
            traces: Vec::new(),
            deleted: false,
            act: false,
            said: Vec::new(),
            measured: sla::Measured::default(),
            queued: Vec::new(),
            fired_before: Vec::new(),
        }
    }
}

/// How many rounds of SLA alarms one change may raise: a rule on `sla.breached` that
/// changes the policy can make another target due, but not forever.
const ALARM_ROUNDS: usize = 8;

impl Helpdesk {
    /// Runs the rules on `events`; their history joins the ticket, their mail waits for
    /// [`Helpdesk::finish`]. Returns this run's trace (every rule that listened).
    pub fn raise(
        &self,
        w: &mut Work,
        events: Vec<Event>,
        rules: &RuleSet,
        how: &RuleRun<'_>,
    ) -> Result<Vec<RuleTrace>> {
        if w.deleted || events.is_empty() {
            return Ok(Vec::new());
        }
        let env = Env {
            settings: &self.settings,
            rules,
            customer: w.customer.as_ref(),
            now: self.now,
            at: how.at.unwrap_or(self.now).min(self.now),
            me: self.agent_id(),
            in_episode: how.in_episode,
            fired: how.fired,
            trace_all: how.trace_all,
            writer: None,
        };
        let mut picker = crate::helpdesk::StoreAssigner {
            hd: self,
            dry_run: how.dry_run,
            exclude: w.ticket.id.clone(),
            counted: w.before.as_ref().map(|b| {
                b.assignee
                    .clone()
                    .filter(|_| !self.settings.category(&b.kind, &b.status).is_done())
            }),
        };
        let mut out = engine::run(&mut w.ticket, events, &env, &mut picker);
        let base = w.ticket.history.len();
        if let Some(last) = out.history.iter().map(|h| h.at).max() {
            w.ticket.history.append(&mut out.history);
            w.ticket.updated_at = w.ticket.updated_at.max(last);
        }
        for mut e in out.effects {
            e.entry = e.entry.map(|i| base + i);
            w.effects.push(e);
        }
        w.problems.append(&mut out.problems);
        w.deleted |= out.delete;
        w.queued.append(&mut out.queued);
        w.traces.extend(
            out.trace
                .iter()
                .filter(|t| t.verdict == Verdict::Fired)
                .cloned(),
        );
        Ok(out.trace)
    }

    /// Brings the SLA up to date at `at`; with `alarms` (in `desk tick`), records the
    /// warnings and breaches that are due, each once at its own instant, and runs the
    /// rules on them — again if those rules make another target due.
    pub fn settle_sla(
        &self,
        w: &mut Work,
        rules: &RuleSet,
        at: DateTime<Utc>,
        how: &RuleRun<'_>,
        alarms: bool,
    ) -> Result<Vec<(Alarm, String)>> {
        let mut raised = Vec::new();
        for _ in 0..ALARM_ROUNDS {
            if w.deleted {
                break;
            }
            self.refresh_sla(
                &mut w.ticket,
                rules,
                w.customer.as_ref(),
                at,
                &mut w.measured,
            );
            if !alarms {
                break;
            }
            let policy = w
                .ticket
                .sla
                .as_ref()
                .map(|s| s.policy.clone())
                .unwrap_or_default();
            let due = sla::alarms(&mut w.ticket, rules, self.now);
            if due.is_empty() {
                break;
            }
            for alarm in due {
                let (name, what) = if alarm.breached {
                    (crate::model::event::SLA_BREACHED, "breached")
                } else {
                    (crate::model::event::SLA_WARNING, "due soon")
                };
                w.ticket.history.push(HistoryEntry {
                    at: alarm.at,
                    actor: crate::model::Actor::Sla(policy.clone()),
                    via: None,
                    event: name.into(),
                    changes: Vec::new(),
                    note: Some(format!("{} {what}", alarm.target)),
                });
                w.ticket.updated_at = w.ticket.updated_at.max(alarm.at);
                let event = Event {
                    target: Some(alarm.target.clone()),
                    ..Event::new(name)
                };
                let at_alarm = RuleRun {
                    at: Some(alarm.at),
                    ..*how
                };
                self.raise(w, vec![event], rules, &at_alarm)?;
                raised.push((alarm, policy.clone()));
                if w.deleted {
                    break;
                }
            }
        }
        Ok(raised)
    }

    /// Applies the SLA policies; a change of policy is recorded in the history, credited
    /// to the policy.
    pub fn refresh_sla(
        &self,
        ticket: &mut Ticket,
        rules: &RuleSet,
        customer: Option<&Customer>,
        at: DateTime<Utc>,
        measured: &mut sla::Measured,
    ) {
        let before = ticket.sla.as_ref().map(|s| s.policy.clone());
        sla::refresh(ticket, rules, &self.settings, customer, at, measured);
        let after = ticket.sla.as_ref().map(|s| s.policy.clone());
        if before != after {
            let v = |p: &Option<String>| {
                p.clone()
                    .map_or(serde_json::Value::Null, serde_json::Value::String)
            };
            let by = after.clone().or(before.clone()).unwrap_or_default();
            ticket.history.push(HistoryEntry {
                at,
                actor: crate::model::Actor::Sla(by),
                via: None,
                event: crate::model::event::UPDATED.into(),
                changes: vec![crate::model::Change {
                    field: "sla".into(),
                    from: v(&before),
                    to: v(&after),
                }],
                note: Some("the first matching SLA policy applies".into()),
            });
        }
    }

    /// The end of every change: SLA, mail rendered from the final ticket, episodes, save.
    pub fn finish(&self, mut w: Work, rules: &RuleSet, write: Write) -> Result<Outcome> {
        let how = RuleRun {
            dry_run: write == Write::Nothing,
            ..RuleRun::default()
        };
        self.settle_sla(&mut w, rules, self.now, &how, false)?;
        if w.act {
            // A person or the customer acted: every time rule may fire again.
            w.ticket.time_rules.clear();
        }
        let mut mail = std::mem::take(&mut w.mail);
        if !w.deleted {
            mail.extend(self.render_effects(&mut w, rules)?);
        }
        w.problems.extend(self.take_warnings());
        let said = std::mem::take(&mut w.said);
        settle_words(&mut w.traces, &said);
        let changed = w.deleted || w.before.as_ref() != Some(&w.ticket) || !mail.is_empty();
        let records: Vec<MailRecord> = mail.iter().map(|m| m.record.clone()).collect();
        if write != Write::Nothing && changed {
            // The ticket first, then its mail and queued scripts: see `Store::stage_mail`.
            self.write_mail(&mut w.ticket, &mail)?;
            self.save(&w.ticket, w.deleted, write == Write::New)?;
            if !w.deleted && !w.queued.is_empty() {
                let mut fired = std::mem::take(&mut w.fired_before);
                fired.extend(w.traces.iter().map(|t| t.rule.clone()));
                fired.sort();
                fired.dedup();
                self.staged_runs.borrow_mut().push(crate::queued::Staged {
                    ticket: w.ticket.id.clone(),
                    runs: std::mem::take(&mut w.queued),
                    fired,
                });
            }
            if !crate::store::atomic::in_batch() {
                self.release_staged()?;
            }
        } else {
            w.ticket.mail.extend(records.iter().cloned());
        }
        Ok(Outcome {
            ticket: w.ticket,
            changed,
            deleted: w.deleted,
            problems: w.problems,
            traces: w.traces,
            mail: records,
            said,
        })
    }

    /// What the rules would do with `event` on `ticket`, changing nothing: every rule
    /// that listened with why (scripts really run), and the ticket and mail after it.
    pub fn what_if(
        &self,
        ticket: Ticket,
        customer: Option<Customer>,
        event: Event,
        rules: &RuleSet,
    ) -> Result<(Vec<RuleTrace>, Outcome)> {
        let mut w = Work::existing(ticket, customer);
        let how = RuleRun {
            dry_run: true,
            in_episode: &[],
            fired: &[],
            trace_all: true,
            at: None,
        };
        let mut trace = self.raise(&mut w, vec![event], rules, &how)?;
        // The scripts the rules queue run once the change is saved: shown as they will
        // then, after the rules, with the rules their changes raise.
        let fired: Vec<String> = w.traces.iter().map(|t| t.rule.clone()).collect();
        for q in std::mem::take(&mut w.queued) {
            let output = self.run_queued_script(&w, &q, true);
            let after = RuleRun {
                fired: &fired,
                ..how
            };
            let (said, more) = self.continue_after(&mut w, &q, output, rules, &after)?;
            if let Some(t) = trace
                .iter_mut()
                .rev()
                .find(|t| t.rule == q.rule && t.verdict == Verdict::Fired)
            {
                t.scripts
                    .extend(said.into_iter().map(|l| format!("once saved: {l}")));
            }
            trace.extend(more);
        }
        let outcome = self.finish(w, rules, Write::Nothing)?;
        settle_words(&mut trace, &outcome.said);
        Ok((trace, outcome))
    }

    /// Records each message on the ticket and stages it for outbox/ (see
    /// [`crate::store::Store::stage_mail`]); it is released once the ticket is saved.
    fn write_mail(&self, ticket: &mut Ticket, mail: &[Mail]) -> Result<()> {
        ticket.mail.extend(mail.iter().map(|m| m.record.clone()));
        for m in mail {
            let name = format!("{}.eml", m.name);
            if self.store.stage_mail(&name, &m.render()?)? {
                self.staged.borrow_mut().push(name);
            }
        }
        Ok(())
    }

    /// Moves the mail staged for saved tickets into outbox/ and queues the scripts they
    /// run without waiting: right after the save, or in a batch (an ingest) once the
    /// batch is on disk.
    pub fn release_staged(&self) -> Result<()> {
        let names = std::mem::take(&mut *self.staged.borrow_mut());
        let runs = std::mem::take(&mut *self.staged_runs.borrow_mut());
        for s in &runs {
            self.queue_runs(&s.ticket, &s.runs, &s.fired)?;
        }
        self.store.release_mail(&names)
    }

    /// Forgets what a batch staged when the batch failed: none of it was written.
    pub fn forget_staged(&self) {
        self.staged.borrow_mut().clear();
        self.staged_runs.borrow_mut().clear();
    }

    /// Renders the mail the rules asked for from the ticket as the change leaves it, one
    /// message per recipients and template, and says in each rule's history entry what
    /// became of its mail.
    fn render_effects(&self, w: &mut Work, rules: &RuleSet) -> Result<Vec<Mail>> {
        let effects = std::mem::take(&mut w.effects);
        let mut sent: Vec<(Vec<String>, String)> = Vec::new();
        let mut mail = Vec::new();
        let mut unsent_replies = Vec::new();
        for e in &effects {
            let (to, kind) = match &e.mail {
                MailKind::Reply { .. } => (
                    w.ticket.requester.clone().into_iter().collect::<Vec<_>>(),
                    Kind::AutoReplied,
                ),
                MailKind::Notify(target) => {
                    (self.recipients(target, &w.ticket), Kind::AutoGenerated)
                }
            };
            // Agents asked for their notifications; customers and other addresses are
            // checked against robots and the helpdesk's own addresses.
            let checked = matches!(
                e.mail,
                MailKind::Reply { .. }
                    | MailKind::Notify(NotifyTarget::Requester | NotifyTarget::Address(_))
            );
            let mut to: Vec<String> = to
                .into_iter()
                .filter(|a| !checked || refuse_auto_mail(a, &self.settings).is_none())
                .collect();
            to.sort();
            to.dedup();
            let reply = match e.mail {
                MailKind::Reply { message } => Some(message),
                MailKind::Notify(_) => None,
            };
            // A reply to the requester is public: the followers are copied.
            let cc = match reply {
                Some(_) if !to.is_empty() => outgoing::followers(&w.ticket, &self.settings),
                _ => Vec::new(),
            };
            let words = if to.is_empty() {
                unsent_replies.extend(reply);
                match (&e.mail, w.ticket.requester.as_deref()) {
                    (MailKind::Reply { .. }, None) => {
                        format!("no reply `{}`: the ticket has no requester", e.template)
                    }
                    (MailKind::Reply { .. }, Some(r)) => format!(
                        "no reply `{}`: {}",
                        e.template,
                        refuse_auto_mail(r, &self.settings).unwrap_or_default()
                    ),
                    (MailKind::Notify(t), _) => {
                        format!("nobody to notify ({}, `{}`)", t.describe(), e.template)
                    }
                }
            } else if sent.contains(&(to.clone(), e.template.clone())) {
                unsent_replies.extend(reply);
                format!(
                    "`{}` to {} is queued once for this change",
                    e.template,
                    to.join(", ")
                )
            } else {
                match self.compose(w, rules, e, (to.clone(), cc.clone()), kind) {
                    Ok((m, body)) => {
                        sent.push((to.clone(), e.template.clone()));
                        let file = m.record.file.clone();
                        if let Some(msg) = reply.and_then(|i| w.ticket.messages.get_mut(i)) {
                            msg.body = body;
                            msg.message_id = Some(m.record.message_id.clone());
                        }
                        mail.push(m);
                        let copied = match cc.is_empty() {
                            true => String::new(),
                            false => format!(", cc {}", cc.join(", ")),
                        };
                        match reply {
                            Some(_) => format!(
                                "replied `{}` to {}{copied} ({file})",
                                e.template,
                                to.join(", ")
                            ),
                            None => format!("notified {} `{}` ({file})", to.join(", "), e.template),
                        }
                    }
                    Err(err) => {
                        unsent_replies.extend(reply);
                        let m = format!("`{}` could not be rendered: {err}", e.template);
                        w.problems.push(m.clone());
                        m
                    }
                }
            };
            if let Some(h) = e.entry.and_then(|i| w.ticket.history.get_mut(i))
                && let Some(note) = h.note.as_mut()
            {
                *note = note.replacen(&e.said, &words, 1);
            }
            w.said.push((e.rule.clone(), e.said.clone(), words));
        }
        // An automatic reply that is not sent is not part of the conversation.
        unsent_replies.sort_unstable();
        for i in unsent_replies.into_iter().rev() {
            if i < w.ticket.messages.len() {
                w.ticket.messages.remove(i);
            }
        }
        Ok(mail)
    }

    /// Who a notification goes to, from the ticket as it is now.
    fn recipients(&self, target: &NotifyTarget, ticket: &Ticket) -> Vec<String> {
        let s = &self.settings;
        let agent_mail = |id: &str| s.agent(id).and_then(|a| a.email.clone());
        match target {
            NotifyTarget::Assignee => ticket
                .assignee
                .as_deref()
                .and_then(agent_mail)
                .into_iter()
                .collect(),
            NotifyTarget::Agent(a) => agent_mail(a).into_iter().collect(),
            NotifyTarget::Department => match ticket.department.as_deref() {
                Some(d) => s
                    .agents
                    .iter()
                    .filter(|a| !a.away && a.departments.iter().any(|x| x == d))
                    .filter_map(|a| a.email.clone())
                    .collect(),
                None => Vec::new(),
            },
            NotifyTarget::Requester => ticket.requester.clone().into_iter().collect(),
            NotifyTarget::Address(a) => vec![a.clone()],
        }
    }

    /// Renders one message from its template, with the event it was asked for on, to
    /// `to` with `cc` copied.
    fn compose(
        &self,
        w: &Work,
        rules: &RuleSet,
        e: &Effect,
        (to, cc): (Vec<String>, Vec<String>),
        kind: Kind,
    ) -> Result<(Mail, String)> {
        let tpl = rules
            .templates
            .get(&e.template)
            .ok_or_else(|| Error::invalid(format!("template `{}` is not loaded", e.template)))?;
        let facts = Facts::new(&w.ticket, w.customer.as_ref(), &self.settings, self.now)
            .with_event(Some(&e.event));
        let subject = template::render(&tpl.subject, &facts);
        let body = template::render(&tpl.body, &facts);
        // The same automatic mail made on two clones has the same Message-ID and date,
        // so git merges it as one.
        // Two messages arriving at the same instant (one batch of mail with one Date)
        // are two causes: the message behind the event is part of it.
        let message = e
            .event
            .message
            .as_ref()
            .map(|m| format!("{}|{}", m.from.as_deref().unwrap_or(""), m.body))
            .unwrap_or_default();
        let cause = format!(
            "{}|{}|{}|{}|{}|{message}",
            e.template,
            e.event.name,
            e.event.target.as_deref().unwrap_or(""),
            e.at.timestamp(),
            to.join(",")
        );
        let mut o = outgoing::about_ticket(
            &w.ticket,
            &self.settings,
            to,
            &subject,
            &body,
            kind,
            outgoing::Cause {
                at: e.at,
                what: &cause,
            },
        )
        .map_err(Error::invalid)?;
        o.cc = cc;
        if let Some(c) = &w.customer
            && let Some(name) = &c.name
        {
            o.names.push((c.email.clone(), name.clone()));
        }
        Ok((Mail::of(o, e.at)?, body))
    }
}

/// Puts what became of each rule's mail into its trace, in place of what it asked for.
fn settle_words(traces: &mut [RuleTrace], said: &[(String, String, String)]) {
    for (rule, asked, words) in said {
        if let Some(slot) = traces
            .iter_mut()
            .filter(|t| &t.rule == rule)
            .flat_map(|t| t.effects.iter_mut())
            .find(|e| *e == asked)
        {
            slot.clone_from(words);
        }
    }
}
