//! Single-stream compressors: gzip (every member, not only the first),
//! bzip2, xz, legacy `.lzma`, lzip, lzop and LZ4 (every member or frame),
//! zstd and Unix `compress` (`.Z`). The decoded stream is one child;
//! bytes after the last gzip member are reported and scanned on their own
//! (CVE-2012-1460).

use std::io::{self, Read};

use bytes::Bytes;

use super::{Ctx, Unpacked, decode};
use crate::budget::Drained;
use crate::finding::FindingKind;
use crate::format::{lzma, lzo, lzw, pack};
use crate::report::Origin;

/// The name of what a compressed file decodes to: its own stored name if
/// it has one, else the outer name without the compressor's extension
/// (names the sender chose, and judged as such); else a label of ours.
fn inner_name(outer: &str, stored: Option<&[u8]>) -> (String, Origin) {
    if let Some(n) = stored.filter(|n| !n.is_empty()) {
        return (String::from_utf8_lossy(n).into_owned(), Origin::Entry);
    }
    let file = crate::report::file_name(outer);
    let lower = file.to_ascii_lowercase();
    for (ext, repl) in [
        (".tgz", ".tar"),
        (".taz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".tzst", ".tar"),
        (".gz", ""),
        (".bz2", ""),
        (".xz", ""),
        (".tlz", ".tar"),
        (".lzma", ""),
        (".lz", ""),
        (".zst", ""),
        (".tzo", ".tar"),
        (".lzo", ""),
        (".lz4", ""),
        (".z", ""),
    ] {
        if lower.ends_with(ext) && file.len() > ext.len() {
            let name = format!("{}{}", &file[..file.len() - ext.len()], repl);
            return (name, Origin::Entry);
        }
    }
    ("<decompressed>".into(), Origin::Decoded)
}

/// Every gzip member in turn, as one stream; remembers where the members
/// end so that trailing bytes can be scanned.
struct Members<'a> {
    rest: &'a [u8],
    current: Option<flate2::bufread::GzDecoder<io::Chain<&'static [u8], &'a [u8]>>>,
    first_name: Option<Vec<u8>>,
    members: usize,
}

impl Read for Members<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(d) = self.current.as_mut() {
                let n = d.read(buf)?;
                if n > 0 || buf.is_empty() {
                    return Ok(n);
                }
                if let Some(d) = self.current.take() {
                    self.rest = d.into_inner().into_inner().1;
                }
                continue;
            }
            if is_member(self.rest) {
                // The decoder is shown the magic it knows: gzip reads the
                // old one (`1f 9e`) as the same format.
                let d = flate2::bufread::GzDecoder::new(io::Read::chain(
                    &GZIP_MAGIC[..],
                    &self.rest[2..],
                ));
                if self.members == 0 {
                    self.first_name = d.header().and_then(|h| h.filename()).map(<[u8]>::to_vec);
                }
                self.members += 1;
                self.current = Some(d);
                continue;
            }
            return Ok(0);
        }
    }
}

/// gzip's magic, which the decoder wants.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `b` starts a gzip member: the magic, or the old one that gzip
/// still decodes (`1f 9e`, `OLD_GZIP_MAGIC` in gzip.c) as a first member
/// and as any later one, then deflate.
fn is_member(b: &[u8]) -> bool {
    b.len() >= 3 && b[0] == 0x1f && matches!(b[1], 0x8b | 0x9e) && b[2] == 0x08
}

/// The decoded stream of a format of members (gzip, lzop) as one child,
/// named by its first member or by the outer name, and the `trailing`
/// bytes after its last member as appended data, when the decoder stopped
/// there rather than at an error or a limit (a stream cut short is the
/// drain's error: these readers stop only between members). Returns where
/// the appended data starts.
fn members_and_trailing(
    outer: &str,
    stored_name: Option<&[u8]>,
    drained: Drained,
    data: &Bytes,
    trailing: usize,
    ctx: &mut Ctx<'_>,
) -> (Unpacked, Option<usize>) {
    let mut out = Unpacked::default();
    let stopped_early = drained.limit.is_some() || drained.error.is_some();
    let (name, origin) = inner_name(outer, stored_name);
    // The name the member stores is what `gunzip -N`, 7-Zip and WinRAR
    // write; plain `gunzip` writes the outer name less its suffix. Both
    // are judged.
    let derived = inner_name(outer, None);
    out.push_drained(name.clone(), origin, drained);
    if stored_name.is_some_and(|n| !n.is_empty())
        && derived.1 == Origin::Entry
        && derived.0 != name
        && let Some(child) = out.children.last_mut()
    {
        child.alt_names.push(derived.0);
    }
    if stopped_early || trailing == 0 {
        return (out, None);
    }
    let off = data.len() - trailing;
    out.push_appended("<trailing data>", data, off, ctx.budget);
    (out, Some(off))
}

