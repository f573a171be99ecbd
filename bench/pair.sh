#!/usr/bin/env bash
# A paired run: two `petition` binaries (say, before and after a change) timed on copies of one
# database, measure by measure, alternating A, B, A, B so that a machine that drifts during the
# run drifts for both. The database is generated once, by binary A (`demo --cases N --seed 1`);
# B must read what A writes (a later version reads an earlier one's database).
#
#   bench/pair.sh BIN_A BIN_B [N]     N cases (default 100000); prints a table (median ms)
#
# Every timed run must succeed: one that fails stops the benchmark. Needs sqlite3 (installed from Debian's packages when missing and we are root). Environment: BENCH_DIR
# (scratch directory), BENCH_RUNS (runs per command and binary, default 30), BENCH_TICK=1 (also
# the first tick after the load, on two fresh copies per binary).
set -euo pipefail
A=$(readlink -f "$1"); B=$(readlink -f "$2"); N=${3:-100000}
RUNS=${BENCH_RUNS:-30}
for t in sqlite3; do
  command -v "$t" >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq "$t" >/dev/null 2>&1; } || true
  command -v "$t" >/dev/null || { echo "pair: $t is required" >&2; exit 1; }
done
WORK=${BENCH_DIR:-$(mktemp -d -t petition-pair-XXXXXX)}
mkdir -p "$WORK"
NOW="2026-11-26T10:00:00+08:00"
DB="$WORK/p$N.db"
if [ ! -f "$DB" ]; then
  echo "pair: generating $N cases with $A" >&2
  "$A" --db "$DB" --now "$NOW" --json demo --cases "$N" --seed 1 >/dev/null
fi
CASE=$(sqlite3 "$DB" "SELECT id FROM cases WHERE state = 'handling' ORDER BY id LIMIT 1 OFFSET (SELECT count(*)/2 FROM cases WHERE state = 'handling')")
HOLDER=$(sqlite3 "$DB" "SELECT holder FROM cases WHERE id = '$CASE'")
# Each binary works on its own copy (writes move the database on).
cp "$DB" "$WORK/a.db"; cp "$DB" "$WORK/b.db"

# One timed run of a command (ms, to the microsecond); it must succeed.
once() {
  local cmd=$1 s
  s=$(date +%s%N)
  eval "$cmd" >/dev/null 2>"$WORK/err" || { echo "pair: failed: $cmd" >&2; cat "$WORK/err" >&2; exit 1; }
  echo $(( ($(date +%s%N) - s) / 1000 ))
}
med() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'; }
# One measure: NAME, then the arguments after `--db X --now NOW --json`; `{i}` in them is
# replaced by the run's number (writes take a fresh value each run). The two binaries run in
# turn, A then B, RUNS times (after five warm-up turns): a machine that drifts drifts for both.
# Prints the medians and the difference.
measure() {
  local name=$1; shift
  local args="$*" i ta=() tb=()
  for i in $(seq -5 "$RUNS"); do
    local x=$(once "$A --db $WORK/a.db --now $NOW --json ${args//\{i\}/$i}")
    local y=$(once "$B --db $WORK/b.db --now $NOW --json ${args//\{i\}/$i}")
    if [ "$i" -gt 0 ]; then ta+=("$x"); tb+=("$y"); fi
  done
  local ma=$(printf '%s\n' "${ta[@]}" | med) mb=$(printf '%s\n' "${tb[@]}" | med)
  echo "| $name | $ma | $mb | $(python3 -c "import sys;print('%+.1f%%'%((float(sys.argv[2])/float(sys.argv[1])-1)*100))" "$ma" "$mb") |"
}

echo "| measure ($N cases) | A: ms (median) | B: ms (median) | B vs A |"
echo "|---|---|---|---|"
measure "show by the holder (logged)" "--as $HOLDER-c show $CASE"
measure "show by the admin (masked)" "--as admin show $CASE"
measure "register" "--as cty-a-xfj-c register --channel letter --purpose request --locality town-a1 --category bench.x --summary bench --petitioner p{i}"
measure "queue (a department)" "--as cty-a-zjj-c queue"
measure "queue (county petition office)" "--as cty-a-xfj-c queue"
measure "list --state handling --limit 50" "--as cty-a-xfj-c list --state handling --limit 50"
measure "search 漏 --limit 50" "--as cty-a-xfj-c search 漏 --limit 50"
measure "search 5678 --limit 50" "--as cty-a-xfj-c search 5678 --limit 50"
# accept: each turn accepts another routed case, as its holder, on each copy.
sqlite3 -separator ' ' "$DB" "SELECT id, holder FROM cases WHERE state = 'routed' ORDER BY id LIMIT $(( RUNS + 6 ))" > "$WORK/routed"
ta=(); tb=(); k=0
while read -r id holder; do
  k=$((k + 1))
  x=$(once "$A --db $WORK/a.db --now $NOW --json --as $holder-c accept $id")
  y=$(once "$B --db $WORK/b.db --now $NOW --json --as $holder-c accept $id")
  if [ $k -gt 5 ]; then ta+=("$x"); tb+=("$y"); fi
done < "$WORK/routed"
ma=$(printf '%s\n' "${ta[@]}" | med); mb=$(printf '%s\n' "${tb[@]}" | med)
echo "| accept | $ma | $mb | $(python3 -c "import sys;print('%+.1f%%'%((float(sys.argv[2])/float(sys.argv[1])-1)*100))" "$ma" "$mb") |"
if [ "${BENCH_TICK:-0}" = 1 ]; then
  T=()
  for round in 1 2; do
    for bin in A B; do
      exe=$A; [ $bin = B ] && exe=$B
      cp "$DB" "$WORK/t.db"; rm -f "$WORK/t.db-wal" "$WORK/t.db-shm"
      s=$(date +%s%N)
      "$exe" --db "$WORK/t.db" --now "$NOW" --json tick > "$WORK/tick-$bin.json"
      T+=("$(( ($(date +%s%N) - s) / 1000000 ))")
    done
  done
  same=$(cmp -s "$WORK/tick-A.json" "$WORK/tick-B.json" && echo "identical summaries" || echo "summaries differ")
  echo "| first tick after the load (ms) | ${T[0]} / ${T[2]} | ${T[1]} / ${T[3]} | $same |"
fi
