//! RAR archives, versions 4 and 5, listed by our own header reader
//! (`format::rar`). Stored entries (method 0) are slices of the archive and
//! are scanned, their CRC checked. Compressed entries are not decoded: no
//! kept decoder of RAR's methods exists in Rust, and the official unrar
//! source would be C++ parsing hostile bytes in-process (see the commit
//! message); each is an unsupported method, never passed as clean. So is
//! every other entry that cannot be read: encrypted (entries, or the
//! headers themselves), continued from or into another volume.

use bytes::Bytes;

use super::{Ctx, Unpacked, link_finding};
use crate::finding::FindingKind;
use crate::format::rar::{self, Archive, Entry};
use crate::report::Origin;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let max = usize::try_from(ctx.budget.objects_left())
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let Some(a) = rar::parse(data, max) else {
        out.findings.push(FindingKind::Malformed {
            detail: "RAR: no RAR 4 or RAR 5 signature".into(),
        });
        return out;
    };
    let format = format!("rar{}", a.version);
    if let Some(p) = &a.problem {
        out.findings.push(FindingKind::Malformed {
            detail: format!("{format}: {p}; the entries before it were read"),
        });
    }
    if a.encrypted_headers {
        out.findings.push(FindingKind::EncryptedHeaders {
            format: format.clone(),
            decrypted: false,
        });
    }
    volume_findings(&a, &mut out);
    if a.end.is_some() && a.end_offset < data.len() {
        out.findings.push(FindingKind::AppendedData {
            length: (data.len() - a.end_offset) as u64,
        });
    }
    let mut listed = 0usize;
    for e in &a.entries {
        if e.dir || (e.service && e.name != "STM") {
            continue;
        }
        if listed as u64 >= ctx.budget.objects_left() {
            out.entries_cut(listed);
            return out;
        }
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: format!("RAR entries from {:?} on were not read", e.name),
            });
            return out;
        }
        listed += 1;
        entry(data, &a, e, ctx, &mut out);
    }
    if a.cut {
        out.entries_cut(listed);
    }
    out
}

/// The findings of a volume of a multi-volume set.
fn volume_findings(a: &Archive, out: &mut Unpacked) {
    let split = a.entries.iter().any(|e| e.split_before || e.split_after);
    if !(a.volume || a.end == Some(true) || split) {
        return;
    }
    let which = match (a.version, a.volume_number, a.first_volume) {
        (5, Some(n), _) => format!("volume {}", n + 1),
        (5, None, _) => "the first volume".to_owned(),
        (_, _, true) => "the first volume".to_owned(),
        _ => "a volume".to_owned(),
    };
    out.findings.push(FindingKind::MissingVolume {
        detail: format!(
            "rar{}: {which} of a multi-volume set, given alone: entries in the other volumes were not scanned",
            a.version
        ),
    });
}

/// One entry: a child when its bytes are stored here, a finding otherwise.
fn entry(data: &Bytes, a: &Archive, e: &Entry, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let name = if e.service {
        format!("<rar stream {}>", out.children.len() + 1)
    } else {
        e.name.clone()
    };
    if e.header_crc_bad {
        out.findings.push(FindingKind::ChecksumMismatch {
            entry: format!("{name} (its header)"),
        });
    }
    if let Some((kind, target)) = &e.link {
        // RAR 5 redirections: 1 Unix symlink, 2 Windows symlink, 3 junction,
        // 4 hard link, 5 file copy.
        if *kind <= 4 {
            out.findings
                .push(link_finding(&name, target, matches!(*kind, 1..=3)));
            return;
        }
    }
    if e.encrypted {
        out.findings.push(FindingKind::Encrypted {
            entry: name,
            method: if a.version == 5 {
                "rar5-aes256".into()
            } else {
                "rar-aes128".into()
            },
            decrypted: false,
        });
        return;
    }
    if e.split_before {
        out.findings.push(FindingKind::MissingVolume {
            detail: format!("{name:?} starts in a previous volume: not scanned"),
        });
        return;
    }
    if e.method != 0 {
        out.findings.push(FindingKind::UnsupportedMethod {
            entry: name,
            method: format!(
                "rar{} method {}{}{}",
                a.version,
                e.method,
                if e.dictionary > 0 {
                    format!(", {} KiB dictionary", e.dictionary >> 10)
                } else {
                    String::new()
                },
                if e.solid || a.solid { ", solid" } else { "" }
            ),
        });
        return;
    }
    let stored = data.slice(e.data.clone());
    let whole = stored.len() as u64 == e.packed_declared;
    let origin = if name.is_empty() {
        Origin::Unnamed
    } else {
        Origin::Entry
    };
    let mut findings = Vec::new();
    if !whole {
        findings.push(if e.split_after {
            FindingKind::MissingVolume {
                detail: format!(
                    "{name:?} goes on in the next volume: {} of its bytes scanned",
                    stored.len()
                ),
            }
        } else {
            FindingKind::Malformed {
                detail: format!(
                    "{name:?} is cut: {} of {} bytes",
                    stored.len(),
                    e.packed_declared
                ),
            }
        });
    } else if e.split_after {
        findings.push(FindingKind::MissingVolume {
            detail: format!("{name:?} goes on in the next volume: its first part was scanned"),
        });
    } else if e.size != e.packed_declared {
        findings.push(FindingKind::Malformed {
            detail: format!(
                "{name:?} is stored, but declares {} bytes unpacked and {} packed",
                e.size, e.packed_declared
            ),
        });
    } else if e.crc.is_some_and(|c| c != crc32fast::hash(&stored)) {
        findings.push(FindingKind::ChecksumMismatch {
            entry: name.clone(),
        });
    }
    let before = out.children.len();
    let label = if name.is_empty() {
        format!("<rar entry {}>", before + 1)
    } else {
        name.clone()
    };
    out.push_slice(label, origin, stored, ctx.budget);
    if out.children.len() > before
        && let Some(child) = out.children.last_mut()
    {
        child.findings.extend(findings);
        if let Some(other) = &e.other_name {
            child.alt_names.push(other.clone());
            child.findings.push(FindingKind::NameMismatch {
                entry: name,
                other: other.clone(),
                reader: "readers of the 8-bit name of a RAR 4 header".into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::format::rar::tests::rar5;
    use crate::limits::Limits;

    fn run(data: Vec<u8>) -> Unpacked {
        let limits = Limits::default();
        let mut budget = Budget::new(&limits);
        let mut ctx = Ctx {
            budget: &mut budget,
            passwords: &[],
        };
        unpack(&Bytes::from(data), &mut ctx)
    }

    #[test]
    fn stored_entries_are_children() {
        let u = run(rar5(&[("a.txt", b"alpha"), ("d/b.txt", b"beta")], 0));
        assert!(u.findings.is_empty(), "{:?}", u.findings);
        assert_eq!(u.children.len(), 2);
        assert_eq!(&u.children[1].data[..], b"beta");
        assert!(u.children.iter().all(|c| c.findings.is_empty()));
    }

    #[test]
    fn a_volume_says_the_rest_is_missing() {
        let u = run(rar5(&[("a.txt", b"alpha")], 0x01));
        assert!(
            u.findings
                .iter()
                .any(|f| matches!(f, FindingKind::MissingVolume { .. })),
            "{:?}",
            u.findings
        );
        assert_eq!(u.children.len(), 1);
    }
}
