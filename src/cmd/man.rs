//! `desk man`: the manual page.

use clap::{Args, CommandFactory};

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::output::print;

/// Print the manual page (roff), as committed in man/desk.1
#[derive(Debug, Args)]
pub struct ManArgs {}

/// The roff text of desk(1).
pub fn generate() -> Result<String> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| Error::invalid(e.to_string()))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub fn run(_args: ManArgs) -> Result<()> {
    print(&generate()?)
}
