//! Formulas in delimited text (CSV, TSV): a cell that Excel reads as a
//! formula when it opens the file (its first character `=`, `+`, `-` or
//! `@`), and the DDE calls in them (`=cmd|' /C calc'!A0`,
//! `@SUM(1+1)*cmd|...`, `=MSEXCEL|'\..\..\Windows\System32\cmd.exe'!''`):
//! Excel asks to start the program as it opens the sheet, and users click
//! through. Read as Excel reads the text, whatever the file is named. Pure:
//! the calls found, no findings here.

/// One DDE call: the program (before the `|`) and the whole call as
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DdeCall {
    /// The program Excel is asked to start (its DDE service).
    pub program: String,
    /// The call, from the program to the end of its item.
    pub call: String,
}

/// How many calls are listed: one is enough to judge.
const MAX_CALLS: usize = 16;

/// How far a call's topic is looked for after its `|`: a cell of a sheet,
/// not a whole line.
const MAX_CELL: usize = 1024;

/// The longest program name read before a `|`.
const MAX_PROGRAM: usize = 128;

/// The delimiters a sheet's cells may be split by: Excel's list separator
/// is the comma or, in many locales, the semicolon; TSV's is the tab.
/// Each reading is tried.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// The DDE calls of the formula cells in `text`. Only lines that hold a
/// `|` are split into cells, once per delimiter, and each `|` looks a
/// bounded way around itself: every byte is read a bounded number of
/// times.
pub(crate) fn dde_calls(text: &[u8]) -> Vec<DdeCall> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut seen = Vec::new();
    while out.len() < MAX_CALLS {
        // The next line with a bar (most text has none: one search).
        let Some(bar) = memchr::memchr(b'|', &text[pos.min(text.len())..]).map(|i| pos + i) else {
            break;
        };
        let line_start =
            memchr::memrchr2(b'\n', b'\r', &text[pos..bar]).map_or(pos, |i| pos + i + 1);
        let line_end = memchr::memchr2(b'\n', b'\r', &text[bar..]).map_or(text.len(), |i| bar + i);
        let line = &text[line_start..line_end];
        pos = line_end + 1;
        seen.clear();
        for delimiter in DELIMITERS {
            for cell in Cells::new(line, delimiter).filter(|c| c.formula) {
                for bar in memchr::memchr_iter(b'|', &line[cell.content..cell.end]) {
                    let bar = cell.content + bar;
                    if out.len() >= MAX_CALLS || seen.contains(&bar) {
                        continue;
                    }
                    if let Some(call) = call_at(line, bar, cell.content) {
                        seen.push(bar);
                        out.push(call);
                    }
                }
            }
        }
    }
    out
}

/// The call whose `|` is at `bar` in `line`, when its program starts
/// after `from` (past the cell's `=`) and a topic and `!` follow.
fn call_at(line: &[u8], bar: usize, from: usize) -> Option<DdeCall> {
    // The program: the name right before the bar (Excel takes no space
    // between them).
    let lo = bar.saturating_sub(MAX_PROGRAM).max(from);
    let start = line[lo..bar]
        .iter()
        .rposition(|&c| !is_program_char(c))
        .map_or(lo, |i| lo + i + 1);
    if start == bar || start <= from || (start == lo && lo > from + 1) {
        return None;
    }
    // A name (`cmd`, `cmd.exe`, `C:\...\cmd.exe`) right after an
    // operator, a parenthesis or the cell's `=`: not the escaped `\|` of a
    // regular expression, nor a word of prose.
    let program = &line[start..bar];
    if !program[0].is_ascii_alphanumeric()
        || !program[program.len() - 1].is_ascii_alphanumeric()
        || !matches!(
            line[start - 1],
            b'=' | b'+' | b'-' | b'@' | b'*' | b'/' | b'&' | b'^' | b'(' | b',' | b';'
        )
    {
        return None;
    }
    let rest = &line[bar + 1..line.len().min(bar + 1 + MAX_CELL)];
    let bang = topic_end(rest)?;
    let item_end = rest[bang + 1..]
        .iter()
        .position(|&c| matches!(c, b',' | b';' | b'\t' | b'"' | b'|'))
        .map_or(rest.len(), |i| bang + 1 + i);
    Some(DdeCall {
        program: String::from_utf8_lossy(&line[start..bar]).into_owned(),
        call: String::from_utf8_lossy(&line[start..bar + 1 + item_end]).into_owned(),
    })
}

/// One cell of a line: where its content starts (past spaces and an
/// opening quote), where it ends, and whether it is a formula.
struct Cell {
    content: usize,
    end: usize,
    formula: bool,
}

/// The cells of a line split by one delimiter, as a CSV reader splits it:
/// a quoted cell runs to its closing quote (`""` inside it is a quote)
/// and delimiters inside it split nothing.
struct Cells<'a> {
    line: &'a [u8],
    delimiter: u8,
    at: Option<usize>,
}

