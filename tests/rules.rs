//! The rule engine end to end, one scenario per promise of the product pages (seeds/):
//! routing by shop, subject, keywords, customer data and channel; several decisions in
//! one rule; least-loaded and round-robin assignment; the engine's semantics (file
//! order, raised events, loops that end, `stop`); the defaults of `desk init`; and
//! `desk rules test`, which explains all of it without writing anything.
//!
//! Every scenario writes its own small rules.toml into a helpdesk with the same
//! desk.toml, runs the real binary, and checks the stored ticket JSON and the history
//! entry the rule is credited with (`rule:NAME`, the event, each field's from → to).

use serde_json::{Value, json};

use crate::common::*;

/// A shoe shop in Oslo and Stockholm: five departments, six agents (Sofie is away).
/// The agents' order matters for ties in least_loaded and for round_robin.
const SETTINGS: &str = r#"
[helpdesk]
name = "Nordlys Sko"
timezone = "Europe/Oslo"
address = "support@nordlys.example"

[[shop]]
id = "oslo"

[[shop]]
id = "stockholm"

[[group]]
id = "vip"

[[department]]
id = "support"
name = "Kundeservice"
address = "support@nordlys.example"
sender = "Nordlys Kundeservice"
signature = "Vennlig hilsen\nNordlys Kundeservice"

[[department]]
id = "billing"
name = "Faktura"
address = "billing@nordlys.example"
sender = "Nordlys Faktura"
signature = "Vennlig hilsen\nNordlys Faktura"

[[department]]
id = "returns"
name = "Retur"
address = "returns@nordlys.example"
sender = "Nordlys Retur"
signature = "Vennlig hilsen\nNordlys Retur"

[[department]]
id = "sales"
name = "Salg"
address = "sales@nordlys.example"
sender = "Nordlys Salg"
signature = "Vennlig hilsen\nNordlys Salg"

[[department]]
id = "wholesale"
name = "Engros"
address = "wholesale@nordlys.example"
sender = "Nordlys Engros"
signature = "Vennlig hilsen\nNordlys Engros"

[[agent]]
id = "ingrid"
name = "Ingrid Berg"
email = "ingrid@nordlys.example"
departments = ["support", "returns"]

[[agent]]
id = "astrid"
name = "Astrid Lindqvist"
email = "astrid@nordlys.example"
departments = ["support", "sales", "returns"]

[[agent]]
id = "erik"
name = "Erik Johansson"
email = "erik@nordlys.example"
departments = ["returns"]

[[agent]]
id = "sofie"
name = "Sofie Nilsson"
email = "sofie@nordlys.example"
departments = ["returns", "billing", "wholesale"]
away = true

[[agent]]
id = "lars"
name = "Lars Bakke"
email = "lars@nordlys.example"
departments = ["billing", "wholesale"]

[[agent]]
id = "magnus"
name = "Magnus Haugen"
email = "magnus@nordlys.example"
departments = ["sales", "wholesale"]

[[type]]
id = "suggestion"
statuses = [
  { id = "new", category = "new" },
  { id = "under-consideration", category = "open" },
  { id = "accepted", category = "open" },
  { id = "rejected", category = "closed" },
  { id = "done", category = "solved" },
]
"#;

// --- helpers -------------------------------------------------------------------------

/// A helpdesk made by `desk init`, with SETTINGS and the given rules (checked valid).
fn helpdesk(rules: &str) -> Desk {
    helpdesk_with(rules, &[])
}

/// The same, with more files (templates) written before the rules are checked.
fn helpdesk_with(rules: &str, files: &[(&str, &str)]) -> Desk {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    for (path, text) in files {
        d.write(path, text);
    }
    d.write("rules.toml", rules);
    d.ok(["rules", "check"]);
    d
}

/// customers/EMAIL.json, written before the customer's first ticket.
fn customer(d: &Desk, email: &str, group: Option<&str>, organization: Option<&str>) {
    let c = json!({
        "email": email,
        "name": null,
        "group": group,
        "organization": organization,
        "fields": {},
        "created_at": NOW,
    });
    let text = serde_json::to_string_pretty(&c).expect("json") + "\n";
    d.write(&format!("customers/{email}.json"), &text);
}

fn history(t: &Value) -> &Vec<Value> {
    t["history"].as_array().expect("history is a list")
}

/// The history entries credited to a rule.
fn by_rule<'a>(t: &'a Value, rule: &str) -> Vec<&'a Value> {
    let actor = format!("rule:{rule}");
    history(t)
        .iter()
        .filter(|h| h["actor"] == actor.as_str())
        .collect()
}

/// The one history entry of a rule, which must have fired exactly once.
fn credit<'a>(t: &'a Value, rule: &str) -> &'a Value {
    let entries = by_rule(t, rule);
    assert_eq!(
        entries.len(),
        1,
        "rule `{rule}` should be credited once; history:\n{:#}",
        t["history"]
    );
    entries[0]
}

/// `[from, to]` of one field in a history entry.
fn change(entry: &Value, field: &str) -> [Value; 2] {
    let c = entry["changes"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["field"] == field))
        .unwrap_or_else(|| panic!("no change of `{field}` in {entry:#}"));
    [c["from"].clone(), c["to"].clone()]
}

/// The fields an entry changed, in order.
fn changed_fields(entry: &Value) -> Vec<String> {
    entry["changes"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| c["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `actor event` of every history entry, to assert the order things happened in.
fn trail(t: &Value) -> Vec<String> {
    history(t)
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h["actor"].as_str().unwrap(),
                h["event"].as_str().unwrap()
            )
        })
        .collect()
}

fn tags(t: &Value) -> Vec<&str> {
    t["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// The .eml files in outbox/, by name.
fn outbox(d: &Desk) -> Vec<String> {
    let dir = d.path("outbox");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| d.read(&format!("outbox/{n}")))
        .collect()
}

/// A header of a message, unfolded; `None` if absent.
fn header(eml: &str, name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in eml.split('\n').map(|l| l.trim_end_matches('\r')) {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(v) = found.as_mut() {
                v.push_str(line);
            }
            continue;
        }
        if found.is_some() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case(name)
        {
            found = Some(v.trim().to_string());
        }
    }
    found
}

// --- 1. routing ----------------------------------------------------------------------

