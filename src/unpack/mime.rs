//! MIME messages (mail saved as `.eml`, mbox files, MHTML web archives):
//! every part that carries content is a child, named by its filename where
//! it has one.
//!
//! `mail-parser` reads the structure (boundaries, headers, RFC 2231 names).
//! Bodies are decoded here from the raw bytes of each part, not taken from
//! the parser: it turns text parts into UTF-8 by their declared charset, and
//! a program sent as `text/plain` in base64 must be scanned as the bytes a
//! mail client would save, not as their lossy conversion.

use bytes::Bytes;
use mail_parser::{Encoding, HeaderName, MessageParser, MimeHeaders, PartType};

use super::decode::{base64, quoted_printable};
use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::passhint;
use crate::report::Origin;

/// Parts a message may have before it is not parsed at all: the parser
/// keeps a record for each, so its memory follows their number.
const MAX_PARTS: usize = 10_000;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    if data.starts_with(b"From ") && split_mbox(data, ctx, &mut out) {
        return out;
    }
    // The parser keeps offsets in 32 bits: past 4 GiB (an engine configured
    // for objects that large) they would point at the wrong bytes.
    if u32::try_from(data.len()).is_err() {
        out.findings.push(FindingKind::Limit {
            limit: crate::limits::LimitKind::ObjectSize,
            detail: "a MIME message over 4 GiB: its parts were not unpacked".into(),
        });
        return out;
    }
    // Every part after the first starts behind a boundary line ("--"), so
    // this bounds the number of parts before the parser sees any.
    let boundaries = memchr::memmem::find_iter(&data[..], b"\n--").count();
    if boundaries > MAX_PARTS {
        out.findings.push(FindingKind::Limit {
            limit: crate::limits::LimitKind::Objects,
            detail: format!("{boundaries} boundary lines: the message's parts were not unpacked"),
        });
        return out;
    }
    // Only the MIME fields are parsed; every other field is kept raw (an
    // empty configuration would parse addresses, dates and Received chains
    // that nothing here reads).
    // The subject too: it may give the attachments' password.
    let parser = MessageParser::new()
        .with_mime_headers()
        .header_text(HeaderName::Subject);
    let Some(message) = parser.parse(&data[..]) else {
        out.findings.push(FindingKind::Malformed {
            detail: "MIME message without a header block".into(),
        });
        return out;
    };
    password_hints(&message, &mut out.passwords);
    let mut listed = 0u64;
    for (i, part) in message.parts.iter().enumerate() {
        if matches!(part.body, PartType::Multipart(_)) {
            continue;
        }
        let Some(raw) = body(data, part.offset_body, part.offset_end) else {
            continue;
        };
        let named = part.attachment_name().filter(|n| !n.is_empty());
        let is_message = matches!(part.body, PartType::Message(_));
        // A plain text body is already in the bytes scanned as the
        // message; only decoded, named or nested content is new. An HTML
        // body is a page of its own even unencoded: its scripts and links
        // are read as a page's.
        let text_part = matches!(part.body, PartType::Text(_));
        let encoding = declared_encoding(part);
        if encoding == Encoding::None && named.is_none() && text_part {
            // Files uuencoded or in BinHex inside the text are new.
            super::textenc::carve(&raw, ctx, &mut out);
            continue;
        }
        if listed >= ctx.budget.objects_left() {
            out.entries_cut(listed as usize);
            break;
        }
        listed += 1;
        // A part's file name is the sender's; a part without one is the
        // message's own content, labelled by us.
        let (name, origin) = match named {
            Some(n) => (n.to_owned(), Origin::Entry),
            None if is_message => (format!("<message {i}>"), Origin::Decoded),
            None => (format!("<part {i}>"), Origin::Decoded),
        };
        if part.is_encoding_problem {
            out.findings.push(FindingKind::Malformed {
                detail: format!("{name:?}: its transfer encoding does not decode cleanly"),
            });
            // The parser gave up on the declared encoding and keeps the
            // body raw; mail clients decode it all the same (RFC 2045:
            // characters outside the alphabet are ignored), so both
            // readings are scanned: the raw body here, the decoded one
            // under the part's name below.
            if encoding != Encoding::None {
                let origin = Origin::Carved {
                    offset: u64::from(part.offset_body),
                };
                out.push_slice(format!("<raw part {i}>"), origin, raw.clone(), ctx.budget);
            }
        }
        let decoded = match encoding {
            Encoding::Base64 => base64(&raw),
            Encoding::QuotedPrintable => quoted_printable(&raw),
            Encoding::None => {
                // Uuencoded and BinHex files in any body, not only a text
                // one: a part declared `x-uuencode` (an encoding the parser
                // does not know, that mail clients decode) is one.
                super::textenc::carve(&raw, ctx, &mut out);
                out.push_slice(name, origin, raw, ctx.budget);
                continue;
            }
        };
        if text_part {
            super::textenc::carve(&decoded, ctx, &mut out);
        }
        out.push_drained(name, origin, ctx.budget.take(decoded));
    }
    out
}

