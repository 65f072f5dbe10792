//! The per-scan budget: what one scan has spent of its [`Limits`].
//!
//! Every byte that an unpacker produces goes through [`Budget::fill`] (and
//! its forms [`Budget::drain`] and [`Budget::take`]) or
//! [`Budget::charge_slice`], which hand back [`Charged`] bytes: the only
//! thing a child can be built of. Every object that enters the work queue
//! goes through [`Budget::admit`], and depth is checked in
//! [`Budget::may_unpack_at`]. Declared sizes never size an allocation or a
//! limit; only bytes really produced are counted. The one exception is a
//! decoder that cannot start without memory its header sizes (PPMd's
//! model): [`Budget::charge_model`] caps each such model and counts them
//! all.

use std::io::{self, Read};
use std::time::Duration;

use crate::clock::Moment;

use bytes::Bytes;

use crate::limits::{CancelToken, LimitKind, Limits, RATIO_GRACE_BYTES};

/// What came out of a bounded decode: the bytes produced, and why it stopped
/// early if it did.
#[derive(Debug)]
pub(crate) struct Drained {
    /// Every byte produced before the decoder ended or a limit was reached,
    /// charged to the budget.
    pub data: Charged,
    /// The limit that stopped the decoder, if one did.
    pub limit: Option<LimitKind>,
    /// The decoder's own error (corrupt or truncated data), if it failed.
    pub error: Option<io::Error>,
}

/// Bytes that the budget has counted: the only thing an unpacked child can
/// be made of (see `unpack::Child`), so that no unpacker can hand the
/// engine bytes it did not charge. Only this module makes one.
#[derive(Debug, Clone)]
pub(crate) struct Charged(Bytes);

impl Charged {
    /// The bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// A part of bytes already charged (a fork of a decoded stream): it
    /// was counted with them, and shares their buffer.
    pub fn slice_charged(&self, range: std::ops::Range<usize>) -> Charged {
        Charged(self.0.slice(range))
    }
}

impl std::ops::Deref for Charged {
    type Target = Bytes;
    fn deref(&self) -> &Bytes {
        &self.0
    }
}

/// What stops a scan before it is done: its deadline, or the host.
#[derive(Debug, Clone)]
pub(crate) struct Watch {
    deadline: Moment,
    cancel: Option<CancelToken>,
}

impl Watch {
    /// The reason to stop now, if there is one: an atomic load and a clock
    /// read, cheap enough for every step of a decoder.
    pub fn check(&self) -> Result<(), LimitKind> {
        if self.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
            return Err(LimitKind::Cancelled);
        }
        if Moment::now() >= self.deadline {
            return Err(LimitKind::Time);
        }
        Ok(())
    }
}

/// What one scan has spent of its [`Limits`].
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    watch: Watch,
    objects: u64,
    produced: u64,
    /// Model memory charged by [`Budget::charge_model`].
    models: u64,
}

/// The largest model a decoder may allocate at a size its header declares:
/// PPMd's in zip cannot declare more, and 7-Zip's presets ask for at most
/// 192 MiB.
pub(crate) const MAX_MODEL: u64 = 256 << 20;

/// All the model memory of one scan, as a multiple of `max_total_bytes`.
/// The model is filled with zeros before a byte is decoded (about 0.4 ms a
/// MiB here), so archives of thousands of PPMd entries, each of which asks
/// for its model anew, would otherwise cost minutes for a few kilobytes.
/// Real archives ask for far less: 7-Zip sizes a PPMd model to the entry
/// (1 MiB for small files).
const MODELS_PER_TOTAL: u64 = 16;

impl Budget {
    /// Starts the clock of a scan.
    #[cfg(any(test, feature = "_fuzz"))]
    pub fn new(limits: &Limits) -> Self {
        Self::with_cancel(limits, None)
    }

