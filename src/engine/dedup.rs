//! Finding an object's earlier copy within one scan, so that identical
//! children (42.zip's sixteen copies of one archive, one kernel under a
//! thousand names) are scanned once.
//!
//! Two objects can only be identical if they are as long as each other. The
//! first few objects of each length are kept and a newcomer of that length
//! is compared with them byte by byte, which stops at the first difference
//! (objects that merely share a length differ in their first bytes, nearly
//! always): most objects of a scan are never hashed. Past a few of one
//! length (an attacker's thousand same-length entries, or a chat export's
//! thumbnails), that length is indexed by a fast hash keyed at random for
//! the scan (of a few samples of a large object's bytes), and a newcomer is compared byte by byte with the few kept
//! objects of its hash: a collision costs a comparison, never a missed
//! object, and more than a few under one hash (collisions made on purpose)
//! go to the cryptographic hash. Kept bytes are held up to a memory cap
//! (bytes inside the outer file cost nothing, since it is kept anyway);
//! past the cap everything kept is hashed with BLAKE3 and let go, and
//! BLAKE3 is used from then on. Siblings that share one buffer are the same
//! bytes by construction and are never compared at all.
//!
//! BLAKE3, where the bytes are not kept: a collision that an attacker could
//! make would hide one child behind another, so it has to be cryptographic.

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use bytes::Bytes;
use foldhash::{HashMap, HashMapExt};

/// Bytes outside the outer file that may be kept unhashed at once.
const KEEP_CAP: usize = 16 << 20;

/// Objects of one length compared byte by byte before that length is hashed.
const KEPT_PER_LENGTH: usize = 4;

/// Objects kept under one fast hash; past them (collisions made on
/// purpose), BLAKE3.
const KEPT_PER_HASH: usize = 4;

/// What is known of the objects of one length.
enum Slot {
    /// The only one so far (most lengths have one object), kept without a
    /// list.
    One(usize, Bytes),
    /// The first few, kept for comparison.
    Kept(Vec<(usize, Bytes)>),
    /// Too many to compare: every one of this length is in `seen`.
    Hashed,
}

/// The objects kept under one fast hash: nearly always one (a list only
/// for collisions), kept without a list of its own, since every object
/// of a hashed length has a bucket and each list was an allocation that
/// lived as long as the scan.
enum Bucket {
    One((usize, Bytes)),
    Many(Vec<(usize, Bytes)>),
}

impl Bucket {
    fn kept(&self) -> &[(usize, Bytes)] {
        match self {
            Bucket::One(one) => std::slice::from_ref(one),
            Bucket::Many(list) => list,
        }
    }

    /// Keeps `object` under the hash of `entry` (it is no copy of those
    /// kept there).
    fn keep(entry: Entry<'_, u64, Bucket>, object: (usize, Bytes)) {
        match entry {
            Entry::Vacant(v) => {
                v.insert(Bucket::One(object));
            }
            Entry::Occupied(mut b) => {
                let b = b.get_mut();
                *b = match std::mem::replace(b, Bucket::Many(Vec::new())) {
                    Bucket::One(first) => {
                        let mut list = Vec::with_capacity(KEPT_PER_HASH);
                        list.extend([first, object]);
                        Bucket::Many(list)
                    }
                    Bucket::Many(mut list) => {
                        list.push(object);
                        Bucket::Many(list)
                    }
                };
            }
        }
    }

    fn into_kept(self) -> Vec<(usize, Bytes)> {
        match self {
            Bucket::One(one) => vec![one],
            Bucket::Many(list) => list,
        }
    }
}

/// The first object of a scan (the outer file, mostly), recorded only once
/// a second one comes: a scan of one object records nothing.
enum First {
    /// None yet.
    Unseen,
    /// Seen, not recorded: its id, bytes and sharing.
    Waiting(usize, Bytes, bool),
    /// Recorded with the rest.
    Recorded,
}

