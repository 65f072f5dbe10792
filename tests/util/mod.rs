//! Fixtures built in code: zip files written field by field (so that tests
//! can make them lie), tar and gzip writers, and the EICAR string assembled
//! at run time (it is never stored whole in this repository).

#![allow(dead_code)]

use std::io::Write;
use std::sync::OnceLock;

use xferscan::{Engine, Finding, ObjectHashes, Report, Verdict};

/// The EICAR test string, from its two halves.
pub fn eicar() -> Vec<u8> {
    let mut v = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$".to_vec();
    v.extend_from_slice(b"EICAR-STANDARD-ANTIVIRUS-");
    v.extend_from_slice(b"TEST-FILE!$H+H*");
    v
}

/// One engine with the built-in rules and policy, shared by the tests.
pub fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::builder().build().expect("built-in rules compile"))
}

/// An engine built with `which` object hashes (and everything else as
/// `engine()`).
pub fn engine_hashing(which: ObjectHashes) -> Engine {
    Engine::builder()
        .object_hashes(which)
        .build()
        .expect("built-in rules compile")
}

/// SHA-256 in lowercase hex, as reports give it. Only for `tests/`: the
/// fuzz targets share this module, and `sha2` is not among their
/// dependencies.
#[cfg(test)]
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The path of a format's own tool (`mkfs.fat`, `xorriso`...) that a test
/// builds its fixture with. CI installs every such tool and sets
/// `XFERSCAN_REQUIRE_TOOLS=1`, so there a missing tool fails the test; on a
/// developer's machine without it the test says so and is skipped.
#[cfg(test)]
pub fn tool(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("XFERSCAN_REQUIRE_TOOLS").is_none(),
            "{name} is not installed, and XFERSCAN_REQUIRE_TOOLS is set"
        );
        eprintln!("skipped: {name} is not installed (.ci/run installs it)");
    }
    found
}

/// Runs a fixture tool in `dir` and panics with its output when it fails.
#[cfg(test)]
pub fn run_tool(dir: &std::path::Path, program: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the tool runs");
    assert!(
        out.status.success(),
        "{} {:?} failed: {}{}",
        program.display(),
        args,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn scan(name: &str, data: Vec<u8>) -> Report {
    #[cfg(test)]
    keep_for_corpus(name, &data);
    engine().scan_bytes(name, data)
}

/// With `XFERSCAN_CORPUS` set, every fixture that `scan` is given is also
/// written there, named after the test and the name it was sent under, and
/// listed in `index.tsv`: `bench/documents.sh` runs the format tests so and
/// compares xferscan with clamscan on what they wrote. Fixtures stay in
/// memory otherwise.
#[cfg(test)]
fn keep_for_corpus(name: &str, data: &[u8]) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let Some(dir) = std::env::var_os("XFERSCAN_CORPUS") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let test = std::thread::current()
        .name()
        .unwrap_or("test")
        .replace("::", ".");
    let safe: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let n = N.fetch_add(1, Ordering::Relaxed);
    let file = format!("{test}.{n}.{safe}");
    std::fs::write(dir.join(&file), data).expect("the corpus folder is writable");
    let mut index = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("index.tsv"))
        .expect("the corpus index opens");
    writeln!(index, "{file}\t{test}").expect("the corpus index is writable");
}

/// True when EICAR was found somewhere in the report.
pub fn found_eicar(r: &Report) -> bool {
    r.matched("EICAR_Test_File")
}

/// The keys of the report's findings, for assertions.
pub fn keys(r: &Report) -> Vec<String> {
    r.findings.iter().map(|f| f.kind.key().to_owned()).collect()
}

/// The deepest place a signature matched (containers match too when they
/// store the bytes).
pub fn deepest(r: &Report) -> (&xferscan::ObjectPath, &xferscan::SignatureMatch) {
    r.signatures()
        .max_by_key(|(p, _)| p.names().len())
        .expect("a signature matched")
}

pub fn has_key(r: &Report, key: &str) -> bool {
    r.findings_with_key(key).next().is_some()
}

/// The encrypted findings of a report: each one's method, and whether a
/// password opened it.
pub fn encrypted(r: &Report) -> Vec<(String, bool)> {
    r.findings
        .iter()
        .filter_map(|f| match &f.kind {
            xferscan::FindingKind::Encrypted {
                method, decrypted, ..
            } => Some((method.clone(), *decrypted)),
            _ => None,
        })
        .collect()
}

