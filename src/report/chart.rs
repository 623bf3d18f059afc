//! Charts for `desk report`: workload per day and open tickets per group, as text for a
//! terminal (Unicode blocks or plain ASCII) and as a standalone SVG for a browser or a mail.
//!
//! Everything here is pure: values in, a `String` out, no I/O and no panics. Output is
//! deterministic, ends with a newline and has no trailing spaces, so it can be compared
//! in tests and pasted into tickets.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, Weekday};

/// Which characters the text charts may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyphs {
    /// Block elements (▁ to █, ▏ to ▉) and box drawing (─┬): smooth, needs a UTF-8 terminal.
    Unicode,
    /// Plain ASCII (`.:-=+*#`), for a C locale, old consoles and 7-bit mail.
    Ascii,
}

impl Glyphs {
    /// Unicode when the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG: the first
    /// that is set and non-empty decides; it contains "UTF-8" or "utf8",
    /// case-insensitive), else ASCII.
    pub fn from_env() -> Glyphs {
        // var_os: a set but non-UTF-8 value still counts as set (and is not UTF-8).
        let get = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        let (all, ctype, lang) = (get("LC_ALL"), get("LC_CTYPE"), get("LANG"));
        Glyphs::from_locale(all.as_deref(), ctype.as_deref(), lang.as_deref())
    }

    /// Same decision from given values, for tests: from_locale(lc_all, lc_ctype, lang).
    pub fn from_locale(lc_all: Option<&str>, lc_ctype: Option<&str>, lang: Option<&str>) -> Glyphs {
        // The POSIX precedence: an empty variable is as good as unset.
        let decisive = [lc_all, lc_ctype, lang]
            .into_iter()
            .flatten()
            .find(|v| !v.is_empty());
        match decisive {
            Some(v) => {
                let v = v.to_ascii_lowercase();
                if v.contains("utf-8") || v.contains("utf8") {
                    Glyphs::Unicode
                } else {
                    Glyphs::Ascii
                }
            }
            None => Glyphs::Ascii,
        }
    }

    /// The column-chart ramp, index = filled levels of one cell (0 = empty).
    fn ramp(self) -> &'static [char] {
        match self {
            Glyphs::Unicode => &[' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
            // Only 7 steps above empty: a stacked cell is full at '#'.
            Glyphs::Ascii => &[' ', '.', ':', '-', '=', '+', '*', '#'],
        }
    }

    /// Levels one character cell can show (8 in Unicode, 7 in ASCII).
    fn levels(self) -> usize {
        self.ramp().len().saturating_sub(1)
    }

    /// The axis line.
    fn rule(self) -> char {
        match self {
            Glyphs::Unicode => '─',
            Glyphs::Ascii => '-',
        }
    }

    /// A marked date on the axis line.
    fn tick(self) -> char {
        match self {
            Glyphs::Unicode => '┬',
            Glyphs::Ascii => '+',
        }
    }

    /// The end of a truncated label; "..." in ASCII, where "…" would be mojibake.
    fn ellipsis(self) -> &'static str {
        match self {
            Glyphs::Unicode => "…",
            Glyphs::Ascii => "...",
        }
    }
}

/// One day of the period: tickets created and tickets solved on that date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// The calendar date, in the helpdesk's time zone.
    pub date: NaiveDate,
    /// Tickets created that day.
    pub created: usize,
    /// Tickets solved that day.
    pub solved: usize,
}

/// One horizontal bar: a label (a group, an agent) and its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Shown as is, truncated to 20 columns.
    pub label: String,
    /// The count; the largest one fills the width.
    pub value: usize,
}

/// Labels wider than this (in terminal columns) are truncated with an ellipsis.
const MAX_LABEL: usize = 20;
/// Widths beyond this are clamped, so a silly `width` cannot allocate gigabytes and the
/// scaling arithmetic (`value * cells * 8` in u128) cannot overflow.
const MAX_COLS: usize = 4096;
/// Columns in the SVG day chart before days are grouped into weeks: past this a day
/// column would be narrower than about two pixels.
const SVG_MAX_SLOTS: usize = 120;
/// The labels of the two rows of the day chart; also the width of the label column.
const CREATED: &str = "created";
const SOLVED: &str = "solved";

