//! Chats and batches through the real binary: a chat transcript becomes one message per
//! turn (customer messages and agents' replies, each at its own time, no mail for what
//! was said in the chat), and a batch or CSV file with bad lines names every one of them
//! and stores nothing.

use crate::common::Desk;

/// Every file of the helpdesk but the input under `in/`: to prove a refusal wrote nothing.
fn stored(d: &Desk) -> Vec<(String, Vec<u8>)> {
    d.snapshot_files()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("in/"))
        .collect()
}

#[test]
fn a_batch_with_three_bad_lines_names_all_three_and_stores_nothing() {
    let d = Desk::new();
    let before = stored(&d);
    d.write(
        "in/skjema.jsonl",
        concat!(
            r#"{"from": "lise.haugen@example.no", "name": "Lise Haugen", "subject": "Faktura 2026-118", "body": "Hei, jeg har fått faktura to ganger."}"#,
            "\n",
            r#"{"from": "per.olsen.example.no", "subject": "Levering", "body": "Når kommer pakken?"}"#,
            "\n",
            r#"{"from": "sara@example.se", "subject": "Retur", "prioritet": "high"}"#,
            "\n",
            r#"{"from": "ola@example.no", "subject": "Bytte", "body": "Str. 44"}"#,
            "\n",
            "{\"from\": \"kari@example.no\", \"subject\": \n",
        ),
    );
    let out = d.fails(1, ["ingest", "json", "in/skjema.jsonl"]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "one line per bad payload:\n{out}");
    assert!(
        lines[0].starts_with("desk: in/skjema.jsonl:2: ")
            && lines[0].contains("per.olsen.example.no"),
        "{out}"
    );
    assert!(
        lines[1].starts_with(
            "desk: in/skjema.jsonl:3: unknown key `prioritet`, did you mean `priority`?"
        ),
        "{out}"
    );
    assert!(lines[2].starts_with("desk: in/skjema.jsonl:5:"), "{out}");
    assert_eq!(out.stdout, "");
    assert!(before == stored(&d), "a refused batch wrote files");

    // Fixed, the same file goes in whole.
    d.write(
        "in/skjema.jsonl",
        concat!(
            r#"{"from": "lise.haugen@example.no", "subject": "Faktura 2026-118", "body": "Hei, jeg har fått faktura to ganger."}"#,
            "\n",
            r#"{"from": "per.olsen@example.no", "subject": "Levering", "body": "Når kommer pakken?"}"#,
            "\n",
        ),
    );
    let r = d
        .run(["ingest", "json", "in/skjema.jsonl", "--json"])
        .json();
    assert_eq!(r.as_array().map(Vec::len), Some(2));
}

#[test]
fn a_huge_bad_batch_lists_twenty_lines_and_counts_the_rest() {
    let d = Desk::new();
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!("{{\"from\": \"nr{i}@\", \"subject\": \"x\"}}\n"));
    }
    d.write("in/big.jsonl", &text);
    let out = d.fails(1, ["ingest", "json", "in/big.jsonl"]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 21, "{out}");
    assert!(lines[19].starts_with("desk: in/big.jsonl:20: "), "{out}");
    assert_eq!(
        lines[20],
        "desk: in/big.jsonl: 980 more bad lines not listed (the first 20 are above)"
    );
}

#[test]
fn a_csv_import_with_bad_rows_names_every_row_and_imports_nothing() {
    let d = Desk::new();
    let before = stored(&d);
    d.write(
        "in/gamle.csv",
        "id,subject,from,priority,created_at\n\
         1,Faktura mangler,lise@example.no,high,2026-03-01T10:00:00Z\n\
         2,Levering,per(at)example.no,normal,2026-03-02T10:00:00Z\n\
         3,Retur,sara@example.se,hastig,2026-03-03T10:00:00Z\n\
         4,Bytte,ola@example.no,low,i går\n\
         5,Gavekort,kari@example.no,low,2026-03-05T10:00:00Z\n",
    );
    let out = d.fails(1, ["import", "csv", "in/gamle.csv"]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("desk: in/gamle.csv:3: "), "{out}");
    assert!(
        lines[1].starts_with("desk: in/gamle.csv:4: unknown priority `hastig`"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("desk: in/gamle.csv:5: created_at: cannot read `i går`"),
        "{out}"
    );
    assert!(before == stored(&d), "a refused import wrote files");

    // Every bad column of the header at once, and nothing else.
    d.write(
        "in/kolonner.csv",
        "subjekt,fra,priority\nx,a@example.org,low\n",
    );
    let out = d.fails(1, ["import", "csv", "in/kolonner.csv"]);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "desk: in/kolonner.csv:1: unknown column `subjekt` (column 1), did you mean `subject`?",
            "desk: in/kolonner.csv:1: unknown column `fra` (column 2) (known: id, subject, body, from, name, channel, department, shop, type, priority, tags, status, assignee, created_at, field.NAME)",
            "desk: in/kolonner.csv:1: a `subject` column is required",
        ],
        "{out}"
    );
    assert!(before == stored(&d), "a refused import wrote files");
}
