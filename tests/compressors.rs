//! The stream compressors that came after gzip: lzop, LZ4 (frames, the
//! legacy format, catenated and skippable frames) and Unix `compress`;
//! ARJ and LHA archives; each file written by the format's own tool. And
//! the archive formats that are recognised but not opened (ACE, WIM...),
//! which must never pass as plain data.

use crate::util::*;
use xferscan::{Report, Verdict};

/// Half a megabyte of words and noise with EICAR in the middle: several
/// lzop blocks, every LZW code width and table clears.
fn payload() -> Vec<u8> {
    let mut v = Vec::new();
    let mut x: u32 = 12345;
    let mut next = || {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) as u8
    };
    let words: Vec<Vec<u8>> = (0..200)
        .map(|_| (0..1 + next() % 8).map(|_| b'a' + next() % 12).collect())
        .collect();
    while v.len() < 300_000 {
        v.extend(&words[next() as usize % words.len()]);
        v.push(b' ');
    }
    v.extend(eicar());
    v.extend((0..150_000).map(|_| next()));
    while v.len() < 600_000 {
        v.extend(&words[next() as usize % words.len()]);
        v.push(b'\n');
    }
    v
}

/// Runs `tool` in a temporary folder holding `input` (as `name`) and
/// returns the file it wrote (`out`); `None` when the tool is missing.
fn made_by(tool_name: &str, args: &[&str], name: &str, input: &[u8], out: &str) -> Option<Vec<u8>> {
    let program = tool(tool_name)?;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), input).unwrap();
    run_tool(dir.path(), &program, args);
    Some(std::fs::read(dir.path().join(out)).unwrap())
}

/// The object the compressed file decoded to.
fn decoded(r: &Report) -> &xferscan::ObjectInfo {
    r.objects
        .iter()
        .find(|o| o.depth == 1)
        .expect("a decoded child")
}

fn assert_not_clean_and_said(r: &Report, key: &str) {
    assert_ne!(r.verdict, Verdict::Clean, "{:?}", keys(r));
    assert!(has_key(r, key), "{:?}", keys(r));
}

#[test]
fn lzop_every_level_and_checksum() {
    let p = payload();
    for args in [
        &["-1", "-o", "out.lzo", "invoice.txt"][..],
        &["-9", "-o", "out.lzo", "invoice.txt"],
        &["-3", "-C", "-o", "out.lzo", "invoice.txt"],
    ] {
        let Some(z) = made_by("lzop", args, "invoice.txt", &p, "out.lzo") else {
            return;
        };
        let r = scan("mail.lzo", z);
        assert_eq!(r.objects[0].types[0].ty.name(), "lzo");
        assert!(found_eicar(&r), "{args:?}: {:?}", keys(&r));
        assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
        // Every byte, under the name lzop stored.
        let child = decoded(&r);
        assert_eq!(child.size, p.len() as u64);
        assert_eq!(child.path.name(), "invoice.txt");
    }
}

#[test]
fn lzop_cut_or_corrupted_is_not_clean() {
    let p = payload();
    let Some(z) = made_by("lzop", &["-o", "out.lzo", "a.txt"], "a.txt", &p, "out.lzo") else {
        return;
    };
    let cut = z[..z.len() / 2].to_vec();
    assert_not_clean_and_said(&scan("a.lzo", cut), "unscannable.malformed");
    // A byte changed inside the first block's compressed data: the block's
    // checksum (or the LZO stream) says so.
    let mut bad = z.clone();
    let at = bad.len() / 4;
    bad[at] ^= 0x55;
    assert_not_clean_and_said(&scan("a.lzo", bad), "unscannable.malformed");
    // Bytes after the end marker are reported and scanned.
    let mut trailing = z;
    trailing.extend(eicar());
    let r = scan("a.lzo", trailing);
    assert!(has_key(&r, "container.appended_data"), "{:?}", keys(&r));
    // Control: plain notes, compressed.
    let notes = b"minutes of the meeting, nothing to see\n".repeat(50);
    if let Some(z) = made_by("lzop", &["-o", "n.lzo", "n.txt"], "n.txt", &notes, "n.lzo") {
        assert_clean(&scan("notes.lzo", z));
    }
}

