//! Running `scripts/NAME` for the `run` action (README, "Scripts"), confined: only an
//! executable directly inside scripts/ (a symlink must stay inside it too), never
//! through a shell, with a minimal environment, the helpdesk root as working directory,
//! its own process group (all of it killed at the timeout, or when the script exits),
//! standard output capped and standard error kept, shortened, for the history.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use crate::model::script::{DEFAULT_TIMEOUT, check_name};

mod watchdog;
use watchdog::Watchdog;

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
    meanwhile: &mut dyn FnMut(),
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
    let watchdog = Watchdog::start();
    let group = watchdog
        .as_ref()
        .map_or(0, |w| w.group().as_raw_nonzero().get());
    cmd.process_group(group);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Err(fail(format!("cannot start scripts/{name}: {e}"))),
    };
    let pgid = match watchdog.as_ref() {
        Some(w) => w.group(),
        None => rustix::process::Pid::from_child(&child),
    };
    let kill_group = || {
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    };
    let io = Pipes::of(&mut child, input);
    let (status, io) = io.run(&mut child, started + timeout, &kill_group, meanwhile);
    // Whatever it left running goes too: nothing outlives a script's run.
    kill_group();
    // Killed with the group; reaped, so no zombie stays.
    if let Some(w) = watchdog {
        w.finish();
    }
    let (stdout, oversize) = (io.stdout.buf, io.stdout.over);
    let stderr = shorten(&String::from_utf8_lossy(&io.stderr.buf));
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

/// What is read from one of the script's outputs, up to `limit` bytes.
struct Output {
    pipe: Option<std::os::fd::OwnedFd>,
    buf: Vec<u8>,
    limit: usize,
    /// More than `limit` bytes came.
    over: bool,
}

impl Output {
    fn of(pipe: Option<impl Into<std::os::fd::OwnedFd>>, limit: usize) -> Output {
        Output {
            pipe: pipe
                .map(Into::into)
                .filter(|p| rustix::io::ioctl_fionbio(p, true).is_ok()),
            buf: Vec::new(),
            limit,
            over: false,
        }
    }

    /// Reads what is there; the pipe is closed at its end, or at an error.
    fn read(&mut self) {
        let Some(pipe) = &self.pipe else { return };
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match rustix::io::read(pipe, &mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    let room = self.limit.saturating_sub(self.buf.len());
                    self.buf.extend_from_slice(&chunk[..n.min(room)]);
                    self.over |= n > room;
                }
                Err(rustix::io::Errno::AGAIN) => return,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => break,
            }
        }
        self.pipe = None;
    }
}

/// The script's standard input, output and error, served from one thread.
struct Pipes {
    stdin: Option<std::os::fd::OwnedFd>,
    input: Vec<u8>,
    written: usize,
    stdout: Output,
    stderr: Output,
}

impl Pipes {
    fn of(child: &mut std::process::Child, input: &[u8]) -> Pipes {
        Pipes {
            stdin: child
                .stdin
                .take()
                .map(std::os::fd::OwnedFd::from)
                .filter(|p| rustix::io::ioctl_fionbio(p, true).is_ok()),
            input: input.to_vec(),
            written: 0,
            stdout: Output::of(child.stdout.take(), MAX_OUTPUT),
            // The rest is read and dropped, so the script never blocks on it.
            stderr: Output::of(child.stderr.take(), MAX_STDERR * 4),
        }
    }

    /// Writes what the pipe takes; closes it when all is written or the script stopped
    /// reading (which is not an error).
    fn write(&mut self) {
        let Some(pipe) = &self.stdin else { return };
        while self.written < self.input.len() {
            match rustix::io::write(pipe, &self.input[self.written..]) {
                Ok(n) => self.written += n,
                Err(rustix::io::Errno::AGAIN) => return,
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => break,
            }
        }
        self.stdin = None;
    }

