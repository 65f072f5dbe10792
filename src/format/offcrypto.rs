//! Office's encryption ([MS-OFFCRYPTO]) of OOXML documents (a compound
//! file with an `EncryptionInfo` stream, how the key is made, and an
//! `EncryptedPackage` stream, the zip of the document encrypted) and of
//! Excel 97-2003 workbooks (RC4 over the `Workbook` stream's records, its
//! FILEPASS record saying how). Excel saves a workbook that is only
//! protected against editing with the fixed password `VelvetSweatshop`,
//! so it opens without a prompt; the same trick keeps a macro workbook's
//! content from scanners that do not try that password.
//!
//! Agile encryption (version 4.4: an XML descriptor, AES with SHA-1 to
//! SHA-512 and a spin count), Standard encryption (versions 2.2 to 4.2:
//! AES in ECB mode, SHA-1 over 50,000 rounds), and a workbook's RC4 (MD5
//! keys, version 1.1) and RC4 CryptoAPI (SHA-1 keys, versions 2.2 to 4.2)
//! are read; Extensible encryption, XOR obfuscation, CFB chaining and
//! certificate-only keys are not, and what this cannot open stays
//! encrypted. The data integrity HMAC of Agile
//! encryption is not checked: a tampered package decrypts to other bytes,
//! which are scanned as any others.
//!
//! Pure: streams, passwords and bytes, no compound file here. Nothing is
//! sized from the package's declared size; what is produced is bounded by
//! the encrypted stream's length and the caller's cap.

use aes::cipher::{BlockCipherDecrypt, KeyInit};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::pdfcrypt::rc4;
use super::tags::{self, Tag, Tags};

/// The password Excel encrypts a workbook with when it is protected
/// against editing but not secret: every reader opens it without asking.
pub(crate) const VELVET_SWEATSHOP: &str = "VelvetSweatshop";

/// The most spin rounds tried: [MS-OFFCRYPTO] allows 10,000,000, Office
/// writes 100,000. A document that asks for more costs its scan too much
/// per password and stays encrypted.
pub(crate) const MAX_SPIN: u32 = 1_000_000;

/// The spin rounds Office writes.
pub(crate) const OFFICE_SPIN: u32 = 100_000;

/// The rounds of Standard encryption's key derivation.
const STANDARD_SPIN: u32 = 50_000;

/// Agile encryption's segments: each 4096 bytes with an IV of its own.
const SEGMENT: usize = 4096;

/// The block keys of Agile encryption ([MS-OFFCRYPTO] 2.3.4.13).
const BLOCK_VERIFIER_INPUT: [u8; 8] = [0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79];
const BLOCK_VERIFIER_HASH: [u8; 8] = [0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e];
const BLOCK_KEY_VALUE: [u8; 8] = [0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6];

/// Why an `EncryptionInfo` stream is not one this can open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unreadable {
    /// A version this does not read (Extensible encryption, RC4 in a
    /// binary document's stream).
    #[error("encryption version {0}.{1} is not read")]
    Version(u16, u16),
    /// A cipher, chaining or hash other than the ones read.
    #[error("cipher {0} is not read")]
    Cipher(String),
    /// More spin rounds than [`MAX_SPIN`].
    #[error("spin count {0} is over {MAX_SPIN}")]
    Spin(u64),
    /// The stream is cut short or a field is missing.
    #[error("encryption info: {0}")]
    Malformed(&'static str),
}

/// A hash of the key derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn named(name: &str) -> Option<Hash> {
        Some(match name.trim().to_ascii_uppercase().as_str() {
            "MD5" => Hash::Md5,
            "SHA1" | "SHA-1" => Hash::Sha1,
            "SHA256" | "SHA-256" => Hash::Sha256,
            "SHA384" | "SHA-384" => Hash::Sha384,
            "SHA512" | "SHA-512" => Hash::Sha512,
            _ => return None,
        })
    }

    /// The hash of `parts` one after the other.
    fn of(self, parts: &[&[u8]]) -> Vec<u8> {
        fn with<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            Hash::Md5 => with::<Md5>(parts),
            Hash::Sha1 => with::<Sha1>(parts),
            Hash::Sha256 => with::<Sha256>(parts),
            Hash::Sha384 => with::<Sha384>(parts),
            Hash::Sha512 => with::<Sha512>(parts),
        }
    }

    /// H0 = H(salt, password), then Hn = H(n as u32 LE, Hn-1) `rounds`
    /// times: the password hash of both kinds of encryption.
    fn spin(self, salt: &[u8], password: &str, rounds: u32) -> Vec<u8> {
        fn with<D: Digest>(salt: &[u8], password: &[u8], rounds: u32) -> Vec<u8> {
            let mut h = D::new()
                .chain_update(salt)
                .chain_update(password)
                .finalize();
            for i in 0..rounds {
                h = D::new()
                    .chain_update(i.to_le_bytes())
                    .chain_update(&h)
                    .finalize();
            }
            h.to_vec()
        }
        let pw: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
        match self {
            Hash::Md5 => with::<Md5>(salt, &pw, rounds),
            Hash::Sha1 => with::<Sha1>(salt, &pw, rounds),
            Hash::Sha256 => with::<Sha256>(salt, &pw, rounds),
            Hash::Sha384 => with::<Sha384>(salt, &pw, rounds),
            Hash::Sha512 => with::<Sha512>(salt, &pw, rounds),
        }
    }
}

