//! gzip (every member), tar (ustar, pax, GNU), bzip2, xz, legacy lzma, zstd
//! and chains of them; links and unsafe names inside archives.

use std::io::Write;

use crate::util::*;
use xferscan::Verdict;

fn xz(data: &[u8]) -> Vec<u8> {
    let mut w =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(3)).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

#[test]
fn gzip_single_member() {
    assert!(found_eicar(&scan("e.txt.gz", gzip(&eicar()))));
    assert_clean(&scan("a.txt.gz", gzip(b"just text")));
}

#[test]
fn gzip_every_member_is_decoded() {
    // CVE-2012-1461: the payload is in the second member.
    let mut data = gzip(b"first member, harmless\n");
    data.extend(gzip(&eicar()));
    let r = scan("multi.gz", data);
    assert!(found_eicar(&r));
}

#[test]
fn gzip_trailing_garbage_is_reported_and_scanned() {
    let mut data = gzip(b"harmless");
    data.extend(eicar());
    let r = scan("trail.gz", data);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.appended_data"));
}

/// The legacy `.lzma` format, with the size in its header or (when
/// `sized` is false) unknown and an end marker instead.
fn lzma_alone(data: &[u8], sized: bool) -> Vec<u8> {
    let opts = lzma_rust2::LzmaOptions::with_preset(3);
    let size = sized.then_some(data.len() as u64);
    let mut w = lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &opts, size).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

#[test]
fn legacy_lzma_is_detected_without_magic_and_unpacked() {
    for sized in [true, false] {
        let r = scan("download.bin", lzma_alone(&eicar(), sized));
        assert!(found_eicar(&r), "sized {sized}: {:?}", keys(&r));
        assert_eq!(r.objects[0].types[0].ty.name(), "lzma");
        assert_clean(&scan("notes.lzma", lzma_alone(b"meeting notes", sized)));
    }
    // Cut short: what was decoded is scanned, and the cut is a finding.
    let mut long = eicar();
    long.extend(vec![b'q'; 50_000]);
    let z = lzma_alone(&long, true);
    let r = scan("cut.lzma", z[..z.len() / 2].to_vec());
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

/// LZMA86 (7-Zip's `Lzma86.h`): a filter byte, then a `.lzma` stream;
/// 7-Zip opens it whatever the name, and undoes the x86 branch filter when
/// the byte is 1.
#[test]
fn lzma86_is_detected_and_unpacked_through_its_filter() {
    let with = |filter: u8, data: &[u8]| {
        let mut v = vec![filter];
        v.extend(lzma_alone(data, true));
        v
    };
    for name in ["download.bin", "e.lzma86"] {
        let r = scan(name, with(0, &eicar()));
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
    }
    // Code with calls (E8 and a 32-bit offset): the filter turns relative
    // offsets into absolute ones, and the reader turns them back.
    let mut code = Vec::new();
    for i in 0..64u32 {
        code.extend([0x90, 0x90, 0xe8]);
        code.extend((i * 0x40).to_le_bytes());
    }
    code.extend(eicar());
    let mut filtered = Vec::new();
    {
        let mut w = lzma_rust2::filter::bcj::BcjWriter::new_x86(&mut filtered, 0);
        w.write_all(&code).unwrap();
        w.finish().unwrap();
    }
    assert_ne!(filtered, code);
    let engine = xferscan::Engine::builder()
        .object_hashes(xferscan::ObjectHashes::Every)
        .build()
        .unwrap();
    let r = engine.scan_bytes("code.bin", with(1, &filtered));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let want = sha256_hex(&code);
    assert!(
        r.objects
            .iter()
            .any(|o| o.sha256.as_deref() == Some(want.as_str())),
        "the filter was not undone: {:?}",
        keys(&r)
    );
    // Control: text in LZMA86 is clean.
    assert_clean(&scan("notes.bin", with(0, b"meeting notes")));
}

/// 7-Zip extracts every stream of a `.lzma` file, one after the other;
/// xz's `lzma -d` writes the first and fails on the rest.
#[test]
fn legacy_lzma_every_stream_is_decoded() {
    for (first, second) in [(true, true), (true, false), (false, true), (false, false)] {
        let mut data = lzma_alone(b"first stream, harmless\n", first);
        data.extend(lzma_alone(&eicar(), second));
        let r = scan("two.lzma", data);
        assert!(found_eicar(&r), "{first} {second}: {:?}", keys(&r));
        let mut data = lzma_alone(b"first stream, harmless\n", first);
        data.extend(lzma_alone(b"and a second one", second));
        assert_clean(&scan("two.lzma", data));
    }
    // Bytes that start no stream are a finding, never dropped.
    let mut data = lzma_alone(b"harmless", false);
    data.extend(b"\xff trailing bytes that are no LZMA header");
    let r = scan("trail.lzma", data);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // Past the streams decoded, the rest is a finding too.
    let mut data = Vec::new();
    for _ in 0..300 {
        data.extend(lzma_alone(b"-", true));
    }
    data.extend(lzma_alone(&eicar(), true));
    let r = scan("many.lzma", data);
    assert_ne!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

#[test]
fn gzip_member_behind_trailing_garbage_is_unpacked() {
    let mut data = gzip(b"harmless");
    data.extend(b"garbage that stops a strict reader");
    data.extend(gzip(&eicar()));
    let r = scan("hidden.gz", data);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "container.appended_data"));
    // Control: garbage alone is reported, and nothing more is found.
    let mut data = gzip(b"harmless");
    data.extend(b"garbage \x1f\x8b\x08\x00 and no member, only more garbage");
    let r = scan("junk.gz", data);
    assert!(!found_eicar(&r));
    assert!(has_key(&r, "container.appended_data"));
}

/// gzip's old magic (`1f 9e`, `OLD_GZIP_MAGIC` in gzip.c): `gzip -d`,
/// `zcat` and `tar xzf` decode such a member, first or later, whatever the
/// file is named.
#[test]
fn gzip_old_magic_members_are_decoded() {
    let old = |data: &[u8]| {
        let mut g = gzip(data);
        g[1] = 0x9e;
        g
    };
    for name in ["e.txt.gz", "e.txt", "e.dat"] {
        let r = scan(name, old(&eicar()));
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
    }
    let mut data = gzip(b"hello\n");
    data.extend(old(&eicar()));
    let r = scan("two.gz", data);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(!has_key(&r, "container.appended_data"), "{:?}", keys(&r));
    // Behind garbage, as the new magic is.
    let mut data = gzip(b"harmless");
    data.extend(b"garbage");
    data.extend(old(&eicar()));
    assert!(found_eicar(&scan("hidden.gz", data)));
    // Control: an old-magic member of text is clean.
    assert_clean(&scan("a.txt.gz", old(b"just text")));
}

