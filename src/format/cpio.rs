//! cpio archives, in the four forms `cpio`, `bsdcpio` and the Linux
//! initramfs write: `newc` (`070701`) and `crc` (`070702`) with hexadecimal
//! fields, `odc` (`070707`) with octal ones, and the old binary form
//! (`0x71c7`, in either byte order). Pure: headers read in place.

/// One header of a cpio archive and where its name and data are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The name's bytes, without its NUL.
    pub name: std::ops::Range<usize>,
    /// The file's mode: its type in the bits of `0o170000`.
    pub mode: u32,
    /// The data's bytes (the target of a symbolic link).
    pub data: std::ops::Range<usize>,
    /// Where the next header starts.
    pub next: usize,
}

/// The file type bits of a mode.
pub(crate) const TYPE_MASK: u32 = 0o170000;
/// A regular file.
pub(crate) const REGULAR: u32 = 0o100000;
/// A symbolic link.
pub(crate) const SYMLINK: u32 = 0o120000;

/// The name of the entry that ends an archive.
pub(crate) const TRAILER: &[u8] = b"TRAILER!!!";

/// True when `b` starts with a cpio header that reads as one: its fields
/// numbers of their form, and for the binary form (whose two-byte magic
/// alone is too weak a sign) its name and data within `b` too. An ASCII
/// archive cut short is still a cpio, for the unpacker to report.
pub(crate) fn is_cpio(b: &[u8]) -> bool {
    // The ASCII forms' header lengths: a cut there says nothing yet.
    let whole = match b.get(..6) {
        Some(b"070701" | b"070702") => b.len() >= 110,
        Some(b"070707") => b.len() >= 76,
        _ => false,
    };
    match header(b, 0) {
        Ok(Some(_)) => true,
        Err(Bad::Truncated) => whole,
        _ => false,
    }
}

/// Why a header could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bad {
    /// Not a header of any form.
    Magic,
    /// A field that is not a number of its form, or a name without its NUL.
    Field,
    /// The header, name or data runs past the end.
    Truncated,
}

/// The header at `at`; `Ok(None)` at the end of the bytes.
pub(crate) fn header(b: &[u8], at: usize) -> Result<Option<Header>, Bad> {
    let rest = b.get(at..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(None);
    }
    match rest {
        [b'0', b'7', b'0', b'7', b'0', b'1' | b'2', ..] => ascii(b, at, 110, 8, 16, 4),
        [b'0', b'7', b'0', b'7', b'0', b'7', ..] => ascii(b, at, 76, 6, 8, 1),
        [0xc7, 0x71, ..] => binary(b, at, false),
        [0x71, 0xc7, ..] => binary(b, at, true),
        _ => Err(Bad::Magic),
    }
}

/// The ASCII forms: `newc`/`crc` (110-byte header, hexadecimal fields of 8,
/// name and data each padded to 4) and `odc` (76 bytes, octal fields of 6,
/// its time and size of 11, no padding).
fn ascii(
    b: &[u8],
    at: usize,
    len: usize,
    width: usize,
    radix: u32,
    align: usize,
) -> Result<Option<Header>, Bad> {
    let h = b.get(at..at + len).ok_or(Bad::Truncated)?;
    // As GNU cpio reads a field: blanks around the digits are padding, a
    // sign is no digit (Rust's parser would take `+`).
    let field = |f: &[u8]| {
        let s = std::str::from_utf8(f)
            .map_err(|_| Bad::Field)?
            .trim_matches(' ');
        if s.is_empty() || s.starts_with('+') {
            return Err(Bad::Field);
        }
        u64::from_str_radix(s, radix).map_err(|_| Bad::Field)
    };
    let (mode, namesize, filesize) = if radix == 16 {
        let f = |i: usize| field(&h[6 + i * width..6 + (i + 1) * width]);
        (f(1)?, f(11)?, f(6)?)
    } else {
        // dev ino mode uid gid nlink rdev (6 each), mtime (11),
        // namesize (6), filesize (11).
        (field(&h[18..24])?, field(&h[59..65])?, field(&h[65..76])?)
    };
    layout(b, at, len, mode, namesize, filesize, align)
}

/// The old binary form: thirteen 16-bit words in the writer's byte order,
/// the time and size as two words each, most significant first; name and
/// data padded to 2.
fn binary(b: &[u8], at: usize, big: bool) -> Result<Option<Header>, Bad> {
    let h = b.get(at..at + 26).ok_or(Bad::Truncated)?;
    let word = |i: usize| {
        let pair = [h[i * 2], h[i * 2 + 1]];
        u64::from(if big {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        })
    };
    let filesize = (word(11) << 16) | word(12);
    layout(b, at, 26, word(3), word(10), filesize, 2)
}

