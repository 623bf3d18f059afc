//! Fuzzing inside the test suite: proptest feeds arbitrary and mutated input to what
//! reads the outside world, in-process, without the binary:
//!
//! - mail: `mail::incoming::parse` on random bytes and on real messages
//!   (`tests/data/fuzz/mail`, `tests/data/mail/broken`) mutated byte by byte and by
//!   structure (duplicated and huge headers, garbled boundaries, deep nesting, bad
//!   charsets and encodings, many parts and addresses); what it makes goes on through
//!   `ingest::Inbound::from_mail`; mbox files through `mail::sources::visit`; and a few
//!   cases are ingested whole into a helpdesk;
//! - configuration: desk.toml (settings and views), rules.toml and templates, mutated as
//!   text and as TOML trees from the defaults and the shop example;
//! - ticket files: `tickets/ID.json` mutated as text and as JSON trees, then loaded,
//!   listed, shown, ticked (dry run) and tried with the rules;
//! - what people type: `desk list` filter words (evaluated on real tickets), durations
//!   and times.
//!
//! Every target must not panic, must answer each input within its bound ([`SLOW`],
//! [`CONFIG`], [`WRITES`], plus four seconds per MiB of input; a slow case is timed twice, so
//! a busy machine alone does not fail it; one still running after [`HANG`] aborts the
//! run with its input), and must fail the documented way: a
//! configuration mistake is one line `FILE:LINE:COL: message` each, a bad ticket file an
//! error naming the file.
//!
//! By default each target runs a few hundred cases (the module takes well under a minute
//! in a debug build). For a soak: `PROPTEST_CASES=20000 cargo test --test tests fuzz::`.
//! A failure is shrunk and printed, and its seed is kept in
//! `tests/fuzz.proptest-regressions`, which every later run replays first; each bug
//! found is also kept at the end of this file as a plain test with its input written out.

use std::cell::RefCell;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use desk::helpdesk::Helpdesk;
use desk::model::Ticket;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{
    Config, FileFailurePersistence, TestCaseError, TestCaseResult, TestRunner,
};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------

/// The longest one case may take, measured twice before it counts as slow. Generous:
/// the suite runs many desk processes beside it on two cores, and what the bounds are
/// for is work that grows faster than its input (minutes), not a busy machine.
const SLOW: Duration = Duration::from_secs(5);

/// The bound for configuration cases: a `matches` condition compiles its regex, and a
/// mutated file may hold several that take the regex crate up to its size limit (100 ms
/// and more each in a debug build; bounded, not growing with the file).
const CONFIG: Duration = Duration::from_secs(10);

/// The bound for cases that write a helpdesk's files durably (fsync, syncfs): their
/// time is mostly the disk's, shared with every other test running meanwhile.
const WRITES: Duration = Duration::from_secs(30);

/// A case still running after this is taken for a hang: its input is printed and the
/// test binary aborted, rather than CI waiting for its own time limit.
const HANG: Duration = Duration::from_secs(60);

/// The pinned clock of the helpdesks made here.
const NOW: &str = "2026-11-24T09:00:00Z";

/// Runs `check` on `cases` values of `strategy` (`PROPTEST_CASES` overrides the count),
/// each case within `slow` (see [`timed`]) and [`HANG`]; panics with the smallest
/// failing value.
fn fuzz<S>(
    name: &'static str,
    cases: u32,
    slow: Duration,
    strategy: S,
    check: impl Fn(&S::Value) -> TestCaseResult,
) where
    S: Strategy,
    S::Value: Debug,
{
    fuzz_saving(name, cases, slow, strategy, check, |_| None)
}

/// [`fuzz`], with the bytes an input stands for, kept when it fails (see below).
fn fuzz_saving<S>(
    name: &'static str,
    cases: u32,
    slow: Duration,
    strategy: S,
    check: impl Fn(&S::Value) -> TestCaseResult,
    save: impl Fn(&S::Value) -> Option<Vec<u8>>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let mut config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        source_file: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz.rs")),
        test_name: Some(name),
        // Shrinking re-runs slow cases; a minute of it is plenty.
        max_shrink_time: 60_000,
        ..Config::default()
    };
    if let Some(n) = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.cases = n;
    }
    let dog = Watchdog::start(name);
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let slowest = std::cell::Cell::new(Duration::ZERO);
    let started = Instant::now();
    let result = runner.run(&strategy, |v| {
        dog.arm(format!("{v:?}"));
        let start = Instant::now();
        let result = timed(slow, || check(&v));
        slowest.set(slowest.get().max(start.elapsed()));
        dog.disarm();
        result
    });
    if std::env::var_os("PROPTEST_CASES").is_some() {
        // A soak's record, past the harness's capture of `eprintln!`.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "fuzz target `{name}`: {cases} cases in {:?}, the slowest {:?}",
            started.elapsed(),
            slowest.get()
        );
    }
    if let Err(e) = result {
        // DESK_FUZZ_SAVE=DIR keeps the smallest failing input's bytes as DIR/NAME, to
        // try with the binary (`desk ingest email DIR/mail_parse`).
        if let (Ok(dir), proptest::test_runner::TestError::Fail(_, v)) =
            (std::env::var("DESK_FUZZ_SAVE"), &e)
            && let Some(bytes) = save(v)
        {
            let _ = std::fs::write(Path::new(&dir).join(name), bytes);
        }
        panic!("fuzz target `{name}` failed: {e}");
    }
}

/// How fast a debug build is expected to get through large input, at the least: a case
/// of N bytes may take `N / BYTES_PER_SECOND` seconds more than its target's bound, so
/// only work that grows faster than its input fails.
const BYTES_PER_SECOND: f64 = 256.0 * 1024.0;

thread_local! {
    /// The time the running case may take beyond its target's bound, for its size.
    static EXTRA: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
}

/// Declares the size of the running case's input (see [`BYTES_PER_SECOND`]).
fn input_size(bytes: usize) {
    EXTRA.set(Duration::from_secs_f64(bytes as f64 / BYTES_PER_SECOND));
}

/// Runs `check`; when it took longer than `slow` (plus what its input's size allows),
/// runs it again and fails if that took too long as well.
fn timed(slow: Duration, check: impl Fn() -> TestCaseResult) -> TestCaseResult {
    EXTRA.set(Duration::ZERO);
    let start = Instant::now();
    check()?;
    let first = start.elapsed();
    let slow = slow + EXTRA.take();
    if first <= slow {
        return Ok(());
    }
    let start = Instant::now();
    check()?;
    let second = start.elapsed();
    if second > slow {
        return Err(TestCaseError::fail(format!(
            "too slow: {first:?}, then {second:?} (the bound is {slow:?})"
        )));
    }
    Ok(())
}

/// Watches the case running on the test's thread: one running longer than [`HANG`] is
/// printed and the process aborted.
struct Watchdog {
    current: Arc<Mutex<Option<(Instant, String)>>>,
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(name: &'static str) -> Watchdog {
        let current: Arc<Mutex<Option<(Instant, String)>>> = Arc::new(Mutex::new(None));
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (Arc::clone(&current), Arc::clone(&done));
        std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                let guard = c.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((start, input)) = guard.as_ref()
                    && start.elapsed() > HANG
                {
                    // Straight to the standard error: the test harness captures
                    // `eprintln!`, and its capture is lost when the process aborts.
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "fuzz target `{name}`: a case has run for {:?}, a hang; its input:\n{input}",
                        start.elapsed()
                    );
                    std::process::abort();
                }
            }
        });
        Watchdog { current, done }
    }

    fn arm(&self, input: String) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), input));
    }

    fn disarm(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

/// Held while the library works on a helpdesk's files. A command opens one helpdesk per
/// process, and the store keeps process-wide state for it (where temporary files go, the
/// open write batch), so the targets here that open helpdesks take turns.
fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static FILES: Mutex<()> = Mutex::new(());
    FILES.lock().unwrap_or_else(|e| e.into_inner())
}

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The files directly in `dir` with names ending in `ext`, sorted: (name, bytes).
fn files(dir: &str, ext: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(data(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(ext))
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("read seed");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    out.sort();
    out
}

/// A helpdesk in a temporary directory, made by `desk init` (with `example`), its clock
/// pinned to [`NOW`]; `keep_tickets: false` removes the example's tickets.
fn helpdesk(example: Option<&str>, keep_tickets: bool) -> (TempDir, Helpdesk) {
    let tmp = tempfile::Builder::new()
        .prefix("desk-fuzz")
        .tempdir()
        .expect("temp dir");
    let _files = exclusive();
    desk::init::create(tmp.path(), example).expect("desk init");
    if !keep_tickets {
        for e in std::fs::read_dir(tmp.path().join("tickets")).expect("tickets/") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "json") {
                std::fs::remove_file(p).expect("remove example ticket");
            }
        }
    }
    let hd = Helpdesk::open(tmp.path(), Some(NOW), None).expect("open helpdesk");
    (tmp, hd)
}

/// An index into a list known only when the case runs (`Index` shrinks towards 0).
fn pick<'a, T>(list: &'a [T], i: &Index) -> Option<&'a T> {
    (!list.is_empty()).then(|| &list[i.index(list.len())])
}

// ---------------------------------------------------------------------------------------
// Byte mutations, shared by mail and ticket files
// ---------------------------------------------------------------------------------------

