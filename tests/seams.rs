//! The engine's seams: where an object came from, a sink that stops the
//! scan, first-hit mode, cancellation from another thread, the judgement of
//! a file's first bytes, shared rules and the engine swap.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use xferscan::{
    CancelToken, Engine, Finding, Flow, Limits, ObjectInfo, Origin, Policy, ScanOptions,
    SharedEngine, Sink, StopReason, Verdict,
};

use crate::util::*;

// --- Names that start with '<' are names like any other -----------------

/// An entry named like one of our labels is still the sender's name.
fn zip_named(name: &str) -> Vec<u8> {
    zip_of(
        &[(name, b"harmless text, really".as_slice())],
        Method::Stored,
    )
}

#[test]
fn an_entry_name_starting_with_a_bracket_gets_the_bidi_check() {
    let r = scan("a.zip", zip_named("<invoice\u{202e}FDP.exe"));
    assert!(has_key(&r, "name.bidi_control"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_entry_name_starting_with_a_bracket_gets_the_double_extension_check() {
    let r = scan("a.zip", zip_named("<report.pdf.exe"));
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_entry_name_starting_with_a_bracket_gets_the_unsafe_path_check() {
    let r = scan("a.zip", zip_named("<x>/../../etc/passwd"));
    assert!(has_key(&r, "name.unsafe_path"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_tar_entry_name_starting_with_a_bracket_is_checked_too() {
    let tar = TarWriter::new()
        .file("<embedded pe-exe @512>.pdf.exe", b"text")
        .finish();
    let r = scan("a.tar", tar);
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
}

#[test]
fn a_name_given_by_the_caller_starting_with_a_bracket_is_checked() {
    let r = scan("<invoice.pdf.exe", b"text".to_vec());
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
}

#[test]
fn origins_are_typed_and_in_the_json() {
    // A PNG with a PE glued behind it, inside a zip entry.
    let mut glued = tiny_png();
    let at = glued.len() as u64;
    glued.extend(tiny_pe(false));
    let r = scan("a.zip", zip_of(&[("photo.png", &glued)], Method::Deflated));
    let origins: Vec<Origin> = r.objects.iter().map(|o| o.origin).collect();
    assert_eq!(origins[0], Origin::Input { named: true });
    assert_eq!(origins[1], Origin::Entry);
    assert_eq!(origins[2], Origin::Carved { offset: at });
    // Our label of the carved region is not judged as a name.
    assert!(
        !r.findings
            .iter()
            .any(|f| f.object == 2 && f.kind.key().starts_with("name.")),
        "{:?}",
        keys(&r)
    );
    let json: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(json["schema"], xferscan::REPORT_SCHEMA);
    assert_eq!(json["complete"], true);
    assert_eq!(json["objects"][1]["origin"]["kind"], "entry");
    assert_eq!(json["objects"][2]["origin"]["kind"], "carved");
    assert_eq!(json["objects"][2]["origin"]["offset"], at);
}

#[test]
fn an_input_without_a_name_is_not_judged_by_one() {
    let r = scan("", tiny_pe(false));
    assert_eq!(r.objects[0].origin, Origin::Input { named: false });
    assert!(!keys(&r).iter().any(|k| k.starts_with("name.")));
}

// --- The sink ------------------------------------------------------------

/// Records what it sees and stops after `stop_after` objects.
#[derive(Default)]
struct Recorder {
    objects: Vec<String>,
    findings: Vec<String>,
    stop_after: Option<usize>,
    verdicts: Vec<Verdict>,
}

impl Sink for Recorder {
    fn object(&mut self, o: &ObjectInfo) -> Flow {
        self.objects.push(o.path.to_string());
        match self.stop_after {
            Some(n) if self.objects.len() >= n => Flow::Stop,
            _ => Flow::Continue,
        }
    }

    fn finding(&mut self, f: &Finding, verdict: Verdict) -> Flow {
        self.findings.push(f.kind.key().to_owned());
        self.verdicts.push(verdict);
        Flow::Continue
    }
}

fn many_entries(n: usize) -> Vec<u8> {
    let names: Vec<String> = (0..n).map(|i| format!("f{i}.txt")).collect();
    let bodies: Vec<Vec<u8>> = (0..n).map(|i| format!("file {i}").into_bytes()).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .zip(&bodies)
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_of(&entries, Method::Deflated)
}

#[test]
fn the_sink_sees_what_the_report_holds_in_order() {
    let mut eicar_zip = many_entries(3);
    eicar_zip = zip_of(
        &[("a.zip", &eicar_zip), ("e.com", &eicar())],
        Method::Stored,
    );
    let mut rec = Recorder::default();
    let r = engine().scan_bytes_into("x.zip", eicar_zip, &ScanOptions::new(), &mut rec);
    assert!(r.complete);
    let paths: Vec<String> = r.objects.iter().map(|o| o.path.to_string()).collect();
    assert_eq!(rec.objects, paths);
    assert_eq!(rec.findings, keys(&r));
    // The verdict it is told only rises, and ends at the report's.
    assert!(rec.verdicts.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(rec.verdicts.last(), Some(&r.verdict));
}

#[test]
fn a_sink_that_stops_ends_the_scan_and_the_report_says_so() {
    let data = many_entries(50);
    let full = scan("x.zip", data.clone());
    assert_eq!(full.objects.len(), 51);
    let mut rec = Recorder {
        stop_after: Some(5),
        ..Default::default()
    };
    let r = engine().scan_bytes_into("x.zip", data, &ScanOptions::new(), &mut rec);
    assert!(!r.complete);
    assert_eq!(r.stopped, Some(StopReason::Sink));
    assert_eq!(r.objects.len(), 5);
    assert_eq!(rec.objects.len(), 5);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["complete"], false);
    assert_eq!(json["stopped"], "sink");
}

#[test]
fn first_hit_stops_at_the_first_blocked_finding() {
    let mut entries: Vec<(String, Vec<u8>)> = vec![("e.txt".into(), eicar())];
    for i in 0..200 {
        entries.push((format!("f{i}.txt"), format!("file {i}").into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let data = zip_of(&refs, Method::Deflated);
    let full = scan("x.zip", data.clone());
    assert!(full.complete && full.objects.len() == 202);
    let r = engine().scan_bytes_with("x.zip", data, &ScanOptions::new().first_hit(true));
    assert_eq!(r.verdict, Verdict::Malicious);
    assert!(!r.complete);
    assert_eq!(r.stopped, Some(StopReason::FirstHit));
    assert!(r.objects.len() < 10, "{} objects", r.objects.len());
    assert!(found_eicar(&r));
    // On a clean file, first-hit mode changes nothing.
    let clean = many_entries(20);
    let a = scan("c.zip", clean.clone());
    let b = engine().scan_bytes_with("c.zip", clean, &ScanOptions::new().first_hit(true));
    assert_eq!(a, b);
}

// --- Cancellation ----------------------------------------------------------

#[test]
fn a_scan_cancelled_from_another_thread_stops_promptly_and_is_not_clean() {
    // 400 entries of 4 MiB of zeros each: seconds of work.
    let kernel = deflate_zeros_mib(4);
    let names: Vec<String> = (0..400).map(|i| format!("z{i}.bin")).collect();
    let mut w = ZipWriter::new();
    for n in &names {
        let mut h = Header::new(n, 8, b"", &kernel);
        h.usize = 4 << 20;
        let off = w.local(&h);
        w.raw(&kernel);
        w.central(&h, off);
    }
    let data = w.finish();
    let engine = Engine::builder()
        .limits(Limits {
            max_total_bytes: 8 << 30,
            max_ratio: u64::MAX,
            max_objects: 1_000,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let cancel = CancelToken::new();
    let opts = ScanOptions::new().cancel(cancel.clone());
    let started = Arc::new(AtomicBool::new(false));
    let s2 = started.clone();
    let handle = std::thread::spawn(move || {
        struct Started(Arc<AtomicBool>);
        impl Sink for Started {
            fn object(&mut self, _: &ObjectInfo) -> Flow {
                self.0.store(true, Ordering::SeqCst);
                Flow::Continue
            }
        }
        let t = Instant::now();
        let r = engine.scan_bytes_into("bomb.zip", data, &opts, &mut Started(s2));
        (r, t.elapsed())
    });
    while !started.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(50));
    let asked = Instant::now();
    cancel.cancel();
    let (r, whole) = handle.join().unwrap();
    let after_cancel = asked.elapsed();
    assert!(
        after_cancel < Duration::from_secs(3),
        "stopped {after_cancel:?} after the cancel (whole scan {whole:?})"
    );
    assert!(!r.complete, "{:?}", keys(&r));
    assert!(has_key(&r, "limit.cancelled"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
    assert!(r.objects.len() < 401);
}

// --- The judgement of the first bytes --------------------------------------

#[test]
fn the_first_bytes_of_an_executable_decide_the_verdict() {
    let pe = tiny_pe(false);
    let j = engine().judge_head("setup.exe", &pe[..512], &ScanOptions::new());
    assert!(j.blocked(), "{j:?}");
    assert_eq!(j.true_type.map(|t| t.name()), Some("pe-exe"));
    // Too few bytes for the headers: nothing settled yet but the name,
    // whose extension is on Gmail's list.
    let j = engine().judge_head("setup.exe", &pe[..100], &ScanOptions::new());
    assert!(j.true_type.is_none(), "{j:?}");
    assert!(
        j.findings
            .iter()
            .all(|f| f.kind.key() == "name.blocked_extension"),
        "{j:?}"
    );
    let j = engine().judge_head("setup.bin", &pe[..100], &ScanOptions::new());
    assert!(j.true_type.is_none() && j.findings.is_empty(), "{j:?}");
}

#[test]
fn a_blocked_name_decides_before_any_byte() {
    let j = engine().judge_head("invoice\u{202e}fdp.exe", b"", &ScanOptions::new());
    assert!(j.blocked());
    assert!(
        j.findings
            .iter()
            .any(|f| f.kind.key() == "name.bidi_control")
    );
    // A plain name and plain text settle nothing.
    let j = engine().judge_head("notes.txt", b"hello", &ScanOptions::new());
    assert_eq!(j.verdict, Verdict::Clean);
    assert!(j.findings.is_empty());
}

/// Inputs whose first bytes may or may not settle their type.
fn head_inputs() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(tiny_pe(false)),
        Just(tiny_pe(true)),
        prop::collection::vec(any::<u8>(), 0..600),
        Just(tiny_png()),
        Just(eicar()),
        Just(zip_of(&[("a.exe", &tiny_pe(false))], Method::Stored)),
        Just(b"@echo off\r\nstart calc.exe\r\n".to_vec()),
    ]
    .prop_flat_map(|base| {
        let len = base.len();
        (
            Just(base),
            prop::collection::vec(any::<u8>(), 0..300),
            prop::collection::vec((0..len.max(1), any::<u8>()), 0..4),
        )
    })
    .prop_map(|(mut base, tail, flips)| {
        for (at, b) in flips {
            if let Some(x) = base.get_mut(at) {
                *x = b;
            }
        }
        base.extend(tail);
        base
    })
}

fn names() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("setup.exe".to_string()),
        Just("photo.jpg".to_string()),
        Just("invoice.pdf.exe".to_string()),
        Just("a\u{202e}txt.exe".to_string()),
        Just("../../x.sh".to_string()),
        Just("".to_string()),
        Just("notes.txt".to_string()),
        "[a-z<.]{0,12}(\\.[a-z]{1,4}){0,2}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// What a prefix settles, the whole file's scan says too: every finding
    /// of the head judgement is a finding of the outer object in the full
    /// report, and the full verdict is at least as strong.
    #[test]
    fn the_head_judgement_never_contradicts_the_full_scan(
        data in head_inputs(),
        name in names(),
        cut in 0usize..1000,
    ) {
        let cut = cut.min(data.len());
        let j = engine().judge_head(&name, &data[..cut], &ScanOptions::new());
        let full = engine().scan_bytes(&name, data.clone());
        prop_assert!(j.verdict <= full.verdict, "{j:?} vs {:?}", keys(&full));
        for f in &j.findings {
            prop_assert!(
                full.findings.iter().any(|g| g.object == 0 && g.kind == f.kind && g.action == f.action),
                "{:?} not in {:?}", f.kind, keys(&full)
            );
        }
        if let Some(t) = j.true_type {
            prop_assert_eq!(Some(t), full.true_type());
        }
    }
}

// --- Shared rules and the engine swap --------------------------------------

fn engine_with_rule(rule: &str) -> Engine {
    Engine::builder()
        .default_rules(false)
        .rules_source(
            &format!("{rule}.yar"),
            &format!(
                "rule {rule} {{ meta: severity = \"low\" strings: $a = \"swap-marker\" condition: $a }}"
            ),
        )
        .build()
        .unwrap()
}

#[test]
fn engines_share_compiled_rules() {
    let a = engine_with_rule("R_A");
    let b = Engine::builder()
        .rules(a.rules().clone())
        .policy(Policy::empty())
        .build()
        .unwrap();
    assert!(a.rules().same_as(b.rules()));
    assert_eq!(b.rule_count(), 1);
    assert!(b.scan_bytes("m", b"swap-marker".to_vec()).matched("R_A"));
}

#[test]
fn an_engine_swap_while_eight_threads_scan_keeps_every_scan_consistent() {
    let a = engine_with_rule("R_A");
    let b = engine_with_rule("R_B");
    let shared = Arc::new(SharedEngine::new(a.clone()));
    let entries: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| (format!("m{i}.txt"), format!("swap-marker {i}").into_bytes()))
        .collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let data = bytes::Bytes::from(zip_of(&refs, Method::Deflated));
    let done = Arc::new(AtomicBool::new(false));
    let scans = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(9));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (shared, data, done, scans, barrier) = (
                shared.clone(),
                data.clone(),
                done.clone(),
                scans.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                barrier.wait();
                let mut seen = [0usize; 2];
                while !done.load(Ordering::Relaxed) {
                    let r = shared.get().scan_bytes("m.zip", data.clone());
                    let rules: Vec<&str> = r.signatures().map(|(_, m)| m.rule.as_str()).collect();
                    assert_eq!(rules.len(), 40, "every entry matched");
                    assert!(
                        rules.iter().all(|x| *x == rules[0]),
                        "one scan saw two rule sets: {rules:?}"
                    );
                    seen[usize::from(rules[0] == "R_B")] += 1;
                    scans.fetch_add(1, Ordering::Relaxed);
                }
                xferscan::release_thread_scanners();
                assert_eq!(xferscan::thread_scanner_count(), 0);
                seen
            })
        })
        .collect();
    barrier.wait();
    for i in 0..40 {
        shared.swap(if i % 2 == 0 { b.clone() } else { a.clone() });
        std::thread::sleep(Duration::from_millis(5));
    }
    done.store(true, Ordering::Relaxed);
    let mut both = [0usize; 2];
    for w in workers {
        let s = w.join().unwrap();
        both[0] += s[0];
        both[1] += s[1];
    }
    assert!(scans.load(Ordering::Relaxed) >= 8);
    assert!(
        both[0] > 0 && both[1] > 0,
        "both rule sets were used: {both:?}"
    );
}

#[test]
fn a_thread_lets_go_of_rules_that_were_swapped_out() {
    std::thread::spawn(|| {
        let old = engine_with_rule("R_OLD");
        old.scan_bytes("a", b"x".to_vec());
        assert_eq!(xferscan::thread_scanner_count(), 1);
        drop(old);
        // The next scan, with other rules, drops the stale scanner.
        let new = engine_with_rule("R_NEW");
        new.scan_bytes("a", b"x".to_vec());
        assert_eq!(xferscan::thread_scanner_count(), 1);
        // And a host can release the thread's scanners at once.
        xferscan::release_thread_scanners();
        assert_eq!(xferscan::thread_scanner_count(), 0);
        assert!(
            new.scan_bytes("a", b"swap-marker".to_vec())
                .matched("R_NEW")
        );
    })
    .join()
    .unwrap();
}

#[test]
fn a_scan_cancelled_before_it_starts_still_reports_its_input() {
    let cancel = CancelToken::new();
    cancel.cancel();
    let data = zip_of(&[("e.com", &eicar())], Method::Deflated);
    let r = engine().scan_bytes_with("a.zip", data, &ScanOptions::new().cancel(cancel));
    assert_eq!(r.objects.len(), 1, "the input is recorded and judged");
    assert!(r.findings.iter().all(|f| f.object < r.objects.len()));
    assert_eq!(r.stopped, Some(StopReason::Cancelled));
    assert!(has_key(&r, "limit.cancelled"));
    assert_ne!(r.verdict, Verdict::Clean);
}
