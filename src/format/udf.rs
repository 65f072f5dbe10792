//! UDF (ECMA-167 as profiled by OSTA UDF 1.02 to 2.60): the file system of
//! DVDs and of the "UDF bridge" images that carry an ISO 9660 tree beside
//! it. Windows mounts the UDF tree of a bridge image, so what ISO 9660
//! shows may be a decoy: this reader lists the UDF tree on its own.
//!
//! The path: the anchor volume descriptor pointer (sector 256, or the last
//! sector or 256 before it), the volume descriptor sequence (partition
//! descriptors, the logical volume descriptor and its partition maps, type 1
//! and the metadata partition of UDF 2.50), the file set descriptor, then
//! the tree: File Entries and Extended File Entries (tags 261 and 266),
//! their allocation descriptors (short, long, embedded; continued through
//! allocation extent descriptors, bounded) and the File Identifier
//! Descriptors (tag 257) of each directory, with CS0 names. Every tag's
//! identifier and checksum is checked; each directory is read once.

use std::collections::HashSet;

use super::disk::{
    ImageFile, Piece, bytes_at, le16, le32, le64, push_piece, truncate_pieces, ucs2,
};
use crate::finding::FindingKind;

/// How deep folders are followed.
const MAX_DEPTH: usize = 64;
/// Volume descriptors read in a sequence.
const MAX_VDS_SECTORS: u64 = 256;
/// Allocation extent descriptors followed for one file.
const MAX_AD_CONTINUATIONS: usize = 64;
/// The most bytes of one directory read.
const MAX_DIR_BYTES: usize = 16 << 20;

/// The UDF tree of an image.
#[derive(Debug, Default)]
pub(crate) struct UdfListing {
    /// True when an anchor and a file set were found.
    pub present: bool,
    /// Its files.
    pub files: Vec<ImageFile>,
    /// Structural problems.
    pub findings: Vec<FindingKind>,
    /// True when the tree held more files than the cap.
    pub entries_cut: bool,
}

fn malformed(detail: String) -> FindingKind {
    FindingKind::Malformed {
        detail: format!("UDF: {detail}"),
    }
}

/// How a partition reference number maps logical blocks to the image.
#[derive(Debug, Clone)]
enum Map {
    /// A physical partition starting at this sector.
    Physical { start: u64 },
    /// The metadata partition of UDF 2.50: the blocks of the metadata file
    /// (a file of the physical partition).
    Metadata { pieces: Vec<Piece> },
}

/// A `long_ad`'s location: where an ICB lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct LongAd {
    block: u32,
    part: u16,
}

fn long_ad(b: &[u8], off: usize) -> LongAd {
    LongAd {
        block: le32(b, off + 4),
        part: le16(b, off + 8),
    }
}

/// True when `b` starts with a descriptor tag of identifier `id` whose
/// checksum is right.
fn tag_ok(b: &[u8], id: u16) -> bool {
    if b.len() < 16 || le16(b, 0) != id {
        return false;
    }
    let sum = b[..16]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .fold(0u8, |a, (_, &x)| a.wrapping_add(x));
    sum == b[4]
}

/// Finds the sector size and the anchor volume descriptor pointer.
fn anchor(data: &[u8]) -> Option<(u64, &[u8])> {
    for ss in [2048u64, 512, 4096] {
        let n = data.len() as u64 / ss;
        for sector in [Some(256), n.checked_sub(256), n.checked_sub(1)]
            .into_iter()
            .flatten()
        {
            let b = bytes_at(data, sector * ss, ss);
            if tag_ok(b, 2) && u64::from(le32(b, 12)) == sector {
                return Some((ss, b));
            }
        }
    }
    None
}

struct Reader<'a> {
    data: &'a [u8],
    block: u64,
    maps: Vec<Option<Map>>,
    out: UdfListing,
    visited: HashSet<(u16, u32)>,
    cap: usize,
}

