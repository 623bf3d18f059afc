//! Scripts a rule runs without waiting for them (`{ run = "NAME", wait = false }`).
//!
//! The change that asked is saved without them; each run waits in `.desk/queue/`, one
//! file per run, and the command starts `desk tick --queued` in the background as it
//! ends. That runs each script on the ticket as saved, then records what it printed
//! as any script's change: credited to `script:NAME`, through the one pipeline, with
//! the rules on the events it raises — except the rules that fired already for the
//! change that queued it, as if the command had waited.
//!
//! The queue is local to the clone: a clone that pulls the ticket does not run its
//! scripts again. One process at a time runs the queue (`.desk/queue.lock`), and
//! removes a run once its change is saved. `desk tick` runs whatever is left (a
//! background run that was killed, or could not start). A crash after the save and
//! before the removal runs that script once more.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::helpdesk::{Helpdesk, RuleRun, StoreAssigner};
use crate::model::HistoryEntry;
use crate::pipeline::{Work, Write};
use crate::rules::RuleSet;
use crate::rules::engine::{self, Assigner, Env, Queued, RuleTrace, ScriptCall, ScriptRun};
use crate::rules::event::Event;
use crate::store::atomic;

/// One queued run, as its file holds it.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    ticket: String,
    script: String,
    rule: String,
    timeout_ms: u64,
    queued_at: DateTime<Utc>,
    /// The rules that fired for the change that queued it: they do not fire again on
    /// the changes the script makes.
    fired: Vec<String>,
    /// The event the rule ran on.
    event: Event,
}

impl Entry {
    fn queued(&self) -> Queued {
        Queued {
            script: self.script.clone(),
            timeout: Duration::from_millis(self.timeout_ms),
            rule: self.rule.clone(),
            event: self.event.clone(),
        }
    }

    /// A problem with this run, in words.
    fn failed(&self, e: &Error) -> String {
        format!(
            "script `{}` queued for ticket {}: {e}",
            self.script, self.ticket
        )
    }
}

/// The runs one saved change asked for, to queue once its batch is on disk.
#[derive(Debug)]
pub(crate) struct Staged {
    pub ticket: String,
    pub runs: Vec<Queued>,
    /// The rules that fired in the change.
    pub fired: Vec<String>,
}

/// How many queued runs are applied under one hold of the lock, written as one batch:
/// an ingest of thousands of mail queues thousands, and two `fsync`s each were most of
/// their cost. A command waiting for the lock waits for one batch's writes, not for
/// its scripts, which run before it is taken.
const BATCH: usize = 64;

/// What one queued run did, for `desk tick`.
#[derive(Debug, Clone)]
pub struct Ran {
    pub ticket: String,
    pub script: String,
    pub rule: String,
    /// In words: what it changed, or why it changed nothing.
    pub detail: String,
}

fn queue_dir(hd: &Helpdesk) -> PathBuf {
    hd.store.local_dir().join("queue")
}

/// The queued runs' files, oldest first (their names start with the time queued).
fn entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut names: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    names.sort();
    Ok(names)
}

/// The queued run in `path`; `None` if it is gone.
fn read_entry(path: &Path) -> Result<Option<Entry>> {
    let bytes = match atomic::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::Corrupt {
            path: path.to_path_buf(),
            message: format!("is not a queued script run: {e}"),
        })
}

impl Helpdesk {
    /// Queues the runs a saved change asked for; `fired`: the rules that fired in it.
    pub(crate) fn queue_runs(&self, ticket: &str, runs: &[Queued], fired: &[String]) -> Result<()> {
        let dir = queue_dir(self);
        atomic::ensure_dir(&dir)?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        for (n, q) in runs.iter().enumerate() {
            let entry = Entry {
                ticket: ticket.to_string(),
                script: q.script.clone(),
                rule: q.rule.clone(),
                timeout_ms: u64::try_from(q.timeout.as_millis()).unwrap_or(u64::MAX),
                queued_at: self.now,
                fired: fired.to_vec(),
                event: q.event.clone(),
            };
            let bytes = serde_json::to_vec_pretty(&entry).map_err(|e| {
                Error::io(&dir, std::io::Error::other(format!("a queued run: {e}")))
            })?;
            let name = format!("{stamp:024}-{}-{n:04}.json", std::process::id());
            // Not synced: a run lost with the machine is one script not run, and the
            // change it belonged to is saved.
            atomic::replace_unsynced(&dir.join(name), &bytes)?;
        }
        self.queue_pending.set(true);
        Ok(())
    }

