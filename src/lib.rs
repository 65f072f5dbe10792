//! xferscan decides whether a file carried by an instant-messaging or
//! peer-to-peer transfer is safe to deliver.
//!
//! Each file goes through three stages, recursively, over an explicit work
//! queue:
//!
//! 1. **true type detection** ([`detect`]): what the bytes are, whatever the
//!    name says; a name that lies is a finding;
//! 2. **YARA signature matching** with yara-x: rules compiled once and shared
//!    by all threads, a scanner kept per thread;
//! 3. **container unpacking** (zip, gzip, tar, bzip2, xz, legacy lzma, zstd,
//!    7z, MIME mail, mbox and MHTML, base64 `data:` URIs in HTML and SVG):
//!    every child goes back into the queue, under one budget per scan
//!    ([`Limits`]).
//!
//! What cannot be inspected (encrypted, truncated, over a limit, an unknown
//! method, a parser ambiguity) is a finding of its own kind, never a clean.
//! The [`Policy`] turns findings into a [`Verdict`].
//!
//! ```
//! use xferscan::{Engine, Verdict};
//!
//! let engine = Engine::builder().build()?;
//! // The EICAR test string, assembled at run time.
//! let eicar = [
//!     "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
//!     "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
//! ]
//! .concat();
//! let report = engine.scan_bytes("eicar.com", eicar.into_bytes());
//! assert_eq!(report.verdict, Verdict::Malicious);
//! assert!(report.matched("EICAR_Test_File"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The engine is `Send + Sync`; clone it (an `Arc` inside) into as many
//! threads as you like. The library never prints and never writes what it
//! unpacks to the file system.

#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod budget;
mod clock;
pub mod config;
pub mod detect;
mod engine;
mod error;
pub mod ffi;
mod fileio;
mod finding;
mod format;
#[cfg(feature = "_fuzz")]
#[doc(hidden)]
pub mod fuzzing;
mod limits;
pub mod policy;
mod prefetch;
mod report;
mod signatures;
mod stream;
mod types;
mod unpack;

pub use config::Config;
pub use engine::{
    DEFAULT_PASSWORDS, Engine, EngineBuilder, Flow, HeadJudgement, ScanOptions, SharedEngine, Sink,
};
pub use error::Error;
pub use finding::PdfFeature;
pub use finding::{
    FINDING_KEYS, FindingKind, MetaValue, Metadata, Severity, SignatureMatch,
    is_finding_key_or_prefix, keys,
};
pub use limits::{CancelToken, LimitKind, Limits};
pub use policy::{Policy, Profile};
pub use report::{
    Action, Finding, ObjectHashes, ObjectInfo, ObjectPath, Origin, REPORT_SCHEMA, Report,
    StopReason, TypeAt, Verdict,
};
pub use signatures::{
    BUILTIN, BUILTIN_NAMESPACE, Rules, release_thread_scanners, thread_scanner_count,
};
pub use stream::{Progress, ScanStream, StreamError};
pub use types::{FileType, TypeGroup};

/// Compiles rule files (and the built-in pack, if asked) into the
/// serialized form that [`EngineBuilder::rules_path`] loads quickly.
///
/// # Errors
///
/// A rule file that cannot be read or does not compile.
pub fn compile_rules(paths: &[std::path::PathBuf], builtin: bool) -> Result<Vec<u8>, Error> {
    let mut sources = Vec::new();
    for p in paths {
        for file in signatures::rule_files(p)? {
            let text = std::fs::read_to_string(&file).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            sources.push((file.display().to_string(), text));
        }
    }
    match signatures::compile(builtin, &sources)? {
        Some(rules) => rules.serialize().map_err(|e| Error::RuleCompile {
            origin: "compiled rules".into(),
            message: e.to_string(),
        }),
        None => Err(Error::RuleCompile {
            origin: "compiled rules".into(),
            message: "no rules to compile".into(),
        }),
    }
}