/// One scan's record of the objects seen so far.
pub(crate) struct Dedup {
    first: First,
    /// The outer file's address range: its slices cost nothing to keep.
    root: (usize, usize),
    /// Per length: the objects kept for comparison, or none once that
    /// length is hashed.
    by_len: HashMap<usize, Slot>,
    kept: usize,
    /// Objects of the hashed lengths, kept by a fast keyed hash of their
    /// bytes (until the cap is first reached).
    fast: HashMap<u64, Bucket>,
    /// The key of the fast hash, random for each scan.
    fast_key: foldhash::quality::RandomState,
    /// The cap was reached once: hashed lengths go to BLAKE3 from then on.
    capped: bool,
    /// First object by the BLAKE3 hash of its bytes.
    seen: HashMap<[u8; 32], usize>,
    /// First object by shared buffer (address and length); the buffer is
    /// held so that its address cannot be reused while the scan runs.
    buffers: HashMap<(usize, usize), (usize, Bytes)>,
    /// How many objects were hashed with BLAKE3 (for tests and benchmarks).
    pub(crate) hashed: usize,
    /// Every fast hash the same, as an attacker's collisions would be.
    #[cfg(test)]
    collide: bool,
}

impl Dedup {
    /// A record for a scan of `root`.
    pub(crate) fn new(root: &Bytes) -> Self {
        let start = root.as_ptr() as usize;
        Dedup {
            first: First::Unseen,
            root: (start, start + root.len()),
            by_len: HashMap::new(),
            kept: 0,
            fast: HashMap::new(),
            fast_key: foldhash::quality::RandomState::default(),
            capped: false,
            seen: HashMap::new(),
            buffers: HashMap::new(),
            hashed: 0,
            #[cfg(test)]
            collide: false,
        }
    }

