//! Passwords named beside what they open: malspam sends archives
//! encrypted, so that scanners cannot read them, and names the password in
//! the message, so that the victim can; downloads of cracked software put
//! a `password.txt` beside the encrypted archive. The password found is
//! tried first on everything below the message or container that names
//! it, and only there.

use std::io::Write;

use crate::util::*;
use xferscan::Verdict;

const B64: &str = "Content-Transfer-Encoding: base64";

/// A zip whose one entry, EICAR, is AES-256 encrypted with `password`.
fn aes_zip(password: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, password);
    w.start_file("invoice.txt", opts).unwrap();
    w.write_all(&eicar()).unwrap();
    w.finish().unwrap().into_inner()
}

/// A zip whose one entry, EICAR, is ZipCrypto encrypted with `password`.
fn zipcrypto_zip(password: &str) -> Vec<u8> {
    let e = eicar();
    let enc = zipcrypto(&e, password, (crc32(&e) >> 24) as u8);
    let mut h = Header::new("invoice.txt", 0, &e, &enc);
    h.flags |= 1;
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(&enc);
    z.central(&h, off);
    z.finish()
}

fn attachment(name: &str) -> String {
    format!(
        "Content-Type: application/zip; name=\"{name}\"\r\n{B64}\r\nContent-Disposition: attachment; filename=\"{name}\""
    )
}

fn opened(r: &xferscan::Report) -> bool {
    found_eicar(r) && encrypted(r).iter().all(|(_, decrypted)| *decrypted)
}

