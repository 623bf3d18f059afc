//! The command-line tree and dispatch. Each subcommand lives in `cmd/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cmd;
use crate::error::Result;
use crate::helpdesk::Helpdesk;
use crate::output::{ColorChoice, Out};

/// The heading of the options every command takes.
pub const GLOBAL: &str = "Global options";

/// A rule-driven helpdesk in a directory: JSON tickets, TOML rules, cron-driven time rules
///
/// desk keeps a helpdesk in a directory that you can put under git: tickets are JSON
/// files, settings and rules are TOML, and every change is recorded in the ticket's
/// history with who made it and why. Agents work from the shell (desk list, show,
/// reply, set, assign); mail, web forms and chat come in through desk ingest; rules in
/// rules.toml route, prioritise, assign and answer tickets as they arrive and change;
/// cron runs desk tick every minute for snoozes, SLA targets, time rules and recurring
/// tickets; desk outbox send delivers the mail that changes queued. Other programs read
/// --format json, jsonl, csv or ids.
///
/// A command works in the helpdesk of the current directory or its nearest parent
/// holding desk.toml, or of -C DIR.
#[derive(Debug, Parser)]
#[command(name = "desk", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)
    #[arg(
        short = 'C',
        long = "dir",
        global = true,
        value_name = "DIR",
        env = "DESK_DIR",
        hide_env_values = true,
        help_heading = GLOBAL
    )]
    pub chdir: Option<PathBuf>,

    /// Act as this agent: the actor recorded in history for manual changes [default: system]
    #[arg(
        long = "as",
        global = true,
        value_name = "AGENT",
        env = "DESK_AGENT",
        hide_env_values = true,
        help_heading = GLOBAL
    )]
    pub actor: Option<String>,

    /// Pin the clock to this instant (RFC 3339), for tests and what-if runs
    #[arg(
        long,
        global = true,
        value_name = "TIME",
        env = "DESK_NOW",
        hide_env_values = true,
        help_heading = GLOBAL
    )]
    pub now: Option<String>,

    /// When to use color (NO_COLOR turns it off)
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorChoice::Auto,
        value_name = "WHEN",
        help_heading = GLOBAL
    )]
    pub color: ColorChoice,

    /// Print no status messages, only data and errors
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(cmd::init::InitArgs),
    New(cmd::new::NewArgs),
    List(cmd::list::ListArgs),
    Show(cmd::show::ShowArgs),
    Reply(cmd::reply::ReplyArgs),
    Note(cmd::note::NoteArgs),
    Macro(cmd::macros::MacroArgs),
    Merge(cmd::merge::MergeArgs),
    Set(cmd::set::SetArgs),
    Assign(cmd::assign::AssignArgs),
    Transfer(cmd::transfer::TransferArgs),
    Snooze(cmd::snooze::SnoozeArgs),
    /// Mark a ticket solved (a status of category solved; SLA targets stop)
    Solve(cmd::status::StatusArgs),
    /// Close a ticket (a status of category closed)
    Close(cmd::status::StatusArgs),
    /// Reopen a solved or closed ticket (status open; SLA targets resume)
    Reopen(cmd::status::StatusArgs),
    Customer(cmd::customer::CustomerArgs),
    Tick(cmd::tick::TickArgs),
    Ingest(cmd::ingest::IngestArgs),
    Import(cmd::import::ImportArgs),
    Outbox(cmd::outbox::OutboxArgs),
    Report(cmd::report::ReportArgs),
    Rules(cmd::rules::RulesArgs),
    Sync(cmd::sync::SyncArgs),
    MergeFile(cmd::merge_file::MergeFileArgs),
    Completions(cmd::completions::CompletionsArgs),
    Man(cmd::man::ManArgs),
    /// Print the completion candidates of one kind (what the shell scripts ask for)
    #[command(name = "__complete", hide = true)]
    Complete(cmd::completions::CompleteArgs),
}

/// What every command gets: the global options and the output settings.
pub struct Ctx {
    pub dir: PathBuf,
    pub actor: Option<String>,
    pub now: Option<String>,
    pub out: Out,
}

impl Ctx {
    /// Opens the helpdesk the command runs in.
    /// In a git work tree it also makes sure this clone merges tickets with desk's
    /// merge driver, and says so when it had to set that up.
    pub fn helpdesk(&self) -> Result<Helpdesk> {
        let hd = Helpdesk::open(&self.dir, self.now.as_deref(), self.actor.as_deref())?;
        match crate::git::ensure_driver(hd.store.root()) {
            Ok(Some(did)) => self.out.status(did),
            Ok(None) => {}
            Err(e) => self.out.warn(format!("desk's git merge driver: {e}")),
        }
        Ok(hd)
    }