/// AES with a key of 128, 192 or 256 bits.
#[derive(Clone)]
enum Aes {
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
}

impl Aes {
    fn new(key: &[u8]) -> Option<Aes> {
        Some(match key.len() {
            16 => Aes::A128(aes::Aes128::new_from_slice(key).ok()?),
            24 => Aes::A192(aes::Aes192::new_from_slice(key).ok()?),
            32 => Aes::A256(aes::Aes256::new_from_slice(key).ok()?),
            _ => return None,
        })
    }

    fn block(&self, b: &mut aes::Block) {
        match self {
            Aes::A128(c) => c.decrypt_block(b),
            Aes::A192(c) => c.decrypt_block(b),
            Aes::A256(c) => c.decrypt_block(b),
        }
    }

    /// Whole blocks of `data` decrypted into `out`: CBC from `iv`, or ECB
    /// without one. A last partial block is left out.
    fn decrypt(&self, iv: Option<&[u8; 16]>, data: &[u8], out: &mut Vec<u8>) {
        let mut prev = iv.copied();
        for block in data.chunks_exact(16) {
            let mut b = aes::Block::default();
            b.copy_from_slice(block);
            self.block(&mut b);
            match prev.as_mut() {
                Some(p) => {
                    out.extend(b.iter().zip(p.iter()).map(|(x, y)| x ^ y));
                    p.copy_from_slice(block);
                }
                None => out.extend_from_slice(&b),
            }
        }
    }
}

/// `bytes` cut or padded with `fill` to `n` bytes ([MS-OFFCRYPTO]
/// 2.3.4.11-12: keys are padded with 0x36, IVs too).
fn fit(bytes: &[u8], n: usize, fill: u8) -> Vec<u8> {
    let mut v = bytes[..bytes.len().min(n)].to_vec();
    v.resize(n, fill);
    v
}

/// A 16-byte IV from the first bytes of `bytes`, padded with 0x36.
fn iv16(bytes: &[u8]) -> [u8; 16] {
    let mut iv = [0x36u8; 16];
    let n = bytes.len().min(16);
    iv[..n].copy_from_slice(&bytes[..n]);
    iv
}

/// What an `EncryptionInfo` stream says.
#[derive(Debug, Clone)]
pub(crate) enum Info {
    /// Agile encryption.
    Agile(Agile),
    /// Standard encryption.
    Standard(Standard),
}

/// Agile encryption's key data and password key encryptor.
#[derive(Debug, Clone)]
pub(crate) struct Agile {
    /// `keyData`: the package's key size, hash and salt.
    data_hash: Hash,
    data_key_bytes: usize,
    data_salt: Vec<u8>,
    /// `p:encryptedKey`: how the password makes the key that opens the
    /// package's key.
    spin: u32,
    hash: Hash,
    key_bytes: usize,
    salt: Vec<u8>,
    verifier_input: Vec<u8>,
    verifier_hash: Vec<u8>,
    key_value: Vec<u8>,
}

/// Standard encryption's header and verifier.
#[derive(Debug, Clone)]
pub(crate) struct Standard {
    key_bytes: usize,
    salt: Vec<u8>,
    verifier: [u8; 16],
    verifier_hash: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// How a Word 97-2003 (or Word 6/95) document is encrypted, by the flags
/// of the FIB that starts its `WordDocument` stream: `fEncrypted`, and
/// `fObfuscated` for XOR obfuscation rather than RC4. None when it is not.
pub(crate) fn word_encryption(word_document: &[u8]) -> Option<&'static str> {
    let ident = u16_at(word_document, 0)?;
    if ident != 0xa5ec && ident != 0xa5dc {
        return None;
    }
    let flags = u16_at(word_document, 0x0a)?;
    if flags & 0x0100 == 0 {
        return None;
    }
    Some(if flags & 0x8000 != 0 {
        "word-xor"
    } else {
        "word-rc4"
    })
}