/// Findings whose action is not `allow`, but for `encrypted`: what an
/// ordinary protected document must not have.
pub fn acted_beside_encryption(r: &Report) -> Vec<&Finding> {
    acted(r)
        .into_iter()
        .filter(|f| f.kind.key() != "encrypted")
        .collect()
}

/// Findings whose action is not `allow`.
pub fn acted(r: &Report) -> Vec<&Finding> {
    r.findings
        .iter()
        .filter(|f| f.action != xferscan::Action::Allow)
        .collect()
}

pub fn assert_clean(r: &Report) {
    assert_eq!(r.verdict, Verdict::Clean, "findings: {:#?}", acted(r));
}

pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Unix `pack` (`1f 1e`), as gzip's unpack.c reads it: a canonical code
/// of two lengths (the most common bytes get the shorter), its end code the
/// last of the longest. `data` is not empty.
pub fn pack(data: &[u8]) -> Vec<u8> {
    let mut freq = [0u64; 256];
    for &b in data {
        freq[usize::from(b)] += 1;
    }
    let mut syms: Vec<u8> = (0..=255u8).filter(|&b| freq[usize::from(b)] > 0).collect();
    syms.sort_by_key(|&b| std::cmp::Reverse(freq[usize::from(b)]));
    // A complete tree of `count` leaves (the end code among them): 2^depth
    // slots, and `short` leaves one level up, each taking two.
    let count = syms.len() + 1;
    let depth = (usize::BITS - (count - 1).leading_zeros()) as usize;
    let short = (1usize << depth) - count;
    let len_of = |i: usize| if i < short { depth - 1 } else { depth };
    let mut leaves = vec![0u32; depth + 1];
    for i in 0..count {
        leaves[len_of(i)] += 1;
    }
    // Inner nodes take the smallest values of each length, leaves the rest.
    let mut parents = vec![0u32; depth + 1];
    let mut nodes = 0u32;
    for len in (1..=depth).rev() {
        nodes >>= 1;
        parents[len] = nodes;
        nodes += leaves[len];
    }
    let mut out = vec![0x1f, 0x1e];
    out.extend((data.len() as u32).to_be_bytes());
    out.push(depth as u8);
    for (len, &l) in leaves.iter().enumerate().skip(1) {
        out.push(if len == depth { l - 2 } else { l } as u8);
    }
    let mut code = [(0u32, 0usize); 256];
    // Each length's leaves take the values after its inner nodes.
    let mut next = parents;
    for (len, next) in next.iter_mut().enumerate().skip(1) {
        for (_, &s) in syms.iter().enumerate().filter(|&(i, _)| len_of(i) == len) {
            out.push(s);
            code[usize::from(s)] = (*next, len);
            *next += 1;
        }
    }
    let mut bits = Vec::new();
    for (c, len) in data
        .iter()
        .map(|&b| code[usize::from(b)])
        .chain([(next[depth], depth)])
    {
        bits.extend((0..len).rev().map(|k| (c >> k) & 1 == 1));
    }
    for chunk in bits.chunks(8) {
        out.push(
            chunk
                .iter()
                .enumerate()
                .fold(0u8, |b, (k, &bit)| b | (u8::from(bit) << (7 - k))),
        );
    }
    out
}

pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Compression methods the writer can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
    Bzip2,
}

impl Method {
    pub fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
            Method::Bzip2 => 12,
        }
    }
    pub fn compress(self, data: &[u8]) -> Vec<u8> {
        match self {
            Method::Stored => data.to_vec(),
            Method::Deflated => deflate(data),
            Method::Bzip2 => bzip2(data),
        }
    }
}

/// The fields of a local or central header, each of which a test may set to
/// a lie.
#[derive(Clone, Debug)]
pub struct Header {
    pub name: Vec<u8>,
    pub method: u16,
    pub flags: u16,
    pub mod_time: u16,
    pub crc: u32,
    pub csize: u32,
    pub usize: u32,
    pub extra: Vec<u8>,
    pub made_by: u16,
    pub ext_attr: u32,
}