/// Created vs solved per day, as text: two rows of a sparkline-like column chart (one
/// column per day, height scaled to the period's maximum, 8 levels per character cell in
/// Unicode using ▁▂▃▄▅▆▇█ and a space for 0; in ASCII use " .:-=+*#" ), with a label
/// column ("created", "solved"), the total at the right of each row, and under them an
/// axis line marking the first and last date (YYYY-MM-DD) and, when the period is longer
/// than 14 days, every Monday with a tick. Rows can be 1 to 3 character cells tall
/// (`height` parameter) for more resolution: with height 3 a value uses 3 stacked cells
/// (24 levels). For more days than fit in `width` columns (minus the label and total
/// columns), days are grouped into weeks (sum), and the axis says "weeks".
///
/// Details: days may come in any order; the same date twice is summed and missing dates
/// in between count as zero, so columns are calendar days. ASCII has 7 levels per cell
/// (its ramp has 8 characters including the blank). The axis is a rule with ticks (first,
/// last, Mondays; in week columns the first week of each month) and a line with the first
/// and last date. If even weeks do not fit, a column holds several weeks and the axis
/// says e.g. "3 weeks". `height` is clamped to 1..=3; with more than one cell, a blank
/// line separates the rows so that they do not read as one.
pub fn daily(days: &[Day], glyphs: Glyphs, width: usize, height: usize) -> String {
    if days.is_empty() {
        return "no days in the period\n".to_string();
    }
    let height = height.clamp(1, 3);
    let total_created = days.iter().fold(0usize, |a, d| a.saturating_add(d.created));
    let total_solved = days.iter().fold(0usize, |a, d| a.saturating_add(d.solved));
    let total_w = digits(total_created.max(total_solved));
    let label_w = CREATED.len();
    // label, space, columns, space, total
    let avail = width
        .saturating_sub(label_w + 1 + 1 + total_w)
        .clamp(1, MAX_COLS);
    let Some(series) = Series::new(days, avail) else {
        return "no days in the period\n".to_string();
    };
    let per_cell = glyphs.levels();
    let levels = per_cell * height;
    let max = series
        .cols
        .iter()
        .map(|c| c.created.max(c.solved))
        .max()
        .unwrap_or(0);
    let axis_label = series.unit.label();
    let label_w = label_w.max(axis_label.len());

    let mut lines: Vec<String> = Vec::new();
    let rows = [
        (CREATED, total_created, Col::created as fn(&Col) -> usize),
        (SOLVED, total_solved, Col::solved as fn(&Col) -> usize),
    ];
    for (r, (name, total, value)) in rows.into_iter().enumerate() {
        if r > 0 && height > 1 {
            lines.push(String::new());
        }
        let filled: Vec<usize> = series
            .cols
            .iter()
            .map(|c| scale(value(c), max, levels))
            .collect();
        // Top cell first; the bottom line carries the label and the total.
        for cell in (0..height).rev() {
            let mut line = String::new();
            let bottom = cell == 0;
            pad_to(&mut line, if bottom { name } else { "" }, label_w);
            line.push(' ');
            for f in &filled {
                let in_cell = f.saturating_sub(cell * per_cell).min(per_cell);
                line.push(glyphs.ramp().get(in_cell).copied().unwrap_or(' '));
            }
            if bottom {
                let _ = write!(line, " {total:>total_w$}");
            }
            lines.push(line);
        }
    }

    // The axis: a rule with ticks, then the first and last date under their columns.
    let mut rule = String::new();
    pad_to(&mut rule, &axis_label, label_w);
    rule.push(' ');
    let last_col = series.cols.len().saturating_sub(1);
    let mut prev_month = None;
    for (i, c) in series.cols.iter().enumerate() {
        let month = (c.start.year(), c.start.month());
        let marked = match series.unit {
            Unit::Days => series.n_days > 14 && c.start.weekday() == Weekday::Mon,
            // Every column is a Monday here; the turn of a month is what helps reading.
            Unit::Weeks(_) => prev_month.is_some_and(|p| p != month),
        };
        prev_month = Some(month);
        rule.push(if i == 0 || i == last_col || marked {
            glyphs.tick()
        } else {
            glyphs.rule()
        });
    }
    lines.push(rule);

    let mut dates = " ".repeat(label_w + 1);
    let first = series.first.format("%Y-%m-%d").to_string();
    dates.push_str(&first);
    if series.last != series.first {
        let last = series.last.format("%Y-%m-%d").to_string();
        // Right-aligned under the last column, but never closer than two spaces.
        let start = series
            .cols
            .len()
            .saturating_sub(last.len())
            .max(first.len() + 2);
        let gap = start.saturating_sub(first.len());
        dates.push_str(&" ".repeat(gap));
        dates.push_str(&last);
    }
    lines.push(dates);
    finish(&lines)
}

