//! `desk list` for people and programs: the SLA at a glance (column, `--sort sla`,
//! JSON/JSONL/CSV fields), short IDs (highlighted prefixes, prefixes every command
//! takes, ambiguity), and tables that fit 80 columns, in colour only when asked.

use serde_json::Value;

use crate::common::*;

/// Two departments, one agent, two customer groups.
pub const SETTINGS: &str = r#"
[helpdesk]
name = "Test Desk"
timezone = "UTC"
address = "support@test.example"

[[department]]
id = "support"
address = "support@test.example"

[[department]]
id = "billing"
address = "billing@test.example"

[[agent]]
id = "ingrid"
departments = ["support", "billing"]

[[group]]
id = "vip"

[[group]]
id = "gold"
"#;

/// Two policies without calendars, so due times are plain arithmetic: VIP customers
/// get an answer within 1h, everyone else within 4h.
pub const RULES: &str = r#"
[[sla]]
name = "vip"
if.all = [ { field = "customer.group", op = "is", value = "vip" } ]
first_reply = "1h"
resolution = "8h"

[[sla]]
name = "standard"
if.all = [ { field = "channel", op = "is_not", value = "phone" } ]
first_reply = "4h"
resolution = "2d"
"#;

/// A helpdesk whose clone identity is pinned, so ticket IDs are the same every run.
pub fn pinned() -> Desk {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d.write("rules.toml", RULES);
    d.write(
        ".desk/ids.json",
        &serde_json::json!({
            "clone": 4242,
            "root": d.root().to_string_lossy(),
            "last_secs": 0,
            "last_seq": 0,
        })
        .to_string(),
    );
    d
}

