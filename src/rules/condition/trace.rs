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
        /// For `contains`: the words found, and why they count.
        #[serde(skip_serializing_if = "Option::is_none")]
        matched: Option<String>,
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
                    matched: t.matched(facts),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{now, parse, settings, ticket};
    use super::super::{Context, Facts};
    use super::*;

    fn test(test: &str, saw: &str, held: bool) -> Trace {
        Trace::Test {
            test: test.into(),
            saw: saw.into(),
            held,
            matched: None,
        }
    }

    #[test]
    fn a_trace_records_what_each_test_saw() {
        let c = parse(
            r#"if.all = [
  { field = "status", op = "is", value = "solved" },
  { field = "priority", op = "gt", value = "normal" },
  { not = { field = "assignee", op = "exists" } },
  { field = "tags", op = "contains", value = "vip" },
]"#,
            Context::View,
        )
        .unwrap();
        let (settings, t) = (settings(), ticket());
        let facts = Facts::new(&t, None, &settings, now());
        let group = |kind, held, children| Trace::Group {
            kind,
            held,
            children,
        };
        // The first test fails, yet every later one is still evaluated and shown.
        let want = group(
            "all",
            false,
            vec![group(
                "all",
                false,
                vec![
                    test("status is solved", "open", false),
                    test("priority gt normal", "high", true),
                    group("not", true, vec![test("assignee exists", "(none)", false)]),
                    test("tags contains vip", "[billing]", false),
                ],
            )],
        );
        let got = c.trace(&facts);
        assert_eq!(got, want);
        assert_eq!(got.held(), c.eval(&facts));
    }
}
