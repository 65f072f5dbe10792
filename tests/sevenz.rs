//! 7z archives: every entry of solid and encrypted archives, and the
//! headers that are not handed to the reader.

use crate::sevenz_writer::{sevenz, sevenz_blocks};
use crate::util::*;
use sevenz_rust2::EncoderMethod;
use sevenz_rust2::encoder_options::PpmdOptions;
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

#[test]
fn ppmd_blocks_are_decoded() {
    let e = eicar();
    let ppmd = || vec![PpmdOptions::from_level(6).into()];
    let a = sevenz_blocks(&[("notes.txt", b"notes", ppmd()), ("e.txt", &e, ppmd())]);
    let r = scan("ppmd.7z", a);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(
        !has_key(&r, "unscannable.unsupported_method"),
        "{:?}",
        keys(&r)
    );
    // Control.
    let text = b"Minutes of the meeting, kept in plain text.\n".repeat(200);
    let clean = sevenz_blocks(&[("minutes.txt", &text, ppmd()), ("b.txt", b"beta", ppmd())]);
    assert_clean(&scan("clean.7z", clean));
}

#[test]
fn a_block_that_cannot_be_read_leaves_the_next_blocks_read() {
    let e = eicar();
    // A model of 300 MiB, over what one coder may ask for: the block is a
    // limit finding and its model is never allocated.
    let greedy = vec![PpmdOptions::from_order_memory_size(6, 300 << 20).into()];
    let lzma2 = vec![EncoderMethod::LZMA2.into()];
    let a = sevenz_blocks(&[
        ("greedy.txt", b"greedy", greedy),
        ("e.txt", &e, lzma2.clone()),
    ]);
    let r = scan("blocks.7z", a);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "limit.object_size"), "{:?}", keys(&r));
    assert!(!r.objects.iter().any(|o| o.path.name() == "greedy.txt"));
    // A block of a method no coder has is unsupported, and the block after
    // it is still read.
    let a = plain_7z(&[("odd.txt", b"odd", &[0x01, 0x7f]), ("e.txt", &e, COPY)]);
    let r = scan("odd.7z", a);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(
        has_key(&r, "unscannable.unsupported_method"),
        "{:?}",
        keys(&r)
    );
    // Control: both blocks stored.
    let a = plain_7z(&[("odd.txt", b"odd", COPY), ("e.txt", b"even", COPY)]);
    assert_clean(&scan("even.7z", a));
}

