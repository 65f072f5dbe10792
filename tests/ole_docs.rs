//! Inside documents: OLE2 compound files stream by stream, VBA macros,
//! Excel 4.0 macro sheets, SYLK and RTF embedded objects. Compound files
//! are written with the `cfb` crate's writer; everything in them (the VBA
//! project, BIFF8 records, OLE1 objects) field by field here.

use std::io::{Cursor, Write};

use crate::util::*;
use xferscan::Verdict;

/// A compound file of these streams (paths with `/`), storages made as
/// needed.
pub fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (path, data) in streams {
        let p = std::path::Path::new(path);
        if let Some(parent) = p.parent()
            && parent != std::path::Path::new("/")
            && !parent.as_os_str().is_empty()
        {
            cf.create_storage_all(parent).unwrap();
        }
        let mut s = cf.create_stream(p).unwrap();
        s.write_all(data).unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

/// MS-OVBA compression with literals only (every chunk compressed, each
/// flag byte followed by eight literals): valid input for any reader.
pub fn ovba_compress(data: &[u8]) -> Vec<u8> {
    let mut out = vec![1u8];
    for chunk in data.chunks(4096) {
        let mut body = Vec::new();
        for group in chunk.chunks(8) {
            body.push(0u8);
            body.extend_from_slice(group);
        }
        let header = 0xb000u16 | ((body.len() + 2 - 3) as u16);
        out.extend_from_slice(&header.to_le_bytes());
        out.extend_from_slice(&body);
    }
    out
}

fn rec(d: &mut Vec<u8>, id: u16, data: &[u8]) {
    d.extend_from_slice(&id.to_le_bytes());
    d.extend_from_slice(&(data.len() as u32).to_le_bytes());
    d.extend_from_slice(data);
}

/// The streams of a VBA project under `storage` (`Macros` or
/// `_VBA_PROJECT_CUR`): `dir`, `_VBA_PROJECT`, and one stream per module
/// with `p-code` bytes before its compressed source.
pub fn vba_project(storage: &str, modules: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    let mut dir = Vec::new();
    rec(&mut dir, 0x0001, &3u32.to_le_bytes());
    rec(&mut dir, 0x0002, &0x409u32.to_le_bytes());
    rec(&mut dir, 0x0014, &0x409u32.to_le_bytes());
    rec(&mut dir, 0x0003, &1252u16.to_le_bytes());
    rec(&mut dir, 0x0004, b"Project");
    dir.extend_from_slice(&[9, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0]);
    rec(&mut dir, 0x000f, &(modules.len() as u16).to_le_bytes());
    rec(&mut dir, 0x0013, &0xffffu16.to_le_bytes());
    let pcode = b"\x01\x16\x03\x00p-code cache".to_vec();
    let mut streams = Vec::new();
    for (name, source) in modules {
        rec(&mut dir, 0x0019, name.as_bytes());
        let wide: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        rec(&mut dir, 0x0047, &wide);
        rec(&mut dir, 0x001a, name.as_bytes());
        rec(&mut dir, 0x0032, &wide);
        rec(&mut dir, 0x0031, &(pcode.len() as u32).to_le_bytes());
        rec(&mut dir, 0x0021, b"");
        rec(&mut dir, 0x002b, b"");
        let mut s = pcode.clone();
        s.extend(ovba_compress(source));
        streams.push((format!("/{storage}/VBA/{name}"), s));
    }
    rec(&mut dir, 0x0010, b"");
    streams.push((format!("/{storage}/VBA/dir"), ovba_compress(&dir)));
    streams.push((
        format!("/{storage}/VBA/_VBA_PROJECT"),
        vec![0xcc, 0x61, 0xff, 0xff, 0x00],
    ));
    streams.push((
        format!("/{storage}/PROJECT"),
        b"ID=\"{00000000-0000-0000-0000-000000000000}\"\r\nName=\"Project\"\r\n".to_vec(),
    ));
    streams
}

fn with_streams(fixed: &[(&str, &[u8])], more: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut all: Vec<(&str, &[u8])> = fixed.to_vec();
    all.extend(more.iter().map(|(p, d)| (p.as_str(), d.as_slice())));
    compound(&all)
}

/// A Word document whose module runs AutoOpen and holds EICAR.
fn macro_doc(source: &[u8]) -> Vec<u8> {
    let project = vba_project("Macros", &[("NewMacros", source)]);
    with_streams(
        &[
            ("/WordDocument", &[0xec, 0xa5, 0xc1, 0x00][..]),
            ("/1Table", b"table"),
        ],
        &project,
    )
}

#[test]
fn vba_module_source_is_scanned_and_autorun_reported() {
    let mut src = b"Attribute VB_Name = \"NewMacros\"\r\nSub AutoOpen()\r\n  x = \"".to_vec();
    src.extend(eicar());
    src.extend_from_slice(b"\"\r\nEnd Sub\r\n");
    let r = scan("invoice.doc", macro_doc(&src));
    let (path, _) = deepest(&r);
    assert_eq!(path.name(), "<VBA source of NewMacros>", "{:?}", keys(&r));
    assert!(has_key(&r, "document.macro"), "{:?}", keys(&r));
    let auto = r
        .findings_with_key("document.macro.autorun")
        .next()
        .expect("autorun reported");
    assert!(auto.kind.describe().contains("AutoOpen"));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_macro_without_autorun_is_still_a_macro_document() {
    let src = b"Attribute VB_Name = \"M\"\r\nSub Helper()\r\nEnd Sub\r\n";
    let r = scan("a.doc", macro_doc(src));
    assert!(has_key(&r, "document.macro"), "{:?}", keys(&r));
    assert!(!has_key(&r, "document.macro.autorun"));
    assert!(has_key(&r, "type.macro_document"));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn vba_project_bin_inside_a_docm_is_reached() {
    let src = b"Attribute VB_Name = \"ThisDocument\"\r\nPrivate Sub Document_Open()\r\nShell \"calc\"\r\nEnd Sub\r\n";
    let project = vba_project("", &[("ThisDocument", src)]);
    // vbaProject.bin has the VBA storage at its root.
    let project: Vec<(String, Vec<u8>)> = project
        .into_iter()
        .map(|(p, d)| (p.replacen("//", "/", 1), d))
        .collect();
    let bin = with_streams(&[], &project);
    let docm = zip_of(
        &[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
            ("word/vbaProject.bin", &bin),
        ],
        Method::Deflated,
    );
    let r = scan("report.docm", docm);
    let auto = r
        .findings_with_key("document.macro.autorun")
        .next()
        .unwrap_or_else(|| panic!("{:?}", keys(&r)));
    assert!(auto.kind.describe().contains("Document_Open"));
    assert!(auto.path.names().iter().any(|n| n == "word/vbaProject.bin"));
}

/// A BIFF8 record.
fn biff(out: &mut Vec<u8>, id: u16, data: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

fn boundsheet(name: &str, kind: u8, hidden: u8) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, hidden, kind, name.len() as u8, 0];
    d.extend_from_slice(name.as_bytes());
    d
}

/// A workbook stream: BOF, the sheets, built-in names, EOF, then a
/// substream per sheet with a formula record.
fn workbook(sheets: &[(&str, u8, u8)], auto_open: bool) -> Vec<u8> {
    let mut w = Vec::new();
    biff(&mut w, 0x0809, &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0]);
    for (n, k, h) in sheets {
        biff(&mut w, 0x0085, &boundsheet(n, *k, *h));
    }
    if auto_open {
        biff(
            &mut w,
            0x0018,
            &[0x20, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x01],
        );
    }
    biff(&mut w, 0x000a, &[]);
    for _ in sheets {
        biff(&mut w, 0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0]);
        // FORMULA: =SUM(A1:A2) as bytes; nothing reads them.
        biff(&mut w, 0x0006, &[0; 26]);
        biff(&mut w, 0x000a, &[]);
    }
    w
}

