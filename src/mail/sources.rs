//! Where mail comes from: a single message file, an mbox, a Maildir (or any tree of
//! message files), or standard input. Each message is handed over with a name that
//! says where it was (`path`, `path#N` for the N-th message of an mbox, `-`).

use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// One raw message and where it came from.
pub struct Raw {
    pub source: String,
    /// The message; for one over the size limit, only its first [`HEAD`] bytes.
    pub bytes: Vec<u8>,
    /// A Maildir message in `new/`: moved to `cur/` once stored.
    pub maildir_new: Option<PathBuf>,
    /// A message over the size limit: where it is whole, and its size.
    pub whole: Option<Whole>,
}

/// A message too big to read, kept as a file.
pub struct Whole {
    pub file: PathBuf,
    pub size: u64,
    /// Standard input or an mbox message, spilled to a temporary file (removed on drop).
    _spilled: Option<tempfile::TempPath>,
}

/// How much of a message over the limit is read: enough for its headers.
pub const HEAD: usize = 64 * 1024;

/// A message of `bytes` (and, from standard input, the rest of `more`) under the limit
/// as itself; over it, spilled to a temporary file and handed over as its head.
fn sized(
    source: String,
    mut bytes: Vec<u8>,
    more: Option<&mut dyn Read>,
    max: u64,
) -> std::io::Result<Raw> {
    let over = bytes.len() as u64 > max;
    if !over {
        return Ok(Raw {
            source,
            bytes,
            maildir_new: None,
            whole: None,
        });
    }
    let mut spill = tempfile::NamedTempFile::new()?;
    spill.write_all(&bytes)?;
    let mut size = bytes.len() as u64;
    if let Some(rest) = more {
        size += std::io::copy(rest, &mut spill)?;
    }
    bytes.truncate(HEAD);
    Ok(Raw {
        source,
        bytes,
        maildir_new: None,
        whole: Some(Whole {
            file: spill.path().to_path_buf(),
            size,
            _spilled: Some(spill.into_temp_path()),
        }),
    })
}

/// A source that could not be read at all.
pub struct Unreadable {
    pub source: String,
    pub message: String,
}

/// Files in a mail tree that are not messages (Maildir++, Dovecot, Courier bookkeeping).
fn bookkeeping(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with("dovecot")
        || name.starts_with("courier")
        || matches!(
            name,
            "maildirfolder" | "subscriptions" | "README" | "README.md"
        )
}

/// Calls `each` for every message under `path` (`-` is standard input), in a stable
/// order: files sorted by name, mbox messages in file order.
/// A message over `max` bytes is handed over as its head and a file (see [`Raw`]); an
/// mbox is read one message at a time.
pub fn visit(
    path: &str,
    max: u64,
    each: &mut dyn FnMut(Raw),
    unreadable: &mut dyn FnMut(Unreadable),
) {
    if path == "-" {
        let mut stdin = std::io::stdin().lock();
        let mut head = [0u8; 5];
        let n = read_full(&mut stdin, &mut head).unwrap_or(0);
        if &head[..n] == b"From " {
            let rest = std::io::Cursor::new(head[..n].to_vec()).chain(stdin);
            return mbox("-", BufReader::new(rest), max, each, unreadable);
        }
        // Up to the limit in memory; past it, the rest goes straight to a file.
        let mut bytes = head[..n].to_vec();
        let read = (&mut stdin)
            .take(max.saturating_add(1))
            .read_to_end(&mut bytes);
        let raw = read.and_then(|_| sized("-".into(), bytes, Some(&mut stdin), max));
        match raw {
            Ok(raw) => each(raw),
            Err(e) => unreadable(Unreadable {
                source: "-".into(),
                message: e.to_string(),
            }),
        }
        return;
    }
    let p = Path::new(path);
    if p.is_dir() {
        let walk = walkdir::WalkDir::new(p)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                // Maildir's tmp/ holds messages still being delivered.
                !(e.file_type().is_dir() && e.depth() > 0 && e.file_name() == "tmp")
            });
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let name = e.file_name().to_string_lossy();
                    if !bookkeeping(&name) {
                        file(e.path(), max, each, unreadable);
                    }
                }
                Ok(_) => {}
                Err(e) => unreadable(Unreadable {
                    source: e
                        .path()
                        .map_or_else(|| path.to_string(), |p| p.display().to_string()),
                    message: e.to_string(),
                }),
            }
        }
    } else {
        file(p, max, each, unreadable);
    }
}

