#![no_main]
//! The 7z unpacker: the start and encoded-header checks, then
//! sevenz-rust2 under a small budget. Mutations would break the two CRCs
//! that guard the headers and stop almost every input at the first check,
//! so both are recomputed here (the target also runs unpatched inputs, as
//! the first byte chooses).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let mut input = rest.to_vec();
    if choice & 1 == 0 && input.len() >= 32 {
        let offset = u64::from_le_bytes(input[12..20].try_into().unwrap());
        let size = u64::from_le_bytes(input[20..28].try_into().unwrap());
        let header = offset
            .checked_add(32)
            .and_then(|s| Some((s, s.checked_add(size)?)))
            .and_then(|(s, e)| input.get(usize::try_from(s).ok()?..usize::try_from(e).ok()?));
        if let Some(h) = header {
            let crc = crc32fast::hash(h);
            input[28..32].copy_from_slice(&crc.to_le_bytes());
        }
        let crc = crc32fast::hash(&input[12..32]);
        input[8..12].copy_from_slice(&crc.to_le_bytes());
    }
    let _ = xferscan::fuzzing::unpack_sevenz(&input);
});
