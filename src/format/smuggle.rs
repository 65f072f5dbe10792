//! Script smuggling, read without running anything: the `<script>`
//! elements of HTML and SVG, the code a page runs outside them (event
//! handlers, `javascript:` URLs, `srcdoc` pages), and the payloads that JavaScript assembles from
//! literals (`atob("TVqQ" + "AAMA" ...)`, `new Uint8Array([77, 90, ...])`,
//! `String.fromCharCode(...)`, long base64 or hex strings).
//!
//! A small lexer reads string literals, numbers, names and punctuation;
//! variables assigned literals (`var a = "..."; a += "..."`) are followed
//! when the code is that simple. Nothing is evaluated beyond concatenation,
//! and what one object assembles is bounded by its own size.

use std::collections::HashMap;
use std::ops::Range;

use memchr::memmem;

use super::ascii::find_ci;
use super::tags::{self, Attrs, Tag, Tags};

/// How many `<script>` elements of one page are listed.
pub(crate) const MAX_SCRIPTS: usize = 64;
/// How many payloads of one script are listed.
pub(crate) const MAX_PAYLOADS: usize = 128;
/// Base64 strings shorter than this are left alone (names, keys, short
/// tokens): a program does not fit in fewer.
pub(crate) const MIN_BASE64: usize = 64;
/// Hex strings shorter than this are left alone (hashes: a SHA-512 in hex
/// is 128 digits).
pub(crate) const MIN_HEX: usize = 130;
/// Arrays of byte values shorter than this are left alone unless handed to
/// a typed array or `fromCharCode`.
pub(crate) const MIN_LOOSE_BYTES: usize = 64;
/// Byte arrays handed to a typed array or `fromCharCode` need this many.
pub(crate) const MIN_BYTES: usize = 8;
/// How many variables are followed per script.
const MAX_VARIABLES: usize = 4096;

/// How a payload was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Base64 text, handed to `atob`.
    Atob,
    /// A long base64 string literal (or concatenation of literals).
    Base64,
    /// A long hex string literal.
    Hex,
    /// Byte values in an array (`Uint8Array`, `Blob`).
    Bytes,
    /// `String.fromCharCode` of character codes.
    CharCodes,
    /// A string (or a concatenation) that holds a `data:` URI, read as the
    /// page reader reads one once the script's escapes are decoded
    /// (`"data:...;base64\x2c..."` assigned to a link's `href`).
    DataUri,
    /// A string (or a concatenation, escapes decoded) handed to `new
    /// Blob([...])` or `new File([...])`: the file's text itself, how a
    /// script (.js, .hta, .bat) is smuggled.
    Text,
}

impl Encoding {
    /// The label's word for it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Encoding::Atob => "atob",
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
            Encoding::Bytes => "bytes",
            Encoding::CharCodes => "fromCharCode",
            Encoding::DataUri => "data uri",
            Encoding::Text => "text",
        }
    }
}

/// One payload found in a script: the text to decode (base64 or hex) or
/// the bytes themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Payload {
    /// How it was written.
    pub encoding: Encoding,
    /// Where its expression starts in the script.
    pub offset: usize,
    /// The base64 or hex text, or the bytes.
    pub data: Vec<u8>,
}

/// HTML's elements, lowercase: those that carry a URL or script, and the
/// common ones of any page. `<a` is told apart from a comparison in code
/// (`x <a && y`) by the attribute after it.
const ELEMENTS: &[&[u8]] = &[
    b"applet",
    b"area",
    b"article",
    b"aside",
    b"audio",
    b"base",
    b"body",
    b"br",
    b"button",
    b"canvas",
    b"center",
    b"details",
    b"dialog",
    b"div",
    b"embed",
    b"font",
    b"footer",
    b"form",
    b"frame",
    b"frameset",
    b"h1",
    b"h2",
    b"h3",
    b"head",
    b"header",
    b"hr",
    b"html",
    b"iframe",
    b"image",
    b"img",
    b"input",
    b"label",
    b"li",
    b"link",
    b"main",
    b"marquee",
    b"math",
    b"meta",
    b"nav",
    b"noscript",
    b"object",
    b"option",
    b"param",
    b"picture",
    b"script",
    b"section",
    b"select",
    b"source",
    b"span",
    b"strong",
    b"style",
    b"svg",
    b"table",
    b"td",
    b"template",
    b"textarea",
    b"title",
    b"tr",
    b"track",
    b"ul",
    b"use",
    b"video",
];

/// True when `data` holds an HTML start tag: `<`, an element's name (any
/// case), then white space, `/` or `>`; or `<a` and an attribute.
pub(crate) fn has_element(data: &[u8]) -> bool {
    memchr::memchr_iter(b'<', data).any(|lt| {
        let rest = &data[lt + 1..];
        let head = &rest[..rest.len().min(9)];
        let n = head
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .unwrap_or(head.len());
        let (name, after) = rest.split_at(n);
        let Some(&next) = after.first() else {
            return false;
        };
        if name.eq_ignore_ascii_case(b"a") {
            return next == b'>' || (next.is_ascii_whitespace() && attribute_follows(after));
        }
        n > 0
            && (next.is_ascii_whitespace() || next == b'/' || next == b'>')
            && ELEMENTS.iter().any(|e| e.eq_ignore_ascii_case(name))
    })
}

/// True when white space and then an attribute's name (ended by `=`, white
/// space, `/` or `>`) start `s`.
fn attribute_follows(s: &[u8]) -> bool {
    let s = s.trim_ascii_start();
    let n = s
        .iter()
        .position(|c| !(c.is_ascii_alphabetic() || *c == b'-'))
        .unwrap_or(s.len());
    n > 0
        && s.get(n)
            .is_some_and(|&c| c.is_ascii_whitespace() || matches!(c, b'=' | b'/' | b'>'))
}

