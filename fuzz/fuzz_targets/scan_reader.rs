#![no_main]
//! `scan_reader` over a reader that returns the input in pieces whose sizes
//! the fuzzer chooses gives the same report as `scan_bytes`.

use std::io::Read;

use libfuzzer_sys::fuzz_target;

struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    i: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self
            .sizes
            .get(self.i % self.sizes.len().max(1))
            .copied()
            .unwrap_or(255) as usize
            + 1;
        self.i += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|input: (&[u8], &[u8])| {
    let (sizes, data) = input;
    let a = xferscan::fuzzing::engine().scan_bytes("f", data.to_vec());
    let b = xferscan::fuzzing::engine()
        .scan_reader("f", Pieces { data, sizes, i: 0 })
        .expect("reading memory");
    assert_eq!(a, b);
});
