#![no_main]
//! The ISO 9660 and UDF unpacker (inputs start after the 32 KiB system
//! area, which the entry point adds back) under a small budget: every
//! child is bounded by the budget, whatever the image declares.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_iso(data);
    for (_, child) in &u.children {
        assert!(child.len() as u64 <= xferscan::fuzzing::small_limits().max_object_bytes);
    }
});
