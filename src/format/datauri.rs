//! `data:` URIs in pages, read as a browser reads them (the URL parser,
//! then WHATWG fetch's `data:` URL processor), not as a writer usually
//! spells them: the scheme and `base64` in any case, spaces between the
//! `;` and `base64`, white space before the `,`, a tab or line break
//! anywhere (the URL parser removes them), a media type of any length (it
//! runs from the scheme to the first comma), percent escapes in the payload
//! (decoded before the base64 is), and the page's character references
//! (`&#44;` for the comma, `&#65;` in the payload: a browser decodes an
//! attribute's value before it parses the URL in it). A URI without the
//! marker whose payload is percent-encoded
//! (`data:application/octet-stream,%4D%5A%90...`) is a download too. Pure:
//! offsets and bytes, no decoding of base64 and no children here.

/// Percent escapes a payload without the base64 marker holds before it is
/// decoded: fewer, and what the raw pass reads is what the browser gets.
const MIN_ESCAPES: usize = 4;

/// The first base64 URI (its marker as a browser reads it) whose `;`
/// is at or after `from`; its payload runs as long as base64 (and the
/// white space and percent escapes that pages put in it) does. Nothing is
/// read twice: a marker without a `data:` before it is passed over, and
/// `data:` is looked for no further back than the last payload or marker.
pub(crate) fn next_base64_uri(data: &[u8], mut from: usize) -> Option<Uri> {
    let base = from;
    for semi in memchr::memchr_iter(b';', data.get(base..)?).map(|p| base + p) {
        if semi < from {
            continue;
        }
        let Some(start) = marker_end(data, semi) else {
            continue;
        };
        // The media type runs from the `data:` to the first comma: the
        // URI opens after the last comma before the marker, however far
        // (a browser sets no bound on its parameters).
        let window = memchr::memrchr(b',', &data[from..semi]).map_or(from, |c| from + c + 1);
        from = start;
        let Some(open) = rfind_data(&data[window..semi]) else {
            continue;
        };
        let len = data[start..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || b"+/=%\r\n\t\x0c ".contains(&c)))
            .unwrap_or(data.len() - start);
        return Some(Uri {
            open: window + open,
            start,
            end: start + len,
        });
    }
    None
}

/// A percent-encoded payload's bytes, as the browser gets them: the URL
/// parser's removed characters dropped, then the escapes decoded (an
/// escaped line break stays).
pub(crate) fn percent_payload(raw: &[u8]) -> Vec<u8> {
    let kept: Vec<u8> = raw.iter().copied().filter(|&c| !removed(c)).collect();
    percent_decode(&kept)
}

/// A `data:` URI found in a page: where `data:` opens it, and where its
/// payload starts and ends.
pub(crate) struct Uri {
    /// Where `data:` starts.
    pub open: usize,
    /// Where the payload starts.
    pub start: usize,
    /// Where the payload ends.
    pub end: usize,
}

/// The first URI without the base64 marker whose payload holds percent
/// escapes and whose `data:` ends at or after `from`. Each URI's payload
/// is read once: the search goes on past it.
pub(crate) fn next_percent_uri(data: &[u8], mut from: usize) -> Option<Uri> {
    // Up to here no comma is left to find: a page of `data:` without one
    // is searched for commas once, not once for each `data:`.
    let mut searched = 0usize;
    while let Some(colon) = memchr::memchr(b':', data.get(from..)?).map(|p| from + p) {
        from = colon + 1;
        let Some(open) = data_before(data, colon) else {
            continue;
        };
        // The media type ends at the first comma, however far: a browser
        // sets no bound on it (parameters of any length).
        let look = searched.max(colon + 1);
        let Some(comma) = memchr::memchr(b',', &data[look..]).map(|p| look + p) else {
            searched = data.len();
            continue;
        };
        // Every `data:` up to the comma is in this one's media type: the
        // search goes on past it, whatever this URI is.
        from = comma + 1;
        // A base64 URI is the marker's loop's: its marker is the last `;`
        // before the comma.
        if memchr::memrchr(b';', &data[colon + 1..comma])
            .is_some_and(|s| marker_end(data, colon + 1 + s) == Some(comma + 1))
        {
            continue;
        }
        // Which `data:` up to the comma opens the URI depends on where the
        // attribute or string starts, which is not known here: a word
        // `data:` of the page may come before a quoted URI, and a `data:`
        // in a quoted URI's parameters before its comma. The payload runs
        // to the quote before either the first or the nearest one (the
        // nearest's first), or else to white space or what ends an
        // unquoted value (a style sheet's `url(...)` too): the longer
        // reading, which holds the other.
        let nearest = open + rfind_data(&data[open..comma]).unwrap_or(0);
        let quote_before = |at: usize| {
            at.checked_sub(1)
                .map(|q| data[q])
                .filter(|q| matches!(q, b'"' | b'\''))
        };
        let quote = quote_before(nearest).or_else(|| quote_before(open));
        let open = nearest;
        let start = comma + 1;
        let end = data[start..]
            .iter()
            .position(|&c| match quote {
                Some(q) => c == q,
                None => c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'<' | b'>' | b')'),
            })
            .map_or(data.len(), |p| start + p);
        from = end;
        let escapes = memchr::memchr_iter(b'%', &data[start..end])
            .filter(|&p| {
                data[start + p + 1..end]
                    .get(..2)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
            })
            .take(MIN_ESCAPES)
            .count();
        if escapes == MIN_ESCAPES {
            return Some(Uri { open, start, end });
        }
    }
    None
}

