//! Unix `pack` files (`.z`): one static Huffman code, read as gzip's
//! `unpack.c` reads them (`gzip -d` and `tar xzf` decode them whatever
//! the file is named).
//!
//! After the magic (`1f 1e`) come the original length (four bytes, most
//! significant first), the longest code's length, the number of leaves of
//! each length (the longest one's less two), then the leaves' bytes in
//! order of length. The code is canonical and read most significant bit
//! first: at each length the smallest values are inner nodes and the rest
//! leaves; the last code of the longest length ends the stream.
//!
//! The tables are fixed (256 literals, 25 lengths) whatever the header
//! says; the reader hands out what it decodes as it goes, so the caller
//! bounds the output, and the declared length is only compared at the end.

use std::io::{self, Read};

/// The magic of a `pack` file.
pub(crate) const MAGIC: [u8; 2] = [0x1f, 0x1e];

/// The longest code gzip accepts (`MAX_BITLEN` in unpack.c).
const MAX_BITLEN: usize = 25;

/// True when `data` starts with a `pack` header that gzip accepts: the
/// magic is two bytes, so the whole tree is checked.
pub(crate) fn is_pack(data: &[u8]) -> bool {
    data.starts_with(&MAGIC) && PackReader::new(data).is_ok()
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("pack (.z): {what}"))
}

/// A decoder over a `pack` file's bytes.
pub(crate) struct PackReader<'a> {
    data: &'a [u8],
    /// The next byte to take bits from.
    pos: usize,
    /// Bits taken but not used, in the low `bits` bits.
    bitbuf: u32,
    bits: u32,
    max_len: usize,
    /// The number of inner nodes of each length: codes below it are inner.
    parents: [u32; MAX_BITLEN + 1],
    /// Where each length's leaves start in `literal`, less its `parents`.
    lit_base: [i32; MAX_BITLEN + 1],
    literal: [u8; 256],
    literals: usize,
    /// The end-of-stream code (of the longest length).
    eob: u32,
    declared: u32,
    out: u64,
    done: bool,
}

impl<'a> PackReader<'a> {
    /// Reads the header and the tree, with gzip's checks on both.
    pub(crate) fn new(data: &'a [u8]) -> io::Result<Self> {
        if !data.starts_with(&MAGIC) || data.len() < 7 {
            return Err(corrupt("no header"));
        }
        let declared = u32::from_be_bytes([data[2], data[3], data[4], data[5]]);
        let max_len = usize::from(data[6]);
        if max_len == 0 || max_len > MAX_BITLEN {
            return Err(corrupt("a code length out of range"));
        }
        let mut pos = 7;
        let mut byte = || {
            let b = data
                .get(pos)
                .copied()
                .ok_or_else(|| corrupt("the tree is cut short"));
            pos += 1;
            b
        };
        let mut leaves = [0u32; MAX_BITLEN + 1];
        let mut room: i64 = 1;
        let mut n = 0u32;
        for (len, count) in leaves.iter_mut().enumerate().take(max_len + 1).skip(1) {
            let l = u32::from(byte()?);
            if room - i64::from(len == max_len) < i64::from(l) {
                return Err(corrupt("too many leaves in the tree"));
            }
            room = (room - i64::from(l) + 1) * 2 - 1;
            *count = l;
            n += l;
        }
        if n >= 256 {
            return Err(corrupt("too many leaves in the tree"));
        }
        // The longest length's count is stored less two; the end code is
        // one of them and has no literal.
        leaves[max_len] += 1;
        let mut literal = [0u8; 256];
        let mut lit_base = [0i32; MAX_BITLEN + 1];
        let mut base = 0usize;
        for len in 1..=max_len {
            lit_base[len] = base as i32;
            for _ in 0..leaves[len] {
                literal[base] = byte()?;
                base += 1;
            }
        }
        let header_end = 7 + max_len + base;
        leaves[max_len] += 1;
        let mut parents = [0u32; MAX_BITLEN + 1];
        let mut nodes = 0u32;
        for len in (1..=max_len).rev() {
            nodes >>= 1;
            parents[len] = nodes;
            lit_base[len] -= nodes as i32;
            nodes += leaves[len];
        }
        if nodes >> 1 != 1 {
            return Err(corrupt("too few leaves in the tree"));
        }
        Ok(Self {
            data,
            pos: header_end,
            bitbuf: 0,
            bits: 0,
            max_len,
            parents,
            lit_base,
            literal,
            literals: base,
            eob: leaves[max_len] - 1,
            declared,
            out: 0,
            done: false,
        })
    }

