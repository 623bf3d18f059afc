//! The command-line tree and dispatch. Each subcommand lives in `cmd/`.

use std::path::{Path, PathBuf};

use clap::{Args, FromArgMatches, Parser, Subcommand};

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
    #[command(flatten)]
    pub globals: Globals,

    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes.
#[derive(Debug, Args)]
pub struct Globals {
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

/// Adds a subcommand's arguments to it.
type Augment = fn(clap::Command) -> clap::Command;

/// Each subcommand's name and arguments (not its about text, which only help shows),
/// as the derive builds them: for [`parse`], which builds only the subcommand it runs.
const SUBCOMMANDS: [(&str, Augment); 27] = {
    use cmd::*;
    [
        ("init", init::InitArgs::augment_args),
        ("new", new::NewArgs::augment_args),
        ("list", list::ListArgs::augment_args),
        ("show", show::ShowArgs::augment_args),
        ("reply", reply::ReplyArgs::augment_args),
        ("note", note::NoteArgs::augment_args),
        ("macro", macros::MacroArgs::augment_args),
        ("merge", merge::MergeArgs::augment_args),
        ("set", set::SetArgs::augment_args),
        ("assign", assign::AssignArgs::augment_args),
        ("transfer", transfer::TransferArgs::augment_args),
        ("snooze", snooze::SnoozeArgs::augment_args),
        ("solve", status::StatusArgs::augment_args),
        ("close", status::StatusArgs::augment_args),
        ("reopen", status::StatusArgs::augment_args),
        ("customer", customer::CustomerArgs::augment_args),
        ("tick", tick::TickArgs::augment_args),
        ("ingest", ingest::IngestArgs::augment_args),
        ("import", import::ImportArgs::augment_args),
        ("outbox", outbox::OutboxArgs::augment_args),
        ("report", report::ReportArgs::augment_args),
        ("rules", rules::RulesArgs::augment_args),
        ("sync", sync::SyncArgs::augment_args),
        ("merge-file", merge_file::MergeFileArgs::augment_args),
        ("completions", completions::CompletionsArgs::augment_args),
        ("man", man::ManArgs::augment_args),
        ("__complete", completions::CompleteArgs::augment_args),
    ]
};

/// The subcommand's name: the first word that is not a global option or its value.
fn subcommand_name(args: &[std::ffi::OsString]) -> Option<&str> {
    let mut words = args.iter().skip(1);
    while let Some(w) = words.next() {
        match w.to_str()? {
            "-C" | "--dir" | "--as" | "--now" | "--color" => {
                words.next();
            }
            "-q" | "--quiet" => {}
            w if w.starts_with('-') => return None,
            w => return Some(w),
        }
    }
    None
}

/// Parses the command line. Building every subcommand's arguments took 0.3 ms of each
/// run, a tenth of a `desk new`: the arguments of the one subcommand named are built,
/// and parsed with the global options. Anything else (help, a mistake, a subcommand
/// not named plainly) is parsed again by the whole tree, so what is printed and what
/// is accepted stay the derive's.
pub fn parse(args: Vec<std::ffi::OsString>) -> std::result::Result<Cli, clap::Error> {
    if let Some(name) = subcommand_name(&args)
        && let Some(&(name, augment)) = SUBCOMMANDS.iter().find(|(n, _)| *n == name)
    {
        let cmd = Globals::augment_args(clap::Command::new("desk"))
            .subcommand(augment(clap::Command::new(name)));
        if let Ok(cli) = cmd
            .try_get_matches_from(&args)
            .and_then(|m| Cli::from_arg_matches(&m))
        {
            return Ok(cli);
        }
    }
    Cli::try_parse_from(args)
}

fn dispatch(cli: Cli) -> Result<()> {
    let g = cli.globals;
    let ctx = Ctx {
        dir: g.chdir.unwrap_or_else(|| PathBuf::from(".")),
        actor: g.actor,
        now: g.now,
        out: Out::new(g.color, g.quiet),
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
pub fn run() -> u8 {
    if cmd::completions::answer_shell() {
        return 0;
    }
    let cli = match parse(move_tag_removals(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e),
    };
    match dispatch(cli) {
        Ok(()) => 0,
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            // `lines` splits at LF and CRLF; a lone CR or any other control character
            // from input is escaped, so one error is one line on the terminal. A broken
            // configuration prints one `desk: FILE:LINE:COLUMN: MESSAGE` per mistake.
            crate::error::print_error(&e.to_string());
            e.exit_code()
        }
    }
}

/// Ends the process with `code` once standard output is flushed, without the exit
/// handlers: everything desk wrote is closed by then, and mimalloc's handler would give
/// every page back to the system first, a tenth of a millisecond of each command.
pub fn exit(code: u8) -> ! {
    use std::io::Write;
    // A closed pipe is not an error.
    let _ = std::io::stdout().flush();
    // SAFETY: `_exit` ends the process at once; nothing of desk is left to run.
    unsafe { libc::_exit(i32::from(code)) }
}

/// Help and version go to stdout and succeed; a usage error is printed as every other
/// error, `desk: MESSAGE`, with clap's usage line and hints below it, and exits 2.
fn clap_error(e: &clap::Error) -> u8 {
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
    code
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

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

    /// A command's arguments and, below it, its subcommands' (not their about texts).
    fn arguments(cmd: &clap::Command) -> String {
        let mut out = format!("{:?}\n", cmd.get_arguments().collect::<Vec<_>>());
        for sub in cmd.get_subcommands() {
            out += &format!("{}: {}", sub.get_name(), arguments(sub));
        }
        out
    }

    #[test]
    fn each_subcommand_built_alone_has_the_arguments_of_the_whole_tree() {
        let whole = Cli::command();
        let names: Vec<&str> = whole.get_subcommands().map(|c| c.get_name()).collect();
        let alone: Vec<&str> = super::SUBCOMMANDS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, alone);
        for (name, augment) in super::SUBCOMMANDS {
            let sub = whole.find_subcommand(name).expect("in the tree");
            assert_eq!(
                arguments(&augment(clap::Command::new(name))),
                arguments(sub),
                "{name}"
            );
        }
    }

    #[test]
    fn a_command_line_parses_as_the_whole_tree_parses_it() {
        for line in [
            "desk new -s Hei -m body --from a@example.com",
            "desk -C /tmp --now 2026-11-24T10:00:00Z --as ingrid -q new -s Hei --tag x --tag y",
            "desk list --all --format ids department=billing -- -vip",
            "desk --color never list",
            "desk rules test 06g30yf0022wwy",
            "desk customer set a@example.com group=vip",
            "desk solve 06g30yf0022wwy",
            "desk reopen 06g30yf0022wwy",
            "desk __complete ids",
            "desk tick --dry-run",
            "desk new",
            "desk new --help",
            "desk new -V",
            "desk -C",
            "desk help new",
            "desk lst",
            "desk --quiet",
            "desk",
        ] {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            let fast = super::parse(args.clone());
            let whole = Cli::try_parse_from(args);
            match (fast, whole) {
                (Ok(f), Ok(w)) => assert_eq!(format!("{f:?}"), format!("{w:?}"), "{line}"),
                (Err(f), Err(w)) => assert_eq!(f.to_string(), w.to_string(), "{line}"),
                (f, w) => panic!("{line}: {f:?} against {w:?}"),
            }
        }
    }
}
