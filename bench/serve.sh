#!/usr/bin/env bash
# Benchmarks of `petition serve` under load from a separate process (bench/loadgen, not the
# server), against a floor measured in the same run on the same machine: a minimal axum handler
# that does one SQLite INSERT in its own committed transaction per request, with the same
# durability settings (WAL, synchronous=FULL), loaded by the same client.
#
#   bench/serve.sh           100,000 and 1,000,000 cases; writes the table into BENCHMARKS.md
#   bench/serve.sh --quick   1,000 cases, 3-second loads, prints the table only (CI runs this)
#
# Loads (32 clients unless BENCH_CLIENTS): clerk writes (register, transfer, accept: each request
# timed), `GET /cases/{id}` alone and `GET /queue` alone (a department clerk's token, ids from its
# own list). The server's resident memory is sampled every 0.2 s for the whole of each size.
# Environment: BENCH_DIR (scratch; databases are kept there and reused), BENCH_SIZES, BENCH_SECS.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ $QUICK = 1 ]; then SIZES=${BENCH_SIZES:-1000}; SECS=${BENCH_SECS:-3}
else SIZES=${BENCH_SIZES:-"100000 1000000"}; SECS=${BENCH_SECS:-10}; fi
CLIENTS=${BENCH_CLIENTS:-32}
DIR=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$DIR"

cargo build --release -q -p petition-cli -p petition-loadgen
P=$PWD/target/release/petition
. bench/serving.sh
L=$PWD/target/release/petition-loadgen

SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

# start CMD... : runs a server printing "listening on URL" first; sets URL and SERVER_PID.
start() {
  local out="$DIR/server.out"
  : > "$out"
  "$@" > "$out" 2> "$DIR/server.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q 'listening on' "$out" 2>/dev/null && break
    sleep 0.1
  done
  URL=$(sed -n 's/^listening on //p' "$out")
  [ -n "$URL" ] || { echo "bench: the server did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }
}

stop() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# sample PID FILE: the largest VmRSS (KiB) seen, written to FILE until killed.
sample() {
  local pid=$1 file=$2 max=0 now
  while kill -0 "$pid" 2>/dev/null; do
    now=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${now:-0}" -gt "$max" ] && max=$now && echo "$max" > "$file"
    sleep 0.2
  done
}

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# ---- the floor ----
rm -f "$DIR/floor.db"*
start "$L" floor --listen 127.0.0.1:0 --db "$DIR/floor.db"
FLOOR=$("$L" floor-load --url "$URL" --clients "$CLIENTS" --secs "$SECS")
stop
echo "floor: $FLOOR" >&2

ROWS=""
for N in $SIZES; do
  DB="$DIR/cases-$N.db"
  if [ ! -f "$DB" ]; then
    echo "bench: generating $N cases" >&2
    "$P" --db "$DB" demo --cases "$N" --seed 1 > /dev/null
  fi
  WORK="$DIR/work-$N.db"
  cp "$DB" "$WORK"; rm -f "$WORK-wal" "$WORK-shm"
  NOW=2026-11-26T00:00:00+08:00
  load_tokens "$P" "$WORK" "$NOW"
  start "$P" --db "$WORK" serve --listen 127.0.0.1:0
  sample "$SERVER_PID" "$DIR/rss-$N" & SAMPLER_PID=$!
  WRITES=$("$L" writes --url "$URL" --clerk "$CLERK" --dept "$DEPT" --to cty-a-zjj --locality town-a1 --clients "$CLIENTS" --secs "$SECS")
  CASES=$("$L" reads --url "$URL" --token "$DEPT" --only cases --clients "$CLIENTS" --secs "$SECS")
  QUEUE=$("$L" reads --url "$URL" --token "$DEPT" --only queue --clients "$CLIENTS" --secs "$SECS")
  stop
  kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
  RSS=$(( $(cat "$DIR/rss-$N" 2>/dev/null || echo 0) / 1024 ))
  VERIFY=$("$P" --db "$WORK" verify > /dev/null 2>&1 && echo green || echo RED)
  echo "$N: writes $WRITES; cases $CASES; queue $QUEUE; rss ${RSS} MiB; verify $VERIFY" >&2
  ROWS="$ROWS$N|$WRITES|$CASES|$QUEUE|$RSS|$VERIFY
"
done

TABLE=$(python3 - "$FLOOR" "$ROWS" "$CLIENTS" <<'EOF'
import json, sys
floor = json.loads(sys.argv[1]); clients = sys.argv[3]
rows = [r.split("|") for r in sys.argv[2].strip().splitlines()]
def n(x): return f"{int(x):,}"
out = []
out.append(f"Floor (one SQLite INSERT per request, {clients} clients): {floor['rps']:.0f} requests/s, p99 {floor['p99_ms']} ms, {floor['errors']} errors.")
out.append("")
out.append("| cases | measure | target | measured | verdict |")
out.append("|---|---|---|---|---|")
for size, w, c, q, rss, verify in rows:
    w, c, q = json.loads(w), json.loads(c), json.loads(q)
    ratio = w["rps"] / floor["rps"] if floor["rps"] else 0
    ok = lambda b: "met" if b else "**missed**"
    out.append(f"| {n(size)} | clerk writes (register, transfer, accept) | ≥ 50% of the floor, p99 ≤ 50 ms | {w['rps']:.0f} req/s ({ratio:.0%}), p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, {w['errors']} errors | {ok(ratio >= 0.5 and w['p99_ms'] <= 50 and w['errors'] == 0)} |")
    out.append(f"| {n(size)} | `GET /cases/{{id}}` | ≥ 5,000 req/s, p99 ≤ 20 ms | {c['rps']:.0f} req/s, p50 {c['p50_ms']} ms, p99 {c['p99_ms']} ms, {c['errors']} errors | {ok(c['rps'] >= 5000 and c['p99_ms'] <= 20 and c['errors'] == 0)} |")
    out.append(f"| {n(size)} | `GET /queue` | ≥ 5,000 req/s, p99 ≤ 20 ms | {q['rps']:.0f} req/s, p50 {q['p50_ms']} ms, p99 {q['p99_ms']} ms, {q['errors']} errors | {ok(q['rps'] >= 5000 and q['p99_ms'] <= 20 and q['errors'] == 0)} |")
    out.append(f"| {n(size)} | server RSS, whole run | ≤ 64 MiB | {rss} MiB; `verify` after: {verify} | {ok(int(rss) <= 64 and verify == 'green')} |")
print("\n".join(out))
EOF
)
echo "$TABLE"
if [ $QUICK = 0 ]; then
  python3 - "$TABLE" <<'EOF'
import re, sys
path = "BENCHMARKS.md"
text = open(path).read()
block = "<!-- serve:begin -->\n" + sys.argv[1] + "\n<!-- serve:end -->"
if "<!-- serve:begin -->" in text:
    text = re.sub(r"<!-- serve:begin -->.*?<!-- serve:end -->", lambda m: block, text, flags=re.S)
else:
    text += "\n" + block + "\n"
open(path, "w").write(text)
EOF
fi
