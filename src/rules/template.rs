//! Message templates, `templates/NAME.txt`: a `Subject: ...` line, a blank line, the
//! body. Placeholders `{{ticket.subject}}`, `{{customer.name}}`, `{{agent.name}}` (the
//! assignee, or the agent who sends a canned reply or applies a macro),
//! `{{department.signature}}` and any condition field are checked when rules load.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::error::{Diagnostic, Problem};
use crate::model::Settings;
use crate::model::ticket::SUMMARY_FIELDS as TICKET_KEYS;
use crate::rules::condition::{Facts, Field};
use crate::source::{Reader, Source};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    pub subject: String,
    pub body: String,
}

/// The templates rules name, loaded once.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Templates {
    /// Set again from the helpdesk's root when read from a compiled configuration: the
    /// helpdesk may have moved.
    #[serde(skip)]
    dir: PathBuf,
    pub loaded: BTreeMap<String, Template>,
    /// A hash of each template file as read, which a compiled configuration is valid for.
    pub hashes: BTreeMap<String, u64>,
}

const AGENT_KEYS: [&str; 3] = ["id", "name", "email"];
const DEPARTMENT_KEYS: [&str; 5] = ["id", "name", "address", "sender", "signature"];
const HELPDESK_KEYS: [&str; 2] = ["name", "address"];

