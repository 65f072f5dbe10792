//! TNEF (`winmail.dat`, `application/ms-tnef`): the attribute stream of
//! [MS-OXTNEF], its MAPI property lists, and compressed RTF ([MS-OXRTFCP],
//! the message body Outlook sends inside it).
//!
//! A TNEF stream is a signature, a key, then attributes: a level (message
//! or attachment), an identifier, a length, the data and a 16-bit sum of
//! the data's bytes. Attachments are attributes too: one starts each
//! attachment, others carry its title, its bytes and its MAPI properties
//! (the long file name, the bytes again, an embedded message).
//!
//! Every length is checked against what is left; nothing here allocates by
//! a declared size (the RTF decoder's output grows with what it decodes,
//! up to a cap the caller gives).

/// The signature, little-endian 0x223E9F78.
pub(crate) const SIGNATURE: [u8; 4] = [0x78, 0x9f, 0x3e, 0x22];

/// Attribute identifiers (type in the high word, identifier in the low).
pub(crate) mod att {
    /// The message body, as text.
    pub const BODY: u32 = 0x0002_800c;
    /// The message's MAPI properties.
    pub const MAPI_PROPS: u32 = 0x0006_9003;
    /// Starts an attachment.
    pub const ATTACH_REND_DATA: u32 = 0x0006_9002;
    /// An attachment's short title (its file name).
    pub const ATTACH_TITLE: u32 = 0x0001_8010;
    /// An attachment's bytes.
    pub const ATTACH_DATA: u32 = 0x0006_800f;
    /// An attachment's MAPI properties.
    pub const ATTACHMENT: u32 = 0x0006_9005;
}

/// MAPI property identifiers read here.
pub(crate) mod prop {
    /// PR_RTF_COMPRESSED: the body in compressed RTF.
    pub const RTF_COMPRESSED: u16 = 0x1009;
    /// PR_BODY_HTML / PR_HTML.
    pub const BODY_HTML: u16 = 0x1013;
    /// PR_ATTACH_DATA_OBJ: the attachment's bytes, or an embedded message.
    pub const ATTACH_DATA_OBJ: u16 = 0x3701;
    /// PR_ATTACH_FILENAME (8.3).
    pub const ATTACH_FILENAME: u16 = 0x3704;
    /// PR_ATTACH_LONG_FILENAME.
    pub const ATTACH_LONG_FILENAME: u16 = 0x3707;
    /// PR_DISPLAY_NAME.
    pub const DISPLAY_NAME: u16 = 0x3001;
}

/// MAPI property types whose values are counted byte strings.
pub(crate) const PT_STRING8: u16 = 0x001e;
/// UTF-16LE strings.
pub(crate) const PT_UNICODE: u16 = 0x001f;
/// An embedded object (a 16-byte interface identifier, then its data).
pub(crate) const PT_OBJECT: u16 = 0x000d;
/// Bytes.
pub(crate) const PT_BINARY: u16 = 0x0102;

/// Why a TNEF stream could not be read on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Bad {
    /// An attribute or property runs past the data.
    #[error("TNEF {0} runs past the end of its data")]
    Truncated(&'static str),
    /// A property type that has no defined size.
    #[error("TNEF MAPI property of unknown type {0:#06x}")]
    UnknownType(u16),
}

/// True when `b` starts as a TNEF stream.
pub(crate) fn is_tnef(b: &[u8]) -> bool {
    b.len() >= 6 && b.starts_with(&SIGNATURE)
}

/// One attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    /// 1: message, 2: attachment.
    pub level: u8,
    /// Type and identifier.
    pub id: u32,
    /// Where its data is in the stream.
    pub data: std::ops::Range<usize>,
    /// Whether the stored sum matches the data.
    pub checksum_ok: bool,
}

/// The attributes of the stream `b` (which starts with the signature), in
/// order; an attribute that runs past the end ends the walk with an error.
pub(crate) fn attributes(b: &[u8]) -> impl Iterator<Item = Result<Attr, Bad>> + '_ {
    let mut at = 6usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || at >= b.len() {
            return None;
        }
        let head = b.get(at..at + 9).filter(|h| h.len() == 9);
        let Some(h) = head else {
            failed = true;
            return Some(Err(Bad::Truncated("attribute header")));
        };
        let level = h[0];
        let id = u32::from_le_bytes([h[1], h[2], h[3], h[4]]);
        let len = u32::from_le_bytes([h[5], h[6], h[7], h[8]]) as usize;
        let start = at + 9;
        let Some(end) = start.checked_add(len).filter(|e| e + 2 <= b.len()) else {
            failed = true;
            return Some(Err(Bad::Truncated("attribute")));
        };
        let stored = u16::from_le_bytes([b[end], b[end + 1]]);
        let sum = b[start..end]
            .iter()
            .fold(0u16, |s, &x| s.wrapping_add(u16::from(x)));
        at = end + 2;
        Some(Ok(Attr {
            level,
            id,
            data: start..end,
            checksum_ok: sum == stored,
        }))
    })
}

