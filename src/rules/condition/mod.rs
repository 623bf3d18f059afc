//! Conditions: `{ field, op, value }` tests combined with `all`, `any` and `not`.
//! Parsed and checked once against desk.toml, then evaluated against many tickets.
//!
//! - `field`: the field table: every field name, its did-you-mean, and what a field
//!   needs or where it is known (event rules, time rules, the customer's file).
//! - `parse`: conditions, operators and operands read from TOML with their places, and
//!   from `desk list` filter words; their one-line written form.
//! - `check`: the checks made once at load (field and operator fit where the condition
//!   is used and each other, named values exist) and the operand prepared from them.
//! - `eval`: `Facts`, each field's `Val` on them, and `eval`/`eval3`.
//! - `trace`: `Trace`, what each test saw, for `desk rules test` and `tick --dry-run`.

mod check;
mod eval;
mod field;
mod parse;
mod trace;

#[cfg(test)]
mod testkit;

pub use check::prepare;
pub use eval::{Facts, ME, Val};
pub use field::{Context, Field, Since, names as field_names};
pub use parse::{Condition, OP_NAMES, Op, Operand, Pattern, Test, from_filters, parse_if};
pub use trace::Trace;