#[test]
fn routes_by_shop() {
    let d = helpdesk(
        r#"
[[rule]]
name = "stockholm-shop"
on = ["ticket.created"]
if.all = [ { field = "shop", op = "is", value = "stockholm" } ]
then = [
  { set = "department", to = "sales" },
  { add_tags = ["sverige"] },
]
"#,
    );
    let se = d.new_ticket("Storlek 38?", &["--shop", "stockholm"]);
    let no = d.new_ticket("Størrelse 38?", &["--shop", "oslo"]);

    let t = d.ticket(&se);
    assert_eq!(t["department"], "sales");
    assert_eq!(tags(&t), ["sverige"]);
    let h = credit(&t, "stockholm-shop");
    assert_eq!(h["event"], "ticket.created");
    assert_eq!(h["at"], NOW);
    assert_eq!(change(h, "department"), [Value::Null, json!("sales")]);
    assert_eq!(change(h, "tags"), [json!([]), json!(["sverige"])]);

    let t = d.ticket(&no);
    assert_eq!(t["department"], Value::Null);
    assert!(
        by_rule(&t, "stockholm-shop").is_empty(),
        "oslo is not stockholm"
    );
}

#[test]
fn routes_by_subject_keyword() {
    let d = helpdesk(
        r#"
[[rule]]
name = "returns-subject"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = ["retur", "return", "bytte"] } ]
then = [ { set = "department", to = "returns" } ]
"#,
    );
    let yes = d.new_ticket("Retur av sko", &[]);
    let no = d.new_ticket("Levering", &["-m", "Jeg vil bytte adresse"]);

    let t = d.ticket(&yes);
    assert_eq!(t["department"], "returns");
    let h = credit(&t, "returns-subject");
    assert_eq!(h["event"], "ticket.created");
    assert_eq!(change(h, "department"), [Value::Null, json!("returns")]);

    // The keyword is in the body, and this rule looks at the subject only.
    assert_eq!(d.ticket(&no)["department"], Value::Null);
}

#[test]
fn routes_by_body_keyword() {
    let d = helpdesk(
        r#"
[[rule]]
name = "returns-body"
on = ["ticket.created"]
if.all = [ { field = "body", op = "contains", value = ["retur", "bytte"] } ]
then = [ { set = "department", to = "returns" } ]
"#,
    );
    let yes = d.new_ticket(
        "Sko",
        &[
            "-m",
            "Hei! Jeg vil bytte til str 42.",
            "--from",
            "kari@fjord.no",
        ],
    );
    let no = d.new_ticket("Bytte", &["-m", "Hei", "--from", "ola@fjord.no"]);

    let t = d.ticket(&yes);
    assert_eq!(t["department"], "returns");
    let h = credit(&t, "returns-body");
    assert_eq!(h["event"], "ticket.created");
    assert_eq!(change(h, "department"), [Value::Null, json!("returns")]);

    assert_eq!(
        d.ticket(&no)["department"],
        Value::Null,
        "the subject is not the body"
    );
}

#[test]
fn routes_by_customer_data() {
    let d = helpdesk(
        r#"
[[rule]]
name = "vip-group"
on = ["ticket.created"]
if.all = [ { field = "customer.group", op = "is", value = "vip" } ]
then = [ { add_tags = ["vip"] } ]

[[rule]]
name = "reseller-domain"
on = ["ticket.created"]
if.all = [ { field = "customer.domain", op = "is", value = "skobutikken.no" } ]
then = [ { set = "department", to = "wholesale" } ]

[[rule]]
name = "organization-is-b2b"
on = ["ticket.created"]
if.all = [ { field = "customer.organization", op = "is", value = "Fjellsko AS" } ]
then = [ { set = "department", to = "wholesale" }, { add_tags = ["b2b"] } ]
"#,
    );
    customer(&d, "vera@vip.no", Some("vip"), None);
    customer(&d, "per@fjellsko.no", None, Some("Fjellsko AS"));

    let vip = d.new_ticket("Hei", &["--from", "vera@vip.no"]);
    let shop = d.new_ticket("Ordre", &["--from", "innkjop@skobutikken.no"]);
    let org = d.new_ticket("Ordre", &["--from", "per@fjellsko.no"]);
    let plain = d.new_ticket("Hei", &["--from", "kari@fjord.no"]);

    let t = d.ticket(&vip);
    assert_eq!(tags(&t), ["vip"]);
    assert_eq!(
        change(credit(&t, "vip-group"), "tags"),
        [json!([]), json!(["vip"])]
    );
    assert_eq!(t["department"], Value::Null);

    let t = d.ticket(&shop);
    assert_eq!(t["department"], "wholesale");
    let h = credit(&t, "reseller-domain");
    assert_eq!(h["event"], "ticket.created");
    assert_eq!(change(h, "department"), [Value::Null, json!("wholesale")]);
    assert!(by_rule(&t, "organization-is-b2b").is_empty());

    let t = d.ticket(&org);
    assert_eq!(t["department"], "wholesale");
    assert_eq!(tags(&t), ["b2b"]);
    let h = credit(&t, "organization-is-b2b");
    assert_eq!(changed_fields(h), ["department", "tags"]);

    let t = d.ticket(&plain);
    assert_eq!(t["department"], Value::Null);
    assert!(t["tags"].as_array().unwrap().is_empty());
    assert_eq!(trail(&t), ["system ticket.created"], "no rule fired");

    // The customer records written by hand were kept as they were.
    let c: Value = serde_json::from_str(&d.read("customers/vera@vip.no.json")).unwrap();
    assert_eq!(c["group"], "vip");
}

#[test]
fn routes_by_channel() {
    let d = helpdesk(
        r#"
[[rule]]
name = "web-form"
on = ["ticket.created"]
if.all = [ { field = "channel", op = "is", value = "web" } ]
then = [ { add_tags = ["web-form"] } ]
"#,
    );
    let web = d.new_ticket("Skjema", &["--channel", "web"]);
    let chat = d.new_ticket("Chat", &["--channel", "chat"]);

    let t = d.ticket(&web);
    assert_eq!(t["channel"], "web");
    assert_eq!(tags(&t), ["web-form"]);
    assert_eq!(credit(&t, "web-form")["event"], "ticket.created");
    assert!(by_rule(&d.ticket(&chat), "web-form").is_empty());
}

// --- 2. keywords in five languages ---------------------------------------------------