/// Bytes that mean something to a MIME, TOML or JSON reader.
const BYTES: &[u8] = b"\0\t\n\r \"#%'(),-.:;<=>?[\\]_{}\x7f\x80\xa0\xc3\xe2\xef\xfe\xff";

/// A change to a byte string; positions are taken modulo its length.
#[derive(Debug, Clone)]
enum ByteOp {
    Flip(Index, u8),
    Put(Index, u8),
    Insert(Index, &'static str),
    Delete(Index, u16),
    Truncate(Index),
    /// The line at the index, repeated.
    DupLine(Index, u16),
    /// Bytes of another seed of the same kind, spliced in.
    Splice(Index, Index, u16, Index),
}

fn byte_op(tokens: &'static [&'static str]) -> impl Strategy<Value = ByteOp> {
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, x)| ByteOp::Flip(i, x)),
        3 => (any::<Index>(), prop::sample::select(BYTES)).prop_map(|(i, b)| ByteOp::Put(i, b)),
        4 => (any::<Index>(), prop::sample::select(tokens)).prop_map(|(i, t)| ByteOp::Insert(i, t)),
        2 => (any::<Index>(), 1..400u16).prop_map(|(i, n)| ByteOp::Delete(i, n)),
        1 => any::<Index>().prop_map(ByteOp::Truncate),
        2 => (any::<Index>(), 1..50u16).prop_map(|(i, n)| ByteOp::DupLine(i, n)),
        1 => (any::<Index>(), any::<Index>(), 1..2000u16, any::<Index>())
            .prop_map(|(s, f, n, a)| ByteOp::Splice(s, f, n, a)),
    ]
}

fn apply_bytes(b: &mut Vec<u8>, op: &ByteOp, seeds: &[Vec<u8>]) {
    let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
    match op {
        ByteOp::Flip(i, x) => {
            if !b.is_empty() {
                let n = i.index(b.len());
                b[n] ^= x;
            }
        }
        ByteOp::Put(i, x) => {
            if !b.is_empty() {
                let n = i.index(b.len());
                b[n] = *x;
            }
        }
        ByteOp::Insert(i, t) => {
            let n = at(i, b.len());
            b.splice(n..n, t.bytes());
        }
        ByteOp::Delete(i, len) => {
            let n = at(i, b.len());
            let end = (n + *len as usize).min(b.len());
            b.drain(n..end);
        }
        ByteOp::Truncate(i) => {
            let n = at(i, b.len());
            b.truncate(n);
        }
        ByteOp::DupLine(i, times) => {
            let n = at(i, b.len());
            let start = b[..n]
                .iter()
                .rposition(|c| *c == b'\n')
                .map_or(0, |p| p + 1);
            let end = b[n..]
                .iter()
                .position(|c| *c == b'\n')
                .map_or(b.len(), |p| n + p + 1);
            let line = b[start..end].to_vec();
            let copies: Vec<u8> = line.repeat(*times as usize);
            b.splice(end..end, copies);
        }
        ByteOp::Splice(s, from, len, to) => {
            let Some(other) = pick(seeds, s) else { return };
            let f = at(from, other.len()).min(other.len());
            let piece = other[f..(f + *len as usize).min(other.len())].to_vec();
            let n = at(to, b.len());
            b.splice(n..n, piece);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Mail
// ---------------------------------------------------------------------------------------

fn mail_seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut v: Vec<Vec<u8>> = files("tests/data/fuzz/mail", ".eml")
            .into_iter()
            .chain(files("tests/data/mail/broken", ".eml"))
            .map(|(_, b)| b)
            // The 100 kB header line is made by a mutation; small seeds mutate faster.
            .filter(|b| b.len() < 20_000)
            .collect();
        v.push(b"From: a@example.com\nSubject: x\n\nbody\n".to_vec());
        v
    })
}

const MIME_TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    "\n\n",
    "\n ",
    "\n\t",
    ":",
    "; ",
    "=",
    "\"",
    "--",
    "\nContent-Type: multipart/mixed; boundary=\"zz\"\n",
    "\nContent-Type: multipart/alternative; boundary=zz\n\n--zz\n",
    "\n--zz\n",
    "\n--zz--\n",
    "\nContent-Type: message/rfc822\n\n",
    "\nContent-Type: message/delivery-status\n\n",
    "\nContent-Type: text/rfc822-headers\n\nMessage-ID: <x@y>\n",
    "\nContent-Type: multipart/report; report-type=delivery-status; boundary=zz\n",
    "\nContent-Type: text/html\n\n<table><tr><td>",
    "\nContent-Transfer-Encoding: base64\n",
    "\nContent-Transfer-Encoding: quoted-printable\n",
    "\nContent-Transfer-Encoding: x-uuencode\n",
    "\nContent-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1=\"%AC.txt\"\n",
    "\nContent-Disposition: attachment; filename=\"../../.bashrc\"\n",
    "=?utf-8?B?",
    "=?utf-8?Q?=C3=",
    "=?iso-2022-jp?B?GyRCJEgbKEI=?=",
    "=?x-unknown?q?abc?=",
    "?=",
    "=\n",
    "=ZZ",
    "=C3",
    "begin 644 f.txt\nM\nend\n",
    "\nFrom: <>\n",
    "\nFrom: \"\" <@>\n",
    "\nFrom: MAILER-DAEMON@example.com\n",
    "\nTo: a@b, , <c@d>, \"x, y\" <e@f>\n",
    "\nIn-Reply-To: <",
    "\nReferences: <a@b> <c@d> <<>>\n",
    "\nMessage-ID: <>\n",
    "\nDate: Mon, 31 Dec 99999 25:61:61 +9999\n",
    "\nDate: Thu, 1 Jan 1970 00:00:00 -2400\n",
    "\nAuto-Submitted: auto-replied\n",
    "\nReturn-Path: <>\n",
    "\u{FEFF}",
    "\u{2028}",
    "<!--",
    "&#x10FFFF;",
    "&#0;",
];

