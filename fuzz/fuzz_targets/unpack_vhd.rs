#![no_main]
//! The VHD (first byte even) and VHDX (odd; spread out by 64 KiB) unpacker
//! under a small budget: every child is bounded by the budget, whatever
//! the image declares.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_vhd(data);
    for (_, child) in &u.children {
        assert!(child.len() as u64 <= xferscan::fuzzing::small_limits().max_object_bytes);
    }
});
