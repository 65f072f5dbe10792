//! Excel 4.0 macros in Excel's OOXML packages (xlsx, xlsm, xlsb): macro
//! sheets, the defined names that Excel runs by themselves, and very hidden
//! sheets, which BIFF8 workbooks have too ([`super::biff`]). A macro sheet
//! is found the ways Excel could load one: a relationship of type
//! `xlMacrosheet` or `xlIntlMacrosheet` (whatever the part is named, in an
//! xlsb too), and a part whose root element is `macrosheet`. Pure: it reads
//! one part's bytes; `unpack::ooxml` turns what it says into findings.

use super::tags::{self, Tag, Tags};

/// Most items reported from one part.
const MAX_ITEMS: usize = 64;

/// What one part of a spreadsheet says about macros.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Excel {
    /// Macro sheets: the targets of macro sheet relationships, or this
    /// part's own name when it is one.
    pub macro_sheets: Vec<String>,
    /// Defined names that run by themselves (`_xlnm.Auto_Open`,
    /// `Auto_Open...`, and the `Auto_Close` ones).
    pub autorun: Vec<String>,
    /// Sheets whose state is `veryHidden` (only code can show them).
    pub very_hidden: Vec<String>,
}

impl Excel {
    /// True when the part said nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.macro_sheets.is_empty() && self.autorun.is_empty() && self.very_hidden.is_empty()
    }
}

/// What the part `name` (lower case) of a package says about macros:
/// relationship parts are read for macro sheet relationships, XML parts
/// for their root element and, in a workbook, its names and sheets.
pub(crate) fn inspect_part(name: &str, data: &[u8]) -> Excel {
    let mut out = Excel::default();
    let is_rels = name.ends_with(".rels");
    if !is_rels && !name.ends_with(".xml") {
        return out;
    }
    let text = tags::as_utf8(data);
    let mut root = None;
    for tag in Tags::new(&text) {
        let Tag::Start {
            name: el, attrs, ..
        } = tag
        else {
            continue;
        };
        let root = *root.get_or_insert(el);
        if is_rels {
            if tags::is(el, "Relationship")
                && let Some(ty) = tags::attr(attrs, "Type")
            {
                let kind = ty.rsplit(['/', '\\']).next().unwrap_or("").trim();
                if kind.eq_ignore_ascii_case("xlMacrosheet")
                    || kind.eq_ignore_ascii_case("xlIntlMacrosheet")
                {
                    let target = tags::attr(attrs, "Target").unwrap_or_default();
                    push(&mut out.macro_sheets, target.trim().to_owned());
                }
            }
            continue;
        }
        if tags::is(root, "macrosheet") {
            push(&mut out.macro_sheets, name.to_owned());
            return out;
        }
        if !tags::is(root, "workbook") {
            return out;
        }
        if tags::is(el, "definedName")
            && let Some(n) = tags::attr(attrs, "name")
            && runs_by_itself(&n)
        {
            push(&mut out.autorun, n);
        } else if tags::is(el, "sheet")
            && tags::attr(attrs, "state")
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("veryHidden"))
        {
            push(
                &mut out.very_hidden,
                tags::attr(attrs, "name").unwrap_or_default(),
            );
        }
    }
    out
}

fn push(list: &mut Vec<String>, item: String) {
    if list.len() < MAX_ITEMS && !list.contains(&item) {
        list.push(item);
    }
}

/// True for a defined name that Excel runs on opening or closing: the
/// built-in `_xlnm.Auto_Open` and `_xlnm.Auto_Close`, and any name spelt
/// `Auto_Open...` or `Auto_Close...` in any case.
fn runs_by_itself(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix("_xlnm.").unwrap_or(&lower);
    lower.starts_with("auto_open") || lower.starts_with("auto_close")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_sheets_by_relationship_and_by_root() {
        let rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
            <Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="custom/x.bin"/>
            <Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet" Target="i.xml"/>
            </Relationships>"#;
        let e = inspect_part("xl/_rels/workbook.bin.rels", rels);
        assert_eq!(e.macro_sheets, ["custom/x.bin", "i.xml"]);
        let sheet = br#"<?xml version="1.0"?><xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData/></xm:macrosheet>"#;
        assert_eq!(
            inspect_part("xl/worksheets/sheet9.xml", sheet).macro_sheets,
            ["xl/worksheets/sheet9.xml"]
        );
    }

    #[test]
    fn names_that_run_and_very_hidden_sheets() {
        let wb = br#"<workbook><sheets><sheet name="Data" sheetId="1"/><sheet name="M1" state="veryHidden" sheetId="2"/><sheet name="H" state="hidden" sheetId="3"/></sheets>
            <definedNames><definedName name="_xlnm.Auto_Open" hidden="1">M1!$A$1</definedName><definedName name="auto_open_x">M1!$B$1</definedName><definedName name="Print_Area">Data!$A:$B</definedName></definedNames></workbook>"#;
        let e = inspect_part("xl/workbook.xml", wb);
        assert_eq!(e.autorun, ["_xlnm.Auto_Open", "auto_open_x"]);
        assert_eq!(e.very_hidden, ["M1"]);
        assert!(e.macro_sheets.is_empty());
    }

    #[test]
    fn ordinary_parts_say_nothing() {
        let wb = br#"<workbook><sheets><sheet name="Auto_Open notes" sheetId="1"/></sheets><definedNames><definedName name="Totals">S!$A$1</definedName></definedNames></workbook>"#;
        assert!(inspect_part("xl/workbook.xml", wb).is_empty());
        // Names only count in a workbook.
        let other = br#"<worksheet><definedName name="Auto_Open"/></worksheet>"#;
        assert!(inspect_part("xl/worksheets/sheet1.xml", other).is_empty());
        assert!(inspect_part("xl/media/image1.png", b"<macrosheet/>").is_empty());
    }
}
