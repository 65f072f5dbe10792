//! Where a stream's bytes wait for the scan: in memory up to a threshold,
//! then in an unlinked temporary file. Pieces may come in any order,
//! overlap or repeat; the first version of a byte is kept, and a repeat
//! that differs is recorded. Nothing is sized by a declared length: memory
//! grows with the bytes that arrive, up to the threshold.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};

use bytes::Bytes;

use crate::engine::Held;
use crate::fileio::{read_exact_at, write_at};

/// What holds the bytes.
enum Backing {
    /// Nothing yet.
    Empty,
    /// One piece at offset 0, kept as it came (no copy).
    One(Bytes),
    /// Pieces copied into one buffer (holes are zeros).
    Memory(Vec<u8>),
    /// Spilled: an unlinked temporary file (holes are sparse zeros).
    File(File),
}

/// A repeated piece whose bytes differ from the first version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub offset: u64,
    pub length: u64,
}

/// Conflicts recorded one by one at most; past this they are only counted.
const MAX_CONFLICTS: usize = 64;

pub(crate) struct Store {
    backing: Backing,
    /// Received ranges: start -> end, disjoint and not touching.
    coverage: BTreeMap<u64, u64>,
    extent: u64,
    memory_cap: u64,
    max_len: u64,
    /// Bytes offered past `max_len`.
    pub dropped: u64,
    pub conflicts: Vec<Conflict>,
    pub conflict_count: u64,
}

impl Store {
    pub fn new(memory_cap: u64, max_len: u64) -> Self {
        Store {
            backing: Backing::Empty,
            coverage: BTreeMap::new(),
            extent: 0,
            memory_cap,
            max_len,
            dropped: 0,
            conflicts: Vec::new(),
            conflict_count: 0,
        }
    }

    /// One past the last byte received.
    pub fn extent(&self) -> u64 {
        self.extent
    }

    /// How many bytes from offset 0 have all arrived.
    pub fn contiguous(&self) -> u64 {
        match self.coverage.first_key_value() {
            Some((0, &end)) => end,
            _ => 0,
        }
    }

    /// How many bytes of `0..len` never arrived, and where the first gap is.
    pub fn missing(&self, len: u64) -> Option<(u64, u64)> {
        let mut missing = 0u64;
        let mut first = None;
        let mut at = 0u64;
        for (&s, &e) in &self.coverage {
            if s >= len {
                break;
            }
            if s > at {
                missing += s - at;
                first.get_or_insert(at);
            }
            at = e.min(len);
        }
        if at < len {
            missing += len - at;
            first.get_or_insert(at);
        }
        first.map(|f| (missing, f))
    }

    /// True when the store spilled to a file.
    #[cfg(test)]
    pub fn spilled(&self) -> bool {
        matches!(self.backing, Backing::File(_))
    }

    /// Takes a piece at `offset`.
    pub fn write(&mut self, offset: u64, mut data: Bytes) -> io::Result<()> {
        let len = data.len() as u64;
        if offset >= self.max_len {
            self.dropped = self.dropped.saturating_add(len);
            return Ok(());
        }
        let room = self.max_len - offset;
        if len > room {
            self.dropped = self.dropped.saturating_add(len - room);
            data = data.slice(..room as usize);
        }
        if data.is_empty() {
            return Ok(());
        }
        let end = offset + data.len() as u64;
        // The parts already received are compared, the rest written.
        let mut at = offset;
        // Ranges are disjoint and sorted, so their ends are too: walking back
        // from the last range that starts before `end` finds every overlap
        // and stops at the first range that ends before `offset`.
        let mut covered: Vec<(u64, u64)> = self
            .coverage
            .range(..end)
            .rev()
            .take_while(|(_, e)| **e > offset)
            .map(|(s, e)| (*s.max(&offset), *e.min(&end)))
            .collect();
        covered.reverse();
        for (s, e) in covered {
            if s > at {
                self.put(at, &data[(at - offset) as usize..(s - offset) as usize])?;
            }
            let new = &data[(s - offset) as usize..(e - offset) as usize];
            if !self.same(s, new)? {
                self.conflict_count += 1;
                if self.conflicts.len() < MAX_CONFLICTS {
                    self.conflicts.push(Conflict {
                        offset: s,
                        length: e - s,
                    });
                }
            }
            at = e;
        }
        if at < end {
            if at == offset && matches!(self.backing, Backing::Empty) && offset == 0 {
                self.backing = Backing::One(data.clone());
            } else {
                self.put(at, &data[(at - offset) as usize..])?;
            }
        }
        self.cover(offset, end);
        self.extent = self.extent.max(end);
        Ok(())
    }

    /// Marks `start..end` received, merging with neighbours.
    fn cover(&mut self, mut start: u64, mut end: u64) {
        let touching: Vec<(u64, u64)> = self
            .coverage
            .range(..=end)
            .rev()
            .take_while(|(_, e)| **e >= start)
            .map(|(s, e)| (*s, *e))
            .collect();
        for (s, e) in touching {
            self.coverage.remove(&s);
            start = start.min(s);
            end = end.max(e);
        }
        self.coverage.insert(start, end);
    }

