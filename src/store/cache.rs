//! The listing cache, `.desk/cache/tickets.bin`: each ticket file's summary keyed by its
//! name, size, modification time and inode. It is only ever a shortcut: every listing
//! stats every file and re-reads any whose stamp differs, so a file edited by hand or
//! changed by `git pull` is seen, and deleting `.desk/` loses nothing.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Priority, Ticket};
use crate::store::atomic;

const VERSION: u32 = 9;

/// Wider than any file system's clock tick (Linux updates file times every 1–10 ms).
const MARGIN_NS: i64 = 50_000_000;

/// What a listing needs of a ticket: every field but messages, history and SLA details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    pub subject: String,
    pub kind: String,
    pub status: String,
    pub priority: Priority,
    pub department: Option<String>,
    pub assignee: Option<String>,
    pub requester: Option<String>,
    /// Followers.
    pub cc: Vec<String>,
    pub shop: Option<String>,
    pub channel: String,
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub snoozed_until: Option<i64>,
    pub messages: u32,
    /// The earliest SLA due time not yet met or breached, for `desk tick`.
    pub sla_due: Option<i64>,
    /// When things last happened, for `since.*` without reading the file.
    pub stats: Stats,
    /// Time rules in their episode, and when each fired.
    pub time_rules: Vec<(String, i64)>,
    /// [`crate::model::ticket::mail_key`] of each message's Message-ID and of the IDs it
    /// answers, for threading and duplicate checks.
    pub mail_keys: Vec<u64>,
    /// What reports need from the history, so a report reads no ticket file.
    pub trail: Trail,
}

/// A ticket's history as reports count it: replies, status changes, transfers, SLA.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    /// The first public reply by an agent (automatic replies do not count).
    pub first_reply: Option<i64>,
    /// Every status change: when, from, to.
    pub statuses: Vec<(i64, String, String)>,
    /// Department changes after the ticket was opened and routed: when, from, to.
    pub transfers: Vec<(i64, Option<String>, Option<String>)>,
    pub sla_policy: Option<String>,
    /// Each SLA target: name, due, met, warned, breached.
    pub sla: Vec<SlaFacts>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaFacts {
    pub target: String,
    pub due: Option<i64>,
    pub met: Option<i64>,
    pub warned: Option<i64>,
    pub breached: Option<i64>,
}

impl Trail {
    pub fn of(t: &Ticket) -> Trail {
        let mut statuses = Vec::new();
        let mut transfers = Vec::new();
        for h in &t.history {
            for c in &h.changes {
                let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
                match c.field.as_str() {
                    "status" => statuses.push((
                        h.at.timestamp(),
                        s(&c.from).unwrap_or_default(),
                        s(&c.to).unwrap_or_default(),
                    )),
                    // Routing while the ticket is opened is not a transfer.
                    "department" if h.event != "ticket.created" && !c.from.is_null() => {
                        transfers.push((h.at.timestamp(), s(&c.from), s(&c.to)));
                    }
                    _ => {}
                }
            }
        }
        let ts = |d: Option<DateTime<Utc>>| d.map(|d| d.timestamp());
        Trail {
            first_reply: t
                .messages
                .iter()
                .find(|m| m.kind == crate::model::MessageKind::Reply)
                .map(|m| m.at.timestamp()),
            statuses,
            transfers,
            sla_policy: t.sla.as_ref().map(|s| s.policy.clone()),
            sla: t
                .sla
                .iter()
                .flat_map(|s| s.targets.iter())
                .map(|(name, g)| SlaFacts {
                    target: name.clone(),
                    due: ts(g.due),
                    met: ts(g.met_at),
                    warned: ts(g.warned_at),
                    breached: ts(g.breached_at),
                })
                .collect(),
        }
    }
}

pub use crate::model::ticket::Stats;

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
            cc: t.cc.clone(),
            shop: t.shop.clone(),
            channel: t.channel.clone(),
            tags: t.tags.clone(),
            fields: t.fields.clone(),
            created_at: t.created_at.timestamp(),
            updated_at: t.updated_at.timestamp(),
            snoozed_until: t.snoozed_until.map(|s| s.timestamp()),
            messages: u32::try_from(t.messages.len()).unwrap_or(u32::MAX),
            sla_due: t.sla_next_due().map(|d| d.timestamp()),
            stats: Stats::of(t),
            time_rules: t
                .time_rules
                .iter()
                .map(|(k, v)| (k.clone(), v.timestamp()))
                .collect(),
            mail_keys: t
                .messages
                .iter()
                .flat_map(|m| m.message_id.iter().chain(m.references.iter()))
                .map(|id| crate::model::ticket::mail_key(id))
                .collect(),
            trail: Trail::of(t),
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
            cc: self.cc.clone(),
            shop: self.shop.clone(),
            channel: self.channel.clone(),
            tags: self.tags.clone(),
            fields: self.fields.clone(),
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
            snoozed_until: self.snoozed_until.map(time),
            merged_into: None,
            sla: None,
            messages: Vec::new(),
            history: Vec::new(),
            time_rules: BTreeMap::new(),
            mail: Vec::new(),
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

    /// The modification time in nanoseconds since the epoch.
    pub fn mtime_ns(&self) -> i64 {
        self.mtime
            .saturating_mul(1_000_000_000)
            .saturating_add(self.mtime_nsec)
    }

    /// The stamp of `path`, or `None` if it cannot be read.
    pub fn of_path(path: &Path) -> Option<Stamp> {
        fs::metadata(path).ok().map(|m| Stamp::of(&m))
    }
}

