//! Zip entry names read as the format says: CP437 without bit 11, UTF-8
//! with it, and the Info-ZIP Unicode Path field (0x7075) where its CRC
//! matches. Archives are written here the way each writer writes them; where
//! readers would show different names, every name is checked.

use crate::util::*;
use xferscan::{Report, Verdict};

/// A Unicode Path extra field (id, length, version, CRC of `raw`, name).
fn unicode_path(version: u8, crc_of: &[u8], name: &str) -> Vec<u8> {
    let mut body = vec![version];
    body.extend_from_slice(&crc32(crc_of).to_le_bytes());
    body.extend_from_slice(name.as_bytes());
    let mut f = 0x7075u16.to_le_bytes().to_vec();
    f.extend_from_slice(&(body.len() as u16).to_le_bytes());
    f.extend_from_slice(&body);
    f
}

/// A stored entry with this raw name, flags and extra field in both of its
/// headers, as DOS and Windows writers make it.
fn header(raw: &[u8], flags: u16, extra: &[u8], content: &[u8]) -> Header {
    let mut h = Header::new("x", 0, content, content);
    h.name = raw.to_vec();
    h.flags = flags;
    h.extra = extra.to_vec();
    h.made_by = 0x0014;
    h.ext_attr = 0x20;
    h
}

fn zip_one(raw: &[u8], flags: u16, extra: &[u8], content: &[u8]) -> Vec<u8> {
    let h = header(raw, flags, extra, content);
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(content);
    z.central(&h, off);
    z.finish()
}

/// The name of the report's only child.
fn child_name(r: &Report) -> String {
    assert_eq!(r.objects.len(), 2, "{:#?}", r.objects);
    r.objects[1].path.name().to_owned()
}

const TEXT: &[u8] = b"some plain text\n";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n";

/// `Ölfässer.txt` in code page 437.
const OEL_CP437: &[u8] = b"\x99lf\x84sser.txt";

#[test]
fn winzip_cp437_name_is_read_as_cp437() {
    let r = scan("a.zip", zip_one(OEL_CP437, 0, &[], TEXT));
    assert_eq!(child_name(&r), "Ölfässer.txt");
    assert!(!has_key(&r, "name"), "{:?}", keys(&r));
    assert!(!has_key(&r, "container.single_view"), "{:?}", keys(&r));
    assert_clean(&r);
}

#[test]
fn cp437_accents_are_not_odd_characters() {
    // `Café à la crème – Übersicht.txt` in CP437 is no UTF-8: read as lossy
    // UTF-8 it was a row of replacement characters. No reading of it holds
    // anything a name check minds.
    let raw = b"Caf\x82 \x85 la cr\x8ame - \x9abersicht (\xab).txt";
    let r = scan("a.zip", zip_one(raw, 0, &[], TEXT));
    assert_eq!(child_name(&r), "Café à la crème - Übersicht (½).txt");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_clean(&r);
}

