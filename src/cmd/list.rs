//! `desk list`: tickets matching filters or a view, as a table or for programs.

use chrono::DateTime;
use clap::Args;
use serde::Serialize;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::helpdesk::Helpdesk;
use crate::model::{Priority, Settings, id};
use crate::output::{Column, Format, Styled, json, jsonl, plural, print};
use crate::query::{Query, SlaGlance};
use crate::store::Summary;
use crate::time::Duration;

/// List tickets: by default those not solved or closed
///
/// Filters use the rule conditions: FIELD=VALUE (several values: a,b), FIELD!=VALUE,
/// FIELD= (missing), +TAG, -TAG, +cc:ADDR, -cc:ADDR (followers), and any other word is
/// searched for in subject and customer messages. Filtering on status or status_category lists done tickets too.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Filters, all of which must hold
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,

    /// A view from desk.toml
    #[arg(long, value_name = "VIEW")]
    pub view: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Sort by a field (id, created_at, updated_at, priority, status, subject, department,
    /// assignee, requester, shop, type, channel, sla: breached first, then the soonest
    /// due, those without last); prefix `-` for descending [default: id]
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort: Option<String>,

    /// Print at most N tickets
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Include solved and closed tickets
    #[arg(long, short = 'a')]
    pub all: bool,

    /// Look at every ticket file instead of trusting the listing cache's record of
    /// what changed (after editing a done ticket in place, without renaming it)
    #[arg(long)]
    pub rescan: bool,
}

/// One row of `--format json|jsonl`: the ticket without messages and history, with its
/// status category, message count and SLA at a glance.
#[derive(Serialize)]
pub struct Row<'a> {
    id: &'a str,
    subject: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    status: &'a str,
    status_category: &'a str,
    priority: Priority,
    department: Option<&'a str>,
    assignee: Option<&'a str>,
    requester: Option<&'a str>,
    /// Followers; absent when none.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    cc: &'a [String],
    shop: Option<&'a str>,
    channel: &'a str,
    tags: &'a [String],
    #[serde(serialize_with = "as_map")]
    fields: &'a [(String, String)],
    created_at: String,
    updated_at: String,
    snoozed_until: Option<String>,
    messages: u32,
    /// The SLA policy that applies, if any.
    sla_policy: Option<&'a str>,
    /// The target due next (not met, not breached) and when.
    sla_next: Option<&'a str>,
    sla_due: Option<String>,
    /// Targets not met and breached, or past their due time (longest overdue first).
    sla_breached: Vec<&'a str>,
}

/// The CSV columns: the ticket's own, then the message count and the SLA.
const CSV_EXTRA: [&str; 5] = [
    "messages",
    "sla_policy",
    "sla_next",
    "sla_due",
    "sla_breached",
];

/// Custom fields as a JSON object, as in the ticket file.
fn as_map<S: serde::Serializer>(fields: &&[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(fields.iter().map(|(k, v)| (k, v)))
}

fn rfc(secs: i64) -> String {
    crate::time::format_utc(DateTime::from_timestamp(secs, 0).unwrap_or_default())
}

/// The row of a summary, with its status category from desk.toml and its SLA at `now`.
pub fn row<'a>(s: &'a Summary, settings: &'a Settings, now: i64) -> Row<'a> {
    let category = settings.category(&s.kind, &s.status);
    let sla = SlaGlance::of(s, now, category.is_done());
    Row {
        id: &s.id,
        subject: &s.subject,
        kind: &s.kind,
        status: &s.status,
        status_category: category.as_str(),
        priority: s.priority,
        department: s.department.as_deref(),
        assignee: s.assignee.as_deref(),
        requester: s.requester.as_deref(),
        cc: &s.cc,
        shop: s.shop.as_deref(),
        channel: &s.channel,
        tags: &s.tags,
        fields: &s.fields,
        created_at: rfc(s.created_at),
        updated_at: rfc(s.updated_at),
        snoozed_until: s.snoozed_until.map(rfc),
        messages: s.messages,
        sla_policy: sla.policy,
        sla_next: sla.next.map(|(t, _)| t),
        sla_due: sla.next.map(|(_, d)| rfc(d)),
        sla_breached: sla.breached.iter().map(|(t, _)| *t).collect(),
    }
}

/// The SLA cell: `first_reply in 2h10m`, `resolution 3h ago ✗` (the longest overdue of
/// the breached targets), `paused`, `-`; red when breached, yellow once warned.
fn sla_cell(g: &SlaGlance, now: i64) -> Styled<'static> {
    let ago = |due: i64| Duration::from_secs(now - due).rounded();
    match (g.breached.first(), g.next) {
        (Some((target, due)), _) => {
            Styled::painted(format!("{target} {} ago ✗", ago(*due)), Some("31"))
        }
        (None, Some((target, due))) => Styled::painted(
            format!("{target} in {}", Duration::from_secs(due - now).rounded()),
            g.warned.then_some("33"),
        ),
        (None, None) if g.paused => Styled::plain("paused"),
        (None, None) => Styled::plain("-"),
    }
}