#[test]
fn lz4_frames_legacy_catenated_and_skippable() {
    let p = payload();
    let Some(frame) = made_by("lz4", &["-q", "-9", "a.txt", "a.lz4"], "a.txt", &p, "a.lz4") else {
        return;
    };
    let Some(legacy) = made_by("lz4", &["-q", "-l", "a.txt", "a.lz4"], "a.txt", &p, "a.lz4") else {
        return;
    };
    let Some(big_blocks) = made_by(
        "lz4",
        &[
            "-q",
            "-B7",
            "--content-size",
            "--no-frame-crc",
            "a.txt",
            "a.lz4",
        ],
        "a.txt",
        &p,
        "a.lz4",
    ) else {
        return;
    };
    for (what, z) in [
        ("frame", &frame),
        ("legacy", &legacy),
        ("4 MiB blocks", &big_blocks),
    ] {
        let r = scan("a.lz4", z.clone());
        assert!(found_eicar(&r), "{what}: {:?}", keys(&r));
        assert!(
            !has_key(&r, "unscannable.malformed"),
            "{what}: {:?}",
            keys(&r)
        );
        assert_eq!(decoded(&r).size, p.len() as u64, "{what}");
    }
    // Two files catenated: `lz4 -d` reads both frames, and so does the
    // scan; EICAR is in the second.
    let harmless = b"harmless first frame\n".repeat(20);
    let Some(first) = made_by(
        "lz4",
        &["-q", "h.txt", "h.lz4"],
        "h.txt",
        &harmless,
        "h.lz4",
    ) else {
        return;
    };
    let Some(second) = made_by("lz4", &["-q", "e.txt", "e.lz4"], "e.txt", &eicar(), "e.lz4") else {
        return;
    };
    let mut two = first.clone();
    two.extend(&second);
    let r = scan("notes.lz4", two);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // A skippable frame (which the tool passes over) before the data.
    let mut skippable = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, b'a', b'b', b'c', b'd'];
    skippable.extend(&second);
    let r = scan("notes.lz4", skippable);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // What follows the last frame and is no frame is said.
    let mut trailing = first.clone();
    trailing.extend(b"not a frame at all");
    assert_not_clean_and_said(&scan("notes.lz4", trailing), "unscannable.malformed");
    // Control.
    assert_clean(&scan("notes.lz4", first));
}

/// A zip glued behind a `compress` stream, whose LZW runs to the end of
/// the file: a zip reader finds the zip by its end record.
#[test]
fn a_zip_glued_behind_a_compress_stream_is_unpacked() {
    let notes = b"minutes of the meeting, nothing to see\n".repeat(50);
    let Some(z) = made_by("compress", &["-f", "a.txt"], "a.txt", &notes, "a.txt.Z") else {
        return;
    };
    let mut glued = z.clone();
    glued.extend(zip_of(&[("run.txt", &eicar()[..])], Method::Deflated));
    let r = scan("a.txt.Z", glued);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
    assert_clean(&scan("a.txt.Z", z));
}

#[test]
fn compress_every_width() {
    let p = payload();
    for bits in ["12", "16"] {
        let Some(z) = made_by(
            "compress",
            &["-f", "-b", bits, "a.txt"],
            "a.txt",
            &p,
            "a.txt.Z",
        ) else {
            return;
        };
        let r = scan("a.txt.Z", z);
        assert_eq!(r.objects[0].types[0].ty.name(), "Z");
        assert!(found_eicar(&r), "{bits}: {:?}", keys(&r));
        assert!(
            !has_key(&r, "unscannable.unsupported_format"),
            "{:?}",
            keys(&r)
        );
        let child = decoded(&r);
        assert_eq!(child.size, p.len() as u64, "{bits}");
        assert_eq!(child.path.name(), "a.txt");
    }
    // A code past the table is corrupt: said, never clean.
    let mut bad = vec![0x1f, 0x9d, 0x90];
    bad.extend([0x61, 0xff, 0xff, 0xff, 0xff]);
    assert_not_clean_and_said(&scan("b.Z", bad), "unscannable.malformed");
    // Control.
    let notes = b"minutes of the meeting, nothing to see\n".repeat(50);
    if let Some(z) = made_by("compress", &["-f", "n.txt"], "n.txt", &notes, "n.txt.Z") {
        assert_clean(&scan("notes.txt.Z", z));
    }
}

#[test]
fn archives_not_opened_are_said_not_passed_as_data() {
    let e = eicar();
    let with = |head: &[u8]| {
        let mut v = head.to_vec();
        v.resize(64, 0);
        v.extend(&e);
        v
    };
    let mut ace = vec![0x3a, 0x7c, 0x31, 0, 0, 0, 0x90];
    ace.extend(b"**ACE**");
    let mut squash = b"hsqs".to_vec();
    squash.resize(28, 0);
    squash.extend([4, 0]);
    for (name, head) in [
        ("a.ace", ace),
        ("a.wim", b"MSWIM\0\0\0\xd0\0\0\0".to_vec()),
        ("a.pkg", b"xar!\0\x1c\0\x01".to_vec()),
        ("a.sqsh", squash),
        ("setup.ex_", b"SZDD\x88\xf0\x27\x33A\0".to_vec()),
        ("a.egg", b"EGGA".to_vec()),
        ("a.alz", b"ALZ\x01".to_vec()),
        // RAR 1.4, which unrar and WinRAR still extract.
        ("a.rar", b"RE~^\x07\0\0\0".to_vec()),
        ("notes.dat", b"RE~^\x07\0\0\0".to_vec()),
    ] {
        // Stored content (EICAR whole) is still matched; a compressed
        // member would not be, and the format is said to be unopened.
        let r = scan(name, with(&head));
        assert_not_clean_and_said(&r, "unscannable.unsupported_format");
        assert!(found_eicar(&r), "{name}");
    }
}

