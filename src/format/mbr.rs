//! Partition tables of a raw disk: the MBR's four primary entries, the
//! chain of extended boot records behind an extended partition (bounded),
//! and a GPT behind a protective MBR. Each partition is a region of the
//! disk, handed on to be typed again (a FAT volume, most often).

use super::disk::{bytes_at, le32, le64};

/// Extended boot records followed in one chain.
const MAX_LOGICAL: usize = 128;
/// GPT entries read.
const MAX_GPT_ENTRIES: u64 = 256;

/// One partition: where it lies in the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partition {
    /// Its number, from 1, in table order.
    pub number: usize,
    /// Where it starts, in bytes.
    pub offset: u64,
    /// Its declared length, in bytes.
    pub len: u64,
}

/// True when `b` starts with an MBR whose table is sane: the boot
/// signature, each entry's status 0x00 or 0x80, at least one used entry,
/// every used entry starting past the MBR and within `b` (so that random
/// bytes and boot sectors of other kinds do not pass).
pub(crate) fn is_mbr(b: &[u8]) -> bool {
    if b.len() < 1024 || b[510] != 0x55 || b[511] != 0xaa {
        return false;
    }
    let sectors = b.len() as u64 / 512;
    let mut used = 0;
    for i in 0..4 {
        let e = &b[446 + 16 * i..462 + 16 * i];
        if e[0] != 0 && e[0] != 0x80 {
            return false;
        }
        if e[4] == 0 {
            if e[1..16].iter().any(|&x| x != 0) {
                return false;
            }
            continue;
        }
        let start = u64::from(le32(e, 8));
        let len = u64::from(le32(e, 12));
        if start == 0 || len == 0 || start >= sectors {
            return false;
        }
        used += 1;
    }
    used > 0
}

/// The partitions of an MBR disk (and of the GPT behind a protective MBR).
/// Problems are described in `problems`.
pub(crate) fn partitions(b: &[u8], problems: &mut Vec<String>) -> Vec<Partition> {
    let mut out = Vec::new();
    if b.len() < 512 {
        return out;
    }
    for i in 0..4 {
        let e = &b[446 + 16 * i..462 + 16 * i];
        let ty = e[4];
        let start = u64::from(le32(e, 8));
        let len = u64::from(le32(e, 12));
        if ty == 0 || len == 0 {
            continue;
        }
        match ty {
            0xee => gpt(b, &mut out, problems),
            0x05 | 0x0f | 0x85 => logical(b, start, &mut out, problems),
            _ => out.push(Partition {
                number: out.len() + 1,
                offset: start * 512,
                len: len * 512,
            }),
        }
    }
    out
}

/// The logical partitions of the extended partition at sector `base`.
fn logical(b: &[u8], base: u64, out: &mut Vec<Partition>, problems: &mut Vec<String>) {
    let mut ebr = base;
    for _ in 0..MAX_LOGICAL {
        let s = bytes_at(b, ebr.saturating_mul(512), 512);
        if s.len() < 512 || s[510] != 0x55 || s[511] != 0xaa {
            problems.push(format!(
                "the extended boot record at sector {ebr} is missing or bad"
            ));
            return;
        }
        let (e, next) = (&s[446..462], &s[462..478]);
        if e[4] != 0 && le32(e, 12) != 0 {
            out.push(Partition {
                number: out.len() + 1,
                offset: ebr
                    .saturating_add(u64::from(le32(e, 8)))
                    .saturating_mul(512),
                len: u64::from(le32(e, 12)) * 512,
            });
        }
        let link = u64::from(le32(next, 8));
        if next[4] == 0 || link == 0 {
            return;
        }
        ebr = base.saturating_add(link);
    }
    problems.push(format!(
        "the extended partition's chain runs past {MAX_LOGICAL} records"
    ));
}

/// The GPT's partitions (the primary header at LBA 1, sectors of 512).
fn gpt(b: &[u8], out: &mut Vec<Partition>, problems: &mut Vec<String>) {
    let h = bytes_at(b, 512, 512);
    if h.len() < 92 || &h[..8] != b"EFI PART" {
        problems.push("a protective MBR without a GPT header".into());
        return;
    }
    let entries = le64(h, 72);
    let count = u64::from(le32(h, 80));
    let size = u64::from(le32(h, 84));
    if !(128..=4096).contains(&size) {
        problems.push(format!("GPT entries of {size} bytes"));
        return;
    }
    for i in 0..count.min(MAX_GPT_ENTRIES) {
        let e = bytes_at(
            b,
            entries.saturating_mul(512).saturating_add(i * size),
            size,
        );
        if e.len() < 128 {
            problems.push("the GPT's entries run past the end of the disk".into());
            return;
        }
        if e[..16].iter().all(|&x| x == 0) {
            continue;
        }
        let first = le64(e, 32);
        let last = le64(e, 40);
        if last < first {
            problems.push(format!("GPT entry {} ends before it starts", i + 1));
            continue;
        }
        out.push(Partition {
            number: out.len() + 1,
            offset: first.saturating_mul(512),
            len: (last - first + 1).saturating_mul(512),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_primary_partition() {
        let mut d = vec![0u8; 4096];
        d[446 + 4] = 0x06;
        d[446 + 8..446 + 12].copy_from_slice(&2u32.to_le_bytes());
        d[446 + 12..446 + 16].copy_from_slice(&4u32.to_le_bytes());
        d[510] = 0x55;
        d[511] = 0xaa;
        assert!(is_mbr(&d));
        let mut p = Vec::new();
        let parts = partitions(&d, &mut p);
        assert_eq!(
            parts,
            vec![Partition {
                number: 1,
                offset: 1024,
                len: 2048
            }]
        );
        d[446] = 0x12;
        assert!(!is_mbr(&d));
    }
}
