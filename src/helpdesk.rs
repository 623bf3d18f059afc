//! The one path every change to a ticket takes: lock, load, apply, run the rules,
//! record, save. Commands (and later ingestion and tick) describe what to change; this
//! module validates it against desk.toml, records each change in the history with its
//! actor and event, runs the rules on the events it raised, and writes the files.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::mail::incoming::{Part, safe_file_name};
use crate::mail::outgoing;
use crate::model::Actor;
use crate::model::customer::validate_email;
use crate::model::{
    Attachment, Customer, Edit, HistoryEntry, Message, MessageKind, Priority, Settings, Ticket,
};
use crate::pipeline::{Mail, Work, Write};
use crate::rules::RuleSet;
use crate::rules::engine::{self, Assigner};
use crate::rules::event::{self as ev, Event, MessageCtx};
use crate::store::Store;
use crate::store::atomic;
use crate::time::{now_from_system, parse_instant};

/// Events raised by commands (the names are in `model::event`).
pub use crate::rules::event;

/// An open helpdesk: where it is, its settings, the clock and who is acting.
pub struct Helpdesk {
    pub store: Store,
    pub settings: Settings,
    /// desk.toml's `[[view]]`s, read with the rules' condition language.
    pub views: Vec<crate::rules::view::View>,
    pub now: DateTime<Utc>,
    /// Who makes manual changes: an agent (`--as`), or `system`.
    pub actor: Actor,
    /// The configuration's compiled form, for the rules.
    compiled: crate::compiled::Compiled,
    /// Open tickets per agent, counted once per process and kept up to date as this
    /// process assigns: a tick assigning hundreds of tickets counts once.
    loads: RefCell<Option<HashMap<String, usize>>>,
    /// Tickets saved so far; past a batch's first few, the load index is dropped at the
    /// end (rebuilt on demand) instead of being rewritten after every ticket.
    saved: Cell<usize>,
    /// The helpdesk lock, when a whole run (an ingest) holds it.
    held: RefCell<Option<crate::store::lock::Lock>>,
    /// The ID counter of a dry run, advanced in memory only: what-if runs leave
    /// `.desk/ids.json` alone yet show each new ticket with its own ID.
    dry_ids: RefCell<Option<crate::model::id::IdState>>,
    /// What went wrong that did not stop the command (a corrupt local state file,
    /// rebuilt): reported with the outcome of the next change.
    warnings: RefCell<Vec<String>>,
    /// Mail staged for tickets saved in the open batch, released when it is on disk.
    pub(crate) staged: RefCell<Vec<String>>,
    /// Scripts to queue for tickets saved in the open batch, queued when it is on disk.
    pub(crate) staged_runs: RefCell<Vec<crate::queued::Staged>>,
    /// Runs were queued: `desk tick --queued` is started when the lock is let go.
    pub(crate) queue_pending: Cell<bool>,
    /// The clock was pinned (`--now`, `DESK_NOW`): queued scripts run at this instant too.
    pub(crate) pinned: bool,
}

impl Drop for Helpdesk {
    fn drop(&mut self) {
        // The command's end: nothing is left to report it with but standard error.
        if let Err(m) = self.start_queued() {
            eprintln!("desk: {m}");
        }
    }
}

/// How many saves keep the load index current one by one before a batch drops it.
const LOAD_NOTES: usize = 20;

/// What `desk new` (and later every channel) knows about a new ticket.
#[derive(Debug, Default, Clone)]
pub struct NewTicket {
    pub subject: String,
    pub body: Option<String>,
    pub from: Option<String>,
    pub name: Option<String>,
    pub channel: Option<String>,
    pub shop: Option<String>,
    pub kind: Option<String>,
    pub department: Option<String>,
    pub priority: Option<String>,
    pub assignee: Option<String>,
    pub tags: Vec<String>,
    pub fields: Vec<(String, String)>,
    /// The first message as a channel received it (mail details, time sent); when
    /// given, `body` is not used.
    pub message: Option<Message>,
    /// Files that came with it, saved under `attachments/TICKET/`.
    pub files: Vec<Part>,
    /// The address it was sent to, for `message.to`.
    pub to: Option<String>,
    /// Followers (`--cc`, a mail's Cc); the requester among them is left out.
    pub cc: Vec<String>,
    /// What else to record in the history entry of its creation, in words.
    pub note: Option<String>,
}

/// A message arriving for an existing ticket.
pub struct Arrival {
    /// `customer.replied`, `note.added`...
    pub event: String,
    /// Who it is credited to: the customer, an agent, or `system`.
    pub actor: Actor,
    pub message: Message,
    pub files: Vec<Part>,
    /// The address it was sent to, for `message.to`.
    pub to: Option<String>,
    /// Who follows the ticket from now on (a mail's Cc and its sender); the requester
    /// among them is left out.
    pub cc: Vec<String>,
    /// What else to record in the history entry of its arrival, in words.
    pub note: Option<String>,
}

