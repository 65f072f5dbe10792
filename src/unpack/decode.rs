//! The codecs: the compression methods of zip entries and compressed
//! streams, raw deflate straight into the budget's buffer, base64 and
//! quoted-printable. Each takes bytes in memory; what comes out goes through
//! the budget. Memory that a decoder sizes from a header (an LZMA
//! dictionary, an xz or zstd window) is capped here; a PPMd model, which
//! the output depends on, is charged to the budget at its declared size.

use std::io::{self, Read};

use crate::budget::{Budget, Drained, Filled, Stop, Watch};
use crate::limits::LimitKind;

/// Largest dictionary or window a decoder may allocate. Output is capped by
/// the budget anyway, and a dictionary larger than the output is never used.
const MAX_WINDOW: u64 = 128 << 20;

/// Why an entry gets no reader.
#[derive(Debug)]
pub(crate) enum NoReader {
    /// A compression method we cannot decode, or its header is unreadable.
    Unsupported(String),
    /// The decoder would need more memory than the budget grants.
    Limit(LimitKind, String),
}

/// The name of a zip compression method.
pub(crate) fn method_name(m: u16) -> String {
    match m {
        0 => "stored".into(),
        1 => "shrunk".into(),
        2..=5 => "reduced".into(),
        6 => "imploded".into(),
        8 => "deflate".into(),
        9 => "deflate64".into(),
        10 => "pkware-implode".into(),
        12 => "bzip2".into(),
        14 => "lzma".into(),
        18 => "ibm-terse".into(),
        19 => "ibm-lz77".into(),
        93 => "zstd".into(),
        95 => "xz".into(),
        96 => "jpeg".into(),
        97 => "wavpack".into(),
        98 => "ppmd".into(),
        99 => "aes".into(),
        other => format!("method {other}"),
    }
}

/// A reader of what `input` inflates to under zip method `method`.
/// `usize` is the declared uncompressed size, used only where the format
/// needs it to find its end (LZMA and PPMd without an end marker), never to
/// allocate. A PPMd model is charged to `budget`.
pub(crate) fn zip_method<'a>(
    method: u16,
    input: &'a [u8],
    usize: u64,
    output_cap: u64,
    budget: &mut Budget,
) -> Result<Box<dyn Read + 'a>, NoReader> {
    let bad = |what: &str, e: &dyn std::fmt::Display| NoReader::Unsupported(format!("{what}: {e}"));
    Ok(match method {
        0 => Box::new(input),
        8 => Box::new(flate2::bufread::DeflateDecoder::new(input)),
        9 => Box::new(deflate64::Deflate64Decoder::with_buffer(input)),
        // Its input checks the clock: see `compressed::bunzip2`.
        12 => Box::new(bzip2::bufread::MultiBzDecoder::new(
            crate::budget::WatchedInput::new(input, budget.watch()),
        )),
        14 => lzma(input, usize, output_cap).map_err(|e| bad("lzma", &e))?,
        93 => Box::new(zstd_reader(input).map_err(|e| bad("zstd", &e))?),
        95 => Box::new(xz_reader(input)),
        98 => zip_ppmd(input, usize, budget)?,
        other => return Err(NoReader::Unsupported(method_name(other))),
    })
}

