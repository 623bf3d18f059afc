//! `desk report`: workload and performance per group, and `desk report sla`.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};

use crate::cli::Ctx;
use crate::error::Result;
use crate::helpdesk::Helpdesk;
use crate::output::{self, print};
use crate::report::{self, By, Group, Times, chart};
use chrono_tz::Tz;

/// Workload and performance by department, agent, shop or type, for any period
///
/// Figures for the period come from the tickets' histories, so a report on a past
/// period is right today; "open", "waiting", "unassigned", "oldest" and "at risk" are
/// as of now. Durations are medians and 90th percentiles (nearest rank), in business
/// hours of the ticket's SLA calendar and in wall-clock time.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: Option<ReportCommand>,

    /// What to group by
    #[arg(long, value_enum, default_value_t = ByArg::Department)]
    pub by: ByArg,

    #[command(flatten)]
    pub period: Period,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Also write the charts as a standalone SVG file
    #[arg(long, value_name = "FILE")]
    pub svg: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// SLA results per policy and target: met %, breaches, the worst tickets
    Sla(SlaArgs),
}

#[derive(Debug, Args)]
pub struct SlaArgs {
    #[command(flatten)]
    pub period: Period,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct Period {
    /// Start: a duration back from --until or now (`30d`, `12w`), a date or a time [default: 30d]
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// End, not included, to the second: a date or a time [default: now, this second included]
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Tables and charts for people
    Table,
    /// One JSON document with every figure
    Json,
    /// One row per group (or per SLA target), every figure a column
    Csv,
}

/// What the groups are (see [`By`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    /// One group per department
    Department,
    /// One group per assignee
    Agent,
    /// One group per shop
    Shop,
    /// One group per ticket type
    Type,
}

impl From<ByArg> for By {
    fn from(b: ByArg) -> By {
        match b {
            ByArg::Department => By::Department,
            ByArg::Agent => By::Agent,
            ByArg::Shop => By::Shop,
            ByArg::Type => By::Type,
        }
    }
}

pub fn run(ctx: &Ctx, args: ReportArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    match args.command {
        Some(ReportCommand::Sla(a)) => sla(ctx, &hd, a),
        None => groups(ctx, &hd, args),
    }
}

/// `42m`, `3h5m`, `2d4h`; `-` for nothing.
fn span(secs: Option<i64>) -> String {
    secs.map_or_else(|| "-".into(), |s| crate::time::duration::rounded(s.max(0)))
}

/// Median / 90th percentile in business time, `-` when nothing was measured.
fn times(t: &Times) -> String {
    if t.count == 0 {
        return "-".into();
    }
    format!(
        "{} / {}",
        span(t.median_business_seconds),
        span(t.p90_business_seconds)
    )
}

/// Tickets, with the moves in brackets: `12 (14)`.
fn tickets_moves(tickets: usize, moves: usize) -> String {
    format!("{tickets} ({moves})")
}

const HEADERS: [&str; 12] = [
    "GROUP",
    "OPEN",
    "CREATED",
    "SOLVED tickets (moves)",
    "REOPENED tickets (moves)",
    "WAITING",
    "UNASSIGNED",
    "OLDEST",
    "1ST REPLY (med / p90)",
    "RESOLUTION (med / p90)",
    "SLA met/breached/risk",
    "TRANSFERS in/out",
];

fn row(g: &Group) -> Vec<String> {
    vec![
        g.group.clone(),
        g.open_now.to_string(),
        g.created.to_string(),
        tickets_moves(g.solved_tickets, g.solved_moves),
        tickets_moves(g.reopened_tickets, g.reopened_moves),
        g.waiting_on_customer.to_string(),
        g.unassigned.to_string(),
        span(g.oldest_open_seconds),
        times(&g.first_reply),
        times(&g.resolution),
        format!("{}/{}/{}", g.sla_met, g.sla_breached, g.sla_at_risk),
        format!("{}/{}", g.transfers_in, g.transfers_out),
    ]
}

/// The columns of a set of durations: its count and every figure [`Times`] computes,
/// so no percentile is left out of the CSV.
const TIMES_COLUMNS: [&str; 5] = [
    "count",
    "median_seconds",
    "p90_seconds",
    "median_business_seconds",
    "p90_business_seconds",
];

