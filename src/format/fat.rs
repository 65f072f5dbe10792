//! FAT12, FAT16 and FAT32 volumes (floppy images, partitions of a disk).
//!
//! Written here rather than taken from the `fatfs` crate: that crate reads
//! through `Read + Seek`, trusts the FAT (a cluster chain that loops is
//! followed as long as the reader asks) and sizes its buffers by the boot
//! sector. Reading a FAT in memory is a few hundred lines: the boot sector
//! (BPB), the FAT, cluster chains that stop at a loop or past the cluster
//! count (a finding either way), directories with VFAT long names (a long
//! name whose checksum does not match its short entry is dropped, and that
//! is a finding), folders read once each, depth capped.

use std::collections::HashSet;

use super::disk::{ImageFile, Piece, bytes_at, le16, le32, push_piece, truncate_pieces, ucs2};
use crate::finding::FindingKind;

/// How deep folders are followed.
const MAX_DEPTH: usize = 32;
/// Entries of one VFAT long name, at most.
const MAX_LFN_PARTS: usize = 20;
/// The most bytes of one directory read (FAT limits a folder to 65,536
/// entries of 32 bytes).
const MAX_DIR_BYTES: u64 = 2 << 20;

/// The boot sector's geometry, checked for sanity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bpb {
    bytes_per_sector: u64,
    sectors_per_cluster: u64,
    reserved: u64,
    fats: u64,
    root_entries: u64,
    fat_sectors: u64,
    total_sectors: u64,
    root_cluster: u32,
    /// 12, 16 or 32.
    pub bits: u8,
}

impl Bpb {
    /// Reads and checks the boot sector; `None` when it is not a FAT one.
    pub fn parse(b: &[u8]) -> Option<Bpb> {
        if b.len() < 512 || !matches!(b[0], 0xeb | 0xe9) {
            return None;
        }
        let bps = u64::from(le16(b, 11));
        let spc = u64::from(b[13]);
        let reserved = u64::from(le16(b, 14));
        let fats = u64::from(b[16]);
        let root_entries = u64::from(le16(b, 17));
        let total16 = u64::from(le16(b, 19));
        let media = b[21];
        let fat16 = u64::from(le16(b, 22));
        let total32 = u64::from(le32(b, 32));
        let fat32 = u64::from(le32(b, 36));
        if !matches!(bps, 512 | 1024 | 2048 | 4096)
            || !spc.is_power_of_two()
            || spc > 128
            || reserved == 0
            || !(1..=2).contains(&fats)
            || !(media == 0xf0 || media >= 0xf8)
        {
            return None;
        }
        let fat_sectors = if fat16 != 0 { fat16 } else { fat32 };
        let total_sectors = if total16 != 0 { total16 } else { total32 };
        if fat_sectors == 0 || total_sectors == 0 {
            return None;
        }
        let root_sectors = (root_entries * 32).div_ceil(bps);
        let data_start = reserved + fats * fat_sectors + root_sectors;
        let clusters = total_sectors.checked_sub(data_start)? / spc;
        let bits = if clusters < 4085 {
            12
        } else if clusters < 65525 {
            16
        } else {
            32
        };
        if (bits == 32) != (fat16 == 0) || (bits == 32 && root_entries != 0) {
            return None;
        }
        Some(Bpb {
            bytes_per_sector: bps,
            sectors_per_cluster: spc,
            reserved,
            fats,
            root_entries,
            fat_sectors,
            total_sectors,
            root_cluster: le32(b, 44),
            bits,
        })
    }

    fn cluster_bytes(&self) -> u64 {
        self.bytes_per_sector * self.sectors_per_cluster
    }
    fn fat_offset(&self) -> u64 {
        self.reserved * self.bytes_per_sector
    }
    fn root_offset(&self) -> u64 {
        (self.reserved + self.fats * self.fat_sectors) * self.bytes_per_sector
    }
    fn data_offset(&self) -> u64 {
        self.root_offset()
            + (self.root_entries * 32).div_ceil(self.bytes_per_sector) * self.bytes_per_sector
    }
    /// The declared number of data clusters.
    fn clusters(&self) -> u64 {
        (self.total_sectors * self.bytes_per_sector).saturating_sub(self.data_offset())
            / self.cluster_bytes()
    }
}