#[test]
fn arj_every_method_it_writes() {
    let p = payload();
    let pe = std::fs::read("fuzz/seeds/detect/pe").unwrap();
    let Some(program) = tool("arj") else {
        return;
    };
    for method in ["-m0", "-m1", "-m2", "-m3", "-m4"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), &p).unwrap();
        std::fs::write(dir.path().join("invoice.pdf.exe"), &pe).unwrap();
        run_tool(
            dir.path(),
            &program,
            &["a", method, "-e", "out.arj", "notes.txt", "invoice.pdf.exe"],
        );
        let a = std::fs::read(dir.path().join("out.arj")).unwrap();
        let r = scan("files.arj", a.clone());
        assert_eq!(r.objects[0].types[0].ty.name(), "arj");
        assert!(found_eicar(&r), "{method}: {:?}", keys(&r));
        assert!(!has_key(&r, "unscannable"), "{method}: {:?}", keys(&r));
        let notes = r
            .objects
            .iter()
            .find(|o| o.path.name() == "notes.txt")
            .unwrap();
        assert_eq!(notes.size, p.len() as u64, "{method}");
        let exe = r
            .objects
            .iter()
            .find(|o| o.path.name() == "invoice.pdf.exe")
            .unwrap();
        assert_eq!(exe.types[0].ty.name(), "pe-exe");
        assert!(has_key(&r, "name.double_extension"));
        // Cut inside the first entry: what there is is scanned, and said.
        let r = scan("files.arj", a[..a.len() / 3].to_vec());
        assert_not_clean_and_said(&r, "unscannable.malformed");
    }
    // A garbled (password) entry is encrypted; a control is clean.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("e.txt"), eicar()).unwrap();
    std::fs::write(dir.path().join("n.txt"), b"plain notes\n".repeat(30)).unwrap();
    run_tool(
        dir.path(),
        &program,
        &["a", "-gsecret", "-e", "g.arj", "e.txt"],
    );
    run_tool(dir.path(), &program, &["a", "-e", "n.arj", "n.txt"]);
    let r = scan("g.arj", std::fs::read(dir.path().join("g.arj")).unwrap());
    assert_not_clean_and_said(&r, "encrypted");
    assert_clean(&scan(
        "n.arj",
        std::fs::read(dir.path().join("n.arj")).unwrap(),
    ));
}

#[test]
fn lha_archives_of_each_method() {
    let p = payload();
    let pe = std::fs::read("fuzz/seeds/detect/pe").unwrap();
    let Some(program) = tool("lha") else {
        return;
    };
    // lh5 (the default), lh6 and lh7, and stored (lh0, -z).
    for args in [&["a"][..], &["ao6"], &["ao7"], &["az"]] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), &p).unwrap();
        std::fs::write(dir.path().join("invoice.pdf.exe"), &pe).unwrap();
        let mut all = args.to_vec();
        all.extend(["out.lzh", "notes.txt", "invoice.pdf.exe"]);
        run_tool(dir.path(), &program, &all);
        let a = std::fs::read(dir.path().join("out.lzh")).unwrap();
        let r = scan("files.lzh", a.clone());
        assert_eq!(r.objects[0].types[0].ty.name(), "lzh");
        assert!(found_eicar(&r), "{args:?}: {:?}", keys(&r));
        assert!(!has_key(&r, "unscannable"), "{args:?}: {:?}", keys(&r));
        let notes = r
            .objects
            .iter()
            .find(|o| o.path.name() == "notes.txt")
            .unwrap();
        assert_eq!(notes.size, p.len() as u64, "{args:?}");
        assert!(has_key(&r, "name.double_extension"));
        let r = scan("files.lzh", a[..a.len() / 3].to_vec());
        assert_ne!(r.verdict, Verdict::Clean, "{args:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.txt"), b"plain notes\n".repeat(30)).unwrap();
    run_tool(dir.path(), &program, &["a", "n.lzh", "n.txt"]);
    assert_clean(&scan(
        "n.lzh",
        std::fs::read(dir.path().join("n.lzh")).unwrap(),
    ));
}

