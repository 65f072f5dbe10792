//! Every way into a scan: bytes in memory, a reader, a file. Each ends in
//! [`Engine::admit`], the one root admission: the outer object is capped at
//! the object size limit, and the cap is a finding.

use std::io::Read;
use std::path::Path;

use bytes::Bytes;

use super::collect::{NoSink, Sink};
use super::{Engine, ScanOptions, walk};
use crate::error::Error;
use crate::finding::FindingKind;
use crate::limits::LimitKind;
use crate::report::Report;

/// How much of the input the admission was handed.
enum Handed {
    /// All of it.
    Whole,
    /// A reader's first bytes, one past the cap: there was more.
    Prefix,
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
        self.admit(name, data.into(), Handed::Whole, opts, &mut NoSink)
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
        self.admit(name, data.into(), Handed::Whole, opts, sink)
    }

    /// Scans what a reader gives, up to the object size limit; more is
    /// reported as a limit finding and not read.
    ///
    /// # Errors
    ///
    /// The reader's own error.
    pub fn scan_reader<R: Read>(&self, name: &str, reader: R) -> Result<Report, Error> {
        self.scan_reader_with(name, reader, &ScanOptions::default())
    }

    /// [`scan_reader`](Self::scan_reader) with per-scan options.
    ///
    /// # Errors
    ///
    /// The reader's own error.
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
    /// The reader's own error.
    pub fn scan_reader_into<R: Read>(
        &self,
        name: &str,
        reader: R,
        opts: &ScanOptions,
        sink: &mut dyn Sink,
    ) -> Result<Report, Error> {
        let (data, handed) = self.read_capped(reader, 0).map_err(|source| Error::Read {
            name: name.to_owned(),
            source,
        })?;
        Ok(self.admit(name, data, handed, opts, sink))
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
        // The file system's length is a hint for one allocation, never
        // trusted: reading stops at the limit whatever it says.
        let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
        let (data, handed) = self.read_capped(file, hint).map_err(io)?;
        let opts = opts.clone().local_path(true);
        Ok(self.admit(&path.display().to_string(), data, handed, &opts, sink))
    }

    /// Reads at most one byte past the object size limit.
    fn read_capped<R: Read>(&self, reader: R, hint: u64) -> std::io::Result<(Bytes, Handed)> {
        let max = self.inner.limits.max_object_bytes;
        let mut buf = Vec::with_capacity(hint.min(max.saturating_add(1)) as usize);
        reader.take(max.saturating_add(1)).read_to_end(&mut buf)?;
        let handed = if buf.len() as u64 > max {
            Handed::Prefix
        } else {
            Handed::Whole
        };
        Ok((Bytes::from(buf), handed))
    }

    /// The one root admission: the outer object is always scanned, up to
    /// the object size limit; past it, the rest is a limit finding.
    fn admit(
        &self,
        name: &str,
        data: Bytes,
        handed: Handed,
        opts: &ScanOptions,
        sink: &mut dyn Sink,
    ) -> Report {
        let max = self.inner.limits.max_object_bytes;
        let mut first = Vec::new();
        let data = if data.len() as u64 > max {
            let detail = match handed {
                Handed::Whole => {
                    format!("only the first {max} of {} bytes were scanned", data.len())
                }
                Handed::Prefix => format!("only the first {max} bytes were read and scanned"),
            };
            first.push(FindingKind::Limit {
                limit: LimitKind::ObjectSize,
                detail,
            });
            data.slice(..max as usize)
        } else {
            data
        };
        walk::run(&self.inner, name, data, first, opts, sink)
    }
}
