//! CMS (PKCS #7) messages, the body of S/MIME mail (`application/pkcs7-mime`,
//! `.p7m`): which kind of content a `ContentInfo` holds, and the content a
//! signed one carries inside it (RFC 5652).
//!
//! Mail clients show an opaque-signed message's content with its
//! attachments, whoever signed it; an enveloped (encrypted) one cannot be
//! read without the recipient's key. Both are read here in BER, as
//! `openssl smime` writes them: lengths may be indefinite, and the content
//! an octet string cut into segments.
//!
//! Nothing is allocated by a declared length: each is checked against the
//! bytes that are there, and the content is copied segment by segment from
//! them.

/// The content types read (the value bytes of their object identifiers).
mod oid {
    /// id-signedData, 1.2.840.113549.1.7.2.
    pub const SIGNED: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    /// id-envelopedData, 1.2.840.113549.1.7.3.
    pub const ENVELOPED: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
    /// id-encryptedData, 1.2.840.113549.1.7.6.
    pub const ENCRYPTED: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
    /// id-ct-authEnvelopedData, 1.2.840.113549.1.9.16.1.23.
    pub const AUTH_ENVELOPED: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17,
    ];
}

/// Deepest nesting of constructed values followed.
const MAX_DEPTH: usize = 32;

/// What a `ContentInfo` holds.
#[derive(Debug, PartialEq)]
pub(crate) enum Cms {
    /// Signed data with its content inside (opaque signing); the content's
    /// bytes, its segments joined.
    Signed(Vec<u8>),
    /// Signed data without content: a detached signature, or certificates
    /// only (`.p7s`, `.p7b`).
    Detached,
    /// Content that only its recipients' keys open: enveloped,
    /// authenticated-enveloped or encrypted data, by name.
    Encrypted(&'static str),
    /// Signed data whose structure does not read to its content.
    Malformed(&'static str),
}

/// True when `data` starts a `ContentInfo` of one of the types read.
pub(crate) fn is_cms(data: &[u8]) -> bool {
    content_type(data).is_some()
}

/// The content type's object identifier (its value bytes) and where the
/// `[0]` content that follows it starts, when `data` starts a
/// `ContentInfo` of a type read.
fn content_type(data: &[u8]) -> Option<(&'static str, usize)> {
    let outer = header(data, 0)?;
    if outer.tag != 0x30 {
        return None;
    }
    let id = header(data, outer.start)?;
    let end = id.start.checked_add(id.len?)?;
    if id.tag != 0x06 {
        return None;
    }
    let value = data.get(id.start..end)?;
    let name = [
        (oid::SIGNED, "signed-data"),
        (oid::ENVELOPED, "enveloped-data"),
        (oid::ENCRYPTED, "encrypted-data"),
        (oid::AUTH_ENVELOPED, "auth-enveloped-data"),
    ]
    .into_iter()
    .find(|(o, _)| *o == value)?
    .1;
    Some((name, end))
}

/// Reads the `ContentInfo` at the start of `data`; `None` when it is none
/// of the types read (a certificate, any other DER).
pub(crate) fn read(data: &[u8]) -> Option<Cms> {
    let (kind, at) = content_type(data)?;
    if kind != "signed-data" {
        return Some(Cms::Encrypted(kind));
    }
    Some(signed(data, at).unwrap_or(Cms::Malformed("signed data that does not read to its end")))
}

/// SignedData's content: `[0] { SEQUENCE { version, digestAlgorithms,
/// encapContentInfo { eContentType, [0] { eContent } } ... } }`.
fn signed(data: &[u8], at: usize) -> Option<Cms> {
    let explicit = header(data, at)?;
    if explicit.tag != 0xa0 {
        return None;
    }
    let seq = header(data, explicit.start)?;
    if seq.tag != 0x30 {
        return None;
    }
    let version = header(data, seq.start)?;
    let digests = header(data, skip(data, version, 0)?)?;
    let encap_at = skip(data, digests, 0)?;
    let encap = header(data, encap_at)?;
    if encap.tag != 0x30 {
        return None;
    }
    let id = header(data, encap.start)?;
    let after_id = skip(data, id, 0)?;
    // The content is optional: absent, the signature is detached.
    let content = match header(data, after_id) {
        Some(h) if h.tag == 0xa0 => h,
        _ => return Some(Cms::Detached),
    };
    let octets = header(data, content.start)?;
    let mut out = Vec::new();
    octet_string(data, octets, &mut out, 0)?;
    Some(Cms::Signed(out))
}

/// An OCTET STRING's bytes, appended to `out`: primitive, or constructed
/// of segments (BER), each of which may be constructed again.
fn octet_string(data: &[u8], h: Header, out: &mut Vec<u8>, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    match h.tag {
        0x04 => {
            let end = h.start.checked_add(h.len?)?;
            out.extend_from_slice(data.get(h.start..end)?);
            Some(end)
        }
        0x24 => {
            let mut at = h.start;
            loop {
                match h.len {
                    Some(len) if at >= h.start.checked_add(len)? => return Some(at),
                    None if data.get(at..at + 2)? == [0, 0] => return Some(at + 2),
                    _ => {}
                }
                let seg = header(data, at)?;
                at = octet_string(data, seg, out, depth + 1)?;
            }
        }
        _ => None,
    }
}

/// A value's header: its tag (one byte; multi-byte tags are not read),
/// where its contents start, and their length (`None`: indefinite).
#[derive(Clone, Copy, Debug)]
struct Header {
    tag: u8,
    start: usize,
    len: Option<usize>,
}

/// The header at `at`, its length checked against what `data` holds.
fn header(data: &[u8], at: usize) -> Option<Header> {
    let tag = *data.get(at)?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = *data.get(at + 1)?;
    let (len, start) = match first {
        0x80 => (None, at + 2),
        n if n < 0x80 => (Some(usize::from(n)), at + 2),
        n => {
            let k = usize::from(n & 0x7f);
            if k > 8 {
                return None;
            }
            let bytes = data.get(at + 2..at + 2 + k)?;
            let len = bytes.iter().try_fold(0usize, |a, &b| {
                a.checked_mul(256)?.checked_add(usize::from(b))
            })?;
            (Some(len), at + 2 + k)
        }
    };
    // Indefinite lengths are for constructed values only.
    if len.is_none() && tag & 0x20 == 0 {
        return None;
    }
    if let Some(len) = len
        && start.checked_add(len)? > data.len()
    {
        return None;
    }
    Some(Header { tag, start, len })
}

/// Where the value whose header is `h` ends: after its contents, or, when
/// its length is indefinite, after the end-of-contents that closes it.
fn skip(data: &[u8], h: Header, depth: usize) -> Option<usize> {
    if let Some(len) = h.len {
        return h.start.checked_add(len);
    }
    if depth > MAX_DEPTH {
        return None;
    }
    let mut at = h.start;
    loop {
        if data.get(at..at + 2)? == [0, 0] {
            return Some(at + 2);
        }
        let inner = header(data, at)?;
        at = skip(data, inner, depth + 1)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER value: tag, definite length, contents.
    fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = contents.len();
        if n < 0x80 {
            v.push(n as u8);
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            v.push(0x80 | bytes.len() as u8);
            v.extend(bytes);
        }
        v.extend_from_slice(contents);
        v
    }

    /// A BER value of indefinite length.
    fn ber(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, 0x80];
        v.extend_from_slice(contents);
        v.extend_from_slice(&[0, 0]);
        v
    }

    fn signed_data(content: Option<Vec<u8>>, indefinite: bool) -> Vec<u8> {
        let wrap = |tag, c: &[u8]| if indefinite { ber(tag, c) } else { der(tag, c) };
        let mut encap = der(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
        );
        if let Some(c) = content {
            encap.extend(wrap(0xa0, &c));
        }
        let mut sd = der(0x02, &[1]);
        sd.extend(der(0x31, &[]));
        sd.extend(wrap(0x30, &encap));
        sd.extend(der(0x31, &[]));
        let mut ci = der(0x06, oid::SIGNED);
        ci.extend(wrap(0xa0, &wrap(0x30, &sd)));
        wrap(0x30, &ci)
    }

    #[test]
    fn signed_content_in_der_and_in_ber_segments() {
        let text = b"Content-Type: text/plain\r\n\r\nhello".to_vec();
        let r = read(&signed_data(Some(der(0x04, &text)), false));
        assert_eq!(r, Some(Cms::Signed(text.clone())));
        // openssl smime: indefinite lengths, the content in segments, one
        // of them constructed again.
        let mut segments = der(0x04, &text[..10]);
        segments.extend(ber(0x24, &der(0x04, &text[10..20])));
        segments.extend(der(0x04, &text[20..]));
        let r = read(&signed_data(Some(ber(0x24, &segments)), true));
        assert_eq!(r, Some(Cms::Signed(text)));
    }

    #[test]
    fn detached_encrypted_and_other_der() {
        assert_eq!(read(&signed_data(None, false)), Some(Cms::Detached));
        let mut ci = der(0x06, oid::ENVELOPED);
        ci.extend(der(0xa0, &der(0x30, &[])));
        assert_eq!(
            read(&der(0x30, &ci)),
            Some(Cms::Encrypted("enveloped-data"))
        );
        // A certificate (its first element is a sequence, not an OID).
        let cert = der(0x30, &der(0x30, &der(0x02, &[1])));
        assert_eq!(read(&cert), None);
        assert!(!is_cms(&cert));
    }

    #[test]
    fn lengths_past_the_data_and_deep_nesting_are_refused() {
        let mut v = signed_data(Some(der(0x04, b"abc")), false);
        v.truncate(v.len() - 2);
        assert!(matches!(read(&v), Some(Cms::Malformed(_)) | None));
        // Segments nested far deeper than any writer nests them.
        let mut deep = der(0x04, b"x");
        for _ in 0..100 {
            deep = ber(0x24, &deep);
        }
        assert!(matches!(
            read(&signed_data(Some(deep), true)),
            Some(Cms::Malformed(_))
        ));
        // A length that claims more than the file has.
        let mut huge = vec![0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        huge.extend(der(0x06, oid::SIGNED));
        assert_eq!(read(&huge), None);
    }
}
