//! Offsets where one of a few two-byte pairs starts: the candidates of the
//! case-insensitive search of pages (`super::ascii`) and of the search for
//! archives and executables behind another file (`detect::embedded`).
//!
//! Each offset is tested on both of its bytes at once, 32 offsets a step
//! on x86-64. The width of the lanes depends on the CPU (see [`wide`]).

/// Calls `f(at)` at each offset `at` where `(data[at] | FOLD,
/// data[at + 1] | FOLD)` is one of `pairs`, in order, while `f` returns
/// true. With `FOLD` 0 the bytes are compared as they are; with 0x20 (and
/// pairs in lowercase) ASCII letters in either case are candidates, with
/// the few other bytes that fold there.
pub(crate) fn each<const N: usize, const FOLD: u8>(
    data: &[u8],
    pairs: [[u8; 2]; N],
    f: &mut impl FnMut(usize) -> bool,
) {
    #[cfg(target_arch = "x86_64")]
    let from = {
        // Past a few pairs, each byte's pairs are looked up by its nibbles
        // (one lookup whatever their number) rather than compared pair by
        // pair.
        let table = N > TABLE_FROM && N <= 8;
        let rest = if wide() {
            if table {
                // SAFETY: `wide` is true only where the CPU has AVX2.
                unsafe { table_avx2::<N, FOLD>(data, pairs, f) }
            } else {
                // SAFETY: as above.
                unsafe { steps_avx2::<N, FOLD>(data, pairs, f) }
            }
        } else if table && std::arch::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3, checked just above.
            unsafe { table_ssse3::<N, FOLD>(data, pairs, f) }
        } else {
            // SAFETY: SSE2 is part of x86-64: every CPU of this target has it.
            unsafe { steps_sse2::<N, FOLD>(data, pairs, f) }
        };
        match rest {
            Some(at) => at,
            None => return,
        }
    };
    #[cfg(not(target_arch = "x86_64"))]
    let from = 0;
    for at in from..data.len().saturating_sub(1) {
        let (a, b) = (data[at] | FOLD, data[at + 1] | FOLD);
        if pairs.contains(&[a, b]) && !f(at) {
            return;
        }
    }
}

/// Whether the passes run in 256-bit AVX2 lanes rather than SSE2's 128:
/// where the CPU has AVX2 and not AVX-512.
///
/// Measured both ways. On this project's Xeon (AVX-512), a signature scan
/// that follows a long AVX2 pass over the same bytes ran 6 to 9% slower,
/// on images, PDFs and random binaries alike, than after the same pass in
/// SSE2 lanes or after none (21.7 ms against 20.3 for 37 MB of binaries,
/// where the pass itself took 2.1 ms in AVX2 and 3.0 in SSE2): likely the
/// core's clock held lower for a while after a run of 256-bit
/// instructions, as such Xeons do. On an AMD EPYC without AVX-512 the scan
/// ran as fast after either pass (179 ms a round of 148 MB of binaries,
/// images and PDFs, after none, SSE2 or AVX2), and the pass took 13.7 ms
/// in AVX2 against 22.1 in SSE2.
#[cfg(target_arch = "x86_64")]
pub(crate) fn wide() -> bool {
    // Both answers are cached by the standard library after the first ask.
    std::arch::is_x86_feature_detected!("avx2") && !std::arch::is_x86_feature_detected!("avx512f")
}

/// The offsets from 0 in steps of 32 while 33 bytes are left (a pair at a
/// step's last offset needs the byte after it): `mask(at)` gives the
/// candidates among the 32 offsets at `at`, one bit each. `Some` of where
/// the rest of the offsets (fewer than 33) start when `f` wants more,
/// `None` when it is done.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn steps(
    data: &[u8],
    mask: impl Fn(*const u8) -> u32,
    f: &mut impl FnMut(usize) -> bool,
) -> Option<usize> {
    let mut at = 0;
    while at + 33 <= data.len() {
        // SAFETY: `at + 33 <= data.len()`: the pointer has 33 bytes of
        // `data` behind it, which is what `mask` reads.
        let mut m = mask(unsafe { data.as_ptr().add(at) });
        while m != 0 {
            if !f(at + m.trailing_zeros() as usize) {
                return None;
            }
            m &= m - 1;
        }
        at += 32;
    }
    Some(at)
}

