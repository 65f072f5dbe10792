#![no_main]
//! The 7z unpacker: the start and encoded-header checks, then
//! sevenz-rust2 under a small budget.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_sevenz(data);
});
