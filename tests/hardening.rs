//! Hardening (issue 15), one test per promise of the README's reliability section that
//! the crash test (tests/crash.rs) does not already keep: mail that no ticket records
//! is never sent, nothing is written or run through a symbolic link out of the
//! helpdesk, temporary files stay in `.desk/` and are cleaned, a script dies with a
//! killed desk, hand-edited files are reported, and input never reaches the terminal
//! raw.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// A customer's mail with one attachment, threaded to `ticket` by its subject tag.
fn mail_with_attachment(ticket: &str, n: u32) -> String {
    format!(
        "From: Kari <kari@example.no>\r\nTo: support@example.com\r\nSubject: Re: [#{ticket}] Kvittering\r\nMessage-ID: <att-{n}@example.no>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHer er kvitteringen.\r\n--b\r\nContent-Type: application/pdf; name=\"kvittering.pdf\"\r\nContent-Disposition: attachment; filename=\"kvittering.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().display().to_string())
        .collect()
}

// --- 1. mail that no ticket records ------------------------------------------------

#[test]
fn outbox_send_holds_mail_that_its_ticket_does_not_record() {
    let d = Desk::new();
    let id = d.new_ticket("Hei", &["--from", "kari@example.no", "--channel", "email"]);
    let queued = d.outbox();
    assert_eq!(queued.len(), 1, "the acknowledgement is queued");
    // A message for the same ticket that the ticket knows nothing of (what a killed
    // command of an older desk left behind).
    let stray = format!("{id}.00000000deadbeef.eml");
    let text = d.read(&format!("outbox/{}", queued[0]));
    d.write(
        &format!("outbox/{stray}"),
        &text.replace("Message-ID: <", "Message-ID: <stray."),
    );

    let log = tempfile::NamedTempFile::new().unwrap();
    let sendmail = format!("sh -c 'cat >> {}'", log.path().display());
    let out = d.run(["outbox", "send", "--sendmail", &sendmail]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains(&format!(
            "outbox/{stray}: not sent: ticket {id} does not record this message"
        )),
        "{out}"
    );
    let delivered = fs::read_to_string(log.path()).unwrap();
    assert_eq!(delivered.matches("Message-ID:").count(), 1, "{delivered}");
    assert!(!delivered.contains("stray."));
    // Kept, out of the queue, for a person to look at.
    assert!(d.path(&format!(".desk/unrecorded/{stray}")).is_file());
    assert!(!d.path(&format!("outbox/{stray}")).exists());
}

#[test]
fn mail_staged_by_a_killed_command_is_queued_only_if_its_ticket_records_it() {
    let d = Desk::new();
    let id = d.new_ticket("Hei", &["--from", "kari@example.no", "--channel", "email"]);
    let t = d.ticket(&id);
    let file = t["mail"][0]["file"].as_str().unwrap().to_string();
    let name = file.trim_start_matches("outbox/").to_string();
    // As if killed after saving the ticket, before moving its mail to outbox/ ...
    fs::create_dir_all(d.path(".desk/staged")).unwrap();
    fs::rename(d.path(&file), d.path(&format!(".desk/staged/{name}"))).unwrap();
    // ... and as if killed before saving a ticket whose mail was staged.
    d.write(
        &format!(".desk/staged/{id}.1111111111111111.eml"),
        "From: a@b\r\n\r\nnever recorded\r\n",
    );
    d.ok([
        "note",
        &id,
        "-m",
        "any command that takes the lock settles them",
    ]);
    assert!(d.path(&file).is_file(), "recorded mail is queued");
    assert!(
        !d.path(&format!("outbox/{id}.1111111111111111.eml"))
            .exists()
    );
    assert_eq!(fs::read_dir(d.path(".desk/staged")).unwrap().count(), 0);
}

// --- 2. symbolic links out of the helpdesk --------------------------------------------

#[test]
fn a_symlinked_attachments_folder_is_refused_and_nothing_is_written_outside() {
    let d = Desk::new();
    let outside = tempfile::tempdir().unwrap();
    let id = d.new_ticket("Kvittering", &["--from", "kari@example.no"]);
    fs::create_dir_all(d.path("attachments")).unwrap();
    symlink(outside.path(), d.path(&format!("attachments/{id}"))).unwrap();
    let before = d.ticket(&id);

    let out = d.run_stdin(["ingest", "email", "-"], &mail_with_attachment(&id, 1));
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stdout.contains("symbolic link") || out.stderr.contains("symbolic link"),
        "{out}"
    );
    assert_eq!(files_under(outside.path()), Vec::<String>::new());
    assert_eq!(d.ticket(&id), before, "the ticket is unchanged");

    // The whole attachments/ folder as a link: the same.
    fs::remove_file(d.path(&format!("attachments/{id}"))).unwrap();
    fs::remove_dir(d.path("attachments")).unwrap();
    symlink(outside.path(), d.path("attachments")).unwrap();
    let out = d.run_stdin(["ingest", "email", "-"], &mail_with_attachment(&id, 2));
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(files_under(outside.path()), Vec::<String>::new());
}

