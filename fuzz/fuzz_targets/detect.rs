#![no_main]
//! True type detection and name checks never panic, on any bytes and name.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, &[u8])| {
    let (name, data) = input;
    let _ = xferscan::fuzzing::detect_and_name(data, &name);
});
