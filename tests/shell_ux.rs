//! The shell around desk: man pages and completion scripts (generated, committed, equal
//! to fresh output), completion candidates from the helpdesk, help, errors and exit
//! statuses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn committed(rel: &str) -> String {
    let p = repo(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The files of a folder by name, with their text.
fn files_in(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.expect("dir entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("page text"),
            )
        })
        .collect()
}

// ---------------------------------------------------------------- man pages

#[test]
fn man_pages_match_the_committed_files() {
    let d = Desk::empty();
    let out = d.path("pages");
    let run = d.run(["man", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run}");
    let fresh = files_in(&out);
    let committed = files_in(&repo("man"));
    let hint = "regenerate them with `cargo run -q -- man --out man`";
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&fresh), names(&committed), "man/ is stale: {hint}");
    for (name, text) in &fresh {
        assert!(*text == committed[name], "man/{name} is stale: {hint}");
    }
    // `desk man` alone still prints desk(1).
    assert_eq!(d.ok(["man"]), committed["desk.1"], "man/desk.1: {hint}");
}

#[test]
fn desk_1_has_the_sections_of_a_manual() {
    let page = committed("man/desk.1");
    assert!(page.contains("\n.TH desk 1 "), "{}", &page[..120]);
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "GLOBAL OPTIONS",
        "COMMANDS",
        "FILES",
        "ENVIRONMENT",
        "EXIT STATUS",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        let heading = if section.contains(' ') {
            format!(".SH \"{section}\"\n")
        } else {
            format!(".SH {section}\n")
        };
        assert!(page.contains(&heading), "desk.1 has no {section} section");
    }
    for file in [
        "desk.toml",
        "rules.toml",
        "templates/",
        "scripts/",
        "tickets/",
        "customers/",
        "outbox/",
        "attachments/",
        ".desk/",
    ] {
        assert!(page.contains(file), "FILES names {file}");
    }
    for code in ["0", "1", "2", "75"] {
        assert!(
            page.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "EXIT STATUS {code}"
        );
    }
    // Every page desk.1 refers to is committed beside it.
    let re = regex::Regex::new(r"\\fB(desk[a-z0-9\\-]*)\\fR\((\d)\)").unwrap();
    for c in re.captures_iter(&page) {
        let file = format!("man/{}.{}", c[1].replace("\\-", "-"), &c[2]);
        assert!(
            repo(&file).is_file(),
            "desk.1 refers to {file}, which is missing"
        );
    }
}

/// Every variable the code reads is in desk(1)'s ENVIRONMENT.
#[test]
fn desk_1_documents_every_environment_variable_the_code_reads() {
    let page = committed("man/desk.1");
    let env = &page[page.find(".SH ENVIRONMENT").expect("ENVIRONMENT")..];
    let env = &env[..env[4..].find(".SH").expect("next section") + 4];
    let re = regex::Regex::new(r#"var(?:_os)?\("([A-Z_]+)"\)"#).unwrap();
    let mut seen = 0;
    for e in walkdir::WalkDir::new(repo("src")) {
        let e = e.expect("walk src");
        if e.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).expect("source");
        for c in re.captures_iter(&text) {
            seen += 1;
            let var = c[1].replace('_', "\\_");
            assert!(
                env.contains(&c[1]) || env.contains(&var),
                "{} reads {} but desk(1) does not say what it is for (src/cmd/man.rs, ENVIRONMENT)",
                e.path().display(),
                &c[1]
            );
        }
    }
    assert!(seen >= 5, "the scan found the variables ({seen})");
}

#[test]
fn desk_rules_5_is_the_reference_of_the_rule_language() {
    let page = committed("man/desk-rules.5");
    assert!(page.contains("\n.TH desk-rules 5 "), "{}", &page[..120]);
    for section in [
        "RULES",
        "EVENTS",
        "CONDITIONS",
        "ACTIONS",
        "TEMPLATES",
        "SEMANTICS",
    ] {
        assert!(page.contains(&format!(".SH {section}\n")), "no {section}");
    }
    for word in [
        "[[rule]]",
        "[[sla]]",
        "[[schedule]]",
        "[[macro]]",
        "customer.replied",
        "sla.breached",
        "contains_exact",
        "changed_from",
        "since.last_agent_message",
        "remove_tags",
        "department.signature",
    ] {
        let roff = word.replace('-', "\\-");
        assert!(
            page.contains(word) || page.contains(&roff),
            "desk-rules(5) names {word}"
        );
    }
    // One page per subcommand, nested ones too.
    for page in [
        "desk-list.1",
        "desk-rules.1",
        "desk-rules-check.1",
        "desk-report-sla.1",
    ] {
        assert!(repo(&format!("man/{page}")).is_file(), "man/{page}");
    }
}

