//! OOXML packages (docx, xlsx, pptx): unpacked as the zip they are, then
//! each part that can reach outside the file is read
//! ([`crate::format::ooxml`]): relationships with external targets, Word's
//! DDE fields, Excel's DDE links; and Excel's Excel 4.0 macro sheets, names
//! that run by themselves and very hidden sheets
//! ([`crate::format::spreadsheetml`]). The findings are placed on the part
//! that holds them, so that the report names it.

use bytes::Bytes;

use super::{Ctx, Unpacked, zip};
use crate::finding::FindingKind;
use crate::format::ooxml::{self, Reference};
use crate::format::spreadsheetml;

/// Unpacks the package and reads its parts.
pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = zip::unpack(data, ctx);
    inspect(&mut out);
    out
}

/// Unpacks a zip, and reads its parts as a package's when it is one (a
/// `[Content_Types].xml` at its root): a package whose parts are not under
/// `word/`, `xl/` or `ppt/` is typed a zip, and Word opens it all the same
/// when it is named `.docx`.
pub(crate) fn unpack_zip(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = zip::unpack(data, ctx);
    if out
        .children
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case("[Content_Types].xml"))
    {
        inspect(&mut out);
    }
    out
}

fn inspect(out: &mut Unpacked) {
    for child in &mut out.children {
        for r in ooxml::inspect_part(&child.name, &child.data) {
            child.findings.push(finding(r));
        }
        let lower = child.name.to_ascii_lowercase();
        let excel = spreadsheetml::inspect_part(&lower, &child.data);
        if excel.is_empty() {
            continue;
        }
        if !excel.macro_sheets.is_empty() {
            child.findings.push(FindingKind::XlmMacros {
                detail: format!("macro sheets {}", excel.macro_sheets.join(", ")),
            });
        }
        for name in excel.autorun {
            child.findings.push(FindingKind::XlmAutorun { name });
        }
        for sheet in excel.very_hidden {
            child.findings.push(FindingKind::VeryHiddenSheet { sheet });
        }
    }
}

pub(super) fn finding(r: Reference) -> FindingKind {
    match r {
        Reference::RemoteTemplate { target } => FindingKind::RemoteTemplate { target },
        Reference::ExternalObject { target } => FindingKind::ExternalObject { target },
        Reference::ExternalLink {
            relationship,
            target,
            handler,
        } => FindingKind::ExternalLink {
            relationship,
            target,
            handler,
        },
        Reference::Dde {
            form,
            command,
            interpreter,
        } => FindingKind::Dde {
            form,
            command,
            interpreter,
        },
    }
}
