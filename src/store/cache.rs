//! The listing cache, `.desk/cache/`: each ticket file's summary, so listings, `tick` and
//! reports read no ticket file they need not. It is only ever a shortcut: deleting
//! `.desk/` loses nothing, and whatever it cannot vouch for is read again.
//!
//! **Partitions.** Summaries are kept in files of their own per (type, status, creation
//! period — the first three characters of the ID, about twelve days), listed in
//! `index.bin`. A listing of open tickets reads only the partitions of open statuses, so
//! its cost follows the open work, not the archive. Done tickets may be kept *light*
//! (name, stamp, last update, no summary) until something asks for them in full.
//!
//! **Knowing nothing changed without looking at every file.** `index.bin` records the
//! stamp of `tickets/` when its scan began. desk, git (pull, checkout, merge) and
//! editors that save by renaming all replace files by rename, which changes that stamp.
//! desk's own writes are appended to `journal.bin` with the directory's stamp before and
//! after, so a chain of them still accounts for every change. While the chain holds, a
//! listing stats only the files it shows (an edit in place of those is seen too) and
//! reads the partitions it wants; when it breaks (a `git pull`, a file added, removed or
//! renamed by hand) the next listing stats every file and reads the ones that changed.
//! What is not seen without that full scan: an edit *in place* (same file, not renamed)
//! of a ticket the listing does not show — `desk list --rescan` forces the full scan.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Priority, Ticket};
use crate::parallel::parallel;
use crate::store::atomic;

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
    /// Custom fields, sorted by name. A list, not a map: a map's smallest node holds
    /// eleven entries, a tenth of a large listing's memory for two fields a ticket.
    pub fields: Vec<(String, String)>,
    pub created_at: i64,
    pub updated_at: i64,
    pub snoozed_until: Option<i64>,
    pub messages: u32,
    /// The earliest SLA due time not yet met or breached, for `desk tick`.
    pub sla_due: Option<i64>,
    /// The earliest due time of those whose warning was not raised either: the policy's
    /// `warn_before` ahead of it, `desk tick` warns.
    pub sla_unwarned: Option<i64>,
    /// When things last happened, for `since.*` without reading the file.
    pub stats: Stats,
    /// Time rules in their episode, and when each fired.
    pub time_rules: Vec<(String, i64)>,
    /// [`crate::model::ticket::mail_key`] of each message's Message-ID and of the IDs it
    /// answers, for threading and duplicate checks.
    #[serde(deserialize_with = "lean::keys")]
    pub mail_keys: Vec<u64>,
    /// What reports need from the history, so a report reads no ticket file.
    pub trail: Trail,
    /// The file's stamp when the summary was read from the cache; not stored.
    #[serde(skip)]
    pub stamp: Stamp,
}

/// A department change: when, from, to.
pub type Transfer = (i64, Option<String>, Option<String>);

/// A ticket's history as reports count it: replies, status changes, transfers, SLA.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trail {
    /// The first public reply by an agent (automatic replies do not count).
    pub first_reply: Option<i64>,
    /// Every status change: when, from, to.
    #[serde(deserialize_with = "lean::statuses")]
    pub statuses: Vec<(i64, String, String)>,
    /// Department changes after the ticket was opened and routed: when, from, to.
    #[serde(deserialize_with = "lean::transfers")]
    pub transfers: Vec<Transfer>,
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
            fields: t
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            created_at: t.created_at.timestamp(),
            updated_at: t.updated_at.timestamp(),
            snoozed_until: t.snoozed_until.map(|s| s.timestamp()),
            messages: u32::try_from(t.messages.len()).unwrap_or(u32::MAX),
            sla_due: t.sla_next_due().map(|d| d.timestamp()),
            sla_unwarned: t.sla.as_ref().and_then(|sla| {
                sla.targets
                    .values()
                    .filter(|g| g.met_at.is_none() && g.breached_at.is_none())
                    .filter(|g| g.warned_at.is_none())
                    .filter_map(|g| g.due)
                    .min()
                    .map(|d| d.timestamp())
            }),
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
            stamp: Stamp::default(),
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
            fields: self.fields.iter().cloned().collect(),
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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

const VERSION: u32 = 12;

/// Wider than any file system's clock tick (Linux updates file times every 1–10 ms).
const MARGIN_NS: i64 = 50_000_000;

/// A journal longer than this is folded into the partitions by the next listing.
const JOURNAL_MAX_ITEMS: usize = 20_000;
const JOURNAL_MAX_BYTES: u64 = 32 << 20;

/// `index.bin`: the partitions and what the last full scan saw.
#[derive(Serialize, Deserialize, Default)]
struct Index {
    version: u32,
    /// When the full scan that wrote it began, in nanoseconds. A file modified less than
    /// [`MARGIN_NS`] before that may have changed again within the same tick of the
    /// file system's clock, unseen, so it is not trusted.
    started_ns: i64,
    /// The stamp of tickets/ when that scan began.
    dir: Option<Stamp>,
    parts: Vec<PartInfo>,
    /// Files that could not be read, reported by every listing until they change.
    problems: Vec<Bad>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    kind: String,
    status: String,
    /// The first three characters of the file name: about twelve days of IDs.
    period: String,
}

impl Key {
    fn of(name: &str, kind: &str, status: &str) -> Key {
        Key {
            kind: kind.into(),
            status: status.into(),
            period: Key::period_of(name),
        }
    }

    /// The period of a ticket file's name: its first three characters.
    fn period_of(name: &str) -> String {
        name.chars()
            .take(3)
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    }

    /// A file name for the partition: type and status may be any text a hand edit put
    /// there, so they are hashed.
    fn file(&self, generation: i64) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.kind.bytes().chain([0]).chain(self.status.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("p-{}-{h:016x}-{generation:x}.bin", self.period)
    }
}

#[derive(Serialize, Deserialize, Clone)]
struct PartInfo {
    key: Key,
    file: String,
    count: u32,
}

#[derive(Serialize, Deserialize, Clone)]
struct Bad {
    name: String,
    stamp: Stamp,
    message: String,
}

#[derive(Serialize, Deserialize)]
struct PartFile<'a> {
    version: u32,
    /// Sorted by name.
    #[serde(borrow)]
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
struct Entry<'a> {
    name: &'a str,
    stamp: Stamp,
    updated: i64,
    /// Postcard bytes of the [`Summary`]; empty for a light entry.
    summary: &'a [u8],
}

