//! `desk customer`: list customers, show one with their tickets, change their fields.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Ctx;
use crate::customers::{CustomerQuery, CustomerRow};
use crate::error::{Error, Result};
use crate::model::Customer;
use crate::output::{Column, Format, Styled, json, jsonl, plural, print};
use crate::query::Query;

/// List customers, show one with their tickets, change their fields
#[derive(Debug, Args)]
pub struct CustomerArgs {
    #[command(subcommand)]
    pub command: CustomerCommand,
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// List customers (customers/), with how many open tickets each has
    ///
    /// Filters: FIELD=VALUE (several values: a,b), FIELD!=VALUE, FIELD= (missing),
    /// FIELD!= (present) on email, name, group, organization and fields.NAME, matched
    /// without regard to case; any other word is looked for in email, name and
    /// organization.
    List(ListArgs),
    /// Show a customer and their tickets (as requester, done ones too)
    Show(ShowArgs),
    /// Change a customer's fields: name, group, organization, fields.NAME (an empty value
    /// clears)
    ///
    /// Groups are checked against desk.toml's [[group]]s when it lists some. A group
    /// can choose the SLA policy of the customer's tickets: their policy is chosen again
    /// at their next change, or when `desk tick` takes them up.
    Set(SetArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Filters, all of which must hold
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,

    /// Output format (`ids`: one email a line)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Sort by email, name, group, organization, created_at or tickets (open tickets);
    /// prefix `-` for descending [default: email]
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort: Option<String>,

    /// Print at most N customers
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The customer's email address
    pub email: String,

    /// Print the customer as stored and their tickets as `desk list --format json` does
    #[arg(long)]
    pub json: bool,

    /// Sort the tickets by a field, as `desk list --sort` [default: id]
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort: Option<String>,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The customer's email address
    pub email: String,

    /// FIELD=VALUE: name, group, organization or fields.NAME; FIELD= clears
    #[arg(required = true, value_name = "CHANGE")]
    pub changes: Vec<String>,
}

pub fn run(ctx: &Ctx, args: CustomerArgs) -> Result<()> {
    match args.command {
        CustomerCommand::List(a) => list(ctx, a),
        CustomerCommand::Show(a) => show(ctx, a),
        CustomerCommand::Set(a) => set(ctx, a),
    }
}

/// One customer for programs: every key always present, and their open tickets.
#[derive(Serialize)]
struct Row<'a> {
    email: &'a str,
    name: Option<&'a str>,
    group: Option<&'a str>,
    organization: Option<&'a str>,
    fields: &'a std::collections::BTreeMap<String, String>,
    created_at: Option<String>,
    open_tickets: usize,
}

fn row(r: &CustomerRow) -> Row<'_> {
    let c = &r.customer;
    Row {
        email: &c.email,
        name: c.name.as_deref(),
        group: c.group.as_deref(),
        organization: c.organization.as_deref(),
        fields: &c.fields,
        created_at: c.created_at.map(crate::time::format_utc),
        open_tickets: r.open_tickets,
    }
}

fn list(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let listing = hd.customers(&CustomerQuery {
        filters: args.filters,
        sort: args.sort,
        limit: args.limit,
    })?;
    for p in &listing.problems {
        crate::error::print_error(p);
    }
    let rows = &listing.customers;
    match args.format {
        Format::Ids => {
            let mut out = String::new();
            for r in rows {
                out.push_str(&r.customer.email);
                out.push('\n');
            }
            print(&out)?;
        }
        Format::Json => print(&json(&rows.iter().map(row).collect::<Vec<_>>())?)?,
        Format::Jsonl => print(&jsonl(&rows.iter().map(row).collect::<Vec<_>>())?)?,
        Format::Csv => {
            // Each custom field any listed customer has is a column of its own.
            let custom: BTreeSet<&str> = rows
                .iter()
                .flat_map(|r| r.customer.fields.keys().map(String::as_str))
                .collect();
            let mut headers: Vec<String> = [
                "email",
                "name",
                "group",
                "organization",
                "created_at",
                "open_tickets",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            headers.extend(custom.iter().map(|f| format!("fields.{f}")));
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let r = row(r);
                    let mut cells = vec![
                        r.email.to_string(),
                        r.name.unwrap_or("").to_string(),
                        r.group.unwrap_or("").to_string(),
                        r.organization.unwrap_or("").to_string(),
                        r.created_at.unwrap_or_default(),
                        r.open_tickets.to_string(),
                    ];
                    cells.extend(
                        custom
                            .iter()
                            .map(|f| r.fields.get(*f).cloned().unwrap_or_default()),
                    );
                    cells
                })
                .collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            print(&crate::output::csv(&headers, &cells)?)?;
        }
        Format::Table => {
            if rows.is_empty() {
                ctx.out.status("no customers");
            } else {
                let or_dash = |v: Option<&str>| Styled::plain(v.unwrap_or("-").to_string());
                let cells: Vec<Vec<Styled>> = rows
                    .iter()
                    .map(|r| {
                        let c = &r.customer;
                        vec![
                            Styled::plain(c.email.clone()),
                            or_dash(c.name.as_deref()),
                            or_dash(c.group.as_deref()),
                            or_dash(c.organization.as_deref()),
                            Styled::plain(r.open_tickets.to_string()),
                        ]
                    })
                    .collect();
                let columns = [
                    Column::keep("EMAIL"),
                    Column::cut("NAME", 10),
                    Column::cut("GROUP", 8),
                    Column::cut("ORGANIZATION", 12),
                    Column::keep("OPEN"),
                ];
                print(&ctx.out.fit_table(&columns, &cells))?;
                ctx.out.status(plural(rows.len(), "customer"));
            }
        }
    }
    if !listing.problems.is_empty() {
        return Err(Error::Partial(format!(
            "{} could not be read (listed above)",
            plural(listing.problems.len(), "customer file")
        )));
    }
    Ok(())
}

