//! Errors of the library. The kind of error picks the exit status at the edge.

use std::fmt;
use std::path::{Path, PathBuf};

/// What is wrong, and apart from it the name that was probably meant: the hint is data,
/// rendered in one place as ", did you mean `x`?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: None,
        }
    }

    /// `message`, with the nearest of `candidates` to `given` as its hint.
    pub fn near<'a>(
        message: impl Into<String>,
        given: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Problem {
        Problem {
            message: message.into(),
            hint: did_you_mean(given, candidates).map(str::to_string),
        }
    }

    /// `unknown WHAT `given``: with the nearest known name as the hint, or, when none is
    /// near, the known names in the message.
    pub fn unknown<'a>(
        what: &str,
        given: &str,
        known: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Problem {
        Problem::near_or_list(
            format!("unknown {what} `{}`", one_line(given)),
            given,
            known,
            "known",
        )
    }

    /// `message` with the nearest of `candidates` as its hint, or, when none is near,
    /// followed by ` (LABEL: every candidate)`.
    pub fn near_or_list<'a>(
        message: String,
        given: &str,
        candidates: impl IntoIterator<Item = &'a str> + Clone,
        label: &str,
    ) -> Problem {
        let hint = did_you_mean(given, candidates.clone()).map(str::to_string);
        let list: Vec<&str> = candidates.into_iter().collect();
        let message = if hint.is_none() && !list.is_empty() {
            format!("{message} ({label}: {})", list.join(", "))
        } else {
            message
        };
        Problem { message, hint }
    }
}

impl Problem {
    /// `field `NAME`: MESSAGE`: where in a file the problem is.
    pub fn in_field(mut self, field: &str) -> Problem {
        self.message = format!("field `{field}`: {}", self.message);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, ", did you mean `{h}`?")?;
        }
        Ok(())
    }
}

impl From<String> for Problem {
    fn from(message: String) -> Problem {
        Problem::new(message)
    }
}

impl From<&str> for Problem {
    fn from(message: &str) -> Problem {
        Problem::new(message)
    }
}

impl From<Problem> for String {
    fn from(p: Problem) -> String {
        p.to_string()
    }
}

/// A problem at a place in a configuration file: `desk.toml:14:9: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub problem: Problem,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file,
            self.line,
            self.column,
            one_line(&self.problem.to_string())
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line was wrong in a way clap could not see (exit 2).
    #[error("{0}")]
    Usage(String),
    /// One or more mistakes in configuration files, each with its place.
    #[error("{}", join_lines(.0))]
    Config(Vec<Diagnostic>),
    /// A value given on the command line or in input is not acceptable (exit 1).
    #[error("{0}")]
    Invalid(Problem),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {}", .path.display(), one_line(.message))]
    Corrupt { path: PathBuf, message: String },
    #[error("not inside a helpdesk (no desk.toml in {} or any parent); run `desk init` to create one", .0.display())]
    NoHelpdesk(PathBuf),
    #[error("no ticket `{}`", one_line(.0))]
    NoTicket(String),
    #[error("ticket prefix `{prefix}` is ambiguous: {}", .candidates.join(", "))]
    Ambiguous {
        prefix: String,
        candidates: Vec<String>,
    },
    /// Another process holds a lock this command does not wait for (exit 75, EX_TEMPFAIL).
    #[error("{0}")]
    Busy(String),
    /// Some items failed but the command did the rest; the failures were already reported.
    #[error("{0}")]
    Partial(String),
}

/// What starts every line desk prints about a problem: errors are `desk: MESSAGE`
/// (`desk: rules.toml:14:9: MESSAGE` for a mistake at a place in a file), warnings
/// `desk: warning: MESSAGE`. Clap's usage errors are printed the same way.
pub const PREFIX: &str = "desk: ";

/// Prints an error on stderr, each of its lines behind [`PREFIX`] and made printable.
pub fn print_error(message: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    for line in message.lines() {
        let _ = writeln!(err, "{PREFIX}{}", printable(line));
    }
}

/// Prints a warning on stderr: each line `desk: warning: LINE`, the word `warning` in
/// yellow when `color` is on.
pub fn print_warning(message: &str, color: bool) {
    use std::io::Write as _;
    let word = if color {
        "\x1b[33mwarning:\x1b[0m"
    } else {
        "warning:"
    };
    let mut err = std::io::stderr().lock();
    for line in message.lines() {
        let _ = writeln!(err, "{PREFIX}{word} {}", printable(line));
    }
}

/// Text from input made safe for a terminal: control characters (CR, NUL, ESC...),
/// bidirectional overrides and zero-width characters are written as escapes, so a name
/// or header can neither forge a line, move the cursor, nor hide what it says. Line
/// breaks are kept: callers split messages into lines themselves.
pub fn printable(s: &str) -> String {
    escape(s, false)
}

/// [`printable`], and line breaks escaped too: a value quoted inside one line. A name
/// quoted from a file may hold a line break (`"a\nb"` is a valid TOML string or JSON
/// key), and each problem must stay one line.
pub fn one_line(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, newlines: bool) -> String {
    if !s.chars().any(|c| needs_escape(c, newlines)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c, newlines) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char, newlines: bool) -> bool {
    (c.is_control() && c != '\t' && (newlines || c != '\n')) || is_invisible(c)
}

/// Characters that change how text around them shows without showing themselves:
/// bidirectional embeddings, overrides and isolates, zero-width spaces and joiners.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}'
    )
}

fn join_lines(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// A value that is not acceptable, with or without a hint.
    pub fn invalid(problem: impl Into<Problem>) -> Self {
        Error::Invalid(problem.into())
    }

    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// Exit status: 2 for usage mistakes, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Busy(_) => 75,
            _ => 1,
        }
    }

    /// True when the error is a closed pipe on stdout (`desk list | head`), which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// "did you mean `x`?" for a near-miss name, or nothing.
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let given_l = given.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&given_l, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(given.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Appends ", did you mean `x`?" when a near miss exists.
pub fn suggest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match did_you_mean(given, candidates) {
        Some(s) => format!(", did you mean `{s}`?"),
        None => String::new(),
    }
}