#[test]
fn an_encoded_header_that_asks_for_a_huge_ppmd_model_is_a_limit() {
    // The header's own coder is PPMd with a model of 4 GiB: refused before
    // the crate allocates it.
    let mut header = vec![0x17, 0x06, 0x00, 0x01, 0x09, 0x20, 0x00];
    header.extend([0x07, 0x0b, 0x01, 0x00, 0x01, 0x23, 0x03, 0x04, 0x01, 0x05]);
    header.extend([0x06, 0xfb, 0xff, 0xff, 0xff, 0x0c, 0x40, 0x00]);
    let a = with_start_header(&[0x5a; 0x20], &header);
    let r = scan("greedy-header.7z", a);
    assert!(has_key(&r, "limit.object_size"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn blocks_that_each_derive_a_key_stop_at_the_time_limit() {
    // 7-Zip derives each encrypted block's key with 2^cycles SHA-256
    // rounds, 2^24 at most: a few hundred milliseconds each. A hundred
    // blocks with salts of their own and no entries (nothing in them is
    // read, so no entry's check of the clock comes between them) would
    // each derive one with every candidate password.
    let n = 100u8;
    let mut h = vec![0x01, 0x04, 0x06, 0x00, n, 0x09];
    h.extend(std::iter::repeat_n(16u8, n.into()));
    h.extend([0x00, 0x07, 0x0b, n, 0x00]);
    for salt in 0..n {
        // One coder: AES (06 F1 07 01) with properties: 2^24 rounds, a salt
        // and an IV of one byte each.
        h.extend([
            0x01,
            0x24,
            0x06,
            0xf1,
            0x07,
            0x01,
            0x04,
            0xc0 | 24,
            0x00,
            salt,
            0x00,
        ]);
    }
    h.push(0x0c);
    h.extend(std::iter::repeat_n(16u8, n.into()));
    // Every block holds no entry but the last, which holds the one file.
    h.extend([0x00, 0x08, 0x0d]);
    h.extend(std::iter::repeat_n(0u8, usize::from(n) - 1));
    h.extend([0x01, 0x00, 0x00, 0x05, 0x01]);
    let mut names = vec![0x00];
    names.extend("a.txt".encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
    h.extend([0x11, names.len() as u8]);
    h.extend(names);
    h.extend([0x00, 0x00]);
    let a = with_start_header(&vec![0x5a; 16 * usize::from(n)], &h);
    let engine = Engine::builder()
        .limits(Limits {
            max_time: std::time::Duration::from_secs(1),
            ..Limits::default()
        })
        .build()
        .unwrap();
    let t = std::time::Instant::now();
    let r = engine.scan_bytes("keys.7z", a);
    // One derivation may run past the limit, not a hundred.
    assert!(
        t.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t.elapsed()
    );
    assert!(has_key(&r, "limit.time"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

/// A 7z coder record of stored data: its flags (an ID of one byte, no
/// properties) and 7z's method ID of stored data.
const COPY: &[u8] = &[0x01, 0x00];

/// A 7z archive with a plain (not encoded) header: one block per entry,
/// each of one coder (its record: flags, method ID, properties) over the
/// entry's bytes as they are.
fn plain_7z(entries: &[(&str, &[u8], &[u8])]) -> Vec<u8> {
    let n = entries.len() as u8;
    let mut h = vec![0x01, 0x04, 0x06, 0x00, n, 0x09];
    h.extend(entries.iter().map(|(_, d, _)| d.len() as u8));
    h.extend([0x00, 0x07, 0x0b, n, 0x00]);
    for (_, _, coder) in entries {
        h.push(0x01);
        h.extend(*coder);
    }
    h.push(0x0c);
    h.extend(entries.iter().map(|(_, d, _)| d.len() as u8));
    h.extend([0x00, 0x08, 0x00, 0x00, 0x05, n]);
    let mut names = vec![0x00];
    for (name, _, _) in entries {
        names.extend(name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
    }
    h.extend([0x11, names.len() as u8]);
    h.extend(names);
    h.extend([0x00, 0x00]);
    let packed: Vec<u8> = entries.iter().flat_map(|(_, d, _)| d.to_vec()).collect();
    with_start_header(&packed, &h)
}

/// The signature and start header, the packed streams, then `header`.
fn with_start_header(packed: &[u8], header: &[u8]) -> Vec<u8> {
    let mut start = Vec::new();
    start.extend((packed.len() as u64).to_le_bytes());
    start.extend((header.len() as u64).to_le_bytes());
    start.extend(crc32fast::hash(header).to_le_bytes());
    let mut a = b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec();
    a.extend(crc32fast::hash(&start).to_le_bytes());
    a.extend(start);
    a.extend(packed);
    a.extend(header);
    a
}

/// A second archive glued after a 7z is no part of it to 7-Zip, but it is
/// to a reader that carves: scanned as data of its own.
#[test]
fn data_after_the_archive_is_scanned() {
    let a = sevenz(&[("readme.txt", b"hello")], true, None);
    let mut glued = a.clone();
    glued.extend(zip_of(&[("e.com", &eicar())], Method::Deflated));
    let r = scan("files.7z", glued);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "container.appended_data"), "{:?}", keys(&r));
    // Zeros after it (a padded transfer) are nothing.
    let mut padded = a;
    padded.extend([0u8; 512]);
    assert_clean(&scan("files.7z", padded));
}
