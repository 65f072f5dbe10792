#![no_main]
//! gzip, bzip2, xz, legacy lzma, zstd, lzip, lzop, LZ4 and compress under
//! a small budget (the first byte picks).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_compressed(data);
});
