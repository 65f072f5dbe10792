/*
 * xferscan: decides whether a file carried by a chat or P2P transfer is
 * safe to deliver (true type detection, container unpacking, YARA
 * signatures, a delivery policy). MIT OR Apache-2.0.
 *
 * CONVENTIONS
 * - Every type is an opaque handle made by a _new (or _build, _get) call
 *   and freed by exactly one _free, which accepts NULL. Freeing a handle
 *   twice, or using it after it was freed, is undefined behaviour: C
 *   cannot check it, so the library does not try.
 * - Every fallible call returns an xferscan_result; XFERSCAN_RESULT_OK (0)
 *   is success, and xferscan_result_message() turns any code into static
 *   text. Out-params come last and are written only on success.
 * - A verdict is not an error: a scan that finds malware returns
 *   XFERSCAN_RESULT_OK and a report whose verdict is MALICIOUS.
 * - Every pointer is checked: NULL where a handle or out-param is needed
 *   gives XFERSCAN_RESULT_NULL_PARAMETER; a buffer (NULL, 0) is empty and
 *   (NULL, n > 0) is an error. Getters that return a value rather than a
 *   code fail closed on NULL (a verdict of MALICIOUS, an action of BLOCK).
 * - Names a file was sent with are NUL-terminated bytes; bytes that are
 *   not UTF-8 are replaced with U+FFFD before the name checks. Paths are
 *   taken byte for byte. Rule text, TOML and passwords must be UTF-8
 *   (XFERSCAN_RESULT_NOT_UTF8).
 * - Strings the library hands out are borrowed from the handle they came
 *   from (a report, a builder) and stay valid until it is freed; never
 *   free() them.
 * - A panic inside the library is caught at the boundary and returned as
 *   XFERSCAN_RESULT_PANIC (or the fail-closed value); it never unwinds into
 *   the caller or aborts the process. Rust's default panic hook still
 *   writes the panic's message to stderr. (The one abort there is:
 *   xferscan_engine_scan_bytes_owned, should the library ever find it
 *   still holds the caller's buffer when it is about to return.)
 * - An error with more to say than its code (a rule that does not compile,
 *   a TOML key that does not exist) keeps its text on the builder:
 *   xferscan_engine_builder_error(). There is no thread-local last error.
 *
 * THREADS
 * One engine, many threads: an xferscan_engine is immutable once built and
 * every scan call takes it as const, so any number of threads may scan with
 * one engine at once, without locking. Reports may be read from any thread.
 * Builders, scan options being changed, and streams are each for one
 * thread at a time (xferscan_cancel_cancel and xferscan_stream_cancel may be
 * called from any thread). Each thread that scans keeps a cached YARA
 * scanner per rule set; xferscan_thread_release() drops the calling
 * thread's (call it from a worker that goes idle after a reload, or before
 * it exits). To reload rules or policy while scans run, hold the engine in
 * an xferscan_shared_engine: xferscan_shared_engine_get() for each scan,
 * xferscan_shared_engine_swap() on reload; the old engine is freed when its
 * last scan ends.
 *
 * SIGNALS
 * YARA rule conditions run as WebAssembly in wasmtime (yara-x 1.22.1,
 * wasmtime 48), in one of two ways fixed when the library is built;
 * xferscan_engine_installs_signal_handlers() says which one this is.
 * - Native (capi/build.sh's default): conditions are compiled to machine
 *   code, and wasmtime turns its faults into traps with signal handlers.
 *   The first engine built in the process (the first rule compilation or
 *   load) creates wasmtime's engine, which installs process-wide handlers
 *   with sigaction(SA_SIGINFO | SA_NODEFER | SA_ONSTACK) for SIGSEGV,
 *   SIGILL and, on x86_64, SIGFPE (SIGBUS too on macOS and FreeBSD). They
 *   are installed once and stay for the life of the process. A signal that
 *   does not come from wasmtime's code is passed on to the handler that was
 *   installed before (or to the default action).
 * - Pulley (XFERSCAN_PULLEY=1 capi/build.sh, the `pulley` feature):
 *   conditions run in wasmtime's interpreter, which checks for traps
 *   itself; no signal handler is installed, ever. It is slower: about 15%
 *   more per scan of a 10 KB attachment with the built-in rules, 2 to 4
 *   times the matching time with rule sets heavy in conditions
 *   (bench/README.md, "C API"). Everything below about handlers then does
 *   not apply; the rest does.
 * In both, on the first scan of each thread, wasmtime gives the thread a
 * 256 KiB alternate signal stack (sigaltstack) if it has none that large,
 * freed when the thread exits; and the first scan starts one background
 * thread (yara-x's scan-timeout heartbeat) that wakes once a second and
 * never exits.
 * What the native build means for a host with handlers of its own:
 * - Install yours (a crash reporter, a JVM, a Go runtime) BEFORE building
 *   the first engine, so that wasmtime chains to them. A handler installed
 *   after must pass on the signals it does not own to the previous one
 *   (sigaction's old action), or wasmtime's traps become crashes.
 * - A JVM: load the library after the JVM has started, with libjsig
 *   preloaded so that the JVM chains signals it does not own.
 * - Go (cgo): Go requires SA_ONSTACK on foreign handlers, which wasmtime
 *   sets; Go forwards signals from non-Go code to the handler it found.
 * - A host that cannot arrange any of this builds the library with pulley.
 * Unloading: in the native build wasmtime can remove its handlers only if
 * no engine, rules or scanner is alive anywhere and no handler was
 * installed after it, and the heartbeat thread would re-create them
 * within a second; in both builds the heartbeat thread runs, and each
 * thread's alternate stack is freed at its exit, by code in the library.
 * So the library offers no "finalize", and libxferscan.so is linked with
 * -z nodelete: dlclose() leaves it mapped.
 */


