// Windows shortcuts sent as attachments that start a shell or script host.

rule LNK_Launches_Shell
{
    meta:
        description = "Windows shortcut whose target or arguments start a shell or script host"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1204/002/"
    strings:
        $s1 = "cmd.exe" nocase ascii wide
        $s2 = "powershell" nocase ascii wide
        $s3 = "mshta" nocase ascii wide
        $s4 = "wscript" nocase ascii wide
        $s5 = "cscript" nocase ascii wide
        $s6 = "rundll32" nocase ascii wide
        $s7 = "regsvr32" nocase ascii wide
        $s8 = "conhost" nocase ascii wide
    condition:
        uint32(0) == 0x0000004C and uint32(4) == 0x00021401 and any of them
}
