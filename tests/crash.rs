//! kill -9 at random moments across the commands that write: `new`, `reply`,
//! `ingest`, `tick` and `outbox send`. Afterwards every file parses, no temporary file
//! lies outside `.desk/`, every queued mail is recorded on its ticket, everything a
//! command reported done is there, and `outbox send` delivered a message twice at most
//! once per kill that interrupted it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// Kills in the suite; `DESK_CRASH_KILLS` raises it for a longer soak.
fn kills() -> usize {
    std::env::var("DESK_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

/// A small deterministic generator: the pauses differ, the run repeats.
struct Jitter(u64);

impl Jitter {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One round's loop: every command logs `start` before and `done` after, so the log
/// says what each kill interrupted and what was reported done.
const LOOP: &str = r#"
i=0
while :; do
  i=$((i+1)); n="$ROUND-$i"
  echo "start new $n" >> "$LOG"
  id=$("$DESK" new -s "Crash $n" --from "kunde$n@example.com" -m "Hei $n") || exit 1
  echo "done new $n $id" >> "$LOG"
  echo "start reply $n" >> "$LOG"
  "$DESK" reply "$id" -m "Svar $n" >/dev/null || exit 1
  echo "done reply $n $id" >> "$LOG"
  echo "start ingest $n" >> "$LOG"
  printf 'From: Kari <kari%s@example.no>\nTo: support@example.com\nSubject: Ingest %s\nMessage-ID: <ingest-%s@example.no>\nDate: Tue, 24 Nov 2026 08:00:00 +0000\n\nHei\n' "$n" "$n" "$n" \
    | "$DESK" ingest email - >/dev/null || exit 1
  echo "done ingest $n <ingest-$n@example.no>" >> "$LOG"
  echo "start tick $n" >> "$LOG"
  "$DESK" tick >/dev/null || exit 1
  echo "done tick $n" >> "$LOG"
  echo "start send $n" >> "$LOG"
  "$DESK" outbox send --sendmail "$SENDMAIL" >/dev/null 2>&1 || exit 1
  echo "done send $n" >> "$LOG"
done
"#;

#[test]
fn kill_9_at_random_moments_loses_nothing_and_sends_nothing_unrecorded() {
    let d = Desk::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("log");
    let deliveries = dir.path().join("deliveries");
    // The "MTA": records each delivered message's Message-ID, one line per delivery.
    let sendmail = dir.path().join("sendmail");
    fs::write(
        &sendmail,
        format!(
            "#!/bin/sh\ngrep -i -m1 '^Message-ID:' >> '{}'\n",
            deliveries.display()
        ),
    )
    .expect("write sendmail");
    fs::set_permissions(
        &sendmail,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let desk_bin = assert_cmd::cargo::cargo_bin("desk");

    let mut jitter = Jitter(0x9e37_79b9_7f4a_7c15);
    let mut interrupted: BTreeMap<String, usize> = BTreeMap::new();
    let start = Instant::now();
    for round in 0..kills() {
        let mut child = Command::new("sh")
            .args(["-c", LOOP])
            .current_dir(d.root())
            .env("DESK", &desk_bin)
            .env("DESK_NOW", NOW)
            .env("HOME", dir.path())
            .env("ROUND", round.to_string())
            .env("LOG", &log)
            .env("SENDMAIL", &sendmail)
            .env_remove("DESK_DIR")
            .env_remove("DESK_AGENT")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn loop");
        // Most kills land early, in the first command or two. Every tenth waits for the
        // round's `outbox send` to start, and every tenth but five for it to end, so
        // sends are both interrupted and completed however slow the machine is.
        let wait_for = match round % 10 {
            0 => Some(format!("start send {round}-1")),
            5 => Some(format!("done send {round}-1")),
            _ => None,
        };
        if let Some(line) = wait_for {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline
                && !fs::read_to_string(&log).is_ok_and(|t| t.lines().any(|l| l == line))
            {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        std::thread::sleep(Duration::from_millis(jitter.below(60)));
        if let Some(status) = child.try_wait().expect("try_wait") {
            let err = child
                .wait_with_output()
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                .unwrap_or_default();
            panic!("round {round}: the loop stopped by itself ({status}):\n{err}");
        }
        let pgid = child.id();
        let killed = Command::new("kill")
            .args(["-9", "--", &format!("-{pgid}")])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let status = child.wait().expect("wait");
        assert_eq!(status.signal(), Some(9), "round {round}: {status}");
        // What the kill interrupted: the last `start` without its `done`.
        let text = fs::read_to_string(&log).unwrap_or_default();
        if let Some(last) = text.lines().last()
            && let Some(rest) = last.strip_prefix("start ")
        {
            let what = rest.split(' ').next().unwrap_or_default().to_string();
            *interrupted.entry(what).or_default() += 1;
        }
    }
    eprintln!(
        "crash test: {} kills in {:?}, interrupting {interrupted:?}",
        kills(),
        start.elapsed()
    );
    // Every kind of command was interrupted at least once.
    for what in ["new", "reply", "ingest"] {
        assert!(
            interrupted.contains_key(what),
            "no kill landed in `{what}`: {interrupted:?}"
        );
    }

    // The next command finds what the kills left and settles it.
    d.ok(["list", "--all", "--format", "ids"]);
    d.ok(["tick"]);

    // 1. Every file parses.
    let mut tickets: BTreeMap<String, Value> = BTreeMap::new();
    for dir in ["tickets", "customers"] {
        for e in fs::read_dir(d.path(dir)).expect("read dir").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                continue;
            }
            let text = fs::read_to_string(e.path()).expect("read");
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|err| panic!("{dir}/{name} does not parse ({err})"));
            if dir == "tickets" {
                tickets.insert(name.trim_end_matches(".json").to_string(), v);
            }
        }
    }

    // 2. No temporary file outside .desk/.
    for e in walkdir::WalkDir::new(d.root())
        .into_iter()
        .filter_entry(|e| e.file_name() != ".desk")
        .flatten()
    {
        let name = e.file_name().to_string_lossy();
        assert!(
            !name.ends_with(".tmp"),
            "temporary file outside .desk/: {}",
            e.path().display()
        );
    }

    // 3. Every message in outbox/ is recorded on its ticket.
    let outbox: Vec<String> = fs::read_dir(d.path("outbox"))
        .expect("outbox")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    for name in &outbox {
        let id = name.split('.').next().unwrap_or_default();
        let t = tickets
            .get(id)
            .unwrap_or_else(|| panic!("outbox/{name}: no ticket {id}"));
        let file = format!("outbox/{name}");
        assert!(
            t["mail"]
                .as_array()
                .is_some_and(|m| m.iter().any(|r| r["file"] == file.as_str())),
            "outbox/{name} is not recorded on its ticket"
        );
    }

    // ... and none ever reached outbox/ unrecorded: `outbox send` moves such mail aside.
    let aside = fs::read_dir(d.path(".desk/unrecorded"))
        .map(|r| r.count())
        .unwrap_or(0);
    assert_eq!(aside, 0, "mail without its ticket's record reached outbox/");

    // 4. What a command reported done is there.
    let text = fs::read_to_string(&log).expect("log");
    let stored_ids: BTreeSet<String> = tickets
        .values()
        .flat_map(|t| t["messages"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| m["message_id"].as_str().map(str::to_string))
        .collect();
    let mut done = BTreeMap::<&str, usize>::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        if parts[0] != "done" {
            continue;
        }
        *done.entry(parts[1]).or_default() += 1;
        match parts[1..] {
            ["new", n, id] => {
                let t = tickets
                    .get(id)
                    .unwrap_or_else(|| panic!("`new` reported {id} ({n}), which is missing"));
                assert_eq!(t["subject"], format!("Crash {n}"));
            }
            ["reply", n, id] => {
                let has = tickets[id]["messages"]
                    .as_array()
                    .is_some_and(|ms| ms.iter().any(|m| m["body"] == format!("Svar {n}")));
                assert!(has, "the reply of {n} to {id} is missing");
            }
            ["ingest", _, mid] => {
                assert!(stored_ids.contains(mid), "ingested {mid} is missing");
            }
            _ => {}
        }
    }
    eprintln!("crash test: completed {done:?}");
    assert!(done.get("send").copied().unwrap_or(0) > 0, "{done:?}");

    // 5. At most one extra delivery per kill of `outbox send`.
    let delivered = fs::read_to_string(&deliveries).unwrap_or_default();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for l in delivered.lines() {
        *count.entry(l.trim().to_lowercase()).or_default() += 1;
    }
    let twice: usize = count.values().map(|c| c - 1).sum();
    let send_kills = interrupted.get("send").copied().unwrap_or(0);
    assert!(
        twice <= send_kills,
        "{twice} duplicate deliveries, {send_kills} kills during `outbox send`"
    );
    // And everything delivered was recorded: each delivered Message-ID is on a ticket.
    let recorded: BTreeSet<String> = tickets
        .values()
        .flat_map(|t| t["mail"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| {
            m["message_id"]
                .as_str()
                .map(|s| format!("message-id: {s}").to_lowercase())
        })
        .collect();
    for m in count.keys() {
        assert!(recorded.contains(m), "delivered but recorded nowhere: {m}");
    }
}
