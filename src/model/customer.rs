//! A customer as stored in `customers/EMAIL.json`, created on first contact. Only
//! `email` is required: a file written by hand or exported from a CRM with just `email`
//! and `group` is valid. desk rewrites such a file only to add what it learns (a name
//! from a mail), and never adds `created_at` to it: that is when desk made the file.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub email: String,
    pub name: Option<String>,
    pub group: Option<String>,
    pub organization: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// When desk made the file; absent in files made elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

impl Customer {
    pub fn new(email: &str, name: Option<&str>, at: DateTime<Utc>) -> Self {
        Customer {
            email: normalize_email(email),
            name: name.map(str::to_string),
            group: None,
            organization: None,
            fields: BTreeMap::new(),
            created_at: Some(at),
        }
    }

    pub fn to_json(&self) -> Result<String, String> {
        let mut s = serde_json::to_string_pretty(self)
            .map_err(|e| format!("customer {} cannot be written as JSON: {e}", self.email))?;
        s.push('\n');
        Ok(s)
    }

    /// The part after `@`, lowercase.
    pub fn domain(&self) -> &str {
        self.email.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// A customer field that `desk customer set` changes; `email` names the file and is
/// never changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerField {
    Name,
    Group,
    Organization,
    /// `fields.NAME`: a custom field.
    Custom(String),
}

/// The names, as people write them; `fields.NAME` stands for every custom field.
pub const FIELD_NAMES: [&str; 4] = ["name", "group", "organization", "fields.NAME"];

impl CustomerField {
    /// Reads a field name; the error says why it cannot be set and what can.
    pub fn parse(name: &str) -> Result<CustomerField, crate::error::Problem> {
        match name {
            "name" => return Ok(CustomerField::Name),
            "group" => return Ok(CustomerField::Group),
            "organization" => return Ok(CustomerField::Organization),
            "email" => {
                return Err(
                    "`email` names the customer's file and cannot be set: copy the file to the new address instead".into(),
                );
            }
            "created_at" => return Err("`created_at` cannot be set by hand".into()),
            _ => {}
        }
        if let Some(custom) = name.strip_prefix("fields.") {
            if custom.is_empty() || custom.chars().any(|c| c.is_whitespace() || c == '=') {
                return Err(
                    format!("`{}` is not a field name", crate::error::one_line(custom)).into(),
                );
            }
            return Ok(CustomerField::Custom(custom.to_string()));
        }
        Err(crate::error::Problem::near_or_list(
            format!("unknown customer field `{}`", crate::error::one_line(name)),
            name,
            FIELD_NAMES,
            "settable",
        ))
    }

    pub fn name(&self) -> String {
        match self {
            CustomerField::Name => "name".into(),
            CustomerField::Group => "group".into(),
            CustomerField::Organization => "organization".into(),
            CustomerField::Custom(n) => format!("fields.{n}"),
        }
    }
}

impl Customer {
    /// The field's value, if it has one.
    pub fn get(&self, field: &CustomerField) -> Option<&str> {
        match field {
            CustomerField::Name => self.name.as_deref(),
            CustomerField::Group => self.group.as_deref(),
            CustomerField::Organization => self.organization.as_deref(),
            CustomerField::Custom(n) => self.fields.get(n).map(String::as_str),
        }
    }

    /// Sets a field (trimmed; empty clears it). Returns the old value when it changed.
    pub fn set(&mut self, field: &CustomerField, value: &str) -> Option<Option<String>> {
        let value = value.trim();
        let new = (!value.is_empty()).then(|| value.to_string());
        let old = self.get(field).map(str::to_string);
        if old == new {
            return None;
        }
        match field {
            CustomerField::Name => self.name = new,
            CustomerField::Group => self.group = new,
            CustomerField::Organization => self.organization = new,
            CustomerField::Custom(n) => match new {
                Some(v) => {
                    self.fields.insert(n.clone(), v);
                }
                None => {
                    self.fields.remove(n);
                }
            },
        }
        Some(old)
    }
}

/// Emails are compared and stored lowercase and trimmed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks the shape of an address: a local part, one `@`, a domain, no white space or
/// control characters. The local part may be quoted (`"john doe"@example.com`,
/// `"a@b"@example.com`: any printable character, `"` and `\\` escaped); unquoted it has
/// no `<>,;"\\` (a `/` is fine: `a/b@example.com`). The domain has none of those or `/`.
pub fn validate_email(email: &str) -> Result<String, String> {
    let e = normalize_email(email);
    let ok = split_address(&e).is_some_and(|(local, domain)| {
        valid_local(local)
            && !domain.is_empty()
            && !domain
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "@<>,;\"/\\".contains(c))
    });
    if ok {
        Ok(e)
    } else {
        Err(format!("`{email}` is not an email address"))
    }
}

/// The local part and the domain: split at the `@` after a quoted local part, else at
/// the first `@`.
fn split_address(e: &str) -> Option<(&str, &str)> {
    if e.starts_with('"') {
        let mut escaped = false;
        for (i, c) in e.char_indices().skip(1) {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    let (local, rest) = e.split_at(i + 1);
                    return rest.strip_prefix('@').map(|domain| (local, domain));
                }
                _ => {}
            }
        }
        return None;
    }
    e.split_once('@')
}

