// Executables packed with common packers. Packing hides code from
// signatures; in a chat attachment it is a reason for a closer look.

import "pe"

rule PE_Packed_Common_Packer
{
    meta:
        description = "PE whose sections carry the names of a common packer (UPX, ASPack, MPRESS, Themida, PECompact, Petite, NsPack, FSG)"
        severity = "medium"
        reference = "https://attack.mitre.org/techniques/T1027/002/"
    condition:
        pe.is_pe and for any s in pe.sections : (
            s.name == "UPX0" or s.name == "UPX1" or s.name == ".aspack" or
            s.name == ".adata" or s.name == ".MPRESS1" or s.name == ".MPRESS2" or
            s.name == ".themida" or s.name == ".winlice" or s.name == "PEC2" or
            s.name == "PECompact2" or s.name == ".petite" or s.name == ".nsp0" or
            s.name == ".nsp1" or s.name == "FSG!"
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
