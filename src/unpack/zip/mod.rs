//! Zip archives: our structural pass ([`crate::format::zip`]) lists every reading of
//! the file; the `zip` crate's reading is taken beside it, and any entry it
//! shows that our pass missed is extracted through it and reported. The
//! crate also opens WinZip AES entries; ZipCrypto is decrypted here.

mod crypto;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::io::Cursor;

use bytes::Bytes;

use super::{Ctx, Unpacked, decode};
use crate::finding::FindingKind;
use crate::format::zip as structure;
use crate::limits::LimitKind;
use crate::report::Origin;
use structure::Entry;

/// Overlapping entries inflated at most; past this the archive is a bomb
/// and the rest are reported, not inflated.
const MAX_OVERLAPPING_EXTRACTED: usize = 4;

/// Unpacks every entry that any reading of `data` shows.
pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let cap = ctx.budget.objects_left().saturating_add(1);
    let layout = structure::analyze(data, cap);
    // A password the archive's comment names ("Password: 4471") is tried
    // first on its entries, and handed down to what they hold.
    let mut named = Vec::new();
    for c in &layout.comments {
        crate::format::passhint::from_text(&String::from_utf8_lossy(c), &mut named);
    }
    let with_named: Vec<String>;
    let passwords = if named.is_empty() {
        ctx.passwords
    } else {
        with_named = super::passwords_first(&named, ctx.passwords);
        &with_named[..]
    };
    let ctx = &mut Ctx {
        budget: &mut *ctx.budget,
        passwords,
        zeros_after: ctx.zeros_after,
    };
    let mut out = Unpacked {
        findings: layout.findings,
        passwords: named,
        ..Default::default()
    };
    if layout.entry_limit_hit {
        out.entries_cut(layout.entries.len());
    }
    let mut overlapping_done = 0usize;
    let mut overlapping_skipped = 0usize;
    let n = layout.entries.len();
    let mut data_starts: HashSet<u64> = HashSet::with_capacity(n);
    // Entries that name the very same bytes the same way (the fully
    // overlapping bomb: many names, one kernel) are inflated once.
    let mut done: HashMap<(u64, u64, u16, u16), usize> = HashMap::with_capacity(n);
    out.children.reserve(n);
    let mut aes = None;
    let mut inflater = decode::Inflater::lend();
    // Entries are taken by value: their names and other names move into
    // the children rather than being copied.
    for mut e in layout.entries {
        data_starts.insert(e.data_start);
        if e.is_dir() {
            continue;
        }
        let key = (
            e.data_start,
            e.data_end,
            e.header.method,
            e.header.flags & 1,
        );
        if let Some(&i) = done.get(&key) {
            if let Some(first) = out.children.get_mut(i) {
                first.shared = true;
                let data = first.data.clone();
                out.children.push(super::Child {
                    name: std::mem::take(&mut e.name),
                    origin: Origin::Entry,
                    alt_names: std::mem::take(&mut e.alt_names),
                    data,
                    findings: Vec::new(),
                    shared: true,
                });
            }
            continue;
        }
        if e.overlaps {
            if overlapping_done >= MAX_OVERLAPPING_EXTRACTED {
                overlapping_skipped += 1;
                continue;
            }
            overlapping_done += 1;
        }
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: format!("entry {:?} and later ones were not unpacked", e.name()),
            });
            return out;
        }
        let before = out.children.len();
        let alt_names = std::mem::take(&mut e.alt_names);
        // A Unix symlink entry is read like any other: its data is the
        // link's target to a Unix extractor but a file's content to one
        // that ignores the mode (7-Zip and Explorer on Windows), so it is
        // scanned as a child and its decoded start is the target judged.
        let link = e.symlink.then(|| e.name.clone());
        extract(data, &mut e, ctx, &mut out, &mut aes, &mut inflater);
        if let Some(name) = link {
            let target = match out.children.get(before) {
                Some(c) => &c.data[..],
                None => &data[e.data_start as usize..e.data_end as usize],
            };
            let target = String::from_utf8_lossy(&target[..target.len().min(4096)]).into_owned();
            out.findings.push(super::link_finding(&name, &target, true));
        }
        if out.children.len() == before + 1 {
            done.insert(key, before);
            // The names other readers show are judged like the name.
            if let Some(c) = out.children.get_mut(before) {
                c.alt_names = alt_names;
            }
        }
    }
    if overlapping_skipped > 0 {
        out.findings.push(FindingKind::Limit {
            limit: LimitKind::OverlappingEntries,
            detail: format!("{overlapping_skipped} overlapping entries were not inflated"),
        });
    }
    if !layout.entry_limit_hit {
        crate_view(data, ctx, &data_starts, &mut out);
    }
    for (off, len, label) in layout.regions {
        let (Ok(o), Ok(l)) = (usize::try_from(off), usize::try_from(len)) else {
            continue;
        };
        if let Some(end) = o.checked_add(l).filter(|&e| e <= data.len()) {
            let label = format!("{label} @{off}");
            let origin = Origin::Carved { offset: off };
            out.push_slice(label, origin, data.slice(o..end), ctx.budget);
        }
    }
    out
}

