//! Pure readers of container structure, shared by detection and unpacking:
//! the zip directory and headers ([`zip`]) and the names they hold
//! ([`zipnames`]: CP437, UTF-8, the Unicode Path field), the tar header
//! ([`tar`]), cpio and `ar` headers ([`cpio`], [`ar`]), the 7z start
//! header ([`sevenz`]), the compound file's DIFAT ([`cfbhead`]) and PDF syntax ([`pdf`]);
//! inside documents, the VBA project ([`ovba`]), Excel's workbook globals
//! ([`biff`]) and macro sheets in OOXML ([`spreadsheetml`]), SYLK
//! ([`sylk`]), formulas in CSV ([`formula`]), RTF's embedded objects
//! ([`rtf`]) and OLE1 and Packager objects ([`oleobj`]), pages' links to
//! program handlers ([`pagelinks`]); disk images ([`iso9660`], [`udf`],
//! [`fat`], [`mbr`], [`vhd`], [`vhdx`], sharing [`disk`]); for text formats,
//! a search that ignores ASCII case ([`ascii`]) and one pass for the bytes
//! that open the markers every text is asked about ([`keys`]); in mail, the
//! passwords a message gives for its attachments ([`passhint`]). No I/O, no
//! allocation sized by a declared field, and nothing here knows about the
//! engine or the budget.

pub(crate) mod ar;
pub(crate) mod arj;
pub(crate) mod ascii;
pub(crate) mod biff;
pub(crate) mod cab;
pub(crate) mod cfbhead;
pub(crate) mod chm;
pub(crate) mod cms;
pub(crate) mod cpio;
pub(crate) mod datauri;
pub(crate) mod disk;
pub(crate) mod fat;
pub(crate) mod formula;
pub(crate) mod iso2022jp;
pub(crate) mod iso9660;
pub(crate) mod keys;
pub(crate) mod launcher;
pub(crate) mod lzma;
pub(crate) mod lzo;
pub(crate) mod lzw;
pub(crate) mod mailhead;
pub(crate) mod mbr;
pub(crate) mod odf;
pub(crate) mod offcrypto;
pub(crate) mod oleobj;
pub(crate) mod onenote;
pub(crate) mod ooxml;
pub(crate) mod ovba;
pub(crate) mod pack;
pub(crate) mod pagelinks;
pub(crate) mod pairs;
pub(crate) mod passhint;
pub(crate) mod pdf;
pub(crate) mod pdfcrypt;
pub(crate) mod ppt;
pub(crate) mod rar;
pub(crate) mod roundtrip;
pub(crate) mod rtf;
pub(crate) mod screnc;
pub(crate) mod sevenz;
pub(crate) mod smuggle;
pub(crate) mod spreadsheetml;
pub(crate) mod sylk;
pub(crate) mod tags;
pub(crate) mod tar;
pub(crate) mod tnef;
pub(crate) mod udf;
pub(crate) mod utf16;
pub(crate) mod vhd;
pub(crate) mod vhdx;
pub(crate) mod worddoc;
pub(crate) mod wordml;
pub(crate) mod xfa;
pub(crate) mod zip;
pub(crate) mod zipnames;
