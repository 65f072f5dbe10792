//! Archives and executables that start after offset 0: a zip, a PE or a
//! 7z glued behind an image, a document or a self-extractor's stub.
//!
//! Their signatures all begin with a pair of bytes (`PK`, `MZ`, `7z`), and
//! one pass finds the three pairs together (in SSE2 lanes on x86-64),
//! where a search per signature read every binary object three times over.
//! Each signature keeps its own number of candidates, as it had with its
//! own search, and the pass ends when all three are settled.

use super::{Detection, FileType, TypeAt, TypeGroup, known, pe};
use crate::format::{sevenz, zip};

/// How many `MZ` or 7z signatures are tried before giving up on each.
const SEARCH_HITS: usize = 256;

/// Pushes onto `d.types` the archives and executables found in `data`
/// after its start (a zip also at its start, when `primary` is not one).
pub(super) fn find(data: &[u8], primary: FileType, d: &mut Detection) {
    // Every zip entry that can be extracted has a NUL byte in its headers
    // (the method field, 0 or 8, is two bytes), and so does a PE
    // ("PE\0\0"), and a 7z's version: bytes without one hold none of them.
    if memchr::memchr(0, data).is_none() {
        return;
    }
    // A zip read by its structure needs no candidates; else up to
    // `zip::LFH_CANDIDATES` local headers are tried in order.
    let mut zip_at = zip::archive_offset_by_structure(data);
    let mut lfh_left = if zip_at.is_some() {
        0
    } else {
        zip::LFH_CANDIDATES
    };
    // An executable's own `MZ` is at 0: behind another one, the search
    // starts past it.
    let mz_from = if primary.group() == TypeGroup::Executable {
        2
    } else {
        1
    };
    let (mut mz_left, mut sevenz_left) = (SEARCH_HITS, SEARCH_HITS);
    let mut found = Vec::new();
    pairs(data, &mut |at, first| {
        match first {
            b'P' if lfh_left > 0 && data[at..].starts_with(zip::LFH) => {
                lfh_left -= 1;
                if zip::local_checks_out(data, at as u64) {
                    zip_at = Some(at as u64);
                    lfh_left = 0;
                }
            }
            b'M' if mz_left > 0 && at >= mz_from => {
                mz_left -= 1;
                if pe::is_pe(&data[at..]) {
                    found.push(TypeAt {
                        ty: pe::classify(&data[at..]),
                        offset: at as u64,
                    });
                    mz_left = 0;
                }
            }
            b'7' if sevenz_left > 0 && at >= 1 && data[at..].starts_with(sevenz::SIGNATURE) => {
                sevenz_left -= 1;
                if sevenz::starts_archive(&data[at..]) {
                    found.push(TypeAt {
                        ty: known::SEVENZ,
                        offset: at as u64,
                    });
                    sevenz_left = 0;
                }
            }
            _ => {}
        }
        lfh_left + mz_left + sevenz_left > 0
    });
    if let Some(offset) = zip_at {
        d.types.push(TypeAt {
            ty: known::ZIP,
            offset,
        });
    }
    d.types.extend(found);
    d.types[1..].sort_by_key(|t| t.offset);
}

/// Calls `f(at, first byte)` at each offset where `PK`, `MZ` or `7z`
/// starts, in order, while it returns true.
fn pairs(data: &[u8], f: &mut impl FnMut(usize, u8) -> bool) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86-64: every CPU of this target has it.
    let from = match unsafe { pairs_sse2(data, f) } {
        Some(at) => at,
        None => return,
    };
    #[cfg(not(target_arch = "x86_64"))]
    let from = 0;
    for at in from..data.len().saturating_sub(1) {
        if is_pair(data[at], data[at + 1]) && !f(at, data[at]) {
            return;
        }
    }
}

/// One of the three pairs.
fn is_pair(a: u8, b: u8) -> bool {
    matches!((a, b), (b'P', b'K') | (b'M', b'Z') | (b'7', b'z'))
}

