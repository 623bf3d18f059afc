//! Running `scripts/NAME` for the `run` action (README, "Scripts"), confined: only an
//! executable directly inside scripts/ (a symlink must stay inside it too), never
//! through a shell, with a minimal environment, the helpdesk root as working directory,
//! its own process group (all of it killed at the timeout, or when the script exits),
//! standard output capped and standard error kept, shortened, for the history.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use crate::model::script::{DEFAULT_TIMEOUT, check_name};

/// The most a script may print on standard output.
pub const MAX_OUTPUT: usize = 1024 * 1024;

/// How much of standard error is kept for the history.
const MAX_STDERR: usize = 2000;

/// What a script printed.
#[derive(Debug)]
pub struct Ran {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Why a script's run counts as failed, with what it said on standard error.
#[derive(Debug)]
pub struct Failed {
    pub reason: String,
    pub stderr: String,
}

/// The script's path, if it is an executable file inside scripts/ (after symlinks).
pub fn resolve(root: &Path, name: &str) -> Result<PathBuf, String> {
    check_name(name)?;
    let dir = root.join("scripts");
    let path = dir.join(name);
    let real_dir = dir
        .canonicalize()
        .map_err(|_| format!("script `{name}`: there is no scripts/ folder"))?;
    // scripts/ itself must be the helpdesk's: a symlinked folder would run programs
    // from anywhere.
    let inside = root
        .canonicalize()
        .is_ok_and(|r| real_dir == r.join("scripts"));
    if !inside {
        return Err(format!(
            "scripts/ leads outside the helpdesk (to {}): refused",
            real_dir.display()
        ));
    }
    let real = path.canonicalize().map_err(|_| {
        let known: Vec<String> = std::fs::read_dir(&dir)
            .map(|r| {
                r.filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        format!(
            "no script `scripts/{name}`{}",
            crate::error::suggest(name, known.iter().map(String::as_str))
        )
    })?;
    if real.parent() != Some(real_dir.as_path()) {
        return Err(format!(
            "script `{name}` leads outside scripts/ (to {}): refused",
            real.display()
        ));
    }
    let meta = std::fs::metadata(&real).map_err(|e| format!("script `{name}`: {e}"))?;
    if !meta.is_file() {
        return Err(format!("script `{name}` is not a file"));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(format!(
            "script `{name}` is not executable (chmod +x scripts/{name})"
        ));
    }
    Ok(real)
}

/// For `desk rules check`: the script exists and may run.
pub fn check_exists(root: &Path, name: &str) -> Result<(), String> {
    resolve(root, name).map(|_| ())
}

/// Runs the script with `input` on standard input.
pub fn run(
    root: &Path,
    name: &str,
    timeout: Duration,
    env: &[(&str, String)],
    input: &[u8],
) -> Result<Ran, Failed> {
    let fail = |reason: String| Failed {
        reason,
        stderr: String::new(),
    };
    let path = resolve(root, name).map_err(fail)?;
    let started = Instant::now();
    let mut cmd = Command::new(&path);
    cmd.current_dir(root)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("HOME", root)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A group of its own, so the timeout kills everything it started: the watchdog's,
    // made first, so that no moment exists when the script runs unwatched.
    let watchdog = watchdog();
    let group = watchdog
        .as_ref()
        .and_then(|(w, _)| i32::try_from(w.id()).ok())
        .unwrap_or(0);
    cmd.process_group(group);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            if let Some((mut w, pipe)) = watchdog {
                drop(pipe);
                let _ = w.wait();
            }
            return Err(fail(format!("cannot start scripts/{name}: {e}")));
        }
    };
    let pgid = match watchdog.as_ref() {
        Some((w, _)) => rustix::process::Pid::from_child(w),
        None => rustix::process::Pid::from_child(&child),
    };

    let stdin = child.stdin.take();
    let input = input.to_vec();
    std::thread::spawn(move || {
        if let Some(mut s) = stdin {
            // A script that does not read its input closes the pipe: not an error.
            let _ = s.write_all(&input);
        }
    });
    let kill_group = move || {
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    };
    let (out_tx, out_rx) = mpsc::channel();
    let stdout = child.stdout.take();
    std::thread::spawn(move || {
        let (buf, over) = stdout.map_or((Vec::new(), false), |s| read_capped(s, MAX_OUTPUT));
        if over {
            // Stopped at once: a script must not fill memory or disk.
            kill_group();
        }
        let _ = out_tx.send((buf, over));
    });
    let (err_tx, err_rx) = mpsc::channel();
    let stderr = child.stderr.take();
    std::thread::spawn(move || {
        let kept = stderr.map_or_else(Vec::new, |mut s| {
            let (kept, over) = read_capped(&mut s, MAX_STDERR * 4);
            if over {
                // The rest is read and dropped, so the script never blocks on it.
                let _ = std::io::copy(&mut s, &mut std::io::sink());
            }
            kept
        });
        let _ = err_tx.send(kept);
    });
    // The wait happens on its own thread, so the timeout is a plain channel timeout.
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let status = match done_rx.recv_timeout(timeout) {
        Ok(Ok(st)) => Some(st),
        Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            kill_group();
            None
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            kill_group();
            let _ = done_rx.recv_timeout(Duration::from_secs(1));
            None
        }
    };
    // Whatever it left running goes too: nothing outlives a script's run.
    kill_group();
    if let Some((mut w, pipe)) = watchdog {
        // Killed with the group; reaped, so no zombie stays.
        drop(pipe);
        let _ = w.wait();
    }
    let (stdout, oversize) = out_rx
        .recv_timeout(Duration::from_secs(1))
        .unwrap_or((Vec::new(), false));
    let stderr = err_rx
        .recv_timeout(Duration::from_secs(1))
        .map(|b| shorten(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    let elapsed = started.elapsed();
    let failed = |reason: String| Failed {
        reason,
        stderr: stderr.clone(),
    };
    match status {
        None => Err(failed(format!(
            "timed out after {} and was stopped",
            crate::time::duration::rounded(i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX))
        ))),
        Some(_) if oversize => Err(failed(format!(
            "printed more than {} MiB and was stopped",
            MAX_OUTPUT / (1024 * 1024)
        ))),
        Some(st) if !st.success() => Err(failed(match st.code() {
            Some(c) => format!("exited with status {c}"),
            None => "was killed by a signal".to_string(),
        })),
        Some(_) => Ok(Ran {
            stdout,
            stderr,
            elapsed,
        }),
    }
}

/// A watchdog that leads the script's process group, for when desk itself dies (kill
/// -9, a crash) while the script runs: it waits on a pipe whose only writer is this
/// process; when the kernel closes it, it kills its group, the script and all it
/// started with it. Nothing of the script outlives desk. `None` if it could not start:
/// the script then leads its own group, still killed at its timeout.
fn watchdog() -> Option<(std::process::Child, std::io::PipeWriter)> {
    let (read, write) = std::io::pipe().ok()?;
    let child = Command::new("/bin/sh")
        .args(["-c", "read _x; kill -s KILL -- -$$"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(read)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()?;
    Some((child, write))
}

/// Reads to the end, or until more than `limit` bytes came (then `true`, with what
/// fitted).
fn read_capped(mut r: impl Read, limit: usize) -> (Vec<u8>, bool) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match r.read(&mut chunk) {
            Ok(0) | Err(_) => return (buf, false),
            Ok(n) if buf.len() + n > limit => {
                buf.extend_from_slice(&chunk[..limit - buf.len()]);
                return (buf, true);
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Standard error for the history: trimmed, at most a couple of thousand characters.
fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.len() <= MAX_STDERR {
        return s.to_string();
    }
    let mut cut = MAX_STDERR;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}
