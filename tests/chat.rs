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

/// A helpdesk in Oslo with one agent, Ingrid Berg, who gets every chat; an SLA policy
/// for everything (first reply within 30 minutes).
fn nordlys() -> Desk {
    let d = Desk::new();
    let toml = d
        .read("desk.toml")
        .replacen("timezone = \"UTC\"", "timezone = \"Europe/Oslo\"", 1);
    d.write(
        "desk.toml",
        &format!(
            "{toml}\n[[agent]]\nid = \"ingrid\"\nname = \"Ingrid Berg\"\nemail = \"ingrid@nordlys.example\"\ndepartments = [\"support\"]\n"
        ),
    );
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            r#"{rules}
[[rule]]
name = "chats-to-ingrid"
on = ["ticket.created"]
if.all = [ {{ field = "channel", op = "is", value = "chat" }} ]
then = [ {{ assign = "ingrid" }}, {{ add_tags = ["chat"] }} ]

[[sla]]
name = "standard"
first_reply = "30m"
next_reply = "2h"
resolution = "1d"
"#
        ),
    );
    d
}

/// Lise asks about an invoice she got twice; Ingrid answers. Times of day, in Oslo, on
/// the day the chat was sent.
const LISE: &str = r#"{"id": "chat-7781", "channel": "chat", "from": "lise.haugen@example.no", "name": "Lise Haugen", "at": "2026-11-24T09:20:00+01:00", "transcript": [
  {"from": "Lise Haugen", "at": "09:10", "text": "Hei! Jeg har fått faktura 2026-118 to ganger.\nDen ene er allerede betalt."},
  {"from": "Ingrid Berg", "at": "09:12", "text": "Hei Lise! Jeg ser på det nå."},
  {"from": "agent:ingrid", "at": "09:14", "text": "Den andre fakturaen er kreditert. Du trenger ikke gjøre noe."},
  {"from": "lise.haugen@example.no", "at": "09:15", "text": "Så bra, takk!"},
  {"from": "ingrid@nordlys.example", "at": "09:16", "text": "Bare hyggelig. Ha en fin dag!"}
]}"#;

fn one_line(json: &str) -> String {
    json.lines().map(str::trim).collect::<Vec<_>>().join("")
}

