//! The command-line tree and dispatch. Each subcommand lives in `cmd/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cmd;
use crate::error::{Error, Result};
use crate::helpdesk::Helpdesk;
use crate::output::{ColorChoice, Out};

/// A rule-driven helpdesk in a directory: JSON tickets, TOML rules, cron-driven time rules.
#[derive(Debug, Parser)]
#[command(name = "desk", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)
    #[arg(
        short = 'C',
        long = "dir",
        global = true,
        value_name = "DIR",
        env = "DESK_DIR"
    )]
    pub chdir: Option<PathBuf>,

    /// Act as this agent: the actor recorded in history for manual changes [default: system]
    #[arg(long = "as", global = true, value_name = "AGENT", env = "DESK_AGENT")]
    pub actor: Option<String>,

    /// Pin the clock to this instant (RFC 3339), for tests and what-if runs
    #[arg(long, global = true, value_name = "TIME", env = "DESK_NOW")]
    pub now: Option<String>,

    /// When to use color (NO_COLOR turns it off)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print no status messages, only data and errors
    #[arg(short, long, global = true)]
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
    Solve(cmd::status::StatusArgs),
    Close(cmd::status::StatusArgs),
    Reopen(cmd::status::StatusArgs),
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
        Command::Man(a) => cmd::man::run(a),
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

/// Parses the command line, runs the command, and turns the outcome into an exit status.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse_from(move_tag_removals(std::env::args_os().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            // Help and version go to stdout and succeed; a closed pipe is not an error.
            let _ = e.print();
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(Error::Config(diags)) => {
            // `file:line:col: message`, as compilers print it, so editors can jump there.
            for d in diags {
                for line in d.to_string().lines() {
                    eprintln!("{}", crate::error::printable(line));
                }
            }
            ExitCode::from(1)
        }
        Err(Error::Partial(msg)) => {
            eprintln!("desk: {}", crate::error::printable(&msg));
            ExitCode::from(1)
        }
        Err(e) => {
            // `lines` splits at LF and CRLF; a lone CR or any other control character
            // from input is escaped, so one error is one line on the terminal.
            for line in e.to_string().lines() {
                eprintln!("desk: {}", crate::error::printable(line));
            }
            ExitCode::from(e.exit_code())
        }
    }
}
