//! Compiled HTML help. Two kinds of fixture: help files compiled by Free
//! Pascal's `chmcmd` (fp-utils; its pages go into the LZX-compressed
//! section, as Microsoft's compiler puts them), and files written here
//! field by field with every entry stored in section 0, which no compiler
//! makes but every reader accepts.

use xferscan::{FindingKind, Verdict};

use crate::util::{self, has_key};

const SHORTCUT_PAGE: &str = r#"<html><head><title>Help</title></head><body>
<h1>Installation guide</h1>
<OBJECT id=x classid="clsid:adb880a6-d8ff-11cf-9377-00aa003b7a11" width=1 height=1>
<PARAM name="Command" value="ShortCut">
<PARAM name="Button" value="Bitmap::shortcut">
<PARAM name="Item1" value=",cmd.exe,/c powershell -nop -w hidden -enc SQBFAFgA">
<PARAM name="Item2" value="273,1,1">
</OBJECT>
<SCRIPT>x.Click();</SCRIPT>
</body></html>"#;

const ORDINARY_PAGE: &str = r#"<html><head><title>Getting started</title></head><body>
<h1>Getting started</h1><p>Open the <a href="settings.html">settings</a> to choose a folder.</p>
<OBJECT type="application/x-oleobject" classid="clsid:1e2a7bd0-dab9-11d0-b93a-00c04fc99f9e">
<param name="Keyword" value="folder"></OBJECT>
</body></html>"#;