fn strs(v: &serde_json::Value, key: &str) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|m| m[key].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_chat_becomes_one_message_per_turn_with_its_authors_and_times() {
    let d = nordlys();
    d.write("in/chat.json", LISE);
    let out = d.run(["ingest", "json", "in/chat.json", "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let r = out.json();
    assert_eq!(r[0]["result"], "created");
    assert_eq!(r[0]["source"], "in/chat.json:1");
    let id = r[0]["ticket"].as_str().unwrap().to_string();
    let t = d.ticket(&id);

    // The subject is what Lise asked, not a stamped transcript line.
    assert_eq!(
        t["subject"],
        "Hei! Jeg har fått faktura 2026-118 to ganger."
    );
    assert_eq!(t["channel"], "chat");
    assert_eq!(t["requester"], "lise.haugen@example.no");
    assert_eq!(t["assignee"], "ingrid");
    // Opened when Lise wrote (09:10 in Oslo), not when the chat was ingested.
    assert_eq!(t["created_at"], "2026-11-24T08:10:00Z");
    let m = &t["messages"];
    assert_eq!(
        strs(m, "kind"),
        ["customer", "reply", "reply", "customer", "reply"]
    );
    assert_eq!(
        strs(m, "author"),
        [
            "customer:lise.haugen@example.no",
            "agent:ingrid",
            "agent:ingrid",
            "customer:lise.haugen@example.no",
            "agent:ingrid"
        ]
    );
    assert_eq!(
        strs(m, "at"),
        [
            "2026-11-24T08:10:00Z",
            "2026-11-24T08:12:00Z",
            "2026-11-24T08:14:00Z",
            "2026-11-24T08:15:00Z",
            "2026-11-24T08:16:00Z"
        ]
    );
    assert_eq!(
        m[0]["body"],
        "Hei! Jeg har fått faktura 2026-118 to ganger.\nDen ene er allerede betalt."
    );
    assert_eq!(
        m[2]["body"],
        "Den andre fakturaen er kreditert. Du trenger ikke gjøre noe."
    );
    assert_eq!(m[0]["message_id"], "<chat-7781@chat.desk.invalid>");
    assert_eq!(m[1]["message_id"], "<chat-7781.t2@chat.desk.invalid>");

    // Each turn went through the rules at its own time: the default rules set pending
    // after Ingrid's answer, open after Lise's, pending again.
    let events: Vec<(String, String)> = t["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["actor"].as_str().is_some_and(|a| !a.starts_with("sla:")))
        .map(|h| {
            (
                h["at"].as_str().unwrap_or("").to_string(),
                format!(
                    "{} {}",
                    h["actor"].as_str().unwrap_or(""),
                    h["event"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    let want = [
        ("08:10", "system ticket.created"),
        ("08:10", "rule:chats-to-ingrid ticket.created"),
        ("08:12", "agent:ingrid agent.replied"),
        ("08:12", "rule:agent-reply-sets-pending agent.replied"),
        ("08:14", "agent:ingrid agent.replied"),
        ("08:15", "customer:lise.haugen@example.no customer.replied"),
        ("08:15", "rule:customer-reply-reopens customer.replied"),
        (
            "08:15",
            "rule:customer-reply-notifies-assignee customer.replied",
        ),
        ("08:16", "agent:ingrid agent.replied"),
        ("08:16", "rule:agent-reply-sets-pending agent.replied"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(at, e)| (format!("2026-11-24T{at}:00Z"), e.to_string()))
        .collect();
    assert_eq!(events, want);
    assert_eq!(t["status"], "pending");

    // first_reply is met by Ingrid's first answer, two minutes after Lise wrote.
    let sla = &t["sla"]["targets"];
    assert_eq!(sla["first_reply"]["met_at"], "2026-11-24T08:12:00Z");
    assert!(sla["first_reply"]["breached_at"].is_null());
    assert_eq!(sla["next_reply"]["met_at"], "2026-11-24T08:16:00Z");
    let shown = d.ok(["show", &id]);
    assert!(
        shown.contains("first_reply   met 2026-11-24 09:12\n"),
        "{shown}"
    );
    assert!(
        shown.contains("next_reply    met 2026-11-24 09:16\n"),
        "{shown}"
    );
    assert!(shown.contains("Conversation (5)"), "{shown}");

    // What Ingrid said in the chat is not mailed to Lise again; the rules' notification
    // to Ingrid is the only mail.
    let mail = t["mail"].as_array().unwrap();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0]["kind"], "notification");
    assert_eq!(mail[0]["to"], serde_json::json!(["ingrid@nordlys.example"]));
    assert_eq!(d.outbox().len(), 1);
}

#[test]
fn the_same_chat_again_adds_nothing_and_a_longer_transcript_adds_its_new_turns() {
    let d = nordlys();
    d.write("in/chat.jsonl", &format!("{}\n", one_line(LISE)));
    let r = d.run(["ingest", "json", "in/chat.jsonl", "--json"]).json();
    let id = r[0]["ticket"].as_str().unwrap().to_string();
    let before = stored(&d);
    let out = d.run(["ingest", "json", "in/chat.jsonl", "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let r = out.json();
    assert_eq!(r[0]["result"], "duplicate");
    assert_eq!(r[0]["ticket"], id.as_str());
    assert!(before == stored(&d), "a duplicate chat changed files");

    // The chat went on: the widget sends the whole transcript again, two turns longer.
    let longer = one_line(LISE).replace(
        r#"Ha en fin dag!"}]"#,
        r#"Ha en fin dag!"}, {"from": "Lise Haugen", "at": "09:31", "text": "Unnskyld, en ting til: kan jeg få kreditnotaen på e-post?"}, {"from": "Ingrid Berg", "at": "09:33", "text": "Den er sendt til lise.haugen@example.no nå."}]"#,
    );
    assert_ne!(longer, one_line(LISE));
    d.write("in/chat.jsonl", &format!("{longer}\n"));
    let r = d.run(["ingest", "json", "in/chat.jsonl", "--json"]).json();
    assert_eq!(r[0]["result"], "added");
    assert_eq!(r[0]["ticket"], id.as_str());
    let t = d.ticket(&id);
    let m = &t["messages"];
    assert_eq!(m.as_array().map(Vec::len), Some(7));
    assert_eq!(
        strs(m, "kind")[5..],
        ["customer".to_string(), "reply".to_string()]
    );
    assert_eq!(m[5]["at"], "2026-11-24T08:31:00Z");
    assert_eq!(m[6]["author"], "agent:ingrid");
    // A new cycle of next_reply, met by Ingrid's answer at 09:33.
    assert_eq!(
        t["sla"]["targets"]["next_reply"]["met_at"],
        "2026-11-24T08:33:00Z"
    );
    let tickets = std::fs::read_dir(d.path("tickets"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .count();
    assert_eq!(tickets, 1);
    // And once more: nothing new.
    let r = d.run(["ingest", "json", "in/chat.jsonl", "--json"]).json();
    assert_eq!(r[0]["result"], "duplicate");

    // A chat without an `id` is known by its content: the same payload is a duplicate.
    let anonymous = one_line(LISE).replace(r#""id": "chat-7781", "#, "");
    d.write("in/anon.jsonl", &format!("{anonymous}\n{anonymous}\n"));
    let r = d.run(["ingest", "json", "in/anon.jsonl", "--json"]).json();
    assert_eq!(r[0]["result"], "created");
    assert_eq!(r[1]["result"], "duplicate");
}

#[test]
fn a_greeting_before_the_customer_writes_meets_no_target_and_unknown_names_answer_as_system() {
    let d = nordlys();
    // Emma's chat in Swedish: the chat's bot greets her first; Johan, who has no
    // account in desk.toml, answers; her thanks have no time of their own.
    d.write(
        "in/emma.json",
        r#"{"id": "c-2", "channel": "chat", "from": "emma.lindgren@hotmail.se", "name": "Emma Lindgren", "transcript": [
  {"from": "Nordlys-bot", "at": "2026-11-24T09:40:00+01:00", "text": "Hej! Hur kan vi hjälpa dig?"},
  {"from": "Emma Lindgren", "at": "2026-11-24T09:41:00+01:00", "text": "Jag vill byta mina Fjellheim vinterkängor från storlek 37 till 38, de klämmer över tårna när jag går längre sträckor."},
  {"from": "Johan", "at": "2026-11-24T09:45:30+01:00", "text": "Hej Emma! Det går bra att byta i butiken på Drottninggatan."},
  {"from": "Emma Lindgren", "at": "", "text": "Tack!"},
  {"from": "Johan", "at": "2026-11-24T09:46:00+01:00", "text": "   "}
]}"#,
    );
    let out = d.run(["ingest", "json", "in/emma.json", "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let id = out.json()[0]["ticket"].as_str().unwrap().to_string();
    let t = d.ticket(&id);
    // A long first line makes a subject of at most 80 characters, cut at a word.
    let subject = t["subject"].as_str().unwrap();
    assert_eq!(
        subject,
        "Jag vill byta mina Fjellheim vinterkängor från storlek 37 till 38, de klämmer…"
    );
    assert!(subject.chars().count() <= 80);
    let m = &t["messages"];
    // The empty line is left out; the greeting is kept in front, as an automatic
    // message; Johan's answer is a public reply by `system`.
    assert_eq!(strs(m, "kind"), ["auto", "customer", "reply", "customer"]);
    assert_eq!(
        strs(m, "author"),
        [
            "system",
            "customer:emma.lindgren@hotmail.se",
            "system",
            "customer:emma.lindgren@hotmail.se"
        ]
    );
    assert_eq!(
        strs(m, "at"),
        [
            "2026-11-24T08:40:00Z",
            "2026-11-24T08:41:00Z",
            "2026-11-24T08:45:30Z",
            "2026-11-24T08:45:30Z"
        ]
    );
    assert_eq!(t["created_at"], "2026-11-24T08:41:00Z");
    // The greeting answered nothing: first_reply is met by Johan, due 30 minutes after
    // Emma wrote.
    let first = &t["sla"]["targets"]["first_reply"];
    assert_eq!(first["met_at"], "2026-11-24T08:45:30Z");
    assert_eq!(first["due"], "2026-11-24T09:11:00Z");
    let shown = d.ok(["show", &id]);
    assert!(
        shown.contains("first_reply   met 2026-11-24 09:45\n"),
        "{shown}"
    );
    assert!(
        shown.contains("09:45  system replied, said in the chat as Johan"),
        "{shown}"
    );
    // Emma's thanks notified Ingrid, who has the chat; nothing went to Emma.
    let mail = t["mail"].as_array().unwrap();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0]["to"], serde_json::json!(["ingrid@nordlys.example"]));
}

#[test]
fn a_long_chat_queues_each_rules_mail_once() {
    let d = nordlys();
    let rules = d.read("rules.toml");
    d.write(
        "rules.toml",
        &format!(
            "{rules}\n[[rule]]\nname = \"thank-the-customer\"\non = [\"customer.replied\"]\nthen = [ {{ reply = \"received\" }} ]\n"
        ),
    );
    // Ola keeps writing; every line of his after the first is a customer reply.
    d.write(
        "in/ola.json",
        r#"{"id": 99120, "channel": "chat", "from": "ola.nordmann@example.no", "at": "2026-11-24T08:30:00Z", "transcript": [
  {"from": "customer", "at": "09:01", "text": "Hei, pakken min (ordre 55412) har ikke kommet."},
  {"from": "customer", "at": "09:02", "text": "Den skulle vært her i går."},
  {"from": "Ingrid Berg", "at": "09:04", "text": "Hei Ola! Jeg sjekker sporingen."},
  {"from": "customer", "at": "09:05", "text": "Takk."},
  {"from": "customer", "at": "09:07", "text": "Er det noe nytt?"},
  {"from": "Ingrid Berg", "at": "09:09", "text": "Den står på Posten i Storgata, klar til henting."}
]}"#,
    );
    let out = d.run(["ingest", "json", "in/ola.json", "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let id = out.json()[0]["ticket"].as_str().unwrap().to_string();
    let t = d.ticket(&id);
    // Three customer replies asked three times for the same two messages: one
    // notification for Ingrid, one automatic reply for Ola, kept once in the conversation.
    let mail: Vec<(String, String)> = t["mail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap_or("").to_string(),
                m["to"][0].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut mail = mail;
    mail.sort();
    assert_eq!(
        mail,
        [
            (
                "auto-reply".to_string(),
                "ola.nordmann@example.no".to_string()
            ),
            (
                "notification".to_string(),
                "ingrid@nordlys.example".to_string()
            ),
        ]
    );
    assert_eq!(d.outbox().len(), 2);
    let kinds = strs(&t["messages"], "kind");
    assert_eq!(
        kinds.iter().filter(|k| *k == "auto").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "reply").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(t["messages"][0]["message_id"], "<99120@chat.desk.invalid>");
}

#[test]
fn bad_transcripts_are_named_each_and_nothing_is_stored() {
    let d = nordlys();
    let before = stored(&d);
    let chat = |lines: &str| {
        format!(
            r#"{{"from": "lise.haugen@example.no", "name": "Lise Haugen", "channel": "chat", "transcript": [{lines}]}}"#
        )
    };
    let lines = [
        // Fine.
        chat(r#"{"from": "customer", "at": "2026-11-24T08:10:00Z", "text": "Hei!"}"#),
        // Back in time.
        chat(
            r#"{"from": "customer", "at": "2026-11-24T08:10:00Z", "text": "Hei!"}, {"from": "agent:ingrid", "at": "2026-11-24T08:05:00Z", "text": "Hei Lise!"}"#,
        ),
        // An agent ID desk.toml does not have.
        chat(
            r#"{"from": "customer", "at": "2026-11-24T08:10:00Z", "text": "Hei!"}, {"from": "agent:ingird", "at": "2026-11-24T08:11:00Z", "text": "Hei Lise!"}"#,
        ),
        // Only agents speak.
        chat(r#"{"from": "agent:ingrid", "at": "2026-11-24T08:10:00Z", "text": "Hei?"}"#),
        // Tomorrow.
        chat(r#"{"from": "customer", "at": "2026-11-25T08:10:00Z", "text": "Hei!"}"#),
        // Not a time.
        chat(r#"{"from": "customer", "at": "kl. 9", "text": "Hei!"}"#),
        // A typo in a line's key.
        chat(r#"{"from": "customer", "at": "09:00", "tekst": "Hei!"}"#),
    ];
    d.write("in/chats.jsonl", &(lines.join("\n") + "\n"));
    let out = d.fails(1, ["ingest", "json", "in/chats.jsonl"]);
    let got: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        got,
        [
            "desk: in/chats.jsonl:2: `transcript[1].at`: 2026-11-24T08:05:00Z is before the line above it (2026-11-24T08:10:00Z)",
            "desk: in/chats.jsonl:3: `transcript[1].from`: unknown agent `ingird`, did you mean `ingrid`?",
            "desk: in/chats.jsonl:4: `transcript`: the customer says nothing (write `\"from\": \"customer\"`, or the payload's `from` or `name`, on the customer's lines)",
            "desk: in/chats.jsonl:5: `transcript[0].at`: 2026-11-25T08:10:00Z is in the future",
            "desk: in/chats.jsonl:6: `transcript[0].at`: cannot read `kl. 9` as a time (use a time like 2026-11-24T09:12:00Z, or 09:12 on the chat's day)",
            "desk: in/chats.jsonl:7: transcript[0]: unknown key `tekst` (known: from, at, text)",
        ],
        "{out}"
    );
    assert!(before == stored(&d), "a refused batch wrote files");
}

#[test]
fn times_of_day_cross_midnight_and_the_example_chat_is_a_conversation() {
    // A late chat: it began before midnight and was sent after it.
    let d = nordlys().at("2026-11-24T23:30:00Z");
    d.write(
        "in/natt.json",
        r#"{"channel": "chat", "from": "kari@example.no", "at": "2026-11-25T00:20:00+01:00", "transcript": [
  {"from": "customer", "at": "23:55", "text": "Er butikken i Oslo åpen i morgen?"},
  {"from": "Ingrid Berg", "at": "00:10", "text": "Ja, fra 10 til 20."}
]}"#,
    );
    let out = d.run(["ingest", "json", "in/natt.json", "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let t = d.ticket(out.json()[0]["ticket"].as_str().unwrap());
    assert_eq!(
        strs(&t["messages"], "at"),
        ["2026-11-24T22:55:00Z", "2026-11-24T23:10:00Z"]
    );

    // The example's chat: Nora and Ingrid, five turns.
    let d = Desk::example().at("2026-11-23T10:30:00Z");
    let out = d.run(["ingest", "json", "inbox/webform.jsonl", "--json"]);
    assert_eq!(out.code, 0, "{out}");
    let t = d.ticket(out.json()[3]["ticket"].as_str().unwrap());
    assert_eq!(t["channel"], "chat");
    assert_eq!(
        strs(&t["messages"], "kind"),
        ["customer", "reply", "reply", "customer", "reply"]
    );
    assert_eq!(t["messages"][1]["author"], "agent:ingrid");
    assert_eq!(t["status"], "pending");
    assert_eq!(
        t["sla"]["targets"]["first_reply"]["met_at"],
        "2026-11-23T10:03:10Z"
    );
    assert!(t["mail"].as_array().is_none_or(Vec::is_empty));
}
