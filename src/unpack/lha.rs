//! LHA / LZH archives, read by delharc (every header level; lh0 to lh7,
//! lzs, lz5, pm0 to pm2), and ARJ archives (`format::arj`), whose methods
//! 1 to 3 are LHA's lh6 coding and decode with the same decoder. Each entry
//! is a child under its stored name, decoded up to the size it declares
//! (a stop, never an allocation) and checked by its CRC; a method neither
//! reads (LHA's lhx) or a garbled ARJ entry is a finding. ARJ's method 4
//! ("fastest") is decoded in `format::arj`.

use std::io::{self, Read};

use bytes::Bytes;
use delharc::decode::{Decoder, DecoderAny};

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::arj;
use crate::report::Origin;

pub(crate) fn unpack_lha(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let mut r = match delharc::LhaDecodeReader::new(&data[..]) {
        Ok(r) => r,
        Err(e) => {
            out.findings.push(FindingKind::Malformed {
                detail: format!("LHA: {e}"),
            });
            return out;
        }
    };
    let mut listed = 0usize;
    let mut ended = false;
    loop {
        let h = r.header();
        let name = h.parse_pathname_to_str();
        let packed = h.compressed_size;
        if !h.is_directory() {
            if listed as u64 >= ctx.budget.objects_left() {
                out.entries_cut(listed);
                return out;
            }
            listed += 1;
            if r.is_decoder_supported() {
                let drained = ctx.budget.drain(&mut r, packed);
                let whole = drained.error.is_none() && drained.limit.is_none();
                out.push_drained(name.clone(), Origin::Entry, drained);
                if whole && r.crc_check().is_err() {
                    out.findings.push(FindingKind::Malformed {
                        detail: format!("LHA entry {name:?}: its CRC does not match"),
                    });
                }
            } else {
                let method = String::from_utf8_lossy(&h.compression).into_owned();
                out.findings.push(FindingKind::UnsupportedMethod {
                    entry: name,
                    method: format!("LHA {method}"),
                });
            }
        }
        match r.next_file() {
            Ok(true) => {}
            Ok(false) => {
                ended = true;
                break;
            }
            Err(e) => {
                out.findings.push(FindingKind::Malformed {
                    detail: format!("LHA: {e}"),
                });
                break;
            }
        }
    }
    if ended {
        // Past the end marker: not the archive's (a zip or an executable
        // glued on), scanned on its own.
        let rest = r.into_inner().len();
        if rest > 0 {
            out.push_appended(
                "<data after the archive>",
                data,
                data.len() - rest,
                ctx.budget,
            );
        }
    }
    out
}

/// A delharc decoder read as a stream, up to the size the entry declares.
struct Decoded<'a> {
    decoder: DecoderAny<&'a [u8]>,
    left: u64,
}

impl Read for Decoded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        if n == 0 {
            return Ok(0);
        }
        self.decoder
            .fill_buffer(&mut buf[..n])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        self.left -= n as u64;
        Ok(n)
    }
}

pub(crate) fn unpack_arj(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let mut listed = 0usize;
    let mut walk = arj::entries(data);
    for e in walk.by_ref() {
        let e = match e {
            Ok(e) => e,
            Err(bad) => {
                out.findings.push(FindingKind::Malformed {
                    detail: bad.to_string(),
                });
                break;
            }
        };
        let name = String::from_utf8_lossy(&e.name).into_owned();
        // Directories, volume labels and chapter marks hold no data; bytes
        // one claims anyway are read as a file's.
        if !matches!(e.file_type, 0 | 1) {
            if e.data.is_empty() {
                continue;
            }
            out.findings
                .push(super::claims_data(&name, e.file_type, e.data.len()));
        }
        if listed as u64 >= ctx.budget.objects_left() {
            out.entries_cut(listed);
            break;
        }
        listed += 1;
        if e.flags & arj::GARBLED != 0 {
            out.findings.push(FindingKind::Encrypted {
                entry: name,
                method: "arj-garble".into(),
                decrypted: false,
            });
            continue;
        }
        let packed = &data[e.data.clone()];
        let before = out.children.len();
        match e.method {
            arj::STORED => out.push_slice(
                name.clone(),
                Origin::Entry,
                data.slice(e.data.clone()),
                ctx.budget,
            ),
            1..=3 => {
                let r = Decoded {
                    decoder: DecoderAny::new_from_compression(
                        delharc::CompressionMethod::Lh6,
                        packed,
                    ),
                    left: u64::from(e.original_size),
                };
                let drained = ctx.budget.drain(r, packed.len() as u64);
                out.push_drained(name.clone(), Origin::Entry, drained);
            }
            4 => {
                // One byte past an object's limit, so that the budget
                // tells a stream cut there from one that ends there.
                let cap = usize::try_from(ctx.budget.limits().max_object_bytes)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1);
                let mut decoded = Vec::new();
                let ok = arj::decode_fastest(packed, e.original_size as usize, cap, &mut decoded);
                out.push_drained(name.clone(), Origin::Entry, ctx.budget.take(decoded));
                if !ok {
                    out.findings.push(FindingKind::Malformed {
                        detail: format!(
                            "ARJ entry {name:?}: its data ends or breaks before its size"
                        ),
                    });
                    continue;
                }
            }
            m => {
                out.findings.push(FindingKind::UnsupportedMethod {
                    entry: name,
                    method: format!("ARJ method {m}"),
                });
                continue;
            }
        }
        if e.cut {
            out.findings.push(FindingKind::Malformed {
                detail: format!("ARJ entry {name:?} is cut short: the archive ends inside it"),
            });
        } else if let Some(child) = out.children.get_mut(before)
            && child.findings.is_empty()
            && crc32fast::hash(&child.data) != e.crc
        {
            child.findings.push(FindingKind::Malformed {
                detail: format!("ARJ entry {name:?}: its CRC-32 does not match"),
            });
        }
    }
    if let Some(end) = walk.end.filter(|&end| end < data.len()) {
        out.push_appended("<data after the archive>", data, end, ctx.budget);
    }
    out
}