/// True when `data` holds a base64 `data:` URI's marker (`;base64,` as a
/// browser reads it) or a percent-encoded payload, so that a page has one
/// to decode.
pub(crate) fn has_marker(data: &[u8]) -> bool {
    marker_in(&url_view(data))
}

/// [`has_marker`] in a page already read as the URL parser gets it.
fn marker_in(data: &[u8]) -> bool {
    memchr::memchr_iter(b';', data).any(|semi| marker_end(data, semi).is_some())
        || next_percent_uri(data, 0).is_some()
}

/// [`has_marker`] for text that is not a page. A URI opens at a `data:`
/// (any case, tabs and line breaks anywhere in it) with a comma after it:
/// most text has none, and a text that has one is read from there as the
/// unpacker reads it (YAML's or a script's `data:` keys cost that read).
/// A text that holds a character reference that may spell a character of
/// a URI (`&#100;ata:`, `data&colon;`, `&comma;`) is read as a page reads
/// it: Markdown renderers decode them in a link's destination, and the
/// HTML a Markdown or text file carries is a browser's to read.
pub(crate) fn has_plain_marker(text: &[u8]) -> bool {
    let view = if may_spell_a_character(text) {
        url_view(text)
    } else {
        text.into()
    };
    first_uri(&view, find_scheme, find_comma).is_some_and(|at| marker_in(&view[at..]))
}

/// [`has_plain_marker`] for JSON, its strings read with their escapes
/// ([`json_view`]) from the first place where JSON as written may open a
/// URI: JSON is full of `"data"` keys, whose colon follows a quote. The
/// scheme's letters escaped (`\u0064ata:`) spell `data` once parsed, and a
/// string's character references (`&#100;ata:`) once a page shows it: such
/// a text is read whole.
pub(crate) fn has_json_marker(text: &[u8]) -> bool {
    let from = if may_spell_a_character(text) || escapes_a_scheme_letter(text) {
        0
    } else {
        match first_uri(text, find_json_scheme, find_json_comma) {
            Some(at) => at,
            None => return false,
        }
    };
    has_plain_marker(&json_view(&text[from..]))
}

/// Where to read `text` from for its URIs: the byte before the first
/// `data:` that `find` finds (a quote there says where a payload ends),
/// when a comma (`comma` finds it) follows; the media type runs from the
/// scheme to that comma, however far. A first scheme without a comma
/// after it has none after it either: no URI.
fn first_uri(
    text: &[u8],
    find: impl Fn(&[u8]) -> Option<usize>,
    comma: impl Fn(&[u8]) -> Option<usize>,
) -> Option<usize> {
    let at = find(text)?;
    comma(&text[at..])?;
    Some(at.saturating_sub(1))
}

/// Where the first comma of `text` is.
fn find_comma(text: &[u8]) -> Option<usize> {
    memchr::memchr(b',', text)
}

/// [`find_comma`] in JSON as written: the comma written or escaped
/// (`\u002c`), whichever comes first. Only up to it is read: a text whose
/// commas are all escaped is not searched to its end for a written one
/// from each of them.
fn find_json_comma(text: &[u8]) -> Option<usize> {
    memchr::memchr2_iter(b',', b'\\', text).find(|&at| {
        text[at] == b','
            || text
                .get(at..at + 6)
                .is_some_and(|e| e.eq_ignore_ascii_case(b"\\u002c"))
    })
}

