//! XFA forms: the XML packets a PDF's `/AcroForm /XFA` entry names, which
//! Acrobat and Reader render instead of the PDF's own pages. Their
//! templates carry scripts (JavaScript or FormCalc) in `<script>` elements,
//! most inside an `<event>` whose `activity` says when they run: some as
//! the form opens, with no click (`initialize`, `docReady`...), the vehicle
//! of CVE-2013-0640 and its kin. This reader lists the scripts and their
//! events; it does not build a DOM, and a namespace prefix (`<t:script>`)
//! changes nothing.

use std::ops::Range;

/// Events that fire as the form opens and is laid out, before any click:
/// the form's DOM built (`initialize`), its fields computed and checked
/// (`calculate`, `validate`), the form and the document ready, instances
/// merged (`indexChange`).
const ON_OPEN: [&str; 6] = [
    "initialize",
    "calculate",
    "validate",
    "docReady",
    "ready",
    "indexChange",
];

/// At most this many scripts are listed.
pub(crate) const MAX_SCRIPTS: usize = 256;

/// A script of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Script {
    /// The `activity` of the event that holds it, if one does (a script
    /// object in `<variables>` runs when another script calls it).
    pub(crate) activity: Option<String>,
    /// True when that event fires as the form opens.
    pub(crate) on_open: bool,
    /// The element's content, in the packet.
    pub(crate) content: Range<usize>,
}

/// The `<script>` elements of `xml`, in order, at most [`MAX_SCRIPTS`].
pub(crate) fn scripts(xml: &[u8]) -> Vec<Script> {
    let mut out = Vec::new();
    let mut activity: Option<String> = None;
    let mut pos = 0;
    while let Some(lt) = memchr::memchr(b'<', &xml[pos..]).map(|i| pos + i) {
        let rest = &xml[lt + 1..];
        // Comments, CDATA sections and declarations are passed over whole.
        if let Some(skip) = [
            (&b"!--"[..], &b"-->"[..]),
            (b"![CDATA[", b"]]>"),
            (b"?", b"?>"),
        ]
        .iter()
        .find(|(open, _)| rest.starts_with(open))
        .map(|(open, close)| {
            memchr::memmem::find(&rest[open.len()..], close)
                .map_or(xml.len(), |i| lt + 1 + open.len() + i + close.len())
        }) {
            pos = skip;
            continue;
        }
        let Some(end) = tag_end(xml, lt + 1) else {
            break;
        };
        let tag = &xml[lt + 1..end];
        pos = end + 1;
        let closing = tag.first() == Some(&b'/');
        let name = tag_name(if closing { &tag[1..] } else { tag });
        let empty = tag.last() == Some(&b'/');
        match (local(name), closing) {
            (b"event", false) if !empty => activity = attribute(tag, b"activity"),
            (b"event", true) => activity = None,
            (b"script", false) if !empty => {
                let start = pos;
                let close = script_close(xml, start);
                pos = close.map_or(xml.len(), |(_, after)| after);
                let on_open = activity.as_deref().is_some_and(|a| ON_OPEN.contains(&a));
                out.push(Script {
                    activity: activity.clone(),
                    on_open,
                    content: start..close.map_or(xml.len(), |(at, _)| at),
                });
                if out.len() >= MAX_SCRIPTS {
                    break;
                }
            }
            _ => {}
        }
    }
    out
}

/// Where the tag that starts at `from` (past its `<`) ends: its `>`,
/// outside quoted attribute values.
fn tag_end(xml: &[u8], from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in xml[from..].iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

/// A tag's qualified name: up to white space or `/`.
fn tag_name(tag: &[u8]) -> &[u8] {
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/')
        .unwrap_or(tag.len());
    &tag[..end]
}

/// A qualified name without its prefix.
fn local(name: &[u8]) -> &[u8] {
    name.iter()
        .rposition(|&b| b == b':')
        .map_or(name, |i| &name[i + 1..])
}

/// The value of attribute `key` of a tag, quotes removed.
fn attribute(tag: &[u8], key: &[u8]) -> Option<String> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&tag[from..], key).map(|i| from + i) {
        from = i + key.len();
        let before_ok = i > 0 && tag[i - 1].is_ascii_whitespace();
        let after = tag[from..].trim_ascii_start();
        if !before_ok || after.first() != Some(&b'=') {
            continue;
        }
        let value = after[1..].trim_ascii_start();
        let q = *value.first()?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let end = memchr::memchr(q, &value[1..])?;
        return Some(String::from_utf8_lossy(&value[1..1 + end]).into_owned());
    }
    None
}

