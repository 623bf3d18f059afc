//! Event names: what happened to a ticket, which rules listen for and history records.
//! The one table of them; `rules.toml` is checked against [`ALL`].

pub const CREATED: &str = "ticket.created";
pub const CUSTOMER_REPLIED: &str = "customer.replied";
pub const AGENT_REPLIED: &str = "agent.replied";
pub const NOTE_ADDED: &str = "note.added";
pub const UPDATED: &str = "ticket.updated";
pub const STATUS_CHANGED: &str = "status.changed";
pub const ASSIGNED: &str = "ticket.assigned";
pub const DEPARTMENT_CHANGED: &str = "department.changed";
/// Another ticket's conversation was merged into this one (`desk merge`).
pub const MERGED: &str = "ticket.merged";
pub const WOKE: &str = "ticket.woke";
pub const SLA_WARNING: &str = "sla.warning";
pub const SLA_BREACHED: &str = "sla.breached";
pub const TICK: &str = "tick";

/// Every event a rule may listen for, in the order the README lists them.
pub const ALL: [&str; 13] = [
    CREATED,
    CUSTOMER_REPLIED,
    AGENT_REPLIED,
    NOTE_ADDED,
    UPDATED,
    STATUS_CHANGED,
    ASSIGNED,
    DEPARTMENT_CHANGED,
    MERGED,
    WOKE,
    SLA_WARNING,
    SLA_BREACHED,
    TICK,
];

/// Events that the passing of time raises, not anybody's act: a change recorded under
/// one of them never ends a time rule's episode.
pub fn is_timed(name: &str) -> bool {
    matches!(name, WOKE | SLA_WARNING | SLA_BREACHED | TICK)
}