/// The content of each `<script>` element of an HTML or SVG page (without
/// a CDATA wrapper), at most `MAX_SCRIPTS`, and whether there were more.
pub(crate) fn script_elements(page: &[u8]) -> (Vec<Range<usize>>, bool) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while let Some(open) = find_ci(&page[pos..], b"<script").map(|i| pos + i) {
        let after = open + b"<script".len();
        // `<scripts>` or `<script-x>` is another element.
        if page
            .get(after)
            .is_some_and(|&c| !(c.is_ascii_whitespace() || c == b'>' || c == b'/'))
        {
            pos = after;
            continue;
        }
        let Some(gt) = memchr::memchr(b'>', &page[after..]).map(|i| after + i + 1) else {
            break;
        };
        let end = find_ci(&page[gt..], b"</script").map_or(page.len(), |i| gt + i);
        pos = end.max(gt);
        let mut body = gt..end;
        trim_cdata(page, &mut body);
        if page[body.clone()].iter().any(|c| !c.is_ascii_whitespace()) {
            if out.len() == MAX_SCRIPTS {
                return (out, true);
            }
            out.push(body);
        }
    }
    (out, false)
}

/// The code a page runs outside its `<script>` elements, as the browser
/// reads it: event handler attributes (`onerror=`), `javascript:` URLs
/// (character references and then percent escapes decoded, as a browser
/// decodes them before it runs one), and `srcdoc` attributes, which are
/// pages of their own (references decoded).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Inline {
    /// The handlers' and URLs' code, one per line.
    pub(crate) script: String,
    /// The `srcdoc` pages, at most `MAX_SCRIPTS`.
    pub(crate) pages: Vec<String>,
}

/// True when `page` may hold [`Inline`] code: a `srcdoc`, a `javascript:`
/// URL (its scheme may be spelled with references), or an event handler.
pub(crate) fn may_have_inline(page: &[u8]) -> bool {
    find_ci(page, b"srcdoc").is_some()
        || find_ci(page, b"script:").is_some()
        || find_ci(page, b"&#").is_some()
        || first_handler(page).is_some()
}

/// The [`Inline`] code of `page`.
pub(crate) fn inline_code(page: &[u8]) -> Inline {
    let mut out = Inline::default();
    for tag in Tags::new(page) {
        let Tag::Start { attrs, .. } = tag else {
            continue;
        };
        for (name, value) in Attrs::new(attrs) {
            if is_handler(name) {
                out.script.push_str(&tags::decode(value));
                out.script.push('\n');
            } else if name.eq_ignore_ascii_case(b"srcdoc") {
                if out.pages.len() < MAX_SCRIPTS {
                    out.pages.push(tags::decode(value));
                }
            } else if (value.contains(&b':') || value.contains(&b'&'))
                && let Some(code) = javascript_url(&tags::decode(value))
            {
                out.script.push_str(&code);
                out.script.push('\n');
            }
        }
    }
    out
}

/// An event handler attribute's name: `on` and letters.
fn is_handler(name: &[u8]) -> bool {
    name.len() > 2
        && name[..2].eq_ignore_ascii_case(b"on")
        && name[2..].iter().all(u8::is_ascii_alphabetic)
}

/// The code of a `javascript:` URL, as the URL parser and then the browser
/// read it: leading spaces and controls dropped, tabs and line breaks
/// removed anywhere, the scheme in any case, the rest percent-decoded.
fn javascript_url(url: &str) -> Option<String> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let code = url
        .get(..11)
        .filter(|scheme| scheme.eq_ignore_ascii_case("javascript:"))
        .map(|_| &url[11..])?;
    let out = percent_decode(code.as_bytes(), false);
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Narrows `r` to what lies inside `<![CDATA[ ... ]]>`, when it is wrapped.
fn trim_cdata(page: &[u8], r: &mut Range<usize>) {
    let body = &page[r.clone()];
    let lead = body.iter().take_while(|c| c.is_ascii_whitespace()).count();
    if body[lead..].starts_with(b"<![CDATA[") {
        let start = r.start + lead + 9;
        let end = memmem::rfind(&page[start..r.end], b"]]>").map_or(r.end, |i| start + i);
        *r = start..end;
    }
}

/// True when `page` is an SVG image: its root element is `<svg` (or
/// `<prefix:svg`). An HTML page with an inline `<svg>` icon is a page, not
/// an image; an SVG whose root comes after a long comment is an image.
pub(crate) fn is_svg(page: &[u8]) -> bool {
    // The tag reader skips the XML declaration, processing instructions,
    // comments and the document type declaration (its internal subset
    // too); white space may lie between them, nothing else.
    let page = page.strip_prefix(b"\xef\xbb\xbf").unwrap_or(page);
    for tag in Tags::new(page) {
        match tag {
            Tag::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            Tag::Start { name, .. } => return tags::is(name, "svg"),
            _ => return false,
        }
    }
    false
}

/// What in an SVG image runs script: a `<script>` element, or an event
/// handler attribute (`onload=`), named as the finding names it.
pub(crate) fn svg_active_content(page: &[u8]) -> Option<String> {
    if find_ci(page, b"<script").is_some() {
        return Some("a <script> element".into());
    }
    if let Some(name) = first_handler(page) {
        return Some(format!("an event handler ({name})"));
    }
    if find_ci(page, b"javascript:").is_some() {
        return Some("a javascript: link".into());
    }
    None
}