/// Unix `pack` (`1f 1e`, `.z`): `gzip -d` and `tar xzf` decode it,
/// whatever the file is named, and read on after its end code.
#[test]
fn pack_files_are_decoded() {
    let packed = pack(&eicar());
    // The fixture is what gzip decodes (its unpack.c is the reader).
    if let Some(gzip_bin) = tool("gzip") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("e.z"), &packed).unwrap();
        let out = std::process::Command::new(gzip_bin)
            .args(["-dc", "e.z"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, eicar());
    }
    for name in ["eicar.z", "eicar.txt", "eicar.Z"] {
        let r = scan(name, packed.clone());
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
    }
    // A tar packed, and a gzip member after a pack stream.
    let r = scan(
        "a.tar.z",
        pack(&TarWriter::new().file("eicar.com", &eicar()).finish()),
    );
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let mut then = pack(b"first, harmless\n");
    then.extend(gzip(&eicar()));
    let r = scan("two.z", then);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    // Cut short: malformed, not clean.
    let r = scan("cut.z", packed[..packed.len() - 3].to_vec());
    assert_ne!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    // Control: packed text is clean.
    assert_clean(&scan(
        "notes.txt.z",
        pack(b"just some notes, nothing more\n"),
    ));
}

#[test]
fn truncated_gzip_is_malformed_but_scanned() {
    let mut big = eicar();
    big.extend(vec![b'z'; 100_000]);
    let g = gzip(&big);
    let r = scan("cut.gz", g[..g.len() - 20].to_vec());
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert!(found_eicar(&r));
}

#[test]
fn tar_plain_gnu_long_name_and_pax_path() {
    let mut t = TarWriter::new();
    t.file("a.txt", &b"alpha"[..]);
    t.long_name(&format!("{}/e.txt", "d".repeat(150)));
    t.file("short", &eicar());
    let r = scan("a.tar", t.finish());
    assert!(found_eicar(&r));
    let (p, _) = deepest(&r);
    assert!(p.name().ends_with("/e.txt") && p.name().len() > 150, "{p}");

    let mut t = TarWriter::new();
    t.pax(&[("path", "pax/named.txt")]);
    t.file("plain", &eicar());
    let r = scan("b.tar", t.finish());
    assert_eq!(deepest(&r).0.name(), "pax/named.txt");
    // Solaris's `X` for the pax header: its records apply, and the header
    // itself (named by its writer, as an absolute path here) is no file.
    let mut t = TarWriter::new();
    t.pax(&[("path", "solaris/named.txt")]);
    t.file("plain", &eicar());
    let mut tar = t.finish();
    let size = std::str::from_utf8(&tar[124..135]).unwrap();
    let size = u64::from_str_radix(size, 8).unwrap();
    tar[..512].copy_from_slice(&tar_header("/tmp/PaxHeaders.1/plain", size, b'X', ""));
    let r = scan("sun.tar", tar);
    assert_eq!(deepest(&r).0.name(), "solaris/named.txt", "{:?}", keys(&r));
    assert!(!has_key(&r, "name.unsafe_path"), "{:?}", keys(&r));
    // Control.
    let mut t = TarWriter::new();
    t.file("a.txt", &b"alpha"[..]).file("b.txt", &b"beta"[..]);
    assert_clean(&scan("c.tar", t.finish()));
}

/// GNU tar and Python's tarfile name an entry by a pax global header's
/// `path` (until a later one changes it); bsdtar and 7-Zip keep the
/// entry's own name. Both names are judged.
#[test]
fn a_pax_global_path_names_the_entries_after_it() {
    let script = b"var s = new ActiveXObject(\"WScript.Shell\");\ns.Run(\"calc\");\n";
    let mut t = TarWriter::new();
    t.pax_global(&[("path", "invoice.js")]);
    t.file("invoice.txt", &script[..]);
    let r = scan("g.tar", t.finish());
    assert!(has_key(&r, "name.blocked_extension"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // It applies to every entry after it, not only the next.
    let mut t = TarWriter::new();
    t.pax_global(&[("path", "run.cmd")]);
    t.file("a.txt", &b"alpha"[..]).file("b.txt", &b"beta"[..]);
    let r = scan("g2.tar", t.finish());
    let blocked = r
        .findings
        .iter()
        .filter(|f| f.kind.key() == "name.blocked_extension")
        .count();
    assert_eq!(blocked, 2, "{:?}", keys(&r));
    // A local path overrides it for every reader, and an empty global
    // record deletes it.
    let mut t = TarWriter::new();
    t.pax_global(&[("path", "run.cmd")]);
    t.pax(&[("path", "notes.txt")]);
    t.file("a.txt", &b"alpha"[..]);
    t.pax_global(&[("path", "")]);
    t.file("b.txt", &b"beta"[..]);
    assert_clean(&scan("g3.tar", t.finish()));
    // Control: a global header without a path.
    let mut t = TarWriter::new();
    t.pax_global(&[("comment", "made by a build script")]);
    t.file("a.txt", &b"alpha"[..]);
    assert_clean(&scan("g4.tar", t.finish()));
}

#[test]
fn tar_with_other_magic_at_offset_zero_is_still_a_tar() {
    // CVE-2012-1425 and friends: a name that starts with PK\3\4 or MZ.
    let mut t = TarWriter::new();
    t.file("PK\u{3}\u{4}lure", &eicar());
    let r = scan("x.tar", t.finish());
    assert!(found_eicar(&r));
    assert_eq!(r.true_type().map(|t| t.name()), Some("tar"));
}

#[test]
fn pax_size_disagreeing_with_the_header_is_honoured_and_reported() {
    // The plain header says 0 bytes; pax says the real size. A reader that
    // ignores pax sees the payload as headers; one that honours it sees a
    // file. Both readings are scanned.
    let e = eicar();
    let mut t = TarWriter::new();
    t.pax(&[("size", &e.len().to_string())]);
    t.file_declaring("payload.txt", 0, &e);
    let r = scan("smuggle.tar", t.finish());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "container.size_disagreement"));
}

