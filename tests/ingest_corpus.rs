//! Real mail through `desk ingest email`: messages from Request Tracker's and notmuch's
//! test suites, copied byte for byte into `tests/data/mail/corpus` (see its README).
//!
//! Every folder ingests without a panic and with one result per file; for each message
//! in the tables below the decoded subject, sender, start of the body and attachment
//! names are what any correct decoder makes of it; each notmuch thread lands in one
//! ticket; and ingesting a folder again changes nothing.
//!
//! The expected values were read from the raw files by hand (charsets, RFC 2047 words,
//! RFC 2231 parameters decoded byte by byte) and checked against Python's `email`
//! package (`policy=email.policy.default`). They are literals: nothing here is computed
//! from the files at test time. Where a correct decoder has a choice (folding white
//! space in a subject, how HTML becomes text, what a nameless part is called) the tests
//! check only what every correct choice satisfies.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A corpus file or folder in the repository, e.g. `rt-gateway/nested-rfc-822`. Never
/// ingested from here: see `Staged`.
fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mail/corpus")
        .join(rel)
}

/// Copies of corpus files in a temporary directory, at the same relative paths
/// (`TMP/notmuch-default/cur/29:2,`). desk moves a stored Maildir message from `new/`
/// to `cur/`, as a mail reader does, so ingesting the repository's copy would change
/// the test data (and race with the other tests reading it).
struct Staged {
    tmp: tempfile::TempDir,
}

impl Staged {
    /// Stages corpus files and whole folders (`rel` relative to the corpus root).
    fn new(rels: &[&str]) -> Staged {
        let tmp = tempfile::Builder::new()
            .prefix("desk-corpus")
            .tempdir()
            .expect("temp dir");
        for rel in rels {
            for entry in walkdir::WalkDir::new(corpus(rel)) {
                let entry = entry.unwrap_or_else(|e| panic!("reading corpus {rel}: {e}"));
                if !entry.file_type().is_file() {
                    continue;
                }
                let inner = entry
                    .path()
                    .strip_prefix(corpus(""))
                    .expect("under the corpus");
                let to = tmp.path().join(inner);
                std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
                std::fs::copy(entry.path(), &to).expect("copy corpus file");
            }
        }
        Staged { tmp }
    }

    /// The staged copy of a corpus file or folder.
    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }
}

/// Every file under a corpus folder, relative to the corpus root (`notmuch-default/cur/29:2,`).
fn files_under(folder: &str) -> Vec<String> {
    let root = corpus("");
    let mut files: Vec<String> = walkdir::WalkDir::new(corpus(folder))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&root)
                .expect("under the corpus")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files under {folder}");
    files
}

/// `desk ingest email PATHS... --json`. Asserts that desk did not panic, exited 0 or 1,
/// and printed one JSON array; returns the output and the array.
fn ingest(desk: &Desk, paths: &[PathBuf]) -> (Output, Vec<Value>) {
    let mut args: Vec<std::ffi::OsString> = vec!["ingest".into(), "email".into()];
    args.extend(paths.iter().map(|p| p.clone().into_os_string()));
    args.push("--json".into());
    let out = desk.run(&args);
    let what = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        out.code != 101 && !out.stderr.contains("panicked"),
        "desk panicked ingesting {what}:\n{out}"
    );
    assert!(
        out.code == 0 || out.code == 1,
        "ingesting {what}: exit status must be 0 or 1:\n{out}"
    );
    let results = match serde_json::from_str::<Value>(&out.stdout) {
        Ok(Value::Array(a)) => a,
        Ok(other) => panic!("ingesting {what}: stdout is JSON but not an array: {other}\n{out}"),
        Err(e) => panic!("ingesting {what}: stdout is not JSON ({e}):\n{out}"),
    };
    (out, results)
}

/// The one result whose `source` is the corpus file `rel`, inside the ingested `folder`.
/// `source` is the path desk found, so it ends with the file's path inside the folder.
fn result_for<'a>(folder: &str, rel: &str, results: &'a [Value]) -> Result<&'a Value, String> {
    let inner = rel
        .strip_prefix(folder)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(rel);
    let hits: Vec<&Value> = results
        .iter()
        .filter(|r| {
            let s = r["source"].as_str().unwrap_or("");
            s == inner || s.ends_with(&format!("/{inner}"))
        })
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("{rel}: no result has this file as its source")),
        many => Err(format!(
            "{rel}: {} results have this file as their source: {many:?}",
            many.len()
        )),
    }
}

fn result_kind(r: &Value) -> &str {
    r["result"].as_str().unwrap_or("<no result field>")
}

fn ticket_id(r: &Value) -> Option<&str> {
    r["ticket"].as_str()
}

/// Runs of white space as one space: unfolding a header may keep the folding TAB or
/// turn it into a space, and both are correct; losing the white space is not.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The stored message that came from this mail (the ticket also holds desk's own
/// auto-reply, so it is found by Message-ID, not by position).
fn stored_message<'a>(ticket: &'a Value, message_id: &Value) -> Option<&'a Value> {
    ticket["messages"]
        .as_array()?
        .iter()
        .find(|m| m["message_id"] == *message_id)
}

fn attachment_names(message: &Value) -> Vec<String> {
    message["attachments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["name"].as_str().unwrap_or("<no name>").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// `*.eml` matches any name ending in `.eml`, `test *` any name starting with `test `,
/// anything else only itself.
fn name_matches(pattern: &str, name: &str) -> bool {
    if let Some(suffix) = pattern.strip_prefix('*') {
        name.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        name.starts_with(prefix)
    } else {
        name == pattern
    }
}

/// The first characters of a text, for failure messages.
fn head(s: &str) -> String {
    let h: String = s.chars().take(120).collect();
    if h.len() < s.len() {
        format!("{h}…")
    } else {
        h
    }
}

/// Tickets, customers and attachments: what a duplicate must leave alone.
fn data_files(desk: &Desk) -> Vec<(String, Vec<u8>)> {
    desk.snapshot_files()
        .into_iter()
        .filter(|(p, _)| {
            p.starts_with("tickets/")
                || p.starts_with("customers/")
                || p.starts_with("attachments/")
        })
        .collect()
}

/// The ticket files, `tickets/ID.json`.
fn ticket_files(desk: &Desk) -> Vec<String> {
    desk.snapshot_files()
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.starts_with("tickets/") && p.ends_with(".json"))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The message tables
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Att {
    /// No attachments.
    None,
    /// Exactly these names, in this order (patterns as in `name_matches`).
    Exact(&'static [&'static str]),
    /// At least these names, in this order; other parts may be attachments too (a
    /// nameless PGP signature, an inline part a decoder may keep as a file).
    Includes(&'static [&'static str]),
    /// Not checked: the only parts are nameless (a PGP signature), so their names are
    /// desk's choice, or whether the part is a file at all is (see the table).
    Unchecked,
}

/// One corpus message and what any correct decoder makes of it.
#[derive(Clone, Copy, Debug)]
struct Case {
    /// Path under `tests/data/mail/corpus`.
    file: &'static str,
    /// The decoded Subject (compared after `squash`).
    subject: &'static str,
    /// The From address, lowercase: the ticket's requester and the message's author.
    from: &'static str,
    /// The decoded body, leading white space trimmed, starts with this.
    body: &'static str,
    /// Further text the body must contain.
    has: &'static [&'static str],
    /// Text the body must not contain (HTML tags, nested messages, headers).
    lacks: &'static [&'static str],
    att: Att,
}

