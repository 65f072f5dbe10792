//! Compiled HTML help (CHM, the ITSF format): the directory of entries,
//! the parameters of its LZX-compressed section, and the help-control
//! `<OBJECT>` of a page that runs a command.
//!
//! The directory is read from every PMGL (listing) chunk in the directory,
//! not by following the chunks' links, so that a loop in the links cannot
//! hide or repeat anything. Entries give a section (0: stored, 1: the LZX
//! stream), an offset and a length, all encoded as variable-length
//! integers.

use aho_corasick::AhoCorasick;

use super::tags::{self, Tag, Tags};

/// One entry of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its name (`/index.html`, `::DataSpace/...`).
    pub name: String,
    /// 0 for stored, 1 for the compressed section.
    pub section: u64,
    /// Where its bytes start in its section.
    pub offset: u64,
    /// How many bytes it has.
    pub length: u64,
}

/// The directory of a help file.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// The entries, in directory order.
    pub entries: Vec<Entry>,
    /// Where section 0 starts in the file.
    pub content_offset: u64,
    /// What is wrong with the directory (each a finding).
    pub problems: Vec<String>,
    /// True when the listing stopped at `max` entries.
    pub cut: bool,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A variable-length integer: 7 bits a byte, most significant first, the
/// high bit set on every byte but the last.
fn encint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for _ in 0..10 {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v = v.checked_mul(128)? | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Largest directory chunk accepted (help compilers write 4 KiB).
const MAX_CHUNK: usize = 1 << 20;

/// Reads the directory of a help file, at most `max` entries.
pub(crate) fn listing(data: &[u8], max: usize) -> Result<Listing, String> {
    if !data.starts_with(b"ITSF") {
        return Err("no ITSF header".into());
    }
    let version = u32_at(data, 4).ok_or("header cut short")?;
    let dir_offset = u64_at(data, 0x48).ok_or("header cut short")?;
    let dir_len = u64_at(data, 0x50).ok_or("header cut short")?;
    let content_offset = if version >= 3 {
        u64_at(data, 0x58).ok_or("header cut short")?
    } else {
        dir_offset.saturating_add(dir_len)
    };
    let mut out = Listing {
        content_offset,
        ..Default::default()
    };
    let dir_start = usize::try_from(dir_offset)
        .ok()
        .filter(|&d| d < data.len())
        .ok_or("the directory starts past the end of the file")?;
    let dir = &data[dir_start..];
    if !dir.starts_with(b"ITSP") {
        return Err("no ITSP directory header".into());
    }
    let header_len = u32_at(dir, 8).ok_or("directory header cut short")? as usize;
    let chunk_size = u32_at(dir, 0x10).ok_or("directory header cut short")? as usize;
    let declared_chunks = u32_at(dir, 0x2c).ok_or("directory header cut short")? as usize;
    if !(0x20..=MAX_CHUNK).contains(&chunk_size) {
        return Err(format!("directory chunk size {chunk_size}"));
    }
    let chunks = dir.get(header_len..).unwrap_or(&[]);
    let present = chunks.len() / chunk_size;
    if declared_chunks > present {
        out.problems.push(format!(
            "directory declares {declared_chunks} chunks, {present} are in the file"
        ));
    }
    // Every chunk in the file is read, declared or not: a listing chunk
    // beyond the declared count is still one that some reader may use.
    let in_dir = usize::try_from(dir_len).unwrap_or(usize::MAX);
    let count = present.min((in_dir.saturating_sub(header_len) / chunk_size).max(declared_chunks));
    for i in 0..count {
        let chunk = &chunks[i * chunk_size..(i + 1) * chunk_size];
        if !chunk.starts_with(b"PMGL") {
            continue;
        }
        let free = u32_at(chunk, 4).unwrap_or(0) as usize;
        let end = match chunk_size.checked_sub(free) {
            Some(e) if e >= 0x14 => e,
            _ => {
                out.problems.push(format!(
                    "listing chunk {i}: free space {free} past its size"
                ));
                chunk_size
            }
        };
        let mut pos = 0x14;
        while pos < end {
            if out.entries.len() >= max {
                out.cut = true;
                return Ok(out);
            }
            match entry(&chunk[..end], &mut pos) {
                Some(e) => out.entries.push(e),
                None => {
                    out.problems
                        .push(format!("listing chunk {i}: an entry at {pos} is cut short"));
                    break;
                }
            }
        }
    }
    Ok(out)
}

fn entry(chunk: &[u8], pos: &mut usize) -> Option<Entry> {
    let name_len = usize::try_from(encint(chunk, pos)?).ok()?;
    let name_end = pos.checked_add(name_len)?;
    let name = String::from_utf8_lossy(chunk.get(*pos..name_end)?).into_owned();
    *pos = name_end;
    let section = encint(chunk, pos)?;
    let offset = encint(chunk, pos)?;
    let length = encint(chunk, pos)?;
    Some(Entry {
        name,
        section,
        offset,
        length,
    })
}

/// The names of the entries that describe the compressed section.
pub(crate) const LZX_CONTENT: &str = "::DataSpace/Storage/MSCompressed/Content";
pub(crate) const LZX_CONTROL: &str = "::DataSpace/Storage/MSCompressed/ControlData";
pub(crate) const LZX_RESET_TABLE: &str = "::DataSpace/Storage/MSCompressed/Transform/{7FC28940-9D31-11D0-9B27-00A0C91E9C7C}/InstanceData/ResetTable";

/// How the compressed section is to be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lzx {
    /// The LZX window in bytes (a power of two, 32 KiB to 2 MiB).
    pub window: u32,
    /// The decoder starts afresh every this many blocks (0: never).
    pub reset_blocks: u64,
    /// Uncompressed bytes per block.
    pub block_len: u64,
    /// The section's uncompressed length.
    pub uncompressed_len: u64,
    /// The section's compressed length.
    pub compressed_len: u64,
    /// Where each block starts in the compressed stream (as many as the
    /// table really holds, whatever it declares).
    pub offsets: Vec<u64>,
}

