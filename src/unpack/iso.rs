//! Optical disc images: ISO 9660 (with Joliet and Rock Ridge names) and
//! UDF, read side by side. A file is known by where its bytes lie; each
//! reader's name for it is checked (the child carries them all), and a file
//! that one tree shows and another does not is `image.tree_mismatch`: the
//! pattern of a UDF bridge image whose ISO 9660 tree is a decoy for the UDF
//! tree that Windows mounts.

use std::collections::{BTreeMap, HashSet};

use bytes::Bytes;

use super::image::{Entry, emit};
use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::disk::ImageFile;
use crate::format::{iso9660, udf};

/// Tree mismatch findings reported one by one; past this, one summary.
const MAX_MISMATCHES: usize = 20;

/// One file, gathered across readers.
struct Gathered {
    /// (reader, path) for each reader that shows it.
    names: Vec<(&'static str, String)>,
    file: ImageFile,
    hidden: bool,
}

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let cap = usize::try_from(ctx.budget.objects_left().saturating_add(1)).unwrap_or(usize::MAX);
    let iso = iso9660::read(data, cap);
    let udf = udf::read(data, cap);
    out.findings.extend(iso.findings);
    out.findings.extend(udf.findings);
    if !iso.has_primary && !udf.present {
        out.findings.push(FindingKind::Malformed {
            detail: "neither an ISO 9660 nor a UDF file system could be read".into(),
        });
        return out;
    }
    let cut = iso.entries_cut || udf.entries_cut;
    if cut {
        out.entries_cut(cap);
    }
    // Readers in the order of preference for the name shown: what Windows
    // mounts (UDF, then Joliet), then Rock Ridge, then ISO 9660's own.
    let views: [(&'static str, Vec<ImageFile>); 4] = [
        ("UDF", udf.files),
        ("Joliet", iso.joliet),
        ("Rock Ridge", iso.rock_ridge),
        ("ISO 9660", iso.plain),
    ];
    // Trees compared for membership (Rock Ridge renames the ISO 9660 tree).
    let trees: Vec<&'static str> = [
        ("UDF", udf.present),
        ("Joliet", iso.has_joliet),
        ("ISO 9660", iso.has_primary),
    ]
    .into_iter()
    .filter_map(|(n, p)| p.then_some(n))
    .collect();
    let mut by_place: BTreeMap<(u64, u64), Gathered> = BTreeMap::new();
    let mut empty: BTreeMap<String, Gathered> = BTreeMap::new();
    for (view, files) in views {
        for f in files {
            let slot = match f.start() {
                Some(start) if f.size() > 0 => by_place.entry((start, f.size())),
                // Empty files: known by their path.
                _ => {
                    let key = f.path.to_lowercase();
                    let g = empty.entry(key).or_insert_with(|| Gathered {
                        names: Vec::new(),
                        file: f.clone(),
                        hidden: false,
                    });
                    g.hidden |= f.hidden;
                    g.names.push((view, f.path));
                    continue;
                }
            };
            let g = slot.or_insert_with(|| Gathered {
                names: Vec::new(),
                file: f.clone(),
                hidden: false,
            });
            g.hidden |= f.hidden;
            g.names.push((view, f.path));
        }
    }
    let mut mismatches = 0usize;
    let mut entries = Vec::new();
    let placed = by_place.into_values().map(|g| (g, true));
    for (g, placed) in placed.chain(empty.into_values().map(|g| (g, false))) {
        let shown = g.names[0].1.clone();
        // Empty files hold nothing and have no place to compare by; the
        // boot catalog is left out of some trees by the tools themselves.
        let catalog = iso.boot_catalog.is_some() && g.file.start() == iso.boot_catalog;
        if placed && !catalog && trees.len() > 1 && !cut {
            let missing: Vec<&str> = trees
                .iter()
                .copied()
                .filter(|t| {
                    !g.names
                        .iter()
                        .any(|(v, _)| v == t || (*t == "ISO 9660" && *v == "Rock Ridge"))
                })
                .collect();
            if !missing.is_empty() {
                mismatches += 1;
                if mismatches <= MAX_MISMATCHES {
                    let seen: Vec<&str> = g.names.iter().map(|(v, _)| *v).collect();
                    out.findings.push(FindingKind::TreeMismatch {
                        entry: shown.clone(),
                        shown_by: seen.join(", "),
                        hidden_from: missing.join(", "),
                    });
                }
            }
        }
        let mut alt_names: Vec<String> = Vec::new();
        // Records sharing one extent may be thousands: each name is
        // looked up, not searched for.
        let mut seen_names = HashSet::new();
        for (view, name) in &g.names[1..] {
            if *name == shown || !seen_names.insert(name.as_str()) {
                continue;
            }
            if names_differ(&shown, name, *view == "ISO 9660") {
                out.findings.push(FindingKind::NameMismatch {
                    entry: shown.clone(),
                    other: name.clone(),
                    reader: format!("{view} readers"),
                });
            }
            alt_names.push(name.clone());
        }
        entries.push(Entry {
            name: shown,
            alt_names,
            pieces: g.file.pieces,
            hidden: g.hidden,
        });
    }
    if mismatches > MAX_MISMATCHES {
        out.findings.push(FindingKind::TreeMismatch {
            entry: format!("{} more files", mismatches - MAX_MISMATCHES),
            shown_by: "some readers".into(),
            hidden_from: "others".into(),
        });
    }
    emit(&mut out, data, entries, ctx);
    out
}

/// True when two readers' names for one file differ in more than case,
/// truncation or, for ISO 9660's own 8.3-style names, anything but the
/// extension.
fn names_differ(shown: &str, other: &str, other_is_plain: bool) -> bool {
    let base = |s: &str| s.rsplit('/').next().unwrap_or(s).to_lowercase();
    let (a, b) = (base(shown), base(other));
    if other_is_plain {
        let ext = |s: &str| match s.rfind('.') {
            Some(i) if i > 0 => s[i + 1..]
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>(),
            _ => String::new(),
        };
        let (ea, eb) = (ext(&a), ext(&b));
        return !(ea.starts_with(&eb) && (eb.is_empty() == ea.is_empty()));
    }
    // Joliet cuts names at 64 characters.
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    !(short == long || (short.chars().count() >= 60 && long.starts_with(short.as_str())))
}

#[cfg(test)]
mod tests {
    use super::names_differ;

    #[test]
    fn name_differences_that_matter() {
        assert!(!names_differ("Long Name.txt", "LONG_NAM.TXT", true));
        assert!(!names_differ("index.html", "INDEX.HTM", true));
        assert!(names_differ("invoice.exe", "INVOICE.TXT", true));
        assert!(!names_differ("a/Readme.md", "b/README.MD", false));
        let long = "n".repeat(70);
        assert!(!names_differ(&long, &long[..64], false));
        assert!(names_differ("photo.jpg.exe", "photo.jpg", false));
        assert!(names_differ("photo.jpg", "photo.scr", false));
    }
}