/// The name of the first event handler attribute (`onload=`) inside a
/// tag of `page`.
fn first_handler(page: &[u8]) -> Option<String> {
    let mut pos = 0;
    let mut tag = TagState::default();
    while let Some(i) = find_ci(&page[pos..], b"on").map(|i| pos + i) {
        pos = i + 2;
        if !page
            .get(i.wrapping_sub(1))
            .is_some_and(|c| c.is_ascii_whitespace())
            || i == 0
        {
            continue;
        }
        let name_end = page[pos..]
            .iter()
            .position(|c| !c.is_ascii_alphabetic())
            .map_or(page.len(), |n| pos + n);
        if name_end - pos < 3 {
            continue;
        }
        let mut j = name_end;
        while page.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            j += 1;
        }
        if page.get(j) == Some(&b'=') && tag.inside(page, i) {
            return Some(String::from_utf8_lossy(&page[i..name_end]).into_owned());
        }
    }
    None
}

/// The last `<` and `>` before a position, kept as the position moves on:
/// each byte is looked at once, however many handlers a page names.
#[derive(Default)]
struct TagState {
    scanned: usize,
    lt: Option<usize>,
    gt: Option<usize>,
}

impl TagState {
    /// True when position `i` (at or after the last one asked about) lies
    /// inside a tag: the last `<` before it comes after the last `>`.
    fn inside(&mut self, page: &[u8], i: usize) -> bool {
        let from = self.scanned.min(i);
        for j in memchr::memchr2_iter(b'<', b'>', &page[from..i]) {
            if page[from + j] == b'<' {
                self.lt = Some(from + j);
            } else {
                self.gt = Some(from + j);
            }
        }
        self.scanned = self.scanned.max(i);
        match (self.lt, self.gt) {
            (Some(lt), Some(gt)) => lt > gt,
            (Some(_), None) => true,
            _ => false,
        }
    }
}

/// A token of JavaScript, as far as this reader cares.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(Vec<u8>),
    Num(Option<u32>),
    Name(Range<usize>),
    Punct(u8),
    /// `+=`.
    AddAssign,
}

/// The tokens of `src`, each with its offset.
fn lex(src: &[u8]) -> Vec<(usize, Tok)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        let start = i;
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0c => i += 1,
            b'/' if src.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &src[i..]).map_or(src.len(), |n| i + n);
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                i = memmem::find(&src[i + 2..], b"*/").map_or(src.len(), |n| i + 2 + n + 2);
            }
            b'"' | b'\'' | b'`' => {
                if c == b'`'
                    && let Some(next) = template(src, i, &mut out)
                {
                    i = next;
                    continue;
                }
                let (s, next) = string(src, i);
                out.push((start, Tok::Str(s)));
                i = next;
            }
            b'0'..=b'9' => {
                let end = src[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'.'))
                    .map_or(src.len(), |n| i + n);
                out.push((start, Tok::Num(number(&src[i..end]))));
                i = end;
            }
            b'+' if src.get(i + 1) == Some(&b'=') => {
                out.push((start, Tok::AddAssign));
                i += 2;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let end = src[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$'))
                    .map_or(src.len(), |n| i + n);
                out.push((start, Tok::Name(i..end)));
                i = end;
            }
            c => {
                out.push((start, Tok::Punct(c)));
                i += 1;
            }
        }
    }
    out
}

/// A string literal from its opening quote: its value (escapes read) and
/// where the next token starts. A quoted string ends at its line's end
/// (so that a regular expression holding a quote costs one line only).
fn string(src: &[u8], open: usize) -> (Vec<u8>, usize) {
    let q = src[open];
    let mut v = Vec::new();
    let mut i = open + 1;
    while i < src.len() {
        let c = src[i];
        if c == q {
            return (v, i + 1);
        }
        if c == b'\n' && q != b'`' {
            return (v, i);
        }
        if q == b'`' && c == b'$' && src.get(i + 1) == Some(&b'{') {
            // A template with substitutions: not a literal we can read.
            v.clear();
        }
        i = literal_char(src, i, &mut v);
    }
    (v, src.len())
}

/// The character of a literal at `i` onto `out`, an escape read: where
/// the next one starts.
fn literal_char(src: &[u8], i: usize, out: &mut Vec<u8>) -> usize {
    if src[i] == b'\\' {
        let (bytes, used) = escape(&src[i + 1..]);
        out.extend_from_slice(&bytes);
        i + 1 + used
    } else {
        out.push(src[i]);
        i + 1
    }
}

/// A template literal whose substitutions are all plain names
/// (`` `data:...;base64,${a}${b}` ``), from its backquote, as the tokens of
/// `("data:...;base64," + a + "" + b + "")`: where the next token starts.
/// `None` (the literal is then read by [`string`]) for a template without
/// substitutions, or with one that is more than a name.
fn template(src: &[u8], open: usize, out: &mut Vec<(usize, Tok)>) -> Option<usize> {
    let mut toks = vec![(open, Tok::Punct(b'('))];
    let mut text = Vec::new();
    let mut i = open + 1;
    loop {
        let c = *src.get(i)?;
        if c == b'`' {
            break;
        }
        if c == b'$' && src.get(i + 1) == Some(&b'{') {
            let close = memchr::memchr(b'}', &src[i + 2..]).map(|n| i + 2 + n)?;
            let inner = &src[i + 2..close];
            let lead = inner.iter().take_while(|c| c.is_ascii_whitespace()).count();
            let name = inner[lead..].trim_ascii_end();
            let plain = name
                .first()
                .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'$'))
                && name
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$'));
            if !plain {
                return None;
            }
            let at = i + 2 + lead;
            toks.push((open, Tok::Str(std::mem::take(&mut text))));
            toks.push((open, Tok::Punct(b'+')));
            toks.push((at, Tok::Name(at..at + name.len())));
            toks.push((open, Tok::Punct(b'+')));
            i = close + 1;
            continue;
        }
        i = literal_char(src, i, &mut text);
    }
    if toks.len() == 1 {
        return None;
    }
    toks.push((open, Tok::Str(text)));
    toks.push((open, Tok::Punct(b')')));
    out.extend(toks);
    Some(i + 1)
}

