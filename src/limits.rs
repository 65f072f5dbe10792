//! Limits (what the operator configures) and the per-scan budget (what one
//! scan has spent).
//!
//! Every byte that an unpacker produces goes through [`Budget::drain`], and
//! every object that enters the work queue goes through [`Budget::admit`]:
//! the budget is counted here and nowhere else. Declared sizes never size an
//! allocation or a limit; only bytes really produced are counted.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use bytes::Bytes;
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
        }
    }
}

/// Output below this size is never judged by its compression ratio: small
/// files of zeros are common and harmless.
const RATIO_GRACE_BYTES: u64 = 1 << 20;

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
        }
    }
}

/// What came out of a bounded decode: the bytes produced, and why it stopped
/// early if it did.
#[derive(Debug)]
pub(crate) struct Drained {
    /// Every byte produced before the decoder ended or a limit was reached.
    pub data: Bytes,
    /// The limit that stopped the decoder, if one did.
    pub limit: Option<LimitKind>,
    /// The decoder's own error (corrupt or truncated data), if it failed.
    pub error: Option<io::Error>,
}

/// What one scan has spent of its [`Limits`].
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    deadline: Instant,
    objects: u64,
    produced: u64,
}

impl Budget {
    /// Starts the clock of a scan.
    pub fn new(limits: &Limits) -> Self {
        Budget {
            limits: limits.clone(),
            deadline: Instant::now()
                .checked_add(limits.max_time)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(1 << 40)),
            objects: 0,
            produced: 0,
        }
    }

    /// The limits this budget counts against.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Admits one more object at `depth` into the scan.
    pub fn admit(&mut self, depth: u32) -> Result<(), LimitKind> {
        self.check_time()?;
        if depth > self.limits.max_depth {
            return Err(LimitKind::Depth);
        }
        if self.objects >= self.limits.max_objects {
            return Err(LimitKind::Objects);
        }
        self.objects += 1;
        Ok(())
    }

    /// How many more objects may still be admitted. Unpackers stop listing
    /// entries one past this, so that a million-entry archive costs no more
    /// than the entries that can be scanned.
    pub fn objects_left(&self) -> u64 {
        self.limits.max_objects.saturating_sub(self.objects)
    }

    /// Fails once the scan's wall time is spent.
    pub fn check_time(&self) -> Result<(), LimitKind> {
        if Instant::now() >= self.deadline {
            Err(LimitKind::Time)
        } else {
            Ok(())
        }
    }

    /// The wall time that is left, for engines with their own timeout.
    pub fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Records a child that is a slice of its parent (stored, not inflated):
    /// it costs no memory, but it is scanned, so it counts against the total.
    pub fn charge_slice(&mut self, data: &Bytes) -> Result<(), LimitKind> {
        let len = data.len() as u64;
        if len > self.limits.max_object_bytes {
            return Err(LimitKind::ObjectSize);
        }
        if self.produced.saturating_add(len) > self.limits.max_total_bytes {
            return Err(LimitKind::TotalSize);
        }
        self.produced += len;
        Ok(())
    }

    /// Reads `reader` to its end or to the first limit, counting every byte
    /// it produces. `compressed_len` is the number of input bytes behind the
    /// reader, used for the ratio limit (0 when it is not a decompressor).
    ///
    /// Nothing is preallocated from what a header declares: the buffer grows
    /// with the bytes really produced.
    pub fn drain<R: Read>(&mut self, mut reader: R, compressed_len: u64) -> Drained {
        self.drain_with(compressed_len, |out, cap| {
            reader.by_ref().take(cap).read_to_end(out)?;
            if (out.len() as u64) < cap {
                return Ok(false);
            }
            // One byte more tells an exact fit from an overflow.
            let mut probe = [0u8; 1];
            Ok(read_some(&mut reader, &mut probe)? > 0)
        })
    }

    /// [`drain`](Self::drain) for a raw deflate stream (most of what real
    /// archives hold): it is inflated straight into the buffer, with no
    /// intermediate copy, and the buffer is zeroed only a step ahead of the
    /// inflater rather than all of its spare room at each read.
    pub fn drain_deflate(&mut self, input: &[u8]) -> Drained {
        self.drain_with(input.len() as u64, |out, cap| inflate_into(input, out, cap))
    }

    /// [`drain`](Self::drain) for bytes an unpacker has already decoded in
    /// memory (base64, quoted-printable: never more than their input): the
    /// same limits, without copying them again.
    pub fn take(&mut self, mut data: Vec<u8>) -> Drained {
        self.drain_with(0, move |out, cap| {
            let cap = usize::try_from(cap).unwrap_or(usize::MAX);
            let over = data.len() > cap;
            data.truncate(cap);
            *out = data;
            Ok(over)
        })
    }

    /// Runs `fill`, which appends at most `cap` bytes to the buffer and says
    /// whether more were to come, under the scan's limits.
    fn drain_with(
        &mut self,
        compressed_len: u64,
        fill: impl FnOnce(&mut Vec<u8>, u64) -> io::Result<bool>,
    ) -> Drained {
        let object_cap = self.limits.max_object_bytes;
        let total_left = self.limits.max_total_bytes.saturating_sub(self.produced);
        let ratio_cap = if compressed_len > 0 {
            compressed_len
                .saturating_mul(self.limits.max_ratio)
                .max(RATIO_GRACE_BYTES)
        } else {
            u64::MAX
        };
        let cap = object_cap.min(total_left).min(ratio_cap);
        // Room for what the input plausibly makes; the buffer still grows
        // only with bytes really produced.
        let hint = compressed_len.saturating_mul(4).min(cap).min(64 << 20) as usize;
        let mut out: Vec<u8> = Vec::with_capacity(hint);
        let mut limit = None;
        let mut error = None;
        if let Err(l) = self.check_time() {
            limit = Some(l);
        } else {
            match fill(&mut out, cap) {
                Ok(false) => {}
                Ok(true) => {
                    limit = Some(if cap == ratio_cap {
                        LimitKind::Ratio
                    } else if cap == object_cap {
                        LimitKind::ObjectSize
                    } else {
                        LimitKind::TotalSize
                    })
                }
                Err(e) => error = Some(e),
            }
            out.truncate(cap.min(usize::MAX as u64) as usize);
        }
        // The room reserved from the hint, where the output came out much
        // smaller: thousands of small children would each keep it.
        if out.capacity() - out.len() > out.len() / 4 + 4096 {
            out.shrink_to_fit();
        }
        self.produced += out.len() as u64;
        Drained {
            data: Bytes::from(out),
            limit,
            error,
        }
    }
}