pub(crate) fn gunzip(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut m = Members {
        rest: &data[..],
        current: None,
        first_name: None,
        members: 0,
    };
    let drained = ctx.budget.drain(&mut m, data.len() as u64);
    let (mut out, appended) = members_and_trailing(
        outer,
        m.first_name.as_deref(),
        drained,
        data,
        m.rest.len(),
        ctx,
    );
    if let Some(off) = appended {
        // A strict reader stops at the garbage; a lenient one (or a
        // dropper) seeks the next member. It is one more object, which is
        // unpacked as a gzip of its own (and so on, under the depth limit).
        if let Some(k) = next_member(&data[off + 1..]) {
            let at = off + 1 + k;
            let origin = Origin::Carved { offset: at as u64 };
            let label = format!("<gzip member @{at}>");
            out.push_slice(label, origin, data.slice(at..), ctx.budget);
        }
    }
    out
}

/// Where the next plausible gzip member header starts: either magic,
/// deflate, and no reserved flag bits.
fn next_member(b: &[u8]) -> Option<usize> {
    memchr::memchr_iter(0x1f, b).find(|&i| {
        is_member(&b[i..]) && b.get(i + 3).is_some_and(|f| f & 0xe0 == 0) && b.len() >= i + 18
    })
}

/// Every lzop member's blocks in turn, as one stream (see
/// [`crate::format::lzo`]); remembers where the members end, as
/// [`Members`] does for gzip.
struct Lzop<'a> {
    rest: &'a [u8],
    /// The member's flags while inside one.
    flags: Option<u32>,
    block: Vec<u8>,
    pos: usize,
    /// A checksum that failed on the block being served: reported once
    /// the block has been read, so that its bytes are scanned too.
    pending: Option<lzo::Bad>,
    first_name: Option<Vec<u8>>,
}

fn bad(e: lzo::Bad) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl Read for Lzop<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.block.len() {
                let n = buf.len().min(self.block.len() - self.pos);
                buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if let Some(e) = self.pending.take() {
                return Err(bad(e));
            }
            let Some(flags) = self.flags else {
                if !lzo::is_lzop(self.rest) {
                    return Ok(0);
                }
                let h = lzo::header(self.rest).map_err(bad)?;
                if self.first_name.is_none() {
                    self.first_name = Some(h.name.to_vec());
                }
                self.rest = &self.rest[h.len..];
                self.flags = Some(h.flags);
                continue;
            };
            let (block, used) = lzo::block(self.rest, flags).map_err(bad)?;
            self.rest = &self.rest[used..];
            self.pos = 0;
            match block {
                lzo::Block::End => {
                    self.flags = None;
                    self.block.clear();
                }
                lzo::Block::Data {
                    len,
                    stored,
                    compressed,
                    check,
                } => {
                    if compressed {
                        let r = lzo::lzo1x(stored, &mut self.block, len as usize);
                        // What was decoded before the error is scanned.
                        self.pending = r.err();
                        if self.pending.is_none() && self.block.len() != len as usize {
                            self.pending = Some(lzo::Bad::Corrupt("shorter than declared"));
                        }
                    } else {
                        self.block.clear();
                        self.block.extend_from_slice(stored);
                    }
                    if self.pending.is_none() {
                        self.pending = lzo::verify(&self.block, check).err();
                    }
                }
            }
        }
    }
}

/// lzop: every member, every block (LZO1X, or stored); bytes after the
/// last member are appended data, scanned on their own.
pub(crate) fn unlzop(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut r = Lzop {
        rest: &data[..],
        flags: None,
        block: Vec::new(),
        pos: 0,
        pending: None,
        first_name: None,
    };
    let drained = ctx.budget.drain(&mut r, data.len() as u64);
    members_and_trailing(
        outer,
        r.first_name.as_deref(),
        drained,
        data,
        r.rest.len(),
        ctx,
    )
    .0
}

fn single(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>, r: impl Read) -> Unpacked {
    let mut out = Unpacked::default();
    let drained = ctx.budget.drain(r, data.len() as u64);
    let (name, origin) = inner_name(outer, None);
    out.push_drained(name, origin, drained);
    out
}

/// bzip2, every stream in turn. The decoder reads on through empty
/// streams without giving a byte (a million of them in 20 MB took
/// minutes), so its input checks the scan's clock.
pub(crate) fn bunzip2(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let input = crate::budget::WatchedInput::new(&data[..], ctx.budget.watch());
    single(outer, data, ctx, bzip2::bufread::MultiBzDecoder::new(input))
}

pub(crate) fn unxz(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    single(outer, data, ctx, decode::xz_reader(&data[..]))
}

