//! Incoming mail: one raw RFC 5322 message decoded into what the helpdesk needs.
//! MIME, charsets and encoded words are mail-parser's job; this module decides what
//! the body is, which parts are attachments, whether a robot sent it, and whether it
//! is a bounce and of which message.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use mail_parser::{HeaderName, HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

/// Bodies longer than this are cut in the ticket; the whole text is kept as an attachment.
const MAX_BODY: usize = 256 * 1024;

/// A file that came with a message, not yet saved.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// A decoded incoming message.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// `<id@host>`; derived from the content when the mail has none.
    pub message_id: String,
    /// Message-IDs this one answers: In-Reply-To first, then References newest first.
    pub thread: Vec<String>,
    pub from: Option<String>,
    pub name: Option<String>,
    /// Every recipient address (envelope headers first, then To and Cc), lowercase.
    pub recipients: Vec<String>,
    /// Everyone the sender wrote to besides the helpdesk: the addresses of every To and
    /// Cc header, lowercase, less those the mail was delivered to (Delivered-To...). The
    /// helpdesk's own addresses may still be among them; ingest leaves them out.
    pub cc: Vec<String>,
    pub subject: Option<String>,
    pub date: Option<DateTime<Utc>>,
    pub body: String,
    pub attachments: Vec<Part>,
    /// Why a machine sent it (Auto-Submitted, a list, a null sender...).
    pub auto: Option<String>,
    /// For a delivery report: the Message-IDs of the mail that bounced.
    pub bounce: Option<Vec<String>>,
}

/// Decodes a message. Fails only when the bytes are not mail at all.
pub fn parse(raw: &[u8]) -> Result<Incoming, String> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err("empty message".into());
    }
    let parser = MessageParser::default();
    let msg = parser
        .parse(raw)
        .ok_or_else(|| "not a mail message".to_string())?;
    let known = [
        HeaderName::From,
        HeaderName::Subject,
        HeaderName::MessageId,
        HeaderName::Date,
        HeaderName::To,
    ];
    if !known.iter().any(|h| msg.header(h.clone()).is_some()) {
        return Err("not a mail message: no From, To, Subject, Date or Message-ID header".into());
    }

    let from = msg.from().and_then(|a| a.first());
    let from_addr = from
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'));
    let name = from
        .and_then(|a| a.name())
        .map(|n| one_line(n).trim().trim_matches('"').trim().to_string())
        .filter(|n| !n.is_empty() && Some(n.to_lowercase()) != from_addr);

    let mut recipients = Vec::new();
    for h in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        for v in msg.header_values(h) {
            if let Some(t) = v.as_text() {
                push_addr(&mut recipients, t);
            }
        }
    }
    let delivered_to: std::collections::HashSet<String> = recipients.iter().cloned().collect();
    for list in [msg.to(), msg.cc()].into_iter().flatten() {
        for a in list.iter() {
            if let Some(addr) = a.address() {
                push_addr(&mut recipients, addr);
            }
        }
    }
    let mut cc = Vec::new();
    for list in msg.all_to().chain(msg.all_cc()) {
        for addr in list.iter().filter_map(|a| a.address()) {
            push_addr(&mut cc, addr);
        }
    }
    cc.retain(|a| !delivered_to.contains(a));
    dedup(&mut recipients);
    dedup(&mut cc);

    let subject = msg
        .subject()
        .map(|s| match s.contains('\u{FFFD}') {
            true => raw_header(raw, &msg, HeaderName::Subject).unwrap_or_else(|| s.to_string()),
            false => s.to_string(),
        })
        .map(|s| one_line(&s).trim().to_string())
        .filter(|s| !s.is_empty());
    let date = msg
        .date()
        .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));

    let mut thread = ids(msg.in_reply_to());
    let mut refs = ids(msg.references());
    refs.reverse();
    for r in refs {
        if !thread.contains(&r) {
            thread.push(r);
        }
    }
    let message_id = match msg.message_id().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => format!("<{}>", id.trim_matches(['<', '>'])),
        None => derived_id(raw),
    };

    let auto = robot(&msg, from_addr.as_deref());
    let bounce = bounced_ids(&msg, from_addr.as_deref());

    let mut body = text_body(&msg);
    let mut attachments = attachments(&msg);
    if body.len() > MAX_BODY {
        let mut cut = MAX_BODY;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        attachments.push(Part {
            name: "message.txt".into(),
            content_type: "text/plain; charset=utf-8".into(),
            data: body.clone().into_bytes(),
        });
        body.truncate(cut);
        body.push_str(
            "\n\n[… the message was cut here; the whole text is attached as message.txt]",
        );
    }

    Ok(Incoming {
        message_id,
        thread,
        from: from_addr,
        name,
        recipients,
        cc,
        subject,
        date,
        body,
        attachments,
        auto,
        bounce,
    })
}

