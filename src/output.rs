//! Output: data on stdout, messages on stderr, color only on a terminal and never
//! with NO_COLOR, tables for people and stable formats for programs.

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
        Out { color, quiet, tty }
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