/// Structural changes to a message.
#[derive(Debug, Clone)]
enum MailOp {
    Bytes(ByteOp),
    /// A header line of this many bytes inserted at the top, folded every 70 or not.
    LongHeader(u32, bool),
    /// The n-th `boundary` value or delimiter line garbled.
    Boundary(Index, u8),
    /// The message wrapped in this many levels of a container.
    Nest(u16, Nesting),
    /// A `charset` parameter replaced (or added to the first Content-Type).
    Charset(Index, &'static str),
    /// A transfer encoding named in the headers of a part.
    Encoding(Index, &'static str),
    /// An RFC 2047 word with these bytes in the subject or the sender's name.
    EncodedWord(bool, &'static str, bool, Vec<u8>),
    /// Line ends made CRLF, or bare CR.
    LineEnds(bool),
    /// A new message: a multipart of this many parts.
    Parts(u16),
    /// A To header with this many addresses (and a Cc with as many).
    Addresses(u32),
    /// A new message: HTML nested this deep in this tag.
    Html(u32, &'static str),
}

#[derive(Debug, Clone, Copy)]
enum Nesting {
    Mixed,
    Rfc822,
    Unclosed,
}

const CHARSETS: &[&str] = &[
    "utf-8",
    "us-ascii",
    "iso-8859-1",
    "utf-16",
    "utf-16le",
    "utf-7",
    "gb18030",
    "iso-2022-jp",
    "shift_jis",
    "koi8-r",
    "x-unknown",
    "",
    "\"",
    "\"utf-8",
    "utf-8'en'",
    "=?utf-8?",
    "replacement",
    "x-user-defined",
];

const ENCODINGS: &[&str] = &[
    "base64",
    "quoted-printable",
    "7bit",
    "8bit",
    "binary",
    "x-uuencode",
    "uuencode",
    "BASE64",
    "x-unknown",
    "",
];

const HTML_TAGS: &[&str] = &[
    "div",
    "table",
    "ul",
    "li",
    "blockquote",
    "b",
    "a href=x",
    "td",
    "pre",
];

fn mail_op() -> impl Strategy<Value = MailOp> {
    prop_oneof![
        12 => byte_op(MIME_TOKENS).prop_map(MailOp::Bytes),
        1 => (prop_oneof![3 => 100..5_000u32, 1 => 5_000..200_000u32], any::<bool>())
            .prop_map(|(n, f)| MailOp::LongHeader(n, f)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, h)| MailOp::Boundary(i, h)),
        1 => (prop_oneof![4 => 1..20u16, 1 => 20..300u16],
              prop_oneof![Just(Nesting::Mixed), Just(Nesting::Rfc822), Just(Nesting::Unclosed)])
            .prop_map(|(d, k)| MailOp::Nest(d, k)),
        2 => (any::<Index>(), prop::sample::select(CHARSETS)).prop_map(|(i, c)| MailOp::Charset(i, c)),
        2 => (any::<Index>(), prop::sample::select(ENCODINGS)).prop_map(|(i, e)| MailOp::Encoding(i, e)),
        2 => (any::<bool>(), prop::sample::select(CHARSETS), any::<bool>(),
              prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(s, c, b, p)| MailOp::EncodedWord(s, c, b, p)),
        1 => any::<bool>().prop_map(MailOp::LineEnds),
        1 => prop_oneof![4 => 1..50u16, 1 => 50..2_000u16].prop_map(MailOp::Parts),
        1 => prop_oneof![4 => 1..100u32, 1 => 100..20_000u32].prop_map(MailOp::Addresses),
        1 => (prop_oneof![4 => 1..100u32, 1 => 100..6_000u32], prop::sample::select(HTML_TAGS))
            .prop_map(|(n, t)| MailOp::Html(n, t)),
    ]
}

/// Offsets of every occurrence of `needle`, case-insensitive.
fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len())
        .filter(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
        .collect()
}

fn apply_mail(b: &mut Vec<u8>, op: &MailOp, seeds: &[Vec<u8>]) {
    match op {
        MailOp::Bytes(op) => apply_bytes(b, op, seeds),
        MailOp::LongHeader(n, folded) => {
            let mut h = b"X-Long: ".to_vec();
            for k in 0..*n as usize {
                if *folded && k % 70 == 69 {
                    h.extend_from_slice(b"\n ");
                }
                h.push(b'a' + (k % 26) as u8);
            }
            h.push(b'\n');
            b.splice(0..0, h);
        }
        MailOp::Boundary(i, how) => {
            let hits = find_all(b, b"boundary=");
            let lines = find_all(b, b"\n--");
            let all: Vec<usize> = hits
                .iter()
                .map(|h| h + 9)
                .chain(lines.iter().map(|l| l + 3))
                .collect();
            let Some(&at) = pick(&all, i) else { return };
            match how % 4 {
                0 => {
                    // One character of the value changed.
                    if at < b.len() {
                        b[at] = b[at].wrapping_add(1);
                    }
                }
                1 => {
                    // The value cut short.
                    let end = b[at..]
                        .iter()
                        .position(|c| matches!(c, b'\n' | b'"' | b';'))
                        .map_or(b.len(), |p| at + p);
                    let mid = at + (end - at) / 2;
                    b.drain(mid..end);
                }
                2 => b.splice(at..at, b"--".iter().copied()).for_each(drop),
                _ => b.splice(at..at, b"\"".iter().copied()).for_each(drop),
            }
        }
        MailOp::Nest(depth, kind) => {
            let head = b"From: a@example.com\nSubject: nested\nMIME-Version: 1.0\n";
            let mut inner = std::mem::take(b);
            for d in 0..*depth {
                let mut outer = Vec::with_capacity(inner.len() + 120);
                outer.extend_from_slice(head);
                match kind {
                    Nesting::Rfc822 => {
                        outer.extend_from_slice(b"Content-Type: message/rfc822\n\n");
                        outer.extend_from_slice(&inner);
                    }
                    Nesting::Mixed | Nesting::Unclosed => {
                        let boundary = format!("b{d}");
                        outer.extend_from_slice(
                            format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n--{boundary}\n")
                                .as_bytes(),
                        );
                        outer.extend_from_slice(&inner);
                        if matches!(kind, Nesting::Mixed) {
                            outer.extend_from_slice(format!("\n--{boundary}--\n").as_bytes());
                        }
                    }
                }
                inner = outer;
            }
            *b = inner;
        }
        MailOp::Charset(i, cs) => {
            let hits = find_all(b, b"charset=");
            match pick(&hits, i) {
                Some(&at) => {
                    let start = at + 8;
                    let end = b[start..]
                        .iter()
                        .position(|c| matches!(c, b'\n' | b'\r' | b';' | b' '))
                        .map_or(b.len(), |p| start + p);
                    b.splice(start..end, cs.bytes());
                }
                None => {
                    let h = format!("Content-Type: text/plain; charset={cs}\n");
                    b.splice(0..0, h.bytes());
                }
            }
        }
        MailOp::Encoding(i, enc) => {
            let hits = find_all(b, b"content-type:");
            let at = pick(&hits, i).copied().unwrap_or(0);
            let h = format!("Content-Transfer-Encoding: {enc}\n");
            b.splice(at..at, h.bytes());
        }
        MailOp::EncodedWord(subject, cs, base64, payload) => {
            let text: String = if *base64 {
                base64_encode(payload)
            } else {
                payload.iter().map(|c| format!("={c:02X}")).collect()
            };
            let word = format!("=?{cs}?{}?{text}?=", if *base64 { "B" } else { "Q" });
            let h = if *subject {
                format!("Subject: {word} {word}\n")
            } else {
                format!("From: {word} <x@example.com>\n")
            };
            b.splice(0..0, h.bytes());
        }
        MailOp::LineEnds(crlf) => {
            let to: &[u8] = if *crlf { b"\r\n" } else { b"\r" };
            let mut out = Vec::with_capacity(b.len() * 2);
            for &c in b.iter() {
                if c == b'\n' {
                    out.extend_from_slice(to);
                } else {
                    out.push(c);
                }
            }
            *b = out;
        }
        MailOp::Parts(n) => {
            let mut m = b"From: a@example.com\nSubject: parts\nContent-Type: multipart/mixed; boundary=\"p\"\n\n".to_vec();
            for k in 0..*n {
                m.extend_from_slice(
                    format!("--p\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"f{k}.txt\"\n\npart {k}\n").as_bytes(),
                );
            }
            m.extend_from_slice(b"--p--\n");
            *b = m;
        }
        MailOp::Addresses(n) => {
            let list: Vec<String> = (0..*n).map(|k| format!("u{k}@example.com")).collect();
            let h = format!("To: {}\nCc: {}\n", list.join(", "), list.join(", "));
            b.splice(0..0, h.bytes());
        }
        MailOp::Html(depth, tag) => {
            let name = tag.split(' ').next().unwrap_or(tag);
            let mut m = String::from(
                "From: a@example.com\nSubject: html\nContent-Type: text/html; charset=utf-8\n\n<html><body>",
            );
            for _ in 0..*depth {
                m.push_str(&format!("<{tag}>x"));
            }
            for _ in 0..*depth {
                m.push_str(&format!("</{name}>"));
            }
            m.push_str("</body></html>\n");
            *b = m.into_bytes();
        }
    }
}

fn base64_encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, c| n << 8 | *c as u32) << (8 * (3 - chunk.len()));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The largest message a case makes.
const MAX_MAIL: usize = 2 * 1024 * 1024;

/// What a mail case starts from.
#[derive(Debug, Clone)]
enum MailSeed {
    /// A real message.
    Seed(Index),
    /// Random bytes.
    Random(Vec<u8>),
    /// Random bytes after a plausible header.
    Headed(Vec<u8>),
}

#[derive(Debug, Clone)]
struct MailCase {
    seed: MailSeed,
    ops: Vec<MailOp>,
}

impl MailCase {
    fn bytes(&self) -> Vec<u8> {
        let seeds = mail_seeds();
        let mut b = match &self.seed {
            MailSeed::Seed(i) => pick(seeds, i).cloned().unwrap_or_default(),
            MailSeed::Random(r) => r.clone(),
            MailSeed::Headed(r) => {
                let mut b = b"From: a@example.com\nTo: b@example.com\nSubject: s\n".to_vec();
                b.extend_from_slice(r);
                b
            }
        };
        for op in &self.ops {
            apply_mail(&mut b, op, seeds);
            // Big enough to show work growing faster than its input; bigger only costs time.
            b.truncate(MAX_MAIL);
        }
        b
    }
}

fn mail_case() -> impl Strategy<Value = MailCase> {
    let seed = prop_oneof![
        6 => any::<Index>().prop_map(MailSeed::Seed),
        1 => prop::collection::vec(any::<u8>(), 0..2_000).prop_map(MailSeed::Random),
        1 => prop::collection::vec(any::<u8>(), 0..2_000).prop_map(MailSeed::Headed),
    ];
    (seed, prop::collection::vec(mail_op(), 0..8)).prop_map(|(seed, ops)| MailCase { seed, ops })
}

/// The size a decoded message may reach, for input of `n` bytes: decoding shrinks
/// base64 and quoted-printable; text from HTML and the copy of a cut body add a little.
fn decoded_bound(n: usize) -> usize {
    8 * n + 1024 * 1024
}

/// What must hold of a parsed message.
fn check_parsed(raw: &[u8], m: &desk::mail::incoming::Incoming) -> TestCaseResult {
    let one_line = |s: &str| !s.contains(['\n', '\r']);
    prop_assert!(
        m.message_id.starts_with('<') && m.message_id.ends_with('>'),
        "message id {:?}",
        m.message_id
    );
    for id in &m.thread {
        prop_assert!(
            id.starts_with('<') && id.ends_with('>') && id.len() > 2,
            "thread id {id:?}"
        );
    }
    if let Some(s) = &m.subject {
        prop_assert!(!s.is_empty() && one_line(s), "subject {s:?}");
    }
    if let Some(n) = &m.name {
        prop_assert!(!n.is_empty() && one_line(n), "name {n:?}");
    }
    if let Some(f) = &m.from {
        prop_assert!(f.contains('@') && *f == f.to_lowercase(), "from {f:?}");
    }
    for a in m.recipients.iter().chain(&m.cc) {
        prop_assert!(a.contains('@') && *a == a.to_lowercase(), "address {a:?}");
    }
    prop_assert!(
        m.body.len() <= 256 * 1024 + 200,
        "body of {} bytes",
        m.body.len()
    );
    let total = m.body.len()
        + m.attachments
            .iter()
            .map(|a| a.data.len() + a.name.len())
            .sum::<usize>();
    prop_assert!(
        total <= decoded_bound(raw.len()),
        "{} bytes decoded from {} bytes of mail",
        total,
        raw.len()
    );
    for a in &m.attachments {
        prop_assert!(!a.name.is_empty(), "an attachment without a name");
        let safe = desk::mail::incoming::safe_file_name(&a.name, "attachment");
        prop_assert!(
            !safe.is_empty()
                && safe.len() <= 120
                && !safe.contains(['/', '\\', '\0'])
                && !safe.starts_with('.'),
            "unsafe file name {safe:?} from {:?}",
            a.name
        );
    }
    Ok(())
}

#[test]
fn mail_parse() {
    let (_tmp, hd) = helpdesk(Some("shop"), false);
    let save = |case: &MailCase| Some(case.bytes());
    fuzz_saving(
        "mail_parse",
        300,
        SLOW,
        mail_case(),
        |case| {
            let raw = case.bytes();
            input_size(raw.len());
            if let Ok(m) = desk::mail::incoming::parse(&raw) {
                check_parsed(&raw, &m)?;
                let inbound = desk::ingest::Inbound::from_mail(m, &hd);
                prop_assert!(inbound.subject.as_deref().is_none_or(|s| !s.contains('\n')));
            }
            Ok(())
        },
        save,
    );
}

/// mbox files: several mutated messages after `From ` lines, read by `mail::sources`.
#[test]
fn mail_mbox() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("mbox");
    let strategy = (
        prop::collection::vec(mail_case(), 1..4),
        prop::collection::vec(
            byte_op(&[
                "\nFrom ",
                "From x@y Mon Jan  1 00:00:00 2001\n",
                "\n>From ",
                "\n",
            ]),
            0..4,
        ),
    );
    fuzz("mail_mbox", 100, SLOW, strategy, |(cases, ops)| {
        let mut mbox = Vec::new();
        for c in cases {
            mbox.extend_from_slice(b"From sender@example.com Tue Nov 24 09:00:00 2026\n");
            mbox.extend_from_slice(&c.bytes());
            mbox.push(b'\n');
        }
        for op in ops {
            apply_bytes(&mut mbox, op, &[]);
        }
        input_size(mbox.len());
        std::fs::write(&path, &mbox).expect("write mbox");
        let mut seen = 0usize;
        desk::mail::sources::visit(
            &path.to_string_lossy(),
            desk::model::settings::MAX_MESSAGE_SIZE,
            &mut |raw| {
                seen += 1;
                if let Ok(m) = desk::mail::incoming::parse(&raw.bytes) {
                    let _ = check_parsed(&raw.bytes, &m);
                }
            },
            &mut |_| {},
        );
        // An empty file is one (empty) message.
        prop_assert!(
            seen <= mbox.len().max(1),
            "{seen} messages from {} bytes",
            mbox.len()
        );
        Ok(())
    });
}

