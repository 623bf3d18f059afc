//! rules.toml: every valid sample passes `desk rules check` and lists one entry per
//! rule; every invalid sample fails with `file:line:col` messages (snapshotted), exit 1,
//! and blocks changes without blocking reads. Samples live in tests/data/rules and are
//! checked against the fixed desk.toml and templates next to them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;

/// The corpus: `desk.toml`, `templates/`, `valid/` and `invalid/`.
fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The samples of one kind, sorted, as (name, text).
fn samples(kind: &str) -> Vec<(String, String)> {
    let dir = data().join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            (name, read(p))
        })
        .collect()
}

/// A helpdesk with the corpus's desk.toml and exactly its templates (the ones
/// `desk init` wrote are removed, so every sample sees the same set).
fn helpdesk() -> Desk {
    let d = Desk::new();
    d.write("desk.toml", &read(&data().join("desk.toml")));
    std::fs::remove_dir_all(d.path("templates")).expect("remove templates");
    let dir = data().join("templates");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("templates dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no templates in {}", dir.display());
    for n in names {
        d.write(&format!("templates/{n}"), &read(&dir.join(&n)));
    }
    d
}

/// A helpdesk as above, with `text` as its rules.toml.
fn helpdesk_with_rules(text: &str) -> Desk {
    let d = helpdesk();
    d.write("rules.toml", text);
    d
}

/// `FILE:LINE:COL: message`, where FILE is rules.toml or a template.
fn located(line: &str) -> bool {
    let re = regex::Regex::new(
        r"^desk: (rules\.toml|templates/[A-Za-z0-9_-]+\.txt):[1-9][0-9]*:[1-9][0-9]*: \S",
    )
    .expect("regex");
    re.is_match(line)
}

#[test]
fn the_corpus_is_large_enough() {
    assert!(samples("valid").len() >= 8, "at least 8 valid samples");
    assert!(
        samples("invalid").len() >= 45,
        "at least 45 invalid samples"
    );
}

#[test]
fn the_fixtures_are_valid_with_the_default_rules() {
    let d = helpdesk();
    let out = d.run(["rules", "check"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.is_empty(), "{out}");
}

#[test]
fn valid_rules_pass_the_check_and_list_every_rule() {
    for (name, text) in samples("valid") {
        let d = helpdesk_with_rules(&text);
        let out = d.run(["rules", "check"]);
        assert_eq!(out.code, 0, "{name}: {out}");
        assert!(out.stdout.is_empty(), "{name}: stdout must be empty: {out}");

        let listed = d.run(["rules", "list", "--format", "json"]);
        assert_eq!(listed.code, 0, "{name}: {listed}");
        let rows = listed.json();
        let rows = rows
            .as_array()
            .unwrap_or_else(|| panic!("{name}: not a JSON array: {listed}"));
        let names: Vec<&str> = text
            .lines()
            .scan(false, |in_rule, line| {
                let line = line.trim();
                if line.starts_with('[') {
                    *in_rule = line == "[[rule]]";
                }
                let name = line
                    .strip_prefix("name = \"")
                    .and_then(|r| r.strip_suffix('"'))
                    .filter(|_| *in_rule);
                Some(name)
            })
            .flatten()
            .collect();
        let rules = text.lines().filter(|l| l.trim() == "[[rule]]").count();
        assert_eq!(names.len(), rules, "{name}: every [[rule]] has a name line");
        assert_eq!(
            rows.len(),
            rules,
            "{name}: one entry per [[rule]]: {listed}"
        );
        let listed_names: Vec<&str> = rows
            .iter()
            .map(|r| r["name"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(listed_names, names, "{name}: rules listed in file order");
    }
}

#[test]
fn invalid_rules_name_file_line_and_column_and_block_changes() {
    for (name, text) in samples("invalid") {
        let d = helpdesk_with_rules(&text);
        let out = d.run(["rules", "check"]);
        assert_eq!(out.code, 1, "{name}: {out}");
        assert!(out.stdout.is_empty(), "{name}: stdout must be empty: {out}");
        assert!(
            !out.stderr.trim().is_empty(),
            "{name}: says what is wrong: {out}"
        );
        for line in out.stderr.lines() {
            assert!(
                located(line),
                "{name}: every line names FILE:LINE:COL: {line}"
            );
        }
        insta::assert_snapshot!(format!("rules-invalid-{name}"), out.stderr);

        // A broken rules.toml blocks every change...
        let before = d.snapshot_files();
        let created = d.run(["new", "-s", "x"]);
        assert_eq!(created.code, 1, "{name}: desk new must fail: {created}");
        assert!(
            created.stdout.is_empty(),
            "{name}: no ID printed: {created}"
        );
        assert_eq!(before, d.snapshot_files(), "{name}: desk new changed files");
        // ...but not reading.
        let listed = d.run(["list"]);
        assert_eq!(listed.code, 0, "{name}: desk list still works: {listed}");
    }
}

#[test]
fn multiple_errors_are_all_listed() {
    let (_, text) = samples("invalid")
        .into_iter()
        .find(|(n, _)| n == "multiple-errors")
        .expect("multiple-errors sample");
    let d = helpdesk_with_rules(&text);
    let out = d.fails(1, ["rules", "check"]);
    let lines: BTreeSet<&str> = out.stderr.lines().collect();
    assert!(lines.len() >= 4, "at least 4 distinct messages: {out}");
    let places: BTreeSet<(u32, u32)> = lines
        .iter()
        .map(|l| {
            let mut parts = l.split(':').skip(1);
            let mut num = || parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            (num(), num())
        })
        .collect();
    assert_eq!(
        places.len(),
        lines.len(),
        "each message at its own place: {out}"
    );
    let in_order: Vec<(u32, u32)> = out
        .stderr
        .lines()
        .map(|l| {
            let mut parts = l.split(':').skip(1);
            let mut num = || parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            (num(), num())
        })
        .collect();
    let mut sorted = in_order.clone();
    sorted.sort();
    assert_eq!(in_order, sorted, "messages in file order: {out}");
}

#[test]
fn a_template_with_an_unknown_placeholder_is_reported_in_the_template() {
    let d = helpdesk_with_rules(
        "[[rule]]\nname = \"mottatt\"\non = [\"ticket.created\"]\nthen = [ { reply = \"mottatt\" } ]\n",
    );
    d.write(
        "templates/mottatt.txt",
        "Subject: Vi har mottatt din henvendelse [#{{ticket.id}}]\n\
         \n\
         Hei {{customer.name}},\n\
         \n\
         Takk for at du kontaktet oss om \"{{ticket.subjet}}\".\n\
         \n\
         {{department.signature}}\n",
    );
    let out = d.fails(1, ["rules", "check"]);
    assert!(out.stdout.is_empty(), "{out}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one mistake, one message: {out}");
    assert!(
        lines[0].starts_with("desk: templates/mottatt.txt:5:34: "),
        "points at the placeholder: {out}"
    );
    assert!(lines[0].contains("`{{ticket.subjet}}`"), "names it: {out}");
    assert!(
        lines[0].contains("did you mean `ticket.subject`?"),
        "suggests: {out}"
    );
    insta::assert_snapshot!("rules-invalid-template-placeholder", out.stderr);

    let before = d.snapshot_files();
    d.fails(1, ["new", "-s", "x"]);
    assert_eq!(before, d.snapshot_files());
    d.ok(["list"]);
}
