//! `desk import csv`: bulk import of tickets from a CSV file.

use clap::{Args, Subcommand};

use crate::cli::Ctx;
use crate::error::{Error, Result};

/// Import tickets in bulk
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: ImportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    Csv(CsvArgs),
}

/// Import tickets from CSV with a header row
///
/// Columns: subject (required), id, body, from, name, channel (default import),
/// department, shop, type, priority, tags, status, assignee, created_at, and field.NAME
/// for custom fields. Every row is checked first: a bad row is named by its line and
/// nothing is imported. A re-run imports nothing twice.
#[derive(Debug, Args)]
pub struct CsvArgs {
    /// The CSV file (`-` reads standard input)
    #[arg(value_name = "FILE")]
    pub file: String,

    /// Print one JSON array of results instead of lines
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: ImportArgs) -> Result<()> {
    let ImportCommand::Csv(a) = args.command;
    let hd = ctx.helpdesk()?;
    let bytes = if a.file == "-" {
        super::read_stdin()?.into_bytes()
    } else {
        std::fs::read(&a.file).map_err(|e| Error::io(std::path::Path::new(&a.file), e))?
    };
    let mut printer = super::ingest::Printer::new(ctx, a.json);
    let ingested = hd.import_csv(&a.file, &bytes, &mut printer);
    printer.finish(ingested)
}