/// [`steps`] in two 16-byte halves a step.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn steps_sse2<const N: usize, const FOLD: u8>(
    data: &[u8],
    pairs: [[u8; 2]; N],
    f: &mut impl FnMut(usize) -> bool,
) -> Option<usize> {
    use std::arch::x86_64::*;
    let fold = _mm_set1_epi8(FOLD as i8);
    let firsts = pairs.map(|p| _mm_set1_epi8(p[0] as i8));
    let seconds = pairs.map(|p| _mm_set1_epi8(p[1] as i8));
    // The candidates among the 16 offsets at `here`, one bit each.
    let half = |here: *const u8| {
        // SAFETY: `steps` passes pointers with 33 bytes of `data` behind
        // them and the halves start at most 16 in: both 16-byte loads end
        // within `data`; `loadu` takes any alignment.
        let (x, y) = unsafe {
            (
                _mm_loadu_si128(here.cast()),
                _mm_loadu_si128(here.add(1).cast()),
            )
        };
        let (x, y) = (_mm_or_si128(x, fold), _mm_or_si128(y, fold));
        let mut hits = _mm_setzero_si128();
        for k in 0..N {
            let both = _mm_and_si128(_mm_cmpeq_epi8(x, firsts[k]), _mm_cmpeq_epi8(y, seconds[k]));
            hits = _mm_or_si128(hits, both);
        }
        _mm_movemask_epi8(hits) as u32
    };
    // SAFETY (of `add(16)`): as above, 17 bytes are left from there.
    steps(
        data,
        |here| half(here) | half(unsafe { here.add(16) }) << 16,
        f,
    )
}

/// [`steps`] in one 32-byte lane a step.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_avx2<const N: usize, const FOLD: u8>(
    data: &[u8],
    pairs: [[u8; 2]; N],
    f: &mut impl FnMut(usize) -> bool,
) -> Option<usize> {
    use std::arch::x86_64::*;
    let fold = _mm256_set1_epi8(FOLD as i8);
    let firsts = pairs.map(|p| _mm256_set1_epi8(p[0] as i8));
    let seconds = pairs.map(|p| _mm256_set1_epi8(p[1] as i8));
    let step = |here: *const u8| {
        // SAFETY: `steps` passes pointers with 33 bytes of `data` behind
        // them: both 32-byte loads end within `data`; `loadu` takes any
        // alignment.
        let (x, y) = unsafe {
            (
                _mm256_loadu_si256(here.cast()),
                _mm256_loadu_si256(here.add(1).cast()),
            )
        };
        let (x, y) = (_mm256_or_si256(x, fold), _mm256_or_si256(y, fold));
        let mut hits = _mm256_setzero_si256();
        for k in 0..N {
            let both = _mm256_and_si256(
                _mm256_cmpeq_epi8(x, firsts[k]),
                _mm256_cmpeq_epi8(y, seconds[k]),
            );
            hits = _mm256_or_si256(hits, both);
        }
        _mm256_movemask_epi8(hits) as u32
    };
    steps(data, step, f)
}

/// Up to this many pairs, comparing each costs less than the lookup.
const TABLE_FROM: usize = 3;

/// Nibble tables of one byte of each pair: bit `k` of `lo[n]` is set when
/// pair `k`'s byte has the low nibble `n`, of `hi[n]` the high nibble `n`.
/// A byte `x` is pair `k`'s byte exactly when bit `k` is set in both
/// `lo[x & 15]` and `hi[x >> 4]`.
fn nibble_tables<const N: usize>(pairs: &[[u8; 2]; N], which: usize) -> ([u8; 16], [u8; 16]) {
    let (mut lo, mut hi) = ([0u8; 16], [0u8; 16]);
    for (k, p) in pairs.iter().enumerate() {
        lo[usize::from(p[which] & 15)] |= 1 << k;
        hi[usize::from(p[which] >> 4)] |= 1 << k;
    }
    (lo, hi)
}

