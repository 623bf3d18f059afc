//! Mail as helpdesks meet it (issue 14, after Zammad's and RT's test suites): header
//! text in undeclared or wrong charsets, a blank text alternative beside real HTML,
//! senders without a From address, robots that must get no automatic answer, a huge
//! table newsletter, and unusual but valid addresses. Everything goes through the real
//! binary; the messages are corpus files or realistic ones in `tests/data/mail/robust`
//! (see its README), or written here when they are one header away from plain mail.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::Desk;

// ---------------------------------------------------------------------------------------
// Helpers

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mail")
        .join(rel)
}

/// `desk ingest email PATHS... --json`: desk did not panic, exited 0, and gave one
/// result per file.
fn ingest_paths(d: &Desk, paths: &[PathBuf]) -> Vec<Value> {
    let mut args = vec!["ingest".to_string(), "email".into(), "--json".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let out = d.run(&args);
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
    match out.json() {
        Value::Array(a) if a.len() == paths.len() => a,
        other => panic!("not one result per file: {other}"),
    }
}

/// Copies a test file (`robust/x.eml`, `corpus/rt-gateway/...`) into the helpdesk's
/// `in/` and ingests it; returns the ticket it made.
fn ingest_file(d: &Desk, rel: &str) -> Value {
    let name = rel.replace('/', "_");
    let to = d.path(&format!("in/{name}"));
    std::fs::create_dir_all(d.path("in")).expect("mkdir in");
    std::fs::copy(data(rel), &to).unwrap_or_else(|e| panic!("copy {rel}: {e}"));
    let r = ingest_paths(d, &[to]);
    assert_eq!(r[0]["result"], "created", "{rel}: {}", r[0]);
    d.ticket(r[0]["ticket"].as_str().expect("a ticket"))
}

/// Ingests one message written here; returns its result.
fn ingest_text(d: &Desk, name: &str, text: &str) -> Value {
    let rel = format!("in/{name}");
    d.write(&rel, text);
    ingest_paths(d, &[d.path(&rel)]).remove(0)
}

/// A plain UTF-8 mail with extra headers.
fn mail(from: &str, id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: support@example.com\nSubject: Hjelp med ordre\nDate: Mon, 23 Nov 2026 10:00:00 +0100\nMessage-ID: <{id}>\n{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    )
}

fn first_message(t: &Value) -> &Value {
    &t["messages"][0]
}

fn body(t: &Value) -> &str {
    first_message(t)["body"].as_str().unwrap_or("")
}

fn attachment_names(t: &Value) -> Vec<String> {
    first_message(t)["attachments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn customer(d: &Desk, file: &str) -> Value {
    serde_json::from_str(&d.read(&format!("customers/{file}"))).expect("customer JSON")
}

fn customer_files(d: &Desk) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(d.path("customers"))
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------
// 1. Charsets nobody declared, or declared wrong

#[test]
fn a_raw_latin1_display_name_is_read_in_the_message_charset() {
    // RT's corpus: `From: Wilhelmsen H\xe5vard <hw@nordkapp.net>`, the body declares
    // ISO-8859-1.
    let d = Desk::new();
    let t = ingest_file(&d, "corpus/rt-gateway/new-ticket-from-iso-8859-1");
    assert_eq!(t["requester"], "hw@nordkapp.net");
    assert_eq!(
        customer(&d, "hw@nordkapp.net.json")["name"],
        "Wilhelmsen Håvard"
    );
}

#[test]
fn koi8r_name_subject_and_body_without_any_mime_header_are_guessed() {
    let d = Desk::new();
    let t = ingest_file(&d, "robust/koi8r-no-mime.eml");
    assert_eq!(t["subject"], "Не пришёл заказ");
    assert_eq!(
        customer(&d, "mitya@fling-wing.example.com.json")["name"],
        "Дмитрий Сиваченко"
    );
    let b = body(&t);
    assert!(b.starts_with("Здравствуйте!"), "{b}");
    assert!(b.contains("до сих пор не пришёл"), "{b}");
    assert!(!b.contains('\u{FFFD}'), "{b}");
}

#[test]
fn raw_8bit_attachment_names_are_read_in_the_message_charset() {
    // filename= and name= in raw Latin-1; the second part has only Content-Type name=.
    let d = Desk::new();
    let t = ingest_file(&d, "robust/latin1-attachment-names.eml");
    assert_eq!(
        attachment_names(&t),
        ["Kvittering støvler.pdf", "Sålen er løs.jpg"]
    );
    let files: Vec<&str> = first_message(&t)["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .filter_map(|a| a["file"].as_str())
        .collect();
    assert!(
        files[0].ends_with("/Kvittering støvler.pdf") && files[1].ends_with("/Sålen er løs.jpg"),
        "{files:?}"
    );
    assert_eq!(
        customer(&d, "bjorn@example.no.json")["name"],
        "Bjørn Ødegård"
    );
    assert_eq!(
        body(&t),
        "Hei! Kvitteringen og bildet av støvlene ligger ved."
    );
}

#[test]
fn shift_jis_labelled_iso_2022_jp_is_read_as_shift_jis() {
    let d = Desk::new();
    let t = ingest_file(&d, "robust/iso2022jp-label-shiftjis-bytes.eml");
    assert_eq!(t["subject"], "商品が届きません");
    assert_eq!(
        body(&t),
        "お世話になっております。\n注文番号4471の靴がまだ届いていません。\n確認をお願いいたします。\n山田"
    );
    // The attachment's raw Shift_JIS name= is guessed too.
    assert_eq!(attachment_names(&t), ["注文書.txt"]);
    assert_eq!(customer(&d, "yamada@example.jp.json")["name"], "山田 太郎");
}

#[test]
fn an_8bit_body_without_a_charset_is_guessed() {
    let d = Desk::new();
    let t = ingest_file(&d, "robust/latin1-body-no-charset.eml");
    assert_eq!(
        body(&t),
        "Hei!\n\nJeg vil gjerne bytte skoene til størrelse 38. Kan dere sende en returlapp?\nMed vennlig hilsen – Kari Nordmann, Tromsø"
    );
}

#[test]
fn utf8_labelled_latin1_and_latin1_labelled_utf8_both_read_right() {
    // The broken-mail folder's two mislabels: UTF-8 bytes said to be ISO-8859-1 (which
    // would give "Ã¸"), and Latin-1 bytes said to be UTF-8 (which would give U+FFFD).
    let d = Desk::new();
    for f in [
        "broken/charset-latin1-label-utf8-bytes.eml",
        "broken/charset-utf8-label-latin1-bytes.eml",
    ] {
        let t = ingest_file(&d, f);
        let b = body(&t);
        assert!(!b.contains('\u{FFFD}') && !b.contains('Ã'), "{f}: {b}");
        assert!(b.contains('ø') || b.contains('ä'), "{f}: {b}");
    }
}

// ---------------------------------------------------------------------------------------
// 2. A blank text alternative

#[test]
fn a_blank_text_alternative_does_not_hide_the_html_one() {
    let d = Desk::new();
    let t = ingest_file(&d, "robust/blank-text-alternative.eml");
    assert_eq!(t["subject"], "Spørsmål om levering");
    assert_eq!(body(&t), "Når kommer pakken min?\n\nOrdrenummer 5120.");
}

// ---------------------------------------------------------------------------------------
// 3. Who sent it

#[test]
fn the_first_mailbox_of_from_with_an_address_is_the_requester() {
    let d = Desk::new();
    let r = ingest_text(
        &d,
        "two.eml",
        &mail(
            "\"Astrid Lie\", Knut Lie <knut.lie@example.no>, post@example.no",
            "two@example.no",
            "",
            "Vi lurer på det samme.",
        ),
    );
    let t = d.ticket(r["ticket"].as_str().expect("ticket"));
    assert_eq!(t["requester"], "knut.lie@example.no");
    assert_eq!(customer(&d, "knut.lie@example.no.json")["name"], "Knut Lie");
    assert!(t["history"][0]["note"].is_null(), "{t}");
}

/// The note on the ticket's first history entry and what `desk show` says of it.
fn creation_note(d: &Desk, t: &Value) -> (String, String) {
    let id = t["id"].as_str().expect("id");
    let entry = &t["history"][0];
    assert_eq!(entry["event"], "ticket.created");
    let note = entry["note"].as_str().unwrap_or("").to_string();
    (note, d.ok(["show", id]))
}

#[test]
fn without_a_from_address_reply_to_then_sender_is_the_requester_and_it_says_so() {
    let d = Desk::new();
    // A web shop's contact form mails with a name but no address in From.
    let r = ingest_text(
        &d,
        "form.eml",
        &mail(
            "Nettbutikken kontaktskjema",
            "form-1@shop.example.no",
            "Reply-To: Kari Nordmann <kari@example.no>\nSender: forms@shop.example.no\n",
            "Hvor er ordre 4471?",
        ),
    );
    let t = d.ticket(r["ticket"].as_str().expect("ticket"));
    assert_eq!(t["requester"], "kari@example.no");
    assert_eq!(
        customer(&d, "kari@example.no.json")["name"],
        "Kari Nordmann"
    );
    let (note, show) = creation_note(&d, &t);
    assert!(note.contains("Reply-To"), "{t}");
    assert!(show.contains(&note), "{show}");
    // It is still a customer's mail: the acknowledgement goes to Reply-To.
    let sent = d.outbox();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        d.read(&format!("outbox/{}", sent[0]))
            .contains("kari@example.no")
    );

    // No Reply-To: Sender.
    let r = ingest_text(
        &d,
        "sender.eml",
        &mail(
            "undisclosed-recipients:;",
            "form-2@shop.example.no",
            "Sender: Ola Hansen <ola@example.no>\n",
            "Pakken kom i dag, takk.",
        ),
    );
    let t = d.ticket(r["ticket"].as_str().expect("ticket"));
    assert_eq!(t["requester"], "ola@example.no");
    let (note, show) = creation_note(&d, &t);
    assert!(note.contains("Sender"), "{t}");
    assert!(show.contains(&note), "{show}");

    // A reply in the thread from Reply-To says so on its own history entry.
    let r = ingest_text(
        &d,
        "reply.eml",
        &mail(
            "Nettbutikken kontaktskjema",
            "form-3@shop.example.no",
            "In-Reply-To: <form-1@shop.example.no>\nReply-To: kari@example.no\n",
            "Glemte å si: det var størrelse 38.",
        ),
    );
    assert_eq!(r["result"], "added");
    let t = d.ticket(r["ticket"].as_str().expect("ticket"));
    let last = t["history"]
        .as_array()
        .and_then(|h| h.iter().find(|e| e["event"] == "customer.replied"))
        .expect("a customer.replied entry");
    assert!(
        last["note"].as_str().unwrap_or("").contains("Reply-To"),
        "{t}"
    );
    assert_eq!(
        t["messages"]
            .as_array()
            .and_then(|m| m.last())
            .expect("message")["author"],
        "customer:kari@example.no"
    );
}

#[test]
fn with_no_address_anywhere_the_ticket_has_no_requester_and_no_note() {
    // The broken-mail folder's `From: nobody`.
    let d = Desk::new();
    let t = ingest_file(&d, "broken/from-no-address.eml");
    assert!(t["requester"].is_null(), "{t}");
    assert!(t["history"][0]["note"].is_null(), "{t}");
    assert!(d.outbox().is_empty());
}

// ---------------------------------------------------------------------------------------
// 5. Robots get no automatic answer

#[test]
fn every_robot_marker_stops_the_acknowledgement() {
    let markers = [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "Auto-Submitted: auto-notified",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: list",
        "Precedence: auto_reply",
        "X-Precedence: auto_reply",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "X-Autogenerated: Reply",
        "X-AutoReply-From: kari@example.no",
        "X-Mail-Autoreply: dtc-autoreply",
        "X-FC-MachineGenerated: true",
        "X-Auto-Response-Suppress: All",
        "X-Auto-Response-Suppress: DR, AutoReply",
        "X-Auto-Response-Suppress: OOF",
        "X-Loop: yes",
        // The helpdesk's own address: the mail has been through it before.
        "X-Loop: support@example.com",
        "X-Loop: <Support@Example.com>",
        "List-Id: Kunder <kunder.lists.example.no>",
        "List-Unsubscribe: <mailto:leave@lists.example.no>",
        "Return-Path: <>",
    ];
    for (n, marker) in markers.iter().enumerate() {
        let d = Desk::new();
        let r = ingest_text(
            &d,
            "robot.eml",
            &mail(
                "Kari Nordmann <kari@example.no>",
                &format!("robot-{n}@example.no"),
                &format!("{marker}\n"),
                "Jeg er på ferie til mandag.",
            ),
        );
        assert_eq!(r["result"], "created", "{marker}: {r}");
        let t = d.ticket(r["ticket"].as_str().expect("ticket"));
        assert_eq!(first_message(&t)["auto"], true, "{marker}: {t}");
        assert!(
            d.outbox().is_empty(),
            "{marker}: an acknowledgement was queued"
        );
        let refused = t["history"].as_array().is_some_and(|h| {
            h.iter()
                .any(|e| e["note"].as_str().unwrap_or("").contains("no reply"))
        });
        assert!(refused, "{marker}: the refusal is not on record: {t}");
        assert!(
            d.ok(["show", t["id"].as_str().expect("id")])
                .contains("(sent automatically)"),
            "{marker}"
        );
    }
}

#[test]
fn mail_without_robot_markers_is_acknowledged() {
    // What must not count as a robot: receipts suppressed only, Auto-Submitted: no,
    // someone else's X-Loop, Precedence: first-class, a mailer's name.
    let people = [
        "",
        "X-Auto-Response-Suppress: DR, RN, NRN",
        "Auto-Submitted: no",
        "X-Loop: kunder@lists.example.no",
        "Precedence: first-class",
        "X-Mailer: Microsoft Outlook 16.0",
    ];
    for (n, header) in people.iter().enumerate() {
        let d = Desk::new();
        let extra = if header.is_empty() {
            String::new()
        } else {
            format!("{header}\n")
        };
        let r = ingest_text(
            &d,
            "person.eml",
            &mail(
                "Kari Nordmann <kari@example.no>",
                &format!("person-{n}@example.no"),
                &extra,
                "Hei, hvor er pakken?",
            ),
        );
        assert_eq!(r["result"], "created", "{header}: {r}");
        assert_eq!(d.outbox().len(), 1, "{header}: no acknowledgement");
    }
}

// ---------------------------------------------------------------------------------------
// 4. A 290 KB newsletter of tables in tables

/// A shop newsletter as mail tools make them: a layout table holding a centred table
/// holding one table per article (inline styles, spacer cells, a size table each),
/// about 290 KB of HTML; `wrapped` levels of `<div>` around it all, as some editors
/// leave them.
fn newsletter(wrapped: usize) -> (String, usize) {
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>td{{font-family:Arial}}</style></head>\
         <body style=\"margin:0;padding:0\">{}<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td align=\"center\">\
         <table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"1\" style=\"border-collapse:collapse\">",
        "<div class=\"wrap\">".repeat(wrapped)
    );
    let mut n = 0;
    while html.len() < 290_000 {
        n += 1;
        html.push_str(&format!(
            "<tr><td style=\"padding:20px 30px;background:#ffffff\"><table role=\"presentation\" width=\"100%\" border=\"1\"><tr>\
             <td width=\"20\">&nbsp;</td><td style=\"font-size:22px;color:#222\"><h2>Vintertilbud nummer {n}</h2></td>\
             <td width=\"120\"><img src=\"https://shop.example.no/img/{n}.jpg\" width=\"120\" alt=\"\"></td></tr>\
             <tr><td>&nbsp;</td><td colspan=\"2\" style=\"font-size:14px;line-height:20px\"><p>Varme skinnstøvler modell {n} er nå 30 % billigere. Les mer om fôr og såler.</p>\
             <table border=\"1\"><tr><th>Størrelse</th><th>Pris</th><th>Lager</th></tr><tr><td>38</td><td>1 499 kr</td><td>12</td></tr></table></td></tr></table></td></tr>"
        ));
    }
    html.push_str("</table></td></tr></table>");
    html.push_str(&"</div>".repeat(wrapped));
    html.push_str("</body></html>");
    (html, n)
}

fn newsletter_mail(html: &str) -> String {
    format!(
        "From: Skobutikken <nyhetsbrev@shop.example.no>\nTo: support@example.com\nSubject: Ukens tilbud\nDate: Mon, 23 Nov 2026 10:00:00 +0100\nMessage-ID: <newsletter@shop.example.no>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{html}\n"
    )
}

#[test]
fn a_290_kb_table_newsletter_becomes_readable_text_of_bounded_size() {
    // As it is, and (second) nested so deep that desk takes the parser's simpler
    // conversion. Both must stay small and readable.
    for wrapped in [0, 300] {
        let (html, articles) = newsletter(wrapped);
        assert!(html.len() >= 290_000);
        let d = Desk::new();
        let r = ingest_text(&d, "news.eml", &newsletter_mail(&html));
        let t = d.ticket(r["ticket"].as_str().expect("ticket"));
        let b = body(&t);
        assert!(
            b.len() < 300_000 && b.len() < html.len(),
            "{wrapped}: {} bytes of text from {} of HTML",
            b.len(),
            html.len()
        );
        // Not cut: the whole text fits, so nothing was attached as message.txt.
        assert!(attachment_names(&t).is_empty(), "{wrapped}: {t:?}");
        let boxes = ['─', '│', '┼', '┬', '┴', '├', '┤', '┌', '┐', '└', '┘', '═'];
        assert!(
            !b.chars().any(|c| boxes.contains(&c)),
            "{wrapped}: table borders drawn"
        );
        assert!(
            !b.lines().any(|l| l.len() > 1000),
            "{wrapped}: a line over 1000 bytes"
        );
        for n in [1, articles / 2, articles] {
            let title = format!("Vintertilbud nummer {n}");
            let words = format!("Varme skinnstøvler modell {n} er nå 30 % billigere.");
            assert!(
                b.lines().any(|l| l.contains(&title)) && b.contains(&words),
                "{wrapped}: article {n} is not readable"
            );
        }
        assert!(
            !b.contains('<') && !b.contains("&nbsp;"),
            "{wrapped}: markup left"
        );
        // Every cell is a word of its own.
        assert!(
            !b.contains("StørrelsePris") && !b.contains("kr12"),
            "{wrapped}: table cells run together"
        );
        assert!(!b.contains("\n\n\n"), "{wrapped}: runs of blank lines");
    }
}

// ---------------------------------------------------------------------------------------
// 6. Unusual but valid addresses

#[test]
fn quoted_and_slashed_local_parts_are_kept_and_their_files_are_safe() {
    let d = Desk::new();
    let cases = [
        (
            "\"John Doe\"@example.com",
            "\"john doe\"@example.com",
            ",22john,20doe,22@example.com.json",
        ),
        (
            "Kari <\"a@b\"@example.com>",
            "\"a@b\"@example.com",
            ",22a@b,22@example.com.json",
        ),
        (
            "a/b@example.com",
            "a/b@example.com",
            "a,2fb@example.com.json",
        ),
        (
            "\"../../x\"@example.com",
            "\"../../x\"@example.com",
            ",22..,2f..,2fx,22@example.com.json",
        ),
        // A quoted local part that needs no quotes is the plain address.
        (
            "\"kari\"@example.no",
            "kari@example.no",
            "kari@example.no.json",
        ),
    ];
    for (n, (from, address, file)) in cases.iter().enumerate() {
        let before = d.outbox().len();
        let r = ingest_text(
            &d,
            &format!("q{n}.eml"),
            &mail(from, &format!("quoted-{n}@example.com"), "", "Hei"),
        );
        let t = d.ticket(r["ticket"].as_str().expect("ticket"));
        assert_eq!(t["requester"], *address, "{from}");
        assert_eq!(customer(&d, file)["email"], *address, "{from}");
        // The acknowledgement goes to the address as it is.
        let sent = d.outbox();
        assert_eq!(sent.len(), before + 1, "{from}: {sent:?}");
        let eml = sent
            .iter()
            .map(|f| d.read(&format!("outbox/{f}")))
            .find(|m| {
                m.lines()
                    .any(|l| l.starts_with("To:") && l.contains(address))
            });
        assert!(eml.is_some(), "{from}: no mail to {address}");
    }
    for f in customer_files(&d) {
        assert!(
            !f.starts_with('.')
                && !f.contains(['/', '\\', '"', ' '])
                && !f.chars().any(char::is_control),
            "{f}"
        );
    }
    assert_eq!(customer_files(&d).len(), cases.len());
    assert!(!d.path("x@example.com.json").exists());

    // The same customer by hand: no second file, the same requester.
    let id = d.new_ticket("Samme kunde", &["--from", "\"John Doe\"@Example.com"]);
    assert_eq!(d.ticket(&id)["requester"], "\"john doe\"@example.com");
    assert_eq!(customer_files(&d).len(), cases.len());
    // What is still no address.
    for bad in ["\"a\"b\"@example.com", "a b@example.com", "a@exa/mple.com"] {
        d.fails(1, ["new", "-s", "x", "--from", bad]);
    }
}
