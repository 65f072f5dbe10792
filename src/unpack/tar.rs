//! Tar: ustar, pax and GNU headers, read from the bytes in place (entries
//! are slices of the archive, not copies).
//!
//! A pax `size` is honoured whatever the plain header says, as GNU tar and
//! Go do; where the two disagree the archive is also read the other way (the
//! way tar-rs before 0.4.45 and the tokio-tar forks read it), so that entries
//! smuggled for either reading are scanned. Links are reported, never
//! followed; data after the end-of-archive blocks is scanned on its own.
//!
//! GNU's sparse files (old GNU `S` entries with their extension blocks,
//! pax formats 0.0, 0.1 and 1.0) are laid out as tar readers extract them:
//! their extents at their offsets, zeros between, through the budget; where
//! GNU tar's reading of one differs from the others', both are. The
//! name a pax sparse entry gives (`GNU.sparse.name`) is the entry's name,
//! and the name in its header, which readers without sparse support show,
//! is checked too.

use bytes::Bytes;

use std::io::{self, Read};

use super::{Ctx, Unpacked};
use crate::budget::Stop;
use crate::finding::FindingKind;
use crate::format::tar::{
    BLOCK, Extent, cstr, extents_are_sound, header_is_valid, octal, old_gnu_sparse, pax_sparse_map,
};
use crate::report::Origin;

/// How a reader reads what tar readers disagree on.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Reading {
    /// The pax size wins (GNU tar, Go, tar-rs 0.4.45); else the plain
    /// header's size does (the smuggling reading of older tar-rs).
    pax_size: bool,
    /// GNU tar's reading of sparse entries, where it differs from Go's,
    /// Python's and libarchive's: each extent's bytes start at a block of
    /// their own (the others read them back to back), and an old header
    /// whose list of extents ends before its four slots do has no
    /// extension blocks whatever its flag says (they are its data).
    gnu_sparse: bool,
    /// GNU tar's and libarchive's refusal of a header whose checksum or
    /// size field has a stray byte after its digits (or a NUL before the
    /// checksum's): they skip its block and look for the next header, so
    /// that what this reader takes for its data are entries to them. A
    /// block that is no header is skipped the same way.
    strict: bool,
}

impl Reading {
    /// The reading whose findings are reported.
    const MAIN: Reading = Reading {
        pax_size: true,
        gnu_sparse: false,
        strict: false,
    };
}

/// A numeric field as GNU tar and libarchive take it: base-256, or blanks,
/// octal digits, then nothing but spaces and NULs.
fn strict_number(f: &[u8]) -> bool {
    if f.first().is_some_and(|&b| b & 0x80 != 0) {
        return true;
    }
    let blanks = f.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    let digits = f[blanks..]
        .iter()
        .take_while(|b| (b'0'..=b'7').contains(b))
        .count();
    f[blanks + digits..].iter().all(|&b| b == b' ' || b == 0)
}

/// The most bytes of a pax global `path` kept: it is given to every entry
/// after it, so its length is not the entry's own to pay for. No system
/// writes a longer path; its tail, which holds the file's name, is kept.
const MAX_GLOBAL_PATH: usize = 4096;

/// The last [`MAX_GLOBAL_PATH`] bytes of `path` at most, on a character
/// boundary.
fn path_tail(path: String) -> String {
    let mut from = path.len().saturating_sub(MAX_GLOBAL_PATH);
    while !path.is_char_boundary(from) {
        from += 1;
    }
    if from == 0 {
        path
    } else {
        path[from..].to_owned()
    }
}

struct Item {
    name: String,
    offset: u64,
    len: u64,
    /// The entry's other names: the one in its header where a pax sparse
    /// name replaced it, and a pax global header's `path` that GNU tar and
    /// Python give it where bsdtar and 7-Zip keep its own.
    alt_names: Vec<String>,
    /// A sparse file's layout over the stored bytes.
    sparse: Option<Sparse>,
}

/// How a sparse file is laid out.
#[derive(PartialEq)]
struct Sparse {
    /// The extents, in the order their bytes are stored.
    extents: Vec<Extent>,
    /// The file's real size.
    real: u64,
    /// Each extent's stored bytes start at a block: GNU tar's reading,
    /// where it differs from the others' (which read them back to back).
    aligned: bool,
}

