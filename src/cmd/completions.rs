//! `desk completions`: shell completion scripts.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::Result;
use crate::output::print;

/// Print a completion script for a shell
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    pub shell: Shell,
}

/// The completion script for `shell`, as committed under completions/.
pub fn generate(shell: Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "desk", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn run(args: CompletionsArgs) -> Result<()> {
    print(&generate(args.shell))
}
