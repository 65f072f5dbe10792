#!/usr/bin/env bash
# Two xferscan binaries alternated on one of bench/run.sh's corpora, with
# its 100 rules: wall and CPU seconds of each run, from /usr/bin/time.
# Alternating within the same minutes keeps a shared machine's drift out
# of the comparison. Run bench/run.sh once first: it generates the corpora.
#
# usage: bench/ab.sh OLD_BINARY NEW_BINARY [PROFILE] [RUNS]
#        (defaults: transfers, 6 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1
NEW=$2
PROFILE=${3:-transfers}
RUNS=${4:-6}
OUT=bench/out/$PROFILE
[ -d "$OUT/corpus" ] || { echo "no $OUT/corpus: run bench/run.sh first" >&2; exit 2; }
TIMES=$(mktemp)
trap 'rm -f "$TIMES"' EXIT
declare -A WALL CPU
for ((i = 1; i <= RUNS; i++)); do
  for v in old new; do
    bin=$OLD
    [ $v = new ] && bin=$NEW
    /usr/bin/time -o "$TIMES" -f "%e %U %S" "$bin" scan --no-default-rules \
      --rules "$OUT/rules.yar" "$OUT/corpus" >/dev/null 2>&1 || true
    # The last line: time says first when the scan found something.
    read -r wall user sys < <(tail -1 "$TIMES")
    WALL[$v]+="$wall "
    CPU[$v]+="$(echo "$user + $sys" | bc) "
  done
done
printf '[%s] %s runs each, alternated\n' "$PROFILE" "$RUNS"
printf 'old %s: wall %s; CPU %s\n' "$OLD" "${WALL[old]}" "${CPU[old]}"
printf 'new %s: wall %s; CPU %s\n' "$NEW" "${WALL[new]}" "${CPU[new]}"