    /// Starts the clock of a scan that the host may cancel.
    pub fn with_cancel(limits: &Limits, cancel: Option<CancelToken>) -> Self {
        Budget {
            limits: limits.clone(),
            watch: Watch {
                deadline: Moment::now()
                    .checked_add(limits.max_time)
                    .or_else(|| Moment::now().checked_add(Duration::from_secs(1 << 40)))
                    .unwrap_or(Moment::now()),
                cancel,
            },
            objects: 0,
            produced: 0,
            models: 0,
        }
    }

    /// The limits this budget counts against.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Admits one more object into the scan.
    pub fn admit(&mut self) -> Result<(), LimitKind> {
        self.check_time()?;
        if self.objects >= self.limits.max_objects {
            return Err(LimitKind::Objects);
        }
        self.objects += 1;
        Ok(())
    }

    /// Whether a container at `depth` may be unpacked: the one place depth
    /// is checked (its children would sit one level deeper).
    pub fn may_unpack_at(&self, depth: u32) -> Result<(), LimitKind> {
        if depth >= self.limits.max_depth {
            Err(LimitKind::Depth)
        } else {
            Ok(())
        }
    }

    /// How many more objects may still be admitted. Unpackers stop listing
    /// entries one past this, so that a million-entry archive costs no more
    /// than the entries that can be scanned.
    pub fn objects_left(&self) -> u64 {
        self.limits.max_objects.saturating_sub(self.objects)
    }

    /// Fails once the scan's wall time is spent or the host cancelled it.
    pub fn check_time(&self) -> Result<(), LimitKind> {
        self.watch.check()
    }

    /// What stops the scan, for a decoder's input to check as it is read
    /// (see [`WatchedInput`]).
    pub(crate) fn watch(&self) -> Watch {
        self.watch.clone()
    }

    /// The wall time that is left, for engines with their own timeout.
    pub fn time_left(&self) -> Duration {
        self.watch.deadline.saturating_since(Moment::now())
    }

    /// Charges the memory a decoder must allocate and fill before it decodes
    /// a byte, at the size its header declares (PPMd's model, which its
    /// output depends on: a smaller one would decode other bytes). One
    /// larger than [`MAX_MODEL`] is this entry's limit (`ObjectSize`); past
    /// `MODELS_PER_TOTAL` times `max_total_bytes`, all models of the scan
    /// together are its limit (`TotalSize`).
    pub fn charge_model(&mut self, bytes: u64) -> Result<(), LimitKind> {
        self.check_time()?;
        if bytes > MAX_MODEL {
            return Err(LimitKind::ObjectSize);
        }
        let allowance = self
            .limits
            .max_total_bytes
            .max(MAX_MODEL)
            .saturating_mul(MODELS_PER_TOTAL);
        if self.models.saturating_add(bytes) > allowance {
            return Err(LimitKind::TotalSize);
        }
        self.models += bytes;
        Ok(())
    }

    /// Charges a child that is a slice of its parent (stored, not inflated):
    /// it costs no memory, but it is scanned, so it counts against the total.
    pub fn charge_slice(&mut self, data: Bytes) -> Result<Charged, LimitKind> {
        let len = data.len() as u64;
        if len > self.limits.max_object_bytes {
            return Err(LimitKind::ObjectSize);
        }
        if self.produced.saturating_add(len) > self.limits.max_total_bytes {
            return Err(LimitKind::TotalSize);
        }
        self.produced += len;
        Ok(Charged(data))
    }

    /// Reads `reader` to its end or to the first limit, counting every byte
    /// it produces. `compressed_len` is the number of input bytes behind the
    /// reader, used for the ratio limit (0 when it is not a decompressor).
    ///
    /// Nothing is preallocated from what a header declares: the buffer grows
    /// with the bytes really produced.
    pub fn drain<R: Read>(&mut self, reader: R, compressed_len: u64) -> Drained {
        self.fill(compressed_len, |out, cap, watch| {
            let mut reader = Watched {
                inner: reader,
                watch,
                stopped: None,
            };
            reader.by_ref().take(cap).read_to_end(out)?;
            if let Some(stop) = reader.stopped {
                return Err(Stop::Limit(stop));
            }
            if (out.len() as u64) < cap {
                return Ok(false);
            }
            // One byte more tells an exact fit from an overflow.
            let mut probe = [0u8; 1];
            Ok(read_some(&mut reader, &mut probe)? > 0)
        })
    }