/// Runs with extra environment variables.
pub fn run_env(d: &Desk, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = d.cmd();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run desk");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Three open tickets: one breached (first reply due 10:00, now 12:00), one due, one
/// without a policy (by phone).
fn three(d: &mut Desk) -> (String, String, String) {
    d.set_now("2026-11-24T09:00:00Z");
    let late = d.new_ticket(
        "Printer on fire, and the whole second floor smells of burnt toner since Monday",
        &[
            "--from",
            "vip@example.no",
            "--priority",
            "urgent",
            "-m",
            "Help",
        ],
    );
    d.ok([
        "customer",
        "set",
        "vip@example.no",
        "group=vip",
        "name=Vera Ip",
    ]);
    // A change re-chooses the policy now that the customer is a VIP.
    d.ok(["set", &late, "+fire"]);
    d.set_now("2026-11-24T10:30:00Z");
    let due = d.new_ticket(
        "Invoice 2026-1187 shows the wrong discount for the winter boots order",
        &[
            "--from",
            "kari@example.no",
            "--department",
            "billing",
            "-m",
            "Hi",
        ],
    );
    d.set_now("2026-11-24T11:00:00Z");
    let quiet = d.new_ticket("Question", &["--priority", "high", "--channel", "phone"]);
    d.set_now("2026-11-24T12:00:00Z");
    (late, due, quiet)
}

fn json_of(d: &Desk, args: &[&str]) -> Value {
    serde_json::from_str(&d.ok(args)).expect("JSON")
}

#[test]
fn list_carries_the_sla_and_message_count_for_scripts() {
    let mut d = pinned();
    let (late, due, _) = three(&mut d);
    let rows = json_of(&d, &["list", "--format", "json"]);
    let by_id = |id: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    let l = by_id(&late);
    assert_eq!(l["sla_policy"], "vip");
    // Due at 10:00, now 12:00, no tick yet: overdue counts as breached.
    assert_eq!(l["sla_breached"], serde_json::json!(["first_reply"]));
    assert_eq!(l["sla_next"], "resolution");
    assert_eq!(l["sla_due"], "2026-11-24T17:00:00Z");
    assert_eq!(l["messages"], 1);
    let u = by_id(&due);
    assert_eq!(u["sla_policy"], "standard");
    assert_eq!(u["sla_next"], "first_reply");
    assert_eq!(u["sla_due"], "2026-11-24T14:30:00Z");
    assert_eq!(u["sla_breached"], serde_json::json!([]));

    // The same after `desk tick` records the breach.
    d.ok(["tick"]);
    let rows = json_of(&d, &["list", "--format", "json"]);
    let l = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == late.as_str())
        .unwrap();
    assert_eq!(l["sla_breached"], serde_json::json!(["first_reply"]));

    // JSON Lines: the same rows.
    let jsonl = d.ok(["list", "--format", "jsonl"]);
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["sla_policy"], "vip");

    // CSV: the same columns after the ticket's own.
    let csv = d.ok(["list", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert!(
        headers.ends_with(&[
            "messages".into(),
            "sla_policy".into(),
            "sla_next".into(),
            "sla_due".into(),
            "sla_breached".into()
        ]),
        "{headers:?}"
    );
    let first = r.records().next().unwrap().unwrap();
    let col = |name: &str| &first[headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(col("id"), late);
    assert_eq!(col("messages"), "1");
    assert_eq!(col("sla_breached"), "first_reply");
    assert_eq!(col("sla_due"), "2026-11-24T17:00:00Z");
}

#[test]
fn sort_by_sla_puts_breached_first_and_none_last() {
    let mut d = pinned();
    let (late, due, quiet) = three(&mut d);
    d.set_now("2026-11-24T12:01:00Z");
    // Another, due sooner than `due` (VIP: 1h) but not breached.
    let soon = d.new_ticket("Soon", &["--from", "vip@example.no"]);
    let ids = |args: &[&str]| -> Vec<String> {
        d.ok(args).lines().map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&["list", "--sort", "sla", "--format", "ids"]),
        [late.clone(), soon.clone(), due.clone(), quiet.clone()]
    );
    assert_eq!(
        ids(&["list", "--sort", "-sla", "--format", "ids"]),
        [quiet.clone(), due.clone(), soon.clone(), late.clone()]
    );
    assert_eq!(
        ids(&["list", "--sort", "sla", "--limit", "2", "--format", "ids"]),
        [late.clone(), soon.clone()]
    );
    let typo = d.fails(1, ["list", "--sort", "sal"]);
    assert!(typo.stderr.contains("did you mean `sla`"), "{typo}");
}

#[test]
fn table_fits_80_columns_and_cuts_text_not_ids() {
    let mut d = pinned();
    let (late, _, _) = three(&mut d);
    let out = run_env(&d, &[("COLUMNS", "80")], &["list", "--format", "table"]);
    insta::assert_snapshot!(out.to_string());
    for line in out.stdout.lines() {
        assert!(unicode_width(line) <= 80, "wider than 80 columns: {line:?}");
    }
    assert!(out.stdout.contains(&late), "IDs whole");
    assert!(out.stdout.contains('…'), "subjects cut");
    assert!(!out.stdout.contains('\x1b'), "no colour off a terminal");

    // Without COLUMNS and off a terminal, every cell is whole (for grep and less).
    let wide = d.ok(["list"]);
    assert!(wide.contains("the whole second floor smells of burnt toner since Monday"));
    assert!(wide.contains("UPDATED"));
    // Wide enough: nothing is cut.
    let out = run_env(&d, &[("COLUMNS", "250")], &["list"]);
    assert_eq!(out.stdout, wide);
}

/// Display columns, as a terminal counts them.
fn unicode_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The shortest prefix of `id`, at least 4 characters, that no other ticket starts with.
pub fn short(d: &Desk, id: &str) -> String {
    let all = d.ok(["list", "--all", "--format", "ids"]);
    (4..=id.len())
        .map(|n| &id[..n])
        .find(|p| all.lines().filter(|o| o.starts_with(p)).count() == 1)
        .unwrap()
        .to_string()
}

#[test]
fn colour_always_paints_breaches_priorities_and_short_ids() {
    let mut d = pinned();
    let (late, _, _) = three(&mut d);
    let out = run_env(
        &d,
        &[("COLUMNS", "80")],
        &["list", "--color", "always", "--sort", "sla"],
    );
    insta::assert_snapshot!(out.to_string().replace('\x1b', "\\e"));
    // The shortest unique prefix of the breached ticket, highlighted; the rest dim.
    let prefix = short(&d, &late);
    let rest = &late[prefix.len()..];
    assert!(
        out.stdout
            .contains(&format!("\x1b[1;35m{prefix}\x1b[0m\x1b[90m{rest}\x1b[0m")),
        "{out}"
    );
    assert!(
        out.stdout.contains("\x1b[31mfirst_reply 2h ago ✗\x1b[0m"),
        "{out}"
    );
    assert!(out.stdout.contains("\x1b[1;31murgent\x1b[0m"), "{out}");

    // NO_COLOR wins, even over --color always; --color never is plain.
    for env in [&[("NO_COLOR", "1")][..], &[][..]] {
        let mut args = vec!["list", "--sort", "sla"];
        if env.is_empty() {
            args.extend(["--color", "never"]);
        } else {
            args.extend(["--color", "always"]);
        }
        let plain = run_env(&d, env, &args);
        assert!(!plain.stdout.contains('\x1b'), "{plain}");
        assert!(plain.stdout.contains(&late), "full IDs without colour");
    }
}

/// On a terminal (`script` gives one), colour is on by default and NO_COLOR turns it off.
#[test]
fn no_color_wins_over_auto_on_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    }
    let mut d = pinned();
    three(&mut d);
    let desk = assert_cmd::cargo::cargo_bin("desk");
    let on_tty = |no_color: bool| -> String {
        let mut c = d.cmd();
        // `script` runs the command on a new terminal; its output is the terminal's.
        let mut c2 = std::process::Command::new("script");
        c2.current_dir(d.root());
        for (k, v) in c.get_envs() {
            match v {
                Some(v) => c2.env(k, v),
                None => c2.env_remove(k),
            };
        }
        c2.env("COLUMNS", "80");
        if no_color {
            c2.env("NO_COLOR", "1");
        }
        c2.args([
            "-qec",
            &format!("{} list --sort sla", desk.display()),
            "/dev/null",
        ]);
        let _ = &mut c;
        let out = c2.output().expect("script");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_tty(false);
    assert!(
        coloured.contains("\x1b[31m"),
        "auto on a terminal: {coloured}"
    );
    let plain = on_tty(true);
    assert!(plain.contains("first_reply 2h ago"), "{plain}");
    assert!(!plain.contains("\x1b["), "NO_COLOR on a terminal: {plain}");
}

