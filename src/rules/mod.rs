//! The rule language and engine: conditions (shared by rules, views and `desk list`
//! filters), rules.toml, templates, and the engine that applies rules to a ticket.

pub mod condition;
pub mod engine;
pub mod event;
pub mod ruleset;
pub mod template;
pub mod view;

pub use condition::{Condition, Context, Facts};
pub use event::Event;
pub use ruleset::RuleSet;
