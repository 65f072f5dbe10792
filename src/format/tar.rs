//! The tar header: what detection needs to recognise one and the unpacker
//! needs to read one, with the maps of GNU's sparse files. Pure: no I/O.

pub(crate) const BLOCK: u64 = 512;

/// True when the first block is a tar header: its checksum is right.
pub(crate) fn header_is_valid(b: &[u8]) -> bool {
    let Some(h) = b.get(..512) else { return false };
    // Text fails here, before the 512-byte sum below.
    if !holds_a_number(&h[148..156]) {
        return false;
    }
    let Some(stored) = octal(&h[148..156]) else {
        return false;
    };
    // One pass for both sums (old tars summed signed bytes), the checksum
    // field counted as spaces. An all-zero block sums to 256, never to its
    // stored 0, so it is not a header. This runs on every object scanned.
    // In 32 bits (512 bytes sum to under 2^17), which vectorises: the
    // signed sum is the unsigned one less 256 for each byte of 0x80 and up.
    let field = 148..156;
    let sum = |b: &[u8]| b.iter().map(|&x| u32::from(x)).sum::<u32>();
    let high = |b: &[u8]| b.iter().map(|&x| u32::from(x >> 7)).sum::<u32>();
    let unsigned = sum(h) - sum(&h[field.clone()]) + 8 * 32;
    let signed = i64::from(unsigned) - 256 * i64::from(high(h) - high(&h[field]));
    stored == u64::from(unsigned) || stored as i64 == signed
}

/// An octal field, or GNU's base-256 form.
pub(crate) fn octal(f: &[u8]) -> Option<u64> {
    if f.first().is_some_and(|&b| b & 0x80 != 0) {
        let mut v: u64 = (f[0] & 0x7f) as u64;
        for &b in &f[1..] {
            v = v.checked_mul(256)?.checked_add(b as u64)?;
        }
        return Some(v);
    }
    let mut v: u64 = 0;
    for &b in f
        .iter()
        .skip_while(|&&b| b == b' ' || b == 0)
        .take_while(|&&b| (b'0'..=b'7').contains(&b))
    {
        v = v.checked_mul(8)?.checked_add((b - b'0') as u64)?;
    }
    Some(v)
}

/// True when a numeric field holds a number in either form `octal` reads:
/// base-256, or an octal digit after its padding. GNU tar rejects a
/// checksum field of blanks, so no header has one; it takes a base-256
/// checksum, so that form must pass.
fn holds_a_number(f: &[u8]) -> bool {
    f.first().is_some_and(|&b| b & 0x80 != 0)
        || f.iter()
            .find(|&&b| b != b' ' && b != 0)
            .is_some_and(|b| (b'0'..=b'7').contains(b))
}

/// A NUL-terminated field.
pub(crate) fn cstr(f: &[u8]) -> &[u8] {
    &f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())]
}

/// One extent of a sparse file's data: its offset in the file and its
/// length. What lies between extents reads as zeros.
pub(crate) type Extent = (u64, u64);

/// The size of one extent's record in an old GNU header: offset and
/// length, 12 bytes each.
const EXTENT_RECORD: usize = 24;

/// The extents of an old GNU sparse entry (type `S`): up to four in its
/// header (at offset 386, the flag that more follow at 482, the real size
/// at 483), then 21 in each extension block that `after` (the blocks after
/// the header) holds while the flag says so. An empty record ends a list.
///
/// Readers differ on a header whose list ends before its four slots do and
/// whose flag is set: GNU tar then reads no extension block (they are the
/// entry's data), Go, Python and libarchive read them. `gnu_rule` chooses
/// GNU tar's reading. Gives the extents, the real size, how many extension
/// blocks were read, and whether the header is one the readers differ on;
/// `None` when the blocks run past `after`.
pub(crate) fn old_gnu_sparse(
    header: &[u8],
    after: &[u8],
    gnu_rule: bool,
) -> Option<(Vec<Extent>, u64, usize, bool)> {
    let mut extents = Vec::new();
    // Reads up to `n` records; true when all `n` were there.
    let read = |area: &[u8], n: usize, out: &mut Vec<Extent>| {
        for r in area.chunks_exact(EXTENT_RECORD).take(n) {
            if r[0] == 0 {
                return false;
            }
            if let (Some(off), Some(len)) = (octal(&r[..12]), octal(&r[12..])) {
                out.push((off, len));
            }
        }
        true
    };
    let full = read(header.get(386..482)?, 4, &mut extents);
    let real = octal(header.get(483..495)?)?;
    let flagged = header[482] != 0;
    let ambiguous = flagged && !full;
    let mut more = flagged && (full || !gnu_rule);
    let mut blocks = 0usize;
    while more {
        let block = after.get(blocks * BLOCK as usize..(blocks + 1) * BLOCK as usize)?;
        read(&block[..504], 21, &mut extents);
        more = block[504] != 0;
        blocks += 1;
    }
    Some((extents, real, blocks, ambiguous))
}

/// The map that starts the data of a pax sparse entry of format 1.0: the
/// number of extents, then each one's offset and length, one decimal
/// number a line, padded to a whole block. Gives the extents and where the
/// file's data starts; `None` when the map is not that. Nothing is
/// allocated from the count: extents are kept as they are read.
pub(crate) fn pax_sparse_map(data: &[u8]) -> Option<(Vec<Extent>, usize)> {
    let mut pos = 0usize;
    let mut number = || {
        let rest = data.get(pos..)?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        let digits = &rest[..end];
        if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        pos += end + 1;
        std::str::from_utf8(digits).ok()?.parse::<u64>().ok()
    };
    let count = number()?;
    let mut extents = Vec::new();
    for _ in 0..count {
        let off = number()?;
        let len = number()?;
        extents.push((off, len));
    }
    let start = pos.div_ceil(BLOCK as usize) * BLOCK as usize;
    Some((extents, start))
}

