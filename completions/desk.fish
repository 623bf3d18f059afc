# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_desk_global_optspecs
    string join \n C/dir= as= now= color= q/quiet h/help V/version
end

function __fish_desk_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_desk_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_desk_using_subcommand
    set -l cmd (__fish_desk_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c desk -n "__fish_desk_needs_command" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_needs_command" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_needs_command" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_needs_command" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_needs_command" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_needs_command" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_needs_command" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_needs_command" -f -a "init" -d 'Create a helpdesk: desk.toml, rules.toml, templates and the directories for tickets, customers, scripts and outgoing mail'
complete -c desk -n "__fish_desk_needs_command" -f -a "new" -d 'Open a ticket; prints its ID alone, so `id=$(desk new ...)` works'
complete -c desk -n "__fish_desk_needs_command" -f -a "list" -d 'List tickets: by default those not solved or closed'
complete -c desk -n "__fish_desk_needs_command" -f -a "show" -d 'Show a ticket with its conversation and history'
complete -c desk -n "__fish_desk_needs_command" -f -a "reply" -d 'Reply to the customer (opens $EDITOR when no body is given on a terminal)'
complete -c desk -n "__fish_desk_needs_command" -f -a "note" -d 'Add an internal note (opens $EDITOR when no body is given on a terminal)'
complete -c desk -n "__fish_desk_needs_command" -f -a "macro" -d 'Apply a macro of rules.toml to tickets, as the acting agent (--as)'
complete -c desk -n "__fish_desk_needs_command" -f -a "merge" -d 'Merge ticket SOURCE into TARGET: its messages, attachments, followers and tags join TARGET; SOURCE is closed, and later mail to it goes to TARGET'
complete -c desk -n "__fish_desk_needs_command" -f -a "set" -d 'Change fields (FIELD=VALUE, an empty value clears), tags (+TAG, -TAG) and followers (+cc:ADDR, -cc:ADDR)'
complete -c desk -n "__fish_desk_needs_command" -f -a "assign" -d 'Assign a ticket to an agent, or with --auto to the least loaded agent of its department who is not away'
complete -c desk -n "__fish_desk_needs_command" -f -a "transfer" -d 'Move a ticket to another department, keeping its messages and history; an assignee who is not in the new department is cleared'
complete -c desk -n "__fish_desk_needs_command" -f -a "snooze" -d 'Snooze a ticket: it waits (status pending) until WHEN, when `desk tick` wakes it; a customer reply wakes it early'
complete -c desk -n "__fish_desk_needs_command" -f -a "solve" -d 'Change a ticket\'s status: solve, close or reopen it'
complete -c desk -n "__fish_desk_needs_command" -f -a "close" -d 'Change a ticket\'s status: solve, close or reopen it'
complete -c desk -n "__fish_desk_needs_command" -f -a "reopen" -d 'Change a ticket\'s status: solve, close or reopen it'
complete -c desk -n "__fish_desk_needs_command" -f -a "tick" -d 'Wake snoozed tickets, raise SLA warnings and breaches, and run time rules, once'
complete -c desk -n "__fish_desk_needs_command" -f -a "ingest" -d 'Bring mail, web-form or chat messages into the helpdesk'
complete -c desk -n "__fish_desk_needs_command" -f -a "import" -d 'Import tickets in bulk'
complete -c desk -n "__fish_desk_needs_command" -f -a "outbox" -d 'The mail waiting in outbox/, and sending it'
complete -c desk -n "__fish_desk_needs_command" -f -a "report" -d 'Workload and performance by department, agent, shop or type, for any period'
complete -c desk -n "__fish_desk_needs_command" -f -a "rules" -d 'Check, list and test the rules in rules.toml'
complete -c desk -n "__fish_desk_needs_command" -f -a "sync" -d 'Commit what changed in the helpdesk, pull (merging tickets field by field), push'
complete -c desk -n "__fish_desk_needs_command" -f -a "merge-file" -d 'Merge a ticket or customer file three ways, field by field (git\'s merge driver)'
complete -c desk -n "__fish_desk_needs_command" -f -a "completions" -d 'Print a completion script for a shell'
complete -c desk -n "__fish_desk_needs_command" -f -a "man" -d 'Print the manual page (roff), as committed in man/desk.1'
complete -c desk -n "__fish_desk_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand init" -l example -d 'Start from a worked example instead of the defaults (available: shop)' -r
complete -c desk -n "__fish_desk_using_subcommand init" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand init" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand init" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand init" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand init" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand init" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand init" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand new" -s s -l subject -d 'The subject' -r
complete -c desk -n "__fish_desk_using_subcommand new" -s m -l message -d 'The first message (`-` reads standard input)' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l from -d 'The customer\'s email address; their record is created on first contact' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l name -d 'The customer\'s name, kept on their record' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l cc -d 'A follower, copied on public replies (repeatable)' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l channel -d 'How the ticket arrived [default: manual]' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l shop -r
complete -c desk -n "__fish_desk_using_subcommand new" -l type -d 'The ticket type [default: ticket]' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l department -r
complete -c desk -n "__fish_desk_using_subcommand new" -l priority -d 'low, normal, high or urgent [default: normal]' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l tag -d 'A tag (repeatable)' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l field -d 'A custom field as NAME=VALUE (repeatable)' -r
complete -c desk -n "__fish_desk_using_subcommand new" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand new" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand new" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand new" -l json -d 'Print the new ticket as JSON instead of its ID'
complete -c desk -n "__fish_desk_using_subcommand new" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand new" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand new" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand list" -l view -d 'A view from desk.toml' -r
complete -c desk -n "__fish_desk_using_subcommand list" -l format -d 'Output format' -r -f -a "table\t''
json\t''
jsonl\t''
csv\t''
ids\t''"
complete -c desk -n "__fish_desk_using_subcommand list" -l sort -d 'Sort by a field (id, created_at, updated_at, priority, status, subject, department, assignee, requester, shop, type, channel, sla: nearest SLA due time first); prefix `-` for descending [default: id]' -r
complete -c desk -n "__fish_desk_using_subcommand list" -l limit -d 'Print at most N tickets' -r
complete -c desk -n "__fish_desk_using_subcommand list" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand list" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand list" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand list" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand list" -s a -l all -d 'Include solved and closed tickets'
complete -c desk -n "__fish_desk_using_subcommand list" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand list" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand show" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand show" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand show" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand show" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand show" -l json -d 'Print the ticket file exactly as stored'
complete -c desk -n "__fish_desk_using_subcommand show" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand show" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand show" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand reply" -s m -l message -d 'The reply (`-` reads standard input)' -r
complete -c desk -n "__fish_desk_using_subcommand reply" -l template -d 'A canned reply: templates/NAME.txt rendered for this ticket, opened in $EDITOR first on a terminal' -r
complete -c desk -n "__fish_desk_using_subcommand reply" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand reply" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand reply" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand reply" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand reply" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand reply" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand reply" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand note" -s m -l message -d 'The note (`-` reads standard input)' -r
complete -c desk -n "__fish_desk_using_subcommand note" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand note" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand note" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand note" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand note" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand note" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand note" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand macro" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand macro" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand macro" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand macro" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand macro" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand macro" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand macro" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand merge" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand merge" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand merge" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand merge" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand merge" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand merge" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand merge" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand set" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand set" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand set" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand set" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand set" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand set" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand assign" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand assign" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand assign" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand assign" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand assign" -l auto -d 'Pick the agent of the ticket\'s department with the fewest open tickets'
complete -c desk -n "__fish_desk_using_subcommand assign" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand assign" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand assign" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand transfer" -s m -l message -d 'An internal note to leave with the transfer' -r
complete -c desk -n "__fish_desk_using_subcommand transfer" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand transfer" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand transfer" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand transfer" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand transfer" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand transfer" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand transfer" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand snooze" -l until -d 'A duration (`2h`, `3d`, `1d12h`), a date (`2026-12-01`, midnight), a local time (`2026-12-01 09:00`) in the helpdesk\'s time zone, or RFC 3339' -r
complete -c desk -n "__fish_desk_using_subcommand snooze" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand snooze" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand snooze" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand snooze" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand snooze" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand snooze" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand snooze" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand solve" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand solve" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand solve" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand solve" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand solve" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand solve" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand solve" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand close" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand close" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand close" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand close" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand close" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand close" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand close" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand reopen" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand reopen" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand reopen" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand reopen" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand reopen" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand reopen" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand reopen" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand tick" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand tick" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand tick" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand tick" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand tick" -l dry-run -d 'Change nothing; print what would happen, with the rules\' reasons'
complete -c desk -n "__fish_desk_using_subcommand tick" -l json -d 'Print a machine summary on stdout'
complete -c desk -n "__fish_desk_using_subcommand tick" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand tick" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand tick" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -f -a "email" -d 'Ingest mail: .eml files, mbox files, Maildir folders (new/ and cur/, nested), or `-`'
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -f -a "json" -d 'Ingest web-form or chat payloads: one JSON object, or JSON Lines'
complete -c desk -n "__fish_desk_using_subcommand ingest; and not __fish_seen_subcommand_from email json help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -l keep -d 'Leave Maildir messages where they are (in new/)'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -l json -d 'Print one JSON array of results instead of lines'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from email" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -l json -d 'Print one JSON array of results instead of lines'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from json" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from help" -f -a "email" -d 'Ingest mail: .eml files, mbox files, Maildir folders (new/ and cur/, nested), or `-`'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from help" -f -a "json" -d 'Ingest web-form or chat payloads: one JSON object, or JSON Lines'
complete -c desk -n "__fish_desk_using_subcommand ingest; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -f -a "csv" -d 'Import tickets from CSV with a header row'
complete -c desk -n "__fish_desk_using_subcommand import; and not __fish_seen_subcommand_from csv help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -l json -d 'Print one JSON array of results instead of lines'
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from csv" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "csv" -d 'Import tickets from CSV with a header row'
complete -c desk -n "__fish_desk_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -f -a "list" -d 'List queued messages with their ticket, recipients, attempts and last error'
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -f -a "send" -d 'Send every queued message once; a failure stays queued with its error'
complete -c desk -n "__fish_desk_using_subcommand outbox; and not __fish_seen_subcommand_from list send help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -l format -r -f -a "table\t''
json\t''
jsonl\t''
csv\t''
ids\t''"
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -l sendmail -d 'A sendmail-compatible command, given each message on standard input' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -l smtp -d 'An SMTP relay: smtp://HOST:PORT or smtps://HOST:PORT' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -l json -d 'Print one JSON array of results'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from send" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "list" -d 'List queued messages with their ticket, recipients, attempts and last error'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "send" -d 'Send every queued message once; a failure stays queued with its error'
complete -c desk -n "__fish_desk_using_subcommand outbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l by -d 'What to group by' -r -f -a "department\t''
agent\t''
shop\t''
type\t''"
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l since -d 'Start: a duration back from --until (`30d`, `12w`), a date or a time [default: 30d]' -r
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l until -d 'End, not included: a date or a time [default: now]' -r
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l format -r -f -a "table\t''
json\t''
csv\t''"
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l svg -d 'Also write the charts as a standalone SVG file' -r
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -f -a "sla" -d 'SLA results per policy and target: met %, breaches, the worst tickets'
complete -c desk -n "__fish_desk_using_subcommand report; and not __fish_seen_subcommand_from sla help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -l since -d 'Start: a duration back from --until (`30d`, `12w`), a date or a time [default: 30d]' -r
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -l until -d 'End, not included: a date or a time [default: now]' -r
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -l format -r -f -a "table\t''
json\t''
csv\t''"
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from sla" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "sla" -d 'SLA results per policy and target: met %, breaches, the worst tickets'
complete -c desk -n "__fish_desk_using_subcommand report; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -f -a "check" -d 'Validate desk.toml, rules.toml and every template; list every mistake'
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -f -a "list" -d 'List the rules and the macros, one line each'
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -f -a "test" -d 'Show which rules would fire on a ticket and why, changing nothing'
complete -c desk -n "__fish_desk_using_subcommand rules; and not __fish_seen_subcommand_from check list test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from check" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from check" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from check" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from check" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "table\t''
json\t''
jsonl\t''
csv\t''
ids\t''"
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -l ticket -d 'A JSON draft of a ticket that does not exist yet: subject, body, from, to, channel, shop, type, department, priority, status, assignee, tags, fields' -r -F
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -l event -d 'The event to test [default: ticket.created]' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -l format -d 'Output format (table or json)' -r -f -a "table\t''
json\t''
jsonl\t''
csv\t''
ids\t''"
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate desk.toml, rules.toml and every template; list every mistake'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the rules and the macros, one line each'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "test" -d 'Show which rules would fire on a ticket and why, changing nothing'
complete -c desk -n "__fish_desk_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand sync" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand sync" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand sync" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand sync" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand sync" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand sync" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand merge-file" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand merge-file" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand merge-file" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand merge-file" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand merge-file" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand merge-file" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c desk -n "__fish_desk_using_subcommand merge-file" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand completions" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand completions" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand completions" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand completions" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand completions" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand completions" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand completions" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand man" -s C -l dir -d 'Run as if started in DIR (the helpdesk is DIR or its nearest ancestor with desk.toml)' -r -F
complete -c desk -n "__fish_desk_using_subcommand man" -l as -d 'Act as this agent: the actor recorded in history for manual changes [default: system]' -r
complete -c desk -n "__fish_desk_using_subcommand man" -l now -d 'Pin the clock to this instant (RFC 3339), for tests and what-if runs' -r
complete -c desk -n "__fish_desk_using_subcommand man" -l color -d 'When to use color (NO_COLOR turns it off)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c desk -n "__fish_desk_using_subcommand man" -s q -l quiet -d 'Print no status messages, only data and errors'
complete -c desk -n "__fish_desk_using_subcommand man" -s h -l help -d 'Print help'
complete -c desk -n "__fish_desk_using_subcommand man" -s V -l version -d 'Print version'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "init" -d 'Create a helpdesk: desk.toml, rules.toml, templates and the directories for tickets, customers, scripts and outgoing mail'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "new" -d 'Open a ticket; prints its ID alone, so `id=$(desk new ...)` works'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "list" -d 'List tickets: by default those not solved or closed'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "show" -d 'Show a ticket with its conversation and history'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "reply" -d 'Reply to the customer (opens $EDITOR when no body is given on a terminal)'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "note" -d 'Add an internal note (opens $EDITOR when no body is given on a terminal)'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "macro" -d 'Apply a macro of rules.toml to tickets, as the acting agent (--as)'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "merge" -d 'Merge ticket SOURCE into TARGET: its messages, attachments, followers and tags join TARGET; SOURCE is closed, and later mail to it goes to TARGET'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "set" -d 'Change fields (FIELD=VALUE, an empty value clears), tags (+TAG, -TAG) and followers (+cc:ADDR, -cc:ADDR)'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "assign" -d 'Assign a ticket to an agent, or with --auto to the least loaded agent of its department who is not away'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "transfer" -d 'Move a ticket to another department, keeping its messages and history; an assignee who is not in the new department is cleared'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "snooze" -d 'Snooze a ticket: it waits (status pending) until WHEN, when `desk tick` wakes it; a customer reply wakes it early'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "solve" -d 'Change a ticket\'s status: solve, close or reopen it'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "close" -d 'Change a ticket\'s status: solve, close or reopen it'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "reopen" -d 'Change a ticket\'s status: solve, close or reopen it'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "tick" -d 'Wake snoozed tickets, raise SLA warnings and breaches, and run time rules, once'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "ingest" -d 'Bring mail, web-form or chat messages into the helpdesk'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "import" -d 'Import tickets in bulk'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "outbox" -d 'The mail waiting in outbox/, and sending it'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "report" -d 'Workload and performance by department, agent, shop or type, for any period'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "rules" -d 'Check, list and test the rules in rules.toml'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "sync" -d 'Commit what changed in the helpdesk, pull (merging tickets field by field), push'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "merge-file" -d 'Merge a ticket or customer file three ways, field by field (git\'s merge driver)'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "completions" -d 'Print a completion script for a shell'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "man" -d 'Print the manual page (roff), as committed in man/desk.1'
complete -c desk -n "__fish_desk_using_subcommand help; and not __fish_seen_subcommand_from init new list show reply note macro merge set assign transfer snooze solve close reopen tick ingest import outbox report rules sync merge-file completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from ingest" -f -a "email" -d 'Ingest mail: .eml files, mbox files, Maildir folders (new/ and cur/, nested), or `-`'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from ingest" -f -a "json" -d 'Ingest web-form or chat payloads: one JSON object, or JSON Lines'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from import" -f -a "csv" -d 'Import tickets from CSV with a header row'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from outbox" -f -a "list" -d 'List queued messages with their ticket, recipients, attempts and last error'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from outbox" -f -a "send" -d 'Send every queued message once; a failure stays queued with its error'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from report" -f -a "sla" -d 'SLA results per policy and target: met %, breaches, the worst tickets'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "check" -d 'Validate desk.toml, rules.toml and every template; list every mistake'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "list" -d 'List the rules and the macros, one line each'
complete -c desk -n "__fish_desk_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "test" -d 'Show which rules would fire on a ticket and why, changing nothing'
