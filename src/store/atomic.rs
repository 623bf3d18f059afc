//! Crash-safe file replacement: write a temporary file, fsync it, rename it over the
//! target, fsync the directory. A reader sees the old file or the new one, never a torn
//! one. Temporary files of the helpdesk's own files are made in `.desk/tmp/` (same file
//! system, never seen by git), so a killed writer leaves a stray there, which the next
//! command holding the lock removes; files elsewhere (a report's `--output`) get theirs
//! beside them.
//!
//! A batch (ingesting a mailbox) defers the renames: every file of the batch is written
//! to its temporary file, one `syncfs` makes them all durable, then they are renamed and
//! each directory is synced once. The guarantee is the same (a crash leaves the old
//! files and stray temporaries, never a torn or empty file); the cost is one flush per
//! batch instead of two per file. Reads through [`read`] see the batch's pending files.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::store::cache::Stamp;

/// The helpdesk's root and its folder for temporary files.
static TEMPS: Mutex<Option<(PathBuf, PathBuf)>> = Mutex::new(None);

/// How old a temporary file must be before a command may take it for a killed one's.
const STALE: std::time::Duration = std::time::Duration::from_secs(600);

/// Makes temporary files for files under `root` in `root/.desk/tmp`.
pub fn keep_temps_in(root: &Path) {
    *TEMPS.lock().unwrap_or_else(|p| p.into_inner()) =
        Some((root.to_path_buf(), root.join(".desk").join("tmp")));
}

/// Where the temporary file for a file in `dir` goes.
fn temp_dir_for(dir: &Path) -> PathBuf {
    let temps = TEMPS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    match temps {
        Some((root, tmp)) if dir.starts_with(&root) && ensure_dir(&tmp).is_ok() => tmp,
        _ => dir.to_path_buf(),
    }
}

/// Removes what killed commands left in `.desk/tmp/`: files older than ten minutes, so
/// a command writing right now (`desk list` refreshing its cache takes no lock) keeps
/// its own.
pub fn remove_stale_temps(root: &Path) {
    let dir = root.join(".desk").join("tmp");
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        if is_stale(&e.path()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Whether a temporary file was left long enough ago to be a killed writer's.
pub fn is_stale(path: &Path) -> bool {
    fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE)
}

fn temp_in(dir: &Path, path: &Path) -> Result<tempfile::NamedTempFile> {
    let prefix = format!(
        ".{}.",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("desk")
    );
    let dir = &temp_dir_for(dir);
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(Permissions::from_mode(0o644))
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))
}

/// The folder a file is in; `.` for a bare file name.
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Files written in the open batch, not yet renamed into place.
struct Pending {
    bytes: Vec<u8>,
    create_new: bool,
    /// Written already, as a temporary file (a copy too big to hold in memory).
    ready: Option<tempfile::TempPath>,
    /// To be removed with the batch's renames (a deleted ticket), so the folder changes
    /// only within the commit, where the listing cache's journal sees it.
    remove: bool,
}

static BATCH: Mutex<Option<HashMap<PathBuf, Pending>>> = Mutex::new(None);

fn batch() -> std::sync::MutexGuard<'static, Option<HashMap<PathBuf, Pending>>> {
    BATCH.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts deferring writes until [`commit`].
pub fn begin() {
    let mut b = batch();
    if b.is_none() {
        *b = Some(HashMap::new());
    }
}

/// Makes the batch's files durable and puts them in place; the batch stays open.
/// Files are only created here, so a file rewritten ten times in a batch is written once.
pub fn commit() -> Result<()> {
    LAST_COMMIT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
    let mut pending: Vec<(PathBuf, Pending)> = match batch().as_mut() {
        Some(files) => files.drain().collect(),
        None => return Ok(()),
    };
    if pending.is_empty() {
        return Ok(());
    }
    pending.sort_by(|a, b| a.0.cmp(&b.0));
    let mut temps = Vec::with_capacity(pending.len());
    for (path, p) in &mut pending {
        if p.remove {
            temps.push(None);
            continue;
        }
        if let Some(ready) = p.ready.take() {
            temps.push(Some(ready));
            continue;
        }
        let dir = parent_of(path);
        checked(dir)?;
        let mut tmp = temp_in(dir, path)?;
        tmp.write_all(&p.bytes)
            .map_err(|e| Error::io(tmp.path(), e))?;
        // Closed now: a batch may hold more files than the process may keep open.
        temps.push(Some(tmp.into_temp_path()));
    }
    let first = parent_of(&pending[0].0);
    File::open(first)
        .and_then(|d| rustix::fs::syncfs(&d).map_err(std::io::Error::from))
        .map_err(|e| Error::io(first, e))?;
    // The stamps of each folder around the renames, for the listing cache's journal.
    let mut around: Vec<(PathBuf, Option<Stamp>, Option<Stamp>)> = Vec::new();
    for (path, _) in &pending {
        let dir = parent_of(path);
        if !around.iter().any(|(d, _, _)| d == dir) {
            around.push((dir.to_path_buf(), Stamp::of_path(dir), None));
        }
    }
    let mut dirs = BTreeSet::new();
    for ((path, p), tmp) in pending.into_iter().zip(temps) {
        let Some(tmp) = tmp else {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
            dirs.insert(parent_of(&path).to_path_buf());
            continue;
        };
        if p.create_new {
            tmp.persist_noclobber(&path)
                .map_err(|e| Error::io(&path, e.error))?;
        } else {
            tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        }
        dirs.insert(parent_of(&path).to_path_buf());
    }
    for (d, _, after) in &mut around {
        *after = Stamp::of_path(d);
    }
    *LAST_COMMIT.lock().unwrap_or_else(|p| p.into_inner()) = around;
    for d in dirs {
        sync_dir(&d)?;
    }
    Ok(())
}

