//! A strict check that a text is JSON (RFC 8259), or the beginning of JSON
//! when only its head was read: no value is built and nothing is kept but
//! the nesting.
//!
//! Detection uses it to call a text JSON before it looks for script
//! indicators: JSON is data, and a script engine that is made to run it
//! runs nothing (its only code-like parts are inside strings), so words in
//! its strings ("Invoke-Expression" in a chat export) are no reason to
//! call it a script.

/// The deepest nesting followed; deeper, the text is not called JSON (it
/// is then examined as any other text).
const MAX_DEPTH: usize = 256;

/// The open containers, one bit each (set: an object), without a heap.
struct Nesting {
    bits: [u64; MAX_DEPTH / 64],
    depth: usize,
}

impl Nesting {
    /// Opens a container; false past the deepest nesting followed.
    fn push(&mut self, object: bool) -> bool {
        if self.depth >= MAX_DEPTH {
            return false;
        }
        let (w, b) = (self.depth / 64, self.depth % 64);
        self.bits[w] = (self.bits[w] & !(1 << b)) | (u64::from(object) << b);
        self.depth += 1;
        true
    }

    /// Whether the innermost open container is an object.
    fn in_object(&self) -> bool {
        let d = self.depth - 1;
        self.bits[d / 64] >> (d % 64) & 1 == 1
    }
}

/// JSON's white space.
static SPACE: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

/// The index of the first byte at or after `i` that is not white space.
#[inline(always)]
fn skip_space(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && SPACE[usize::from(s[i])] {
        i += 1;
    }
    i
}

/// True when `s` is JSON values with only whitespace around and between
/// them (one document, or JSON Lines: after the first value, each starts
/// with `{` or `[`); when `cut`, also when `s` is a beginning of such a
/// text (the rest was not read).
///
/// Written as the grammar's own loops (a value; after it, `,` or the
/// container's end) rather than one state machine over every byte: a chat
/// export's head is validated in about half the time.
pub(crate) fn is_json(s: &[u8], cut: bool) -> bool {
    let mut open = Nesting {
        bits: [0; MAX_DEPTH / 64],
        depth: 0,
    };
    let mut i = skip_space(s, 0);
    let mut first = true;
    // One top-level value per turn.
    loop {
        let Some(&c) = s.get(i) else {
            return cut || !first;
        };
        if !first && c != b'{' && c != b'[' {
            return false;
        }
        first = false;
        // A value; then, inside containers, what follows it.
        'value: loop {
            let Some(&c) = s.get(i) else {
                return cut;
            };
            match c {
                b'{' | b'[' => {
                    let object = c == b'{';
                    if !open.push(object) {
                        return false;
                    }
                    i = skip_space(s, i + 1);
                    match s.get(i) {
                        None => return cut,
                        Some(b'}') if object => {
                            open.depth -= 1;
                            i += 1;
                        }
                        Some(b']') if !object => {
                            open.depth -= 1;
                            i += 1;
                        }
                        Some(_) if object => match key(s, i) {
                            Key::Value(at) => {
                                i = at;
                                continue 'value;
                            }
                            Key::RanOut => return cut,
                            Key::Bad => return false,
                        },
                        Some(_) => continue 'value,
                    }
                }
                b'"' => match string(s, i + 1) {
                    Some(end) => i = end,
                    None => return cut && ran_out(s, i),
                },
                b'-' | b'0'..=b'9' => match number(s, i) {
                    Some(end) => i = end,
                    None => return false,
                },
                b't' | b'f' | b'n' => {
                    let word: &[u8] = match c {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    let have = &s[i..s.len().min(i + word.len())];
                    if have != &word[..have.len()] {
                        return false;
                    }
                    if have.len() < word.len() {
                        return cut;
                    }
                    i += word.len();
                }
                _ => return false,
            }
            // After a value: the next one of its container, or the
            // container's end (and then after that container).
            while open.depth > 0 {
                i = skip_space(s, i);
                let Some(&c) = s.get(i) else {
                    return cut;
                };
                let object = open.in_object();
                match c {
                    b',' => {
                        i = skip_space(s, i + 1);
                        if !object {
                            continue 'value;
                        }
                        match key(s, i) {
                            Key::Value(at) => {
                                i = at;
                                continue 'value;
                            }
                            Key::RanOut => return cut,
                            Key::Bad => return false,
                        }
                    }
                    b'}' if object => {
                        open.depth -= 1;
                        i += 1;
                    }
                    b']' if !object => {
                        open.depth -= 1;
                        i += 1;
                    }
                    _ => return false,
                }
            }
            break;
        }
        i = skip_space(s, i);
    }
}

