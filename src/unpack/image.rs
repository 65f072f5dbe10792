//! What the disk image unpackers ([`iso`](super::iso), [`fat`](super::fat),
//! [`vhd`](super::vhd)) share: turning a file's pieces into a child (a slice
//! of the image when it is one run, assembled through the budget when it is
//! fragmented or sparse), the hidden-file finding, and the pattern of a
//! shortcut beside a hidden payload that delivers most malware in images.

use bytes::Bytes;

use super::{Child, Ctx, Unpacked};
use crate::budget::Stop;
use crate::finding::FindingKind;
use crate::format::disk::Piece;
use crate::report::Origin;

/// One file of an image, as the unpacker hands it on.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The name the reader most users see shows.
    pub name: String,
    /// The names other readers show.
    pub alt_names: Vec<String>,
    /// Where its bytes lie.
    pub pieces: Vec<Piece>,
    /// The file or a folder it is in is hidden.
    pub hidden: bool,
}

/// Extensions of what a shortcut in an image is there to run.
const PAYLOAD_EXTENSIONS: &[&str] = &[
    "dll", "exe", "scr", "cpl", "ocx", "com", "pif", "msi", "js", "jse", "vbs", "vbe", "wsf",
    "wsh", "hta", "bat", "cmd", "ps1", "psm1", "lnk", "url", "chm", "jar", "sct",
];

