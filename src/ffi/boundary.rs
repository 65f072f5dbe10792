//! The panic boundary and the pointer helpers every entry point goes
//! through: nothing unwinds into C, and no pointer or length from C is used
//! before it is checked.

use std::borrow::Cow;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use super::result::xferscan_result;

/// What an entry point returns when its body panicked: an error code where
/// it returns one, otherwise the value that fails closed.
pub(crate) trait OnPanic {
    fn on_panic() -> Self;
}

impl OnPanic for xferscan_result {
    fn on_panic() -> Self {
        xferscan_result::Panic
    }
}

impl OnPanic for () {
    fn on_panic() -> Self {}
}

impl OnPanic for bool {
    fn on_panic() -> Self {
        false
    }
}

impl OnPanic for usize {
    fn on_panic() -> Self {
        0
    }
}

impl OnPanic for u64 {
    fn on_panic() -> Self {
        0
    }
}

impl OnPanic for *const c_char {
    fn on_panic() -> Self {
        std::ptr::null()
    }
}

/// Runs an entry point's body; a panic becomes `R::on_panic()`.
pub(crate) fn guard<R: OnPanic>(body: impl FnOnce() -> R) -> R {
    // The bodies hold no state that a panic could leave half-changed and
    // that C could see afterwards, except a handle's own fields, which are
    // replaced whole; so asserting unwind safety is sound here.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| R::on_panic())
}

/// Runs a fallible entry point's body: `Err(code)` and a panic both become
/// the code.
pub(crate) fn guard_result(body: impl FnOnce() -> Result<(), xferscan_result>) -> xferscan_result {
    guard(|| match body() {
        Ok(()) => xferscan_result::Ok,
        Err(code) => code,
    })
}

/// Turns a NULL pointer into `NullParameter`.
pub(crate) fn non_null<T>(p: *const T) -> Result<(), xferscan_result> {
    if p.is_null() {
        Err(xferscan_result::NullParameter)
    } else {
        Ok(())
    }
}

/// A shared borrow of a handle.
///
/// # Safety
///
/// `p` is NULL or points to a live `T`.
pub(crate) unsafe fn handle<'a, T>(p: *const T) -> Result<&'a T, xferscan_result> {
    // SAFETY: the caller promises `p` is NULL or valid.
    unsafe { p.as_ref() }.ok_or(xferscan_result::NullParameter)
}

/// An exclusive borrow of a handle.
///
/// # Safety
///
/// `p` is NULL or points to a live `T` that nothing else uses now.
pub(crate) unsafe fn handle_mut<'a, T>(p: *mut T) -> Result<&'a mut T, xferscan_result> {
    // SAFETY: the caller promises `p` is NULL or valid and not shared.
    unsafe { p.as_mut() }.ok_or(xferscan_result::NullParameter)
}

/// A byte buffer: `(NULL, 0)` is empty, `(NULL, n > 0)` is an error.
///
/// # Safety
///
/// A non-NULL `p` points to `len` readable bytes.
pub(crate) unsafe fn bytes<'a>(p: *const u8, len: usize) -> Result<&'a [u8], xferscan_result> {
    if p.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(xferscan_result::NullParameter)
        };
    }
    if len > isize::MAX as usize {
        return Err(xferscan_result::InvalidParameter);
    }
    // SAFETY: checked non-NULL and within isize; the caller promises the
    // bytes are readable.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A NUL-terminated string, as bytes.
///
/// # Safety
///
/// A non-NULL `p` points to a NUL-terminated string.
pub(crate) unsafe fn c_bytes<'a>(p: *const c_char) -> Result<&'a [u8], xferscan_result> {
    non_null(p)?;
    // SAFETY: checked non-NULL; the caller promises the terminator.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A NUL-terminated string that must be UTF-8 (rule text, TOML, passwords).
///
/// # Safety
///
/// As [`c_bytes`].
pub(crate) unsafe fn utf8<'a>(p: *const c_char) -> Result<&'a str, xferscan_result> {
    // SAFETY: forwarded.
    let b = unsafe { c_bytes(p) }?;
    std::str::from_utf8(b).map_err(|_| xferscan_result::NotUtf8)
}

/// A name a file was sent with: bytes that are not UTF-8 are replaced with
/// U+FFFD (the name checks then see the replacement, never the raw bytes).
///
/// # Safety
///
/// As [`c_bytes`].
pub(crate) unsafe fn name<'a>(p: *const c_char) -> Result<Cow<'a, str>, xferscan_result> {
    // SAFETY: forwarded.
    Ok(String::from_utf8_lossy(unsafe { c_bytes(p) }?))
}

/// A path on this machine, byte for byte where the OS allows it.
///
/// # Safety
///
/// As [`c_bytes`].
pub(crate) unsafe fn path(p: *const c_char) -> Result<PathBuf, xferscan_result> {
    // SAFETY: forwarded.
    let b = unsafe { c_bytes(p) }?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(b)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(b)
            .map(PathBuf::from)
            .map_err(|_| xferscan_result::NotUtf8)
    }
}

/// Writes an out-param: called only once the function has succeeded.
///
/// # Safety
///
/// `out` was checked non-NULL and is writable.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: the caller checked `out` and promises it is writable.
    unsafe { out.write(value) }
}

/// Moves a value to the heap for C.
pub(crate) fn to_c<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees what [`to_c`] made; NULL is fine.
///
/// # Safety
///
/// `p` is NULL or came from [`to_c`] and was not freed.
pub(crate) unsafe fn free<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: the caller promises it came from Box::into_raw.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Text for C: a NUL inside (which C cannot see past) is written `\0`.
pub(crate) fn c_string(s: &str) -> std::ffi::CString {
    let text = if s.contains('\0') {
        Cow::Owned(s.replace('\0', "\\0"))
    } else {
        Cow::Borrowed(s)
    };
    // No NUL remains, so this cannot fail; an empty string if it did.
    std::ffi::CString::new(text.as_bytes()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code_or_the_fail_closed_value() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(guard_result(|| panic!("bug")), xferscan_result::Panic);
        assert!(guard(|| -> *const c_char { panic!("bug") }).is_null());
        assert!(!guard(|| -> bool { panic!("bug") }));
        std::panic::set_hook(prev);
    }

    #[test]
    fn buffers_and_strings_are_checked() {
        unsafe {
            assert_eq!(bytes(std::ptr::null(), 0), Ok(&[][..]));
            assert_eq!(
                bytes(std::ptr::null(), 3),
                Err(xferscan_result::NullParameter)
            );
            let x = [1u8, 2];
            assert_eq!(
                bytes(x.as_ptr(), usize::MAX),
                Err(xferscan_result::InvalidParameter)
            );
            assert_eq!(utf8(c"\xff".as_ptr()), Err(xferscan_result::NotUtf8));
            assert_eq!(name(c"a\xffb".as_ptr()).unwrap(), "a\u{fffd}b");
            assert_eq!(
                c_bytes(std::ptr::null()),
                Err(xferscan_result::NullParameter)
            );
        }
        assert_eq!(c_string("a\0b").to_str().unwrap(), "a\\0b");
    }
}