impl Sparse {
    /// The layout `reading` gives these extents: GNU tar's blocks only
    /// where the readers differ, so that equal layouts compare equal.
    fn new(extents: Vec<Extent>, real: u64, reading: Reading) -> Self {
        let aligned = reading.gnu_sparse && !alike(&extents);
        Sparse {
            extents,
            real,
            aligned,
        }
    }
}

/// True when the readers lay a sparse file's stored bytes out alike: every
/// extent but the last fills whole blocks (as GNU tar writes them).
fn alike(extents: &[Extent]) -> bool {
    let n = extents.len().saturating_sub(1);
    extents[..n].iter().all(|&(_, l)| l % BLOCK == 0)
}

/// What a pax header said of the sparse file that follows it.
#[derive(Default)]
struct PaxSparse {
    name: Option<String>,
    real: Option<u64>,
    /// Format 1.0: the map starts the entry's data.
    in_data: bool,
    /// Formats 0.0 (`offset`, `numbytes` records) and 0.1 (`map`).
    offsets: Vec<u64>,
    lengths: Vec<u64>,
    map: bool,
}

impl PaxSparse {
    fn record(&mut self, key: &str, v: &str) -> bool {
        let n = || v.trim().parse::<u64>().ok();
        match key {
            "GNU.sparse.name" => self.name = Some(v.to_owned()),
            "GNU.sparse.size" | "GNU.sparse.realsize" => self.real = n(),
            "GNU.sparse.major" => self.in_data = n() == Some(1),
            "GNU.sparse.offset" => self.offsets.extend(n()),
            "GNU.sparse.numbytes" => self.lengths.extend(n()),
            "GNU.sparse.map" => {
                self.map = true;
                let numbers = v.split(',').filter_map(|x| x.trim().parse::<u64>().ok());
                for (i, x) in numbers.enumerate() {
                    if i % 2 == 0 {
                        self.offsets.push(x);
                    } else {
                        self.lengths.push(x);
                    }
                }
            }
            _ => return false,
        }
        true
    }

    fn is_sparse(&self) -> bool {
        self.in_data || self.map || !self.offsets.is_empty()
    }
}

struct Pass {
    items: Vec<Item>,
    findings: Vec<FindingKind>,
    disagreement: bool,
    /// A sparse entry that GNU tar reads otherwise.
    sparse_ambiguity: bool,
    /// Where the archive's blocks end (after the end-of-archive marker).
    end: u64,
    truncated: bool,
    entries_cut: bool,
    /// A header that GNU tar or libarchive refuse was read, or the reading
    /// stopped at a block that is no header: their reading differs.
    refused: bool,
}

