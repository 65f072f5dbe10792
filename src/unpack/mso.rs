//! ActiveMime (`editdata.mso`, `oleObject*.mso`): how Office 2003 XML and
//! "single file web page" (MHTML) documents carry their binary parts, the
//! VBA project among them. A header starting `ActiveMime`, then a zlib
//! stream of an OLE compound file, which the engine unpacks like any other
//! (so that macros in a document saved as XML or MHTML are found).
//!
//! The stream's offset is read from the header (a 16-bit field at 0x1E,
//! plus 46), as oletools reads it; then Word's and Excel's usual offsets;
//! then the first zlib header in the first 4 KiB. A candidate is tried on
//! a small probe before the budget decodes it.

use bytes::Bytes;
use flate2::{Decompress, FlushDecompress, Status};

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::report::Origin;

/// How far the fallback search for a zlib header goes.
const SEARCH: usize = 4096;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let declared = data
        .get(0x1e..0x20)
        .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])) + 46);
    let searched = memchr::memchr_iter(0x78, &data[..data.len().min(SEARCH)]);
    for start in declared.into_iter().chain([0x32, 0x22a]).chain(searched) {
        if !decodes(data.get(start..).unwrap_or(&[])) {
            continue;
        }
        let z = flate2::bufread::ZlibDecoder::new(&data[start..]);
        let drained = ctx.budget.drain(z, (data.len() - start) as u64);
        out.push_drained(
            "<ActiveMime content>".into(),
            Origin::Carved {
                offset: start as u64,
            },
            drained,
        );
        return out;
    }
    out.findings.push(FindingKind::Malformed {
        detail: "ActiveMime without a zlib stream where its header or Office put it".into(),
    });
    out
}

/// True when `b` starts with a zlib header whose first 4 KiB of output
/// decode without error.
fn decodes(b: &[u8]) -> bool {
    let [cmf, flg, ..] = *b else {
        return false;
    };
    if cmf & 0x0f != 8 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return false;
    }
    let mut d = Decompress::new(true);
    let mut probe = [0u8; 4096];
    matches!(
        d.decompress(b, &mut probe, FlushDecompress::None),
        Ok(Status::Ok | Status::StreamEnd | Status::BufError)
    ) && d.total_out() > 0
}
