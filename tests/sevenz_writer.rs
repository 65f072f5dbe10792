//! The 7z fixtures' writer, shared by the 7z tests and by the example that
//! writes the `unpack_sevenz` fuzz seeds (`examples/write_7z_seeds.rs`
//! includes this file): sevenz-rust2's writer, a dev-dependency.

use std::io::Cursor;

use sevenz_rust2::encoder_options::AesEncoderOptions;
use sevenz_rust2::{ArchiveEntry, ArchiveWriter, EncoderConfiguration, EncoderMethod, Password};

/// A 7z archive of `entries`, each compressed on its own (LZMA2), or all in
/// one solid block, and encrypted with `password` if given.
pub fn sevenz(entries: &[(&str, &[u8])], solid: bool, password: Option<&str>) -> Vec<u8> {
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

/// A 7z archive of one block per entry, each entry compressed with its own
/// chain of methods (the first applied last, as 7-Zip lists them).
#[allow(dead_code)]
pub fn sevenz_blocks(entries: &[(&str, &[u8], Vec<EncoderConfiguration>)]) -> Vec<u8> {
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    for (n, d, methods) in entries {
        w.set_content_methods(methods.clone());
        w.push_archive_entry(ArchiveEntry::new_file(n), Some(Cursor::new(*d)))
            .unwrap();
    }
    w.finish().unwrap().into_inner()
}