/// Where the first `data:` starts in `text` as the URL parser reads it:
/// any case, and the characters it removes (tab, line feed, carriage
/// return) anywhere between the letters and before the colon
/// (`da\nta:`). Found by its colon: each is looked behind at once.
fn find_scheme(text: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b':', text).find_map(|colon| data_before(text, colon))
}

/// [`find_scheme`] in JSON as written, whose strings a parser reads
/// before a URL parser does: the colon written or escaped (`\u003a`), and
/// the removed characters written or escaped (`\n`, `\u000A`). The letters
/// as written: a text that escapes one is searched as its strings read.
fn find_json_scheme(text: &[u8]) -> Option<usize> {
    scheme_candidates(text, |at| {
        let colon = text[at] == b':'
            || text
                .get(at..at + 6)
                .is_some_and(|e| e.eq_ignore_ascii_case(b"\\u003a"));
        colon.then(|| json_data_before(text, at)).flatten()
    })
}

/// Calls `f` at each place of `text` where a `:` or a `\` follows a byte
/// of [`ENDS`], in order, until it returns `Some`. JSON's own
/// colons follow a key's quote: a search that stopped at each of them
/// cost several times the rest of the check.
fn scheme_candidates(text: &[u8], f: impl FnMut(usize) -> Option<usize>) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { scheme_candidates_avx2(text, f) };
    }
    scheme_candidates_from(text, 1, f)
}

/// [`scheme_candidates`] from `from` (at least 1), a place at a time.
fn scheme_candidates_from(
    text: &[u8],
    from: usize,
    mut f: impl FnMut(usize) -> Option<usize>,
) -> Option<usize> {
    memchr::memchr2_iter(b':', b'\\', text.get(from..)?).find_map(|i| {
        let at = from + i;
        if ends_a_scheme(text[at - 1]) {
            f(at)
        } else {
            None
        }
    })
}

/// [`scheme_candidates`], 32 places a step: the byte before each place is
/// looked up by its two nibbles (as [`super::keys`] looks up its keys).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scheme_candidates_avx2(text: &[u8], mut f: impl FnMut(usize) -> Option<usize>) -> Option<usize> {
    use std::arch::x86_64::*;
    let (low, high) = (
        super::keys::nibble_table(ENDS_TABLES.0),
        super::keys::nibble_table(ENDS_TABLES.1),
    );
    let nibble = _mm256_set1_epi8(0x0f);
    let colon = _mm256_set1_epi8(b':' as i8);
    let backslash = _mm256_set1_epi8(b'\\' as i8);
    let mut at = 1;
    while at + 32 <= text.len() {
        // SAFETY: `1 <= at` and `at + 32 <= text.len()`: both loads read
        // within `text`; `loadu` takes any alignment.
        let (here, before) = unsafe {
            (
                _mm256_loadu_si256(text.as_ptr().add(at).cast()),
                _mm256_loadu_si256(text.as_ptr().add(at - 1).cast()),
            )
        };
        let stops = _mm256_or_si256(
            _mm256_cmpeq_epi8(here, colon),
            _mm256_cmpeq_epi8(here, backslash),
        );
        let mut m = _mm256_movemask_epi8(stops) as u32;
        if m != 0 {
            let class = _mm256_and_si256(
                _mm256_shuffle_epi8(low, _mm256_and_si256(before, nibble)),
                _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(before, 4), nibble)),
            );
            let none = _mm256_cmpeq_epi8(class, _mm256_setzero_si256());
            m &= !(_mm256_movemask_epi8(none) as u32);
            while m != 0 {
                if let Some(start) = f(at + m.trailing_zeros() as usize) {
                    return Some(start);
                }
                m &= m - 1;
            }
        }
        at += 32;
    }
    scheme_candidates_from(text, at, f)
}

/// The bytes that can come right before the colon of a `data:` in JSON as
/// written: the last letter, a removed character, or the last byte of an
/// escape of one (`\t`, `\n`, `\r`, `\u0009`, `\u000a`, `\u000d`).
const ENDS: &[u8] = b"aAtnr9dD\t\n\r";

