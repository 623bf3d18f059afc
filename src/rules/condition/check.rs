//! Checks done once at load, so mistakes fail then and not silently per ticket: the
//! operator fits the field, values naming things in desk.toml exist, and each value is
//! prepared for evaluation (regexes compiled, durations and times read).

use super::field::SLA_TARGETS;
use super::{Context, Field, ME, Op, Operand};
use crate::error::Problem;
use crate::model::Priority;
use crate::model::settings::{Category, Settings};
use crate::text;
use crate::time::{Duration, parse_instant};

/// Whether a field is known where the condition is used (`name` as written).
pub(super) fn field_fits(field: &Field, name: &str, ctx: Context) -> Result<(), String> {
    if ctx != Context::Event && field.event_only() {
        return Err(if ctx == Context::View {
            format!("field `{name}` is known only in rules, not in views, filters or SLA policies")
        } else {
            format!(
                "field `{name}` belongs to an event and is not known in a time rule (on = [\"tick\"])"
            )
        });
    }
    if ctx == Context::Event && field.tick_only() {
        return Err(format!(
            "field `{name}` changes with time and is known only in time rules (on = [\"tick\"])"
        ));
    }
    Ok(())
}

/// Whether an operator is known where the condition is used.
pub(super) fn op_fits(op: Op, ctx: Context) -> Result<(), String> {
    if ctx != Context::Event && matches!(op, Op::Changed | Op::ChangedTo | Op::ChangedFrom) {
        return Err(format!(
            "operator `{}` looks at an event's changes and is known only in event rules",
            op.name()
        ));
    }
    Ok(())
}

type PrepError = (String, Option<usize>);

