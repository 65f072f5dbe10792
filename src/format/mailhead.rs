//! RFC 5322 header blocks at the start of a text, read two ways: strictly
//! (every line a field, as detection decides whether a text is a message)
//! and as mail clients read them (Thunderbird, Python's `email`, munpack:
//! junk lines passed over, any line end), which gives a copy of the
//! message that the strict reading, and the MIME unpacker, read as the
//! clients do.

/// Fields that mail and MHTML headers carry. Two of them, and nothing but
/// fields up to the blank line (or as far as the window shows: the headers
/// of delivered mail often run past it, with the MIME fields last): a
/// message. So is a header block that ends and declares a multipart
/// Content-Type or a base64 or quoted-printable body, whatever else it
/// holds: what a mail client opens and decodes.
const FIELDS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "sender",
    "reply-to",
    "message-id",
    "received",
    "return-path",
    "delivered-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-location",
    "snapshot-content-location",
    "x-mailer",
];

/// How many header lines of a head are read before deciding on it alone.
pub(crate) const MAX_LINES: usize = 200;

/// What the lines at the start of a text tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    /// Two known fields, and nothing but fields before the blank line.
    Message,
    /// A line that is no field, or a header block with fewer than two
    /// known fields.
    NotMessage,
    /// Nothing but fields so far, fewer than two known: the header block
    /// goes on past what was read.
    Open,
}

/// Reads up to `max_lines` whole lines at the start of `text` (the last
/// piece of a cut text is not judged) as a header block.
pub(crate) fn fields(text: &[u8], max_lines: usize) -> Head {
    // Split with memchr's search: most texts fail on their first line, and
    // a one-line JSON file is searched to its end for it.
    let mut start = 0;
    let mut lines = memchr::memchr_iter(b'\n', text).map(|end| {
        let line = &text[start..end];
        start = end + 1;
        line.strip_suffix(b"\r").unwrap_or(line)
    });
    let mut first = lines.next();
    // An mbox file starts with its envelope line.
    if first.is_some_and(|l| l.starts_with(b"From ")) {
        first = lines.next();
    }
    let mut known = 0u32;
    let mut seen = [false; FIELDS.len()];
    let mut fields = 0usize;
    let mut ended = false;
    // A multipart type, or a body in base64 or quoted-printable: a message
    // on its own once the block ends (what a mail client opens and
    // decodes, with no From or MIME-Version).
    let mut declared = Declared::default();
    for line in first.into_iter().chain(lines).take(max_lines) {
        if line.is_empty() {
            ended = true;
            break;
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            if fields == 0 {
                return Head::NotMessage;
            }
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            // Python's `email` and munpack end the block at the first line
            // that is no field: after the fields of a message whose body
            // is encoded, that is where its body starts.
            if known >= 2 && declared.any() {
                ended = true;
                break;
            }
            return Head::NotMessage;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|b| (33..=126).contains(b)) {
            return Head::NotMessage;
        }
        fields += 1;
        declared.read(name, &line[colon + 1..]);
        if let Some(i) = FIELDS
            .iter()
            .position(|f| f.as_bytes().eq_ignore_ascii_case(name))
            && !seen[i]
        {
            seen[i] = true;
            known += 1;
        }
    }
    match (
        known >= 2 || (declared.any() && ended),
        ended || fields == 0,
    ) {
        (true, _) => Head::Message,
        (false, true) => Head::NotMessage,
        (false, false) => Head::Open,
    }
}

/// What a header block's fields declare of a body that a client decodes.
#[derive(Default, Clone, Copy)]
struct Declared {
    /// A multipart Content-Type.
    multipart: bool,
    /// A Content-Transfer-Encoding of base64.
    base64: bool,
    /// A Content-Transfer-Encoding of quoted-printable.
    qp: bool,
}

impl Declared {
    /// Takes in field `name` with `value` (the line after its colon).
    fn read(&mut self, name: &[u8], value: &[u8]) {
        let value = value.trim_ascii();
        if name.eq_ignore_ascii_case(b"content-type") {
            self.multipart |= value.len() >= 10 && value[..10].eq_ignore_ascii_case(b"multipart/");
        }
        if name.eq_ignore_ascii_case(b"content-transfer-encoding") {
            self.base64 |= value.eq_ignore_ascii_case(b"base64");
            self.qp |= value.eq_ignore_ascii_case(b"quoted-printable");
        }
    }

