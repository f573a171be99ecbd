#!/usr/bin/env bash
# Benchmarks of whole `petition` commands against the database engine itself on the same machine:
# each ratio divides what `petition` takes by what the engine's own client takes for the nearest
# equivalent (the "floor"), run the same way in the same run.
#
#   bench/run.sh            SQLite, 100,000 and 1,000,000 cases; writes the table into BENCHMARKS.md
#   bench/run.sh --quick    SQLite, 1,000 cases, prints the table only (CI runs this so it cannot rot)
#   bench/run.sh --pg       PostgreSQL (a throwaway cluster, or PETITION_TEST_PG), 100,000 cases
#                           (BENCH_SIZES to change); writes its own table into BENCHMARKS.md
#
# Every timed command is checked: a run that fails stops the benchmark (a refusal is not timed as
# a fast success). Commands that change data (register, accept) get a different case each run.
#
# Needs: the Rust toolchain, `sqlite3` and `hyperfine` (installed from Debian's packages when
# missing and we are root), GNU time at /usr/bin/time for peak memory (else memory is skipped).
# Environment: BENCH_DIR (scratch directory, default a new temp dir), BENCH_SIZES (override sizes),
# BENCH_MARK (write the table between markers of this name in BENCHMARKS.md, beside the others).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0; ENGINE=sqlite
case "${1:-}" in
  --quick) QUICK=1 ;;
  --pg) ENGINE=pg ;;
esac
if [ $QUICK = 1 ]; then SIZES=${BENCH_SIZES:-1000}; RUNS=5
elif [ $ENGINE = pg ]; then SIZES=${BENCH_SIZES:-100000}; RUNS=30
else SIZES=${BENCH_SIZES:-"100000 1000000"}; RUNS=30; fi

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing $2 from Debian's packages" >&2
      (apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; }) || true
    fi
  fi
  command -v "$1" >/dev/null 2>&1
}
need sqlite3 sqlite3 || { echo "bench: sqlite3 is required" >&2; exit 1; }
HAVE_HYPERFINE=0; need hyperfine hyperfine && HAVE_HYPERFINE=1
HAVE_TIME=0; [ -x /usr/bin/time ] || need /usr/bin/time time || true; [ -x /usr/bin/time ] && HAVE_TIME=1

cargo build --release -q -p petition-cli
P="$PWD/target/release/petition"
WORK=${BENCH_DIR:-$(mktemp -d -t petition-bench-XXXXXX)}
mkdir -p "$WORK"
NOW="2026-11-26T10:00:00+08:00"
OUT="$WORK/bench.md"
: > "$OUT"

# Median wall time in milliseconds of a command run $RUNS times (each run may differ: "$@" is
# evaluated with $i set to the run number). Every run must succeed, or the benchmark stops.
median_ms() {
  local cmd="$*" times=() i s e
  for i in $(seq 1 "$RUNS"); do
    s=$(date +%s%N)
    eval "$cmd" >/dev/null 2>"$WORK/err" || { echo "bench: run $i failed: $cmd" >&2; cat "$WORK/err" >&2; exit 1; }
    e=$(date +%s%N)
    times+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'
}

# Median via hyperfine when present (repeatable commands), else the loop above.
hf_ms() {
  if [ $HAVE_HYPERFINE = 1 ]; then
    # hyperfine stops with an error when any run exits non-zero.
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/hf.json" "$1" >/dev/null 2>"$WORK/err" \
      || { echo "bench: failed: $1" >&2; cat "$WORK/err" >&2; exit 1; }
    python3 -c "import json;print('%.2f'%(json.load(open('$WORK/hf.json'))['results'][0]['median']*1000))"
    return
  fi
  median_ms "$1"
}

# Runs a command once and stops the benchmark if it fails: a failing command would time an error.
check() { local cmd="$*"; eval "$cmd" >/dev/null 2>"$WORK/err" || { echo "bench: command failed: $*" >&2; cat "$WORK/err" >&2; exit 1; }; }

# Peak RSS in KiB of a command (run either way; "-" without GNU time).
rss_kb() { if [ $HAVE_TIME = 1 ]; then /usr/bin/time -f %M -o "$WORK/rss" bash -c "$1" >/dev/null 2>&1 || true; cat "$WORK/rss"; else bash -c "$1" >/dev/null 2>&1 || true; echo "-"; fi; }
ratio() { python3 -c "a,b=$1,$2; print('%.2f'%(a/b) if b else '-')"; }

