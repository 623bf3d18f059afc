//! Broken mail through `desk ingest email`: the folder `tests/data/mail/broken/` (see its
//! README), huge messages made at test time, hostile attachment names and an mbox with a
//! broken message among good ones.
//!
//! Only what must hold for any sane reader is asserted: no panic, exactly one result per
//! message, the good mail stored, every failure named on stderr, exit status 1 exactly
//! when something failed, nothing written outside the helpdesk's own directories, and
//! safe attachment names. Where a broken file must give a particular result, the reason
//! is given next to it.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::*;

const BROKEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mail/broken");

/// The good messages of the folder: file, decoded subject, sender.
const GOOD: [(&str, &str, &str); 3] = [
    (
        "good-order-question.eml",
        "Where is my order 4711?",
        "kari.nordmann@example.no",
    ),
    (
        "good-winter-boots.eml",
        "Spørsmål om vintersko i størrelse 38",
        "bjorn.saether@example.no",
    ),
    (
        "good-thank-you.eml",
        "Thanks for the quick help",
        "emma.johansson@example.se",
    ),
];

/// Broken files that must still become a ticket, with their (plain ASCII) subjects where
/// the subject is not itself the broken part.
///
/// Each has a readable sender, a Subject and a Message-ID; what is wrong is confined to
/// one part of it (a body's charset or transfer encoding, a long or odd header, a missing
/// closing boundary, attachment names, extra senders). A forgiving reader, like Python's
/// `email` package, reads all of them; refusing one would throw away a customer's mail
/// over a detail the customer cannot see.
const MUST_CREATE: [(&str, Option<&str>); 12] = [
    // The body is decoded lossily (U+FFFD or mojibake); the headers are intact.
    (
        "charset-utf8-label-latin1-bytes.eml",
        Some("Charset says UTF-8, bytes are Latin-1"),
    ),
    (
        "charset-latin1-label-utf8-bytes.eml",
        Some("Charset says ISO-8859-1, bytes are UTF-8"),
    ),
    // An unknown charset is read as something ASCII-compatible.
    ("charset-unknown.eml", Some("Charset nobody has heard of")),
    // Undecodable bodies are kept as they are, or as what could be decoded.
    ("base64-invalid.eml", Some("Body is not valid base64")),
    (
        "quoted-printable-invalid.eml",
        Some("Body is not valid quoted-printable"),
    ),
    // The last part simply runs to the end of the file.
    (
        "multipart-no-closing-boundary.eml",
        Some("Multipart without its closing boundary"),
    ),
    // Size alone is no reason to refuse a mail.
    ("header-line-100k.eml", Some("A header line of 100 KB")),
    // Hostile names are made safe, not a reason to drop the mail (the contract).
    (
        "attachment-names.eml",
        Some("Attachments with hostile names"),
    ),
    (
        "attachment-names-encoded.eml",
        Some("Attachments with encoded hostile names"),
    ),
    // The first sender is the requester; the others are at most lost.
    (
        "from-three-addresses.eml",
        Some("Three people in the From header"),
    ),
    // An unparsable Date is ignored: desk stamps messages with its own clock.
    ("date-invalid.eml", Some("Date header that is no date")),
    // The display name and the subject are invalid encoded words, the address is fine;
    // what the subject becomes (dropped words, raw text) is the reader's choice.
    ("encoded-word-invalid.eml", None),
];

/// Results a message of the broken folder may give. Nothing in it replies to a stored
/// message, carries a Message-ID seen before, or is a delivery report, so `added`,
/// `duplicate` and `bounce` would be wrong.
const FIRST_TIME: [&str; 3] = ["created", "skipped", "failed"];

/// Names that would only exist if some part of a message escaped its directory.
const ESCAPE_MARKERS: [&str; 6] = [
    "escaped-customer",
    "encoded-escape",
    "rfc2047-escape",
    "msgid-escape",
    "windows.bat",
    "desk-test-absolute-name",
];