const BILLING_RULES: &str = r#"
[[rule]]
name = "billing-keywords"
on = ["ticket.created"]
if.any = [
  { field = "subject", op = "contains", value = ["invoice", "payment", "faktura", "betaling", "betalning", "regning", "Rechnung", "Zahlung", "Rückerstattung"] },
  { field = "body",    op = "contains", value = ["invoice", "payment", "faktura", "betaling", "betalning", "regning", "Rechnung", "Zahlung", "Rückerstattung"] },
]
then = [ { set = "department", to = "billing" } ]

[[rule]]
name = "returns-phrases"
on = ["ticket.created"]
if.any = [
  { field = "subject", op = "contains", value = ["ångra köp", "返品"] },
  { field = "body",    op = "contains", value = ["ångra köp", "返品"] },
]
then = [ { set = "department", to = "returns" } ]
"#;

#[test]
fn invoice_and_payment_words_route_to_billing_in_five_languages() {
    let d = helpdesk(BILLING_RULES);
    // (subject, body, department expected)
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("Question about my invoice", "", Some("billing")),
        ("INVOICE 2026-114 is wrong", "", Some("billing")),
        ("Spørsmål om faktura", "", Some("billing")),
        (
            "Hei",
            "Betalingen min gikk ikke gjennom, betaling avvist.",
            Some("billing"),
        ),
        ("Fråga", "Min betalning drogs två gånger", Some("billing")),
        ("Regning", "", Some("billing")),
        ("Frage zur Rechnung", "", Some("billing")),
        (
            "Bestellung 4711",
            "Die Zahlung wurde doppelt abgebucht.",
            Some("billing"),
        ),
        ("RÜCKERSTATTUNG bitte", "", Some("billing")),
        // Word forms and compounds count (tests/language.rs has more); other words do not.
        ("Fakturanummer mangler", "", Some("billing")),
        ("Hvor finner jeg fakturanummeret?", "", Some("billing")),
        ("All invoices", "", Some("billing")),
        ("Paid with PayPal", "", None),
        // Phrases match as phrases, any script.
        ("Jag vill ångra köp", "", Some("returns")),
        ("Hej", "Jag vill ÅNGRA KÖP av skorna.", Some("returns")),
        ("Jag vill ångra mitt köp", "", None),
        ("ご注文について", "商品を返品したいです", Some("returns")),
        ("ご注文について", "商品を交換したいです", None),
    ];
    let mut wrong = Vec::new();
    for (subject, body, want) in cases {
        let mut args = vec!["--from", "kunde@example.no"];
        if !body.is_empty() {
            args.extend(["-m", body]);
        }
        let id = d.new_ticket(subject, &args);
        let t = d.ticket(&id);
        let got = t["department"].as_str();
        if got != *want {
            wrong.push(format!(
                "{subject:?} / {body:?}: want {want:?}, got {got:?}"
            ));
            continue;
        }
        if let Some(dept) = want {
            let rule = if *dept == "billing" {
                "billing-keywords"
            } else {
                "returns-phrases"
            };
            let h = credit(&t, rule);
            assert_eq!(h["event"], "ticket.created");
            assert_eq!(change(h, "department"), [Value::Null, json!(dept)]);
        } else {
            assert_eq!(trail(&t), ["system ticket.created"], "{subject:?}");
        }
    }
    assert!(wrong.is_empty(), "routed wrongly:\n{}", wrong.join("\n"));
}

// --- 3. VIP customers ----------------------------------------------------------------

#[test]
fn vip_customers_get_urgent_priority_a_tag_and_the_vip_sla() {
    let d = helpdesk(
        r#"
[[rule]]
name = "vip-customer"
on = ["ticket.created"]
if.all = [ { field = "customer.group", op = "is", value = "vip" } ]
then = [
  { set = "priority", to = "urgent" },
  { add_tags = ["vip"] },
  { set = "sla", to = "vip" },
]

[[sla]]
name = "standard"
first_reply = "8h"

[[sla]]
name = "vip"
first_reply = "1h"
next_reply = "4h"
resolution = "2d"
"#,
    );
    customer(&d, "vera@vip.no", Some("vip"), None);
    let vip = d.new_ticket("Hvor er pakken?", &["--from", "vera@vip.no"]);
    let plain = d.new_ticket("Hvor er pakken?", &["--from", "kari@fjord.no"]);

    let t = d.ticket(&vip);
    assert_eq!(t["priority"], "urgent");
    assert_eq!(tags(&t), ["vip"]);
    assert_eq!(t["sla"]["policy"], "vip");
    let h = credit(&t, "vip-customer");
    assert_eq!(h["event"], "ticket.created");
    assert_eq!(changed_fields(h), ["priority", "tags", "sla"]);
    assert_eq!(change(h, "priority"), [json!("normal"), json!("urgent")]);
    assert_eq!(change(h, "tags"), [json!([]), json!(["vip"])]);
    assert_eq!(change(h, "sla")[1], "vip");

    let t = d.ticket(&plain);
    assert_eq!(t["priority"], "normal");
    assert_ne!(t["sla"]["policy"], "vip");
    assert!(by_rule(&t, "vip-customer").is_empty());
}

#[test]

fn setting_an_undefined_sla_policy_is_a_configuration_error() {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d.write(
        "rules.toml",
        r#"
[[sla]]
name = "vip"
first_reply = "1h"

[[rule]]
name = "vip-customer"
on = ["ticket.created"]
if.all = [ { field = "customer.group", op = "is", value = "vip" } ]
then = [ { set = "sla", to = "vipp" } ]
"#,
    );
    let out = d.fails(1, ["rules", "check"]);
    assert!(out.stderr.contains("rules.toml:10:"), "{out}");
    assert!(out.stderr.contains("vipp"), "{out}");
}

// --- 4. the department chooser of a web form -----------------------------------------

