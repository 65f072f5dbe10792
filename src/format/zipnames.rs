//! The names a zip entry shows, reader by reader.
//!
//! A zip entry name is bytes. APPNOTE 4.4.4 says how to read them: as UTF-8
//! when general-purpose bit 11 is set, else as IBM code page 437 (4.4.17).
//! The Info-ZIP Unicode Path extra field (0x7075, APPNOTE 4.6.9) adds a
//! UTF-8 name that replaces the header's where its CRC-32 matches the raw
//! header name. Readers differ in what they honour:
//!
//! - Info-ZIP, 7-Zip and the `zip` crate show the Unicode Path name when its
//!   CRC matches. APPNOTE defines version 1 only; the crate does not look at
//!   the version, careful readers do.
//! - Windows Explorer ignores the field and reads the raw name in the OEM
//!   code page (CP437 on a US system).
//! - The `zip` crate (and macOS) read a raw name without bit 11 as UTF-8
//!   when it is valid UTF-8, and one with bit 11 as CP437 when it is not.
//!
//! [`read`] returns the name most modern readers show, every other name some
//! reader shows, and findings where the readings disagree in more than their
//! character set: a sender can make Explorer show `invoice.pdf` and 7-Zip
//! `invoice.pdf.exe`.

use crate::finding::FindingKind;

/// The Info-ZIP Unicode Path extra field.
pub(crate) const UNICODE_PATH: u16 = 0x7075;

/// Unicode Path fields kept per header. Readers take the first valid one or
/// the last one, so a header with more keeps its first few and its last.
pub(crate) const MAX_UNICODE_PATHS: usize = 4;

/// IBM code page 437, bytes 0x80..=0xFF (below 0x80 it is ASCII).
const CP437_HIGH: [char; 128] = [
    // 0x80
    '\u{00c7}', '\u{00fc}', '\u{00e9}', '\u{00e2}', '\u{00e4}', '\u{00e0}', '\u{00e5}', '\u{00e7}',
    '\u{00ea}', '\u{00eb}', '\u{00e8}', '\u{00ef}', '\u{00ee}', '\u{00ec}', '\u{00c4}', '\u{00c5}',
    // 0x90
    '\u{00c9}', '\u{00e6}', '\u{00c6}', '\u{00f4}', '\u{00f6}', '\u{00f2}', '\u{00fb}', '\u{00f9}',
    '\u{00ff}', '\u{00d6}', '\u{00dc}', '\u{00a2}', '\u{00a3}', '\u{00a5}', '\u{20a7}', '\u{0192}',
    // 0xA0
    '\u{00e1}', '\u{00ed}', '\u{00f3}', '\u{00fa}', '\u{00f1}', '\u{00d1}', '\u{00aa}', '\u{00ba}',
    '\u{00bf}', '\u{2310}', '\u{00ac}', '\u{00bd}', '\u{00bc}', '\u{00a1}', '\u{00ab}', '\u{00bb}',
    // 0xB0
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}', '\u{2562}', '\u{2556}',
    '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{255c}', '\u{255b}', '\u{2510}',
    // 0xC0
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{255e}', '\u{255f}',
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}', '\u{2567}',
    // 0xD0
    '\u{2568}', '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}', '\u{256b}',
    '\u{256a}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{258c}', '\u{2590}', '\u{2580}',
    // 0xE0
    '\u{03b1}', '\u{00df}', '\u{0393}', '\u{03c0}', '\u{03a3}', '\u{03c3}', '\u{00b5}', '\u{03c4}',
    '\u{03a6}', '\u{0398}', '\u{03a9}', '\u{03b4}', '\u{221e}', '\u{03c6}', '\u{03b5}', '\u{2229}',
    // 0xF0
    '\u{2261}', '\u{00b1}', '\u{2265}', '\u{2264}', '\u{2320}', '\u{2321}', '\u{00f7}', '\u{2248}',
    '\u{00b0}', '\u{2219}', '\u{00b7}', '\u{221a}', '\u{207f}', '\u{00b2}', '\u{25a0}', '\u{00a0}',
];

/// Bytes read as code page 437.
pub(crate) fn cp437(raw: &[u8]) -> String {
    // Most names: ASCII, the same in every code page.
    if raw.is_ascii() {
        return String::from_utf8_lossy(raw).into_owned();
    }
    raw.iter()
        .map(|&b| match b.checked_sub(0x80) {
            // 0x80..=0xFF: the table has exactly 128 entries.
            Some(i) => CP437_HIGH
                .get(usize::from(i))
                .copied()
                .unwrap_or('\u{fffd}'),
            None => char::from(b),
        })
        .collect()
}

