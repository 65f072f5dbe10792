//! A RAR 4 and RAR 5 writer of stored entries (method 0), with the CRCs
//! right, for the RAR tests and the fuzz seeds. No RAR writer is in Debian,
//! and stored entries are what unrar itself extracts byte for byte. The
//! flags a test needs (encrypted entries or headers, volumes, entries
//! continued into the next volume) are set as a writer sets them; the
//! bytes of an "encrypted" entry are not really encrypted, which the reader
//! has no way to know.

#![allow(dead_code)]

/// How an archive is written.
#[derive(Clone, Copy, Default)]
pub struct RarOptions {
    /// A volume of a multi-volume set (the first).
    pub volume: bool,
    /// The last entry goes on in the next volume.
    pub last_split: bool,
    /// Entries flagged encrypted.
    pub encrypted: bool,
    /// Headers encrypted (RAR 5: an encryption header before the main one;
    /// RAR 4: the main header's password flag).
    pub encrypted_headers: bool,
    /// The compression method to claim (0 stored).
    pub method: u8,
}

fn put_vint(v: &mut Vec<u8>, mut x: u64) {
    loop {
        let b = (x & 0x7f) as u8;
        x >>= 7;
        if x == 0 {
            v.push(b);
            return;
        }
        v.push(b | 0x80);
    }
}

fn block5(body: &[u8]) -> Vec<u8> {
    let mut sized = Vec::new();
    put_vint(&mut sized, body.len() as u64);
    sized.extend_from_slice(body);
    let mut v = crc32fast::hash(&sized).to_le_bytes().to_vec();
    v.extend(sized);
    v
}

/// A RAR 5 archive of `files`.
pub fn rar5(files: &[(&str, &[u8])], o: RarOptions) -> Vec<u8> {
    let mut v = b"Rar!\x1a\x07\x01\x00".to_vec();
    if o.encrypted_headers {
        let mut enc = Vec::new();
        put_vint(&mut enc, 4);
        put_vint(&mut enc, 0);
        put_vint(&mut enc, 0); // version
        put_vint(&mut enc, 0); // flags
        enc.push(15); // KDF count
        enc.extend_from_slice(&[0x5a; 16]); // salt
        v.extend(block5(&enc));
        // What follows, the main header on, is ciphertext.
        v.extend_from_slice(&[0xa5; 64]);
        return v;
    }
    let mut main = Vec::new();
    put_vint(&mut main, 1);
    put_vint(&mut main, 0);
    put_vint(&mut main, if o.volume { 0x01 } else { 0 });
    v.extend(block5(&main));
    for (i, (name, data)) in files.iter().enumerate() {
        let split = o.last_split && i + 1 == files.len();
        let mut extra = Vec::new();
        if o.encrypted {
            let mut rec = Vec::new();
            put_vint(&mut rec, 1); // type: encryption
            put_vint(&mut rec, 0); // version
            put_vint(&mut rec, 0); // flags
            rec.push(15);
            rec.extend_from_slice(&[0x11; 16]); // salt
            rec.extend_from_slice(&[0x22; 16]); // IV
            put_vint(&mut extra, rec.len() as u64);
            extra.extend(rec);
        }
        let mut f = Vec::new();
        put_vint(&mut f, 2);
        let mut flags = 0x02;
        if !extra.is_empty() {
            flags |= 0x01;
        }
        if split {
            flags |= 0x10;
        }
        put_vint(&mut f, flags);
        if !extra.is_empty() {
            put_vint(&mut f, extra.len() as u64);
        }
        put_vint(&mut f, data.len() as u64);
        put_vint(&mut f, 0x04); // CRC32 present
        put_vint(&mut f, data.len() as u64);
        put_vint(&mut f, 0x20);
        f.extend(crc32fast::hash(data).to_le_bytes());
        put_vint(&mut f, (o.method as u64) << 7);
        put_vint(&mut f, 1); // Unix
        put_vint(&mut f, name.len() as u64);
        f.extend_from_slice(name.as_bytes());
        f.extend(extra);
        v.extend(block5(&f));
        v.extend_from_slice(data);
    }
    let mut end = Vec::new();
    put_vint(&mut end, 5);
    put_vint(&mut end, 0);
    put_vint(&mut end, if o.volume { 0x01 } else { 0 });
    v.extend(block5(&end));
    v
}

/// One RAR 4 block: its CRC, type, flags and size, then `rest`.
pub fn block4(ty: u8, flags: u16, rest: &[u8]) -> Vec<u8> {
    let size = (7 + rest.len()) as u16;
    let mut h = vec![ty];
    h.extend(flags.to_le_bytes());
    h.extend(size.to_le_bytes());
    h.extend_from_slice(rest);
    let crc = crc32fast::hash(&h) as u16;
    let mut v = crc.to_le_bytes().to_vec();
    v.extend(h);
    v
}

/// A RAR 4 archive of `files`.
pub fn rar4(files: &[(&str, &[u8])], o: RarOptions) -> Vec<u8> {
    let mut v = b"Rar!\x1a\x07\x00".to_vec();
    let mut mflags = 0u16;
    if o.volume {
        mflags |= 0x0001 | 0x0100;
    }
    if o.encrypted_headers {
        mflags |= 0x0080;
    }
    v.extend(block4(0x73, mflags, &[0; 6]));
    if o.encrypted_headers {
        v.extend_from_slice(&[0xa5; 64]);
        return v;
    }
    for (i, (name, data)) in files.iter().enumerate() {
        let split = o.last_split && i + 1 == files.len();
        let mut flags = 0x8000u16;
        if o.encrypted {
            flags |= 0x0004;
        }
        if split {
            flags |= 0x0002;
        }
        let mut r = Vec::new();
        r.extend((data.len() as u32).to_le_bytes()); // packed
        r.extend((data.len() as u32).to_le_bytes()); // unpacked
        r.push(3); // Unix
        r.extend(crc32fast::hash(data).to_le_bytes());
        r.extend(0x5a21_0000u32.to_le_bytes()); // time
        r.push(29);
        r.push(0x30 + o.method);
        r.extend((name.len() as u16).to_le_bytes());
        r.extend(0x20u32.to_le_bytes());
        r.extend_from_slice(name.as_bytes());
        v.extend(block4(0x74, flags, &r));
        v.extend_from_slice(data);
    }
    let eflags = 0x4000 | if o.volume { 0x0001 } else { 0 };
    v.extend(block4(0x7b, eflags, &[]));
    v
}