/// Where `attachment-names-encoded.eml` tries to write with an absolute name.
const ABSOLUTE_NAME: &str = "/tmp/desk-test-absolute-name.txt";

// ---------------------------------------------------------------------------------------
// Helpers

/// The `.eml` files of the broken folder, sorted by name.
fn broken_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(BROKEN)
        .expect("read tests/data/mail/broken")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    names
}

fn broken_bytes(name: &str) -> Vec<u8> {
    fs::read(Path::new(BROKEN).join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// A temporary directory holding copies of the named broken files (not the README), so
/// that a write next to the source would be seen and the repository stays clean.
fn copy_broken(names: &[String]) -> (TempDir, PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("desk-mail-src")
        .tempdir()
        .expect("temp dir");
    let dir = tmp.path().canonicalize().expect("canonical").join("broken");
    fs::create_dir(&dir).expect("mkdir broken");
    for n in names {
        fs::write(dir.join(n), broken_bytes(n)).expect("copy broken file");
    }
    (tmp, dir)
}

/// Every file under `root` (relative, `/`-separated), `.desk/` included.
fn all_files(root: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// The file name a result's `source` names: `dir/x.eml` → `x.eml`, `dir/x.mbox#3` →
/// `x.mbox#3`, `-` → `-`.
fn source_name(source: &str) -> &str {
    source.rsplit('/').next().unwrap_or(source)
}

/// `desk ingest email PATHS... --json` with what must hold for any input checked: no
/// panic, status 0 or 1, one JSON array of well-formed results on stdout, status 1
/// exactly when a message failed, each failure named on stderr, each ticket stored.
fn ingest(desk: &Desk, paths: &[&Path]) -> (Output, Vec<Value>) {
    let mut args: Vec<OsString> = vec!["ingest".into(), "email".into()];
    args.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
    args.push("--json".into());
    let out = desk.run(&args);
    let results = check_output(desk, &out);
    (out, results)
}

/// `desk ingest email - --json` with `input` on stdin, checked like [`ingest`].
fn ingest_stdin(desk: &Desk, input: &[u8]) -> (Output, Vec<Value>) {
    let mut c = desk.cmd();
    c.args(["ingest", "email", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn desk");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // desk may stop reading early (and may close its stdin); a failed write is fine.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for desk");
    writer.join().expect("stdin writer");
    let out = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let results = check_output(desk, &out);
    (out, results)
}

fn check_output(desk: &Desk, out: &Output) -> Vec<Value> {
    assert!(
        !out.stderr.contains("panicked") && out.code != 101,
        "desk panicked:\n{out}"
    );
    assert!(
        out.code == 0 || out.code == 1,
        "ingest must exit 0 or 1:\n{out}"
    );
    let results = match out.json() {
        Value::Array(a) => a,
        other => panic!("--json must print one array, got {other}\n{out}"),
    };
    let allowed = [
        "created",
        "added",
        "duplicate",
        "bounce",
        "skipped",
        "failed",
    ];
    for r in &results {
        let source = r["source"]
            .as_str()
            .unwrap_or_else(|| panic!("result without source: {r}"));
        let kind = r["result"].as_str().unwrap_or("");
        assert!(allowed.contains(&kind), "unknown result kind: {r}");
        for key in ["ticket", "message_id", "subject", "reason"] {
            assert!(
                r.get(key).is_some_and(|v| v.is_null() || v.is_string()),
                "`{key}` must be a string or null: {r}"
            );
        }
        if matches!(kind, "created" | "added" | "bounce") {
            let id = r["ticket"]
                .as_str()
                .unwrap_or_else(|| panic!("{kind} without a ticket: {r}"));
            assert!(
                desk.path(&format!("tickets/{id}.json")).is_file(),
                "{kind} names a ticket that is not stored: {r}"
            );
        }
        if kind == "failed" {
            assert!(r["reason"].is_string(), "a failure needs a reason: {r}");
            assert!(
                out.stderr.contains(source_name(source)),
                "failed message {source} not named on stderr:\n{out}"
            );
        }
    }
    let any_failed = results.iter().any(|r| r["result"] == "failed");
    assert_eq!(
        out.code,
        i32::from(any_failed),
        "status must be 1 exactly when a message failed:\n{out}"
    );
    results
}

/// The results by file name (mbox: `file#N`), each file exactly once.
fn by_name(results: &[Value]) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    for r in results {
        let name = source_name(r["source"].as_str().expect("source")).to_string();
        if let Some(prev) = map.insert(name.clone(), r.clone()) {
            panic!("{name} has two results:\n{prev}\n{r}");
        }
    }
    map
}

/// A created ticket for `r`, with the expected subject in the result and the file.
fn assert_created(desk: &Desk, name: &str, r: &Value, subject: &str) -> Value {
    let t = assert_created_any(desk, name, r);
    assert_eq!(r["subject"], subject, "{name}: subject in the result: {r}");
    assert_eq!(t["subject"], subject, "{name}: stored subject");
    t
}

/// A created ticket for `r`, whatever its subject (never empty).
fn assert_created_any(desk: &Desk, name: &str, r: &Value) -> Value {
    assert_eq!(r["result"], "created", "{name} must become a ticket: {r}");
    let t = desk.ticket(r["ticket"].as_str().expect("ticket id"));
    assert!(
        t["subject"].as_str().is_some_and(|s| !s.is_empty()),
        "{name}: a ticket needs a subject (\"(no subject)\" if none): {t}"
    );
    assert_eq!(t["channel"], "email", "{name}: channel");
    t
}

/// Every attachment entry of a ticket, across its messages.
fn attachments(ticket: &Value) -> Vec<Value> {
    ticket["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m.get("attachments").and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect()
}

/// A name desk may give a file it writes for a message.
fn assert_safe_name(name: &str, context: &str) {
    assert!(
        !name.is_empty() && name != "." && name != "..",
        "{context}: empty or dot name `{name}`"
    );
    assert!(!name.contains('/'), "{context}: `/` in `{name:?}`");
    assert!(
        !name.starts_with('.'),
        "{context}: hidden file name `{name:?}`"
    );
    assert!(
        !name.chars().any(char::is_control),
        "{context}: control character in `{name:?}`"
    );
}

/// Each attachment entry of `ticket` points at its own file under attachments/ID/, with
/// a safe name and the recorded size.
fn assert_attachments_safe(desk: &Desk, ticket: &Value) {
    let id = ticket["id"].as_str().expect("ticket id");
    let prefix = format!("attachments/{id}/");
    let mut seen = BTreeSet::new();
    for a in attachments(ticket) {
        let file = a["file"]
            .as_str()
            .unwrap_or_else(|| panic!("attachment without file: {a}"));
        let name = file
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("attachment outside {prefix}: {a}"));
        assert_safe_name(name, &format!("attachment {a}"));
        assert!(
            seen.insert(file.to_string()),
            "two attachments share {file}"
        );
        let meta = fs::symlink_metadata(desk.path(file))
            .unwrap_or_else(|e| panic!("attachment file {file}: {e}"));
        assert!(meta.is_file(), "{file} is not a plain file");
        assert_eq!(
            a["size"].as_u64(),
            Some(meta.len()),
            "recorded size differs from the file: {a}"
        );
    }
}

/// Directories where ingestion may write, relative to the helpdesk root, and how deep
/// the files in them may be (None: any depth). Attachments are checked on their own.
const WRITABLE: [(&str, Option<usize>); 4] = [
    ("tickets", Some(2)),
    ("customers", Some(2)),
    ("outbox", None),
    (".desk", None),
];

/// Every file that was not in `before` lies where desk keeps things: tickets/ID.json,
/// customers/X.json, outbox/, .desk/, or attachments/ID/NAME of a stored ticket with a
/// safe NAME. Then nothing escaped to the directories above the helpdesk or the sources.
fn assert_layout(desk: &Desk, before: &BTreeSet<String>, sources: &[&Path]) {
    for rel in all_files(desk.root()).difference(before) {
        let parts: Vec<&str> = rel.split('/').collect();
        let ok = match parts[0] {
            "attachments" => {
                let ok =
                    parts.len() == 3 && desk.path(&format!("tickets/{}.json", parts[1])).is_file();
                if ok {
                    assert_safe_name(parts[2], rel);
                }
                ok
            }
            first => WRITABLE
                .iter()
                .any(|(dir, depth)| *dir == first && depth.is_none_or(|d| parts.len() == d)),
        };
        assert!(
            ok,
            "ingest wrote a file outside the helpdesk's directories: {rel}"
        );
    }
    assert!(
        !desk.path("etc").exists(),
        "a traversal name created etc/ in the helpdesk"
    );
    let mut dirs: Vec<PathBuf> = vec![PathBuf::from("/"), PathBuf::from("/tmp")];
    dirs.extend(desk.root().ancestors().skip(1).map(Path::to_path_buf));
    for s in sources {
        dirs.extend(s.ancestors().skip(1).map(Path::to_path_buf));
    }
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                !ESCAPE_MARKERS.iter().any(|m| name.contains(m)),
                "a message escaped the helpdesk: {}",
                dir.join(&name).display()
            );
        }
    }
    assert!(
        !Path::new(ABSOLUTE_NAME).exists(),
        "an absolute attachment name was written: {ABSOLUTE_NAME}"
    );
}