/// Reads the control data and reset table of the compressed section.
pub(crate) fn lzx_params(control: &[u8], reset_table: &[u8]) -> Result<Lzx, String> {
    if control.get(4..8) != Some(b"LZXC") {
        return Err("no LZXC control data".into());
    }
    let version = u32_at(control, 8).ok_or("control data cut short")?;
    let mut reset_interval = u64::from(u32_at(control, 12).ok_or("control data cut short")?);
    let mut window = u64::from(u32_at(control, 16).ok_or("control data cut short")?);
    let windows_per_reset = u64::from(u32_at(control, 20).unwrap_or(1));
    if version == 2 {
        reset_interval = reset_interval.saturating_mul(0x8000);
        window = window.saturating_mul(0x8000);
    }
    if !window.is_power_of_two() || !(0x8000..=0x20_0000).contains(&window) {
        return Err(format!("LZX window of {window} bytes"));
    }
    let entries_declared = u32_at(reset_table, 4).ok_or("reset table cut short")?;
    let entry_size = u32_at(reset_table, 8).ok_or("reset table cut short")?;
    let table_header = u32_at(reset_table, 12).ok_or("reset table cut short")? as usize;
    let uncompressed_len = u64_at(reset_table, 16).ok_or("reset table cut short")?;
    let compressed_len = u64_at(reset_table, 24).ok_or("reset table cut short")?;
    let block_len = u64_at(reset_table, 32).ok_or("reset table cut short")?;
    if entry_size != 8 || block_len != 0x8000 {
        return Err(format!(
            "reset table with {entry_size}-byte entries and {block_len}-byte blocks"
        ));
    }
    let offsets: Vec<u64> = reset_table
        .get(table_header..)
        .unwrap_or(&[])
        .chunks_exact(8)
        .take(entries_declared as usize)
        .filter_map(|c| c.try_into().ok().map(u64::from_le_bytes))
        .collect();
    let reset_blocks = (reset_interval / (window / 2)).saturating_mul(windows_per_reset);
    Ok(Lzx {
        window: window as u32,
        reset_blocks,
        block_len,
        uncompressed_len,
        compressed_len,
        offsets,
    })
}

