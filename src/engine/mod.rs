//! The engine: built once, shared by all threads, it takes each file through
//! detection, signature matching and unpacking over an explicit work queue.
//!
//! - [`builder`](EngineBuilder): rules, limits, policy, passwords;
//! - `options`: what one scan may change ([`ScanOptions`]);
//! - `input`: every entry point, ending in one root admission;
//! - `walk`: the work queue and what happens to each object;
//! - `judge`: true type, names and type policy, also on a prefix;
//! - `collect`: findings decided as they come, the [`Sink`], the report;
//! - `dedup`: identical objects scanned once;
//! - `shared`: the holder that swaps an engine while scans go on.

mod builder;
mod collect;
mod dedup;
mod input;
mod judge;
mod options;
mod shared;
mod walk;

use std::sync::Arc;

pub use builder::EngineBuilder;
pub(crate) use collect::NoSink;
pub use collect::{Flow, Sink};
pub(crate) use input::Held;
pub use judge::HeadJudgement;
pub use options::ScanOptions;
pub use shared::SharedEngine;

use crate::detect::Detector;
use crate::limits::Limits;
use crate::policy::Policy;
use crate::report::ObjectHashes;
use crate::signatures::Rules;

/// Passwords tried on every encrypted entry unless the builder replaces them:
/// the ones malware senders write in the message.
pub const DEFAULT_PASSWORDS: &[&str] =
    &["infected", "malware", "virus", "password", "1234", "123456"];

/// The scanning engine. Build it once with [`Engine::builder`], share it (it
/// is `Send + Sync` and cheap to clone), and scan from any number of threads.
///
/// ```
/// let engine = xferscan::Engine::builder().build()?;
/// let report = engine.scan_bytes("hello.txt", b"hello".to_vec());
/// assert_eq!(report.verdict, xferscan::Verdict::Clean);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    rules: Rules,
    detector: Detector,
    limits: Limits,
    policy: Policy,
    passwords: Vec<String>,
    hashes: ObjectHashes,
}

impl Engine {
    /// A builder with the built-in rules, default limits, the built-in
    /// policy and the default passwords.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The limits of every scan.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The delivery policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// True when both handles are the same engine (one build: the same
    /// rules, policy and limits), as a cache of verdicts keyed by engine
    /// needs to know.
    pub fn same_as(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The compiled rules, to build another engine on without compiling
    /// them again ([`EngineBuilder::rules`]).
    pub fn rules(&self) -> &Rules {
        &self.inner.rules
    }

    /// How many YARA rules are loaded.
    pub fn rule_count(&self) -> usize {
        self.inner.rules.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Engine>();
        check::<SharedEngine>();
        check::<Rules>();
    }
}
