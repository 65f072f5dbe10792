//! lzop files: the header ([`header`]) and LZO1X blocks ([`lzo1x`]).
//!
//! An lzop file is a header (magic, versions, method, flags, the stored
//! name, a header checksum, an optional extra field) and then blocks, each
//! declaring its decoded and stored length and carrying checksums; a
//! decoded length of zero ends the file. A block whose two lengths are
//! equal is stored as it is. Every method lzop writes (LZO1X-1, -1(15) and
//! -999) decodes with the one LZO1X decoder.
//!
//! Declared lengths are limits here, never allocation sizes: a block is
//! decoded into a vector that grows with what the stream really produces,
//! and stops at the block's declared length or lzop's own block maximum,
//! whichever is smaller.

/// The nine bytes every lzop file starts with.
pub(crate) const MAGIC: [u8; 9] = [0x89, b'L', b'Z', b'O', 0, b'\r', b'\n', 0x1a, b'\n'];

/// lzop's largest block (its `MAX_BLOCK_SIZE`): a block declaring more is
/// refused, as lzop refuses it.
pub(crate) const MAX_BLOCK: u32 = 64 << 20;

/// Header flags that change the block layout.
const F_ADLER32_D: u32 = 0x1;
const F_ADLER32_C: u32 = 0x2;
const F_H_EXTRA_FIELD: u32 = 0x40;
const F_CRC32_D: u32 = 0x100;
const F_CRC32_C: u32 = 0x200;
const F_H_FILTER: u32 = 0x800;
const F_H_CRC32: u32 = 0x1000;