/// A FAT volume's files.
#[derive(Debug, Default)]
pub(crate) struct FatListing {
    /// Its files.
    pub files: Vec<ImageFile>,
    /// Structural problems.
    pub findings: Vec<FindingKind>,
    /// True when the volume held more files than the cap.
    pub entries_cut: bool,
}

fn malformed(detail: String) -> FindingKind {
    FindingKind::Malformed {
        detail: format!("FAT: {detail}"),
    }
}

struct Reader<'a> {
    data: &'a [u8],
    bpb: Bpb,
    fat: &'a [u8],
    /// Clusters that can be named: the declared count, bounded by what the
    /// FAT present in the image can describe.
    max_cluster: u64,
    out: FatListing,
    visited: HashSet<u32>,
    /// One bit per cluster: taken by a chain already read.
    used: Vec<u64>,
    cap: usize,
}

/// Reads the FAT volume in `data`, at most `cap` files; `None` when its boot
/// sector is not a FAT one.
pub(crate) fn read(data: &[u8], cap: usize) -> Option<FatListing> {
    let bpb = Bpb::parse(data)?;
    let fat = bytes_at(
        data,
        bpb.fat_offset(),
        bpb.fat_sectors * bpb.bytes_per_sector,
    );
    let entries_in_fat = (fat.len() as u64 * 8) / u64::from(bpb.bits);
    let max_cluster = (bpb.clusters() + 1).min(entries_in_fat.saturating_sub(1));
    let mut r = Reader {
        data,
        bpb,
        fat,
        max_cluster,
        out: FatListing::default(),
        visited: HashSet::new(),
        used: vec![0; usize::try_from(max_cluster / 64 + 1).unwrap_or(0)],
        cap,
    };
    if (data.len() as u64) < bpb.data_offset() {
        r.out
            .findings
            .push(malformed("the image ends before its data area".into()));
    }
    if bpb.bits == 32 {
        r.dir_chain(bpb.root_cluster, "", false, 0);
    } else {
        let root = bytes_at(data, bpb.root_offset(), bpb.root_entries * 32);
        r.entries(root, "", false, 0);
    }
    Some(r.out)
}

impl<'a> Reader<'a> {
    /// The FAT's entry for cluster `c`.
    fn next(&self, c: u32) -> u32 {
        let c = c as usize;
        match self.bpb.bits {
            12 => {
                let off = c + c / 2;
                let v = le16(self.fat, off);
                if c & 1 == 1 {
                    u32::from(v >> 4)
                } else {
                    u32::from(v & 0x0fff)
                }
            }
            16 => u32::from(le16(self.fat, c * 2)),
            _ => le32(self.fat, c * 4) & 0x0fff_ffff,
        }
    }

    fn is_end(&self, v: u32) -> bool {
        match self.bpb.bits {
            12 => v >= 0xff8,
            16 => v >= 0xfff8,
            _ => v >= 0x0fff_fff8,
        }
    }

