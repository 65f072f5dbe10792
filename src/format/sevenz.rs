//! The 7z start header and the sizes an encoded header declares: what
//! detection needs to carve a 7z out of a self-extractor and what the
//! unpacker checks before the `sevenz-rust2` crate trusts them (with the
//! PPMd model a coder declares). Pure.

/// The signature a 7z archive starts with.
pub(crate) const SIGNATURE: &[u8; 6] = b"7z\xbc\xaf\x27\x1c";

/// True when `b` starts with a 7z signature and a start header whose CRC
/// checks out: certain enough to carve a 7z out of a self-extractor.
pub(crate) fn starts_archive(b: &[u8]) -> bool {
    b.get(..32)
        .is_some_and(|s| &s[..6] == SIGNATURE && start_header_crc_ok(s))
}

/// The start header's CRC is there (not zero, which sends the crate
/// searching) and right.
pub(crate) fn start_header_crc_ok(start: &[u8]) -> bool {
    let crc = u32::from_le_bytes([start[8], start[9], start[10], start[11]]);
    crc != 0 && crc32fast::hash(&start[12..32]) == crc
}

/// A cursor over header bytes; every read fails at the end, so loops over
/// declared counts end with the bytes.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn skip(&mut self, n: u64) -> Option<()> {
        self.0 = self.0.get(usize::try_from(n).ok()?..)?;
        Some(())
    }

    /// 7z's variable-length number: the leading one bits of the first byte
    /// say how many bytes follow.
    fn number(&mut self) -> Option<u64> {
        let first = self.byte()?;
        let mut mask = 0x80u8;
        let mut value = 0u64;
        for i in 0..8 {
            if first & mask == 0 {
                let high = (first & mask.wrapping_sub(1)) as u64;
                return Some(value | (high << (8 * i)));
            }
            value |= (self.byte()? as u64) << (8 * i);
            mask >>= 1;
        }
        Some(value)
    }

    fn digests(&mut self, n: u64) -> Option<()> {
        let defined = if self.byte()? != 0 {
            n
        } else {
            let mut count = 0u64;
            for _ in 0..n.div_ceil(8) {
                count += self.byte()?.count_ones() as u64;
            }
            count
        };
        self.skip(defined.checked_mul(4)?)
    }
}

/// The method ID of PPMd (variant H) in 7z.
pub(crate) const PPMD: &[u8] = &[0x03, 0x04, 0x01];

/// The model memory a PPMd coder's properties declare (order, then the
/// size, little-endian); `None` for another method or short properties.
pub(crate) fn ppmd_model(method: &[u8], props: &[u8]) -> Option<u64> {
    if method != PPMD {
        return None;
    }
    let size = props.get(1..5)?;
    Some(u32::from_le_bytes([size[0], size[1], size[2], size[3]]).into())
}

/// What an encoded header's streams info declares, read before the crate
/// decodes that header.
#[derive(Debug, PartialEq)]
pub(crate) struct EncodedHeader {
    /// The largest unpack size (the decoded header is one of them).
    pub largest: u64,
    /// The PPMd models its coders declare, all together (0 without PPMd):
    /// a folder may chain coders, each with a model of its own.
    pub model: u64,
}

