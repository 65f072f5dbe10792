//! The engine builder, the engine, and the shared engine a host swaps on
//! reload.

use std::ffi::{CString, c_char, c_uint};
use std::time::Duration;

use super::boundary::{
    c_string, guard, guard_result, handle, handle_mut, name, non_null, path, to_c, utf8, write_out,
};
use super::result::xferscan_result;
use crate::{Engine, EngineBuilder, Error, ObjectHashes, Policy, SharedEngine};

/// Sets up an engine: rules, configuration, limits, policy, passwords.
/// Calls that fail leave the builder as it was, and keep their error text
/// for xferscan_engine_builder_error.
///
/// Thread safety: not safe for concurrent use; use it from one thread at a
/// time.
pub struct xferscan_engine_builder {
    builder: EngineBuilder,
    error: Option<CString>,
}

/// The scanning engine: compiled rules, limits, policy. Build it once and
/// scan with it from any number of threads at once: every scan function
/// takes it as const, and it is never changed after it is built.
///
/// Freeing it while scans, streams or shared engines still use it is fine:
/// they hold their own reference, and the engine (with its compiled rules)
/// goes when the last of them does.
pub struct xferscan_engine {
    pub(crate) engine: Engine,
}

/// The engine of the moment for a long-running host: scans take the
/// current engine with xferscan_shared_engine_get, and a rule or policy
/// reload swaps in a new one with xferscan_shared_engine_swap while scans
/// in flight finish on the engine they took. The old engine is freed when
/// its last scan ends.
///
/// Thread safety: get and swap may be called from any number of threads at
/// once.
pub struct xferscan_shared_engine {
    shared: SharedEngine,
}

/// Which limit xferscan_engine_builder_set_limit sets. Values are part of
/// the ABI and never renumbered.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_limit {
    /// How deep containers may nest; the outer file is depth 0 (17).
    MaxDepth = 0,
    /// Objects one scan may look at, the outer file included (10000).
    MaxObjects = 1,
    /// The largest object scanned, in bytes (100 MiB).
    MaxObjectBytes = 2,
    /// Bytes unpacking may produce in one scan (400 MiB).
    MaxTotalBytes = 3,
    /// The largest ratio of produced to compressed bytes for one entry
    /// (1000).
    MaxRatio = 4,
    /// The wall time of one scan, in milliseconds (120000).
    MaxTimeMs = 5,
    /// The largest outer object taken from a stream, a reader or a file
    /// (64 GiB).
    MaxStreamBytes = 6,
    /// How much of a stream is held in memory before it spills to an
    /// unlinked temporary file (8 MiB).
    StreamMemoryBytes = 7,
}

/// Which objects a report gives the SHA-256 of
/// (xferscan_engine_builder_set_object_hashes).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_object_hashes {
    /// None.
    None = 0,
    /// The objects a finding of their own flags or blocks, and the outer
    /// file when the verdict is not clean (the default).
    Flagged = 1,
    /// Every object.
    Every = 2,
}

/// The code of a set-up error.
fn code(e: &Error) -> xferscan_result {
    match e {
        Error::Io { .. } | Error::Read { .. } => xferscan_result::Io,
        Error::RuleCompile { .. } | Error::CompiledRules { .. } => xferscan_result::Rules,
        _ => xferscan_result::Config,
    }
}

impl xferscan_engine_builder {
    /// Runs a fallible step, keeping its error text.
    fn step(
        &mut self,
        f: impl FnOnce(&mut EngineBuilder) -> Result<(), Error>,
    ) -> Result<(), xferscan_result> {
        // A failed step leaves the builder as it was.
        let mut next = self.builder.clone();
        match f(&mut next) {
            Ok(()) => {
                self.builder = next;
                self.error = None;
                Ok(())
            }
            Err(e) => {
                self.error = Some(c_string(&e.to_string()));
                Err(code(&e))
            }
        }
    }
}

/// Makes a builder with the built-in rules, the default limits, the
/// built-in policy and the default passwords.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_new(
    out: *mut *mut xferscan_engine_builder,
) -> xferscan_result {
    guard_result(|| {
        non_null(out)?;
        let b = to_c(xferscan_engine_builder {
            builder: Engine::builder(),
            error: None,
        });
        // SAFETY: checked above.
        unsafe { write_out(out, b) };
        Ok(())
    })
}

