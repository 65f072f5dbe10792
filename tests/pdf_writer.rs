//! A small PDF writer for fixtures: objects and streams written as given,
//! cross-reference tables with the offsets computed, incremental updates.
//! Shared by the PDF tests and by whatever compares xferscan with other
//! scanners on the same files (it builds lies as easily as honest files).

#![allow(dead_code)]

use std::io::Write;

/// A PDF being written.
pub struct Pdf {
    buf: Vec<u8>,
    /// Objects written since the last cross-reference section.
    pending: Vec<(u32, usize)>,
    last_xref: Option<usize>,
    size: u32,
}

impl Default for Pdf {
    fn default() -> Self {
        Self::new()
    }
}

impl Pdf {
    /// A new file: its header and a binary comment.
    pub fn new() -> Self {
        Self::with_prefix(b"")
    }

    /// A new file with `junk` before its header (readers accept up to a KiB).
    pub fn with_prefix(junk: &[u8]) -> Self {
        let mut buf = junk.to_vec();
        buf.extend_from_slice(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
        Pdf {
            buf,
            pending: Vec::new(),
            last_xref: None,
            size: 1,
        }
    }

    /// Writes object `num` with `body` as its value.
    pub fn obj(&mut self, num: u32, body: &str) -> &mut Self {
        self.obj_bytes(num, body.as_bytes())
    }

    /// Writes object `num` with raw bytes as its value.
    pub fn obj_bytes(&mut self, num: u32, body: &[u8]) -> &mut Self {
        self.pending.push((num, self.buf.len()));
        self.size = self.size.max(num + 1);
        writeln!(self.buf, "{num} 0 obj").unwrap();
        self.buf.extend_from_slice(body);
        self.buf.extend_from_slice(b"\nendobj\n");
        self
    }

    /// Writes stream object `num`: `dict` holds the entries besides
    /// `/Length` (`/Filter /FlateDecode`...), `data` the stored bytes.
    pub fn stream(&mut self, num: u32, dict: &str, data: &[u8]) -> &mut Self {
        let mut body = format!("<<{dict} /Length {}>>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.obj_bytes(num, &body)
    }

    /// Writes a cross-reference table for the objects written since the
    /// last one, a trailer (`/Size`, `/Prev`, and `extra`), `startxref` and
    /// `%%EOF`. More objects may follow: an incremental update.
    pub fn xref(&mut self, extra: &str) -> &mut Self {
        let at = self.buf.len();
        let mut entries = std::mem::take(&mut self.pending);
        entries.sort();
        self.buf.extend_from_slice(b"xref\n");
        if self.last_xref.is_none() {
            self.buf.extend_from_slice(b"0 1\n0000000000 65535 f \n");
        }
        for (num, off) in &entries {
            write!(self.buf, "{num} 1\n{off:010} 00000 n \n").unwrap();
        }
        let prev = self
            .last_xref
            .map(|p| format!(" /Prev {p}"))
            .unwrap_or_default();
        write!(
            self.buf,
            "trailer\n<</Size {}{prev} {extra}>>\nstartxref\n{at}\n%%EOF\n",
            self.size
        )
        .unwrap();
        self.last_xref = Some(at);
        self
    }

    /// The bytes written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.buf.clone()
    }
}

/// zlib, as FlateDecode stores it.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// ASCIIHexDecode's encoding, ended by `>`.
pub fn hex(data: &[u8]) -> Vec<u8> {
    let mut s: String = data.iter().map(|b| format!("{b:02x}")).collect();
    s.push('>');
    s.into_bytes()
}

/// A one-page document: catalog 1 (with `catalog_extra`), pages 2, page 3
/// with content stream 4 (`content`, deflated). Objects from 5 on are the
/// caller's; `xref` is not written yet.
pub fn one_page(catalog_extra: &str, content: &[u8]) -> Pdf {
    let mut p = Pdf::new();
    p.obj(
        1,
        &format!("<</Type /Catalog /Pages 2 0 R {catalog_extra}>>"),
    )
    .obj(2, "<</Type /Pages /Kids [3 0 R] /Count 1>>")
    .obj(
        3,
        "<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
             /Resources <</Font <</F1 <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>>>>>>>",
    )
    .stream(4, "/Filter /FlateDecode", &zlib(content));
    p
}

/// A page content stream that shows `text`.
pub fn text_content(text: &str) -> Vec<u8> {
    format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET").into_bytes()
}