/// Whether a PowerPoint 97-2003 document is encrypted, by the header
/// token of the `CurrentUserAtom` in its `Current User` stream
/// ([MS-PPT] 2.3.2: `F3D1C4DF` encrypted, `E391C05F` not).
pub(crate) fn powerpoint_encrypted(current_user: &[u8]) -> bool {
    u32_at(current_user, 12) == Some(0xf3d1_c4df)
}

/// Reads an `EncryptionInfo` stream; `base64` decodes the descriptor's
/// values (the caller's decoder, one for the whole crate).
pub(crate) fn parse(info: &[u8], base64: impl Fn(&[u8]) -> Vec<u8>) -> Result<Info, Unreadable> {
    let short = Unreadable::Malformed("the stream is cut short");
    let (major, minor) = (
        u16_at(info, 0).ok_or(short.clone())?,
        u16_at(info, 2).ok_or(short.clone())?,
    );
    match (major, minor) {
        (4, 4) => agile(info.get(8..).ok_or(short)?, base64).map(Info::Agile),
        (2..=4, 2) => standard(info).map(Info::Standard),
        _ => Err(Unreadable::Version(major, minor)),
    }
}

/// The attributes of Agile encryption's `keyData` and of the first
/// password `encryptedKey` (the one with a `spinCount`).
fn agile(xml: &[u8], base64: impl Fn(&[u8]) -> Vec<u8>) -> Result<Agile, Unreadable> {
    let xml = tags::as_utf8(xml);
    let (mut key_data, mut encrypted_key) = (None, None);
    for tag in Tags::new(&xml) {
        let Tag::Start { name, attrs, .. } = tag else {
            continue;
        };
        if key_data.is_none() && tags::is(name, "keyData") {
            key_data = Some(attrs);
        } else if encrypted_key.is_none()
            && tags::is(name, "encryptedKey")
            && tags::attr(attrs, "spinCount").is_some()
        {
            encrypted_key = Some(attrs);
        }
    }
    let key_data = key_data.ok_or(Unreadable::Malformed("no keyData"))?;
    let encrypted_key = encrypted_key.ok_or(Unreadable::Malformed("no password key encryptor"))?;
    let text = |attrs: &[u8], name: &str| tags::attr(attrs, name).unwrap_or_default();
    let bytes = |attrs: &[u8], name: &str| base64(text(attrs, name).as_bytes());
    let number = |attrs: &[u8], name: &str| text(attrs, name).trim().parse::<u64>().ok();
    // AES in CBC mode only, with a block of 16 and a key of 128 to 256 bits.
    let cipher = |attrs: &[u8]| -> Result<(Hash, usize), Unreadable> {
        let alg = text(attrs, "cipherAlgorithm");
        let chaining = text(attrs, "cipherChaining");
        let hash_name = text(attrs, "hashAlgorithm");
        let bits = number(attrs, "keyBits").unwrap_or(0);
        let block = number(attrs, "blockSize").unwrap_or(16);
        let aes = alg.trim().eq_ignore_ascii_case("AES")
            && chaining.trim().eq_ignore_ascii_case("ChainingModeCBC")
            && block == 16
            && matches!(bits, 128 | 192 | 256);
        let hash = Hash::named(&hash_name)
            .filter(|_| aes)
            .ok_or_else(|| Unreadable::Cipher(format!("{alg} {bits} {chaining} {hash_name}")))?;
        Ok((hash, bits as usize / 8))
    };
    let (data_hash, data_key_bytes) = cipher(key_data)?;
    let (hash, key_bytes) = cipher(encrypted_key)?;
    let spin = number(encrypted_key, "spinCount").unwrap_or(u64::MAX);
    if spin > u64::from(MAX_SPIN) {
        return Err(Unreadable::Spin(spin));
    }
    Ok(Agile {
        data_hash,
        data_key_bytes,
        data_salt: bytes(key_data, "saltValue"),
        spin: spin as u32,
        hash,
        key_bytes,
        salt: bytes(encrypted_key, "saltValue"),
        verifier_input: bytes(encrypted_key, "encryptedVerifierHashInput"),
        verifier_hash: bytes(encrypted_key, "encryptedVerifierHashValue"),
        key_value: bytes(encrypted_key, "encryptedKeyValue"),
    })
}

