//! HTML smuggling: a page (HTML, SVG, an HTML application) or a script
//! that carries a program as text and has the browser turn it back into a
//! download. Nothing runs here: the page's `data:` URIs are decoded
//! ([`super::datauri`]), its `<script>` elements become children typed
//! JavaScript (so that the script rules see them), and the payloads that a
//! script assembles from literals (`atob`, byte arrays, `fromCharCode`,
//! long base64 and hex strings) are decoded into children that the engine
//! types like any other object. Word 2003 XML's `binData` parts are
//! decoded here too (the same kind of text-carried payload).

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::keys::KeyBytes;
use crate::format::smuggle::{self, Encoding, has_element};
use crate::format::wordml;
use crate::limits::LimitKind;
use crate::report::Origin;
use crate::types::{FileType, known};

/// Decoded payloads shorter than this hold no program.
const MIN_PAYLOAD: usize = 16;

/// True when a page or script gives this unpacker something to do: a
/// `data:` URI or a `<script>` element in a page (HTML, XML, HTA), an SVG
/// image (its handlers are looked for), or any script (the lexer decides).
/// Plain text is searched too: a browser runs a page that begins with 4 KiB
/// of prose or of comment as it runs any other (text detection reads only
/// that head), and what a page runs needs an element, which prose and
/// source code mostly lack (`a < b`, `#include <stdio.h>` are none).
/// A `data:` URI is decoded in any text (prose, Markdown, CSS: a link a
/// viewer follows) and in JSON's strings. `keys` are those of `data` (or
/// [`KeyBytes::ANY`]).
pub(crate) fn has_work(t: FileType, data: &[u8], keys: KeyBytes) -> bool {
    if t == known::HTML || t == known::XML || t == known::HTA {
        crate::format::datauri::has_marker(data)
            || has_script_tag(data)
            || (t != known::XML && smuggle::may_have_inline(data))
            || (t == known::XML
                && (smuggle::is_svg(data)
                    || wordml::has_bindata(data)
                    || wordml::is_flat_opc(data)
                    || wordml::is_word_2003(data)))
    } else if t == known::TEXT {
        // A URI in prose, Markdown or CSS is a link a viewer may follow.
        // Without a `:` or an `&` (which may spell one), no `data:`;
        // without a `<`, no tag. `<script` before the elements: rarer in
        // text than an element's tag, and looked for in one pass, where the
        // tags are looked at one `<` at a time.
        ((keys.may_hold(b':') || keys.may_hold(b'&'))
            && crate::format::datauri::has_plain_marker(data))
            || (keys.may_hold(b'<') && has_script_tag(data) && has_element(data))
    } else if t == known::JSON {
        crate::format::datauri::has_json_marker(data)
    } else {
        t == known::JSCRIPT || t == known::JAVASCRIPT
    }
}

/// Found by its `<`: prose holds few (one pass of `memchr`), and markup,
/// full of them, goes on to the search for the whole tag.
fn has_script_tag(data: &[u8]) -> bool {
    crate::format::ascii::find_keyed(data, b"<script", 0, true).is_some()
}

/// A page: its `data:` URIs, its scripts, and for an SVG a finding when it
/// runs script.
pub(crate) fn page(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = super::datauri::unpack(data, ctx);
    if smuggle::is_svg(data)
        && let Some(what) = smuggle::svg_active_content(data)
    {
        out.findings.push(FindingKind::SvgScript { detail: what });
    }
    let (scripts, more) = smuggle::script_elements(data);
    for (n, r) in scripts.into_iter().enumerate() {
        if (n as u64) >= ctx.budget.objects_left() {
            out.entries_cut(n);
            return out;
        }
        let name = format!("<script #{} @{}>", n + 1, r.start);
        let before = out.children.len();
        out.push_slice(
            name,
            Origin::Carved {
                offset: r.start as u64,
            },
            data.slice(r),
            ctx.budget,
        );
        if out.children.len() > before {
            out.declare_last(known::JAVASCRIPT);
        }
    }
    if more {
        out.findings.push(FindingKind::Limit {
            limit: LimitKind::Objects,
            detail: format!(
                "only the first {} script elements were scanned as scripts",
                smuggle::MAX_SCRIPTS
            ),
        });
    }
    inline(data, ctx, &mut out);
    bindata(data, ctx, &mut out);
    out
}

