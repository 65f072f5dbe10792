//! Base64 `data:` URIs in HTML and XML (SVG): HTML smuggling carries a
//! whole program in one, which a browser turns back into a download. Each
//! is decoded and scanned as a child; what a raw pass sees is only base64.

use bytes::Bytes;
use memchr::memmem;

use super::{Ctx, Unpacked};
use crate::report::Origin;

/// How far before `;base64,` the `data:` that opens the URI may be (the
/// media type and its parameters lie between).
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
    for marker in memmem::find_iter(&data[..], b";base64,") {
        if marker < resume {
            continue;
        }
        let from = marker.saturating_sub(MAX_MEDIA_TYPE).max(resume);
        resume = marker + b";base64,".len();
        let Some(open) = rfind_ascii_ci(&data[from..marker], b"data:") else {
            continue;
        };
        let start = marker + b";base64,".len();
        // The payload runs as long as base64 (and the white space and
        // escaped line breaks that pages put in it) does.
        let len = data[start..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || b"+/=%\r\n\t ".contains(&c)))
            .unwrap_or(data.len() - start);
        resume = start + len;
        let decoded = super::decode::base64(&strip_escaped_breaks(&data[start..start + len]));
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

/// The last case-insensitive occurrence of `needle` (lowercase ASCII).
fn rfind_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=hay.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// The payload without its percent escapes (`%0A`, `%20` and the like,
/// as pages put them inside a URI), `%3D` read as `=`.
fn strip_escaped_breaks(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            // An escape's hex digits are base64 letters: drop them all,
            // keeping only the padding it may stand for.
            if let Some(b"3D" | b"3d") = b.get(i + 1..i + 3) {
                out.push(b'=');
            }
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
        assert_eq!(strip_escaped_breaks(b"aGVs%0AbG8%3D"), b"aGVsbG8=");
        assert_eq!(strip_escaped_breaks(b"ab%"), b"ab");
    }

    #[test]
    fn finds_data_case_blind() {
        assert_eq!(rfind_ascii_ci(b"src=\"DATA:x", b"data:"), Some(5));
        assert_eq!(rfind_ascii_ci(b"dat", b"data:"), None);
    }
}