    pub fn start_dir(&self) -> &Path {
        &self.dir
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        dir: cli.chdir.unwrap_or_else(|| PathBuf::from(".")),
        actor: cli.actor,
        now: cli.now,
        out: Out::new(cli.color, cli.quiet),
    };
    use cmd::status::Target;
    match cli.command {
        Command::Init(a) => cmd::init::run(&ctx, a),
        Command::New(a) => cmd::new::run(&ctx, a),
        Command::List(a) => cmd::list::run(&ctx, a),
        Command::Show(a) => cmd::show::run(&ctx, a),
        Command::Reply(a) => cmd::reply::run(&ctx, a),
        Command::Note(a) => cmd::note::run(&ctx, a),
        Command::Macro(a) => cmd::macros::run(&ctx, a),
        Command::Merge(a) => cmd::merge::run(&ctx, a),
        Command::Set(a) => cmd::set::run(&ctx, a),
        Command::Assign(a) => cmd::assign::run(&ctx, a),
        Command::Transfer(a) => cmd::transfer::run(&ctx, a),
        Command::Snooze(a) => cmd::snooze::run(&ctx, a),
        Command::Customer(a) => cmd::customer::run(&ctx, a),
        Command::Solve(a) => cmd::status::run(&ctx, a, Target::Solve),
        Command::Close(a) => cmd::status::run(&ctx, a, Target::Close),
        Command::Reopen(a) => cmd::status::run(&ctx, a, Target::Reopen),
        Command::Tick(a) => cmd::tick::run(&ctx, a),
        Command::Ingest(a) => cmd::ingest::run(&ctx, a),
        Command::Import(a) => cmd::import::run(&ctx, a),
        Command::Outbox(a) => cmd::outbox::run(&ctx, a),
        Command::Report(a) => cmd::report::run(&ctx, a),
        Command::Rules(a) => cmd::rules::run(&ctx, a),
        Command::Sync(a) => cmd::sync::run(&ctx, a),
        Command::MergeFile(a) => cmd::merge_file::run(&ctx, a),
        Command::Completions(a) => cmd::completions::run(a),
        Command::Man(a) => cmd::man::run(&ctx, a),
        Command::Complete(a) => cmd::completions::run_complete(&ctx, a),
    }
}

/// Options that take a value, whose value must not be taken for a `-TAG`.
const VALUE_OPTIONS: [&str; 10] = [
    "-C", "--dir", "--as", "--now", "--color", "--sort", "--view", "--format", "--limit", "--until",
];

/// `desk list -vip` and `desk set ID -vip` remove a tag (and `-cc:ADDR` a follower), but
/// clap would read `-vip` as flags. Such words are moved behind `--`, where clap takes them as plain values.
pub fn move_tag_removals(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::with_capacity(args.len() + 1);
    let mut tags = Vec::new();
    // The subcommand's own one-letter flags, which stay flags (`-a` is `list --all`).
    let mut sub: Option<&str> = None;
    let mut iter = args.into_iter().enumerate().peekable();
    let mut skip_value = false;
    let mut rest = Vec::new();
    while let Some((i, a)) = iter.next() {
        if i == 0 {
            out.push(a);
            continue;
        }
        let Some(s) = a.to_str() else {
            out.push(a);
            continue;
        };
        if s == "--" {
            rest.push(a);
            rest.extend(iter.by_ref().map(|(_, a)| a));
            break;
        }
        if skip_value {
            skip_value = false;
            out.push(a);
            continue;
        }
        if VALUE_OPTIONS.contains(&s) {
            skip_value = true;
            out.push(a);
            continue;
        }
        match sub {
            None if !s.starts_with('-') => {
                sub = Some(match s {
                    "list" => "aqh",
                    "set" => "qh",
                    _ => "",
                });
                out.push(a);
            }
            Some(flags) if !flags.is_empty() && is_tag_removal(s, flags) => tags.push(a),
            _ => out.push(a),
        }
    }
    if tags.is_empty() {
        out.extend(rest);
        return out;
    }
    if rest.is_empty() {
        out.push("--".into());
    }
    out.extend(rest);
    out.extend(tags);
    out
}

/// `-vip` and `-cc:ADDR` but not `-a`, `-q`, `-aq` (flags), `-C...` (a directory) or
/// `--long`.
fn is_tag_removal(s: &str, flags: &str) -> bool {
    let Some(word) = s.strip_prefix('-') else {
        return false;
    };
    if word.strip_prefix("cc:").is_some_and(|a| !a.is_empty()) {
        return true;
    }
    !word.is_empty()
        && !word.starts_with('-')
        && !word.starts_with('C')
        && !word.chars().all(|c| flags.contains(c))
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Parses the command line, runs the command, and turns the outcome into an exit status:
/// 0 success, 1 failure, 2 a usage error, 75 (EX_TEMPFAIL) when another run holds the
/// lock or the configuration is broken under `ingest`. Every error goes through
/// [`crate::error::print_error`], so all of them read `desk: MESSAGE`.
pub fn run() -> ExitCode {
    if cmd::completions::answer_shell() {
        return ExitCode::SUCCESS;
    }
    let cli = match Cli::try_parse_from(move_tag_removals(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e),
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // `lines` splits at LF and CRLF; a lone CR or any other control character
            // from input is escaped, so one error is one line on the terminal. A broken
            // configuration prints one `desk: FILE:LINE:COLUMN: MESSAGE` per mistake.
            crate::error::print_error(&e.to_string());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Help and version go to stdout and succeed; a usage error is printed as every other
/// error, `desk: MESSAGE`, with clap's usage line and hints below it, and exits 2.
fn clap_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // A closed pipe is not an error.
            let _ = e.print();
        }
        _ => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
            crate::error::print_error(first);
            eprint!("{rest}");
        }
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every subcommand's path and the arguments in it that have no help line.
    fn missing_help(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        if cmd.get_about().is_none() && !cmd.is_hide_set() {
            out.push(format!("`{path}` (the command itself)"));
        }
        for a in cmd.get_arguments() {
            let builtin = matches!(a.get_id().as_str(), "help" | "version");
            if !builtin && !a.is_hide_set() && a.get_help().is_none() {
                out.push(format!("`{path}` argument `{}`", a.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            missing_help(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_argument_and_command_has_help() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        missing_help(&cmd, "desk", &mut missing);
        assert!(
            missing.is_empty(),
            "without a help line (add a doc comment):\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