/// Standard encryption's `EncryptionHeader` and `EncryptionVerifier`.
fn standard(info: &[u8]) -> Result<Standard, Unreadable> {
    let short = Unreadable::Malformed("the stream is cut short");
    let flags = u32_at(info, 4).ok_or(short.clone())?;
    let header_size = u32_at(info, 8).ok_or(short.clone())? as usize;
    let header = info
        .get(12..12usize.saturating_add(header_size))
        .filter(|h| h.len() >= 32)
        .ok_or(short.clone())?;
    let alg_id = u32_at(header, 8).ok_or(short.clone())?;
    let hash_id = u32_at(header, 12).ok_or(short.clone())?;
    let key_bits = u32_at(header, 16).ok_or(short.clone())?;
    // fCryptoAPI and fAES set, fExternal not; AES-128 to 256 (an algID of
    // 0 with fAES is AES-128), SHA-1.
    let aes_flag = flags & 0x24 == 0x24 && flags & 0x10 == 0;
    let alg_ok = matches!(alg_id, 0x660e..=0x6610) || alg_id == 0;
    let key_ok = match alg_id {
        0x660e | 0 => key_bits == 128,
        0x660f => key_bits == 192,
        _ => key_bits == 256,
    };
    if !(aes_flag && alg_ok && key_ok && matches!(hash_id, 0 | 0x8004)) {
        return Err(Unreadable::Cipher(format!(
            "flags {flags:#x} algID {alg_id:#x} algIDHash {hash_id:#x} keySize {key_bits}"
        )));
    }
    let v = &info[12 + header_size..];
    let salt_size = u32_at(v, 0).ok_or(short.clone())? as usize;
    if salt_size != 16 {
        return Err(Unreadable::Malformed(
            "a verifier salt that is not 16 bytes",
        ));
    }
    let salt = v.get(4..20).ok_or(short.clone())?.to_vec();
    let verifier: [u8; 16] = v
        .get(20..36)
        .and_then(|s| s.try_into().ok())
        .ok_or(short.clone())?;
    let verifier_hash = v.get(40..72).ok_or(short)?.to_vec();
    Ok(Standard {
        key_bytes: key_bits as usize / 8,
        salt,
        verifier,
        verifier_hash,
    })
}

impl Info {
    /// The method as findings name it.
    pub(crate) fn method(&self) -> &'static str {
        match self {
            Info::Agile(_) => "office-agile",
            Info::Standard(_) => "office-standard",
        }
    }

    /// The hash rounds each password tried costs.
    pub(crate) fn rounds(&self) -> u32 {
        match self {
            Info::Agile(a) => a.spin,
            Info::Standard(_) => STANDARD_SPIN,
        }
    }

    /// The package's key, when `password` is the document's.
    pub(crate) fn open(&self, password: &str) -> Option<Key> {
        match self {
            Info::Agile(a) => a.open(password),
            Info::Standard(s) => s.open(password),
        }
    }
}

impl Agile {
    fn open(&self, password: &str) -> Option<Key> {
        let h = self.hash.spin(&self.salt, password, self.spin);
        let key = |block: &[u8]| {
            let k = self.hash.of(&[&h, block]);
            Aes::new(&fit(&k, self.key_bytes, 0x36))
        };
        let iv = iv16(&self.salt);
        let mut input = Vec::new();
        key(&BLOCK_VERIFIER_INPUT)?.decrypt(Some(&iv), &self.verifier_input, &mut input);
        let mut hash = Vec::new();
        key(&BLOCK_VERIFIER_HASH)?.decrypt(Some(&iv), &self.verifier_hash, &mut hash);
        let expected = self.hash.of(&[input.get(..self.salt.len())?]);
        if hash.get(..expected.len())? != expected.as_slice() {
            return None;
        }
        let mut secret = Vec::new();
        key(&BLOCK_KEY_VALUE)?.decrypt(Some(&iv), &self.key_value, &mut secret);
        let aes = Aes::new(secret.get(..self.data_key_bytes)?)?;
        Some(Key {
            aes,
            segments: Some((self.data_hash, self.data_salt.clone())),
        })
    }
}

impl Standard {
    fn open(&self, password: &str) -> Option<Key> {
        let h = Hash::Sha1.spin(&self.salt, password, STANDARD_SPIN);
        let h = Hash::Sha1.of(&[&h, &0u32.to_le_bytes()]);
        let derive = |pad: u8| {
            let mut buf = [pad; 64];
            for (b, x) in buf.iter_mut().zip(&h) {
                *b ^= x;
            }
            Hash::Sha1.of(&[&buf])
        };
        let mut key = derive(0x36);
        key.extend(derive(0x5c));
        let aes = Aes::new(&key[..self.key_bytes])?;
        let mut verifier = Vec::new();
        aes.decrypt(None, &self.verifier, &mut verifier);
        let mut hash = Vec::new();
        aes.decrypt(None, &self.verifier_hash, &mut hash);
        (hash.get(..20)? == Hash::Sha1.of(&[&verifier]).as_slice()).then_some(Key {
            aes,
            segments: None,
        })
    }
}

