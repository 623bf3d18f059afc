//! `desk completions`: shell completion that knows the helpdesk.
//!
//! `desk completions SHELL` prints a short script for bash, zsh, fish, elvish or
//! powershell. The script asks desk itself what fits the word under the cursor: the
//! shell runs `DESK_COMPLETE=SHELL desk -- WORDS...` (clap_complete's dynamic
//! completion), and desk answers with subcommands and options, and with values read
//! from the helpdesk the command line is about (`-C DIR`, `DESK_DIR`, or the current
//! directory): ticket IDs (open ones first, the subject as description), agents,
//! departments, views, statuses, types, shops, templates, macros, events, customers,
//! tags, and `FIELD=VALUE` changes and filters.
//!
//! Which values an argument takes comes from its value name, so a new subcommand gets
//! completion by naming its arguments as the others do: `ID` (also `SOURCE`, `TARGET`)
//! a ticket, `AGENT`, `DEPARTMENT`, `VIEW`, `TYPE`, `STATUS`, `SHOP`, `PRIORITY`,
//! `TEMPLATE`, `MACRO`, `EVENT`, `EMAIL` a customer, `TAG`, `CHANGE`, `FILTER`;
//! `DIR`, `FILE` and `PATH` complete paths.
//!
//! Completing never fails loudly: outside a helpdesk, or with a broken desk.toml, it
//! offers no values and prints nothing on stderr. It writes nothing but what `desk list`
//! writes too, the listing cache in `.desk/`, which makes the next completion fast.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::builder::StyledStr;
use clap::{Arg, Args, CommandFactory, ValueHint};
use clap_complete::Shell;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{Elvish, EnvCompleter, Fish, Powershell, Zsh};

use crate::cli::Cli;
use crate::error::Result;
use crate::helpdesk::Helpdesk;
use crate::output::print;
use crate::query::Query;

/// The variable that tells desk a shell is asking for completions.
pub const VAR: &str = "DESK_COMPLETE";

/// Print the completion script for a shell; it asks desk for the values of the
/// helpdesk you are in
///
/// Install: bash `desk completions bash > ~/.local/share/bash-completion/completions/desk`;
/// zsh `desk completions zsh > ~/.zfunc/_desk` (with `fpath+=~/.zfunc` before
/// `compinit`); fish `desk completions fish > ~/.config/fish/completions/desk.fish`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for
    pub shell: Shell,
}

