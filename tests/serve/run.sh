#!/usr/bin/env bash
# Drives `xferscan serve` with the real clients chat servers and proxies
# use: Debian's clamdscan, c-icap-client and Squid, PyPI's clamd and
# pyclamd. Everything runs on a temporary Unix socket and loopback ports;
# every wait is bounded. Prints one line per check and ends with
# "N passed, M failed"; exits 1 if any failed.
#
#   tests/serve/run.sh [XFERSCAN_BINARY] [PYTHON_WITH_CLAMD_AND_PYCLAMD]
#
# The binary defaults to target/release/xferscan, the Python to python3.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${1:-target/release/xferscan}")
PY=${2:-python3}
T=$(mktemp -d /tmp/xferscan-serve.XXXXXX)
chmod 755 "$T"
PASS=0
FAIL=0
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$T/squid/squid.pid" ] && kill "$(cat "$T/squid/squid.pid")" 2>/dev/null
  sleep 0.3
  rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     | /' | head -20; }

# expect NAME WANT_RC GREP_PATTERN -- COMMAND...: runs COMMAND (30 s at
# most) and checks its exit code and that its output matches.
expect() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc
  out=$(timeout 30 "$@" 2>&1)
  rc=$?
  if [ "$rc" = "$want" ] && grep -qE -- "$pattern" <<<"$out"; then
    ok "$name"
  else
    bad "$name (exit $rc, wanted $want and /$pattern/)" "$out"
  fi
}

free_port() { "$PY" tests/serve/free_port.py; }

