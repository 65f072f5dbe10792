//! Names that lie, on the transferred file and on every archive entry.

use crate::util::*;
use xferscan::Verdict;

#[test]
fn right_to_left_override_hiding_exe() {
    let r = scan("invoice_\u{202e}fdp.exe", tiny_pe(false));
    assert!(has_key(&r, "name.bidi_control"));
    let f = r.findings_with_key("name.bidi_control").next().unwrap();
    assert!(
        matches!(&f.kind, xferscan::FindingKind::BidiControl { displayed, .. } if displayed == "invoice_exe.pdf")
    );
    assert!(has_key(&r, "name.extension_mismatch"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn double_extension() {
    let r = scan("invoice.pdf.exe", tiny_pe(false));
    assert!(has_key(&r, "name.double_extension"));
    assert!(!has_key(
        &scan("backup.tar.gz", gzip(b"x")),
        "name.double_extension"
    ));
}

#[test]
fn double_extension_behind_invisible_characters() {
    // Each draws as nothing, so the user reads "photo.jpg.exe".
    for c in ['\u{200b}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{00ad}'] {
        let name = format!("photo.jpg{c}.exe");
        let r = scan(&name, tiny_pe(false));
        assert!(
            has_key(&r, "name.double_extension"),
            "{name:?}: {:?}",
            keys(&r)
        );
    }
    // Control: a name with a non-Latin letter there is no double extension.
    let r = scan("photo.jpgé.exe", tiny_pe(false));
    assert!(!has_key(&r, "name.double_extension"), "{:?}", keys(&r));
}

#[test]
fn trailing_dots_and_spaces() {
    assert!(has_key(
        &scan("photo.jpg ", b"text".to_vec()),
        "name.trailing_dot_or_space"
    ));
    assert!(has_key(
        &scan("run.exe.", tiny_pe(false)),
        "name.trailing_dot_or_space"
    ));
    assert!(!has_key(
        &scan("photo.txt", b"text".to_vec()),
        "name.trailing_dot_or_space"
    ));
}

#[test]
fn names_that_differ_only_by_normalisation() {
    let z = zip_of(
        &[
            ("caf\u{e9}.txt", &b"one"[..]),
            ("cafe\u{301}.txt", &b"two"[..]),
        ],
        Method::Stored,
    );
    assert!(has_key(&scan("n.zip", z), "name.normalization_collision"));
    let z = zip_of(
        &[("a.txt", &b"one"[..]), ("b.txt", &b"two"[..])],
        Method::Stored,
    );
    assert!(!has_key(&scan("n.zip", z), "name.normalization_collision"));
}

#[test]
fn very_long_names() {
    let name = format!("{}.txt", "a".repeat(300));
    assert!(has_key(&scan(&name, b"x".to_vec()), "name.long"));
}

#[test]
fn entry_names_are_checked_too() {
    let z = zip_of(
        &[("docs/scan_\u{202e}gpj.scr", &tiny_pe(false))],
        Method::Deflated,
    );
    let r = scan("docs.zip", z);
    let f = r.findings_with_key("name.bidi_control").next().unwrap();
    assert_eq!(f.path.names().len(), 2);
}

#[test]
fn control_characters() {
    assert!(has_key(
        &scan("a\u{7}.txt", b"x".to_vec()),
        "name.control_character"
    ));
}

#[test]
fn extensions_outlook_blocks_beyond_gmail_are_flagged() {
    let p2p = xferscan::Engine::builder()
        .profile(xferscan::Profile::P2p)
        .build()
        .unwrap();
    for name in [
        "settings.reg",
        "office.rdp",
        "update.appref-ms",
        "tool.application",
        "sandbox.wsb",
        "driver.inf",
        "report.iqy",
        "aero.theme",
    ] {
        let body = b"[section]\nkey=value\n".to_vec();
        let r = scan(name, body.clone());
        assert!(
            has_key(&r, "name.risky_extension"),
            "{name}: {:?}",
            keys(&r)
        );
        assert_eq!(r.verdict, Verdict::Suspicious, "{name}");
        // Inside an archive as well.
        let zip = zip_of(&[(name, &body)], Method::Deflated);
        assert!(
            has_key(&scan("files.zip", zip), "name.risky_extension"),
            "{name}"
        );
        // On a P2P gateway the content decides.
        assert_eq!(p2p.scan_bytes(name, body).verdict, Verdict::Clean, "{name}");
    }
    // Gmail's list stays a block of its own; ordinary names stay clean.
    let r = scan("setup.exe.txt", b"notes".to_vec());
    assert!(!has_key(&r, "name.risky_extension"));
    assert_clean(&scan("settings.ini", b"[section]\nkey=value\n".to_vec()));
    assert!(!has_key(
        &scan("run.bat", b"echo".to_vec()),
        "name.risky_extension"
    ));
}

/// unzip, bsdtar and Python's zipfile cut an entry's name at its first NUL
/// and write `run.cmd/.` as the file `run.cmd`: the name they write is the
/// one judged, whatever follows it in the archive.
#[test]
fn names_extractors_cut_or_clean_are_judged_as_written() {
    let batch = b"@echo off\r\nstart calc.exe\r\n";
    for name in ["invoice.cmd\0.txt", "invoice.cmd/.", "invoice.cmd\\."] {
        let r = scan("mail.zip", zip_of(&[(name, &batch[..])], Method::Stored));
        assert!(
            has_key(&r, "name.blocked_extension"),
            "{name:?}: {:?}",
            keys(&r)
        );
        assert_eq!(r.verdict, Verdict::Malicious, "{name:?}");
    }
    // Control: a folder's own entry and a plain name.
    let r = scan(
        "docs.zip",
        zip_of(
            &[("docs/", &b""[..]), ("docs/notes.txt", &b"notes"[..])],
            Method::Stored,
        ),
    );
    assert_clean(&r);
}

/// A name that is all extension (`.vbs`) is that extension to Windows:
/// Explorer shows a VBScript file and runs it on a double click.
#[test]
fn a_name_of_only_an_extension_is_judged_by_it() {
    let body = b"Set sh = CreateObject(\"WScript.Shell\")\r\n".to_vec();
    for name in [".vbs", "docs/.vbs", ".hta", ".cmd"] {
        let z = zip_of(&[(name, &body)], Method::Stored);
        let r = scan("files.zip", z);
        assert!(
            has_key(&r, "name.blocked_extension"),
            "{name}: {:?}",
            keys(&r)
        );
    }
    // Control: a dotfile of no such extension.
    let z = zip_of(&[(".gitignore", b"target/\n")], Method::Stored);
    assert_clean(&scan("files.zip", z));
}
