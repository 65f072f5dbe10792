//! Streaming: a transfer scanned as its pieces arrive, in any order, any
//! size, with a verdict from the first bytes; the same report as a scan of
//! the same bytes at once.

use bytes::Bytes;
use proptest::prelude::*;
use xferscan::{Engine, Limits, ScanOptions, StreamError, Verdict};

use crate::util::*;

/// An engine whose streams spill after 1 KiB, so that both the memory and
/// the file storage are exercised by small inputs.
fn spilling() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| {
        Engine::builder()
            .limits(Limits {
                stream_memory_bytes: 1024,
                ..Limits::default()
            })
            .build()
            .unwrap()
    })
}

#[test]
fn the_early_verdict_fires_on_the_first_chunk_of_an_executable() {
    let pe = tiny_pe(false);
    let mut s = engine().stream("update.bin", &ScanOptions::new());
    assert!(!s.progress().blocked());
    let p = s.feed(Bytes::copy_from_slice(&pe[..512])).unwrap();
    assert!(p.blocked(), "{p:?}");
    assert!(p.findings.iter().any(|f| f.kind.key() == "type.executable"));
    s.feed(Bytes::copy_from_slice(&pe[512..])).unwrap();
    let r = s.finish().unwrap();
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn the_early_verdict_fires_on_a_blocked_name_before_any_byte() {
    let s = engine().stream("invoice.pdf.exe", &ScanOptions::new());
    assert!(s.progress().blocked());
}

#[test]
fn the_early_verdict_fires_from_the_piece_that_holds_offset_zero() {
    let pe = tiny_pe(true);
    let mut s = spilling().stream("x", &ScanOptions::new());
    let p = s.feed_at(512, Bytes::copy_from_slice(&pe[512..])).unwrap();
    assert!(!p.blocked());
    assert_eq!(p.contiguous, 0);
    let p = s.feed_at(0, Bytes::copy_from_slice(&pe[..512])).unwrap();
    assert!(p.blocked());
    assert_eq!(p.contiguous, pe.len() as u64);
}

#[test]
fn a_repeated_piece_with_other_bytes_is_a_finding_and_the_first_is_kept() {
    for e in [engine(), spilling()] {
        let mut s = e.stream("a.txt", &ScanOptions::new());
        s.feed_at(0, Bytes::from(vec![b'a'; 2000])).unwrap();
        // The same bytes again: no finding.
        s.feed_at(100, Bytes::from(vec![b'a'; 50])).unwrap();
        // Other bytes over them: a finding.
        s.feed_at(1500, eicar()).unwrap();
        let r = s.finish().unwrap();
        assert_eq!(keys(&r), vec!["stream.conflicting_piece"]);
        assert!(!found_eicar(&r), "the first version is the one scanned");
        assert_eq!(r.verdict, Verdict::Malicious);
    }
}

#[test]
fn bytes_that_never_arrive_are_a_finding_and_the_rest_is_scanned() {
    let mut s = spilling().stream("a.bin", &ScanOptions::new());
    s.declare_len(100_000).unwrap();
    s.feed_at(5_000, eicar()).unwrap();
    let r = s.finish().unwrap();
    assert!(found_eicar(&r));
    assert!(has_key(&r, "unscannable.truncated"));
    let f = r.findings_with_key("unscannable.truncated").next().unwrap();
    assert!(matches!(
        f.kind,
        xferscan::FindingKind::Truncated { at: 0, missing } if missing == 100_000 - eicar().len() as u64
    ));
}

#[test]
fn bad_input_is_an_error_or_a_finding_never_a_panic() {
    let mut s = engine().stream("a", &ScanOptions::new());
    s.declare_len(10).unwrap();
    assert!(matches!(
        s.feed_at(8, Bytes::from_static(b"abc")),
        Err(StreamError::PastDeclaredLength { .. })
    ));
    assert!(matches!(
        s.declare_len(20),
        Err(StreamError::LengthConflict { .. })
    ));
    assert!(matches!(
        engine()
            .stream("a", &ScanOptions::new())
            .feed_at(u64::MAX, Bytes::from_static(b"ab")),
        Err(StreamError::OffsetOverflow { .. })
    ));
    // A declared length of 2^63 sizes nothing: what arrived is scanned and
    // the rest is missing.
    let mut s = engine().stream("a", &ScanOptions::new());
    s.declare_len(1 << 63).unwrap();
    s.feed(Bytes::from_static(b"hello")).unwrap();
    let r = s.finish().unwrap();
    assert!(has_key(&r, "unscannable.truncated"));
    assert_ne!(r.verdict, Verdict::Clean);
    // A piece far out spills to a sparse file rather than filling memory.
    let mut s = engine().stream("a", &ScanOptions::new());
    s.feed_at(1 << 40, eicar()).unwrap();
    drop(s);
}

#[test]
fn a_reader_that_fails_halfway_is_an_error() {
    struct Failing(usize);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("the network went away"));
            }
            self.0 -= 1;
            buf[0] = b'x';
            Ok(1)
        }
    }
    let e = engine().scan_reader("a", Failing(10)).unwrap_err();
    assert!(e.to_string().contains("the network went away"), "{e}");
}