const fn m(
    file: &'static str,
    subject: &'static str,
    from: &'static str,
    body: &'static str,
) -> Case {
    Case {
        file,
        subject,
        from,
        body,
        has: &[],
        lacks: &[],
        att: Att::None,
    }
}

impl Case {
    const fn has(mut self, t: &'static [&'static str]) -> Case {
        self.has = t;
        self
    }
    const fn lacks(mut self, t: &'static [&'static str]) -> Case {
        self.lacks = t;
        self
    }
    const fn att(mut self, a: Att) -> Case {
        self.att = a;
        self
    }
}

/// Request Tracker's gateway mail: the hard cases of charsets and MIME.
const RT: &[Case] = &[
    // Subject `=?gb18030?B?suLK1A===?=` (note the extra `=`), base64 body `suLK1A==`:
    // the GB18030 bytes B2E2 CAD4 are 测试 ("test").
    m(
        "rt-gateway/new-ticket-from-gb18030",
        "测试",
        "root@localhost",
        "测试",
    ),
    // 8-bit ISO-8859-1 body, charset declared: byte E5 is å.
    m(
        "rt-gateway/new-ticket-from-iso-8859-1",
        "Re: rt-3.0.3pre1",
        "hw@nordkapp.net",
        "Håvard",
    ),
    // No MIME headers at all (the body happens to hold UTF-8 bytes); no Message-ID.
    m(
        "rt-gateway/new-ticket-from-iso-8859-1-full",
        "Re: rt-3.0.3pre1",
        "hw@nordkapp.net",
        "At 14:56 02.06.2003 -0400, you wrote:",
    )
    .has(&["Thanks for your fast replay!"]),
    // `=?ISO-8859-1?Q?te?=` CRLF SP `=?ISO-8859-1?Q?st?=`: the white space between two
    // encoded words goes away (RFC 2047 §6.2), so the subject is "test", not "te st".
    m(
        "rt-gateway/subject-with-folding-ws",
        "test",
        "foo@example.com",
        "test",
    ),
    // A 300-character subject on one line: kept whole.
    m(
        "rt-gateway/very-long-subject",
        "012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
        "foo@example.com",
        "This email has a very long subject.",
    ),
    // Headers only (a folded RT-Send-Cc), no blank line, no body: the body is empty and
    // no header leaks into it.
    m(
        "rt-gateway/rt-send-cc",
        "testing send-cc headers",
        "rt@example.com",
        "",
    )
    .lacks(&["RT-Send-Cc", "test5@example.com"]),
    // Subject `Client =?ISO-2022-JP?B?Pw==?= Japanese...`: the word is "?". The second
    // part's name is RFC 2231 `filename*0*=ISO-2022-JP'ja'%1b$B%3f7...` continued over
    // four parameters (and the same name as RFC 2047 words in Content-Type `name`).
    m(
        "rt-gateway/rfc2231-attachment-filename-continuations",
        "Client ? Japanese Attachment Name issue",
        "root@localhost",
        "Some data in a file",
    )
    .att(Att::Exact(&["新しいテキスト ドキュメント.txt"])),
    // KMail forward: KOI8-R text part first, then two inline parts named " " (a text and
    // an HTML copy: whether they are files, and what they are called, is desk's choice),
    // then the image.
    m(
        "rt-gateway/crashes-file-based-parser",
        "Fwd: scanning my ports",
        "drstas@d.example.com",
        "FYI",
    )
    .has(&[
        "Forwarded Message",
        "This transaction appears to have no content",
    ])
    .att(Att::Includes(&["BackGrnd.jpg"])),
    // multipart/alternative: the quoted-printable ISO-8859-1 text part is the body
    // (Gr=FC=DFen is Grüßen); the HTML alternative is neither body nor attachment.
    m(
        "rt-gateway/multipart-alternative-with-umlaut",
        "RE: [rt-users] HTML-encoded mails with umlaute",
        "gst@example.com",
        "Hello,",
    )
    .has(&[
        "ist this kind of Messages, that causes rt to crash.",
        "Mit freundlichen Grüßen",
    ])
    .lacks(&["<DIV", "<BR", "&nbsp;", "MSHTML"]),
    // HTML only (quoted-printable ISO-8859-1): the body is text that starts where the
    // HTML body does, with no tags, no entities and nothing from <HEAD>.
    m(
        "rt-gateway/text-html-with-umlaut",
        "An example of mail containing text-html with an umlaut in the content",
        "gst@example.com",
        "Hello,",
    )
    .has(&["Mit freundlichen Grüßen", "causes Error"])
    .lacks(&["<", "&nbsp;", "MSHTML", "DOCTYPE"]),
    // The ISO-8859-15 series: seven separate mails with the same subject
    // `=?ISO-8859-15?Q?test_=E4=F6=FC=DF=C4=D6=DC=DF=A4?=`. A4 is € in ISO-8859-15
    // (it would be ¤ in ISO-8859-1).
    m(
        "rt-gateway/8859-15-message-series/msg1",
        "test äöüßÄÖÜß€",
        "pape@inf.fu-berlin.de",
        "test nochmal in anderer Queue",
    )
    .has(&["test äöüßÄÖÜß€"]),
    m(
        "rt-gateway/8859-15-message-series/msg2",
        "test äöüßÄÖÜß€",
        "pape@inf.fu-berlin.de",
        "test nochmal in anderer Queue",
    )
    .has(&["test äöüßÄÖÜß€"]),
    m(
        "rt-gateway/8859-15-message-series/msg3",
        "test äöüßÄÖÜß€",
        "pape@inf.fu-berlin.de",
        "test nochmal in anderer Queue",
    )
    .has(&["test äöüßÄÖÜß€"]),
    m(
        "rt-gateway/8859-15-message-series/msg4",
        "test äöüßÄÖÜß€",
        "pape@inf.fu-berlin.de",
        "test nochmal in anderer Queue",
    )
    .has(&["test äöüßÄÖÜß€"]),
    m(
        "rt-gateway/8859-15-message-series/msg5",
        "test äöüßÄÖÜß€",
        "pape@inf.fu-berlin.de",
        "test nochmal in anderer Queue",
    )
    .has(&["test äöüßÄÖÜß€"]),
    m(
        "rt-gateway/8859-15-message-series/msg6",
        "test äöüßÄÖÜß€",
        "pape@inf.fu-berlin.de",
        "test nochmal in anderer Queue",
    )
    .has(&["test äöüßÄÖÜß€"]),
    m(
        "rt-gateway/8859-15-message-series/msg7",
        "test äöüßÄÖÜß€",
        "pape@inf.fu-berlin.de",
        "test nochmal in anderer Queue",
    )
    .has(&["test äöüßÄÖÜß€"]),
    // The series again as a multipart/digest of seven message/rfc822 parts, each with
    // Content-Type name="test _________": seven .eml attachments, none of their text
    // in the body.
    m(
        "rt-gateway/8859-15-message-series/dir",
        "Re: [rt-users] [rt-announce] Development Snapshot 3.0.2++",
        "pape-rt@inf.fu-berlin.de",
        "Hello,",
    )
    .has(&["here is the digest I forgot to attach."])
    .lacks(&["test nochmal in anderer Queue"])
    .att(Att::Exact(&[
        "test _________*",
        "test _________*",
        "test _________*",
        "test _________*",
        "test _________*",
        "test _________*",
        "test _________*",
    ])),
    // A forwarded mail as message/rfc822 with filename=test-email.eml.
    m(
        "rt-gateway/email-file-attachment.eml",
        "This is a test",
        "user1@example.com",
        "This is a test with an email file attachment.",
    )
    .att(Att::Exact(&["test-email.eml"])),
    // The same, the forwarded mail multipart/alternative (and the same Message-ID as
    // the one above: each is ingested into its own helpdesk here).
    m(
        "rt-gateway/email-file-attachment-2.eml",
        "This is another test",
        "user1@example.com",
        "This is a test with a multipart email file attachment.",
    )
    .lacks(&["plain text"])
    .att(Att::Exact(&["test-email-2.eml"])),
    // Subject `[Jonas Liljegren] Re: [Para] =?iso-8859-1?q?Niv=E5er=3F?=`; body
    // quoted-printable ISO-8859-1; an inline message/rfc822 without a name (saved as
    // some .eml), then a headerless text part with the signature.
    m(
        "rt-gateway/nested-rfc-822",
        "[Jonas Liljegren] Re: [Para] Nivåer?",
        "jonas@example.com",
        "Material för att uppdatera texten om nivåer.",
    )
    .has(&["Denna text bör dessutom ligga som ett uppslagsord"])
    .lacks(&["Jakob Carlsson"])
    .att(Att::Includes(&["*.eml"])),
    // MIME in MIME in MIME: a preamble (not body), the text part, then a digest of two
    // message/rfc822 parts that themselves hold digests. Two nameless .eml attachments;
    // the From address is lowercased.
    m(
        "rt-gateway/nested-mime-sample",
        "Example MIME within MIME within MIME message",
        "xxxxxx_yyyyyyy@some.net",
        "MIME is fun at times.",
    )
    .lacks(&["This message is in MIME format", "first outer message"])
    .att(Att::Exact(&["*.eml", "*.eml"])),
    // Lotus Notes: no MIME at all, a uuencoded JPEG inside the text (see
    // `uuencoded_notes_keep_the_picture`).
    m(
        "rt-gateway/notes-uuencoded",
        "Test e-mail which exhibits problems with RT",
        "mhenrion@example.com",
        "I send you this mail from Lotus Notes to make sure",
    )
    .has(&["(See attached file: Naz_Head.jpg)"])
    .att(Att::Unchecked),
];

