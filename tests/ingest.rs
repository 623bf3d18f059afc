//! One inbox: mail, web forms, chat and CSV imports through the real binary. Threading,
//! idempotency, mail-loop safety, bounces, routing inputs, schema errors.

use serde_json::Value;

use crate::common::Desk;

/// A plain UTF-8 mail.
fn mail(from: &str, to: &str, subject: &str, id: Option<&str>, extra: &str, body: &str) -> String {
    let id = id.map(|i| format!("Message-ID: {i}\n")).unwrap_or_default();
    format!(
        "From: {from}\nTo: {to}\nSubject: {subject}\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n{id}{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    )
}

/// Ingests files written under `in/`; returns the parsed `--json` results.
fn ingest(d: &Desk, files: &[(&str, &str)]) -> Vec<Value> {
    let mut args = vec!["ingest".to_string(), "email".into(), "--json".into()];
    for (name, text) in files {
        let rel = format!("in/{name}");
        d.write(&rel, text);
        args.push(d.path(&rel).display().to_string());
    }
    let out = d.run(&args);
    assert!(out.code == 0 || out.code == 1, "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
    match out.json() {
        Value::Array(a) => a,
        other => panic!("not an array: {other}"),
    }
}

/// Files in a folder of the helpdesk, not counting `.gitkeep`.
fn count(d: &Desk, dir: &str) -> usize {
    std::fs::read_dir(d.path(dir))
        .map(|r| {
            r.filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

/// The default helpdesk with one agent, Alex, in support.
fn with_agent() -> Desk {
    let d = Desk::new();
    let toml = d.read("desk.toml");
    d.write(
        "desk.toml",
        &format!(
            "{toml}\n[[agent]]\nid = \"alex\"\nname = \"Alex\"\nemail = \"alex@example.com\"\ndepartments = [\"support\"]\n"
        ),
    );
    d.acting_as("alex")
}

fn field<'a>(r: &'a Value, k: &str) -> &'a str {
    r[k].as_str().unwrap_or("")
}

fn auto_reply_id(t: &Value) -> String {
    t["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["kind"] == "auto"))
        .and_then(|m| m["message_id"].as_str())
        .expect("an auto-reply with a Message-ID")
        .to_string()
}

#[test]
fn replies_thread_by_their_headers_or_the_subject_tag() {
    let d = Desk::new();
    let r = ingest(
        &d,
        &[(
            "a.eml",
            &mail(
                "Kari Hansen <kari@example.no>",
                "support@example.com",
                "Bytte av støvler",
                Some("<a1@example.no>"),
                "",
                "Hei, støvlene er for små.",
            ),
        )],
    );
    assert_eq!(field(&r[0], "result"), "created");
    let id = field(&r[0], "ticket").to_string();
    let t = d.ticket(&id);
    assert_eq!(t["channel"], "email");
    assert_eq!(t["requester"], "kari@example.no");
    assert_eq!(t["messages"][0]["body"], "Hei, støvlene er for små.");
    assert_eq!(t["messages"][0]["to"], "support@example.com");
    // The default rule acknowledged it by mail with the ticket's tag in the subject.
    let ack = auto_reply_id(&t);
    assert_eq!(count(&d, "outbox"), 1);
    let customer: Value = serde_json::from_str(&d.read("customers/kari@example.no.json")).unwrap();
    assert_eq!(customer["name"], "Kari Hansen");

    // Answering the acknowledgement (a Message-ID the helpdesk sent) joins the ticket;
    // so does a mail carrying only `[#ID]`; anything else opens a ticket.
    let r = ingest(
        &d,
        &[
            (
                "b.eml",
                &mail(
                    "kari@example.no",
                    "support@example.com",
                    "Re: ack",
                    Some("<b1@example.no>"),
                    &format!("In-Reply-To: {ack}\nReferences: <a1@example.no> {ack}\n"),
                    "Takk!",
                ),
            ),
            (
                "c.eml",
                &mail(
                    "kari@example.no",
                    "support@example.com",
                    &format!("Glemte bildet [#{id}]"),
                    Some("<c1@example.no>"),
                    "",
                    "Her er det.",
                ),
            ),
            (
                "d.eml",
                &mail(
                    "ola@example.no",
                    "support@example.com",
                    "Noe helt annet",
                    Some("<d1@example.no>"),
                    "",
                    "Hei.",
                ),
            ),
        ],
    );
    let results: Vec<(&str, &str)> = r
        .iter()
        .map(|r| (field(r, "result"), field(r, "ticket")))
        .collect();
    assert_eq!(results[0], ("added", id.as_str()));
    assert_eq!(results[1], ("added", id.as_str()));
    assert_eq!(results[2].0, "created");
    assert_ne!(results[2].1, id);
    let t = d.ticket(&id);
    let history: Vec<&str> = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        history.iter().filter(|e| **e == "customer.replied").count(),
        2
    );
    let authors: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    assert_eq!(
        authors,
        [
            "customer:kari@example.no",
            "rule:received-auto-reply",
            "customer:kari@example.no",
            "customer:kari@example.no"
        ]
    );
}

#[test]
fn the_same_message_twice_adds_nothing_in_any_order_across_runs() {
    let d = Desk::new();
    let parent = mail(
        "a@example.org",
        "support@example.com",
        "Parent",
        Some("<p@example.org>"),
        "",
        "first",
    );
    let child = mail(
        "a@example.org",
        "support@example.com",
        "Re: Parent",
        Some("<c@example.org>"),
        "In-Reply-To: <p@example.org>\n",
        "second",
    );
    let no_id = mail(
        "b@example.org",
        "support@example.com",
        "No ID",
        None,
        "",
        "x",
    );
    // The reply arrives first; its parent still joins the same ticket.
    let r = ingest(
        &d,
        &[("1.eml", &child), ("2.eml", &parent), ("3.eml", &no_id)],
    );
    assert_eq!(field(&r[0], "result"), "created");
    assert_eq!(field(&r[1], "result"), "added");
    assert_eq!(field(&r[0], "ticket"), field(&r[1], "ticket"));
    let derived = field(&r[2], "message_id").to_string();
    assert!(derived.ends_with("@desk.invalid>"), "{derived}");

    let before = d.snapshot_files();
    // Again, in the other order, and the ID-less one from an mbox this time.
    let mbox = format!("From b@example.org Mon Nov 23 10:00:00 2026\n{no_id}");
    let r = ingest(
        &d,
        &[("4.eml", &parent), ("5.eml", &child), ("6.mbox", &mbox)],
    );
    for x in &r {
        assert_eq!(field(x, "result"), "duplicate", "{x}");
    }
    assert_eq!(field(&r[2], "message_id"), derived);
    let after: Vec<_> = d
        .snapshot_files()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("in/"))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(p, _)| !p.starts_with("in/"))
        .collect();
    assert!(before == after, "a second ingest changed files");
}

#[test]
fn a_customer_reply_wakes_a_snoozed_ticket_and_reopens_it() {
    let d = with_agent();
    let r = ingest(
        &d,
        &[(
            "a.eml",
            &mail(
                "kari@example.no",
                "support@example.com",
                "Hjelp",
                Some("<w1@example.no>"),
                "",
                "Hei",
            ),
        )],
    );
    let id = field(&r[0], "ticket").to_string();
    d.ok(["snooze", &id, "--until", "3d"]);
    assert!(d.ticket(&id)["snoozed_until"].is_string());
    let r = ingest(
        &d,
        &[(
            "b.eml",
            &mail(
                "kari@example.no",
                "support@example.com",
                &format!("Re: Hjelp [#{id}]"),
                Some("<w2@example.no>"),
                "",
                "Nå haster det",
            ),
        )],
    );
    assert_eq!(field(&r[0], "result"), "added");
    let t = d.ticket(&id);
    assert_eq!(t["status"], "open");
    assert_eq!(t["snoozed_until"], Value::Null);
}

#[test]
fn machine_mail_gets_no_automatic_answer_and_does_not_reopen() {
    let d = with_agent();
    let r = ingest(
        &d,
        &[(
            "a.eml",
            &mail(
                "kari@example.no",
                "support@example.com",
                "Hjelp",
                Some("<o1@example.no>"),
                "",
                "Hei",
            ),
        )],
    );
    let id = field(&r[0], "ticket").to_string();
    let ack = auto_reply_id(&d.ticket(&id));
    d.ok(["reply", &id, "-m", "Har du ordrenummeret?"]);
    assert_eq!(d.ticket(&id)["status"], "pending");
    let outbox = || count(&d, "outbox");
    let queued = outbox();

    let r = ingest(
        &d,
        &[
            (
                "ooo.eml",
                &mail(
                    "kari@example.no",
                    "support@example.com",
                    "Fravær: Hjelp",
                    Some("<o2@example.no>"),
                    &format!("In-Reply-To: {ack}\nAuto-Submitted: auto-replied\n"),
                    "Jeg er på ferie til mandag.",
                ),
            ),
            (
                "list.eml",
                &mail(
                    "news@example.org",
                    "support@example.com",
                    "Nyhetsbrev",
                    Some("<o3@example.org>"),
                    "Precedence: bulk\nList-Id: <news.example.org>\n",
                    "Tilbud!",
                ),
            ),
            (
                "noreply.eml",
                &mail(
                    "no-reply@shop.example.org",
                    "support@example.com",
                    "Din ordre",
                    Some("<o4@example.org>"),
                    "",
                    "Kvittering",
                ),
            ),
        ],
    );
    assert_eq!(field(&r[0], "result"), "added");
    let t = d.ticket(&id);
    assert_eq!(
        t["status"], "pending",
        "an out-of-office reply must not reopen"
    );
    let last = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["auto"], true);
    // Two new tickets, and not one automatic answer to either.
    assert_eq!(field(&r[1], "result"), "created");
    assert_eq!(field(&r[2], "result"), "created");
    assert_eq!(outbox(), queued, "no automatic mail to robots");
    let news = d.ticket(field(&r[1], "ticket"));
    assert!(
        news["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["note"].as_str().unwrap_or("").contains("no reply")),
        "the refusal is on record: {news}"
    );
}

#[test]
fn a_bounce_becomes_a_note_on_the_ticket_whose_mail_bounced() {
    let d = Desk::new();
    let r = ingest(
        &d,
        &[(
            "a.eml",
            &mail(
                "kari@example.no",
                "support@example.com",
                "Hjelp",
                Some("<b1@example.no>"),
                "",
                "Hei",
            ),
        )],
    );
    let id = field(&r[0], "ticket").to_string();
    let ack = auto_reply_id(&d.ticket(&id));
    let bounce = format!(
        "From: MAILER-DAEMON@mx.example.no\nTo: support@example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <bounce1@mx.example.no>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nThe mail could not be delivered: user unknown.\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.no\n\nFinal-Recipient: rfc822; kari@example.no\nAction: failed\nStatus: 5.1.1\n\n--B\nContent-Type: message/rfc822\n\nFrom: support@example.com\nTo: kari@example.no\nSubject: We have received your request\nMessage-ID: {ack}\n\nThank you.\n--B--\n"
    );
    let outbox = count(&d, "outbox");
    let r = ingest(&d, &[("bounce.eml", &bounce)]);
    assert_eq!(field(&r[0], "result"), "bounce");
    assert_eq!(field(&r[0], "ticket"), id);
    let t = d.ticket(&id);
    let note = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(note["kind"], "note");
    assert_eq!(note["author"], "system");
    assert!(
        note["body"].as_str().unwrap().contains("user unknown"),
        "{note}"
    );
    assert_eq!(count(&d, "tickets"), 1);
    assert_eq!(count(&d, "outbox"), outbox);
}

#[test]
fn rules_route_by_the_address_mail_was_sent_to() {
    let d = Desk::new();
    d.write(
        "rules.toml",
        r#"
[[rule]]
name = "ideas"
on = ["ticket.created"]
if.all = [ { field = "message.to", op = "is", value = "ideas@example.com" } ]
then = [ { add_tags = ["idea"] } ]
"#,
    );
    let r = ingest(
        &d,
        &[(
            "a.eml",
            &mail(
                "\"Berg, Ingrid\" <ingrid@example.no>",
                "Ideas <ideas@example.com>, other@example.org",
                "Idé",
                Some("<i1@example.no>"),
                "",
                "Lei ut skiene",
            ),
        )],
    );
    let t = d.ticket(field(&r[0], "ticket"));
    assert_eq!(t["tags"], serde_json::json!(["idea"]));
    let c: Value = serde_json::from_str(&d.read("customers/ingrid@example.no.json")).unwrap();
    assert_eq!(c["name"], "Berg, Ingrid");
}

#[test]
fn attachments_are_saved_under_safe_names_and_listed_on_the_message() {
    let d = Desk::new();
    let m = "From: a@example.org\nTo: support@example.com\nSubject: Bilde\nMessage-ID: <att1@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"X\"\n\n--X\nContent-Type: text/plain; charset=utf-8\n\nSe vedlegg.\n--X\nContent-Type: image/png\nContent-Disposition: attachment; filename*=UTF-8''..%2F..%2Fskadet-s%C3%A5l.png\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n--X--\n";
    let r = ingest(&d, &[("a.eml", m)]);
    let id = field(&r[0], "ticket").to_string();
    let t = d.ticket(&id);
    let a = &t["messages"][0]["attachments"][0];
    assert_eq!(a["name"], "../../skadet-sål.png");
    assert_eq!(a["file"], format!("attachments/{id}/skadet-sål.png"));
    assert_eq!(a["size"], 5);
    assert_eq!(a["type"], "image/png");
    assert_eq!(
        std::fs::read(d.path(&format!("attachments/{id}/skadet-sål.png"))).unwrap(),
        b"hello"
    );
}

#[test]
fn maildir_messages_move_from_new_to_cur_once_stored() {
    let d = Desk::new();
    d.write(
        "Maildir/new/1700000000.1.host",
        &mail(
            "a@example.org",
            "support@example.com",
            "En",
            Some("<md1@x>"),
            "",
            "1",
        ),
    );
    d.write(
        "Maildir/cur/1700000000.2.host:2,",
        &mail(
            "b@example.org",
            "support@example.com",
            "To",
            Some("<md2@x>"),
            "",
            "2",
        ),
    );
    d.write("Maildir/tmp/1700000000.3.host", "being delivered");
    d.write(
        "Maildir/.Sub/new/1700000000.4.host",
        &mail(
            "c@example.org",
            "support@example.com",
            "Tre",
            Some("<md3@x>"),
            "",
            "3",
        ),
    );
    std::fs::create_dir_all(d.path("Maildir/.Sub/cur")).unwrap();
    let out = d.run(["ingest", "email", "--json", "Maildir"]);
    assert_eq!(out.code, 0, "{out}");
    let r = out.json();
    assert_eq!(r.as_array().unwrap().len(), 3, "tmp/ is not read: {r}");
    assert!(d.path("Maildir/cur/1700000000.1.host:2,S").is_file());
    assert!(d.path("Maildir/cur/1700000000.2.host:2,").is_file());
    assert!(d.path("Maildir/.Sub/cur/1700000000.4.host:2,S").is_file());
    assert!(!d.path("Maildir/new/1700000000.1.host").exists());
    // Ingesting again finds nothing new; --keep leaves new/ alone.
    d.write(
        "Maildir/new/1700000000.5.host",
        &mail(
            "e@example.org",
            "support@example.com",
            "Fem",
            Some("<md5@x>"),
            "",
            "5",
        ),
    );
    let r = d
        .run(["ingest", "email", "--json", "--keep", "Maildir"])
        .json();
    let words: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|x| field(x, "result"))
        .collect();
    // Sorted by name: .Sub/, cur/, new/.
    assert_eq!(words, ["duplicate", "duplicate", "duplicate", "created"]);
    assert!(d.path("Maildir/new/1700000000.5.host").is_file());
}