/// The temporary files this process has open (unlinked, so shown as
/// deleted).
fn deleted_files() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|p| p.display().to_string())
        .filter(|p| p.ends_with("(deleted)"))
        .collect()
}

#[test]
#[cfg(target_os = "linux")]
fn an_abandoned_stream_leaves_no_file_behind() {
    let before = deleted_files();
    let mut s = spilling().stream("big.bin", &ScanOptions::new());
    // A first piece is kept as it came; the second one joins it past the
    // memory threshold, which spills.
    s.feed(Bytes::from(vec![7u8; 600])).unwrap();
    s.feed(Bytes::from(vec![7u8; 64 << 10])).unwrap();
    let ours: Vec<String> = deleted_files()
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert!(!ours.is_empty(), "the stream spilled to an unlinked file");
    drop(s);
    let left: Vec<String> = deleted_files()
        .into_iter()
        .filter(|f| ours.contains(f))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_cancelled_stream_is_not_clean() {
    let mut s = engine().stream("a.txt", &ScanOptions::new());
    s.feed(Bytes::from_static(b"hello")).unwrap();
    s.cancel_token().cancel();
    let r = s.finish().unwrap();
    assert!(!r.complete);
    assert!(has_key(&r, "limit.cancelled"));
    assert_ne!(r.verdict, Verdict::Clean);
}

/// An engine whose object limit is small, so that small streams take the
/// path of streams larger than memory.
fn small_objects() -> Engine {
    Engine::builder()
        .limits(Limits {
            max_object_bytes: 4096,
            stream_memory_bytes: 1024,
            ..Limits::default()
        })
        .build()
        .unwrap()
}

#[test]
fn a_stream_past_the_object_limit_is_matched_whole_in_windows() {
    let e = small_objects();
    let mut data: Vec<u8> = (0..20_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    data.extend(eicar());
    let mut s = e.stream("padded.bin", &ScanOptions::new());
    for c in data.chunks(777) {
        s.feed(Bytes::copy_from_slice(c)).unwrap();
    }
    let r = s.finish().unwrap();
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(r.objects[0].windowed);
    assert_eq!(r.objects[0].size, data.len() as u64);
}

#[test]
fn a_zip_past_the_object_limit_is_unpacked_from_the_spilled_file() {
    let e = small_objects();
    let big: Vec<u8> = (0..30_000u32).map(|i| (i * 31 % 253) as u8).collect();
    let z = zip_of(&[("big.bin", &big), ("e.com", &eicar())], Method::Stored);
    let mut s = e.stream("a.zip", &ScanOptions::new());
    for c in z.chunks(1000) {
        s.feed(Bytes::copy_from_slice(c)).unwrap();
    }
    let r = s.finish().unwrap();
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(r.objects.iter().any(|o| o.path.name() == "e.com"));
}

/// Inputs of every kind the pipeline treats differently.
fn inputs() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..5000),
        Just(eicar()),
        Just(tiny_pe(false)),
        Just(zip_of(
            &[("a.txt", b"hello".as_slice()), ("e.com", &eicar())],
            Method::Deflated
        )),
        Just(
            TarWriter::new()
                .file("x/y.txt", b"tar entry")
                .file("e", &eicar())
                .finish()
        ),
        Just(gzip(&eicar())),
        Just(nest(2, "n.zip", &eicar(), Method::Stored)),
    ]
}

