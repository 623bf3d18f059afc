//! The agent's working tools: canned replies (`desk reply --template`), macros
//! (`[[macro]]`, `desk macro`) and merging tickets (`desk merge`), through the binary.

use std::process::Command;

use serde_json::Value;

use crate::common::*;

/// A queued message, parsed back from its .eml file.
#[derive(Debug)]
struct Queued {
    subject: String,
    to: Vec<String>,
    cc: Vec<String>,
    body: String,
    auto_submitted: Option<String>,
}

fn parse_eml(d: &Desk, file: &str) -> Queued {
    let bytes = std::fs::read(d.path(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let m = mail_parser::MessageParser::default()
        .parse(&bytes)
        .unwrap_or_else(|| panic!("{file} does not parse"));
    let addrs = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        a.map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    };
    Queued {
        subject: m.subject().unwrap_or("").to_string(),
        to: addrs(m.to()),
        cc: addrs(m.cc()),
        body: m.body_text(0).map(|b| b.into_owned()).unwrap_or_default(),
        auto_submitted: m
            .header("Auto-Submitted")
            .and_then(|h| h.as_text())
            .map(str::to_string),
    }
}

/// The ticket's mail records of one kind (`reply`, `auto-reply`, `notification`).
fn records(t: &Value, kind: &str) -> Vec<Value> {
    t["mail"]
        .as_array()
        .map(|a| a.iter().filter(|r| r["kind"] == kind).cloned().collect())
        .unwrap_or_default()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Snapshots name queued files by a hash of their ticket's random ID: hidden too.
fn redacted(s: &str, d: &Desk) -> String {
    let s = redact(s, d);
    let re = regex::Regex::new(r"outbox/\[ID\]\.[0-9a-f]+\.eml").expect("regex");
    re.replace_all(&s, "outbox/[MAIL].eml").into_owned()
}

/// The default helpdesk with two agents in support, the clock at 08:00.
fn team() -> Desk {
    let d = Desk::new().at("2026-11-24T08:00:00Z");
    let toml = d.read("desk.toml");
    d.write(
        "desk.toml",
        &format!(
            "{toml}
[[agent]]
id = \"alex\"
name = \"Alex Lind\"
email = \"alex@example.com\"
departments = [\"support\"]

[[agent]]
id = \"sam\"
name = \"Sam Berg\"
email = \"sam@example.com\"
departments = [\"support\"]
"
        ),
    );
    d
}

// ---------------------------------------------------------------------------------
// Canned replies
// ---------------------------------------------------------------------------------

const CANNED: &str = "Subject: Size exchange [#{{ticket.id}}]

Hello {{customer.name}},

I am {{agent.name}} and I will look after ticket {{ticket.id}} ({{ticket.subject}}).
Your order {{fields.order}} is from our {{shop}} shop.

{{department.signature}}
";

#[test]
fn a_canned_reply_is_the_agents_reply_rendered_from_a_template() {
    let d = Desk::example();
    d.write("templates/size-exchange.txt", CANNED);
    let id = d.new_ticket(
        "Boots too small",
        &[
            "--from",
            "kari@example.no",
            "--name",
            "Kari Nordmann",
            "--cc",
            "per@example.no",
            "--shop",
            "oslo",
            "--field",
            "order=55412",
            "--department",
            "returns",
            "-m",
            "They pinch.",
        ],
    );
    let before = d.ticket(&id);
    // Not a terminal: the rendered text is sent as it is.
    let out = d.run([
        "--as",
        "ingrid",
        "reply",
        &id,
        "--template",
        "size-exchange",
    ]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains(&format!("replied to {id}")), "{out}");

    let t = d.ticket(&id);
    let reply = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(reply["kind"], "reply");
    assert_eq!(reply["author"], "agent:ingrid");
    let body = reply["body"].as_str().unwrap();
    assert!(
        body.starts_with("Hello Kari Nordmann,\n\nI am Ingrid Berg and I will look after ticket")
    );
    assert!(body.contains(&format!("ticket {id} (Boots too small)")));
    assert!(body.contains("Your order 55412 is from our oslo shop."));
    assert!(body.ends_with("Returadresse: Nordlys Sko, Postboks 123, 0102 Oslo"));

    // A normal agent.replied: the history credits the agent and the template, the rule
    // on agent.replied fired, the first reply is met.
    let entry = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == "agent.replied")
        .expect("agent.replied entry")
        .clone();
    assert_eq!(entry["actor"], "agent:ingrid");
    assert_eq!(entry["via"], "template:size-exchange");
    assert_eq!(t["status"], "pending", "agent-reply-sets-pending ran");
    assert_eq!(
        before["sla"]["targets"]["first_reply"]["met_at"],
        Value::Null
    );
    assert_eq!(
        t["sla"]["targets"]["first_reply"]["met_at"],
        "2026-11-24T09:00:00Z"
    );

    // The mail, queued exactly as `desk reply -m` queues it: to the requester, the
    // follower copied, the signature once (the template has it).
    let r = records(&t, "reply");
    assert_eq!(r.len(), 1, "{t}");
    let m = parse_eml(&d, r[0]["file"].as_str().unwrap());
    assert_eq!(m.to, ["kari@example.no"]);
    assert_eq!(m.cc, ["per@example.no"]);
    assert_eq!(m.subject, format!("Re: Boots too small [#{id}]"));
    assert_eq!(m.auto_submitted, None, "a person's reply");
    assert!(m.body.contains("I am Ingrid Berg"), "{}", m.body);
    assert!(m.body.contains("Your order 55412 is from our oslo shop."));
    assert_eq!(m.body.matches("Vennlig hilsen").count(), 1, "{}", m.body);

    let shown = d.ok(["show", &id]);
    assert!(
        shown.contains("agent ingrid via template size-exchange replied"),
        "{shown}"
    );
}

#[test]
fn a_template_without_the_signature_gets_it_like_a_typed_reply() {
    let d = team();
    d.write(
        "templates/thanks.txt",
        "Subject: Thanks\n\nThank you, {{customer.name}}!\n",
    );
    let id = d.new_ticket("Help", &["--from", "kari@example.no", "-m", "Hi"]);
    d.ok(["reply", &id, "--template", "thanks"]);
    let t = d.ticket(&id);
    let r = records(&t, "reply");
    let m = parse_eml(&d, r[0]["file"].as_str().unwrap());
    assert_eq!(
        m.body.replace("\r\n", "\n").trim_end(),
        "Thank you, kari@example.no!\n\nHelpdesk"
    );
    // Without `--as` it is the system's reply, like `desk reply -m`.
    assert_eq!(
        t["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["actor"] == "system" && h["event"] == "agent.replied")
            .count(),
        1
    );
}

#[test]
fn a_canned_reply_refuses_a_body_too() {
    let d = team();
    d.write("templates/thanks.txt", "Subject: Thanks\n\nThanks!\n");
    let id = d.new_ticket("Help", &["--from", "kari@example.no"]);
    let files = d.snapshot_files();
    let out = d.fails(2, ["reply", &id, "--template", "thanks", "-m", "typed"]);
    assert!(
        out.stderr
            .contains("'--template <NAME>' cannot be used with '--message <BODY>'"),
        "{out}"
    );
    d.fails(2, ["reply", &id, "-", "--template", "thanks"]);
    assert_eq!(d.snapshot_files(), files);
}

#[test]
fn an_unknown_or_broken_template_changes_nothing() {
    let d = team();
    d.write(
        "templates/broken.txt",
        "Subject: Hi\n\nHello {{custmer.name}}, about {{ticket.subjet}}\n",
    );
    d.write(
        "templates/signed.txt",
        "Subject: Hi\n\nHello, this is {{agent.name}}.\n",
    );
    let id = d.new_ticket("Help", &["--from", "kari@example.no"]);
    let files = d.snapshot_files();
    let mut all = String::new();
    for (code, args) in [
        (1, vec!["reply", &id, "--template", "recieved"]),
        (1, vec!["reply", &id, "--template", "zzz"]),
        (1, vec!["reply", &id, "--template", "../desk"]),
        (1, vec!["reply", &id, "--template", "broken"]),
        // Nobody is acting: `{{agent.name}}` has nobody to name.
        (2, vec!["reply", &id, "--template", "signed"]),
    ] {
        let out = d.fails(code, &args);
        all.push_str(&format!("$ desk {}\n{out}\n", args.join(" ")));
    }
    assert_eq!(d.snapshot_files(), files);
    insta::assert_snapshot!(redacted(&all, &d));
}

/// `script` gives desk a terminal; `EDITOR` is a script that edits the text desk
/// offers, as a person would.
fn on_a_terminal(d: &Desk, editor: &str, args: &str) -> Option<Output> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) to give desk a terminal");
        return None;
    }
    d.write("editor.sh", &format!("#!/bin/sh\n{editor}\n"));
    let editor_path = d.path("editor.sh");
    let mut perms = std::fs::metadata(&editor_path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&editor_path, perms).unwrap();
    let desk = assert_cmd::cargo::cargo_bin("desk");
    let mut c = d.cmd();
    c.env("EDITOR", &editor_path);
    let line = format!("{} {args}", desk.display());
    let mut s = Command::new("script");
    s.args(["-qec", &line, "/dev/null"])
        .current_dir(d.root())
        .stdin(std::process::Stdio::null());
    // The test's hermetic environment, with the editor.
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => s.env(k, v),
            None => s.env_remove(k),
        };
    }
    let out = s.output().expect("script");
    Some(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[test]
fn on_a_terminal_the_canned_text_opens_in_the_editor_first() {
    let d = team();
    d.write(
        "templates/thanks.txt",
        "Subject: Thanks\n\nThank you, {{customer.name}}!\n",
    );
    let id = d.new_ticket("Help", &["--from", "kari@example.no"]);
    // The agent adds a line under the rendered text.
    let Some(out) = on_a_terminal(
        &d,
        r#"printf 'It is on its way.\n' >> "$1""#,
        &format!("--as alex reply {id} --template thanks"),
    ) else {
        return;
    };
    assert_eq!(out.code, 0, "{out}");
    let t = d.ticket(&id);
    let body = t["messages"].as_array().unwrap().last().unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(body, "Thank you, kari@example.no!\n\nIt is on its way.");

    // Emptied in the editor: aborted, nothing changed.
    let files = d.snapshot_files();
    let out = on_a_terminal(
        &d,
        r#": > "$1""#,
        &format!("--as alex reply {id} --template thanks"),
    )
    .expect("script ran before");
    assert_eq!(out.code, 1, "{out}");
    // On a terminal, desk's standard error is the terminal `script` prints.
    assert!(out.stdout.contains("aborted: the reply is empty"), "{out}");
    let without_editor = |mut f: Vec<(String, Vec<u8>)>| {
        f.retain(|(name, _)| name != "editor.sh");
        f
    };
    assert_eq!(without_editor(d.snapshot_files()), without_editor(files));
}

// ---------------------------------------------------------------------------------
// Macros
// ---------------------------------------------------------------------------------

#[test]
fn a_macro_changes_replies_and_runs_the_rules_on_each_ticket() {
    let mut d = Desk::example();
    let kari = d.new_ticket(
        "Feil størrelse på støvlene",
        &[
            "--from",
            "kari@example.no",
            "--name",
            "Kari Nordmann",
            "--cc",
            "per@example.no",
            "-m",
            "De er for små.",
        ],
    );
    let lars = d.new_ticket(
        "For store joggesko",
        &["--from", "lars@example.se", "-m", "Två nummer för stora."],
    );
    for id in [&kari, &lars] {
        assert_eq!(d.ticket(id)["department"], "support");
    }
    d.set_now("2026-11-24T09:30:00Z");
    let out = d.run([
        "--as",
        "ingrid",
        "macro",
        "size-exchange",
        &kari,
        &lars[..9],
    ]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stderr,
        format!(
            "applied macro `size-exchange` to {kari}\napplied macro `size-exchange` to {lars}\n"
        )
    );
    for (id, who, name) in [
        (&kari, "kari@example.no", "Kari Nordmann"),
        (&lars, "lars@example.se", "lars@example.se"),
    ] {
        let t = d.ticket(id);
        // The actions, the reply, and the rules their events ran.
        assert_eq!(t["department"], "returns");
        assert!(strings(&t["tags"]).contains(&"bytte".to_string()), "{t}");
        assert_eq!(t["status"], "pending", "agent-reply-sets-pending");
        assert!(t["assignee"].is_string(), "returns-least-loaded: {t}");
        let entry = t["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["via"] == "macro:size-exchange")
            .expect("the macro's entry")
            .clone();
        assert_eq!(entry["actor"], "agent:ingrid");
        assert_eq!(entry["event"], "agent.replied");
        assert_eq!(entry["at"], "2026-11-24T09:30:00Z");
        let rules: Vec<&str> = t["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["at"] == "2026-11-24T09:30:00Z")
            .filter_map(|h| h["actor"].as_str())
            .collect();
        assert!(
            rules.contains(&"rule:agent-reply-sets-pending"),
            "{rules:?}"
        );
        assert!(rules.contains(&"rule:returns-least-loaded"), "{rules:?}");
        assert!(rules.contains(&"rule:notify-on-transfer"), "{rules:?}");
        // The reply is the agent's: it meets the first reply target.
        let reply = t["messages"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(reply["kind"], "reply");
        assert_eq!(reply["author"], "agent:ingrid");
        assert_eq!(
            t["sla"]["targets"]["first_reply"]["met_at"],
            "2026-11-24T09:30:00Z"
        );
        // Its mail: rendered after the actions, from returns with its signature.
        let r = records(&t, "reply");
        assert_eq!(r.len(), 1, "{t}");
        let m = parse_eml(&d, r[0]["file"].as_str().unwrap());
        assert_eq!(m.to, [who]);
        assert!(m.body.starts_with(&format!("Hei {name},")), "{}", m.body);
        assert!(m.body.contains("Jeg heter Ingrid Berg"), "{}", m.body);
        assert!(
            m.body.contains(&format!("Skriv referansenummer {id} og")),
            "{}",
            m.body
        );
        assert!(
            m.body.contains("Nordlys Retur\r\nReturadresse")
                || m.body.contains("Nordlys Retur\nReturadresse"),
            "{}",
            m.body
        );
        assert_eq!(m.body.matches("Vennlig hilsen").count(), 1, "{}", m.body);
        // The team heard of the transfer.
        assert_eq!(records(&t, "notification").len(), 1, "{t}");
    }
    assert_eq!(
        parse_eml(
            &d,
            records(&d.ticket(&kari), "reply")[0]["file"]
                .as_str()
                .unwrap()
        )
        .cc,
        ["per@example.no"]
    );
    let shown = d.ok(["show", &kari]);
    insta::assert_snapshot!(redacted(&shown, &d));

    // Applied again: the department and tag are there, but it replies again.
    d.set_now("2026-11-24T10:00:00Z");
    d.ok(["--as", "ingrid", "macro", "size-exchange", &kari]);
    assert_eq!(records(&d.ticket(&kari), "reply").len(), 2);
}

const MACROS: &str = r#"
[[macro]]
name = "escalate"
then = [
  { set = "priority", to = "urgent" },
  { assign = "sam" },
  { note = "{{agent.name}} escalated this: {{ticket.subject}}" },
  { notify = "assignee", template = "customer-replied" },
]

[[macro]]
name = "park"
then = [ { snooze = "2d" }, { add_tags = ["parked"] } ]

[[macro]]
name = "pend"
then = [ { set = "status", to = "pending" } ]
"#;

#[test]
fn a_macro_notes_notifies_and_snoozes_in_the_rules_vocabulary() {
    let d = team().acting_as("alex");
    let rules = d.read("rules.toml");
    d.write("rules.toml", &format!("{rules}{MACROS}"));
    let id = d.new_ticket("Printer on fire", &["--from", "kari@example.no"]);
    d.ok(["macro", "escalate", &id]);
    let t = d.ticket(&id);
    assert_eq!(t["priority"], "urgent");
    assert_eq!(t["assignee"], "sam");
    let note = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(note["kind"], "note");
    assert_eq!(note["author"], "agent:alex");
    // `{{agent.name}}` is the agent applying the macro, not the assignee.
    assert_eq!(note["body"], "Alex Lind escalated this: Printer on fire");
    let entry = t["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["via"], "macro:escalate");
    assert_eq!(entry["event"], "ticket.updated");
    let said = entry["note"].as_str().unwrap();
    assert!(
        said.starts_with("added a note; notified sam@example.com `customer-replied` (outbox/"),
        "{said}"
    );
    let n = records(&t, "notification");
    assert_eq!(n.len(), 1);
    assert_eq!(
        parse_eml(&d, n[0]["file"].as_str().unwrap()).to,
        ["sam@example.com"]
    );
    assert!(records(&t, "reply").is_empty(), "no reply without `reply`");

    d.ok(["macro", "park", &id]);
    let t = d.ticket(&id);
    assert_eq!(t["status"], "pending");
    assert_eq!(t["snoozed_until"], "2026-11-26T08:00:00Z");
    assert!(strings(&t["tags"]).contains(&"parked".to_string()));

    // Nothing left to do: nothing changes, and it says so.
    let out = d.run(["macro", "park", &id]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stderr, format!("{id}: nothing changed\n"));
}

#[test]
fn a_macro_is_all_or_nothing_across_its_tickets() {
    let d = team();
    let rules = d.read("rules.toml");
    d.write("rules.toml", &format!("{rules}{MACROS}"));
    let toml = d.read("desk.toml");
    d.write(
        "desk.toml",
        &format!(
            "{toml}\n[[type]]\nid = \"idea\"\nstatuses = [ {{ id = \"new\", category = \"new\" }}, {{ id = \"done\", category = \"solved\" }} ]\n"
        ),
    );
    let a = d.new_ticket("One", &["--from", "kari@example.no"]);
    let idea = d.new_ticket("Two", &["--type", "idea"]);
    let files = d.snapshot_files();
    let mut all = String::new();
    for (code, args) in [
        // Nobody acting.
        (2, vec!["macro", "pend", a.as_str()]),
        (1, vec!["--as", "alex", "macro", "pnd", a.as_str()]),
        (
            1,
            vec!["--as", "alex", "macro", "nothing-like-it", a.as_str()],
        ),
        // One unknown ID: the first ticket is not changed either.
        (
            1,
            vec![
                "--as",
                "alex",
                "macro",
                "pend",
                a.as_str(),
                "zzzzzzzzzzzzzz",
            ],
        ),
        // The second ticket's type has no `pending`: neither changes.
        (
            1,
            vec!["--as", "alex", "macro", "pend", a.as_str(), idea.as_str()],
        ),
    ] {
        let out = d.fails(code, &args);
        all.push_str(&format!("$ desk {}\n{out}\n", args.join(" ")));
    }
    let out = d.fails(2, ["--as", "alex", "macro", "pend"]);
    assert!(out.stderr.contains("<ID>..."), "{out}");
    assert_eq!(d.snapshot_files(), files);
    insta::assert_snapshot!(redacted(&all, &d));
}

#[test]
fn macros_are_checked_with_the_rules_at_their_place() {
    let d = team();
    let rules = d.read("rules.toml");
    let bad = r#"
[[macro]]
name = "typo-action"
then = [ { add_tag = ["x"] } ]

[[macro]]
name = "typo-field"
then = [ { set = "prority", to = "high" }, { set = "status", to = "pendng" } ]
reply = "recieved"

[[macro]]
name = "typo-field"
then = [ { add_tags = ["x"] } ]

[[macro]]
name = "rules-only"
then = [ { reply = "received" }, { run = "crm" }, { delete = true } ]

[[macro]]
name = "empty"
reply_to = "received"

[[macro]]
name = "policy"
then = [ { set = "sla", to = "gold" } ]
"#;
    d.write("rules.toml", &format!("{rules}{bad}"));
    let out = d.fails(1, ["rules", "check"]);
    assert!(
        out.stderr
            .lines()
            .all(|l| l.starts_with("desk: rules.toml:")),
        "{out}"
    );
    insta::assert_snapshot!(out.stderr);
    // Commands that change tickets refuse a broken rules.toml.
    let out = d.fails(1, ["--as", "alex", "macro", "policy", "zzzz"]);
    assert!(out.stderr.starts_with("desk: rules.toml:"), "{out}");
}

#[test]
fn rules_list_lists_the_macros_apart() {
    let d = Desk::example();
    let out = d.run(["rules", "list"]);
    assert_eq!(out.code, 0, "{out}");
    let table = out.stdout.split("\nMACRO").nth(1).expect("a macro section");
    insta::assert_snapshot!(format!("MACRO{table}"));
    assert!(out.stderr.ends_with("rules, 1 macro\n"), "{out}");
    let rows: Vec<Value> =
        serde_json::from_str(&d.ok(["rules", "list", "--format", "json"])).unwrap();
    let m: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "macro").collect();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["name"], "size-exchange");
    assert_eq!(
        strings(&m[0]["then"]),
        [
            "set department = returns",
            "tag +bytte",
            "reply exchange-instructions (as the agent)"
        ]
    );
    assert!(rows.iter().filter(|r| r["kind"] == "rule").count() > 20);
    let check = d.run(["rules", "check"]);
    assert!(check.stderr.ends_with(", 1 macro\n"), "{check}");
}

// ---------------------------------------------------------------------------------
// Merging tickets
// ---------------------------------------------------------------------------------

fn mail(from: &str, id: &str, date: &str, subject: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: support@example.com\n{extra}Subject: {subject}\nDate: {date}\nMessage-ID: {id}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

const RECEIPT: &str = "From: Lars Berg <lars@example.no>
To: support@example.com
Cc: per@example.no
Subject: The boots again
Date: Tue, 24 Nov 2026 08:30:00 +0000
Message-ID: <src-1@example.no>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=\"b\"

--b
Content-Type: text/plain; charset=utf-8

The receipt is attached.
--b
Content-Type: text/plain; name=\"receipt.txt\"
Content-Disposition: attachment; filename=\"receipt.txt\"

Order 55412, boots size 38.
--b--
";

/// Ingests one mail; returns its `--json` result.
fn ingest(d: &Desk, name: &str, text: &str) -> Value {
    let rel = format!("in/{name}.eml");
    d.write(&rel, text);
    let out = d.run(["ingest", "email", "--json", &rel]);
    assert_eq!(out.code, 0, "{out}");
    out.json()[0].clone()
}

/// Target (Kari's mail at 08:00, her reply at 09:00) and source (Lars's mail with a
/// receipt at 08:30, answered by Alex at 08:45), ready to merge at 09:10.
fn two_tickets() -> (Desk, String, String) {
    let mut d = team();
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}
[[rule]]
name = \"merged-tag\"
on = [\"ticket.merged\"]
then = [ {{ add_tags = [\"merged\"] }} ]
"
        ),
    );
    let target = ingest(
        &d,
        "t1",
        &mail(
            "Kari Nordmann <kari@example.no>",
            "<dst-1@example.no>",
            "Tue, 24 Nov 2026 08:00:00 +0000",
            "Wrong size",
            "",
            "The boots are too small.",
        ),
    )["ticket"]
        .as_str()
        .unwrap()
        .to_string();
    d.set_now("2026-11-24T08:30:00Z");
    let source = ingest(&d, "s1", RECEIPT)["ticket"]
        .as_str()
        .unwrap()
        .to_string();
    d.set_now("2026-11-24T08:45:00Z");
    d.ok([
        "--as",
        "alex",
        "reply",
        &source,
        "-m",
        "Thanks, we have it.",
    ]);
    d.ok(["set", &source, "+boots"]);
    d.set_now("2026-11-24T09:00:00Z");
    ingest(
        &d,
        "t2",
        &mail(
            "kari@example.no",
            "<dst-2@example.no>",
            "Tue, 24 Nov 2026 09:00:00 +0000",
            "Re: Wrong size",
            "In-Reply-To: <dst-1@example.no>\n",
            "Any news?",
        ),
    );
    d.set_now("2026-11-24T09:10:00Z");
    (d, source, target)
}

#[test]
fn a_merge_brings_the_conversation_into_the_target_in_time_order() {
    let (d, source, target) = two_tickets();
    let queued = d.outbox();
    let out = d.run(["--as", "alex", "merge", &source, &target]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stderr,
        format!("merged {source} into {target} (3 messages added); {source} is closed\n")
    );
    assert_eq!(d.outbox(), queued, "a merge mails nobody");

    let t = d.ticket(&target);
    let convo: Vec<(String, String, String)> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["at"].as_str().unwrap().to_string(),
                m["kind"].as_str().unwrap().to_string(),
                m["body"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let at = |h: &str| format!("2026-11-24T{h}:00Z");
    let expected = [
        ("08:00", "customer", "The boots are too small."),
        ("08:00", "auto", "Hello Kari Nordmann,"),
        ("08:30", "customer", "The receipt is attached."),
        ("08:30", "auto", "Hello Lars Berg,"),
        ("08:45", "reply", "Thanks, we have it."),
        ("09:00", "customer", "Any news?"),
    ]
    .map(|(h, k, b)| (at(h), k.to_string(), b.to_string()));
    assert_eq!(convo, expected);
    // The receipt came along: the target's message names the target's own copy.
    let receipt = &t["messages"][2]["attachments"][0];
    let file = receipt["file"].as_str().unwrap();
    assert_eq!(file, format!("attachments/{target}/receipt.txt"));
    assert_eq!(receipt["name"], "receipt.txt");
    assert_eq!(d.read(file).trim_end(), "Order 55412, boots size 38.");
    // The requester, followers and tags are united; the rule on ticket.merged ran.
    assert_eq!(t["requester"], "kari@example.no");
    assert_eq!(strings(&t["cc"]), ["lars@example.no", "per@example.no"]);
    assert_eq!(strings(&t["tags"]), ["boots", "merged"]);
    let entry = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == "ticket.merged")
        .unwrap()
        .clone();
    assert_eq!(entry["actor"], "agent:alex");
    assert_eq!(
        entry["note"],
        format!("merged {source} into this ticket (3 messages)")
    );

    // The source is closed, says where its conversation went, and keeps its own.
    let s = d.ticket(&source);
    assert_eq!(s["status"], "closed");
    assert_eq!(s["merged_into"], target.as_str());
    let last = s["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "note");
    assert_eq!(last["body"], format!("Merged into {target}"));
    assert_eq!(s["messages"].as_array().unwrap().len(), 4);
    assert!(
        !strings(&s["tags"]).contains(&"merged".to_string()),
        "no rules on the source"
    );

    insta::assert_snapshot!("merge-target", redacted(&d.ok(["show", &target]), &d));
    insta::assert_snapshot!("merge-source", redacted(&d.ok(["show", &source]), &d));
}

#[test]
fn mail_that_threads_to_a_merged_ticket_goes_to_the_target() {
    let (mut d, source, target) = two_tickets();
    d.ok(["--as", "alex", "merge", &source, &target]);
    d.set_now("2026-11-24T10:00:00Z");
    // A reply to the source's first message.
    let r = ingest(
        &d,
        "r1",
        &mail(
            "lars@example.no",
            "<src-2@example.no>",
            "Tue, 24 Nov 2026 10:00:00 +0000",
            "Re: The boots again",
            "In-Reply-To: <src-1@example.no>\n",
            "Did you get it?",
        ),
    );
    assert_eq!(r["result"], "added", "{r}");
    assert_eq!(r["ticket"], target.as_str(), "{r}");
    // A reply to mail sent from the source (the acknowledgement it sent).
    let ack = records(&d.ticket(&source), "auto-reply")[0]["message_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = ingest(
        &d,
        "r2",
        &mail(
            "lars@example.no",
            "<src-3@example.no>",
            "Tue, 24 Nov 2026 10:00:00 +0000",
            "Re: We received your request",
            &format!("In-Reply-To: {ack}\n"),
            "Hello?",
        ),
    );
    assert_eq!(r["ticket"], target.as_str(), "{r}");
    // A mail with the source's tag in its subject.
    let r = ingest(
        &d,
        "r3",
        &mail(
            "lars@example.no",
            "<src-4@example.no>",
            "Tue, 24 Nov 2026 10:00:00 +0000",
            &format!("About [#{source}]"),
            "",
            "Once more.",
        ),
    );
    assert_eq!(r["ticket"], target.as_str(), "{r}");
    let t = d.ticket(&target);
    let bodies: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(
        bodies.ends_with(&["Did you get it?", "Hello?", "Once more."]),
        "{bodies:?}"
    );
    assert_eq!(d.ticket(&source)["messages"].as_array().unwrap().len(), 4);
    // The same mail again is a duplicate, not a third copy.
    let again = ingest(&d, "r1-again", &d.read("in/r1.eml"));
    assert_eq!(again["result"], "duplicate", "{again}");

    // A chain: the target merged on into a third ticket; mail to the first follows both.
    let third = d.new_ticket("Boots, all of it", &["--from", "kari@example.no"]);
    d.ok(["--as", "alex", "merge", &target, &third]);
    let r = ingest(
        &d,
        "r4",
        &mail(
            "lars@example.no",
            "<src-5@example.no>",
            "Tue, 24 Nov 2026 10:00:00 +0000",
            "Re: The boots again",
            "In-Reply-To: <src-1@example.no>\n",
            "Still there?",
        ),
    );
    assert_eq!(r["ticket"], third.as_str(), "{r}");
}

#[test]
fn a_merge_refuses_what_cannot_be_one_conversation() {
    let (d, source, target) = two_tickets();
    let other = d.new_ticket("Something else", &[]);
    let files = d.snapshot_files();
    let mut all = String::new();
    let mut run = |args: Vec<&str>| {
        let out = d.fails(1, &args);
        all.push_str(&format!("$ desk {}\n{out}\n", args.join(" ")));
    };
    run(vec!["merge", &source, &source]);
    run(vec!["merge", &source, "zzzzzzzzzzzzzz"]);
    run(vec!["merge", "zzzz", &target]);
    assert_eq!(d.snapshot_files(), files);
    d.ok(["--as", "alex", "merge", &source, &target]);
    let files = d.snapshot_files();
    let mut all2 = String::new();
    for args in [
        vec!["merge", &source, &other],
        vec!["merge", &other, &source],
        vec!["merge", &target, &source],
    ] {
        let out = d.fails(1, &args);
        all2.push_str(&format!("$ desk {}\n{out}\n", args.join(" ")));
    }
    assert_eq!(d.snapshot_files(), files);
    let named = format!("{all}{all2}")
        .replace(&source, "[SOURCE]")
        .replace(&target, "[TARGET]")
        .replace(&other, "[OTHER]");
    insta::assert_snapshot!(redact(&named, &d));
}

#[test]
fn the_git_merge_driver_keeps_merged_into_with_the_other_sides_changes() {
    let (d, source, target) = two_tickets();
    let base = d.read(&format!("tickets/{source}.json"));
    d.ok(["--as", "alex", "merge", &source, &target]);
    let ours = d.read(&format!("tickets/{source}.json"));
    // The other clone tagged the source meanwhile.
    let mut theirs: Value = serde_json::from_str(&base).unwrap();
    theirs["tags"] = serde_json::json!(["boots", "urgent"]);
    d.write("m/base.json", &base);
    d.write("m/ours.json", &ours);
    d.write(
        "m/theirs.json",
        &serde_json::to_string_pretty(&theirs).unwrap(),
    );
    d.ok([
        "merge-file",
        "m/base.json",
        "m/ours.json",
        "m/theirs.json",
        &format!("tickets/{source}.json"),
    ]);
    let merged: Value = serde_json::from_str(&d.read("m/ours.json")).unwrap();
    assert_eq!(merged["merged_into"], target.as_str());
    assert_eq!(merged["status"], "closed");
    assert_eq!(strings(&merged["tags"]), ["boots", "urgent"]);
}
