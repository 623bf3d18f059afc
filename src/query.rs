//! Reading tickets for people. Which tickets a listing shows: filters and views parsed
//! into one condition, `@me` as the acting agent, a scan that reads done tickets only
//! when asked to, sorting by a field (`sla`: the nearest due time first) and a limit;
//! `desk list` prints what [`Helpdesk::list`] returns. And one ticket with what its
//! page needs besides ([`Helpdesk::view`], for `desk show`).

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::helpdesk::Helpdesk;
use crate::model::{Customer, Settings, Ticket};
use crate::rules::condition::{self, Condition, Facts, Field};
use crate::rules::view::View;
use crate::store::Summary;

/// What to list: every filter and the view must hold.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Filters in the rule conditions' short form: FIELD=VALUE (several values: a,b),
    /// FIELD!=VALUE, FIELD= (missing), +TAG, -TAG, or a word searched for in the
    /// subject and customer messages.
    pub filters: Vec<String>,
    /// A view of desk.toml, by ID.
    pub view: Option<String>,
    /// A field of [`SORT_FIELDS`], `-` in front for descending; by ID when `None`.
    pub sort: Option<String>,
    /// At most this many tickets.
    pub limit: Option<usize>,
    /// Solved and closed tickets too, even when no condition mentions the status.
    pub all: bool,
    /// Only the tickets of this requester (an address as stored: lowercase).
    pub requester: Option<String>,
    /// Look at every ticket file, trusting no shortcut of the listing cache.
    pub rescan: bool,
}

/// The tickets a query found, in order, and the ticket files it could not read.
#[derive(Debug, Default)]
pub struct Listing {
    pub tickets: Vec<Summary>,
    /// One line per unreadable ticket file, which was skipped.
    pub problems: Vec<String>,
}

/// One ticket and what showing it needs besides.
pub struct TicketView {
    pub ticket: Ticket,
    /// The requester's name, from their customer record.
    pub customer_name: Option<String>,
    /// The calendar of the ticket's SLA policy, when its targets count business time.
    pub calendar: Option<String>,
}

/// The fields a listing can be sorted by.
pub const SORT_FIELDS: [&str; 13] = [
    "id",
    "sla",
    "created_at",
    "updated_at",
    "priority",
    "status",
    "subject",
    "department",
    "assignee",
    "requester",
    "shop",
    "type",
    "channel",
];