/// Zip's PPMd (variant I, revision 1): two bytes of parameters (order,
/// model size in MiB, what to do when the model is full), then the range
/// coder's stream. The model is charged to the budget first: the decoder
/// allocates and zeroes it whole.
fn zip_ppmd<'a>(
    input: &'a [u8],
    usize: u64,
    budget: &mut Budget,
) -> Result<Box<dyn Read + 'a>, NoReader> {
    let (params, stream) = input
        .split_first_chunk::<2>()
        .ok_or_else(|| NoReader::Unsupported("ppmd: no parameters".into()))?;
    let params = u16::from_le_bytes(*params);
    let order = u32::from(params & 0x0f) + 1;
    let model = (u32::from((params >> 4) & 0xff) + 1) << 20;
    let restore = match params >> 12 {
        0 => ppmd_rust::RestoreMethod::Restart,
        1 => ppmd_rust::RestoreMethod::CutOff,
        r => return Err(NoReader::Unsupported(format!("ppmd: restore method {r}"))),
    };
    if order < ppmd_rust::PPMD8_MIN_ORDER {
        return Err(NoReader::Unsupported(format!("ppmd: order {order}")));
    }
    budget.charge_model(u64::from(model)).map_err(|limit| {
        NoReader::Limit(
            limit,
            format!("its PPMd model ({} MiB) was not allocated", model >> 20),
        )
    })?;
    let decoder = ppmd_rust::Ppmd8Decoder::new(stream, order, model, restore)
        .map_err(|e| NoReader::Unsupported(format!("ppmd: {e}")))?;
    // Without an end marker the stream ends at its declared size, as 7-Zip
    // and WinZip read it: past it the decoder would go on making symbols.
    Ok(Box::new(decoder.take(declared_end(usize))))
}

/// Where a zip entry's stream ends by its declared uncompressed size:
/// unknown (0, or all ones where zip64 keeps it) leaves the stream to end
/// at its own marker, and the budget bounds it either way.
fn declared_end(usize: u64) -> u64 {
    if usize == 0 || usize == u64::from(u32::MAX) {
        u64::MAX
    } else {
        usize
    }
}

/// Zip's LZMA: a version, the properties' size, five property bytes, then a
/// raw LZMA stream.
fn lzma<'a>(input: &'a [u8], usize: u64, output_cap: u64) -> io::Result<Box<dyn Read + 'a>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "short LZMA header");
    let header = input.get(..9).ok_or_else(bad)?;
    if u16::from_le_bytes([header[2], header[3]]) != 5 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "LZMA properties size is not 5",
        ));
    }
    raw_lzma(
        &input[9..],
        header[4],
        &header[5..9],
        declared_end(usize),
        output_cap,
    )
}

/// A raw LZMA stream with its properties byte and declared dictionary (4
/// bytes, little-endian), the dictionary capped: output is capped by the
/// budget anyway, and a dictionary larger than the output is never used.
/// `size` (`u64::MAX` when unknown) only tells the decoder where to stop.
fn raw_lzma<'a>(
    stream: &'a [u8],
    props: u8,
    dict: &[u8],
    size: u64,
    output_cap: u64,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(Box::new(raw_lzma_reader(
        stream, props, dict, size, output_cap,
    )?))
}

/// [`raw_lzma`], unboxed.
fn raw_lzma_reader<'a>(
    stream: &'a [u8],
    props: u8,
    dict: &[u8],
    size: u64,
    output_cap: u64,
) -> io::Result<lzma_rust2::LzmaReader<&'a [u8]>> {
    let declared = u32::from_le_bytes([dict[0], dict[1], dict[2], dict[3]]);
    let cap = output_cap.clamp(4096, MAX_WINDOW) as u32;
    lzma_rust2::LzmaReader::new_with_props(stream, size, props, declared.clamp(4096, cap), None)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
}

/// The most streams of one `.lzma` file that are decoded: each costs its
/// properties' tables (up to 6 MiB set for lc + lp = 12) even when it
/// makes no output. Past it, the rest is the reader's error: a finding.
const MAX_LZMA_STREAMS: usize = 256;

/// The legacy `.lzma` format: properties, dictionary size and uncompressed
/// size (all ones when unknown: the stream then ends at its end marker),
/// then a raw LZMA stream, read as zip's LZMA is.
///
/// Streams catenated are read one after the other, as 7-Zip extracts them
/// (xz's `lzma -d` writes the first and then fails on the rest). Bytes
/// after a stream that do not start another one are the reader's error,
/// so they are a finding, never dropped.
pub(crate) fn lzma_alone(input: &[u8], output_cap: u64) -> io::Result<LzmaAlone<'_>> {
    let first = lzma_alone_stream(input, output_cap)?;
    Ok(LzmaAlone {
        input,
        offset: 0,
        current: Some(first),
        streams: 1,
        output_cap,
    })
}

