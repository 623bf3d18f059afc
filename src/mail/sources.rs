//! Where mail comes from: a single message file, an mbox, a Maildir (or any tree of
//! message files), or standard input. Each message is handed over with a name that
//! says where it was (`path`, `path#N` for the N-th message of an mbox, `-`).

use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// One raw message and where it came from.
pub struct Raw {
    pub source: String,
    pub bytes: Vec<u8>,
    /// A Maildir message in `new/`: moved to `cur/` once stored.
    pub maildir_new: Option<PathBuf>,
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
pub fn visit(path: &str, each: &mut dyn FnMut(Raw), unreadable: &mut dyn FnMut(Unreadable)) {
    if path == "-" {
        let mut bytes = Vec::new();
        match std::io::stdin().lock().read_to_end(&mut bytes) {
            Ok(_) if bytes.starts_with(b"From ") => mbox(
                "-",
                BufReader::new(std::io::Cursor::new(bytes)),
                each,
                unreadable,
            ),
            Ok(_) => each(Raw {
                source: "-".into(),
                bytes,
                maildir_new: None,
            }),
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
                        file(e.path(), each, unreadable);
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
        file(p, each, unreadable);
    }
}

fn file(p: &Path, each: &mut dyn FnMut(Raw), unreadable: &mut dyn FnMut(Unreadable)) {
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
        return mbox(&source, BufReader::new(rest), each, unreadable);
    }
    let mut bytes = head[..n].to_vec();
    if let Err(e) = f.read_to_end(&mut bytes) {
        return unreadable(Unreadable {
            source,
            message: e.to_string(),
        });
    }
    let in_new = p.parent().is_some_and(|d| {
        d.file_name().is_some_and(|n| n == "new") && d.with_file_name("cur").is_dir()
    });
    each(Raw {
        source,
        bytes,
        maildir_new: in_new.then(|| p.to_path_buf()),
    });
}

fn mbox(
    source: &str,
    reader: impl std::io::BufRead,
    each: &mut dyn FnMut(Raw),
    unreadable: &mut dyn FnMut(Unreadable),
) {
    for (n, m) in mail_parser::mailbox::mbox::MessageIterator::new(reader).enumerate() {
        let source = format!("{source}#{}", n + 1);
        match m {
            Ok(m) => each(Raw {
                source,
                bytes: m.unwrap_contents(),
                maildir_new: None,
            }),
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
