#![no_main]
//! The PDF unpacker: the object reader, the cross-reference sections and
//! every stream filter, on hostile bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_pdf(data);
});
