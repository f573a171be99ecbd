#!/usr/bin/env bash
# The public pages under load (bench/loadgen from a separate process): `GET /status` with real
# case numbers and query codes (every look-up succeeds, so the limits never refuse), and
# `GET /kpi` for a month (twelve months of figures per page).
#
#   bench/pages.sh DB CODES    on an existing simulated database and its codes file (made by
#                              `petition --db DB demo --cases N --query-codes CODES`)
#   bench/pages.sh --quick     on a 1,000-case demo database, 3-second loads (CI runs this)
#
# Environment: BENCH_CLIENTS (32), BENCH_SECS (10), BENCH_MONTH (the month of /kpi, YYYY-MM).
# The database is only read (no ratings are posted). The database keeps query codes only hashed,
# so the codes come from the file the demo wrote when it drew them. Needs sqlite3 (for the month).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${BENCH_CLIENTS:-32}
SECS=${BENCH_SECS:-10}
DIR=$(mktemp -d)
cargo build --release -q -p petition-cli -p petition-loadgen
P=$PWD/target/release/petition
L=$PWD/target/release/petition-loadgen
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
if [ "${1:-}" = "--quick" ]; then
  SECS=${BENCH_SECS:-3}
  DB=$DIR/demo.db
  CODES=$DIR/codes.tsv
  "$P" --db "$DB" demo --cases 1000 --seed 1 --query-codes "$CODES" >/dev/null
else
  DB=${1:?give a database and its codes file (or --quick)}
  CODES=${2:?give the codes file the demo wrote (demo --cases N --query-codes FILE)}
fi
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; rm -rf "$DIR"' EXIT
. bench/serving.sh
serve_db "$P" "$DB" "$DIR"
# A thousand cases spread over the database, with their codes.
awk -F'\t' 'NR % 97 == 1 { print "/status?case=" $1 "&code=" $2 }' "$CODES" | head -n 1000 > "$DIR/status"
[ -s "$DIR/status" ] || { echo "pages.sh: no codes in $CODES" >&2; exit 1; }
MONTH=${BENCH_MONTH:-$(sqlite3 "$DB" "select substr(max(registered_on), 1, 7) from cases")}
echo "/kpi?month=$MONTH" > "$DIR/kpi"
CASES=$(sqlite3 "$DB" "select count(*) from cases")
status=$("$L" pages --url "$URL" --paths "$DIR/status" --clients "$CLIENTS" --secs "$SECS")
kpi=$("$L" pages --url "$URL" --paths "$DIR/kpi" --clients 4 --secs "$SECS")
echo "cases: $CASES; /status ($CLIENTS clients): $status"
echo "cases: $CASES; /kpi?month=$MONTH (4 clients): $kpi"