#[test]
fn tar_smuggled_entry_for_readers_that_ignore_pax() {
    // pax says 1536 bytes (which hide a whole tar entry); the plain header
    // says 0: readers that ignore pax (tar-rs < 0.4.45) see the hidden entry.
    let mut hidden = tar_header("hidden.txt", eicar().len() as u64, b'0', "");
    hidden.extend(eicar());
    while !hidden.len().is_multiple_of(512) {
        hidden.push(0);
    }
    let mut t = TarWriter::new();
    t.pax(&[("size", &hidden.len().to_string())]);
    t.file_declaring("cover.txt", 0, &hidden);
    t.file("after.txt", &b"after"[..]);
    let r = scan("tarmageddon.tar", t.finish());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "container.single_view") || has_key(&r, "container.size_disagreement"));
}

/// The size of the object named `name`.
fn size_of(r: &xferscan::Report, name: &str) -> Option<u64> {
    r.objects
        .iter()
        .find(|o| o.path.name() == name)
        .map(|o| o.size)
}

/// An old GNU sparse entry (type `S`): its extents in the header, one more
/// in an extension block, then the stored bytes of all of them.
fn old_gnu_sparse_tar(name: &str, extents: &[(u64, &[u8])], real: u64) -> Vec<u8> {
    let stored: Vec<u8> = extents.iter().flat_map(|(_, d)| d.to_vec()).collect();
    let mut h = tar_header(name, stored.len() as u64, b'S', "");
    let record = |off: u64, len: usize| format!("{off:011o}\0{len:011o}\0").into_bytes();
    let (head, rest) = extents.split_at(extents.len().min(4));
    for (i, (off, d)) in head.iter().enumerate() {
        h[386 + i * 24..386 + (i + 1) * 24].copy_from_slice(&record(*off, d.len()));
    }
    h[482] = u8::from(!rest.is_empty());
    h[483..495].copy_from_slice(format!("{real:011o}\0").as_bytes());
    // The checksum again, over the sparse fields.
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut t = h;
    if !rest.is_empty() {
        let mut ext = vec![0u8; 512];
        for (i, (off, d)) in rest.iter().enumerate() {
            ext[i * 24..(i + 1) * 24].copy_from_slice(&record(*off, d.len()));
        }
        t.extend(ext);
    }
    t.extend(&stored);
    t.resize(t.len().div_ceil(512) * 512 + 1024, 0);
    t
}

#[test]
fn gnu_sparse_files_are_laid_out_as_tar_extracts_them() {
    // A file spread over five extents with holes between, one more than
    // the header holds (the fifth is in an extension block): it is read as
    // extracted, at its real size, and matched there.
    let e = eicar();
    let (a, b) = e.split_at(20);
    let pieces: [(u64, &[u8]); 5] = [(0, b"MZ"), (4096, b"x"), (8192, b"y"), (9000, a), (9020, b)];
    let tar = old_gnu_sparse_tar("tool.bin", &pieces, 20000);
    let r = scan("sparse.tar", tar);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(deepest(&r).0.name(), "tool.bin");
    assert_eq!(size_of(&r, "tool.bin"), Some(20000));
    assert!(
        !has_key(&r, "unscannable.unsupported_method"),
        "{:?}",
        keys(&r)
    );
    // Control: holes around ordinary text, each extent but the last in
    // whole blocks, as GNU tar and bsdtar write them.
    let text = b"Notes of the meeting. ".repeat(24);
    let clean = old_gnu_sparse_tar("notes.txt", &[(0, &text[..512]), (5000, b"world")], 6000);
    assert_clean(&scan("sparse.tar", clean));
    // Two extents in the header's four slots, the flag that more follow,
    // and an extension block: GNU tar reads the block as data, the other
    // readers as the map. Both readings are scanned and reported.
    let mut odd = old_gnu_sparse_tar(
        "two.bin",
        &[
            (0, &e[..]),
            (4096, b"x"),
            (8192, b"y"),
            (9000, b"z"),
            (9500, b"w"),
        ],
        10000,
    );
    odd[386 + 48..386 + 96].fill(0);
    odd[148..156].copy_from_slice(b"        ");
    let sum: u32 = odd[..512].iter().map(|&b| u32::from(b)).sum();
    odd[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let r = scan("two.tar", odd);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "container.single_view"), "{:?}", keys(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // Extents whose lengths are not whole blocks: GNU tar takes each one's
    // bytes from a block of its own, the other readers back to back. Here
    // only GNU tar's layout holds the signature in the file.
    let mut stored = b"harmless!!".to_vec();
    stored.resize(512, b'.');
    stored.extend(&e);
    let pieces: [(u64, &[u8]); 2] = [(0, &stored[..10]), (100, &stored[10..])];
    let mut tar = old_gnu_sparse_tar("tool.bin", &pieces, 100 + stored.len() as u64 - 10);
    // The header declared the two lengths back to back; GNU tar's
    // reading wants the second to be the signature's 68 bytes.
    let second = format!("{:011o}\0{:011o}\0", 100, e.len()).into_bytes();
    tar[410..434].copy_from_slice(&second);
    tar[483..495].copy_from_slice(format!("{:011o}\0", 100 + e.len()).as_bytes());
    tar[148..156].copy_from_slice(b"        ");
    let sum: u32 = tar[..512].iter().map(|&b| u32::from(b)).sum();
    tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let r = scan("aligned.tar", tar);
    assert!(
        r.signatures().any(|(p, _)| p.name() == "tool.bin"),
        "{:?}",
        keys(&r)
    );
    assert!(has_key(&r, "container.single_view"), "{:?}", keys(&r));
    // Extents out of order are reported, and the stored bytes scanned.
    let odd = old_gnu_sparse_tar("odd.bin", &[(100, b"later"), (0, b"first")], 200);
    let r = scan("odd.tar", odd);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // Python's tarfile and libarchive place each extent at its offset: the
    // file they write is the payload whose halves are stored swapped.
    let e = eicar();
    let swapped = old_gnu_sparse_tar("e.txt", &[(28, &e[28..]), (0, &e[..28])], e.len() as u64);
    let r = scan("swapped.tar", swapped);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(size_of(&r, "e.txt"), Some(e.len() as u64));
}

#[test]
fn a_pax_sparse_name_is_the_name_and_the_header_name_is_checked_too() {
    // Format 1.0: the map starts the data. GNU tar extracts this entry as
    // invoice.pdf.exe, whatever the header's name says.
    let e = eicar();
    let mut data = format!("1\n4096\n{}\n", e.len()).into_bytes();
    data.resize(512, 0);
    data.extend(&e);
    let real = (4096 + e.len()).to_string();
    let mut t = TarWriter::new();
    t.pax(&[
        ("GNU.sparse.major", "1"),
        ("GNU.sparse.minor", "0"),
        ("GNU.sparse.name", "invoice.pdf.exe"),
        ("GNU.sparse.realsize", &real),
    ]);
    t.file("./GNUSparseFile.1/readme.txt", &data);
    let r = scan("mail.tar", t.finish());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(deepest(&r).0.name(), "invoice.pdf.exe");
    assert_eq!(size_of(&r, "invoice.pdf.exe"), Some(4096 + e.len() as u64));
    assert_eq!(r.verdict, Verdict::Malicious);
    // Format 0.1, the map in the pax header; the hidden name is a
    // program's even with harmless content.
    let mut t = TarWriter::new();
    let text = b"Notes of the meeting. ".repeat(24)[..517].to_vec();
    t.pax(&[
        ("GNU.sparse.map", "0,512,1000,5"),
        ("GNU.sparse.size", "1005"),
        ("GNU.sparse.name", "run.exe"),
    ]);
    t.file("./GNUSparseFile.1/notes.txt", &text);
    let r = scan("notes.tar", t.finish());
    assert_eq!(size_of(&r, "run.exe"), Some(1005));
    assert!(has_key(&r, "name.blocked_extension"), "{:?}", keys(&r));
    // Control: a sparse text whose names agree.
    let mut t = TarWriter::new();
    t.pax(&[
        ("GNU.sparse.map", "0,512,1000,5"),
        ("GNU.sparse.size", "1005"),
    ]);
    t.file("notes.txt", &text);
    assert_clean(&scan("notes.tar", t.finish()));
}

/// A cpio entry in the `newc` form (`crc` with `070702`).
fn cpio_newc(magic: &str, name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
    let fields = [
        1,
        mode as usize,
        0,
        0,
        1,
        0,
        data.len(),
        0,
        0,
        0,
        0,
        name.len() + 1,
        0,
    ];
    let mut v = magic.as_bytes().to_vec();
    for f in fields {
        v.extend(format!("{f:08x}").as_bytes());
    }
    v.extend(name.as_bytes());
    v.push(0);
    v.resize(v.len().div_ceil(4) * 4, 0);
    v.extend(data);
    v.resize(v.len().div_ceil(4) * 4, 0);
    v
}

/// A cpio entry in the `odc` form.
fn cpio_odc(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "070707{:06o}{:06o}{mode:06o}{:06o}{:06o}{:06o}{:06o}{:011o}{:06o}{:011o}",
        0,
        1,
        0,
        0,
        1,
        0,
        0,
        name.len() + 1,
        data.len()
    )
    .into_bytes();
    v.extend(name.as_bytes());
    v.push(0);
    v.extend(data);
    v
}

