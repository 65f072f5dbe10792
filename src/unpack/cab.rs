//! Microsoft cabinets (CAB), read by our own reader (`format::cab`) and
//! decoded here: stored, MSZIP (deflate blocks sharing their history,
//! through flate2) and LZX (through `lzxd`). Quantum has no decoder in
//! Rust: its files are an unsupported method, never passed over silently.
//!
//! Each file is a child of its own, read through the budget from a decoder
//! of its folder that runs forward block by block (every block is at most
//! 64 KiB, whatever the header says). Files are taken in the order of their
//! offsets, so a folder is decoded once; a file that starts before the end
//! of the one before it (files overlapping, or listed twice) restarts the
//! folder's decoder, a few times at most.
//!
//! One cabinet of a set (a file continued from the previous or into the
//! next cabinet) gives what it holds and a finding that the rest is
//! missing.

use std::io::{self, Read};

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::cab::{
    self, Block, CONTINUED_FROM_PREV, CONTINUED_PREV_AND_NEXT, CONTINUED_TO_NEXT, Cabinet, Folder,
    Method,
};
use crate::limits::LimitKind;
use crate::report::Origin;

/// Restarts of one folder's decoder for files that overlap: past this the
/// remaining overlapping files are a finding, not decoded again.
const MAX_RESTARTS: u32 = 8;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let cab = match cab::parse(data) {
        Ok(c) => c,
        Err(e) => {
            out.findings.push(FindingKind::Malformed {
                detail: e.to_string(),
            });
            return out;
        }
    };
    if let Some(why) = &cab.files_cut {
        out.findings.push(FindingKind::Malformed {
            detail: format!("cabinet: {why}"),
        });
    }
    if cab.in_a_set() {
        let mut parts = Vec::new();
        if let Some(p) = &cab.prev {
            parts.push(format!("the previous cabinet {p:?}"));
        }
        if let Some(n) = &cab.next {
            parts.push(format!("the next cabinet {n:?}"));
        }
        out.findings.push(FindingKind::MissingVolume {
            detail: format!(
                "cabinet {} of set {:#06x}: {} not given; files continued there are not whole",
                cab.index,
                cab.set_id,
                parts.join(" and ")
            ),
        });
    }
    if (cab.declared_size as usize) > data.len() {
        out.findings.push(FindingKind::Malformed {
            detail: format!(
                "cabinet declares {} bytes, {} are there: what is there was read",
                cab.declared_size,
                data.len()
            ),
        });
    } else if (cab.declared_size as usize) < data.len() {
        // Scanned as an object of its own: a zip glued behind is a zip to
        // a zip reader.
        let end = cab.declared_size as usize;
        out.push_appended("<data after the cabinet>", data, end, ctx.budget);
    }
    let mut listed = 0usize;
    // Each folder's files, gathered in one pass (not one pass over 65,535
    // files for each of 65,535 folders).
    let mut by_folder: Vec<Vec<&cab::File>> = vec![Vec::new(); cab.folders.len()];
    for f in &cab.files {
        if let Some(list) = folder_of(&cab, f).and_then(|i| by_folder.get_mut(i)) {
            list.push(f);
        }
    }
    for (folder, files) in cab.folders.iter().zip(by_folder) {
        if !read_folder(data, &cab, folder, files, ctx, &mut out, &mut listed) {
            return out;
        }
    }
    // Files whose folder is in another cabinet, or does not exist.
    for f in &cab.files {
        let continued = matches!(f.folder, CONTINUED_FROM_PREV | CONTINUED_PREV_AND_NEXT);
        let to_next_only = f.folder == CONTINUED_TO_NEXT;
        if to_next_only {
            continue; // Read with the last folder.
        }
        if continued {
            out.findings.push(FindingKind::MissingVolume {
                detail: format!(
                    "{:?} starts in the previous cabinet of the set: not scanned",
                    f.name
                ),
            });
        } else if f.folder as usize >= cab.folders.len() {
            out.findings.push(FindingKind::Malformed {
                detail: format!("{:?} names folder {}, which is not there", f.name, f.folder),
            });
        }
    }
    out
}

