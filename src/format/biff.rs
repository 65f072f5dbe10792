//! Excel 97-2003 workbooks (BIFF8, the `Workbook` stream): the sheets the
//! globals substream declares (worksheets, Excel 4.0 macro sheets, and how
//! hidden each is) and the defined names that run by themselves
//! (`Auto_Open`). A workbook encrypted with RC4 (a FILEPASS record) that
//! Excel's `VelvetSweatshop` opens is decrypted first, record by record as
//! Excel reads it. Pure: records are read from the caller's bytes.

use std::ops::Range;

use super::offcrypto::{self, Unreadable, VELVET_SWEATSHOP, WORKBOOK_BLOCK, WorkbookKey};
use crate::finding::FindingKind;

/// A sheet's type, from its BOUNDSHEET record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SheetKind {
    /// A worksheet or dialog sheet.
    Worksheet,
    /// An Excel 4.0 (XLM) macro sheet.
    MacroSheet,
    /// A chart sheet.
    Chart,
    /// A VBA module sheet (Excel 5).
    VbaModule,
    /// Something else.
    Other(u8),
}

/// A sheet of the workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sheet {
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: SheetKind,
    /// 0 visible, 1 hidden, 2 very hidden (only VBA can show it).
    pub hidden: u8,
}

/// What the globals substream says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Globals {
    /// The sheets, in order.
    pub sheets: Vec<Sheet>,
    /// Defined names that Excel runs on opening or closing (`Auto_Open`,
    /// built in or spelt out), as shown.
    pub autorun: Vec<String>,
    /// Where the data of a FILEPASS record is (the workbook is
    /// encrypted): the reading stops there.
    pub filepass: Option<Range<usize>>,
    /// The DDE links of its SUPBOOK records (`=cmd|'/c calc'!A0`): the
    /// server and the topic, at most [`MAX_LINKS`].
    pub dde: Vec<(String, String)>,
}

/// Most DDE links kept from one workbook.
const MAX_LINKS: usize = 64;

/// Records read at most.
const MAX_RECORDS: usize = 200_000;

/// Reads the globals substream: from the first BOF to its EOF.
pub(crate) fn globals(stream: &[u8]) -> Globals {
    let mut g = Globals::default();
    let mut at = 0usize;
    for _ in 0..MAX_RECORDS {
        let Some(h) = stream.get(at..at + 4) else {
            break;
        };
        let id = u16::from_le_bytes([h[0], h[1]]);
        let len = usize::from(u16::from_le_bytes([h[2], h[3]]));
        let range = (at + 4).min(stream.len())..(at + 4 + len).min(stream.len());
        let data = &stream[range.clone()];
        at += 4 + len;
        match id {
            // EOF: the end of the globals.
            0x000a => break,
            0x002f => {
                g.filepass = Some(range);
                break;
            }
            0x0085 => {
                if let Some(s) = boundsheet(data) {
                    g.sheets.push(s);
                }
            }
            0x01ae => {
                if let Some(link) = dde_link(data)
                    && g.dde.len() < MAX_LINKS
                    && !g.dde.contains(&link)
                {
                    g.dde.push(link);
                }
            }
            0x0018 => {
                if let Some(n) = autorun_name(data)
                    && !g.autorun.contains(&n)
                {
                    g.autorun.push(n);
                }
            }
            _ => {}
        }
    }
    g
}

/// BOUNDSHEET8: the substream's position (4), visibility (low 2 bits), the
/// type, then a ShortXLUnicodeString name.
fn boundsheet(d: &[u8]) -> Option<Sheet> {
    let hidden = d.get(4)? & 0x03;
    let kind = match *d.get(5)? {
        0x00 => SheetKind::Worksheet,
        0x01 => SheetKind::MacroSheet,
        0x02 => SheetKind::Chart,
        0x06 => SheetKind::VbaModule,
        k => SheetKind::Other(k),
    };
    let cch = usize::from(*d.get(6).unwrap_or(&0));
    let name = xl_string(d.get(7..).unwrap_or(&[]), cch);
    Some(Sheet { name, kind, hidden })
}

