//! The tar header: what detection needs to recognise one and the unpacker
//! needs to read one. Pure: no allocation, no I/O.

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

#[cfg(test)]
mod tests {
    use super::*;

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
