//! Reading TOML configuration with positions, so every mistake is reported as
//! `file:line:col: message`, all of them at once, with a did-you-mean for near misses.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::error::{Diagnostic, Problem};

/// A configuration file's name (as shown in messages) and text.
pub struct Source {
    pub name: String,
    pub text: String,
    /// Byte offsets where lines start, made on the first [`Source::position`]: a
    /// rules file asks for hundreds of positions and counting from the top each time
    /// made reading it quadratic.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

/// A hash of a configuration file's bytes, to tell whether a compiled configuration
/// (`.desk/cache/config.bin`) was made from it. Stable for one desk binary, which is all
/// that file is kept for.
pub fn hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let offset = floor_char_boundary(&self.text, offset);
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .bytes()
                        .enumerate()
                        .filter(|&(_, b)| b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect()
        });
        // The first line starts at 0, so at least one start is at or before `offset`.
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts.get(line.wrapping_sub(1)).copied().unwrap_or(0);
        let column = self.text[line_start..offset].chars().count() + 1;
        (line, column)
    }

    pub fn diagnostic(&self, span: Range<usize>, problem: impl Into<Problem>) -> Diagnostic {
        let (line, column) = self.position(span.start);
        Diagnostic {
            file: self.name.clone(),
            line,
            column,
            problem: problem.into(),
        }
    }

    /// Parses the whole file into a spanned tree, or the syntax error with its place.
    pub fn parse(&self) -> Result<Spanned<DeTable<'_>>, Vec<Diagnostic>> {
        DeTable::parse(&self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let mut msg = e.message().trim().replace('\n', " ");
            // toml says "duplicate key" at the key: say which.
            if msg == "duplicate key"
                && let Some(key) = self
                    .text
                    .get(span.clone())
                    .and_then(|line| line.split(['=', '\n']).next())
                    .map(|k| k.trim().trim_matches(['[', ']', '"']).trim())
                    .filter(|k| !k.is_empty())
            {
                msg = format!("duplicate key `{}`", crate::error::one_line(key));
            }
            vec![self.diagnostic(span, msg)]
        })
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Words people reach for instead of ours, too far apart for a spelling suggestion.
const ALIASES: [(&str, &str); 14] = [
    ("operator", "op"),
    ("values", "value"),
    ("val", "value"),
    ("fields", "field"),
    ("when", "if"),
    ("conditions", "if"),
    ("actions", "then"),
    ("do", "then"),
    ("events", "on"),
    ("event", "on"),
    ("first_response", "first_reply"),
    ("response", "first_reply"),
    ("resolve", "resolution"),
    ("warning", "warn_before"),
];

/// Collects diagnostics while walking a spanned TOML tree.
pub struct Reader<'s> {
    pub source: &'s Source,
    pub errors: Vec<Diagnostic>,
}

pub type Value<'i> = Spanned<DeValue<'i>>;

impl<'s> Reader<'s> {
    pub fn new(source: &'s Source) -> Self {
        Reader {
            source,
            errors: Vec::new(),
        }
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<Problem>) {
        let d = self.source.diagnostic(span, message);
        self.errors.push(d);
    }

    /// The errors sorted by place, without repeats.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.errors.sort_by_key(|d| (d.line, d.column));
        self.errors.dedup();
        self.errors
    }

    /// Records `name` as seen at `span`; if it was seen before, returns the line where.
    pub fn seen_before(
        &self,
        seen: &mut std::collections::HashMap<String, usize>,
        name: &str,
        span: Range<usize>,
    ) -> Option<usize> {
        match seen.get(name) {
            Some(first) => Some(self.source.position(*first).0),
            None => {
                seen.insert(name.to_string(), span.start);
                None
            }
        }
    }

    /// Reports every key of `table` not in `allowed`, with a did-you-mean.
    /// Returns false if some key was unknown.
    pub fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], what: &str) -> bool {
        let mut ok = true;
        for key in table.keys() {
            let k: &str = key.get_ref();
            if !allowed.contains(&k) {
                ok = false;
                let message = format!("unknown key `{k}` in {what}");
                let problem = match ALIASES
                    .iter()
                    .find(|(from, to)| *from == k && allowed.contains(to))
                {
                    Some((_, to)) => Problem {
                        message,
                        hint: Some(to.to_string()),
                    },
                    None => Problem::near(message, k, allowed.iter().copied()),
                };
                self.error(key.span(), problem);
            }
        }
        ok
    }

    pub fn as_table<'v, 'i>(&mut self, v: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    v.span(),
                    format!("{what} must be a table, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub fn as_array<'v, 'i>(&mut self, v: &'v Value<'i>, what: &str) -> Option<&'v DeArray<'i>> {
        match v.get_ref() {
            DeValue::Array(a) => Some(a),
            other => {
                self.error(
                    v.span(),
                    format!("{what} must be an array, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub fn as_str(&mut self, v: &Value<'_>, what: &str) -> Option<Spanned<String>> {
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            other => {
                self.error(
                    v.span(),
                    format!("{what} must be a string, found {}", other.type_str()),
                );
                None
            }
        }
    }

    /// An optional string key.
    pub fn opt_str(&mut self, t: &DeTable<'_>, key: &str, what: &str) -> Option<Spanned<String>> {
        let v = t.get(key)?;
        self.as_str(v, &format!("`{key}` of {what}"))
    }

    /// A required string key; `at` is where to point when it is missing.
    pub fn req_str(
        &mut self,
        t: &DeTable<'_>,
        key: &str,
        what: &str,
        at: Range<usize>,
    ) -> Option<Spanned<String>> {
        match t.get(key) {
            Some(v) => self.as_str(v, &format!("`{key}` of {what}")),
            None => {
                self.error(at, format!("{what} needs `{key}`"));
                None
            }
        }
    }

    pub fn opt_bool(&mut self, t: &DeTable<'_>, key: &str, what: &str) -> Option<bool> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.error(
                    v.span(),
                    format!(
                        "`{key}` of {what} must be true or false, found {}",
                        other.type_str()
                    ),
                );
                None
            }
        }
    }

    /// An optional array of strings (a single string is not accepted, to keep files uniform).
    pub fn str_list(&mut self, t: &DeTable<'_>, key: &str, what: &str) -> Vec<Spanned<String>> {
        let Some(v) = t.get(key) else {
            return Vec::new();
        };
        let Some(arr) = self.as_array(v, &format!("`{key}` of {what}")) else {
            return Vec::new();
        };
        arr.iter()
            .filter_map(|item| self.as_str(item, &format!("each entry of `{key}` in {what}")))
            .collect()
    }

    /// The tables of an array of tables (`[[department]]`), or a report of what was there instead.
    pub fn tables<'v, 'i>(
        &mut self,
        t: &'v DeTable<'i>,
        key: &str,
    ) -> Vec<(Range<usize>, &'v DeTable<'i>)> {
        let Some(v) = t.get(key) else {
            return Vec::new();
        };
        if let DeValue::Table(_) = v.get_ref() {
            self.error(
                v.span(),
                format!("write `[[{key}]]` (double brackets): there can be many, so `{key}` is a list of tables"),
            );
            return Vec::new();
        }
        let Some(arr) = self.as_array(v, &format!("`{key}`")) else {
            return Vec::new();
        };
        arr.iter()
            .filter_map(|item| {
                let span = item.span();
                self.as_table(item, &format!("each `[[{key}]]`"))
                    .map(|tbl| (span, tbl))
            })
            .collect()
    }
}

/// The key's span within a table, to point at a key rather than its value.
pub fn key_span(t: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    t.get_key_value(key).map(|(k, _)| k.span())
}
