//! MIME messages: mail saved as `.eml`, mbox files, MHTML web archives.
//! They are text with no magic number; what tells them is a header block
//! of RFC 5322 fields at the very start that declares MIME content.

/// Fields that mail and MHTML headers carry. Two of them, and nothing but
/// fields up to the blank line (or as far as the window shows: the headers
/// of delivered mail often run past it, with the MIME fields last): a
/// message.
const FIELDS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "sender",
    "reply-to",
    "message-id",
    "received",
    "return-path",
    "delivered-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-location",
    "snapshot-content-location",
    "x-mailer",
];

/// How many header lines are read before deciding.
const MAX_LINES: usize = 200;

/// True when `text` (the start of an object, possibly cut anywhere) is a
/// message.
pub(crate) fn is_message(text: &str) -> bool {
    // Whole lines only: the last piece of a cut window is not judged.
    // Split with memchr's search: most texts fail on their first line, and
    // a one-line JSON file is searched to its end for it.
    let mut start = 0;
    let mut lines = memchr::memchr_iter(b'\n', text.as_bytes()).map(|end| {
        let line = &text[start..end];
        start = end + 1;
        line.trim_end_matches('\r')
    });
    let mut first = lines.next();
    // An mbox file starts with its envelope line.
    if first.is_some_and(|l| l.starts_with("From ")) {
        first = lines.next();
    }
    let mut known = 0u32;
    let mut seen = [false; FIELDS.len()];
    let mut fields = 0usize;
    for line in first.into_iter().chain(lines).take(MAX_LINES) {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if fields == 0 {
                return false;
            }
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b)) {
            return false;
        }
        fields += 1;
        if let Some(i) = FIELDS.iter().position(|f| f.eq_ignore_ascii_case(name))
            && !seen[i]
        {
            seen[i] = true;
            known += 1;
        }
    }
    known >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
