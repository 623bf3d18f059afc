//! The outbox: `outbox/*.eml`, one RFC 5322 message per file, named after its
//! Message-ID (`TICKET.RANDOM.eml`), waiting for `desk outbox send`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mail_parser::MessageParser;

use crate::error::{Error, Result};
use crate::model::id::is_full_id;

/// A queued message, as its headers describe it.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The file name, `NAME.eml`.
    pub name: String,
    pub path: PathBuf,
    pub ticket: Option<String>,
    pub message_id: Option<String>,
    pub from: Option<String>,
    /// To, Cc and Bcc.
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub date: Option<DateTime<Utc>>,
}

/// A file in outbox/ that cannot be read as mail: its name and what is wrong.
pub type Unreadable = (String, String);

/// Every queued message, oldest name first; unreadable files are listed by name with
/// what is wrong, so one broken file never blocks the others.
pub fn queued(root: &Path) -> Result<(Vec<Queued>, Vec<Unreadable>)> {
    let dir = root.join("outbox");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".eml") && !n.starts_with('.'))
        .collect();
    names.sort();
    let parser = MessageParser::default();
    let (mut out, mut bad) = (Vec::new(), Vec::new());
    for name in names {
        let path = dir.join(&name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                bad.push((name, e.to_string()));
                continue;
            }
        };
        let Some(m) = parser.parse_headers(&bytes) else {
            bad.push((name, "not a mail message".into()));
            continue;
        };
        let addrs = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
            a.map(|a| {
                a.iter()
                    .filter_map(|x| x.address().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
        };
        let mut to = addrs(m.to());
        to.extend(addrs(m.cc()));
        to.extend(addrs(m.bcc()));
        let ticket = name
            .split('.')
            .next()
            .filter(|t| is_full_id(t))
            .map(str::to_string);
        out.push(Queued {
            ticket,
            message_id: m
                .message_id()
                .map(|id| format!("<{}>", id.trim_matches(['<', '>']))),
            from: m
                .from()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .map(str::to_string),
            to,
            subject: m.subject().map(str::to_string),
            date: m
                .date()
                .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
            name,
            path,
        });
    }
    Ok((out, bad))
}
