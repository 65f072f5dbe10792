//! Scanning a transfer as its pieces arrive: in order ([`ScanStream::feed`])
//! or in any order ([`ScanStream::feed_at`]), any size, in bounded memory,
//! with a verdict from the first bytes.
//!
//! A stream is held in memory up to [`Limits::stream_memory_bytes`], then
//! spilled to an unlinked temporary file (nothing is left behind, even on a
//! crash) and read back through a memory map. [`ScanStream::finish`] scans
//! it through the engine's one root admission, as
//! [`Engine::scan_bytes`] would scan the same bytes; an outer object larger
//! than the object size limit is still scanned whole (see
//! [`ObjectInfo::windowed`](crate::ObjectInfo::windowed)), up to
//! [`Limits::stream_bytes`](crate::Limits::max_stream_bytes).
//!
//! What the stream itself sees is reported too: a piece repeated with other
//! bytes (`stream.conflicting_piece`; the first version is scanned), bytes
//! that never arrived (`unscannable.truncated`; what did arrive is scanned),
//! bytes past the maximum stream size (`limit.object_size`).
//!
//! [`Limits::stream_memory_bytes`]: crate::Limits::stream_memory_bytes

mod read;
mod store;

use bytes::Bytes;

use crate::engine::{Engine, HeadJudgement, ScanOptions};
use crate::finding::FindingKind;
use crate::limits::{CancelToken, LimitKind};
use crate::report::{Finding, Report, Verdict};
use store::Store;

/// How much of a stream's head is judged for an early verdict.
const HEAD_JUDGED: usize = 64 << 10;

/// Why a stream refused a piece or could not finish. A refused piece leaves
/// the stream as it was; after a storage error the stream cannot go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// A piece reaches past the length declared for the stream.
    #[error(
        "a piece of {len} bytes at offset {offset} reaches past the declared length {declared}"
    )]
    PastDeclaredLength {
        /// Where the piece starts.
        offset: u64,
        /// Its length.
        len: u64,
        /// The declared length.
        declared: u64,
    },
    /// A length declared after more bytes than it arrived, or declared twice
    /// differently.
    #[error("length {declared} declared, but {seen} is already known")]
    LengthConflict {
        /// The length declared now.
        declared: u64,
        /// The length already known (received or declared).
        seen: u64,
    },
    /// A piece whose end is past 2^64.
    #[error("a piece at offset {offset} ends past the largest offset")]
    OffsetOverflow {
        /// Where the piece starts.
        offset: u64,
    },
    /// The temporary file could not be written or read (a full disk).
    #[error("the stream's temporary storage failed: {0}")]
    Storage(#[source] std::io::Error),
    /// An earlier storage error ended the stream.
    #[error("the stream failed earlier and takes no more pieces")]
    Failed,
}

/// What a stream knows so far, after each piece.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes received so far (pieces may leave holes).
    pub received_to: u64,
    /// Bytes from offset 0 that have all arrived.
    pub contiguous: u64,
    /// The verdict the name and first bytes already settle (see
    /// [`Engine::judge_head`]); the full scan's is the same or stronger.
    pub verdict: Verdict,
    /// The findings behind that verdict.
    pub findings: Vec<Finding>,
}

impl Progress {
    /// True when the transfer is already blocked: the gateway can stop
    /// receiving it and call [`ScanStream::finish`] for the full report.
    pub fn blocked(&self) -> bool {
        self.verdict == Verdict::Malicious
    }
}