    /// [`drain`](Self::drain) for bytes an unpacker has already decoded in
    /// memory (base64, quoted-printable: never more than their input): the
    /// same limits, without copying them again.
    pub fn take(&mut self, mut data: Vec<u8>) -> Drained {
        self.fill(0, move |out, cap, _| {
            let cap = usize::try_from(cap).unwrap_or(usize::MAX);
            let over = data.len() > cap;
            data.truncate(cap);
            *out = data;
            Ok(over)
        })
    }

    /// Runs `fill`, which appends at most `cap` bytes to the buffer and says
    /// whether more were to come, under the scan's limits: the one place
    /// where produced bytes are counted. A codec that decodes straight into
    /// the buffer (see `unpack::decode::drain_deflate`) calls this.
    ///
    /// `fill` gets the watch to check between steps: a decoder that stops
    /// for it returns [`Stop::Limit`], and what it produced is kept.
    pub(crate) fn fill(
        &mut self,
        compressed_len: u64,
        fill: impl FnOnce(&mut Vec<u8>, u64, &Watch) -> Result<bool, Stop>,
    ) -> Drained {
        self.fill_with(compressed_len, true, |out, cap, watch| {
            fill(out, cap, watch).map(Filled::Buffer)
        })
    }

    /// [`Budget::fill`] for a codec that sizes its output itself (the
    /// inflater keeps a small stream in its arena, see
    /// `unpack::decode::Inflater`): it is handed an empty buffer with no
    /// room reserved, and may leave it empty and give back bytes of its own
    /// instead ([`Filled::Shared`]), which are counted as the buffer's are.
    pub(crate) fn fill_shared(
        &mut self,
        compressed_len: u64,
        fill: impl FnOnce(&mut Vec<u8>, u64, &Watch) -> Result<Filled, Stop>,
    ) -> Drained {
        self.fill_with(compressed_len, false, fill)
    }

    fn fill_with(
        &mut self,
        compressed_len: u64,
        reserve: bool,
        fill: impl FnOnce(&mut Vec<u8>, u64, &Watch) -> Result<Filled, Stop>,
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
        let hint = if reserve {
            compressed_len.saturating_mul(4).min(cap).min(64 << 20) as usize
        } else {
            0
        };
        let mut out: Vec<u8> = Vec::with_capacity(hint);
        let mut shared = None;
        let mut limit = None;
        let mut error = None;
        if let Err(l) = self.check_time() {
            limit = Some(l);
        } else {
            match fill(&mut out, cap, &self.watch) {
                Ok(Filled::Buffer(false)) => {}
                Ok(Filled::Shared(b)) => shared = Some(b),
                Err(Stop::Limit(l)) => limit = Some(l),
                Ok(Filled::Buffer(true)) => {
                    limit = Some(if cap == ratio_cap {
                        LimitKind::Ratio
                    } else if cap == object_cap {
                        LimitKind::ObjectSize
                    } else {
                        LimitKind::TotalSize
                    })
                }
                // A decoder whose watched input stopped it fails: the
                // limit is why.
                Err(Stop::Io(e)) => match self.check_time() {
                    Err(l) => limit = Some(l),
                    Ok(()) => error = Some(e),
                },
            }
            out.truncate(cap.min(usize::MAX as u64) as usize);
        }
        let data = match shared {
            // Never more than the cap either.
            Some(mut b) => {
                b.truncate(cap.min(usize::MAX as u64) as usize);
                b
            }
            None => {
                // The room reserved from the hint, where the output came
                // out much smaller: thousands of small children would each
                // keep it.
                if out.capacity() - out.len() > out.len() / 4 + 4096 {
                    out.shrink_to_fit();
                }
                Bytes::from(out)
            }
        };
        self.produced += data.len() as u64;
        Drained {
            data: Charged(data),
            limit,
            error,
        }
    }
}