/// The files of a source directory are exactly the copies put there.
fn assert_sources_untouched(dir: &Path, names: &[String]) {
    let expected: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(
        all_files(dir),
        expected,
        "ingest wrote into its source directory"
    );
}

/// Deterministic bytes (xorshift64*).
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Base64 (RFC 2045) in lines of 76 characters, each ended by CRLF.
fn base64_lines(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 8);
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push_str("\r\n");
    out
}

fn temp_source() -> TempDir {
    tempfile::Builder::new()
        .prefix("desk-mail-src")
        .tempdir()
        .expect("temp dir")
}

// ---------------------------------------------------------------------------------------
// The broken folder

#[test]
fn broken_folder_gives_one_result_per_file_and_keeps_the_good_mail() {
    let desk = Desk::new();
    let names = broken_names();
    assert!(names.len() >= 20, "the broken folder is missing: {names:?}");
    let (_src, dir) = copy_broken(&names);
    let _ = fs::remove_file(ABSOLUTE_NAME);
    let before = all_files(desk.root());

    let (out, results) = ingest(&desk, &[&dir]);

    // Exactly one result per file: none skipped silently, none counted twice.
    let got = by_name(&results);
    assert_eq!(
        got.keys().cloned().collect::<Vec<_>>(),
        names,
        "one result per file:\n{out}"
    );
    for (name, r) in &got {
        assert!(
            FIRST_TIME.contains(&r["result"].as_str().unwrap_or("")),
            "{name}: {r}"
        );
    }
    for (name, subject, from) in GOOD {
        let t = assert_created(&desk, name, &got[name], subject);
        assert_eq!(t["requester"], from, "{name}: requester");
        assert_eq!(
            t["messages"][0]["subject"], subject,
            "{name}: message subject"
        );
    }
    for (name, subject) in MUST_CREATE {
        match subject {
            Some(s) => assert_created(&desk, name, &got[name], s),
            None => assert_created_any(&desk, name, &got[name]),
        };
    }
    // Whatever a created ticket holds, its attachments are safe.
    for r in got.values().filter(|r| r["result"] == "created") {
        let name = source_name(r["source"].as_str().expect("source"));
        let t = assert_created_any(&desk, name, r);
        assert_attachments_safe(&desk, &t);
    }
    assert_layout(&desk, &before, &[&dir]);
    assert_sources_untouched(&dir, &names);
}

