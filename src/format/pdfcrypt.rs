//! PDF's standard security handler, for documents that open without a
//! password: most encrypted PDFs have an empty user password (the owner
//! password only restricts printing or copying), so every reader opens
//! them at once, and so does this one. Malware uses the same encryption to
//! keep its JavaScript and embedded files from scanners that do not.
//!
//! Revisions 2 to 4 (RC4 of 40 to 128 bits, AES-128: PDF 1.7, algorithms
//! 1, 2, 4 and 5) and 5 and 6 (AES-256: ISO 32000-2, algorithms 2.A and
//! 2.B) are read. The key is derived and the empty password checked
//! against `/U`, then the candidate passwords the caller has (one that
//! the mail carrying the document names); a document that none opens is
//! left encrypted. Pure: keys and bytes, no PDF syntax here.

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use md5::{Digest, Md5};
use sha2::{Sha256, Sha384, Sha512};

/// The padding of passwords, and the user password `""` padded.
const PAD: [u8; 32] = [
    0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
    0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
];

/// How strings or streams are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Not at all (a crypt filter `/Identity`, or no `/StmF`).
    Identity,
    /// RC4 with a key per object.
    Rc4,
    /// AES-128 in CBC mode with a key per object.
    Aes128,
    /// AES-256 in CBC mode with the file's key.
    Aes256,
}

/// What the encryption dictionary and the trailer's `/ID` say.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    /// `/V`.
    pub v: i64,
    /// `/R`.
    pub r: i64,
    /// `/Length` in bits (40 when absent).
    pub length_bits: i64,
    /// `/O`, `/U`, `/UE`.
    pub o: Vec<u8>,
    pub u: Vec<u8>,
    pub ue: Vec<u8>,
    /// `/P`.
    pub p: i64,
    /// The first string of the trailer's `/ID`.
    pub id0: Vec<u8>,
    /// `/EncryptMetadata` (true when absent).
    pub encrypt_metadata: bool,
    /// The methods of streams and strings (`/StmF`, `/StrF` through
    /// `/CF`, for `/V` 4 and 5; RC4 below).
    pub streams: Option<Method>,
    pub strings: Option<Method>,
    /// The method of embedded files (`/EFF`; the streams' when absent).
    pub files: Option<Method>,
    /// Every crypt filter `/CF` defines with a method this reads, by
    /// name: a stream may name one in its own `/Filter` chain.
    pub filters: Vec<(Vec<u8>, Method)>,
}

/// The file's key and methods, once a user password opened it.
#[derive(Debug, Clone)]
pub(crate) struct Crypt {
    key: Vec<u8>,
    streams: Method,
    strings: Method,
    files: Method,
    filters: Vec<(Vec<u8>, Method)>,
    /// Whether the metadata stream is encrypted.
    pub encrypt_metadata: bool,
}

impl Crypt {
    /// The key of a document whose user password is `password` (empty for
    /// most); `None` when it needs another password, or the dictionary is
    /// not one this reads.
    pub(crate) fn open(p: &Params, password: &[u8]) -> Option<Crypt> {
        let default = if p.v >= 4 { None } else { Some(Method::Rc4) };
        let streams = p.streams.or(default)?;
        let strings = p.strings.or(default)?;
        let key = match p.r {
            2..=4 => {
                let n = if p.r == 2 {
                    5
                } else {
                    usize::try_from(p.length_bits / 8).ok()?.clamp(5, 16)
                };
                let key = key_r2_to_r4(p, n, password);
                let ok = if p.r == 2 {
                    p.u.get(..32)? == rc4(&key, &PAD)
                } else {
                    let mut h = Md5::new();
                    h.update(PAD);
                    h.update(&p.id0);
                    let mut x = h.finalize().to_vec();
                    for i in 0..20u8 {
                        let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
                        x = rc4(&k, &x);
                    }
                    p.u.get(..16)? == &x[..]
                };
                ok.then_some(key)?
            }
            5 | 6 => key_aes256(p, password)?,
            _ => return None,
        };
        Some(Crypt {
            key,
            streams,
            strings,
            files: p.files.unwrap_or(streams),
            filters: p.filters.clone(),
            encrypt_metadata: p.encrypt_metadata,
        })
    }

    /// A stream's bytes of object `num` generation `generation`, decrypted
    /// (never longer than they were).
    pub(crate) fn stream(&self, num: u32, generation: u32, data: &[u8]) -> Vec<u8> {
        self.decrypt(self.streams, num, generation, data)
    }

