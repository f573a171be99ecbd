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
