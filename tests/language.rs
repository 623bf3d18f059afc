//! Words as Nordic, German and English customers write them. The seeds promise a rule
//! that "automatically assigns every ticket containing the words `faktura` or
//! `betaling` to the billing department" (002, Norwegian), and routing by keywords
//! (000 Swedish, 001 German, 004 Norwegian). Customers write "fakturaen",
//! "Betalingen", "fakturan", "Rechnungsnummer": `contains` must find what the manager
//! meant, in five languages, without catching unrelated words; `contains_exact` keeps
//! to the word as written; `desk rules test` says which word matched and why.

use serde_json::Value;

use crate::common::*;

const SETTINGS: &str = r#"
[helpdesk]
name = "Nordlys Sko"
timezone = "Europe/Oslo"
address = "support@nordlys.example"

[[department]]
id = "billing"
name = "Fakturaavdelingen"

[[department]]
id = "returns"
name = "Retur"

[[department]]
id = "delivery"
name = "Levering"
"#;

/// The seeds' rule, in the words of each language the shop answers in.
const RULES: &str = r#"
[[rule]]
name = "billing"
on = ["ticket.created"]
if.any = [
  { field = "text", op = "contains", value = ["faktura", "betaling", "betalning", "Rechnung", "Zahlung", "invoice", "payment", "pay", "card"] },
]
then = [ { set = "department", to = "billing" } ]

[[rule]]
name = "returns"
on = ["ticket.created"]
if.any = [
  { field = "text", op = "contains", value = ["retur", "Rücksendung", "Umtausch", "return", "refund"] },
]
then = [ { set = "department", to = "returns" } ]

[[rule]]
name = "delivery"
on = ["ticket.created"]
if.any = [
  { field = "text", op = "contains", value = ["pakke", "paket", "levering", "leverans", "Lieferung", "parcel", "delivery"] },
]
then = [ { set = "department", to = "delivery" } ]
"#;

fn helpdesk(rules: &str) -> Desk {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d.write("rules.toml", rules);
    d.ok(["rules", "check"]);
    d
}

/// (what the customer wrote, the department the rules should choose)
const SENTENCES: &[(&str, Option<&str>)] = &[
    // Norwegian
    ("Hvor er fakturaen min?", Some("billing")),
    ("Betalingen gikk ikke gjennom", Some("billing")),
    ("Fakturaene for mai og juni mangler", Some("billing")),
    ("Feil fakturanummer på ordre 4411", Some("billing")),
    ("Jeg har fått to betalingspåminnelser", Some("billing")),
    ("Returlappen lå ikke i esken", Some("returns")),
    ("Hvordan returnerer jeg skoene?", Some("returns")),
    ("Pakken har ikke kommet frem", Some("delivery")),
    ("Leveringen er forsinket med en uke", Some("delivery")),
    ("Kan jeg bytte størrelse på joggeskoene?", None),
    // Swedish
    ("Var är fakturan?", Some("billing")),
    ("Betalningen drogs två gånger", Some("billing")),
    ("Fakturorna stämmer inte med beställningen", Some("billing")),
    ("Jag hittar inte fakturanumret", Some("billing")),
    ("Returen skickades för en vecka sedan", Some("returns")),
    ("Hur fyller jag i retursedeln?", Some("returns")),
    ("Paketet har inte kommit fram", Some("delivery")),
    ("Leveransen är försenad", Some("delivery")),
    ("Tack för snabb hjälp med storleken!", None),
    // Danish
    ("Jeg har ikke modtaget fakturaen", Some("billing")),
    ("Betalingen er blevet trukket to gange", Some("billing")),
    ("Hvor finder jeg fakturanummeret?", Some("billing")),
    (
        "Returneringen af varen er ikke registreret",
        Some("returns"),
    ),
    ("Pakken er stadig ikke kommet", Some("delivery")),
    ("Tak for hjælpen med størrelsen", None),
    // German
    ("Wo ist meine Rechnung?", Some("billing")),
    ("Die Rechnungen für März fehlen", Some("billing")),
    (
        "Falsche Rechnungsnummer auf der Bestellung",
        Some("billing"),
    ),
    (
        "Ich habe eine Zahlungserinnerung bekommen, obwohl alles erledigt ist",
        Some("billing"),
    ),
    ("Die Zahlungen wurden doppelt abgebucht", Some("billing")),
    ("Wie funktioniert die Rücksendung?", Some("returns")),
    ("Ich möchte die Schuhe umtauschen", Some("returns")),
    ("Mein Paket ist nicht angekommen", Some("delivery")),
    ("Die Lieferung ist beschädigt", Some("delivery")),
    // Not every word that starts alike: a lock is not a payment.
    ("Das Zahlenschloss am Koffer klemmt", None),
    // A compound that ends with the term is not a match (see the README).
    ("Frage zu meiner Stromrechnung", None),
    // English
    ("Where is my invoice?", Some("billing")),
    ("Two invoices are missing from my account", Some("billing")),
    ("The payment was declined twice", Some("billing")),
    ("I was paying for express shipping", Some("billing")),
    ("I want to return these boots", Some("returns")),
    ("Still waiting for my refund", Some("returns")),
    ("Has my parcel been shipped yet?", Some("delivery")),
    ("The delivery was late again", Some("delivery")),
    // "pay" is not "PayPal", and in English text "card" is not "cardigan".
    ("Please update the PayPal address on my account", None),
    (
        "Hi, I ordered a cardigan last week and the sleeves are too long. Can you help?",
        None,
    ),
];