if [ $ENGINE = pg ]; then
  # shellcheck source=bench/pg.sh
  . bench/pg.sh
  exit 0
fi

echo "# petition benchmarks ($(date -u +%F), $(nproc) cores, sqlite3 $(sqlite3 --version | cut -d' ' -f1))" >> "$OUT"
for N in $SIZES; do
  DB="$WORK/p$N.db"; FLOOR="$WORK/floor$N.db"
  rm -f "$DB" "$DB"-wal "$DB"-shm "$FLOOR"*
  echo "bench: generating $N cases" >&2
  S=$(date +%s%N)
  LOAD_RSS=$(rss_kb "'$P' --db '$DB' --now '$NOW' --json demo --cases $N --seed 1")
  LOAD_MS=$(( ($(date +%s%N) - S) / 1000000 ))
  # What was written: rows and bytes of the chain, cases and clocks.
  read -r EV EVB < <(sqlite3 -separator ' ' "$DB" "SELECT count(*), sum(length(body)) FROM chain")
  read -r CA < <(sqlite3 "$DB" "SELECT count(*) FROM cases")
  read -r CL < <(sqlite3 "$DB" "SELECT count(*) FROM clocks")
  # The floor: sqlite3 inserting the same rows and bytes, same schema and indexes: the events,
  # cases and clocks made up in one transaction, then the other rows copied in a second.
  sqlite3 "$DB" .schema | grep -v '^CREATE TRIGGER' | sed -e '/^ *BEGIN SELECT RAISE/d' > "$WORK/schema.sql"
  AVG=$(( EVB / EV ))
  S=$(date +%s%N)
  # Rows go case by case, as the generator writes them (a case's events, then the next case's),
  # with the generator's page cache (16 MiB) and durability (WAL, synchronous=FULL).
  EPC=$(( (EV + CA - 1) / CA )); CPC=$(( (CL + CA - 1) / CA ))
  sqlite3 "$FLOOR" <<SQL >/dev/null
PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16384;
$(cat "$WORK/schema.sql")
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $CA)
INSERT INTO cases(id, state, holder, lead, first_contact, locality, category, channel, registered_on, registered_at, names, skip_level, collective, repeat, next_tick, last_seq)
SELECT printf('XF2026-%07d', i), 'handling', 'u' || (i % 20), 'u' || (i % 20), 'x' || (i % 4), 'l' || (i % 8), 'c.' || (i % 8), 'letter',
       date('2025-11-26', '+' || (i % 365) || ' days'), '2026-01-01T09:00:00+08:00', 'name' || i, 0, 0, 0, date('2026-01-01', '+' || (i % 365) || ' days'), 4 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $EV)
INSERT INTO chain(gseq, case_id, seq, type, body, hash)
SELECT i, printf('XF2026-%07d', 1 + (i - 1) / $EPC), 1 + (i - 1) % $EPC, 'accepted', substr(hex(randomblob($AVG)), 1, $AVG), randomblob(32) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $CL)
INSERT INTO clocks(case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed)
SELECT printf('XF2026-%07d', 1 + (i - 1) / $CPC), (i - 1) % $CPC, 'handling', 1, 'u' || (i % 20), '2026-01-01', date('2026-01-01', '+' || (i % 90) || ' days'), NULL, NULL, 0 FROM n;
COMMIT;
SQL
  FLOOR3_MS=$(( ($(date +%s%N) - S) / 1000000 ))
  # The rest of the floor: every other row the load wrote (supervisions, the units a case
  # involves, identity keys, search rows, statistics counters), the same rows and bytes copied
  # from the loaded file in the order the generator makes them (case by case; counters by day),
  # in a second transaction. The search rows go through the same FTS5 index, so their
  # tokenising is on both sides.
  S=$(date +%s%N)
  sqlite3 "$FLOOR" <<SQL >/dev/null
PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16384;
ATTACH '$DB' AS p;
BEGIN;
INSERT INTO supervisions SELECT * FROM p.supervisions ORDER BY case_id, id;
INSERT INTO case_units SELECT * FROM p.case_units ORDER BY case_id, unit;
INSERT INTO identities SELECT * FROM p.identities ORDER BY case_id, key;
INSERT INTO case_text(rowid, text, names, num, case_id) SELECT rowid, text, names, num, case_id FROM p.case_text ORDER BY case_id;
INSERT INTO stats SELECT * FROM p.stats ORDER BY day, grouping, key, item, due;
COMMIT;
SQL
  FLOOR_MS=$(( FLOOR3_MS + ($(date +%s%N) - S) / 1000000 ))
  read -r OTHER < <(sqlite3 "$DB" "SELECT (SELECT count(*) FROM supervisions) + (SELECT count(*) FROM case_units)
    + (SELECT count(*) FROM identities) + (SELECT count(*) FROM case_text) + (SELECT count(*) FROM stats)")
  {
    echo
    echo "## $N cases"
    echo
    echo "Rows written: $EV events ($EVB bytes of JSON), $CA cases, $CL clocks; $OTHER rows of"
    echo "supervisions, case units, identity keys, the search index and statistics."
    echo
    echo "| measure | petition | sqlite3 | ratio |"
    echo "|---|---|---|---|"
    echo "| bulk load (demo --cases $N, ms), floor: every row | $LOAD_MS | $FLOOR_MS | $(ratio $LOAD_MS $FLOOR_MS) |"
    echo "| bulk load, floor: events, cases and clocks only | $LOAD_MS | $FLOOR3_MS | $(ratio $LOAD_MS $FLOOR3_MS) |"
  } >> "$OUT"

  # One command vs one sqlite3 process doing one indexed lookup / one insert on the same file.
  HANDLING=$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE state = 'handling'")
  CASE=$(sqlite3 "$DB" "SELECT id FROM cases WHERE state = 'handling' ORDER BY id LIMIT 1 OFFSET $(( HANDLING / 2 ))")
  # show as a clerk of the holding unit: personal data in full, so the disclosure is written to
  # the access log (one more small transaction) — what a clerk's show costs.
  HOLDER=$(sqlite3 "$DB" "SELECT holder FROM cases WHERE id = '$CASE'")
  SHOWAS="--as $HOLDER-c"
  check "$P --db $DB --now $NOW $SHOWAS --json show $CASE"
  LOOKUP=$(hf_ms "sqlite3 $DB \"SELECT body FROM chain WHERE case_id = '$CASE' ORDER BY seq\"")
  sqlite3 "$DB" "CREATE TABLE IF NOT EXISTS bench_scratch(i INTEGER PRIMARY KEY, v TEXT)"
  INSERT=$(median_ms "sqlite3 $DB \"INSERT INTO bench_scratch(v) VALUES (hex(randomblob(200)))\"")
  # The floor's table goes again: verify (below) refuses a table petition did not make.
  sqlite3 "$DB" "DROP TABLE bench_scratch"
  check "$P --db $DB --now $NOW --as cty-a-xfj-c --json register --channel letter --purpose request --locality town-a1 --category bench.x --summary bench --petitioner check"
  SHOW=$(hf_ms "$P --db $DB --now $NOW $SHOWAS --json show $CASE")
  SHOWM=$(hf_ms "$P --db $DB --now $NOW --as admin --json show $CASE")
  REG=$(median_ms "$P --db $DB --now $NOW --as cty-a-xfj-c --json register --channel letter --purpose request --locality town-a1 --category bench.x --summary bench --petitioner 'bench\$i'")
  sqlite3 -separator ' ' "$DB" "SELECT id, holder FROM cases WHERE state = 'routed' ORDER BY id LIMIT $(( RUNS + 1 ))" > "$WORK/routed"
  i=$(( RUNS + 1 )); check "set -- \$(sed -n \"\${i}p\" $WORK/routed); $P --db $DB --now $NOW --as \$2-c --json accept \$1"
  ACCEPT=$(median_ms "set -- \$(sed -n \"\${i}p\" $WORK/routed); $P --db $DB --now $NOW --as \$2-c --json accept \$1")
  {
    echo "| show by the holder, logged (ms, median) | $SHOW | $LOOKUP (lookup) | $(ratio $SHOW $LOOKUP) |"
    echo "| show by the admin, masked (ms, median) | $SHOWM | $LOOKUP (lookup) | $(ratio $SHOWM $LOOKUP) |"
    echo "| register (ms, median) | $REG | $INSERT (insert) | $(ratio $REG $INSERT) |"
    echo "| accept (ms, median) | $ACCEPT | $INSERT (insert) | $(ratio $ACCEPT $INSERT) |"
  } >> "$OUT"
  # Views.
  # Clear what is due, so the next tick has nothing to do; this first tick has work (its time and
  # memory are reported below, for information).
  S=$(date +%s%N)
  TICK_RSS=$(rss_kb "'$P' --db '$DB' --now '$NOW' tick")
  TICK_MS=$(( ($(date +%s%N) - S) / 1000000 ))
  for v in "queue:--as cty-a-zjj-c queue" "queue (county petition office):--as cty-a-xfj-c queue" "overdue --limit 50 (county office):--as cty-a-xfj-c overdue --limit 50" "list --state handling --limit 50 (county office):--as cty-a-xfj-c list --state handling --limit 50" "tick (nothing due):tick" "stats over a year:stats --from 2025-11-27 --to 2026-11-26" "search 漏 (one character, county office):--as cty-a-xfj-c search 漏 --limit 50" "search 征地补偿 (a phrase, county office):--as cty-a-xfj-c search 征地补偿 --limit 50" "search 5678 (a phone's end, county office):--as cty-a-xfj-c search 5678 --limit 50"; do
    NAME=${v%%:*}; ARGS=${v#*:}
    check "$P --db $DB --now $NOW --json $ARGS"
    T=$(hf_ms "$P --db $DB --now $NOW --json $ARGS")
    echo "| $NAME (ms, median) | $T | $LOOKUP (lookup) | $(ratio $T $LOOKUP) |" >> "$OUT"
  done
  # Memory: peak RSS of each command, and of a full export.
  {
    echo
    echo "| peak RSS ($N cases) | KiB |"
    echo "|---|---|"
    echo "| demo --cases $N (bulk load) | $LOAD_RSS |"
    echo "| show | $(rss_kb "$P --db $DB --now $NOW $SHOWAS --json show $CASE") |"
    echo "| register | $(rss_kb "$P --db $DB --now $NOW --as cty-a-xfj-c --json register --channel letter --purpose request --locality town-a1 --category bench.x --summary bench --petitioner rss") |"
    echo "| queue | $(rss_kb "$P --db $DB --now $NOW --as cty-a-zjj-c --json queue") |"
    echo "| overdue --limit 50 | $(rss_kb "$P --db $DB --now $NOW --as cty-a-xfj-c --json overdue --limit 50") |"
    echo "| list --limit 50 | $(rss_kb "$P --db $DB --now $NOW --as cty-a-xfj-c --json list --state handling --limit 50") |"
    echo "| tick | $(rss_kb "$P --db $DB --now $NOW --json tick") |"
    echo "| stats over a year | $(rss_kb "$P --db $DB --now $NOW --json stats --from 2025-11-27 --to 2026-11-26") |"
    echo "| export --format jsonl | $(rss_kb "$P --db $DB --as admin --now $NOW export --format jsonl --include-pii > /dev/null") |"
    S=$(date +%s%N)
    XLSX_RSS=$(rss_kb "$P --db $DB --as admin --now $NOW export --format xlsx --out $WORK/ledger.xlsx")
    echo "| export --format xlsx (the ledger, every case: $(( ($(date +%s%N) - S) / 1000000 )) ms) | $XLSX_RSS |"
    rm -f "$WORK/ledger.xlsx"
    S=$(date +%s%N)
    VERIFY_RSS=$(rss_kb "$P --db $DB verify")
    echo "| verify (chain, every derived table, access log: $(( ($(date +%s%N) - S) / 1000000 )) ms) | $VERIFY_RSS |"
    echo "| tick with work (the first tick after the load, $TICK_MS ms) | $TICK_RSS |"
  } >> "$OUT"
  [ -n "${BENCH_KEEP:-}" ] || rm -f "$FLOOR" "$FLOOR"-wal "$FLOOR"-shm
done

cat "$OUT"
if [ $QUICK = 0 ]; then
  python3 - "$OUT" <<'PY'
import re, sys
table = open(sys.argv[1]).read()
path = "BENCHMARKS.md"
doc = open(path).read()
import os
mark = "bench/run.sh" + ((" " + os.environ["BENCH_MARK"]) if os.environ.get("BENCH_MARK") else "")
start, end = f"<!-- {mark}:start -->", f"<!-- {mark}:end -->"
block = f"{start}\n{table}\n{end}"
doc = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, doc, flags=re.S) if start in doc else doc + "\n" + block + "\n"
open(path, "w").write(doc)
PY
  echo "bench: table written to BENCHMARKS.md" >&2
fi
