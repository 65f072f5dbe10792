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