/// A change made to a loaded ticket, for [`Helpdesk::record_change`] to record and
/// hand to the rules.
pub(crate) struct Made {
    pub ticket: Ticket,
    /// Its history entry.
    pub entry: HistoryEntry,
    /// The events it raised, for the rules.
    pub events: Vec<Event>,
    /// Mail the change itself sends (an agent's reply), rendered already.
    pub mail: Vec<Mail>,
    /// Mail it asked for (a macro's notifications), credited to its entry.
    pub effects: Vec<engine::Effect>,
}

/// Who [`Helpdesk::assign`] gives a ticket to.
#[derive(Debug, Clone, Copy)]
pub enum Assignee<'a> {
    /// This agent (checked against desk.toml).
    Agent(&'a str),
    /// Nobody: the ticket is unassigned.
    Nobody,
    /// The least loaded agent of the ticket's department who is not away.
    Auto,
}

/// Where a new ticket comes from, when it is not a person typing `desk new` now.
#[derive(Debug, Default, Clone)]
pub struct Origin {
    pub at: Option<DateTime<Utc>>,
    pub actor: Option<Actor>,
    pub id: Option<String>,
    pub dry_run: bool,
}

/// How rules run: without side effects outside the ticket, with time rules in their
/// episode, tracing every rule.
#[derive(Debug, Default, Clone, Copy)]
pub struct RuleRun<'a> {
    pub dry_run: bool,
    pub in_episode: &'a [String],
    /// Rules that fired already for the incoming change (see `engine::Env::fired`).
    pub fired: &'a [String],
    pub trace_all: bool,
    /// The instant the rules' work is credited to when it is not now: an SLA alarm's or
    /// a wake-up's own instant, or (for time rules) the ticket's last change.
    pub at: Option<DateTime<Utc>>,
}

/// What a change did: the ticket after it (with the rules' changes), and what the rules
/// could not do.
pub struct Outcome {
    pub ticket: Ticket,
    pub changed: bool,
    /// A rule deleted the ticket.
    pub deleted: bool,
    pub problems: Vec<String>,
    /// The rules that fired, with why.
    pub traces: Vec<engine::RuleTrace>,
    /// The mail the change queued (or, in a dry run, would queue).
    pub mail: Vec<crate::model::MailRecord>,
    /// What became of each rule's mail: (rule, what it asked, what was done).
    pub said: Vec<(String, String, String)>,
}

impl Outcome {
    /// A change that left the ticket as it was: nothing to record, nothing to send.
    pub fn unchanged(ticket: Ticket) -> Outcome {
        Outcome {
            ticket,
            changed: false,
            deleted: false,
            problems: Vec::new(),
            traces: Vec::new(),
            mail: Vec::new(),
            said: Vec::new(),
        }
    }
}