/// A journal record: files desk wrote, with the stamp of tickets/ just before and just
/// after (both `None` for summaries a listing only read).
#[derive(Serialize, Deserialize)]
struct Record {
    before: Option<Stamp>,
    after: Option<Stamp>,
    items: Vec<Item>,
}

/// A ticket file as desk left it: `None` when it was deleted.
#[derive(Serialize, Deserialize, Clone)]
pub struct Item {
    name: String,
    state: Option<State>,
}

#[derive(Serialize, Deserialize, Clone)]
struct State {
    stamp: Stamp,
    kind: String,
    status: String,
    updated: i64,
    /// Read as one run of bytes, not byte by byte (the same bytes on disk).
    #[serde(with = "serde_bytes")]
    summary: Vec<u8>,
}

/// An entry read or kept in this scan.
struct Owned {
    name: String,
    stamp: Stamp,
    key: Key,
    updated: i64,
    summary: Vec<u8>,
}

/// A ticket file that could not be read or parsed.
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

impl Problem {
    /// As listings and `tick` name a file they could not read and went on without.
    pub fn skipped(&self) -> String {
        format!("{}: {} (skipped)", self.path.display(), self.message)
    }
}

#[derive(Default)]
pub struct Scan {
    /// The tickets asked for, sorted by ID, which is creation order.
    pub tickets: Vec<Summary>,
    pub problems: Vec<Problem>,
    /// IDs of tickets asked for that [`Options::known`] knew: not in `tickets`.
    pub known: Vec<String>,
}

/// Says whether a ticket file (name, stamp) is known to the caller already.
pub type KnownTest<'a> = &'a dyn Fn(&str, Stamp) -> bool;

/// Says whether a (type, status) pair is wanted, or done.
pub type PairTest<'a> = &'a dyn Fn(&str, &str) -> bool;

/// What a scan is asked for.
pub struct Options<'a> {
    /// The (type, status) pairs wanted.
    pub want: PairTest<'a>,
    /// Stat every file, trusting nothing but the files themselves.
    pub rescan: bool,
    /// Leave out tickets of a done (type, status) — the function says which are done —
    /// last updated before this instant (seconds), for reports over a recent period.
    pub updated_since: Option<(i64, PairTest<'a>)>,
    /// The caller needs no threading keys and no history of status changes and
    /// transfers (a listing for people): they are dropped as each summary is decoded,
    /// so a listing of a hundred thousand tickets holds a third of the memory.
    pub lean: bool,
    /// Versions of files the caller has judged already (file name and stamp): when the
    /// cache vouches that a file is still that version, its summary is not decoded and
    /// its ID goes to [`Scan::known`]. Only the quick path skips; a full scan decodes.
    pub known: Option<KnownTest<'a>>,
}

/// A summary from the cache's bytes, of the file version `stamp`; `lean` as
/// [`Options::lean`] says.
fn decode(bytes: &[u8], lean: bool, stamp: Stamp) -> Option<Summary> {
    lean::LEAN.set(lean);
    let s = postcard::from_bytes::<Summary>(bytes);
    lean::LEAN.set(false);
    let mut s = s.ok()?;
    s.stamp = stamp;
    Some(s)
}

/// Lean decoding ([`Options::lean`]): the threading keys and the status and transfer
/// trails are read past, not built — each would be an allocation or three per ticket,
/// for a listing that never looks at them. Their text is borrowed from the cache's
/// bytes while it is skipped.
mod lean {
    use std::cell::Cell;
    use std::marker::PhantomData;

    use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

    thread_local! {
        /// Set by `decode` around one summary, on the thread decoding it.
        pub static LEAN: Cell<bool> = const { Cell::new(false) };
    }

    /// Reads a sequence of `B` (the borrowed shape of `T`) and keeps nothing.
    struct Skip<B>(PhantomData<B>);

    impl<'de, B: Deserialize<'de>> Visitor<'de> for Skip<B> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element::<B>()?.is_some() {}
            Ok(())
        }
    }

    fn vec<'de, D, T, B>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
        B: Deserialize<'de>,
    {
        if LEAN.get() {
            d.deserialize_seq(Skip::<B>(PhantomData))?;
            Ok(Vec::new())
        } else {
            Vec::<T>::deserialize(d)
        }
    }

    pub fn keys<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        vec::<D, u64, u64>(d)
    }

    pub fn statuses<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(i64, String, String)>, D::Error> {
        vec::<D, (i64, String, String), (i64, &'de str, &'de str)>(d)
    }

    pub fn transfers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<super::Transfer>, D::Error> {
        vec::<D, super::Transfer, (i64, Option<&'de str>, Option<&'de str>)>(d)
    }
}

impl Options<'_> {
    fn keeps(&self, key: &Key, updated: i64) -> bool {
        self.updated_since
            .is_none_or(|(since, done)| updated >= since || !done(&key.kind, &key.status))
    }
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

/// A handle of `dir`, to look names up relative to it; `None` if it cannot be opened
/// (then paths are used whole).
fn dir_handle(dir: &Path) -> Option<rustix::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::open(
        dir,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()
}

/// Stats every file, in parallel: a stat is a system call each, and 100,000 of them are
/// most of a full scan's time. Names are looked up relative to an open handle of the
/// directory, so the kernel walks one path component, not all.
pub(crate) fn stat_all<S: AsRef<str> + Sync>(dir: &Path, names: &[S]) -> Vec<Option<Stamp>> {
    use rustix::fs::{AtFlags, FileType};
    let handle = dir_handle(dir);
    parallel(names, 2000, |chunk| {
        chunk
            .iter()
            .map(|n| match &handle {
                Some(fd) => rustix::fs::statat(fd, n.as_ref(), AtFlags::SYMLINK_NOFOLLOW)
                    .ok()
                    .filter(|st| FileType::from_raw_mode(st.st_mode).is_file())
                    .map(|st| Stamp {
                        len: u64::try_from(st.st_size).unwrap_or(0),
                        mtime: st.st_mtime,
                        mtime_nsec: i64::try_from(st.st_mtime_nsec).unwrap_or(0),
                        ino: st.st_ino,
                    }),
                None => match fs::symlink_metadata(dir.join(n.as_ref())) {
                    Ok(m) if m.is_file() => Some(Stamp::of(&m)),
                    _ => None,
                },
            })
            .collect()
    })
}

/// The few fields that place a ticket in a partition.
struct Head {
    id: String,
    kind: String,
    status: String,
    updated_at: i64,
}