struct Quiet;
impl desk::ingest::batch::Watch for Quiet {}

/// A few mutated messages ingested whole: tickets made, threads found, rules run,
/// attachments saved. Fewer cases: each writes files.
#[test]
fn mail_ingest() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("m.eml");
    let desk_dir: RefCell<Option<(TempDir, Helpdesk, usize)>> = RefCell::new(None);
    fuzz("mail_ingest", 40, WRITES, mail_case(), |case| {
        let raw = case.bytes();
        input_size(raw.len());
        std::fs::write(&path, &raw).expect("write mail");
        let mut slot = desk_dir.borrow_mut();
        // A fresh helpdesk now and then, so the soak does not slow down as tickets pile up.
        if slot.as_ref().is_none_or(|(_, _, n)| *n >= 100) {
            let (t, h) = helpdesk(None, false);
            *slot = Some((t, h, 0));
        }
        let _files = exclusive();
        let Some((root, hd, n)) = slot.as_mut() else {
            unreachable!()
        };
        *n += 1;
        let got = hd
            .ingest_mail(&[path.to_string_lossy().into_owned()], true, &mut Quiet)
            .map_err(|e| TestCaseError::fail(format!("ingest failed: {e}")))?;
        prop_assert_eq!(got.reports.len(), 1, "one result for one message");
        // Everything it wrote is inside the helpdesk.
        for e in walkdir::WalkDir::new(root.path())
            .into_iter()
            .filter_map(Result::ok)
        {
            prop_assert!(e.path().starts_with(root.path()));
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// Configuration: desk.toml, rules.toml, templates
// ---------------------------------------------------------------------------------------

/// One configuration file to mutate, and where its helpdesk is (for templates).
struct ConfigSeed {
    /// `desk.toml`, `rules.toml`, `templates/NAME.txt`.
    name: String,
    text: String,
    /// The helpdesk directory the file belongs to (its templates/).
    root: PathBuf,
}

fn config_seeds(kind: &str) -> Vec<&'static ConfigSeed> {
    static SEEDS: OnceLock<Vec<ConfigSeed>> = OnceLock::new();
    let all = SEEDS.get_or_init(|| {
        let mut v = Vec::new();
        for root in ["src/defaults", "examples/shop"] {
            for name in ["desk.toml", "rules.toml"] {
                let text = std::fs::read_to_string(data(root).join(name)).expect("seed config");
                v.push(ConfigSeed {
                    name: name.into(),
                    text,
                    root: data(root),
                });
            }
            for (name, bytes) in files(&format!("{root}/templates"), ".txt") {
                v.push(ConfigSeed {
                    name: format!("templates/{name}"),
                    text: String::from_utf8(bytes).expect("UTF-8 template"),
                    root: data(root),
                });
            }
        }
        v
    });
    all.iter().filter(|s| s.name.starts_with(kind)).collect()
}

/// Every string and key of the seed files, and values known to be awkward: what tree
/// mutations put in.
fn config_words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut v: Vec<String> = Vec::new();
        fn walk(t: &toml::Value, v: &mut Vec<String>) {
            match t {
                toml::Value::String(s) => v.push(s.clone()),
                toml::Value::Array(a) => a.iter().for_each(|x| walk(x, v)),
                toml::Value::Table(t) => {
                    for (k, x) in t {
                        v.push(k.clone());
                        walk(x, v);
                    }
                }
                _ => {}
            }
        }
        for root in ["src/defaults", "examples/shop"] {
            for name in ["desk.toml", "rules.toml"] {
                let text = std::fs::read_to_string(data(root).join(name)).expect("seed config");
                let t: toml::Value = toml::from_str(&text).expect("seed parses");
                walk(&t, &mut v);
            }
        }
        v.extend(AWKWARD.iter().map(|s| s.to_string()));
        v.sort();
        v.dedup();
        v
    })
}

const AWKWARD: &[&str] = &[
    "",
    " ",
    "\n",
    "a\nb",
    "\r",
    "\t",
    "\u{0}",
    "\u{1b}[31m",
    "\u{202e}",
    "ø",
    "0s",
    "-1d",
    "1d1d",
    "9999999999999999999w",
    "521775w",
    "00:00-00:00",
    "24:00-00:00",
    "08:00-07:00",
    "25:61-26:00",
    "mon-sun",
    "sun-mon",
    "Europe/Nowhere",
    "UTC",
    "Pacific/Kiritimati",
    "9999-12-31",
    "10000-01-01",
    "1969-12-31",
    "9999-12-31T23:59:59Z",
    "((((",
    "(a*)*b",
    "a{1000}{1000}",
    "[",
    "\\",
    "{{",
    "}}",
    "{{ticket.subject}}",
    "{{nope}}",
    "rule:x",
    "agent:",
    "customer:@",
    "fields.",
    "sla..due_in",
    "sla.first_reply.due_in",
    "since.created",
    "since.",
    "@me",
    "* * * * *",
    "0 0 31 2 *",
    "@yearly",
    "60 * * * *",
];

/// A TOML value to put in.
#[derive(Debug, Clone)]
enum TVal {
    Word(Index),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(&'static str),
    EmptyArray,
    EmptyTable,
    Words(Vec<Index>),
    /// A table of one key from the words with a word as its value.
    Table(Index, Index),
}

#[derive(Debug, Clone)]
enum TreeOp {
    Replace(Index, TVal),
    Remove(Index),
    /// An array entry (or a table's key) twice.
    Duplicate(Index),
    /// A key renamed to a word.
    Rename(Index, Index),
    /// A new key with a value, in a table.
    Add(Index, Index, TVal),
}

fn tval() -> impl Strategy<Value = TVal> {
    prop_oneof![
        6 => any::<Index>().prop_map(TVal::Word),
        2 => ".{0,12}".prop_map(TVal::Str),
        2 => prop_oneof![
            Just(0i64), Just(-1), Just(1), Just(i64::MAX), Just(i64::MIN), any::<i64>()
        ].prop_map(TVal::Int),
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(1e308), any::<f64>()]
            .prop_map(TVal::Float),
        1 => any::<bool>().prop_map(TVal::Bool),
        1 => prop::sample::select(&[
            "1979-05-27T07:32:00Z", "1979-05-27", "07:32:00", "9999-12-31T23:59:59.999999999-23:59",
            "0000-01-01T00:00:00Z",
        ][..]).prop_map(TVal::Date),
        1 => Just(TVal::EmptyArray),
        1 => Just(TVal::EmptyTable),
        2 => prop::collection::vec(any::<Index>(), 1..4).prop_map(TVal::Words),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(k, v)| TVal::Table(k, v)),
    ]
}

