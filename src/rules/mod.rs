//! The rule language: conditions (shared by rules, views and `desk list` filters).

pub mod condition;
pub mod text;

pub use condition::{Condition, Context, Facts};
