//! Word 2003 XML (WordprocessingML): a document saved as one XML file
//! carries its binary parts (images, and `editdata.mso`: the VBA project
//! as ActiveMime) as base64 in `binData` elements, `<w:binData
//! w:name="editdata.mso">...</w:binData>`. The prefix is the sender's: any
//! element named `binData` is read.
//!
//! Flat OPC (what Word saves as "Word XML Document", and opens from a
//! `.xml` file): the whole package in one XML file, each part a
//! `<pkg:part pkg:name="/word/document.xml">` holding its XML in
//! `pkg:xmlData` or its bytes as base64 in `pkg:binaryData` (the VBA
//! project, `/word/vbaProject.bin`, among them). Its parts are read as a
//! package's.

use std::ops::Range;
use std::sync::LazyLock;

use memchr::memmem::Finder;

/// The magic of ActiveMime, the form `editdata.mso` takes (unpacked by
/// `unpack::mso`).
pub(crate) const ACTIVEMIME: &[u8] = b"ActiveMime";

/// At most this many elements are read from one document.
pub(crate) const MAX_ELEMENTS: usize = 4096;

static BINDATA: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"binData"));

/// True when `b` may hold a `binData` element.
pub(crate) fn has_bindata(b: &[u8]) -> bool {
    BINDATA.find_iter(b).any(|at| start_tag(b, at).is_some())
}

/// The start of the start tag whose name (after any prefix) begins at
/// `at`: `<binData` or `<prefix:binData`, followed by white space or `>`.
fn start_tag(b: &[u8], at: usize) -> Option<usize> {
    start_tag_of(b, at, 7)
}

/// [`start_tag`] for a name `len` bytes long.
fn start_tag_of(b: &[u8], at: usize, len: usize) -> Option<usize> {
    let after = *b.get(at + len)?;
    if !(after.is_ascii_whitespace() || after == b'>') {
        return None;
    }
    let mut i = at;
    if i > 0 && b[i - 1] == b':' {
        i -= 1;
        while i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'-' | b'.'))
        {
            i -= 1;
        }
    }
    (i > 0 && b[i - 1] == b'<').then(|| i - 1)
}

/// One `binData` element: its `name` attribute (any prefix) and where its
/// base64 text is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BinData {
    /// The `name` attribute's value (any prefix, entities decoded), if any.
    pub name: Option<String>,
    /// The element's text.
    pub text: Range<usize>,
}

/// The `binData` elements of `b`, in order (at most [`MAX_ELEMENTS`]);
/// an element without its end tag runs to the end of the document.
pub(crate) fn bindata(b: &[u8]) -> Vec<BinData> {
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < MAX_ELEMENTS {
        let Some(at) = BINDATA.find(&b[from..]).map(|i| from + i) else {
            break;
        };
        from = at + 7;
        if start_tag(b, at).is_none() {
            continue;
        }
        let Some(gt) = memchr::memchr(b'>', &b[from..]).map(|i| from + i) else {
            break;
        };
        let tag = &b[from..gt];
        let text_end = memchr::memmem::find(&b[gt + 1..], b"</").map_or(b.len(), |i| gt + 1 + i);
        out.push(BinData {
            name: super::tags::attr(tag, "name"),
            text: gt + 1..text_end,
        });
        from = text_end;
    }
    out
}

/// The namespace of Word 2003 XML's elements.
const WORD_2003_NAMESPACE: &[u8] = b"schemas.microsoft.com/office/word/2003/wordml";

/// True when `b` names Word 2003 XML's namespace: its fields
/// (`w:fldSimple`, `w:instrText`) are written as a docx's are.
pub(crate) fn is_word_2003(b: &[u8]) -> bool {
    memchr::memmem::find(b, WORD_2003_NAMESPACE).is_some()
}

/// The namespace of a Flat OPC package, which Word requires.
const FLAT_OPC_NAMESPACE: &[u8] = b"schemas.microsoft.com/office/2006/xmlPackage";

static PART: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"part"));
static XML_DATA: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"xmlData"));
static BINARY_DATA: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"binaryData"));

/// True when `b` names the Flat OPC namespace.
pub(crate) fn is_flat_opc(b: &[u8]) -> bool {
    memchr::memmem::find(b, FLAT_OPC_NAMESPACE).is_some()
}

/// One part of a Flat OPC package.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Part {
    /// Its `name` attribute (any prefix), as `/word/document.xml`.
    pub name: Option<String>,
    /// Its content is base64 (`binaryData`), not XML (`xmlData`).
    pub binary: bool,
    /// Where its content is.
    pub content: Range<usize>,
}

