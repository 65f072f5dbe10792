#!/usr/bin/env python3
"""Writes the C tests' fixtures into the folder given: EICAR in a zip in a
zip, a clean file, a configuration, a corrupt precompiled rules file, and
copies of the WinRAR-made archives of tests/data/rar/ (compressed, solid,
encrypted: no free tool writes compressed RAR, so there is no RAR fixture
with EICAR in a compressed entry; see that folder's README). The EICAR
string is assembled here from two halves, so that no file in the
repository holds it whole."""

import io
import shutil
import sys
import zipfile
from pathlib import Path

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)

for rar in ["solid.rar", "version.rar", "crypted.rar"]:
    shutil.copyfile(Path(__file__).parent.parent / "data" / "rar" / rar, out / rar)

eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

inner = io.BytesIO()
with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("readme.txt", "nothing to see here\n" * 50)
    z.writestr("eicar.com", eicar)
outer = io.BytesIO()
with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("notes.txt", "meeting notes\n" * 100)
    z.writestr("docs/inner.zip", inner.getvalue())
(out / "nested.zip").write_bytes(outer.getvalue())

(out / "clean.txt").write_bytes(b"meeting report figures attached please review\n" * 200)

(out / "config.toml").write_text(
    'passwords = ["infected", "from-the-test"]\n'
    'hashes = "every"\n'
    "[limits]\n"
    "max_depth = 8\n"
    'max_time = "30s"\n'
)
(out / "bad-config.toml").write_text("[limits]\nmax_depht = 8\n")

# The magic of yara-x's serialized rules, then bytes that are not rules.
(out / "corrupt.yarc").write_bytes(b"YARA-X\0\0" + bytes(range(256)) * 4)