impl Helpdesk {
    /// Opens the helpdesk at or above `start`, with the clock pinned by `now` if given
    /// and the actor named by `agent` (which must be an agent of desk.toml, or `system`).
    pub fn open(start: &Path, now: Option<&str>, agent: Option<&str>) -> Result<Helpdesk> {
        let store = Store::discover(start)?;
        let (settings, views, compiled) =
            crate::compiled::Compiled::open(store.root(), &store.local_dir())?;
        let pinned = now.is_some_and(|s| !s.trim().is_empty());
        let now = match now.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => parse_instant(s, settings.helpdesk.timezone).ok_or_else(|| {
                let tz = settings.helpdesk.timezone;
                Error::Usage(if crate::time::beyond_range(s, tz) {
                    format!("--now/DESK_NOW: {}", crate::time::outside_range(s))
                } else {
                    format!(
                        "--now/DESK_NOW: cannot read `{s}` as a time (use RFC 3339, like 2026-11-24T09:00:00Z)"
                    )
                })
            })?,
            None => now_from_system(),
        };
        let actor = match agent
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "system")
        {
            Some(a) => {
                let a = a.strip_prefix("agent:").unwrap_or(a);
                settings
                    .check_agent(a)
                    .map_err(|m| Error::invalid(format!("--as/DESK_AGENT: {m}")))?;
                Actor::Agent(a.to_string())
            }
            None => Actor::System,
        };
        Ok(Helpdesk {
            store,
            settings,
            views,
            now,
            actor,
            compiled,
            loads: RefCell::new(None),
            saved: Cell::new(0),
            staged: RefCell::new(Vec::new()),
            staged_runs: RefCell::new(Vec::new()),
            queue_pending: Cell::new(false),
            pinned,
            held: RefCell::new(None),
            dry_ids: RefCell::new(None),
            warnings: RefCell::new(Vec::new()),
        })
    }

    /// Takes the helpdesk lock until [`Helpdesk::release`]: changes made meanwhile do not
    /// take it one by one, and nothing else changes tickets in between.
    pub fn hold(&self) -> Result<()> {
        if self.held.borrow().is_none() {
            let lock = self.store.lock()?;
            *self.held.borrow_mut() = Some(lock);
        }
        Ok(())
    }

    /// Notes a problem that did not stop the command.
    pub(crate) fn warn(&self, message: String) {
        self.warnings.borrow_mut().push(message);
    }

    /// The problems noted since the last call.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.borrow_mut())
    }

    pub fn release(&self) {
        self.held.borrow_mut().take();
        if let Err(m) = self.start_queued() {
            self.warn(m);
        }
    }

    /// The lock for one change, unless the run already holds it.
    pub(crate) fn lock(&self) -> Result<Option<crate::store::lock::Lock>> {
        if self.held.borrow().is_some() {
            Ok(None)
        } else {
            self.store.lock().map(Some)
        }
    }

    /// The acting agent's ID, if an agent is acting.
    pub fn agent_id(&self) -> Option<&str> {
        self.actor.agent()
    }

    /// rules.toml and its templates, checked against desk.toml.
    pub fn rules(&self) -> Result<RuleSet> {
        self.compiled.rules(&self.settings, &self.views)
    }

    /// Creates a ticket (and its customer on first contact) and runs the rules for
    /// `ticket.created`. Returns `None` as the ticket if a rule deleted it.
    pub fn create(&self, new: NewTicket) -> Result<Outcome> {
        let rules = self.rules()?;
        self.create_with(new, &rules, &Origin::default())
    }

    /// Creates a ticket as `origin` says: at another instant, by another actor, with a
    /// given ID (recurring tickets), or changing nothing (`dry_run`).
    pub fn create_with(&self, new: NewTicket, rules: &RuleSet, origin: &Origin) -> Result<Outcome> {
        let at = origin.at.unwrap_or(self.now);
        let actor = origin.actor.clone().unwrap_or_else(|| self.actor.clone());
        let subject = new.subject.trim().to_string();
        if subject.is_empty() {
            return Err(Error::invalid("a ticket needs a subject"));
        }
        let kind = new.kind.unwrap_or_else(|| "ticket".into());
        self.settings.check_type(&kind).map_err(Error::invalid)?;
        let ttype = self
            .settings
            .ticket_type(&kind)
            .ok_or_else(|| Error::invalid(format!("unknown ticket type `{kind}`")))?;
        let requester = new
            .from
            .as_deref()
            .map(validate_email)
            .transpose()
            .map_err(Error::invalid)?;
        let channel = new.channel.unwrap_or_else(|| "manual".into());
        if channel.trim().is_empty() {
            return Err(Error::invalid("the channel must not be empty"));
        }
        let mut ticket = Ticket {
            id: String::new(),
            subject,
            kind: kind.clone(),
            status: ttype.initial_status().to_string(),
            priority: Priority::default(),
            department: None,
            assignee: None,
            requester: requester.clone(),
            cc: Vec::new(),
            shop: None,
            channel,
            tags: Vec::new(),
            fields: BTreeMap::new(),
            created_at: at,
            updated_at: at,
            snoozed_until: None,
            merged_into: None,
            sla: None,
            messages: Vec::new(),
            history: Vec::new(),
            time_rules: BTreeMap::new(),
            mail: Vec::new(),
        };
        // Validate everything through the same setters as `desk set`, before touching disk.
        {
            let mut edit = Edit::new(&mut ticket, &self.settings, at);
            if let Some(d) = new.department {
                edit.set("department", &d)?;
            }
            if let Some(p) = new.priority {
                edit.set("priority", &p)?;
            }
            if let Some(s) = new.shop {
                edit.set("shop", &s)?;
            }
            if let Some(a) = new.assignee {
                edit.set("assignee", &a)?;
            }
            for t in &new.tags {
                edit.add_tag(t)?;
            }
            // The requester is the recipient already, not a follower too.
            edit.add_ccs(
                new.cc
                    .iter()
                    .filter(|a| requester.is_none() || requester != validate_email(a).ok())
                    .map(String::as_str),
            )?;
            for (k, v) in &new.fields {
                edit.set(&format!("fields.{k}"), v)?;
            }
        }
        let mut event = Event::new(ev::CREATED);
        let first = match new.message {
            Some(m) => Some(m),
            None => new.body.filter(|b| !b.trim().is_empty()).map(|body| {
                let (author, kind) = match &requester {
                    Some(r) => (format!("customer:{r}"), MessageKind::Customer),
                    None => (actor.to_string(), MessageKind::Note),
                };
                Message::new(at, author, kind, body)
            }),
        };
        if let Some(m) = first {
            event.message = Some(MessageCtx {
                body: m.body.clone(),
                from: m.author.strip_prefix("customer:").map(str::to_string),
                to: new.to.clone(),
                kind: m.kind,
                no_auto_reply: m.auto,
            });
            ticket.messages.push(m);
        }
        ticket.history.push(HistoryEntry {
            at,
            actor: actor.clone(),
            via: None,
            event: ev::CREATED.into(),
            changes: Vec::new(),
            note: new.note,
        });

        let _lock = if origin.dry_run { None } else { self.lock()? };
        let customer = match &requester {
            Some(email) if !origin.dry_run => {
                Some(self.touch_customer(email, new.name.as_deref(), at)?)
            }
            Some(email) => self.store.load_customer(email)?,
            None => None,
        };
        ticket.id = match &origin.id {
            Some(id) => id.clone(),
            None if origin.dry_run => self.store.dry_id(at, &mut self.dry_ids.borrow_mut())?,
            None => self.store.next_id(at)?,
        };
        if !origin.dry_run
            && !new.files.is_empty()
            && let Some(m) = ticket.messages.last_mut()
        {
            m.attachments = self.save_attachments(&ticket.id, &new.files)?;
        }
        let write = if origin.dry_run {
            Write::Nothing
        } else {
            Write::New
        };
        let automatic = actor.is_automatic();
        let mut w = Work::new_ticket(ticket, customer);
        w.act = !automatic;
        // The rules' work on a new ticket is credited to the ticket's own instant (a
        // mail's, an occurrence's), so two clones that make it record the same bytes.
        let how = RuleRun {
            dry_run: origin.dry_run,
            at: Some(at),
            ..RuleRun::default()
        };
        self.raise(&mut w, vec![event], rules, &how)?;
        // The SLA is measured from the ticket's own instant (a recurring ticket's
        // occurrence, an imported ticket's creation).
        self.settle_sla(&mut w, rules, at, &how, false)?;
        self.finish(w, rules, write)
    }

    /// Saves a message's files as `attachments/TICKET/NAME`, each under a safe name that
    /// no other file of the ticket has.
    pub fn save_attachments(&self, ticket: &str, files: &[Part]) -> Result<Vec<Attachment>> {
        let dir = self.store.root().join("attachments").join(ticket);
        atomic::ensure_dir(&dir)?;
        let mut out = Vec::new();
        // The last suffix tried per name: ten thousand parts called `image.png` probe
        // the folder once each, not 1 + 2 + ... + 10,000 times.
        let mut last: HashMap<String, usize> = HashMap::new();
        for (n, f) in files.iter().enumerate() {
            let safe = safe_file_name(&f.name, &format!("attachment-{}", n + 1));
            let (stem, ext) = match safe.rfind('.') {
                Some(i) if i > 0 => (&safe[..i], &safe[i..]),
                _ => (safe.as_str(), ""),
            };
            let k = last.entry(safe.clone()).or_insert(0);
            let mut name = safe.clone();
            if *k > 0 {
                *k += 1;
                name = format!("{stem}-{k}{ext}");
            } else {
                *k = 1;
            }
            while atomic::exists(&dir.join(&name)) {
                *k += 1;
                name = format!("{stem}-{k}{ext}");
            }
            let size = match &f.file {
                Some(src) => atomic::copy_new(&dir.join(&name), src)?,
                None => {
                    atomic::create_new(&dir.join(&name), &f.data)?;
                    f.data.len() as u64
                }
            };
            out.push(Attachment {
                name: f.name.clone(),
                file: format!("attachments/{ticket}/{name}"),
                size,
                content_type: f.content_type.clone(),
            });
        }
        Ok(out)
    }

    /// Adds a message that arrived for an existing ticket (a mail reply, a chat line)
    /// under `event`, credited to `actor`, and runs the rules as any change does.
    pub fn append(&self, id: &str, arrival: Arrival, rules: &RuleSet) -> Result<Outcome> {
        let Arrival {
            event,
            actor,
            mut message,
            files,
            to,
            cc,
            note,
        } = arrival;
        let event = event.as_str();
        let _lock = self.lock()?;
        let mut ticket = self.store.load_ticket(id)?;
        if !files.is_empty() {
            message.attachments = self.save_attachments(id, &files)?;
        }
        let ctx = MessageCtx {
            body: message.body.clone(),
            from: message.author.strip_prefix("customer:").map(str::to_string),
            to,
            kind: message.kind,
            no_auto_reply: message.auto,
        };
        let changes = {
            let mut edit = Edit::new(&mut ticket, &self.settings, self.now);
            edit.author = actor.to_string();
            edit.push_message(message);
            let requester = edit.ticket.requester.clone();
            edit.add_ccs(
                cc.iter()
                    .filter(|a| requester.as_deref() != Some(a.as_str()))
                    .map(String::as_str),
            )?;
            edit.finish()
        };
        let mut events = vec![Event {
            name: event.to_string(),
            target: None,
            message: Some(ctx),
            changes: changes.clone(),
        }];
        events.extend(Event::derived(&changes));
        // Every message that arrives is somebody's act.
        let entry = HistoryEntry {
            at: self.now,
            actor,
            via: None,
            event: event.to_string(),
            changes,
            note,
        };
        self.record_change(
            Made {
                ticket,
                entry,
                events,
                mail: Vec::new(),
                effects: Vec::new(),
            },
            rules,
        )
    }

    /// Records a person's or the customer's act on an existing ticket in its history,
    /// runs the rules on its events and ends it through the pipeline.
    pub(crate) fn record_change(&self, made: Made, rules: &RuleSet) -> Result<Outcome> {
        let Made {
            mut ticket,
            entry,
            events,
            mail,
            mut effects,
        } = made;
        // The mail it asked for is credited to its entry.
        for e in &mut effects {
            e.entry = Some(ticket.history.len());
        }
        ticket.history.push(entry);
        ticket.updated_at = self.now;
        let customer = match &ticket.requester {
            Some(r) => self.store.load_customer(r)?,
            None => None,
        };
        let mut w = Work::edited(ticket, customer);
        w.mail = mail;
        w.add_effects(effects);
        w.act = true;
        self.raise(&mut w, events, rules, &RuleRun::default())?;
        self.finish(w, rules, Write::Existing)
    }

    /// Creates the customer record on first contact; fills in a missing name later.
    /// `at`: when the contact happened (a mail's own instant), the file's `created_at`.
    fn touch_customer(
        &self,
        email: &str,
        name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Customer> {
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        // A file is written only when it is new or learns a name, so one written by hand
        // keeps its own form until desk has something to add.
        let (customer, changed) = match self.store.load_customer(email)? {
            Some(mut c) => {
                let learns = c.name.is_none() && name.is_some();
                if learns {
                    c.name = name.map(str::to_string);
                }
                (c, learns)
            }
            None => (Customer::new(email, name, at), true),
        };
        if changed {
            self.store.save_customer(&customer)?;
        }
        Ok(customer)
    }

    /// Changes one ticket under the lock: `apply` edits it; every change is recorded in
    /// the history under `event`, the rules run on the events raised, and the file is
    /// written only if something changed.
    pub fn update(
        &self,
        given_id: &str,
        event: &str,
        apply: impl FnOnce(&mut Edit<'_>) -> Result<()>,
    ) -> Result<Outcome> {
        self.update_sending(given_id, event, None, apply, |_| Ok(Vec::new()))
    }

    /// An agent's public reply: kept on the ticket and mailed to the requester from the
    /// department's address, with its signature, threaded into the conversation.
    pub fn reply(&self, given_id: &str, body: &str) -> Result<Outcome> {
        self.reply_via(given_id, body, None)
    }

    /// [`Helpdesk::reply`], recording in the history what the agent used to write it
    /// (`template:NAME` for a canned reply).
    pub fn reply_via(&self, given_id: &str, body: &str, via: Option<String>) -> Result<Outcome> {
        self.update_sending(
            given_id,
            ev::AGENT_REPLIED,
            via,
            |e| e.add_message(MessageKind::Reply, body, None),
            |ticket| self.reply_mail(ticket, body),
        )
    }

    /// A canned reply: `templates/NAME.txt` rendered for ticket `given_id` as the acting
    /// agent's message (`{{agent.*}}` names them), to be sent with
    /// [`Helpdesk::reply_via`]. An unknown template lists those there are.
    pub fn canned_reply(&self, given_id: &str, name: &str) -> Result<String> {
        let id = self.store.resolve(given_id)?;
        let mut templates = crate::rules::template::Templates::new(self.store.root());
        let tpl = templates.load(name)?;
        let ticket = self.store.load_ticket(&id)?;
        let customer = match &ticket.requester {
            Some(r) => self.store.load_customer(r)?,
            None => None,
        };
        self.render_as_agent(name, tpl, &ticket, customer.as_ref())
    }

    /// The body of template `name` rendered on `ticket` as the acting agent's own
    /// message. A template that names the agent needs one acting.
    pub(crate) fn render_as_agent(
        &self,
        name: &str,
        tpl: &crate::rules::template::Template,
        ticket: &Ticket,
        customer: Option<&Customer>,
    ) -> Result<String> {
        let agent = self.agent_id();
        if agent.is_none() && tpl.names_agent() {
            return Err(Error::Usage(format!(
                "templates/{name}.txt names the agent (`{{{{agent.*}}}}`), but no agent is acting: say who with --as AGENT or DESK_AGENT"
            )));
        }
        let facts = crate::rules::condition::Facts::new(ticket, customer, &self.settings, self.now)
            .with_writer(agent);
        Ok(crate::rules::template::render(&tpl.body, &facts))
    }

    /// The mail of an agent's reply that `ticket`'s last message holds: to the
    /// requester with the followers copied, from the department with its signature
    /// (unless the text ends with it already, as a template's does). No mail when the
    /// ticket has no requester, or the requester is the helpdesk itself.
    pub(crate) fn reply_mail(&self, ticket: &mut Ticket, body: &str) -> Result<Vec<Mail>> {
        let (now, settings) = (self.now, &self.settings);
        let Some(to) = ticket.requester.clone() else {
            return Ok(Vec::new());
        };
        if crate::mail::safety::is_own_address(&to, settings) {
            return Ok(Vec::new());
        }
        let signature = ticket
            .department
            .as_deref()
            .and_then(|d| settings.department(d))
            .map(|d| d.signature.clone())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| settings.helpdesk.name.clone());
        let (body, signature) = (body.trim_end(), signature.trim_end());
        let text = if body.ends_with(signature) {
            format!("{body}\n")
        } else {
            format!("{body}\n\n{signature}\n")
        };
        let subject = match ticket.subject.get(..3) {
            Some(p) if p.eq_ignore_ascii_case("re:") => ticket.subject.clone(),
            _ => format!("Re: {}", ticket.subject),
        };
        let name = self
            .store
            .load_customer(&to)
            .ok()
            .flatten()
            .and_then(|c| c.name);
        let mut o = outgoing::about_ticket(
            ticket,
            settings,
            vec![to.clone()],
            &subject,
            &text,
            outgoing::Kind::Personal,
            outgoing::Cause {
                at: now,
                // A person's reply: one per instant, place and text.
                what: &format!(
                    "reply|{}|{}|{}",
                    now.timestamp(),
                    ticket.messages.len(),
                    text
                ),
            },
        )
        .map_err(Error::invalid)?;
        o.cc = outgoing::followers(ticket, settings);
        if let Some(n) = name {
            o.names.push((to, n));
        }
        if let Some(m) = ticket.messages.last_mut() {
            m.message_id = Some(o.message_id.clone());
        }
        Ok(vec![Mail::of(o, now)?])
    }

    /// Assigns a ticket to `who`; [`Assignee::Auto`] picks the least loaded agent of its
    /// department who is not away, and is an error for a ticket without a department
    /// or a department without such an agent.
    pub fn assign(&self, given_id: &str, who: Assignee<'_>) -> Result<Outcome> {
        let id = self.store.resolve(given_id)?;
        let agent = match who {
            Assignee::Agent(a) => a.to_string(),
            Assignee::Nobody => String::new(),
            Assignee::Auto => {
                let ticket = self.store.load_ticket(&id)?;
                let counted = ticket.assignee.clone().filter(|_| {
                    !self
                        .settings
                        .category(&ticket.kind, &ticket.status)
                        .is_done()
                });
                let dept = ticket.department.ok_or_else(|| {
                    Error::invalid(format!(
                        "{id} has no department: transfer it first, or name the agent"
                    ))
                })?;
                self.least_loaded(&dept, &id, Some(counted))?
                    .ok_or_else(|| {
                        Error::invalid(format!("department `{dept}` has no agent who is not away"))
                    })?
            }
        };
        self.update(&id, ev::ASSIGNED, |e| e.set("assignee", &agent))
    }

    /// Moves a ticket to another department, with an internal note if given. An
    /// assignee who is not in the new department is cleared: the ticket waits for
    /// one who is.
    pub fn transfer(
        &self,
        given_id: &str,
        department: &str,
        note: Option<&str>,
    ) -> Result<Outcome> {
        self.update(given_id, ev::DEPARTMENT_CHANGED, |e| {
            e.set("department", department)?;
            let keep = match &e.ticket.assignee {
                Some(a) => e
                    .settings()
                    .agent(a)
                    .is_some_and(|ag| ag.departments.iter().any(|d| d == department)),
                None => true,
            };
            if !keep {
                e.set("assignee", "")?;
            }
            if let Some(note) = note {
                e.add_message(MessageKind::Note, note, None)?;
            }
            Ok(())
        })
    }

    /// As [`Helpdesk::update`]; `mail` then composes the mail the change itself sends.
    fn update_sending(
        &self,
        given_id: &str,
        event: &str,
        via: Option<String>,
        apply: impl FnOnce(&mut Edit<'_>) -> Result<()>,
        mail: impl FnOnce(&mut Ticket) -> Result<Vec<Mail>>,
    ) -> Result<Outcome> {
        let id = self.store.resolve(given_id)?;
        let rules = self.rules()?;
        let _lock = self.lock()?;
        let mut ticket = self.store.load_ticket(&id)?;
        let (changes, added) = {
            let mut edit = Edit::new(&mut ticket, &self.settings, self.now);
            edit.author = self.actor.to_string();
            apply(&mut edit)?;
            (edit.finish(), std::mem::take(&mut edit.messages_added))
        };
        // A policy is checked against rules.toml, which `Edit` does not know.
        if let Some(c) = changes.iter().find(|c| c.field == "sla")
            && let Some(p) = c.to.as_str()
            && !rules.slas.iter().any(|s| s.name == p)
        {
            let known: Vec<&str> = rules.slas.iter().map(|s| s.name.as_str()).collect();
            return Err(Error::invalid(crate::error::Problem::near(
                format!(
                    "unknown SLA policy `{p}` (rules.toml has {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
                p,
                known.iter().copied(),
            )));
        }
        let own_mail = if added.is_empty() {
            Vec::new()
        } else {
            mail(&mut ticket)?
        };
        if changes.is_empty() && added.is_empty() {
            return Ok(Outcome::unchanged(ticket));
        }
        let message = (!added.is_empty())
            .then(|| ticket.messages.last())
            .flatten()
            .map(|m| MessageCtx {
                body: m.body.clone(),
                from: None,
                to: ticket.requester.clone(),
                kind: m.kind,
                no_auto_reply: false,
            });
        let mut events = vec![Event {
            name: event.to_string(),
            target: None,
            message,
            changes: changes.clone(),
        }];
        for d in Event::derived(&changes) {
            if !events.iter().any(|e| e.name == d.name) {
                events.push(d);
            }
        }
        if let Some(r) = changes.iter().find(|c| c.field == "requester")
            && let Some(email) = r.to.as_str()
        {
            self.touch_customer(email, None, self.now)?;
        }
        // A manual command is a person's act, whoever runs it (with `--as` or without).
        let entry = HistoryEntry {
            at: self.now,
            actor: self.actor.clone(),
            via,
            event: event.to_string(),
            changes,
            note: None,
        };
        self.record_change(
            Made {
                ticket,
                entry,
                events,
                mail: own_mail,
                effects: Vec::new(),
            },
            &rules,
        )
    }

    /// Counts every agent's open tickets, if not counted yet in this run.
    pub(crate) fn count_loads(&self) -> Result<()> {
        if self.loads.borrow().is_some() {
            return Ok(());
        }
        let agents: Vec<String> = self.settings.agents.iter().map(|a| a.id.clone()).collect();
        let settings = &self.settings;
        let counts = self.store.loads().counts(
            &agents,
            |t| !settings.category(&t.kind, &t.status).is_done(),
            || {
                let scan = self
                    .store
                    .scan_lean(&|kind, status| !settings.category(kind, status).is_done())?;
                Ok(scan.tickets)
            },
        )?;
        *self.loads.borrow_mut() = Some(counts);
        Ok(())
    }

    /// The department's agents who are not away, least loaded first (open tickets
    /// assigned to them), ties in desk.toml order.
    pub fn least_loaded(
        &self,
        department: &str,
        exclude: &str,
        counted: Option<Option<String>>,
    ) -> Result<Option<String>> {
        let candidates = self.available_agents(department);
        if candidates.is_empty() {
            return Ok(None);
        }
        let settings = &self.settings;
        // Every agent is counted the first time, in one pass over the load index: a tick
        // assigning in several departments read and decoded it once per department.
        self.count_loads()?;
        let mut memo = self.loads.borrow_mut();
        let Some(load) = memo.as_mut() else {
            return Ok(None);
        };
        // The ticket being assigned does not count towards its current agent's load: as
        // its file has it, which the caller may know already.
        let current = counted.unwrap_or_else(|| {
            self.store
                .load_ticket(exclude)
                .ok()
                .filter(|t| !settings.category(&t.kind, &t.status).is_done())
                .and_then(|t| t.assignee)
        });
        let of = |load: &HashMap<String, usize>, c: &str| {
            let n = load.get(c).copied().unwrap_or(0);
            if current.as_deref() == Some(c) {
                n.saturating_sub(1)
            } else {
                n
            }
        };
        let pick = candidates.iter().min_by_key(|c| of(load, c)).cloned();
        if let Some(p) = &pick
            && current.as_deref() != Some(p.as_str())
        {
            *load.entry(p.clone()).or_insert(0) += 1;
            if let Some(n) = current.as_ref().and_then(|c| load.get_mut(c)) {
                *n = n.saturating_sub(1);
            }
        }
        Ok(pick)
    }

    /// Ends a batch of saves: if it saved more than a few tickets, the load index was
    /// not kept up to date one by one, so it is dropped and rebuilt when next needed.
    pub(crate) fn end_batch(&self) {
        if self.saved.get() > LOAD_NOTES {
            self.store.loads().forget();
        }
    }

    /// Saves (or deletes) a ticket and keeps the load index in step.
    pub(crate) fn save(&self, ticket: &Ticket, deleted: bool, new: bool) -> Result<()> {
        let loads = self.store.loads();
        let before = loads.dir_stamp();
        let wrote = if deleted {
            if !new {
                self.store.delete_ticket(&ticket.id)?;
            }
            !new
        } else if new {
            self.store.create_ticket(ticket)?;
            true
        } else {
            self.store.save_ticket(ticket)?
        };
        if wrote {
            self.store
                .noted(&ticket.id, Some(ticket).filter(|_| !deleted), before);
        }
        let open = !deleted
            && !self
                .settings
                .category(&ticket.kind, &ticket.status)
                .is_done();
        self.saved.set(self.saved.get() + 1);
        if self.saved.get() <= LOAD_NOTES {
            loads.note(
                &ticket.id,
                ticket.assignee.as_deref().filter(|_| open),
                before,
                new,
            );
        }
        Ok(())
    }

    fn available_agents(&self, department: &str) -> Vec<String> {
        self.settings
            .agents
            .iter()
            .filter(|a| !a.away && a.departments.iter().any(|d| d == department))
            .map(|a| a.id.clone())
            .collect()
    }

    /// The next agent of the department after the one picked last, kept in
    /// `.desk/round-robin.json` so the rotation survives restarts.
    pub fn round_robin(&self, department: &str, dry_run: bool) -> Result<Option<String>> {
        let candidates = self.available_agents(department);
        if candidates.is_empty() {
            return Ok(None);
        }
        let path = self.store.local_dir().join("round-robin.json");
        let mut state: BTreeMap<String, String> = match atomic::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                self.warn(format!(
                    "{}: not a round-robin record ({e}); the rotation starts again",
                    path.display()
                ));
                BTreeMap::new()
            }),
            Err(_) => BTreeMap::new(),
        };
        let next = match state
            .get(department)
            .and_then(|last| candidates.iter().position(|c| c == last))
        {
            Some(i) => candidates[(i + 1) % candidates.len()].clone(),
            None => candidates[0].clone(),
        };
        if !dry_run {
            state.insert(department.to_string(), next.clone());
            let bytes = serde_json::to_vec_pretty(&state)
                .map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?;
            std::fs::create_dir_all(self.store.local_dir())
                .map_err(|e| Error::io(self.store.local_dir(), e))?;
            atomic::replace(&path, &bytes)?;
        }
        Ok(Some(next))
    }
}