type Around = Vec<(PathBuf, Option<Stamp>, Option<Stamp>)>;

static LAST_COMMIT: Mutex<Around> = Mutex::new(Vec::new());

/// The stamps of `dir` just before and just after the last [`commit`] renamed files
/// into it; `None` if it renamed none there.
pub fn last_commit(dir: &Path) -> Option<(Option<Stamp>, Option<Stamp>)> {
    LAST_COMMIT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(d, _, _)| d == dir)
        .map(|(_, b, a)| (*b, *a))
}

/// Whether a batch is open: its files are not on disk until [`commit`].
pub fn in_batch() -> bool {
    batch().is_some()
}

/// Commits and ends the batch.
pub fn end() -> Result<()> {
    let r = commit();
    *batch() = None;
    r
}

/// The file's bytes, including a write pending in the batch.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    if let Some(p) = batch().as_ref().and_then(|f| f.get(path)) {
        return match &p.ready {
            _ if p.remove => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
            Some(t) => fs::read(t),
            None => Ok(p.bytes.clone()),
        };
    }
    fs::read(path)
}

/// Removes the file with the open batch's renames; `Ok(false)` if no batch is open. A
/// file the batch created is only dropped from it.
pub fn remove_deferred(path: &Path) -> Result<bool> {
    let mut guard = batch();
    let Some(files) = guard.as_mut() else {
        return Ok(false);
    };
    match files.get(path) {
        Some(p) if p.create_new => {
            files.remove(path);
        }
        Some(p) if p.remove => {}
        Some(_) => {
            files.insert(path.to_path_buf(), removal());
        }
        None if path.exists() => {
            files.insert(path.to_path_buf(), removal());
        }
        None => {
            return Err(Error::io(
                path,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
    }
    Ok(true)
}

fn removal() -> Pending {
    Pending {
        bytes: Vec::new(),
        create_new: false,
        ready: None,
        remove: true,
    }
}

static DIRS: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// `create_dir_all`, remembered: a batch writing ten thousand files into the same few
/// folders asks the file system once per folder. A folder of the helpdesk must be a
/// folder, not a symbolic link (see [`inside`]).
pub fn ensure_dir(dir: &Path) -> Result<()> {
    let mut known = DIRS.lock().unwrap_or_else(|p| p.into_inner());
    if known.contains(dir) {
        return Ok(());
    }
    inside(dir)?;
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    known.insert(dir.to_path_buf());
    Ok(())
}

static CHECKED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// [`inside`], once per folder and process.
fn checked(dir: &Path) -> Result<()> {
    let mut known = CHECKED.lock().unwrap_or_else(|p| p.into_inner());
    if !known.contains(dir) {
        inside(dir)?;
        known.insert(dir.to_path_buf());
    }
    Ok(())
}

/// Refuses a folder of the helpdesk reached through a symbolic link: a checkout may hold
/// `attachments/ID -> /home/someone/.ssh`, and desk writes only inside the helpdesk.
/// Each component below the root is checked without following links; folders outside
/// the helpdesk (a report's `--output`) are the user's to choose.
fn inside(dir: &Path) -> Result<()> {
    let root = match TEMPS.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some((root, _)) => root.clone(),
        None => return Ok(()),
    };
    let Ok(rest) = dir.strip_prefix(&root) else {
        return Ok(());
    };
    let mut at = root;
    for c in rest.components() {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::io(
                    &at,
                    std::io::Error::other(
                        "is a symbolic link; desk writes only inside the helpdesk, so it refuses to follow it",
                    ),
                ));
            }
            Ok(_) => {}
            // Not there yet: create_dir_all makes real folders from here on.
            Err(_) => break,
        }
    }
    Ok(())
}

