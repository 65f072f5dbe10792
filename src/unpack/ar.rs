//! `ar` archives (`format::ar`): Debian packages and static libraries.
//! Every member but the archive's own tables is a slice of the archive,
//! named as GNU or BSD `ar` names it (a `.deb`'s `data.tar.xz` goes on to
//! be unpacked like any archive).

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::ar::{Bad, SIGNATURE, is_table, member, name};
use crate::report::Origin;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let mut at = SIGNATURE.len();
    let mut long_names: &[u8] = &[];
    let mut listed = 0u64;
    loop {
        let m = match member(data, at) {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(bad) => {
                let detail = match bad {
                    Bad::Truncated => format!("ar archive is truncated at offset {at}"),
                    Bad::Header => format!("bad ar member header at offset {at}"),
                };
                out.findings.push(FindingKind::Malformed { detail });
                // What follows is not read as members: scanned as it is.
                if at < data.len() {
                    out.push_slice(
                        format!("<data after the ar members @{at}>"),
                        Origin::Carved { offset: at as u64 },
                        data.slice(at..),
                        ctx.budget,
                    );
                }
                break;
            }
        };
        if m.raw_name == b"//" {
            long_names = &data[m.data.clone()];
        } else if !is_table(m.raw_name) {
            if listed >= ctx.budget.objects_left() {
                out.entries_cut(listed as usize);
                break;
            }
            listed += 1;
            let n = String::from_utf8_lossy(name(&m, long_names)).into_owned();
            out.push_slice(n, Origin::Entry, data.slice(m.data.clone()), ctx.budget);
        }
        at = m.next;
    }
    out
}