#[test]
fn man_pages_read_cleanly_with_man() {
    let Ok(probe) = std::process::Command::new("man").arg("--version").output() else {
        return; // no man(1) here: the roff is still compared above
    };
    if !probe.status.success() {
        return;
    }
    for page in ["man/desk.1", "man/desk-list.1", "man/desk-rules.5"] {
        let out = std::process::Command::new("man")
            .args(["-l", "--warnings"])
            .arg(repo(page))
            .env("MANWIDTH", "80")
            .env_remove("MAN_KEEP_FORMATTING")
            .output()
            .expect("man -l");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "man -l {page}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("NAME"), "{page} renders");
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            !warnings.contains("warning"),
            "man -l {page} warns:\n{warnings}"
        );
    }
}

// ---------------------------------------------------------------- completions

#[test]
fn completion_scripts_match_the_committed_files() {
    let d = Desk::empty();
    for (shell, file) in [
        ("bash", "completions/desk.bash"),
        ("zsh", "completions/_desk"),
        ("fish", "completions/desk.fish"),
    ] {
        let fresh = d.ok(["completions", shell]);
        assert!(fresh.contains("DESK_COMPLETE"), "{shell} asks desk");
        assert_eq!(
            fresh,
            committed(file),
            "{file} is stale: run `cargo run -q -- completions {shell} > {file}`"
        );
    }
}

/// What a shell gets back for the words typed so far (the last one is the one being
/// completed), run in `dir`.
fn complete(d: &Desk, shell: &str, words: &[&str]) -> Output {
    complete_in(d, d.root(), shell, words)
}

fn complete_in(d: &Desk, dir: &Path, shell: &str, words: &[&str]) -> Output {
    let mut c = d.cmd();
    c.current_dir(dir);
    c.env("DESK_COMPLETE", shell);
    // bash and zsh say which word is completed; fish sends the words up to it.
    c.env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string());
    c.env("_CLAP_IFS", "\n");
    c.arg("--").arg("desk").args(&words[1..]);
    let out = c.output().expect("run desk");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The candidates' values, without descriptions.
fn values(out: &Output, sep: char) -> Vec<String> {
    out.stdout
        .lines()
        .map(|l| l.split(sep).next().unwrap_or("").to_string())
        .collect()
}

fn helpdesk_with_tickets() -> (Desk, String, String, String) {
    let d = Desk::new();
    let open = d.new_ticket("Shoes too small", &["--department", "support"]);
    let other = d.new_ticket("Invoice twice", &[]);
    let done = d.new_ticket("Old question", &[]);
    d.ok(["solve", &done]);
    (d, open, other, done)
}

#[test]
fn ticket_ids_complete_open_ones_with_their_subject() {
    let (d, open, other, done) = helpdesk_with_tickets();
    // fish: value TAB description, one per line.
    let out = complete(&d, "fish", &["desk", "show", ""]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.is_empty(), "{out}");
    assert!(
        out.stdout
            .contains(&format!("{open}\tShoes too small [new]\n")),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!("{other}\tInvoice twice")),
        "{out}"
    );
    assert!(
        !out.stdout.contains(&done),
        "a solved ticket is not offered: {out}"
    );
    // Options come after the IDs.
    let v = values(&out, '\t');
    assert!(v.iter().position(|x| x == "--json") > v.iter().position(|x| *x == open));

    // A prefix that only a solved ticket has finds it.
    let prefix = &done[..done.len() - 1];
    let out = complete(&d, "fish", &["desk", "show", prefix]);
    assert_eq!(values(&out, '\t'), vec![done.clone()], "{out}");

    // `reopen` offers the solved ones first.
    let out = complete(&d, "fish", &["desk", "reopen", ""]);
    assert_eq!(values(&out, '\t')[0], done, "{out}");

    // zsh: value:description.
    let out = complete(&d, "zsh", &["desk", "note", ""]);
    assert!(
        out.stdout
            .contains(&format!("{open}:Shoes too small [new]")),
        "{out}"
    );
}