#[test]
fn cpio_archives_in_every_form() {
    let e = eicar();
    let file = 0o100644;
    for form in ["070701", "070702", "odc"] {
        let entry = |name: &str, mode: u32, data: &[u8]| match form {
            "odc" => cpio_odc(name, mode, data),
            magic => cpio_newc(magic, name, mode, data),
        };
        let mut a = entry("etc", 0o040755, b"");
        a.extend(entry("etc/readme.txt", file, b"hello"));
        a.extend(entry("bin/e.com", file, &e));
        a.extend(entry("bin/sh", 0o120777, b"/bin/busybox"));
        a.extend(entry("TRAILER!!!", 0, b""));
        a.resize(a.len().div_ceil(512) * 512, 0);
        let r = scan("initrd.cpio", a.clone());
        assert_eq!(r.objects[0].types[0].ty.name(), "cpio", "{form}");
        assert_eq!(deepest(&r).0.name(), "bin/e.com", "{form}: {:?}", keys(&r));
        assert!(
            has_key(&r, "container.link_escapes"),
            "{form}: {:?}",
            keys(&r)
        );
        // After the trailer, data of its own.
        let mut glued = a;
        glued.extend(&e);
        let r = scan("initrd.cpio", glued);
        assert!(
            has_key(&r, "container.appended_data"),
            "{form}: {:?}",
            keys(&r)
        );
        // Control.
        let mut clean = entry("notes.txt", file, b"hello");
        clean.extend(entry("TRAILER!!!", 0, b""));
        assert_clean(&scan("notes.cpio", clean));
    }
    // Cut in the middle of an entry: malformed, what came before scanned.
    let mut cut = cpio_newc("070701", "e.com", file, &e);
    cut.extend(cpio_newc("070701", "later.txt", file, b"later"));
    cut.truncate(cut.len() - 6);
    let r = scan("cut.cpio", cut);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // Cut within its first entry: still a cpio, and malformed.
    let mut first = cpio_newc("070701", "a.txt", file, &b"hello ".repeat(100));
    first.truncate(300);
    let r = scan("first.cpio", first);
    assert_eq!(r.objects[0].types[0].ty.name(), "cpio");
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

/// An `ar` member with a name field of up to 16 bytes.
fn ar_member(name: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
        0,
        0,
        0,
        100644,
        data.len()
    )
    .into_bytes();
    v.extend(data);
    if v.len() % 2 == 1 {
        v.push(b'\n');
    }
    v
}

#[test]
fn ar_archives_and_debian_packages() {
    let e = eicar();
    let mut tar = TarWriter::new();
    tar.file("./usr/bin/tool", &e);
    let data_tar = tar.finish();
    let mut deb = b"!<arch>\n".to_vec();
    deb.extend(ar_member("debian-binary", b"2.0\n"));
    deb.extend(ar_member("control.tar", b""));
    deb.extend(ar_member("data.tar", &data_tar));
    let r = scan("tool.deb", deb);
    assert_eq!(r.objects[0].types[0].ty.name(), "deb");
    assert_eq!(deepest(&r).0.name(), "./usr/bin/tool", "{:?}", keys(&r));
    // GNU's long names and BSD's.
    let mut lib = b"!<arch>\n".to_vec();
    lib.extend(ar_member("/", b"\0\0\0\0"));
    lib.extend(ar_member("//", b"a-member-with-a-long-name.com/\n"));
    lib.extend(ar_member("/0", &e));
    lib.extend(ar_member("#1/12", &[&b"bsd-name.com"[..], &e].concat()));
    let r = scan("libx.a", lib);
    let names: Vec<_> = r
        .objects
        .iter()
        .skip(1)
        .map(|o| o.path.name().to_owned())
        .collect();
    assert_eq!(names, ["a-member-with-a-long-name.com", "bsd-name.com"]);
    assert!(has_key(&r, "name.blocked_extension"), "{:?}", keys(&r));
    // Control.
    let mut clean = b"!<arch>\n".to_vec();
    clean.extend(ar_member("notes.txt/", b"hello"));
    assert_clean(&scan("notes.a", clean));
}