#[test]
fn sevenzip_utf8_name_with_bit_11() {
    let name = "Ölfässer – 日本語.txt";
    let r = scan("a.zip", zip_one(name.as_bytes(), 0x0800, &[], TEXT));
    assert_eq!(child_name(&r), name);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn infozip_unicode_path_with_matching_crc_names_the_entry() {
    // Info-ZIP on Windows: the OEM name in the header, the UTF-8 name in
    // the field, in the local and the central header alike.
    let extra = unicode_path(1, OEL_CP437, "Ölfässer.txt");
    let r = scan("a.zip", zip_one(OEL_CP437, 0, &extra, TEXT));
    assert_eq!(child_name(&r), "Ölfässer.txt");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);

    // Info-ZIP on Unix: the UTF-8 bytes in the header without bit 11 (which
    // Explorer shows as `├ûlf├ñsser.txt`), the same name in the field.
    let raw = "Ölfässer.txt".as_bytes();
    let extra = unicode_path(1, raw, "Ölfässer.txt");
    let r = scan("a.zip", zip_one(raw, 0, &extra, TEXT));
    assert_eq!(child_name(&r), "Ölfässer.txt");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);

    // A name the code page cannot hold, written as question marks.
    let extra = unicode_path(1, b"???.txt", "日本語.txt");
    let r = scan("a.zip", zip_one(b"???.txt", 0, &extra, TEXT));
    assert_eq!(child_name(&r), "日本語.txt");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn unicode_path_with_a_stale_crc_is_ignored_and_reported() {
    // Renamed after the field was written: readers ignore the field.
    let extra = unicode_path(1, b"old name.txt", "old name.txt");
    let r = scan("a.zip", zip_one(OEL_CP437, 0, &extra, TEXT));
    assert_eq!(child_name(&r), "Ölfässer.txt");
    let f: Vec<_> = r
        .findings_with_key("container.unicode_path_ignored")
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert!(
        f[0].kind.describe().contains("CRC"),
        "{}",
        f[0].kind.describe()
    );
    assert!(!has_key(&r, "container.single_view"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn malformed_unicode_path_fields_are_ignored_and_reported() {
    let short = [0x75, 0x70, 3, 0, 1, 0, 0];
    let mut bad_utf8 = unicode_path(1, b"a.txt", "a");
    bad_utf8.push(0xff);
    bad_utf8[2] += 1;
    let version2 = unicode_path(2, b"a.txt", "a.txt");
    for extra in [&short[..], &bad_utf8, &version2] {
        let r = scan("a.zip", zip_one(b"a.txt", 0, extra, TEXT));
        assert_eq!(child_name(&r), "a.txt");
        assert!(
            has_key(&r, "container.unicode_path_ignored"),
            "{:?}",
            keys(&r)
        );
        // The same text under another version: no name mismatch.
        assert!(!has_key(&r, "container.name_mismatch"), "{:?}", keys(&r));
    }
}

/// Asserts the double extension was found on the child, whichever reading
/// shows it, beside a name mismatch, and the verdict is not clean.
fn assert_evasion_caught(r: &Report) {
    let ext: Vec<_> = r.findings_with_key("name.double_extension").collect();
    assert!(!ext.is_empty(), "{:#?}", r.findings);
    assert_eq!(ext[0].object, 1);
    assert!(has_key(r, "container.name_mismatch"), "{:?}", keys(r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn unicode_path_shows_an_executable_the_header_hides() {
    // Explorer shows invoice.pdf; Info-ZIP, 7-Zip and the zip crate
    // invoice.pdf.exe, which the entry is named by.
    let extra = unicode_path(1, b"invoice.pdf", "invoice.pdf.exe");
    let r = scan("a.zip", zip_one(b"invoice.pdf", 0, &extra, PDF));
    assert_eq!(child_name(&r), "invoice.pdf.exe");
    assert_evasion_caught(&r);
    let m = r
        .findings_with_key("container.name_mismatch")
        .next()
        .unwrap();
    let d = m.kind.describe();
    assert!(
        d.contains("\"invoice.pdf\"") && d.contains("Explorer"),
        "{d}"
    );
    assert!(!has_key(&r, "container.single_view"), "{:?}", keys(&r));
}

#[test]
fn header_name_shows_an_executable_the_unicode_path_hides() {
    // The reverse: 7-Zip shows invoice.pdf, Explorer invoice.pdf.exe.
    let extra = unicode_path(1, b"invoice.pdf.exe", "invoice.pdf");
    let r = scan("a.zip", zip_one(b"invoice.pdf.exe", 0, &extra, PDF));
    assert_eq!(child_name(&r), "invoice.pdf");
    assert_evasion_caught(&r);
}

#[test]
fn text_that_another_reader_names_as_a_script_is_a_script() {
    let extra = unicode_path(1, b"notes.vbs", "notes.txt");
    let r = scan(
        "a.zip",
        zip_one(b"notes.vbs", 0, &extra, b"MsgBox \"hi\"\n"),
    );
    assert_eq!(child_name(&r), "notes.txt");
    assert!(has_key(&r, "type.script"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn utf8_bidi_bytes_without_bit_11_are_checked_as_utf8_too() {
    // Without bit 11 Explorer shows `invoiceΓÇ«fdp.exe`; the zip crate,
    // macOS and unzip on Unix read the same bytes as UTF-8, where U+202E
    // turns the name into `invoiceexe.pdf`.
    let raw = "invoice\u{202e}fdp.exe".as_bytes();
    let r = scan("a.zip", zip_one(raw, 0, &[], PDF));
    assert_eq!(child_name(&r), "invoiceΓÇ«fdp.exe");
    assert!(has_key(&r, "name.bidi_control"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn bad_utf8_under_bit_11_is_malformed() {
    let r = scan("a.zip", zip_one(OEL_CP437, 0x0800, &[], TEXT));
    assert_eq!(child_name(&r), "\u{fffd}lf\u{fffd}sser.txt");
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert!(!has_key(&r, "name"), "{:?}", keys(&r));
}

#[test]
fn unicode_path_in_the_central_header_only_is_a_header_mismatch() {
    // A reader of local headers (a streaming one) sees invoice.pdf; a
    // reader of the directory invoice.pdf.exe. Both are scanned and named.
    let mut local = header(b"invoice.pdf", 0, &[], PDF);
    let central = header(
        b"invoice.pdf",
        0,
        &unicode_path(1, b"invoice.pdf", "invoice.pdf.exe"),
        PDF,
    );
    let mut z = ZipWriter::new();
    local.extra.clear();
    let off = z.local(&local);
    z.raw(PDF);
    z.central(&central, off);
    let r = scan("a.zip", z.finish());
    assert!(has_key(&r, "container.header_mismatch"), "{:?}", keys(&r));
    let names: Vec<_> = r.objects[1..].iter().map(|o| o.path.name()).collect();
    assert!(names.contains(&"invoice.pdf.exe"), "{names:?}");
    assert!(names.contains(&"invoice.pdf"), "{names:?}");
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);

    // The same text in both headers, the field in one only: one entry, no
    // finding.
    let raw = "Ölfässer.txt".as_bytes();
    let local = header(raw, 0, &[], TEXT);
    let central = header(raw, 0, &unicode_path(1, raw, "Ölfässer.txt"), TEXT);
    let mut z = ZipWriter::new();
    let off = z.local(&local);
    z.raw(TEXT);
    z.central(&central, off);
    let r = scan("a.zip", z.finish());
    assert_eq!(child_name(&r), "Ölfässer.txt");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn entries_under_one_unicode_name_are_duplicates() {
    let mut z = ZipWriter::new();
    for raw in [&b"a1.txt"[..], b"a2.txt"] {
        let h = header(raw, 0, &unicode_path(1, raw, "same.txt"), TEXT);
        let off = z.local(&h);
        z.raw(TEXT);
        z.central(&h, off);
    }
    let r = scan("a.zip", z.finish());
    assert!(has_key(&r, "container.duplicate_name"), "{:?}", keys(&r));
}
