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
use mail_parser::{Encoding, MessageParser, MimeHeaders, PartType};

use super::{Ctx, Unpacked};
use crate::report::FindingKind;

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
    let parser = MessageParser::new().with_mime_headers();
    let Some(message) = parser.parse(&data[..]) else {
        out.findings.push(FindingKind::Malformed {
            detail: "MIME message without a header block".into(),
        });
        return out;
    };
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
        // message; only decoded, named or nested content is new.
        if part.encoding == Encoding::None
            && named.is_none()
            && matches!(part.body, PartType::Text(_) | PartType::Html(_))
        {
            continue;
        }
        if listed >= ctx.budget.objects_left() {
            out.entries_cut(listed as usize);
            break;
        }
        listed += 1;
        let name = match named {
            Some(n) => n.to_owned(),
            None if is_message => format!("<message {i}>"),
            None => format!("<part {i}>"),
        };
        if part.is_encoding_problem {
            out.findings.push(FindingKind::Malformed {
                detail: format!("{name:?}: its transfer encoding does not decode cleanly"),
            });
        }
        match part.encoding {
            Encoding::Base64 => out.push_drained(name, ctx.budget.take(base64(&raw))),
            Encoding::QuotedPrintable => {
                out.push_drained(name, ctx.budget.take(quoted_printable(&raw)))
            }
            Encoding::None => out.push_slice(name, raw, ctx.budget),
        }
    }
    out
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

/// Base64 as RFC 2045 asks a decoder to read it: characters outside the
/// alphabet (line breaks, stray bytes) are skipped. `=` ends a group, and
/// decoding goes on after it, so that encoded pieces glued together all
/// decode (a decoder that stops there sees less, never more). A trailing
/// partial group gives the whole bytes it holds.
pub(crate) fn base64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                (acc, bits) = (0, 0);
                continue;
            }
            _ => continue,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Quoted-printable: `=XX` is a byte, `=` at a line's end joins lines, and
/// anything else (a malformed escape too) is kept as it is.
pub(crate) fn quoted_printable(input: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        if c != b'=' {
            out.push(c);
            i += 1;
            continue;
        }
        match (input.get(i + 1), input.get(i + 2)) {
            (Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(hex(h).unwrap_or(0) << 4 | hex(l).unwrap_or(0));
                i += 3;
            }
            (Some(b'\r'), Some(b'\n')) => i += 3,
            (Some(b'\n'), _) => i += 2,
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_skips_what_is_not_in_its_alphabet() {
        assert_eq!(base64(b"aGVs\r\nbG8=\r\n"), b"hello");
        assert_eq!(base64(b"aGVsbG8"), b"hello");
        assert_eq!(base64(b"a G\x00V*sbG8h"), b"hello!");
        assert_eq!(base64(b""), b"");
        assert_eq!(base64(b"aGk=aGk="), b"hihi");
    }

    #[test]
    fn quoted_printable_soft_breaks_and_bad_escapes() {
        assert_eq!(quoted_printable(b"a=3Db=\r\nc=\nd"), b"a=bcd");
        assert_eq!(quoted_printable(b"=ZZ=4"), b"=ZZ=4");
        assert_eq!(quoted_printable(b"caf=C3=A9"), "café".as_bytes());
    }
}