fn encint(mut v: u64, out: &mut Vec<u8>) {
    let mut groups = vec![(v & 0x7f) as u8];
    v >>= 7;
    while v > 0 {
        groups.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.extend(groups.iter().rev());
}

/// A help file with every entry stored in section 0: the ITSF header, its
/// header section, an ITSP directory of one listing chunk, the content.
pub fn stored_chm(files: &[(&str, &[u8])]) -> Vec<u8> {
    const CHUNK: usize = 0x1000;
    let mut listing = Vec::new();
    let mut content = Vec::new();
    encint(1, &mut listing);
    listing.extend_from_slice(b"/");
    listing.extend_from_slice(&[0, 0, 0]);
    for (name, data) in files {
        encint(name.len() as u64, &mut listing);
        listing.extend_from_slice(name.as_bytes());
        encint(0, &mut listing);
        encint(content.len() as u64, &mut listing);
        encint(data.len() as u64, &mut listing);
        content.extend_from_slice(data);
    }
    assert!(listing.len() + 0x14 <= CHUNK);
    let mut chunk = b"PMGL".to_vec();
    chunk.extend(((CHUNK - 0x14 - listing.len()) as u32).to_le_bytes());
    chunk.extend(0u32.to_le_bytes());
    chunk.extend((-1i32).to_le_bytes());
    chunk.extend((-1i32).to_le_bytes());
    chunk.extend(&listing);
    chunk.resize(CHUNK, 0);
    let mut dir = b"ITSP".to_vec();
    for v in [1u32, 0x54, 0x0a, CHUNK as u32, 2, 1] {
        dir.extend(v.to_le_bytes());
    }
    for v in [-1i32, 0, 0, -1, 1, 0x409] {
        dir.extend(v.to_le_bytes());
    }
    dir.extend([
        0x6a, 0x92, 0x02, 0x5d, 0x2e, 0x21, 0xd0, 0x11, 0x9d, 0xf9, 0x00, 0xa0, 0xc9, 0x22, 0xe6,
        0xec,
    ]);
    dir.extend(0x54u32.to_le_bytes());
    for _ in 0..3 {
        dir.extend((-1i32).to_le_bytes());
    }
    assert_eq!(dir.len(), 0x54);
    dir.extend(&chunk);
    let dir_off = 0x60 + 0x18;
    let content_off = dir_off + dir.len();
    let total = content_off + content.len();
    let mut f = b"ITSF".to_vec();
    for v in [3u32, 0x60, 1, 0x1234_5678, 0x409] {
        f.extend(v.to_le_bytes());
    }
    let guid1 = [
        0x10, 0xfd, 0x01, 0x7c, 0xaa, 0x7b, 0xd0, 0x11, 0x9e, 0x0c, 0x00, 0xa0, 0xc9, 0x22, 0xe6,
        0xec,
    ];
    let mut guid2 = guid1;
    guid2[0] = 0x11;
    f.extend(guid1);
    f.extend(guid2);
    for v in [
        0x60u64,
        0x18,
        dir_off as u64,
        dir.len() as u64,
        content_off as u64,
    ] {
        f.extend(v.to_le_bytes());
    }
    f.extend(0x1feu32.to_le_bytes());
    f.extend(0u32.to_le_bytes());
    f.extend((total as u64).to_le_bytes());
    f.extend(0u64.to_le_bytes());
    f.extend(dir);
    f.extend(content);
    f
}

/// A help file compiled by chmcmd from `pages`, or None (and the test
/// skipped) where it is not installed.
fn compiled_chm(pages: &[(&str, &str)]) -> Option<Vec<u8>> {
    let chmcmd = util::tool("chmcmd")?;
    let dir = tempfile::tempdir().unwrap();
    let mut project = String::from("[OPTIONS]\nCompiled file=out.chm\nTitle=Help\n");
    project.push_str(&format!("Default topic={}\n\n[FILES]\n", pages[0].0));
    for (name, text) in pages {
        std::fs::write(dir.path().join(name), text).unwrap();
        project.push_str(name);
        project.push('\n');
    }
    std::fs::write(dir.path().join("help.hhp"), project).unwrap();
    util::run_tool(dir.path(), &chmcmd, &["help.hhp"]);
    Some(std::fs::read(dir.path().join("out.chm")).unwrap())
}

fn commands(r: &xferscan::Report) -> Vec<(String, String)> {
    r.findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::ChmCommand { page, command } => Some((page.clone(), command.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stored_shortcut_page_is_blocked_with_its_command() {
    let f = stored_chm(&[("/index.html", SHORTCUT_PAGE.as_bytes())]);
    let r = util::scan("guide.chm", f);
    assert_eq!(
        commands(&r),
        vec![(
            "index.html".to_owned(),
            ",cmd.exe,/c powershell -nop -w hidden -enc SQBFAFgA".to_owned()
        )],
        "{:#?}",
        r.findings
    );
    let f = r.findings_with_key("document.chm.command").next().unwrap();
    assert_eq!(f.action, xferscan::Action::Block);
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn eicar_in_a_stored_entry_is_found() {
    let eicar = util::eicar();
    let f = stored_chm(&[
        ("/index.html", ORDINARY_PAGE.as_bytes()),
        ("/files/readme.txt", &eicar),
    ]);
    let r = util::scan("guide.chm", f);
    assert!(util::found_eicar(&r));
    let (path, _) = util::deepest(&r);
    assert_eq!(path.names().last().map(|s| &**s), Some("files/readme.txt"));
}

#[test]
fn a_compiled_shortcut_page_is_blocked_with_its_command() {
    let Some(f) = compiled_chm(&[("index.html", SHORTCUT_PAGE), ("other.html", ORDINARY_PAGE)])
    else {
        return;
    };
    let r = util::scan("guide.chm", f);
    assert!(
        !has_key(&r, "unscannable"),
        "the compressed section was not read: {:#?}",
        r.findings
    );
    let c = commands(&r);
    assert_eq!(c.len(), 1, "{:#?}", r.findings);
    assert_eq!(c[0].0, "index.html");
    assert!(c[0].1.contains("powershell"));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn eicar_in_a_compressed_page_is_found() {
    let eicar = String::from_utf8(util::eicar()).unwrap();
    let page = format!("<html><body><pre>{eicar}</pre></body></html>");
    let Some(f) = compiled_chm(&[("index.html", ORDINARY_PAGE), ("e.html", &page)]) else {
        return;
    };
    let r = util::scan("guide.chm", f);
    assert!(util::found_eicar(&r), "{:#?}", r.findings);
}

/// An ordinary help file: nothing but the type's own policy acts on it
/// (the chat policy blocks CHM as an executable type).
#[test]
fn an_ordinary_help_file_is_judged_by_its_type_alone() {
    let Some(f) = compiled_chm(&[
        ("index.html", ORDINARY_PAGE),
        (
            "settings.html",
            "<html><body><h2>Settings</h2><p>Choose a folder.</p></body></html>",
        ),
    ]) else {
        return;
    };
    let r = util::scan("manual.chm", f);
    // The chat policy blocks help files by type, and by name (`.chm` is
    // on Gmail's list): nothing else.
    let acted: Vec<&str> = util::acted(&r).iter().map(|f| f.kind.key()).collect();
    assert_eq!(
        acted,
        vec!["name.blocked_extension", "type.executable"],
        "{:#?}",
        r.findings
    );
    assert!(
        r.objects
            .iter()
            .any(|o| o.path.names().last().map(|s| &**s) == Some("settings.html"))
    );
}

#[test]
fn a_stored_help_file_with_ordinary_pages_is_judged_by_its_type_alone() {
    let f = stored_chm(&[
        ("/index.html", ORDINARY_PAGE.as_bytes()),
        ("/#SYSTEM", b"\x03\x00\x00\x00"),
    ]);
    let r = util::scan("manual.chm", f);
    // The chat policy blocks help files by type, and by name (`.chm` is
    // on Gmail's list): nothing else.
    let acted: Vec<&str> = util::acted(&r).iter().map(|f| f.kind.key()).collect();
    assert_eq!(
        acted,
        vec!["name.blocked_extension", "type.executable"],
        "{:#?}",
        r.findings
    );
}

#[test]
fn a_truncated_directory_is_a_finding() {
    let mut f = stored_chm(&[("/index.html", ORDINARY_PAGE.as_bytes())]);
    f.truncate(0x78 + 0x54 + 0x20);
    let r = util::scan("manual.chm", f);
    assert!(has_key(&r, "unscannable.malformed"), "{:#?}", r.findings);
}

/// A help file larger than one LZX block: the decoder crosses blocks and
/// its resets (every two blocks, as chmcmd writes them) to the last page.
#[test]
fn pages_after_many_compressed_blocks_are_read() {
    let mut big = String::from("<html><body>");
    let mut x: u32 = 7;
    for i in 0..20_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        big.push_str(&format!("<p>{i} {:08x}</p>\n", x >> 3));
    }
    big.push_str("</body></html>");
    let eicar = String::from_utf8(util::eicar()).unwrap();
    let page = format!("<html><body><pre>{eicar}</pre></body></html>");
    let Some(f) = compiled_chm(&[
        ("a.html", &big),
        ("z.html", &page),
        ("y.html", SHORTCUT_PAGE),
    ]) else {
        return;
    };
    let r = util::scan("guide.chm", f);
    assert!(!has_key(&r, "unscannable"), "{:#?}", r.findings);
    assert!(util::found_eicar(&r), "{:#?}", r.findings);
    assert_eq!(commands(&r).len(), 1);
    let a = r
        .objects
        .iter()
        .find(|o| o.path.names().last().map(|s| &**s) == Some("a.html"))
        .unwrap();
    assert_eq!(a.size, big.len() as u64);
}
