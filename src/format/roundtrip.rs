//! The zips that Office 2007 and later write inside its 97-2003 binary
//! documents: the theme of a Word document (in its `1Table` stream), of an
//! Excel workbook (its THEME record), and the layouts, masters and theme
//! of a PowerPoint presentation (its RoundTrip atoms, a dozen or more per
//! file), kept so that an older Office shows them and a newer one reads
//! them back. Every binary document saved by those versions holds them:
//! read as archives glued inside a stream, they made every such file a
//! polyglot, and every presentation "several archives in one file".
//!
//! A zip is Office's own only if every name in it (its central directory's
//! and its local headers' readings) is a part that Office writes there;
//! one other name, and it is any other archive inside the stream. Pure:
//! spans of the stream, nothing copied.

use std::ops::Range;

use super::zip;

/// How many end records in one stream are looked at: a presentation
/// holds a few dozen zips, and each record costs a backward search of up
/// to 64 KiB for the end record before it.
const MAX_ARCHIVES: usize = 256;

/// How many names of one zip are read before it is no part of Office's:
/// the largest roundtrip zip of a presentation holds a few dozen.
const MAX_NAMES: usize = 256;

/// The spans of `stream` that hold zips of Office's own parts, in order
/// and apart from each other.
pub(crate) fn part_zips(stream: &[u8]) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = Vec::new();
    for p in memchr::memmem::find_iter(stream, b"PK\x05\x06").take(MAX_ARCHIVES) {
        let Some(comment) = stream.get(p + 20..p + 22) else {
            continue;
        };
        let end = p + 22 + usize::from(u16::from_le_bytes([comment[0], comment[1]]));
        let Some(span) = stream
            .get(..end)
            .and_then(zip::archive_by_end_record)
            .and_then(|s| Some(usize::try_from(s.start).ok()?..usize::try_from(s.end).ok()?))
        else {
            continue;
        };
        if span.end != end || spans.last().is_some_and(|last| last.end > span.start) {
            continue;
        }
        let names = zip::raw_names(&stream[span.clone()], MAX_NAMES + 1);
        if names.is_some_and(|n| {
            !n.is_empty() && n.len() <= MAX_NAMES && n.iter().all(|n| is_part(n.name))
        }) {
            spans.push(span);
        }
    }
    spans
}

/// A name Office writes in these zips: the package's own parts at the
/// root, and XML, relationships and pictures under `theme/` and `drs/`.
fn is_part(name: &[u8]) -> bool {
    const ROOT: &[&[u8]] = &[b"[Content_Types].xml", b"_rels/.rels", b"tableStyles.xml"];
    const FOLDERS: &[&[u8]] = &[b"theme/", b"drs/"];
    const KINDS: &[&[u8]] = &[
        b".xml", b".rels", b".png", b".jpeg", b".jpg", b".gif", b".emf", b".wmf", b".bmp", b".tif",
        b".tiff",
    ];
    if ROOT.contains(&name) {
        return true;
    }
    let plain = name
        .iter()
        .all(|&b| b.is_ascii_graphic() && b != b'\\' && b != b':')
        && !name.windows(2).any(|w| w == b"..");
    plain
        && FOLDERS.iter().any(|f| name.starts_with(f))
        && KINDS
            .iter()
            .any(|k| name.len() > k.len() && name[name.len() - k.len()..].eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(names: &[&str]) -> Vec<u8> {
        let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for n in names {
            w.start_file(*n, ::zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(b"<a/>").unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const THEME: &[&str] = &[
        "[Content_Types].xml",
        "_rels/.rels",
        "theme/theme/themeManager.xml",
        "theme/theme/theme1.xml",
        "theme/theme/_rels/themeManager.xml.rels",
    ];

    #[test]
    fn office_zips_among_records_are_found_and_others_are_not() {
        let theme = zip_of(THEME);
        let layout = zip_of(&["[Content_Types].xml", "drs/slideLayouts/slideLayout1.xml"]);
        let other = zip_of(&["theme/theme/theme1.xml", "invoice.exe"]);
        let mut stream = vec![0x0f; 40];
        let a = stream.len()..stream.len() + theme.len();
        stream.extend(&theme);
        stream.extend([0x11; 30]);
        let b = stream.len()..stream.len() + layout.len();
        stream.extend(&layout);
        stream.extend([0x12; 30]);
        stream.extend(&other);
        stream.extend([0x13; 8]);
        assert_eq!(part_zips(&stream), vec![a, b]);
    }

    #[test]
    fn names_office_writes_and_names_it_does_not() {
        for n in THEME
            .iter()
            .chain(&["drs/media/image1.png", "drs/downrev.xml"])
        {
            assert!(is_part(n.as_bytes()), "{n}");
        }
        for n in [
            "invoice.exe",
            "theme/x.js",
            "drs/../a.xml",
            "theme\\a.xml",
            "theme/a b.xml",
            "drs/",
            "word/document.xml",
        ] {
            assert!(!is_part(n.as_bytes()), "{n}");
        }
    }
}
