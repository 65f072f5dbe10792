//! Scanning a buffer, a file path and a file descriptor.

use std::ffi::c_char;

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
/// The bytes are copied once (C cannot hand over a buffer the library
/// could free), so the caller may reuse its buffer as soon as the call
/// returns. Safe to call from many threads at once with one engine.
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