/// Whether the file exists or is pending in the batch.
pub fn exists(path: &Path) -> bool {
    match batch().as_ref().and_then(|f| f.get(path)) {
        Some(p) => !p.remove,
        None => path.exists(),
    }
}

/// Puts `pending` into the open batch, or hands it back when no batch is open. A file
/// created new stays so when rewritten in the batch; creating one that exists fails.
fn defer(path: &Path, mut pending: Pending) -> Result<Option<Pending>> {
    let mut guard = batch();
    let Some(files) = guard.as_mut() else {
        return Ok(Some(pending));
    };
    match files.get(path) {
        // The file is on disk, pending removal: writing it again replaces it.
        Some(p) if p.remove => pending.create_new = false,
        Some(p) => pending.create_new = p.create_new,
        None if pending.create_new && path.exists() => {
            return Err(Error::io(
                path,
                std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            ));
        }
        None => {}
    }
    files.insert(path.to_path_buf(), pending);
    Ok(None)
}

/// Writes into the open batch; `Ok(false)` if no batch is open.
fn write_deferred(path: &Path, bytes: &[u8], create_new: bool) -> Result<bool> {
    let pending = Pending {
        bytes: bytes.to_vec(),
        create_new,
        ready: None,
        remove: false,
    };
    Ok(defer(path, pending)?.is_none())
}

/// Writes `bytes` to `path` atomically. With `create_new`, fails if `path` exists.
fn write(path: &Path, bytes: &[u8], create_new: bool) -> Result<()> {
    let dir = parent_of(path);
    checked(dir)?;
    if write_deferred(path, bytes, create_new)? {
        return Ok(());
    }
    let mut tmp = temp_in(dir, path)?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    if create_new {
        tmp.persist_noclobber(path)
            .map_err(|e| Error::io(path, e.error))?;
    } else {
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    }
    sync_dir(dir)
}

/// Creates `path` as a copy of the file `src`, read in pieces, so a message of
/// hundreds of megabytes kept whole never sits in memory. In a batch it is put in place
/// with the batch. Returns the size.
pub fn copy_new(path: &Path, src: &Path) -> Result<u64> {
    let dir = parent_of(path);
    checked(dir)?;
    let mut tmp = temp_in(dir, path)?;
    let mut from = File::open(src).map_err(|e| Error::io(src, e))?;
    let size = std::io::copy(&mut from, tmp.as_file_mut()).map_err(|e| Error::io(tmp.path(), e))?;
    // Flushed here, batch or not: a copy this size is rare, and then it is ready.
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    let pending = Pending {
        bytes: Vec::new(),
        create_new: true,
        ready: Some(tmp.into_temp_path()),
        remove: false,
    };
    let Some(ready) = defer(path, pending)?.and_then(|p| p.ready) else {
        return Ok(size);
    };
    ready
        .persist_noclobber(path)
        .map_err(|e| Error::io(path, e.error))?;
    sync_dir(dir)?;
    Ok(size)
}

/// Replaces `path` with `bytes` unless it already holds exactly them. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    match read(path) {
        Ok(old) if old == bytes => return Ok(false),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    write(path, bytes, false)?;
    Ok(true)
}

/// Creates `path` with `bytes`; an existing file is an error, never overwritten.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<()> {
    write(path, bytes, true)
}

/// Replaces `path` unconditionally (caches, state files).
pub fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    write(path, bytes, false)
}

/// Rewrites a small file of local state in place (`.desk/ids.json`): no temporary file
/// and no rename, which on ext4 starts writing the new file back at once, 0.2 ms of a
/// `desk new`. A crash can leave it torn, so its reader must take a file it cannot parse
/// for a missing one. Never through a symbolic link.
pub fn overwrite_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if write_deferred(path, bytes, false)? {
        return Ok(());
    }
    checked(parent_of(path))?;
    let opened = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path);
    let mut file = match opened {
        Ok(f) => f,
        // A symbolic link in its place is replaced, as `replace_unsynced` does.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return replace_unsynced(path, bytes),
        Err(e) => return Err(Error::io(path, e)),
    };
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    // Not to zero, which ext4 would also take as a file being replaced.
    file.set_len(bytes.len() as u64)
        .map_err(|e| Error::io(path, e))
}

/// Replaces local state that can be rebuilt or redrawn (`.desk/`: ID sequence, caches):
/// atomic, but not flushed, so it costs no disk round trip.
pub fn replace_unsynced(path: &Path, bytes: &[u8]) -> Result<()> {
    if write_deferred(path, bytes, false)? {
        return Ok(());
    }
    let dir = parent_of(path);
    checked(dir)?;
    let mut tmp = temp_in(dir, path)?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
