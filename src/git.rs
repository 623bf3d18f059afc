//! desk in a git work tree: its merge driver for ticket and customer files.
//!
//! The attribute that names the driver travels with the repository (`.gitattributes`:
//! `tickets/*.json merge=desk`); the command that runs it is local git config, which a
//! clone does not copy. So any desk command run in a work tree where the driver is not
//! configured configures it in that clone's `.git/config` and says so, once.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::merge;
use crate::model::{Customer, Ticket};
use crate::time::sla::Measured;

/// The lines `.gitattributes` needs for the driver.
pub const ATTRIBUTES: &str = "# Tickets and customers merge field by field (`desk merge-file`), never with markers.\ntickets/*.json merge=desk\ncustomers/*.json merge=desk\n";

/// The repository's git directory, when `root` is inside a work tree.
fn git_dir(root: &Path) -> Option<PathBuf> {
    root.ancestors()
        .map(|d| d.join(".git"))
        .find(|g| g.exists())
}

/// Makes sure this clone runs desk's merge driver: the attribute in `.gitattributes`
/// and the command in `.git/config`. Returns what it did, if anything.
pub fn ensure_driver(root: &Path) -> Result<Option<String>> {
    let Some(git) = git_dir(root) else {
        return Ok(None);
    };
    let exe = std::env::current_exe().map_err(|e| Error::io("the desk executable", e))?;
    let mut did = Vec::new();
    // A `.git` file (a linked work tree) has its config elsewhere: ask git.
    let configured = if git.is_dir() {
        let config = git.join("config");
        let text = std::fs::read_to_string(&config).unwrap_or_default();
        driver_in(&text).is_some_and(|cmd| cmd.contains(&*exe.to_string_lossy()))
    } else {
        git_output(root, &["config", "--get", "merge.desk.driver"])
            .is_some_and(|cmd| cmd.contains(&*exe.to_string_lossy()))
    };
    if !configured {
        let driver = format!("'{}' merge-file %O %A %B %P", exe.display());
        for (key, value) in [
            (
                "merge.desk.name",
                "desk: tickets and customers field by field",
            ),
            ("merge.desk.driver", driver.as_str()),
            // desk never renames a file; pairing a sent mail's removal with a new mail
            // as a "rename" could let a merge drop the unsent one.
            ("merge.renames", "false"),
        ] {
            let status = Command::new("git")
                .args(["config", key, value])
                .current_dir(root)
                .status()
                .map_err(|e| Error::io("git", e))?;
            if !status.success() {
                return Err(Error::invalid(format!(
                    "`git config {key}` failed in {}",
                    root.display()
                )));
            }
        }
        did.push("configured desk's merge driver for this clone (.git/config)");
    }
    if git.is_dir() {
        let config = std::fs::read_to_string(git.join("config")).unwrap_or_default();
        let missing: Vec<(&str, &str)> = SCALE_SETTINGS
            .iter()
            .filter(|(key, _)| !config_has(&config, key))
            .copied()
            .collect();
        for (key, value) in &missing {
            // Only a speed-up: a git that refuses one is no reason to stop the command.
            let _ = Command::new("git")
                .args(["config", key, value])
                .current_dir(root)
                .status();
        }
        if !missing.is_empty() {
            did.push("set git's settings for many files (untracked cache, index v4)");
        }
    }
    let attributes = root.join(".gitattributes");
    let text = std::fs::read_to_string(&attributes).unwrap_or_default();
    if !text.contains("merge=desk") {
        let mut new = text;
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(ATTRIBUTES);
        crate::store::atomic::replace(&attributes, new.as_bytes())?;
        did.push("named it for tickets/ and customers/ in .gitattributes (commit it)");
    }
    Ok((!did.is_empty()).then(|| did.join("; ")))
}

/// Git settings that keep `git status`, `git add` and `git commit` fast with hundreds of
/// thousands of ticket files, and that every git since 2.x reads: the untracked cache
/// (git remembers which folders had no new files) and index version 4 (paths
/// prefix-compressed: a third of the size at a million tickets). Not set: `fsmonitor`
/// (needs a daemon, or Watchman, on Linux) and `index.skipHash` (which
/// `feature.manyFiles` sets, and which older git and libgit2 cannot read). A setting the
/// user made is left as it is.
const SCALE_SETTINGS: [(&str, &str); 2] = [("core.untrackedCache", "true"), ("index.version", "4")];

