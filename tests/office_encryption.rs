//! Encrypted OOXML documents (a compound file with `EncryptionInfo` and
//! `EncryptedPackage`): opened with Excel's `VelvetSweatshop` or a
//! candidate password and scanned; left encrypted, and said to be,
//! otherwise. The documents are encrypted by msoffcrypto-tool (PyPI),
//! which writes Agile encryption as Office 2010 and later do.

use crate::detection::ole;
use crate::ole_writer::compound;
use crate::util::*;
use xferscan::{TypeGroup, Verdict};

/// `plain` encrypted with `password` by msoffcrypto-tool, or None where
/// the tool is not installed.
fn encrypt(plain: &[u8], password: &str) -> Option<Vec<u8>> {
    let tool = tool("msoffcrypto-tool")?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plain.xlsx"), plain).unwrap();
    run_tool(
        dir.path(),
        &tool,
        &["-e", "-p", password, "plain.xlsx", "encrypted.xlsx"],
    );
    Some(std::fs::read(dir.path().join("encrypted.xlsx")).unwrap())
}

/// A workbook package of these parts beside its content types (which
/// msoffcrypto-tool checks before it encrypts) and a table of shared
/// strings: msoffcrypto-tool 6.1.0 writes an encrypted package under
/// 4,096 bytes (the compound file's mini stream) over its own
/// `EncryptionInfo`, and the strings keep the package past that, as any
/// real workbook is.
fn workbook(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut strings = b"<?xml version=\"1.0\"?><sst>".to_vec();
    for i in 0u32..2000 {
        let line = format!(
            "<si><t>Item {} costs {}</t></si>",
            i.wrapping_mul(7919) % 10007,
            i.wrapping_mul(31337) % 99991
        );
        strings.extend_from_slice(line.as_bytes());
    }
    strings.extend_from_slice(b"</sst>");
    let mut entries: Vec<(&str, &[u8])> = vec![
        (
            "[Content_Types].xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>",
        ),
        (
            "xl/workbook.xml",
            b"<?xml version=\"1.0\"?><workbook>Quarterly figures</workbook>",
        ),
        ("xl/sharedStrings.xml", &strings),
    ];
    entries.extend_from_slice(parts);
    zip_of(&entries, Method::Deflated)
}

/// A workbook with a VBA project and a part holding EICAR.
fn workbook_with_eicar() -> Vec<u8> {
    let project = ole(&["VBA/dir", "PROJECT"], true);
    workbook(&[
        ("xl/vbaProject.bin", &project),
        ("xl/media/notes.txt", &eicar()),
    ])
}

#[test]
fn a_velvet_sweatshop_workbook_is_opened_and_scanned() {
    let Some(doc) = encrypt(&workbook_with_eicar(), "VelvetSweatshop") else {
        return;
    };
    let r = scan("prices.xlsm", doc);
    assert!(found_eicar(&r), "{:#?}", r.findings);
    assert_eq!(encrypted(&r), [("office-agile".to_owned(), true)]);
    // The package is read as the workbook it is, macros and all.
    assert!(
        r.objects
            .iter()
            .filter(|o| o.depth == 1)
            .filter_map(|o| o.types.first())
            .any(|t| t.ty.group() == TypeGroup::MacroDocument),
        "{:#?}",
        r.objects
    );
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_candidate_password_opens_a_document() {
    let Some(doc) = encrypt(&workbook_with_eicar(), "infected") else {
        return;
    };
    let r = scan("prices.xlsx", doc);
    assert!(found_eicar(&r), "{:#?}", r.findings);
    assert_eq!(encrypted(&r), [("office-agile".to_owned(), true)]);
}

#[test]
fn a_document_with_a_password_of_its_own_stays_encrypted() {
    let Some(doc) = encrypt(&workbook_with_eicar(), "Quarterly-2026!") else {
        return;
    };
    let r = scan("prices.xlsx", doc);
    assert!(!found_eicar(&r));
    assert_eq!(encrypted(&r), [("office-agile".to_owned(), false)]);
    assert_ne!(r.verdict, Verdict::Clean, "never a silent clean");
}

#[test]
fn an_ordinary_protected_workbook_is_only_encrypted() {
    // Clean control: an ordinary workbook that Excel protected.
    let Some(doc) = encrypt(&workbook(&[]), "VelvetSweatshop") else {
        return;
    };
    let r = scan("budget.xlsx", doc);
    assert_eq!(encrypted(&r), [("office-agile".to_owned(), true)]);
    let other = acted_beside_encryption(&r);
    assert!(other.is_empty(), "{other:#?}");
}

#[test]
fn encrypted_package_without_info_is_encrypted_and_malformed() {
    let r = scan(
        "orphan.xlsx",
        compound(&[("/EncryptedPackage", &[0x10, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3])]),
    );
    assert_eq!(encrypted(&r), [("office".to_owned(), false)]);
    assert!(has_key(&r, "unscannable.malformed"), "{:#?}", r.findings);
}

#[test]
fn extensible_encryption_is_an_unsupported_method() {
    let r = scan(
        "extensible.docx",
        compound(&[
            ("/EncryptionInfo", &[3, 0, 3, 0, 0, 0, 0, 0][..]),
            (
                "/EncryptedPackage",
                &[4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4][..],
            ),
        ]),
    );
    assert_eq!(encrypted(&r), [("office".to_owned(), false)]);
    assert!(
        has_key(&r, "unscannable.unsupported_method"),
        "{:#?}",
        r.findings
    );
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn stream_names_are_matched_in_any_case() {
    // Compound files compare names without case; so must this.
    let Some(doc) = encrypt(&workbook_with_eicar(), "VelvetSweatshop") else {
        return;
    };
    let mut cf = cfb::CompoundFile::open(std::io::Cursor::new(doc)).unwrap();
    let mut read = |name: &str| {
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut cf.open_stream(name).unwrap(), &mut data).unwrap();
        data
    };
    let (info, package) = (read("/EncryptionInfo"), read("/EncryptedPackage"));
    let renamed = compound(&[("/encryptioninfo", &info), ("/ENCRYPTEDPACKAGE", &package)]);
    let r = scan("prices.xlsm", renamed);
    assert!(found_eicar(&r), "{:#?}", r.findings);
    assert_eq!(encrypted(&r), [("office-agile".to_owned(), true)]);
}