/// Reads until `buf` is full or the input ends.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn file(p: &Path, max: u64, each: &mut dyn FnMut(Raw), unreadable: &mut dyn FnMut(Unreadable)) {
    let source = p.display().to_string();
    let mut f = match File::open(p) {
        Ok(f) => f,
        Err(e) => {
            return unreadable(Unreadable {
                source,
                message: e.to_string(),
            });
        }
    };
    let mut head = [0u8; 5];
    let n = f.read(&mut head).unwrap_or(0);
    if &head[..n] == b"From " {
        let rest = std::io::Cursor::new(head[..n].to_vec()).chain(f);
        return mbox(&source, BufReader::new(rest), max, each, unreadable);
    }
    let in_new = p.parent().is_some_and(|d| {
        d.file_name().is_some_and(|n| n == "new") && d.with_file_name("cur").is_dir()
    });
    let size = f.metadata().map_or(0, |m| m.len());
    if size > max {
        // Only the head is read; the file itself is what the ticket keeps.
        let mut bytes = head[..n].to_vec();
        if let Err(e) = (&mut f).take(HEAD as u64).read_to_end(&mut bytes) {
            return unreadable(Unreadable {
                source,
                message: e.to_string(),
            });
        }
        return each(Raw {
            source,
            bytes,
            maildir_new: in_new.then(|| p.to_path_buf()),
            whole: Some(Whole {
                file: p.to_path_buf(),
                size,
                _spilled: None,
            }),
        });
    }
    let mut bytes = head[..n].to_vec();
    if let Err(e) = f.read_to_end(&mut bytes) {
        return unreadable(Unreadable {
            source,
            message: e.to_string(),
        });
    }
    each(Raw {
        source,
        bytes,
        maildir_new: in_new.then(|| p.to_path_buf()),
        whole: None,
    });
}

fn mbox(
    source: &str,
    reader: impl std::io::BufRead,
    max: u64,
    each: &mut dyn FnMut(Raw),
    unreadable: &mut dyn FnMut(Unreadable),
) {
    for (n, m) in mail_parser::mailbox::mbox::MessageIterator::new(reader).enumerate() {
        let source = format!("{source}#{}", n + 1);
        match m {
            Ok(m) => match sized(source.clone(), m.unwrap_contents(), None, max) {
                Ok(raw) => each(raw),
                Err(e) => unreadable(Unreadable {
                    source,
                    message: e.to_string(),
                }),
            },
            Err(e) => {
                unreadable(Unreadable {
                    source,
                    message: e.to_string(),
                });
                return;
            }
        }
    }
}

/// Marks a stored Maildir message as seen, the way a mail reader does: moved from
/// `new/` to `cur/` with the `S` flag. A failure only means it stays in `new/`, where
/// the next ingest finds it a duplicate.
pub fn mark_seen(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let name = match name.split_once(":2,") {
        Some((base, flags)) if flags.contains('S') => format!("{base}:2,{flags}"),
        Some((base, flags)) => {
            let mut f: Vec<char> = flags.chars().chain(['S']).collect();
            f.sort_unstable();
            format!("{base}:2,{}", f.into_iter().collect::<String>())
        }
        None => format!("{name}:2,S"),
    };
    let _ = fs::rename(path, dir.with_file_name("cur").join(name));
}