fn read_pass(data: &[u8], reading: Reading, cap: usize) -> Pass {
    let len = data.len() as u64;
    let mut p = Pass {
        items: Vec::new(),
        findings: Vec::new(),
        disagreement: false,
        sparse_ambiguity: false,
        end: len,
        truncated: false,
        entries_cut: false,
        refused: false,
    };
    let mut off = 0u64;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut pax_path: Option<String> = None;
    let mut pax_size: Option<u64> = None;
    let mut pax_link: Option<String> = None;
    let mut global_size: Option<u64> = None;
    let mut global_path: Option<String> = None;
    let mut pax_sparse = PaxSparse::default();
    while off + BLOCK <= len {
        let h = &data[off as usize..(off + BLOCK) as usize];
        if h.iter().all(|&b| b == 0) {
            // End of archive: two zero blocks (one is tolerated).
            p.end = (off + 2 * BLOCK).min(len);
            return p;
        }
        let refused = !strict_number(&h[148..156]) || !strict_number(&h[124..136]);
        if reading.strict && (refused || !header_is_valid(h)) {
            // Skipped, as GNU tar and libarchive skip it.
            off += BLOCK;
            continue;
        }
        if !header_is_valid(h) {
            p.findings.push(FindingKind::Malformed {
                detail: format!("bad tar header checksum at offset {off}"),
            });
            p.refused = true;
            p.end = off;
            return p;
        }
        if refused && !p.refused {
            p.refused = true;
            p.findings.push(FindingKind::Malformed {
                detail: format!(
                    "tar header at offset {off} has a stray byte in a number that GNU tar or libarchive refuse: they skip it and read on; both readings are scanned"
                ),
            });
        }
        let header_size = octal(&h[124..136]).unwrap_or(0);
        let typeflag = h[156];
        let mut data_start = off + BLOCK;
        // An old GNU sparse entry: its extension blocks come before its data.
        let mut old_sparse = None;
        if typeflag == b'S' {
            match old_gnu_sparse(h, &data[data_start.min(len) as usize..], reading.gnu_sparse) {
                Some((extents, real, blocks, ambiguous)) => {
                    p.sparse_ambiguity |= ambiguous;
                    if ambiguous && reading == Reading::MAIN {
                        p.findings.push(FindingKind::Malformed {
                            detail: format!(
                                "sparse entry at offset {off} flags extension blocks after a list that ended: GNU tar reads them as its data, other readers as its map; both readings are scanned"
                            ),
                        });
                    }
                    data_start = data_start.saturating_add(blocks as u64 * BLOCK);
                    old_sparse = Some(Sparse::new(extents, real, reading));
                }
                None => {
                    p.truncated = true;
                    p.end = len;
                    return p;
                }
            }
        }
        let size = match (reading, pax_size.or(global_size), &old_sparse) {
            // GNU tar takes each extent's bytes from blocks of their own.
            (_, _, Some(sparse)) if sparse.aligned => {
                sparse.extents.iter().fold(0u64, |a, &(_, l)| {
                    a.saturating_add(l.div_ceil(BLOCK).saturating_mul(BLOCK))
                })
            }
            (Reading { pax_size: true, .. }, Some(s), _) => s,
            _ => header_size,
        };
        let padded = size.div_ceil(BLOCK).saturating_mul(BLOCK);
        let next = data_start.saturating_add(padded);
        let body_end = data_start.saturating_add(size).min(len);
        let body = &data[data_start.min(len) as usize..body_end as usize];
        match typeflag {
            // Solaris wrote pax headers as `X`; GNU tar, Go and Python
            // read them as `x`.
            b'x' | b'X' | b'g' => {
                let local = typeflag != b'g';
                let recs = pax_records(body);
                for (k, v) in recs {
                    if local && pax_sparse.record(&k, &v) {
                        continue;
                    }
                    match k.as_str() {
                        "path" if local => pax_path = Some(v),
                        // A global record applies to every entry after it;
                        // an empty one deletes it.
                        "path" => global_path = Some(v).filter(|v| !v.is_empty()).map(path_tail),
                        "linkpath" if local => pax_link = Some(v),
                        "size" => match v.trim().parse::<u64>() {
                            Ok(s) if local => pax_size = Some(s),
                            Ok(s) => global_size = Some(s),
                            Err(_) => p.findings.push(FindingKind::Malformed {
                                detail: format!("bad pax size {v:?}"),
                            }),
                        },
                        _ => {}
                    }
                }
            }
            b'L' => long_name = Some(String::from_utf8_lossy(cstr(body)).into_owned()),
            b'K' => long_link = Some(String::from_utf8_lossy(cstr(body)).into_owned()),
            _ => {
                let plain_name = {
                    let name = cstr(&h[0..100]);
                    let prefix = if &h[257..262] == b"ustar" {
                        cstr(&h[345..500])
                    } else {
                        &[][..]
                    };
                    if prefix.is_empty() {
                        String::from_utf8_lossy(name).into_owned()
                    } else {
                        format!(
                            "{}/{}",
                            String::from_utf8_lossy(prefix),
                            String::from_utf8_lossy(name)
                        )
                    }
                };
                let local_path = pax_path.take();
                let mut alt_names = Vec::new();
                // A local path overrides the global one for every reader.
                if local_path.is_none()
                    && let Some(g) = &global_path
                {
                    alt_names.push(g.clone());
                }
                let mut name = local_path.or(long_name.take()).unwrap_or(plain_name);
                let mut sparse_info = std::mem::take(&mut pax_sparse);
                if let Some(real) = sparse_info.name.take().filter(|real| *real != name) {
                    alt_names.push(std::mem::replace(&mut name, real));
                }
                alt_names.retain(|n| *n != name);
                if let Some(ps) = pax_size.or(global_size)
                    && ps != header_size
                    && !(header_size == 0 && matches!(typeflag, b'1' | b'2' | b'5'))
                {
                    p.disagreement = true;
                    if reading == Reading::MAIN {
                        p.findings.push(FindingKind::SizeDisagreement {
                            entry: name.clone(),
                            header: header_size,
                            extended: ps,
                        });
                    }
                }
                let link = pax_link
                    .take()
                    .or(long_link.take())
                    .unwrap_or_else(|| String::from_utf8_lossy(cstr(&h[157..257])).into_owned());
                let regular = matches!(typeflag, b'0' | 0 | b'7' | b'S');
                if reading == Reading::MAIN && matches!(typeflag, b'1' | b'2') {
                    p.findings
                        .push(super::link_finding(&name, &link, typeflag == b'2'));
                }
                let unusual = match typeflag {
                    _ if regular => None,
                    // A link, directory or device has no data, but its size
                    // still moves the reader: the bytes it claims are a
                    // file's content to some readers and the next headers to
                    // others. They are scanned.
                    b'1'..=b'6' => (!body.is_empty())
                        .then(|| super::claims_data(&name, typeflag as char, body.len())),
                    // Unknown types are regular files to most readers.
                    other => Some(FindingKind::Malformed {
                        detail: format!("entry {name:?} has unknown type {:?}", other as char),
                    }),
                };
                if regular || unusual.is_some() {
                    if p.items.len() >= cap {
                        p.entries_cut = true;
                        return p;
                    }
                    if regular && data_start.saturating_add(size) > len {
                        p.truncated = true;
                    }
                    if let Some(finding) = unusual.filter(|_| reading == Reading::MAIN) {
                        p.findings.push(finding);
                    }
                    let mut item = Item {
                        name,
                        offset: data_start.min(len),
                        len: body_end.saturating_sub(data_start.min(len)),
                        alt_names,
                        sparse: old_sparse.filter(|_| regular),
                    };
                    if regular && sparse_info.is_sparse() {
                        sparse_item(&mut item, sparse_info, body, reading, &mut p.findings);
                    }
                    p.sparse_ambiguity |= item.sparse.as_ref().is_some_and(|s| !alike(&s.extents));
                    p.items.push(item);
                }
                pax_size = None;
            }
        }
        if next > len {
            p.truncated = true;
            p.end = len;
            return p;
        }
        off = next;
    }
    if off < len {
        p.truncated = true;
    }
    p.end = off.min(len);
    p
}