#[test]
fn links_and_traversal_in_archives_are_findings() {
    let mut t = TarWriter::new();
    t.link("etc", "/etc", true);
    t.link("hard", "../outside", false);
    t.file("../../etc/cron.d/x", &b"* * * * * root id"[..]);
    let r = scan("links.tar", t.finish());
    assert_eq!(
        r.findings_with_key("container.link_escapes").count(),
        2,
        "{:?}",
        keys(&r)
    );
    assert!(has_key(&r, "name.unsafe_path"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
    // Each escaping link blocks on its own.
    let mut t = TarWriter::new();
    t.link("etc", "/etc", true);
    t.file("readme.txt", &b"hello"[..]);
    assert_eq!(scan("l.tar", t.finish()).verdict, Verdict::Malicious);
    let mut t = TarWriter::new();
    t.link("docs/up", "../../x", true);
    assert_eq!(scan("l.tar", t.finish()).verdict, Verdict::Malicious);

    let z = zip_of(
        &[("/abs/path.txt", &b"x"[..]), ("..\\..\\win.ini", &b"y"[..])],
        Method::Stored,
    );
    let r = scan("slip.zip", z);
    assert_eq!(
        r.findings_with_key("name.unsafe_path").count(),
        2,
        "{:?}",
        keys(&r)
    );
}

#[test]
fn data_after_the_tar_end_is_scanned() {
    let mut t = TarWriter::new();
    t.file("a.txt", &b"alpha"[..]);
    let mut data = t.finish();
    data.extend(eicar());
    let r = scan("x.tar", data);
    assert!(found_eicar(&r));
    assert!(has_key(&r, "container.appended_data"));
}

#[test]
fn bzip2_xz_and_zstd_streams() {
    assert!(found_eicar(&scan("e.bz2", bzip2(&eicar()))));
    assert!(found_eicar(&scan("e.xz", xz(&eicar()))));
    assert!(found_eicar(&scan(
        "e.zst",
        zstd::encode_all(&eicar()[..], 3).unwrap()
    )));
    assert_clean(&scan("a.xz", xz(b"plain")));
}

#[test]
fn chains_zip_targz_zip_gz() {
    let gz = gzip(&eicar());
    let inner_zip = zip_of(&[("e.txt.gz", &gz)], Method::Stored);
    let mut t = TarWriter::new();
    t.file("inner.zip", &inner_zip);
    let tgz = gzip(&t.finish());
    let outer = zip_of(&[("bundle.tar.gz", &tgz)], Method::Deflated);
    let r = scan("outer.zip", outer);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let (p, _) = deepest(&r);
    assert_eq!(
        p.to_string(),
        "outer.zip > bundle.tar.gz > bundle.tar > inner.zip > e.txt.gz > e.txt"
    );
}

#[test]
fn zip_methods_bzip2_lzma_xz_zstd_deflate64_are_decoded() {
    // bzip2 through the writer; xz and zstd by hand.
    let e = eicar();
    for (method, packed) in [
        (95u16, xz(&e)),
        (93u16, zstd::encode_all(&e[..], 3).unwrap()),
    ] {
        let h = Header::new("e.txt", method, &e, &packed);
        let mut z = ZipWriter::new();
        let off = z.local(&h);
        z.raw(&packed);
        z.central(&h, off);
        let r = scan("m.zip", z.finish());
        assert!(found_eicar(&r), "method {method}: {:?}", keys(&r));
        assert!(!has_key(&r, "container.checksum_mismatch"));
    }
}

fn zip_entry_with(method: u16, content: &[u8], packed: &[u8]) -> Vec<u8> {
    let h = Header::new("e.txt", method, content, packed);
    let mut z = ZipWriter::new();
    let off = z.local(&h);
    z.raw(packed);
    z.central(&h, off);
    z.finish()
}

#[test]
fn zip_method_lzma() {
    let e = eicar();
    let opts = lzma_rust2::LzmaOptions::with_preset(3);
    let mut w = lzma_rust2::LzmaWriter::new_no_header(Vec::new(), &opts, true).unwrap();
    w.write_all(&e).unwrap();
    let raw = w.finish().unwrap();
    // Zip's LZMA header: version 2 bytes, properties size, properties.
    let mut packed = vec![16, 2, 5, 0, opts.get_props()];
    packed.extend_from_slice(&opts.dict_size.to_le_bytes());
    packed.extend(raw);
    let r = scan("lzma.zip", zip_entry_with(14, &e, &packed));
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// One lzip member: header, a raw LZMA stream with its end marker, trailer.
fn lzip_member(data: &[u8]) -> Vec<u8> {
    let mut opts = lzma_rust2::LzmaOptions::with_preset(3);
    opts.dict_size = 1 << 16;
    let mut w = lzma_rust2::LzmaWriter::new_no_header(Vec::new(), &opts, true).unwrap();
    w.write_all(data).unwrap();
    let mut m = b"LZIP\x01\x10".to_vec();
    m.extend(w.finish().unwrap());
    m.extend(crc32fast::hash(data).to_le_bytes());
    m.extend((data.len() as u64).to_le_bytes());
    m.extend((m.len() as u64 + 8).to_le_bytes());
    m
}

#[test]
fn lzip_files_every_member() {
    let e = eicar();
    let mut two = lzip_member(b"first member, harmless");
    two.extend(lzip_member(&e));
    let r = scan("notes.txt.lz", two.clone());
    assert_eq!(r.objects[0].types[0].ty.name(), "lz");
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(deepest(&r).0.name(), "notes.txt");
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    // Bytes after the last member: the trailers no longer chain back, the
    // first member is read and the file is reported.
    let mut trailing = two;
    trailing.extend(b"junk");
    let r = scan("notes.txt.lz", trailing);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
    // Control.
    assert_clean(&scan("notes.txt.lz", lzip_member(b"hello, plain notes")));
}

#[test]
fn zip_method_deflate64() {
    // Stored deflate blocks are valid deflate64 too.
    let e = eicar();
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::none());
    enc.write_all(&e).unwrap();
    let packed = enc.finish().unwrap();
    let r = scan("d64.zip", zip_entry_with(9, &e, &packed));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(!has_key(&r, "container.checksum_mismatch"));
}

/// Zip's PPMd (method 98): two bytes of parameters, then the stream.
fn zip_ppmd_packed(content: &[u8], model_mib: u16, end_marker: bool) -> Vec<u8> {
    let order = 6u16;
    let restart = ppmd_rust::RestoreMethod::Restart;
    let mut enc = ppmd_rust::Ppmd8Encoder::new(
        Vec::new(),
        order.into(),
        u32::from(model_mib) << 20,
        restart,
    )
    .unwrap();
    enc.write_all(content).unwrap();
    let stream = enc.finish(end_marker).unwrap();
    let mut packed = ((order - 1) | ((model_mib - 1) << 4))
        .to_le_bytes()
        .to_vec();
    packed.extend(stream);
    packed
}

#[test]
fn zip_method_ppmd_with_and_without_an_end_marker() {
    let e = eicar();
    for end_marker in [true, false] {
        let packed = zip_ppmd_packed(&e, 1, end_marker);
        let r = scan("ppmd.zip", zip_entry_with(98, &e, &packed));
        assert!(found_eicar(&r), "{end_marker}: {:?}", keys(&r));
        assert!(
            !has_key(&r, "container.checksum_mismatch"),
            "{:?}",
            keys(&r)
        );
        // Control: text of the same method is clean, its checksum right.
        let text = b"Minutes of the meeting, kept in plain text.\n".repeat(200);
        let packed = zip_ppmd_packed(&text, 1, end_marker);
        assert_clean(&scan("notes.zip", zip_entry_with(98, &text, &packed)));
    }
}

#[test]
fn zip_ppmd_models_are_charged_and_a_bad_header_is_never_clean() {
    // Thousands of entries that each ask for a model of 16 MiB (zeroed
    // before a byte is decoded): the scan's allowance ends them with a
    // limit finding, in bounded time, and the entries before were read.
    let e = eicar();
    let text = zip_ppmd_packed(b"hello", 1, true);
    let mut greedy = text.clone();
    greedy[..2].copy_from_slice(&((5u16) | (15 << 4)).to_le_bytes());
    let mut z = ZipWriter::new();
    let mut entries = Vec::new();
    let packed = zip_ppmd_packed(&e, 1, true);
    let h = Header::new("first.txt", 98, &e, &packed);
    entries.push((z.local(&h), h));
    z.raw(&packed);
    for i in 0..2000 {
        let h = Header::new(&format!("f{i}.txt"), 98, b"hello", &greedy);
        entries.push((z.local(&h), h));
        z.raw(&greedy);
    }
    for (off, h) in &entries {
        z.central(h, *off);
    }
    let started = std::time::Instant::now();
    let r = scan("greedy.zip", z.finish());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "limit.total_size"), "{:?}", keys(&r));
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    // Parameters no decoder takes (order 1, restore method 2): an
    // unsupported method, not a clean entry.
    for params in [0u16, 2 << 12] {
        let mut bad = text.clone();
        bad[..2].copy_from_slice(&params.to_le_bytes());
        let r = scan("bad.zip", zip_entry_with(98, b"hello", &bad));
        assert!(
            has_key(&r, "unscannable.unsupported_method"),
            "{:?}",
            keys(&r)
        );
        assert_ne!(r.verdict, Verdict::Clean);
    }
}

