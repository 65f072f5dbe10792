//! What a zip-based file is (OOXML, ODF, EPUB, JAR, APK, MSIX or a plain zip),
//! from the names in its directory, read by the pure zip reader.

use crate::format::zip::{self, RawName};
use crate::types::{FileType, TypeGroup, known};

/// The type of a zip-based file, from the names in its directory.
pub(crate) fn classify(data: &[u8]) -> FileType {
    match zip::raw_names(data, 5000) {
        Some(names) if !names.is_empty() => by_names(&names),
        // No central directory: the local headers' listing.
        _ => {
            let entries = zip::quick_listing(data, 5000);
            let names: Vec<RawName<'_>> = entries
                .iter()
                .map(|e| RawName {
                    name: e.header.name,
                    method: e.header.method,
                    stored: match e.header.method {
                        0 => data
                            .get(e.data_start as usize..e.data_end as usize)
                            .unwrap_or(&[]),
                        _ => &[],
                    },
                })
                .collect();
            by_names(&names)
        }
    }
}

fn by_names(entries: &[RawName<'_>]) -> FileType {
    if entries.is_empty() {
        return known::ZIP;
    }
    let has = |n: &str| entries.iter().any(|e| e.name == n.as_bytes());
    let any_prefix = |p: &str| entries.iter().any(|e| e.name.starts_with(p.as_bytes()));
    let ends_with_any_case =
        |n: &[u8], s: &[u8]| n.len() >= s.len() && n[n.len() - s.len()..].eq_ignore_ascii_case(s);
    let macros = entries.iter().any(|e| {
        ends_with_any_case(e.name, b"vbaproject.bin")
            || ends_with_any_case(e.name, b"vbaprojectsignature.bin")
    }) || any_prefix("xl/macrosheets/")
        || any_prefix("xl/intlmacrosheets/")
        || any_prefix("Basic/") && entries.iter().any(|e| e.name.ends_with(b"script-lb.xml"));
    let with_macros = |t: FileType| {
        if macros {
            t.in_group(TypeGroup::MacroDocument)
        } else {
            t
        }
    };
    if has("[Content_Types].xml") {
        if any_prefix("word/") {
            return with_macros(known::DOCX);
        }
        if any_prefix("xl/") {
            return with_macros(known::XLSX);
        }
        if any_prefix("ppt/") {
            return with_macros(known::PPTX);
        }
    }
    if let Some(m) = entries
        .iter()
        .find(|e| e.name == b"mimetype" && e.method == 0)
    {
        let content = m.stored;
        // A template is the document type it makes (`.ott` of `.odt`).
        let content = content.strip_suffix(b"-template").unwrap_or(content);
        let t = match content {
            b"application/vnd.oasis.opendocument.text"
            | b"application/vnd.oasis.opendocument.text-master"
            | b"application/vnd.oasis.opendocument.text-web" => Some(known::ODT),
            b"application/vnd.oasis.opendocument.spreadsheet" => Some(known::ODS),
            b"application/vnd.oasis.opendocument.presentation" => Some(known::ODP),
            b"application/vnd.oasis.opendocument.graphics" => Some(known::ODG),
            b"application/epub+zip" => Some(known::EPUB),
            _ => None,
        };
        if let Some(t) = t {
            return with_macros(t);
        }
    }
    if has("AndroidManifest.xml") && any_prefix("classes") {
        return known::APK;
    }
    // What App Installer reads first of a package, or of a bundle.
    if has("AppxManifest.xml") || has("AppxMetadata/AppxBundleManifest.xml") {
        return known::MSIX;
    }
    if has("META-INF/MANIFEST.MF") || entries.iter().any(|e| e.name.ends_with(b".class")) {
        return known::JAR;
    }
    known::ZIP
}
