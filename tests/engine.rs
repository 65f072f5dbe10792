//! The scanning engine: EICAR where it hides, clean files clean, reports the
//! same from many threads.

use std::sync::Arc;

use crate::util::*;
use xferscan::{Engine, ObjectHashes, Verdict};

#[test]
fn eicar_plain() {
    let r = scan("eicar.com", eicar());
    assert!(found_eicar(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn eicar_with_trailing_text_and_in_the_middle() {
    let mut v = b"some words first\n".to_vec();
    v.extend(eicar());
    v.extend_from_slice(b"\r\n");
    assert!(found_eicar(&scan("note.txt", v)));
}

#[test]
fn eicar_in_stored_and_deflated_zips() {
    for m in [Method::Stored, Method::Deflated, Method::Bzip2] {
        let z = zip_of(&[("readme.txt", &b"hello"[..]), ("e.txt", &eicar())], m);
        let r = scan("a.zip", z);
        assert!(found_eicar(&r), "{m:?}");
        let (path, _) = deepest(&r);
        assert_eq!(path.to_string(), "a.zip > e.txt");
    }
}

#[test]
fn eicar_three_zips_deep() {
    let z = nest(3, "deep.txt", &eicar(), Method::Deflated);
    let r = scan("outer.zip", z);
    assert!(found_eicar(&r));
    let (path, _) = deepest(&r);
    assert_eq!(path.names().len(), 4);
    assert_eq!(
        path.to_string(),
        "outer.zip > level1.zip > level0.zip > deep.txt"
    );
}

#[test]
fn eicar_in_the_5000th_entry() {
    let mut z = ZipWriter::new();
    for i in 0..4999 {
        z.entry(
            &format!("f{i}.txt"),
            format!("file {i}").as_bytes(),
            Method::Deflated,
        );
    }
    z.entry("f4999.txt", &eicar(), Method::Deflated);
    let r = scan("many.zip", z.finish());
    assert!(found_eicar(&r));
    assert_eq!(r.objects.len(), 5001);
}

#[test]
fn clean_files_and_clean_nested_zips_are_clean() {
    assert_clean(&scan(
        "notes.txt",
        b"Meeting at 10. Bring the slides.\n".to_vec(),
    ));
    assert_clean(&scan("data.csv", b"name,amount\nbob,3\n".to_vec()));
    let inner = zip_of(
        &[("a.txt", &b"alpha"[..]), ("b.txt", &b"beta"[..])],
        Method::Deflated,
    );
    let outer = zip_of(
        &[("inner.zip", &inner), ("c.txt", &b"gamma"[..])],
        Method::Stored,
    );
    let r = scan("outer.zip", outer);
    assert_clean(&r);
    assert_eq!(r.objects.len(), 5);
}

#[test]
fn an_executable_named_jpg_is_a_mismatch() {
    let r = scan("holiday.jpg", tiny_pe(false));
    assert!(has_key(&r, "name.extension_mismatch"), "{:?}", keys(&r));
    assert_eq!(r.true_type().map(|t| t.name()), Some("pe-exe"));
}

#[test]
fn every_object_has_a_type_and_a_clean_one_no_hash_by_default() {
    let r = scan("a.zip", zip_of(&[("x.txt", &b"abc"[..])], Method::Deflated));
    assert_eq!(r.verdict, Verdict::Clean);
    for o in &r.objects {
        assert!(!o.types.is_empty());
        assert_eq!(o.sha256, None, "{:?}", o.path);
    }
}

#[test]
fn object_hashes_none_gives_no_hash_even_for_a_blocked_file() {
    let e = engine_hashing(ObjectHashes::None);
    let r = e.scan_bytes(
        "a.zip",
        zip_of(&[("x.txt", &eicar()[..])], Method::Deflated),
    );
    assert_eq!(r.verdict, Verdict::Malicious);
    assert!(r.objects.iter().all(|o| o.sha256.is_none()));
}

#[test]
fn every_object_hashes_gives_every_hash() {
    let e = engine_hashing(ObjectHashes::Every);
    let r = e.scan_bytes("a.zip", zip_of(&[("x.txt", &b"abc"[..])], Method::Deflated));
    assert!(
        r.objects
            .iter()
            .all(|o| o.sha256.as_ref().is_some_and(|h| h.len() == 64))
    );
    assert_eq!(
        r.objects[1].sha256.as_deref(),
        Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
}

#[test]
fn flagged_objects_and_the_outer_file_of_a_flagged_scan_have_their_sha256() {
    let e = eicar();
    let z = zip_of(
        &[
            ("notes.txt", &b"hello"[..]),
            ("one.txt", &e),
            ("two.txt", &e),
        ],
        Method::Deflated,
    );
    let r = scan("a.zip", z.clone());
    assert_eq!(r.verdict, Verdict::Malicious);
    assert_eq!(r.objects[0].sha256, Some(sha256_hex(&z)));
    let by_name = |n: &str| r.objects.iter().find(|o| o.path.name() == n).unwrap();
    assert_eq!(by_name("one.txt").sha256, Some(sha256_hex(&e)));
    // The duplicate carries the hash of the bytes it repeats.
    assert_eq!(by_name("two.txt").sha256, Some(sha256_hex(&e)));
    assert_eq!(by_name("notes.txt").sha256, None);
}

#[test]
fn a_duplicate_flagged_by_its_own_name_has_its_sha256() {
    let z = zip_of(
        &[
            ("a.txt", &b"hello there"[..]),
            ("a.txt.exe", &b"hello there"[..]),
        ],
        Method::Deflated,
    );
    let r = scan("a.zip", z);
    let by_name = |n: &str| r.objects.iter().find(|o| o.path.name() == n).unwrap();
    let dup = by_name("a.txt.exe");
    assert!(dup.duplicate_of.is_some());
    assert!(
        r.findings
            .iter()
            .any(|f| f.object == dup.id && f.action != xferscan::Action::Allow)
    );
    assert_eq!(by_name("a.txt").sha256, None);
    assert_eq!(dup.sha256.as_ref().map(String::len), Some(64));
}

#[test]
fn identical_children_are_scanned_once_and_reported_everywhere() {
    let e = eicar();
    let z = zip_of(
        &[("one.txt", &e), ("two.txt", &e), ("three.txt", &e)],
        Method::Deflated,
    );
    let r = scan("same.zip", z);
    let places: Vec<String> = r.signatures().map(|(p, _)| p.to_string()).collect();
    assert_eq!(places.len(), 3, "{places:?}");
    assert_eq!(
        r.objects
            .iter()
            .filter(|o| o.duplicate_of.is_some())
            .count(),
        2
    );
}

#[test]
fn report_serialises_to_json() {
    let r = scan("a.zip", zip_of(&[("e.txt", &eicar())], Method::Deflated));
    let j: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(j["verdict"], "malicious");
    assert_eq!(j["findings"][0]["kind"], "signature");
    assert_eq!(j["findings"][0]["rule"], "EICAR_Test_File");
    assert_eq!(j["objects"][1]["path"][1], "e.txt");
}

#[test]
fn eight_threads_give_the_same_reports_as_serial_scans() {
    let engine = Arc::new(Engine::builder().build().unwrap());
    let inputs: Vec<(String, Vec<u8>)> = (0..32)
        .map(|i| {
            let data = match i % 4 {
                0 => eicar(),
                1 => zip_of(
                    &[("a.txt", format!("hello {i}").as_bytes())],
                    Method::Deflated,
                ),
                2 => nest(2, "e.txt", &eicar(), Method::Stored),
                _ => tiny_pe(i % 8 == 3),
            };
            (format!("input{i}.bin"), data)
        })
        .collect();
    let serial: Vec<_> = inputs
        .iter()
        .map(|(n, d)| engine.scan_bytes(n, d.clone()))
        .collect();
    let inputs = Arc::new(inputs);
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (engine, inputs) = (engine.clone(), inputs.clone());
            std::thread::spawn(move || {
                (0..inputs.len())
                    .filter(|i| i % 8 == t)
                    .map(|i| (i, engine.scan_bytes(&inputs[i].0, inputs[i].1.clone())))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for (i, r) in h.join().unwrap() {
            assert_eq!(r, serial[i], "input {i}");
        }
    }
}

#[test]
fn engine_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
}

#[test]
fn scan_reader_in_short_pieces_matches_scan_bytes() {
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(1 + self.1 % 7);
            self.1 += 1;
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let z = nest(2, "e.txt", &eicar(), Method::Deflated);
    let a = engine().scan_bytes("x.zip", z.clone());
    let b = engine().scan_reader("x.zip", Trickle(&z, 0)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_rule_file_that_does_not_compile_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("xferscan-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.yar");
    std::fs::write(
        &path,
        "rule ok { condition: true }\n\nrule bad {\n  condition: $missing\n}\n",
    )
    .unwrap();
    let err = Engine::builder()
        .rules_path(&path)
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.yar"), "{err}");
    assert!(err.contains(":4:"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn extra_rules_and_compiled_rules_load() {
    let dir = std::env::temp_dir().join(format!("xferscan-compiled-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("mine.yar");
    std::fs::write(&src, "rule Secret_Marker { meta: severity = \"medium\" strings: $a = \"xyzzy-marker\" condition: $a }").unwrap();
    let compiled = xferscan::compile_rules(std::slice::from_ref(&src), true).unwrap();
    let out = dir.join("all.yarc");
    std::fs::write(&out, compiled).unwrap();
    let e = Engine::builder()
        .default_rules(false)
        .rules_path(&out)
        .build()
        .unwrap();
    let r = e.scan_bytes("a.txt", b"the xyzzy-marker is here".to_vec());
    assert!(r.matched("Secret_Marker"));
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert!(e.scan_bytes("b.txt", eicar()).matched("EICAR_Test_File"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_eicar_rule_file_is_not_itself_a_test_file() {
    let (origin, src) = xferscan::BUILTIN
        .iter()
        .find(|(o, _)| o.ends_with("eicar.yar"))
        .unwrap();
    let r = scan(origin, src.as_bytes().to_vec());
    assert!(!found_eicar(&r));
}