/// The key of one document's package.
pub(crate) struct Key {
    aes: Aes,
    /// Agile encryption's segments: the hash and salt of their IVs. None
    /// for Standard encryption (ECB).
    segments: Option<(Hash, Vec<u8>)>,
}

/// What decrypting a package gave beside its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decrypted {
    /// The package declares more bytes than it holds.
    pub truncated: bool,
    /// The output reached the caller's cap.
    pub capped: bool,
}

impl Key {
    /// Decrypts an `EncryptedPackage` stream (its size, then the
    /// encrypted zip) into `out`, at most `cap` bytes.
    pub(crate) fn decrypt(&self, package: &[u8], out: &mut Vec<u8>, cap: usize) -> Decrypted {
        let declared = package
            .get(..8)
            .map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])));
        let body = package.get(8..).unwrap_or_default();
        let want = usize::try_from(declared).unwrap_or(usize::MAX);
        let limit = want.min(cap);
        let start = out.len();
        match &self.segments {
            Some((hash, salt)) => {
                for (i, seg) in body.chunks(SEGMENT).enumerate() {
                    if out.len() - start >= limit {
                        break;
                    }
                    let iv = iv16(&hash.of(&[salt, &(i as u32).to_le_bytes()]));
                    self.aes.decrypt(Some(&iv), seg, out);
                }
            }
            None => {
                let n = body.len().min(limit.saturating_add(15) / 16 * 16);
                self.aes.decrypt(None, &body[..n - n % 16], out);
            }
        }
        let got = out.len() - start;
        out.truncate(start + got.min(limit));
        Decrypted {
            truncated: got < want && got < cap,
            capped: want > cap && got >= cap,
        }
    }
}

/// How an Excel 97-2003 workbook is encrypted: the FILEPASS record's
/// RC4 encryption header.
#[derive(Debug, Clone)]
pub(crate) struct Workbook {
    /// RC4 CryptoAPI (SHA-1) with a key of this many bits, or plain RC4
    /// (MD5, 128 bits) when None.
    crypto_api_bits: Option<u32>,
    salt: Vec<u8>,
    verifier: Vec<u8>,
    verifier_hash: Vec<u8>,
}

/// The bytes of a workbook's keystream per key ([MS-OFFCRYPTO] 2.3.6.4,
/// 2.3.5.2): the key changes every 1,024 bytes of the stream.
pub(crate) const WORKBOOK_BLOCK: usize = 1024;

/// Reads a FILEPASS record's data (after its record header).
pub(crate) fn workbook(filepass: &[u8]) -> Result<Workbook, Unreadable> {
    let short = Unreadable::Malformed("the FILEPASS record is cut short");
    match u16_at(filepass, 0).ok_or(short.clone())? {
        0 => return Err(Unreadable::Cipher("XOR obfuscation".into())),
        1 => {}
        t => return Err(Unreadable::Cipher(format!("encryption type {t}"))),
    }
    let major = u16_at(filepass, 2).ok_or(short.clone())?;
    let minor = u16_at(filepass, 4).ok_or(short.clone())?;
    let field = |at: usize, n: usize| filepass.get(at..at + n).map(<[u8]>::to_vec);
    match (major, minor) {
        (1, 1) => Ok(Workbook {
            crypto_api_bits: None,
            salt: field(6, 16).ok_or(short.clone())?,
            verifier: field(22, 16).ok_or(short.clone())?,
            verifier_hash: field(38, 16).ok_or(short)?,
        }),
        (2..=4, 2) => {
            let header_size = u32_at(filepass, 10).ok_or(short.clone())? as usize;
            let header = filepass
                .get(14..14usize.saturating_add(header_size))
                .ok_or(short.clone())?;
            let alg_id = u32_at(header, 8).ok_or(short.clone())?;
            let bits = match u32_at(header, 16).ok_or(short.clone())? {
                0 => 40,
                b => b,
            };
            if !matches!(alg_id, 0 | 0x6801) || bits % 8 != 0 || !(40..=128).contains(&bits) {
                return Err(Unreadable::Cipher(format!(
                    "RC4 CryptoAPI algID {alg_id:#x} keySize {bits}"
                )));
            }
            let v = 14 + header_size;
            if u32_at(filepass, v) != Some(16) {
                return Err(Unreadable::Malformed(
                    "a verifier salt that is not 16 bytes",
                ));
            }
            Ok(Workbook {
                crypto_api_bits: Some(bits),
                salt: field(v + 4, 16).ok_or(short.clone())?,
                verifier: field(v + 20, 16).ok_or(short.clone())?,
                verifier_hash: field(v + 40, 20).ok_or(short)?,
            })
        }
        _ => Err(Unreadable::Version(major, minor)),
    }
}