impl Header {
    /// Honest headers for `content` compressed as `packed` with `method`.
    pub fn new(name: &str, method: u16, content: &[u8], packed: &[u8]) -> Self {
        Header {
            name: name.as_bytes().to_vec(),
            method,
            flags: 0x0800,
            mod_time: 0x6000,
            crc: crc32(content),
            csize: packed.len() as u32,
            usize: content.len() as u32,
            extra: Vec::new(),
            made_by: 0x031e,
            ext_attr: 0o100644 << 16,
        }
    }
}

fn u16le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn u32le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// A zip writer that writes each record as told, so that records can
/// disagree, overlap, repeat or go missing.
#[derive(Default)]
pub struct ZipWriter {
    pub out: Vec<u8>,
    central: Vec<u8>,
    count: u32,
}

impl ZipWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Raw bytes at the current position (prepended data, gaps, smuggling).
    pub fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.out.extend_from_slice(b);
        self
    }

    pub fn offset(&self) -> u32 {
        self.out.len() as u32
    }

    /// A local header; returns its offset.
    pub fn local(&mut self, h: &Header) -> u32 {
        let off = self.offset();
        let v = &mut self.out;
        v.extend_from_slice(b"PK\x03\x04");
        u16le(v, 20);
        u16le(v, h.flags);
        u16le(v, h.method);
        u16le(v, h.mod_time);
        u16le(v, 0x5821);
        u32le(v, h.crc);
        u32le(v, h.csize);
        u32le(v, h.usize);
        u16le(v, h.name.len() as u16);
        u16le(v, h.extra.len() as u16);
        v.extend_from_slice(&h.name);
        v.extend_from_slice(&h.extra);
        off
    }

    /// A central header pointing at `lfh_offset`, kept until `finish`.
    pub fn central(&mut self, h: &Header, lfh_offset: u32) -> &mut Self {
        let v = &mut self.central;
        v.extend_from_slice(b"PK\x01\x02");
        u16le(v, h.made_by);
        u16le(v, 20);
        u16le(v, h.flags);
        u16le(v, h.method);
        u16le(v, h.mod_time);
        u16le(v, 0x5821);
        u32le(v, h.crc);
        u32le(v, h.csize);
        u32le(v, h.usize);
        u16le(v, h.name.len() as u16);
        u16le(v, h.extra.len() as u16);
        u16le(v, 0);
        u16le(v, 0);
        u16le(v, 0);
        u32le(v, h.ext_attr);
        u32le(v, lfh_offset);
        v.extend_from_slice(&h.name);
        v.extend_from_slice(&h.extra);
        self.count += 1;
        self
    }

    /// An honest entry: local header, data, central header.
    pub fn entry(&mut self, name: &str, content: &[u8], method: Method) -> &mut Self {
        let packed = method.compress(content);
        let h = Header::new(name, method.code(), content, &packed);
        let off = self.local(&h);
        self.raw(&packed);
        self.central(&h, off)
    }

    /// An entry whose sizes and CRC follow the data in a descriptor (bit 3).
    pub fn entry_with_descriptor(
        &mut self,
        name: &str,
        content: &[u8],
        method: Method,
    ) -> &mut Self {
        let packed = method.compress(content);
        let mut h = Header::new(name, method.code(), content, &packed);
        h.flags |= 8;
        let mut lh = h.clone();
        lh.crc = 0;
        lh.csize = 0;
        lh.usize = 0;
        let off = self.local(&lh);
        self.raw(&packed);
        let v = &mut self.out;
        v.extend_from_slice(b"PK\x07\x08");
        u32le(v, h.crc);
        u32le(v, h.csize);
        u32le(v, h.usize);
        self.central(&h, off)
    }

    /// Writes the central directory and the end record; returns the bytes.
    pub fn finish(&mut self) -> Vec<u8> {
        self.finish_with(None)
    }

    /// Like `finish`, with a declared directory offset that may lie.
    pub fn finish_with(&mut self, declared_cd_offset: Option<u32>) -> Vec<u8> {
        let cd_off = self.offset();
        let central = std::mem::take(&mut self.central);
        self.out.extend_from_slice(&central);
        let v = &mut self.out;
        v.extend_from_slice(b"PK\x05\x06");
        u16le(v, 0);
        u16le(v, 0);
        u16le(v, self.count.min(0xffff) as u16);
        u16le(v, self.count.min(0xffff) as u16);
        u32le(v, central.len() as u32);
        u32le(v, declared_cd_offset.unwrap_or(cd_off));
        u16le(v, 0);
        self.count = 0;
        std::mem::take(&mut self.out)
    }

    /// Ends the current archive and starts another one in the same file.
    pub fn finish_and_continue(&mut self) {
        let bytes = self.finish();
        self.out = bytes;
    }
}

