//! `desk customer list|show|set`: every format, filters, validation, and what a new
//! group does to the SLA policy of the customer's tickets.

use serde_json::Value;

use crate::common::*;
use crate::listing::{pinned, run_env};

/// Three customers made by their first tickets, one with a long name and organization.
fn three() -> Desk {
    let mut d = pinned();
    d.set_now("2026-11-24T09:00:00Z");
    d.new_ticket(
        "Printer",
        &[
            "--from",
            "Kari@Example.no",
            "--name",
            "Kari Nordmann",
            "-m",
            "Hi",
        ],
    );
    d.set_now("2026-11-24T09:05:00Z");
    d.new_ticket("Invoice", &["--from", "per@example.no", "-m", "Hi"]);
    d.new_ticket("Invoice again", &["--from", "per@example.no", "-m", "Hi"]);
    d.set_now("2026-11-24T09:10:00Z");
    d.new_ticket(
        "Boots",
        &[
            "--from",
            "innkjop@skobutikken-tromso.no",
            "--name",
            "Hilde Johansen-Kristiansen Sørensen",
        ],
    );
    d.ok([
        "customer",
        "set",
        "innkjop@skobutikken-tromso.no",
        "organization=Skobutikken Tromsø Aksjeselskap Nord-Norge",
        "group=gold",
        "fields.org_no=912345678",
    ]);
    d.ok(["customer", "set", "kari@example.no", "group=vip"]);
    d
}

fn emails(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect()
}

#[test]
fn list_in_every_format() {
    let d = three();
    let out = run_env(
        &d,
        &[("COLUMNS", "80")],
        &["customer", "list", "--format", "table"],
    );
    insta::assert_snapshot!(out.to_string());
    assert!(out.stdout.contains('…'), "long names are cut");
    for line in out.stdout.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "{line:?}"
        );
    }

    let json: Value =
        serde_json::from_str(&d.ok(["customer", "list", "--format", "json"])).unwrap();
    assert_eq!(
        emails(&json),
        [
            "innkjop@skobutikken-tromso.no",
            "kari@example.no",
            "per@example.no"
        ]
    );
    let kari = &json[1];
    assert_eq!(kari["name"], "Kari Nordmann");
    assert_eq!(kari["group"], "vip");
    assert_eq!(kari["organization"], Value::Null);
    assert_eq!(kari["fields"], serde_json::json!({}));
    assert_eq!(kari["created_at"], "2026-11-24T09:00:00Z");
    assert_eq!(kari["open_tickets"], 1);
    assert_eq!(json[2]["open_tickets"], 2);
    assert_eq!(json[0]["fields"]["org_no"], "912345678");

    let jsonl = d.ok(["customer", "list", "--format", "jsonl"]);
    let rows: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(Value::Array(rows), json);

    let csv = d.ok(["customer", "list", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "email",
            "name",
            "group",
            "organization",
            "created_at",
            "open_tickets",
            "fields.org_no"
        ]
    );
    let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(&recs[0][3], "Skobutikken Tromsø Aksjeselskap Nord-Norge");
    assert_eq!(&recs[0][6], "912345678");
    assert_eq!(&recs[2][5], "2");

    assert_eq!(
        d.ok(["customer", "list", "--format", "ids"]),
        "innkjop@skobutikken-tromso.no\nkari@example.no\nper@example.no\n"
    );
}

