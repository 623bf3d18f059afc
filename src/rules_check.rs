//! Checking the whole configuration at once, for `desk rules check`: desk.toml,
//! rules.toml, the scripts the rules run and every template, also those no rule names
//! yet. Every mistake is listed, not just the first.

use crate::error::{Diagnostic, Error, Result};
use crate::helpdesk::Helpdesk;
use crate::rules::ruleset::Action;
use crate::rules::{RuleSet, template};
use crate::source::Source;

/// A configuration that passed the check.
pub struct RulesCheck {
    /// rules.toml as loaded.
    pub rules: RuleSet,
    /// How many templates were checked.
    pub templates: usize,
}

impl Helpdesk {
    /// Checks rules.toml against desk.toml, that every script a rule runs exists, and
    /// that every template under templates/ parses. A configuration error lists every
    /// mistake found.
    pub fn check_rules(&self) -> Result<RulesCheck> {
        let root = self.store.root().to_path_buf();
        let mut errors: Vec<Diagnostic> = Vec::new();
        let rules = match RuleSet::load(&root, &self.settings) {
            Ok(r) => Some(r),
            Err(Error::Config(d)) => {
                errors.extend(d);
                None
            }
            Err(e) => return Err(e),
        };
        // Scripts are looked for when they run (a missing one is a failure on the ticket);
        // the check names them all now.
        for rule in rules
            .iter()
            .flat_map(|r| r.rules.iter().chain(r.disabled.iter()))
        {
            for a in &rule.actions {
                if let Action::Run { script, .. } = a
                    && let Err(m) = crate::scripts::check_exists(&root, script)
                {
                    errors.push(Diagnostic {
                        file: "rules.toml".into(),
                        line: rule.line,
                        column: 1,
                        problem: format!("rule `{}`: {m}", rule.name).into(),
                    });
                }
            }
        }
        // Every template, also those no rule names yet.
        let mut templates = 0;
        if let Ok(rd) = std::fs::read_dir(root.join("templates")) {
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.ends_with(".txt"))
                .collect();
            names.sort();
            for n in names {
                templates += 1;
                let path = root.join("templates").join(&n);
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                if let Err(d) = template::parse(&Source::new(format!("templates/{n}"), text)) {
                    for x in d {
                        if !errors.contains(&x) {
                            errors.push(x);
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Config(errors));
        }
        Ok(RulesCheck {
            rules: rules.unwrap_or_default(),
            templates,
        })
    }
}
