//! A team on git: clones of one helpdesk pushing and pulling through a bare remote with
//! plain git, merged by desk's merge driver (`desk merge-file`), which desk configures in
//! each clone by itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use tempfile::TempDir;

struct Team {
    tmp: TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Team {
    /// A bare remote and a first clone holding a fresh helpdesk, pushed.
    fn new() -> Team {
        let tmp = tempfile::Builder::new()
            .prefix("desk-team")
            .tempdir()
            .unwrap();
        let t = Team { tmp };
        t.git(
            &t.root(),
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        t.git(&t.root(), &["clone", "-q", "remote.git", "cron"]);
        t.desk("cron", "2026-11-24T08:00:00Z", None, &["init", "-q"]);
        t.commit("cron", "a helpdesk");
        t.git(&t.dir("cron"), &["push", "-q", "origin", "HEAD:main"]);
        t
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().to_path_buf()
    }

    fn dir(&self, clone: &str) -> PathBuf {
        self.root().join(clone)
    }

    fn clone(&self, name: &str) {
        self.git(&self.root(), &["clone", "-q", "remote.git", name]);
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Run {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("HOME", self.tmp.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Desk Test")
            .env("GIT_AUTHOR_EMAIL", "test@desk.example")
            .env("GIT_COMMITTER_NAME", "Desk Test")
            .env("GIT_COMMITTER_EMAIL", "test@desk.example")
            .output()
            .expect("git runs");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_eq!(
            run.code,
            0,
            "git {args:?} in {}:\n{}{}",
            dir.display(),
            run.stdout,
            run.stderr
        );
        run
    }

    fn desk(&self, clone: &str, now: &str, agent: Option<&str>, args: &[&str]) -> Run {
        self.desk_on(clone, "", now, agent, args)
    }

    /// As [`Team::desk`], on a named host (`DESK_HOST`).
    fn desk_on(
        &self,
        clone: &str,
        host: &str,
        now: &str,
        agent: Option<&str>,
        args: &[&str],
    ) -> Run {
        let mut c = Command::cargo_bin("desk").unwrap();
        c.env("DESK_HOST", host);
        c.current_dir(self.dir(clone))
            .args(args)
            .env("HOME", self.tmp.path())
            .env("DESK_NOW", now)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Desk Cron")
            .env("GIT_AUTHOR_EMAIL", "cron@desk.example")
            .env("GIT_COMMITTER_NAME", "Desk Cron")
            .env("GIT_COMMITTER_EMAIL", "cron@desk.example")
            .env_remove("DESK_DIR")
            .env_remove("DESK_AGENT")
            .env("NO_COLOR", "1");
        if let Some(a) = agent {
            c.env("DESK_AGENT", a);
        }
        let out = c.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, clone: &str, now: &str, agent: Option<&str>, args: &[&str]) -> String {
        let r = self.desk(clone, now, agent, args);
        assert_eq!(
            r.code, 0,
            "desk {args:?} in {clone}:\n{}{}",
            r.stdout, r.stderr
        );
        r.stdout.trim().to_string()
    }

    fn commit(&self, clone: &str, msg: &str) {
        self.git(&self.dir(clone), &["add", "-A"]);
        self.git(
            &self.dir(clone),
            &["commit", "-q", "--allow-empty", "-m", msg],
        );
    }

    /// Commit, pull (merging with whatever the driver does), push.
    fn sync(&self, clone: &str) -> Run {
        self.commit(clone, &format!("work on {clone}"));
        let pull = self.git(
            &self.dir(clone),
            &["pull", "-q", "--no-rebase", "origin", "main"],
        );
        self.git(&self.dir(clone), &["push", "-q", "origin", "HEAD:main"]);
        pull
    }

    fn ticket(&self, clone: &str, id: &str) -> Value {
        let text =
            std::fs::read_to_string(self.dir(clone).join(format!("tickets/{id}.json"))).unwrap();
        assert!(!text.contains("<<<<<<<"), "no conflict markers:\n{text}");
        serde_json::from_str(&text).unwrap()
    }
}

const T0: &str = "2026-11-24T09:00:00Z";

#[test]
fn two_clones_change_one_ticket_and_plain_git_pull_merges_it() {
    let t = Team::new();
    let id = t.ok(
        "cron",
        T0,
        None,
        &["new", "-s", "Zip broke", "--from", "kari@example.no"],
    );
    t.sync("cron");
    t.clone("ingrid");
    t.clone("bo");
    // The first desk command in a fresh clone sets the driver up, and says so once.
    let first = t.desk("ingrid", "2026-11-24T09:10:00Z", None, &["list"]);
    assert!(first.stderr.contains("merge driver"), "{}", first.stderr);
    let again = t.desk("ingrid", "2026-11-24T09:10:00Z", None, &["list"]);
    assert!(!again.stderr.contains("merge driver"), "{}", again.stderr);

    t.ok(
        "ingrid",
        "2026-11-24T09:15:00Z",
        None,
        &["set", &id, "priority=high", "+vip"],
    );
    t.ok(
        "bo",
        "2026-11-24T09:20:00Z",
        None,
        &["note", &id, "-m", "Called the customer"],
    );
    t.ok("bo", "2026-11-24T09:21:00Z", None, &["set", &id, "+zip"]);
    t.sync("ingrid");
    t.sync("bo");
    t.git(
        &t.dir("ingrid"),
        &["pull", "-q", "--no-rebase", "origin", "main"],
    );

    for clone in ["ingrid", "bo"] {
        let m = t.ticket(clone, &id);
        assert_eq!(m["priority"], "high", "{clone}: {m}");
        assert_eq!(m["tags"], serde_json::json!(["vip", "zip"]), "{clone}");
        assert_eq!(
            m["messages"].as_array().unwrap().len(),
            1,
            "{clone}: the note"
        );
        assert_eq!(m["updated_at"], "2026-11-24T09:21:00Z");
    }
    assert_eq!(
        std::fs::read(t.dir("ingrid").join(format!("tickets/{id}.json"))).unwrap(),
        std::fs::read(t.dir("bo").join(format!("tickets/{id}.json"))).unwrap(),
        "both clones hold the same bytes"
    );
    // desk sees what arrived.
    let listed = t.ok(
        "ingrid",
        "2026-11-24T09:30:00Z",
        None,
        &["list", "--format", "json"],
    );
    assert!(listed.contains("\"priority\": \"high\""), "{listed}");
    let shown = t.ok("ingrid", "2026-11-24T09:30:00Z", None, &["show", &id]);
    assert!(shown.contains("Called the customer"), "{shown}");
}

#[test]
fn a_true_conflict_keeps_the_later_change_and_records_it() {
    let t = Team::new();
    let id = t.ok("cron", T0, None, &["new", "-s", "Invoice"]);
    t.sync("cron");
    t.clone("ingrid");
    t.ok(
        "cron",
        "2026-11-24T10:00:00Z",
        None,
        &["set", &id, "priority=high"],
    );
    t.ok(
        "ingrid",
        "2026-11-24T10:05:00Z",
        None,
        &["set", &id, "priority=urgent"],
    );
    t.sync("cron");
    t.sync("ingrid");
    let m = t.ticket("ingrid", &id);
    assert_eq!(m["priority"], "urgent", "the later change wins");
    let last = m["history"].as_array().unwrap().last().unwrap().clone();
    assert!(last["note"].as_str().unwrap().contains("merged"), "{last}");
    assert_eq!(last["changes"][0]["from"], "high");
    assert_eq!(last["changes"][0]["to"], "urgent");
    let status = t.git(&t.dir("ingrid"), &["status", "--porcelain"]);
    assert!(
        status.stdout.trim().is_empty(),
        "nothing left unmerged: {}",
        status.stdout
    );
}

#[test]
fn the_driver_refuses_invalid_json_and_leaves_ours_alone() {
    let t = Team::new();
    let dir = t.dir("cron");
    std::fs::write(dir.join("base.json"), "").unwrap();
    std::fs::write(dir.join("ours.json"), "{ not json").unwrap();
    std::fs::write(dir.join("theirs.json"), "{}").unwrap();
    let r = t.desk(
        "cron",
        T0,
        None,
        &[
            "merge-file",
            "base.json",
            "ours.json",
            "theirs.json",
            "tickets/x.json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("ours.json")).unwrap(),
        "{ not json"
    );
}

const TEAM_DESK: &str = r#"
[helpdesk]
name = "Fjord"
timezone = "UTC"
address = "support@fjord.example"

[[department]]
id = "support"
address = "support@fjord.example"

[[agent]]
id = "ingrid"
email = "ingrid@fjord.example"
departments = ["support"]
"#;

const TEAM_RULES: &str = r#"
[[rule]]
name = "escalate"
on = ["sla.breached"]
then = [ { set = "priority", to = "urgent" }, { notify = "assignee", template = "customer-replied" } ]

[[rule]]
name = "chase-after-2h"
on = ["tick"]
if.all = [ { field = "since.created", op = "over", value = "2h" } ]
then = [ { add_tags = ["chased"] }, { note = "Nobody has answered yet" } ]

[[sla]]
name = "standard"
first_reply = "1h"
"#;

#[test]
fn two_clones_that_tick_record_the_same_work_once() {
    let t = Team::new();
    std::fs::write(t.dir("cron").join("desk.toml"), TEAM_DESK).unwrap();
    std::fs::write(t.dir("cron").join("rules.toml"), TEAM_RULES).unwrap();
    let id = t.ok(
        "cron",
        T0,
        None,
        &["new", "-s", "Zip broke", "--from", "kari@example.no"],
    );
    t.ok("cron", T0, None, &["assign", &id, "ingrid"]);
    t.sync("cron");
    t.clone("laptop");
    // Both tick before either has pulled the other's work, minutes apart.
    t.ok("cron", "2026-11-24T12:00:00Z", None, &["tick"]);
    t.ok("laptop", "2026-11-24T12:03:00Z", None, &["tick"]);
    let a = std::fs::read(t.dir("cron").join(format!("tickets/{id}.json"))).unwrap();
    let b = std::fs::read(t.dir("laptop").join(format!("tickets/{id}.json"))).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&a),
        String::from_utf8_lossy(&b),
        "the same automatic work, byte for byte"
    );
    t.sync("cron");
    t.sync("laptop");
    t.git(
        &t.dir("cron"),
        &["pull", "-q", "--no-rebase", "origin", "main"],
    );
    let m = t.ticket("cron", &id);
    let history = m["history"].as_array().unwrap();
    let count = |actor: &str, event: &str| {
        history
            .iter()
            .filter(|h| h["actor"] == actor && h["event"] == event)
            .count()
    };
    assert_eq!(count("sla:standard", "sla.breached"), 1, "{m:#}");
    assert_eq!(count("rule:escalate", "sla.breached"), 1);
    assert_eq!(count("rule:chase-after-2h", "tick"), 1);
    assert_eq!(m["messages"].as_array().unwrap().len(), 1, "one note");
    assert_eq!(m["mail"].as_array().unwrap().len(), 1, "one notification");
    let outbox: Vec<_> = std::fs::read_dir(t.dir("cron").join("outbox"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(outbox.len(), 1, "one mail queued");
    // A tick after the merge has nothing left to do.
    let again = t.desk("cron", "2026-11-24T12:05:00Z", None, &["tick"]);
    assert!(again.stderr.contains("0 changes"), "{}", again.stderr);
}

#[test]
fn desk_sync_commits_what_changed_pulls_and_pushes() {
    let t = Team::new();
    let id = t.ok("cron", T0, None, &["new", "-s", "Zip broke"]);
    let first = t.desk("cron", T0, None, &["sync"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stderr.contains("committed: desk: 1 ticket"),
        "{}",
        first.stderr
    );
    t.clone("laptop");
    t.ok(
        "laptop",
        "2026-11-24T09:10:00Z",
        None,
        &["set", &id, "priority=high"],
    );
    t.ok(
        "cron",
        "2026-11-24T09:11:00Z",
        None,
        &["note", &id, "-m", "Parcel found"],
    );
    t.ok("cron", "2026-11-24T09:11:00Z", None, &["sync"]);
    // The laptop pulls the cron host's note, merges its own change in, and pushes.
    let laptop = t.desk("laptop", "2026-11-24T09:12:00Z", None, &["sync"]);
    assert_eq!(laptop.code, 0, "{}", laptop.stderr);
    assert!(
        laptop.stdout.contains(&format!("tickets/{id}.json")),
        "{}",
        laptop.stdout
    );
    let back = t.desk("cron", "2026-11-24T09:13:00Z", None, &["sync"]);
    assert!(
        back.stdout.contains(&format!("tickets/{id}.json")),
        "{}",
        back.stdout
    );
    let m = t.ticket("cron", &id);
    assert_eq!(m["priority"], "high");
    assert_eq!(m["messages"].as_array().unwrap().len(), 1);
    let log = t.git(&t.dir("cron"), &["log", "--format=%s"]).stdout;
    assert!(log.contains("desk: 1 ticket"), "{log}");
    // Nothing to do: nothing committed, nothing arrived.
    let idle = t.desk("cron", "2026-11-24T09:14:00Z", None, &["sync"]);
    assert!(!idle.stderr.contains("committed"), "{}", idle.stderr);
    assert!(idle.stderr.contains("0 files arrived"), "{}", idle.stderr);
}

#[test]
fn only_the_clone_named_in_desk_toml_sends_and_every_reply_is_sent_once() {
    let t = Team::new();
    let settings = TEAM_DESK.replace(
        "address = \"support@fjord.example\"\n\n[[department]]",
        "address = \"support@fjord.example\"\nsends_from = \"cronhost\"\n\n[[department]]",
    );
    std::fs::write(t.dir("cron").join("desk.toml"), settings).unwrap();
    let id = t.ok(
        "cron",
        T0,
        None,
        &["new", "-s", "Zip", "--from", "kari@example.no"],
    );
    t.sync("cron");
    t.clone("laptop");
    t.ok(
        "laptop",
        "2026-11-24T09:10:00Z",
        Some("ingrid"),
        &["reply", &id, "-m", "A new zip is on its way"],
    );
    let refused = t.desk_on(
        "laptop",
        "laptop",
        "2026-11-24T09:11:00Z",
        None,
        &["outbox", "send"],
    );
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("`cronhost` does"),
        "{}",
        refused.stderr
    );
    t.sync("laptop");
    t.git(
        &t.dir("cron"),
        &["pull", "-q", "--no-rebase", "origin", "main"],
    );
    let sent = t.desk_on(
        "cron",
        "cronhost",
        "2026-11-24T09:12:00Z",
        None,
        &[
            "outbox",
            "send",
            "--sendmail",
            "sh -c 'cat > /dev/null'",
            "--json",
        ],
    );
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    t.sync("cron");
    t.git(
        &t.dir("laptop"),
        &["pull", "-q", "--no-rebase", "origin", "main"],
    );
    let m = t.ticket("laptop", &id);
    let mail = m["mail"].as_array().unwrap();
    assert_eq!(mail.len(), 1, "{m:#}");
    assert_eq!(mail[0]["state"], "sent");
    let left: Vec<_> = std::fs::read_dir(t.dir("laptop").join("outbox"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .collect();
    assert!(
        left.is_empty(),
        "the sent mail left the outbox on every clone"
    );
}

#[test]
fn the_same_mail_ingested_on_two_clones_is_one_ticket_and_one_acknowledgement() {
    let t = Team::new();
    t.clone("laptop");
    let mail = "From: Kari Nordmann <kari@example.no>\nTo: support@example.com\nSubject: Zip broke\nDate: Tue, 24 Nov 2026 09:58:00 +0000\nMessage-ID: <zip-1@example.no>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nThe zip on my boots broke.\n";
    for clone in ["cron", "laptop"] {
        std::fs::write(t.dir(clone).join("in.eml"), mail).unwrap();
    }
    // Minutes apart, before either has pulled.
    t.ok(
        "cron",
        "2026-11-24T10:00:00Z",
        None,
        &["ingest", "email", "in.eml"],
    );
    t.ok(
        "laptop",
        "2026-11-24T10:04:00Z",
        None,
        &["ingest", "email", "in.eml"],
    );
    for clone in ["cron", "laptop"] {
        std::fs::remove_file(t.dir(clone).join("in.eml")).unwrap();
    }
    t.sync("cron");
    t.sync("laptop");
    t.git(
        &t.dir("cron"),
        &["pull", "-q", "--no-rebase", "origin", "main"],
    );
    let ids = t.ok(
        "cron",
        "2026-11-24T10:05:00Z",
        None,
        &["list", "--all", "--format", "ids"],
    );
    assert_eq!(ids.lines().count(), 1, "{ids}");
    let m = t.ticket("cron", ids.trim());
    assert_eq!(m["created_at"], "2026-11-24T09:58:00Z");
    assert_eq!(
        m["mail"].as_array().unwrap().len(),
        1,
        "one acknowledgement: {m:#}"
    );
    let created = m["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"] == "ticket.created")
        .count();
    assert_eq!(
        created, 2,
        "created, and the auto-reply rule, once each: {m:#}"
    );
    let customer: Value = serde_json::from_str(
        &std::fs::read_to_string(t.dir("cron").join("customers/kari@example.no.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(customer["created_at"], "2026-11-24T09:58:00Z");
    let outbox = std::fs::read_dir(t.dir("cron").join("outbox"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .count();
    assert_eq!(outbox, 1);
}

/// Every ticket file of a clone, parsed (the test fails on an invalid one).
fn all_tickets(t: &Team, clone: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(t.dir(clone).join("tickets"))
        .unwrap()
        .filter_map(Result::ok)
    {
        if e.path().extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            assert!(
                !text.contains("<<<<<<<"),
                "markers in {}",
                e.path().display()
            );
            out.push(
                serde_json::from_str(&text)
                    .unwrap_or_else(|err| panic!("{} is not valid: {err}", e.path().display())),
            );
        }
    }
    out
}

#[test]
fn three_clones_for_a_week() {
    let t = Team::new();
    let settings = TEAM_DESK.replace(
        "address = \"support@fjord.example\"\n\n[[department]]",
        "address = \"support@fjord.example\"\nsends_from = \"cronhost\"\n\n[[department]]",
    ) + "\n[[agent]]\nid = \"bo\"\nemail = \"bo@fjord.example\"\ndepartments = [\"support\"]\n";
    std::fs::write(t.dir("cron").join("desk.toml"), settings).unwrap();
    let rules = std::fs::read_to_string(t.dir("cron").join("rules.toml")).unwrap() + TEAM_RULES;
    std::fs::write(t.dir("cron").join("rules.toml"), rules).unwrap();
    t.sync("cron");
    t.clone("ingrid");
    t.clone("bo");
    let sent_log = t.root().join("sent.log");
    let sendmail = format!("sh -c 'grep -i ^message-id: >> {}'", sent_log.display());
    let sync = |clone: &str, now: &str| {
        let r = t.desk(clone, now, None, &["sync"]);
        assert_eq!(r.code, 0, "sync on {clone} at {now}: {}", r.stderr);
    };
    // What people did, to find in the merged state at the end: (ticket, actor, what).
    let mut acts: Vec<(String, String, String)> = Vec::new();
    for day in 23..=28 {
        let at = |h: u32, m: u32| format!("2026-11-{day}T{h:02}:{m:02}:00Z");
        // Morning: two customers write; the cron host ingests, ticks, syncs.
        for n in 0..2 {
            let mail = format!(
                "From: c{day}{n}@example.no\nTo: support@fjord.example\nSubject: Day {day} no {n}\nDate: {}\nMessage-ID: <d{day}n{n}@example.no>\n\nHello\n",
                chrono::DateTime::parse_from_rfc3339(&at(7, 50 + n))
                    .unwrap()
                    .to_rfc2822()
            );
            std::fs::write(t.dir("cron").join("in.eml"), &mail).unwrap();
            t.ok("cron", &at(8, 0), None, &["ingest", "email", "in.eml"]);
            std::fs::remove_file(t.dir("cron").join("in.eml")).unwrap();
            // The second mail of the day reaches bo's laptop too (a second mailbox).
            if n == 1 {
                std::fs::write(t.dir("bo").join("in.eml"), &mail).unwrap();
                t.ok("bo", &at(8, 3), None, &["ingest", "email", "in.eml"]);
                std::fs::remove_file(t.dir("bo").join("in.eml")).unwrap();
            }
        }
        t.ok("cron", &at(8, 1), None, &["tick"]);
        sync("cron", &at(8, 2));
        sync("ingrid", &at(8, 3));
        sync("bo", &at(8, 4));
        // Both agents work the same new ticket in the same round, and bo's laptop ticks.
        let ids = t.ok("ingrid", &at(9, 0), None, &["list", "--format", "ids"]);
        let target = ids
            .lines()
            .find(|id| t.ticket("ingrid", id)["subject"] == format!("Day {day} no 0"))
            .unwrap()
            .to_string();
        t.ok(
            "ingrid",
            &at(9, 10),
            Some("ingrid"),
            &["reply", &target, "-m", &format!("Reply {day}")],
        );
        acts.push((
            target.clone(),
            "agent:ingrid".into(),
            "agent.replied".into(),
        ));
        t.ok(
            "bo",
            &at(9, 12),
            Some("bo"),
            &["note", &target, "-m", &format!("Note {day}")],
        );
        acts.push((target.clone(), "agent:bo".into(), "note.added".into()));
        t.ok(
            "bo",
            &at(9, 13),
            Some("bo"),
            &["set", &target, "+looked-at"],
        );
        acts.push((target.clone(), "agent:bo".into(), "ticket.updated".into()));
        t.ok("bo", &at(11, 0), None, &["tick"]);
        t.ok("cron", &at(11, 1), None, &["tick"]);
        sync("ingrid", &at(11, 2));
        sync("bo", &at(11, 3));
        sync("cron", &at(11, 4));
        // The cron host sends what everybody queued, and syncs the record back.
        let sent = t.desk_on(
            "cron",
            "cronhost",
            &at(11, 5),
            None,
            &["outbox", "send", "--sendmail", &sendmail],
        );
        assert_eq!(sent.code, 0, "{}", sent.stderr);
        let refused = t.desk_on(
            "bo",
            "bo-laptop",
            &at(11, 5),
            None,
            &["outbox", "send", "--sendmail", &sendmail],
        );
        assert_eq!(refused.code, 1);
        sync("cron", &at(11, 6));
        sync("ingrid", &at(11, 7));
        sync("bo", &at(11, 8));
    }
    sync("cron", "2026-11-28T23:00:00Z");
    let tickets = all_tickets(&t, "cron");
    assert_eq!(tickets.len(), 12, "two mails a day, one ticket each");
    for clone in ["ingrid", "bo"] {
        for tk in &tickets {
            let id = tk["id"].as_str().unwrap();
            assert_eq!(&t.ticket(clone, id), tk, "{clone} holds the same {id}");
        }
    }
    // Nothing lost: every act is in the merged history.
    for (id, actor, event) in &acts {
        let tk = tickets.iter().find(|x| x["id"] == id.as_str()).unwrap();
        assert!(
            tk["history"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["actor"] == actor.as_str() && h["event"] == event.as_str()),
            "{actor} {event} on {id} is kept"
        );
    }
    // Nothing twice: no history entry, breach or mail record appears twice.
    let mut message_ids = std::collections::BTreeSet::new();
    for tk in &tickets {
        let history = tk["history"].as_array().unwrap();
        for (i, h) in history.iter().enumerate() {
            assert!(!history[..i].contains(h), "twice in {}: {h}", tk["id"]);
        }
        for m in tk["mail"].as_array().unwrap() {
            assert!(message_ids.insert(m["message_id"].as_str().unwrap().to_string()));
            assert_eq!(m["state"], "sent", "{m}");
        }
    }
    let log = std::fs::read_to_string(&sent_log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let distinct: std::collections::BTreeSet<&str> = lines.iter().copied().collect();
    assert_eq!(
        lines.len(),
        distinct.len(),
        "no mail delivered twice:\n{log}"
    );
    assert_eq!(
        lines.len(),
        message_ids.len(),
        "every recorded mail delivered once"
    );
    assert_eq!(
        lines.len(),
        12 + 6,
        "an acknowledgement per mail, a reply a day"
    );
    let breaches: usize = tickets
        .iter()
        .map(|tk| {
            tk["history"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|h| h["event"] == "sla.breached" && h["actor"] == "sla:standard")
                .count()
        })
        .sum();
    // Both tickets of a day breach first_reply at 08:50 (the reply comes at 09:10 and
    // reaches the clones that tick only later), each once though two clones ticked.
    assert_eq!(breaches, 12);
    // desk sees the merged state: listings, and what a tick finds due, are the same on
    // every clone.
    let listed = t.ok(
        "bo",
        "2026-11-28T23:01:00Z",
        None,
        &["list", "--all", "--format", "ids"],
    );
    assert_eq!(listed.lines().count(), 12);
    let due = |clone: &str| {
        t.ok(
            clone,
            "2026-11-30T12:00:00Z",
            None,
            &["tick", "--dry-run", "--json"],
        )
    };
    let (on_cron, on_bo) = (due("cron"), due("bo"));
    assert_eq!(
        on_cron, on_bo,
        "every clone's tick sees the same merged state"
    );
}

#[test]
fn a_ticket_deleted_on_one_clone_and_changed_on_another() {
    let t = Team::new();
    let spam = t.ok("cron", T0, None, &["new", "-s", "Cheap watches"]);
    let real = t.ok(
        "cron",
        T0,
        None,
        &["new", "-s", "Zip broke", "--from", "kari@example.no"],
    );
    t.sync("cron");
    t.clone("laptop");
    // The cron host deletes both; the laptop tags one and records the customer's call on
    // the other.
    for id in [&spam, &real] {
        std::fs::remove_file(t.dir("cron").join(format!("tickets/{id}.json"))).unwrap();
    }
    t.ok("cron", "2026-11-24T09:05:00Z", None, &["sync"]);
    t.ok(
        "laptop",
        "2026-11-24T09:06:00Z",
        None,
        &["set", &spam, "+spam"],
    );
    let mail = "From: kari@example.no\nTo: support@example.com\nSubject: Re: Zip broke [#ID]\nDate: Tue, 24 Nov 2026 09:06:00 +0000\nMessage-ID: <zip-2@example.no>\n\nAny news?\n"
        .replace("ID", &real);
    std::fs::write(t.dir("laptop").join("in.eml"), mail).unwrap();
    t.ok(
        "laptop",
        "2026-11-24T09:07:00Z",
        None,
        &["ingest", "email", "in.eml"],
    );
    std::fs::remove_file(t.dir("laptop").join("in.eml")).unwrap();
    let r = t.desk("laptop", "2026-11-24T09:08:00Z", None, &["sync"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !t.dir("laptop")
            .join(format!("tickets/{spam}.json"))
            .exists(),
        "the deletion stands"
    );
    let kept = t.ticket("laptop", &real);
    assert_eq!(
        kept["messages"].as_array().unwrap().len(),
        1,
        "the reply is kept"
    );
    let status = t.git(&t.dir("laptop"), &["status", "--porcelain"]);
    assert!(status.stdout.trim().is_empty(), "{}", status.stdout);
}