/// A ticket's SLA at a glance, from its summary alone: what `desk list` shows, sorts
/// by and prints for programs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaGlance<'a> {
    pub policy: Option<&'a str>,
    /// The target due next (not met, not breached, due after now) and its due time.
    pub next: Option<(&'a str, i64)>,
    /// `desk tick` has warned that the next target is near.
    pub warned: bool,
    /// Targets not met and breached, with their due times, longest overdue first: those
    /// `desk tick` recorded as breached, and those whose due time has passed though no
    /// tick has recorded it yet. Nothing is due on a solved or closed ticket, so there
    /// only recorded breaches count.
    pub breached: Vec<(&'a str, i64)>,
    /// A target not met has no due time: its clock is paused while the ticket waits.
    pub paused: bool,
}

impl<'a> SlaGlance<'a> {
    /// `done`: the ticket is solved or closed (its targets are stopped).
    pub fn of(s: &'a Summary, now: i64, done: bool) -> SlaGlance<'a> {
        let mut g = SlaGlance {
            policy: s.trail.sla_policy.as_deref(),
            ..SlaGlance::default()
        };
        for t in s.trail.sla.iter().filter(|t| t.met.is_none()) {
            let overdue = !done && t.due.is_some_and(|d| d <= now);
            if t.breached.is_some() || overdue {
                let due = t.due.or(t.breached).unwrap_or(now);
                g.breached.push((t.target.as_str(), due));
            } else if let Some(due) = t.due.filter(|_| !done) {
                if g.next.is_none_or(|(_, d)| due < d) {
                    g.next = Some((t.target.as_str(), due));
                    g.warned = t.warned.is_some();
                }
            } else if t.due.is_none() && !done {
                g.paused = true;
            }
        }
        g.breached.sort_by_key(|(name, due)| (*due, *name));
        g
    }

    /// How urgent it is, smaller first: breached (longest overdue first), then due
    /// (soonest first), then nothing due.
    pub fn urgency(&self) -> (u8, i64) {
        match (self.breached.first(), self.next) {
            (Some((_, due)), _) => (0, *due),
            (None, Some((_, due))) => (1, due),
            (None, None) => (2, 0),
        }
    }
}

/// The sort key of `field`; `sla` is [`SlaGlance::urgency`] at `now`.
fn sort_key<'a>(
    s: &'a Summary,
    field: &str,
    settings: &Settings,
    now: i64,
) -> (Option<i64>, Option<&'a str>) {
    match field {
        "created_at" => (Some(s.created_at), None),
        "updated_at" => (Some(s.updated_at), None),
        "sla" => {
            let done = settings.category(&s.kind, &s.status).is_done();
            let (rank, at) = SlaGlance::of(s, now, done).urgency();
            // Rank and time in one number: times are Unix seconds, far below 2^61.
            (
                Some((i64::from(rank) << 61) + at.clamp(-(1 << 60), 1 << 60)),
                None,
            )
        }
        "priority" => (Some(s.priority as i64), None),
        "status" => (None, Some(&s.status)),
        "subject" => (None, Some(&s.subject)),
        "department" => (None, s.department.as_deref()),
        "assignee" => (None, s.assignee.as_deref()),
        "requester" => (None, s.requester.as_deref()),
        "shop" => (None, s.shop.as_deref()),
        "type" => (None, Some(&s.kind)),
        "channel" => (None, Some(&s.channel)),
        _ => (None, Some(&s.id)),
    }
}

/// Whether a condition looks at the status: then done tickets are listed too.
fn mentions_status(c: &Condition) -> bool {
    c.fields()
        .iter()
        .any(|f| matches!(f, Field::Status | Field::StatusCategory))
}

/// The query's view and filters as one condition.
fn condition_of(q: &Query, views: &[View], settings: &Settings) -> Result<Condition> {
    let mut parts = Vec::new();
    if let Some(v) = &q.view {
        let view = views.iter().find(|x| x.id == *v).ok_or_else(|| {
            Settings::check_known("view", v, views.iter().map(|v| v.id.as_str()))
                .err()
                .map_or_else(
                    || Error::invalid(format!("unknown view `{v}`")),
                    Error::Invalid,
                )
        })?;
        parts.push(view.condition.clone());
    }
    if !q.filters.is_empty() {
        parts.push(condition::from_filters(&q.filters, settings).map_err(Error::invalid)?);
    }
    Ok(Condition::All(parts))
}

/// The sort field and whether it is descending, checked against [`SORT_FIELDS`].
fn sort_of(q: &Query) -> Result<(bool, &str)> {
    let (desc, field) = match q.sort.as_deref() {
        Some(s) => s.strip_prefix('-').map_or((false, s), |f| (true, f)),
        None => (false, "id"),
    };
    if !SORT_FIELDS.contains(&field) {
        return Err(Error::invalid(crate::error::Problem::near_or_list(
            format!("cannot sort by `{}`", crate::error::one_line(field)),
            field,
            SORT_FIELDS,
            "sort by one of",
        )));
    }
    Ok((desc, field))
}

/// Which summaries a query keeps: its view and filters, and the requester it is
/// about; customers are read once each.
struct Matcher<'h> {
    hd: &'h Helpdesk,
    cond: Condition,
    everything: bool,
    needs_full: bool,
    needs_customer: bool,
    requester: Option<&'h str>,
    customers: HashMap<String, Option<Customer>>,
}

impl<'h> Matcher<'h> {
    fn new(hd: &'h Helpdesk, q: &'h Query, cond: Condition) -> Matcher<'h> {
        Matcher {
            hd,
            everything: matches!(&cond, Condition::All(p) if p.is_empty()),
            needs_full: cond.needs_full_ticket(),
            needs_customer: cond.needs_customer(),
            cond,
            requester: q.requester.as_deref(),
            customers: HashMap::new(),
        }
    }

    fn keeps(&mut self, s: &Summary, problems: &mut Vec<String>) -> bool {
        let hd = self.hd;
        let settings = &hd.settings;
        if let Some(r) = self.requester
            && s.requester.as_deref() != Some(r)
        {
            return false;
        }
        if let Err(p) = settings.check_state(&s.kind, &s.status) {
            problems.push(format!(
                "{}: {p} (counted as open)",
                hd.store.ticket_path(&s.id).display()
            ));
        }
        if self.everything {
            return true;
        }
        let ticket: Ticket = if self.needs_full {
            match hd.store.load_ticket(&s.id) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{e} (skipped)"));
                    return false;
                }
            }
        } else {
            s.to_ticket()
        };
        let customer = match (&ticket.requester, self.needs_customer) {
            (Some(r), true) => self
                .customers
                .entry(r.clone())
                .or_insert_with(|| hd.store.load_customer(r).ok().flatten())
                .as_ref(),
            _ => None,
        };
        let facts = Facts::new(&ticket, customer, settings, hd.now).with_me(hd.agent_id());
        self.cond.eval(&facts)
    }
}

impl Helpdesk {
    /// Whether [`Helpdesk::list_each`] can answer `q`: in ID order, without a limit.
    pub fn streams(q: &Query) -> bool {
        q.limit.is_none() && matches!(q.sort.as_deref(), None | Some("id"))
    }