/// One value of a MAPI property whose values are byte strings (strings,
/// binary, objects): its identifier, its type, and where it is in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Value {
    /// Property identifier (the low word of the tag).
    pub id: u16,
    /// Property type, without the multi-valued flag.
    pub ty: u16,
    /// The value's bytes, within the list.
    pub data: std::ops::Range<usize>,
}

/// Calls `f` with every byte-string value of the MAPI property list `b`
/// (fixed-size values are stepped over). Stops at the first property that
/// does not fit or has no known size, with an error; what came before it
/// was given to `f`.
pub(crate) fn mapi_values(b: &[u8], mut f: impl FnMut(Value)) -> Result<(), Bad> {
    let mut c = Cur { b, at: 0 };
    let count = c.u32("property count")?;
    for _ in 0..count {
        if c.at >= b.len() {
            // More declared than there is: the count is the sender's.
            return Err(Bad::Truncated("property list"));
        }
        let ty = c.u16("property tag")?;
        let id = c.u16("property tag")?;
        if id >= 0x8000 {
            // A named property: its set's GUID, then an id or a name.
            c.skip(16, "named property")?;
            let kind = c.u32("named property")?;
            if kind == 0 {
                c.skip(4, "named property")?;
            } else {
                let n = c.u32("named property")? as usize;
                c.skip(
                    pad4(n).ok_or(Bad::Truncated("named property"))?,
                    "named property",
                )?;
            }
        }
        let multi = ty & 0x1000 != 0;
        let ty = ty & !0x1000;
        let values = if multi || is_counted(ty) {
            c.u32("value count")? as usize
        } else {
            1
        };
        match fixed_size(ty) {
            Some(size) => {
                // Fixed-size values, the whole padded to four bytes.
                let total = size
                    .checked_mul(values)
                    .and_then(pad4)
                    .ok_or(Bad::Truncated("property value"))?;
                c.skip(total, "property value")?;
            }
            None if is_counted(ty) => {
                for _ in 0..values {
                    if c.at >= b.len() {
                        return Err(Bad::Truncated("property value"));
                    }
                    let n = c.u32("value length")? as usize;
                    let start = c.at;
                    c.skip(
                        pad4(n).ok_or(Bad::Truncated("property value"))?,
                        "property value",
                    )?;
                    f(Value {
                        id,
                        ty,
                        data: start..start + n,
                    });
                }
            }
            None => return Err(Bad::UnknownType(ty)),
        }
    }
    Ok(())
}

fn pad4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|x| x & !3)
}

fn is_counted(ty: u16) -> bool {
    matches!(ty, PT_STRING8 | PT_UNICODE | PT_OBJECT | PT_BINARY)
}

fn fixed_size(ty: u16) -> Option<usize> {
    match ty {
        0x0002 | 0x000b => Some(2),
        0x0003 | 0x0004 | 0x000a => Some(4),
        0x0005..=0x0007 | 0x0014 | 0x0040 => Some(8),
        0x0048 => Some(16),
        0x0001 => Some(0),
        _ => None,
    }
}

