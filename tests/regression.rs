//! Regressions, each named after what it once did wrong, with where it
//! was found.

use crate::util::*;

/// Found by fuzz/archive_structured: a zip whose first KiB holds `%PDF-`
/// (in an entry's stored content) was typed as a PDF and never unpacked, so
/// the EICAR in its other entry was missed. A zip that also reads as a PDF
/// is both; the zip is unpacked.
#[test]
fn zip_with_a_pdf_marker_in_its_first_kib_is_still_unpacked() {
    let z = zip_of(
        &[("a.pdf", b"%PDF-1.4 tiny"), ("e.txt", &eicar())],
        Method::Stored,
    );
    let r = scan("fuzz.zip", z.clone());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let r = scan(
        "fuzz.zip",
        zip_of(
            &[("a.pdf", b"%PDF-1.4 tiny"), ("e.txt", &eicar())],
            Method::Deflated,
        ),
    );
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// Found by fuzz/archive_structured (session 8): a zip behind 180 bytes of
/// junk, one of whose entry names holds `%PDF`, was typed as a PDF; a PDF
/// was not searched for archives glued into it, so the zip was never
/// unpacked and the EICAR in its first entry was missed.
#[test]
fn a_zip_behind_junk_that_reads_as_a_pdf_is_still_unpacked() {
    for method in [Method::Stored, Method::Deflated] {
        let mut data = vec![0xb4u8; 180];
        data.extend(zip_of(
            &[("{", &eicar()), ("NKHEB?%PDF<9630-*'0-*Q", b"")],
            method,
        ));
        let r = scan("fuzz.zip", data);
        assert!(found_eicar(&r), "{:?}", keys(&r));
    }
}

/// Found in review: a duplicate took its original's type, so text that was
/// first seen as `readme.txt` and again as `run.vbs` was not a script the
/// second time, and the script policy never saw it.
#[test]
fn a_duplicate_is_typed_by_its_own_name() {
    let body = b"just some words that a script host would run";
    let z = zip_of(
        &[("readme.txt", &body[..]), ("run.vbs", &body[..])],
        Method::Stored,
    );
    let r = scan("pair.zip", z);
    let f = r
        .findings_with_key("type.script")
        .next()
        .expect("the .vbs is a script");
    assert_eq!(f.path.name(), "run.vbs");
    assert_eq!(r.verdict, xferscan::Verdict::Malicious);
}

/// From review: a zip whose first block also checks out as a tar header is
/// read both ways (the zip directly, not only through the tar reading's
/// trailing bytes).
#[test]
fn a_file_that_is_both_tar_and_zip_is_read_both_ways() {
    let mut w = ZipWriter::new();
    w.entry("pad.txt", &[b'a'; 1000], Method::Stored);
    w.entry("e.txt", &eicar(), Method::Deflated);
    let mut z = w.finish();
    z[148..156].copy_from_slice(b"        ");
    let sum: u32 = z[..512].iter().map(|&b| b as u32).sum();
    z[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let r = scan("both.bin", z);
    assert_eq!(r.true_type().map(|t| t.name()), Some("tar"));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// Found by fuzz/scan_bytes (its rate fell from about 100 to 6 runs a
/// second): the built-in packer rule looped over every section a PE
/// declares, up to 65,535, for each of its 14 names, on every PE object.
/// A zip of 60 such PEs (each different, so none is deduplicated) took
/// seconds; it now reads at most 96 section headers.
#[test]
fn a_pe_declaring_65535_sections_costs_no_more_than_its_bytes() {
    let pes: Vec<(String, Vec<u8>)> = (0..60u8)
        .map(|i| {
            let mut pe = tiny_pe(false);
            pe[0x86..0x88].copy_from_slice(&u16::MAX.to_le_bytes());
            pe[0x200] = i;
            (format!("p{i}.exe"), pe)
        })
        .collect();
    let entries: Vec<(&str, &[u8])> = pes.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
    let limits = xferscan::Limits {
        max_time: std::time::Duration::from_secs(3),
        ..xferscan::Limits::default()
    };
    let e = xferscan::Engine::builder().limits(limits).build().unwrap();
    let r = e.scan_bytes("tools.zip", zip_of(&entries, Method::Deflated));
    assert_eq!(r.objects.len(), 61);
    assert!(!has_key(&r, "limit.time"), "{:?}", keys(&r));
}

/// Found by probing with hand-made streams: a zip without a central
/// directory (a stream cut off, or written with descriptors and never
/// finished) gave no finding of its own, so clean entries made it clean
/// although no reader that starts from the end opens it; and its entries'
/// CRCs were checked against the zeros of their local headers, not against
/// their descriptors.
#[test]
fn a_zip_without_central_directory_is_malformed_and_its_descriptors_are_read() {
    for method in [Method::Stored, Method::Deflated] {
        let mut z = ZipWriter::new();
        z.entry_with_descriptor("a.txt", b"alpha alpha alpha", method);
        z.entry_with_descriptor("b.txt", b"beta", method);
        let full = z.finish();
        let cd = full.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        let r = scan("stream.zip", full[..cd].to_vec());
        assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
        assert!(
            !has_key(&r, "container.checksum_mismatch"),
            "{method:?}: {:?}",
            keys(&r)
        );
        assert_ne!(r.verdict, xferscan::Verdict::Clean);
        // Both entries were still read from their local headers.
        for name in ["a.txt", "b.txt"] {
            assert!(
                r.objects.iter().any(|o| o.path.to_string().ends_with(name)),
                "{name} missing"
            );
        }
        // The finished archive is clean.
        assert_clean(&scan("whole.zip", full));
    }
}

/// Found by probing: identical bytes under several names were scanned once,
/// and every copy was given all of the first copy's findings, those of its
/// name too, so `setup` was reported as a `.pdf.exe` double extension. A
/// copy now has its own name, entry and type findings, and only what the
/// bytes themselves gave is repeated.
#[test]
fn a_duplicate_does_not_inherit_its_originals_name_findings() {
    let pe = tiny_pe(false);
    let z = zip_of(
        &[("invoice.pdf.exe", &pe[..]), ("setup.exe", &pe[..])],
        Method::Stored,
    );
    let r = scan("pair.zip", z);
    let names: Vec<&str> = r
        .findings_with_key("name.double_extension")
        .map(|f| f.path.name())
        .collect();
    assert_eq!(names, ["invoice.pdf.exe"]);
    // The content's own finding (its type) is still on both.
    let typed: Vec<&str> = r
        .findings_with_key("type.executable")
        .map(|f| f.path.name())
        .collect();
    assert_eq!(typed, ["invoice.pdf.exe", "setup.exe"]);
    // And a signature is repeated at every copy.
    let e = eicar();
    let z = zip_of(&[("a.txt", &e[..]), ("b.txt", &e[..])], Method::Stored);
    let r = scan("eicars.zip", z);
    let mut at: Vec<&str> = r
        .findings_with_key("signature")
        .map(|f| f.path.name())
        .collect();
    at.sort();
    // The stored zip holds the string too.
    assert_eq!(at, ["a.txt", "b.txt", "eicars.zip"]);
}

/// Found by fuzz/unpack_sevenz in its first minute (a timeout): an LZMA2
/// entry failed to decode, the walk went on, and sevenz-rust2 then inflated
/// the rest of the entry, to the size its header declared, to reach the
/// next one. A failed entry now ends its block.
#[test]
fn a_7z_entry_that_fails_to_decode_is_not_inflated_to_its_declared_size() {
    const INPUT: &[u8] = &[
        55, 122, 188, 175, 39, 28, 0, 4, 36, 173, 206, 243, 24, 0, 0, 0, 0, 0, 0, 0, 74, 0, 0, 0,
        0, 0, 0, 0, 50, 19, 241, 89, 252, 255, 236, 158, 147, 143, 151, 158, 32, 97, 108, 112, 104,
        97, 98, 101, 116, 97, 32, 98, 101, 116, 97, 0, 1, 4, 6, 0, 1, 9, 24, 10, 1, 69, 149, 26,
        128, 0, 7, 11, 1, 0, 1, 33, 33, 1, 22, 12, 20, 0, 8, 13, 2, 9, 11, 10, 1, 33, 232, 4, 254,
        239, 207, 12, 184, 0, 0, 5, 2, 17, 25, 0, 97, 0, 46, 0, 116, 0, 120, 0, 116, 0, 0, 0, 98,
        0, 46, 0, 116, 0, 120, 0, 116, 0, 0, 0, 0, 0,
    ];
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        tx.send(scan("timeout.7z", INPUT.to_vec())).ok();
    });
    let r = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the scan ends (it once ran past the fuzzer's 30 s timeout)");
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, xferscan::Verdict::Clean);
}
