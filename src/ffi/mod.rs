//! The C API (feature `capi`): opaque handles, `xferscan_<type>_<verb>`
//! functions, an `xferscan_result` code from every fallible call, every
//! entry point inside a panic boundary. `include/xferscan.h` is generated
//! from these files by cbindgen (`cbindgen.toml`); see the README's "The C
//! API" for the conventions.
//!
//! It uses only the crate's public API, one file per C type family:
//! `engine` (builder, engine, shared engine), `options` (scan options,
//! cancel handle, finding callback), `scan` (buffer, path, descriptor),
//! `stream`, `report` (and its accessors), `result` (codes, version, thread
//! release), `boundary` (the panic boundary and pointer checks).

#![cfg(feature = "capi")]
#![allow(non_camel_case_types)]

mod boundary;
pub mod engine;
pub mod options;
pub mod report;
pub mod result;
pub mod scan;
pub mod stream;