/// A header sent as raw 8-bit text in an undeclared charset (older mailers did this with
/// KOI8-R, Latin-1, Shift_JIS...): decoded in the charset its bytes most look like.
fn raw_header(raw: &[u8], msg: &Message<'_>, name: HeaderName<'_>) -> Option<String> {
    let h = msg.headers().iter().find(|h| h.name == name)?;
    let bytes = raw.get(h.offset_start as usize..h.offset_end as usize)?;
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    det.feed(bytes, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    let (text, _, _) = enc.decode(bytes);
    Some(text.trim().to_string())
}

/// A stable Message-ID for mail without one: the same bytes give the same ID on every
/// run and every clone, so ingesting it twice still adds nothing.
pub fn derived_id(raw: &[u8]) -> String {
    let mut h = Sha256::new();
    // Line endings and trailing blank lines differ between an .eml and an mbox copy.
    for line in raw.trim_ascii_end().split(|b| *b == b'\n') {
        h.update(line.strip_suffix(b"\r").unwrap_or(line).trim_ascii_end());
        h.update(b"\n");
    }
    let hex: String = h.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("<{hex}@desk.invalid>")
}

fn push_addr(list: &mut Vec<String>, a: &str) {
    let a = a.trim().trim_matches(['<', '>']).to_lowercase();
    if a.contains('@') {
        list.push(a);
    }
}

/// Keeps the first of each address, in order. A set, not `contains` on every push: a
/// header of 15,000 addresses took seconds.
fn dedup(list: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|a| seen.insert(a.clone()));
}

/// Header text on one line: folded or encoded line breaks become spaces.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            space = c == ' ';
            out.push(c);
        }
    }
    out
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    let wrap = |s: &str| {
        let s = s.trim().trim_matches(['<', '>']);
        (!s.is_empty()).then(|| format!("<{s}>"))
    };
    match v {
        HeaderValue::Text(t) => wrap(t).into_iter().collect(),
        HeaderValue::TextList(l) => l.iter().filter_map(|t| wrap(t)).collect(),
        _ => Vec::new(),
    }
}

/// Why this mail came from a machine, if it did: such mail is never answered
/// automatically, so two robots never write to each other forever.
fn robot(msg: &Message<'_>, from: Option<&str>) -> Option<String> {
    let text = |h: &str| {
        msg.header(h)
            .and_then(|v| v.as_text())
            .map(|t| t.trim().to_lowercase())
    };
    if let Some(a) = text("Auto-Submitted").filter(|a| !a.is_empty() && a != "no") {
        return Some(format!("Auto-Submitted: {a}"));
    }
    if let Some(p) = text("Precedence").filter(|p| ["bulk", "list", "junk"].contains(&p.as_str())) {
        return Some(format!("Precedence: {p}"));
    }
    for h in ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"] {
        if msg.header(h).is_some() {
            return Some(format!("{h} header"));
        }
    }
    if msg.header("List-Id").is_some() || msg.header("List-Unsubscribe").is_some() {
        return Some("mailing-list mail".into());
    }
    if let Some(rp) = msg.header_raw("Return-Path")
        && rp.trim() == "<>"
    {
        return Some("null sender (Return-Path: <>)".into());
    }
    if let Some(f) = from {
        let local = f.split('@').next().unwrap_or("");
        if ["mailer-daemon", "postmaster"].contains(&local) {
            return Some(format!("{f} is a mail system"));
        }
    }
    if msg.root_part().is_content_type("multipart", "report") {
        return Some("a delivery or read report".into());
    }
    None
}

