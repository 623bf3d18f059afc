//! Crash-safe file replacement: write a temporary file in the same directory, fsync it,
//! rename it over the target, fsync the directory. A reader sees the old file or the new
//! one, never a torn one; a killed writer leaves at most a stray `.*.tmp` file.

use std::fs::{self, File, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::error::{Error, Result};

fn temp_in(dir: &Path, path: &Path) -> Result<tempfile::NamedTempFile> {
    let prefix = format!(
        ".{}.",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("desk")
    );
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(Permissions::from_mode(0o644))
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Writes `bytes` to `path` atomically. With `create_new`, fails if `path` exists.
fn write(path: &Path, bytes: &[u8], create_new: bool) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
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

/// Replaces `path` with `bytes` unless it already holds exactly them. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    match fs::read(path) {
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