/// Horizontal bars, one per line: label (left-aligned, padded to the longest label,
/// labels longer than 20 chars truncated with …), the bar scaled so the largest value
/// fills the available width (width - label - count columns), then the value. Unicode:
/// full blocks █ and a final partial eighth block ▏▎▍▌▋▊▉; ASCII: '#' characters
/// (rounded). A value of 0 draws no bar; a nonzero value always draws at least one
/// (partial) cell. Display width must be computed per char, treating labels as possibly
/// containing non-ASCII (Norwegian, Japanese — count East Asian wide chars as 2 columns
/// with a small helper: chars in the ranges U+1100–115F, U+2E80–A4CF, U+AC00–D7A3,
/// U+F900–FAFF, U+FE30–FE4F, U+FF00–FF60, U+FFE0–FFE6, U+20000–3FFFD are wide).
///
/// Details: "20 chars" is 20 terminal columns; ASCII truncates with "..." instead of
/// "…". The values form a right-aligned column, one space after the bar area. Control
/// and bidi characters in labels become '?', so a label cannot move the cursor. When
/// `width` is too small the bar area is still one cell and the line gets longer.
pub fn bars(bars: &[Bar], glyphs: Glyphs, width: usize) -> String {
    if bars.is_empty() {
        return "nothing to show\n".to_string();
    }
    let labels: Vec<String> = bars.iter().map(|b| fit_label(&b.label, glyphs)).collect();
    let label_w = labels.iter().map(|l| str_width(l)).max().unwrap_or(0);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let count_w = digits(max);
    // label, space, bar, space, count
    let bar_w = width
        .saturating_sub(label_w + 1 + 1 + count_w)
        .clamp(1, MAX_COLS);
    let mut lines = Vec::with_capacity(bars.len());
    for (b, label) in bars.iter().zip(&labels) {
        let mut line = String::new();
        pad_to(&mut line, label, label_w);
        line.push(' ');
        let drawn = match glyphs {
            Glyphs::Unicode => {
                let eighths = scale(b.value, max, bar_w * 8);
                line.push_str(&"█".repeat(eighths / 8));
                let partial = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];
                if let Some(c) = (eighths % 8).checked_sub(1).and_then(|i| partial.get(i)) {
                    line.push(*c);
                }
                eighths.div_ceil(8)
            }
            Glyphs::Ascii => {
                let cells = scale(b.value, max, bar_w);
                line.push_str(&"#".repeat(cells));
                cells
            }
        };
        line.push_str(&" ".repeat(bar_w.saturating_sub(drawn)));
        let _ = write!(line, " {:>count_w$}", b.value);
        lines.push(line);
    }
    finish(&lines)
}

/// A standalone SVG with both charts: a title, the per-day chart as grouped columns
/// (created and solved side by side per day, two colours with a legend, y axis with 0 and
/// the max, x axis labels for first/last day and Mondays), and below it the horizontal
/// bars with labels and values. Sized ~ 720 px wide. Every text is XML-escaped (&, <, >,
/// ", ').
///
/// Details: 720 px wide, the height follows the number of bars. Past 120 days the
/// columns are weeks (the legend says "per week"). Date labels that would overlap are
/// left out (ticks stay). Each column and bar has a `<title>` tooltip with the exact
/// value and the full label. A white background keeps it readable in dark-mode mail.
pub fn svg(title: &str, days: &[Day], bars_title: &str, bars: &[Bar]) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        r#"<text x="20" y="32" font-size="18" font-weight="bold">{}</text>"#,
        esc(title)
    );
    let y = match Series::new(days, SVG_MAX_SLOTS) {
        None => {
            let _ = writeln!(
                b,
                r#"<text x="20" y="62" font-size="12" fill="{C_MUTED}">no days in the period</text>"#
            );
            78.0
        }
        Some(series) => svg_days(&mut b, &series, 48.0),
    };
    let y = svg_bars(&mut b, bars_title, bars, y);

    let h = num(y + 16.0);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" role="img">"#,
        w = num(SVG_W)
    );
    let _ = writeln!(out, "<title>{}</title>", esc(title));
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    out.push_str(&b);
    out.push_str("</svg>\n");
    out
}

/// Width of the SVG in px: fits a mail body and a laptop browser without scaling.
const SVG_W: f64 = 720.0;
/// The plot area of the day chart: room for the y labels on the left.
const LEFT: f64 = 60.0;
const RIGHT: f64 = 700.0;
const PLOT_H: f64 = 180.0;
/// Blue and orange: told apart with the common colour-vision deficiencies.
const C_CREATED: &str = "#4e79a7";
const C_SOLVED: &str = "#f28e2b";
const C_BAR: &str = "#4e79a7";
const C_AXIS: &str = "#333333";
const C_MUTED: &str = "#666666";