#[test]
fn broken_folder_without_json_never_panics() {
    let desk = Desk::new();
    let names = broken_names();
    let (_src, dir) = copy_broken(&names);
    let out = desk.run([
        OsString::from("ingest"),
        "email".into(),
        dir.clone().into_os_string(),
    ]);
    assert!(
        !out.stderr.contains("panicked") && (out.code == 0 || out.code == 1),
        "{out}"
    );
    // The good ones are stored either way.
    let (again, results) = ingest(&desk, &[&dir]);
    let got = by_name(&results);
    for (name, _, _) in GOOD {
        assert_eq!(got[name]["result"], "duplicate", "{name}:\n{again}");
    }
}

#[test]
fn broken_folder_twice_stores_each_good_message_once() {
    let desk = Desk::new();
    let names = broken_names();
    let (_src, dir) = copy_broken(&names);
    let (_, first) = ingest(&desk, &[&dir]);
    let first = by_name(&first);
    let before = all_files(desk.root());

    let (out, second) = ingest(&desk, &[&dir]);
    let second = by_name(&second);
    assert_eq!(second.len(), names.len(), "one result per file:\n{out}");
    // Same Message-ID as a stored message: nothing new is written for it.
    for (name, subject, _) in GOOD {
        assert_eq!(second[name]["result"], "duplicate", "{name}:\n{out}");
        let t = desk.ticket(first[name]["ticket"].as_str().expect("id"));
        assert_eq!(t["subject"], subject);
        let customer = t["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m["kind"] == "customer")
            .count();
        assert_eq!(customer, 1, "{name} stored twice: {t}");
    }
    // The same holds for every broken file that has a Message-ID and was stored.
    for (name, _) in MUST_CREATE {
        assert_eq!(second[name]["result"], "duplicate", "{name}:\n{out}");
    }
    for (name, r) in &second {
        assert!(
            ["created", "duplicate", "skipped", "failed"]
                .contains(&r["result"].as_str().unwrap_or("")),
            "{name}: {r}"
        );
    }
    assert_layout(&desk, &before, &[&dir]);
}

#[test]
fn each_broken_file_alone_on_stdin() {
    let desk = Desk::new();
    let before = all_files(desk.root());
    for name in broken_names() {
        let (out, results) = ingest_stdin(&desk, &broken_bytes(&name));
        if name == "empty.eml" && results.is_empty() {
            // Empty input on stdin may be read as an empty mbox: no message, no result.
            continue;
        }
        assert_eq!(
            results.len(),
            1,
            "{name}: one result for one message:\n{out}"
        );
        let r = &results[0];
        assert_eq!(r["source"], "-", "{name}: {r}");
        assert!(
            FIRST_TIME.contains(&r["result"].as_str().unwrap_or("")),
            "{name}: {r}"
        );
        match MUST_CREATE.iter().find(|(n, _)| *n == name) {
            Some((_, Some(subject))) => {
                assert_created(&desk, &name, r, subject);
            }
            Some((_, None)) => {
                assert_created_any(&desk, &name, r);
            }
            None => {}
        }
        if let Some((_, subject, _)) = GOOD.iter().find(|(n, _, _)| *n == name) {
            assert_created(&desk, &name, r, subject);
        }
    }
    assert_layout(&desk, &before, &[]);
}

// ---------------------------------------------------------------------------------------
// Size

#[test]
fn attachment_of_20_mb_goes_to_a_file_not_into_the_ticket() {
    const SIZE: usize = 20 * 1024 * 1024;
    let desk = Desk::new();
    let src = temp_source();
    let data = pseudo_random(SIZE, 20);
    let mut mail = String::from(
        "From: Sigrid Aas <sigrid.aas@example.no>\r\n\
         To: support@example.com\r\n\
         Subject: Scans of the damaged boxes\r\n\
         Message-ID: <big-attachment@mail.example.no>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"big\"\r\n\
         \r\n\
         --big\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         The scans are attached.\r\n\
         \r\n\
         --big\r\n\
         Content-Type: application/pdf; name=\"scans.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"scans.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n",
    );
    mail.push_str(&base64_lines(&data));
    mail.push_str("--big--\r\n");
    let path = src.path().join("big.eml");
    fs::write(&path, &mail).expect("write big.eml");
    drop(mail);
    let before = all_files(desk.root());

    let (out, results) = ingest(&desk, &[&path]);
    assert_eq!(results.len(), 1, "{out}");
    let t = assert_created(&desk, "big.eml", &results[0], "Scans of the damaged boxes");
    let id = t["id"].as_str().expect("id");
    let atts = attachments(&t);
    assert_eq!(atts.len(), 1, "one attachment: {atts:?}");
    assert_eq!(atts[0]["name"], "scans.pdf");
    assert_eq!(atts[0]["size"].as_u64(), Some(SIZE as u64));
    let file = atts[0]["file"].as_str().expect("file");
    assert!(file.starts_with(&format!("attachments/{id}/")), "{file}");
    let stored = fs::read(desk.path(file)).expect("attachment file");
    assert_eq!(stored.len(), SIZE, "attachment size on disk");
    assert!(stored == data, "attachment bytes differ from the original");
    assert_attachments_safe(&desk, &t);
    let ticket_size = fs::metadata(desk.path(&format!("tickets/{id}.json")))
        .expect("ticket file")
        .len();
    assert!(
        ticket_size < 1024 * 1024,
        "the ticket file holds the attachment? {ticket_size} bytes"
    );
    assert_layout(&desk, &before, &[src.path()]);
}

#[test]
fn ten_thousand_header_lines_ingest_in_reasonable_time() {
    let desk = Desk::new();
    let src = temp_source();
    let mut mail = String::new();
    for i in 0..10_000 {
        if i % 2 == 0 {
            mail.push_str(&format!(
                "Received: from relay{i}.example.net (relay{i}.example.net [10.{}.{}.{}])\n\tby mx{i}.example.com with ESMTP id {i:08x}; Mon, 23 Nov 2026 10:00:00 +0100\n",
                i / 65536 % 256,
                i / 256 % 256,
                i % 256
            ));
        } else {
            mail.push_str(&format!("X-Trace-{i}: hop {i} of a mail loop\n"));
        }
    }
    mail.push_str(
        "From: Petter Moen <petter.moen@example.no>\n\
         To: support@example.com\n\
         Subject: Ten thousand header lines\n\
         Message-ID: <many-headers@mail.example.no>\n\
         Content-Type: text/plain; charset=utf-8\n\
         \n\
         This mail went round a loop of relays.\n",
    );
    let path = src.path().join("many-headers.eml");
    fs::write(&path, &mail).expect("write many-headers.eml");

    let started = Instant::now();
    let (out, results) = ingest(&desk, &[&path]);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(20),
        "10,000 header lines took {took:?}"
    );
    assert_eq!(results.len(), 1, "{out}");
    // A well-formed message: its only oddity is the number of headers.
    let t = assert_created(
        &desk,
        "many-headers.eml",
        &results[0],
        "Ten thousand header lines",
    );
    assert_eq!(t["requester"], "petter.moen@example.no");
    let ticket_size =
        fs::metadata(desk.path(&format!("tickets/{}.json", t["id"].as_str().unwrap())))
            .expect("ticket file")
            .len();
    assert!(
        ticket_size < 1024 * 1024,
        "ticket file of {ticket_size} bytes"
    );
}

