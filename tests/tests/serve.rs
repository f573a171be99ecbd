//! The office server end to end: the real binary serving a temporary database on loopback, real
//! HTTP, real tokens. Authentication and revocation, visibility, every error status the server
//! can be made to give, the change feed's long poll, the remote command line printing exactly
//! what a local run prints for the whole walk, graceful shutdown with requests in flight, and 32
//! concurrent clients with nothing lost.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use petition_tests::server::{request, Server};
use petition_tests::{bin, register_args, Env, STAFF};
use serde_json::{json, Value};

const T0: &str = "2026-03-02";

/// `verify` passes on the database.
fn verified(env: &Env) {
    let o = env.raw(None, T0, true, &["verify"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// A token for `staff`, issued by the admin.
fn token(env: &Env, staff: &str) -> String {
    let v = env.ok(Some("admin"), "2026-03-01", &["staff", "token", staff]);
    v["token"].as_str().expect("token").to_string()
}

/// Runs the command line against the server as the holder of `token` at `now`.
fn remote(server: &Server, token: &str, now: &str, json: bool, args: &[&str]) -> Output {
    let mut c = Command::new(bin());
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .args(["--server", &server.url, "--token", token, "--now", now]);
    if json {
        c.arg("--json");
    }
    c.args(args).output().expect("run petition")
}

fn registration(summary: &str) -> Value {
    json!({
        "channel": "letter", "purpose": "request", "locality": "t",
        "category": "housing.repair", "summary": summary,
        "petitioners": [{"name": "赵某", "id_number": "11010519491231002X", "phone": "13812345678"}],
        "received_at": T0,
    })
}

// ---- identity ----

#[test]
fn tokens_prove_who_acts_and_revoking_or_deactivating_ends_them() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start(&env.db);
    let now = [("X-Petition-Now", T0)];
    // No token, a wrong one, a malformed header: 401, saying nothing about which.
    for t in [None, Some("0".repeat(64).as_str()), Some("")] {
        let (status, v) = server.call_with("GET", "/queue", t, None, &now);
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (401, Some("unauthenticated"))
        );
    }
    // The actor is the token's: `li` registers, whatever the body says.
    let (status, v) = server.call_with(
        "POST",
        "/cases",
        Some(&li),
        Some(registration("漏水")),
        &now,
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["first_contact"]["staff"], "li");
    assert_eq!(v["events"][0]["actor"], "li");
    // An actor field is no field of a command.
    let id = v["id"].as_str().expect("id").to_string();
    // Nor is a file on the server's disk: `--text-file` stays on the desk.
    let (status, v) = server.call_with(
        "POST",
        &format!("/cases/{id}/opinion"),
        Some(&li),
        Some(json!({"outcome": "supported", "text_file": "/etc/passwd"})),
        &now,
    );
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("usage")),
        "{v}"
    );
    let (status, v) = server.call_with(
        "POST",
        &format!("/cases/{id}/transfer"),
        Some(&li),
        Some(json!({"to": "c-zjj", "as": "wang"})),
        &now,
    );
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("usage")),
        "{v}"
    );
    // Revoked: refused; a new token works; deactivated: refused, and `--as` refused locally.
    env.ok(
        Some("admin"),
        "2026-03-01",
        &["staff", "revoke-tokens", "li"],
    );
    let (status, _) = server.call_with("GET", "/queue", Some(&li), None, &now);
    assert_eq!(status, 401);
    let li2 = token(&env, "li");
    let (status, _) = server.call_with("GET", "/queue", Some(&li2), None, &now);
    assert_eq!(status, 200);
    env.ok(Some("admin"), "2026-03-01", &["staff", "deactivate", "li"]);
    let (status, _) = server.call_with("GET", "/queue", Some(&li2), None, &now);
    assert_eq!(status, 401);
    let (exit, code, _) = env.err(Some("li"), T0, &["queue"]);
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    // The chain records issuing and revoking, never a token.
    let chain =
        std::fs::read_to_string(env.export_chain("2026-03-03", "chain.jsonl")).expect("read");
    assert!(chain.contains("\"token_issued\"") && chain.contains("\"tokens_revoked\""));
    assert!(chain.contains("\"staff_deactivated\""));
    assert!(
        !chain.contains(&li) && !chain.contains(&li2),
        "no token in the chain"
    );
    // And the log names actors and paths, never tokens or personal data.
    let log = server.log();
    assert!(log.contains("\"actor\":\"li\""), "{log}");
    assert!(!log.contains(&li) && !log.contains("赵某") && !log.contains("13812345678"));
    assert_eq!(server.stop(), Some(0));
}

