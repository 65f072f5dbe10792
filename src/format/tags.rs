//! A tolerant reader of XML and HTML tags, for the few elements and
//! attributes that detectors look at (OOXML relationships and fields, a
//! help page's `<OBJECT>`). It does not validate and never fails: prefixes
//! are dropped from names, names are compared without case, attribute
//! values may be single-, double- or un-quoted, entities are decoded, and
//! comments, processing instructions and declarations are skipped. A part
//! in UTF-16 (with a byte order mark, or starting `<` NUL) is read as the
//! text it is, so that re-encoding a part hides nothing.

use std::borrow::Cow;

/// One piece of markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tag<'a> {
    /// An opening tag (`empty` when it closes itself).
    Start {
        /// Its name without a namespace prefix.
        name: &'a [u8],
        /// Everything between the name and the closing `>`.
        attrs: &'a [u8],
        /// `<x/>`.
        empty: bool,
    },
    /// A closing tag, by its name without a prefix.
    End(&'a [u8]),
    /// Text between tags (entities not yet decoded; CDATA as it is).
    Text(&'a [u8]),
}

/// The text of `data` as UTF-8: UTF-16 (by its byte order mark or a first
/// `<` followed or preceded by NUL) is transcoded, anything else is taken
/// as bytes.
pub(crate) fn as_utf8(data: &[u8]) -> Cow<'_, [u8]> {
    let (le, skip) = match data {
        [0xff, 0xfe, ..] => (true, 2),
        [0xfe, 0xff, ..] => (false, 2),
        [b'<', 0, ..] => (true, 0),
        [0, b'<', ..] => (false, 0),
        _ => return Cow::Borrowed(data),
    };
    Cow::Owned(super::utf16::decode(&data[skip..], !le).into_bytes())
}

/// The tags of a document, in order.
pub(crate) struct Tags<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Tags<'a> {
    /// A reader of `data`, from its start.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Tags { data, pos: 0 }
    }
}