/// notmuch's default corpus: a Maildir tree of list mail (Mailman footers as a last
/// inline text part, PGP-signed parts, folded subjects, a few ISO-8859-1 mails).
const NOTMUCH_DEFAULT: &[Case] = &[
    // Subject folded before a TAB: "...parsing message" CRLF TAB "headers".
    m(
        "notmuch-default/01:2,",
        "[notmuch] [PATCH 1/2] Close message file after parsing message headers",
        "dottedmag@dottedmag.net",
        "Keeping unused files open helps to see \"Too many open files\" often.",
    ),
    m(
        "notmuch-default/02:2,",
        "[notmuch] [PATCH 2/2] Include <stdint.h> to get uint32_t in C++ file with gcc 4.4",
        "dottedmag@dottedmag.net",
        "Signed-off-by: Mikhail Gusarov",
    ),
    m(
        "notmuch-default/bar/17:2,",
        "[notmuch] New to the list",
        "isra@herraiz.org",
        "Hi all,",
    )
    .has(&["I have subscribed to the list."]),
    m(
        "notmuch-default/bar/18:2,",
        "[notmuch] archive",
        "agriffis@n01se.net",
        "Just subscribed, I'd like to catch up on the previous postings,",
    ),
    // multipart/mixed: multipart/alternative (text/plain ISO-8859-1 + HTML), a base64
    // text/x-diff attachment, the list footer.
    m(
        "notmuch-default/bar/baz/05:2,",
        "[notmuch] preliminary FreeBSD support",
        "alex.boterolowry@gmail.com",
        "I saw the announcement this morning, and was very excited",
    )
    .att(Att::Exact(&[
        "0001-Deal-with-situation-where-sysconf-_SC_GETPW_R_SIZE_M.patch",
    ])),
    // multipart/signed around multipart/mixed (text + the patch as an attachment), and
    // a nameless inline application/pgp-signature.
    m(
        "notmuch-default/bar/baz/23:2,",
        "[notmuch] \"notmuch help\" outputs to stderr?",
        "lars@seas.harvard.edu",
        "I'm just noticing that 'notmuch help ...' outputs to stderr",
    )
    .att(Att::Includes(&["notmuch-help.patch"])),
    m(
        "notmuch-default/bar/baz/24:2,",
        "Re: [notmuch] \"notmuch help\" outputs to stderr?",
        "lars@seas.harvard.edu",
        "> I've attached a patch that lets usage() take a FILE * argument",
    )
    .has(&["Whoops, missed a coup"])
    .att(Att::Includes(&["notmuch-help.patch"])),
    m(
        "notmuch-default/bar/baz/cur/25:2,",
        "[notmuch] [PATCH] Fix linking with gcc to use g++ to link in C++ libs.",
        "stewart@flamingspork.com",
        "Previously, Ubuntu 9.10, gcc 4.4.1 was getting:",
    ),
    m(
        "notmuch-default/bar/baz/cur/26:2,",
        "[notmuch] [PATCH 2/2] Read mail directory in inode number order",
        "stewart@flamingspork.com",
        "This gives a rather decent reduction in number of seeks required",
    ),
    m(
        "notmuch-default/bar/baz/new/27:2,",
        "[notmuch] New to the list",
        "keithp@keithp.com",
        "On Tue, 17 Nov 2009 23:57:18 +0100, Israel Herraiz",
    ),
    m(
        "notmuch-default/bar/baz/new/28:2,",
        "[notmuch] Introducing myself",
        "keithp@keithp.com",
        "On Wed, 18 Nov 2009 00:20:59 +0100, Adrian Perez de Castro",
    ),
    // A patch mail whose body starts with the diffstat's "---".
    m(
        "notmuch-default/bar/cur/19:2,",
        "[notmuch] [PATCH] Typsos",
        "ingmar@exherbo.org",
        "---",
    )
    .has(&["gmime-filter-reply.h", "lib/database.cc"]),
    // multipart/signed: the text, and the signature with filename=signature.asc.
    m(
        "notmuch-default/bar/cur/20:2,",
        "[notmuch] Introducing myself",
        "aperez@igalia.com",
        "Hello to all,",
    )
    .has(&["I have just heard about Not Much today"])
    .att(Att::Exact(&["signature.asc"])),
    // Like 05: alternative text/plain + HTML, an application/octet-stream patch.
    m(
        "notmuch-default/bar/new/21:2,",
        "[notmuch] [PATCH] Error out if no query is supplied to search instead of going into an infinite loop",
        "alex.boterolowry@gmail.com",
        "In this case error out when no query is supplied.",
    )
    .att(Att::Exact(&[
        "0001-Error-out-if-no-query-is-supplied-to-search-instead-.patch",
    ])),
    // Signed with a nameless inline signature: attachment names are desk's choice.
    m(
        "notmuch-default/bar/new/22:2,",
        "Re: [notmuch] Working with Maildir storage?",
        "lars@seas.harvard.edu",
        "> I've also pushed a slightly more complicated (and complete) fix",
    )
    .att(Att::Unchecked),
    m(
        "notmuch-default/cur/29:2,",
        "[notmuch] archive",
        "keithp@keithp.com",
        "On Tue, 17 Nov 2009 18:21:38 -0500, Aron Griffis",
    ),
    m(
        "notmuch-default/cur/30:2,",
        "[notmuch] [PATCH] count_files: sort directory in inode order before statting",
        "stewart@flamingspork.com",
        "---",
    )
    .has(&["notmuch-new.c"]),
    m(
        "notmuch-default/cur/31:2,",
        "[notmuch] Mac OS X/Darwin compatibility issues",
        "gzjjgod@gmail.com",
        "Hi,",
    )
    .has(&["When I tried to compile notmuch under Mac OS X 10.6"]),
    m(
        "notmuch-default/cur/32:2,",
        "[notmuch] [PATCH] notmuch new: Support for conversion of spool subdirectories into tags",
        "jan@ryngle.com",
        "This patch makes it possible to convert subdirectory names",
    ),
    m(
        "notmuch-default/cur/33:2,",
        "[notmuch] Link to mailing list archives ?",
        "rollandsantimano@yahoo.com",
        "The link[1] provided on the list page[2] is broken:",
    ),
    m(
        "notmuch-default/cur/37:2,",
        "[notmuch] request for pull",
        "alex.boterolowry@gmail.com",
        "The following changes since commit e8c9c3e6a534fc6c2919c2c1de63cea7250eb488:",
    ),
    // Folded before a TAB here, before a space in 39: the same subject either way.
    m(
        "notmuch-default/cur/38:2,",
        "[notmuch] [PATCH] Create a default notmuch-show-hook that highlights URLs and uses word-wrap",
        "keithp@keithp.com",
        "I created the notmuch-show-hook precisely so I could add these two",
    ),
    m(
        "notmuch-default/cur/39:2,",
        "[notmuch] [PATCH] Create a default notmuch-show-hook that highlights URLs and uses word-wrap",
        "alex.boterolowry@gmail.com",
        "On Wed, 18 Nov 2009 00:29:59 -0800, Keith Packard",
    ),
    m(
        "notmuch-default/cur/42:2,",
        "[notmuch] [PATCH] Make notmuch-show 'X' (and 'x') commands remove inbox (and unread) tags",
        "cworth@cworth.org",
        "On Tue, 17 Nov 2009 13:32:45 -0800, Keith Packard",
    ),
    // `From: "=?ISO-8859-1?Q?Fran=E7ois_Boulogne?=" <...>`, 8-bit ISO-8859-1 body.
    m(
        "notmuch-default/cur/52:2,",
        "Re: [aur-general] Guidelines: cp, mkdir vs install",
        "boulogne.f@gmail.com",
        "Le 29/12/2011 11:13, Allan McRae a écrit :",
    )
    .has(&["François Boulogne."]),
    // Subject `Essai =?iso-8859-1?Q?accentu=E9?=`, quoted-printable ISO-8859-1 body.
    m(
        "notmuch-default/cur/53:2,",
        "Essai accentué",
        "olivier.berger@it-sudparis.eu",
        "Du texte accentué pour ça ...",
    )
    .has(&["à la bonne heure !"]),
    m(
        "notmuch-default/foo/06:2,",
        "[notmuch] preliminary FreeBSD support",
        "cworth@cworth.org",
        "On Tue, 17 Nov 2009 11:36:14 -0800, Alex Botero-Lowry",
    ),
    m(
        "notmuch-default/foo/baz/cur/13:2,",
        "[notmuch] [PATCH] Make notmuch-show 'X' (and 'x') commands remove inbox (and unread) tags",
        "keithp@keithp.com",
        "When closing a thread view, mark the thread as archived by removing",
    ),
    m(
        "notmuch-default/foo/baz/new/15:2,",
        "[notmuch] What a great idea!",
        "jan@ryngle.com",
        "Hello,",
    )
    .has(&["First of all, notmuch is a wonderful idea"]),
    m(
        "notmuch-default/foo/cur/08:2,",
        "Re: [notmuch] Working with Maildir storage?",
        "lars@seas.harvard.edu",
        "> See the patch just posted here.",
    )
    .att(Att::Unchecked),
    m(
        "notmuch-default/foo/new/03:2,",
        "[notmuch] Working with Maildir storage?",
        "lars@seas.harvard.edu",
        "I saw the LWN article and decided to take a look at notmuch.",
    )
    .att(Att::Unchecked),
    m(
        "notmuch-default/foo/new/09:2,",
        "[notmuch] Working with Maildir storage?",
        "dottedmag@dottedmag.net",
        "Twas brillig at 15:33:01 17.11.2009 UTC-05",
    ),
    m(
        "notmuch-default/new/04:2,",
        "Re: [notmuch] Working with Maildir storage?",
        "dottedmag@dottedmag.net",
        "Twas brillig at 14:00:54 17.11.2009 UTC-05",
    )
    .att(Att::Unchecked),
];

