//! `desk man`: the manual pages, generated from the command tree and the rule
//! language's own tables, so they cannot drift from what desk does.
//!
//! `desk(1)` has the commands, the files of a helpdesk, the environment, the exit
//! statuses and examples; every subcommand has its page (`desk-list(1)`,
//! `desk-rules-check(1)`); `desk-rules(5)` is the reference of rules.toml, its tables
//! of events, condition fields, operators, actions and placeholders read from the code.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

use crate::cli::{Cli, Ctx};
use crate::error::{Error, Result};
use crate::output::{plural, print};

/// Print the manual page desk(1) in roff, or write every page into a folder
///
/// The pages are desk.1, one page per command (desk-list.1, desk-rules-check.1...) and
/// desk-rules.5, the reference of rules.toml. They are committed in man/; read one with
/// `man -l man/desk.1`, or install them into a MANPATH folder's man1/ and man5/.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page into DIR (created if missing) instead of printing desk(1)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: ManArgs) -> Result<()> {
    let Some(dir) = args.out else {
        return print(&generate()?);
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let pages = pages()?;
    for (name, text) in &pages {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    ctx.out.status(format!(
        "wrote {} in {}",
        plural(pages.len(), "page"),
        dir.display()
    ));
    Ok(())
}

/// The roff text of desk(1).
pub fn generate() -> Result<String> {
    let cmd = tree();
    main_page(&cmd)
}

/// Every page: (file name, roff text), desk.1 first.
pub fn pages() -> Result<Vec<(String, String)>> {
    let cmd = tree();
    let mut out = vec![("desk.1".to_string(), main_page(&cmd)?)];
    for sub in visible(&cmd) {
        command_pages(sub, &cmd, &mut out)?;
    }
    out.push(("desk-rules.5".to_string(), rules_page()));
    Ok(out)
}

/// The command tree as the pages show it: built (so subcommands know their full
/// names), without the `help` subcommand.
fn tree() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

fn visible(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set())
}

/// `desk-rules-check`: the page's name.
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name().unwrap_or(cmd.get_name()).to_string()
}

fn mangen(cmd: &clap::Command, section: &str) -> Man {
    Man::new(cmd.clone())
        .source(format!("desk {}", env!("CARGO_PKG_VERSION")))
        .section(section)
        .manual(if section == "1" {
            "User Commands"
        } else {
            "File Formats"
        })
}

/// Renders one part of a page with clap_mangen.
fn part(
    man: &Man,
    f: impl Fn(&Man, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<String> {
    let mut buf = Vec::new();
    f(man, &mut buf).map_err(|e| Error::io("<man page>", e))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The parts clap_mangen renders from the command: title, name, synopsis,
/// description, options (the global ones under their own heading).
fn head(cmd: &clap::Command) -> Result<String> {
    let man = mangen(cmd, "1");
    let mut s = String::new();
    s += &part(&man, Man::render_title)?;
    s += &part(&man, Man::render_name_section)?;
    s += &part(&man, Man::render_synopsis_section)?;
    s += &part(&man, Man::render_description_section)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        s += &part(&man, Man::render_options_section)?;
    }
    Ok(s)
}

/// A list of subcommands, each with its page.
fn commands_section(roff: &mut Roff, cmd: &clap::Command) {
    roff.control("SH", ["COMMANDS"]);
    for sub in visible(cmd) {
        roff.control("TP", []);
        roff.text([bold(page_name(sub)), roman("(1)")]);
        if let Some(about) = sub.get_about() {
            roff.text([roman(about.to_string())]);
        }
    }
}

fn see_also(roff: &mut Roff, pages: &[(String, &str)]) {
    roff.control("SH", ["SEE ALSO"]);
    let mut line: Vec<Inline> = Vec::new();
    for (i, (name, section)) in pages.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(name.clone()));
        line.push(roman(format!("({section})")));
    }
    roff.text(line);
}

fn version(roff: &mut Roff, cmd: &clap::Command) {
    roff.control("SH", ["VERSION"]);
    roff.text([roman(format!("v{}", cmd.get_version().unwrap_or_default()))]);
}

/// A `.TP` entry: a bold term and its text.
fn entry(roff: &mut Roff, term: &str, text: &str) {
    roff.control("TP", []);
    roff.text([bold(term)]);
    roff.text([roman(text)]);
}

