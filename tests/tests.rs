//! Integration tests, one binary with a module per feature.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

mod config;
mod containers;
mod data_uris;
mod detection;
mod engine;
mod false_alarms;
mod layering;
mod limits;
mod mail;
mod names;
mod password_hints;
mod pdf;
mod pdf_writer;
mod policy;
mod props;
mod regression;
mod seams;
// The daemon is part of the command.
mod chm;
mod onenote;
mod ooxml_external;
#[cfg(feature = "cli")]
mod serve;
mod sevenz;
mod sevenz_writer;
mod streaming;
mod zip_names;
mod zip_views;
// Inside documents: script smuggling, launchers, uuencode, type-scoped script rules.
mod encoded_scripts;
mod launchers;
mod script_rules;
mod smuggling;
mod uuencode;
// Delimited text that Excel opens.
mod csv_formulas;

mod cab;
mod compressors;
mod rar;
mod rar_writer;
mod tnef;
// Inside documents: OLE2, VBA, XLM, SYLK, RTF objects.
mod office_encryption;
mod ole_docs;
mod ole_writer;
mod rtf;
// Disk images.
mod images;
