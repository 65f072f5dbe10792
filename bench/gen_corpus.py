#!/usr/bin/env python3
"""Generates the benchmark corpus: a deterministic set of IM/P2P-like
attachments of about 300 MB (text, HTML, JSON, images, PDFs, random binaries,
small executables; zips stored and deflated, nested two and three deep, one
with hundreds of entries; tar, gz, tar.gz), with EICAR placed plain and
nested in files named eicar_*. EICAR is assembled here at run time.

usage: gen_corpus.py OUT_DIR [SCALE]   (SCALE 1.0 is about 300 MB)
"""
import gzip
import io
import os
import random
import struct
import sys
import tarfile
import zipfile

OUT = sys.argv[1]
SCALE = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
rnd = random.Random(20261121)
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*")

WORDS = ("the meeting report figures attached please review budget project team "
         "schedule holiday photo invoice contract update draft final version notes "
         "customer delivery shipment order payment thanks regards tomorrow").split()


def text(n):
    out = []
    size = 0
    while size < n:
        line = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 16))).capitalize() + ".\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def html(n):
    body = text(n).decode().replace("\n", "</p>\n<p>")
    return ("<!DOCTYPE html><html><head><title>Report</title></head><body><p>" + body + "</p></body></html>").encode()[:n]


def json_doc(n):
    items = []
    size = 0
    i = 0
    while size < n:
        item = '{"id": %d, "name": "%s", "amount": %d, "tags": ["%s", "%s"]}' % (
            i, rnd.choice(WORDS), rnd.randint(1, 10000), rnd.choice(WORDS), rnd.choice(WORDS))
        items.append(item)
        size += len(item) + 2
        i += 1
    return ("[" + ",\n".join(items) + "]").encode()


def randbytes(n):
    return rnd.randbytes(n)


def png(n):
    # A PNG header and an IDAT of incompressible bytes (like a real photo).
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0) + b"\0\0\0\0"
    return head + struct.pack(">I", n) + b"IDAT" + randbytes(n) + b"\0\0\0\0" + b"\0\0\0\0IEND\xaeB`\x82"


def jpeg(n):
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + randbytes(n) + b"\xff\xd9"


def pdf(n):
    stream = randbytes(n)
    return (b"%PDF-1.5\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
            b"3 0 obj <</Type /Page /Parent 2 0 R /Contents 4 0 R>> endobj\n"
            b"4 0 obj <</Length " + str(len(stream)).encode() + b" /Filter /FlateDecode>>\nstream\n" + stream +
            b"\nendstream endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")


def pe(n):
    b = bytearray(1024)
    b[0:2] = b"MZ"
    b[0x3c:0x40] = struct.pack("<I", 0x80)
    b[0x80:0x84] = b"PE\0\0"
    b[0x84:0x86] = struct.pack("<H", 0x14c)
    b[0x86:0x88] = struct.pack("<H", 1)
    b[0x94:0x96] = struct.pack("<H", 0xe0)
    b[0x96:0x98] = struct.pack("<H", 0x0102)
    b[0x98:0x9a] = struct.pack("<H", 0x10b)
    return bytes(b) + randbytes(max(0, n - 1024))


KINDS = [("txt", text), ("html", html), ("json", json_doc), ("png", png), ("jpg", jpeg),
         ("pdf", pdf), ("bin", randbytes), ("exe", pe)]


def member(i, small=False):
    ext, f = KINDS[i % len(KINDS)]
    n = rnd.randint(2_000, 40_000) if small else rnd.randint(20_000, 600_000)
    return "file%05d.%s" % (i, ext), f(n)


def zip_bytes(members, method):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", method) as z:
        for name, data in members:
            z.writestr(name, data)
    return bio.getvalue()


def tar_bytes(members):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data))
    return bio.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    return len(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    target = int(300_000_000 * SCALE)
    i = 0
    # EICAR placements, one per file, so each tool's count can be compared.
    placements = {
        "eicar_plain.com": EICAR,
        "eicar_stored.zip": zip_bytes([("readme.txt", text(3000)), ("eicar.com", EICAR)], zipfile.ZIP_STORED),
        "eicar_deflated.zip": zip_bytes([("readme.txt", text(3000)), ("eicar.com", EICAR)], zipfile.ZIP_DEFLATED),
        "eicar_nested2.zip": zip_bytes([("inner.zip", zip_bytes([("eicar.com", EICAR)], zipfile.ZIP_DEFLATED))], zipfile.ZIP_DEFLATED),
        "eicar_nested3.zip": zip_bytes([("l2.zip", zip_bytes([("l3.zip", zip_bytes([("eicar.com", EICAR)], zipfile.ZIP_DEFLATED))], zipfile.ZIP_DEFLATED))], zipfile.ZIP_DEFLATED),
        "eicar.txt.gz": gzip.compress(EICAR, mtime=0),
        "eicar_bundle.tar.gz": gzip.compress(tar_bytes([("a.txt", text(5000)), ("docs/eicar.com", EICAR)]), mtime=0),
        "eicar_in_tgz_in_zip.zip": zip_bytes([("b.tar.gz", gzip.compress(tar_bytes([("eicar.com", EICAR)]), mtime=0))], zipfile.ZIP_DEFLATED),
        "eicar_many_entries.zip": zip_bytes([member(j, True) for j in range(300)] + [("deep/eicar.com", EICAR)], zipfile.ZIP_DEFLATED),
        "eicar_large_zip.zip": zip_bytes([member(j) for j in range(40)] + [("z/eicar.com", EICAR)], zipfile.ZIP_DEFLATED),
    }
    for name, data in placements.items():
        total += write(name, data)
    while total < target:
        kind = i % 10
        if kind < 5:
            name, data = member(i)
            total += write(name, data)
        elif kind == 5:
            total += write("bundle%05d.zip" % i, zip_bytes([member(i * 10 + j) for j in range(rnd.randint(3, 12))], zipfile.ZIP_DEFLATED))
        elif kind == 6:
            total += write("photos%05d.zip" % i, zip_bytes([member(i * 10 + j) for j in range(rnd.randint(3, 8))], zipfile.ZIP_STORED))
        elif kind == 7:
            inner = zip_bytes([member(i * 10 + j) for j in range(4)], zipfile.ZIP_DEFLATED)
            inner2 = zip_bytes([("inner.zip", inner), member(i * 10 + 5)], zipfile.ZIP_DEFLATED)
            total += write("nested%05d.zip" % i, zip_bytes([("level2.zip", inner2), member(i * 10 + 6)], zipfile.ZIP_DEFLATED))
        elif kind == 8:
            total += write("archive%05d.tar.gz" % i, gzip.compress(tar_bytes([member(i * 10 + j) for j in range(5)]), mtime=0, compresslevel=6))
        else:
            if i % 20 == 9:
                total += write("backup%05d.tar" % i, tar_bytes([member(i * 10 + j) for j in range(4)]))
            else:
                name, data = member(i)
                total += write(name + ".gz", gzip.compress(data, mtime=0, compresslevel=6))
        i += 1
    print("corpus: %d files, %.1f MB, %d EICAR placements" % (len(os.listdir(OUT)), total / 1e6, len(placements)))


main()
