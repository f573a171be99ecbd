#!/usr/bin/env bash
# Does the public status page's answer time say whether a case exists? 1,000 look-ups of existing
# cases with a wrong query code against 1,000 of unknown case numbers, alternated from one client
# (bench/loadgen `timing`), on a demo database served by `petition serve`; prints both medians and
# their difference (the aim: within 5%).
#
#   bench/status-timing.sh [CASES]     (default 1,000 cases)
#
# The failure limits of the page are raised for the run (2,000 look-ups fail on purpose).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-1000}
DIR=$(mktemp -d)
cargo build --release -q -p petition-cli -p petition-loadgen
P=$PWD/target/release/petition
L=$PWD/target/release/petition-loadgen
DB=$DIR/demo.db
"$P" --db "$DB" demo --cases "$CASES" --seed 1 --query-codes "$DIR/codes.tsv" >/dev/null
ADMIN=$("$P" --db "$DB" --json staff list | python3 -c 'import json,sys; print(next(s["id"] for s in json.load(sys.stdin)["staff"] if s["role"]=="admin"))')
for key in status_failures_per_address status_failures_per_case; do
  "$P" --db "$DB" --as "$ADMIN" policy set "$key" 100000 >/dev/null
done
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; rm -rf "$DIR"' EXIT
. bench/serving.sh
serve_db "$P" "$DB" "$DIR"
# A: existing cases, a wrong code of the right shape; B: case numbers that do not exist.
awk -F'\t' '{ print "/status?case=" $1 "&code=00000000" }' "$DIR/codes.tsv" | head -n 1000 > "$DIR/a"
awk '{ printf "/status?case=XF2031-%06d&code=00000000\n", NR }' "$DIR/a" > "$DIR/b"
echo "cases: $CASES; wrong code (a) vs unknown case (b): $("$L" timing --url "$URL" --a "$DIR/a" --b "$DIR/b")"