// ---- the API's answers ----

/// An expected error: (status, code, (method, path, who, body, headers)).
type Expect<'a> = (
    u16,
    &'a str,
    (
        &'a str,
        String,
        &'a str,
        Option<Value>,
        [(&'a str, &'a str); 1],
    ),
);

#[test]
fn every_error_status_the_api_gives() {
    let env = Env::new();
    let (li, wang, fa) = (token(&env, "li"), token(&env, "wang"), token(&env, "fa"));
    let sun = token(&env, "sun");
    let server = Server::start(&env.db);
    let at = |t: &'static str| [("X-Petition-Now", t)];
    let (_, v) = server.call_with(
        "POST",
        "/cases",
        Some(&li),
        Some(registration("漏水")),
        &at(T0),
    );
    let id = v["id"].as_str().expect("id").to_string();
    let case = |cmd: &str| format!("/cases/{id}/{cmd}");
    let cases: Vec<Expect> = vec![
        // usage: an unknown field, a missing one, a body that is not an object
        (
            400,
            "usage",
            (
                "POST",
                case("transfer"),
                "li",
                Some(json!({"to": "c-zjj", "bogus": 1})),
                at(T0),
            ),
        ),
        (
            400,
            "usage",
            ("POST", case("transfer"), "li", Some(json!({})), at(T0)),
        ),
        (
            400,
            "usage",
            ("POST", case("transfer"), "li", Some(json!([1])), at(T0)),
        ),
        // usage: a malformed date (as on the command line); validation: a malformed id number
        (
            400,
            "usage",
            (
                "POST",
                case("assign"),
                "li",
                Some(json!({"to": "c-zjj", "report_by": "tomorrow"})),
                at(T0),
            ),
        ),
        (
            400,
            "validation",
            (
                "POST",
                "/cases".into(),
                "li",
                Some(
                    json!({"channel": "letter", "purpose": "request", "locality": "t", "category": "a.b", "summary": "x", "petitioners": [{"name": "钱某", "id_number": "123"}]}),
                ),
                at(T0),
            ),
        ),
        // permission_denied: another unit's clerk who reads the case (its locality)
        (
            403,
            "permission_denied",
            ("POST", case("accept"), "sun", None, at(T0)),
        ),
        // not_found: a unit that may not read the case, as for an unknown one
        (
            404,
            "not_found",
            ("POST", case("accept"), "wang", None, at(T0)),
        ),
        // not_found: an unknown case, an unknown path
        (
            404,
            "not_found",
            ("GET", "/cases/XF2026-999999".into(), "li", None, at(T0)),
        ),
        (
            404,
            "not_found",
            ("GET", "/nothing".into(), "li", None, at(T0)),
        ),
        // invalid_transition: a command the state does not allow
        (
            409,
            "invalid_transition",
            (
                "POST",
                case("opinion"),
                "li",
                Some(json!({"outcome": "supported", "text": "x"})),
                at(T0),
            ),
        ),
        // clock_skew: earlier than the case's last event
        (
            409,
            "clock_skew",
            (
                "POST",
                case("transfer"),
                "li",
                Some(json!({"to": "c-zjj"})),
                at("2026-01-01"),
            ),
        ),
        // usage: the wrong method (HTTP 405, with `Allow`: tests/server_manners.rs)
        (405, "usage", ("GET", case("transfer"), "li", None, at(T0))),
    ];
    for (status, code, (method, path, who, body, headers)) in cases {
        let t = match who {
            "li" => &li,
            "sun" => &sun,
            _ => &wang,
        };
        let (s, v) = server.call_with(method, &path, Some(t), body.clone(), &headers);
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (status, Some(code)),
            "{method} {path} {body:?}: {v}"
        );
        assert!(v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    // A body over the limit is refused in the API's own form, before anything runs. Just over
    // it: the server answers once the limit is passed, and a client still writing megabytes
    // more would meet a closed connection instead of the answer (seen under load).
    let big = json!({"to": "c-zjj", "note": "x".repeat((8 << 20) + 1024)});
    let (s, v) = server.call_with("POST", &case("transfer"), Some(&li), Some(big), &at(T0));
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (413, Some("usage")),
        "{v}"
    );
    // A rule's refusal: 422 with its data, in the language asked for.
    let (s, _) = server.call_with(
        "POST",
        &case("transfer"),
        Some(&li),
        Some(json!({"to": "c-zjj"})),
        &at(T0),
    );
    assert_eq!(s, 200);
    let (s, _) = server.call_with(
        "POST",
        &case("accept"),
        Some(&wang),
        Some(json!({"assist": ["c-gtj"]})),
        &at(T0),
    );
    assert_eq!(s, 200);
    let (s, v) = server.call_with(
        "POST",
        &case("opinion"),
        Some(&wang),
        Some(json!({"outcome": "supported", "text": "支持"})),
        &[("X-Petition-Now", "2026-03-20"), ("Accept-Language", "zh")],
    );
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("assist_pending")),
        "{v}"
    );
    assert_eq!(v["error"]["details"]["units"], json!(["c-gtj"]));
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("协办")),
        "{v}"
    );
    // A case the caller may not read answers exactly like an unknown one.
    let (s1, v1) = server.call_with("GET", &format!("/cases/{id}"), Some(&fa), None, &at(T0));
    let (s2, v2) = server.call_with("GET", "/cases/XF2026-999999", Some(&fa), None, &at(T0));
    assert_eq!((s1, v1["error"]["code"].as_str()), (404, Some("not_found")));
    assert_eq!((s2, v2["error"]["code"].as_str()), (404, Some("not_found")));
    let (_, list) = server.call_with("GET", "/cases", Some(&fa), None, &at(T0));
    assert_eq!(
        list["cases"],
        json!([]),
        "the court sees none of the county's cases"
    );
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn a_live_database_refuses_a_request_time_and_a_tick_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("live.db");
    let run = |args: &[&str]| {
        let o = Command::new(bin())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("--db")
            .arg(&db)
            .arg("--json")
            .args(args)
            .output()
            .expect("run");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice::<Value>(&o.stdout).expect("json")
    };
    run(&["init", "--admin", "admin"]);
    let v = run(&["--as", "admin", "staff", "token", "admin"]);
    let admin = v["token"].as_str().expect("token").to_string();
    let server = Server::start(&db);
    let (s, v) = server.call_with(
        "GET",
        "/stats",
        Some(&admin),
        None,
        &[("X-Petition-Now", T0)],
    );
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("validation")),
        "{v}"
    );
    let (s, v) = server.call("GET", "/stats", Some(&admin), None);
    assert_eq!(s, 200, "{v}");
    let (s, v) = server.call("POST", "/tick", Some(&admin), None);
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("validation")),
        "{v}"
    );
    // It ran the time-driven work itself at start (and runs it every `tick_minutes`).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("\"event\":\"tick\"") {
        assert!(
            Instant::now() < deadline,
            "no tick in the log: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.log().contains("\"summary\""), "{}", server.log());
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn serving_beyond_this_machine_without_tls_is_refused() {
    let env = Env::new();
    let o = Command::new(bin())
        .arg("--db")
        .arg(&env.db)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--tls-cert"));
}