    /// An embedded file's bytes, decrypted by `/EFF`'s method.
    pub(crate) fn embedded_file(&self, num: u32, generation: u32, data: &[u8]) -> Vec<u8> {
        self.decrypt(self.files, num, generation, data)
    }

    /// A stream's bytes decrypted by the crypt filter its own `/Filter`
    /// chain names (`Identity` is no encryption); `None` for a name that
    /// `/CF` does not define with a method this reads.
    pub(crate) fn stream_by_filter(
        &self,
        name: &[u8],
        num: u32,
        generation: u32,
        data: &[u8],
    ) -> Option<Vec<u8>> {
        let method = if name == b"Identity" {
            Method::Identity
        } else {
            self.filters.iter().find(|(n, _)| n == name)?.1
        };
        Some(self.decrypt(method, num, generation, data))
    }

    /// A string's bytes, decrypted.
    pub(crate) fn string(&self, num: u32, generation: u32, data: &[u8]) -> Vec<u8> {
        self.decrypt(self.strings, num, generation, data)
    }

    fn decrypt(&self, method: Method, num: u32, generation: u32, data: &[u8]) -> Vec<u8> {
        match method {
            Method::Identity => data.to_vec(),
            Method::Aes256 => aes_cbc(&self.key, data),
            Method::Rc4 | Method::Aes128 => {
                // Algorithm 1: the file's key, the object's number and
                // generation (and `sAlT` for AES), through MD5.
                let mut h = Md5::new();
                h.update(&self.key);
                h.update(&num.to_le_bytes()[..3]);
                h.update(&generation.to_le_bytes()[..2]);
                if method == Method::Aes128 {
                    h.update(b"sAlT");
                }
                let k = h.finalize();
                let k = &k[..(self.key.len() + 5).min(16)];
                if method == Method::Rc4 {
                    rc4(k, data)
                } else {
                    aes_cbc(k, data)
                }
            }
        }
    }
}

/// Algorithm 2: the key of revisions 2 to 4 for `password`, `n` bytes
/// long. The password is cut or padded to 32 bytes with [`PAD`]
/// (Latin-1 in the standard; a UTF-8 password is taken as its bytes, as
/// most writers do).
fn key_r2_to_r4(p: &Params, n: usize, password: &[u8]) -> Vec<u8> {
    let password = &password[..password.len().min(32)];
    let mut h = Md5::new();
    h.update(password);
    h.update(&PAD[..32 - password.len()]);
    h.update(&p.o[..p.o.len().min(32)]);
    h.update((p.p as u32).to_le_bytes());
    h.update(&p.id0);
    if p.r >= 4 && !p.encrypt_metadata {
        h.update([0xff; 4]);
    }
    let mut key = h.finalize().to_vec();
    if p.r >= 3 {
        for _ in 0..50 {
            key = Md5::digest(&key[..n]).to_vec();
        }
    }
    key.truncate(n);
    key
}

/// Algorithm 2.A for a user password (UTF-8, at most 127 bytes; the
/// standard's SASLprep leaves ASCII as it is): `/U`'s hash checked with
/// its validation salt, then `/UE` decrypted with the key its key salt
/// makes.
fn key_aes256(p: &Params, password: &[u8]) -> Option<Vec<u8>> {
    let password = &password[..password.len().min(127)];
    let u = p.u.get(..48)?;
    let (hash, validation, key_salt) = (&u[..32], &u[32..40], &u[40..48]);
    if hash_2b(p.r, password, validation) != hash {
        return None;
    }
    let intermediate = hash_2b(p.r, password, key_salt);
    let ue = p.ue.get(..32)?;
    // AES-256 without padding and with a zero IV: block by block.
    let cipher = aes::Aes256::new_from_slice(&intermediate).ok()?;
    let mut key = Vec::with_capacity(32);
    let mut prev = [0u8; 16];
    for block in ue.chunks_exact(16) {
        let mut b = aes::Block::try_from(block).ok()?;
        cipher.decrypt_block(&mut b);
        key.extend(b.iter().zip(prev).map(|(x, y)| x ^ y));
        prev.copy_from_slice(block);
    }
    Some(key)
}