/// Frees a builder. Engines built from it are not affected. NULL is fine;
/// freeing twice is undefined behaviour.
///
/// # Safety
///
/// `builder` is NULL or a live builder, not used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_free(builder: *mut xferscan_engine_builder) {
    // SAFETY: forwarded.
    guard(|| unsafe { super::boundary::free(builder) })
}

/// The text of the builder's last error: which file, which line, what (a
/// rule that does not compile, a TOML key that does not exist). NULL when
/// its last fallible call succeeded. Borrowed from the builder until its
/// next call or its free.
///
/// # Safety
///
/// `builder` is NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_error(
    builder: *const xferscan_engine_builder,
) -> *const c_char {
    guard(|| {
        // SAFETY: forwarded.
        unsafe { handle(builder) }
            .ok()
            .and_then(|b| b.error.as_ref())
            .map_or(std::ptr::null(), |e| e.as_ptr())
    })
}

/// Whether the built-in rule pack is compiled in (it is by default).
///
/// # Safety
///
/// `builder` is NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_set_builtin_rules(
    builder: *mut xferscan_engine_builder,
    yes: bool,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        unsafe { handle_mut(builder) }?.builder.default_rules(yes);
        Ok(())
    })
}

/// Adds YARA rules from source text (UTF-8, NUL-terminated). `origin`
/// names them in errors and gives them their namespace (its file stem).
/// They are compiled by xferscan_engine_builder_build.
///
/// # Safety
///
/// `builder` is NULL or a live builder; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_add_rules_source(
    builder: *mut xferscan_engine_builder,
    origin: *const c_char,
    source: *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let origin = unsafe { name(origin) }?;
        let source = unsafe { utf8(source) }?;
        b.builder.rules_source(&origin, source);
        Ok(())
    })
}

/// Adds rules from a file, from every .yar/.yara file below a folder, or
/// from a file of precompiled rules (`xferscan rules compile`); read by
/// xferscan_engine_builder_build. A precompiled file that is truncated or
/// not one fails there with XFERSCAN_RESULT_RULES. Only load precompiled
/// rules that you made: yara-x does not defend against a file altered on
/// purpose.
///
/// # Safety
///
/// `builder` is NULL or a live builder; `path` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_add_rules_path(
    builder: *mut xferscan_engine_builder,
    path: *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let p = unsafe { self::path(path) }?;
        b.builder.rules_path(p);
        Ok(())
    })
}

/// Uses the compiled rules of `engine` instead of compiling any: engines
/// that differ only in policy or limits share one compiled set, and a
/// policy reload recompiles nothing. The rule settings above are then
/// ignored.
///
/// # Safety
///
/// Both are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_use_rules_of(
    builder: *mut xferscan_engine_builder,
    engine: *const xferscan_engine,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let e = unsafe { handle(engine) }?;
        b.builder.rules(e.engine.rules().clone());
        Ok(())
    })
}

/// Applies a configuration in TOML (UTF-8, NUL-terminated; the layout of
/// xferscan.example.toml): rules, limits, policy, passwords, hashes.
/// `origin` names it in errors. XFERSCAN_RESULT_CONFIG when it does not
/// parse, with the line and column in xferscan_engine_builder_error.
///
/// # Safety
///
/// `builder` is NULL or a live builder; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_config_toml(
    builder: *mut xferscan_engine_builder,
    toml: *const c_char,
    origin: *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let text = unsafe { utf8(toml) }?;
        let origin = unsafe { name(origin) }?;
        b.step(|eb| eb.config_toml(text, &origin).map(|_| ()))
    })
}

/// Reads a configuration file and applies it; relative paths in it are
/// read from its folder.
///
/// # Safety
///
/// `builder` is NULL or a live builder; `path` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_config_path(
    builder: *mut xferscan_engine_builder,
    path: *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let p = unsafe { self::path(path) }?;
        b.step(|eb| eb.config_path(&p).map(|_| ()))
    })
}

