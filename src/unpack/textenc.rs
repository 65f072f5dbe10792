//! Files carried as text, inside a mail body (from before MIME or beside
//! it) or as files of their own (a `.uue` or `.hqx` attachment, a saved
//! yEnc post): uuencode (`begin 644 name` ... `end`, and `begin-base64`), BinHex
//! 4.0 (`(This file must be converted with BinHex 4.0)`, then `:...:`) and
//! yEnc (`=ybegin ... name=` ... `=yend`, Usenet's binaries). Each
//! decoded file is a child under its own name. A bad line, a missing end or
//! a wrong checksum is a finding on the child, and what decoded is scanned
//! all the same.

use std::io::Read;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::{Child, Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::ascii;
use crate::format::keys::KeyBytes;
use crate::report::Origin;
use crate::types::{FileType, known};

/// How many encoded files one body may hold before the rest are a limit.
const MAX_FILES: usize = 1024;

/// The BinHex 4.0 banner.
const BINHEX_BANNER: &[u8] = b"(This file must be converted with BinHex";

/// True when `text` may hold a uuencoded or BinHex file (a cheap look
/// before the line-by-line reading).
pub(crate) fn may_hold(text: &[u8]) -> bool {
    may_hold_keyed(text, KeyBytes::ANY)
}

/// [`may_hold`] where `keys` are those of `text`: without a `(`, there
/// is no BinHex banner to look for.
fn may_hold_keyed(text: &[u8], keys: KeyBytes) -> bool {
    // A searcher built once: every text is asked. `begin` opens uuencode's
    // header at a line's start and yEnc's after `=y`; BinHex's banner is
    // found by its `(`.
    static BEGIN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"begin"));
    BEGIN
        .find_iter(text)
        .any(|at| at == 0 || text[at - 1] == b'\n' || (at >= 2 && &text[at - 2..at] == b"=y"))
        || (keys.may_hold(b'(') && ascii::find_keyed(text, BINHEX_BANNER, 0, false).is_some())
}

/// True when an object of type `t` is read here outside a mail: text that
/// may hold an encoded file (the `.uue` attachments of malspam are text),
/// and data that opens with a yEnc or uuencode header (yEnc's bytes are
/// not text). Mail reads its bodies itself. `keys` are those of `data`.
pub(crate) fn has_work(t: FileType, data: &[u8], keys: KeyBytes) -> bool {
    (t == known::TEXT && may_hold_keyed(data, keys))
        || (t == known::DATA && (data.starts_with(b"=ybegin ") || data.starts_with(b"begin")))
}

/// Decodes every uuencoded and BinHex file in `text` into children of
/// `out`.
pub(crate) fn carve(text: &[u8], ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    if !may_hold(text) {
        return;
    }
    let mut listed = 0usize;
    let mut pos = 0usize;
    while pos < text.len() {
        let line_end = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |i| pos + i + 1);
        let line = trim_eol(&text[pos..line_end]);
        let found = if let Some(h) = uu_header(line).filter(|h| opens_body(text, line_end, h.1)) {
            Some(decode_uu(text, line_end, h))
        } else if line.starts_with(BINHEX_BANNER) {
            binhex_start(text, line_end).map(|open| decode_binhex(text, open, ctx))
        } else {
            yenc_name(line).map(|name| decode_yenc(text, line_end, name))
        };
        let Some(f) = found else {
            pos = line_end;
            continue;
        };
        pos = f.end.max(line_end);
        if listed >= MAX_FILES || listed as u64 >= ctx.budget.objects_left() {
            out.entries_cut(listed);
            return;
        }
        listed += 1;
        let before = out.children.len();
        match f.data {
            Decoded::Owned(v) => {
                out.push_drained(f.name.clone(), Origin::Entry, ctx.budget.take(v))
            }
            Decoded::Drained(d) => out.push_drained(f.name.clone(), Origin::Entry, d),
            Decoded::Forks(data, rsrc) => {
                let rsrc_name = format!("<resource fork of {:?}>", f.name);
                for (name, origin, d) in [
                    (f.name.clone(), Origin::Entry, data),
                    (rsrc_name, Origin::Decoded, rsrc),
                ] {
                    if let Some(d) = d {
                        out.children.push(Child {
                            name,
                            origin,
                            alt_names: Vec::new(),
                            data: d,
                            findings: Vec::new(),
                            shared: true,
                        });
                    }
                }
            }
        }
        if let Some(first) = out.children.get_mut(before) {
            first.findings.extend(f.findings);
        } else {
            out.findings.extend(f.findings);
        }
    }
}