fn tree_op() -> impl Strategy<Value = TreeOp> {
    prop_oneof![
        5 => (any::<Index>(), tval()).prop_map(|(i, v)| TreeOp::Replace(i, v)),
        2 => any::<Index>().prop_map(TreeOp::Remove),
        2 => any::<Index>().prop_map(TreeOp::Duplicate),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(i, w)| TreeOp::Rename(i, w)),
        2 => (any::<Index>(), any::<Index>(), tval()).prop_map(|(i, k, v)| TreeOp::Add(i, k, v)),
    ]
}

fn to_toml(v: &TVal) -> toml::Value {
    let words = config_words();
    let word = |i: &Index| pick(words, i).cloned().unwrap_or_default();
    match v {
        TVal::Word(i) => toml::Value::String(word(i)),
        TVal::Str(s) => toml::Value::String(s.clone()),
        TVal::Int(n) => toml::Value::Integer(*n),
        TVal::Float(f) => toml::Value::Float(*f),
        TVal::Bool(b) => toml::Value::Boolean(*b),
        TVal::Date(d) => d
            .parse()
            .map_or(toml::Value::String(d.to_string()), toml::Value::Datetime),
        TVal::EmptyArray => toml::Value::Array(Vec::new()),
        TVal::EmptyTable => toml::Value::Table(toml::Table::new()),
        TVal::Words(ws) => {
            toml::Value::Array(ws.iter().map(|i| toml::Value::String(word(i))).collect())
        }
        TVal::Table(k, v) => {
            let mut t = toml::Table::new();
            t.insert(word(k), toml::Value::String(word(v)));
            toml::Value::Table(t)
        }
    }
}

/// Paths to every value of a tree (the root is not one), depth first.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    At(usize),
}

