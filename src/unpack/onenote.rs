//! OneNote sections: each embedded file ([`crate::format::onenote`]) is a
//! child, a slice of the section. OneNote keeps the files' names in its
//! property sets, which are not read here: the children are named
//! `<onenote file N>` by us, and judged by what they hold.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::onenote;
use crate::report::Origin;

/// Unpacks the embedded files of a section.
pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let max = usize::try_from(ctx.budget.objects_left()).unwrap_or(usize::MAX);
    let (blocks, cut) = onenote::blocks(data, max);
    let mut out = Unpacked::default();
    if cut {
        out.entries_cut(blocks.len());
    }
    for (i, b) in blocks.iter().enumerate() {
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: format!("embedded file {} and later ones were not unpacked", i + 1),
            });
            break;
        }
        let name = format!("<onenote file {}>", i + 1);
        let before = out.children.len();
        let origin = Origin::Carved {
            offset: b.data_start as u64,
        };
        out.push_slice(
            name.clone(),
            origin,
            data.slice(b.data_start..b.data_end),
            ctx.budget,
        );
        let mut findings = Vec::new();
        if b.truncated {
            findings.push(FindingKind::Malformed {
                detail: format!(
                    "{name}: declares {} bytes, {} are in the file",
                    b.declared,
                    b.data_end - b.data_start
                ),
            });
        } else if !b.footer {
            findings.push(FindingKind::Malformed {
                detail: format!("{name}: no footer after its {} bytes", b.declared),
            });
        }
        match out.children.get_mut(before) {
            Some(c) => c.findings.extend(findings),
            None => out.findings.extend(findings),
        }
    }
    out
}