#[test]
fn an_xls_with_a_macro_sheet_and_auto_open_is_blocked() {
    let wb = workbook(&[("Sheet1", 0, 0), ("Macro1", 1, 2)], true);
    let xls = compound(&[("/Workbook", &wb)]);
    let r = scan("book.xls", xls);
    for k in [
        "document.xlm",
        "document.xlm.autorun",
        "document.sheet.very_hidden",
        "type.macro_document",
    ] {
        assert!(has_key(&r, k), "{k}: {:?}", keys(&r));
    }
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_very_hidden_worksheet_is_flagged() {
    let wb = workbook(&[("Sheet1", 0, 0), ("Data", 0, 2)], false);
    let r = scan("book.xls", compound(&[("/Workbook", &wb)]));
    assert!(has_key(&r, "document.sheet.very_hidden"), "{:?}", keys(&r));
    assert!(!has_key(&r, "document.xlm"));
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn plain_compound_files_and_workbooks_are_clean() {
    let wb = workbook(&[("Sheet1", 0, 0), ("Sheet2", 0, 1), ("Chart1", 2, 0)], false);
    assert_clean(&scan("book.xls", compound(&[("/Workbook", &wb)])));
    let doc = compound(&[
        ("/WordDocument", &[0xec, 0xa5, 0xc1, 0x00][..]),
        ("/1Table", b"table"),
        ("/\u{5}SummaryInformation", &[0xfe, 0xff, 0, 0]),
        ("/ObjectPool/_1/\u{1}CompObj", b"compobj"),
        ("/ObjectPool/_1/CONTENTS", b"chart data"),
    ]);
    let r = scan("letter.doc", doc);
    assert_clean(&r);
    // Every stream was a child, named by its path.
    let names: Vec<String> = r.objects.iter().map(|o| o.path.name().to_owned()).collect();
    assert!(names.iter().any(|n| n == "ObjectPool/_1/\\x01CompObj"), "{names:?}");
    assert!(names.iter().any(|n| n == "1Table"), "{names:?}");
}

/// An `\x01Ole10Native` stream for a file.
fn ole10native(label: &str, path: &str, data: &[u8]) -> Vec<u8> {
    let p = package(label, path, data);
    let mut v = (p.len() as u32).to_le_bytes().to_vec();
    v.extend(p);
    v
}

/// The Packager's native data (without the leading size).
fn package(label: &str, path: &str, data: &[u8]) -> Vec<u8> {
    let mut v = 2u16.to_le_bytes().to_vec();
    for s in [label, path] {
        v.extend_from_slice(s.as_bytes());
        v.push(0);
    }
    v.extend_from_slice(&[0, 0, 3, 0]);
    v.extend_from_slice(&(path.len() as u32 + 1).to_le_bytes());
    v.extend_from_slice(path.as_bytes());
    v.push(0);
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(data);
    v
}

#[test]
fn a_packaged_file_is_scanned_under_its_own_name() {
    let native = ole10native("invoice.pdf", "C:\\Users\\a\\invoice.pdf.exe", &tiny_pe(false));
    let doc = compound(&[
        ("/WordDocument", &[0xec, 0xa5][..]),
        ("/ObjectPool/_1234/\u{1}Ole10Native", &native),
    ]);
    let r = scan("a.doc", doc);
    let exe = r
        .objects
        .iter()
        .find(|o| o.path.name() == "invoice.pdf.exe")
        .unwrap_or_else(|| panic!("{:?}", r.objects));
    assert_eq!(exe.types[0].ty.name(), "pe-exe");
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // EICAR in a packaged text file.
    let native = ole10native("a.txt", "C:\\tmp\\a.txt", &eicar());
    let doc = compound(&[("/ObjectPool/_1/\u{1}Ole10Native", &native)]);
    let r = scan("b.doc", doc);
    let (path, _) = deepest(&r);
    assert_eq!(path.name(), "a.txt");
}

#[test]
fn an_outlook_attachment_is_named_by_its_file_name() {
    let name: Vec<u8> = "note.txt".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let msg = compound(&[
        ("/__substg1.0_0037001F", &[0x68, 0][..]),
        ("/__attach_version1.0_#00000000/__substg1.0_3707001F", &name),
        ("/__attach_version1.0_#00000000/__substg1.0_37010102", &eicar()),
    ]);
    let r = scan("mail.msg", msg);
    assert!(
        r.signatures().any(|(p, _)| p.name() == "note.txt"),
        "{:?}",
        r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
    );
}

#[test]
fn a_broken_compound_file_is_malformed_not_clean() {
    let mut doc = compound(&[("/WordDocument", &[0u8; 5000][..])]);
    doc.truncate(600);
    let r = scan("cut.doc", doc);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn sylk_with_exec_is_a_macro_document() {
    let slk = b"ID;P\r\nO;E\r\nNN;NAuto_open;ER1C1\r\nC;X1;Y1;K0;EEXEC(\"calc.exe\")\r\nC;X1;Y2;K0;EHALT()\r\nE\r\n";
    let r = scan("data.slk", slk.to_vec());
    assert!(has_key(&r, "document.xlm"), "{:?}", keys(&r));
    assert!(has_key(&r, "document.xlm.autorun"), "{:?}", keys(&r));
    assert!(has_key(&r, "type.macro_document"));
    assert_eq!(r.verdict, Verdict::Malicious);
    // Without the option record or name: the formula alone.
    let r = scan("x.slk", b"ID;P\r\nC;X1;Y1;K0;ECALL(\"kernel32\",\"WinExec\")\r\nE\r\n".to_vec());
    assert!(has_key(&r, "document.xlm"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_plain_sylk_spreadsheet_is_clean() {
    let slk = b"ID;PWXL;N;E\r\nP;PGeneral\r\nC;Y1;X1;K\"Name\"\r\nC;Y1;X2;K\"Total\"\r\nC;Y2;X2;K7;ESUM(R1C3:R1C4)\r\nE\r\n";
    let r = scan("table.slk", slk.to_vec());
    assert_eq!(r.objects[0].types[0].ty.name(), "sylk");
    assert_clean(&r);
}

#[test]
fn an_equation_editor_storage_is_blocked() {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    cf.set_storage_clsid(
        "/",
        uuid::Uuid::parse_str("0002ce02-0000-0000-c000-000000000046").unwrap(),
    )
    .unwrap();
    cf.create_stream("/Equation Native")
        .unwrap()
        .write_all(&[0x1c, 0, 0, 0, 2, 0])
        .unwrap();
    cf.flush().unwrap();
    let r = scan("obj.bin", cf.into_inner().into_inner());
    assert!(has_key(&r, "document.equation"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}
