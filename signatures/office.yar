// Office documents whose VBA macros run by themselves when the document is
// opened or closed. The macro project's identifiers survive VBA's
// compression well enough to be matched in the OLE2 container.

rule Office_AutoRun_Macro
{
    meta:
        description = "OLE2 document with a VBA project and an auto-run entry point"
        severity = "medium"
        reference = "https://attack.mitre.org/techniques/T1137/"
    strings:
        $vba1 = "_VBA_PROJECT" wide
        $vba2 = "Attribut" ascii
        $a1 = "AutoOpen" nocase ascii wide
        $a2 = "Auto_Open" nocase ascii wide
        $a3 = "Document_Open" nocase ascii wide
        $a4 = "Workbook_Open" nocase ascii wide
        $a5 = "AutoExec" nocase ascii wide
        $a6 = "Document_Close" nocase ascii wide
        $a7 = "AutoClose" nocase ascii wide
        $a8 = "Auto_Close" nocase ascii wide
    condition:
        uint32be(0) == 0xD0CF11E0 and any of ($vba*) and any of ($a*)
}

rule Office_Macro_Shell_Execution
{
    meta:
        description = "OLE2 document whose macros reach for a shell or a downloader"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1204/002/"
    strings:
        $vba = "Attribut" ascii
        $s1 = "WScript.Shell" nocase ascii
        $s2 = "Shell(" nocase ascii
        $s3 = "powershell" nocase ascii
        $s4 = "URLDownloadToFile" nocase ascii
        $s5 = "MSXML2.XMLHTTP" nocase ascii
    condition:
        uint32be(0) == 0xD0CF11E0 and $vba and 2 of ($s*)
}
