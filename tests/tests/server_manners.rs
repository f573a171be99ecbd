//! The server under abuse and its HTTP manners, end to end on the real binary: the token before
//! the body, deadlines for headers, a cap on connections, 405 with `Allow`, 413, request ids,
//! `Cache-Control`, gzip, and the request log (a write whose client hung up; a path that
//! carries a phone number).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use petition_tests::server::Server;
use petition_tests::Env;
use serde_json::json;

const T0: &str = "2026-03-02";

fn token(env: &Env, staff: &str) -> String {
    let v = env.ok(Some("admin"), "2026-03-01", &["staff", "token", staff]);
    v["token"].as_str().expect("token").to_string()
}

/// The host and port of a server's URL.
fn addr(server: &Server) -> String {
    server
        .url
        .strip_prefix("http://")
        .expect("plain HTTP")
        .to_string()
}

/// Sends raw bytes on a new connection and reads the whole answer (the server closes it).
fn raw(server: &Server, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr(server)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// One request with `Connection: close`: (status line and headers in lower case, body bytes).
/// The body is written beside the reading (a server may answer before it has read it all).
fn exchange(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (String, Vec<u8>) {
    let mut req = format!("{method} /api/v1{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut s = TcpStream::connect(addr(server)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(req.as_bytes()).expect("write");
    let mut w = s.try_clone().expect("clone");
    let body = body.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&body);
    });
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let _ = writer.join();
    parse(&out)
}

/// Splits an answer into its head (lower case) and body.
fn parse(out: &[u8]) -> (String, Vec<u8>) {
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("a complete answer: {}", String::from_utf8_lossy(out)));
    let head = String::from_utf8_lossy(&out[..split]).to_ascii_lowercase();
    (head, out[split + 4..].to_vec())
}

/// Whether a connection was closed by the server within `within` (reads end or fail).
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).expect("timeout");
    let mut buf = [0u8; 256];
    let started = Instant::now();
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            Err(_) => return started.elapsed() <= within,
        }
    }
}

