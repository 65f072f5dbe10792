//! The indicators of script languages, and the one pass that finds which of
//! them a text holds.
//!
//! A text's head is searched for about eighty short strings, ASCII case
//! ignored. An Aho-Corasick automaton does that at one dependent table
//! step per byte. Here each position is tested on its own, so that the
//! processor runs the loads of many positions side by side: the four bytes
//! there, their letters folded by one OR, are hashed into an 8 KiB table
//! of the indicators' first four bytes, and only the positions it admits
//! are compared with the indicators filed under that hash. The indicators
//! shorter than four bytes all end in `;`, and are checked at each `;`
//! that memchr finds. The tests hold an Aho-Corasick automaton's answer
//! against this one, and the table is only a filter: every indicator is
//! confirmed byte by byte where it is reported.

/// Which family an indicator speaks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    PowerShell,
    Wsh,
    Vbs,
    Js,
    Hta,
    /// The root elements of Windows Script Host files in XML.
    WshXml,
    Html,
    Batch,
}

/// The indicators, and the family each speaks for: lower-case ASCII, and
/// those shorter than four bytes end in `;` (the pass relies on both, and a
/// test checks them).
pub(super) const INDICATORS: &[(&str, Family)] = &[
    ("invoke-expression", Family::PowerShell),
    ("iex(", Family::PowerShell),
    ("iex (", Family::PowerShell),
    ("new-object ", Family::PowerShell),
    ("net.webclient", Family::PowerShell),
    ("downloadstring(", Family::PowerShell),
    ("downloadfile(", Family::PowerShell),
    ("invoke-webrequest", Family::PowerShell),
    ("start-process", Family::PowerShell),
    ("-encodedcommand", Family::PowerShell),
    ("$env:", Family::PowerShell),
    ("[system.", Family::PowerShell),
    ("[convert]::", Family::PowerShell),
    ("frombase64string", Family::PowerShell),
    ("set-executionpolicy", Family::PowerShell),
    ("add-type", Family::PowerShell),
    ("write-host", Family::PowerShell),
    ("get-childitem", Family::PowerShell),
    ("foreach-object", Family::PowerShell),
    ("where-object", Family::PowerShell),
    ("$psscriptroot", Family::PowerShell),
    ("-windowstyle hidden", Family::PowerShell),
    ("param(", Family::PowerShell),
    ("[cmdletbinding", Family::PowerShell),
    ("$null", Family::PowerShell),
    ("-bypass", Family::PowerShell),
    ("wscript.", Family::Wsh),
    ("createobject(", Family::Wsh),
    ("activexobject", Family::Wsh),
    ("shell.application", Family::Wsh),
    ("scripting.filesystemobject", Family::Wsh),
    ("msxml2.xmlhttp", Family::Wsh),
    ("msxml2.serverxmlhttp", Family::Wsh),
    ("winhttp.winhttprequest", Family::Wsh),
    ("adodb.stream", Family::Wsh),
    (".savetofile", Family::Wsh),
    (".responsebody", Family::Wsh),
    ("on error resume next", Family::Vbs),
    ("\ndim ", Family::Vbs),
    ("end sub", Family::Vbs),
    ("end function", Family::Vbs),
    ("end if", Family::Vbs),
    ("msgbox", Family::Vbs),
    ("& vbcrlf", Family::Vbs),
    ("executeglobal", Family::Vbs),
    ("execute(", Family::Vbs),
    ("chr(", Family::Vbs),
    ("\nsub ", Family::Vbs),
    ("var ", Family::Js),
    ("function(", Family::Js),
    ("function ", Family::Js),
    ("eval(", Family::Js),
    ("};", Family::Js),
    ("\");", Family::Js),
    ("';", Family::Js),
    ("<hta:application", Family::Hta),
    ("<job", Family::WshXml),
    ("<package", Family::WshXml),
    ("<scriptlet", Family::WshXml),
    ("<component", Family::WshXml),
    ("<body", Family::Html),
    ("<head", Family::Html),
    ("goto ", Family::Batch),
    ("setlocal", Family::Batch),
    ("%~dp0", Family::Batch),
    ("cmd /c", Family::Batch),
    ("cmd.exe /c", Family::Batch),
    ("exit /b", Family::Batch),
    ("if exist", Family::Batch),
    ("if not exist", Family::Batch),
    ("reg add", Family::Batch),
    ("schtasks ", Family::Batch),
    ("bitsadmin ", Family::Batch),
    ("certutil ", Family::Batch),
    ("\nrem ", Family::Batch),
    ("\ncall ", Family::Batch),
    ("\nstart ", Family::Batch),
    ("\nset ", Family::Batch),
];