/// What one encoded file decoded to.
struct Found {
    name: String,
    end: usize,
    data: Decoded,
    findings: Vec<FindingKind>,
}

enum Decoded {
    Owned(Vec<u8>),
    Drained(crate::budget::Drained),
    /// A BinHex file's data and resource forks, slices of its stream.
    Forks(
        Option<crate::budget::Charged>,
        Option<crate::budget::Charged>,
    ),
}

fn trim_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// A uuencode header line: `begin MODE NAME` (octal mode) or
/// `begin-base64 MODE NAME`: the name and whether the body is base64.
fn uu_header(line: &[u8]) -> Option<(String, bool)> {
    // `begin`, white space, the mode, white space, the name: GNU uudecode
    // takes the mode as any octal number after any white space, and
    // Python's `uu` as `int(mode, 8)` (a sign, any count of digits).
    let (rest, b64) = if let Some(r) = line.strip_prefix(b"begin-base64") {
        (r, true)
    } else {
        (line.strip_prefix(b"begin")?, false)
    };
    let rest = std::str::from_utf8(rest).ok()?;
    let is_blank = |c: char| c == ' ' || c == '\t';
    let rest = rest.strip_prefix(is_blank)?.trim_start_matches(is_blank);
    let (mode, name) = rest.split_once(is_blank)?;
    let digits = mode.strip_prefix(['+', '-']).unwrap_or(mode);
    if !(1..=7).contains(&digits.len()) || !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return None;
    }
    let name = name.trim();
    (!name.is_empty()).then(|| (name.to_owned(), b64))
}

/// True when the line at `at` is a body line of uuencode (or of
/// `begin-base64`): a `begin` line in prose is not followed by one.
fn opens_body(text: &[u8], at: usize, b64: bool) -> bool {
    let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i + 1);
    let line = trim_eol(&text[at..end]);
    if b64 {
        return !line.is_empty()
            && line
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(c));
    }
    match line.first() {
        Some(&c) if (0x21..=0x60).contains(&c) => {
            let want = usize::from((c - 0x20) & 0x3f).div_ceil(3) * 4;
            line.len() > want && line[1..].iter().all(|c| (0x20..=0x60).contains(c))
        }
        _ => false,
    }
}

/// Where a BinHex file's encoded text starts: past the `:` that opens the
/// first non-blank line after the banner. `None` when no such line follows
/// (prose that quotes the banner).
fn binhex_start(text: &[u8], mut at: usize) -> Option<usize> {
    for _ in 0..8 {
        let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i + 1);
        let line = trim_eol(&text[at..end]);
        if line.iter().all(u8::is_ascii_whitespace) {
            if end == at {
                return None;
            }
            at = end;
            continue;
        }
        return line.starts_with(b":").then_some(at + 1);
    }
    None
}

/// The body of a uuencoded file from `start` to its `end` line (or
/// `====` for base64).
fn decode_uu(text: &[u8], start: usize, (name, b64): (String, bool)) -> Found {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    let mut bad_lines = 0usize;
    let mut first_bad = 0usize;
    let mut pos = start;
    let mut ended = false;
    let mut n = 0usize;
    let mut b64_text = Vec::new();
    while pos < text.len() {
        let line_end = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |i| pos + i + 1);
        let line = trim_eol(&text[pos..line_end]);
        n += 1;
        if (!b64 && line == b"end") || (b64 && line == b"====") {
            pos = line_end;
            ended = true;
            break;
        }
        if b64 {
            if !line
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(c))
            {
                break;
            }
            b64_text.extend_from_slice(line);
        } else {
            let Some(&len_char) = line.first() else {
                // A blank line: the body has ended without its `end`.
                break;
            };
            if !(0x20..=0x60).contains(&len_char) {
                break;
            }
            if !uu_line(line, &mut out) {
                bad_lines += 1;
                if first_bad == 0 {
                    first_bad = n;
                }
            }
        }
        pos = line_end;
    }
    if b64 {
        out = super::decode::base64(&b64_text);
    }
    if bad_lines > 0 {
        findings.push(FindingKind::Malformed {
            detail: format!(
                "uuencoded {name:?}: {bad_lines} bad line(s), the first at line {first_bad} of its body"
            ),
        });
    }
    if !ended {
        findings.push(FindingKind::Malformed {
            detail: format!("uuencoded {name:?} ends without its end line (truncated)"),
        });
    }
    Found {
        name,
        end: pos,
        data: Decoded::Owned(out),
        findings,
    }
}

