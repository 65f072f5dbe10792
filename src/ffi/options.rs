//! Per-scan options (candidate passwords, first-hit mode, a cancel handle,
//! a finding callback) and the cancel handle itself.

use std::ffi::{c_char, c_int, c_void};

use super::boundary::{guard, guard_result, handle, handle_mut, non_null, to_c, utf8, write_out};
use super::report::{xferscan_action, xferscan_verdict};
use super::result::xferscan_result;
use crate::{CancelToken, Finding, FindingKind, Flow, ScanOptions, Sink, Verdict};

/// Cancels scans from another thread: the transfer was aborted. Every scan
/// whose options hold this handle stops at its next check (between objects,
/// and between steps of every decoder), and its report says it is
/// incomplete, with a `limit.cancelled` finding: never a silent clean.
///
/// Thread safety: `xferscan_cancel_cancel` may be called from any thread
/// at any time while scans use the handle.
pub struct xferscan_cancel {
    token: CancelToken,
}

/// A callback that sees each finding as the scan makes it, in the order of
/// the report. `key` (the finding key, such as "signature"), `path` (where
/// the object sits, "mail.zip > a.exe") and `rule` (the rule's identifier
/// for a signature, NULL otherwise) are valid only during the call;
/// `verdict` is the verdict so far, which only rises.
///
/// Return XFERSCAN_FLOW_CONTINUE (0) to go on. Any other value stops the scan:
/// its report then says it is incomplete, stopped by the callback.
///
/// It is called on the thread that scans. It must not unwind (no C++
/// exception, no longjmp out of it) and must not call back into the scan
/// that called it.
pub type xferscan_finding_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        key: *const c_char,
        action: xferscan_action,
        path: *const c_char,
        rule: *const c_char,
        verdict: xferscan_verdict,
    ) -> c_int,
>;

/// What a finding callback returns (as an int).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_flow {
    /// Go on scanning.
    Continue = 0,
    /// Stop the scan (any value other than XFERSCAN_FLOW_CONTINUE does).
    Stop = 1,
}

/// The options of one scan or stream: candidate passwords, first-hit mode,
/// a cancel handle, a finding callback.
///
/// Thread safety: not safe for concurrent mutation. Once set up, one
/// options handle may be passed to scans on many threads at once, as long
/// as nothing changes it meanwhile and its callback, if any, is itself safe
/// to call from those threads.
pub struct xferscan_scan_options {
    pub(crate) opts: ScanOptions,
    pub(crate) callback: Option<Callback>,
}

/// A C callback with its user data.
#[derive(Clone, Copy)]
pub(crate) struct Callback {
    func: unsafe extern "C" fn(
        *mut c_void,
        *const c_char,
        xferscan_action,
        *const c_char,
        *const c_char,
        xferscan_verdict,
    ) -> c_int,
    userdata: *mut c_void,
}

/// The sink that calls the C callback.
pub(crate) struct CallbackSink(pub(crate) Callback);

impl Sink for CallbackSink {
    fn finding(&mut self, finding: &Finding, verdict: Verdict) -> Flow {
        let key = super::boundary::c_string(finding.kind.key());
        let path = super::boundary::c_string(&finding.path.to_string());
        let rule = match &finding.kind {
            FindingKind::Signature(m) => Some(super::boundary::c_string(&m.rule)),
            _ => None,
        };
        // SAFETY: the host promised (xferscan_scan_options_set_finding_callback)
        // that the function and its user data are valid for the scan; the
        // strings live until the call returns.
        let answer = unsafe {
            (self.0.func)(
                self.0.userdata,
                key.as_ptr(),
                finding.action.into(),
                path.as_ptr(),
                rule.as_ref().map_or(std::ptr::null(), |r| r.as_ptr()),
                verdict.into(),
            )
        };
        if answer == xferscan_flow::Continue as c_int {
            Flow::Continue
        } else {
            Flow::Stop
        }
    }
}

/// Makes a cancel handle, not cancelled.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_cancel_new(out: *mut *mut xferscan_cancel) -> xferscan_result {
    guard_result(|| {
        non_null(out)?;
        let h = to_c(xferscan_cancel {
            token: CancelToken::new(),
        });
        // SAFETY: checked above.
        unsafe { write_out(out, h) };
        Ok(())
    })
}

