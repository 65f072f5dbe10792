//! The legacy `.lzma` format (LZMA-alone) and 7-Zip's LZMA86, which have
//! no magic number: their headers, read as xz and 7-Zip read them.

/// The legacy `.lzma` format (LZMA-alone), which has no magic number: its
/// 13-byte header is read much as xz's own detection reads it. The
/// properties byte must be valid, the dictionary 2^n or 2^n + 2^(n-1) bytes
/// (4 KiB to 1.5 GiB), the size unknown or 1 byte to 256 GiB, and the range
/// coder's first byte zero.
pub(crate) fn is_alone(b: &[u8]) -> bool {
    if b.len() < 14 || b[0] > 224 || b[13] != 0 {
        return false;
    }
    let dict = u32::from_le_bytes([b[1], b[2], b[3], b[4]]);
    let size = u64::from_le_bytes([b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12]]);
    if !(4096..=3 << 29).contains(&dict) {
        return false;
    }
    // Nonzero here, so the shift is by at most 31.
    let odd = dict >> dict.trailing_zeros();
    (odd == 1 || odd == 3) && (size == u64::MAX || (1..1 << 38).contains(&size))
}

/// LZMA86 (7-Zip's `Lzma86.h`): a filter byte (0 for none, 1 for the x86
/// branch filter), then an LZMA-alone header. 7-Zip opens it whatever the
/// file is named.
pub(crate) fn is_lzma86(b: &[u8]) -> bool {
    matches!(b.first(), Some(0 | 1)) && is_alone(&b[1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_lzma_headers() {
        let mut h = vec![
            0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
        ];
        assert!(is_alone(&h));
        h[1..5].copy_from_slice(&(3u32 << 20).to_le_bytes());
        assert!(is_alone(&h));
        for dict in [0u32, 1, 4095, 5 << 20, u32::MAX] {
            h[1..5].copy_from_slice(&dict.to_le_bytes());
            assert!(!is_alone(&h), "{dict}");
        }
    }

    #[test]
    fn lzma86_headers() {
        let mut h = vec![0, 0x5d, 0, 0, 0x80, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(is_lzma86(&h) && !is_alone(&h));
        h[0] = 1;
        assert!(is_lzma86(&h));
        h[0] = 2;
        assert!(!is_lzma86(&h));
    }
}