fn toml_paths(v: &toml::Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                toml_paths(x, here, out);
                here.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(Step::At(i));
                out.push(here.clone());
                toml_paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn toml_at<'v>(v: &'v mut toml::Value, path: &[Step]) -> Option<&'v mut toml::Value> {
    let mut v = v;
    for s in path {
        v = match (s, v) {
            (Step::Key(k), toml::Value::Table(t)) => t.get_mut(k)?,
            (Step::At(i), toml::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn apply_tree(root: &mut toml::Value, op: &TreeOp) {
    let mut paths = Vec::new();
    toml_paths(root, &mut Vec::new(), &mut paths);
    let words = config_words();
    let word = |i: &Index| pick(words, i).cloned().unwrap_or_default();
    let at = |i: &Index| pick(&paths, i).cloned();
    match op {
        TreeOp::Replace(i, val) => {
            if let Some(p) = at(i)
                && let Some(v) = toml_at(root, &p)
            {
                *v = to_toml(val);
            }
        }
        TreeOp::Remove(i) | TreeOp::Duplicate(i) | TreeOp::Rename(i, _) => {
            let Some(p) = at(i) else { return };
            let Some((last, parent)) = p.split_last() else {
                return;
            };
            let Some(parent) = toml_at(root, parent) else {
                return;
            };
            match (op, last, parent) {
                (TreeOp::Remove(_), Step::Key(k), toml::Value::Table(t)) => {
                    t.remove(k);
                }
                (TreeOp::Remove(_), Step::At(n), toml::Value::Array(a)) => {
                    a.remove(*n);
                }
                (TreeOp::Duplicate(_), Step::At(n), toml::Value::Array(a)) => {
                    let x = a[*n].clone();
                    a.insert(*n, x);
                }
                (TreeOp::Duplicate(_), Step::Key(k), toml::Value::Table(t)) => {
                    // The same value under a near name.
                    if let Some(x) = t.get(k).cloned() {
                        t.insert(format!("{k}s"), x);
                    }
                }
                (TreeOp::Rename(_, w), Step::Key(k), toml::Value::Table(t)) => {
                    if let Some(x) = t.remove(k) {
                        t.insert(word(w), x);
                    }
                }
                _ => {}
            }
        }
        TreeOp::Add(i, k, val) => {
            let tables: Vec<Vec<Step>> = std::iter::once(Vec::new())
                .chain(paths.iter().cloned())
                .filter(|p| {
                    let mut r = root.clone();
                    matches!(toml_at(&mut r, p), Some(toml::Value::Table(_)))
                })
                .collect();
            if let Some(p) = pick(&tables, i)
                && let Some(toml::Value::Table(t)) = toml_at(root, p)
            {
                t.insert(word(k), to_toml(val));
            }
        }
    }
}

const TOML_TOKENS: &[&str] = &[
    "\n",
    "[[rule]]\n",
    "[[sla]]\n",
    "[[view]]\n",
    "[[department]]\n",
    "[[agent]]\n",
    "[[type]]\n",
    "[calendar.x]\n",
    "[helpdesk]\n",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "#",
    "\\u0000",
    "\\n",
    "\\",
    "a.b.c = 1\n",
    "x = [\n",
    "1979-05-27T07:32:00Z",
    "9223372036854775808",
    "nan",
    "inf",
    "{{",
    "}}",
    "\u{FEFF}",
    "ø",
    "\r\n",
    "\t",
];

/// A change to a configuration file's text or to its TOML tree.
#[derive(Debug, Clone)]
enum ConfigOp {
    Text(ByteOp),
    Tree(TreeOp),
}

#[derive(Debug, Clone)]
struct ConfigCase {
    seed: Index,
    ops: Vec<ConfigOp>,
}

fn config_case() -> impl Strategy<Value = ConfigCase> {
    let op = prop_oneof![
        1 => byte_op(TOML_TOKENS).prop_map(ConfigOp::Text),
        2 => tree_op().prop_map(ConfigOp::Tree),
    ];
    (any::<Index>(), prop::collection::vec(op, 1..6))
        .prop_map(|(seed, ops)| ConfigCase { seed, ops })
}

/// The mutated text (lossy where a byte change left invalid UTF-8: a file desk reads
/// with `read_to_string`, so only text reaches the parsers).
fn mutate_config(seed: &ConfigSeed, ops: &[ConfigOp]) -> String {
    let mut text = seed.text.clone();
    for op in ops {
        match op {
            ConfigOp::Text(op) => {
                let mut b = text.into_bytes();
                apply_bytes(&mut b, op, &[]);
                text = String::from_utf8_lossy(&b).into_owned();
            }
            ConfigOp::Tree(op) => {
                if seed.name.ends_with(".toml")
                    && let Ok(mut t) = text.parse::<toml::Table>().map(toml::Value::Table)
                {
                    apply_tree(&mut t, op);
                    if let Ok(s) = toml::to_string(&t) {
                        text = s;
                    }
                }
            }
        }
    }
    text
}

/// Each problem is one line `FILE:LINE:COL: message`, its place inside the file.
fn check_diagnostics(diags: &[desk::error::Diagnostic], texts: &[(&str, &str)]) -> TestCaseResult {
    prop_assert!(!diags.is_empty(), "an error without a problem");
    for d in diags {
        let shown = d.to_string();
        prop_assert!(
            !shown.contains(['\n', '\r']),
            "a problem on more than one line: {shown:?}"
        );
        let prefix = format!("{}:{}:{}: ", d.file, d.line, d.column);
        prop_assert!(
            shown.starts_with(&prefix) && shown.len() > prefix.len(),
            "{shown:?}"
        );
        if let Some((_, text)) = texts.iter().find(|(n, _)| *n == d.file) {
            let lines = text.split('\n').count();
            prop_assert!(
                d.line >= 1 && d.line <= lines,
                "{shown:?}: line {} of {lines}",
                d.line
            );
            let width = text
                .split('\n')
                .nth(d.line - 1)
                .map_or(0, |l| l.chars().count());
            prop_assert!(
                d.column >= 1 && d.column <= width + 1,
                "{shown:?}: column {} of {width}",
                d.column
            );
        } else {
            prop_assert!(
                d.file.starts_with("templates/"),
                "a problem in an unknown file: {shown:?}"
            );
        }
    }
    let all = desk::Error::Config(diags.to_vec()).to_string();
    prop_assert_eq!(all.lines().count(), diags.len());
    Ok(())
}

fn settings_of(root: &Path) -> desk::model::Settings {
    let text = std::fs::read_to_string(root.join("desk.toml")).expect("desk.toml");
    desk::model::Settings::parse(&desk::source::Source::new("desk.toml", text))
        .expect("seed settings")
}

#[test]
fn config_desk_toml() {
    fuzz("config_desk_toml", 300, CONFIG, config_case(), |case| {
        let seeds = config_seeds("desk.toml");
        let seed = *pick(&seeds, &case.seed).expect("seeds");
        let text = mutate_config(seed, &case.ops);
        let source = desk::source::Source::new("desk.toml", text.clone());
        match desk::model::Settings::parse(&source) {
            Ok(settings) => {
                match desk::rules::view::parse(&source, &settings) {
                    Ok(_) => {}
                    Err(d) => check_diagnostics(&d, &[("desk.toml", &text)])?,
                }
                // The helpdesk's rules, checked against the changed settings.
                let rules = std::fs::read_to_string(seed.root.join("rules.toml")).expect("rules");
                let rsource = desk::source::Source::new("rules.toml", rules.clone());
                let mut templates = desk::rules::template::Templates::new(&seed.root);
                if let Err(d) =
                    desk::rules::ruleset::RuleSet::parse(&rsource, &settings, &mut templates)
                {
                    check_diagnostics(&d, &[("rules.toml", &rules)])?;
                }
            }
            Err(d) => check_diagnostics(&d, &[("desk.toml", &text)])?,
        }
        Ok(())
    });
}

#[test]
fn config_rules_toml() {
    let settings: Vec<(PathBuf, desk::model::Settings)> = ["src/defaults", "examples/shop"]
        .iter()
        .map(|r| (data(r), settings_of(&data(r))))
        .collect();
    let save = |case: &ConfigCase| {
        let seeds = config_seeds("rules.toml");
        pick(&seeds, &case.seed).map(|seed| mutate_config(seed, &case.ops).into_bytes())
    };
    fuzz_saving(
        "config_rules_toml",
        300,
        CONFIG,
        config_case(),
        |case| {
            let seeds = config_seeds("rules.toml");
            let seed = *pick(&seeds, &case.seed).expect("seeds");
            let text = mutate_config(seed, &case.ops);
            let s = &settings
                .iter()
                .find(|(r, _)| *r == seed.root)
                .expect("settings")
                .1;
            let source = desk::source::Source::new("rules.toml", text.clone());
            let mut templates = desk::rules::template::Templates::new(&seed.root);
            if let Err(d) = desk::rules::ruleset::RuleSet::parse(&source, s, &mut templates) {
                check_diagnostics(&d, &[("rules.toml", &text)])?;
            }
            Ok(())
        },
        save,
    );
}

#[test]
fn config_templates() {
    fuzz("config_templates", 200, CONFIG, config_case(), |case| {
        let seeds = config_seeds("templates/");
        let seed = *pick(&seeds, &case.seed).expect("seeds");
        let text = mutate_config(seed, &case.ops);
        let source = desk::source::Source::new(seed.name.clone(), text.clone());
        if let Err(d) = desk::rules::template::parse(&source) {
            check_diagnostics(&d, &[(&seed.name, &text)])?;
        }
        Ok(())
    });
}

/// Arbitrary text as each configuration file.
#[test]
fn config_arbitrary_text() {
    let shop = data("examples/shop");
    let settings = settings_of(&shop);
    let strategy = prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(TOML_TOKENS), 0..40).prop_map(|t| t.concat()),
        "(\\[\\[?[a-z.]{0,8}\\]\\]?\n|[a-z_.\"]{1,8} ?= ?[\"'\\[{0-9a-z\\]}, ]{0,12}\n){0,12}",
    ];
    fuzz("config_arbitrary_text", 300, CONFIG, strategy, |text| {
        let source = desk::source::Source::new("desk.toml", text.clone());
        match desk::model::Settings::parse(&source) {
            Ok(s) => {
                if let Err(d) = desk::rules::view::parse(&source, &s) {
                    check_diagnostics(&d, &[("desk.toml", text)])?;
                }
            }
            Err(d) => check_diagnostics(&d, &[("desk.toml", text)])?,
        }
        let source = desk::source::Source::new("rules.toml", text.clone());
        let mut templates = desk::rules::template::Templates::new(&shop);
        if let Err(d) = desk::rules::ruleset::RuleSet::parse(&source, &settings, &mut templates) {
            check_diagnostics(&d, &[("rules.toml", text)])?;
        }
        let source = desk::source::Source::new("templates/x.txt", text.clone());
        if let Err(d) = desk::rules::template::parse(&source) {
            check_diagnostics(&d, &[("templates/x.txt", text)])?;
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------
// Ticket files
// ---------------------------------------------------------------------------------------

fn ticket_seeds() -> &'static [(String, Vec<u8>)] {
    static SEEDS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        files("tests/data/fuzz/tickets", ".json")
            .into_iter()
            .chain(files("examples/shop/tickets", ".json"))
            .map(|(name, b)| (name.trim_end_matches(".json").to_string(), b))
            .collect()
    })
}

/// Strings that mean something in a ticket file.
const TICKET_WORDS: &[&str] = &[
    "",
    " ",
    "\n",
    "\u{0}",
    "ø",
    "+262143-12-31T23:59:59Z",
    "-262144-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2026-11-24T09:00:00.999999999Z",
    "2026-11-24T09:00:00+23:59",
    "2026-11-24T09:00:60Z",
    "2026-02-30T00:00:00Z",
    "new",
    "open",
    "pending",
    "solved",
    "closed",
    "spam",
    "nonexistent",
    "low",
    "urgent",
    "ticket",
    "complaint",
    "customer",
    "reply",
    "note",
    "auto",
    "system",
    "agent:",
    "agent:ingrid",
    "agent:nobody",
    "customer:",
    "customer:@",
    "rule:",
    "rule:x",
    "sla:",
    "script:x",
    "schedule:x",
    "nobody",
    "ticket.created",
    "ticket.updated",
    "message.received",
    "sla.breached",
    "ticket.woke",
    "status",
    "assignee",
    "department",
    "tags",
    "cc",
    "sla",
    "priority",
    "vip",
    "standard",
    "first_reply",
    "next_reply",
    "resolution",
    "queued",
    "sent",
    "outbox/x.eml",
    "../../etc/passwd",
    "attachments/x/../../y",
    "a@b",
    "<x@y>",
    "06fjn7g00xtaj0",
    "zzzzzzzzzzzzzz",
];

/// A JSON value to put in.
#[derive(Debug, Clone)]
enum JVal {
    Null,
    Bool(bool),
    Int(i64),
    Big(u64),
    Float(f64),
    Word(&'static str),
    Str(String),
    Array(Vec<&'static str>),
    Object,
    /// Arrays nested this deep.
    Deep(u16),
}

#[derive(Debug, Clone)]
enum JsonOp {
    Replace(Index, JVal),
    Remove(Index),
    Duplicate(Index),
    Rename(Index, &'static str),
}

fn jval() -> impl Strategy<Value = JVal> {
    prop_oneof![
        1 => Just(JVal::Null),
        1 => any::<bool>().prop_map(JVal::Bool),
        2 => prop_oneof![
            Just(0i64), Just(-1), Just(i64::MAX), Just(i64::MIN), Just(253_402_300_800), any::<i64>()
        ].prop_map(JVal::Int),
        1 => prop_oneof![Just(u64::MAX), any::<u64>()].prop_map(JVal::Big),
        1 => prop_oneof![Just(1e308), Just(-0.0), Just(0.5), any::<f64>().prop_filter("finite", |f| f.is_finite())]
            .prop_map(JVal::Float),
        6 => prop::sample::select(TICKET_WORDS).prop_map(JVal::Word),
        1 => ".{0,20}".prop_map(JVal::Str),
        2 => prop::collection::vec(prop::sample::select(TICKET_WORDS), 0..4).prop_map(JVal::Array),
        1 => Just(JVal::Object),
        1 => prop_oneof![1..100u16, 100..5_000u16].prop_map(JVal::Deep),
    ]
}

fn json_op() -> impl Strategy<Value = JsonOp> {
    prop_oneof![
        6 => (any::<Index>(), jval()).prop_map(|(i, v)| JsonOp::Replace(i, v)),
        2 => any::<Index>().prop_map(JsonOp::Remove),
        2 => any::<Index>().prop_map(JsonOp::Duplicate),
        1 => (any::<Index>(), prop::sample::select(TICKET_WORDS)).prop_map(|(i, w)| JsonOp::Rename(i, w)),
    ]
}

fn to_json(v: &JVal) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        JVal::Null => J::Null,
        JVal::Bool(b) => J::Bool(*b),
        JVal::Int(n) => J::from(*n),
        JVal::Big(n) => J::from(*n),
        JVal::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        JVal::Word(w) => J::String(w.to_string()),
        JVal::Str(s) => J::String(s.clone()),
        JVal::Array(a) => J::Array(a.iter().map(|w| J::String(w.to_string())).collect()),
        JVal::Object => J::Object(serde_json::Map::new()),
        // Deep nesting is written into the text later (see `TicketCase::file`).
        JVal::Deep(n) => J::String(format!("@@deep{n}@@")),
    }
}

fn json_paths(v: &serde_json::Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                json_paths(x, here, out);
                here.pop();
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(Step::At(i));
                out.push(here.clone());
                json_paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn json_at<'v>(v: &'v mut serde_json::Value, path: &[Step]) -> Option<&'v mut serde_json::Value> {
    let mut v = v;
    for s in path {
        v = match (s, v) {
            (Step::Key(k), serde_json::Value::Object(m)) => m.get_mut(k)?,
            (Step::At(i), serde_json::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn apply_json(root: &mut serde_json::Value, op: &JsonOp) {
    let mut paths = Vec::new();
    json_paths(root, &mut Vec::new(), &mut paths);
    let at = |i: &Index| pick(&paths, i).cloned();
    match op {
        JsonOp::Replace(i, val) => {
            if let Some(p) = at(i)
                && let Some(v) = json_at(root, &p)
            {
                *v = to_json(val);
            }
        }
        JsonOp::Remove(i) | JsonOp::Duplicate(i) | JsonOp::Rename(i, _) => {
            let Some(p) = at(i) else { return };
            let Some((last, parent)) = p.split_last() else {
                return;
            };
            let Some(parent) = json_at(root, parent) else {
                return;
            };
            match (op, last, parent) {
                (JsonOp::Remove(_), Step::Key(k), serde_json::Value::Object(m)) => {
                    m.remove(k);
                }
                (JsonOp::Remove(_), Step::At(n), serde_json::Value::Array(a)) => {
                    a.remove(*n);
                }
                (JsonOp::Duplicate(_), Step::At(n), serde_json::Value::Array(a)) => {
                    let x = a[*n].clone();
                    a.insert(*n, x);
                }
                (JsonOp::Rename(_, w), Step::Key(k), serde_json::Value::Object(m)) => {
                    if let Some(x) = m.remove(k) {
                        m.insert(w.to_string(), x);
                    }
                }
                _ => {}
            }
        }
    }
}

const JSON_TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", "\"", "null", "true", "-", "1e999", "\\u0000", "\\ud800", "\\",
    "\n", "ø", "\u{FEFF}",
];

#[derive(Debug, Clone)]
struct TicketCase {
    seed: Index,
    tree: Vec<JsonOp>,
    text: Vec<ByteOp>,
}

fn ticket_case() -> impl Strategy<Value = TicketCase> {
    (
        any::<Index>(),
        prop::collection::vec(json_op(), 0..6),
        prop_oneof![
            3 => Just(Vec::new()),
            1 => prop::collection::vec(byte_op(JSON_TOKENS), 1..4),
        ],
    )
        .prop_map(|(seed, tree, text)| TicketCase { seed, tree, text })
}

impl TicketCase {
    /// The seed's ID (the file is written under it) and the mutated file.
    fn file(&self) -> (String, Vec<u8>) {
        let seeds = ticket_seeds();
        let (id, bytes) = pick(seeds, &self.seed).expect("ticket seeds");
        let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("seed ticket");
        for op in &self.tree {
            apply_json(&mut v, op);
        }
        let mut text = serde_json::to_string_pretty(&v).expect("JSON");
        // Deep nesting is written as text, past what serde_json would build.
        while let Some(start) = text.find("\"@@deep") {
            let Some(close) = text[start + 1..].find('"').map(|e| start + 1 + e) else {
                break;
            };
            let n: usize = text[start + 7..close - 2].parse().unwrap_or(1);
            text.replace_range(
                start..=close,
                &format!("{}{}", "[".repeat(n), "]".repeat(n)),
            );
        }
        let mut b = text.into_bytes();
        let others: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
        for op in &self.text {
            apply_bytes(&mut b, op, &others);
        }
        (id.clone(), b)
    }
}

#[test]
fn ticket_load() {
    let (tmp, hd) = helpdesk(Some("shop"), false);
    let save = |case: &TicketCase| Some(case.file().1);
    fuzz_saving(
        "ticket_load",
        200,
        WRITES,
        ticket_case(),
        |case| {
            let (id, bytes) = case.file();
            input_size(bytes.len());
            let path = tmp.path().join("tickets").join(format!("{id}.json"));
            let _files = exclusive();
            std::fs::write(&path, &bytes).expect("write ticket");
            let result = check_ticket(&hd, &id, &path);
            std::fs::remove_file(&path).expect("remove ticket");
            result
        },
        save,
    );
}

/// A ticket file loads, or the error names it; whatever loads can be listed, shown,
/// written back, ticked and tried with the rules without a panic.
fn check_ticket(hd: &Helpdesk, id: &str, path: &Path) -> TestCaseResult {
    let shown = path.display().to_string();
    let all = desk::query::Query {
        all: true,
        ..Default::default()
    };
    let listing = hd
        .list(&all)
        .map_err(|e| TestCaseError::fail(format!("list: {e}")))?;
    match hd.store.load_ticket(id) {
        Ok(t) => {
            prop_assert_eq!(&t.id, id);
            let json = t.to_json().map_err(TestCaseError::fail)?;
            let again = Ticket::from_json(&json).map_err(TestCaseError::fail)?;
            if again != t {
                let (a, b) = (
                    serde_json::to_value(&t).unwrap_or_default(),
                    serde_json::to_value(&again).unwrap_or_default(),
                );
                return Err(TestCaseError::fail(format!(
                    "written back, it reads differently: {}",
                    first_difference(&a, &b, String::new())
                )));
            }
            prop_assert!(listing.tickets.iter().any(|s| s.id == id), "listed");
            let _ = desk::store::Summary::of(&t);
            let tz = hd.settings.helpdesk.timezone;
            for h in &t.history {
                let _ = desk::cmd::show::describe_entry(h, tz);
            }
            let _ = hd.view(id);
            let _ = hd.tick(true);
            let _ = hd.test_rules(&desk::rules_test::RulesTarget::Ticket(id.to_string()), None);
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                message.contains(&shown),
                "the error names the file: {message}"
            );
            prop_assert!(!message.contains('\n'), "one line: {message:?}");
            prop_assert!(
                listing
                    .problems
                    .iter()
                    .any(|p| p.contains(&shown) && !p.contains('\n')),
                "listing names it, on one line: {:?}",
                listing.problems
            );
        }
    }
    Ok(())
}

/// Where two JSON values first differ, and how.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, here: String) -> String {
    use serde_json::Value as J;
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) if w == v => {}
                    Some(w) => return first_difference(v, w, format!("{here}.{k}")),
                    None => return format!("{here}.{k}: gone"),
                }
            }
            format!(
                "{here}: keys {:?} added",
                y.keys().filter(|k| !x.contains_key(*k)).collect::<Vec<_>>()
            )
        }
        (J::Array(x), J::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (v, w))| v != w)
            .map_or_else(
                || format!("{here}: equal"),
                |(i, (v, w))| first_difference(v, w, format!("{here}[{i}]")),
            ),
        _ => format!("{here}: {a} became {b}"),
    }
}

