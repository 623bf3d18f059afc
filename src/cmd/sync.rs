//! `desk sync`: commit, pull with desk's merge driver, push.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;
use crate::output::{plural, print};

/// Commit what changed in the helpdesk, pull (merging tickets field by field), push
///
/// The commit message says what changed (`desk: 2 tickets (06fj…, 06fk…), 1 mail`). A
/// push refused because the remote moved on is pulled and pushed again, up to 5 times.
/// Prints the files that arrived.
#[derive(Debug, Args)]
pub struct SyncArgs {}

pub fn run(ctx: &Ctx, _args: SyncArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let done = crate::git::sync(hd.store.root())?;
    if let Some(m) = &done.committed {
        ctx.out.status(format!("committed: {m}"));
    }
    let mut arrived = String::new();
    for f in &done.arrived {
        arrived.push_str(f);
        arrived.push('\n');
    }
    print(&arrived)?;
    ctx.out.status(format!(
        "synced: {} arrived{}",
        plural(done.arrived.len(), "file"),
        match done.retries {
            0 => String::new(),
            1 => " (pushed on the second try)".into(),
            n => format!(" (pushed after {n} refused pushes)"),
        }
    ));
    Ok(())
}
