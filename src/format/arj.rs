//! ARJ archives: the headers. Each header is `60 ea`, a basic header size
//! (zero ends the archive), the basic header (fixed fields, then the name
//! and a comment, each ended by a NUL), its CRC-32, extended headers, and
//! then the entry's compressed data. The first header describes the
//! archive itself.

use std::ops::Range;

/// Method 0: stored.
pub(crate) const STORED: u8 = 0;
/// Flag: the entry is garbled (ARJ's password encryption).
pub(crate) const GARBLED: u8 = 0x01;

/// Why the headers could not be read on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Bad {
    /// A header or an entry's data runs past the end.
    #[error("ARJ archive is truncated at offset {0}")]
    Truncated(usize),
    /// No header signature where one must be.
    #[error("no ARJ header at offset {0}")]
    NoHeader(usize),
    /// A basic header whose fixed part is shorter than the format's.
    #[error("bad ARJ header at offset {0}")]
    Header(usize),
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its name as stored (the sender's bytes).
    pub name: Vec<u8>,
    /// Compression method (0 stored, 1 to 3 LHA's coding, 4 fastest).
    pub method: u8,
    /// ARJ flags.
    pub flags: u8,
    /// 0 binary, 1 text, 3 directory, 4 volume label...
    pub file_type: u8,
    /// The size it declares once decoded: where decoding stops.
    pub original_size: u32,
    /// CRC-32 of the decoded bytes.
    pub crc: u32,
    /// Where its compressed data is (as much of it as the file holds).
    pub data: Range<usize>,
    /// The file ends before the data does: the last entry, cut short.
    pub cut: bool,
}

/// One header at `at`: `None` at the end marker; else the entry and where
/// the next header starts.
fn header(b: &[u8], at: usize) -> Result<Option<(Entry, usize)>, Bad> {
    let h = b.get(at..at + 4).ok_or(Bad::Truncated(at))?;
    if h[..2] != [0x60, 0xea] {
        return Err(Bad::NoHeader(at));
    }
    let size = usize::from(u16::from_le_bytes([h[2], h[3]]));
    if size == 0 {
        return Ok(None);
    }
    let basic_start = at + 4;
    let basic = b
        .get(basic_start..basic_start + size)
        .ok_or(Bad::Truncated(at))?;
    let first = usize::from(basic[0]);
    if first < 30 || first > size {
        return Err(Bad::Header(at));
    }
    let u32_at =
        |o: usize| u32::from_le_bytes([basic[o], basic[o + 1], basic[o + 2], basic[o + 3]]);
    let name_area = &basic[first..];
    let name_len = memchr::memchr(0, name_area).unwrap_or(name_area.len());
    let mut next = basic_start + size + 4; // the header's CRC-32
    // Extended headers: a size, the data and its CRC, until a size of 0.
    loop {
        let s = b.get(next..next + 2).ok_or(Bad::Truncated(next))?;
        let n = usize::from(u16::from_le_bytes([s[0], s[1]]));
        next += 2;
        if n == 0 {
            break;
        }
        next = next.checked_add(n + 4).ok_or(Bad::Truncated(next))?;
    }
    let compressed = u32_at(12) as usize;
    let file_type = basic[6];
    // The archive's own header (type 2) carries no data.
    let data_len = if file_type == 2 { 0 } else { compressed };
    if next > b.len() {
        return Err(Bad::Truncated(at));
    }
    let declared_end = next.saturating_add(data_len);
    let end = declared_end.min(b.len());
    Ok(Some((
        Entry {
            name: name_area[..name_len].to_vec(),
            method: basic[5],
            flags: basic[4],
            file_type,
            original_size: u32_at(16),
            crc: u32_at(20),
            data: next..end,
            cut: declared_end > end,
        },
        end,
    )))
}

/// Every entry after the archive's own header, in order; an error ends
/// the walk after what was read.
pub(crate) fn entries(b: &[u8]) -> Entries<'_> {
    Entries {
        b,
        at: Some(0),
        first: true,
        end: None,
    }
}

/// The walk over an archive's headers (see [`entries`]).
pub(crate) struct Entries<'a> {
    b: &'a [u8],
    at: Option<usize>,
    first: bool,
    /// Where the archive ends, once the walk has reached its end marker:
    /// what follows is not the archive's.
    pub end: Option<usize>,
}

impl Iterator for Entries<'_> {
    type Item = Result<Entry, Bad>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let here = self.at?;
            match header(self.b, here) {
                Ok(None) => {
                    self.at = None;
                    self.end = Some(here + 4);
                    return None;
                }
                Ok(Some((e, next))) => {
                    // A cut entry is the last: nothing follows it.
                    self.at = (!e.cut).then_some(next);
                    if std::mem::take(&mut self.first) {
                        // The main header: the archive's name and comment.
                        continue;
                    }
                    return Some(Ok(e));
                }
                Err(bad) => {
                    self.at = None;
                    return Some(Err(bad));
                }
            }
        }
    }
}

