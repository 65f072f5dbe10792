//! Disk images: ISO 9660 (Joliet, Rock Ridge), UDF, FAT, partitioned disks,
//! VHD and VHDX are unpacked and their files scanned; the tricks of images
//! (a hidden payload beside a shortcut, a UDF tree that differs from the
//! ISO 9660 one) are findings; malformed structures are named findings.
//! Fixtures are made by the formats' own tools (genisoimage, xorriso,
//! mkfs.fat and mtools, mkudffs, qemu-img), then patched where a test needs
//! a lie.

use std::path::Path;

use crate::util::*;
use xferscan::{Action, Engine, Profile, Report, Verdict};

/// Writes `files` (path, bytes) under `dir/tree`.
fn tree(dir: &Path, files: &[(&str, &[u8])]) {
    for (p, d) in files {
        let p = dir.join("tree").join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, d).unwrap();
    }
}

/// An ISO made by genisoimage from `files`, with `args` before the tree.
fn genisoimage(files: &[(&str, &[u8])], args: &[&str]) -> Option<Vec<u8>> {
    let tool = tool("genisoimage")?;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), files);
    let mut a = vec!["-quiet", "-o", "out.iso"];
    a.extend_from_slice(args);
    a.push("tree");
    run_tool(dir.path(), &tool, &a);
    Some(std::fs::read(dir.path().join("out.iso")).unwrap())
}

/// A FAT image of `kib` KiB made by mkfs.fat, filled by mtools commands
/// (`mmd`, `mcopy`, `mattrib`: each with its arguments after `-i IMAGE`).
fn fat_image(fat: &str, kib: &str, files: &[(&str, &[u8])], cmds: &[&[&str]]) -> Option<Vec<u8>> {
    let mkfs = tool("mkfs.fat")?;
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), files);
    run_tool(dir.path(), &mkfs, &["-C", "-F", fat, "d.img", kib]);
    for c in cmds {
        let t = tool(c[0])?;
        let mut a = vec!["-i", "d.img"];
        a.extend_from_slice(&c[1..]);
        run_tool_env(dir.path(), &t, &a);
    }
    Some(std::fs::read(dir.path().join("d.img")).unwrap())
}

/// `run_tool` with mtools told not to check the geometry of an image file.
fn run_tool_env(dir: &Path, program: &Path, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `raw` converted by qemu-img to `format` (with `opts`).
fn qemu_img(raw: &[u8], format: &str, opts: &[&str]) -> Option<Vec<u8>> {
    let q = tool("qemu-img")?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("raw.img"), raw).unwrap();
    let mut a = vec!["convert", "-f", "raw", "-O", format];
    a.extend_from_slice(opts);
    a.extend_from_slice(&["raw.img", "out"]);
    run_tool(dir.path(), &q, &a);
    Some(std::fs::read(dir.path().join("out")).unwrap())
}

/// The deepest object's path where EICAR matched, as names below the image.
fn eicar_path(r: &Report) -> Vec<String> {
    assert!(found_eicar(r), "{:?}", keys(r));
    deepest(r).0.names()[1..]
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// The details of the report's `unscannable.malformed` findings.
fn malformed(r: &Report) -> String {
    r.findings_with_key("unscannable.malformed")
        .map(|f| f.kind.describe())
        .collect::<Vec<_>>()
        .join("\n")
}

/// An engine with the built-in P2P profile: disk images pass by type, and
/// what they hold decides (executables and shortcuts are flagged).
fn p2p() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| Engine::builder().profile(Profile::P2p).build().unwrap())
}

/// Where a directory record named `name` (as stored) lies in `iso`: every
/// record whose name length byte and name match.
fn records(iso: &[u8], name: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = iso[from..].windows(name.len()).position(|w| w == name) {
        let at = from + i;
        if at >= 33 && iso[at - 1] as usize == name.len() {
            out.push(at - 33);
        }
        from = at + 1;
    }
    out
}

