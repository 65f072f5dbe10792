//! Archives and executables that start after offset 0: a zip, a PE, a 7z,
//! a RAR, a cabinet, an ARJ or an LHA archive glued behind an image, a
//! document or a self-extractor's stub (`copy /b photo.jpg + a.rar`, which
//! 7-Zip and WinRAR open by searching for the archive's signature).
//!
//! Their signatures all begin with a pair of bytes (`PK`, `MZ`, `7z`,
//! `Ra`, `MS`, ARJ's `60 ea`, and LHA's method `-l` two bytes into its
//! header), and one pass finds the pairs together (`format::pairs`), where
//! a search per signature read every binary object once per signature.
//! Each signature keeps its own number of candidates, as it had with its
//! own search, and the pass ends when all are settled.

use super::{Detection, FileType, TypeAt, TypeGroup, archives, known, pe};
use crate::format::{cab, pairs, rar, sevenz, zip};

/// The first two bytes of each signature looked for.
const SIGNATURES: [[u8; 2]; 7] = [*b"PK", *b"MZ", *b"7z", *b"Ra", *b"MS", [0x60, 0xea], *b"-l"];

/// How many signatures of each kind other than a zip's are tried before
/// giving up on that kind.
const SEARCH_HITS: usize = 256;

/// The kinds searched for by their own candidates, in the order of
/// `left` in [`find`].
const MZ: usize = 0;
const SEVENZ: usize = 1;
const RAR: usize = 2;
const CAB: usize = 3;
const ARJ: usize = 4;
const LZH: usize = 5;

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
    let mut left = [SEARCH_HITS; 6];
    let mut found = Vec::new();
    // A candidate of kind `k` at `at`: true when `ty` starts there.
    let mut try_kind = |left: &mut [usize; 6], k: usize, at: usize, ty: Option<FileType>| {
        left[k] -= 1;
        if let Some(ty) = ty {
            found.push(TypeAt {
                ty,
                offset: at as u64,
            });
            left[k] = 0;
        }
    };
    pairs::each::<7, 0>(data, SIGNATURES, &mut |at| {
        let rest = &data[at..];
        match (data[at], rest.get(1)) {
            (b'P', _) if lfh_left > 0 && rest.starts_with(zip::LFH) => {
                lfh_left -= 1;
                if zip::local_checks_out(data, at as u64) {
                    zip_at = Some(at as u64);
                    lfh_left = 0;
                }
            }
            (b'M', Some(b'Z')) if left[MZ] > 0 && at >= mz_from => {
                let ty = pe::is_pe(rest).then(|| pe::classify(rest));
                try_kind(&mut left, MZ, at, ty);
            }
            (b'7', _) if left[SEVENZ] > 0 && at >= 1 && rest.starts_with(sevenz::SIGNATURE) => {
                let ty = sevenz::starts_archive(rest).then_some(known::SEVENZ);
                try_kind(&mut left, SEVENZ, at, ty);
            }
            (b'R', _)
                if left[RAR] > 0
                    && at >= 1
                    && (rest.starts_with(rar::SIG4) || rest.starts_with(rar::SIG5)) =>
            {
                // The signature, then headers that list something.
                let ty = rar::parse(rest, 1)
                    .is_some_and(|a| !a.entries.is_empty() || a.encrypted_headers)
                    .then_some(known::RAR);
                try_kind(&mut left, RAR, at, ty);
            }
            (b'M', Some(b'S')) if left[CAB] > 0 && at >= 1 && rest.starts_with(cab::SIGNATURE) => {
                let ty = cab::is_cab(rest).then_some(known::CAB);
                try_kind(&mut left, CAB, at, ty);
            }
            (0x60, _) if left[ARJ] > 0 && at >= 1 => {
                let ty = archives::is_arj(rest).then_some(known::ARJ);
                try_kind(&mut left, ARJ, at, ty);
            }
            // LHA's method sits two bytes into its header.
            (b'-', _)
                if left[LZH] > 0 && at >= 3 && archives::lha_header_checks_out(&data[at - 2..]) =>
            {
                try_kind(&mut left, LZH, at - 2, Some(known::LZH));
            }
            _ => {}
        }
        lfh_left + left.iter().sum::<usize>() > 0
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
