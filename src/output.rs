//! Output: data on stdout, messages on stderr, color only on a terminal and never
//! with NO_COLOR, tables for people and stable formats for programs.

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use comfy_table::{Attribute, Cell, ContentArrangement, Table, presets};
use unicode_width::UnicodeWidthStr;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// How a listing is printed. `table` is for people; the others are a stable contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Jsonl,
    Csv,
    Ids,
}

#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub color: bool,
    pub quiet: bool,
    /// stdout is a terminal: tables fit its width.
    pub tty: bool,
    /// The width tables fit into: `COLUMNS` when set, else the terminal's; `None` (no
    /// limit) when stdout is not a terminal and `COLUMNS` is not set, so a pipe gets
    /// every column whole.
    pub width: Option<usize>,
}

impl Out {
    pub fn new(choice: ColorChoice, quiet: bool) -> Out {
        let tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => !no_color,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w > 0);
        let width = columns.or_else(|| {
            tty.then(|| terminal_size::terminal_size_of(io::stdout()))
                .flatten()
                .map(|(w, _)| usize::from(w.0))
                .filter(|w| *w > 0)
        });
        Out {
            color,
            quiet,
            tty,
            width,
        }
    }

    /// A status message on stderr, silenced by `-q`.
    pub fn status(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A warning on stderr, `desk: warning: MESSAGE`; `-q` does not silence it.
    pub fn warn(&self, msg: impl AsRef<str>) {
        crate::error::print_warning(msg.as_ref(), self.color);
    }

    /// Wraps `s` in an ANSI style when color is on.
    pub fn paint(&self, style: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }

    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }

    /// A table without borders, headers in bold on a terminal.
    pub fn table(&self, headers: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING);
        if self.tty {
            t.set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            t.set_content_arrangement(ContentArrangement::Disabled);
            t.force_no_tty();
        }
        let header: Vec<Cell> = headers
            .iter()
            .map(|h| {
                let c = Cell::new(h);
                if self.color {
                    c.add_attribute(Attribute::Bold)
                } else {
                    c
                }
            })
            .collect();
        t.set_header(header);
        if !self.color {
            t.force_no_tty();
        }
        t
    }
}

impl Out {
    /// A table of rows: comfy-table on a terminal (fitted to its width, bold headers);
    /// elsewhere plain columns two spaces apart, which is as readable, pipes well and
    /// is much faster for ten thousand rows.
    pub fn render_table(&self, headers: &[&str], rows: &[Vec<String>]) -> String {
        if self.tty {
            let mut t = self.table(headers);
            for r in rows {
                t.add_row(r.clone());
            }
            return t.lines().map(|l| l.trim_end().to_string() + "\n").collect();
        }
        let cols = headers.len();
        let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
        for r in rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.width());
            }
        }
        let mut out = String::with_capacity(rows.len() * 80);
        let mut line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut l = String::new();
            for (i, cell) in cells.enumerate() {
                l.push_str(cell);
                if i + 1 < cols {
                    l.push_str(&" ".repeat(widths[i].saturating_sub(cell.width()) + 2));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&mut headers.iter().copied());
        for r in rows {
            line(&mut r.iter().map(String::as_str));
        }
        out
    }
}

/// How a column of [`Out::fit_table`] gives way when the table is wider than the
/// terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never shortened: IDs, dates, SLA times.
    Keep,
    /// Cut with `…` down to this many columns, or its header's width if wider (or its
    /// widest cell, if narrower).
    Cut(usize),
}

/// A column of [`Out::fit_table`].
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub header: &'a str,
    pub fit: Fit,
    /// Left out when even the shortest form of the table does not fit: the highest
    /// first; 0 never.
    pub drop: u8,
}

impl<'a> Column<'a> {
    pub fn keep(header: &'a str) -> Self {
        Column {
            header,
            fit: Fit::Keep,
            drop: 0,
        }
    }

    pub fn cut(header: &'a str, min: usize) -> Self {
        Column {
            header,
            fit: Fit::Cut(min),
            drop: 0,
        }
    }