impl Workbook {
    /// The method as findings name it.
    pub(crate) fn method(&self) -> &'static str {
        match self.crypto_api_bits {
            Some(_) => "biff8-rc4-cryptoapi",
            None => "biff8-rc4",
        }
    }

    /// The workbook's key, when `password` is its password.
    pub(crate) fn open(&self, password: &str) -> Option<WorkbookKey> {
        let pw: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let key = match self.crypto_api_bits {
            Some(bits) => WorkbookKey {
                base: Hash::Sha1.of(&[&self.salt, &pw]),
                bits: Some(bits),
            },
            None => {
                let h0 = Hash::Md5.of(&[&pw]);
                let mut buf = Vec::with_capacity(16 * 21);
                for _ in 0..16 {
                    buf.extend_from_slice(&h0[..5]);
                    buf.extend_from_slice(&self.salt);
                }
                WorkbookKey {
                    base: Hash::Md5.of(&[&buf])[..5].to_vec(),
                    bits: None,
                }
            }
        };
        // The verifier and its hash, one RC4 stream of block 0.
        let mut both = self.verifier.clone();
        both.extend_from_slice(&self.verifier_hash);
        let plain = rc4(&key.block_key(0), &both);
        let (verifier, hash) = plain.split_at(16);
        let expected = match key.bits {
            Some(_) => Hash::Sha1.of(&[verifier]),
            None => Hash::Md5.of(&[verifier]),
        };
        (hash == expected.as_slice()).then_some(key)
    }
}

/// The key of one workbook's stream.
pub(crate) struct WorkbookKey {
    /// H0 (CryptoAPI) or the first five bytes of H1 (RC4).
    base: Vec<u8>,
    bits: Option<u32>,
}

impl WorkbookKey {
    fn block_key(&self, block: u32) -> Vec<u8> {
        match self.bits {
            Some(bits) => {
                let h = Hash::Sha1.of(&[&self.base, &block.to_le_bytes()]);
                // A 40-bit key is used as 128 bits, the rest zero.
                if bits == 40 {
                    fit(&h[..5], 16, 0)
                } else {
                    h[..bits as usize / 8].to_vec()
                }
            }
            None => Hash::Md5.of(&[&self.base, &block.to_le_bytes()]),
        }
    }

