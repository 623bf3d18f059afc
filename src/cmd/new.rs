//! `desk new`: open a ticket by hand.

use clap::Args;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::helpdesk::NewTicket;
use crate::output::print;

/// Open a ticket; prints its ID alone, so `id=$(desk new ...)` works
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The subject
    #[arg(short, long)]
    pub subject: String,

    /// The first message (`-` reads standard input)
    #[arg(short, long, value_name = "BODY")]
    pub message: Option<String>,

    /// The customer's email address; their record is created on first contact
    #[arg(long, value_name = "EMAIL")]
    pub from: Option<String>,

    /// The customer's name, kept on their record
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// A follower, copied on public replies (repeatable)
    #[arg(long = "cc", value_name = "EMAIL")]
    pub cc: Vec<String>,

    /// How the ticket arrived [default: manual]
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,

    /// The shop it is about (from desk.toml's shops)
    #[arg(long, value_name = "SHOP")]
    pub shop: Option<String>,

    /// The ticket type [default: ticket]
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,

    /// The department to handle it [default: what the rules decide]
    #[arg(long, value_name = "DEPARTMENT")]
    pub department: Option<String>,

    /// low, normal, high or urgent [default: normal]
    #[arg(long, value_name = "PRIORITY")]
    pub priority: Option<String>,

    /// A tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// A custom field as NAME=VALUE (repeatable)
    #[arg(long = "field", value_name = "NAME=VALUE")]
    pub fields: Vec<String>,

    /// Print the new ticket as JSON instead of its ID
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: NewArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let body = match args.message {
        Some(m) if m == "-" => Some(super::read_body(Some(m), true, "message")?),
        other => other,
    };
    let fields = args
        .fields
        .iter()
        .map(|f| {
            f.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| Error::Usage(format!("--field `{f}`: use NAME=VALUE")))
        })
        .collect::<Result<Vec<_>>>()?;
    let outcome = hd.create(NewTicket {
        subject: args.subject,
        body,
        from: args.from,
        name: args.name,
        channel: args.channel,
        shop: args.shop,
        kind: args.kind,
        department: args.department,
        priority: args.priority,
        assignee: None,
        tags: args.tags,
        fields,
        cc: args.cc,
        ..NewTicket::default()
    })?;
    super::report_problems(ctx, &outcome);
    if outcome.deleted {
        ctx.out
            .status(format!("{}: deleted by the rules", outcome.ticket.id));
    }
    if args.json {
        print(&outcome.ticket.to_json().map_err(Error::invalid)?)
    } else {
        print(&format!("{}\n", outcome.ticket.id))
    }
}