/// Extracts one reading of one entry.
fn extract<'a>(
    data: &'a Bytes,
    e: &mut Entry,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
    aes: &mut Option<AesView<'a>>,
    inflater: &mut decode::Inflater,
) {
    // The local header's own name for its reading, so that the name checks
    // judge what an extractor trusting it would write (moved out: the
    // entry is not named again).
    let name = std::mem::take(&mut e.name);
    let raw = data.slice(e.data_start as usize..e.data_end as usize);
    let mut child_findings = Vec::new();
    if e.truncated {
        child_findings.push(FindingKind::Malformed {
            detail: format!("entry {name:?} is truncated: its data runs past the end of the file"),
        });
    }
    if e.end_unknown {
        child_findings.push(FindingKind::Malformed {
            detail: format!("entry {name:?}: the end of its data could not be found"),
        });
    }
    let mut plain = raw.clone();
    if e.encrypted() {
        if e.header.aes.is_some() {
            // The crate decrypts and inflates in one reader.
            let opened = match aes_drain(data, e, ctx, aes) {
                Ok(opened) => opened,
                Err(limit) => {
                    out.findings.push(FindingKind::Limit {
                        limit,
                        detail: format!(
                            "{name:?} was not read: the PPMd model behind its encryption was not allocated"
                        ),
                    });
                    None
                }
            };
            out.findings.push(FindingKind::Encrypted {
                entry: name.clone(),
                method: "aes".into(),
                decrypted: opened.is_some(),
            });
            if let Some(d) = opened {
                out.push_drained(name, Origin::Entry, d);
                if let Some(c) = out.children.last_mut() {
                    c.findings.extend(child_findings);
                }
            }
            return;
        }
        let (method, crc, usize) = (e.header.method, e.header.crc, e.header.usize);
        let plausible = |p: &[u8]| match method {
            0 => crc32fast::hash(p) == crc,
            // A trial decode of the first 4 KiB: a wrong key gives garbage
            // that fails almost at once.
            m => decode::zip_method(m, p, usize, 4096, ctx.budget).is_ok_and(|r| {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::Read::take(r, 4096), &mut buf).is_ok()
            }),
        };
        let opened =
            crypto::zipcrypto_open(&raw, &e.header, ctx.passwords, plausible).map(Bytes::from);
        out.findings.push(FindingKind::Encrypted {
            entry: name.clone(),
            method: "zipcrypto".into(),
            decrypted: opened.is_some(),
        });
        match opened {
            Some(p) => plain = p,
            None => return,
        }
    }
    let method = e.header.method;
    if method == 0 && !e.encrypted() {
        out.push_slice(name.clone(), Origin::Entry, plain.clone(), ctx.budget);
        if let Some(c) = out.children.last_mut().filter(|c| c.name == name) {
            check_crc(e, &c.data, &name, &mut child_findings);
            c.findings.extend(child_findings);
        }
        return;
    }
    let drained = if method == 8 {
        decode::drain_deflate(ctx.budget, &plain, inflater)
    } else {
        let output_cap = ctx.budget.limits().max_object_bytes;
        let reader =
            match decode::zip_method(method, &plain, e.header.usize, output_cap, ctx.budget) {
                Ok(r) => r,
                Err(decode::NoReader::Unsupported(m)) => {
                    out.findings.push(FindingKind::UnsupportedMethod {
                        entry: name,
                        method: m,
                    });
                    return;
                }
                Err(decode::NoReader::Limit(limit, why)) => {
                    out.findings.push(FindingKind::Limit {
                        limit,
                        detail: format!("{name:?} was not read: {why}"),
                    });
                    return;
                }
            };
        ctx.budget.drain(reader, plain.len() as u64)
    };
    if drained.limit.is_none() && drained.error.is_none() {
        check_crc(e, &drained.data, &name, &mut child_findings);
    }
    out.push_drained(name, Origin::Entry, drained);
    if let Some(c) = out.children.last_mut() {
        c.findings.extend(child_findings);
    }
}