/// Reads a ticket's [`Head`] and stops there: desk writes `id`, `type`, `status` and
/// `updated_at` before the conversation and the history, so the rest of the file (nine
/// tenths of it) is not even looked at. A file whose fields come in another order is
/// read until all four are found. `None` if the file does not start as a ticket.
fn read_head(text: &[u8]) -> Option<Head> {
    use serde::de::{self, MapAccess, Visitor};
    #[derive(Default)]
    struct Found {
        id: Option<String>,
        kind: Option<String>,
        status: Option<String>,
        updated_at: Option<i64>,
    }
    struct V<'f>(&'f mut Found);
    impl<'de> Visitor<'de> for V<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a ticket")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            let f = self.0;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.as_ref() {
                    "id" => f.id = Some(map.next_value()?),
                    "type" => f.kind = Some(map.next_value()?),
                    "status" => f.status = Some(map.next_value()?),
                    "updated_at" => {
                        f.updated_at = Some(map.next_value::<DateTime<Utc>>()?.timestamp());
                    }
                    _ => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                if f.id.is_some()
                    && f.kind.is_some()
                    && f.status.is_some()
                    && f.updated_at.is_some()
                {
                    // Enough: the error ends the parse here, the fields are kept.
                    return Err(de::Error::custom("done"));
                }
            }
            Ok(())
        }
    }
    let mut found = Found::default();
    let mut de = serde_json::Deserializer::from_slice(text);
    let _ = serde::Deserializer::deserialize_map(&mut de, V(&mut found));
    Some(Head {
        id: found.id.filter(|i| !i.is_empty())?,
        kind: found.kind?,
        status: found.status?,
        updated_at: found.updated_at?,
    })
}

/// Reads a ticket file into an entry: light unless `full` or the file does not read
/// as a ticket's head (then the full parse says why).
/// How much of a ticket file is read for its head: `id`, `type`, `status` and
/// `updated_at` come within the first few hundred bytes of any file desk wrote.
const HEAD_BYTES: usize = 4096;

fn read_entry(
    dir: &Path,
    handle: Option<&rustix::fd::OwnedFd>,
    name: &str,
    stamp: Stamp,
    full: bool,
) -> std::result::Result<Owned, String> {
    use std::io::Read;
    // Opened relative to the directory's handle: the kernel walks one path component.
    let mut file = match handle {
        Some(fd) => rustix::fs::openat(
            fd,
            name,
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map(fs::File::from)
        .map_err(|e| std::io::Error::from(e).to_string())?,
        None => fs::File::open(dir.join(name)).map_err(|e| e.to_string())?,
    };
    let mut bytes = Vec::with_capacity(if full { 16 * 1024 } else { HEAD_BYTES });
    if !full {
        // The head only: most files listed light are never read further.
        (&mut file)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        if let Some(h) = read_head(&bytes) {
            if format!("{}.json", h.id) != name {
                return Err(super::wrong_name(&h.id));
            }
            return Ok(Owned {
                name: name.to_string(),
                stamp,
                key: Key::of(name, &h.kind, &h.status),
                updated: h.updated_at,
                summary: Vec::new(),
            });
        }
    }
    file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let text =
        String::from_utf8(bytes).map_err(|_| "stream did not contain valid UTF-8".to_string())?;
    let t = Ticket::from_json(&text)?;
    if format!("{}.json", t.id) != name {
        return Err(super::wrong_name(&t.id));
    }
    let sum = Summary::of(&t);
    Ok(Owned {
        name: name.to_string(),
        stamp,
        key: Key::of(name, &sum.kind, &sum.status),
        updated: sum.updated_at,
        summary: postcard::to_stdvec(&sum).unwrap_or_default(),
    })
}

/// Reads files in parallel: light first, then in full those whose (type, status) `want`
/// holds. Reading only a ticket's head is several times cheaper than reading it whole,
/// and most of an archive is never listed.
fn read_all(
    dir: &Path,
    files: &[(String, Stamp)],
    want: &dyn Fn(&Key, i64) -> bool,
) -> Vec<std::result::Result<Owned, Bad>> {
    let handle = dir_handle(dir);
    let read = |chunk: &[(String, Stamp)], full: bool| -> Vec<std::result::Result<Owned, Bad>> {
        chunk
            .iter()
            .map(|(name, stamp)| {
                read_entry(dir, handle.as_ref(), name, *stamp, full).map_err(|message| Bad {
                    name: name.clone(),
                    stamp: *stamp,
                    message,
                })
            })
            .collect()
    };
    let mut out = parallel(files, 64, |chunk| read(chunk, false));
    let again: Vec<usize> = out
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.as_ref()
                .is_ok_and(|o| o.summary.is_empty() && want(&o.key, o.updated))
        })
        .map(|(i, _)| i)
        .collect();
    let files_again: Vec<(String, Stamp)> = again.iter().map(|&i| files[i].clone()).collect();
    for (i, r) in again
        .into_iter()
        .zip(parallel(&files_again, 64, |c| read(c, true)))
    {
        out[i] = r;
    }
    out
}

struct Cache<'p> {
    dir: &'p Path,
    path: &'p Path,
}

