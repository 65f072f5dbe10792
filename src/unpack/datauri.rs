//! Base64 `data:` URIs in HTML and XML (SVG): HTML smuggling carries a
//! whole program in one, which a browser turns back into a download. Each
//! is decoded and scanned as a child; what a raw pass sees is only base64.
//!
//! The URI is read as a browser reads it (the URL parser, then WHATWG
//! fetch's `data:` URL processor), not as a writer usually spells it: the
//! scheme and `base64` in any case, spaces between the `;` and `base64`,
//! white space before the `,`, a tab or line break anywhere (the URL parser
//! removes them), and percent escapes in the payload, decoded before the
//! base64 is. `;BASE64,` or `; base64,` is a download to a browser, and
//! must be one here.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::report::Origin;

/// How far before the `;` of `;base64,` the `data:` that opens the URI may
/// be (the media type and its parameters lie between).
const MAX_MEDIA_TYPE: usize = 256;

/// Decoded payloads shorter than this (tracking pixels, bullets) are left
/// to the raw pass: they hold no program.
const MIN_PAYLOAD: usize = 16;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let mut listed = 0u64;
    // Past the last payload or marker: nothing is read twice, so a page
    // of nothing but markers costs one pass.
    let mut resume = 0usize;
    for semi in memchr::memchr_iter(b';', &data[..]) {
        if semi < resume {
            continue;
        }
        let Some(start) = marker_end(data, semi) else {
            continue;
        };
        let from = semi.saturating_sub(MAX_MEDIA_TYPE).max(resume);
        resume = start;
        let Some(open) = rfind_data(&data[from..semi]) else {
            continue;
        };
        // The payload runs as long as base64 (and the white space and
        // percent escapes that pages put in it) does.
        let len = data[start..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || b"+/=%\r\n\t\x0c ".contains(&c)))
            .unwrap_or(data.len() - start);
        resume = start + len;
        let decoded = super::decode::base64(&percent_decode(&data[start..start + len]));
        if decoded.len() < MIN_PAYLOAD {
            continue;
        }
        if listed >= ctx.budget.objects_left() {
            out.entries_cut(listed as usize);
            break;
        }
        listed += 1;
        let name = format!("<data uri @{}>", from + open);
        out.push_drained(name, Origin::Decoded, ctx.budget.take(decoded));
    }
    out
}

/// True when `data` holds a base64 `data:` URI's marker (`;base64,` as a
/// browser reads it), so that a page has one to decode.
pub(crate) fn has_marker(data: &[u8]) -> bool {
    memchr::memchr_iter(b';', data).any(|semi| marker_end(data, semi).is_some())
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
    memchr::memrchr_iter(b':', hay).find_map(|colon| {
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
    })
}

/// The payload with its percent escapes decoded, as the `data:` URL
/// processor decodes them before the base64 (`%41` is an `A`, `%0A` a
/// line break); a `%` without two hex digits after it stays as it is.
fn percent_decode(b: &[u8]) -> Vec<u8> {
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
