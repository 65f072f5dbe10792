#![no_main]
//! The cabinet unpacker (our header reader, stored, MSZIP and LZX folders)
//! and, for OLE2 inputs, the MSI unpacker, under a small budget.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_cab(data);
});
