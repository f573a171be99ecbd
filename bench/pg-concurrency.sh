#!/usr/bin/env bash
# Many writers on one PostgreSQL database at once (issue 14): WRITERS processes (default 16) each
# loop for SECS seconds (default 60) registering a case, transferring it and having it accepted,
# every command a separate `petition` process as a clerk would run it. Afterwards: every case a
# writer was told it registered exists, case numbers are gap-free (1..N), `verify` is green, and
# the throughput is printed.
#
#   bench/pg-concurrency.sh [WRITERS] [SECS]
#
# Uses PETITION_TEST_PG when set (a server to make a schema on), else starts a throwaway cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
WRITERS=${1:-16}
SECS=${2:-60}
cargo build --release -q -p petition-cli
P="$PWD/target/release/petition"
WORK=$(mktemp -d -t petition-pgc-XXXXXX)
cleanup() {
  [ -n "${OWN_CLUSTER:-}" ] && bash scripts/pg-cluster.sh stop "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -n "${PETITION_TEST_PG:-}" ]; then
  BASE=$PETITION_TEST_PG
else
  OWN_CLUSTER=1
  BASE=$(bash scripts/pg-cluster.sh start "$WORK/pg")
fi
SCHEMA="concurrency_$$"
psql "$BASE" -qc "CREATE SCHEMA $SCHEMA" >/dev/null
DB="$BASE?options=-c%20search_path%3D$SCHEMA"
export PETITION_DB="$DB"

cat > "$WORK/org.csv" <<'CSV'
code,name,level,kind,parent,line_superior
c,某县人民政府,county,government,,
c-xfj,某县信访局,county,petition_office,c,
c-zjj,某县住建局,county,department,c,
t,甲镇人民政府,township,government,c,
CSV
$P init --admin admin --admin-name 管理员 >/dev/null
$P --as admin unit import "$WORK/org.csv" >/dev/null
for i in $(seq 1 "$WRITERS"); do
  $P --as admin staff add "x$i" --name "登记员$i" --role clerk --unit c-xfj >/dev/null
  $P --as admin staff add "z$i" --name "承办员$i" --role clerk --unit c-zjj >/dev/null
done

writer() {
  local i=$1 log="$WORK/w$1.log" end=$(( $(date +%s) + SECS )) id out
  while [ "$(date +%s)" -lt $end ]; do
    if out=$($P --json --as "x$i" register --channel visit --purpose request --locality t \
        --category housing.repair --summary "房屋漏水 $i" --petitioner "王某$i" 2>>"$log.err"); then
      id=$(printf '%s' "$out" | sed -n 's/^  "id": "\([^"]*\)".*/\1/p' | head -1)
      echo "ok register $id" >> "$log"
    else
      echo "fail register $?" >> "$log"; continue
    fi
    if $P --as "x$i" transfer "$id" --to c-zjj >/dev/null 2>>"$log.err"; then
      echo "ok transfer $id" >> "$log"
    else
      echo "fail transfer $? $id" >> "$log"; continue
    fi
    if $P --as "z$i" accept "$id" >/dev/null 2>>"$log.err"; then
      echo "ok accept $id" >> "$log"
    else
      echo "fail accept $? $id" >> "$log"
    fi
  done
}

start=$(date +%s%N)
for i in $(seq 1 "$WRITERS"); do writer "$i" & done
wait
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))

cat "$WORK"/w*.log > "$WORK/all.log"
ok=$(grep -c '^ok ' "$WORK/all.log" || true)
failed=$(grep -c '^fail ' "$WORK/all.log" || true)
registered=$(grep '^ok register ' "$WORK/all.log" | awk '{print $3}' | sort)
n_registered=$(printf '%s\n' "$registered" | grep -c . || true)
# Every case a writer was told it registered exists, and nothing else does.
$P --json --as admin list --limit 100000000 | python3 -c '
import json, sys
ids = sorted(c["id"] for c in json.load(sys.stdin)["cases"])
told = sorted(open(sys.argv[1]).read().split())
assert ids == told, f"{len(ids)} cases stored, {len(told)} registrations reported"
seqs = sorted(int(i.split("-")[1]) for i in ids)
assert seqs == list(range(1, len(seqs) + 1)), "case numbers have a gap"
print(f"cases: {len(ids)} stored = {len(told)} reported; numbers 1..{len(seqs)} without a gap")
' <(printf '%s\n' "$registered")
$P --json verify | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v["ok"]
print("verify: ok, %d entries, head %s…" % (v["entries"], v["head"]["hash"][:16]))
'
echo "writers: $WRITERS processes for ${SECS}s (${elapsed_ms} ms wall)"
echo "commands: $ok succeeded, $failed refused ($(grep -h 'error \[' "$WORK"/w*.log.err 2>/dev/null | sed 's/.*error \[\([a-z_]*\)\].*/\1/' | sort | uniq -c | tr '\n' ' '))"
python3 -c "print(f'throughput: {$ok * 1000 / $elapsed_ms:.1f} commands/s ({$n_registered * 1000 / $elapsed_ms:.1f} cases/s registered, transferred and accepted)')"
