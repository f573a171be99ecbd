# The PostgreSQL half of bench/run.sh (`bench/run.sh --pg`), sourced by it: the same commands as
# the SQLite table, on a PostgreSQL database, against psql doing the nearest equivalent on the
# same server in the same run. Uses PETITION_TEST_PG when set, else a throwaway cluster.

command -v psql >/dev/null 2>&1 || { echo "bench: psql is required (apt-get install postgresql)" >&2; exit 1; }
if [ -n "${PETITION_TEST_PG:-}" ]; then
  BASE=$PETITION_TEST_PG
else
  BASE=$(bash scripts/pg-cluster.sh start "$WORK/pg")
  trap 'bash scripts/pg-cluster.sh stop "$WORK/pg"' EXIT
fi
PGVER=$(psql "$BASE" -qAt -c "SHOW server_version")
echo "# petition on PostgreSQL ($(date -u +%F), $(nproc) cores, PostgreSQL $PGVER)" >> "$OUT"
for N in $SIZES; do
  S_DB="bench_$N"; S_FLOOR="floor_$N"
  psql "$BASE" -q -c "DROP SCHEMA IF EXISTS $S_DB CASCADE" -c "CREATE SCHEMA $S_DB" \
    -c "DROP SCHEMA IF EXISTS $S_FLOOR CASCADE" -c "CREATE SCHEMA $S_FLOOR" 2>/dev/null
  DB="$BASE?options=-c%20search_path%3D$S_DB"
  FLOORDB="$BASE?options=-c%20search_path%3D$S_FLOOR"
  q() { psql "$DB" -qAt -F ' ' -c "$1"; }
  echo "bench: generating $N cases on PostgreSQL" >&2
  S=$(date +%s%N)
  LOAD_RSS=$(rss_kb "'$P' --db '$DB' --now '$NOW' --json demo --cases $N --seed 1")
  LOAD_MS=$(( ($(date +%s%N) - S) / 1000000 ))
  check "$P --db '$DB' --now $NOW verify"
  read -r EV EVB < <(q "SELECT count(*), sum(length(body)) FROM chain")
  CA=$(q "SELECT count(*) FROM cases"); CL=$(q "SELECT count(*) FROM clocks")
  # The floor: psql inserting the same numbers of rows and bytes into the same tables (made by
  # petition's own migration), case by case as the generator writes them: the events, cases and
  # clocks made up in one transaction, then the other rows copied in a second (below).
  check "$P --db '$FLOORDB' verify"
  AVG=$(( EVB / EV )); EPC=$(( (EV + CA - 1) / CA )); CPC=$(( (CL + CA - 1) / CA ))
  S=$(date +%s%N)
  psql "$FLOORDB" -q <<SQL >/dev/null
BEGIN;
INSERT INTO cases(id, state, holder, lead, first_contact, locality, category, channel, registered_on, registered_at, names, skip_level, collective, repeat, next_tick, last_seq)
SELECT 'XF2026-' || lpad(i::text, 7, '0'), 'handling', 'u' || (i % 20), 'u' || (i % 20), 'x' || (i % 4), 'l' || (i % 8), 'c.' || (i % 8), 'letter',
       to_char(date '2025-11-26' + (i % 365), 'YYYY-MM-DD'), '2026-01-01T09:00:00+08:00', 'name' || i, false, false, false,
       to_char(date '2026-01-01' + (i % 365), 'YYYY-MM-DD'), 4 FROM generate_series(1, $CA) AS i;
INSERT INTO chain(gseq, case_id, seq, type, body, hash)
SELECT i, 'XF2026-' || lpad((1 + (i - 1) / $EPC)::text, 7, '0'), 1 + (i - 1) % $EPC, 'accepted',
       substr(repeat(md5(i::text), ($AVG / 32) + 1), 1, $AVG), decode(md5(i::text) || md5((i + 1)::text), 'hex')
  FROM generate_series(1, $EV) AS i;
