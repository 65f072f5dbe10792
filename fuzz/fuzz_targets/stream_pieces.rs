#![no_main]
//! A stream fed fuzzer-chosen pieces (offsets, overlaps, repeats with other
//! bytes, gaps) in a fuzzer-chosen order: when every byte arrived once in
//! one version, the report is `scan_bytes` of the bytes; otherwise the
//! stream's own findings say what was conflicting or missing, and the bytes
//! scanned are the first version of each, holes as zeros.

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Piece {
    offset: u16,
    /// Take the bytes from the data at this offset (else from `offset`).
    from: Option<u16>,
    len: u8,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    data: &'a [u8],
    pieces: Vec<Piece>,
    declare: Option<u16>,
}

fuzz_target!(|input: Input<'_>| {
    let engine = xferscan::fuzzing::engine();
    let mut stream = engine.stream("f", &xferscan::ScanOptions::new());
    if let Some(d) = input.declare {
        stream.declare_len(d as u64).expect("nothing fed yet");
    }
    // The model: the first version of each byte.
    let mut first: Vec<Option<u8>> = Vec::new();
    let mut conflict = false;
    for p in input.pieces.iter().take(64) {
        let src = p.from.unwrap_or(p.offset) as usize;
        let Some(bytes) = input
            .data
            .get(src..(src + p.len as usize).min(input.data.len()))
        else {
            continue;
        };
        let at = p.offset as usize;
        let end = at + bytes.len();
        if let Some(d) = input.declare
            && end as u64 > d as u64
        {
            assert!(
                stream
                    .feed_at(at as u64, Bytes::copy_from_slice(bytes))
                    .is_err()
            );
            continue;
        }
        stream
            .feed_at(at as u64, Bytes::copy_from_slice(bytes))
            .expect("memory and small spills do not fail");
        if first.len() < end && !bytes.is_empty() {
            first.resize(end, None);
        }
        for (i, &b) in bytes.iter().enumerate() {
            match first[at + i] {
                None => first[at + i] = Some(b),
                Some(x) if x != b => conflict = true,
                Some(_) => {}
            }
        }
    }
    let report = stream.finish().expect("the stream did not fail");
    let expected: Vec<u8> = first.iter().map(|b| b.unwrap_or(0)).collect();
    let gap = first.iter().any(Option::is_none)
        || input.declare.is_some_and(|d| d as usize > first.len());
    let keys: Vec<&str> = report.findings.iter().map(|f| f.kind.key()).collect();
    assert_eq!(
        conflict,
        keys.contains(&"stream.conflicting_piece"),
        "{keys:?}"
    );
    assert_eq!(gap, keys.contains(&"unscannable.truncated"), "{keys:?}");
    assert_eq!(report.objects[0].size, expected.len() as u64);
    if !conflict && !gap {
        assert_eq!(report, engine.scan_bytes("f", expected));
    }
});