/// Whether a git config file sets `section.key` (either spelling of the case).
fn config_has(config: &str, key: &str) -> bool {
    let Some((section, name)) = key.split_once('.') else {
        return false;
    };
    let mut inside = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .eq_ignore_ascii_case(section);
        } else if inside
            && line
                .split('=')
                .next()
                .is_some_and(|k| k.trim().eq_ignore_ascii_case(name))
        {
            return true;
        }
    }
    false
}

/// The `driver = ...` line of `[merge "desk"]` in a git config file.
fn driver_in(config: &str) -> Option<&str> {
    let mut inside = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line.replace(' ', "") == "[merge\"desk\"]";
        } else if inside && let Some(v) = line.strip_prefix("driver") {
            return Some(v.trim_start().trim_start_matches('=').trim());
        }
    }
    None
}

fn git_output(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// This machine's name, as `[helpdesk] sends_from` names the clone that sends;
/// `DESK_HOST` overrides it (containers, tests).
pub fn host_name() -> String {
    std::env::var("DESK_HOST")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| {
            rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned()
        })
}

/// What `desk sync` did.
#[derive(Debug, Default)]
pub struct Synced {
    /// The commit message of what this clone had changed, if anything.
    pub committed: Option<String>,
    /// Files of the helpdesk that the pull changed.
    pub arrived: Vec<String>,
    /// How many times the push was refused because the remote moved meanwhile.
    pub retries: usize,
}

/// How often `desk sync` pulls again after a refused push.
const PUSH_TRIES: usize = 5;

/// `desk sync`: commits what changed in the helpdesk (a message that says what), pulls
/// with desk's merge driver, and pushes; a push refused because the remote moved on is
/// pulled and pushed again.
pub fn sync(root: &Path) -> Result<Synced> {
    if git_dir(root).is_none() {
        return Err(Error::invalid(format!(
            "{} is not in a git work tree: `git init` (or clone) it first",
            root.display()
        )));
    }
    ensure_driver(root)?;
    let mut out = Synced::default();
    git(root, &["add", "-A", "--", "."])?;
    let staged =
        git_output(root, &["diff", "--cached", "--name-only", "--", "."]).unwrap_or_default();
    if !staged.trim().is_empty() {
        let message = commit_message(&staged);
        git(root, &["commit", "-q", "-m", &message])?;
        out.committed = Some(message);
    }
    let has_remote = git_output(root, &["remote"]).is_some_and(|r| !r.trim().is_empty());
    if !has_remote {
        return Ok(out);
    }
    let before = git_output(root, &["rev-parse", "HEAD"]).unwrap_or_default();
    loop {
        if let Err(e) = git(root, &["pull", "-q", "--no-rebase", "--no-edit"]) {
            // A ticket deleted on one side and changed on the other is the one conflict
            // git settles before any merge driver runs: desk settles it.
            settle_deletions(root).map_err(|_| e)?;
        }
        let push = Command::new("git")
            .args(["push", "-q"])
            .current_dir(root)
            .output()
            .map_err(|e| Error::io("git", e))?;
        if push.status.success() {
            break;
        }
        out.retries += 1;
        if out.retries >= PUSH_TRIES {
            return Err(Error::invalid(format!(
                "git push was refused {PUSH_TRIES} times: {}",
                String::from_utf8_lossy(&push.stderr).trim()
            )));
        }
    }
    let range = format!("{before}..HEAD");
    let changed = git_output(root, &["diff", "--name-only", &range, "--", "."]).unwrap_or_default();
    // What the pull changed in our files, after our own commit: theirs, and merges.
    out.arrived = changed.lines().map(str::to_string).collect();
    Ok(out)
}