/// Paragraphs of plain text; an empty line starts a new paragraph.
fn prose(roff: &mut Roff, text: &str) {
    for (i, para) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        roff.text([roman(para.split_whitespace().collect::<Vec<_>>().join(" "))]);
    }
}

/// Lines shown as typed, in a no-fill block.
fn example(roff: &mut Roff, lines: &str) {
    roff.control("PP", []);
    roff.control("RS", ["4"]);
    roff.control("nf", []);
    for l in lines.trim_matches('\n').lines() {
        roff.text([roman(l)]);
    }
    roff.control("fi", []);
    roff.control("RE", []);
}

/// The files of a helpdesk, as `desk init` lays them out.
pub const FILES: [(&str, &str); 10] = [
    (
        "desk.toml",
        "Settings: the helpdesk (name, time zone, address, languages), departments, agents, calendars, ticket types and their statuses, shops, customer groups and views. Its presence marks the helpdesk's root: commands look for it in the current folder (or -C DIR) and its parents.",
    ),
    (
        "rules.toml",
        "Rules run on events and on tick, SLA policies, recurring tickets and macros; see desk-rules(5).",
    ),
    (
        "templates/NAME.txt",
        "Message templates: a first line \"Subject: ...\", a blank line, the body; placeholders such as {{ticket.id}}.",
    ),
    (
        "scripts/",
        "Executables that rules' run actions call, with the ticket as JSON on standard input; never a shell, never a path outside scripts/.",
    ),
    (
        "tickets/ID.json",
        "One ticket per file: its fields, messages and history, pretty JSON with a fixed key order.",
    ),
    (
        "customers/EMAIL.json",
        "One customer per file, created on first contact; only email is required.",
    ),
    (
        "outbox/",
        "Outgoing mail as RFC 5322 .eml files, until desk outbox send delivers them.",
    ),
    (
        "attachments/ID/",
        "Files that came with a ticket's messages.",
    ),
    (
        ".gitignore, .gitattributes",
        "Written by desk init: .desk/ stays local; tickets/ and customers/ merge with desk's merge driver (desk merge-file).",
    ),
    (
        ".desk/",
        "Local only, never committed: the lock, the listing cache, the ID counter, the round-robin rotation, temporary files, all rebuildable; and queue/, the scripts rules run without waiting (wait = false) that have not run yet, which desk tick runs.",
    ),
];

/// Every environment variable desk reads, and what for.
pub const ENVIRONMENT: [(&str, &str); 13] = [
    ("DESK_DIR", "The helpdesk to work in, as -C DIR."),
    (
        "DESK_AGENT",
        "The agent acting, as --as AGENT: recorded in the history of manual changes.",
    ),
    (
        "DESK_NOW",
        "Pins the clock to this instant (RFC 3339), as --now: for tests and what-if runs.",
    ),
    (
        "DESK_HOST",
        "This machine's name as [helpdesk] sends_from names the clone that sends mail; the host name when unset.",
    ),
    (
        "DESK_SMTP_USER, DESK_SMTP_PASSWORD",
        "Credentials for desk outbox send --smtp; never put them in the URL.",
    ),
    (
        "DESK_COMPLETE",
        "Set by the completion scripts of desk completions when the shell asks for candidates.",
    ),
    (
        "NO_COLOR",
        "When set and not empty, no color, even with --color always.",
    ),
    (
        "COLUMNS",
        "The width that tables and charts fit, when the shell exports it.",
    ),
    (
        "VISUAL, EDITOR",
        "The editor desk reply and desk note open on a terminal when no -m is given.",
    ),
    (
        "LC_ALL, LC_CTYPE, LANG",
        "The first that is set decides whether charts may use Unicode blocks (a UTF-8 locale) or plain ASCII.",
    ),
    ("HOME", "Where ~/ typed after -C leads while completing."),
    (
        "DESK_CACHE_TRACE",
        "When set, a listing says on stderr whether it took the listing cache's shortcut (quick) or looked at every ticket file (full, and why), tick how many tickets it judged, how many its due index knew to be quiet, and how many were due, and every command whether it used the compiled configuration in .desk/cache/config.bin or read desk.toml and rules.toml (and why).",
    ),
    (
        "DESK_EVENT, DESK_TICKET, DESK_SCRIPT",
        "Not read but set by desk, with DESK_DIR, for the scripts that run actions call.",
    ),
];