#ifndef XFERSCAN_H
#define XFERSCAN_H

/* Generated by cbindgen from src/ffi/ (see cbindgen.toml). Do not edit. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#if !defined(XFERSCAN_UNIX) && (defined(__unix__) || defined(__APPLE__))
#define XFERSCAN_UNIX 1
#endif


// What a call did. A verdict is never an error: a scan that finds malware
// returns `XFERSCAN_RESULT_OK` and a report that says so.
//
// The values are part of the ABI: they are never renumbered, and a code
// that goes away leaves its number unused.
enum xferscan_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // Success.
  XFERSCAN_RESULT_OK = 0,
  // A pointer that must not be NULL was NULL, or a buffer was NULL with
  // a length above zero.
  XFERSCAN_RESULT_NULL_PARAMETER = 1,
  // A value out of its range: an unknown enum value, an index past the
  // end, a length too large.
  XFERSCAN_RESULT_INVALID_PARAMETER = 2,
  // The library hit a bug and caught it; the handle used may be left as
  // it was before the call. Please report it.
  XFERSCAN_RESULT_PANIC = 3,
  // A string that must be UTF-8 (rule text, TOML, a password) is not.
  XFERSCAN_RESULT_NOT_UTF8 = 4,
  // A file could not be opened or read.
  XFERSCAN_RESULT_IO = 5,
  // Rules that do not compile, or precompiled rules that cannot be
  // loaded. The builder's error text says which file, which line, what.
  XFERSCAN_RESULT_RULES = 6,
  // A configuration or policy that does not parse, or names what does
  // not exist. The builder's error text says where.
  XFERSCAN_RESULT_CONFIG = 7,
  // The stream was already finished: it takes no more pieces.
  XFERSCAN_RESULT_STREAM_FINISHED = 8,
  // The stream refused the piece or length (past the declared length,
  // past 2^64, a length that contradicts what arrived); it goes on.
  XFERSCAN_RESULT_STREAM_REFUSED = 9,
  // The stream's temporary storage failed (a full disk); it cannot go on.
  XFERSCAN_RESULT_STREAM_FAILED = 10,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_result xferscan_result;
#else
typedef uint32_t xferscan_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// What the policy does with a finding.
enum xferscan_action
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // Recorded; the verdict stays clean.
  XFERSCAN_ACTION_ALLOW = 0,
  // The verdict becomes at least suspicious.
  XFERSCAN_ACTION_FLAG = 1,
  // The verdict becomes malicious.
  XFERSCAN_ACTION_BLOCK = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_action xferscan_action;
#else
typedef uint32_t xferscan_action;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// The delivery decision.
enum xferscan_verdict
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // No finding asks for more than delivery.
  XFERSCAN_VERDICT_CLEAN = 0,
  // Some finding is flagged by the policy: deliver with a warning, or
  // hold.
  XFERSCAN_VERDICT_SUSPICIOUS = 1,
  // Some finding is blocked by the policy: do not deliver.
  XFERSCAN_VERDICT_MALICIOUS = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_verdict xferscan_verdict;
#else
typedef uint32_t xferscan_verdict;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Why a scan ended before its work was done.
enum xferscan_stop_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // It did not: the report is complete.
  XFERSCAN_STOP_REASON_NONE = 0,
  // The finding callback asked to stop.
  XFERSCAN_STOP_REASON_CALLBACK = 1,
  // First-hit mode stopped at the first blocked finding.
  XFERSCAN_STOP_REASON_FIRST_HIT = 2,
  // The host cancelled the scan.
  XFERSCAN_STOP_REASON_CANCELLED = 3,
  // The scan's time limit ran out.
  XFERSCAN_STOP_REASON_TIME = 4,
  // A reason newer than this header.
  XFERSCAN_STOP_REASON_OTHER = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_stop_reason xferscan_stop_reason;
#else
typedef uint32_t xferscan_stop_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Where an object came from.
enum xferscan_origin
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // The outer object, as the caller handed it over.
  XFERSCAN_ORIGIN_INPUT = 0,
  // An entry of its container, under the name the container gives it.
  XFERSCAN_ORIGIN_ENTRY = 1,
  // An entry that its container gives no name.
  XFERSCAN_ORIGIN_UNNAMED = 2,
  // A region of its parent found by what it holds.
  XFERSCAN_ORIGIN_CARVED = 3,
  // Its parent's content decoded.
  XFERSCAN_ORIGIN_DECODED = 4,
  // An origin newer than this header.
  XFERSCAN_ORIGIN_OTHER = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_origin xferscan_origin;
#else
typedef uint32_t xferscan_origin;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// What a finding callback returns (as an int).
enum xferscan_flow
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // Go on scanning.
  XFERSCAN_FLOW_CONTINUE = 0,
  // Stop the scan (any value other than XFERSCAN_FLOW_CONTINUE does).
  XFERSCAN_FLOW_STOP = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_flow xferscan_flow;
#else
typedef uint32_t xferscan_flow;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Which limit xferscan_engine_builder_set_limit sets. Values are part of
// the ABI and never renumbered.
enum xferscan_limit
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // How deep containers may nest; the outer file is depth 0 (17).
  XFERSCAN_LIMIT_MAX_DEPTH = 0,
  // Objects one scan may look at, the outer file included (10000).
  XFERSCAN_LIMIT_MAX_OBJECTS = 1,
  // The largest object scanned, in bytes (100 MiB).
  XFERSCAN_LIMIT_MAX_OBJECT_BYTES = 2,
  // Bytes unpacking may produce in one scan (400 MiB).
  XFERSCAN_LIMIT_MAX_TOTAL_BYTES = 3,
  // The largest ratio of produced to compressed bytes for one entry
  // (1000).
  XFERSCAN_LIMIT_MAX_RATIO = 4,
  // The wall time of one scan, in milliseconds (120000).
  XFERSCAN_LIMIT_MAX_TIME_MS = 5,
  // The largest outer object taken from a stream, a reader or a file
  // (64 GiB).
  XFERSCAN_LIMIT_MAX_STREAM_BYTES = 6,
  // How much of a stream is held in memory before it spills to an
  // unlinked temporary file (8 MiB).
  XFERSCAN_LIMIT_STREAM_MEMORY_BYTES = 7,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_limit xferscan_limit;
#else
typedef uint32_t xferscan_limit;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Which objects a report gives the SHA-256 of
// (xferscan_engine_builder_set_object_hashes).
enum xferscan_object_hashes
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // None.
  XFERSCAN_OBJECT_HASHES_NONE = 0,
  // The objects a finding of their own flags or blocks, and the outer
  // file when the verdict is not clean (the default).
  XFERSCAN_OBJECT_HASHES_FLAGGED = 1,
  // Every object.
  XFERSCAN_OBJECT_HASHES_EVERY = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum xferscan_object_hashes xferscan_object_hashes;
#else
typedef uint32_t xferscan_object_hashes;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Cancels scans from another thread: the transfer was aborted. Every scan
// whose options hold this handle stops at its next check (between objects,
// and between steps of every decoder), and its report says it is
// incomplete, with a `limit.cancelled` finding: never a silent clean.
//
// Thread safety: `xferscan_cancel_cancel` may be called from any thread
// at any time while scans use the handle.
typedef struct xferscan_cancel xferscan_cancel;

// The scanning engine: compiled rules, limits, policy. Build it once and
// scan with it from any number of threads at once: every scan function
// takes it as const, and it is never changed after it is built.
//
// Freeing it while scans, streams or shared engines still use it is fine:
// they hold their own reference, and the engine (with its compiled rules)
// goes when the last of them does.
typedef struct xferscan_engine xferscan_engine;

// Sets up an engine: rules, configuration, limits, policy, passwords.
// Calls that fail leave the builder as it was, and keep their error text
// for xferscan_engine_builder_error.
//
// Thread safety: not safe for concurrent use; use it from one thread at a
// time.
typedef struct xferscan_engine_builder xferscan_engine_builder;

// The result of one scan. Read it with the accessors below; free it with
// xferscan_report_free. It holds no reference to its engine, so engine
// and report may be freed in any order.
//
// Thread safety: a report is not changed by its accessors' callers; any
// number of threads may read one report at once.
typedef struct xferscan_report xferscan_report;

// The options of one scan or stream: candidate passwords, first-hit mode,
// a cancel handle, a finding callback.
//
// Thread safety: not safe for concurrent mutation. Once set up, one
// options handle may be passed to scans on many threads at once, as long
// as nothing changes it meanwhile and its callback, if any, is itself safe
// to call from those threads.
typedef struct xferscan_scan_options xferscan_scan_options;

// The engine of the moment for a long-running host: scans take the
// current engine with xferscan_shared_engine_get, and a rule or policy
// reload swaps in a new one with xferscan_shared_engine_swap while scans
// in flight finish on the engine they took. The old engine is freed when
// its last scan ends.
//
// Thread safety: get and swap may be called from any number of threads at
// once.
typedef struct xferscan_shared_engine xferscan_shared_engine;

// A transfer being scanned as its pieces arrive, in order or in any order,
// any size, in bounded memory (past a threshold it spills to an unlinked
// temporary file, which nothing outlives).
//
// Thread safety: not safe for concurrent use, except
// xferscan_stream_cancel, which any thread may call while another feeds
// or finishes the stream. Different streams may be used on different
// threads at once.
typedef struct xferscan_stream xferscan_stream;

// A callback that sees each finding as the scan makes it, in the order of
// the report. `key` (the finding key, such as "signature"), `path` (where
// the object sits, "mail.zip > a.exe") and `rule` (the rule's identifier
// for a signature, NULL otherwise) are valid only during the call;
// `verdict` is the verdict so far, which only rises.
//
// Return XFERSCAN_FLOW_CONTINUE (0) to go on. Any other value stops the scan:
// its report then says it is incomplete, stopped by the callback.
//
// It is called on the thread that scans. It must not unwind (no C++
// exception, no longjmp out of it) and must not call back into the scan
// that called it.
typedef int (*xferscan_finding_callback)(void *userdata, const char *key, xferscan_action action, const char *path, const char *rule, xferscan_verdict verdict);

// Frees a buffer handed over with xferscan_engine_scan_bytes_owned. It is
// given back the `userdata`, `data` and `len` that the scan call was given
// (`data` may be NULL). It must not unwind (no C++ exception, no longjmp
// out of it) and must not call back into the scan that called it.
typedef void (*xferscan_free_callback)(void *userdata, const uint8_t *data, size_t len);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// Makes a builder with the built-in rules, the default limits, the
// built-in policy and the default passwords.
//
// # Safety
//
// `out` is NULL or writable.
xferscan_result xferscan_engine_builder_new(struct xferscan_engine_builder **out);

// Frees a builder. Engines built from it are not affected. NULL is fine;
// freeing twice is undefined behaviour.
//
// # Safety
//
// `builder` is NULL or a live builder, not used after this call.
void xferscan_engine_builder_free(struct xferscan_engine_builder *builder);

// The text of the builder's last error: which file, which line, what (a
// rule that does not compile, a TOML key that does not exist). NULL when
// its last fallible call succeeded. Borrowed from the builder until its
// next call or its free.
//
// # Safety
//
// `builder` is NULL or a live builder.
const char *xferscan_engine_builder_error(const struct xferscan_engine_builder *builder);

// Whether the built-in rule pack is compiled in (it is by default).
//
// # Safety
//
// `builder` is NULL or a live builder.
xferscan_result xferscan_engine_builder_set_builtin_rules(struct xferscan_engine_builder *builder, bool yes);

// Adds YARA rules from source text (UTF-8, NUL-terminated). `origin`
// names them in errors and gives them their namespace (its file stem).
// They are compiled by xferscan_engine_builder_build.
//
// # Safety
//
// `builder` is NULL or a live builder; the strings are NULL or
// NUL-terminated.
xferscan_result xferscan_engine_builder_add_rules_source(struct xferscan_engine_builder *builder, const char *origin, const char *source);

// Adds rules from a file, from every .yar/.yara file below a folder, or
// from a file of precompiled rules (`xferscan rules compile`); read by
// xferscan_engine_builder_build. A precompiled file that is truncated or
// not one fails there with XFERSCAN_RESULT_RULES. Only load precompiled
// rules that you made: yara-x does not defend against a file altered on
// purpose.
//
// # Safety
//
// `builder` is NULL or a live builder; `path` is NULL or NUL-terminated.
xferscan_result xferscan_engine_builder_add_rules_path(struct xferscan_engine_builder *builder, const char *path);

// Uses the compiled rules of `engine` instead of compiling any: engines
// that differ only in policy or limits share one compiled set, and a
// policy reload recompiles nothing. The rule settings above are then
// ignored.
//
// # Safety
//
// Both are NULL or live handles.
xferscan_result xferscan_engine_builder_use_rules_of(struct xferscan_engine_builder *builder, const struct xferscan_engine *engine);

// Applies a configuration in TOML (UTF-8, NUL-terminated; the layout of
// xferscan.example.toml): rules, limits, policy, passwords, hashes.
// `origin` names it in errors. XFERSCAN_RESULT_CONFIG when it does not
// parse, with the line and column in xferscan_engine_builder_error.
//
// # Safety
//
// `builder` is NULL or a live builder; the strings are NULL or
// NUL-terminated.
xferscan_result xferscan_engine_builder_config_toml(struct xferscan_engine_builder *builder, const char *toml, const char *origin);

// Reads a configuration file and applies it; relative paths in it are
// read from its folder.
//
// # Safety
//
// `builder` is NULL or a live builder; `path` is NULL or NUL-terminated.
xferscan_result xferscan_engine_builder_config_path(struct xferscan_engine_builder *builder, const char *path);

// Sets the delivery policy from a policy in TOML (UTF-8, NUL-terminated;
// `base`, `[types]`, `[findings]`, `[signatures]`). `base = "p2p"` alone
// picks the built-in P2P profile (disk images, installers and archives
// judged by what they hold, executables flagged); `"chat"` is the default.
// XFERSCAN_RESULT_CONFIG when it does not parse, with the line in
// xferscan_engine_builder_error.
//
// # Safety
//
// `builder` is NULL or a live builder; the strings are NULL or
// NUL-terminated.
xferscan_result xferscan_engine_builder_policy_toml(struct xferscan_engine_builder *builder, const char *toml, const char *origin);

// Sets one limit (an xferscan_limit value). XFERSCAN_RESULT_INVALID_PARAMETER
// for an unknown limit, or a value that does not fit it.
//
// # Safety
//
// `builder` is NULL or a live builder.
xferscan_result xferscan_engine_builder_set_limit(struct xferscan_engine_builder *builder, unsigned int limit, uint64_t value);

// Replaces the passwords tried on encrypted entries with `count` UTF-8,
// NUL-terminated strings (`(NULL, 0)` tries none). Per-scan passwords
// (xferscan_scan_options_add_password) come on top.
//
// # Safety
//
// `builder` is NULL or a live builder; `passwords` is NULL or points to
// `count` pointers, each NULL or NUL-terminated.
xferscan_result xferscan_engine_builder_set_passwords(struct xferscan_engine_builder *builder, const char *const *passwords, size_t count);

// Which objects reports give the SHA-256 of (an xferscan_object_hashes
// value); XFERSCAN_RESULT_INVALID_PARAMETER for another value.
//
// # Safety
//
// `builder` is NULL or a live builder.
xferscan_result xferscan_engine_builder_set_object_hashes(struct xferscan_engine_builder *builder, unsigned int which);

// Builds an engine, compiling the rules (or reading them). The builder
// can be used again. XFERSCAN_RESULT_RULES when rules do not compile or
// cannot be loaded, XFERSCAN_RESULT_IO when a rule file cannot be read;
// xferscan_engine_builder_error says which file, which line, what.
//
// The first engine built in a process sets up yara-x's code runtime
// (wasmtime), which installs process-wide signal handlers unless the
// library was built with pulley (xferscan_engine_installs_signal_handlers
// says which): see "SIGNALS" at the top of this header.
//
// # Safety
//
// `builder` is NULL or a live builder; `out` is NULL or writable.
xferscan_result xferscan_engine_builder_build(struct xferscan_engine_builder *builder, struct xferscan_engine **out);

// Whether building the first engine installs wasmtime's process-wide
// handlers for SIGSEGV, SIGILL and (x86_64) SIGFPE: true for the native
// build (rule conditions compiled to machine code, the default of
// capi/build.sh), false for a library built with the `pulley` feature
// (`XFERSCAN_PULLEY=1 capi/build.sh`: conditions run in wasmtime's
// interpreter, which installs no signal handlers). A host whose own
// handlers must stay alone can check it at start-up. See "SIGNALS" at the
// top of this header.
bool xferscan_engine_installs_signal_handlers(void);

// Frees an engine handle. Scans, streams and shared engines that use it
// keep it alive until they end. NULL is fine; freeing twice is undefined
// behaviour.
//
// # Safety
//
// `engine` is NULL or a live engine, not used after this call.
void xferscan_engine_free(struct xferscan_engine *engine);

// How many YARA rules the engine has loaded (0 for NULL).
//
// # Safety
//
// `engine` is NULL or a live engine.
size_t xferscan_engine_rule_count(const struct xferscan_engine *engine);

// Holds `engine` as the current one. The shared engine takes its own
// reference: the caller may free its handle.
//
// # Safety
//
// `engine` is NULL or a live engine; `out` is NULL or writable.
xferscan_result xferscan_shared_engine_new(const struct xferscan_engine *engine, struct xferscan_shared_engine **out);

// The current engine, as a new handle for one scan or several; free it
// with xferscan_engine_free when done. Cheap: a reference count and one
// short read lock, never held during a scan.
//
// # Safety
//
// `shared` is NULL or live; `out` is NULL or writable.
xferscan_result xferscan_shared_engine_get(const struct xferscan_shared_engine *shared, struct xferscan_engine **out);

// Makes `engine` the current one (taking its own reference). Scans that
// already took the old engine finish on it; the old engine and its rules
// are freed when the last of them ends. Each thread's cached scanners for
// the old rules go at its next scan, or at once with
// xferscan_thread_release.
//
// # Safety
//
// Both are NULL or live handles.
xferscan_result xferscan_shared_engine_swap(const struct xferscan_shared_engine *shared, const struct xferscan_engine *engine);

// Frees a shared engine. Engines taken from it stay valid. NULL is fine;
// freeing twice is undefined behaviour.
//
// # Safety
//
// `shared` is NULL or live, not used after this call (no get or swap may
// be running on another thread).
void xferscan_shared_engine_free(struct xferscan_shared_engine *shared);

// Makes a cancel handle, not cancelled.
//
// # Safety
//
// `out` is NULL or writable.
xferscan_result xferscan_cancel_new(struct xferscan_cancel **out);

// Cancels every scan whose options hold this handle, now and later. Safe
// from any thread, any number of times; NULL is ignored.
//
// # Safety
//
// `cancel` is NULL or a live handle.
void xferscan_cancel_cancel(const struct xferscan_cancel *cancel);

// Frees a cancel handle. Scans and options that took it keep their own
// reference, so it may be freed while they run. NULL is fine; freeing a
// handle twice is undefined behaviour.
//
// # Safety
//
// `cancel` is NULL or a live handle, not used after this call.
void xferscan_cancel_free(struct xferscan_cancel *cancel);

// Makes options with nothing set.
//
// # Safety
//
// `out` is NULL or writable.
xferscan_result xferscan_scan_options_new(struct xferscan_scan_options **out);

// Frees options. Scans that took them have copied what they need. NULL is
// fine; freeing twice is undefined behaviour.
//
// # Safety
//
// `opts` is NULL or a live handle, not used after this call.
void xferscan_scan_options_free(struct xferscan_scan_options *opts);

// Adds a candidate password (UTF-8, NUL-terminated) for this scan's
// encrypted entries, such as one written in the chat message that carried
// the file; tried before the engine's own list.
//
// # Safety
//
// `opts` is NULL or a live handle; `password` is NULL or NUL-terminated.
xferscan_result xferscan_scan_options_add_password(struct xferscan_scan_options *opts, const char *password);

// Gives the text (UTF-8, NUL-terminated) of the message that carried the
// file, such as the chat message or the mail's body: the passwords it
// names ("pw: 4471", "the password is 4471") are tried on this scan's
// encrypted entries, after those added by
// xferscan_scan_options_add_password and before the engine's own list.
// A text that names none changes nothing.
//
// # Safety
//
// `opts` is NULL or a live handle; `text` is NULL or NUL-terminated.
xferscan_result xferscan_scan_options_add_message_text(struct xferscan_scan_options *opts, const char *text);

// First-hit mode: the scan stops at the first finding that the policy
// blocks. The verdict is then already malicious, and the report says it
// is incomplete.
//
// # Safety
//
// `opts` is NULL or a live handle.
xferscan_result xferscan_scan_options_set_first_hit(struct xferscan_scan_options *opts, bool first_hit);

// Lets `cancel` stop the scans made with these options, from any thread.
// The options keep their own reference to it.
//
// # Safety
//
// Both are NULL or live handles.
xferscan_result xferscan_scan_options_set_cancel(struct xferscan_scan_options *opts, const struct xferscan_cancel *cancel);

// Sets the callback that sees each finding as it happens and may stop the
// scan (see xferscan_finding_callback); `userdata` is passed to it as it
// is. A NULL `callback` removes it.
//
// # Safety
//
// `opts` is NULL or a live handle. `callback` and `userdata` stay valid
// for every scan that uses these options.
xferscan_result xferscan_scan_options_set_finding_callback(struct xferscan_scan_options *opts, xferscan_finding_callback callback, void *userdata);

// Frees a report and every string borrowed from it. NULL is fine; freeing
// twice is undefined behaviour.
//
// # Safety
//
// `report` is NULL or a live report, not used after this call.
void xferscan_report_free(struct xferscan_report *report);

// The verdict. NULL gives XFERSCAN_VERDICT_MALICIOUS: a caller that lost
// its report fails closed.
//
// # Safety
//
// `report` is NULL or a live report.
xferscan_verdict xferscan_report_verdict(const struct xferscan_report *report);

// True when every object in the scan's queue was scanned. False for NULL.
//
// # Safety
//
// `report` is NULL or a live report.
bool xferscan_report_complete(const struct xferscan_report *report);

// Why the scan ended early; XFERSCAN_STOP_REASON_NONE when it did not.
// NULL gives XFERSCAN_STOP_REASON_OTHER.
//
// # Safety
//
// `report` is NULL or a live report.
xferscan_stop_reason xferscan_report_stopped(const struct xferscan_report *report);

// How many findings the report holds (0 for NULL).
//
// # Safety
//
// `report` is NULL or a live report.
size_t xferscan_report_finding_count(const struct xferscan_report *report);

// How many objects were scanned: the outer file and everything unpacked
// from it (0 for NULL).
//
// # Safety
//
// `report` is NULL or a live report.
size_t xferscan_report_object_count(const struct xferscan_report *report);

// The report as JSON (the layout of `xferscan scan --json`, with its
// "schema" version): `*out` is NUL-terminated, `*out_len` its length
// without the NUL; both borrowed from the report until it is freed.
//
// # Safety
//
// `report` is NULL or a live report; `out` and `out_len` are NULL or
// writable.
xferscan_result xferscan_report_json(const struct xferscan_report *report, const char **out, size_t *out_len);

// The finding's stable key, such as "signature", "type.executable",
// "name.double_extension", "limit.cancelled": what policies name it by.
//
// NULL when `report` is NULL or `index` is not below
// xferscan_report_finding_count. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_finding_key(const struct xferscan_report *report, size_t index);

// Where the finding's object sits, outer name first, joined with
// " > " ("mail.zip > docs/a.zip > run.exe"); control characters are
// escaped.
//
// NULL when `report` is NULL or `index` is not below
// xferscan_report_finding_count. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_finding_path(const struct xferscan_report *report, size_t index);

// The policy entry that chose the finding's action, such as
// "types.executable".
//
// NULL when `report` is NULL or `index` is not below
// xferscan_report_finding_count. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_finding_decided_by(const struct xferscan_report *report, size_t index);

// A one-line description of the finding, for people.
//
// NULL when `report` is NULL or `index` is not below
// xferscan_report_finding_count. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_finding_description(const struct xferscan_report *report, size_t index);

// The identifier of the rule that matched; NULL when the finding is
// not a signature.
//
// NULL when `report` is NULL or `index` is not below
// xferscan_report_finding_count. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_finding_rule(const struct xferscan_report *report, size_t index);

// The namespace of the rule that matched; NULL when the finding is not
// a signature.
//
// NULL when `report` is NULL or `index` is not below
// xferscan_report_finding_count. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_finding_namespace(const struct xferscan_report *report, size_t index);

// What the policy does with finding `index`. XFERSCAN_ACTION_BLOCK when
// `report` is NULL or `index` is out of range (it fails closed).
//
// # Safety
//
// `report` is NULL or a live report.
xferscan_action xferscan_report_finding_action(const struct xferscan_report *report, size_t index);

// The index (below xferscan_report_object_count) of the object finding
// `index` is about; SIZE_MAX when `report` is NULL or `index` is out of
// range.
//
// # Safety
//
// `report` is NULL or a live report.
size_t xferscan_report_finding_object(const struct xferscan_report *report, size_t index);

// How many tags the rule of finding `index` has (0 when it is not a
// signature, out of range, or `report` is NULL).
//
// # Safety
//
// `report` is NULL or a live report.
size_t xferscan_report_finding_tag_count(const struct xferscan_report *report, size_t index);

// Tag `tag` of the rule of finding `index`; NULL when out of range.
// Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_finding_tag(const struct xferscan_report *report, size_t index, size_t tag);

// How many metadata entries the rule of finding `index` has, in the
// rule's order (0 when it is not a signature or out of range).
//
// # Safety
//
// `report` is NULL or a live report.
size_t xferscan_report_finding_meta_count(const struct xferscan_report *report, size_t index);

// Metadata entry `meta` of the rule of finding `index`: its name in
// `*out_name` and its value as text (integers and floats in decimal,
// booleans as "true"/"false") in `*out_value`, both borrowed from the
// report. XFERSCAN_RESULT_INVALID_PARAMETER when out of range.
//
// # Safety
//
// `report` is NULL or a live report; the outs are NULL or writable.
xferscan_result xferscan_report_finding_meta(const struct xferscan_report *report, size_t index, size_t meta, const char **out_name, const char **out_value);

// Object `index`'s path, outer name first, joined with " > "; NULL when
// out of range. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_object_path(const struct xferscan_report *report, size_t index);

// Object `index`'s SHA-256 in lowercase hex; NULL when the engine's hash
// setting did not ask for it, or out of range. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_object_sha256(const struct xferscan_report *report, size_t index);

// How many types were found in object `index` (0 when out of range).
//
// # Safety
//
// `report` is NULL or a live report.
size_t xferscan_report_object_type_count(const struct xferscan_report *report, size_t index);

// Type `ty` of object `index` by name ("zip", "pe-exe", "text", ...); the
// true type is type 0. NULL when out of range. Borrowed from the report.
//
// # Safety
//
// `report` is NULL or a live report.
const char *xferscan_report_object_type(const struct xferscan_report *report, size_t index, size_t ty);

// Object `index`'s size in bytes, as scanned (0 when out of range).
//
// # Safety
//
// `report` is NULL or a live report.
uint64_t xferscan_report_object_size(const struct xferscan_report *report, size_t index);

// Object `index`'s container, an object index; SIZE_MAX for the outer
// file or when out of range.
//
// # Safety
//
// `report` is NULL or a live report.
size_t xferscan_report_object_parent(const struct xferscan_report *report, size_t index);

// Where object `index` came from; XFERSCAN_ORIGIN_OTHER when out of range.
//
// # Safety
//
// `report` is NULL or a live report.
xferscan_origin xferscan_report_object_origin(const struct xferscan_report *report, size_t index);

// True when object `index` was too large to match whole and its
// signatures were matched in overlapping windows (module conditions,
// filesize and uint reads not evaluated there).
//
// # Safety
//
// `report` is NULL or a live report.
bool xferscan_report_object_windowed(const struct xferscan_report *report, size_t index);

// A result code as text: a static, NUL-terminated string in English, never
// to be freed. A value that is not a result code gives
// "unknown result code".
const char *xferscan_result_message(unsigned int result);

// The library's version, such as "0.1.0": a static string, never to be
// freed.
const char *xferscan_version(void);

// Drops the scanners the calling thread keeps for the rules it has
// scanned with, and with them its hold on those rules. Call it from a
// worker thread that goes idle after an engine swap, or before a thread
// ends; the next scan on the thread makes a scanner again. Safe to call at
// any time, from any thread, any number of times.
void xferscan_thread_release(void);

// Scans `len` bytes at `data`, a file sent under `name` (NUL-terminated;
// "" when it has none; bytes that are not UTF-8 are replaced with U+FFFD
// before the name checks). `(NULL, 0)` is an empty file. `opts` may be
// NULL. On success `*out` is a new report (free it with
// xferscan_report_free), whatever the verdict.
//
// The bytes are copied once, so the caller may reuse its buffer as soon as
// the call returns; xferscan_engine_scan_bytes_owned scans without the
// copy. Safe to call from many threads at once with one engine.
//
// # Safety
//
// `engine` and `opts` are NULL or live; `name` is NULL or NUL-terminated;
// `data` is NULL or points to `len` readable bytes; `out` is NULL or
// writable.
xferscan_result xferscan_engine_scan_bytes(const struct xferscan_engine *engine, const char *name, const uint8_t *data, size_t len, const struct xferscan_scan_options *opts, struct xferscan_report **out);

// Scans `len` bytes at `data` without copying them: the caller hands the
// buffer over, and the library calls `free_cb(userdata, data, len)` when it
// no longer needs it. Otherwise as xferscan_engine_scan_bytes (`name`,
// `opts`, `out`, and `(NULL, 0)` as the empty file).
//
// Ownership: if `free_cb` is not NULL, it is called exactly once, whatever
// the result: on success, on every error (a NULL engine, name or `out`, a
// buffer `(NULL, n > 0)`, which it gets as it was given) and when the
// library catches a bug (XFERSCAN_RESULT_PANIC). So after the call the
// caller never frees the buffer itself. A NULL `free_cb` gives
// XFERSCAN_RESULT_NULL_PARAMETER and nothing is scanned or called.
//
// When and where: `free_cb` is called before this function returns, on the
// thread that called it (during the scan, once the last object that
// points into the buffer is done with, or at its end). Nothing the call
// leaves behind holds on to the buffer: not the report (it holds copies of
// what it shows), not the thread's cached YARA scanners, not the finding
// callback's arguments. So a host that keeps its buffer may also pass a
// `free_cb` that does nothing, and reuse the buffer once the call returns.
// The library checks this before it returns; were it ever not so (a bug
// in the library), it aborts the process rather than return while it
// could still read the buffer. That is the one place where the library
// may abort.
//
// Safe to call from many threads at once with one engine.
//
// # Safety
//
// `engine` and `opts` are NULL or live; `name` is NULL or NUL-terminated;
// `data` is NULL or points to `len` bytes that stay readable and unchanged
// until `free_cb` is called; `free_cb` may be called with `userdata`;
// `out` is NULL or writable.
xferscan_result xferscan_engine_scan_bytes_owned(const struct xferscan_engine *engine, const char *name, const uint8_t *data, size_t len, xferscan_free_callback free_cb, void *userdata, const struct xferscan_scan_options *opts, struct xferscan_report **out);

// Scans a file on disk (a NUL-terminated path, taken byte for byte); only
// its last component is judged as a name. XFERSCAN_RESULT_IO when it
// cannot be opened or read. Files of any size are scanned in bounded
// memory.
//
// # Safety
//
// As xferscan_engine_scan_bytes.
xferscan_result xferscan_engine_scan_path(const struct xferscan_engine *engine, const char *path, const struct xferscan_scan_options *opts, struct xferscan_report **out);

#if defined(XFERSCAN_UNIX)
// Scans what a file descriptor gives, from its current offset to its end
// (a file, a pipe, a socket), under `name` as xferscan_engine_scan_bytes
// takes it. The descriptor is duplicated and the duplicate closed; the
// caller's descriptor stays open, but its offset (shared with the
// duplicate) has moved to the end. XFERSCAN_RESULT_INVALID_PARAMETER for a
// negative or closed descriptor, XFERSCAN_RESULT_IO when reading fails.
// Unix only.
//
// # Safety
//
// As xferscan_engine_scan_bytes; `fd` is not closed by another thread
// during the call.
xferscan_result xferscan_engine_scan_fd(const struct xferscan_engine *engine, int fd, const char *name, const struct xferscan_scan_options *opts, struct xferscan_report **out);
#endif

// Starts a scan of a transfer named `name` (as xferscan_engine_scan_bytes
// takes it) whose bytes will come in pieces. `opts` may be NULL; its
// passwords, first-hit mode, cancel handle and callback apply (they are
// copied: the options may be freed at once). The stream holds its own
// reference to the engine.
//
// # Safety
//
// `engine` and `opts` are NULL or live; `name` is NULL or NUL-terminated;
// `out` is NULL or writable.
xferscan_result xferscan_stream_new(const struct xferscan_engine *engine, const char *name, const struct xferscan_scan_options *opts, struct xferscan_stream **out);

// Declares the transfer's total length, when the transfer says it.
// Pieces past it are refused; bytes of it that never arrive are a
// truncation finding. XFERSCAN_RESULT_STREAM_REFUSED when more has
// already arrived, or another length was declared.
//
// # Safety
//
// `stream` is NULL or live.
xferscan_result xferscan_stream_declare_len(struct xferscan_stream *stream, uint64_t len);

// Appends `len` bytes after the last byte received so far (copied; the
// buffer may be reused at once). `(NULL, 0)` is an empty piece. Then
// xferscan_stream_verdict gives the verdict the first bytes settle.
//
// # Safety
//
// `stream` is NULL or live; `data` is NULL or points to `len` readable
// bytes.
xferscan_result xferscan_stream_feed(struct xferscan_stream *stream, const uint8_t *data, size_t len);

// Takes `len` bytes at `offset`, in any order; pieces may overlap or
// repeat (where a repeat differs, the first version is kept and the report
// says so). XFERSCAN_RESULT_STREAM_REFUSED for a piece past the declared
// length or past 2^64 (the stream goes on); XFERSCAN_RESULT_STREAM_FAILED
// when the temporary file failed (it cannot go on).
//
// # Safety
//
// As xferscan_stream_feed.
xferscan_result xferscan_stream_feed_at(struct xferscan_stream *stream, uint64_t offset, const uint8_t *data, size_t len);

// The early verdict: what the name and the bytes from offset 0 received
// so far already settle (a blocked name, an executable's headers). The
// full scan's verdict is the same or stronger. NULL gives
// XFERSCAN_VERDICT_MALICIOUS.
//
// # Safety
//
// `stream` is NULL or live.
xferscan_verdict xferscan_stream_verdict(const struct xferscan_stream *stream);

// True when the transfer is already blocked (the early verdict is
// malicious): the gateway can stop receiving it and call
// xferscan_stream_finish for the full report. True for NULL.
//
// # Safety
//
// `stream` is NULL or live.
bool xferscan_stream_blocked(const struct xferscan_stream *stream);

// Bytes received so far: one past the last byte (pieces may leave holes).
//
// # Safety
//
// `stream` is NULL or live.
uint64_t xferscan_stream_received(const struct xferscan_stream *stream);

// Cancels the stream's scan: the transfer was aborted. Any thread may call
// it at any time, also while another thread is in xferscan_stream_finish;
// the scan stops at its next check and its report says it is incomplete
// (never a silent clean). NULL is ignored.
//
// # Safety
//
// `stream` is NULL or live (not being freed).
void xferscan_stream_cancel(const struct xferscan_stream *stream);

// Scans what arrived and gives the full report: the report of
// xferscan_engine_scan_bytes on the same bytes, with what the stream saw
// (conflicting repeats, missing bytes). The stream then takes no more
// pieces (XFERSCAN_RESULT_STREAM_FINISHED) but must still be freed.
//
// # Safety
//
// `stream` is NULL or live; `out` is NULL or writable.
xferscan_result xferscan_stream_finish(struct xferscan_stream *stream, struct xferscan_report **out);

// Frees a stream, finished or not: an unfinished one is abandoned, and its
// memory and temporary file go at once. NULL is fine; freeing twice is
// undefined behaviour.
//
// # Safety
//
// `stream` is NULL or live, not used after this call (no other thread in
// xferscan_stream_cancel).
void xferscan_stream_free(struct xferscan_stream *stream);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* XFERSCAN_H */