/// A scan fed piece by piece. Dropping it abandons the scan and frees its
/// memory and its temporary file at once.
///
/// ```
/// use bytes::Bytes;
/// use xferscan::{Engine, ScanOptions, Verdict};
///
/// let engine = Engine::builder().build()?;
/// let mut stream = engine.stream("notes.txt", &ScanOptions::new());
/// stream.feed(Bytes::from_static(b"hello "))?;
/// // A P2P piece that arrives out of order.
/// stream.feed_at(6, Bytes::from_static(b"world"))?;
/// let report = stream.finish()?;
/// assert_eq!(report.verdict, Verdict::Clean);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ScanStream {
    engine: Engine,
    name: String,
    opts: ScanOptions,
    store: Store,
    declared: Option<u64>,
    /// The head judgement so far, and how long a head it judged.
    judged: Option<(HeadJudgement, u64)>,
    failed: bool,
    /// A reader was read for longer than the scan may take, or the scan
    /// was cancelled while it was read: the rest was not.
    pub(crate) read_cut: Option<LimitKind>,
}

impl std::fmt::Debug for ScanStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanStream")
            .field("name", &self.name)
            .field("received_to", &self.store.extent())
            .field("declared", &self.declared)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts a scan of a transfer named `name` whose bytes will come in
    /// pieces.
    pub fn stream(&self, name: &str, opts: &ScanOptions) -> ScanStream {
        let mut s = self.stream_holding(name, opts, self.limits().stream_memory_bytes);
        s.judge();
        s
    }

    /// A stream that holds up to `memory` bytes before it spills, and
    /// judges its head only when fed through [`ScanStream::feed_at`] (the
    /// reader and file entry points, which show no progress, never pay for
    /// it).
    pub(crate) fn stream_holding(&self, name: &str, opts: &ScanOptions, memory: u64) -> ScanStream {
        let limits = self.limits();
        let mut opts = opts.clone();
        if opts.cancel_token().is_none() {
            opts = opts.cancel(CancelToken::new());
        }
        ScanStream {
            engine: self.clone(),
            name: name.to_owned(),
            store: Store::new(memory, limits.max_stream_bytes),
            opts,
            declared: None,
            judged: None,
            failed: false,
            read_cut: None,
        }
    }
}

impl ScanStream {
    /// Declares the stream's total length, when the transfer says it (up
    /// front, or once known). Pieces past it are refused, and bytes of it
    /// that never arrive are a truncation finding. It sizes nothing.
    ///
    /// # Errors
    ///
    /// Bytes past it have already arrived, or another length was declared.
    pub fn declare_len(&mut self, len: u64) -> Result<(), StreamError> {
        let seen = self.declared.unwrap_or(self.store.extent());
        if self.store.extent() > len || self.declared.is_some_and(|d| d != len) {
            return Err(StreamError::LengthConflict {
                declared: len,
                seen,
            });
        }
        self.declared = Some(len);
        Ok(())
    }

    /// Appends a piece after the last byte received so far.
    ///
    /// # Errors
    ///
    /// As [`feed_at`](Self::feed_at).
    pub fn feed(&mut self, piece: impl Into<Bytes>) -> Result<Progress, StreamError> {
        let at = self.store.extent();
        self.feed_at(at, piece)
    }

    /// Takes a piece at `offset`, in any order; pieces may overlap or
    /// repeat. Where a repeat's bytes differ from what came first, the first
    /// version is kept and the report says so.
    ///
    /// # Errors
    ///
    /// A piece past the declared length or past 2^64 (refused; the stream
    /// goes on), or the temporary file failed (the stream ends).
    pub fn feed_at(
        &mut self,
        offset: u64,
        piece: impl Into<Bytes>,
    ) -> Result<Progress, StreamError> {
        let before = self.store.contiguous();
        self.put(offset, piece.into())?;
        if self.judged.is_none() || self.store.contiguous() != before {
            self.judge();
        }
        Ok(self.progress())
    }

    /// Takes a piece, with no judgement of the head.
    pub(crate) fn put(&mut self, offset: u64, piece: Bytes) -> Result<(), StreamError> {
        if self.failed {
            return Err(StreamError::Failed);
        }
        let len = piece.len() as u64;
        let end = offset
            .checked_add(len)
            .ok_or(StreamError::OffsetOverflow { offset })?;
        if let Some(declared) = self.declared
            && end > declared
        {
            return Err(StreamError::PastDeclaredLength {
                offset,
                len,
                declared,
            });
        }
        if let Err(e) = self.store.write(offset, piece) {
            self.failed = true;
            return Err(StreamError::Storage(e));
        }
        Ok(())
    }

