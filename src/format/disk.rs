//! What the disk image readers ([`iso9660`](super::iso9660),
//! [`udf`](super::udf), [`fat`](super::fat), [`mbr`](super::mbr),
//! [`vhd`](super::vhd), [`vhdx`](super::vhdx)) share: a file as the pieces
//! of the image its bytes are made of, and little-endian field readers that
//! never panic.
//!
//! A reader lists where each file's bytes lie; it copies nothing. The
//! unpacker turns a file of one piece into a slice of the image, and
//! assembles the others through the budget.

/// Longest path a reader builds (Linux's `PATH_MAX`): a deeper one keeps
/// its end, the name and the folders nearest it.
pub(crate) const MAX_PATH: usize = 4096;

/// `parent/name`, or `name` at the root; past [`MAX_PATH`] bytes, its last
/// [`MAX_PATH`] bytes after `…`. Every file of a folder holds its path, so
/// paths of any length over thousands of files would be a bomb of their
/// own.
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        return name.to_owned();
    }
    let joined = format!("{parent}/{name}");
    if joined.len() <= MAX_PATH {
        return joined;
    }
    let mut cut = joined.len() - MAX_PATH;
    while !joined.is_char_boundary(cut) {
        cut += 1;
    }
    format!("…{}", &joined[cut..])
}

/// One run of a file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// `len` bytes of the image from `offset` (which may lie past its end
    /// when the image is truncated or lies: the unpacker checks).
    Data {
        /// Where the run starts in the image.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
    /// `len` bytes of zeros (a sparse or unrecorded extent).
    Zeros(u64),
}

impl Piece {
    /// How many bytes the piece stands for.
    pub fn len(self) -> u64 {
        match self {
            Piece::Data { len, .. } | Piece::Zeros(len) => len,
        }
    }
}

/// Appends `piece` to `pieces`, merging it with the last one when the two
/// are contiguous in the image (a file whose clusters follow each other is
/// one slice).
pub(crate) fn push_piece(pieces: &mut Vec<Piece>, piece: Piece) {
    if piece.len() == 0 {
        return;
    }
    match (pieces.last_mut(), piece) {
        (
            Some(Piece::Data { offset, len }),
            Piece::Data {
                offset: o2,
                len: l2,
            },
        ) if offset.checked_add(*len) == Some(o2) => *len += l2,
        (Some(Piece::Zeros(a)), Piece::Zeros(b)) => *a = a.saturating_add(b),
        _ => pieces.push(piece),
    }
}

/// Keeps the first `size` bytes of `pieces`.
pub(crate) fn truncate_pieces(pieces: &mut Vec<Piece>, size: u64) {
    let mut left = size;
    let mut keep = 0;
    for p in pieces.iter_mut() {
        if left == 0 {
            break;
        }
        let l = p.len().min(left);
        match p {
            Piece::Data { len, .. } | Piece::Zeros(len) => *len = l,
        }
        left -= l;
        keep += 1;
    }
    pieces.truncate(keep);
}

/// The total length of `pieces`.
pub(crate) fn pieces_len(pieces: &[Piece]) -> u64 {
    pieces.iter().fold(0u64, |a, p| a.saturating_add(p.len()))
}

/// One file of an image, as one reader of it shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageFile {
    /// Its path from the image's root, folders separated by `/`.
    pub path: String,
    /// Where its bytes lie.
    pub pieces: Vec<Piece>,
    /// The file, or a folder it is in, carries a hidden (or system) flag.
    pub hidden: bool,
}

impl ImageFile {
    /// Its size.
    pub fn size(&self) -> u64 {
        pieces_len(&self.pieces)
    }

    /// Where its bytes start in the image, the identity readers are
    /// compared by (two readers that show the same bytes at the same place
    /// show the same file).
    pub fn start(&self) -> Option<u64> {
        self.pieces.iter().find_map(|p| match p {
            Piece::Data { offset, .. } => Some(*offset),
            Piece::Zeros(_) => None,
        })
    }
}

/// A little-endian u16 at `off`, 0 past the end.
pub(crate) fn le16(b: &[u8], off: usize) -> u16 {
    b.get(off..off.saturating_add(2))
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

/// A little-endian u32 at `off`, 0 past the end.
pub(crate) fn le32(b: &[u8], off: usize) -> u32 {
    b.get(off..off.saturating_add(4))
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// A little-endian u64 at `off`, 0 past the end.
pub(crate) fn le64(b: &[u8], off: usize) -> u64 {
    b.get(off..off.saturating_add(8)).map_or(0, |s| {
        u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]])
    })
}

/// A big-endian u32 at `off`, 0 past the end.
pub(crate) fn be32(b: &[u8], off: usize) -> u32 {
    b.get(off..off.saturating_add(4))
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// A big-endian u64 at `off`, 0 past the end.
pub(crate) fn be64(b: &[u8], off: usize) -> u64 {
    b.get(off..off.saturating_add(8)).map_or(0, |s| {
        u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]])
    })
}

/// `len` bytes of `b` from `off`, or what there is of them.
pub(crate) fn bytes_at(b: &[u8], off: u64, len: u64) -> &[u8] {
    let start = usize::try_from(off).unwrap_or(usize::MAX).min(b.len());
    let end = usize::try_from(off.saturating_add(len))
        .unwrap_or(usize::MAX)
        .min(b.len());
    &b[start..end]
}

/// UCS-2 code units (big- or little-endian) as a string; unpaired
/// surrogates become U+FFFD.
pub(crate) fn ucs2(b: &[u8], big_endian: bool) -> String {
    let units = b.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_past_path_max_keeps_its_end() {
        assert_eq!(join("", "a.txt"), "a.txt");
        assert_eq!(join("d", "a.txt"), "d/a.txt");
        let mut p = String::new();
        for _ in 0..100 {
            p = join(&p, &"é".repeat(100));
        }
        let p = join(&p, "end.exe");
        assert!(p.len() <= MAX_PATH + '…'.len_utf8(), "{}", p.len());
        assert!(p.starts_with('…') && p.ends_with("/end.exe"));
    }

    #[test]
    fn contiguous_pieces_merge_and_truncate() {
        let mut p = Vec::new();
        push_piece(&mut p, Piece::Data { offset: 0, len: 10 });
        push_piece(&mut p, Piece::Data { offset: 10, len: 5 });
        push_piece(&mut p, Piece::Zeros(3));
        push_piece(&mut p, Piece::Data { offset: 40, len: 5 });
        assert_eq!(p.len(), 3);
        assert_eq!(pieces_len(&p), 23);
        truncate_pieces(&mut p, 16);
        assert_eq!(p, vec![Piece::Data { offset: 0, len: 15 }, Piece::Zeros(1)]);
    }

    #[test]
    fn fields_past_the_end_are_zero() {
        assert_eq!(le32(&[1, 2], 0), 0);
        assert_eq!(le16(&[1, 2], usize::MAX), 0);
        assert_eq!(bytes_at(&[1, 2, 3], 2, u64::MAX), &[3]);
        assert_eq!(ucs2(&[0, b'a', 0xd8, 0], true), "a\u{fffd}");
    }
}
