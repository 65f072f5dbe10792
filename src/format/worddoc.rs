//! The field instructions of a Word 97-2003 document: in its
//! `WordDocument` stream, each field is its begin mark (0x13), its
//! instruction, a separator (0x14) and its result, and an end mark (0x15),
//! in the document's text, which Word stores as 8-bit or as UTF-16LE
//! pieces. The pieces are found here by those marks in the raw stream,
//! both ways, rather than through the piece table: a document that Word
//! saved whole keeps each field's instruction in one piece.
//!
//! Pure; linear in the stream, with at most [`MAX_FIELDS`] instructions of
//! [`MAX_FIELD`] characters.

/// Most instructions read from one stream.
pub(crate) const MAX_FIELDS: usize = 256;

/// Longest instruction kept, in characters.
pub(crate) const MAX_FIELD: usize = 1024;

/// A character that ends an instruction: a separator, an end, or the begin
/// of a nested field.
fn ends(c: u16) -> bool {
    matches!(c, 0x13..=0x15)
}

/// Text that can be an instruction: printable, or a tab or line break.
fn is_text(c: u16) -> bool {
    c >= 0x20 || matches!(c, 0x09 | 0x0a | 0x0d | 0x0b)
}

/// The instructions of the fields in `stream` that start with a letter or
/// a space (what an instruction starts with), as 8-bit text and as
/// UTF-16LE text.
pub(crate) fn field_instructions(stream: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for at in memchr::memchr_iter(0x13, stream) {
        if out.len() >= MAX_FIELDS {
            break;
        }
        // 8-bit.
        let narrow = read(stream[at + 1..].iter().map(|&b| u16::from(b)), |c| {
            char::from_u32(u32::from(c)).unwrap_or('\u{fffd}')
        });
        if let Some(text) = narrow {
            out.push(text);
            continue;
        }
        // UTF-16LE: the mark is a unit `13 00`.
        if stream.get(at + 1) == Some(&0) {
            let units = stream[at + 2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]));
            let wide = read(units, |c| {
                char::from_u32(u32::from(c)).unwrap_or('\u{fffd}')
            });
            if let Some(text) = wide {
                out.push(text);
            }
        }
    }
    out
}

/// The instruction that `units` start with, up to its end mark, when it is
/// text that starts as one does.
fn read(units: impl Iterator<Item = u16>, to_char: impl Fn(u16) -> char) -> Option<String> {
    let mut text = String::new();
    let mut ended = false;
    for c in units.take(MAX_FIELD) {
        if ends(c) {
            ended = true;
            break;
        }
        if !is_text(c) {
            return None;
        }
        text.push(to_char(c));
    }
    let first = text.chars().next()?;
    (ended && (first == ' ' || first.is_ascii_alphabetic())).then(|| text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_narrow_and_wide_text() {
        let mut s =
            b"\x00\x01junk\x13 DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\" \x14result\x15more"
                .to_vec();
        let wide: Vec<u8> = "\u{13} PAGE \u{14}1\u{15}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        s.extend(&wide);
        assert_eq!(
            field_instructions(&s),
            ["DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\"", "PAGE"]
        );
        // A nested field ends the outer instruction where it begins.
        assert_eq!(
            field_instructions(b"\x13 DDEAUTO \x13 QUOTE 99 \x14c\x15\x14x\x15"),
            ["DDEAUTO", "QUOTE 99"]
        );
        // Binary bytes after a 0x13 are no instruction.
        assert!(field_instructions(b"\x13\x01\x02\x14\x13 no end").is_empty());
    }
}