#[test]
fn a_department_chosen_on_the_web_form_is_kept_and_a_missing_one_filled_in() {
    let d = helpdesk(
        r#"
[[rule]]
name = "default-department"
on = ["ticket.created"]
if.all = [ { field = "department", op = "missing" } ]
then = [ { set = "department", to = "support" } ]
"#,
    );
    let chosen = d.new_ticket(
        "Feil størrelse",
        &[
            "--channel",
            "web",
            "--department",
            "returns",
            "--from",
            "kari@fjord.no",
        ],
    );
    let none = d.new_ticket("Spørsmål", &["--channel", "web", "--from", "kari@fjord.no"]);

    let t = d.ticket(&chosen);
    assert_eq!(t["department"], "returns");
    assert!(by_rule(&t, "default-department").is_empty());
    assert_eq!(trail(&t), ["system ticket.created"]);

    let t = d.ticket(&none);
    assert_eq!(t["department"], "support");
    let h = credit(&t, "default-department");
    assert_eq!(h["event"], "ticket.created");
    assert_eq!(change(h, "department"), [Value::Null, json!("support")]);
}

// --- 5. several decisions in one rule ------------------------------------------------

#[test]
fn one_rule_applies_several_decisions_in_one_history_entry_and_notifies_the_department() {
    let template = "Subject: Complaint: {{ticket.subject}}\n\nA complaint for {{department.name}} from {{customer.email}}.\nAssigned to {{agent.name}}.\n";
    let d = helpdesk_with(
        r#"
[[rule]]
name = "complaint"
on = ["ticket.created"]
if.all = [ { field = "type", op = "is", value = "ticket" } ]
if.any = [ { field = "subject", op = "contains", value = ["reklamasjon", "klage"] } ]
then = [
  { set = "status", to = "open" },
  { set = "priority", to = "high" },
  { add_tags = ["complaint", "escalated"] },
  { set = "department", to = "returns" },
  { assign = "erik" },
  { notify = "department", template = "complaint" },
]
"#,
        &[("templates/complaint.txt", template)],
    );
    let id = d.new_ticket(
        "Reklamasjon sko",
        &["-m", "Sålen løsnet", "--from", "kari@fjord.no"],
    );

    let t = d.ticket(&id);
    assert_eq!(t["status"], "open");
    assert_eq!(t["priority"], "high");
    assert_eq!(tags(&t), ["complaint", "escalated"]);
    assert_eq!(t["department"], "returns");
    assert_eq!(t["assignee"], "erik");

    let h = credit(&t, "complaint");
    assert_eq!(h["event"], "ticket.created");
    assert_eq!(
        changed_fields(h),
        ["status", "priority", "tags", "department", "assignee"]
    );
    assert_eq!(change(h, "status"), [json!("new"), json!("open")]);
    assert_eq!(change(h, "priority"), [json!("normal"), json!("high")]);
    assert_eq!(
        change(h, "tags"),
        [json!([]), json!(["complaint", "escalated"])]
    );
    assert_eq!(change(h, "department"), [Value::Null, json!("returns")]);
    assert_eq!(change(h, "assignee"), [Value::Null, json!("erik")]);
    assert_eq!(
        trail(&t),
        ["system ticket.created", "rule:complaint ticket.created"]
    );

    // The notification goes to the department's agents who are not away.
    let mail = outbox(&d);
    assert_eq!(mail.len(), 1, "one notification");
    let eml = &mail[0];
    let to = header(eml, "To").expect("To:");
    for a in [
        "ingrid@nordlys.example",
        "astrid@nordlys.example",
        "erik@nordlys.example",
    ] {
        assert!(to.contains(a), "To: {to} lacks {a}");
    }
    assert!(!to.contains("sofie"), "Sofie is away: To: {to}");
    assert!(
        !to.contains("kari@fjord.no"),
        "a notification is for agents: To: {to}"
    );
    assert_eq!(
        header(eml, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(
        header(eml, "From")
            .unwrap()
            .contains("returns@nordlys.example"),
        "{eml}"
    );
    let subject = header(eml, "Subject").unwrap();
    assert!(subject.contains("Complaint: Reklamasjon sko"), "{subject}");
    assert!(subject.contains(&format!("[#{id}]")), "{subject}");
    assert!(eml.contains("Assigned to Erik Johansson."), "{eml}");
}

// --- 6. automatic assignment ---------------------------------------------------------

#[test]
fn least_loaded_picks_the_agent_with_fewest_open_tickets_and_never_one_away() {
    let d = helpdesk(
        r#"
[[rule]]
name = "returns-least-loaded"
on = ["ticket.created"]
if.all = [
  { field = "department", op = "is", value = "returns" },
  { field = "assignee", op = "missing" },
]
then = [ { assign = "least_loaded" } ]
"#,
    );
    // Open load: ingrid 2, astrid 1, erik 0; sofie 0 but away.
    let i1 = d.new_ticket("a", &["--department", "support"]);
    let i2 = d.new_ticket("b", &["--department", "support"]);
    let a1 = d.new_ticket("c", &["--department", "support"]);
    d.ok(["assign", &i1, "ingrid"]);
    d.ok(["assign", &i2, "ingrid"]);
    d.ok(["assign", &a1, "astrid"]);

    let returns = |subject: &str| {
        let id = d.new_ticket(subject, &["--department", "returns"]);
        let t = d.ticket(&id);
        let h = credit(&t, "returns-least-loaded");
        assert_eq!(h["event"], "ticket.created");
        assert_eq!(change(h, "assignee")[0], Value::Null);
        assert_eq!(change(h, "assignee")[1], t["assignee"]);
        t["assignee"].as_str().unwrap_or("(none)").to_string()
    };
    assert_eq!(returns("r1"), "erik", "erik has no open ticket");
    // ingrid 2, astrid 1, erik 1: a tie goes to the first in desk.toml.
    assert_eq!(returns("r2"), "astrid");
    // ingrid 2, astrid 2, erik 1.
    assert_eq!(returns("r3"), "erik");
    // Solved tickets are no load: ingrid 0.
    d.ok(["solve", &i1]);
    d.ok(["solve", &i2]);
    assert_eq!(returns("r4"), "ingrid");
}

#[test]
fn round_robin_rotates_between_processes_and_skips_agents_away() {
    let d = helpdesk(
        r#"
[[rule]]
name = "wholesale-round-robin"
on = ["ticket.created"]
if.all = [ { field = "department", op = "is", value = "wholesale" } ]
then = [ { assign = "round_robin" } ]
"#,
    );
    // Wholesale: sofie (away), lars, magnus.
    let next = || {
        let id = d.new_ticket("Ordre", &["--department", "wholesale"]);
        let t = d.ticket(&id);
        let h = credit(&t, "wholesale-round-robin");
        assert_eq!(change(h, "assignee")[1], t["assignee"]);
        t["assignee"].as_str().unwrap_or("(none)").to_string()
    };
    let a = next();
    let b = next();
    assert_eq!([a.as_str(), b.as_str()], ["lars", "magnus"]);

    // Trying the rules shows who is next, and does not move the rotation.
    d.write(
        "draft.json",
        r#"{ "subject": "Ordre", "department": "wholesale" }"#,
    );
    for _ in 0..2 {
        let report = d
            .run([
                "rules",
                "test",
                "--ticket",
                "draft.json",
                "--format",
                "json",
            ])
            .json();
        assert_eq!(report["result"]["assignee"], "lars", "{report:#}");
    }

    let picks: Vec<String> = (0..3).map(|_| next()).collect();
    assert_eq!(picks, ["lars", "magnus", "lars"]);
}

// --- 7. semantics ---------------------------------------------------------------------

#[test]
fn later_rules_see_the_changes_of_earlier_rules() {
    let d = helpdesk(
        r#"
[[rule]]
name = "billing-keywords"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = "faktura" } ]
then = [ { set = "department", to = "billing" } ]

[[rule]]
name = "billing-is-high"
on = ["ticket.created"]
if.all = [ { field = "department", op = "is", value = "billing" } ]
then = [ { set = "priority", to = "high" } ]
"#,
    );
    let id = d.new_ticket("Faktura 1234", &[]);
    let t = d.ticket(&id);
    assert_eq!(t["department"], "billing");
    assert_eq!(t["priority"], "high");
    assert_eq!(
        trail(&t),
        [
            "system ticket.created",
            "rule:billing-keywords ticket.created",
            "rule:billing-is-high ticket.created",
        ]
    );
    assert_eq!(
        change(credit(&t, "billing-is-high"), "priority"),
        [json!("normal"), json!("high")]
    );
}