#[test]
fn list_filters_sorts_and_limits() {
    let d = three();
    let ids = |args: &[&str]| -> String {
        let mut all = vec!["customer", "list", "--format", "ids"];
        all.extend_from_slice(args);
        d.ok(all)
    };
    assert_eq!(ids(&["group=vip"]), "kari@example.no\n");
    assert_eq!(ids(&["group=VIP,gold"]).lines().count(), 2);
    assert_eq!(
        ids(&["group!=vip"]).lines().count(),
        2,
        "no group is not vip"
    );
    assert_eq!(ids(&["group="]), "per@example.no\n");
    assert_eq!(ids(&["organization!="]), "innkjop@skobutikken-tromso.no\n");
    assert_eq!(
        ids(&["fields.org_no=912345678"]),
        "innkjop@skobutikken-tromso.no\n"
    );
    assert_eq!(
        ids(&["nordmann"]),
        "kari@example.no\n",
        "a word in the name"
    );
    assert_eq!(ids(&["tromsø"]), "innkjop@skobutikken-tromso.no\n");
    assert_eq!(ids(&["example.no", "group="]), "per@example.no\n");
    assert_eq!(ids(&["name=a!=b"]), "", "a value may hold `!=`");
    assert_eq!(
        ids(&["--sort", "-tickets"]),
        "per@example.no\nkari@example.no\ninnkjop@skobutikken-tromso.no\n",
        "descending, ties too, as `desk list`"
    );
    assert_eq!(
        ids(&["--sort", "created_at", "--limit", "1"]),
        "kari@example.no\n"
    );
    assert_eq!(
        ids(&["--sort", "-name", "--limit", "1"]),
        "kari@example.no\n"
    );

    let out = d.fails(1, ["customer", "list", "gruop=vip"]);
    assert!(out.stderr.contains("did you mean `group`?"), "{out}");
    let out = d.fails(1, ["customer", "list", "--sort", "nmae"]);
    assert!(out.stderr.contains("did you mean `name`?"), "{out}");
    assert_eq!(
        d.run(["customer", "list", "group=none"]).stderr,
        "no customers\n"
    );
}

#[test]
fn a_corrupt_customer_file_is_named_and_the_rest_listed() {
    let d = three();
    d.write("customers/bad@example.no.json", "{ not json");
    let out = d.fails(1, ["customer", "list", "--format", "ids"]);
    assert_eq!(out.stdout.lines().count(), 3, "{out}");
    assert!(out.stderr.contains("bad@example.no.json"), "{out}");
}

