//! Followers (`cc`): the people a customer copies on their mail follow the ticket and
//! are copied on every public reply to the requester (an agent's or a rule's), never on
//! internal notes or agents' notifications. `desk set +cc:/-cc:`, `desk new --cc`,
//! conditions on `cc`, `desk show` and JSON, and delivery by SMTP to every copied
//! address, checked on a real server.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::*;
use crate::outbox::Server;

/// Kari writes to the shop's support and to her partner Lars, copying Per, an agent,
/// another department, a robot and herself: only Lars and Per follow.
const KARI: &str = "From: Kari Nordmann <kari@example.no>
To: Nordlys Kundeservice <support@nordlys.example>, Lars Berg <Lars.Berg@Example.no>
Cc: Per Hansen <per@example.no>, Ingrid Berg <ingrid@nordlys.example>,
 Nordlys Retur <returns@nordlys.example>, noreply@posten.example, kari@example.no
Delivered-To: support@nordlys.example
Subject: =?utf-8?q?St=C3=B8vlene_kom_i_feil_st=C3=B8rrelse?=
Message-ID: <kari-1@example.no>
Date: Tue, 24 Nov 2026 09:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hei!

Jeg bestilte støvler i str. 38, men fikk 40. Lars og Per følger saken.

Hilsen Kari
";

const FOLLOWERS: [&str; 2] = ["lars.berg@example.no", "per@example.no"];

fn corpus(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mail/corpus")
        .join(rel);
    // Some corpus mail is not UTF-8; the tests read only its ASCII headers.
    String::from_utf8_lossy(&std::fs::read(&p).expect("corpus file")).into_owned()
}

/// Ingests one mail (written to `in/NAME.eml`); returns its result.
fn ingest(d: &Desk, name: &str, mail: &str) -> Value {
    let file = format!("in/{name}.eml");
    d.write(&file, mail);
    let out = d.run(["ingest", "email", "--json", &file]);
    assert_eq!(out.code, 0, "{out}");
    out.json()[0].clone()
}

/// The ticket's mail records of one kind (`reply`, `auto-reply`, `notification`).
fn records(t: &Value, kind: &str) -> Vec<Value> {
    t["mail"]
        .as_array()
        .map(|a| a.iter().filter(|r| r["kind"] == kind).cloned().collect())
        .unwrap_or_default()
}

