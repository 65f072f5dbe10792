//! Tar: ustar, pax and GNU headers, read from the bytes in place (entries
//! are slices of the archive, not copies).
//!
//! A pax `size` is honoured whatever the plain header says, as GNU tar and
//! Go do; where the two disagree the archive is also read the other way (the
//! way tar-rs before 0.4.45 and the tokio-tar forks read it), so that entries
//! smuggled for either reading are scanned. Links are reported, never
//! followed; data after the end-of-archive blocks is scanned on its own.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::tar::{BLOCK, cstr, header_is_valid, octal};
use crate::report::Origin;

/// How a reader takes the size of an entry that has a pax size.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The pax size wins (GNU tar, Go, tar-rs 0.4.45).
    Pax,
    /// The plain header's size wins (the smuggling reading).
    Header,
}

struct Item {
    name: String,
    offset: u64,
    len: u64,
}

struct Pass {
    items: Vec<Item>,
    findings: Vec<FindingKind>,
    disagreement: bool,
    /// Where the archive's blocks end (after the end-of-archive marker).
    end: u64,
    truncated: bool,
    entries_cut: bool,
}

fn read_pass(data: &[u8], reading: Reading, cap: usize) -> Pass {
    let len = data.len() as u64;
    let mut p = Pass {
        items: Vec::new(),
        findings: Vec::new(),
        disagreement: false,
        end: len,
        truncated: false,
        entries_cut: false,
    };
    let mut off = 0u64;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut pax_path: Option<String> = None;
    let mut pax_size: Option<u64> = None;
    let mut pax_link: Option<String> = None;
    let mut global_size: Option<u64> = None;
    while off + BLOCK <= len {
        let h = &data[off as usize..(off + BLOCK) as usize];
        if h.iter().all(|&b| b == 0) {
            // End of archive: two zero blocks (one is tolerated).
            p.end = (off + 2 * BLOCK).min(len);
            return p;
        }
        if !header_is_valid(h) {
            p.findings.push(FindingKind::Malformed {
                detail: format!("bad tar header checksum at offset {off}"),
            });
            p.end = off;
            return p;
        }
        let header_size = octal(&h[124..136]).unwrap_or(0);
        let typeflag = h[156];
        let data_start = off + BLOCK;
        let size = match (reading, pax_size.or(global_size)) {
            (Reading::Pax, Some(s)) => s,
            _ => header_size,
        };
        let padded = size.div_ceil(BLOCK).saturating_mul(BLOCK);
        let next = data_start.saturating_add(padded);
        let body_end = data_start.saturating_add(size).min(len);
        let body = &data[data_start.min(len) as usize..body_end as usize];
        match typeflag {
            b'x' | b'g' => {
                let recs = pax_records(body);
                for (k, v) in recs {
                    match k.as_str() {
                        "path" if typeflag == b'x' => pax_path = Some(v),
                        "linkpath" if typeflag == b'x' => pax_link = Some(v),
                        "size" => match v.trim().parse::<u64>() {
                            Ok(s) if typeflag == b'x' => pax_size = Some(s),
                            Ok(s) => global_size = Some(s),
                            Err(_) => p.findings.push(FindingKind::Malformed {
                                detail: format!("bad pax size {v:?}"),
                            }),
                        },
                        _ => {}
                    }
                }
            }
            b'L' => long_name = Some(String::from_utf8_lossy(cstr(body)).into_owned()),
            b'K' => long_link = Some(String::from_utf8_lossy(cstr(body)).into_owned()),
            _ => {
                let plain_name = {
                    let name = cstr(&h[0..100]);
                    let prefix = if &h[257..262] == b"ustar" {
                        cstr(&h[345..500])
                    } else {
                        &[][..]
                    };
                    if prefix.is_empty() {
                        String::from_utf8_lossy(name).into_owned()
                    } else {
                        format!(
                            "{}/{}",
                            String::from_utf8_lossy(prefix),
                            String::from_utf8_lossy(name)
                        )
                    }
                };
                let name = pax_path.take().or(long_name.take()).unwrap_or(plain_name);
                if let Some(ps) = pax_size.or(global_size)
                    && ps != header_size
                    && !(header_size == 0 && matches!(typeflag, b'1' | b'2' | b'5'))
                {
                    p.disagreement = true;
                    if reading == Reading::Pax {
                        p.findings.push(FindingKind::SizeDisagreement {
                            entry: name.clone(),
                            header: header_size,
                            extended: ps,
                        });
                    }
                }
                let link = pax_link
                    .take()
                    .or(long_link.take())
                    .unwrap_or_else(|| String::from_utf8_lossy(cstr(&h[157..257])).into_owned());
                match typeflag {
                    b'0' | 0 | b'7' => {
                        if p.items.len() >= cap {
                            p.entries_cut = true;
                            return p;
                        }
                        if data_start.saturating_add(size) > len {
                            p.truncated = true;
                        }
                        p.items.push(Item {
                            name,
                            offset: data_start.min(len),
                            len: body_end.saturating_sub(data_start.min(len)),
                        });
                    }
                    b'1' | b'2' => {
                        if reading == Reading::Pax {
                            p.findings
                                .push(super::link_finding(&name, &link, typeflag == b'2'));
                        }
                    }
                    b'5' | b'3' | b'4' | b'6' => {}
                    b'S' => p.findings.push(FindingKind::UnsupportedMethod {
                        entry: name,
                        method: "gnu sparse".into(),
                    }),
                    other => {
                        // Unknown types are regular files to most readers.
                        if p.items.len() >= cap {
                            p.entries_cut = true;
                            return p;
                        }
                        if reading == Reading::Pax {
                            p.findings.push(FindingKind::Malformed {
                                detail: format!(
                                    "entry {name:?} has unknown type {:?}",
                                    other as char
                                ),
                            });
                        }
                        p.items.push(Item {
                            name,
                            offset: data_start.min(len),
                            len: body_end.saturating_sub(data_start.min(len)),
                        });
                    }
                }
                pax_size = None;
            }
        }
        if next > len {
            p.truncated = true;
            p.end = len;
            return p;
        }
        off = next;
    }
    if off < len {
        p.truncated = true;
    }
    p.end = off.min(len);
    p
}

