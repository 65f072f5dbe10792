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
use crate::types::{FileType, known};

/// Parts a message may have before it is not parsed at all: the parser
/// keeps a record for each, so its memory follows their number.
const MAX_PARTS: usize = 10_000;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    // An mbox's messages are children of their own, and the file is read
    // as one message too: a mail client opening an `.eml` saved with an
    // mbox `From ` line reads a body line that starts with `From ` as
    // text, whatever follows it, where an mbox reader starts a message.
    let split = data.starts_with(b"From ") && split_mbox(data, ctx, &mut out);
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
    // The passwords a message gives are tried on what it carries: not on
    // the other messages of an mbox, which are children here too (each
    // gives its own, read as a message of its own).
    if !split {
        password_hints(&message, &mut out.passwords);
    }
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
        let encodings = declared_encodings(data, part);
        let encoding = encodings[0];
        if encodings.len() == 1 && encoding == Reading::Plain && named.is_none() && text_part {
            // Files uuencoded or in BinHex inside the text are new.
            super::textenc::carve(&raw, ctx, &mut out);
            continue;
        }
        if listed >= ctx.budget.objects_left() {
            out.entries_cut(listed as usize);
            break;
        }
        listed += 1;
        // A name in a charset the parser does not decode (EBCDIC, which
        // Python's `email` reads) comes out with replacement characters:
        // what a client shows may be another name, with its own checks.
        if named.is_some_and(|n| n.contains('\u{fffd}')) {
            out.findings.push(FindingKind::Malformed {
                detail: format!(
                    "part {i} has a file name in a charset this parser does not decode: mail clients that do may read another name"
                ),
            });
        }
        // A part's file name is the sender's; a part without one is the
        // message's own content, labelled by us.
        let (name, origin) = match named {
            Some(n) => (n.to_owned(), Origin::Entry),
            None if is_message => (format!("<message {i}>"), Origin::Decoded),
            None => (format!("<part {i}>"), Origin::Decoded),
        };
        if encodings.len() > 1 {
            out.findings.push(FindingKind::Malformed {
                detail: format!(
                    "{name:?}: Content-Transfer-Encoding fields that disagree (mail clients read the first, this parser the last): every reading is scanned"
                ),
            });
        }
        for e in &encodings {
            if let Reading::Unknown(method) = e {
                out.findings.push(FindingKind::UnsupportedMethod {
                    entry: name.clone(),
                    method: format!(
                        "transfer encoding {:?}",
                        method.chars().take(40).collect::<String>()
                    ),
                });
            }
        }
        let raw_read = encodings.iter().any(|e| !e.decodes());
        if part.is_encoding_problem {
            out.findings.push(FindingKind::Malformed {
                detail: format!("{name:?}: its transfer encoding does not decode cleanly"),
            });
            // The parser gave up on the declared encoding and keeps the
            // body raw; mail clients decode it all the same (RFC 2045:
            // characters outside the alphabet are ignored), so both
            // readings are scanned: the raw body here, the decoded one
            // under the part's name below.
            if !raw_read {
                let origin = Origin::Carved {
                    offset: u64::from(part.offset_body),
                };
                out.push_slice(format!("<raw part {i}>"), origin, raw.clone(), ctx.budget);
            }
        }
        if raw_read {
            // Uuencoded and BinHex files in any body, not only a text
            // one: a part declared `x-uuencode` (an encoding the parser
            // does not know, that mail clients decode) is one.
            super::textenc::carve(&raw, ctx, &mut out);
            out.push_slice(name.clone(), origin, raw.clone(), ctx.budget);
        }
        for e in encodings.iter().filter(|e| e.decodes()) {
            let decoded = match e {
                Reading::Base64 => base64(&raw),
                _ => quoted_printable(&raw),
            };
            if text_part {
                super::textenc::carve(&decoded, ctx, &mut out);
            }
            out.push_drained(name.clone(), origin, ctx.budget.take(decoded));
        }
    }
    let readings = structure(data, &message, &mut out);
    multipart_readings(data, &message, &readings, &mut out);
    if let Some(copy) = clients_reading(data, &message, &readings) {
        out.push_drained(
            "<message as mail clients read it>".to_owned(),
            Origin::Decoded,
            ctx.budget.take(copy),
        );
    }
    out
}

