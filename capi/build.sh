#!/usr/bin/env bash
# Builds the C libraries into target/release: libxferscan.so (soname
# libxferscan.so.0) and libxferscan.a, from the library alone (no `cli`
# feature, so no command-line code) with the `capi` feature and the `rar`
# feature (RARLAB's unrar, C++, for compressed and encrypted RAR entries).
#
# unrar is C++: libxferscan.so needs libstdc++.so.6 (linked dynamically,
# as unrar_sys asks), and a static link of libxferscan.a needs -lstdc++,
# which rustc prints among the native static libraries below and
# capi/install.sh writes into xferscan.pc's Libs.private.
#
# Warnings are errors: this is the one build of the library without the
# `cli` feature, where code only the command uses would show as dead.
#
# The crate types are given here (cargo rustc --crate-type), as cargo-c
# does, rather than in Cargo.toml's [lib]: there, every `cargo build` and
# `cargo test` would also link a cdylib and archive a staticlib of all of
# yara-x and wasmtime, which the Rust side never needs.
#
# -z nodelete: dlclose() must not unmap the library, because wasmtime's
# signal handlers (native build), the threads' alternate signal stacks and
# yara-x's timeout thread point into it for the life of the process (see
# "SIGNALS" in include/xferscan.h).
#
# XFERSCAN_PULLEY=1 builds with the `pulley` feature: rule conditions run
# in wasmtime's interpreter, and no signal handler is installed, at a cost
# in speed (bench/README.md, "C API": from +7% CPU on a mixed corpus to
# 2-4x on condition-heavy rules). The default is the native build.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/release
features=capi,rar
case "${XFERSCAN_PULLEY:-0}" in
  1) features=$features,pulley ;;
  0) ;;
  *) echo "XFERSCAN_PULLEY is 0 or 1, not '$XFERSCAN_PULLEY'" >&2; exit 2 ;;
esac
log=$(mktemp)
cargo rustc --release --locked --lib --no-default-features --features "$features" \
  --crate-type cdylib --crate-type staticlib -- -D warnings \
  -C link-arg=-Wl,-soname,libxferscan.so.0 -C link-arg=-Wl,-z,nodelete \
  --print native-static-libs 2>&1 | tee "$log"
# What a static link needs besides the archive (only printed when rustc
# ran; kept from an earlier build otherwise).
if libs=$(grep -o 'native-static-libs: .*' "$log" | head -1 | cut -d' ' -f2-) && [ -n "$libs" ]; then
  echo "$libs" > "$out/xferscan-native-static-libs.txt"
fi
rm -f "$log"
ls -l "$out/libxferscan.so" "$out/libxferscan.a"
echo "built with features $features"