INSERT INTO clocks(case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed)
SELECT 'XF2026-' || lpad((1 + (i - 1) / $CPC)::text, 7, '0'), (i - 1) % $CPC, 'handling', true, 'u' || (i % 20), '2026-01-01',
       to_char(date '2026-01-01' + (i % 90), 'YYYY-MM-DD'), NULL, NULL, false FROM generate_series(1, $CL) AS i;
COMMIT;
SQL
  FLOOR3_MS=$(( ($(date +%s%N) - S) / 1000000 ))
  # The rest of the floor: every other row the load wrote (supervisions, the units a case
  # involves, identity keys, search rows, statistics counters), the same rows copied from the
  # loaded schema in the order the generator makes them (case by case; counters by day), in a
  # second transaction. Search documents are parsed again (`::text::tsvector`) and go through
  # the same GIN index, so that work is on both sides.
  S=$(date +%s%N)
  psql "$FLOORDB" -q <<SQL >/dev/null
BEGIN;
INSERT INTO supervisions SELECT * FROM $S_DB.supervisions ORDER BY case_id, id;
INSERT INTO case_units SELECT * FROM $S_DB.case_units ORDER BY case_id, unit;
INSERT INTO identities SELECT * FROM $S_DB.identities ORDER BY case_id, key;
INSERT INTO case_text(case_id, num, text, names, numbers, doc)
  SELECT case_id, num, text, names, numbers, doc::text::tsvector FROM $S_DB.case_text ORDER BY case_id;
