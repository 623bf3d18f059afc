//! Output: data on stdout, messages on stderr, color only on a terminal and never
//! with NO_COLOR, tables for people and stable formats for programs.

use std::io::{self, IsTerminal, Write};

use comfy_table::{Attribute, Cell, ContentArrangement, Table, presets};

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

    pub fn warn(&self, msg: impl AsRef<str>) {
        if self.color {
            eprintln!("\x1b[33mwarning:\x1b[0m {}", msg.as_ref());
        } else {
            eprintln!("warning: {}", msg.as_ref());
        }
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

/// Writes text to stdout; a closed pipe surfaces as an error that `run` treats as success.
pub fn print(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
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
