//! Writers of the inside-document fixtures, shared by the tests
//! (`ole_docs`, `rtf`) and the seed example (`examples/write_ole_seeds.rs`):
//! compound files through the `cfb` crate's writer; the VBA project, BIFF8
//! records, OLE1 and Packager objects field by field.

#![allow(dead_code)]

use std::io::{Cursor, Write};

/// A compound file of these streams (paths with `/`), storages made as
/// needed.
pub fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut cf =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
    for (path, data) in streams {
        let p = std::path::Path::new(path);
        if let Some(parent) = p.parent()
            && parent != std::path::Path::new("/")
            && !parent.as_os_str().is_empty()
        {
            cf.create_storage_all(parent).unwrap();
        }
        let mut s = cf.create_stream(p).unwrap();
        s.write_all(data).unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

/// MS-OVBA compression with literals only (every chunk compressed, each
/// flag byte followed by eight literals): valid input for any reader.
pub fn ovba_compress(data: &[u8]) -> Vec<u8> {
    let mut out = vec![1u8];
    for chunk in data.chunks(4096) {
        let mut body = Vec::new();
        for group in chunk.chunks(8) {
            body.push(0u8);
            body.extend_from_slice(group);
        }
        let header = 0xb000u16 | ((body.len() + 2 - 3) as u16);
        out.extend_from_slice(&header.to_le_bytes());
        out.extend_from_slice(&body);
    }
    out
}

pub fn rec(d: &mut Vec<u8>, id: u16, data: &[u8]) {
    d.extend_from_slice(&id.to_le_bytes());
    d.extend_from_slice(&(data.len() as u32).to_le_bytes());
    d.extend_from_slice(data);
}

/// The streams of a VBA project under `storage` (`Macros` or
/// `_VBA_PROJECT_CUR`): `dir`, `_VBA_PROJECT`, and one stream per module
/// with `p-code` bytes before its compressed source.
pub fn vba_project(storage: &str, modules: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    let mut dir = Vec::new();
    rec(&mut dir, 0x0001, &3u32.to_le_bytes());
    rec(&mut dir, 0x0002, &0x409u32.to_le_bytes());
    rec(&mut dir, 0x0014, &0x409u32.to_le_bytes());
    rec(&mut dir, 0x0003, &1252u16.to_le_bytes());
    rec(&mut dir, 0x0004, b"Project");
    dir.extend_from_slice(&[9, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0]);
    rec(&mut dir, 0x000f, &(modules.len() as u16).to_le_bytes());
    rec(&mut dir, 0x0013, &0xffffu16.to_le_bytes());
    let pcode = b"\x01\x16\x03\x00p-code cache".to_vec();
    let mut streams = Vec::new();
    for (name, source) in modules {
        rec(&mut dir, 0x0019, name.as_bytes());
        let wide: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        rec(&mut dir, 0x0047, &wide);
        rec(&mut dir, 0x001a, name.as_bytes());
        rec(&mut dir, 0x0032, &wide);
        rec(&mut dir, 0x0031, &(pcode.len() as u32).to_le_bytes());
        rec(&mut dir, 0x0021, b"");
        rec(&mut dir, 0x002b, b"");
        let mut s = pcode.clone();
        s.extend(ovba_compress(source));
        streams.push((format!("/{storage}/VBA/{name}"), s));
    }
    rec(&mut dir, 0x0010, b"");
    streams.push((format!("/{storage}/VBA/dir"), ovba_compress(&dir)));
    streams.push((
        format!("/{storage}/VBA/_VBA_PROJECT"),
        vec![0xcc, 0x61, 0xff, 0xff, 0x00],
    ));
    streams.push((
        format!("/{storage}/PROJECT"),
        b"ID=\"{00000000-0000-0000-0000-000000000000}\"\r\nName=\"Project\"\r\n".to_vec(),
    ));
    streams
}

pub fn with_streams(fixed: &[(&str, &[u8])], more: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut all: Vec<(&str, &[u8])> = fixed.to_vec();
    all.extend(more.iter().map(|(p, d)| (p.as_str(), d.as_slice())));
    compound(&all)
}

/// A BIFF8 record.
pub fn biff(out: &mut Vec<u8>, id: u16, data: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

pub fn boundsheet(name: &str, kind: u8, hidden: u8) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, hidden, kind, name.len() as u8, 0];
    d.extend_from_slice(name.as_bytes());
    d
}

/// A workbook stream: BOF, the sheets, built-in names, EOF, then a
/// substream per sheet with a formula record.
pub fn workbook(sheets: &[(&str, u8, u8)], auto_open: bool) -> Vec<u8> {
    let mut w = Vec::new();
    biff(
        &mut w,
        0x0809,
        &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0],
    );
    for (n, k, h) in sheets {
        biff(&mut w, 0x0085, &boundsheet(n, *k, *h));
    }
    if auto_open {
        biff(
            &mut w,
            0x0018,
            &[0x20, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x01],
        );
    }
    biff(&mut w, 0x000a, &[]);
    for _ in sheets {
        biff(
            &mut w,
            0x0809,
            &[0, 6, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0],
        );
        // FORMULA: =SUM(A1:A2) as bytes; nothing reads them.
        biff(&mut w, 0x0006, &[0; 26]);
        biff(&mut w, 0x000a, &[]);
    }
    w
}

