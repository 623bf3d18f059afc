//! `desk assign`: give a ticket to an agent.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;
use crate::helpdesk::Assignee;

/// Assign a ticket to an agent, or with --auto to the least loaded agent of its
/// department who is not away
#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The ticket: its ID or a unique prefix of at least 4 characters
    pub id: String,

    /// The agent's ID (`-` unassigns)
    #[arg(
        required_unless_present = "auto",
        conflicts_with = "auto",
        allow_hyphen_values = true
    )]
    pub agent: Option<String>,

    /// Pick the agent of the ticket's department with the fewest open tickets
    #[arg(long)]
    pub auto: bool,
}

pub fn run(ctx: &Ctx, args: AssignArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let id = hd.store.resolve(&args.id)?;
    let who = match args.agent.as_deref() {
        _ if args.auto => Assignee::Auto,
        Some("-") | None => Assignee::Nobody,
        Some(a) => Assignee::Agent(a),
    };
    // An agent picked automatically is never away; one named may be.
    if let Assignee::Agent(a) = who
        && let Some(a) = hd.settings.agent(a)
        && a.away
    {
        ctx.out.warn(format!("agent `{}` is away", a.id));
    }
    let outcome = hd.assign(&id, who)?;
    if let (Some(a), Some(d)) = (&outcome.ticket.assignee, &outcome.ticket.department)
        && hd
            .settings
            .agent(a)
            .is_some_and(|ag| !ag.departments.contains(d))
    {
        ctx.out
            .warn(format!("agent `{a}` is not in department `{d}`"));
    }
    super::report(ctx, &outcome, "assigned");
    Ok(())
}
