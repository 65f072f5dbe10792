//! Unix `compress` files (`.Z`): adaptive LZW, read as ncompress and
//! gzip read it.
//!
//! After the magic (`1f 9d`), one byte gives the largest code width (9 to
//! 16 bits) and block mode (bit 7: code 256 clears the table). Codes are
//! packed least significant bit first, from 9 bits wide up. The writer
//! emits codes in groups of eight, so a group is `width` bytes; when the
//! width grows or the table is cleared, the rest of the current group is
//! padding, which the reader skips: the quirk that makes a plain LZW
//! decoder read garbage after the first change of width.
//!
//! The table is fixed (at most 65,536 entries of three bytes) whatever
//! the input, and one code expands to at most 65,536 bytes; the reader
//! hands out what it decodes as it goes, so the caller bounds the output.

use std::io::{self, Read};

/// The magic of a `.Z` file.
pub(crate) const MAGIC: [u8; 2] = [0x1f, 0x9d];

const CLEAR: u32 = 256;

/// True when `data` starts as a `.Z` file with a width `compress` writes.
pub(crate) fn is_compress(data: &[u8]) -> bool {
    data.starts_with(&MAGIC)
        && data
            .get(2)
            .is_some_and(|f| (9..=16).contains(&(f & 0x1f)) && f & 0x60 == 0)
}

/// An LZW decoder over a `.Z` file's bytes.
pub(crate) struct ZReader<'a> {
    data: &'a [u8],
    /// Where the current width's codes started, in bits from `data`'s
    /// start: groups are counted from here.
    group_start: usize,
    /// The next code's first bit.
    bit: usize,
    width: u32,
    max_width: u32,
    block_mode: bool,
    /// The next free code.
    next: u32,
    prefix: Vec<u16>,
    suffix: Vec<u8>,
    /// The previous code, and the first byte of its expansion.
    prev: Option<(u32, u8)>,
    /// The last code's expansion, and how much of it was handed out.
    stack: Vec<u8>,
    served: usize,
    done: bool,
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("compress (.Z): {what}"))
}

impl<'a> ZReader<'a> {
    /// A reader over `data`, which starts with the magic and flags.
    pub(crate) fn new(data: &'a [u8]) -> io::Result<Self> {
        if !is_compress(data) {
            return Err(corrupt("not a compress header"));
        }
        let flags = data[2];
        let block_mode = flags & 0x80 != 0;
        Ok(ZReader {
            data,
            group_start: 24,
            bit: 24,
            width: 9,
            max_width: u32::from(flags & 0x1f),
            block_mode,
            next: if block_mode { 257 } else { 256 },
            prefix: vec![0; 1 << 16],
            suffix: (0..=255u8)
                .chain(std::iter::repeat_n(0, (1 << 16) - 256))
                .collect(),
            prev: None,
            stack: Vec::new(),
            served: 0,
            done: false,
        })
    }

    /// Skips the rest of the current group of eight codes, and starts
    /// counting groups again at `width`.
    fn skip_group(&mut self, width: u32) {
        let group = self.width as usize * 8;
        let used = self.bit - self.group_start;
        self.bit = self.group_start + used.div_ceil(group) * group;
        self.group_start = self.bit;
        self.width = width;
    }

    /// The next code, or `None` at the end of the input (a final partial
    /// code is padding, as the writer leaves it).
    fn code(&mut self) -> Option<u32> {
        let w = self.width as usize;
        if self.bit + w > self.data.len() * 8 {
            return None;
        }
        let mut v = 0u32;
        let byte = self.bit / 8;
        for (i, b) in self.data[byte..self.data.len().min(byte + 4)]
            .iter()
            .enumerate()
        {
            v |= u32::from(*b) << (8 * i);
        }
        let code = (v >> (self.bit % 8)) & ((1 << w) - 1);
        self.bit += w;
        Some(code)
    }

    /// Decodes the next code into `stack` (emptied first); false at the
    /// end.
    fn step(&mut self) -> io::Result<bool> {
        self.stack.clear();
        self.served = 0;
        loop {
            let top = 1u32 << self.width;
            if self.next >= top && self.width < self.max_width {
                self.skip_group(self.width + 1);
            }
            let Some(code) = self.code() else {
                return Ok(false);
            };
            if code == CLEAR && self.block_mode {
                // The table starts again: the code after a clear is a
                // byte, as the first code is.
                self.skip_group(9);
                self.next = 257;
                self.prev = None;
                continue;
            }
            let Some((prev, first_of_prev)) = self.prev else {
                if code > 255 {
                    return Err(corrupt("first code is not a byte"));
                }
                self.stack.push(code as u8);
                self.prev = Some((code, code as u8));
                return Ok(true);
            };
            let mut c = code;
            if code >= self.next {
                if code > self.next {
                    return Err(corrupt("code past the table"));
                }
                // The code being defined: the previous string and its own
                // first byte.
                self.stack.push(first_of_prev);
                c = prev;
            }
            while c > 255 {
                self.stack.push(self.suffix[c as usize]);
                c = u32::from(self.prefix[c as usize]);
            }
            let first = c as u8;
            self.stack.push(first);
            // The chain gave the expansion last byte first.
            self.stack.reverse();
            if self.next < (1 << self.max_width) {
                self.prefix[self.next as usize] = prev as u16;
                self.suffix[self.next as usize] = first;
                self.next += 1;
            }
            self.prev = Some((code, first));
            return Ok(true);
        }
    }
}

impl Read for ZReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.served == self.stack.len() && !self.done {
            if !self.step()? {
                self.done = true;
            }
        }
        let left = &self.stack[self.served..];
        let n = buf.len().min(left.len());
        buf[..n].copy_from_slice(&left[..n]);
        self.served += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(data: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        ZReader::new(data)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn compress_output_of_a_short_text() {
        // `printf 'TOBEORNOTTOBEORTOBEORNOT' | compress -c`
        let z = [
            0x1f, 0x9d, 0x90, 0x54, 0x9e, 0x08, 0x29, 0xf2, 0x44, 0x8a, 0x93, 0x27, 0x54, 0x02,
            0x0e, 0x2c, 0xa8, 0x90, 0xa0, 0x41, 0x84,
        ];
        assert_eq!(decode(&z).unwrap(), b"TOBEORNOTTOBEORTOBEORNOT");
    }

    #[test]
    fn a_code_past_the_table_is_an_error() {
        // Flags 16 bits, block mode; first code 'a', then code 300.
        let mut z = vec![0x1f, 0x9d, 0x90];
        let codes = [97u32, 300];
        let mut bits = 0u64;
        for (i, c) in codes.iter().enumerate() {
            bits |= u64::from(*c) << (9 * i);
        }
        z.extend(&bits.to_le_bytes()[..3]);
        assert!(decode(&z).is_err());
    }

    #[test]
    fn headers_compress_does_not_write_are_not_compress() {
        assert!(!is_compress(&[0x1f, 0x9d, 0x88]));
        assert!(!is_compress(&[0x1f, 0x9d, 0x91]));
        assert!(!is_compress(&[0x1f, 0x9d, 0xf0]));
        assert!(is_compress(&[0x1f, 0x9d, 0x90]));
        assert!(is_compress(&[0x1f, 0x9d, 0x0c]));
    }
}