/// One escape after its backslash: the bytes it stands for (UTF-8) and
/// how many bytes it took.
fn escape(s: &[u8]) -> (Vec<u8>, usize) {
    let hex = |b: &[u8]| {
        std::str::from_utf8(b)
            .ok()
            .and_then(|t| u32::from_str_radix(t, 16).ok())
    };
    let utf8 = |c: u32| char::from_u32(c).map_or_else(Vec::new, |ch| ch.to_string().into_bytes());
    match s.first() {
        None => (Vec::new(), 0),
        Some(b'x') => match s.get(1..3).and_then(hex) {
            Some(c) => (utf8(c), 3),
            None => (vec![b'x'], 1),
        },
        Some(b'u') => match s.get(1..5).and_then(hex) {
            Some(c) => (utf8(c), 5),
            None => (vec![b'u'], 1),
        },
        Some(b'n') => (vec![b'\n'], 1),
        Some(b'r') => (vec![b'\r'], 1),
        Some(b't') => (vec![b'\t'], 1),
        Some(b'\r') if s.get(1) == Some(&b'\n') => (Vec::new(), 2),
        Some(b'\n') => (Vec::new(), 1),
        Some(&c) => (vec![c], 1),
    }
}

/// A numeric literal's value when it is a whole number that fits 32 bits
/// (decimal, `0x` hex, `0o`, `0b`).
fn number(b: &[u8]) -> Option<u32> {
    let t = std::str::from_utf8(b).ok()?;
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        u32::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        u32::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        u32::from_str_radix(b, 2).ok()
    } else {
        t.parse().ok()
    }
}

/// The payloads a script assembles from literals, at most `MAX_PAYLOADS`,
/// and whether there were more. Identical payloads are listed once.
pub(crate) fn payloads(src: &[u8]) -> (Vec<Payload>, bool) {
    let toks = lex(src);
    let name = |t: &Tok| match t {
        Tok::Name(r) => Some(&src[r.clone()]),
        _ => None,
    };
    let mut vars: HashMap<&[u8], Vec<u8>> = HashMap::new();
    let mut out: Vec<Payload> = Vec::new();
    let mut more = false;
    // What one script may assemble in all: its own size, twice.
    let mut allowance = src.len().saturating_mul(2);
    let mut push = |p: Payload, out: &mut Vec<Payload>| {
        if out.iter().any(|q| q.data == p.data) {
            return;
        }
        if out.len() == MAX_PAYLOADS {
            more = true;
            return;
        }
        out.push(p);
    };
    let mut i = 0;
    while i < toks.len() {
        let (off, tok) = &toks[i];
        match tok {
            // `name = expr` / `name += expr`, `var|let|const name = expr`.
            Tok::Name(_)
                if matches!(
                    toks.get(i + 1),
                    Some((_, Tok::Punct(b'='))) | Some((_, Tok::AddAssign))
                ) && !matches!(toks.get(i + 2), Some((_, Tok::Punct(b'=')))) =>
            {
                let append = matches!(toks.get(i + 1), Some((_, Tok::AddAssign)));
                let target = name(tok).unwrap_or_default();
                let (value, parts, next) = concat(&toks, i + 2, &vars, src, &mut allowance);
                // Past a value read whole; otherwise on into the expression
                // (`s = atob(...)`).
                let resume = if value.is_some() {
                    next.max(i + 2)
                } else {
                    i + 2
                };
                match value {
                    Some(v) if parts > 0 => {
                        if holds_data_uri(&v) {
                            push(payload(Encoding::DataUri, *off, &v), &mut out);
                        } else if looks_base64(&v) {
                            push(payload(Encoding::Base64, *off, &v), &mut out);
                        } else if looks_hex(&v) {
                            push(payload(Encoding::Hex, *off, &v), &mut out);
                        }
                        if append {
                            let e = vars.entry(target).or_default();
                            if e.len() + v.len() <= src.len() {
                                e.extend_from_slice(&v);
                            }
                        } else {
                            vars.insert(target, v);
                        }
                    }
                    _ => {
                        if !append {
                            vars.remove(target);
                        }
                    }
                }
                if vars.len() > MAX_VARIABLES {
                    vars.clear();
                }
                i = resume;
                continue;
            }
            Tok::Name(r) if &src[r.clone()] == b"atob" => {
                if matches!(toks.get(i + 1), Some((_, Tok::Punct(b'(')))) {
                    let (value, _, next) = concat(&toks, i + 2, &vars, src, &mut allowance);
                    let read = value.is_some();
                    if let Some(v) = value.filter(|v| v.len() >= 16) {
                        push(payload(Encoding::Atob, *off, &v), &mut out);
                    }
                    i = if read { next.max(i + 2) } else { i + 2 };
                    continue;
                }
            }
            Tok::Name(r) if &src[r.clone()] == b"fromCharCode" => {
                let mut j = i + 1;
                // `.apply(null, [...])` or `(...)`.
                if matches!(toks.get(j), Some((_, Tok::Punct(b'.')))) {
                    j += 2;
                }
                if matches!(toks.get(j), Some((_, Tok::Punct(b'(')))) {
                    let mut first = j + 1;
                    if matches!(toks.get(first + 1), Some((_, Tok::Punct(b','))))
                        && matches!(toks.get(first + 2), Some((_, Tok::Punct(b'['))))
                    {
                        first += 3;
                    }
                    let (codes, next) = numbers(&toks, first);
                    if codes.len() >= MIN_BYTES {
                        let mut bytes = Vec::new();
                        for c in codes {
                            match u8::try_from(c) {
                                Ok(b) => bytes.push(b),
                                Err(_) => bytes.extend_from_slice(
                                    char::from_u32(c)
                                        .unwrap_or('\u{fffd}')
                                        .to_string()
                                        .as_bytes(),
                                ),
                            }
                        }
                        push(
                            Payload {
                                encoding: Encoding::CharCodes,
                                offset: *off,
                                data: bytes,
                            },
                            &mut out,
                        );
                        i = next;
                        continue;
                    }
                }
            }
            Tok::Punct(b'[') => {
                let typed = i >= 2
                    && matches!(toks[i - 1].1, Tok::Punct(b'('))
                    && name(&toks[i - 2].1).is_some_and(|n| {
                        n.ends_with(b"nt8Array")
                            || n.ends_with(b"Uint8ClampedArray")
                            || n == b"Blob"
                            || n == b"from"
                    });
                // `new Blob(["..." + x])`, `new File([...], name)`: the
                // string is the file.
                let file_of_text = i >= 2
                    && matches!(toks[i - 1].1, Tok::Punct(b'('))
                    && name(&toks[i - 2].1).is_some_and(|n| n == b"Blob" || n == b"File");
                if file_of_text && !matches!(toks.get(i + 1), Some((_, Tok::Num(_)))) {
                    let (value, parts, next) = concat(&toks, i + 1, &vars, src, &mut allowance);
                    if let Some(v) = value.filter(|v| parts > 0 && v.len() >= MIN_BYTES) {
                        push(payload(Encoding::Text, *off, &v), &mut out);
                        i = next.max(i + 1);
                        continue;
                    }
                }
                let (values, next) = numbers(&toks, i + 1);
                let min = if typed { MIN_BYTES } else { MIN_LOOSE_BYTES };
                if values.len() >= min && values.iter().all(|&v| v <= 255) {
                    let data = values.iter().map(|&v| v as u8).collect();
                    push(
                        Payload {
                            encoding: Encoding::Bytes,
                            offset: *off,
                            data,
                        },
                        &mut out,
                    );
                    i = next;
                    continue;
                }
            }
            Tok::Str(s) if holds_data_uri(s) => {
                push(payload(Encoding::DataUri, *off, s), &mut out);
            }
            Tok::Str(s) if looks_base64(s) => {
                push(payload(Encoding::Base64, *off, s), &mut out);
            }
            Tok::Str(s) if looks_hex(s) => {
                push(
                    Payload {
                        encoding: Encoding::Hex,
                        offset: *off,
                        data: s.clone(),
                    },
                    &mut out,
                );
            }
            _ => {}
        }
        i += 1;
    }
    (out, more)
}