/// Gives `item` the sparse layout a pax header declared for it: the map
/// in its data (format 1.0, the data then starting after it) or in the
/// header's records (0.0, 0.1). A map that cannot be read leaves the stored
/// bytes to be scanned as they are, with a finding.
fn sparse_item(
    item: &mut Item,
    info: PaxSparse,
    body: &[u8],
    reading: Reading,
    findings: &mut Vec<FindingKind>,
) {
    let extents = if info.in_data {
        match pax_sparse_map(body) {
            Some((extents, start)) => {
                let start = start.min(body.len()) as u64;
                item.offset += start;
                item.len = item.len.saturating_sub(start);
                extents
            }
            None => {
                findings.push(FindingKind::Malformed {
                    detail: format!("sparse map of {:?} unreadable", item.name),
                });
                return;
            }
        }
    } else {
        info.offsets.into_iter().zip(info.lengths).collect()
    };
    // Without a real size, the file ends where its last extent does.
    let real = info.real.unwrap_or_else(|| {
        extents
            .iter()
            .map(|&(o, l)| o.saturating_add(l))
            .max()
            .unwrap_or(0)
    });
    item.sparse = Some(Sparse::new(extents, real, reading));
}

/// A sparse file as a tar reader extracts it: each extent's bytes, taken
/// in turn from the stored data, at its offset; zeros between and after.
struct SparseReader<'a> {
    data: &'a [u8],
    extents: &'a [Extent],
    real: u64,
    /// Each extent's bytes start at a block of the stored data.
    aligned: bool,
    /// Where in the file the next byte is.
    pos: u64,
    /// How much of the stored data is used.
    used: usize,
}

