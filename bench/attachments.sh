#!/usr/bin/env bash
# The case file's files (附件), measured on a generated database:
#   1. the command line attaching and downloading a 20 MiB PDF: wall time and peak RSS;
#   2. hashing and storing: MB/s attaching 20 MiB and 200 MiB files (two passes: recognise and
#      hash, then store and hash again);
#   3. the server: its RSS before, and its peak (VmHWM) after a 20 MiB upload and after a
#      rejected 30 MiB upload (413);
#   4. verify with flat memory: peak RSS of `verify` with 0, 1,000 and 10,000 stored files.
#
#   bench/attachments.sh [BIN]        BIN defaults to target/release/petition
#
# Environment: BENCH_DIR (scratch, removed at the end unless given).
set -euo pipefail
cd "$(dirname "$0")/.."
P=$(readlink -f "${1:-target/release/petition}")
DIR=${BENCH_DIR:-$(mktemp -d -t petition-attach-XXXXXX)}
mkdir -p "$DIR"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; [ -z "${BENCH_DIR:-}" ] && rm -rf "$DIR"' EXIT
. bench/serving.sh
NOW=2026-11-26T10:00:00+08:00
DB="$DIR/a.db"
rm -f "$DB"*
"$P" --db "$DB" --now "$NOW" --json demo --cases 200 --seed 1 > /dev/null
pet() { "$P" --db "$DB" --now "$NOW" "$@"; }
CLERK=cty-a-xfj-c
# Cases the petition office registered (it reads them in full).
CASES=$(pet --as "$CLERK" --json list --limit 120 | python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(sys.stdin)["cases"]))')
set -- $CASES
C1=$1
pdf() { # pdf FILE MIB
  python3 -c 'import os,sys; f=open(sys.argv[1],"wb"); f.write(b"%PDF-1.7\n"); f.write(os.urandom((1<<20)-9)); [f.write(os.urandom(1<<20)) for _ in range(int(sys.argv[2])-1)]' "$1" "$2"
}
timed() { # timed OUT CMD...: wall seconds and peak RSS (KiB) of CMD into OUT
  /usr/bin/time -f '%e %M' -o "$1" "${@:2}" > /dev/null
}
mbs() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) * 1.048576 / max(float(sys.argv[2]), 0.001)))" "$1" "$2"; }

pdf "$DIR/f20.pdf" 20
pdf "$DIR/f200.pdf" 200
pdf "$DIR/f30.pdf" 30
pet --as admin policy set case_attachments_max_mib 1000 > /dev/null

echo "== the command line, a 20 MiB PDF =="
timed "$DIR/t" "$P" --db "$DB" --now "$NOW" --as "$CLERK" attach "$C1" "$DIR/f20.pdf" --kind letter
read -r S M < "$DIR/t"; echo "attach:  ${S} s, peak RSS $((M / 1024)) MiB, $(mbs 20 "$S") MB/s"
SHA=$(pet --as "$CLERK" --json attachments "$C1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"][0]["sha256"])')
timed "$DIR/t" "$P" --db "$DB" --now "$NOW" --as "$CLERK" attachment get "$C1" "$SHA" --out "$DIR/back.pdf"
read -r S M < "$DIR/t"; echo "get:     ${S} s, peak RSS $((M / 1024)) MiB, $(mbs 20 "$S") MB/s"
cmp "$DIR/f20.pdf" "$DIR/back.pdf"

echo "== hashing and storing, 200 MiB (policy attachment_max_mib 200) =="
pet --as admin policy set attachment_max_mib 200 > /dev/null
timed "$DIR/t" "$P" --db "$DB" --now "$NOW" --as "$CLERK" attach "$2" "$DIR/f200.pdf" --kind evidence
read -r S M < "$DIR/t"; echo "attach:  ${S} s, peak RSS $((M / 1024)) MiB, $(mbs 200 "$S") MB/s"
pet --as admin policy set attachment_max_mib 20 > /dev/null

