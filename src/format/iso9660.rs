//! ISO 9660 (ECMA-119) with its two name extensions: Joliet (a second
//! directory tree under a supplementary volume descriptor, UCS-2 names) and
//! Rock Ridge (`NM` entries in each directory record's System Use area,
//! continued through `CE` areas).
//!
//! The reader returns each tree as a list of files ([`ImageFile`]) under
//! each naming: ISO 9660's own names, the Rock Ridge names of the same tree
//! (when it has them) and the Joliet tree (read on its own, as Windows
//! does). Which reader shows which file, and under which name, is for the
//! unpacker to compare. Every directory extent is read once (a second visit
//! is a loop or a trick, and a finding); depth and entry counts are capped.

use std::collections::HashSet;

use super::disk::{ImageFile, Piece, bytes_at, join, le16, le32, push_piece, ucs2};
use crate::finding::FindingKind;

/// The sector the volume descriptors start at.
const FIRST_DESCRIPTOR: u64 = 16;
/// Volume descriptors read before giving up on a terminator.
const MAX_DESCRIPTORS: u64 = 64;
/// How deep folders are followed.
pub(crate) const MAX_DEPTH: usize = 64;
/// `CE` continuation areas followed for one directory record.
const MAX_CONTINUATIONS: usize = 16;
/// Longest Rock Ridge name kept, in bytes (Linux's `NAME_MAX`).
const MAX_NAME: usize = 255;

/// Every reading of an ISO 9660 volume.
#[derive(Debug, Default)]
pub(crate) struct IsoListing {
    /// The primary tree under ISO 9660's own names (`;1` and a trailing dot
    /// dropped).
    pub plain: Vec<ImageFile>,
    /// The same tree under its Rock Ridge names (empty without Rock Ridge).
    pub rock_ridge: Vec<ImageFile>,
    /// The Joliet tree (empty without one).
    pub joliet: Vec<ImageFile>,
    /// True when a primary volume descriptor was found.
    pub has_primary: bool,
    /// True when a Joliet descriptor was found.
    pub has_joliet: bool,
    /// Where the El Torito boot catalog lies (a file that mastering tools
    /// show in some trees and not others).
    pub boot_catalog: Option<u64>,
    /// Structural problems (each a finding).
    pub findings: Vec<FindingKind>,
    /// True when a tree held more files than `cap`.
    pub entries_cut: bool,
}

/// A directory tree's root: where it is and how its names are written.
#[derive(Clone, Copy)]
struct Root {
    extent: u64,
    len: u64,
    joliet: bool,
}

/// Reads the volume descriptors and the trees they point to. At most `cap`
/// files are listed per tree.
pub(crate) fn read(data: &[u8], cap: usize) -> IsoListing {
    let mut out = IsoListing::default();
    let mut block = 2048u64;
    let mut primary = None;
    let mut joliet = None;
    for i in 0..MAX_DESCRIPTORS {
        let vd = bytes_at(data, (FIRST_DESCRIPTOR + i) * 2048, 2048);
        if vd.len() < 2048 || &vd[1..6] != b"CD001" {
            break;
        }
        match vd[0] {
            1 if primary.is_none() => {
                let bs = u64::from(le16(vd, 128));
                if matches!(bs, 512 | 1024 | 2048) {
                    block = bs;
                } else {
                    out.findings
                        .push(malformed(format!("logical block size {bs} (2048 assumed)")));
                }
                primary = Some(root_of(&vd[156..190], false));
            }
            2 if joliet.is_none() && matches!(&vd[88..91], b"%/@" | b"%/C" | b"%/E") => {
                joliet = Some(root_of(&vd[156..190], true));
            }
            0 if vd[7..].starts_with(b"EL TORITO SPECIFICATION") => {
                out.boot_catalog = Some(u64::from(le32(vd, 0x47)) * 2048);
            }
            255 => break,
            _ => {}
        }
    }
    out.has_primary = primary.is_some();
    out.has_joliet = joliet.is_some();
    if let Some(root) = primary {
        let mut w = Walk::new(data, block, cap);
        w.rock_ridge = root_has_susp(data, block, root);
        w.dir(root, "", "", false, 0);
        out.plain = w.plain;
        out.rock_ridge = if w.rock_ridge.is_some() {
            w.rr
        } else {
            Vec::new()
        };
        out.findings.extend(w.findings);
        out.entries_cut |= w.cut;
    }
    if let Some(root) = joliet {
        let mut w = Walk::new(data, block, cap);
        w.dir(root, "", "", false, 0);
        out.joliet = w.plain;
        out.findings.extend(w.findings);
        out.entries_cut |= w.cut;
    }
    out
}

fn malformed(detail: String) -> FindingKind {
    FindingKind::Malformed {
        detail: format!("ISO 9660: {detail}"),
    }
}

