//! The official unrar library (C++, through `unrar_sys`), for what our
//! own RAR reader cannot do: decode compressed entries (every RAR method,
//! solid or not) and decrypt with a candidate password.
//!
//! - Nothing unpacked is written anywhere: every entry is processed in
//!   unrar's test mode, and its bytes come to a callback that appends them
//!   to a buffer of [`Budget::fill`] (the budget's cap: past it the callback
//!   cancels the entry; the scan's clock is checked at every call).
//! - unrar opens archives by path only. The *input* archive (the sender's
//!   bytes, never what it holds) is written to an unlinked temporary file,
//!   opened through `/proc/self/fd/N` on Linux (a named temporary file,
//!   removed on drop, elsewhere).
//! - It never looks for other volumes: the volume callback always refuses.
//! - Its dictionary is allocated at the size an entry declares: callers
//!   refuse archives that declare more than [`MAX_DICTIONARY`] (our reader
//!   reads every header first), and unrar's own question about
//!   dictionaries over 4 GiB is always answered no.

use std::ffi::{CString, c_int};
use std::io::Write;

use unrar_sys as native;

use crate::budget::{Budget, Drained, Stop, Watch};
use crate::limits::LimitKind;

/// The largest dictionary handed to unrar. RAR 5 defaults to 32 MiB
/// (WinRAR 7's largest choice for everyday use is 1 GiB, rarely made);
/// RAR 4's is at most 4 MiB.
pub(crate) const MAX_DICTIONARY: u64 = 256 << 20;

/// One header unrar read, and what came of processing it.
#[derive(Debug)]
pub(crate) struct Seen {
    pub name: String,
    pub dir: bool,
    pub encrypted: bool,
    pub split_before: bool,
    pub packed: u64,
    /// The bytes, when the entry was asked for; `None` when skipped.
    pub drained: Option<Drained>,
    /// The password was wrong or missing (unrar's word for it).
    pub bad_password: bool,
}

/// What one pass over the archive gave.
#[derive(Debug, Default)]
pub(crate) struct Pass {
    pub seen: Vec<Seen>,
    /// unrar read the archive to its end record.
    pub ended: bool,
    /// Why it stopped before its end: its error, or a limit of ours.
    pub error: Option<String>,
    pub limit: Option<LimitKind>,
}

/// What the callback works with: set by the pass, read by unrar's thread
/// (the caller's: unrar calls back before `RARProcessFile` returns).
struct State {
    /// The buffer of the entry being processed, and its cap; null between
    /// entries (what comes then is dropped).
    out: *mut Vec<u8>,
    cap: u64,
    over: bool,
    watch: *const Watch,
    stopped: Option<LimitKind>,
    password: Vec<native::WCHAR>,
    password_asked: bool,
}

extern "C" fn callback(
    msg: native::UINT,
    user: native::LPARAM,
    p1: native::LPARAM,
    p2: native::LPARAM,
) -> c_int {
    if user == 0 {
        return -1;
    }
    // SAFETY: `user` is the address of the pass's `State`, which outlives
    // the archive handle; unrar calls back on the caller's thread while
    // the pass holds no other reference to it.
    let st = unsafe { &mut *(user as *mut State) };
    match msg {
        native::UCM_PROCESSDATA => {
            if !st.watch.is_null() {
                // SAFETY: set from a live `&Watch` for the call's duration.
                if let Err(l) = unsafe { &*st.watch }.check() {
                    st.stopped = Some(l);
                    return -1;
                }
            }
            if st.out.is_null() {
                return 0;
            }
            let Ok(len) = usize::try_from(p2) else {
                return -1;
            };
            if p1 == 0 || len == 0 {
                return 0;
            }
            // SAFETY: unrar hands a buffer of `len` bytes for this call.
            let data = unsafe { std::slice::from_raw_parts(p1 as *const u8, len) };
            // SAFETY: set from the live `&mut Vec` of `Budget::fill` for
            // the duration of `RARProcessFile`.
            let out = unsafe { &mut *st.out };
            let room = usize::try_from(st.cap.saturating_sub(out.len() as u64)).unwrap_or(0);
            if data.len() > room {
                out.extend_from_slice(&data[..room]);
                st.over = true;
                return -1;
            }
            out.extend_from_slice(data);
            0
        }
        native::UCM_NEEDPASSWORDW => {
            st.password_asked = true;
            let Ok(size) = usize::try_from(p2) else {
                return -1;
            };
            if st.password.is_empty() || p1 == 0 || size == 0 {
                return -1;
            }
            let n = st.password.len().min(size - 1);
            // SAFETY: unrar hands a buffer of `size` wide characters.
            let buf = unsafe { std::slice::from_raw_parts_mut(p1 as *mut native::WCHAR, size) };
            buf[..n].copy_from_slice(&st.password[..n]);
            buf[n] = 0;
            1
        }
        // Other volumes are never looked for, the 8-bit password question
        // is not answered (the wide one is), and dictionaries over 4 GiB
        // are refused (UCM_LARGEDICT answers 1 to allow).
        _ => -1,
    }
}

