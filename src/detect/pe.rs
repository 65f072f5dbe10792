//! PE headers: is it a PE, and which flavour (exe, dll, .NET).

use super::{FileType, known};

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(o..o.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(o..o.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Offset of the `PE\0\0` header, when the DOS header points at one.
fn pe_header(b: &[u8]) -> Option<usize> {
    if !b.starts_with(b"MZ") {
        return None;
    }
    // The PE header may overlap the DOS header (a "tiny PE" with
    // `e_lfanew` of 4): the loader only follows the offset.
    let off = u32_at(b, 0x3c)? as usize;
    (b.get(off..off.checked_add(4)?)? == b"PE\0\0").then_some(off)
}

/// A PE file: `MZ`, and `e_lfanew` pointing at a PE signature.
pub(crate) fn is_pe(b: &[u8]) -> bool {
    pe_header(b).is_some()
}

/// A DOS executable without a PE header: `MZ` alone is not enough (text can
/// start with it), so the header's page counts must fit the file.
pub(crate) fn is_dos_exe(b: &[u8]) -> bool {
    if b.len() < 64 || !b.starts_with(b"MZ") || is_pe(b) {
        return false;
    }
    let (Some(last_page), Some(pages), Some(header_paras)) =
        (u16_at(b, 2), u16_at(b, 4), u16_at(b, 8))
    else {
        return false;
    };
    last_page < 512
        && pages > 0
        && header_paras >= 4
        && (header_paras as usize) * 16 <= b.len()
        && (pages as usize) * 512 < b.len() + 512 * 2
}

/// exe, dll or .NET, from the COFF characteristics and the CLR directory.
pub(crate) fn classify(b: &[u8]) -> FileType {
    let Some(pe) = pe_header(b) else {
        return if is_dos_exe(b) {
            known::DOS_EXE
        } else {
            known::DATA
        };
    };
    let coff = pe + 4;
    let characteristics = u16_at(b, coff + 18).unwrap_or(0);
    let opt = coff + 20;
    let clr = match u16_at(b, opt) {
        Some(0x10b) => opt + 96 + 14 * 8,
        Some(0x20b) => opt + 112 + 14 * 8,
        _ => 0,
    };
    let rva_count_ok = match u16_at(b, opt) {
        Some(0x10b) => u32_at(b, opt + 92).unwrap_or(0) > 14,
        Some(0x20b) => u32_at(b, opt + 108).unwrap_or(0) > 14,
        _ => false,
    };
    if clr != 0
        && rva_count_ok
        && u32_at(b, clr).unwrap_or(0) != 0
        && u32_at(b, clr + 4).unwrap_or(0) != 0
    {
        return known::PE_DOTNET;
    }
    if characteristics & 0x2000 != 0 {
        known::PE_DLL
    } else {
        known::PE_EXE
    }
}

/// True when `head`, the first bytes of a file, holds a PE's headers up to
/// everything [`classify`] reads: the type of any file that starts so is
/// settled, whatever follows.
pub(crate) fn headers_within(head: &[u8]) -> bool {
    // `classify` reads at most 8 bytes of the CLR directory entry, which
    // ends 256 bytes past the PE signature in a PE32+ header.
    pe_header(head).is_some_and(|off| head.len() >= off.saturating_add(256))
}
