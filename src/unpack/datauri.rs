//! Base64 and percent-encoded `data:` URIs in HTML and XML (SVG): HTML
//! smuggling carries a whole program in one, which a browser turns back
//! into a download. Each is decoded and scanned as a child; what a raw
//! pass sees is only the encoding. `format::datauri` finds them as a
//! browser reads them (an offset in a child's name is one in its reading
//! of the page, with character references decoded).

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::format::datauri::{self as uri, Uri};
use crate::report::Origin;

/// Decoded payloads shorter than this (tracking pixels, bullets) are left
/// to the raw pass: they hold no program.
const MIN_PAYLOAD: usize = 16;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    unpack_view(&uri::url_view(data), ctx)
}

/// The URIs in a JSON text's strings, read with their escapes decoded
/// (offsets in the children's names are in that reading).
pub(crate) fn unpack_json(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    unpack_view(&uri::url_view(&uri::json_view(data)), ctx)
}

fn unpack_view(data: &[u8], ctx: &mut Ctx<'_>) -> Unpacked {
    // Each kind's URIs in turn, each payload read once.
    let walk = |next: fn(&[u8], usize) -> Option<Uri>| {
        let mut from = 0;
        std::iter::from_fn(move || {
            let u = next(data, from)?;
            from = u.end;
            Some(u)
        })
    };
    let base64 = walk(uri::next_base64_uri).map(|u| {
        let payload = uri::percent_decode(&data[u.start..u.end]);
        (u.open, super::decode::base64(&payload))
    });
    let percent =
        walk(uri::next_percent_uri).map(|u| (u.open, uri::percent_payload(&data[u.start..u.end])));
    let mut out = Unpacked::default();
    let mut listed = 0u64;
    for (open, decoded) in base64.chain(percent) {
        if decoded.len() < MIN_PAYLOAD {
            continue;
        }
        if listed >= ctx.budget.objects_left() {
            out.entries_cut(listed as usize);
            break;
        }
        listed += 1;
        let name = format!("<data uri @{open}>");
        out.push_drained(name, Origin::Decoded, ctx.budget.take(decoded));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::format::datauri::{has_json_marker, has_plain_marker};
    use crate::limits::Limits;
    use proptest::prelude::*;

    fn decodes(text: &[u8], json: bool) -> bool {
        let limits = Limits::default();
        let mut budget = Budget::new(&limits);
        let mut ctx = Ctx {
            budget: &mut budget,
            passwords: &[],
            zeros_after: 0,
        };
        let data = Bytes::copy_from_slice(text);
        let out = if json {
            unpack_json(&data, &mut ctx)
        } else {
            unpack(&data, &mut ctx)
        };
        !out.children.is_empty()
    }

    /// Pieces of text around and between URIs.
    const PIECES: &[&str] = &[
        "data",
        "DATA",
        ":",
        ",",
        ";",
        "base64",
        " ",
        "\n",
        "\"",
        "'",
        "<a href=\"",
        ">",
        ")",
        "x",
        "\\",
        "&amp;",
        "%41",
        "=",
    ];

    /// A letter of the scheme, as written or escaped for JSON or a page.
    fn letter(c: char) -> impl Strategy<Value = String> {
        prop_oneof![
            Just(c.to_string()),
            Just(c.to_ascii_uppercase().to_string()),
            Just(format!("\\u{:04x}", c as u32)),
            Just(format!("&#{};", c as u32)),
        ]
    }

    /// What the URL parser removes, as written or escaped, or nothing.
    fn removed() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(
            &[
                "",
                "",
                "\n",
                "\\n",
                "\t",
                "\\t",
                "\\u000a",
                "&NewLine;",
                "&Tab;",
            ][..],
        )
    }

    prop_compose! {
        /// A URI in one of the spellings a browser or a JSON parser reads.
        fn uri()(
            d in letter('d'), r1 in removed(), a in letter('a'), t in letter('t'), r2 in removed(),
            a2 in letter('a'), r3 in removed(),
            colon in proptest::sample::select(&[":", ":", "\\u003a", "&#58;", "&colon;"][..]),
            media in proptest::sample::select(&["", "application/octet-stream", "text/plain;name="][..]),
            long in 0usize..700,
            marker in proptest::sample::select(&[";base64", ";BASE64", "; base64", "&semi;base64", ";ba\nse64", ""][..]),
            comma in proptest::sample::select(&[",", ",", "\\u002c", "&comma;", "&#44;", " ,"][..]),
            quote in proptest::sample::select(&["", "\"", "'"][..]),
        ) -> String {
            let payload = if marker.is_empty() {
                "%4D%5A%90%00%03 %00%00%00%04%00%00%00%FF%FF%00%00%B8"
            } else {
                "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA"
            };
            let name = if media.ends_with('=') { "n".repeat(long) } else { String::new() };
            format!("{quote}{d}{r1}{a}{t}{r2}{a2}{r3}{colon}{media}{name}{marker}{comma}{payload}{quote}")
        }
    }

    proptest! {
        /// The checks that decide whether this unpacker runs on a text
        /// and on JSON say yes wherever it decodes a payload: a payload
        /// behind a no is one that no scan reads.
        #[test]
        fn the_checks_pass_over_no_uri_the_unpacker_decodes(
            before in proptest::collection::vec(proptest::sample::select(PIECES), 0..8),
            uri in proptest::option::of(uri()),
            after in proptest::collection::vec(proptest::sample::select(PIECES), 0..8),
        ) {
            let text = format!("{}{}{}", before.concat(), uri.unwrap_or_default(), after.concat()).into_bytes();
            prop_assert!(!decodes(&text, false) || has_plain_marker(&text));
            prop_assert!(!decodes(&text, true) || has_json_marker(&text));
        }
    }
}
