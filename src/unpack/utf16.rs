//! Text in UTF-16 (Windows editors save it so: PowerShell ISE, Notepad's
//! "Unicode", `.reg` exports): detection reads it as text, but a page's
//! `data:` URIs and `<script>` elements, a script's payloads and every
//! signature written for text are ASCII, which UTF-16 spells with a zero
//! byte between letters. Such text gets one child, the same text in UTF-8,
//! which the engine detects, matches and unpacks as it does any text.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::format::utf16::{decode, form};
use crate::report::Origin;
use crate::types::FileType;

/// True when `t` is a type of text and `data` is in UTF-16.
pub(crate) fn has_work(t: FileType, data: &[u8]) -> bool {
    t.is_text_or_script() && form(data).is_some()
}

/// The text in UTF-8, as one child; a unit that is no character (a lone
/// surrogate) becomes U+FFFD. Its size follows the bytes really there.
pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let Some(form) = form(data) else {
        return out;
    };
    let text = decode(&data[form.skip..], form.big);
    let drained = ctx.budget.take(text.into_bytes());
    out.push_drained("<utf-8 text>".to_owned(), Origin::Decoded, drained);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::known;

    #[test]
    fn text_types_in_utf16_have_work() {
        let mut bom = vec![0xff, 0xfe];
        bom.extend("<html>".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(has_work(known::HTML, &bom));
        assert!(!has_work(known::HTML, b"<html>"));
        assert!(!has_work(known::ZIP, &bom));
    }
}
