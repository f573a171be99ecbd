//! Several servers on one database: one server per SQLite file (a second is refused at start),
//! and on PostgreSQL several instances with one leader for the time-driven work (taken over when
//! it dies) and the change feed woken on every instance by a commit made through another.

use std::time::{Duration, Instant};

use petition_tests::server::Server;
use petition_tests::Env;
use serde_json::{json, Value};

fn token(env: &Env, staff: &str) -> String {
    let v = env.ok(Some("admin"), "2026-03-01", &["staff", "token", staff]);
    v["token"].as_str().expect("token").to_string()
}

fn health(s: &Server) -> (u16, Value) {
    s.call("GET", "/health", None, None)
}

#[test]
fn a_sqlite_file_is_served_by_one_server_only() {
    let env = Env::new();
    let a = Server::start_with(&env.db, &["--instance", "desk-a"]);
    let (status, h) = health(&a);
    assert_eq!(status, 200, "{h}");
    assert_eq!(
        (
            h["status"].as_str(),
            h["instance"].as_str(),
            h["engine"].as_str(),
            h["leader"].as_bool()
        ),
        (Some("ok"), Some("desk-a"), Some("sqlite"), Some(true))
    );
    assert!(h["chain"].as_u64().is_some_and(|n| n > 0));
    // A second server on the same file stops at once, naming the first.
    let o = std::process::Command::new(petition_tests::bin())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--db")
        .arg(&env.db)
        .args(["serve", "--listen", "127.0.0.1:0", "--instance", "desk-b"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("another petition serve (desk-a pid"), "{err}");
    // Once the first stops, another may serve the file.
    assert_eq!(a.stop(), Some(0));
    let b = Server::start_with(&env.db, &["--instance", "desk-b"]);
    assert_eq!(health(&b).1["instance"], "desk-b");
}

/// Polls `f` every 100 ms until it answers `Some`, for at most `limit`.
fn within<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<(T, Duration)> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(x) = f() {
            return Some((x, start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

fn leaders(servers: &[&Server]) -> Vec<String> {
    servers
        .iter()
        .filter_map(|s| {
            let (_, h) = health(s);
            (h["leader"] == true).then(|| h["instance"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn on_postgresql_several_servers_share_one_leader_and_wake_each_others_feeds() {
    let Some(env) = Env::new_pg() else { return };
    let li = token(&env, "li");
    let now = ["--now", "2026-03-02T10:00:00+08:00"];
    let a = Server::start_global(&env.db, &now, &["--instance", "a"]);
    let b = Server::start_global(&env.db, &now, &["--instance", "b"]);
    let c = Server::start_global(&env.db, &now, &["--instance", "c"]);
    // Exactly one leader among the three.
    let (first, _) = within(Duration::from_secs(15), || {
        let l = leaders(&[&a, &b, &c]);
        (l.len() == 1).then(|| l[0].clone())
    })
    .expect("one leader");
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(
        leaders(&[&a, &b, &c]),
        vec![first.clone()],
        "still one, the same"
    );
    for s in [&a, &b, &c] {
        assert_eq!(health(s).1["engine"], "postgres");
    }
    // Another petition database in another schema of the same PostgreSQL database has a leader
    // of its own (and its commits wake only its own feeds).
    let other = Env::new_pg().expect("the test server");
    let solo = Server::start_global(&other.db, &now, &["--instance", "solo"]);
    within(Duration::from_secs(15), || {
        (health(&solo).1["leader"] == true).then_some(())
    })
    .expect("a leader of its own");
    assert_eq!(leaders(&[&a, &b, &c]), vec![first.clone()]);
    // A long poll on one instance wakes for a case registered through another.
    let (_, v) = b.call("GET", "/events?after=0&limit=1000", Some(&li), None);
    let last = v["last"].as_u64().expect("last");
    let url = b.url.clone();
    let li2 = li.clone();
    let poll = std::thread::spawn(move || {
        let started = Instant::now();
        let r = ureq::get(&format!("{url}/api/v1/events?after={last}&wait=30"))
            .set("Authorization", &format!("Bearer {li2}"))
            .call()
            .expect("poll");
        let v: Value = serde_json::from_str(&r.into_string().expect("body")).expect("json");
        (v, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    let reg = json!({
        "channel": "letter", "purpose": "request", "locality": "t",
        "category": "housing.repair", "summary": "漏水",
        "petitioners": [{"name": "赵某", "phone": "13812345678"}],
        "received_at": "2026-03-02",
    });
    let (s, case) = a.call("POST", "/cases", Some(&li), Some(reg));
    assert_eq!(s, 200, "{case}");
    let (v, waited) = poll.join().expect("poll thread");
    assert!(
        waited < Duration::from_secs(5),
        "woken by the commit on another instance: {waited:?}"
    );
    assert_eq!(v["entries"][0]["case"], case["id"]);
    // The leader is killed: another instance takes over within the poll period (5 s) and a bit.
    let (leader, rest): (Server, Vec<Server>) = {
        let mut all = vec![a, b, c];
        let i = all
            .iter()
            .position(|s| health(s).1["instance"] == first.as_str())
            .expect("the leader");
        let leader = all.remove(i);
        (leader, all)
    };
    leader.kill();
    let (next, took) = within(Duration::from_secs(15), || {
        let l = leaders(&[&rest[0], &rest[1]]);
        (l.len() == 1).then(|| l[0].clone())
    })
    .expect("a new leader");
    assert_ne!(next, first);
    assert!(took < Duration::from_secs(12), "took over in {took:?}");
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(
        leaders(&[&rest[0], &rest[1]]),
        vec![next],
        "one leader after the takeover"
    );
    // The status page's failed look-ups count across instances: three failures (the limit)
    // spread over two instances, and the next look-up is refused by either.
    env.ok(
        Some("admin"),
        "2026-03-03",
        &["policy", "set", "status_failures_per_address", "3"],
    );
    let status = |s: &Server, case: &str| match ureq::get(&format!(
        "{}/status?case={case}&code=ABCDEFGH",
        s.url
    ))
    .call()
    {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("status page: {e}"),
    };
    for (i, s) in [&rest[0], &rest[1], &rest[0]].into_iter().enumerate() {
        assert_eq!(status(s, &format!("XF2026-90000{i}")), 404);
    }
    assert_eq!(
        status(&rest[1], "XF2026-900009"),
        429,
        "counted across instances"
    );
    assert_eq!(status(&rest[0], "XF2026-900009"), 429);
    // A token revoked on the database is refused by every instance at once.
    for s in &rest {
        assert_eq!(s.call("GET", "/me", Some(&li), None).0, 200);
    }
    env.ok(
        Some("admin"),
        "2026-03-03",
        &["staff", "revoke-tokens", "li"],
    );
    for s in &rest {
        assert_eq!(s.call("GET", "/me", Some(&li), None).0, 401);
    }
    assert_eq!(env.ok(None, "2026-03-03", &["verify"])["ok"], true);
}

/// HAProxy from Debian's package (CI installs it); without it (and outside CI) the test is skipped.
fn haproxy() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from("/usr/sbin/haproxy");
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("PETITION_REQUIRE_PG").is_none(),
        "HAProxy is missing (apt-get install haproxy): the balancer test must run here"
    );
    None
}

/// A free loopback port (taken and given back: the balancer binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One registration sent through the balancer under `key`, sent again with the same key after a
/// broken connection or an instance that is gone (502/503), until it is answered: the answer
/// and whether it was a replay of the first.
fn register_until_answered(url: &str, token: &str, key: &str, summary: &str) -> (Value, bool) {
    let body = json!({
        "channel": "letter", "purpose": "request", "locality": "t",
        "category": "housing.repair", "summary": summary,
        "petitioners": [{"name": "钱某", "phone": "13900000000"}],
        "received_at": "2026-03-02",
    })
    .to_string();
    for _ in 0..100 {
        let r = ureq::post(&format!("{url}/api/v1/cases"))
            .timeout(Duration::from_secs(20))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Idempotency-Key", key)
            .set("Content-Type", "application/json")
            .send_string(&body);
        match r {
            Ok(resp) => {
                let replayed = resp.header("idempotent-replayed") == Some("true");
                let v: Value =
                    serde_json::from_str(&resp.into_string().expect("body")).expect("json");
                return (v, replayed);
            }
            // In flight on an instance that may be gone, or no instance answered: the same key again.
            Err(ureq::Error::Status(409 | 502 | 503 | 504, _)) | Err(ureq::Error::Transport(_)) => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("{key}: {e}"),
        }
    }
    panic!("{key}: never answered");
}

#[test]
fn behind_a_load_balancer_a_killed_instance_loses_no_write_and_makes_none_twice() {
    let Some(env) = Env::new_pg() else { return };
    let Some(haproxy) = haproxy() else { return };
    let li = token(&env, "li");
    env.ok(
        Some("admin"),
        "2026-03-01",
        &["policy", "set", "api_writes_per_minute", "100000"],
    );
    let now = ["--now", "2026-03-02T10:00:00+08:00"];
    let servers: Vec<Server> = ["a", "b", "c"]
        .iter()
        .map(|n| Server::start_global(&env.db, &now, &["--instance", n]))
        .collect();
    let port = free_port();
    let mut cfg = format!(
        "global\n  maxconn 512\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n  retries 3\n  option redispatch\n\
         frontend fe\n  bind 127.0.0.1:{port}\n  default_backend be\n\
         backend be\n  balance roundrobin\n  option httpchk GET /api/v1/health\n  http-check expect status 200\n  default-server inter 300ms fall 2 rise 1\n"
    );
    for (i, s) in servers.iter().enumerate() {
        cfg.push_str(&format!(
            "  server s{i} {} check\n",
            s.url.trim_start_matches("http://")
        ));
    }
    let cfg_path = env.dir.path().join("haproxy.cfg");
    std::fs::write(&cfg_path, cfg).expect("write cfg");
    let mut lb = std::process::Command::new(&haproxy)
        .args(["-db", "-f"])
        .arg(&cfg_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start haproxy");
    let url = format!("http://127.0.0.1:{port}");
    within(Duration::from_secs(10), || {
        ureq::get(&format!("{url}/api/v1/health"))
            .call()
            .ok()
            .map(|_| ())
    })
    .expect("the balancer answers");
    // Four clerks' systems write through the balancer; one instance is killed mid-load.
    let per_thread = 40;
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let (url, li) = (url.clone(), li.clone());
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|i| {
                        let summary = format!("负载{t}-{i}");
                        let (v, replayed) =
                            register_until_answered(&url, &li, &format!("k{t}-{i}"), &summary);
                        (summary, v["id"].as_str().expect("id").to_string(), replayed)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    let mut servers = servers;
    let victim = servers.remove(0);
    victim.kill();
    let acknowledged: Vec<(String, String, bool)> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer"))
        .collect();
    assert_eq!(acknowledged.len(), 4 * per_thread);
    // Every acknowledged write is there exactly once, under the id its answer gave.
    let listed = env.ok(Some("li"), "2026-03-03", &["list", "--limit", "1000"]);
    let cases = listed["cases"].as_array().expect("cases");
    for (summary, id, _) in &acknowledged {
        let same: Vec<&Value> = cases
            .iter()
            .filter(|c| c["summary"] == summary.as_str())
            .collect();
        assert_eq!(same.len(), 1, "{summary}: {same:?}");
        assert_eq!(same[0]["id"], id.as_str(), "{summary}");
    }
    // Then the leader among the two left is killed: the last one takes over.
    let (leader, _) = within(Duration::from_secs(15), || {
        let l = leaders(&[&servers[0], &servers[1]]);
        (l.len() == 1).then(|| l[0].clone())
    })
    .expect("one leader");
    let i = servers
        .iter()
        .position(|s| health(s).1["instance"] == leader.as_str())
        .expect("leader");
    servers.remove(i).kill();
    within(Duration::from_secs(15), || {
        (leaders(&[&servers[0]]).len() == 1).then_some(())
    })
    .expect("the last instance leads");
    // Through the balancer, the one left still answers.
    let (v, _) = register_until_answered(&url, &li, "after", "最后一件");
    assert!(v["id"].is_string());
    let _ = lb.kill();
    let _ = lb.wait();
    assert_eq!(env.ok(None, "2026-03-04", &["verify"])["ok"], true);
}