/// The index of the folder a file's data is in, in this cabinet.
fn folder_of(cab: &Cabinet, f: &cab::File) -> Option<usize> {
    match f.folder {
        CONTINUED_TO_NEXT => cab.folders.len().checked_sub(1),
        CONTINUED_FROM_PREV | CONTINUED_PREV_AND_NEXT => None,
        i => Some(i as usize),
    }
}

/// Reads the files of one folder; false when the scan's budget is spent.
fn read_folder(
    data: &Bytes,
    cab: &Cabinet,
    folder: &Folder,
    mut files: Vec<&cab::File>,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
    listed: &mut usize,
) -> bool {
    files.sort_by_key(|f| f.offset);
    if files.is_empty() {
        return true;
    }
    match folder.method {
        Method::None | Method::MsZip | Method::Lzx(_) => {}
        other => {
            for f in files {
                out.findings.push(FindingKind::UnsupportedMethod {
                    entry: f.name.clone(),
                    method: other.name(),
                });
            }
            return true;
        }
    }
    let packed = cab::packed_size(data, folder, cab.data_reserve);
    let mut reader = FolderReader::new(data, folder, cab.data_reserve);
    let mut restarts = 0u32;
    for f in files {
        if *listed as u64 >= ctx.budget.objects_left() {
            out.entries_cut(*listed);
            return false;
        }
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: format!("cabinet files from {:?} on were not read", f.name),
            });
            return false;
        }
        *listed += 1;
        let name = f.name.clone();
        let origin = if name.is_empty() {
            Origin::Unnamed
        } else {
            Origin::Entry
        };
        let want = u64::from(f.offset);
        if want < reader.pos {
            if restarts >= MAX_RESTARTS {
                out.findings
                    .push(FindingKind::OverlappingEntries { count: 1 });
                out.findings.push(FindingKind::Limit {
                    limit: LimitKind::OverlappingEntries,
                    detail: format!("{name:?} overlaps another file and was not decoded again"),
                });
                continue;
            }
            restarts += 1;
            reader = FolderReader::new(data, folder, cab.data_reserve);
        }
        let gap = want - reader.pos;
        if let Err(e) = skip(&mut reader, gap, ctx) {
            match e {
                Skip::Limit(limit) => {
                    out.findings.push(FindingKind::Limit {
                        limit,
                        detail: format!("cabinet files from {name:?} on were not read"),
                    });
                    return false;
                }
                Skip::Io(e) => out.findings.push(FindingKind::Malformed {
                    detail: format!("{name:?}: its folder ended before it: {e}"),
                }),
            }
            continue;
        }
        let before = reader.pos;
        let d = ctx
            .budget
            .drain((&mut reader).take(u64::from(f.size)), packed.max(1));
        let got = reader.pos - before;
        let short = d.error.is_none() && d.limit.is_none() && got < u64::from(f.size);
        let spent = matches!(d.limit, Some(LimitKind::TotalSize | LimitKind::Time))
            || matches!(d.limit, Some(LimitKind::Cancelled));
        let continued = f.folder == CONTINUED_TO_NEXT || reader.continued;
        let name_for = name.clone();
        out.push_drained(name, origin, d);
        if let Some(child) = out.children.last_mut() {
            if short {
                child.findings.push(if continued {
                    FindingKind::MissingVolume {
                        detail: format!(
                            "{name_for:?} goes on in the next cabinet: {got} of {} bytes scanned",
                            f.size
                        ),
                    }
                } else {
                    FindingKind::Malformed {
                        detail: format!(
                            "{name_for:?}: its folder ended after {got} of {} bytes",
                            f.size
                        ),
                    }
                });
            }
            if f.name_lossy {
                child.findings.push(FindingKind::Malformed {
                    detail: format!("{name_for:?}: name not in UTF-8, read as Latin-1"),
                });
            }
        }
        if spent {
            return false;
        }
    }
    true
}

enum Skip {
    Limit(LimitKind),
    Io(io::Error),
}