/// Whether `c` is one of [`ENDS`], looked up in [`ENDS_TABLES`] as the
/// AVX2 pass looks it up.
fn ends_a_scheme(c: u8) -> bool {
    let (low, high) = ENDS_TABLES;
    low[usize::from(c & 0x0f)] & high[usize::from(c >> 4)] != 0
}

/// [`ENDS`] by nibbles: entry `n` of the first table has bit `h`
/// set when the byte `h << 4 | n` is one of them, entry `h` of the second
/// has bit `h` (all are ASCII: the second table is 0 from 8 up).
const ENDS_TABLES: ([u8; 16], [u8; 16]) = {
    let (mut low, mut high) = ([0u8; 16], [0u8; 16]);
    let mut i = 0;
    while i < ENDS.len() {
        let h = ENDS[i] >> 4;
        low[(ENDS[i] & 0x0f) as usize] |= 1 << h;
        high[h as usize] = 1 << h;
        i += 1;
    }
    (low, high)
};

/// [`data_before`] in JSON as written ([`find_json_scheme`]). A backslash
/// before an escape is not told apart from one that starts it: a `\\n`
/// read as an escaped line break can only make the search find more.
fn json_data_before(hay: &[u8], colon: usize) -> Option<usize> {
    // The length of the removed character that ends at `end`, as written.
    let removed_before = |end: usize| {
        let b = &hay[..end];
        let escape = |n: usize| b.len() >= n && b[b.len() - n] == b'\\';
        if escape(6)
            && b[b.len() - 5..b.len() - 1].eq_ignore_ascii_case(b"u000")
            && matches!(b[b.len() - 1].to_ascii_lowercase(), b'9' | b'a' | b'd')
        {
            Some(6)
        } else if escape(2) && matches!(b[b.len() - 1], b't' | b'n' | b'r') {
            Some(2)
        } else {
            b.last().is_some_and(|&c| removed(c)).then_some(1)
        }
    };
    let mut i = colon;
    for &want in b"atad" {
        while let Some(n) = removed_before(i) {
            i -= n;
        }
        i = i.checked_sub(1)?;
        if hay[i].to_ascii_lowercase() != want {
            return None;
        }
    }
    Some(i)
}

/// True when `text` holds a character reference that [`url_view`]
/// decodes to a character a URI is written with: a numeric one (`&#`), or
/// a named one of [`NAMED`] but `&amp;` (`&colon;`, `&comma;`, `&semi;`,
/// `&NewLine;`...). One pass over the places of `&`.
pub(crate) fn may_spell_a_character(text: &[u8]) -> bool {
    memchr::memchr_iter(b'&', text).any(|at| {
        let rest = &text[at + 1..];
        rest.first() == Some(&b'#')
            || NAMED
                .iter()
                .any(|&(name, c)| c != b'&' && rest.starts_with(name))
    })
}

/// True when `text` holds a `\u` escape of a letter of `data` (any
/// case), which JSON.parse turns into that letter.
fn escapes_a_scheme_letter(text: &[u8]) -> bool {
    memchr::memmem::find_iter(text, b"\\u00").any(|at| {
        matches!(
            text.get(at + 4..at + 6),
            Some(b"64" | b"44" | b"61" | b"41" | b"74" | b"54")
        )
    })
}

/// The named character references that spell a character a `data:` URI
/// is written with (those are case-sensitive: `&Colon;` is another).
const NAMED: &[(&[u8], u8)] = &[
    (b"colon;", b':'),
    (b"semi;", b';'),
    (b"comma;", b','),
    (b"sol;", b'/'),
    (b"plus;", b'+'),
    (b"equals;", b'='),
    (b"percnt;", b'%'),
    (b"Tab;", b'\t'),
    (b"NewLine;", b'\n'),
    (b"amp;", b'&'),
    (b"amp", b'&'),
];

