//! 7z archives, read by `sevenz-rust2` after our own check of what it
//! would trust.
//!
//! The crate is hardened against hostile headers (fallible allocations,
//! counts bounded by the input, an LZMA window that grows with the output),
//! with two exceptions that this module closes before handing it the bytes:
//! - an *encoded* header (itself compressed) is read into memory to the size
//!   it declares, so a few hundred bytes could ask for gigabytes: the
//!   declared sizes are read here first and must be small;
//! - a start header whose CRC field is zero sends the crate searching the
//!   last MiB backwards for anything that parses as a header, one attempt
//!   per candidate byte: here the start header must carry its CRC.
//!
//! A PPMd coder's model is allocated and zeroed whole, at the size the
//! coder declares (up to 4 GiB), before a byte is decoded: each model, the
//! encoded header's included, is charged to the budget
//! ([`Budget::charge_model`](crate::budget::Budget::charge_model)) before
//! the crate builds its decoder, and a block whose model is refused is a
//! limit finding.
//!
//! Blocks are walked here, one decoder each: a block that cannot be
//! decoded (an unsupported method, a coder's bad properties) is a finding,
//! and the blocks after it are still read. Entries are read one by one
//! through the budget. An entry that fails to decode or meets its own limit
//! ends its block (a solid block would otherwise be inflated to its end to
//! reach the next entry); a limit of the whole scan ends the walk before
//! another block's decoder (and its key derivation, for AES) is built. What
//! was not reached is a finding.

use std::io::{Cursor, Read};

use bytes::Bytes;
use sevenz_rust2::{Archive, ArchiveEntry, BlockDecoder, Error, Password};

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::sevenz::{SIGNATURE, encoded_header, ppmd_model, start_header_crc_ok};
use crate::limits::LimitKind;
use crate::report::Origin;

/// The largest header (raw, or once decoded) that is handed to the crate.
/// It keeps a record of some 130 bytes per entry, and an entry can take as
/// little as two header bytes, so this bounds its memory at about 130 MiB;
/// real archives of some 50,000 files fit (7-Zip writes about 39 header
/// bytes per small file).
const MAX_HEADER: u64 = 2 << 20;

/// Why the header is not handed to the crate.
#[derive(Debug, PartialEq)]
enum Refused {
    Malformed(String),
    TooLarge(u64),
}

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = entries(data, ctx);
    // The archive ends with its header; what follows is no part of it (a
    // second archive glued on) and is scanned as data of its own.
    if let Some(end) = archive_end(data)
        && end < data.len()
        && data[end..].iter().any(|&b| b != 0)
    {
        out.push_appended("<data after the 7z archive>", data, end, ctx.budget);
    }
    out
}

/// Where the archive's header ends, by its start header, when inside the
/// file.
fn archive_end(data: &[u8]) -> Option<usize> {
    let (offset, size) = next_header(data.get(..32)?);
    let end = offset.checked_add(32)?.checked_add(size)?;
    usize::try_from(end).ok().filter(|&e| e <= data.len())
}

/// The offset (after the start header) and size of the header the start
/// header points at.
fn next_header(start: &[u8]) -> (u64, u64) {
    let u64_at = |i: usize| u64::from_le_bytes(start[i..i + 8].try_into().unwrap_or_default());
    (u64_at(12), u64_at(20))
}