#[test]
fn a_change_raises_its_event_and_runs_the_rules_again() {
    let d = helpdesk(
        r#"
# First in the file, but it can only fire on the event the next rule raises.
[[rule]]
name = "tell-returns"
on = ["department.changed"]
if.all = [ { field = "changes.department.to", op = "is", value = "returns" } ]
then = [ { add_tags = ["moved-to-returns"] } ]

[[rule]]
name = "returns-keywords"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = "retur" } ]
then = [ { set = "department", to = "returns" } ]
"#,
    );
    let id = d.new_ticket("Retur", &["--department", "support"]);
    let t = d.ticket(&id);
    assert_eq!(t["department"], "returns");
    assert_eq!(tags(&t), ["moved-to-returns"]);
    assert_eq!(
        trail(&t),
        [
            "system ticket.created",
            "rule:returns-keywords ticket.created",
            "rule:tell-returns department.changed",
        ]
    );
    assert_eq!(
        change(credit(&t, "returns-keywords"), "department"),
        [json!("support"), json!("returns")]
    );

    // A person's transfer raises the same event.
    let other = d.new_ticket("Sko", &["--department", "support"]);
    d.ok(["transfer", &other, "returns"]);
    let t = d.ticket(&other);
    assert_eq!(tags(&t), ["moved-to-returns"]);
    assert_eq!(credit(&t, "tell-returns")["event"], "department.changed");
}

#[test]
fn two_rules_that_undo_each_other_fire_once_each_and_end_the_same_way_every_time() {
    let rules = r#"
[[rule]]
name = "solved-reopens"
on = ["status.changed", "ticket.updated"]
if.all = [ { field = "status", op = "is", value = "solved" } ]
then = [ { set = "status", to = "open" } ]

[[rule]]
name = "open-solves"
on = ["status.changed", "ticket.updated"]
if.all = [ { field = "status", op = "is", value = "open" } ]
then = [ { set = "status", to = "solved" } ]
"#;
    let run = || {
        let d = helpdesk(rules);
        let id = d.new_ticket("Loop", &[]);
        d.ok(["set", &id, "status=solved"]);
        d.ticket(&id)
    };
    let t = run();
    assert_eq!(t["status"], "solved");
    assert_eq!(
        trail(&t),
        [
            "system ticket.created",
            "system ticket.updated",
            "rule:solved-reopens ticket.updated",
            "rule:open-solves ticket.updated",
        ]
    );
    assert_eq!(
        change(credit(&t, "solved-reopens"), "status"),
        [json!("solved"), json!("open")]
    );
    assert_eq!(
        change(credit(&t, "open-solves"), "status"),
        [json!("open"), json!("solved")]
    );

    // Deterministic: a second helpdesk ends the same way.
    let again = run();
    assert_eq!(again["status"], t["status"]);
    assert_eq!(trail(&again), trail(&t));
}

