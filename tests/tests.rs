//! One integration-test binary: every test runs the real `desk` in a temporary helpdesk
//! with a pinned clock.

mod common;

mod agent_work;
mod business_days;
mod business_hours;
mod chat;

mod commands;
mod config;
mod crash;
mod customers;
mod example;
mod example_scripts;
mod failures;
mod followers;
mod fuzz;
mod hardening;
mod ingest;
mod ingest_broken;
mod ingest_corpus;
mod instants;
mod language;
mod listing;
mod mail_robust;
mod manager;
mod manager_tools;
mod outbox;
mod report;
mod rules;
mod rules_check;
mod scale;
mod scripts;
mod semantics;
mod shell_ux;
mod team;
mod tick;
