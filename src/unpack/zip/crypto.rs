//! Traditional PKWARE encryption (ZipCrypto): weak, but what most
//! "password: infected" archives use.

use super::structure::Header;

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
/// first password whose check byte fits. The check byte passes one wrong
/// password in 256; the caller's CRC check and decoder catch those.
pub(crate) fn zipcrypto_open(data: &[u8], h: &Header, passwords: &[String]) -> Option<Vec<u8>> {
    if data.len() < 12 {
        return None;
    }
    let check = if h.flags & 8 != 0 {
        (h.mod_time >> 8) as u8
    } else {
        (h.crc >> 24) as u8
    };
    for pw in passwords {
        let mut k = Keys::new(pw.as_bytes());
        let mut last = 0;
        for &c in &data[..12] {
            last = k.decrypt(c);
        }
        if last != check {
            continue;
        }
        return Some(data[12..].iter().map(|&c| k.decrypt(c)).collect());
    }
    None
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
    fn round_trip_with_the_right_password_only() {
        let h = Header {
            flags: 1,
            method: 0,
            mod_time: 0,
            crc: 0xab00_0000,
            csize: 0,
            usize: 0,
            name: vec![],
            aes: None,
        };
        let enc = encrypt(b"secret body", "infected", 0xab);
        let pws = vec!["wrong".to_string(), "infected".to_string()];
        assert_eq!(
            zipcrypto_open(&enc, &h, &pws).as_deref(),
            Some(&b"secret body"[..])
        );
        assert_eq!(zipcrypto_open(&enc, &h, &pws[..1]), None);
    }
}
