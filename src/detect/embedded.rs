//! Archives and executables that start after offset 0: a zip, a PE or a
//! 7z glued behind an image, a document or a self-extractor's stub.
//!
//! Their signatures all begin with a pair of bytes (`PK`, `MZ`, `7z`), and
//! one pass finds the three pairs together (`format::pairs`), where a
//! search per signature read every binary object three times over. Each
//! signature keeps its own number of candidates, as it had with its own
//! search, and the pass ends when all three are settled.

use super::{Detection, FileType, TypeAt, TypeGroup, known, pe};
use crate::format::{pairs, sevenz, zip};

/// The first two bytes of each signature looked for.
const SIGNATURES: [[u8; 2]; 3] = [*b"PK", *b"MZ", *b"7z"];

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
    pairs::each::<3, 0>(data, SIGNATURES, &mut |at| {
        match data[at] {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
    }
}
