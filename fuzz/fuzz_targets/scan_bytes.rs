#![no_main]
//! The whole pipeline with the built-in rules and small limits: a report
//! always comes back, within its budget.

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use xferscan::Engine;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        Engine::builder()
            .limits(xferscan::fuzzing::small_limits())
            .build()
            .expect("built-in rules")
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = xferscan::fuzzing::small_limits();
    let r = engine().scan_bytes("fuzz.bin", data.to_vec());
    assert!(!r.objects.is_empty());
    assert!(r.objects.len() as u64 <= limits.max_objects);
    assert!(
        r.objects
            .iter()
            .all(|o| o.depth <= limits.max_depth && o.size <= limits.max_object_bytes)
    );
});
