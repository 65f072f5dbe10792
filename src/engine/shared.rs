//! The holder of a host's current engine: scans take the engine of the
//! moment, and a reload swaps in a new one while the scans in flight finish
//! on the one they took.

use std::sync::RwLock;

use super::Engine;

/// The engine a long-running host scans with, swapped as a whole when rules
/// or policy change. [`get`](Self::get) hands out the current engine (an
/// `Arc` clone: one short read lock, never held during a scan), so every scan
/// runs on one consistent engine from start to end; [`swap`](Self::swap)
/// makes new scans use another. The old engine's rules are freed when its
/// last scan ends, and each thread's cached scanners for them go at that
/// thread's next scan (or at once with
/// [`release_thread_scanners`](crate::release_thread_scanners)).
///
/// ```
/// use xferscan::{Engine, SharedEngine, Policy};
/// let shared = SharedEngine::new(Engine::builder().build()?);
/// let engine = shared.get();
/// // A policy change: the same compiled rules, a new engine.
/// let next = Engine::builder().rules(engine.rules().clone()).policy(Policy::empty()).build()?;
/// let old = shared.swap(next);
/// assert!(old.rules().same_as(shared.get().rules()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SharedEngine {
    current: RwLock<Engine>,
}

impl SharedEngine {
    /// Holds `engine` as the current one.
    pub fn new(engine: Engine) -> Self {
        SharedEngine {
            current: RwLock::new(engine),
        }
    }

    /// The current engine, for one scan or several.
    pub fn get(&self) -> Engine {
        // A poisoned lock held an engine all the same: a panic elsewhere
        // must not stop the scanning.
        match self.current.read() {
            Ok(e) => e.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `engine` the current one and returns the one it replaces.
    pub fn swap(&self, engine: Engine) -> Engine {
        let mut slot = match self.current.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::mem::replace(&mut *slot, engine)
    }
}
