// The EICAR anti-virus test file. The two halves of the string are kept
// apart so that this rule file is not itself a test file.
rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-virus test file"
        severity = "high"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
    strings:
        $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
        $tail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        for any i in (1..#head) : ( $tail at @head[i] + 28 )
}
