//! A scan fed piece by piece, with an early verdict from the first bytes.

use std::ffi::c_char;

use super::boundary::{
    bytes, guard, guard_result, handle, handle_mut, name, non_null, to_c, write_out,
};
use super::engine::xferscan_engine;
use super::options::{Callback, CallbackSink, xferscan_scan_options};
use super::report::{xferscan_report, xferscan_verdict};
use super::result::xferscan_result;
use crate::{CancelToken, ScanStream, StreamError, Verdict};

/// A transfer being scanned as its pieces arrive, in order or in any order,
/// any size, in bounded memory (past a threshold it spills to an unlinked
/// temporary file, which nothing outlives).
///
/// Thread safety: not safe for concurrent use, except
/// xferscan_stream_cancel, which any thread may call while another feeds
/// or finishes the stream. Different streams may be used on different
/// threads at once.
pub struct xferscan_stream {
    stream: Option<ScanStream>,
    cancel: CancelToken,
    callback: Option<Callback>,
    verdict: Verdict,
}

fn stream_error(e: StreamError) -> xferscan_result {
    match e {
        StreamError::Storage(_) | StreamError::Failed => xferscan_result::StreamFailed,
        _ => xferscan_result::StreamRefused,
    }
}

/// Starts a scan of a transfer named `name` (as xferscan_engine_scan_bytes
/// takes it) whose bytes will come in pieces. `opts` may be NULL; its
/// passwords, first-hit mode, cancel handle and callback apply (they are
/// copied: the options may be freed at once). The stream holds its own
/// reference to the engine.
///
/// # Safety
///
/// `engine` and `opts` are NULL or live; `name` is NULL or NUL-terminated;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_new(
    engine: *const xferscan_engine,
    name: *const c_char,
    opts: *const xferscan_scan_options,
    out: *mut *mut xferscan_stream,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let e = unsafe { handle(engine) }?;
        let n = unsafe { self::name(name) }?;
        non_null(out)?;
        // SAFETY: forwarded.
        let (stream, callback) = match unsafe { opts.as_ref() } {
            Some(o) => (e.engine.stream(&n, &o.opts), o.callback),
            None => (e.engine.stream(&n, &crate::ScanOptions::new()), None),
        };
        let verdict = stream.progress().verdict;
        let h = to_c(xferscan_stream {
            cancel: stream.cancel_token(),
            stream: Some(stream),
            callback,
            verdict,
        });
        // SAFETY: checked above.
        unsafe { write_out(out, h) };
        Ok(())
    })
}

/// The stream, or StreamFinished once it has finished.
///
/// # Safety
///
/// `s` is NULL or live and not in use elsewhere.
unsafe fn open<'a>(s: *mut xferscan_stream) -> Result<&'a mut xferscan_stream, xferscan_result> {
    // SAFETY: forwarded.
    let h = unsafe { handle_mut(s) }?;
    if h.stream.is_none() {
        return Err(xferscan_result::StreamFinished);
    }
    Ok(h)
}

/// Declares the transfer's total length, when the transfer says it.
/// Pieces past it are refused; bytes of it that never arrive are a
/// truncation finding. XFERSCAN_RESULT_STREAM_REFUSED when more has
/// already arrived, or another length was declared.
///
/// # Safety
///
/// `stream` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_declare_len(
    stream: *mut xferscan_stream,
    len: u64,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let h = unsafe { open(stream) }?;
        let s = h.stream.as_mut().ok_or(xferscan_result::StreamFinished)?;
        s.declare_len(len).map_err(stream_error)
    })
}

/// Appends `len` bytes after the last byte received so far (copied; the
/// buffer may be reused at once). `(NULL, 0)` is an empty piece. Then
/// xferscan_stream_verdict gives the verdict the first bytes settle.
///
/// # Safety
///
/// `stream` is NULL or live; `data` is NULL or points to `len` readable
/// bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_feed(
    stream: *mut xferscan_stream,
    data: *const u8,
    len: usize,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let h = unsafe { open(stream) }?;
        let d = unsafe { bytes(data, len) }?;
        let s = h.stream.as_mut().ok_or(xferscan_result::StreamFinished)?;
        let at = s.received_to();
        let p = s.feed_at(at, d.to_vec()).map_err(stream_error)?;
        h.verdict = p.verdict;
        Ok(())
    })
}

