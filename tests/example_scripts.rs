//! The example's scripts, end to end through the real binary: `scripts/crm-lookup`
//! (awk, reading crm/customers.csv) and `scripts/order-lookup` (Python, reading
//! erp/orders.json), run by the rules of the same names in examples/shop/rules.toml.

use serde_json::Value;

use crate::common::Desk;

const NOW: &str = "2026-11-24T09:30:00Z";

fn example() -> Desk {
    Desk::example().at(NOW)
}

/// A new mailed ticket from `from`; returns its ID.
fn mail(d: &Desk, from: &str, subject: &str, body: &str) -> String {
    let out = d.run([
        "new",
        "-s",
        subject,
        "-m",
        body,
        "--from",
        from,
        "--channel",
        "email",
    ]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.stderr, "", "no warning from the scripts: {out}");
    out.stdout.trim().to_string()
}

/// The ticket's history entries credited to `actor`.
fn entries(t: &Value, actor: &str) -> Vec<Value> {
    t["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["actor"] == actor)
        .cloned()
        .collect()
}

/// The fields one history entry changed.
fn changed(entry: &Value) -> Vec<String> {
    entry["changes"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| c["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The bodies of the internal notes written by `author`.
fn notes_by(t: &Value, author: &str) -> Vec<String> {
    t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "note" && m["author"] == author)
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

fn tags(t: &Value) -> Vec<&str> {
    t["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

#[test]
fn the_example_ships_both_scripts_executable_and_the_rules_check() {
    let d = example();
    for f in ["scripts/crm-lookup", "scripts/order-lookup"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.path(f)).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{f} is not executable: {mode:o}");
    }
    assert!(
        d.read("crm/customers.csv")
            .starts_with("email,plan,lifetime_value,group\n")
    );
    let orders: Value = serde_json::from_str(&d.read("erp/orders.json")).unwrap();
    assert!(orders.as_object().unwrap().len() >= 12);
    let out = d.run(["rules", "check"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("are valid"), "{out}");
}

#[test]
fn a_vip_asking_about_an_order_gets_crm_and_erp_facts_on_the_ticket() {
    let d = example();
    let id = mail(
        &d,
        "kari.hansen@online.no",
        "Hvor er ordre 55418?",
        "Hei, pakken med ordre 55418 er ikke kommet til Majorstuen. Hilsen Kari",
    );
    let t = d.ticket(&id);
    assert_eq!(t["fields"]["plan"], "gold", "{t}");
    assert_eq!(t["fields"]["lifetime_value"], "48750");
    assert_eq!(t["fields"]["order_no"], "55418");
    let tags = tags(&t);
    assert!(
        tags.contains(&"crm-vip") && tags.contains(&"vip"),
        "{tags:?}"
    );
    // The vip-customer rule made it urgent; crm-lookup, run once the ticket was saved,
    // saw that and left it.
    assert_eq!(t["priority"], "urgent");

    let crm = entries(&t, "script:crm-lookup");
    assert_eq!(crm.len(), 1, "{crm:?}");
    assert_eq!(crm[0]["event"], "ticket.created");
    assert_eq!(
        changed(&crm[0]),
        ["fields.plan", "fields.lifetime_value", "tags"]
    );
    let erp = entries(&t, "script:order-lookup");
    assert_eq!(erp.len(), 1, "{erp:?}");
    assert_eq!(changed(&erp[0]), ["fields.order_no"]);

    let notes = notes_by(&t, "script:order-lookup");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with(
            "Order 55418: shipped 2026-11-21 with Posten, tracking 70731201234NO (1 × Ørsta skinnsko, brun, size 39; 2 × Ullsokker, grå, size 37-40; total 2297 NOK)"
        ),
        "{}",
        notes[0]
    );
    assert!(
        notes[0].contains("ERP: Pick-up point: Posten Storo"),
        "{}",
        notes[0]
    );
    assert!(!notes[0].contains("not by the requester"), "{}", notes[0]);

    // The scripts are not waited for: they ran after the rules, once the ticket was
    // saved, in the order of the rules that queued them.
    let order: Vec<&str> = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["actor"].as_str().unwrap())
        .collect();
    let at = |a: &str| order.iter().position(|x| *x == a).unwrap();
    assert!(at("rule:vip-customer") < at("script:crm-lookup"));
    assert!(at("script:crm-lookup") < at("script:order-lookup"));
}

#[test]
fn a_valuable_customer_is_raised_to_high_but_an_urgent_ticket_is_not_lowered() {
    let d = example();
    // gold, 27 400 NOK, group `loyal`: no VIP rule of its own.
    let id = mail(&d, "Ida.Nygaard@outlook.com", "Spørsmål om såler", "Hei!");
    let t = d.ticket(&id);
    assert_eq!(t["priority"], "high", "{t}");
    assert_eq!(t["fields"]["plan"], "gold");
    assert!(tags(&t).contains(&"crm-loyal"), "{t}");
    let crm = entries(&t, "script:crm-lookup");
    let raise = crm[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "priority")
        .expect("priority changed")
        .clone();
    assert_eq!(raise["from"], "normal");
    assert_eq!(raise["to"], "high");

    let urgent = d.ok([
        "new",
        "-s",
        "Haster",
        "-m",
        "Hei",
        "--from",
        "ida.nygaard@outlook.com",
        "--priority",
        "urgent",
    ]);
    let t = d.ticket(urgent.trim());
    assert_eq!(t["priority"], "urgent");
    let crm = entries(&t, "script:crm-lookup");
    assert_eq!(
        changed(&crm[0]),
        ["fields.plan", "fields.lifetime_value", "tags"]
    );

    // A small customer keeps the priority the ticket had.
    let id = mail(
        &d,
        "sarah.miller@gmail.com",
        "Sizes",
        "Do the sneakers run small?",
    );
    let t = d.ticket(&id);
    assert_eq!(t["priority"], "normal");
    assert_eq!(t["fields"]["plan"], "bronze");
    assert_eq!(t["fields"]["lifetime_value"], "1299");
}

#[test]
fn an_unknown_customer_gets_nothing_from_the_crm_and_no_order_means_no_python() {
    let d = example();
    let id = mail(
        &d,
        "jesper.hn@stofanet.dk",
        "Størrelser i Ørsta skinnsko",
        "Hej, er de små i størrelsen? Kundenr. 10234, tlf. 55412 334.",
    );
    let t = d.ticket(&id);
    assert!(t["fields"].as_object().unwrap().is_empty(), "{t}");
    assert!(!tags(&t).iter().any(|t| t.starts_with("crm-")), "{t}");
    assert_eq!(t["priority"], "normal");
    // The script ran and had nothing to do: like a rule that changes nothing, it
    // leaves no history entry.
    let crm = entries(&t, "script:crm-lookup");
    assert!(crm.is_empty(), "{crm:?}");
    // No order number named: the rule's regex kept order-lookup from starting.
    assert!(entries(&t, "script:order-lookup").is_empty(), "{t}");

    // Without a requester there is nobody to look up.
    let id = d.ok(["new", "-s", "Lageropptelling ordre 55412", "-m", "Internt"]);
    let t = d.ticket(id.trim());
    assert!(entries(&t, "script:crm-lookup").is_empty(), "{t}");
    assert_eq!(t["fields"]["order_no"], "55412");
}

#[test]
fn order_numbers_are_found_in_every_language_and_format_the_shop_sees() {
    let d = example();
    for (subject, body, order) in [
        (
            "Frage zu Lieferung",
            "Ich habe am Sonntag bestellt (Bestellung 55790).",
            "55790",
        ),
        (
            "Dubbeldebiterad",
            "Debiterad två gånger för samma order (20-88107).",
            "20-88107",
        ),
        ("Refund", "My order no. 55650 was returned.", "55650"),
        (
            "Mangler faktura til ordre 55702",
            "Kan I sende fakturaen som PDF?",
            "55702",
        ),
        ("Bytte", "Ordrenummer: 55412, str. 42.", "55412"),
    ] {
        let id = mail(&d, "per.olsen@gmail.com", subject, body);
        let t = d.ticket(&id);
        assert_eq!(t["fields"]["order_no"], order, "{subject}: {t}");
        let notes = notes_by(&t, "script:order-lookup");
        assert!(
            notes[0].starts_with(&format!("Order {order}: ")),
            "{subject}: {notes:?}"
        );
        // per.olsen did not place these orders: the note says so.
        assert!(notes[0].contains("not by the requester"), "{notes:?}");
    }

    // A number the ERP does not know: the script runs and changes nothing.
    let id = mail(&d, "per.olsen@gmail.com", "Hvor er ordre 99999?", "Hei");
    let t = d.ticket(&id);
    assert!(t["fields"].get("order_no").is_none(), "{t}");
    let erp = entries(&t, "script:order-lookup");
    assert!(erp.is_empty(), "{erp:?}");

    // Several orders: one note each, the field for the first.
    let id = mail(
        &d,
        "kari.hansen@online.no",
        "Klage (ordre 55418)",
        "Ordre 55418 er sendt til feil hentested, akkurat som ordre 55233 forrige uke.",
    );
    let t = d.ticket(&id);
    assert_eq!(t["fields"]["order_no"], "55418");
    let notes = notes_by(&t, "script:order-lookup");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].starts_with("Order 55418: shipped"), "{notes:?}");
    assert!(
        notes[1].starts_with("Order 55233: delivered 2026-11-20, shipped 2026-11-16 with Posten"),
        "{notes:?}"
    );
}

#[test]
fn a_customer_reply_naming_an_order_gets_a_note_and_keeps_the_ticket_order() {
    let d = example();
    let id = mail(&d, "kari.hansen@online.no", "Hvor er ordre 55418?", "Hei");
    let reply = format!(
        "From: Kari Hansen <kari.hansen@online.no>\r\nTo: support@nordlys.example\r\nSubject: Re: Hvor er ordre 55418? [#{id}]\r\nMessage-ID: <reply-1@online.no>\r\nDate: Tue, 24 Nov 2026 10:15:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOg hva med ordre 55233?\r\n\r\n> Hei, ordre 55120 er ikke viktig\r\n"
    );
    d.write("reply.eml", &reply);
    let out = d.run(["ingest", "email", "reply.eml"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.starts_with("added"), "{out}");
    let t = d.ticket(&id);
    // The field keeps the ticket's own order; the note is about the new one only.
    assert_eq!(t["fields"]["order_no"], "55418");
    let erp = entries(&t, "script:order-lookup");
    assert_eq!(erp.len(), 2, "{erp:?}");
    assert_eq!(erp[1]["event"], "customer.replied");
    assert!(erp[1].get("changes").is_none(), "{erp:?}");
    let notes = notes_by(&t, "script:order-lookup");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[1].starts_with("Order 55233: "), "{notes:?}");
    assert!(
        !notes.iter().any(|n| n.contains("55120")),
        "quoted text: {notes:?}"
    );
    // crm-lookup is for new tickets only.
    assert_eq!(entries(&t, "script:crm-lookup").len(), 1);

    // An out-of-office reply naming an order does not start the script.
    let auto = format!(
        "From: Kari Hansen <kari.hansen@online.no>\r\nTo: support@nordlys.example\r\nSubject: Fravær: ordre 55233 [#{id}]\r\nMessage-ID: <ooo-1@online.no>\r\nAuto-Submitted: auto-replied\r\nDate: Tue, 24 Nov 2026 10:16:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJeg er borte. Gjelder det ordre 55233, ring butikken.\r\n"
    );
    d.write("ooo.eml", &auto);
    d.ok(["ingest", "email", "ooo.eml"]);
    let t = d.ticket(&id);
    assert_eq!(entries(&t, "script:order-lookup").len(), 2, "{t}");
}

#[test]
fn rules_test_runs_both_scripts_and_writes_nothing() {
    let d = example();
    let id = mail(
        &d,
        "sindre.aasland@altibox.no",
        "Bytte til større str. – ordre 55412",
        "Kan jeg bytte til str. 43?",
    );
    let before = d.snapshot_files();
    let out = d.ok(["rules", "test", &id]);
    assert!(
        out.contains("script crm-lookup returned [{\"set\": \"fields.plan\", \"to\": \"bronze\"}, {\"set\": \"fields.lifetime_value\", \"to\": \"1499\"}, {\"add_tags\": [\"crm-regular\"]}]"),
        "{out}"
    );
    assert!(
        out.contains(
            "script order-lookup returned [{\"note\": \"Order 55412: shipped 2026-11-20 with Posten"
        ),
        "{out}"
    );
    assert!(before == d.snapshot_files(), "rules test wrote files");

    let json: Value =
        serde_json::from_str(&d.ok(["rules", "test", &id, "--format", "json"])).unwrap();
    let rule = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "order-lookup")
        .unwrap()
        .clone();
    assert_eq!(rule["verdict"], "fired", "{rule}");
}

#[test]
fn a_broken_erp_or_crm_export_leaves_the_ticket_alone_without_a_failure() {
    let d = example();
    d.write(
        "erp/orders.json",
        "{ \"55412\": { \"status\": \"shipped\", ",
    );
    d.write("crm/customers.csv", "name;plan\nKari;gold\n");
    let id = mail(&d, "kari.hansen@online.no", "Hvor er ordre 55418?", "Hei");
    let t = d.ticket(&id);
    assert!(t["fields"].as_object().unwrap().is_empty(), "{t}");
    assert!(notes_by(&t, "script:order-lookup").is_empty());
    // Nothing to do is not a failure: no entry at all.
    for script in ["script:crm-lookup", "script:order-lookup"] {
        let e = entries(&t, script);
        assert!(e.is_empty(), "{script}: {t}");
    }
    // The rules still did their work.
    assert_eq!(t["priority"], "urgent");

    std::fs::remove_file(d.path("erp/orders.json")).unwrap();
    std::fs::remove_file(d.path("crm/customers.csv")).unwrap();
    let id = mail(&d, "kari.hansen@online.no", "Hvor er ordre 55418?", "Hei");
    let t = d.ticket(&id);
    assert!(t["fields"].as_object().unwrap().is_empty(), "{t}");
    assert!(!t["history"].to_string().contains("failed"), "{t}");
}

#[test]
fn crm_values_are_escaped_whatever_the_export_holds() {
    let d = example();
    // Columns in another order, CRLF line ends, quoted fields, quotes and backslashes.
    d.write(
        "crm/customers.csv",
        "Group,Email,Plan,Lifetime_Value\r\n\"VIP Club\",Per.Olsen@Gmail.com,\"gold \"\"plus\"\" \\ x\",\"30 000\"\r\n",
    );
    let id = mail(&d, "per.olsen@gmail.com", "Hei", "Hei");
    let t = d.ticket(&id);
    assert_eq!(t["fields"]["plan"], "gold \"plus\" \\ x", "{t}");
    assert_eq!(t["fields"]["lifetime_value"], "30000");
    assert!(tags(&t).contains(&"crm-vip-club"), "{t}");
    assert_eq!(t["priority"], "high");
}

#[test]
fn the_example_inbox_is_enriched_on_ingest() {
    let d = example();
    let mut args = vec!["ingest".to_string(), "email".to_string()];
    let mut mails: Vec<String> = std::fs::read_dir(d.path("inbox"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".eml"))
        .map(|n| format!("inbox/{n}"))
        .collect();
    mails.sort();
    args.extend(mails);
    let out = d.run(&args);
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.stderr.contains("failed"), "{out}");
    let rows: Value = serde_json::from_str(&d.ok(["list", "--all", "--format", "json"])).unwrap();
    let by_subject = |needle: &str| -> Value {
        let id = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["subject"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no ticket {needle}"))["id"]
            .as_str()
            .unwrap()
            .to_string();
        d.ticket(&id)
    };
    let t = by_subject("Bytte til større str.");
    assert_eq!(t["fields"]["order_no"], "55412");
    assert_eq!(t["fields"]["plan"], "bronze");
    let t = by_subject("Bestellung 55790");
    assert_eq!(t["fields"]["order_no"], "55790");
    assert!(notes_by(&t, "script:order-lookup")[0].contains("not shipped yet"));
    let t = by_subject("order 55650");
    assert!(notes_by(&t, "script:order-lookup")[0].contains("returned, back with us 2026-11-17"));
    // A new reseller is not in the CRM yet.
    let t = by_subject("Bergen Skohus");
    assert!(t["fields"].get("plan").is_none(), "{t}");
    // Kari's reply on 06f87zn00r1whe names its order again: a fresh note, same field.
    let t = d.ticket("06f87zn00r1whe");
    assert_eq!(t["fields"]["order_no"], "55120");
    assert!(
        notes_by(&t, "script:order-lookup")[0].starts_with("Order 55120: delivered 2026-11-13"),
        "{t}"
    );
}
