//! Compiled HTML help (CHM): every entry of the directory
//! ([`crate::format::chm`]) is a child. Section 0 entries are slices of the
//! file; section 1 is one LZX stream, decoded block by block with the
//! `lzxd` crate through the budget (as far as the entries need), its
//! entries slices of what was decoded. A page whose help control runs a
//! command is a finding on that page.

use std::panic::{AssertUnwindSafe, catch_unwind};

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::budget::Stop;
use crate::finding::FindingKind;
use crate::format::chm::{self, Entry, LZX_CONTENT, LZX_CONTROL, LZX_RESET_TABLE, Lzx};
use crate::report::Origin;

/// Unpacks a help file.
pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    // Folders are listed too: room for as many as there are files.
    let max = usize::try_from(ctx.budget.objects_left())
        .unwrap_or(usize::MAX)
        .saturating_mul(2)
        .saturating_add(64);
    let listing = match chm::listing(data, max) {
        Ok(l) => l,
        Err(e) => {
            out.findings.push(FindingKind::Malformed {
                detail: format!("help file directory: {e}"),
            });
            return out;
        }
    };
    for p in listing.problems {
        out.findings.push(FindingKind::Malformed { detail: p });
    }
    if listing.cut {
        out.entries_cut(listing.entries.len());
    }
    let section0 = |e: &Entry| -> Option<Bytes> {
        let start = listing.content_offset.checked_add(e.offset)?;
        let start = usize::try_from(start).ok().filter(|&s| s <= data.len())?;
        let len = usize::try_from(e.length).unwrap_or(usize::MAX);
        Some(data.slice(start..start.saturating_add(len).min(data.len())))
    };
    let mut compressed: Vec<&Entry> = Vec::new();
    for e in &listing.entries {
        if e.name.ends_with('/') || e.length == 0 {
            continue;
        }
        match e.section {
            0 => {
                // The compressed section is read below, as what it holds.
                if e.name == LZX_CONTENT {
                    continue;
                }
                match section0(e) {
                    Some(bytes) => {
                        let short = (bytes.len() as u64) < e.length;
                        push(&mut out, e, bytes, ctx);
                        if short {
                            cut_short(&mut out, e);
                        }
                    }
                    None => cut_short(&mut out, e),
                }
            }
            1 => compressed.push(e),
            other => out.findings.push(FindingKind::Malformed {
                detail: format!("{:?} is in section {other}, which does not exist", e.name),
            }),
        }
    }
    if !compressed.is_empty() {
        let find = |name: &str| {
            listing
                .entries
                .iter()
                .find(|e| e.name == name && e.section == 0)
                .and_then(section0)
        };
        let params = match (find(LZX_CONTROL), find(LZX_RESET_TABLE)) {
            (Some(c), Some(r)) => chm::lzx_params(&c, &r),
            _ => Err("its control data or reset table is missing".into()),
        };
        match (params, find(LZX_CONTENT)) {
            (Ok(p), Some(content)) => decode_section(&p, &content, &compressed, ctx, &mut out),
            (params, _) => {
                let why = params
                    .err()
                    .unwrap_or_else(|| "its content is missing".into());
                out.findings.push(FindingKind::UnsupportedMethod {
                    entry: format!("section 1 ({} entries)", compressed.len()),
                    method: format!("LZX: {why}"),
                });
            }
        }
    }
    for c in &mut out.children {
        for command in chm::shortcut_commands(&c.data) {
            c.findings.push(FindingKind::ChmCommand {
                page: c.name.clone(),
                command,
            });
        }
    }
    out
}

/// A child for entry `e`: its name without the leading `/` (as extractors
/// write it); the format's own entries (`::DataSpace/...`) under a label.
fn push(out: &mut Unpacked, e: &Entry, bytes: Bytes, ctx: &mut Ctx<'_>) {
    let (name, origin) = if e.name.starts_with("::") {
        (format!("<{}>", e.name), Origin::Unnamed)
    } else {
        (e.name.trim_start_matches('/').to_owned(), Origin::Entry)
    };
    out.push_slice(name, origin, bytes, ctx.budget);
}