/// The name without its namespace prefix (`w:instrText` is `instrText`).
fn local(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The end of a tag that starts at `from`: the first `>` outside quotes.
fn tag_end(data: &[u8], from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in data.iter().enumerate().skip(from) {
        match (quote, b) {
            (None, b'"' | b'\'') => {
                // A quote counts only as an attribute value's opening, after
                // `=`; elsewhere (a stray quote) it is a plain byte.
                let before = data[from..i]
                    .iter()
                    .rev()
                    .find(|c| !c.is_ascii_whitespace());
                if before == Some(&b'=') {
                    quote = Some(b);
                }
            }
            (Some(q), c) if c == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Past the `>` that closes a declaration (`<!DOCTYPE ...>`) whose body
/// starts at `from`: one inside its internal subset (`[...]`) or a quoted
/// string does not close it. The end of the data when none does.
fn declaration_end(data: &[u8], from: usize) -> usize {
    let (mut subset, mut quote) = (false, None);
    for (i, &c) in data.iter().enumerate().skip(from) {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[') => subset = true,
            (None, b']') => subset = false,
            (None, b'>') if !subset => return i + 1,
            _ => {}
        }
    }
    data.len()
}

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    fn next(&mut self) -> Option<Tag<'a>> {
        let data = self.data;
        loop {
            let rest = data.get(self.pos..)?;
            if rest.is_empty() {
                return None;
            }
            if rest[0] != b'<' {
                let end = memchr::memchr(b'<', rest).map_or(data.len(), |i| self.pos + i);
                let text = &data[self.pos..end];
                self.pos = end;
                return Some(Tag::Text(text));
            }
            let skip_to = |pat: &[u8], from: usize| {
                memchr::memmem::find(&data[from..], pat)
                    .map_or(data.len(), |i| from + i + pat.len())
            };
            if rest.starts_with(b"<!--") {
                self.pos = skip_to(b"-->", self.pos + 4);
                continue;
            }
            if rest.starts_with(b"<![CDATA[") {
                let start = self.pos + 9;
                let end =
                    memchr::memmem::find(&data[start..], b"]]>").map_or(data.len(), |i| start + i);
                self.pos = (end + 3).min(data.len());
                return Some(Tag::Text(&data[start..end]));
            }
            if rest.starts_with(b"<?") {
                self.pos = skip_to(b"?>", self.pos + 2);
                continue;
            }
            if rest.starts_with(b"<!") {
                self.pos = declaration_end(data, self.pos + 2);
                continue;
            }
            let closing = rest.get(1) == Some(&b'/');
            let name_start = self.pos + 1 + usize::from(closing);
            let name_len = data[name_start..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
                .unwrap_or(data.len() - name_start);
            let name_end = name_start + name_len;
            if name_len == 0 {
                // A `<` that opens no tag: text.
                self.pos += 1;
                return Some(Tag::Text(b"<"));
            }
            // An unterminated tag runs to the end of the data.
            let end = tag_end(data, name_end).unwrap_or(data.len());
            self.pos = (end + 1).min(data.len());
            let name = local(&data[name_start..name_end]);
            if closing {
                return Some(Tag::End(name));
            }
            let inner = &data[name_end..end];
            let empty = inner.last() == Some(&b'/');
            let attrs = if empty {
                &inner[..inner.len() - 1]
            } else {
                inner
            };
            return Some(Tag::Start { name, attrs, empty });
        }
    }
}

/// True when `name` (without prefix) is `want`, whatever the case.
pub(crate) fn is(name: &[u8], want: &str) -> bool {
    name.eq_ignore_ascii_case(want.as_bytes())
}

/// The value of the attribute `want` (without prefix, any case) in a tag's
/// attribute text, entities decoded.
pub(crate) fn attr(attrs: &[u8], want: &str) -> Option<String> {
    Attrs::new(attrs)
        .find(|(name, _)| name.eq_ignore_ascii_case(want.as_bytes()))
        .map(|(_, value)| decode(value))
}

/// The attributes that have a value in a tag's attribute text, in order:
/// each name without its prefix, and the value as written (entities not
/// decoded, quotes removed).
pub(crate) struct Attrs<'a> {
    attrs: &'a [u8],
    i: usize,
}

impl<'a> Attrs<'a> {
    /// A reader of `attrs`, the text between a tag's name and its `>`.
    pub(crate) fn new(attrs: &'a [u8]) -> Self {
        Attrs { attrs, i: 0 }
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let attrs = self.attrs;
        let n = attrs.len();
        let i = &mut self.i;
        while *i < n {
            while *i < n && (attrs[*i].is_ascii_whitespace() || attrs[*i] == b'/') {
                *i += 1;
            }
            let name_start = *i;
            while *i < n && !attrs[*i].is_ascii_whitespace() && attrs[*i] != b'=' {
                *i += 1;
            }
            let name = local(&attrs[name_start..*i]);
            while *i < n && attrs[*i].is_ascii_whitespace() {
                *i += 1;
            }
            if *i >= n || attrs[*i] != b'=' {
                // An attribute without a value.
                if name.is_empty() {
                    *i += 1;
                }
                continue;
            }
            *i += 1;
            while *i < n && attrs[*i].is_ascii_whitespace() {
                *i += 1;
            }
            let value = match attrs.get(*i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let start = *i + 1;
                    let end = memchr::memchr(q, &attrs[start..]).map_or(n, |e| start + e);
                    *i = end + 1;
                    &attrs[start..end]
                }
                _ => {
                    let start = *i;
                    while *i < n && !attrs[*i].is_ascii_whitespace() {
                        *i += 1;
                    }
                    &attrs[start..*i]
                }
            };
            return Some((name, value));
        }
        None
    }
}

/// Text with its character and entity references decoded; invalid UTF-8
/// shows as replacement characters.
pub(crate) fn decode(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('&') {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest.as_bytes().iter().take(13).position(|&b| b == b';');
        let decoded = semi.and_then(|s| {
            let entity = &rest[1..s];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                e => e.strip_prefix('#').and_then(|num| {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, s))
        });
        match decoded {
            Some((c, s)) => {
                out.push(c);
                rest = &rest[s + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_attributes_and_entities() {
        let x =
            br#"<?xml version="1.0"?><!-- c --><a:R  T='x>y' b = "1&amp;2" c=u/><b>t&#x41;</b>"#;
        let tags: Vec<Tag<'_>> = Tags::new(x).collect();
        match &tags[0] {
            Tag::Start { name, attrs, empty } => {
                assert_eq!(*name, b"R");
                assert!(*empty);
                assert_eq!(attr(attrs, "t").as_deref(), Some("x>y"));
                assert_eq!(attr(attrs, "B").as_deref(), Some("1&2"));
                assert_eq!(attr(attrs, "c").as_deref(), Some("u"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(tags[2], Tag::Text(b"t&#x41;"));
        assert_eq!(decode(b"t&#x41;&#66;&bogus;"), "tAB&bogus;");
        assert_eq!(tags[3], Tag::End(b"b"));
    }

    #[test]
    fn utf16_parts_are_read_as_text() {
        let s: Vec<u8> = "\u{feff}<a b='1'/>"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(&*as_utf8(&s), "<a b='1'/>".as_bytes());
    }

    #[test]
    fn a_doctype_with_an_internal_subset_is_skipped_whole() {
        let doc = b"<!DOCTYPE svg [ <!ENTITY e \"<a>\"> <!ENTITY f '>'> ]><svg/>";
        let first = Tags::new(doc).next();
        assert!(
            matches!(first, Some(Tag::Start { name: b"svg", .. })),
            "{first:?}"
        );
        assert_eq!(Tags::new(b"<!DOCTYPE x [ unclosed").count(), 0);
    }

    #[test]
    fn broken_markup_ends_without_a_panic() {
        for x in [
            &b"<"[..],
            b"<a b='",
            b"<!--",
            b"<![CDATA[x",
            b"</",
            b"< a>",
            b"<a b=>",
        ] {
            let _ = Tags::new(x).count();
        }
    }
}