/// The closing tag of a script whose content starts at `from`: where it
/// starts and where it ends. CDATA sections in the content hide no close.
fn script_close(xml: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut pos = from;
    loop {
        let lt = memchr::memchr(b'<', &xml[pos..]).map(|i| pos + i)?;
        let rest = &xml[lt + 1..];
        if rest.starts_with(b"![CDATA[") {
            pos = memchr::memmem::find(rest, b"]]>").map_or(xml.len(), |i| lt + 1 + i + 3);
            continue;
        }
        if rest.first() == Some(&b'/') {
            let end = tag_end(xml, lt + 1)?;
            if local(tag_name(&xml[lt + 2..end])) == b"script" {
                return Some((lt, end + 1));
            }
        }
        pos = lt + 1;
    }
}

/// A script's text as the XML parser hands it over: CDATA sections
/// opened, the five named character references and numeric ones decoded.
pub(crate) fn text(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len());
    let mut i = 0;
    while i < content.len() {
        let rest = &content[i..];
        if let Some(inner) = rest.strip_prefix(b"<![CDATA[") {
            let end = memchr::memmem::find(inner, b"]]>").unwrap_or(inner.len());
            out.extend_from_slice(&inner[..end]);
            i += 9 + end + 3;
            continue;
        }
        if rest[0] == b'&'
            && let Some(semi) = rest.iter().take(12).position(|&b| b == b';')
            && let Some(c) = reference(&rest[1..semi])
        {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += semi + 1;
            continue;
        }
        out.push(rest[0]);
        i += 1;
    }
    out
}

/// The character a reference (between `&` and `;`) names.
fn reference(name: &[u8]) -> Option<char> {
    let code = match name {
        b"lt" => return Some('<'),
        b"gt" => return Some('>'),
        b"amp" => return Some('&'),
        b"quot" => return Some('"'),
        b"apos" => return Some('\''),
        [b'#', b'x' | b'X', hex @ ..] => {
            u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?
        }
        [b'#', dec @ ..] => std::str::from_utf8(dec).ok()?.parse().ok()?,
        _ => return None,
    };
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &[u8] = br#"<?xml version="1.0"?>
<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template xmlns="http://www.xfa.org/schema/xfa-template/3.3/">
<subform name="form1"><field name="a">
<event activity="initialize" name="event__initialize"><script contentType="application/x-javascript">app.alert("x &amp; y");</script></event>
<event activity='click'><t:script><![CDATA[if (a < b) app.launchURL("http://e.x");]]></t:script></event>
<event activity="exit"/><script contentType="application/x-javascript"/>
</field><variables><script name="lib">function f() {}</script></variables>
<!-- <event activity="docReady"><script>commented()</script></event> -->
</subform></template></xdp:xdp>"#;

    #[test]
    fn scripts_and_their_events() {
        let s = scripts(TEMPLATE);
        let got: Vec<_> = s
            .iter()
            .map(|s| {
                (
                    s.activity.as_deref(),
                    s.on_open,
                    String::from_utf8(text(&TEMPLATE[s.content.clone()])).unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some("initialize"), true, "app.alert(\"x & y\");".to_owned()),
                (
                    Some("click"),
                    false,
                    "if (a < b) app.launchURL(\"http://e.x\");".to_owned()
                ),
                (None, false, "function f() {}".to_owned()),
            ]
        );
    }

    #[test]
    fn cut_and_odd_packets_never_panic() {
        for n in 0..TEMPLATE.len() {
            let s = scripts(&TEMPLATE[..n]);
            for sc in s {
                let _ = text(&TEMPLATE[sc.content]);
            }
        }
        assert!(scripts(b"<script>never closed").len() == 1);
        assert_eq!(text(b"&#x41;&#66;&bogus;&"), b"AB&bogus;&");
    }
}
