//! Limits: what the operator configures for every scan, and the token a
//! host cancels one scan with. What a scan has spent is counted in
//! `budget.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

/// The limits of one scan. Reaching any of them is a finding of kind
/// [`FindingKind::Limit`](crate::FindingKind::Limit), never a silent clean.
///
/// The defaults are at least as generous as ClamAV's:
///
/// | limit | default |
/// |---|---|
/// | `max_depth` | 17 nested containers |
/// | `max_objects` | 10,000 objects (the file and everything unpacked from it) |
/// | `max_object_bytes` | 100 MiB for any one object |
/// | `max_total_bytes` | 400 MiB produced by unpacking in one scan |
/// | `max_ratio` | 1,000 : 1 for one entry, checked once it passes 1 MiB |
/// | `max_time` | 120 s of wall time for one scan |
/// | `max_stream_bytes` | 64 GiB for an outer object that is streamed, read or spilled |
/// | `stream_memory_bytes` | 8 MiB of a stream held in memory before it spills to a temporary file |
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]

pub struct Limits {
    /// How deep containers may nest; the outer file is depth 0.
    pub max_depth: u32,
    /// How many objects one scan may look at, the outer file included.
    pub max_objects: u64,
    /// The largest object scanned; a larger one is scanned up to this size.
    pub max_object_bytes: u64,
    /// The bytes that unpacking may produce in one scan, all objects together.
    pub max_total_bytes: u64,
    /// The largest ratio of produced to compressed bytes for one entry.
    pub max_ratio: u64,
    /// The wall time of one scan.
    pub max_time: Duration,
    /// The largest outer object taken from a stream, a reader or a file.
    /// One larger than `max_object_bytes` is still scanned whole: its type
    /// from its head, signatures over every byte in overlapping windows, its
    /// structure unpacked from the spilled file. Past this size the rest is
    /// a limit finding.
    pub max_stream_bytes: u64,
    /// How much of a stream is held in memory; past it, the stream spills to
    /// an unlinked temporary file.
    pub stream_memory_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 17,
            max_objects: 10_000,
            max_object_bytes: 100 << 20,
            max_total_bytes: 400 << 20,
            max_ratio: 1_000,
            max_time: Duration::from_secs(120),
            max_stream_bytes: 64 << 30,
            stream_memory_bytes: 8 << 20,
        }
    }
}

/// Output below this size is never judged by its compression ratio: small
/// files of zeros are common and harmless.
pub(crate) const RATIO_GRACE_BYTES: u64 = 1 << 20;

/// Which limit a scan reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LimitKind {
    /// Containers nested deeper than `max_depth`.
    Depth,
    /// More objects than `max_objects`.
    Objects,
    /// One object larger than `max_object_bytes`.
    ObjectSize,
    /// Unpacking produced more than `max_total_bytes`.
    TotalSize,
    /// An entry inflated more than `max_ratio` times its compressed size.
    Ratio,
    /// The scan ran longer than `max_time`.
    Time,
    /// A container held more overlapping entries than are worth inflating.
    OverlappingEntries,
    /// The report reached its cap on findings.
    Findings,
    /// The host cancelled the scan (see [`CancelToken`]).
    Cancelled,
}

impl LimitKind {
    /// The name of the limit as it appears in reports and policies.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Depth => "depth",
            LimitKind::Objects => "objects",
            LimitKind::ObjectSize => "object_size",
            LimitKind::TotalSize => "total_size",
            LimitKind::Ratio => "ratio",
            LimitKind::Time => "time",
            LimitKind::OverlappingEntries => "overlapping_entries",
            LimitKind::Findings => "findings",
            LimitKind::Cancelled => "cancelled",
        }
    }
}

/// Cancels a scan from another thread: hand a clone to
/// [`ScanOptions::cancel`](crate::ScanOptions::cancel) and call
/// [`cancel`](Self::cancel) when the transfer is aborted. The scan stops at
/// its next check (between objects, and between steps of every decoder), and
/// its report says so with a `limit.cancelled` finding.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every scan that holds a clone of this token.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