/// The next element named as `finder` finds (`len` bytes, any prefix) at
/// or after `from`: where its start tag begins and where its content
/// does.
fn next_element(b: &[u8], from: usize, finder: &Finder<'_>, len: usize) -> Option<(usize, usize)> {
    let mut at = from;
    loop {
        let hit = finder.find(b.get(at..)?).map(|i| at + i)?;
        at = hit + len;
        if let Some(start) = start_tag_of(b, hit, len) {
            let gt = memchr::memchr(b'>', &b[at..]).map(|i| at + i)?;
            return Some((start, gt + 1));
        }
    }
}

/// The parts of a Flat OPC package, in order (at most [`MAX_ELEMENTS`]):
/// each `part` element's name and the content of the first `xmlData` or
/// `binaryData` element after it. An element without its end runs to the
/// end of the document.
pub(crate) fn flat_opc_parts(b: &[u8]) -> Vec<Part> {
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < MAX_ELEMENTS {
        let Some((_, after)) = next_element(b, from, &PART, 4) else {
            break;
        };
        let tag_end = after - 1;
        let tag_start = b[..tag_end].iter().rposition(|&c| c == b'<').unwrap_or(0);
        let name = super::tags::attr(&b[tag_start..tag_end], "name");
        let xml = next_element(b, after, &XML_DATA, 7);
        let bin = next_element(b, after, &BINARY_DATA, 10);
        let (binary, content_start) = match (xml, bin) {
            (Some(x), Some(y)) if y.0 < x.0 => (true, y.1),
            (Some(x), _) => (false, x.1),
            (None, Some(y)) => (true, y.1),
            (None, None) => break,
        };
        let end = if binary {
            memchr::memmem::find(&b[content_start..], b"</").map(|i| content_start + i)
        } else {
            closing(b, content_start, b"xmlData>")
        }
        .unwrap_or(b.len());
        out.push(Part {
            name,
            binary,
            content: content_start..end,
        });
        from = end;
    }
    out
}

/// Where the end tag `</prefix:name>` (`name` ending in `>`) first begins
/// at or after `from`.
fn closing(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        let hit = memchr::memmem::find(b.get(at..)?, name).map(|i| at + i)?;
        at = hit + name.len();
        let mut i = hit;
        if i > 0 && b[i - 1] == b':' {
            i -= 1;
            while i > 0
                && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'-' | b'.'))
            {
                i -= 1;
            }
        }
        if i >= 2 && &b[i - 2..i] == b"</" {
            return Some(i - 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_with_any_prefix() {
        let doc = b"<?xml version=\"1.0\"?><w:wordDocument><w:docSuppData>\
            <w:binData w:name=\"editdata.mso\">QWN0aXZl\nTWltZQ==</w:binData>\
            <x:binData x:name='a.png'>AAAA</x:binData><binData>BBBB</binData>\
            <w:t>the word binData in text</w:t></w:wordDocument>";
        assert!(has_bindata(doc));
        let got = bindata(doc);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].name.as_deref(), Some("editdata.mso"));
        assert_eq!(&doc[got[0].text.clone()], b"QWN0aXZl\nTWltZQ==");
        assert_eq!(got[1].name.as_deref(), Some("a.png"));
        assert_eq!(got[2].name, None);
        assert_eq!(&doc[got[2].text.clone()], b"BBBB");
    }

    #[test]
    fn flat_opc_parts_xml_and_binary() {
        let doc = b"<?xml version=\"1.0\"?><pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/2006/xmlPackage\">\
            <pkg:part pkg:name=\"/word/document.xml\"><pkg:xmlData><w:document><w:p/></w:document></pkg:xmlData></pkg:part>\
            <pkg:part pkg:name=\"/word/vbaProject.bin\" pkg:compression=\"store\"><pkg:binaryData>QUJD\nREVG</pkg:binaryData></pkg:part>\
            <p:part p:name=\"/x.xml\"><p:xmlData><a/>";
        assert!(is_flat_opc(doc));
        let parts = flat_opc_parts(doc);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name.as_deref(), Some("/word/document.xml"));
        assert!(!parts[0].binary);
        assert_eq!(
            &doc[parts[0].content.clone()],
            b"<w:document><w:p/></w:document>"
        );
        assert_eq!(parts[1].name.as_deref(), Some("/word/vbaProject.bin"));
        assert!(parts[1].binary);
        assert_eq!(&doc[parts[1].content.clone()], b"QUJD\nREVG");
        assert_eq!(&doc[parts[2].content.clone()], b"<a/>");
        assert!(!is_flat_opc(b"<w:document/>"));
    }

    #[test]
    fn the_word_alone_is_no_element() {
        assert!(!has_bindata(b"<w:t>binData </w:t> and <w:binDataX>"));
        assert!(!has_bindata(b"binData"));
    }
}