    /// Where the stream ended (the byte after the end code's last bit),
    /// once it has.
    pub(crate) fn end(&self) -> Option<usize> {
        self.done.then_some(self.pos)
    }

    fn bit(&mut self) -> io::Result<u32> {
        if self.bits == 0 {
            let b = *self
                .data
                .get(self.pos)
                .ok_or_else(|| corrupt("the stream is cut short"))?;
            self.pos += 1;
            self.bitbuf = u32::from(b);
            self.bits = 8;
        }
        self.bits -= 1;
        Ok((self.bitbuf >> self.bits) & 1)
    }

    /// The next literal, or `None` at the end code.
    fn next_literal(&mut self) -> io::Result<Option<u8>> {
        let mut code = 0u32;
        let mut len = 0usize;
        loop {
            len += 1;
            if len > self.max_len {
                return Err(corrupt("a code longer than the tree"));
            }
            code = (code << 1) | self.bit()?;
            if code >= self.parents[len] {
                break;
            }
        }
        if len == self.max_len && code == self.eob {
            return Ok(None);
        }
        let at = i64::from(code) + i64::from(self.lit_base[len]);
        usize::try_from(at)
            .ok()
            .filter(|&i| i < self.literals)
            .map(|i| Some(self.literal[i]))
            .ok_or_else(|| corrupt("a code outside the tree"))
    }
}

impl Read for PackReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() && !self.done {
            match self.next_literal()? {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                    self.out += 1;
                }
                None => {
                    self.done = true;
                    // gzip compares the length modulo 2^32.
                    if self.out as u32 != self.declared {
                        return Err(corrupt(&format!(
                            "{} bytes decoded where the header says {}",
                            self.out, self.declared
                        )));
                    }
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `b"ab"` packed (a tree of three leaves), as gzip decodes it.
    pub(crate) const AB: &[u8] = &[
        0x1f, 0x1e, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0x00, 0x61, 0x62, 0x88,
    ];

    /// `b"hello, hello, hello world\n"` packed, codes of two to five bits,
    /// as gzip decodes it.
    const HELLO: &[u8] = &[
        0x1f, 0x1e, 0x00, 0x00, 0x00, 0x1a, 0x05, 0x00, 0x01, 0x04, 0x02, 0x02, 0x6c, 0x20, 0x65,
        0x68, 0x6f, 0x2c, 0x77, 0x0a, 0x64, 0x72, 0x8f, 0xe9, 0x28, 0xfe, 0x92, 0x8f, 0xea, 0x3a,
        0x2c, 0x20, 0x18,
    ];

    fn unpack(p: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        PackReader::new(p)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn decodes_what_gzip_decodes() {
        for (p, want) in [(AB, &b"ab"[..]), (HELLO, b"hello, hello, hello world\n")] {
            assert!(is_pack(p));
            assert_eq!(unpack(p).unwrap(), want);
            let mut r = PackReader::new(p).unwrap();
            assert_eq!(r.end(), None);
            io::copy(&mut r, &mut io::sink()).unwrap();
            assert_eq!(r.end(), Some(p.len()));
        }
    }

    #[test]
    fn bad_streams_are_errors() {
        // Cut short, in the tree and in the codes.
        assert!(unpack(&HELLO[..12]).is_err());
        assert!(unpack(&HELLO[..HELLO.len() - 2]).is_err());
        // A length the stream does not have.
        let mut wrong = HELLO.to_vec();
        wrong[5] ^= 1;
        assert!(unpack(&wrong).is_err());
        // No code is longer than 25 bits, and no tree over-full or short.
        let mut long = HELLO.to_vec();
        long[6] = 26;
        assert!(!is_pack(&long));
        let mut full = HELLO.to_vec();
        full[7] = 2;
        assert!(!is_pack(&full));
        let mut short = AB.to_vec();
        short[7] = 0;
        assert!(!is_pack(&short));
        assert!(!is_pack(b"\x1f\x1e"));
        assert!(!is_pack(b"\x1f\x1e\0\0\0\x05\x01\xff"));
    }
}