/// [`pairs`] over 32 offsets at a time, in two 16-byte halves; `Some` of
/// where the rest of the offsets start when `f` wants more, `None` when it
/// is done.
///
/// SSE2, which every x86-64 CPU has, and not AVX2. With AVX2 the pass was
/// quicker by itself (2.1 ms against 3.0 over 37 MB of random binaries, on
/// this project's Xeon), but the signature scan that follows it on the same
/// bytes was slower by more (21.7 ms against 20.3, where a scan after no
/// pass at all took 20.3): likely the CPU running at a lower clock for a
/// while after a long run of 256-bit instructions, and the scan being what
/// runs then.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn pairs_sse2(data: &[u8], f: &mut impl FnMut(usize, u8) -> bool) -> Option<usize> {
    use std::arch::x86_64::*;
    let splat = |b: u8| _mm_set1_epi8(b as i8);
    let (p, k, m, z, seven, zed) = (
        splat(b'P'),
        splat(b'K'),
        splat(b'M'),
        splat(b'Z'),
        splat(b'7'),
        splat(b'z'),
    );
    // The pairs that start in the 16 offsets at `here`, one bit each.
    let half = |here: *const u8| {
        // SAFETY: the caller passes a pointer with 17 bytes of `data`
        // behind it, so both 16-byte loads end within `data`; `loadu`
        // takes any alignment.
        let (a, b) = unsafe {
            (
                _mm_loadu_si128(here.cast()),
                _mm_loadu_si128(here.add(1).cast()),
            )
        };
        let both = |x, y| _mm_and_si128(_mm_cmpeq_epi8(a, x), _mm_cmpeq_epi8(b, y));
        let hits = _mm_or_si128(_mm_or_si128(both(p, k), both(m, z)), both(seven, zed));
        _mm_movemask_epi8(hits) as u32
    };
    let mut at = 0;
    // Each turn reads the 33 bytes at..at + 33: the pair starting at its
    // last offset needs the byte after it.
    while at + 33 <= data.len() {
        // SAFETY: `at + 33 <= data.len()`: 17 bytes from `at` and from
        // `at + 16` are within `data`.
        let here = unsafe { data.as_ptr().add(at) };
        // SAFETY: as above.
        let mut mask = half(here) | half(unsafe { here.add(16) }) << 16;
        while mask != 0 {
            let hit = at + mask.trailing_zeros() as usize;
            if !f(hit, data[hit]) {
                return None;
            }
            mask &= mask - 1;
        }
        at += 32;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all_pairs(data: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        pairs(data, &mut |at, first| {
            assert_eq!(first, data[at]);
            out.push(at);
            true
        });
        out
    }

    fn naive(data: &[u8]) -> Vec<usize> {
        (0..data.len().saturating_sub(1))
            .filter(|&i| is_pair(data[i], data[i + 1]))
            .collect()
    }

    #[test]
    fn pairs_at_every_lane_and_both_ends_are_found() {
        for len in [0usize, 1, 2, 31, 32, 33, 34, 64, 65, 66, 100] {
            for at in 0..len.saturating_sub(1) {
                for pair in [b"PK", b"MZ", b"7z"] {
                    let mut data = vec![b'x'; len];
                    data[at..at + 2].copy_from_slice(pair);
                    assert_eq!(all_pairs(&data), vec![at], "{pair:?} at {at} of {len}");
                }
            }
        }
        // Halves of pairs, and pairs in the other case, are not pairs.
        assert!(all_pairs(b"P-K-M-Z-7-Z-pk-mz-7Z-KP-ZM-z7 and then some more bytes").is_empty());
    }

    #[test]
    fn the_pass_stops_when_asked() {
        let data = b"MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ MZ";
        let mut seen = 0;
        pairs(data, &mut |_, _| {
            seen += 1;
            seen < 3
        });
        assert_eq!(seen, 3);
    }

    fn small_zip() -> Vec<u8> {
        use std::io::Write;
        let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("a.txt", ::zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"hello").unwrap();
        w.finish().unwrap().into_inner()
    }

    /// Where `find` puts a zip, and where `zip::first_archive_offset`,
    /// which searches on its own, does.
    fn zip_offsets(data: &[u8]) -> (Option<u64>, Option<u64>) {
        let mut d = Detection::default();
        d.types.push(TypeAt {
            ty: known::DATA,
            offset: 0,
        });
        find(data, known::DATA, &mut d);
        let ours = d.types[1..]
            .iter()
            .find(|t| t.ty == known::ZIP)
            .map(|t| t.offset);
        let alone = memchr::memchr(0, data).and(zip::first_archive_offset(data));
        (ours, alone)
    }

    /// Zips, cut zips, bare signatures and junk, in the order `pieces`
    /// says.
    fn assemble(pieces: &[u8], cut: usize) -> Vec<u8> {
        let zip = small_zip();
        let mut data = Vec::new();
        for p in pieces {
            match p {
                0 => data.extend_from_slice(&zip),
                1 => data.extend_from_slice(&zip[..cut.min(zip.len())]),
                2 => data.extend_from_slice(b"PK\x03\x04\0\0"),
                3 => data.extend_from_slice(b"MZ\0\0 7z\xbc\xaf\x27\x1c"),
                _ => data.extend_from_slice(b"junk bytes "),
            }
        }
        data
    }

    proptest! {
        #[test]
        fn a_zip_is_placed_where_its_own_search_places_it(
            pieces in prop::collection::vec(0..5u8, 0..12), cut in 0usize..200
        ) {
            let (ours, alone) = zip_offsets(&assemble(&pieces, cut));
            prop_assert_eq!(ours, alone);
        }

        /// Detection asks a container that is not a zip whether a zip
        /// starts at its first byte by structure alone, without the search
        /// for local headers: that search finds one at 0 only when the
        /// structure's own first test did.
        #[test]
        fn a_zip_from_the_first_byte_is_told_by_structure_alone(
            pieces in prop::collection::vec(0..5u8, 0..12), cut in 0usize..200
        ) {
            let data = assemble(&pieces, cut);
            prop_assert_eq!(
                zip::first_archive_offset(&data) == Some(0),
                zip::archive_offset_by_structure(&data) == Some(0)
            );
        }

        #[test]
        fn the_pass_finds_what_a_byte_by_byte_scan_finds(
            data in prop::collection::vec(prop::sample::select(b"PKMZ7zx\0".to_vec()), 0..300)
        ) {
            prop_assert_eq!(all_pairs(&data), naive(&data));
        }
    }
}
