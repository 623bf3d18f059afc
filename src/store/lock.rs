//! The helpdesk lock: an exclusive advisory lock on `.desk/lock`, held while a command
//! reads, changes and writes tickets, so concurrent commands never lose an update.
//! The kernel releases it when the process ends, however it ends.

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use crate::error::{Error, Result};

pub struct Lock {
    _file: File,
}

fn open(desk_dir: &Path, name: &str) -> Result<File> {
    fs::create_dir_all(desk_dir).map_err(|e| Error::io(desk_dir, e))?;
    let path = desk_dir.join(name);
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))
}

/// Waits for the lock.
pub fn acquire(desk_dir: &Path) -> Result<Lock> {
    let file = open(desk_dir, "lock")?;
    file.lock()
        .map_err(|e| Error::io(desk_dir.join("lock"), e))?;
    Ok(Lock { _file: file })
}

/// Takes the lock if it is free; `None` if another process holds it.
pub fn try_acquire(desk_dir: &Path, name: &str) -> Result<Option<Lock>> {
    let file = open(desk_dir, name)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Lock { _file: file })),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) => Err(Error::io(desk_dir.join(name), e)),
    }
}
