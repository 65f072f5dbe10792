//! Time and peak heap for each bomb of the containers issue: a single entry
//! that inflates to 10 GB, an overlapping-entry bomb, a 42.zip-style nest, a
//! million tiny entries, a nest 50 deep. The heap is measured by a counting
//! allocator around the system one.
//!
//! Run with `cargo bench --bench bombs`. It prints figures; it asserts
//! nothing.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded to the system allocator with the same layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the pointer came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded to the system allocator.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[path = "../tests/util/mod.rs"]
mod util;
use util::{deflate, deflate_zeros_mib as zeros_mib};

#[global_allocator]
static ALLOC: Counting = Counting;

fn u16le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn u32le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// A minimal zip writer: entries given as (name, method, crc, packed,
/// declared size, local header offset or None to write one).
fn zip(entries: &[(String, u16, u32, Vec<u8>, u32)], shared_kernel: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut kernel_off = None;
    for (name, method, crc, packed, usize) in entries {
        let off = if let Some(k) = kernel_off.filter(|_| shared_kernel) {
            k
        } else {
            let off = out.len() as u32;
            out.extend_from_slice(b"PK\x03\x04");
            u16le(&mut out, 20);
            u16le(&mut out, 0);
            u16le(&mut out, *method);
            u32le(&mut out, 0);
            u32le(&mut out, *crc);
            u32le(&mut out, packed.len() as u32);
            u32le(&mut out, *usize);
            u16le(&mut out, name.len() as u16);
            u16le(&mut out, 0);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(packed);
            kernel_off = Some(off);
            off
        };
        central.extend_from_slice(b"PK\x01\x02");
        u16le(&mut central, 20);
        u16le(&mut central, 20);
        u16le(&mut central, 0);
        u16le(&mut central, *method);
        u32le(&mut central, 0);
        u32le(&mut central, *crc);
        u32le(&mut central, packed.len() as u32);
        u32le(&mut central, *usize);
        u16le(&mut central, name.len() as u16);
        central.extend_from_slice(&[0; 12]);
        u32le(&mut central, off);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_off = out.len() as u32;
    let n = entries.len().min(0xffff) as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    u16le(&mut out, n);
    u16le(&mut out, n);
    u32le(&mut out, central.len() as u32);
    u32le(&mut out, cd_off);
    u16le(&mut out, 0);
    out
}

fn simple(entries: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let e: Vec<_> = entries
        .into_iter()
        .map(|(n, d)| (n, 8, crc32fast::hash(&d), deflate(&d), d.len() as u32))
        .collect();
    zip(&e, false)
}

fn main() {
    let engine = xferscan::Engine::builder().build().expect("rules");
    let mut bombs: Vec<(&str, Vec<u8>)> = Vec::new();

    bombs.push((
        "single entry, 10 GB of zeros",
        zip(&[("zeros".into(), 8, 0, zeros_mib(10_240), 1000)], false),
    ));

    let kernel = zeros_mib(64);
    let overlap: Vec<_> = (0..1000)
        .map(|i| (format!("f{i}"), 8, 0, kernel.clone(), 0))
        .collect();
    bombs.push((
        "1,000 entries sharing one 64 MiB kernel",
        zip(&overlap, true),
    ));

    let mut level = simple(vec![("zeros".into(), vec![0u8; 4 << 20])]);
    for _ in 0..5 {
        level = simple(
            (0..16)
                .map(|i| (format!("{i}.zip"), level.clone()))
                .collect(),
        );
    }
    bombs.push(("42.zip style: 16 x 5 levels of 4 MiB", level));

    let million: Vec<_> = (0..1_000_000)
        .map(|i| {
            (
                format!("{i:07}"),
                0,
                crc32fast::hash(b"x"),
                b"x".to_vec(),
                1,
            )
        })
        .collect();
    bombs.push(("1,000,000 one-byte entries", zip(&million, false)));

    let mut deep = b"payload".to_vec();
    for i in 0..50 {
        deep = simple(vec![(format!("level{i}.zip"), deep)]);
    }
    bombs.push(("nest 50 deep", deep));

    println!(
        "{:<42} {:>10} {:>12} {:>14}  first limit",
        "bomb", "input", "time ms", "peak heap MiB"
    );
    for (name, data) in bombs {
        let len = data.len();
        let base = CURRENT.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let t = Instant::now();
        let r = engine.scan_bytes("bomb.zip", data);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        let limit = r
            .findings
            .iter()
            .find_map(|f| match &f.kind {
                xferscan::FindingKind::Limit { limit, .. } => Some(limit.as_str().to_string()),
                xferscan::FindingKind::OverlappingEntries { .. } => {
                    Some("overlapping_entries".into())
                }
                _ => None,
            })
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<42} {:>9}K {:>12.1} {:>14.1}  {} ({:?})",
            name,
            len / 1024,
            ms,
            peak as f64 / (1 << 20) as f64,
            limit,
            r.verdict
        );
    }
}