#[test]
fn agents_departments_and_statuses_complete_from_desk_toml() {
    let d = Desk::example();
    let open = d.new_ticket("Shoes too small", &["--department", "support"]);
    let settings = d.read("desk.toml");
    let agents: Vec<String> = regex::Regex::new(r#"(?m)^\[\[agent\]\]\s*\nid = "([^"]+)""#)
        .unwrap()
        .captures_iter(&settings)
        .map(|c| c[1].to_string())
        .collect();
    assert!(!agents.is_empty(), "desk.toml has agents");

    // bash: values only, separated by _CLAP_IFS.
    let out = complete(&d, "bash", &["desk", "assign", &open, ""]);
    assert_eq!(out.code, 0, "{out}");
    let v = values(&out, '\t');
    for a in &agents {
        assert!(v.contains(a), "assign ID <agent> offers {a}: {out}");
    }
    assert!(v.contains(&"-".to_string()), "and - to unassign: {out}");
    assert!(!v.iter().any(|x| x.starts_with("support")), "{out}");

    // --department, in zsh form, after a value of another option.
    let out = complete(&d, "zsh", &["desk", "new", "-s", "x", "--department", ""]);
    assert!(
        out.stdout.lines().any(|l| l.starts_with("support")),
        "{out}"
    );
    assert!(
        !out.stdout.contains("--json"),
        "only departments after --department: {out}"
    );

    // Statuses after `status=` in `desk set`, narrowed by what is typed.
    let out = complete(&d, "fish", &["desk", "set", &open, "status=o"]);
    assert_eq!(
        values(&out, '\t'),
        vec!["status=open", "status=on-hold"],
        "{out}"
    );
    let out = complete(&d, "fish", &["desk", "set", &open, "pri"]);
    assert_eq!(values(&out, '\t'), vec!["priority="], "{out}");
    // And in `desk list` filters.
    let out = complete(&d, "fish", &["desk", "list", "status_category=w"]);
    assert_eq!(values(&out, '\t'), vec!["status_category=waiting"], "{out}");
    // Views, with their names.
    let out = complete(&d, "fish", &["desk", "list", "--view", "unass"]);
    assert!(out.stdout.starts_with("unassigned\t"), "{out}");
    assert_eq!(out.stdout.lines().count(), 1, "{out}");
}

#[test]
fn templates_and_macros_complete_from_the_helpdesk() {
    let d = Desk::new();
    d.write(
        "templates/size-exchange.txt",
        "Subject: Bytte av størrelse\n\nHei!\n",
    );
    let out = d.run(["__complete", "templates"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("size-exchange\tBytte av størrelse\n"),
        "{out}"
    );
    assert!(
        out.stdout.lines().any(|l| l.starts_with("received\t")),
        "{out}"
    );
    let out = d.run(["__complete", "templates", "size"]);
    assert_eq!(values(&out, '\t'), vec!["size-exchange"], "{out}");

    // [[macro]] names, read tolerantly from rules.toml.
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[macro]]\nname = \"size-exchange\"\nthen = [ {{ add_tags = [\"exchange\"] }} ]\nreply = \"size-exchange\"\n\n[[macro]]\nname = \"spam\"\nthen = []\n"
        ),
    );
    let out = d.run(["__complete", "macros"]);
    assert_eq!(
        out.stdout, "size-exchange\treplies with size-exchange\nspam\n",
        "{out}"
    );
    d.write("rules.toml", "[[macro]\nname = ");
    let out = d.run(["__complete", "macros"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out}");
}

