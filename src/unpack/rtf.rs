//! RTF: each embedded object (`\objdata`), decoded as Word decodes it, is
//! read as an OLE1 object; its native data is a child (an OLE2 compound
//! file, mostly, which the OLE unpacker then opens), and a `Package`
//! object's file is a child under its own name. Every object is a finding
//! (`document.rtf.object`), and Equation Editor objects one of their own;
//! a template attached from another machine is `document.remote_template`.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::{oleobj, rtf};
use crate::report::Origin;

/// The OLE2 signature, looked for in objects whose OLE1 header is broken.
const OLE2: &[u8] = &[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    // A template on another machine is fetched as the document opens.
    for target in rtf::templates(data) {
        if crate::format::ooxml::is_remote(&target) {
            out.findings.push(FindingKind::RemoteTemplate { target });
        }
    }
    // A DDE field runs its command as Word opens the document (after its
    // link prompt), as in a docx.
    let mut dde = Vec::new();
    for instruction in rtf::field_instructions(data) {
        crate::format::ooxml::dde_field(&instruction, &mut dde);
    }
    out.findings
        .extend(dde.into_iter().map(super::ooxml::finding));
    let max = usize::try_from(ctx.budget.objects_left()).unwrap_or(usize::MAX);
    let (objects, more) = rtf::objdata(data, max);
    if more {
        out.entries_cut(objects.len());
    }
    for (i, o) in objects.into_iter().enumerate() {
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: format!("RTF objects after the {i}th were not decoded"),
            });
            break;
        }
        let readings = std::iter::once((o.data, ""))
            .chain(o.escaped.map(|e| (e, ", escapes read as hex")))
            .chain(o.word.map(|w| (w, ", as Word reads it")));
        for (reading, (bytes, how)) in readings.enumerate() {
            let label = format!("<object {i}{how}>");
            let first = reading == 0;
            object(
                &label,
                o.class.as_deref(),
                first,
                Bytes::from(bytes),
                ctx,
                &mut out,
            );
        }
        if o.odd_nibble {
            out.findings.push(FindingKind::Malformed {
                detail: format!("<object {i}>: an odd number of hex digits (the last dropped)"),
            });
        }
    }
    out
}

/// One decoded `\objdata` (`first`: its first reading, which the findings
/// are about).
fn object(
    label: &str,
    objclass: Option<&str>,
    first: bool,
    b: Bytes,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    if b.is_empty() {
        return;
    }
    let parsed = oleobj::ole1(&b);
    let class = parsed
        .as_ref()
        .map(|o| o.class.clone())
        .filter(|c| !c.is_empty())
        .or_else(|| objclass.map(str::to_owned))
        .unwrap_or_default();
    if first {
        out.findings.push(FindingKind::RtfObject {
            class: class.clone(),
        });
    }
    for c in [Some(class.as_str()), objclass].into_iter().flatten() {
        if c.to_ascii_lowercase().starts_with("equation.") {
            out.findings.push(FindingKind::EquationObject {
                evidence: format!("class {c:?} of RTF {label}"),
            });
            break;
        }
    }
    let Some(o) = parsed.filter(|o| !o.native.is_empty()) else {
        // No OLE1 header Word would read: the bytes as they are, and a
        // compound file from its signature if one is inside.
        match memchr::memmem::find(&b, OLE2) {
            Some(at) if at > 0 => {
                let name = format!("{label} <compound file @{at}>");
                out.push_slice(
                    name,
                    Origin::Carved { offset: at as u64 },
                    b.slice(at..),
                    ctx.budget,
                );
            }
            _ => out.push_slice(label.to_owned(), Origin::Decoded, b, ctx.budget),
        }
        return;
    };
    if o.truncated {
        out.findings.push(FindingKind::Malformed {
            detail: format!("RTF {label}: its native data is cut short"),
        });
    }
    let native = b.slice(o.native.clone());
    if class.eq_ignore_ascii_case("package")
        && let Some(p) = oleobj::package(&native)
    {
        super::ole::push_packaged(&p, &native, label, ctx, out);
        return;
    }
    let name = if class.is_empty() {
        label.to_owned()
    } else {
        format!("{label} {class}")
    };
    out.push_slice(name, Origin::Decoded, native, ctx.budget);
}
