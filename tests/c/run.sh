#!/usr/bin/env bash
# Builds and runs the C and C++ tests of the C API: first with clang's
# AddressSanitizer + UndefinedBehaviorSanitizer, then again without them
# under valgrind (memcheck, full leak check). Any finding fails the run.
#
# Uses the libraries in target/release (capi/build.sh builds them; CI runs
# it once). Needs clang, clang++, valgrind and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
built=$PWD/target/release
[ -f "$built/libxferscan.so" ] || { echo "run capi/build.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The soname is libxferscan.so.0: give the loader that name, as an install
# would.
lib=$work/lib
mkdir -p "$lib"
ln -s "$built/libxferscan.so" "$lib/libxferscan.so"
ln -s "$built/libxferscan.so" "$lib/libxferscan.so.0"

python3 tests/c/fixtures.py "$work/fixtures"

warn=(-Wall -Wextra -Werror -g -Iinclude)
link=(-L"$lib" -lxferscan -Wl,-rpath,"$lib" -pthread)
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

echo "--- ASan + UBSan"
clang -std=c11 -Wpedantic "${warn[@]}" "${san[@]}" tests/c/test_capi.c -o "$work/test_capi_asan" "${link[@]}"
clang++ -std=c++17 -Wpedantic "${warn[@]}" "${san[@]}" tests/c/test_cpp.cpp -o "$work/test_cpp_asan" "${link[@]}"
clang -std=c11 "${warn[@]}" "${san[@]}" examples/c/gateway.c -o "$work/gateway_asan" "${link[@]}"
# Prove the sanitizer is really in (as rustls-ffi's CI does).
nm "$work/test_capi_asan" | grep __asan_init >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$work/test_capi_asan" "$work/fixtures"
"$work/test_cpp_asan" "$work/fixtures"
"$work/gateway_asan" "$work/fixtures/clean.txt" clean.txt
set +e
"$work/gateway_asan" "$work/fixtures/nested.zip" nested.zip
code=$?
set -e
[ "$code" -eq 1 ] || { echo "gateway did not block the nested EICAR (exit $code)" >&2; exit 1; }

echo "--- valgrind"
# DWARF 4: Debian's valgrind cannot read clang's default DWARF 5.
clang -std=c11 "${warn[@]}" -gdwarf-4 -O1 tests/c/test_capi.c -o "$work/test_capi" "${link[@]}"
clang++ -std=c++17 "${warn[@]}" -gdwarf-4 -O1 tests/c/test_cpp.cpp -o "$work/test_cpp" "${link[@]}"
# --smc-check=all-non-file: wasmtime writes machine code into anonymous
# memory and runs it; an engine built later may reuse the addresses of one
# freed, so valgrind must re-check code there, not only on the stack.
# --errors-for-leak-kinds=definite: what stays allocated at exit belongs to
# process-wide state that lives until exit by design (yara-x's one wasmtime
# engine in a static, its timeout thread that never ends); hashbrown tables
# and bumpalo chunks in it are held by pointers into the middle of their
# blocks, which memcheck reports as "possibly lost". A definite leak, which
# is what a missing free in the library or the tests gives, still fails.
vg=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --smc-check=all-non-file --suppressions=tests/c/valgrind.supp --quiet)
"${vg[@]}" "$work/test_capi" "$work/fixtures"
"${vg[@]}" "$work/test_cpp" "$work/fixtures"
echo "C API tests passed"
