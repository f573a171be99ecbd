//! Helpers for the attacks on the evidence (`verify`, `import`): running the binary on a
//! database without `--now`, tampering with a SQLite file behind the tool's back, and forging a
//! chain as an attacker with the format in hand would.

use std::path::Path;
use std::process::Command;

use petition_core::audit::{canonical, chain_hash, hex, GENESIS};
use serde_json::{json, Value};

use crate::{bin, Env};

/// Runs SQL on a SQLite database behind the tool's back.
pub fn sql(db: &Path, script: &str) {
    rusqlite::Connection::open(db)
        .expect("open")
        .execute_batch(script)
        .expect("sql");
}

/// Runs SQL on a SQLite database as an attacker who covers their tracks: every trigger is
/// dropped first and put back exactly as it was afterwards, so the schema is the program's own.
pub fn behind_the_back(db: &Path, script: &str) {
    let conn = rusqlite::Connection::open(db).expect("open");
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("triggers")
        .collect::<Result<_, _>>()
        .expect("rows");
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER {name};"))
            .expect("drop");
    }
    conn.execute_batch(script).expect("sql");
    for (_, sql) in &triggers {
        conn.execute_batch(sql).expect("put the trigger back");
    }
}

/// Runs `petition --db DB --json ARGS` (no `--now`) and returns (exit code, stdout, stderr).
pub fn run(db: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(bin())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .arg("--db")
        .arg(db)
        .arg("--json")
        .args(args)
        .output()
        .expect("run");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The `verify` problem message for a database (panics when it verifies).
pub fn verify_fails(db: &Path, extra: &[&str]) -> String {
    let mut args = vec!["verify"];
    args.extend_from_slice(extra);
    let (code, _, err) = run(db, &args);
    assert_eq!(code, 5, "verify must fail on {db:?}: {err}");
    let v: Value = serde_json::from_str(err.lines().last().unwrap_or("")).expect("error json");
    assert_eq!(v["error"]["code"], "integrity");
    v["error"]["message"].as_str().unwrap_or("").to_string()
}

/// `verify --json` of a database that verifies.
pub fn verify_ok(db: &Path) -> Value {
    let (code, out, err) = run(db, &["verify"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("verify json")
}

/// Re-hashes a list of entries (without their hashes) into a consistent chain, as an attacker
/// with the format in hand would.
pub fn rehash(entries: &[Value]) -> Vec<u8> {
    let mut prev = GENESIS;
    let mut out = String::new();
    let mut gseq = 0;
    for e in entries {
        // The access log's lines are a chain of their own: kept as they are.
        if e.get("access_log").is_some() {
            out.push_str(&e.to_string());
            out.push('\n');
            continue;
        }
        gseq += 1;
        let mut v = e.clone();
        let m = v.as_object_mut().expect("object");
        m.remove("hash");
        m.insert("gseq".into(), json!(gseq));
        let h = chain_hash(&prev, &canonical(&v));
        prev = h;
        v["hash"] = json!(hex(&h));
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out.into_bytes()
}

/// A forged chain entry made to pass the first checks as an attacker would, placed after
/// `entries`: it records the access-log head the file gives up to there (the last access-log
/// line, or what the last chain entry recorded).
pub fn as_if_recorded(entries: &[Value], mut forged: Value) -> Value {
    let access = entries
        .iter()
        .rev()
        .find_map(|e| match e.get("access_log") {
            Some(body) => Some(json!({"pos": body["pos"], "hash": e["hash"]})),
            None => e.get("access").cloned(),
        });
    if let Some(a) = access {
        forged["access"] = a;
    }
    forged
}

/// Imports `bytes` as `NAME.jsonl` into a new `NAME.db` beside the environment's database:
/// (exit code, stderr).
pub fn import(env: &Env, name: &str, bytes: &[u8]) -> (i32, String) {
    let file = env.dir.path().join(format!("{name}.jsonl"));
    std::fs::write(&file, bytes).expect("write");
    let target = env.dir.path().join(format!("{name}.db"));
    let (code, _, err) = run(&target, &["import", file.to_str().expect("p")]);
    (code, err)
}

/// The chain exported with personal data, one JSON value per entry.
pub fn exported(env: &Env, now: &str) -> Vec<Value> {
    let file = env.export_chain(now, "full.jsonl");
    std::fs::read_to_string(&file)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

/// Rewrites chain entry `gseq` of a SQLite database with `edit` (or appends a new entry after
/// the last when `gseq` is one past it) and seals it and every later entry again, as an
/// attacker with the format and the library's public hashing functions in hand would: the chain
/// then hashes from end to end, and no derived table is touched.
pub fn reseal(db: &Path, gseq: u64, edit: impl FnOnce(&mut Value)) {
    let conn = rusqlite::Connection::open(db).expect("open");
    let rows: Vec<(u64, String)> = conn
        .prepare("SELECT gseq, body FROM chain ORDER BY gseq")
        .expect("prepare")
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut bodies: Vec<Value> = rows
        .iter()
        .map(|(_, b)| serde_json::from_str(b).expect("body"))
        .collect();
    let i = (gseq - 1) as usize;
    if i == bodies.len() {
        let mut v = json!({});
        edit(&mut v);
        v["gseq"] = json!(gseq);
        bodies.push(v);
    } else {
        edit(&mut bodies[i]);
    }
    let mut prev = GENESIS;
    let mut script = String::new();
    for (k, v) in bodies.iter().enumerate() {
        let h = chain_hash(&prev, &canonical(v));
        prev = h;
        if k < i {
            continue;
        }
        let body = canonical(v).replace('\'', "''");
        let (case, seq) = match (v.get("case").and_then(Value::as_str), v.get("seq")) {
            (Some(c), Some(s)) => (format!("'{c}'"), s.to_string()),
            _ => ("NULL".into(), "NULL".into()),
        };
        let kind = v["type"].as_str().unwrap_or("").to_string();
        script.push_str(&format!(
            "DELETE FROM chain WHERE gseq = {g}; INSERT INTO chain(gseq, case_id, seq, type, body, hash) VALUES ({g}, {case}, {seq}, '{kind}', '{body}', X'{h}');\n",
            g = k + 1,
            h = hex(&h)
        ));
    }
    drop(conn);
    behind_the_back(db, &script);
}

/// The last chain entry's body of a SQLite database.
pub fn last_entry(db: &Path) -> Value {
    let conn = rusqlite::Connection::open(db).expect("open");
    let body: String = conn
        .query_row(
            "SELECT body FROM chain ORDER BY gseq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("last");
    serde_json::from_str(&body).expect("body")
}