    /// The keystream of block `n` (stream bytes `n * 1024` on).
    pub(crate) fn keystream(&self, block: u32) -> Vec<u8> {
        rc4(&self.block_key(block), &[0; WORKBOOK_BLOCK])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aes::cipher::BlockCipherEncrypt;

    fn b64(s: &[u8]) -> Vec<u8> {
        crate::unpack::decode::base64(s)
    }

    #[test]
    fn versions_not_read_are_named() {
        assert_eq!(
            parse(&[3, 0, 3, 0, 0, 0, 0, 0], b64).unwrap_err(),
            Unreadable::Version(3, 3)
        );
        assert_eq!(
            parse(&[4, 0], b64).unwrap_err(),
            Unreadable::Malformed("the stream is cut short")
        );
    }

    #[test]
    fn a_spin_count_over_the_cap_is_not_run() {
        let xml = format!(
            "<encryption><keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"128\" \
             cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA1\" \
             saltValue=\"AAAAAAAAAAAAAAAAAAAAAA==\"/><keyEncryptors><keyEncryptor>\
             <x:encryptedKey spinCount=\"{}\" blockSize=\"16\" keyBits=\"128\" \
             cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA1\"/>\
             </keyEncryptor></keyEncryptors></encryption>",
            MAX_SPIN as u64 + 1
        );
        let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0];
        info.extend_from_slice(xml.as_bytes());
        assert_eq!(
            parse(&info, b64).unwrap_err(),
            Unreadable::Spin(MAX_SPIN as u64 + 1)
        );
        // Within the cap: read, and its cost per password is said.
        let within = xml.replace(&format!("\"{}\"", MAX_SPIN as u64 + 1), "\"200000\"");
        let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0];
        info.extend_from_slice(within.as_bytes());
        assert_eq!(parse(&info, b64).unwrap().rounds(), 200_000);
        let cfb = xml.replace("ChainingModeCBC", "ChainingModeCFB");
        let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0];
        info.extend_from_slice(cfb.as_bytes());
        assert!(matches!(parse(&info, b64), Err(Unreadable::Cipher(_))));
    }

    /// Standard encryption made here, as Office 2007 writes it: the
    /// verifier and the package encrypted with the key the password makes.
    fn standard_fixture(password: &str, plain: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let salt = [7u8; 16];
        let s = Standard {
            key_bytes: 16,
            salt: salt.to_vec(),
            verifier: [0; 16],
            verifier_hash: Vec::new(),
        };
        // The key derivation of `open`, repeated to encrypt.
        let h = Hash::Sha1.spin(&salt, password, STANDARD_SPIN);
        let h = Hash::Sha1.of(&[&h, &0u32.to_le_bytes()]);
        let mut buf = [0x36u8; 64];
        for (b, x) in buf.iter_mut().zip(&h) {
            *b ^= x;
        }
        let key = Hash::Sha1.of(&[&buf]);
        let c = aes::Aes128::new_from_slice(&key[..s.key_bytes]).unwrap();
        let enc = |data: &[u8]| {
            let mut out = Vec::new();
            for block in data.chunks(16) {
                let mut b = aes::Block::default();
                b[..block.len()].copy_from_slice(block);
                c.encrypt_block(&mut b);
                out.extend_from_slice(&b);
            }
            out
        };
        let verifier = *b"sixteen byte vrf";
        let mut hash = Hash::Sha1.of(&[&verifier]);
        hash.resize(32, 0);
        let mut info = vec![3, 0, 2, 0, 0x24, 0, 0, 0];
        let mut header = Vec::new();
        for v in [0x24u32, 0, 0x660e, 0x8004, 128, 0x18, 0, 0] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend(
            "Microsoft Enhanced RSA and AES Cryptographic Provider\0"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        info.extend_from_slice(&(header.len() as u32).to_le_bytes());
        info.extend_from_slice(&header);
        info.extend_from_slice(&16u32.to_le_bytes());
        info.extend_from_slice(&salt);
        info.extend_from_slice(&enc(&verifier));
        info.extend_from_slice(&20u32.to_le_bytes());
        info.extend_from_slice(&enc(&hash));
        let mut package = (plain.len() as u64).to_le_bytes().to_vec();
        package.extend(enc(plain));
        (info, package)
    }

    #[test]
    fn encryption_info_cut_anywhere_is_read_without_panic() {
        let (info, package) = standard_fixture("x", b"0123456789abcdef0123");
        for n in 0..info.len() {
            if let Ok(i) = parse(&info[..n], b64) {
                let _ = i.open("x");
            }
        }
        let key = parse(&info, b64).unwrap().open("x").unwrap();
        for n in 0..package.len() {
            let mut out = Vec::new();
            let _ = key.decrypt(&package[..n], &mut out, usize::MAX);
            assert!(out.len() <= n.saturating_sub(8));
        }
    }

    #[test]
    fn standard_encryption_opens_with_its_password_only() {
        let plain = b"PK\x03\x04 a package of some length, not a multiple of sixteen";
        let (info, package) = standard_fixture("VelvetSweatshop", plain);
        let parsed = parse(&info, b64).unwrap();
        assert_eq!(parsed.method(), "office-standard");
        assert_eq!(parsed.rounds(), STANDARD_SPIN);
        assert!(parsed.open("another").is_none());
        let key = parsed.open("VelvetSweatshop").unwrap();
        let mut out = Vec::new();
        let d = key.decrypt(&package, &mut out, usize::MAX);
        assert_eq!(out, plain);
        assert!(!d.truncated && !d.capped);
        // Cut short: what is there, and said so.
        let mut out = Vec::new();
        let d = key.decrypt(&package[..8 + 32], &mut out, usize::MAX);
        assert_eq!(out, plain[..32]);
        assert!(d.truncated);
        // Capped: the cap, and said so.
        let mut out = Vec::new();
        let d = key.decrypt(&package, &mut out, 10);
        assert_eq!(out, plain[..10]);
        assert!(d.capped && !d.truncated);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn standard_key_derivation_known_answer() {
        // msoffcrypto-tool's own example of Standard encryption's key
        // derivation and verifier (ECMA376Standard's doctests).
        let s = Standard {
            key_bytes: 16,
            salt: hex("e88266490c5bd1eebd2b4394e3f830ef"),
            verifier: hex("516f732e966fac17b1c5d7d8cc36c928").try_into().unwrap(),
            verifier_hash: hex("2b6168dabe2911ad2bd37c1746745c14d3cf1bb140a48f4e6f3d23880872b16a"),
        };
        assert!(s.open("Password1234_").is_some());
        assert!(s.open("Password1234").is_none());
    }

    #[test]
    fn workbook_rc4_known_answer() {
        // msoffcrypto-tool's example of RC4 (version 1.1) keys.
        let mut filepass = vec![1, 0, 1, 0, 1, 0];
        filepass.extend(hex("e8772c1d91c56a37964761b280183217"));
        filepass.extend(hex("c9e997d454973d310bb1ba701426837e"));
        filepass.extend(hex("b1de178f07e989c44dae5e4cf96ac407"));
        let w = workbook(&filepass).unwrap();
        assert_eq!(w.method(), "biff8-rc4");
        assert!(w.open("password2").is_none());
        let key = w.open("password1").unwrap();
        assert_eq!(key.block_key(0), hex("20bf32ddf540858c513744af0f24e03c"));
    }

    /// A FILEPASS record's data for RC4 CryptoAPI with a key of `bits`,
    /// salt 0..16, and this encrypted verifier and hash.
    pub(crate) fn filepass_cryptoapi(bits: u32, verifier_and_hash: &[u8]) -> Vec<u8> {
        let mut d = vec![1, 0, 4, 0, 2, 0];
        d.extend_from_slice(&0x04u32.to_le_bytes());
        let mut header = Vec::new();
        for v in [0x04u32, 0, 0x6801, 0x8004, bits, 1, 0, 0] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend(
            "Microsoft Base Cryptographic Provider v1.0\0"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        d.extend_from_slice(&(header.len() as u32).to_le_bytes());
        d.extend_from_slice(&header);
        d.extend_from_slice(&16u32.to_le_bytes());
        d.extend((0u8..16).collect::<Vec<_>>());
        d.extend_from_slice(&verifier_and_hash[..16]);
        d.extend_from_slice(&20u32.to_le_bytes());
        d.extend_from_slice(&verifier_and_hash[16..]);
        d
    }

    /// RC4 CryptoAPI verifiers made by msoffcrypto-tool's key derivation
    /// and the `cryptography` package's RC4, for VelvetSweatshop and the
    /// salt 0..16, with the keystream of block 1.
    pub(crate) const CRYPTOAPI_128: (&str, &str) = (
        "b728bc86d41cd89a653f73c38fe8190c63272e6d4826a94902f511d7a1a8154e7a1cfd32",
        "6b6bdf7ab764b749",
    );
    const CRYPTOAPI_40: (&str, &str) = (
        "df7e6c9c19b959cf9569c4352cfa96b2c266e9b0f67a2f72931d11ed66acdb6d07e1fc72",
        "31280077d72046e1",
    );

    #[test]
    fn workbook_rc4_cryptoapi_known_answers() {
        for (bits, (verifier, block1)) in [(128, CRYPTOAPI_128), (40, CRYPTOAPI_40)] {
            let w = workbook(&filepass_cryptoapi(bits, &hex(verifier))).unwrap();
            assert_eq!(w.method(), "biff8-rc4-cryptoapi");
            assert!(w.open("velvetsweatshop").is_none());
            let key = w.open(VELVET_SWEATSHOP).unwrap();
            assert_eq!(key.keystream(1)[..8], hex(block1)[..], "{bits} bits");
        }
    }

    #[test]
    fn workbook_encryption_not_read_is_named() {
        assert!(matches!(
            workbook(&[0, 0, 1, 2, 3, 4]),
            Err(Unreadable::Cipher(_))
        ));
        assert_eq!(
            workbook(&[1, 0, 3, 0, 3, 0]).unwrap_err(),
            Unreadable::Version(3, 3)
        );
        let mut rc2 = filepass_cryptoapi(128, &hex(CRYPTOAPI_128.0));
        rc2[14 + 8..14 + 12].copy_from_slice(&0x6602u32.to_le_bytes());
        assert!(matches!(workbook(&rc2), Err(Unreadable::Cipher(_))));
        for n in 0..rc2.len() {
            let _ = workbook(&rc2[..n]);
        }
    }

    #[test]
    fn a_declared_size_is_not_believed() {
        let (info, mut package) = standard_fixture("x", b"0123456789abcdef");
        package[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        let key = parse(&info, b64).unwrap().open("x").unwrap();
        let mut out = Vec::new();
        let d = key.decrypt(&package, &mut out, 1 << 20);
        assert_eq!(out, b"0123456789abcdef");
        assert!(d.truncated && !d.capped);
    }
}