/// The names of one entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    /// The name most readers show: the Unicode Path field's where it is
    /// valid, else the header name read as its flag says.
    pub shown: String,
    /// Every other name some reader shows (or could show), without repeats;
    /// each goes through the name checks too.
    pub others: Vec<String>,
    /// Readings that disagree beyond their character set, and Unicode Path
    /// fields that readers ignore.
    pub findings: Vec<FindingKind>,
}

impl Names {
    fn add_other(&mut self, name: String) {
        if name != self.shown && !self.others.contains(&name) {
            self.others.push(name);
        }
    }

    /// Adds another header's readings of the same entry (its local header):
    /// the ones this one lacks become other names.
    pub(crate) fn merge(&mut self, other: Names) {
        self.add_other(other.shown);
        for n in other.others {
            self.add_other(n);
        }
    }
}

/// True when two readings of a name show the same text up to the character
/// set: they agree on every ASCII character, and where one shows non-ASCII
/// characters (or `?`, which writers put for what a code page lacks) the
/// other does too. `Ölfässer.txt` read as UTF-8 and its UTF-8 bytes read as
/// CP437 (`├ûlf├ñsser.txt`) are the same text; `invoice.pdf` and
/// `invoice.pdf.exe` are not. What either reading shows is still checked
/// on its own.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    fn skeleton(s: &str) -> impl Iterator<Item = char> + '_ {
        let mut prev_wild = false;
        s.chars().filter_map(move |c| {
            let wild = !c.is_ascii() || c == '?';
            let out = match (wild, prev_wild) {
                (true, true) => None,
                (true, false) => Some('\u{fffd}'),
                (false, _) => Some(c),
            };
            prev_wild = wild;
            out
        })
    }
    a == b || skeleton(a).eq(skeleton(b))
}

/// Who shows the header name, read as its flag says, when a valid Unicode
/// Path field names the entry otherwise.
fn raw_reader(utf8_flag: bool) -> &'static str {
    if utf8_flag {
        "readers that ignore the Unicode Path field (header name as UTF-8)"
    } else {
        "readers that ignore the Unicode Path field, such as Windows Explorer \
         (header name as CP437)"
    }
}

