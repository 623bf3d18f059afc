//! Incoming mail: one raw RFC 5322 message decoded into what the helpdesk needs.
//! MIME, charsets and encoded words are mail-parser's job; this module decides what
//! the body is, which parts are attachments, whether a robot sent it, and whether it
//! is a bounce and of which message.

use chrono::{DateTime, Utc};
use mail_parser::{
    Addr, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};
use sha2::{Digest, Sha256};

use crate::mail::charset;
use crate::model::customer::validate_email;

/// Bodies longer than this are cut in the ticket; the whole text is kept as an attachment.
const MAX_BODY: usize = 256 * 1024;

/// A file that came with a message, not yet saved.
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
    /// The contents are this file's instead of `data` (a message too big to read).
    pub file: Option<std::path::PathBuf>,
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
    /// The header `from` was taken from when From has no usable address (`Reply-To`,
    /// then `Sender`); `None` when it is From's.
    pub from_header: Option<&'static str>,
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
    /// The X-Loop headers' values, lowercase: a mail naming the helpdesk's own address
    /// there has been through it before.
    pub loops: Vec<String>,
    /// What a limit cut, in words, for the ticket's history.
    pub cut: Vec<String>,
}

/// The most attachments one message keeps: ten thousand parts named `image.png` cost
/// ten thousand files, and a message may not cost what a mailbox does.
pub const MAX_PARTS: usize = 1000;

/// A message as a source hands it over: whole, or, over the helpdesk's size limit, its
/// head and the file it is in. Such a message is not read: its headers make the
/// ticket, the file is kept whole as `message.eml`, and the ticket says why.
pub fn parse_raw(
    raw: &[u8],
    whole: Option<&crate::mail::sources::Whole>,
    max: u64,
) -> Result<Incoming, String> {
    let Some(whole) = whole else {
        return parse(raw);
    };
    let mut m = parse(raw)?;
    let mib = |n: u64| format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0));
    m.body = format!(
        "[This message is {}, over the helpdesk's limit of {} (desk.toml `max_message_size`): it was not read, and is kept whole as message.eml.]",
        mib(whole.size),
        mib(max)
    );
    m.attachments = vec![Part {
        name: "message.eml".into(),
        content_type: "message/rfc822".into(),
        data: Vec::new(),
        file: Some(whole.file.clone()),
    }];
    m.cut = vec![format!(
        "the message ({}) is over the size limit ({}): kept whole as message.eml, not read",
        mib(whole.size),
        mib(max)
    )];
    Ok(m)
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

    let headers = charset::Headers::new(&msg);
    let (from_addr, name, from_header) = sender(&msg, &headers);

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
            true => headers
                .of(msg.root_part(), "Subject")
                .unwrap_or_else(|| s.to_string()),
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

    let loops = msg
        .header_values("X-Loop")
        .filter_map(|v| v.as_text())
        .map(|t| t.trim().to_lowercase())
        .collect();

    let mut body = text_body(&msg);
    let mut attachments = attachments(&msg, &headers);
    let mut cut = Vec::new();
    if attachments.len() > MAX_PARTS {
        cut.push(format!(
            "{} of its {} attachments were not kept (at most {MAX_PARTS} per message)",
            attachments.len() - MAX_PARTS,
            attachments.len()
        ));
        attachments.truncate(MAX_PARTS);
    }
    if body.len() > MAX_BODY {
        let mut cut = MAX_BODY;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        attachments.push(Part {
            name: "message.txt".into(),
            content_type: "text/plain; charset=utf-8".into(),
            data: body.clone().into_bytes(),
            file: None,
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
        from_header,
        recipients,
        cc,
        subject,
        date,
        body,
        attachments,
        auto,
        bounce,
        loops,
        cut,
    })
}

/// The sender: the first mailbox of From with a usable address, else of Reply-To, else
/// of Sender (which header it came from is returned when it is not From), and that
/// mailbox's display name (From's own name may be a form's or a system's, not the
/// customer's).
fn sender(
    msg: &Message<'_>,
    headers: &charset::Headers<'_>,
) -> (Option<String>, Option<String>, Option<&'static str>) {
    let from = mailboxes(msg, headers, "From");
    let usable = |list: &[Mailbox]| {
        list.iter()
            .find_map(|m| Some((m, validate_email(m.address.as_deref()?).ok()?)))
            .map(|(m, a)| (a, m.name.clone()))
    };
    let (address, name, header) = match usable(&from) {
        Some((a, n)) => (Some(a), n, None),
        None => ["Reply-To", "Sender"]
            .into_iter()
            .find_map(|h| usable(&mailboxes(msg, headers, h)).map(|(a, n)| (a, n, h)))
            .map_or((None, None, None), |(a, n, h)| (Some(a), n, Some(h))),
    };
    let name = name
        .map(|n| one_line(&n).trim().trim_matches('"').trim().to_string())
        .filter(|n| !n.is_empty() && Some(n.to_lowercase()) != address);
    (address, name, header)
}

