//! The compound file (OLE2) header and its DIFAT, checked before the `cfb`
//! crate reads them. The crate builds its FAT from every sector the DIFAT
//! lists, and the DIFAT may list one sector any number of times: a file of
//! a few megabytes whose DIFAT sectors each repeat one FAT sector made a
//! FAT of gigabytes. A real file's FAT sectors are sectors of the file, so
//! a DIFAT that lists more than the file has is refused here, and the FAT
//! the crate builds stays the size of the file. And the crate's `walk`
//! makes each entry's whole path: a chain of 50,000 nested storages (a
//! 6 MB file) made 2.5 GB of paths, so the tree is listed here storage by
//! storage to a depth. Pure.

use std::io::{self, Cursor};
use std::path::PathBuf;

use foldhash::{HashSet, HashSetExt};

const FREE: u32 = 0xffff_ffff;
const END: u32 = 0xffff_fffe;

/// Where the header's fields are (MS-CFB 2.2).
const MAJOR_VERSION: usize = 0x1a;
const FIRST_DIFAT: usize = 0x44;
const HEADER_DIFAT: usize = 0x4c;
const HEADER_SLOTS: usize = 109;

/// FAT sectors a real file may list beyond its own count of sectors: the
/// header's 109 slots and the zeros some writers pad a DIFAT sector with.
const SLACK: u64 = 256;

/// Opens a compound file with the `cfb` crate once its DIFAT is checked.
pub(crate) fn open(data: &[u8]) -> io::Result<cfb::CompoundFile<Cursor<&[u8]>>> {
    check(data).map_err(|why| io::Error::new(io::ErrorKind::InvalidData, why))?;
    cfb::CompoundFile::open(Cursor::new(data))
}

/// Storages nested deeper than this are not listed: a real document nests
/// a few (an embedded object's storage inside `ObjectPool`).
pub(crate) const MAX_DEPTH: usize = 16;

/// The entries of a compound file, as its `walk` lists them but storage by
/// storage: the root, then each storage's children, to [`MAX_DEPTH`]
/// levels and `max_entries` entries.
pub(crate) struct Listing {
    pub(crate) entries: Vec<cfb::Entry>,
    /// A storage at the deepest level was not opened.
    pub(crate) too_deep: bool,
    /// More than `max_entries` entries.
    pub(crate) cut: bool,
    /// Storages whose path the crate does not find again (a name with a
    /// `/` in it): their entries are not listed.
    pub(crate) unlisted: Vec<PathBuf>,
}

/// Lists `cf`'s entries (see [`Listing`]).
pub(crate) fn list<F>(cf: &cfb::CompoundFile<F>, max_entries: usize) -> Listing {
    let mut l = Listing {
        entries: vec![cf.root_entry()],
        too_deep: false,
        cut: false,
        unlisted: Vec::new(),
    };
    let mut storages = vec![(PathBuf::from("/"), 1usize)];
    while let Some((path, depth)) = storages.pop() {
        let Ok(children) = cf.read_storage(&path) else {
            l.unlisted.push(path);
            continue;
        };
        let first_new = storages.len();
        for e in children {
            if l.entries.len() >= max_entries {
                l.cut = true;
                return l;
            }
            if !e.is_stream() {
                if depth >= MAX_DEPTH {
                    l.too_deep = true;
                } else {
                    storages.push((e.path().to_path_buf(), depth + 1));
                }
            }
            l.entries.push(e);
        }
        // The first child storage is listed first.
        storages[first_new..].reverse();
    }
    l
}

/// Counts the FAT sectors the DIFAT lists (the header's slots, then its
/// chain of sectors, each read once, as far as the crate follows it) and
/// refuses more than the file has. What else is wrong is the crate's to
/// say.
pub(crate) fn check(data: &[u8]) -> Result<(), String> {
    let Some(h) = data.get(..512) else {
        return Ok(());
    };
    let sector_len = match u16::from_le_bytes([h[MAJOR_VERSION], h[MAJOR_VERSION + 1]]) {
        3 => 512,
        4 => 4096,
        _ => return Ok(()),
    };
    if data.len() < sector_len {
        return Ok(());
    }
    let num_sectors = (data.len().div_ceil(sector_len) - 1) as u64;
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    // The crate reads the header's slots up to the first free one.
    let mut listed = (0..HEADER_SLOTS)
        .take_while(|i| u32_at(h, HEADER_DIFAT + 4 * i) != FREE)
        .count() as u64;
    let per_sector = sector_len / 4;
    let mut seen = HashSet::new();
    let mut next = u32_at(h, FIRST_DIFAT);
    while next != END && next != FREE && u64::from(next) < num_sectors && seen.insert(next) {
        let at = (next as usize + 1) * sector_len;
        let Some(s) = data.get(at..at + sector_len) else {
            break;
        };
        listed += (0..per_sector - 1)
            .filter(|&i| u32_at(s, 4 * i) != FREE)
            .count() as u64;
        next = u32_at(s, 4 * (per_sector - 1));
    }
    if listed > num_sectors + SLACK {
        return Err(format!(
            "its DIFAT lists {listed} FAT sectors in a file of {num_sectors} sectors"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 3 header (512-byte sectors) whose DIFAT starts at
    /// `first` and whose header slots are `slots`.
    fn header(first: u32, slots: &[u32]) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
        h[0x18..0x1a].copy_from_slice(&0x3eu16.to_le_bytes());
        h[0x1a..0x1c].copy_from_slice(&3u16.to_le_bytes());
        h[0x1c..0x1e].copy_from_slice(&0xfffeu16.to_le_bytes());
        h[0x1e..0x20].copy_from_slice(&9u16.to_le_bytes());
        h[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
        h[0x38..0x3c].copy_from_slice(&4096u32.to_le_bytes());
        h[0x44..0x48].copy_from_slice(&first.to_le_bytes());
        for i in 0..HEADER_SLOTS {
            let v = slots.get(i).copied().unwrap_or(FREE);
            h[0x4c + 4 * i..0x50 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        h
    }

    #[test]
    fn a_difat_that_repeats_one_sector_is_refused() {
        // 2,000 DIFAT sectors chained, each listing sector 0 as a FAT
        // sector 127 times: 254,000 FAT sectors in a file of 2,001.
        let n = 2000u32;
        let mut f = header(1, &[0]);
        f.extend(vec![0u8; 512]);
        for s in 1..=n {
            let mut sector = Vec::new();
            for _ in 0..127 {
                sector.extend(0u32.to_le_bytes());
            }
            let next = if s == n { END } else { s + 1 };
            sector.extend(next.to_le_bytes());
            f.extend(sector);
        }
        let why = check(&f).unwrap_err();
        assert!(why.contains("254001 FAT sectors"), "{why}");
        assert!(open(&f).is_err());
        // A DIFAT sector that points at itself is read once.
        let mut f = header(1, &[0]);
        f.extend(vec![0u8; 512]);
        let mut sector = vec![0xffu8; 508];
        sector.extend(1u32.to_le_bytes());
        f.extend(sector);
        assert!(check(&f).is_ok());
    }

    #[test]
    fn a_real_header_passes() {
        // One FAT sector, no DIFAT chain.
        let mut f = header(END, &[0]);
        f.extend(vec![0u8; 512 * 3]);
        assert!(check(&f).is_ok());
        // Too short to say anything about: the crate's to refuse.
        assert!(check(&f[..100]).is_ok());
    }
}
