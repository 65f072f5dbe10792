#![no_main]
//! The tar unpacker: every child is a slice of the archive.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_tar(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len());
    }
});