/// A zip of honest entries.
pub fn zip_of(entries: &[(&str, &[u8])], method: Method) -> Vec<u8> {
    let mut z = ZipWriter::new();
    for (n, d) in entries {
        z.entry(n, d, method);
    }
    z.finish()
}

/// `content` wrapped in `depth` zips, each holding the previous one.
pub fn nest(depth: usize, name: &str, content: &[u8], method: Method) -> Vec<u8> {
    let mut data = content.to_vec();
    let mut inner_name = name.to_string();
    for level in 0..depth {
        data = zip_of(&[(&inner_name, &data)], method);
        inner_name = format!("level{level}.zip");
    }
    data
}

/// A tar header block with the checksum filled in.
pub fn tar_header(name: &str, size: u64, typeflag: u8, link: &str) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name.as_bytes()[..name.len().min(100)]);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = typeflag;
    h[157..157 + link.len().min(100)].copy_from_slice(&link.as_bytes()[..link.len().min(100)]);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn pad(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(512) {
        v.push(0);
    }
}

/// A tar writer.
#[derive(Default)]
pub struct TarWriter {
    pub out: Vec<u8>,
}

impl TarWriter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.out
            .extend(tar_header(name, data.len() as u64, b'0', ""));
        self.out.extend_from_slice(data);
        pad(&mut self.out);
        self
    }
    pub fn link(&mut self, name: &str, target: &str, symlink: bool) -> &mut Self {
        self.out
            .extend(tar_header(name, 0, if symlink { b'2' } else { b'1' }, ""));
        let last = self.out.len() - 512;
        // Rewrite with the link target and a fresh checksum.
        let h = tar_header(name, 0, if symlink { b'2' } else { b'1' }, target);
        self.out[last..].copy_from_slice(&h);
        self
    }
    /// A pax extended header with these records, for the next entry.
    pub fn pax(&mut self, records: &[(&str, &str)]) -> &mut Self {
        self.pax_header(records, b'x')
    }

    /// A pax global header (`g`): its records apply to every entry after
    /// it.
    pub fn pax_global(&mut self, records: &[(&str, &str)]) -> &mut Self {
        self.pax_header(records, b'g')
    }

    fn pax_header(&mut self, records: &[(&str, &str)], flag: u8) -> &mut Self {
        let mut body = Vec::new();
        for (k, v) in records {
            let rest = format!(" {k}={v}\n");
            let mut n = rest.len() + 1;
            while format!("{n}").len() + rest.len() != n {
                n += 1;
            }
            body.extend_from_slice(format!("{n}{rest}").as_bytes());
        }
        self.out
            .extend(tar_header("PaxHeader", body.len() as u64, flag, ""));
        self.out.extend_from_slice(&body);
        pad(&mut self.out);
        self
    }
    /// A GNU long name for the next entry.
    pub fn long_name(&mut self, name: &str) -> &mut Self {
        let mut body = name.as_bytes().to_vec();
        body.push(0);
        self.out
            .extend(tar_header("././@LongLink", body.len() as u64, b'L', ""));
        self.out.extend_from_slice(&body);
        pad(&mut self.out);
        self
    }
    /// A regular-file header whose size field says `declared`, followed by
    /// `data` (the caller decides what the blocks hold).
    pub fn file_declaring(&mut self, name: &str, declared: u64, data: &[u8]) -> &mut Self {
        self.out.extend(tar_header(name, declared, b'0', ""));
        self.out.extend_from_slice(data);
        pad(&mut self.out);
        self
    }
    pub fn finish(&mut self) -> Vec<u8> {
        self.out.extend(vec![0u8; 1024]);
        std::mem::take(&mut self.out)
    }
}

