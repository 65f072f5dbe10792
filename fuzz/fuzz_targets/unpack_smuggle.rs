#![no_main]
//! The smuggling search of pages and scripts: bounded output (what a
//! script assembles is bounded by its own size), no panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_smuggle(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len().saturating_mul(4) + 64);
    }
});