fn entries(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    match check(data) {
        Ok(header_model) => {
            // The crate decodes an encoded header with the coder it names.
            if header_model > 0
                && let Err(limit) = ctx.budget.charge_model(header_model)
            {
                out.findings.push(FindingKind::Limit {
                    limit,
                    detail: format!(
                        "the 7z header's PPMd model ({} MiB) was not allocated: its entries were not read",
                        header_model >> 20
                    ),
                });
                return out;
            }
        }
        Err(Refused::Malformed(detail)) => {
            out.findings.push(FindingKind::Malformed {
                detail: format!("7z: {detail}"),
            });
            return out;
        }
        Err(Refused::TooLarge(n)) => {
            out.findings.push(FindingKind::Limit {
                limit: LimitKind::ObjectSize,
                detail: format!("the 7z header declares {n} bytes: its entries were not read"),
            });
            return out;
        }
    }
    let mut result = read(data, Password::empty(), ctx, &mut out);
    if matches!(
        result,
        Err(Error::PasswordRequired | Error::MaybeBadPassword(_))
    ) {
        // What the attempt without a key gave is not the content.
        out.children.clear();
        out.findings.clear();
        let mut opened = false;
        for (tried, candidate) in ctx.passwords.iter().enumerate() {
            // Each attempt derives a key (up to 2^24 SHA-256 rounds) per
            // block.
            if let Err(limit) = ctx.budget.check_time() {
                out.findings.push(FindingKind::Limit {
                    limit,
                    detail: format!(
                        "{} of {} candidate passwords for the 7z were tried before its time ran out",
                        tried,
                        ctx.passwords.len()
                    ),
                });
                break;
            }
            let mut attempt = Unpacked::default();
            let r = read(data, Password::from(candidate.as_str()), ctx, &mut attempt);
            // A wrong key decrypts to garbage that fails to decode or its
            // CRC: opened means no entry failed (a limit is no failure).
            let whole = attempt.children.iter().all(|c| {
                !c.findings
                    .iter()
                    .any(|f| matches!(f, FindingKind::Malformed { .. }))
            });
            if r.is_ok() && !attempt.children.is_empty() && whole {
                out.children.extend(attempt.children);
                out.findings.extend(attempt.findings);
                opened = true;
                result = Ok(());
                break;
            }
            // An attempt that the clock stopped opened nothing because it
            // was stopped: said as such, and no candidate follows it.
            if let Some(cut) = attempt.findings.into_iter().find(|f| {
                matches!(
                    f,
                    FindingKind::Limit {
                        limit: LimitKind::Time,
                        ..
                    }
                )
            }) {
                out.findings.push(cut);
                break;
            }
        }
        out.findings.push(FindingKind::Encrypted {
            entry: "<7z archive>".into(),
            method: "7z-aes".into(),
            decrypted: opened,
        });
        if !opened {
            return out;
        }
    }
    match result {
        Ok(()) => {}
        Err(Error::UnsupportedCompressionMethod(method)) => {
            out.findings.push(FindingKind::UnsupportedMethod {
                entry: "<7z archive>".into(),
                method,
            });
        }
        Err(Error::Unsupported(what)) => out.findings.push(FindingKind::UnsupportedMethod {
            entry: "<7z archive>".into(),
            method: what.into_owned(),
        }),
        Err(e) => out.findings.push(FindingKind::Malformed {
            detail: format!("7z: {e}"),
        }),
    }
    out
}

/// Reads every entry with one password, into `out`. An error of the
/// archive (its header, or a password that a block needs) is returned; a
/// block's own is a finding, and the next block is still read.
fn read(
    data: &Bytes,
    password: Password,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) -> Result<(), Error> {
    let mut source = Cursor::new(&data[..]);
    let archive = Archive::read(&mut source, &password)?;
    let mut walk = Walk::default();
    let mut block_findings = Vec::new();
    for (index, block) in archive.blocks.iter().enumerate() {
        let first = archive
            .stream_map
            .block_first_file_index
            .get(index)
            .and_then(|&i| archive.files.get(i))
            .map_or_else(|| format!("<7z block {index}>"), |f| f.name().to_owned());
        // Each encrypted block derives its key anew (up to 2^24 SHA-256
        // rounds), even one that holds no entry: the clock is read before
        // every block, not only before every entry.
        if let Err(limit) = ctx.budget.check_time() {
            block_findings.push(FindingKind::Limit {
                limit,
                detail: format!("7z blocks from the block of {first:?} on were not read"),
            });
            break;
        }
        let model: u64 = block
            .coders
            .iter()
            .filter_map(|c| ppmd_model(c.encoder_method_id(), c.properties()))
            .sum();
        if model > 0
            && let Err(limit) = ctx.budget.charge_model(model)
        {
            block_findings.push(FindingKind::Limit {
                limit,
                detail: format!(
                    "the PPMd model ({} MiB) of the block of {first:?} was not allocated: its entries were not read",
                    model >> 20
                ),
            });
            if matches!(limit, LimitKind::ObjectSize) {
                continue;
            }
            break;
        }
        // Decoding on threads of its own is not the library's to start.
        let walked = BlockDecoder::new(1, index, &archive, &password, &mut source)
            .for_each_entries(&mut |entry: &ArchiveEntry, r: &mut dyn Read| {
                walk.entry(entry, r, data.len() as u64, ctx, out)
            });
        match walked {
            Ok(_) => {}
            Err(Error::Other(why)) if why == STOP => break,
            Err(e @ (Error::PasswordRequired | Error::MaybeBadPassword(_))) => return Err(e),
            Err(e) => block_findings.push(block_finding(e, first)),
        }
    }
    out.findings.extend(block_findings);
    for (limit, name) in walk.cuts {
        out.findings.push(FindingKind::Limit {
            limit,
            detail: format!("{name:?} was cut: the entries after it in its block were not read"),
        });
    }
    Ok(())
}

/// Why a block's decoder could not be built or read, named after its first
/// entry.
fn block_finding(e: Error, first: String) -> FindingKind {
    match e {
        Error::UnsupportedCompressionMethod(method) => FindingKind::UnsupportedMethod {
            entry: first,
            method,
        },
        Error::Unsupported(what) => FindingKind::UnsupportedMethod {
            entry: first,
            method: what.into_owned(),
        },
        e => FindingKind::Malformed {
            detail: format!("7z: the block of {first:?}: {e}"),
        },
    }
}

/// What the walk over the entries has counted so far.
#[derive(Default)]
struct Walk {
    listed: u64,
    cuts: Vec<(LimitKind, String)>,
}

