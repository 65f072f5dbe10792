//! Result codes, their messages, the version, and what a thread or a host
//! releases.

use std::ffi::{c_char, c_uint};

use super::boundary::guard;

/// What a call did. A verdict is never an error: a scan that finds malware
/// returns `XFERSCAN_RESULT_OK` and a report that says so.
///
/// The values are part of the ABI: they are never renumbered, and a code
/// that goes away leaves its number unused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_result {
    /// Success.
    Ok = 0,
    /// A pointer that must not be NULL was NULL, or a buffer was NULL with
    /// a length above zero.
    NullParameter = 1,
    /// A value out of its range: an unknown enum value, an index past the
    /// end, a length too large.
    InvalidParameter = 2,
    /// The library hit a bug and caught it; the handle used may be left as
    /// it was before the call. Please report it.
    Panic = 3,
    /// A string that must be UTF-8 (rule text, TOML, a password) is not.
    NotUtf8 = 4,
    /// A file could not be opened or read.
    Io = 5,
    /// Rules that do not compile, or precompiled rules that cannot be
    /// loaded. The builder's error text says which file, which line, what.
    Rules = 6,
    /// A configuration or policy that does not parse, or names what does
    /// not exist. The builder's error text says where.
    Config = 7,
    /// The stream was already finished: it takes no more pieces.
    StreamFinished = 8,
    /// The stream refused the piece or length (past the declared length,
    /// past 2^64, a length that contradicts what arrived); it goes on.
    StreamRefused = 9,
    /// The stream's temporary storage failed (a full disk); it cannot go on.
    StreamFailed = 10,
}

impl xferscan_result {
    fn message(self) -> &'static str {
        match self {
            xferscan_result::Ok => "ok\0",
            xferscan_result::NullParameter => "a required pointer was NULL\0",
            xferscan_result::InvalidParameter => "a parameter is out of its range\0",
            xferscan_result::Panic => "xferscan caught an internal error (a bug)\0",
            xferscan_result::NotUtf8 => "a string that must be UTF-8 is not\0",
            xferscan_result::Io => "a file could not be opened or read\0",
            xferscan_result::Rules => "rules do not compile or cannot be loaded\0",
            xferscan_result::Config => "a configuration or policy does not parse\0",
            xferscan_result::StreamFinished => "the stream has finished and takes no more\0",
            xferscan_result::StreamRefused => "the stream refused the piece or length\0",
            xferscan_result::StreamFailed => "the stream's temporary storage failed\0",
        }
    }

    fn from_code(code: c_uint) -> Option<Self> {
        use xferscan_result::*;
        [
            Ok,
            NullParameter,
            InvalidParameter,
            Panic,
            NotUtf8,
            Io,
            Rules,
            Config,
            StreamFinished,
            StreamRefused,
            StreamFailed,
        ]
        .into_iter()
        .find(|r| *r as c_uint == code)
    }
}

/// A result code as text: a static, NUL-terminated string in English, never
/// to be freed. A value that is not a result code gives
/// "unknown result code".
#[unsafe(no_mangle)]
pub extern "C" fn xferscan_result_message(result: c_uint) -> *const c_char {
    guard(|| {
        xferscan_result::from_code(result)
            .map(xferscan_result::message)
            .unwrap_or("unknown result code\0")
            .as_ptr()
            .cast()
    })
}

/// The library's version, such as "0.1.0": a static string, never to be
/// freed.
#[unsafe(no_mangle)]
pub extern "C" fn xferscan_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Drops the scanners the calling thread keeps for the rules it has
/// scanned with, and with them its hold on those rules. Call it from a
/// worker thread that goes idle after an engine swap, or before a thread
/// ends; the next scan on the thread makes a scanner again. Safe to call at
/// any time, from any thread, any number of times.
#[unsafe(no_mangle)]
pub extern "C" fn xferscan_thread_release() {
    guard(crate::release_thread_scanners)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_message_and_round_trips() {
        for code in 0..=10 {
            let r = xferscan_result::from_code(code).unwrap();
            assert_eq!(r as c_uint, code);
            assert!(r.message().ends_with('\0'));
        }
        assert!(xferscan_result::from_code(11).is_none());
    }
}