#[test]
fn zip64_entries_written_by_the_zip_crate() {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("big/e.txt", opts).unwrap();
    w.write_all(&eicar()).unwrap();
    w.start_file("big/a.txt", opts).unwrap();
    w.write_all(b"alpha").unwrap();
    let data = w.finish().unwrap().into_inner();
    let r = scan("z64.zip", data);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(!has_key(&r, "container.header_mismatch"), "{:?}", keys(&r));
    assert!(
        !has_key(&r, "container.unaccounted_bytes"),
        "{:?}",
        keys(&r)
    );
}

#[test]
fn aes_entries_open_with_a_candidate_password_only() {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, "infected");
    w.start_file("secret/e.txt", opts).unwrap();
    w.write_all(&eicar()).unwrap();
    let data = w.finish().unwrap().into_inner();
    let r = scan("aes.zip", data.clone());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let f = r.findings_with_key("encrypted").next().unwrap();
    assert!(
        matches!(&f.kind, xferscan::FindingKind::Encrypted { method, decrypted: true, .. } if method == "aes")
    );
    let none = xferscan::Engine::builder()
        .passwords(["wrong"])
        .build()
        .unwrap();
    let r = none.scan_bytes("aes.zip", data);
    assert!(!found_eicar(&r));
    assert_eq!(r.verdict, Verdict::Suspicious);
    // PPMd behind AES: decoded by the crate once its largest model is
    // charged to the budget.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Ppmd)
        .with_aes_encryption(zip::AesMode::Aes256, "infected");
    w.start_file("secret/notes.txt", opts).unwrap();
    w.write_all(&eicar()).unwrap();
    let r = scan("aes-ppmd.zip", w.finish().unwrap().into_inner());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

#[test]
fn archives_we_do_not_open_are_never_a_silent_clean() {
    // A RAR signature over garbage is opened, and is malformed.
    let mut data = b"Rar!\x1a\x07\x01\x00".to_vec();
    data.extend(vec![0x5a; 200]);
    let r = scan("a.rar", data);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Suspicious);
    // `MSCF` without a cabinet header after it is not taken for a cabinet;
    // its name (a .cab, on Gmail's list) still blocks it.
    let mut data = b"MSCF\0\0\0\0".to_vec();
    data.extend(vec![0x5a; 200]);
    let r = scan("a.cab", data);
    assert!(!r.objects[0].types.iter().any(|t| t.ty.name() == "cab"));
    assert_eq!(r.verdict, Verdict::Malicious, "{:?}", keys(&r));
    // A 7z signature over garbage is opened, and is malformed.
    let mut data = b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec();
    data.extend(vec![0x5a; 200]);
    let r = scan("a.7z", data);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Suspicious);
}

