//! Decoders for the compression methods of zip entries. Each takes the
//! entry's compressed bytes and gives a reader of what they inflate to; the
//! caller drains it through the budget. Memory that a decoder sizes from a
//! header (an LZMA dictionary, an xz or zstd window) is capped here.

use std::io::{self, Read};

/// Largest dictionary or window a decoder may allocate. Output is capped by
/// the budget anyway, and a dictionary larger than the output is never used.
const MAX_WINDOW: u64 = 128 << 20;

/// A compression method we cannot decode.
#[derive(Debug)]
pub(crate) struct Unsupported(pub String);

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
/// needs it to find its end (LZMA without an end marker), never to allocate.
pub(crate) fn zip_method<'a>(
    method: u16,
    input: &'a [u8],
    usize: u64,
    output_cap: u64,
) -> Result<Box<dyn Read + 'a>, Unsupported> {
    Ok(match method {
        0 => Box::new(input),
        8 => Box::new(flate2::bufread::DeflateDecoder::new(input)),
        9 => Box::new(deflate64::Deflate64Decoder::with_buffer(input)),
        12 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
        14 => lzma(input, usize, output_cap).map_err(|e| Unsupported(format!("lzma: {e}")))?,
        93 => Box::new(zstd_reader(input).map_err(|e| Unsupported(format!("zstd: {e}")))?),
        95 => Box::new(xz_reader(input)),
        other => return Err(Unsupported(method_name(other))),
    })
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
    // With an end marker the declared size may be unknown; the stream then
    // ends at its marker, and the budget bounds it either way.
    let size = if usize == 0 || usize == u32::MAX as u64 {
        u64::MAX
    } else {
        usize
    };
    raw_lzma(&input[9..], header[4], &header[5..9], size, output_cap)
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
    let declared = u32::from_le_bytes([dict[0], dict[1], dict[2], dict[3]]);
    let cap = output_cap.clamp(4096, MAX_WINDOW) as u32;
    let r = lzma_rust2::LzmaReader::new_with_props(
        stream,
        size,
        props,
        declared.clamp(4096, cap),
        None,
    )
    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    Ok(Box::new(r))
}

/// The legacy `.lzma` format: properties, dictionary size and uncompressed
/// size (all ones when unknown: the stream then ends at its end marker),
/// then a raw LZMA stream, read as zip's LZMA is.
pub(crate) fn lzma_alone<'a>(input: &'a [u8], output_cap: u64) -> io::Result<Box<dyn Read + 'a>> {
    let header = input
        .get(..13)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "short LZMA header"))?;
    let size = u64::from_le_bytes(header[5..13].try_into().unwrap_or([0xff; 8]));
    raw_lzma(&input[13..], header[0], &header[1..5], size, output_cap)
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
