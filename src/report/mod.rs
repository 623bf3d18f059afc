//! Reports: workload and performance per department, agent, shop or type, and SLA
//! results per policy, for any period. Every figure comes from the tickets' histories
//! (kept in the listing cache as each ticket's [`Trail`]), so a report on last March
//! is right today; deleted tickets are gone from reports.

pub mod chart;
pub mod period;
pub mod rule_stats;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::Settings;
use crate::rules::RuleSet;
use crate::store::cache::{SlaFacts, Summary, Trail};
use crate::time::calendar::Calendar;

/// What the groups are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum By {
    Department,
    Agent,
    Shop,
    Type,
}

impl By {
    pub fn name(self) -> &'static str {
        match self {
            By::Department => "department",
            By::Agent => "agent",
            By::Shop => "shop",
            By::Type => "type",
        }
    }
}

/// A set of durations: how many, median and 90th percentile (nearest rank), in wall
/// clock seconds and in business seconds of the ticket's SLA calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Times {
    pub count: usize,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    pub median_business_seconds: Option<i64>,
    pub p90_business_seconds: Option<i64>,
}

impl Times {
    fn of(mut wall: Vec<i64>, mut business: Vec<i64>) -> Times {
        wall.sort_unstable();
        business.sort_unstable();
        Times {
            count: wall.len(),
            median_seconds: rank(&wall, 50),
            p90_seconds: rank(&wall, 90),
            median_business_seconds: rank(&business, 50),
            p90_business_seconds: rank(&business, 90),
        }
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least p %
/// of the values at or below it.
fn rank(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let i = (p * sorted.len()).div_ceil(100).max(1) - 1;
    sorted.get(i.min(sorted.len() - 1)).copied()
}

/// One group's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Group {
    pub group: String,
    /// Not solved or closed, now.
    pub open_now: usize,
    pub created: usize,
    /// Tickets that went to solved or closed in the period, each counted once.
    pub solved_tickets: usize,
    /// Moves into solved or closed in the period: a ticket solved, reopened and solved
    /// again is one ticket and two moves.
    pub solved_moves: usize,
    /// Tickets opened again after being solved or closed, in the period, each once.
    pub reopened_tickets: usize,
    /// Moves out of solved or closed in the period.
    pub reopened_moves: usize,
    /// The same as `solved_moves`: the key reports had before tickets were counted too,
    /// kept for scripts that read it.
    pub solved: usize,
    /// The same as `reopened_moves`, kept for scripts that read it.
    pub reopened: usize,
    /// In status `pending`, now.
    pub waiting_on_customer: usize,
    /// Open with nobody assigned, now.
    pub unassigned: usize,
    pub oldest_open_seconds: Option<i64>,
    /// From opening to the first agent reply, for first replies in the period.
    pub first_reply: Times,
    /// From opening to solved, for tickets solved in the period: one time per ticket,
    /// to its last solve in the period.
    pub resolution: Times,
    /// SLA targets met in the period (before their due time).
    pub sla_met: usize,
    /// SLA targets breached in the period, whether or not `desk tick` recorded it yet.
    pub sla_breached: usize,
    /// Of `sla_breached`: targets due in the period and before now, not met, with no
    /// breach recorded (no `desk tick` has run since they passed).
    pub sla_breached_unrecorded: usize,
    /// Open targets, now, within their policy's warning time of being due (or warned).
    pub sla_at_risk: usize,
    /// Department changes into and out of the group in the period (by department; by
    /// other groupings, the group's tickets that changed department count as out).
    pub transfers_in: usize,
    pub transfers_out: usize,
}

/// Tickets created and solved on one day, in the helpdesk's time zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCount {
    pub date: NaiveDate,
    pub created: usize,
    pub solved: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub by: By,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub timezone: String,
    pub groups: Vec<Group>,
    pub total: Group,
    pub daily: Vec<DayCount>,
}

/// The group a ticket belongs to; tickets without one are `(none)`.
fn key(s: &Summary, by: By) -> String {
    let v = match by {
        By::Department => s.department.as_deref(),
        By::Agent => s.assignee.as_deref(),
        By::Shop => s.shop.as_deref(),
        By::Type => Some(s.kind.as_str()),
    };
    v.unwrap_or("(none)").to_string()
}

