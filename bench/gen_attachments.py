#!/usr/bin/env python3
"""Writes the attachments of the daemon load test (bench/serve.sh), two
folders of 100 files each, deterministic:

- plain/: 10 KB attachments (text, HTML, JSON, PNG, PDF), all clean;
- mix/: 70 of those, 25 zips of three 10 KB members, 4 zips nested in a
  zip, and one nested zip holding EICAR (assembled here from two halves).

usage: gen_attachments.py OUT_DIR
"""
import io
import os
import random
import struct
import sys
import zipfile
import zlib

OUT = sys.argv[1]
rnd = random.Random(20261129)
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"
WORDS = ("the meeting report figures attached please review budget project team "
         "schedule holiday photo invoice contract update draft final version notes").split()


def text(n):
    out, size = [], 0
    while size < n:
        line = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 16))).capitalize() + ".\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def html(n):
    body = text(n).decode().replace("\n", "</p>\n<p>")
    return ("<!DOCTYPE html><html><body><p>" + body + "</p></body></html>").encode()[:n]


def json_doc(n):
    items, size, i = [], 0, 0
    while size < n:
        item = '{"id": %d, "name": "%s", "amount": %d}' % (i, rnd.choice(WORDS), rnd.randint(1, 10000))
        items.append(item)
        size += len(item) + 2
        i += 1
    return ("[" + ",\n".join(items) + "]").encode()[:n - 1] + b"]"


def png(n):
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0) + b"\0\0\0\0"
    data = rnd.randbytes(n - len(head) - 24)
    return head + struct.pack(">I", len(data)) + b"IDAT" + data + b"\0\0\0\0" + b"\0\0\0\0IEND\xaeB`\x82"


def pdf(n):
    # A page whose content is a compressed image, as a scan would be: the
    # stream is a real zlib stream (of incompressible bytes).
    stream = zlib.compress(rnd.randbytes(n - 300))
    return (b"%PDF-1.5\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
            b"3 0 obj <</Type /Page /Parent 2 0 R /Contents 4 0 R>> endobj\n"
            b"4 0 obj <</Length " + str(len(stream)).encode() + b" /Filter /FlateDecode>>\nstream\n" + stream +
            b"\nendstream endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")


KINDS = [("txt", text), ("html", html), ("json", json_doc), ("png", png), ("pdf", pdf)]


def attachment(i):
    ext, f = KINDS[i % len(KINDS)]
    return "att%03d.%s" % (i, ext), f(10_000)


def zipped(members):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return bio.getvalue()


def write(folder, name, data):
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    with open(os.path.join(OUT, folder, name), "wb") as f:
        f.write(data)


for i in range(100):
    write("plain", *attachment(i))
for i in range(70):
    write("mix", *attachment(i))
for i in range(25):
    write("mix", "docs%02d.zip" % i, zipped([attachment(100 + 3 * i + k) for k in range(3)]))
for i in range(4):
    inner = zipped([attachment(200 + 2 * i + k) for k in range(2)])
    write("mix", "nested%02d.zip" % i, zipped([("inner.zip", inner), attachment(300 + i)]))
write("mix", "nested_eicar.zip", zipped([("inner.zip", zipped([("eicar.com", EICAR)]))]))
print("attachments: plain/ and mix/ in", OUT)
