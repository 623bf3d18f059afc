//! Errors of the library. The kind of error picks the exit status at the edge.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem at a place in a configuration file: `desk.toml:14:9: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
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
    Invalid(String),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", .path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error("not inside a helpdesk (no desk.toml in {} or any parent); run `desk init` to create one", .0.display())]
    NoHelpdesk(PathBuf),
    #[error("no ticket `{0}`")]
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

fn join_lines(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
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
