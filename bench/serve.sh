#!/usr/bin/env bash
# Load test of the daemon: the same clamd-protocol client (examples/
# serve_load.rs: CLIENTS scans in flight, INSTREAM on a new connection per
# scan, driven by one event loop per core so that the client takes little
# of the CPU that the server under test needs)
# against `xferscan serve` and against ClamAV's clamd, with the same ~100
# rules (bench/gen_rules.py, which ClamAV loads too), on loopback, for
# SECONDS per run. Two sets of attachments (bench/gen_attachments.py): 10 KB
# files, and a mix with zips. Prints scans/s, p50/p99 latency and the
# server's CPU time per scan for each, over the Unix socket and over TCP.
#
#   bash bench/serve.sh [SECONDS] [CLIENTS] [ROUNDS]   (defaults 10, 32, 3)
#
# Each case runs ROUNDS times, xferscan and clamd back to back in each
# round (in turn first and second), and the ratio reported is the median of
# the rounds' ratios: this machine's speed drifts by a fifth and more from
# one minute to the next, and one pair of runs can land on either side of
# the goal by that alone.
#
# One connection per scan (as go-clamd, Nextcloud and python-clamd do) at
# thousands of scans a second leaves tens of thousands of loopback sockets
# in TIME_WAIT: the TCP runs are short and spaced so that the ephemeral
# ports last; a client error there is a port that did not, and is counted.
#
# Installs clamav-daemon from Debian packages if clamd is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SECS=${1:-10}
CLIENTS=${2:-32}
ROUNDS=${3:-3}
OUT=bench/out/serve
rm -rf "$OUT"
mkdir -p "$OUT/clamdb" "$OUT/tmp"

CLAMD=$(command -v clamd || echo /usr/sbin/clamd)
if [ ! -x "$CLAMD" ]; then
  echo "installing clamav-daemon from Debian packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null
  CLAMD=/usr/sbin/clamd
fi
cargo build --release --locked -q
cargo build --release --locked -q --example serve_load
python3 bench/gen_rules.py "$OUT/clamdb/rules.yar" >/dev/null
python3 bench/gen_attachments.py "$OUT" >/dev/null

port() { python3 tests/serve/free_port.py; }
XP=$(port)
CP=$(port)
while [ "$CP" = "$XP" ]; do CP=$(port); done
XS=$PWD/$OUT/xferscan.sock
CS=$PWD/$OUT/clamd.sock
cat >"$OUT/clamd.conf" <<CONF
Foreground yes
LocalSocket $CS
TCPSocket $CP
TCPAddr 127.0.0.1
DatabaseDirectory $PWD/$OUT/clamdb
TemporaryDirectory $PWD/$OUT/tmp
LogFile $PWD/$OUT/clamd.log
SelfCheck 0
StreamMaxLength 100M
CONF
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done' EXIT
target/release/xferscan serve --no-default-rules --rules "$OUT/clamdb/rules.yar" --tcp "127.0.0.1:$XP" --unix "$XS" 2>"$OUT/xferscan.log" &
PIDS+=($!)
XPID=$!
"$CLAMD" --config-file="$OUT/clamd.conf" >"$OUT/clamd.out" 2>&1 &
PIDS+=($!)
CPID=$!

ping() { python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect('$1'); s.sendall(b'zPING\0'); sys.exit(s.recv(8)!=b'PONG\0')" 2>/dev/null; }
for name in "xferscan $XS" "clamd $CS"; do
  set -- $name
  for _ in $(seq 1 600); do ping "$2" && break; sleep 0.1; done
  ping "$2" || { echo "$1 did not start" >&2; cat "$OUT/$1".* >&2; exit 1; }
done

echo "machine: $(uname -m), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg); $CLIENTS clients; INSTREAM, one connection per scan"
echo "rules: $(grep -c '^rule ' "$OUT/clamdb/rules.yar") (bench/gen_rules.py) in both; clamd $("$CLAMD" --version | cut -d/ -f1) with its defaults (MaxThreads 10)"
# The server's own CPU time (user + system, in clock ticks) from /proc: on
# a machine shared with the client (and anything else), CPU per scan is
# the figure that does not depend on who else runs.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
run() { # label address pid folder
  local before after out scans
  before=$(cpu "$3")
  out=$(target/release/examples/serve_load "$2" "$SECS" "$CLIENTS" "$4" "$1")
  after=$(cpu "$3")
  scans=$(awk '{print $3}' <<<"$out")
  [ "${scans:-0}" -gt 0 ] || scans=1
  printf '%s  server CPU %6.1f us/scan\n' "$out" "$(echo "($after - $before) * 1000000 / $TICK / $scans" | bc -l)"
  LAST="$out"
}
# The figures of one run's line: scans/s and p99.
field() { awk -v k="$2" '{for (i = 1; i < NF; i++) if ($i == k) print $(i+1)}' <<<"$1"; }
# One case: ROUNDS rounds of both servers back to back; $1 the address
# suffix (Unix or TCP), $2 the set, $3 seconds per run, $4 the pause
# between runs.
case_() {
  local xa ca set=$2 secs=$3 pause=$4 ratios="" x c order r
  if [ "$1" = unix ]; then xa=$XS; ca=$CS; else xa=127.0.0.1:$XP; ca=127.0.0.1:$CP; fi
  for ((r = 1; r <= ROUNDS; r++)); do
    order="xferscan clamd"
    [ $((r % 2)) = 0 ] && order="clamd xferscan"
    for who in $order; do
      if [ "$who" = xferscan ]; then
        SECS=$secs run xferscan "$xa" "$XPID" "$OUT/$set"; x="$LAST"
      else
        SECS=$secs run clamd "$ca" "$CPID" "$OUT/$set"; c="$LAST"
      fi
      sleep "$pause"
    done
    ratios+="$(echo "scale=3; $(field "$x" scans/s) / $(field "$c" scans/s)" | bc) "
    XP99+="$(field "$x" p99) "
    CP99+="$(field "$c" p99) "
  done
  printf 'ratio      xferscan/clamd scans/s %s (median of rounds %s; goal >= 4); p99 %s vs %s ms (medians; goal: lower)\n' \
    "$(echo "$ratios" | median)" "$ratios" "$(echo "$XP99" | median)" "$(echo "$CP99" | median)"
  XP99=""; CP99=""
}
XP99=""; CP99=""
for set in plain mix; do
  echo "-- $set: $(ls "$OUT/$set" | wc -l) files, $(du -sk "$OUT/$set" | cut -f1) KB; Unix socket (${SECS}s runs)"
  case_ unix "$set" "$SECS" 0
done
# One connection per scan leaves its ports in TIME_WAIT: short TCP runs,
# spaced, so that the ephemeral ports last.
TCPSECS=$(( SECS < 3 ? SECS : 3 ))
for set in plain mix; do
  echo "-- $set; TCP loopback (${TCPSECS}s runs, 20s apart)"
  case_ tcp "$set" "$TCPSECS" 20
done