/// The class of the HTML Help ActiveX control (`hhctrl.ocx`).
const HHCTRL: &str = "adb880a6-d8ff-11cf-9377-00aa003b7a11";

/// The commands that the HTML Help control on a page runs: an `<OBJECT>` of
/// its class with `<PARAM name="Command" value="ShortCut">` runs the program
/// and arguments of its `Item1` parameter (`,cmd.exe,/c calc`) when it is
/// clicked, which a script on the page does at once.
pub(crate) fn shortcut_commands(page: &[u8]) -> Vec<String> {
    let finder = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([HHCTRL]);
    let Ok(finder) = finder else {
        return Vec::new();
    };
    if finder.find(page).is_none() {
        return Vec::new();
    }
    let text = tags::as_utf8(page);
    let mut out = Vec::new();
    // The object being read: whether it is the help control, and whether
    // its command is ShortCut, and its Item1.
    let mut object: Option<(bool, bool, Option<String>)> = None;
    let finish = |o: (bool, bool, Option<String>), out: &mut Vec<String>| {
        if let (true, true, Some(item)) = o {
            out.push(item);
        }
    };
    for tag in Tags::new(&text) {
        match tag {
            Tag::Start { name, attrs, .. } if tags::is(name, "object") => {
                if let Some(o) = object.take() {
                    finish(o, &mut out);
                }
                let class = tags::attr(attrs, "classid").unwrap_or_default();
                let ours = finder.find(class.as_bytes()).is_some();
                object = Some((ours, false, None));
            }
            Tag::Start { name, attrs, .. } if tags::is(name, "param") => {
                if let Some(o) = object.as_mut() {
                    let pname = tags::attr(attrs, "name").unwrap_or_default();
                    let value = tags::attr(attrs, "value").unwrap_or_default();
                    if pname.trim().eq_ignore_ascii_case("command")
                        && value.trim().eq_ignore_ascii_case("shortcut")
                    {
                        o.1 = true;
                    } else if pname.trim().eq_ignore_ascii_case("item1") {
                        o.2 = Some(value.trim().to_owned());
                    }
                }
            }
            Tag::End(name) if tags::is(name, "object") => {
                if let Some(o) = object.take() {
                    finish(o, &mut out);
                }
            }
            _ => {}
        }
        if out.len() >= 16 {
            break;
        }
    }
    if let Some(o) = object {
        finish(o, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_integers() {
        let mut p = 0;
        assert_eq!(encint(&[0x81, 0x00, 0x05], &mut p), Some(128));
        assert_eq!(encint(&[0x81, 0x00, 0x05], &mut p), Some(5));
        assert_eq!(encint(&[0xff; 12], &mut 0), None);
        assert_eq!(encint(&[0x80], &mut 0), None);
    }

    #[test]
    fn the_help_controls_shortcut_command() {
        let page = br#"<html><body><OBJECT id=x classid="clsid:ADB880A6-D8FF-11CF-9377-00AA003B7A11" width=1><PARAM name="Command" value="ShortCut"><PARAM name="Button" value="Bitmap::shortcut"><PARAM name="Item1" value=',cmd.exe,/c calc.exe'><PARAM name="Item2" value="273,1,1"></OBJECT><script>x.Click();</script></body></html>"#;
        assert_eq!(shortcut_commands(page), vec![",cmd.exe,/c calc.exe"]);
        // The control used for what help pages use it for: a related-topics
        // button, a keyword search.
        let related = br#"<OBJECT classid="clsid:adb880a6-d8ff-11cf-9377-00aa003b7a11"><PARAM name="Command" value="Related Topics"><PARAM name="Item1" value="Intro;intro.htm"></OBJECT>"#;
        assert!(shortcut_commands(related).is_empty());
        assert!(shortcut_commands(b"<html>plain</html>").is_empty());
    }
}
