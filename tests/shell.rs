//! Generated shell integration is committed and must match fresh output.

use std::path::Path;

use crate::common::*;

fn committed(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn completions_match_the_committed_files() {
    let d = Desk::empty();
    for (shell, file) in [
        ("bash", "completions/desk.bash"),
        ("zsh", "completions/_desk"),
        ("fish", "completions/desk.fish"),
    ] {
        let fresh = d.ok(["completions", shell]);
        assert!(!fresh.is_empty());
        assert_eq!(
            fresh,
            committed(file),
            "{file} is stale: run `desk completions {shell} > {file}`"
        );
    }
}

#[test]
fn man_page_matches_the_committed_file() {
    let d = Desk::empty();
    let fresh = d.ok(["man"]);
    assert!(
        fresh.contains(".TH desk 1"),
        "roff: {}",
        &fresh[..fresh.len().min(200)]
    );
    assert_eq!(
        fresh,
        committed("man/desk.1"),
        "man/desk.1 is stale: run `desk man > man/desk.1`"
    );
}

#[test]
fn help_and_version_succeed_on_stdout() {
    let d = Desk::empty();
    let help = d.ok(["--help"]);
    for cmd in [
        "init",
        "new",
        "list",
        "show",
        "reply",
        "note",
        "set",
        "assign",
        "transfer",
        "snooze",
        "solve",
        "close",
        "reopen",
        "completions",
        "man",
    ] {
        assert!(help.contains(cmd), "--help lists {cmd}");
    }
    assert!(d.ok(["--version"]).starts_with("desk "));
}
