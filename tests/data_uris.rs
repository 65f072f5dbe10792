//! Base64 `data:` URIs in HTML and SVG (HTML smuggling): each payload is
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
