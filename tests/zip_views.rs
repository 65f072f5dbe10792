//! Every reading of a zip: EICAR hidden where only one reading sees it is
//! found, and the disagreement is a finding. Each class has a clean control.

use crate::util::*;
use xferscan::Verdict;

fn honest_pair() -> (Vec<u8>, Vec<u8>) {
    (
        zip_of(&[("a.txt", &b"alpha"[..])], Method::Deflated),
        zip_of(&[("e.txt", &eicar())], Method::Deflated),
    )
}

#[test]
fn concatenated_zips_first_archive_is_scanned() {
    let (clean, bad) = honest_pair();
    let mut data = bad.clone();
    data.extend(&clean);
    let r = scan("two.zip", data);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.multiple_archives"), "{:?}", keys(&r));
    // Control: one archive, no finding.
    let r = scan("one.zip", clean);
    assert!(!has_key(&r, "container.multiple_archives"));
    assert_clean(&r);
}

#[test]
fn concatenated_zips_second_archive_is_scanned() {
    let (clean, bad) = honest_pair();
    let mut data = clean;
    data.extend(&bad);
    let r = scan("two.zip", data);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.multiple_archives"));
}

#[test]
fn prepended_data_image_then_zip() {
    let mut data = tiny_png();
    data.extend(zip_of(&[("e.txt", &eicar())], Method::Deflated));
    let r = scan("photo.png", data);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.prepended_data"), "{:?}", keys(&r));
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
}

#[test]
fn appended_data_after_the_archive_is_scanned() {
    let mut data = zip_of(&[("a.txt", &b"alpha"[..])], Method::Deflated);
    data.extend(eicar());
    let r = scan("a.zip", data);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.appended_data"));
    let (p, _) = deepest(&r);
    assert!(p.name().starts_with("<appended data>"), "{p}");
}

#[test]
fn local_header_disagrees_with_central_directory() {
    // The central directory says a.txt is 5 stored bytes of "alpha"; the
    // local header says the entry is the deflated EICAR that follows.
    let e = eicar();
    let packed = deflate(&e);
    let mut local = Header::new("a.txt", 8, &e, &packed);
    let mut z = ZipWriter::new();
    local.name = b"a.txt".to_vec();
    let off = z.local(&local);
    z.raw(&packed);
    let mut central = Header::new("a.txt", 0, b"alpha", b"alpha");
    central.csize = 5;
    z.central(&central, off);
    let r = scan("cloak.zip", z.finish());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "container.header_mismatch"), "{:?}", keys(&r));
}

#[test]
fn header_names_differ_both_names_are_checked() {
    let mut z = ZipWriter::new();
    let c = Header::new("report.txt", 0, b"MZ", b"MZ");
    let mut l = c.clone();
    l.name = b"report.exe".to_vec();
    let off = z.local(&l);
    z.raw(b"MZ");
    z.central(&c, off);
    let r = scan("n.zip", z.finish());
    let f = r
        .findings_with_key("container.header_mismatch")
        .next()
        .expect("mismatch");
    assert!(
        matches!(&f.kind, xferscan::FindingKind::HeaderMismatch { fields, .. } if fields.contains(&"name".to_string()))
    );
}

#[test]
fn entry_only_in_local_headers_is_scanned() {
    // An entry written with its local header but left out of the directory.
    let mut z = ZipWriter::new();
    z.entry("a.txt", b"alpha", Method::Deflated);
    let e = eicar();
    let packed = deflate(&e);
    z.local(&Header::new("hidden.txt", 8, &e, &packed));
    z.raw(&packed);
    let r = scan("hidden.zip", z.finish());
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.single_view"), "{:?}", keys(&r));
}

#[test]
fn duplicate_names_are_reported_and_both_scanned() {
    let mut z = ZipWriter::new();
    z.entry("doc.txt", b"harmless", Method::Stored);
    z.entry("doc.txt", &eicar(), Method::Stored);
    let r = scan("dup.zip", z.finish());
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.duplicate_name"));
}

#[test]
fn smuggled_bytes_between_entries_and_directory() {
    let mut z = ZipWriter::new();
    z.entry("a.txt", b"alpha", Method::Deflated);
    z.raw(&eicar());
    let r = scan("smuggle.zip", z.finish());
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.unaccounted_bytes"), "{:?}", keys(&r));
}