/// The day chart of the SVG from `y` down; returns where the next part starts.
fn svg_days(b: &mut String, series: &Series, y: f64) -> f64 {
    // Legend.
    let ly = y + 4.0;
    for (x, colour, name) in [(20.0, C_CREATED, CREATED), (100.0, C_SOLVED, SOLVED)] {
        let _ = writeln!(
            b,
            r#"<rect x="{}" y="{}" width="10" height="10" fill="{colour}"/>"#,
            num(x),
            num(ly)
        );
        let _ = writeln!(
            b,
            r#"<text x="{}" y="{}" font-size="12">{}</text>"#,
            num(x + 14.0),
            num(ly + 9.0),
            esc(name)
        );
    }
    let _ = writeln!(
        b,
        r#"<text x="180" y="{}" font-size="12" fill="{C_MUTED}">{}</text>"#,
        num(ly + 9.0),
        esc(&series.unit.per())
    );

    let top = y + 30.0;
    let bottom = top + PLOT_H;
    let max = series
        .cols
        .iter()
        .map(|c| c.created.max(c.solved))
        .max()
        .unwrap_or(0);
    // Axes, a faint line at the maximum, and the two y labels.
    let _ = writeln!(
        b,
        r#"<line x1="{l}" y1="{t}" x2="{l}" y2="{bt}" stroke="{C_AXIS}" stroke-width="1"/>"#,
        l = num(LEFT),
        t = num(top),
        bt = num(bottom)
    );
    let _ = writeln!(
        b,
        r#"<line x1="{l}" y1="{bt}" x2="{r}" y2="{bt}" stroke="{C_AXIS}" stroke-width="1"/>"#,
        l = num(LEFT),
        r = num(RIGHT),
        bt = num(bottom)
    );
    let _ = writeln!(
        b,
        r#"<text x="{}" y="{}" font-size="10" text-anchor="end">0</text>"#,
        num(LEFT - 6.0),
        num(bottom + 4.0)
    );
    if max > 0 {
        let _ = writeln!(
            b,
            r##"<line x1="{l}" y1="{t}" x2="{r}" y2="{t}" stroke="#dddddd" stroke-width="1"/>"##,
            l = num(LEFT),
            r = num(RIGHT),
            t = num(top)
        );
        let _ = writeln!(
            b,
            r#"<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>"#,
            num(LEFT - 6.0),
            num(top + 4.0),
            max
        );
    }

    let n = series.cols.len().max(1) as f64;
    let slot = (RIGHT - LEFT) / n;
    for (i, c) in series.cols.iter().enumerate() {
        let x = LEFT + i as f64 * slot;
        let when = series.unit.describe(c.start);
        for (dx, colour, v, what) in [
            (0.1, C_CREATED, c.created, CREATED),
            (0.5, C_SOLVED, c.solved, SOLVED),
        ] {
            if v == 0 || max == 0 {
                continue;
            }
            let h = v as f64 / max as f64 * PLOT_H;
            let _ = writeln!(
                b,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}"><title>{}</title></rect>"#,
                num(x + slot * dx),
                num(bottom - h),
                num(slot * 0.4),
                num(h),
                esc(&format!("{when}: {v} {what}"))
            );
        }
    }

    // X labels: first and last date, then Mondays where there is room; each centred
    // under its tick but kept inside the picture.
    let label_px = 62.0; // "YYYY-MM-DD" at 10 px sans-serif, plus a gap
    let last_col = series.cols.len().saturating_sub(1);
    let mut wanted = vec![(0, series.first)];
    if series.last != series.first {
        wanted.push((last_col, series.last));
    }
    for (i, c) in series.cols.iter().enumerate() {
        let monday = match series.unit {
            Unit::Days => c.start.weekday() == Weekday::Mon,
            Unit::Weeks(_) => true,
        };
        // The first and last column already have their date.
        if monday && i != 0 && i != last_col {
            wanted.push((i, c.start));
        }
    }
    let mut placed: Vec<(f64, f64)> = Vec::new();
    for (i, date) in wanted {
        let tick = LEFT + (i as f64 + 0.5) * slot;
        let _ = writeln!(
            b,
            r#"<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{C_AXIS}" stroke-width="1"/>"#,
            x = num(tick),
            y1 = num(bottom),
            y2 = num(bottom + 4.0)
        );
        let half = label_px / 2.0;
        let cx = tick.clamp(half + 8.0, SVG_W - half - 8.0);
        let span = (cx - half, cx + half);
        if placed.iter().all(|p| span.1 <= p.0 || span.0 >= p.1) {
            placed.push(span);
            let _ = writeln!(
                b,
                r#"<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>"#,
                num(cx),
                num(bottom + 16.0),
                esc(&date.format("%Y-%m-%d").to_string())
            );
        }
    }
    bottom + 34.0
}

/// The horizontal bars of the SVG from `y` down; returns where they end.
fn svg_bars(b: &mut String, bars_title: &str, bars: &[Bar], mut y: f64) -> f64 {
    let _ = writeln!(
        b,
        r#"<text x="20" y="{}" font-size="14" font-weight="bold">{}</text>"#,
        num(y + 14.0),
        esc(bars_title)
    );
    y += 24.0;
    if bars.is_empty() {
        let _ = writeln!(
            b,
            r#"<text x="20" y="{}" font-size="12" fill="{C_MUTED}">nothing to show</text>"#,
            num(y + 13.0)
        );
        y += 20.0;
    } else {
        const BAR_X: f64 = 200.0; // room for a 20-column label at 12 px
        const BAR_MAX: f64 = 440.0; // leaves room for the value up to 700 px
        let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
        for bar in bars {
            let _ = writeln!(
                b,
                r#"<text x="20" y="{}" font-size="12">{}</text>"#,
                num(y + 13.0),
                esc(&fit_label(&bar.label, Glyphs::Unicode))
            );
            let w = if bar.value == 0 || max == 0 {
                0.0
            } else {
                // At least a sliver, as in the terminal: nonzero must show.
                (bar.value as f64 / max as f64 * BAR_MAX).max(1.0)
            };
            if w > 0.0 {
                let _ = writeln!(
                    b,
                    r#"<rect x="{}" y="{}" width="{}" height="14" fill="{C_BAR}"><title>{}</title></rect>"#,
                    num(BAR_X),
                    num(y + 2.0),
                    num(w),
                    esc(&format!("{}: {}", clean(&bar.label), bar.value))
                );
            }
            let _ = writeln!(
                b,
                r#"<text x="{}" y="{}" font-size="12">{}</text>"#,
                num(BAR_X + w + 6.0),
                num(y + 13.0),
                bar.value
            );
            y += 20.0;
        }
    }

    y
}

