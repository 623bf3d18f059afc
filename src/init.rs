//! Creating a helpdesk directory, for `desk init`: desk.toml, rules.toml, templates and
//! the directories for tickets, customers, scripts and outgoing mail, from the
//! defaults built into the binary or from a bundled worked example.

use std::fs;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::{Error, Result};
use crate::store::atomic;

static DEFAULTS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/src/defaults");
static SHOP: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/examples/shop");

/// The worked examples `create` can start from.
pub const EXAMPLES: [&str; 1] = ["shop"];
const DIRS: [&str; 5] = ["tickets", "customers", "templates", "scripts", "outbox"];

/// The files to write, as (path relative to the helpdesk, contents).
fn plan(example: Option<&str>) -> Result<Vec<(PathBuf, &'static [u8])>> {
    let mut files: Vec<(PathBuf, &'static [u8])> = Vec::new();
    fn add_dir(d: &'static Dir<'static>, out: &mut Vec<(PathBuf, &'static [u8])>) {
        for f in d.files() {
            out.push((f.path().to_path_buf(), f.contents()));
        }
        for sub in d.dirs() {
            add_dir(sub, out);
        }
    }
    match example {
        None => {
            add_dir(&DEFAULTS, &mut files);
            for (from, to) in [
                ("gitignore", ".gitignore"),
                ("gitattributes", ".gitattributes"),
            ] {
                if let Some(f) = files.iter_mut().find(|(p, _)| p == Path::new(from)) {
                    f.0 = PathBuf::from(to);
                }
            }
        }
        Some("shop") => {
            add_dir(&SHOP, &mut files);
            for (name, contents) in [
                (".gitignore", "gitignore"),
                (".gitattributes", "gitattributes"),
            ] {
                if !files.iter().any(|(p, _)| p == Path::new(name))
                    && let Some(f) = DEFAULTS.get_file(contents)
                {
                    files.push((PathBuf::from(name), f.contents()));
                }
            }
        }
        Some(other) => {
            return Err(Error::invalid(crate::error::Problem::near(
                format!(
                    "unknown example `{other}` (available: {})",
                    EXAMPLES.join(", ")
                ),
                other,
                EXAMPLES,
            )));
        }
    }
    files.sort();
    Ok(files)
}

/// Creates a helpdesk at `target` from the defaults or a bundled example. Refuses, before
/// writing anything, if `target` is a helpdesk already or a file would be overwritten.
pub fn create(target: &Path, example: Option<&str>) -> Result<()> {
    if target.join("desk.toml").exists() {
        return Err(Error::invalid(format!(
            "{} is already a helpdesk (it has a desk.toml)",
            target.display()
        )));
    }
    // A helpdesk inside another would be found by neither the right commands nor git:
    // every command run in it would also be "inside" the outer one's folders.
    let absolute = std::path::absolute(target).map_err(|e| Error::io(target, e))?;
    if let Some(outer) = absolute
        .ancestors()
        .skip(1)
        .find(|a| a.join("desk.toml").is_file())
    {
        return Err(Error::invalid(format!(
            "{} is inside the helpdesk {}: make a new one outside it",
            absolute.display(),
            outer.display()
        )));
    }
    let files = plan(example)?;
    // Check everything before writing anything, so a refusal leaves no half-made helpdesk.
    for (rel, _) in &files {
        let p = target.join(rel);
        if p.exists() {
            return Err(Error::invalid(format!(
                "{} exists already; not overwriting it",
                p.display()
            )));
        }
    }
    fs::create_dir_all(target).map_err(|e| Error::io(target, e))?;
    for d in DIRS {
        let p = target.join(d);
        fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        // git keeps no empty directories; a clone should still have them.
        let keep = p.join(".gitkeep");
        if !keep.exists() {
            fs::write(&keep, b"").map_err(|e| Error::io(&keep, e))?;
        }
    }
    for (rel, contents) in &files {
        let p = target.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        atomic::create_new(&p, contents)?;
        // The binary keeps no file modes: scripts are made executable again.
        if rel.starts_with("scripts/") {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755))
                .map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}
