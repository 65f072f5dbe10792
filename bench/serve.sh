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
#   bash bench/serve.sh [SECONDS] [CLIENTS]      (defaults 10, 32)
#
# One connection per scan (as go-clamd, Nextcloud and python-clamd do) at
# thousands of scans a second leaves tens of thousands of loopback sockets
# in TIME_WAIT: the TCP runs are short and spaced so that the ephemeral
# ports last; a client error there is a port that did not, and is counted.
#
# Installs clamav-daemon from Debian packages if clamd is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CLIENTS=${2:-32}
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

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
XP=$(port)
CP=$(port)
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
# The goal's figures for one case: xferscan's scans/s over clamd's, and
# both p99 latencies. $1 and $2 are the two runs' lines.
ratio() {
  awk -v x="$1" -v c="$2" 'BEGIN {
    split(x, a, " +"); split(c, b, " +")
    for (i = 1; i in a; i++) { if (a[i] == "scans/s") xs = a[i+1]; if (a[i] == "p99") xp = a[i+1] }
    for (i = 1; i in b; i++) { if (b[i] == "scans/s") cs = b[i+1]; if (b[i] == "p99") cp = b[i+1] }
    printf "ratio      xferscan/clamd scans/s %.2f (goal >= 4); p99 %s vs %s ms (goal: lower)\n", xs / cs, xp, cp
  }'
}
for set in plain mix; do
  echo "-- $set: $(ls "$OUT/$set" | wc -l) files, $(du -sk "$OUT/$set" | cut -f1) KB; Unix socket"
  run xferscan "$XS" "$XPID" "$OUT/$set"
  X="$LAST"
  run clamd "$CS" "$CPID" "$OUT/$set"
  ratio "$X" "$LAST"
done
TCPSECS=$(( SECS < 3 ? SECS : 3 ))
for set in plain mix; do
  echo "-- $set; TCP loopback (${TCPSECS}s runs, 20s apart)"
  SECS=$TCPSECS run xferscan "127.0.0.1:$XP" "$XPID" "$OUT/$set"
  X="$LAST"
  sleep 20
  SECS=$TCPSECS run clamd "127.0.0.1:$CP" "$CPID" "$OUT/$set"
  ratio "$X" "$LAST"
  sleep 20
done
