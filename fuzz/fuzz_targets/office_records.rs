#![no_main]
//! The pure readers of what Office keeps inside its streams: PowerPoint's
//! records, the theme zips in a stream, Word's and RTF's field
//! instructions, RTF objects and templates, Flat OPC and Word 2003 XML.
//! The first byte picks the reader.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::office_records(data);
});