impl Cache<'_> {
    fn index_path(&self) -> PathBuf {
        self.path.join("index.bin")
    }

    fn journal_path(&self) -> PathBuf {
        self.path.join("journal.bin")
    }

    fn read_index(&self) -> Option<Index> {
        let bytes = fs::read(self.index_path()).ok()?;
        postcard::from_bytes::<Index>(&bytes)
            .ok()
            .filter(|i| i.version == VERSION)
    }

    fn read_part(&self, file: &str) -> Option<Vec<u8>> {
        fs::read(self.path.join(file)).ok()
    }

    /// The journal's records, and its size; `None` if it cannot be read whole (a record
    /// cut short by a kill), which only costs a full scan.
    fn read_journal(&self) -> Option<(Vec<Record>, u64)> {
        let bytes = match fs::read(self.journal_path()) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some((Vec::new(), 0)),
            Err(_) => return None,
        };
        let mut records = Vec::new();
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
            let body = tail.get(..len)?;
            // Written by another version of desk (two binaries on one helpdesk): its
            // summaries are not this version's, and the journal is not used.
            let (version, body) = body.split_first_chunk::<4>()?;
            if u32::from_le_bytes(*version) != VERSION {
                return None;
            }
            records.push(postcard::from_bytes::<Record>(body).ok()?);
            rest = &tail[len..];
        }
        Some((records, bytes.len() as u64))
    }

    fn append(&self, record: &Record) {
        use std::io::Write;
        let Ok(body) = postcard::to_stdvec(record) else {
            return;
        };
        let Ok(len) = u32::try_from(body.len() + 4) else {
            return;
        };
        let mut buf = Vec::with_capacity(body.len() + 8);
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(&VERSION.to_le_bytes());
        buf.extend_from_slice(&body);
        // One write with O_APPEND: records of concurrent writers do not interleave.
        if fs::create_dir_all(self.path).is_ok()
            && let Ok(mut f) = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.journal_path())
        {
            let _ = f.write_all(&buf);
        }
    }

    /// Whether the journal's chain of directory stamps leads from the index's scan to
    /// the directory as it is: then every change since is in the index or the journal.
    fn chain_holds(index: &Index, records: &[Record], now: Option<Stamp>) -> bool {
        let Some(mut head) = index.dir else {
            return false;
        };
        if head.mtime_ns() >= index.started_ns.saturating_sub(MARGIN_NS) {
            trace(|| "tickets/ changed just before the index was made".into());
            return false;
        }
        for (i, r) in records.iter().enumerate() {
            match (r.before, r.after) {
                (Some(b), Some(a)) => {
                    if b != head {
                        trace(|| {
                            format!(
                                "record {i} of {}: tickets/ was {b:?} before it, the chain says {head:?}",
                                records.len()
                            )
                        });
                        return false;
                    }
                    head = a;
                }
                (None, None) => {}
                _ => {
                    trace(|| format!("record {i} of {}: no stamps", records.len()));
                    return false;
                }
            }
        }
        if now != Some(head) {
            trace(|| format!("tickets/ is {now:?}, the chain says {head:?}"));
        }
        now == Some(head)
    }
}

/// A journal with this many items is folded into the partitions by the next listing,
/// so no listing or tick reads more than a small journal.
const FOLD_ITEMS: usize = 2_000;

/// Folds the journal into the partitions of the periods it touches and starts a new
/// one, without looking at any ticket file: while the chain holds, the journal says
/// everything that changed since the index. Returns the new index, or `None` (nothing
/// written) when it cannot be done now — `tickets/` changed less than a clock's tick
/// ago, a partition is missing, a write failed — and the listing goes on as it was.
fn fold(
    c: &Cache<'_>,
    index: &Index,
    journal: &HashMap<String, Item>,
    dir: Stamp,
) -> Option<Index> {
    let started_ns = Utc::now().timestamp_nanos_opt()?;
    // The new index vouches for the directory as it is now: only if its stamp cannot
    // change again within the same tick of the file system's clock.
    if dir.mtime_ns() >= started_ns.saturating_sub(MARGIN_NS) {
        return None;
    }
    let trusted_before = index.started_ns.saturating_sub(MARGIN_NS);
    let touched: std::collections::BTreeSet<String> =
        journal.keys().map(|n| Key::period_of(n)).collect();
    let mut fresh: BTreeMap<Key, Vec<Owned>> = BTreeMap::new();
    let mut parts: Vec<PartInfo> = Vec::new();
    let mut keep_files: Vec<String> = Vec::new();
    for part in &index.parts {
        if !touched.contains(&part.key.period) {
            parts.push(part.clone());
            keep_files.push(part.file.clone());
            continue;
        }
        let bytes = c.read_part(&part.file)?;
        let file = postcard::from_bytes::<PartFile<'_>>(&bytes)
            .ok()
            .filter(|f| f.version == VERSION)?;
        for e in file.entries {
            if journal.contains_key(e.name) {
                continue;
            }
            // An entry the old index did not vouch for stays unvouched: without its
            // summary, the next listing reads the file.
            let summary = if e.stamp.mtime_ns() < trusted_before {
                e.summary.to_vec()
            } else {
                Vec::new()
            };
            fresh.entry(part.key.clone()).or_default().push(Owned {
                name: e.name.to_string(),
                stamp: e.stamp,
                key: part.key.clone(),
                updated: e.updated,
                summary,
            });
        }
    }
    for item in journal.values() {
        if let Some(st) = &item.state {
            let key = Key::of(&item.name, &st.kind, &st.status);
            fresh.entry(key.clone()).or_default().push(Owned {
                name: item.name.clone(),
                stamp: st.stamp,
                key,
                updated: st.updated,
                summary: st.summary.clone(),
            });
        }
    }
    fs::create_dir_all(c.path).ok()?;
    for (key, mut owned) in fresh {
        owned.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        let file = key.file(started_ns);
        let part = PartFile {
            version: VERSION,
            entries: owned
                .iter()
                .map(|o| Entry {
                    name: &o.name,
                    stamp: o.stamp,
                    updated: o.updated,
                    summary: &o.summary,
                })
                .collect(),
        };
        let bytes = postcard::to_stdvec(&part).ok()?;
        atomic::replace_unsynced(&c.path.join(&file), &bytes).ok()?;
        keep_files.push(file.clone());
        parts.push(PartInfo {
            count: u32::try_from(owned.len()).unwrap_or(u32::MAX),
            key,
            file,
        });
    }
    parts.sort_by(|a, b| a.key.cmp(&b.key));
    let new_index = Index {
        version: VERSION,
        started_ns,
        dir: Some(dir),
        parts,
        problems: index
            .problems
            .iter()
            .filter(|b| !journal.contains_key(&b.name))
            .cloned()
            .collect(),
    };
    let bytes = postcard::to_stdvec(&new_index).ok()?;
    atomic::replace_unsynced(&c.index_path(), &bytes).ok()?;
    // A record appended since the journal was read is lost with it; its write changed
    // the directory's stamp, so the chain breaks and the next listing scans in full.
    let _ = fs::remove_file(c.journal_path());
    collect_garbage(c.path, &keep_files);
    trace(|| format!("folded {} journal items", journal.len()));
    Some(new_index)
}

/// The latest journal item per name.
///
/// A listing's record of what it read does not override a write of desk's unless its
/// file is newer: a listing that read the old version while desk wrote the new one
/// appends after desk did.
fn overlay(records: Vec<Record>) -> HashMap<String, Item> {
    let mut out: HashMap<String, Item> = HashMap::new();
    let mtime = |i: &Item| i.state.as_ref().map(|s| s.stamp.mtime_ns());
    for r in records {
        let read_only = r.before.is_none() && r.after.is_none();
        for i in r.items {
            if read_only
                && let Some(old) = out.get(&i.name)
                && mtime(old).is_none_or(|m| mtime(&i).is_none_or(|n| n <= m))
            {
                continue;
            }
            out.insert(i.name.clone(), i);
        }
    }
    out
}