echo "== the server: a 20 MiB upload and a rejected 30 MiB one =="
TOKEN=$(pet --as admin --json staff token "$CLERK" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
cp "$DB" "$DIR/s.db"
"$P" --db "$DIR/s.db" --now "$NOW" serve --listen 127.0.0.1:0 > "$DIR/out" 2> "$DIR/err" &
SERVER_PID=$!
for _ in $(seq 1 600); do grep -q '^listening on' "$DIR/out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$DIR/out")
rss() { awk -v k="$1:" '$1 == k {print int($2 / 1024)}' "/proc/$SERVER_PID/status"; }
# Warm up: a read and a small upload.
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/api/v1/cases/$3"
head -c 4096 "$DIR/f20.pdf" > "$DIR/small.pdf"
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'X-Title: warm' --data-binary @"$DIR/small.pdf" "$URL/api/v1/cases/$3/attachments"
B=$(rss VmRSS); H0=$(rss VmHWM)
echo "before:  RSS $B MiB (peak so far $H0 MiB)"
ST=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/pdf' -H 'X-Title: scan' --data-binary @"$DIR/f20.pdf" "$URL/api/v1/cases/$3/attachments")
H1=$(rss VmHWM); echo "upload 20 MiB: HTTP ${ST% *} in ${ST#* } s; peak RSS $H1 MiB (+$((H1 - B)) MiB over the RSS before)"
ST=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'X-Title: big' --data-binary @"$DIR/f30.pdf" "$URL/api/v1/cases/$4/attachments")
H2=$(rss VmHWM); echo "upload 30 MiB: HTTP $ST; peak RSS $H2 MiB (+$((H2 - B)) MiB)"
SHA2=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/cases/$3/attachments" | python3 -c 'import json,sys; print([a["sha256"] for a in json.load(sys.stdin)["attachments"] if a["title"]=="scan"][0])')
ST=$(curl -s -o "$DIR/back2.pdf" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/cases/$3/attachments/$SHA2")
H3=$(rss VmHWM); echo "download 20 MiB: HTTP ${ST% *} in ${ST#* } s; peak RSS $H3 MiB (+$((H3 - B)) MiB)"
cmp "$DIR/f20.pdf" "$DIR/back2.pdf"

echo "== verify with 0, 1,000 and 10,000 stored files (2 KiB texts, 100 a case) =="
cp "$DB" "$DIR/v.db"
"$P" --db "$DIR/v.db" --now "$NOW" verify > /dev/null
/usr/bin/time -f '%e %M' -o "$DIR/t" "$P" --db "$DIR/v.db" --now "$NOW" verify > /dev/null
read -r S M < "$DIR/t"; echo "files 0: verify ${S} s, peak RSS $((M / 1024)) MiB"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
"$P" --db "$DIR/v.db" --now "$NOW" serve --listen 127.0.0.1:0 > "$DIR/out" 2> "$DIR/err" &
SERVER_PID=$!
for _ in $(seq 1 600); do grep -q '^listening on' "$DIR/out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$DIR/out")
TOKEN=$("$P" --db "$DIR/v.db" --now "$NOW" --as admin --json staff token "$CLERK" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$P" --db "$DIR/v.db" --now "$NOW" --as admin policy set api_writes_per_minute 1000000 > /dev/null
upload_many() { # upload_many FROM TO: files FROM..TO-1, 100 to a case
  python3 - "$URL" "$TOKEN" "$1" "$2" $CASES <<'PY'
import http.client, sys, urllib.parse
url, token, lo, hi, cases = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
for i in range(lo, hi):
    body = (f"回访记录 {i}\n" * 120).encode()[:2048]
    c.request("POST", f"/api/v1/cases/{cases[i // 100]}/attachments", body=body,
              headers={"Authorization": f"Bearer {token}", "X-Title": f"r{i}", "Content-Type": "text/plain"})
    r = c.getresponse(); r.read()
    assert r.status == 200, (r.status, i)
PY
}
SECONDS=0
upload_many 0 1000
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
/usr/bin/time -f '%e %M' -o "$DIR/t" "$P" --db "$DIR/v.db" --now "$NOW" verify > /dev/null
read -r S M < "$DIR/t"; echo "files 1,000: verify ${S} s, peak RSS $((M / 1024)) MiB"
"$P" --db "$DIR/v.db" --now "$NOW" serve --listen 127.0.0.1:0 > "$DIR/out" 2> "$DIR/err" &
SERVER_PID=$!
for _ in $(seq 1 600); do grep -q '^listening on' "$DIR/out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$DIR/out")
upload_many 1000 10000
echo "(10,000 uploads through the API in ${SECONDS} s)"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
/usr/bin/time -f '%e %M' -o "$DIR/t" "$P" --db "$DIR/v.db" --now "$NOW" verify > /dev/null
read -r S M < "$DIR/t"; echo "files 10,000: verify ${S} s, peak RSS $((M / 1024)) MiB"
