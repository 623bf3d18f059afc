//! `desk import csv`: tickets from a spreadsheet or another helpdesk's export. Every
//! row is checked before any is stored; a re-run imports nothing twice, because each
//! row's Message-ID comes from its `id` column or, without one, from its content.

use crate::error::{Error, Result};
use crate::ingest::Inbound;
use crate::ingest::problems::BadLines;
use crate::mail::incoming::derived_id;
use crate::model::customer::validate_email;
use crate::model::{Priority, Settings};
use crate::time::read_instant;

/// The columns a file may have, besides `field.NAME` for custom fields.
pub const COLUMNS: [&str; 14] = [
    "id",
    "subject",
    "body",
    "from",
    "name",
    "channel",
    "department",
    "shop",
    "type",
    "priority",
    "tags",
    "status",
    "assignee",
    "created_at",
];

/// Calls `each` with every row of the file as a message and its source (`FILE:LINE`),
/// one at a time, so a million rows never sit in memory at once. Every bad column of
/// the header, or else every bad row, is named (the first
/// [`SHOWN`](super::problems::SHOWN), then how many more), and the result is an error;
/// `each` is not called after the first bad row. Returns how many rows there were. Run
/// it once with a no-op to check, then again to import.
pub fn each_row(
    name: &str,
    bytes: &[u8],
    s: &Settings,
    each: &mut dyn FnMut(String, Inbound),
) -> Result<usize> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid(format!("{name}:1: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    // The header first: without the right columns no row can be read.
    let mut bad = BadLines::new(name);
    for (i, h) in headers.iter().enumerate() {
        let ok = COLUMNS.contains(&h.as_str())
            || h.strip_prefix("field.").is_some_and(|n| !n.is_empty());
        if !ok {
            let mut known: Vec<&str> = COLUMNS.to_vec();
            known.push("field.NAME");
            bad.push(
                1,
                crate::error::Problem::near_or_list(
                    format!("unknown column `{h}` (column {})", i + 1),
                    h,
                    known,
                    "known",
                ),
            );
        } else if headers[..i].contains(h) {
            bad.push(1, format_args!("column `{h}` appears twice"));
        }
    }
    if !headers.iter().any(|h| h == "subject") {
        bad.push(1, "a `subject` column is required");
    }
    bad.check()?;
    let mut bad = BadLines::new(name);
    let mut rows = 0;
    for row in reader.records() {
        rows += 1;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                bad.push(e.position().map_or(0, |p| p.line()), e);
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        match inbound(&headers, &row, s) {
            Ok(m) if bad.is_empty() => each(format!("{name}:{line}"), m),
            Ok(_) => {}
            Err(e) => bad.push(line, e),
        }
    }
    bad.check()?;
    Ok(rows)
}

fn inbound(
    headers: &[String],
    row: &csv::StringRecord,
    s: &Settings,
) -> std::result::Result<Inbound, String> {
    let get = |c: &str| {
        headers
            .iter()
            .position(|h| h == c)
            .and_then(|i| row.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let subject = get("subject").ok_or("the subject is empty")?;
    let from = get("from").as_deref().map(validate_email).transpose()?;
    let kind = get("type");
    if let Some(k) = &kind {
        s.check_type(k)?;
    }
    if let Some(d) = get("department") {
        s.check_department(&d)?;
    }
    if let Some(sh) = get("shop") {
        s.check_shop(&sh)?;
    }
    if let Some(a) = get("assignee") {
        s.check_agent(&a)?;
    }
    if let Some(p) = get("priority") {
        p.parse::<Priority>()?;
    }
    if let Some(st) = get("status") {
        s.check_status(kind.as_deref().unwrap_or("ticket"), &st)?;
    }
    let created_at = get("created_at")
        .map(|t| read_instant(&t, s.helpdesk.timezone).map_err(|m| format!("created_at: {m}")))
        .transpose()?;
    let tags = get("tags")
        .map(|t| {
            t.split([',', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let fields = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let name = h.strip_prefix("field.")?;
            let v = row.get(i)?.trim();
            (!v.is_empty()).then(|| (name.to_string(), v.to_string()))
        })
        .collect();
    let channel = get("channel").unwrap_or_else(|| "import".into());
    let message_id = match get("id") {
        Some(id) => format!(
            "<{}@import.desk.invalid>",
            id.replace(['<', '>', '@', ' '], "_")
        ),
        None => {
            let joined: Vec<&str> = row.iter().collect();
            derived_id(format!("{}\n{}", headers.join(","), joined.join("\u{1f}")).as_bytes())
        }
    };
    Ok(Inbound {
        channel,
        message_id,
        subject: Some(subject),
        from,
        name: get("name"),
        body: get("body").unwrap_or_default(),
        department: get("department"),
        shop: get("shop"),
        kind,
        priority: get("priority"),
        tags,
        fields,
        created_at,
        assignee: get("assignee"),
        status: get("status"),
        ..Inbound::default()
    })
}
