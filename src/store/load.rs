//! Who is working on what: `.desk/index/load.bin` maps each open, assigned ticket to its
//! agent, so `assign = "least_loaded"` counts agents' open tickets without reading every
//! ticket file. Like the listing cache it is only a shortcut and never trusted blindly:
//!
//! - it records the stamp of `tickets/`; a file added, removed or renamed there (`git
//!   pull`, a new ticket from another tool) changes that stamp and forces a rebuild;
//! - each entry records its file's stamp, checked before use, so a ticket changed in
//!   place is seen;
//! - desk keeps it current as it writes tickets under the helpdesk lock.
//!
//! What it cannot see cheaply is a ticket *not* in it edited in place to become open and
//! assigned; the next rebuild (any change to the directory) counts it.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::atomic;
use crate::store::cache::{Stamp, Summary};

const VERSION: u32 = 2;

/// The entries, in `load.bin`. The stamp of `tickets/` they were true for is in
/// `load.head`, apart, so a new unassigned ticket — most saves — rewrites a few bytes,
/// not an entry for every open assigned ticket.
#[derive(Serialize, Deserialize, Default)]
struct LoadIndex {
    version: u32,
    /// Pairs it with its head: a head of another generation does not vouch for it.
    generation: i64,
    /// Ticket ID → (assignee, stamp of its file).
    entries: BTreeMap<String, (String, Stamp)>,
}

/// `load.head`: which entries, and the stamp of `tickets/` they are true for.
#[derive(Serialize, Deserialize, Clone, Copy)]
struct Head {
    version: u32,
    generation: i64,
    dir: Option<Stamp>,
}

pub struct Loads {
    path: PathBuf,
    head: PathBuf,
    tickets: PathBuf,
}

/// Writes a shortcut's file: failing to write it only costs a rebuild later.
fn put<T: Serialize>(path: &Path, value: &T) {
    if let Ok(bytes) = postcard::to_stdvec(value)
        && let Some(parent) = path.parent()
        && fs::create_dir_all(parent).is_ok()
    {
        let _ = atomic::replace_unsynced(path, &bytes);
    }
}

impl Loads {
    pub fn new(local: &Path, tickets: &Path) -> Loads {
        Loads {
            path: local.join("index").join("load.bin"),
            head: local.join("index").join("load.head"),
            tickets: tickets.to_path_buf(),
        }
    }

    fn read_head(&self) -> Option<Head> {
        let bytes = fs::read(&self.head).ok()?;
        let head: Head = postcard::from_bytes(&bytes).ok()?;
        (head.version == VERSION).then_some(head)
    }

    /// The entries its head vouches for, and the head.
    fn read(&self) -> Option<(LoadIndex, Head)> {
        let head = self.read_head()?;
        let bytes = fs::read(&self.path).ok()?;
        let idx: LoadIndex = postcard::from_bytes(&bytes).ok()?;
        (idx.version == VERSION && idx.generation == head.generation).then_some((idx, head))
    }

    /// The entries first, then the head that vouches for them: a kill between the two
    /// leaves a head of the old generation, which vouches for nothing.
    fn write(&self, idx: &mut LoadIndex, dir: Option<Stamp>) {
        idx.generation = chrono::Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or(idx.generation.wrapping_add(1));
        put(&self.path, idx);
        put(
            &self.head,
            &Head {
                version: VERSION,
                generation: idx.generation,
                dir,
            },
        );
    }

    /// Drops the index; the next count rebuilds it.
    pub fn forget(&self) {
        let _ = fs::remove_file(&self.head);
        let _ = fs::remove_file(&self.path);
    }

    pub fn dir_stamp(&self) -> Option<Stamp> {
        Stamp::of_path(&self.tickets)
    }

    /// Open tickets per agent among `agents`, from the index when it can be trusted,
    /// else rebuilt from `scan` (which lists every ticket) and saved.
    pub fn counts(
        &self,
        agents: &[String],
        is_open: impl Fn(&Summary) -> bool,
        scan: impl FnOnce() -> Result<Vec<Summary>>,
    ) -> Result<HashMap<String, usize>> {
        let mut counts: HashMap<String, usize> = agents.iter().map(|a| (a.clone(), 0)).collect();
        let dir = self.dir_stamp();
        // The directory is as desk last left it (desk, git and renaming editors all
        // change its stamp): the index stands. A ticket edited in place by hand is
        // counted as it was until the next change; for picking the least loaded agent
        // that is close enough, and statting every open ticket would cost more.
        if let Some((idx, _)) = self.read().filter(|(_, h)| h.dir.is_some() && h.dir == dir) {
            for (agent, _) in idx.entries.values() {
                if let Some(n) = counts.get_mut(agent) {
                    *n += 1;
                }
            }
            return Ok(counts);
        }
        let mut idx = LoadIndex {
            version: VERSION,
            generation: 0,
            entries: BTreeMap::new(),
        };
        for t in scan()? {
            let Some(agent) = t.assignee.clone() else {
                continue;
            };
            if !is_open(&t) {
                continue;
            }
            if let Some(stamp) = Stamp::of_path(&self.tickets.join(format!("{}.json", t.id))) {
                if let Some(n) = counts.get_mut(&agent) {
                    *n += 1;
                }
                idx.entries.insert(t.id.clone(), (agent, stamp));
            }
        }
        self.write(&mut idx, dir);
        Ok(counts)
    }

    /// Records a ticket desk just wrote (or deleted: `assignee` None). `dir_before` is the
    /// stamp of tickets/ before the write: if the index matched it, the index stays
    /// trusted; otherwise it is left for the next rebuild. `new`: the ticket did not
    /// exist before, so without an open assignee it has no entry to change.
    pub fn note(
        &self,
        id: &str,
        open_assignee: Option<&str>,
        dir_before: Option<Stamp>,
        new: bool,
    ) {
        let Some(head) = self.read_head() else { return };
        if head.dir.is_none() || head.dir != dir_before {
            return;
        }
        if new && open_assignee.is_none() {
            put(
                &self.head,
                &Head {
                    dir: self.dir_stamp(),
                    ..head
                },
            );
            return;
        }
        let Some((mut idx, _)) = self.read() else {
            return;
        };
        match open_assignee {
            Some(a) => match Stamp::of_path(&self.tickets.join(format!("{id}.json"))) {
                Some(stamp) => {
                    idx.entries.insert(id.to_string(), (a.to_string(), stamp));
                }
                None => {
                    idx.entries.remove(id);
                }
            },
            None => {
                idx.entries.remove(id);
            }
        }
        self.write(&mut idx, self.dir_stamp());
    }
}
