//! Scripts encoded by Microsoft's Script Encoder (`.vbe`, `.jse`, encoded
//! blocks in pages, scriptlets and HTML applications): each block decoded
//! is a child, scanned as the script Windows Script Host runs. Any text or
//! script that holds the block's marker is read, whatever its name says.
//! A block cut short or with a checksum that does not hold is a finding on
//! its child, and what decoded is scanned all the same.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::keys::KeyBytes;
use crate::format::screnc;
use crate::report::Origin;
use crate::types::{FileType, known};

/// Encoded blocks read in one object at most; the rest are a limit.
const MAX_BLOCKS: usize = 1024;

/// True when an object of type `t` is text or a script that holds an
/// encoded block's marker (never where `keys`, those of `data`, hold no
/// `^`, the marker's last byte).
pub(crate) fn has_work(t: FileType, data: &[u8], keys: KeyBytes) -> bool {
    t.is_text_or_script() && keys.may_hold(b'^') && screnc::find(data, 0).is_some()
}

/// Decodes every encoded block of `text` into children of `out`, typed as
/// the script they are when the object is a VBScript or JScript file.
pub(crate) fn carve(text: &Bytes, primary: FileType, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let mut from = 0;
    let mut blocks = 0usize;
    while let Some(at) = screnc::find(text, from) {
        if screnc::header(text, at).is_none() {
            // A marker without a header: not a block.
            from = at + screnc::MARKER.len();
            continue;
        }
        if blocks >= MAX_BLOCKS || ctx.budget.objects_left() == 0 {
            out.entries_cut(blocks);
            return;
        }
        // Never longer than the text after the marker, which is charged
        // already; the budget takes it as any decoded child.
        let mut plain = Vec::new();
        let Some(b) = screnc::decode(text, at, &mut plain) else {
            break;
        };
        let drained = ctx.budget.take(plain);
        blocks += 1;
        let name = format!("<decoded script @{at}>");
        out.push_drained(name.clone(), Origin::Decoded, drained);
        if primary == known::VBSCRIPT || primary == known::JSCRIPT {
            out.declare_last(primary);
        }
        if let Some(c) = out.children.last_mut() {
            if b.read < b.declared {
                c.findings.push(FindingKind::Malformed {
                    detail: format!(
                        "{name:?}: the encoded script declares {} characters and holds {}",
                        b.declared, b.read
                    ),
                });
            }
            if b.checksum_ok == Some(false) {
                c.findings
                    .push(FindingKind::ChecksumMismatch { entry: name });
            }
        }
        from = b.end.max(at + screnc::MARKER.len());
    }
}
