#![no_main]
//! The `data:` URI decoder: every payload decodes to less than the page
//! holds (base64 only shrinks).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_data_uris(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len());
    }
});