    /// Starts `desk tick --queued` in the background for the runs this process queued,
    /// once: it outlives the command, with no terminal and no output of its own (what
    /// its scripts do is in the tickets' history). If it cannot start, the next `desk
    /// tick` runs them.
    pub(crate) fn start_queued(&self) -> std::result::Result<(), String> {
        if !self.queue_pending.replace(false) {
            return Ok(());
        }
        let started = std::env::current_exe().and_then(|exe| {
            let mut args: Vec<std::ffi::OsString> = vec!["-C".into(), self.store.root().into()];
            if self.pinned {
                args.push("--now".into());
                args.push(crate::time::format_utc(self.now).into());
            }
            args.push("tick".into());
            args.push("--queued".into());
            start_detached(&exe, &args)
        });
        started.map(drop).map_err(|e| {
            format!(
                "could not start the scripts queued to run after this change ({e}); the next `desk tick` runs them"
            )
        })
    }

    /// The runs queued, for `desk tick --dry-run`: (ticket, script, rule).
    pub fn queued_runs(&self) -> Result<Vec<(String, String, String)>> {
        let mut out = Vec::new();
        for path in entries(&queue_dir(self))? {
            if let Ok(Some(e)) = read_entry(&path) {
                out.push((e.ticket, e.script, e.rule));
            }
        }
        Ok(out)
    }

    /// Runs every queued script, oldest first, and records what each did, unless another
    /// process is running them (then it does nothing: that one takes what comes). A
    /// file that is not a queued run is reported and set aside.
    ///
    /// One process at a time (`.desk/queue.lock`): an ingest of thousands of mail starts
    /// a background run per batch, and they would otherwise all run scripts at once.
    /// The one running takes what is queued meanwhile, and looks again after letting go
    /// of the lock, so a run queued just then is not left for the next tick.
    pub fn run_queued(&self, rules: &RuleSet) -> Result<(Vec<Ran>, Vec<String>)> {
        let mut ran = Vec::new();
        let mut problems = Vec::new();
        let dir = queue_dir(self);
        // Each file is taken once per call: one that cannot be removed is not run again
        // and again.
        let mut taken = std::collections::HashSet::new();
        let waiting = |taken: &std::collections::HashSet<PathBuf>| -> Result<Vec<PathBuf>> {
            Ok(entries(&dir)?
                .into_iter()
                .filter(|p| !taken.contains(p))
                .collect())
        };
        loop {
            let Some(running) =
                crate::store::lock::try_acquire(&self.store.local_dir(), "queue.lock")?
            else {
                break;
            };
            loop {
                let now = waiting(&taken)?;
                if now.is_empty() {
                    break;
                }
                for paths in now.chunks(BATCH) {
                    taken.extend(paths.iter().cloned());
                    if let Err(e) = self.run_batch(paths, rules, &mut ran, &mut problems) {
                        // The helpdesk lock cannot be had: the runs wait for the next try.
                        problems.push(format!("queued scripts not applied: {e}"));
                        self.queue_pending.set(false);
                        return Ok((ran, problems));
                    }
                }
            }
            drop(running);
            if waiting(&taken)?.is_empty() {
                break;
            }
        }
        // What the scripts' changes queued in turn has run too, or another process
        // has it: no background run to start for it.
        self.queue_pending.set(false);
        Ok((ran, problems))
    }

