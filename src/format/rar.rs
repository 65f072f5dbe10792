//! RAR archive structure, versions 4 (RAR 2.9 to 4.x: fixed-width block
//! headers) and 5 (RAR 5 and later: variable-length integers). A listing
//! reader: every entry's name, sizes, method, flags (directory, encrypted,
//! solid, continued from or into another volume), and where its packed
//! bytes are. Pure: no I/O, and nothing is allocated from a declared size or
//! count (every header is a slice of the input before it is read, names
//! are as long as the bytes that hold them, and the walk stops at
//! `max_entries`).

/// The signature of a RAR 4 archive.
pub(crate) const SIG4: &[u8; 7] = b"Rar!\x1a\x07\x00";
/// The signature of a RAR 5 archive.
pub(crate) const SIG5: &[u8; 8] = b"Rar!\x1a\x07\x01\x00";

/// One entry: a file, a directory, or a service record (RAR 5's `CMT`,
/// `QO`, `STM` alternate streams, RAR 4's sub-blocks).
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub name: String,
    /// RAR 4: the name's 8-bit form, where its Unicode form says another.
    pub other_name: Option<String>,
    /// A service record (not a file of the archive): its type name.
    pub service: bool,
    pub dir: bool,
    /// The unpacked size declared (u64::MAX when RAR 5 says unknown).
    pub size: u64,
    /// The packed size declared.
    pub packed_declared: u64,
    /// Where the packed bytes are, as far as the input holds them.
    pub data: std::ops::Range<usize>,
    /// The CRC32 of the unpacked bytes, when given.
    pub crc: Option<u32>,
    /// 0 for stored; otherwise the compression method (1 to 5).
    pub method: u8,
    /// RAR 5: the dictionary its decoder needs, in bytes.
    pub dictionary: u64,
    pub encrypted: bool,
    /// Its decoder goes on from the entry before it (solid).
    pub solid: bool,
    pub split_before: bool,
    pub split_after: bool,
    /// A link (RAR 5 redirection record): its kind and target.
    pub link: Option<(u64, String)>,
    /// The header's checksum does not match.
    pub header_crc_bad: bool,
}

/// What the archive's headers say.
#[derive(Debug, Clone, Default)]
pub(crate) struct Archive {
    /// 4 or 5.
    pub version: u8,
    /// A volume of a multi-volume set.
    pub volume: bool,
    /// RAR 5: the volume's number (0 the first), when given.
    pub volume_number: Option<u64>,
    /// RAR 4: the first volume of its set.
    pub first_volume: bool,
    pub solid: bool,
    /// Headers are encrypted: nothing past the point where they start can
    /// be listed without the password.
    pub encrypted_headers: bool,
    pub entries: Vec<Entry>,
    /// Where the walk stopped early and why (a cut or unreadable header).
    pub problem: Option<String>,
    /// The end-of-archive record was reached; true in it when more volumes
    /// follow.
    pub end: Option<bool>,
    /// Where the last header read ends (bytes after it are not the archive's).
    pub end_offset: usize,
    /// The walk stopped at `max_entries`.
    pub cut: bool,
    /// RAR 4: blocks whose data unrar and a reader that goes by the
    /// LONG_BLOCK flag alone size differently (the two then read different
    /// headers after it); their offsets.
    pub sized_apart: Vec<usize>,
}

