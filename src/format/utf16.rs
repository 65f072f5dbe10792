//! Text in UTF-16: how it is laid out, and its characters. One reader for
//! text detection, the tag reader and the unpacker that gives UTF-16 text
//! its UTF-8 reading.

/// How a text is laid out in UTF-16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Form {
    /// Bytes of byte order mark before the text.
    pub skip: usize,
    /// Big-endian.
    pub big: bool,
}

/// The UTF-16 form of `data`: a byte order mark, or, without one, ASCII's
/// zero bytes at every odd offset of the first 64 bytes after a first byte
/// that is not zero (little-endian, as Windows writes it), or at every even
/// offset before a second byte that is not zero (big-endian: Notepad and
/// the script hosts' text sniffing read it too).
pub(crate) fn form(data: &[u8]) -> Option<Form> {
    let zero_every_other =
        |from: usize| data.iter().skip(from).step_by(2).take(32).all(|&b| b == 0);
    match data {
        [0xff, 0xfe, ..] => Some(Form {
            skip: 2,
            big: false,
        }),
        [0xfe, 0xff, ..] => Some(Form { skip: 2, big: true }),
        _ if data.len() >= 8 && data[0] != 0 && zero_every_other(1) => Some(Form {
            skip: 0,
            big: false,
        }),
        _ if data.len() >= 8 && data[1] != 0 && zero_every_other(0) => {
            Some(Form { skip: 0, big: true })
        }
        _ => None,
    }
}

/// The characters of `body` read as UTF-16; a unit that is no character (a
/// lone surrogate) becomes U+FFFD, an odd last byte is dropped.
pub(crate) fn decode(body: &[u8], big: bool) -> String {
    let units = body.chunks_exact(2).map(|c| {
        let pair = [c[0], c[1]];
        if big {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_characters() {
        let le: Vec<u8> = "<html>".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "<html>".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bom_le = [&[0xff, 0xfe][..], &le].concat();
        let bom_be = [&[0xfe, 0xff][..], &be].concat();
        assert_eq!(
            form(&bom_le),
            Some(Form {
                skip: 2,
                big: false
            })
        );
        assert_eq!(form(&bom_be), Some(Form { skip: 2, big: true }));
        assert_eq!(
            form(&le),
            Some(Form {
                skip: 0,
                big: false
            })
        );
        assert_eq!(form(&be), Some(Form { skip: 0, big: true }));
        assert_eq!(form(b"plain ASCII text"), None);
        // Zeros alone are no text in either order.
        assert_eq!(form(&[0u8; 64]), None);
        assert_eq!(decode(&bom_le[2..], false), "<html>");
        assert_eq!(decode(&bom_be[2..], true), "<html>");
        // A lone surrogate and an odd last byte.
        assert_eq!(decode(&[0x00, 0xd8, b'a', 0, b'b'], false), "\u{fffd}a");
    }
}