/// One `.lzma` stream from its header. A known size is checked against
/// the range coder's end (an end marker after it is read, not left over):
/// what the stream did not use is where the next one starts.
fn lzma_alone_stream(input: &[u8], output_cap: u64) -> io::Result<lzma_rust2::LzmaReader<&[u8]>> {
    let header = input
        .get(..13)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "short LZMA header"))?;
    let size = u64::from_le_bytes(header[5..13].try_into().unwrap_or([0xff; 8]));
    let mut r = raw_lzma_reader(&input[13..], header[0], &header[1..5], size, output_cap)?;
    r.set_relaxed_end_condition(false);
    Ok(r)
}

/// The reader of [`lzma_alone`]: each stream in turn.
pub(crate) struct LzmaAlone<'a> {
    /// The input from the current stream's header on.
    input: &'a [u8],
    /// Where `input` starts in the file.
    offset: usize,
    current: Option<lzma_rust2::LzmaReader<&'a [u8]>>,
    streams: usize,
    output_cap: u64,
}

impl Read for LzmaAlone<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(r) = self.current.as_mut() else {
                return Ok(0);
            };
            let n = r.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            // This stream ended: the next starts where it stopped using
            // the input (what it read ahead is handed back).
            let Some(done) = self.current.take() else {
                return Ok(0);
            };
            let (left, unused) = done.into_parts();
            let rest = &self.input[self.input.len() - (left.len() + unused.len())..];
            if rest.is_empty() {
                return Ok(0);
            }
            let at = self.offset + (self.input.len() - rest.len());
            if self.streams >= MAX_LZMA_STREAMS {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "more than {MAX_LZMA_STREAMS} LZMA streams: {} bytes from offset {at} not read",
                        rest.len()
                    ),
                ));
            }
            let next = lzma_alone_stream(rest, self.output_cap).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} bytes after the LZMA stream that ends at offset {at} start no other ({e})",
                        rest.len()
                    ),
                )
            })?;
            self.current = Some(next);
            self.streams += 1;
            self.input = rest;
            self.offset = at;
        }
    }
}

/// An xz stream (several concatenated streams too) with a memory limit.
pub(crate) fn xz_reader<'a>(input: &'a [u8]) -> impl Read + 'a {
    lzma_rust2::XzReader::new_mem_limit(input, true, (MAX_WINDOW >> 10) as u32 * 2)
}

/// A zstd stream (several frames too) with a bounded window.
pub(crate) fn zstd_reader<'a>(input: &'a [u8]) -> io::Result<impl Read + 'a> {
    let mut d = zstd::stream::read::Decoder::with_buffer(input)?;
    d.window_log_max(27)?;
    Ok(d)
}

/// Inflates a raw deflate stream (most of what real archives hold) under the
/// budget: straight into the budget's buffer, with no intermediate copy, in
/// steps sized to what the input likely makes.
/// `inflater` is reused from one call to the next (an archive's entries);
/// a small stream's output is kept in its arena.
pub(crate) fn drain_deflate(budget: &mut Budget, input: &[u8], inflater: &mut Inflater) -> Drained {
    budget.fill_shared(input.len() as u64, |out, cap, watch| {
        inflater.inflate(input, out, cap, watch, true)
    })
}