/// A workbook stream encrypted as Excel 2003 and later encrypt it (RC4
/// CryptoAPI, a 128-bit key, [MS-OFFCRYPTO] 2.3.5): a FILEPASS record
/// after the first BOF, then every record's data but the BOFs'
/// encrypted with the keystream of its place in the stream (a key per
/// 1,024 bytes), BOUNDSHEET8's first four bytes left plain.
pub fn rc4_cryptoapi_workbook(plain: &[u8], password: &str) -> Vec<u8> {
    use sha1::{Digest, Sha1};
    let salt = [0x5au8; 16];
    let pw: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let h0 = Sha1::new().chain_update(salt).chain_update(&pw).finalize();
    let keystream = |block: u32| -> Vec<u8> {
        let key = Sha1::new()
            .chain_update(h0)
            .chain_update(block.to_le_bytes())
            .finalize();
        let mut s: Vec<u8> = (0..=255).collect();
        let mut j = 0u8;
        for i in 0..256 {
            j = j.wrapping_add(s[i]).wrapping_add(key[i % 16]);
            s.swap(i, usize::from(j));
        }
        let (mut i, mut j) = (0u8, 0u8);
        (0..1024)
            .map(|_| {
                i = i.wrapping_add(1);
                j = j.wrapping_add(s[usize::from(i)]);
                s.swap(usize::from(i), usize::from(j));
                s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))]
            })
            .collect()
    };
    let verifier = *b"a verifier of 16";
    let mut both = verifier.to_vec();
    both.extend_from_slice(&Sha1::digest(verifier));
    let ks0 = keystream(0);
    let sealed: Vec<u8> = both.iter().zip(&ks0).map(|(a, b)| a ^ b).collect();
    let mut filepass = vec![1, 0, 4, 0, 2, 0, 4, 0, 0, 0];
    let mut header = Vec::new();
    for v in [0x04u32, 0, 0x6801, 0x8004, 128, 1, 0, 0] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    filepass.extend_from_slice(&(header.len() as u32).to_le_bytes());
    filepass.extend_from_slice(&header);
    filepass.extend_from_slice(&16u32.to_le_bytes());
    filepass.extend_from_slice(&salt);
    filepass.extend_from_slice(&sealed[..16]);
    filepass.extend_from_slice(&20u32.to_le_bytes());
    filepass.extend_from_slice(&sealed[16..]);
    // The records, FILEPASS after the first.
    let mut records = Vec::new();
    let mut at = 0;
    while at + 4 <= plain.len() {
        let id = u16::from_le_bytes([plain[at], plain[at + 1]]);
        let len = usize::from(u16::from_le_bytes([plain[at + 2], plain[at + 3]]));
        records.push((id, plain[at + 4..at + 4 + len].to_vec()));
        at += 4 + len;
    }
    records.insert(1, (0x002f, filepass));
    let mut out = Vec::new();
    for (id, data) in records {
        biff(&mut out, id, &data);
        if matches!(id, 0x0809 | 0x002f) {
            continue;
        }
        let start = out.len() - data.len() + if id == 0x0085 { 4 } else { 0 };
        for (pos, b) in out.iter_mut().enumerate().skip(start) {
            *b ^= keystream((pos / 1024) as u32)[pos % 1024];
        }
    }
    out
}

/// An `\x01Ole10Native` stream for a file.
pub fn ole10native(label: &str, path: &str, data: &[u8]) -> Vec<u8> {
    let p = package(label, path, data);
    let mut v = (p.len() as u32).to_le_bytes().to_vec();
    v.extend(p);
    v
}

/// The Packager's native data (without the leading size).
pub fn package(label: &str, path: &str, data: &[u8]) -> Vec<u8> {
    let mut v = 2u16.to_le_bytes().to_vec();
    for s in [label, path] {
        v.extend_from_slice(s.as_bytes());
        v.push(0);
    }
    v.extend_from_slice(&[0, 0, 3, 0]);
    v.extend_from_slice(&(path.len() as u32 + 1).to_le_bytes());
    v.extend_from_slice(path.as_bytes());
    v.push(0);
    v.extend_from_slice(&(data.len() as u32).to_le_bytes());
    v.extend_from_slice(data);
    v
}

/// An OLE1 embedded object of `class` with `native` data.
pub fn ole1(class: &str, native: &[u8]) -> Vec<u8> {
    let mut v = 0x0501u32.to_le_bytes().to_vec();
    v.extend_from_slice(&2u32.to_le_bytes());
    for s in [class, "", ""] {
        v.extend_from_slice(&(s.len() as u32 + 1).to_le_bytes());
        v.extend_from_slice(s.as_bytes());
        v.push(0);
    }
    v.extend_from_slice(&(native.len() as u32).to_le_bytes());
    v.extend_from_slice(native);
    v
}

/// Bytes as lowercase hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Hex as an attacker writes it: line breaks, spaces, a `{\*\x}` group
/// and a control word every few digits, mixed case, an odd digit at the
/// end.
pub fn ugly_hex(b: &[u8]) -> String {
    let h = hex(b);
    let mut out = String::new();
    for (i, c) in h.chars().enumerate() {
        match i % 37 {
            5 => out.push_str("\r\n"),
            11 => out.push_str("{\\*\\datastore 00ff}"),
            17 => out.push(' '),
            23 => out.push_str("\\lang1033 "),
            _ => {}
        }
        out.push(if i % 3 == 0 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out.push('7');
    out
}

pub fn rtf_with_object(class: &str, objdata: &str) -> Vec<u8> {
    format!(
        "{{\\rtf1\\ansi{{\\fonttbl{{\\f0 Arial;}}}}\\pard Hello\\par\
         {{\\object\\objemb{{\\*\\objclass {class}}}\\objw100\\objh100{{\\*\\objdata {objdata}}}}}}}"
    )
    .into_bytes()
}
