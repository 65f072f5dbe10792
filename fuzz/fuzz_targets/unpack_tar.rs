#![no_main]
//! The tar unpacker, and the cpio, ar, ARJ and LHA unpackers for inputs
//! that start as those archives do: every child is a slice of the archive,
//! a tar sparse file laid out through the budget, or an ARJ or LHA entry
//! decoded through it (never past one object's limit).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_tar(data);
    let most = xferscan::fuzzing::small_limits().max_object_bytes;
    for (_, child) in &u.children {
        assert!(child.len() <= data.len() || child.len() as u64 <= most);
    }
});
