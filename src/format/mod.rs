//! Pure readers of container structure, shared by detection and unpacking:
//! the zip directory and headers ([`zip`]) and the names they hold
//! ([`zipnames`]: CP437, UTF-8, the Unicode Path field), the tar header
//! ([`tar`]), the 7z start header ([`sevenz`]) and PDF syntax ([`pdf`]). No I/O, no allocation sized by a declared
//! field, and nothing here knows about the engine or the budget.

pub(crate) mod pdf;
pub(crate) mod sevenz;
pub(crate) mod tar;
pub(crate) mod zip;
pub(crate) mod zipnames;
