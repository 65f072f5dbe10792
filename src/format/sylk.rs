//! SYLK (`.slk`), the symbolic link spreadsheet format that Excel still
//! opens: text records, one a line. A SYLK file can be an Excel 4.0 macro
//! sheet (`O;E`) whose cells run `EXEC`, `CALL`, `REGISTER`... and a name
//! `Auto_Open` runs them on opening. Pure.

/// True for SYLK: its `ID;P` header (Excel writes `ID;PWXL;N;E`), or `ID;`
/// followed by cell records (`C;`) in the first 4 KiB.
pub(crate) fn is_sylk(b: &[u8]) -> bool {
    if b.starts_with(b"ID;P") {
        return true;
    }
    b.starts_with(b"ID;")
        && lines(&b[..b.len().min(4096)]).any(|l| l.starts_with(b"C;") || l.starts_with(b"F;"))
}

fn lines(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    b.split(|&c| c == b'\n' || c == b'\r')
}

/// What the records say about macros.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Macros {
    /// True when an `O` record marks the file as a macro sheet (`;E`).
    pub macro_sheet: bool,
    /// The macro functions cell formulas call (`EXEC`, `CALL`...), once each.
    pub calls: Vec<String>,
    /// Names defined as running on opening or closing (`Auto_Open`).
    pub autorun: Vec<String>,
}

impl Macros {
    /// True when the file holds Excel 4.0 macros.
    pub fn any(&self) -> bool {
        self.macro_sheet || !self.calls.is_empty()
    }
}

/// Functions of the Excel 4.0 macro language that run code, load it or
/// start programs: what makes a sheet's formulas a macro.
const MACRO_CALLS: &[&str] = &[
    "EXEC(",
    "CALL(",
    "REGISTER(",
    "RUN(",
    "FORMULA(",
    "FORMULA.FILL(",
    "HALT(",
    "FOPEN(",
    "FWRITE(",
    "FWRITELN(",
    "URLDOWNLOADTOFILE",
    "SHELL(",
];

/// Lines read at most.
const MAX_LINES: usize = 1_000_000;

/// Reads the records of a SYLK file.
pub(crate) fn macros(b: &[u8]) -> Macros {
    let mut m = Macros::default();
    for line in lines(b).take(MAX_LINES) {
        if line.starts_with(b"O;") {
            if fields(line).any(|f| f == b"E") {
                m.macro_sheet = true;
            }
        } else if line.starts_with(b"C;") || line.starts_with(b"F;") {
            for f in fields(line).filter(|f| f.first() == Some(&b'E')) {
                let upper = f.to_ascii_uppercase();
                for call in MACRO_CALLS {
                    let name = call.trim_end_matches('(');
                    if memchr::memmem::find(&upper, call.as_bytes()).is_some()
                        && !m.calls.iter().any(|c| c == name)
                    {
                        m.calls.push(name.to_owned());
                    }
                }
            }
        } else if line.starts_with(b"NN;") {
            for f in fields(line).filter(|f| f.first() == Some(&b'N')) {
                let name = String::from_utf8_lossy(&f[1..]).into_owned();
                let lower = name.to_ascii_lowercase();
                if (lower.starts_with("auto_open") || lower.starts_with("auto_close"))
                    && !m.autorun.contains(&name)
                {
                    m.autorun.push(name);
                }
            }
        }
    }
    m
}

/// The fields of a record after its type, split at `;` (`;;` is a
/// semicolon inside a field, which only makes a field longer here).
fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&c| c == b';').skip(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_formulas_and_auto_open_are_found() {
        let slk = b"ID;P\r\nO;E\r\nNN;NAuto_open;ER1C1\r\nC;X1;Y1;K0;EEXEC(\"calc\")\r\nC;X1;Y2;K0;EHALT()\r\nE\r\n";
        assert!(is_sylk(slk));
        let m = macros(slk);
        assert!(m.macro_sheet && m.any());
        assert_eq!(m.calls, vec!["EXEC", "HALT"]);
        assert_eq!(m.autorun, vec!["Auto_open"]);
    }

    #[test]
    fn a_plain_spreadsheet_has_no_macros() {
        let slk = b"ID;PWXL;N;E\r\nP;PGeneral\r\nC;Y1;X1;K\"Name\"\r\nC;Y2;X2;K3;ESUM(R1C2:R1C3)\r\nE\r\n";
        assert!(is_sylk(slk));
        assert!(!macros(slk).any());
        // A semicolon CSV whose first column is "ID" is not SYLK.
        assert!(!is_sylk(b"ID;Name;Mail\r\n1;Bob;b@example.com\r\n"));
    }
}