/// Decodes and drops `n` bytes (a gap between files), checking the clock.
fn skip(reader: &mut FolderReader<'_>, mut n: u64, ctx: &Ctx<'_>) -> Result<(), Skip> {
    let mut sink = [0u8; 8192];
    while n > 0 {
        ctx.budget.check_time().map_err(Skip::Limit)?;
        let want = n.min(sink.len() as u64) as usize;
        let got = reader.read(&mut sink[..want]).map_err(Skip::Io)?;
        if got == 0 {
            return Err(Skip::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no more data blocks",
            )));
        }
        n -= got as u64;
    }
    Ok(())
}

/// The decoder of one folder's blocks.
enum Decoder {
    Stored,
    MsZip {
        inflate: Box<flate2::Decompress>,
        history: Vec<u8>,
    },
    Lzx(Box<lzxd::Lzxd>),
}

/// A folder's uncompressed stream, decoded one block at a time.
struct FolderReader<'a> {
    blocks: Box<dyn Iterator<Item = Result<Block<'a>, String>> + 'a>,
    decoder: Decoder,
    /// The current block's output, and how much of it was read.
    buf: Vec<u8>,
    at: usize,
    /// Uncompressed bytes read from the folder so far.
    pos: u64,
    /// The folder's last block says it goes on in the next cabinet.
    continued: bool,
    failed: bool,
    /// The error to give once the current block's output is read (the
    /// input ended inside it).
    pending: Option<String>,
}

impl<'a> FolderReader<'a> {
    fn new(data: &'a [u8], folder: &Folder, data_reserve: u8) -> Self {
        let decoder = match folder.method {
            Method::MsZip => Decoder::MsZip {
                inflate: Box::new(flate2::Decompress::new(false)),
                history: Vec::new(),
            },
            Method::Lzx(w) => Decoder::Lzx(Box::new(lzxd::Lzxd::new(window(w)))),
            _ => Decoder::Stored,
        };
        FolderReader {
            blocks: Box::new(cab::blocks(data, folder, data_reserve)),
            decoder,
            buf: Vec::new(),
            at: 0,
            pos: 0,
            continued: false,
            failed: false,
            pending: None,
        }
    }

    /// Decodes the next block into `buf`; false at the folder's end.
    fn next_block(&mut self) -> io::Result<bool> {
        let bad = |s: String| io::Error::new(io::ErrorKind::InvalidData, s);
        let Some(block) = self.blocks.next() else {
            return Ok(false);
        };
        let block = block.map_err(bad)?;
        if block.uncompressed == 0 {
            // The block goes on in the next cabinet: nothing to decode here.
            self.continued = true;
            return Ok(false);
        }
        let size = block.uncompressed as usize;
        self.buf.clear();
        self.at = 0;
        if block.cut {
            self.pending = Some(format!(
                "the input ends inside a data block ({} bytes of it are there)",
                block.data.len()
            ));
        }
        match &mut self.decoder {
            Decoder::Stored if block.cut => {
                self.buf
                    .extend_from_slice(&block.data[..block.data.len().min(size)]);
            }
            Decoder::Stored => {
                if block.data.len() != size {
                    return Err(bad(format!(
                        "stored block of {} bytes declares {size}",
                        block.data.len()
                    )));
                }
                self.buf.extend_from_slice(block.data);
            }
            Decoder::MsZip { inflate, history } => {
                let body = block
                    .data
                    .strip_prefix(b"CK")
                    .ok_or_else(|| bad("MSZIP block without its CK signature".into()))?;
                inflate.reset(false);
                if !history.is_empty() {
                    inflate
                        .set_dictionary(history)
                        .map_err(|e| bad(format!("MSZIP history: {e}")))?;
                }
                // Room for exactly what the block declares (at most 64 KiB).
                self.buf.reserve_exact(size);
                let flush = if block.cut {
                    flate2::FlushDecompress::Sync
                } else {
                    flate2::FlushDecompress::Finish
                };
                let r = inflate.decompress_vec(body, &mut self.buf, flush);
                if block.cut {
                    // What the cut block gave is read; the error follows.
                    return Ok(!self.buf.is_empty());
                }
                r.map_err(|e| bad(format!("MSZIP: {e}")))?;
                if self.buf.len() != size {
                    return Err(bad(format!(
                        "MSZIP block made {} bytes, declares {size}",
                        self.buf.len()
                    )));
                }
                let keep = self.buf.len().min(0x8000);
                let total = history.len() + keep;
                if total > 0x8000 {
                    history.drain(..total - 0x8000);
                }
                history.extend_from_slice(&self.buf[self.buf.len() - keep..]);
            }
            Decoder::Lzx(_) if block.cut => {
                return Err(bad(self.pending.take().unwrap_or_default()));
            }
            Decoder::Lzx(lzx) => {
                if size > lzxd::MAX_CHUNK_SIZE {
                    return Err(bad(format!("LZX block declares {size} bytes")));
                }
                let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    lzx.decompress_next(block.data, size).map(<[u8]>::to_vec)
                }))
                .map_err(|_| bad("LZX decoder failed".into()))?
                .map_err(|e| bad(format!("LZX: {e}")))?;
                self.buf = decoded;
            }
        }
        Ok(true)
    }
}