fn payload(encoding: Encoding, offset: usize, text: &[u8]) -> Payload {
    Payload {
        encoding,
        offset,
        data: text.to_vec(),
    }
}

/// The value of `"a" + b + 'c'` from token `i`: string literals and
/// variables that hold strings, joined by `+`, optionally in parentheses.
/// `None` when anything else takes part. Returns the value, how many parts
/// it had and the token after the expression.
fn concat(
    toks: &[(usize, Tok)],
    mut i: usize,
    vars: &HashMap<&[u8], Vec<u8>>,
    src: &[u8],
    allowance: &mut usize,
) -> (Option<Vec<u8>>, usize, usize) {
    let mut v = Vec::new();
    let mut parts = 0;
    let mut ok = true;
    let mut depth = 0usize;
    loop {
        while matches!(toks.get(i), Some((_, Tok::Punct(b'(')))) {
            depth += 1;
            i += 1;
        }
        match part(toks, i, vars, src, *allowance) {
            Some((p, after)) if p.len() <= *allowance => {
                *allowance -= p.len();
                v.extend_from_slice(&p);
                parts += 1;
                i = after;
            }
            _ => {
                ok = false;
                i += 1;
            }
        }
        while depth > 0 && matches!(toks.get(i), Some((_, Tok::Punct(b')')))) {
            depth -= 1;
            i += 1;
        }
        if ok && matches!(toks.get(i), Some((_, Tok::Punct(b'+')))) {
            i += 1;
            continue;
        }
        break;
    }
    // What follows must end the expression.
    let ends = matches!(
        toks.get(i),
        None | Some((_, Tok::Punct(b';' | b')' | b',' | b'}' | b']')))
    ) || matches!(toks.get(i), Some((_, Tok::Name(_))));
    ((ok && ends).then_some(v), parts, i)
}