/// Cuts `len` bytes into pieces (start, end), in a shuffled order, some
/// repeated and some overlapping their neighbours.
fn pieces(len: usize) -> impl Strategy<Value = Vec<(usize, usize)>> {
    (
        prop::collection::vec(1usize..700, 1..20),
        any::<prop::sample::Index>(),
        prop::collection::vec((any::<prop::sample::Index>(), 0usize..50), 0..4),
    )
        .prop_map(move |(sizes, seed, overlaps)| {
            let mut cuts = Vec::new();
            let mut at = 0;
            let mut i = 0;
            while at < len {
                let end = (at + sizes[i % sizes.len()]).min(len);
                cuts.push((at, end));
                at = end;
                i += 1;
            }
            for (which, grow) in overlaps {
                if !cuts.is_empty() {
                    let (s, e) = cuts[which.index(cuts.len())];
                    cuts.push((s.saturating_sub(grow), (e + grow).min(len)));
                }
            }
            // A deterministic shuffle from the seed.
            let n = cuts.len();
            let k = seed.index(n.max(1));
            for j in 0..n {
                cuts.swap(j, (j * 7 + k) % n);
            }
            cuts
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// However a stream is cut and in whatever order its pieces come (with
    /// consistent repeats), its report is the report of the same bytes at
    /// once; in memory and spilled alike.
    #[test]
    fn a_stream_report_does_not_depend_on_its_pieces(
        (data, cuts) in inputs().prop_flat_map(|d| { let n = d.len(); (Just(d), pieces(n)) }),
        spill in any::<bool>(),
    ) {
        let e = if spill { spilling() } else { engine() };
        let whole = e.scan_bytes("t.bin", data.clone());
        let mut s = e.stream("t.bin", &ScanOptions::new());
        for (a, b) in cuts {
            s.feed_at(a as u64, Bytes::copy_from_slice(&data[a..b])).unwrap();
        }
        let r = s.finish().unwrap();
        prop_assert_eq!(r, whole);
    }
}

/// `xferscan scan --early -` stops reading an executable after its first
/// chunk, and says where; without `--early` it reads to the end.
#[test]
fn the_command_cuts_a_piped_executable_with_early() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let Some(bin) = option_env!("CARGO_BIN_EXE_xferscan") else {
        return;
    };
    let run = |extra: &[&str]| {
        let mut child = Command::new(bin)
            .args(["scan"])
            .args(extra)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let mut sent = 0usize;
            let _ = stdin.write_all(&tiny_pe(false)).map(|_| sent += 1024);
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..64 {
                if stdin.write_all(&zeros).is_err() {
                    break;
                }
                sent += zeros.len();
            }
            sent
        });
        let out = child.wait_with_output().unwrap();
        let sent = writer.join().unwrap();
        (out, sent)
    };
    let (out, sent) = run(&["--early"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("stopped reading at"), "{text}");
    assert!(text.contains("MALICIOUS"), "{text}");
    assert!(
        sent < 64 << 20,
        "the writer was cut off ({sent} bytes sent)"
    );
    let (out, sent) = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sent, 1024 + (64 << 20));
}
