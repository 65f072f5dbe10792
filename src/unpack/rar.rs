//! RAR archives, versions 4 and 5, listed by our own header reader
//! (`format::rar`). Stored entries (method 0) are slices of the archive and
//! are scanned, their CRC checked. With the `rar` feature (on by default),
//! the rest is decoded by the official unrar library (`unrar.rs`):
//! compressed entries, solid or not, and encrypted ones with the candidate
//! passwords; its listing is compared with ours, and an entry that only one
//! of the two readings shows is a finding (and is scanned). Without the
//! feature, a compressed entry is an unsupported method. Never passed as
//! clean either way: encrypted entries or headers that no candidate opens,
//! entries continued from or into another volume, dictionaries too large
//! to allocate.

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
    if let Some(at) = a.sized_apart.first() {
        out.findings.push(FindingKind::Malformed {
            detail: format!(
                "{format}: {} blocks (the first at {at}) are sized one way by unrar and WinRAR and another by readers that go by their LONG_BLOCK flag: read as unrar reads them",
                a.sized_apart.len()
            ),
        });
    }
    volume_findings(&a, &mut out);
    if a.end.is_some() && a.end_offset < data.len() {
        // Scanned as an object of its own: a zip glued behind is a zip to
        // a zip reader.
        out.push_appended(
            "<data after the RAR archive>",
            data,
            a.end_offset,
            ctx.budget,
        );
    }
    let mut listed = 0usize;
    let mut deferred: Vec<&Entry> = Vec::new();
    for e in &a.entries {
        if e.dir || (e.service && e.name != "STM") {
            continue;
        }
        if e.header_crc_bad {
            out.findings.push(FindingKind::ChecksumMismatch {
                entry: format!("{} (its header)", e.name),
            });
        }
        if needs_decoder(e) {
            deferred.push(e);
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
    decode_rest(data, &a, &deferred, ctx, &mut out);
    out
}

/// True for an entry that our reader cannot hand on: compressed or
/// encrypted, and not a link or a continuation of another volume.
fn needs_decoder(e: &Entry) -> bool {
    !e.service
        && !e.split_before
        && e.link.as_ref().is_none_or(|(kind, _)| *kind > 4)
        && (e.method != 0 || e.encrypted)
}

/// What is said of an entry no decoder read.
fn undecoded(a: &Archive, e: &Entry, out: &mut Unpacked) {
    if e.encrypted {
        out.findings.push(FindingKind::Encrypted {
            entry: e.name.clone(),
            method: if a.version == 5 {
                "rar5-aes256".into()
            } else {
                "rar-aes128".into()
            },
            decrypted: false,
        });
    } else {
        out.findings.push(FindingKind::UnsupportedMethod {
            entry: e.name.clone(),
            method: method_name(a, e),
        });
    }
}

fn method_name(a: &Archive, e: &Entry) -> String {
    format!(
        "rar{} method {}{}{}",
        a.version,
        e.method,
        if e.dictionary > 0 {
            format!(", {} KiB dictionary", e.dictionary >> 10)
        } else {
            String::new()
        },
        if e.solid || a.solid { ", solid" } else { "" }
    )
}

#[cfg(not(feature = "rar"))]
fn decode_rest(_: &Bytes, a: &Archive, deferred: &[&Entry], _: &mut Ctx<'_>, out: &mut Unpacked) {
    if a.encrypted_headers {
        out.findings.push(FindingKind::EncryptedHeaders {
            format: format!("rar{}", a.version),
            decrypted: false,
        });
    }
    for e in deferred {
        undecoded(a, e, out);
    }
}

/// A name as both readers can compare it.
#[cfg(feature = "rar")]
fn norm(n: &str) -> String {
    n.replace('\\', "/")
}

/// Decodes the entries our reader left, through unrar.
#[cfg(feature = "rar")]
fn decode_rest(
    data: &Bytes,
    a: &Archive,
    deferred: &[&Entry],
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    use super::unrar::{self, MAX_DICTIONARY};
    let format = format!("rar{}", a.version);
    let max = usize::try_from(ctx.budget.objects_left())
        .unwrap_or(usize::MAX)
        .saturating_add(a.entries.len())
        .saturating_add(1);
    if let Some(big) = a.entries.iter().find(|e| e.dictionary > MAX_DICTIONARY) {
        // unrar allocates the window an entry declares, before decoding.
        for e in deferred {
            out.findings.push(FindingKind::UnsupportedMethod {
                entry: e.name.clone(),
                method: format!(
                    "{} (the archive declares a {} MiB dictionary, over {} MiB)",
                    method_name(a, e),
                    big.dictionary >> 20,
                    MAX_DICTIONARY >> 20
                ),
            });
        }
        return;
    }
    if a.encrypted_headers {
        let mut opened = false;
        for pw in ctx.passwords {
            if ctx.budget.check_time().is_err() {
                break;
            }
            let pass = unrar::pass(data, Some(pw), max, &mut |_, _| true, ctx.budget);
            let bad = pass.seen.iter().any(|s| s.bad_password);
            if pass.seen.is_empty() || bad {
                continue;
            }
            opened = true;
            take_pass(pass, out, &format);
            break;
        }
        out.findings.push(FindingKind::EncryptedHeaders {
            format,
            decrypted: opened,
        });
        return;
    }
    // Pass one, without a password: the compressed entries, every entry
    // that our reader did not list, and the listing to compare.
    let mut wanted: Vec<(String, bool)> = deferred
        .iter()
        .filter(|e| !e.encrypted)
        .map(|e| (norm(&e.name), false))
        .collect();
    let mut ours: Vec<(String, bool)> = a
        .entries
        .iter()
        .filter(|e| !e.service && !e.split_before)
        .map(|e| (norm(&e.name), false))
        .collect();
    let mut only_unrar = Vec::new();
    let pass = unrar::pass(
        data,
        None,
        max,
        &mut |_, seen| {
            if seen.split_before {
                return false;
            }
            let n = norm(&seen.name);
            match ours.iter_mut().find(|(o, t)| !*t && *o == n) {
                Some(o) => o.1 = true,
                None => {
                    only_unrar.push(seen.name.clone());
                    return !seen.encrypted;
                }
            }
            match wanted.iter_mut().find(|(w, t)| !*t && *w == n) {
                Some(w) => {
                    w.1 = true;
                    true
                }
                None => false,
            }
        },
        ctx.budget,
    );
    let complete = pass.ended;
    take_pass(pass, out, &format);
    for name in only_unrar {
        out.findings.push(FindingKind::SingleView {
            entry: name,
            view: "unrar library".into(),
        });
    }
    if complete {
        for (name, seen) in &ours {
            if !seen {
                out.findings.push(FindingKind::SingleView {
                    entry: name.clone(),
                    view: "xferscan RAR header reader".into(),
                });
            }
        }
    }
    for e in deferred.iter().filter(|e| !e.encrypted) {
        let n = norm(&e.name);
        if !wanted.iter().any(|(w, t)| *t && *w == n) {
            undecoded(a, e, out);
        }
    }
    // The encrypted entries, with each candidate password in turn.
    let mut locked: Vec<&Entry> = deferred.iter().copied().filter(|e| e.encrypted).collect();
    for pw in ctx.passwords {
        if locked.is_empty() || ctx.budget.check_time().is_err() {
            break;
        }
        let names: Vec<String> = locked.iter().map(|e| norm(&e.name)).collect();
        let pass = unrar::pass(
            data,
            Some(pw),
            max,
            &mut |_, seen| seen.encrypted && names.contains(&norm(&seen.name)),
            ctx.budget,
        );
        for s in pass.seen {
            let Some(d) = s.drained else { continue };
            if s.bad_password || d.error.is_some() {
                continue;
            }
            let n = norm(&s.name);
            let Some(i) = locked.iter().position(|e| norm(&e.name) == n) else {
                continue;
            };
            let e = locked.remove(i);
            out.findings.push(FindingKind::Encrypted {
                entry: e.name.clone(),
                method: if a.version == 5 {
                    "rar5-aes256".into()
                } else {
                    "rar-aes128".into()
                },
                decrypted: true,
            });
            out.push_drained(s.name, Origin::Entry, d);
        }
    }
    for e in locked {
        undecoded(a, e, out);
    }
}

/// The children and findings of one unrar pass.
#[cfg(feature = "rar")]
fn take_pass(pass: super::unrar::Pass, out: &mut Unpacked, format: &str) {
    for s in pass.seen {
        let Some(d) = s.drained else { continue };
        let origin = if s.name.is_empty() {
            Origin::Unnamed
        } else {
            Origin::Entry
        };
        out.push_drained(s.name, origin, d);
    }
    if let Some(e) = pass.error {
        out.findings.push(FindingKind::Malformed {
            detail: format!("{format} (unrar): {e}"),
        });
    }
    if let Some(limit) = pass.limit {
        out.findings.push(FindingKind::Limit {
            limit,
            detail: format!("{format}: unrar stopped before the end of the archive"),
        });
    }
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
    if let Some((kind, target)) = &e.link {
        // RAR 5 redirections: 1 Unix symlink, 2 Windows symlink, 3 junction,
        // 4 hard link, 5 file copy.
        if *kind <= 4 {
            out.findings
                .push(link_finding(&name, target, matches!(*kind, 1..=3)));
            return;
        }
    }
    if e.split_before {
        out.findings.push(FindingKind::MissingVolume {
            detail: format!("{name:?} starts in a previous volume: not scanned"),
        });
        return;
    }
    if e.method != 0 || e.encrypted {
        // A service stream (an NTFS alternate stream) no decoder is given.
        undecoded(a, e, out);
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
            zeros_after: 0,
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

#[cfg(test)]
mod props {
    use super::*;
    use crate::budget::Budget;
    use crate::format::rar::tests::rar5;
    use crate::limits::Limits;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// A RAR with bytes changed and cut anywhere unpacks without a
        /// panic, through our reader and unrar both.
        #[test]
        fn changed_archives_stay_in_bounds(
            edits in proptest::collection::vec((0usize..200, proptest::num::u8::ANY), 1..8),
            cut in 8usize..200,
        ) {
            let mut a = rar5(&[("a.txt", b"alpha"), ("d/b.txt", &[9u8; 100])], 0);
            for (at, b) in edits {
                if let Some(x) = a.get_mut(at) {
                    *x = b;
                }
            }
            a.truncate(cut);
            let limits = Limits::default();
            let mut budget = Budget::new(&limits);
            let mut ctx = Ctx { budget: &mut budget, passwords: &["x".to_string()], zeros_after: 0 };
            let u = unpack(&Bytes::from(a), &mut ctx);
            proptest::prop_assert!(u.children.len() <= 4);
        }
    }
}
