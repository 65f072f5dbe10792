//! Microsoft's Script Encoder (`screnc.exe`): VBScript.Encode and
//! JScript.Encode, the encoding of `.vbe` and `.jse` files and of encoded
//! script blocks in pages and scriptlets. Windows Script Host and Internet
//! Explorer decode them before they run; a scanner that does not sees only
//! the encoded text. A block is `#@~^`, its length in six base64
//! characters and `==`, the encoded characters, their checksum in six more
//! and `==`, then `^#~@`.
//!
//! Each character below 0x80 is substituted by one of three tables, picked
//! by its place modulo 64; `@` escapes `<`, `>`, `@`, CR and LF; line
//! breaks in the encoded text are not part of it. What is decoded is read
//! as the decoder reads it: as many characters as the header declares, no
//! more (the trailer is then checked), whatever the text around it says.
//! Nothing is sized from the declared length. Pure: bytes in, bytes out.

/// What opens an encoded block.
pub(crate) const MARKER: &[u8] = b"#@~^";

/// What closes it.
const END: &[u8] = b"^#~@";

/// Which table decodes the character at each place, modulo 64.
const ORDER: [u8; 64] = [
    0, 2, 1, 0, 2, 1, 2, 1, 1, 2, 1, 2, 0, 1, 2, 1, 0, 1, 2, 1, 0, 0, 2, 1, 1, 2, 0, 1, 2, 1, 1, 2,
    0, 0, 1, 2, 1, 2, 1, 0, 1, 0, 0, 2, 1, 0, 1, 2, 0, 1, 2, 1, 0, 0, 2, 1, 1, 0, 0, 2, 1, 0, 1, 2,
];

/// The three substitutions of the printable characters, from 0x20 (and
/// of the tab, below): `@` (0x40) is the escape in all three. The values
/// are ClamAV's (`libclamav/htmlnorm.c`), checked here by the checksum of
/// a block that Microsoft's encoder wrote.
const TABLES: [[u8; 96]; 3] = [
    *b".GzVBj/&IA42[vrC89pEhqO\tbD#u<~>^\xffwJa]\"KoN;LPg*}tT+-,0nkf5%!dMRc?{x)(sY3\x7fmUS|:_eFX1ilZH'\\=$y7`Q 6",
    *b"20!)[83=X:5e9\\VsfNEkbYx^}Jmq<`>S\xffB'Hru17MR\"TjGd- \x7f.L]~loytC&v%$+(#A4\t*D?w;UiacPgQIOFh|6pnz/_KZ,W",
    *b"-uR`q^I\\b})6 |z\x7fkc3+hQfv1dTC<:>~\xffE,*t'7DyY/o&rj9{?8wgSG4x]0#Z[lHUpi.L!$NP\tVs5aKX;W\"mM%(FJ2A=_OBe",
];

/// What a tab becomes in each table.
const TAB: [u8; 3] = [0x57, 0x7b, 0x6e];

/// The decoding of character `c` (below 0x80) at place `i`; 0xff for the
/// escape.
fn substitute(c: u8, i: usize) -> u8 {
    let t = usize::from(ORDER[i % 64]);
    match c {
        b'\t' => TAB[t],
        0x20..=0x7f => TABLES[t][usize::from(c - 0x20)],
        _ => c,
    }
}

/// The value of six base64 characters (and the `==` after them) as a
/// little-endian u32: the length and the checksum are written so.
fn number(field: &[u8]) -> Option<u32> {
    let digits = field.get(..6)?;
    if field.get(6..8)? != b"==" {
        return None;
    }
    let mut acc = 0u64;
    for &c in digits {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = acc << 6 | u64::from(v);
    }
    // 36 bits: four bytes and four bits of padding.
    let bytes = ((acc >> 4) as u32).to_be_bytes();
    Some(u32::from_le_bytes(bytes))
}