#[test]
fn every_command_taking_an_id_takes_a_unique_prefix() {
    let mut d = pinned();
    let (late, due, _) = three(&mut d);
    // Made in the same second: they share the time part and differ in the sequence.
    let twin_a = d.new_ticket("Twin a", &[]);
    let twin_b = d.new_ticket("Twin b", &[]);
    assert_eq!(&twin_a[..7], &twin_b[..7]);

    let p = &short(&d, &late);
    for args in [
        vec!["show", p],
        vec!["show", p, "--json"],
        vec!["note", p, "-m", "noted"],
        vec!["reply", p, "-m", "On it"],
        vec!["set", p, "priority=high"],
        vec!["assign", p, "ingrid"],
        vec!["transfer", p, "billing"],
        vec!["snooze", p, "--until", "2h"],
        vec!["solve", p],
        vec!["reopen", p],
        vec!["close", p],
        vec!["rules", "test", p],
    ] {
        let out = d.run(&args);
        assert_eq!(out.code, 0, "{args:?}:\n{out}");
    }
    assert_eq!(d.ticket(&late)["status"], "closed");
    assert_eq!(d.ticket(&late)["department"], "billing");
    // Upper case and the full ID work too.
    d.ok(["show", &due.to_uppercase()[..6]]);
    d.ok(["show", &due]);

    // Ambiguous: an error naming every candidate, exit 1, nothing changed.
    let before = d.snapshot_files();
    let shared = &twin_a[..7];
    for args in [vec!["show", shared], vec!["set", shared, "priority=low"]] {
        let out = d.fails(1, &args);
        assert!(
            out.stderr
                .contains(&format!("ticket prefix `{shared}` is ambiguous"))
                && out.stderr.contains(&twin_a)
                && out.stderr.contains(&twin_b),
            "{out}"
        );
    }
    assert_eq!(d.snapshot_files(), before);
    // Too short, and no such ticket.
    assert!(
        d.fails(1, ["show", &late[..3]])
            .stderr
            .contains("at least 4")
    );
    assert!(d.fails(1, ["show", "zzzzz"]).stderr.contains("zzzzz"));
}

#[test]
fn highlighted_prefixes_are_unique_among_done_tickets_too() {
    let mut d = pinned();
    d.set_now("2026-11-24T09:00:00Z");
    let open = d.new_ticket("Open", &[]);
    let done = d.new_ticket("Done", &[]);
    d.ok(["close", &done]);
    // Same second: the open one needs 9 characters to tell it from the closed one.
    let out = run_env(&d, &[], &["list", "--color", "always"]);
    assert!(
        out.stdout
            .contains(&format!("\x1b[1;35m{}\x1b[0m", &open[..9])),
        "{out}"
    );
    assert!(
        !out.stdout.contains(&done),
        "the closed ticket is not listed"
    );
    d.ok(["show", &open[..9]]);
    d.fails(1, ["show", &open[..8]]);
}