/// Prints tickets as `desk list` does, in any format: `desk customer show` lists a
/// customer's tickets with it.
pub fn print_tickets(ctx: &Ctx, hd: &Helpdesk, rows: &[Summary], format: Format) -> Result<()> {
    print_batch(ctx, hd, rows, format, true)
}

/// Prints one batch of a listing; `first` says whether it is the first (CSV's header
/// row comes once).
fn print_batch(
    ctx: &Ctx,
    hd: &Helpdesk,
    rows: &[Summary],
    format: Format,
    first: bool,
) -> Result<()> {
    let settings = &hd.settings;
    let now = hd.now.timestamp();
    match format {
        Format::Ids => {
            let mut out = String::with_capacity(rows.len() * 16);
            for s in rows {
                out.push_str(&s.id);
                out.push('\n');
            }
            print(&out)?;
        }
        Format::Json => {
            let all: Vec<Row> = rows.iter().map(|s| row(s, settings, now)).collect();
            print(&json(&all)?)?;
        }
        Format::Jsonl => {
            let all: Vec<Row> = rows.iter().map(|s| row(s, settings, now)).collect();
            print(&jsonl(&all)?)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let csv_err = |e: csv::Error| Error::invalid(e.to_string());
            if first {
                w.write_record(
                    crate::model::ticket::SUMMARY_FIELDS
                        .iter()
                        .chain(CSV_EXTRA.iter()),
                )
                .map_err(csv_err)?;
            }
            for s in rows {
                let r = row(s, settings, now);
                w.write_record([
                    r.id,
                    r.subject,
                    r.kind,
                    r.status,
                    r.status_category,
                    r.priority.as_str(),
                    r.department.unwrap_or(""),
                    r.assignee.unwrap_or(""),
                    r.requester.unwrap_or(""),
                    r.shop.unwrap_or(""),
                    r.channel,
                    &r.tags.join(" "),
                    &r.created_at,
                    &r.updated_at,
                    r.snoozed_until.as_deref().unwrap_or(""),
                    &r.messages.to_string(),
                    r.sla_policy.unwrap_or(""),
                    r.sla_next.unwrap_or(""),
                    r.sla_due.as_deref().unwrap_or(""),
                    &r.sla_breached.join(" "),
                ])
                .map_err(csv_err)?;
            }
            let bytes = w.into_inner().map_err(|e| Error::invalid(e.to_string()))?;
            print(&String::from_utf8_lossy(&bytes))?;
        }
        Format::Table => {
            if rows.is_empty() {
                ctx.out.status("no tickets");
            } else {
                for piece in ticket_table(ctx, hd, rows)? {
                    print(&piece)?;
                }
                ctx.out.status(plural(rows.len(), "ticket"));
            }
        }
    }
    Ok(())
}