/// True when extents can be laid out as GNU tar lays them: in order, none
/// overlapping the one before, all within the real size.
pub(crate) fn extents_are_sound(extents: &[Extent], real: u64) -> bool {
    let mut end = 0u64;
    extents.iter().all(|&(off, len)| {
        let ok = off >= end && off.checked_add(len).is_some_and(|e| e <= real);
        end = off.saturating_add(len);
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(off: u64, len: u64) -> Vec<u8> {
        format!("{off:011o}\0{len:011o}\0").into_bytes()
    }

    #[test]
    fn old_gnu_sparse_maps_with_extension_blocks() {
        let mut h = vec![0u8; 512];
        for (i, (off, len)) in [(0, 10), (100, 5), (200, 5), (300, 5)].iter().enumerate() {
            h[386 + i * 24..386 + (i + 1) * 24].copy_from_slice(&record(*off, *len));
        }
        h[482] = 1;
        h[483..495].copy_from_slice(b"00000001000\0");
        let mut ext = vec![0u8; 512];
        ext[..24].copy_from_slice(&record(400, 7));
        for gnu_rule in [false, true] {
            let (extents, real, blocks, ambiguous) = old_gnu_sparse(&h, &ext, gnu_rule).unwrap();
            assert_eq!(extents.len(), 5);
            assert_eq!(extents[4], (400, 7));
            assert_eq!((real, blocks, ambiguous), (0o1000, 1, false));
            assert!(extents_are_sound(&extents, real));
        }
        // A list that ends in the header, and the flag set: GNU tar reads
        // no extension block, the others do.
        let mut short = h.clone();
        short[386 + 72..386 + 96].fill(0);
        let (e, _, blocks, ambiguous) = old_gnu_sparse(&short, &ext, false).unwrap();
        assert_eq!((e.len(), blocks, ambiguous), (4, 1, true));
        let (e, _, blocks, ambiguous) = old_gnu_sparse(&short, &ext, true).unwrap();
        assert_eq!((e.len(), blocks, ambiguous), (3, 0, true));
        // The flag says more follow, and nothing does.
        ext[504] = 1;
        assert_eq!(old_gnu_sparse(&h, &ext, false), None);
    }

    #[test]
    fn pax_sparse_maps() {
        let mut data = b"2\n0\n3\n10\n2\n".to_vec();
        data.resize(512, 0);
        data.extend(b"abcde");
        assert_eq!(pax_sparse_map(&data), Some((vec![(0, 3), (10, 2)], 512)));
        // A count far past what the bytes hold ends with them.
        assert_eq!(pax_sparse_map(b"99999999999\n1\n2\n"), None);
        assert_eq!(pax_sparse_map(b"x\n"), None);
        assert!(!extents_are_sound(&[(10, 5), (12, 1)], 100));
        assert!(!extents_are_sound(&[(10, 5)], 12));
        assert!(extents_are_sound(&[(0, 0), (10, 5)], 15));
    }

    #[test]
    fn octal_and_base256() {
        assert_eq!(octal(b"0000644\0"), Some(0o644));
        assert_eq!(octal(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), Some(256));
        assert_eq!(octal(b"        "), Some(0));
    }

    #[test]
    fn checksum_in_either_form() {
        let mut h = [0u8; 512];
        h[..5].copy_from_slice(b"a.txt");
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        let mut octal_form = h;
        octal_form[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        assert!(header_is_valid(&octal_form));
        let mut base256 = h;
        base256[148..152].copy_from_slice(&[0x80, 0, 0, 0]);
        base256[152..156].copy_from_slice(&sum.to_be_bytes());
        // The checksum field counts as spaces, whatever it holds.
        assert!(header_is_valid(&base256));
        let mut blank = h;
        blank[148..156].copy_from_slice(b"        ");
        assert!(!header_is_valid(&blank));
    }

    /// The sums as first written, in 64 bits byte by byte.
    fn reference(h: &[u8]) -> bool {
        let Some(stored) = octal(&h[148..156]) else {
            return false;
        };
        let (mut unsigned, mut signed) = (0u64, 0i64);
        for (i, &x) in h[..512].iter().enumerate() {
            let x = if (148..156).contains(&i) { b' ' } else { x };
            unsigned += x as u64;
            signed += x as i8 as i64;
        }
        holds_a_number(&h[148..156]) && (stored == unsigned || stored as i64 == signed)
    }

    proptest::proptest! {
        #[test]
        fn the_sums_agree_with_the_byte_by_byte_ones(
            mut h in proptest::collection::vec(proptest::prelude::any::<u8>(), 512),
            high in 0usize..512,
            form in 0u8..3,
        ) {
            // Many bytes of 0x80 and up, so that the two sums differ.
            for b in &mut h[..high] {
                *b |= 0x80;
            }
            let mut spaced = h.clone();
            spaced[148..156].fill(b' ');
            let unsigned: i64 = spaced.iter().map(|&b| i64::from(b)).sum();
            let signed: i64 = spaced.iter().map(|&b| i64::from(b as i8)).sum();
            match form {
                0 => h[148..156].copy_from_slice(format!("{unsigned:06o}\0 ").as_bytes()),
                1 if signed >= 0 => h[148..156].copy_from_slice(format!("{signed:06o}\0 ").as_bytes()),
                _ => {}
            }
            proptest::prop_assert_eq!(header_is_valid(&h), reference(&h));
            if form == 0 {
                proptest::prop_assert!(header_is_valid(&h));
            }
        }
    }
}
