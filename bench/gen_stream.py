#!/usr/bin/env python3
"""Inputs of the streaming benchmark (bench/stream.sh), written to DIR:

- random_2g.bin: 2 GiB of random bytes (clean);
- eicar_end.bin: 1.5 GiB of random bytes with the EICAR string at the very end;
- big_entry.zip: a zip whose first entry is 300 MB of random bytes, stored,
  followed by an entry holding the EICAR string;
- padded.exe: a PE header padded to 700 MB (binary padding, T1027.001).

The EICAR string is assembled here from two halves; it is stored nowhere.
"""
import os
import struct
import sys
import zipfile

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"
MIB = 1 << 20


def random_file(path, size, tail=b""):
    with open(path, "wb") as f:
        left = size - len(tail)
        while left > 0:
            n = min(left, 64 * MIB)
            f.write(os.urandom(n))
            left -= n
        f.write(tail)


def tiny_pe():
    b = bytearray(1024)
    b[0:2] = b"MZ"
    b[0x3C:0x40] = struct.pack("<I", 0x80)
    b[0x80:0x84] = b"PE\0\0"
    b[0x84:0x86] = struct.pack("<H", 0x14C)
    b[0x86:0x88] = struct.pack("<H", 1)
    b[0x94:0x96] = struct.pack("<H", 0xE0)
    b[0x96:0x98] = struct.pack("<H", 0x0102)
    b[0x98:0x9A] = struct.pack("<H", 0x10B)
    b[0x98 + 92 : 0x98 + 96] = struct.pack("<I", 16)
    return bytes(b)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    made = []
    p = os.path.join(out, "random_2g.bin")
    if not os.path.exists(p):
        random_file(p, 2 << 30)
    made.append(p)
    p = os.path.join(out, "eicar_end.bin")
    if not os.path.exists(p):
        random_file(p, 3 << 29, EICAR)
    made.append(p)
    p = os.path.join(out, "big_entry.zip")
    if not os.path.exists(p):
        with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
            with z.open("random.bin", "w", force_zip64=True) as w:
                left = 300 * 1000 * 1000
                while left > 0:
                    n = min(left, 64 * MIB)
                    w.write(os.urandom(n))
                    left -= n
            z.writestr("eicar.com", EICAR)
    made.append(p)
    p = os.path.join(out, "padded.exe")
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(tiny_pe())
            f.truncate(700 * 1000 * 1000)
    made.append(p)
    print("\n".join(made))


if __name__ == "__main__":
    main()
