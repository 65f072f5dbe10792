//! Hyper-V VHDX: the `vhdxfile` identifier, two headers (the one with the
//! higher sequence number is current), two copies of the region table
//! naming the block allocation table (BAT) and the metadata region, whose
//! items give the block size, the logical sector size and the virtual disk
//! size. Payload block `i` is BAT entry `i + i / chunk_ratio` (sector bitmap
//! entries are interleaved); its state says whether it is in the file.
//!
//! As for VHD ([`super::vhd`]), the result is the virtual disk's pieces,
//! bounded by what the file holds and by `max_len`.

use super::disk::{Piece, bytes_at, le16, le32, le64, push_piece, truncate_pieces};
use super::vhd::VirtualDisk;

const BAT: [u8; 16] = [
    0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42, 0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08,
];
const METADATA: [u8; 16] = [
    0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b, 0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e,
];
const FILE_PARAMETERS: [u8; 16] = [
    0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d, 0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b,
];
const DISK_SIZE: [u8; 16] = [
    0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48, 0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8,
];
const SECTOR_SIZE: [u8; 16] = [
    0x1d, 0xbf, 0x41, 0x81, 0x6f, 0xa9, 0x09, 0x47, 0xba, 0x47, 0xf2, 0x33, 0xa8, 0xfa, 0xab, 0x5f,
];

const KIB64: u64 = 64 << 10;

/// Reads a VHDX. `max_len` bounds the virtual disk that is described.
pub(crate) fn read(data: &[u8], max_len: u64) -> VirtualDisk {
    let mut d = VirtualDisk::default();
    // The current header: the valid one with the higher sequence number.
    let header = [KIB64, 2 * KIB64]
        .into_iter()
        .map(|o| bytes_at(data, o, 4096))
        .filter(|h| h.len() >= 80 && h.starts_with(b"head"))
        .max_by_key(|h| le64(h, 8));
    let Some(header) = header else {
        d.problems.push("no valid header".into());
        return d;
    };
    if header[48..64].iter().any(|&b| b != 0) && le32(header, 68) != 0 {
        d.unsupported = Some("VHDX log not replayed (recent writes may be missing)".into());
    }
    let regions = [3 * KIB64, 4 * KIB64]
        .into_iter()
        .map(|o| bytes_at(data, o, KIB64))
        .find(|r| r.len() >= 16 && r.starts_with(b"regi"));
    let Some(regions) = regions else {
        d.problems.push("no region table".into());
        return d;
    };
    let mut bat = None;
    let mut meta = None;
    for i in 0..(le32(regions, 8) as usize).min(2047) {
        let Some(e) = regions.get(16 + 32 * i..48 + 32 * i) else {
            break;
        };
        let region = (le64(e, 16), u64::from(le32(e, 24)));
        if e[..16] == BAT {
            bat = Some(region);
        } else if e[..16] == METADATA {
            meta = Some(region);
        } else if le32(e, 28) & 1 != 0 {
            d.problems
                .push("a required region of an unknown kind".into());
        }
    }
    let (Some((bat_off, bat_len)), Some((meta_off, meta_len))) = (bat, meta) else {
        d.problems
            .push("the region table lacks the BAT or the metadata region".into());
        return d;
    };
    let m = bytes_at(data, meta_off, meta_len);
    if !m.starts_with(b"metadata") {
        d.problems.push("the metadata region is missing".into());
        return d;
    }
    let mut block = 0u64;
    let mut sector = 512u64;
    for i in 0..usize::from(le16(m, 10)).min(2047) {
        let Some(e) = m.get(32 + 32 * i..64 + 32 * i) else {
            break;
        };
        let item = bytes_at(m, u64::from(le32(e, 16)), u64::from(le32(e, 20)));
        if e[..16] == FILE_PARAMETERS {
            block = u64::from(le32(item, 0));
            if le32(item, 4) & 2 != 0 {
                d.unsupported = Some("VHDX differencing disk (its parent is not here)".into());
            }
        } else if e[..16] == DISK_SIZE {
            d.declared = le64(item, 0);
        } else if e[..16] == SECTOR_SIZE {
            sector = u64::from(le32(item, 0));
        }
    }
    if !block.is_power_of_two() || !((1 << 20)..=(256 << 20)).contains(&block) {
        d.problems.push(format!(
            "block allocation table with an absurd block size of {block} bytes"
        ));
        return d;
    }
    if !matches!(sector, 512 | 4096) {
        d.problems.push(format!("logical sector size {sector}"));
        return d;
    }
    let chunk_ratio = ((1u64 << 23) * sector) / block;
    let table = bytes_at(data, bat_off, bat_len);
    let want = d.declared.min(max_len);
    let len = data.len() as u64;
    let (mut covered, mut i, mut last_data) = (0u64, 0u64, 0usize);
    let mut absurd = 0u64;
    loop {
        if covered >= want {
            let rest = table.get(((i + i / chunk_ratio.max(1)) as usize * 8).min(table.len())..);
            d.cut = covered < d.declared
                && rest.is_some_and(|r| r.chunks_exact(8).any(|e| matches!(e[0] & 7, 6 | 7)));
            break;
        }
        let index = i + i / chunk_ratio.max(1);
        let Some(e) = table.get(index as usize * 8..index as usize * 8 + 8) else {
            d.problems.push(format!(
                "the BAT ends at block {i} of a disk of {} bytes",
                d.declared
            ));
            break;
        };
        let e = le64(e, 0);
        match e & 7 {
            6 | 7 => {
                let at = (e >> 20) << 20;
                if at.saturating_add(block) > len || at < 3 * KIB64 {
                    absurd += 1;
                    push_piece(&mut d.pieces, Piece::Zeros(block));
                } else {
                    push_piece(
                        &mut d.pieces,
                        Piece::Data {
                            offset: at,
                            len: block,
                        },
                    );
                    last_data = d.pieces.len();
                }
            }
            _ => push_piece(&mut d.pieces, Piece::Zeros(block)),
        }
        covered += block;
        i += 1;
    }
    if absurd > 0 {
        d.problems.push(format!(
            "block allocation table: {absurd} entries point past the end of the image or into its headers"
        ));
    }
    truncate_pieces(&mut d.pieces, want);
    d.pieces.truncate(last_data.min(d.pieces.len()));
    d
}
