//! Scanning a buffer, a file path and a file descriptor.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

use super::boundary::{bytes, guard_result, handle, name, non_null, path, to_c, write_out};
use super::engine::xferscan_engine;
use super::options::{CallbackSink, xferscan_scan_options};
use super::report::xferscan_report;
use super::result::xferscan_result;
use crate::{Error, Report, ScanOptions, Sink};

/// Runs a scan with the options from C (NULL: none) and its callback as the
/// sink, and hands the report out.
///
/// # Safety
///
/// `opts` is NULL or live; `out` was checked non-NULL and is writable.
unsafe fn run(
    opts: *const xferscan_scan_options,
    out: *mut *mut xferscan_report,
    scan: impl FnOnce(&ScanOptions, &mut dyn Sink) -> Result<Report, Error>,
) -> Result<(), xferscan_result> {
    let none = ScanOptions::new();
    // SAFETY: forwarded.
    let (o, callback) = match unsafe { opts.as_ref() } {
        Some(o) => (&o.opts, o.callback),
        None => (&none, None),
    };
    let report = match callback {
        Some(cb) => scan(o, &mut CallbackSink(cb)),
        None => scan(o, &mut NoSink),
    }
    .map_err(|e| match e {
        Error::Io { .. } | Error::Read { .. } => xferscan_result::Io,
        _ => xferscan_result::InvalidParameter,
    })?;
    // SAFETY: the caller checked `out`.
    unsafe { write_out(out, to_c(xferscan_report::new(report))) };
    Ok(())
}

struct NoSink;
impl Sink for NoSink {}

/// Scans `len` bytes at `data`, a file sent under `name` (NUL-terminated;
/// "" when it has none; bytes that are not UTF-8 are replaced with U+FFFD
/// before the name checks). `(NULL, 0)` is an empty file. `opts` may be
/// NULL. On success `*out` is a new report (free it with
/// xferscan_report_free), whatever the verdict.
///
/// The bytes are copied once, so the caller may reuse its buffer as soon as
/// the call returns; xferscan_engine_scan_bytes_owned scans without the
/// copy. Safe to call from many threads at once with one engine.
///
/// # Safety
///
/// `engine` and `opts` are NULL or live; `name` is NULL or NUL-terminated;
/// `data` is NULL or points to `len` readable bytes; `out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_scan_bytes(
    engine: *const xferscan_engine,
    name: *const c_char,
    data: *const u8,
    len: usize,
    opts: *const xferscan_scan_options,
    out: *mut *mut xferscan_report,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let e = unsafe { handle(engine) }?;
        let n = unsafe { self::name(name) }?;
        let d = unsafe { bytes(data, len) }?;
        non_null(out)?;
        let data = bytes::Bytes::copy_from_slice(d);
        // SAFETY: `out` checked.
        unsafe {
            run(opts, out, |o, sink| {
                Ok(e.engine.scan_bytes_into(&n, data, o, sink))
            })
        }
    })
}

/// Frees a buffer handed over with xferscan_engine_scan_bytes_owned. It is
/// given back the `userdata`, `data` and `len` that the scan call was given
/// (`data` may be NULL). It must not unwind (no C++ exception, no longjmp
/// out of it) and must not call back into the scan that called it.
pub type xferscan_free_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, data: *const u8, len: usize)>;

/// A buffer the caller handed over: freed, through the caller's callback,
/// when this is dropped; whatever happens in between, that is exactly once.
struct Handover {
    free: unsafe extern "C" fn(*mut c_void, *const u8, usize),
    userdata: *mut c_void,
    data: *const u8,
    len: usize,
    /// Set once the callback has returned. Points to a flag in the frame
    /// of the entry point, which does not return while this is alive (see
    /// xferscan_engine_scan_bytes_owned).
    freed: *const AtomicBool,
}

impl Drop for Handover {
    fn drop(&mut self) {
        // SAFETY: the caller gave the callback and its arguments for this
        // one call; it is made exactly once, here.
        unsafe { (self.free)(self.userdata, self.data, self.len) };
        // SAFETY: the flag outlives every Handover (see `freed`).
        unsafe { &*self.freed }.store(true, Ordering::Release);
    }
}

/// A handed-over buffer whose pointer and length were checked: what the
/// scan reads, through `Bytes::from_owner`.
struct Checked(Handover);

// SAFETY: the bytes are only read, and the caller handed them over with the
// callback that frees them. Every reference is dropped on the calling thread
// before the entry point returns (checked there), so the callback, too, runs
// on that thread.
unsafe impl Send for Checked {}