    /// One past the last byte received so far.
    pub fn received_to(&self) -> u64 {
        self.store.extent()
    }

    /// What the stream knows so far.
    pub fn progress(&self) -> Progress {
        let (verdict, findings) = match &self.judged {
            Some((j, _)) => (j.verdict, j.findings.clone()),
            None => (Verdict::Clean, Vec::new()),
        };
        Progress {
            received_to: self.store.extent(),
            contiguous: self.store.contiguous(),
            verdict,
            findings,
        }
    }

    /// The token that cancels this stream's scan from another thread: the
    /// transfer was aborted. A cancelled stream's report says so.
    pub fn cancel_token(&self) -> CancelToken {
        self.opts.cancel_token().cloned().unwrap_or_default()
    }

    /// Judges the head again while it grows, until it has judged enough:
    /// each time it has doubled (from 256 bytes), so that a stream fed a
    /// byte at a time costs a handful of judgements, not one per byte.
    fn judge(&mut self) {
        let contiguous = self.store.contiguous();
        if let Some((j, at)) = &self.judged {
            let settled = j.true_type.is_some() || *at >= HEAD_JUDGED as u64;
            let grown = contiguous >= (*at * 2).max(256) || contiguous >= HEAD_JUDGED as u64;
            if settled || !grown {
                return;
            }
        }
        let head = match self.store.head(HEAD_JUDGED) {
            Ok(h) => h,
            Err(_) => return,
        };
        let j = self.engine.judge_head(&self.name, &head, &self.opts);
        self.judged = Some((j, contiguous.min(HEAD_JUDGED as u64)));
    }

    /// Scans what arrived and gives the full report: the same as
    /// [`Engine::scan_bytes`] of the same bytes, with what the stream saw
    /// (conflicting repeats, missing bytes, bytes past the maximum).
    ///
    /// # Errors
    ///
    /// The stream's temporary storage failed earlier.
    pub fn finish(self) -> Result<Report, StreamError> {
        self.finish_into(&mut crate::engine::NoSink)
    }

    /// [`finish`](Self::finish), telling `sink` of each object and finding
    /// as the scan makes them (see [`Sink`](crate::Sink)).
    ///
    /// # Errors
    ///
    /// The stream's temporary storage failed earlier.
    pub fn finish_into(self, sink: &mut dyn crate::Sink) -> Result<Report, StreamError> {
        if self.failed {
            return Err(StreamError::Failed);
        }
        let mut first = Vec::new();
        for c in &self.store.conflicts {
            first.push(FindingKind::ConflictingPiece {
                offset: c.offset,
                length: c.length,
            });
        }
        let unlisted = self.store.conflict_count - self.store.conflicts.len() as u64;
        if unlisted > 0 {
            first.push(FindingKind::Limit {
                limit: LimitKind::Findings,
                detail: format!("{unlisted} more conflicting pieces are not listed"),
            });
        }
        let len = self.declared.unwrap_or(self.store.extent());
        if let Some((missing, at)) = self.store.missing(len) {
            first.push(FindingKind::Truncated { missing, at });
        }
        if self.store.dropped > 0 {
            let max = self.engine.limits().max_stream_bytes;
            first.push(FindingKind::Limit {
                limit: LimitKind::ObjectSize,
                detail: format!(
                    "the stream went past {max} bytes: {} more were not scanned",
                    self.store.dropped
                ),
            });
        }
        if let Some(limit) = self.read_cut {
            first.push(FindingKind::Limit {
                limit,
                detail: format!(
                    "reading the input stopped after {} bytes: the rest was not scanned",
                    self.store.extent()
                ),
            });
        }
        let held = self.store.finish();
        Ok(self
            .engine
            .admit_held(&self.name, held, first, &self.opts, sink))
    }
}
