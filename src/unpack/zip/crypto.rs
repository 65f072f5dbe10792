//! Traditional PKWARE encryption (ZipCrypto): weak, but what most
//! "password: infected" archives use.

use crate::format::zip::Header;

const fn crc_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CRC: [u32; 256] = crc_table();

fn crc_byte(crc: u32, b: u8) -> u32 {
    CRC[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8)
}

struct Keys(u32, u32, u32);

impl Keys {
    fn new(password: &[u8]) -> Self {
        let mut k = Keys(0x1234_5678, 0x2345_6789, 0x3456_7890);
        for &b in password {
            k.update(b);
        }
        k
    }
    fn update(&mut self, b: u8) {
        self.0 = crc_byte(self.0, b);
        self.1 = self
            .1
            .wrapping_add(self.0 & 0xff)
            .wrapping_mul(134_775_813)
            .wrapping_add(1);
        self.2 = crc_byte(self.2, (self.1 >> 24) as u8);
    }
    fn stream_byte(&self) -> u8 {
        let t = (self.2 | 2) as u16;
        (t.wrapping_mul(t ^ 1) >> 8) as u8
    }
    fn decrypt(&mut self, c: u8) -> u8 {
        let p = c ^ self.stream_byte();
        self.update(p);
        p
    }
}

/// Decrypts `data` (the 12-byte header, then the compressed entry) with the
/// passwords whose check byte fits. The check byte lets one wrong password
/// in 256 through, so each such decryption is also put to `plausible` (a
/// CRC or a trial decode), and the next password is tried when it fails.
/// With no plausible one, the first that passed the check byte is returned:
/// it is scanned, and its checksum or decode error is reported.
pub(crate) fn zipcrypto_open(
    data: &[u8],
    h: &Header,
    passwords: &[String],
    mut plausible: impl FnMut(&[u8]) -> bool,
) -> Option<Vec<u8>> {
    if data.len() < 12 {
        return None;
    }
    let check = if h.flags & 8 != 0 {
        (h.mod_time >> 8) as u8
    } else {
        (h.crc >> 24) as u8
    };
    let mut first = None;
    for pw in passwords {
        let mut k = Keys::new(pw.as_bytes());
        let mut last = 0;
        for &c in &data[..12] {
            last = k.decrypt(c);
        }
        if last != check {
            continue;
        }
        let plain: Vec<u8> = data[12..].iter().map(|&c| k.decrypt(c)).collect();
        if plausible(&plain) {
            return Some(plain);
        }
        first.get_or_insert(plain);
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encrypts as a writer would, for the round trip below.
    fn encrypt(plain: &[u8], pw: &str, check: u8) -> Vec<u8> {
        let mut k = Keys::new(pw.as_bytes());
        let mut header = [7u8; 12];
        header[11] = check;
        header
            .iter()
            .chain(plain)
            .map(|&p| {
                let c = p ^ k.stream_byte();
                k.update(p);
                c
            })
            .collect()
    }

    #[test]
    fn a_wrong_password_that_passes_the_check_byte_does_not_stop_the_search() {
        let plain = b"secret body";
        let crc = crc32fast::hash(plain);
        let h = Header {
            flags: 1,
            method: 0,
            mod_time: 0,
            crc,
            csize: 0,
            usize: 0,
            name: &[],
            aes: None,
            unicode_paths: Vec::new(),
        };
        let enc = encrypt(plain, "right", (crc >> 24) as u8);
        // Find a wrong password whose check byte happens to fit.
        let decoy = (0..100_000)
            .map(|i| format!("wrong{i}"))
            .find(|pw| {
                let mut k = Keys::new(pw.as_bytes());
                let mut last = 0;
                for &c in &enc[..12] {
                    last = k.decrypt(c);
                }
                last == (crc >> 24) as u8
            })
            .unwrap();
        let pws = vec![decoy, "right".to_string()];
        let got = zipcrypto_open(&enc, &h, &pws, |p| crc32fast::hash(p) == crc);
        assert_eq!(got.as_deref(), Some(&plain[..]));
    }

    #[test]
    fn round_trip_with_the_right_password_only() {
        let h = Header {
            flags: 1,
            method: 0,
            mod_time: 0,
            crc: 0xab00_0000,
            csize: 0,
            usize: 0,
            name: &[],
            aes: None,
            unicode_paths: Vec::new(),
        };
        let enc = encrypt(b"secret body", "infected", 0xab);
        let pws = vec!["wrong".to_string(), "infected".to_string()];
        assert_eq!(
            zipcrypto_open(&enc, &h, &pws, |_| true).as_deref(),
            Some(&b"secret body"[..])
        );
        assert_eq!(zipcrypto_open(&enc, &h, &pws[..1], |_| true), None);
    }
}