impl Read for FolderReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.buf.len() {
            if let Some(e) = self.pending.take() {
                self.failed = true;
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, e));
            }
            if self.failed {
                return Ok(0);
            }
            match self.next_block() {
                Ok(true) => {}
                Ok(false) => {
                    self.failed = true;
                    if let Some(e) = self.pending.take() {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, e));
                    }
                    return Ok(0);
                }
                Err(e) => {
                    self.failed = true;
                    return Err(e);
                }
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        self.pos += n as u64;
        Ok(n)
    }
}

/// lzxd's window for 2^w bytes (w is 15 to 21, checked by the parser).
fn window(w: u8) -> lzxd::WindowSize {
    use lzxd::WindowSize as W;
    match w {
        15 => W::KB32,
        16 => W::KB64,
        17 => W::KB128,
        18 => W::KB256,
        19 => W::KB512,
        20 => W::MB1,
        _ => W::MB2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::format::cab::tests::stored_cab;
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
    fn stored_files_come_out_whole() {
        let big = vec![7u8; 70_000];
        let u = run(stored_cab(&[("a.txt", b"alpha"), ("big.bin", &big)]));
        assert!(u.findings.is_empty(), "{:?}", u.findings);
        assert_eq!(u.children.len(), 2);
        assert_eq!(&u.children[0].data[..], b"alpha");
        assert_eq!(u.children[1].data.len(), 70_000);
    }

    #[test]
    fn a_cut_cabinet_gives_what_is_there_and_says_so() {
        let mut cab = stored_cab(&[("a.txt", b"alpha"), ("b.txt", b"beta")]);
        cab.truncate(cab.len() - 2);
        let u = run(cab);
        assert_eq!(&u.children[0].data[..], b"alpha");
        assert!(
            u.findings
                .iter()
                .any(|f| matches!(f, FindingKind::Malformed { .. }))
        );
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use crate::budget::Budget;
    use crate::format::cab::tests::stored_cab;
    use crate::limits::Limits;

    proptest::proptest! {
        /// A cabinet with bytes changed and cut anywhere unpacks without a
        /// panic, and never past the budget.
        #[test]
        fn changed_cabinets_stay_in_bounds(
            edits in proptest::collection::vec((0usize..400, proptest::num::u8::ANY), 1..8),
            cut in 0usize..400,
            method in 0u16..4,
        ) {
            let mut cab = stored_cab(&[("a.txt", b"alpha"), ("b.bin", &[7u8; 300])]);
            // The folder's method field (MSZIP, Quantum, LZX over stored bytes).
            cab[42..44].copy_from_slice(&(method | if method == 3 { 0x0f00 } else { 0 }).to_le_bytes());
            for (at, b) in edits {
                if let Some(x) = cab.get_mut(at) {
                    *x = b;
                }
            }
            cab.truncate(cut.max(36));
            let limits = Limits { max_total_bytes: 1 << 20, ..Limits::default() };
            let mut budget = Budget::new(&limits);
            let mut ctx = Ctx { budget: &mut budget, passwords: &[], zeros_after: 0 };
            let u = unpack(&Bytes::from(cab), &mut ctx);
            let total: usize = u.children.iter().map(|c| c.data.len()).sum();
            proptest::prop_assert!(total <= 1 << 20);
        }
    }
}
