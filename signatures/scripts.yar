// Script droppers as they arrive in chats: download cradles that fetch and
// run a second stage, and scripts that hide their command line.
//
// These rules apply to scripts only: objects whose true type is a script
// (the engine tells the rules through the external variables `xferscan_type`
// and `xferscan_group`, see README.md), and script text that a container
// carries (a page's `<script>` element, typed `javascript`; a VBA module,
// typed `vba`). A how-to in plain text, Markdown or HTML that mentions
// `Invoke-WebRequest` and `Start-Process` is read, not run. A host that sets
// no type (the variables empty) gets the rules on every object, and then
// `Documentation_Quoting_Commands` still keeps them off documentation.

private rule Script_Object
{
    meta:
        description = "The object is a script, script text carried by a page or document, or of a type the host did not say"
        severity = "info"
        reference = "signatures/README.md"
    condition:
        xferscan_group == "windows_script" or xferscan_group == "other_script"
        or xferscan_type == "javascript" or xferscan_type == "vba"
        or xferscan_type == ""
}

private rule Launcher_Object
{
    meta:
        description = "The object is a shortcut or launcher (LNK, URL, SCF, library, desktop entry)"
        severity = "info"
        reference = "signatures/README.md"
    condition:
        xferscan_group == "shortcut"
}

private rule Documentation_Quoting_Commands
{
    meta:
        description = "Markdown, reStructuredText or troff: text that quotes commands in code blocks"
        severity = "info"
        reference = "https://spec.commonmark.org/0.31.2/#fenced-code-blocks"
    strings:
        $md_fence = "\n```"
        $md_tilde = "\n~~~"
        $rst1 = "\n.. code-block::"
        $rst2 = "\n.. code::"
        $rst3 = "\n.. sourcecode::"
        $rst4 = "::\n\n    "
        $rst5 = "::\r\n\r\n    "
        $md_fence0 = "```"
        $troff1 = ".\\\""
        $troff2 = ".TH "
        $troff3 = "'\\\""
    condition:
        any of ($md_fence, $md_tilde, $rst1, $rst2, $rst3, $rst4, $rst5)
        or $md_fence0 at 0 or $troff1 at 0 or $troff2 at 0 or $troff3 at 0
}

rule PowerShell_Download_Cradle
{
    meta:
        description = "PowerShell that downloads content and executes it"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1059/001/"
    strings:
        $dl1 = "DownloadString(" nocase ascii wide
        $dl2 = "DownloadData(" nocase ascii wide
        $dl3 = "Invoke-WebRequest" nocase ascii wide
        $dl4 = "Net.WebClient" nocase ascii wide
        $dl5 = "Start-BitsTransfer" nocase ascii wide
        $dl6 = "Invoke-RestMethod" nocase ascii wide
        $ex1 = "Invoke-Expression" nocase ascii wide
        $ex2 = /\bIEX\s*[\(\$]/ nocase ascii wide
        $ex3 = /\|\s*IEX\b/ nocase ascii wide
        $ex4 = "Start-Process" nocase ascii wide
    condition:
        Script_Object and filesize < 5MB and any of ($dl*) and any of ($ex*)
        and not Documentation_Quoting_Commands
}

rule PowerShell_Encoded_Command
{
    meta:
        description = "PowerShell started with a long base64-encoded command line"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1027/010/"
    strings:
        $enc = /powershell(\.exe)?["']?\s+[^\r\n]{0,80}-e(nc|ncodedcommand|c)?\s+[A-Za-z0-9+\/=]{60,}/ nocase ascii wide
    condition:
        (Script_Object or Launcher_Object) and $enc and not Documentation_Quoting_Commands
}

rule VBS_Downloader
{
    meta:
        description = "VBScript that fetches content over HTTP and runs or saves it"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1059/005/"
    strings:
        $http1 = "MSXML2.XMLHTTP" nocase ascii wide
        $http2 = "WinHttp.WinHttpRequest" nocase ascii wide
        $http3 = "MSXML2.ServerXMLHTTP" nocase ascii wide
        $save = "ADODB.Stream" nocase ascii wide
        $shell = "WScript.Shell" nocase ascii wide
        $create = "CreateObject(" nocase ascii wide
    condition:
        Script_Object and filesize < 5MB and $create and any of ($http*) and ($save or $shell)
        and not Documentation_Quoting_Commands
}

rule JScript_Downloader
{
    meta:
        description = "JScript (Windows Script Host) that fetches content and runs or saves it"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1059/007/"
    strings:
        $ax = "ActiveXObject" ascii wide
        $http1 = "MSXML2.XMLHTTP" nocase ascii wide
        $http2 = "WinHttp.WinHttpRequest" nocase ascii wide
        $save = "ADODB.Stream" nocase ascii wide
        $shell = "WScript.Shell" nocase ascii wide
    condition:
        Script_Object and filesize < 5MB and $ax and any of ($http*) and ($save or $shell)
        and not Documentation_Quoting_Commands
}

rule HTA_Shell_Launcher
{
    meta:
        description = "HTML application that starts a shell or script host"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1218/005/"
    strings:
        $hta = "<hta:application" nocase ascii wide
        $s1 = "WScript.Shell" nocase ascii wide
        $s2 = "powershell" nocase ascii wide
        $s3 = "cmd.exe" nocase ascii wide
        $s4 = "Shell.Application" nocase ascii wide
    condition:
        Script_Object and $hta and any of ($s*)
}

rule Batch_Dropper
{
    meta:
        description = "Batch file that downloads with a living-off-the-land tool or starts hidden PowerShell"
        severity = "high"
        reference = "https://attack.mitre.org/techniques/T1105/"
    strings:
        $echo = "@echo off" nocase
        $d1 = /bitsadmin(\.exe)?\s+\/transfer/ nocase
        $d2 = /certutil(\.exe)?\s+[^\r\n]{0,20}-urlcache/ nocase
        $d3 = /powershell(\.exe)?\s+[^\r\n]{0,60}-w(indowstyle)?\s+hid/ nocase
        $d4 = /curl(\.exe)?\s+[^\r\n]{0,120}-o\s+[^\r\n]{0,120}&&\s*start/ nocase
    condition:
        Script_Object and filesize < 1MB and $echo and any of ($d*)
        and not Documentation_Quoting_Commands
}

rule HTML_Smuggling_Blob_Download
{
    meta:
        description = "A page or script that turns text into bytes, wraps them in a Blob and makes the browser save it as a download (HTML smuggling), whether or not its payload could be decoded"
        severity = "medium"
        reference = "https://attack.mitre.org/techniques/T1027/006/"
    strings:
        $blob = "new Blob("
        $file = "new File("
        $url = "createObjectURL("
        $ms1 = "msSaveOrOpenBlob("
        $ms2 = "msSaveBlob("
        $saveas = "saveAs("
        $dl1 = ".download"
        $dl2 = "'download'"
        $dl3 = "\"download\""
        $dl4 = "&quot;download&quot;"
        $click = ".click("
        $dispatch = "dispatchEvent("
        $bytes1 = "Uint8Array"
        $bytes2 = "atob("
        $bytes3 = "charCodeAt("
        $bytes4 = "fromCharCode("
        $bytes5 = "parseInt("
    condition:
        (Script_Object or xferscan_type == "html" or xferscan_type == "hta" or xferscan_type == "xml")
        and ($blob or $file)
        and any of ($bytes*)
        and (($url and any of ($dl*) and ($click or $dispatch)) or $ms1 or $ms2 or $saveas)
}
