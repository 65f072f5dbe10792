#![no_main]
//! The `data:` URI decoder, of pages and of JSON: every payload decodes to
//! less than the text holds (base64 only shrinks, JSON escapes only
//! shorten).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_data_uris(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len());
    }
});