    fn any(self) -> bool {
        self.multipart || self.base64 || self.qp
    }
}

/// Where the first byte that is not a byte order mark or white space lies
/// in `head`, if any does.
fn first_visible(head: &[u8]) -> Option<usize> {
    let bom = if head.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    head[bom..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|at| bom + at)
}

/// How far a header block is looked for when read as mail clients read it.
const CLIENTS_HEAD: usize = 64 << 10;

/// How many lines of a header block are read as mail clients read it:
/// junk lines count, and clients pass over any number of them.
const CLIENTS_LINES: usize = 2_000;

/// Reads the header block at the start of `data` as mail clients read it,
/// giving each field line it keeps (name, and the rest of the line from
/// its colon on) and each continuation line of a kept field to `keep`.
/// Thunderbird's `MimeHeaders`, Python's `email` and munpack agree on
/// this: a byte order mark, blank lines and white space before the first
/// field are passed over; a line ends at CR, LF or CRLF; a line with no
/// colon, or no field name before it, is passed over with its
/// continuation lines; white space before the colon is no part of the
/// name. Where the body starts, past the blank line; `None` unless the
/// block ends (a blank line, within
/// [`CLIENTS_LINES`] lines and [`CLIENTS_HEAD`] bytes) and declares content
/// that a client decodes, which the body has: a multipart type and a line
/// that starts a boundary, a base64 body that starts with a line of
/// base64, a quoted-printable body. Plain mail needs no such reading: its
/// body is its text.
fn clients_head(data: &[u8], mut keep: impl FnMut(&[u8], &[u8])) -> Option<usize> {
    let head = &data[..data.len().min(CLIENTS_HEAD)];
    let mut pos = first_visible(head)?;
    let mut declared = Declared::default();
    let mut kept = false;
    for n in 0..CLIENTS_LINES {
        let rest = &head[pos..];
        let end = memchr::memchr2(b'\r', b'\n', rest)?;
        let line = &rest[..end];
        pos += end
            + if rest[end..].starts_with(b"\r\n") {
                2
            } else {
                1
            };
        if line.is_empty() {
            let body = &data[pos..];
            // What the declared content needs in a body that has it: a
            // line that starts a boundary, a first line of base64.
            let decodes = (declared.multipart
                && (body.starts_with(b"--")
                    || memchr::memmem::find(body, b"\n--").is_some()
                    || memchr::memmem::find(body, b"\r--").is_some()))
                || declared.qp
                || (declared.base64 && starts_with_base64(body));
            return decodes.then_some(pos);
        }
        if n == 0 && line.starts_with(b"From ") {
            // An mbox's envelope line, kept for the mbox reader.
            keep(line, b"");
            continue;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if kept {
                keep(line, b"");
            }
            continue;
        }
        let colon = memchr::memchr(b':', line);
        let name = colon.map_or(&b""[..], |c| line[..c].trim_ascii_end());
        kept = !name.is_empty() && name.iter().all(|b| (33..=126).contains(b));
        let Some(colon) = colon.filter(|_| kept) else {
            continue;
        };
        declared.read(name, &line[colon + 1..]);
        keep(name, &line[colon..]);
    }
    None
}

