//! Virtual PC / Hyper-V VHD: a fixed disk (the disk's bytes, then a
//! 512-byte footer with the cookie `conectix`) or a dynamic one (a copy of
//! the footer at 0, a `cxsparse` header, a block allocation table and the
//! allocated blocks, each behind its sector bitmap).
//!
//! The reader turns the image into the virtual disk's pieces: slices of the
//! file for allocated blocks, zeros for the rest. Nothing is sized by what
//! the headers declare: the table is read as far as the file holds it, and
//! no further than `max_len` bytes of virtual disk (the most the caller
//! will scan); a block size or table entry out of reason is a problem.

use super::disk::{Piece, be32, be64, bytes_at, push_piece, truncate_pieces};

/// A virtual disk read from an image: its pieces, and what is wrong.
#[derive(Debug, Default)]
pub(crate) struct VirtualDisk {
    /// The disk's bytes: slices of the image and runs of zeros, trailing
    /// zeros left out.
    pub pieces: Vec<Piece>,
    /// The size the image declares.
    pub declared: u64,
    /// Structural problems (each a finding).
    pub problems: Vec<String>,
    /// A feature that is not read (a differencing disk's parent).
    pub unsupported: Option<String>,
    /// True when the disk holds data past `max_len`, left out.
    pub cut: bool,
}

/// The largest block size taken as sane (the format's own is 2 MiB).
const MAX_BLOCK: u64 = 256 << 20;

/// Reads a VHD. `max_len` bounds the virtual disk that is described.
pub(crate) fn read(data: &[u8], max_len: u64) -> VirtualDisk {
    let mut d = VirtualDisk::default();
    let len = data.len() as u64;
    let tail = bytes_at(data, len.saturating_sub(512), 512);
    let footer = if tail.starts_with(b"conectix") {
        tail
    } else if data.starts_with(b"conectix") {
        d.problems
            .push("the footer at the end is missing (the copy at the start is used)".into());
        bytes_at(data, 0, 512)
    } else {
        d.problems.push("no footer".into());
        return d;
    };
    let disk_type = be32(footer, 60);
    d.declared = be64(footer, 48);
    match disk_type {
        2 => {
            let body = len.saturating_sub(512);
            if d.declared > body {
                d.problems.push(format!(
                    "a fixed disk of {} bytes in {body} bytes of image",
                    d.declared
                ));
            }
            d.cut = d.declared.min(body) > max_len;
            push_piece(
                &mut d.pieces,
                Piece::Data {
                    offset: 0,
                    len: d.declared.min(body).min(max_len),
                },
            );
        }
        3 | 4 => dynamic(data, footer, max_len, &mut d),
        other => d.problems.push(format!("unknown disk type {other}")),
    }
    d
}

fn dynamic(data: &[u8], footer: &[u8], max_len: u64, d: &mut VirtualDisk) {
    if be32(footer, 60) == 4 {
        d.unsupported = Some("VHD differencing disk (its parent is not here)".into());
    }
    let len = data.len() as u64;
    let header = bytes_at(data, be64(footer, 16), 1024);
    if header.len() < 1024 || !header.starts_with(b"cxsparse") {
        d.problems.push("the dynamic disk header is missing".into());
        return;
    }
    let table = be64(header, 16);
    let entries = u64::from(be32(header, 28));
    let block = u64::from(be32(header, 32));
    if !block.is_power_of_two() || !(512..=MAX_BLOCK).contains(&block) {
        d.problems.push(format!(
            "block allocation table with an absurd block size of {block} bytes"
        ));
        return;
    }
    if entries.saturating_mul(block) < d.declared {
        d.problems.push(format!(
            "the block table's {entries} entries of {block} bytes cannot hold the declared {} bytes",
            d.declared
        ));
    }
    let bitmap = (block / 512).div_ceil(8).div_ceil(512) * 512;
    let bat = bytes_at(data, table, entries.saturating_mul(4));
    if (bat.len() as u64) < entries.saturating_mul(4) {
        d.problems.push(format!(
            "the block allocation table declares {entries} entries, past the end of the image"
        ));
    }
    let want = d.declared.min(max_len);
    let mut absurd = 0u64;
    let mut first_absurd = None;
    let mut covered = 0u64;
    let mut last_data = 0usize;
    for (i, e) in bat.chunks_exact(4).enumerate() {
        if covered >= want {
            d.cut = covered < d.declared && bat[i * 4..].chunks_exact(4).any(|e| e != [0xff; 4]);
            break;
        }
        let e = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
        if e == u32::MAX {
            push_piece(&mut d.pieces, Piece::Zeros(block));
        } else {
            let at = u64::from(e) * 512 + bitmap;
            if at.saturating_add(block) > len
                || (at < table.saturating_add(bat.len() as u64) && at.saturating_add(block) > table)
            {
                absurd += 1;
                first_absurd.get_or_insert((i, e));
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
        covered += block;
    }
    if let Some((i, e)) = first_absurd {
        d.problems.push(format!(
            "block allocation table: {absurd} entries point past the end of the image or into its tables (the first, entry {i}, at sector {e})"
        ));
    }
    truncate_pieces(&mut d.pieces, want);
    // Zeros after the last allocated block hold nothing to scan.
    d.pieces.truncate(last_data.min(d.pieces.len()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn footer(kind: u32, size: u64, data_offset: u64) -> Vec<u8> {
        let mut f = vec![0u8; 512];
        f[..8].copy_from_slice(b"conectix");
        f[16..24].copy_from_slice(&data_offset.to_be_bytes());
        f[48..56].copy_from_slice(&size.to_be_bytes());
        f[60..64].copy_from_slice(&kind.to_be_bytes());
        f
    }

    #[test]
    fn a_fixed_disk_is_its_body() {
        let mut img = vec![7u8; 4096];
        img.extend(footer(2, 4096, u64::MAX));
        let d = read(&img, 1 << 20);
        assert_eq!(
            d.pieces,
            vec![Piece::Data {
                offset: 0,
                len: 4096
            }]
        );
        assert!(d.problems.is_empty());
    }

    #[test]
    fn an_absurd_block_size_is_a_problem() {
        let mut img = footer(3, 1 << 40, 512);
        let mut h = vec![0u8; 1024];
        h[..8].copy_from_slice(b"cxsparse");
        h[16..24].copy_from_slice(&1536u64.to_be_bytes());
        h[28..32].copy_from_slice(&u32::MAX.to_be_bytes());
        h[32..36].copy_from_slice(&3u32.to_be_bytes());
        img.extend(h);
        img.extend(footer(3, 1 << 40, 512));
        let d = read(&img, 1 << 20);
        assert!(d.pieces.is_empty());
        assert!(
            d.problems.iter().any(|p| p.contains("absurd")),
            "{:?}",
            d.problems
        );
    }
}