/// What a key at `i` (then its colon) comes to.
enum Key {
    /// Where its value starts (white space skipped).
    Value(usize),
    /// The text ended inside it, nothing wrong so far.
    RanOut,
    /// Not a key.
    Bad,
}

/// A key and its colon at `i`.
#[inline(always)]
fn key(s: &[u8], i: usize) -> Key {
    match s.get(i) {
        None => return Key::RanOut,
        Some(b'"') => {}
        Some(_) => return Key::Bad,
    }
    let end = match string(s, i + 1) {
        Some(end) => end,
        None if ran_out(s, i) => return Key::RanOut,
        None => return Key::Bad,
    };
    let at = skip_space(s, end);
    match s.get(at) {
        None => Key::RanOut,
        Some(b':') => Key::Value(skip_space(s, at + 1)),
        Some(_) => Key::Bad,
    }
}

/// Where the string whose body starts at `i` ends (past its closing
/// quote); `None` when it is not closed or has a bad escape or a raw
/// control character.
#[inline(always)]
fn string(s: &[u8], mut i: usize) -> Option<usize> {
    loop {
        // Ordinary characters, the most of any string: eight at a time,
        // then one at a time for the tail.
        let mut stopped = false;
        while let Some(eight) = s.get(i..i + 8) {
            let m = stops(u64::from_le_bytes(eight.try_into().unwrap_or_default()));
            if m != 0 {
                i += m.trailing_zeros() as usize / 8;
                stopped = true;
                break;
            }
            i += 8;
        }
        if !stopped {
            while i < s.len() && !STOPS[usize::from(s[i])] {
                i += 1;
            }
        }
        match *s.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match s.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = s.get(i + 2..i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            _ => return None,
        }
    }
}

/// The high bit of each byte of `w` that is a quote, a backslash or a
/// control character, and maybe of bytes above such a byte (a borrow
/// carries): the lowest bit set is always a true one, which is all the
/// caller uses.
#[inline(always)]
fn stops(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let (quote, backslash) = (w ^ (ONES * u64::from(b'"')), w ^ (ONES * u64::from(b'\\')));
    (zero(quote) | zero(backslash) | (w.wrapping_sub(ONES * 0x20) & !w)) & (ONES * 0x80)
}

/// The bytes that end a run of ordinary characters in a string: the quote,
/// the backslash and the control characters.
static STOPS: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// True when the string starting at `at` fails only because the text
/// ends inside it (a cut head), not because it is malformed.
fn ran_out(s: &[u8], at: usize) -> bool {
    let mut i = at + 1;
    while let Some(&c) = s.get(i) {
        match c {
            b'"' | 0..=0x1f => return false,
            b'\\' => match s.get(i + 1) {
                None => return true,
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => {
                    let hex = &s[(i + 2).min(s.len())..(i + 6).min(s.len())];
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return false;
                    }
                    i += 6;
                }
                Some(_) => return false,
            },
            _ => i += 1,
        }
    }
    true
}