    /// Runs the scripts of the queued runs in `paths` one by one without the lock, each
    /// on its ticket as saved; then applies what they printed under one hold of the
    /// lock, written as one batch (as `desk tick` writes), and removes them. An error:
    /// the lock could not be taken, and the runs are left as they were.
    fn run_batch(
        &self,
        paths: &[PathBuf],
        rules: &RuleSet,
        ran: &mut Vec<Ran>,
        problems: &mut Vec<String>,
    ) -> Result<()> {
        let mut outputs = Vec::new();
        for path in paths {
            let entry = match read_entry(path) {
                Ok(Some(e)) => e,
                Ok(None) => continue,
                Err(e) => {
                    problems.push(e.to_string());
                    let _ = fs::rename(path, path.with_extension("bad"));
                    continue;
                }
            };
            let q = entry.queued();
            let output = match self.load_work(&entry.ticket) {
                Ok(Some(w)) => Some(self.run_queued_script(&w, &q, false)),
                // The ticket is gone: nothing to run.
                Ok(None) => None,
                Err(e) => {
                    problems.push(entry.failed(&e));
                    None
                }
            };
            outputs.push((path, entry, q, output));
        }
        if outputs.is_empty() {
            return Ok(());
        }
        self.hold()?;
        atomic::begin();
        let mut applied = Vec::new();
        for (_, entry, q, output) in &mut outputs {
            if let Some(output) = output.take() {
                match self.apply_queued(entry, q, output, rules) {
                    Ok(Some(r)) => applied.push(r),
                    Ok(None) => {}
                    Err(e) => problems.push(entry.failed(&e)),
                }
            }
        }
        let stored = atomic::end();
        self.store.batch_noted(stored.is_ok());
        match stored {
            Ok(()) => {
                if let Err(e) = self.release_staged() {
                    problems.push(format!("mail not queued yet: {e}"));
                }
                ran.append(&mut applied);
            }
            Err(e) => {
                self.forget_staged();
                problems.push(format!(
                    "the changes of {} queued scripts were not stored: {e}",
                    outputs.len()
                ));
            }
        }
        // What these changes queued in turn is this run's to take, not a new one's.
        self.queue_pending.set(false);
        self.release();
        self.end_batch();
        // Done, or impossible for good (the ticket is gone or unreadable, or the write
        // failed): either way not to be tried again.
        for (path, ..) in outputs {
            let _ = fs::remove_file(path);
        }
        Ok(())
    }