/// SUPBOOK: a count of sheets (2), a length (2), then the path as an
/// XLUnicodeStringNoCch, unless the length marks the workbook itself
/// (0x0401) or an add-in (0x3A01). A link with no sheets whose path is
/// `server\x03topic` is a DDE (or OLE) link: Excel asks the server for the
/// topic when it updates links, starting the server's program. The topic
/// is cut at a NUL, as Excel reads it.
fn dde_link(d: &[u8]) -> Option<(String, String)> {
    let ctab = u16::from_le_bytes([*d.first()?, *d.get(1)?]);
    let cch = u16::from_le_bytes([*d.get(2)?, *d.get(3)?]);
    if ctab != 0 || cch == 0 || cch == 0x0401 || cch == 0x3a01 {
        return None;
    }
    let path = xl_string(d.get(4..)?, usize::from(cch));
    let (server, topic) = path.split_once('\u{3}')?;
    let topic = topic.split('\0').next().unwrap_or("");
    Some((server.to_owned(), topic.to_owned()))
}

/// The characters of an XLUnicodeStringNoCch: a flags byte (bit 0: two
/// bytes per character), then `cch` characters.
fn xl_string(d: &[u8], cch: usize) -> String {
    let Some((&flags, chars)) = d.split_first() else {
        return String::new();
    };
    if flags & 1 == 0 {
        chars.iter().take(cch).map(|&c| char::from(c)).collect()
    } else {
        let units = chars
            .chunks_exact(2)
            .take(cch)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }
}

/// A LBL record's name, when it is one that Excel runs by itself: the
/// built-in names Auto_Open (1) and Auto_Close (2), or a name spelt
/// `Auto_Open...` in any case (Excel runs those too).
fn autorun_name(d: &[u8]) -> Option<String> {
    let flags = u16::from_le_bytes([*d.first()?, *d.get(1)?]);
    let cch = usize::from(*d.get(3)?);
    let name = d.get(14..)?;
    if flags & 0x0020 != 0 {
        // A built-in name: one character (after the flags byte), its
        // number; the low byte either way.
        return match *name.get(1)? {
            0x01 => Some("Auto_Open".into()),
            0x02 => Some("Auto_Close".into()),
            _ => None,
        };
    }
    let text = xl_string(name, cch);
    let lower = text.to_ascii_lowercase();
    (lower.starts_with("auto_open") || lower.starts_with("auto_close")).then_some(text)
}

/// What [`inspect`] read of a workbook.
#[derive(Debug, Default)]
pub(crate) struct Inspected {
    /// It has macro sheets or names that run them.
    pub xlm: bool,
    /// The decrypted stream, when a password opened it.
    pub plain: Option<Vec<u8>>,
    /// The password that opened it was a candidate, not `VelvetSweatshop`.
    pub by_candidate: bool,
}

/// Reads a `Workbook` stream (or its first bytes) for findings: its
/// encryption, decrypted first where `VelvetSweatshop` or one of
/// `passwords` opens it, then its Excel 4.0 macros and hidden sheets.
pub(crate) fn inspect(
    stream: &[u8],
    passwords: &[String],
    findings: &mut Vec<FindingKind>,
) -> Inspected {
    let g = globals(stream);
    let Some(filepass) = g.filepass.clone() else {
        return Inspected {
            xlm: self::findings(&g, findings),
            ..Inspected::default()
        };
    };
    let encrypted = |method: &str, decrypted: bool| FindingKind::Encrypted {
        entry: "Workbook".into(),
        method: method.into(),
        decrypted,
    };
    let info = match offcrypto::workbook(&stream[filepass.clone()]) {
        Ok(info) => info,
        Err(e) => {
            findings.push(encrypted("biff8", false));
            findings.push(match e {
                Unreadable::Malformed(_) => FindingKind::Malformed {
                    detail: format!("Workbook: {e}"),
                },
                _ => FindingKind::UnsupportedMethod {
                    entry: "Workbook".into(),
                    method: e.to_string(),
                },
            });
            return Inspected {
                xlm: self::findings(&g, findings),
                ..Inspected::default()
            };
        }
    };
    // Excel's fixed password first (it opens without asking), then the
    // candidates: a key derivation each, one hash (CryptoAPI) or seventeen
    // (RC4).
    let opened = info.open(VELVET_SWEATSHOP).map(|k| (k, false)).or_else(|| {
        passwords
            .iter()
            .find_map(|p| info.open(p))
            .map(|k| (k, true))
    });
    let Some((key, by_candidate)) = opened else {
        findings.push(encrypted(info.method(), false));
        return Inspected {
            xlm: self::findings(&g, findings),
            ..Inspected::default()
        };
    };
    findings.push(encrypted(info.method(), true));
    let plain = decrypt(stream, &key);
    Inspected {
        xlm: self::findings(&globals(&plain), findings),
        plain: Some(plain),
        by_candidate,
    }
}