fn check_crc(e: &Entry, content: &[u8], name: &str, findings: &mut Vec<FindingKind>) {
    // AE-2 entries carry no CRC; an unknown end leaves nothing to check.
    let ae2 = e.header.aes.is_some() && e.header.crc == 0;
    if !ae2 && !e.truncated && !e.end_unknown && crc32fast::hash(content) != e.header.crc {
        findings.push(FindingKind::ChecksumMismatch {
            entry: name.to_owned(),
        });
    }
}

/// The `zip` crate's reading, opened once per archive for its AES entries:
/// the archive and each entry's index by where its data starts.
type AesView<'a> = Option<(zip::ZipArchive<Cursor<&'a [u8]>>, HashMap<u64, usize>)>;

fn aes_view(data: &Bytes) -> AesView<'_> {
    let mut archive = zip::ZipArchive::new(Cursor::new(&data[..])).ok()?;
    let by_start = (0..archive.len())
        .filter_map(|i| Some((archive.by_index_raw(i).ok()?.data_start()?, i)))
        .collect();
    Some((archive, by_start))
}

/// Opens a WinZip AES entry with the `zip` crate, trying each password,
/// and drains what it decrypts and inflates through the budget. The crate's
/// reading is made once per archive (`view`), not once per entry. A PPMd
/// entry's model size is behind the encryption, so the largest the format
/// allows (256 MiB) is charged before the crate allocates it; a refused
/// charge is the error.
fn aes_drain<'a>(
    data: &'a Bytes,
    e: &Entry,
    ctx: &mut Ctx<'_>,
    view: &mut Option<AesView<'a>>,
) -> Result<Option<crate::budget::Drained>, LimitKind> {
    if ctx.passwords.is_empty() {
        return Ok(None);
    }
    let Some((archive, by_start)) = view.get_or_insert_with(|| aes_view(data)).as_mut() else {
        return Ok(None);
    };
    let Some(&index) = by_start.get(&e.data_start) else {
        return Ok(None);
    };
    let ppmd = archive
        .by_index_raw(index)
        .is_ok_and(|f| f.compression() == zip::CompressionMethod::Ppmd);
    if ppmd {
        ctx.budget.charge_model(crate::budget::MAX_MODEL)?;
    }
    for pw in ctx.passwords {
        // A wrong password fails the verifier here (or, one time in 65,536,
        // the authentication code at the end, which the drain reports).
        if let Ok(f) = archive.by_index_decrypt(index, pw.as_bytes()) {
            return Ok(Some(ctx.budget.drain(f, e.data_end - e.data_start)));
        }
    }
    Ok(None)
}

/// The `zip` crate's reading of the file: entries it shows that our pass
/// did not are extracted through it and reported.
fn crate_view(data: &Bytes, ctx: &mut Ctx<'_>, ours: &HashSet<u64>, out: &mut Unpacked) {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(&data[..])) else {
        return;
    };
    let n = archive
        .len()
        .min(usize::try_from(ctx.budget.objects_left()).unwrap_or(usize::MAX));
    for i in 0..n {
        // The name as the crate shows it: its Unicode Path field where the
        // CRC matches, else UTF-8 where valid, else CP437. Entries are
        // matched by where their data starts, not by name, so a name read
        // another way here is no disagreement.
        // The name is made only for an entry that is kept: most are ours.
        let (name, ppmd) = match archive.by_index_raw(i) {
            Ok(f) if f.data_start().is_some_and(|s| ours.contains(&s)) || f.encrypted() => {
                continue;
            }
            Ok(f) => (
                f.name()
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(f.name_raw()).into_owned()),
                f.compression() == zip::CompressionMethod::Ppmd,
            ),
            Err(_) => continue,
        };
        out.findings.push(FindingKind::SingleView {
            entry: name.clone(),
            view: "zip crate".into(),
        });
        // The crate allocates a PPMd model as its entry declares: charged
        // at the format's largest, as behind AES.
        if ppmd && let Err(limit) = ctx.budget.charge_model(crate::budget::MAX_MODEL) {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: format!("{name:?} was not read: its PPMd model was not allocated"),
            });
            continue;
        }
        if let Ok(f) = archive.by_index(i) {
            let drained = ctx.budget.drain(f, 0);
            out.push_drained(name, Origin::Entry, drained);
        }
    }
}