/// Legacy `.lzma`, or 7-Zip's LZMA86: a filter byte, then the same
/// stream, through the x86 branch filter when the byte is 1.
pub(crate) fn unlzma(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let cap = ctx.budget.limits().max_object_bytes;
    if !lzma::is_alone(data) && lzma::is_lzma86(data) {
        let stream = decode::lzma_alone(&data[1..], cap);
        return if data[0] == 1 {
            let x86 = stream.map(|r| lzma_rust2::filter::bcj::BcjReader::new_x86(r, 0));
            single_or_malformed("lzma86", outer, data, ctx, x86)
        } else {
            single_or_malformed("lzma86", outer, data, ctx, stream)
        };
    }
    single_or_malformed("lzma", outer, data, ctx, decode::lzma_alone(&data[..], cap))
}

/// lzip: every member in turn, read forward by lzma-rust2's reader (each
/// member's CRC, sizes and end marker checked; a window that grows with
/// the output, whatever the header declares). Bytes after the last member
/// or a member that does not check out is the drain's error: a finding,
/// what came before it scanned.
pub(crate) fn unlzip(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    single(outer, data, ctx, lzma_rust2::LzipReader::new(&data[..]))
}

/// LZ4 frames in turn (lz4_flex's reader: each block bounded by the
/// frame's own maximum of 4 MiB, or 8 MiB in the legacy format), with
/// skippable frames skipped as the `lz4` tool skips them. A frame that does
/// not decode, or bytes after the last that are no frame, are the drain's
/// error: a finding, with what came before scanned.
struct Lz4<'a> {
    inner: lz4_flex::frame::FrameDecoder<&'a [u8]>,
    /// Input left when the decoder last ended a frame without consuming
    /// any: a guard against reading nothing forever.
    stalled: Option<usize>,
}

impl Read for Lz4<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                // The decoder ends at each frame's end mark: the next frame
                // (a second file catenated, as `lz4 -d` reads on) is read
                // by the next call, which consumes input or fails.
                Ok(0) if !buf.is_empty() && !self.inner.get_ref().is_empty() => {
                    let left = self.inner.get_ref().len();
                    if self.stalled == Some(left) {
                        return Ok(0);
                    }
                    self.stalled = Some(left);
                }
                Err(e) => {
                    let skip = e
                        .get_ref()
                        .and_then(|e| e.downcast_ref::<lz4_flex::frame::Error>());
                    let Some(lz4_flex::frame::Error::SkippableFrame(n)) = skip else {
                        return Err(e);
                    };
                    // The reader stopped after the frame's magic and length.
                    let rest = self.inner.get_mut();
                    let n = *n as usize;
                    if n > rest.len() {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "lz4: skippable frame past the end",
                        ));
                    }
                    *rest = &rest[n..];
                }
                ok => return ok,
            }
        }
    }
}

pub(crate) fn unlz4(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let r = Lz4 {
        inner: lz4_flex::frame::FrameDecoder::new(&data[..]),
        stalled: None,
    };
    single(outer, data, ctx, r)
}

/// Unix `compress` (`.Z`): LZW, by [`lzw::ZReader`]; or Unix `pack`
/// (`.z`), by [`pack::PackReader`].
pub(crate) fn uncompress(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    if data.starts_with(&pack::MAGIC) {
        return unpack(outer, data, ctx);
    }
    single_or_malformed("compress", outer, data, ctx, lzw::ZReader::new(&data[..]))
}

/// A `pack` stream as one child, and what follows its end code as
/// appended data (gzip reads on: a gzip member there is decoded too).
fn unpack(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut r = match pack::PackReader::new(&data[..]) {
        Ok(r) => r,
        Err(e) => return single_or_malformed("pack", outer, data, ctx, Err::<&[u8], _>(e)),
    };
    let drained = ctx.budget.drain(&mut r, data.len() as u64);
    let trailing = r.end().map_or(0, |end| data.len() - end);
    members_and_trailing(outer, None, drained, data, trailing, ctx).0
}

pub(crate) fn unzstd(outer: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    single_or_malformed("zstd", outer, data, ctx, decode::zstd_reader(&data[..]))
}

/// `single`, for a decoder that reads a header of its own first: a header
/// it refuses is a malformed finding.
fn single_or_malformed(
    format: &str,
    outer: &str,
    data: &Bytes,
    ctx: &mut Ctx<'_>,
    decoder: io::Result<impl Read>,
) -> Unpacked {
    match decoder {
        Ok(r) => single(outer, data, ctx, r),
        Err(e) => Unpacked {
            findings: vec![FindingKind::Malformed {
                detail: format!("{format}: {e}"),
            }],
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_names() {
        let name = |o, s| inner_name(o, s).0;
        assert_eq!(name("a/b.tar.gz", None), "b.tar");
        assert_eq!(name("b.tgz", None), "b.tar");
        assert_eq!(name("x.gz", Some(b"real.exe")), "real.exe");
        assert_eq!(
            inner_name("noext", None),
            ("<decompressed>".into(), Origin::Decoded)
        );
    }
}