#[test]
fn standard_input_takes_one_message_or_an_mbox() {
    let d = Desk::new();
    let one = mail(
        "a@example.org",
        "support@example.com",
        "Stdin",
        Some("<s1@x>"),
        "",
        "1",
    );
    let out = d.run_stdin(["ingest", "email", "-", "--json"], &one);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.json()[0]["source"], "-");
    let mbox = format!(
        "From a@example.org Mon Nov 23 10:00:00 2026\n{}\nFrom b@example.org Mon Nov 23 10:00:00 2026\n{}",
        mail(
            "a@example.org",
            "support@example.com",
            "M1",
            Some("<s2@x>"),
            "",
            ">From the shop"
        ),
        mail(
            "b@example.org",
            "support@example.com",
            "M2",
            Some("<s3@x>"),
            "",
            "2"
        ),
    );
    let out = d.run_stdin(["ingest", "email", "-", "--json"], &mbox);
    let r = out.json();
    assert_eq!(r[0]["source"], "-#1");
    assert_eq!(r[1]["source"], "-#2");
    let t = d.ticket(r[0]["ticket"].as_str().unwrap());
    assert_eq!(t["messages"][0]["body"], "From the shop");
}

#[test]
fn a_message_that_is_not_mail_is_named_and_the_rest_arrive() {
    let d = Desk::new();
    d.write("in/bad.eml", "\u{0}\u{1}\u{2} just bytes, no headers\n");
    d.write(
        "in/good.eml",
        &mail(
            "a@example.org",
            "support@example.com",
            "Good",
            Some("<g@x>"),
            "",
            "ok",
        ),
    );
    let out = d.run(["ingest", "email", "in"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("in/bad.eml: not a mail message"),
        "{out}"
    );
    assert!(out.stdout.contains("created"), "{out}");
    assert_eq!(count(&d, "tickets"), 1);
}

#[test]
fn web_forms_and_chats_arrive_through_the_same_rules() {
    let d = Desk::new();
    d.write(
        "rules.toml",
        r#"
[[rule]]
name = "everything-new"
on = ["ticket.created"]
then = [ { add_tags = ["inbox"] } ]
"#,
    );
    d.write(
        "in/forms.jsonl",
        concat!(
            r#"{"from": "kari@example.no", "name": "Kari", "subject": "Bytte", "body": "For små", "type": "ticket", "priority": "high", "tags": ["web"], "fields": {"order": 55412, "size": "42"}}"#,
            "\n",
            r#"{"from": "ola@example.no", "channel": "chat", "transcript": [{"from": "customer", "at": "2026-11-23T10:02:00Z", "text": "Har dere str. 44?"}, {"from": "Mia", "at": "2026-11-23T10:03:00Z", "text": "Ja!"}]}"#,
            "\n"
        ),
    );
    let out = d.run(["ingest", "json", "in/forms.jsonl", "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let r = out.json();
    assert_eq!(r[0]["source"], "in/forms.jsonl:1");
    let form = d.ticket(r[0]["ticket"].as_str().unwrap());
    assert_eq!(form["channel"], "web");
    assert_eq!(form["priority"], "high");
    assert_eq!(form["fields"]["order"], "55412");
    assert_eq!(form["tags"], serde_json::json!(["inbox", "web"]));
    let chat = d.ticket(r[1]["ticket"].as_str().unwrap());
    assert_eq!(chat["channel"], "chat");
    assert_eq!(chat["subject"], "Har dere str. 44?");
    assert_eq!(chat["tags"], serde_json::json!(["inbox"]));
    // One message per turn (tests/chat.rs has the details).
    assert_eq!(chat["messages"][0]["body"], "Har dere str. 44?");
    assert_eq!(chat["messages"][1]["body"], "Ja!");
    assert_eq!(chat["messages"][1]["kind"], "reply");
    // The same payloads again add nothing.
    let r = d.run(["ingest", "json", "in/forms.jsonl", "--json"]).json();
    assert_eq!(r[0]["result"], "duplicate");
    assert_eq!(r[1]["result"], "duplicate");

    // Mail and an import meet the same rule.
    let r = ingest(
        &d,
        &[(
            "m.eml",
            &mail(
                "p@example.org",
                "support@example.com",
                "Mail",
                Some("<q@x>"),
                "",
                "hi",
            ),
        )],
    );
    assert_eq!(
        d.ticket(field(&r[0], "ticket"))["tags"],
        serde_json::json!(["inbox"])
    );
    d.write("in/t.csv", "subject,from\nImported,z@example.org\n");
    let r = d.run(["import", "csv", "in/t.csv", "--json"]).json();
    assert_eq!(
        d.ticket(r[0]["ticket"].as_str().unwrap())["tags"],
        serde_json::json!(["inbox"])
    );
}

#[test]
fn a_bad_payload_is_named_by_line_and_nothing_is_stored() {
    let d = Desk::new();
    let before = d.snapshot_files();
    d.write(
        "in/forms.jsonl",
        concat!(
            r#"{"from": "kari@example.no", "subject": "Fine"}"#,
            "\n",
            r#"{"from": "ola@example.no", "subject": "Typo", "deparment": "x"}"#,
            "\n"
        ),
    );
    let out = d.fails(1, ["ingest", "json", "in/forms.jsonl"]);
    assert_eq!(
        out.stderr,
        "desk: in/forms.jsonl:2: unknown key `deparment`, did you mean `department`? (known: from, name, subject, body, transcript, department, shop, type, priority, tags, fields, channel, id, at)\n"
    );
    d.write("in/x.json", r#"{"from": "not an address", "subject": "x"}"#);
    let out = d.fails(1, ["ingest", "json", "in/x.json"]);
    assert!(out.stderr.starts_with("desk: in/x.json:1: "), "{out}");
    d.write("in/y.json", "{\"subject\": \"x\",\n \"body\": }");
    let out = d.fails(1, ["ingest", "json", "in/y.json"]);
    assert!(out.stderr.contains("in/y.json"), "{out}");
    let after: Vec<_> = d
        .snapshot_files()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("in/"))
        .collect();
    assert!(before == after, "a refused ingest wrote files");
}

#[test]
fn csv_import_names_a_bad_row_and_a_rerun_imports_nothing_twice() {
    let d = Desk::new();
    let before = d.snapshot_files();
    d.write(
        "in/old.csv",
        "id,subject,from,name,priority,tags,status,created_at,field.order\n\
         1,Gammel sak,kari@example.no,Kari,high,\"vip, gammel\",solved,2025-03-01T10:00:00Z,55412\n\
         2,Annen sak,ola@example.no,,urgent,,open,2025-03-02T10:00:00Z,\n\
         3,Tredje,per@example.no,,hastig,,,,\n",
    );
    let out = d.fails(1, ["import", "csv", "in/old.csv"]);
    assert!(
        out.stderr
            .starts_with("desk: in/old.csv:4: unknown priority `hastig`")
            || out.stderr.starts_with("desk: in/old.csv:4: "),
        "{out}"
    );
    let after: Vec<_> = d
        .snapshot_files()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("in/"))
        .collect();
    assert!(before == after, "a refused import wrote files");

    d.write(
        "in/old.csv",
        "id,subject,from,name,priority,tags,status,created_at,field.order\n\
         1,Gammel sak,kari@example.no,Kari,high,\"vip, gammel\",solved,2025-03-01T10:00:00Z,55412\n\
         2,Annen sak,ola@example.no,,urgent,,open,2025-03-02T10:00:00Z,\n",
    );
    let r = d.run(["import", "csv", "in/old.csv", "--json"]).json();
    let t = d.ticket(r[0]["ticket"].as_str().unwrap());
    assert_eq!(t["channel"], "import");
    assert_eq!(t["status"], "solved");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["created_at"], "2025-03-01T10:00:00Z");
    assert_eq!(t["tags"], serde_json::json!(["gammel", "vip"]));
    assert_eq!(t["fields"]["order"], "55412");
    // An interrupted run is simply run again: nothing is imported twice.
    let r = d.run(["import", "csv", "in/old.csv", "--json"]).json();
    assert_eq!(r[0]["result"], "duplicate");
    assert_eq!(r[1]["result"], "duplicate");
    assert_eq!(count(&d, "tickets"), 2);

    d.write("in/bad.csv", "subjekt,from\nx,a@example.org\n");
    let out = d.fails(1, ["import", "csv", "in/bad.csv"]);
    assert!(
        out.stderr
            .contains("in/bad.csv:1: unknown column `subjekt` (column 1), did you mean `subject`?"),
        "{out}"
    );
}

#[test]
fn a_mail_opens_the_same_ticket_on_every_clone_that_ingests_it() {
    let mails: Vec<(String, String)> = (0..5)
        .map(|i| {
            (
                format!("{i}.eml"),
                mail(
                    "a@example.org",
                    "support@example.com",
                    &format!("Mail {i}"),
                    Some(&format!("<n{i}@x>")),
                    "",
                    "x",
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = mails
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    // Two helpdesks stand for two clones: each has its own clone identity.
    let (a, b) = (Desk::new(), Desk::new());
    a.new_ticket("Before", &[]);
    let ids = |d: &Desk| -> Vec<String> {
        ingest(d, &refs)
            .iter()
            .map(|x| field(x, "ticket").to_string())
            .collect()
    };
    let (on_a, on_b) = (ids(&a), ids(&b));
    assert_eq!(on_a, on_b, "the ID comes from the mail, not the clone");
    let distinct: std::collections::BTreeSet<&String> = on_a.iter().collect();
    assert_eq!(distinct.len(), 5);
    // Opened when it was sent (Mon 23 Nov 10:00 +0100, within the last day), on both.
    let t = a.ticket(&on_a[0]);
    assert_eq!(t["created_at"], "2026-11-23T09:00:00Z");
    assert_eq!(t["messages"][0]["at"], "2026-11-23T09:00:00Z");
    assert_eq!(
        a.read(&format!("tickets/{}.json", on_a[0])),
        b.read(&format!("tickets/{}.json", on_b[0]))
    );
}

#[test]
fn the_example_inbox_lands_where_its_readme_says() {
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    let mut files: Vec<String> = std::fs::read_dir(d.path("inbox"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".eml"))
        .map(|n| format!("inbox/{n}"))
        .collect();
    files.sort();
    let mut args = vec!["ingest".to_string(), "email".into(), "--json".into()];
    args.extend(files);
    let out = d.run(&args);
    assert_eq!(out.code, 0, "{out}");
    let r = out.json();
    let r = r.as_array().unwrap();
    let words: Vec<&str> = r.iter().map(|x| field(x, "result")).collect();
    assert_eq!(
        words,
        [
            "created", "created", "created", "created", "created", "created", "created", "added",
            "added", "added", "bounce", "created", "created"
        ]
    );
    assert_eq!(field(&r[7], "ticket"), "06f87zn00r1whe");
    assert_eq!(field(&r[8], "ticket"), "06fg3q700r1whe");
    assert_eq!(field(&r[9], "ticket"), "06fgms200r1whe");
    assert_eq!(field(&r[10], "ticket"), "06fjq9j00r1whe");
    let t = |i: usize| d.ticket(field(&r[i], "ticket"));
    let route = |i: usize| {
        let t = t(i);
        (
            t["department"].as_str().unwrap_or("").to_string(),
            t["type"].as_str().unwrap_or("").to_string(),
            t["priority"].as_str().unwrap_or("").to_string(),
        )
    };
    let want = |d: &str, ty: &str, p: &str| (d.to_string(), ty.to_string(), p.to_string());
    assert_eq!(route(0), want("returns", "ticket", "normal"), "01 exchange");
    assert_eq!(route(1), want("billing", "ticket", "high"), "02 invoice");
    assert_eq!(route(2), want("support", "ticket", "urgent"), "03 vip");
    assert_eq!(
        route(3),
        want("wholesale", "ticket", "normal"),
        "04 wholesale"
    );
    assert_eq!(route(4).1, "suggestion", "05 idea");
    assert_eq!(route(5), want("billing", "ticket", "high"), "06 German");
    assert_eq!(route(6).0, "returns", "07 refund");
    assert_eq!(route(11), want("returns", "ticket", "urgent"), "12 damaged");
    assert_eq!(route(12).0, "sales", "13 to sales@");
    // The out-of-office reply reopened nothing and was not answered.
    let ooo = d.ticket("06fgms200r1whe");
    assert_eq!(ooo["status"], "new");
    assert_eq!(
        ooo["messages"].as_array().unwrap().last().unwrap()["auto"],
        true
    );
    // The bounce is an internal note.
    let b = d.ticket("06fjq9j00r1whe");
    assert_eq!(
        b["messages"].as_array().unwrap().last().unwrap()["kind"],
        "note"
    );
}
