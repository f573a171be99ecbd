#!/usr/bin/env bash
# Several servers on one PostgreSQL database, measured:
#   1. the feed woken across instances: a long poll on instance B, a registration through
#      instance A; the time from A's answer to B's poll returning (50 samples: p50, p99, max);
#   2. failover: three instances behind HAProxy, a client sending requests one after another
#      through it (a new connection each), one instance SIGKILLed: the longest gap between two
#      successful requests around the kill, and how many requests failed;
#   3. the leader's takeover: how long after the leader is killed another reports `leader`.
#
#   bench/cluster.sh [BIN]        BIN defaults to target/release/petition
#
# (1 measures the wake-up from the moment the write was answered, and from when it was sent.)
# Needs psql and HAProxy (Debian's postgresql and haproxy packages). Uses PETITION_TEST_PG when
# set, else a throwaway cluster. Environment: BENCH_DIR (scratch).
set -euo pipefail
cd "$(dirname "$0")/.."
P=$(readlink -f "${1:-target/release/petition}")
DIR=${BENCH_DIR:-$(mktemp -d -t petition-cluster-XXXXXX)}
mkdir -p "$DIR"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${OWN_PG:-}" ] && bash scripts/pg-cluster.sh stop "$DIR/pg" >/dev/null 2>&1 || true
}
trap cleanup EXIT
if [ -n "${PETITION_TEST_PG:-}" ]; then BASE=$PETITION_TEST_PG; else
  BASE=$(bash scripts/pg-cluster.sh start "$DIR/pg"); OWN_PG=1; fi
