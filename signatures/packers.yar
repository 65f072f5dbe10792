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
    // The first 96 section headers are read (the Windows XP loader's limit;
    // packers put their sections first), never as many as the file declares:
    // its author writes that count, up to 65,535. A loop over the names'
    // occurrences instead would let a file of repeated names set the cost.
    condition:
        uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and
        for any i in (0 .. 95) : (
            i < uint16(uint32(0x3C) + 6) and
            for any of them : (
                $ at uint32(0x3C) + 24 + uint16(uint32(0x3C) + 20) + i * 40
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