/// notmuch's html, attachment, threading and broken corpora, one message at a time.
const NOTMUCH_OTHER: &[Case] = &[
    // A single text/html part (inline, filename=test.html) whose attribute value holds
    // a `>`: `<input value="a>swordfish">`. The text is "hunter2"; a tag stripper that
    // ends the tag at the first `>` leaks `swordfish">`. Whether the part also counts as
    // a file test.html is desk's choice.
    m(
        "notmuch-html/attribute-text",
        "test html attachment",
        "david@example.net",
        "hunter2",
    )
    .lacks(&["swordfish", "<", "value="])
    .att(Att::Unchecked),
    // Subject and From as base64 UTF-8 words; multipart/alternative whose text/plain
    // part (it starts with a URL in angle brackets) is the body. The HTML part's image
    // is a data: URL, not a MIME part.
    m(
        "notmuch-html/embedded-image",
        "Tack alla trafikanter och fotgängare!",
        "daemon@lublin.se",
        "<http://malmoborg.se/2016/07/tack-alla-trafikanter-och-fotgangare/>",
    )
    .has(&["Malmö 2016-07-09"])
    .lacks(&["<table", "<p>"]),
    // From `=?utf-8?Q?Antoine_Beaupr=C3=A9?=`; text, a .tgz attachment, a PS as a
    // second text part (body text or a nameless text attachment, desk's choice).
    m(
        "notmuch-attachment/x-gtar-compressed.eml",
        "Re: bug: \"no top level messages\" crash on Zen email loops",
        "anarcat@orangeseeds.org",
        "And obviously I forget the frigging attachment.",
    )
    .att(Att::Includes(&["zendesk-email-loop2.tgz"])),
    m(
        "notmuch-threading/ghost-root/real-root",
        "root message",
        "alice@example.org",
        "This message has no in-reply-to",
    ),
    m(
        "notmuch-threading/ghost-root/fake-root",
        "fake root message",
        "mallory@example.org",
        "This message has an in-reply-to pointing to a non-existent message",
    ),
    // Two spaces inside the subject, quoted " via RT" display name, 8bit UTF-8 body
    // after four blank lines.
    m(
        "notmuch-threading/ghost-root/1532672447.R6968667928580738175.len:2,S",
        "[support.xxxxxxxxxxx-xxxxxxxxx-xxxxxxxxx.de #33575] Resolved: FYI: xxxx  xxxxxxx  xxxxxxxxxxxx xxx",
        "rt-xxx@xxxxxxx-xxxxxxxxxxxxxxxxx-xxxxxxxxx-xxxxxxxxx.de",
        "According to our records, your request has been resolved.",
    ),
    m(
        "notmuch-threading/parent-priority/cur/root",
        "root message",
        "alice@example.org",
        "This message has no reply-to",
    ),
    m(
        "notmuch-threading/parent-priority/cur/child",
        "child message",
        "alice@example.org",
        "This is a normal-ish reply, and has both a references header",
    ),
    m(
        "notmuch-threading/parent-priority/cur/grand-child",
        "grand-child message",
        "alice@example.org",
        "This has the references headers in the wrong order, with oldest first.",
    ),
    // `Cc:` and `cc:` both present.
    m(
        "notmuch-broken/broken-cc",
        "wowsers!",
        "alice@example.org",
        "Note the Cc: and cc: headers.",
    ),
    m(
        "notmuch-broken/loop/loop-12",
        "referencing in-reply-to-loop-21",
        "alice@example.org",
        "Note Message-ID and In-Reply-To: in file in-reply-to-loop-21",
    ),
];

