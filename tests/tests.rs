//! Integration tests, one binary with a module per feature.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

mod config;
mod containers;
mod data_uris;
mod detection;
mod engine;
mod limits;
mod mail;
mod names;
mod policy;
mod props;
mod regression;
mod sevenz;
mod zip_views;
