#![no_main]
//! The raw disk unpacker (a FAT volume, an MBR or GPT disk) under a small
//! budget: every child is bounded by the budget, whatever the image
//! declares.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_fat(data);
    for (_, child) in &u.children {
        assert!(child.len() as u64 <= xferscan::fuzzing::small_limits().max_object_bytes);
    }
});
