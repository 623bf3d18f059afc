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