fn times_cells(t: &Times) -> [String; 5] {
    let o = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        t.count.to_string(),
        o(t.median_seconds),
        o(t.p90_seconds),
        o(t.median_business_seconds),
        o(t.p90_business_seconds),
    ]
}

fn csv_headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "group",
        "open_now",
        "created",
        "solved_tickets",
        "solved_moves",
        "reopened_tickets",
        "reopened_moves",
        "waiting_on_customer",
        "unassigned",
        "oldest_open_seconds",
    ]
    .map(String::from)
    .to_vec();
    for what in ["first_reply", "resolution"] {
        h.extend(TIMES_COLUMNS.iter().map(|c| format!("{what}_{c}")));
    }
    h.extend(
        [
            "sla_met",
            "sla_breached",
            "sla_breached_unrecorded",
            "sla_at_risk",
            "transfers_in",
            "transfers_out",
        ]
        .map(String::from),
    );
    h
}

fn csv_row(g: &Group) -> Vec<String> {
    let mut r = vec![
        g.group.clone(),
        g.open_now.to_string(),
        g.created.to_string(),
        g.solved_tickets.to_string(),
        g.solved_moves.to_string(),
        g.reopened_tickets.to_string(),
        g.reopened_moves.to_string(),
        g.waiting_on_customer.to_string(),
        g.unassigned.to_string(),
        g.oldest_open_seconds
            .map(|v| v.to_string())
            .unwrap_or_default(),
    ];
    r.extend(times_cells(&g.first_reply));
    r.extend(times_cells(&g.resolution));
    r.extend([
        g.sla_met.to_string(),
        g.sla_breached.to_string(),
        g.sla_breached_unrecorded.to_string(),
        g.sla_at_risk.to_string(),
        g.transfers_in.to_string(),
        g.transfers_out.to_string(),
    ]);
    r
}

/// A report's period for people: both ends to the second, in the helpdesk's time zone;
/// the end shown is the last second the period includes.
pub(crate) fn period_text(since: DateTime<Utc>, until: DateTime<Utc>, tz: Tz) -> String {
    let last = until - chrono::Duration::seconds(1);
    format!("{} to {}", local_time(since, tz), local_time(last, tz))
}

pub(crate) fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The line under a table when breaches passed that no `desk tick` recorded yet.
fn unrecorded(breached: usize, unrecorded: usize) -> String {
    if unrecorded == 0 {
        return String::new();
    }
    format!(
        "SLA: {breached} breached, {unrecorded} of them not yet recorded by tick (their due time passed and no `desk tick` has run since: is cron running it?)\n"
    )
}

fn groups(ctx: &Ctx, hd: &Helpdesk, args: ReportArgs) -> Result<()> {
    let by = By::from(args.by);
    let (r, problems) = hd.report(
        by,
        args.period.since.as_deref(),
        args.period.until.as_deref(),
    )?;
    for p in &problems {
        ctx.out.warn(format!("{p} (skipped)"));
    }
    let (since, until) = (r.since, r.until);
    if let Some(path) = &args.svg {
        let text = charts_svg(&r, by);
        crate::store::atomic::replace(std::path::Path::new(path), text.as_bytes())?;
    }
    match args.format {
        ReportFormat::Json => print(&output::json(&r)?),
        ReportFormat::Csv => {
            let mut rows: Vec<Vec<String>> = r.groups.iter().map(csv_row).collect();
            rows.push(csv_row(&r.total));
            let headers = csv_headers();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            print(&output::csv(&headers, &rows)?)
        }
        ReportFormat::Table => {
            let tz = hd.settings.helpdesk.timezone;
            let mut s = String::new();
            let _ = writeln!(
                s,
                "By {}, {} ({}); open, waiting, unassigned, oldest and at risk as of {}",
                by.name(),
                period_text(since, until, tz),
                r.timezone,
                local_time(r.now, tz)
            );
            let mut rows: Vec<Vec<String>> = r.groups.iter().map(row).collect();
            rows.push(row(&r.total));
            s.push_str(&ctx.out.render_table(&HEADERS, &rows));
            s.push_str(&unrecorded(
                r.total.sla_breached,
                r.total.sla_breached_unrecorded,
            ));
            s.push_str(&charts_text(&r, by));
            print(&s)
        }
    }
}