impl<'a> Cells<'a> {
    fn new(line: &'a [u8], delimiter: u8) -> Self {
        Cells {
            line,
            delimiter,
            at: Some(0),
        }
    }
}

impl Iterator for Cells<'_> {
    type Item = Cell;

    fn next(&mut self) -> Option<Cell> {
        let line = self.line;
        let skip_spaces = |mut i: usize| {
            while line.get(i) == Some(&b' ') {
                i += 1;
            }
            i
        };
        let start = skip_spaces(self.at?);
        let quoted = line.get(start) == Some(&b'"');
        let content = if quoted {
            skip_spaces(start + 1)
        } else {
            start
        };
        let formula = matches!(line.get(content), Some(b'=' | b'+' | b'-' | b'@'));
        let mut from = content;
        if quoted {
            // Past the closing quote; a quote doubled is one quote.
            loop {
                match memchr::memchr(b'"', &line[from..]) {
                    Some(i) if line.get(from + i + 1) == Some(&b'"') => from += i + 2,
                    Some(i) => {
                        from += i + 1;
                        break;
                    }
                    None => {
                        from = line.len();
                        break;
                    }
                }
            }
        }
        let end = memchr::memchr(self.delimiter, &line[from..]).map_or(line.len(), |i| from + i);
        self.at = (end < line.len()).then_some(end + 1);
        Some(Cell {
            content,
            end,
            formula,
        })
    }
}

/// Characters of a program name or path before the `|`.
fn is_program_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'\\' | b'/' | b':' | b'$')
}

/// Where the topic after the `|` ends at its `!`: a quoted topic (`'...'`,
/// a doubled quote inside it) then `!`, or an unquoted one without white
/// space or another `|`. `None` when no `!` closes it.
fn topic_end(rest: &[u8]) -> Option<usize> {
    if let Some(quoted) = rest.strip_prefix(b"'") {
        let mut i = 0;
        while i < quoted.len() {
            if quoted[i] == b'\'' {
                if quoted.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                return (quoted.get(i + 1) == Some(&b'!')).then_some(i + 2);
            }
            i += 1;
        }
        return None;
    }
    let n = rest
        .iter()
        .position(|&c| matches!(c, b'!' | b',' | b';' | b'|') || c.is_ascii_whitespace())?;
    (n > 0 && rest[n] == b'!').then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(text: &str) -> Vec<String> {
        dde_calls(text.as_bytes())
            .into_iter()
            .map(|c| c.program)
            .collect()
    }

    #[test]
    fn the_forms_excel_runs() {
        let c = dde_calls(b"name,value\r\n=cmd|' /C calc'!A0,1\r\n");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].program, "cmd");
        assert_eq!(c[0].call, "cmd|' /C calc'!A0");
        assert_eq!(programs("a,b\n1,@SUM(1+1)*cmd|' /C calc'!A0\n"), ["cmd"]);
        assert_eq!(programs("\"+cmd|'/c calc'!'A1'\"\n"), ["cmd"]);
        assert_eq!(programs("x\t-2+3+cmd|' /C calc'!A0\n"), ["cmd"]);
        assert_eq!(
            programs("=MSEXCEL|'\\..\\..\\Windows\\System32\\cmd.exe /c calc'!''\n"),
            ["MSEXCEL"]
        );
        assert_eq!(programs("=cmd|calc!A0\n"), ["cmd"]);
        assert_eq!(programs("=cmd|'it''s'!A0\n"), ["cmd"]);
        // Delimiters inside a quoted cell, or of another locale's list.
        assert_eq!(programs("a,\"=SUM(1,2)+cmd|' /c calc'!A0\",b\n"), ["cmd"]);
        assert_eq!(programs("a;=1,2+cmd|'x'!A0;b\n"), ["cmd"]);
    }

    #[test]
    fn text_with_bars_is_no_call() {
        for t in [
            "ls -la | grep x!\n",
            "| a | b |\n|---|---|\n| =x|y | z! |\n",
            "- run cat a|sort and smile!\n",
            "name,note\nbob,cmd|'x'!A0\n",
            "=cmd|' never closed\n",
            "=A1|B1\n",
            "|'x'!\n",
            // Vim's and grep's regular expressions.
            "syn match x \"\\(where\\|so\\)\\s*\\@<=/[/=]\\@!\"\n",
            "=\\d\\|x!\n",
            "-e 's/a\\|b/!/'\n",
            // Prose, diffs and logs.
            "-- user|admin!login ok\n+ added a|b! entries\n",
        ] {
            assert!(dde_calls(t.as_bytes()).is_empty(), "{t:?}");
        }
    }

    #[test]
    fn calls_are_bounded() {
        let t = "=cmd|'x'!A0\n".repeat(100);
        assert_eq!(dde_calls(t.as_bytes()).len(), MAX_CALLS);
        let long = format!("={}|'x'!A0\n", "a".repeat(MAX_PROGRAM + 5));
        assert!(dde_calls(long.as_bytes()).is_empty());
    }
}