/// A little PE: DOS header, PE signature, COFF and optional headers.
pub fn tiny_pe(dll: bool) -> Vec<u8> {
    let mut b = vec![0u8; 1024];
    b[0..2].copy_from_slice(b"MZ");
    b[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    b[0x80..0x84].copy_from_slice(b"PE\0\0");
    b[0x84..0x86].copy_from_slice(&0x14cu16.to_le_bytes());
    b[0x86..0x88].copy_from_slice(&1u16.to_le_bytes());
    b[0x94..0x96].copy_from_slice(&0xe0u16.to_le_bytes());
    let ch: u16 = 0x0102 | if dll { 0x2000 } else { 0 };
    b[0x96..0x98].copy_from_slice(&ch.to_le_bytes());
    b[0x98..0x9a].copy_from_slice(&0x10bu16.to_le_bytes());
    b[0x98 + 92..0x98 + 96].copy_from_slice(&16u32.to_le_bytes());
    b
}

/// A JFIF header, some picture bytes and the end marker.
pub fn tiny_jpeg() -> Vec<u8> {
    let mut v = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    v.extend(vec![0x55; 200]);
    v.extend_from_slice(&[0xff, 0xd9]);
    v
}

/// A PNG signature and a minimal IHDR.
pub fn tiny_png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&[0, 0, 0, 13]);
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    v.extend_from_slice(&[0x90, 0x77, 0x53, 0xde]);
    v.extend_from_slice(&[0, 0, 0, 0]);
    v.extend_from_slice(b"IEND");
    v.extend_from_slice(&[0xae, 0x42, 0x60, 0x82]);
    v
}

/// A raw deflate stream that inflates to `blocks` MiB of zeros, built from
/// one compressed MiB repeated (so that a bomb costs nothing to make).
pub fn deflate_zeros_mib(blocks: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(8192);
    c.compress_vec(&zeros, &mut block, FlushCompress::Full)
        .unwrap();
    let mut out = Vec::with_capacity(block.len() * blocks + 2);
    for _ in 0..blocks {
        out.extend_from_slice(&block);
    }
    // A final, empty fixed-Huffman block.
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// A 12-byte-header ZipCrypto encryption of `plain`, as a writer makes it.
pub fn zipcrypto(plain: &[u8], password: &str, check: u8) -> Vec<u8> {
    fn crc_byte(crc: u32, b: u8) -> u32 {
        let mut c = (crc ^ b as u32) & 0xff;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        c ^ (crc >> 8)
    }
    let mut k = (0x1234_5678u32, 0x2345_6789u32, 0x3456_7890u32);
    let update = |k: &mut (u32, u32, u32), b: u8| {
        k.0 = crc_byte(k.0, b);
        k.1 =
            k.1.wrapping_add(k.0 & 0xff)
                .wrapping_mul(134_775_813)
                .wrapping_add(1);
        k.2 = crc_byte(k.2, (k.1 >> 24) as u8);
    };
    for b in password.bytes() {
        update(&mut k, b);
    }
    let mut header = [0x5au8; 12];
    header[11] = check;
    header
        .iter()
        .chain(plain)
        .map(|&p| {
            let t = (k.2 | 2) as u16;
            let c = p ^ (t.wrapping_mul(t ^ 1) >> 8) as u8;
            update(&mut k, p);
            c
        })
        .collect()
}

/// Base64 with line breaks every 76 characters, as mail writes it.
pub fn b64(data: &[u8]) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    for (i, c) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.extend_from_slice(b"\r\n");
        }
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            out.push(if k <= c.len() {
                A[(n >> (18 - 6 * k) & 63) as usize]
            } else {
                b'='
            });
        }
    }
    out
}

/// A multipart/mixed mail message of `parts` (headers, body), with the
/// boundary `BB`.
pub fn message(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut m = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: files\r\n\
                  MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n\
                  This is a multi-part message.\r\n"
        .to_vec();
    for (headers, body) in parts {
        m.extend_from_slice(b"--BB\r\n");
        m.extend_from_slice(headers.as_bytes());
        m.extend_from_slice(b"\r\n\r\n");
        m.extend_from_slice(body);
        m.extend_from_slice(b"\r\n");
    }
    m.extend_from_slice(b"--BB--\r\n");
    m
}