// ---------------------------------------------------------------------------------------
// What people type: filters, durations, times
// ---------------------------------------------------------------------------------------

const FILTER_FIELDS: &[&str] = &[
    "id",
    "subject",
    "type",
    "status",
    "status_category",
    "priority",
    "department",
    "assignee",
    "requester",
    "shop",
    "channel",
    "tags",
    "cc",
    "created_at",
    "updated_at",
    "snoozed_until",
    "body",
    "text",
    "fields.order_no",
    "fields.",
    "customer.name",
    "customer.group",
    "customer.x",
    "sla.policy",
    "sla.breached",
    "sla.first_reply.due_in",
    "sla.x.due_in",
    "since.created",
    "since.updated",
    "since.last_customer_message",
    "since.x",
    "event.name",
    "message.body",
    "",
];

const FILTER_OPS: &[&str] = &[
    "=", "!=", "<", ">", "<=", ">=", "==", "=!", "<>", "+", "-", "+cc:", "-cc:", " ",
];

const FILTER_VALUES: &[&str] = &[
    "",
    "x",
    "open",
    "high",
    "urgent",
    "@me",
    "ingrid",
    "1h",
    "0s",
    "-1d",
    "99999999999w",
    "521775w",
    "2026-11-24",
    "2026-11-24T09:00:00Z",
    "9999-12-31T23:59:59Z",
    "10000-01-01",
    "1969-12-31",
    "+262143-01-01",
    "2026-03-29 02:30",
    "1e999",
    "NaN",
    "-0",
    "18446744073709551616",
    "true",
    "a,b,,c",
    ",",
    "(a*)*b",
    "\\",
    "ø",
    "a b",
];

