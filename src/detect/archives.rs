//! Archive and compressed formats that infer's table does not know, by
//! their magic numbers: lzop, legacy LZ4, gzip's old magic, Unix `pack`,
//! TNEF, ActiveMime, ARJ and LHA (unpacked), and the formats that are named but not opened (ACE, WIM, XAR, squashfs,
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
        // gzip's old magic, which gzip still decodes: then deflate and no
        // reserved flag bits, as a member is read.
        0x1f if at(1, &[0x9e, 0x08])
            && b.get(3).is_some_and(|f| f & 0xe0 == 0)
            && b.len() >= 18 =>
        {
            Some("gz")
        }
        // Unix `pack`, which gzip decodes: unpacked with `compress` (both
        // are `.z`), its whole tree checked.
        0x1f if crate::format::pack::is_pack(b) => Some("Z"),
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
        // RAR 1.4 (unrar and WinRAR still extract it): the signature, then
        // the main header's size.
        b'R' if at(0, b"RE~^")
            && b.get(4..6)
                .is_some_and(|s| (7..1024).contains(&u16::from_le_bytes([s[0], s[1]]))) =>
        {
            Some("rar14")
        }
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

/// LHA / LZH: a header length, then a method at offset 2 that LHA writes
/// (`-lh0-` to `-lh7-`, `-lhd-`, `-lzs-`, `-lz4-`, `-lz5-`, `-pm0-` to
/// `-pm2-`), with a header level of 0 to 3 at offset 20.
pub(super) fn is_lha(b: &[u8]) -> bool {
    match b {
        [size, _, b'-', m1, m2, m3, b'-', ..] => {
            let method = match (m1, m2) {
                (b'l', b'h') => matches!(m3, b'0'..=b'7' | b'd'),
                (b'l', b'z') => matches!(m3, b's' | b'4' | b'5'),
                (b'p', b'm') => matches!(m3, b'0'..=b'2'),
                _ => false,
            };
            // Level 2 starts with a 16-bit header size; 0 and 1 with a byte.
            method
                && b.get(20)
                    .is_some_and(|&level| level == 2 || (level <= 3 && *size >= 20))
        }
        _ => false,
    }
}

/// An LHA header that checks out beyond [`is_lha`], for an archive searched
/// for behind another file, where any bytes may look like a method: levels
/// 0 and 1 carry a checksum of their header, and level 2 a chain of
/// extended headers that must end where the header's size says.
pub(super) fn lha_header_checks_out(b: &[u8]) -> bool {
    if !is_lha(b) {
        return false;
    }
    match b[20] {
        0 | 1 => {
            let size = usize::from(b[0]);
            b.get(2..2 + size)
                .is_some_and(|h| h.iter().fold(0u8, |sum, &x| sum.wrapping_add(x)) == b[1])
        }
        2 => {
            let total = usize::from(u16::from_le_bytes([b[0], b[1]]));
            let mut at = 24;
            // Each extended header is at least its size field and type.
            while at + 2 <= total {
                let Some(next) = b.get(at..at + 2) else {
                    return false;
                };
                let next = usize::from(u16::from_le_bytes([next[0], next[1]]));
                if next == 0 {
                    // LHA pads a header whose size would end in a zero byte.
                    return at + 2 == total || at + 3 == total;
                }
                if next < 3 {
                    return false;
                }
                at += next;
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Level 0 and 1 headers by their checksum, level 2 by the chain of
    /// extended headers ending where the header's size says.
    #[test]
    fn lha_headers_that_check_out() {
        let mut l0 = vec![22, 0];
        l0.extend(b"-lh0-");
        l0.resize(20, 0);
        l0.extend([0, 1, b'a']);
        l0.resize(24, 0);
        l0[1] = l0[2..24].iter().fold(0u8, |s, &x| s.wrapping_add(x));
        assert!(lha_header_checks_out(&l0));
        l0[1] ^= 1;
        assert!(!lha_header_checks_out(&l0));
        // Level 2: 26 fixed bytes and one extended header of 5 (its type,
        // two bytes, the next size 0).
        let mut l2 = vec![31, 0];
        l2.extend(b"-lh5-");
        l2.resize(20, 0);
        l2.extend([2, 0, 0, b'U']);
        l2.extend(5u16.to_le_bytes());
        l2.extend([0, 0, 0, 0, 0]);
        assert_eq!(l2.len(), 31);
        assert!(lha_header_checks_out(&l2));
        l2[24] = 6;
        assert!(!lha_header_checks_out(&l2));
    }

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
        // A method byte that LHA never writes is no header.
        lha[5] = 7;
        assert_eq!(kind(&lha), None);
        let mut ace = vec![0x3a, 0x7c, 0x31, 0, 0, 0, 0x90];
        ace.extend(b"**ACE**");
        assert_eq!(kind(&ace), Some("ace"));
        assert_eq!(kind(b"MSWIM\0\0\0\xd0\0\0\0"), Some("wim"));
        assert_eq!(kind(b"RE~^\x07\0\0\0"), Some("rar14"));
        assert_eq!(kind(b"RE~^ is a heading\n"), None);
        assert_eq!(kind(b"xar!\0\x1c\0\x01"), Some("xar"));
        let mut sq = b"hsqs".to_vec();
        sq.resize(28, 0);
        sq.extend([4, 0]);
        assert_eq!(kind(&sq), Some("squashfs"));
        assert_eq!(kind(b"SZDD\x88\xf0\x27\x33A\0"), Some("szdd"));
        assert_eq!(kind(b"\xff\x06\x00\x00sNaPpY"), Some("snappy"));
        let mut old_gzip = vec![0x1f, 0x9e, 8, 0];
        old_gzip.resize(20, 0);
        assert_eq!(kind(&old_gzip), Some("gz"));
        old_gzip[3] = 0x20; // a reserved flag
        assert_eq!(kind(&old_gzip), None);
        let packed = crate::format::pack::tests::AB;
        assert_eq!(kind(packed), Some("Z"));
        assert_eq!(kind(&packed[..8]), None);
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
