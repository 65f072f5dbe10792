#!/usr/bin/env bash
# The false-alarm benchmark: scans real files that nobody here wrote with the
# default policy and prints, by cause, every file that is not clean although
# it is neither an executable by content nor holds a type Gmail blocks (see
# bench/false_alarms.py for the exact rule). The goal is zero.
#
# The corpus: Debian documentation and -doc packages (HTML, PDF, man pages,
# Perl and Python docs, LibreOffice templates, fonts), fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` (no root needed, nothing
# installed on the system); wheels and source tarballs from PyPI
# (`pip download`); package tarballs from npm (`npm pack`, when npm is
# there); and this machine's /usr/share/doc, /usr/share/man and Python
# standard library. Downloads are cached in $XFERSCAN_BENCH_DIR (default
# target/false-alarms) and fetched once.
#
# usage: bench/false_alarms.sh [--binary PATH] [--policy FILE] [--no-fetch]
#   --binary PATH  scan with this xferscan instead of building the release one
#   --policy FILE  scan with this policy instead of the built-in one
#   --no-fetch     use the corpus already fetched
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${XFERSCAN_BENCH_DIR:-$ROOT/target/false-alarms}
BIN=""
POLICY=()
FETCH=1
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) BIN=$2; shift 2 ;;
    --policy) POLICY=(--policy "$2"); shift 2 ;;
    --no-fetch) FETCH=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

DEBS=(
  python3.11-doc perl-doc libreoffice-common git-doc postgresql-doc-15
  sqlite3-doc debian-reference-en asymptote-doc bash-doc docutils-doc
  manpages manpages-dev tcl8.6-doc ruby3.1-doc nodejs-doc glibc-doc
  developers-reference fonts-dejavu-core docbook-xsl-doc-pdf
)
WHEELS=(
  requests urllib3 certifi idna charset-normalizer six attrs click jinja2
  pygments docutils sphinx setuptools pip packaging pyyaml babel
)
SDISTS=(requests certifi six attrs click jinja2 markupsafe pyyaml docutils pygments)
NPMS=(lodash chalk commander express left-pad minimist)

mkdir -p "$WORK/debs" "$WORK/corpus/debian" "$WORK/corpus/pypi" "$WORK/corpus/npm"
if [ "$FETCH" = 1 ]; then
  if [ ! -f "$WORK/debs.stamp" ]; then
    echo "fetching ${#DEBS[@]} Debian packages into $WORK/debs" >&2
    (cd "$WORK/debs" && apt-get download -q "${DEBS[@]}" >/dev/null)
    for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$WORK/corpus/debian"; done
    touch "$WORK/debs.stamp"
  fi
  if [ ! -f "$WORK/pypi.stamp" ]; then
    echo "fetching wheels and source tarballs from PyPI" >&2
    pip download -q --no-deps --only-binary :all: --dest "$WORK/corpus/pypi" "${WHEELS[@]}"
    for p in "${SDISTS[@]}"; do
      pip download -q --no-deps --no-binary :all: --dest "$WORK/corpus/pypi" "$p" >/dev/null 2>&1 ||
        echo "could not fetch the source tarball of $p" >&2
    done
    touch "$WORK/pypi.stamp"
  fi
  if [ ! -f "$WORK/npm.stamp" ] && command -v npm >/dev/null; then
    echo "fetching npm package tarballs" >&2
    (cd "$WORK/corpus/npm" && npm pack --silent "${NPMS[@]}" >/dev/null) ||
      echo "some npm packages could not be fetched" >&2
    touch "$WORK/npm.stamp"
  fi
fi

if [ -z "$BIN" ]; then
  cargo build --release --locked -q
  BIN=$ROOT/target/release/xferscan
fi

PYLIB=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
SETS=(
  "debian-packages:$WORK/corpus/debian"
  "pypi:$WORK/corpus/pypi"
  "npm:$WORK/corpus/npm"
  "this-machine-doc:/usr/share/doc"
  "this-machine-man:/usr/share/man"
  "python-stdlib:$PYLIB"
)
OUT=$WORK/out
mkdir -p "$OUT"
all=$OUT/all.jsonl
: >"$all"
for s in "${SETS[@]}"; do
  name=${s%%:*}
  dir=${s#*:}
  [ -d "$dir" ] || continue
  # Exit status 1 means "something found": expected here.
  "$BIN" scan --json --sha256 none "${POLICY[@]}" "$dir" >"$OUT/$name.jsonl" 2>"$OUT/$name.err" || true
  python3 bench/false_alarms.py "$OUT/$name.jsonl" "$name ($dir)"
  echo
  cat "$OUT/$name.jsonl" >>"$all"
done
python3 bench/false_alarms.py "$all" "all sets"
