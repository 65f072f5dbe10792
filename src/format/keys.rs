//! Which of a few key bytes a text holds, found in one pass.
//!
//! Each marker that every text is asked about is found by a byte that
//! opens or closes it: the `|` of a DDE formula, the `<` of an element or
//! a `<script`, the `:` of `data:` (or the `&` of a character reference
//! that spells it), the `(` of BinHex's banner, the `^` of an encoded
//! script's `#@~^`, the NUL that every archive or executable glued inside
//! has in its headers. Prose holds few of them, and each search went over
//! all of a text that held none: seven passes of `memchr`. One pass that
//! looks each byte up by its two nibbles answers all seven, and a search
//! runs only where its byte is there.
//!
//! A [`KeyBytes`] answers for the bytes it was made from and no others;
//! [`KeyBytes::ANY`] (also the default) says that every key may be there,
//! for callers that did not look, so that forgetting to look skips no
//! check.

/// The key bytes, one bit each (bit `i` for `KEYS[i]`).
const KEYS: [u8; 7] = [0, b'&', b'(', b':', b'<', b'^', b'|'];

/// Two tables indexed by a nibble: entry `n` of the first holds the bits
/// of the keys whose low nibble is `n`, of the second those whose high
/// nibble is. A byte is key `i` when bit `i` is set in both of its
/// nibbles' entries (each key has a bit of its own, so the two lookups
/// together name exactly its byte). No key is above 0x7f: the second
/// table's entries for 8 to 15 are 0.
const TABLES: ([u8; 16], [u8; 16]) = {
    let (mut low, mut high) = ([0u8; 16], [0u8; 16]);
    let mut i = 0;
    while i < KEYS.len() {
        low[(KEYS[i] & 0x0f) as usize] |= 1 << i;
        high[(KEYS[i] >> 4) as usize] |= 1 << i;
        i += 1;
    }
    (low, high)
};

/// The key bytes that a text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyBytes(u8);

impl Default for KeyBytes {
    /// [`KeyBytes::ANY`]: a check is skipped only where a pass has looked.
    fn default() -> Self {
        Self::ANY
    }
}

impl KeyBytes {
    /// Every key may be there (nobody looked).
    pub(crate) const ANY: KeyBytes = KeyBytes(u8::MAX);

    /// The keys that `data` holds.
    pub(crate) fn of(data: &[u8]) -> KeyBytes {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return KeyBytes(unsafe { bits_avx2(data) });
        }
        KeyBytes(bits(data))
    }

    /// The keys of these bytes followed by `rest`.
    pub(crate) fn then(self, rest: &[u8]) -> KeyBytes {
        if rest.is_empty() {
            return self;
        }
        KeyBytes(self.0 | KeyBytes::of(rest).0)
    }

    /// False only when `byte` is a key and the bytes looked at hold none
    /// of it. A byte that is not a key may be there.
    pub(crate) fn may_hold(self, byte: u8) -> bool {
        debug_assert!(KEYS.contains(&byte), "{byte:#x} is not a key byte");
        match KEYS.iter().position(|&k| k == byte) {
            Some(i) => self.0 & (1 << i) != 0,
            None => true,
        }
    }
}

/// The keys' bits of `data`, a byte at a time.
fn bits(data: &[u8]) -> u8 {
    let (low, high) = TABLES;
    data.iter().fold(0, |acc, &c| {
        acc | (low[usize::from(c & 0x0f)] & high[usize::from(c >> 4)])
    })
}

/// A table indexed by a nibble, once in each 128-bit lane, as
/// `_mm256_shuffle_epi8` looks bytes up (here and in the head's pass of
/// `detect::script`, which sorts bytes into classes the same way).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(crate) fn nibble_table(t: [u8; 16]) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    // SAFETY: `t` is 16 bytes; `loadu` takes any alignment.
    _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(t.as_ptr().cast()) })
}

/// The key tables in AVX2 registers, for [`bits_avx2`] and for a pass
/// over the same bytes made for something else (the head of a text,
/// `detect::script`), which looks its bytes up here too.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct KeysAvx2 {
    low: std::arch::x86_64::__m256i,
    high: std::arch::x86_64::__m256i,
}

#[cfg(target_arch = "x86_64")]
impl KeysAvx2 {
    /// The tables, in registers.
    #[target_feature(enable = "avx2")]
    pub(crate) fn new() -> Self {
        KeysAvx2 {
            low: nibble_table(TABLES.0),
            high: nibble_table(TABLES.1),
        }
    }

    /// The key bits of 32 bytes, given the bytes (or their low nibbles)
    /// and their high nibbles: a shuffle gives 0 for an index with its
    /// high bit set, and the high table is 0 from 8 up, so a byte above
    /// 0x7f is no key either way.
    #[target_feature(enable = "avx2")]
    pub(crate) fn bits(
        self,
        low: std::arch::x86_64::__m256i,
        high_nibbles: std::arch::x86_64::__m256i,
    ) -> std::arch::x86_64::__m256i {
        use std::arch::x86_64::*;
        _mm256_and_si256(
            _mm256_shuffle_epi8(self.low, low),
            _mm256_shuffle_epi8(self.high, high_nibbles),
        )
    }

