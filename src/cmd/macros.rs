//! `desk macro`: apply a `[[macro]]` of rules.toml to tickets, as the acting agent.

use clap::Args;

use crate::cli::Ctx;
use crate::error::Result;

/// Apply a macro of rules.toml to tickets, as the acting agent (--as)
#[derive(Debug, Args)]
pub struct MacroArgs {
    /// The macro: a `[[macro]]` of rules.toml (`desk rules list` lists them)
    pub name: String,

    /// The tickets: IDs or unique prefixes of at least 4 characters. Nothing changes
    /// unless the macro can be applied to every one
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

pub fn run(ctx: &Ctx, args: MacroArgs) -> Result<()> {
    let hd = ctx.helpdesk()?;
    let run = hd.apply_macro(&args.name, &args.ids)?;
    for outcome in &run.outcomes {
        super::report(ctx, outcome, &format!("applied macro `{}` to", args.name));
        if run.replies {
            super::warn_unmailed(ctx, outcome);
        }
    }
    Ok(())
}
