#![no_main]
//! The MIME unpacker (and the clients' reading of a header block: a message
//! to the strict reader, at most twice the text): no part decodes to more
//! than the message holds (base64 and quoted-printable only shrink) but a
//! BinHex file in a body, whose run-length coding writes up to 255 bytes
//! for two (drained through the budget); and mbox pieces are slices.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_mime(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len().saturating_mul(128).saturating_add(256));
    }
});