/// Lists the tickets in `dir` whose (type, status) `opts.want` holds, using and
/// refreshing the cache in the folder `cache`.
pub fn scan(dir: &Path, cache: &Path, opts: &Options<'_>) -> Result<Scan> {
    let mut tickets: Vec<Summary> = Vec::new();
    let mut collect = |mut batch: Vec<Summary>| {
        if tickets.is_empty() {
            tickets = batch;
        } else {
            tickets.append(&mut batch);
        }
        Ok(())
    };
    let (problems, known) = scan_with_sink(dir, cache, opts, &mut collect, true)?;
    Ok(Scan {
        tickets,
        problems,
        known,
    })
}

/// As [`scan`], handing the summaries to `sink` a batch at a time in ID order, so a
/// listing of the whole archive can be printed as it is read. After `git pull` and the
/// like (a full scan) there is one batch.
pub fn scan_each(
    dir: &Path,
    cache: &Path,
    opts: &Options<'_>,
    sink: Sink<'_>,
) -> Result<(Vec<Problem>, Vec<String>)> {
    scan_with_sink(dir, cache, opts, sink, false)
}

/// `collecting`: the sink only gathers (into one list, handed on at the end). A
/// partition that vanished half-way (another command rebuilt the cache) is recovered
/// by a full scan: from the start when gathering, after the last ID handed on when not.
fn scan_with_sink(
    dir: &Path,
    cache: &Path,
    opts: &Options<'_>,
    sink: Sink<'_>,
    collecting: bool,
) -> Result<(Vec<Problem>, Vec<String>)> {
    crate::memory::return_freed_at_once();
    let c = Cache { dir, path: cache };
    // Taken first: a change during the scan makes the saved stamp stale, never wrong.
    let dir_stamp = Stamp::of_path(dir);
    let index = c.read_index();
    let journal = c.read_journal();
    let mut gathered: Vec<Summary> = Vec::new();
    // The last ID handed to the sink: if the quick way fails half-way (another command
    // rebuilt the cache), the full scan goes on after it.
    let mut last: Option<String> = None;
    // Why the quick way was not taken, for the trace.
    let mut why = match (&index, &journal) {
        _ if opts.rescan => "--rescan",
        (None, _) => "no index",
        (_, None) => "no journal",
        _ => "the journal does not vouch for tickets/",
    };
    if !opts.rescan
        && let Some(index) = &index
        && let Some((records, size)) = journal
        && Cache::chain_holds(index, &records, dir_stamp)
    {
        why = "journal too long";
        let items: usize = records.iter().map(|r| r.items.len()).sum();
        if items <= JOURNAL_MAX_ITEMS && size <= JOURNAL_MAX_BYTES {
            why = "the cache changed under the listing";
            let mut journal = overlay(records);
            let mut index = index;
            let folded;
            // Not inside a batch of writes (a tick's or an ingest's, which may list to
            // count loads): the fold's files would wait for the batch, unseen by the
            // listing itself, which then scanned every file.
            if journal.len() >= FOLD_ITEMS
                && !atomic::in_batch()
                && let Some(dir) = dir_stamp
                && let Some(new) = fold(&c, index, &journal, dir)
            {
                folded = new;
                index = &folded;
                journal = HashMap::new();
            }
            let mut remember = |batch: Vec<Summary>| {
                if let Some(s) = batch.last() {
                    last = Some(s.id.clone());
                }
                sink(batch)
            };
            let to = if collecting {
                To::Gather(&mut gathered)
            } else {
                To::Sink(&mut remember)
            };
            match quick(&c, index, journal, opts, to) {
                Quick::Done(problems, known, listed) => {
                    trace(|| format!("quick, {listed} listed"));
                    if collecting {
                        sink(gathered)?;
                    }
                    return Ok((problems, known));
                }
                Quick::Failed(e) => return Err(e),
                Quick::Missing => gathered.clear(),
            }
        }
    }
    let mut scan = full(&c, index, dir_stamp, opts)?;
    trace(|| format!("full ({why}), {} listed", scan.tickets.len()));
    // Both ways list in ID order, so what was printed is not printed again. A ticket
    // added meanwhile with an ID before that point is left to the next listing, as any
    // change during a listing may be.
    if let Some(last) = &last {
        scan.tickets.retain(|t| t.id > *last);
    }
    sink(scan.tickets)?;
    Ok((scan.problems, scan.known))
}

/// With `DESK_CACHE_TRACE` set, says on stderr which way a listing went: for tests
/// that prove the shortcut is taken, and for people wondering why a listing was slow.
pub(crate) fn trace(what: impl FnOnce() -> String) {
    if std::env::var_os("DESK_CACHE_TRACE").is_some() {
        eprintln!("desk: listing cache: {}", what());
    }
}

/// A candidate for the listing: a summary the cache holds, to be checked against its file.
/// Borrowed from the partition files read, which stay in memory for the listing.
struct Candidate<'a> {
    name: std::borrow::Cow<'a, str>,
    stamp: Stamp,
    trusted: bool,
    summary: std::borrow::Cow<'a, [u8]>,
}

/// Summaries a listing decodes before it lets go of the cache's bytes they came from.
const BATCH: usize = 16_384;