/// `"LEN key=value\n"` records; malformed ones end the list.
fn pax_records(mut b: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let Some(sp) = b.iter().position(|&c| c == b' ') else {
            break;
        };
        let Some(n) = std::str::from_utf8(&b[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if n <= sp + 1 || n > b.len() {
            break;
        }
        let rec = &b[sp + 1..n];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|&c| c == b'=') {
            out.push((
                String::from_utf8_lossy(&rec[..eq]).into_owned(),
                String::from_utf8_lossy(&rec[eq + 1..]).into_owned(),
            ));
        }
        b = &b[n..];
    }
    out
}

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let cap = usize::try_from(ctx.budget.objects_left().saturating_add(1)).unwrap_or(usize::MAX);
    let main = read_pass(data, Reading::Pax, cap);
    let mut items = main.items;
    out.findings.extend(main.findings);
    if main.disagreement {
        // Read it the other way too, and scan what only that reading shows.
        let other = read_pass(data, Reading::Header, cap);
        for it in other.items {
            if !items
                .iter()
                .any(|i| i.offset == it.offset && i.len == it.len)
            {
                out.findings.push(FindingKind::SingleView {
                    entry: it.name.clone(),
                    view: "tar reading that ignores pax sizes".into(),
                });
                items.push(it);
            }
        }
    }
    if main.entries_cut {
        out.entries_cut(items.len());
    }
    if main.truncated {
        out.findings.push(FindingKind::Malformed {
            detail: "tar archive is truncated".into(),
        });
    }
    for it in items {
        let (s, e) = (it.offset as usize, (it.offset + it.len) as usize);
        out.push_slice(it.name, Origin::Entry, data.slice(s..e), ctx.budget);
    }
    let end = main.end as usize;
    if end < data.len() && data[end..].iter().any(|&b| b != 0) {
        out.findings.push(FindingKind::AppendedData {
            length: (data.len() - end) as u64,
        });
        out.push_slice(
            "<data after the tar end>".into(),
            Origin::Carved { offset: end as u64 },
            data.slice(end..),
            ctx.budget,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records_parse() {
        let r = pax_records(b"16 path=a/b.txt\n11 size=42\n");
        assert_eq!(
            r,
            vec![
                ("path".into(), "a/b.txt".into()),
                ("size".into(), "42".into())
            ]
        );
    }
}