/// Settles a pull that stopped on tickets or customers deleted on one side and changed
/// on the other: the changed file stays when that side added messages (a customer's
/// reply is never lost); otherwise the deletion stands. Any other conflict is left to
/// the person, with an error naming it.
fn settle_deletions(root: &Path) -> Result<()> {
    // Paths below are the repository's, from its top.
    let top = git_output(root, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .unwrap_or_else(|| root.to_path_buf());
    let root = top.as_path();
    let unmerged =
        git_output(root, &["diff", "--name-only", "--diff-filter=U"]).unwrap_or_default();
    if unmerged.trim().is_empty() {
        return Err(Error::invalid("git pull failed".to_string()));
    }
    for path in unmerged.lines() {
        let stage = |n: u8| git_output(root, &["show", &format!(":{n}:{path}")]);
        let (base, ours, theirs) = (stage(1), stage(2), stage(3));
        let desk_file = kind_of(path).is_some();
        let kept = match (&ours, &theirs) {
            (Some(kept), None) | (None, Some(kept)) if desk_file => kept.clone(),
            _ => {
                return Err(Error::invalid(format!(
                    "merge conflict in {path}: resolve it with git, commit, and run `desk sync` again"
                )));
            }
        };
        if keeps_changed(base.as_deref(), &kept) {
            std::fs::write(root.join(path), kept.as_bytes()).map_err(|e| Error::io(path, e))?;
            git(root, &["add", "--", path])?;
        } else {
            git(root, &["rm", "-q", "--", path])?;
        }
    }
    git(root, &["commit", "-q", "--no-edit"])
}

/// Whether a file changed on one side should outlive its deletion on the other: a
/// ticket that gained messages since the common ancestor does.
pub fn keeps_changed(base: Option<&str>, changed: &str) -> bool {
    let messages = |text: &str| Ticket::from_json(text).map(|t| t.messages.len()).ok();
    match (base.and_then(messages), messages(changed)) {
        (Some(before), Some(after)) => after > before,
        // A customer file, or no ancestor to compare with: keep what someone changed.
        _ => true,
    }
}

/// A commit message that says what desk changed: `desk: 3 tickets (06fj..., ...), 1 mail`.
fn commit_message(files: &str) -> String {
    let mut tickets = Vec::new();
    let (mut customers, mut mail, mut other) = (0, 0, 0);
    for f in files.lines() {
        if let Some(id) = f
            .strip_prefix("tickets/")
            .and_then(|n| n.strip_suffix(".json"))
        {
            tickets.push(id);
        } else if f.starts_with("customers/") {
            customers += 1;
        } else if f.starts_with("outbox/") {
            mail += 1;
        } else {
            other += 1;
        }
    }
    let mut parts = Vec::new();
    if !tickets.is_empty() {
        let shown: Vec<&str> = tickets.iter().take(5).copied().collect();
        let more = if tickets.len() > 5 { ", ..." } else { "" };
        parts.push(format!(
            "{} ({}{more})",
            crate::output::plural(tickets.len(), "ticket"),
            shown.join(", ")
        ));
    }
    for (n, what) in [
        (customers, "customer"),
        (mail, "mail"),
        (other, "other file"),
    ] {
        if n > 0 {
            parts.push(crate::output::plural(n, what));
        }
    }
    format!("desk: {}", parts.join(", "))
}

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| Error::io("git", e))?;
    if out.status.success() {
        Ok(())
    } else {
        let said = String::from_utf8_lossy(&out.stderr);
        let said = said
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        Err(Error::invalid(format!(
            "git {} failed: {said}",
            args.join(" ")
        )))
    }
}

/// What kind of file git asks desk to merge, from its path in the repository.
enum Kind {
    Ticket,
    Customer,
}

fn kind_of(path: &str) -> Option<Kind> {
    let p = Path::new(path);
    let parent = p.parent()?.file_name()?.to_str()?;
    if p.extension().and_then(|e| e.to_str()) != Some("json") {
        return None;
    }
    match parent {
        "tickets" => Some(Kind::Ticket),
        "customers" => Some(Kind::Customer),
        _ => None,
    }
}