    /// Left out, in this order, before the table breaks its width.
    pub fn droppable(mut self, order: u8) -> Self {
        self.drop = order;
        self
    }
}

/// A table cell: its text and how it is painted when colour is on (ANSI SGR codes such
/// as `"1;31"`). `lead` paints the first characters differently: a ticket ID's shortest
/// unique prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Styled<'a> {
    /// Borrowed where it can be: a listing of ninety thousand tickets copies no subject.
    pub text: Cow<'a, str>,
    pub style: Option<&'static str>,
    pub lead: Option<(usize, &'static str)>,
}

impl<'a> Styled<'a> {
    pub fn plain(text: impl Into<Cow<'a, str>>) -> Styled<'a> {
        Styled {
            text: text.into(),
            style: None,
            lead: None,
        }
    }

    pub fn painted(text: impl Into<Cow<'a, str>>, style: Option<&'static str>) -> Styled<'a> {
        Styled {
            text: text.into(),
            style,
            lead: None,
        }
    }
}

impl From<String> for Styled<'_> {
    fn from(text: String) -> Self {
        Styled::plain(text)
    }
}

/// Display width: the byte length for ASCII, which most cells are, measured without
/// looking up every character.
pub fn width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.width()
    }
}

/// `text` cut to at most `width` display columns, ending in `…` when it was cut.
/// Whole grapheme clusters only: an accent is never parted from its letter.
pub fn truncate(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    use unicode_segmentation::UnicodeSegmentation;
    if self::width(text) <= width {
        return std::borrow::Cow::Borrowed(text);
    }
    if width == 0 {
        return std::borrow::Cow::Borrowed("");
    }
    let mut out = String::with_capacity(width + 3);
    let mut used = 0;
    for g in text.graphemes(true) {
        let w = g.width();
        if used + w > width - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    std::borrow::Cow::Owned(out)
}

/// The width of each column that is shown (`None`: left out) so the table fits `limit`:
/// columns that may be cut give way first, the widest first, down to their minimum;
/// then droppable columns are left out. Columns two spaces apart.
fn fit_widths(columns: &[Column], natural: &[usize], limit: Option<usize>) -> Vec<Option<usize>> {
    let mut shown: Vec<Option<usize>> = natural.iter().map(|w| Some(*w)).collect();
    let Some(limit) = limit else {
        return shown;
    };
    // Headers stay whole.
    let least = |i: usize| match columns[i].fit {
        Fit::Keep => natural[i],
        Fit::Cut(min) => natural[i].min(min.max(columns[i].header.width()).max(1)),
    };
    let total = |shown: &[Option<usize>], each: &dyn Fn(usize) -> usize| {
        let n = shown.iter().filter(|w| w.is_some()).count();
        let sum: usize = (0..shown.len())
            .filter(|i| shown[*i].is_some())
            .map(each)
            .sum();
        sum + 2 * n.saturating_sub(1)
    };
    if total(&shown, &|i| natural[i]) <= limit {
        return shown;
    }
    // Leave out droppable columns while even their cut form is too wide.
    while total(&shown, &least) > limit {
        let Some(i) = (0..columns.len())
            .filter(|i| shown[*i].is_some() && columns[*i].drop > 0)
            .max_by_key(|i| (columns[*i].drop, *i))
        else {
            break;
        };
        shown[i] = None;
    }
    let visible: Vec<usize> = (0..columns.len()).filter(|i| shown[*i].is_some()).collect();
    let gaps = 2 * visible.len().saturating_sub(1);
    let fixed: usize = visible
        .iter()
        .filter(|i| columns[**i].fit == Fit::Keep)
        .map(|i| natural[*i])
        .sum();
    let cut: Vec<usize> = visible
        .iter()
        .copied()
        .filter(|i| columns[*i].fit != Fit::Keep)
        .collect();
    let room = limit.saturating_sub(fixed + gaps);
    if cut.iter().map(|i| natural[*i]).sum::<usize>() <= room {
        return shown;
    }
    // The last cuttable column (the subject, usually) matters most: it is promised half
    // the room (or its minimum, or all it needs if less); the others share the rest,
    // the widest cut first, none below its minimum; it then takes what they leave.
    let Some((&filler, others)) = cut.split_last() else {
        return shown;
    };
    let promised = natural[filler].min(least(filler).max(room / 2));
    let at = |level: usize| -> usize {
        others
            .iter()
            .map(|i| natural[*i].min(level).max(least(*i)))
            .sum()
    };
    let mut level = others.iter().map(|i| natural[*i]).max().unwrap_or(0);
    while level > 0 && at(level) + promised > room {
        level -= 1;
    }
    for i in others {
        shown[*i] = Some(natural[*i].min(level).max(least(*i)));
    }
    shown[filler] = Some(
        natural[filler]
            .min(room.saturating_sub(at(level)))
            .max(least(filler)),
    );
    shown
}

impl Out {
    /// A table that fits [`Out::width`]: columns two spaces apart, a text column cut
    /// with `…` rather than wrapped (IDs and times never), the least needed columns left
    /// out when even that is too wide; headers in bold and cells painted when colour is
    /// on. Without a width every cell is whole.
    pub fn fit_table(&self, columns: &[Column], rows: &[Vec<Styled>]) -> String {
        self.fit_rows(columns, rows.len(), |i| rows[i].as_slice())
            .concat()
    }

    /// [`Out::fit_table`] of `n` rows made by `row` as they are needed, on every core,
    /// in pieces to print in order: a listing of ninety thousand tickets holds neither
    /// its cells nor its text twice. Each row is made twice, once for the widths.
    pub fn fit_rows<'r, R: AsRef<[Styled<'r>]>>(
        &self,
        columns: &[Column],
        n: usize,
        row: impl Fn(usize) -> R + Sync,
    ) -> Vec<String> {
        let row = &row;
        let mut natural: Vec<usize> = columns.iter().map(|c| width(c.header)).collect();
        for part in crate::parallel::ranges(n, 4096, |range| {
            let mut widths = vec![0; columns.len()];
            for i in range {
                for (w, cell) in widths.iter_mut().zip(row(i).as_ref()) {
                    *w = (*w).max(width(&cell.text));
                }
            }
            widths
        }) {
            for (w, p) in natural.iter_mut().zip(part) {
                *w = (*w).max(p);
            }
        }
        let widths = fit_widths(columns, &natural, self.width);
        let widths = &widths;
        let header_style = self.color.then_some("1");
        let mut head = String::new();
        self.line(
            widths,
            &mut head,
            &mut columns.iter().map(|c| (c.header, header_style, None)),
        );
        let mut pieces = vec![head];
        pieces.extend(crate::parallel::ranges(n, 4096, |range| {
            let mut out = String::with_capacity(range.len() * 96);
            for i in range {
                let r = row(i);
                self.line(
                    widths,
                    &mut out,
                    &mut r
                        .as_ref()
                        .iter()
                        .map(|c| (c.text.as_ref(), c.style, c.lead)),
                );
            }
            out
        }));
        pieces
    }

    /// One line of a table, written straight into `out`, its trailing blanks cut off.
    fn line(
        &self,
        widths: &[Option<usize>],
        out: &mut String,
        cells: &mut dyn Iterator<
            Item = (&str, Option<&'static str>, Option<(usize, &'static str)>),
        >,
    ) {
        let last = widths.iter().rposition(Option::is_some);
        let start = out.len();
        for (i, (text, style, lead)) in cells.enumerate() {
            let Some(Some(w)) = widths.get(i) else {
                continue;
            };
            let text = truncate(text, *w);
            let pad = w.saturating_sub(width(&text));
            match (lead, style) {
                (Some((n, lead_style)), _) if self.color => {
                    let cut = text.char_indices().nth(n).map_or(text.len(), |(b, _)| b);
                    let (head, rest) = text.split_at(cut);
                    out.push_str(&self.paint(lead_style, head));
                    match style {
                        Some(s) => out.push_str(&self.paint(s, rest)),
                        None => out.push_str(rest),
                    }
                }
                (_, Some(s)) if self.color => out.push_str(&self.paint(s, &text)),
                _ => out.push_str(&text),
            }
            if Some(i) != last {
                out.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        let end = start + out[start..].trim_end().len();
        out.truncate(end);
        out.push('\n');
    }
}

/// Pretty JSON with one trailing newline, as every `--format json` and `--json` prints.
pub fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| crate::error::Error::invalid(e.to_string()))
}