#[test]
fn a_symlinked_scripts_folder_never_runs_and_rules_check_says_why() {
    let d = Desk::new();
    let outside = tempfile::tempdir().unwrap();
    let marker = outside.path().join("ran");
    let script = outside.path().join("lookup");
    fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\necho '{{}}'\n", marker.display()),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    fs::remove_dir_all(d.path("scripts")).unwrap();
    symlink(outside.path(), d.path("scripts")).unwrap();
    d.write(
        "rules.toml",
        "[[rule]]\nname = \"lookup\"\non = [\"ticket.created\"]\nthen = [ { run = \"lookup\" } ]\n",
    );
    let out = d.run(["rules", "check"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("scripts/ leads outside the helpdesk"),
        "{out}"
    );
    // When a rule would run it, the run fails on the ticket, as a missing script does.
    let out = d.run(["new", "-s", "Hei"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains("scripts/ leads outside the helpdesk"),
        "{out}"
    );
    assert!(!marker.exists(), "the script outside the helpdesk ran");
}

// --- 3. temporary files -------------------------------------------------------------

#[test]
fn temporary_files_stay_in_desk_tmp_and_what_a_kill_left_is_cleaned() {
    let d = Desk::new();
    let id = d.new_ticket("Hei", &["--from", "kari@example.no"]);
    // What killed writers left: in .desk/tmp/ (this version) and beside the ticket
    // (older versions). Only files older than ten minutes are taken for a kill's.
    d.write(".desk/tmp/.old.json.a1b2c3.tmp", "{ torn");
    d.write(".desk/tmp/.new.json.d4e5f6.tmp", "{ being written");
    d.write(&format!("tickets/.{id}.json.g7h8i9.tmp"), "{ torn");
    for f in [
        ".desk/tmp/.old.json.a1b2c3.tmp",
        &format!("tickets/.{id}.json.g7h8i9.tmp"),
    ] {
        let ok = Command::new("touch")
            .args(["-d", "1 hour ago"])
            .arg(d.path(f))
            .status()
            .unwrap();
        assert!(ok.success());
    }
    d.ok(["set", &id, "priority=high"]);
    d.ok(["list"]);
    assert!(!d.path(".desk/tmp/.old.json.a1b2c3.tmp").exists());
    assert!(
        d.path(".desk/tmp/.new.json.d4e5f6.tmp").exists(),
        "too young to be a kill's"
    );
    assert!(!d.path(&format!("tickets/.{id}.json.g7h8i9.tmp")).exists());
    // git never sees them: .desk/ is ignored.
    assert!(d.read(".gitignore").lines().any(|l| l.trim() == ".desk/"));
}

// --- 4. and 5. work and memory one message may cost ---------------------------------

/// desk.toml of `desk init` with `[helpdesk] max_message_size`.
fn with_limit(d: &Desk, limit: &str) {
    let text = d.read("desk.toml");
    d.write(
        "desk.toml",
        &text.replacen(
            "[helpdesk]\n",
            &format!("[helpdesk]\nmax_message_size = \"{limit}\"\n"),
            1,
        ),
    );
}

/// A plain-text mail of about `mb` megabytes.
fn big_mail(id: &str, mb: usize) -> Vec<u8> {
    let mut m = format!(
        "From: Kari <kari@example.no>\r\nTo: support@example.com\r\nSubject: Stor logg\r\nMessage-ID: <{id}@example.no>\r\n\r\n"
    )
    .into_bytes();
    let line = b"2026-11-24 09:00:00 INFO en linje fra loggen som kunden limte inn\r\n";
    while m.len() < mb * 1_000_000 {
        m.extend_from_slice(line);
    }
    m
}

#[test]
fn mail_over_the_size_limit_is_kept_whole_and_the_ticket_says_so() {
    let d = Desk::new();
    with_limit(&d, "1 MiB");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.eml");
    let bytes = big_mail("big-1", 3);
    fs::write(&file, &bytes).unwrap();
    d.ok(["ingest", "email", file.to_str().unwrap()]);
    // From standard input too, where it cannot be measured before it is read.
    let out = d.run_stdin(
        ["ingest", "email", "-"],
        &String::from_utf8(big_mail("big-2", 3)).unwrap(),
    );
    assert_eq!(out.code, 0, "{out}");

    let ids = d.ok(["list", "--format", "ids"]);
    let ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), 2);
    for id in ids {
        let t = d.ticket(id);
        let m = &t["messages"][0];
        assert!(
            m["body"]
                .as_str()
                .unwrap()
                .contains("over the helpdesk's limit of 1.0 MiB"),
            "{m}"
        );
        let a = &m["attachments"][0];
        assert_eq!(a["name"], "message.eml");
        assert_eq!(a["size"], bytes.len());
        let kept = fs::read(d.path(a["file"].as_str().unwrap())).unwrap();
        assert_eq!(kept.len(), bytes.len());
        let note = t["history"][0]["note"].as_str().unwrap_or_default();
        assert!(note.contains("over the size limit"), "{t:#}");
    }
    assert_eq!(
        fs::read(
            d.path(
                d.ticket(d.ok(["list", "--format", "ids"]).lines().next().unwrap())["messages"][0]
                    ["attachments"][0]["file"]
                    .as_str()
                    .unwrap()
            )
        )
        .unwrap()
        .len(),
        bytes.len()
    );
}

