#!/usr/bin/env python3
"""Slow, unauthenticated clients against `petition serve`: K connections that send half a
request (headers without their end, or a POST's headers and a trickle of its body) and then
wait. Measures the server's resident memory before, at the peak and after they close, and how
long a fresh authenticated `GET /api/v1/cases` takes while they hang on.

    bench/slow-clients.py [--quick] [--clients K] [--hold SECONDS]

Besides, --bodies B (default 60; --quick 10) clients send a whole 8 MiB body without a token,
all but its last byte, and hold.

--quick (CI): 200 clients held 3 s. Default: 1,000 held 8 s. PETITION_BIN: the binary to
measure (default: this checkout's release build). Prints one JSON line. Exits 1 when
a target is missed (under 128 MiB resident, the fresh GET within 1 s, memory back within 16 MiB
of where it started once they close).
"""
import json, os, resource, socket, subprocess, sys, tempfile, threading, time

quick = "--quick" in sys.argv
def arg(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default
clients = arg("--clients", 200 if quick else 1000)
# Of them, this many send a whole 8 MiB body (all but its last byte) without a token and hold.
bodies = arg("--bodies", 10 if quick else 60)
hold = arg("--hold", 3 if quick else 8)

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
petition = os.environ.get("PETITION_BIN")
if not petition:
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "petition-cli"], cwd=root, check=True)
    petition = os.path.join(root, "target", "release", "petition")
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = min(hard, clients * 2 + 256)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))

work = tempfile.mkdtemp(prefix="petition-slow-")
db = os.path.join(work, "p.db")
now = "2026-11-26T10:00:00+08:00"
subprocess.run([petition, "--db", db, "--now", now, "--json", "demo", "--cases", "1000", "--seed", "1"],
               check=True, stdout=subprocess.DEVNULL)
token = json.loads(subprocess.run([petition, "--db", db, "--as", "admin", "--now", now, "--json",
                                   "staff", "token", "cty-a-zjj-c"], check=True,
                                  capture_output=True).stdout)["token"]
# The server inherits the raised file limit.
server = subprocess.Popen([petition, "--db", db, "--now", now, "serve", "--listen", "127.0.0.1:0"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
line = server.stdout.readline()
host, port = line.strip().rsplit("//", 1)[1].split(":")
port = int(port)

def rss_mib():
    with open(f"/proc/{server.pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024
    return 0.0

def fresh_get():
    started = time.monotonic()
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(f"GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    ok = data.startswith(b"HTTP/1.1 200")
    return time.monotonic() - started, ok

try:
    fresh_get()  # warm
    before = rss_mib()
    socks = []
    for i in range(clients):
        s = socket.create_connection((host, port), timeout=10)
        if i % 2 == 0:
            # Headers that never end.
            s.sendall(b"GET /api/v1/cases HTTP/1.1\r\nHost: x\r\n")
        else:
            # A POST without a token announcing 8 MiB, then a trickle of it.
            s.sendall(b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n\r\n{\"a\":")
        socks.append(s)
    big = b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n\r\n" + b" " * (8388608 - 1)
    def send_big(s):
        try:
            s.sendall(big)
        except OSError:
            pass
    senders = []
    for _ in range(bodies):
        s = socket.create_connection((host, port), timeout=30)
        t = threading.Thread(target=send_big, args=(s,), daemon=True)
        t.start()
        senders.append(t)
        socks.append(s)
    for t in senders:
        t.join(timeout=30)
    peak = rss_mib()
    held_until = time.monotonic() + hold
    worst = 0.0
    all_ok = True
    while time.monotonic() < held_until:
        took, ok = fresh_get()
        worst = max(worst, took)
        all_ok = all_ok and ok
        peak = max(peak, rss_mib())
        for s in socks[1::2][:50]:
            try:
                s.sendall(b" ")
            except OSError:
                pass
        time.sleep(0.5)
    for s in socks:
        s.close()
    time.sleep(5)
    after = rss_mib()
    result = {"clients": clients, "bodies": bodies, "hold_s": hold, "rss_before_mib": round(before, 1),
              "rss_peak_mib": round(peak, 1), "rss_after_mib": round(after, 1),
              "fresh_get_worst_ms": round(worst * 1000, 1), "fresh_get_ok": all_ok}
    print(json.dumps(result))
    missed = peak >= 128 or worst > 1.0 or not all_ok or after > before + 16
    sys.exit(1 if missed else 0)
finally:
    server.terminate()
    server.wait(timeout=30)