/// Bits of the hash of a position's four bytes.
const HASH_BITS: u32 = 13;

/// How many indicators there are.
pub(super) const COUNT: usize = INDICATORS.len();

/// The hash of four bytes, letters folded: `x | 0x20` is the same for a
/// letter in either case, so a text that holds an indicator in any case
/// hashes, where it starts, as the indicator does.
#[inline(always)]
fn hash(four: [u8; 4]) -> usize {
    hash_folded(u32::from_le_bytes(four) | 0x2020_2020)
}

/// [`hash`] of four bytes already folded.
#[inline(always)]
fn hash_folded(w: u32) -> usize {
    (w.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// The indicators, filed for the pass; built once per detector.
pub(crate) struct IndicatorSet {
    /// For each hash: 0 when no indicator of four bytes or more hashes
    /// there, else 1 + its index in `buckets`.
    slot: Box<[u8; 1 << HASH_BITS]>,
    /// The indicators (indexes into `INDICATORS`) under each used hash.
    buckets: Vec<Vec<u8>>,
    /// The indicators shorter than four bytes, each ending in `;`.
    short: Vec<u8>,
}

impl IndicatorSet {
    pub(crate) fn new() -> Self {
        let mut slot = Box::new([0u8; 1 << HASH_BITS]);
        let mut buckets: Vec<Vec<u8>> = Vec::new();
        let mut short = Vec::new();
        for (id, (p, _)) in INDICATORS.iter().enumerate() {
            let p = p.as_bytes();
            match p.first_chunk::<4>() {
                Some(four) => {
                    let h = hash(*four);
                    if slot[h] == 0 {
                        buckets.push(Vec::new());
                        slot[h] = buckets.len() as u8;
                    }
                    buckets[usize::from(slot[h]) - 1].push(id as u8);
                }
                None => short.push(id as u8),
            }
        }
        IndicatorSet {
            slot,
            buckets,
            short,
        }
    }

    /// Marks in `seen` every indicator that occurs in `text`, ASCII case
    /// ignored.
    pub(crate) fn find(&self, text: &[u8], seen: &mut [bool; COUNT]) {
        let slot = &self.slot;
        // Five positions per eight bytes loaded and folded once; then the
        // last positions one at a time.
        let mut i = 0;
        while let Some(eight) = text.get(i..i + 8) {
            let w =
                u64::from_le_bytes(eight.try_into().unwrap_or_default()) | 0x2020_2020_2020_2020;
            for k in 0..5 {
                let s = slot[hash_folded((w >> (8 * k)) as u32)];
                if s != 0 {
                    self.confirm(text, i + k, usize::from(s) - 1, seen);
                }
            }
            i += 5;
        }
        for (k, w) in text[i..].windows(4).enumerate() {
            let s = slot[hash([w[0], w[1], w[2], w[3]])];
            if s != 0 {
                self.confirm(text, i + k, usize::from(s) - 1, seen);
            }
        }
        for end in memchr::memchr_iter(b';', text) {
            for &id in &self.short {
                let p = INDICATORS[usize::from(id)].0.as_bytes();
                if end + 1 >= p.len() && text[end + 1 - p.len()..=end].eq_ignore_ascii_case(p) {
                    seen[usize::from(id)] = true;
                }
            }
        }
    }

    /// Confirms the indicators of one bucket at `at`.
    #[cold]
    fn confirm(&self, text: &[u8], at: usize, bucket: usize, seen: &mut [bool; COUNT]) {
        for &id in &self.buckets[bucket] {
            let p = INDICATORS[usize::from(id)].0.as_bytes();
            if text[at..]
                .get(..p.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(p))
            {
                seen[usize::from(id)] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
    use proptest::prelude::*;

    /// The automaton this pass replaced: every indicator occurring
    /// anywhere, overlaps included.
    fn reference() -> AhoCorasick {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(INDICATORS.iter().map(|i| i.0))
            .unwrap()
    }

    fn by_reference(ac: &AhoCorasick, text: &[u8]) -> [bool; COUNT] {
        let mut seen = [false; COUNT];
        for m in ac.find_overlapping_iter(text) {
            seen[m.pattern().as_usize()] = true;
        }
        seen
    }

    fn by_set(set: &IndicatorSet, text: &[u8]) -> [bool; COUNT] {
        let mut seen = [false; COUNT];
        set.find(text, &mut seen);
        seen
    }

    #[test]
    fn the_table_holds_what_the_pass_assumes() {
        assert!(INDICATORS.len() < 256);
        for (p, _) in INDICATORS {
            assert!(p.is_ascii() && *p == p.to_ascii_lowercase(), "{p:?}");
            assert!(p.len() >= 4 || p.ends_with(';'), "{p:?}");
        }
        assert!(!IndicatorSet::new().short.is_empty());
    }

    #[test]
    fn each_indicator_is_found_alone_in_any_case_at_either_end() {
        let set = IndicatorSet::new();
        let ac = reference();
        for (id, (p, _)) in INDICATORS.iter().enumerate() {
            for shown in [p.to_string(), p.to_ascii_uppercase()] {
                for text in [
                    shown.clone(),
                    format!("xx {shown}"),
                    format!("{shown} yy"),
                    format!("a\n{shown}\nb"),
                ] {
                    let seen = by_set(&set, text.as_bytes());
                    assert!(seen[id], "{p:?} in {text:?}");
                    assert_eq!(seen, by_reference(&ac, text.as_bytes()), "{text:?}");
                }
            }
            // One byte short of the indicator is not the indicator.
            let cut = &p.as_bytes()[..p.len() - 1];
            assert!(!by_set(&set, cut)[id], "{p:?} cut");
        }
    }

    #[test]
    fn bytes_that_fold_alike_but_differ_are_not_matched() {
        // `|0x20` maps '\n' to '*' and '[' to '{': the hash admits these,
        // the confirmation refuses them.
        let set = IndicatorSet::new();
        for text in ["*dim x", "{system.io", "*sub main", "\u{7}; x", "]; y"] {
            assert_eq!(by_set(&set, text.as_bytes()), [false; COUNT], "{text:?}");
        }
    }

    /// Text made of pieces of indicators, their case changed at random,
    /// and of the bytes the folding confuses.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            (0..INDICATORS.len(), any::<u64>(), 0usize..24).prop_map(|(id, case, cut)| {
                let p = INDICATORS[id].0.as_bytes();
                let keep = p.len().saturating_sub(cut % 3).max(1);
                p[..keep]
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        if case >> (i % 64) & 1 == 1 {
                            b.to_ascii_uppercase()
                        } else {
                            *b
                        }
                    })
                    .collect::<Vec<u8>>()
            }),
            prop::collection::vec(
                prop::sample::select(b" \n;}'\")(*{[]$-<%&aeinstvz\x07\x0a\x1bAZ".to_vec()),
                0..6
            ),
            prop::collection::vec(any::<u8>(), 0..4),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn the_pass_agrees_with_aho_corasick(t in text()) {
            let set = IndicatorSet::new();
            prop_assert_eq!(by_set(&set, &t), by_reference(&reference(), &t));
        }
    }
}