/// What the codec handed to [`Budget::fill_shared`] made.
#[derive(Debug)]
pub(crate) enum Filled {
    /// Its output is in the buffer; true when the stream had more to give
    /// than the cap let it write.
    Buffer(bool),
    /// The whole stream, ended, in bytes of the codec's own (the buffer is
    /// left empty).
    Shared(Bytes),
}

/// Why a decoder handed to [`Budget::fill`] stopped before its end.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The watch said stop: the deadline passed or the host cancelled.
    Limit(LimitKind),
    /// The decoder failed: corrupt or truncated data.
    Io(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

/// A reader that ends early, and says why, once the watch says stop.
struct Watched<'w, R> {
    inner: R,
    watch: &'w Watch,
    stopped: Option<LimitKind>,
}

impl<R: Read> Read for Watched<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Err(l) = self.watch.check() {
            self.stopped = Some(l);
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// A decoder's input that fails once the watch says stop: for decoders
/// that may read on for long without giving a byte (bzip2 over a million
/// empty streams), which the watch on their output never gets to check.
pub(crate) struct WatchedInput<B> {
    inner: B,
    watch: Watch,
}

impl<B> WatchedInput<B> {
    pub fn new(inner: B, watch: Watch) -> Self {
        WatchedInput { inner, watch }
    }
}

impl<B: io::BufRead> io::Read for WatchedInput<B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let have = io::BufRead::fill_buf(self)?;
            let n = have.len().min(buf.len());
            buf[..n].copy_from_slice(&have[..n]);
            n
        };
        io::BufRead::consume(self, n);
        Ok(n)
    }
}

impl<B: io::BufRead> io::BufRead for WatchedInput<B> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if let Err(l) = self.watch.check() {
            return Err(io::Error::other(format!("stopped: {l:?}")));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
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

    fn limits_with(object: u64) -> Limits {
        Limits {
            max_object_bytes: object,
            max_ratio: u64::MAX,
            ..Limits::default()
        }
    }

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
    fn models_are_capped_each_and_counted_together() {
        let mut b = Budget::new(&small());
        assert_eq!(b.charge_model(MAX_MODEL + 1), Err(LimitKind::ObjectSize));
        // A small total still lets one model of the largest size through,
        // and the allowance is a multiple of it.
        for _ in 0..MODELS_PER_TOTAL {
            assert_eq!(b.charge_model(MAX_MODEL), Ok(()));
        }
        assert_eq!(b.charge_model(1), Err(LimitKind::TotalSize));
        // Models are memory, not output: the bytes produced are untouched.
        assert_eq!(b.drain(io::repeat(1).take(100), 0).limit, None);
    }

    #[test]
    fn an_exact_fit_is_not_a_limit() {
        let mut b = Budget::new(&small());
        let d = b.drain(io::repeat(1).take(100), 0);
        assert_eq!((d.data.len(), d.limit), (100, None));
    }

    #[test]
    fn a_cancelled_drain_keeps_what_it_made_and_says_why() {
        let cancel = CancelToken::new();
        let mut b = Budget::with_cancel(&Limits::default(), Some(cancel.clone()));
        let d = b.drain(io::repeat(1).take(1000), 0);
        assert_eq!((d.data.len(), d.limit), (1000, None));
        cancel.cancel();
        let d = b.drain(io::repeat(1).take(1000), 0);
        assert_eq!(d.limit, Some(LimitKind::Cancelled));
        assert_eq!(b.admit(), Err(LimitKind::Cancelled));
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
    fn depth_and_objects_are_counted() {
        let limits = Limits {
            max_depth: 1,
            max_objects: 2,
            ..Limits::default()
        };
        let mut b = Budget::new(&limits);
        assert!(b.may_unpack_at(0).is_ok());
        assert_eq!(b.may_unpack_at(1), Err(LimitKind::Depth));
        assert!(b.admit().is_ok());
        assert!(b.admit().is_ok());
        assert_eq!(b.admit(), Err(LimitKind::Objects));
    }

    proptest::proptest! {
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
