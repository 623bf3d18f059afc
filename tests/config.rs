//! desk.toml: every valid sample loads; every invalid sample fails with its
//! `file:line:col` messages (snapshotted), exit 1, and no file changes.

use std::path::Path;

use crate::common::*;

fn samples(kind: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/config")
        .join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no samples in {}", dir.display());
    files
}

#[test]
fn valid_settings_load() {
    for file in samples("valid") {
        let d = Desk::new();
        d.write("desk.toml", &std::fs::read_to_string(&file).unwrap());
        let out = d.run(["list"]);
        assert_eq!(out.code, 0, "{}: {out}", file.display());
    }
}

#[test]
fn invalid_settings_name_file_line_and_column() {
    for file in samples("invalid") {
        let d = Desk::new();
        d.write("desk.toml", &std::fs::read_to_string(&file).unwrap());
        d.new_ticket_raw();
        let before = d.snapshot_files();
        let out = d.run(["set", "zzzz", "priority=high"]);
        assert_eq!(out.code, 1, "{}: {out}", file.display());
        assert!(out.stdout.is_empty());
        for line in out.stderr.lines() {
            assert!(
                line.starts_with("desk: desk.toml:"),
                "{}: every line names the place: {line}",
                file.display()
            );
        }
        assert_eq!(before, d.snapshot_files());
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(format!("config-{name}"), out.stderr);
    }
}

trait RawTicket {
    fn new_ticket_raw(&self);
}

impl RawTicket for Desk {
    /// Puts a ticket file in place without running desk (desk.toml is broken on purpose).
    fn new_ticket_raw(&self) {
        self.write(
            "tickets/zzzzzzzzzzzzzz.json",
            r#"{"id":"zzzzzzzzzzzzzz","subject":"x","type":"ticket","status":"new","priority":"normal","department":null,"assignee":null,"requester":null,"shop":null,"channel":"manual","tags":[],"fields":{},"created_at":"2026-11-24T09:00:00Z","updated_at":"2026-11-24T09:00:00Z","snoozed_until":null,"sla":null,"messages":[],"history":[]}"#,
        );
    }
}

// --- the compiled configuration (.desk/cache/config.bin) ---------------------------------

/// Runs desk with the cache trace on: where the configuration came from, and stdout.
fn config_trace(d: &Desk, args: &[&str]) -> (Vec<String>, String) {
    let (stdout, stderr) = d.traced(args);
    let lines = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("desk: config: "))
        .map(str::to_string)
        .collect();
    (lines, stdout.trim().to_string())
}

/// Rewrites a file with new bytes of the same length and puts its modification time
/// back: the compiled form must see the change by content, not by size or time.
fn rewrite_unstamped(d: &Desk, rel: &str, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let path = d.path(rel);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = d.read(rel);
    assert!(text.contains(from), "{rel} has no `{from}`");
    d.write(rel, &text.replacen(from, to, 1));
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
}

const TAGGING_RULES: &str = r#"[[rule]]
name = "tag-new"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "matches", value = "(?i)^order" } ]
then = [ { add_tags = ["aaaa"] }, { notify = "requester", template = "hello" } ]
"#;

#[test]
fn the_compiled_configuration_is_used_until_a_file_it_came_from_changes() {
    let d = Desk::new();
    d.write("rules.toml", TAGGING_RULES);
    d.write(
        "templates/hello.txt",
        "Subject: Hello\n\nWe read you: AAAA.\n",
    );
    let tags = |id: &str| d.ticket(id)["tags"].clone();

    // The first command reads the files and compiles them; the next uses that.
    let (first, id) = config_trace(&d, &["new", "-s", "Order 1", "--from", "kari@example.no"]);
    assert_eq!(
        first,
        ["read desk.toml (no compiled form yet)", "read rules.toml"]
    );
    assert_eq!(tags(&id), serde_json::json!(["aaaa"]));
    let (second, id) = config_trace(&d, &["new", "-s", "Order 2", "--from", "kari@example.no"]);
    assert_eq!(second, ["desk.toml compiled", "rules.toml compiled"]);
    assert_eq!(tags(&id), serde_json::json!(["aaaa"]));

    // rules.toml changed, same size, same time.
    rewrite_unstamped(&d, "rules.toml", "aaaa", "bbbb");
    let (seen, id) = config_trace(&d, &["new", "-s", "Order 3", "--from", "kari@example.no"]);
    assert_eq!(seen, ["desk.toml compiled", "read rules.toml"]);
    assert_eq!(tags(&id), serde_json::json!(["bbbb"]));

    // A template the rules name changed, same size, same time.
    rewrite_unstamped(&d, "templates/hello.txt", "AAAA", "BBBB");
    let (seen, id) = config_trace(&d, &["new", "-s", "Order 4", "--from", "kari@example.no"]);
    assert_eq!(
        seen,
        ["desk.toml compiled", "read rules.toml (a template changed)"]
    );
    let file = d.ticket(&id)["mail"][0]["file"]
        .as_str()
        .unwrap()
        .to_string();
    let last = d.read(&file);
    assert!(last.contains("We read you: BBBB."), "{last}");

    // desk.toml changed: its settings and views are read again, and so are the rules,
    // which are checked against them.
    let toml = d.read("desk.toml");
    d.write("desk.toml", &format!("{toml}\n# a comment\n"));
    let (seen, _) = config_trace(&d, &["new", "-s", "Order 5", "--from", "kari@example.no"]);
    assert_eq!(
        seen,
        [
            "read desk.toml (the compiled form is of another desk.toml or desk binary)",
            "read rules.toml"
        ]
    );
}

