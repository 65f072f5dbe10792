//! VBA projects (MS-OVBA): the compression of the `dir` stream and of
//! module source, the `dir` stream's records (module names, stream names
//! and where each module's source starts), and the procedures that Office
//! runs by themselves. Pure: the caller reads the streams and caps the
//! output.

/// Why decompression stopped before the end of its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bad {
    /// The container does not start with its signature byte (0x01).
    Signature,
    /// A copy token points before the start of the output.
    Offset(usize),
}

impl std::fmt::Display for Bad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bad::Signature => f.write_str("compressed container without its signature byte"),
            Bad::Offset(at) => write!(f, "copy token before the start of the output at {at}"),
        }
    }
}

/// Decompresses an MS-OVBA CompressedContainer (2.4.1) into `out`, which
/// grows by at most `cap` bytes. Returns true when more output was to
/// come past `cap`. A chunk that ends early ends the container: what was
/// produced is kept.
pub(crate) fn decompress(input: &[u8], out: &mut Vec<u8>, cap: usize) -> Result<bool, Bad> {
    let Some((&1, mut rest)) = input.split_first() else {
        return Err(Bad::Signature);
    };
    let base = out.len();
    let limit = base.saturating_add(cap);
    while rest.len() >= 2 {
        let header = u16::from_le_bytes([rest[0], rest[1]]);
        let size = usize::from(header & 0x0fff) + 3;
        let compressed = header & 0x8000 != 0;
        let chunk = &rest[2..size.min(rest.len())];
        rest = &rest[size.min(rest.len())..];
        let start = out.len();
        if !compressed {
            // A raw chunk is 4096 bytes (fewer at the end of the input).
            let raw = &chunk[..chunk.len().min(4096)];
            let room = limit - out.len();
            out.extend_from_slice(&raw[..raw.len().min(room)]);
            if raw.len() > room {
                return Ok(true);
            }
            continue;
        }
        let mut i = 0;
        'chunk: while i < chunk.len() {
            let flags = chunk[i];
            i += 1;
            for bit in 0..8 {
                if i >= chunk.len() {
                    break 'chunk;
                }
                if flags >> bit & 1 == 0 {
                    if out.len() >= limit {
                        return Ok(true);
                    }
                    out.push(chunk[i]);
                    i += 1;
                    continue;
                }
                let Some(t) = chunk.get(i..i + 2) else {
                    break 'chunk;
                };
                i += 2;
                let token = u16::from_le_bytes([t[0], t[1]]);
                let diff = out.len() - start;
                let bits = copy_bits(diff);
                let length_mask = 0xffffu16 >> bits;
                let length = usize::from(token & length_mask) + 3;
                let offset = usize::from(token >> (16 - bits)) + 1;
                if offset > diff {
                    return Err(Bad::Offset(out.len() - base));
                }
                for _ in 0..length {
                    if out.len() >= limit {
                        return Ok(true);
                    }
                    let b = out[out.len() - offset];
                    out.push(b);
                }
            }
        }
    }
    Ok(false)
}

/// The number of offset bits of a copy token, from how far into its chunk
/// the output is (2.4.1.3.19.1): at least 4, at most 12.
fn copy_bits(diff: usize) -> u32 {
    let mut bits = 4;
    while bits < 12 && (1usize << bits) < diff {
        bits += 1;
    }
    bits
}

/// One module of a project, as the `dir` stream lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Module {
    /// Its name (the Unicode record's where there is one).
    pub name: String,
    /// The name of its stream in the `VBA` storage.
    pub stream: String,
    /// Where its compressed source starts in the stream (p-code before).
    pub text_offset: u32,
}

/// Records read from a `dir` stream at most.
const MAX_RECORDS: usize = 100_000;