/// The code a page runs outside its `<script>` elements: its handlers and
/// `javascript:` URLs as one script, and each `srcdoc` as a page.
fn inline(data: &Bytes, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    if !smuggle::may_have_inline(data) {
        return;
    }
    let code = smuggle::inline_code(data);
    if !code.script.trim().is_empty() {
        if ctx.budget.objects_left() == 0 {
            out.entries_cut(0);
            return;
        }
        let before = out.children.len();
        let bytes = code.script.into_bytes();
        out.push_drained(
            "<handlers and javascript: URLs>".into(),
            Origin::Decoded,
            ctx.budget.take(bytes),
        );
        if out.children.len() > before {
            out.declare_last(known::JAVASCRIPT);
        }
    }
    for (n, page) in code.pages.into_iter().enumerate() {
        if ctx.budget.objects_left() == 0 {
            out.entries_cut(n);
            return;
        }
        let before = out.children.len();
        out.push_drained(
            format!("<srcdoc #{}>", n + 1),
            Origin::Decoded,
            ctx.budget.take(page.into_bytes()),
        );
        if out.children.len() > before {
            out.declare_last(known::HTML);
        }
    }
}

/// Word 2003 XML's `binData` elements, decoded, under the names their
/// `name` attributes give (`editdata.mso` is the VBA project); and a Flat
/// OPC package's parts.
fn bindata(data: &Bytes, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    if wordml::is_flat_opc(data) {
        flat_opc(data, ctx, out);
    }
    if wordml::is_word_2003(data) && memchr::memmem::find(data, b"instr").is_some() {
        for r in crate::format::ooxml::fields(&crate::format::tags::as_utf8(data)) {
            out.findings.push(super::ooxml::finding(r));
        }
    }
    if !wordml::has_bindata(data) {
        return;
    }
    let found = wordml::bindata(data);
    let all = found.len() < wordml::MAX_ELEMENTS;
    for (n, e) in found.into_iter().enumerate() {
        if (n as u64) >= ctx.budget.objects_left() {
            out.entries_cut(n);
            return;
        }
        let decoded = super::decode::base64(&data[e.text]);
        let (name, origin) = match e.name {
            Some(name) if !name.is_empty() => (name, Origin::Entry),
            _ => (format!("<binData #{}>", n + 1), Origin::Decoded),
        };
        out.push_drained(name, origin, ctx.budget.take(decoded));
    }
    if !all {
        out.entries_cut(wordml::MAX_ELEMENTS);
    }
}

/// A Flat OPC package's parts, each a child under its part name (base64
/// parts decoded: the VBA project is one), read as a package's parts are
/// (fields, relationships to other machines).
fn flat_opc(data: &Bytes, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let parts = wordml::flat_opc_parts(data);
    let all = parts.len() < wordml::MAX_ELEMENTS;
    for (n, p) in parts.into_iter().enumerate() {
        if (n as u64) >= ctx.budget.objects_left() {
            out.entries_cut(n);
            return;
        }
        let (name, origin) = match p.name {
            Some(name) if !name.trim_start_matches('/').is_empty() => {
                (name.trim_start_matches('/').to_owned(), Origin::Entry)
            }
            _ => (format!("<part #{}>", n + 1), Origin::Decoded),
        };
        let before = out.children.len();
        if p.binary {
            let decoded = super::decode::base64(&data[p.content]);
            out.push_drained(name, origin, ctx.budget.take(decoded));
        } else {
            out.push_slice(name, origin, data.slice(p.content), ctx.budget);
        }
        if let Some(child) = out.children.get_mut(before) {
            for r in crate::format::ooxml::inspect_part(&child.name, &child.data) {
                child.findings.push(super::ooxml::finding(r));
            }
        }
    }
    if !all {
        out.entries_cut(wordml::MAX_ELEMENTS);
    }
}