/// The cache file. Summaries are kept as postcard bytes of their own, so a listing
/// decodes only the summaries it shows: every entry's name, stamp, type and status are
/// read in place (no copies), and open tickets are picked before anything is decoded.
#[derive(Serialize, Deserialize)]
struct CacheFile<'a> {
    version: u32,
    /// When the scan that wrote it began, in nanoseconds. A file modified less than
    /// [`MARGIN_NS`] before that may have changed again within the same tick of the
    /// file system's clock, unseen, so it is not trusted.
    started_ns: i64,
    /// The stamp of tickets/ when the listing began: while it is unchanged, no file
    /// was added, removed or renamed there (desk and git always replace files by rename).
    dir: Option<Stamp>,
    /// Sorted by name.
    #[serde(borrow)]
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    name: &'a str,
    stamp: Stamp,
    kind: &'a str,
    status: &'a str,
    summary: &'a [u8],
}

/// A ticket file that could not be read or parsed.
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

pub struct Scan {
    /// The tickets asked for, sorted by ID, which is creation order.
    pub tickets: Vec<Summary>,
    pub problems: Vec<Problem>,
}

/// A fresh entry, for a file read in this scan.
struct Fresh {
    name: String,
    stamp: Stamp,
    kind: String,
    status: String,
    bytes: Vec<u8>,
}