/// Reads a RAR 4 or RAR 5 archive that starts at offset 0; `None` when it
/// does not start with either signature.
pub(crate) fn parse(b: &[u8], max_entries: usize) -> Option<Archive> {
    if b.starts_with(SIG5) {
        Some(parse5(b, max_entries))
    } else if b.starts_with(SIG4) {
        Some(parse4(b, max_entries))
    } else {
        None
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The packed bytes from `start`, `declared` long, clipped to the input.
fn data_range(b: &[u8], start: usize, declared: u64) -> std::ops::Range<usize> {
    let start = start.min(b.len());
    let end = usize::try_from(declared)
        .ok()
        .and_then(|d| start.checked_add(d))
        .unwrap_or(usize::MAX)
        .min(b.len());
    start..end
}

/// The next header offset after `start` + `len` bytes; `None` when it
/// leaves the input or does not move.
fn advance(start: usize, len: u64, b: &[u8]) -> Option<usize> {
    let next = start.checked_add(usize::try_from(len).ok()?)?;
    (next <= b.len()).then_some(next)
}

// ---------------------------------------------------------------- RAR 4

const MHD_VOLUME: u16 = 0x0001;
const MHD_SOLID: u16 = 0x0008;
const MHD_PASSWORD: u16 = 0x0080;
const MHD_FIRSTVOLUME: u16 = 0x0100;
const LHD_SPLIT_BEFORE: u16 = 0x0001;
const LHD_SPLIT_AFTER: u16 = 0x0002;
const LHD_PASSWORD: u16 = 0x0004;
const LHD_SOLID: u16 = 0x0010;
const LHD_WINDOWMASK: u16 = 0x00e0;
const LHD_LARGE: u16 = 0x0100;
const LHD_UNICODE: u16 = 0x0200;
const LONG_BLOCK: u16 = 0x8000;

fn parse4(b: &[u8], max_entries: usize) -> Archive {
    let mut a = Archive {
        version: 4,
        ..Archive::default()
    };
    let mut at = SIG4.len();
    a.end_offset = at;
    loop {
        if at >= b.len() {
            break;
        }
        let (Some(crc), Some(&ty), Some(flags), Some(size)) = (
            u16_at(b, at),
            b.get(at + 2),
            u16_at(b, at + 3),
            u16_at(b, at + 5),
        ) else {
            a.problem = Some(format!("a block header at {at} is cut short"));
            break;
        };
        let size = size as usize;
        let Some(h) = b.get(at..at + size).filter(|_| size >= 7) else {
            a.problem = Some(format!(
                "the block header at {at} is cut short or too small"
            ));
            break;
        };
        let crc_ok = crc32fast::hash(&h[2..]) as u16 == crc;
        // The data after a block, as unrar (WinRAR's own code) sizes it: a
        // main, comment or end header has none, a recovery record (0x78)
        // and an old sub-block (0x77) always have their data size, any
        // other block only with LONG_BLOCK. (Files and services advance by
        // their packed size below.) Readers that go by LONG_BLOCK alone, as
        // 7-Zip does, land elsewhere: such a block is said.
        let declared = u64::from(u32_at(h, 7).unwrap_or(0));
        let long = flags & LONG_BLOCK != 0;
        let add = match ty {
            0x73 | 0x75 | 0x7b => 0,
            0x77 | 0x78 => declared,
            _ if long => declared,
            _ => 0,
        };
        if ty != 0x74 && ty != 0x7a && add != if long { declared } else { 0 } {
            a.sized_apart.push(at);
        }
        match ty {
            0x73 => {
                a.volume = flags & MHD_VOLUME != 0;
                a.solid = flags & MHD_SOLID != 0;
                a.first_volume = flags & MHD_FIRSTVOLUME != 0;
                if !crc_ok {
                    a.problem = Some("the main header's checksum does not match".into());
                }
                if flags & MHD_PASSWORD != 0 {
                    a.encrypted_headers = true;
                    a.end_offset = at + size;
                    return a;
                }
            }
            0x74 | 0x7a => {
                if a.entries.len() >= max_entries {
                    a.cut = true;
                    break;
                }
                let Some(e) = file4(b, h, at + size, flags, ty == 0x7a, crc_ok) else {
                    a.problem = Some(format!("the file header at {at} is cut short"));
                    break;
                };
                let packed = e.packed_declared;
                a.entries.push(e);
                let Some(next) = advance(at + size, packed, b) else {
                    a.problem = Some(format!(
                        "the data of {:?} runs past the end of the input",
                        a.entries.last().map(|e| e.name.as_str()).unwrap_or("")
                    ));
                    a.end_offset = b.len();
                    break;
                };
                at = next;
                a.end_offset = at;
                continue;
            }
            0x7b => {
                // End of archive: bit 0 says more volumes follow.
                a.end = Some(flags & 0x0001 != 0);
                a.end_offset = at + size;
                break;
            }
            _ => {}
        }
        let Some(next) = advance(at + size, add, b) else {
            a.problem = Some(format!("the block at {at} runs past the end of the input"));
            a.end_offset = b.len();
            break;
        };
        at = next;
        a.end_offset = at;
    }
    a
}

/// A RAR 4 file (or service, 0x7a) header `h`, whose data starts at `data`.
fn file4(
    b: &[u8],
    h: &[u8],
    data: usize,
    flags: u16,
    service: bool,
    crc_ok: bool,
) -> Option<Entry> {
    let mut packed = u32_at(h, 7)? as u64;
    let mut size = u32_at(h, 11)? as u64;
    let crc = u32_at(h, 16)?;
    let method = *h.get(25)?;
    let name_len = u16_at(h, 26)? as usize;
    let mut at = 32;
    if flags & LHD_LARGE != 0 {
        packed |= (u32_at(h, 32)? as u64) << 32;
        size |= (u32_at(h, 36)? as u64) << 32;
        at = 40;
    }
    let raw = h.get(at..at + name_len)?;
    let (name, other_name) = name4(raw, flags & LHD_UNICODE != 0);
    Some(Entry {
        name,
        other_name,
        service,
        dir: flags & LHD_WINDOWMASK == LHD_WINDOWMASK,
        size,
        packed_declared: packed,
        data: data_range(b, data, packed),
        crc: Some(crc),
        method: method.saturating_sub(0x30),
        dictionary: 0,
        encrypted: flags & LHD_PASSWORD != 0,
        solid: flags & LHD_SOLID != 0,
        split_before: flags & LHD_SPLIT_BEFORE != 0,
        split_after: flags & LHD_SPLIT_AFTER != 0,
        link: None,
        header_crc_bad: !crc_ok,
    })
}

/// A RAR 4 name: 8-bit (the writer's code page, read as Latin-1 where it
/// is not UTF-8), or with the Unicode flag an 8-bit part, a NUL and RAR's
/// compressed UTF-16. The Unicode name is the name; the 8-bit one is kept
/// when it says something else.
fn name4(raw: &[u8], unicode: bool) -> (String, Option<String>) {
    let eight = |r: &[u8]| match std::str::from_utf8(r) {
        Ok(s) => s.to_owned(),
        Err(_) => r.iter().map(|&c| c as char).collect(),
    };
    if !unicode {
        return (eight(raw), None);
    }
    match memchr::memchr(0, raw) {
        // No NUL: WinRAR wrote the name in UTF-8.
        None => (String::from_utf8_lossy(raw).into_owned(), None),
        Some(z) => {
            let ascii = &raw[..z];
            let wide = decode_unicode4(ascii, &raw[z + 1..]);
            let plain = eight(ascii);
            if wide.is_empty() {
                (plain, None)
            } else if wide == plain {
                (wide, None)
            } else {
                (wide, Some(plain))
            }
        }
    }
}

/// RAR 4's compressed UTF-16 names (unrar's `EncodeFileName::Decode`): a
/// high byte, then two-bit opcodes taking characters from the stream or
/// from the 8-bit name. At most 1024 characters come out.
fn decode_unicode4(name: &[u8], enc: &[u8]) -> String {
    const MAX: usize = 1024;
    let mut out: Vec<u16> = Vec::new();
    let Some((&high, enc)) = enc.split_first() else {
        return String::new();
    };
    let high = (high as u16) << 8;
    let mut pos = 0usize;
    let (mut flags, mut bits) = (0u8, 0u8);
    while pos < enc.len() && out.len() < MAX {
        if bits == 0 {
            flags = enc[pos];
            pos += 1;
            bits = 8;
        }
        match flags >> 6 {
            0 => {
                let Some(&c) = enc.get(pos) else { break };
                out.push(c as u16);
                pos += 1;
            }
            1 => {
                let Some(&c) = enc.get(pos) else { break };
                out.push(c as u16 | high);
                pos += 1;
            }
            2 => {
                let Some(c) = u16_at(enc, pos) else { break };
                out.push(c);
                pos += 2;
            }
            _ => {
                let Some(&len) = enc.get(pos) else { break };
                pos += 1;
                if len & 0x80 != 0 {
                    let Some(&corr) = enc.get(pos) else { break };
                    pos += 1;
                    for _ in 0..(len & 0x7f) as usize + 2 {
                        let Some(&c) = name.get(out.len()) else { break };
                        if out.len() >= MAX {
                            break;
                        }
                        out.push((c.wrapping_add(corr) as u16) | high);
                    }
                } else {
                    for _ in 0..len as usize + 2 {
                        let Some(&c) = name.get(out.len()) else { break };
                        if out.len() >= MAX {
                            break;
                        }
                        out.push(c as u16);
                    }
                }
            }
        }
        flags <<= 2;
        bits -= 2;
    }
    String::from_utf16_lossy(&out)
}

// ---------------------------------------------------------------- RAR 5

/// A RAR 5 variable-length integer at `*at` (7 bits a byte, at most 10).
fn vint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let byte = *b.get(*at)?;
        *at += 1;
        v |= ((byte & 0x7f) as u64).checked_shl(7 * i)?;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

const HFL_EXTRA: u64 = 0x01;
const HFL_DATA: u64 = 0x02;
const HFL_SPLIT_BEFORE: u64 = 0x08;
const HFL_SPLIT_AFTER: u64 = 0x10;

fn parse5(b: &[u8], max_entries: usize) -> Archive {
    let mut a = Archive {
        version: 5,
        ..Archive::default()
    };
    let mut at = SIG5.len();
    a.end_offset = at;
    loop {
        if at >= b.len() {
            break;
        }
        let Some(crc) = u32_at(b, at) else {
            a.problem = Some(format!("a header at {at} is cut short"));
            break;
        };
        let mut p = at + 4;
        let Some(hsize) = vint(b, &mut p) else {
            a.problem = Some(format!("the header size at {at} is unreadable"));
            break;
        };
        // The header: from its type field, `hsize` bytes (RAR caps it at 2 MiB).
        let Some(hend) = usize::try_from(hsize)
            .ok()
            .filter(|&s| s > 0 && s <= 2 << 20)
            .and_then(|s| p.checked_add(s))
            .filter(|&e| e <= b.len())
        else {
            a.problem = Some(format!("the header at {at} is cut short or too large"));
            break;
        };
        let crc_ok = crc32fast::hash(&b[at + 4..hend]) == crc;
        let h = &b[..hend];
        let parsed = (|| {
            let ty = vint(h, &mut p)?;
            let flags = vint(h, &mut p)?;
            let extra = if flags & HFL_EXTRA != 0 {
                vint(h, &mut p)?
            } else {
                0
            };
            let data = if flags & HFL_DATA != 0 {
                vint(h, &mut p)?
            } else {
                0
            };
            // The extra area is the last `extra` bytes of the header.
            let extra_start = hend.checked_sub(usize::try_from(extra).ok()?)?;
            (extra_start >= p).then_some((ty, flags, data, extra_start))
        })();
        let Some((ty, flags, data, extra_start)) = parsed else {
            a.problem = Some(format!("the header at {at} is unreadable"));
            break;
        };
        match ty {
            1 => {
                let mut q = p;
                let aflags = vint(h, &mut q).unwrap_or(0);
                a.volume = aflags & 0x01 != 0;
                a.solid = aflags & 0x04 != 0;
                if aflags & 0x02 != 0 {
                    a.volume_number = vint(h, &mut q);
                }
                if !crc_ok {
                    a.problem = Some("the main header's checksum does not match".into());
                }
            }
            2 | 3 => {
                if a.entries.len() >= max_entries {
                    a.cut = true;
                    break;
                }
                let Some(mut e) = file5(h, p, extra_start, hend) else {
                    a.problem = Some(format!("the file header at {at} is unreadable"));
                    break;
                };
                e.service = ty == 3;
                e.packed_declared = data;
                e.data = data_range(b, hend, data);
                e.split_before = flags & HFL_SPLIT_BEFORE != 0;
                e.split_after = flags & HFL_SPLIT_AFTER != 0;
                e.header_crc_bad = !crc_ok;
                a.entries.push(e);
            }
            4 => {
                a.encrypted_headers = true;
                a.end_offset = hend;
                return a;
            }
            5 => {
                let mut q = p;
                a.end = Some(vint(h, &mut q).unwrap_or(0) & 0x01 != 0);
                a.end_offset = hend;
                break;
            }
            _ => {}
        }
        let Some(next) = advance(hend, data, b) else {
            a.problem = Some(format!(
                "the data after the header at {at} runs past the end of the input"
            ));
            a.end_offset = b.len();
            break;
        };
        at = next;
        a.end_offset = at;
    }
    a
}

/// The fields of a RAR 5 file or service header from `p`, its extra area
/// from `extra` to `end`.
fn file5(h: &[u8], mut p: usize, extra: usize, end: usize) -> Option<Entry> {
    let fflags = vint(h, &mut p)?;
    let size = vint(h, &mut p)?;
    let _attributes = vint(h, &mut p)?;
    if fflags & 0x02 != 0 {
        p += 4;
    }
    let crc = if fflags & 0x04 != 0 {
        let c = u32_at(h, p)?;
        p += 4;
        Some(c)
    } else {
        None
    };
    let comp = vint(h, &mut p)?;
    let _host = vint(h, &mut p)?;
    let name_len = usize::try_from(vint(h, &mut p)?).ok()?;
    let raw = h.get(p..p.checked_add(name_len)?.min(extra))?;
    if raw.len() != name_len {
        return None;
    }
    let mut e = Entry {
        name: String::from_utf8_lossy(raw).into_owned(),
        dir: fflags & 0x01 != 0,
        size: if fflags & 0x08 != 0 { u64::MAX } else { size },
        crc,
        method: ((comp >> 7) & 0x07) as u8,
        // 128 KiB << n, and in RAR 7 a fraction of it in 1/32 steps.
        dictionary: {
            let base = 0x2_0000u64 << ((comp >> 10) & 0x1f).min(40);
            base + (base / 32) * ((comp >> 15) & 0x1f)
        },
        solid: comp & 0x40 != 0,
        ..Entry::default()
    };
    // Extra records: size, type, body.
    let mut q = extra;
    while q < end {
        let Some(rsize) = vint(h, &mut q) else { break };
        let body_end = usize::try_from(rsize)
            .ok()
            .and_then(|s| q.checked_add(s))
            .filter(|&e| e <= end)?;
        let mut r = q;
        let rtype = vint(h, &mut r)?;
        match rtype {
            1 => e.encrypted = true,
            5 => {
                let kind = vint(h, &mut r)?;
                let _lflags = vint(h, &mut r)?;
                let tlen = usize::try_from(vint(h, &mut r)?).ok()?;
                let target = h.get(r..r.checked_add(tlen)?.min(body_end))?;
                e.link = Some((kind, String::from_utf8_lossy(target).into_owned()));
            }
            _ => {}
        }
        q = body_end;
    }
    Some(e)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A RAR 5 variable-length integer.
    pub(crate) fn put_vint(v: &mut Vec<u8>, mut x: u64) {
        loop {
            let b = (x & 0x7f) as u8;
            x >>= 7;
            if x == 0 {
                v.push(b);
                return;
            }
            v.push(b | 0x80);
        }
    }

    /// A RAR 5 header block from its type-and-on fields.
    fn block5(body: &[u8]) -> Vec<u8> {
        let mut sized = Vec::new();
        put_vint(&mut sized, body.len() as u64);
        sized.extend_from_slice(body);
        let mut v = crc32fast::hash(&sized).to_le_bytes().to_vec();
        v.extend(sized);
        v
    }

    /// A RAR 5 archive of stored files (the writer the tests share).
    pub(crate) fn rar5(files: &[(&str, &[u8])], archive_flags: u64) -> Vec<u8> {
        let mut v = SIG5.to_vec();
        let mut main = Vec::new();
        put_vint(&mut main, 1);
        put_vint(&mut main, 0);
        put_vint(&mut main, archive_flags);
        v.extend(block5(&main));
        for (name, data) in files {
            let mut f = Vec::new();
            put_vint(&mut f, 2);
            put_vint(&mut f, HFL_DATA);
            put_vint(&mut f, data.len() as u64);
            put_vint(&mut f, 0x04);
            put_vint(&mut f, data.len() as u64);
            put_vint(&mut f, 0x20);
            f.extend(crc32fast::hash(data).to_le_bytes());
            put_vint(&mut f, 0);
            put_vint(&mut f, 0);
            put_vint(&mut f, name.len() as u64);
            f.extend_from_slice(name.as_bytes());
            v.extend(block5(&f));
            v.extend_from_slice(data);
        }
        let mut end = Vec::new();
        put_vint(&mut end, 5);
        put_vint(&mut end, 0);
        put_vint(&mut end, 0);
        v.extend(block5(&end));
        v
    }

    #[test]
    fn rar5_stored_entries_are_listed() {
        let a = rar5(&[("a.txt", b"alpha"), ("d/b.txt", b"beta")], 0);
        let r = parse(&a, 100).unwrap();
        assert_eq!(r.version, 5);
        assert_eq!(r.entries.len(), 2, "{:?}", r.problem);
        assert!(r.problem.is_none());
        let e = &r.entries[1];
        assert_eq!(e.name, "d/b.txt");
        assert_eq!(&a[e.data.clone()], b"beta");
        assert_eq!(e.crc, Some(crc32fast::hash(b"beta")));
        assert_eq!(r.end, Some(false));
        assert_eq!(r.end_offset, a.len());
        // Cut anywhere, it lists what is there and says where it stopped.
        for cut in 8..a.len() {
            let r = parse(&a[..cut], 100).unwrap();
            assert!(r.entries.len() <= 2);
        }
    }

    #[test]
    fn vints() {
        for x in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut v = Vec::new();
            put_vint(&mut v, x);
            let mut at = 0;
            assert_eq!(vint(&v, &mut at), Some(x));
            assert_eq!(at, v.len());
        }
        assert_eq!(vint(&[0x80; 11], &mut 0), None);
    }

    #[test]
    fn rar4_unicode_names() {
        // "ab" with the opcode 0 (a byte each), high byte 0.
        assert_eq!(decode_unicode4(b"ab", &[0, 0x00, b'a', b'b']), "ab");
        // Two characters copied from the 8-bit name (opcode 3, length 0).
        assert_eq!(decode_unicode4(b"xy", &[0, 0xc0, 0x00]), "xy");
        let (n, other) = name4(b"a.txt\0\x00\x00a.e", true);
        assert_eq!(n, "a.e");
        assert_eq!(other.as_deref(), Some("a.txt"));
    }
}
