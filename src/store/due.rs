//! `.desk/cache/due.bin`: what the last `desk tick` learnt of each ticket it judged
//! not due — the instant before which nothing can be due on it unless its file changes.
//! The next tick skips those tickets without decoding their summaries, so a tick with
//! nothing due costs a stat per open ticket, not a decode and a rule run.
//!
//! An entry stands only while its file keeps the stamp it had, the rules and settings
//! keep the fingerprint they had, and the clock is between the judging and the instant
//! the entry names. Anything else, and the ticket is judged again. Like the listing
//! cache, it is a shortcut: losing it costs time, never a result.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::atomic;
use super::cache::Stamp;

const VERSION: u32 = 1;
const FILE: &str = "due.bin";

/// One ticket judged not due: its file name and stamp, and the first second anything
/// may be due on it (`i64::MAX`: nothing, until the file changes).
#[derive(Serialize, Deserialize, Clone)]
pub struct Quiet {
    pub name: String,
    pub stamp: Stamp,
    pub until: i64,
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    /// Of the binary, desk.toml and rules.toml: what the judgement depended on.
    fingerprint: [u8; 32],
    /// When the entries were judged; a clock set before that cannot use them.
    judged_at: i64,
    entries: Vec<Quiet>,
}

/// The entries of the last tick, sorted by file name.
#[derive(Default)]
pub struct DueIndex {
    entries: Vec<Quiet>,
}

impl DueIndex {
    fn get(&self, name: &str) -> Option<&Quiet> {
        self.entries
            .binary_search_by(|q| q.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Whether the ticket file `name` at `stamp` is known to have nothing due at `now`.
    pub fn quiet(&self, name: &str, stamp: Stamp, now: i64) -> bool {
        self.get(name)
            .is_some_and(|q| q.stamp == stamp && now < q.until)
    }

    /// The entry of a ticket skipped as quiet, to carry into the next index.
    pub fn carry(&self, id: &str) -> Option<Quiet> {
        self.get(&format!("{id}.json")).cloned()
    }
}

/// The fingerprint of what judging depends on besides the ticket: this binary and the
/// texts of the helpdesk's settings and rules.
pub fn fingerprint(root: &Path) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(VERSION.to_le_bytes());
    for file in ["desk.toml", "rules.toml"] {
        let bytes = std::fs::read(root.join(file)).unwrap_or_default();
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    h.finalize().into()
}

/// The index in `cache`, if it was written under `fingerprint` at or before `now`;
/// empty otherwise.
pub fn load(cache: &Path, fingerprint: &[u8; 32], now: i64) -> DueIndex {
    let Ok(bytes) = std::fs::read(cache.join(FILE)) else {
        return DueIndex::default();
    };
    match postcard::from_bytes::<File>(&bytes) {
        Ok(f) if f.version == VERSION && f.fingerprint == *fingerprint && f.judged_at <= now => {
            let mut entries = f.entries;
            // Written sorted; sorted again only if a hand or a bug did otherwise.
            if !entries.is_sorted_by(|a, b| a.name <= b.name) {
                entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            }
            DueIndex { entries }
        }
        _ => DueIndex::default(),
    }
}

/// Replaces the index; a failure to write costs the next tick time only.
pub fn save(cache: &Path, fingerprint: [u8; 32], judged_at: i64, mut entries: Vec<Quiet>) {
    entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    let file = File {
        version: VERSION,
        fingerprint,
        judged_at,
        entries,
    };
    if let Ok(bytes) = postcard::to_stdvec(&file)
        && std::fs::create_dir_all(cache).is_ok()
    {
        let _ = atomic::replace_unsynced(&cache.join(FILE), &bytes);
    }
}