fn root_of(rec: &[u8], joliet: bool) -> Root {
    Root {
        extent: u64::from(le32(rec, 2)),
        len: u64::from(le32(rec, 10)),
        joliet,
    }
}

/// The `SP` entry of the root's `.` record, which says that the tree
/// carries System Use entries: `Some(bytes to skip)` when present.
fn root_has_susp(data: &[u8], block: u64, root: Root) -> Option<usize> {
    let dir = bytes_at(data, root.extent.saturating_mul(block), root.len.min(block));
    let len = usize::from(*dir.first()?);
    let rec = dir.get(..len)?;
    let su = system_use(rec, 0)?;
    if su.len() >= 7 && &su[0..2] == b"SP" && su[4] == 0xbe && su[5] == 0xef {
        Some(usize::from(su[6]))
    } else {
        None
    }
}

/// A directory record's System Use area, past `skip` bytes.
fn system_use(rec: &[u8], skip: usize) -> Option<&[u8]> {
    let nl = usize::from(*rec.get(32)?);
    let start = 33 + nl + usize::from(nl % 2 == 0);
    rec.get(start.checked_add(skip)?..)
}

struct Walk<'a> {
    data: &'a [u8],
    block: u64,
    cap: usize,
    /// Rock Ridge in use, with its skip length.
    rock_ridge: Option<usize>,
    plain: Vec<ImageFile>,
    rr: Vec<ImageFile>,
    findings: Vec<FindingKind>,
    visited: HashSet<u64>,
    cut: bool,
}

/// A file being assembled from the records of its extents (multi-extent
/// files repeat their record, flag 0x80 on all but the last).
struct Pending {
    name: String,
    rr_name: String,
    pieces: Vec<Piece>,
    hidden: bool,
}

impl<'a> Walk<'a> {
    fn new(data: &'a [u8], block: u64, cap: usize) -> Self {
        Walk {
            data,
            block,
            cap,
            rock_ridge: None,
            plain: Vec::new(),
            rr: Vec::new(),
            findings: Vec::new(),
            visited: HashSet::new(),
            cut: false,
        }
    }

    fn dir(&mut self, d: Root, path: &str, rr_path: &str, hidden: bool, depth: usize) {
        if self.cut {
            return;
        }
        if depth > MAX_DEPTH {
            self.findings.push(malformed(format!(
                "folder {path:?} is nested deeper than {MAX_DEPTH} levels"
            )));
            return;
        }
        if !self.visited.insert(d.extent) {
            self.findings.push(malformed(format!(
                "directory loop: folder {:?} reuses the extent at block {} of a folder already read",
                if path.is_empty() { "/" } else { path },
                d.extent
            )));
            return;
        }
        let off = d.extent.saturating_mul(self.block);
        let bytes = bytes_at(self.data, off, d.len);
        if (bytes.len() as u64) < d.len {
            self.findings.push(malformed(format!(
                "the directory record of {:?} points past the end of the image (block {}, {} bytes)",
                if path.is_empty() { "/" } else { path },
                d.extent,
                d.len
            )));
        }
        let block = usize::try_from(self.block).unwrap_or(2048);
        let mut pos = 0usize;
        let mut pending: Option<Pending> = None;
        let mut subdirs: Vec<(Root, String, String, bool)> = Vec::new();
        while pos < bytes.len() {
            let len = usize::from(bytes[pos]);
            if len == 0 {
                // Records do not cross sectors: the rest of this one is padding.
                pos = (pos / block + 1) * block;
                continue;
            }
            let Some(rec) = bytes.get(pos..pos + len).filter(|_| len >= 34) else {
                self.findings.push(malformed(format!(
                    "a directory record of {:?} is cut short at offset {}",
                    if path.is_empty() { "/" } else { path },
                    off + pos as u64
                )));
                break;
            };
            pos += len;
            let nl = usize::from(rec[32]);
            let Some(raw_name) = rec.get(33..33 + nl) else {
                self.findings
                    .push(malformed("a name runs past its record".into()));
                continue;
            };
            if nl == 1 && raw_name[0] <= 1 {
                continue; // `.` and `..`
            }
            let flags = rec[25];
            let name = if d.joliet {
                strip_version(&ucs2(raw_name, true))
            } else {
                strip_version(&String::from_utf8_lossy(raw_name))
            };
            let rr_name = self
                .rock_ridge
                .and_then(|skip| self.rr_name(rec, skip))
                .unwrap_or_else(|| name.clone());
            let xa = u64::from(rec[1]);
            let extent = u64::from(le32(rec, 2)).saturating_add(xa);
            let size = u64::from(le32(rec, 10));
            let is_hidden = hidden || flags & 0x01 != 0;
            if flags & 0x02 != 0 {
                subdirs.push((
                    Root {
                        extent,
                        len: size,
                        joliet: d.joliet,
                    },
                    join(path, &name),
                    join(rr_path, &rr_name),
                    is_hidden,
                ));
                continue;
            }
            let piece = Piece::Data {
                offset: extent.saturating_mul(self.block),
                len: size,
            };
            match &mut pending {
                Some(p) if p.name == name => {
                    push_piece(&mut p.pieces, piece);
                    p.hidden |= is_hidden;
                }
                _ => {
                    if let Some(p) = pending.take() {
                        self.findings.push(malformed(format!(
                            "multi-extent file {:?} has no last extent",
                            p.name
                        )));
                        self.file(path, rr_path, p);
                    }
                    let mut pieces = Vec::new();
                    push_piece(&mut pieces, piece);
                    pending = Some(Pending {
                        name,
                        rr_name,
                        pieces,
                        hidden: is_hidden,
                    });
                }
            }
            if flags & 0x80 == 0
                && let Some(p) = pending.take()
            {
                self.file(path, rr_path, p);
            }
        }
        if let Some(p) = pending.take() {
            self.findings.push(malformed(format!(
                "multi-extent file {:?} has no last extent",
                p.name
            )));
            self.file(path, rr_path, p);
        }
        for (root, p, rp, h) in subdirs {
            self.dir(root, &p, &rp, h, depth + 1);
        }
    }