INSERT INTO stats SELECT * FROM $S_DB.stats ORDER BY day, grouping, key, item, due;
COMMIT;
SQL
  FLOOR_MS=$(( FLOOR3_MS + ($(date +%s%N) - S) / 1000000 ))
  OTHER=$(q "SELECT (SELECT count(*) FROM supervisions) + (SELECT count(*) FROM case_units)
    + (SELECT count(*) FROM identities) + (SELECT count(*) FROM case_text) + (SELECT count(*) FROM stats)")
  {
    echo
    echo "## $N cases on PostgreSQL"
    echo
    echo "Rows written: $EV events ($EVB bytes of JSON), $CA cases, $CL clocks; $OTHER rows of"
    echo "supervisions, case units, identity keys, the search index and statistics."
    echo
    echo "| measure | petition | psql | ratio |"
    echo "|---|---|---|---|"
    echo "| bulk load (demo --cases $N, ms), floor: every row | $LOAD_MS | $FLOOR_MS | $(ratio $LOAD_MS $FLOOR_MS) |"
    echo "| bulk load, floor: events, cases and clocks only | $LOAD_MS | $FLOOR3_MS | $(ratio $LOAD_MS $FLOOR3_MS) |"
  } >> "$OUT"
  HANDLING=$(q "SELECT count(*) FROM cases WHERE state = 'handling'")
  CASE=$(q "SELECT id FROM cases WHERE state = 'handling' ORDER BY id LIMIT 1 OFFSET $(( HANDLING / 2 ))")
  HOLDER=$(q "SELECT holder FROM cases WHERE id = '$CASE'")
  SHOWAS="--as $HOLDER-c"
  check "$P --db '$DB' --now $NOW $SHOWAS --json show $CASE"
  # One psql process doing one indexed lookup / one insert: connect, statement, exit.
  LOOKUP=$(hf_ms "psql $DB -qAt -c \"SELECT body FROM chain WHERE case_id = '$CASE' ORDER BY seq\"")
  q "CREATE TABLE IF NOT EXISTS bench_scratch(i BIGSERIAL PRIMARY KEY, v TEXT)"
  INSERT=$(median_ms "psql '$DB' -qAt -c \"INSERT INTO bench_scratch(v) VALUES (md5(random()::text))\"")
  SHOW=$(hf_ms "$P --db $DB --now $NOW $SHOWAS --json show $CASE")
  SHOWM=$(hf_ms "$P --db $DB --now $NOW --as admin --json show $CASE")
  REG=$(median_ms "$P --db '$DB' --now $NOW --as cty-a-xfj-c --json register --channel letter --purpose request --locality town-a1 --category bench.x --summary bench --petitioner 'bench\$i'")
  q "SELECT id, holder FROM cases WHERE state = 'routed' ORDER BY id LIMIT $(( RUNS + 1 ))" > "$WORK/routed"
  ACCEPT=$(median_ms "set -- \$(sed -n \"\${i}p\" $WORK/routed); $P --db '$DB' --now $NOW --as \$2-c --json accept \$1")
  {
    echo "| show by the holder, logged (ms, median) | $SHOW | $LOOKUP (lookup) | $(ratio $SHOW $LOOKUP) |"
    echo "| show by the admin, masked (ms, median) | $SHOWM | $LOOKUP (lookup) | $(ratio $SHOWM $LOOKUP) |"
    echo "| register (ms, median) | $REG | $INSERT (insert) | $(ratio $REG $INSERT) |"
    echo "| accept (ms, median) | $ACCEPT | $INSERT (insert) | $(ratio $ACCEPT $INSERT) |"
  } >> "$OUT"
  S=$(date +%s%N)
  TICK_RSS=$(rss_kb "'$P' --db '$DB' --now '$NOW' tick")
  TICK_MS=$(( ($(date +%s%N) - S) / 1000000 ))
  for v in "queue:--as cty-a-zjj-c queue" "overdue --limit 50 (county office):--as cty-a-xfj-c overdue --limit 50" "list --state handling --limit 50 (county office):--as cty-a-xfj-c list --state handling --limit 50" "tick (nothing due):tick" "stats over a year:stats --from 2025-11-27 --to 2026-11-26"; do
    NAME=${v%%:*}; ARGS=${v#*:}
    check "$P --db '$DB' --now $NOW --json $ARGS"
    T=$(hf_ms "$P --db $DB --now $NOW --json $ARGS")
    echo "| $NAME (ms, median) | $T | $LOOKUP (lookup) | $(ratio $T $LOOKUP) |" >> "$OUT"
  done
  {
    echo
    echo "| peak RSS ($N cases, PostgreSQL) | KiB |"
    echo "|---|---|"
    echo "| demo --cases $N (bulk load) | $LOAD_RSS |"
    echo "| show | $(rss_kb "$P --db '$DB' --now $NOW $SHOWAS --json show $CASE") |"
    echo "| register | $(rss_kb "$P --db '$DB' --now $NOW --as cty-a-xfj-c --json register --channel letter --purpose request --locality town-a1 --category bench.x --summary bench --petitioner rss") |"
    echo "| queue | $(rss_kb "$P --db '$DB' --now $NOW --as cty-a-zjj-c --json queue") |"
    echo "| stats over a year | $(rss_kb "$P --db '$DB' --now $NOW --json stats --from 2025-11-27 --to 2026-11-26") |"
    echo "| export --format jsonl | $(rss_kb "$P --db '$DB' --as admin --now $NOW export --format jsonl --include-pii > /dev/null") |"
    S=$(date +%s%N)
    VERIFY_RSS=$(rss_kb "$P --db '$DB' verify")
    echo "| verify ($(( ($(date +%s%N) - S) / 1000000 )) ms) | $VERIFY_RSS |"
    echo "| tick with work (the first tick after the load, $TICK_MS ms) | $TICK_RSS |"
  } >> "$OUT"
  [ -n "${BENCH_KEEP:-}" ] || psql "$BASE" -q -c "DROP SCHEMA $S_FLOOR CASCADE" 2>/dev/null
done
cat "$OUT"
if [ $QUICK = 0 ]; then
  python3 - "$OUT" <<'PY'
import re, sys
table = open(sys.argv[1]).read()
path = "BENCHMARKS.md"
doc = open(path).read()
start, end = "<!-- bench/run.sh --pg:start -->", "<!-- bench/run.sh --pg:end -->"
block = f"{start}\n{table}\n{end}"
doc = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, doc, flags=re.S) if start in doc else doc + "\n" + block + "\n"
open(path, "w").write(doc)
PY
  echo "bench: table written to BENCHMARKS.md" >&2
fi
