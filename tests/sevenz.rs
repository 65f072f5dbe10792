//! 7z archives: every entry of solid and encrypted archives, and the
//! headers that are not handed to the reader.

use crate::sevenz_writer::sevenz;
use crate::util::*;
use xferscan::{Engine, Limits, Verdict};

#[test]
fn every_entry_is_scanned_solid_or_not() {
    let e = eicar();
    for solid in [false, true] {
        let a = sevenz(
            &[
                ("readme.txt", b"hello"),
                ("docs/e.txt", &e),
                ("z.txt", b"last"),
            ],
            solid,
            None,
        );
        let r = scan("files.7z", a);
        let (path, _) = deepest(&r);
        assert_eq!(path.name(), "docs/e.txt", "solid {solid}: {:?}", keys(&r));
        assert!(r.objects.iter().any(|o| o.path.name() == "z.txt"));
        assert!(!has_key(&r, "unscannable.unsupported_format"));
        // Control.
        let clean = sevenz(&[("a.txt", b"alpha"), ("b.txt", b"beta")], solid, None);
        assert_clean(&scan("clean.7z", clean));
    }
}

#[test]
fn encrypted_archive_opens_with_a_candidate_password_and_is_never_clean() {
    let e = eicar();
    let a = sevenz(&[("e.txt", &e)], false, Some("infected"));
    let r = scan("enc.7z", a);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "encrypted"));
    let a = sevenz(&[("e.txt", b"secret")], false, Some("nobody-knows-this"));
    let r = scan("enc.7z", a);
    assert!(has_key(&r, "encrypted"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn a_bomb_entry_stops_the_walk_with_a_limit_finding() {
    let engine = Engine::builder()
        .limits(Limits {
            max_object_bytes: 1 << 20,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let zeros = vec![0u8; 4 << 20];
    let a = sevenz(&[("big.bin", &zeros), ("after.txt", b"after")], true, None);
    assert!(a.len() < 64 << 10);
    let r = engine.scan_bytes("bomb.7z", a);
    // The ratio limit comes first here (4 MiB from a few KiB).
    assert!(
        keys(&r).iter().any(|k| k.starts_with("limit.")),
        "{:?}",
        keys(&r)
    );
    assert_ne!(r.verdict, Verdict::Clean);
    // The solid block was not inflated past the limit to reach the rest.
    assert!(!r.objects.iter().any(|o| o.path.name() == "after.txt"));
    assert!(r.objects.iter().all(|o| o.size <= 1 << 20));
}

#[test]
fn a_start_header_without_its_crc_is_malformed_not_searched() {
    let mut a = sevenz(&[("a.txt", b"alpha")], false, None);
    a[8..12].copy_from_slice(&[0, 0, 0, 0]);
    let r = scan("zeroed.7z", a);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn a_self_extractor_is_read_as_its_stub_and_its_archive() {
    let e = eicar();
    let mut sfx = tiny_pe(false);
    sfx.extend(vec![0u8; 100]);
    sfx.extend(sevenz(&[("setup/e.txt", &e)], false, None));
    let r = scan("setup.exe", sfx);
    let (path, _) = deepest(&r);
    assert_eq!(path.name(), "setup/e.txt", "{:?}", keys(&r));
    // The signature alone, without a start header that checks out, is not
    // an archive (stubs quote it).
    let mut stub = tiny_pe(false);
    stub.extend(b"7z\xbc\xaf\x27\x1c\x00\x04 and no start header");
    stub.extend(vec![0u8; 40]);
    let r = scan("tool.exe", stub);
    assert_eq!(r.objects.len(), 1, "{:?}", keys(&r));
}
