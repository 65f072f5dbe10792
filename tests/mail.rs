//! MIME messages: mail saved as .eml, mbox files and MHTML web archives;
//! every part that carries content is scanned as the bytes a mail client
//! would save.

use crate::util::*;
use xferscan::Verdict;

const B64: &str = "Content-Transfer-Encoding: base64";

#[test]
fn base64_attachment_is_decoded_and_named() {
    let m = message(&[
        ("Content-Type: text/plain", b"see attached"),
        (
            &format!("Content-Type: application/octet-stream; name=\"invoice.pdf.exe\"\r\n{B64}"),
            &b64(&tiny_pe(false)),
        ),
    ]);
    let r = scan("mail.eml", m);
    assert_eq!(r.objects[0].types[0].ty.name(), "eml");
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_program_declared_as_text_is_scanned_as_its_bytes() {
    // A charset conversion would mangle these bytes; a mail client saves
    // them as they decode.
    let m = message(&[(
        &format!("Content-Type: text/plain; charset=utf-16\r\n{B64}"),
        &b64(&tiny_pe(false)),
    )]);
    let r = scan("notice.eml", m);
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
}

#[test]
fn quoted_printable_and_plain_parts() {
    let e = String::from_utf8(eicar()).unwrap().replace('=', "=3D");
    let m = message(&[(
        "Content-Type: application/octet-stream; name=a.com\r\n\
         Content-Transfer-Encoding: quoted-printable",
        e.as_bytes(),
    )]);
    let r = scan("qp.eml", m);
    assert!(
        r.findings_with_key("signature")
            .any(|f| f.path.name() == "a.com"),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn nested_messages_plain_and_encoded() {
    let zip = zip_of(&[("x.txt", &eicar()[..])], Method::Deflated);
    let inner = message(&[(
        &format!("Content-Type: application/zip; name=\"a.zip\"\r\n{B64}"),
        &b64(&zip),
    )]);
    for outer in [
        message(&[("Content-Type: message/rfc822", &inner)]),
        message(&[(
            &format!("Content-Type: message/rfc822\r\n{B64}"),
            &b64(&inner),
        )]),
    ] {
        let r = scan("fwd.eml", outer);
        let (path, _) = deepest(&r);
        assert_eq!(path.name(), "x.txt", "{:?}", keys(&r));
    }
}

#[test]
fn every_message_of_an_mbox_file() {
    let mut mbox = b"From a@example.com Mon Jan  1 00:00:00 2024\r\n".to_vec();
    mbox.extend(message(&[("Content-Type: text/plain", b"first")]));
    mbox.extend_from_slice(b"\r\nFrom c@example.com Mon Jan  1 00:00:01 2024\r\n");
    mbox.extend(message(&[(
        &format!("Content-Type: application/octet-stream; name=e.com\r\n{B64}"),
        &b64(&eicar()),
    )]));
    let r = scan("inbox.mbox", mbox);
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn mhtml_web_archive() {
    let mut page = b"<html><body>".to_vec();
    page.extend(eicar());
    page.extend_from_slice(b"</body></html>");
    let mut m = b"From: <Saved by Blink>\r\nSnapshot-Content-Location: https://example.com/\r\n\
                  Subject: page\r\nMIME-Version: 1.0\r\n\
                  Content-Type: multipart/related; type=\"text/html\"; boundary=\"BB\"\r\n\r\n\
                  --BB\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    m.extend(b64(&page));
    m.extend_from_slice(b"\r\n--BB--\r\n");
    assert!(found_eicar(&scan("page.mht", m)));
}

#[test]
fn clean_mail_is_clean() {
    let m = message(&[
        ("Content-Type: text/plain", b"see you tomorrow"),
        (
            &format!("Content-Type: image/png; name=photo.png\r\n{B64}"),
            &b64(&tiny_png()),
        ),
    ]);
    assert_clean(&scan("mail.eml", m));
    // Prose that mentions a header is not mail.
    let r = scan(
        "notes.txt",
        b"Note: Content-Type: text/plain\r\nmore".to_vec(),
    );
    assert_eq!(r.objects[0].types[0].ty.name(), "text");
}

#[test]
fn too_many_parts_is_a_limit_not_a_clean() {
    let mut m = b"From: a@example.com\r\nMIME-Version: 1.0\r\n\
                  Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
        .to_vec();
    for _ in 0..10_001 {
        m.extend_from_slice(b"\n--B\n\nx");
    }
    let r = scan("many.eml", m);
    assert!(has_key(&r, "limit.objects"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

/// Base64 with a character outside its alphabet every few characters:
/// mail clients skip them (RFC 2045) where the parser gives up.
fn b64_with_junk(data: &[u8], junk: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &c) in b64(data).iter().enumerate() {
        if i % 7 == 6 {
            out.push(junk);
        }
        out.push(c);
    }
    out
}

#[test]
fn base64_with_characters_outside_its_alphabet_is_decoded_as_clients_do() {
    for junk in [b'!', b'*', b'.', b'#', 0x80] {
        // A named attachment, a part without a name, and a message that is
        // one part.
        let named = message(&[
            ("Content-Type: text/plain", b"see attached"),
            (
                &format!("Content-Type: application/octet-stream; name=\"a.txt\"\r\n{B64}"),
                &b64_with_junk(&eicar(), junk),
            ),
        ]);
        let unnamed = message(&[(
            &format!("Content-Type: application/octet-stream\r\n{B64}"),
            &b64_with_junk(&eicar(), junk),
        )]);
        let mut single = format!(
            "From: a@example.com\r\nMIME-Version: 1.0\r\n\
             Content-Type: application/octet-stream; name=\"a.txt\"\r\n{B64}\r\n\r\n"
        )
        .into_bytes();
        single.extend(b64_with_junk(&eicar(), junk));
        for (label, m) in [("named", named), ("unnamed", unnamed), ("single", single)] {
            let r = scan("mail.eml", m);
            assert!(found_eicar(&r), "{label} {junk:#x}: {:?}", keys(&r));
            assert_eq!(r.verdict, Verdict::Malicious, "{label} {junk:#x}");
        }
    }
}

#[test]
fn a_clean_part_with_a_stray_character_is_malformed_not_malicious() {
    let m = message(&[(
        &format!("Content-Type: text/plain; name=\"notes.txt\"\r\n{B64}"),
        &b64_with_junk(b"see you at the meeting tomorrow, bring the figures", b'!'),
    )]);
    let r = scan("mail.eml", m);
    assert!(has_key(&r, "unscannable"), "{:?}", keys(&r));
    assert!(
        r.findings_with_key("signature").next().is_none(),
        "{:?}",
        keys(&r)
    );
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn a_message_with_an_8bit_body_in_a_legacy_encoding_is_unpacked() {
    // Latin-1 text sent as 8bit, as many mail programs still send it:
    // bytes that are not UTF-8 in the message.
    let latin1 = b"Gr\xfc\xdfe aus K\xf6ln, die Unterlagen anbei.";
    let text = "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit";
    let m = message(&[
        (text, latin1),
        (
            &format!("Content-Type: application/octet-stream; name=\"a.txt\"\r\n{B64}"),
            &b64(&eicar()),
        ),
    ]);
    let r = scan("mail.eml", m);
    assert_eq!(r.objects[0].types[0].ty.name(), "eml");
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Control: the same message with a picture.
    let m = message(&[
        (text, latin1),
        (
            &format!("Content-Type: image/png; name=photo.png\r\n{B64}"),
            &b64(&tiny_png()),
        ),
    ]);
    assert_clean(&scan("mail.eml", m));
}

#[test]
fn a_header_block_padded_past_what_detection_reads_is_still_a_message() {
    let rest = |m: Vec<u8>| {
        // The header block of `message`, without its first two fields.
        let i = m.windows(13).position(|w| w == b"Subject: file").unwrap();
        m[i..].to_vec()
    };
    let attached = message(&[(
        &format!("Content-Type: application/octet-stream; name=\"a.bin\"\r\n{B64}"),
        &b64(&eicar()),
    )]);
    // 300 fields of the sender's own before the known ones; one field
    // folded over 80 lines.
    let mut padded: Vec<u8> = (0..300)
        .flat_map(|i| format!("X-Filler-{i}: {}\r\n", "a".repeat(60)).into_bytes())
        .collect();
    padded.extend(b"From: a@example.com\r\nTo: b@example.com\r\n");
    padded.extend(rest(attached.clone()));
    let mut folded =
        format!("X-Long: {}\r\n", vec!["x".repeat(70); 80].join("\r\n  ")).into_bytes();
    folded.extend(b"From: a@example.com\r\n");
    folded.extend(rest(attached));
    for (label, m) in [("padded", padded), ("folded", folded)] {
        let r = scan("mail.eml", m);
        assert_eq!(r.objects[0].types[0].ty.name(), "eml", "{label}");
        assert!(found_eicar(&r), "{label}: {:?}", keys(&r));
    }
}

#[test]
fn a_multipart_body_without_from_or_mime_version_is_a_message() {
    // Only the Content-Type field, as a part saved on its own or a message
    // a sender stripped: mail clients open it and offer its attachment.
    let m = message(&[(
        &format!("Content-Type: application/octet-stream; name=\"a.bin\"\r\n{B64}"),
        &b64(&eicar()),
    )]);
    let i = m.windows(13).position(|w| w == b"Content-Type:").unwrap();
    for lead in [&b""[..], b"X-Origin: export\r\n"] {
        let mut stripped = lead.to_vec();
        stripped.extend_from_slice(&m[i..]);
        let r = scan("part.eml", stripped);
        assert_eq!(r.objects[0].types[0].ty.name(), "eml");
        assert!(found_eicar(&r), "{:?}", keys(&r));
    }
}

#[test]
fn a_body_whose_only_field_is_its_encoding_is_a_message() {
    // A part saved on its own with nothing but its encoding: a mail client
    // decodes it; so is it scanned.
    let e = eicar();
    let body = format!("{B64}\r\n\r\n{}", String::from_utf8(b64(&e)).unwrap());
    let r = scan("part.eml", body.into_bytes());
    assert_eq!(r.objects[0].types[0].ty.name(), "eml", "{:?}", keys(&r));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Control: the same header over ordinary text.
    let hello = format!(
        "{B64}\r\n\r\n{}",
        String::from_utf8(b64(b"hello, this is a note")).unwrap()
    );
    assert_clean(&scan("part.eml", hello.into_bytes()));
}

/// A transfer encoding's field as Thunderbird reads it: its first token
/// (`base64; x=1`, `base64 (binary)`, `base64,7bit`, `"base64"`,
/// `x-base64`). One no client decodes is a finding, never a silent clean.
#[test]
fn transfer_encodings_read_by_their_first_token() {
    for cte in [
        "base64; x=1",
        "base64 (binary)",
        "base64,7bit",
        "\"base64\"",
        "X-Base64",
    ] {
        let m = message(&[(
            &format!(
                "Content-Type: text/plain; name=\"invoice.txt\"\r\nContent-Transfer-Encoding: {cte}"
            ),
            &b64(&eicar()),
        )]);
        let r = scan("mail.eml", m);
        assert!(found_eicar(&r), "{cte}: {:?}", keys(&r));
    }
    let m = message(&[(
        "Content-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: x-foo",
        b"whatever this is",
    )]);
    let r = scan("mail.eml", m);
    assert!(
        has_key(&r, "unscannable.unsupported_method"),
        "{:?}",
        keys(&r)
    );
    // Controls: the plain encodings.
    for cte in ["7bit", "8bit", "binary", "quoted-printable"] {
        let m = message(&[(
            &format!("Content-Type: text/plain\r\nContent-Transfer-Encoding: {cte}"),
            b"See you at noon.",
        )]);
        assert_clean(&scan("mail.eml", m));
    }
}

/// Thunderbird and Python's `email` read the first of two Content-Type or
/// Content-Transfer-Encoding fields, mail-parser the last: both readings
/// are scanned, and the disagreement is a finding.
#[test]
fn fields_given_twice_are_read_both_ways() {
    for (first, second) in [
        (B64, "Content-Transfer-Encoding: 7bit"),
        ("Content-Transfer-Encoding: 7bit", B64),
    ] {
        let m = message(&[(
            &format!("Content-Type: text/plain; name=\"invoice.txt\"\r\n{first}\r\n{second}"),
            &b64(&eicar()),
        )]);
        let r = scan("mail.eml", m);
        assert!(found_eicar(&r), "{first}: {:?}", keys(&r));
        assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    }
    // The message's own type given twice, multipart first.
    let inner = message(&[(
        &format!("Content-Type: application/octet-stream; name=\"e.com\"\r\n{B64}"),
        &b64(&eicar()),
    )]);
    let m = String::from_utf8(inner)
        .unwrap()
        .replacen(
            "MIME-Version: 1.0\r\n",
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n",
            1,
        )
        .replacen(
            "multipart/mixed; boundary=\"BB\"\r\n\r\n",
            "text/plain\r\n\r\n",
            1,
        );
    let r = scan("mail.eml", m.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

/// A message whose base64 body follows its fields with no empty line:
/// Python's `email` and munpack end the header block at the first line
/// that is no field, and deliver the attachment.
#[test]
fn a_message_whose_body_follows_its_fields_without_an_empty_line() {
    let body = String::from_utf8(b64(&eicar())).unwrap();
    let m = format!(
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n\
         Content-Type: application/octet-stream; name=\"a.exe\"\r\n{B64}\r\n{body}"
    );
    let r = scan("mail.eml", m.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// A backslash inside a quoted boundary (`boundary="B\B"`): Python's
/// compat32 and ripmime split the message at `--B\B` lines and deliver
/// the attachment; mail-parser reads the backslash as an escape.
#[test]
fn a_boundary_with_a_backslash_inside_quotes() {
    let m = String::from_utf8(message(&[(
        &format!("Content-Type: application/octet-stream; name=\"e.bin\"\r\n{B64}"),
        &b64(&eicar()),
    )]))
    .unwrap()
    .replace("boundary=\"BB\"", "boundary=\"B\\B\"")
    .replace("--BB", "--B\\B");
    let r = scan("mail.eml", m.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// A boundary folded onto the next line after its `=`: Python, munpack
/// and ripmime read it.
#[test]
fn a_boundary_folded_after_its_equals_sign() {
    let m = String::from_utf8(message(&[(
        &format!("Content-Type: application/octet-stream; name=\"e.com\"\r\n{B64}"),
        &b64(&eicar()),
    )]))
    .unwrap()
    .replacen("boundary=\"BB\"", "boundary=\r\n \"BB\"", 1);
    let r = scan("mail.eml", m.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Two boundaries: ripmime takes the last, mail-parser the first.
    let m = String::from_utf8(message(&[(
        &format!("Content-Type: application/octet-stream; name=\"e.com\"\r\n{B64}"),
        &b64(&eicar()),
    )]))
    .unwrap()
    .replacen("boundary=\"BB\"", "boundary=\"XX\"; boundary=\"BB\"", 1);
    let r = scan("mail.eml", m.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Controls: a multipart body without a line of its boundary is text to
    // every reader (Python's test messages have such), and the usual fold,
    // before the parameter, is read as it is and needs no second reading.
    let m = String::from_utf8(message(&[("Content-Type: text/plain", b"hello")]))
        .unwrap()
        .replace("--BB", "--CC");
    assert_clean(&scan("mail.eml", m.into_bytes()));
    let m = String::from_utf8(message(&[("Content-Type: text/plain", b"hello")]))
        .unwrap()
        .replacen(
            "multipart/mixed; boundary",
            "multipart/mixed;\r\n\tboundary",
            1,
        );
    let r = scan("mail.eml", m.into_bytes());
    assert_clean(&r);
    assert!(
        !r.objects
            .iter()
            .any(|o| o.path.name().starts_with("<message as")),
        "{:?}",
        r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
    );
}

/// An `.eml` saved with an mbox `From ` line, whose text has a line that
/// starts with `From `: mail clients read one message.
#[test]
fn an_eml_with_a_from_line_is_one_message_too() {
    let mut m = b"From a@example.com Mon Jan  1 00:00:00 2024\r\n".to_vec();
    m.extend(message(&[
        (
            "Content-Type: text/plain",
            b"Hello,\r\n\r\nFrom now on, use the attached tool.",
        ),
        (
            &format!("Content-Type: application/octet-stream; name=\"tool.com\"\r\n{B64}"),
            &b64(&eicar()),
        ),
    ]));
    let r = scan("mail.eml", m);
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// An `.eml` with an mbox `From ` line whose text has a line that starts
/// with `From ` and one that looks like a field after it: an mbox reader
/// starts a message there, a mail client reads one message. Both are
/// read.
#[test]
fn an_eml_whose_from_line_in_the_text_looks_like_a_message() {
    let mut m = b"From a@example.com Mon Jan  1 00:00:00 2024\r\n".to_vec();
    m.extend(message(&[
        (
            "Content-Type: text/plain",
            b"Hello,\r\n\r\nFrom the desk of the CFO\r\nRe: budget, see the tool.",
        ),
        (
            &format!("Content-Type: application/octet-stream; name=\"tool.com\"\r\n{B64}"),
            &b64(&eicar()),
        ),
    ]));
    let r = scan("mail.eml", m);
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// Two Content-Disposition fields: Python's `email` names the part by the
/// first, mail-parser by the last; both names are checked.
#[test]
fn a_content_disposition_given_twice_is_read_both_ways() {
    let m = message(&[(
        "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"invoice.js\"\r\nContent-Disposition: attachment; filename=\"readme.txt\"",
        b"var s = new ActiveXObject('WScript.Shell');",
    )]);
    let r = scan("mail.eml", m);
    assert!(
        r.objects.iter().any(|o| o.path.name() == "invoice.js"),
        "{:?}",
        r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
    );
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", keys(&r));
}

/// A file name folded around its `=`: Python's `email`, munpack and
/// ripmime read it, and the name is checked.
#[test]
fn a_file_name_folded_around_its_equals_sign() {
    for field in [
        "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\r\n \"invoice.js\"",
        "Content-Type: text/plain\r\nContent-Disposition: attachment; filename\r\n =\"invoice.js\"",
        "Content-Type: text/plain\r\nContent-Disposition: attachment; filename*=\r\n utf-8''invoice.js",
        "Content-Type: application/octet-stream; name=\r\n \"invoice.js\"",
    ] {
        let m = message(&[(field, b"var s = new ActiveXObject('WScript.Shell');")]);
        let r = scan("mail.eml", m);
        assert!(
            r.objects.iter().any(|o| o.path.name() == "invoice.js"),
            "{field:?}: {:?}",
            r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
        );
        assert_eq!(r.verdict, Verdict::Malicious, "{field:?}: {:?}", keys(&r));
    }
}

/// A part whose header block does not end in an empty line: Python's
/// `email` ends it at the first line that is no field, munpack at a line
/// of white space too, and Python at a blank line ended by a lone CR.
#[test]
fn a_part_head_that_ends_without_an_empty_line() {
    let fields = "Content-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: base64";
    let body = String::from_utf8(b64(&eicar())).unwrap();
    for (sep, what) in [
        ("\r\n", "no empty line"),
        ("\r\n \r\n", "a line of white space"),
        ("\r\r", "CR CR"),
        ("\r\n\r", "CRLF CR"),
    ] {
        let m = format!(
            "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\nhello\r\n--BB\r\n{fields}{sep}{body}\r\n--BB--\r\n"
        );
        let r = scan("mail.eml", m.into_bytes());
        assert!(found_eicar(&r), "{what}: {:?}", keys(&r));
    }
}

/// A file name in a charset the parser does not decode (EBCDIC cp037,
/// which Python's `email` reads as `invoice.js`): not the name a client
/// may show, so a finding, never a silent clean.
#[test]
fn a_file_name_in_a_charset_not_decoded_is_a_finding() {
    let m = message(&[(
        "Content-Type: text/plain\r\nContent-Disposition: attachment; filename*=cp037''%89%95%A5%96%89%83%85K%91%A2",
        b"var s = 1;",
    )]);
    let r = scan("mail.eml", m);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

/// Quoted-printable soft breaks with white space after the `=`, or a
/// lone CR: RFC 2045 has decoders delete the white space, and ripmime
/// does.
#[test]
fn quoted_printable_soft_breaks_with_trailing_white_space() {
    let e = eicar();
    let (a, b) = e.split_at(30);
    for brk in ["=  \r\n", "=\t\r\n", "=\r"] {
        // EICAR holds no `=`: only the break is quoted-printable.
        let body = [a, brk.as_bytes(), b].concat();
        let m = message(&[(
            "Content-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: quoted-printable",
            &body,
        )]);
        let r = scan("mail.eml", m);
        assert!(found_eicar(&r), "{brk:?}: {:?}", keys(&r));
    }
}

/// S/MIME as `openssl smime` writes it (BER, indefinite lengths): an
/// opaque-signed message's content is read as mail clients show it,
/// whoever signed it; an encrypted one is said to be encrypted.
#[test]
fn smime_signed_content_is_read_and_encrypted_is_said() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    run_tool(
        dir.path(),
        &openssl,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=sender",
        ],
    );
    let entity = format!(
        "Content-Type: multipart/mixed; boundary=\"IN\"\r\n\r\n--IN\r\n\
         Content-Type: text/plain\r\n\r\nThe report.\r\n--IN\r\n\
         Content-Type: application/octet-stream; name=\"report.com\"\r\n{B64}\r\n\r\n{}\r\n--IN--\r\n",
        String::from_utf8(b64(&eicar())).unwrap()
    );
    std::fs::write(dir.path().join("entity.txt"), entity).unwrap();
    let sign = |extra: &[&str], out: &str| {
        let mut args = vec![
            "smime",
            "-sign",
            "-nodetach",
            "-in",
            "entity.txt",
            "-signer",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-out",
            out,
        ];
        args.extend_from_slice(extra);
        run_tool(dir.path(), &openssl, &args);
        std::fs::read(dir.path().join(out)).unwrap()
    };
    // The mail, and the bare .p7m (DER outer, as a saved attachment).
    let r = scan("signed.eml", sign(&[], "signed.eml"));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let r = scan("smime.p7m", sign(&["-outform", "DER"], "smime.p7m"));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(r.objects[0].types[0].ty.name(), "pkcs7");
    run_tool(
        dir.path(),
        &openssl,
        &[
            "smime",
            "-encrypt",
            "-aes256",
            "-in",
            "entity.txt",
            "-out",
            "enc.eml",
            "cert.pem",
        ],
    );
    let r = scan(
        "enc.eml",
        std::fs::read(dir.path().join("enc.eml")).unwrap(),
    );
    assert!(has_key(&r, "encrypted"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
    // Controls: the certificate (DER), and a harmless signed message.
    run_tool(
        dir.path(),
        &openssl,
        &[
            "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
        ],
    );
    assert_clean(&scan(
        "cert.der",
        std::fs::read(dir.path().join("cert.der")).unwrap(),
    ));
    std::fs::write(
        dir.path().join("entity.txt"),
        "Content-Type: text/plain\r\n\r\nSee you at noon.\r\n",
    )
    .unwrap();
    assert_clean(&scan("signed.eml", sign(&[], "plain.eml")));
}

/// A boundary inside a line of base64 (`TVqQ--__.__AAMA...`): mail-parser
/// ends the part there, Thunderbird and Python take a boundary only at a
/// line's start and decode past it (base64 skips `-`, `_` and `.`).
#[test]
fn a_boundary_inside_a_line_is_no_boundary_to_mail_clients() {
    let encoded = String::from_utf8(b64(&eicar())).unwrap();
    let (head, tail) = encoded.split_at(8);
    let body = format!("{head}--__.__{tail}");
    let m = String::from_utf8(message(&[(
        &format!("Content-Type: application/octet-stream; name=\"e.bin\"\r\n{B64}"),
        body.as_bytes(),
    )]))
    .unwrap()
    .replace("BB", "__.__");
    let r = scan("mail.eml", m.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

/// A message of a text part and EICAR attached in base64, as text.
fn text_and_eicar_attachment() -> String {
    String::from_utf8(message(&[
        ("Content-Type: text/plain", b"see attached"),
        (
            &format!("Content-Type: application/octet-stream; name=\"e.bin\"\r\n{B64}"),
            &b64(&eicar()),
        ),
    ]))
    .unwrap()
}

/// Header blocks that Thunderbird, Python's `email` and munpack read as a
/// message, which a strict reading takes for text: a byte order mark, a
/// space or blank lines before the first field, a line that is no field,
/// a space before a colon, CR line ends. The message they read is
/// scanned; a text that only quotes such fields stays clean.
#[test]
fn header_blocks_that_mail_clients_accept_are_read_as_mail() {
    let m = text_and_eicar_attachment();
    for (defect, odd) in [
        ("leading_space", format!(" {m}")),
        ("utf8_bom", format!("\u{feff}{m}")),
        ("leading_blank_lines", format!("\r\n\r\n{m}")),
        ("junk_first_line", format!("Saved message\r\n{m}")),
        (
            "junk_line_in_headers",
            m.replace("Subject:", "this line has no colon\r\nSubject:"),
        ),
        (
            "space_before_colon",
            m.replace("Content-Type: multipart", "Content-Type : multipart"),
        ),
        ("cr_line_ends", m.replace("\r\n", "\r")),
        (
            "mbox_with_a_blank_first_line",
            format!(
                "\nFrom a@example.com Mon Jan  1 00:00:00 2024\n\
                 From: a@example.com\nTo: b@example.com\nSubject: hi\n\nhello\n\n\
                 From b@example.com Mon Jan  1 00:01:00 2024\n{m}"
            ),
        ),
    ] {
        let r = scan("mail.eml", odd.into_bytes());
        assert!(found_eicar(&r), "{defect}: {:?}", keys(&r));
    }
    let quoted = "Notes on the upload API\r\n\
                  Content-Type : multipart/form-data; boundary=X\r\n\
                  Content-Transfer-Encoding: base64\r\n\r\n\
                  The server answers 200 when the parts are whole.\r\n";
    let r = scan("notes.txt", quoted.as_bytes().to_vec());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    // A request saved from a browser's tools: read as clients would read
    // it, its clean part is clean.
    let request = "POST /upload HTTP/1.1\r\nHost: example.com\r\n\
                   Content-Type: multipart/form-data; boundary=----WebKitFormBoundary7MA4\r\n\r\n\
                   ------WebKitFormBoundary7MA4\r\n\
                   Content-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n\
                   Content-Type: text/plain\r\n\r\nhello\r\n\
                   ------WebKitFormBoundary7MA4--\r\n";
    let r = scan("request.txt", request.as_bytes().to_vec());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert!(
        r.objects.iter().any(|o| o.types[0].ty.name() == "eml"),
        "the request is read as a message"
    );
}

/// Multipart structure that readers other than this parser find: a
/// multipart type with no boundary (munpack and ripmime take the first
/// `--` line's), parts after the closing boundary (ripmime reads them).
/// Both are read as those readers read them, and said to be malformed.
#[test]
fn parts_that_other_readers_find_are_scanned() {
    let m = text_and_eicar_attachment();
    let no_boundary = m.replace("multipart/mixed; boundary=\"BB\"", "multipart/mixed");
    let r = scan("mail.eml", no_boundary.into_bytes());
    assert!(found_eicar(&r), "no boundary: {:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    let clean_part = "--BB\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n";
    let (_, attachment) = m.split_once(clean_part).unwrap();
    let after_the_close = format!(
        "{}{clean_part}--BB--\r\n{attachment}",
        &m[..m.find(clean_part).unwrap()]
    );
    let r = scan("mail.eml", after_the_close.into_bytes());
    assert!(found_eicar(&r), "after the close: {:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // Nested multiparts whose boundaries start alike are no such thing.
    let inner = String::from_utf8(message(&[("Content-Type: text/plain", b"hi")]))
        .unwrap()
        .replace("BB", "B");
    let (_, inner_body) = inner.split_once("\r\n\r\n").unwrap();
    let nested = format!(
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\n\
         Content-Type: multipart/alternative; boundary=\"B\"\r\n\r\n{inner_body}\
         --BB\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--BB--\r\n"
    );
    let r = scan("mail.eml", nested.into_bytes());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
}

/// Multiparts nested thousands deep: each check of a multipart's
/// structure reads what it holds, so the checks share a bound (32 times
/// the message), past which the rest are said not to be checked.
#[test]
fn deeply_nested_multiparts_are_checked_within_a_bound() {
    let depth = 3_000;
    let mut m = String::from(
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n",
    );
    for d in 0..depth {
        m.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{d}\"\r\n\r\n--b{d}\r\n"
        ));
    }
    m.push_str("Content-Type: text/plain\r\n\r\nhello\r\n");
    for d in (0..depth).rev() {
        m.push_str(&format!("--b{d}--\r\n"));
    }
    m.push_str(&" ".repeat(200_000));
    let r = scan("deep.eml", m.into_bytes());
    assert!(has_key(&r, "limit.objects"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}