    /// Room for `n` more objects (children already unpacked, so really
    /// there): the record grows once for them.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.by_len.reserve(n);
    }

    /// The first object with the same bytes as object `id`, if there was
    /// one; otherwise `id` is recorded as the first with these bytes.
    /// `shared` says that its siblings may share its buffer.
    pub(crate) fn earlier(&mut self, id: usize, data: &Bytes, shared: bool) -> Option<usize> {
        match std::mem::replace(&mut self.first, First::Recorded) {
            First::Unseen => {
                // Nothing to be a copy of yet.
                self.first = First::Waiting(id, data.clone(), shared);
                return None;
            }
            First::Waiting(first, bytes, first_shared) => {
                self.record(first, &bytes, first_shared);
            }
            First::Recorded => {}
        }
        self.record(id, data, shared)
    }

    /// [`earlier`](Self::earlier) once the first object is recorded.
    fn record(&mut self, id: usize, data: &Bytes, shared: bool) -> Option<usize> {
        let at = (data.as_ptr() as usize, data.len());
        if shared && let Some((first, _)) = self.buffers.get(&at) {
            return Some(*first);
        }
        let first = self.by_content(id, data);
        if shared {
            self.buffers.insert(at, (first.unwrap_or(id), data.clone()));
        }
        first
    }

    fn by_content(&mut self, id: usize, data: &Bytes) -> Option<usize> {
        let len = data.len();
        let cost = self.cost(data);
        match self.by_len.get_mut(&len) {
            None => {
                self.by_len.insert(len, Slot::One(id, data.clone()));
                self.keep(cost);
                None
            }
            Some(Slot::One(first, b)) => {
                if b[..] == data[..] {
                    return Some(*first);
                }
                let mut list = Vec::with_capacity(KEPT_PER_LENGTH);
                list.push((*first, b.clone()));
                list.push((id, data.clone()));
                self.by_len.insert(len, Slot::Kept(list));
                self.keep(cost);
                None
            }
            Some(Slot::Kept(list)) => {
                if let Some((first, _)) = list.iter().find(|(_, b)| b[..] == data[..]) {
                    return Some(*first);
                }
                if list.len() < KEPT_PER_LENGTH {
                    list.push((id, data.clone()));
                    self.keep(cost);
                    return None;
                }
                let old = std::mem::take(list);
                self.by_len.insert(len, Slot::Hashed);
                if self.capped {
                    self.hash_into_seen(old);
                } else {
                    for kept in old {
                        let k = self.fast_hash(&kept.1);
                        Bucket::keep(self.fast.entry(k), kept);
                    }
                }
                self.by_fast_hash(id, data, cost)
            }
            Some(Slot::Hashed) => self.by_fast_hash(id, data, cost),
        }
    }

    /// The first object with these bytes among the kept ones of the same
    /// fast hash, or `id` kept as it; BLAKE3 once the cap was reached, or
    /// past a few objects under one fast hash.
    fn by_fast_hash(&mut self, id: usize, data: &Bytes, cost: usize) -> Option<usize> {
        if self.capped {
            return self.by_hash(id, data);
        }
        let k = self.fast_hash(data);
        let entry = self.fast.entry(k);
        if let Entry::Occupied(bucket) = &entry {
            let kept = bucket.get().kept();
            if let Some((first, _)) = kept.iter().find(|(_, b)| b[..] == data[..]) {
                return Some(*first);
            }
            if kept.len() >= KEPT_PER_HASH {
                return self.by_hash(id, data);
            }
        }
        Bucket::keep(entry, (id, data.clone()));
        self.keep(cost);
        None
    }

    /// The first object with this hash, or `id` recorded as it.
    fn by_hash(&mut self, id: usize, data: &[u8]) -> Option<usize> {
        let k = self.key(data);
        match self.seen.get(&k) {
            Some(&first) => Some(first),
            None => {
                self.seen.insert(k, id);
                None
            }
        }
    }

    /// Counts kept bytes, and hashes everything kept past the cap.
    fn keep(&mut self, cost: usize) {
        self.kept += cost;
        if self.kept > KEEP_CAP {
            self.hash_all_kept();
        }
    }

    /// Hashes objects that were kept and lets their bytes go.
    fn hash_into_seen(&mut self, kept: Vec<(usize, Bytes)>) {
        for (id, bytes) in kept {
            self.kept -= self.cost(&bytes);
            let k = self.key(&bytes);
            self.seen.entry(k).or_insert(id);
        }
    }

    /// Hashes everything kept and lets the bytes go; BLAKE3 from then on.
    fn hash_all_kept(&mut self) {
        let mut kept = Vec::new();
        for slot in self.by_len.values_mut() {
            match std::mem::replace(slot, Slot::Hashed) {
                Slot::One(id, b) => kept.push((id, b)),
                Slot::Kept(list) => kept.extend(list),
                Slot::Hashed => {}
            }
        }
        for (_, bucket) in self.fast.drain() {
            kept.extend(bucket.into_kept());
        }
        self.hash_into_seen(kept);
        self.kept = 0;
        self.capped = true;
    }

    /// The fast hash reads all of a small object, and of a larger one its
    /// length and 64 bytes at its start, at a third, at two thirds and at
    /// its end. It only picks which kept objects a newcomer is compared
    /// with byte by byte: objects alike in those places and different
    /// elsewhere cost a comparison each, and more than a few of them (made
    /// so) go to BLAKE3, as collisions do. Reading all of every object cost
    /// more than the rest of the bookkeeping of an archive of thumbnails.
    fn fast_hash(&self, data: &[u8]) -> u64 {
        #[cfg(test)]
        if self.collide {
            return 0;
        }
        const SAMPLE: usize = 64;
        let n = data.len();
        if n <= 4 * SAMPLE {
            return self.fast_key.hash_one(data);
        }
        let at = |o: usize| &data[o..o + SAMPLE];
        self.fast_key
            .hash_one((n, at(0), at(n / 3), at(2 * n / 3), at(n - SAMPLE)))
    }

    fn key(&mut self, data: &[u8]) -> [u8; 32] {
        self.hashed += 1;
        blake3::hash(data).into()
    }

    /// What keeping `data` costs: nothing for a slice of the outer file.
    fn cost(&self, data: &Bytes) -> usize {
        let start = data.as_ptr() as usize;
        if start >= self.root.0 && start + data.len() <= self.root.1 {
            0
        } else {
            data.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(b: &[u8]) -> Bytes {
        Bytes::from(b.to_vec())
    }

    #[test]
    fn objects_of_distinct_lengths_are_never_hashed() {
        let root = owned(b"outer file");
        let mut d = Dedup::new(&root);
        assert_eq!(d.earlier(0, &root, false), None);
        for (i, n) in [1usize, 2, 3, 500, 70_000].into_iter().enumerate() {
            assert_eq!(d.earlier(i + 1, &owned(&vec![7; n]), false), None);
        }
        assert_eq!(d.hashed, 0);
    }

    #[test]
    fn the_first_object_is_recorded_only_when_a_second_comes() {
        let root = owned(b"abcd");
        let mut d = Dedup::new(&root);
        assert_eq!(d.earlier(0, &root, false), None);
        assert!(d.by_len.is_empty() && d.buffers.is_empty());
        assert_eq!(d.earlier(1, &owned(b"abcd"), false), Some(0));
        assert_eq!(d.earlier(2, &owned(b"abcd"), false), Some(0));
        // A first object that shares its buffer is found by it.
        let shared = owned(b"xy");
        let mut d = Dedup::new(&root);
        assert_eq!(d.earlier(5, &shared, true), None);
        assert_eq!(d.earlier(6, &shared.clone(), true), Some(5));
    }

    #[test]
    fn a_copy_is_found_and_a_same_length_stranger_is_not() {
        let root = owned(b"r");
        let mut d = Dedup::new(&root);
        assert_eq!(d.earlier(1, &owned(b"abcd"), false), None);
        assert_eq!(d.earlier(2, &owned(b"wxyz"), false), None);
        assert_eq!(d.earlier(3, &owned(b"abcd"), false), Some(1));
        assert_eq!(d.earlier(4, &owned(b"wxyz"), false), Some(2));
    }

    #[test]
    fn same_length_strangers_are_compared_not_hashed_until_there_are_many() {
        let root = owned(b"r");
        let mut d = Dedup::new(&root);
        for i in 0..KEPT_PER_LENGTH {
            assert_eq!(d.earlier(i + 1, &owned(&[i as u8; 64]), false), None);
        }
        assert_eq!(d.earlier(50, &owned(&[1u8; 64]), false), Some(2));
        assert!(d.fast.is_empty());
        // One more stranger of that length: the length goes to the fast
        // hash from now on, and copies are still found on both sides.
        assert_eq!(d.earlier(60, &owned(&[9u8; 64]), false), None);
        assert_eq!(
            d.fast.values().map(|b| b.kept().len()).sum::<usize>(),
            KEPT_PER_LENGTH + 1
        );
        assert_eq!(d.earlier(61, &owned(&[2u8; 64]), false), Some(3));
        assert_eq!(d.earlier(62, &owned(&[9u8; 64]), false), Some(60));
        for i in 100..1000 {
            let mut b = [0u8; 64];
            b[..8].copy_from_slice(&(i as u64).to_le_bytes());
            assert_eq!(d.earlier(i, &owned(&b), false), None);
        }
        let mut b = [0u8; 64];
        b[..8].copy_from_slice(&500u64.to_le_bytes());
        assert_eq!(d.earlier(2000, &owned(&b), false), Some(500));
        assert_eq!(d.hashed, 0, "no BLAKE3 without a cap or collisions");
    }

    #[test]
    fn collisions_of_the_fast_hash_never_hide_an_object() {
        let root = owned(b"r");
        let mut d = Dedup::new(&root);
        d.collide = true;
        // Objects that differ only in their last byte, all under one
        // fast hash: each is its own, and each copy finds its first.
        let obj = |i: u8| {
            let mut b = vec![0u8; 300];
            b[299] = i;
            owned(&b)
        };
        for i in 0..40u8 {
            assert_eq!(d.earlier(usize::from(i) + 1, &obj(i), false), None);
        }
        assert!(d.fast[&0].kept().len() <= KEPT_PER_HASH + KEPT_PER_LENGTH);
        assert!(d.hashed > 0, "past a few per hash, BLAKE3");
        for i in 0..40u8 {
            assert_eq!(
                d.earlier(100 + usize::from(i), &obj(i), false),
                Some(usize::from(i) + 1)
            );
        }
    }

    #[test]
    fn objects_alike_where_the_fast_hash_looks_are_told_apart() {
        // 4 KiB objects that differ only between the samples: every one is
        // new, and a copy of any is still found.
        let root = owned(b"r");
        let mut d = Dedup::new(&root);
        let object = |i: usize| {
            let mut b = vec![0u8; 4096];
            b[100..108].copy_from_slice(&(i as u64).to_le_bytes());
            owned(&b)
        };
        for i in 0..50 {
            assert_eq!(d.earlier(i, &object(i), false), None, "{i}");
        }
        for i in 0..50 {
            assert_eq!(d.earlier(100 + i, &object(i), false), Some(i), "{i}");
        }
        // Past a few under one fast hash, BLAKE3 keeps them apart.
        assert!(d.hashed > 0);
    }

    #[test]
    fn a_child_identical_to_the_outer_file_is_its_copy() {
        let root = owned(b"quine");
        let mut d = Dedup::new(&root);
        assert_eq!(d.earlier(0, &root, false), None);
        assert_eq!(d.earlier(1, &owned(b"quine"), false), Some(0));
    }

    #[test]
    fn a_shared_buffer_is_a_copy_without_hashing() {
        let root = owned(b"r");
        let kernel = owned(&[0u8; 4096]);
        let mut d = Dedup::new(&root);
        assert_eq!(d.earlier(1, &kernel, true), None);
        for id in 2..100 {
            assert_eq!(d.earlier(id, &kernel.clone(), true), Some(1));
        }
        assert_eq!(d.hashed, 0);
    }

    #[test]
    fn past_the_cap_kept_bytes_are_hashed_and_copies_still_found() {
        let root = owned(b"r");
        let mut d = Dedup::new(&root);
        let big = |n: usize, fill: u8| owned(&vec![fill; (4 << 20) + n]);
        for i in 0..6 {
            assert_eq!(d.earlier(i + 1, &big(i, i as u8), false), None);
        }
        assert!(d.kept <= KEEP_CAP);
        assert!(d.hashed >= 4);
        assert_eq!(d.earlier(10, &big(2, 2), false), Some(3));
        // Same-length objects past the cap: BLAKE3, copies still found.
        let same = |fill: u8| owned(&vec![fill; 5 << 20]);
        for i in 0..8u8 {
            assert_eq!(d.earlier(20 + usize::from(i), &same(i), false), None);
        }
        assert!(d.fast.is_empty());
        for i in 0..8u8 {
            assert_eq!(d.earlier(40, &same(i), false), Some(20 + usize::from(i)));
        }
    }

    #[test]
    fn slices_of_the_outer_file_cost_nothing_to_keep() {
        let root = owned(&vec![1u8; 40 << 20]);
        let mut d = Dedup::new(&root);
        for i in 0..8 {
            let slice = root.slice(i..i + (4 << 20) + i);
            assert_eq!(d.earlier(i + 1, &slice, false), None);
        }
        assert_eq!((d.kept, d.hashed), (0, 0));
    }
}
