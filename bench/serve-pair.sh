#!/usr/bin/env bash
# A paired run of `petition serve`: two binaries (before and after a change) serving copies of one
# generated database in turn, A, B, A, B, each loaded by bench/loadgen for the same time: clerk
# writes (register, transfer, accept), `GET /cases/{id}` alone and `GET /queue` alone. Prints
# one line per run and the medians.
#
#   bench/serve-pair.sh BIN_A BIN_B [N]      N cases (default 100000), generated once by A
#
# Environment: BENCH_DIR (scratch; the database is kept and reused), BENCH_SECS (default 8),
# BENCH_ROUNDS (default 2), BENCH_CLIENTS (default 32), BENCH_KEYS (A, B or AB: the sides whose
# writes carry an Idempotency-Key on every request; default none).
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(readlink -f "$1"); B=$(readlink -f "$2"); N=${3:-100000}
SECS=${BENCH_SECS:-8}; ROUNDS=${BENCH_ROUNDS:-2}; CLIENTS=${BENCH_CLIENTS:-32}
DIR=${BENCH_DIR:-$(mktemp -d -t petition-serve-pair-XXXXXX)}
mkdir -p "$DIR"
cargo build --release -q -p petition-loadgen
L=$PWD/target/release/petition-loadgen
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true' EXIT
. bench/serving.sh
DB="$DIR/p$N.db"
[ -f "$DB" ] || "$A" --db "$DB" --now 2026-11-26T10:00:00+08:00 --json demo --cases "$N" --seed 1 > /dev/null
rps() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print('%.0f/%s' % (d['rps'], d['p99_ms']))" "$1"; }
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    P=$A; [ $side = B ] && P=$B
    W="$DIR/work.db"; rm -f "$W"*; cp "$DB" "$W"
    NOW=2026-11-26T00:00:00+08:00
    load_tokens "$P" "$W" "$NOW"
    serve_db "$P" "$W" "$DIR"
    KEYS=""; case "${BENCH_KEYS:-}" in *$side*) KEYS=--keys;; esac
    WR=$("$L" writes --url "$URL" --clerk "$CLERK" --dept "$DEPT" --to cty-a-zjj --locality town-a1 --clients "$CLIENTS" --secs "$SECS" $KEYS)
    CA=$("$L" reads --url "$URL" --token "$DEPT" --only cases --clients "$CLIENTS" --secs "$SECS")
    QU=$("$L" reads --url "$URL" --token "$DEPT" --only queue --clients "$CLIENTS" --secs "$SECS")
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    echo "$side round $r: writes $(rps "$WR") cases $(rps "$CA") queue $(rps "$QU") (requests/s / p99 ms)"
  done
done