/// A raw-deflate inflater kept across streams: its state (window, tables)
/// is reset for each stream rather than allocated and zeroed again, which
/// for thousands of small entries cost as much as inflating them. It also
/// keeps a scratch buffer, zeroed once, that a small stream is inflated
/// into and then copied out of at its exact length: no zeroed room, no
/// growing and no shrinking per entry.
///
/// Each thread keeps one ([`Inflater::lend`]), as it keeps its yara-x
/// scanners: archives of a few entries each (the office documents inside
/// an archive, a PDF's streams) were paying for a fresh state, and fresh
/// pages, every time.
///
/// The output of a small stream that ended in the scratch buffer is copied
/// into the inflater's arena, one buffer that many streams' outputs share
/// (each a slice of it, freed with the last of them), rather than into an
/// allocation of its own: an archive's thousand small entries cost no
/// thousand allocations, and, the arena being kept with the inflater and
/// taken up again once the last slice of it is dropped, the next archive's
/// entries are written to pages already there, not to fresh ones that a
/// heap given back to the system faults in again. The arena grows from
/// [`ARENA_MIN`] to at most [`ARENA_MAX`] a buffer; the bytes in it are
/// the bytes the budget counted, so what it holds stays bounded as they
/// are.
#[derive(Default)]
pub(crate) struct Inflater {
    d: Option<flate2::Decompress>,
    scratch: Vec<u8>,
    arena: bytes::BytesMut,
    /// The size of the arena's last buffer.
    arena_size: usize,
}

/// The arena's first buffer.
const ARENA_MIN: usize = 128 << 10;
/// The arena's largest buffer: what a thread keeps at most.
const ARENA_MAX: usize = 2 << 20;

thread_local! {
    /// This thread's inflater while none is lent.
    static SPARE: std::cell::Cell<Option<Inflater>> = const { std::cell::Cell::new(None) };
}

/// This thread's inflater, lent until dropped: then it goes back (a
/// second one lent meanwhile is a fresh one, and the last given back is
/// kept).
pub(crate) struct Lent(Inflater);

impl std::ops::Deref for Lent {
    type Target = Inflater;
    fn deref(&self) -> &Inflater {
        &self.0
    }
}

impl std::ops::DerefMut for Lent {
    fn deref_mut(&mut self) -> &mut Inflater {
        &mut self.0
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        // The state is reset before each use, so one given back from a
        // panic's unwinding is as good as any. At the thread's exit the
        // slot may be gone: the inflater is then dropped.
        let back = std::mem::take(&mut self.0);
        let _ = SPARE.try_with(|s| s.set(Some(back)));
    }
}

/// Streams that inflate to at most this much go through the scratch buffer.
const SCRATCH: usize = 64 << 10;

impl Inflater {
    /// This thread's inflater (a fresh one when it is lent already, or at
    /// the thread's exit).
    pub(crate) fn lend() -> Lent {
        let kept = SPARE.try_with(std::cell::Cell::take).ok().flatten();
        Lent(kept.unwrap_or_default())
    }

    /// Inflates raw deflate `input` onto `out`, at most `cap` bytes; true
    /// when the stream had more to give. The buffer never holds more than
    /// `cap`.
    pub(crate) fn inflate_into(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        cap: u64,
        watch: &Watch,
    ) -> Result<bool, Stop> {
        match self.inflate(input, out, cap, watch, false)? {
            Filled::Buffer(more) => Ok(more),
            // Not asked for; said as it would be.
            Filled::Shared(b) => {
                out.extend_from_slice(&b);
                Ok(false)
            }
        }
    }

