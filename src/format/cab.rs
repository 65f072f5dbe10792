//! Microsoft cabinet (CAB) structure: the header, the folders (each one
//! compressed stream), the files (each a range of a folder's uncompressed
//! stream) and the data blocks of a folder. Pure: no I/O, no allocation
//! sized by a declared field (counts are 16-bit, and every record read is
//! backed by input bytes before it is kept).

/// The signature at offset 0.
pub(crate) const SIGNATURE: &[u8; 4] = b"MSCF";

/// Header flag: this cabinet continues a previous one of its set.
const FLAG_PREV: u16 = 1;
/// Header flag: the set continues in a next cabinet.
const FLAG_NEXT: u16 = 2;
/// Header flag: reserved areas are present.
const FLAG_RESERVE: u16 = 4;

/// File attribute: the name is UTF-8 (otherwise the writer's code page).
const A_NAME_IS_UTF: u16 = 0x80;

/// A file's folder index that says its data starts in the previous cabinet.
pub(crate) const CONTINUED_FROM_PREV: u16 = 0xfffd;
/// A file's folder index that says its data goes on in the next cabinet.
pub(crate) const CONTINUED_TO_NEXT: u16 = 0xfffe;
/// Both of the above.
pub(crate) const CONTINUED_PREV_AND_NEXT: u16 = 0xffff;

/// A folder's compression method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Stored.
    None,
    /// Deflate blocks sharing a 32 KiB history.
    MsZip,
    /// Quantum (no decoder).
    Quantum,
    /// LZX with a window of 2^n bytes (15 to 21).
    Lzx(u8),
    /// Anything else: the raw field.
    Unknown(u16),
}

impl Method {
    fn from_field(v: u16) -> Method {
        match v & 0x0f {
            0 => Method::None,
            1 => Method::MsZip,
            2 => Method::Quantum,
            3 => {
                let w = ((v >> 8) & 0x1f) as u8;
                if (15..=21).contains(&w) {
                    Method::Lzx(w)
                } else {
                    Method::Unknown(v)
                }
            }
            _ => Method::Unknown(v),
        }
    }

    /// A name for findings.
    pub(crate) fn name(self) -> String {
        match self {
            Method::None => "none".into(),
            Method::MsZip => "mszip".into(),
            Method::Quantum => "quantum".into(),
            Method::Lzx(w) => format!("lzx-{w}"),
            Method::Unknown(v) => format!("cab-method-{v:#06x}"),
        }
    }
}

/// One folder: where its data blocks start, how many there are, and how
/// they are compressed.
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    pub data_offset: u32,
    pub blocks: u16,
    pub method: Method,
}

/// One file: a range of a folder's uncompressed stream.
#[derive(Debug, Clone)]
pub(crate) struct File {
    pub name: String,
    /// The name as stored was not UTF-8 though flagged so, or was read in
    /// a code page: shown here as Latin-1.
    pub name_lossy: bool,
    pub size: u32,
    pub offset: u32,
    pub folder: u16,
}

/// What the header and the two tables say.
#[derive(Debug, Clone)]
pub(crate) struct Cabinet {
    /// The size the header declares for the cabinet.
    pub declared_size: u32,
    pub set_id: u16,
    pub index: u16,
    /// A previous cabinet of the set exists (its name, if readable).
    pub prev: Option<String>,
    /// A next cabinet of the set exists (its name, if readable).
    pub next: Option<String>,
    /// Bytes reserved after each data block's header.
    pub data_reserve: u8,
    pub folders: Vec<Folder>,
    pub files: Vec<File>,
    /// The file table ended early (truncated or malformed): the files
    /// before it are listed.
    pub files_cut: Option<String>,
}

/// One data block of a folder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block<'a> {
    pub data: &'a [u8],
    /// The uncompressed size the block declares (0: continued in the next
    /// cabinet).
    pub uncompressed: u16,
    /// The input ends inside this block: `data` is what is there.
    pub cut: bool,
}