/// Exit statuses, the same for every command.
pub const EXIT_STATUS: [(&str, &str); 4] = [
    (
        "0",
        "Success. A closed pipe on standard output (desk list | head) is success too.",
    ),
    (
        "1",
        "Failure: the command could not do what was asked (an unknown ticket, a value desk.toml does not allow, a broken configuration, a file that cannot be written), or did part of it: a corrupt ticket file skipped, a message not stored or not sent. Each problem is on standard error; bad input changes no file.",
    ),
    (
        "2",
        "Usage error: the command line itself is wrong (an unknown option or subcommand, a missing or conflicting argument, a value of the wrong form, a --format the command cannot print).",
    ),
    (
        "75",
        "Temporary failure (EX_TEMPFAIL): another desk tick or desk outbox send is running, or desk ingest found the configuration broken. Nothing was done; run again later. An MTA piping mail to desk ingest email keeps the mail and retries.",
    ),
];

const EXAMPLES: &str = r#"
desk init --example shop nordlys && cd nordlys
desk list --view unassigned
desk show 06fj
id=$(desk new -s "Shoes too small" -m "Can I exchange them?" --from kari@example.no)
desk --as ingrid assign "$id" --auto
desk --as ingrid reply "$id" -m "Of course: send them back."
desk --as ingrid snooze "$id" --until 3d
desk set "$id" priority=high +vip
desk list department=billing status_category=open --sort -updated_at --format json
desk rules test "$id" --event customer.replied
desk --now 2026-12-01T09:00:00Z tick --dry-run
* * * * * cd /srv/helpdesk && desk -q tick
desk ingest email ~/Maildir/helpdesk
desk report --since 4w --by agent
"#;

fn main_page(cmd: &clap::Command) -> Result<String> {
    let mut s = head(cmd)?;
    let mut roff = Roff::default();
    commands_section(&mut roff, cmd);

    roff.control("SH", ["FILES"]);
    prose(
        &mut roff,
        "A helpdesk is a directory, plain text that git can diff and merge:",
    );
    for (file, what) in FILES {
        entry(&mut roff, file, what);
    }

    roff.control("SH", ["ENVIRONMENT"]);
    for (var, what) in ENVIRONMENT {
        entry(&mut roff, var, what);
    }

    roff.control("SH", ["EXIT STATUS"]);
    for (code, what) in EXIT_STATUS {
        entry(&mut roff, code, what);
    }

    roff.control("SH", ["DIAGNOSTICS"]);
    prose(
        &mut roff,
        "Data goes to standard output, everything else to standard error. Every error is one line \
         \"desk: MESSAGE\"; a mistake in a configuration file names its place, \
         \"desk: rules.toml:14:9: unknown operator `contans`, did you mean `contains`?\", one line \
         per mistake. Warnings are \"desk: warning: MESSAGE\"; the command went on. Status \
         messages (\"updated 06fj...\") carry no prefix and -q silences them.",
    );

    roff.control("SH", ["EXAMPLES"]);
    example(&mut roff, EXAMPLES);

    let mut also: Vec<(String, &str)> = vec![("desk-rules".to_string(), "5")];
    also.extend(visible(cmd).map(|c| (page_name(c), "1")));
    also.push(("git".into(), "1"));
    also.push(("cron".into(), "8"));
    see_also(&mut roff, &also);
    version(&mut roff, cmd);
    s += &roff.render();
    Ok(s)
}