    /// [`inflate_into`](Self::inflate_into); with `shared`, a small stream
    /// that ends in the scratch buffer is kept in the arena and given back
    /// as shared bytes (`out` left empty).
    fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        cap: u64,
        watch: &Watch,
        shared: bool,
    ) -> Result<Filled, Stop> {
        use flate2::{FlushDecompress, Status};
        let d = reset(&mut self.d);
        // Room for what the input likely makes (as the general loop's
        // steps), so that an archive of one small entry zeroes no more
        // than before; the buffer grows, zeroed once, as entries need.
        let likely = input.len().saturating_mul(4).max(16 << 10);
        let room = SCRATCH.min(likely).min(cap.min(usize::MAX as u64) as usize);
        if out.is_empty() && room > 0 {
            watch.check().map_err(Stop::Limit)?;
            if self.scratch.len() < room {
                self.scratch.resize(room, 0);
            }
            // The arena's room that a small stream's output is copied
            // into: last written a scan or more before, and on its way in
            // while the stream inflates (see `crate::prefetch`).
            if shared {
                crate::prefetch::prefetch_spare(
                    self.arena.spare_capacity_mut(),
                    input.len().saturating_mul(4).min(8 << 10),
                );
            }
            let status = d.decompress(input, &mut self.scratch[..room], FlushDecompress::None);
            let n = d.total_out() as usize;
            if shared && matches!(status, Ok(Status::StreamEnd)) {
                return Ok(Filled::Shared(self.keep(n)));
            }
            let made = &self.scratch[..n];
            if out.capacity() < made.len() || out.capacity() - made.len() > made.len() / 4 + 4096 {
                *out = made.to_vec();
            } else {
                out.extend_from_slice(made);
            }
            match status {
                Ok(Status::StreamEnd) => return Ok(Filled::Buffer(false)),
                Ok(Status::Ok | Status::BufError) => {}
                Err(_) => return Err(corrupt().into()),
            }
            // More to come, or the input ended: the general loop goes on
            // from here and tells which.
        }
        inflate_with(reset_kept(&mut self.d), input, out, cap, watch).map(Filled::Buffer)
    }

    /// The first `n` bytes of the scratch buffer, copied into the arena and
    /// handed out as a slice of it. A new buffer is taken only when the one
    /// in hand has no room left and is still shared by slices handed out
    /// before; each new one is twice the last, up to [`ARENA_MAX`].
    fn keep(&mut self, n: usize) -> bytes::Bytes {
        if n == 0 {
            // Holds no buffer alive.
            return bytes::Bytes::new();
        }
        // After a split the arena is empty: its capacity is its room.
        if self.arena.capacity() < n && !self.arena.try_reclaim(n) {
            self.arena_size = (self.arena_size * 2).clamp(ARENA_MIN, ARENA_MAX);
            self.arena = bytes::BytesMut::with_capacity(self.arena_size.max(n));
        }
        self.arena.extend_from_slice(&self.scratch[..n]);
        self.arena.split().freeze()
    }
}

/// A state, reset for a new stream (made on first use).
fn reset(d: &mut Option<flate2::Decompress>) -> &mut flate2::Decompress {
    if let Some(d) = d.as_mut() {
        d.reset(false);
    }
    d.get_or_insert_with(|| flate2::Decompress::new(false))
}

/// The state [`reset`] made, as the stream left it.
fn reset_kept(d: &mut Option<flate2::Decompress>) -> &mut flate2::Decompress {
    d.get_or_insert_with(|| flate2::Decompress::new(false))
}

fn corrupt() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "corrupt deflate stream")
}

/// A stream whose input ended before the stream did.
fn incomplete() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "incomplete deflate stream")
}

/// [`Inflater::inflate_into`] for one stream (a PDF's) on this thread's
/// inflater: a PDF's streams are mostly small, as an archive's entries
/// are, and one that is corrupt from its first bytes fails in the scratch
/// buffer before any room is zeroed for it.
pub(crate) fn inflate_into(
    input: &[u8],
    out: &mut Vec<u8>,
    cap: u64,
    watch: &Watch,
) -> Result<bool, Stop> {
    Inflater::lend().inflate_into(input, out, cap, watch)
}