/// One batch of periods of a quick listing: their partitions are read, every candidate
/// statted, those the cache vouches for decoded (on every core) into `tickets` in ID
/// order; the others go to `reread`, those `opts.known` knows to `known`. `None` if a
/// partition file is missing.
#[allow(clippy::too_many_arguments)]
fn quick_batch(
    c: &Cache<'_>,
    batch: Vec<(Vec<&PartInfo>, Vec<Item>)>,
    journal: &std::collections::HashSet<String>,
    trusted_before: i64,
    opts: &Options<'_>,
    tickets: &mut Vec<Summary>,
    known: &mut Vec<String>,
    reread: &mut Vec<(String, Stamp)>,
) -> Option<()> {
    use std::borrow::Cow;
    let mut buffers: Vec<(&Key, Vec<u8>)> = Vec::new();
    let mut items = Vec::new();
    for (parts, its) in batch {
        for part in parts {
            buffers.push((&part.key, c.read_part(&part.file)?));
        }
        items.extend(its);
    }
    let mut cands: Vec<Candidate<'_>> = Vec::new();
    for (key, bytes) in &buffers {
        let file = postcard::from_bytes::<PartFile<'_>>(bytes)
            .ok()
            .filter(|f| f.version == VERSION)?;
        for e in file.entries {
            if journal.contains(e.name) || !opts.keeps(key, e.updated) {
                continue;
            }
            cands.push(Candidate {
                name: Cow::Borrowed(e.name),
                stamp: e.stamp,
                trusted: e.stamp.mtime_ns() < trusted_before,
                summary: Cow::Borrowed(e.summary),
            });
        }
    }
    for item in items {
        if let Some(st) = item.state {
            cands.push(Candidate {
                name: Cow::Owned(item.name),
                stamp: st.stamp,
                trusted: true,
                summary: Cow::Owned(st.summary),
            });
        }
    }
    // In ID order, so the summaries are decoded in the order they are listed and the
    // list is not sorted afterwards (a sort moves ninety thousand large structs).
    cands.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = cands.iter().map(|c| c.name.as_ref()).collect();
    let stamps = stat_all(c.dir, &names);
    drop(names);
    let mut good: Vec<usize> = Vec::with_capacity(cands.len());
    for (i, (cand, stamp)) in cands.iter().zip(stamps).enumerate() {
        // Removed since (a concurrent delete): gone.
        let Some(stamp) = stamp else { continue };
        if stamp == cand.stamp && cand.trusted && !cand.summary.is_empty() {
            match (opts.known, cand.name.strip_suffix(".json")) {
                (Some(k), Some(id)) if k(&cand.name, stamp) => known.push(id.to_string()),
                _ => good.push(i),
            }
        } else {
            reread.push((cand.name.to_string(), stamp));
        }
    }
    // Decoding is most of a large listing's work: on every core, each into a list of
    // its own, joined by growing the first (which moves no summary).
    let lean = opts.lean;
    let cands_ref = &cands;
    let parts = parallel(&good, 2048, |chunk| {
        let mut ok = Vec::with_capacity(chunk.len());
        let mut failed = Vec::new();
        for &i in chunk {
            match decode(&cands_ref[i].summary, lean, cands_ref[i].stamp) {
                Some(s) => ok.push(s),
                None => failed.push(i),
            }
        }
        vec![(ok, failed)]
    });
    for (ok, failed) in parts {
        // Not readable: the file says what it holds.
        for i in failed {
            reread.push((cands[i].name.to_string(), cands[i].stamp));
        }
        if tickets.capacity() == 0 {
            *tickets = ok;
        } else {
            tickets.extend(ok);
        }
    }
    Some(())
}

/// Where a scan's summaries go, a batch at a time in ID order.
pub type Sink<'s> = &'s mut dyn FnMut(Vec<Summary>) -> Result<()>;

/// Where a quick listing's summaries go: gathered into one list, made as large as the
/// partitions say at the start (a list grown by doubling is a fifth of a large
/// listing's memory, unused), or handed on a batch at a time.
enum To<'s> {
    Gather(&'s mut Vec<Summary>),
    Sink(Sink<'s>),
}

/// How a quick listing ended.
enum Quick {
    /// Problems, IDs `Options::known` knew, and how many summaries went to the sink.
    Done(Vec<Problem>, Vec<String>, usize),
    /// A partition file was missing (a concurrent rebuild).
    Missing,
    /// The sink failed (stdout closed...).
    Failed(Error),
}

/// The listing from the index, the wanted partitions and the journal, statting only the
/// files it lists, handed to `sink` a batch of periods at a time in ID order.
fn quick(
    c: &Cache<'_>,
    index: &Index,
    journal: HashMap<String, Item>,
    opts: &Options<'_>,
    mut to: To<'_>,
) -> Quick {
    let trusted_before = index.started_ns.saturating_sub(MARGIN_NS);
    let mut problems = Vec::new();
    let mut known = Vec::new();
    let mut listed = 0;
    let mut fills = Vec::new();

    // Periods in ID order, each with its wanted partitions, journal items and files to
    // read again. They are taken a batch of periods at a time — read, checked, decoded,
    // handed on, let go — so memory holds one batch of the cache's bytes, and a
    // streaming listing one batch of summaries, not all of them.
    #[derive(Default)]
    struct Period<'i> {
        parts: Vec<&'i PartInfo>,
        items: Vec<Item>,
        reread: Vec<(String, Stamp)>,
    }
    let mut periods: BTreeMap<String, Period<'_>> = BTreeMap::new();
    for part in &index.parts {
        if (opts.want)(&part.key.kind, &part.key.status) {
            periods
                .entry(part.key.period.clone())
                .or_default()
                .parts
                .push(part);
        }
    }
    let journal_names: std::collections::HashSet<String> = journal.keys().cloned().collect();
    for item in journal.into_values() {
        if let Some(st) = &item.state {
            let key = Key::of(&item.name, &st.kind, &st.status);
            if (opts.want)(&st.kind, &st.status) && opts.keeps(&key, st.updated) {
                periods.entry(key.period).or_default().items.push(item);
            }
        }
    }
    // Files that could not be read are looked at again each time: they are few.
    let bad_names: Vec<&str> = index.problems.iter().map(|b| b.name.as_str()).collect();
    for (bad, stamp) in index.problems.iter().zip(stat_all(c.dir, &bad_names)) {
        match stamp {
            Some(s) if s == bad.stamp => problems.push(Problem {
                path: c.dir.join(&bad.name),
                message: bad.message.clone(),
            }),
            Some(s) => periods
                .entry(Key::period_of(&bad.name))
                .or_default()
                .reread
                .push((bad.name.clone(), s)),
            None => {}
        }
    }

    let size_of = |p: &Period<'_>| {
        p.parts.iter().map(|p| p.count as usize).sum::<usize>() + p.items.len() + p.reread.len()
    };
    if let To::Gather(all) = &mut to {
        all.reserve_exact(periods.values().map(size_of).sum());
    }
    let mut batch: Vec<Period<'_>> = Vec::new();
    let mut size = 0usize;
    let mut left = periods.len();
    for (_, period) in periods {
        left -= 1;
        size += size_of(&period);
        batch.push(period);
        if size < BATCH && left > 0 {
            continue;
        }
        size = 0;
        let mut own = Vec::new();
        let tickets = match &mut to {
            To::Gather(all) => &mut **all,
            To::Sink(_) => &mut own,
        };
        let start = tickets.len();
        let mut reread = Vec::new();
        let mut from = Vec::new();
        for p in std::mem::take(&mut batch) {
            reread.extend(p.reread);
            from.push((p.parts, p.items));
        }
        let read = quick_batch(
            c,
            from,
            &journal_names,
            trusted_before,
            opts,
            tickets,
            &mut known,
            &mut reread,
        );
        if read.is_none() {
            return Quick::Missing;
        }
        let read_at = Utc::now().timestamp_nanos_opt().unwrap_or(0);
        for r in read_all(c.dir, &reread, &|_, _| true) {
            match r {
                Ok(o) => {
                    if (opts.want)(&o.key.kind, &o.key.status)
                        && opts.keeps(&o.key, o.updated)
                        && let Some(sum) = decode(&o.summary, opts.lean, o.stamp)
                    {
                        tickets.push(sum);
                    }
                    // Remembered unless it may change again unseen within the clock's tick.
                    if o.stamp.mtime_ns() < read_at.saturating_sub(MARGIN_NS) {
                        fills.push(Item {
                            name: o.name,
                            state: Some(State {
                                stamp: o.stamp,
                                kind: o.key.kind,
                                status: o.key.status,
                                updated: o.updated,
                                summary: o.summary,
                            }),
                        });
                    }
                }
                Err(bad) => problems.push(Problem {
                    path: c.dir.join(&bad.name),
                    message: bad.message,
                }),
            }
        }
        // Only files read again (few, at the end) can be out of order.
        let this = &mut tickets[start..];
        if !this.is_sorted_by(|a, b| a.id <= b.id) {
            this.sort_by(|a, b| a.id.cmp(&b.id));
        }
        listed += this.len();
        if let To::Sink(sink) = &mut to
            && let Err(e) = sink(own)
        {
            return Quick::Failed(e);
        }
    }
    if !fills.is_empty() {
        c.append(&Record {
            before: None,
            after: None,
            items: fills,
        });
    }
    Quick::Done(problems, known, listed)
}