fn extension(name: &str) -> String {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.rfind('.') {
        Some(i) if i > 0 => base[i + 1..].to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// True when the entry's bytes start with `magic` (read from the image
/// without copying).
fn starts_with(data: &[u8], e: &Entry, magic: &[u8]) -> bool {
    match e.pieces.first() {
        Some(Piece::Data { offset, len }) if *len >= magic.len() as u64 => {
            let Ok(off) = usize::try_from(*offset) else {
                return false;
            };
            data.get(off..off.saturating_add(magic.len())) == Some(magic)
        }
        _ => false,
    }
}

const LNK_MAGIC: [u8; 8] = [0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0x00];

/// The pattern of ISO-delivered malware: a shortcut at the image's root
/// (what the user sees and clicks) beside a hidden executable or script
/// (what it runs).
fn shortcut_with_hidden_payload(data: &[u8], entries: &[Entry]) -> Option<FindingKind> {
    let names = |e: &Entry| std::iter::once(e.name.clone()).chain(e.alt_names.clone());
    let shortcut = entries.iter().find(|e| {
        !e.hidden
            && !e.name.contains('/')
            && (names(e).any(|n| extension(&n) == "lnk") || starts_with(data, e, &LNK_MAGIC))
    })?;
    let payload = entries.iter().find(|e| {
        e.hidden
            && (names(e).any(|n| PAYLOAD_EXTENSIONS.contains(&extension(&n).as_str()))
                || starts_with(data, e, b"MZ"))
    })?;
    Some(FindingKind::ShortcutWithHiddenPayload {
        shortcut: shortcut.name.clone(),
        payload: payload.name.clone(),
    })
}

/// Hands every entry on as a child, after the image-wide checks.
pub(crate) fn emit(out: &mut Unpacked, data: &Bytes, entries: Vec<Entry>, ctx: &mut Ctx<'_>) {
    if let Some(f) = shortcut_with_hidden_payload(data, &entries) {
        out.findings.push(f);
    }
    for e in entries {
        // An empty file holds nothing to scan (its name was judged above).
        if crate::format::disk::pieces_len(&e.pieces) == 0 {
            continue;
        }
        let mut findings = Vec::new();
        if e.hidden {
            findings.push(FindingKind::HiddenFile {
                entry: e.name.clone(),
            });
        }
        let before = out.children.len();
        push_pieces(out, data, e.name, Origin::Entry, &e.pieces, ctx, findings);
        if out.children.len() > before
            && let Some(c) = out.children.last_mut()
        {
            c.alt_names = e.alt_names;
        }
    }
}

/// A child made of `pieces` of `data`: a slice when it is one run inside
/// the image, otherwise assembled through the budget. Bytes the image does
/// not hold (it is cut short, or an extent points past it) are a finding.
pub(crate) fn push_pieces(
    out: &mut Unpacked,
    data: &Bytes,
    name: String,
    origin: Origin,
    pieces: &[Piece],
    ctx: &mut Ctx<'_>,
    mut findings: Vec<FindingKind>,
) {
    let len = data.len() as u64;
    // Bytes past the image's end that are zeros (a sparse virtual disk's
    // unallocated end) are there to every reader: not missing.
    let zeros_to = len.saturating_add(ctx.zeros_after);
    let missing: u64 = pieces
        .iter()
        .map(|p| match *p {
            Piece::Data { offset, len: l } => offset
                .saturating_add(l)
                .saturating_sub(zeros_to.max(offset))
                .min(l),
            Piece::Zeros(_) => 0,
        })
        .sum();
    // A run that ends among those zeros passes them on to its own reader.
    let tail = match pieces {
        [Piece::Data { offset, len: l }] => {
            let end = offset.saturating_add(*l);
            end.min(zeros_to).saturating_sub(len.max(*offset))
        }
        _ => 0,
    };
    if missing > 0 {
        findings.push(FindingKind::Malformed {
            detail: format!("{name:?}: {missing} of its bytes lie past the end of the image"),
        });
    }
    let charged = match pieces {
        [] => ctx.budget.charge_slice(Bytes::new()),
        [Piece::Data { offset, len: l }] => {
            let start = usize::try_from((*offset).min(len)).unwrap_or(usize::MAX);
            let end = usize::try_from(offset.saturating_add(*l).min(len)).unwrap_or(usize::MAX);
            ctx.budget.charge_slice(data.slice(start..end.max(start)))
        }
        _ => {
            let d = ctx.budget.fill(0, |buf, cap, watch| {
                for p in pieces {
                    watch.check().map_err(Stop::Limit)?;
                    let room = cap.saturating_sub(buf.len() as u64);
                    let (want, more) = (p.len().min(room), p.len() > room);
                    match *p {
                        Piece::Data { offset, .. } => {
                            buf.extend_from_slice(crate::format::disk::bytes_at(
                                data, offset, want,
                            ));
                        }
                        Piece::Zeros(_) => {
                            let n = usize::try_from(want).unwrap_or(usize::MAX);
                            buf.resize(buf.len().saturating_add(n), 0);
                        }
                    }
                    if more {
                        return Ok(true);
                    }
                }
                Ok(false)
            });
            if let Some(limit) = d.limit {
                findings.push(FindingKind::Limit {
                    limit,
                    detail: format!("{name:?} was cut at {} bytes", d.data.len()),
                });
            }
            Ok(d.data)
        }
    };
    if tail > 0 && charged.is_ok() {
        out.zeros_after.push((out.children.len(), tail));
    }
    match charged {
        Ok(data) => out.children.push(Child {
            name,
            origin,
            alt_names: Vec::new(),
            data,
            findings,
            shared: false,
        }),
        Err(limit) => out.findings.push(FindingKind::Limit {
            limit,
            detail: format!("{name:?} was not scanned"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, hidden: bool) -> Entry {
        Entry {
            name: name.into(),
            alt_names: Vec::new(),
            pieces: Vec::new(),
            hidden,
        }
    }

    #[test]
    fn the_shortcut_pattern_needs_both_halves() {
        let e = |v: Vec<Entry>| shortcut_with_hidden_payload(&[], &v).is_some();
        assert!(e(vec![entry("a.lnk", false), entry("a.dll", true)]));
        assert!(e(vec![entry("Doc.LNK", false), entry("x/run.js", true)]));
        assert!(!e(vec![entry("a.lnk", false), entry("a.dll", false)]));
        assert!(!e(vec![entry("a/b.lnk", false), entry("a.dll", true)]));
        assert!(!e(vec![entry("a.txt", false), entry("a.dll", true)]));
    }
}

/// The fuzz seeds of the image targets (`fuzz/make_seeds.py` crafts them)
/// unpack to the files they were made with, and without a finding but the
/// ones they were made to carry.
#[cfg(test)]
mod seeds {
    use bytes::Bytes;

    use crate::budget::Budget;
    use crate::limits::Limits;
    use crate::unpack::{Ctx, Unpacked};

    fn seed(target: &str, name: &str) -> Vec<u8> {
        let p = format!("{}/fuzz/seeds/{target}/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(p).unwrap_or_default()
    }

    fn run(data: Vec<u8>, f: fn(&Bytes, &mut Ctx<'_>) -> Unpacked) -> (Vec<String>, Vec<String>) {
        let mut budget = Budget::new(&Limits::default());
        let mut ctx = Ctx {
            budget: &mut budget,
            passwords: &[],
            zeros_after: 0,
        };
        let u = f(&Bytes::from(data), &mut ctx);
        let mut names: Vec<String> = u.children.iter().map(|c| c.name.clone()).collect();
        names.sort();
        let mut findings: Vec<String> = u.findings.iter().map(|f| f.describe()).collect();
        findings.extend(
            u.children
                .iter()
                .flat_map(|c| c.findings.iter().map(|f| f.describe())),
        );
        (names, findings)
    }

    #[test]
    fn fat_and_mbr() {
        let (names, findings) = run(seed("unpack_fat", "fat12.img"), super::super::fat::unpack);
        assert_eq!(names, ["HID.DLL", "Hello World.txt", "SUB/INNER.TXT"]);
        assert_eq!(findings, ["\"HID.DLL\" is hidden in the image"]);
        let (names, _) = run(seed("unpack_fat", "mbr.img"), super::super::fat::unpack);
        assert_eq!(names, ["<partition 1>"]);
    }

    #[test]
    fn vhd_and_vhdx() {
        let vhd = |d: &Bytes, c: &mut Ctx<'_>| super::super::vhd::unpack(d, false, c);
        for name in ["fixed.vhd", "dynamic.vhd"] {
            let (names, findings) = run(seed("unpack_vhd", name)[1..].to_vec(), vhd);
            assert_eq!(names, ["<virtual disk>"], "{name}");
            assert!(findings.is_empty(), "{name}: {findings:?}");
        }
        let raw = seed("unpack_vhd", "spread.vhdx");
        let mut image = Vec::new();
        for (i, c) in raw[1..].chunks(4096).enumerate() {
            image.resize(i * (64 << 10), 0);
            image.extend_from_slice(c);
        }
        let vhdx = |d: &Bytes, c: &mut Ctx<'_>| super::super::vhd::unpack(d, true, c);
        let (names, findings) = run(image, vhdx);
        assert!(names.is_empty());
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].contains("past the end"), "{findings:?}");
    }

    #[test]
    fn iso_and_udf() {
        let with_system_area = |name| {
            let mut d = vec![0u8; 32768];
            d.extend(seed("unpack_iso", name));
            d
        };
        let (names, findings) = run(with_system_area("joliet_rr.iso"), super::super::iso::unpack);
        assert_eq!(
            names,
            [
                "BIG.BIN",
                "Read Me.txt",
                "a name continued in a CE area.txt",
                "hidden.dll"
            ]
        );
        assert!(
            findings.iter().any(|f| f.contains("hidden.dll")),
            "{findings:?}"
        );
        let (names, findings) = run(with_system_area("udf.iso"), super::super::iso::unpack);
        assert_eq!(names, ["hello.txt", "sub/inner.txt"]);
        // The folder `sub` carries the hidden flag.
        assert_eq!(findings, ["\"sub/inner.txt\" is hidden in the image"]);
    }

    /// Each seed with bytes overwritten at random (in a debug build, where
    /// arithmetic overflow panics): no panic, and the budget holds.
    #[test]
    fn mutated_seeds_never_panic() {
        let vhd = |d: &Bytes, c: &mut Ctx<'_>| super::super::vhd::unpack(d, false, c);
        let vhdx = |d: &Bytes, c: &mut Ctx<'_>| super::super::vhd::unpack(d, true, c);
        type Unpacker = fn(&Bytes, &mut Ctx<'_>) -> Unpacked;
        let cases: [(&str, &str, Unpacker, usize); 7] = [
            ("unpack_fat", "fat12.img", super::super::fat::unpack, 0),
            ("unpack_fat", "mbr.img", super::super::fat::unpack, 0),
            ("unpack_vhd", "fixed.vhd", vhd, 1),
            ("unpack_vhd", "dynamic.vhd", vhd, 1),
            ("unpack_vhd", "spread.vhdx", vhdx, 1),
            ("unpack_iso", "joliet_rr.iso", super::super::iso::unpack, 0),
            ("unpack_iso", "udf.iso", super::super::iso::unpack, 0),
        ];
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (target, name, f, skip) in cases {
            let mut base = seed(target, name);
            if base.len() <= skip {
                continue;
            }
            base.drain(..skip);
            if target == "unpack_iso" {
                base.splice(0..0, std::iter::repeat_n(0u8, 32768));
            } else if name.ends_with("vhdx") {
                let mut image = Vec::new();
                for (i, c) in base.chunks(4096).enumerate() {
                    image.resize(i * (64 << 10), 0);
                    image.extend_from_slice(c);
                }
                base = image;
            }
            for _ in 0..1500 {
                let mut d = base.clone();
                for _ in 0..1 + rand() % 8 {
                    let at = (rand() % d.len() as u64) as usize;
                    d[at] = match rand() % 4 {
                        0 => 0xff,
                        1 => 0,
                        _ => rand() as u8,
                    };
                }
                let _ = run(d, f);
            }
        }
    }
}