/// Decodes one uuencoded line into `out`; false when the line is shorter
/// than its length character says or holds characters outside the
/// alphabet (what it holds is decoded as far as it goes).
fn uu_line(line: &[u8], out: &mut Vec<u8>) -> bool {
    let val = |c: u8| (c.wrapping_sub(0x20)) & 0x3f;
    let want = usize::from(val(line[0]));
    let body = &line[1..];
    let mut ok = body.iter().all(|c| (0x20..=0x60).contains(c));
    let groups = want.div_ceil(3);
    // Encoders may drop trailing spaces (zeros); missing groups are bad.
    if body.len() < groups * 4 {
        let short = groups * 4 - body.len();
        if short >= 4 {
            ok = false;
        }
    }
    let mut produced = 0usize;
    for g in 0..groups {
        let c = |k: usize| body.get(g * 4 + k).map_or(0, |&c| val(c));
        let (a, b, cc, d) = (c(0), c(1), c(2), c(3));
        for byte in [(a << 2) | (b >> 4), (b << 4) | (cc >> 2), (cc << 6) | d] {
            if produced < want {
                out.push(byte);
                produced += 1;
            }
        }
    }
    ok
}

/// A yEnc header line, `=ybegin [part=N] line=N size=N name=NAME`: the
/// name (the rest of the line after `name=`, spaces and all).
fn yenc_name(line: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(b"=ybegin ")?;
    let at = memchr::memmem::find(rest, b"name=")?;
    let name = String::from_utf8_lossy(&rest[at + 5..]).trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// The value of `key=` on a yEnc line, as text up to the next space.
fn yenc_field<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a str> {
    let mut at = 0;
    while let Some(i) = memchr::memmem::find(&line[at..], key) {
        let start = at + i;
        if start == 0 || line[start - 1] == b' ' {
            let v = &line[start + key.len()..];
            let end = memchr::memchr(b' ', v).unwrap_or(v.len());
            return std::str::from_utf8(&v[..end]).ok();
        }
        at = start + 1;
    }
    None
}

/// A yEnc body from `start` to its `=yend` line: every byte 42 more than
/// it encodes, `=` escaping the next (64 more again). The trailer's size
/// and CRC-32 (of the part, or of the file) are checked.
fn decode_yenc(text: &[u8], start: usize, name: String) -> Found {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    let mut pos = start;
    let mut trailer = None;
    while pos < text.len() {
        let line_end = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |i| pos + i + 1);
        let line = trim_eol(&text[pos..line_end]);
        pos = line_end;
        if line.starts_with(b"=yend") {
            trailer = Some(line);
            break;
        }
        if line.starts_with(b"=ypart ") {
            continue;
        }
        let mut escaped = false;
        for &c in line {
            if escaped {
                out.push(c.wrapping_sub(106));
                escaped = false;
            } else if c == b'=' {
                escaped = true;
            } else {
                out.push(c.wrapping_sub(42));
            }
        }
    }
    match trailer {
        None => findings.push(FindingKind::Malformed {
            detail: format!("yEnc {name:?} ends without its =yend line (truncated)"),
        }),
        Some(t) => {
            let size = yenc_field(t, b"size=").and_then(|v| v.parse::<usize>().ok());
            let crc = yenc_field(t, b"pcrc32=")
                .or_else(|| yenc_field(t, b"crc32="))
                .and_then(|v| u32::from_str_radix(v, 16).ok());
            if size.is_some_and(|n| n != out.len())
                || crc.is_some_and(|c| c != crc32fast::hash(&out))
            {
                findings.push(FindingKind::Malformed {
                    detail: format!(
                        "yEnc {name:?}: its size or CRC-32 does not match what decoded"
                    ),
                });
            }
        }
    }
    Found {
        name,
        end: pos,
        data: Decoded::Owned(out),
        findings,
    }
}