/// The passwords that the message's subject and text give, when it has
/// parts other than its text (an attachment or a nested message) that
/// they may open.
fn password_hints(message: &mail_parser::Message<'_>, out: &mut Vec<String>) {
    let attached = message.parts.iter().any(|p| {
        !matches!(
            p.body,
            PartType::Text(_) | PartType::Html(_) | PartType::Multipart(_)
        ) || p.attachment_name().is_some_and(|n| !n.is_empty())
    });
    if !attached {
        return;
    }
    if let Some(subject) = message.subject() {
        passhint::from_text(subject, out);
    }
    for part in &message.parts {
        if part.attachment_name().is_some_and(|n| !n.is_empty()) {
            continue;
        }
        match &part.body {
            PartType::Text(t) => passhint::from_text(t, out),
            PartType::Html(h) => passhint::from_html(h, out),
            _ => {}
        }
    }
}

/// The transfer encoding a part declares. The parser reports `None` for a
/// body it could not decode (a character outside base64's alphabet); the
/// field still says how a mail client decodes it.
fn declared_encoding(part: &mail_parser::MessagePart<'_>) -> Encoding {
    if !part.is_encoding_problem || part.encoding != Encoding::None {
        return part.encoding;
    }
    match part.content_transfer_encoding().map(str::trim) {
        Some(e) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
        Some(e) if e.eq_ignore_ascii_case("quoted-printable") => Encoding::QuotedPrintable,
        _ => Encoding::None,
    }
}

/// An mbox file of several messages: each one (from its "From " line to
/// the next) is a child, which the pipeline reads as a message of its own.
/// The parser would read only the first. False when there is one message.
fn split_mbox(data: &Bytes, ctx: &mut Ctx<'_>, out: &mut Unpacked) -> bool {
    let mut starts = std::iter::once(0)
        .chain(memchr::memmem::find_iter(&data[..], b"\nFrom ").map(|p| p + 1))
        .peekable();
    let mut k = 0u64;
    let mut current = starts.next().unwrap_or(0);
    if starts.peek().is_none() {
        return false;
    }
    loop {
        let next = starts.next();
        if k >= ctx.budget.objects_left() {
            out.entries_cut(k as usize);
            break;
        }
        let end = next.unwrap_or(data.len());
        out.push_slice(
            format!("<message {k}>"),
            Origin::Carved {
                offset: current as u64,
            },
            data.slice(current..end),
            ctx.budget,
        );
        k += 1;
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    true
}

/// The raw bytes of a part's body, as a slice of the message.
fn body(data: &Bytes, start: u32, end: u32) -> Option<Bytes> {
    let (s, e) = (start as usize, end as usize);
    (s <= e && e <= data.len()).then(|| data.slice(s..e))
}