/// Stats every file and reads those the cache cannot vouch for, rewrites the partitions
/// that changed and starts a new journal. Partitions are taken one at a time, so memory
/// follows the largest partition and the files read, not the archive.
fn full(
    c: &Cache<'_>,
    index: Option<Index>,
    dir_stamp: Option<Stamp>,
    opts: &Options<'_>,
) -> Result<Scan> {
    let started_ns = Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let generation = started_ns;
    let names = names(c.dir)?;
    let stamps = stat_all(c.dir, &names);
    let present: Vec<(String, Stamp)> = names
        .into_iter()
        .zip(stamps)
        .filter_map(|(n, s)| Some((n, s?)))
        .collect();
    let find = |name: &str| present.binary_search_by(|(n, _)| n.as_str().cmp(name)).ok();

    let index = index.unwrap_or_default();
    let trusted_before = index.started_ns.saturating_sub(MARGIN_NS);
    let journal = c
        .read_journal()
        .map(|(r, _)| overlay(r))
        .unwrap_or_default();
    // Whether each present file is vouched for by a kept entry.
    let mut known = vec![false; present.len()];
    let wanted_key = |k: &Key| (opts.want)(&k.kind, &k.status);
    // Whether an entry must be held in full: it is listed.
    let needs_full = |k: &Key, updated: i64| wanted_key(k) && opts.keeps(k, updated);
    // A journal item stands if its file is as desk left it.
    let mut journal_kept: Vec<Owned> = Vec::new();
    for item in journal.values() {
        let (Some(s), Some(i)) = (&item.state, find(&item.name)) else {
            continue;
        };
        let key = Key::of(&item.name, &s.kind, &s.status);
        if present[i].1 == s.stamp && !(s.summary.is_empty() && needs_full(&key, s.updated)) {
            known[i] = true;
            journal_kept.push(Owned {
                name: item.name.clone(),
                stamp: s.stamp,
                key,
                updated: s.updated,
                summary: s.summary.clone(),
            });
        }
    }
    // First pass over the old partitions: which entries still stand.
    let mut unchanged_parts: Vec<bool> = Vec::with_capacity(index.parts.len());
    for part in &index.parts {
        let mut all = true;
        let bytes = c.read_part(&part.file).unwrap_or_default();
        let entries = postcard::from_bytes::<PartFile<'_>>(&bytes)
            .ok()
            .filter(|f| f.version == VERSION)
            .map(|f| f.entries);
        let Some(entries) = entries else {
            unchanged_parts.push(false);
            continue;
        };
        for e in &entries {
            let stands = !journal.contains_key(e.name)
                && e.stamp.mtime_ns() < trusted_before
                && !(e.summary.is_empty() && needs_full(&part.key, e.updated))
                && find(e.name).is_some_and(|i| {
                    let ok = present[i].1 == e.stamp && !known[i];
                    if ok {
                        known[i] = true;
                    }
                    ok
                });
            all &= stands;
        }
        unchanged_parts.push(all && entries.len() == part.count as usize);
    }
    // Read what nothing vouches for.
    let unknown: Vec<(String, Stamp)> = present
        .iter()
        .zip(&known)
        .filter(|(_, k)| !**k)
        .map(|(p, _)| p.clone())
        .collect();
    let mut fresh: BTreeMap<Key, Vec<Owned>> = BTreeMap::new();
    for o in journal_kept {
        fresh.entry(o.key.clone()).or_default().push(o);
    }
    let mut bad = Vec::new();
    for r in read_all(c.dir, &unknown, &needs_full) {
        match r {
            Ok(o) => fresh.entry(o.key.clone()).or_default().push(o),
            Err(b) => bad.push(b),
        }
    }
    drop(unknown);

    // Second pass: each partition, old entries that stand plus the fresh ones.
    let mut tickets = Vec::new();
    let mut parts: Vec<PartInfo> = Vec::new();
    let mut keep_files: Vec<String> = Vec::new();
    let mut seen = vec![false; present.len()];
    let emit = |key: &Key, entries: &[Entry<'_>], tickets: &mut Vec<Summary>| {
        if wanted_key(key) {
            for e in entries {
                if opts.keeps(key, e.updated)
                    && let Some(sum) = decode(e.summary, opts.lean, e.stamp)
                {
                    tickets.push(sum);
                }
            }
        }
    };
    let mut old_parts: BTreeMap<&Key, (usize, &PartInfo)> = BTreeMap::new();
    for (i, p) in index.parts.iter().enumerate() {
        old_parts.insert(&p.key, (i, p));
    }
    let keys: std::collections::BTreeSet<Key> = old_parts
        .keys()
        .map(|k| (*k).clone())
        .chain(fresh.keys().cloned())
        .collect();
    for key in keys {
        let old = old_parts.get(&key).copied();
        let new = fresh.remove(&key).unwrap_or_default();
        let bytes = old
            .and_then(|(_, p)| c.read_part(&p.file))
            .unwrap_or_default();
        let old_entries: Vec<Entry<'_>> = postcard::from_bytes::<PartFile<'_>>(&bytes)
            .ok()
            .filter(|f| f.version == VERSION)
            .map(|f| f.entries)
            .unwrap_or_default();
        if let Some((i, p)) = old
            && new.is_empty()
            && unchanged_parts[i]
        {
            for e in &old_entries {
                if let Some(j) = find(e.name) {
                    seen[j] = true;
                }
            }
            emit(&key, &old_entries, &mut tickets);
            keep_files.push(p.file.clone());
            parts.push(p.clone());
            continue;
        }
        let mut entries: Vec<Entry<'_>> = old_entries
            .iter()
            .filter(|e| {
                !journal.contains_key(e.name)
                    && e.stamp.mtime_ns() < trusted_before
                    && find(e.name).is_some_and(|j| present[j].1 == e.stamp && !seen[j])
                    && !(e.summary.is_empty() && needs_full(&key, e.updated))
            })
            .copied()
            .collect();
        entries.extend(new.iter().map(|o| Entry {
            name: &o.name,
            stamp: o.stamp,
            updated: o.updated,
            summary: &o.summary,
        }));
        entries.sort_unstable_by(|a, b| a.name.cmp(b.name));
        entries.dedup_by(|a, b| a.name == b.name);
        // A file counted in two partitions (an old entry and a fresh read) counts once.
        entries.retain(|e| {
            find(e.name).is_some_and(|j| {
                let first = !seen[j];
                seen[j] = true;
                first
            })
        });
        if entries.is_empty() {
            continue;
        }
        emit(&key, &entries, &mut tickets);
        let file = key.file(generation);
        let part = PartFile {
            version: VERSION,
            entries,
        };
        if let Ok(bytes) = postcard::to_stdvec(&part)
            && fs::create_dir_all(c.path).is_ok()
            && atomic::replace_unsynced(&c.path.join(&file), &bytes).is_ok()
        {
            keep_files.push(file.clone());
            parts.push(PartInfo {
                count: u32::try_from(part.entries.len()).unwrap_or(u32::MAX),
                key,
                file,
            });
        }
    }
    let problems = bad
        .iter()
        .map(|b| Problem {
            path: c.dir.join(&b.name),
            message: b.message.clone(),
        })
        .collect();
    let new_index = Index {
        version: VERSION,
        started_ns,
        dir: dir_stamp,
        parts,
        problems: bad,
    };
    // The cache is a shortcut: failing to write it must not fail the listing.
    if let Ok(bytes) = postcard::to_stdvec(&new_index)
        && fs::create_dir_all(c.path).is_ok()
        && atomic::replace_unsynced(&c.index_path(), &bytes).is_ok()
    {
        let _ = fs::remove_file(c.journal_path());
        collect_garbage(c.path, &keep_files);
    }
    tickets.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    Ok(Scan {
        tickets,
        problems,
        known: Vec::new(),
    })
}