/// Ingests one message into a fresh helpdesk; returns the helpdesk, the result, the
/// ticket and the stored message, or why that failed.
fn ingest_one(file: &str) -> Result<(Desk, Value, Value, Value), String> {
    let desk = Desk::new();
    let staged = Staged::new(&[file]);
    let (out, results) = ingest(&desk, &[staged.path(file)]);
    let [r] = results.as_slice() else {
        return Err(format!(
            "{file}: expected exactly one result, got {}:\n{out}",
            results.len()
        ));
    };
    if result_kind(r) != "created" {
        return Err(format!(
            "{file}: result is {} (reason {}), expected \"created\":\n{out}",
            r["result"], r["reason"]
        ));
    }
    let Some(id) = ticket_id(r) else {
        return Err(format!("{file}: \"created\" without a ticket ID:\n{out}"));
    };
    let ticket = desk.ticket(id);
    let Some(message) = stored_message(&ticket, &r["message_id"]).cloned() else {
        return Err(format!(
            "{file}: ticket {id} has no message with message_id {} (the result's); messages: {}",
            r["message_id"], ticket["messages"]
        ));
    };
    let r = r.clone();
    Ok((desk, r, ticket, message))
}

/// Every difference between what desk stored for `case` and what it should have.
fn check(case: &Case) -> Vec<String> {
    let f = case.file;
    let (_desk, r, ticket, message) = match ingest_one(f) {
        Ok(x) => x,
        Err(e) => return vec![e],
    };
    let mut errs = Vec::new();
    let want = squash(case.subject);
    for (what, got) in [
        ("result subject", &r["subject"]),
        ("ticket subject", &ticket["subject"]),
        ("message subject", &message["subject"]),
    ] {
        match got.as_str() {
            Some(s) if squash(s) == want => {}
            _ => errs.push(format!("{f}: {what} is {got}, expected {:?}", case.subject)),
        }
    }
    if ticket["requester"] != case.from {
        errs.push(format!(
            "{f}: requester is {}, expected {:?}",
            ticket["requester"], case.from
        ));
    }
    let author = format!("customer:{}", case.from);
    if message["author"] != author.as_str() {
        errs.push(format!(
            "{f}: message author is {}, expected {author:?}",
            message["author"]
        ));
    }
    if ticket["channel"] != "email" {
        errs.push(format!(
            "{f}: channel is {}, expected \"email\"",
            ticket["channel"]
        ));
    }
    let body = message["body"].as_str().unwrap_or("");
    if !body.trim_start().starts_with(case.body) {
        errs.push(format!(
            "{f}: body should start with {:?} but starts with {:?}",
            case.body,
            head(body.trim_start())
        ));
    }
    for t in case.has {
        if !body.contains(t) {
            errs.push(format!(
                "{f}: body lacks {t:?}; it starts {:?}",
                head(body.trim_start())
            ));
        }
    }
    for t in case.lacks {
        if body.contains(t) {
            errs.push(format!(
                "{f}: body contains {t:?}; it starts {:?}",
                head(body.trim_start())
            ));
        }
    }
    let names = attachment_names(&message);
    let ok = match case.att {
        Att::None => names.is_empty(),
        Att::Exact(want) => {
            names.len() == want.len() && want.iter().zip(&names).all(|(p, n)| name_matches(p, n))
        }
        Att::Includes(want) => {
            // In order, each pattern matched by a later attachment than the previous one.
            let mut rest = names.iter();
            want.iter().all(|p| rest.any(|n| name_matches(p, n)))
        }
        Att::Unchecked => true,
    };
    if !ok {
        errs.push(format!(
            "{f}: attachment names are {names:?}, expected {:?}",
            case.att
        ));
    }
    errs
}

fn check_table(table: &[Case]) {
    let mut errs = Vec::new();
    let mut bad = 0;
    for case in table {
        let e = check(case);
        if !e.is_empty() {
            bad += 1;
        }
        errs.extend(e);
    }
    assert!(
        errs.is_empty(),
        "{bad} of {} corpus messages were not decoded as expected:\n\n{}",
        table.len(),
        errs.join("\n\n")
    );
}

#[test]
fn rt_gateway_messages_decode() {
    check_table(RT);
}

#[test]
fn notmuch_default_messages_decode() {
    check_table(NOTMUCH_DEFAULT);
}

#[test]
fn notmuch_html_attachment_threading_broken_messages_decode() {
    check_table(NOTMUCH_OTHER);
}

#[test]
fn the_tables_cover_at_least_32_distinct_messages() {
    let mut files: Vec<&str> = RT
        .iter()
        .chain(NOTMUCH_DEFAULT)
        .chain(NOTMUCH_OTHER)
        .map(|c| c.file)
        .collect();
    files.sort();
    let n = files.len();
    files.dedup();
    assert_eq!(files.len(), n, "a file is in the tables twice");
    assert!(n >= 32, "only {n} messages are checked");
    for f in files {
        assert!(corpus(f).is_file(), "{f} is not in tests/data/mail/corpus");
    }
}

// ---------------------------------------------------------------------------------------
// Messages where a correct decoder has a choice: what every choice satisfies
// ---------------------------------------------------------------------------------------

/// `Subject: \xD4\xC5\xD3\xD4 \xD4\xC5\xD3\xD4` as raw 8-bit bytes and a body of
/// `\xF4\xE5\xF3\xF4`, with no Content-Type and no charset anywhere. In KOI8-R (what the
/// sender used) that is "тест тест" and "ТЕСТ"; a decoder that does not guess
/// charsets makes one character of each undecodable byte (U+FFFD, or Latin-1 "ÔÅÓÔ").
/// Either way: two equal words of four characters, then four characters of body, and
/// if desk does produce Cyrillic it must be the right Cyrillic.
#[test]
fn koi8r_subject_without_content_type() {
    let f = "rt-gateway/russian-subject-no-content-type";
    let (_desk, _r, ticket, message) = ingest_one(f).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ticket["requester"], "mitya@fling-wing.example.com",
        "{f}: requester"
    );
    let subject = ticket["subject"].as_str().expect("subject");
    let words: Vec<&str> = subject.split(' ').collect();
    assert!(
        words.len() == 2 && words[0] == words[1] && words[0].chars().count() == 4,
        "{f}: subject {subject:?} should be two equal words of four characters (KOI8-R \"тест тест\")"
    );
    assert!(
        !subject.chars().any(char::is_control),
        "{f}: subject {subject:?} holds control characters"
    );
    if subject
        .chars()
        .any(|c| ('\u{400}'..='\u{4ff}').contains(&c))
    {
        assert_eq!(subject, "тест тест", "{f}: Cyrillic, but not KOI8-R's");
    }
    let body = message["body"].as_str().expect("body").trim();
    assert_eq!(
        body.chars().count(),
        4,
        "{f}: body {body:?} should be four characters (KOI8-R \"ТЕСТ\")"
    );
    if body.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)) {
        assert_eq!(body, "ТЕСТ", "{f}: Cyrillic body, but not KOI8-R's");
    }
}