#[test]
fn stop_keeps_later_rules_from_running_for_that_event() {
    let d = helpdesk(
        r#"
[[rule]]
name = "vip-first"
on = ["ticket.created"]
if.all = [ { field = "customer.group", op = "is", value = "vip" } ]
then = [ { set = "department", to = "sales" }, { set = "priority", to = "high" } ]
stop = true

[[rule]]
name = "default-department"
on = ["ticket.created"]
if.all = [ { field = "department", op = "is_not", value = "returns" } ]
then = [ { set = "department", to = "support" } ]

# Another event (raised by the priority change) is not stopped.
[[rule]]
name = "tag-high"
on = ["ticket.created", "ticket.updated"]
if.all = [ { field = "priority", op = "is", value = "high" } ]
then = [ { add_tags = ["high"] } ]
"#,
    );
    customer(&d, "vera@vip.no", Some("vip"), None);
    let vip = d.new_ticket("Hei", &["--from", "vera@vip.no"]);
    let plain = d.new_ticket("Hei", &["--from", "kari@fjord.no"]);

    let t = d.ticket(&vip);
    assert_eq!(
        t["department"], "sales",
        "default-department did not run after stop"
    );
    assert!(by_rule(&t, "default-department").is_empty());
    assert_eq!(tags(&t), ["high"]);
    assert_eq!(
        trail(&t),
        [
            "system ticket.created",
            "rule:vip-first ticket.created",
            "rule:tag-high ticket.updated",
        ]
    );

    let t = d.ticket(&plain);
    assert_eq!(t["department"], "support");
    assert_eq!(credit(&t, "default-department")["event"], "ticket.created");

    // The trace names the rule that stopped the others.
    let out = d.ok(["rules", "test", &vip, "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let verdicts: Vec<(String, String, String)> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                r["event"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let find = |rule: &str, event: &str| {
        verdicts
            .iter()
            .find(|(r, e, _)| r == rule && e == event)
            .map(|(_, _, v)| v.as_str())
    };
    assert_eq!(find("vip-first", "ticket.created"), Some("fired"));
    assert_eq!(
        find("default-department", "ticket.created"),
        Some("stopped")
    );
    assert_eq!(find("tag-high", "ticket.created"), Some("stopped"));
}

/// The settings of this file with the rules `desk init` wrote.
fn with_default_rules() -> Desk {
    let d = Desk::new().acting_as("ingrid");
    d.write("desk.toml", SETTINGS);
    d.ok(["rules", "check"]);
    d
}

#[test]
fn default_rules_an_agent_reply_sets_pending() {
    let d = with_default_rules();
    let id = d.new_ticket(
        "Hjelp",
        &["-m", "Hvor er pakken?", "--from", "kari@fjord.no"],
    );
    d.ok(["reply", &id, "-m", "Den kommer i morgen."]);
    let t = d.ticket(&id);
    assert_eq!(t["status"], "pending");
    let h = credit(&t, "agent-reply-sets-pending");
    assert_eq!(h["event"], "agent.replied");
    assert_eq!(change(h, "status"), [json!("new"), json!("pending")]);
    let last_two: Vec<String> = trail(&t).into_iter().rev().take(2).collect();
    assert_eq!(
        last_two,
        [
            "rule:agent-reply-sets-pending agent.replied",
            "agent:ingrid agent.replied"
        ]
    );
}

#[test]
fn default_rules_a_mailed_ticket_gets_the_received_auto_reply() {
    let d = with_default_rules();
    let id = d.new_ticket(
        "Hjelp med bestilling",
        &[
            "-m",
            "Hei",
            "--channel",
            "email",
            "--from",
            "kari@fjord.no",
            "--name",
            "Kari Fjord",
        ],
    );
    let t = d.ticket(&id);
    let h = credit(&t, "received-auto-reply");
    assert_eq!(h["event"], "ticket.created");

    let mail = outbox(&d);
    assert_eq!(mail.len(), 1, "one auto-reply");
    let eml = &mail[0];
    assert_eq!(
        header(eml, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    let to = header(eml, "To").unwrap();
    assert!(to.contains("kari@fjord.no"), "To: {to}");
    let subject = header(eml, "Subject").unwrap();
    assert!(subject.contains(&format!("[#{id}]")), "Subject: {subject}");

    // The auto-reply is on the ticket too, as an `auto` message by the rule.
    let auto: Vec<&Value> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "auto")
        .collect();
    assert_eq!(auto.len(), 1, "{:#}", t["messages"]);
    assert_eq!(auto[0]["author"], "rule:received-auto-reply");
    assert!(auto[0]["body"].as_str().unwrap().contains("Kari Fjord"));
    let mid = header(eml, "Message-ID").unwrap();
    assert_eq!(auto[0]["message_id"].as_str(), Some(mid.as_str()));
}

#[test]
fn default_rules_never_auto_reply_to_robots() {
    let d = with_default_rules();
    for from in [
        "noreply@fjord.no",
        "mailer-daemon@fjord.no",
        "support@nordlys.example",
    ] {
        let id = d.new_ticket(
            "Delivery report",
            &["-m", "x", "--channel", "email", "--from", from],
        );
        let t = d.ticket(&id);
        assert!(
            t["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["kind"] != "auto"),
            "{from}: {:#}",
            t["messages"]
        );
        assert!(outbox(&d).is_empty(), "{from} got an auto-reply");
    }
    // Not a mailed ticket: no auto-reply either.
    d.new_ticket(
        "Telefon",
        &["-m", "x", "--channel", "phone", "--from", "kari@fjord.no"],
    );
    assert!(outbox(&d).is_empty());
}

// --- 8. changes in event rules -------------------------------------------------------

#[test]
fn event_rules_test_what_changed() {
    let d = helpdesk(
        r#"
[[rule]]
name = "solved-gets-tag"
on = ["status.changed"]
if.all = [ { field = "status", op = "changed_to", value = "solved" } ]
then = [ { add_tags = ["was-solved"] } ]

[[rule]]
name = "answered-after-pending"
on = ["status.changed"]
if.all = [ { field = "status", op = "changed_from", value = "pending" } ]
then = [ { add_tags = ["answered"] } ]

[[rule]]
name = "moved"
on = ["department.changed"]
if.all = [ { field = "department", op = "changed" } ]
then = [ { add_tags = ["moved"] } ]

[[rule]]
name = "raised-from-low-to-urgent"
on = ["ticket.updated"]
if.all = [
  { field = "changes.priority.from", op = "is", value = "low" },
  { field = "changes.priority.to", op = "is", value = "urgent" },
]
then = [ { add_tags = ["escalated"] } ]
"#,
    );
    let id = d.new_ticket("Sko", &["--department", "support"]);
    d.ok(["set", &id, "status=pending"]);
    let t = d.ticket(&id);
    assert!(
        tags(&t).is_empty(),
        "new → pending fires nothing: {:#}",
        t["history"]
    );

    d.ok(["solve", &id]);
    let t = d.ticket(&id);
    assert_eq!(tags(&t), ["answered", "was-solved"]);
    assert_eq!(credit(&t, "solved-gets-tag")["event"], "status.changed");
    assert_eq!(
        credit(&t, "answered-after-pending")["event"],
        "status.changed"
    );
    assert_eq!(
        change(credit(&t, "answered-after-pending"), "tags"),
        [json!(["was-solved"]), json!(["answered", "was-solved"])]
    );

    d.ok(["set", &id, "priority=high"]);
    d.ok(["set", &id, "priority=urgent"]);
    assert!(
        by_rule(&d.ticket(&id), "raised-from-low-to-urgent").is_empty(),
        "high → urgent"
    );
    d.ok(["set", &id, "priority=low"]);
    d.ok(["set", &id, "priority=urgent"]);
    let t = d.ticket(&id);
    let h = credit(&t, "raised-from-low-to-urgent");
    assert_eq!(h["event"], "ticket.updated");
    assert!(tags(&t).contains(&"escalated"));

    assert!(by_rule(&t, "moved").is_empty());
    d.ok(["transfer", &id, "returns"]);
    let t = d.ticket(&id);
    assert_eq!(credit(&t, "moved")["event"], "department.changed");
    assert!(tags(&t).contains(&"moved"));
}

// --- 9. delete, snooze, note, remove_tags --------------------------------------------

#[test]
fn delete_removes_the_ticket_file() {
    let d = helpdesk(
        r#"
[[rule]]
name = "spam-on-arrival"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = "casino" } ]
then = [ { delete = true } ]

[[rule]]
name = "spam-status-deletes"
on = ["status.changed"]
if.all = [ { field = "status", op = "is", value = "spam" } ]
then = [ { delete = true } ]
"#,
    );
    let gone = d.new_ticket("Free casino bonus", &[]);
    assert!(!d.path(&format!("tickets/{gone}.json")).exists());

    let id = d.new_ticket("Hei", &[]);
    assert!(d.path(&format!("tickets/{id}.json")).exists());
    d.ok(["set", &id, "status=spam"]);
    assert!(!d.path(&format!("tickets/{id}.json")).exists());
    d.fails(1, ["show", &id]);
}

#[test]
fn snooze_sets_pending_and_the_wake_up_time() {
    let mut d = helpdesk(
        r#"
[[rule]]
name = "wait-for-supplier"
on = ["ticket.updated"]
if.all = [ { field = "tags", op = "contains", value = "supplier" } ]
then = [ { snooze = "2d" } ]
"#,
    );
    let id = d.new_ticket("Str 47", &[]);
    d.set_now("2026-11-25T14:30:00Z");
    d.ok(["set", &id, "+supplier"]);
    let t = d.ticket(&id);
    assert_eq!(t["status"], "pending");
    assert_eq!(
        t["snoozed_until"], "2026-11-27T14:30:00Z",
        "two days after the change"
    );
    let h = credit(&t, "wait-for-supplier");
    assert_eq!(h["event"], "ticket.updated");
    assert_eq!(h["at"], "2026-11-25T14:30:00Z");
    assert_eq!(change(h, "status"), [json!("new"), json!("pending")]);
    assert_eq!(
        change(h, "snoozed_until"),
        [Value::Null, json!("2026-11-27T14:30:00Z")]
    );
}

const NOTE_RULES: &str = r#"
[[rule]]
name = "oslo-note"
on = ["ticket.created"]
if.all = [ { field = "shop", op = "is", value = "oslo" } ]
then = [ { note = "From {{customer.email}} in shop {{ticket.shop}} via {{ticket.channel}}: {{ticket.subject}} ({{ticket.priority}})" } ]
"#;

#[test]
fn a_note_renders_its_placeholders_into_an_internal_note() {
    let d = helpdesk(NOTE_RULES);
    let id = d.new_ticket(
        "Str 42",
        &[
            "--shop",
            "oslo",
            "--channel",
            "web",
            "--from",
            "kari@fjord.no",
        ],
    );
    let t = d.ticket(&id);
    let notes: Vec<&Value> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "note")
        .collect();
    assert_eq!(notes.len(), 1, "{:#}", t["messages"]);
    assert_eq!(notes[0]["author"], "rule:oslo-note");
    assert_eq!(
        notes[0]["body"],
        "From kari@fjord.no in shop oslo via web: Str 42 (normal)"
    );
    assert!(outbox(&d).is_empty(), "a note is internal: no mail");
}