/// One part of a concatenation from token `i`: a string literal, a
/// variable that holds a string, or an array of them `.join`ed; then the
/// string methods that smuggling pages undo their disguise with:
/// `.split('').reverse().join('')`, `.replace` and `.replaceAll` of a
/// string or of a plain regular expression (`/#/g`, `/[#!]/g`) by a
/// string. Its value (at most `allowance` bytes) and the token after it.
fn part(
    toks: &[(usize, Tok)],
    i: usize,
    vars: &HashMap<&[u8], Vec<u8>>,
    src: &[u8],
    allowance: usize,
) -> Option<(Vec<u8>, usize)> {
    let is = |j: usize, p: u8| matches!(toks.get(j), Some((_, Tok::Punct(c))) if *c == p);
    let name_is =
        |j: usize, n: &[u8]| matches!(toks.get(j), Some((_, Tok::Name(r))) if &src[r.clone()] == n);
    let value = |j: usize| -> Option<&[u8]> {
        match toks.get(j) {
            Some((_, Tok::Str(s))) => Some(s),
            Some((_, Tok::Name(r))) => vars.get(&src[r.clone()]).map(Vec::as_slice),
            _ => None,
        }
    };
    let unescaping = ["decodeURIComponent", "decodeURI", "unescape"]
        .iter()
        .any(|f| name_is(i, f.as_bytes()));
    let (mut v, mut i) = if unescaping && is(i + 1, b'(') && is(i + 3, b')') {
        // `decodeURIComponent('%58%35...')`: the text it spells.
        let s = value(i + 2).filter(|s| s.len() <= allowance)?;
        (percent_decode(s, name_is(i, b"unescape")), i + 4)
    } else if is(i, b'[') {
        // `['TVq', 'QAA'].join('')`.
        let mut items: Vec<&[u8]> = Vec::new();
        let mut j = i + 1;
        loop {
            items.push(value(j)?);
            j += 1;
            if is(j, b',') {
                j += 1;
                continue;
            }
            if !is(j, b']') {
                return None;
            }
            j += 1;
            break;
        }
        if !(is(j, b'.') && name_is(j + 1, b"join") && is(j + 2, b'(')) {
            return None;
        }
        let (sep, after): (&[u8], usize) = match toks.get(j + 3) {
            Some((_, Tok::Str(s))) if is(j + 4, b')') => (s, j + 5),
            _ if is(j + 3, b')') => (b",", j + 4),
            _ => return None,
        };
        let total = items.iter().map(|s| s.len() + sep.len()).sum::<usize>();
        if total > allowance.saturating_add(sep.len()) {
            return None;
        }
        (items.join(sep), after)
    } else {
        // Checked before the copy: a value read again and again past the
        // allowance costs nothing.
        let s = value(i).filter(|s| s.len() <= allowance)?;
        (s.to_vec(), i + 1)
    };
    // The methods, in a row.
    while is(i, b'.') {
        // `'data:...'.concat(a, b, c)`.
        if name_is(i + 1, b"concat") && is(i + 2, b'(') {
            let mut j = i + 3;
            loop {
                let s = value(j)?;
                if v.len() + s.len() > allowance {
                    return None;
                }
                v.extend_from_slice(s);
                j += 1;
                if is(j, b',') {
                    j += 1;
                    continue;
                }
                if !is(j, b')') {
                    return None;
                }
                break;
            }
            i = j + 1;
            continue;
        }
        let empty = |j: usize| matches!(toks.get(j), Some((_, Tok::Str(s))) if s.is_empty());
        if name_is(i + 1, b"split")
            && is(i + 2, b'(')
            && empty(i + 3)
            && is(i + 4, b')')
            && is(i + 5, b'.')
            && name_is(i + 6, b"reverse")
            && is(i + 7, b'(')
            && is(i + 8, b')')
            && is(i + 9, b'.')
            && name_is(i + 10, b"join")
            && is(i + 11, b'(')
            && empty(i + 12)
            && is(i + 13, b')')
        {
            v.reverse();
            i += 14;
            continue;
        }
        let all = name_is(i + 1, b"replaceAll");
        if !(all || name_is(i + 1, b"replace")) || !is(i + 2, b'(') {
            break;
        }
        let (pattern, global, next) = match toks.get(i + 3) {
            Some((_, Tok::Str(s))) => (Pattern::Literal(s.clone()), all, i + 4),
            Some((start, Tok::Punct(b'/'))) => regex(toks, i + 3, *start, src)?,
            _ => return None,
        };
        let with: &[u8] = match toks.get(next + 1) {
            Some((_, Tok::Str(s))) if is(next, b',') && is(next + 2, b')') => s,
            _ => return None,
        };
        v = pattern.replace(&v, with, global);
        if v.len() > allowance {
            return None;
        }
        i = next + 3;
    }
    Some((v, i))
}

