//! OneNote sections (`.one`, MS-ONESTORE): the files embedded in them. Each
//! is stored whole in a FileDataStoreObject: a header GUID, its declared
//! length (u64), 12 reserved bytes, the data, padding to 8 bytes and a
//! footer GUID. The blocks are found by their header GUID wherever they
//! are; a block's data is bounded by the file, never by its declared length
//! alone.

/// `{7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}`: the file format of a section.
pub(crate) const FILE_GUID: [u8; 16] = [
    0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3,
];
/// `{BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC}`: a FileDataStoreObject's header.
pub(crate) const BLOCK_HEADER: [u8; 16] = [
    0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26, 0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d, 0x0b, 0x7a, 0x9e, 0xac,
];
/// `{71FBA722-0F79-4A0B-BB13-899256426B24}`: its footer.
pub(crate) const BLOCK_FOOTER: [u8; 16] = [
    0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f, 0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6b, 0x24,
];
/// The header GUID, the length and the reserved fields.
const BLOCK_HEAD_LEN: usize = 16 + 8 + 4 + 8;

/// True for a OneNote section.
pub(crate) fn is_onenote(b: &[u8]) -> bool {
    b.starts_with(&FILE_GUID)
}

/// One embedded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// Where its header GUID is.
    pub header: usize,
    /// Where its data starts and ends in the file.
    pub data_start: usize,
    pub data_end: usize,
    /// The length its header declares.
    pub declared: u64,
    /// True when the declared length runs past the end of the file.
    pub truncated: bool,
    /// True when the footer GUID follows the data (after 0 to 7 bytes of
    /// padding).
    pub footer: bool,
}

/// The embedded files of a section, at most `max` of them, and whether
/// there were more. A header inside an earlier block's data is read too:
/// OneNote reaches its blocks by reference, never by searching, so an
/// earlier header whose declared length swallows a later one may be a
/// decoy that OneNote never reads, and the later one the file it shows.
/// (A OneNote file embedded in another has its blocks read twice, once
/// here and once in its own reading.)
pub(crate) fn blocks(data: &[u8], max: usize) -> (Vec<Block>, bool) {
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(data, &BLOCK_HEADER) {
        if out.len() >= max {
            return (out, true);
        }
        let Some(len) = data.get(at + 16..at + 24) else {
            continue;
        };
        let declared = u64::from_le_bytes(len.try_into().unwrap_or([0; 8]));
        let data_start = (at + BLOCK_HEAD_LEN).min(data.len());
        let room = (data.len() - data_start) as u64;
        let truncated = declared > room || at + BLOCK_HEAD_LEN > data.len();
        // Bounded by the file: `declared.min(room)` fits in usize.
        let data_end = data_start + declared.min(room) as usize;
        let footer = (0..8)
            .any(|pad| data.get(data_end + pad..data_end + pad + 16) == Some(&BLOCK_FOOTER[..]));
        out.push(Block {
            header: at,
            data_start,
            data_end,
            declared,
            truncated,
            footer,
        });
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(data: &[u8], declared: u64, footer: bool) -> Vec<u8> {
        let mut b = BLOCK_HEADER.to_vec();
        b.extend_from_slice(&declared.to_le_bytes());
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(data);
        b.resize(b.len().next_multiple_of(8), 0);
        if footer {
            b.extend_from_slice(&BLOCK_FOOTER);
        }
        b
    }

    #[test]
    fn blocks_are_found_and_bounded_by_the_file() {
        let mut f = FILE_GUID.to_vec();
        f.extend_from_slice(&[0; 40]);
        f.extend(block(b"hello", 5, true));
        f.extend(block(b"tail", 1 << 40, false));
        let (b, cut) = blocks(&f, 10);
        assert!(!cut);
        assert_eq!(b.len(), 2);
        assert_eq!(&f[b[0].data_start..b[0].data_end], b"hello");
        assert!(b[0].footer && !b[0].truncated);
        assert!(b[1].truncated && !b[1].footer);
        assert_eq!(b[1].data_end, f.len());
        let (b, cut) = blocks(&f, 1);
        assert!(cut && b.len() == 1);
    }

    #[test]
    fn a_header_inside_an_earlier_blocks_data_is_read_too() {
        // A decoy whose declared length runs into the real block's data.
        let real = block(b"@echo off\r\nstart calc\r\n", 23, true);
        let mut f = FILE_GUID.to_vec();
        f.extend(block(&[], (real.len() + 4) as u64, false));
        f.extend(real);
        let (b, _) = blocks(&f, 10);
        assert_eq!(b.len(), 2);
        assert_eq!(
            &f[b[1].data_start..b[1].data_end],
            b"@echo off\r\nstart calc\r\n"
        );
    }

    #[test]
    fn a_header_cut_short_is_a_truncated_block() {
        let mut f = FILE_GUID.to_vec();
        f.extend_from_slice(&BLOCK_HEADER);
        f.extend_from_slice(&[5, 0, 0, 0, 0, 0, 0, 0, 1]);
        let (b, _) = blocks(&f, 10);
        assert!(b[0].truncated && b[0].data_start == f.len());
    }
}