/// The modules a decompressed `dir` stream lists, and whether its records
/// ran off the end (a truncated or garbled stream: the modules read so far
/// are kept).
pub(crate) fn modules(dir: &[u8]) -> (Vec<Module>, bool) {
    let mut out = Vec::new();
    let mut current: Option<Module> = None;
    let mut at = 0usize;
    for _ in 0..MAX_RECORDS {
        let Some(h) = dir.get(at..at + 6) else {
            return (finish(out, current), at != dir.len());
        };
        let id = u16::from_le_bytes([h[0], h[1]]);
        let size = u32::from_le_bytes([h[2], h[3], h[4], h[5]]) as usize;
        // PROJECTVERSION says 4 and holds 6 (2.3.4.2.1.11).
        let size = if id == 0x0009 { 6 } else { size };
        let Some(data) = at
            .checked_add(6 + size)
            .and_then(|end| dir.get(at + 6..end))
        else {
            return (finish(out, current), true);
        };
        at += 6 + size;
        match id {
            0x0019 => {
                if let Some(m) = current.take() {
                    out.push(m);
                }
                current = Some(Module {
                    name: latin1(data),
                    ..Module::default()
                });
            }
            0x0047 => {
                if let Some(m) = current.as_mut() {
                    m.name = utf16(data);
                }
            }
            0x001a => {
                if let Some(m) = current.as_mut() {
                    m.stream = latin1(data);
                }
            }
            0x0032 => {
                if let Some(m) = current.as_mut() {
                    m.stream = utf16(data);
                }
            }
            0x0031 => {
                if let (Some(m), Some(b)) = (current.as_mut(), data.get(..4)) {
                    m.text_offset = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
            }
            0x002b => {
                if let Some(m) = current.take() {
                    out.push(m);
                }
            }
            // The end of the dir stream.
            0x0010 => return (finish(out, current), false),
            _ => {}
        }
    }
    (finish(out, current), false)
}

fn finish(mut out: Vec<Module>, current: Option<Module>) -> Vec<Module> {
    out.extend(current);
    out
}

/// Bytes read as Latin-1 (the project's code page is not known here;
/// module names are ASCII in practice), control characters dropped.
fn latin1(b: &[u8]) -> String {
    b.iter()
        .map(|&c| char::from(c))
        .filter(|c| !c.is_control())
        .collect()
}

/// UTF-16LE, lossily, control characters dropped.
fn utf16(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .filter(|c| !c.is_control())
        .collect()
}

/// Procedures Office runs without a click: on opening, closing or creating
/// a document, workbook or presentation.
const AUTORUN: &[&str] = &[
    "autoopen",
    "autoexec",
    "autonew",
    "autoclose",
    "autoexit",
    "auto_open",
    "auto_close",
    "auto_activate",
    "auto_deactivate",
    "document_open",
    "document_close",
    "document_new",
    "document_beforeclose",
    "documentopen",
    "documentbeforeclose",
    "documentchange",
    "workbook_open",
    "workbook_activate",
    "workbook_close",
    "workbook_beforeclose",
    "workbook_deactivate",
    "app_documentopen",
    "app_workbookopen",
    "app_newdocument",
];

/// Event procedures of ActiveX controls that fire as the document is shown
/// (`InkPicture1_Painted`, `Frame1_Layout`), also used to run on opening.
const AUTORUN_SUFFIXES: &[&str] = &["_painted", "_layout", "_gotfocus", "_resize"];

/// The procedures of `source` that Office runs by themselves, as written.
pub(crate) fn autorun_entries(source: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for line in source.split(|&b| b == b'\n' || b == b'\r') {
        let Some(name) = procedure_name(line) else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        let auto = AUTORUN.contains(&lower.as_str())
            || AUTORUN_SUFFIXES.iter().any(|s| lower.ends_with(s));
        if auto && !found.iter().any(|f| f.eq_ignore_ascii_case(&name)) {
            found.push(name);
        }
    }
    found
}

/// The name a line declares as a `Sub` or `Function`, if it does.
fn procedure_name(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        let lw = w.to_ascii_lowercase();
        if matches!(lw.as_str(), "public" | "private" | "friend" | "static") {
            words.next();
        } else {
            break;
        }
    }
    let kw = words.next()?.to_ascii_lowercase();
    if kw != "sub" && kw != "function" {
        return None;
    }
    let rest = words.next()?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Compresses `data` with raw chunks and literals (no copy tokens): for
/// tests.
#[cfg(test)]
pub(crate) fn compress_raw(data: &[u8]) -> Vec<u8> {
    let mut out = vec![1u8];
    for chunk in data.chunks(4096) {
        let mut padded = chunk.to_vec();
        padded.resize(4096, 0);
        if chunk.len() < 4096 {
            // A short last chunk is written compressed, as literals.
            let mut body = Vec::new();
            for group in chunk.chunks(8) {
                body.push(0u8);
                body.extend_from_slice(group);
            }
            let header = 0xb000u16 | ((body.len() + 2 - 3) as u16 & 0x0fff);
            out.extend_from_slice(&header.to_le_bytes());
            out.extend_from_slice(&body);
        } else {
            out.extend_from_slice(&0x3fffu16.to_le_bytes());
            out.extend_from_slice(&padded);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Literals, then a copy token that overlaps its own output.
    #[test]
    fn a_copy_token_repeats_earlier_output() {
        // Flag 0x08: three literals, then a token (offset 3, length 6).
        let input = [0x01, 0x05, 0xb0, 0x08, b'a', b'b', b'c', 0x03, 0x20];
        let mut out = Vec::new();
        assert_eq!(decompress(&input, &mut out, 1 << 20), Ok(false));
        assert_eq!(out, b"abcabcabc");
        let mut out = Vec::new();
        assert_eq!(decompress(&input, &mut out, 5), Ok(true));
        assert_eq!(out, b"abcab");
    }

    #[test]
    fn raw_chunks_round_trip_and_the_cap_holds() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let packed = compress_raw(&data);
        let mut out = Vec::new();
        assert_eq!(decompress(&packed, &mut out, 1 << 20), Ok(false));
        assert_eq!(out, data);
        let mut out = Vec::new();
        assert_eq!(decompress(&packed, &mut out, 5000), Ok(true));
        assert_eq!(out.len(), 5000);
    }

    #[test]
    fn a_copy_before_the_start_is_an_error() {
        let mut out = Vec::new();
        // Flag byte 1: the first token is a copy, with nothing to copy from.
        let r = decompress(&[0x01, 0x03, 0xb0, 0x01, 0x00, 0x00], &mut out, 100);
        assert!(matches!(r, Err(Bad::Offset(0))));
        assert!(decompress(&[0x02], &mut out, 100).is_err());
    }

    #[test]
    fn autorun_procedures_are_found() {
        let src = b"Attribute VB_Name = \"M\"\r\nPrivate Sub Document_Open()\r\nEnd Sub\r\n\
                    Sub autoopen()\r\nEnd Sub\r\nSub Helper()\r\nEnd Sub\r\n' Sub AutoExec()\r\n\
                    Sub InkPicture1_Painted(ByVal h As Long)\r\n";
        assert_eq!(
            autorun_entries(src),
            vec!["Document_Open", "autoopen", "InkPicture1_Painted"]
        );
        assert!(autorun_entries(b"Sub Main()\nEnd Sub").is_empty());
    }

    #[test]
    fn dir_records_name_the_modules() {
        let mut d = Vec::new();
        let rec = |d: &mut Vec<u8>, id: u16, data: &[u8]| {
            d.extend_from_slice(&id.to_le_bytes());
            d.extend_from_slice(&(data.len() as u32).to_le_bytes());
            d.extend_from_slice(data);
        };
        rec(&mut d, 0x0001, &3u32.to_le_bytes());
        // PROJECTVERSION: size 4, six bytes.
        d.extend_from_slice(&[9, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0]);
        rec(&mut d, 0x0019, b"Module1");
        rec(
            &mut d,
            0x0047,
            &"Módulo1"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<_>>(),
        );
        rec(&mut d, 0x001a, b"Module1");
        rec(&mut d, 0x0031, &77u32.to_le_bytes());
        rec(&mut d, 0x002b, b"");
        rec(&mut d, 0x0010, b"");
        let (m, bad) = modules(&d);
        assert!(!bad);
        assert_eq!(
            m,
            vec![Module {
                name: "Módulo1".into(),
                stream: "Module1".into(),
                text_offset: 77
            }]
        );
        let (m, bad) = modules(&d[..d.len() - 10]);
        assert!(bad);
        assert_eq!(m.len(), 1);
    }
}