// ---------------------------------------------------------------------------------------
// Attachment names

#[test]
fn hostile_attachment_names_stay_inside_the_ticket_folder() {
    let desk = Desk::new();
    let names = vec![
        "attachment-names.eml".to_string(),
        "attachment-names-encoded.eml".to_string(),
    ];
    let (_src, dir) = copy_broken(&names);
    let _ = fs::remove_file(ABSOLUTE_NAME);
    let before = all_files(desk.root());

    let (out, results) = ingest(&desk, &[&dir]);
    let got = by_name(&results);
    assert_eq!(got.len(), 2, "{out}");

    // The three names of the brief: the original name is recorded, the file is safe.
    let t = assert_created(
        &desk,
        "attachment-names.eml",
        &got["attachment-names.eml"],
        "Attachments with hostile names",
    );
    assert_attachments_safe(&desk, &t);
    let atts = attachments(&t);
    assert_eq!(atts.len(), 3, "three attachments: {atts:?}");
    let contents: BTreeMap<&str, &[u8]> = [
        (
            "../../etc/passwd",
            b"root:x:0:0:not really:/root:/bin/sh\n".as_slice(),
        ),
        (".bashrc", b"echo owned\n".as_slice()),
    ]
    .into();
    for (name, content) in &contents {
        let a = atts
            .iter()
            .find(|a| a["name"] == *name)
            .unwrap_or_else(|| panic!("attachment `{name}` not recorded by its name: {atts:?}"));
        let stored = fs::read(desk.path(a["file"].as_str().expect("file"))).expect("read");
        assert_eq!(stored, *content, "content of `{name}`");
    }
    let odd = atts
        .iter()
        .find(|a| !contents.contains_key(a["name"].as_str().unwrap_or("")))
        .expect("the attachment with control characters");
    let stored = fs::read(desk.path(odd["file"].as_str().expect("file"))).expect("read");
    assert_eq!(stored, b"control characters\n");

    // Encoded, absolute, dot, empty, overlong and repeated names: all ten are kept, each
    // in its own safe file (two files named `../../etc/passwd` must not overwrite each
    // other).
    let t = assert_created(
        &desk,
        "attachment-names-encoded.eml",
        &got["attachment-names-encoded.eml"],
        "Attachments with encoded hostile names",
    );
    assert_attachments_safe(&desk, &t);
    let atts = attachments(&t);
    assert_eq!(atts.len(), 10, "ten attachments: {atts:?}");
    let mut stored: Vec<Vec<u8>> = atts
        .iter()
        .map(|a| fs::read(desk.path(a["file"].as_str().expect("file"))).expect("read"))
        .collect();
    stored.sort();
    let mut expected: Vec<Vec<u8>> = [
        "rfc 2231 traversal\n",
        "rfc 2047 traversal\n",
        "absolute path\n",
        "name only in content-type\n",
        "dot dot\n",
        "dot\n",
        "empty name\n",
        "a 404-byte name\n",
        "same name twice, first\n",
        "same name twice, second\n",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    expected.sort();
    assert_eq!(stored, expected, "attachment contents");

    assert_layout(&desk, &before, &[&dir]);
    assert_sources_untouched(&dir, &names);
}

// ---------------------------------------------------------------------------------------
// mbox

fn mbox_message(from: &str, subject: &str, id: &str, body: &str) -> String {
    format!(
        "From {from} Mon Nov 23 10:00:00 2026\n\
         From: {from}\n\
         To: support@example.com\n\
         Subject: {subject}\n\
         Message-ID: <{id}@mail.example>\n\
         Content-Type: text/plain; charset=utf-8\n\
         \n\
         {body}\n\
         \n"
    )
}

#[test]
fn mbox_with_a_broken_message_among_good_ones() {
    let desk = Desk::new();
    let src = temp_source();
    let mut mbox: Vec<u8> = Vec::new();
    mbox.extend(
        mbox_message(
            "liv.strand@example.no",
            "First good message",
            "mbox-good-1",
            "Hei, skoene kom i dag.",
        )
        .bytes(),
    );
    // The broken one: the binary garbage of the folder after an envelope line.
    let garbage = broken_bytes("binary-garbage.eml");
    assert!(
        !garbage.windows(6).any(|w| w == b"\nFrom "),
        "the garbage must not split the mbox"
    );
    mbox.extend(b"From MAILER-DAEMON Mon Nov 23 10:01:00 2026\n");
    mbox.extend(&garbage);
    mbox.extend(b"\n\n");
    mbox.extend(
        mbox_message(
            "gustav.ek@example.se",
            "Second good message",
            "mbox-good-2",
            "Hej!\n>From the shop in Stockholm I got the wrong size.\nGustav",
        )
        .bytes(),
    );
    mbox.extend(
        mbox_message(
            "oliver.smith@example.co.uk",
            "Third good message",
            "mbox-good-3",
            "Hello, a quick question about delivery to the UK.",
        )
        .bytes(),
    );
    let path = src.path().join("mixed.mbox");
    fs::write(&path, &mbox).expect("write mbox");
    let before = all_files(desk.root());

    let (out, results) = ingest(&desk, &[&path]);
    let got = by_name(&results);
    // Four envelope lines, four messages; `>From ` inside a body starts none.
    assert_eq!(
        got.keys().cloned().collect::<Vec<_>>(),
        [
            "mixed.mbox#1",
            "mixed.mbox#2",
            "mixed.mbox#3",
            "mixed.mbox#4"
        ],
        "one result per message in input order:\n{out}"
    );
    let order: Vec<&str> = results
        .iter()
        .map(|r| source_name(r["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            "mixed.mbox#1",
            "mixed.mbox#2",
            "mixed.mbox#3",
            "mixed.mbox#4"
        ],
        "input order"
    );
    for (n, subject, from) in [
        (1, "First good message", "liv.strand@example.no"),
        (3, "Second good message", "gustav.ek@example.se"),
        (4, "Third good message", "oliver.smith@example.co.uk"),
    ] {
        let name = format!("mixed.mbox#{n}");
        let t = assert_created(&desk, &name, &got[&name], subject);
        assert_eq!(t["requester"], from);
    }
    assert!(
        FIRST_TIME.contains(&got["mixed.mbox#2"]["result"].as_str().unwrap_or("")),
        "{out}"
    );
    assert_layout(&desk, &before, &[src.path()]);
}

#[test]
fn mbox_cut_off_in_its_last_message_keeps_the_others() {
    let desk = Desk::new();
    let src = temp_source();
    let mut mbox = mbox_message(
        "liv.strand@example.no",
        "Before the cut, one",
        "cut-good-1",
        "Første melding.",
    );
    mbox.push_str(&mbox_message(
        "gustav.ek@example.se",
        "Before the cut, two",
        "cut-good-2",
        "Andra meddelandet.",
    ));
    // A copy interrupted in the middle of the last message's headers.
    mbox.push_str(
        "From cut@example.no Mon Nov 23 10:05:00 2026\n\
         From: Cut Off <cut@example.no>\n\
         To: support@example.com\n\
         Subject: This message was cut in the mid",
    );
    let path = src.path().join("cut.mbox");
    fs::write(&path, &mbox).expect("write mbox");

    let (out, results) = ingest(&desk, &[&path]);
    let got = by_name(&results);
    assert_eq!(
        got.keys().cloned().collect::<Vec<_>>(),
        ["cut.mbox#1", "cut.mbox#2", "cut.mbox#3"],
        "{out}"
    );
    assert_created(
        &desk,
        "cut.mbox#1",
        &got["cut.mbox#1"],
        "Before the cut, one",
    );
    assert_created(
        &desk,
        "cut.mbox#2",
        &got["cut.mbox#2"],
        "Before the cut, two",
    );
    assert!(
        FIRST_TIME.contains(&got["cut.mbox#3"]["result"].as_str().unwrap_or("")),
        "{out}"
    );
}