/// [`steps`] in two 16-byte halves a step, each byte's pairs looked up by
/// its nibbles (SSSE3's byte shuffle): at most 8 pairs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
fn table_ssse3<const N: usize, const FOLD: u8>(
    data: &[u8],
    pairs: [[u8; 2]; N],
    f: &mut impl FnMut(usize) -> bool,
) -> Option<usize> {
    use std::arch::x86_64::*;
    let load = |t: [u8; 16]| {
        // SAFETY: a 16-byte array; `loadu` takes any alignment.
        unsafe { _mm_loadu_si128(t.as_ptr().cast()) }
    };
    let ((lo1, hi1), (lo2, hi2)) = (nibble_tables(&pairs, 0), nibble_tables(&pairs, 1));
    let (lo1, hi1, lo2, hi2) = (load(lo1), load(hi1), load(lo2), load(hi2));
    let fold = _mm_set1_epi8(FOLD as i8);
    let nibble = _mm_set1_epi8(0x0f);
    let classes = |v: __m128i, lo: __m128i, hi: __m128i| {
        let l = _mm_shuffle_epi8(lo, _mm_and_si128(v, nibble));
        let h = _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
        _mm_and_si128(l, h)
    };
    let half = |here: *const u8| {
        // SAFETY: as in `steps_sse2`.
        let (x, y) = unsafe {
            (
                _mm_loadu_si128(here.cast()),
                _mm_loadu_si128(here.add(1).cast()),
            )
        };
        let (x, y) = (_mm_or_si128(x, fold), _mm_or_si128(y, fold));
        let hits = _mm_and_si128(classes(x, lo1, hi1), classes(y, lo2, hi2));
        !(_mm_movemask_epi8(_mm_cmpeq_epi8(hits, _mm_setzero_si128())) as u32) & 0xffff
    };
    // SAFETY (of `add(16)`): as in `steps_sse2`.
    steps(
        data,
        |here| half(here) | half(unsafe { here.add(16) }) << 16,
        f,
    )
}