/// How many days one column of a day chart holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Days,
    /// Monday-based weeks, this many per column.
    Weeks(usize),
}

impl Unit {
    /// The axis label in the text chart.
    fn label(self) -> String {
        match self {
            Unit::Days => "days".to_string(),
            Unit::Weeks(1) => "weeks".to_string(),
            Unit::Weeks(k) => format!("{k} weeks"),
        }
    }

    /// The legend note in the SVG.
    fn per(self) -> String {
        match self {
            Unit::Days => "per day".to_string(),
            Unit::Weeks(1) => "per week".to_string(),
            Unit::Weeks(k) => format!("per {k} weeks"),
        }
    }

    /// The tooltip name of a column starting at `start`.
    fn describe(self, start: NaiveDate) -> String {
        let d = start.format("%Y-%m-%d");
        match self {
            Unit::Days => d.to_string(),
            Unit::Weeks(1) => format!("week of {d}"),
            Unit::Weeks(k) => format!("{k} weeks from {d}"),
        }
    }
}

/// One column of a day chart.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Col {
    /// The day, or the Monday of the (first) week.
    start: NaiveDate,
    created: usize,
    solved: usize,
}

impl Col {
    fn created(&self) -> usize {
        self.created
    }

    fn solved(&self) -> usize {
        self.solved
    }
}

/// The days of a period put into at most `avail` columns, shared by text and SVG so that
/// both draw the same thing.
#[derive(Debug)]
struct Series {
    unit: Unit,
    cols: Vec<Col>,
    first: NaiveDate,
    last: NaiveDate,
    /// Calendar days from first to last, inclusive.
    n_days: u64,
}

impl Series {
    /// None only for no days.
    fn new(days: &[Day], avail: usize) -> Option<Series> {
        let avail = avail.clamp(1, MAX_COLS);
        // Sorted, duplicates summed; never more entries than the input.
        let mut by_date: BTreeMap<NaiveDate, (usize, usize)> = BTreeMap::new();
        for d in days {
            let e = by_date.entry(d.date).or_insert((0, 0));
            e.0 = e.0.saturating_add(d.created);
            e.1 = e.1.saturating_add(d.solved);
        }
        let first = *by_date.keys().next()?;
        let last = *by_date.keys().next_back()?;
        let span = (last - first).num_days();
        let n_days = u64::try_from(span).unwrap_or(0).saturating_add(1);

        // `origin` is the first day or its Monday; `k` weeks per column in a week chart.
        let (unit, origin, k, n_cols) = if n_days <= avail as u64 {
            (Unit::Days, first, 0, n_days)
        } else {
            let w0 = monday(first);
            let n_weeks = days_between(w0, monday(last)) / 7 + 1;
            // Several weeks per column only when even weeks do not fit.
            let k = n_weeks.div_ceil(avail as u64).max(1);
            let unit = Unit::Weeks(usize::try_from(k).unwrap_or(usize::MAX));
            (unit, w0, k, n_weeks.div_ceil(k))
        };
        let step = if k == 0 { 1 } else { k.saturating_mul(7) };
        let col_of = |d: NaiveDate| match unit {
            Unit::Days => days_between(origin, d),
            Unit::Weeks(_) => days_between(origin, monday(d)) / 7 / k.max(1),
        };
        // n_cols <= avail <= MAX_COLS: small whatever the dates.
        let mut cols: Vec<Col> = (0..n_cols)
            .map(|i| Col {
                start: origin
                    .checked_add_days(chrono::Days::new(i.saturating_mul(step)))
                    .unwrap_or(last),
                created: 0,
                solved: 0,
            })
            .collect();
        for (date, (created, solved)) in by_date {
            let i = usize::try_from(col_of(date)).unwrap_or(usize::MAX);
            if let Some(c) = cols.get_mut(i) {
                c.created = c.created.saturating_add(created);
                c.solved = c.solved.saturating_add(solved);
            }
        }
        Some(Series {
            unit,
            cols,
            first,
            last,
            n_days,
        })
    }
}

/// The Monday on or before `d` (or `d` itself at the very start of the calendar).
fn monday(d: NaiveDate) -> NaiveDate {
    let back = u64::from(d.weekday().num_days_from_monday());
    d.checked_sub_days(chrono::Days::new(back)).unwrap_or(d)
}

/// Whole days from `a` to `b`, 0 if `b` is before `a`.
fn days_between(a: NaiveDate, b: NaiveDate) -> u64 {
    u64::try_from((b - a).num_days()).unwrap_or(0)
}

/// `value` of `max` in `levels` steps, rounded, at least 1 for a nonzero value and at
/// most `levels`. u128 so that `usize::MAX` values neither overflow nor panic.
fn scale(value: usize, max: usize, levels: usize) -> usize {
    if value == 0 || max == 0 || levels == 0 {
        return 0;
    }
    let (v, m, l) = (value as u128, max as u128, levels as u128);
    let steps = (v * l * 2 + m) / (m * 2);
    usize::try_from(steps).unwrap_or(levels).clamp(1, levels)
}

