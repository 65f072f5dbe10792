#![no_main]
//! The `data:` URI decoder, of pages and of JSON (and ISO-2022-JP's, which
//! leaves no escape): every payload decodes to less than the text holds
//! (base64 only shrinks, JSON escapes only shorten), and the checks that
//! decide whether it runs on a text or on JSON say yes wherever it decodes
//! one.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_data_uris(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len());
    }
    for (i, (decoded, checked)) in xferscan::fuzzing::data_uri_checks(data)
        .into_iter()
        .enumerate()
    {
        assert!(
            checked || !decoded,
            "a URI the check {i} (0 text, 1 JSON) passes over"
        );
    }
});