/// One mailbox of an address header.
struct Mailbox {
    name: Option<String>,
    address: Option<String>,
}

/// The mailboxes of an address header (`From`, `Reply-To`, `Sender`), groups included.
/// A header in raw 8-bit text is decoded in its guessed charset and read again; a quoted
/// local part (`"john doe"@example.com`), which the parser takes for a display name, is
/// put back into the address.
fn mailboxes(msg: &Message<'_>, headers: &charset::Headers<'_>, header: &str) -> Vec<Mailbox> {
    let root = msg.root_part();
    let Some(h) = root
        .headers()
        .iter()
        .find(|h| h.name.as_str().eq_ignore_ascii_case(header))
    else {
        return Vec::new();
    };
    let raw = msg
        .raw_message()
        .get(h.offset_start as usize..h.offset_end as usize)
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let quoted_local = raw.contains("\"@");
    let read = |v: &HeaderValue<'_>| -> Vec<Mailbox> {
        let HeaderValue::Address(a) = v else {
            return Vec::new();
        };
        a.iter().map(|m| mailbox(m, quoted_local)).collect()
    };
    let decoded = headers.text(h).and_then(|text| {
        let again = format!("{header}: {text}\r\n\r\n");
        MessageParser::default()
            .parse_headers(again.as_bytes())
            .and_then(|m| m.header(header).map(read))
    });
    decoded.unwrap_or_else(|| read(&h.value))
}

fn mailbox(m: &Addr<'_>, quoted_local: bool) -> Mailbox {
    let name = m.name().map(str::to_string);
    match (m.address().map(str::trim), &name) {
        (Some(domain), Some(local)) if quoted_local && domain.starts_with('@') => Mailbox {
            name: None,
            address: Some(format!("{}{domain}", quote_local(local))),
        },
        (address, _) => Mailbox {
            name,
            address: address.map(str::to_string),
        },
    }
}