/// Lotus Notes put the picture uuencoded into the text (`begin 644 Naz_Head.jpg` ...
/// `end`). A MIME decoder need not know uuencode: the picture is then either an
/// attachment named Naz_Head.jpg or still in the body, never lost.
#[test]
fn uuencoded_notes_keep_the_picture() {
    let f = "rt-gateway/notes-uuencoded";
    let (_desk, _r, _ticket, message) = ingest_one(f).unwrap_or_else(|e| panic!("{e}"));
    let names = attachment_names(&message);
    let body = message["body"].as_str().unwrap_or("");
    if names.is_empty() {
        assert!(
            body.contains("begin 644 Naz_Head.jpg"),
            "{f}: no attachment, and the uuencoded picture is not in the body either; body starts {:?}",
            head(body)
        );
    } else {
        assert_eq!(names, ["Naz_Head.jpg"], "{f}: attachments");
    }
}

/// A multipart/report delivery-status bounce of `<200308221615.h7MGFGac020135@mx12...>`,
/// a message this helpdesk never received or sent: "skipped", no ticket.
#[test]
fn bounce_for_unknown_message_is_skipped() {
    let f = "rt-gateway/multipart-report";
    let desk = Desk::new();
    let staged = Staged::new(&[f]);
    let (out, results) = ingest(&desk, &[staged.path(f)]);
    assert_eq!(
        out.code, 0,
        "{f}: a skipped message is not a failure:\n{out}"
    );
    assert_eq!(results.len(), 1, "{f}: one result:\n{out}");
    let r = &results[0];
    assert_eq!(r["result"], "skipped", "{f}: result:\n{out}");
    assert!(
        r["ticket"].is_null(),
        "{f}: a skipped bounce has no ticket:\n{out}"
    );
    assert_eq!(
        r["subject"], "Returned mail: User unknown",
        "{f}: subject:\n{out}"
    );
    assert_eq!(
        r["message_id"], "<200308221615.CGA36111@mailbox.other.example.com>",
        "{f}: message_id:\n{out}"
    );
    assert!(
        r["reason"].is_string(),
        "{f}: a skipped message says why:\n{out}"
    );
    assert_eq!(
        ticket_files(&desk),
        Vec::<String>::new(),
        "{f}: no ticket may be made"
    );
}

/// `lorem-ipsum` is a paragraph of text with no header at all: not mail. It fails, is
/// named on stderr, and the run exits 1.
#[test]
fn text_without_headers_fails_cleanly() {
    let f = "rt-gateway/lorem-ipsum";
    let desk = Desk::new();
    let staged = Staged::new(&[f]);
    let (out, results) = ingest(&desk, &[staged.path(f)]);
    assert_eq!(results.len(), 1, "{f}: one result:\n{out}");
    assert_eq!(results[0]["result"], "failed", "{f}: result:\n{out}");
    assert_eq!(out.code, 1, "{f}: a failure exits 1:\n{out}");
    assert!(
        out.stderr.contains("lorem-ipsum"),
        "{f}: the failure names the file:\n{out}"
    );
    assert_eq!(
        ticket_files(&desk),
        Vec::<String>::new(),
        "{f}: no ticket may be made"
    );
}

// ---------------------------------------------------------------------------------------
// Whole folders
// ---------------------------------------------------------------------------------------

const FOLDERS: &[&str] = &[
    "rt-gateway",
    "notmuch-default",
    "notmuch-html",
    "notmuch-attachment",
    "notmuch-threading",
    "notmuch-broken",
];

const RESULTS: &[&str] = &[
    "created",
    "added",
    "duplicate",
    "bounce",
    "skipped",
    "failed",
];

/// Ingests a whole folder into a fresh helpdesk and checks what holds for every file:
/// no panic, one result per file, a known result, tickets that exist, failures named on
/// stderr and reflected in the exit status. Returns the helpdesk, the output and each
/// file's result.
fn ingest_folder(folder: &str) -> (Desk, Staged, Output, BTreeMap<String, Value>) {
    let desk = Desk::new();
    let files = files_under(folder);
    let staged = Staged::new(&[folder]);
    let (out, results) = ingest(&desk, &[staged.path(folder)]);
    let mut errs = Vec::new();
    if results.len() != files.len() {
        errs.push(format!(
            "{} results for {} files (every file is one message)",
            results.len(),
            files.len()
        ));
    }
    let mut by_file = BTreeMap::new();
    for file in &files {
        match result_for(folder, file, &results) {
            Ok(r) => {
                by_file.insert(file.clone(), r.clone());
            }
            Err(e) => errs.push(e),
        }
    }
    let mut failed = false;
    for (file, r) in &by_file {
        let kind = result_kind(r);
        if !RESULTS.contains(&kind) {
            errs.push(format!("{file}: unknown result {}", r["result"]));
        }
        if kind == "created" || kind == "added" || kind == "bounce" {
            match ticket_id(r) {
                Some(id) if desk.path(&format!("tickets/{id}.json")).is_file() => {}
                _ => errs.push(format!(
                    "{file}: {kind} but ticket {} does not exist",
                    r["ticket"]
                )),
            }
        }
        if kind == "failed" {
            failed = true;
            let source = r["source"].as_str().unwrap_or("");
            if !out.stderr.contains(source) {
                errs.push(format!(
                    "{file}: failed but stderr does not name {source:?}"
                ));
            }
        }
    }
    let want_code = if failed { 1 } else { 0 };
    if out.code != want_code {
        errs.push(format!(
            "exit status {} but some failed = {failed}",
            out.code
        ));
    }
    assert!(
        errs.is_empty(),
        "ingesting {folder}:\n{}\n\n{out}",
        errs.join("\n")
    );
    (desk, staged, out, by_file)
}

#[test]
fn every_corpus_folder_ingests_without_panic_one_result_per_file() {
    for folder in FOLDERS {
        ingest_folder(folder);
    }
}

/// rt-gateway in one helpdesk: two pairs of files share a Message-ID (the two
/// email-file-attachment mails; the two umlaut mails), so one of each pair is a
/// duplicate; the bounce is of a message never seen; the headerless text fails; every
/// other file is a new ticket (no two of them are replies to each other).
#[test]
fn rt_gateway_folder_results() {
    let folder = "rt-gateway";
    let (_desk, _staged, out, by) = ingest_folder(folder);
    let kind = |f: &str| result_kind(&by[&format!("{folder}/{f}")]).to_string();
    let mut errs = Vec::new();
    for pair in [
        ["email-file-attachment.eml", "email-file-attachment-2.eml"],
        ["multipart-alternative-with-umlaut", "text-html-with-umlaut"],
    ] {
        let mut kinds = [kind(pair[0]), kind(pair[1])];
        kinds.sort();
        if kinds != ["created", "duplicate"] {
            errs.push(format!(
                "{pair:?} share a Message-ID: expected one created and one duplicate, got {kinds:?}"
            ));
        }
    }
    if kind("multipart-report") != "skipped" {
        errs.push(format!(
            "multipart-report: {}, expected skipped",
            kind("multipart-report")
        ));
    }
    if kind("lorem-ipsum") != "failed" {
        errs.push(format!(
            "lorem-ipsum: {}, expected failed",
            kind("lorem-ipsum")
        ));
    }
    let special = [
        "email-file-attachment.eml",
        "email-file-attachment-2.eml",
        "multipart-alternative-with-umlaut",
        "text-html-with-umlaut",
        "multipart-report",
        "lorem-ipsum",
    ];
    for (file, r) in &by {
        let name = file.strip_prefix("rt-gateway/").unwrap_or(file);
        if !special.contains(&name) && result_kind(r) != "created" {
            errs.push(format!(
                "{file}: {}, expected created (reason {})",
                r["result"], r["reason"]
            ));
        }
    }
    assert!(
        errs.is_empty(),
        "ingesting {folder}:\n{}\n\n{out}",
        errs.join("\n")
    );
}