fn joliet(name: &str) -> Vec<u8> {
    name.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

#[test]
fn eicar_in_a_nested_folder_of_a_joliet_rock_ridge_iso() {
    let e = eicar();
    let files: &[(&str, &[u8])] = &[
        ("readme.txt", b"hello"),
        ("A Long Name With Spaces.txt", b"long"),
        ("sub/deeper/eicar.com.txt", &e),
    ];
    for args in [&["-J", "-R"][..], &["-J"], &["-R"], &[]] {
        let Some(iso) = genisoimage(files, args) else {
            return;
        };
        let r = scan("files.iso", iso);
        let path = eicar_path(&r);
        let want = if args.is_empty() {
            "SUB/DEEPER/EICAR_CO.TXT"
        } else {
            "sub/deeper/eicar.com.txt"
        };
        assert_eq!(path, vec![want.to_string()], "{args:?}");
        assert!(!has_key(&r, "unscannable.unsupported_format"));
        assert!(!has_key(&r, "image"), "{args:?}: {:?}", keys(&r));
        assert!(
            !has_key(&r, "container.name_mismatch"),
            "{args:?}: {:?}",
            keys(&r)
        );
        assert!(!has_key(&r, "unscannable"), "{args:?}: {}", malformed(&r));
    }
}

#[test]
fn an_xorriso_image_is_unpacked() {
    let Some(x) = tool("xorriso") else { return };
    let dir = tempfile::tempdir().unwrap();
    let e = eicar();
    tree(dir.path(), &[("a.txt", b"alpha"), ("d/e/eicar.txt", &e)]);
    run_tool(
        dir.path(),
        &x,
        &["-outdev", "x.iso", "-joliet", "on", "-map", "tree", "/"],
    );
    let r = scan("x.iso", std::fs::read(dir.path().join("x.iso")).unwrap());
    assert_eq!(eicar_path(&r), vec!["d/e/eicar.txt".to_string()]);
    assert!(
        !has_key(&r, "image") && !has_key(&r, "unscannable"),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn a_udf_bridge_image_is_read_through_its_udf_tree_too() {
    let e = eicar();
    let Some(iso) = genisoimage(
        &[("a.txt", b"alpha"), ("dir/eicar.txt", &e)],
        &["-J", "-R", "-udf"],
    ) else {
        return;
    };
    let r = scan("bridge.iso", iso);
    assert_eq!(eicar_path(&r), vec!["dir/eicar.txt".to_string()]);
    assert!(!has_key(&r, "image.tree_mismatch"), "{:?}", keys(&r));
}

/// The bridge decoy: the ISO 9660 and Joliet trees show `report.txt` as a
/// harmless file, the UDF tree (what Windows mounts) shows the payload
/// under that name. genisoimage's `-hide` hides a file from the UDF tree
/// as well, so the ISO 9660 records are patched to point at the decoy.
#[test]
fn a_file_only_the_udf_tree_shows_is_scanned_and_a_tree_mismatch() {
    let e = eicar();
    let decoy = vec![b'd'; e.len()];
    let Some(mut iso) = genisoimage(
        &[("report.txt", &e), ("decoy.txt", &decoy)],
        &["-J", "-R", "-udf"],
    ) else {
        return;
    };
    let to = records(&iso, b"DECOY.TXT;1")[0];
    let fields: Vec<u8> = iso[to + 2..to + 18].to_vec();
    // The ISO 9660 name, and the Joliet one (with or without a version).
    for names in [
        vec![b"REPORT.TXT;1".to_vec()],
        vec![joliet("report.txt;1"), joliet("report.txt")],
    ] {
        let recs: Vec<usize> = names.iter().flat_map(|n| records(&iso, n)).collect();
        assert!(!recs.is_empty());
        for at in recs {
            iso[at + 2..at + 18].copy_from_slice(&fields);
        }
    }
    // The payload's bytes are in no ISO 9660 record now: only UDF shows them.
    let r = scan("bridge.iso", iso);
    assert_eq!(eicar_path(&r), vec!["report.txt".to_string()]);
    let m = r
        .findings_with_key("image.tree_mismatch")
        .map(|f| f.kind.describe())
        .collect::<Vec<_>>();
    assert!(
        m.iter()
            .any(|d| d.contains("\"report.txt\" is shown by UDF but not by Joliet, ISO 9660")),
        "{m:?}"
    );
}

#[test]
fn an_empty_udf_volume_from_mkudffs_is_read_cleanly() {
    let Some(mk) = tool("mkudffs") else { return };
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("u.img")).unwrap();
    f.set_len(4 << 20).unwrap();
    run_tool(
        dir.path(),
        &mk,
        &["--media-type=hd", "--udfrev=2.01", "-b", "2048", "u.img"],
    );
    let r = p2p().scan_bytes("u.udf", std::fs::read(dir.path().join("u.img")).unwrap());
    assert_eq!(r.objects[0].types[0].ty.name(), "udf");
    assert_clean(&r);
}

#[test]
fn a_shortcut_beside_a_hidden_dll_is_the_image_pattern() {
    let lnk = {
        let mut l = vec![0u8; 0x60];
        l[0] = 0x4c;
        l[4..20].copy_from_slice(&[
            0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46,
        ]);
        l
    };
    let dll = tiny_pe(true);
    let files: &[(&str, &[u8])] = &[("a.lnk", &lnk), ("a.dll", &dll)];
    let Some(iso) = genisoimage(files, &["-J", "-R", "-udf", "-hidden", "a.dll"]) else {
        return;
    };
    let r = scan("invoice.iso", iso.clone());
    assert!(
        has_key(&r, "image.shortcut_with_hidden_payload"),
        "{:?}",
        keys(&r)
    );
    assert!(has_key(&r, "image.hidden_file"));
    // Under p2p, where images pass by type and shortcuts and executables
    // are only flagged, the pattern still blocks.
    let r = p2p().scan_bytes("invoice.iso", iso);
    let f = r
        .findings_with_key("image.shortcut_with_hidden_payload")
        .next()
        .unwrap();
    assert_eq!(f.action, Action::Block);
    assert_eq!(r.verdict, Verdict::Malicious);
    // Control: nothing hidden, no pattern.
    let iso = genisoimage(files, &["-J", "-R"]).unwrap();
    let r = p2p().scan_bytes("tools.iso", iso);
    assert!(!has_key(&r, "image"), "{:?}", keys(&r));
}

#[test]
fn a_clean_linux_like_iso_is_clean_under_p2p() {
    let mut blob = vec![0u8; 200_000];
    let mut x = 0x9e37_79b9u32;
    for b in blob.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = (x >> 8) as u8;
    }
    blob[0] = 0x42;
    let files: &[(&str, &[u8])] = &[
        ("README.md", b"# A distribution\n\nSee docs/.\n"),
        (
            "docs/install.txt",
            b"Boot the image and follow the prompts.\n",
        ),
        ("docs/licenses/COPYING", b"GNU GENERAL PUBLIC LICENSE\n"),
        (
            "boot/grub/grub.cfg",
            b"set timeout=5\nmenuentry 'Live' { linux /casper/vmlinuz }\n",
        ),
        ("casper/filesystem.size", b"1234567\n"),
        ("casper/filesystem.squashfs.data", &blob),
        (
            "md5sum.txt",
            b"d41d8cd98f00b204e9800998ecf8427e  ./README.md\n",
        ),
        (".disk/info", b"Live 24.04\n"),
    ];
    for args in [
        &["-J", "-R"][..],
        &["-R", "-udf"],
        &["-J", "-joliet-long", "-R"],
    ] {
        let Some(iso) = genisoimage(files, args) else {
            return;
        };
        let r = p2p().scan_bytes("live.iso", iso);
        assert_clean(&r);
        assert!(r.objects.len() >= files.len(), "{args:?}");
        assert!(r.findings.iter().all(|f| f.action == Action::Allow));
    }
}

#[test]
fn a_fat12_floppy_with_eicar_in_a_subfolder() {
    let e = eicar();
    let Some(img) = fat_image(
        "12",
        "1440",
        &[("e.txt", &e), ("r.txt", b"read me")],
        &[
            &["mmd", "::docs", "::docs/inner"],
            &["mcopy", "tree/e.txt", "::docs/inner/Eicar Long Name.txt"],
            &["mcopy", "tree/r.txt", "::readme.txt"],
            &["mattrib", "+h", "::readme.txt"],
        ],
    ) else {
        return;
    };
    let r = scan("floppy.img", img);
    assert_eq!(r.objects[0].types[0].ty.name(), "img");
    assert_eq!(
        eicar_path(&r),
        vec!["docs/inner/Eicar Long Name.txt".to_string()]
    );
    let hidden: Vec<_> = r.findings_with_key("image.hidden_file").collect();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0].path.name(), "readme.txt");
    assert!(!has_key(&r, "unscannable"), "{}", malformed(&r));
}

