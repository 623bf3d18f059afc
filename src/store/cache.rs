//! The listing cache, `.desk/cache/tickets.bin`: each ticket file's summary keyed by its
//! name, size, modification time and inode. It is only ever a shortcut: every listing
//! stats every file and re-reads any whose stamp differs, so a file edited by hand or
//! changed by `git pull` is seen, and deleting `.desk/` loses nothing.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Priority, Ticket};
use crate::store::atomic;

const VERSION: u32 = 1;

/// What a listing needs of a ticket: every field but messages, history and SLA details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub subject: String,
    pub kind: String,
    pub status: String,
    pub priority: Priority,
    pub department: Option<String>,
    pub assignee: Option<String>,
    pub requester: Option<String>,
    pub shop: Option<String>,
    pub channel: String,
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub snoozed_until: Option<i64>,
    pub messages: u32,
}

fn time(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

impl Summary {
    pub fn of(t: &Ticket) -> Summary {
        Summary {
            id: t.id.clone(),
            subject: t.subject.clone(),
            kind: t.kind.clone(),
            status: t.status.clone(),
            priority: t.priority,
            department: t.department.clone(),
            assignee: t.assignee.clone(),
            requester: t.requester.clone(),
            shop: t.shop.clone(),
            channel: t.channel.clone(),
            tags: t.tags.clone(),
            fields: t.fields.clone(),
            created_at: t.created_at.timestamp(),
            updated_at: t.updated_at.timestamp(),
            snoozed_until: t.snoozed_until.map(|s| s.timestamp()),
            messages: u32::try_from(t.messages.len()).unwrap_or(u32::MAX),
        }
    }

    /// A ticket with these fields and no messages or history, for evaluating conditions
    /// that do not need them.
    pub fn to_ticket(&self) -> Ticket {
        Ticket {
            id: self.id.clone(),
            subject: self.subject.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            priority: self.priority,
            department: self.department.clone(),
            assignee: self.assignee.clone(),
            requester: self.requester.clone(),
            shop: self.shop.clone(),
            channel: self.channel.clone(),
            tags: self.tags.clone(),
            fields: self.fields.clone(),
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
            snoozed_until: self.snoozed_until.map(time),
            sla: None,
            messages: Vec::new(),
            history: Vec::new(),
        }
    }
}

/// What identifies a file's version without reading it: size, modification time, inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    len: u64,
    mtime: i64,
    mtime_nsec: i64,
    ino: u64,
}

impl Stamp {
    pub fn of(m: &fs::Metadata) -> Stamp {
        Stamp {
            len: m.len(),
            mtime: m.mtime(),
            mtime_nsec: m.mtime_nsec(),
            ino: m.ino(),
        }
    }

    /// The stamp of `path`, or `None` if it cannot be read.
    pub fn of_path(path: &Path) -> Option<Stamp> {
        fs::metadata(path).ok().map(|m| Stamp::of(&m))
    }
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    /// When the cache was written (seconds). Entries modified within a second of it
    /// may have changed again unseen in the same clock tick, so they are re-read.
    written_at: i64,
    entries: Vec<(String, Stamp, Summary)>,
}

/// A ticket file that could not be read or parsed.
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

pub struct Scan {
    /// Sorted by ID, which is creation order.
    pub tickets: Vec<Summary>,
    pub problems: Vec<Problem>,
}

fn load(path: &Path) -> Option<CacheFile> {
    let bytes = fs::read(path).ok()?;
    let c: CacheFile = postcard::from_bytes(&bytes).ok()?;
    (c.version == VERSION).then_some(c)
}

/// Lists every ticket in `dir`, using and refreshing the cache at `cache_path`.
pub fn scan(dir: &Path, cache_path: &Path) -> Result<Scan> {
    let mut files = Vec::new();
    let rd = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        match entry.metadata() {
            Ok(m) if m.is_file() => files.push((name.to_string(), Stamp::of(&m))),
            Ok(_) => {}
            // Removed between readdir and stat: it is simply gone.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(entry.path(), e)),
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));

    let old = load(cache_path);
    let trusted_before = old.as_ref().map_or(i64::MIN, |c| c.written_at - 1);
    let mut known: HashMap<String, (Stamp, Summary)> = old
        .map(|c| {
            c.entries
                .into_iter()
                .map(|(n, s, sum)| (n, (s, sum)))
                .collect()
        })
        .unwrap_or_default();
    let mut dirty = known.len() != files.len();
    let mut tickets = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    let mut entries = Vec::with_capacity(files.len());
    for (name, stamp) in files {
        if let Some((s, sum)) = known.remove(&name)
            && s == stamp
            && stamp.mtime < trusted_before
        {
            tickets.push(sum.clone());
            entries.push((name, stamp, sum));
            continue;
        }
        dirty = true;
        let path = dir.join(&name);
        match read_summary(&path, &name) {
            Ok(sum) => {
                tickets.push(sum.clone());
                entries.push((name, stamp, sum));
            }
            Err(message) => problems.push(Problem { path, message }),
        }
    }
    if dirty {
        let cache = CacheFile {
            version: VERSION,
            written_at: Utc::now().timestamp(),
            entries,
        };
        // The cache is a shortcut: failing to write it must not fail the listing.
        if let Ok(bytes) = postcard::to_stdvec(&cache)
            && let Some(parent) = cache_path.parent()
            && fs::create_dir_all(parent).is_ok()
        {
            let _ = atomic::replace(cache_path, &bytes);
        }
    }
    Ok(Scan { tickets, problems })
}

fn read_summary(path: &Path, name: &str) -> Result<Summary, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let t = Ticket::from_json(&text)?;
    if format!("{}.json", t.id) != name {
        return Err(format!(
            "holds ticket `{}`, not the one its name says",
            t.id
        ));
    }
    Ok(Summary::of(&t))
}