/// A local part as an address writes it: bare when it is a dot-atom, else quoted.
fn quote_local(local: &str) -> String {
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let dot_atom = !local.is_empty()
        && local
            .split('.')
            .all(|w| !w.is_empty() && w.chars().all(atext));
    if dot_atom {
        local.to_string()
    } else {
        format!("\"{}\"", local.replace('\\', "\\\\").replace('"', "\\\""))
    }
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
/// Without bidirectional overrides and zero-width characters: a file name cannot show
/// `invoice{U+202E}fdp.exe` as `invoiceexe.pdf`.
fn visible(s: &str) -> String {
    s.chars()
        .filter(|c| !crate::error::is_invisible(*c))
        .collect()
}

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
/// automatically, so two robots never write to each other forever. RFC 3834's
/// Auto-Submitted, Precedence (RFC 2076), the markers autoresponders and Exchange add,
/// mailing lists, null senders, mail systems and reports.
fn robot(msg: &Message<'_>, from: Option<&str>) -> Option<String> {
    let text = |h: &str| {
        msg.header(h)
            .and_then(|v| v.as_text())
            .map(|t| t.trim().to_lowercase())
    };
    if let Some(a) = text("Auto-Submitted").filter(|a| !a.is_empty() && a != "no") {
        return Some(format!("Auto-Submitted: {a}"));
    }
    for h in ["Precedence", "X-Precedence"] {
        if let Some(p) = text(h)
            .filter(|p| ["bulk", "list", "junk", "auto_reply", "auto-reply"].contains(&p.as_str()))
        {
            return Some(format!("{h}: {p}"));
        }
    }
    // Autoresponders' own marks; a value that says no is no mark.
    for h in [
        "X-Autoreply",
        "X-Autorespond",
        "X-Autogenerated",
        "X-AutoReply-From",
        "X-Mail-Autoreply",
        "X-FC-MachineGenerated",
    ] {
        if msg.header(h).is_some()
            && !text(h).is_some_and(|v| ["no", "false", "0"].contains(&v.as_str()))
        {
            return Some(format!("{h} header"));
        }
    }
    // Exchange: the sender asks that no automatic reply or out-of-office answer it.
    if let Some(v) = text("X-Auto-Response-Suppress")
        && v.split([',', ' ', ';'])
            .any(|t| ["all", "autoreply", "oof"].contains(&t.trim()))
    {
        return Some(format!("X-Auto-Response-Suppress: {v}"));
    }
    if let Some(v) = text("X-Loop").filter(|v| v == "yes" || v == "true") {
        return Some(format!("X-Loop: {v}"));
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
/// mail has nothing else or its text alternative is blank. Text in a missing or wrong
/// charset is decoded in the one it looks like. Line endings are LF; trailing blank
/// space is gone.
fn text_body(msg: &Message<'_>) -> String {
    let raw = msg.raw_message();
    let mut parts: Vec<String> = Vec::new();
    for &id in &msg.text_body {
        let Some(part) = msg.part(id) else {
            continue;
        };
        let mut text = part_text(raw, part);
        // An empty text/plain alternative (some mailers send one) does not hide the HTML.
        if text.as_deref().is_none_or(|t| t.trim().is_empty())
            && let Some(html) = html_alternative(msg, id)
        {
            text = part_text(raw, html);
        }
        if let Some(t) = text
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

/// A text part's text, its charset recovered when missing or wrong, HTML as text.
fn part_text(raw: &[u8], part: &MessagePart<'_>) -> Option<String> {
    let (text, html) = match &part.body {
        PartType::Text(t) => (t, false),
        PartType::Html(h) => (h, true),
        _ => return None,
    };
    let recovered = charset::recover(raw, part, text);
    let text = recovered.as_deref().unwrap_or(text);
    Some(if html {
        html_text(text)
    } else {
        text.to_string()
    })
}

/// The HTML part in the multipart/alternative that holds part `id`, also inside a
/// multipart/related there.
fn html_alternative<'m>(msg: &'m Message<'m>, id: u32) -> Option<&'m MessagePart<'m>> {
    let parent = msg.parts.iter().find(|p| {
        p.is_content_type("multipart", "alternative")
            && p.sub_parts().is_some_and(|c| c.contains(&id))
    })?;
    let mut queue: Vec<u32> = parent.sub_parts()?.to_vec();
    let mut seen = 0;
    while let Some(c) = queue.pop() {
        seen += 1;
        if seen > 100 {
            break;
        }
        let Some(p) = msg.part(c) else {
            continue;
        };
        match &p.body {
            PartType::Html(h) if !h.trim().is_empty() => return Some(p),
            PartType::Multipart(children) => queue.extend(children.iter().rev()),
            _ => {}
        }
    }
    None
}

/// HTML as plain text with paragraphs, lists and headings kept and every table cell on
/// its own line: newsletters are tables in tables, and laying them out as columns
/// (padded to the width, with borders) made megabytes of rules and spaces out of a few
/// hundred kilobytes. Very large or deeply nested HTML (the converter's time grows with
/// the square of the depth) takes the parser's simpler, linear conversion instead, with
/// a line break for every block and cell. Runs of blank lines become one.
fn html_text(html: &str) -> String {
    let converted = if html.len() > 512 * 1024 || nesting(html) > 200 {
        None
    } else {
        html2text::config::plain_no_decorate()
            .raw_mode(true)
            .no_table_borders()
            .string_from_read(html.as_bytes(), 100_000)
            .ok()
    };
    let simple = converted.is_none();
    let text = converted
        .unwrap_or_else(|| mail_parser::decoders::html::html_to_text(&blocks_as_breaks(html)));
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.replace('\u{a0}', " ");
        let line = if simple { line.trim() } else { line.trim_end() };
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    out
}

/// Elements that never hold others (void), or whose end tag may be left out: neither
/// makes HTML deeper where an end tag is missing.
const FLAT: [&str; 26] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "td", "th", "tr", "dt", "dd", "option", "thead", "tbody", "tfoot",
    "colgroup",
];

/// Block elements and cells, whose end the simple conversion marks with a line break.
const BLOCKS: [&str; 24] = [
    "p",
    "div",
    "td",
    "th",
    "tr",
    "li",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "center",
    "pre",
];

/// The name of the tag starting at `rest` (after `<`), lowercase, and whether it ends
/// one.
fn tag_name(rest: &[u8]) -> (String, bool) {
    let (close, rest) = match rest.first() {
        Some(b'/') => (true, &rest[1..]),
        _ => (false, rest),
    };
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect();
    (name, close)
}

/// How deeply the HTML's elements nest, by its tags (a linear estimate).
fn nesting(html: &str) -> usize {
    let b = html.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|c| *c == b'<')) {
        i += off + 1;
        let (name, close) = tag_name(b.get(i..).unwrap_or_default());
        let end = b
            .get(i..)
            .and_then(|r| r.iter().position(|c| *c == b'>'))
            .map_or(b.len(), |e| i + e);
        let self_closing = end > 0 && b.get(end - 1) == Some(&b'/');
        let nests = !name.is_empty() && !self_closing && !FLAT.contains(&name.as_str());
        if nests && close {
            depth = depth.saturating_sub(1);
        } else if nests {
            depth += 1;
            deepest = deepest.max(depth);
        }
        i = end;
    }
    deepest
}

/// The HTML with every block and cell tag made a `<br>`, for the parser's conversion,
/// which breaks lines only there and at `</p>`.
fn blocks_as_breaks(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut done = 0;
    let mut i = 0;
    while let Some(off) = b.get(i..).and_then(|r| r.iter().position(|c| *c == b'<')) {
        let start = i + off;
        let (name, _) = tag_name(b.get(start + 1..).unwrap_or_default());
        let Some(end) = b
            .get(start..)
            .and_then(|r| r.iter().position(|c| *c == b'>'))
            .map(|e| start + e + 1)
        else {
            break;
        };
        if BLOCKS.contains(&name.as_str()) {
            out.push_str(html.get(done..start).unwrap_or_default());
            out.push_str("<br>");
            done = end;
        }
        i = end;
    }
    out.push_str(html.get(done..).unwrap_or_default());
    out
}

fn attachments(msg: &Message<'_>, headers: &charset::Headers<'_>) -> Vec<Part> {
    let mut out = Vec::new();
    for (n, part) in msg.attachments().enumerate() {
        if n >= MAX_PARTS {
            // Counted, not copied: the caller says how many were left out.
            out.push(Part::default());
            continue;
        }
        let content_type = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_lowercase();
        let given = rfc2231_name(msg.raw_message(), part)
            .or_else(|| part.attachment_name().map(str::to_string))
            .map(|n| match n.contains('\u{FFFD}') {
                true => raw_attachment_name(part, headers).unwrap_or(n),
                false => n,
            });
        let name = match (given, &part.body) {
            (Some(n), _) if !n.trim().is_empty() => visible(&one_line(&n)).trim().to_string(),
            (_, PartType::Message(m)) => {
                let subject = m.subject().map(|s| match s.contains('\u{FFFD}') {
                    true => charset::Headers::new(m)
                        .of(m.root_part(), "Subject")
                        .unwrap_or_else(|| s.to_string()),
                    false => s.to_string(),
                });
                format!(
                    "{}.eml",
                    subject
                        .as_deref()
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
            file: None,
        });
    }
    out
}

/// A file name sent as raw 8-bit text (`filename="Prøve.pdf"` in Latin-1): the part's
/// Content-Disposition and Content-Type decoded in the message's guessed charset and
/// read again.
fn raw_attachment_name(part: &MessagePart<'_>, headers: &charset::Headers<'_>) -> Option<String> {
    let mut again = String::new();
    for h in ["Content-Disposition", "Content-Type"] {
        if let Some(v) = headers.of(part, h) {
            again.push_str(&format!("{h}: {v}\r\n"));
        }
    }
    again.push_str("\r\n");
    let m = MessageParser::default().parse_headers(again.as_bytes())?;
    m.root_part().attachment_name().map(str::to_string)
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
        .filter(|c| !crate::error::is_invisible(*c))
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
    fn nesting_counts_only_what_nests() {
        assert_eq!(nesting("<div><p>a<p>b<br><img src=x/><hr></div>"), 1);
        assert_eq!(
            nesting("<table><tr><td><table><tr><td>x</table></table>"),
            2
        );
        assert_eq!(nesting(&"<div>".repeat(300)), 300);
        assert_eq!(nesting("no tags < here"), 0);
    }

    #[test]
    fn blocks_become_breaks() {
        assert_eq!(
            blocks_as_breaks("<TD class=x>a</td><span>b</span><br>"),
            "<br>a<br><span>b</span><br>"
        );
        assert_eq!(blocks_as_breaks("a < b <td"), "a < b <td");
    }

    #[test]
    fn local_parts_are_quoted_when_they_must_be() {
        assert_eq!(quote_local("kari.nordmann"), "kari.nordmann");
        assert_eq!(quote_local("john doe"), "\"john doe\"");
        assert_eq!(quote_local("a@b"), "\"a@b\"");
        assert_eq!(quote_local("a\"b\\"), "\"a\\\"b\\\\\"");
        assert_eq!(quote_local(".x"), "\".x\"");
    }

    #[test]
    fn derived_ids_ignore_line_endings() {
        let a = derived_id(b"Subject: x\r\n\r\nbody\r\n");
        assert_eq!(a, derived_id(b"Subject: x\n\nbody\n\n"));
        assert_ne!(a, derived_id(b"Subject: y\n\nbody\n"));
    }
}
