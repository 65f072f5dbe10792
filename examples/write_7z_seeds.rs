//! Writes the seed corpus of the `unpack_sevenz` fuzz target: Python, which
//! writes the other seeds (`fuzz/make_seeds.py`), has no 7z writer, so this
//! uses sevenz-rust2's (a dev-dependency). The seeds are committed; rerun
//! after changing them:
//!
//! `cargo run --example write_7z_seeds -- fuzz/seeds/unpack_sevenz`

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Cursor;
use std::path::PathBuf;

use sevenz_rust2::encoder_options::AesEncoderOptions;
use sevenz_rust2::{ArchiveEntry, ArchiveWriter, EncoderMethod, Password};

/// A 7z archive of `entries`, each compressed on its own (LZMA2), or all in
/// one solid block, and encrypted with `password` if given: the same writer
/// as the 7z tests' (`tests/sevenz.rs`).
fn sevenz(entries: &[(&str, &[u8])], solid: bool, password: Option<&str>) -> Vec<u8> {
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    if let Some(p) = password {
        w.set_content_methods(vec![
            AesEncoderOptions::new(Password::from(p)).into(),
            EncoderMethod::LZMA2.into(),
        ]);
    }
    if solid {
        let names = entries
            .iter()
            .map(|(n, _)| ArchiveEntry::new_file(n))
            .collect();
        let readers = entries
            .iter()
            .map(|(_, d)| Cursor::new(*d).into())
            .collect();
        w.push_archive_entries(names, readers).unwrap();
    } else {
        for (n, d) in entries {
            w.push_archive_entry(ArchiveEntry::new_file(n), Some(Cursor::new(*d)))
                .unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next().map(PathBuf::from), args.next()) else {
        eprintln!("usage: write_7z_seeds DIR (such as fuzz/seeds/unpack_sevenz)");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir).expect("create the seed folder");
    let files: [(&str, Vec<u8>); 3] = [
        (
            "plain.7z",
            sevenz(
                &[("a.txt", b"alpha alpha"), ("b/c.txt", b"gamma")],
                false,
                None,
            ),
        ),
        (
            "solid.7z",
            sevenz(
                &[("a.txt", b"alpha alpha"), ("b.txt", b"beta beta")],
                true,
                None,
            ),
        ),
        (
            "aes.7z",
            sevenz(&[("a.txt", b"alpha")], false, Some("infected")),
        ),
    ];
    for (name, bytes) in files {
        // The target's first byte chooses whether it fixes the CRCs up.
        let mut seed = vec![0u8];
        seed.extend(bytes);
        let path = dir.join(name);
        std::fs::write(&path, seed).expect("write a seed");
        println!("{}", path.display());
    }
}
