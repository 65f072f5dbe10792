//! Files carried as text, in mail bodies from before MIME and as files of
//! their own (`.uue`, `.hqx`, a saved yEnc post): uuencode (the
//! real `uuencode` of sharutils makes one fixture), BinHex 4.0 (built
//! here: run-length encoding with 0x90, CRC-16/XMODEM, the 64-character
//! alphabet) and yEnc (built here as its specification writes it). Each decoded file is a child under its name; a truncated
//! body, a bad line or a wrong CRC is a finding, and what decoded is still
//! scanned.

use crate::util::*;
use xferscan::Verdict;

/// `uuencode [-m] FILE NAME` of `data`, by sharutils' own tool.
fn uuencode_tool(data: &[u8], name: &str, base64: bool) -> Option<Vec<u8>> {
    let uu = tool("uuencode")?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in"), data).unwrap();
    let mut cmd = std::process::Command::new(uu);
    if base64 {
        cmd.arg("-m");
    }
    let out = cmd
        .arg("in")
        .arg(name)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    Some(out.stdout)
}

/// uuencode written here, for the fixtures that must lie.
fn uuencode(data: &[u8], name: &str) -> Vec<u8> {
    let enc = |v: u8| if v == 0 { b'`' } else { v + 0x20 };
    let mut out = format!("begin 644 {name}\n").into_bytes();
    for line in data.chunks(45) {
        out.push(enc(line.len() as u8));
        for g in line.chunks(3) {
            let b = [g[0], *g.get(1).unwrap_or(&0), *g.get(2).unwrap_or(&0)];
            for v in [
                b[0] >> 2,
                (b[0] << 4 | b[1] >> 4) & 63,
                (b[1] << 2 | b[2] >> 6) & 63,
                b[2] & 63,
            ] {
                out.push(enc(v));
            }
        }
        out.push(b'\n');
    }
    out.extend_from_slice(b"`\nend\n");
    out
}

fn plain_mail(body: &[u8]) -> Vec<u8> {
    let mut m =
        b"From: a@example.com\nTo: b@example.com\nSubject: the file\n\nHi,\n\nhere it is:\n\n"
            .to_vec();
    m.extend_from_slice(body);
    m.extend_from_slice(b"\nCheers\n");
    m
}

fn child_named<'a>(r: &'a xferscan::Report, name: &str) -> Option<&'a xferscan::ObjectInfo> {
    r.objects
        .iter()
        .find(|o| o.path.names().last().is_some_and(|n| &**n == name))
}

/// `begin` lines that GNU uudecode and Python's `uu` accept: a mode of
/// one or five digits, a sign, a tab or two spaces before the name.
#[test]
fn begin_lines_as_uudecode_reads_them() {
    let standard = uuencode(&eicar(), "a.exe");
    for begin in [
        "begin 6 a.exe",
        "begin 00644 a.exe",
        "begin +644 a.exe",
        "begin 644\ta.exe",
        "begin  644  a.exe",
    ] {
        let text =
            String::from_utf8(standard.clone())
                .unwrap()
                .replacen("begin 644 a.exe", begin, 1);
        let r = scan("a.uue", text.into_bytes());
        assert!(found_eicar(&r), "{begin:?}: {:?}", keys(&r));
    }
}

#[test]
fn the_real_uuencode_in_a_plain_mail() {
    let Some(uu) = uuencode_tool(&eicar(), "eicar.com", false) else {
        return;
    };
    let r = scan("old.eml", plain_mail(&uu));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(child_named(&r, "eicar.com").is_some());
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // `uuencode -m`: begin-base64 ... ====.
    let uu = uuencode_tool(&tiny_pe(false), "setup.exe", true).unwrap();
    let r = scan("old.eml", plain_mail(&uu));
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    assert!(child_named(&r, "setup.exe").is_some());
}

