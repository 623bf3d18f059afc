//! `desk outbox list|send`: the mail waiting to go out, and sending it.

use clap::{Args, Subcommand};

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::mail::transport::{Sendmail, Smtp, Transport};
use crate::output::{self, Format, plural, print};

/// The mail waiting in outbox/, and sending it
#[derive(Debug, Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub command: OutboxCommand,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    List(ListArgs),
    Send(SendArgs),
}

/// List queued messages with their ticket, recipients, attempts and last error
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Send every queued message once; a failure stays queued with its error
///
/// Through sendmail (default `sendmail -t -i`, any sendmail-compatible program) or an
/// SMTP relay: `--smtp smtp://HOST:PORT` (STARTTLS when offered; required with
/// credentials; `?tls=required|opportunistic|none`) or `smtps://HOST:PORT`. Credentials
/// come from DESK_SMTP_USER and DESK_SMTP_PASSWORD. Exit status 75 when another send
/// is running, 1 when a message could not be sent.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// A sendmail-compatible command, given each message on standard input
    #[arg(long, value_name = "CMD", conflicts_with = "smtp")]
    pub sendmail: Option<String>,

    /// An SMTP relay: smtp://HOST:PORT or smtps://HOST:PORT
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,

    /// Print one JSON array of results
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: OutboxArgs) -> Result<()> {
    match args.command {
        OutboxCommand::List(a) => list(ctx, a),
        OutboxCommand::Send(a) => send(ctx, a),
    }
}

fn list(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let (rows, bad) = hd.outbox()?;
    for (file, e) in &bad {
        ctx.out.warn(format!("outbox/{file}: {e}"));
    }
    match args.format {
        Format::Json => print(&output::json(&rows)?),
        Format::Jsonl => print(&output::jsonl(&rows)?),
        Format::Ids => print(
            &rows
                .iter()
                .map(|r| format!("{}\n", r.file))
                .collect::<String>(),
        ),
        Format::Csv | Format::Table => {
            let tz = hd.settings.helpdesk.timezone;
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.file.trim_start_matches("outbox/").to_string(),
                        r.to.join(", "),
                        r.subject.clone().unwrap_or_default(),
                        r.queued_at
                            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default(),
                        r.attempts.to_string(),
                        r.error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            let headers = ["FILE", "TO", "SUBJECT", "QUEUED", "TRIES", "ERROR"];
            if args.format == Format::Csv {
                let lower: Vec<String> = headers.iter().map(|h| h.to_lowercase()).collect();
                let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
                print(&output::csv(&lower, &table)?)
            } else {
                if !table.is_empty() {
                    print(&ctx.out.render_table(&headers, &table))?;
                }
                ctx.out
                    .status(format!("{} queued", plural(rows.len(), "message")));
                Ok(())
            }
        }
    }
}

fn send(ctx: &Ctx, args: SendArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let mut transport: Box<dyn Transport> = match (&args.smtp, &args.sendmail) {
        (Some(url), _) => Box::new(Smtp::new(url).map_err(Error::Usage)?),
        (None, Some(cmd)) => Box::new(Sendmail::new(cmd).map_err(Error::Usage)?),
        (None, None) => Box::new(Sendmail::new("sendmail -t -i").map_err(Error::Usage)?),
    };
    let results = hd.send_outbox(transport.as_mut())?;
    let failed = results
        .iter()
        .filter(|r| r.result == "failed" || r.result == "held")
        .count();
    if args.json {
        print(&output::json(&results)?)?;
    } else {
        let mut s = String::new();
        for r in &results {
            match r.result {
                "failed" | "held" => ctx.out.warn(format!(
                    "{}: not sent: {}",
                    r.file,
                    r.error.as_deref().unwrap_or("")
                )),
                word => s.push_str(&format!("{word:<8} {}  to {}\n", r.file, r.to.join(", "))),
            }
        }
        print(&s)?;
    }
    let sent = results.iter().filter(|r| r.result == "sent").count();
    if !results.is_empty() {
        ctx.out.status(format!(
            "{} sent{}",
            plural(sent, "message"),
            if failed > 0 {
                format!(", {failed} failed (kept in outbox/ for the next send)")
            } else {
                String::new()
            }
        ));
    }
    if failed > 0 {
        return Err(Error::Partial(format!(
            "{} could not be sent",
            plural(failed, "message")
        )));
    }
    Ok(())
}
