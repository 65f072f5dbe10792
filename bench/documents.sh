#!/usr/bin/env bash
# What xferscan and ClamAV's clamscan each report, side by side, for a small
# corpus of documents, disk images and archives built the way the campaigns
# of issues 14 and 15 build them (and clean controls of each format).
#
# The corpus is what the format tests build (with the formats' own tools or
# the tests' writers): `util::scan` keeps each fixture when XFERSCAN_CORPUS
# is set, named after the test that made it.
# clamscan runs with every alert option on and, since Debian's package ships
# no signature database (freshclam needs the network), with a one-line
# database that holds the EICAR body: both tools then know the same
# signature, and what differs is what each one unpacks and reports.
#
# usage: [XFERSCAN=path/to/xferscan] bench/documents.sh   (prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/documents
rm -rf "$OUT"
mkdir -p "$OUT/corpus"

if ! command -v clamscan >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav >/dev/null
fi

# Every fixture the format tests hand to `util::scan` (attacks and clean
# controls alike) is kept, named after its test.
MODULES=${MODULES:-pdf:: ole_docs:: rtf:: ooxml_external:: onenote:: chm:: smuggling:: launchers:: uuencode:: script_rules:: images:: cab:: rar::}
# shellcheck disable=SC2086
XFERSCAN_CORPUS="$PWD/$OUT/corpus" cargo test --locked -q --test tests -- $MODULES >/dev/null
# XFERSCAN=path uses a binary already built.
if [ -z "${XFERSCAN:-}" ]; then
  cargo build --release --locked -q
  XFERSCAN=target/release/xferscan
fi

# The EICAR body as a ClamAV extended signature, assembled here from two
# halves (the repository never holds it whole).
python3 - "$OUT/eicar.ndb" <<'EOF'
import sys
body = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
open(sys.argv[1], "w").write("Eicar-Body:0:*:%s\n" % body.hex())
EOF

CLAM_ALERTS=(--alert-broken=yes --alert-broken-media=yes --alert-encrypted=yes
  --alert-encrypted-archive=yes --alert-encrypted-doc=yes --alert-macros=yes
  --alert-exceeds-max=yes --alert-phishing-ssl=yes --alert-phishing-cloak=yes
  --alert-partition-intersection=yes --heuristic-alerts=yes)

printf '| test that built it | file | xferscan (chat) | xferscan (p2p) | clamscan, every alert on |\n'
printf '|---|---|---|---|---|\n'
# The robustness tests (random and mutated inputs) are left out, and a test
# that scans many fixtures shows its first five.
awk -F'\t' '$2 !~ /random_bytes|mutated|damaged/ && ++n[$2] <= 5' "$OUT/corpus/index.tsv" \
  | sort -t $'\t' -k2,2 -s | while IFS=$'\t' read -r file what; do
  path="$OUT/corpus/$file"
  x=()
  for profile in chat p2p; do
    json=$("$XFERSCAN" scan --json --profile "$profile" "$path" </dev/null 2>/dev/null || true)
    x+=("$(printf '%s' "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
keys = []
for f in r["findings"]:
    if f["action"] == "allow":
        continue
    kind = f["kind"]
    k = f.get("rule") if kind == "signature" else ("type " + f.get("type", "?") if kind == "true_type" else kind)
    if k not in keys:
        keys.append(k)
shown = ", ".join(keys[:4]) + (", ..." if len(keys) > 4 else "")
print(r["verdict"] + (": " + shown if shown else ""))
' || echo "error")")
  done
  c=$(clamscan </dev/null --no-summary --database="$OUT/eicar.ndb" "${CLAM_ALERTS[@]}" "$path" 2>&1 \
    | grep -F "$path: " | sed "s|^$path: ||" | head -1 || true)
  shown=${file#"$what".}
  printf '| %s | %s | %s | %s | %s |\n' "$what" "$shown" "${x[0]}" "${x[1]}" "${c:-error}"
done