/// Where the number starting at `i` ends: `-? int frac? exp?` as RFC 8259
/// writes it. A number cut by the end of the text is taken as it is.
fn number(s: &[u8], mut i: usize) -> Option<usize> {
    let digits = |s: &[u8], mut i: usize| {
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start || i == s.len()).then_some(i)
    };
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i) {
        Some(b'0') => i += 1,
        _ => i = digits(s, i)?,
    }
    if s.get(i) == Some(&b'.') {
        i = digits(s, i + 1)?;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(s, i)?;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The first version, a state machine over every byte: the new one is
    // checked against it on JSON-like bytes.
    /// What may come next.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Want {
        /// A value (after `:`, after `,` in an array, at the start).
        Value,
        /// A value or `]` (after `[`).
        ValueOrEnd,
        /// A key or `}` (after `{`).
        KeyOrEnd,
        /// A key (after `,` in an object).
        Key,
        /// `:` after a key.
        Colon,
        /// `,` or the end of the container, or the end of the text at the top.
        Next,
    }

    /// True when `s` is JSON values with only whitespace around and between
    /// them (one document, or JSON Lines); when `cut`, also when `s` is a
    /// beginning of such a text (the rest was not read).
    fn reference(s: &[u8], cut: bool) -> bool {
        let mut stack: Vec<u8> = Vec::new();
        let mut want = Want::Value;
        let mut i = 0;
        loop {
            while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
            }
            let Some(&c) = s.get(i) else {
                return cut || (want == Want::Next && stack.is_empty());
            };
            match (want, c) {
                // JSON Lines: the next value at the top.
                (Want::Next, b'{' | b'[') if stack.is_empty() => want = Want::Value,
                (Want::Next, b',') if !stack.is_empty() => {
                    want = if stack.last() == Some(&b'{') {
                        Want::Key
                    } else {
                        Want::Value
                    };
                    i += 1;
                }
                (Want::Next | Want::ValueOrEnd, b']') | (Want::Next | Want::KeyOrEnd, b'}') => {
                    let open = if c == b']' { b'[' } else { b'{' };
                    if stack.pop() != Some(open) {
                        return false;
                    }
                    want = Want::Next;
                    i += 1;
                }
                (Want::Colon, b':') => {
                    want = Want::Value;
                    i += 1;
                }
                (Want::Key | Want::KeyOrEnd, b'"') => match string(s, i + 1) {
                    Some(end) => {
                        want = Want::Colon;
                        i = end;
                    }
                    None => return cut && ran_out(s, i),
                },
                (Want::Value | Want::ValueOrEnd, _) => {
                    match c {
                        b'{' | b'[' => {
                            if stack.len() >= MAX_DEPTH {
                                return false;
                            }
                            stack.push(c);
                            want = if c == b'{' {
                                Want::KeyOrEnd
                            } else {
                                Want::ValueOrEnd
                            };
                            i += 1;
                            continue;
                        }
                        b'"' => match string(s, i + 1) {
                            Some(end) => i = end,
                            None => return cut && ran_out(s, i),
                        },
                        b'-' | b'0'..=b'9' => match number(s, i) {
                            Some(end) => i = end,
                            None => return false,
                        },
                        b't' | b'f' | b'n' => {
                            let word: &[u8] = match c {
                                b't' => b"true",
                                b'f' => b"false",
                                _ => b"null",
                            };
                            let have = &s[i..s.len().min(i + word.len())];
                            if have != &word[..have.len()] {
                                return false;
                            }
                            if have.len() < word.len() {
                                return cut;
                            }
                            i += word.len();
                        }
                        _ => return false,
                    }
                    want = Want::Next;
                }
                _ => return false,
            }
        }
    }

    fn whole(s: &str) -> bool {
        is_json(s.as_bytes(), false)
    }

    #[test]
    fn json_documents_are_json() {
        for s in [
            r#"{"id": 1, "from": "user1", "text": "see you at 1"}"#,
            r#"[1, -2.5, 3e10, 0, -0.0e-3, true, false, null, "a\"b\\c\u00e9\n"]"#,
            "{\"a\": {\"b\": [[], {}, [{}]]}}\n",
            r#"  [ "Invoke-Expression (New-Object Net.WebClient)" ]  "#,
            "{}",
            "[]",
            "{\"n\": 1}\n{\"n\": 2}\n[3]\n",
        ] {
            assert!(whole(s), "{s}");
        }
    }

    #[test]
    fn scripts_and_near_misses_are_not() {
        for s in [
            "{ var x = 1; }",
            "[1, 2]; eval(x)",
            "{\"a\": 1}}",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "[1,]",
            "{a: 1}",
            "['a']",
            "[01]",
            "[1.]",
            "[-]",
            "[\"a\\x\"]",
            "[\"tab\there\"]",
            "[tru]",
            "[1] x",
            "[1] 2",
            "{\"a\": 1",
            "",
        ] {
            assert!(!whole(s), "{s:?}");
        }
    }

    #[test]
    fn a_cut_head_is_json_when_what_was_read_is_a_beginning_of_it() {
        let doc = r#"{"messages": [{"from": "ann", "text": "see you \u00e9 at 10", "n": -12.5e3, "ok": true}]}"#;
        for n in 1..doc.len() {
            assert!(is_json(&doc.as_bytes()[..n], true), "{:?}", &doc[..n]);
        }
        assert!(!is_json(b"{\"a\": 1; eval(", true));
        assert!(!is_json(b"[\"a\\q", true));
    }

    fn value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        values_of(proptest::prelude::any::<String>())
    }

    /// Objects and arrays whose keys are header names and whose strings
    /// are header lines.
    fn header_keyed() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        values_of(
            proptest::sample::select(vec![
                "From",
                "To",
                "Subject",
                "Date",
                "Received",
                "MIME-Version",
                "From ",
                "x",
                "From: a@b\nTo: c@d\n",
                "\nSubject: s\n",
            ])
            .prop_map(str::to_owned),
        )
    }

    /// JSON values whose keys and strings come from `words`.
    fn values_of(
        words: impl proptest::strategy::Strategy<Value = String> + Clone + 'static,
    ) -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            words.clone().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 40, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((words.clone(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// What serde_json writes is JSON, compact or pretty, and each of
        /// its beginnings is a beginning of JSON.
        #[test]
        fn serde_json_output_is_json_and_so_are_its_beginnings(
            v in value(),
            pretty in proptest::prelude::any::<bool>(),
        ) {
            let s = if pretty {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                serde_json::to_string(&v).unwrap()
            };
            proptest::prop_assert!(is_json(s.as_bytes(), false));
            for n in 0..s.len() {
                proptest::prop_assert!(is_json(&s.as_bytes()[..n], true), "{:?}", &s.as_bytes()[..n]);
            }
        }

        /// On bytes made of JSON's own pieces, the same answer as the
        /// first version, whole or cut.
        #[test]
        fn the_same_answers_as_the_state_machine(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "{", "}", "[", "]", ":", ",", " ", "\n", "\"", "\"k\"", "\"v\\n\"", "\\",
                "1", "-", "0", ".5", "e3", "true", "fal", "se", "null", "x", "\t",
            ]), 0..40),
            cut: bool,
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(is_json(text.as_bytes(), cut), reference(text.as_bytes(), cut), "{:?}", text);
        }

        /// JSON is never a message (text detection tells JSON first):
        /// documents and JSON Lines whose keys and strings are header
        /// names and whole header lines, compact or pretty, whole or cut.
        #[test]
        fn json_never_reads_as_a_message(
            vs in proptest::collection::vec(header_keyed(), 1..4),
            pretty in proptest::prelude::any::<bool>(),
        ) {
            let s = vs
                .iter()
                .map(|v| if pretty { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) }.unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            for n in (0..=s.len()).filter(|n| s.is_char_boundary(*n)) {
                let cut = n < s.len();
                if is_json(&s.as_bytes()[..n], cut) {
                    proptest::prop_assert!(!crate::detect::mail::is_message(&s[..n]), "{:?}", &s[..n]);
                }
            }
        }

        /// Any bytes: an answer, and never a panic.
        #[test]
        fn any_bytes_get_an_answer(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300), cut: bool) {
            let _ = is_json(&b, cut);
        }
    }

    #[test]
    fn the_eight_byte_test_finds_the_first_stop_wherever_it_is() {
        for stop in [b'"', b'\\', 0, 0x1f, b'\n'] {
            for at in 0..8 {
                for fill in [b'a', 0x20, 0x7f, 0x80, 0xff, b'"' + 1, b'\\' + 1] {
                    let mut w = [fill; 8];
                    w[at] = stop;
                    // Every byte after the stop a stop as well, or none.
                    for after in [fill, stop] {
                        w[at + 1..].fill(after);
                        let m = stops(u64::from_le_bytes(w));
                        assert_eq!(m.trailing_zeros() as usize / 8, at, "{w:?}");
                    }
                }
            }
            assert_eq!(stops(u64::from_le_bytes([b'a'; 8])), 0);
        }
        let none: Vec<u8> = (0x20..=0xffu8)
            .filter(|b| !STOPS[usize::from(*b)])
            .collect();
        for w in none.chunks_exact(8) {
            assert_eq!(stops(u64::from_le_bytes(w.try_into().unwrap())), 0, "{w:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(!whole(&deep));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(whole(&ok));
    }
}
