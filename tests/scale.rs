//! The listing cache's shortcuts are safe: whatever changes a ticket behind desk's back —
//! `git pull`, `git checkout` of an older commit, an editor that saves by renaming, an
//! edit in place — is seen by the next `list` and `tick` (an edit in place of a ticket the
//! listing does not show, with `--rescan`).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::Desk;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Desk Test")
        .env("GIT_AUTHOR_EMAIL", "test@desk.example")
        .env("GIT_COMMITTER_NAME", "Desk Test")
        .env("GIT_COMMITTER_EMAIL", "test@desk.example")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn commit(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
}

fn open_ids(d: &Desk, dir: &Path) -> Vec<String> {
    let dir = dir.to_str().expect("UTF-8 path");
    d.ok(["-C", dir, "list", "--format", "ids"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Saves a ticket as editors that write a new file and rename it over the old one do.
fn save_by_rename(d: &Desk, id: &str, edit: impl Fn(&mut Value)) {
    let mut t = d.ticket(id);
    edit(&mut t);
    let tmp = d.path(&format!("tickets/.{id}.json.swp"));
    std::fs::write(&tmp, serde_json::to_string_pretty(&t).unwrap() + "\n").unwrap();
    std::fs::rename(tmp, d.path(&format!("tickets/{id}.json"))).unwrap();
}

/// Rewrites a ticket file in place: same file, same inode.
fn save_in_place(d: &Desk, id: &str, edit: impl Fn(&mut Value)) {
    use std::io::{Seek, Write};
    let mut t = d.ticket(id);
    edit(&mut t);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(d.path(&format!("tickets/{id}.json")))
        .unwrap();
    f.set_len(0).unwrap();
    f.rewind().unwrap();
    f.write_all((serde_json::to_string_pretty(&t).unwrap() + "\n").as_bytes())
        .unwrap();
}

#[test]
fn a_ticket_changed_by_git_pull_is_seen_by_the_next_list_and_tick() {
    let d = Desk::new();
    let here = d.root().to_path_buf();
    let a = d.new_ticket("Snoozed elsewhere", &[]);
    let b = d.new_ticket("Closed elsewhere", &[]);
    let c = d.new_ticket("Reopened elsewhere", &[]);
    d.ok(["close", &c]);
    git(&here, &["init", "-q", "-b", "main"]);
    commit(&here, "a helpdesk");
    let remote = tempfile::tempdir().unwrap();
    let bare = remote.path().join("remote.git");
    git(
        remote.path(),
        &["init", "-q", "--bare", "-b", "main", "remote.git"],
    );
    git(&here, &["remote", "add", "origin", bare.to_str().unwrap()]);
    git(&here, &["push", "-q", "origin", "main"]);
    let other = remote.path().join("other");
    git(remote.path(), &["clone", "-q", "remote.git", "other"]);

    // Both clones know their tickets: their caches are warm.
    assert_eq!(open_ids(&d, &here), [a.as_str(), b.as_str()]);
    assert_eq!(open_ids(&d, &other), [a.as_str(), b.as_str()]);
    d.ok(["tick"]);
    settle(&d);

    let o = other.to_str().unwrap();
    d.ok(["-C", o, "snooze", &a, "--until", "2026-11-24T09:30:00Z"]);
    d.ok(["-C", o, "close", &b]);
    d.ok(["-C", o, "reopen", &c]);
    commit(&other, "work elsewhere");
    git(&other, &["push", "-q", "origin", "HEAD:main"]);

    git(&here, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert_eq!(open_ids(&d, &here), [a.as_str(), c.as_str()]);
    let out = d.run(["tick", "--now", "2026-11-24T10:00:00Z"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains(&a) && out.stderr.contains("woke"),
        "{out}"
    );
}

#[test]
fn git_checkout_of_an_older_commit_is_seen_by_the_next_list_and_tick() {
    let d = Desk::new();
    let here = d.root().to_path_buf();
    let x = d.new_ticket("Snoozed at first", &[]);
    d.ok(["snooze", &x, "--until", "2026-11-24T09:30:00Z"]);
    git(&here, &["init", "-q", "-b", "main"]);
    commit(&here, "one");
    d.ok(["close", &x]);
    let y = d.new_ticket("Made later", &[]);
    commit(&here, "two");
    assert_eq!(open_ids(&d, &here), [y.as_str()]);
    d.ok(["tick"]);
    settle(&d);

    git(&here, &["checkout", "-q", "HEAD~1"]);
    assert_eq!(open_ids(&d, &here), [x.as_str()]);
    let out = d.run(["tick", "--now", "2026-11-24T10:00:00Z"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains(&x) && out.stderr.contains("woke"),
        "{out}"
    );
}

#[test]
fn an_editor_that_saves_by_renaming_is_seen_by_the_next_list_and_tick() {
    let d = Desk::new();
    let x = d.new_ticket("Closed, then reopened by hand", &[]);
    let y = d.new_ticket("Renamed subject", &[]);
    d.ok(["close", &x]);
    assert_eq!(open_ids(&d, d.root()), [y.as_str()]);
    d.ok(["tick"]);
    settle(&d);

    save_by_rename(&d, &x, |t| {
        t["status"] = "pending".into();
        t["snoozed_until"] = "2026-11-24T09:30:00Z".into();
    });
    // Same length, same second: only the file's identity tells.
    save_by_rename(&d, &y, |t| t["subject"] = "Renamed subjecT".into());
    let json: Value = serde_json::from_str(&d.ok(["list", "--format", "json"])).unwrap();
    let subjects: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["Closed, then reopened by hand", "Renamed subjecT"]
    );
    let out = d.run(["tick", "--now", "2026-11-24T10:00:00Z"]);
    assert!(
        out.stderr.contains(&x) && out.stderr.contains("woke"),
        "{out}"
    );
}

#[test]
fn a_change_behind_desks_back_between_two_desk_writes_is_seen() {
    let d = Desk::new();
    let x = d.new_ticket("Closed", &[]);
    d.ok(["close", &x]);
    settle(&d);
    assert!(open_ids(&d, d.root()).is_empty());
    save_by_rename(&d, &x, |t| t["status"] = "open".into());
    // desk's own write right after must not hide the one before it.
    let y = d.new_ticket("After the hand edit", &[]);
    assert_eq!(open_ids(&d, d.root()), [x.as_str(), y.as_str()]);
}

#[test]
fn an_edit_in_place_is_seen_for_listed_tickets_and_with_rescan_for_the_others() {
    let d = Desk::new();
    let x = d.new_ticket("Listed", &[]);
    let y = d.new_ticket("Done", &[]);
    d.ok(["solve", &y]);
    settle(&d);
    assert_eq!(open_ids(&d, d.root()), [x.as_str()]);
    save_in_place(&d, &x, |t| t["subject"] = "Listed, edited in place".into());
    assert!(
        d.ok(["list", "--format", "json"])
            .contains("Listed, edited in place"),
        "an open ticket edited in place is seen"
    );
    save_in_place(&d, &y, |t| t["status"] = "open".into());
    assert_eq!(
        d.ok(["list", "--rescan", "--format", "ids"])
            .lines()
            .collect::<Vec<_>>(),
        [x.as_str(), y.as_str()]
    );
    // The rescan brought the cache up to date.
    assert_eq!(open_ids(&d, d.root()), [x.as_str(), y.as_str()]);
}

/// Whatever mix of desk commands, hand edits and deletions, the listing through the
/// cache is what a listing of every file says.
/// A seeded xorshift: the same random steps on every run, so a failure can be replayed.
/// `next(n)` is below `n`.
fn xorshift(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % n as u64).unwrap()
    }
}

#[test]
fn the_cached_listing_always_equals_a_rescan() {
    let d = Desk::new();
    let mut ids: Vec<String> = (0..6)
        .map(|i| d.new_ticket(&format!("Ticket {i}"), &[]))
        .collect();
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for step in 0..40 {
        let id = ids[next(ids.len())].clone();
        match next(8) {
            0 => ids.push(d.new_ticket(&format!("New at step {step}"), &[])),
            1 => {
                d.ok(["close", &id]);
            }
            2 => {
                d.ok(["reopen", &id]);
            }
            3 => save_by_rename(&d, &id, |t| t["status"] = "solved".into()),
            4 => save_by_rename(&d, &id, |t| t["status"] = "open".into()),
            5 => save_in_place(&d, &id, |t| t["priority"] = "high".into()),
            6 => {
                d.ok(["set", &id, &format!("+step{step}")]);
            }
            _ => {
                if ids.len() > 3 {
                    std::fs::remove_file(d.path(&format!("tickets/{id}.json"))).unwrap();
                    ids.retain(|i| *i != id);
                }
            }
        }
        if step % 3 == 0 {
            settle(&d);
        }
        let cached = d.ok(["list", "--all", "--format", "json"]);
        let open = d.ok(["list", "--format", "json"]);
        let rescanned = d.ok(["list", "--all", "--rescan", "--format", "json"]);
        assert_eq!(cached, rescanned, "step {step}: --all");
        let open_rescanned = d.ok(["list", "--rescan", "--format", "json"]);
        assert_eq!(open, open_rescanned, "step {step}: open");
    }
}

/// Which way a listing went (`DESK_CACHE_TRACE`), and the IDs it listed.
fn way(d: &Desk, args: &[&str]) -> (String, Vec<String>) {
    let (traces, stdout, _) = traced(d, args);
    // The way is the first word of the first line saying it; lines before it say why.
    let way = traces
        .iter()
        .filter_map(|l| l.split([',', ' ']).next())
        .find(|w| ["quick", "full", "folded"].contains(w))
        .unwrap_or("none")
        .to_string();
    (way, stdout.lines().map(str::to_string).collect())
}

/// Runs a command that must succeed with `DESK_CACHE_TRACE` set: the trace lines
/// (without their `desk: listing cache: `), stdout, and the rest of stderr.
fn traced(d: &Desk, args: &[&str]) -> (Vec<String>, String, String) {
    let (stdout, stderr) = d.traced(args);
    let mut traces = Vec::new();
    let mut rest = String::new();
    // Where the configuration came from is traced too, and tested in `config`.
    for line in stderr.lines().filter(|l| !l.starts_with("desk: config: ")) {
        match line.strip_prefix("desk: listing cache: ") {
            Some(t) => traces.push(t.to_string()),
            None => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    (traces, stdout, rest)
}

/// The counts of tick's trace: judged, known quiet, due.
fn tick_counts(traces: &[String]) -> Vec<usize> {
    let line = traces
        .iter()
        .find_map(|t| t.strip_prefix("tick: "))
        .unwrap_or_else(|| panic!("no tick trace in {traces:?}"));
    line.split(", ")
        .map(|p| p.split(' ').next().unwrap().parse().unwrap())
        .collect()
}

/// A full scan the next listing can trust: the directory's last change is older than
/// the file system's clock tick when it begins.
fn settle(d: &Desk) {
    std::thread::sleep(std::time::Duration::from_millis(80));
    way(d, &["list", "--format", "ids"]);
}

#[test]
fn desks_own_writes_keep_the_shortcut_and_changes_behind_its_back_end_it() {
    let d = Desk::new();
    let x = d.new_ticket("First", &[]);
    settle(&d);
    assert_eq!(
        way(&d, &["list", "--format", "ids"]),
        ("quick".into(), vec![x.clone()])
    );

    // desk's own writes: journaled, the shortcut holds.
    let y = d.new_ticket("Second", &[]);
    assert_eq!(
        way(&d, &["list", "--format", "ids"]),
        ("quick".into(), vec![x.clone(), y.clone()])
    );
    d.ok(["close", &x]);
    d.ok(["set", &y, "+vip"]);
    assert_eq!(
        way(&d, &["list", "--format", "ids"]),
        ("quick".into(), vec![y.clone()])
    );
    let mail = "From: kari@example.no\nTo: support@example.com\nSubject: By mail\nMessage-ID: <m1@example.no>\n\nHello\n";
    d.write("m1.eml", mail);
    d.ok(["ingest", "email", "m1.eml"]);
    let (w, ids) = way(&d, &["list", "--format", "ids"]);
    assert_eq!((w.as_str(), ids.len()), ("quick", 2));
    let (w, ids) = way(&d, &["tick"]);
    assert_eq!(w, "quick", "{ids:?}");

    // A change behind desk's back ends it: the next listing looks at every file.
    save_by_rename(&d, &x, |t| t["status"] = "open".into());
    let (w, ids) = way(&d, &["list", "--format", "ids"]);
    assert_eq!((w.as_str(), ids.len()), ("full", 3));
    settle(&d);
    assert_eq!(way(&d, &["list", "--format", "ids"]).0, "quick");
    assert_eq!(way(&d, &["list", "--rescan", "--format", "ids"]).0, "full");
}

#[test]
fn desk_init_in_a_git_work_tree_sets_gits_settings_for_many_files_and_keeps_the_users() {
    let d = Desk::empty();
    git(d.root(), &["init", "-q", "-b", "main"]);
    git(d.root(), &["config", "index.version", "2"]);
    let out = d.run(["init"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("settings for many files"), "{out}");
    let get = |key: &str| git(d.root(), &["config", "--get", key]).trim().to_string();
    assert_eq!(get("core.untrackedCache"), "true");
    assert_eq!(get("index.version"), "2", "the user's own setting stays");
    assert!(get("merge.desk.driver").contains("merge-file"));
    // Once set, later commands say nothing about it.
    let out = d.run(["list"]);
    assert!(!out.stderr.contains("settings"), "{out}");
}

/// What `desk tick --dry-run` says, and how many tickets it skipped as known quiet.
fn dry_tick(d: &Desk) -> (String, usize) {
    let (traces, stdout, rest) = traced(d, &["tick", "--dry-run"]);
    (stdout + &rest, tick_counts(&traces)[1])
}

/// Whatever happens between two ticks — desk's commands, mail, hand edits, rules
/// edited, the clock stepping minutes or days — a tick that skips the tickets the last
/// one judged quiet does what a tick judging every ticket does.
#[test]
fn a_tick_through_the_due_index_does_what_a_tick_judging_every_ticket_does() {
    let mut d = Desk::example();
    let due = d.path(".desk/cache/due.bin");
    let customers = [
        "kari@example.no",
        "sven@example.se",
        "anna@example.de",
        "bob@example.com",
    ];
    let mut ids: Vec<String> = customers
        .iter()
        .map(|c| {
            d.new_ticket(
                &format!("Hello from {c}"),
                &["--from", c, "-m", "Where is my parcel?"],
            )
        })
        .collect();
    let mut now = chrono::DateTime::parse_from_rfc3339(crate::common::NOW)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    d.ok(["tick"]);
    let mut used = 0;
    for step in 0..36 {
        let id = ids[next(ids.len())].clone();
        match next(10) {
            0 => {
                let c = customers[next(customers.len())];
                ids.push(d.new_ticket(&format!("Step {step}"), &["--from", c, "-m", "Hei"]));
            }
            1 => {
                d.run(["--as", "ingrid", "reply", &id, "-m", "We are on it."]);
            }
            2 => {
                let until = (now + chrono::Duration::hours(3)).to_rfc3339();
                d.run(["snooze", &id, "--until", &until]);
            }
            3 => {
                d.run(["solve", &id]);
            }
            4 => save_by_rename(&d, &id, |t| t["status"] = "open".into()),
            5 => save_in_place(&d, &id, |t| t["status"] = "pending".into()),
            6 => {
                // The rules change: what the index judged no longer holds.
                let rules = d.read("rules.toml").replacen("\"24h\"", "\"20h\"", 1);
                d.write("rules.toml", &rules);
            }
            _ => {}
        }
        // The clock: a minute, an hour, or days.
        let step_by = [60, 3_600, 5 * 3_600, 86_400, 3 * 86_400][next(5)];
        now += chrono::Duration::seconds(step_by);
        d.set_now(&now.to_rfc3339());

        if step % 2 == 0 {
            settle(&d);
        }
        let (through_index, quiet) = dry_tick(&d);
        if quiet > 0 {
            used += 1;
        }
        if due.exists() {
            let kept = std::fs::read(&due).unwrap();
            std::fs::remove_file(&due).unwrap();
            let (judging_all, none) = dry_tick(&d);
            std::fs::write(&due, kept).unwrap();
            assert_eq!(none, 0);
            assert_eq!(through_index, judging_all, "step {step} at {now}");
        }
        if next(2) == 0 {
            d.ok(["tick"]);
        }
    }
    assert!(used > 12, "the index skipped tickets in {used} steps only");
}

/// A tick with nothing changed since the last one decodes no summary; a ticket changed
/// behind desk's back, and one whose time has come, are judged again.
#[test]
fn a_tick_judges_only_tickets_that_changed_or_whose_time_came() {
    let mut d = Desk::example();
    let a = d.new_ticket("Parcel", &["--from", "kari@example.no", "-m", "Where?"]);
    let b = d.new_ticket("Invoice", &["--from", "sven@example.se", "-m", "Wrong sum"]);
    d.ok(["--as", "ingrid", "reply", &a, "-m", "It is on its way."]);
    d.ok(["tick"]);
    let judged = |d: &Desk| -> (usize, usize) {
        let n = tick_counts(&traced(d, &["tick"]).0);
        (n[0], n[1])
    };
    // Files older than the file system's clock tick, so the cache vouches for them.
    settle(&d);
    d.ok(["tick"]);
    d.set_now("2026-11-24T09:01:00Z");
    let (_, quiet) = judged(&d);
    assert!(quiet >= 2, "{quiet} skipped");
    assert_eq!(judged(&d), (0, quiet), "nothing changed: all skipped");
    save_by_rename(&d, &b, |t| t["priority"] = "high".into());
    settle(&d);
    assert_eq!(judged(&d), (1, quiet - 1), "the file changed: judged again");
    // A day later the follow-up on `a` (pending since the reply) is due.
    d.set_now("2026-11-25T10:00:00Z");
    let (judged_now, _) = judged(&d);
    assert!(judged_now >= 1, "the pending ticket's time came");
    assert!(
        d.ticket(&a)["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["actor"]
                .as_str()
                .is_some_and(|s| s.starts_with("rule:follow-up"))),
        "the follow-up fired: {}",
        d.ticket(&a)["history"]
    );
}

/// A journal record written by another version of desk (two binaries on one helpdesk)
/// is not read as this version's: the listing looks at every file instead.
#[test]
fn a_journal_from_another_version_of_desk_is_not_trusted() {
    let d = Desk::new();
    let x = d.new_ticket("Listed", &[]);
    settle(&d);
    assert_eq!(way(&d, &["list", "--format", "ids"]).0, "quick");
    let journal = d.path(".desk/cache/journal.bin");
    let mut bytes = std::fs::read(&journal).unwrap_or_default();
    let body = [999u32.to_le_bytes().as_slice(), &[0, 0, 0]].concat();
    bytes.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
    bytes.extend_from_slice(&body);
    std::fs::write(&journal, bytes).unwrap();
    assert_eq!(
        way(&d, &["list", "--format", "ids"]),
        ("full".into(), vec![x.clone()])
    );
}

/// Listings in ID order without a limit are printed a batch at a time as the cache is
/// read (`--format ids|jsonl|csv`); they say exactly what the listing made whole says.
#[test]
fn a_streamed_listing_says_what_a_listing_made_whole_says() {
    let d = Desk::new();
    let empty = d.ok(["list", "--all", "--format", "csv"]);
    assert!(
        empty.starts_with("id,"),
        "an empty CSV listing has its header: {empty}"
    );
    assert_eq!(empty.lines().count(), 1);
    for i in 0..12 {
        let id = d.new_ticket(&format!("Ticket {i}"), &[]);
        if i % 3 == 0 {
            d.ok(["solve", &id]);
        }
    }
    settle(&d);
    for format in ["ids", "jsonl", "csv"] {
        for all in [true, false] {
            let mut args = vec!["list", "--format", format];
            if all {
                args.push("--all");
            }
            let streamed = d.ok(args.clone());
            args.extend(["--limit", "1000"]);
            let whole = d.ok(args);
            assert_eq!(streamed, whole, "{format}, all: {all}");
        }
    }
}

/// A journal grown past two thousand items is folded into the partitions by the next
/// listing, without looking at every file: the listing after it takes the shortcut,
/// and lists what a rescan lists.
#[test]
fn a_long_journal_is_folded_into_the_cache_without_a_full_scan() {
    let d = Desk::new();
    let first = d.new_ticket("Before the import", &[]);
    settle(&d);
    let mut csv = String::from("id,subject,from,priority,created_at\n");
    for i in 0..2100 {
        csv.push_str(&format!(
            "{i},Imported {i},c{i}@example.no,normal,2026-03-{:02}T10:00:00Z\n",
            1 + i % 28
        ));
    }
    d.write("rows.csv", &csv);
    d.ok(["import", "csv", "rows.csv"]);
    d.ok(["close", &first]);
    // The clock's tick passes, then the next listing folds.
    std::thread::sleep(std::time::Duration::from_millis(80));
    let (traces, stdout, _) = traced(&d, &["list", "--format", "ids"]);
    assert!(
        traces.iter().any(|t| t.starts_with("folded ")),
        "{traces:?}"
    );
    assert!(traces.iter().any(|t| t.starts_with("quick")), "{traces:?}");
    assert_eq!(stdout.lines().count(), 2100);
    assert!(!stdout.contains(&first));
    assert!(!d.path(".desk/cache/journal.bin").exists());
    // Folded, the cache still answers as every file does, and still sees changes.
    assert_eq!(way(&d, &["list", "--format", "ids"]).0, "quick");
    d.ok(["reopen", &first]);
    let all = d.ok(["list", "--all", "--format", "jsonl"]);
    assert_eq!(
        all,
        d.ok(["list", "--all", "--rescan", "--format", "jsonl"])
    );
    assert!(all.contains(&first));
}

/// Imports `n` tickets created four days before the tests' clock (each a different
/// customer's), returning their IDs.
fn parcels(d: &Desk, n: usize) -> Vec<String> {
    let mut csv = String::from("subject,from,created_at\n");
    for i in 0..n {
        csv.push_str(&format!(
            "Parcel {i},c{i}@example.no,2026-11-20T10:00:00Z\n"
        ));
    }
    d.write("rows.csv", &csv);
    d.ok(["import", "csv", "rows.csv"]);
    let ids: Vec<String> = d
        .ok(["list", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|t| t["subject"].as_str().unwrap().starts_with("Parcel "))
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), n);
    ids
}

/// `desk tick` reads the next tickets ahead on another core. A ticket another command
/// changes after it was read ahead, before tick takes the lock for it, is read again:
/// neither change is lost.
#[test]
fn a_ticket_changed_while_tick_reads_ahead_loses_no_change() {
    let mut d = Desk::example();
    let ids = parcels(&d, 150);
    // A day later every first reply is overdue: tick records 150 breaches while another
    // command tags the same tickets, last first, so the two meet in the middle.
    d.set_now("2026-11-25T09:00:00Z");
    let mut tick = d.cmd();
    tick.arg("tick");
    let tick = std::thread::spawn(move || tick.output().expect("tick runs"));
    for id in ids.iter().rev() {
        d.ok(["set", id.as_str(), "+raced"]);
    }
    let out = tick.join().expect("tick thread");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for id in &ids {
        let t = d.ticket(id);
        let tagged = t["tags"].as_array().unwrap().iter().any(|v| v == "raced");
        let breached = t["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["event"] == "sla.breached");
        assert!(
            tagged && breached,
            "{id}: tagged {tagged}, breached {breached}"
        );
    }
}

/// A real tick writes its tickets in batches (several hundred, or a quarter of a second,
/// under one hold of the lock and one flush). Every ticket of every batch is written,
/// its mail is moved to outbox/ with nothing left staged, and the next tick at the same
/// instant finds nothing left to do.
#[test]
fn a_tick_of_more_than_two_batches_writes_every_ticket_and_its_mail() {
    let mut d = Desk::example();
    let ids = parcels(&d, 600);
    d.set_now("2026-11-25T09:00:00Z");
    let report: Value = serde_json::from_str(&d.ok(["tick", "--json"])).unwrap();
    assert!(report["checked"].as_u64().unwrap() >= 600, "{report}");
    let outbox: Vec<String> = std::fs::read_dir(d.path("outbox"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for id in &ids {
        let t = d.ticket(id);
        let breached = t["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["event"] == "sla.breached");
        assert!(breached, "{id} was not written: {t}");
        let mail = t["mail"].as_array().unwrap();
        assert!(!mail.is_empty(), "{id} queued no mail: {t}");
        for m in mail {
            let file = m["file"].as_str().unwrap();
            let name = file.strip_prefix("outbox/").unwrap();
            assert!(outbox.iter().any(|o| o == name), "{file} is not in outbox/");
        }
    }
    let staged = std::fs::read_dir(d.path(".desk/staged")).map_or(0, |r| r.count());
    assert_eq!(staged, 0, "mail left staged");
    let again: Value = serde_json::from_str(&d.ok(["tick", "--json"])).unwrap();
    assert_eq!(again["happened"], serde_json::json!([]), "{again}");
}

/// A listing inside a batch of writes (the tick counting loads for `least_loaded` after
/// thousands of tickets written) reads the journal as it is: folding it there wrote the
/// cache's new files into the batch, unseen by the listing, which then statted every
/// ticket file of the archive.
#[test]
fn counting_loads_in_the_middle_of_a_long_tick_takes_no_full_scan() {
    let d = Desk::example();
    d.write(
        "rules.toml",
        "[[rule]]\nname = \"tag-old\"\non = [\"tick\"]\n\
         if.all = [ { field = \"since.created\", op = \"over\", value = \"1d\" }, { not = { field = \"tags\", op = \"contains\", value = \"old\" } } ]\n\
         then = [ { add_tags = [\"old\"] } ]\n\n\
         [[rule]]\nname = \"pause-late\"\non = [\"tick\"]\n\
         if.all = [ { field = \"subject\", op = \"is\", value = \"Late\" }, { field = \"assignee\", op = \"missing\" } ]\n\
         then = [ { run = \"pause\" } ]\n\n\
         [[rule]]\nname = \"assign-late\"\non = [\"tick\"]\n\
         if.all = [ { field = \"subject\", op = \"is\", value = \"Late\" }, { field = \"assignee\", op = \"missing\" } ]\n\
         then = [ { assign = \"least_loaded\" } ]\n",
    );
    // Long enough after the batch's start that the listing would fold (the cache
    // trusts nothing that changed within the last 50 ms).
    d.write("scripts/pause", "#!/bin/sh\nsleep 0.1\necho '[]'\n");
    std::fs::set_permissions(
        d.path("scripts/pause"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut csv = String::from("subject,from,created_at,department\n");
    for i in 0..2100 {
        csv.push_str(&format!(
            "Parcel {i},c{i}@example.no,2026-11-20T10:00:00Z,support\n"
        ));
    }
    // Made last, so ticked last: after more than 2,000 tickets are in the journal.
    csv.push_str("Late,late@example.no,2026-11-21T10:00:00Z,support\n");
    d.write("rows.csv", &csv);
    d.ok(["import", "csv", "rows.csv"]);
    // The cache is built and the import's journal folded before the tick.
    d.ok(["list", "--format", "ids"]);
    let out = d
        .cmd()
        .args(["--now", "2026-11-25T09:00:00Z", "tick"])
        .env("DESK_CACHE_TRACE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let traces: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("listing cache"))
        .collect();
    assert!(
        traces.iter().all(|l| !l.contains("full")),
        "a full scan in the tick: {traces:?}"
    );
    let late = d
        .ok(["list", "subject=Late", "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .next()
        .unwrap();
    assert!(late["assignee"].is_string(), "{late}");
}

/// A tick that deletes tickets in a batch removes their files with the batch's renames:
/// removed at once, they changed `tickets/` outside the journal, and the next listing
/// scanned every file.
#[test]
fn a_tick_deleting_tickets_in_a_batch_keeps_the_shortcut() {
    let mut d = Desk::example();
    d.write(
        "rules.toml",
        "[[rule]]\nname = \"tag-old\"\non = [\"tick\"]\n\
         if.all = [ { field = \"since.created\", op = \"over\", value = \"1d\" }, { not = { field = \"tags\", op = \"contains\", value = \"old\" } } ]\n\
         then = [ { add_tags = [\"old\"] } ]\n\n\
         [[rule]]\nname = \"delete-odd\"\non = [\"tick\"]\n\
         if.all = [ { field = \"subject\", op = \"ends_with\", value = [\"1\", \"3\", \"5\", \"7\", \"9\"] } ]\n\
         then = [ { delete = true } ]\n",
    );
    let ids = parcels(&d, 300);
    d.ok(["list", "--format", "ids"]);
    d.set_now("2026-11-25T09:00:00Z");
    d.ok(["tick"]);
    let (way, listed) = way(&d, &["list", "--all", "--format", "ids"]);
    assert_ne!(way, "full", "the tick broke the journal's chain");
    let kept = ids.iter().filter(|id| listed.contains(id)).count();
    assert_eq!(kept, 150, "{listed:?}");
    for id in &ids {
        let gone = !d.path(&format!("tickets/{id}.json")).exists();
        assert_eq!(gone, !listed.contains(id), "{id}");
    }
}