/// Inflates raw deflate `input` onto `out`, at most `cap` bytes; true when
/// the stream had more to give. The buffer never holds more than `cap`.
fn inflate_into(input: &[u8], out: &mut Vec<u8>, cap: u64) -> io::Result<bool> {
    use flate2::{Decompress, FlushDecompress, Status};
    const STEP: usize = 256 << 10;
    let cap = cap.min(usize::MAX as u64) as usize;
    let corrupt = || io::Error::new(io::ErrorKind::InvalidData, "corrupt deflate stream");
    let mut d = Decompress::new(false);
    loop {
        let rest = &input[(d.total_in() as usize).min(input.len())..];
        if out.len() >= cap {
            // One byte more tells an exact fit from an overflow.
            let mut probe = [0u8; 1];
            let before = d.total_out();
            return match d.decompress(rest, &mut probe, FlushDecompress::None) {
                Ok(_) => Ok(d.total_out() > before),
                Err(_) => Err(corrupt()),
            };
        }
        if out.len() == out.capacity() {
            let grow = out.len().max(32 << 10).min(cap - out.len());
            out.reserve_exact(grow);
        }
        // The output room has to be zeroed first (safe Rust writes only to
        // initialised bytes): a step at a time, so that a hint larger than
        // the output (stored-like data) is not zeroed for nothing.
        let len = out.len();
        let step = (out.capacity() - len).min(cap - len).min(STEP);
        out.resize(len + step, 0);
        let (in_before, out_before) = (d.total_in(), d.total_out());
        let status = d.decompress(rest, &mut out[len..], FlushDecompress::None);
        out.truncate(len + (d.total_out() - out_before) as usize);
        match status {
            Ok(Status::StreamEnd) => return Ok(false),
            Ok(Status::Ok | Status::BufError) => {
                if d.total_in() == in_before && d.total_out() == out_before {
                    // No progress with room to spare: the input ended first.
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "incomplete deflate stream",
                    ));
                }
            }
            Err(_) => return Err(corrupt()),
        }
    }
}

