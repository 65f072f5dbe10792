//! OLE2 compound files: Word, Excel, PowerPoint, MSI, Outlook, and whether
//! they carry VBA macros or Excel 4.0 macro sheets (an encrypted OOXML
//! document is opened, and said to be encrypted, by its unpacker).

use std::io::Read;

use super::{FileType, TypeGroup, known};
use crate::finding::FindingKind;
use crate::format::biff;

const MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

pub(crate) fn is_ole(b: &[u8]) -> bool {
    b.starts_with(&MAGIC)
}

/// The kind of compound file, read from its directory. A directory that
/// cannot be read leaves the generic `ole` type and a malformed finding.
pub(crate) fn classify(data: &[u8], findings: &mut Vec<FindingKind>) -> FileType {
    // cfb is a third-party parser fed hostile bytes: a panic in it must not
    // take the scan down.
    let result = std::panic::catch_unwind(|| read_directory(data));
    let dir = match result {
        Ok(Ok(dir)) => dir,
        Ok(Err(e)) => {
            findings.push(FindingKind::Malformed {
                detail: format!("OLE2 directory: {e}"),
            });
            return known::OLE;
        }
        Err(_) => {
            findings.push(FindingKind::Malformed {
                detail: "OLE2 directory could not be parsed".into(),
            });
            return known::OLE;
        }
    };
    let xlm = match dir.workbook {
        Some((xlm, mut of_workbook)) => {
            findings.append(&mut of_workbook);
            xlm
        }
        None => false,
    };
    let ty = if dir.names.iter().any(|n| n == "WordDocument") {
        known::DOC
    } else if dir.names.iter().any(|n| n == "Workbook" || n == "Book") {
        known::XLS
    } else if dir.names.iter().any(|n| n == "PowerPoint Document") {
        known::PPT
    } else if dir.msi {
        known::MSI
    } else if dir.names.iter().any(|n| n.starts_with("__substg1.0_")) {
        known::MSG
    } else {
        known::OLE
    };
    if (dir.macros || xlm) && ty.group() == TypeGroup::Document {
        ty.in_group(TypeGroup::MacroDocument)
    } else {
        ty
    }
}

struct Directory {
    names: Vec<String>,
    /// Whether the workbook has Excel 4.0 macros, and the findings of its
    /// globals (decrypted where they can be), when there is a `Workbook`
    /// (or `Book`) stream.
    workbook: Option<(bool, Vec<FindingKind>)>,
    macros: bool,
    msi: bool,
}

/// Entries read from the directory at most; a real document has a few dozen.
const MAX_ENTRIES: usize = 100_000;

/// How much of a `Workbook` stream is read for its globals (sheets and
/// names come first, before any sheet's cells).
const WORKBOOK_HEAD: u64 = 4 << 20;

fn read_directory(data: &[u8]) -> std::io::Result<Directory> {
    let mut cf = crate::format::cfbhead::open(data)?;
    let root_clsid = cf.root_entry().clsid().to_string().to_ascii_lowercase();
    let msi = root_clsid.starts_with("000c1084-") || root_clsid.starts_with("000c1086-");
    let mut names = Vec::new();
    let mut macros = false;
    // What the listing could not reach is the unpacker's to report.
    for e in crate::format::cfbhead::list(&cf, MAX_ENTRIES).entries {
        let name = e.name().to_owned();
        let path = e.path().to_string_lossy().to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "_VBA_PROJECT_CUR" | "_VBA_PROJECT" | "VBA" | "Macros"
        ) || path.contains("/vba/dir")
        {
            macros = true;
        }
        names.push(name);
    }
    let workbook = ["Workbook", "Book", "WORKBOOK", "BOOK"]
        .iter()
        .find(|n| names.iter().any(|x| x == *n))
        .and_then(|n| {
            let mut head = Vec::new();
            let s = cf.open_stream(format!("/{n}")).ok()?;
            s.take(WORKBOOK_HEAD).read_to_end(&mut head).ok()?;
            let mut found = Vec::new();
            // Detection has no candidate passwords: the unpacker tries them.
            let xlm = biff::inspect(&head, &[], &mut found).xlm;
            Some((xlm, found))
        });
    Ok(Directory {
        names,
        workbook,
        macros,
        msi,
    })
}