#[test]
fn a_fat32_volume_and_the_same_volume_in_a_partitioned_disk() {
    let e = eicar();
    let Some(vol) = fat_image(
        "32",
        "40000",
        &[("sub/dir/eicar.txt", &e), ("a.txt", b"alpha")],
        &[&["mcopy", "-s", "tree", "::files"]],
    ) else {
        return;
    };
    let r = scan("disk.img", vol.clone());
    assert_eq!(eicar_path(&r), vec!["files/sub/dir/eicar.txt".to_string()]);
    assert!(!has_key(&r, "unscannable"), "{}", malformed(&r));
    // One partition at sector 2048 of an MBR disk.
    let mut disk = vec![0u8; 2048 * 512];
    let e0 = 446;
    disk[e0] = 0x80;
    disk[e0 + 4] = 0x0c;
    disk[e0 + 8..e0 + 12].copy_from_slice(&2048u32.to_le_bytes());
    disk[e0 + 12..e0 + 16].copy_from_slice(&((vol.len() / 512) as u32).to_le_bytes());
    disk[510] = 0x55;
    disk[511] = 0xaa;
    disk.extend_from_slice(&vol);
    let r = scan("disk.img", disk);
    assert_eq!(
        eicar_path(&r),
        vec![
            "<partition 1>".to_string(),
            "files/sub/dir/eicar.txt".to_string()
        ]
    );
}

