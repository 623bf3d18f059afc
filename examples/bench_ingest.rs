//! Measures `desk ingest email` on one mbox of N messages into the shop example.
//!
//! ```text
//! cargo build --release && cargo run --release --example bench_ingest -- [--messages 10000] [--runs 5] [--without-scripts] [--baseline OLD_DESK_BINARY]
//! ```
//!
//! `--baseline` times another desk binary (say, the last release) in the same runs,
//! alternating with this one, and prints the ratio: the fair comparison on a shared,
//! noisy machine.
//!
//! Two configurations: the example's rules as shipped (two of them run scripts, a
//! process per message), and the same rules without those two.
//!
//! The mbox comes from `examples/mbox.rs` (seed 1: the same bytes every time). Each run
//! makes a fresh `desk init --example shop` helpdesk, syncs the disk, then times
//! `desk ingest email MBOX` (every message new: tickets, replies threaded, the example's
//! rules, auto-replies and notifications queued) and right after it the same command
//! again (every message a duplicate). The clock is pinned with `DESK_NOW` so every run
//! applies the same rules. Reported: median, min and max wall-clock seconds, and as
//! baselines in the same run, `cp -r` of the helpdesk the ingest made (what creating that
//! many files costs on this disk) and `cat MBOX > /dev/null`.

#[path = "mbox.rs"]
#[allow(dead_code)]
mod mbox;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

type BoxError = Box<dyn std::error::Error>;

fn desk_binary() -> Result<PathBuf, BoxError> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) if !t.is_empty() => std::env::current_dir()?.join(t),
        _ => manifest.join("target"),
    };
    let bin = target.join("release").join("desk");
    if !bin.is_file() {
        return Err(format!(
            "no release binary at {}: run `cargo build --release`",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

fn timed(cmd: &mut Command) -> Result<f64, BoxError> {
    let start = Instant::now();
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(secs)
}

/// Like [`timed`], for the baseline binary: an older desk may fail on some messages
/// (the version before this one refused 203 of the 10,000 with a Message-ID clash); its
/// time is still what it took, and the failure is said on stderr.
fn timed_lenient(cmd: &mut Command) -> Result<f64, BoxError> {
    let start = Instant::now();
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        eprintln!(
            "bench: the baseline exited with {}: {}",
            out.status,
            err.lines().last().unwrap_or_default()
        );
    }
    Ok(secs)
}

/// Waits until no script is queued in the helpdesk (`.desk/queue/`: the runs desk does
/// in the background after a change).
fn settled(dir: &Path) -> Result<(), BoxError> {
    let queue = dir.join(".desk/queue");
    let until = Instant::now() + std::time::Duration::from_secs(600);
    loop {
        let waiting = std::fs::read_dir(&queue).is_ok_and(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".json"))
        });
        if !waiting {
            return Ok(());
        }
        if Instant::now() > until {
            return Err(format!(
                "scripts still queued in {} after ten minutes",
                queue.display()
            )
            .into());
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (median, v[0], v[n - 1])
}

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |r| {
        r.filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    })
}

fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut messages = 10_000usize;
    let mut runs = 5usize;
    let mut with_scripts = true;
    let mut baseline: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--messages" => messages = it.next().ok_or("--messages N")?.parse()?,
            "--runs" => runs = it.next().ok_or("--runs N")?.parse()?,
            "--without-scripts" => with_scripts = false,
            // Another desk binary (an older version) timed in the same runs, alternating.
            "--baseline" => baseline = Some(PathBuf::from(it.next().ok_or("--baseline BIN")?)),
            _ => return Err(format!("unknown argument `{a}`").into()),
        }
    }
    let bin = desk_binary()?;
    let tmp = tempfile::Builder::new()
        .prefix("desk-bench-ingest.")
        .tempdir()?;
    let mbox = tmp.path().join("inbox.mbox");
    mbox::write_mbox(&mbox, messages, 1)?;
    let size = std::fs::metadata(&mbox)?.len();
    eprintln!("bench: {messages} messages, {:.1} MB", size as f64 / 1e6);

    println!("| measure ({messages} messages, {runs} runs each) | median | min | max |");
    println!("|---|---:|---:|---:|");
    // The example's rules run two scripts (a CRM lookup on every new ticket, an order
    // lookup when an order number is mentioned): each is a process per message. The
    // same rules without those two show what desk itself costs.
    let configs = [
        ("the example's rules, scripts included", true),
        ("the example's rules without its two script rules", false),
    ];
    for (label, scripts) in configs.into_iter().filter(|(_, s)| with_scripts || !s) {
        let (mut first, mut again, mut cat, mut cp, mut saved) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut base_first, mut base_again) = (Vec::new(), Vec::new());
        let mut made = (0, 0);
        for r in 0..runs {
            if let Some(base) = &baseline {
                let (f, a) = ingest_twice(base, tmp.path(), &mbox, scripts, r)?;
                base_first.push(f);
                base_again.push(a);
                eprintln!(
                    "bench: {label}, baseline run {}: {f:.2} s, again {a:.2} s",
                    r + 1
                );
            }
            let dir = tmp.path().join(format!("helpdesk-{r}"));
            let st = Command::new(&bin)
                .args(["init", "--example", "shop", "-q"])
                .arg(&dir)
                .status()?;
            if !st.success() {
                return Err("desk init failed".into());
            }
            if !scripts {
                strip_script_rules(&dir)?;
            }
            let _ = Command::new("sync").status();
            cat.push(timed(Command::new("cat").arg(&mbox))?);
            let ingest = || {
                let mut c = Command::new(&bin);
                c.args(["ingest", "email", "-q"])
                    .arg(&mbox)
                    .current_dir(&dir)
                    .env("DESK_NOW", "2026-11-24T09:30:00Z");
                c
            };
            let started = Instant::now();
            first.push(timed(&mut ingest())?);
            // The scripts the example does not wait for run in the background after
            // the ingest: the time until their changes are saved too.
            settled(&dir)?;
            saved.push(started.elapsed().as_secs_f64());
            // What writing that many files costs on this disk, whatever writes them.
            let copy = tmp.path().join(format!("copy-{r}"));
            cp.push(timed(Command::new("cp").arg("-r").arg(&dir).arg(&copy))?);
            std::fs::remove_dir_all(&copy)?;
            again.push(timed(&mut ingest())?);
            made = (count(&dir.join("tickets")), count(&dir.join("outbox")));
            eprintln!(
                "bench: {label}, run {}: {:.2} s, again {:.2} s",
                r + 1,
                first[r],
                again[r]
            );
            std::fs::remove_dir_all(&dir)?;
        }
        let (m1, lo1, hi1) = stats(first);
        let (m2, lo2, hi2) = stats(again);
        let (mc, _, _) = stats(cat);
        let (mcp, lcp, hcp) = stats(cp);
        println!(
            "| **{label}**: `desk ingest email` ({} tickets, {} messages queued) | {m1:.2} s | {lo1:.2} | {hi1:.2} |",
            made.0, made.1
        );
        let (ms, los, his) = stats(saved);
        println!(
            "| the same, until the scripts it queued have saved their changes | {ms:.2} s | {los:.2} | {his:.2} |"
        );
        println!("| the same mbox again (all duplicates) | {m2:.2} s | {lo2:.2} | {hi2:.2} |");
        println!(
            "| baseline: `cp -r` of the resulting helpdesk (ingest / cp = {:.2}) | {mcp:.2} s | {lcp:.2} | {hcp:.2} |",
            m1 / mcp
        );
        println!(
            "| baseline: `cat` of the mbox | {:.1} ms | | |",
            mc * 1000.0
        );
        if !base_first.is_empty() {
            let (b1, bl1, bh1) = stats(base_first);
            let (b2, bl2, bh2) = stats(base_again);
            println!(
                "| baseline binary: `desk ingest email` (this / baseline = {:.2}) | {b1:.2} s | {bl1:.2} | {bh1:.2} |",
                m1 / b1
            );
            println!(
                "| baseline binary: the same mbox again (this / baseline = {:.2}) | {b2:.2} s | {bl2:.2} | {bh2:.2} |",
                m2 / b2
            );
        }
        println!(
            "| targets: first < 10 s {}, again < 3 s {} | | | |",
            if m1 < 10.0 { "met" } else { "NOT met" },
            if m2 < 3.0 { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// A fresh helpdesk made by `bin`, the mbox ingested into it and then again: seconds.
fn ingest_twice(
    bin: &Path,
    tmp: &Path,
    mbox: &Path,
    scripts: bool,
    r: usize,
) -> Result<(f64, f64), BoxError> {
    let dir = tmp.join(format!("baseline-{r}"));
    let st = Command::new(bin)
        .args(["init", "--example", "shop", "-q"])
        .arg(&dir)
        .status()?;
    if !st.success() {
        return Err("baseline: desk init failed".into());
    }
    if !scripts {
        strip_script_rules(&dir)?;
    }
    let _ = Command::new("sync").status();
    let ingest = || {
        let mut c = Command::new(bin);
        c.args(["ingest", "email", "-q"])
            .arg(mbox)
            .current_dir(&dir)
            .env("DESK_NOW", "2026-11-24T09:30:00Z");
        c
    };
    let first = timed_lenient(&mut ingest())?;
    settled(&dir)?;
    let again = timed_lenient(&mut ingest())?;
    std::fs::remove_dir_all(&dir)?;
    Ok((first, again))
}

/// Drops the rules that run a script from the helpdesk's rules.toml.
fn strip_script_rules(dir: &Path) -> Result<(), BoxError> {
    let path = dir.join("rules.toml");
    let text = std::fs::read_to_string(&path)?;
    let kept: String = text
        .split("[[rule]]")
        .enumerate()
        .filter(|(i, b)| *i == 0 || !b.contains("run = \""))
        .map(|(i, b)| {
            if i == 0 {
                b.to_string()
            } else {
                format!("[[rule]]{b}")
            }
        })
        .collect();
    std::fs::write(&path, kept)?;
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}
