//! The record outlives the code that wrote it: a SQLite file and a jsonl chain written by an
//! earlier release (tag `v0.13`, in `tests/fixtures/v0.13`, never rewritten) open, import and
//! verify with today's code, and every case shows the same either way.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use petition_tests::bin;
use serde_json::Value;

const NOW: &str = "2026-11-26T10:00:00+08:00";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/v0.13")
        .join(name)
}

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LANG", "C.UTF-8")
        .arg("--db")
        .arg(db)
        .args(["--json", "--now", NOW])
        .args(args)
        .output()
        .expect("run petition")
}

fn ok(db: &Path, args: &[&str]) -> Value {
    let o = run(db, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("json")
}

/// The file written by v0.13, copied (opening it may write its log).
fn old_file(dir: &Path) -> PathBuf {
    let db = dir.join("old.db");
    std::fs::copy(fixture("petition.db"), &db).expect("copy the fixture");
    db
}

/// Every case as the admin sees it (masked), by id.
fn every_case(db: &Path) -> Vec<(String, Value)> {
    let list = ok(db, &["--as", "admin", "list", "--limit", "1000"]);
    let mut out: Vec<(String, Value)> = list["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let id = c["id"].as_str().expect("id").to_string();
            let shown = ok(db, &["--as", "admin", "show", &id, "--timeline"]);
            (id, shown)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_database_written_by_v0_13_opens_verifies_and_takes_new_work() {
    let dir = tempfile::tempdir().expect("dir");
    let db = old_file(dir.path());
    // `verify` never writes: on a file of an older schema it says how to upgrade it; the first
    // command that opens it upgrades it.
    let o = run(&db, &["verify"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("older schema version"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    ok(&db, &["--as", "admin", "list"]);
    let v = ok(&db, &["verify"]);
    assert_eq!(
        (v["ok"].as_bool(), v["clock"].as_str()),
        (Some(true), Some("simulated"))
    );
    let cases = every_case(&db);
    assert_eq!(cases.len(), 21, "the demo's scripted cases");
    // Its query codes were kept in clear then; the petitioner's status page still takes them.
    let chain = std::fs::read_to_string(fixture("chain.jsonl")).expect("chain");
    let (id, code) = chain
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|e| {
            Some((
                e["case"].as_str()?.to_string(),
                e["query_code"].as_str()?.to_string(),
            ))
        })
        .expect("a registration with its code in clear");
    let status = ok(&db, &["status", &id, "--code", &code]);
    assert_eq!(status["id"].as_str(), Some(id.as_str()));
    assert!(!run(&db, &["status", &id, "--code", "AAAAAAAA"])
        .status
        .success());
    // Today's code works on it: a new registration (its code hashed) and the time-driven work.
    let new = ok(
        &db,
        &[
            "--as",
            "cty-a-xfj-c",
            "register",
            "--channel",
            "letter",
            "--purpose",
            "request",
            "--locality",
            "town-a1",
            "--category",
            "housing.repair",
            "--summary",
            "房屋漏水",
            "--petitioner",
            "钱某",
        ],
    );
    assert_eq!(new["query_code"].as_str().map(str::len), Some(8));
    ok(&db, &["tick"]);
    assert_eq!(ok(&db, &["verify"])["ok"], true);
}

#[test]
fn a_chain_exported_by_v0_13_imports_and_every_case_shows_the_same() {
    let dir = tempfile::tempdir().expect("dir");
    let old = old_file(dir.path());
    let new = dir.path().join("imported.db");
    let o = Command::new(bin())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--db")
        .arg(&new)
        .args(["--json", "import"])
        .arg(fixture("chain.jsonl"))
        .output()
        .expect("import");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    ok(&old, &["--as", "admin", "list"]);
    let (a, b) = (ok(&old, &["verify"]), ok(&new, &["verify"]));
    assert_eq!(a["head"], b["head"], "the same chain, hash for hash");
    assert_eq!(a["entries"], b["entries"]);
    assert_eq!(every_case(&old), every_case(&new));
}