/// The records that [MS-XLS] 2.2.10 leaves unencrypted: BOF, FILEPASS,
/// UsrExcl, FileLock, InterfaceHdr, RRDInfo and RRDHead.
const PLAIN_RECORDS: [u16; 7] = [0x0809, 0x002f, 0x0194, 0x0195, 0x00e1, 0x0196, 0x0138];

/// The stream with every record's data decrypted: the keystream runs over
/// the whole stream (headers too), a key per 1,024 bytes; BOUNDSHEET8's
/// first four bytes are left as they are. FILEPASS becomes a record of
/// zeros of the same length (id 0), so that every offset holds and the
/// stream reads as not encrypted.
fn decrypt(stream: &[u8], key: &WorkbookKey) -> Vec<u8> {
    let mut out = stream.to_vec();
    let mut block: Option<(usize, Vec<u8>)> = None;
    let mut at = 0usize;
    while let Some(h) = stream.get(at..at + 4) {
        let id = u16::from_le_bytes([h[0], h[1]]);
        let len = usize::from(u16::from_le_bytes([h[2], h[3]]));
        let start = at + 4;
        let end = (start + len).min(stream.len());
        if id == 0x002f {
            out[at..end].fill(0);
            out[at + 2..at + 4].copy_from_slice(&h[2..4]);
        } else if !PLAIN_RECORDS.contains(&id) {
            let from = if id == 0x0085 { start + 4 } else { start };
            for pos in from..end {
                let n = pos / WORKBOOK_BLOCK;
                if block.as_ref().is_none_or(|(b, _)| *b != n) {
                    block = Some((n, key.keystream(n as u32)));
                }
                if let Some((_, ks)) = &block {
                    out[pos] ^= ks[pos % WORKBOOK_BLOCK];
                }
            }
        }
        at = start + len;
    }
    out
}

/// Findings about a workbook's Excel 4.0 macros and hidden sheets; true
/// when it has macro sheets.
fn findings(g: &Globals, findings: &mut Vec<FindingKind>) -> bool {
    let macro_sheets: Vec<&str> = g
        .sheets
        .iter()
        .filter(|s| s.kind == SheetKind::MacroSheet)
        .map(|s| s.name.as_str())
        .collect();
    if !macro_sheets.is_empty() {
        findings.push(FindingKind::XlmMacros {
            detail: format!("macro sheets {}", macro_sheets.join(", ")),
        });
    }
    for name in &g.autorun {
        findings.push(FindingKind::XlmAutorun { name: name.clone() });
    }
    for (server, topic) in &g.dde {
        findings.push(FindingKind::Dde {
            form: "DDE link".into(),
            interpreter: crate::format::ooxml::dde_starts_interpreter(server, topic),
            command: format!("{server}|{topic}"),
        });
    }
    for s in g.sheets.iter().filter(|s| s.hidden == 2) {
        findings.push(FindingKind::VeryHiddenSheet {
            sheet: s.name.clone(),
        });
    }
    !macro_sheets.is_empty() || !g.autorun.is_empty()
}