/// Takes `len` bytes at `offset`, in any order; pieces may overlap or
/// repeat (where a repeat differs, the first version is kept and the report
/// says so). XFERSCAN_RESULT_STREAM_REFUSED for a piece past the declared
/// length or past 2^64 (the stream goes on); XFERSCAN_RESULT_STREAM_FAILED
/// when the temporary file failed (it cannot go on).
///
/// # Safety
///
/// As xferscan_stream_feed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_feed_at(
    stream: *mut xferscan_stream,
    offset: u64,
    data: *const u8,
    len: usize,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let h = unsafe { open(stream) }?;
        let d = unsafe { bytes(data, len) }?;
        let s = h.stream.as_mut().ok_or(xferscan_result::StreamFinished)?;
        let p = s.feed_at(offset, d.to_vec()).map_err(stream_error)?;
        h.verdict = p.verdict;
        Ok(())
    })
}

/// The early verdict: what the name and the bytes from offset 0 received
/// so far already settle (a blocked name, an executable's headers). The
/// full scan's verdict is the same or stronger. NULL gives
/// XFERSCAN_VERDICT_MALICIOUS.
///
/// # Safety
///
/// `stream` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_verdict(
    stream: *const xferscan_stream,
) -> xferscan_verdict {
    // SAFETY: forwarded.
    guard(|| unsafe { handle(stream) }.map_or(xferscan_verdict::Malicious, |h| h.verdict.into()))
}

/// True when the transfer is already blocked (the early verdict is
/// malicious): the gateway can stop receiving it and call
/// xferscan_stream_finish for the full report. True for NULL.
///
/// # Safety
///
/// `stream` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_blocked(stream: *const xferscan_stream) -> bool {
    // SAFETY: forwarded.
    guard(|| unsafe { handle(stream) }.map_or(true, |h| h.verdict == Verdict::Malicious))
}

/// Bytes received so far: one past the last byte (pieces may leave holes).
///
/// # Safety
///
/// `stream` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_received(stream: *const xferscan_stream) -> u64 {
    guard(|| {
        // SAFETY: forwarded.
        unsafe { handle(stream) }
            .ok()
            .and_then(|h| h.stream.as_ref())
            .map_or(0, |s| s.received_to())
    })
}

/// Cancels the stream's scan: the transfer was aborted. Any thread may call
/// it at any time, also while another thread is in xferscan_stream_finish;
/// the scan stops at its next check and its report says it is incomplete
/// (never a silent clean). NULL is ignored.
///
/// # Safety
///
/// `stream` is NULL or live (not being freed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_cancel(stream: *const xferscan_stream) {
    guard(|| {
        // SAFETY: forwarded; only the token (an atomic flag behind an Arc)
        // is touched, which is safe while another thread uses the stream.
        if let Ok(h) = unsafe { handle(stream) } {
            h.cancel.cancel();
        }
    })
}

/// Scans what arrived and gives the full report: the report of
/// xferscan_engine_scan_bytes on the same bytes, with what the stream saw
/// (conflicting repeats, missing bytes). The stream then takes no more
/// pieces (XFERSCAN_RESULT_STREAM_FINISHED) but must still be freed.
///
/// # Safety
///
/// `stream` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_finish(
    stream: *mut xferscan_stream,
    out: *mut *mut xferscan_report,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let h = unsafe { open(stream) }?;
        non_null(out)?;
        let s = h.stream.take().ok_or(xferscan_result::StreamFinished)?;
        let report = match h.callback {
            Some(cb) => s.finish_into(&mut CallbackSink(cb)),
            None => s.finish(),
        }
        .map_err(stream_error)?;
        h.verdict = report.verdict;
        // SAFETY: checked above.
        unsafe { write_out(out, to_c(xferscan_report::new(report))) };
        Ok(())
    })
}

/// Frees a stream, finished or not: an unfinished one is abandoned, and its
/// memory and temporary file go at once. NULL is fine; freeing twice is
/// undefined behaviour.
///
/// # Safety
///
/// `stream` is NULL or live, not used after this call (no other thread in
/// xferscan_stream_cancel).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_stream_free(stream: *mut xferscan_stream) {
    // SAFETY: forwarded.
    guard(|| unsafe { super::boundary::free(stream) })
}
