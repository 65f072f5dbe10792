//! cpio archives (`format::cpio`): every regular file is a slice of the
//! archive; links are reported, never followed; what follows the trailer
//! is scanned on its own, as tar's is.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::cpio::{Bad, REGULAR, SYMLINK, TRAILER, TYPE_MASK, header};
use crate::report::Origin;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let mut at = 0usize;
    let mut listed = 0u64;
    let end = loop {
        let h = match header(data, at) {
            Ok(Some(h)) => h,
            Ok(None) => break at,
            Err(bad) => {
                let detail = match bad {
                    Bad::Truncated => format!("cpio archive is truncated at offset {at}"),
                    Bad::Magic | Bad::Field => format!("bad cpio header at offset {at}"),
                };
                out.findings.push(FindingKind::Malformed { detail });
                break data.len();
            }
        };
        let name = String::from_utf8_lossy(&data[h.name.clone()]).into_owned();
        if data[h.name.clone()] == *TRAILER {
            break h.next.min(data.len());
        }
        match h.mode & TYPE_MASK {
            // A hard link's earlier names carry no data in `newc`.
            REGULAR if !h.data.is_empty() => {
                if listed >= ctx.budget.objects_left() {
                    out.entries_cut(listed as usize);
                    return out;
                }
                listed += 1;
                out.push_slice(name, Origin::Entry, data.slice(h.data), ctx.budget);
            }
            // The data is the link's target to a Unix extractor, and a
            // file's content to one that ignores the mode: scanned as a
            // child, as a zip's symlink entry is.
            SYMLINK => {
                let shown = &data[h.data.start..h.data.end.min(h.data.start + 4096)];
                let target = String::from_utf8_lossy(shown).into_owned();
                out.findings.push(super::link_finding(&name, &target, true));
                if !h.data.is_empty() {
                    if listed >= ctx.budget.objects_left() {
                        out.entries_cut(listed as usize);
                        return out;
                    }
                    listed += 1;
                    out.push_slice(name, Origin::Entry, data.slice(h.data), ctx.budget);
                }
            }
            // Folders, devices, pipes and sockets hold nothing; bytes one
            // claims anyway, or an entry of no known type, are a file to
            // libarchive (which creates unknown types as regular files).
            _ if !h.data.is_empty() => {
                if listed >= ctx.budget.objects_left() {
                    out.entries_cut(listed as usize);
                    return out;
                }
                listed += 1;
                let kind = format!("{:o}", h.mode & TYPE_MASK);
                out.findings
                    .push(super::claims_data(&name, kind, h.data.len()));
                out.push_slice(name, Origin::Entry, data.slice(h.data), ctx.budget);
            }
            _ => {}
        }
        at = h.next;
    };
    // Writers pad the archive to a block with zeros; anything else after
    // the trailer is data of its own.
    if end < data.len() && data[end..].iter().any(|&b| b != 0) {
        out.push_appended("<data after the cpio trailer>", data, end, ctx.budget);
    }
    out
}