/// What decoding one block gave beside its characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    /// Where the block (with its trailer, when there is one) ends.
    pub end: usize,
    /// The characters the header declares.
    pub declared: u32,
    /// The characters that were there to decode, fewer than declared when
    /// the text ends first.
    pub read: u32,
    /// Whether the trailer's checksum is the decoded characters': None
    /// when there is no trailer.
    pub checksum_ok: Option<bool>,
}

/// True when `text` holds a block's marker followed by a valid header.
pub(crate) fn holds_block(text: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = find(text, from) {
        if header(text, at).is_some() {
            return true;
        }
        from = at + MARKER.len();
    }
    false
}

/// The first block's marker at or after `from`.
pub(crate) fn find(text: &[u8], from: usize) -> Option<usize> {
    // By its `^`: every script and page is asked, and few hold one.
    super::ascii::find_keyed(text.get(from..)?, MARKER, 3, false).map(|i| from + i)
}

/// The length a valid header after the marker at `at` declares.
pub(crate) fn header(text: &[u8], at: usize) -> Option<u32> {
    number(text.get(at + MARKER.len()..)?)
}

/// Decodes the block whose marker is at `at` into `out` (never more bytes
/// than the text holds after `at`); None when no valid header follows the
/// marker.
pub(crate) fn decode(text: &[u8], at: usize, out: &mut Vec<u8>) -> Option<Block> {
    let declared = header(text, at)?;
    let mut p = at + MARKER.len() + 8;
    let mut left = declared;
    let mut place = 0usize;
    let mut sum = 0u32;
    while left > 0 && p < text.len() {
        let c = text[p];
        if c == b'\r' || c == b'\n' {
            p += 1;
            continue;
        }
        if c >= 0x80 {
            // A byte of a double-byte character: as it is, in no place.
            out.push(c);
            p += 1;
            left -= 1;
            continue;
        }
        let mut v = substitute(c, place);
        p += 1;
        left -= 1;
        if v == 0xff {
            v = match text.get(p) {
                Some(b'!') => b'<',
                Some(b'#') => b'\r',
                Some(b'$') => b'@',
                Some(b'&') => b'\n',
                Some(b'*') => b'>',
                _ => b'@',
            };
            if v != b'@' || text.get(p) == Some(&b'$') {
                p += 1;
                left = left.saturating_sub(1);
            }
        }
        out.push(v);
        sum = sum.wrapping_add(u32::from(v));
        place += 1;
    }
    let read = declared - left;
    let mut end = p;
    let mut checksum_ok = None;
    if left == 0
        && let Some(expected) = text.get(p..).and_then(number)
    {
        checksum_ok = Some(expected == sum);
        end = p + 8;
        if text.get(end..end + END.len()) == Some(END) {
            end += END.len();
        }
    }
    Some(Block {
        end,
        declared,
        read,
        checksum_ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &[u8]) -> (Vec<u8>, Block) {
        let mut out = Vec::new();
        let b = decode(text, find(text, 0).unwrap(), &mut out).unwrap();
        (out, b)
    }

    /// ClamAV's test page's encoded JScript
    /// (`unit_tests/input/htmlnorm_scanfiles/htmlnorm_encode.html`): its
    /// checksum checks the tables.
    const CLAMAV_SAMPLE: &[u8] =
        b"//comment2#@~^LAAAAA==W!x^DkKxP6WKc#Pls+MYcvD+/D@$@!D+/D@*@#@&E#p8Vg0AAA==^#~@\n//-->";

    #[test]
    fn a_known_block_decodes_and_its_checksum_holds() {
        let (out, b) = one(CLAMAV_SAMPLE);
        assert_eq!(out, b"function foo(){alert('test@<test>\r\n');}");
        assert_eq!(b.declared, 44);
        assert_eq!(b.read, 44);
        assert_eq!(b.checksum_ok, Some(true));
        assert_eq!(&CLAMAV_SAMPLE[b.end..], b"\n//-->");
    }

    #[test]
    fn a_block_cut_short_gives_what_it_has() {
        let cut = &CLAMAV_SAMPLE[..30];
        let (out, b) = one(cut);
        assert_eq!(out, b"function");
        assert!(b.read < b.declared);
        assert_eq!(b.checksum_ok, None);
        assert_eq!(b.end, cut.len());
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let mut changed = CLAMAV_SAMPLE.to_vec();
        changed[22] = b'y';
        let (_, b) = one(&changed);
        assert_eq!(b.checksum_ok, Some(false));
    }

    #[test]
    fn line_breaks_are_not_characters() {
        let mut split = CLAMAV_SAMPLE.to_vec();
        split.splice(30..30, *b"\r\n");
        let (out, b) = one(&split);
        assert_eq!(out, b"function foo(){alert('test@<test>\r\n');}");
        assert_eq!(b.checksum_ok, Some(true));
    }

    #[test]
    fn not_a_header_is_not_a_block() {
        let mut out = Vec::new();
        assert!(decode(b"#@~^ not base64", 0, &mut out).is_none());
        assert!(decode(b"#@~^LAAAAA", 0, &mut out).is_none());
        // A declared length far past the text reads what is there.
        let (out, b) = one(b"#@~^/////w==W!x^DkKxP6");
        assert_eq!(b.declared, u32::MAX);
        assert_eq!(out.len(), 10);
    }

    /// The Script Encoder's encoding, the inverse of `substitute`, with
    /// its header and trailer.
    fn encode(plain: &[u8]) -> Vec<u8> {
        let field = |v: u32| {
            const B64: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let acc = u64::from(u32::from_be_bytes(v.to_le_bytes())) << 4;
            let mut f: Vec<u8> = (0..6)
                .map(|i| B64[((acc >> (30 - 6 * i)) & 63) as usize])
                .collect();
            f.extend_from_slice(b"==");
            f
        };
        let mut body = Vec::new();
        let mut sum = 0u32;
        for (i, &c) in plain.iter().enumerate() {
            sum = sum.wrapping_add(u32::from(c));
            match c {
                b'<' => body.extend_from_slice(b"@!"),
                b'>' => body.extend_from_slice(b"@*"),
                b'@' => body.extend_from_slice(b"@$"),
                b'\r' => body.extend_from_slice(b"@#"),
                b'\n' => body.extend_from_slice(b"@&"),
                _ => {
                    let e = (0x20u8..0x80)
                        .chain([b'\t'])
                        .find(|&e| substitute(e, i) == c)
                        .unwrap();
                    body.push(e);
                }
            }
        }
        let mut out = MARKER.to_vec();
        out.extend(field(body.len() as u32));
        out.extend(body);
        out.extend(field(sum));
        out.extend_from_slice(END);
        out
    }

    #[test]
    fn every_character_round_trips() {
        let plain: Vec<u8> = (0x20u8..0x7f)
            .chain(*b"\t\r\n<>@")
            .cycle()
            .take(1000)
            .collect();
        let enc = encode(&plain);
        let (out, b) = one(&enc);
        assert_eq!(out, plain);
        assert_eq!(b.checksum_ok, Some(true));
        assert_eq!(b.end, enc.len());
        // The encoder of the test agrees with Microsoft's on its sample.
        let (sample, _) = one(CLAMAV_SAMPLE);
        assert_eq!(encode(&sample), CLAMAV_SAMPLE[10..CLAMAV_SAMPLE.len() - 6]);
    }

    #[test]
    fn the_tables_are_permutations() {
        // Each table maps the printable characters and the tab one to one
        // (`@` to the escape): a typo in them would not be.
        for t in 0..3 {
            let mut seen = [false; 256];
            for c in (0x20u8..0x80).chain([b'\t']) {
                let v = substitute(c, ORDER.iter().position(|&o| usize::from(o) == t).unwrap());
                assert!(!seen[usize::from(v)], "table {t} maps twice to {v:#x}");
                seen[usize::from(v)] = true;
            }
        }
    }
}
