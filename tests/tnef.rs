//! TNEF (`winmail.dat`): Outlook's attachments and rich body, written
//! here attribute by attribute as [MS-OXTNEF] lays them out (the same
//! bytes that Python's `tnefparse` reads back as Outlook's).

use crate::util::*;
use xferscan::Verdict;

fn attr(level: u8, id: u32, data: &[u8]) -> Vec<u8> {
    let mut v = vec![level];
    v.extend(id.to_le_bytes());
    v.extend((data.len() as u32).to_le_bytes());
    v.extend(data);
    let sum = data.iter().fold(0u16, |s, &x| s.wrapping_add(u16::from(x)));
    v.extend(sum.to_le_bytes());
    v
}

fn padded(mut b: Vec<u8>) -> Vec<u8> {
    b.resize(b.len().div_ceil(4) * 4, 0);
    b
}

/// A counted MAPI value (string, binary, object).
fn prop(ty: u16, id: u16, value: &[u8]) -> Vec<u8> {
    let mut v = ty.to_le_bytes().to_vec();
    v.extend(id.to_le_bytes());
    v.extend(1u32.to_le_bytes());
    v.extend((value.len() as u32).to_le_bytes());
    v.extend(padded(value.to_vec()));
    v
}

fn unicode(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

fn props(list: &[Vec<u8>]) -> Vec<u8> {
    let mut v = (list.len() as u32).to_le_bytes().to_vec();
    // PR_ATTACH_METHOD, a fixed-size value the reader steps over.
    v[0] += 1;
    v.extend([0x03, 0x00, 0x05, 0x37, 1, 0, 0, 0]);
    for p in list {
        v.extend(p);
    }
    v
}

/// Compressed RTF of literals only: a control byte of zeros before every
/// eight bytes, then the end marker (a reference to the write position).
fn rtf_literals(text: &[u8]) -> Vec<u8> {
    let marker = ((((207 + text.len()) % 4096) as u16) << 4).to_be_bytes();
    let mut body = Vec::new();
    let chunks = text.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        body.push(0);
        body.extend(c);
    }
    body.push(1 << rest.len());
    body.extend(rest);
    body.extend(marker);
    let mut v = ((body.len() + 12) as u32).to_le_bytes().to_vec();
    v.extend((text.len() as u32).to_le_bytes());
    v.extend(b"LZFu");
    v.extend(0u32.to_le_bytes());
    v.extend(body);
    v
}

struct Attachment<'a> {
    title: &'a str,
    long_name: Option<&'a str>,
    data: &'a [u8],
}

