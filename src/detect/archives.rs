//! Archive and compressed formats that infer's table does not know, by
//! their magic numbers: lzop, legacy LZ4, TNEF, ActiveMime, ARJ and LHA
//! (unpacked), and the formats that are named but not opened (ACE, WIM, XAR, squashfs,
//! cramfs, ALZip, EGG, StuffIt, Zoo, framed Snappy, MS-DOS `SZDD` and
//! `KWAJ`), so that what they hold is never passed as plain data: the walk
//! reports an archive it cannot open (`unscannable.unsupported_format`).
//!
//! Each check wants more than a two-byte magic where the format gives
//! more (a header size in range, a second signature), so that ordinary
//! binary files do not match: one `match` on the first byte, run on every
//! object.

/// The type name of the archive `b` starts with, if it is one of these.
pub(crate) fn kind(b: &[u8]) -> Option<&'static str> {
    let at = |off: usize, sig: &[u8]| b.get(off..off + sig.len()) == Some(sig);
    match *b.first()? {
        0x89 if crate::format::lzo::is_lzop(b) => Some("lzo"),
        0x02 if is_lz4_legacy(b) => Some("lz4"),
        0x78 if crate::format::tnef::is_tnef(b) => Some("tnef"),
        b'A' if at(0, crate::format::wordml::ACTIVEMIME) => Some("mso"),
        0x60 if is_arj(b) => Some("arj"),
        b'M' if at(0, b"MSWIM\0\0\0") => Some("wim"),
        b'W' if at(0, b"WLPWM\0\0\0") => Some("wim"),
        b'x' if at(0, b"xar!") && at(4, &[0, 28]) => Some("xar"),
        b'h' if at(0, b"hsqs") && at(28, &[4, 0]) => Some("squashfs"),
        b's' if at(0, b"sqsh") && at(28, &[0, 4]) => Some("squashfs"),
        0x45 if at(0, &[0x45, 0x3d, 0xcd, 0x28]) && at(16, b"Compressed ROMFS") => Some("cramfs"),
        b'A' if at(0, b"ALZ\x01") => Some("alz"),
        b'E' if at(0, b"EGGA") => Some("egg"),
        b'S' if at(0, b"SIT!") && at(10, b"rLau") => Some("sit"),
        b'S' if at(0, b"StuffIt (c)1997-") || at(0, b"StuffIt!") => Some("sit"),
        b'S' if at(0, b"SZDD\x88\xf0\x27\x33") => Some("szdd"),
        b'K' if at(0, b"KWAJ\x88\xf0\x27\xd1") => Some("szdd"),
        b'Z' if at(0, b"ZOO ") && at(20, &[0xdc, 0xa7, 0xc4, 0xfd]) => Some("zoo"),
        0xff if at(0, b"\xff\x06\x00\x00sNaPpY") => Some("snappy"),
        // ACE's magic follows a CRC and a header size: any first byte.
        _ if at(7, b"**ACE**") => Some("ace"),
        _ if is_lha(b) => Some("lzh"),
        _ => None,
    }
}

/// The legacy LZ4 format (`lz4 -l`, the Linux kernel's): its magic, then
/// a first block no larger than the format's 8 MiB bound allows.
fn is_lz4_legacy(b: &[u8]) -> bool {
    matches!(b, [0x02, 0x21, 0x4c, 0x18, a, b2, c, d, ..]
        if u32::from_le_bytes([*a, *b2, *c, *d]) <= (8 << 20) + (8 << 20) / 255 + 16)
}

/// ARJ: `60 ea`, a basic header of sane size whose first part is as long
/// as the format's fixed fields, and the main header's file type (2).
pub(super) fn is_arj(b: &[u8]) -> bool {
    match b {
        [0x60, 0xea, lo, hi, first, _, _, _, _, _, 2, ..] => {
            let size = u16::from_le_bytes([*lo, *hi]);
            (30..=2600).contains(&size) && (30..=size).contains(&u16::from(*first))
        }
        _ => false,
    }
}

/// LHA / LZH: a header length, then `-lh?-`, `-lz?-` or `-pm?-` at
/// offset 2 (the method), with a header level of 0 to 3 at offset 20.
pub(super) fn is_lha(b: &[u8]) -> bool {
    match b {
        [size, _, b'-', m1, m2, _, b'-', ..] => {
            // Level 2 starts with a 16-bit header size; 0 and 1 with a byte.
            matches!((m1, m2), (b'l', b'h') | (b'l', b'z') | (b'p', b'm'))
                && b.get(20)
                    .is_some_and(|&level| level == 2 || (level <= 3 && *size >= 20))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magics_of_each_format() {
        let mut arj = vec![0x60, 0xea, 40, 0, 34, 11, 1, 2, 0, 0, 2];
        arj.resize(64, 0);
        assert_eq!(kind(&arj), Some("arj"));
        let mut lha = vec![30, 0];
        lha.extend(b"-lh5-");
        lha.resize(20, 0);
        lha.extend([1, 0x20]);
        assert_eq!(kind(&lha), Some("lzh"));
        let mut ace = vec![0x3a, 0x7c, 0x31, 0, 0, 0, 0x90];
        ace.extend(b"**ACE**");
        assert_eq!(kind(&ace), Some("ace"));
        assert_eq!(kind(b"MSWIM\0\0\0\xd0\0\0\0"), Some("wim"));
        assert_eq!(kind(b"xar!\0\x1c\0\x01"), Some("xar"));
        let mut sq = b"hsqs".to_vec();
        sq.resize(28, 0);
        sq.extend([4, 0]);
        assert_eq!(kind(&sq), Some("squashfs"));
        assert_eq!(kind(b"SZDD\x88\xf0\x27\x33A\0"), Some("szdd"));
        assert_eq!(kind(b"\xff\x06\x00\x00sNaPpY"), Some("snappy"));
    }

    #[test]
    fn near_misses_are_not_archives() {
        // Two bytes of ARJ's magic on a header of no sane size.
        assert_eq!(kind(&[0x60, 0xea, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 2]), None);
        // A dash-framed word in text is not an LHA header (no level).
        assert_eq!(kind(b"  -lh5- and more text here, no header at all"), None);
        assert_eq!(kind(b"xar!"), None);
        assert_eq!(kind(b"hsqs"), None);
        assert_eq!(kind(b""), None);
        assert_eq!(kind(b"MZ\x90\0"), None);
    }
}
