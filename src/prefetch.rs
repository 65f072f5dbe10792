//! Hints to the CPU to bring bytes into its caches before they are read or
//! written, where the order of the work leaves them far away.
//!
//! An archive's entries are all unpacked before the first of them is
//! examined (the walk takes one object at a time, and an unpacker gives all
//! the children of one), so that when an entry of a zip of a thousand is
//! examined its bytes were written megabytes before and have left the
//! core's caches; and the memory they are unpacked into was last used a
//! scan before. Each first touch then waits for memory, one line after
//! another: for small entries this was a twentieth of their cost, where
//! the floor, which scans each entry as it inflates it into one buffer,
//! waits for none. Asking for the lines ahead lets them come in while
//! other work runs.
//!
//! Only a hint: nothing is read, nothing can fault, and on targets other
//! than x86-64 it does nothing.

/// x86-64's cache lines.
#[cfg(target_arch = "x86_64")]
const LINE: usize = 64;

/// Asks for the first `head` bytes of `data` and its last `tail`.
#[inline]
pub(crate) fn prefetch(data: &[u8], head: usize, tail: usize) {
    for part in parts(data.len(), head, tail) {
        let bytes = &data[part];
        lines(bytes.as_ptr(), bytes.len());
    }
}

/// Asks for the memory of `spare` (capacity about to be written), its
/// first `n` bytes at most.
#[inline]
pub(crate) fn prefetch_spare(spare: &[std::mem::MaybeUninit<u8>], n: usize) {
    lines(spare.as_ptr().cast(), spare.len().min(n));
}

/// The start (at most `head` bytes) and the end (at most `tail`, not
/// again what the start covers) of `len` bytes.
fn parts(len: usize, head: usize, tail: usize) -> [std::ops::Range<usize>; 2] {
    let start = len.min(head);
    [0..start, len.saturating_sub(tail).max(start)..len]
}

/// One hint for each line of the `len` bytes at `p`.
#[inline]
fn lines(p: *const u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    for at in (0..len).step_by(LINE) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing and cannot fault, whatever the
        // address; this one is within the caller's live slice besides
        // (`wrapping_add` makes no claim either way).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(at).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_length_and_window_is_taken() {
        let data = vec![7u8; 10_000];
        for len in [0usize, 1, 63, 64, 65, 4096, 10_000] {
            for (head, tail) in [(0, 0), (64, 64), (8192, 1024), (1 << 20, 1 << 20)] {
                prefetch(&data[..len], head, tail);
                let [start, end] = parts(len, head, tail);
                // Within the bytes, in order, and no byte asked for twice.
                assert!(start.end <= end.start && end.end == len.max(start.end));
                assert_eq!(start.len(), len.min(head));
                assert_eq!(end.len(), tail.min(len - start.len()));
            }
        }
        let mut v: Vec<u8> = Vec::with_capacity(5000);
        for n in [0usize, 1, 100, 1 << 20] {
            prefetch_spare(v.spare_capacity_mut(), n);
        }
        v.push(1);
        assert_eq!(data[9_999], 7);
    }
}
