//! Unix `ar` archives: Debian packages (`.deb`), static libraries. A
//! signature, then members of a 60-byte header and their data, padded to
//! an even offset. Long names are GNU's (`/123`, an offset into the `//`
//! member's table) or BSD's (`#1/17`, the name at the start of the data).
//! Pure: headers read in place.

/// The signature an archive starts with.
pub(crate) const SIGNATURE: &[u8; 8] = b"!<arch>\n";

/// The size of a member's header.
const HEADER: usize = 60;

/// One member: its name as the header gives it, and where its data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member<'a> {
    /// The name field, trimmed (`/123`, `#1/17` and `//` as they are).
    pub raw_name: &'a [u8],
    /// The data, after a BSD long name.
    pub data: std::ops::Range<usize>,
    /// A BSD long name, taken from the start of the data.
    pub bsd_name: Option<&'a [u8]>,
    /// Where the next member starts.
    pub next: usize,
}

/// Why a member could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bad {
    /// A header without its ending, or a size that is not a number.
    Header,
    /// The header or data runs past the end.
    Truncated,
}

/// True when `b` is an `ar` archive whose first member reads as one.
pub(crate) fn is_ar(b: &[u8]) -> bool {
    b.starts_with(SIGNATURE) && (b.len() == SIGNATURE.len() || member(b, SIGNATURE.len()).is_ok())
}

/// The member at `at`; `Ok(None)` at the end of the bytes.
pub(crate) fn member(b: &[u8], at: usize) -> Result<Option<Member<'_>>, Bad> {
    let rest = b.get(at..).unwrap_or_default();
    // A lone newline pads some archives' end.
    if rest.is_empty() || rest == b"\n" {
        return Ok(None);
    }
    let h = rest.get(..HEADER).ok_or(Bad::Truncated)?;
    if &h[58..60] != b"`\n" {
        return Err(Bad::Header);
    }
    // Blanks on either side: dpkg and binutils read a size written
    // right-justified (`%10d`) as well as the usual left-justified one.
    let size = std::str::from_utf8(&h[48..58])
        .ok()
        .map(|s| s.trim_matches(' '))
        .filter(|s| !s.starts_with('+'))
        .and_then(|s| s.parse::<usize>().ok())
        .ok_or(Bad::Header)?;
    let start = at + HEADER;
    let end = start.checked_add(size).ok_or(Bad::Truncated)?;
    if end > b.len() {
        return Err(Bad::Truncated);
    }
    let raw_name = h[..16].trim_ascii_end();
    let mut data = start..end;
    let mut bsd_name = None;
    if let Some(len) = raw_name.strip_prefix(b"#1/") {
        let len = std::str::from_utf8(len)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|&n| n <= size)
            .ok_or(Bad::Header)?;
        let name = &b[start..start + len];
        bsd_name = Some(&name[..name.iter().position(|&c| c == 0).unwrap_or(len)]);
        data = start + len..end;
    }
    Ok(Some(Member {
        raw_name,
        data,
        bsd_name,
        next: end + (end & 1),
    }))
}

/// A member's name: GNU's `name/`, a long name from the `//` table
/// (`/123`), a BSD long name, or the field as it is.
pub(crate) fn name<'a>(m: &Member<'a>, long_names: &'a [u8]) -> &'a [u8] {
    if let Some(n) = m.bsd_name {
        return n;
    }
    if let Some(offset) = m.raw_name.strip_prefix(b"/")
        && let Some(offset) = std::str::from_utf8(offset)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        && let Some(rest) = long_names.get(offset..)
    {
        let end = rest
            .iter()
            .position(|&c| c == b'\n' || c == 0)
            .unwrap_or(rest.len());
        let n = &rest[..end];
        return n.strip_suffix(b"/").unwrap_or(n);
    }
    m.raw_name.strip_suffix(b"/").unwrap_or(m.raw_name)
}

/// True for the members that are the archive's own tables: the symbol
/// index (`/`, `/SYM64/`, BSD's `__.SYMDEF`) and GNU's long names (`//`).
pub(crate) fn is_table(raw_name: &[u8]) -> bool {
    matches!(raw_name, b"/" | b"//" | b"/SYM64/") || raw_name.starts_with(b"__.SYMDEF")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A member with a name field of up to 16 bytes.
    pub(crate) fn member_bytes(name: &str, data: &[u8]) -> Vec<u8> {
        let mut v = format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            0,
            0,
            0,
            100644,
            data.len()
        )
        .into_bytes();
        v.extend(data);
        if v.len() % 2 == 1 {
            v.push(b'\n');
        }
        v
    }

    #[test]
    fn a_size_written_right_justified_is_read() {
        let mut a = SIGNATURE.to_vec();
        let mut m = member_bytes("debian-binary", b"2.0\n");
        m[48..58].copy_from_slice(b"         4");
        a.extend(m);
        assert!(is_ar(&a));
        let m = member(&a, SIGNATURE.len()).unwrap().unwrap();
        assert_eq!(&a[m.data.clone()], b"2.0\n");
        // A sign is no size.
        a[SIGNATURE.len() + 48..SIGNATURE.len() + 58].copy_from_slice(b"+4        ");
        assert!(member(&a, SIGNATURE.len()).is_err());
    }

    #[test]
    fn members_and_their_names() {
        let mut a = SIGNATURE.to_vec();
        a.extend(member_bytes("//", b"a-very-long-member-name.txt/\n"));
        a.extend(member_bytes("/0", b"long"));
        a.extend(member_bytes("short.txt/", b"odd"));
        a.extend(member_bytes("#1/8", b"bsd.name12345"));
        assert!(is_ar(&a));
        let mut at = SIGNATURE.len();
        let mut names = Vec::new();
        let mut table: &[u8] = &[];
        while let Some(m) = member(&a, at).unwrap() {
            if m.raw_name == b"//" {
                table = &a[m.data.clone()];
            } else {
                names.push((name(&m, table).to_vec(), a[m.data.clone()].to_vec()));
            }
            at = m.next;
        }
        assert_eq!(
            names,
            vec![
                (b"a-very-long-member-name.txt".to_vec(), b"long".to_vec()),
                (b"short.txt".to_vec(), b"odd".to_vec()),
                (b"bsd.name".to_vec(), b"12345".to_vec()),
            ]
        );
        // Cut anywhere: truncated or bad, never a panic.
        for n in SIGNATURE.len() + 1..a.len() - 1 {
            let mut at = SIGNATURE.len();
            while let Ok(Some(m)) = member(&a[..n], at) {
                at = m.next;
            }
        }
        assert!(!is_ar(b"!<arch>\nnot a member header"));
    }
}