/// The bash script. clap_complete's own takes bash's words as they come, and bash
/// splits `status=open` at `=` and `-cc:a@b` at `:`: this one joins them again
/// (with bash-completion's helper when it is loaded, else from the line as typed)
/// and gives bash back only the part after the split it will replace.
const BASH: &str = r#"
_desk() {
    local IFS=$'\013'
    local cur cword
    local -a words
    if declare -F _comp_get_words >/dev/null 2>&1; then
        _comp_get_words -n =: cur words cword
    elif declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        local line="${COMP_LINE:0:COMP_POINT}"
        IFS=$' \t\n' read -r -a words <<< "$line"
        if [[ -z $line || $line == *[[:space:]] ]]; then
            words+=("")
        fi
        cword=$(( ${#words[@]} - 1 ))
        cur="${words[cword]}"
    fi
    if compopt +o nospace 2> /dev/null; then
        local space=false
    else
        local space=true
    fi
    COMPREPLY=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$cword" \
        DESK_COMPLETE="bash" \
        desk -- "${words[@]:0:cword}" "$cur" 2>/dev/null \
    ) )
    if [[ $? != 0 ]]; then
        unset COMPREPLY
        return
    fi
    if [[ $cur == *[=:]* ]]; then
        local kept="${cur%"${cur##*[=:]}"}"
        local i
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]="${COMPREPLY[i]#"$kept"}"
        done
    fi
    if [[ $space == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _desk desk
else
    complete -o nospace -o bashdefault -F _desk desk
fi
"#;

/// The completion script for `shell`, as committed under completions/.
pub fn generate(shell: Shell) -> String {
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => return BASH.trim_start().to_string(),
        Shell::Zsh => &Zsh,
        Shell::Fish => &Fish,
        Shell::Elvish => &Elvish,
        // PowerShell, and any shell clap_complete adds later.
        _ => &Powershell,
    };
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = completer.write_registration(VAR, "desk", "desk", "desk", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn run(args: CompletionsArgs) -> Result<()> {
    print(&generate(args.shell))
}

/// Answers a shell's request for completions when `DESK_COMPLETE` is set, and says
/// whether it did (then the process should exit 0). Nothing goes to stderr: an error
/// or a panic while completing means no candidates.
pub fn answer_shell() -> bool {
    let Some(shell) = std::env::var_os(VAR) else {
        return false;
    };
    if shell.is_empty() || shell == "0" {
        return false;
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    let words = args
        .iter()
        .position(|a| a == "--")
        .map_or(&[][..], |i| &args[i + 1..]);
    let _ = HELPDESK.set(helpdesk_dir(words));
    std::panic::set_hook(Box::new(|_| {}));
    let _ = std::panic::catch_unwind(|| {
        let current_dir = std::env::current_dir().ok();
        let _ = clap_complete::CompleteEnv::with_factory(command)
            .var(VAR)
            .bin("desk")
            .completer("desk")
            .try_complete(args.clone(), current_dir.as_deref());
    });
    true
}

/// The directory whose helpdesk completions read, from the words typed so far:
/// the last `-C DIR` / `--dir DIR` / `--dir=DIR`, else `DESK_DIR`, else here.
fn helpdesk_dir(words: &[OsString]) -> PathBuf {
    let mut dir = std::env::var_os("DESK_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    let mut it = words.iter().map(|w| w.to_string_lossy());
    while let Some(w) = it.next() {
        if w == "--" {
            break;
        }
        if w == "-C" || w == "--dir" {
            if let Some(d) = it.next() {
                dir = Some(PathBuf::from(d.as_ref()));
            }
        } else if let Some(d) = w.strip_prefix("--dir=").or_else(|| w.strip_prefix("-C"))
            && !d.is_empty()
        {
            dir = Some(PathBuf::from(d));
        }
    }
    dir.unwrap_or_else(|| PathBuf::from("."))
}

static HELPDESK: OnceLock<PathBuf> = OnceLock::new();

/// The helpdesk completions read, or `None` (no candidates) when there is none.
fn open() -> Option<Helpdesk> {
    let dir = HELPDESK
        .get()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    // `~/x` as typed: the shell has not expanded it inside our word list.
    let dir = match dir.to_str().and_then(|d| d.strip_prefix("~/")) {
        Some(rest) => std::env::var_os("HOME").map_or(dir.clone(), |h| Path::new(&h).join(rest)),
        None => dir,
    };
    Helpdesk::open(&dir, None, None).ok()
}

/// The command tree with a completer on every argument whose values the helpdesk knows.
pub fn command() -> clap::Command {
    attach(Cli::command(), "desk")
}

fn attach(cmd: clap::Command, path: &str) -> clap::Command {
    let cmd = cmd.mut_args(|a| {
        let key = arg_key(&a);
        match kind_of(path, &key) {
            Some(kind) => a.add(ArgValueCompleter::new(move |current: &OsStr| {
                candidates(kind, &current.to_string_lossy())
            })),
            None => match key.as_str() {
                "DIR" => a.value_hint(ValueHint::DirPath),
                "FILE" | "PATH" => a.value_hint(ValueHint::AnyPath),
                _ => a,
            },
        }
    });
    cmd.mut_subcommands(|sub| {
        let path = format!("{path} {}", sub.get_name());
        attach(sub, &path)
    })
}

/// An argument's value name (`ID` for a positional `id` without one).
fn arg_key(a: &Arg) -> String {
    a.get_value_names()
        .and_then(|v| v.first())
        .map_or_else(|| a.get_id().as_str().to_uppercase(), |v| v.to_string())
}

/// What each kind of value is; see the module's doc for the names that map to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Ticket IDs: the open ones, or all when none of those fits what is typed
    Tickets,
    /// Ticket IDs: the solved and closed ones first
    Done,
    /// Agents' IDs
    Agents,
    /// Agents' IDs, `-` (nobody) too
    Assignees,
    /// Agents' IDs, `system` too
    Actors,
    /// Departments' IDs
    Departments,
    /// Views of desk.toml
    Views,
    /// Statuses of every ticket type
    Statuses,
    /// Ticket types
    Types,
    /// Shops
    Shops,
    /// low, normal, high, urgent
    Priorities,
    /// Templates in templates/
    Templates,
    /// `[[macro]]` names in rules.toml
    Macros,
    /// Events rules listen for
    Events,
    /// Customers' addresses
    Customers,
    /// Tags on open tickets
    Tags,
    /// `desk set`: FIELD=VALUE, +TAG, -TAG
    Changes,
    /// `desk list`: FIELD=VALUE filters, +TAG, -TAG
    Filters,
    /// `desk list --sort`: fields, `-` for descending
    Sort,
}

fn kind_of(path: &str, key: &str) -> Option<Kind> {
    let sub = path.rsplit(' ').next().unwrap_or(path);
    Some(match key {
        "ID" | "SOURCE" | "TARGET" if sub == "reopen" => Kind::Done,
        "ID" | "IDS" | "SOURCE" | "TARGET" => Kind::Tickets,
        "AGENT" if path == "desk" => Kind::Actors,
        "AGENT" if sub == "assign" => Kind::Assignees,
        "AGENT" | "ASSIGNEE" => Kind::Agents,
        "DEPARTMENT" => Kind::Departments,
        "VIEW" => Kind::Views,
        "STATUS" => Kind::Statuses,
        "TYPE" => Kind::Types,
        "SHOP" => Kind::Shops,
        "PRIORITY" => Kind::Priorities,
        "TEMPLATE" => Kind::Templates,
        "MACRO" => Kind::Macros,
        "NAME" if sub == "macro" => Kind::Macros,
        "EVENT" => Kind::Events,
        "EMAIL" | "CUSTOMER" => Kind::Customers,
        "TAG" => Kind::Tags,
        // Ticket fields: not for `desk customer set` and the like.
        "CHANGE" if path == "desk set" => Kind::Changes,
        "FILTER" if path == "desk list" => Kind::Filters,
        "FIELD" if path == "desk list" => Kind::Sort,
        _ => return None,
    })
}

fn candidate(value: impl Into<String>, help: Option<String>) -> CompletionCandidate {
    CompletionCandidate::new(value.into()).help(help.map(StyledStr::from))
}

/// The candidates of `kind` that start with `current`, in the order to offer them.
pub fn candidates(kind: Kind, current: &str) -> Vec<CompletionCandidate> {
    let mut all = match kind {
        Kind::Tickets | Kind::Done => return tickets(current, kind == Kind::Done),
        Kind::Changes | Kind::Filters => return changes(current, kind == Kind::Filters),
        Kind::Sort => crate::query::SORT_FIELDS
            .iter()
            .flat_map(|f| [candidate(*f, None), candidate(format!("-{f}"), None)])
            .collect(),
        Kind::Priorities => ["low", "normal", "high", "urgent"]
            .into_iter()
            .map(|p| candidate(p, None))
            .collect(),
        Kind::Events => crate::model::event::ALL
            .into_iter()
            .map(|e| candidate(e, None))
            .collect(),
        _ => open().map_or_else(Vec::new, |hd| from_helpdesk(&hd, kind)),
    };
    all.retain(|c| c.get_value().to_string_lossy().starts_with(current));
    all
}

fn from_helpdesk(hd: &Helpdesk, kind: Kind) -> Vec<CompletionCandidate> {
    let s = &hd.settings;
    let named = |id: &str, name: &str| candidate(id, (name != id).then(|| name.to_string()));
    match kind {
        Kind::Agents | Kind::Assignees | Kind::Actors => {
            let mut v: Vec<CompletionCandidate> = s
                .agents
                .iter()
                .map(|a| {
                    let mut help = a.name.clone();
                    if a.away {
                        help.push_str(" (away)");
                    }
                    candidate(&a.id, Some(help))
                })
                .collect();
            match kind {
                Kind::Assignees => v.push(candidate("-", Some("nobody: unassign".into()))),
                Kind::Actors => v.push(candidate("system", Some("no agent".into()))),
                _ => {}
            }
            v
        }
        Kind::Departments => s
            .departments
            .iter()
            .map(|d| named(&d.id, &d.name))
            .collect(),
        Kind::Views => hd.views.iter().map(|v| named(&v.id, &v.name)).collect(),
        Kind::Types => s.types.iter().map(|t| named(&t.id, &t.name)).collect(),
        Kind::Shops => s.shops.iter().map(|x| named(&x.id, &x.name)).collect(),
        Kind::Statuses => statuses(hd, ""),
        Kind::Templates => templates(hd.store.root()),
        Kind::Macros => macros(hd.store.root()),
        Kind::Customers => customers(hd.store.root()),
        Kind::Tags => tags(hd, ""),
        _ => Vec::new(),
    }
}

/// Every status of every type, once, with its category (and the types that have it
/// when not all do).
fn statuses(hd: &Helpdesk, prefix: &str) -> Vec<CompletionCandidate> {
    let mut seen: Vec<(String, String, Vec<String>)> = Vec::new();
    for t in &hd.settings.types {
        for st in &t.statuses {
            match seen.iter_mut().find(|(id, _, _)| *id == st.id) {
                Some((_, _, types)) => types.push(t.id.clone()),
                None => seen.push((
                    st.id.clone(),
                    st.category.as_str().to_string(),
                    vec![t.id.clone()],
                )),
            }
        }
    }
    let every = hd.settings.types.len();
    seen.into_iter()
        .map(|(id, category, types)| {
            let help = if types.len() == every {
                category
            } else {
                format!("{category}, {}", types.join(", "))
            };
            candidate(format!("{prefix}{id}"), Some(help))
        })
        .collect()
}

/// `templates/NAME.txt`, described by its subject line.
fn templates(root: &Path) -> Vec<CompletionCandidate> {
    let mut v: Vec<(String, Option<String>)> = std::fs::read_dir(root.join("templates"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.strip_suffix(".txt")?.to_string();
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let subject = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("Subject:"))
                .map(|s| s.trim().to_string());
            Some((name, subject))
        })
        .collect();
    v.sort();
    v.into_iter().map(|(n, s)| candidate(n, s)).collect()
}

/// The names of `[[macro]]` entries in rules.toml, read tolerantly: a rules.toml that
/// does not parse has none.
fn macros(root: &Path) -> Vec<CompletionCandidate> {
    let text = std::fs::read_to_string(root.join("rules.toml")).unwrap_or_default();
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(list) = doc.get("macro").and_then(|m| m.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|m| {
            let name = m.get("name")?.as_str()?;
            let help = m
                .get("description")
                .or_else(|| m.get("reply"))
                .and_then(|r| r.as_str())
                .map(|r| match m.get("description") {
                    Some(_) => r.to_string(),
                    None => format!("replies with {r}"),
                });
            Some(candidate(name, help))
        })
        .collect()
}

/// `customers/EMAIL.json`.
fn customers(root: &Path) -> Vec<CompletionCandidate> {
    let mut v: Vec<String> = std::fs::read_dir(root.join("customers"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".json")
                .filter(|n| n.contains('@'))
                .map(str::to_string)
        })
        .collect();
    v.sort();
    v.into_iter().map(|n| candidate(n, None)).collect()
}

/// The tags on open tickets, most used first.
fn tags(hd: &Helpdesk, prefix: &str) -> Vec<CompletionCandidate> {
    let Ok(listing) = hd.list(&Query::default()) else {
        return Vec::new();
    };
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for t in &listing.tickets {
        for tag in &t.tags {
            *counts.entry(tag).or_default() += 1;
        }
    }
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .map(|(t, n)| {
            candidate(
                format!("{prefix}{t}"),
                Some(crate::output::plural(n, "open ticket")),
            )
        })
        .collect()
}

/// Ticket IDs starting with `current`, the subject (and status) as description. The
/// open ones, most recently updated first; when none of them fits, or for `reopen`
/// (`done_first`), the solved and closed ones too.
fn tickets(current: &str, done_first: bool) -> Vec<CompletionCandidate> {
    let Some(hd) = open() else {
        return Vec::new();
    };
    let query = |all: bool| Query {
        sort: Some("-updated_at".into()),
        all,
        ..Query::default()
    };
    let fits = |id: &str| id.starts_with(current);
    let describe = |s: &crate::store::Summary| {
        candidate(
            s.id.clone(),
            Some(format!(
                "{} [{}]",
                crate::error::one_line(&s.subject),
                s.status
            )),
        )
    };
    let open: Vec<CompletionCandidate> = if done_first {
        Vec::new()
    } else {
        hd.list(&query(false))
            .map(|l| {
                l.tickets
                    .iter()
                    .filter(|s| fits(&s.id))
                    .map(describe)
                    .collect()
            })
            .unwrap_or_default()
    };
    if !open.is_empty() {
        return open;
    }
    let Ok(all) = hd.list(&query(true)) else {
        return Vec::new();
    };
    let settings = &hd.settings;
    let (done, rest): (Vec<_>, Vec<_>) = all
        .tickets
        .iter()
        .filter(|s| fits(&s.id))
        .partition(|s| settings.category(&s.kind, &s.status).is_done());
    done.into_iter().chain(rest).map(describe).collect()
}

/// `FIELD=VALUE` words: field names (with `=`) until one is typed, then its values;
/// `+TAG` and `-TAG` from the tags on open tickets.
fn changes(current: &str, filters: bool) -> Vec<CompletionCandidate> {
    let Some(hd) = open() else {
        return Vec::new();
    };
    let s = &hd.settings;
    let mut all: Vec<CompletionCandidate> = if let Some((field, _)) = current.split_once('=') {
        let field = field.strip_suffix('!').unwrap_or(field);
        let op = &current[..current.find('=').map_or(0, |i| i + 1)];
        let named = |id: &str, name: &str| {
            candidate(format!("{op}{id}"), (name != id).then(|| name.to_string()))
        };
        match field {
            "status" => statuses(&hd, op),
            "status_category" => ["new", "open", "waiting", "solved", "closed"]
                .into_iter()
                .map(|c| candidate(format!("{op}{c}"), None))
                .collect(),
            "priority" => ["low", "normal", "high", "urgent"]
                .into_iter()
                .map(|p| candidate(format!("{op}{p}"), None))
                .collect(),
            "type" => s.types.iter().map(|t| named(&t.id, &t.name)).collect(),
            "department" => s
                .departments
                .iter()
                .map(|d| named(&d.id, &d.name))
                .collect(),
            "assignee" => s.agents.iter().map(|a| named(&a.id, &a.name)).collect(),
            "shop" => s.shops.iter().map(|x| named(&x.id, &x.name)).collect(),
            "requester" => customers(hd.store.root())
                .into_iter()
                .map(|c| candidate(format!("{op}{}", c.get_value().to_string_lossy()), None))
                .collect(),
            _ => Vec::new(),
        }
    } else if let Some(sign) = current.chars().next().filter(|c| *c == '+' || *c == '-') {
        tags(&hd, &sign.to_string())
    } else {
        let fields: &[&str] = if filters {
            &[
                "status",
                "status_category",
                "priority",
                "type",
                "department",
                "assignee",
                "requester",
                "shop",
                "channel",
                "tags",
            ]
        } else {
            // What `desk set` takes, but `sla` (rules set it) and the custom fields
            // (offered by name below).
            &crate::model::field::NAMES[..9]
        };
        fields
            .iter()
            .map(|f| candidate(format!("{f}="), None))
            .collect()
    };
    all.retain(|c| c.get_value().to_string_lossy().starts_with(current));
    all
}

/// `desk __complete KIND [CURRENT]`: the candidates of one kind, one per line with
/// its description after a tab; for tools and shells that do not speak clap's
/// protocol, and for tests.
#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// What to complete
    #[arg(value_enum)]
    pub kind: Kind,

    /// What is typed so far
    #[arg(default_value = "", allow_hyphen_values = true)]
    pub current: String,
}

pub fn run_complete(ctx: &crate::cli::Ctx, args: CompleteArgs) -> Result<()> {
    let _ = HELPDESK.set(ctx.start_dir().to_path_buf());
    let mut out = String::new();
    for c in candidates(args.kind, &args.current) {
        out.push_str(&c.get_value().to_string_lossy());
        if let Some(h) = c.get_help() {
            out.push('\t');
            out.push_str(&h.to_string());
        }
        out.push('\n');
    }
    print(&out)
}
