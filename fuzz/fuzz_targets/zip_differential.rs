#![no_main]
//! Our zip reading against the zip crate's: every entry the crate can read
//! must be among the entries our structural pass lists (same data offset),
//! or the content the crate reads must be among what our unpacker gives.

use std::io::{Cursor, Read};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(data)) else {
        return;
    };
    let ours = xferscan::fuzzing::zip_entries(data);
    let mut unpacked = None;
    for i in 0..archive.len().min(64) {
        let Ok(mut f) = archive.by_index(i) else {
            continue;
        };
        let start = f.data_start();
        let mut content = Vec::new();
        if (&mut f).take(1 << 20).read_to_end(&mut content).is_err() || content.len() >= 1 << 20 {
            continue;
        }
        if start.is_some_and(|s| ours.iter().any(|e| e.1 == s)) {
            continue;
        }
        let u = unpacked.get_or_insert_with(|| xferscan::fuzzing::unpack_zip(data));
        assert!(
            u.children.iter().any(|(_, c)| c[..] == content[..]),
            "the zip crate reads entry {i} ({} bytes at {start:?}) that we do not",
            content.len()
        );
    }
});