/// git's merge driver: merges `theirs` into `ours` (the file git will keep), with `base`
/// their common ancestor (empty when both added the file). `path` is the file's place in
/// the repository. Invalid input is an error and leaves `ours` as it was.
pub fn merge_file(base: &Path, ours: &Path, theirs: &Path, path: &str) -> Result<()> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| Error::io(p, e));
    let (b, o, t) = (read(base)?, read(ours)?, read(theirs)?);
    let corrupt = |p: &Path, m: String| Error::Corrupt {
        path: p.to_path_buf(),
        message: format!("{m} (merging {path})"),
    };
    let merged = match kind_of(path) {
        Some(Kind::Ticket) => {
            let parse = |text: &str, p: &Path| Ticket::from_json(text).map_err(|m| corrupt(p, m));
            let base = if b.trim().is_empty() {
                None
            } else {
                Some(parse(&b, base)?)
            };
            let (ours_t, theirs_t) = (parse(&o, ours)?, parse(&t, theirs)?);
            let mut m = merge::tickets(base.as_ref(), &ours_t, &theirs_t);
            // When one side already measured the SLA on the merged timeline, its targets
            // stand; only a timeline both sides added to is measured again (which needs
            // the rules, and costs more than the merge).
            let inputs = Measured::of(&m);
            if inputs != Measured::of(&ours_t) && inputs != Measured::of(&theirs_t) {
                remeasure(&mut m);
            }
            m.to_json().map_err(Error::invalid)?
        }
        Some(Kind::Customer) => {
            let parse = |text: &str, p: &Path| {
                serde_json::from_str::<Customer>(text).map_err(|e| corrupt(p, e.to_string()))
            };
            let base = if b.trim().is_empty() {
                None
            } else {
                Some(parse(&b, base)?)
            };
            merge::customers(base.as_ref(), &parse(&o, ours)?, &parse(&t, theirs)?)
                .to_json()
                .map_err(Error::invalid)?
        }
        None => {
            return Err(Error::invalid(format!(
                "{path}: desk merges only tickets/*.json and customers/*.json"
            )));
        }
    };
    // git keeps the result itself and owns its durability: a plain write, no fsync.
    std::fs::write(ours, merged.as_bytes()).map_err(|e| Error::io(ours, e))
}

/// Measures the merged ticket's SLA again from its merged timeline, when the helpdesk
/// (git runs the driver at the work tree's root) and its rules can be read.
fn remeasure(t: &mut Ticket) {
    let Ok(hd) = crate::helpdesk::Helpdesk::open(Path::new("."), None, None) else {
        return;
    };
    let Ok(rules) = hd.rules() else { return };
    let customer = t
        .requester
        .as_deref()
        .and_then(|r| hd.store.load_customer(r).ok().flatten());
    crate::time::sla::refresh(
        t,
        &rules,
        &hd.settings,
        customer.as_ref(),
        t.updated_at,
        &mut Default::default(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_ticket_stays_deleted_unless_the_other_side_added_messages() {
        let base = r#"{"id":"06fjw8g00aaaaa","subject":"x","type":"ticket","status":"new","priority":"normal","department":null,"assignee":null,"requester":null,"shop":null,"channel":"email","tags":[],"fields":{},"created_at":"2026-11-24T09:00:00Z","updated_at":"2026-11-24T09:00:00Z","snoozed_until":null,"sla":null,"messages":[],"history":[]}"#;
        let tagged = base.replace(r#""tags":[]"#, r#""tags":["spam"]"#);
        let replied = base.replace(
            r#""messages":[]"#,
            r#""messages":[{"at":"2026-11-24T10:00:00Z","author":"customer:a@b.no","kind":"customer","body":"Still there?"}]"#,
        );
        assert!(
            !keeps_changed(Some(base), &tagged),
            "a tag does not undo a deletion"
        );
        assert!(
            keeps_changed(Some(base), &replied),
            "a customer's reply is kept"
        );
        assert!(keeps_changed(None, &tagged));
    }

    #[test]
    fn finds_the_driver_line() {
        let cfg = "[core]\n\tbare = false\n[merge \"desk\"]\n\tname = x\n\tdriver = '/bin/desk' merge-file %O %A %B %P\n";
        assert_eq!(driver_in(cfg), Some("'/bin/desk' merge-file %O %A %B %P"));
        assert_eq!(driver_in("[merge \"other\"]\n\tdriver = y\n"), None);
    }
}