/// True when a text of type `t` starts with a header block that mail
/// clients read as a message with content to decode, where detection read
/// none (a byte order mark or a space before the first field, a line of
/// junk among the fields, a space before a colon, CR line ends).
pub(crate) fn clients_have_work(t: FileType, data: &[u8]) -> bool {
    may_hold_a_message(t) && crate::format::mailhead::clients_read_a_message(data)
}

/// Text that detection did not read as a message and that may be one.
fn may_hold_a_message(t: FileType) -> bool {
    t.is_text_or_script() && ![known::EMAIL, known::JSON, known::UTF16_TEXT].contains(&t)
}

/// The message that mail clients read in a text of type `t` (see
/// [`clients_have_work`]), rewritten as the strict reading reads it, as a
/// child that is unpacked as a message: every reading is scanned. The
/// reading makes its own checks, once.
pub(crate) fn clients_message(t: FileType, data: &[u8], ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    if !may_hold_a_message(t) {
        return;
    }
    if let Some(copy) = crate::format::mailhead::as_clients_read(data) {
        out.push_drained(
            "<message as mail clients read it>".to_owned(),
            Origin::Decoded,
            ctx.budget.take(copy),
        );
    }
}

/// The message as Thunderbird and Python's `email` read it, where this
/// parser reads it otherwise, for the engine to unpack as a message of its
/// own: of Content-Type, Content-Transfer-Encoding and Content-Disposition
/// fields given twice, the first wins (the later ones are renamed out of
/// the way), a parameter folded around its `=` is unfolded, a part's
/// header block ends where those clients end it, and a
/// multipart type whose boundary the parser missed is written on one line,
/// without the white space after `=` that folding left there. `None` when
/// the parser's reading is already theirs.
fn clients_reading(
    data: &[u8],
    message: &mail_parser::Message<'_>,
    readings: &[PartReadings],
) -> Option<Vec<u8>> {
    // (start, end, replacement) of the bytes changed, in the message.
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for (part, r) in message.parts.iter().zip(readings) {
        for name in [
            HeaderName::ContentType,
            HeaderName::ContentTransferEncoding,
            HeaderName::ContentDisposition,
        ] {
            for h in part.headers.iter().filter(|h| h.name == name).skip(1) {
                let at = h.offset_field as usize;
                edits.push((at, at + 1, b"X".to_vec()));
            }
        }
        if let Some((start, end, line, renamed)) = &r.unsplit {
            edits.push((*start, *end, format!("{line}\r\n").into_bytes()));
            edits.extend(renamed.iter().map(|&at| (at, at + 1, b"_".to_vec())));
        }
        // Header blocks that Python's `email` and munpack end before a
        // strict reader does: rewritten on CRLF lines with their empty
        // line.
        edits.extend(r.heads.iter().cloned());
        for name in [HeaderName::ContentType, HeaderName::ContentDisposition] {
            let Some(h) = part.headers.iter().find(|h| h.name == name) else {
                continue;
            };
            let (start, end) = (h.offset_start as usize, h.offset_end as usize);
            if let Some(line) = data
                .get(start..end)
                .and_then(|raw| std::str::from_utf8(raw).ok())
                .and_then(unfolded_parameters)
            {
                edits.push((start, end, format!(" {line}\r\n").into_bytes()));
            }
        }
        // A boundary inside a line is text to the clients: its dashes are
        // written as spaces, which base64 and text alike pass over.
        for &at in &r.midline {
            edits.push((at, at + 2, b"  ".to_vec()));
        }
        // Parts after the closing boundary: its closing dashes written as
        // spaces (transport padding), so that they are parts.
        if let Some(at) = r.after_close {
            edits.push((at, at + 2, b"  ".to_vec()));
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0);
    let mut copy = Vec::with_capacity(data.len());
    let mut at = 0;
    for (start, end, with) in edits {
        if start < at || end > data.len() {
            continue;
        }
        copy.extend_from_slice(&data[at..start]);
        copy.extend_from_slice(&with);
        at = end;
    }
    copy.extend_from_slice(&data[at..]);
    (copy != data).then_some(copy)
}

/// Findings on what makes readers see a different structure: a part
/// that declares itself multipart but whose boundary the parser did not
/// read (folded onto a line of its own, or missing: other readers find
/// one), and Content-Type fields given twice with different values (mail
/// clients read the first, this parser the last).
fn multipart_readings(
    data: &[u8],
    message: &mail_parser::Message<'_>,
    readings: &[PartReadings],
    out: &mut Unpacked,
) {
    for (i, (part, r)) in message.parts.iter().zip(readings).enumerate() {
        let declared = fields(data, part, &HeaderName::ContentType);
        if r.unsplit.is_some() {
            out.findings.push(FindingKind::Malformed {
                detail: format!(
                    "part {i} declares a multipart type whose boundary this parser does not read, and its body has lines of that boundary: other readers find parts in it"
                ),
            });
        }
        if r.after_close.is_some() {
            out.findings.push(FindingKind::Malformed {
                detail: format!(
                    "part {i} has its boundary again after its closing boundary: some readers (ripmime) read parts there"
                ),
            });
        }
        if !r.midline.is_empty() {
            out.findings.push(FindingKind::Malformed {
                detail: format!(
                    "part {i} has its boundary inside a line: mail clients take a boundary only at a line's start, this parser anywhere"
                ),
            });
        }
        let first = declared.first().map(|v| normalized(v));
        if declared.iter().any(|v| Some(normalized(v)) != first) {
            out.findings.push(FindingKind::Malformed {
                detail: format!(
                    "part {i} has Content-Type fields that disagree: mail clients read the first, this parser the last"
                ),
            });
        }
    }
}

/// What the checks of a part's structure found where readers disagree.
#[derive(Default)]
struct PartReadings {
    /// A multipart type the parser did not split ([`unsplit_multipart`]).
    unsplit: Option<(usize, usize, String, Vec<usize>)>,
    /// Boundaries inside a line ([`midline_boundaries`]).
    midline: Vec<usize>,
    /// Parts after the closing boundary ([`parts_after_the_close`]).
    after_close: Option<usize>,
    /// Its parts' header blocks that end otherwise to mail clients
    /// ([`unended_heads`]).
    heads: Vec<(usize, usize, Vec<u8>)>,
}

/// How many bytes the checks of multipart parts may read in all, as a
/// multiple of the message's size (and 64 MiB at least): multipart parts
/// nest, and each check of one reads what it holds, so that a message of
/// thousands of nested multiparts would be read thousands of times.
const STRUCTURE_READS: usize = 32;

/// The structure checks of every part, in the order of the parts. Past
/// [`STRUCTURE_READS`], the multipart parts left are not checked, which a
/// finding says.
fn structure(
    data: &[u8],
    message: &mail_parser::Message<'_>,
    out: &mut Unpacked,
) -> Vec<PartReadings> {
    let budget = data.len().saturating_mul(STRUCTURE_READS).max(64 << 20);
    let mut spent = 0usize;
    let mut skipped = 0usize;
    let mut readings: Vec<PartReadings> = message
        .parts
        .iter()
        .map(|part| {
            let mut r = PartReadings {
                unsplit: unsplit_multipart(data, part),
                ..PartReadings::default()
            };
            if matches!(part.body, PartType::Multipart(_)) {
                // Its body, and what follows it to the message's end.
                let cost = data
                    .len()
                    .saturating_sub(part.offset_body as usize)
                    .saturating_mul(3);
                if spent.saturating_add(cost) > budget {
                    skipped += 1;
                    return r;
                }
                spent += cost;
                r.midline = midline_boundaries(data, part);
                r.after_close = parts_after_the_close(data, part);
                r.heads = unended_heads(data, part);
            }
            r
        })
        .collect();
    // The message's own header block, where the clients end it (base64
    // straight after the fields: Python and munpack decode it).
    if let Some(root) = readings.first_mut()
        && !data.starts_with(b"From ")
        && let Some((range, with)) = crate::format::mailhead::part_head_end(data)
    {
        root.heads.push((range.start, range.end, with));
    }
    if skipped > 0 {
        out.findings.push(FindingKind::Limit {
            limit: crate::limits::LimitKind::Objects,
            detail: format!(
                "{skipped} nested multipart parts were not checked for boundaries that other readers read otherwise"
            ),
        });
    }
    readings
}

/// The boundary of a multipart part that the parser split.
fn split_boundary<'a>(part: &'a mail_parser::MessagePart<'_>) -> Option<&'a str> {
    if !matches!(part.body, PartType::Multipart(_)) {
        return None;
    }
    part.content_type()
        .and_then(|ct| ct.attribute("boundary"))
        .filter(|b| !b.is_empty())
}

/// Where a multipart part's closing delimiter (`--boundary--`) has its
/// closing dashes, when a line of the boundary follows it: what this
/// parser takes for the epilogue, ripmime reads as more parts.
fn parts_after_the_close(data: &[u8], part: &mail_parser::MessagePart<'_>) -> Option<usize> {
    let boundary = split_boundary(part)?;
    let start = part.offset_body as usize;
    // The epilogue lies past the closing delimiter, whatever the parser
    // counts as the part's end.
    let whole = data.get(start..)?;
    let close = format!("\n--{boundary}--");
    let after = memchr::memmem::find(whole, close.as_bytes())? + close.len();
    // A line of this boundary, not of a longer one that starts alike.
    let again = format!("\n--{boundary}");
    memchr::memmem::find_iter(&whole[after..], again.as_bytes())
        .map(|at| &whole[after + at + again.len()..])
        .find(|rest| rest.is_empty() || rest.starts_with(b"--") || rest[0].is_ascii_whitespace())?;
    Some(start + after - 2)
}

/// Most part heads of one multipart part read by [`unended_heads`].
const MAX_HEADS: usize = 1024;

/// The header blocks of a multipart part's parts (each after a line of
/// its boundary) that Python's `email` or munpack end where a strict
/// reader does not ([`mailhead::part_head_end`]): the span of the message
/// to replace, and what with. The parser may have read such a part's
/// body as header lines, and lost it.
///
/// [`mailhead::part_head_end`]: crate::format::mailhead::part_head_end
fn unended_heads(data: &[u8], part: &mail_parser::MessagePart<'_>) -> Vec<(usize, usize, Vec<u8>)> {
    let Some(boundary) = split_boundary(part) else {
        return Vec::new();
    };
    let start = part.offset_body as usize;
    let Some(whole) = data.get(start..) else {
        return Vec::new();
    };
    let line = format!("--{boundary}");
    memchr::memmem::find_iter(whole, line.as_bytes())
        .filter(|&at| at == 0 || whole[at - 1] == b'\n')
        .filter_map(|at| {
            // The delimiter line's end: white space, then LF or CRLF (a
            // closing delimiter opens no part).
            let rest = &whole[at + line.len()..];
            let blanks = rest
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t')
                .count();
            let eol = match rest.get(blanks..)? {
                [b'\r', b'\n', ..] => 2,
                [b'\n', ..] => 1,
                _ => return None,
            };
            let head = start + at + line.len() + blanks + eol;
            let (range, with) = crate::format::mailhead::part_head_end(&data[head..])?;
            Some((head + range.start, head + range.end, with))
        })
        .take(MAX_HEADS)
        .collect()
}

/// Where a multipart part's body has its boundary (`--` and the boundary)
/// inside a line rather than at a line's start, at most 64 of them.
fn midline_boundaries(data: &[u8], part: &mail_parser::MessagePart<'_>) -> Vec<usize> {
    let Some(boundary) = split_boundary(part) else {
        return Vec::new();
    };
    let (start, end) = (part.offset_body as usize, part.offset_end as usize);
    let Some(body) = data.get(start..end) else {
        return Vec::new();
    };
    let marker = format!("--{boundary}");
    memchr::memmem::find_iter(body, marker.as_bytes())
        .filter(|&at| at > 0 && !matches!(body[at - 1], b'\n' | b'\r'))
        .map(|at| start + at)
        .take(64)
        .collect()
}

/// A part that declares a multipart type (its first Content-Type field)
/// which the parser did not split, though its body holds a line of the
/// boundary that the field names once unfolded: where that field's value
/// lies, and the value on one line, without the white space after `=`
/// that folding left there (what Python, munpack and ripmime read); and
/// where the backslashes of a boundary that has them lie in its lines.
fn unsplit_multipart(
    data: &[u8],
    part: &mail_parser::MessagePart<'_>,
) -> Option<(usize, usize, String, Vec<usize>)> {
    if matches!(part.body, PartType::Multipart(_)) {
        return None;
    }
    let h = part
        .headers
        .iter()
        .find(|h| h.name == HeaderName::ContentType)?;
    let (start, end) = (h.offset_start as usize, h.offset_end as usize);
    let text = String::from_utf8_lossy(data.get(start..end)?);
    if !text
        .trim_start()
        .get(..10)
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/"))
    {
        return None;
    }
    let mut line = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !matches!(c, '\r' | '\n')) {
        if c.is_ascii_whitespace() && line.ends_with('=') {
            continue;
        }
        line.push(if c == '\t' { ' ' } else { c });
    }
    let line = line.trim_end().to_owned();
    let body = data.get(part.offset_body as usize..part.offset_end as usize)?;
    let lower = line.to_ascii_lowercase();
    let ty = line.split(';').next().unwrap_or("").trim();
    // No boundary given: munpack and ripmime take the first `--` line's
    // as the boundary, when the body has that line again.
    if !lower.contains("boundary") {
        let guess = guessed_boundary(body)?;
        return Some((
            start,
            end,
            format!(" {ty}; boundary=\"{guess}\""),
            Vec::new(),
        ));
    }
    // Each `boundary` given (readers differ on which of two wins): the
    // first that the body has lines of.
    let (k, boundary) = lower
        .match_indices("boundary=")
        .map(|(at, key)| {
            let value = &line[at + key.len()..];
            match value.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().unwrap_or(""),
                None => value.split([';', ' ']).next().unwrap_or(""),
            }
        })
        .enumerate()
        .find(|(_, b)| {
            !b.is_empty() && memchr::memmem::find(body, format!("\n--{b}").as_bytes()).is_some()
        })?;
    // A backslash inside quotes is an escape to mail-parser (and to
    // Python's default policy), a character to Python's compat32 and
    // ripmime, which split at `--B\B`: in the copy, each is an `_`, in the
    // field and in the boundary's lines.
    if boundary.contains('\\') {
        let body_at = part.offset_body as usize;
        let delimiter = format!("\n--{boundary}");
        // Each line of the boundary, the first one too when the body starts
        // with it.
        let first = body
            .starts_with(&delimiter.as_bytes()[1..])
            .then_some(0)
            .into_iter();
        let renamed = first
            .chain(memchr::memmem::find_iter(body, delimiter.as_bytes()).map(|at| at + 1))
            .flat_map(|at| {
                let line = &body[at..at + delimiter.len() - 1];
                memchr::memchr_iter(b'\\', line).map(move |i| body_at + at + i)
            })
            .collect();
        let safe = boundary.replace('\\', "_");
        return Some((start, end, format!(" {ty}; boundary=\"{safe}\""), renamed));
    }
    if k == 0 {
        return Some((start, end, line, Vec::new()));
    }
    // A later one: the type with that boundary alone.
    Some((
        start,
        end,
        format!(" {ty}; boundary=\"{boundary}\""),
        Vec::new(),
    ))
}

