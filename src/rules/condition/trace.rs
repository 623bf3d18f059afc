//! Traces: what each test of a condition saw and whether it held, for `desk rules test`
//! and `desk tick --dry-run`.

use super::{Condition, Facts};

/// What a condition saw: for `desk rules test` and `desk tick --dry-run`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Trace {
    Group {
        kind: &'static str,
        held: bool,
        children: Vec<Trace>,
    },
    Test {
        test: String,
        saw: String,
        held: bool,
    },
}

impl Trace {
    pub fn held(&self) -> bool {
        match self {
            Trace::Group { held, .. } | Trace::Test { held, .. } => *held,
        }
    }
}

impl Condition {
    /// Evaluates every part (no short cut), recording what each test saw.
    pub fn trace(&self, facts: &Facts<'_>) -> Trace {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                let children: Vec<Trace> = cs.iter().map(|c| c.trace(facts)).collect();
                let all = matches!(self, Condition::All(_));
                let held = if all {
                    children.iter().all(Trace::held)
                } else {
                    children.iter().any(Trace::held)
                };
                Trace::Group {
                    kind: if all { "all" } else { "any" },
                    held,
                    children,
                }
            }
            Condition::Not(c) => {
                let inner = c.trace(facts);
                Trace::Group {
                    kind: "not",
                    held: !inner.held(),
                    children: vec![inner],
                }
            }
            Condition::Test(t) => {
                let (held, saw) = t.holds(facts);
                Trace::Test {
                    test: t.to_string(),
                    saw: saw.display(),
                    held,
                }
            }
        }
    }
}