    /// The pieces of the chain starting at `first`, at most `limit` bytes.
    /// A loop, a cross-link or a cluster out of range stops it with a
    /// finding.
    fn chain(&mut self, first: u32, limit: u64, what: &str) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let cb = self.bpb.cluster_bytes();
        let mut c = first;
        let mut got = 0u64;
        loop {
            if got >= limit {
                break;
            }
            if c < 2 || u64::from(c) > self.max_cluster {
                self.out.findings.push(malformed(format!(
                    "the cluster chain of {what} names cluster {c}, out of range"
                )));
                break;
            }
            let offset = self.bpb.data_offset() + u64::from(c - 2) * cb;
            // Each cluster belongs to one chain: a second visit is a loop
            // (within this chain) or a cross-link (another chain's).
            let (word, bit) = ((c / 64) as usize, c % 64);
            if self.used.get(word).is_some_and(|w| w & (1 << bit) != 0) {
                let own = pieces.iter().any(|p| match *p {
                    Piece::Data { offset: o, len } => (o..o + len).contains(&offset),
                    Piece::Zeros(_) => false,
                });
                self.out.findings.push(malformed(if own {
                    format!("cluster chain loop: the chain of {what} comes back to cluster {c}")
                } else {
                    format!(
                        "cross-linked cluster chains: {what} shares cluster {c} with another file"
                    )
                }));
                break;
            }
            if let Some(w) = self.used.get_mut(word) {
                *w |= 1 << bit;
            }
            push_piece(&mut pieces, Piece::Data { offset, len: cb });
            got += cb;
            let n = self.next(c);
            if self.is_end(n) {
                break;
            }
            c = n;
        }
        pieces
    }

    fn dir_chain(&mut self, first: u32, path: &str, hidden: bool, depth: usize) {
        let shown = if path.is_empty() { "/" } else { path };
        if depth > MAX_DEPTH {
            self.out.findings.push(malformed(format!(
                "folder {shown:?} is nested deeper than {MAX_DEPTH} levels"
            )));
            return;
        }
        if !self.visited.insert(first) {
            self.out.findings.push(malformed(format!(
                "directory loop: folder {shown:?} starts at cluster {first}, a folder already read"
            )));
            return;
        }
        let pieces = self.chain(first, MAX_DIR_BYTES, &format!("folder {shown:?}"));
        let mut bytes = Vec::new();
        for p in pieces {
            if let Piece::Data { offset, len } = p {
                bytes.extend_from_slice(bytes_at(self.data, offset, len));
            }
        }
        self.entries(&bytes, path, hidden, depth);
    }

    fn entries(&mut self, dir: &[u8], path: &str, hidden: bool, depth: usize) {
        let mut lfn: Vec<(u8, [u16; 13])> = Vec::new();
        let mut lfn_sum = 0u8;
        let mut subdirs = Vec::new();
        // An entry starting with 0 ends the directory for Windows; Linux
        // reads on. What follows it is read, and shown as Linux's alone.
        let mut past_end = false;
        for e in dir.chunks_exact(32) {
            if self.out.entries_cut {
                return;
            }
            match e[0] {
                0 => {
                    past_end = true;
                    lfn.clear();
                    continue;
                }
                0xe5 => {
                    lfn.clear();
                    continue;
                }
                _ => {}
            }
            let attr = e[11];
            if attr & 0x3f == 0x0f {
                let seq = e[0];
                if seq & 0x40 != 0 {
                    lfn.clear();
                    lfn_sum = e[13];
                }
                let mut units = [0u16; 13];
                for (i, off) in [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]
                    .into_iter()
                    .enumerate()
                {
                    units[i] = le16(e, off);
                }
                // A long name has 20 parts at most (255 characters): more
                // are no part of one.
                if lfn.len() < MAX_LFN_PARTS {
                    lfn.push((seq & 0x1f, units));
                }
                continue;
            }
            if attr & 0x08 != 0 {
                lfn.clear();
                continue; // the volume label
            }
            let short = short_name(e);
            let long = self.long_name(&mut lfn, lfn_sum, e, path, &short);
            let name = long.unwrap_or(short);
            if name == "." || name == ".." {
                continue;
            }
            let child = super::disk::join(path, &name);
            if past_end {
                self.out.findings.push(FindingKind::SingleView {
                    entry: child.clone(),
                    view: "Linux FAT driver (it follows the directory's end mark)".into(),
                });
            }
            let is_hidden = hidden || attr & 0x06 != 0;
            let first = (u32::from(le16(e, 20)) << 16) | u32::from(le16(e, 26));
            if attr & 0x10 != 0 {
                if first != 0 {
                    subdirs.push((first, child, is_hidden));
                }
                continue;
            }
            let size = u64::from(le32(e, 28));
            if self.out.files.len() >= self.cap {
                self.out.entries_cut = true;
                return;
            }
            let mut pieces = if size == 0 || first == 0 {
                Vec::new()
            } else {
                self.chain(first, size, &format!("{child:?}"))
            };
            let have = super::disk::pieces_len(&pieces);
            if have < size {
                self.out.findings.push(malformed(format!(
                    "{child:?} declares {size} bytes but its cluster chain holds {have}"
                )));
            }
            truncate_pieces(&mut pieces, size);
            self.out.files.push(ImageFile {
                path: child,
                pieces,
                hidden: is_hidden,
            });
        }
        for (c, p, h) in subdirs {
            self.dir_chain(c, &p, h, depth + 1);
        }
    }

    /// The long name gathered for the short entry `e`, when its checksum
    /// matches; a mismatch is a finding and the short name is used.
    fn long_name(
        &mut self,
        lfn: &mut Vec<(u8, [u16; 13])>,
        sum: u8,
        e: &[u8],
        path: &str,
        short: &str,
    ) -> Option<String> {
        if lfn.is_empty() {
            return None;
        }
        let parts = std::mem::take(lfn);
        let expected = e[..11].iter().fold(0u8, |s, &c| {
            ((s & 1) << 7).wrapping_add(s >> 1).wrapping_add(c)
        });
        let mut units: Vec<u16> = Vec::new();
        for (_, u) in parts.iter().rev() {
            units.extend_from_slice(u);
        }
        let end = units
            .iter()
            .position(|&u| u == 0 || u == 0xffff)
            .unwrap_or(units.len());
        let bytes: Vec<u8> = units[..end].iter().flat_map(|u| u.to_le_bytes()).collect();
        let long = ucs2(&bytes, false);
        if expected != sum {
            self.out.findings.push(FindingKind::NameMismatch {
                entry: if path.is_empty() {
                    short.to_owned()
                } else {
                    format!("{path}/{short}")
                },
                other: long,
                reader: "a reader that ignores VFAT long name checksums".into(),
            });
            return None;
        }
        Some(long)
    }
}