/// A Content-Type or Content-Disposition value with a parameter folded
/// around its `=` (`filename=\r\n "a.js"`): mail-parser loses that
/// parameter, and with it the part's name; Python's `email`, munpack and
/// ripmime read it. The value on one line, without white space around
/// `=`; `None` when no fold meets an `=`.
fn unfolded_parameters(raw: &str) -> Option<String> {
    let folds_at_equals = raw.match_indices('\n').any(|(i, _)| {
        matches!(raw.as_bytes().get(i + 1), Some(b' ' | b'\t'))
            && (raw[..i].trim_end_matches(['\r', ' ', '\t']).ends_with('=')
                || raw[i + 1..]
                    .trim_start_matches([' ', '\t'])
                    .starts_with('='))
    });
    if !folds_at_equals {
        return None;
    }
    let mut line = String::with_capacity(raw.len());
    let mut blank = false;
    for c in raw.chars().filter(|c| !matches!(c, '\r' | '\n')) {
        if c == ' ' || c == '\t' {
            blank = true;
            continue;
        }
        if blank && c != '=' && !line.ends_with('=') && !line.is_empty() {
            line.push(' ');
        }
        blank = false;
        line.push(c);
    }
    Some(line)
}

/// The boundary of a multipart body that names none, as munpack and
/// ripmime guess it: the rest of the first line that starts with `--`
/// (1 to 70 characters, no white space, no quote), when a later line
/// starts with `--` and it again.
fn guessed_boundary(body: &[u8]) -> Option<&str> {
    let mut lines = body
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .take(10_000);
    let first = lines.find_map(|l| l.strip_prefix(b"--"))?;
    let first = std::str::from_utf8(first).ok()?.trim_end();
    let first = first.strip_suffix("--").unwrap_or(first);
    if first.is_empty()
        || first.len() > 70
        || first.contains(|c: char| c.is_whitespace() || c == '"' || c.is_control())
    {
        return None;
    }
    lines
        .any(|l| {
            l.strip_prefix(b"--")
                .is_some_and(|r| r.starts_with(first.as_bytes()))
        })
        .then_some(first)
}

