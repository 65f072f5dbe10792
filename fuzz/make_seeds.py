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
import zipfile
import zlib

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
}

# Cabinets (stored, MSZIP, LZX uncompressed block; a cut one) and RAR 4/5
# archives of stored entries, written field by field as tests/cab.rs and
# tests/rar_writer.rs write them.
def cab_bytes(method, blocks, files, flags=0, set_names=b""):
    table = b""
    for name, off, size, folder in files:
        table += struct.pack("<IIHHHH", size, off, folder, 0, 0, 0x20) + name + b"\0"
    files_off = 36 + len(set_names) + 8
    data_off = files_off + len(table)
    total = data_off + sum(8 + len(d) for d, _ in blocks)
    v = b"MSCF" + struct.pack("<IIIII", 0, total, 0, files_off, 0) + bytes([3, 1])
    v += struct.pack("<HHHHH", 1, len(files), flags, 0x1234, 0) + set_names
    v += struct.pack("<IHH", data_off, len(blocks), method) + table
    for d, un in blocks:
        v += struct.pack("<IHH", 0, len(d), un) + d
    return v


def mszip_block(data, history=b""):
    c = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=history) if history else zlib.compressobj(9, zlib.DEFLATED, -15)
    return b"CK" + c.compress(data) + c.flush()


def lzx_stored(data):
    bits = (3 << 28) | (len(data) << 4)
    return struct.pack("<HH", bits >> 16, bits & 0xFFFF) + struct.pack("<III", 1, 1, 1) + data


part1, part2 = b"hello cabinet " * 20, b"second block " * 30
cabs = {
    "stored.cab": cab_bytes(0, [(b"alphabeta", 9)], [(b"a.txt", 0, 5, 0), (b"d\\b.txt", 5, 4, 0)]),
    "mszip.cab": cab_bytes(
        1,
        [(mszip_block(part1), len(part1)), (mszip_block(part2, part1), len(part2))],
        [(b"a.txt", 0, len(part1), 0), (b"b.txt", len(part1), len(part2), 0)],
    ),
    "lzx.cab": cab_bytes(0x0F03, [(lzx_stored(b"lzx data"), 8)], [(b"x.bin", 0, 8, 0)]),
    "set.cab": cab_bytes(
        0, [(b"abc", 3), (b"", 0)], [(b"a", 0, 2, 0), (b"b", 2, 9, 0xFFFE)], 2, b"p2.cab\0d2\0"
    ),
}
cabs["cut.cab"] = cabs["mszip.cab"][:-20]


def vint(x):
    out = b""
    while True:
        b, x = x & 0x7F, x >> 7
        if x == 0:
            return out + bytes([b])
        out += bytes([b | 0x80])


def block5(body):
    sized = vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(sized)) + sized


def rar5_bytes(files, volume=False, encrypted=False, method=0):
    v = b"Rar!\x1a\x07\x01\x00" + block5(vint(1) + vint(0) + vint(1 if volume else 0))
    for name, data in files:
        extra = b""
        if encrypted:
            rec = vint(1) + vint(0) + vint(0) + bytes([15]) + b"\x11" * 32
            extra = vint(len(rec)) + rec
        f = vint(2) + vint(0x02 | (1 if extra else 0))
        if extra:
            f += vint(len(extra))
        f += vint(len(data)) + vint(4) + vint(len(data)) + vint(0x20)
        f += struct.pack("<I", zlib.crc32(data)) + vint(method << 7) + vint(1) + vint(len(name)) + name + extra
        v += block5(f) + data
    return v + block5(vint(5) + vint(0) + vint(1 if volume else 0))


def block4(ty, flags, rest):
    h = bytes([ty]) + struct.pack("<HH", flags, 7 + len(rest)) + rest
    return struct.pack("<H", zlib.crc32(h) & 0xFFFF) + h


def rar4_bytes(files, flags=0):
    v = b"Rar!\x1a\x07\x00" + block4(0x73, 0, b"\0" * 6)
    for name, data in files:
        r = struct.pack("<IIBIIBBHI", len(data), len(data), 3, zlib.crc32(data), 0x5A210000, 29, 0x30, len(name), 0x20)
        v += block4(0x74, 0x8000 | flags, r + name) + data
    return v + block4(0x7B, 0x4000, b"")


rars = {
    "stored5.rar": rar5_bytes([(b"a.txt", b"alpha"), (b"d/b.txt", b"beta")]),
    "volume5.rar": rar5_bytes([(b"a.txt", b"alpha")], volume=True),
    "enc5.rar": rar5_bytes([(b"a.txt", b"alpha")], encrypted=True),
    "packed5.rar": rar5_bytes([(b"a.txt", b"alpha")], method=3),
    "stored4.rar": rar4_bytes([(b"a.txt", b"alpha"), (b"d\\b.txt", b"beta")]),
    "enc4.rar": rar4_bytes([(b"a.txt", b"alpha")], flags=0x0004),
}
targets["unpack_cab"] = cabs
targets["unpack_rar"] = rars
for target, files in targets.items():
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        if name == "iso":
            continue  # too large for a seed; built in tests instead
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
print("seeds written")