/// Runs `desk ARGS` on `d` from `dir`: its exit status and peak resident memory in MiB
/// (VmHWM, read until it exits; getrusage would count the test binary's own pages,
/// copied by fork before exec).
fn peak_mib(d: &Desk, dir: &std::path::Path, args: &[&str]) -> (i32, u64) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("desk"))
        .arg("-C")
        .arg(d.root())
        .args(args)
        .current_dir(dir)
        .env("DESK_NOW", NOW)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb / 1024);
        }
        if let Some(st) = child.try_wait().unwrap() {
            return (st.code().unwrap_or(-1), peak);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_200_mb_mail_costs_bounded_memory() {
    let d = Desk::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.eml");
    fs::write(&file, big_mail("huge", 200)).unwrap();
    let (code, peak) = peak_mib(&d, dir.path(), &["ingest", "email", "huge.eml"]);
    assert_eq!(code, 0);
    assert!(peak < 64, "peak {peak} MiB for a 200 MB mail");
    let id = d.ok(["list", "--format", "ids"]);
    let t = d.ticket(id.trim());
    assert_eq!(t["messages"][0]["attachments"][0]["name"], "message.eml");
}

#[test]
fn checking_a_big_batch_costs_the_memory_of_its_text_not_of_its_payloads() {
    let d = Desk::new();
    let dir = tempfile::tempdir().unwrap();
    // 200,000 good lines, then a bad one: everything is checked, nothing is stored.
    let mut jsonl = String::new();
    let mut csv = String::from("subject,from,body\n");
    for i in 0..200_000 {
        jsonl.push_str(&format!(
            "{{\"from\": \"kunde{i}@example.no\", \"subject\": \"Spørsmål {i}\", \"body\": \"Hei, jeg lurer på ordre {i}.\"}}\n"
        ));
        csv.push_str(&format!(
            "Spørsmål {i},kunde{i}@example.no,Hei om ordre {i}\n"
        ));
    }
    jsonl.push_str("{\"from\": \"bad\"}\n");
    csv.push_str("Siste,bad,x\n");
    let size = jsonl.len().max(csv.len()) as u64 / (1024 * 1024);
    fs::write(dir.path().join("batch.jsonl"), &jsonl).unwrap();
    fs::write(dir.path().join("rows.csv"), &csv).unwrap();
    drop((jsonl, csv));
    for args in [
        ["ingest", "json", "batch.jsonl"],
        ["import", "csv", "rows.csv"],
    ] {
        let (code, peak) = peak_mib(&d, dir.path(), &args);
        assert_eq!(code, 1, "{args:?}: the last line is bad");
        // The text, read whole, and a few payloads at a time: before, every payload
        // was parsed and kept (about ten times the text).
        assert!(
            peak < 4 * size + 40,
            "{args:?}: peak {peak} MiB for {size} MiB of text"
        );
    }
    assert_eq!(d.ok(["list", "--all", "--format", "ids"]), "");
}

#[test]
fn ten_thousand_parts_with_one_name_cost_linear_time_and_a_bounded_count() {
    let d = Desk::new();
    let mut m = String::from(
        "From: Kari <kari@example.no>\r\nTo: support@example.com\r\nSubject: Bilder\r\nMessage-ID: <parts@example.no>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nMange bilder.\r\n",
    );
    for _ in 0..10_000 {
        m.push_str("--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"image.png\"\r\n\r\nPNG\r\n");
    }
    m.push_str("--b--\r\n");
    let start = Instant::now();
    let out = d.run_stdin(["ingest", "email", "-"], &m);
    let took = start.elapsed();
    assert_eq!(out.code, 0, "{out}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let id = d.ok(["list", "--format", "ids"]);
    let t = d.ticket(id.trim());
    let files = t["messages"][0]["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1000);
    assert_eq!(
        files[999]["file"],
        format!("attachments/{}/image-1000.png", id.trim())
    );
    let note = t["history"][0]["note"].as_str().unwrap_or_default();
    assert!(
        note.contains("9000 of its 10000 attachments were not kept (at most 1000 per message)"),
        "{note}"
    );
}

// --- 6. a script dies with desk -----------------------------------------------------

#[test]
fn a_script_and_its_children_die_when_desk_is_killed() {
    let d = Desk::new();
    let pids = tempfile::tempdir().unwrap();
    let pidfile = pids.path().join("pids");
    d.write(
        "scripts/slow",
        &format!(
            "#!/bin/sh\nsleep 300 &\necho $! >> '{p}'\necho $$ >> '{p}'\nsleep 300\n",
            p = pidfile.display()
        ),
    );
    fs::set_permissions(d.path("scripts/slow"), fs::Permissions::from_mode(0o755)).unwrap();
    d.write(
        "rules.toml",
        "[[rule]]\nname = \"slow\"\non = [\"ticket.created\"]\nthen = [ { run = \"slow\", timeout = \"10m\" } ]\n",
    );
    let mut desk = Command::new(assert_cmd::cargo::cargo_bin("desk"))
        .args(["new", "-s", "Hei"])
        .current_dir(d.root())
        .env("DESK_NOW", NOW)
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fs::read_to_string(&pidfile).map_or(0, |s| s.lines().count()) < 2 {
        assert!(Instant::now() < deadline, "the script never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Only desk is killed, not its group: the script has a group of its own.
    desk.kill().unwrap();
    desk.wait().unwrap();
    let alive = |pid: &str| {
        fs::metadata(format!("/proc/{pid}")).is_ok() && {
            // A zombie waiting for its parent to be reaped is dead too.
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.split(' ').nth(2).is_none_or(|s| s != "Z")
        }
    };
    let text = fs::read_to_string(&pidfile).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while text.lines().any(alive) {
        assert!(
            Instant::now() < deadline,
            "the script outlived desk: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// --- 7. hand-edited files -------------------------------------------------------------

#[test]
fn an_unknown_status_written_by_hand_is_reported_with_file_and_field() {
    let d = Desk::new();
    let id = d.new_ticket("Hei", &[]);
    let text = d.read(&format!("tickets/{id}.json"));
    d.write(
        &format!("tickets/{id}.json"),
        &text.replace("\"status\": \"new\"", "\"status\": \"opne\""),
    );
    let out = d.run(["list"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains(&format!(
            "tickets/{id}.json: field `status`: unknown status of type `ticket` `opne`, did you mean `open`? (counted as open)"
        )),
        "{out}"
    );
    assert!(out.stdout.contains(&id), "still listed: {out}");
    let out = d.run(["show", &id]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stderr.contains("field `status`"), "{out}");
}

#[test]
fn a_customer_file_whose_email_differs_from_its_name_is_reported_not_duplicated() {
    let d = Desk::new();
    d.new_ticket("Hei", &["--from", "kari@example.no"]);
    let text = d.read("customers/kari@example.no.json");
    d.write(
        "customers/kari@example.no.json",
        &text.replace("kari@example.no", "kari.nordmann@example.no"),
    );
    let before = d.snapshot_files();
    let out = d.run(["new", "-s", "Igjen", "--from", "kari@example.no"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr
            .contains("customers/kari@example.no.json: `email` is `kari.nordmann@example.no`"),
        "{out}"
    );
    assert_eq!(d.snapshot_files(), before, "nothing changed");
    assert!(!d.path("customers/kari.nordmann@example.no.json").exists());
}

// --- 8. text that reaches a terminal --------------------------------------------------

#[test]
fn input_never_reaches_the_terminal_raw() {
    let d = Desk::new();
    let out = d.run(["show", "abc\rdef\u{1b}[2J\u{202e}xyz"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
    assert!(
        !out.stderr.contains('\r') && !out.stderr.contains('\u{1b}'),
        "{out:?}",
        out = out.stderr
    );
    assert!(!out.stderr.contains('\u{202e}'));
    assert!(
        out.stderr.contains("\\r") && out.stderr.contains("\\u{1b}"),
        "{}",
        out.stderr
    );

    // An attachment named to look like a PDF while it is an .exe loses its tricks.
    let mail = "From: Kari <kari@example.no>\r\nTo: support@example.com\r\nSubject: Faktura\r\nMessage-ID: <bidi@example.no>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSe vedlegg.\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"=?utf-8?q?faktura=E2=80=AEfdp=E2=80=8B.exe?=\"\r\n\r\nMZ\r\n--b--\r\n";
    let out = d.run_stdin(["ingest", "email", "-"], mail);
    assert_eq!(out.code, 0, "{out}");
    let id = d.ok(["list", "--format", "ids"]);
    let t = d.ticket(id.trim());
    let a = &t["messages"][0]["attachments"][0];
    assert_eq!(a["name"], "fakturafdp.exe", "{a}");
    assert!(
        a["file"].as_str().unwrap().ends_with("/fakturafdp.exe"),
        "{a}"
    );

    // A field name with a line break in it stays on its line.
    let out = d.run(["list", "nosuch\nfield=1"]);
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(out.stderr.lines().count(), 1, "{out}");
}