#[test]
fn the_seeds_keyword_rule_finds_inflections_and_compounds_in_five_languages() {
    assert!(SENTENCES.len() >= 40);
    let d = helpdesk(RULES);
    let mut wrong = Vec::new();
    for (text, want) in SENTENCES {
        let id = d.new_ticket(text, &["--from", "kunde@example.no"]);
        let t = d.ticket(&id);
        let got = t["department"].as_str();
        if got != *want {
            wrong.push(format!("{text:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "routed wrongly:\n{}", wrong.join("\n"));
}

#[test]
fn the_same_sentences_in_the_body_route_the_same_way() {
    let d = helpdesk(RULES);
    for (text, want) in SENTENCES.iter().step_by(5) {
        let id = d.new_ticket("Hei", &["--from", "kunde@example.no", "-m", text]);
        assert_eq!(d.ticket(&id)["department"].as_str(), *want, "{text:?}");
    }
}

#[test]
fn contains_exact_keeps_to_the_word_as_written() {
    let d = helpdesk(
        r#"
[[rule]]
name = "billing"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains_exact", value = ["faktura", "betaling"] } ]
then = [ { set = "department", to = "billing" } ]
"#,
    );
    for (subject, want) in [
        ("Faktura 2026-114", Some("billing")),
        ("Spørsmål om BETALING", Some("billing")),
        ("Hvor er fakturaen min?", None),
        ("Fakturanummer mangler", None),
    ] {
        let id = d.new_ticket(subject, &[]);
        assert_eq!(d.ticket(&id)["department"].as_str(), want, "{subject:?}");
    }
}

#[test]
fn not_contains_and_contains_all_read_word_forms_too() {
    let d = helpdesk(
        r#"
[[rule]]
name = "billing-without-refund"
on = ["ticket.created"]
if.all = [
  { field = "subject", op = "contains_all", value = ["faktura", "betaling"] },
  { field = "subject", op = "not_contains", value = "retur" },
]
then = [ { set = "department", to = "billing" } ]
"#,
    );
    for (subject, want) in [
        ("Fakturaen og betalingen stemmer ikke", Some("billing")),
        ("Fakturaen stemmer ikke", None),
        ("Fakturaen for returen og betalingen", None),
    ] {
        let id = d.new_ticket(subject, &[]);
        assert_eq!(d.ticket(&id)["department"].as_str(), want, "{subject:?}");
    }
}

#[test]
fn languages_in_desk_toml_choose_the_word_forms() {
    let d = helpdesk(RULES);
    d.write(
        "desk.toml",
        &format!(
            "{}languages = [\"en\"]\n{}",
            "[helpdesk]\n",
            &SETTINGS[12..]
        ),
    );
    d.ok(["rules", "check"]);
    // English only: Norwegian inflections and compounds are no longer forms of the terms.
    let id = d.new_ticket("Hvor er fakturaen min?", &[]);
    assert_eq!(d.ticket(&id)["department"], Value::Null);
    let id = d.new_ticket("Two invoices are missing", &[]);
    assert_eq!(d.ticket(&id)["department"], "billing");

    d.write(
        "desk.toml",
        &format!(
            "{}languages = [\"no\", \"sw\"]\n{}",
            "[helpdesk]\n",
            &SETTINGS[12..]
        ),
    );
    let before = d.snapshot_files();
    let out = d.fails(1, ["new", "-s", "x"]);
    assert_eq!(
        out.stderr.trim(),
        "desk: desk.toml:2:20: unknown language `sw`, did you mean `sv`?",
    );
    assert_eq!(d.snapshot_files(), before);
}

#[test]
fn rules_test_says_which_word_matched_and_why() {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d.write("rules.toml", "");
    let id = d.new_ticket(
        "Hvor er fakturaen min?",
        &[
            "--from",
            "kari@fjord.no",
            "-m",
            "Jeg finner ikke fakturanummeret, og betalingen er trukket.",
        ],
    );
    d.write("rules.toml", RULES);
    let out = d.run(["rules", "test", &id]);
    assert_eq!(out.code, 0, "{out}");
    insta::assert_snapshot!("rules-test-word-forms", redact(&out.to_string(), &d));

    let json: Value = serde_json::from_str(&d.ok(["rules", "test", &id, "--format", "json"]))
        .expect("rules test JSON");
    let text = json.to_string();
    assert!(
        text.contains("“fakturaen”, Norwegian form of faktura"),
        "{json:#}"
    );
}