/// ARJ's method 4 ("fastest"): literals and matches in a 26,624-byte
/// window, lengths and distances in unary-prefixed codes, most significant
/// bit first. Decodes `src` into `out` until `want` bytes or `cap`,
/// whichever is less; false when the input ends first or a distance
/// reaches before the start.
pub(crate) fn decode_fastest(src: &[u8], want: usize, cap: usize, out: &mut Vec<u8>) -> bool {
    let mut bits = Bits { src, at: 0 };
    let end = want.min(cap);
    while out.len() < end {
        let Some(len) = bits.code(0, 7) else {
            return false;
        };
        if len == 0 {
            let Some(c) = bits.get(8) else {
                return false;
            };
            out.push(c as u8);
            continue;
        }
        let Some(back) = bits.code(9, 13) else {
            return false;
        };
        let dist = back + 1;
        if dist > out.len() {
            return false;
        }
        for _ in 0..len - 1 + 3 {
            if out.len() >= end {
                break;
            }
            out.push(out[out.len() - dist]);
        }
    }
    true
}

/// Bits of a byte string, most significant first.
struct Bits<'a> {
    src: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn get(&mut self, n: usize) -> Option<usize> {
        if self.at + n > self.src.len() * 8 {
            return None;
        }
        let mut v = 0usize;
        for _ in 0..n {
            v = (v << 1) | usize::from((self.src[self.at / 8] >> (7 - self.at % 8)) & 1);
            self.at += 1;
        }
        Some(v)
    }

    /// A value: a run of 1 bits (at most `stop - start`), then that many
    /// plus `start` bits, plus the powers the run stood for.
    fn code(&mut self, start: usize, stop: usize) -> Option<usize> {
        let (mut plus, mut pwr, mut width) = (0usize, 1usize << start, start);
        while width < stop {
            if self.get(1)? == 0 {
                break;
            }
            plus += pwr;
            pwr <<= 1;
            width += 1;
        }
        Some(if width == 0 { 0 } else { self.get(width)? } + plus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(name: &str, method: u8, file_type: u8, data: &[u8]) -> Vec<u8> {
        let mut h = vec![30, 11, 1, 2, 0, method, file_type, 0];
        h.extend(0u32.to_le_bytes());
        h.extend((data.len() as u32).to_le_bytes());
        h.extend((data.len() as u32).to_le_bytes());
        h.extend(crc32fast::hash(data).to_le_bytes());
        h.extend([0u8; 6]);
        h.extend(name.as_bytes());
        h.extend([0, 0]);
        let mut v = vec![0x60, 0xea];
        v.extend((h.len() as u16).to_le_bytes());
        v.extend(&h);
        v.extend(crc32fast::hash(&h).to_le_bytes());
        v.extend([0, 0]);
        v.extend(data);
        v
    }

    #[test]
    fn main_header_then_entries_then_the_end() {
        let mut a = basic("a.arj", 0, 2, b"");
        a.extend(basic("x.txt", STORED, 0, b"hello"));
        a.extend([0x60, 0xea, 0, 0]);
        let got: Vec<_> = entries(&a).collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, b"x.txt");
        assert_eq!(&a[got[0].data.clone()], b"hello");
        // Cut inside the entry's data: what there is, said to be cut.
        let cut: Vec<_> = entries(&a[..a.len() - 6])
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(cut[0].cut);
        assert_eq!(&a[cut[0].data.clone()], b"hel");
        // Method 4: a literal 'a' (length code 0, then 8 bits), then a
        // match of 3 at distance 1 (length code 1: bits 1 0 then 1 bit 0;
        // distance code: bit 0 then 9 bits of 0), twice.
        let bits = "0 01100001 100 0 000000000 100 0 000000000";
        let mut packed = Vec::new();
        let mut acc = 0u8;
        let mut n = 0;
        for b in bits.bytes().filter(|b| *b != b' ') {
            acc = acc << 1 | (b - b'0');
            n += 1;
            if n == 8 {
                packed.push(acc);
                (acc, n) = (0, 0);
            }
        }
        packed.push(acc << (8 - n));
        let mut out = Vec::new();
        assert!(decode_fastest(&packed, 7, 100, &mut out));
        assert_eq!(out, b"aaaaaaa");
        let mut out = Vec::new();
        assert!(!decode_fastest(&packed[..2], 7, 100, &mut out));
        // Cut inside a header.
        let cut: Vec<_> = entries(&a[..40]).collect();
        assert!(matches!(cut.last(), Some(Err(Bad::Truncated(_)))));
    }
}
