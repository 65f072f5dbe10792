//! RTF: the embedded objects (`\object` ... `{\*\objdata hex}`) a document
//! carries, decoded as tolerantly as Word decodes them. Word skips
//! whitespace, control words and `{\*\...}` groups inside the hex, takes
//! raw bytes from `\bin N`, accepts either case and drops an odd last
//! nibble; attackers use all of it to hide objects from stricter readers.
//! And the attached template (`{\*\template ...}`) Word opens with the
//! document. Pure: the decoded bytes are never more than the input.

use memchr::memmem;

/// True for what Word opens as RTF: `{\rt`, whatever follows (`{\rtf1`,
/// `{\rtf`, `{\rtx`...).
pub(crate) fn is_rtf(b: &[u8]) -> bool {
    b.starts_with(b"{\\rt")
}

/// One `\objdata`, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjData {
    /// Where `\objdata` is in the file.
    pub offset: usize,
    /// The class that the enclosing `\object`'s `\objclass` names, if any.
    pub class: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
    /// True when an odd last nibble was dropped.
    pub odd_nibble: bool,
    /// True when the data held `\'xx` escapes: a second reading, with the
    /// escapes' digits taken as data, is in `escaped`.
    pub escaped: Option<Vec<u8>>,
    /// Word's reading, where it differs from `data` (as oletools' rtfobj
    /// emulates it): the text of plain groups inside the destination is
    /// its data (a group inherits its destination; only `{\*...}` ones are
    /// skipped), and a `\'hh` after an odd count of digits drops the digit
    /// before it.
    pub word: Option<Vec<u8>>,
}

/// The objects of `rtf`, at most `max_objects` of them; the bool is true
/// when more were left.
pub(crate) fn objdata(rtf: &[u8], max_objects: usize) -> (Vec<ObjData>, bool) {
    let mut out = Vec::new();
    let mut from = 0usize;
    let finder = memmem::Finder::new(b"\\objdata");
    while let Some(pos) = rtf
        .get(from..)
        .and_then(|rest| finder.find(rest))
        .map(|p| p + from)
    {
        let after = pos + b"\\objdata".len();
        // A longer control word (`\objdatax`) is another word.
        if rtf.get(after).is_some_and(u8::is_ascii_alphabetic) {
            from = after;
            continue;
        }
        if out.len() >= max_objects {
            return (out, true);
        }
        let start = skip_delimiter(rtf, after);
        let (data, odd, end, saw_escape) = decode(rtf, start, false, false);
        let escaped = saw_escape.then(|| decode(rtf, start, true, false).0);
        let word = Some(decode(rtf, start, false, true).0).filter(|w| *w != data);
        out.push(ObjData {
            offset: pos,
            class: object_class(&rtf[..pos]),
            data,
            odd_nibble: odd,
            escaped,
            word,
        });
        from = end.max(after);
    }
    (out, false)
}