pub(crate) struct StoreAssigner<'a> {
    pub(crate) hd: &'a Helpdesk,
    pub(crate) dry_run: bool,
    /// The ticket being assigned does not count towards anyone's load.
    pub(crate) exclude: String,
    /// Whom the load index counts it for (its file's assignee while it is open), when
    /// the caller loaded the file: `None` reads it.
    pub(crate) counted: Option<Option<String>>,
}

impl Assigner for StoreAssigner<'_> {
    fn least_loaded(&mut self, department: &str) -> Result<Option<String>> {
        self.hd
            .least_loaded(department, &self.exclude, self.counted.clone())
    }

    fn round_robin(&mut self, department: &str) -> Result<Option<String>> {
        self.hd.round_robin(department, self.dry_run)
    }

    fn run_script(&mut self, call: &engine::ScriptCall<'_>) -> engine::ScriptRun {
        let root = self.hd.store.root();
        let env = [
            ("DESK_EVENT", call.event.to_string()),
            ("DESK_DIR", root.display().to_string()),
            ("DESK_TICKET", call.ticket.to_string()),
            ("DESK_SCRIPT", call.name.to_string()),
        ];
        let mut meanwhile = || {
            call.meanwhile
                .iter()
                .for_each(crate::rules::condition::Pattern::warm);
        };
        match crate::scripts::run(
            root,
            call.name,
            call.timeout,
            &env,
            &call.input,
            &mut meanwhile,
        ) {
            Ok(ran) => engine::ScriptRun {
                output: Ok(ran.stdout),
                stderr: ran.stderr,
            },
            Err(f) => engine::ScriptRun {
                output: Err(f.reason),
                stderr: f.stderr,
            },
        }
    }
}