fn winmail(body_rtf: Option<&[u8]>, attachments: &[Attachment<'_>], extra: &[Vec<u8>]) -> Vec<u8> {
    let mut t = vec![0x78, 0x9f, 0x3e, 0x22, 0x34, 0x12];
    t.extend(attr(1, 0x0008_9006, &0x0001_0000u32.to_le_bytes()));
    t.extend(attr(1, 0x0006_9007, &[0xe4, 0x04, 0, 0, 0, 0, 0, 0]));
    t.extend(attr(1, 0x0007_8008, b"IPM.Microsoft Mail.Note\0"));
    if let Some(rtf) = body_rtf {
        t.extend(attr(
            1,
            0x0006_9003,
            &props(&[prop(0x0102, 0x1009, &rtf_literals(rtf))]),
        ));
    }
    for a in attachments {
        t.extend(attr(2, 0x0006_9002, &[0u8; 14]));
        t.extend(attr(2, 0x0001_8010, format!("{}\0", a.title).as_bytes()));
        t.extend(attr(2, 0x0006_800f, a.data));
        let mut list = Vec::new();
        if let Some(n) = a.long_name {
            list.push(prop(0x001f, 0x3707, &unicode(n)));
        }
        list.extend(extra.iter().cloned());
        t.extend(attr(2, 0x0006_9005, &props(&list)));
    }
    t
}

#[test]
fn attachments_under_their_long_names() {
    let pe = std::fs::read("fuzz/seeds/detect/pe").unwrap();
    let e = eicar();
    let t = winmail(
        None,
        &[
            Attachment {
                title: "INVOIC~1.PDF",
                long_name: Some("invoice.pdf.exe"),
                data: &pe,
            },
            Attachment {
                title: "notes.txt",
                long_name: None,
                data: &e,
            },
        ],
        &[],
    );
    let r = scan("winmail.dat", t);
    assert_eq!(r.objects[0].types[0].ty.name(), "tnef");
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let exe = r
        .objects
        .iter()
        .find(|o| o.path.name() == "invoice.pdf.exe")
        .expect("the attachment under its long name");
    assert_eq!(exe.types[0].ty.name(), "pe-exe");
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

#[test]
fn the_body_in_compressed_rtf_is_decompressed() {
    // EICAR is whole only once decompressed: a control byte every eight.
    let mut rtf = b"{\\rtf1\\ansi ".to_vec();
    rtf.extend(eicar());
    rtf.push(b'}');
    let t = winmail(Some(&rtf), &[], &[]);
    assert!(!t.windows(68).any(|w| w == eicar()));
    let r = scan("winmail.dat", t);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(r.objects.iter().any(|o| o.path.name() == "<body.rtf>"));
}

#[test]
fn an_embedded_message_is_read_as_tnef() {
    let e = eicar();
    let inner = winmail(
        None,
        &[Attachment {
            title: "inner.txt",
            long_name: None,
            data: &e,
        }],
        &[],
    );
    // PR_ATTACH_DATA_OBJ as an object: IID_IMessage, then the message.
    let mut obj = vec![
        0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x46,
    ];
    obj.extend(&inner);
    let t = winmail(
        None,
        &[Attachment {
            title: "Forwarded",
            long_name: None,
            data: b"",
        }],
        &[prop(0x000d, 0x3701, &obj)],
    );
    let r = scan("winmail.dat", t);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(deepest(&r).0.names().len() >= 3, "{:?}", deepest(&r).0);
}

#[test]
fn inside_a_mail_as_outlook_sends_it() {
    let e = eicar();
    let t = winmail(
        None,
        &[Attachment {
            title: "a.txt",
            long_name: None,
            data: &e,
        }],
        &[],
    );
    let b64 = String::from_utf8(b64(&t)).unwrap();
    let mail = format!(
        "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
         --B\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--B--\r\n"
    );
    let r = scan("message.eml", mail.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Found in the attachment, not only in the stream's bytes.
    let names = deepest(&r).0.names().to_vec();
    assert_eq!(
        names[names.len() - 2..],
        ["winmail.dat".into(), "a.txt".into()]
    );
}

#[test]
fn cut_or_miscounted_streams_are_said() {
    let e = eicar();
    let t = winmail(
        None,
        &[Attachment {
            title: "a.txt",
            long_name: None,
            data: &e,
        }],
        &[],
    );
    // Cut inside the last attribute: EICAR (before the cut) still found.
    let cut = t[..t.len() - 20].to_vec();
    let r = scan("winmail.dat", cut);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
    // A wrong sum: said, and the attachment is scanned all the same.
    let mut wrong = t.clone();
    let at = wrong.windows(68).position(|w| w == e).unwrap() + 68;
    wrong[at] ^= 0xff;
    let r = scan("winmail.dat", wrong);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert!(found_eicar(&r));
}

#[test]
fn a_plain_winmail_dat_is_clean() {
    let notes = b"minutes of the meeting, nothing to see\n".repeat(20);
    let t = winmail(
        Some(b"{\\rtf1\\ansi see the minutes}"),
        &[Attachment {
            title: "MINUTES.TXT",
            long_name: Some("minutes.txt"),
            data: &notes,
        }],
        &[],
    );
    assert_clean(&scan("winmail.dat", t));
}