fn valid_local(local: &str) -> bool {
    match local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(inner) => {
            let mut chars = inner.chars();
            let mut any = false;
            while let Some(c) = chars.next() {
                let c = match c {
                    '\\' => chars.next().unwrap_or('\0'),
                    '"' => return false,
                    c => c,
                };
                if c.is_control() {
                    return false;
                }
                any = true;
            }
            any
        }
        None => {
            !local.is_empty()
                && !local
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "@<>,;\"\\".contains(c))
        }
    }
}

/// Longest customer file name: most file systems take 255 bytes.
const MAX_FILE_NAME: usize = 250;

/// The file name for a customer. An address with nothing a file name must not have is its
/// own name, as it always was (`kari@example.no.json`). Otherwise each character that
/// could not be in a file name, or could mislead there (`/`, `\\`, white space, control
/// characters, `"<>;`, a leading `.`), and `,` itself, is written `,XX` for each of its
/// UTF-8 bytes: `"john doe"@example.com` is `,22john,20doe,22@example.com.json`. No plain
/// address has a `,`, so no two addresses share a name. A name too long for a file
/// system keeps its start and ends in `,,` and a hash of the whole address.
pub fn file_name(email: &str) -> String {
    let e = normalize_email(email);
    let mut name = String::with_capacity(e.len());
    let mut cut = None;
    for (i, c) in e.char_indices() {
        let escape =
            c.is_whitespace() || c.is_control() || "/\\,\"<>;".contains(c) || (i == 0 && c == '.');
        let before = name.len();
        if escape {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                name.push_str(&format!(",{b:02x}"));
            }
        } else {
            name.push(c);
        }
        if cut.is_none() && name.len() > MAX_FILE_NAME - 40 {
            cut = Some(before);
        }
    }
    if name.len() + ".json".len() > MAX_FILE_NAME
        && let Some(cut) = cut
    {
        use sha2::{Digest, Sha256};
        let hash: String = Sha256::digest(e.as_bytes())[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        name.truncate(cut);
        name.push_str(",,");
        name.push_str(&hash);
    }
    format!("{name}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for ok in [
            "kari@example.no",
            "a/b@example.com",
            "\"john doe\"@example.com",
            "\"a@b\"@example.com",
            "\"a\\\"b\"@example.com",
            "user+tag@example.com",
        ] {
            assert!(validate_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "kari",
            "@example.no",
            "kari@",
            "a b@example.com",
            "a@b@example.com",
            "\"a\"b\"@example.com",
            "\"\"@example.com",
            "\"open@example.com",
            "a@exa/mple.com",
            "a\\b@example.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_set_clear_and_say_what_was_meant() {
        let mut c = Customer::new("kari@example.no", Some("Kari"), Utc::now());
        let group = CustomerField::parse("group").unwrap();
        assert_eq!(c.set(&group, " vip "), Some(None));
        assert_eq!(c.group.as_deref(), Some("vip"));
        assert_eq!(c.set(&group, "vip"), None, "unchanged");
        let plan = CustomerField::parse("fields.plan").unwrap();
        assert_eq!(c.set(&plan, "gold"), Some(None));
        assert_eq!(c.set(&plan, ""), Some(Some("gold".into())));
        assert!(c.fields.is_empty());
        let typo = CustomerField::parse("gruop").unwrap_err();
        assert_eq!(typo.hint.as_deref(), Some("group"));
        assert!(CustomerField::parse("email").is_err());
        assert!(CustomerField::parse("fields.").is_err());
    }

    #[test]
    fn file_names_are_safe_and_plain_ones_unchanged() {
        assert_eq!(file_name("Kari@Example.no"), "kari@example.no.json");
        assert_eq!(file_name("a:b*c@example.com"), "a:b*c@example.com.json");
        assert_eq!(file_name("a/b@example.com"), "a,2fb@example.com.json");
        assert_eq!(
            file_name("\"john doe\"@example.com"),
            ",22john,20doe,22@example.com.json"
        );
        assert_eq!(file_name(".x@example.com"), ",2ex@example.com.json");
        let names = [
            file_name("\"a@b\"@example.com"),
            file_name("\"a\\\\b\"@example.com"),
            file_name("\"a/b\"@example.com"),
            file_name("a/b@example.com"),
        ];
        for n in &names {
            assert!(!n.contains(['/', '\\']) && !n.starts_with('.'), "{n}");
            assert!(!n.chars().any(char::is_control), "{n}");
        }
        assert_ne!(names[2], names[3]);
        let long = format!("\"{}\"@example.com", "å ".repeat(200));
        let n = file_name(&long);
        assert!(n.len() <= MAX_FILE_NAME && n.ends_with(".json"), "{n}");
        assert_ne!(
            n,
            file_name(&format!("\"{}x\"@example.com", "å ".repeat(200)))
        );
    }
}