impl AsRef<[u8]> for Checked {
    fn as_ref(&self) -> &[u8] {
        if self.0.data.is_null() {
            return &[];
        }
        // SAFETY: checked by `boundary::bytes` before this was made: non-NULL,
        // at most isize::MAX, and the caller promises `len` readable bytes
        // until the callback frees them.
        unsafe { std::slice::from_raw_parts(self.0.data, self.0.len) }
    }
}

/// Scans `len` bytes at `data` without copying them: the caller hands the
/// buffer over, and the library calls `free_cb(userdata, data, len)` when it
/// no longer needs it. Otherwise as xferscan_engine_scan_bytes (`name`,
/// `opts`, `out`, and `(NULL, 0)` as the empty file).
///
/// Ownership: if `free_cb` is not NULL, it is called exactly once, whatever
/// the result: on success, on every error (a NULL engine, name or `out`, a
/// buffer `(NULL, n > 0)`, which it gets as it was given) and when the
/// library catches a bug (XFERSCAN_RESULT_PANIC). So after the call the
/// caller never frees the buffer itself. A NULL `free_cb` gives
/// XFERSCAN_RESULT_NULL_PARAMETER and nothing is scanned or called.
///
/// When and where: `free_cb` is called before this function returns, on the
/// thread that called it (during the scan, once the last object that
/// points into the buffer is done with, or at its end). Nothing the call
/// leaves behind holds on to the buffer: not the report (it holds copies of
/// what it shows), not the thread's cached YARA scanners, not the finding
/// callback's arguments. So a host that keeps its buffer may also pass a
/// `free_cb` that does nothing, and reuse the buffer once the call returns.
/// The library checks this before it returns; were it ever not so (a bug
/// in the library), it aborts the process rather than return while it
/// could still read the buffer. That is the one place where the library
/// may abort.
///
/// Safe to call from many threads at once with one engine.
///
/// # Safety
///
/// `engine` and `opts` are NULL or live; `name` is NULL or NUL-terminated;
/// `data` is NULL or points to `len` bytes that stay readable and unchanged
/// until `free_cb` is called; `free_cb` may be called with `userdata`;
/// `out` is NULL or writable.
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_scan_bytes_owned(
    engine: *const xferscan_engine,
    name: *const c_char,
    data: *const u8,
    len: usize,
    free_cb: xferscan_free_callback,
    userdata: *mut c_void,
    opts: *const xferscan_scan_options,
    out: *mut *mut xferscan_report,
) -> xferscan_result {
    let Some(free) = free_cb else {
        return xferscan_result::NullParameter;
    };
    let freed = AtomicBool::new(false);
    // Made before anything can fail, so that every way out of the body
    // (an error, a panic caught by the guard) drops it and frees.
    let handover = Handover {
        free,
        userdata,
        data,
        len,
        freed: &freed,
    };
    let result = guard_result(move || {
        // SAFETY: forwarded.
        let e = unsafe { handle(engine) }?;
        let n = unsafe { self::name(name) }?;
        // Only checked here: the slice is read through `Checked`.
        let _ = unsafe { bytes(data, len) }?;
        non_null(out)?;
        let data = bytes::Bytes::from_owner(Checked(handover));
        // SAFETY: `out` checked.
        unsafe {
            run(opts, out, |o, sink| {
                Ok(e.engine.scan_bytes_into(&n, data, o, sink))
            })
        }
    });
    if !freed.load(Ordering::Acquire) {
        // Something still holds the buffer (a bug): returning would let it
        // read memory the caller may now reuse, and leave `freed` dangling.
        std::process::abort();
    }
    result
}

/// Scans a file on disk (a NUL-terminated path, taken byte for byte); only
/// its last component is judged as a name. XFERSCAN_RESULT_IO when it
/// cannot be opened or read. Files of any size are scanned in bounded
/// memory.
///
/// # Safety
///
/// As xferscan_engine_scan_bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_scan_path(
    engine: *const xferscan_engine,
    path: *const c_char,
    opts: *const xferscan_scan_options,
    out: *mut *mut xferscan_report,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let e = unsafe { handle(engine) }?;
        let p = unsafe { self::path(path) }?;
        non_null(out)?;
        // SAFETY: `out` checked.
        unsafe { run(opts, out, |o, sink| e.engine.scan_path_into(&p, o, sink)) }
    })
}

