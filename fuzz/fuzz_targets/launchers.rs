#![no_main]
//! The launcher reader: never a panic, targets bounded.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (targets, remote) = xferscan::fuzzing::launchers(data);
    assert!(remote <= targets && targets <= 128);
});