/// `%XX` escapes decoded, and with `unicode` `unescape`'s `%uXXXX` (as
/// UTF-8); anything else kept as it is.
fn percent_decode(s: &[u8], unicode: bool) -> Vec<u8> {
    let hex = |b: &[u8]| {
        std::str::from_utf8(b)
            .ok()
            .and_then(|t| u32::from_str_radix(t, 16).ok())
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if unicode
                && s.get(i + 1) == Some(&b'u')
                && let Some(c) = s.get(i + 2..i + 6).and_then(hex).and_then(char::from_u32)
            {
                out.extend_from_slice(c.to_string().as_bytes());
                i += 6;
                continue;
            }
            if let Some(b) = s
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(hex)
            {
                out.push(b as u8);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// What `.replace` looks for.
enum Pattern {
    /// A string, or a regular expression with no special characters.
    Literal(Vec<u8>),
    /// A regular expression that is one character class (`[#!]`).
    Class(Vec<u8>),
}

impl Pattern {
    /// `v` with the first match (every match, when `global`) replaced,
    /// left to right without overlaps, as JavaScript does; linear in `v`
    /// whatever the pattern (a search by `memmem`, not at each byte).
    fn replace(&self, v: &[u8], with: &[u8], global: bool) -> Vec<u8> {
        let matches: Box<dyn Iterator<Item = (usize, usize)> + '_> = match self {
            Pattern::Literal(l) if l.is_empty() => return v.to_vec(),
            Pattern::Literal(l) => {
                Box::new(memchr::memmem::find_iter(v, l.as_slice()).map(|at| (at, l.len())))
            }
            Pattern::Class(c) => Box::new(
                v.iter()
                    .enumerate()
                    .filter(|(_, b)| c.contains(b))
                    .map(|(at, _)| (at, 1)),
            ),
        };
        let mut out = Vec::with_capacity(v.len());
        let mut at = 0;
        for (start, len) in matches.take(if global { usize::MAX } else { 1 }) {
            out.extend_from_slice(&v[at..start]);
            out.extend_from_slice(with);
            at = start + len;
        }
        out.extend_from_slice(&v[at..]);
        out
    }
}

/// A regular expression literal whose `/` is token `i` (at `start` in
/// `src`), when it is plain: characters that stand for themselves (a
/// backslash escapes one), or one class of them. The pattern, whether it
/// is global, and the token after its flags.
fn regex(
    toks: &[(usize, Tok)],
    i: usize,
    start: usize,
    src: &[u8],
) -> Option<(Pattern, bool, usize)> {
    let close =
        (i + 1..toks.len().min(i + 256)).find(|&j| matches!(toks[j].1, Tok::Punct(b'/')))?;
    let body = &src[start + 1..toks[close].0];
    let (global, next) = match toks.get(close + 1) {
        Some((at, Tok::Name(r))) if *at == toks[close].0 + 1 => {
            (src[r.clone()].contains(&b'g'), close + 2)
        }
        _ => (false, close + 1),
    };
    let mut chars = Vec::new();
    let (inner, class) = match body.strip_prefix(b"[").and_then(|b| b.strip_suffix(b"]")) {
        Some(inner) => (inner, true),
        None => (body, false),
    };
    let mut k = 0;
    while k < inner.len() {
        let c = inner[k];
        if c == b'\\' {
            let e = *inner.get(k + 1)?;
            if e.is_ascii_alphanumeric() {
                return None;
            }
            chars.push(e);
            k += 2;
            continue;
        }
        let special: &[u8] = if class { b"[]^-" } else { b"^$.|?*+()[]{}/" };
        if special.contains(&c) {
            return None;
        }
        chars.push(c);
        k += 1;
    }
    if chars.is_empty() {
        return None;
    }
    let pattern = if class {
        Pattern::Class(chars)
    } else {
        Pattern::Literal(chars)
    };
    Some((pattern, global, next))
}

/// The whole numbers of a list `a, b, c` up to its closing bracket, and the
/// token after it. The list stops at anything else.
fn numbers(toks: &[(usize, Tok)], mut i: usize) -> (Vec<u32>, usize) {
    let mut out = Vec::new();
    while let Some((_, t)) = toks.get(i) {
        match t {
            Tok::Num(Some(n)) => out.push(*n),
            Tok::Punct(b',') => {}
            Tok::Punct(b']' | b')') => return (out, i + 1),
            _ => return (Vec::new(), i),
        }
        i += 1;
    }
    (Vec::new(), i)
}

/// A string that holds `data:` (any case, with the tabs and line breaks
/// that the URL parser removes anywhere in it) with a comma after it: a
/// URI whose payload the page reader may decode.
pub(crate) fn holds_data_uri(s: &[u8]) -> bool {
    // A comma after a `data:` is one before the last comma: found once,
    // not searched for again behind each `data:` (a string of thousands
    // of them and no comma cost the square of its length).
    let Some(last_comma) = memchr::memrchr(b',', s) else {
        return false;
    };
    memchr::memchr_iter(b':', &s[..last_comma])
        .any(|colon| super::datauri::data_before(s, colon).is_some())
}

/// A long string of the base64 alphabet (standard or URL-safe) that is
/// not one word: prose, identifiers and the base64 alphabet spelled out in
/// a decoder do not have the mix of cases and digits of encoded bytes.
pub(crate) fn looks_base64(s: &[u8]) -> bool {
    if s.len() < MIN_BASE64 {
        return false;
    }
    let mut digits = 0;
    let mut upper = 0;
    let mut lower = 0;
    for &c in s {
        match c {
            b'0'..=b'9' => digits += 1,
            b'A'..=b'Z' => upper += 1,
            b'a'..=b'z' => lower += 1,
            b'+' | b'/' | b'=' | b'-' | b'_' | b'\r' | b'\n' => {}
            _ => return false,
        }
    }
    upper > 0 && lower > 0 && digits + upper + lower >= MIN_BASE64 && !is_alphabet(s)
}

/// The base64 alphabet itself, as a decoder spells it out.
fn is_alphabet(s: &[u8]) -> bool {
    memmem::find(s, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ").is_some()
        || memmem::find(s, b"abcdefghijklmnopqrstuvwxyz").is_some()
}

/// A long string of hex digits, an even number of them.
pub(crate) fn looks_hex(s: &[u8]) -> bool {
    s.len() >= MIN_HEX && s.len().is_multiple_of(2) && s.iter().all(u8::is_ascii_hexdigit)
}

/// The bytes of a hex string.
pub(crate) fn unhex(s: &[u8]) -> Vec<u8> {
    let v = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    };
    s.chunks_exact(2).map(|p| v(p[0]) << 4 | v(p[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atob_of_concatenated_literals_and_variables() {
        let js = br#"var a = "TVqQAAMAAAAEAAAA"; a += '//8AALgAAAAA'; var b = a + "QAAAAAAAAAAA";
            var blob = new Blob([atob(b)]);"#;
        let (p, more) = payloads(js);
        assert!(!more);
        let atob: Vec<_> = p.iter().filter(|p| p.encoding == Encoding::Atob).collect();
        assert_eq!(atob.len(), 1);
        assert_eq!(atob[0].data, b"TVqQAAMAAAAEAAAA//8AALgAAAAAQAAAAAAAAAAA");
    }

    #[test]
    fn disguises_undone_by_string_methods() {
        let b64 = "TVqQAAMAAAAEAAAA//8AALgAAAAAQAAAAAAAAAAA";
        let reversed: String = b64.chars().rev().collect();
        let junk = b64.replace('A', "A#");
        for expr in [
            format!("'{reversed}'.split('').reverse().join('')"),
            format!("'{junk}'.replace(/#/g, '')"),
            format!("['{}', '{}'].join('')", &b64[..20], &b64[20..]),
            format!("'{}'.replaceAll('!', 'A')", b64.replace('A', "!")),
            format!("'{}'.replace(/[!?]/g, 'A')", b64.replace('A', "?")),
        ] {
            let (p, _) = payloads(format!("var a = atob({expr});").as_bytes());
            let atob: Vec<_> = p.iter().filter(|p| p.encoding == Encoding::Atob).collect();
            assert_eq!(atob.len(), 1, "{expr}: {p:?}");
            assert_eq!(atob[0].data, b64.as_bytes(), "{expr}");
        }
        // A long pattern costs a search, not a comparison at each byte.
        let long = format!(
            "var x = '{}'.replace('{}B', '');",
            "A".repeat(200_000),
            "A".repeat(100_000)
        );
        let _ = payloads(long.as_bytes());
        // A replace of the first only, a pattern that is no plain one, a
        // method this does not read: not read, never a guess.
        let (p, _) = payloads(
            b"var x = atob('QUJDREVGR0hJSktMTU5PUFFS#'.replace('#', '').replace('Q', ''));",
        );
        assert_eq!(p[0].data, b"UJDREVGR0hJSktMTU5PUFFS");
        let (p, _) = payloads(b"var x = atob('QUJDREVGR0hJSktMTU5PUFFS'.replace(/Q./g, ''));");
        assert!(p.iter().all(|p| p.encoding != Encoding::Atob), "{p:?}");
        let (p, _) = payloads(b"var x = atob('QUJDREVGR0hJSktMTU5PUFFS'.slice(1));");
        assert!(p.iter().all(|p| p.encoding != Encoding::Atob), "{p:?}");
    }

    #[test]
    fn typed_arrays_and_char_codes() {
        let js = b"let u = new Uint8Array([77,90,144,0,3,0,0,0,4]); s = String.fromCharCode(72,101,108,108,111,32,119,111);";
        let (p, _) = payloads(js);
        assert_eq!(p[0].encoding, Encoding::Bytes);
        assert_eq!(p[0].data[..2], *b"MZ");
        assert_eq!(p[1].encoding, Encoding::CharCodes);
        assert_eq!(p[1].data, b"Hello wo");
    }

    #[test]
    fn strings_that_hold_a_data_uri() {
        let js = b"a.href = \"data:;base64\\x2cQUJD\"; var u = 'https://x.org/a,b'; var d = 'data: none';";
        let (found, _) = payloads(js);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].encoding, Encoding::DataUri);
        assert_eq!(found[0].data, b"data:;base64,QUJD");
        assert!(holds_data_uri(b"DATA:x,y"));
        assert!(holds_data_uri(b"da\tta\n:x,y"));
        assert!(!holds_data_uri(b"data:x y"));
        assert!(!holds_data_uri(b"x,data:"));
        // Linear: thousands of `data:` without a comma after them.
        let many = b"data:".repeat(200_000);
        assert!(!holds_data_uri(&many));
        assert!(holds_data_uri(&[&many[..], b","].concat()));
    }

    #[test]
    fn ordinary_code_has_no_payload() {
        let js = br#"$(function(){ var x = [1, 2, 3]; $('#a').on('click', function(e){ e.preventDefault(); }); var k = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="; });"#;
        assert!(payloads(js).0.is_empty());
    }

    #[test]
    fn runaway_appends_are_bounded() {
        let mut js = b"var a = 'QUFBQUFBQUFBQUFBQUFBQUFB'; ".to_vec();
        for _ in 0..200 {
            js.extend_from_slice(b"a += a; ");
        }
        js.extend_from_slice(b"atob(a);");
        let (p, _) = payloads(&js);
        assert!(p.iter().all(|p| p.data.len() <= js.len() * 2));
    }

    #[test]
    fn scripts_of_a_page() {
        let page = b"<html><SCRIPT type=x>alert(1)</script><scripts>no</scripts><script src=a.js></script><svg><script><![CDATA[ f() ]]></script>";
        let (r, more) = script_elements(page);
        assert!(!more);
        let bodies: Vec<_> = r.iter().map(|r| &page[r.clone()]).collect();
        assert_eq!(bodies, vec![&b"alert(1)"[..], b" f() "]);
    }

    #[test]
    fn an_svg_is_told_by_its_root_element() {
        assert!(is_svg(b"<svg xmlns='http://www.w3.org/2000/svg'/>"));
        assert!(is_svg(b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\" [ <!ENTITY e \"<a>\"> ]>\n<SVG>"));
        assert!(is_svg(b"<svg:svg xmlns:svg='http://www.w3.org/2000/svg'>"));
        // The root past 4 KiB of comment.
        let mut long = b"<!--".to_vec();
        long.extend(vec![b'x'; 10_000]);
        long.extend(b"--><svg onload='f()'/>");
        assert!(is_svg(&long));
        // Pages with an inline icon, and other XML, are not images.
        assert!(!is_svg(
            b"<!DOCTYPE html>\n<html><body><svg class='icon'></svg><script>f()</script>"
        ));
        assert!(!is_svg(b"<?xml version='1.0'?><rss><svg/></rss>"));
        assert!(!is_svg(b"hello <svg onload=f()>"));
        assert!(!is_svg(b"<!-- never closed <svg>"));
        assert!(!is_svg(b"<svgx/>"));
    }

    #[test]
    fn svg_handlers() {
        assert!(svg_active_content(b"<svg onload=\"x()\"></svg>").is_some());
        assert!(svg_active_content(b"<svg><text>turn on = off</text></svg>").is_none());
        assert!(svg_active_content(b"<svg><rect width='1'/></svg>").is_none());
        // A handler after a long attribute is in its tag however far back
        // the tag opened; handler-like text outside tags, however much of
        // it, is none (each byte read once).
        let mut far = b"<svg><path d=\"".to_vec();
        far.extend(b"M0 0 L1 1 ".repeat(2000));
        far.extend(b"\" onload=\"x()\"/></svg>");
        assert!(svg_active_content(&far).is_some());
        let mut text = b"<svg><text>".to_vec();
        text.extend(b" onabc=1".repeat(200_000));
        text.extend(b"</text></svg>");
        assert!(svg_active_content(&text).is_none());
    }
}
