//! Pure readers of container structure, shared by detection and unpacking:
//! the zip directory and headers ([`zip`]) and the names they hold
//! ([`zipnames`]: CP437, UTF-8, the Unicode Path field), the tar header
//! ([`tar`]) and the 7z start header ([`sevenz`]); disk images
//! ([`iso9660`], [`udf`], [`fat`], [`mbr`], [`vhd`], [`vhdx`], sharing
//! [`disk`]). No I/O, no allocation sized by a declared
//! field, and nothing here knows about the engine or the budget.

pub(crate) mod sevenz;
pub(crate) mod tar;
pub(crate) mod zip;
pub(crate) mod zipnames;
// Disk images.
pub(crate) mod disk;
pub(crate) mod fat;
pub(crate) mod iso9660;
pub(crate) mod mbr;
pub(crate) mod udf;
pub(crate) mod vhd;
pub(crate) mod vhdx;
