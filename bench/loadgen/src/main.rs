//! Benchmark tools for `petition serve` (bench/serve.sh runs them):
//!
//! - `floor --listen A --db F`: the floor to compare with, a minimal axum handler that does one
//!   SQLite INSERT in its own committed transaction per request (`POST /insert`), with the same
//!   durability settings as petition's store (WAL, synchronous=FULL), on tokio's blocking pool;
//! - `floor-load --url U`: N clients posting to the floor;
//! - `writes --url U --clerk T1 --dept T2 --to UNIT [--keys]`: N clients each registering a case,
//!   routing it to UNIT and accepting it there, over and over (three requests a cycle, each
//!   timed); with `--keys`, every request carries a fresh `Idempotency-Key`;
//! - `reads --url U --token T`: N clients alternating `GET /cases/{id}` (ids from the token's own
//!   list) and `GET /queue`;
//! - `pages --url U --paths FILE`: N clients getting public pages, the paths of FILE in turn;
//! - `timing --url U --a FILE --b FILE`: one client alternating the paths of two files (a
//!   request of A, then one of B), every answer counted whatever its status, and the two
//!   medians compared (the public status page's answer to a wrong code and to an unknown case).
//!
//! Every load prints one JSON line: requests, errors, seconds, requests per second and latency
//! percentiles in milliseconds. A request that fails is counted as an error, never as a fast
//! success.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn need(args: &[String], name: &str) -> String {
    arg(args, name).unwrap_or_else(|| {
        eprintln!("petition-loadgen: {name} is required");
        std::process::exit(2)
    })
}

fn num(args: &[String], name: &str, default: u64) -> u64 {
    arg(args, name)
        .map(|v| {
            v.parse().unwrap_or_else(|_| {
                eprintln!("petition-loadgen: {name} must be a number");
                std::process::exit(2)
            })
        })
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("floor") => floor(&need(&args, "--listen"), &need(&args, "--db")),
        Some("timing") => timing(
            &need(&args, "--url"),
            &need(&args, "--a"),
            &need(&args, "--b"),
        ),
        Some("floor-load") => {
            let url = need(&args, "--url");
            load(&args, move |agent, _i| {
                let r = agent
                    .post(&format!("{url}/insert"))
                    .send_string(r#"{"summary":"x"}"#);
                vec![r.is_ok()]
            })
        }
        Some("writes") => {
            let (url, clerk, dept, to) = (
                need(&args, "--url"),
                need(&args, "--clerk"),
                need(&args, "--dept"),
                need(&args, "--to"),
            );
            let locality = arg(&args, "--locality").unwrap_or_else(|| to.clone());
            let keys = args.iter().any(|a| a == "--keys");
            load(&args, move |agent, i| {
                writes(agent, &url, &clerk, &dept, &to, &locality, i, keys)
            })
        }
        Some("reads") => {
            let (url, token) = (need(&args, "--url"), need(&args, "--token"));
            let ids = ids(&url, &token);
            // `--only cases` or `--only queue`: one of the two reads alone.
            let only = arg(&args, "--only").unwrap_or_default();
            load(&args, move |agent, i| {
                let case = match only.as_str() {
                    "cases" => true,
                    "queue" => false,
                    _ => i % 2 == 0,
                };
                let path = if case {
                    format!("/cases/{}", ids[(i as usize * 7919) % ids.len()])
                } else {
                    "/queue?limit=20".to_string()
                };
                let r = agent
                    .get(&format!("{url}/api/v1{path}"))
                    .set("Authorization", &format!("Bearer {token}"))
                    .call();
                vec![r.is_ok_and(|r| r.into_string().is_ok())]
            })
        }
        Some("pages") => {
            // `--paths FILE`: one page path per line (e.g. `/status?case=…&code=…`), no token.
            let url = need(&args, "--url");
            let file = need(&args, "--paths");
            let paths: Vec<String> = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| {
                    eprintln!("petition-loadgen: {file}: {e}");
                    std::process::exit(2)
                })
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect();
            if paths.is_empty() {
                eprintln!("petition-loadgen: {file} has no paths");
                std::process::exit(2)
            }
            load(&args, move |agent, i| {
                let path = &paths[(i as usize * 7919) % paths.len()];
                let r = agent.get(&format!("{url}{path}")).call();
                vec![r.is_ok_and(|r| r.into_string().is_ok())]
            })
        }
        _ => {
            eprintln!("usage: petition-loadgen floor|floor-load|writes|reads|pages …  (see the source's header)");
            std::process::exit(2)
        }
    }
}

/// One cycle of clerk writes; each request's success, in order.
#[allow(clippy::too_many_arguments)]
fn writes(
    agent: &ureq::Agent,
    url: &str,
    clerk: &str,
    dept: &str,
    to: &str,
    locality: &str,
    i: u64,
    keys: bool,
) -> Vec<bool> {
    let doc = json!({
        "channel": "visit", "purpose": "request", "locality": locality,
        "category": "bench.load", "summary": format!("压力测试第{i}件"),
        "petitioners": [{"name": format!("测试{i}")}],
    });
    let post = |token: &str, path: &str, body: &Value| {
        let mut req = agent
            .post(&format!("{url}/api/v1{path}"))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "application/json");
        if keys {
            req = req.set(
                "Idempotency-Key",
                &format!("load-{}-{i}-{path}", std::process::id()),
            );
        }
        req.send_string(&body.to_string())
            .ok()
            .and_then(|r| r.into_string().ok())
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
    };
    let Some(case) = post(clerk, "/cases", &doc) else {
        return vec![false];
    };
    let id = case["id"].as_str().unwrap_or("").to_string();
    let routed = post(clerk, &format!("/cases/{id}/transfer"), &json!({"to": to})).is_some();
    let accepted = routed && post(dept, &format!("/cases/{id}/accept"), &json!({})).is_some();
    vec![true, routed, accepted]
}