/// Why a cabinet's header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum CabError {
    /// Not a cabinet: no signature, or a version no writer makes.
    #[error("not a cabinet: {0}")]
    NotCab(&'static str),
    /// The header or the folder table is cut short or points outside.
    #[error("cabinet header: {0}")]
    Header(String),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// True when `b` starts with a cabinet header that reads as one: the
/// signature, zero reserved fields, version 1.3, a file table inside the
/// declared size.
pub(crate) fn is_cab(b: &[u8]) -> bool {
    if !b.starts_with(SIGNATURE) || b.len() < 36 {
        return false;
    }
    let (Some(r1), Some(size), Some(files)) = (u32_at(b, 4), u32_at(b, 8), u32_at(b, 16)) else {
        return false;
    };
    r1 == 0 && b[25] == 1 && b[24] <= 3 && files >= 36 && files < size
}

/// A NUL-terminated string of at most 256 bytes at `at`; the bytes and the
/// offset after its NUL.
fn cstr(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = b.get(at..)?;
    let end = memchr::memchr(0, &rest[..rest.len().min(257)])?;
    Some((&rest[..end], at + end + 1))
}

/// A name as a string: UTF-8 when flagged so (or when it is valid UTF-8),
/// otherwise each byte as its Latin-1 character. The bool says the bytes
/// were not read as they were meant to be.
fn decode_name(raw: &[u8], utf: bool) -> (String, bool) {
    match std::str::from_utf8(raw) {
        Ok(s) => (s.to_owned(), false),
        Err(_) if utf => (String::from_utf8_lossy(raw).into_owned(), true),
        Err(_) => (raw.iter().map(|&c| c as char).collect(), !raw.is_ascii()),
    }
}

/// Reads the header, the folders and the files.
pub(crate) fn parse(b: &[u8]) -> Result<Cabinet, CabError> {
    let bad = |s: &str| CabError::Header(s.to_owned());
    if !b.starts_with(SIGNATURE) {
        return Err(CabError::NotCab("no MSCF signature"));
    }
    if b.len() < 36 {
        return Err(bad("shorter than its header"));
    }
    if b[25] != 1 {
        return Err(CabError::NotCab("major version is not 1"));
    }
    let declared_size = u32_at(b, 8).unwrap_or(0);
    let files_offset = u32_at(b, 16).unwrap_or(0) as usize;
    let n_folders = u16_at(b, 26).unwrap_or(0);
    let n_files = u16_at(b, 28).unwrap_or(0);
    let flags = u16_at(b, 30).unwrap_or(0);
    let set_id = u16_at(b, 32).unwrap_or(0);
    let index = u16_at(b, 34).unwrap_or(0);
    let mut at = 36usize;
    let (mut folder_reserve, mut data_reserve) = (0usize, 0u8);
    if flags & FLAG_RESERVE != 0 {
        let header_reserve = u16_at(b, 36).ok_or_else(|| bad("reserve sizes cut"))? as usize;
        folder_reserve = *b.get(38).ok_or_else(|| bad("reserve sizes cut"))? as usize;
        data_reserve = *b.get(39).ok_or_else(|| bad("reserve sizes cut"))?;
        at = 40 + header_reserve;
    }
    let name_pair = |at: &mut usize| -> Result<String, CabError> {
        let (cab, next) = cstr(b, *at).ok_or_else(|| bad("set cabinet name cut"))?;
        let (_disk, next) = cstr(b, next).ok_or_else(|| bad("set disk name cut"))?;
        *at = next;
        Ok(decode_name(cab, false).0)
    };
    let prev = if flags & FLAG_PREV != 0 {
        Some(name_pair(&mut at)?)
    } else {
        None
    };
    let next = if flags & FLAG_NEXT != 0 {
        Some(name_pair(&mut at)?)
    } else {
        None
    };
    let mut folders = Vec::new();
    for _ in 0..n_folders {
        let rec = b
            .get(at..at + 8 + folder_reserve)
            .ok_or_else(|| bad("folder table cut"))?;
        folders.push(Folder {
            data_offset: u32_at(rec, 0).unwrap_or(0),
            blocks: u16_at(rec, 4).unwrap_or(0),
            method: Method::from_field(u16_at(rec, 6).unwrap_or(0)),
        });
        at += 8 + folder_reserve;
    }
    let mut files = Vec::new();
    let mut files_cut = None;
    let mut at = files_offset;
    for i in 0..n_files {
        let Some(rec) = b.get(at..at + 16) else {
            files_cut = Some(format!(
                "the file table ends after {i} of {n_files} files (cut short)"
            ));
            break;
        };
        let Some((raw, after)) = cstr(b, at + 16) else {
            files_cut = Some(format!(
                "the name of file {} of {n_files} is cut or longer than 256 bytes",
                i + 1
            ));
            break;
        };
        let attribs = u16_at(rec, 14).unwrap_or(0);
        let (name, name_lossy) = decode_name(raw, attribs & A_NAME_IS_UTF != 0);
        files.push(File {
            name,
            name_lossy,
            size: u32_at(rec, 0).unwrap_or(0),
            offset: u32_at(rec, 4).unwrap_or(0),
            folder: u16_at(rec, 8).unwrap_or(0),
        });
        at = after;
    }
    Ok(Cabinet {
        declared_size,
        set_id,
        index,
        prev,
        next,
        data_reserve,
        folders,
        files,
        files_cut,
    })
}

/// The data blocks of `folder`, in order, up to the first that is cut short
/// (then the error says where).
pub(crate) fn blocks<'a>(
    b: &'a [u8],
    folder: &Folder,
    data_reserve: u8,
) -> impl Iterator<Item = Result<Block<'a>, String>> + 'a {
    let mut at = folder.data_offset as usize;
    let total = folder.blocks;
    let mut i = 0u16;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || i >= total {
            return None;
        }
        i += 1;
        let head = 8 + data_reserve as usize;
        let (Some(packed), Some(uncompressed)) = (u16_at(b, at + 4), u16_at(b, at + 6)) else {
            failed = true;
            return Some(Err(format!("data block {i} of {total} is cut short")));
        };
        let start = at + head;
        let Some(data) = b.get(start..start + packed as usize) else {
            failed = true;
            return Some(match b.get(start..) {
                Some(data) if !data.is_empty() => Ok(Block {
                    data,
                    uncompressed,
                    cut: true,
                }),
                _ => Err(format!("data block {i} of {total} is cut short")),
            });
        };
        at = start + packed as usize;
        Some(Ok(Block {
            data,
            uncompressed,
            cut: false,
        }))
    })
}