#[test]
fn directory_found_by_computed_offset_when_declared_one_lies() {
    // Prepended data shifts everything; the declared offset is relative to
    // the archive, as self-extractors write it.
    let inner = zip_of(&[("e.txt", &eicar())], Method::Deflated);
    let mut data = vec![b'#'; 777];
    data.extend(inner);
    let r = scan("sfx.bin", data);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.prepended_data"));
}

#[test]
fn data_descriptor_entries_with_and_without_directory() {
    let mut z = ZipWriter::new();
    z.entry_with_descriptor("e.txt", &eicar(), Method::Deflated);
    z.entry_with_descriptor("b.txt", b"beta", Method::Stored);
    let full = z.finish();
    let r = scan("dd.zip", full.clone());
    assert!(found_eicar(&r));
    assert!(
        !has_key(&r, "container.unaccounted_bytes"),
        "{:?}",
        keys(&r)
    );
    assert!(
        !has_key(&r, "container.checksum_mismatch"),
        "{:?}",
        keys(&r)
    );
    // The same local records with the directory cut off (a stream).
    let cut = full.len() - (full.len() - full.windows(4).position(|w| w == b"PK\x01\x02").unwrap());
    let r = scan("stream.zip", full[..cut].to_vec());
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn wrong_crc_is_reported_and_still_scanned() {
    let e = eicar();
    let mut h = Header::new("e.txt", 0, &e, &e);
    h.crc ^= 1;
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(&e);
    z.central(&h, off);
    let r = scan("crc.zip", z.finish());
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.checksum_mismatch"));
    // Control.
    assert!(!has_key(
        &scan("ok.zip", zip_of(&[("e.txt", &b"x"[..])], Method::Stored)),
        "container.checksum_mismatch"
    ));
}

#[test]
fn unsupported_method_is_a_finding_not_a_clean() {
    let mut h = Header::new("old.bin", 6, b"imploded", b"imploded");
    h.method = 6;
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(b"imploded");
    z.central(&h, off);
    let r = scan("old.zip", z.finish());
    assert!(
        has_key(&r, "unscannable.unsupported_method"),
        "{:?}",
        keys(&r)
    );
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn truncated_archive_scans_what_it_can() {
    let mut z = ZipWriter::new();
    z.entry("e.txt", &eicar(), Method::Stored);
    z.entry("big.txt", &vec![b'a'; 10_000], Method::Stored);
    let full = z.finish();
    let cut = full[..full.len() / 2].to_vec();
    let r = scan("cut.zip", cut);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn encrypted_entries_are_named_and_opened_with_a_candidate_password() {
    let e = eicar();
    let enc = zipcrypto(&e, "infected", (crc32(&e) >> 24) as u8);
    let mut h = Header::new("e.txt", 0, &e, &enc);
    h.flags |= 1;
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(&enc);
    z.central(&h, off);
    let data = z.finish();
    // "infected" is in the default list.
    let r = scan("enc.zip", data.clone());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "encrypted"));
    // Without the password it stays encrypted: a finding, never clean.
    let e2 = xferscan::Engine::builder()
        .passwords(Vec::<String>::new())
        .build()
        .unwrap();
    let r = e2.scan_bytes("enc.zip", data.clone());
    assert!(!found_eicar(&r));
    assert_eq!(r.verdict, Verdict::Suspicious);
    // A per-scan hint opens it.
    let enc2 = zipcrypto(&eicar(), "from-the-chat", (crc32(&eicar()) >> 24) as u8);
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(&enc2);
    z.central(&h, off);
    let opts = xferscan::ScanOptions::new().password("from-the-chat");
    let r = e2.scan_bytes_with("enc.zip", z.finish(), &opts);
    assert!(found_eicar(&r));
}

#[test]
fn a_stored_inner_zip_is_not_read_as_outer_entries() {
    let inner = zip_of(&[("x.txt", &b"inner file"[..])], Method::Stored);
    let outer = zip_of(&[("inner.zip", &inner)], Method::Stored);
    let r = scan("outer.zip", outer);
    assert_clean(&r);
    assert!(!has_key(&r, "container.multiple_archives"));
    assert!(!has_key(&r, "container.single_view"));
    assert_eq!(r.objects.len(), 3);
}

#[test]
fn overlapping_entries_control_has_no_finding() {
    let r = scan(
        "ok.zip",
        zip_of(
            &[("a", &b"aaaa"[..]), ("b", &b"bbbb"[..])],
            Method::Deflated,
        ),
    );
    assert!(!has_key(&r, "container.overlapping_entries"));
}