/// A dynamic VHD or a VHDX of a partitioned disk whose end was never
/// written (as Windows, Hyper-V and qemu leave most disks): the
/// partition runs into unallocated blocks, which read as zeros, and is no
/// truncated partition.
#[test]
fn a_sparse_virtual_disk_of_a_partitioned_disk_is_clean_under_p2p() {
    let Some(vol) = fat_image(
        "16",
        "20000",
        &[("readme.txt", b"read me")],
        &[&["mcopy", "tree/readme.txt", "::"]],
    ) else {
        return;
    };
    // One partition at sector 2048 that runs 8 MiB past what is written.
    let mut disk = vec![0u8; 2048 * 512];
    let e0 = 446;
    disk[e0 + 4] = 0x06;
    disk[e0 + 8..e0 + 12].copy_from_slice(&2048u32.to_le_bytes());
    let sectors = (vol.len() / 512 + 16384) as u32;
    disk[e0 + 12..e0 + 16].copy_from_slice(&sectors.to_le_bytes());
    disk[510] = 0x55;
    disk[511] = 0xaa;
    disk.extend_from_slice(&vol);
    disk.resize(disk.len() + 16384 * 512, 0);
    let engine = p2p();
    for (format, opts) in [("vpc", &["-o", "subformat=dynamic"][..]), ("vhdx", &[][..])] {
        let Some(img) = qemu_img(&disk, format, opts) else {
            return;
        };
        let r = engine.scan_bytes("disk.vhd", img);
        assert_clean(&r);
        assert!(
            r.objects.iter().any(|o| o.path.name() == "readme.txt"),
            "{format}"
        );
    }
    // Control: the same disk cut short as a raw image is a partition that
    // runs past the image's end.
    let cut = disk[..disk.len() - 16384 * 512].to_vec();
    let r = engine.scan_bytes("disk.img", cut);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

fn floppy_with_eicar() -> Option<Vec<u8>> {
    let e = eicar();
    fat_image(
        "12",
        "1440",
        &[("e.txt", &e)],
        &[&["mmd", "::d"], &["mcopy", "tree/e.txt", "::d/eicar.txt"]],
    )
}

#[test]
fn vhd_fixed_and_dynamic_and_vhdx_of_a_fat_image() {
    let Some(raw) = floppy_with_eicar() else {
        return;
    };
    for (format, opts) in [
        ("vpc", &["-o", "subformat=fixed"][..]),
        ("vpc", &[][..]),
        ("vhdx", &[][..]),
    ] {
        let Some(img) = qemu_img(&raw, format, opts) else {
            return;
        };
        let r = scan("disk.vhd", img);
        let want = if format == "vhdx" { "vhdx" } else { "vhd" };
        assert_eq!(r.objects[0].types[0].ty.name(), want);
        assert_eq!(
            eicar_path(&r),
            vec!["<virtual disk>".to_string(), "d/eicar.txt".to_string()],
            "{format} {opts:?}"
        );
        assert!(
            !has_key(&r, "unscannable"),
            "{format} {opts:?}: {}",
            malformed(&r)
        );
    }
}

#[test]
fn clean_fat_vhd_and_vhdx_images_are_clean_under_p2p() {
    let Some(raw) = fat_image(
        "16",
        "20000",
        &[("notes/a.txt", b"alpha"), ("b.csv", b"1,2,3\n")],
        &[&["mcopy", "-s", "tree/notes", "tree/b.csv", "::"]],
    ) else {
        return;
    };
    let engine = p2p();
    assert_clean(&engine.scan_bytes("disk.img", raw.clone()));
    for (format, opts) in [("vpc", &[][..]), ("vhdx", &[][..])] {
        let img = qemu_img(&raw, format, opts).unwrap();
        let r = engine.scan_bytes("disk.vhd", img);
        assert_clean(&r);
        assert!(r.objects.iter().any(|o| o.path.name() == "notes/a.txt"));
    }
}

#[test]
fn a_directory_record_pointing_past_the_end_is_malformed() {
    let e = eicar();
    let Some(mut iso) = genisoimage(&[("a.txt", b"alpha"), ("sub/e.txt", &e)], &[]) else {
        return;
    };
    for at in records(&iso, b"SUB") {
        iso[at + 2..at + 6].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
        iso[at + 6..at + 10].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
    }
    let r = scan("bad.iso", iso);
    assert!(
        malformed(&r).contains("the directory record of \"SUB\" points past the end of the image"),
        "{}",
        malformed(&r)
    );
    // Its sibling is still scanned.
    assert!(r.objects.iter().any(|o| o.path.name() == "A.TXT"));
    assert_ne!(r.verdict, Verdict::Clean);
}

#[test]
fn a_directory_loop_is_read_once() {
    let Some(mut iso) = genisoimage(&[("a/b/c.txt", b"c")], &[]) else {
        return;
    };
    // B's record points back at the root's extent.
    let root = u32::from_le_bytes(iso[0x8000 + 156 + 2..0x8000 + 156 + 6].try_into().unwrap());
    for at in records(&iso, b"B") {
        iso[at + 2..at + 6].copy_from_slice(&root.to_le_bytes());
        iso[at + 6..at + 10].copy_from_slice(&root.to_be_bytes());
    }
    let r = scan("loop.iso", iso);
    assert!(
        malformed(&r).contains("directory loop"),
        "{}",
        malformed(&r)
    );
}

/// Sets FAT12 entry `n` of the FAT that starts at `fat`.
fn set_fat12(img: &mut [u8], fat: usize, n: usize, v: u16) {
    let off = fat + n + n / 2;
    let cur = u16::from_le_bytes([img[off], img[off + 1]]);
    let new = if n & 1 == 1 {
        (cur & 0x000f) | (v << 4)
    } else {
        (cur & 0xf000) | (v & 0x0fff)
    };
    img[off..off + 2].copy_from_slice(&new.to_le_bytes());
}

#[test]
fn a_fat_cluster_chain_loop_is_malformed() {
    let big = vec![b'x'; 3000];
    let Some(mut img) = fat_image(
        "12",
        "1440",
        &[("big.txt", &big)],
        &[&["mcopy", "tree/big.txt", "::big.txt"]],
    ) else {
        return;
    };
    // The first file of a fresh floppy starts at cluster 2 (one sector per
    // cluster): its third cluster now leads back to its first.
    set_fat12(&mut img, 512, 4, 2);
    let r = scan("loop.img", img);
    assert!(
        malformed(&r).contains("cluster chain loop"),
        "{}",
        malformed(&r)
    );
    assert!(r.objects.iter().any(|o| o.path.name() == "big.txt"));
}

#[test]
fn a_vhd_block_table_with_absurd_sizes_is_malformed() {
    let Some(raw) = floppy_with_eicar() else {
        return;
    };
    let Some(vhd) = qemu_img(&raw, "vpc", &[]) else {
        return;
    };
    let header = u64::from_be_bytes(vhd[16..24].try_into().unwrap()) as usize;
    assert_eq!(&vhd[header..header + 8], b"cxsparse");
    // A block size of 3 bytes.
    let mut bad = vhd.clone();
    bad[header + 32..header + 36].copy_from_slice(&3u32.to_be_bytes());
    let r = scan("bad.vhd", bad);
    assert!(
        malformed(&r).contains("absurd block size"),
        "{}",
        malformed(&r)
    );
    // Entries that point far past the end, and a table that claims 2^32 entries.
    let mut bad = vhd;
    let table = u64::from_be_bytes(bad[header + 16..header + 24].try_into().unwrap()) as usize;
    bad[header + 28..header + 32].copy_from_slice(&u32::MAX.to_be_bytes());
    bad[table..table + 4].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
    let r = scan("bad.vhd", bad);
    let m = malformed(&r);
    assert!(m.contains("point past the end of the image"), "{m}");
    assert!(m.contains("past the end of the image"), "{m}");
    assert!(r.objects.iter().all(|o| o.size <= 4 << 20));
}

#[test]
fn random_bytes_with_a_boot_signature_are_not_a_disk_image() {
    let mut x = 0x2545_f491u32;
    for _ in 0..3000 {
        let mut b = vec![0u8; 2048];
        for v in b.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *v = x as u8;
        }
        b[0] = 0xeb;
        b[510] = 0x55;
        b[511] = 0xaa;
        let r = scan("x.bin", b);
        assert_ne!(r.objects[0].types[0].ty.name(), "img");
    }
}