    /// Feeds the script and reads it until it exits and its outputs close, or the
    /// deadline. The group is killed at the deadline, when the output grows past its
    /// limit, and once the script has exited (what it started may hold the pipes open);
    /// after that, the pipes get a second to close. `None` as the status: timed out, or
    /// it could not be waited for.
    fn run(
        mut self,
        child: &mut std::process::Child,
        deadline: Instant,
        kill_group: &dyn Fn(),
        meanwhile: &mut dyn FnMut(),
    ) -> (Option<std::process::ExitStatus>, Pipes) {
        use rustix::event::{PollFd, PollFlags};
        let pidfd = pidfd_of(child);
        let mut status = None;
        let mut ended = false;
        let mut deadline = deadline;
        self.write();
        // The caller's work, done while the script starts and runs on another core.
        meanwhile();
        loop {
            if status.is_none() && !ended {
                match child.try_wait() {
                    Ok(Some(st)) => {
                        status = Some(st);
                        kill_group();
                        deadline = deadline.min(Instant::now() + Duration::from_secs(1));
                    }
                    Ok(None) => {}
                    // It cannot be waited for (reaped elsewhere): stopped, as at its
                    // timeout.
                    Err(_) => {
                        ended = true;
                        kill_group();
                    }
                }
            }
            if self.stdout.over {
                kill_group();
            }
            let open = self.stdout.pipe.is_some() || self.stderr.pipe.is_some();
            if (status.is_some() || ended) && !open {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                if status.is_none() && !ended {
                    kill_group();
                    // Reaped, so no zombie stays; the status of a killed script is no
                    // success.
                    let _ = child.wait();
                }
                break;
            }
            let mut fds = Vec::with_capacity(4);
            let mut who = Vec::with_capacity(4);
            if let Some(p) = &self.stdin {
                fds.push(PollFd::new(p, PollFlags::OUT));
                who.push(0);
            }
            if let Some(p) = &self.stdout.pipe {
                fds.push(PollFd::new(p, PollFlags::IN));
                who.push(1);
            }
            if let Some(p) = &self.stderr.pipe {
                fds.push(PollFd::new(p, PollFlags::IN));
                who.push(2);
            }
            let mut wait = deadline - now;
            match (&pidfd, status.is_none() && !ended) {
                (Some(fd), true) => {
                    fds.push(PollFd::new(fd, PollFlags::IN));
                    who.push(3);
                }
                (None, true) => wait = wait.min(Duration::from_millis(5)),
                _ => {}
            }
            let timeout = rustix::event::Timespec::try_from(wait).ok();
            if let Err(e) = rustix::event::poll(&mut fds, timeout.as_ref())
                && e != rustix::io::Errno::INTR
            {
                // Nothing more can be heard from it: it is stopped, as at its timeout.
                kill_group();
                let _ = child.wait();
                return (None, self);
            }
            let ready: Vec<usize> = fds
                .iter()
                .zip(&who)
                .filter(|(f, _)| !f.revents().is_empty())
                .map(|(_, w)| *w)
                .collect();
            drop(fds);
            for w in ready {
                match w {
                    0 => self.write(),
                    1 => self.stdout.read(),
                    2 => self.stderr.read(),
                    _ => {}
                }
            }
        }
        (status, self)
    }
}

/// The script's pidfd, to see its exit: where the kernel has them (5.3), else the loop
/// asks every few milliseconds.
fn pidfd_of(child: &std::process::Child) -> Option<std::os::fd::OwnedFd> {
    #[cfg(test)]
    if tests::WITHOUT_PIDFD.with(std::cell::Cell::get) {
        return None;
    }
    rustix::process::pidfd_open(
        rustix::process::Pid::from_child(child),
        rustix::process::PidfdFlags::empty(),
    )
    .ok()
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    thread_local! {
        /// Runs scripts as on a kernel without pidfds.
        pub static WITHOUT_PIDFD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    fn helpdesk_with(script: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("scripts");
        std::fs::create_dir(&dir).expect("scripts/");
        let path = dir.join("s");
        std::fs::write(&path, script).expect("script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        root
    }

    /// With a pidfd and without, a script's output is read whole, its exit seen at once
    /// (not at the timeout), and its timeout kept.
    #[test]
    fn the_exit_is_seen_with_a_pidfd_and_without() {
        for without in [false, true] {
            WITHOUT_PIDFD.with(|c| c.set(without));
            let root = helpdesk_with("#!/bin/sh\nsleep 0.2\ncat\necho ' out'\necho err >&2\n");
            let started = Instant::now();
            let ran = super::run(
                root.path(),
                "s",
                Duration::from_secs(20),
                &[],
                b"in",
                &mut || {},
            )
            .expect("the script runs");
            assert!(started.elapsed() < Duration::from_secs(5), "{without}");
            assert_eq!(ran.stdout, b"in out\n", "{without}");
            assert_eq!(ran.stderr, "err", "{without}");

            let root = helpdesk_with("#!/bin/sh\nsleep 30\n");
            let started = Instant::now();
            let failed = super::run(
                root.path(),
                "s",
                Duration::from_millis(300),
                &[],
                b"",
                &mut || {},
            )
            .expect_err("it times out");
            assert!(failed.reason.starts_with("timed out"), "{}", failed.reason);
            assert!(started.elapsed() < Duration::from_secs(5), "{without}");
        }
    }

    /// The caller's work is done once, while the script runs, and changes nothing of
    /// what the script is given or gives.
    #[test]
    fn the_work_meanwhile_is_done_once() {
        let root = helpdesk_with("#!/bin/sh\ncat\n");
        let mut calls = 0;
        let ran = super::run(
            root.path(),
            "s",
            Duration::from_secs(20),
            &[],
            b"[]",
            &mut || calls += 1,
        )
        .expect("the script runs");
        assert_eq!(calls, 1);
        assert_eq!(ran.stdout, b"[]");
    }
}
