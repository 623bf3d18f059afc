//! `desk set`: change fields and tags of a ticket.

use clap::Args;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::helpdesk::event;

/// Change fields (FIELD=VALUE, an empty value clears), tags (+TAG, -TAG) and followers
/// (+cc:ADDR, -cc:ADDR)
///
/// Fields: subject, status, type, priority, department, assignee, requester, shop,
/// channel, fields.NAME. Values are checked against desk.toml. Followers are copied on
/// public replies to the requester.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,

    /// FIELD=VALUE, +TAG, -TAG, +cc:ADDR or -cc:ADDR
    #[arg(required = true, value_name = "CHANGE")]
    pub changes: Vec<String>,
}

enum Change<'a> {
    Set(&'a str, &'a str),
    Add(&'a str),
    Remove(&'a str),
    AddCc(&'a str),
    RemoveCc(&'a str),
}

fn parse(c: &str) -> Result<Change<'_>> {
    if let Some(a) = c.strip_prefix("+cc:") {
        Ok(Change::AddCc(a))
    } else if let Some(a) = c.strip_prefix("-cc:") {
        Ok(Change::RemoveCc(a))
    } else if let Some((k, v)) = c.split_once('=') {
        Ok(Change::Set(k.trim(), v))
    } else if let Some(t) = c.strip_prefix('+') {
        Ok(Change::Add(t))
    } else if let Some(t) = c.strip_prefix('-') {
        Ok(Change::Remove(t))
    } else {
        Err(Error::Usage(format!(
            "`{c}`: use FIELD=VALUE, +TAG, -TAG, +cc:ADDR or -cc:ADDR"
        )))
    }
}

pub fn run(ctx: &Ctx, args: SetArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    // Parse everything first: one bad change leaves the ticket untouched.
    let changes = args
        .changes
        .iter()
        .map(|c| parse(c))
        .collect::<Result<Vec<_>>>()?;
    let outcome = hd.update(&args.id, event::UPDATED, |e| {
        for c in &changes {
            match c {
                Change::Set(k, v) => e.set(k, v)?,
                Change::Add(t) => e.add_tag(t)?,
                Change::Remove(t) => e.remove_tag(t)?,
                Change::AddCc(a) => e.add_cc(a)?,
                Change::RemoveCc(a) => e.remove_cc(a)?,
            }
        }
        Ok(())
    })?;
    super::report(ctx, &outcome, "updated");
    Ok(())
}
