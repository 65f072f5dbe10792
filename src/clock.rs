//! The scan's clock: monotonic, and cheap enough to read at every step of
//! a decoder and for every object of an archive of thousands.
//!
//! On Linux it is `CLOCK_MONOTONIC_COARSE`: the time of the last timer tick
//! (1 to 4 ms behind), read from the vDSO's page without the cycle counter
//! and the arithmetic of a precise read, a few nanoseconds instead of some
//! twenty to forty. A scan's deadline is a limit of seconds or more, and a
//! tick late is no later than the work between two checks. Elsewhere it is
//! `std::time::Instant`.

use std::time::Duration;

/// A point in time on the scan's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Moment(Inner);

#[cfg(target_os = "linux")]
type Inner = Duration;
#[cfg(not(target_os = "linux"))]
type Inner = std::time::Instant;

impl Moment {
    /// Now, to within a timer tick.
    #[cfg(target_os = "linux")]
    pub fn now() -> Moment {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of
        // the call; the clock id is a constant the kernel has had since
        // 2.6.32.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
        if rc != 0 {
            // Never seen; a precise read is the fallback, not a stopped
            // clock.
            // SAFETY: as above.
            unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
        }
        let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
        let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0);
        Moment(Duration::new(secs, nanos))
    }

    /// Now.
    #[cfg(not(target_os = "linux"))]
    pub fn now() -> Moment {
        Moment(std::time::Instant::now())
    }

    /// This moment plus `d`, if the clock can hold it.
    pub fn checked_add(self, d: Duration) -> Option<Moment> {
        self.0.checked_add(d).map(Moment)
    }

    /// How long after `earlier` this moment is; zero if it is not after.
    pub fn saturating_since(self, earlier: Moment) -> Duration {
        #[cfg(target_os = "linux")]
        return self.0.saturating_sub(earlier.0);
        #[cfg(not(target_os = "linux"))]
        return self.0.saturating_duration_since(earlier.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_does_not_go_back_and_follows_real_time() {
        let a = Moment::now();
        std::thread::sleep(Duration::from_millis(30));
        let b = Moment::now();
        assert!(b >= a);
        // A tick behind at either end, at most.
        let waited = b.saturating_since(a);
        assert!(waited >= Duration::from_millis(20), "{waited:?}");
        assert!(a.saturating_since(b) == Duration::ZERO);
    }

    #[test]
    fn a_deadline_past_the_clock_is_refused_not_wrapped() {
        assert!(Moment::now().checked_add(Duration::MAX).is_none());
    }
}