impl Walk {
    /// Reads one entry into `out`. Returning false ends the current block:
    /// the walk then goes on with the next block, whose decoder starts
    /// afresh. Returning true after an entry that was not read to its end
    /// would make the crate inflate the rest of it, to its declared size, to
    /// reach the next entry. Returning the STOP error ends the walk.
    fn entry(
        &mut self,
        entry: &ArchiveEntry,
        r: &mut dyn Read,
        archive_len: u64,
        ctx: &mut Ctx<'_>,
        out: &mut Unpacked,
    ) -> Result<bool, Error> {
        // Without data the crate has nothing to skip past. A "directory"
        // with data is read like a file: left unread, it would be inflated
        // to its declared size.
        if !entry.has_stream() || entry.size() == 0 {
            return Ok(true);
        }
        if self.listed >= ctx.budget.objects_left() {
            out.entries_cut(self.listed as usize);
            return Err(Error::Other(STOP.into()));
        }
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: format!("7z entries from {:?} on were not read", entry.name()),
            });
            return Err(Error::Other(STOP.into()));
        }
        self.listed += 1;
        // 7-Zip stores what it read from standard input without a name.
        let (name, origin) = match entry.name() {
            "" => (format!("<7z entry {}>", self.listed), Origin::Unnamed),
            n => (n.to_owned(), Origin::Entry),
        };
        let drained = ctx.budget.drain(r, archive_len);
        let block_done = match drained.limit {
            // This entry's own limits: the rest of its block is left.
            Some(limit @ (LimitKind::ObjectSize | LimitKind::Ratio)) => {
                self.cuts.push((limit, name.clone()));
                true
            }
            // The scan's: nothing more can be read.
            Some(limit) => {
                self.cuts.push((limit, name.clone()));
                out.push_drained(name, origin, drained);
                return Err(Error::Other(STOP.into()));
            }
            // An entry that fails to decode is a finding of its own; the
            // rest of its block is left, the next blocks are still read.
            None => drained.error.is_some(),
        };
        out.push_drained(name, origin, drained);
        Ok(!block_done)
    }
}

/// What the walk's callback returns to end it: not an error of the archive.
const STOP: &str = "xferscan: the scan's budget is spent";

/// Reads the start header and, for an encoded header, the sizes it
/// declares: what the crate would otherwise trust. Gives the PPMd model
/// the encoded header's coder declares (0 without one).
fn check(data: &[u8]) -> Result<u64, Refused> {
    let bad = |s: &str| Refused::Malformed(s.into());
    let start = data
        .get(..32)
        .ok_or_else(|| bad("shorter than its start header"))?;
    if &start[..6] != SIGNATURE || start[6] != 0 {
        return Err(bad("not a 7z signature and version 0"));
    }
    if !start_header_crc_ok(start) {
        return Err(bad(
            "start header CRC missing or wrong (no recovery reading is tried)",
        ));
    }
    let (offset, size) = next_header(start);
    if size > MAX_HEADER {
        return Err(Refused::TooLarge(size));
    }
    let header = offset
        .checked_add(32)
        .and_then(|s| Some((s, s.checked_add(size)?)))
        .and_then(|(s, e)| data.get(usize::try_from(s).ok()?..usize::try_from(e).ok()?))
        .ok_or_else(|| bad("header outside the file"))?;
    match header.first() {
        // Empty archive, or a plain header (bounded by its size above).
        None | Some(0x01) => Ok(0),
        Some(0x17) => {
            let declared =
                encoded_header(&header[1..]).ok_or_else(|| bad("encoded header unreadable"))?;
            if declared.largest > MAX_HEADER {
                Err(Refused::TooLarge(declared.largest))
            } else {
                Ok(declared.model)
            }
        }
        Some(_) => Err(bad("unknown header type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::sevenz::tests::encoded;

    fn archive(header: &[u8], crc_ok: bool) -> Vec<u8> {
        let mut v = SIGNATURE.to_vec();
        v.extend([0, 4]);
        let mut start = Vec::new();
        start.extend(0u64.to_le_bytes());
        start.extend((header.len() as u64).to_le_bytes());
        start.extend(crc32fast::hash(header).to_le_bytes());
        let crc = if crc_ok { crc32fast::hash(&start) } else { 0 };
        v.extend(crc.to_le_bytes());
        v.extend(start);
        v.extend(header);
        v
    }

    #[test]
    fn start_headers() {
        let mut h = vec![0x17];
        h.extend(encoded(&[0x40]));
        assert_eq!(check(&archive(&h, true)), Ok(0));
        assert!(matches!(
            check(&archive(&h, false)),
            Err(Refused::Malformed(_))
        ));
        let mut big = vec![0x17];
        big.extend(encoded(&[0xf0, 0x00, 0x00, 0x00, 0x10]));
        assert_eq!(
            check(&archive(&big, true)),
            Err(Refused::TooLarge(0x1000_0000))
        );
        assert!(matches!(
            check(b"7z\xbc\xaf\x27\x1c"),
            Err(Refused::Malformed(_))
        ));
    }
}