#[test]
fn uuencode_inside_a_mime_text_part_plain_or_base64() {
    let mut body = b"See below.\r\n\r\n".to_vec();
    body.extend(uuencode(&tiny_pe(false), "invoice.exe"));
    let m = message(&[("Content-Type: text/plain; charset=us-ascii", &body)]);
    let r = scan("m.eml", m);
    assert!(child_named(&r, "invoice.exe").is_some(), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    let m = message(&[(
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64",
        &b64(&body),
    )]);
    let r = scan("m.eml", m);
    assert!(child_named(&r, "invoice.exe").is_some(), "{:?}", keys(&r));
}

#[test]
fn a_part_declared_x_uuencode_is_decoded() {
    // An attachment, not a text part, whose transfer encoding is one that
    // mail clients decode and the MIME parser does not know; alone and in
    // a multipart message.
    let uu = uuencode(&eicar(), "eicar.com");
    for cte in ["x-uuencode", "uuencode", "x-uue"] {
        let headers = format!(
            "Content-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: {cte}"
        );
        let r = scan("m.eml", message(&[(&headers, &uu)]));
        assert!(found_eicar(&r), "{cte}: {:?}", keys(&r));
        assert!(child_named(&r, "eicar.com").is_some(), "{cte}");
        let mut single =
            format!("From: a@example.com\r\nMIME-Version: 1.0\r\n{headers}\r\n\r\n").into_bytes();
        single.extend_from_slice(&uu);
        assert!(found_eicar(&scan("m.eml", single)), "{cte}");
    }
}

#[test]
fn truncated_or_bad_lines_are_findings_and_still_scanned() {
    let uu = uuencode(&eicar(), "eicar.com");
    let cut = &uu[..uu.len() - b"`\nend\n".len()];
    let r = scan("m.eml", plain_mail(cut));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    let mut data = eicar();
    data.extend(std::iter::repeat_n(b'A', 100));
    let mut uu = uuencode(&data, "eicar.com");
    // The third line (bytes 90..) loses its tail.
    let third = uu
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == b'\n')
        .nth(2)
        .unwrap()
        .0;
    uu.drain(third + 10..third + 40);
    let r = scan("m.eml", plain_mail(&uu));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

/// CRC-16/XMODEM, as BinHex computes it.
fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// A BinHex 4.0 file of `data` (no resource fork), with its banner.
fn binhex(name: &str, data: &[u8], good_crc: bool) -> Vec<u8> {
    let mut s = vec![name.len() as u8];
    s.extend_from_slice(name.as_bytes());
    s.push(0);
    s.extend_from_slice(b"APPLMSWD");
    s.extend_from_slice(&[0, 0]);
    s.extend_from_slice(&(data.len() as u32).to_be_bytes());
    s.extend_from_slice(&0u32.to_be_bytes());
    let c = crc16(&s);
    s.extend_from_slice(&c.to_be_bytes());
    s.extend_from_slice(data);
    let c = crc16(data) ^ if good_crc { 0 } else { 0x5555 };
    s.extend_from_slice(&c.to_be_bytes());
    s.extend_from_slice(&crc16(&[]).to_be_bytes());
    // Run-length encoding: runs of 3..=255 as X 0x90 n, 0x90 as 0x90 0.
    let mut rle = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let run = s[i..].iter().take(255).take_while(|&&c| c == b).count();
        if b == 0x90 {
            rle.extend_from_slice(&[0x90, 0]);
            i += 1;
        } else if run >= 3 {
            rle.extend_from_slice(&[b, 0x90, run as u8]);
            i += run;
        } else {
            rle.push(b);
            i += 1;
        }
    }
    const A: &[u8; 64] = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
    let mut text = vec![b':'];
    let mut col = 1;
    for g in rle.chunks(3) {
        let b = [g[0], *g.get(1).unwrap_or(&0), *g.get(2).unwrap_or(&0)];
        let n = [
            b[0] >> 2,
            (b[0] << 4 | b[1] >> 4) & 63,
            (b[1] << 2 | b[2] >> 6) & 63,
            b[2] & 63,
        ];
        for v in &n[..g.len() + 1] {
            text.push(A[*v as usize]);
            col += 1;
            if col == 64 {
                text.push(b'\n');
                col = 0;
            }
        }
    }
    text.push(b':');
    let mut out = b"(This file must be converted with BinHex 4.0)\n\n".to_vec();
    out.extend(text);
    out.push(b'\n');
    out
}

#[test]
fn binhex_in_a_mail_is_decoded() {
    let r = scan("mac.eml", plain_mail(&binhex("eicar.com", &eicar(), true)));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(child_named(&r, "eicar.com").is_some());
    assert!(
        !has_key(&r, "unscannable") && !has_key(&r, "container"),
        "{:?}",
        keys(&r)
    );
    // A PE: its runs of zeros take the RLE path.
    let r = scan(
        "mac.eml",
        plain_mail(&binhex("Setup", &tiny_pe(false), true)),
    );
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
}

#[test]
fn binhex_with_a_bad_crc_is_a_finding_and_still_scanned() {
    let r = scan("mac.eml", plain_mail(&binhex("eicar.com", &eicar(), false)));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "container.checksum_mismatch"), "{:?}", keys(&r));
}

#[test]
fn mail_that_only_mentions_these_is_clean() {
    let body = b"Let's begin 644 is the mode to set.\nbegin 644 notes.txt\nwas the header of old attachments.\n\
        Old Macs said (This file must be converted with BinHex 4.0) at the top.\nThanks\n";
    let r = scan("m.eml", plain_mail(body));
    assert_clean(&r);
    assert_eq!(
        r.objects.len(),
        1,
        "{:?}",
        r.objects
            .iter()
            .map(|o| o.path.to_string())
            .collect::<Vec<_>>()
    );
}

