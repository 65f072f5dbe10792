#!/usr/bin/env bash
# The streaming benchmark (issue 11): each input is piped through
# `xferscan scan -` (so it arrives as a stream of unknown length), and a bare
# yara-x scan of the same file with the same built-in rules runs beside it
# in the same run. Prints the verdict, peak RSS (/usr/bin/time -v) and MB/s
# of both, and the ratio.
#
# usage: bench/stream.sh [DIR]    (default: bench/out/stream; ~4.5 GB of files)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-bench/out/stream}
if [ ! -x /usr/bin/time ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
cargo build --release --locked -q --bin xferscan --example yarax_scan
python3 bench/gen_stream.py "$DIR" >/dev/null

measure() { # prints "exit seconds peak_kib"
  local log; log=$(mktemp)
  set +e
  /usr/bin/time -v "$@" >/dev/null 2>"$log"
  local code=$?
  set -e
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  rm -f "$log"
  echo "$code $wall $rss"
}

printf '%-16s %8s | %-9s %8s %9s | %-7s %8s %9s | %6s\n' input MB xferscan MB/s 'RSS MiB' yara-x MB/s 'RSS MiB' ratio
for f in random_2g.bin eicar_end.bin big_entry.zip padded.exe; do
  path="$DIR/$f"
  bytes=$(stat -c %s "$path")
  read -r xc xs xr < <(measure sh -c "target/release/xferscan scan - < '$path'")
  read -r yc ys yr < <(measure target/release/examples/yarax_scan "$path")
  verdict=$([ "$xc" = 0 ] && echo clean || ([ "$xc" = 1 ] && echo found || echo "error$xc"))
  yv=$([ "$yc" = 0 ] && echo clean || ([ "$yc" = 1 ] && echo found || echo "error$yc"))
  awk -v f="$f" -v b="$bytes" -v v="$verdict" -v xs="$xs" -v xr="$xr" -v yv="$yv" -v ys="$ys" -v yr="$yr" 'BEGIN {
    mb = b / 1e6; xm = mb / (xs > 0 ? xs : 0.001); ym = mb / (ys > 0 ? ys : 0.001);
    printf "%-16s %8.0f | %-9s %8.0f %9.0f | %-7s %8.0f %9.0f | %6.2f\n", f, mb, v, xm, xr / 1024, yv, ym, yr / 1024, xm / ym }'
done
echo "ratio: xferscan MB/s over a bare yara-x scan's, same file, same rules, same run"
