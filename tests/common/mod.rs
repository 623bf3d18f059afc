//! The test DSL: a temporary helpdesk, a pinned clock, and the real binary.

#![allow(dead_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use tempfile::TempDir;

mod python;
pub use python::python;

pub const NOW: &str = "2026-11-24T09:00:00Z";

pub struct Desk {
    tmp: TempDir,
    root: PathBuf,
    now: Option<String>,
    agent: Option<String>,
}

/// What a command did: exit status, stdout and stderr.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Output {
    /// The form snapshots record: status, then both streams.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "status: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Output {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }

    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

impl Desk {
    /// A helpdesk made by `desk init`.
    pub fn new() -> Desk {
        let d = Desk::empty();
        d.ok(["init"]);
        d
    }

    /// The bundled example, `desk init --example shop`.
    pub fn example() -> Desk {
        let d = Desk::empty();
        d.ok(["init", "--example", "shop"]);
        d
    }

    /// An empty directory, no helpdesk.
    pub fn empty() -> Desk {
        let tmp = tempfile::Builder::new()
            .prefix("desk-test")
            .tempdir()
            .expect("temp dir");
        let root = tmp.path().canonicalize().expect("canonical temp dir");
        Desk {
            tmp,
            root,
            now: Some(NOW.to_string()),
            agent: None,
        }
    }

    /// Pins the clock for the commands that follow.
    pub fn at(mut self, now: &str) -> Desk {
        self.now = Some(now.to_string());
        self
    }

    pub fn set_now(&mut self, now: &str) {
        self.now = Some(now.to_string());
    }

    /// The agent commands act as (`DESK_AGENT`).
    pub fn acting_as(mut self, agent: &str) -> Desk {
        self.agent = Some(agent.to_string());
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) -> &Desk {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// A hermetic command in the helpdesk root: no DESK_* or color variables from outside.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("desk").expect("desk binary");
        c.current_dir(&self.root);
        for var in [
            "DESK_DIR",
            "DESK_AGENT",
            "DESK_NOW",
            "NO_COLOR",
            "EDITOR",
            "VISUAL",
        ] {
            c.env_remove(var);
        }
        c.env("HOME", self.tmp.path());
        if let Some(now) = &self.now {
            c.env("DESK_NOW", now);
        }
        if let Some(a) = &self.agent {
            c.env("DESK_AGENT", a);
        }
        c
    }

    /// Runs a command that must succeed with `DESK_CACHE_TRACE` set: stdout and stderr.
    pub fn traced(&self, args: &[&str]) -> (String, String) {
        let out = self
            .cmd()
            .env("DESK_CACHE_TRACE", "1")
            .args(args)
            .output()
            .expect("run desk");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    }

    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.run_stdin(args, "")
    }

    pub fn run_stdin<I, S>(&self, args: I, stdin: &str) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = self.cmd();
        c.args(args);
        let out = assert_cmd::Command::from_std(c)
            .write_stdin(stdin.as_bytes().to_vec())
            .output()
            .expect("run desk");
        self.settle();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.run(args);
        assert_eq!(out.code, 0, "command failed:\n{out}");
        out.stdout
    }

    /// Runs and asserts the exit status.
    pub fn fails<I, S>(&self, code: i32, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.run(args);
        assert_eq!(out.code, code, "unexpected status:\n{out}");
        out
    }

    /// The scripts queued in `.desk/queue/` (`wait = false`), by file name.
    pub fn queued(&self) -> Vec<String> {
        self.files_ending(".desk/queue", ".json")
    }

    /// Waits until the scripts a command queued have run in the background, so the next
    /// step sees what a person would a moment later.
    pub fn settle(&self) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !self.queued().is_empty() {
            assert!(
                std::time::Instant::now() < until,
                "queued scripts still waiting after a minute: {:?}",
                self.queued()
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// `desk new -s SUBJECT ARGS...`, returning the new ID.
    pub fn new_ticket(&self, subject: &str, args: &[&str]) -> String {
        let mut all = vec!["new", "-s", subject];
        all.extend_from_slice(args);
        self.ok(all).trim().to_string()
    }

    /// The mail waiting in outbox/, by file name, sorted.
    pub fn outbox(&self) -> Vec<String> {
        self.files_ending("outbox", ".eml")
    }

    /// The names in folder `rel` ending in `suffix`, sorted; none if it is missing.
    fn files_ending(&self, rel: &str, suffix: &str) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(self.path(rel))
            .map(|r| {
                r.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(suffix))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// The stored ticket file, parsed.
    pub fn ticket(&self, id: &str) -> Value {
        serde_json::from_str(&self.read(&format!("tickets/{id}.json"))).expect("ticket JSON")
    }

    /// Every file under the helpdesk (but .desk/) with its bytes, to prove nothing changed.
    pub fn snapshot_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&self.root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter(|e| !e.path().starts_with(self.root.join(".desk")))
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap_or(e.path())
                    .display()
                    .to_string();
                (rel, std::fs::read(e.path()).unwrap_or_default())
            })
            .collect();
        out.sort();
        out
    }
}

/// Replaces ticket IDs and temp paths so snapshots are stable.
pub fn redact(s: &str, desk: &Desk) -> String {
    let re = regex::Regex::new(r"\b[0-9a-hjkmnp-tv-z]{14}\b").expect("regex");
    let s = s.replace(&desk.root.display().to_string(), "[ROOT]");
    re.replace_all(&s, "[ID]").into_owned()
}