/// The input written where unrar can open it by name.
struct Input {
    _file: Box<dyn std::any::Any>,
    path: CString,
}

fn input(data: &[u8]) -> std::io::Result<Input> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let mut f = tempfile::tempfile()?;
        f.write_all(data)?;
        let path = CString::new(format!("/proc/self/fd/{}", f.as_raw_fd()))
            .map_err(std::io::Error::other)?;
        Ok(Input {
            _file: Box::new(f),
            path,
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut f = tempfile::NamedTempFile::new()?;
        f.write_all(data)?;
        let path =
            CString::new(f.path().to_string_lossy().into_owned()).map_err(std::io::Error::other)?;
        Ok(Input {
            _file: Box::new(f),
            path,
        })
    }
}

/// A wide string up to its NUL.
fn wide(w: &[native::WCHAR]) -> String {
    w.iter()
        .take_while(|&&c| c != 0)
        .map(|&c| char::from_u32(c as u32).unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Closes the archive handle however the pass ends.
struct Handle(*const native::Handle);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: a handle that RAROpenArchiveEx returned, closed once.
        unsafe {
            native::RARCloseArchive(self.0);
        }
    }
}

/// One pass over `data` with `password`: every header is read, and the
/// entries `want` names (by their position among unrar's headers and their
/// name) are decoded through the budget. At most `max_headers` headers.
pub(crate) fn pass(
    data: &[u8],
    password: Option<&str>,
    max_headers: usize,
    want: &mut dyn FnMut(usize, &Seen) -> bool,
    budget: &mut Budget,
) -> Pass {
    let mut result = Pass::default();
    let file = match input(data) {
        Ok(f) => f,
        Err(e) => {
            result.error = Some(format!("the archive could not be handed to unrar: {e}"));
            return result;
        }
    };
    let mut state = Box::new(State {
        out: std::ptr::null_mut(),
        cap: 0,
        over: false,
        watch: std::ptr::null(),
        stopped: None,
        password: password
            .map(|p| p.chars().map(|c| c as u32 as native::WCHAR).collect())
            .unwrap_or_default(),
        password_asked: false,
    });
    // Every access from here on goes through this raw pointer, the one
    // unrar holds too: no reference to the state is alive across a call
    // into unrar (stores through one could be assumed unobserved).
    let sp: *mut State = &mut *state;
    let user = sp as native::LPARAM;
    let mut open = native::OpenArchiveDataEx {
        archive_name: file.path.as_ptr(),
        archive_name_w: std::ptr::null(),
        open_mode: native::RAR_OM_EXTRACT,
        open_result: 0,
        comment_buffer: std::ptr::null_mut(),
        comment_buffer_size: 0,
        comment_size: 0,
        comment_state: 0,
        flags: 0,
        callback: Some(callback),
        user_data: user,
        op_flags: 0,
        comment_buffer_w: std::ptr::null_mut(),
        reserved: [0; 25],
    };
    // SAFETY: `open` is a valid, fully initialised structure whose pointers
    // (the path, the state) outlive the handle.
    // (unrar_sys declares the pointer const; unrar writes the result into
    // it, so it is made from a mutable borrow.)
    let raw = unsafe { native::RAROpenArchiveEx((&raw mut open).cast_const()) };
    if raw.is_null() || open.open_result != 0 {
        if !raw.is_null() {
            drop(Handle(raw));
        }
        result.error = Some(format!(
            "unrar could not open it (code {})",
            open.open_result
        ));
        return result;
    }
    let handle = Handle(raw);
    // SAFETY: the handle is open; the state outlives it.
    unsafe { native::RARSetCallback(handle.0, Some(callback), user) };
    let mut header = Box::new(native::HeaderDataEx::default());
    for index in 0..max_headers {
        if let Err(l) = budget.check_time() {
            result.limit = Some(l);
            return result;
        }
        // SAFETY: a valid handle and header structure.
        // (Declared const by unrar_sys, written by unrar: made from a mutable
        // borrow.)
        let rc = unsafe { native::RARReadHeaderEx(handle.0, (&raw mut *header).cast_const()) };
        match rc {
            native::ERAR_SUCCESS => {}
            native::ERAR_END_ARCHIVE => {
                result.ended = true;
                return result;
            }
            native::ERAR_BAD_PASSWORD | native::ERAR_MISSING_PASSWORD => {
                result.error = Some("the headers need a password".into());
                return result;
            }
            code => {
                result.error = Some(format!("unrar stopped reading headers (code {code})"));
                return result;
            }
        }
        let flags = header.flags;
        let mut seen = Seen {
            name: wide(&header.filename_w),
            dir: flags & native::RHDF_DIRECTORY != 0,
            encrypted: flags & native::RHDF_ENCRYPTED != 0,
            split_before: flags & native::RHDF_SPLITBEFORE != 0,
            packed: (header.pack_size as u64) | ((header.pack_size_high as u64) << 32),
            drained: None,
            bad_password: false,
        };
        let wanted = !seen.dir && want(index, &seen);
        let mut code = 0;
        if wanted {
            let d = budget.fill(seen.packed.max(1), |out, cap, watch| {
                // SAFETY: `sp` is the live boxed state (see above); the
                // pointers stored are live until RARProcessFile returns,
                // and cleared right after.
                unsafe {
                    (*sp).out = out;
                    (*sp).cap = cap;
                    (*sp).over = false;
                    (*sp).stopped = None;
                    (*sp).watch = watch;
                    code = native::RARProcessFile(
                        handle.0,
                        native::RAR_TEST,
                        std::ptr::null(),
                        std::ptr::null(),
                    );
                    (*sp).out = std::ptr::null_mut();
                    (*sp).watch = std::ptr::null();
                }
                // SAFETY: as above; unrar has returned.
                let (stopped, over) = unsafe { ((*sp).stopped, (*sp).over) };
                if let Some(l) = stopped {
                    return Err(Stop::Limit(l));
                }
                if over {
                    return Ok(true);
                }
                match code {
                    native::ERAR_SUCCESS => Ok(false),
                    native::ERAR_BAD_DATA => Err(Stop::Io(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "unrar: corrupt data or a checksum mismatch",
                    ))),
                    c => Err(Stop::Io(std::io::Error::other(format!(
                        "unrar could not decode it (code {c})"
                    )))),
                }
            });
            seen.bad_password = matches!(
                code,
                native::ERAR_BAD_PASSWORD | native::ERAR_MISSING_PASSWORD
            ) || (seen.encrypted && code == native::ERAR_BAD_DATA);
            let stop = d.limit;
            seen.drained = Some(d);
            result.seen.push(seen);
            match stop {
                // The scan's limits: nothing more can be read.
                Some(l @ (LimitKind::TotalSize | LimitKind::Time | LimitKind::Cancelled)) => {
                    result.limit = Some(l);
                    return result;
                }
                // An entry cancelled at its cap leaves unrar's decoder
                // mid-stream: in a solid archive what follows cannot be
                // decoded.
                Some(_)
                    if flags & native::RHDF_SOLID != 0 || open.flags & native::ROADF_SOLID != 0 =>
                {
                    result.error = Some(
                        "a solid archive: the entries after a cut one were not decoded".into(),
                    );
                    return result;
                }
                _ => {}
            }
        } else {
            // Skipped through `fill` too, for its watch: in a solid archive
            // unrar decodes what it skips (the callback drops the bytes).
            let _nothing = budget.fill(0, |_, _, watch| {
                // SAFETY: as above.
                unsafe {
                    (*sp).out = std::ptr::null_mut();
                    (*sp).stopped = None;
                    (*sp).watch = watch;
                    code = native::RARProcessFile(
                        handle.0,
                        native::RAR_SKIP,
                        std::ptr::null(),
                        std::ptr::null(),
                    );
                    (*sp).watch = std::ptr::null();
                }
                Ok(false)
            });
            result.seen.push(seen);
            // SAFETY: as above; unrar has returned.
            if let Some(l) = unsafe { (*sp).stopped } {
                result.limit = Some(l);
                return result;
            }
        }
        if code != native::ERAR_SUCCESS && !wanted {
            result.error = Some(format!(
                "unrar stopped at {:?} (code {code})",
                result.seen.last().map(|s| s.name.as_str()).unwrap_or("")
            ));
            return result;
        }
    }
    result.limit = Some(LimitKind::Objects);
    result
}