/// Decimal digits of `n` (1 for 0).
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Terminal columns of one char: East Asian wide ones take 2, combining accents and
/// zero-width spaces 0, everything else 1. Good enough for group and agent names without
/// pulling in a Unicode table.
fn char_width(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036F | 0x200B..=0x200F => 0,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Terminal columns of a string.
fn str_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// A label made safe to print: whitespace controls become spaces, other controls and
/// bidi overrides become '?', since group names are data and could hold escapes.
fn clean(label: &str) -> String {
    label
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '?',
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '?',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A cleaned label, truncated to `MAX_LABEL` columns with an ellipsis when longer.
fn fit_label(label: &str, glyphs: Glyphs) -> String {
    let label = clean(label);
    if str_width(&label) <= MAX_LABEL {
        return label;
    }
    let ellipsis = glyphs.ellipsis();
    let room = MAX_LABEL.saturating_sub(str_width(ellipsis));
    let mut out = String::new();
    let mut used = 0;
    for c in label.chars() {
        let w = char_width(c);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    // No space just before the ellipsis: "Customer …" reads as a cut word anyway.
    let mut out = out.trim_end().to_string();
    out.push_str(ellipsis);
    out
}

/// Appends `s` padded with spaces to `width` columns.
fn pad_to(line: &mut String, s: &str, width: usize) {
    line.push_str(s);
    line.push_str(&" ".repeat(width.saturating_sub(str_width(s))));
}

/// Lines joined, each without trailing spaces, ending with a newline.
fn finish(lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(l.trim_end());
        out.push('\n');
    }
    out
}

/// XML text: the five special characters escaped, and characters XML 1.0 forbids
/// (controls other than tab and newlines, U+FFFE, U+FFFF) replaced, so that any ticket
/// data gives a well-formed file.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with one decimal, the same on every platform.
fn num(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn three_days() -> Vec<Day> {
        vec![
            Day {
                date: d(2024, 3, 4),
                created: 2,
                solved: 1,
            },
            Day {
                date: d(2024, 3, 5),
                created: 5,
                solved: 3,
            },
            Day {
                date: d(2024, 3, 6),
                created: 1,
                solved: 4,
            },
        ]
    }

    fn two_bars() -> Vec<Bar> {
        vec![
            Bar {
                label: "support".into(),
                value: 12,
            },
            Bar {
                label: "sales".into(),
                value: 3,
            },
        ]
    }

    fn no_trailing_ws(s: &str) {
        assert!(s.ends_with('\n'), "no final newline: {s:?}");
        for l in s.lines() {
            assert_eq!(l, l.trim_end(), "trailing whitespace in {l:?}");
        }
    }

    #[test]
    fn daily_unicode() {
        let got = daily(&three_days(), Glyphs::Unicode, 40, 1);
        let want = "\
created ▃█▂ 8
solved  ▂▅▆ 8
days    ┬─┬
        2024-03-04  2024-03-06
";
        assert_eq!(got, want);
        no_trailing_ws(&got);
    }

    #[test]
    fn daily_ascii() {
        let got = daily(&three_days(), Glyphs::Ascii, 40, 1);
        let want = "\
created -#. 8
solved  .=* 8
days    +-+
        2024-03-04  2024-03-06
";
        assert_eq!(got, want);
        no_trailing_ws(&got);
    }

    #[test]
    fn daily_tall() {
        // 24 levels: created 2, 5, 1 of 5 -> 10, 24, 5; solved 1, 3, 4 -> 5, 14, 19.
        let got = daily(&three_days(), Glyphs::Unicode, 40, 3);
        let want = [
            "         █",
            "        ▂█",
            "created ██▅ 8",
            "",
            "          ▃",
            "         ▆█",
            "solved  ▅██ 8",
            "days    ┬─┬",
            "        2024-03-04  2024-03-06",
            "",
        ]
        .join("\n");
        assert_eq!(got, want);
        no_trailing_ws(&got);
    }

    #[test]
    fn daily_unsorted_duplicates_and_gaps() {
        let days = vec![
            Day {
                date: d(2024, 3, 6),
                created: 1,
                solved: 0,
            },
            Day {
                date: d(2024, 3, 4),
                created: 1,
                solved: 0,
            },
            Day {
                date: d(2024, 3, 4),
                created: 1,
                solved: 0,
            },
        ];
        let got = daily(&days, Glyphs::Ascii, 40, 1);
        // 3 columns: 2, 0 (missing day), 1 (half of the maximum: 3.5 of 7 levels, rounded up).
        assert!(got.starts_with("created # = 3\nsolved      0\n"), "{got}");
    }

    #[test]
    fn daily_mondays_ticked_after_14_days() {
        // 2024-03-01 is a Friday; Mondays are the 4th, 11th and 18th.
        let days: Vec<Day> = (1..=20)
            .map(|i| Day {
                date: d(2024, 3, i),
                created: i as usize,
                solved: 1,
            })
            .collect();
        let got = daily(&days, Glyphs::Ascii, 80, 1);
        let rule = got.lines().nth(2).expect("rule line");
        assert_eq!(rule, "days    +--+------+------+-+");
        let dates = got.lines().nth(3).expect("date line");
        assert_eq!(dates, "        2024-03-01  2024-03-20");
        no_trailing_ws(&got);
    }

    #[test]
    fn daily_groups_weeks_when_too_wide() {
        // 2024-01-01 is a Monday: 28 days are 4 weeks of 7 days each.
        let days: Vec<Day> = (0..28)
            .map(|i| Day {
                date: d(2024, 1, 1) + chrono::Days::new(i),
                created: 1,
                solved: if i < 7 { 0 } else { 2 },
            })
            .collect();
        // 20 columns: 20 - 7 - 1 - 1 - 2 = 9 < 28 days.
        let got = daily(&days, Glyphs::Unicode, 20, 1);
        let want = "\
created ▄▄▄▄ 28
solved   ███ 42
weeks   ┬──┬
        2024-01-01  2024-01-28
";
        assert_eq!(got, want);
        no_trailing_ws(&got);
    }

    #[test]
    fn daily_several_weeks_per_column() {
        let days: Vec<Day> = (0..70)
            .map(|i| Day {
                date: d(2024, 1, 1) + chrono::Days::new(i),
                created: 1,
                solved: 1,
            })
            .collect();
        // width 12 leaves one column (12 - 7 - 1 - 1 - 2): all 10 weeks go into it.
        let got = daily(&days, Glyphs::Ascii, 12, 1);
        assert!(got.contains("10 weeks +"), "{got}");
        assert!(got.starts_with("created  # 70\n"), "{got}");
        no_trailing_ws(&got);
    }

    #[test]
    fn daily_edge_cases() {
        assert_eq!(
            daily(&[], Glyphs::Unicode, 80, 1),
            "no days in the period\n"
        );
        let one = [Day {
            date: d(2024, 3, 4),
            created: 0,
            solved: 0,
        }];
        let got = daily(&one, Glyphs::Unicode, 0, 0);
        assert_eq!(
            got,
            "created   0\nsolved    0\ndays    ┬\n        2024-03-04\n"
        );
        let huge = [
            Day {
                date: d(2024, 3, 4),
                created: usize::MAX,
                solved: usize::MAX,
            },
            Day {
                date: d(2024, 3, 5),
                created: usize::MAX,
                solved: 1,
            },
        ];
        let got = daily(&huge, Glyphs::Unicode, usize::MAX, usize::MAX);
        no_trailing_ws(&got);
        assert!(got.contains(&usize::MAX.to_string()));
        // The whole calendar: no gigabyte of columns, no panic.
        let wide = [
            Day {
                date: NaiveDate::MIN,
                created: 1,
                solved: 1,
            },
            Day {
                date: NaiveDate::MAX,
                created: 1,
                solved: 1,
            },
        ];
        no_trailing_ws(&daily(&wide, Glyphs::Ascii, 80, 2));
        no_trailing_ws(&svg("t", &wide, "b", &[]));
    }

    #[test]
    fn bars_unicode() {
        // bar area 20 - 7 - 1 - 1 - 2 = 9 cells; 3 of 12 is 18 eighths: 2 full + ▎.
        let got = bars(&two_bars(), Glyphs::Unicode, 20);
        let want = "\
support █████████ 12
sales   ██▎        3
";
        assert_eq!(got, want);
        no_trailing_ws(&got);
    }

    #[test]
    fn bars_ascii() {
        // 3 of 12 in 9 cells is 2.25 cells, rounded to 2.
        let got = bars(&two_bars(), Glyphs::Ascii, 20);
        let want = "\
support ######### 12
sales   ##         3
";
        assert_eq!(got, want);
        no_trailing_ws(&got);
    }

    #[test]
    fn bars_zero_small_and_narrow() {
        let b = vec![
            Bar {
                label: "a".into(),
                value: 1000,
            },
            Bar {
                label: "b".into(),
                value: 1,
            },
            Bar {
                label: "c".into(),
                value: 0,
            },
        ];
        let got = bars(&b, Glyphs::Unicode, 16);
        assert_eq!(
            got,
            "a █████████ 1000\nb ▏            1\nc              0\n"
        );
        let got = bars(&b, Glyphs::Ascii, 0);
        assert_eq!(got, "a # 1000\nb #    1\nc      0\n");
        let zeros = [Bar {
            label: "x".into(),
            value: 0,
        }];
        assert_eq!(bars(&zeros, Glyphs::Unicode, 10), "x        0\n");
        let max = [
            Bar {
                label: "x".into(),
                value: usize::MAX,
            },
            Bar {
                label: "y".into(),
                value: 1,
            },
        ];
        no_trailing_ws(&bars(&max, Glyphs::Unicode, usize::MAX));
        assert_eq!(bars(&[], Glyphs::Ascii, 80), "nothing to show\n");
    }

    #[test]
    fn labels_truncated_and_wide() {
        assert_eq!(str_width("Økonomi"), 7);
        assert_eq!(str_width("サポート"), 8);
        assert_eq!(str_width("e\u{301}"), 1);
        let long = "Kundeservice og økonomiavdelingen";
        assert_eq!(fit_label(long, Glyphs::Unicode), "Kundeservice og øko…");
        assert_eq!(str_width(&fit_label(long, Glyphs::Unicode)), 20);
        assert_eq!(fit_label(long, Glyphs::Ascii), "Kundeservice og ø...");
        // A wide char that would straddle the limit is left out: 19 columns of room.
        let jp = "サポートチームの東京オフィス";
        assert_eq!(fit_label(jp, Glyphs::Unicode), "サポートチームの東…");
        assert_eq!(fit_label("a\x1b[2Jb", Glyphs::Ascii), "a?[2Jb");

        let b = vec![
            Bar {
                label: "サポート".into(),
                value: 4,
            },
            Bar {
                label: "Økonomi".into(),
                value: 2,
            },
        ];
        let got = bars(&b, Glyphs::Unicode, 16);
        assert_eq!(got, "サポート █████ 4\nØkonomi  ██▌   2\n");
    }

    #[test]
    fn locale_decision_table() {
        use Glyphs::{Ascii, Unicode};
        let table = [
            (None, None, None, Ascii),
            (Some("en_US.UTF-8"), None, None, Unicode),
            (None, Some("nb_NO.utf8"), None, Unicode),
            (None, None, Some("C.UTF-8"), Unicode),
            (None, None, Some("ja_JP.Utf-8"), Unicode),
            (None, None, Some("C"), Ascii),
            (Some("C"), Some("en_US.UTF-8"), Some("en_US.UTF-8"), Ascii),
            (Some(""), Some(""), Some("en_US.UTF-8"), Unicode),
            (None, Some("ja_JP.eucJP"), Some("ja_JP.UTF-8"), Ascii),
            (Some("POSIX"), None, Some("en_US.UTF-8"), Ascii),
        ];
        for (all, ctype, lang, want) in table {
            assert_eq!(
                Glyphs::from_locale(all, ctype, lang),
                want,
                "{all:?} {ctype:?} {lang:?}"
            );
        }
    }

    /// Tags balance: every opening tag is closed in order, ignoring `<?xml` and `/>`.
    fn well_formed(s: &str) -> bool {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find('<') {
            let Some(j) = rest[i..].find('>') else {
                return false;
            };
            let tag = &rest[i + 1..i + j];
            rest = &rest[i + j + 1..];
            if tag.starts_with('?') || tag.ends_with('/') {
                continue;
            }
            let name = tag
                .trim_start_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or("");
            if tag.starts_with('/') {
                if stack.pop() != Some(name) {
                    return false;
                }
            } else {
                stack.push(name);
            }
        }
        stack.is_empty() && !rest.contains('>')
    }

    #[test]
    fn svg_escapes_and_is_well_formed() {
        let b = vec![
            Bar {
                label: "R&D <\"team\">".into(),
                value: 7,
            },
            Bar {
                label: "it's".into(),
                value: 0,
            },
        ];
        let s = svg("Report <Q1> & 'more'", &three_days(), "Open by group", &b);
        assert!(s.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns="));
        assert!(s.contains(r#"width="720""#) && s.contains("viewBox=\"0 0 720 "));
        assert!(s.contains("font-family=\"sans-serif\""));
        assert!(s.contains("<title>Report &lt;Q1&gt; &amp; &apos;more&apos;</title>"));
        assert!(s.contains(">R&amp;D &lt;&quot;team&quot;&gt;</text>"));
        assert!(s.contains(">it&apos;s</text>"));
        assert!(!s.contains("R&D"));
        assert_eq!(s.matches("<svg").count(), s.matches("</svg>").count());
        assert_eq!(s.matches("<text").count(), s.matches("</text>").count());
        assert!(well_formed(&s), "{s}");
        // Both series, the legend, the axis labels.
        assert!(s.contains(">created</text>") && s.contains(">solved</text>"));
        assert!(s.contains(">2024-03-04</text>") && s.contains(">2024-03-06</text>"));
        assert!(s.contains(">5</text>"), "the maximum on the y axis");
        no_trailing_ws(&s);
    }

    #[test]
    fn svg_empty_and_hostile() {
        let s = svg("", &[], "", &[]);
        assert!(s.contains("no days in the period") && s.contains("nothing to show"));
        assert!(well_formed(&s));
        no_trailing_ws(&s);
        let b = [Bar {
            label: "\u{0}\u{1b}x\u{FFFF}".into(),
            value: usize::MAX,
        }];
        let s = svg("\u{8}", &three_days(), "]]>", &b);
        assert!(!s.contains('\u{0}') && !s.contains('\u{1b}') && !s.contains('\u{8}'));
        assert!(!s.contains('\u{FFFF}') && s.contains("]]&gt;"));
        assert!(well_formed(&s));
    }

    #[test]
    fn svg_groups_weeks_past_120_days() {
        let days: Vec<Day> = (0..200)
            .map(|i| Day {
                date: d(2024, 1, 1) + chrono::Days::new(i),
                created: 1,
                solved: 0,
            })
            .collect();
        let s = svg("t", &days, "b", &[]);
        assert!(s.contains(">per week</text>"));
        assert!(s.contains("<title>week of 2024-01-01: 7 created</title>"));
        assert!(well_formed(&s));
    }
}