#[test]
fn completion_reads_the_helpdesk_named_by_dash_c_and_is_silent_outside_one() {
    let (d, open, _, _) = helpdesk_with_tickets();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let root = d.root().to_str().unwrap();

    let out = complete_in(
        &d,
        elsewhere.path(),
        "fish",
        &["desk", "-C", root, "show", ""],
    );
    assert!(out.stdout.contains(&open), "{out}");
    let out = complete_in(
        &d,
        elsewhere.path(),
        "fish",
        &["desk", &format!("--dir={root}"), "transfer", &open, "sup"],
    );
    assert_eq!(values(&out, '\t'), vec!["support"], "{out}");

    // Outside a helpdesk: no values, nothing on stderr, success.
    for words in [
        &["desk", "show", ""][..],
        &["desk", "assign", "06fj", ""],
        &["desk", "list", "--view", ""],
    ] {
        let out = complete_in(&d, elsewhere.path(), "bash", words);
        assert_eq!(out.code, 0, "{out}");
        assert!(out.stderr.is_empty(), "{out}");
        assert!(
            out.stdout.lines().all(|l| l.starts_with('-')),
            "only options: {out}"
        );
    }
    // Garbage in, silence out.
    let out = complete_in(&d, elsewhere.path(), "nosuchshell", &["desk", ""]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out}");

    // Completing changed no file.
    let before = d.snapshot_files();
    complete(&d, "zsh", &["desk", "set", &open, "status="]);
    complete(&d, "fish", &["desk", "show", ""]);
    assert_eq!(before, d.snapshot_files());
}

