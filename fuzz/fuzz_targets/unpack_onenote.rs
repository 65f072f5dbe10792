#![no_main]
//! The OneNote unpacker: every embedded file is a slice of the section.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_onenote(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len());
    }
});
