//! The helpdesk directory: finding it, the lock, and reading and writing tickets and
//! customers. The only module that touches ticket files.

pub mod atomic;
pub mod cache;
pub mod due;
pub mod load;
pub mod lock;

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::Ticket;
use crate::model::customer::{self, Customer};
use crate::model::id::{self, IdState};

pub use cache::{Problem, Scan, Stamp, Summary};
pub use lock::Lock;

/// How many merges [`Store::live`] follows from one ticket.
pub const MERGE_HOPS: usize = 16;

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Finds the helpdesk like git finds a repository: `start` or its nearest ancestor
    /// holding `desk.toml`.
    pub fn discover(start: &Path) -> Result<Store> {
        let start = std::path::absolute(start).map_err(|e| Error::io(start, e))?;
        if !start.is_dir() {
            let what = if start.exists() {
                "is not a folder"
            } else {
                "no such folder"
            };
            return Err(Error::io(
                &start,
                std::io::Error::new(std::io::ErrorKind::NotFound, what),
            ));
        }
        let mut dir = start.as_path();
        loop {
            if dir.join("desk.toml").is_file() {
                return Ok(Store::at(dir));
            }
            match dir.parent() {
                Some(p) => dir = p,
                None => return Err(Error::NoHelpdesk(start)),
            }
        }
    }

    pub fn at(root: &Path) -> Store {
        atomic::keep_temps_in(root);
        Store {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn tickets_dir(&self) -> PathBuf {
        self.root.join("tickets")
    }

    pub fn customers_dir(&self) -> PathBuf {
        self.root.join("customers")
    }

    /// `.desk/`: local state that is never committed and can always be rebuilt.
    pub fn local_dir(&self) -> PathBuf {
        self.root.join(".desk")
    }

    pub fn ticket_path(&self, id: &str) -> PathBuf {
        self.tickets_dir().join(format!("{id}.json"))
    }

    /// Takes the helpdesk lock, waiting for other commands to finish.
    pub fn lock(&self) -> Result<Lock> {
        let lock = lock::acquire(&self.local_dir())?;
        atomic::remove_stale_temps(&self.root);
        self.settle_staged_mail()?;
        Ok(lock)
    }

    /// `.desk/staged/`: mail written before its ticket is saved, moved into outbox/ after.
    fn staged_dir(&self) -> PathBuf {
        self.local_dir().join("staged")
    }

    /// Writes a message for the outbox where `desk outbox send` does not look yet. Its
    /// ticket, which records it, is saved next, and only then [`Store::release_mail`]
    /// moves it to outbox/: so a killed command never leaves mail that no ticket records,
    /// and a ticket never records mail that was lost. Mail already in outbox/ with the
    /// same bytes (made on another clone and merged in) is not staged again.
    pub fn stage_mail(&self, name: &str, bytes: &[u8]) -> Result<bool> {
        let queued = self.root.join("outbox").join(name);
        match fs::read(&queued) {
            Ok(b) if b == bytes => return Ok(false),
            // Another message under the same name (the same Message-ID): never replaced.
            Ok(_) => {
                return Err(Error::io(
                    &queued,
                    std::io::Error::from(std::io::ErrorKind::AlreadyExists),
                ));
            }
            Err(_) => {}
        }
        let dir = self.staged_dir();
        atomic::ensure_dir(&dir)?;
        atomic::create_new(&dir.join(name), bytes)?;
        Ok(true)
    }

    /// Moves staged mail into outbox/ once its ticket is saved.
    pub fn release_mail(&self, names: &[String]) -> Result<()> {
        if names.is_empty() {
            return Ok(());
        }
        let outbox = self.root.join("outbox");
        atomic::ensure_dir(&outbox)?;
        for name in names {
            let from = self.staged_dir().join(name);
            let to = outbox.join(name);
            match fs::rename(&from, &to) {
                Ok(()) => {}
                // Released already (by a command that found it after a kill).
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && to.exists() => {}
                Err(e) => return Err(Error::io(&from, e)),
            }
        }
        fs::File::open(&outbox)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&outbox, e))
    }

    /// After a killed command: staged mail whose ticket records it goes to outbox/, the
    /// rest (its ticket was never saved) is dropped. Runs with the lock held, so no
    /// command is between staging and saving.
    fn settle_staged_mail(&self) -> Result<()> {
        let dir = self.staged_dir();
        let Ok(entries) = fs::read_dir(&dir) else {
            return Ok(());
        };
        let mut release = Vec::new();
        for e in entries.flatten() {
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let file = format!("outbox/{name}");
            let recorded = name
                .split('.')
                .next()
                .and_then(|id| self.load_ticket(id).ok())
                .is_some_and(|t| t.mail.iter().any(|m| m.file == file));
            if recorded {
                release.push(name);
            } else {
                let _ = fs::remove_file(e.path());
            }
        }
        self.release_mail(&release)
    }

    /// The tick lock, `.desk/tick.lock`: one `desk tick` at a time; `None` if another runs.
    pub fn try_tick_lock(&self) -> Result<Option<Lock>> {
        lock::try_acquire(&self.local_dir(), "tick.lock")
    }

    /// The ticket named by a full ID or a unique prefix of at least 4 characters.
    pub fn resolve(&self, given: &str) -> Result<String> {
        let given = given.trim().to_lowercase();
        if id::is_full_id(&given) && atomic::exists(&self.ticket_path(&given)) {
            return Ok(given);
        }
        if !id::is_id_prefix(&given) {
            return Err(Error::NoTicket(given));
        }
        if given.len() < 4 {
            return Err(Error::invalid(format!(
                "ticket prefix `{given}` is too short: give at least 4 characters"
            )));
        }
        let dir = self.tickets_dir();
        let mut found = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            if let Some(name) = entry.file_name().to_str()
                && let Some(stem) = name.strip_suffix(".json")
                && stem.starts_with(&given)
                && id::is_full_id(stem)
            {
                found.push(stem.to_string());
            }
        }
        found.sort();
        match found.len() {
            0 => Err(Error::NoTicket(given)),
            1 => Ok(found.remove(0)),
            _ => Err(Error::Ambiguous {
                prefix: given,
                candidates: found,
            }),
        }
    }

    pub fn load_ticket(&self, id: &str) -> Result<Ticket> {
        let path = self.ticket_path(id);
        let text = match atomic::read(&path) {
            Ok(t) => String::from_utf8(t).map_err(|_| Error::Corrupt {
                path: path.clone(),
                message: "is not UTF-8".into(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoTicket(id.into()));
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let t = Ticket::from_json(&text).map_err(|message| Error::Corrupt {
            path: path.clone(),
            message,
        })?;
        if t.id != id {
            return Err(Error::Corrupt {
                path,
                message: wrong_name(&t.id),
            });
        }
        Ok(t)
    }

    /// As [`Store::load_ticket`], with its file's stamp, taken before it is read: a
    /// ticket read ahead (`desk tick` reads the next tickets on another core) is used
    /// only while its file still has that stamp.
    pub fn load_ticket_stamped(&self, id: &str) -> Result<(Ticket, Option<cache::Stamp>)> {
        let stamp = cache::Stamp::of_path(&self.ticket_path(id));
        Ok((self.load_ticket(id)?, stamp))
    }

    /// The ticket that holds `id`'s conversation now: `id` itself, or the ticket it was
    /// merged into (`desk merge`), following a chain of merges for at most
    /// [`MERGE_HOPS`]. A chain that loops (two clones that merged two tickets into each
    /// other) or names a ticket that is gone ends where it was.
    pub fn live(&self, id: &str) -> Result<String> {
        let mut at = id.to_string();
        let mut seen = vec![at.clone()];
        for _ in 0..MERGE_HOPS {
            let Some(next) = self.load_ticket(&at)?.merged_into else {
                break;
            };
            if !id::is_full_id(&next)
                || seen.contains(&next)
                || !atomic::exists(&self.ticket_path(&next))
            {
                break;
            }
            seen.push(next.clone());
            at = next;
        }
        Ok(at)
    }

    /// The file's exact bytes, for `desk show --json`.
    pub fn read_ticket_text(&self, id: &str) -> Result<String> {
        let path = self.ticket_path(id);
        fs::read_to_string(&path).map_err(|e| Error::io(&path, e))
    }

    /// Writes a ticket if its content changed. Returns whether it wrote.
    pub fn save_ticket(&self, t: &Ticket) -> Result<bool> {
        atomic::write_if_changed(
            &self.ticket_path(&t.id),
            t.to_json().map_err(Error::invalid)?.as_bytes(),
        )
    }

    /// Writes a new ticket; never overwrites one.
    pub fn create_ticket(&self, t: &Ticket) -> Result<()> {
        let dir = self.tickets_dir();
        atomic::ensure_dir(&dir)?;
        atomic::create_new(
            &self.ticket_path(&t.id),
            t.to_json().map_err(Error::invalid)?.as_bytes(),
        )
    }

    pub fn delete_ticket(&self, id: &str) -> Result<()> {
        let path = self.ticket_path(id);
        // In a batch the file goes with the batch's renames, which the listing cache's
        // journal brackets: removed at once, it broke the journal's chain.
        if atomic::remove_deferred(&path)? {
            return Ok(());
        }
        fs::remove_file(&path).map_err(|e| Error::io(&path, e))
    }

    /// The next ticket ID on this clone. Call with the lock held.
    pub fn next_id(&self, now: DateTime<Utc>) -> Result<String> {
        let mut state = self.id_state();
        let id = self.free_id(&mut state, now)?;
        // The sequence needs no flush, and is written in place: after a crash, an ID
        // already taken is skipped because its file exists, and a torn file is read as
        // none (a new identity for this clone).
        let bytes = serde_json::to_vec(&state)
            .map_err(|e| Error::invalid(format!("{}: {e}", self.ids_path().display())))?;
        atomic::overwrite_unsynced(&self.ids_path(), &bytes)?;
        Ok(id)
    }

    /// The next ID for a dry run: `state` (loaded on first use) advances, the file does not.
    pub fn dry_id(&self, now: DateTime<Utc>, state: &mut Option<IdState>) -> Result<String> {
        let state = state.get_or_insert_with(|| self.id_state());
        self.free_id(state, now)
    }

    fn ids_path(&self) -> PathBuf {
        self.local_dir().join("ids.json")
    }

    /// This clone's counter, or a fresh one (new identity) if none was kept for this root.
    fn id_state(&self) -> IdState {
        let root = self.root.to_string_lossy().to_string();
        atomic::read(&self.ids_path())
            .ok()
            .and_then(|s| serde_json::from_slice::<IdState>(&s).ok())
            .filter(|s| s.root == root)
            .unwrap_or_else(|| IdState::fresh(&root))
    }

    /// Advances `state` to an ID no ticket file has. Each ID is greater than the last, so
    /// this ends: at a free ID, or with an error when the clone has none left.
    fn free_id(&self, state: &mut IdState, now: DateTime<Utc>) -> Result<String> {
        loop {
            let Some(id) = state.next(now.timestamp()) else {
                return Err(Error::invalid(format!(
                    "no ticket IDs left on this clone: IDs count seconds up to 3108-10-26T03:46:07Z and this clone has used every one up to there; remove {} to start over with a new clone identity",
                    self.ids_path().display()
                )));
            };
            if !atomic::exists(&self.ticket_path(&id)) {
                return Ok(id);
            }
        }
    }

    /// Every ticket's summary, through the cache; unreadable files are listed as problems.
    pub fn scan(&self) -> Result<Scan> {
        self.scan_where(&|_, _| true)
    }

    /// The summaries of tickets whose (type, status) passes `want`; only those are decoded.
    pub fn scan_where(&self, want: &dyn Fn(&str, &str) -> bool) -> Result<Scan> {
        self.scan_with(&cache::Options {
            want,
            rescan: false,
            updated_since: None,
            lean: false,
            known: None,
        })
    }

    /// As [`Store::scan_where`], without the threading keys and the status trail
    /// (`cache::Options::lean`): for callers that neither thread mail nor report.
    pub fn scan_lean(&self, want: &dyn Fn(&str, &str) -> bool) -> Result<Scan> {
        self.scan_with(&cache::Options {
            want,
            rescan: false,
            updated_since: None,
            lean: true,
            known: None,
        })
    }

    /// As [`Store::scan_lean`], leaving out the tickets whose file versions `known`
    /// knows already (their IDs are in [`Scan::known`]).
    pub fn scan_known(
        &self,
        want: &dyn Fn(&str, &str) -> bool,
        known: &dyn Fn(&str, Stamp) -> bool,
    ) -> Result<Scan> {
        self.scan_with(&cache::Options {
            want,
            rescan: false,
            updated_since: None,
            lean: true,
            known: Some(known),
        })
    }

    /// The last tick's [`due::DueIndex`], if it holds for `fingerprint` at `now`.
    pub fn due_index(&self, fingerprint: &[u8; 32], now: i64) -> due::DueIndex {
        due::load(&self.cache_dir(), fingerprint, now)
    }

    /// Replaces the tick's [`due::DueIndex`].
    pub fn save_due_index(&self, fingerprint: [u8; 32], judged_at: i64, quiet: Vec<due::Quiet>) {
        due::save(&self.cache_dir(), fingerprint, judged_at, quiet);
    }

    /// As [`Store::scan_with`], handing the summaries to `sink` a batch at a time in ID
    /// order; returns the problems.
    pub fn scan_each(
        &self,
        opts: &cache::Options<'_>,
        sink: cache::Sink<'_>,
    ) -> Result<Vec<Problem>> {
        let dir = self.tickets_dir();
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        cache::scan_each(&dir, &self.cache_dir(), opts, sink).map(|(problems, _)| problems)
    }

    /// A listing as [`cache::Options`] say.
    pub fn scan_with(&self, opts: &cache::Options<'_>) -> Result<Scan> {
        let dir = self.tickets_dir();
        if !dir.is_dir() {
            return Ok(Scan::default());
        }
        cache::scan(&dir, &self.cache_dir(), opts)
    }

    /// The IDs of the ticket files, sorted, from their names alone: no file is read.
    pub fn ticket_ids(&self) -> Result<Vec<String>> {
        let dir = self.tickets_dir();
        let mut out = Vec::new();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            if let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                && id::is_full_id(id)
            {
                out.push(id.to_string());
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    fn cache_dir(&self) -> PathBuf {
        self.local_dir().join("cache")
    }

    /// Tells the listing cache that desk wrote (`Some`) or deleted (`None`) a ticket.
    pub fn noted(&self, id: &str, ticket: Option<&Ticket>, before: Option<cache::Stamp>) {
        cache::note(&self.tickets_dir(), &self.cache_dir(), id, ticket, before);
    }

    /// Tells the listing cache that a batch of writes is on disk (or failed).
    pub fn batch_noted(&self, stored: bool) {
        cache::batch_stored(&self.tickets_dir(), &self.cache_dir(), stored);
    }

    /// The index of open tickets per agent.
    pub fn loads(&self) -> load::Loads {
        load::Loads::new(&self.local_dir(), &self.tickets_dir())
    }

    pub fn customer_path(&self, email: &str) -> PathBuf {
        self.customers_dir().join(customer::file_name(email))
    }

    pub fn load_customer(&self, email: &str) -> Result<Option<Customer>> {
        let path = self.customer_path(email);
        match atomic::read(&path) {
            Ok(text) => {
                let c: Customer = serde_json::from_slice(&text).map_err(|e| Error::Corrupt {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                // A hand edit that changed `email`: saving it would make a second
                // customer under the new name, so it is reported instead.
                if customer::file_name(&c.email) != customer::file_name(email) {
                    return Err(Error::Corrupt {
                        path,
                        message: format!(
                            "`email` is `{}`, not the address its name says; rename the file or fix the field",
                            c.email
                        ),
                    });
                }
                Ok(Some(c))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    pub fn save_customer(&self, c: &Customer) -> Result<bool> {
        let dir = self.customers_dir();
        atomic::ensure_dir(&dir)?;
        atomic::write_if_changed(
            &self.customer_path(&c.email),
            c.to_json().map_err(Error::invalid)?.as_bytes(),
        )
    }
}

/// What a ticket file holding another ticket is told: the ID it holds, written as read
/// but on one line (a hand-edited or fuzzed file may hold any text there).
pub(crate) fn wrong_name(id: &str) -> String {
    format!(
        "holds ticket `{}`, not the one its name says",
        crate::error::one_line(id)
    )
}