fn cut_short(out: &mut Unpacked, e: &Entry) {
    out.findings.push(FindingKind::Malformed {
        detail: format!(
            "{:?} ({} bytes in section {}) runs past the end of its section",
            e.name, e.length, e.section
        ),
    });
}

/// Decodes the compressed section as far as `entries` reach, and pushes
/// them.
fn decode_section(
    p: &Lzx,
    content: &Bytes,
    entries: &[&Entry],
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    let needed = entries
        .iter()
        .map(|e| e.offset.saturating_add(e.length))
        .max()
        .unwrap_or(0)
        .min(p.uncompressed_len);
    let window = match p.window {
        0x8000 => lzxd::WindowSize::KB32,
        0x1_0000 => lzxd::WindowSize::KB64,
        0x2_0000 => lzxd::WindowSize::KB128,
        0x4_0000 => lzxd::WindowSize::KB256,
        0x8_0000 => lzxd::WindowSize::KB512,
        0x10_0000 => lzxd::WindowSize::MB1,
        _ => lzxd::WindowSize::MB2,
    };
    let drained = ctx.budget.fill(content.len() as u64, |buf, cap, watch| {
        let mut lzx: Option<lzxd::Lzxd> = None;
        let target = needed.min(cap);
        let mut block = 0usize;
        while (buf.len() as u64) < target {
            watch.check().map_err(Stop::Limit)?;
            let Some(&start) = p.offsets.get(block) else {
                return Err(Stop::Io(std::io::Error::other(format!(
                    "the reset table ends at block {block}"
                ))));
            };
            let end = p
                .offsets
                .get(block + 1)
                .copied()
                .unwrap_or(p.compressed_len)
                .min(content.len() as u64);
            let chunk = usize::try_from(start)
                .ok()
                .zip(usize::try_from(end).ok())
                .and_then(|(s, e)| content.get(s..e))
                .ok_or_else(|| {
                    Stop::Io(std::io::Error::other(format!(
                        "block {block} lies outside the compressed stream"
                    )))
                })?;
            // Compilers encode the last block whole too (chmlib asks
            // for a whole block every time): what lies past the
            // section's length is dropped.
            let left = p.uncompressed_len.saturating_sub(buf.len() as u64);
            let keep = p.block_len.min(left) as usize;
            if block == 0 || (p.reset_blocks > 0 && (block as u64).is_multiple_of(p.reset_blocks)) {
                lzx = None;
            }
            let dec = lzx.get_or_insert_with(|| lzxd::Lzxd::new(window));
            // The decoder asserts on some malformed streams: a panic is
            // a failed decode, not a crash.
            let frame = catch_unwind(AssertUnwindSafe(|| {
                dec.decompress_next(chunk, p.block_len as usize)
                    .map(|b| b[..keep.min(b.len())].to_vec())
            }));
            match frame {
                Ok(Ok(bytes)) => buf.extend_from_slice(&bytes),
                Ok(Err(e)) => {
                    return Err(Stop::Io(std::io::Error::other(format!(
                        "LZX block {block}: {e}"
                    ))));
                }
                Err(_) => {
                    return Err(Stop::Io(std::io::Error::other(format!(
                        "LZX block {block} could not be decoded"
                    ))));
                }
            }
            block += 1;
        }
        Ok(needed > cap)
    });
    if let Some(limit) = drained.limit {
        out.findings.push(FindingKind::Limit {
            limit,
            detail: format!(
                "the compressed section was cut at {} bytes",
                drained.data.len()
            ),
        });
    }
    if let Some(e) = drained.error {
        out.findings.push(FindingKind::Malformed {
            detail: format!("compressed section: {e}"),
        });
    }
    let section = drained.data.into_bytes();
    for e in entries {
        let start = usize::try_from(e.offset)
            .unwrap_or(usize::MAX)
            .min(section.len());
        let end = usize::try_from(e.offset.saturating_add(e.length))
            .unwrap_or(usize::MAX)
            .min(section.len());
        if ((end - start) as u64) < e.length {
            cut_short(out, e);
        }
        if end > start {
            push(out, e, section.slice(start..end), ctx);
        }
    }
}