/// A script: the payloads it assembles from literals, decoded.
pub(crate) fn script(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let (found, more) = smuggle::payloads(data);
    let mut listed = 0usize;
    for p in found {
        let bytes = match p.encoding {
            Encoding::Atob | Encoding::Base64 => super::decode::base64(&p.data),
            Encoding::Hex => smuggle::unhex(&p.data),
            Encoding::Bytes | Encoding::CharCodes | Encoding::Text => p.data,
            Encoding::DataUri => {
                if listed as u64 >= ctx.budget.objects_left() {
                    out.entries_cut(listed);
                    return out;
                }
                // The URIs it holds, decoded as a page's are (their
                // children are charged to the budget there).
                let inner = super::datauri::unpack(&Bytes::from(p.data), ctx);
                listed += inner.children.len();
                out.children.extend(inner.children);
                out.findings.extend(inner.findings);
                continue;
            }
        };
        if bytes.len() < MIN_PAYLOAD {
            continue;
        }
        if listed as u64 >= ctx.budget.objects_left() {
            out.entries_cut(listed);
            return out;
        }
        listed += 1;
        let name = format!(
            "<smuggled {} #{} @{}>",
            p.encoding.label(),
            listed,
            p.offset
        );
        out.push_drained(name, Origin::Decoded, ctx.budget.take(bytes));
    }
    if more {
        out.findings.push(FindingKind::Limit {
            limit: LimitKind::Objects,
            detail: format!(
                "only the first {} payloads of the script were decoded",
                smuggle::MAX_PAYLOADS
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer, the same whether the text's keys were looked at or not.
    fn has_work(t: FileType, data: &[u8]) -> bool {
        let any = super::has_work(t, data, KeyBytes::ANY);
        assert_eq!(any, super::has_work(t, data, KeyBytes::of(data)));
        any
    }

    #[test]
    fn a_uri_spelled_without_its_colon_is_found_by_its_reference() {
        for t in [
            &b"see data&colon;;base64,TVqQ"[..],
            b"see data&#58;;base64,TVqQ",
            b"see &#100;ata&#x3a;;base64,TVqQ",
        ] {
            assert!(!t.contains(&b':'));
            assert!(has_work(known::TEXT, t), "{}", String::from_utf8_lossy(t));
        }
    }

    #[test]
    fn pages_with_scripts_have_work() {
        assert!(has_work(known::HTML, b"<p>x</p><SCRIPT>f()</SCRIPT>"));
        assert!(!has_work(known::HTML, b"<p>no scripts here</p>"));
        assert!(has_work(known::JAVASCRIPT, b"x"));
        // Text, whatever its head, when it holds a page's markup.
        assert!(has_work(known::TEXT, b"prose first <script>f()</script>"));
        assert!(has_work(known::TEXT, b"prose <a href='data:;base64,TVqQ'>"));
        assert!(!has_work(
            known::TEXT,
            b"a < b; see the data: base64, attached"
        ));
        // A URI in any text is a link a viewer may follow.
        assert!(has_work(known::TEXT, b"no markup; data:;base64,TVqQ"));
        assert!(has_work(known::JSON, br#"{"a":"data:a\/b;base64,TVqQ"}"#));
        assert!(!has_work(known::JSON, br#"{"a":"data"}"#));
        // Source code's angle brackets are no elements.
        assert!(!has_work(
            known::TEXT,
            b"#include <stdio.h>\nstd::vector<int> v; if (a<b && c) s = \"<script\";"
        ));
        assert!(has_work(known::TEXT, b"x <IMG\tsrc='data:;base64,TVqQ'>"));
        assert!(has_work(
            known::TEXT,
            b"x <A download HREF = 'data:;base64,TVqQ'>"
        ));
        assert!(!has_work(known::TEXT, b"if (x <a && y) s = '<script';"));
        assert!(!has_work(known::JSON, b"{\"a\": \"<script>\"}"));
        // A tag cut by the end of the text, at every length.
        let tag = b"x <img src='data:;base64,TVqQ'>";
        for end in 0..=tag.len() {
            assert_eq!(has_element(&tag[..end]), end >= 7, "{end}");
        }
        for cut in [
            &b"<"[..],
            b"<a",
            b"<scri",
            b"<abcdefghijklmn",
            b"<a ",
            b"<a  x",
        ] {
            assert!(!has_element(cut));
        }
    }
}
