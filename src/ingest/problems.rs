//! The bad lines of a file that is refused as a whole (a batch of web-form payloads, a
//! CSV import): every one is named, as `FILE:LINE: problem` on a line of its own, so one
//! run shows everything to fix. A file with thousands of bad lines (the wrong file, a
//! broken export) lists the first [`SHOWN`] and counts the rest.

use std::fmt::Display;

use crate::error::{Error, Result};

/// How many bad lines a refused file lists; the rest are counted in one more line.
pub const SHOWN: usize = 20;

/// The problems found in one file, in the order found.
pub struct BadLines {
    name: String,
    shown: Vec<String>,
    more: usize,
}

impl BadLines {
    /// Problems of the file called `name` (as given on the command line, `-` for stdin).
    pub fn new(name: &str) -> BadLines {
        BadLines {
            name: name.to_string(),
            shown: Vec::new(),
            more: 0,
        }
    }

    /// A problem at `place` (a line, or `LINE:COLUMN`).
    pub fn push(&mut self, place: impl Display, problem: impl Display) {
        if self.shown.len() < SHOWN {
            self.shown.push(format!(
                "{}:{place}: {}",
                self.name,
                crate::error::one_line(&problem.to_string())
            ));
        } else {
            self.more += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// Nothing wrong, or every problem as one error of one line each.
    pub fn check(self) -> Result<()> {
        if self.shown.is_empty() {
            return Ok(());
        }
        let mut text = self.shown.join("\n");
        if self.more > 0 {
            text.push_str(&format!(
                "\n{}: {} more bad line{} not listed (the first {SHOWN} are above)",
                self.name,
                self.more,
                if self.more == 1 { "" } else { "s" }
            ));
        }
        Err(Error::invalid(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_first_problems_and_counts_the_rest() {
        let mut b = BadLines::new("in.jsonl");
        assert!(b.is_empty());
        for n in 1..=SHOWN + 3 {
            b.push(n, "bad");
        }
        let text = b
            .check()
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), SHOWN + 1);
        assert_eq!(lines[0], "in.jsonl:1: bad");
        assert_eq!(
            lines[SHOWN],
            "in.jsonl: 3 more bad lines not listed (the first 20 are above)"
        );
        assert!(BadLines::new("x").check().is_ok());
    }
}
