#![no_main]
//! The RAR 4 and RAR 5 unpacker: our header reader and the stored entries
//! it hands on, under a small budget. Header CRCs are not patched: a bad
//! one is a finding, and the walk goes on.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_rar(data);
});
