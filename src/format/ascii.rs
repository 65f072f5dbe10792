//! Searches of text for the readers of text formats: ASCII case ignored
//! (a `<ScRiPt` element is a `<script` element), and by a needle's rarest
//! byte ([`find_keyed`]), for the markers that every text is asked about.
//!
//! Every position is tested on its first two bytes at once, 32 positions a
//! step on x86-64 (`super::pairs`), each byte with its 0x20 bit set: a byte
//! that equals a needle's byte ignoring ASCII case has the same value
//! then, so no match is passed over, and the few other bytes that fold
//! there are turned away when the whole needle is compared. A search by
//! the first byte alone stopped at every `<` of a page or an XML part, a
//! call each.

/// Where the first occurrence of `needle` (lowercase ASCII) starts in
/// `hay`, ASCII case ignored.
pub(crate) fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some(&[a, b]) = needle.first_chunk::<2>() else {
        // Too short for pairs: the empty needle is at 0, one byte is
        // looked for byte by byte.
        return match needle.first() {
            None => Some(0),
            Some(c) => hay.iter().position(|h| h.eq_ignore_ascii_case(c)),
        };
    };
    let pair = [a | 0x20, b | 0x20];
    let mut found = None;
    super::pairs::each::<1, 0x20>(hay, [pair], &mut |at| {
        let matches = hay
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle));
        if matches {
            found = Some(at);
        }
        !matches
    });
    found
}

/// Places of a needle's key byte checked in place before [`find_keyed`]
/// hands the rest of the text to the general search.
const KEY_MISSES: usize = 16;

/// Where the first occurrence of `needle` starts in `hay`, ASCII case
/// ignored when `fold` (`needle` is lowercase then): found by the places of
/// `needle[key]`, a byte that is no letter and rare in text (the `^` of
/// `#@~^`, the `:` of `data:`), each compared in place. One pass for one
/// byte runs several times faster than a search for the whole needle, on
/// text that holds none or a few of it; text full of that byte (code full
/// of `(`) hands the rest to the general search after [`KEY_MISSES`]
/// places that were not the needle, so it costs what that search costs.
pub(crate) fn find_keyed(hay: &[u8], needle: &[u8], key: usize, fold: bool) -> Option<usize> {
    let k = *needle.get(key)?;
    debug_assert!(!k.is_ascii_alphabetic(), "the key byte has one case");
    let same = |w: &[u8]| {
        if fold {
            w.eq_ignore_ascii_case(needle)
        } else {
            w == needle
        }
    };
    let mut misses = 0;
    // `at + key` is where the key byte is: the needle would start at `at`.
    for at in memchr::memchr_iter(k, hay.get(key..)?) {
        let w = hay.get(at..at + needle.len())?;
        if same(w) {
            return Some(at);
        }
        misses += 1;
        if misses == KEY_MISSES {
            let from = at + 1;
            let rest = &hay[from..];
            let found = if fold {
                find_ci(rest, needle)
            } else {
                memchr::memmem::find(rest, needle)
            };
            return found.map(|i| from + i);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle))
    }

    #[test]
    fn a_needle_in_any_case_at_every_offset_is_found() {
        for len in [7usize, 8, 31, 32, 33, 34, 39, 40, 64, 65, 100] {
            for at in 0..=len - 7 {
                for form in [&b"<script"[..], b"<SCRIPT", b"<ScRiPt"] {
                    let mut hay = vec![b'x'; len];
                    hay[at..at + 7].copy_from_slice(form);
                    assert_eq!(
                        find_ci(&hay, b"<script"),
                        Some(at),
                        "{form:?} at {at} of {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn bytes_that_fold_alike_are_not_matches() {
        // 0x1c folds to '<' and '`' to '@': candidates, never matches.
        let hay = b"\x1cscript `svg <scrip <scripx \x1cSCRIPT and then enough bytes";
        assert_eq!(find_ci(hay, b"<script"), None);
        assert_eq!(find_ci(hay, b"@svg"), None);
        assert_eq!(find_ci(b"", b"<script"), None);
        assert_eq!(find_ci(b"<", b"<script"), None);
        assert_eq!(find_ci(b"abc", b""), Some(0));
        assert_eq!(find_ci(b"xyZ", b"z"), Some(2));
    }

    #[test]
    fn a_keyed_search_finds_what_a_plain_one_finds() {
        let needle = b"#@~^";
        // None, one, and more places of the key byte than it checks before
        // it hands over, the needle before, among and after them.
        for carets in [0usize, 1, KEY_MISSES - 1, KEY_MISSES, KEY_MISSES + 1, 100] {
            for at in [0usize, 3, 50, 400] {
                let mut hay = b"x^ ".repeat(carets);
                hay.resize(hay.len().max(at), b'y');
                hay.splice(at..at, needle.iter().copied());
                assert_eq!(
                    find_keyed(&hay, needle, 3, false),
                    memchr::memmem::find(&hay, needle),
                    "{carets} carets, needle at {at}"
                );
            }
        }
        assert_eq!(find_keyed(b"#@~", needle, 3, false), None);
        assert_eq!(find_keyed(b"^^^^", needle, 3, false), None);
        assert_eq!(find_keyed(b"x DaTa:y", b"data:", 4, true), Some(2));
        assert_eq!(find_keyed(b"x data:y", b"data:", 4, false), Some(2));
        assert_eq!(find_keyed(b"x DaTa:y", b"data:", 4, false), None);
    }

    proptest! {
        #[test]
        fn agrees_with_a_window_by_window_search(
            mut hay in proptest::collection::vec(
                prop_oneof![Just(b'<'), Just(b's'), Just(b'S'), Just(b'c'), Just(0x1c), any::<u8>()],
                0..200,
            ),
            needle in prop_oneof![
                Just(&b"<script"[..]), Just(&b"<svg"[..]), Just(&b"on"[..]), Just(&b"s<"[..]), Just(&b"s"[..]),
            ],
            upper in any::<u8>(),
            at in any::<proptest::sample::Index>(),
            insert in any::<bool>(),
        ) {
            // Half the time, the needle in some mixture of cases somewhere.
            if insert {
                let form: Vec<u8> = needle
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| if upper >> i & 1 == 1 { c.to_ascii_uppercase() } else { c })
                    .collect();
                let p = at.index(hay.len() + 1);
                hay.splice(p..p, form);
            }
            prop_assert_eq!(find_ci(&hay, needle), naive(&hay, needle));
        }

        #[test]
        fn a_keyed_search_agrees_with_a_window_by_window_search(
            mut hay in proptest::collection::vec(
                prop_oneof![Just(b':'), Just(b'd'), Just(b'a'), Just(b't'), Just(b'A'), any::<u8>()],
                0..300,
            ),
            fold in any::<bool>(),
            at in any::<proptest::sample::Index>(),
            form in prop_oneof![Just(&b"data:"[..]), Just(&b"DaTa:"[..]), Just(&b""[..])],
        ) {
            let p = at.index(hay.len() + 1);
            hay.splice(p..p, form.iter().copied());
            let plain = hay.windows(5).position(|w| w == b"data:");
            let expected = if fold { naive(&hay, b"data:") } else { plain };
            prop_assert_eq!(find_keyed(&hay, b"data:", 4, fold), expected);
        }
    }
}