/// The Message-IDs of the mail a delivery report is about, or `None` if this is not a
/// bounce: a multipart/report of delivery status, or a mail system's message carrying
/// the original.
fn bounced_ids(msg: &Message<'_>, from: Option<&str>) -> Option<Vec<String>> {
    let root = msg.root_part();
    let is_report = root.is_content_type("multipart", "report")
        && root
            .content_type()
            .and_then(|c| c.attribute("report-type"))
            .is_none_or(|t| t.eq_ignore_ascii_case("delivery-status"));
    let daemon = from.is_some_and(|f| {
        let local = f.split('@').next().unwrap_or("");
        ["mailer-daemon", "postmaster"].contains(&local)
    });
    if !is_report && !daemon {
        return None;
    }
    let mut found = Vec::new();
    let parser = MessageParser::default();
    for part in &msg.parts {
        let nested_id = match &part.body {
            PartType::Message(m) => m.message_id().map(str::to_string),
            _ if part.is_content_type("text", "rfc822-headers") => parser
                .parse_headers(part.contents())
                .and_then(|m| m.message_id().map(str::to_string)),
            _ => None,
        };
        if let Some(id) = nested_id {
            let id = format!("<{}>", id.trim().trim_matches(['<', '>']));
            if !found.contains(&id) {
                found.push(id);
            }
        }
    }
    for id in ids(msg.in_reply_to())
        .into_iter()
        .chain(ids(msg.references()))
    {
        if !found.contains(&id) {
            found.push(id);
        }
    }
    // A mail system's message with nothing of the original is just mail from a robot.
    if daemon && !is_report && found.is_empty() {
        return None;
    }
    Some(found)
}

/// The readable text: the text/plain alternatives, or HTML turned into text when the
/// mail has nothing else. Line endings are LF; trailing blank space is gone.
fn text_body(msg: &Message<'_>) -> String {
    let mut parts: Vec<Cow<'_, str>> = Vec::new();
    for i in 0..msg.text_body_count() {
        let html = msg
            .text_part(i as u32)
            .filter(|p| p.is_text_html())
            .and_then(|p| p.text_contents());
        let t = match html.and_then(html_text) {
            Some(t) => Some(Cow::Owned(t)),
            None => msg.body_text(i),
        };
        if let Some(t) = t
            && !t.trim().is_empty()
        {
            parts.push(t);
        }
    }
    let joined = parts.join("\n\n");
    let mut out = String::with_capacity(joined.len());
    for line in joined.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_start_matches('\n').trim_end().to_string()
}

/// HTML as plain text with paragraphs and lists kept. Very large or deeply nested HTML
/// takes the parser's simpler conversion instead, which cannot run out of stack.
fn html_text(html: &str) -> Option<String> {
    if html.len() > 512 * 1024 || html.matches('<').count() > 20_000 || nesting(html) > 256 {
        return None;
    }
    let text = html2text::config::plain_no_decorate()
        .string_from_read(html.as_bytes(), 100_000)
        .ok()?;
    Some(text.replace('\u{a0}', " "))
}

