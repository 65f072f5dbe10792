//! The way into a scan of bytes in memory, and the one root admission,
//! `Engine::admit_held`, where every way in ends: bytes, a stream, and
//! through a stream a reader and a file (`stream/read.rs`).

use bytes::Bytes;

use super::collect::{NoSink, Sink};
use super::{Engine, ScanOptions, walk};
use crate::fileio::read_at;
use crate::finding::FindingKind;
use crate::limits::LimitKind;
use crate::report::Report;

/// What the root admission is handed: bytes in memory, or a spilled
/// stream's file.
pub(crate) enum Held {
    Bytes(Bytes),
    File { file: std::fs::File, len: u64 },
}

impl Engine {
    /// Scans a file held in memory, under the name it was sent with (`""`
    /// when it has none). Children of archives are slices of `data` where
    /// they are stored, so pass `Bytes` or a `Vec<u8>` you no longer need.
    ///
    /// ```
    /// let engine = xferscan::Engine::builder().build()?;
    /// let report = engine.scan_bytes("photo.jpg", b"MZ\x90\x00".to_vec());
    /// println!("{}", serde_json::to_string(&report)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scan_bytes(&self, name: &str, data: impl Into<Bytes>) -> Report {
        self.scan_bytes_with(name, data, &ScanOptions::default())
    }

    /// [`scan_bytes`](Self::scan_bytes) with per-scan options.
    pub fn scan_bytes_with(
        &self,
        name: &str,
        data: impl Into<Bytes>,
        opts: &ScanOptions,
    ) -> Report {
        self.admit(name, data.into(), opts, &mut NoSink)
    }

    /// [`scan_bytes_with`](Self::scan_bytes_with), telling `sink` of each
    /// object and finding as the scan makes them; the sink may stop the
    /// scan (see [`Sink`]).
    pub fn scan_bytes_into(
        &self,
        name: &str,
        data: impl Into<Bytes>,
        opts: &ScanOptions,
        sink: &mut dyn Sink,
    ) -> Report {
        self.admit(name, data.into(), opts, sink)
    }

    /// The one root admission: the outer object is always scanned, whole
    /// up to the maximum stream size (past it, the rest is a limit finding):
    /// in one piece up to the object size limit, in windows past it.
    /// `first` are findings about the outer object that its source made (a
    /// stream's gaps and conflicts).
    pub(crate) fn admit_held(
        &self,
        name: &str,
        held: Held,
        mut first: Vec<FindingKind>,
        opts: &ScanOptions,
        sink: &mut dyn Sink,
    ) -> Report {
        let limits = &self.inner.limits;
        let (data, file) = match held {
            Held::Bytes(b) => (b, None),
            Held::File { file, len } => match map(&file, len) {
                Ok(b) => (b, Some(file)),
                Err(e) => {
                    first.push(FindingKind::ScanError {
                        detail: format!("the spilled stream could not be mapped: {e}"),
                    });
                    (Bytes::new(), None)
                }
            },
        };
        let max = limits.max_stream_bytes;
        let data = if data.len() as u64 > max {
            first.push(FindingKind::Limit {
                limit: LimitKind::ObjectSize,
                detail: format!("only the first {max} of {} bytes were scanned", data.len()),
            });
            data.slice(..max as usize)
        } else {
            data
        };
        if data.len() as u64 <= limits.max_object_bytes {
            return walk::run(&self.inner, name, data, first, opts, sink, None);
        }
        // Too large to match whole: windows, read from the file where there
        // is one (so that matching pages in one window at a time), else
        // copied from memory.
        let whole = data.clone();
        let read = |off: u64, buf: &mut [u8]| -> std::io::Result<usize> {
            match &file {
                Some(f) => read_at(f, buf, off),
                None => {
                    let from = usize::try_from(off).unwrap_or(usize::MAX).min(whole.len());
                    let n = buf.len().min(whole.len() - from);
                    buf[..n].copy_from_slice(&whole[from..from + n]);
                    Ok(n)
                }
            }
        };
        let large = walk::Large { read: &read };
        walk::run(&self.inner, name, data, first, opts, sink, Some(large))
    }

    /// The one root admission for bytes in memory.
    fn admit(&self, name: &str, data: Bytes, opts: &ScanOptions, sink: &mut dyn Sink) -> Report {
        self.admit_held(name, Held::Bytes(data), Vec::new(), opts, sink)
    }
}

/// A spilled stream's file as bytes, through a memory map: only what is
/// read is paged in.
fn map(file: &std::fs::File, len: u64) -> std::io::Result<Bytes> {
    let len = usize::try_from(len).map_err(std::io::Error::other)?;
    if len == 0 {
        return Ok(Bytes::new());
    }
    // SAFETY: the file is the stream's own unlinked temporary file: no other
    // process can open it, and nothing writes to it once the stream has
    // finished, so the mapping cannot change or shrink while it lives.
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(file)? };
    Ok(Bytes::from_owner(map))
}
