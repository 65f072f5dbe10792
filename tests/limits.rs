//! Bombs and limits: every one ends quickly with a limit finding, and the
//! budget counts bytes really produced.

use std::time::{Duration, Instant};

use crate::util::*;
use xferscan::{Engine, FindingKind, LimitKind, Limits};

fn limit_kinds(r: &xferscan::Report) -> Vec<LimitKind> {
    r.findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::Limit { limit, .. } => Some(*limit),
            _ => None,
        })
        .collect()
}

/// Debug builds are slow; the bound is generous, the point is "not minutes".
const QUICK: Duration = Duration::from_secs(20);

#[test]
fn a_zip_of_10000_entries_reaches_the_object_limit() {
    let mut z = ZipWriter::new();
    for i in 0..10_000 {
        z.entry(&format!("{i}"), b"x", Method::Stored);
    }
    let t = Instant::now();
    let r = scan("many.zip", z.finish());
    assert!(t.elapsed() < QUICK);
    assert!(
        limit_kinds(&r).contains(&LimitKind::Objects),
        "{:?}",
        keys(&r)
    );
    assert!(r.is_detected());
    assert!(r.objects.len() <= 10_000);
}

#[test]
fn a_zip_that_inflates_to_10_gb_stops_at_the_object_limit() {
    // 10,240 MiB of zeros; the headers declare 1,000 bytes (a lie).
    let bomb = deflate_zeros_mib(10_240);
    let mut h = Header::new("zeros.bin", 8, b"", &bomb);
    h.usize = 1000;
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(&bomb);
    z.central(&h, off);
    let data = z.finish();
    assert!(data.len() < 20 << 20);
    let t = Instant::now();
    let r = scan("bomb.zip", data);
    assert!(t.elapsed() < QUICK, "{:?}", t.elapsed());
    let kinds = limit_kinds(&r);
    assert!(
        kinds.contains(&LimitKind::ObjectSize) || kinds.contains(&LimitKind::Ratio),
        "{kinds:?}"
    );
    let largest = r.objects.iter().map(|o| o.size).max().unwrap();
    assert!(largest <= 100 << 20);
}

