#![no_main]
//! The zip unpacker under a small budget (checked inside).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_zip(data);
});
