#!/usr/bin/env python3
"""Generates the benchmark corpus: a deterministic set of IM/P2P-like
attachments of about 300 MB (text, HTML, JSON, images, PDFs, random binaries,
small executables; zips stored and deflated, nested two and three deep, one
with hundreds of entries; tar, gz, tar.gz), with EICAR placed plain and
nested in files named eicar_*. EICAR is assembled here at run time.

With the profile `archives`, the corpus is archive-heavy instead (issue 13):
archives of hundreds to thousands of small entries (text, JSON, source code,
thumbnails, office files), chat-history exports, nested zips of office
documents, source tarballs and mailboxes of many parts: more than 10,000
layers once unpacked at scale 1.0.

With the profile `transfers`, it is a day of a gateway's transfers: about
1,200 files, mostly single attachments, with archives, tarballs and small
mailboxes between them (about 23,000 layers at scale 1.0).

usage: gen_corpus.py OUT_DIR [SCALE] [PROFILE]   (SCALE 1.0 is about 300 MB;
       PROFILE is `mixed`, the default, `archives` or `transfers`)
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
PROFILE = sys.argv[3] if len(sys.argv) > 3 else "mixed"
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


def small_member(i):
    """A small file of the kinds archives of many entries hold."""
    k = i % 6
    if k == 0:
        return "notes/n%05d.txt" % i, text(rnd.randint(200, 6_000))
    if k == 1:
        return "data/d%05d.json" % i, json_doc(rnd.randint(300, 8_000))
    if k == 2:
        return "thumbs/t%05d.png" % i, png(rnd.randint(800, 4_000))
    if k == 3:
        return "src/m%05d.py" % i, source(rnd.randint(400, 9_000))
    if k == 4:
        return "docs/r%05d.docx" % i, docx(rnd.randint(500, 5_000))
    return "img/p%05d.jpg" % i, jpeg(rnd.randint(1_000, 12_000))


def source(n):
    lines = []
    size = 0
    while size < n:
        w = rnd.choice(WORDS)
        line = "def %s_%d(x):\n    return x + %d  # %s\n" % (w, size, rnd.randint(0, 99), rnd.choice(WORDS))
        lines.append(line)
        size += len(line)
    return "".join(lines).encode()[:n]


def docx(n):
    """A minimal OOXML document, as Word lays it out."""
    body = "<w:document><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>" % text(n).decode()
    return zip_bytes([
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
        ("word/document.xml", body.encode()),
        ("word/styles.xml", b'<?xml version="1.0"?><w:styles/>'),
        ("docProps/core.xml", b'<?xml version="1.0"?><cp:coreProperties/>'),
    ], zipfile.ZIP_DEFLATED)


def mbox(messages, i0):
    out = []
    for m in range(messages):
        boundary = "b%d" % m
        parts = []
        for p in range(rnd.randint(1, 4)):
            name, data = small_member(i0 + m * 4 + p)
            import base64
            parts.append("--%s\nContent-Type: application/octet-stream; name=\"%s\"\n"
                         "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"%s\"\n\n%s\n"
                         % (boundary, os.path.basename(name), os.path.basename(name),
                            base64.encodebytes(data).decode()))
        out.append("From sender@example.org Mon Nov 23 10:00:00 2026\nFrom: sender@example.org\n"
                   "Subject: files %d\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"%s\"\n\n%s--%s--\n\n"
                   % (m, boundary, "".join(parts), boundary))
    return "".join(out).encode()


def main_archives():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    target = int(300_000_000 * SCALE)
    placements = {
        "eicar_in_thumbnails.zip": zip_bytes([small_member(j) for j in range(900)] + [("thumbs/eicar.com", EICAR)], zipfile.ZIP_DEFLATED),
        "eicar_in_sources.tar.gz": gzip.compress(tar_bytes([small_member(j * 6 + 3) for j in range(300)] + [("src/eicar.com", EICAR)]), mtime=0),
        "eicar_in_office_nest.zip": zip_bytes([("docs.zip", zip_bytes([small_member(j * 6 + 4) for j in range(60)] + [("x/eicar.com", EICAR)], zipfile.ZIP_DEFLATED))], zipfile.ZIP_DEFLATED),
        "eicar_in_mail.mbox": mbox(40, 0) + b"From x@example.org Mon Nov 23 10:00:00 2026\nFrom: x@example.org\nSubject: t\n\n" + EICAR + b"\n",
    }
    for name, data in placements.items():
        total += write(name, data)
    i = 0
    while total < target:
        kind = i % 10
        base = i * 5000
        if kind == 0:
            n = rnd.randint(50, 600)
            total += write("thumbnails%04d.zip" % i, zip_bytes([small_member(base + j) for j in range(n)], zipfile.ZIP_DEFLATED))
        elif kind == 1:
            n = rnd.randint(25, 200)
            total += write("project%04d.tar.gz" % i, gzip.compress(tar_bytes([small_member(base + j * 6 + 3) for j in range(n)]), mtime=0))
        elif kind == 2:
            inner = [("batch%d.zip" % k, zip_bytes([small_member(base + k * 100 + j * 6 + 4) for j in range(rnd.randint(5, 20))], zipfile.ZIP_DEFLATED)) for k in range(rnd.randint(2, 4))]
            total += write("office%04d.zip" % i, zip_bytes(inner, zipfile.ZIP_DEFLATED))
        elif kind == 3:
            n = rnd.randint(50, 300)
            export = [("chat/%05d.json" % j, json_doc(rnd.randint(200, 3_000))) for j in range(n)]
            total += write("chat_export%04d.zip" % i, zip_bytes(export, zipfile.ZIP_DEFLATED))
        elif kind == 4:
            total += write("mail%04d.mbox" % i, mbox(rnd.randint(5, 25), base))
        else:
            # Larger files between the archives, as real transfers have.
            ext, f = KINDS[i % len(KINDS)]
            total += write("large%04d.%s" % (i, ext), f(rnd.randint(500_000, 3_000_000)))
        i += 1
    print("corpus: %d files, %.1f MB, %d EICAR placements" % (len(os.listdir(OUT)), total / 1e6, len(placements)))


def main_transfers():
    """What a gateway sees in a day of transfers: mostly single attachments
    (text, HTML, JSON, images, PDFs, office documents, random binaries),
    with archives of tens to hundreds of small entries, source tarballs
    and small mailboxes between them (shaped like issue 13's held-out
    corpus: about 1,200 files, 300 MB, 23,000 layers)."""
    os.makedirs(OUT, exist_ok=True)
    placements = {
        "eicar_in_attachments.zip": zip_bytes([small_member(j) for j in range(120)] + [("scan/eicar.com", EICAR)], zipfile.ZIP_DEFLATED),
        "eicar_in_sources.tar.gz": gzip.compress(tar_bytes([small_member(j * 6 + 3) for j in range(40)] + [("src/eicar.com", EICAR)]), mtime=0),
        "eicar_in_mail.mbox": mbox(3, 0) + b"From x@example.org Mon Nov 23 10:00:00 2026\nFrom: x@example.org\nSubject: t\n\n" + EICAR + b"\n",
        "eicar_plain.txt": EICAR,
    }
    total = 0
    for name, data in placements.items():
        total += write(name, data)
    for i in range(int(1225 * SCALE)):
        k = i % 12
        if k == 0:
            n = rnd.randint(20, 150)
            total += write("thumbs%04d.zip" % i, zip_bytes([small_member(i * 1000 + j) for j in range(n)], zipfile.ZIP_DEFLATED))
        elif k == 1:
            n = rnd.randint(10, 60)
            total += write("src%04d.tar.gz" % i, gzip.compress(tar_bytes([small_member(i * 1000 + j * 6 + 3) for j in range(n)]), mtime=0))
        elif k == 2:
            total += write("doc%04d.docx" % i, docx(rnd.randint(2_000, 60_000)))
        elif k == 3:
            total += write("mail%04d.mbox" % i, mbox(rnd.randint(1, 5), i * 1000))
        else:
            ext, f = KINDS[i % len(KINDS)]
            if ext == "exe":
                ext, f = "txt", text
            total += write("f%04d.%s" % (i, ext), f(rnd.randint(5_000, 700_000)))
    print("corpus: %d files, %.1f MB, %d EICAR placements" % (len(os.listdir(OUT)), total / 1e6, len(placements)))


if PROFILE == "archives":
    main_archives()
elif PROFILE == "transfers":
    main_transfers()
else:
    main()
