//! `desk list`: tickets matching filters or a view, as a table or for programs.

use chrono::DateTime;
use clap::Args;
use serde::Serialize;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::model::Priority;
use crate::output::{Format, plural, print};
use crate::query::Query;
use crate::store::Summary;

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
    /// assignee, requester, shop, type, channel, sla: nearest SLA due time first); prefix `-`
    /// for descending [default: id]
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort: Option<String>,

    /// Print at most N tickets
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Include solved and closed tickets
    #[arg(long, short = 'a')]
    pub all: bool,
}

/// One row of `--format json|jsonl`: the ticket without messages and history.
#[derive(Serialize)]
struct Row<'a> {
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
    fields: &'a std::collections::BTreeMap<String, String>,
    created_at: String,
    updated_at: String,
    snoozed_until: Option<String>,
    messages: u32,
}

fn rfc(secs: i64) -> String {
    crate::time::format_utc(DateTime::from_timestamp(secs, 0).unwrap_or_default())
}

/// The row of a summary, with its status category from desk.toml.
fn row<'a>(s: &'a Summary, settings: &'a crate::model::Settings) -> Row<'a> {
    Row {
        id: &s.id,
        subject: &s.subject,
        kind: &s.kind,
        status: &s.status,
        status_category: settings.category(&s.kind, &s.status).as_str(),
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
    }
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let settings = &hd.settings;
    let args_view = args.view.clone();
    let listing = hd.list(&Query {
        filters: args.filters,
        view: args.view,
        sort: args.sort,
        limit: args.limit,
        all: args.all,
    })?;
    for p in &listing.problems {
        crate::error::print_error(p);
    }
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
    let rows: Vec<&Summary> = listing.tickets.iter().collect();
    match args.format {
        Format::Ids => {
            let mut out = String::with_capacity(rows.len() * 16);
            for s in &rows {
                out.push_str(&s.id);
                out.push('\n');
            }
            print(&out)?;
        }
        Format::Json => {
            let all: Vec<Row> = rows.iter().map(|s| row(s, settings)).collect();
            let mut text =
                serde_json::to_string_pretty(&all).map_err(|e| Error::invalid(e.to_string()))?;
            text.push('\n');
            print(&text)?;
        }
        Format::Jsonl => {
            let mut out = String::new();
            for s in &rows {
                out.push_str(
                    &serde_json::to_string(&row(s, settings))
                        .map_err(|e| Error::invalid(e.to_string()))?,
                );
                out.push('\n');
            }
            print(&out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let header = crate::model::ticket::SUMMARY_FIELDS;
            let csv_err = |e: csv::Error| Error::invalid(e.to_string());
            w.write_record(header).map_err(csv_err)?;
            for s in &rows {
                let r = row(s, settings);
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
                let tz = settings.helpdesk.timezone;
                let cells: Vec<Vec<String>> = rows
                    .iter()
                    .map(|s| {
                        let updated = DateTime::from_timestamp(s.updated_at, 0)
                            .unwrap_or_default()
                            .with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M")
                            .to_string();
                        vec![
                            s.id.clone(),
                            s.status.clone(),
                            s.priority.to_string(),
                            s.department.clone().unwrap_or_else(|| "-".into()),
                            s.assignee.clone().unwrap_or_else(|| "-".into()),
                            updated,
                            s.subject.clone(),
                        ]
                    })
                    .collect();
                let headers = [
                    "ID",
                    "STATUS",
                    "PRIORITY",
                    "DEPARTMENT",
                    "ASSIGNEE",
                    "UPDATED",
                    "SUBJECT",
                ];
                print(&ctx.out.render_table(&headers, &cells))?;
                ctx.out.status(plural(rows.len(), "ticket"));
            }
        }
    }
    if !listing.problems.is_empty() {
        return Err(Error::Partial(format!(
            "{} could not be read or {} wrong (listed above)",
            plural(listing.problems.len(), "ticket file"),
            if listing.problems.len() == 1 {
                "is"
            } else {
                "are"
            }
        )));
    }
    Ok(())
}
