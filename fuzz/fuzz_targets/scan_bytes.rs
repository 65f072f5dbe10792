#![no_main]
//! The whole pipeline with the built-in rules and small limits: a report
//! always comes back, within its budget.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = xferscan::fuzzing::small_limits();
    let r = xferscan::fuzzing::engine().scan_bytes("fuzz.bin", data.to_vec());
    assert!(!r.objects.is_empty());
    assert!(r.objects.len() as u64 <= limits.max_objects);
    assert!(
        r.objects
            .iter()
            .all(|o| o.depth <= limits.max_depth && o.size <= limits.max_object_bytes)
    );
});