#[test]

fn a_note_only_rule_is_credited_in_the_history() {
    let d = helpdesk(NOTE_RULES);
    let id = d.new_ticket("Str 42", &["--shop", "oslo"]);
    let t = d.ticket(&id);
    assert_eq!(credit(&t, "oslo-note")["event"], "ticket.created");
    let show = d.ok(["show", &id]);
    assert!(show.contains("rule oslo-note"), "{show}");
}

#[test]
fn remove_tags_takes_tags_off() {
    let d = helpdesk(
        r#"
[[rule]]
name = "done-needs-no-follow-up"
on = ["status.changed"]
if.all = [ { field = "status_category", op = "in", value = ["solved", "closed"] } ]
then = [ { remove_tags = ["needs-follow-up", "not-there"] } ]
"#,
    );
    let id = d.new_ticket("Sko", &["--tag", "needs-follow-up", "--tag", "vip"]);
    d.ok(["solve", &id]);
    let t = d.ticket(&id);
    assert_eq!(tags(&t), ["vip"]);
    let h = credit(&t, "done-needs-no-follow-up");
    assert_eq!(h["event"], "status.changed");
    assert_eq!(
        change(h, "tags"),
        [json!(["needs-follow-up", "vip"]), json!(["vip"])]
    );
}

// --- 10. desk rules test -------------------------------------------------------------

const TRY_RULES: &str = r#"
[[rule]]
name = "billing-keywords"
on = ["ticket.created", "customer.replied"]
if.any = [
  { field = "subject", op = "contains", value = ["faktura", "invoice"] },
  { field = "body", op = "contains", value = ["faktura", "invoice"] },
]
then = [
  { set = "department", to = "billing" },
  { add_tags = ["billing"] },
]

[[rule]]
name = "vip-customer"
on = ["ticket.created"]
if.all = [
  { field = "customer.group", op = "is", value = "vip" },
  { field = "priority", op = "lt", value = "urgent" },
]
then = [ { set = "priority", to = "urgent" } ]

[[rule]]
name = "agent-reply-sets-pending"
on = ["agent.replied"]
if.all = [ { field = "type", op = "is", value = "ticket" } ]
then = [ { set = "status", to = "pending" } ]

[[rule]]
name = "received-auto-reply"
on = ["ticket.created"]
if.all = [ { field = "channel", op = "is", value = "email" } ]
then = [ { reply = "received" } ]
"#;

/// A ticket made before TRY_RULES existed, so the rules have not touched it yet.
fn ticket_before_the_rules() -> (Desk, String) {
    let d = Desk::new();
    d.write("desk.toml", SETTINGS);
    d.write("rules.toml", "");
    let id = d.new_ticket(
        "Faktura 2026-114",
        &[
            "-m",
            "Beløpet er feil.",
            "--from",
            "kari@fjord.no",
            "--channel",
            "email",
        ],
    );
    d.write("rules.toml", TRY_RULES);
    d.ok(["rules", "check"]);
    (d, id)
}