/// An 8.3 short name as `NAME.EXT`.
fn short_name(e: &[u8]) -> String {
    let conv = |b: &[u8]| -> String {
        let t = b
            .iter()
            .rposition(|&c| c != b' ')
            .map_or(&b[..0], |i| &b[..=i]);
        t.iter().map(|&c| char::from(c)).collect()
    };
    let mut base = e[..8].to_vec();
    if base[0] == 0x05 {
        base[0] = 0xe5;
    }
    // Windows NT's case flags: a base or an extension stored lowercase.
    let lower = |s: String, bit: u8| {
        if e[12] & bit != 0 {
            s.to_ascii_lowercase()
        } else {
            s
        }
    };
    let base = lower(conv(&base), 0x08);
    let ext = lower(conv(&e[8..11]), 0x10);
    if ext.is_empty() {
        base
    } else {
        format!("{base}.{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_are_no_boot_sector() {
        let mut x = 0x1234_5678u32;
        let mut b = vec![0u8; 4096];
        for _ in 0..2000 {
            for v in b.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *v = x as u8;
            }
            b[0] = 0xeb;
            assert!(Bpb::parse(&b).is_none() || b[21] >= 0xf8 || b[21] == 0xf0);
        }
    }

    #[test]
    fn short_names() {
        let mut e = [b' '; 32];
        e[..8].copy_from_slice(b"README  ");
        e[8..11].copy_from_slice(b"TXT");
        assert_eq!(short_name(&e), "README.TXT");
        e[8..11].copy_from_slice(b"   ");
        assert_eq!(short_name(&e), "README");
    }
}