#[derive(Debug, Clone)]
enum Filter {
    Words(&'static str, &'static str, &'static str),
    Any(String),
}

fn filter() -> impl Strategy<Value = Filter> {
    prop_oneof![
        4 => (prop::sample::select(FILTER_FIELDS), prop::sample::select(FILTER_OPS), prop::sample::select(FILTER_VALUES))
            .prop_map(|(f, o, v)| Filter::Words(f, o, v)),
        1 => any::<String>().prop_map(Filter::Any),
    ]
}

impl Filter {
    fn text(&self) -> String {
        match self {
            Filter::Words(_, o, v) if o.starts_with(['+', '-']) => format!("{o}{v}"),
            Filter::Words(f, o, v) => format!("{f}{o}{v}"),
            Filter::Any(s) => s.clone(),
        }
    }
}

#[test]
fn words_filters() {
    let shop = data("examples/shop");
    let settings = settings_of(&shop);
    let tickets: Vec<Ticket> = ticket_seeds()
        .iter()
        .map(|(_, b)| Ticket::from_json(std::str::from_utf8(b).expect("UTF-8")).expect("ticket"))
        .collect();
    let now: chrono::DateTime<chrono::Utc> = NOW.parse().expect("now");
    fuzz(
        "words_filters",
        300,
        SLOW,
        prop::collection::vec(filter(), 1..4),
        |filters| {
            let words: Vec<String> = filters.iter().map(Filter::text).collect();
            match desk::rules::condition::from_filters(&words, &settings) {
                Ok(cond) => {
                    for t in &tickets {
                        let facts = desk::rules::condition::Facts::new(t, None, &settings, now);
                        let _ = cond.eval(&facts);
                        let _ = cond.trace(&facts);
                    }
                    let _ = cond.to_string();
                }
                Err(m) => prop_assert!(!m.is_empty()),
            }
            Ok(())
        },
    );
}

#[test]
fn words_durations_and_times() {
    use desk::time::{self, Duration as D};
    let zones = [
        chrono_tz::UTC,
        chrono_tz::Europe::Oslo,
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::America::St_Johns,
        chrono_tz::Australia::Lord_Howe,
    ];
    let strategy = (
        prop_oneof![
            2 => any::<String>(),
            3 => "[0-9]{0,22}[wdhms]?([0-9]{0,12}[wdhms])?",
            3 => "[+-]?[0-9]{0,6}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?(\\.[0-9]{0,10})?(Z|[+-][0-9]{2}:[0-9]{2})?)?",
            1 => prop::sample::select(FILTER_VALUES).prop_map(str::to_string),
        ],
        any::<Index>(),
        prop_oneof![Just(0i64), Just(time::LAST), 0..=time::LAST],
    );
    fuzz(
        "words_durations_and_times",
        500,
        SLOW,
        strategy,
        |(s, zone, now)| {
            let tz = zones[zone.index(zones.len())];
            let now = chrono::DateTime::from_timestamp(*now, 0).expect("now in range");
            if let Ok(d) = D::parse(s) {
                prop_assert!(
                    (0..=desk::time::duration::MAX_SECONDS).contains(&d.seconds),
                    "{s}: {}",
                    d.seconds
                );
                let shown = d.to_string();
                prop_assert_eq!(
                    D::parse(&shown).map(|x| x.seconds),
                    Ok(d.seconds),
                    "{} printed as {}",
                    s,
                    shown
                );
                let _ = d.to_chrono();
                let _ = d.calendar_parts();
                let _ = time::add(now, d);
            }
            match time::read_instant(s, tz) {
                Ok(t) => {
                    prop_assert!(time::in_range(t), "{s} read as {t}");
                    let shown = time::format_utc(t);
                    prop_assert_eq!(time::read_instant(&shown, tz), Ok(t));
                }
                Err(m) => prop_assert!(!m.contains('\n')),
            }
            let _ = time::beyond_range(s, tz);
            if let Ok(t) = time::parse_when(s, now, tz) {
                prop_assert!(time::in_range(t), "{s} from {now} is {t}");
            }
            let _ = s.parse::<desk::model::Priority>();
            let _ = desk::rules::condition::Field::parse(s);
            let _ = desk::rules::condition::Op::parse(s);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// What the fuzzing found, kept as plain tests with their input written out
// ---------------------------------------------------------------------------------------

/// `parse` deduplicated addresses with `contains` on every push: 10,000 addresses in To
/// and again in Cc took 3.5 s in a debug build.
#[test]
fn found_many_addresses_are_linear() {
    let list: Vec<String> = (0..15_000).map(|k| format!("u{k}@example.com")).collect();
    let raw = format!(
        "From: a@example.org\nTo: {}\nCc: {}\nSubject: many\n\nbody\n",
        list.join(", "),
        list.join(", ")
    );
    let start = Instant::now();
    let m = desk::mail::incoming::parse(raw.as_bytes()).expect("parses");
    assert!(start.elapsed() < SLOW, "took {:?}", start.elapsed());
    assert_eq!(m.recipients.len(), 15_000);
    assert_eq!(m.cc, list);
}

/// Followers were added one at a time, each a copy, a sort and a recorded change of
/// the whole list: a mail copied to 15,000 people did not finish ingesting in a minute.
#[test]
fn found_many_followers_ingest_in_time() {
    let (tmp, hd) = helpdesk(None, false);
    let list: Vec<String> = (0..15_000).map(|k| format!("u{k}@example.net")).collect();
    let path = tmp.path().join("many.eml");
    std::fs::write(
        &path,
        format!(
            "From: a@example.org\nTo: support@example.com, {}\nSubject: many\n\nbody\n",
            list.join(", ")
        ),
    )
    .expect("write mail");
    let _files = exclusive();
    let start = Instant::now();
    let got = hd
        .ingest_mail(&[path.to_string_lossy().into_owned()], true, &mut Quiet)
        .expect("ingest");
    assert!(start.elapsed() < WRITES, "took {:?}", start.elapsed());
    assert_eq!(got.count("created"), 1);
    let scan = hd.store.scan().expect("scan");
    assert_eq!(scan.tickets[0].cc.len(), 15_000);
}

/// HTML nested thousands deep cost html2text (parsing and rendering) the square of the
/// depth and worse: 8,000 nested blockquotes (100 kB) took 100 s in a debug build.
#[test]
fn found_deep_html_is_fast() {
    for tag in ["blockquote", "div", "ul", "table"] {
        let raw = format!(
            "From: a@example.com\nSubject: deep\nContent-Type: text/html\n\n<html><body>{}{}</body></html>\n",
            format!("<{tag}>x").repeat(8_000),
            format!("</{tag}>").repeat(8_000)
        );
        let start = Instant::now();
        let m = desk::mail::incoming::parse(raw.as_bytes()).expect("parses");
        assert!(start.elapsed() < SLOW, "{tag}: took {:?}", start.elapsed());
        assert!(m.body.contains('x'), "{tag}: the text is kept");
    }
    // Shallow HTML still gets the careful conversion: a list stays a list.
    let raw = "From: a@example.com\nSubject: list\nContent-Type: text/html\n\n<ul><li>one</li><li>two</li></ul>\n";
    let m = desk::mail::incoming::parse(raw.as_bytes()).expect("parses");
    assert!(
        m.body.contains("one") && m.body.contains("two"),
        "{}",
        m.body
    );
}

/// A name quoted from a file that holds a line break (a valid TOML string) made a
/// problem of two lines.
#[test]
fn found_problems_with_line_breaks_stay_one_line() {
    let defaults = data("src/defaults");
    let settings = settings_of(&defaults);
    let desk_toml = "[helpdesk]\nname = \"x\"\n\"a\\nb\" = 1\n";
    let diags = desk::model::Settings::parse(&desk::source::Source::new("desk.toml", desk_toml))
        .expect_err("unknown key");
    let shown = desk::Error::Config(diags).to_string();
    assert!(
        shown.starts_with("desk.toml:3:1: unknown key `a\\nb`"),
        "{shown}"
    );

    let rules = "[[rule]]\nname = \"r\"\non = [\"ticket.created\"]\nif.all = [{ field = \"a\\nb\", op = \"is\", value = \"x\" }]\nthen = [{ add_tag = \"y\" }]\n";
    let mut templates = desk::rules::template::Templates::new(&defaults);
    let diags = desk::rules::ruleset::RuleSet::parse(
        &desk::source::Source::new("rules.toml", rules),
        &settings,
        &mut templates,
    )
    .expect_err("unknown field");
    for d in &diags {
        assert!(!d.to_string().contains('\n'), "{d}");
    }
    assert!(
        diags.iter().any(|d| d.to_string().contains("`a\\nb`")),
        "{diags:?}"
    );

    let template = "Subject: x {{t\rcket.department}}\n\nbody\n";
    let diags =
        desk::rules::template::parse(&desk::source::Source::new("templates/t.txt", template))
            .expect_err("unknown placeholder");
    for d in &diags {
        assert!(!d.to_string().contains(['\n', '\r']), "{d}");
    }
}

/// serde_json quotes the key or value it could not read, line breaks and all: the error
/// for a ticket file was two lines, in `desk show` and in `desk list`'s problems.
#[test]
fn found_ticket_errors_stay_one_line() {
    let (tmp, hd) = helpdesk(None, false);
    let id = "06fjn7g00xtaj0";
    let path = tmp.path().join("tickets").join(format!("{id}.json"));
    std::fs::write(&path, "{\n  \"\\n\": 1\n}\n").expect("write ticket");
    let _files = exclusive();
    let e = hd.store.load_ticket(id).expect_err("corrupt");
    let shown = e.to_string();
    assert!(shown.starts_with(&path.display().to_string()), "{shown}");
    assert!(
        shown.contains("unknown field `\\n`") && !shown.contains('\n'),
        "{shown}"
    );
    let listing = hd
        .list(&desk::query::Query {
            all: true,
            ..Default::default()
        })
        .expect("list");
    assert_eq!(listing.problems.len(), 1);
    assert!(
        !listing.problems[0].contains('\n'),
        "{:?}",
        listing.problems
    );
}

/// serde_json read some floats one digit off unless asked to be exact, so a ticket
/// file with one in its history changed when desk wrote it back.
#[test]
fn found_floats_in_tickets_are_written_back_as_read() {
    let seed = std::fs::read_to_string(data("tests/data/fuzz/tickets/06fjn7g00xtaj0.json"))
        .expect("seed ticket");
    let mut v: serde_json::Value = serde_json::from_str(&seed).expect("JSON");
    v["history"][0]["changes"] = serde_json::json!([
        { "field": "x", "from": -9.4912218327552e-247, "to": 0.1 }
    ]);
    let t = Ticket::from_json(&v.to_string()).expect("loads");
    let again = Ticket::from_json(&t.to_json().expect("JSON")).expect("loads again");
    assert_eq!(again, t);
    assert_eq!(
        again.history[0].changes[0].from,
        serde_json::json!(-9.4912218327552e-247)
    );
}

/// mail-parser 0.11.9 reaches a `debug_assert!(false, ...)` on a message/rfc822 part
/// whose body is another bare `Content-Type: message/rfc822` header: every debug build
/// panicked on it (release builds recover the message). Cargo.toml turns the parser's
/// debug assertions off.
#[test]
fn found_nested_bare_rfc822_parses() {
    let raw = b"From: a@example.com\nSubject: outer\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nouter text\n\n--b\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n\nFrom: x@example.com\nSubject: inner\n\ninner text\n\n--b--\n";
    let m = desk::mail::incoming::parse(raw).expect("parses");
    assert_eq!(m.subject.as_deref(), Some("outer"));
    assert!(m.body.contains("outer text"), "{}", m.body);
}
