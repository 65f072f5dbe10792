//! Virtual disks, VHD (fixed and dynamic) and VHDX: the virtual disk is
//! rebuilt from the blocks the image holds (a slice of the image when it is
//! one run, as a fixed VHD is) and handed on as one child, `<virtual disk>`,
//! that the engine types again (a FAT volume, a partitioned disk).

use bytes::Bytes;

use super::image::push_pieces;
use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::{vhd, vhdx};
use crate::report::Origin;

/// A VHD or, when `x`, a VHDX.
pub(crate) fn unpack(data: &Bytes, x: bool, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let max = ctx.budget.limits().max_object_bytes;
    let disk = if x {
        vhdx::read(data, max)
    } else {
        vhd::read(data, max)
    };
    let format = if x { "VHDX" } else { "VHD" };
    for p in disk.problems {
        out.findings.push(FindingKind::Malformed {
            detail: format!("{format}: {p}"),
        });
    }
    if let Some(u) = disk.unsupported {
        out.findings.push(FindingKind::UnsupportedMethod {
            entry: "<virtual disk>".into(),
            method: u,
        });
    }
    if disk.cut {
        out.findings.push(FindingKind::Limit {
            limit: crate::limits::LimitKind::ObjectSize,
            detail: format!(
                "a virtual disk of {} bytes holds data past the {max} bytes read",
                disk.declared
            ),
        });
    }
    if !disk.pieces.is_empty() {
        // The zeros after the last block the image holds were not kept:
        // the disk's partitions may run into them.
        if !disk.cut {
            let kept: u64 = disk.pieces.iter().map(|p| p.len()).sum();
            out.zeros_after
                .push((out.children.len(), disk.declared.saturating_sub(kept)));
        }
        push_pieces(
            &mut out,
            data,
            "<virtual disk>".into(),
            Origin::Decoded,
            &disk.pieces,
            ctx,
            Vec::new(),
        );
    }
    out
}