/// `desk customer show --json`: the customer as stored, and their tickets.
#[derive(Serialize)]
struct Shown<'a> {
    customer: &'a Customer,
    tickets: Vec<super::list::Row<'a>>,
}

fn show(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let customer = hd.customer(&args.email)?;
    let listing = hd.list(&Query {
        sort: args.sort,
        all: true,
        requester: Some(customer.email.clone()),
        ..Query::default()
    })?;
    for p in &listing.problems {
        crate::error::print_error(p);
    }
    if args.json {
        let now = hd.now.timestamp();
        let shown = Shown {
            customer: &customer,
            tickets: listing
                .tickets
                .iter()
                .map(|s| super::list::row(s, &hd.settings, now))
                .collect(),
        };
        print(&json(&shown)?)?;
    } else {
        let out = &ctx.out;
        let tz = hd.settings.helpdesk.timezone;
        let mut s = format!("{}\n", out.bold(&customer.email));
        let mut rows: Vec<(&str, String)> = vec![
            ("name", customer.name.clone().unwrap_or_else(|| "-".into())),
            (
                "group",
                customer.group.clone().unwrap_or_else(|| "-".into()),
            ),
            (
                "organization",
                customer.organization.clone().unwrap_or_else(|| "-".into()),
            ),
        ];
        for (k, v) in &customer.fields {
            rows.push(("field", format!("{k} = {v}")));
        }
        if let Some(at) = customer.created_at {
            rows.push((
                "created",
                at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            ));
        }
        for (k, v) in rows {
            let _ = writeln!(s, "  {}{v}", out.dim(&format!("{k:<14}")));
        }
        let _ = writeln!(
            s,
            "\n{}",
            out.bold(&format!("Tickets ({})", listing.tickets.len()))
        );
        if listing.tickets.is_empty() {
            s.push_str("  (none)\n");
        } else {
            s.push_str(&super::list::ticket_table(ctx, &hd, &listing.tickets)?.concat());
        }
        print(&s)?;
    }
    if !listing.problems.is_empty() {
        return Err(Error::Partial(format!(
            "{} could not be read (listed above)",
            plural(listing.problems.len(), "ticket file")
        )));
    }
    Ok(())
}

fn set(ctx: &Ctx, args: SetArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let changes = args
        .changes
        .iter()
        .map(|c| {
            c.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "`{}`: use FIELD=VALUE (FIELD= clears it)",
                        crate::error::one_line(c)
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let done = hd.set_customer(&args.email, &changes)?;
    let email = &done.customer.email;
    if done.changes.is_empty() {
        ctx.out.status(format!("{email}: nothing changed"));
        return Ok(());
    }
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    let mut msg = format!("updated {email}");
    for (field, old, new) in &done.changes {
        let _ = write!(msg, "\n  {field}: {} → {}", shown(old), shown(new));
    }
    ctx.out.status(msg);
    if done.changes.iter().any(|(f, _, _)| f == "group") {
        let open = hd
            .list(&Query {
                requester: Some(email.clone()),
                ..Query::default()
            })?
            .tickets
            .len();
        if open > 0 {
            ctx.out.status(format!(
                "{} of theirs: the SLA policy is chosen again at the next change or tick",
                plural(open, "open ticket")
            ));
        }
    }
    Ok(())
}
