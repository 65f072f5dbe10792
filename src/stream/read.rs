//! A reader and a file on disk, scanned through a stream: one way in,
//! whatever their size.

use std::io::Read;
use std::path::Path;

use super::ScanStream;
use crate::Sink;
use crate::engine::{Engine, NoSink, ScanOptions};
use crate::error::Error;
use crate::report::Report;

impl Engine {
    /// Scans what a reader gives, to its end, through a
    /// [`ScanStream`](crate::ScanStream): held in memory up to the stream
    /// threshold, spilled past it, scanned whole up to the maximum stream
    /// size (more is a limit finding and is not kept).
    ///
    /// # Errors
    ///
    /// The reader's own error, or the temporary file's.
    pub fn scan_reader<R: Read>(&self, name: &str, reader: R) -> Result<Report, Error> {
        self.scan_reader_with(name, reader, &ScanOptions::default())
    }

    /// [`scan_reader`](Self::scan_reader) with per-scan options.
    ///
    /// # Errors
    ///
    /// The reader's own error, or the temporary file's.
    pub fn scan_reader_with<R: Read>(
        &self,
        name: &str,
        reader: R,
        opts: &ScanOptions,
    ) -> Result<Report, Error> {
        self.scan_reader_into(name, reader, opts, &mut NoSink)
    }

    /// [`scan_reader_with`](Self::scan_reader_with) with a [`Sink`].
    ///
    /// # Errors
    ///
    /// The reader's own error, or the temporary file's.
    pub fn scan_reader_into<R: Read>(
        &self,
        name: &str,
        reader: R,
        opts: &ScanOptions,
        sink: &mut dyn Sink,
    ) -> Result<Report, Error> {
        let memory = self.limits().stream_memory_bytes;
        let stream = self.stream_holding(name, opts, memory);
        self.pump(stream, reader, memory, 0, sink)
            .map_err(|source| Error::Read {
                name: name.to_owned(),
                source,
            })
    }

    /// Feeds a stream from a reader to its end, and finishes it. What fits
    /// in the stream's memory is read in one piece (`hint`, a length the
    /// caller expects, sizes that piece's first allocation, never past the
    /// memory threshold), so that most inputs are held without a copy; the
    /// rest comes in chunks, and spills.
    fn pump<R: Read>(
        &self,
        mut stream: ScanStream,
        mut reader: R,
        memory: u64,
        hint: u64,
        sink: &mut dyn Sink,
    ) -> std::io::Result<Report> {
        const CHUNK: usize = 1 << 20;
        let max = self.limits().max_stream_bytes;
        let first_cap = memory.min(max);
        // The length expected is reserved, not zeroed: `read_to_end` reads
        // into the spare capacity of a reader that fills it unzeroed (a
        // file does), in reads of 8 KiB, then twice that, and so on (seven
        // calls for a 700 KB file), which cost less than zeroing it first.
        let want = usize::try_from(hint.min(first_cap)).unwrap_or(0);
        let mut first = Vec::with_capacity(want);
        reader.by_ref().take(want as u64).read_to_end(&mut first)?;
        if first.len() == want {
            // Whatever comes past the expected length, up to the threshold.
            reader
                .by_ref()
                .take(first_cap - want as u64)
                .read_to_end(&mut first)?;
        }
        let more = first.len() as u64 == first_cap;
        stream.put(0, first.into()).map_err(std::io::Error::other)?;
        // Reading is part of the scan's time: a reader that gives bytes
        // slowly, or gigabytes (a sparse file of 20 GiB reads in minutes),
        // stops at the scan's limit or its cancellation, a finding.
        let started = crate::clock::Moment::now();
        let max_time = self.limits().max_time;
        let cancel = stream.cancel_token();
        if more {
            loop {
                if cancel.is_cancelled() {
                    stream.read_cut = Some(crate::limits::LimitKind::Cancelled);
                    break;
                }
                if crate::clock::Moment::now().saturating_since(started) > max_time {
                    stream.read_cut = Some(crate::limits::LimitKind::Time);
                    break;
                }
                // Past the maximum nothing more is kept: one byte more says that
                // there was more, and reading stops.
                let room = max.saturating_sub(stream.received_to());
                let want = usize::try_from(room.min(CHUNK as u64))
                    .unwrap_or(CHUNK)
                    .max(1);
                let mut buf = vec![0u8; want];
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                buf.truncate(n);
                let at = stream.received_to();
                stream.put(at, buf.into()).map_err(std::io::Error::other)?;
                if room == 0 {
                    break;
                }
            }
        }
        stream.finish_into(sink).map_err(std::io::Error::other)
    }

    /// Scans a file on disk; its path is its name.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or read.
    pub fn scan_path(&self, path: impl AsRef<Path>) -> Result<Report, Error> {
        self.scan_path_with(path, &ScanOptions::new())
    }

    /// [`scan_path`](Self::scan_path) with per-scan options; the path is
    /// always taken as a local path (only its last component is judged).
    ///
    /// # Errors
    ///
    /// The file cannot be opened or read.
    pub fn scan_path_with(
        &self,
        path: impl AsRef<Path>,
        opts: &ScanOptions,
    ) -> Result<Report, Error> {
        self.scan_path_into(path, opts, &mut NoSink)
    }

    /// [`scan_path_with`](Self::scan_path_with) with a [`Sink`].
    ///
    /// # Errors
    ///
    /// The file cannot be opened or read.
    pub fn scan_path_into(
        &self,
        path: impl AsRef<Path>,
        opts: &ScanOptions,
        sink: &mut dyn Sink,
    ) -> Result<Report, Error> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let opts = opts.clone().local_path(true);
        let name = path.display().to_string();
        // A local file the size of an object is read into memory, as a
        // stream of its size would be held; a larger one spills.
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let memory = len
            .min(self.limits().max_object_bytes)
            .max(self.limits().stream_memory_bytes);
        let stream = self.stream_holding(&name, &opts, memory);
        self.pump(stream, file, memory, len, sink).map_err(io)
    }
}
