#![no_main]
//! The MIME unpacker: no part decodes to more than the message holds
//! (base64 and quoted-printable only shrink), and mbox pieces are slices.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let u = xferscan::fuzzing::unpack_mime(data);
    for (_, child) in &u.children {
        assert!(child.len() <= data.len());
    }
});