#[test]
fn show_prints_the_customer_and_their_tickets() {
    let mut d = three();
    let per = d.ok(["list", "requester=per@example.no", "--format", "ids"]);
    let per: Vec<&str> = per.lines().collect();
    d.ok(["solve", per[0]]);
    // The other's first reply was due at 13:05.
    d.set_now("2026-11-24T14:00:00Z");

    let out = run_env(
        &d,
        &[("COLUMNS", "80")],
        &["customer", "show", "PER@example.no"],
    );
    assert_eq!(out.code, 0, "{out}");
    insta::assert_snapshot!(out.to_string());
    assert!(out.stdout.contains("Tickets (2)"), "done tickets too");

    let json: Value =
        serde_json::from_str(&d.ok(["customer", "show", "per@example.no", "--json"])).unwrap();
    assert_eq!(json["customer"]["email"], "per@example.no");
    let tickets = json["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2);
    // The rows are `desk list --format json` rows.
    let listed: Value = serde_json::from_str(&d.ok([
        "list",
        "--all",
        "requester=per@example.no",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(&json["tickets"], &listed);
    assert_eq!(tickets[0]["status"], "solved");
    assert_eq!(
        tickets[1]["sla_breached"],
        serde_json::json!(["first_reply"])
    );

    // A customer without tickets.
    d.write(
        "customers/solo@example.no.json",
        "{\"email\": \"solo@example.no\", \"group\": \"vip\"}\n",
    );
    let out = d.ok(["customer", "show", "solo@example.no"]);
    assert!(out.contains("Tickets (0)"), "{out}");

    let out = d.fails(1, ["customer", "show", "per@exmaple.no"]);
    assert_eq!(
        out.stderr,
        "desk: no customer `per@exmaple.no` (customers/per@exmaple.no.json does not exist), did you mean `per@example.no`?\n"
    );
    let out = d.fails(1, ["customer", "show", "not-an-address"]);
    assert!(out.stderr.contains("is not an email address"), "{out}");
}

#[test]
fn set_changes_fields_and_says_what_changed() {
    let d = three();
    let out = d.run([
        "customer",
        "set",
        "per@example.no",
        "name=Per Hansen",
        "organization=Hansen AS",
        "fields.plan=gold",
    ]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stderr,
        "updated per@example.no\n  name: (none) → Per Hansen\n  organization: (none) → Hansen AS\n  fields.plan: (none) → gold\n"
    );
    let file: Value = serde_json::from_str(&d.read("customers/per@example.no.json")).unwrap();
    assert_eq!(file["name"], "Per Hansen");
    assert_eq!(file["fields"]["plan"], "gold");

    // Clearing, and nothing to change.
    let out = d.run([
        "customer",
        "set",
        "per@example.no",
        "organization=",
        "fields.plan=",
    ]);
    assert_eq!(
        out.stderr,
        "updated per@example.no\n  organization: Hansen AS → (none)\n  fields.plan: gold → (none)\n"
    );
    let file: Value = serde_json::from_str(&d.read("customers/per@example.no.json")).unwrap();
    assert_eq!(file["organization"], Value::Null);
    assert_eq!(file["fields"], serde_json::json!({}));
    assert_eq!(
        d.run(["customer", "set", "per@example.no", "name=Per Hansen"])
            .stderr,
        "per@example.no: nothing changed\n"
    );
    assert_eq!(
        d.run(["-q", "customer", "set", "per@example.no", "name=Per"])
            .stderr,
        ""
    );
}

#[test]
fn set_refuses_mistakes_and_writes_nothing() {
    let d = three();
    let before = d.snapshot_files();
    let cases: [(&[&str], i32, &str); 7] = [
        (
            &["gruop=vip"],
            1,
            "unknown customer field `gruop`, did you mean `group`?",
        ),
        (
            &["name=X", "orgnization=Y"],
            1,
            "did you mean `organization`?",
        ),
        (
            &["group=vp"],
            1,
            "unknown customer group `vp`, did you mean `vip`?",
        ),
        (
            &["email=new@example.no"],
            1,
            "`email` names the customer's file",
        ),
        (&["name=A", "name=B"], 1, "`name` is given twice"),
        (&["fields.=x"], 1, "is not a field name"),
        (&["group"], 2, "use FIELD=VALUE"),
    ];
    for (changes, code, message) in cases {
        let mut args = vec!["customer", "set", "per@example.no"];
        args.extend_from_slice(changes);
        let out = d.fails(code, &args);
        assert!(out.stderr.contains(message), "{changes:?}: {out}");
    }
    let out = d.fails(1, ["customer", "set", "nobody@example.no", "name=X"]);
    assert!(
        out.stderr.contains("no customer `nobody@example.no`"),
        "{out}"
    );
    assert_eq!(d.snapshot_files(), before, "nothing written");
}

/// A group that chooses another SLA policy: no ticket is rewritten by `customer set`;
/// the pipeline chooses the policy again at the ticket's next change.
#[test]
fn a_new_group_changes_the_sla_policy_at_the_next_change() {
    let d = three();
    let per = d.ok(["list", "requester=per@example.no", "--format", "ids"]);
    let id = per.lines().next().unwrap().to_string();
    assert_eq!(d.ticket(&id)["sla"]["policy"], "standard");
    let out = d.run(["customer", "set", "per@example.no", "group=vip"]);
    assert!(
        out.stderr.contains(
            "2 open tickets of theirs: the SLA policy is chosen again at the next change or tick"
        ),
        "{out}"
    );
    assert_eq!(d.ticket(&id)["sla"]["policy"], "standard", "not rewritten");
    d.ok(["note", &id, "-m", "VIP now"]);
    assert_eq!(d.ticket(&id)["sla"]["policy"], "vip");
    let rows: Value = serde_json::from_str(&d.ok(["list", "--format", "json"])).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["sla_policy"], "vip");
}
