#![no_main]
//! uuencode, BinHex and yEnc in text, and the Script Encoder's blocks:
//! never a panic, and the budget holds whatever the run-length expansion
//! makes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::uudecode(data);
});
