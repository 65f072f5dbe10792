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
mod policy;
mod props;
mod regression;
mod seams;
// The daemon is part of the command.
#[cfg(feature = "cli")]
mod serve;
mod sevenz;
mod sevenz_writer;
mod streaming;
mod zip_names;
mod zip_views;
// Disk images.
mod images;