impl Read for SparseReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos >= self.real || buf.is_empty() {
                return Ok(0);
            }
            let (off, len) = self.extents.first().copied().unwrap_or((self.real, 0));
            let room = buf.len() as u64;
            if self.pos < off {
                let n = room.min(off - self.pos) as usize;
                buf[..n].fill(0);
                self.pos += n as u64;
                return Ok(n);
            }
            if self.pos < off + len {
                let left = &self.data[self.used.min(self.data.len())..];
                let n = room.min(off + len - self.pos).min(left.len() as u64) as usize;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the sparse file's stored data ends before its extents do",
                    ));
                }
                buf[..n].copy_from_slice(&left[..n]);
                self.pos += n as u64;
                self.used += n;
                return Ok(n);
            }
            self.extents = &self.extents[1..];
            if self.aligned {
                self.used = self.used.div_ceil(BLOCK as usize) * BLOCK as usize;
            }
        }
    }
}

/// `"LEN key=value\n"` records; malformed ones end the list.
fn pax_records(mut b: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let Some(sp) = b.iter().position(|&c| c == b' ') else {
            break;
        };
        let Some(n) = std::str::from_utf8(&b[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if n <= sp + 1 || n > b.len() {
            break;
        }
        let rec = &b[sp + 1..n];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|&c| c == b'=') {
            out.push((
                String::from_utf8_lossy(&rec[..eq]).into_owned(),
                String::from_utf8_lossy(&rec[eq + 1..]).into_owned(),
            ));
        }
        b = &b[n..];
    }
    out
}

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let cap = usize::try_from(ctx.budget.objects_left().saturating_add(1)).unwrap_or(usize::MAX);
    let main = read_pass(data, Reading::MAIN, cap);
    let mut items = main.items;
    out.findings.extend(main.findings);
    // Read it the other ways too, and scan what only they show.
    let others = [
        (
            main.disagreement,
            Reading {
                pax_size: false,
                gnu_sparse: false,
                strict: false,
            },
            "tar reading that ignores pax sizes",
        ),
        (
            main.sparse_ambiguity,
            Reading {
                pax_size: true,
                gnu_sparse: true,
                strict: false,
            },
            "GNU tar's reading of sparse files",
        ),
        (
            main.refused,
            Reading {
                strict: true,
                ..Reading::MAIN
            },
            "GNU tar's and libarchive's reading, which skips a header they refuse",
        ),
    ];
    for (_, reading, view) in others.into_iter().filter(|(needed, ..)| *needed) {
        let other = read_pass(data, reading, cap);
        for it in other.items {
            if !items
                .iter()
                .any(|i| i.offset == it.offset && i.len == it.len && i.sparse == it.sparse)
            {
                out.findings.push(FindingKind::SingleView {
                    entry: it.name.clone(),
                    view: view.into(),
                });
                items.push(it);
            }
        }
    }
    if main.entries_cut {
        out.entries_cut(items.len());
    }
    if main.truncated {
        out.findings.push(FindingKind::Malformed {
            detail: "tar archive is truncated".into(),
        });
    }
    for it in items {
        let (s, e) = (it.offset as usize, (it.offset + it.len) as usize);
        let pushed = out.children.len();
        match it.sparse {
            Some(sparse) if extents_are_sound(&sparse.extents, sparse.real) => {
                let reader = SparseReader {
                    data: &data[s..e],
                    extents: &sparse.extents,
                    real: sparse.real,
                    aligned: sparse.aligned,
                    pos: 0,
                    used: 0,
                };
                // Not a decompressor: holes are zeros, not a ratio.
                let drained = ctx.budget.drain(reader, 0);
                // Stored bytes that no extent takes are in no reading of
                // the file, but in the archive: scanned on their own.
                let used = sparse.extents.iter().fold(0u64, |a, &(_, l)| {
                    a.saturating_add(if sparse.aligned {
                        l.div_ceil(BLOCK).saturating_mul(BLOCK)
                    } else {
                        l
                    })
                });
                let rest = usize::try_from(used)
                    .ok()
                    .and_then(|u| s.checked_add(u))
                    .filter(|&from| from < e && data[from..e].iter().any(|&b| b != 0));
                let name = rest.map(|_| it.name.clone());
                out.push_drained(it.name, Origin::Entry, drained);
                if let (Some(from), Some(name)) = (rest, name) {
                    out.findings.push(FindingKind::Malformed {
                        detail: format!(
                            "sparse file {name:?} stores {} bytes that none of its extents takes",
                            e - from
                        ),
                    });
                    let label = format!("<stored bytes of {name} past its extents>");
                    let origin = Origin::Carved {
                        offset: from as u64,
                    };
                    out.push_slice(label, origin, data.slice(from..e), ctx.budget);
                }
            }
            Some(sparse) => {
                out.findings.push(FindingKind::Malformed {
                    detail: format!(
                        "sparse map of {:?} out of order or past its size: its stored bytes are scanned as they are, and as Python's tarfile and libarchive place them",
                        it.name
                    ),
                });
                // Python's tarfile and libarchive write each extent at its
                // offset in the map's order, from stored bytes read back to
                // back (a later extent overwrites an earlier one), and cut
                // the file at its size. Holes are zeros, not a ratio.
                let stored = &data[s..e];
                let placed = ctx.budget.fill(0, |buf, cap, watch| {
                    let size = usize::try_from(sparse.real.min(cap)).unwrap_or(usize::MAX);
                    let mut pos = 0usize;
                    for &(offset, len) in &sparse.extents {
                        watch.check().map_err(Stop::Limit)?;
                        let take = usize::try_from(len)
                            .unwrap_or(usize::MAX)
                            .min(stored.len() - pos);
                        let piece = &stored[pos..pos + take];
                        pos += take;
                        let Ok(at) = usize::try_from(offset) else {
                            continue;
                        };
                        if at >= size {
                            continue;
                        }
                        let end = at.saturating_add(take).min(size);
                        if buf.len() < end {
                            buf.resize(end, 0);
                        }
                        buf[at..end].copy_from_slice(&piece[..end - at]);
                    }
                    if buf.len() < size {
                        buf.resize(size, 0);
                    }
                    Ok(sparse.real > cap)
                });
                let label = format!("<stored bytes of {}>", it.name);
                out.push_drained(it.name, Origin::Entry, placed);
                let origin = Origin::Carved { offset: s as u64 };
                out.push_slice(label, origin, data.slice(s..e), ctx.budget);
            }
            None => {
                out.push_slice(it.name, Origin::Entry, data.slice(s..e), ctx.budget);
            }
        }
        if let Some(c) = out.children.get_mut(pushed) {
            c.alt_names.extend(it.alt_names);
        }
    }
    let end = main.end as usize;
    if end < data.len() && data[end..].iter().any(|&b| b != 0) {
        out.push_appended("<data after the tar end>", data, end, ctx.budget);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lay_out(data: &[u8], extents: &[Extent], real: u64, aligned: bool) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        SparseReader {
            data,
            extents,
            real,
            aligned,
            pos: 0,
            used: 0,
        }
        .read_to_end(&mut out)
        .map(|_| out)
    }

    #[test]
    fn sparse_files_are_laid_out_back_to_back_or_by_blocks() {
        let mut stored = b"abc".to_vec();
        stored.resize(512, b'.');
        stored.extend(b"de");
        let extents = [(1, 3), (6, 2)];
        let back_to_back = lay_out(&stored, &extents, 10, false).unwrap();
        assert_eq!(back_to_back, b"\0abc\0\0..\0\0");
        let by_blocks = lay_out(&stored, &extents, 10, true).unwrap();
        assert_eq!(by_blocks, b"\0abc\0\0de\0\0");
        // Stored bytes that end before the extents do.
        assert!(lay_out(b"ab", &extents, 10, false).is_err());
    }

    #[test]
    fn pax_records_parse() {
        let r = pax_records(b"16 path=a/b.txt\n11 size=42\n");
        assert_eq!(
            r,
            vec![
                ("path".into(), "a/b.txt".into()),
                ("size".into(), "42".into())
            ]
        );
    }
}