/// The page of `cmd` and of each of its subcommands.
fn command_pages(
    cmd: &clap::Command,
    parent: &clap::Command,
    out: &mut Vec<(String, String)>,
) -> Result<()> {
    let mut s = head(cmd)?;
    let mut roff = Roff::default();
    let subs: Vec<&clap::Command> = visible(cmd).collect();
    if !subs.is_empty() {
        commands_section(&mut roff, cmd);
    }
    roff.control("SH", ["EXIT STATUS"]);
    prose(
        &mut roff,
        "0 on success, 1 on failure, 2 on a usage error, 75 when another run holds the \
         lock; see desk(1).",
    );
    let mut also: Vec<(String, &str)> = vec![("desk".to_string(), "1")];
    if parent.get_name() != "desk" {
        also.push((page_name(parent), "1"));
    }
    also.extend(subs.iter().map(|c| (page_name(c), "1")));
    let name = page_name(cmd);
    if name.starts_with("desk-rules") || name == "desk-tick" {
        also.push(("desk-rules".to_string(), "5"));
    }
    see_also(&mut roff, &also);
    version(&mut roff, cmd);
    s += &roff.render();
    out.push((format!("{name}.1"), s));
    for sub in subs {
        command_pages(sub, cmd, out)?;
    }
    Ok(())
}

/// What each event means; every name of [`crate::model::event::ALL`] has a line.
pub fn event_doc(name: &str) -> Option<&'static str> {
    use crate::model::event as e;
    Some(match name {
        e::CREATED => {
            "A ticket was created: desk new, a mail, a form, a chat, an import or a schedule."
        }
        e::CUSTOMER_REPLIED => "The customer wrote again on a ticket (a mail, a form, a chat).",
        e::AGENT_REPLIED => "An agent sent a public reply (desk reply).",
        e::NOTE_ADDED => "An internal note was added (desk note, a chat's agent turn).",
        e::UPDATED => "Fields or tags were changed by hand (desk set and the like).",
        e::STATUS_CHANGED => "The status changed, by anybody or any rule.",
        e::ASSIGNED => "The assignee changed.",
        e::DEPARTMENT_CHANGED => "The department changed (desk transfer, a rule).",
        e::WOKE => "A snooze ended: desk tick at its time, or a customer reply earlier.",
        e::SLA_WARNING => "An SLA target is within warn_before of being due (desk tick).",
        e::SLA_BREACHED => "An SLA target passed unmet (desk tick).",
        e::TICK => "Time rules: desk tick checks them on every ticket not solved or closed.",
        e::MERGED => {
            "Another ticket was merged into this one (desk merge): its conversation was added."
        }
        _ => return None,
    })
}

/// What each condition field is; every name of the field table has a line.
pub fn field_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "id" => "The ticket's ID.",
        "subject" => "The subject.",
        "type" => "The ticket type (ticket, or a type of desk.toml).",
        "status" => "The status, one of its type's.",
        "status_category" => "The status's category: new, open, waiting, solved or closed.",
        "priority" => {
            "low, normal, high or urgent; gt, lt and the like compare them in that order."
        }
        "department" => "The department's ID.",
        "assignee" => "The assigned agent's ID.",
        "requester" => "The customer's address.",
        "shop" => "The shop's ID.",
        "channel" => "How the ticket came: manual, email, web, chat, import...",
        "tags" => "The tags, a list: contains and in test membership.",
        "created_at" => "When the ticket was created.",
        "updated_at" => "When it last changed.",
        "snoozed_until" => "When a snoozed ticket wakes.",
        "cc" => "The followers' addresses, a list like tags.",
        "body" => "The first customer message, whatever event runs.",
        "text" => "The subject and every customer message.",
        "sla.policy" => "The name of the SLA policy that applies.",
        "sla.breached" => "Whether any SLA target was breached.",
        "fields.NAME" => "A custom field.",
        "message.body" => "The message behind the event (event rules only).",
        "message.from" => "Its sender's address (event rules only).",
        "message.to" => "The address it was sent to (event rules only).",
        "message.kind" => "customer, reply, note or auto (event rules only).",
        "message.auto" => {
            "Whether it is an automatic mail (out-of-office, bounce, list) (event rules only)."
        }
        "customer.email" => "The requester's address, from the customer record.",
        "customer.domain" => "The domain of that address.",
        "customer.name" => "The customer's name.",
        "customer.group" => "The customer's group (vip...).",
        "customer.organization" => "The customer's organization.",
        "customer.fields.NAME" => "A custom field of the customer record.",
        "since.created" => "How long ago the ticket was created (time rules only).",
        "since.updated" => "How long ago it last changed (time rules only).",
        "since.status_changed" => "How long it has had its status (time rules only).",
        "since.last_customer_message" => {
            "How long since the customer last wrote (time rules only)."
        }
        "since.last_agent_message" => {
            "How long since a person's last public reply; automatic replies do not count (time rules only)."
        }
        "since.assigned" => "How long since it was assigned (time rules only).",
        "sla.first_reply.due_in" => {
            "Time left to an SLA target, negative once breached; also sla.next_reply.due_in and sla.resolution.due_in."
        }
        "event.name" => "The event being handled (event rules only).",
        "event.target" => "The SLA target of an sla.warning or sla.breached event.",
        "changes.FIELD.from" => "A field's value before the change behind the event.",
        "changes.FIELD.to" => "Its value after it.",
        _ => return None,
    })
}