/// Checks a test's value against its field and operator, and prepares it for evaluation.
pub fn prepare(
    field: &Field,
    op: Op,
    values: Option<&[(String, std::ops::Range<usize>)]>,
    settings: &Settings,
    ctx: Context,
) -> Result<Operand, PrepError> {
    let _ = ctx;
    let needs_value = !matches!(op, Op::Exists | Op::Missing | Op::Changed);
    let values = match (needs_value, values) {
        (false, Some(_)) => {
            return Err((format!("operator `{}` takes no `value`", op.name()), None));
        }
        (false, None) => return Ok(Operand::None),
        (true, None) => return Err((format!("operator `{}` needs a `value`", op.name()), None)),
        (true, Some(v)) => v,
    };
    if values.is_empty() {
        return Err(("`value` must not be empty".into(), None));
    }
    let single = |values: &[(String, std::ops::Range<usize>)]| -> Result<String, PrepError> {
        if values.len() == 1 {
            Ok(values[0].0.clone())
        } else {
            Err((
                format!("operator `{}` takes a single value, not a list", op.name()),
                None,
            ))
        }
    };
    // Values naming things in desk.toml must exist, so a typo fails at load, not silently.
    // `changes.status.to is "solvd"` is checked like `status is "solvd"`.
    let changed_field;
    let field_for_values = match field {
        Field::ChangeFrom(f) | Field::ChangeTo(f) => {
            changed_field = Field::parse(f).unwrap_or(Field::Custom(f.clone()));
            &changed_field
        }
        other => other,
    };
    // Followers are stored lowercase: `cc is Lars@Example.no` means the same address.
    let lowered: Vec<(String, std::ops::Range<usize>)>;
    let values = if *field_for_values == Field::Cc {
        lowered = values
            .iter()
            .map(|(v, r)| (v.trim().to_lowercase(), r.clone()))
            .collect();
        &lowered[..]
    } else {
        values
    };
    let names_things = matches!(
        op,
        Op::Is | Op::IsNot | Op::In | Op::NotIn | Op::ChangedTo | Op::ChangedFrom
    ) || (matches!(
        op,
        Op::Contains | Op::ContainsAll | Op::NotContains | Op::ContainsExact
    ) && !matches!(
        field,
        Field::Tags | Field::Text | Field::Body | Field::Subject | Field::MessageBody
    ));
    for (i, (v, _)) in values.iter().enumerate() {
        if names_things {
            let known = match field_for_values {
                Field::Department => settings.check_department(v),
                Field::Assignee if v == ME => Ok(()),
                Field::Assignee => settings.check_agent(v),
                Field::Type => settings.check_type(v),
                Field::Shop => settings.check_shop(v),
                Field::CustomerGroup => settings.check_group(v),
                Field::Priority => v.parse::<Priority>().map(|_| ()),
                Field::StatusCategory => Category::parse(v).map(|_| ()).ok_or_else(|| {
                    Problem::near(
                        format!("unknown status category `{v}` (one of new, open, waiting, solved, closed)"),
                        v,
                        Category::NAMES,
                    )
                }),
                Field::Status => {
                    let all = settings.types.iter().flat_map(|t| t.statuses.iter().map(|s| s.id.as_str()));
                    Settings::check_known("status", v, all)
                }
                Field::MessageKind => ["customer", "reply", "note", "auto"]
                    .contains(&v.as_str())
                    .then_some(())
                    .ok_or_else(|| {
                        Problem::near(
                            format!("unknown message kind `{v}` (one of customer, reply, note, auto)"),
                            v,
                            ["customer", "reply", "note", "auto"],
                        )
                    }),
                Field::EventName => Settings::check_known(
                    "event",
                    v,
                    crate::rules::ruleset::EVENTS.iter().copied(),
                ),
                Field::EventTarget => Settings::check_known("SLA target", v, SLA_TARGETS.iter().copied()),
                // A list of addresses: `contains "example.com"` would never hold.
                Field::Cc => crate::model::customer::validate_email(v).map(|_| ()).map_err(|m| {
                    Problem::from(format!(
                        "{m}: `cc` holds followers' addresses (for a domain, use `ends_with`)"
                    ))
                }),
                _ => Ok(()),
            };
            known.map_err(|m| (m.to_string(), Some(i)))?;
        }
    }
    let strings = || Operand::Strings(values.iter().map(|(v, _)| v.clone()).collect());
    match op {
        Op::Is | Op::IsNot | Op::ChangedTo | Op::ChangedFrom => {
            let v = single(values)?;
            if matches!(field, Field::SlaBreached | Field::MessageAuto) {
                let name = if matches!(field, Field::SlaBreached) {
                    "sla.breached"
                } else {
                    "message.auto"
                };
                return v
                    .parse::<bool>()
                    .map(Operand::Bool)
                    .map_err(|_| (format!("`{name}` is true or false"), Some(0)));
            }
            Ok(Operand::Strings(vec![v]))
        }
        Op::In | Op::NotIn => Ok(strings()),
        Op::StartsWith | Op::EndsWith => Ok(Operand::Strings(
            values.iter().map(|(v, _)| v.to_lowercase()).collect(),
        )),
        Op::Contains | Op::ContainsAll | Op::NotContains | Op::ContainsExact => {
            let phrases: Vec<Vec<String>> = values.iter().map(|(v, _)| text::words(v)).collect();
            if let Some(i) = phrases.iter().position(Vec::is_empty) {
                return Err((
                    "a word or phrase must contain letters or digits".into(),
                    Some(i),
                ));
            }
            Ok(Operand::Phrases(
                values.iter().map(|(v, _)| v.to_lowercase()).collect(),
                phrases,
            ))
        }
        Op::Matches => {
            let v = single(values)?;
            super::Pattern::new(&v)
                .map(Operand::Regex)
                .map_err(|e| (format!("invalid regex: {e}"), Some(0)))
        }
        Op::Over | Op::Under => {
            if !field.is_duration() {
                return Err((
                    format!(
                        "operator `{}` compares durations: use it with `since.*` or `sla.*.due_in`",
                        op.name()
                    ),
                    None,
                ));
            }
            let v = single(values)?;
            Duration::parse(&v)
                .map(Operand::Duration)
                .map_err(|m| (m, Some(0)))
        }
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let v = single(values)?;
            if *field == Field::Priority {
                v.parse::<Priority>()
                    .map(Operand::Priority)
                    .map_err(|m| (m.to_string(), Some(0)))
            } else if field.is_time() {
                parse_instant(&v, settings.helpdesk.timezone)
                    .map(Operand::Time)
                    .ok_or_else(|| {
                        (
                            format!("`{v}` is not a time like `2026-11-24T09:00:00Z`"),
                            Some(0),
                        )
                    })
            } else if field.is_duration() {
                Duration::parse(&v)
                    .map(Operand::Duration)
                    .map_err(|m| (m, Some(0)))
            } else if !matches!(field, Field::Custom(_) | Field::CustomerField(_)) {
                Err((
                    format!(
                        "operator `{}` compares priorities, times, durations and numbers in `fields.NAME`; use `is`, `contains` or `matches` for text",
                        op.name(),
                    ),
                    None,
                ))
            } else {
                v.parse::<f64>()
                    .map(Operand::Number)
                    .map_err(|_| (format!("`{v}` is not a number"), Some(0)))
            }
        }
        Op::Exists | Op::Missing | Op::Changed => Ok(Operand::None),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::parse;
    use super::*;

    fn error(entry: &str, ctx: Context) -> String {
        let errors = parse(&format!("if.all = [ {entry} ]"), ctx).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].split_once(": ").unwrap().1.to_string()
    }

    #[test]
    fn values_naming_things_in_desk_toml_must_exist() {
        assert_eq!(
            error(
                r#"{ field = "department", op = "is", value = "suport" }"#,
                Context::View
            ),
            "unknown department `suport`, did you mean `support`?"
        );
        assert!(
            error(
                r#"{ field = "changes.status.to", op = "is", value = "solvd" }"#,
                Context::Event
            )
            .starts_with("unknown status `solvd`")
        );
    }

    #[test]
    fn followers_are_tested_by_address() {
        assert_eq!(
            error(
                r#"{ field = "cc", op = "contains", value = "example.no" }"#,
                Context::Event
            ),
            "`example.no` is not an email address: `cc` holds followers' addresses (for a domain, use `ends_with`)"
        );
        let c = super::super::testkit::one(
            r#"{ field = "cc", op = "in", value = ["Lars@Example.no", "per@example.no"] }"#,
            Context::View,
        );
        assert_eq!(c.to_string(), "cc in [lars@example.no, per@example.no]");
    }

    #[test]
    fn the_operator_must_fit_the_field_and_the_place() {
        assert_eq!(
            error(
                r#"{ field = "subject", op = "over", value = "1d" }"#,
                Context::Tick
            ),
            "operator `over` compares durations: use it with `since.*` or `sla.*.due_in`"
        );
        assert_eq!(
            error(
                r#"{ field = "assignee", op = "exists", value = "x" }"#,
                Context::View
            ),
            "operator `exists` takes no `value`"
        );
        assert_eq!(
            error(r#"{ field = "status", op = "changed" }"#, Context::View),
            "operator `changed` looks at an event's changes and is known only in event rules"
        );
        assert!(field_fits(&Field::MessageBody, "message.body", Context::Event).is_ok());
        assert!(field_fits(&Field::MessageBody, "message.body", Context::Tick).is_err());
        assert!(
            field_fits(
                &Field::parse("since.created").unwrap(),
                "since.created",
                Context::Event
            )
            .is_err()
        );
    }
}