/// `2026-11-24 10:00` in the helpdesk's time zone, written without a format string.
fn minute(secs: i64, tz: chrono_tz::Tz) -> String {
    use chrono::{Datelike, Timelike};
    let t = DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .with_timezone(&tz);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The table for people, in pieces to print in order. With colour, each ID's shortest unique prefix (among every
/// ticket, done ones too) is highlighted, as jj does; without, IDs are printed whole
/// and plain, to copy.
pub fn ticket_table(ctx: &Ctx, hd: &Helpdesk, rows: &[Summary]) -> Result<Vec<String>> {
    let settings = &hd.settings;
    let now = hd.now.timestamp();
    let tz = settings.helpdesk.timezone;
    let all_ids = if ctx.out.color {
        hd.ticket_ids()?
    } else {
        Vec::new()
    };
    // Rows are made as the table needs them, on every core, and not kept: a listing of
    // ninety thousand tickets spends most of its time and a third of its memory here
    // otherwise. Cells borrow the summaries' text.
    let cells = |i: usize| -> [Styled<'_>; 8] {
        let s = &rows[i];
        let id = if ctx.out.color {
            Styled {
                text: s.id.as_str().into(),
                style: Some("90"),
                lead: Some((id::unique_prefix_len(&all_ids, &s.id, 4), "1;35")),
            }
        } else {
            Styled::plain(s.id.as_str())
        };
        let priority = match s.priority {
            Priority::Urgent => Some("1;31"),
            Priority::High => Some("33"),
            _ => None,
        };
        let done = settings.category(&s.kind, &s.status).is_done();
        [
            id,
            Styled::plain(s.status.as_str()),
            Styled::painted(s.priority.as_str(), priority),
            Styled::plain(s.department.as_deref().unwrap_or("-")),
            Styled::plain(s.assignee.as_deref().unwrap_or("-")),
            Styled::plain(minute(s.updated_at, tz)),
            sla_cell(&SlaGlance::of(s, now, done), now),
            Styled::plain(s.subject.as_str()),
        ]
    };
    let columns = [
        Column::keep("ID"),
        Column::cut("STATUS", 6),
        Column::keep("PRIORITY"),
        Column::cut("DEPARTMENT", 8).droppable(1),
        Column::cut("ASSIGNEE", 6),
        Column::keep("UPDATED").droppable(2),
        Column::keep("SLA"),
        Column::cut("SUBJECT", 10),
    ];
    Ok(ctx.out.fit_rows(&columns, rows.len(), cells))
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let args_view = args.view.clone();
    let query = Query {
        filters: args.filters,
        view: args.view,
        sort: args.sort,
        limit: args.limit,
        all: args.all,
        requester: None,
        rescan: args.rescan,
    };
    // A view about "my" tickets, with nobody acting, matches nothing: say why.
    if let Some(v) = args_view.as_deref()
        && hd.agent_id().is_none()
        && hd
            .views
            .iter()
            .any(|w| w.id == v && w.condition.mentions(crate::rules::condition::ME))
    {
        ctx.out.warn(format!(
            "the view `{v}` is about the acting agent (@me), and none is set: use --as AGENT or DESK_AGENT"
        ));
    }
    // Formats without a table's widths print each batch as it is read: `list --all` of
    // a million tickets holds one batch of them, not all.
    let problems = if Helpdesk::streams(&query)
        && matches!(args.format, Format::Ids | Format::Jsonl | Format::Csv)
    {
        let mut first = true;
        let problems = hd.list_each(&query, &mut |batch| {
            let header = std::mem::take(&mut first);
            if batch.is_empty() && !header {
                return Ok(());
            }
            print_batch(ctx, &hd, batch, args.format, header)
        })?;
        if first {
            // Nothing was read at all: CSV still has its header.
            print_batch(ctx, &hd, &[], args.format, true)?;
        }
        for p in &problems {
            crate::error::print_error(p);
        }
        problems.len()
    } else {
        let listing = hd.list(&query)?;
        for p in &listing.problems {
            crate::error::print_error(p);
        }
        print_tickets(ctx, &hd, &listing.tickets, args.format)?;
        let problems = listing.problems.len();
        // The command ends here: ninety thousand summaries freed one by one would be a
        // tenth of a large listing's time for nothing.
        std::mem::forget(listing);
        problems
    };
    if problems > 0 {
        return Err(Error::Partial(format!(
            "{} could not be read or {} wrong (listed above)",
            plural(problems, "ticket file"),
            if problems == 1 { "is" } else { "are" }
        )));
    }
    Ok(())
}