/// Sets the delivery policy from a policy in TOML (UTF-8, NUL-terminated;
/// `base`, `[types]`, `[findings]`, `[signatures]`). `base = "p2p"` alone
/// picks the built-in P2P profile (disk images, installers and archives
/// judged by what they hold, executables flagged); `"chat"` is the default.
/// XFERSCAN_RESULT_CONFIG when it does not parse, with the line in
/// xferscan_engine_builder_error.
///
/// # Safety
///
/// `builder` is NULL or a live builder; the strings are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_policy_toml(
    builder: *mut xferscan_engine_builder,
    toml: *const c_char,
    origin: *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let text = unsafe { utf8(toml) }?;
        let origin = unsafe { name(origin) }?;
        b.step(|eb| {
            eb.policy(Policy::from_toml(text, &origin)?);
            Ok(())
        })
    })
}

/// Sets one limit (an xferscan_limit value). XFERSCAN_RESULT_INVALID_PARAMETER
/// for an unknown limit, or a value that does not fit it.
///
/// # Safety
///
/// `builder` is NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_set_limit(
    builder: *mut xferscan_engine_builder,
    limit: c_uint,
    value: u64,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let l = b.builder.limits_mut();
        const DEPTH: c_uint = xferscan_limit::MaxDepth as c_uint;
        const OBJECTS: c_uint = xferscan_limit::MaxObjects as c_uint;
        const OBJECT_BYTES: c_uint = xferscan_limit::MaxObjectBytes as c_uint;
        const TOTAL: c_uint = xferscan_limit::MaxTotalBytes as c_uint;
        const RATIO: c_uint = xferscan_limit::MaxRatio as c_uint;
        const TIME: c_uint = xferscan_limit::MaxTimeMs as c_uint;
        const STREAM: c_uint = xferscan_limit::MaxStreamBytes as c_uint;
        const MEMORY: c_uint = xferscan_limit::StreamMemoryBytes as c_uint;
        match limit {
            DEPTH => {
                l.max_depth = u32::try_from(value).map_err(|_| xferscan_result::InvalidParameter)?
            }
            OBJECTS => l.max_objects = value,
            OBJECT_BYTES => l.max_object_bytes = value,
            TOTAL => l.max_total_bytes = value,
            RATIO => l.max_ratio = value,
            TIME => l.max_time = Duration::from_millis(value),
            STREAM => l.max_stream_bytes = value,
            MEMORY => l.stream_memory_bytes = value,
            _ => return Err(xferscan_result::InvalidParameter),
        }
        Ok(())
    })
}

/// Replaces the passwords tried on encrypted entries with `count` UTF-8,
/// NUL-terminated strings (`(NULL, 0)` tries none). Per-scan passwords
/// (xferscan_scan_options_add_password) come on top.
///
/// # Safety
///
/// `builder` is NULL or a live builder; `passwords` is NULL or points to
/// `count` pointers, each NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_set_passwords(
    builder: *mut xferscan_engine_builder,
    passwords: *const *const c_char,
    count: usize,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let ptrs: &[*const c_char] = if passwords.is_null() {
            if count == 0 {
                &[]
            } else {
                return Err(xferscan_result::NullParameter);
            }
        } else {
            if count > isize::MAX as usize / std::mem::size_of::<*const c_char>() {
                return Err(xferscan_result::InvalidParameter);
            }
            // SAFETY: the caller promises `count` readable pointers.
            unsafe { std::slice::from_raw_parts(passwords, count) }
        };
        let mut list = Vec::with_capacity(ptrs.len());
        for p in ptrs {
            // SAFETY: the caller promises NULL or NUL-terminated.
            list.push(unsafe { utf8(*p) }?.to_owned());
        }
        b.builder.passwords(list);
        Ok(())
    })
}

/// Which objects reports give the SHA-256 of (an xferscan_object_hashes
/// value); XFERSCAN_RESULT_INVALID_PARAMETER for another value.
///
/// # Safety
///
/// `builder` is NULL or a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_set_object_hashes(
    builder: *mut xferscan_engine_builder,
    which: c_uint,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        let which = match which {
            0 => ObjectHashes::None,
            1 => ObjectHashes::Flagged,
            2 => ObjectHashes::Every,
            _ => return Err(xferscan_result::InvalidParameter),
        };
        b.builder.object_hashes(which);
        Ok(())
    })
}