/// The case ids the token may read (its first thousand, newest first).
fn ids(url: &str, token: &str) -> Vec<String> {
    let v: Value = ureq::get(&format!("{url}/api/v1/cases?limit=1000"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .ok()
        .and_then(|r| r.into_string().ok())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    let ids: Vec<String> = v["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect();
    if ids.is_empty() {
        eprintln!("petition-loadgen: the token reads no cases");
        std::process::exit(1)
    }
    ids
}

/// Runs `--clients` clients for `--secs` seconds, each calling `one` in a loop; `one` makes one
/// or more requests and says which succeeded (their latencies are split evenly). Prints the
/// summary as one JSON line.
fn load(args: &[String], one: impl Fn(&ureq::Agent, u64) -> Vec<bool> + Send + Sync + 'static) {
    let clients = num(args, "--clients", 32);
    let secs = num(args, "--secs", 10);
    let one = Arc::new(one);
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let one = one.clone();
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(60))
                    .max_idle_connections_per_host(1)
                    .build();
                let (mut lat, mut errors) = (Vec::new(), 0u64);
                let mut i = c;
                while Instant::now() < until {
                    let t = Instant::now();
                    let oks = one(&agent, i);
                    let each = t.elapsed().as_secs_f64() * 1000.0 / oks.len().max(1) as f64;
                    for ok in oks {
                        if ok {
                            lat.push(each);
                        } else {
                            errors += 1;
                        }
                    }
                    i += clients;
                }
                (lat, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        if let Ok((l, e)) = t.join() {
            all.extend(l);
            errors += e;
        }
    }
    let took = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p).round().max(0.0) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let round = |x: f64| (x * 100.0).round() / 100.0;
    println!(
        "{}",
        json!({
            "clients": clients, "requests": all.len(), "errors": errors, "secs": round(took),
            "rps": round(all.len() as f64 / took),
            "p50_ms": round(pct(0.5)), "p90_ms": round(pct(0.9)), "p99_ms": round(pct(0.99)),
            "max_ms": round(pct(1.0)),
        })
    );
}

/// The floor server.
fn floor(listen: &str, db: &str) {
    let conn = rusqlite::Connection::open(db).unwrap_or_else(|e| {
        eprintln!("petition-loadgen floor: {e}");
        std::process::exit(1)
    });
    let setup = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        .and_then(|_| {
            conn.execute_batch(
                "PRAGMA synchronous=FULL;
                 CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
            )
        });
    if let Err(e) = setup {
        eprintln!("petition-loadgen floor: {e}");
        std::process::exit(1)
    }
    let conn = Arc::new(Mutex::new(conn));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("petition-loadgen floor: {e}");
            std::process::exit(1)
        });
    rt.block_on(async move {
        let app = axum::Router::new().route(
            "/insert",
            axum::routing::post(move |body: String| {
                let conn = conn.clone();
                async move {
                    let done = tokio::task::spawn_blocking(move || {
                        let mut c = conn.lock().map_err(|_| ())?;
                        let tx = c.transaction().map_err(|_| ())?;
                        tx.execute("INSERT INTO t(body) VALUES (?1)", [&body])
                            .map_err(|_| ())?;
                        tx.commit().map_err(|_| ())
                    })
                    .await;
                    match done {
                        Ok(Ok(())) => (axum::http::StatusCode::OK, "{}"),
                        _ => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "{}"),
                    }
                }
            }),
        );
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("petition-loadgen floor: {e}");
                std::process::exit(1)
            }
        };
        if let Ok(a) = listener.local_addr() {
            println!("listening on http://{a}");
        }
        let _ = axum::serve(listener, app).await;
    });
}

/// One client alternating the paths of two files; prints both medians and their difference.
fn timing(url: &str, a: &str, b: &str) {
    let read = |f: &str| -> Vec<String> {
        std::fs::read_to_string(f)
            .unwrap_or_else(|e| {
                eprintln!("petition-loadgen: {f}: {e}");
                std::process::exit(1)
            })
            .lines()
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (read(a), read(b));
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let time = |path: &str| -> f64 {
        let t = Instant::now();
        // Any answer counts (a wrong code and an unknown case both answer 404); a failed
        // connection does not.
        match agent.get(&format!("{url}{path}")).call() {
            Ok(r) => drop(r.into_string()),
            Err(ureq::Error::Status(_, r)) => drop(r.into_string()),
            Err(e) => {
                eprintln!("petition-loadgen: {e}");
                std::process::exit(1)
            }
        }
        t.elapsed().as_secs_f64() * 1000.0
    };
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for (pa, pb) in a.iter().zip(b.iter()) {
        ta.push(time(pa));
        tb.push(time(pb));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let (ma, mb) = (median(&mut ta), median(&mut tb));
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    println!(
        "{}",
        json!({
            "requests": ta.len() + tb.len(), "a_median_ms": round(ma), "b_median_ms": round(mb),
            "difference_pct": round((ma - mb).abs() / mb.max(1e-9) * 100.0),
        })
    );
}