#[test]
fn bash_script_joins_words_bash_splits_at_equals() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let (d, open, _, _) = helpdesk_with_tickets();
    let bin = assert_cmd::cargo::cargo_bin("desk");
    let script = format!(
        r#"
PATH="{dir}:$PATH"
source <(desk completions bash)
t() {{
    COMP_LINE="$1"; COMP_POINT=${{#1}}
    COMP_WORDS=("${{@:2}}"); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
    _desk desk "${{COMP_WORDS[COMP_CWORD]}}" ""
    printf '%s\n' "${{COMPREPLY[@]}}"
}}
# bash's own split: status = o
t "desk set {open} status=o" desk set {open} status = o
echo --
t "desk assign {open} " desk assign {open} ""
"#,
        dir = bin.parent().unwrap().display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(d.root())
        .env_remove("DESK_DIR")
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    let (set, assign) = text.split_once("--\n").expect("two parts");
    // bash replaces only the part after `=`.
    assert_eq!(set, "open\non-hold\n", "{text}");
    assert!(assign.lines().any(|l| l == "-"), "{text}");
}

// ---------------------------------------------------------------- help

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
    assert!(!help.contains("__complete"), "the shells' helper is hidden");
    assert!(d.ok(["--version"]).starts_with("desk "));
}

/// Every command's help has the global options under their own heading.
#[test]
fn every_command_shows_the_global_options_under_their_heading() {
    let d = Desk::empty();
    let mut commands: Vec<Vec<String>> = vec![vec![]];
    for name in files_in(&repo("man")).keys() {
        if let Some(page) = name
            .strip_suffix(".1")
            .and_then(|n| n.strip_prefix("desk-"))
        {
            // desk-rules-check → rules check (merge-file keeps its dash).
            let words = if page == "merge-file" {
                vec![page.to_string()]
            } else {
                page.split('-').map(str::to_string).collect()
            };
            commands.push(words);
        }
    }
    assert!(commands.len() > 20);
    for words in commands {
        let mut args = words.clone();
        args.push("--help".into());
        let help = d.ok(&args);
        let global = help
            .split_once("Global options:\n")
            .unwrap_or_else(|| panic!("desk {} --help: no Global options heading", words.join(" ")))
            .1;
        for opt in [
            "-C, --dir <DIR>",
            "--as <AGENT>",
            "--now <TIME>",
            "--color <WHEN>",
            "-q, --quiet",
        ] {
            assert!(
                global.contains(opt),
                "desk {} --help: {opt} under Global options",
                words.join(" ")
            );
        }
        let own = help.split_once("Global options:").unwrap().0;
        assert!(
            !own.contains("--now <TIME>"),
            "desk {}: only once",
            words.join(" ")
        );
    }
}

#[test]
fn a_format_a_command_cannot_print_is_a_usage_error() {
    let d = Desk::new();
    let id = d.new_ticket("x", &[]);
    for args in [
        vec!["rules", "test", id.as_str(), "--format", "csv"],
        vec!["rules", "test", id.as_str(), "--format", "ids"],
        vec!["report", "--format", "jsonl"],
        vec!["report", "sla", "--format", "ids"],
        vec!["list", "--format", "xml"],
    ] {
        let out = d.fails(2, &args);
        assert!(
            out.stderr.starts_with("desk: invalid value"),
            "{args:?}: {out}"
        );
        assert!(out.stdout.is_empty(), "{out}");
    }
    // What each can print still works.
    d.ok(["rules", "test", &id, "--format", "json"]);
    for f in ["table", "json", "jsonl", "csv", "ids"] {
        d.ok(["list", "--format", f]);
        d.ok(["rules", "list", "--format", f]);
        d.ok(["outbox", "list", "--format", f]);
    }
}

// ---------------------------------------------------------------- errors

#[test]
fn usage_errors_exit_2_with_the_prefix() {
    let d = Desk::new();
    let id = d.new_ticket("x", &[]);
    // clap's own.
    let out = d.fails(2, ["list", "--bogus"]);
    assert!(
        out.stderr
            .starts_with("desk: unexpected argument '--bogus' found\n"),
        "{out}"
    );
    assert!(out.stderr.contains("Usage: desk list"), "{out}");
    let out = d.fails(2, ["assign"]);
    assert!(out.stderr.starts_with("desk: "), "{out}");
    // desk's own: no body, and a time that is not one.
    let out = d.fails(2, ["reply", &id]);
    assert!(out.stderr.starts_with("desk: no reply given"), "{out}");
    let out = d.fails(2, ["--now", "yesterday-ish", "list"]);
    assert!(out.stderr.starts_with("desk: --now/DESK_NOW: "), "{out}");
    let out = d.fails(2, ["new", "-s", "x", "--field", "plan"]);
    assert_eq!(out.stderr, "desk: --field `plan`: use NAME=VALUE\n");
}

#[test]
fn failures_exit_1_with_the_prefix() {
    let d = Desk::new();
    let out = d.fails(1, ["show", "zzzz"]);
    assert_eq!(out.stderr, "desk: no ticket `zzzz`\n");
    let out = d.fails(1, ["assign", "zzzz", "nobody"]);
    assert!(out.stderr.starts_with("desk: "), "{out}");
    // A mistake in a configuration file: the prefix, then its place.
    let rules = d.read("rules.toml");
    d.write("rules.toml", &rules.replacen("op = \"", "op = \"x", 1));
    let out = d.fails(1, ["rules", "check"]);
    assert!(
        regex::Regex::new(r"^desk: rules\.toml:\d+:\d+: unknown operator `x")
            .unwrap()
            .is_match(&out.stderr),
        "{out}"
    );
    assert!(out.stderr.lines().all(|l| l.starts_with("desk: ")), "{out}");
    // Outside a helpdesk.
    let e = Desk::empty();
    let out = e.fails(1, ["list"]);
    assert!(
        out.stderr.starts_with("desk: not inside a helpdesk"),
        "{out}"
    );
}

#[test]
fn warnings_have_the_prefix_and_the_word() {
    let d = Desk::new();
    let out = d.run(["list", "--view", "mine"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr
            .starts_with("desk: warning: the view `mine` is about the acting agent (@me)"),
        "{out}"
    );
    // Every line desk writes about a problem starts the same way.
    d.write("tickets/broken.json", "{ not json");
    let out = d.fails(1, ["list"]);
    for line in out
        .stderr
        .lines()
        .filter(|l| !l.is_empty() && *l != "no tickets")
    {
        assert!(line.starts_with("desk: "), "{line:?} in {out}");
    }
}

#[test]
fn spans_of_time_print_the_same_way_everywhere() {
    // SLA targets in `show` and the figures of `report` use one printer: `1h5m`, `3d4h`.
    let d = Desk::new();
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[sla]]\nname = \"all\"\nfirst_reply = \"1h5m\"\nresolution = \"3d4h\"\n"
        ),
    );
    let id = d.new_ticket("x", &["--from", "kari@example.no"]);
    let show = d.ok(["show", &id]);
    assert!(show.contains("due in 1h5m"), "{show}");
    assert!(show.contains("due in 3d4h"), "{show}");
    assert!(!show.contains("h05m"), "{show}");
}