/// What each operator does; every name of [`crate::rules::condition::OP_NAMES`] has a line.
pub fn op_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "is" => "Equal to the value (on a list field: the list holds it).",
        "is_not" => "Not equal.",
        "in" => "Equal to one of the values.",
        "not_in" => "Equal to none of them.",
        "contains" => {
            "Text: holds any of the words or phrases, case-insensitive, whole words, in their forms (fakturaen for faktura). A list: holds any of the values."
        }
        "contains_all" => "Holds every one of the words or values.",
        "not_contains" => "Holds none of them.",
        "contains_exact" => "As contains, but the words only as written, no forms.",
        "matches" => "Matches the regular expression.",
        "starts_with" => "Starts with the value.",
        "ends_with" => "Ends with the value (a domain of an address: @example.no).",
        "gt" => "Greater than: numbers, priorities, times.",
        "gte" => "Greater than or equal.",
        "lt" => "Less than.",
        "lte" => "Less than or equal.",
        "over" => "A duration longer than the value (24h, 3d, 1w).",
        "under" => "A duration shorter than the value.",
        "exists" => "Has a value (no value given).",
        "missing" => "Has none.",
        "changed" => "The event's change changed the field.",
        "changed_to" => "The change set the field to the value.",
        "changed_from" => "The change moved the field away from the value.",
        _ => return None,
    })
}

/// What each action does; every name of [`crate::rules::ruleset::ACTIONS`] has a line.
pub fn action_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "set" => {
            "{ set = \"FIELD\", to = \"VALUE\" }: status, priority, type, department, assignee, shop, subject, channel, sla or fields.NAME; to = \"\" clears."
        }
        "add_tags" => "{ add_tags = [\"vip\"] }: adds tags.",
        "remove_tags" => "{ remove_tags = [\"new\"] }: removes tags.",
        "assign" => {
            "{ assign = \"ingrid\" }, \"round_robin\" or \"least_loaded\": an agent, or one of the department's agents who is not away."
        }
        "reply" => {
            "{ reply = \"TEMPLATE\" }: a public automatic message to the requester (followers in Cc)."
        }
        "notify" => {
            "{ notify = \"assignee\", template = \"TEMPLATE\" }: assignee, department, agent:ID, requester or an address."
        }
        "note" => "{ note = \"TEXT\" }: an internal note, with placeholders.",
        "snooze" => "{ snooze = \"2d\" }: a duration or a time; the ticket waits until then.",
        "run" => {
            "{ run = \"SCRIPT\", timeout = \"10s\" }: runs scripts/SCRIPT with the ticket on standard input; it prints a JSON array of actions. With wait = false the change is saved first and the script runs right after, in the background."
        }
        "delete" => "{ delete = true }: removes the ticket file.",
        _ => return None,
    })
}

fn table(roff: &mut Roff, names: &[&str], doc: impl Fn(&str) -> Option<&'static str>) {
    for n in names {
        entry(roff, n, doc(n).unwrap_or(""));
    }
}

