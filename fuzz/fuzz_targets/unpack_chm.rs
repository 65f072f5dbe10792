#![no_main]
//! The compiled help unpacker: directory, stored section, LZX section.
//! The LZX decoder (the lzxd crate) asserts on some malformed streams; the
//! unpacker catches that and reports the stream as malformed. libfuzzer's
//! hook would abort on the assert before it is caught, so panics from
//! inside lzxd are let through to the unpacker; any other panic aborts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_lzxd = info.location().is_some_and(|l| l.file().contains("lzxd"));
            if !in_lzxd {
                previous(info);
            }
        }));
    });
    let u = xferscan::fuzzing::unpack_chm(data);
    let small = xferscan::fuzzing::small_limits();
    let total: u64 = u.children.iter().map(|(_, c)| c.len() as u64).sum();
    assert!(total <= 2 * small.max_total_bytes);
});