#[test]
fn a_damaged_chain_stops_the_server_at_start() {
    let env = Env::new();
    env.register(T0, &[]);
    rusqlite::Connection::open(&env.db)
        .expect("open")
        .execute_batch("DROP TRIGGER chain_no_update; UPDATE chain SET body = replace(body, '房屋漏水', '已解决') WHERE gseq = (SELECT max(gseq) FROM chain);")
        .expect("sql");
    let o = Command::new(bin())
        .arg("--db")
        .arg(&env.db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

// ---- the change feed ----

#[test]
fn the_feed_follows_every_change_the_caller_may_read_with_a_long_poll() {
    let env = Env::new();
    let (li, sun, fa) = (token(&env, "li"), token(&env, "sun"), token(&env, "fa"));
    let server = Server::start(&env.db);
    let (s, v) = server.call("GET", "/events?after=0&limit=1000", Some(&li), None);
    assert_eq!(s, 200, "{v}");
    let last = v["last"].as_u64().expect("last");
    assert!(last > 0 && v["entries"].as_array().is_some_and(|e| !e.is_empty()));
    // Nothing new: a short wait answers empty, at the same position.
    let (s, v) = server.call(
        "GET",
        &format!("/events?after={last}&wait=1"),
        Some(&li),
        None,
    );
    assert_eq!(
        (s, v["entries"].clone(), v["last"].as_u64()),
        (200, json!([]), Some(last))
    );
    // A long poll wakes when a case is registered.
    let url = server.url.clone();
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
    let (s, c) = server.call_with(
        "POST",
        "/cases",
        Some(&li),
        Some(registration("漏水")),
        &[("X-Petition-Now", T0)],
    );
    assert_eq!(s, 200);
    let (v, waited) = poll.join().expect("poll thread");
    assert!(
        waited < Duration::from_secs(20),
        "woken by the change, not the timeout"
    );
    let e = &v["entries"][0];
    assert_eq!(
        (e["type"].as_str(), e["case"].as_str()),
        (Some("registered"), c["id"].as_str())
    );
    // A clerk gets positions only: every chain hash is computed over unmasked data.
    assert!(e["position"].as_u64() > Some(last) && e.get("hash").is_none());
    assert!(e.get("query_code").is_none() && e.get("query_code_hash").is_none());
    assert_eq!(
        e["registration"]["petitioners"][0]["name"], "赵某",
        "its own unit sees the petitioner"
    );
    // The township of the matter reads it masked, without the hash of the unmasked entry.
    let (_, v) = server.call("GET", &format!("/events?after={last}"), Some(&sun), None);
    let e = &v["entries"][0];
    assert_eq!(
        (e["type"].as_str(), e["masked"].as_bool()),
        (Some("registered"), Some(true))
    );
    assert_eq!(
        e["registration"]["petitioners"][0]["id_number"],
        "110105********002X"
    );
    assert!(e.get("hash").is_none());
    // A unit that may not read the case sees none of its events, and the feed still moves on.
    let (_, v) = server.call("GET", &format!("/events?after={last}"), Some(&fa), None);
    assert_eq!(v["entries"], json!([]));
    assert!(v["last"].as_u64() > Some(last));
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn shutdown_answers_requests_in_flight_then_exits_0() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start(&env.db);
    let (_, v) = server.call("GET", "/events?limit=1000", Some(&li), None);
    let last = v["last"].as_u64().expect("last");
    let url = server.url.clone();
    let poll = std::thread::spawn(move || {
        let started = Instant::now();
        let r = ureq::get(&format!("{url}/api/v1/events?after={last}&wait=60"))
            .set("Authorization", &format!("Bearer {li}"))
            .call();
        (r.map(|r| r.status()).ok(), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.stop(), Some(0));
    let (status, waited) = poll.join().expect("poll");
    assert_eq!(status, Some(200), "the long poll is answered, not cut");
    assert!(waited < Duration::from_secs(30));
}

// ---- many desks at once ----

#[test]
fn thirty_two_clients_at_once_lose_nothing() {
    thirty_two_clients(Env::new());
}

#[test]
fn thirty_two_clients_at_once_lose_nothing_on_postgres() {
    if let Some(env) = Env::new_pg() {
        thirty_two_clients(env);
    }
}

fn thirty_two_clients(env: Env) {
    let li = token(&env, "li");
    let server = Server::start(&env.db);
    let per = 5;
    let threads: Vec<_> = (0..32)
        .map(|i| {
            let (url, t) = (server.url.clone(), li.clone());
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                let now = [("X-Petition-Now", T0)];
                for k in 0..per {
                    let doc = registration(&format!("第{i}号窗口第{k}件"));
                    let (s, v) = request(&url, "POST", "/cases", Some(&t), Some(doc), &now);
                    assert_eq!(s, 200, "register: {v}");
                    let id = v["id"].as_str().expect("id").to_string();
                    let path = format!("/cases/{id}/transfer");
                    let to = json!({"to": "c-zjj"});
                    let (s, v) = request(&url, "POST", &path, Some(&t), Some(to), &now);
                    assert_eq!(s, 200, "transfer: {v}");
                    ids.push(id);
                }
                ids
            })
        })
        .collect();
    let mut all: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 32 * per, "every registration has its own number");
    assert_eq!(server.stop(), Some(0));
    let list = env.ok(
        Some("li"),
        T0,
        &["list", "--state", "routed", "--limit", "1000"],
    );
    assert_eq!(list["cases"].as_array().map(Vec::len), Some(32 * per));
    verified(&env);
}

// ---- the remote command line ----

#[test]
fn the_remote_command_line_reports_like_the_local_one() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start(&env.db);
    let o = remote(&server, "0", T0, true, &["queue"]);
    assert_eq!(o.status.code(), Some(6));
    let o = remote(&server, &li, T0, true, &["verify"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "verify runs on the database's host"
    );
    let mut c = Command::new(bin());
    let o = c
        .env_clear()
        .args([
            "--server",
            "http://127.0.0.1:1",
            "--token",
            &li,
            "--json",
            "queue",
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(74), "an unreachable server is io");
    let v: Value = serde_json::from_slice(&o.stderr).expect("json error");
    assert_eq!(v["error"]["code"], "io");
    // A registration's receipt with its query code, written at the desk (the server writes no
    // file); and a reset's.
    let receipt = env.dir.path().join("回执.html");
    let reg = [
        "register",
        "--channel",
        "visit",
        "--purpose",
        "request",
        "--locality",
        "t",
        "--category",
        "housing.repair",
        "--summary",
        "房屋漏水",
        "--petitioner",
        "赵某",
        "--receipt",
        receipt.to_str().expect("p"),
    ];
    let o = remote(&server, &li, T0, true, &reg);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let code = v["query_code"].as_str().expect("code");
    let html = std::fs::read_to_string(&receipt).expect("receipt");
    assert!(html.contains(code) && html.contains("<html"), "{html}");
    let again = env.dir.path().join("new.txt");
    let id = v["id"].as_str().expect("id");
    let o = remote(
        &server,
        &li,
        T0,
        true,
        &[
            "query-code",
            "reset",
            id,
            "--receipt",
            again.to_str().expect("p"),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let text = std::fs::read_to_string(&again).expect("receipt");
    assert!(
        text.contains(v["query_code"].as_str().expect("code")),
        "{text}"
    );
    assert_eq!(server.stop(), Some(0));
}

/// Normalises what differs between two databases by chance: the query codes.
fn same(local: &Output, remote: &Output, codes: &[(String, String)], what: &str) {
    let norm = |b: &[u8], pick: fn(&(String, String)) -> &String| {
        let mut s = String::from_utf8_lossy(b).into_owned();
        for c in codes {
            s = s.replace(pick(c), "QUERYCODE");
        }
        s
    };
    let (lo, ro) = (
        norm(&local.stdout, |c| &c.0),
        norm(&remote.stdout, |c| &c.1),
    );
    let (le, re) = (
        norm(&local.stderr, |c| &c.0),
        norm(&remote.stderr, |c| &c.1),
    );
    assert_eq!(
        local.status.code(),
        remote.status.code(),
        "{what}: exit codes\n{le}\n{re}"
    );
    assert_eq!(lo, ro, "{what}: standard output");
    assert_eq!(le, re, "{what}: standard error");
}

#[test]
fn the_remote_command_line_prints_what_a_local_run_prints_for_the_whole_walk() {
    // Two databases made the same way: one used locally, one through its server.
    remote_walk(Env::new(), Env::new());
}

#[test]
fn a_server_on_postgres_prints_what_a_local_file_prints_for_the_whole_walk() {
    if let Some(served) = Env::new_pg() {
        remote_walk(Env::new(), served);
    }
}

fn remote_walk(local: Env, served: Env) {
    let tokens: std::collections::HashMap<&str, String> = STAFF
        .iter()
        .map(|(id, ..)| (*id, token(&served, id)))
        .collect();
    // The same issuing on the local database, so both chains stay alike.
    for (id, ..) in STAFF {
        token(&local, id);
    }
    let server = Server::start(&served.db);
    let mut codes: Vec<(String, String)> = Vec::new();
    let step = |who: &str, now: &str, args: &[&str], codes: &mut Vec<(String, String)>| {
        for json in [false, true] {
            // A write runs once per database: in human form, then its case is compared as JSON.
            if json && !is_read(args) {
                continue;
            }
            let l = local.raw(Some(who), now, json, args);
            let r = remote(&server, &tokens[who], now, json, args);
            same(&l, &r, codes, &format!("{who} {args:?} json={json}"));
        }
    };
    let reg = register_args(
        "房屋漏水",
        "赵某",
        &[
            "--id-number",
            "11010519491231002X",
            "--phone",
            "13812345678",
        ],
    );
    let reg: Vec<&str> = reg.iter().map(String::as_str).collect();
    // The query codes are random: read each side's from what it printed, then compare.
    let (l, r) = (
        local.raw(Some("li"), T0, false, &reg),
        remote(&server, &tokens["li"], T0, false, &reg),
    );
    let code_in = |o: &Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find_map(|l| l.trim().strip_prefix("Query code: ").map(str::to_string))
            .expect("a query code")
    };
    let (lc, rc) = (code_in(&l), code_in(&r));
    codes.push((lc.clone(), rc.clone()));
    same(&l, &r, &codes, "register");
    let id = "XF2026-000001";
    let walk: Vec<(&str, &str, Vec<&str>)> = vec![
        ("li", T0, vec!["show", id, "--timeline"]),
        (
            "li",
            T0,
            vec![
                "amend",
                id,
                "--field",
                "address",
                "--value",
                "甲镇某村二组",
                "--reason",
                "住址补全",
            ],
        ),
        (
            "li",
            T0,
            vec!["transfer", id, "--to", "c-zjj", "--note", "请依法处理"],
        ),
        ("wang", T0, vec!["queue"]),
        ("wang", T0, vec!["accept", id, "--assist", "c-gtj"]),
        ("wang", T0, vec!["take", id]),
        ("wang", T0, vec!["queue", "--mine"]),
        ("zhang", T0, vec!["hand", id, "--to", "zhang"]),
        (
            "wang",
            "2026-03-20",
            vec!["opinion", id, "--outcome", "supported", "--text", "支持"],
        ),
        (
            "zhao",
            "2026-03-20",
            vec!["assist-input", id, "--text", "已核实"],
        ),
        (
            "wang",
            "2026-04-19",
            vec![
                "extend",
                "request",
                id,
                "--days",
                "10",
                "--reason",
                "待鉴定",
            ],
        ),
        (
            "zhang",
            "2026-04-19",
            vec!["extend", "reject", id, "--note", "先办"],
        ),
        (
            "wang",
            "2026-04-20",
            vec![
                "extend",
                "request",
                id,
                "--days",
                "20",
                "--reason",
                "情况复杂",
            ],
        ),
        ("zhang", "2026-04-20", vec!["extend", "approve", id]),
        (
            "zhang",
            "2026-04-20",
            vec!["extend", id, "--days", "10", "--reason", "情况复杂"],
        ),
        (
            "wang",
            "2026-04-20",
            vec!["notice", id, "--kind", "extension"],
        ),
        (
            "li",
            "2026-04-21",
            vec![
                "supervise",
                id,
                "--ground",
                "wrong_procedure",
                "--respond-by",
                "2026-05-05",
                "--text",
                "请说明",
            ],
        ),
        (
            "wang",
            "2026-04-22",
            vec!["respond", id, "--supervision", "1", "--text", "已说明"],
        ),
        (
            "wang",
            "2026-05-10",
            vec![
                "opinion",
                id,
                "--outcome",
                "not_supported",
                "--text",
                "不予支持",
            ],
        ),
        (
            "chen",
            "2026-05-20",
            vec!["review", "request", id, "--reason", "补偿标准计算有误"],
        ),
        (
            "chen",
            "2026-06-01",
            vec![
                "review",
                "opinion",
                id,
                "--outcome",
                "upheld",
                "--text",
                "维持",
            ],
        ),
        ("zhou", "2026-06-10", vec!["rereview", "request", id]),
        (
            "zhou",
            "2026-06-15",
            vec![
                "rereview",
                "hearing",
                id,
                "--start",
                "2026-06-20",
                "--end",
                "2026-06-22",
            ],
        ),
        (
            "zhou",
            "2026-07-01",
            vec![
                "rereview",
                "opinion",
                id,
                "--outcome",
                "upheld",
                "--text",
                "复核维持",
            ],
        ),
        (
            "li",
            "2026-07-02",
            vec![
                "evaluate",
                id,
                "--handling",
                "basically_satisfied",
                "--office",
                "satisfied",
            ],
        ),
        ("li", "2026-07-02", vec!["show", id, "--timeline"]),
        (
            "li",
            "2026-07-02",
            vec!["status", id, "--code", "QUERYCODE"],
        ),
        ("li", "2026-07-02", vec!["list", "--state", "concluded"]),
        ("li", "2026-07-02", vec!["search", "漏水"]),
        ("li", "2026-07-02", vec!["search", "5678", "--limit", "5"]),
        ("li", "2026-07-02", vec!["overdue"]),
        (
            "li",
            "2026-07-02",
            vec!["stats", "--from", "2026-03-01", "--to", "2026-07-02"],
        ),
        ("li", "2026-07-02", vec!["notice", id, "--kind", "rereview"]),
        (
            "li",
            "2026-07-02",
            vec!["transfer", "XF2026-999999", "--to", "c-zjj"],
        ),
        ("sun", "2026-07-02", vec!["show", id]),
    ];
    for (who, now, args) in &walk {
        if args.contains(&"QUERYCODE") {
            // Each side asks with its own code.
            let la: Vec<&str> = args
                .iter()
                .map(|a| if *a == "QUERYCODE" { lc.as_str() } else { a })
                .collect();
            let ra: Vec<&str> = args
                .iter()
                .map(|a| if *a == "QUERYCODE" { rc.as_str() } else { a })
                .collect();
            for json in [false, true] {
                let l = local.raw(Some(who), now, json, &la);
                let r = remote(&server, &tokens[who], now, json, &ra);
                same(&l, &r, &codes, &format!("{args:?}"));
            }
            continue;
        }
        step(who, now, args, &mut codes);
        if !is_read(args) {
            let l = local.raw(Some(who), now, true, &["show", id]);
            let r = remote(&server, &tokens[who], now, true, &["show", id]);
            same(&l, &r, &codes, &format!("the case after {args:?}"));
        }
    }
    assert_eq!(server.stop(), Some(0));
}

/// Commands that change nothing (run in both forms on both sides).
fn is_read(args: &[&str]) -> bool {
    matches!(
        args.first().copied(),
        Some(
            "show"
                | "list"
                | "search"
                | "queue"
                | "overdue"
                | "stats"
                | "notice"
                | "status"
                | "unit"
                | "staff"
        )
    )
}

// ---- TLS ----

#[test]
fn tls_serves_the_remote_command_line_that_trusts_the_certificate() {
    let env = Env::new();
    let li = token(&env, "li");
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let (cert, key) = (
        env.dir.path().join("cert.pem"),
        env.dir.path().join("key.pem"),
    );
    std::fs::write(&cert, ck.cert.pem()).expect("write cert");
    std::fs::write(&key, ck.key_pair.serialize_pem()).expect("write key");
    let server = Server::start_with(
        &env.db,
        &[
            "--tls-cert",
            cert.to_str().expect("utf8"),
            "--tls-key",
            key.to_str().expect("utf8"),
        ],
    );
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let run = |ca: Option<&Path>, url: &str| {
        let mut c = Command::new(bin());
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args([
                "--server", url, "--token", &li, "--now", T0, "--json", "queue",
            ]);
        if let Some(ca) = ca {
            c.env("PETITION_CA_CERT", ca);
        }
        c.output().expect("run")
    };
    let o = run(Some(&cert), &server.url);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v["cases"].is_array());
    // A certificate the desk does not trust, or plain HTTP to the TLS port: io, nothing sent.
    assert_eq!(run(None, &server.url).status.code(), Some(74));
    let plain = server.url.replace("https://", "http://");
    assert_eq!(run(Some(&cert), &plain).status.code(), Some(74));
    assert_eq!(server.stop(), Some(0));
    let o = Command::new(bin())
        .arg("--db")
        .arg(&env.db)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "/nonexistent.pem",
            "--tls-key",
        ])
        .arg(&key)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "a missing certificate is refused before listening"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("tls-cert"));
}

#[test]
fn every_read_that_shows_personal_data_is_logged_before_it_answers() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    let li = token(&env, "li");
    let server = Server::start(&env.db);
    let before = env.ok(
        Some("admin"),
        T0,
        &["access-log", "--case", &id, "--limit", "1000"],
    )["entries"]
        .as_array()
        .map_or(0, Vec::len);
    // 16 clients reading the case 10 times each: their log entries are committed in groups.
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (url, t, id) = (server.url.clone(), li.clone(), id.clone());
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let path = format!("/cases/{id}");
                    let (status, v) = request(&url, "GET", &path, Some(&t), None, &[]);
                    assert_eq!(status, 200, "{v}");
                    assert_eq!(v["petitioners"][0]["id_number"], "11010519491231002X");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client");
    }
    assert_eq!(server.stop(), Some(0));
    let log = env.ok(
        Some("admin"),
        T0,
        &["access-log", "--case", &id, "--limit", "1000"],
    );
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), before + 160, "one entry per read, none lost");
    assert!(entries[before..]
        .iter()
        .all(|e| e["staff"] == "li" && e["command"] == "show"));
    verified(&env);
}
