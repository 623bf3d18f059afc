//! `desk`: a helpdesk that lives in a directory you can put under git.
//!
//! The domain (store, model, rules, time) knows nothing of the command line; `cli` and
//! `cmd` parse arguments, call the domain and print.

pub mod cli;
pub mod cmd;
pub mod compiled;
pub mod customers;
pub mod error;
pub mod git;
pub mod helpdesk;
pub mod ingest;
pub mod init;
pub mod macros;
pub mod mail;
pub mod memory;
pub mod merge;
pub mod model;
pub mod outbox;
pub mod output;
pub mod parallel;
pub mod pipeline;
pub mod query;
pub mod queued;
pub mod report;
pub mod rules;
pub mod rules_check;
pub mod rules_test;
pub mod scripts;
pub mod source;
pub mod store;
pub mod text;
pub mod tick;
pub mod ticket_merge;
pub mod time;

pub use error::{Error, Result};
