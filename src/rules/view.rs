//! Views (`[[view]]` in desk.toml): named conditions over tickets, for `desk list
//! --view`. They are read apart from the rest of desk.toml (which is plain settings,
//! `model::Settings`) because they are written in the rules' condition language; like
//! any mistake in desk.toml, one in a view stops the commands that change tickets.

use std::collections::HashMap;

use crate::model::Settings;
use crate::rules::condition::{self, Condition};
use crate::source::{Reader, Source};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct View {
    pub id: String,
    pub name: String,
    pub condition: Condition,
}

/// The `[[view]]`s of desk.toml, checked against its settings.
pub fn parse(
    source: &Source,
    settings: &Settings,
) -> std::result::Result<Vec<View>, Vec<crate::error::Diagnostic>> {
    let doc = source.parse()?;
    let mut r = Reader::new(source);
    let mut seen = HashMap::new();
    let mut views = Vec::new();
    for (span, t) in r.tables(doc.get_ref(), "view") {
        r.check_keys(t, &["id", "name", "if"], "[[view]]");
        let Some(id) = crate::model::settings::read_id(&mut r, t, "view", span.clone(), &mut seen)
        else {
            continue;
        };
        let cond = match t.get("if") {
            Some(v) => condition::parse_if(&mut r, v, settings, condition::Context::View),
            None => {
                r.error(span, format!("view `{id}` needs `if.all` or `if.any`"));
                None
            }
        };
        if let Some(condition) = cond {
            views.push(View {
                name: r
                    .opt_str(t, "name", "[[view]]")
                    .map_or_else(|| id.clone(), |s| s.into_inner()),
                id,
                condition,
            });
        }
    }
    let errors = r.finish();
    if errors.is_empty() {
        Ok(views)
    } else {
        Err(errors)
    }
}