#[test]
fn the_password_in_a_plain_body_opens_the_attached_zip() {
    let zip = aes_zip("Xy7!pq-2024");
    let m = message(&[
        (
            "Content-Type: text/plain; charset=utf-8",
            b"Hello,\r\n\r\nplease find the invoice attached.\r\nThe password is Xy7!pq-2024\r\n\r\nRegards",
        ),
        (&attachment("invoice.zip"), &b64(&zip)),
    ]);
    let r = scan("mail.eml", m);
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_html_body_in_quoted_printable_and_a_quoted_password() {
    let zip = zipcrypto_zip("K9&m \u{bb}x");
    // "Passwort: «K9&m »x»" would not read back; a quoted password with
    // a space and an ampersand, in markup and quoted-printable, does.
    let html = "<html><body><p>Guten Tag,</p><p><b>Passwort:</b>&nbsp;\"K9&amp;m =C2=BBx\"</p></body></html>";
    let m = message(&[
        (
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable",
            html.as_bytes(),
        ),
        (&attachment("rechnung.zip"), &b64(&zip)),
    ]);
    let r = scan("mail.eml", m);
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}

#[test]
fn the_subject_may_give_it() {
    let zip = aes_zip("7781");
    let m = String::from_utf8(message(&[(&attachment("scan.zip"), &b64(&zip))]))
        .unwrap()
        .replacen("Subject: files", "Subject: Scan 04/12 (pass: 7781)", 1);
    let r = scan("mail.eml", m.into_bytes());
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}

#[test]
fn a_nested_archive_and_a_forwarded_message_inherit_it() {
    // The password opens a zip inside a zip, and the attachment of a
    // message forwarded as an attachment of the one that names it.
    let inner = zipcrypto_zip("orchid-42");
    let outer = zip_of(&[("inner.zip", &inner)], Method::Stored);
    let forwarded = message(&[(&attachment("docs.zip"), &b64(&outer))]);
    let m = message(&[
        ("Content-Type: text/plain", b"Password: orchid-42"),
        ("Content-Type: message/rfc822", &forwarded),
    ]);
    let r = scan("mail.eml", m);
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}

#[test]
fn without_the_password_the_attachment_is_still_reported_encrypted() {
    let zip = aes_zip("never-written-down");
    let m = message(&[
        (
            "Content-Type: text/plain",
            b"The password is in the next mail.",
        ),
        (&attachment("invoice.zip"), &b64(&zip)),
    ]);
    let r = scan("mail.eml", m);
    assert!(!found_eicar(&r));
    assert_eq!(encrypted(&r), [("aes".to_owned(), false)]);
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn a_password_is_tried_only_below_the_message_that_gives_it() {
    // Two messages of one mbox: the first names the password, the second
    // carries the zip it would open.
    let zip = aes_zip("Tulip-1717");
    let first = message(&[
        ("Content-Type: text/plain", b"Password: Tulip-1717"),
        (
            &attachment("other.zip"),
            &b64(&zip_of(&[("a.txt", b"a")], Method::Stored)),
        ),
    ]);
    // Its own boundary, as every mail has: the mbox is also read as one
    // message (what a mail client opening it as an `.eml` reads), and
    // there the second message is the first one's epilogue.
    let second = String::from_utf8(message(&[
        ("Content-Type: text/plain", b"see attached"),
        (&attachment("invoice.zip"), &b64(&zip)),
    ]))
    .unwrap()
    .replace("BB", "CC");
    let mut mbox = b"From a@example.com Fri Dec  4 10:00:00 2026\r\n".to_vec();
    mbox.extend_from_slice(&first);
    mbox.extend_from_slice(b"\r\nFrom a@example.com Fri Dec  4 10:01:00 2026\r\n");
    mbox.extend_from_slice(second.as_bytes());
    let r = scan("mail.mbox", mbox);
    assert!(!found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(encrypted(&r), [("aes".to_owned(), false)]);
}

#[test]
fn a_clean_mail_that_speaks_of_passwords_stays_clean() {
    // A password reset mail, with an ordinary zip: nothing to open, and
    // the text changes nothing.
    let m = message(&[
        (
            "Content-Type: text/plain",
            b"Your password was changed. Your new password: Hunter2!\r\nIf this was not you, reset it.",
        ),
        (&attachment("report.zip"), &b64(&zip_of(&[("report.txt", b"figures")], Method::Deflated))),
    ]);
    assert_clean(&scan("mail.eml", m));
}

#[test]
fn an_outlook_message_gives_it_in_its_body() {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let zip = zipcrypto_zip("Lagoon#88");
    let msg = crate::ole_writer::compound(&[
        ("/__substg1.0_0037001F", &utf16("Invoice")[..]),
        (
            "/__substg1.0_1000001F",
            &utf16("Dear customer,\r\nthe archive password: Lagoon#88\r\n")[..],
        ),
        (
            "/__attach_version1.0_#00000000/__substg1.0_3707001F",
            &utf16("invoice.zip"),
        ),
        ("/__attach_version1.0_#00000000/__substg1.0_37010102", &zip),
    ]);
    let r = scan("mail.msg", msg);
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}

/// A zip of `entries`, each (name, content, password or none).
fn zip_with(entries: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content, password) in entries {
        let mut opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        if let Some(p) = password {
            opts = opts.with_aes_encryption(zip::AesMode::Aes256, p);
        }
        w.start_file(*name, opts).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_password_file_opens_the_encrypted_archive_beside_it() {
    let outer = zip_with(&[
        (
            "Setup/Password.txt",
            b"\xef\xbb\xbfPassword: 2024-Setup\r\n",
            None,
        ),
        ("Setup/Setup.zip", &aes_zip("2024-Setup"), None),
    ]);
    let r = scan("download.zip", outer);
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
    // The same in a tarball, the password alone on its line.
    let mut t = TarWriter::new();
    t.file("PASS.TXT", b"4471\n")
        .file("data.zip", &aes_zip("4471"));
    let r = scan("download.tar", t.finish());
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}

#[test]
fn a_password_file_opens_its_siblings_in_the_same_archive() {
    let data = zip_with(&[
        ("password.txt", b"Q7-x!", None),
        ("invoice.txt", &eicar(), Some("Q7-x!")),
    ]);
    let r = scan("invoice.zip", data);
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}

#[test]
fn a_file_not_named_for_a_password_gives_none() {
    let data = zip_with(&[
        ("readme.txt", b"Q7-x!", None),
        ("invoice.txt", &eicar(), Some("Q7-x!")),
    ]);
    let r = scan("invoice.zip", data);
    assert!(!found_eicar(&r));
    assert_eq!(encrypted(&r), [("aes".to_owned(), false)]);
    assert_eq!(r.verdict, Verdict::Suspicious);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Any password that starts with a letter or digit, holds a digit and
    /// no white space or quote, named in any of the common phrasings,
    /// opens the attachment it names.
    #[test]
    fn a_password_named_in_a_common_phrasing_opens_the_attachment(
        password in "[A-Za-z0-9]{1,8}[0-9][A-Za-z0-9!#$%&*+.,;?@^_~=:-]{0,12}",
        phrasing in 0usize..6,
    ) {
        let text = match phrasing {
            0 => format!("Password: {password}"),
            1 => format!("Hello,\r\nthe password is {password}\r\nThanks"),
            2 => format!("Passwort: {password}."),
            3 => format!("pw = {password}"),
            4 => format!("Le mot de passe est {password} !"),
            _ => format!("Archive password (case sensitive): {password}"),
        };
        let m = message(&[
            ("Content-Type: text/plain; charset=utf-8", text.as_bytes()),
            (&attachment("files.zip"), &b64(&aes_zip(&password))),
        ]);
        let r = scan("mail.eml", m);
        proptest::prop_assert!(opened(&r), "{:?}: {:?} {:?}", text, keys(&r), encrypted(&r));
    }
}

#[test]
fn the_archive_comment_may_give_it() {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.set_comment("Downloaded from example.org - Password: dl-2024!")
        .unwrap();
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, "dl-2024!");
    w.start_file("setup.txt", opts).unwrap();
    w.write_all(&eicar()).unwrap();
    let r = scan("setup.zip", w.finish().unwrap().into_inner());
    assert!(opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}

/// The empty password is what a user gets by pressing Enter at 7-Zip's
/// prompt, and `unzip -P ""` opens what it encrypted: its key is public, so
/// it is tried whatever the engine's list, and the content is scanned.
#[test]
fn zips_encrypted_with_the_empty_password_are_opened() {
    let only_ours = xferscan::Engine::builder()
        .passwords(["only-this-one"])
        .build()
        .unwrap();
    for (kind, zip) in [("aes", aes_zip("")), ("zipcrypto", zipcrypto_zip(""))] {
        let r = scan("invoice.zip", zip.clone());
        assert!(opened(&r), "{kind}: {:?} {:?}", keys(&r), encrypted(&r));
        let r = only_ours.scan_bytes("invoice.zip", zip);
        assert!(opened(&r), "{kind}: {:?} {:?}", keys(&r), encrypted(&r));
    }
    // A password that is not empty and not known still stays closed.
    let r = only_ours.scan_bytes("invoice.zip", aes_zip("not-known"));
    assert!(!opened(&r), "{:?} {:?}", keys(&r), encrypted(&r));
}
