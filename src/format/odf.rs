//! OpenDocument packages (odt, ods, odp, odg and their templates): a
//! document saved with a password keeps its `mimetype` and its manifest in
//! the clear, and encrypts every other entry (the content, the styles, the
//! Basic macros, embedded objects). Nothing in the zip says so: only the
//! manifest's `<manifest:encryption-data>` under each entry. Read here, so
//! that such entries are reported encrypted rather than scanned as the
//! meaningless bytes they are. Pure: the manifest's bytes in, the entries
//! and their algorithms out.

use super::tags::{self, Tag, Tags};

/// Where an OpenDocument package keeps its manifest.
pub(crate) const MANIFEST: &str = "META-INF/manifest.xml";

/// Entries listed at most: a document has a few dozen.
const MAX_ENTRIES: usize = 10_000;

/// An entry that the manifest says is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Encrypted {
    /// Its path in the package (`full-path`).
    pub path: String,
    /// The cipher, shortened: `aes256-cbc`, `aes256-gcm`, `blowfish-cfb`,
    /// or the manifest's name when it is none of those.
    pub algorithm: String,
}

/// The entries of a manifest that carry encryption data, in order.
pub(crate) fn encrypted_entries(manifest: &[u8]) -> Vec<Encrypted> {
    let xml = tags::as_utf8(manifest);
    let mut out = Vec::new();
    let mut entry: Option<String> = None;
    let mut pending: Option<String> = None;
    for tag in Tags::new(&xml) {
        match tag {
            Tag::Start { name, attrs, empty } if tags::is(name, "file-entry") => {
                flush(&mut pending, &mut out);
                let path = tags::attr(attrs, "full-path").unwrap_or_default();
                entry = (!empty).then_some(path);
            }
            Tag::Start { name, .. } if tags::is(name, "encryption-data") => {
                if let Some(path) = &entry {
                    pending = Some(path.clone());
                    out.push(Encrypted {
                        path: path.clone(),
                        algorithm: String::new(),
                    });
                }
            }
            Tag::Start { name, attrs, .. } if tags::is(name, "algorithm") => {
                if pending.is_some()
                    && let Some(last) = out.last_mut()
                {
                    let named = tags::attr(attrs, "algorithm-name").unwrap_or_default();
                    last.algorithm = short(&named);
                }
            }
            Tag::End(name) if tags::is(name, "file-entry") => {
                flush(&mut pending, &mut out);
                entry = None;
            }
            _ => {}
        }
        if out.len() >= MAX_ENTRIES {
            break;
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Closes an entry's encryption data: one without an algorithm is named
/// as such.
fn flush(pending: &mut Option<String>, out: &mut [Encrypted]) {
    if pending.take().is_some()
        && let Some(last) = out.last_mut()
        && last.algorithm.is_empty()
    {
        last.algorithm = "unknown".into();
    }
}

/// `http://www.w3.org/2001/04/xmlenc#aes256-cbc` as `aes256-cbc`,
/// `Blowfish CFB` as `blowfish-cfb`.
fn short(name: &str) -> String {
    let tail = name.rsplit(['#', '/', ':']).next().unwrap_or(name).trim();
    let lower = tail.to_ascii_lowercase().replace(' ', "-");
    if lower.is_empty() {
        "unknown".into()
    } else {
        lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest as LibreOffice writes it for a password-protected text
    /// document (AES-256 in CBC mode, PBKDF2), one entry in the clear.
    const LIBREOFFICE_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png" manifest:media-type="image/png"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3377">
  <manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="q7p0XLgDbUOTq8d4F7vR0Lu3F1mK2Yl8Jr0v0Vq6kWw=">
   <manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="a2V5IGl2IGhlcmUgMTIzNA=="/>
   <manifest:start-key-generation manifest:start-key-generation-name="http://www.w3.org/2000/09/xmldsig#sha256" manifest:key-size="32"/>
   <manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" manifest:salt="c2FsdCBzYWx0IHNhbHQgMTI="/>
  </manifest:encryption-data>
 </manifest:file-entry>
 <manifest:file-entry manifest:full-path="Basic/Standard/Module1.xml" manifest:media-type="text/xml">
  <manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">
   <manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>
  </manifest:encryption-data>
 </manifest:file-entry>
</manifest:manifest>"#;

    #[test]
    fn encrypted_entries_and_their_ciphers_are_listed() {
        assert_eq!(
            encrypted_entries(LIBREOFFICE_MANIFEST.as_bytes()),
            [
                Encrypted {
                    path: "content.xml".into(),
                    algorithm: "aes256-cbc".into()
                },
                Encrypted {
                    path: "Basic/Standard/Module1.xml".into(),
                    algorithm: "blowfish-cfb".into()
                },
            ]
        );
    }

    #[test]
    fn a_manifest_in_the_clear_lists_nothing() {
        let plain = LIBREOFFICE_MANIFEST
            .split(" <manifest:file-entry manifest:full-path=\"content.xml\"")
            .next()
            .unwrap()
            .to_owned()
            + "</manifest:manifest>";
        assert!(encrypted_entries(plain.as_bytes()).is_empty());
        // Encryption data outside an entry names nothing; one without an
        // algorithm is still encrypted.
        let odd = "<manifest><encryption-data/><file-entry full-path=\"a.xml\"><encryption-data/></file-entry></manifest>";
        assert_eq!(
            encrypted_entries(odd.as_bytes()),
            [Encrypted {
                path: "a.xml".into(),
                algorithm: "unknown".into()
            }]
        );
    }
}