/// genisoimage leaves the El Torito boot catalog out of the UDF tree: that
/// is the tool's habit, not a decoy.
#[test]
fn a_bootable_bridge_image_is_not_a_tree_mismatch() {
    let boot = vec![0u8; 4096];
    let Some(iso) = genisoimage(
        &[("isolinux/isolinux.bin", &boot), ("a.txt", b"alpha")],
        &[
            "-J",
            "-R",
            "-udf",
            "-b",
            "isolinux/isolinux.bin",
            "-c",
            "isolinux/boot.cat",
            "-no-emul-boot",
            "-boot-load-size",
            "4",
        ],
    ) else {
        return;
    };
    let r = p2p().scan_bytes("boot.iso", iso);
    assert!(
        r.objects
            .iter()
            .any(|o| o.path.name() == "isolinux/boot.cat")
    );
    assert_clean(&r);
}

/// Where the root directory of a FAT12 floppy starts, and where its entry
/// with the 8.3 name `short` (as stored: `README  TXT`) is.
fn fat12_root_entry(img: &[u8], short: &[u8; 11]) -> (usize, Option<usize>) {
    let u16_at = |o: usize| usize::from(u16::from_le_bytes([img[o], img[o + 1]]));
    let root = (u16_at(14) + img[16] as usize * u16_at(22)) * u16_at(11);
    let at = (0..224)
        .map(|i| root + 32 * i)
        .find(|&o| &img[o..o + 11] == short);
    (root, at)
}