#[test]
fn data_after_an_arj_or_lha_archive_is_said_and_scanned() {
    let pe = std::fs::read("fuzz/seeds/detect/pe").unwrap();
    let notes = b"plain notes\n".repeat(30);
    for (tool_name, args, out) in [
        ("arj", &["a", "-e", "n.arj", "n.txt"][..], "n.arj"),
        ("lha", &["a", "n.lzh", "n.txt"], "n.lzh"),
    ] {
        let Some(mut a) = made_by(tool_name, args, "n.txt", &notes, out) else {
            return;
        };
        a.extend(&pe);
        let r = scan(out, a);
        assert!(
            has_key(&r, "container.appended_data"),
            "{tool_name}: {:?}",
            keys(&r)
        );
        assert!(
            r.objects.iter().any(|o| o.types[0].ty.name() == "pe-exe"),
            "{tool_name}: {:?}",
            keys(&r)
        );
    }
}

/// A gzip member stores the name `gunzip -N`, 7-Zip and WinRAR write the
/// file under; plain `gunzip` writes the outer name less `.gz`. A name
/// that only one of them shows is judged all the same.
#[test]
fn both_names_of_a_gzip_member_are_judged() {
    // FNAME: the flag (8) and the name, NUL-terminated, after the header.
    let with_name = |name: &[u8], data: &[u8]| {
        let body = gzip(data);
        let mut g = body[..10].to_vec();
        g[3] |= 0x08;
        g.extend_from_slice(name);
        g.push(0);
        g.extend_from_slice(&body[10..]);
        g
    };
    let text = b"just a note\n".repeat(4);
    // The stored name runs; the outer one is a picture's.
    let r = scan("photo.jpg.gz", with_name(b"photo.jpg.exe", &text));
    assert!(has_key(&r, "name.blocked_extension"), "{:?}", keys(&r));
    // The outer name runs; the stored one is a picture's.
    let r = scan("invoice.scr.gz", with_name(b"invoice.jpg", &text));
    assert!(has_key(&r, "name.blocked_extension"), "{:?}", keys(&r));
    // Control: the two agree and are ordinary.
    assert_clean(&scan("notes.txt.gz", with_name(b"notes.txt", &text)));
}

/// One ARJ header (stored) and its data, as `arj` lays them out.
fn arj_entry(name: &str, file_type: u8, data: &[u8]) -> Vec<u8> {
    let mut h = vec![30, 11, 1, 2, 0, 0, file_type, 0];
    h.extend(0u32.to_le_bytes());
    h.extend((data.len() as u32).to_le_bytes());
    h.extend((data.len() as u32).to_le_bytes());
    h.extend(crc32(data).to_le_bytes());
    h.extend([0u8; 6]);
    h.extend(name.as_bytes());
    h.extend([0, 0]);
    let mut v = vec![0x60, 0xea];
    v.extend((h.len() as u16).to_le_bytes());
    v.extend(&h);
    v.extend(crc32(&h).to_le_bytes());
    v.extend([0, 0]);
    v.extend(data);
    v
}

/// A directory, volume label or chapter entry that claims data: read as a
/// file's, with a finding.
#[test]
fn arj_entries_of_other_types_that_carry_data() {
    let z = zip_of(&[("e.com", &eicar())], Method::Deflated);
    for file_type in [3, 4, 5, 9] {
        let mut a = arj_entry("a.arj", 2, b"");
        a.extend(arj_entry("readme.txt", 0, b"hello"));
        a.extend(arj_entry("payload", file_type, &z));
        a.extend([0x60, 0xea, 0, 0]);
        let r = scan("a.arj", a);
        assert_eq!(r.objects[0].types[0].ty.name(), "arj");
        assert!(found_eicar(&r), "type {file_type}: {:?}", keys(&r));
        assert!(has_key(&r, "unscannable.malformed"), "{file_type}");
    }
    let mut a = arj_entry("a.arj", 2, b"");
    a.extend(arj_entry("docs", 3, b""));
    a.extend(arj_entry("docs/readme.txt", 0, b"hello"));
    a.extend([0x60, 0xea, 0, 0]);
    assert_clean(&scan("a.arj", a));
}

/// ARJ and LHA archives glued behind a picture, as 7-Zip opens them.
#[test]
fn arj_and_lha_glued_behind_a_picture_are_opened() {
    let mut f = tiny_jpeg();
    f.extend(arj_entry("a.arj", 2, b""));
    f.extend(arj_entry("notes.txt", 0, &eicar()));
    f.extend([0x60, 0xea, 0, 0]);
    let r = scan("photo.jpg", f);
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let Some(program) = tool("lha") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), payload()).unwrap();
    run_tool(dir.path(), &program, &["a", "n.lzh", "notes.txt"]);
    let mut f = tiny_jpeg();
    f.extend(std::fs::read(dir.path().join("n.lzh")).unwrap());
    let r = scan("photo.jpg", f);
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}