/// Removes partition files the index no longer names, and the cache of older versions.
fn collect_garbage(dir: &Path, keep: &[String]) {
    let keep: std::collections::HashSet<&str> = keep.iter().map(String::as_str).collect();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with("p-") && name.ends_with(".bin");
        if (ours && !keep.contains(name)) || name == "tickets.bin" {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Items of tickets desk wrote in a batch, kept until the batch is on disk.
static PENDING: Mutex<Vec<(String, Option<Summary>)>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<(String, Option<Summary>)>> {
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

fn item_of(dir: &Path, name: String, summary: Option<&Summary>) -> Option<Item> {
    let state = match summary {
        None => None,
        Some(sum) => Some(State {
            stamp: Stamp::of_path(&dir.join(&name))?,
            kind: sum.kind.clone(),
            status: sum.status.clone(),
            updated: sum.updated_at,
            summary: postcard::to_stdvec(sum).ok()?,
        }),
    };
    Some(Item { name, state })
}

/// Records a ticket file desk just wrote (`Some`) or deleted (`None`), with the stamps of
/// tickets/ before and after. In a batch, the record waits for [`batch_stored`].
pub fn note(dir: &Path, cache: &Path, id: &str, ticket: Option<&Ticket>, before: Option<Stamp>) {
    let name = format!("{id}.json");
    let summary = ticket.map(Summary::of);
    if atomic::in_batch() {
        pending().push((name, summary));
        return;
    }
    let after = Stamp::of_path(dir);
    let c = Cache { dir, path: cache };
    // A record without its file's stamp cannot vouch for anything: the chain is broken
    // on purpose (no `after`), so the next listing looks at every file.
    let items: Vec<Item> = item_of(dir, name, summary.as_ref()).into_iter().collect();
    let after = if items.is_empty() { None } else { after };
    c.append(&Record {
        before,
        after,
        items,
    });
}

/// Records the tickets of a batch once it is on disk (`stored`), with the stamps of
/// tickets/ around its renames; forgets them if it failed.
pub fn batch_stored(dir: &Path, cache: &Path, stored: bool) {
    let items = std::mem::take(&mut *pending());
    if !stored || items.is_empty() {
        return;
    }
    let (before, after) = atomic::last_commit(dir).unwrap_or((None, None));
    let c = Cache { dir, path: cache };
    let mut out = Vec::with_capacity(items.len());
    for (name, summary) in items {
        match item_of(dir, name, summary.as_ref()) {
            Some(i) => out.push(i),
            // Not where desk put it: let the next listing look at every file.
            None => {
                out.clear();
                break;
            }
        }
    }
    let ok = !out.is_empty() && before.is_some() && after.is_some();
    if !ok {
        trace(|| {
            format!(
                "a batch's record breaks the chain: {} items kept, stamps before {} and after {}",
                out.len(),
                before.is_some(),
                after.is_some()
            )
        });
    }
    c.append(&Record {
        before: if ok { before } else { None },
        after: if ok { after } else { Some(Stamp::default()) },
        items: out,
    });
}