/// desk-rules(5): rules.toml, with the vocabulary tables from the code.
fn rules_page() -> String {
    let mut roff = Roff::default();
    roff.control(
        "TH",
        [
            "desk-rules",
            "5",
            "",
            &format!("desk {}", env!("CARGO_PKG_VERSION")),
            "File Formats",
        ],
    );
    roff.control("SH", ["NAME"]);
    roff.text([roman(
        "desk-rules - rules.toml, the rule language of a desk helpdesk",
    )]);
    roff.control("SH", ["SYNOPSIS"]);
    example(
        &mut roff,
        r#"
[[rule]]
name = "billing-keywords"
on = ["ticket.created", "customer.replied"]
if.any = [
  { field = "subject", op = "contains", value = ["invoice", "faktura"] },
  { field = "body", op = "contains", value = ["invoice", "faktura"] },
]
then = [
  { set = "department", to = "billing" },
  { add_tags = ["billing"] },
  { assign = "least_loaded" },
  { notify = "department", template = "new-ticket" },
]

[[sla]]
name = "vip"
if.all = [ { field = "customer.group", op = "is", value = "vip" } ]
calendar = "office"
first_reply = "1h"
resolution = "2d"

[[schedule]]
name = "monthly-invoice-run"
every = "0 9 1 * *"
ticket = { subject = "Monthly invoice run", department = "billing" }

[[macro]]
name = "size-exchange"
then = [ { set = "department", to = "returns" }, { add_tags = ["exchange"] } ]
reply = "exchange-instructions"
"#,
    );

    roff.control("SH", ["DESCRIPTION"]);
    prose(
        &mut roff,
        "rules.toml, beside desk.toml at the root of a helpdesk, holds what happens to \
         tickets without anybody doing it: rules that route, prioritise, tag, assign and \
         answer tickets as they arrive and change, time rules that desk tick runs, SLA \
         policies, recurring tickets and the macros agents apply. It is read once per \
         command and checked as a whole against desk.toml: every field, operator, \
         action, event, department, agent, status, type, template and calendar must \
         exist, durations and regular expressions must parse, names must be unique. \
         Every mistake is listed with its file, line and column and a did-you-mean \
         (desk rules check); commands that change tickets refuse to run on a broken \
         rules.toml.",
    );

    roff.control("SH", ["RULES"]);
    prose(&mut roff, "Each [[rule]] table has these keys:");
    entry(
        &mut roff,
        "name",
        "Unique; shown in the history of what the rule changed (rule:NAME).",
    );
    entry(
        &mut roff,
        "on",
        "The events the rule listens to (below); [\"tick\"] makes it a time rule.",
    );
    entry(
        &mut roff,
        "if.all, if.any",
        "Conditions: all of if.all and at least one of if.any must hold; none means always.",
    );
    entry(&mut roff, "then", "The actions, in order.");
    entry(
        &mut roff,
        "stop",
        "true: no later rule runs for this event on this ticket.",
    );
    entry(
        &mut roff,
        "enabled",
        "false: the rule is kept and checked, but never runs.",
    );

    roff.control("SH", ["EVENTS"]);
    table(&mut roff, &crate::model::event::ALL, event_doc);

    roff.control("SH", ["CONDITIONS"]);
    prose(
        &mut roff,
        "A condition is { field = \"FIELD\", op = \"OP\", value = VALUE }; value is a \
         string, a number, a boolean or a list, as the operator needs. An entry of \
         if.all or if.any may itself be a group: { all = [...] }, { any = [...] } or \
         { not = {...} }. The same conditions select tickets in desk.toml's [[view]] \
         and in desk list's filters (FIELD=VALUE).",
    );
    roff.control("SS", ["Fields"]);
    let fields: Vec<&str> = crate::rules::condition::field_names().collect();
    table(&mut roff, &fields, field_doc);
    roff.control("SS", ["Operators"]);
    table(&mut roff, &crate::rules::condition::OP_NAMES, op_doc);

    roff.control("SH", ["ACTIONS"]);
    table(&mut roff, &crate::rules::ruleset::ACTIONS, action_doc);

    roff.control("SH", ["TEMPLATES"]);
    prose(
        &mut roff,
        "templates/NAME.txt starts with a line \"Subject: ...\" and a blank line; the rest \
         is the body. The subject of every message gets the ticket's tag [#ID], so \
         replies find their ticket. Mail is sent from the department's sender name and \
         address and signed with its signature. Placeholders, written {{NAME}}, are \
         these (and any condition field):",
    );
    let placeholders = crate::rules::template::known_names();
    roff.text([italic(placeholders.join(", "))]);

    roff.control("SH", ["SLA POLICIES"]);
    prose(
        &mut roff,
        "A [[sla]] table: name; if.all or if.any (as rules); calendar, a calendar of \
         desk.toml whose hours, holidays and time zone the targets count in (none: \
         around the clock); the targets first_reply, next_reply and resolution, \
         durations; warn_before, when desk tick raises sla.warning. The first policy \
         whose conditions hold applies, unless a rule sets sla. With a calendar, Nd is N \
         business days and h and m business hours and minutes. first_reply and \
         next_reply are met by a person's public reply, resolution by a solved or \
         closed status; resolution pauses while the status is of category waiting. \
         When the policy changes, its targets are measured from the ticket's start.",
    );

    roff.control("SH", ["SCHEDULES"]);
    prose(
        &mut roff,
        "A [[schedule]] table: name; every, a cron expression (minute hour day month \
         weekday) in the helpdesk's time zone; ticket, the new ticket's subject, body, \
         department, type, priority, tags and fields. desk tick creates each \
         occurrence's ticket exactly once, even when two clones tick.",
    );

    roff.control("SH", ["MACROS"]);
    prose(
        &mut roff,
        "A [[macro]] table: name; then, actions as in rules; reply, an optional template \
         sent as the agent's reply. An agent applies it by hand (desk macro NAME ID); \
         the history credits the agent, via the macro.",
    );

    roff.control("SH", ["SEMANTICS"]);
    prose(
        &mut roff,
        "Rules run in file order, and each sees the changes of the rules before it. \
         The changes a rule makes raise their own events, which run the rules again; \
         a rule fires at most once per ticket for one incoming change, so no loop runs \
         forever.\n\n\
         A time rule fires once per ticket per episode: not again until its conditions \
         were seen false, or a person or the customer acted on the ticket.\n\n\
         Mail that rules ask for is rendered when the whole change is done, with the \
         ticket as every rule left it, and one change never queues the same template \
         twice for the same recipients. No automatic mail goes to mailer-daemon, \
         no-reply senders, mailing lists or the helpdesk's own addresses.\n\n\
         Durations are written 30m, 24h, 10d, 2w, 1d12h: units w, d, h, m, s, each \
         at most once, largest first.",
    );

    roff.control("SH", ["FILES"]);
    entry(
        &mut roff,
        "rules.toml",
        "The rules, SLA policies, schedules and macros.",
    );
    entry(
        &mut roff,
        "templates/",
        "The templates that reply and notify name.",
    );
    entry(&mut roff, "scripts/", "The executables that run names.");

    see_also(
        &mut roff,
        &[
            ("desk".to_string(), "1"),
            ("desk-rules-check".to_string(), "1"),
            ("desk-rules-list".to_string(), "1"),
            ("desk-rules-test".to_string(), "1"),
            ("desk-tick".to_string(), "1"),
        ],
    );
    roff.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name added to a vocabulary table needs its line in the manual.
    #[test]
    fn every_name_of_the_rule_language_is_described() {
        let mut missing = Vec::new();
        for e in crate::model::event::ALL {
            if event_doc(e).is_none() {
                missing.push(format!("event `{e}` (event_doc)"));
            }
        }
        for f in crate::rules::condition::field_names() {
            if field_doc(f).is_none() {
                missing.push(format!("field `{f}` (field_doc)"));
            }
        }
        for o in crate::rules::condition::OP_NAMES {
            if op_doc(o).is_none() {
                missing.push(format!("operator `{o}` (op_doc)"));
            }
        }
        for a in crate::rules::ruleset::ACTIONS {
            if action_doc(a).is_none() {
                missing.push(format!("action `{a}` (action_doc)"));
            }
        }
        assert!(
            missing.is_empty(),
            "describe in src/cmd/man.rs:\n{}",
            missing.join("\n")
        );
    }

    /// Every page desk.1 names exists.
    #[test]
    fn every_page_referred_to_exists() {
        let pages = pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        let re = regex::Regex::new(r"\\fB(desk[a-z0-9\\-]*)\\fR\((\d)\)").unwrap();
        for (name, text) in &pages {
            for c in re.captures_iter(text) {
                let file = format!("{}.{}", c[1].replace("\\-", "-"), &c[2]);
                assert!(names.contains(&file.as_str()), "{name} refers to {file}");
            }
        }
    }
}
