#![no_main]
//! The tolerant tag reader under the OOXML relationship, field and DDE
//! readers, Excel's macro sheet, name and sheet reader, the help-page
//! command reader and OpenDocument's manifest reader: any bytes, no
//! panic, bounded output.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let n = xferscan::fuzzing::document_part(data);
    assert!(n <= 64);
});