/// What the report needs besides the tickets.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub rules: &'a RuleSet,
    pub now: DateTime<Utc>,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Context<'_> {
    fn within(&self, t: i64) -> bool {
        t >= self.since.timestamp() && t < self.until.timestamp()
    }

    fn done(&self, kind: &str, status: &str) -> bool {
        self.settings.category(kind, status).is_done()
    }

    /// The ticket's SLA calendar, for business time; none means every hour counts.
    fn calendar(&self, trail: &Trail) -> Option<&Calendar> {
        let policy = trail.sla_policy.as_deref()?;
        let name = self
            .rules
            .slas
            .iter()
            .find(|p| p.name == policy)?
            .calendar
            .as_deref()?;
        self.settings.calendars.get(name)
    }

    fn business(&self, trail: &Trail, from: i64, to: i64) -> i64 {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap_or_default();
        match self.calendar(trail) {
            Some(c) => c.between(t(from), t(to)),
            None => (to - from).max(0),
        }
    }

    /// What one SLA target counts as in the period: met in it, breached in it (recorded
    /// by `tick`, or due in it and before now, unmet and not recorded yet), or at risk
    /// now (open, not yet due, within its policy's warning time or warned).
    fn sla_state(&self, t: &SlaFacts, open: bool, warn: i64) -> Option<SlaState> {
        let now = self.now.timestamp();
        match (t.met, t.breached, t.due) {
            (Some(m), None, _) if self.within(m) => Some(SlaState::Met),
            (_, Some(b), _) if self.within(b) => Some(SlaState::Breached { recorded: true }),
            (None, None, Some(due)) if due <= now && self.within(due) => {
                Some(SlaState::Breached { recorded: false })
            }
            (None, None, Some(due))
                if open && due > now && (t.warned.is_some() || due - now <= warn) =>
            {
                Some(SlaState::AtRisk)
            }
            _ => None,
        }
    }

    fn warn_before(&self, trail: &Trail) -> i64 {
        trail
            .sla_policy
            .as_deref()
            .and_then(|p| self.rules.slas.iter().find(|x| x.name == p))
            .and_then(|p| p.warn_before.as_ref())
            .map_or(0, |d| d.seconds)
    }
}

/// An SLA target as the period sees it (see [`Context::sla_state`]).
enum SlaState {
    Met,
    Breached { recorded: bool },
    AtRisk,
}

/// Durations collected per group before they become [`Times`].
#[derive(Default)]
struct Acc {
    g: Group,
    first_wall: Vec<i64>,
    first_business: Vec<i64>,
    res_wall: Vec<i64>,
    res_business: Vec<i64>,
}

impl Acc {
    fn finish(mut self) -> Group {
        self.g.first_reply = Times::of(self.first_wall, self.first_business);
        self.g.resolution = Times::of(self.res_wall, self.res_business);
        self.g
    }
}

/// Counts one ticket into `a` (its own group, or the total).
fn count(a: &mut Acc, s: &Summary, cx: &Context<'_>) {
    let now = cx.now.timestamp();
    let open = !cx.done(&s.kind, &s.status);
    let tr = &s.trail;
    if open {
        a.g.open_now += 1;
        let age = now - s.created_at;
        a.g.oldest_open_seconds = Some(a.g.oldest_open_seconds.map_or(age, |o| o.max(age)));
        if s.status == "pending" {
            a.g.waiting_on_customer += 1;
        }
        if s.assignee.is_none() {
            a.g.unassigned += 1;
        }
    }
    if cx.within(s.created_at) {
        a.g.created += 1;
    }
    let (mut solved, mut reopened, mut last_solve) = (0, 0, None);
    for (at, from, to) in &tr.statuses {
        if !cx.within(*at) {
            continue;
        }
        let (was, is) = (cx.done(&s.kind, from), cx.done(&s.kind, to));
        if is && !was {
            solved += 1;
            last_solve = Some(*at);
        } else if was && !is {
            reopened += 1;
        }
    }
    a.g.solved_moves += solved;
    a.g.solved_tickets += usize::from(solved > 0);
    a.g.reopened_moves += reopened;
    a.g.reopened_tickets += usize::from(reopened > 0);
    a.g.solved = a.g.solved_moves;
    a.g.reopened = a.g.reopened_moves;
    if let Some(at) = last_solve {
        a.res_wall.push(at - s.created_at);
        a.res_business.push(cx.business(tr, s.created_at, at));
    }
    if let Some(first) = tr.first_reply
        && cx.within(first)
    {
        a.first_wall.push(first - s.created_at);
        a.first_business.push(cx.business(tr, s.created_at, first));
    }
    let warn = cx.warn_before(tr);
    for t in &tr.sla {
        match cx.sla_state(t, open, warn) {
            Some(SlaState::Met) => a.g.sla_met += 1,
            Some(SlaState::Breached { recorded }) => {
                a.g.sla_breached += 1;
                a.g.sla_breached_unrecorded += usize::from(!recorded);
            }
            Some(SlaState::AtRisk) => a.g.sla_at_risk += 1,
            None => {}
        }
    }
}