/// Past a control word's numeric parameter and its one space delimiter.
fn skip_delimiter(b: &[u8], mut at: usize) -> usize {
    if b.get(at) == Some(&b'-') {
        at += 1;
    }
    while b.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    if b.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes the destination from `at` to the `}` that closes its group (or
/// the end): the bytes, whether an odd nibble was dropped, where it ended,
/// and whether a `\'xx` escape was seen. With `escapes_as_data`, the two
/// digits of each escape are data. With `word`, as Word reads it (see
/// [`ObjData::word`]).
fn decode(
    b: &[u8],
    mut at: usize,
    escapes_as_data: bool,
    word: bool,
) -> (Vec<u8>, bool, usize, bool) {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    let mut saw_escape = false;
    // Plain groups entered (Word's reading).
    let mut depth = 0usize;
    let push = |c: u8, high: &mut Option<u8>, out: &mut Vec<u8>| {
        if let Some(n) = nibble(c) {
            match high.take() {
                Some(h) => out.push(h << 4 | n),
                None => *high = Some(n),
            }
        }
    };
    while at < b.len() {
        match b[at] {
            b'}' if word && depth > 0 => {
                depth -= 1;
                at += 1;
            }
            b'}' => {
                at += 1;
                break;
            }
            b'{' if word && b.get(at + 1..at + 3) != Some(b"\\*") => {
                depth += 1;
                at += 1;
            }
            b'{' => at = skip_group(b, at),
            b'\\' => {
                let Some(&c) = b.get(at + 1) else {
                    at += 1;
                    break;
                };
                if c.is_ascii_alphabetic() {
                    let word_start = at + 1;
                    let mut e = word_start;
                    while e < b.len() && e - word_start < 32 && b[e].is_ascii_alphabetic() {
                        e += 1;
                    }
                    let word = &b[word_start..e];
                    let param_start = e;
                    let mut p = e;
                    if b.get(p) == Some(&b'-') {
                        p += 1;
                    }
                    while p < b.len() && p - param_start < 10 && b[p].is_ascii_digit() {
                        p += 1;
                    }
                    let param = std::str::from_utf8(&b[param_start..p])
                        .ok()
                        .and_then(|s| s.parse::<i64>().ok());
                    at = if b.get(p) == Some(&b' ') { p + 1 } else { p };
                    if word == b"bin"
                        && let Some(n) = param.and_then(|n| usize::try_from(n).ok())
                    {
                        high = None;
                        let end = at.saturating_add(n).min(b.len());
                        out.extend_from_slice(&b[at..end]);
                        at = end;
                    }
                } else if c == b'\'' {
                    saw_escape = true;
                    if word {
                        high = None;
                    }
                    let digits = &b[(at + 2).min(b.len())..(at + 4).min(b.len())];
                    if escapes_as_data {
                        for &d in digits {
                            push(d, &mut high, &mut out);
                        }
                    }
                    at += 2 + digits.len();
                } else {
                    at += 2;
                }
            }
            c => {
                push(c, &mut high, &mut out);
                at += 1;
            }
        }
    }
    (out, high.is_some(), at.min(b.len()), saw_escape)
}

/// Past the group that opens at `at` (escaped braces and backslashes do not
/// count).
fn skip_group(b: &[u8], mut at: usize) -> usize {
    let mut depth = 0usize;
    while at < b.len() {
        match b[at] {
            b'\\' => at += 1,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    // A backslash as the last byte steps one past the end.
    at.min(b.len())
}

/// Most `\template` destinations read from one document.
const MAX_TEMPLATES: usize = 8;

/// Longest template path kept.
const MAX_TEMPLATE: usize = 2048;

/// The attached template of each `{\*\template ...}` destination: Word
/// opens it with the document, from another machine too (RTF template
/// injection). Its text as Word reads it: `\'hh` escapes and the escaped
/// `\\`, `\{`, `\}` decoded, other control words and nested groups
/// skipped.
pub(crate) fn templates(rtf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let finder = memmem::Finder::new(b"\\template");
    let mut from = 0;
    while let Some(pos) = finder.find(&rtf[from..]).map(|p| from + p) {
        let mut at = pos + b"\\template".len();
        from = at;
        // A longer control word (`\templatex`) is another word.
        if rtf.get(at).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        at = skip_delimiter(rtf, at);
        let mut text = Vec::new();
        while at < rtf.len() && text.len() < MAX_TEMPLATE {
            match rtf[at] {
                b'}' => break,
                b'{' => at = skip_group(rtf, at),
                b'\\' => match rtf.get(at + 1) {
                    Some(&c @ (b'\\' | b'{' | b'}')) => {
                        text.push(c);
                        at += 2;
                    }
                    Some(b'\'') => {
                        let hex = rtf.get(at + 2..at + 4).unwrap_or(&[]);
                        if let [h, l] = hex
                            && let (Some(h), Some(l)) = (nibble(*h), nibble(*l))
                        {
                            text.push(h << 4 | l);
                        }
                        at += 4;
                    }
                    _ => {
                        at += 1;
                        while rtf.get(at).is_some_and(u8::is_ascii_alphabetic) {
                            at += 1;
                        }
                        at = skip_delimiter(rtf, at);
                    }
                },
                b'\r' | b'\n' => at += 1,
                c => {
                    text.push(c);
                    at += 1;
                }
            }
        }
        from = from.max(at.min(rtf.len()));
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        if !text.is_empty() {
            out.push(text);
            if out.len() >= MAX_TEMPLATES {
                break;
            }
        }
    }
    out
}

/// Most field instructions read from one document.
const MAX_FIELDS: usize = 256;

/// Longest field instruction kept.
const MAX_FIELD: usize = 4096;

/// The instruction of each field (`{\field{\*\fldinst DDEAUTO ...}}`), as
/// Word reads it: the text of the `\fldinst` group and of the plain groups
/// inside it (`{\fldinst {DDE}{AUTO c:\\...}}` is one instruction), with
/// `\'hh` and `\uN` escapes and the escaped `\\`, `\{`, `\}` decoded;
/// other control words and ignorable destinations (`{\*\...}`) skipped.
pub(crate) fn field_instructions(rtf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let finder = memmem::Finder::new(b"\\fldinst");
    let mut from = 0;
    while let Some(pos) = finder.find(&rtf[from..]).map(|p| from + p) {
        let mut at = pos + b"\\fldinst".len();
        from = at;
        if rtf.get(at).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        at = skip_delimiter(rtf, at);
        let mut text = String::new();
        let mut depth = 0usize;
        while at < rtf.len() && text.len() < MAX_FIELD {
            match rtf[at] {
                b'}' if depth == 0 => break,
                b'}' => {
                    depth -= 1;
                    at += 1;
                }
                b'{' if rtf.get(at + 1..at + 3) == Some(b"\\*") => at = skip_group(rtf, at),
                b'{' => {
                    depth += 1;
                    at += 1;
                }
                b'\\' => match rtf.get(at + 1) {
                    Some(&c @ (b'\\' | b'{' | b'}')) => {
                        text.push(char::from(c));
                        at += 2;
                    }
                    Some(b'\'') => {
                        let hex = rtf.get(at + 2..at + 4).unwrap_or(&[]);
                        if let [h, l] = hex
                            && let (Some(h), Some(l)) = (nibble(*h), nibble(*l))
                        {
                            text.push(char::from(h << 4 | l));
                        }
                        at += 4;
                    }
                    _ => {
                        let word_start = at + 1;
                        at += 1;
                        while rtf.get(at).is_some_and(u8::is_ascii_alphabetic) {
                            at += 1;
                        }
                        let word = &rtf[word_start..at];
                        // A number after the word (`\u68`, `\f0`).
                        let num_start = at;
                        if rtf.get(at) == Some(&b'-') {
                            at += 1;
                        }
                        while rtf.get(at).is_some_and(u8::is_ascii_digit) && at - num_start < 8 {
                            at += 1;
                        }
                        if word == b"u"
                            && let Some(n) = std::str::from_utf8(&rtf[num_start..at])
                                .ok()
                                .and_then(|n| n.parse::<i32>().ok())
                        {
                            // Negative values are the upper half, as RTF
                            // writes them in 16 signed bits.
                            let n = if n < 0 { n + 65536 } else { n };
                            text.push(char::from_u32(n as u32).unwrap_or('\u{fffd}'));
                            at = skip_delimiter(rtf, at);
                            // Its one fallback character.
                            match rtf.get(at) {
                                Some(b'\\') if rtf.get(at + 1) == Some(&b'\'') => at += 4,
                                Some(b'{' | b'}' | b'\\') | None => {}
                                Some(_) => at += 1,
                            }
                            continue;
                        }
                        at = skip_delimiter(rtf, at);
                    }
                },
                b'\r' | b'\n' => at += 1,
                c => {
                    text.push(char::from(c));
                    at += 1;
                }
            }
        }
        from = from.max(at.min(rtf.len()));
        let text = text.trim().to_owned();
        if !text.is_empty() {
            out.push(text);
            if out.len() >= MAX_FIELDS {
                break;
            }
        }
    }
    out
}

/// How far back from an `\objdata` its `\objclass` is looked for.
const CLASS_WINDOW: usize = 4096;

/// The text of the last `\objclass` in `before`'s tail that no other
/// `\object` follows.
fn object_class(before: &[u8]) -> Option<String> {
    let tail = &before[before.len().saturating_sub(CLASS_WINDOW)..];
    let obj = memmem::rfind(tail, b"\\object").unwrap_or(0);
    let tail = &tail[obj..];
    let at = memmem::rfind(tail, b"\\objclass")? + b"\\objclass".len();
    let text: String = tail[at..]
        .iter()
        .take_while(|&&c| c != b'}' && c != b'\\' && c != b'{')
        .map(|&c| char::from(c))
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `unpack_rtf` fuzz target: a group cut after a
    /// backslash, inside an object's data, ended the reading one byte past
    /// the input, and the next search sliced out of bounds.
    #[test]
    fn a_group_cut_after_a_backslash_ends_inside_the_input() {
        assert_eq!(skip_group(b"{\\", 0), 2);
        for rtf in [
            &b"{\\*\\objdata 0105{\\"[..],
            b"{\\*\\objdata {\\*\\objdata 01{\\",
            b"\\objdata\\",
        ] {
            let (objects, _) = objdata(rtf, 8);
            assert!(!objects.is_empty());
        }
    }

    #[test]
    fn plain_and_obfuscated_hex_decode_alike() {
        let plain = b"{\\rtf1{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 48656c6c6f}}}";
        let (o, more) = objdata(plain, 10);
        assert!(!more);
        assert_eq!(o[0].data, b"Hello");
        assert_eq!(o[0].class.as_deref(), Some("Package"));
        let ugly = b"{\\rt{\\object{\\*\\objdata 4 8\r\n65{\\*\\junk 00}6C\\par 6c\\'41 6F7}}}";
        let (o, _) = objdata(ugly, 10);
        assert_eq!(o[0].data, b"Hello");
        assert!(o[0].odd_nibble);
        assert_eq!(o[0].escaped.as_deref(), Some(&b"Hell\x41\x6f"[..]));
        assert_eq!(o[0].class, None);
        assert_eq!(o[0].word, None);
    }

    /// Word's reading: plain groups inside the destination are its data,
    /// and a digit left odd before a `\'hh` is dropped (rtfobj's notes).
    #[test]
    fn the_reading_word_makes() {
        let groups = b"{\\object{\\*\\objdata 48{656c}{\\*\\junk 00}6c6f}}";
        let (o, _) = objdata(groups, 10);
        assert_eq!(o[0].data, b"Hlo");
        assert_eq!(o[0].word.as_deref(), Some(&b"Hello"[..]));
        let bug = b"{\\object{\\*\\objdata 4865f\\'41 6c6c6f}}";
        let (o, _) = objdata(bug, 10);
        assert_eq!(o[0].data, b"He\xf6\xc6\xc6");
        assert_eq!(o[0].word.as_deref(), Some(&b"Hello"[..]));
    }

    #[test]
    fn bin_runs_are_raw_bytes() {
        let rtf = b"{\\rtf1{\\object{\\*\\objdata 4142\\bin3 \x00}\x01 43}}";
        let (o, _) = objdata(rtf, 10);
        assert_eq!(o[0].data, b"AB\x00}\x01C");
        // A \bin past the end takes what is there.
        let (o, _) = objdata(b"{\\rtf1{\\*\\objdata \\bin99999 xy", 10);
        assert_eq!(o[0].data, b"xy");
    }

    #[test]
    fn field_instructions_as_word_reads_them() {
        assert_eq!(
            field_instructions(b"{\\rtf1{\\field{\\*\\fldinst DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\"}{\\fldrslt x}}}"),
            ["DDEAUTO c:\\windows\\cmd.exe \"/k calc\""]
        );
        // Split across plain groups, escaped, with a destination inside.
        assert_eq!(
            field_instructions(
                b"{\\field{\\*\\fldinst {\\rtlch D\\'44}{\\u69?AUTO}{\\*\\junk x} cmd}}"
            ),
            ["DDEAUTO cmd"]
        );
        assert!(field_instructions(b"{\\fldinstx DDE}{\\fldinst }").is_empty());
        assert_eq!(field_instructions(b"{\\fldinst PAGE"), ["PAGE"]);
    }

    #[test]
    fn templates_as_word_reads_them() {
        assert_eq!(
            templates(b"{\\rtf1{\\*\\template http://203.0.113.7/t.dotm}\\f0 x}"),
            ["http://203.0.113.7/t.dotm"]
        );
        // Escapes, a junk group and a control word inside the path.
        assert_eq!(
            templates(
                b"{\\rtf1{\\*\\template \\'5c\\'5c203.0.113.7{\\*\\junk x}\\\\s\\u0 \\\\t.dotm}}"
            ),
            ["\\\\203.0.113.7\\s\\t.dotm"]
        );
        assert!(templates(b"{\\rtf1{\\*\\templatex http://x/}{\\*\\template }}").is_empty());
        // Cut short.
        assert_eq!(templates(b"{\\*\\template http://h/a"), ["http://h/a"]);
        assert_eq!(templates(b"{\\*\\template \\"), Vec::<String>::new());
    }

    #[test]
    fn objects_are_counted_and_rtf_is_recognised() {
        let rtf = b"{\\rtf1{\\*\\objdata 41}{\\*\\objdata 42}{\\*\\objdatax 43}}";
        let (o, more) = objdata(rtf, 1);
        assert_eq!((o.len(), more), (1, true));
        let (o, more) = objdata(rtf, 10);
        assert_eq!((o.len(), more), (2, false));
        assert!(is_rtf(b"{\\rtx"));
        assert!(!is_rtf(b"{\\r"));
    }
}
