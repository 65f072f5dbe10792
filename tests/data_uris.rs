//! Base64 `data:` URIs in HTML and SVG (HTML smuggling), and in any text
//! or JSON string a viewer may follow as a link: each payload is
//! decoded and scanned as what the browser would hand the user.

use crate::util::*;
use xferscan::Verdict;

fn page(uri_head: &str, payload: &[u8]) -> Vec<u8> {
    let mut p = format!("<!DOCTYPE html><html><body><a href=\"{uri_head}").into_bytes();
    p.extend(payload);
    p.extend_from_slice(b"\" download=\"invoice.pdf\">open</a></body></html>");
    p
}

#[test]
fn a_program_in_a_data_uri_is_decoded() {
    let r = scan(
        "invoice.html",
        page(
            "data:application/octet-stream;base64,",
            &b64(&tiny_pe(false)),
        ),
    );
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    let r = scan(
        "invoice.html",
        page("DATA:text/plain;charset=utf-8;base64,", &b64(&eicar())),
    );
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn escaped_line_breaks_inside_the_uri() {
    let encoded = String::from_utf8(b64(&eicar()))
        .unwrap()
        .replace("\r\n", "%0A");
    let r = scan("p.html", page("data:;base64,", encoded.as_bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn svg_with_an_image_is_clean_and_tiny_uris_are_left_alone() {
    let mut svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\">\
                    <image href=\"data:image/png;base64,"
        .to_vec();
    svg.extend(b64(&tiny_png()));
    svg.extend_from_slice(b"\"/></svg>");
    let r = scan("logo.svg", svg);
    assert_clean(&r);
    assert!(r.objects.len() > 1, "the image was decoded");
    let r = scan(
        "pixel.html",
        page("data:image/gif;base64,", b"R0lGODlhAQABAAAAACw="),
    );
    assert_clean(&r);
    assert_eq!(r.objects.len(), 1);
}

/// What a browser reads as a base64 `data:` URI, however the marker is
/// spelled (WHATWG fetch's `data:` URL processor, after the URL parser has
/// removed tabs and line breaks): each is a download of the program.
#[test]
fn every_spelling_of_the_marker_a_browser_accepts() {
    for head in [
        "data:application/octet-stream;BASE64,",
        "Data:application/octet-stream;Base64,",
        "data:application/octet-stream; base64,",
        "data:application/octet-stream;   bAsE64 ,",
        "data:application/octet-stream;base64\t,",
        "da\nta:application/octet-stream;base\r\n64,",
        "data:;\tbase64,",
    ] {
        let r = scan("invoice.html", page(head, &b64(&eicar())));
        assert!(found_eicar(&r), "{head:?}: {:?}", keys(&r));
    }
}

/// A browser sets no bound on a media type: its parameters (a file name,
/// a charset) can be any length, and tabs and line breaks anywhere in the
/// URI are removed first. The URI is read from its `data:` to its first
/// comma, however far, in a page, in text and in JSON.
#[test]
fn media_types_of_any_length() {
    let e = String::from_utf8(b64(&eicar()))
        .unwrap()
        .replace("\r\n", "");
    let name = "n".repeat(5000);
    let long = format!("data:application/octet-stream;name={name};base64,");
    let lines = format!(
        "da{}ta:application/octet-stream;{}base64,",
        "\n".repeat(600),
        "\t".repeat(600)
    );
    for head in [&long, &lines] {
        let r = scan("invoice.html", page(head, e.as_bytes()));
        assert!(
            found_eicar(&r),
            "page, {} bytes: {:?}",
            head.len(),
            keys(&r)
        );
        let r = scan("notes.txt", format!("Get it: {head}{e}\n").into_bytes());
        assert!(
            found_eicar(&r),
            "text, {} bytes: {:?}",
            head.len(),
            keys(&r)
        );
        let escaped = head.replace('\n', "\\n").replace('\t', "\\t");
        let r = scan(
            "export.json",
            format!("{{\"file\":\"{escaped}{e}\"}}").into_bytes(),
        );
        assert!(
            found_eicar(&r),
            "json, {} bytes: {:?}",
            head.len(),
            keys(&r)
        );
    }
    let every: String = eicar().iter().map(|b| format!("%{b:02X}")).collect();
    let r = scan(
        "invoice.html",
        page(&format!("data:text/plain;name={name},"), every.as_bytes()),
    );
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // A word `data:` of the page before the URI does not open it: the
    // payload runs to the attribute's quote, past its spaces (read from
    // the word, it ended at the first space).
    let spaced: String = eicar()
        .iter()
        .map(|&b| {
            if b == b'%' {
                "%25".to_string()
            } else {
                (b as char).to_string()
            }
        })
        .collect::<String>()
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('$', "%24");
    let p = format!(
        "<html><body><p>Send data: here</p><a href=\"data:text/plain,note: {spaced}\">x</a></body></html>"
    );
    let r = scan("page.html", p.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Nor does a `data:` in a quoted URI's parameters, right before its
    // comma.
    let p = format!(
        "<html><body><a href=\"data:text/plain;x=data:,note: {spaced}\">x</a></body></html>"
    );
    let r = scan("page.html", p.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn percent_escapes_in_the_payload_are_decoded_first() {
    // Every `A`, `Q` and `=` of the base64 escaped, as a browser decodes
    // them before the base64: the program must come out whole.
    let escaped: String = String::from_utf8(b64(&eicar()))
        .unwrap()
        .chars()
        .map(|c| match c {
            'A' => "%41".to_owned(),
            'Q' => "%51".to_owned(),
            '=' => "%3d".to_owned(),
            c => c.to_string(),
        })
        .collect();
    assert!(escaped.contains("%41") || escaped.contains("%51"));
    let r = scan("p.html", page("data:;base64,", escaped.as_bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn look_alikes_of_the_marker_are_not_decoded() {
    // Not base64 to a browser: the payload is text, and stays in the page.
    for head in [
        "data:text/plain;base65,",
        "data:text/plain;base64x,",
        "data:text/plain,;base64",
    ] {
        let r = scan("page.html", page(head, &b64(&tiny_png())));
        assert_clean(&r);
        assert_eq!(r.objects.len(), 1, "{head:?}");
    }
}

/// An attribute's character references are decoded before its URL is
/// read: the marker and the payload may be written with them.
#[test]
fn character_references_in_the_uri_are_decoded() {
    for head in [
        "data:application/octet-stream;base64&#44;",
        "data&colon;application/octet-stream&#x3B;base64&comma;",
        "&#100;ata:application/octet-stream;&#98;ase64,",
    ] {
        let r = scan("invoice.html", page(head, &b64(&eicar())));
        assert!(found_eicar(&r), "{head:?}: {:?}", keys(&r));
    }
    let referenced: String = String::from_utf8(b64(&eicar()))
        .unwrap()
        .chars()
        .map(|c| match c {
            'A' => "&#65;".to_owned(),
            '+' => "&plus;".to_owned(),
            c => c.to_string(),
        })
        .collect();
    let r = scan("p.html", page("data:;base64,", referenced.as_bytes()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Decoded once: `&amp;#44;` is the text `&#44;` to a browser.
    let r = scan(
        "page.html",
        page("data:text/plain;base64&amp;#44;", &b64(&tiny_png())),
    );
    assert_clean(&r);
    assert_eq!(r.objects.len(), 1);
}

/// A `data:` URI without the base64 marker is a download as well: its
/// payload percent-encoded, byte by byte or here and there.
#[test]
fn a_percent_encoded_payload_is_decoded() {
    let every: String = eicar().iter().map(|b| format!("%{b:02X}")).collect();
    let r = scan(
        "invoice.html",
        page("data:application/octet-stream,", every.as_bytes()),
    );
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Only what a URI cannot hold as it is escaped, as encodeURIComponent
    // writes it; in single quotes, after a line break the URL parser drops.
    let some: String = eicar()
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect();
    let mut p = b"<html><body><iframe src='DATA:text/plain,\n".to_vec();
    p.extend_from_slice(some.as_bytes());
    p.extend_from_slice(b"'></iframe></body></html>");
    let r = scan("page.html", p);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let mut exe = b"<!DOCTYPE html><html><body><a href=\"data:application/x-msdownload,".to_vec();
    exe.extend(
        tiny_pe(false)
            .iter()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>()
            .bytes(),
    );
    exe.extend_from_slice(b"\" download=\"a.exe\">x</a></body></html>");
    let r = scan("page.html", exe);
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
}

#[test]
fn ordinary_percent_encoded_uris_stay_clean() {
    // An SVG icon in a style sheet, as pages write them: decoded, clean.
    let css = b"<html><head><style>.i{background:url(\"data:image/svg+xml,\
                %3Csvg xmlns=%22http://www.w3.org/2000/svg%22 viewBox=%220 0 8 8%22%3E\
                %3Cpath d=%22M0 0h8v8H0z%22/%3E%3C/svg%3E\")}</style></head></html>";
    let r = scan("page.html", css.to_vec());
    assert_clean(&r);
    assert_eq!(r.objects.len(), 2, "the icon was decoded");
    // Too few escapes to be anything but what the page shows.
    let r = scan("page.html", page("data:text/plain,hello%20world%21", b""));
    assert_clean(&r);
    assert_eq!(r.objects.len(), 1);
}

/// Prose, Markdown, CSS and JSON are not pages, but a chat client, a
/// Markdown viewer or an app showing a JSON string turns a link to a
/// `data:` URI into a download all the same.
#[test]
fn uris_in_text_and_json_are_decoded() {
    let pe = String::from_utf8(b64(&tiny_pe(false)))
        .unwrap()
        .replace("\r\n", "");
    let e = String::from_utf8(b64(&eicar()))
        .unwrap()
        .replace("\r\n", "");
    let texts = [
        (
            "notes.txt",
            format!("Get it here: data:application/octet-stream;base64,{pe}\n"),
        ),
        (
            "README.md",
            format!("# Setup\n\n[installer](data:application/x-msdownload;base64,{pe})\n"),
        ),
        (
            "site.css",
            format!("body {{ background: url(\"data:image/png;base64,{pe}\"); }}\n"),
        ),
        (
            "export.json",
            format!(
                "{{\"messages\":[{{\"text\":\"hi\",\"file\":\"data:application/octet-stream;base64,{pe}\"}}]}}"
            ),
        ),
        // JSON writers that escape every slash (PHP's json_encode).
        (
            "export.json",
            format!(
                "{{\"file\":\"data:application\\/x-msdownload;base64,{}\"}}",
                pe.replace('/', "\\/")
            ),
        ),
        // The scheme's letters escaped: JSON.parse reads `data:` all the
        // same, so the search for the scheme reads the strings as parsed.
        (
            "export.json",
            format!("{{\"file\":\"\\u0064ata:application/octet-stream;base64,{pe}\"}}"),
        ),
        (
            "export.json",
            format!("[{{\"f\":\"\\u0044\\u0041\\u0054\\u0041\\u003a;base64,{pe}\"}}]"),
        ),
        // The URL parser removes tabs and line breaks from anywhere in a
        // URL, its scheme too: `da<LF>ta:` is `data:` to a browser, written
        // in a text's HTML or escaped in a JSON string.
        (
            "notes.txt",
            format!("See <a download href=\"da\nta:application/octet-stream;base64,{pe}\">x</a>\n"),
        ),
        (
            "export.json",
            format!("{{\"file\":\"da\\nta:application/octet-stream;base64,{pe}\"}}"),
        ),
        (
            "export.json",
            format!("{{\"file\":\"d\\u0009at\\ra\\u003aapplication/octet-stream;base64,{pe}\"}}"),
        ),
        // Character references: Markdown decodes them in a link's
        // destination, a browser in the HTML a text or a string carries.
        (
            "README.md",
            format!("# Setup\n\n[installer](&#100;ata:application/x-msdownload;base64,{pe})\n"),
        ),
        (
            "notes.md",
            format!("See <a href=\"data&colon;application/octet-stream;base64,{pe}\">this</a>\n"),
        ),
        (
            "export.json",
            format!(
                "{{\"html\":\"<a href=\\\"&#x64;ata:application/octet-stream;base64,{pe}\\\">x</a>\"}}"
            ),
        ),
    ];
    for (name, text) in texts {
        let r = scan(name, text.clone().into_bytes());
        assert!(
            has_key(&r, "type.executable"),
            "{name}: {text:.80} {:?}",
            keys(&r)
        );
        assert_eq!(r.verdict, Verdict::Malicious, "{name}");
    }
    let r = scan(
        "chat.json",
        format!("[{{\"u\":\"data:text/plain;base64,{e}\"}}]").into_bytes(),
    );
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// Controls: images and fonts inlined in CSS, JSON and Markdown, and
/// prose that only names the scheme.
#[test]
fn inlined_images_in_text_and_json_are_clean() {
    let png = String::from_utf8(b64(&tiny_png()))
        .unwrap()
        .replace("\r\n", "");
    for (name, text) in [
        (
            "site.css",
            format!(".logo {{ background: url(data:image/png;base64,{png}) }}\n"),
        ),
        (
            "icons.json",
            format!(
                "{{\"logo\":\"data:image\\/png;base64,{}\"}}",
                png.replace('/', "\\/")
            ),
        ),
        (
            "README.md",
            format!("![logo](data:image/png;base64,{png})\n"),
        ),
        (
            "notes.txt",
            "URIs such as data:text/plain;base64,SGVsbG8= inline small files.\n".into(),
        ),
    ] {
        assert_clean(&scan(name, text.into_bytes()));
    }
}

/// A page in ISO-2022-JP: the browser decodes its escape sequences away,
/// so `da<ESC>(Bta:` is a `data:` URI to it, and escapes strewn through
/// the base64 are not part of it. Whether the page declares the charset
/// does not matter. A Japanese page with an image stays clean.
#[test]
fn iso_2022_jp_escapes_do_not_hide_a_data_uri() {
    const ASCII: &[u8] = b"\x1b(B";
    let payload: Vec<u8> = b64(&eicar())
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut strewn = Vec::new();
    for chunk in payload.chunks(10) {
        strewn.extend_from_slice(chunk);
        strewn.extend_from_slice(ASCII);
    }
    let head = b"<html><head><meta charset=\"iso-2022-jp\"></head><body>";
    let mut in_scheme = head.to_vec();
    in_scheme.extend_from_slice(b"<a href=\"da\x1b(Bta:application/octet-stream;bas\x1b(Be64,");
    in_scheme.extend_from_slice(&payload);
    in_scheme.extend_from_slice(b"\">open</a></body></html>");
    let mut in_payload = head.to_vec();
    in_payload.extend_from_slice(b"<a href=\"data:application/octet-stream;base64,");
    in_payload.extend_from_slice(&strewn);
    in_payload.extend_from_slice(b"\">open</a></body></html>");
    for (defect, p) in [
        ("escape_in_scheme", in_scheme),
        ("escapes_in_payload", in_payload),
    ] {
        let r = scan("invoice.html", p.clone());
        assert!(found_eicar(&r), "{defect}: {:?}", keys(&r));
        // The same page, base64 in a mail part that declares the charset.
        let m = message(&[(
            &format!(
                "Content-Type: text/html; charset=iso-2022-jp\r\n{}",
                "Content-Transfer-Encoding: base64"
            ),
            &b64(&p),
        )]);
        let r = scan("mail.eml", m);
        assert!(found_eicar(&r), "{defect} in mail: {:?}", keys(&r));
    }
    // "日本語のページ" in JIS X 0208, and a small PNG.
    let mut jp = head.to_vec();
    jp.extend_from_slice(b"<p>\x1b$BF|K\\8l$N%Z!<%8\x1b(B</p><img src=\"data:image/png;base64,");
    jp.extend_from_slice(&b64(&tiny_png()));
    jp.extend_from_slice(b"\"></body></html>");
    let r = scan("page.html", jp);
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
}