/// Every placeholder spelled out, for did-you-mean and the manual.
pub fn known_names() -> Vec<String> {
    let mut v: Vec<String> = TICKET_KEYS.iter().map(|k| format!("ticket.{k}")).collect();
    v.push("ticket.cc".into());
    v.extend(AGENT_KEYS.iter().map(|k| format!("agent.{k}")));
    v.extend(DEPARTMENT_KEYS.iter().map(|k| format!("department.{k}")));
    v.extend(HELPDESK_KEYS.iter().map(|k| format!("helpdesk.{k}")));
    v.extend(
        [
            "customer.email",
            "customer.name",
            "customer.domain",
            "customer.group",
            "customer.organization",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    v.extend(
        ["sla.policy", "event.name", "event.target", "message.body"]
            .iter()
            .map(|s| s.to_string()),
    );
    v
}

/// Checks one placeholder name; `Err` carries the message.
fn check_name(name: &str) -> Result<(), Problem> {
    let ok = if let Some(k) = name.strip_prefix("ticket.") {
        TICKET_KEYS.contains(&k)
            || k == "cc"
            || k.strip_prefix("fields.").is_some_and(|n| !n.is_empty())
    } else if let Some(k) = name.strip_prefix("agent.") {
        AGENT_KEYS.contains(&k)
    } else if let Some(k) = name.strip_prefix("department.") {
        DEPARTMENT_KEYS.contains(&k)
    } else if let Some(k) = name.strip_prefix("helpdesk.") {
        HELPDESK_KEYS.contains(&k)
    } else {
        Field::parse(name).is_ok()
    };
    if ok {
        Ok(())
    } else {
        let names = known_names();
        Err(Problem::near(
            format!("unknown placeholder `{{{{{name}}}}}`"),
            name,
            names.iter().map(String::as_str),
        ))
    }
}

/// The placeholders of a text: (name, byte offset of `{{`).
fn placeholders(text: &str) -> Vec<(String, usize)> {
    scan(text).0
}

/// The byte offset of the first `{{` that no `}}` closes on its line before the next
/// `{{`. Rendering would print it as it is, so it is refused when rules load.
fn unclosed(text: &str) -> Option<usize> {
    scan(text).1
}

/// Placeholders, and the first unclosed `{{`, which is skipped so that the
/// placeholders after it are still found.
fn scan(text: &str) -> (Vec<(String, usize)>, Option<usize>) {
    let mut out = Vec::new();
    let mut first_unclosed = None;
    let mut rest = 0;
    while let Some(i) = text[rest..].find("{{") {
        let start = rest + i;
        let inner = &text[start + 2..];
        let close = inner.find("}}");
        let cut = [inner.find("{{"), inner.find('\n')]
            .into_iter()
            .flatten()
            .min();
        match close {
            Some(j) if cut.is_none_or(|c| j < c) => {
                out.push((inner[..j].trim().to_string(), start));
                rest = start + 2 + j + 2;
            }
            _ => {
                first_unclosed.get_or_insert(start);
                rest = start + 2;
            }
        }
    }
    (out, first_unclosed)
}

/// Checks the placeholders of a text inside rules.toml (a `note` action).
pub fn check_placeholders(
    r: &mut Reader<'_>,
    text: &str,
    span: Range<usize>,
    _settings: &Settings,
) -> Option<()> {
    let mut ok = true;
    let raw = r.source.text.get(span.clone()).unwrap_or("").to_string();
    if let Some(offset) = unclosed(text) {
        // Point at it when the string is written plainly (no escapes before it).
        let at = raw
            .match_indices("{{")
            .nth(text[..offset].matches("{{").count())
            .map_or(span.start, |(i, _)| span.start + i);
        r.error(at..at, "unclosed `{{`: close the placeholder with `}}`");
        ok = false;
    }
    for (name, offset) in placeholders(text) {
        if let Err(m) = check_name(&name) {
            // Point at the placeholder itself when the string is written plainly.
            let at = raw
                .find(&text[offset..offset + 2 + text[offset + 2..].find("}}").unwrap_or(0)])
                .map_or(span.start, |i| span.start + i);
            r.error(at..at, m);
            ok = false;
        }
    }
    ok.then_some(())
}

impl Templates {
    pub fn new(root: &Path) -> Self {
        Templates {
            dir: root.join("templates"),
            loaded: BTreeMap::new(),
            hashes: BTreeMap::new(),
        }
    }

    /// The same templates, for the helpdesk at `root`.
    pub fn moved_to(self, root: &Path) -> Templates {
        Templates {
            dir: root.join("templates"),
            ..self
        }
    }

    /// Whether every template read is unchanged on disk, by its hash.
    pub fn unchanged(&self) -> bool {
        self.hashes.iter().all(|(n, hash)| {
            std::fs::read(self.dir.join(format!("{n}.txt")))
                .is_ok_and(|text| crate::source::hash(&text) == *hash)
        })
    }

    pub fn get(&self, name: &str) -> Option<&Template> {
        self.loaded.get(name)
    }

    fn available(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        e.file_name()
                            .to_str()
                            .and_then(|n| n.strip_suffix(".txt"))
                            .map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Loads and checks the template a rule names; reports problems at the rule or in the template.
    pub fn require(
        &mut self,
        r: &mut Reader<'_>,
        name: &Spanned<String>,
        _settings: &Settings,
    ) -> Option<()> {
        let n = name.get_ref();
        if self.loaded.contains_key(n) {
            return Some(());
        }
        match self.read(n) {
            Ok(t) => {
                self.loaded.insert(n.clone(), t);
                Some(())
            }
            Err(Unread::Missing) => {
                let avail = self.available();
                r.error(
                    name.span(),
                    Problem::near(
                        format!("unknown template `{n}` (no templates/{n}.txt)"),
                        n,
                        avail.iter().map(String::as_str),
                    ),
                );
                None
            }
            Err(Unread::Broken(diags)) => {
                r.errors.extend(diags);
                None
            }
        }
    }

    /// Loads one template by name, for a person's canned reply: an unknown name says
    /// which templates there are (or the one meant); a broken template is a
    /// configuration error at its place.
    pub fn load(&mut self, name: &str) -> crate::error::Result<&Template> {
        use crate::error::{Error, one_line};
        if !self.loaded.contains_key(name) {
            let t = match self.read(name) {
                Ok(t) => t,
                Err(Unread::Missing) => {
                    let avail = self.available();
                    let n = one_line(name);
                    let why = match is_name(name) {
                        true => format!(": there is no templates/{n}.txt"),
                        false => String::new(),
                    };
                    return Err(Error::Invalid(Problem::near_or_list(
                        format!("unknown template `{n}`{why}"),
                        name,
                        avail.iter().map(String::as_str),
                        "templates",
                    )));
                }
                Err(Unread::Broken(diags)) => return Err(Error::Config(diags)),
            };
            self.loaded.insert(name.to_string(), t);
        }
        self.loaded
            .get(name)
            .ok_or_else(|| Error::invalid(format!("template `{name}` is not loaded")))
    }

    /// Reads and parses `templates/NAME.txt`.
    fn read(&mut self, n: &str) -> Result<Template, Unread> {
        let path = self.dir.join(format!("{n}.txt"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) if is_name(n) => t,
            _ => return Err(Unread::Missing),
        };
        self.hashes
            .insert(n.to_string(), crate::source::hash(text.as_bytes()));
        parse(&Source::new(format!("templates/{n}.txt"), text)).map_err(Unread::Broken)
    }
}

/// A template's name is a file name under templates/, never a path.
fn is_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Why a template could not be read.
enum Unread {
    Missing,
    Broken(Vec<Diagnostic>),
}

impl Template {
    /// Whether its body names the agent (`{{agent.*}}`): sent as a person's message, it
    /// needs one acting.
    pub fn names_agent(&self) -> bool {
        placeholders(&self.body)
            .iter()
            .any(|(n, _)| n.starts_with("agent."))
    }
}

/// Parses a template file, checking its shape and every placeholder.
pub fn parse(source: &Source) -> Result<Template, Vec<Diagnostic>> {
    let text = source.text.replace("\r\n", "\n");
    let mut errors = Vec::new();
    let (first, rest) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    let subject = match first.strip_prefix("Subject:") {
        Some(s) => s.trim().to_string(),
        None => {
            errors.push(source.diagnostic(0..0, "the first line must be `Subject: ...`"));
            String::new()
        }
    };
    let body = match rest.strip_prefix('\n') {
        Some(b) => b.to_string(),
        None if rest.is_empty() => String::new(),
        None => {
            errors.push(source.diagnostic(
                first.len() + 1..first.len() + 1,
                "a blank line must follow the subject",
            ));
            rest.to_string()
        }
    };
    for (name, offset) in placeholders(&source.text) {
        if let Err(m) = check_name(&name) {
            errors.push(source.diagnostic(offset..offset, m));
        }
    }
    if let Some(offset) = unclosed(&source.text) {
        errors.push(source.diagnostic(
            offset..offset,
            "unclosed `{{`: close the placeholder with `}}`",
        ));
    }
    if subject.contains('\n') || subject.contains('\r') {
        errors.push(source.diagnostic(0..0, "the subject must be one line"));
    }
    if errors.is_empty() {
        Ok(Template { subject, body })
    } else {
        Err(errors)
    }
}

/// Fills placeholders. Missing values become empty, but `customer.name` falls back to the
/// address, so "Hello {{customer.name}}" always greets somebody.
pub fn render(text: &str, facts: &Facts<'_>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (name, start) in placeholders(text) {
        out.push_str(&text[rest..start]);
        let end = text[start..]
            .find("}}")
            .map_or(text.len(), |j| start + j + 2);
        out.push_str(&value(&name, facts));
        rest = end;
    }
    out.push_str(&text[rest..]);
    out
}

fn value(name: &str, facts: &Facts<'_>) -> String {
    let t = facts.ticket;
    let s = facts.settings;
    let opt = |o: Option<&str>| o.unwrap_or("").to_string();
    if let Some(k) = name.strip_prefix("agent.") {
        let id = facts.writer.or(t.assignee.as_deref());
        let agent = id.and_then(|a| s.agent(a));
        return match k {
            "id" => opt(id),
            "name" => opt(agent.map(|a| a.name.as_str())),
            "email" => opt(agent.and_then(|a| a.email.as_deref())),
            _ => String::new(),
        };
    }
    if let Some(k) = name.strip_prefix("department.") {
        let d = t.department.as_deref().and_then(|d| s.department(d));
        return match k {
            "id" => opt(t.department.as_deref()),
            "name" => opt(d.map(|d| d.name.as_str())).if_empty(&s.helpdesk.name),
            "address" => opt(d.and_then(|d| d.address.as_deref()))
                .if_empty(s.helpdesk.address.as_deref().unwrap_or("")),
            "sender" => opt(d.and_then(|d| d.sender.as_deref())).if_empty(&s.helpdesk.name),
            "signature" => opt(d.map(|d| d.signature.as_str())).if_empty(&s.helpdesk.name),
            _ => String::new(),
        };
    }
    if let Some(k) = name.strip_prefix("helpdesk.") {
        return match k {
            "name" => s.helpdesk.name.clone(),
            "address" => opt(s.helpdesk.address.as_deref()),
            _ => String::new(),
        };
    }
    if name == "customer.name" {
        let n = facts
            .customer
            .and_then(|c| c.name.clone())
            .unwrap_or_default();
        return n.if_empty(t.requester.as_deref().unwrap_or(""));
    }
    let field = name.strip_prefix("ticket.").unwrap_or(name);
    match Field::parse(field) {
        Ok(f) => match facts.get(&f) {
            crate::rules::condition::Val::Missing => String::new(),
            crate::rules::condition::Val::List(l) => l.join(", "),
            v => v.display(),
        },
        Err(_) => String::new(),
    }
}

trait IfEmpty {
    fn if_empty(self, other: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, other: &str) -> String {
        if self.is_empty() {
            other.to_string()
        } else {
            self
        }
    }
}