# Waits (10 s at most) until a command succeeds.
wait_for() {
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Test files. EICAR is assembled here from two halves, never stored whole.
mkdir -p "$T/www" "$T/files"
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' >"$T/files/eicar.com"
echo "hello, this is a clean attachment" >"$T/files/clean.txt"
"$PY" - "$T/files" <<'EOF'
import io, os, sys, zipfile
d = sys.argv[1]
def zipped(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return b.getvalue()
eicar = open(os.path.join(d, "eicar.com"), "rb").read()
open(os.path.join(d, "nested.zip"), "wb").write(zipped("inner.zip", zipped("eicar.txt", eicar)))
# 50 KB of clean text: more than a preview, so ICAP goes through 100 Continue.
open(os.path.join(d, "big.txt"), "wb").write(b"all fine here\n" * 3700)
# 8 KiB: pyclamd's empty-chunk quirk when the length is a multiple of 4096.
open(os.path.join(d, "8k.txt"), "wb").write(b"a" * 8192)
EOF
cp "$T/files/clean.txt" "$T/files/nested.zip" "$T/files/big.txt" "$T/www/"
chmod -R a+rX "$T"

SOCK="$T/clamd.sock"
cat >"$T/xferscan.toml" <<EOF
[serve]
stream_max = "4M"
command_timeout = "5s"
read_timeout = "10s"
EOF
# The daemon binds port 0 and its ready event says which ports it got, so
# no other program can take them between a probe and the bind.
"$BIN" serve --config "$T/xferscan.toml" --unix "$SOCK" --tcp 127.0.0.1:0 --icap 127.0.0.1:0 2>"$T/serve.log" &
PIDS+=($!)
if ! wait_for grep -q '"event":"ready"' "$T/serve.log"; then
  bad "the daemon starts" "$(cat "$T/serve.log")"
  echo "$PASS passed, $FAIL failed"
  exit 1
fi
listen_port() {
  grep '"event":"ready"' "$T/serve.log" | head -1 |
    "$PY" -c 'import json, sys; v = json.load(sys.stdin); print(next(a.rsplit(":", 1)[1] for a in v["listen"] if a.startswith(sys.argv[1])))' "$1"
}
TCP=$(listen_port clamd:127.0.0.1)
ICAP=$(listen_port icap:127.0.0.1)
if [ -z "$TCP" ] || [ -z "$ICAP" ]; then
  bad "the daemon says where it listens" "$(grep '"event":"ready"' "$T/serve.log")"
  echo "$PASS passed, $FAIL failed"
  exit 1
fi
ok "the daemon starts"

# --- clamdscan ---------------------------------------------------------
printf 'LocalSocket %s\n' "$SOCK" >"$T/clamd-unix.conf"
printf 'TCPSocket %s\nTCPAddr 127.0.0.1\n' "$TCP" >"$T/clamd-tcp.conf"
U=(clamdscan --config-file="$T/clamd-unix.conf" --no-summary)
N=(clamdscan --config-file="$T/clamd-tcp.conf" --no-summary)
F=$T/files
expect "clamdscan --ping" 0 'PONG' -- "${U[@]}" --ping 1
expect "clamdscan --version shows the rules digest" 0 '^xferscan [0-9.]+/[0-9a-f]{16}/' -- "${U[@]}" --version
expect "clamdscan --stream clean" 0 'clean.txt: OK' -- "${U[@]}" --stream "$F/clean.txt"
expect "clamdscan --stream nested-zip EICAR" 1 'nested.zip: EICAR_Test_File FOUND' -- "${U[@]}" --stream "$F/nested.zip"
expect "clamdscan path (CONTSCAN) clean" 0 'clean.txt: OK' -- "${U[@]}" "$F/clean.txt"
expect "clamdscan path (CONTSCAN) nested-zip EICAR" 1 'nested.zip: EICAR_Test_File FOUND' -- "${U[@]}" "$F/nested.zip"
expect "clamdscan --allmatch" 1 'nested.zip: EICAR_Test_File FOUND' -- "${U[@]}" --allmatch "$F/nested.zip"
expect "clamdscan -m (MULTISCAN) a folder" 1 'nested.zip: EICAR_Test_File FOUND' -- "${U[@]}" -m "$F"
expect "clamdscan -m --stream (IDSESSION)" 1 'nested.zip: EICAR_Test_File FOUND' -- "${U[@]}" -m --stream "$F/clean.txt" "$F/nested.zip"
expect "clamdscan -m --stream clean ones" 0 'big.txt: OK' -- "${U[@]}" -m --stream "$F/clean.txt" "$F/big.txt"
expect "clamdscan --fdpass clean" 0 'clean.txt: OK' -- "${U[@]}" --fdpass "$F/clean.txt"
expect "clamdscan --fdpass nested-zip EICAR" 1 'EICAR_Test_File FOUND' -- "${U[@]}" --fdpass "$F/nested.zip"
expect "clamdscan stdin (FILDES)" 1 'EICAR_Test_File FOUND' -- sh -c "${U[*]} - < '$F/nested.zip'"
# c-icap's clamd_mod passes a descriptor left at the end of its file:
# clamd reads from the start.
expect "FILDES of a descriptor at its end" 0 'EICAR_Test_File FOUND' -- "$PY" -c '
import os, socket, sys
f = open(sys.argv[2], "rb"); f.seek(0, os.SEEK_END)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(20)
s.sendall(b"zFILDES\0"); socket.send_fds(s, [b"\0"], [f.fileno()])
print(s.recv(4096).decode(errors="replace"))' "$SOCK" "$F/nested.zip"
# A pipe whose writer stays open and silent: an error after read_timeout
# (10 s here), and the daemon still answers meanwhile.
"$PY" -c '
import os, socket, sys, time
r, w = os.pipe()
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(60)
s.sendall(b"zFILDES\0"); socket.send_fds(s, [b"\0"], [r])
print(s.recv(4096).decode(errors="replace"))
os.close(w)' "$SOCK" >"$T/pipe.out" 2>&1 &
pipe_client=$!
sleep 1
expect "PING while a silent pipe is read" 0 'PONG' -- "${U[@]}" --ping 1
wait "$pipe_client"
if grep -q 'ERROR' "$T/pipe.out"; then ok "FILDES of a silent pipe ends in an error"; else bad "FILDES of a silent pipe ends in an error" "$(cat "$T/pipe.out")"; fi
# A device has no end to read to; a pipe is read to stream_max (4M here)
# and no further: errors both, never OK, and no disk filled.
expect "FILDES of /dev/zero" 0 'Not supported file type. ERROR' -- "$PY" -c '
import socket, sys
f = open("/dev/zero", "rb")
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(20)
s.sendall(b"zFILDES\0"); socket.send_fds(s, [b"\0"], [f.fileno()])
print(s.recv(4096).decode(errors="replace"))' "$SOCK"
expect "FILDES of a pipe past stream_max" 0 'Size limit exceeded. ERROR' -- "$PY" -c '
import os, socket, sys, threading
r, w = os.pipe()
def feed():
    try:
        for _ in range(80):
            os.write(w, b"x" * 65536)
    except OSError:
        pass
    os.close(w)
threading.Thread(target=feed, daemon=True).start()
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(30)
s.sendall(b"zFILDES\0"); socket.send_fds(s, [b"\0"], [r])
os.close(r)
print(s.recv(4096).decode(errors="replace"))' "$SOCK"
# A FIFO named itself is no file to scan: an error, as clamd says, never OK
# (clamdscan refuses one itself; other clients send it).
mkfifo "$T/fifo"
expect "SCAN of a FIFO" 0 'fifo: Not supported file type. ERROR' -- "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(20)
s.sendall(b"zSCAN " + sys.argv[2].encode() + b"\0")
print(s.recv(4096).decode(errors="replace"))' "$SOCK" "$T/fifo"
expect "clamdscan on TCP --stream" 1 'EICAR_Test_File FOUND' -- "${N[@]}" --stream "$F/nested.zip"
expect "clamdscan on TCP: no path commands" 2 '' -- "${N[@]}" "$F/clean.txt"
before=$(grep -c '"event":"reload"' "$T/serve.log")
expect "clamdscan --reload" 0 '' -- "${U[@]}" --reload
if wait_for sh -c "[ \$(grep -c '\"event\":\"reload\"' '$T/serve.log') -gt $before ]"; then
  ok "the reload happened"
else
  bad "the reload happened" "$(tail -5 "$T/serve.log")"
fi
expect "a scan after the reload" 1 'EICAR_Test_File FOUND' -- "${U[@]}" --stream "$F/nested.zip"

# --- PyPI clamd and pyclamd ---------------------------------------------
expect "PyPI clamd and pyclamd" 0 'all python checks passed' -- "$PY" - "$SOCK" "$TCP" "$F" <<'EOF'
import io, os, sys
import clamd, pyclamd
sock, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
read = lambda n: open(os.path.join(d, n), "rb").read()
for c in (clamd.ClamdUnixSocket(sock), clamd.ClamdNetworkSocket("127.0.0.1", port)):
    assert c.ping() == "PONG", c.ping()
    assert c.version().startswith("xferscan "), c.version()
    assert c.instream(io.BytesIO(read("clean.txt"))) == {"stream": ("OK", None)}
    r = c.instream(io.BytesIO(read("nested.zip")))
    assert r == {"stream": ("FOUND", "EICAR_Test_File")}, r
    try:
        c.instream(io.BytesIO(b"x" * (5 << 20)))
        raise SystemExit("no size-limit error")
    except clamd.BufferTooLongError as e:
        assert "INSTREAM size limit exceeded" in str(e), e
    print("clamd", type(c).__name__, "ok")
for c in (pyclamd.ClamdUnixSocket(filename=sock), pyclamd.ClamdNetworkSocket(host="127.0.0.1", port=port)):
    assert c.ping() is True
    assert c.version().startswith("xferscan ")
    assert c.scan_stream(read("clean.txt")) is None
    assert c.scan_stream(read("8k.txt")) is None
    r = c.scan_stream(read("nested.zip"))
    assert r == {"stream": ("FOUND", "EICAR_Test_File")}, r
    print("pyclamd", type(c).__name__, "ok")
print("all python checks passed")
EOF

# --- c-icap-client -------------------------------------------------------
C=(c-icap-client -i 127.0.0.1 -p "$ICAP" -s xferscan)
expect "c-icap-client OPTIONS" 0 'ISTag: "xferscan-[0-9a-f]{16}"' -- "${C[@]}" -v
expect "c-icap-client RESPMOD clean (preview)" 0 'No modification needed' -- "${C[@]}" -f "$F/clean.txt" -resp http://example.test/clean.txt
expect "c-icap-client RESPMOD clean past the preview (100 Continue)" 0 'No modification needed' -- "${C[@]}" -f "$F/big.txt" -resp http://example.test/big.txt
expect "c-icap-client RESPMOD nested-zip EICAR" 0 'X-Infection-Found: Type=0; Resolution=2; Threat=EICAR_Test_File;' -- "${C[@]}" -v -f "$F/nested.zip" -resp http://example.test/nested.zip
# A proxy passes the body as the server encoded it (brotli has no magic
# number; deflate is zlib): the browser saves it decoded.
if "$PY" -c 'import brotli' 2>/dev/null; then
  # Text that compresses, so that no byte of it shows through.
  "$PY" -c 'import brotli, sys; open(sys.argv[2], "wb").write(brotli.compress(open(sys.argv[1], "rb").read() + b"\n" + b"all fine here " * 2000))' "$F/eicar.com" "$T/eicar.br"
  expect "c-icap-client RESPMOD brotli-encoded EICAR" 0 'Threat=EICAR_Test_File;' -- "${C[@]}" -v -f "$T/eicar.br" -rhx "Content-Encoding: br" -resp http://example.test/notes.txt
else
  bad "Python's brotli is installed (.ci/run installs it)"
fi
"$PY" -c 'import zlib, sys; open(sys.argv[2], "wb").write(zlib.compress(open(sys.argv[1], "rb").read()))' "$F/nested.zip" "$T/nested.zip.z"
expect "c-icap-client RESPMOD deflate-encoded EICAR" 0 'Threat=EICAR_Test_File;' -- "${C[@]}" -v -f "$T/nested.zip.z" -rhx "Content-Encoding: deflate" -resp http://example.test/nested.zip
expect "c-icap-client RESPMOD without 204: echoed whole" 0 'all fine here' -- "${C[@]}" -no204 -f "$F/big.txt" -resp http://example.test/big.txt
expect "c-icap-client REQMOD clean" 0 'No modification needed' -- "${C[@]}" -f "$F/clean.txt" -req http://example.test/upload
expect "c-icap-client REQMOD nested-zip EICAR" 0 'X-Virus-ID: EICAR_Test_File' -- "${C[@]}" -v -f "$F/nested.zip" -req http://example.test/upload

# --- Squid in front of a web server -------------------------------------
HTTP=$(free_port)
SQ=$(free_port)
while [ "$SQ" = "$HTTP" ]; do SQ=$(free_port); done
(cd "$T/www" && exec "$PY" -m http.server "$HTTP" --bind 127.0.0.1) >"$T/http.log" 2>&1 &
PIDS+=($!)
mkdir -p "$T/squid"
chmod 777 "$T/squid"
cat >"$T/squid/squid.conf" <<EOF
http_port 127.0.0.1:$SQ
pid_filename $T/squid/squid.pid
cache_log $T/squid/cache.log
access_log stdio:$T/squid/access.log
cache deny all
coredump_dir $T/squid
shutdown_lifetime 1 seconds
http_access allow localhost
http_access deny all
icap_enable on
icap_preview_enable on
icap_preview_size 1024
icap_send_client_ip on
icap_service xferscan_resp respmod_precache icap://127.0.0.1:$ICAP/xferscan bypass=off
adaptation_access xferscan_resp allow all
icap_service xferscan_req reqmod_precache icap://127.0.0.1:$ICAP/xferscan bypass=off
adaptation_access xferscan_req allow all
EOF
if command -v squid >/dev/null; then SQUID=squid; else SQUID=/usr/sbin/squid; fi
"$SQUID" -N -f "$T/squid/squid.conf" >"$T/squid/stdout.log" 2>&1 &
PIDS+=($!)
fetch() { curl -s -o "$T/out" -w '%{http_code}' --max-time 20 -x "http://127.0.0.1:$SQ" "$@"; }
if wait_for sh -c "curl -s -o /dev/null --max-time 2 http://127.0.0.1:$HTTP/clean.txt" &&
  wait_for sh -c "curl -s -o /dev/null --max-time 2 -x http://127.0.0.1:$SQ http://127.0.0.1:$HTTP/clean.txt"; then
  ok "squid and the web server start"
  code=$(fetch "http://127.0.0.1:$HTTP/clean.txt")
  if [ "$code" = 200 ] && cmp -s "$T/out" "$T/www/clean.txt"; then ok "squid: a clean download passes"; else bad "squid: a clean download passes (HTTP $code)" "$(tail -5 "$T/squid/cache.log")"; fi
  code=$(fetch "http://127.0.0.1:$HTTP/big.txt")
  if [ "$code" = 200 ] && cmp -s "$T/out" "$T/www/big.txt"; then ok "squid: a clean download past the preview passes"; else bad "squid: a clean download past the preview passes (HTTP $code)"; fi
  code=$(fetch "http://127.0.0.1:$HTTP/nested.zip")
  if [ "$code" = 403 ] && grep -q 'EICAR_Test_File' "$T/out"; then ok "squid: a nested-zip EICAR download is blocked"; else bad "squid: a nested-zip EICAR download is blocked (HTTP $code)" "$(cat "$T/out")"; fi
  code=$(fetch -T "$F/nested.zip" "http://127.0.0.1:$HTTP/upload.zip")
  if [ "$code" = 403 ]; then ok "squid: a nested-zip EICAR upload is blocked (REQMOD)"; else bad "squid: a nested-zip EICAR upload is blocked (HTTP $code)"; fi
else
  bad "squid and the web server start" "$(cat "$T/squid/stdout.log" "$T/squid/cache.log" 2>/dev/null | tail -20)"
fi

# --- the log and a graceful stop ----------------------------------------
if grep -q '"event":"scan".*"verdict":"malicious".*"decided":"EICAR_Test_File"' "$T/serve.log"; then
  ok "one structured log line per scan"
else
  bad "one structured log line per scan" "$(tail -5 "$T/serve.log")"
fi
kill -TERM "${PIDS[0]}"
if wait_for sh -c "! kill -0 ${PIDS[0]}" && [ ! -e "$SOCK" ]; then ok "SIGTERM stops the daemon"; else bad "SIGTERM stops the daemon"; fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
