//! Text in ISO-2022-JP (Japanese mail and pages): browsers and mail
//! clients decode its escape sequences away, so a `data:` URI or a script
//! can be split by escapes that a reader of the raw bytes stops at. Text
//! that holds such escapes gets one child, the same text decoded to UTF-8,
//! which the engine detects, matches and unpacks as it does any text.
//! Whether the text declares the charset does not matter: the sender
//! writes the declaration, and a browser also guesses it.

use super::{Ctx, Unpacked};
use crate::format::iso2022jp::{decode_at_most, has_escapes};
use crate::report::Origin;
use crate::types::{FileType, known};

/// True when `t` is a type of text and `data` holds ISO-2022-JP escapes.
pub(crate) fn has_work(t: FileType, data: &[u8]) -> bool {
    t.is_text_or_script() && t != known::UTF16_TEXT && has_escapes(data)
}

/// The text decoded, as one child of `out`; the decoder stops where the
/// budget does.
pub(crate) fn unpack(data: &[u8], ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let drained = ctx.budget.fill(0, |o, cap, _| {
        let (text, more) = decode_at_most(data, usize::try_from(cap).unwrap_or(usize::MAX));
        *o = text.into_bytes();
        Ok(more)
    });
    out.push_drained(
        "<text decoded from ISO-2022-JP>".to_owned(),
        Origin::Decoded,
        drained,
    );
}
