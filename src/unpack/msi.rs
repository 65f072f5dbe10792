//! Windows Installer packages (MSI, and MSP/MST, which share the format):
//! OLE2 compound files whose streams hold the database tables and the
//! payload. What runs or is installed sits in streams that are not tables:
//! embedded cabinets (the files installed), the `Binary` table's streams
//! (custom action DLLs and scripts) and `Icon` streams. Every stream that
//! is not a table or a property set is a child, named by its decoded MSI name, and the engine
//! types it (a cabinet is then unpacked as one).
//!
//! The OLE2 directory is read by the `cfb` crate, which is a third-party
//! parser of hostile bytes: every call is made under `catch_unwind`, and
//! each stream is read through the budget.

use std::panic::{AssertUnwindSafe, catch_unwind};

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::limits::LimitKind;
use crate::report::Origin;

/// Directory entries looked at, at most (a real package has hundreds).
const MAX_ENTRIES: usize = 100_000;

/// The first character of a table's stream name (`!` once decoded).
const TABLE_MARK: char = '\u{4840}';

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let opened = catch_unwind(|| crate::format::cfbhead::open(data));
    let mut cf = match opened {
        Ok(Ok(cf)) => cf,
        Ok(Err(e)) => {
            out.findings.push(FindingKind::Malformed {
                detail: format!("MSI (OLE2): {e}"),
            });
            return out;
        }
        Err(_) => {
            out.findings.push(FindingKind::Malformed {
                detail: "MSI (OLE2): the directory could not be parsed".into(),
            });
            return out;
        }
    };
    let listed = catch_unwind(AssertUnwindSafe(|| {
        crate::format::cfbhead::list(&cf, MAX_ENTRIES)
    }));
    let Ok(listing) = listed else {
        out.findings.push(FindingKind::Malformed {
            detail: "MSI (OLE2): the directory could not be walked".into(),
        });
        return out;
    };
    out.findings
        .extend(super::ole::listing_findings(&listing, "MSI (OLE2)"));
    let streams = listing
        .entries
        .iter()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_path_buf());
    let mut taken = 0usize;
    for path in streams {
        let raw = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Tables, and the property sets (`\u{5}SummaryInformation`):
        // metadata of the package, not what it installs or runs.
        if raw.starts_with(TABLE_MARK) || raw.starts_with('\u{5}') {
            continue;
        }
        if taken as u64 >= ctx.budget.objects_left() {
            out.entries_cut(taken);
            break;
        }
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: "MSI streams were not all read".into(),
            });
            break;
        }
        taken += 1;
        let name = decode_name(&raw);
        let budget = &mut *ctx.budget;
        let read = catch_unwind(AssertUnwindSafe(|| {
            cf.open_stream(&path).map(|s| budget.drain(s, 0))
        }));
        match read {
            Ok(Ok(d)) => {
                let spent = matches!(
                    d.limit,
                    Some(LimitKind::TotalSize | LimitKind::Time | LimitKind::Cancelled)
                );
                out.push_drained(name, Origin::Entry, d);
                if spent {
                    break;
                }
            }
            Ok(Err(e)) => out.findings.push(FindingKind::Malformed {
                detail: format!("MSI stream {name:?}: {e}"),
            }),
            Err(_) => out.findings.push(FindingKind::Malformed {
                detail: format!("MSI stream {name:?} could not be read"),
            }),
        }
    }
    out
}

/// The characters of MSI's stream-name encoding, in order.
const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._";

/// A stream name as Windows Installer wrote it: characters from U+3800 to
/// U+47FF pack two of `ALPHABET`, U+4800 to U+483F one, U+4840 marks a
/// table; anything else is itself (`\u{5}SummaryInformation`).
pub(crate) fn decode_name(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    for c in raw.chars() {
        let v = c as u32;
        match v {
            0x3800..=0x47ff => {
                let x = v - 0x3800;
                s.push(ALPHABET[(x & 0x3f) as usize] as char);
                s.push(ALPHABET[((x >> 6) & 0x3f) as usize] as char);
            }
            0x4800..=0x483f => s.push(ALPHABET[(v - 0x4800) as usize] as char),
            0x4840 => s.push('!'),
            _ => s.push(c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes a name as Windows Installer does, for the test.
    fn encode(name: &str) -> String {
        let idx = |c: u8| ALPHABET.iter().position(|&a| a == c);
        let b = name.as_bytes();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            match (idx(b[i]), b.get(i + 1).and_then(|&c| idx(c))) {
                (Some(x), Some(y)) => {
                    out.push(char::from_u32(0x3800 + x as u32 + ((y as u32) << 6)).unwrap());
                    i += 2;
                }
                (Some(x), None) => {
                    out.push(char::from_u32(0x4800 + x as u32).unwrap());
                    i += 1;
                }
                _ => {
                    out.push(b[i] as char);
                    i += 1;
                }
            }
        }
        out
    }

    #[test]
    fn names_decode_as_written() {
        for n in ["Binary.CustomAction.dll", "data1.cab", "x", "Icon.app_ico"] {
            assert_eq!(decode_name(&encode(n)), n);
        }
        assert_eq!(decode_name("\u{4840}abc"), "!abc");
    }
}