/// JSON Lines: one compact object per row.
pub fn jsonl<T: serde::Serialize>(rows: &[T]) -> Result<String> {
    let mut out = String::new();
    for r in rows {
        out.push_str(
            &serde_json::to_string(r).map_err(|e| crate::error::Error::invalid(e.to_string()))?,
        );
        out.push('\n');
    }
    Ok(out)
}

/// CSV with a header row, quoted where needed.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let err = |e: ::csv::Error| crate::error::Error::invalid(e.to_string());
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(headers).map_err(err)?;
    for r in rows {
        w.write_record(r).map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| crate::error::Error::invalid(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes text to stdout; a closed pipe surfaces as an error that `run` treats as success.
pub fn print(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    let stdout = |e| crate::error::Error::io("<stdout>", e);
    out.write_all(text.as_bytes()).map_err(stdout)?;
    out.flush().map_err(stdout)?;
    Ok(())
}

/// "1 ticket", "3 tickets".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(width: Option<usize>, color: bool) -> Out {
        Out {
            color,
            quiet: false,
            tty: false,
            width,
        }
    }

    #[test]
    fn truncates_by_display_width_and_whole_graphemes() {
        assert_eq!(truncate("Printer on fire", 20), "Printer on fire");
        assert_eq!(truncate("Printer on fire", 8), "Printer…");
        assert_eq!(truncate("返品について", 5), "返品…");
        assert_eq!(truncate("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn text_gives_way_then_columns_are_left_out() {
        let cols = [
            Column::keep("ID"),
            Column::cut("NAME", 4),
            Column::keep("WHEN").droppable(1),
            Column::cut("SUBJECT", 6),
        ];
        let rows = vec![vec![
            Styled::plain("06fjw8g000044j"),
            Styled::plain("Kari Nordmann"),
            Styled::plain("2026-11-24 10:00"),
            Styled::plain("A subject long enough to be cut somewhere"),
        ]];
        let wide = out(None, false).fit_table(&cols, &rows);
        assert!(wide.contains("A subject long enough to be cut somewhere"));
        assert!(wide.contains("2026-11-24 10:00"));
        let fit = out(Some(60), false).fit_table(&cols, &rows);
        for l in fit.lines() {
            assert!(l.width() <= 60, "{l:?}");
        }
        assert!(fit.contains("06fjw8g000044j") && fit.contains("2026-11-24 10:00"));
        assert!(fit.contains('…'), "{fit}");
        let narrow = out(Some(40), false).fit_table(&cols, &rows);
        assert!(!narrow.contains("WHEN"), "left out: {narrow}");
        assert!(narrow.contains("06fjw8g000044j"), "{narrow}");
        for l in narrow.lines() {
            assert!(l.width() <= 40, "{l:?}");
        }
    }

    #[test]
    fn colour_paints_after_fitting() {
        let cols = [Column::keep("ID"), Column::cut("SUBJECT", 4)];
        let rows = vec![vec![
            Styled {
                text: "06fjw8g000044j".into(),
                style: Some("90"),
                lead: Some((5, "1;35")),
            },
            Styled::painted("Printer on fire", Some("31")),
        ]];
        let t = out(Some(26), true).fit_table(&cols, &rows);
        assert_eq!(
            t.lines().nth(1).unwrap(),
            "\x1b[1;35m06fjw\x1b[0m\x1b[90m8g000044j\x1b[0m  \x1b[31mPrinter o…\x1b[0m"
        );
        let plain = out(Some(26), false).fit_table(&cols, &rows);
        assert_eq!(plain.lines().nth(1).unwrap(), "06fjw8g000044j  Printer o…");
    }
}