fn chart_days(r: &report::Report) -> Vec<chart::Day> {
    r.daily
        .iter()
        .map(|d| chart::Day {
            date: d.date,
            created: d.created,
            solved: d.solved,
        })
        .collect()
}

fn chart_bars(r: &report::Report) -> Vec<chart::Bar> {
    r.groups
        .iter()
        .map(|g| chart::Bar {
            label: g.group.clone(),
            value: g.open_now,
        })
        .collect()
}

/// The width charts may use: `COLUMNS` when the shell exports it, else 80.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 20)
        .unwrap_or(80)
}

fn charts_text(r: &report::Report, by: By) -> String {
    let g = chart::Glyphs::from_env();
    let w = width();
    format!(
        "\nCreated and solved per day\n{}\nOpen now by {}\n{}",
        chart::daily(&chart_days(r), g, w, 2),
        by.name(),
        chart::bars(&chart_bars(r), g, w)
    )
}

fn charts_svg(r: &report::Report, by: By) -> String {
    let tz = r.timezone.clone();
    let title = format!(
        "Created and solved per day, {} to {} ({tz})",
        r.since.format("%Y-%m-%d"),
        (r.until - chrono::Duration::seconds(1)).format("%Y-%m-%d")
    );
    chart::svg(
        &title,
        &chart_days(r),
        &format!("Open now by {}", by.name()),
        &chart_bars(r),
    )
}

fn sla(ctx: &Ctx, hd: &Helpdesk, args: SlaArgs) -> Result<()> {
    let (r, problems) =
        hd.sla_report(args.period.since.as_deref(), args.period.until.as_deref())?;
    for p in &problems {
        ctx.out.warn(format!("{p} (skipped)"));
    }
    let (since, until) = (r.since, r.until);
    let worst = |w: &[report::Worst]| {
        w.iter()
            .map(|w| format!("{} ({} late)", w.ticket, span(Some(w.late_seconds))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                x.policy.clone(),
                x.target.clone(),
                x.met.to_string(),
                match x.breached_unrecorded {
                    0 => x.breached.to_string(),
                    n => format!("{} ({n} not recorded)", x.breached),
                },
                x.met_percent.map_or("-".into(), |p| format!("{p:.1}")),
                x.at_risk_now.to_string(),
                worst(&x.worst),
            ]
        })
        .collect();
    match args.format {
        ReportFormat::Json => print(&output::json(&r)?),
        ReportFormat::Csv => {
            let rows: Vec<Vec<String>> = r
                .rows
                .iter()
                .map(|x| {
                    vec![
                        x.policy.clone(),
                        x.target.clone(),
                        x.met.to_string(),
                        x.breached.to_string(),
                        x.breached_unrecorded.to_string(),
                        x.met_percent.map(|p| format!("{p:.1}")).unwrap_or_default(),
                        x.at_risk_now.to_string(),
                        worst(&x.worst),
                    ]
                })
                .collect();
            print(&output::csv(
                &[
                    "policy",
                    "target",
                    "met",
                    "breached",
                    "breached_unrecorded",
                    "met_percent",
                    "at_risk_now",
                    "worst",
                ],
                &rows,
            )?)
        }
        ReportFormat::Table => {
            let tz = hd.settings.helpdesk.timezone;
            let mut s = format!(
                "SLA targets decided from {}; at risk as of {}\n",
                period_text(since, until, tz),
                local_time(r.now, tz)
            );
            if rows.is_empty() {
                s.push_str("no SLA targets in the period\n");
            } else {
                s.push_str(&ctx.out.render_table(
                    &[
                        "POLICY", "TARGET", "MET", "BREACHED", "MET %", "AT RISK", "WORST",
                    ],
                    &rows,
                ));
                let (b, u) = r.rows.iter().fold((0, 0), |(b, u), x| {
                    (b + x.breached, u + x.breached_unrecorded)
                });
                s.push_str(&unrecorded(b, u));
            }
            print(&s)
        }
    }
}
