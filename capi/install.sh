#!/usr/bin/env bash
# Installs the C library under a prefix, as `cargo cinstall` would:
#   PREFIX/lib/libxferscan.so.VERSION, libxferscan.so.0 -> it, libxferscan.so -> it
#   PREFIX/lib/libxferscan.a
#   PREFIX/include/xferscan.h
#   PREFIX/lib/pkgconfig/xferscan.pc
# Usage: capi/install.sh PREFIX [LIBDIR]   (after capi/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: capi/install.sh PREFIX [LIBDIR]}
libdir=${2:-$prefix/lib}
src=target/release
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
# What rustc printed for the build (capi/build.sh keeps it); this fallback
# is its output on Linux with the rar feature (unrar is C++: -lstdc++).
static_libs="-lstdc++ -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
if [ -f "$src/xferscan-native-static-libs.txt" ]; then
  static_libs=$(cat "$src/xferscan-native-static-libs.txt")
fi

install -d "$libdir/pkgconfig" "$prefix/include"
install -m 0755 "$src/libxferscan.so" "$libdir/libxferscan.so.$version"
ln -sf "libxferscan.so.$version" "$libdir/libxferscan.so.0"
ln -sf "libxferscan.so.0" "$libdir/libxferscan.so"
install -m 0644 "$src/libxferscan.a" "$libdir/libxferscan.a"
install -m 0644 include/xferscan.h "$prefix/include/xferscan.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@VERSION@|$version|" \
  -e "s|@STATIC_LIBS@|$static_libs|" capi/xferscan.pc.in > "$libdir/pkgconfig/xferscan.pc"
echo "installed xferscan $version under $prefix"