    /// The tickets matching `q` (which [`Helpdesk::streams`]), handed to `sink` a batch
    /// at a time in ID order as the cache is read: a listing of the whole archive in
    /// memory for one batch. Returns the problems.
    pub fn list_each(
        &self,
        q: &Query,
        sink: &mut dyn FnMut(&[Summary]) -> Result<()>,
    ) -> Result<Vec<String>> {
        let (mut matcher, hide_done) = self.matcher(q)?;
        let want = |kind: &str, status: &str| !hide_done || !self.is_done(kind, status);
        let mut problems = Vec::new();
        let scanned = self
            .store
            .scan_each(&listing_options(q, &want), &mut |mut batch| {
                batch.retain(|s| matcher.keeps(s, &mut problems));
                sink(&batch)
            })?;
        let mut all: Vec<String> = scanned.iter().map(crate::store::Problem::skipped).collect();
        all.extend(problems);
        Ok(all)
    }

    /// The query's matcher, and whether done tickets are left unread: unless the query
    /// asks for them (`all`, or a condition on the status).
    fn matcher<'h>(&'h self, q: &'h Query) -> Result<(Matcher<'h>, bool)> {
        let cond = condition_of(q, &self.views, &self.settings)?;
        let hide_done = !q.all && !mentions_status(&cond);
        Ok((Matcher::new(self, q, cond), hide_done))
    }

    fn is_done(&self, kind: &str, status: &str) -> bool {
        self.settings.category(kind, status).is_done()
    }

    /// The tickets matching `q`, sorted and limited. Unless the query asks for them
    /// (`all`, or a condition on the status), solved and closed tickets are not even
    /// read. A ticket file that cannot be read is skipped and named in the problems.
    pub fn list(&self, q: &Query) -> Result<Listing> {
        let settings = &self.settings;
        let (mut matcher, hide_done) = self.matcher(q)?;
        let (desc, sort_field) = sort_of(q)?;
        let want = |kind: &str, status: &str| !hide_done || !self.is_done(kind, status);
        let scan = self.store.scan_with(&listing_options(q, &want))?;
        let mut problems: Vec<String> = scan
            .problems
            .iter()
            .map(crate::store::Problem::skipped)
            .collect();
        // Filtered in place: a listing of a hundred thousand tickets holds one list of
        // them, not two.
        let mut tickets: Vec<Summary> = scan.tickets;
        tickets.retain(|s| matcher.keeps(s, &mut problems));
        let now = self.now.timestamp();
        if sort_field == "sla" {
            // The glance costs a little: once per ticket, not per comparison.
            let mut keyed: Vec<(Option<i64>, Summary)> = tickets
                .into_iter()
                .map(|s| (sort_key(&s, sort_field, settings, now).0, s))
                .collect();
            keyed.sort_by(|(ka, a), (kb, b)| {
                let o = ka.cmp(kb).then_with(|| a.id.cmp(&b.id));
                if desc { o.reverse() } else { o }
            });
            tickets = keyed.into_iter().map(|(_, s)| s).collect();
        } else {
            tickets.sort_by(|a, b| {
                let o = sort_key(a, sort_field, settings, now)
                    .cmp(&sort_key(b, sort_field, settings, now))
                    .then_with(|| a.id.cmp(&b.id));
                if desc { o.reverse() } else { o }
            });
        }
        if let Some(n) = q.limit {
            tickets.truncate(n);
        }
        Ok(Listing { tickets, problems })
    }

    /// Every ticket's ID, done ones too, sorted: what a short ID must be unique among.
    /// Only the names in tickets/ are read, no file.
    pub fn ticket_ids(&self) -> Result<Vec<String>> {
        self.store.ticket_ids()
    }

    /// One ticket (its ID or a unique prefix) with its requester's name and its SLA
    /// policy's calendar. A customer record or a rules.toml that cannot be read leaves
    /// those out: it must not stop anyone from reading a ticket.
    pub fn view(&self, given_id: &str) -> Result<TicketView> {
        let id = self.store.resolve(given_id)?;
        let ticket = self.store.load_ticket(&id)?;
        let customer_name = match &ticket.requester {
            Some(r) => self.store.load_customer(r).unwrap_or(None),
            None => None,
        }
        .and_then(|c| c.name);
        let calendar = match &ticket.sla {
            Some(sla) => self.rules().ok().and_then(|r| {
                r.slas
                    .into_iter()
                    .find(|p| p.name == sla.policy)
                    .and_then(|p| p.calendar)
            }),
            None => None,
        };
        Ok(TicketView {
            ticket,
            customer_name,
            calendar,
        })
    }
}

/// How a listing reads the cache: lean, the pairs `want` says.
fn listing_options<'w>(
    q: &Query,
    want: &'w dyn Fn(&str, &str) -> bool,
) -> crate::store::cache::Options<'w> {
    crate::store::cache::Options {
        want,
        rescan: q.rescan,
        updated_since: None,
        lean: true,
        known: None,
    }
}
