//! Pure readers of container structure, shared by detection and unpacking:
//! the zip directory and headers ([`zip`]), the tar header ([`tar`]) and the
//! 7z start header ([`sevenz`]). No I/O, no allocation sized by a declared
//! field, and nothing here knows about the engine or the budget.

pub(crate) mod sevenz;
pub(crate) mod tar;
pub(crate) mod zip;