/// [`table_ssse3`] in one 32-byte lane a step (AVX2's shuffle works in
/// each 16-byte half: the tables are in both).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn table_avx2<const N: usize, const FOLD: u8>(
    data: &[u8],
    pairs: [[u8; 2]; N],
    f: &mut impl FnMut(usize) -> bool,
) -> Option<usize> {
    use std::arch::x86_64::*;
    let load = |t: [u8; 16]| {
        // SAFETY: a 16-byte array; `loadu` takes any alignment.
        let half = unsafe { _mm_loadu_si128(t.as_ptr().cast()) };
        _mm256_broadcastsi128_si256(half)
    };
    let ((lo1, hi1), (lo2, hi2)) = (nibble_tables(&pairs, 0), nibble_tables(&pairs, 1));
    let (lo1, hi1, lo2, hi2) = (load(lo1), load(hi1), load(lo2), load(hi2));
    let fold = _mm256_set1_epi8(FOLD as i8);
    let nibble = _mm256_set1_epi8(0x0f);
    let classes = |v: __m256i, lo: __m256i, hi: __m256i| {
        let l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nibble));
        let h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
        _mm256_and_si256(l, h)
    };
    let step = |here: *const u8| {
        // SAFETY: as in `steps_avx2`.
        let (x, y) = unsafe {
            (
                _mm256_loadu_si256(here.cast()),
                _mm256_loadu_si256(here.add(1).cast()),
            )
        };
        let (x, y) = (_mm256_or_si256(x, fold), _mm256_or_si256(y, fold));
        let hits = _mm256_and_si256(classes(x, lo1, hi1), classes(y, lo2, hi2));
        !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hits, _mm256_setzero_si256())) as u32)
    };
    steps(data, step, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SIGNATURES: [[u8; 2]; 3] = [*b"PK", *b"MZ", *b"7z"];

    /// Every candidate through `each`, and through each lane width this
    /// CPU has, which must all agree.
    fn all<const N: usize, const FOLD: u8>(data: &[u8], pairs: [[u8; 2]; N]) -> Vec<usize> {
        let mut out = Vec::new();
        each::<N, FOLD>(data, pairs, &mut |at| {
            out.push(at);
            true
        });
        #[cfg(target_arch = "x86_64")]
        {
            let tail = |from: usize, got: &mut Vec<usize>| {
                for at in from..data.len().saturating_sub(1) {
                    if pairs.contains(&[data[at] | FOLD, data[at + 1] | FOLD]) {
                        got.push(at);
                    }
                }
            };
            let mut narrow = Vec::new();
            // SAFETY: SSE2 is part of x86-64.
            let rest = unsafe {
                steps_sse2::<N, FOLD>(data, pairs, &mut |at| {
                    narrow.push(at);
                    true
                })
            };
            tail(rest.expect("never stopped"), &mut narrow);
            assert_eq!(narrow, out, "SSE2 lanes");
            if std::arch::is_x86_feature_detected!("avx2") {
                let mut wide = Vec::new();
                // SAFETY: the CPU has AVX2, checked just above.
                let rest = unsafe {
                    steps_avx2::<N, FOLD>(data, pairs, &mut |at| {
                        wide.push(at);
                        true
                    })
                };
                tail(rest.expect("never stopped"), &mut wide);
                assert_eq!(wide, out, "AVX2 lanes");
                let mut table = Vec::new();
                // SAFETY: the CPU has AVX2, checked above.
                let rest = unsafe {
                    table_avx2::<N, FOLD>(data, pairs, &mut |at| {
                        table.push(at);
                        true
                    })
                };
                tail(rest.expect("never stopped"), &mut table);
                assert_eq!(table, out, "AVX2 nibble tables");
            }
            if std::arch::is_x86_feature_detected!("ssse3") {
                let mut table = Vec::new();
                // SAFETY: the CPU has SSSE3, checked just above.
                let rest = unsafe {
                    table_ssse3::<N, FOLD>(data, pairs, &mut |at| {
                        table.push(at);
                        true
                    })
                };
                tail(rest.expect("never stopped"), &mut table);
                assert_eq!(table, out, "SSSE3 nibble tables");
            }
        }
        out
    }

    fn naive<const N: usize, const FOLD: u8>(data: &[u8], pairs: [[u8; 2]; N]) -> Vec<usize> {
        (0..data.len().saturating_sub(1))
            .filter(|&i| pairs.contains(&[data[i] | FOLD, data[i + 1] | FOLD]))
            .collect()
    }

    #[test]
    fn pairs_at_every_lane_and_both_ends_are_found() {
        for len in [0usize, 1, 2, 31, 32, 33, 34, 64, 65, 66, 100] {
            for at in 0..len.saturating_sub(1) {
                for pair in SIGNATURES {
                    let mut data = vec![b'x'; len];
                    data[at..at + 2].copy_from_slice(&pair);
                    assert_eq!(
                        all::<3, 0>(&data, SIGNATURES),
                        vec![at],
                        "{pair:?} at {at} of {len}"
                    );
                }
            }
        }
        // Halves of pairs, and pairs in the other case, are not pairs
        // unless folded.
        let data = b"P K M Z 7 z pk mz 7Z KP ZM z7 and enough to fill a step or two";
        assert_eq!(all::<3, 0>(data, SIGNATURES), Vec::<usize>::new());
        assert_eq!(all::<1, 0x20>(b"xx<SC <sc", [*b"<s"]), vec![2, 6]);
    }

    #[test]
    fn stopping_stops() {
        let data = [b"PK".as_slice(); 40].concat();
        let mut seen = Vec::new();
        each::<3, 0>(&data, SIGNATURES, &mut |at| {
            seen.push(at);
            seen.len() < 3
        });
        assert_eq!(seen, vec![0, 2, 4]);
    }

    proptest! {
        #[test]
        fn agree_with_a_byte_by_byte_search(
            data in proptest::collection::vec(
                prop_oneof![Just(b'P'), Just(b'K'), Just(b'M'), Just(b'Z'), Just(b'7'), Just(b'z'), Just(b'<'), Just(b'S'), Just(b'R'), Just(b'a'), Just(0x60), Just(0xea), Just(b'-'), Just(b'l'), any::<u8>()],
                0..300,
            ),
        ) {
            prop_assert_eq!(all::<3, 0>(&data, SIGNATURES), naive::<3, 0>(&data, SIGNATURES));
            prop_assert_eq!(all::<1, 0x20>(&data, [*b"<s"]), naive::<1, 0x20>(&data, [*b"<s"]));
            prop_assert_eq!(all::<2, 0x20>(&data, [*b"pk", *b"7z"]), naive::<2, 0x20>(&data, [*b"pk", *b"7z"]));
            // Past `TABLE_FROM` pairs, the nibble tables: pairs that share
            // a byte or a nibble (`MZ`, `MS`, `Ra`, `Z7`), folded or not.
            let many = [*b"PK", *b"MZ", *b"7z", *b"Ra", *b"MS", [0x60, 0xea], *b"-l", *b"Z7"];
            prop_assert_eq!(all::<8, 0>(&data, many), naive::<8, 0>(&data, many));
            let folded = [*b"pk", *b"mz", *b"<s", *b"ms", *b"z7"];
            prop_assert_eq!(all::<5, 0x20>(&data, folded), naive::<5, 0x20>(&data, folded));
        }
    }
}