/// The report over `tickets` (summaries from the listing cache).
pub fn build(
    tickets: impl IntoIterator<Item = impl std::borrow::Borrow<Summary>>,
    by: By,
    cx: &Context<'_>,
) -> Report {
    let tz = cx.settings.helpdesk.timezone;
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    let day = |t: i64| {
        DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .with_timezone(&tz)
            .date_naive()
    };
    let first_day = cx.since.with_timezone(&tz).date_naive();
    // The last instant in the period is just before `until`.
    let last_day = day(cx.until.timestamp() - 1);
    let mut daily: BTreeMap<NaiveDate, (usize, usize)> = BTreeMap::new();
    let mut d = first_day;
    while d <= last_day && daily.len() < 3700 {
        daily.insert(d, (0, 0));
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    for s in tickets {
        let s = s.borrow();
        let k = key(s, by);
        count(groups.entry(k.clone()).or_default(), s, cx);
        count(&mut total, s, cx);
        if cx.within(s.created_at)
            && let Some(e) = daily.get_mut(&day(s.created_at))
        {
            e.0 += 1;
        }
        for (at, from, to) in &s.trail.statuses {
            if cx.within(*at)
                && cx.done(&s.kind, to)
                && !cx.done(&s.kind, from)
                && let Some(e) = daily.get_mut(&day(*at))
            {
                e.1 += 1;
            }
        }
        for (at, from, to) in &s.trail.transfers {
            if !cx.within(*at) {
                continue;
            }
            total.g.transfers_out += 1;
            total.g.transfers_in += 1;
            if by == By::Department {
                let name = |d: &Option<String>| d.clone().unwrap_or_else(|| "(none)".into());
                groups.entry(name(from)).or_default().g.transfers_out += 1;
                groups.entry(name(to)).or_default().g.transfers_in += 1;
            } else {
                groups.entry(k.clone()).or_default().g.transfers_out += 1;
            }
        }
    }
    let groups = groups
        .into_iter()
        .map(|(name, a)| {
            let mut g = a.finish();
            g.group = name;
            g
        })
        .collect();
    let mut total = total.finish();
    total.group = "all".into();
    Report {
        by,
        since: cx.since,
        until: cx.until,
        now: cx.now,
        timezone: tz.name().to_string(),
        groups,
        total,
        daily: daily
            .into_iter()
            .map(|(date, (created, solved))| DayCount {
                date,
                created,
                solved,
            })
            .collect(),
    }
}

/// One SLA target of one policy over the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlaRow {
    pub policy: String,
    pub target: String,
    pub met: usize,
    pub breached: usize,
    /// Of `breached`: due in the period and before now, not met, no breach recorded by
    /// `desk tick` yet.
    pub breached_unrecorded: usize,
    /// Met as a share of met and breached, in percent with one decimal.
    pub met_percent: Option<f64>,
    pub at_risk_now: usize,
    /// The tickets that missed it by the most, worst first (at most 5).
    pub worst: Vec<Worst>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Worst {
    pub ticket: String,
    /// How late: from due to met, or to now while still unmet.
    pub late_seconds: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlaReport {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub rows: Vec<SlaRow>,
}

/// `desk report sla`: per policy and target, breaches and met share in the period.
pub fn sla(
    tickets: impl IntoIterator<Item = impl std::borrow::Borrow<Summary>>,
    cx: &Context<'_>,
) -> SlaReport {
    let now = cx.now.timestamp();
    let mut rows: BTreeMap<(String, String), SlaRow> = BTreeMap::new();
    for s in tickets {
        let s = s.borrow();
        let Some(policy) = &s.trail.sla_policy else {
            continue;
        };
        let open = !cx.done(&s.kind, &s.status);
        let warn = cx.warn_before(&s.trail);
        for t in &s.trail.sla {
            let row = rows
                .entry((policy.clone(), t.target.clone()))
                .or_insert_with(|| SlaRow {
                    policy: policy.clone(),
                    target: t.target.clone(),
                    ..SlaRow::default()
                });
            match cx.sla_state(t, open, warn) {
                Some(SlaState::Met) => row.met += 1,
                Some(SlaState::Breached { recorded }) => {
                    row.breached += 1;
                    row.breached_unrecorded += usize::from(!recorded);
                    let end = t.met.unwrap_or(now);
                    row.worst.push(Worst {
                        ticket: s.id.clone(),
                        late_seconds: end - t.due.or(t.breached).unwrap_or(now),
                    });
                }
                Some(SlaState::AtRisk) => row.at_risk_now += 1,
                None => {}
            }
        }
    }
    let rows = rows
        .into_values()
        .map(|mut r| {
            r.worst.sort_by(|a, b| {
                b.late_seconds
                    .cmp(&a.late_seconds)
                    .then(a.ticket.cmp(&b.ticket))
            });
            r.worst.truncate(5);
            let decided = r.met + r.breached;
            r.met_percent =
                (decided > 0).then(|| (r.met as f64 * 1000.0 / decided as f64).round() / 10.0);
            r
        })
        .collect();
    SlaReport {
        since: cx.since,
        until: cx.until,
        now: cx.now,
        rows,
    }
}