#[test]
fn http_manners_every_integrator_expects() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let auth = format!("Bearer {li}");

    // 405 with the methods the path takes.
    let (head, _) = exchange(&server, "DELETE", "/cases", &[("Authorization", &auth)], "");
    assert!(head.starts_with("http/1.1 405"), "{head}");
    assert!(head.contains("allow: get, post"), "{head}");
    let (head, body) = exchange(
        &server,
        "GET",
        "/cases/XF2026-000001/transfer",
        &[("Authorization", &auth)],
        "",
    );
    assert!(
        head.starts_with("http/1.1 405") && head.contains("allow: post"),
        "{head}"
    );
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["error"]["code"], "usage", "{v}");

    // The request id: given, echoed; missing, made up; both on the log line.
    let (head, _) = exchange(
        &server,
        "GET",
        "/cases",
        &[("Authorization", &auth), ("X-Request-Id", "hotline-42")],
        "",
    );
    assert!(head.contains("x-request-id: hotline-42"), "{head}");
    let (head, _) = exchange(&server, "GET", "/cases", &[("Authorization", &auth)], "");
    let made = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("an id")
        .to_string();
    assert_eq!(made.len(), 32, "{made}");
    // No cache keeps an answer, success or error.
    assert!(head.contains("cache-control: no-store"), "{head}");
    let (head, _) = exchange(&server, "GET", "/cases", &[], "");
    assert!(
        head.starts_with("http/1.1 401") && head.contains("cache-control: no-store"),
        "{head}"
    );

    // gzip when the client takes it.
    for i in 0..30 {
        let doc = json!({
            "channel": "letter", "purpose": "request", "locality": "t",
            "category": "housing.repair", "summary": format!("漏水 {i}"),
            "petitioners": [{"name": "赵某", "phone": "13812345678"}],
            "received_at": T0,
        });
        let (head, _) = exchange(
            &server,
            "POST",
            "/cases",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            &doc.to_string(),
        );
        assert!(head.starts_with("http/1.1 20"), "{head}");
    }
    let (plain_head, plain) = exchange(
        &server,
        "GET",
        "/cases?limit=100",
        &[("Authorization", &auth)],
        "",
    );
    assert!(!plain_head.contains("content-encoding"), "{plain_head}");
    let (head, gz) = exchange(
        &server,
        "GET",
        "/cases?limit=100",
        &[("Authorization", &auth), ("Accept-Encoding", "gzip")],
        "",
    );
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(
        gz.len() * 3 < plain.len(),
        "{} compressed, {} plain",
        gz.len(),
        plain.len()
    );

    // Over the body limit: 413 from a known caller; an unknown one is refused before its body
    // is read (401, whatever it sends).
    let big = format!(
        "{{\"to\": \"c-zjj\", \"note\": \"{}\"}}",
        "x".repeat((8 << 20) + 1024)
    );
    let (head, _) = exchange(
        &server,
        "POST",
        "/cases/XF2026-000001/transfer",
        &[("Authorization", &auth)],
        &big,
    );
    assert!(head.starts_with("http/1.1 413"), "{head}");
    // A client that asks before sending (`Expect: 100-continue`, as curl does for large
    // bodies) gets the 401 without sending a byte of it.
    let mut s = TcpStream::connect(addr(&server)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(
        format!(
            "POST /api/v1/cases/XF2026-000001/transfer HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            big.len()
        )
        .as_bytes(),
    )
    .expect("write");
    let mut out = vec![0u8; 4096];
    let n = s.read(&mut out).expect("an answer before the body");
    let (head, _) = parse(&out[..n]);
    assert!(head.starts_with("http/1.1 401"), "{head}");

    // The log: request ids; a mistyped path that carries a phone number logged without it.
    let _ = exchange(
        &server,
        "GET",
        "/search/13812345678",
        &[("Authorization", &auth)],
        "",
    );
    let log = server.log();
    assert!(log.contains("\"request_id\":\"hotline-42\""), "{log}");
    assert!(log.contains(&format!("\"request_id\":\"{made}\"")), "{log}");
    assert!(!log.contains("13812345678"), "{log}");
    assert!(log.contains("/api/v1/search/…"), "{log}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn a_write_whose_client_hung_up_still_runs_whole_and_is_logged() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let doc = json!({
        "channel": "letter", "purpose": "request", "locality": "t",
        "category": "housing.repair", "summary": "挂断",
        "petitioners": [{"name": "赵某", "phone": "13812345678"}],
        "received_at": T0,
    })
    .to_string();
    let req = format!(
        "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {li}\r\nContent-Type: application/json\r\nX-Request-Id: gone-1\r\nContent-Length: {}\r\n\r\n{doc}",
        doc.len()
    );
    // Another process holds the write lock for three seconds; the client gives up after one.
    let holder = rusqlite::Connection::open(&env.db).expect("open");
    holder.execute_batch("BEGIN IMMEDIATE").expect("lock");
    {
        let mut s = TcpStream::connect(addr(&server)).expect("connect");
        s.write_all(req.as_bytes()).expect("write");
        std::thread::sleep(Duration::from_secs(1));
        // Hung up before any answer.
    }
    std::thread::sleep(Duration::from_secs(2));
    holder.execute_batch("COMMIT").expect("unlock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log().contains("gone-1") {
        assert!(Instant::now() < deadline, "no log line: {}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let line = server
        .log()
        .lines()
        .find(|l| l.contains("gone-1"))
        .expect("line")
        .to_string();
    assert!(
        line.contains("\"status\":201") || line.contains("\"status\":200"),
        "{line}"
    );
    let listed = env.ok(Some("li"), T0, &["list"]);
    assert_eq!(
        listed["cases"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn silent_clients_are_cut_off_and_connections_are_capped() {
    let env = Env::new();
    let li = token(&env, "li");
    let server = Server::start_global(&env.db, &["--now", T0], &["--max-connections", "4"]);
    // Half a request line, then silence: closed after the header deadline (10 s).
    let mut slow = TcpStream::connect(addr(&server)).expect("connect");
    slow.write_all(b"GET /api/v1/cases HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    let started = Instant::now();
    assert!(
        closed_within(&mut slow, Duration::from_secs(20)),
        "a silent client is cut off"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );

    // Four idle connections fill the server; a fifth is closed at once.
    let mut idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(addr(&server)).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut fifth = TcpStream::connect(addr(&server)).expect("connect");
    assert!(
        closed_within(&mut fifth, Duration::from_secs(2)),
        "over the cap: closed at once"
    );
    // Once they go, the server answers again.
    for s in &mut idle {
        let _ = s.shutdown(std::net::Shutdown::Both);
    }
    drop(idle);
    std::thread::sleep(Duration::from_millis(300));
    let answer = raw(
        &server,
        format!("GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {li}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn each_token_has_its_own_limits_per_minute() {
    let env = Env::new();
    for (key, value) in [
        ("api_writes_per_minute", "3"),
        ("api_reads_per_minute", "5"),
    ] {
        env.ok(Some("admin"), "2026-03-01", &["policy", "set", key, value]);
    }
    let (li, wang) = (token(&env, "li"), token(&env, "wang"));
    let server = Server::start_global(&env.db, &["--now", T0], &[]);
    let li_auth = format!("Bearer {li}");
    let post = |auth: &str| {
        exchange(
            &server,
            "POST",
            "/cases/XF2026-999999/transfer",
            &[
                ("Authorization", auth),
                ("Content-Type", "application/json"),
            ],
            r#"{"to": "c-zjj"}"#,
        )
    };
    // Refused writes count too: the limit is on what a token asks, not on what succeeds.
    for _ in 0..3 {
        let (head, _) = post(&li_auth);
        assert!(head.starts_with("http/1.1 404"), "{head}");
    }
    let (head, body) = post(&li_auth);
    assert!(head.starts_with("http/1.1 429"), "{head}");
    let wait: u64 = head
        .lines()
        .find_map(|l| l.strip_prefix("retry-after: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["error"]["code"], "conflict", "{v}");
    assert_eq!(v["error"]["details"]["kind"], "rate_limited", "{v}");
    assert_eq!(v["error"]["details"]["limit"], 3, "{v}");
    // Another token is not held back, and reads count apart from writes.
    let (head, _) = post(&format!("Bearer {wang}"));
    assert!(head.starts_with("http/1.1 404"), "{head}");
    for _ in 0..5 {
        let (head, _) = exchange(&server, "GET", "/cases", &[("Authorization", &li_auth)], "");
        assert!(head.starts_with("http/1.1 200"), "{head}");
    }
    let (head, _) = exchange(&server, "GET", "/cases", &[("Authorization", &li_auth)], "");
    assert!(head.starts_with("http/1.1 429"), "{head}");
    // An unknown token is unauthenticated, never counted.
    let (head, _) = exchange(
        &server,
        "GET",
        "/cases",
        &[("Authorization", "Bearer nope")],
        "",
    );
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert_eq!(server.stop(), Some(0));
}
