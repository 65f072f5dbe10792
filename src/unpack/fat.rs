//! Raw disk images: a FAT volume (its files are the children), or a disk
//! with a partition table (each partition is a child, typed again). NTFS
//! and exFAT volumes are recognised and said not to be unpacked.

use bytes::Bytes;

use super::image::{Entry, emit, push_pieces};
use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::disk::Piece;
use crate::format::{fat, mbr};
use crate::report::Origin;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let cap = usize::try_from(ctx.budget.objects_left().saturating_add(1)).unwrap_or(usize::MAX);
    if let Some(listing) = fat::read(data, cap) {
        out.findings.extend(listing.findings);
        if listing.entries_cut {
            out.entries_cut(cap);
        }
        let entries = listing
            .files
            .into_iter()
            .map(|f| Entry {
                name: f.path,
                alt_names: Vec::new(),
                pieces: f.pieces,
                hidden: f.hidden,
            })
            .collect();
        emit(&mut out, data, entries, ctx);
        return out;
    }
    for (oem, format) in [(&b"NTFS    "[..], "ntfs"), (b"EXFAT   ", "exfat")] {
        if data.get(3..11) == Some(oem) {
            out.findings.push(FindingKind::UnsupportedFormat {
                format: format.into(),
            });
            return out;
        }
    }
    if mbr::is_mbr(data) {
        let mut problems = Vec::new();
        let parts = mbr::partitions(data, &mut problems);
        for p in problems {
            out.findings.push(FindingKind::Malformed {
                detail: format!("partition table: {p}"),
            });
        }
        for p in parts.into_iter().take(cap) {
            let piece = [Piece::Data {
                offset: p.offset,
                len: p.len,
            }];
            push_pieces(
                &mut out,
                data,
                format!("<partition {}>", p.number),
                Origin::Carved { offset: p.offset },
                &piece,
                ctx,
                Vec::new(),
            );
        }
        return out;
    }
    out.findings.push(FindingKind::Malformed {
        detail: "a disk image with neither a FAT boot sector nor a partition table".into(),
    });
    out
}
