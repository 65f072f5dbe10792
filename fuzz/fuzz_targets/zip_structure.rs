#![no_main]
//! The zip structural pass: never panics, and every reading it lists lies
//! inside the file.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (_, start, end) in xferscan::fuzzing::zip_entries(data) {
        assert!(start <= data.len() as u64 && end <= data.len() as u64);
    }
});
