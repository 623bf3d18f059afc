//! The helpdesk's data: tickets, customers, settings and ticket IDs.

pub mod actor;
pub mod customer;
pub mod edit;
pub mod event;
pub mod field;
pub mod id;
pub mod script;
pub mod settings;
pub mod ticket;

pub use actor::Actor;
pub use customer::Customer;
pub use edit::Edit;
pub use settings::Settings;
pub use ticket::{
    Attachment, Change, HistoryEntry, MailRecord, Message, MessageKind, Priority, Ticket,
};