/// A header of a queued message, unfolded; `None` when absent.
fn header(d: &Desk, record: &Value, name: &str) -> Option<String> {
    let text = d.read(record["file"].as_str().expect("file"));
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut lines: Vec<String> = Vec::new();
    for l in head.split("\r\n") {
        match (l.starts_with([' ', '\t']), lines.last_mut()) {
            (true, Some(last)) => last.push_str(l),
            _ => lines.push(l.to_string()),
        }
    }
    lines.into_iter().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
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

#[test]
fn the_customers_cc_follows_and_is_copied_on_public_replies_only() {
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    let r = ingest(&d, "kari", KARI);
    assert_eq!(r["result"], "created", "{r}");
    let id = r["ticket"].as_str().unwrap().to_string();
    let t = d.ticket(&id);
    assert_eq!(t["requester"], "kari@example.no");
    assert_eq!(
        t["cc"],
        json!(FOLLOWERS),
        "To and Cc, lowercase, sorted; not the helpdesk's, an agent's, a robot's or the requester's"
    );

    // The rule's acknowledgement goes to Kari with her followers copied.
    let auto = records(&t, "auto-reply");
    assert_eq!(auto.len(), 1, "{t}");
    assert_eq!(auto[0]["to"], json!(["kari@example.no"]));
    assert_eq!(auto[0]["cc"], json!(FOLLOWERS));
    let cc = header(&d, &auto[0], "Cc").expect("a Cc header");
    assert_eq!(cc, "lars.berg@example.no, per@example.no");
    assert!(
        header(&d, &auto[0], "To")
            .unwrap()
            .contains("kari@example.no")
    );
    let history = t["history"].to_string();
    assert!(
        history.contains("to kari@example.no, cc lars.berg@example.no, per@example.no"),
        "the rule's history says who was copied: {history}"
    );

    // An agent's reply: copied too.
    d.ok([
        "--as",
        "ingrid",
        "reply",
        &id,
        "-m",
        "Vi sender str. 38 i dag.",
    ]);
    // A note and a transfer (whose rule notifies the department): nothing to followers.
    d.ok(["--as", "ingrid", "note", &id, "-m", "Lager sjekket."]);
    d.ok(["--as", "ingrid", "transfer", &id, "returns"]);
    let t = d.ticket(&id);
    let replies = records(&t, "reply");
    assert_eq!(replies.len(), 1, "{t}");
    assert_eq!(replies[0]["cc"], json!(FOLLOWERS));
    assert_eq!(
        header(&d, &replies[0], "Cc").as_deref(),
        Some("lars.berg@example.no, per@example.no")
    );
    let notes = records(&t, "notification");
    assert!(
        !notes.is_empty(),
        "the transfer notified the department: {t}"
    );
    for n in &notes {
        assert!(n.get("cc").is_none(), "{n}");
        assert_eq!(header(&d, n, "Cc"), None, "{n}");
        for a in FOLLOWERS {
            assert!(!strings(&n["to"]).iter().any(|x| x == a), "{n}");
        }
    }
    assert_eq!(t["mail"].as_array().unwrap().len(), 2 + notes.len(), "{t}");
}

#[test]
fn replies_bring_their_cc_and_sender_but_robots_and_agents_do_not() {
    let mut d = Desk::example().at("2026-11-24T09:30:00Z");
    let id = ingest(&d, "kari", KARI)["ticket"]
        .as_str()
        .unwrap()
        .to_string();

    // Lars answers all, copying Siri.
    d.set_now("2026-11-24T10:00:00Z");
    let lars = "From: Lars Berg <lars.berg@example.no>
To: support@nordlys.example
Cc: Kari Nordmann <kari@example.no>, Siri Dahl <siri@example.no>
Subject: Re: Stovlene kom i feil storrelse
Message-ID: <lars-1@example.no>
In-Reply-To: <kari-1@example.no>
References: <kari-1@example.no>
Date: Tue, 24 Nov 2026 10:59:00 +0100

Siri henter pakken.
";
    let r = ingest(&d, "lars", lars);
    assert_eq!(r["result"], "added", "{r}");
    let t = d.ticket(&id);
    assert_eq!(
        t["cc"],
        json!(["lars.berg@example.no", "per@example.no", "siri@example.no"])
    );
    let h = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"] == "customer.replied")
        .expect("the reply's history entry");
    assert_eq!(h["actor"], "customer:lars.berg@example.no");
    assert_eq!(
        h["changes"],
        json!([{
            "field": "cc",
            "from": ["lars.berg@example.no", "per@example.no"],
            "to": ["lars.berg@example.no", "per@example.no", "siri@example.no"],
        }])
    );

    // Somebody new writes into the thread by its tag: they follow from now on.
    let ola = format!(
        "From: Ola Hansen <ola@example.no>
To: support@nordlys.example
Subject: Re: [#{id}]
Message-ID: <ola-1@example.no>
Date: Tue, 24 Nov 2026 11:00:00 +0100

Jeg er Karis nabo og kan ta imot pakken.
"
    );
    assert_eq!(ingest(&d, "ola", &ola)["result"], "added");
    let before = d.ticket(&id)["cc"].clone();
    assert_eq!(
        before,
        json!([
            "lars.berg@example.no",
            "ola@example.no",
            "per@example.no",
            "siri@example.no"
        ])
    );

    // An out-of-office reply and an agent's mail add nobody, whatever they copy.
    let away = "From: Per Hansen <per@example.no>
To: support@nordlys.example
Cc: assistant@example.no
Subject: Fravaer: Stovlene
Auto-Submitted: auto-replied
Message-ID: <per-ooo@example.no>
In-Reply-To: <kari-1@example.no>
Date: Tue, 24 Nov 2026 11:01:00 +0100

Jeg er bortreist til mandag.
";
    assert_eq!(ingest(&d, "away", away)["result"], "added");
    let agent = "From: Ingrid Berg <ingrid@nordlys.example>
To: support@nordlys.example
Cc: boss@example.no
Subject: Re: Stovlene
Message-ID: <ingrid-1@nordlys.example>
In-Reply-To: <kari-1@example.no>
Date: Tue, 24 Nov 2026 11:02:00 +0100

Internt: sjekk lageret.
";
    assert_eq!(ingest(&d, "agent", agent)["result"], "added");
    assert_eq!(d.ticket(&id)["cc"], before);
}

/// Kari's ticket, acknowledged and answered by an agent: two public replies queued.
fn answered() -> (Desk, String) {
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    let id = ingest(&d, "kari", KARI)["ticket"]
        .as_str()
        .unwrap()
        .to_string();
    d.ok([
        "--as",
        "ingrid",
        "reply",
        &id,
        "-m",
        "Vi sender str. 38 i dag.",
    ]);
    (d, id)
}

#[test]
fn smtp_delivers_every_reply_to_the_requester_and_the_followers() {
    let server = Server::start();
    let (d, id) = answered();
    let out = d.run(["outbox", "send", "--smtp", &server.url(), "--json"]);
    assert_eq!(out.code, 0, "{out}");
    check_delivered(&d, &server, &id);
}

#[test]
fn a_sendmail_client_delivers_to_the_followers_too() {
    let server = Server::start();
    let (d, id) = answered();
    crate::outbox::send_through_sendmail(&d, server.port());
    check_delivered(&d, &server, &id);
}

/// Both public replies reached Kari with her followers in Cc and in the envelope; the
/// notifications copied nobody; every record is sent.
fn check_delivered(d: &Desk, server: &Server, id: &str) {
    let got = server.received();
    let to_kari: Vec<&Value> = got
        .iter()
        .filter(|m| m["to"][0]["address"] == "kari@example.no")
        .collect();
    assert_eq!(
        to_kari.len(),
        2,
        "the acknowledgement and the reply: {got:?}"
    );
    for m in to_kari {
        let cc: Vec<&str> = m["cc"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["address"].as_str().unwrap())
            .collect();
        assert_eq!(cc, FOLLOWERS, "{m}");
        let mut rcpt = strings(&m["envelope"]["rcpt_tos"]);
        rcpt.sort();
        assert_eq!(
            rcpt,
            ["kari@example.no", "lars.berg@example.no", "per@example.no"],
            "the envelope holds the Cc recipients: {m}"
        );
    }
    for m in got
        .iter()
        .filter(|m| m["to"][0]["address"] != "kari@example.no")
    {
        assert_eq!(m["cc"], json!([]), "a notification copies nobody: {m}");
    }
    let t = d.ticket(id);
    assert!(
        t["mail"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "sent"),
        "{t}"
    );
}

/// The corpus's mail with two Cc headers (`Cc:` and `cc:`): both count. The helpdesk
/// received it for Daniel, its To, who is not copied on his own mail.
#[test]
fn corpus_mail_with_two_cc_headers_copies_both() {
    let d = Desk::new();
    let r = ingest(&d, "broken-cc", &corpus("notmuch-broken/broken-cc"));
    assert_eq!(r["result"], "created", "{r}");
    let t = d.ticket(r["ticket"].as_str().unwrap());
    assert_eq!(t["requester"], "alice@example.org");
    assert_eq!(t["cc"], json!(["bob@example.org", "charles@example.org"]));
    let auto = records(&t, "auto-reply");
    assert_eq!(auto.len(), 1, "{t}");
    assert_eq!(
        header(&d, &auto[0], "Cc").as_deref(),
        Some("bob@example.org, charles@example.org")
    );
}

/// Lotus Notes mail to a vendor with the helpdesk in Cc: the vendor (in To) follows, the
/// helpdesk's own address does not.
#[test]
fn corpus_mail_to_someone_else_copying_the_helpdesk() {
    let d = Desk::new();
    let r = ingest(&d, "notes", &corpus("rt-gateway/notes-uuencoded"));
    assert_eq!(r["result"], "created", "{r}");
    let t = d.ticket(r["ticket"].as_str().unwrap());
    assert_eq!(t["requester"], "mhenrion@example.com");
    assert_eq!(t["cc"], json!(["jesse@vendor.example.com"]));
}

/// Mail from a mailing list copies the list: no follower, or every reply would go to it.
#[test]
fn corpus_list_mail_adds_no_followers() {
    let d = Desk::new();
    let r = ingest(&d, "list", &corpus("notmuch-default/bar/new/22:2,"));
    assert_eq!(r["result"], "created", "{r}");
    let text = d.read(&format!("tickets/{}.json", r["ticket"].as_str().unwrap()));
    assert!(!text.contains("\"cc\""), "{text}");
}

#[test]
fn set_adds_and_removes_followers_and_show_lists_them() {
    let mut d = Desk::new().at("2026-11-24T09:00:00Z");
    let id = d.new_ticket(
        "Skriveren brenner",
        &[
            "-m",
            "Det lukter svidd.",
            "--from",
            "kari@example.no",
            "--name",
            "Kari Nordmann",
            "--cc",
            "Lars@Example.no",
        ],
    );
    assert_eq!(d.ticket(&id)["cc"], json!(["lars@example.no"]));
    // A ticket without followers keeps its old form: no `cc` key at all.
    let plain = d.new_ticket("Uten kopi", &["-m", "x", "--from", "kari@example.no"]);
    assert!(!d.read(&format!("tickets/{plain}.json")).contains("\"cc\""));

    d.set_now("2026-11-24T09:05:00Z");
    d.ok(["set", &id, "+cc:per@example.no", "-cc:lars@example.no"]);
    d.ok(["set", &id, "+cc:siri@example.no", "+cc:PER@example.no"]);
    let t = d.ticket(&id);
    assert_eq!(t["cc"], json!(["per@example.no", "siri@example.no"]));
    let h = t["history"].as_array().unwrap();
    assert_eq!(h[h.len() - 2]["event"], "ticket.updated");
    assert_eq!(
        h[h.len() - 2]["changes"],
        json!([{ "field": "cc", "from": ["lars@example.no"], "to": ["per@example.no"] }])
    );
    assert_eq!(
        h[h.len() - 1]["changes"],
        json!([{ "field": "cc", "from": ["per@example.no"], "to": ["per@example.no", "siri@example.no"] }])
    );
    // Removing somebody who does not follow changes nothing.
    let out = d.run(["set", &id, "-cc:nobody@example.no"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("nothing changed"), "{out}");

    // Mistakes: one line, exit 1, no file changed (the good change beside them neither).
    let files = d.snapshot_files();
    for (change, says) in [
        ("+cc:support@example.com", "the helpdesk's own address"),
        ("+cc:kari@example.no", "is the requester"),
        ("+cc:not-an-address", "is not an email address"),
        ("cc=per@example.no", "+cc:ADDR"),
    ] {
        let out = d.fails(1, ["set", &id, "priority=high", change]);
        assert!(out.stderr.contains(says), "{change}: {out}");
        assert_eq!(out.stderr.trim().lines().count(), 1, "{out}");
        assert_eq!(d.snapshot_files(), files, "{change} changed a file");
    }
    for cc in ["support@example.com", "not-an-address"] {
        d.fails(
            1,
            ["new", "-s", "x", "--from", "ola@example.no", "--cc", cc],
        );
        assert_eq!(d.snapshot_files(), files, "new --cc {cc} made a file");
    }

    let out = d.run(["show", &id]);
    insta::assert_snapshot!(redact(&out.to_string(), &d));

    // JSON: the file as stored, and listings.
    let shown = d.run(["show", &id, "--json"]).json();
    assert_eq!(shown["cc"], json!(["per@example.no", "siri@example.no"]));
    let listed = d.run(["list", "--format", "json"]).json();
    let row = |t: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == t)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&id)["cc"], json!(["per@example.no", "siri@example.no"]));
    assert!(row(&plain).get("cc").is_none());
    let jsonl = d.ok(["list", "--format", "jsonl"]);
    assert!(
        jsonl.contains(r#""cc":["per@example.no","siri@example.no"]"#),
        "{jsonl}"
    );
    // Filters: by address, with `+cc:`/`-cc:` like tags.
    assert_eq!(
        d.ok(["list", "cc=Siri@example.no", "--format", "ids"])
            .trim(),
        id
    );
    assert_eq!(
        d.ok(["list", "+cc:per@example.no", "--format", "ids"])
            .trim(),
        id
    );
    assert_eq!(
        d.ok(["list", "-cc:per@example.no", "--format", "ids"])
            .trim(),
        plain
    );
}

#[test]
fn conditions_test_followers_and_rules_check_their_values() {
    let d = Desk::new();
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            r#"{rules}
[[rule]]
name = "partner-copied"
on = ["ticket.created", "ticket.updated"]
if.all = [ {{ field = "cc", op = "ends_with", value = "@partner.example" }} ]
then = [ {{ add_tags = ["partner"] }} ]

[[rule]]
name = "followers-changed"
on = ["ticket.updated"]
if.all = [ {{ field = "cc", op = "changed" }} ]
then = [ {{ note = "Followers now: {{{{ticket.cc}}}}" }} ]
"#
        ),
    );
    d.ok(["rules", "check"]);
    let a = d.new_ticket(
        "Avtale",
        &["--from", "kari@example.no", "--cc", "ole@partner.example"],
    );
    let b = d.new_ticket("Annen sak", &["--from", "kari@example.no"]);
    assert_eq!(d.ticket(&a)["tags"], json!(["partner"]));
    assert_eq!(d.ticket(&b)["tags"], json!([]));
    d.ok(["set", &b, "+cc:Mia@Partner.example"]);
    let t = d.ticket(&b);
    assert_eq!(t["tags"], json!(["partner"]));
    let note = t["messages"].as_array().unwrap().last().unwrap();
    assert_eq!(note["body"], "Followers now: mia@partner.example");
    // `rules test` on a draft with followers.
    d.write(
        "draft.json",
        r#"{"subject": "Utkast", "from": "kari@example.no", "cc": ["x@partner.example"]}"#,
    );
    let out = d.ok(["rules", "test", "--ticket", "draft.json"]);
    assert!(out.contains("partner-copied"), "{out}");

    // A value that is not an address is a mistake at load, with its place.
    d.write(
        "rules.toml",
        &format!(
            r#"{rules}
[[rule]]
name = "partner-domain"
on = ["ticket.created"]
if.all = [ {{ field = "cc", op = "contains", value = "partner.example" }} ]
then = [ {{ add_tags = ["partner"] }} ]
"#
        ),
    );
    let out = d.fails(1, ["rules", "check"]);
    assert!(
        out.stderr.contains("rules.toml:")
            && out.stderr.contains(
                "`partner.example` is not an email address: `cc` holds followers' addresses"
            ),
        "{out}"
    );
}