#[test]
fn the_ratio_limit_stops_early_with_a_tight_setting() {
    let bomb = deflate_zeros_mib(64);
    let mut z = ZipWriter::new();
    let h = Header::new("zeros.bin", 8, b"", &bomb);
    let off = z.local(&h);
    z.raw(&bomb);
    z.central(&h, off);
    let e = Engine::builder()
        .limits(Limits {
            max_ratio: 100,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let r = e.scan_bytes("bomb.zip", z.finish());
    assert!(
        limit_kinds(&r).contains(&LimitKind::Ratio),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn total_bytes_are_counted_across_entries() {
    let payload = vec![b'a'; 300_000];
    let z = zip_of(
        &[
            ("1", &payload[..]),
            ("2", &payload[..100_001]),
            ("3", &payload[..200_002]),
        ],
        Method::Deflated,
    );
    let e = Engine::builder()
        .limits(Limits {
            max_total_bytes: 500_000,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let r = e.scan_bytes("t.zip", z);
    assert!(
        limit_kinds(&r).contains(&LimitKind::TotalSize),
        "{:?}",
        keys(&r)
    );
    let produced: u64 = r.objects.iter().skip(1).map(|o| o.size).sum();
    assert!(produced <= 500_000);
}

#[test]
fn a_nest_50_deep_stops_at_the_depth_limit() {
    let z = nest(50, "e.txt", &eicar(), Method::Stored);
    let t = Instant::now();
    let r = scan("deep.zip", z);
    assert!(t.elapsed() < QUICK);
    assert!(limit_kinds(&r).contains(&LimitKind::Depth));
    assert!(r.objects.iter().all(|o| o.depth <= 17));
    assert!(r.is_detected());
}

#[test]
fn a_42_zip_style_nest_is_deduplicated() {
    // 16 identical children per level, 5 levels: 16^5 leaves of 1 MiB zeros.
    let mut level = zip_of(&[("zeros.bin", &vec![0u8; 1 << 20][..])], Method::Deflated);
    for _ in 0..5 {
        let names: Vec<String> = (0..16).map(|i| format!("{i}.zip")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &level[..])).collect();
        level = zip_of(&entries, Method::Deflated);
    }
    let t = Instant::now();
    let r = scan("42.zip", level);
    assert!(t.elapsed() < QUICK, "{:?}", t.elapsed());
    // One unique object per level, and 15 duplicates beside it.
    assert!(
        r.objects
            .iter()
            .filter(|o| o.duplicate_of.is_none())
            .count()
            <= 8
    );
}

#[test]
fn a_million_tiny_entries_end_at_the_object_limit() {
    // Built straight into a buffer: 1,000,000 stored one-byte entries.
    let mut out = Vec::with_capacity(100 << 20);
    let mut central = Vec::with_capacity(60 << 20);
    for i in 0..1_000_000u32 {
        let name = format!("{i:07}");
        let off = out.len() as u32;
        let crc = crc32(b"x");
        {
            let (v, sig) = (&mut out, &b"PK\x03\x04"[..]);
            v.extend_from_slice(sig);
            v.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&1u32.to_le_bytes());
            v.extend_from_slice(&1u32.to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(name.as_bytes());
            v.push(b'x');
        }
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&1u32.to_le_bytes());
        central.extend_from_slice(&1u32.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&off.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_off = out.len() as u32;
    let cd_len = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff");
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    let t = Instant::now();
    let r = scan("million.zip", out);
    assert!(t.elapsed() < QUICK, "{:?}", t.elapsed());
    assert!(limit_kinds(&r).contains(&LimitKind::Objects));
}

#[test]
fn an_overlapping_entry_bomb_is_reported_and_bounded() {
    // Fifield's construction, simplified: one kernel of compressed zeros,
    // and many central entries whose local headers all point into it.
    let kernel = deflate_zeros_mib(8);
    let mut z = ZipWriter::new();
    let h = Header::new("k", 8, b"", &kernel);
    let off = z.local(&h);
    z.raw(&kernel);
    for i in 0..200 {
        let mut hi = h.clone();
        hi.name = format!("f{i}").into_bytes();
        z.central(&hi, off);
    }
    let t = Instant::now();
    let r = scan("overlap.zip", z.finish());
    assert!(t.elapsed() < QUICK);
    assert!(
        has_key(&r, "container.overlapping_entries"),
        "{:?}",
        keys(&r)
    );
    assert_eq!(r.verdict, xferscan::Verdict::Malicious);
}

#[test]
fn the_time_limit_is_a_finding() {
    let e = Engine::builder()
        .limits(Limits {
            max_time: Duration::ZERO,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let r = e.scan_bytes("a.zip", zip_of(&[("a", &b"a"[..])], Method::Stored));
    assert!(limit_kinds(&r).contains(&LimitKind::Time));
    assert!(r.is_detected());
}

#[test]
fn an_outer_object_over_the_size_limit_is_scanned_whole_in_windows() {
    // Binary padding (ATT&CK T1027.001) past the object limit does not hide
    // what comes after it: the outer object is matched in windows.
    let e = Engine::builder()
        .limits(Limits {
            max_object_bytes: 1000,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let mut data = vec![b' '; 5000];
    data.extend(eicar());
    let r = e.scan_bytes("big.txt", data);
    assert!(found_eicar(&r));
    assert!(r.objects[0].windowed);
    assert_eq!(r.objects[0].size, 5000 + eicar().len() as u64);
    assert!(!limit_kinds(&r).contains(&LimitKind::ObjectSize));
}

/// Readers that start from the end (unzip and Python's zipfile; a DMG's
/// `koly` footer) find what padding past the head that detection reads
/// cannot hide: an object matched in windows is read from its end too.
#[test]
fn what_readers_find_from_the_end_of_a_windowed_object_is_found() {
    let e = Engine::builder()
        .limits(Limits {
            max_object_bytes: 1 << 20,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let padding: Vec<u8> = (0..5u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut data = padding.clone();
    data.extend(zip_of(&[("readme.txt", &eicar())], Method::Deflated));
    let r = e.scan_bytes("big.bin", data);
    assert!(r.objects[0].windowed);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
    let mut dmg = padding;
    dmg.extend(b"koly");
    dmg.resize(dmg.len() + 508, 0);
    let r = e.scan_bytes("big.txt", dmg.clone());
    assert_eq!(r.objects[0].types[0].ty.name(), "dmg");
    assert_ne!(r.verdict, xferscan::Verdict::Clean);
    // A document that starts as one stays one.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend(&dmg);
    let r = e.scan_bytes("big.pdf", pdf);
    assert_eq!(r.objects[0].types[0].ty.name(), "pdf");
}

#[test]
fn an_outer_object_over_the_stream_limit_is_scanned_up_to_it() {
    let e = Engine::builder()
        .limits(Limits {
            max_object_bytes: 1000,
            max_stream_bytes: 4000,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let mut data = eicar();
    data.extend(vec![b' '; 5000]);
    let r = e.scan_bytes("big.txt", data);
    assert!(found_eicar(&r));
    assert!(limit_kinds(&r).contains(&LimitKind::ObjectSize));
}
