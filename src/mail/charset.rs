//! Text in a charset the mail does not declare, or declares wrongly: raw 8-bit header
//! text (older mailers wrote names and subjects in KOI8-R, Latin-1, Shift_JIS... with no
//! encoded words), a body with no charset, a part labelled ISO-2022-JP that carries
//! Shift_JIS bytes, UTF-8 labelled Latin-1. The bytes are decoded in the charset they
//! most look like (chardetng, the detector browsers use for unlabelled pages).

use encoding_rs::Encoding;
use mail_parser::{Encoding as TransferEncoding, Header, Message, MessagePart, MimeHeaders};

/// Decodes raw 8-bit header text in one charset for the whole message: the charset its
/// text part declares when the bytes read as that, else the one all its raw 8-bit
/// headers together most look like (more text makes a surer guess than one name).
pub struct Headers<'m> {
    raw: &'m [u8],
    encoding: Option<&'static Encoding>,
}

impl<'m> Headers<'m> {
    pub fn new(msg: &'m Message<'m>) -> Headers<'m> {
        let raw = msg.raw_message();
        let eight_bit: Vec<&[u8]> = msg
            .parts
            .iter()
            .flat_map(|p| p.headers())
            .filter_map(|h| header_bytes(raw, h))
            .filter(|b| std::str::from_utf8(b).is_err())
            .collect();
        if eight_bit.is_empty() {
            return Headers {
                raw,
                encoding: None,
            };
        }
        // `us-ascii` says nothing about 8-bit text (encoding_rs reads it as windows-1252).
        let declared = msg
            .text_part(0)
            .or_else(|| msg.part(0))
            .and_then(|p| p.content_type())
            .and_then(|c| c.attribute("charset"))
            .map(str::trim)
            .filter(|c| !c.eq_ignore_ascii_case("us-ascii") && !c.eq_ignore_ascii_case("ascii"))
            .and_then(|c| Encoding::for_label(c.as_bytes()))
            .filter(|e| *e != encoding_rs::UTF_8)
            .filter(|e| {
                eight_bit.iter().all(|b| {
                    e.decode_without_bom_handling_and_without_replacement(b)
                        .is_some()
                })
            });
        let encoding = declared.unwrap_or_else(|| {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
            for b in &eight_bit {
                det.feed(b, false);
                det.feed(b"\n", false);
            }
            det.feed(b"", true);
            det.guess(None, chardetng::Utf8Detection::Allow)
        });
        Headers {
            raw,
            encoding: Some(encoding),
        }
    }

    /// A header's value decoded in the guessed charset, on one line, or `None` when it is
    /// UTF-8 (or ASCII) already and the parser read it right.
    pub fn text(&self, h: &Header<'_>) -> Option<String> {
        let bytes = header_bytes(self.raw, h)?;
        if std::str::from_utf8(bytes).is_ok() {
            return None;
        }
        let (text, _, _) = self.encoding?.decode(bytes);
        Some(text.replace(['\r', '\n'], " ").trim().to_string())
    }

    /// The value of the first header called `name` in `part`, as [`Headers::text`] gives it.
    pub fn of(&self, part: &MessagePart<'_>, name: &str) -> Option<String> {
        let h = part
            .headers()
            .iter()
            .find(|h| h.name.as_str().eq_ignore_ascii_case(name))?;
        self.text(h)
    }
}

fn header_bytes<'a>(raw: &'a [u8], h: &Header<'_>) -> Option<&'a [u8]> {
    raw.get(h.offset_start as usize..h.offset_end as usize)
}

/// A text part's text decoded again when its declared charset is missing or wrong:
/// `None` when the parser's text stands. `text` is what the parser made of the part.
pub fn recover(raw: &[u8], part: &MessagePart<'_>, text: &str) -> Option<String> {
    let declared = part
        .content_type()
        .and_then(|c| c.attribute("charset"))
        .and_then(|c| Encoding::for_label(c.trim().as_bytes()));
    let broken = text.contains('\u{FFFD}');
    // A single-byte charset never fails, so UTF-8 labelled Latin-1 shows as mojibake.
    let single_byte = declared.is_none_or(|e| e.is_single_byte()) && !text.is_ascii();
    if !broken && !single_byte {
        return None;
    }
    let bytes = body_bytes(raw, part)?;
    if bytes.is_ascii() {
        return None;
    }
    if let Ok(utf8) = std::str::from_utf8(&bytes) {
        // Valid UTF-8 that the declared charset turned into something else: it is UTF-8
        // (Latin-1 text is valid UTF-8 only by a freak of letters like "Ã©").
        return (utf8 != text && (broken || declared != Some(encoding_rs::UTF_8)))
            .then(|| utf8.to_string());
    }
    if !broken {
        return None;
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    det.feed(&bytes, true);
    let guess = det.guess(None, chardetng::Utf8Detection::Allow);
    let (decoded, _, _) = guess.decode(&bytes);
    let bad = |s: &str| s.matches('\u{FFFD}').count();
    (bad(&decoded) < bad(text)).then(|| decoded.into_owned())
}

/// A part's body after its transfer encoding, as bytes in whatever charset it has.
fn body_bytes(raw: &[u8], part: &MessagePart<'_>) -> Option<Vec<u8>> {
    let body = raw.get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        TransferEncoding::None => Some(body.to_vec()),
        TransferEncoding::QuotedPrintable => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
        }
        TransferEncoding::Base64 => mail_parser::decoders::base64::base64_decode(body),
    }
}