/// The page as the URL parser gets an attribute's value: its character
/// references decoded (numeric ones, and the named ones that spell a
/// character a `data:` URI is written with), each once (`&amp;#44;` is
/// `&#44;`, not a comma). A reference to a character past ASCII becomes a
/// byte that no marker or payload holds, as that character would end one.
/// Borrowed when the page has no `&`.
pub(crate) fn url_view(page: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'&', page) else {
        return page.into();
    };
    let mut out = Vec::with_capacity(page.len());
    out.extend_from_slice(&page[..first]);
    let mut i = first;
    while i < page.len() {
        let Some(amp) = memchr::memchr(b'&', &page[i..]).map(|p| i + p) else {
            out.extend_from_slice(&page[i..]);
            break;
        };
        out.extend_from_slice(&page[i..amp]);
        i = amp + 1;
        let rest = &page[i..];
        if let Some(after) = rest.strip_prefix(b"#") {
            let (hex, digits) = match after.first() {
                Some(b'x' | b'X') => (true, &after[1..]),
                _ => (false, after),
            };
            let n = digits
                .iter()
                .take_while(|c| {
                    if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .count();
            if n > 0 {
                // The value saturates: anything past ASCII is one byte
                // that is neither a marker's nor a payload's.
                let value = digits[..n].iter().fold(0u32, |v, &c| {
                    let d = (c as char).to_digit(16).unwrap_or(0);
                    v.saturating_mul(if hex { 16 } else { 10 })
                        .saturating_add(d)
                });
                out.push(match u8::try_from(value) {
                    Ok(b) if b != 0 && b.is_ascii() => b,
                    _ => 0xff,
                });
                i += (after.len() - digits.len()) + 1 + n;
                if page.get(i) == Some(&b';') {
                    i += 1;
                }
                continue;
            }
        } else if let Some((name, c)) = NAMED.iter().find(|(name, _)| rest.starts_with(name)) {
            out.push(*c);
            i += name.len();
            continue;
        }
        out.push(b'&');
    }
    out.into()
}

/// A JSON text as its strings read once parsed: `\/`, `\n`, `\r`, `\t`,
/// `\"`, `\\` and the `\uXXXX` escapes of ASCII decoded (an app that shows
/// a string of a chat export or a notebook gets `data:...;base64,...`
/// whole, where the raw text has `application\/octet-stream` and a
/// payload cut at each escaped slash). Other escapes are kept as written.
pub(crate) fn json_view(text: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'\\', text) else {
        return text.into();
    };
    let mut out = Vec::with_capacity(text.len());
    out.extend_from_slice(&text[..first]);
    let mut i = first;
    while i < text.len() {
        let Some(bs) = memchr::memchr(b'\\', &text[i..]).map(|p| i + p) else {
            out.extend_from_slice(&text[i..]);
            break;
        };
        out.extend_from_slice(&text[i..bs]);
        let (c, used) = match text.get(bs + 1) {
            Some(b'/') => (b'/', 2),
            Some(b'n') => (b'\n', 2),
            Some(b'r') => (b'\r', 2),
            Some(b't') => (b'\t', 2),
            Some(b'"') => (b'"', 2),
            Some(b'\\') => (b'\\', 2),
            Some(b'u') => match text.get(bs + 2..bs + 6).and_then(|h| {
                let h = std::str::from_utf8(h).ok()?;
                u8::try_from(u16::from_str_radix(h, 16).ok()?).ok()
            }) {
                Some(b) if b.is_ascii() && b != 0 => (b, 6),
                _ => (b'\\', 1),
            },
            _ => (b'\\', 1),
        };
        out.push(c);
        i = bs + used;
    }
    out.into()
}

/// Tab, line feed and carriage return: the URL parser removes them from
/// wherever they are in a URL before it reads it.
fn removed(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\r')
}

/// Where the payload starts when the `;` at `semi` begins a base64 marker:
/// spaces, `base64` in any case, ASCII white space (the media type is
/// trimmed of it), then the `,`; the URL parser's removed characters
/// anywhere between. Each character is looked at once, and every loop
/// ends at the first one that does not fit.
fn marker_end(data: &[u8], semi: usize) -> Option<usize> {
    if data.get(semi) != Some(&b';') {
        return None;
    }
    let mut i = semi + 1;
    let skip = |mut i: usize, keep: fn(u8) -> bool| {
        while data.get(i).is_some_and(|&c| keep(c)) {
            i += 1;
        }
        i
    };
    i = skip(i, |c| c == b' ' || removed(c));
    for &want in b"base64" {
        i = skip(i, removed);
        if data.get(i)?.to_ascii_lowercase() != want {
            return None;
        }
        i += 1;
    }
    i = skip(i, |c| c.is_ascii_whitespace() || removed(c));
    (data.get(i) == Some(&b',')).then_some(i + 1)
}

/// Where the last `data:` (any case, the URL parser's removed characters
/// anywhere in it) starts in `hay`.
fn rfind_data(hay: &[u8]) -> Option<usize> {
    memchr::memrchr_iter(b':', hay).find_map(|colon| data_before(hay, colon))
}