    fn file(&mut self, path: &str, rr_path: &str, p: Pending) {
        if self.plain.len() >= self.cap {
            self.cut = true;
            return;
        }
        let rr = ImageFile {
            path: join(rr_path, &p.rr_name),
            pieces: p.pieces.clone(),
            hidden: p.hidden,
        };
        self.plain.push(ImageFile {
            path: join(path, &p.name),
            pieces: p.pieces,
            hidden: p.hidden,
        });
        if self.rock_ridge.is_some() {
            self.rr.push(rr);
        }
    }

    /// The Rock Ridge name of a record: its `NM` entries, followed through
    /// `CE` continuation areas.
    fn rr_name(&mut self, rec: &[u8], skip: usize) -> Option<String> {
        let mut name: Vec<u8> = Vec::new();
        let mut found = false;
        let mut area: &[u8] = system_use(rec, skip)?;
        let mut continuations = 0;
        loop {
            let mut next = None;
            let mut i = 0;
            while i + 4 <= area.len() {
                let sig = &area[i..i + 2];
                let len = usize::from(area[i + 2]);
                if len < 4 || i + len > area.len() {
                    break;
                }
                let e = &area[i..i + len];
                match sig {
                    b"NM" if len >= 5 => {
                        let flags = e[4];
                        if flags & 0x06 == 0 {
                            name.extend_from_slice(&e[5..]);
                            found = true;
                        }
                    }
                    b"CE" if len >= 28 => {
                        next = Some((
                            u64::from(le32(e, 4)),
                            u64::from(le32(e, 12)),
                            u64::from(le32(e, 20)),
                        ));
                    }
                    b"ST" => break,
                    _ => {}
                }
                i += len;
            }
            let Some((blk, off, len)) = next else { break };
            continuations += 1;
            if continuations > MAX_CONTINUATIONS || len > self.block || off >= self.block {
                self.findings.push(malformed(
                    "a Rock Ridge continuation area is out of bounds or chained too long".into(),
                ));
                break;
            }
            area = bytes_at(
                self.data,
                blk.saturating_mul(self.block).saturating_add(off),
                len,
            );
        }
        if !found || name.is_empty() {
            return None;
        }
        // Continuation areas may repeat one block: a name is at most what
        // a file system takes.
        name.truncate(MAX_NAME);
        Some(String::from_utf8_lossy(&name).into_owned())
    }
}

/// A name without its version (`;1`) and without the dot that an
/// extensionless ISO 9660 name keeps.
fn strip_version(name: &str) -> String {
    let base = match name.rfind(';') {
        Some(i) if name[i + 1..].bytes().all(|c| c.is_ascii_digit()) => &name[..i],
        _ => name,
    };
    let base = base.strip_suffix('.').unwrap_or(base);
    base.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_trailing_dots_are_dropped() {
        assert_eq!(strip_version("README.TXT;1"), "README.TXT");
        assert_eq!(strip_version("MAKEFILE.;1"), "MAKEFILE");
        assert_eq!(strip_version("a;b"), "a;b");
    }

    #[test]
    fn nothing_is_read_from_bytes_that_are_not_an_image() {
        let l = read(&[0u8; 40000], 100);
        assert!(!l.has_primary && l.plain.is_empty());
        let l = read(&[], 100);
        assert!(!l.has_primary);
    }
}
