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

/// Word and PowerPoint 97-2003 documents that are encrypted say so in
/// their headers (Word's FIB flags, PowerPoint's `Current User` token):
/// never read as if their streams were their content.
#[test]
fn encrypted_word_and_powerpoint_97_documents_are_said_encrypted() {
    // A FIB: wIdent, nFib, unused, lid, pnNext, then the flags.
    let fib = |flags: u16| {
        let mut f = vec![0xec, 0xa5, 0xc1, 0x00, 0, 0, 0x09, 0x04, 0, 0];
        f.extend(flags.to_le_bytes());
        f.resize(512, 0);
        f
    };
    let current_user = |token: u32| {
        let mut c = vec![0, 0, 0xf6, 0x0f, 0x14, 0, 0, 0];
        c.extend(0x14u32.to_le_bytes());
        c.extend(token.to_le_bytes());
        c.resize(40, 0);
        c
    };
    let ppt = vec![0u8; 64];
    for (name, doc, method) in [
        (
            "letter.doc",
            compound(&[("WordDocument", &fib(0x0100)), ("1Table", &[0; 64])]),
            "word-rc4",
        ),
        (
            "letter.doc",
            compound(&[("WordDocument", &fib(0x8100)), ("1Table", &[0; 64])]),
            "word-xor",
        ),
        (
            "slides.ppt",
            compound(&[
                ("PowerPoint Document", &ppt),
                ("Current User", &current_user(0xf3d1_c4df)),
            ]),
            "powerpoint-cryptoapi",
        ),
    ] {
        let r = scan(name, doc);
        assert_ne!(r.verdict, Verdict::Clean, "{method}");
        assert!(
            r.findings.iter().any(|f| matches!(
                &f.kind,
                xferscan::FindingKind::Encrypted { method: m, decrypted: false, .. } if m == method
            )),
            "{method}: {:?}",
            keys(&r)
        );
    }
    // Controls: the same documents, not encrypted.
    for (name, doc) in [
        (
            "letter.doc",
            compound(&[("WordDocument", &fib(0x0200)), ("1Table", &[0; 64])]),
        ),
        (
            "slides.ppt",
            compound(&[
                ("PowerPoint Document", &ppt),
                ("Current User", &current_user(0xe391_c05f)),
            ]),
        ),
    ] {
        let r = scan(name, doc);
        assert!(!has_key(&r, "encrypted"), "{name}: {:?}", keys(&r));
    }
}
