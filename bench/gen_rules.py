#!/usr/bin/env python3
"""Writes about 100 YARA rules in the subset that yara, yara-x and ClamAV
all accept (text and hex strings with ascii/wide/nocase, conditions over
string counts and offsets; no modules, no loops), modelled on common
public rules: droppers, web shells, phishing kits, RATs, packers, exploit
documents. One of them is the EICAR rule, written so that ClamAV loads it.

usage: gen_rules.py OUT_FILE
"""
import random
import sys

rnd = random.Random(7)
families = ["Agent", "Loader", "Stealer", "Rat", "Dropper", "Miner", "Banker", "Wiper", "Backdoor", "Phish"]
markers = [
    "cmd.exe /c ", "powershell -nop", "Invoke-Mimikatz", "VirtualAllocEx", "WriteProcessMemory",
    "CreateRemoteThread", "URLDownloadToFileA", "WinExec", "ShellExecuteA", "GetProcAddress",
    "LoadLibraryA", "RegSetValueExA", "Software\\Microsoft\\Windows\\CurrentVersion\\Run",
    "schtasks /create", "bitsadmin /transfer", "certutil -decode", "vssadmin delete shadows",
    "wevtutil cl", "net user /add", "eval(base64_decode(", "document.write(unescape(",
    "<iframe src=", "ActiveXObject", "WScript.Shell", "Scripting.FileSystemObject",
    "stratum+tcp://", "xmrig", "keylogger", "screenshot", "password", "wallet.dat",
    "Login Data", "cookies.sqlite", "\\AppData\\Roaming\\", "/bin/sh -c", "chmod 777",
    "wget http", "curl -s http", "nc -e /bin/sh", "socket.connect", "Mozilla/4.0 (compatible; MSIE 6.0",
]
lines = []
lines.append("""rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-virus test file"
        severity = "high"
    strings:
        $head = "X5O!P%@AP[4\\\\PZX54(P^)7CC)7}$"
        $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $head and $tail
}
""")
for i in range(99):
    fam = families[i % len(families)]
    picks = rnd.sample(markers, 4)
    hexs = " ".join("%02X" % rnd.randrange(256) for _ in range(8))
    strings = []
    for j, m in enumerate(picks):
        esc = m.replace("\\", "\\\\").replace('"', '\\"')
        mod = rnd.choice(["ascii", "ascii wide", "nocase", "ascii wide nocase"])
        strings.append('        $s%d = "%s" %s' % (j, esc, mod))
    strings.append("        $h0 = { %s }" % hexs)
    # Every string is referenced (yara, yara-x and ClamAV all insist).
    cond = rnd.choice(["3 of them", "all of ($s*) or $h0", "($s0 and $s1) or any of ($s2, $s3, $h0)",
                       "$h0 or 2 of ($s*)", "#s0 > 2 or all of them"])
    lines.append("""rule %s_%s_%03d
{
    meta:
        description = "synthetic %s rule %d"
        severity = "high"
    strings:
%s
    condition:
        %s
}
""" % (fam, "Generic", i, fam, i, "\n".join(strings), cond))
with open(sys.argv[1], "w") as f:
    f.write("\n".join(lines))
print("rules: %d" % (len(lines)))