/// Cancels every scan whose options hold this handle, now and later. Safe
/// from any thread, any number of times; NULL is ignored.
///
/// # Safety
///
/// `cancel` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_cancel_cancel(cancel: *const xferscan_cancel) {
    guard(|| {
        // SAFETY: the caller promises NULL or live.
        if let Ok(c) = unsafe { handle(cancel) } {
            c.token.cancel();
        }
    })
}

/// Frees a cancel handle. Scans and options that took it keep their own
/// reference, so it may be freed while they run. NULL is fine; freeing a
/// handle twice is undefined behaviour.
///
/// # Safety
///
/// `cancel` is NULL or a live handle, not used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_cancel_free(cancel: *mut xferscan_cancel) {
    // SAFETY: forwarded.
    guard(|| unsafe { super::boundary::free(cancel) })
}

/// Makes options with nothing set.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_scan_options_new(
    out: *mut *mut xferscan_scan_options,
) -> xferscan_result {
    guard_result(|| {
        non_null(out)?;
        let h = to_c(xferscan_scan_options {
            opts: ScanOptions::new(),
            callback: None,
        });
        // SAFETY: checked above.
        unsafe { write_out(out, h) };
        Ok(())
    })
}

/// Frees options. Scans that took them have copied what they need. NULL is
/// fine; freeing twice is undefined behaviour.
///
/// # Safety
///
/// `opts` is NULL or a live handle, not used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_scan_options_free(opts: *mut xferscan_scan_options) {
    // SAFETY: forwarded.
    guard(|| unsafe { super::boundary::free(opts) })
}

/// Adds a candidate password (UTF-8, NUL-terminated) for this scan's
/// encrypted entries, such as one written in the chat message that carried
/// the file; tried before the engine's own list.
///
/// # Safety
///
/// `opts` is NULL or a live handle; `password` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_scan_options_add_password(
    opts: *mut xferscan_scan_options,
    password: *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: the caller promises NULL or live / NUL-terminated.
        let o = unsafe { handle_mut(opts) }?;
        let p = unsafe { utf8(password) }?;
        o.opts = std::mem::take(&mut o.opts).password(p);
        Ok(())
    })
}

/// Gives the text (UTF-8, NUL-terminated) of the message that carried the
/// file, such as the chat message or the mail's body: the passwords it
/// names ("pw: 4471", "the password is 4471") are tried on this scan's
/// encrypted entries, after those added by
/// xferscan_scan_options_add_password and before the engine's own list.
/// A text that names none changes nothing.
///
/// # Safety
///
/// `opts` is NULL or a live handle; `text` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_scan_options_add_message_text(
    opts: *mut xferscan_scan_options,
    text: *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: the caller promises NULL or live / NUL-terminated.
        let o = unsafe { handle_mut(opts) }?;
        let t = unsafe { utf8(text) }?;
        o.opts = std::mem::take(&mut o.opts).message_text(t);
        Ok(())
    })
}

/// First-hit mode: the scan stops at the first finding that the policy
/// blocks. The verdict is then already malicious, and the report says it
/// is incomplete.
///
/// # Safety
///
/// `opts` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_scan_options_set_first_hit(
    opts: *mut xferscan_scan_options,
    first_hit: bool,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: the caller promises NULL or live.
        let o = unsafe { handle_mut(opts) }?;
        o.opts = std::mem::take(&mut o.opts).first_hit(first_hit);
        Ok(())
    })
}

/// Lets `cancel` stop the scans made with these options, from any thread.
/// The options keep their own reference to it.
///
/// # Safety
///
/// Both are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_scan_options_set_cancel(
    opts: *mut xferscan_scan_options,
    cancel: *const xferscan_cancel,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: the caller promises NULL or live.
        let o = unsafe { handle_mut(opts) }?;
        let c = unsafe { handle(cancel) }?;
        o.opts = std::mem::take(&mut o.opts).cancel(c.token.clone());
        Ok(())
    })
}

/// Sets the callback that sees each finding as it happens and may stop the
/// scan (see xferscan_finding_callback); `userdata` is passed to it as it
/// is. A NULL `callback` removes it.
///
/// # Safety
///
/// `opts` is NULL or a live handle. `callback` and `userdata` stay valid
/// for every scan that uses these options.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_scan_options_set_finding_callback(
    opts: *mut xferscan_scan_options,
    callback: xferscan_finding_callback,
    userdata: *mut c_void,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: the caller promises NULL or live.
        let o = unsafe { handle_mut(opts) }?;
        o.callback = callback.map(|func| Callback { func, userdata });
        Ok(())
    })
}