/// How deep the elements of `html` nest at most, from its tags alone: void elements and
/// those the next one closes (`p`, `li`, `td`...) are not counted. Parsing and rendering
/// cost grows with the square of the depth and worse: 8,000 nested blockquotes (100 kB)
/// took minutes.
fn nesting(html: &str) -> usize {
    const FLAT: [&str; 30] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
        "colgroup", "caption", "thead", "tbody", "tfoot", "rt", "rp",
    ];
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (at, _) in html.match_indices('<') {
        let rest = &html[at + 1..];
        let closing = rest.starts_with('/');
        let rest = if closing { &rest[1..] } else { rest };
        let len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        let name = &rest[..len];
        if name.is_empty() || FLAT.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

fn attachments(msg: &Message<'_>) -> Vec<Part> {
    let mut out = Vec::new();
    for (n, part) in msg.attachments().enumerate() {
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_lowercase();
        let name = match (
            rfc2231_name(msg.raw_message(), part).or(part.attachment_name().map(str::to_string)),
            &part.body,
        ) {
            (Some(n), _) if !n.trim().is_empty() => one_line(&n).trim().to_string(),
            (_, PartType::Message(m)) => {
                format!(
                    "{}.eml",
                    m.subject()
                        .map(one_line)
                        .unwrap_or_else(|| "message".into())
                )
            }
            _ => format!("attachment-{}.{}", n + 1, extension(&content_type)),
        };
        out.push(Part {
            name,
            content_type,
            data: part.contents().to_vec(),
        });
    }
    out
}

/// A file name split into RFC 2231 continuations (`filename*0*=`, `filename*1*=`...) is
/// decoded as one byte string: a stateful charset like ISO-2022-JP cannot be decoded
/// piece by piece, which is what the parser does.
fn rfc2231_name(raw: &[u8], part: &mail_parser::MessagePart<'_>) -> Option<String> {
    for h in part.headers() {
        if !matches!(
            h.name,
            HeaderName::ContentDisposition | HeaderName::ContentType
        ) {
            continue;
        }
        let text =
            String::from_utf8_lossy(raw.get(h.offset_start as usize..h.offset_end as usize)?);
        for key in ["filename", "name"] {
            let mut segs: Vec<(u32, bool, String)> = Vec::new();
            for param in text.split(';') {
                let Some((k, v)) = param.trim().split_once('=') else {
                    continue;
                };
                let k = k.trim().to_ascii_lowercase();
                let Some(rest) = k.strip_prefix(key).and_then(|r| r.strip_prefix('*')) else {
                    continue;
                };
                let (num, encoded) = match rest.strip_suffix('*') {
                    Some(n) => (n, true),
                    None => (rest, false),
                };
                if let Ok(n) = num.parse::<u32>() {
                    segs.push((n, encoded, v.trim().trim_matches('"').to_string()));
                }
            }
            if segs.len() < 2 {
                continue;
            }
            segs.sort_by_key(|s| s.0);
            let mut charset = "us-ascii".to_string();
            let mut bytes = Vec::new();
            for (i, (_, encoded, v)) in segs.iter().enumerate() {
                let mut v = v.as_str();
                if i == 0 && *encoded {
                    let mut it = v.splitn(3, '\'');
                    if let (Some(cs), Some(_), Some(rest)) = (it.next(), it.next(), it.next()) {
                        charset = cs.to_string();
                        v = rest;
                    }
                }
                if *encoded {
                    let b = v.as_bytes();
                    let mut j = 0;
                    while j < b.len() {
                        let hex = (b[j] == b'%')
                            .then(|| b.get(j + 1..j + 3))
                            .flatten()
                            .and_then(|h| std::str::from_utf8(h).ok())
                            .and_then(|h| u8::from_str_radix(h, 16).ok());
                        match hex {
                            Some(x) => {
                                bytes.push(x);
                                j += 3;
                            }
                            None => {
                                bytes.push(b[j]);
                                j += 1;
                            }
                        }
                    }
                } else {
                    bytes.extend_from_slice(v.as_bytes());
                }
            }
            let enc =
                encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
            return Some(enc.decode(&bytes).0.into_owned());
        }
    }
    None
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "message/rfc822" => "eml",
        "message/delivery-status" | "text/rfc822-headers" => "txt",
        "application/zip" => "zip",
        _ => "bin",
    }
}

/// A file name that is safe inside `attachments/TICKET/`: no directories, no leading
/// dot, no control or shell-awkward characters, at most 120 bytes, never empty.
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut s: String = base
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    s = s
        .trim_start_matches(['.', ' ', '-', '~'])
        .trim_end_matches(['.', ' '])
        .to_string();
    if s.len() > 120 {
        let (stem, ext) = match s.rfind('.') {
            Some(i) if s.len() - i <= 10 => (s[..i].to_string(), s[i..].to_string()),
            _ => (s.clone(), String::new()),
        };
        let mut cut = 120 - ext.len();
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        s = format!("{}{ext}", &stem[..cut]);
    }
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names() {
        assert_eq!(safe_file_name("../../etc/passwd", "x"), "passwd");
        assert_eq!(safe_file_name(".bashrc", "x"), "bashrc");
        assert_eq!(safe_file_name("a\u{1}b\nc.txt", "x"), "a_b_c.txt");
        assert_eq!(safe_file_name("..", "x"), "x");
        assert_eq!(safe_file_name("C:\\Users\\me\\sko.jpg", "x"), "sko.jpg");
        let long = format!("{}.pdf", "å".repeat(100));
        let s = safe_file_name(&long, "x");
        assert!(s.len() <= 120 && s.ends_with(".pdf"), "{s}");
    }

    #[test]
    fn cc_is_every_to_and_cc_but_where_it_was_delivered() {
        let m = parse(
            b"From: Kari <kari@example.no>\nTo: support@nordlys.example, Lars <Lars@Example.no>\nCc: Per <per@example.no>, kari@example.no\ncc: anne@example.no\nDelivered-To: support@nordlys.example\nSubject: x\n\nbody\n",
        )
        .unwrap();
        assert_eq!(
            m.cc,
            [
                "lars@example.no",
                "per@example.no",
                "kari@example.no",
                "anne@example.no"
            ]
        );
    }

    #[test]
    fn derived_ids_ignore_line_endings() {
        let a = derived_id(b"Subject: x\r\n\r\nbody\r\n");
        assert_eq!(a, derived_id(b"Subject: x\n\nbody\n\n"));
        assert_ne!(a, derived_id(b"Subject: y\n\nbody\n"));
    }
}
