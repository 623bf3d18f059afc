//! Macros (`[[macro]]` in rules.toml, `desk macro NAME ID...`): what an agent applies
//! to tickets by hand — the rules' actions, and a template sent as the agent's own
//! public reply — through the one pipeline, credited to the agent "via macro NAME".
//! Unlike a rule's, a macro's changes are a person's act.

use crate::error::{Error, Problem, Result, one_line};
use crate::helpdesk::{Helpdesk, Made, Outcome, StoreAssigner};
use crate::model::{Actor, Edit, HistoryEntry, MessageKind, Ticket};
use crate::rules::RuleSet;
use crate::rules::engine::{self, Env};
use crate::rules::event::{self as ev, Event, MessageCtx};
use crate::rules::ruleset::Macro;

/// What `desk macro` did.
pub struct MacroRun {
    /// Each ticket after it, in the order given.
    pub outcomes: Vec<Outcome>,
    /// The macro sends a reply (none reaches a ticket without a requester).
    pub replies: bool,
}

impl Helpdesk {
    /// The names of rules.toml's macros, in file order (for completions).
    pub fn macro_names(&self) -> Result<Vec<String>> {
        Ok(self
            .rules()?
            .macro_names()
            .into_iter()
            .map(str::to_string)
            .collect())
    }

    /// Applies macro `name` to each ticket of `given`, as the acting agent. Every ID is
    /// resolved and the macro applied to every ticket, under one lock, before anything
    /// is written: one unknown ID, or one ticket the macro cannot change (a status its
    /// type does not have), changes nothing. Then each ticket's change takes the
    /// pipeline: its events run the rules, its SLA is measured, its mail is queued.
    pub fn apply_macro(&self, name: &str, given: &[String]) -> Result<MacroRun> {
        let Some(agent) = self.agent_id() else {
            return Err(Error::Usage(format!(
                "a macro is applied by an agent: say who with --as AGENT or DESK_AGENT (desk --as AGENT macro {} ID...)",
                one_line(name)
            )));
        };
        let rules = self.rules()?;
        let Some(m) = rules.macro_named(name) else {
            let names = rules.macro_names();
            return Err(Error::Invalid(if names.is_empty() {
                Problem::new(format!(
                    "unknown macro `{}`: rules.toml has no [[macro]]",
                    one_line(name)
                ))
            } else {
                Problem::unknown("macro", name, names.iter().copied())
            }));
        };
        let mut ids: Vec<String> = Vec::new();
        for g in given {
            let id = self.store.resolve(g)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let _lock = self.lock()?;
        // Every ticket first, in memory; then each one is written.
        let applied = ids
            .iter()
            .map(|id| self.apply_one(m, id, agent, &rules))
            .collect::<Result<Vec<Made>>>()?;
        let outcomes = applied
            .into_iter()
            .map(|made| {
                // It had those tags and that department already: nothing to record.
                if made.events.is_empty() && made.effects.is_empty() {
                    return Ok(Outcome::unchanged(made.ticket));
                }
                self.record_change(made, &rules)
            })
            .collect::<Result<Vec<Outcome>>>()?;
        Ok(MacroRun {
            outcomes,
            replies: m.reply.is_some(),
        })
    }

    /// The macro's actions on ticket `id`, then its reply rendered from the ticket as
    /// they left it (the new department's signature), with the events they raise (none
    /// when it changed nothing).
    fn apply_one(&self, m: &Macro, id: &str, agent: &str, rules: &RuleSet) -> Result<Made> {
        let mut ticket = self.store.load_ticket(id)?;
        let customer = match &ticket.requester {
            Some(r) => self.store.load_customer(r)?,
            None => None,
        };
        let actor = Actor::Agent(agent.to_string());
        let author = actor.to_string();
        let env = Env {
            settings: &self.settings,
            rules,
            customer: customer.as_ref(),
            now: self.now,
            at: self.now,
            me: Some(agent),
            in_episode: &[],
            fired: &[],
            trace_all: false,
            writer: Some(agent),
        };
        let mut picker = StoreAssigner {
            hd: self,
            dry_run: false,
            exclude: id.to_string(),
            counted: None,
        };
        let before = ticket.messages.len();
        let acted = engine::act(
            &m.actions,
            &mut ticket,
            &Event::new(ev::UPDATED),
            &env,
            &mut picker,
            &author,
        )
        .map_err(|e| Error::invalid(format!("macro `{}` on {id}: {e}", m.name)))?;
        let changes = acted.changes;
        let ctx = |t: &Ticket, kind: MessageKind| {
            t.messages[before..]
                .iter()
                .rfind(|x| x.kind == kind)
                .map(|x| MessageCtx {
                    body: x.body.clone(),
                    from: None,
                    to: t.requester.clone(),
                    kind,
                    no_auto_reply: false,
                })
        };
        let mut events = Vec::new();
        let mut mail = Vec::new();
        if let Some(name) = &m.reply {
            let tpl = rules.templates.get(name).ok_or_else(|| {
                Error::invalid(format!(
                    "macro `{}`: template `{name}` is not loaded",
                    m.name
                ))
            })?;
            let body = self.render_as_agent(name, tpl, &ticket, customer.as_ref())?;
            let mut edit = Edit::new(&mut ticket, &self.settings, self.now);
            edit.author = author.clone();
            edit.add_message(MessageKind::Reply, &body, None)
                .map_err(|e| {
                    Error::invalid(format!(
                        "macro `{}` on {id}: its reply `{name}`: {e}",
                        m.name
                    ))
                })?;
            mail = self.reply_mail(&mut ticket, &body)?;
            events.push(Event {
                message: ctx(&ticket, MessageKind::Reply),
                changes: changes.clone(),
                ..Event::new(ev::AGENT_REPLIED)
            });
        }
        if let Some(note) = ctx(&ticket, MessageKind::Note) {
            events.push(Event {
                message: Some(note),
                changes: changes.clone(),
                ..Event::new(ev::NOTE_ADDED)
            });
        }
        for d in Event::derived(&changes) {
            if !events.iter().any(|e| e.name == d.name) {
                events.push(d);
            }
        }
        let entry = HistoryEntry {
            at: self.now,
            actor,
            via: Some(format!("macro:{}", m.name)),
            event: if m.reply.is_some() {
                ev::AGENT_REPLIED
            } else {
                ev::UPDATED
            }
            .into(),
            changes,
            note: (!acted.said.is_empty()).then(|| acted.said.join("; ")),
        };
        Ok(Made {
            ticket,
            entry,
            events,
            mail,
            effects: acted.effects,
        })
    }
}
