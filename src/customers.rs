//! Customers for people: the records of customers/ filtered and sorted for `desk
//! customer list`, one customer for `desk customer show`, and changes to a customer's
//! name, group, organization and custom fields ([`Helpdesk::set_customer`]), written
//! through the store under the helpdesk lock.
//!
//! A customer's group can choose a ticket's SLA policy (`customer.group` in an `[[sla]]`
//! condition). Changing it rewrites no ticket: the pipeline chooses the policy again,
//! with the customer as now recorded, on the ticket's next change and whenever `desk
//! tick` takes the ticket up (at its next SLA warning or due time).

use std::collections::{BTreeSet, HashMap};

use crate::error::{Error, Problem, Result, one_line};
use crate::helpdesk::Helpdesk;
use crate::model::Customer;
use crate::model::customer::{self, CustomerField};
use crate::store::atomic;

/// Which customers `desk customer list` shows and in what order.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// `FIELD=VALUE` (several values: `a,b`), `FIELD!=VALUE`, `FIELD=` (missing),
    /// `FIELD!=` (present) on email, name, group, organization and fields.NAME; any
    /// other word is looked for in the email, name and organization.
    pub filters: Vec<String>,
    /// A field of [`SORT_FIELDS`], `-` in front for descending; by email when `None`.
    pub sort: Option<String>,
    pub limit: Option<usize>,
}

/// A customer and how many of their tickets (as requester) are not solved or closed.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub customer: Customer,
    pub open_tickets: usize,
}

#[derive(Debug, Default)]
pub struct CustomerListing {
    pub customers: Vec<CustomerRow>,
    /// One line per customer file that could not be read, which was skipped.
    pub problems: Vec<String>,
}

/// What [`Helpdesk::set_customer`] did: the customer as saved and each change made
/// (field, old value, new value).
#[derive(Debug)]
pub struct CustomerChange {
    pub customer: Customer,
    pub changes: Vec<(String, Option<String>, Option<String>)>,
}

/// The fields customers can be sorted by.
pub const SORT_FIELDS: [&str; 6] = [
    "email",
    "name",
    "group",
    "organization",
    "created_at",
    "tickets",
];

/// What a filter looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Email,
    Field(CustomerField),
}

impl Key {
    fn parse(name: &str) -> Result<Key> {
        if name == "email" {
            return Ok(Key::Email);
        }
        CustomerField::parse(name).map(Key::Field).map_err(|p| {
            // A filter can name `email` too.
            if p.message.starts_with("unknown customer field") {
                Error::Invalid(Problem::near_or_list(
                    format!("cannot filter customers by `{}`", one_line(name)),
                    name,
                    ["email", "name", "group", "organization", "fields.NAME"],
                    "filter by",
                ))
            } else {
                Error::Invalid(p)
            }
        })
    }

    fn value<'a>(&self, c: &'a Customer) -> Option<&'a str> {
        match self {
            Key::Email => Some(&c.email),
            Key::Field(f) => c.get(f),
        }
    }
}

#[derive(Debug)]
enum Filter {
    /// The value is one of these (case-insensitive); `negate` for none of them.
    Is {
        key: Key,
        values: Vec<String>,
        negate: bool,
    },
    /// The field has no value; `negate` for has one.
    Missing { key: Key, negate: bool },
    /// A word in the email, name or organization.
    Word(String),
}

impl Filter {
    fn parse(f: &str) -> Result<Filter> {
        // The first `=` splits: a value may hold `=` and `!=` itself.
        let (name, value, negate) = match f.split_once('=') {
            Some((n, v)) => match n.strip_suffix('!') {
                Some(n) => (n, v, true),
                None => (n, v, false),
            },
            None => {
                let word = f.trim().to_lowercase();
                if word.is_empty() {
                    return Err(Error::Usage("an empty filter".into()));
                }
                return Ok(Filter::Word(word));
            }
        };
        let key = Key::parse(name.trim())?;
        let values: Vec<String> = value
            .split(',')
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty())
            .collect();
        Ok(if values.is_empty() {
            Filter::Missing { key, negate }
        } else {
            Filter::Is {
                key,
                values,
                negate,
            }
        })
    }

    fn holds(&self, c: &Customer) -> bool {
        match self {
            Filter::Is {
                key,
                values,
                negate,
            } => {
                let hit = key
                    .value(c)
                    .is_some_and(|v| values.iter().any(|w| v.to_lowercase() == *w));
                hit != *negate
            }
            Filter::Missing { key, negate } => key.value(c).is_none() != *negate,
            Filter::Word(w) => [
                Some(c.email.as_str()),
                c.name.as_deref(),
                c.organization.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|v| v.to_lowercase().contains(w.as_str())),
        }
    }
}

fn sort_of(q: &CustomerQuery) -> Result<(bool, &str)> {
    let (desc, field) = match q.sort.as_deref() {
        Some(s) => s.strip_prefix('-').map_or((false, s), |f| (true, f)),
        None => (false, "email"),
    };
    if !SORT_FIELDS.contains(&field) {
        return Err(Error::invalid(Problem::near_or_list(
            format!("cannot sort customers by `{}`", one_line(field)),
            field,
            SORT_FIELDS,
            "sort by one of",
        )));
    }
    Ok((desc, field))
}