    /// Writes bytes that have not arrived before.
    fn put(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let end = offset + bytes.len() as u64;
        if let Backing::One(b) = &self.backing {
            self.backing = Backing::Memory(b.to_vec());
        }
        if matches!(self.backing, Backing::Empty) {
            self.backing = Backing::Memory(Vec::new());
        }
        if end > self.memory_cap
            && let Backing::Memory(v) = &self.backing
        {
            let mut f = tempfile::tempfile()?;
            f.write_all(v)?;
            self.backing = Backing::File(f);
        }
        match &mut self.backing {
            Backing::Memory(v) => {
                let (o, e) = (offset as usize, end as usize);
                if v.len() < e {
                    v.resize(e, 0);
                }
                v[o..e].copy_from_slice(bytes);
                Ok(())
            }
            Backing::File(f) => write_at(f, bytes, offset),
            Backing::Empty | Backing::One(_) => Ok(()),
        }
    }

    /// True when the bytes at `offset` are `bytes`.
    fn same(&self, offset: u64, bytes: &[u8]) -> io::Result<bool> {
        match &self.backing {
            Backing::One(b) => {
                Ok(b.get(offset as usize..offset as usize + bytes.len()) == Some(bytes))
            }
            Backing::Memory(v) => {
                Ok(v.get(offset as usize..offset as usize + bytes.len()) == Some(bytes))
            }
            Backing::File(f) => {
                let mut buf = vec![0u8; bytes.len().min(64 << 10)];
                let mut done = 0usize;
                while done < bytes.len() {
                    let n = (bytes.len() - done).min(buf.len());
                    read_exact_at(f, &mut buf[..n], offset + done as u64)?;
                    if buf[..n] != bytes[done..done + n] {
                        return Ok(false);
                    }
                    done += n;
                }
                Ok(true)
            }
            Backing::Empty => Ok(false),
        }
    }

    /// Up to `max` bytes from offset 0 (those that have all arrived):
    /// borrowed when they are in memory, read when they are in a file.
    pub fn head(&self, max: usize) -> io::Result<Cow<'_, [u8]>> {
        let n = usize::try_from(self.contiguous())
            .unwrap_or(usize::MAX)
            .min(max);
        match &self.backing {
            Backing::One(b) => Ok(Cow::Borrowed(&b[..n])),
            Backing::Memory(v) => Ok(Cow::Borrowed(&v[..n])),
            Backing::File(f) => {
                let mut buf = vec![0u8; n];
                read_exact_at(f, &mut buf, 0)?;
                Ok(Cow::Owned(buf))
            }
            Backing::Empty => Ok(Cow::Borrowed(&[])),
        }
    }

    /// The bytes received, holes as zeros, up to the last one received.
    pub fn finish(self) -> Held {
        match self.backing {
            Backing::Empty => Held::Bytes(Bytes::new()),
            Backing::One(b) => Held::Bytes(b),
            Backing::Memory(v) => Held::Bytes(Bytes::from(v)),
            Backing::File(file) => Held::File {
                file,
                len: self.extent,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(s: Store) -> Vec<u8> {
        match s.finish() {
            Held::Bytes(b) => b.to_vec(),
            Held::File { file, len } => {
                let mut v = vec![0u8; len as usize];
                read_exact_at(&file, &mut v, 0).unwrap();
                v
            }
        }
    }

    #[test]
    fn pieces_in_any_order_make_the_same_bytes_in_memory_and_spilled() {
        for cap in [1 << 20, 10] {
            let mut s = Store::new(cap, u64::MAX);
            s.write(6, Bytes::from_static(b"world")).unwrap();
            s.write(0, Bytes::from_static(b"hello ")).unwrap();
            s.write(3, Bytes::from_static(b"lo wo")).unwrap();
            assert_eq!(s.contiguous(), 11);
            assert!(s.conflicts.is_empty());
            assert_eq!(s.spilled(), cap == 10);
            assert_eq!(read_all(s), b"hello world");
        }
    }

    #[test]
    fn a_repeat_that_differs_is_a_conflict_and_the_first_version_stays() {
        for cap in [1 << 20, 4] {
            let mut s = Store::new(cap, u64::MAX);
            s.write(0, Bytes::from_static(b"abcdef")).unwrap();
            s.write(2, Bytes::from_static(b"XY")).unwrap();
            assert_eq!(
                s.conflicts,
                vec![Conflict {
                    offset: 2,
                    length: 2
                }]
            );
            assert_eq!(read_all(s), b"abcdef");
        }
    }

    #[test]
    fn gaps_are_counted_and_a_far_piece_spills_without_filling_memory() {
        let mut s = Store::new(1 << 20, u64::MAX);
        s.write(0, Bytes::from_static(b"ab")).unwrap();
        s.write(1 << 40, Bytes::from_static(b"z")).unwrap();
        assert!(s.spilled());
        assert_eq!(s.missing((1 << 40) + 1), Some(((1 << 40) - 2, 2)));
        assert_eq!(s.missing(2), None);
    }

    #[test]
    fn a_million_scattered_pieces_cost_a_lookup_each() {
        let mut s = Store::new(1 << 30, u64::MAX);
        let t = std::time::Instant::now();
        for i in (0..1_000_000u64).rev() {
            s.write(i * 2, Bytes::from_static(b"x")).unwrap();
        }
        assert_eq!(s.coverage.len(), 1_000_000);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn bytes_past_the_maximum_are_dropped_and_counted() {
        let mut s = Store::new(1 << 20, 4);
        s.write(2, Bytes::from_static(b"abcd")).unwrap();
        s.write(10, Bytes::from_static(b"zz")).unwrap();
        assert_eq!((s.extent(), s.dropped), (4, 4));
    }
}
