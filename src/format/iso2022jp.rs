//! ISO-2022-JP, the 7-bit encoding of Japanese mail and pages, decoded as
//! the WHATWG Encoding Standard (every browser) decodes it. Escape
//! sequences switch between ASCII, JIS-Roman, half-width katakana and
//! JIS X 0208 two-byte characters; a switch that changes nothing outputs
//! nothing, so `da<ESC>(Bta:` is `data:` to a browser while a reader of
//! the raw bytes never sees the word.
//!
//! Only the structure matters here: a JIS X 0208 character becomes
//! U+3013 (GETA MARK) rather than its own character, since no check reads
//! Japanese, and what is not ASCII stays apart from the ASCII around it.

/// The escape sequences that switch the decoder's state: ASCII, JIS-Roman,
/// katakana, and the two JIS X 0208 ones.
const ESCAPES: [&[u8]; 5] = [b"\x1b(B", b"\x1b(J", b"\x1b(I", b"\x1b$@", b"\x1b$B"];

/// True when `data` holds an ISO-2022-JP escape sequence.
pub(crate) fn has_escapes(data: &[u8]) -> bool {
    memchr::memchr_iter(0x1b, data).any(|at| ESCAPES.iter().any(|e| data[at..].starts_with(e)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Ascii,
    Roman,
    Katakana,
    LeadByte,
    TrailByte,
    EscapeStart,
    Escape,
}

/// `data` decoded to UTF-8; an error is U+FFFD, as the standard has it.
#[cfg(any(test, feature = "_fuzz"))]
pub(crate) fn decode(data: &[u8]) -> String {
    decode_at_most(data, usize::MAX).0
}

/// `data` decoded to UTF-8, at most `limit` bytes of it (whole
/// characters), and whether there was more: the decoder stops there
/// rather than decode all and cut.
pub(crate) fn decode_at_most(data: &[u8], limit: usize) -> (String, bool) {
    let mut out = String::with_capacity(data.len().min(limit));
    let (mut state, mut output_state) = (State::Ascii, State::Ascii);
    let mut lead = 0u8;
    // True right after an escape sequence that has output nothing yet.
    let mut output = false;
    let mut i = 0;
    while i < data.len() && out.len() <= limit {
        let b = data[i];
        i += 1;
        match state {
            State::Ascii | State::Roman => match b {
                0x1b => state = State::EscapeStart,
                0x0e | 0x0f | 0x80.. => {
                    output = false;
                    out.push('\u{fffd}');
                }
                0x5c if state == State::Roman => {
                    output = false;
                    out.push('\u{a5}');
                }
                0x7e if state == State::Roman => {
                    output = false;
                    out.push('\u{203e}');
                }
                _ => {
                    output = false;
                    out.push(char::from(b));
                }
            },
            State::Katakana => match b {
                0x1b => state = State::EscapeStart,
                0x21..=0x5f => {
                    output = false;
                    out.push(char::from_u32(0xff61 - 0x21 + u32::from(b)).unwrap_or('\u{fffd}'));
                }
                _ => {
                    output = false;
                    out.push('\u{fffd}');
                }
            },
            State::LeadByte => match b {
                0x1b => state = State::EscapeStart,
                0x21..=0x7e => {
                    output = false;
                    lead = b;
                    state = State::TrailByte;
                }
                _ => {
                    output = false;
                    out.push('\u{fffd}');
                }
            },
            State::TrailByte => {
                if b == 0x1b {
                    state = State::EscapeStart;
                    out.push('\u{fffd}');
                } else {
                    state = State::LeadByte;
                    let valid = (0x21..=0x7e).contains(&b) && lead != 0;
                    out.push(if valid { '\u{3013}' } else { '\u{fffd}' });
                }
            }
            State::EscapeStart => {
                if b == b'$' || b == b'(' {
                    lead = b;
                    state = State::Escape;
                } else {
                    // The byte is read again in the state before.
                    i -= 1;
                    output = false;
                    state = output_state;
                    out.push('\u{fffd}');
                }
            }
            State::Escape => {
                let to = match (lead, b) {
                    (b'(', b'B') => Some(State::Ascii),
                    (b'(', b'J') => Some(State::Roman),
                    (b'(', b'I') => Some(State::Katakana),
                    (b'$', b'@' | b'B') => Some(State::LeadByte),
                    _ => None,
                };
                lead = 0;
                match to {
                    Some(to) => {
                        state = to;
                        output_state = to;
                        if output {
                            out.push('\u{fffd}');
                        }
                        output = true;
                    }
                    None => {
                        // The lead and this byte are read again.
                        i -= 2;
                        output = false;
                        state = output_state;
                        out.push('\u{fffd}');
                    }
                }
            }
        }
    }
    // A sequence cut by the end; an escape's lead is read again.
    if matches!(state, State::TrailByte | State::EscapeStart | State::Escape) {
        out.push('\u{fffd}');
    }
    if state == State::Escape {
        out.push(char::from(lead));
    }
    let more = i < data.len() || out.len() > limit;
    if out.len() > limit {
        let mut cut = limit;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    (out, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_that_changes_nothing_outputs_nothing() {
        assert_eq!(
            decode(b"da\x1b(Bta:text/html;bas\x1b(Be64,"),
            "data:text/html;base64,"
        );
        assert!(has_escapes(b"da\x1b(Bta"));
        assert!(!has_escapes(b"\x1b[31mred\x1b[0m"));
    }

    #[test]
    fn japanese_and_katakana_stay_apart_from_ascii() {
        // "日本" in JIS X 0208, then ASCII again.
        assert_eq!(decode(b"a\x1b$BF|K\\\x1b(Bb"), "a\u{3013}\u{3013}b");
        assert_eq!(decode(b"\x1b(I1\x1b(B"), "\u{ff71}");
        assert_eq!(decode(b"\x1b(J\\~"), "\u{a5}\u{203e}");
    }

    #[test]
    fn errors_are_replacement_characters_never_panics() {
        // Two escapes with nothing between them.
        assert_eq!(decode(b"\x1b(B\x1b(Ba"), "\u{fffd}a");
        // An escape that is no known one: its bytes read again.
        assert_eq!(decode(b"\x1b(Zx"), "\u{fffd}(Zx");
        assert_eq!(decode(b"\x1bx"), "\u{fffd}x");
        assert_eq!(decode(b"\x1b$BF"), "\u{fffd}");
        assert_eq!(decode(b"\x1b"), "\u{fffd}");
        assert_eq!(decode(b"\x1b$"), "\u{fffd}$");
        assert_eq!(decode(b"\xff"), "\u{fffd}");
        // Stopped at a limit, on a character's boundary.
        assert_eq!(decode_at_most(b"abc", 3), ("abc".into(), false));
        assert_eq!(decode_at_most(b"abcd", 3), ("abc".into(), true));
        assert_eq!(decode_at_most(b"a\x1b$BF|", 2), ("a".into(), true));
        for n in 0..=255u8 {
            for m in 0..=255u8 {
                let _ = decode(&[0x1b, b'$', b'B', n, m, 0x1b, n]);
            }
        }
    }
}