/// Builds an engine, compiling the rules (or reading them). The builder
/// can be used again. XFERSCAN_RESULT_RULES when rules do not compile or
/// cannot be loaded, XFERSCAN_RESULT_IO when a rule file cannot be read;
/// xferscan_engine_builder_error says which file, which line, what.
///
/// The first engine built in a process sets up yara-x's code runtime
/// (wasmtime), which installs process-wide signal handlers unless the
/// library was built with pulley (xferscan_engine_installs_signal_handlers
/// says which): see "SIGNALS" at the top of this header.
///
/// # Safety
///
/// `builder` is NULL or a live builder; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_builder_build(
    builder: *mut xferscan_engine_builder,
    out: *mut *mut xferscan_engine,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let b = unsafe { handle_mut(builder) }?;
        non_null(out)?;
        let mut engine = None;
        b.step(|eb| {
            engine = Some(eb.build()?);
            Ok(())
        })?;
        let engine = engine.ok_or(xferscan_result::Panic)?;
        // SAFETY: checked above.
        unsafe { write_out(out, to_c(xferscan_engine { engine })) };
        Ok(())
    })
}

/// Whether building the first engine installs wasmtime's process-wide
/// handlers for SIGSEGV, SIGILL and (x86_64) SIGFPE: true for the native
/// build (rule conditions compiled to machine code, the default of
/// capi/build.sh), false for a library built with the `pulley` feature
/// (`XFERSCAN_PULLEY=1 capi/build.sh`: conditions run in wasmtime's
/// interpreter, which installs no signal handlers). A host whose own
/// handlers must stay alone can check it at start-up. See "SIGNALS" at the
/// top of this header.
#[unsafe(no_mangle)]
pub extern "C" fn xferscan_engine_installs_signal_handlers() -> bool {
    !cfg!(feature = "pulley")
}

/// Frees an engine handle. Scans, streams and shared engines that use it
/// keep it alive until they end. NULL is fine; freeing twice is undefined
/// behaviour.
///
/// # Safety
///
/// `engine` is NULL or a live engine, not used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_free(engine: *mut xferscan_engine) {
    // SAFETY: forwarded.
    guard(|| unsafe { super::boundary::free(engine) })
}

/// How many YARA rules the engine has loaded (0 for NULL).
///
/// # Safety
///
/// `engine` is NULL or a live engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_engine_rule_count(engine: *const xferscan_engine) -> usize {
    // SAFETY: forwarded.
    guard(|| unsafe { handle(engine) }.map_or(0, |e| e.engine.rule_count()))
}

/// Holds `engine` as the current one. The shared engine takes its own
/// reference: the caller may free its handle.
///
/// # Safety
///
/// `engine` is NULL or a live engine; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_shared_engine_new(
    engine: *const xferscan_engine,
    out: *mut *mut xferscan_shared_engine,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let e = unsafe { handle(engine) }?;
        non_null(out)?;
        let s = to_c(xferscan_shared_engine {
            shared: SharedEngine::new(e.engine.clone()),
        });
        // SAFETY: checked above.
        unsafe { write_out(out, s) };
        Ok(())
    })
}

/// The current engine, as a new handle for one scan or several; free it
/// with xferscan_engine_free when done. Cheap: a reference count and one
/// short read lock, never held during a scan.
///
/// # Safety
///
/// `shared` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_shared_engine_get(
    shared: *const xferscan_shared_engine,
    out: *mut *mut xferscan_engine,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let s = unsafe { handle(shared) }?;
        non_null(out)?;
        let e = to_c(xferscan_engine {
            engine: s.shared.get(),
        });
        // SAFETY: checked above.
        unsafe { write_out(out, e) };
        Ok(())
    })
}

/// Makes `engine` the current one (taking its own reference). Scans that
/// already took the old engine finish on it; the old engine and its rules
/// are freed when the last of them ends. Each thread's cached scanners for
/// the old rules go at its next scan, or at once with
/// xferscan_thread_release.
///
/// # Safety
///
/// Both are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_shared_engine_swap(
    shared: *const xferscan_shared_engine,
    engine: *const xferscan_engine,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let s = unsafe { handle(shared) }?;
        let e = unsafe { handle(engine) }?;
        drop(s.shared.swap(e.engine.clone()));
        Ok(())
    })
}

/// Frees a shared engine. Engines taken from it stay valid. NULL is fine;
/// freeing twice is undefined behaviour.
///
/// # Safety
///
/// `shared` is NULL or live, not used after this call (no get or swap may
/// be running on another thread).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_shared_engine_free(shared: *mut xferscan_shared_engine) {
    // SAFETY: forwarded.
    guard(|| unsafe { super::boundary::free(shared) })
}
