//! Text in UTF-16 (Windows editors save it so: PowerShell ISE, Notepad's
//! "Unicode", `.reg` exports): detection reads it as text, but a page's
//! `data:` URIs and `<script>` elements, a script's payloads and every
//! signature written for text are ASCII, which UTF-16 spells with a zero
//! byte between letters. Such text gets one child, the same text in UTF-8,
//! which the engine detects, matches and unpacks as it does any text.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::report::Origin;
use crate::types::{FileType, TypeGroup};

/// How a text is laid out in UTF-16, when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Little-endian; the number of bytes of byte order mark before it.
    Le(usize),
    /// Big-endian, after its byte order mark.
    Be,
}

/// The UTF-16 form of `data`: a byte order mark, or (little-endian, as
/// Windows writes it without one) ASCII's zero bytes at every odd offset of
/// the first 64 bytes. What detection accepts as UTF-16 text.
fn form(data: &[u8]) -> Option<Form> {
    match data {
        [0xff, 0xfe, ..] => Some(Form::Le(2)),
        [0xfe, 0xff, ..] => Some(Form::Be),
        _ if data.len() >= 8
            && data[0] != 0
            && data.iter().skip(1).step_by(2).take(32).all(|&b| b == 0) =>
        {
            Some(Form::Le(0))
        }
        _ => None,
    }
}

/// True when `t` is a type of text and `data` is in UTF-16.
pub(crate) fn has_work(t: FileType, data: &[u8]) -> bool {
    matches!(
        t.group(),
        TypeGroup::Text | TypeGroup::WindowsScript | TypeGroup::OtherScript
    ) && form(data).is_some()
}

/// The text in UTF-8, as one child; a unit that is no character (a lone
/// surrogate) becomes U+FFFD. Its size follows the bytes really there.
pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let Some(form) = form(data) else {
        return out;
    };
    let (body, big) = match form {
        Form::Le(bom) => (&data[bom..], false),
        Form::Be => (&data[2..], true),
    };
    let units = body.chunks_exact(2).map(|c| {
        let pair = [c[0], c[1]];
        if big {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    let drained = ctx.budget.take(text.into_bytes());
    out.push_drained("<utf-8 text>".to_owned(), Origin::Decoded, drained);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::known;

    fn le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn forms_of_utf16() {
        let mut bom = vec![0xff, 0xfe];
        bom.extend(le("<html>"));
        assert_eq!(form(&bom), Some(Form::Le(2)));
        assert_eq!(form(&le("Write-Host hello")), Some(Form::Le(0)));
        let be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain("<html>".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(form(&be), Some(Form::Be));
        assert_eq!(form(b"plain ASCII text"), None);
        assert!(has_work(known::HTML, &bom));
        assert!(!has_work(known::HTML, b"<html>"));
        assert!(!has_work(known::ZIP, &bom));
    }
}