/// Reads the streams info of an encoded header.
pub(crate) fn encoded_header(b: &[u8]) -> Option<EncodedHeader> {
    let mut f = Fields(b);
    let mut nid = f.byte()?;
    if nid == 0x06 {
        // Pack info: position, count, sizes, digests.
        f.number()?;
        let streams = f.number()?;
        nid = f.byte()?;
        while nid != 0x00 {
            match nid {
                0x09 => {
                    for _ in 0..streams {
                        f.number()?;
                    }
                }
                0x0a => f.digests(streams)?,
                _ => return None,
            }
            nid = f.byte()?;
        }
        nid = f.byte()?;
    }
    if nid != 0x07 || f.byte()? != 0x0b {
        return None;
    }
    let folders = f.number()?;
    if f.byte()? != 0 {
        return None; // folders kept elsewhere
    }
    let mut outputs = 0u64;
    let mut model = 0u64;
    for _ in 0..folders {
        let coders = f.number()?;
        let (mut ins, mut outs) = (0u64, 0u64);
        for _ in 0..coders {
            let flags = f.byte()?;
            let id_len = usize::from(flags & 0x0f);
            let method = f.0.get(..id_len)?;
            f.skip(id_len as u64)?;
            if flags & 0x10 != 0 {
                ins = ins.checked_add(f.number()?)?;
                outs = outs.checked_add(f.number()?)?;
            } else {
                ins += 1;
                outs += 1;
            }
            if flags & 0x20 != 0 {
                let len = usize::try_from(f.number()?).ok()?;
                let props = f.0.get(..len)?;
                model = model.saturating_add(ppmd_model(method, props).unwrap_or(0));
                f.skip(len as u64)?;
            }
        }
        let pairs = outs.checked_sub(1)?;
        for _ in 0..pairs {
            f.number()?;
            f.number()?;
        }
        let packed = ins.checked_sub(pairs)?;
        if packed > 1 {
            for _ in 0..packed {
                f.number()?;
            }
        }
        outputs = outputs.checked_add(outs)?;
    }
    if f.byte()? != 0x0c {
        return None;
    }
    let mut largest = 0u64;
    for _ in 0..outputs {
        largest = largest.max(f.number()?);
    }
    Some(EncodedHeader { largest, model })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(Fields(&[0x05]).number(), Some(5));
        assert_eq!(Fields(&[0x81, 0x02]).number(), Some(0x102));
        assert_eq!(Fields(&[0xc0, 0x34, 0x12]).number(), Some(0x1234));
        assert_eq!(Fields(&[0xff, 1, 0, 0, 0, 0, 0, 0, 0]).number(), Some(1));
        assert_eq!(Fields(&[0x81]).number(), None);
    }

    /// The encoded header of a small archive as 7-Zip writes it: pack info,
    /// one LZMA folder, its unpack size.
    pub(crate) fn encoded(unpack: &[u8]) -> Vec<u8> {
        encoded_with(&[0x03, 0x01, 0x01], &[0x5d, 0x00, 0x10, 0x00, 0x00], unpack)
    }

    /// The same with one coder of another method and properties.
    pub(crate) fn encoded_with(method: &[u8], props: &[u8], unpack: &[u8]) -> Vec<u8> {
        let mut v = vec![0x06, 0x00, 0x01, 0x09, 0x20, 0x00];
        v.extend([0x07, 0x0b, 0x01, 0x00, 0x01, 0x20 | method.len() as u8]);
        v.extend(method);
        v.push(props.len() as u8);
        v.extend(props);
        v.push(0x0c);
        v.extend(unpack);
        v.push(0x00);
        v
    }

    fn largest(b: &[u8]) -> Option<u64> {
        encoded_header(b).map(|h| h.largest)
    }

    #[test]
    fn encoded_header_sizes() {
        assert_eq!(largest(&encoded(&[0x40])), Some(0x40));
        // 0xf0: four more bytes, so 0x10000000 declared.
        assert_eq!(
            largest(&encoded(&[0xf0, 0x00, 0x00, 0x00, 0x10])),
            Some(0x1000_0000)
        );
        // Cut anywhere: unreadable, never a panic.
        let e = encoded(&[0x40]);
        for n in 0..e.len() - 1 {
            assert_eq!(largest(&e[..n]), None, "{n}");
        }
    }

    #[test]
    fn a_ppmd_header_declares_its_model() {
        let lzma = encoded_header(&encoded(&[0x40]));
        assert_eq!(lzma.map(|h| h.model), Some(0));
        // Order 6, a model of 0xfffffffb bytes.
        let props = [0x06, 0xfb, 0xff, 0xff, 0xff];
        let h = encoded_header(&encoded_with(PPMD, &props, &[0x40]));
        assert_eq!(
            h,
            Some(EncodedHeader {
                largest: 0x40,
                model: 0xffff_fffb
            })
        );
        assert_eq!(ppmd_model(PPMD, &props[..4]), None);
        assert_eq!(ppmd_model(&[0x21], &props), None);
    }
}