/// A long name of two hundred VFAT entries (a real one has 20 at most):
/// read as the 20 a name may have, the file still scanned.
#[test]
fn a_fat_long_name_of_too_many_entries_is_cut_to_a_names_length() {
    let Some(mut img) = fat_image(
        "12",
        "1440",
        &[("e.txt", &eicar())],
        &[&["mcopy", "tree/e.txt", "::EICAR.COM"]],
    ) else {
        return;
    };
    let (root, short) = fat12_root_entry(&img, b"EICAR   COM");
    let short = short.expect("the short entry");
    let entry: Vec<u8> = img[short..short + 32].to_vec();
    let sum = entry[..11].iter().fold(0u8, |s, &c| {
        ((s & 1) << 7).wrapping_add(s >> 1).wrapping_add(c)
    });
    let parts = 200u8;
    let mut dir = Vec::new();
    for k in (1..=parts).rev() {
        let mut e = [0u8; 32];
        e[0] = if k == parts { k | 0x40 } else { k };
        e[11] = 0x0f;
        e[13] = sum;
        for off in [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] {
            e[off] = b'a';
        }
        dir.extend_from_slice(&e);
    }
    dir.extend_from_slice(&entry);
    img[root..root + dir.len()].copy_from_slice(&dir);
    let r = scan("floppy.img", img);
    let path = eicar_path(&r);
    assert_eq!(path.len(), 1, "{:?}", keys(&r));
    assert!(path[0].chars().count() <= 260, "{}", path[0].len());
}

