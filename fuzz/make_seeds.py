#!/usr/bin/env python3
"""Writes the small seed corpora in fuzz/seeds/<target>/ (a few KiB each;
no malware, no EICAR). Rerun after changing it; the seeds are committed.
The 7z seeds come from sevenz-rust2's writer instead (Python has none):
cargo run --example write_7z_seeds -- fuzz/seeds/unpack_sevenz"""
import bz2
import gzip
import io
import lzma
import os
import struct
import tarfile
import zlib
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def zip_bytes(entries, method=zipfile.ZIP_DEFLATED):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", method) as z:
        for n, d in entries:
            z.writestr(n, d)
    return bio.getvalue()


def tar_bytes(entries, fmt=tarfile.USTAR_FORMAT):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=fmt) as t:
        for n, d in entries:
            info = tarfile.TarInfo(n)
            info.size = len(d)
            t.addfile(info, io.BytesIO(d))
    return bio.getvalue()


def descriptor_zip():
    # Written to a non-seekable stream, so entries carry data descriptors.
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buf = bytearray()
        def writable(self):
            return True
        def write(self, b):
            self.buf += b
            return len(b)
    u = Unseekable()
    with zipfile.ZipFile(u, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("streamed.txt", "w") as f:
            f.write(b"streamed content " * 4)
    return bytes(u.buf)


zips = {
    "stored.zip": zip_bytes([("a.txt", b"alpha"), ("b/c.txt", b"gamma")], zipfile.ZIP_STORED),
    "deflated.zip": zip_bytes([("a.txt", b"alpha " * 20), ("doc.docx", b"PK")]),
    "bzip2.zip": zip_bytes([("a.txt", b"alpha " * 20)], zipfile.ZIP_BZIP2),
    "lzma.zip": zip_bytes([("a.txt", b"alpha " * 20)], zipfile.ZIP_LZMA),
    "descriptor.zip": descriptor_zip(),
    "concatenated.zip": zip_bytes([("1.txt", b"one")]) + zip_bytes([("2.txt", b"two")]),
    "prepended.zip": b"\x89PNG\r\n\x1a\n" + b"\0" * 24 + zip_bytes([("x.txt", b"x")]),
    "nested.zip": zip_bytes([("inner.zip", zip_bytes([("deep.txt", b"deep")]))]),
    "ooxml.zip": zip_bytes([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")]),
}
tars = {
    "ustar.tar": tar_bytes([("a.txt", b"alpha"), ("dir/b.txt", b"beta")]),
    "pax.tar": tar_bytes([("p" * 120 + ".txt", b"long")], tarfile.PAX_FORMAT),
    "gnu.tar": tar_bytes([("g" * 120 + ".txt", b"long")], tarfile.GNU_FORMAT),
}
compressed = {
    "member.gz": b"\x00" + gzip.compress(b"hello " * 10, mtime=0),
    "multi.gz": b"\x00" + gzip.compress(b"one", mtime=0) + gzip.compress(b"two", mtime=0),
    "a.bz2": b"\x01" + bz2.compress(b"hello " * 10),
    "a.xz": b"\x02" + lzma.compress(b"hello " * 10),
    "a.lzma": b"\x03" + lzma.compress(b"hello " * 10, format=lzma.FORMAT_ALONE),
}
mail = {
    "mixed.eml": b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
    b"--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    b"--B\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y\r\nbGQ=\r\n"
    b"--B\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"caf=C3=A9 =\r\nsoft\r\n"
    b"--B\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: c@d\r\nContent-Type: text/plain\r\n\r\ninner\r\n--B--\r\n",
    "two.mbox": b"From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain\n\none\n\nFrom c@d Mon Jan  1 00:00:00 2024\n"
    b"From: c@d\nMIME-Version: 1.0\nContent-Type: text/plain\n"
    b"Content-Transfer-Encoding: base64\n\nb25l\n",
}
types = {
    "png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x02\0\0\0\x90wS\xde",
    "pdf": b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
    "ole": bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504,
    "lnk": b"\x4c\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x46" + b"\0" * 60,
    "pe": b"MZ" + b"\0" * 58 + struct.pack("<I", 64) + b"PE\0\0\x4c\x01\x01\0" + b"\0" * 200,
    "ps1": b"$c = New-Object Net.WebClient; $x = $env:TEMP | Write-Host\n",
    "bat": b"@echo off\r\nset a=1\r\ngoto end\r\n",
    "html": b"<!DOCTYPE html><html><body>hi</body></html>",
    "utf16": "plain text".encode("utf-16"),
    "iso": b"\0" * 0x8001 + b"CD001",
}
pages = {
    "link.html": b'<html><a href="data:application/octet-stream;base64,'
    b'aGVsbG8gd29ybGQsIGhlbGxvIHdvcmxk" download="a.bin">a</a></html>',
    "escaped.svg": b'<svg><image href="DATA:image/png;charset=x;base64,'
    b'iVBORw0KGgo%0AAAAADUlIRFIAAAAB%3D"/></svg>',
}


def pdf_bytes(objects, trailer=b"/Root 1 0 R", prefix=b""):
    """A PDF of `objects` ((num, body) pairs) with a computed xref table."""
    out = bytearray(prefix + b"%PDF-1.7\n")
    offsets = []
    for num, body in objects:
        offsets.append((num, len(out)))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num, off in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, off)
    size = max(n for n, _ in objects) + 1
    out += b"trailer\n<</Size %d %s>>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)


def pdf_stream(dict_, data):
    return b"<<" + dict_ + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


_page = [
    (1, b"<</Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names <</JavaScript 8 0 R>>>>"),
    (2, b"<</Type /Pages /Kids [3 0 R] /Count 1>>"),
    (3, b"<</Type /Page /Parent 2 0 R /Contents 4 0 R /AA <</O 5 0 R>>>>"),
    (4, pdf_stream(b"/Filter /FlateDecode", zlib.compress(b"BT /F1 12 Tf (hello) Tj ET"))),
    (5, b"<</S /J#61vaScript /JS (app.alert\\(1\\)) /Next [6 0 R]>>"),
    (6, b"<</S /Launch /Win <</F (cmd.exe) /P (/c echo)>> /Next 5 0 R>>"),
    (8, b"<</Names [(a) 5 0 R] /Kids [8 0 R]>>"),
]
_objstm_body = b"10 0 11 9 <</A 1>> <</S /URI /URI (https://example.test)>>"
pdfs = {
    "page.pdf": pdf_bytes(_page),
    "filters.pdf": pdf_bytes([
        (1, b"<</Type /Catalog>>"),
        (2, pdf_stream(b"/Filter [/AHx /Fl] /DecodeParms [null <</Predictor 12 /Columns 4>>]",
                       zlib.compress(bytes([2, 1, 2, 3, 4, 2, 0, 0, 0, 0])).hex().encode() + b">")),
        (3, pdf_stream(b"/Filter /A85", b"<~87cURD]i,\"Ebo80~>")),
        (4, pdf_stream(b"/Filter /RunLengthDecode", b"\x02abc\xfdx\x80")),
        (5, pdf_stream(b"/Filter /LZWDecode", bytes.fromhex("800b6050220c0c8501"))),
        (6, pdf_stream(b"/Filter /DCTDecode", b"\xff\xd8\xff\xd9")),
        (7, pdf_stream(b"/Filter /Crypt /DecodeParms <</Name /Identity>>", b"plain")),
    ]),
    "objstm.pdf": pdf_bytes([
        (1, b"<</Type /Catalog /OpenAction 11 0 R>>"),
        (7, pdf_stream(b"/Type /ObjStm /N 2 /First 10 /Filter /FlateDecode", zlib.compress(_objstm_body))),
        (9, b"<</Type /Filespec /UF (a.txt) /EF <</F 12 0 R>>>>"),
        (12, pdf_stream(b"/Type /EmbeddedFile", b"attached")),
    ], trailer=b"/Root 1 0 R /Encrypt 13 0 R"),
    "broken.pdf": pdf_bytes([(1, b"<</Type /Catalog>>"), (2, b"<</Length 99>>\nstream\nshort\nendstream")],
                            prefix=b"junk" * 20)[:-30] + b"startxref\n999999\n",
}
targets = {
    "zip_structure": zips,
    "unpack_zip": zips,
    "zip_differential": zips,
    "unpack_tar": tars,
    "unpack_compressed": compressed,
    "unpack_mime": mail,
    "unpack_data_uris": pages,
    "detect": {**types, **{k: v for k, v in list(zips.items())[:3]}},
    "scan_bytes": {
        **types,
        **zips,
        **tars,
        **mail,
        **pages,
        "tgz": gzip.compress(tars["ustar.tar"], mtime=0),
    },
    "scan_reader": {k: b"\x10\x20\x40" + v for k, v in list(zips.items())[:4]},
    "names_policy": {"names": b"invoice_\xe2\x80\xaegpj.exe\0[types]\nexecutable = \"block\"\n"},
    "archive_structured": {"a": bytes(range(64)), "b": bytes(range(255, 0, -3))},
    "unpack_pdf": pdfs,
}
for target, files in targets.items():
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        if name == "iso":
            continue  # too large for a seed; built in tests instead
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
print("seeds written")