/// The BinHex alphabet: 64 characters, a 6-bit value each.
const BINHEX_ALPHABET: &[u8; 64] =
    b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

/// The RLE marker of BinHex.
const RLE: u8 = 0x90;

/// A BinHex 4.0 file from just past its opening `:`: encoded text to `:`, decoded,
/// run-length expanded under the budget, its forks checked by CRC.
fn decode_binhex(text: &[u8], start: usize, ctx: &mut Ctx<'_>) -> Found {
    let mut findings = Vec::new();
    let mut table = [0xffu8; 256];
    for (i, &c) in BINHEX_ALPHABET.iter().enumerate() {
        table[usize::from(c)] = i as u8;
    }
    let open = start;
    let mut packed = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut end = text.len();
    let mut closed = false;
    let mut stray = 0usize;
    for (i, &c) in text[open..].iter().enumerate() {
        if c == b':' {
            end = open + i + 1;
            closed = true;
            break;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        let v = table[usize::from(c)];
        if v == 0xff {
            stray += 1;
            continue;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            packed.push((acc >> bits) as u8);
        }
    }
    if stray > 0 {
        findings.push(FindingKind::Malformed {
            detail: format!("BinHex text holds {stray} characters outside its alphabet"),
        });
    }
    if !closed {
        findings.push(FindingKind::Malformed {
            detail: "BinHex text ends without its closing ':' (truncated)".into(),
        });
    }
    let packed_len = packed.len() as u64;
    let drained = ctx.budget.drain(Unrle::new(&packed), packed_len);
    if let Some(limit) = drained.limit {
        findings.push(FindingKind::Limit {
            limit,
            detail: format!("a BinHex stream was cut at {} bytes", drained.data.len()),
        });
    }
    let stream = drained.data;
    // Header: name length, name, version, type, creator, flags, data and
    // resource fork lengths, CRC.
    let Some(&nlen) = stream.first() else {
        return binhex_failed("an empty BinHex stream", end, findings);
    };
    let nlen = usize::from(nlen);
    let header_end = 1 + nlen + 1 + 4 + 4 + 2 + 4 + 4;
    let Some(header) = stream.get(..header_end + 2) else {
        findings.push(FindingKind::Malformed {
            detail: "a BinHex header cut short".into(),
        });
        return Found {
            name: "<binhex>".into(),
            end,
            data: Decoded::Drained(crate::budget::Drained {
                data: stream,
                limit: None,
                error: None,
            }),
            findings,
        };
    };
    let name = String::from_utf8_lossy(&header[1..1 + nlen]).into_owned();
    let name = if name.trim().is_empty() {
        "<binhex>".to_owned()
    } else {
        name
    };
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let data_len = be32(1 + nlen + 1 + 10) as usize;
    let rsrc_len = be32(1 + nlen + 1 + 14) as usize;
    let crc_at = |at: usize| {
        stream
            .get(at..at + 2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
    };
    if crc_at(header_end) != Some(crc16(&stream[..header_end])) {
        findings.push(FindingKind::Malformed {
            detail: format!("BinHex {name:?}: the header's CRC does not match"),
        });
    }
    // Forks as slices of what was really produced: a declared length
    // larger than the stream is cut to it, and said.
    let fork = |from: usize, len: usize, what: &str, findings: &mut Vec<FindingKind>| {
        let from = from.min(stream.len());
        let to = from.saturating_add(len).min(stream.len());
        if to - from < len {
            findings.push(FindingKind::Malformed {
                detail: format!(
                    "BinHex {name:?}: its {what} fork is cut short ({} of {len} bytes)",
                    to - from
                ),
            });
        } else if crc_at(to) != Some(crc16(&stream[from..to])) {
            findings.push(FindingKind::ChecksumMismatch {
                entry: format!("{name} ({what} fork)"),
            });
        }
        (to, (to > from).then(|| stream.slice_charged(from..to)))
    };
    let data_start = header_end + 2;
    let (data_end, data) = fork(data_start, data_len, "data", &mut findings);
    let (_, rsrc) = fork(data_end + 2, rsrc_len, "resource", &mut findings);
    Found {
        name,
        end,
        data: Decoded::Forks(data, rsrc),
        findings,
    }
}

fn binhex_failed(why: &str, end: usize, mut findings: Vec<FindingKind>) -> Found {
    findings.push(FindingKind::Malformed {
        detail: format!("BinHex: {why}"),
    });
    Found {
        name: "<binhex>".into(),
        end,
        data: Decoded::Owned(Vec::new()),
        findings,
    }
}

/// BinHex's CRC: CRC-16/XMODEM (polynomial 0x1021, initial 0).
pub(crate) fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// BinHex run-length expansion as a reader: `X 0x90 n` is `X` n times in
/// all, `0x90 0x00` a literal 0x90. The output grows only as read, under
/// the budget's limits.
struct Unrle<'a> {
    input: &'a [u8],
    pos: usize,
    last: u8,
    repeat: usize,
}

impl<'a> Unrle<'a> {
    fn new(input: &'a [u8]) -> Self {
        Unrle {
            input,
            pos: 0,
            last: 0,
            repeat: 0,
        }
    }
}

impl Read for Unrle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if self.repeat > 0 {
                buf[n] = self.last;
                n += 1;
                self.repeat -= 1;
                continue;
            }
            let Some(&c) = self.input.get(self.pos) else {
                break;
            };
            self.pos += 1;
            if c == RLE {
                match self.input.get(self.pos) {
                    Some(0) => {
                        self.pos += 1;
                        self.last = RLE;
                        buf[n] = RLE;
                        n += 1;
                    }
                    Some(&count) => {
                        self.pos += 1;
                        self.repeat = usize::from(count).saturating_sub(1);
                    }
                    None => break,
                }
                continue;
            }
            self.last = c;
            buf[n] = c;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uu_lines() {
        // "Cat" encodes as "#0V%T".
        let mut out = Vec::new();
        assert!(uu_line(b"#0V%T", &mut out));
        assert_eq!(out, b"Cat");
        let mut out = Vec::new();
        assert!(!uu_line(b"M0V%T", &mut out));
    }

    #[test]
    fn headers() {
        assert_eq!(
            uu_header(b"begin 644 a b.exe"),
            Some(("a b.exe".into(), false))
        );
        assert_eq!(uu_header(b"begin-base64 600 x"), Some(("x".into(), true)));
        assert_eq!(uu_header(b"begin the meeting at 10"), None);
        // Modes and spacing that GNU uudecode and Python's uu accept.
        for line in [
            &b"begin 6 a.exe"[..],
            b"begin 00644 a.exe",
            b"begin +644 a.exe",
            b"begin 644\ta.exe",
            b"begin  644  a.exe",
        ] {
            assert_eq!(uu_header(line), Some(("a.exe".into(), false)), "{line:?}");
        }
        assert_eq!(
            uu_header(b"begin-base64 6 a.exe"),
            Some(("a.exe".into(), true))
        );
        assert_eq!(uu_header(b"begin 64a a.exe"), None);
        assert_eq!(uu_header(b"beginning 644 a.exe"), None);
    }

    #[test]
    fn rle() {
        let mut out = Vec::new();
        Unrle::new(&[1, RLE, 4, RLE, 0, 2])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, [1, 1, 1, 1, RLE, 2]);
    }

    #[test]
    fn yenc_lines_and_trailer() {
        // "Hi=\n" encoded: H+42 = 'r', i+42 = 0x93, '=' + 42 = 'g',
        // '\n' + 42 = '4'; a NUL escaped as "=@" (0 + 42 + 64 = 'j').
        let body = b"=ybegin line=128 size=5 name=a b.bin\r\nr\x93g4=j\r\n=yend size=5\r\n";
        let f = decode_yenc(
            body,
            body.iter().position(|&c| c == b'\n').unwrap() + 1,
            "a b.bin".into(),
        );
        let Decoded::Owned(v) = f.data else { panic!() };
        assert_eq!(v, b"Hi=\n\0");
        assert!(f.findings.is_empty());
        assert_eq!(
            yenc_name(b"=ybegin line=128 size=5 name=a b.bin").as_deref(),
            Some("a b.bin")
        );
        assert_eq!(yenc_field(b"=yend size=5 pcrc32=0a", b"crc32="), None);
        assert_eq!(
            yenc_field(b"=yend size=5 pcrc32=0a", b"pcrc32="),
            Some("0a")
        );
    }

    #[test]
    fn crc_xmodem() {
        assert_eq!(crc16(b"123456789"), 0x31c3);
    }
}