/// Scans what a file descriptor gives, from its current offset to its end
/// (a file, a pipe, a socket), under `name` as xferscan_engine_scan_bytes
/// takes it. The descriptor is duplicated and the duplicate closed; the
/// caller's descriptor stays open, but its offset (shared with the
/// duplicate) has moved to the end. XFERSCAN_RESULT_INVALID_PARAMETER for a
/// negative or closed descriptor, XFERSCAN_RESULT_IO when reading fails.
/// Unix only.
///
/// # Safety
///
/// As xferscan_engine_scan_bytes; `fd` is not closed by another thread
/// during the call.
#[cfg(unix)]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_scan_fd(
    engine: *const xferscan_engine,
    fd: std::ffi::c_int,
    name: *const c_char,
    opts: *const xferscan_scan_options,
    out: *mut *mut xferscan_report,
) -> xferscan_result {
    use std::os::fd::BorrowedFd;
    guard_result(|| {
        // SAFETY: forwarded.
        let e = unsafe { handle(engine) }?;
        let n = unsafe { self::name(name) }?;
        non_null(out)?;
        if fd < 0 {
            return Err(xferscan_result::InvalidParameter);
        }
        // SAFETY: the caller promises the descriptor stays open during the
        // call; it is only borrowed to duplicate it.
        let owned = unsafe { BorrowedFd::borrow_raw(fd) }
            .try_clone_to_owned()
            .map_err(|_| xferscan_result::InvalidParameter)?;
        let file = std::fs::File::from(owned);
        // SAFETY: `out` checked.
        unsafe {
            run(opts, out, |o, sink| {
                e.engine.scan_reader_into(&n, file, o, sink)
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::ptr;
    use std::thread::ThreadId;

    use super::*;
    use crate::{Engine, Verdict};

    /// What the free callback saw, for one buffer handed over.
    struct Freed {
        calls: usize,
        data: *const u8,
        len: usize,
        thread: Option<ThreadId>,
        /// The buffer, freed by the callback as a C host would.
        buffer: Option<Box<[u8]>>,
    }

    impl Freed {
        fn new(buffer: &[u8]) -> Freed {
            Freed {
                calls: 0,
                data: ptr::null(),
                len: 0,
                thread: None,
                buffer: Some(buffer.into()),
            }
        }
        fn ptr(&self) -> *const u8 {
            self.buffer.as_ref().map_or(ptr::null(), |b| b.as_ptr())
        }
    }

    unsafe extern "C" fn record(userdata: *mut c_void, data: *const u8, len: usize) {
        // SAFETY: the tests pass a live `Freed` as user data.
        let f = unsafe { &mut *userdata.cast::<Freed>() };
        f.calls += 1;
        f.data = data;
        f.len = len;
        f.thread = Some(std::thread::current().id());
        f.buffer = None;
    }

    fn engine(limits: impl FnOnce(&mut crate::Limits)) -> xferscan_engine {
        let mut b = Engine::builder();
        b.default_rules(false).rules_source(
            "t.yar",
            "rule Owned_Marker { strings: $a = \"xferscan-owned-marker\" condition: $a }",
        );
        limits(b.limits_mut());
        xferscan_engine {
            engine: b.build().unwrap(),
        }
    }

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// Scans `input` handed over; the callback must have run once, on this
    /// thread, with the buffer's own pointer and length, before the return.
    fn scan_owned(e: &xferscan_engine, name: &str, input: &[u8]) -> (xferscan_result, Report) {
        let mut f = Freed::new(input);
        let (data, len) = (f.ptr(), input.len());
        let name = std::ffi::CString::new(name).unwrap();
        let mut out = ptr::null_mut();
        let rc = unsafe {
            xferscan_engine_scan_bytes_owned(
                e,
                name.as_ptr(),
                data,
                len,
                Some(record),
                (&raw mut f).cast(),
                ptr::null(),
                &mut out,
            )
        };
        assert_eq!(f.calls, 1);
        assert_eq!((f.data, f.len), (data, len));
        assert_eq!(f.thread, Some(std::thread::current().id()));
        assert!(!out.is_null());
        let report = unsafe { Box::from_raw(out) }.report;
        (rc, report)
    }

    #[test]
    fn a_handed_over_buffer_is_scanned_whole_and_freed_once_before_the_return() {
        let e = engine(|_| {});
        let inner = zip(&[("a.txt", b"the xferscan-owned-marker is here")]);
        let outer = zip(&[("notes.txt", b"nothing"), ("docs/inner.zip", &inner)]);
        let (rc, r) = scan_owned(&e, "outer.zip", &outer);
        assert_eq!(rc, xferscan_result::Ok);
        assert_eq!(r.verdict, Verdict::Malicious);
        assert!(r.findings.iter().any(|f| {
            f.path.to_string().ends_with("docs/inner.zip > a.txt")
                && matches!(&f.kind, crate::FindingKind::Signature(m) if m.rule == "Owned_Marker")
        }));

        let (rc, r) = scan_owned(&e, "notes.txt", b"meeting notes");
        assert_eq!(rc, xferscan_result::Ok);
        assert_eq!(r.verdict, Verdict::Clean);
    }

    #[test]
    fn objects_matched_in_windows_or_cut_at_the_stream_limit_free_too() {
        // Past the object size limit the outer object is matched in windows
        // read from a clone of it; past the stream limit it is a slice.
        let e = engine(|l| {
            l.max_object_bytes = 1000;
            l.max_stream_bytes = 6000;
        });
        let mut big = vec![b'a'; 8000];
        big[3000..3021].copy_from_slice(b"xferscan-owned-marker");
        let (rc, r) = scan_owned(&e, "big.txt", &big);
        assert_eq!(rc, xferscan_result::Ok);
        assert!(r.findings.iter().any(
            |f| matches!(&f.kind, crate::FindingKind::Signature(m) if m.rule == "Owned_Marker")
        ));
        assert!(
            r.findings
                .iter()
                .any(|f| f.kind.key().starts_with("limit."))
        );
    }

    #[test]
    fn every_error_frees_too_except_without_a_callback() {
        let e = engine(|_| {});
        let call = |engine: *const xferscan_engine,
                    name: *const c_char,
                    data: Option<*const u8>,
                    len: usize,
                    out: bool| {
            let mut f = Freed::new(b"abc");
            let data = data.unwrap_or(f.ptr());
            let mut report = ptr::null_mut();
            let out = if out {
                &raw mut report
            } else {
                ptr::null_mut()
            };
            let rc = unsafe {
                xferscan_engine_scan_bytes_owned(
                    engine,
                    name,
                    data,
                    len,
                    Some(record),
                    (&raw mut f).cast(),
                    ptr::null(),
                    out,
                )
            };
            assert_eq!(f.calls, 1, "{rc:?}");
            assert_eq!((f.data, f.len), (data, len));
            assert!(report.is_null(), "written on failure");
            rc
        };
        let n = c"a.txt".as_ptr();
        assert_eq!(
            call(ptr::null(), n, None, 3, true),
            xferscan_result::NullParameter
        );
        assert_eq!(
            call(&e, ptr::null(), None, 3, true),
            xferscan_result::NullParameter
        );
        assert_eq!(call(&e, n, None, 3, false), xferscan_result::NullParameter);
        assert_eq!(
            call(&e, n, Some(ptr::null()), 5, true),
            xferscan_result::NullParameter
        );
        assert_eq!(
            call(&e, n, None, usize::MAX, true),
            xferscan_result::InvalidParameter
        );

        // (NULL, 0) is the empty file, and the callback still runs.
        let mut f = Freed::new(b"");
        let mut out = ptr::null_mut();
        let rc = unsafe {
            xferscan_engine_scan_bytes_owned(
                &e,
                n,
                ptr::null(),
                0,
                Some(record),
                (&raw mut f).cast(),
                ptr::null(),
                &mut out,
            )
        };
        assert_eq!(rc, xferscan_result::Ok);
        assert_eq!((f.calls, f.data, f.len), (1, ptr::null(), 0));
        drop(unsafe { Box::from_raw(out) });

        // No callback: refused, nothing scanned.
        let mut out = ptr::null_mut();
        let rc = unsafe {
            xferscan_engine_scan_bytes_owned(
                &e,
                n,
                b"abc".as_ptr(),
                3,
                None,
                ptr::null_mut(),
                ptr::null(),
                &mut out,
            )
        };
        assert_eq!(rc, xferscan_result::NullParameter);
        assert!(out.is_null());
    }

    #[test]
    fn a_panic_caught_at_the_boundary_frees_the_handed_over_buffer() {
        // What the entry point relies on: its Handover, moved into the
        // guarded body, is dropped as the panic unwinds to the guard.
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let mut f = Freed::new(b"abc");
        let freed = AtomicBool::new(false);
        let h = Handover {
            free: record,
            userdata: (&raw mut f).cast(),
            data: f.ptr(),
            len: 3,
            freed: &freed,
        };
        let rc = guard_result(move || {
            let _held = bytes::Bytes::from_owner(Checked(h));
            panic!("bug")
        });
        std::panic::set_hook(prev);
        assert_eq!(rc, xferscan_result::Panic);
        assert!(freed.load(Ordering::Acquire));
        assert_eq!(f.calls, 1);
    }
}