struct Cur<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cur<'_> {
    fn skip(&mut self, n: usize, what: &'static str) -> Result<(), Bad> {
        match self.at.checked_add(n) {
            Some(e) if e <= self.b.len() => {
                self.at = e;
                Ok(())
            }
            _ => Err(Bad::Truncated(what)),
        }
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, Bad> {
        let s = self.at;
        self.skip(2, what)?;
        Ok(u16::from_le_bytes([self.b[s], self.b[s + 1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, Bad> {
        let s = self.at;
        self.skip(4, what)?;
        Ok(u32::from_le_bytes([
            self.b[s],
            self.b[s + 1],
            self.b[s + 2],
            self.b[s + 3],
        ]))
    }
}

/// The dictionary compressed RTF starts with ([MS-OXRTFCP] 2.1.2.1).
const RTF_PREBUF: &[u8; 207] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// How a compressed RTF value decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Rtf {
    /// Decoded whole (or stored), within the cap.
    Done,
    /// The cap was reached: `out` holds the first `cap` bytes.
    Cut,
    /// The stream ran out before its end marker, or its header is not one:
    /// `out` holds what was decoded.
    Broken(&'static str),
}

/// Decodes a PR_RTF_COMPRESSED value into `out`, at most `cap` bytes.
pub(crate) fn decompress_rtf(b: &[u8], out: &mut Vec<u8>, cap: usize) -> Rtf {
    if b.len() < 16 {
        return Rtf::Broken("header");
    }
    let kind = &b[8..12];
    let body = &b[16..];
    if kind == b"MELA" {
        // Stored: the raw size says how much of the body is the text.
        let raw = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        let n = raw.min(body.len()).min(cap);
        out.extend_from_slice(&body[..n]);
        return if n < raw.min(body.len()) {
            Rtf::Cut
        } else {
            Rtf::Done
        };
    }
    if kind != b"LZFu" {
        return Rtf::Broken("compression type");
    }
    let mut dict = [0u8; 4096];
    dict[..RTF_PREBUF.len()].copy_from_slice(RTF_PREBUF);
    let mut write = RTF_PREBUF.len();
    let mut i = 0usize;
    loop {
        let Some(&control) = body.get(i) else {
            return Rtf::Broken("no end marker");
        };
        i += 1;
        for bit in 0..8 {
            if control & (1 << bit) == 0 {
                let Some(&c) = body.get(i) else {
                    return Rtf::Broken("no end marker");
                };
                i += 1;
                if out.len() >= cap {
                    return Rtf::Cut;
                }
                out.push(c);
                dict[write] = c;
                write = (write + 1) % 4096;
            } else {
                let (Some(&hi), Some(&lo)) = (body.get(i), body.get(i + 1)) else {
                    return Rtf::Broken("no end marker");
                };
                i += 2;
                let word = u16::from_be_bytes([hi, lo]);
                let offset = usize::from(word >> 4);
                let len = usize::from(word & 0xf) + 2;
                if offset == write {
                    return Rtf::Done;
                }
                for k in 0..len {
                    if out.len() >= cap {
                        return Rtf::Cut;
                    }
                    let c = dict[(offset + k) % 4096];
                    out.push(c);
                    dict[write] = c;
                    write = (write + 1) % 4096;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An attribute as Outlook writes it.
    fn attr(level: u8, id: u32, data: &[u8]) -> Vec<u8> {
        let mut v = vec![level];
        v.extend(id.to_le_bytes());
        v.extend((data.len() as u32).to_le_bytes());
        v.extend(data);
        let sum = data.iter().fold(0u16, |s, &x| s.wrapping_add(u16::from(x)));
        v.extend(sum.to_le_bytes());
        v
    }

    #[test]
    fn attributes_in_order_with_their_sums() {
        let mut t = SIGNATURE.to_vec();
        t.extend([0x01, 0x00]);
        t.extend(attr(2, att::ATTACH_TITLE, b"a.txt\0"));
        let mut bad = attr(2, att::ATTACH_DATA, b"hello");
        let n = bad.len();
        bad[n - 1] ^= 1;
        t.extend(bad);
        let got: Vec<_> = attributes(&t).collect::<Result<_, _>>().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(&t[got[0].data.clone()], b"a.txt\0");
        assert!(got[0].checksum_ok);
        assert!(!got[1].checksum_ok);
        // Cut inside the second: the first, then an error.
        let cut: Vec<_> = attributes(&t[..t.len() - 3]).collect();
        assert!(cut[0].is_ok());
        assert_eq!(cut[1], Err(Bad::Truncated("attribute")));
    }

    #[test]
    fn mapi_values_skip_fixed_and_named_properties() {
        let mut p = 3u32.to_le_bytes().to_vec();
        // PT_LONG 0x0E07 = 5.
        p.extend([0x03, 0x00, 0x07, 0x0e]);
        p.extend(5u32.to_le_bytes());
        // A named PT_BOOLEAN with a string name of 3 bytes (padded to 4).
        p.extend([0x0b, 0x00, 0x00, 0x80]);
        p.extend([0u8; 16]);
        p.extend(1u32.to_le_bytes());
        p.extend(3u32.to_le_bytes());
        p.extend([b'a', 0, b'b', 0]);
        p.extend([1, 0, 0, 0]);
        // PT_UNICODE long file name.
        p.extend([0x1f, 0x00, 0x07, 0x37]);
        p.extend(1u32.to_le_bytes());
        p.extend(6u32.to_le_bytes());
        p.extend([b'x', 0, b'.', 0, b'e', 0, 0, 0]);
        let mut got = Vec::new();
        mapi_values(&p, |v| got.push(v)).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, prop::ATTACH_LONG_FILENAME);
        assert_eq!(&p[got[0].data.clone()], &[b'x', 0, b'.', 0, b'e', 0]);
        // A count larger than the list: an error after what fitted.
        let mut more = p.clone();
        more[0] = 9;
        let mut n = 0;
        assert!(mapi_values(&more, |_| n += 1).is_err());
        assert_eq!(n, 1);
    }

    #[test]
    fn compressed_rtf_from_the_specification() {
        // [MS-OXRTFCP] 3.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
        let c = [
            0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5,
            0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42,
            0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0,
            0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0,
        ];
        let mut out = Vec::new();
        assert_eq!(decompress_rtf(&c, &mut out, 1 << 20), Rtf::Done);
        assert_eq!(out, b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
        let mut out = Vec::new();
        assert_eq!(decompress_rtf(&c, &mut out, 10), Rtf::Cut);
        assert_eq!(out.len(), 10);
        let mut out = Vec::new();
        assert!(matches!(
            decompress_rtf(&c[..30], &mut out, 1 << 20),
            Rtf::Broken(_)
        ));
    }
}
