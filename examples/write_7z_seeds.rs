//! Writes the seed corpus of the `unpack_sevenz` fuzz target: Python, which
//! writes the other seeds (`fuzz/make_seeds.py`), has no 7z writer, so this
//! uses sevenz-rust2's (a dev-dependency). The seeds are committed; rerun
//! after changing them:
//!
//! `cargo run --example write_7z_seeds -- fuzz/seeds/unpack_sevenz`

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

#[path = "../tests/sevenz_writer.rs"]
mod sevenz_writer;

use sevenz_rust2::encoder_options::PpmdOptions;
use sevenz_writer::{sevenz, sevenz_blocks};

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next().map(PathBuf::from), args.next()) else {
        eprintln!("usage: write_7z_seeds DIR (such as fuzz/seeds/unpack_sevenz)");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir).expect("create the seed folder");
    let files: [(&str, Vec<u8>); 4] = [
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
        (
            "ppmd.7z",
            sevenz_blocks(&[(
                "a.txt",
                b"alpha alpha",
                vec![PpmdOptions::from_level(1).into()],
            )]),
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
