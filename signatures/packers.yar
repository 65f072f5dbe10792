// Executables packed with common packers. Packing hides code from
// signatures; in a chat attachment it is a reason for a closer look.

rule PE_Packed_Common_Packer
{
    meta:
        description = "PE whose sections carry the names of a common packer (UPX, ASPack, MPRESS, Themida, PECompact, Petite, NsPack, FSG)"
        severity = "medium"
        reference = "https://attack.mitre.org/techniques/T1027/002/"
    // The section table is read with plain integer reads rather than the pe
    // module: the module parses every object scanned, PE or not, and cost
    // more than all the other built-in rules together. A name shorter than
    // the 8-byte field ends with a NUL; PECompact2 is cut to 8 bytes.
    strings:
        $upx0 = "UPX0\x00"
        $upx1 = "UPX1\x00"
        $aspack = ".aspack\x00"
        $adata = ".adata\x00"
        $mpress1 = ".MPRESS1"
        $mpress2 = ".MPRESS2"
        $themida = ".themida"
        $winlice = ".winlice"
        $pec2 = "PEC2\x00"
        $pecompact = "PECompac"
        $petite = ".petite\x00"
        $nsp0 = ".nsp0\x00"
        $nsp1 = ".nsp1\x00"
        $fsg = "FSG!\x00"
    // Each occurrence of a name is checked for sitting on a section's name
    // field; the loop is bounded by the occurrences, never by the section
    // count, which the file's author writes (up to 65,535).
    condition:
        uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and
        for any of them : (
            for any k in (1 .. #) : (
                @[k] >= uint32(0x3C) + 24 + uint16(uint32(0x3C) + 20) and
                (@[k] - uint32(0x3C) - 24 - uint16(uint32(0x3C) + 20)) % 40 == 0 and
                (@[k] - uint32(0x3C) - 24 - uint16(uint32(0x3C) + 20)) \ 40 < uint16(uint32(0x3C) + 6)
            )
        )
}

rule PE_UPX_Stub
{
    meta:
        description = "PE with the UPX packer's stub marker"
        severity = "medium"
        reference = "https://upx.github.io/"
    strings:
        $upx = "UPX!"
    condition:
        uint16(0) == 0x5A4D and $upx in (0..1024)
}