/// `read` that retries on `Interrupted`.
fn read_some<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            max_object_bytes: 100,
            max_total_bytes: 250,
            ..Limits::default()
        }
    }

    #[test]
    fn drain_stops_at_the_object_cap() {
        let mut b = Budget::new(&small());
        let d = b.drain(io::repeat(7).take(1000), 0);
        assert_eq!(d.data.len(), 100);
        assert_eq!(d.limit, Some(LimitKind::ObjectSize));
    }

    #[test]
    fn drain_counts_the_total_across_objects() {
        let mut b = Budget::new(&small());
        for _ in 0..2 {
            let d = b.drain(io::repeat(1).take(100), 0);
            assert_eq!(d.limit, None);
        }
        let d = b.drain(io::repeat(1).take(100), 0);
        assert_eq!(d.data.len(), 50);
        assert_eq!(d.limit, Some(LimitKind::TotalSize));
    }

    #[test]
    fn an_exact_fit_is_not_a_limit() {
        let mut b = Budget::new(&small());
        let d = b.drain(io::repeat(1).take(100), 0);
        assert_eq!((d.data.len(), d.limit), (100, None));
    }

    #[test]
    fn ratio_is_judged_past_the_grace() {
        let limits = Limits {
            max_ratio: 10,
            ..Limits::default()
        };
        let mut b = Budget::new(&limits);
        let d = b.drain(io::repeat(0).take(3 << 20), 1);
        assert_eq!(d.data.len() as u64, RATIO_GRACE_BYTES);
        assert_eq!(d.limit, Some(LimitKind::Ratio));
    }

    #[test]
    fn admit_counts_depth_and_objects() {
        let limits = Limits {
            max_depth: 1,
            max_objects: 2,
            ..Limits::default()
        };
        let mut b = Budget::new(&limits);
        assert_eq!(b.admit(2), Err(LimitKind::Depth));
        assert!(b.admit(0).is_ok());
        assert!(b.admit(1).is_ok());
        assert_eq!(b.admit(1), Err(LimitKind::Objects));
    }

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
        let d = Budget::new(&Limits::default()).drain_deflate(&deflate(&data));
        assert_eq!((d.limit, d.error.is_none()), (None, true));
        assert_eq!(&d.data[..], &data[..]);
    }

    #[test]
    fn drain_deflate_tells_an_exact_fit_from_an_overflow() {
        let z = deflate(&[7u8; 1000]);
        let d = Budget::new(&limits_with(1000)).drain_deflate(&z);
        assert_eq!((d.data.len(), d.limit), (1000, None));
        let d = Budget::new(&limits_with(999)).drain_deflate(&z);
        assert_eq!((d.data.len(), d.limit), (999, Some(LimitKind::ObjectSize)));
    }

    #[test]
    fn drain_deflate_reports_a_truncated_and_a_corrupt_stream() {
        let z = deflate(
            &(0..5000u32)
                .map(|i| (i * 7 % 256) as u8)
                .collect::<Vec<_>>(),
        );
        let d = Budget::new(&Limits::default()).drain_deflate(&z[..z.len() / 2]);
        assert!(d.error.is_some());
        let d = Budget::new(&Limits::default()).drain_deflate(&[0xff; 64]);
        assert!(d.error.is_some());
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
            let fast = Budget::new(&limits_with(cap)).drain_deflate(&z);
            let slow = Budget::new(&limits_with(cap))
                .drain(flate2::bufread::DeflateDecoder::new(&z[..]), z.len() as u64);
            proptest::prop_assert_eq!(fast.limit, slow.limit);
            proptest::prop_assert_eq!(fast.error.is_some(), slow.error.is_some());
            if fast.error.is_none() {
                proptest::prop_assert_eq!(&fast.data[..], &slow.data[..]);
            }
        }

        /// An owned buffer is held to the same limits as the same bytes
        /// read through `drain`.
        #[test]
        fn take_agrees_with_drain(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..5_000),
            cap in 1u64..6_000,
            before in 0usize..3,
        ) {
            let limits = Limits {
                max_total_bytes: cap + 1_000,
                ..limits_with(cap)
            };
            let (mut a, mut b) = (Budget::new(&limits), Budget::new(&limits));
            // Earlier children use up part of the total.
            for _ in 0..before {
                a.take(vec![1; 700]);
                b.drain(&[1u8; 700][..], 0);
            }
            let taken = a.take(data.clone());
            let read = b.drain(&data[..], 0);
            proptest::prop_assert_eq!(&taken.data[..], &read.data[..]);
            proptest::prop_assert_eq!(taken.limit, read.limit);
            proptest::prop_assert_eq!(a.produced, b.produced);
        }
    }
}