#[test]
fn rules_test_explains_which_rule_fires_and_why_the_other_does_not() {
    let (d, id) = ticket_before_the_rules();
    let before = d.snapshot_files();
    let out = d.run(["rules", "test", &id]);
    assert_eq!(out.code, 0, "{out}");
    // The name of the mail that would be queued ends in random hex.
    let random = regex::Regex::new(r"\.[0-9a-f]{16}\.eml").unwrap();
    let text = redact(&out.to_string(), &d);
    insta::assert_snapshot!(
        "rules-test-human",
        random.replace_all(&text, ".[RANDOM].eml")
    );
    assert_eq!(d.snapshot_files(), before, "rules test writes nothing");
}

/// Every test of a condition trace: (test, saw, held).
fn tests_of(trace: &Value, out: &mut Vec<(String, String, bool)>) {
    if let Some(children) = trace["children"].as_array() {
        for c in children {
            tests_of(c, out);
        }
    } else if let Some(test) = trace["test"].as_str() {
        out.push((
            test.to_string(),
            trace["saw"].as_str().unwrap_or_default().to_string(),
            trace["held"].as_bool().expect("held"),
        ));
    }
}

#[test]
fn rules_test_json_has_a_verdict_per_rule_and_what_each_condition_saw() {
    let (d, id) = ticket_before_the_rules();
    let before = d.snapshot_files();
    let report = d.run(["rules", "test", &id, "--format", "json"]).json();
    assert_eq!(report["ticket"], id.as_str());
    assert_eq!(report["event"], "ticket.created");
    let rules = report["rules"].as_array().unwrap();
    let rule = |name: &str| {
        rules
            .iter()
            .find(|r| r["rule"] == name && r["event"] == "ticket.created")
            .unwrap_or_else(|| panic!("no verdict for {name}: {report:#}"))
    };

    let billing = rule("billing-keywords");
    assert_eq!(billing["verdict"], "fired");
    let mut seen = Vec::new();
    tests_of(&billing["condition"], &mut seen);
    assert_eq!(
        seen,
        [
            (
                "subject contains [faktura, invoice]".to_string(),
                "Faktura 2026-114".to_string(),
                true
            ),
            (
                "body contains [faktura, invoice]".to_string(),
                "Beløpet er feil.".to_string(),
                false
            ),
        ]
    );

    let vip = rule("vip-customer");
    assert_eq!(vip["verdict"], "not_matched");
    let mut seen = Vec::new();
    tests_of(&vip["condition"], &mut seen);
    assert_eq!(
        seen[0],
        (
            "customer.group is vip".to_string(),
            "(none)".to_string(),
            false
        )
    );
    assert_eq!(
        seen[1],
        ("priority lt urgent".to_string(), "normal".to_string(), true)
    );

    // The reply would be queued, but nothing is written.
    assert_eq!(rule("received-auto-reply")["verdict"], "fired");
    let listening: Vec<&str> = report["not_listening"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(listening, ["agent-reply-sets-pending"]);
    assert_eq!(report["result"]["department"], "billing");
    assert_eq!(d.snapshot_files(), before, "rules test writes nothing");
    assert!(outbox(&d).is_empty());

    // Another event: only the rules listening to it.
    let report = d
        .run([
            "rules",
            "test",
            &id,
            "--event",
            "agent.replied",
            "--format",
            "json",
        ])
        .json();
    let fired: Vec<&str> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "fired")
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(fired, ["agent-reply-sets-pending"]);
    assert_eq!(report["result"]["status"], "pending");
    assert_eq!(d.snapshot_files(), before);
}

#[test]
fn rules_test_tries_a_draft_without_writing_anything() {
    let d = helpdesk(TRY_RULES);
    d.write(
        "draft.json",
        r#"{
  "subject": "Invoice 2026-114",
  "body": "The amount is wrong.",
  "from": "new.customer@fjord.no",
  "channel": "email",
  "shop": "oslo"
}
"#,
    );
    let before = d.snapshot_files();
    let report = d
        .run([
            "rules",
            "test",
            "--ticket",
            "draft.json",
            "--format",
            "json",
        ])
        .json();
    let verdict = |name: &str| {
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == name)
            .map(|r| r["verdict"].as_str().unwrap().to_string())
    };
    assert_eq!(verdict("billing-keywords").as_deref(), Some("fired"));
    assert_eq!(verdict("received-auto-reply").as_deref(), Some("fired"));
    assert_eq!(report["result"]["department"], "billing");
    assert_eq!(report["result"]["shop"], "oslo");

    // The human form works for a draft too.
    let human = d.ok(["rules", "test", "--ticket", "draft.json"]);
    assert!(human.contains("billing-keywords"), "{human}");

    assert_eq!(
        d.snapshot_files(),
        before,
        "no ticket, customer or mail was written"
    );
    assert!(outbox(&d).is_empty());
    assert!(!d.path("customers/new.customer@fjord.no.json").exists());

    // A key a ticket draft does not have is a mistake, not something to ignore.
    d.write("typo.json", r#"{ "subject": "Invoice", "colour": "red" }"#);
    let before = d.snapshot_files();
    let out = d.fails(1, ["rules", "test", "--ticket", "typo.json"]);
    assert!(out.stderr.contains("colour"), "{out}");
    assert!(out.stdout.is_empty(), "{out}");
    assert_eq!(d.snapshot_files(), before);
}

// --- 11. desk show -------------------------------------------------------------------

#[test]
fn show_credits_the_rule_in_the_history() {
    let d = helpdesk(
        r#"
[[rule]]
name = "billing-keywords"
on = ["ticket.created"]
if.all = [ { field = "subject", op = "contains", value = ["faktura", "invoice"] } ]
then = [ { set = "department", to = "billing" }, { set = "priority", to = "high" } ]
"#,
    );
    let id = d.new_ticket("Faktura mangler", &["--department", "support"]);
    let show = d.ok(["show", &id]);
    assert!(
        show.contains("rule billing-keywords set department support → billing"),
        "{show}"
    );
    assert!(show.contains("set priority normal → high"), "{show}");
    // 09:00 UTC is 10:00 in Oslo.
    let line = show
        .lines()
        .find(|l| l.contains("rule billing-keywords"))
        .unwrap();
    assert!(line.contains("10:00"), "{line}");
}
