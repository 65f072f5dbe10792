//! Microsoft cabinets (by gcab, MSZIP and stored, and crafted: LZX,
//! Quantum, sets of cabinets, cut ones) and the cabinets inside MSI
//! packages (by msitools' msibuild).

use crate::util::*;
use xferscan::{Engine, Policy, Report, Verdict};

/// An engine whose policy allows cabinets and installers (as types and as
/// names), so that what is left is what they hold.
fn engine_allowing_cab() -> Engine {
    let mut p = Policy::default();
    p.set_type("cab", xferscan::Action::Allow);
    p.set_type("msi", xferscan::Action::Allow);
    p.set_finding("name.blocked_extension", xferscan::Action::Allow);
    Engine::builder().policy(p).build().unwrap()
}

/// A file of a crafted cabinet: name, offset in its folder, size, folder
/// index (or one of the continuation values).
struct F<'a>(&'a str, u32, u32, u16);

/// A cabinet of one folder of `blocks` (data, uncompressed size), compressed
/// as `method` says, holding `files`; `next` makes it the first cabinet of
/// a set.
fn crafted(method: u16, blocks: &[(Vec<u8>, u16)], files: &[F<'_>], next: bool) -> Vec<u8> {
    let mut set = Vec::new();
    if next {
        set.extend_from_slice(b"part2.cab\0disk2\0");
    }
    let mut table = Vec::new();
    for F(name, off, size, folder) in files {
        table.extend(size.to_le_bytes());
        table.extend(off.to_le_bytes());
        table.extend(folder.to_le_bytes());
        table.extend([0, 0, 0, 0, 0x20, 0]);
        table.extend_from_slice(name.as_bytes());
        table.push(0);
    }
    let files_off = 36 + set.len() + 8;
    let data_off = files_off + table.len();
    let total = data_off + blocks.iter().map(|(d, _)| 8 + d.len()).sum::<usize>();
    let mut v = b"MSCF".to_vec();
    v.extend(0u32.to_le_bytes());
    v.extend((total as u32).to_le_bytes());
    v.extend(0u32.to_le_bytes());
    v.extend((files_off as u32).to_le_bytes());
    v.extend(0u32.to_le_bytes());
    v.extend([3, 1]);
    v.extend(1u16.to_le_bytes());
    v.extend((files.len() as u16).to_le_bytes());
    v.extend((if next { 2u16 } else { 0 }).to_le_bytes());
    v.extend([0x34, 0x12, 0, 0]);
    v.extend(set);
    v.extend((data_off as u32).to_le_bytes());
    v.extend((blocks.len() as u16).to_le_bytes());
    v.extend(method.to_le_bytes());
    v.extend(table);
    for (d, un) in blocks {
        v.extend(0u32.to_le_bytes());
        v.extend((d.len() as u16).to_le_bytes());
        v.extend(un.to_le_bytes());
        v.extend_from_slice(d);
    }
    v
}

/// One LZX chunk holding `data` as an uncompressed block (LZX's stored
/// form), the first of its stream: E8 translation off, block type 3, the
/// 24-bit size, alignment, R0..R2, the bytes.
fn lzx_uncompressed(data: &[u8]) -> Vec<u8> {
    let bits: u32 = (3 << 28) | ((data.len() as u32) << 4);
    let mut v = Vec::new();
    v.extend(((bits >> 16) as u16).to_le_bytes());
    v.extend(((bits & 0xffff) as u16).to_le_bytes());
    for _ in 0..3 {
        v.extend(1u32.to_le_bytes());
    }
    v.extend_from_slice(data);
    v
}

/// Runs gcab in a temporary folder on `files` (written there first);
/// `None` when gcab is not installed.
fn gcab(files: &[(&str, &[u8])], compress: bool) -> Option<Vec<u8>> {
    let gcab = tool("gcab")?;
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    let mut args = vec!["-c"];
    if compress {
        args.push("-z");
    }
    args.push("out.cab");
    args.extend(files.iter().map(|(n, _)| *n));
    run_tool(dir.path(), &gcab, &args);
    Some(std::fs::read(dir.path().join("out.cab")).unwrap())
}

fn eicar_path(r: &Report) -> String {
    deepest(r).0.to_string()
}

#[test]
fn eicar_in_a_gcab_cabinet_mszip_and_stored() {
    let e = eicar();
    for compress in [true, false] {
        let Some(cab) = gcab(&[("readme.txt", b"hello"), ("sub/e.com", &e)], compress) else {
            return;
        };
        let r = scan("files.cab", cab);
        assert!(found_eicar(&r), "mszip {compress}: {:?}", keys(&r));
        assert!(eicar_path(&r).contains("e.com"), "{}", eicar_path(&r));
        assert!(!has_key(&r, "unscannable"), "{:?}", keys(&r));
    }
}

#[test]
fn a_cabinet_of_text_files_holds_nothing_to_act_on() {
    // Three blocks of MSZIP: the history carried from block to block.
    let long: Vec<u8> = (0..100_000u32)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    let Some(cab) = gcab(&[("a.txt", b"alpha"), ("long.txt", &long)], true) else {
        return;
    };
    let r = engine_allowing_cab().scan_bytes("docs.cab", cab.clone());
    assert_clean(&r);
    assert_eq!(keys(&r), vec!["name.blocked_extension".to_string()]);
    let inner = r
        .objects
        .iter()
        .find(|o| o.path.name() == "long.txt")
        .expect("long.txt");
    assert_eq!(inner.size, long.len() as u64);
    // The built-in policy blocks cabinets by type (Gmail's list), and only
    // by type.
    let r = scan("docs.cab", cab);
    assert_eq!(r.verdict, Verdict::Malicious);
    assert_eq!(
        acted(&r).iter().map(|f| f.kind.key()).collect::<Vec<_>>(),
        vec!["name.blocked_extension", "type.archive"]
    );
}

#[test]
fn a_cut_cabinet_is_malformed_and_what_is_there_is_scanned() {
    let e = eicar();
    let filler: Vec<u8> = (0..60_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let Some(cab) = gcab(&[("e.com", &e), ("filler.bin", &filler)], false) else {
        return;
    };
    let cut = cab[..cab.len() - 10_000].to_vec();
    let r = scan("cut.cab", cut);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

#[test]
fn an_lzx_cabinet_is_decoded() {
    let e = eicar();
    let mut content = b"before ".to_vec();
    content.extend_from_slice(&e);
    let n = content.len() as u32;
    // LZX, window 2^15.
    let cab = crafted(
        0x0f03,
        &[(lzx_uncompressed(&content), n as u16)],
        &[F("a.txt", 0, 7, 0), F("e.com", 7, n - 7, 0)],
        false,
    );
    let r = scan("lzx.cab", cab);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(deepest(&r).0.name(), "e.com");
    assert!(!has_key(&r, "unscannable"), "{:?}", keys(&r));
}

#[test]
fn quantum_is_an_unsupported_method_never_clean() {
    let cab = crafted(
        0x0702,
        &[(b"\x00\x01\x02\x03".to_vec(), 10)],
        &[F("q.exe", 0, 10, 0)],
        false,
    );
    let r = engine_allowing_cab().scan_bytes("q.cab", cab);
    assert!(
        has_key(&r, "unscannable.unsupported_method"),
        "{:?}",
        keys(&r)
    );
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn the_first_cabinet_of_a_set_gives_what_it_holds_and_says_the_rest_is_missing() {
    let e = eicar();
    let mut data = e.clone();
    data.extend_from_slice(b"start of the next");
    let n = data.len() as u16;
    // The folder's last block goes on in the next cabinet (size 0 here).
    let cab = crafted(
        0,
        &[(data, n), (Vec::new(), 0)],
        &[
            F("e.com", 0, e.len() as u32, 0),
            F("big.bin", e.len() as u32, 100_000, 0xfffe),
        ],
        true,
    );
    let r = scan("part1.cab", cab);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.missing_volume"), "{:?}", keys(&r));
    let big = r
        .objects
        .iter()
        .find(|o| o.path.name() == "big.bin")
        .expect("the part of big.bin that is here");
    assert_eq!(big.size, 17);
}

/// An installer database (msitools' msibuild: one option a call) with the
/// folder's `data1.cab` as a stream.
fn build_msi(dir: &std::path::Path, msibuild: &std::path::Path) {
    run_tool(dir, msibuild, &["setup.msi", "-s", "Setup"]);
    run_tool(
        dir,
        msibuild,
        &["setup.msi", "-a", "data1.cab", "data1.cab"],
    );
}

#[test]
fn msi_with_an_embedded_cabinet_is_unpacked() {
    let e = eicar();
    let Some(cab) = gcab(&[("payload/e.com", &e)], true) else {
        return;
    };
    let Some(msibuild) = tool("msibuild") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data1.cab"), &cab).unwrap();
    build_msi(dir.path(), &msibuild);
    let msi = std::fs::read(dir.path().join("setup.msi")).unwrap();
    let r = scan("setup.msi", msi.clone());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let path = eicar_path(&r);
    assert!(path.contains("data1.cab"), "{path}");
    assert!(path.contains("e.com"), "{path}");
    // Control: the same package with a cabinet of text.
    let clean = gcab(&[("readme.txt", b"hello")], true).unwrap();
    std::fs::write(dir.path().join("data1.cab"), &clean).unwrap();
    let _ = std::fs::remove_file(dir.path().join("setup.msi"));
    build_msi(dir.path(), &msibuild);
    let msi = std::fs::read(dir.path().join("setup.msi")).unwrap();
    let r = engine_allowing_cab().scan_bytes("setup.msi", msi);
    assert!(
        r.objects.iter().any(|o| o.path.name() == "readme.txt"),
        "{:?}",
        r.objects
            .iter()
            .map(|o| o.path.to_string())
            .collect::<Vec<_>>()
    );
    assert_clean(&r);
}

/// A cabinet glued behind a picture, as 7-Zip opens it (`Offset = ...`).
#[test]
fn a_cabinet_glued_behind_a_picture_is_opened() {
    let e = eicar();
    let cab = crafted(
        0,
        &[(e.clone(), e.len() as u16)],
        &[F("notes.txt", 0, e.len() as u32, 0)],
        false,
    );
    let mut f = tiny_jpeg();
    f.extend(&cab);
    let r = engine_allowing_cab().scan_bytes("photo.jpg", f);
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Control: the picture alone.
    assert_clean(&scan("photo.jpg", tiny_jpeg()));
}