/// notmuch-default is a Maildir tree: loose files at the top and in bar/ and foo/, and
/// cur/ and new/ at several depths; all of them are read. It holds the same mail twice
/// (bar/18:2, and cur/51:2, are byte-identical, Message-ID <20091117232137.GA7669@...>),
/// so exactly one message is a duplicate and nothing fails.
#[test]
fn notmuch_default_maildir_tree() {
    let folder = "notmuch-default";
    let (_desk, _staged, out, by) = ingest_folder(folder);
    assert_eq!(by.len(), 53, "{folder}: 53 files:\n{out}");
    let dups: Vec<&String> = by
        .iter()
        .filter(|(_, r)| result_kind(r) == "duplicate")
        .map(|(f, _)| f)
        .collect();
    assert!(
        dups.len() == 1
            && ["notmuch-default/bar/18:2,", "notmuch-default/cur/51:2,"]
                .contains(&dups[0].as_str()),
        "{folder}: the only duplicate is bar/18:2, or cur/51:2,; duplicates: {dups:?}\n{out}"
    );
    for (f, r) in &by {
        assert!(
            ["created", "added", "duplicate"].contains(&result_kind(r)),
            "{f}: {} (reason {})\n{out}",
            r["result"],
            r["reason"]
        );
    }
}

// ---------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------

/// A thread's files, parent first, each with its sender's address.
type Thread<'a> = &'a [(&'a str, &'a str)];

/// The threads of notmuch-threading (and the reply loop of notmuch-broken): files in
/// the order parent first, each with its From address. Derived from the headers:
///
/// ghost-root holds TWO threads.
/// * real-root (no In-Reply-To) ← child (In-Reply-To real-root) ← grand-child and
///   grand-child2 (In-Reply-To child) ← great-grand-child (In-Reply-To grand-child).
///   fake-root's In-Reply-To names a message that does not exist, but its References
///   are `<000-real-root> <001-child> <nonexistent-message>`: it belongs to this thread
///   (that is notmuch's test: a bogus In-Reply-To must not make it a root of its own).
/// * Gregor Zattler's mail to an RT queue (1529425589..., `<87bmc6lp3h.fsf@len.workgroup>`)
///   ← RT's AutoReply (R3166..., In-Reply-To that mail, References
///   `<RT-Ticket-33575@...> <87bmc6lp3h...>`) and RT's "Resolved" (R6968..., no
///   In-Reply-To, References only `<RT-Ticket-33575@...>`, a ghost: no file has that
///   Message-ID). The Resolved mail is in this thread only through the ghost it shares
///   with the AutoReply (see `ghost_reference_joins_rt_resolution_to_its_thread`).
///
/// parent-priority is one thread: child's In-Reply-To is root (its References has a
/// typo, `<B00--root@...>`); grand-child lists References oldest first
/// (`<B01-child> <B00-root>`) with In-Reply-To child.
///
/// notmuch-broken/loop: loop-12 and loop-21 each claim to answer the other.
const GHOST_ROOT_THREAD: Thread = &[
    (
        "notmuch-threading/ghost-root/real-root",
        "alice@example.org",
    ),
    ("notmuch-threading/ghost-root/child", "alice@example.org"),
    (
        "notmuch-threading/ghost-root/grand-child",
        "alice@example.org",
    ),
    (
        "notmuch-threading/ghost-root/grand-child2",
        "daniel@example.org",
    ),
    (
        "notmuch-threading/ghost-root/great-grand-child",
        "alice@example.org",
    ),
    (
        "notmuch-threading/ghost-root/fake-root",
        "mallory@example.org",
    ),
];
const RT_THREAD_DIRECT: Thread = &[
    (
        "notmuch-threading/ghost-root/1529425589.M615261P21663.len:2,S",
        "g.zattler@xxxxxxx-xxxxxxxxx.de",
    ),
    (
        "notmuch-threading/ghost-root/1532672447.R3166642290392477575.len:2,S",
        "rt-xxx@xxxxxxx-xxxxxxxxxxxxxxxxx-xxxxxxxxx-xxxxxxxxx.de",
    ),
];
const RT_RESOLVED: (&str, &str) = (
    "notmuch-threading/ghost-root/1532672447.R6968667928580738175.len:2,S",
    "rt-xxx@xxxxxxx-xxxxxxxxxxxxxxxxx-xxxxxxxxx-xxxxxxxxx.de",
);
const PARENT_PRIORITY_THREAD: Thread = &[
    (
        "notmuch-threading/parent-priority/cur/root",
        "alice@example.org",
    ),
    (
        "notmuch-threading/parent-priority/cur/child",
        "alice@example.org",
    ),
    (
        "notmuch-threading/parent-priority/cur/grand-child",
        "alice@example.org",
    ),
];
const LOOP_THREAD: Thread = &[
    ("notmuch-broken/loop/loop-12", "alice@example.org"),
    ("notmuch-broken/loop/loop-21", "alice@example.org"),
];

/// Ingests `thread` in the given order with one command into a fresh helpdesk and
/// checks: the first message creates a ticket, every later one is added to it, and
/// each stored message has its sender as author.
fn check_thread_in_order(name: &str, thread: Thread) {
    let desk = Desk::new();
    let files: Vec<&str> = thread.iter().map(|(f, _)| *f).collect();
    let staged = Staged::new(&files);
    let paths: Vec<PathBuf> = files.iter().map(|f| staged.path(f)).collect();
    let (out, results) = ingest(&desk, &paths);
    assert_eq!(out.code, 0, "{name}:\n{out}");
    assert_eq!(
        results.len(),
        thread.len(),
        "{name}: one result per file:\n{out}"
    );
    let first = &results[0];
    assert_eq!(
        first["result"], "created",
        "{name}: {} starts the thread:\n{out}",
        thread[0].0
    );
    let id = ticket_id(first).unwrap_or_else(|| panic!("{name}: no ticket:\n{out}"));
    for ((file, _), r) in thread.iter().zip(&results).skip(1) {
        assert!(
            r["result"] == "added" && r["ticket"] == id,
            "{name}: {file} should be added to ticket {id}, got {} {} (reason {}):\n{out}",
            r["result"],
            r["ticket"],
            r["reason"]
        );
    }
    let ticket = desk.ticket(id);
    assert_eq!(
        ticket["requester"], thread[0].1,
        "{name}: requester is the first sender"
    );
    for ((file, from), r) in thread.iter().zip(&results) {
        let m = stored_message(&ticket, &r["message_id"]).unwrap_or_else(|| {
            panic!(
                "{name}: {file} ({}) is not among ticket {id}'s messages",
                r["message_id"]
            )
        });
        assert_eq!(
            m["author"],
            format!("customer:{from}"),
            "{name}: author of {file}"
        );
    }
    assert_eq!(ticket_files(&desk).len(), 1, "{name}: one ticket in all");
}