#[test]
fn a_deep_fat_tree_keeps_its_whole_path() {
    // Paths are cut past 4 KiB only (format::disk's unit test).
    let e = eicar();
    let deep: Vec<String> = (0..20).map(|i| format!("folder{i:02}")).collect();
    let mut mmd = vec!["mmd"];
    let mut acc = String::from("::");
    let dirs: Vec<String> = deep
        .iter()
        .map(|d| {
            acc = if acc == "::" {
                format!("::{d}")
            } else {
                format!("{acc}/{d}")
            };
            acc.clone()
        })
        .collect();
    mmd.extend(dirs.iter().map(String::as_str));
    let target = format!("{}/e.txt", dirs.last().unwrap());
    let Some(img) = fat_image(
        "12",
        "1440",
        &[("e.txt", &e)],
        &[&mmd, &["mcopy", "tree/e.txt", &target]],
    ) else {
        return;
    };
    let r = scan("floppy.img", img);
    assert_eq!(eicar_path(&r), vec![format!("{}/e.txt", deep.join("/"))]);
}

/// A file after an entry that starts with 0 (the directory's end mark to
/// Windows and mtools, a free entry to Linux, which reads on): scanned,
/// and shown as one reader's alone.
#[test]
fn a_fat_file_after_the_directorys_end_mark_is_scanned() {
    let Some(mut img) = fat_image(
        "12",
        "1440",
        &[("r.txt", b"read me"), ("e.txt", &eicar())],
        &[
            &["mcopy", "tree/r.txt", "::README.TXT"],
            &["mcopy", "tree/e.txt", "::EICAR.COM"],
        ],
    ) else {
        return;
    };
    let readme = fat12_root_entry(&img, b"README  TXT").1.expect("the entry");
    let eicar = fat12_root_entry(&img, b"EICAR   COM").1.expect("the entry");
    assert!(eicar > readme);
    img[readme..readme + 32].fill(0);
    let r = scan("floppy.img", img);
    assert_eq!(eicar_path(&r), vec!["EICAR.COM".to_string()]);
    assert!(has_key(&r, "container.single_view"), "{:?}", keys(&r));
}