#[test]
fn a_broken_rules_file_is_reported_though_a_compiled_form_exists() {
    let d = Desk::new();
    d.write("rules.toml", TAGGING_RULES);
    d.write("templates/hello.txt", "Subject: Hello\n\nWe read you.\n");
    d.new_ticket("Order 1", &["--from", "kari@example.no"]);
    assert!(d.path(".desk/cache/config.bin").exists());
    d.write(
        "rules.toml",
        &TAGGING_RULES.replace("\"matches\"", "\"matchez\""),
    );
    let before = d.snapshot_files();
    let out = d.fails(1, ["new", "-s", "Order 2"]);
    let stderr = &out.stderr;
    assert!(stderr.starts_with("desk: rules.toml:4:"), "{stderr}");
    assert_eq!(before, d.snapshot_files());
    // A template gone is reported too.
    d.write("rules.toml", TAGGING_RULES);
    d.ok(["new", "-s", "Order 3"]);
    std::fs::remove_file(d.path("templates/hello.txt")).unwrap();
    let out = d.fails(1, ["new", "-s", "Order 4"]);
    let stderr = &out.stderr;
    assert!(stderr.contains("unknown template `hello`"), "{stderr}");
}

#[test]
fn a_damaged_compiled_form_is_read_past_and_made_again() {
    let d = Desk::new();
    d.write("rules.toml", TAGGING_RULES);
    d.write("templates/hello.txt", "Subject: Hello\n\nWe read you.\n");
    d.new_ticket("Order 1", &["--from", "kari@example.no"]);
    let file = d.path(".desk/cache/config.bin");
    let good = std::fs::read(&file).unwrap();
    // Cut in its header, cut short, then overwritten with noise after a valid header.
    for bytes in [good[..3].to_vec(), good[..good.len() / 2].to_vec(), {
        let mut b = good.clone();
        let n = b.len();
        b[n / 3..].iter_mut().for_each(|x| *x = 0xff);
        b
    }] {
        std::fs::write(&file, bytes).unwrap();
        let (seen, id) = config_trace(&d, &["new", "-s", "Order 2", "--from", "kari@example.no"]);
        assert_eq!(
            seen,
            [
                "read desk.toml (the compiled form cannot be read)",
                "read rules.toml"
            ]
        );
        assert_eq!(d.ticket(&id)["tags"], serde_json::json!(["aaaa"]));
        let (seen, _) = config_trace(&d, &["new", "-s", "Order 3"]);
        assert_eq!(seen, ["desk.toml compiled", "rules.toml compiled"]);
    }
}

#[test]
fn a_moved_helpdesk_reads_its_templates_where_it_is_now() {
    let d = Desk::new();
    d.write("rules.toml", TAGGING_RULES);
    d.write(
        "templates/hello.txt",
        "Subject: Hello\n\nWe read you: AAAA.\n",
    );
    d.new_ticket("Order 1", &["--from", "kari@example.no"]);
    let moved = Desk::empty();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", d.root().display()))
        .arg(moved.root())
        .status()
        .unwrap();
    assert!(status.success());
    drop(d);
    let (seen, _) = config_trace(
        &moved,
        &["new", "-s", "Order 2", "--from", "kari@example.no"],
    );
    assert_eq!(seen, ["desk.toml compiled", "rules.toml compiled"]);
    // A canned reply reads its template from the helpdesk, where it is now.
    moved.write("templates/canned.txt", "Subject: Re\n\nCanned here.\n");
    let id = moved.new_ticket("Order 3", &["--from", "kari@example.no"]);
    moved.ok(["reply", &id, "--template", "canned"]);
    let t = moved.ticket(&id);
    let last = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["body"].as_str().unwrap().contains("Canned here."),
        "{last}"
    );
}
