//! Word 2003 XML (WordprocessingML): a document saved as one XML file
//! carries its binary parts (images, and `editdata.mso`: the VBA project
//! as ActiveMime) as base64 in `binData` elements, `<w:binData
//! w:name="editdata.mso">...</w:binData>`. The prefix is the sender's: any
//! element named `binData` is read.

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
    let after = *b.get(at + 7)?;
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
    fn the_word_alone_is_no_element() {
        assert!(!has_bindata(b"<w:t>binData </w:t> and <w:binDataX>"));
        assert!(!has_bindata(b"binData"));
    }
}