/// Algorithm 2.B (revision 6; revision 5's is one SHA-256) for a user
/// password (no user key data): 32 bytes.
fn hash_2b(r: i64, password: &[u8], salt: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(password);
    h.update(salt);
    let mut k = h.finalize().to_vec();
    if r == 5 {
        return k;
    }
    // At least 64 rounds, then until the last byte of E is at most the
    // number of rounds done less 32.
    let mut rounds = 0u32;
    let mut last = 0u32;
    while rounds < 64 || last > rounds - 32 {
        // K1: the password and K, repeated 64 times.
        let k1 = [password, &k].concat().repeat(64);
        let e = aes_cbc_encrypt(&k[..16], &k[16..32], &k1);
        let sum: u32 = e[..16].iter().map(|&b| u32::from(b)).sum();
        k = match sum % 3 {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        last = u32::from(*e.last().unwrap_or(&0));
        rounds += 1;
    }
    k.truncate(32);
    k
}

/// AES-128 CBC encryption without padding (`data` a whole number of
/// blocks), for algorithm 2.B.
fn aes_cbc_encrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Vec<u8> {
    let Ok(cipher) = aes::Aes128::new_from_slice(key) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(data.len());
    let mut prev: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
    for block in data.chunks_exact(16) {
        let mut b = aes::Block::default();
        for (i, x) in b.iter_mut().enumerate() {
            *x = block[i] ^ prev[i];
        }
        cipher.encrypt_block(&mut b);
        prev.copy_from_slice(&b);
        out.extend_from_slice(&b);
    }
    out
}

/// AES in CBC mode (a 16- or 32-byte key) with the IV in the first block,
/// PKCS #7 padding removed when it is there; a last partial block is
/// dropped, as readers do.
fn aes_cbc(key: &[u8], data: &[u8]) -> Vec<u8> {
    let Some((iv, body)) = data.split_first_chunk::<16>() else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(body.len());
    let mut prev = *iv;
    let mut run = |dec: &dyn Fn(&mut aes::Block)| {
        for block in body.chunks_exact(16) {
            let mut b = aes::Block::default();
            b.copy_from_slice(block);
            dec(&mut b);
            out.extend(b.iter().zip(prev).map(|(x, y)| x ^ y));
            prev.copy_from_slice(block);
        }
    };
    if key.len() == 32 {
        if let Ok(c) = aes::Aes256::new_from_slice(key) {
            run(&|b| c.decrypt_block(b));
        }
    } else if let Ok(c) = aes::Aes128::new_from_slice(key) {
        run(&|b| c.decrypt_block(b));
    }
    if let Some(&pad) = out.last()
        && (1..=16).contains(&pad)
        && out.len() >= usize::from(pad)
        && out[out.len() - usize::from(pad)..]
            .iter()
            .all(|&b| b == pad)
    {
        out.truncate(out.len() - usize::from(pad));
    }
    out
}

/// RC4 (the cipher of revisions 2 to 4, and of Excel 97-2003's
/// encryption in `offcrypto`).
pub(crate) fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    if key.is_empty() {
        return data.to_vec();
    }
    let mut s: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|&b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[usize::from(i)]);
            s.swap(usize::from(i), usize::from(j));
            b ^ s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc4_known_answer() {
        // RFC 6229's first key, the first bytes of its key stream.
        let ks = rc4(&[1, 2, 3, 4, 5], &[0; 8]);
        assert_eq!(ks, [0xb2, 0x39, 0x63, 0x05, 0xf0, 0x3d, 0xc0, 0x27]);
    }

    #[test]
    fn aes_cbc_round_trip_and_padding() {
        let key = [7u8; 16];
        let iv = [9u8; 16];
        let plain =
            b"sixteen byte msg\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10";
        let enc = aes_cbc_encrypt(&key, &iv, plain);
        let data = [&iv[..], &enc].concat();
        assert_eq!(aes_cbc(&key, &data), b"sixteen byte msg");
        // Too short for an IV; a cut last block.
        assert!(aes_cbc(&key, &[1; 15]).is_empty());
        assert_eq!(aes_cbc(&key, &data[..data.len() - 3]).len(), 16);
    }

    #[test]
    fn another_user_password_is_not_opened() {
        let p = Params {
            v: 2,
            r: 3,
            length_bits: 128,
            o: vec![0; 32],
            u: vec![0; 32],
            id0: b"id".to_vec(),
            encrypt_metadata: true,
            ..Params::default()
        };
        assert!(Crypt::open(&p, b"").is_none());
        assert!(Crypt::open(&Params { r: 6, ..p.clone() }, b"").is_none());
        assert!(Crypt::open(&Params { r: 9, ..p }, b"").is_none());
    }
}