fn layout(
    b: &[u8],
    at: usize,
    len: usize,
    mode: u64,
    namesize: u64,
    filesize: u64,
    align: usize,
) -> Result<Option<Header>, Bad> {
    let pad = |n: usize| n.div_ceil(align) * align;
    let size = |n: u64| usize::try_from(n).map_err(|_| Bad::Truncated);
    let name_start = at + len;
    let name_end = name_start
        .checked_add(size(namesize)?)
        .ok_or(Bad::Truncated)?;
    let name = b.get(name_start..name_end).ok_or(Bad::Truncated)?;
    // The name ends in its NUL, and holds no other.
    let Some((0, name)) = name.split_last() else {
        return Err(Bad::Field);
    };
    if name.contains(&0) {
        return Err(Bad::Field);
    }
    let data_start = at + pad(name_end - at);
    let data_end = data_start
        .checked_add(size(filesize)?)
        .ok_or(Bad::Truncated)?;
    if data_end > b.len() {
        return Err(Bad::Truncated);
    }
    Ok(Some(Header {
        name: name_start..name_start + name.len(),
        mode: u32::try_from(mode).map_err(|_| Bad::Field)?,
        data: data_start..data_end,
        next: at + pad(data_end - at),
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A `newc` entry.
    pub(crate) fn newc(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
        let mut v = format!(
            "070701{:08x}{mode:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        )
        .into_bytes();
        v.extend(name.as_bytes());
        v.push(0);
        v.resize(v.len().div_ceil(4) * 4, 0);
        v.extend(data);
        v.resize(v.len().div_ceil(4) * 4, 0);
        v
    }

    /// An `odc` entry.
    fn odc(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
        let mut v = format!(
            "070707{:06o}{:06o}{mode:06o}{:06o}{:06o}{:06o}{:06o}{:011o}{:06o}{:011o}",
            0,
            1,
            0,
            0,
            1,
            0,
            0,
            name.len() + 1,
            data.len()
        )
        .into_bytes();
        v.extend(name.as_bytes());
        v.push(0);
        v.extend(data);
        v
    }

    /// A binary entry, little-endian.
    fn binary_le(name: &str, mode: u16, data: &[u8]) -> Vec<u8> {
        let words = [
            0x71c7,
            0,
            1,
            mode,
            0,
            0,
            1,
            0,
            0,
            0,
            name.len() as u16 + 1,
            (data.len() >> 16) as u16,
            data.len() as u16,
        ];
        let mut v: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        v.extend(name.as_bytes());
        v.push(0);
        v.resize(v.len().div_ceil(2) * 2, 0);
        v.extend(data);
        v.resize(v.len().div_ceil(2) * 2, 0);
        v
    }

    #[test]
    fn every_form_reads_alike() {
        for a in [
            newc("a.txt", REGULAR | 0o644, b"hello"),
            odc("a.txt", REGULAR | 0o644, b"hello"),
            binary_le("a.txt", (REGULAR | 0o644) as u16, b"hello"),
        ] {
            let h = header(&a, 0).unwrap().unwrap();
            assert_eq!(&a[h.name.clone()], b"a.txt");
            assert_eq!(&a[h.data.clone()], b"hello");
            assert_eq!(h.mode & TYPE_MASK, REGULAR);
            assert_eq!(h.next, a.len());
            assert!(is_cpio(&a));
            // Cut anywhere: truncated (a cut in the padding alone loses
            // nothing), never a panic.
            for n in 1..a.len() - 1 {
                assert!(header(&a[..n], 0).is_err() || h.data.end <= n, "{n}");
            }
        }
        assert_eq!(header(b"", 0), Ok(None));
        assert_eq!(header(b"070708", 0), Err(Bad::Magic));
        // Two bytes of the binary magic alone are no archive; an ASCII
        // header whose data was cut is one.
        assert!(!is_cpio(&[0xc7, 0x71, 0xff, 0xff]));
        let cut = newc("a.txt", REGULAR, b"hello");
        assert!(is_cpio(&cut[..cut.len() - 4]));
        assert!(!is_cpio(b"070701 not hexadecimal digits at all, just prose here......................................................."));
    }

    #[test]
    fn numbers_read_as_gnu_cpio_reads_them() {
        // The file size (field 6 of newc) padded with blanks: read.
        let mut a = newc("a.txt", REGULAR, b"hello");
        a[6 + 6 * 8..6 + 7 * 8].copy_from_slice(b"     5  ");
        let h = header(&a, 0).unwrap().unwrap();
        assert_eq!(&a[h.data.clone()], b"hello");
        // A sign: no number to GNU cpio.
        a[6 + 6 * 8..6 + 7 * 8].copy_from_slice(b"+0000005");
        assert_eq!(header(&a, 0), Err(Bad::Field));
    }

    #[test]
    fn a_name_without_its_nul_is_bad() {
        let mut a = newc("a.txt", REGULAR, b"x");
        a[110 + 5] = b'!';
        assert_eq!(header(&a, 0), Err(Bad::Field));
    }
}