/// A zip entry whose Unix mode says symlink: a Unix extractor makes a link,
/// 7-Zip and Explorer on Windows write its data as a file. Its data is
/// scanned, and its (deflated) target judged.
#[test]
fn zip_symlink_entries_are_scanned_as_files_and_judged_as_links() {
    let symlink = |name: &str, content: &[u8]| {
        let packed = Method::Deflated.compress(content);
        let mut h = Header::new(name, Method::Deflated.code(), content, &packed);
        h.ext_attr = 0o120777 << 16;
        let mut w = ZipWriter::new();
        let off = w.local(&h);
        w.raw(&packed).central(&h, off);
        w.finish()
    };
    let r = scan("links.zip", symlink("readme.com", &eicar()));
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let r = scan(
        "links.zip",
        symlink("etc/passwd", b"../../../../etc/shadow"),
    );
    assert!(has_key(&r, "container.link_escapes"), "{:?}", keys(&r));
    let shown: Vec<_> = r.findings_with_key("container.link_escapes").collect();
    assert!(format!("{shown:?}").contains("etc/shadow"), "{shown:?}");
    // A link that stays inside is no alarm.
    let r = scan("links.zip", symlink("lib/libz.so", b"libz.so.1.3"));
    assert!(!has_key(&r, "container.link_escapes"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
}

/// A link, directory or device entry whose size is not zero: GNU tar skips
/// the bytes, other readers write them as a file or read them as headers.
/// They are scanned either way.
#[test]
fn tar_links_directories_and_devices_that_carry_data() {
    // Deflated, so that only a reading of the entry's bytes finds it.
    let e = zip_of(&[("e.com", &eicar())], Method::Deflated);
    for (ty, target) in [
        (b'1', "other"),
        (b'2', "other"),
        (b'3', ""),
        (b'4', ""),
        (b'5', ""),
        (b'6', ""),
    ] {
        let mut w = TarWriter::new();
        w.file("readme.txt", b"hello");
        w.out
            .extend(tar_header("payload", e.len() as u64, ty, target));
        w.out.extend_from_slice(&e);
        w.out.resize(w.out.len().div_ceil(512) * 512, 0);
        w.file("after.txt", b"world");
        let r = scan("a.tar", w.finish());
        assert!(found_eicar(&r), "type {}: {:?}", ty as char, keys(&r));
        assert!(
            has_key(&r, "unscannable.malformed"),
            "type {}: {:?}",
            ty as char,
            keys(&r)
        );
    }
    // The usual links, directories and devices carry none: no finding.
    let mut w = TarWriter::new();
    w.out.extend(tar_header("dir/", 0, b'5', ""));
    w.file("dir/readme.txt", b"hello");
    w.link("dir/latest", "readme.txt", true);
    w.out.extend(tar_header("dev/null", 0, b'3', ""));
    let r = scan("a.tar", w.finish());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert!(!has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

/// A cpio folder, device or entry of no known mode that claims data:
/// libarchive creates unknown modes as regular files. Scanned.
#[test]
fn cpio_entries_of_other_modes_that_carry_data() {
    let z = zip_of(&[("e.com", &eicar())], Method::Deflated);
    for mode in [0o040755, 0o020644, 0o010644, 0o140755, 0o170644, 0o000644] {
        let mut a = cpio_newc("070701", "readme.txt", 0o100644, b"hello");
        a.extend(cpio_newc("070701", "payload", mode, &z));
        a.extend(cpio_newc("070701", "TRAILER!!!", 0, b""));
        let r = scan("a.cpio", a);
        assert!(found_eicar(&r), "mode {mode:o}: {:?}", keys(&r));
        assert!(has_key(&r, "unscannable.malformed"), "{mode:o}");
    }
    let mut a = cpio_newc("070701", "etc", 0o040755, b"");
    a.extend(cpio_newc("070701", "etc/readme.txt", 0o100644, b"hello"));
    a.extend(cpio_newc("070701", "dev/null", 0o020666, b""));
    // An ordinary symlink: its target is short text.
    a.extend(cpio_newc("070701", "lib/libz.so", 0o120777, b"libz.so.1.3"));
    a.extend(cpio_newc("070701", "TRAILER!!!", 0, b""));
    assert_clean(&scan("a.cpio", a));
    // A symlink's data is its target to a Unix extractor and a file's
    // content to one that ignores the mode, as a zip's symlink is.
    let mut a = cpio_newc("070701", "setup.txt", 0o120777, &tiny_pe(false));
    a.extend(cpio_newc("070701", "TRAILER!!!", 0, b""));
    let r = scan("a.cpio", a);
    assert!(has_key(&r, "type.executable"), "{:?}", keys(&r));
}

/// A GNU sparse entry that stores more bytes than its extents take: they
/// are in no reading of the file but in the archive, and scanned.
#[test]
fn sparse_stored_bytes_past_the_extents_are_scanned() {
    let z = zip_of(&[("e.com", &eicar())], Method::Deflated);
    let mut stored = b"hello".to_vec();
    stored.extend(&z);
    let mut tar = old_gnu_sparse_tar("notes.txt", &[(0, &stored[..])], stored.len() as u64);
    // The one extent now takes only "hello", the real size 5.
    tar[386..410].copy_from_slice(format!("{:011o}\0{:011o}\0", 0, 5).as_bytes());
    tar[483..495].copy_from_slice(format!("{:011o}\0", 5).as_bytes());
    tar[148..156].copy_from_slice(b"        ");
    let sum: u32 = tar[..512].iter().map(|&b| u32::from(b)).sum();
    tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let r = scan("sparse.tar", tar);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert_eq!(size_of(&r, "notes.txt"), Some(5));
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
}

/// A zip glued behind a compressed stream: a zip reader finds it by its
/// end record whatever comes first, so it is unpacked, whether or not the
/// stream's reader can tell where the stream ended (legacy `.lzma` cannot,
/// and its decoder stops at the declared size or the end marker without a
/// word about what follows).
#[test]
fn an_archive_glued_behind_a_compressed_stream_is_unpacked() {
    let zip = zip_of(&[("run.txt", &eicar()[..])], Method::Deflated);
    let notes = b"meeting notes, nothing else\n".repeat(20);
    for (name, stream) in [
        ("notes.lzma", lzma_alone(&notes, true)),
        ("notes.lzma", lzma_alone(&notes, false)),
        ("notes.xz", xz(&notes)),
        ("notes.bz2", bzip2(&notes)),
        ("notes.zst", zstd::encode_all(&notes[..], 3).unwrap()),
        ("notes.lz", lzip_member(&notes)),
        ("notes.lz4", {
            let mut w = lz4_flex::frame::FrameEncoder::new(Vec::new());
            w.write_all(&notes).unwrap();
            w.finish().unwrap()
        }),
    ] {
        let mut glued = stream.clone();
        glued.extend(&zip);
        let r = scan(name, glued);
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
        assert!(has_key(&r, "type.polyglot"), "{name}: {:?}", keys(&r));
        assert_clean(&scan(name, stream));
    }
}

/// Containers of every kind, each holding `inner` under the name `name`
/// as a stored file (and the tool-made ones only where the tool is there).
fn containers_holding(name: &str, inner: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let rar = crate::rar_writer::RarOptions {
        volume: false,
        last_split: false,
        encrypted: false,
        encrypted_headers: false,
        method: 0,
    };
    let mut tar = TarWriter::new();
    tar.file(name, inner);
    let mut ar = b"!<arch>\n".to_vec();
    ar.extend(ar_member(name, inner));
    let mut out = vec![
        ("a.rar", crate::rar_writer::rar5(&[(name, inner)], rar)),
        ("a.one", crate::onenote::section("notes", &[inner])),
        (
            "a.chm",
            crate::chm::stored_chm(&[(&format!("/{name}"), inner)]),
        ),
        ("a.a", ar),
        ("a.tar", tar.finish()),
        ("a.doc", crate::ole_writer::compound(&[("Package", inner)])),
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("t")).unwrap();
    std::fs::write(dir.path().join("t").join(name), inner).unwrap();
    if let Some(gcab) = tool("gcab") {
        run_tool(&dir.path().join("t"), &gcab, &["-c", "../out.cab", name]);
        out.push(("a.cab", std::fs::read(dir.path().join("out.cab")).unwrap()));
    }
    if let Some(g) = tool("genisoimage") {
        run_tool(dir.path(), &g, &["-quiet", "-o", "out.iso", "t"]);
        out.push(("a.iso", std::fs::read(dir.path().join("out.iso")).unwrap()));
    }
    out
}

/// A zip glued behind a container is a zip to a zip reader (it finds the
/// zip by its end record whatever comes first): unpacked, and said, as
/// data after the container's end where the container says where it ends
/// (RAR, cabinet, tar), as a polyglot where it does not.
#[test]
fn a_zip_glued_behind_any_container_is_unpacked() {
    let zip = zip_of(&[("run.txt", &eicar()[..])], Method::Deflated);
    let notes = b"meeting notes, nothing else\n".repeat(20);
    for (name, c) in containers_holding("notes.txt", &notes) {
        let mut glued = c.clone();
        glued.extend(&zip);
        let r = scan(name, glued);
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
        // An `ar` reader takes the zip for a member whose header is bad.
        assert!(
            [
                "type.polyglot",
                "container.appended_data",
                "unscannable.malformed"
            ]
            .iter()
            .any(|k| has_key(&r, k)),
            "{name}: {:?}",
            keys(&r)
        );
        let plain = scan(name, c);
        assert!(
            !has_key(&plain, "type.polyglot"),
            "{name}: {:?}",
            keys(&plain)
        );
    }
    // Behind a message, whose body runs to the end of the file.
    let mut mail = b"From: a@example.com\r\nSubject: notes\r\n\r\nsee you\r\n".to_vec();
    mail.extend(&zip);
    let r = scan("notes.eml", mail);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "type.polyglot"), "{:?}", keys(&r));
}

/// The control: a zip stored as a file of a container (the last one, so
/// that its end record is where a zip reader looks) is a file of the
/// container, not a polyglot.
#[test]
fn a_zip_stored_in_a_container_is_its_file_not_a_polyglot() {
    let zip = zip_of(&[("run.txt", &eicar()[..])], Method::Deflated);
    for (name, c) in containers_holding("pack.zip", &zip) {
        let r = scan(name, c);
        assert!(found_eicar(&r), "{name}: {:?}", keys(&r));
        assert!(!has_key(&r, "type.polyglot"), "{name}: {:?}", keys(&r));
        assert!(
            !has_key(&r, "container.appended_data"),
            "{name}: {:?}",
            keys(&r)
        );
    }
}

/// A container that declares a file over only the first bytes of a zip
/// glued to it does not hold the zip: a zip reader reads the rest.
#[test]
fn a_file_over_part_of_a_glued_zip_does_not_hide_it() {
    let zip = zip_of(
        &[
            (
                "notes.txt",
                &b"meeting notes, nothing else\n".repeat(30)[..],
            ),
            ("run.txt", &eicar()[..]),
        ],
        Method::Deflated,
    );
    let mut tar = tar_header("head.bin", 100, b'0', "");
    tar.extend(&zip);
    let r = scan("a.tar", tar);
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

/// A header whose checksum or size field has a stray byte after its
/// digits (or a NUL before the checksum's): GNU tar and libarchive (and
/// Windows' tar.exe) refuse it, skip its block and find the header this
/// reader took for its data. Both readings are scanned.
#[test]
fn a_tar_header_that_gnu_tar_refuses_is_read_both_ways() {
    for defect in ["checksum_trail", "checksum_lead_nul", "size_trail"] {
        let js = b"var s = new ActiveXObject('WScript.Shell');\n";
        let mut hidden = tar_header("invoice.js", js.len() as u64, b'0', "");
        hidden.extend_from_slice(js);
        hidden.resize(1024, 0);
        let mut decoy = tar_header("readme.txt", 3 * 512, b'0', "");
        decoy[148..156].copy_from_slice(b"        ");
        if defect == "size_trail" {
            decoy[124..136].copy_from_slice(format!("{:010o}x\0", 3 * 512).as_bytes());
        }
        let sum: u32 = decoy.iter().map(|&b| b as u32).sum();
        let field = match defect {
            "checksum_lead_nul" => format!("\0{sum:06o} "),
            "checksum_trail" => format!("{sum:06o}x "),
            _ => format!("{sum:06o}\0 "),
        };
        decoy[148..156].copy_from_slice(field.as_bytes());
        let mut tar = TarWriter::new();
        tar.file("notes.txt", b"hello\n");
        let mut data = tar.out.clone();
        data.extend(decoy);
        data.extend(vec![b'-'; 512]);
        data.extend(hidden);
        data.extend(vec![0u8; 1024]);
        let r = scan("archive.tar", data);
        assert!(
            r.objects.iter().any(|o| o.path.name() == "invoice.js"),
            "{defect}: {:?}",
            r.objects.iter().map(|o| o.path.name()).collect::<Vec<_>>()
        );
        assert_eq!(r.verdict, Verdict::Malicious, "{defect}: {:?}", keys(&r));
    }
}