/// Why an lzop stream could not be read on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Bad {
    /// The input ends inside a header, a block or an instruction.
    #[error("lzop: truncated {0}")]
    Truncated(&'static str),
    /// A field outside what lzop writes.
    #[error("lzop: {0}")]
    Invalid(&'static str),
    /// An LZO1X instruction that reaches before the block's start, or a
    /// block that decodes to another length than it declares.
    #[error("lzop: corrupt block ({0})")]
    Corrupt(&'static str),
    /// A checksum that does not match what was decoded.
    #[error("lzop: {0} checksum mismatch")]
    Checksum(&'static str),
}

/// What the header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    /// The stored file name (the sender's).
    pub name: &'a [u8],
    /// Flags (which checksums each block carries).
    pub flags: u32,
    /// Where the first block starts.
    pub len: usize,
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Bad> {
        let s = self
            .b
            .get(self.at..self.at.checked_add(n).ok_or(Bad::Truncated(what))?)
            .ok_or(Bad::Truncated(what))?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, Bad> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, Bad> {
        let s = self.take(2, what)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, Bad> {
        let s = self.take(4, what)?;
        Ok(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }
}

/// True when `data` starts as an lzop file.
pub(crate) fn is_lzop(data: &[u8]) -> bool {
    data.starts_with(&MAGIC)
}

/// Reads the header at the start of `data` (which starts with [`MAGIC`]).
/// Its checksum is verified: lzop refuses a file whose header does not
/// check out.
pub(crate) fn header(data: &[u8]) -> Result<Header<'_>, Bad> {
    if !is_lzop(data) {
        return Err(Bad::Invalid("no magic"));
    }
    let mut c = Cursor { b: data, at: 9 };
    let version = c.u16("header")?;
    let _lib_version = c.u16("header")?;
    if version >= 0x0940 {
        let _needed = c.u16("header")?;
    }
    let method = c.u8("header")?;
    if !matches!(method, 1..=3) {
        return Err(Bad::Invalid("unknown method"));
    }
    if version >= 0x0940 {
        let _level = c.u8("header")?;
    }
    let flags = c.u32("header")?;
    if flags & F_H_FILTER != 0 {
        // lzop's old delta filters: never written by a current lzop.
        return Err(Bad::Invalid("filtered data"));
    }
    let _mode = c.u32("header")?;
    let _mtime = c.u32("header")?;
    if version >= 0x0940 {
        let _mtime_high = c.u32("header")?;
    }
    let name_len = c.u8("header")?;
    let name = c.take(usize::from(name_len), "header")?;
    let covered = &data[9..c.at];
    let stored = c.u32("header")?;
    let computed = if flags & F_H_CRC32 != 0 {
        crc32fast::hash(covered)
    } else {
        adler32(covered)
    };
    if stored != computed {
        return Err(Bad::Checksum("header"));
    }
    if flags & F_H_EXTRA_FIELD != 0 {
        let n = c.u32("extra field")?;
        c.take(n as usize, "extra field")?;
        let _sum = c.u32("extra field")?;
    }
    Ok(Header {
        name,
        flags,
        len: c.at,
    })
}

/// One block, as read from the stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Block<'a> {
    /// The end marker (a decoded length of zero).
    End,
    /// A block: its declared decoded length, the stored bytes, whether
    /// they are compressed, and the checksum of the decoded bytes if the
    /// header asks for one.
    Data {
        /// Decoded length, as declared.
        len: u32,
        /// The stored bytes.
        stored: &'a [u8],
        /// False when stored as they are.
        compressed: bool,
        /// `(crc32?, value)` of the decoded bytes.
        check: Option<(bool, u32)>,
    },
}

/// Reads the block at the start of `data`; returns it and its length.
pub(crate) fn block(data: &[u8], flags: u32) -> Result<(Block<'_>, usize), Bad> {
    let mut c = Cursor { b: data, at: 0 };
    let len = c.u32("block")?;
    if len == 0 {
        return Ok((Block::End, c.at));
    }
    if len > MAX_BLOCK {
        return Err(Bad::Invalid("block larger than lzop writes"));
    }
    let stored_len = c.u32("block")?;
    if stored_len == 0 || stored_len > len {
        // lzop stores a block that would not shrink as it is: a stored
        // length above the decoded one is never written.
        return Err(Bad::Invalid("stored length above the decoded one"));
    }
    let mut check = None;
    if flags & F_ADLER32_D != 0 {
        check = Some((false, c.u32("block")?));
    }
    if flags & F_CRC32_D != 0 {
        let v = c.u32("block")?;
        check = check.or(Some((true, v)));
    }
    let compressed = stored_len < len;
    if compressed {
        if flags & F_ADLER32_C != 0 {
            c.u32("block")?;
        }
        if flags & F_CRC32_C != 0 {
            c.u32("block")?;
        }
    }
    let stored = c.take(stored_len as usize, "block")?;
    Ok((
        Block::Data {
            len,
            stored,
            compressed,
            check,
        },
        c.at,
    ))
}

/// Verifies a block's checksum of its decoded bytes.
pub(crate) fn verify(decoded: &[u8], check: Option<(bool, u32)>) -> Result<(), Bad> {
    match check {
        Some((true, v)) if crc32fast::hash(decoded) != v => Err(Bad::Checksum("block")),
        Some((false, v)) if adler32(decoded) != v => Err(Bad::Checksum("block")),
        _ => Ok(()),
    }
}

/// Adler-32, lzop's default checksum.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that cannot overflow before the reduction.
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Decodes one LZO1X block from `src` into `out` (cleared first), which
/// may grow to `max` bytes and no further. The whole of `src` must be
/// one stream ending with the end marker.
pub(crate) fn lzo1x(src: &[u8], out: &mut Vec<u8>, max: usize) -> Result<(), Bad> {
    out.clear();
    let mut ip = 0usize;
    let get = |ip: &mut usize| -> Result<u8, Bad> {
        let b = *src.get(*ip).ok_or(Bad::Truncated("LZO1X stream"))?;
        *ip += 1;
        Ok(b)
    };
    // A length continued by zero bytes, each worth 255, then one more.
    let extended = |ip: &mut usize, base: usize| -> Result<usize, Bad> {
        let mut n = base;
        loop {
            let b = get(ip)?;
            if b != 0 {
                return Ok(n + usize::from(b));
            }
            n += 255;
            if n > max {
                return Err(Bad::Corrupt("length past the block"));
            }
        }
    };
    let literals = |ip: &mut usize, n: usize, out: &mut Vec<u8>| -> Result<(), Bad> {
        let s = src
            .get(*ip..*ip + n)
            .ok_or(Bad::Truncated("LZO1X literals"))?;
        if out.len() + n > max {
            return Err(Bad::Corrupt("output past the declared length"));
        }
        out.extend_from_slice(s);
        *ip += n;
        Ok(())
    };
    let copy = |dist: usize, n: usize, out: &mut Vec<u8>| -> Result<(), Bad> {
        if dist == 0 || dist > out.len() {
            return Err(Bad::Corrupt("match before the block's start"));
        }
        if out.len() + n > max {
            return Err(Bad::Corrupt("output past the declared length"));
        }
        let from = out.len() - dist;
        if dist >= n {
            out.extend_from_within(from..from + n);
        } else {
            for i in 0..n {
                let b = out[from + i];
                out.push(b);
            }
        }
        Ok(())
    };
    // `state`: how many literals the last instruction copied (4: four or
    // more), which decides how the next short instruction reads.
    let mut state;
    let first = *src.first().ok_or(Bad::Truncated("LZO1X stream"))?;
    if first > 17 {
        ip = 1;
        let t = usize::from(first - 17);
        literals(&mut ip, t, out)?;
        state = if t < 4 { t } else { 4 };
    } else {
        state = 0;
    }
    loop {
        let t = usize::from(get(&mut ip)?);
        let (dist, len, next);
        if t < 16 {
            if state == 0 {
                let n = if t == 0 { extended(&mut ip, 15)? } else { t } + 3;
                literals(&mut ip, n, out)?;
                state = 4;
                continue;
            }
            next = t & 3;
            let b = usize::from(get(&mut ip)?);
            if state < 4 {
                (dist, len) = (1 + (t >> 2) + (b << 2), 2);
            } else {
                (dist, len) = (1 + 0x800 + (t >> 2) + (b << 2), 3);
            }
        } else if t >= 64 {
            next = t & 3;
            let b = usize::from(get(&mut ip)?);
            dist = 1 + ((t >> 2) & 7) + (b << 3);
            len = (t >> 5) + 1;
        } else if t >= 32 {
            len = if t & 31 == 0 {
                extended(&mut ip, 31)?
            } else {
                t & 31
            } + 2;
            let d = usize::from(get(&mut ip)?) | usize::from(get(&mut ip)?) << 8;
            next = d & 3;
            dist = 1 + (d >> 2);
        } else {
            let high = (t & 8) << 11;
            len = if t & 7 == 0 {
                extended(&mut ip, 7)?
            } else {
                t & 7
            } + 2;
            let d = usize::from(get(&mut ip)?) | usize::from(get(&mut ip)?) << 8;
            next = d & 3;
            let dist0 = high + (d >> 2);
            if dist0 == 0 {
                // The end marker: a far match of length three at distance 0.
                return if len != 3 {
                    Err(Bad::Corrupt("end marker"))
                } else if ip != src.len() {
                    Err(Bad::Corrupt("bytes after the end marker"))
                } else {
                    Ok(())
                };
            }
            dist = dist0 + 0x4000;
        }
        copy(dist, len, out)?;
        state = next;
        literals(&mut ip, next, out)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_matches_zlib() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        let long = vec![0xffu8; 100_000];
        // zlib.adler32(b'\xff' * 100000)
        assert_eq!(adler32(&long), 0x149a_302c);
    }

    #[test]
    fn literal_run_then_end_marker() {
        // 21 = 17 + 4 literals, then the end marker (0x11 0x00 0x00).
        let src = [21, b'a', b'b', b'c', b'd', 0x11, 0, 0];
        let mut out = Vec::new();
        lzo1x(&src, &mut out, 100).unwrap();
        assert_eq!(out, b"abcd");
    }

    #[test]
    fn a_match_before_the_start_is_corrupt() {
        // One literal, then an M2 match at distance 9 of a one-byte output.
        let src = [18, b'a', 0x40 | (1 << 2), 1, 0x11, 0, 0];
        let mut out = Vec::new();
        assert!(matches!(lzo1x(&src, &mut out, 100), Err(Bad::Corrupt(_))));
    }

    #[test]
    fn output_stops_at_the_limit() {
        // Four literals, then a match of 8 at distance 1, limit 6.
        let src = [21, b'a', b'b', b'c', b'd', 0xe0, 0, 0x11, 0, 0];
        let mut out = Vec::new();
        assert!(lzo1x(&src, &mut out, 6).is_err());
        let mut out = Vec::new();
        lzo1x(&src, &mut out, 100).unwrap();
        assert_eq!(out, b"abcddddddddd");
    }

    #[test]
    fn truncated_streams_are_errors_never_panics() {
        let src = [21, b'a', b'b', b'c', b'd', 0xe0, 0, 0x11, 0, 0];
        for n in 0..src.len() {
            let mut out = Vec::new();
            assert!(lzo1x(&src[..n], &mut out, 100).is_err(), "{n}");
        }
    }
}