impl Helpdesk {
    /// Every customer file, read and checked; a file that cannot be read is a problem.
    fn all_customers(&self) -> Result<(Vec<Customer>, Vec<String>)> {
        let dir = self.store.customers_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Vec::new(), Vec::new()));
            }
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
            .collect();
        names.sort_unstable();
        let mut customers = Vec::with_capacity(names.len());
        let mut problems = Vec::new();
        for name in names {
            let path = dir.join(&name);
            let read = atomic::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Customer>(&b).map_err(|e| e.to_string()))
                .and_then(|c| {
                    if customer::file_name(&c.email) == name {
                        Ok(c)
                    } else {
                        Err(format!(
                            "`email` is `{}`, not the address its name says",
                            one_line(&c.email)
                        ))
                    }
                });
            match read {
                Ok(c) => customers.push(c),
                Err(m) => problems.push(format!("{}: {} (skipped)", path.display(), one_line(&m))),
            }
        }
        Ok((customers, problems))
    }

    /// The open tickets (not solved or closed) of each requester.
    fn open_tickets_by_requester(&self) -> Result<HashMap<String, usize>> {
        let settings = &self.settings;
        let scan = self
            .store
            .scan_lean(&|kind, status| !settings.category(kind, status).is_done())?;
        let mut counts = HashMap::new();
        for s in scan.tickets {
            if let Some(r) = s.requester {
                *counts.entry(r).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// The customers matching `q`, sorted and limited, each with their open tickets.
    pub fn customers(&self, q: &CustomerQuery) -> Result<CustomerListing> {
        let filters = q
            .filters
            .iter()
            .map(|f| Filter::parse(f))
            .collect::<Result<Vec<_>>>()?;
        let (desc, field) = sort_of(q)?;
        let (all, problems) = self.all_customers()?;
        let open = self.open_tickets_by_requester()?;
        let mut customers: Vec<CustomerRow> = all
            .into_iter()
            .filter(|c| filters.iter().all(|f| f.holds(c)))
            .map(|c| CustomerRow {
                open_tickets: open.get(&c.email).copied().unwrap_or(0),
                customer: c,
            })
            .collect();
        let key = |r: &CustomerRow| -> (Option<i64>, Option<String>) {
            let c = &r.customer;
            let text = |v: Option<&str>| v.map(str::to_lowercase);
            match field {
                "name" => (None, text(c.name.as_deref())),
                "group" => (None, text(c.group.as_deref())),
                "organization" => (None, text(c.organization.as_deref())),
                "created_at" => (c.created_at.map(|t| t.timestamp()), None),
                "tickets" => (i64::try_from(r.open_tickets).ok(), None),
                _ => (None, Some(c.email.clone())),
            }
        };
        customers.sort_by(|a, b| {
            let o = key(a)
                .cmp(&key(b))
                .then_with(|| a.customer.email.cmp(&b.customer.email));
            if desc { o.reverse() } else { o }
        });
        if let Some(n) = q.limit {
            customers.truncate(n);
        }
        Ok(CustomerListing {
            customers,
            problems,
        })
    }

    /// The customer with this address; an unknown one is an error that names the nearest
    /// known address.
    pub fn customer(&self, email: &str) -> Result<Customer> {
        let email = customer::validate_email(email).map_err(Error::invalid)?;
        match self.store.load_customer(&email)? {
            Some(c) => Ok(c),
            None => Err(self.no_customer(&email)),
        }
    }

    fn no_customer(&self, email: &str) -> Error {
        let known: Vec<String> = self
            .all_customers()
            .map(|(c, _)| c.into_iter().map(|c| c.email).collect())
            .unwrap_or_default();
        Error::Invalid(Problem::near(
            format!(
                "no customer `{}` (customers/{} does not exist)",
                one_line(email),
                customer::file_name(email)
            ),
            email,
            known.iter().map(String::as_str),
        ))
    }

    /// Changes a customer's fields: all of them or, if one is wrong, none. A group is
    /// checked against desk.toml's `[[group]]`s when it lists some. The file is written
    /// through the store under the helpdesk lock, and only if something changed.
    pub fn set_customer(
        &self,
        email: &str,
        changes: &[(String, String)],
    ) -> Result<CustomerChange> {
        let email = customer::validate_email(email).map_err(Error::invalid)?;
        let mut parsed = Vec::with_capacity(changes.len());
        let mut seen = BTreeSet::new();
        for (name, value) in changes {
            let field = CustomerField::parse(name.trim()).map_err(Error::Invalid)?;
            if !seen.insert(field.name()) {
                return Err(Error::invalid(format!("`{}` is given twice", field.name())));
            }
            if field == CustomerField::Group && !value.trim().is_empty() {
                self.settings
                    .check_group(value.trim())
                    .map_err(Error::Invalid)?;
            }
            parsed.push((field, value.as_str()));
        }
        let _lock = self.lock()?;
        let mut c = match self.store.load_customer(&email)? {
            Some(c) => c,
            None => return Err(self.no_customer(&email)),
        };
        let mut done = Vec::new();
        for (field, value) in &parsed {
            if let Some(old) = c.set(field, value) {
                done.push((field.name(), old, c.get(field).map(str::to_string)));
            }
        }
        if !done.is_empty() {
            self.store.save_customer(&c)?;
        }
        Ok(CustomerChange {
            customer: c,
            changes: done,
        })
    }
}