/// Reads the UDF tree of `data`, at most `cap` files.
pub(crate) fn read(data: &[u8], cap: usize) -> UdfListing {
    let mut out = UdfListing::default();
    let Some((ss, avdp)) = anchor(data) else {
        return out;
    };
    let vds_len = u64::from(le32(avdp, 16));
    let vds_loc = u64::from(le32(avdp, 20));
    let mut partitions: Vec<(u16, u64)> = Vec::new();
    let mut lvd: Option<&[u8]> = None;
    for i in 0..(vds_len / ss).min(MAX_VDS_SECTORS) {
        let sector = vds_loc.saturating_add(i);
        let d = bytes_at(data, sector.saturating_mul(ss), ss);
        if d.len() < 16 {
            out.findings.push(malformed(
                "the volume descriptor sequence runs past the end of the image".into(),
            ));
            break;
        }
        match le16(d, 0) {
            5 if tag_ok(d, 5) => partitions.push((le16(d, 22), u64::from(le32(d, 188)))),
            6 if tag_ok(d, 6) && lvd.is_none() => lvd = Some(d),
            8 => break,
            _ => {}
        }
    }
    let Some(lvd) = lvd else {
        out.findings
            .push(malformed("no logical volume descriptor".into()));
        return out;
    };
    let block = u64::from(le32(lvd, 212));
    if !matches!(block, 512 | 1024 | 2048 | 4096) || block != ss {
        out.findings.push(malformed(format!(
            "logical block size {block} on sectors of {ss} bytes"
        )));
        return out;
    }
    let mut r = Reader {
        data,
        block,
        maps: Vec::new(),
        out,
        visited: HashSet::new(),
        cap,
    };
    // Partition maps: type 1 names a physical partition; type 2 with the
    // metadata identifier a metadata partition.
    let n_maps = le32(lvd, 268).min(64);
    let table_len = usize::try_from(le32(lvd, 264)).unwrap_or(0);
    let table = lvd
        .get(440..440usize.saturating_add(table_len).min(lvd.len()))
        .unwrap_or(&[]);
    let mut pos = 0usize;
    let mut metadata: Vec<(usize, u16, u32)> = Vec::new();
    for _ in 0..n_maps {
        let (Some(&ty), Some(&len)) = (table.get(pos), table.get(pos + 1)) else {
            break;
        };
        let len = usize::from(len);
        if len < 2 {
            break;
        }
        let m = table.get(pos..pos + len).unwrap_or(&[]);
        let find = |num: u16| partitions.iter().find(|p| p.0 == num).map(|p| p.1);
        match ty {
            1 if m.len() >= 6 => r
                .maps
                .push(find(le16(m, 4)).map(|start| Map::Physical { start })),
            2 if m.len() >= 44 && m[5..].starts_with(b"*UDF Metadata Partition") => {
                metadata.push((r.maps.len(), le16(m, 38), le32(m, 40)));
                r.maps.push(None);
            }
            _ => {
                r.out.findings.push(FindingKind::UnsupportedMethod {
                    entry: "<UDF partition map>".into(),
                    method: format!(
                        "partition map type {ty} {:?}",
                        String::from_utf8_lossy(m.get(5..28).unwrap_or(&[])).trim_end_matches('\0')
                    ),
                });
                r.maps.push(None);
            }
        }
        pos += len;
    }
    // The metadata file is a File Entry in the physical partition; its
    // data is the metadata partition.
    for (index, num, loc) in metadata {
        let start = partitions.iter().find(|p| p.0 == num).map(|p| p.1);
        let parent = r
            .maps
            .iter()
            .position(|m| matches!(m, Some(Map::Physical { start: s }) if Some(*s) == start));
        let pieces = parent.and_then(|p| {
            let ad = LongAd {
                block: loc,
                part: u16::try_from(p).unwrap_or(u16::MAX),
            };
            r.file_entry(ad).map(|(_, pieces, _)| pieces)
        });
        match pieces {
            Some(pieces) => r.maps[index] = Some(Map::Metadata { pieces }),
            None => r.out.findings.push(malformed(
                "the metadata partition's file cannot be read".into(),
            )),
        }
    }
    // The file set descriptor, then the root.
    let fsd_ad = long_ad(lvd, 248);
    let Some(fsd) = r.block_at(fsd_ad.part, fsd_ad.block) else {
        r.out
            .findings
            .push(malformed("no file set descriptor".into()));
        return r.out;
    };
    if !tag_ok(fsd, 256) {
        r.out
            .findings
            .push(malformed("no file set descriptor".into()));
        return r.out;
    }
    let root = long_ad(fsd, 400);
    r.out.present = true;
    r.dir(root, "", false, 0);
    r.out
}

