//! The configuration in compiled form, `.desk/cache/config.bin`: desk.toml's settings
//! and views and rules.toml's rules as read and checked, so a command reads one file
//! instead of parsing and checking the TOML again. Parsing was two of the ten
//! milliseconds of a `desk new`.
//!
//! It is used only when made by this very desk binary (the executable's size, time and
//! inode) from the same bytes of desk.toml, rules.toml and every template the rules
//! name (by hash); anything else, or a file that cannot be read, and the configuration
//! is read from its files, which report any error at its place as always. Like the rest
//! of `.desk/`, it is local and rebuilt on demand.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Settings;
use crate::rules::ruleset::RuleSet;
use crate::rules::view::View;
use crate::source::{Source, hash};
use crate::store::cache::Stamp;

/// Bumped when the layout of the file itself changes.
const FORMAT: u32 = 1;

/// What the compiled form is valid for: read and compared before the rest is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    format: u32,
    exe: Stamp,
    desk: u64,
}

#[derive(Deserialize)]
struct Body {
    settings: Settings,
    views: Vec<View>,
    rules: Option<Rules>,
}

#[derive(Serialize)]
struct BodyRef<'a> {
    settings: &'a Settings,
    views: &'a [View],
    rules: Option<&'a Rules>,
}

/// The rules, for the rules.toml whose bytes hash to `text` (the templates' hashes are
/// in `set.templates.hashes`).
#[derive(Clone, Serialize, Deserialize)]
struct Rules {
    text: u64,
    set: RuleSet,
}

/// Where an open helpdesk's configuration came from, and what is needed to keep its
/// compiled form.
pub struct Compiled {
    root: PathBuf,
    file: PathBuf,
    /// `None` when this desk binary cannot be identified: nothing is compiled then.
    header: Option<Header>,
    rules: RefCell<Option<Rules>>,
}

/// With `DESK_CACHE_TRACE` set, says on stderr where the configuration came from.
fn trace(what: &str) {
    if std::env::var_os("DESK_CACHE_TRACE").is_some() {
        eprintln!("desk: config: {what}");
    }
}

/// The compiled form in `file`, if it was made under `header`; else why not.
fn read(file: &Path, header: Header) -> std::result::Result<Body, &'static str> {
    let bytes = std::fs::read(file).map_err(|_| "no compiled form yet")?;
    let unreadable = "the compiled form cannot be read";
    let (found, rest) = postcard::take_from_bytes::<Header>(&bytes).map_err(|_| unreadable)?;
    if found != header {
        return Err("the compiled form is of another desk.toml or desk binary");
    }
    postcard::from_bytes::<Body>(rest).map_err(|_| unreadable)
}

impl Compiled {
    /// desk.toml's settings and views, for the helpdesk at `root` with local state in
    /// `local` (`.desk/`).
    pub fn open(root: &Path, local: &Path) -> Result<(Settings, Vec<View>, Compiled)> {
        let path = root.join("desk.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let file = local.join("cache").join("config.bin");
        let header = std::env::current_exe()
            .ok()
            .and_then(|exe| Stamp::of_path(&exe))
            .map(|exe| Header {
                format: FORMAT,
                exe,
                desk: hash(text.as_bytes()),
            });
        let compiled = match header {
            Some(h) => read(&file, h),
            None => Err("this desk binary cannot be identified"),
        };
        let (settings, views, rules) = match compiled {
            Ok(b) => {
                trace("desk.toml compiled");
                (b.settings, b.views, b.rules)
            }
            Err(why) => {
                trace(&format!("read desk.toml ({why})"));
                // Settings and views come from one parse of the file.
                let source = Source::new("desk.toml", text);
                let settings = Settings::parse(&source).map_err(Error::Config)?;
                let views = crate::rules::view::parse(&source, &settings).map_err(Error::Config)?;
                (settings, views, None)
            }
        };
        let compiled = Compiled {
            root: root.to_path_buf(),
            file,
            header,
            rules: RefCell::new(rules),
        };
        Ok((settings, views, compiled))
    }

    /// rules.toml (absent: no rules) and the templates it names, checked against the
    /// settings: compiled if they are unchanged, else read, and compiled with `settings`
    /// and `views` for next time.
    pub fn rules(&self, settings: &Settings, views: &[View]) -> Result<RuleSet> {
        let path = self.root.join("rules.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RuleSet::default()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let text_hash = hash(text.as_bytes());
        if let Some(r) = self.rules.borrow().as_ref()
            && r.text == text_hash
        {
            let mut set = r.set.clone();
            set.templates = std::mem::take(&mut set.templates).moved_to(&self.root);
            if set.templates.unchanged() {
                trace("rules.toml compiled");
                return Ok(set);
            }
            trace("read rules.toml (a template changed)");
        } else {
            trace("read rules.toml");
        }
        let set = RuleSet::from_text(&self.root, text, settings)?;
        let rules = Rules {
            text: text_hash,
            set,
        };
        self.keep(settings, views, &rules);
        let set = rules.set.clone();
        *self.rules.borrow_mut() = Some(rules);
        Ok(set)
    }

    /// Writes the compiled form; a failure only means the next command reads the files.
    fn keep(&self, settings: &Settings, views: &[View], rules: &Rules) {
        let Some(header) = self.header else {
            return;
        };
        let body = BodyRef {
            settings,
            views,
            rules: Some(rules),
        };
        let Ok(mut bytes) = postcard::to_stdvec(&header) else {
            return;
        };
        if postcard::to_io(&body, &mut bytes).is_err() {
            return;
        }
        // Its folder is made as the store makes its own: never through a symbolic link.
        if let Some(dir) = self.file.parent()
            && crate::store::atomic::ensure_dir(dir).is_ok()
        {
            let _ = crate::store::atomic::replace_unsynced(&self.file, &bytes);
        }
    }
}
