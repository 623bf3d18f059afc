//! Outgoing mail end to end: a real SMTP server (aiosmtpd, installed by the README's
//! set-up) receives what `desk outbox send` delivers by SMTP and through a
//! sendmail-compatible client, and Python's `email` package in strict mode parses every
//! message back. Also: failures kept and retried, a crash between sending and recording,
//! concurrent senders, and a customer's answer threading back into its ticket.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::Desk;

pub(crate) fn smtp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp")
}

/// A real SMTP server on 127.0.0.1, saving what it receives.
pub(crate) struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    pub(crate) fn start() -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let dir = tempfile::tempdir().expect("temp dir");
        let python = crate::common::python();
        let mut child = Command::new(&python)
            .arg(smtp_dir().join("server.py"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not run: {e}", python.display()));
        let mut line = String::new();
        let out = child.stdout.take().expect("stdout");
        BufReader::new(out).read_line(&mut line).expect("read");
        if line.trim() != "ready" {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("the test SMTP server did not start:\n{err}");
        }
        Server { child, port, dir }
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Every message received, parsed by Python's email package in strict mode.
    pub(crate) fn received(&self) -> Vec<Value> {
        let out = Command::new(crate::common::python())
            .arg(smtp_dir().join("check.py"))
            .arg(self.dir.path())
            .output()
            .expect("check.py runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("check.py prints JSON");
        let list = v.as_array().cloned().unwrap_or_default();
        for m in &list {
            assert!(m.get("error").is_none(), "strict parse failed: {m}");
            assert_eq!(m["defects"], serde_json::json!([]), "defects: {m}");
        }
        list
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Names and subjects in the languages of the seeds, Japanese, emoji, and the
/// awkward ones: a name with quotes and a comma.
const PEOPLE: [(&str, &str, &str); 6] = [
    (
        "Kari Nordmann-Ås",
        "kari.as@example.no",
        "Bytte av støvler – størrelse 42",
    ),
    ("Åsa Öberg", "asa@example.se", "Fråga om fakturan, tack"),
    (
        "Jürgen Groß",
        "juergen@example.de",
        "Größe passt nicht – Rücksendung",
    ),
    ("山田 太郎", "taro@example.jp", "靴のサイズについて"),
    ("Emoji Fan 😀", "emoji@example.org", "Boots 🥾 too small 😢"),
    (
        "Berg, Ingrid \"the boss\"",
        "ingrid.b@example.no",
        "Komma, og \"sitat\"",
    ),
];

/// The example helpdesk with one ticket per person, each acknowledged automatically
/// and answered by an agent; returns (name, address, subject, ticket).
fn tickets(d: &Desk) -> Vec<(&'static str, &'static str, &'static str, String)> {
    PEOPLE
        .iter()
        .map(|(name, addr, subject)| {
            let id = d.new_ticket(
                subject,
                &[
                    "-m",
                    "Hei! Kan dere hjelpe?",
                    "--from",
                    addr,
                    "--name",
                    name,
                    "--channel",
                    "email",
                ],
            );
            d.ok([
                "--as",
                "ingrid",
                "reply",
                &id,
                "-m",
                "Selvfølgelig – svar ✓",
            ]);
            (*name, *addr, *subject, id)
        })
        .collect()
}

/// Queued messages (outbox/ also holds a `.gitkeep`).
fn queued(d: &Desk) -> usize {
    std::fs::read_dir(d.path("outbox"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".eml"))
        })
        .count()
}

fn to_address(m: &Value) -> &str {
    m["to"][0]["address"].as_str().unwrap_or("")
}

fn check_delivered(d: &Desk, server: &Server, people: &[(&str, &str, &str, String)]) {
    let got = server.received();
    for (name, addr, subject, id) in people {
        let t = d.ticket(id);
        let records = t["mail"].as_array().expect("mail records");
        let mine: Vec<&Value> = got.iter().filter(|m| to_address(m) == *addr).collect();
        assert_eq!(
            mine.len(),
            2,
            "{addr}: an acknowledgement and a reply: {mine:?}"
        );
        for m in &mine {
            let record = records
                .iter()
                .find(|r| r["message_id"] == m["message_id"])
                .unwrap_or_else(|| panic!("{addr}: no record of {}", m["message_id"]));
            assert_eq!(record["state"], "sent", "{record}");
            assert!(record["sent_at"].is_string());
            assert_eq!(m["to"][0]["name"], *name, "{addr}");
            assert_eq!(m["envelope"]["rcpt_tos"], serde_json::json!([addr]));
            let from = &m["from"][0];
            assert!(
                from["address"]
                    .as_str()
                    .unwrap()
                    .ends_with("@nordlys.example"),
                "{m}"
            );
            assert!(!from["name"].as_str().unwrap().is_empty(), "{m}");
            assert_eq!(m["reply_to"][0]["address"], from["address"]);
            let s = m["subject"].as_str().unwrap();
            assert!(s.contains(&format!("[#{id}]")), "{s}");
            assert!(
                m["message_id"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("<{id}."))
            );
            assert!(m["date"].is_string());
        }
        let auto = mine
            .iter()
            .find(|m| m["auto_submitted"] == "auto-replied")
            .unwrap_or_else(|| panic!("{addr}: no acknowledgement"));
        let reply = mine
            .iter()
            .find(|m| m["auto_submitted"].is_null())
            .unwrap_or_else(|| panic!("{addr}: no personal reply"));
        assert!(
            auto["subject"].as_str().unwrap().contains(subject),
            "{auto}"
        );
        assert_eq!(reply["subject"], format!("Re: {subject} [#{id}]"));
        // The wire form ends lines with CRLF.
        let body = reply["body"].as_str().unwrap().replace("\r\n", "\n");
        assert!(body.starts_with("Selvfølgelig – svar ✓\n\n"), "{body}");
        assert!(
            body.contains("Nordlys"),
            "the department's signature: {body}"
        );
        // The reply answers the thread: it references the acknowledgement.
        let refs = reply["references"].as_array().unwrap();
        assert!(refs.contains(&auto["message_id"]), "{reply}");
    }
    assert_eq!(queued(d), 0, "the queue is empty");
}

#[test]
fn smtp_delivers_every_message_correctly_once() {
    let server = Server::start();
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    let people = tickets(&d);
    let out = d.run(["outbox", "send", "--smtp", &server.url(), "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let results = out.json();
    assert!(
        results
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["result"] == "sent"),
        "{results}"
    );
    check_delivered(&d, &server, &people);
    // Nothing left: a second send sends nothing.
    let n = server.received().len();
    d.ok(["outbox", "send", "--smtp", &server.url()]);
    assert_eq!(server.received().len(), n);
}

#[test]
fn a_sendmail_compatible_client_delivers_the_same() {
    let server = Server::start();
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    let people = tickets(&d);
    send_through_sendmail(&d, server.port);
    check_delivered(&d, &server, &people);
}

/// `desk outbox send` through the test sendmail client, which hands each message to
/// the test server on `port`; it must succeed.
pub(crate) fn send_through_sendmail(d: &Desk, port: u16) {
    let sendmail = format!(
        "'{}' '{}' -t -i",
        crate::common::python().display(),
        smtp_dir().join("sendmail.py").display()
    );
    let out = d
        .cmd()
        .args(["outbox", "send", "--sendmail", &sendmail])
        .env("DESK_TEST_SMTP_PORT", port.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn nothing_from_a_ticket_can_add_a_header() {
    let server = Server::start();
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    let id = d.new_ticket(
        "Hei\r\nBcc: evil@example.com\r\nX-Evil: 1",
        &[
            "-m",
            "x",
            "--from",
            "victim@example.no",
            "--name",
            "Evil\r\nBcc: evil2@example.com",
            "--channel",
            "email",
        ],
    );
    d.ok([
        "--as",
        "ingrid",
        "reply",
        &id,
        "-m",
        "Svar\r\nBcc: evil3@example.com",
    ]);
    d.ok(["outbox", "send", "--smtp", &server.url()]);
    let got = server.received();
    assert!(!got.is_empty());
    for m in &got {
        let headers: Vec<&str> = m["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        assert!(!headers.contains(&"bcc"), "{m}");
        assert!(!headers.contains(&"x-evil"), "{m}");
        let rcpt = m["envelope"]["rcpt_tos"].to_string();
        assert!(!rcpt.contains("evil"), "{rcpt}");
    }
    let reply = got
        .iter()
        .find(|m| m["auto_submitted"].is_null() && to_address(m) == "victim@example.no")
        .expect("the reply");
    assert!(
        reply["subject"]
            .as_str()
            .unwrap()
            .contains("Bcc: evil@example.com"),
        "the text stays in the subject, on one line: {reply}"
    );
}

#[test]
fn the_customers_answer_threads_back_into_the_ticket() {
    let server = Server::start();
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    d.write(
        "in/1.eml",
        "From: Ola Nordmann <ola@example.no>\nTo: support@nordlys.example\nSubject: Hvor er pakken?\nMessage-ID: <c1@example.no>\nDate: Tue, 24 Nov 2026 09:00:00 +0100\n\nOrdre 55233 har ikke kommet.\n",
    );
    let r = d.run(["ingest", "email", "--json", "in/1.eml"]).json();
    let id = r[0]["ticket"].as_str().unwrap().to_string();
    d.ok(["--as", "ingrid", "reply", &id, "-m", "Den er på vei!"]);
    d.ok(["outbox", "send", "--smtp", &server.url()]);
    let got = server.received();
    let reply = got
        .iter()
        .find(|m| to_address(m) == "ola@example.no" && m["auto_submitted"].is_null())
        .expect("the agent's reply");
    assert_eq!(reply["in_reply_to"], "<c1@example.no>");
    assert!(
        reply["references"]
            .as_array()
            .unwrap()
            .contains(&Value::from("<c1@example.no>"))
    );
    // Ola answers from his mail client: In-Reply-To the reply he got, a new subject.
    let answer = format!(
        "From: Ola Nordmann <ola@example.no>\nTo: support@nordlys.example\nSubject: Takk\nMessage-ID: <c2@example.no>\nIn-Reply-To: {mid}\nReferences: <c1@example.no> {mid}\nDate: Tue, 24 Nov 2026 11:00:00 +0100\n\nTusen takk!\n",
        mid = reply["message_id"].as_str().unwrap()
    );
    d.write("in/2.eml", &answer);
    let r = d.run(["ingest", "email", "--json", "in/2.eml"]).json();
    assert_eq!(r[0]["result"], "added");
    assert_eq!(r[0]["ticket"], id.as_str());
}

/// A sendmail stand-in that keeps each message as a file in `dir`.
fn capture(dir: &Path, extra: &str) -> String {
    format!(
        "sh -c 'cat > \"{}/$(date +%s%N)-$$.eml\"{extra}'",
        dir.display()
    )
}

fn ids_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        if let Some(l) = text.lines().find(|l| l.starts_with("Message-ID:")) {
            out.push(l["Message-ID:".len()..].trim().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn a_failure_stays_queued_with_its_error_and_is_retried() {
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    let id = d.new_ticket(
        "Hjelp",
        &["-m", "x", "--from", "kari@example.no", "--channel", "email"],
    );
    let out = d.fails(
        1,
        [
            "outbox",
            "send",
            "--sendmail",
            "sh -c 'echo relay down >&2; exit 3'",
        ],
    );
    assert!(out.stderr.contains("relay down"), "{out}");
    let list = d.run(["outbox", "list", "--format", "json"]).json();
    assert_eq!(list[0]["attempts"], 1);
    assert!(list[0]["error"].as_str().unwrap().contains("relay down"));
    let t = d.ticket(&id);
    assert_eq!(t["mail"][0]["state"], "queued");
    assert_eq!(t["mail"][0]["attempts"], 1);

    let got = tempfile::tempdir().unwrap();
    d.ok(["outbox", "send", "--sendmail", &capture(got.path(), "")]);
    let t = d.ticket(&id);
    assert_eq!(t["mail"][0]["state"], "sent");
    assert_eq!(t["mail"][0]["attempts"], 2);
    assert_eq!(t["mail"][0]["error"], Value::Null);
    assert_eq!(
        ids_in(got.path()),
        [t["mail"][0]["message_id"].as_str().unwrap()]
    );
}

#[test]
fn a_crash_between_sending_and_recording_sends_at_most_one_duplicate() {
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    for i in 0..4 {
        d.new_ticket(
            &format!("Sak {i}"),
            &[
                "-m",
                "x",
                "--from",
                &format!("c{i}@example.no"),
                "--channel",
                "email",
            ],
        );
    }
    // Four acknowledgements, and what else the example's rules send.
    let queued = queued(&d);
    assert!(queued >= 4, "{queued}");
    let got = tempfile::tempdir().unwrap();
    // The first message is handed over, then desk is killed before it records it.
    let out = d.run([
        "outbox",
        "send",
        "--sendmail",
        &capture(got.path(), "; kill -9 $PPID"),
    ]);
    assert_ne!(out.code, 0, "{out}");
    assert_eq!(ids_in(got.path()).len(), 1);
    d.ok(["outbox", "send", "--sendmail", &capture(got.path(), "")]);
    let ids = ids_in(got.path());
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), queued, "nothing lost: {ids:?}");
    assert_eq!(
        ids.len(),
        queued + 1,
        "one duplicate, the message in flight: {ids:?}"
    );
}

#[test]
fn concurrent_sends_never_send_a_message_twice() {
    let d = Desk::example().at("2026-11-24T09:30:00Z");
    for i in 0..6 {
        d.new_ticket(
            &format!("Sak {i}"),
            &[
                "-m",
                "x",
                "--from",
                &format!("c{i}@example.no"),
                "--channel",
                "email",
            ],
        );
    }
    let got = tempfile::tempdir().unwrap();
    let slow = capture(got.path(), "; sleep 0.2");
    let spawn = || {
        d.cmd()
            .args(["outbox", "send", "--sendmail", &slow])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let codes: Vec<i32> = [a, b]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap_or(-1))
        .collect();
    assert!(
        codes.iter().all(|c| *c == 0 || *c == 75),
        "{codes:?}: done, or busy (75)"
    );
    d.ok(["outbox", "send", "--sendmail", &capture(got.path(), "")]);
    let ids = ids_in(got.path());
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "a message was sent twice");
    assert!(ids.len() >= 6, "{ids:?}");
}