fn inflate_with(
    d: &mut flate2::Decompress,
    input: &[u8],
    out: &mut Vec<u8>,
    cap: u64,
    watch: &Watch,
) -> Result<bool, Stop> {
    use flate2::{FlushDecompress, Status};
    const STEP: usize = 256 << 10;
    let cap = cap.min(usize::MAX as u64) as usize;
    loop {
        if out.len() >= cap {
            return probe_past_cap(d, input);
        }
        let rest = &input[(d.total_in() as usize).min(input.len())..];
        watch.check().map_err(Stop::Limit)?;
        if out.len() == out.capacity() {
            let grow = out.len().max(32 << 10).min(cap - out.len());
            out.reserve_exact(grow);
        }
        // The output room has to be zeroed first (safe Rust writes only to
        // initialised bytes; flate2's zlib-rs backend zeroes uninitialised
        // room itself too), a step at a time (the watch is checked between
        // steps). A step is what the rest of the input likely makes (twice
        // its length, or the output so far, at least 16 KiB) rather than all
        // the room reserved: for thousands of small entries, zeroing the
        // room of an incompressible one cost more than inflating it.
        let len = out.len();
        let likely = (2 * rest.len()).max(len).max(16 << 10);
        let step = (out.capacity() - len).min(cap - len).min(STEP).min(likely);
        out.resize(len + step, 0);
        let (in_before, out_before) = (d.total_in(), d.total_out());
        let status = d.decompress(rest, &mut out[len..], FlushDecompress::None);
        out.truncate(len + (d.total_out() - out_before) as usize);
        match status {
            Ok(Status::StreamEnd) => return Ok(false),
            Ok(Status::Ok | Status::BufError) => {
                if d.total_in() == in_before && d.total_out() == out_before {
                    // No progress with room to spare: the input ended first.
                    return Err(incomplete().into());
                }
            }
            Err(_) => return Err(corrupt().into()),
        }
    }
}

/// At the cap: one byte more tells an overflow (true) from an exact fit
/// (false, the stream's end read). A stream that neither gives that byte
/// nor ends, its input used up, was cut short: an error, as the reader's
/// path says, and never an exact fit (a truncated entry whose output
/// happened to stop at the cap passed as whole). Each turn reads input
/// or returns, so the input's length bounds the turns.
fn probe_past_cap(d: &mut flate2::Decompress, input: &[u8]) -> Result<bool, Stop> {
    use flate2::{FlushDecompress, Status};
    let mut probe = [0u8; 1];
    loop {
        let rest = &input[(d.total_in() as usize).min(input.len())..];
        let (in_before, out_before) = (d.total_in(), d.total_out());
        match d.decompress(rest, &mut probe, FlushDecompress::None) {
            Ok(_) if d.total_out() > out_before => return Ok(true),
            Ok(Status::StreamEnd) => return Ok(false),
            Ok(_) if d.total_in() > in_before => {}
            Ok(_) => {
                return Err(incomplete().into());
            }
            Err(_) => return Err(corrupt().into()),
        }
    }
}

/// Base64 as RFC 2045 asks a decoder to read it: characters outside the
/// alphabet (line breaks, stray bytes) are skipped. `=` ends a group, and
/// decoding goes on after it, so that encoded pieces glued together all
/// decode (a decoder that stops there sees less, never more). A trailing
/// partial group gives the whole bytes it holds.
pub(crate) fn base64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut i = 0;
    while i < input.len() {
        // Four characters of the alphabet on a group boundary (nearly all
        // of a mail's lines): three bytes at once, as the loop below would
        // give them one by one.
        if bits == 0
            && let Some(q) = input.get(i..i + 4)
        {
            let [a, b, c, d] = [q[0], q[1], q[2], q[3]].map(|x| B64[usize::from(x)]);
            if (a | b | c | d) < 64 {
                let v = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
                out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
                i += 4;
                continue;
            }
        }
        match B64[usize::from(input[i])] {
            B64_PAD => (acc, bits) = (0, 0),
            B64_SKIP => {}
            v => {
                acc = (acc << 6) | u32::from(v);
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((acc >> bits) as u8);
                }
            }
        }
        i += 1;
    }
    out
}

const B64_SKIP: u8 = 0xff;
const B64_PAD: u8 = 0xfe;