/// The names of the ticket files in `dir`, sorted.
fn names(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if name.starts_with('.') {
            // Versions before `.desk/tmp/` left a killed write's temporary file here.
            if name.ends_with(".tmp") && super::atomic::is_stale(&entry.path()) {
                let _ = fs::remove_file(entry.path());
            }
        } else if name.ends_with(".json") {
            out.push(name);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Stats every file, on as many threads as there are cores: a stat is a system call
/// each, and 100,000 of them are most of a listing's time. Names are looked up relative
/// to an open handle of the directory, so the kernel walks one path component, not all.
pub(crate) fn stat_all(dir: &Path, names: &[String]) -> Vec<Option<Stamp>> {
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let handle = rustix::fs::open(
        dir,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok();
    let stat = |chunk: &[String]| -> Vec<Option<Stamp>> {
        chunk
            .iter()
            .map(|n| match &handle {
                Some(fd) => rustix::fs::statat(fd, n.as_str(), AtFlags::SYMLINK_NOFOLLOW)
                    .ok()
                    .filter(|st| FileType::from_raw_mode(st.st_mode).is_file())
                    .map(|st| Stamp {
                        len: u64::try_from(st.st_size).unwrap_or(0),
                        mtime: st.st_mtime,
                        mtime_nsec: i64::try_from(st.st_mtime_nsec).unwrap_or(0),
                        ino: st.st_ino,
                    }),
                None => match fs::symlink_metadata(dir.join(n)) {
                    Ok(m) if m.is_file() => Some(Stamp::of(&m)),
                    _ => None,
                },
            })
            .collect()
    };
    if threads < 2 || names.len() < 2000 {
        return stat(names);
    }
    let size = names.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .chunks(size)
            .map(|c| (c, scope.spawn(move || stat(c))))
            .collect();
        // A worker that died is redone here: a stamp missing from the list would pair
        // every later file with the wrong stamp.
        handles
            .into_iter()
            .flat_map(|(c, h)| h.join().unwrap_or_else(|_| stat(c)))
            .collect()
    })
}

/// Lists the tickets in `dir` for which `want(type, status)` holds, using and
/// refreshing the cache at `cache_path`.
pub fn scan(dir: &Path, cache_path: &Path, want: &dyn Fn(&str, &str) -> bool) -> Result<Scan> {
    scan_with(dir, cache_path, want, false)
}

/// As [`scan`], but when the directory is as the cache last saw it, only the wanted
/// files are checked; the others are taken from the cache unchecked. For `desk tick`:
/// a ticket the cache holds as done could only have changed by an edit in place that
/// desk, git and renaming editors never make, and the next full listing sees it.
pub fn scan_wanted(
    dir: &Path,
    cache_path: &Path,
    want: &dyn Fn(&str, &str) -> bool,
) -> Result<Scan> {
    scan_with(dir, cache_path, want, true)
}

fn scan_with(
    dir: &Path,
    cache_path: &Path,
    want: &dyn Fn(&str, &str) -> bool,
    quick: bool,
) -> Result<Scan> {
    // Taken first: a change during the scan makes the saved stamp stale, never wrong.
    let dir_stamp = Stamp::of_path(dir);
    let bytes = fs::read(cache_path).unwrap_or_default();
    let cache = postcard::from_bytes::<CacheFile<'_>>(&bytes)
        .ok()
        .filter(|c| c.version == VERSION);
    let started_ns = Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let (written_ns, cached_dir) = cache
        .as_ref()
        .map_or((i64::MIN, None), |c| (c.started_ns, c.dir));
    let trusted_before = written_ns.saturating_sub(MARGIN_NS);
    let dir_unchanged = cached_dir.is_some()
        && cached_dir == dir_stamp
        && dir_stamp.is_some_and(|d| d.mtime_ns() < trusted_before);
    if quick
        && dir_unchanged
        && let Some(c) = &cache
        && let Some(scan) = scan_known(dir, &c.entries, trusted_before, want)
    {
        return Ok(scan);
    }
    let names = names(dir)?;
    let stamps = stat_all(dir, &names);
    let old: Vec<Entry<'_>> = cache
        .map(|c| {
            c.entries
                .into_iter()
                .filter(|e| e.stamp.mtime_ns() < trusted_before)
                .collect()
        })
        .unwrap_or_default();

    // Record the directory's stamp once it can be trusted.
    let mut dirty = !dir_unchanged;
    let mut tickets = Vec::new();
    let mut problems = Vec::new();
    // Index into `old` (reused, borrowed) or into `fresh` (read now).
    let mut keep: Vec<std::result::Result<usize, usize>> = Vec::with_capacity(names.len());
    let mut fresh: Vec<Fresh> = Vec::new();
    let mut j = 0;
    for (name, stamp) in names.iter().zip(stamps) {
        // Removed between readdir and stat: it is simply gone.
        let Some(stamp) = stamp else { continue };
        while j < old.len() && old[j].name < name.as_str() {
            j += 1;
            dirty = true;
        }
        if j < old.len() && old[j].name == name && old[j].stamp == stamp {
            let e = &old[j];
            j += 1;
            if !want(e.kind, e.status) {
                keep.push(Ok(j - 1));
                continue;
            }
            if let Ok(sum) = postcard::from_bytes::<Summary>(e.summary) {
                tickets.push(sum);
                keep.push(Ok(j - 1));
                continue;
            }
        }
        dirty = true;
        let path = dir.join(name);
        match read_summary(&path, name) {
            Ok(sum) => {
                let bytes = postcard::to_stdvec(&sum).unwrap_or_default();
                keep.push(Err(fresh.len()));
                fresh.push(Fresh {
                    name: name.clone(),
                    stamp,
                    kind: sum.kind.clone(),
                    status: sum.status.clone(),
                    bytes,
                });
                if want(&sum.kind, &sum.status) {
                    tickets.push(sum);
                }
            }
            Err(message) => problems.push(Problem { path, message }),
        }
    }
    if j < old.len() {
        dirty = true;
    }
    if dirty {
        let entries = keep
            .iter()
            .map(|k| match k {
                Ok(i) => Entry {
                    name: old[*i].name,
                    stamp: old[*i].stamp,
                    kind: old[*i].kind,
                    status: old[*i].status,
                    summary: old[*i].summary,
                },
                Err(i) => Entry {
                    name: &fresh[*i].name,
                    stamp: fresh[*i].stamp,
                    kind: &fresh[*i].kind,
                    status: &fresh[*i].status,
                    summary: &fresh[*i].bytes,
                },
            })
            .collect();
        let cache = CacheFile {
            version: VERSION,
            started_ns,
            dir: dir_stamp,
            entries,
        };
        // The cache is a shortcut: failing to write it must not fail the listing.
        if let Ok(bytes) = postcard::to_stdvec(&cache)
            && let Some(parent) = cache_path.parent()
            && fs::create_dir_all(parent).is_ok()
        {
            let _ = atomic::replace_unsynced(cache_path, &bytes);
        }
    }
    Ok(Scan { tickets, problems })
}

/// The wanted tickets from cache entries whose files are checked one by one; `None` if
/// any of them changed, so the caller does a full scan.
fn scan_known(
    dir: &Path,
    entries: &[Entry<'_>],
    trusted_before: i64,
    want: &dyn Fn(&str, &str) -> bool,
) -> Option<Scan> {
    let wanted: Vec<&Entry<'_>> = entries.iter().filter(|e| want(e.kind, e.status)).collect();
    let names: Vec<String> = wanted.iter().map(|e| e.name.to_string()).collect();
    let stamps = stat_all(dir, &names);
    let mut tickets = Vec::with_capacity(wanted.len());
    for (e, stamp) in wanted.iter().zip(stamps) {
        if stamp != Some(e.stamp) || e.stamp.mtime_ns() >= trusted_before {
            return None;
        }
        tickets.push(postcard::from_bytes::<Summary>(e.summary).ok()?);
    }
    Some(Scan {
        tickets,
        problems: Vec::new(),
    })
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