impl<'a> Reader<'a> {
    /// Where logical block `lbn` of partition `part` lies in the image.
    fn offset(&self, part: u16, lbn: u32) -> Option<u64> {
        let at = u64::from(lbn).checked_mul(self.block)?;
        match self.maps.get(usize::from(part))?.as_ref()? {
            Map::Physical { start } => start.checked_mul(self.block)?.checked_add(at),
            Map::Metadata { pieces } => {
                let mut skip = at;
                for p in pieces {
                    if skip < p.len() {
                        return match p {
                            Piece::Data { offset, .. } => offset.checked_add(skip),
                            Piece::Zeros(_) => None,
                        };
                    }
                    skip -= p.len();
                }
                None
            }
        }
    }

    fn block_at(&self, part: u16, lbn: u32) -> Option<&'a [u8]> {
        let off = self.offset(part, lbn)?;
        let b = bytes_at(self.data, off, self.block);
        (b.len() as u64 == self.block).then_some(b)
    }

    /// Reads a (Extended) File Entry: its file type, the pieces of its data
    /// and whether it is a directory.
    fn file_entry(&mut self, icb: LongAd) -> Option<(u8, Vec<Piece>, bool)> {
        let fe = self.block_at(icb.part, icb.block)?;
        let (info_len, base) = if tag_ok(fe, 261) {
            (le64(fe, 56), 176usize)
        } else if tag_ok(fe, 266) {
            (le64(fe, 56), 216usize)
        } else {
            return None;
        };
        let file_type = fe[27];
        let strategy_flags = le16(fe, 34);
        let l_ea = usize::try_from(le32(fe, base - 8)).unwrap_or(usize::MAX);
        let l_ad = usize::try_from(le32(fe, base - 4)).unwrap_or(usize::MAX);
        let start = base.saturating_add(l_ea);
        let Some(ads) = fe.get(start..start.saturating_add(l_ad)) else {
            self.out.findings.push(malformed(format!(
                "a file entry's allocation descriptors run past its block (block {})",
                icb.block
            )));
            return None;
        };
        let mut pieces = Vec::new();
        match strategy_flags & 7 {
            3 => {
                let off = self.offset(icb.part, icb.block)?;
                push_piece(
                    &mut pieces,
                    Piece::Data {
                        offset: off + start as u64,
                        len: ads.len() as u64,
                    },
                );
            }
            kind @ (0 | 1) => self.allocation(ads, kind == 1, icb.part, &mut pieces),
            other => {
                self.out.findings.push(FindingKind::UnsupportedMethod {
                    entry: format!("<UDF file entry at block {}>", icb.block),
                    method: format!("allocation descriptor type {other}"),
                });
                return None;
            }
        }
        let have = super::disk::pieces_len(&pieces);
        if have < info_len {
            self.out.findings.push(malformed(format!(
                "a file entry declares {info_len} bytes but its extents hold {have}"
            )));
        }
        truncate_pieces(&mut pieces, info_len);
        Some((file_type, pieces, file_type == 4))
    }

    /// Short (`long == false`) or long allocation descriptors into pieces,
    /// following continuation extents a bounded number of times.
    fn allocation(&mut self, mut ads: &'a [u8], long: bool, part: u16, pieces: &mut Vec<Piece>) {
        let size = if long { 16 } else { 8 };
        let mut continuations = 0;
        loop {
            let mut next = None;
            for ad in ads.chunks_exact(size) {
                let raw = le32(ad, 0);
                let len = u64::from(raw & 0x3fff_ffff);
                let kind = raw >> 30;
                if len == 0 {
                    break;
                }
                let (pos, p) = if long {
                    (le32(ad, 4), le16(ad, 8))
                } else {
                    (le32(ad, 4), part)
                };
                match kind {
                    0 => match self.offset(p, pos) {
                        Some(offset) => push_piece(pieces, Piece::Data { offset, len }),
                        None => {
                            self.out.findings.push(malformed(format!(
                                "an extent is in no partition (block {pos} of partition {p})"
                            )));
                            push_piece(pieces, Piece::Zeros(len));
                        }
                    },
                    3 => {
                        next = Some((p, pos));
                        break;
                    }
                    _ => push_piece(pieces, Piece::Zeros(len)),
                }
            }
            let Some((p, pos)) = next else { return };
            continuations += 1;
            let aed = self.block_at(p, pos);
            match aed {
                Some(b) if continuations <= MAX_AD_CONTINUATIONS && tag_ok(b, 258) => {
                    let l = usize::try_from(le32(b, 20)).unwrap_or(usize::MAX);
                    ads = b
                        .get(24..24usize.saturating_add(l).min(b.len()))
                        .unwrap_or(&[]);
                }
                _ => {
                    self.out.findings.push(malformed(
                        "an allocation extent continuation is missing, bad or chained too long"
                            .into(),
                    ));
                    return;
                }
            }
        }
    }

    fn dir(&mut self, icb: LongAd, path: &str, hidden: bool, depth: usize) {
        if self.out.entries_cut {
            return;
        }
        let shown = if path.is_empty() { "/" } else { path };
        if depth > MAX_DEPTH {
            self.out.findings.push(malformed(format!(
                "folder {shown:?} is nested deeper than {MAX_DEPTH} levels"
            )));
            return;
        }
        if !self.visited.insert((icb.part, icb.block)) {
            self.out.findings.push(malformed(format!(
                "directory loop: folder {shown:?} is a folder already read"
            )));
            return;
        }
        let Some((_, pieces, _)) = self.file_entry(icb) else {
            self.out.findings.push(malformed(format!(
                "folder {shown:?} has no readable file entry"
            )));
            return;
        };
        let mut bytes = Vec::new();
        for p in &pieces {
            if let Piece::Data { offset, len } = *p {
                let room = MAX_DIR_BYTES.saturating_sub(bytes.len()) as u64;
                let b = bytes_at(self.data, offset, len.min(room));
                if (b.len() as u64) < len.min(room) {
                    self.out.findings.push(malformed(format!(
                        "folder {shown:?} points past the end of the image"
                    )));
                }
                bytes.extend_from_slice(b);
            }
        }
        let mut pos = 0usize;
        let mut subdirs = Vec::new();
        while pos + 38 <= bytes.len() {
            let f = &bytes[pos..];
            if !tag_ok(f, 257) {
                self.out.findings.push(malformed(format!(
                    "folder {shown:?} holds a bad file identifier at byte {pos}"
                )));
                break;
            }
            let chars = f[18];
            let l_fi = usize::from(f[19]);
            let l_iu = usize::from(le16(f, 36));
            let total = (38 + l_iu + l_fi + 3) & !3;
            let name_bytes = f.get(38 + l_iu..38 + l_iu + l_fi).unwrap_or(&[]);
            let ad = long_ad(f, 20);
            pos += total;
            if chars & 0x08 != 0 || chars & 0x04 != 0 {
                continue; // the parent, or a deleted entry
            }
            let name = cs0(name_bytes);
            let child = super::disk::join(path, &name);
            let is_hidden = hidden || chars & 0x01 != 0;
            if chars & 0x02 != 0 {
                subdirs.push((ad, child, is_hidden));
                continue;
            }
            if self.out.files.len() >= self.cap {
                self.out.entries_cut = true;
                return;
            }
            match self.file_entry(ad) {
                Some((_, _, true)) => subdirs.push((ad, child, is_hidden)),
                Some((_, pieces, false)) => self.out.files.push(ImageFile {
                    path: child,
                    pieces,
                    hidden: is_hidden,
                }),
                None => self.out.findings.push(malformed(format!(
                    "file {child:?} has no readable file entry"
                ))),
            }
        }
        for (ad, p, h) in subdirs {
            self.dir(ad, &p, h, depth + 1);
        }
    }
}

/// A CS0 d-string's characters: compression id 8 (one byte per
/// character) or 16 (UCS-2, big-endian).
fn cs0(b: &[u8]) -> String {
    match b.split_first() {
        Some((8, rest)) => rest.iter().map(|&c| char::from(c)).collect(),
        Some((16, rest)) => ucs2(rest, true),
        Some((_, rest)) => String::from_utf8_lossy(rest).into_owned(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cs0_names() {
        assert_eq!(cs0(b"\x08abc"), "abc");
        assert_eq!(cs0(b"\x10\x00a\x00b"), "ab");
        assert_eq!(cs0(b""), "");
    }

    #[test]
    fn no_anchor_no_tree() {
        let l = read(&vec![0u8; 1 << 20], 10);
        assert!(!l.present && l.files.is_empty());
    }
}