/// Each byte's sextet in the base64 alphabet, or what it does instead.
static B64: [u8; 256] = {
    let mut t = [B64_SKIP; 256];
    let mut i = 0;
    while i < 64 {
        let c = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i];
        t[c as usize] = i as u8;
        i += 1;
    }
    t[b'=' as usize] = B64_PAD;
    t
};

/// Quoted-printable: `=XX` is a byte, `=` at a line's end joins lines, and
/// anything else (a malformed escape too) is kept as it is.
/// After a `=` of quoted-printable: the length of the soft line break
/// that follows (spaces and tabs, then CRLF, LF or CR), if one does.
fn soft_break(after: &[u8]) -> Option<usize> {
    let blanks = after
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    match after.get(blanks..)? {
        [b'\r', b'\n', ..] => Some(blanks + 2),
        [b'\n' | b'\r', ..] => Some(blanks + 1),
        _ => None,
    }
}

pub(crate) fn quoted_printable(input: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        if c != b'=' {
            out.push(c);
            i += 1;
            continue;
        }
        match (input.get(i + 1), input.get(i + 2)) {
            (Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(hex(h).unwrap_or(0) << 4 | hex(l).unwrap_or(0));
                i += 3;
            }
            // A soft line break: `=`, then the white space that RFC
            // 2045 says transports add and decoders delete, then the line
            // end (CRLF, LF or a lone CR), as ripmime reads it.
            _ if soft_break(&input[i + 1..]).is_some() => {
                i += 1 + soft_break(&input[i + 1..]).unwrap_or(0);
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{LimitKind, Limits};

    fn deflate(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut w = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn limits_with(object: u64) -> Limits {
        Limits {
            max_object_bytes: object,
            max_ratio: u64::MAX,
            ..Limits::default()
        }
    }

    #[test]
    fn drain_deflate_gives_what_the_stream_holds() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let d = drain_deflate(
            &mut Budget::new(&Limits::default()),
            &deflate(&data),
            &mut Inflater::default(),
        );
        assert_eq!((d.limit, d.error.is_none()), (None, true));
        assert_eq!(&d.data[..], &data[..]);
    }

    #[test]
    fn drain_deflate_tells_an_exact_fit_from_an_overflow() {
        let z = deflate(&[7u8; 1000]);
        let d = drain_deflate(
            &mut Budget::new(&limits_with(1000)),
            &z,
            &mut Inflater::default(),
        );
        assert_eq!((d.data.len(), d.limit), (1000, None));
        let d = drain_deflate(
            &mut Budget::new(&limits_with(999)),
            &z,
            &mut Inflater::default(),
        );
        assert_eq!((d.data.len(), d.limit), (999, Some(LimitKind::ObjectSize)));
    }

    #[test]
    fn a_cut_stream_whose_output_stops_at_the_cap_is_not_taken_as_whole() {
        // All of the data, flushed, and then no final block: the stream
        // was cut. Its output stopping exactly at the cap once passed as
        // an exact fit, neither cut nor at a limit (the proptest below
        // found it).
        use std::io::Write;
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 7) as u8).collect();
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&data).unwrap();
        e.flush().unwrap();
        let cut = e.get_ref().clone();
        for cap in [1000, 1001, 4096] {
            let d = drain_deflate(
                &mut Budget::new(&limits_with(cap)),
                &cut,
                &mut Inflater::default(),
            );
            assert_eq!((&d.data[..], d.limit), (&data[..], None), "cap {cap}");
            let e = d
                .error
                .unwrap_or_else(|| panic!("cap {cap}: taken as whole"));
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "cap {cap}");
        }
        // One byte short of the data is still an overflow.
        let d = drain_deflate(
            &mut Budget::new(&limits_with(999)),
            &cut,
            &mut Inflater::default(),
        );
        assert_eq!((d.data.len(), d.limit), (999, Some(LimitKind::ObjectSize)));
    }

    #[test]
    fn drain_deflate_reports_a_truncated_and_a_corrupt_stream() {
        let z = deflate(
            &(0..5000u32)
                .map(|i| (i * 7 % 256) as u8)
                .collect::<Vec<_>>(),
        );
        let d = drain_deflate(
            &mut Budget::new(&Limits::default()),
            &z[..z.len() / 2],
            &mut Inflater::default(),
        );
        assert!(d.error.is_some());
        let d = drain_deflate(
            &mut Budget::new(&Limits::default()),
            &[0xff; 64],
            &mut Inflater::default(),
        );
        assert!(d.error.is_some());
    }

    /// The byte-at-a-time reading that the fast path must agree with.
    fn base64_reference(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0u32);
        for &c in input {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => {
                    (acc, bits) = (0, 0);
                    continue;
                }
                _ => continue,
            };
            acc = (acc << 6) | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn base64_fast_path_reads_as_the_reference(
            data in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()),
                    1 => proptest::sample::select(b"=\r\n \x00*-".to_vec()),
                    1 => proptest::num::u8::ANY,
                ],
                0..400,
            )
        ) {
            proptest::prop_assert_eq!(base64(&data), base64_reference(&data));
        }
    }

    #[test]
    fn base64_skips_what_is_not_in_its_alphabet() {
        assert_eq!(base64(b"aGVs\r\nbG8=\r\n"), b"hello");
        assert_eq!(base64(b"aGVsbG8"), b"hello");
        assert_eq!(base64(b"a G\x00V*sbG8h"), b"hello!");
        assert_eq!(base64(b""), b"");
        assert_eq!(base64(b"aGk=aGk="), b"hihi");
    }

    #[test]
    fn quoted_printable_soft_breaks_and_bad_escapes() {
        assert_eq!(quoted_printable(b"a=3Db=\r\nc=\nd"), b"a=bcd");
        assert_eq!(quoted_printable(b"=ZZ=4"), b"=ZZ=4");
        // White space before the line end belongs to the soft break, and
        // a lone CR ends a line (RFC 2045 6.7; ripmime).
        assert_eq!(quoted_printable(b"a=  \r\nb=\t\nc=\rd= e"), b"abcd= e");
        assert_eq!(quoted_printable(b"caf=C3=A9"), "café".as_bytes());
    }

    proptest::proptest! {
        /// The fast path and the generic reader agree on every input: the
        /// bytes, the limit and whether it failed.
        #[test]
        fn drain_deflate_agrees_with_the_reader(
            data in proptest::collection::vec(0u8..4, 0..20_000),
            cut in 0usize..100,
            flip in proptest::option::of((0usize..10_000, 1u8..=255)),
            cap in 1u64..30_000,
        ) {
            let mut z = deflate(&data);
            let keep = z.len() - z.len() * cut / 400;
            z.truncate(keep);
            if let Some((at, x)) = flip && !z.is_empty() {
                let at = at % z.len();
                z[at] ^= x;
            }
            // An inflater used before, and left mid-stream by a cut one
            // (as an archive's entries leave it), reads as a new one.
            let mut inflater = Inflater::default();
            let first = deflate(&data);
            let _ = drain_deflate(&mut Budget::new(&limits_with(cap)), &first[..first.len().min(3)], &mut inflater);
            let fast = drain_deflate(&mut Budget::new(&limits_with(cap)), &z, &mut inflater);
            let slow = Budget::new(&limits_with(cap))
                .drain(flate2::bufread::DeflateDecoder::new(&z[..]), z.len() as u64);
            proptest::prop_assert_eq!(fast.limit, slow.limit);
            proptest::prop_assert_eq!(fast.error.is_some(), slow.error.is_some());
            if fast.error.is_none() {
                proptest::prop_assert_eq!(&fast.data[..], &slow.data[..]);
            }
        }

    }
}
