//! `desk init`: create a helpdesk directory.

use std::path::PathBuf;

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;
use crate::init::create;

/// Create a helpdesk: desk.toml, rules.toml, templates and the directories for
/// tickets, customers, scripts and outgoing mail
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create it [default: the current directory]
    pub dir: Option<PathBuf>,

    /// Start from a worked example instead of the defaults (available: shop)
    #[arg(long, value_name = "NAME")]
    pub example: Option<String>,
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<()> {
    let target = match &args.dir {
        Some(d) => ctx.start_dir().join(d),
        None => ctx.start_dir().to_path_buf(),
    };
    create(&target, args.example.as_deref())?;
    // In a git work tree already: the merge driver and the settings for many files now.
    match crate::git::ensure_driver(&target) {
        Ok(Some(did)) => ctx.out.status(did),
        Ok(None) => {}
        Err(e) => ctx.out.warn(format!("desk's git merge driver: {e}")),
    }
    let shown = target.canonicalize().unwrap_or(target);
    match &args.example {
        Some(name) => ctx.out.status(format!(
            "Created the `{name}` example helpdesk in {}\nTry: desk -C {} list",
            shown.display(),
            shown.display()
        )),
        None => ctx.out.status(format!(
            "Created a helpdesk in {}\nNext: edit desk.toml, then `desk new -s \"First ticket\"`",
            shown.display()
        )),
    }
    Ok(())
}