/// yEnc as Usenet posters write it: every byte plus 42, the critical ones
/// (NUL, LF, CR, `=`) escaped with `=` and 64 more; lines of 128; a
/// trailer with the size and the CRC-32.
fn yenc(data: &[u8], name: &str, crc: u32) -> Vec<u8> {
    let mut out = format!("=ybegin line=128 size={} name={name}\r\n", data.len()).into_bytes();
    let mut col = 0;
    for &b in data {
        let v = b.wrapping_add(42);
        if matches!(v, 0 | b'\n' | b'\r' | b'=') {
            out.extend([b'=', v.wrapping_add(64)]);
            col += 2;
        } else {
            out.push(v);
            col += 1;
        }
        if col >= 128 {
            out.extend(b"\r\n");
            col = 0;
        }
    }
    out.extend(format!("\r\n=yend size={} crc32={crc:08x}\r\n", data.len()).into_bytes());
    out
}

#[test]
fn yenc_files_are_decoded_under_their_names() {
    let pe = std::fs::read("fuzz/seeds/detect/pe").unwrap();
    let crc = crc32(&pe);
    let r = scan("post.eml", plain_mail(&yenc(&pe, "invoice.pdf.exe", crc)));
    let exe = r
        .objects
        .iter()
        .find(|o| o.path.name() == "invoice.pdf.exe")
        .expect("the decoded file under its name");
    assert_eq!(exe.types[0].ty.name(), "pe-exe");
    assert_eq!(exe.size, pe.len() as u64);
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // Every byte value survives the escapes.
    let all: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let r = scan("post.eml", plain_mail(&yenc(&all, "all.bin", crc32(&all))));
    let o = r
        .objects
        .iter()
        .find(|o| o.path.name() == "all.bin")
        .unwrap();
    assert_eq!(o.size, 1000);
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // EICAR, whose bytes are never whole in the encoded text.
    let e = eicar();
    let r = scan("post.eml", plain_mail(&yenc(&e, "e.txt", crc32(&e))));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn yenc_cut_or_wrong_crc_is_said() {
    let e = eicar();
    let full = yenc(&e, "e.txt", crc32(&e));
    let cut = &full[..full.len() - 30];
    let r = scan("post.eml", plain_mail(cut));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
    let r = scan("post.eml", plain_mail(&yenc(&e, "e.txt", 0x1234_5678)));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert!(found_eicar(&r));
    // Controls: prose that quotes the header, and a clean text file.
    assert_clean(&scan(
        "post.eml",
        plain_mail(b"the header is =ybegin followed by fields\n"),
    ));
    let notes = b"minutes of the meeting\n".repeat(10);
    assert_clean(&scan(
        "post.eml",
        plain_mail(&yenc(&notes, "minutes.txt", crc32(&notes))),
    ));
}

/// The `.uue` attachments of malspam, `.hqx` files and saved yEnc posts
/// are files of their own, not mail: what they carry is decoded all the
/// same, whatever their name says.
#[test]
fn encoded_files_outside_a_mail_are_decoded() {
    let pe = std::fs::read("fuzz/seeds/detect/pe").unwrap();
    let uu = uuencode_tool(&eicar(), "invoice.exe", false)
        .unwrap_or_else(|| uuencode(&eicar(), "invoice.exe"));
    for name in ["order.uue", "order.txt", "order"] {
        let r = scan(name, uu.clone());
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
        assert!(child_named(&r, "invoice.exe").is_some(), "{name}");
    }
    // Text around it, as a forwarded post keeps it.
    let mut text = b"Here is the file you asked for.\r\n\r\n".to_vec();
    text.extend_from_slice(&uuencode(&pe, "scan.pdf.exe"));
    let r = scan("post.txt", text);
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", keys(&r));
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    // BinHex.
    let r = scan("app.hqx", binhex("eicar.com", &eicar(), true));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // A yEnc file is not text: its bytes are 42 more than the file's.
    let y = yenc(&pe, "setup.exe", crc32(&pe));
    let r = scan("post.yenc", y.clone());
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", keys(&r));
    assert!(child_named(&r, "setup.exe").is_some());
    // Cut short: a finding, never clean.
    let r = scan("post.yenc", y[..y.len() / 2].to_vec());
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn text_files_that_mention_these_are_clean() {
    // Pascal and SQL begin blocks, prose about the headers, a clean
    // uuencoded note.
    let pascal = b"program Hello;\nbegin\n  writeln('Hello');\nend.\nbegin 644 is a mode\n";
    let prose =
        b"Old Macs said (This file must be converted with BinHex 4.0).\n=ybegin is yEnc's.\n";
    for (name, text) in [("hello.pas", &pascal[..]), ("notes.txt", &prose[..])] {
        let r = scan(name, text.to_vec());
        assert_clean(&r);
        assert_eq!(r.objects.len(), 1, "{name}");
    }
    let notes = b"minutes of the meeting\n".repeat(10);
    assert_clean(&scan("minutes.uue", uuencode(&notes, "minutes.txt")));
}
