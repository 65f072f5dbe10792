//! Writes the seed corpora of the `unpack_ole` and `unpack_rtf` fuzz
//! targets: compound files need a writer (the `cfb` crate's, through the
//! tests' `ole_writer`), so this is Rust rather than `fuzz/make_seeds.py`.
//! No EICAR in them. The seeds are committed; rerun after changing them:
//!
//! `cargo run --example write_ole_seeds -- fuzz/seeds`

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

#[path = "../tests/ole_writer.rs"]
mod ole_writer;

use ole_writer::*;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next().map(PathBuf::from), args.next()) else {
        eprintln!("usage: write_ole_seeds DIR (such as fuzz/seeds)");
        std::process::exit(2);
    };
    let src = b"Attribute VB_Name = \"M\"\r\nSub AutoOpen()\r\nMsgBox \"hi\"\r\nEnd Sub\r\n";
    let doc = with_streams(
        &[("/WordDocument", &[0xec, 0xa5, 0xc1, 0x00][..])],
        &vba_project("Macros", &[("M", src)]),
    );
    let xls = compound(&[(
        "/Workbook",
        &workbook(&[("Sheet1", 0, 0), ("Macro1", 1, 2)], true),
    )]);
    let native = ole10native("a.txt", "C:\\tmp\\a.txt", b"hello");
    let packaged = compound(&[("/ObjectPool/_1/\u{1}Ole10Native", &native)]);
    let name: Vec<u8> = "n.txt".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let msg = compound(&[
        ("/__substg1.0_0037001F", &[0x68, 0][..]),
        ("/__attach_version1.0_#00000000/__substg1.0_3707001F", &name),
        (
            "/__attach_version1.0_#00000000/__substg1.0_37010102",
            b"attached",
        ),
    ]);
    let ole: [(&str, Vec<u8>); 4] = [
        ("macro.doc", doc),
        ("xlm.xls", xls),
        ("packaged.doc", packaged),
        ("attachment.msg", msg),
    ];
    let obj = ole1("Package", &package("a.txt", "C:\\a.txt", b"hello"));
    let small = compound(&[("/Data", b"data")]);
    let rtf: [(&str, Vec<u8>); 3] = [
        ("package.rtf", rtf_with_object("Package", &hex(&obj))),
        ("ugly.rtf", rtf_with_object("Package", &ugly_hex(&obj))),
        (
            "compound.rtf",
            rtf_with_object("Word.Document.8", &hex(&ole1("Word.Document.8", &small))),
        ),
    ];
    for (target, files) in [("unpack_ole", &ole[..]), ("unpack_rtf", &rtf[..])] {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).expect("create the seed folder");
        for (name, data) in files {
            std::fs::write(d.join(name), data).expect("write a seed");
        }
    }
}
