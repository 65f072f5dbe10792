#![no_main]
//! The OLE2 unpacker: cfb under catch_unwind, then our readers of
//! Packager objects, Outlook attachments, the VBA project, workbook
//! globals and Office encryption (the seed `encrypted.xlsx` opens with
//! VelvetSweatshop).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = xferscan::fuzzing::unpack_ole(data);
});
