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

/// Emails are compared and stored lowercase and trimmed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks the shape of an address: one `@`, something on both sides, no spaces or controls.
pub fn validate_email(email: &str) -> Result<String, String> {
    let e = normalize_email(email);
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !e
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"/\\".contains(c))
        }
        None => false,
    };
    if ok {
        Ok(e)
    } else {
        Err(format!("`{email}` is not an email address"))
    }
}

/// The file name for a customer: the address itself, which `validate_email` keeps file-name safe.
pub fn file_name(email: &str) -> String {
    format!("{}.json", normalize_email(email))
}
