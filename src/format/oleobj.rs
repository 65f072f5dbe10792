//! Embedded objects of Office documents (MS-OLEDS): the OLE1 object header
//! that RTF's `\objdata` holds, and the Packager's native data (the
//! `\x01Ole10Native` stream of an OLE2 object, or the native data of an
//! OLE1 `Package`), which carries a whole file with its name. Pure: ranges
//! into the caller's bytes, nothing sized by a declared length.

use std::ops::Range;

/// An OLE1 object (MS-OLEDS 2.2.4 ObjectHeader and what follows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ole1Object {
    /// The class name (`Package`, `Word.Document.8`, `Equation.3`).
    pub class: String,
    /// The native data of an embedded object: as much of its declared
    /// size as the input holds. Empty for a linked object.
    pub native: Range<usize>,
    /// True when the input ends before the declared native data does.
    pub truncated: bool,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// A LengthPrefixedAnsiString: the string (without its NUL) and where the
/// next field starts.
fn ansi_at(b: &[u8], at: usize) -> Option<(String, usize)> {
    let len = u32_at(b, at)? as usize;
    let start = at + 4;
    let s = b.get(start..start.checked_add(len)?)?;
    let text = s.split(|&c| c == 0).next().unwrap_or(&[]);
    Some((latin1(text), start + len))
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// Reads an OLE1 object header: version, format (2 embedded, 1 linked),
/// class, topic and item names, then the native data's size and data.
pub(crate) fn ole1(b: &[u8]) -> Option<Ole1Object> {
    let format = u32_at(b, 4)?;
    let (class, at) = ansi_at(b, 8)?;
    let (_topic, at) = ansi_at(b, at)?;
    let (_item, at) = ansi_at(b, at)?;
    if format != 2 {
        // Linked (1) or static: no native data follows here.
        return Some(Ole1Object {
            class,
            native: at..at,
            truncated: false,
        });
    }
    let declared = u32_at(b, at)? as usize;
    let start = at + 4;
    let end = start.saturating_add(declared).min(b.len());
    Some(Ole1Object {
        class,
        native: start..end,
        truncated: start.saturating_add(declared) > b.len(),
    })
}

/// A file the Packager carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Packaged {
    /// The label shown under the icon.
    pub label: String,
    /// The original file's path.
    pub file_name: String,
    /// The path it was dropped at when packaged (and is written to when
    /// opened).
    pub temp_path: String,
    /// Its bytes: as much of their declared size as the input holds.
    pub data: Range<usize>,
    /// True when the input ends before the declared data does.
    pub truncated: bool,
}

/// A NUL-terminated ANSI string at `at`, at most 260 bytes read for its
/// text (MAX_PATH), and where the next field starts.
fn cstr_at(b: &[u8], at: usize) -> Option<(String, usize)> {
    let rest = b.get(at..)?;
    let len = memchr::memchr(0, rest)?;
    Some((latin1(&rest[..len.min(1024)]), at + len + 1))
}

/// The Packager's native data without its leading size (the layout of an
/// OLE1 `Package`'s native data): a type (2 for an embedded file), the
/// label, the file name, two reserved words, the temporary path's size and
/// text, the data's size and the data.
pub(crate) fn package(b: &[u8]) -> Option<Packaged> {
    let (label, at) = cstr_at(b, 2)?;
    let (file_name, at) = cstr_at(b, at)?;
    // Two words: the "type" of the file (3: embedded) and a reserved one.
    let at = at.checked_add(4)?;
    let tlen = u32_at(b, at)? as usize;
    let tstart = at + 4;
    let t = b.get(tstart..tstart.checked_add(tlen)?)?;
    let temp_path = latin1(t.split(|&c| c == 0).next().unwrap_or(&[]));
    let at = tstart + tlen;
    let declared = u32_at(b, at)? as usize;
    let start = at + 4;
    let end = start.saturating_add(declared).min(b.len());
    Some(Packaged {
        label,
        file_name,
        temp_path,
        data: start..end,
        truncated: start.saturating_add(declared) > b.len(),
    })
}

/// An `\x01Ole10Native` stream: a total size, then [`package`]'s layout.
/// Ranges are into `b`.
pub(crate) fn ole10native(b: &[u8]) -> Option<Packaged> {
    let inner = b.get(4..)?;
    let mut p = package(inner)?;
    p.data = p.data.start + 4..p.data.end + 4;
    Some(p)
}

/// The last component of a Windows or Unix path.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// Writes the Packager's native data (without the leading size) for a file,
/// as Word does: for tests.
#[cfg(test)]
pub(crate) fn write_package(label: &str, path: &str, data: &[u8]) -> Vec<u8> {
    let mut v = 2u16.to_le_bytes().to_vec();
    for s in [label, path] {
        v.extend_from_slice(s.as_bytes());
        v.push(0);
    }
    v.extend_from_slice(&[0, 0, 3, 0]);
    v.extend_from_slice(&(path.len() as u32 + 1).to_le_bytes());
    v.extend_from_slice(path.as_bytes());
    v.push(0);
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(data);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_round_trips() {
        let p = write_package("a.txt", "C:\\Users\\x\\a.txt", b"hello");
        let got = package(&p).unwrap();
        assert_eq!(got.label, "a.txt");
        assert_eq!(base_name(&got.file_name), "a.txt");
        assert_eq!(&p[got.data.clone()], b"hello");
        assert!(!got.truncated);
        let mut s = ((p.len()) as u32).to_le_bytes().to_vec();
        s.extend_from_slice(&p);
        let got = ole10native(&s).unwrap();
        assert_eq!(&s[got.data], b"hello");
        // Cut short: what is there, and a truncation.
        let got = package(&p[..p.len() - 2]).unwrap();
        assert!(got.truncated);
        assert_eq!(&p[got.data], b"hel");
    }

    #[test]
    fn an_ole1_header_gives_its_class_and_native_data() {
        let mut v = 0x0501u32.to_le_bytes().to_vec();
        v.extend_from_slice(&2u32.to_le_bytes());
        for s in [&b"Equation.3\0"[..], b"\0", b"\0"] {
            v.extend_from_slice(&(s.len() as u32).to_le_bytes());
            v.extend_from_slice(s);
        }
        v.extend_from_slice(&1000u32.to_le_bytes());
        v.extend_from_slice(b"abc");
        let o = ole1(&v).unwrap();
        assert_eq!(o.class, "Equation.3");
        assert_eq!(&v[o.native], b"abc");
        assert!(o.truncated);
        assert!(ole1(&v[..10]).is_none());
    }
}
