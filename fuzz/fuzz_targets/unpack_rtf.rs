#![no_main]
//! The RTF unpacker: Word-tolerant `\objdata` decoding, OLE1 objects and
//! Packager files; also the SYLK reader and the VBA decompressor on the
//! same bytes.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_rtf(data);
});
