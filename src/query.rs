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

fn sort_key<'a>(s: &'a Summary, field: &str) -> (Option<i64>, Option<&'a str>) {
    match field {
        "created_at" => (Some(s.created_at), None),
        "updated_at" => (Some(s.updated_at), None),
        // Tickets with the nearest SLA due time first; those without last.
        "sla" => (Some(s.sla_due.unwrap_or(i64::MAX)), None),
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

impl Helpdesk {
    /// The tickets matching `q`, sorted and limited. Unless the query asks for them
    /// (`all`, or a condition on the status), solved and closed tickets are not even
    /// read. A ticket file that cannot be read is skipped and named in the problems.
    pub fn list(&self, q: &Query) -> Result<Listing> {
        let settings = &self.settings;
        let cond = condition_of(q, &self.views, settings)?;
        let hide_done = !q.all && !mentions_status(&cond);
        let needs_full = cond.needs_full_ticket();
        let needs_customer = cond.needs_customer();
        let (desc, sort_field) = sort_of(q)?;

        let scan = self.store.scan_with(&crate::store::cache::Options {
            want: &|kind, status| !hide_done || !settings.category(kind, status).is_done(),
            rescan: q.rescan,
            updated_since: None,
            lean: true,
        })?;
        let mut problems: Vec<String> = scan
            .problems
            .iter()
            .map(|p| format!("{}: {} (skipped)", p.path.display(), p.message))
            .collect();
        let everything = matches!(&cond, Condition::All(p) if p.is_empty());
        let mut customers: HashMap<String, Option<Customer>> = HashMap::new();
        let mut tickets: Vec<Summary> = Vec::new();
        for s in scan.tickets {
            if let Err(p) = settings.check_state(&s.kind, &s.status) {
                problems.push(format!(
                    "{}: {p} (counted as open)",
                    self.store.ticket_path(&s.id).display()
                ));
            }
            if everything {
                tickets.push(s);
                continue;
            }
            let ticket: Ticket = if needs_full {
                match self.store.load_ticket(&s.id) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(format!("{e} (skipped)"));
                        continue;
                    }
                }
            } else {
                s.to_ticket()
            };
            let customer = match (&ticket.requester, needs_customer) {
                (Some(r), true) => customers
                    .entry(r.clone())
                    .or_insert_with(|| self.store.load_customer(r).ok().flatten())
                    .as_ref(),
                _ => None,
            };
            let facts = Facts::new(&ticket, customer, settings, self.now).with_me(self.agent_id());
            if cond.eval(&facts) {
                tickets.push(s);
            }
        }
        tickets.sort_by(|a, b| {
            let o = sort_key(a, sort_field)
                .cmp(&sort_key(b, sort_field))
                .then_with(|| a.id.cmp(&b.id));
            if desc { o.reverse() } else { o }
        });
        if let Some(n) = q.limit {
            tickets.truncate(n);
        }
        Ok(Listing { tickets, problems })
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
