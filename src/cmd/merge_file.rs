//! `desk merge-file`: git's merge driver for ticket and customer files.

use std::path::PathBuf;

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;

/// Merge a ticket or customer file three ways, field by field (git's merge driver)
///
/// git runs it as `desk merge-file %O %A %B %P` for the files `.gitattributes` marks
/// `merge=desk`; desk configures that in each clone by itself. It writes the merge into
/// OURS and never leaves conflict markers: where both sides changed one value, the later
/// change is kept and the ticket's history says so. Invalid JSON exits 1 and leaves OURS
/// as it was.
#[derive(Debug, Args)]
pub struct MergeFileArgs {
    /// The common ancestor (git's %O; empty when both sides added the file)
    pub base: PathBuf,
    /// This side, where the result is written (git's %A)
    pub ours: PathBuf,
    /// The other side (git's %B)
    pub theirs: PathBuf,
    /// The file's path in the repository (git's %P), e.g. tickets/06fjw8g00aaaaa.json
    pub path: String,
}

pub fn run(_ctx: &Ctx, args: MergeFileArgs) -> Result<()> {
    crate::git::merge_file(&args.base, &args.ours, &args.theirs, &args.path)
}