    /// The ticket and its customer, for a change; `None` if the ticket is gone.
    fn load_work(&self, id: &str) -> Result<Option<Work>> {
        let ticket = match self.store.load_ticket(id) {
            Ok(t) => t,
            Err(Error::NoTicket(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let customer = match &ticket.requester {
            Some(r) => self.store.load_customer(r)?,
            None => None,
        };
        Ok(Some(Work::existing(ticket, customer)))
    }

    /// Applies what a queued script printed to its ticket as it is now, as the script's
    /// own change. `None`: the ticket is gone.
    fn apply_queued(
        &self,
        entry: &Entry,
        q: &Queued,
        output: ScriptRun,
        rules: &RuleSet,
    ) -> Result<Option<Ran>> {
        let Some(mut w) = self.load_work(&entry.ticket)? else {
            return Ok(None);
        };
        let how = RuleRun {
            fired: &entry.fired,
            ..RuleRun::default()
        };
        let (said, _) = self.continue_after(&mut w, q, output, rules, &how)?;
        let outcome = self.finish(w, rules, Write::Existing)?;
        let mut detail = said.join("; ");
        for p in &outcome.problems {
            detail.push_str(&format!("; {p}"));
        }
        Ok(Some(Ran {
            ticket: entry.ticket.clone(),
            script: entry.script.clone(),
            rule: entry.rule.clone(),
            detail,
        }))
    }

    /// Runs queued script `q` on `w`'s ticket as it stands.
    pub(crate) fn run_queued_script(&self, w: &Work, q: &Queued, dry_run: bool) -> ScriptRun {
        let mut picker = StoreAssigner {
            hd: self,
            dry_run,
            exclude: w.ticket.id.clone(),
            counted: None,
        };
        picker.run_script(&ScriptCall {
            name: &q.script,
            timeout: q.timeout,
            ticket: &w.ticket.id,
            event: &q.event.name,
            input: engine::script_input(&w.ticket, w.customer.as_ref(), &q.event),
            meanwhile: Vec::new(),
        })
    }

    /// Applies what queued script `q` printed to `w` as the script's own change, and
    /// runs the rules on the events it raised, but not those in `how.fired`. Returns
    /// what it did in words and the rules' trace.
    pub(crate) fn continue_after(
        &self,
        w: &mut Work,
        q: &Queued,
        output: ScriptRun,
        rules: &RuleSet,
        how: &RuleRun<'_>,
    ) -> Result<(Vec<String>, Vec<RuleTrace>)> {
        let mut picker = StoreAssigner {
            hd: self,
            dry_run: how.dry_run,
            exclude: w.ticket.id.clone(),
            counted: None,
        };
        let env = Env {
            settings: &self.settings,
            rules,
            customer: w.customer.as_ref(),
            now: self.now,
            at: self.now,
            me: None,
            in_episode: &[],
            fired: how.fired,
            trace_all: how.trace_all,
            writer: None,
        };
        let mut out = engine::Outcome::default();
        let (h, changes, said) = engine::script_ran(
            &q.script,
            output,
            &mut w.ticket,
            &q.event,
            &env,
            &mut picker,
            &mut out,
        );
        record(w, h, out, &q.rule);
        w.fired_before = how.fired.to_vec();
        let trace = self.raise(w, Event::derived(&changes), rules, how)?;
        Ok((said, trace))
    }
}

/// Adds a queued script's history entry and the mail it asked for (credited to the
/// entry and to `rule`, which queued it) to the change.
fn record(w: &mut Work, entry: HistoryEntry, mut out: engine::Outcome, rule: &str) {
    let at = w.ticket.history.len();
    // A script that found nothing to do leaves no entry, as when it is waited for.
    let recorded = !entry.changes.is_empty() || entry.note.is_some();
    if recorded {
        w.ticket.updated_at = w.ticket.updated_at.max(entry.at);
        w.ticket.history.push(entry);
    }
    for e in &mut out.effects {
        e.entry = recorded.then_some(at);
        e.rule = rule.to_string();
    }
    w.add_effects(std::mem::take(&mut out.effects));
    w.problems.append(&mut out.problems);
    w.deleted |= out.delete;
}

/// Starts `exe` with `args` in a process group of its own, with no terminal and no
/// output, and the environment but `DESK_AGENT` (the scripts' changes are automation's,
/// whoever made the change that queued them), and does not wait for it.
#[cfg(target_os = "linux")]
fn start_detached(exe: &Path, args: &[std::ffi::OsString]) -> std::io::Result<()> {
    detach::start(exe, args)
}

#[cfg(not(target_os = "linux"))]
fn start_detached(exe: &Path, args: &[std::ffi::OsString]) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    Command::new(exe)
        .args(args)
        .env_remove("DESK_AGENT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map(drop)
}

/// On Linux the background run is started by a process sharing desk's memory on a
/// stack of its own (`clone` with `CLONE_VM`, as the script's watchdog is), which sets
/// up and `exec`s while desk goes on: `posix_spawn` (`std::process::Command`) holds the
/// parent until the new program is loaded. `desk new` with the shop's rules, in turns on
/// the bench's 100,000 tickets: 4.7 ms with `posix_spawn`, 3.6 ms with this. What the
/// child reads is leaked, so it stays valid whatever desk does next, exiting included;
/// it is a few kilobytes once per command.
#[cfg(target_os = "linux")]
mod detach {
    use std::ffi::{CString, OsStr, OsString, c_char, c_int, c_void};
    use std::mem::MaybeUninit;
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    struct Plan {
        path: CString,
        argv: Vec<*const c_char>,
        envp: Vec<*const c_char>,
        /// `/dev/null`, for standard input, output and error.
        null: c_int,
        /// What `argv` and `envp` point into.
        _strings: Vec<CString>,
    }

    #[repr(C, align(16))]
    struct Stack([u8; STACK]);
    const STACK: usize = 64 * 1024;

    /// Runs in the child, in desk's memory: system calls only, no allocation; libc's
    /// wrappers touch `errno` only when a call fails, and then the child ends.
    extern "C" fn child(arg: *mut c_void) -> c_int {
        // SAFETY: `arg` is the leaked `Plan`, never freed.
        let plan = unsafe { &*(arg as *const Plan) };
        // SAFETY: plain system calls on this process's own state; `argv` and `envp`
        // are null-terminated arrays of C strings that live forever.
        unsafe {
            libc::setpgid(0, 0);
            for fd in 0..3 {
                if libc::dup2(plan.null, fd) < 0 {
                    libc::_exit(127);
                }
            }
            libc::execve(plan.path.as_ptr(), plan.argv.as_ptr(), plan.envp.as_ptr());
            libc::_exit(127)
        }
    }

    fn c(s: &OsStr) -> std::io::Result<CString> {
        CString::new(s.as_bytes()).map_err(std::io::Error::other)
    }

    pub fn start(exe: &Path, args: &[OsString]) -> std::io::Result<()> {
        // A program that is gone (replaced by a new build) fails here, not silently in
        // the child.
        std::fs::metadata(exe)?;
        let null = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")?;
        let mut strings = Vec::new();
        strings.push(c(exe.as_os_str())?);
        for a in args {
            strings.push(c(a)?);
        }
        let argc = strings.len();
        for (k, v) in std::env::vars_os() {
            if k == "DESK_AGENT" {
                continue;
            }
            let mut kv = k;
            kv.push("=");
            kv.push(v);
            strings.push(c(&kv)?);
        }
        let mut argv: Vec<*const c_char> = strings[..argc].iter().map(|s| s.as_ptr()).collect();
        argv.push(std::ptr::null());
        let mut envp: Vec<*const c_char> = strings[argc..].iter().map(|s| s.as_ptr()).collect();
        envp.push(std::ptr::null());
        let plan: &'static mut Plan = Box::leak(Box::new(Plan {
            path: c(exe.as_os_str())?,
            argv,
            envp,
            null: std::os::fd::AsRawFd::as_raw_fd(&null),
            _strings: strings,
        }));
        let stack: &'static mut MaybeUninit<Stack> = Box::leak(Box::<Stack>::new_uninit());
        // SAFETY: `child` touches only the leaked plan and stack; the child gets its own
        // copy of the descriptor table, so closing `null` here after the clone is fine.
        let pid = unsafe {
            let top = stack.as_mut_ptr().cast::<u8>().add(STACK).cast::<c_void>();
            libc::clone(
                child,
                top,
                libc::CLONE_VM | libc::SIGCHLD,
                (plan as *mut Plan).cast::<c_void>(),
            )
        };
        drop(null);
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    #[test]
    fn a_detached_program_runs_in_a_group_of_its_own_with_no_output() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let script = format!(
            "cut -d' ' -f5 /proc/$$/stat > {0}.tmp; echo $$ >> {0}.tmp; echo lost; mv {0}.tmp {0}",
            out.display()
        );
        super::start_detached(
            std::path::Path::new("/bin/sh"),
            &["-c".into(), script.into()],
        )
        .expect("started");
        let until = Instant::now() + Duration::from_secs(20);
        while !out.exists() {
            assert!(Instant::now() < until, "the program never ran");
            std::thread::sleep(Duration::from_millis(5));
        }
        let text = std::fs::read_to_string(&out).expect("its output");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0], lines[1], "it leads its own group: {text}");
    }

    #[test]
    fn a_program_that_is_gone_is_an_error_here() {
        let gone = std::path::Path::new("/nonexistent/desk");
        assert!(super::start_detached(gone, &[]).is_err());
    }
}