/// Writes a BIFF8 record: for tests.
#[cfg(test)]
pub(crate) fn record(out: &mut Vec<u8>, id: u16, data: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// A BOUNDSHEET8 record's data: for tests.
#[cfg(test)]
pub(crate) fn boundsheet_data(name: &str, kind: u8, hidden: u8) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, hidden, kind, name.len() as u8, 0];
    d.extend_from_slice(name.as_bytes());
    d
}

/// A LBL record's data for the built-in name `code` (1: Auto_Open): for
/// tests.
#[cfg(test)]
pub(crate) fn builtin_name_data(code: u8) -> Vec<u8> {
    let mut d = vec![0x20, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    d.extend_from_slice(&[0, code]);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_and_autorun_names_are_read() {
        let mut s = Vec::new();
        record(&mut s, 0x0809, &[0; 16]);
        record(&mut s, 0x0085, &boundsheet_data("Sheet1", 0, 0));
        record(&mut s, 0x0085, &boundsheet_data("Macro1", 1, 2));
        record(&mut s, 0x0018, &builtin_name_data(1));
        let mut spelt = vec![0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        spelt.extend_from_slice(b"aUtO_oPeN");
        record(&mut s, 0x0018, &spelt);
        record(&mut s, 0x000a, &[]);
        record(&mut s, 0x0085, &boundsheet_data("After", 1, 0));
        let g = globals(&s);
        assert_eq!(g.sheets.len(), 2);
        assert_eq!(g.sheets[1].kind, SheetKind::MacroSheet);
        assert_eq!(g.sheets[1].hidden, 2);
        assert_eq!(g.sheets[1].name, "Macro1");
        assert_eq!(g.autorun, vec!["Auto_Open", "aUtO_oPeN"]);
        assert!(g.filepass.is_none());
    }

    /// A SUPBOOK record: no sheets, then `path` as 8-bit or UTF-16.
    fn supbook(ctab: u16, path: &str, wide: bool) -> Vec<u8> {
        let units: Vec<u16> = path.encode_utf16().collect();
        let mut d = ctab.to_le_bytes().to_vec();
        d.extend((units.len() as u16).to_le_bytes());
        d.push(u8::from(wide));
        for u in units {
            if wide {
                d.extend(u.to_le_bytes());
            } else {
                d.push(u as u8);
            }
        }
        d
    }

    #[test]
    fn dde_links_are_read_from_supbook_records() {
        let mut s = Vec::new();
        record(&mut s, 0x0809, &[0; 16]);
        // The workbook itself, an external workbook and an add-in: no DDE.
        record(&mut s, 0x01ae, &[1, 0, 0x01, 0x04]);
        record(&mut s, 0x01ae, &supbook(1, "\u{1}C:\\book.xls", false));
        record(&mut s, 0x01ae, &[0, 0, 0x01, 0x3a]);
        record(&mut s, 0x01ae, &supbook(0, "cmd\u{3}/c calc", false));
        record(
            &mut s,
            0x01ae,
            &supbook(
                0,
                "MSEXCEL\u{3}\\..\\..\\Windows\\System32\\cmd.exe /c calc",
                true,
            ),
        );
        record(
            &mut s,
            0x01ae,
            &supbook(0, "Excel\u{3}[Book1]Sheet1", false),
        );
        record(&mut s, 0x000a, &[]);
        let g = globals(&s);
        assert_eq!(g.dde.len(), 3, "{:?}", g.dde);
        assert_eq!(g.dde[0], ("cmd".into(), "/c calc".into()));
        let mut f = Vec::new();
        findings(&g, &mut f);
        let interpreters: Vec<bool> = f
            .iter()
            .filter_map(|k| match k {
                FindingKind::Dde { interpreter, .. } => Some(*interpreter),
                _ => None,
            })
            .collect();
        assert_eq!(interpreters, [true, true, false]);
    }

    #[test]
    fn a_filepass_stops_the_reading() {
        let mut s = Vec::new();
        record(&mut s, 0x0809, &[0; 16]);
        record(&mut s, 0x002f, &[1, 0]);
        record(&mut s, 0x0085, &boundsheet_data("Macro1", 1, 0));
        let g = globals(&s);
        assert_eq!(g.filepass, Some(24..26));
        assert!(g.sheets.is_empty());
        // Truncated records do not panic.
        for n in 0..s.len() {
            let _ = globals(&s[..n]);
        }
    }

    /// A workbook with a hidden macro sheet that runs Auto_Open, encrypted
    /// with RC4 CryptoAPI under VelvetSweatshop (the verifier of
    /// `offcrypto`'s known answer), or under another password.
    fn encrypted_workbook(velvet: bool) -> Vec<u8> {
        use offcrypto::tests::{CRYPTOAPI_128, filepass_cryptoapi};
        let hex = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let filepass = filepass_cryptoapi(128, &hex(CRYPTOAPI_128.0));
        let mut s = Vec::new();
        record(&mut s, 0x0809, &[0; 16]);
        record(&mut s, 0x002f, &filepass);
        record(&mut s, 0x00e1, &[0xb0, 0x04]);
        record(&mut s, 0x0085, &boundsheet_data("Sheet1", 0, 0));
        record(&mut s, 0x0085, &boundsheet_data("Macro1", 1, 2));
        record(&mut s, 0x0018, &builtin_name_data(1));
        // A record long enough to cross into the keystream's next blocks.
        record(&mut s, 0x00fc, &[b'x'; 2500]);
        record(&mut s, 0x000a, &[]);
        // RC4 is its own inverse: the plain records "decrypted" are the
        // encrypted ones; FILEPASS is put back as it was.
        let key = offcrypto::workbook(&filepass)
            .unwrap()
            .open(VELVET_SWEATSHOP)
            .unwrap();
        let mut enc = decrypt(&s, &key);
        enc[20..24 + filepass.len()].copy_from_slice(&s[20..24 + filepass.len()]);
        if !velvet {
            // A verifier that another password made.
            enc[24 + 14 + 32 + 86 + 4 + 16] ^= 1;
        }
        enc
    }

    #[test]
    fn a_velvet_sweatshop_workbook_is_read_decrypted() {
        let enc = encrypted_workbook(true);
        assert!(globals(&enc).sheets.is_empty());
        let mut found = Vec::new();
        let Inspected { xlm, plain, .. } = inspect(&enc, &[], &mut found);
        assert!(xlm);
        let plain = plain.unwrap();
        assert_eq!(plain.len(), enc.len());
        assert!(plain.windows(2500).any(|w| w.iter().all(|&b| b == b'x')));
        let g = globals(&plain);
        assert_eq!(g.sheets[1].name, "Macro1");
        assert!(matches!(
            &found[0],
            FindingKind::Encrypted { method, decrypted: true, .. } if method == "biff8-rc4-cryptoapi"
        ));
        assert!(
            found
                .iter()
                .any(|f| matches!(f, FindingKind::XlmAutorun { .. }))
        );
        assert!(
            found
                .iter()
                .any(|f| matches!(f, FindingKind::VeryHiddenSheet { .. }))
        );
    }

    #[test]
    fn a_workbook_cut_anywhere_is_read_without_panic() {
        // A FILEPASS record cut short among them: its data is what is there.
        let enc = encrypted_workbook(true);
        for n in 0..enc.len() {
            let _ = inspect(&enc[..n], &[], &mut Vec::new());
        }
        let mut s = Vec::new();
        record(&mut s, 0x0809, &[0; 16]);
        s.extend_from_slice(&[0x2f, 0, 100, 0, 1, 0, 2]);
        assert_eq!(globals(&s).filepass, Some(24..27));
        let mut found = Vec::new();
        assert_eq!(inspect(&s, &[], &mut found).plain, None);
        assert!(matches!(
            &found[0],
            FindingKind::Encrypted {
                decrypted: false,
                ..
            }
        ));
    }

    #[test]
    fn a_workbook_with_its_own_password_stays_encrypted() {
        let mut found = Vec::new();
        let Inspected { xlm, plain, .. } = inspect(&encrypted_workbook(false), &[], &mut found);
        assert!(!xlm && plain.is_none());
        assert!(matches!(
            &found[..],
            [FindingKind::Encrypted {
                decrypted: false,
                ..
            }]
        ));
    }
}
