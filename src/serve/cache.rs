//! The daemon's cache of clean streams, as clamd keeps one: a stream whose
//! bytes this engine has already found clean is answered without being
//! scanned again. A chat server sends the same attachment once for every
//! member a message is forwarded to, and a proxy the same download for
//! every user who fetches it.
//!
//! What is kept is only a key, never a verdict other than clean: the
//! BLAKE3 digest of the name the stream is scanned under and of its bytes,
//! beside the engine that found it clean (a reload makes a new engine, and
//! the keys of the old one are dropped when the new one keeps its first).
//! A collision would need a second preimage of BLAKE3. Nothing else the
//! engine reads decides a verdict: the policy, limits and rules are the
//! engine's. The caller keeps only scans that went to their end with no
//! finding at all: a limit reached (the deadline, a size) is a finding,
//! even where the policy delivers it, and a scan again might not reach it.
//!
//! Bounded by a count: two generations of keys, the newer filled up to half
//! the size and then made the older (whose keys are dropped). A key found
//! in the older is copied to the newer, so that what is asked for often
//! stays.

use std::collections::HashSet;
use std::sync::Mutex;

use xferscan::Engine;

/// A stream's key: what it is scanned under and its bytes.
pub(crate) type Key = [u8; 32];

/// The key of a stream named `name` holding `bytes`.
pub(crate) fn key(name: &str, bytes: &[u8]) -> Key {
    let mut h = blake3::Hasher::new();
    h.update(&(name.len() as u64).to_le_bytes());
    h.update(name.as_bytes());
    h.update(bytes);
    *h.finalize().as_bytes()
}

type Set = HashSet<Key, foldhash::fast::RandomState>;

/// Keys of streams found clean, by one engine.
pub(crate) struct CleanCache {
    /// Most keys of one generation (half the size asked for).
    half: usize,
    inner: Mutex<Generations>,
}

struct Generations {
    /// The engine that found them clean.
    engine: Option<Engine>,
    newer: Set,
    older: Set,
}

impl CleanCache {
    /// A cache of at most `size` keys; 0 keeps none.
    pub(crate) fn new(size: usize) -> CleanCache {
        CleanCache {
            half: size / 2,
            inner: Mutex::new(Generations {
                engine: None,
                newer: Set::default(),
                older: Set::default(),
            }),
        }
    }

    /// True when the cache keeps anything at all.
    pub(crate) fn enabled(&self) -> bool {
        self.half > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        // A panic while the lock was held left sets that are still sets.
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// True when `engine` has found the stream of `key` clean.
    pub(crate) fn is_clean(&self, engine: &Engine, key: &Key) -> bool {
        if !self.enabled() {
            return false;
        }
        let mut g = self.lock();
        if !g.engine.as_ref().is_some_and(|e| e.same_as(engine)) {
            return false;
        }
        if g.newer.contains(key) {
            return true;
        }
        if g.older.contains(key) {
            let half = self.half;
            g.insert(*key, half);
            return true;
        }
        false
    }

    /// Keeps `key` as found clean by `engine`; the keys of any other
    /// engine are dropped.
    pub(crate) fn put_clean(&self, engine: &Engine, key: Key) {
        if !self.enabled() {
            return;
        }
        let mut g = self.lock();
        if !g.engine.as_ref().is_some_and(|e| e.same_as(engine)) {
            g.engine = Some(engine.clone());
            g.newer = Set::default();
            g.older = Set::default();
        }
        let half = self.half;
        g.insert(key, half);
    }
}

impl Generations {
    fn insert(&mut self, key: Key, half: usize) {
        if self.newer.len() >= half {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let mut b = Engine::builder();
        b.default_rules(false);
        b.build().unwrap()
    }

    #[test]
    fn a_key_is_clean_only_for_the_engine_that_found_it() {
        let (a, b) = (engine(), engine());
        let c = CleanCache::new(8);
        let k = key("stream", b"hello");
        assert!(!c.is_clean(&a, &k));
        c.put_clean(&a, k);
        assert!(c.is_clean(&a, &k));
        assert!(c.is_clean(&a.clone(), &k));
        assert!(
            !c.is_clean(&b, &k),
            "another engine (a reload) has not scanned it"
        );
        // A key kept by the new engine drops the old engine's keys.
        c.put_clean(&b, key("stream", b"other"));
        assert!(!c.is_clean(&a, &k));
        assert!(!c.is_clean(&b, &k));
    }

    #[test]
    fn the_name_and_the_bytes_both_make_the_key() {
        assert_ne!(key("stream", b"ab"), key("streamab", b""));
        assert_ne!(key("a.txt", b"x"), key("a.exe", b"x"));
        assert_eq!(key("a", b"x"), key("a", b"x"));
    }

    #[test]
    fn the_cache_holds_at_most_its_size_and_keeps_what_is_asked_for() {
        let e = engine();
        let c = CleanCache::new(4);
        let keys: Vec<Key> = (0u8..10).map(|i| key("s", &[i])).collect();
        c.put_clean(&e, keys[0]);
        for k in &keys[1..] {
            // The first key is asked for between every two new ones.
            assert!(c.is_clean(&e, &keys[0]));
            c.put_clean(&e, *k);
        }
        assert!(c.is_clean(&e, &keys[0]));
        let kept = keys.iter().filter(|k| c.is_clean(&e, k)).count();
        assert!(kept <= 4, "{kept} kept");
        assert!(!c.is_clean(&e, &keys[1]));
    }

    #[test]
    fn a_cache_of_size_zero_keeps_nothing() {
        let e = engine();
        let c = CleanCache::new(0);
        c.put_clean(&e, key("s", b"x"));
        assert!(!c.is_clean(&e, &key("s", b"x")));
    }
}