NOW=2026-11-26T10:00:00+08:00
psql "$BASE" -q -c "DROP SCHEMA IF EXISTS bench_cluster CASCADE" -c "CREATE SCHEMA bench_cluster" 2>/dev/null
DB="$BASE?options=-c%20search_path%3Dbench_cluster"
rm -f "$DIR/seed.db"*
"$P" --db "$DIR/seed.db" --now "$NOW" --json demo --cases 1000 --seed 1 > /dev/null
"$P" --db "$DIR/seed.db" --now "$NOW" --as admin copy --from "$DIR/seed.db" --to "$DB" > /dev/null
pet() { "$P" --db "$DB" --now "$NOW" "$@"; }
pet --as admin policy set api_writes_per_minute 1000000 > /dev/null
pet --as admin policy set api_reads_per_minute 1000000 > /dev/null
TOKEN=$(pet --as admin --json staff token cty-a-xfj-c | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
start() { # start NAME: an instance on a free port; sets URL_<NAME>
  "$P" --db "$DB" --now "$NOW" serve --listen 127.0.0.1:0 --instance "$1" > "$DIR/$1.out" 2> "$DIR/$1.err" &
  PIDS+=($!); eval "PID_$1=$!"
  for _ in $(seq 1 300); do grep -q '^listening on' "$DIR/$1.out" 2>/dev/null && break; sleep 0.1; done
  eval "URL_$1=$(sed -n 's/^listening on //p' "$DIR/$1.out")"
}
start a; start b; start c

echo "== the feed woken across instances (a long poll on b, a registration through a) =="
python3 - "$URL_a" "$URL_b" "$TOKEN" <<'PY'
import http.client, json, sys, threading, time, urllib.parse
a, b, token = sys.argv[1:4]
H = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
def conn(url):
    u = urllib.parse.urlparse(url); return http.client.HTTPConnection(u.hostname, u.port, timeout=60)
def get(url, path):
    c = conn(url); c.request("GET", path, headers=H); r = c.getresponse(); return json.loads(r.read())
# The feed's head: page through to the end first.
last = 0
while True:
    v = get(b, f"/api/v1/events?after={last}&limit=1000")
    if not v["entries"]: break
    last = v["last"]
waits, since_sent = [], []
for i in range(100):
    out = {}
    def poll():
        v = get(b, f"/api/v1/events?after={last}&wait=30&limit=1000")
        out["t"] = time.monotonic(); out["v"] = v
    t = threading.Thread(target=poll); t.start(); time.sleep(0.2)
    c = conn(a)
    body = json.dumps({"channel": "letter", "purpose": "request", "locality": "town-a1",
        "category": "housing.repair", "summary": f"唤醒{i}", "petitioners": [{"name": "钱某", "phone": "1390000%04d" % i}],
        "received_at": "2026-11-26"})
    sent = time.monotonic()
    c.request("POST", "/api/v1/cases", body=body, headers=H); r = c.getresponse(); r.read()
    answered = time.monotonic(); assert r.status == 200, r.status
    t.join()
    waits.append((out["t"] - answered) * 1000)
    since_sent.append((out["t"] - sent) * 1000)
    assert out["v"]["entries"], "the poll returned nothing new"
    last = out["v"]["last"]
waits.sort(); since_sent.sort()
q = lambda v, f: v[min(len(v) - 1, int(f * len(v)))]
print("poll on b returned, after a's answer (ms; negative: before it): p50 %.1f, p99 %.1f, max %.1f (100 samples)" % (q(waits, .5), q(waits, .99), waits[-1]))
print("poll on b returned, after the write was sent to a (ms, the write's own time included): p50 %.1f, p99 %.1f, max %.1f" % (q(since_sent, .5), q(since_sent, .99), since_sent[-1]))
PY

echo "== the leader's takeover =="
leader() { for n in a b c; do eval "u=\${URL_$n:-}"; [ -n "$u" ] || continue
  curl -s "$u/api/v1/health" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["instance"]) if d.get("leader") else None' 2>/dev/null || true; done; }
L=$(leader | head -1); echo "leader: $L"
eval "LP=\$PID_$L"; kill -9 "$LP"; eval "URL_$L="
S=$(date +%s%N)
while :; do N=$(leader | head -1); [ -n "$N" ] && break; sleep 0.05; done
echo "instance $N leads $(( ($(date +%s%N) - S) / 1000000 )) ms after the leader was killed"
start "$L"   # back to three

echo "== failover through HAProxy (one instance killed mid-load) =="
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
  printf 'global\n  maxconn 512\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n  retries 3\n  option redispatch\n'
  printf 'frontend fe\n  bind 127.0.0.1:%s\n  default_backend be\n' "$PORT"
  printf 'backend be\n  balance roundrobin\n  option httpchk GET /api/v1/health\n  http-check expect status 200\n  default-server inter 500ms fall 2 rise 1\n'
  for n in a b c; do eval "u=\$URL_$n"; printf '  server %s %s check\n' "$n" "${u#http://}"; done
} > "$DIR/haproxy.cfg"
/usr/sbin/haproxy -db -f "$DIR/haproxy.cfg" > /dev/null 2>&1 &
PIDS+=($!)
sleep 1.5
VICTIM=$PID_b
python3 - "http://127.0.0.1:$PORT" "$TOKEN" "$VICTIM" <<'PY'
import http.client, os, signal, sys, time, urllib.parse
url, token, victim = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(url)
ok, failed, killed_at = [], 0, None
start = time.monotonic()
while time.monotonic() - start < 8:
    if killed_at is None and time.monotonic() - start > 3:
        os.kill(victim, signal.SIGKILL); killed_at = time.monotonic()
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", "/api/v1/cases?limit=1", headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse(); r.read(); c.close()
        if r.status == 200: ok.append(time.monotonic())
        else: failed += 1
    except Exception:
        failed += 1
gaps = [b - a for a, b in zip(ok, ok[1:]) if b >= killed_at - 0.5]
print("requests: %d answered, %d failed; longest gap between answers around the kill: %.0f ms (median gap %.1f ms)"
      % (len(ok), failed, max(gaps) * 1000, sorted(gaps)[len(gaps) // 2] * 1000))
PY