/// A field's value without its white space, lowercased: folding and case
/// are no difference.
fn normalized(v: &str) -> String {
    v.split_ascii_whitespace()
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The raw values of a part's fields named `name`, in order.
fn fields<'a>(
    data: &'a [u8],
    part: &mail_parser::MessagePart<'_>,
    name: &HeaderName<'_>,
) -> Vec<&'a str> {
    part.headers
        .iter()
        .filter(|h| h.name == *name)
        .filter_map(|h| {
            let raw = data.get(h.offset_start as usize..h.offset_end as usize)?;
            std::str::from_utf8(raw).ok()
        })
        .collect()
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

/// How a part's body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading<'a> {
    /// As it is: 7bit, 8bit, binary, no field, or uuencode (carved).
    Plain,
    Base64,
    QuotedPrintable,
    /// An encoding no mail client decodes: read as it is, and a finding.
    Unknown(&'a str),
}

impl Reading<'_> {
    fn decodes(&self) -> bool {
        matches!(self, Reading::Base64 | Reading::QuotedPrintable)
    }
}

/// The transfer encodings a part declares, each field read as Thunderbird
/// reads it: its first token, up to white space, `;`, `,` or `(`
/// (`base64; x=1` and `base64 (binary)` are base64), quotes and case
/// aside. Fields that disagree give every reading, first field first; the
/// parser's own (which takes the last field, and only an exact
/// `base64`) is not trusted. Never empty.
fn declared_encodings<'a>(data: &'a [u8], part: &mail_parser::MessagePart<'_>) -> Vec<Reading<'a>> {
    let mut out = Vec::new();
    for v in fields(data, part, &HeaderName::ContentTransferEncoding) {
        let token = v
            .trim_start()
            .split(|c: char| c.is_ascii_whitespace() || matches!(c, ';' | ',' | '('))
            .next()
            .unwrap_or("")
            .trim_matches('"');
        let r = match token.to_ascii_lowercase().as_str() {
            "base64" | "x-base64" => Reading::Base64,
            "quoted-printable" | "x-quoted-printable" => Reading::QuotedPrintable,
            "" | "7bit" | "8bit" | "binary" | "x-uuencode" | "uuencode" | "x-uue" | "uue" => {
                Reading::Plain
            }
            _ => Reading::Unknown(token),
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    if out.is_empty() {
        // No field the raw bytes show: what the parser read, if anything.
        out.push(match part.encoding {
            Encoding::Base64 => Reading::Base64,
            Encoding::QuotedPrintable => Reading::QuotedPrintable,
            Encoding::None => Reading::Plain,
        });
    }
    out
}

/// An mbox file of several messages: each one (from its "From " line to
/// the next) is a child, which the pipeline reads as a message of its own.
/// The parser would read only the first. True when the file holds more
/// than one.
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
