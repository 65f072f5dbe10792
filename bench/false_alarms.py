#!/usr/bin/env python3
"""Counts false alarms in `xferscan scan --json` reports (one per line).

A report that is not clean is a false alarm unless the file holds (at any
depth) an object that a trusted gateway blocks anyway:

- a name whose extension is on Gmail's list of blocked file types (the
  types Windows runs or installs on a double click), judged here from the
  names in the report, not from xferscan's findings; or
- an object whose true type, read from its magic numbers, is native code
  (PE, ELF, Mach-O, DEX and the other bytecode formats of the `executable`
  group) or one of the binary types on Gmail's list (MSI, APK, JAR, CAB,
  LNK, ISO/UDF/VHD/DMG/IMG disk images).

Windows scripts recognised by content are deliberately not exempt: prose
taken for a batch file is exactly the false alarm this counts.

usage: false_alarms.py REPORTS.jsonl [LABEL]
Prints the figures and the causes (the policy entry that decided, with the
finding's kind and, for types and signatures, which one), with examples.
"""

import collections
import json
import sys

# https://support.google.com/mail/answer/6590 ("File types you can't include
# as attachments"), as of 2026.
GMAIL_BLOCKED = set(
    """ade adp apk appx appxbundle bat cab chm cmd com cpl diagcab diagcfg
    diagpkg dll dmg ex ex_ exe hta img ins iso isp jar jnlp js jse lib lnk mde
    mjs msc msi msix msixbundle msp mst nsh pif ps1 scr sct shb sys vb vbe vbs
    vhd vxd wsc wsf wsh xll""".split()
)

# True types read from magic numbers that are exempt (see the docstring).
EXEMPT_TYPES = set(
    """pe-exe pe-dll pe-dotnet dos-exe elf mach dex class wasm swf bc obj dey
    msi apk jar cab lnk iso udf vhd vhdx dmg img""".split()
)


def extension(name):
    base = name.replace("\\", "/").rsplit("/", 1)[-1].rstrip(". ")
    if "." not in base.strip("."):
        return None
    return base.rsplit(".", 1)[-1].strip().lower()


def exempt(report):
    for o in report.get("objects", []):
        path = o.get("path") or []
        if path and o.get("origin", {}).get("named", True):
            if extension(path[-1]) in GMAIL_BLOCKED:
                return "gmail-listed name %s" % path[-1]
        types = o.get("types") or []
        if types and types[0].get("type") in EXEMPT_TYPES:
            return "true type %s" % types[0]["type"]
    return None


def cause(f):
    kind = f.get("kind")
    by = f.get("decided_by", "")
    if kind == "true_type":
        return "%s (true type %s)" % (by, f.get("type"))
    if kind == "signature":
        return "signature %s" % f.get("rule")
    return "%s (%s)" % (by, kind)


def main():
    path = sys.argv[1]
    label = sys.argv[2] if len(sys.argv) > 2 else path
    files = objects = 0
    verdicts = collections.Counter()
    exempted = collections.Counter()
    alarms = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            files += 1
            objects += len(r.get("objects", []))
            v = r.get("verdict", "clean")
            verdicts[v] += 1
            if v == "clean":
                continue
            why = exempt(r)
            if why:
                exempted[why.split(" ")[0] + " " + why.split(" ")[1]] += 1
                continue
            alarms.append(r)

    by_cause = collections.defaultdict(list)
    for r in alarms:
        seen = set()
        for f in r.get("findings", []):
            if f.get("action") == "allow":
                continue
            c = cause(f)
            if c in seen:
                continue
            seen.add(c)
            where = "/".join(f.get("path", [])) or "?"
            if len(where) > 160 or not where.isprintable():
                where = ascii(where[:160])
            by_cause[c].append((f.get("action"), where))

    print("== false alarms: %s" % label)
    print("files scanned:   %d (%d objects)" % (files, objects))
    print(
        "verdicts:        %d clean, %d suspicious, %d malicious"
        % (verdicts["clean"], verdicts["suspicious"], verdicts["malicious"])
    )
    print(
        "exempt:          %d (not clean, and holding a Gmail-listed name or an executable by content)"
        % sum(exempted.values())
    )
    blocked = sum(1 for r in alarms if r.get("verdict") == "malicious")
    print(
        "FALSE ALARMS:    %d files (%d blocked, %d flagged)"
        % (len(alarms), blocked, len(alarms) - blocked)
    )
    for c, hits in sorted(by_cause.items(), key=lambda kv: -len(kv[1])):
        actions = collections.Counter(a for a, _ in hits)
        print(
            "  %6d  %s  [%s]"
            % (len(hits), c, ", ".join("%s %d" % kv for kv in sorted(actions.items())))
        )
        for _, where in hits[:3]:
            print("            e.g. %s" % where)


if __name__ == "__main__":
    main()