#[test]
fn threads_ingested_parent_first_land_in_one_ticket() {
    check_thread_in_order("ghost-root real-root thread", GHOST_ROOT_THREAD);
    check_thread_in_order("parent-priority", PARENT_PRIORITY_THREAD);
    check_thread_in_order("RT AutoReply to Gregor's mail", RT_THREAD_DIRECT);
    check_thread_in_order("notmuch-broken reply loop", LOOP_THREAD);
}

/// RT's "Resolved" mail references only `<RT-Ticket-33575@...>`, a Message-ID no mail
/// has, which the AutoReply also references: the thread's ghost root. notmuch puts all
/// three in one thread, and so must desk, though neither desk nor anyone it heard from
/// ever had a message with that ID.
#[test]
fn ghost_reference_joins_rt_resolution_to_its_thread() {
    let mut thread = RT_THREAD_DIRECT.to_vec();
    thread.push(RT_RESOLVED);
    check_thread_in_order("RT thread with its ghost root", &thread);
}

/// The thread folders as they are, in whatever order desk walks them. Sorted by name
/// the replies come before their roots (child < real-root; cur/child < cur/root), and
/// fake-root has the same Date as real-root, so a message that arrives after its
/// replies must still join their ticket. Every thread is one ticket, different threads
/// are different tickets, and nothing else is made.
#[test]
fn each_thread_folder_lands_in_one_ticket_per_thread() {
    let mut rt_thread = RT_THREAD_DIRECT.to_vec();
    rt_thread.push(RT_RESOLVED);
    let cases: &[(&str, Vec<Thread>)] = &[
        (
            "notmuch-threading/ghost-root",
            vec![GHOST_ROOT_THREAD, rt_thread.as_slice()],
        ),
        (
            "notmuch-threading/parent-priority",
            vec![PARENT_PRIORITY_THREAD],
        ),
        ("notmuch-broken/loop", vec![LOOP_THREAD]),
    ];
    for (folder, threads) in cases {
        // The table names every file in the folder exactly once.
        let mut named: Vec<String> = threads
            .iter()
            .flat_map(|t| t.iter().map(|(f, _)| f.to_string()))
            .collect();
        named.sort();
        assert_eq!(
            named,
            files_under(folder),
            "{folder}: the thread table is incomplete"
        );

        let (desk, _staged, out, by) = ingest_folder(folder);
        let mut errs = Vec::new();
        let mut tickets = Vec::new();
        for thread in threads {
            let ids: Vec<(&str, &str, Option<&str>)> = thread
                .iter()
                .map(|(f, _)| {
                    let r = &by[*f];
                    (*f, result_kind(r), ticket_id(r))
                })
                .collect();
            let created = ids.iter().filter(|(_, k, _)| *k == "created").count();
            let all_same = ids.windows(2).all(|w| w[0].2 == w[1].2) && ids[0].2.is_some();
            let all_kinds = ids.iter().all(|(_, k, _)| *k == "created" || *k == "added");
            if created != 1 || !all_same || !all_kinds {
                errs.push(format!(
                    "{folder}: a thread must be one ticket, one created and the rest added; got\n  {}",
                    ids.iter()
                        .map(|(f, k, t)| format!("{f}: {k} {}", t.unwrap_or("-")))
                        .collect::<Vec<_>>()
                        .join("\n  ")
                ));
            }
            tickets.push(ids[0].2.map(str::to_string));
        }
        let mut distinct = tickets.clone();
        distinct.sort();
        distinct.dedup();
        if errs.is_empty() && distinct.len() != tickets.len() {
            errs.push(format!("{folder}: two threads share a ticket: {tickets:?}"));
        }
        if errs.is_empty() && ticket_files(&desk).len() != threads.len() {
            errs.push(format!(
                "{folder}: {} threads but tickets {:?}",
                threads.len(),
                ticket_files(&desk)
            ));
        }
        assert!(errs.is_empty(), "{}\n\n{out}", errs.join("\n"));
    }
}

// ---------------------------------------------------------------------------------------
// Ingesting again
// ---------------------------------------------------------------------------------------

/// The second run over the same folder stores nothing: every message stored the first
/// time (and every duplicate) is a duplicate now, and tickets, customers and
/// attachments are byte for byte the same, though the clock moved on. Mail without a
/// Message-ID gets one derived from its content, so it too is a duplicate the second
/// time. What was skipped or failed is skipped or failed again.
///
/// The second run reads the folder as the first run left it: Maildir messages stored
/// from `new/` are in `cur/` now, under a new name, so the runs' results are matched
/// by Message-ID, not by file.
#[test]
fn ingesting_a_folder_twice_stores_nothing_new() {
    for folder in FOLDERS {
        let (mut desk, staged, _out, first) = ingest_folder(folder);
        let before = data_files(&desk);
        assert!(!before.is_empty(), "{folder}: the first run stored nothing");
        desk.set_now("2026-11-25T10:30:00Z");
        let (out, second) = ingest(&desk, &[staged.path(folder)]);
        let mut errs = Vec::new();
        if second.len() != first.len() {
            errs.push(format!(
                "{} results the second time, {} the first",
                second.len(),
                first.len()
            ));
        }
        let count = |results: &mut dyn Iterator<Item = &Value>, kinds: &[&str]| {
            results.filter(|r| kinds.contains(&result_kind(r))).count()
        };
        let stored = ["created", "added", "bounce", "duplicate"];
        for (what, kinds_first, kind_second) in [
            ("stored or duplicate", &stored[..], "duplicate"),
            ("skipped", &["skipped"][..], "skipped"),
            ("failed", &["failed"][..], "failed"),
        ] {
            let n1 = count(&mut first.values(), kinds_first);
            let n2 = count(&mut second.iter(), &[kind_second]);
            if n1 != n2 {
                errs.push(format!(
                    "{n1} messages {what} the first time, but {n2} {kind_second} the second"
                ));
            }
        }
        for (file, r1) in &first {
            if !stored.contains(&result_kind(r1)) {
                continue;
            }
            let again: Vec<&Value> = second
                .iter()
                .filter(|r2| r2["message_id"] == r1["message_id"])
                .collect();
            if again.is_empty() || again.iter().any(|r2| result_kind(r2) != "duplicate") {
                errs.push(format!(
                    "{file} ({}): {} the first time; the second time {:?}",
                    r1["message_id"],
                    r1["result"],
                    again
                        .iter()
                        .map(|r2| format!("{} {}", r2["source"], r2["result"]))
                        .collect::<Vec<_>>()
                ));
            }
        }
        let after = data_files(&desk);
        if after != before {
            let (b, a): (BTreeMap<_, _>, BTreeMap<_, _>) =
                (before.into_iter().collect(), after.into_iter().collect());
            let changed: Vec<String> = b
                .keys()
                .chain(a.keys())
                .filter(|p| b.get(*p) != a.get(*p))
                .map(|p| {
                    let how = match (b.contains_key(p), a.contains_key(p)) {
                        (true, true) => "changed",
                        (false, true) => "new",
                        _ => "gone",
                    };
                    format!("{p} ({how})")
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            errs.push(format!(
                "tickets/, customers/ or attachments/ changed: {}",
                changed.join(", ")
            ));
        }
        assert!(
            errs.is_empty(),
            "ingesting {folder} twice:\n{}\n\n{out}",
            errs.join("\n")
        );
    }
}