/// The compressed bytes of a folder: its blocks' data, as far as the input
/// holds them.
pub(crate) fn packed_size(b: &[u8], folder: &Folder, data_reserve: u8) -> u64 {
    blocks(b, folder, data_reserve)
        .map_while(Result::ok)
        .map(|blk| blk.data.len() as u64)
        .sum()
}

impl Cabinet {
    /// True when the cabinet is one of a set of several.
    pub(crate) fn in_a_set(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A cabinet of stored files in one folder, as a writer makes it.
    pub(crate) fn stored_cab(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut names = Vec::new();
        for (n, d) in files {
            names.extend_from_slice(&(d.len() as u32).to_le_bytes());
            let off: usize = files
                .iter()
                .take_while(|(m, _)| m != n)
                .map(|(_, d)| d.len())
                .sum();
            names.extend_from_slice(&(off as u32).to_le_bytes());
            names.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x20, 0]);
            names.extend_from_slice(n.as_bytes());
            names.push(0);
        }
        let all: Vec<u8> = files.iter().flat_map(|(_, d)| d.iter().copied()).collect();
        let chunks: Vec<&[u8]> = if all.is_empty() {
            Vec::new()
        } else {
            all.chunks(0x8000).collect()
        };
        let files_off = 36 + 8;
        let data_off = files_off + names.len();
        let mut v = Vec::new();
        v.extend_from_slice(SIGNATURE);
        v.extend_from_slice(&0u32.to_le_bytes());
        let total = data_off + chunks.iter().map(|c| 8 + c.len()).sum::<usize>();
        v.extend_from_slice(&(total as u32).to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&(files_off as u32).to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&[3, 1]);
        v.extend_from_slice(&1u16.to_le_bytes());
        v.extend_from_slice(&(files.len() as u16).to_le_bytes());
        v.extend_from_slice(&[0, 0, 0x34, 0x12, 0, 0]);
        v.extend_from_slice(&(data_off as u32).to_le_bytes());
        v.extend_from_slice(&(chunks.len() as u16).to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.extend_from_slice(&names);
        for c in chunks {
            v.extend_from_slice(&0u32.to_le_bytes());
            v.extend_from_slice(&(c.len() as u16).to_le_bytes());
            v.extend_from_slice(&(c.len() as u16).to_le_bytes());
            v.extend_from_slice(c);
        }
        v
    }

    #[test]
    fn a_stored_cabinet_reads_back() {
        let cab = stored_cab(&[("a.txt", b"alpha"), ("dir\\b.txt", b"beta")]);
        assert!(is_cab(&cab));
        let c = parse(&cab).unwrap();
        assert_eq!(c.folders.len(), 1);
        assert_eq!(c.files.len(), 2);
        assert_eq!(c.files[1].name, "dir\\b.txt");
        assert_eq!((c.files[1].offset, c.files[1].size), (5, 4));
        let blocks: Vec<_> = blocks(&cab, &c.folders[0], 0).collect();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].as_ref().unwrap().data, b"alphabeta");
    }

    #[test]
    fn cut_tables_list_what_is_there() {
        let cab = stored_cab(&[("a.txt", b"alpha"), ("b.txt", b"beta")]);
        // Cut inside the second name.
        let c = parse(&cab[..36 + 8 + 16 + 6 + 16 + 2]).unwrap();
        assert_eq!(c.files.len(), 1);
        assert!(c.files_cut.is_some());
        assert!(parse(&cab[..30]).is_err());
        assert!(parse(b"MSCX").is_err());
    }

    #[test]
    fn code_page_names_are_read_as_latin1() {
        assert_eq!(decode_name(b"caf\xe9", false), ("café".into(), true));
        assert_eq!(decode_name("café".as_bytes(), true), ("café".into(), false));
    }
}