    /// The keys of the bytes whose [`bits`](Self::bits) were ored into
    /// `seen`, then of `rest`.
    #[target_feature(enable = "avx2")]
    pub(crate) fn keys(seen: std::arch::x86_64::__m256i, rest: &[u8]) -> KeyBytes {
        let mut lanes = [0u8; 32];
        // SAFETY: `lanes` is 32 bytes; `storeu` takes any alignment.
        unsafe { std::arch::x86_64::_mm256_storeu_si256(lanes.as_mut_ptr().cast(), seen) };
        KeyBytes(lanes.iter().fold(bits(rest), |acc, &l| acc | l))
    }
}

/// [`bits`] with AVX2, 64 bytes a turn: each byte's keys are its two
/// nibbles' entries anded (two shuffles), ored over the text, where
/// `memchr` went over the text once for each key.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn bits_avx2(data: &[u8]) -> u8 {
    use std::arch::x86_64::*;
    let tables = KeysAvx2::new();
    let nibble = _mm256_set1_epi8(0x0f);
    let keys = |v: __m256i| tables.bits(v, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
    let mut seen = _mm256_setzero_si256();
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        // SAFETY: `block` is 64 bytes; `loadu` takes any alignment.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(block.as_ptr().cast()),
                _mm256_loadu_si256(block.as_ptr().add(32).cast()),
            )
        };
        seen = _mm256_or_si256(seen, _mm256_or_si256(keys(a), keys(b)));
    }
    KeysAvx2::keys(seen, blocks.remainder()).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What each key says, by a search for its byte.
    fn naive(data: &[u8]) -> [bool; 7] {
        KEYS.map(|k| data.contains(&k))
    }

    fn said(k: KeyBytes) -> [bool; 7] {
        KEYS.map(|b| k.may_hold(b))
    }

    #[test]
    fn each_byte_value_is_a_key_only_when_it_is_one_at_every_place() {
        for c in 0..=255u8 {
            for len in [1usize, 31, 63, 64, 65, 130, 200] {
                for at in [0, len / 2, len - 1] {
                    let mut t = vec![b'a'; len];
                    t[at] = c;
                    assert_eq!(said(KeyBytes::of(&t)), naive(&t), "{c:#x} at {at} of {len}");
                    assert_eq!(KeyBytes(bits(&t)), KeyBytes::of(&t));
                }
            }
        }
    }

    #[test]
    fn nothing_looked_at_holds_nothing_and_any_holds_everything() {
        assert_eq!(said(KeyBytes::of(b"")), [false; 7]);
        assert_eq!(said(KeyBytes::ANY), [true; 7]);
        assert_eq!(KeyBytes::default(), KeyBytes::ANY);
        let prose = b"meeting report figures attached, please review the budget\n".repeat(40);
        assert_eq!(said(KeyBytes::of(&prose)), [false; 7]);
    }

    /// Texts made of the markers, near misses and the key bytes alone.
    fn texts() -> impl Strategy<Value = Vec<u8>> {
        let pieces: Vec<&[u8]> = vec![
            b"prose ",
            b"\n",
            b"data:",
            b"DaTa",
            b"&colon;",
            b"&#58;",
            b"&#x3A;",
            b"&#100;",
            b"data&colon;;base64,TVqQ",
            b"&#100;ata&#58;;base64,TVqQ",
            b";base64,TVqQ",
            b"<script>",
            b"<img src=x>",
            b"<a ",
            b"#@~^",
            b"AAAA==",
            b"=cmd|'/c calc'!A0",
            b"(This file must be converted with BinHex",
            b"begin 644 x\n",
            b"=ybegin ",
            b"\0",
            b":",
            b"&",
            b"<",
            b"(",
            b"^",
            b"|",
            b"=",
            b",",
        ];
        proptest::collection::vec(proptest::sample::select(pieces), 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        /// Each search that a key guards finds nothing where its key is
        /// not there: skipping it loses nothing.
        #[test]
        fn a_search_finds_nothing_without_its_key(text in texts()) {
            let keys = KeyBytes::of(&text);
            if !keys.may_hold(b'|') {
                prop_assert!(super::super::formula::dde_calls(&text).is_empty());
            }
            if !keys.may_hold(b'<') {
                prop_assert!(!super::super::smuggle::has_element(&text));
                prop_assert!(super::super::ascii::find_keyed(&text, b"<script", 0, true).is_none());
            }
            if !keys.may_hold(b':') && !keys.may_hold(b'&') {
                prop_assert!(!super::super::datauri::has_plain_marker(&text));
            }
            if !keys.may_hold(b'^') {
                prop_assert!(super::super::screnc::find(&text, 0).is_none());
            }
        }

        #[test]
        fn keys_are_the_bytes_there(
            data in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(0x80u8), Just(0xbc), any::<u8>()], 0..300),
        ) {
            prop_assert_eq!(said(KeyBytes::of(&data)), naive(&data));
        }
    }
}