/// One Unicode Path field, checked as APPNOTE 4.6.9 says.
enum Field {
    /// Version 1, CRC of the raw name, UTF-8: every reader that knows the
    /// field shows this name.
    Valid(String),
    /// Ignored for its version by readers that check it, honoured by the
    /// `zip` crate, which does not: a name some reader shows.
    OtherVersion(u8, String),
    /// Ignored by careful readers, for this reason; the text (lossy) is
    /// what a careless reader could show, if there is any.
    Ignored(&'static str, Option<String>),
}

fn field(body: &[u8], raw: &[u8]) -> Field {
    let (Some(&version), Some(crc), Some(text)) = (body.first(), body.get(1..5), body.get(5..))
    else {
        return Field::Ignored("the field is too short", None);
    };
    let crc_ok = crc == crc32fast::hash(raw).to_le_bytes();
    let utf8 = std::str::from_utf8(text).ok();
    match (crc_ok, utf8) {
        (false, _) => Field::Ignored(
            "its CRC does not match the header name (a stale name)",
            Some(String::from_utf8_lossy(text).into_owned()),
        ),
        (true, None) => Field::Ignored(
            "its name is not UTF-8",
            Some(String::from_utf8_lossy(text).into_owned()),
        ),
        (true, Some(t)) if version == 1 => Field::Valid(t.to_owned()),
        (true, Some(t)) => Field::OtherVersion(version, t.to_owned()),
    }
}

/// Reads the names of an entry from its raw header name, its flags and the
/// bodies of its Unicode Path fields.
pub(crate) fn read(raw: &[u8], flags: u16, unicode_paths: &[&[u8]]) -> Names {
    let utf8_flag = flags & 0x0800 != 0;
    let mut findings = Vec::new();
    // The header name as APPNOTE says to read it, and how else readers
    // read the same bytes.
    let mut raw_others = Vec::new();
    let header_name = if utf8_flag {
        match std::str::from_utf8(raw) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                let lossy = String::from_utf8_lossy(raw).into_owned();
                findings.push(FindingKind::Malformed {
                    detail: format!("entry {lossy:?}: its name is flagged UTF-8 and is not"),
                });
                // The `zip` crate falls back to CP437.
                raw_others.push(cp437(raw));
                lossy
            }
        }
    } else {
        // Valid UTF-8 beyond ASCII without the flag: macOS and the `zip`
        // crate show it as UTF-8. Writers do this (macOS Archive Utility,
        // Info-ZIP on Unix), so it is no finding; both names are checked.
        if !raw.is_ascii()
            && let Ok(s) = std::str::from_utf8(raw)
        {
            raw_others.push(s.to_owned());
        }
        cp437(raw)
    };

    let mut valid = Vec::new();
    let mut lax = Vec::new();
    for body in unicode_paths {
        match field(body, raw) {
            Field::Valid(t) => valid.push(t),
            Field::OtherVersion(v, t) => {
                findings.push(FindingKind::UnicodePathIgnored {
                    entry: header_name.clone(),
                    name: t.clone(),
                    reason: format!(
                        "its version is {v}, not 1 (readers that check the version \
                         ignore it; the zip crate does not)"
                    ),
                });
                lax.push((t, "the zip crate (Unicode Path field of another version)"));
            }
            Field::Ignored(reason, text) => {
                findings.push(FindingKind::UnicodePathIgnored {
                    entry: header_name.clone(),
                    name: text.clone().unwrap_or_default(),
                    reason: reason.into(),
                });
                // Not a finding of its own: a reader that does not check
                // the field could still show it, so its name is checked.
                if let Some(t) = text {
                    lax.push((t, ""));
                }
            }
        }
    }

    let mut names = Names::default();
    let mut readings: Vec<(String, &'static str)> = Vec::new();
    let mut valid = valid.into_iter();
    match valid.next() {
        Some(first) => {
            names.shown = first;
            readings.push((header_name, raw_reader(utf8_flag)));
            for r in raw_others {
                readings.push((r, ""));
            }
            // Readers that take the last valid field rather than the first.
            for v in valid {
                readings.push((
                    v,
                    "readers that take another Unicode Path field of the entry",
                ));
            }
        }
        None => {
            names.shown = header_name;
            for r in raw_others {
                readings.push((r, ""));
            }
        }
    }
    readings.extend(lax);
    for (name, reader) in readings {
        // An empty reader: a reading of the same bytes in another character
        // set, or a field already reported; checked, not reported again.
        if !reader.is_empty() && !same_text(&names.shown, &name) {
            findings.push(FindingKind::NameMismatch {
                entry: names.shown.clone(),
                other: name.clone(),
                reader: reader.into(),
            });
        }
        names.add_other(name);
    }
    names.findings = findings;
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upath(version: u8, raw: &[u8], name: &str) -> Vec<u8> {
        let mut b = vec![version];
        b.extend_from_slice(&crc32fast::hash(raw).to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b
    }

    fn keys(n: &Names) -> Vec<String> {
        n.findings.iter().map(|k| k.key().to_owned()).collect()
    }

    /// A stored zip of empty entries with these raw names, bit 11 clear.
    fn zip_named(names: &[Vec<u8>]) -> Vec<u8> {
        let (mut out, mut cd) = (Vec::new(), Vec::new());
        for n in names {
            let off = out.len() as u32;
            out.extend_from_slice(b"PK\x03\x04\x0a\0\0\0\0\0\0\0\0\0");
            out.extend_from_slice(&[0; 12]);
            out.extend_from_slice(&(n.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(n);
            cd.extend_from_slice(b"PK\x01\x02\x14\0\x0a\0\0\0\0\0\0\0\0\0");
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&(n.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&off.to_le_bytes());
            cd.extend_from_slice(n);
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn cp437_agrees_with_the_zip_crate_on_every_byte() {
        // The crate reads a name that is not UTF-8 as CP437; `n` and one
        // high byte never is UTF-8.
        let names: Vec<Vec<u8>> = (0x80..=0xffu8).map(|b| vec![b'n', b]).collect();
        let data = zip_named(&names);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&data[..])).unwrap();
        assert_eq!(archive.len(), 128);
        for (i, raw) in names.iter().enumerate() {
            let f = archive.by_index_raw(i).unwrap();
            assert_eq!(f.name().unwrap(), cp437(raw), "{:#x}", raw[1]);
        }
        // Spot checks against the code page chart.
        assert_eq!(cp437(b"\x99lf\x84sser.txt"), "Ölfässer.txt");
        assert_eq!(cp437(b"\x80\x9e\xb0\xe1\xff"), "Ç₧░ß\u{a0}");
        assert_eq!(cp437(b"plain.txt"), "plain.txt");
    }

    #[test]
    fn flag_decides_the_header_reading() {
        let n = read(b"\x99lf\x84sser.txt", 0, &[]);
        assert_eq!(n.shown, "Ölfässer.txt");
        assert!(n.others.is_empty() && n.findings.is_empty());
        let n = read("Ölfässer.txt".as_bytes(), 0x0800, &[]);
        assert_eq!(n.shown, "Ölfässer.txt");
        assert!(n.others.is_empty() && n.findings.is_empty());
    }

    #[test]
    fn utf8_without_the_flag_is_both_names_and_no_finding() {
        let n = read("Ölfässer.txt".as_bytes(), 0, &[]);
        assert_eq!(n.shown, "├ûlf├ñsser.txt");
        assert_eq!(n.others, vec!["Ölfässer.txt".to_string()]);
        assert!(n.findings.is_empty());
    }

    #[test]
    fn bad_utf8_under_the_flag_is_malformed() {
        let n = read(b"\x99lf.txt", 0x0800, &[]);
        assert_eq!(n.shown, "\u{fffd}lf.txt");
        assert_eq!(n.others, vec!["Ölf.txt".to_string()]);
        assert_eq!(keys(&n), vec!["unscannable.malformed"]);
    }

    #[test]
    fn unicode_path_with_matching_crc_names_the_entry() {
        let raw = b"\x99lf\x84sser.txt";
        let n = read(raw, 0, &[&upath(1, raw, "Ölfässer.txt")]);
        assert_eq!(n.shown, "Ölfässer.txt");
        assert!(n.others.is_empty() && n.findings.is_empty(), "{n:?}");
        // Info-ZIP on Unix: raw UTF-8 bytes without the flag, and the field.
        let raw = "Ölfässer.txt".as_bytes();
        let n = read(raw, 0, &[&upath(1, raw, "Ölfässer.txt")]);
        assert_eq!(n.shown, "Ölfässer.txt");
        assert_eq!(n.others, vec!["├ûlf├ñsser.txt".to_string()]);
        assert!(n.findings.is_empty(), "{n:?}");
    }

    #[test]
    fn unicode_path_with_another_text_is_a_mismatch() {
        let n = read(
            b"invoice.pdf",
            0,
            &[&upath(1, b"invoice.pdf", "invoice.pdf.exe")],
        );
        assert_eq!(n.shown, "invoice.pdf.exe");
        assert_eq!(n.others, vec!["invoice.pdf".to_string()]);
        assert_eq!(keys(&n), vec!["container.name_mismatch"]);
    }

    #[test]
    fn stale_short_or_odd_fields_are_ignored_and_reported() {
        let mut stale = upath(1, b"other", "x.exe");
        let n = read(b"a.txt", 0, &[&stale[..]]);
        assert_eq!(n.shown, "a.txt");
        assert_eq!(n.others, vec!["x.exe".to_string()]);
        assert_eq!(keys(&n), vec!["container.unicode_path_ignored"]);
        stale.truncate(3);
        let n = read(b"a.txt", 0, &[&stale[..]]);
        assert_eq!((n.shown.as_str(), n.others.len()), ("a.txt", 0));
        assert_eq!(keys(&n), vec!["container.unicode_path_ignored"]);
        let n = read(b"a.txt", 0, &[&upath(2, b"a.txt", "b.exe")]);
        assert_eq!(n.shown, "a.txt");
        assert_eq!(n.others, vec!["b.exe".to_string()]);
        assert_eq!(
            keys(&n),
            vec!["container.unicode_path_ignored", "container.name_mismatch"]
        );
        let mut bad = upath(1, b"a.txt", "");
        bad.push(0xff);
        let n = read(b"a.txt", 0, &[&bad[..]]);
        assert_eq!(keys(&n), vec!["container.unicode_path_ignored"]);
    }

    #[test]
    fn same_text_ignores_the_character_set_only() {
        assert!(same_text("Ölfässer.txt", "├ûlf├ñsser.txt"));
        assert!(same_text("文件.txt", "??.txt"));
        assert!(!same_text("invoice.pdf", "invoice.pdf.exe"));
        assert!(!same_text("a.txt", "a\u{202e}.txt"));
    }
}