/// Where the `data` that the `:` at `colon` ends starts (any case, the URL
/// parser's removed characters anywhere in it).
pub(crate) fn data_before(hay: &[u8], colon: usize) -> Option<usize> {
    let mut i = colon;
    for &want in b"atad" {
        loop {
            i = i.checked_sub(1)?;
            if !removed(hay[i]) {
                break;
            }
        }
        if hay[i].to_ascii_lowercase() != want {
            return None;
        }
    }
    Some(i)
}

/// The payload with its percent escapes decoded, as the `data:` URL
/// processor decodes them before the base64 (`%41` is an `A`, `%0A` a
/// line break); a `%` without two hex digits after it stays as it is.
pub(crate) fn percent_decode(b: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_markers_around_data() {
        assert!(has_plain_marker(b"see DATA:application/x;base64,TVqQ"));
        assert!(has_plain_marker(
            b"x data: y\nz data:application/octet-stream,%4D%5A%90%00%03"
        ));
        assert!(!has_plain_marker(b"data: {\n  a: 1;\n  base64: 2\n}\n"));
        assert!(!has_plain_marker(b"no uri; base64, at all"));
    }

    #[test]
    fn json_markers_with_escaped_scheme_letters() {
        assert!(has_json_marker(br#"{"f":"\u0064ata:x;base64,TVqQ"}"#));
        assert!(has_json_marker(
            br#"["\u0044\u0041\u0054\u0041\u003a;base64,TVqQ"]"#
        ));
        // Escapes of other characters, and a `data` key: no URI.
        assert!(!has_json_marker(
            br#"{"caf\u00e9":"d\u00e9j\u00e0","data":1}"#
        ));
        assert!(!has_json_marker(br#"{"\u0064ata":"a;b, c"}"#));
    }

    /// The URL parser removes tabs and line breaks from anywhere in a URL,
    /// the scheme too: text and JSON that split `data:` with them (as
    /// written, or escaped in a JSON string) hold a URI all the same.
    #[test]
    fn markers_whose_scheme_a_removed_character_splits() {
        for t in [
            &b"see da\nta:application/octet-stream;base64,TVqQ"[..],
            b"<a href=\"d\ta\r\nta\n:x;base64,TVqQ\">",
            b"[x](&#100;a\nta:x;base64,TVqQ)",
        ] {
            assert!(has_plain_marker(t), "{}", String::from_utf8_lossy(t));
        }
        for t in [
            &br#"{"f":"da\nta:application/octet-stream;base64,TVqQ"}"#[..],
            br#"{"f":"d\u0009a\r\nt\u000Aa\u003a;base64,TVqQ"}"#,
            b"{\"f\":\"dat\ta:x;base64,TVqQ\"}",
            br#"{"f":"\u0064a\nta:x;base64,TVqQ"}"#,
            br#"{"h":"<a href=\"da\tta&#58;x;base64,TVqQ\">"}"#,
        ] {
            assert!(has_json_marker(t), "{}", String::from_utf8_lossy(t));
        }
        // Line breaks around a `data` key, and an escaped backslash before
        // letters: no URI.
        assert!(!has_json_marker(br#"{"data":"a\nb;c, d","t":"x\\ta: y"}"#));
        assert!(!has_plain_marker(b"data\n\nnotes: a;b, c\n"));
        // The search stops at what is not removed: a space is kept.
        assert!(!has_plain_marker(b"da ta:x;base64,TVqQ"));
        assert!(!has_json_marker(br#"{"f":"da\bta:x;base64,TVqQ"}"#));
    }

    /// A URI runs from its scheme to its first comma, however far: the
    /// checks read a text from its first scheme that a comma follows, and
    /// a scheme without one opens nothing.
    #[test]
    fn markers_past_media_types_of_any_length() {
        let long = [
            &b"see data:application/x;name="[..],
            &[b'n'; 5000],
            b";base64,TVqQ",
        ]
        .concat();
        assert!(has_plain_marker(&long));
        let json = [
            &br#"{"f":"data:x;name="#[..],
            &[b'n'; 5000],
            br#";base64,TVqQ"}"#,
        ]
        .concat();
        assert!(has_json_marker(&json));
        let far = [
            &b"data: none here "[..],
            &[b' '; 5000],
            b"and <a href='data:x;base64,TVqQ'>",
        ]
        .concat();
        assert!(has_plain_marker(&far));
        // Named references to the comma, the semicolon, a line break.
        assert!(has_plain_marker(b"data:x;base64&comma;TVqQ"));
        assert!(has_plain_marker(b"data:x&semi;base64,TVqQ"));
        assert!(has_plain_marker(b"da&NewLine;ta:x;base64,TVqQ"));
        assert!(has_json_marker(br#"["data:x;base64\u002cTVqQ"]"#));
        // No comma after the scheme: no URI.
        assert!(!has_plain_marker(b"data:x;base64 TVqQ"));
        assert!(!has_json_marker(br#"{"a":"x,y","data":"data:z;base64"}"#));
        assert!(!has_plain_marker(
            b"data: the figures;base64 is a word, as is comma"
        ));
    }

    /// Every place [`scheme_candidates`] stops at.
    fn candidates(text: &[u8]) -> Vec<usize> {
        let mut seen = Vec::new();
        let _ = scheme_candidates(text, |at| {
            seen.push(at);
            None::<usize>
        });
        seen
    }

    /// [`candidates`] by the definition, a place at a time.
    fn naive_candidates(text: &[u8]) -> Vec<usize> {
        (1..text.len())
            .filter(|&at| matches!(text[at], b':' | b'\\') && ENDS.contains(&text[at - 1]))
            .collect()
    }

    /// The places the search for a JSON scheme stops at, 32 at a time,
    /// are those a byte at a time finds: every byte value before a colon
    /// and a backslash, at every place of a step and past the last one.
    #[test]
    fn scheme_candidates_are_those_of_each_place() {
        for c in 0..=255u8 {
            for len in [2usize, 33, 34, 64, 65, 97] {
                for at in [1, 31, 32, 33, len / 2, len - 1] {
                    if at >= len {
                        continue;
                    }
                    let mut t = vec![b'x'; len];
                    t[at - 1] = c;
                    t[at] = if c % 2 == 0 { b':' } else { b'\\' };
                    assert_eq!(
                        candidates(&t),
                        naive_candidates(&t),
                        "{c:#x} at {at} of {len}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn scheme_candidates_agree_on_any_text(
            text in proptest::collection::vec(
                prop_oneof![Just(b':'), Just(b'\\'), Just(b'a'), Just(b'\n'), Just(b'"'), any::<u8>()],
                0..200,
            ),
        ) {
            prop_assert_eq!(candidates(&text), naive_candidates(&text));
        }
    }

    #[test]
    fn markers_spelled_by_character_references() {
        for t in [
            &b"[x](&#100;ata:application/x-msdownload;base64,TVqQ)"[..],
            b"<a href=\"data&colon;text/html;base64,PHNj\">x</a>",
            b"&#x44;&#x41;&#x54;&#x41;&#x3a;;base64,TVqQ",
        ] {
            assert!(has_plain_marker(t), "{}", String::from_utf8_lossy(t));
        }
        assert!(has_json_marker(
            br#"{"html":"<a href=\"&#100;ata:x;base64,TVqQ\">"}"#
        ));
        // References to other characters, and a `data` word: no URI.
        assert!(!has_plain_marker(
            b"Tom &amp; Jerry &#8212; data: none; base 64, no"
        ));
        assert!(!has_json_marker(br#"{"t":"caf&#233;","data":"a;b, c"}"#));
    }

    #[test]
    fn json_strings_read_with_their_escapes() {
        assert_eq!(
            &json_view(br#"{"f":"data:a\/b;base64,TV\/q\u0041\n"}"#)[..],
            b"{\"f\":\"data:a/b;base64,TV/qA\n\"}"
        );
        assert_eq!(
            &json_view(br#"x\\y \" \u00e9 \u12 \"#)[..],
            br#"x\y " \u00e9 \u12 \"#
        );
        assert!(matches!(json_view(b"plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_inside_a_uri() {
        assert_eq!(percent_decode(b"aGVs%0AbG8%3D"), b"aGVs\nbG8=");
        assert_eq!(percent_decode(b"%61%47Vs"), b"aGVs");
        assert_eq!(percent_decode(b"ab%"), b"ab%");
        assert_eq!(percent_decode(b"a%4"), b"a%4");
        assert_eq!(percent_decode(b"a%zz"), b"a%zz");
    }

    #[test]
    fn finds_data_case_blind() {
        assert_eq!(rfind_data(b"src=\"DATA:x"), Some(5));
        assert_eq!(rfind_data(b"src=\"da\nta:x"), Some(5));
        assert_eq!(rfind_data(b"dat"), None);
        assert_eq!(rfind_data(b"data:a ata:"), Some(0));
        assert_eq!(rfind_data(b":data"), None);
    }

    #[test]
    fn character_references_are_decoded_once() {
        let view = |p: &[u8]| url_view(p).into_owned();
        assert_eq!(view(b"a&#44;b&#x2c;c&#X2C d&comma;e"), b"a,b,c, d,e");
        assert_eq!(view(b"&#0000065;&#x41&semi;&colon;"), b"AA;:");
        assert_eq!(
            view(b"&amp;#44; &amp &ampx &copy; & &#; &#x;"),
            b"&#44; & &x &copy; & &#; &#x;"
        );
        assert_eq!(view(b"&#233;&#0;&#99999999999;x"), b"\xff\xff\xffx");
        assert_eq!(view(b"&Tab;&NewLine;&tab;"), b"\t\n&tab;");
        assert!(matches!(
            url_view(b"no references"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(view(b"ends with &"), b"ends with &");
        assert_eq!(view(b"&#4"), b"\x04");
    }

    proptest::proptest! {
        /// Decoding never lengthens a page, and what has no reference in
        /// it comes out as it went in.
        #[test]
        fn the_view_is_never_longer_than_the_page(
            page in proptest::collection::vec(
                proptest::sample::select(b"&#xX09aF;:ampcolonsemiTab, ".to_vec()),
                0..200,
            )
        ) {
            let view = url_view(&page);
            proptest::prop_assert!(view.len() <= page.len());
            if !page.contains(&b'&') {
                proptest::prop_assert_eq!(&view[..], &page[..]);
            }
        }

        /// The readers of markers and percent-encoded payloads stay in
        /// bounds and move forward on any bytes a page may hold.
        #[test]
        fn uris_are_read_in_bounds(
            page in proptest::collection::vec(
                proptest::sample::select(b"data:;base64,%4a&#x2c\t\n\r \"'()<>".to_vec()),
                0..300,
            )
        ) {
            let _ = has_marker(&page);
            for i in 0..page.len() {
                if let Some(end) = marker_end(&page, i) {
                    proptest::prop_assert!(end > i && end <= page.len());
                }
            }
            let mut from = 0;
            while let Some(u) = next_percent_uri(&page, from) {
                proptest::prop_assert!(u.open < u.start && u.start <= u.end && u.end <= page.len());
                proptest::prop_assert!(u.end >= from);
                from = u.end.max(from + 1);
            }
            let _ = rfind_data(&page);
        }
    }

    #[test]
    fn where_a_percent_encoded_payload_ends() {
        fn span(p: &[u8]) -> Option<(usize, &[u8])> {
            next_percent_uri(p, 0).map(|u| (u.open, &p[u.start..u.end]))
        }
        let quoted = b"x=\"data:,%41 %42%43%44\" y";
        assert_eq!(span(quoted), Some((3, &b"%41 %42%43%44"[..])));
        let unquoted = b"url(data:,%41%42%43%44) x";
        assert_eq!(span(unquoted), Some((4, &b"%41%42%43%44"[..])));
        // Three escapes are what the page shows; base64 is the other loop's.
        assert_eq!(span(b"'data:,%41%42%43'"), None);
        assert_eq!(span(b"'data:;base64,%41%42%43%44'"), None);
        // The first one with enough escapes, past the ones without.
        let two = b"'data:,a' 'Data:,%41%42%43%44%45'";
        assert_eq!(span(two), Some((11, &b"%41%42%43%44%45"[..])));
    }

    #[test]
    fn markers_as_a_browser_reads_them() {
        for m in [
            &b";base64,"[..],
            b";BASE64,",
            b";Base64,",
            b"; base64,",
            b";   base64,",
            b";base64 ,",
            b";base64\t\x0c ,",
            b";ba\nse\r\n64,",
            b";\tbase64,",
        ] {
            assert_eq!(marker_end(m, 0), Some(m.len()), "{m:?}");
            assert!(has_marker(m), "{m:?}");
        }
        for m in [
            &b";base64"[..],
            b";base65,",
            b";base64x,",
            b";\x0cbase64,",
            b";b ase64,",
            b":base64,",
        ] {
            assert_eq!(marker_end(m, 0), None, "{m:?}");
        }
    }
}
