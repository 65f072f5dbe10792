//! MIME messages: mail saved as `.eml`, mbox files, MHTML web archives.
//! They are text with no magic number; what tells them is a header block
//! of RFC 5322 fields at the very start that declares MIME content.

use crate::format::mailhead::{Head, MAX_LINES, fields};

/// True when `text` (the start of an object, possibly cut anywhere) is a
/// message on its head alone.
#[cfg(test)]
pub(crate) fn is_message(text: &str) -> bool {
    fields(text.as_bytes(), MAX_LINES) == Head::Message
}

/// True when `data`, whose head detection read as `text`, is a message. A
/// head that is nothing but fields and does not finish its header block is
/// read on in `data` to the block's end: fields padded past the window (a
/// sender's `X-` fields, one long folded field) hide no message this way.
pub(crate) fn is_message_in(text: &str, data: &[u8]) -> bool {
    match fields(text.as_bytes(), MAX_LINES) {
        Head::Message => true,
        Head::NotMessage => false,
        Head::Open => fields(data, usize::MAX) == Head::Message,
    }
}

/// How far a header block in front of a body that is not text is looked
/// for.
const BINARY_BODY_HEAD: usize = 64 << 10;

/// True when `data`, whose head does not read as text (a body of 8-bit
/// binary, yEnc's raw bytes), starts with a header block that ends and
/// makes a message: the header block is text whatever the body is, and a
/// mail client opens it.
pub(crate) fn is_message_with_binary_body(data: &[u8]) -> bool {
    let head = &data[..data.len().min(BINARY_BODY_HEAD)];
    head.first().is_some_and(u8::is_ascii_alphabetic)
        && [&b"\n\n"[..], b"\n\r\n"]
            .iter()
            .filter_map(|blank| memchr::memmem::find(head, blank).map(|at| at + blank.len()))
            .min()
            .is_some_and(|end| fields(&head[..end], usize::MAX) == Head::Message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_block_before_a_body_that_is_not_text() {
        let mut m = b"From: a@example.com\r\nSubject: post\r\n\r\n=ybegin name=a\r\n".to_vec();
        m.extend((0u8..=255).cycle().take(2000));
        assert!(is_message_with_binary_body(&m));
        // Fields with no end to the block, or one known field: no message.
        assert!(!is_message_with_binary_body(b"From: a\x01\x02\x03"));
        assert!(!is_message_with_binary_body(b"Subject: a\n\n\x01\x02"));
        assert!(!is_message_with_binary_body(b"\x01From: a\nTo: b\n\n"));
    }

    #[test]
    fn messages_and_look_alikes() {
        let mail = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\
                    MIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary=x\r\n\r\n--x\r\n";
        assert!(is_message(mail));
        assert!(is_message(&format!(
            "From a@b Mon Jan  1 00:00:00 2024\n{mail}"
        )));
        let mhtml = "From: <Saved by Blink>\nSnapshot-Content-Location: https://e.x/\n\
                     Subject: page\nMIME-Version: 1.0\nContent-Type: multipart/related;\n\n";
        assert!(is_message(mhtml));
        // Plain RFC 822 mail is mail too (with nothing to decode).
        assert!(is_message("From: a\nTo: b\nSubject: c\n\nhello"));
        // Delivered mail whose header block runs past the window, cut in
        // the middle of a field name.
        let mut long = String::from("Delivered-To: b@example.com\r\n");
        while long.len() < 4000 {
            long.push_str("Received: from relay.example.com by mx.example.com\r\n");
        }
        long.push_str("ARC-Seal: i=1; a=rsa-sha256\r\nX-Goog");
        assert!(is_message(&long));
        // Prose with a colon.
        assert!(!is_message(
            "Note: Content-Type: text/plain is what we use\nand more\n"
        ));
        assert!(!is_message(
            "Subject: x\nthis line is not a field\nContent-Type: text/plain\n"
        ));
        // One known field is not enough.
        assert!(!is_message("Subject: x\nversion: 2\n\n"));
        // But a multipart body's header is, once it ends.
        assert!(is_message(
            "Content-Type: multipart/mixed;\r\n boundary=\"B\"\r\n\r\n--B\r\n"
        ));
        assert!(is_message(
            "X-Id: 1\nContent-Type: MULTIPART/related; boundary=x\n\n--x\n"
        ));
        assert!(!is_message(
            "Content-Type: multipart/mixed; boundary=x\nmore"
        ));
        assert!(!is_message("Content-Type: text/plain\n\nhello"));
        // So is the header of a body in base64 or quoted-printable.
        assert!(is_message(
            "Content-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n"
        ));
        assert!(is_message(
            "Content-Transfer-Encoding: Quoted-Printable \r\n\r\ncaf=C3=A9\r\n"
        ));
        assert!(!is_message("Content-Transfer-Encoding: 8bit\n\nhello"));
        // Base64 straight after the fields, with no empty line: Python and
        // munpack end the block there and decode it.
        assert!(is_message(
            "From: a@example.com\nTo: b@example.com\nContent-Transfer-Encoding: base64\nWDVPIVAl\n"
        ));
        // Not without an encoded body, nor with one known field only.
        assert!(!is_message(
            "From: a@example.com\nTo: b@example.com\nhello\n"
        ));
        assert!(!is_message("Content-Transfer-Encoding: base64\nWDVPIVAl\n"));
        assert!(!is_message(
            "Content-Transfer-Encoding: base64\nmore text here"
        ));
    }

    #[test]
    fn a_header_block_padded_past_the_head() {
        let mime =
            "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi\r\n";
        // Many fields of the sender's own, then the known ones.
        let mut padded = String::new();
        for i in 0..300 {
            padded.push_str(&format!("X-Filler-{i}: {}\r\n", "a".repeat(60)));
        }
        let whole = format!("{padded}{mime}");
        let head = &whole[..4096];
        assert!(!is_message(head));
        assert!(is_message_in(head, whole.as_bytes()));
        // One field folded over many lines.
        let folded = format!(
            "X-Long: {}\r\n{mime}",
            vec!["x".repeat(70); 80].join("\r\n  ")
        );
        assert!(is_message_in(&folded[..4096], folded.as_bytes()));
        // Fields that stop without two known ones, or a line that is not
        // a field after the head: not a message.
        let config = format!("{padded}\r\nname: x\r\n");
        assert!(!is_message_in(&config[..4096], config.as_bytes()));
        let yaml = format!("{padded}- item\r\nFrom: a\r\nTo: b\r\n\r\n");
        assert!(!is_message_in(&yaml[..4096], yaml.as_bytes()));
        // A head that already decides is not read further.
        assert!(!is_message_in("hello\n", b"hello\nFrom: a\nTo: b\n\n"));
    }
}
