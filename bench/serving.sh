# Sourced by the benchmark scripts: `serve_db P DB DIR` starts `P --db DB serve` on a free
# loopback port, waits until it listens, and sets URL and SERVER_PID (the caller's EXIT trap
# stops it and removes DIR).
serve_db() {
  local p=$1 db=$2 dir=$3
  "$p" --db "$db" serve --listen 127.0.0.1:0 > "$dir/out" 2> "$dir/err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do grep -q '^listening on' "$dir/out" 2>/dev/null && break; sleep 0.1; done
  URL=$(sed -n 's/^listening on //p' "$dir/out")
  [ -n "$URL" ] || { echo "the server did not start:" >&2; cat "$dir/err" >&2; exit 1; }
}

# `load_tokens P DB NOW` sets CLERK and DEPT, tokens of the demo's petition-office clerk and of a
# department clerk, and lifts the per-minute limits for the load: one token serves all of a
# load's clients (an older binary without the limits refuses the keys, which is fine).
load_tokens() {
  local p=$1 db=$2 now=$3 k
  tok() { "$p" --db "$db" --as admin --now "$now" --json staff token "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
  CLERK=$(tok cty-a-xfj-c); DEPT=$(tok cty-a-zjj-c)
  for k in api_writes_per_minute api_reads_per_minute; do
    "$p" --db "$db" --as admin --now "$now" policy set "$k" 1000000 > /dev/null 2>&1 || true
  done
}