/// True when the first line of `body` with anything on it is base64.
fn starts_with_base64(body: &[u8]) -> bool {
    let body = body.trim_ascii_start();
    let line = &body[..memchr::memchr2(b'\r', b'\n', body).unwrap_or(body.len())];
    line.len() >= 4
        && line
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// True when the strict reading reads all of `data`'s head (however
/// long; detection reads on past its window while it reads fields) as a
/// message, or its first [`CLIENTS_HEAD`] bytes do: what any copy that
/// [`as_clients_read`] makes is (for the fuzz target and the tests).
#[cfg(any(test, feature = "_fuzz"))]
pub(crate) fn clients_copy_is_a_message(copy: &[u8]) -> bool {
    fields(copy, usize::MAX) == Head::Message || reads_as_message(copy)
}

/// True when the strict reading reads `data`'s head (as far as
/// [`CLIENTS_HEAD`]) alone as a message.
pub(crate) fn reads_as_message(data: &[u8]) -> bool {
    fields(&data[..data.len().min(CLIENTS_HEAD)], usize::MAX) == Head::Message
}

/// True when `data` starts with a header block that mail clients read as
/// a message with content to decode (see [`as_clients_read`]).
pub(crate) fn clients_read_a_message(data: &[u8]) -> bool {
    padded_message(data).is_some()
        || (has_content_field(data) && clients_head(data, |_, _| {}).is_some())
}

/// True when a line within [`CLIENTS_HEAD`] starts (after white space, at
/// the start) with `Content-` in any case: a block that declares content
/// to decode has one, and most texts have none, which one pass of
/// `memchr` over their `-` tells before any line is read.
fn has_content_field(data: &[u8]) -> bool {
    let head = &data[..data.len().min(CLIENTS_HEAD)];
    memchr::memchr_iter(b'-', head).any(|dash| {
        dash >= 7
            && head[dash - 7..dash].eq_ignore_ascii_case(b"content")
            && (dash == 7
                || matches!(
                    head[dash - 8],
                    b'\n' | b'\r' | b' ' | b'\t' | 0x0b | 0x0c | 0xbf
                ))
    })
}

/// Where a message starts that a byte order mark, blank lines or white
/// space hide from the strict reading: an mbox whose first line is blank
/// (Python's `mailbox` and mail clients pass over it), a saved message
/// with a line break before its fields. `None` when nothing is passed
/// over, or what follows is no message to the strict reading either.
fn padded_message(data: &[u8]) -> Option<usize> {
    let start = first_visible(&data[..data.len().min(CLIENTS_HEAD)])?;
    (start > 0 && reads_as_message(&data[start..])).then_some(start)
}

/// `data` rewritten as a strict reader reads what mail clients read in it,
/// when they read a message with content to decode at its start: the
/// header block's kept lines, each ending in CRLF, then the body, whose
/// lone CRs (line ends to the clients) become CRLF. For a text that the
/// strict reading ([`fields`]) takes for no message: a byte order
/// mark or a space before the first field, a line of junk among the
/// fields, `Content-Type : multipart/mixed`, CR line ends. A message
/// that only white space hides ([`padded_message`]) is read from its
/// first field, whatever its content.
pub(crate) fn as_clients_read(data: &[u8]) -> Option<Vec<u8>> {
    if let Some(start) = padded_message(data) {
        return Some(data[start..].to_vec());
    }
    if !has_content_field(data) {
        return None;
    }
    let mut copy = Vec::new();
    let head = clients_head(data, |a, b| {
        copy.extend_from_slice(a);
        copy.extend_from_slice(b);
        copy.extend_from_slice(b"\r\n");
    })?;
    copy.extend_from_slice(b"\r\n");
    let body = &data[head..];
    copy.reserve(body.len());
    let mut at = 0;
    for cr in memchr::memchr_iter(b'\r', body) {
        if body.get(cr + 1) != Some(&b'\n') {
            copy.extend_from_slice(&body[at..=cr]);
            copy.push(b'\n');
            at = cr + 1;
        }
    }
    copy.extend_from_slice(&body[at..]);
    Some(copy)
}

/// Most header lines of a part read for [`part_head_end`].
const MAX_PART_LINES: usize = 256;

/// Where Python's `email` and munpack end the header block of a MIME part
/// that starts at `head`, when it is not where a strict reader ends it (an
/// empty line ending in LF or CRLF): the first line that is no field
/// (base64 straight after the fields), a line of white space, or a blank
/// line ended by a lone CR (Python splits lines at CR too). The span of
/// `head` to replace, and the fields that lie in it, on CRLF lines and
/// with the empty line after them: a copy with that replacement reads, to
/// a strict reader, as the clients read the original. `None` when the
/// block ends as strict readers end it, or nothing like fields starts it.
pub(crate) fn part_head_end(head: &[u8]) -> Option<(std::ops::Range<usize>, Vec<u8>)> {
    let mut fields: Vec<u8> = Vec::new();
    // A field line ended by a lone CR was met: rewritten, not the end.
    let mut lone_cr = false;
    let mut at = 0;
    for _ in 0..MAX_PART_LINES {
        // A line ends at LF, or at a CR that no LF follows.
        let rest = head.get(at..)?;
        let eol = memchr::memchr2(b'\n', b'\r', rest)?;
        let (line, end, strict) = match (rest[eol], rest.get(eol + 1)) {
            (b'\r', Some(b'\n')) => (&rest[..eol], at + eol + 2, true),
            (b'\n', _) => (&rest[..eol], at + eol + 1, true),
            _ => (&rest[..eol], at + eol + 1, false),
        };
        let is_field = |l: &[u8]| {
            memchr::memchr(b':', l)
                .is_some_and(|c| c > 0 && l[..c].iter().all(|b| (33..=126).contains(b)))
        };
        let blank = line.iter().all(|&b| b == b' ' || b == b'\t');
        if line.is_empty() && strict {
            // The end strict readers see; nothing to rewrite when every
            // line before was strict too.
            return lone_cr.then(|| {
                fields.extend_from_slice(b"\r\n");
                (0..end, fields)
            });
        }
        if blank {
            // A line of white space (munpack), or a blank line ended by a
            // lone CR (Python).
            if fields.is_empty() {
                return None;
            }
            fields.extend_from_slice(b"\r\n");
            return Some((0..end, fields));
        }
        let continued = line[0] == b' ' || line[0] == b'\t';
        if !(is_field(line) || continued && !fields.is_empty()) {
            // A line that is no field: the body starts here.
            if fields.is_empty() {
                return None;
            }
            fields.extend_from_slice(b"\r\n");
            return Some((0..at, fields));
        }
        fields.extend_from_slice(line);
        fields.extend_from_slice(b"\r\n");
        lone_cr |= !strict;
        at = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_heads_end_where_python_and_munpack_end_them() {
        let fields =
            b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                .to_vec();
        // Base64 straight after the fields, a line of spaces, CR CR, CRLF CR.
        for (head, end) in [
            (&b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nWDVP\r\n"[..], 75),
            (b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n \r\nWDVP", 78),
            (b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\rWDVP", 75),
            (b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\rWDVP", 76),
        ] {
            let (range, with) = part_head_end(head).unwrap();
            assert_eq!(range, 0..end, "{head:?}");
            assert_eq!(with, fields, "{head:?}");
        }
        // Heads that end as strict readers end them, LF or CRLF, folded.
        for head in [
            &b"Content-Type: text/plain\r\n\r\nhello"[..],
            b"Content-Type: text/plain;\n\tcharset=utf-8\n\nhello",
            b"hello: world\r\n\r\n",
            b"no field at all\r\n",
            b"",
        ] {
            assert_eq!(part_head_end(head), None, "{head:?}");
        }
    }

    fn is_message(text: &str) -> bool {
        fields(text.as_bytes(), MAX_LINES) == Head::Message
    }

    #[test]
    fn every_clients_reading_is_a_message_to_the_strict_one() {
        const STARTS: [&[u8]; 4] = [b"", b" ", b"\xef\xbb\xbf", b"\n\t"];
        const LINES: [&[u8]; 12] = [
            b"From a@b Mon",
            b"From: a",
            b"Content-Type: multipart/mixed; boundary=B",
            b"Content-Type : text/plain",
            b"content-transfer-encoding:base64",
            b"Content-Transfer-Encoding\t: quoted-printable",
            b" folded",
            b"\tfolded",
            b"junk",
            b"na me: x",
            b": x",
            b"x\x00\x1b: y",
        ];
        const ENDS: [&[u8]; 3] = [b"\r", b"\n", b"\r\n"];
        const BODIES: [&[u8]; 4] = [b"--B\r\n", b"aGk=\n", b"x\ry\r", b"=41\n--B"];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut read = 0;
        for _ in 0..50_000 {
            let mut data = STARTS[next(4)].to_vec();
            for _ in 0..next(8) {
                data.extend_from_slice(LINES[next(12)]);
                data.extend_from_slice(ENDS[next(3)]);
            }
            data.extend_from_slice(ENDS[next(3)]);
            data.extend_from_slice(BODIES[next(4)]);
            if let Some(copy) = as_clients_read(&data) {
                assert!(copy.len() <= data.len() * 2 + 2, "{data:?}");
                assert!(clients_copy_is_a_message(&copy), "{data:?} -> {copy:?}");
                read += 1;
            }
        }
        assert!(read > 1000, "only {read} inputs read as messages");
    }

    #[test]
    fn header_blocks_as_mail_clients_read_them() {
        let block =
            "From: a@example.com\nSubject: hi\nContent-Type: multipart/mixed; boundary=B\n\n--B\n";
        let read = |t: &[u8]| as_clients_read(t).map(|c| String::from_utf8(c).unwrap());
        let clean = "From: a@example.com\r\nSubject: hi\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\n";
        // What white space hides is read as it is; junk among the fields
        // is dropped.
        for (odd, as_read) in [
            (format!(" {block}"), block),
            (format!("\u{feff}{block}"), block),
            (format!("\n\n{block}"), block),
            (
                block.replace("Subject", "junk with no colon\nSubject"),
                clean,
            ),
        ] {
            assert!(!is_message(&odd), "{odd:?}");
            assert_eq!(read(odd.as_bytes()).as_deref(), Some(as_read), "{odd:?}");
            assert!(reads_as_message(as_read.as_bytes()));
        }
        // Any case, and any number of junk lines first.
        let mixed = block.replace("Content-Type", "cOnTeNt-TyPe");
        assert!(read(format!("junk\n{mixed}").as_bytes()).is_some());
        let many = format!("{}{block}", "junk line\n".repeat(300));
        assert!(read(many.as_bytes()).is_some());
        // A space and junk both.
        let both = format!(" {}", block.replace("Subject", "junk\nSubject"));
        assert_eq!(read(both.as_bytes()).as_deref(), Some(clean));
        let cr = block.replace('\n', "\r");
        assert_eq!(
            read(cr.as_bytes()).as_deref(),
            Some(&clean.replace("--B\n", "--B\r\n")[..])
        );
        let spaced = block.replace("Content-Type:", "Content-Type :");
        assert_eq!(read(spaced.as_bytes()).as_deref(), Some(clean));
        // A continuation line follows its field, kept or dropped.
        let folded = "X: 1\nbad line\n more\nContent-Type: multipart/mixed;\n boundary=B\n\n--B";
        assert_eq!(
            read(folded.as_bytes()).as_deref(),
            Some("X: 1\r\nContent-Type: multipart/mixed;\r\n boundary=B\r\n\r\n--B")
        );
        // Blank lines before an mbox's envelope line or plain mail: the
        // rest, as it is.
        let mbox = "From a@b Mon Jan  1 00:00:00 2024\nFrom: a\nTo: b\n\nhi\n";
        assert_eq!(read(format!("\n{mbox}").as_bytes()).as_deref(), Some(mbox));
        assert_eq!(read(b" \nplain prose\n"), None);
        // Nothing to decode, or no end to the block: nothing to read.
        assert_eq!(read(b"junk\nFrom: a\nTo: b\nSubject: c\n\nhello"), None);
        assert_eq!(
            read(b"a\nContent-Type: multipart/mixed; boundary=B\n--B\n"),
            None
        );
        assert_eq!(read(b"Content-Transfer-Encoding: 8bit\n\nhi"), None);
        // Declared content that the body does not have.
        assert_eq!(
            read(b"Content-Transfer-Encoding: base64\n\nNot so.\n"),
            None
        );
        assert_eq!(read(b"Content-Type: multipart/mixed\n\nno parts\n"), None);
        assert_eq!(read(b""), None);
        assert!(clients_read_a_message(
            b"x\nContent-Transfer-Encoding: Base64\n\naGk=\n"
        ));
    }
}
