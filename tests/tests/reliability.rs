//! Reliability (issue 8): writers killed with SIGKILL at random moments, eight concurrent clerks,
//! backup under load. After each, the database opens, `verify` passes, and every case is whole:
//! its query rows match its events (no command half applied, no clock without its event).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use petition_tests::{bin, register_args, Env};
use serde_json::Value;

const NOW: &str = "2026-07-01";

fn petition(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .env("NO_COLOR", "1")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run petition")
}

/// The database opens, the chain verifies, and every case's rows agree with its events.
fn assert_whole(db: &Path) {
    let o = petition(db, &["--json", "verify"]);
    assert!(
        o.status.success(),
        "verify failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let c = rusqlite::Connection::open(db).expect("open");
    let q = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).expect(sql) };
    assert_eq!(q("SELECT count(*) FROM cases c WHERE c.last_seq != (SELECT max(seq) FROM chain WHERE case_id = c.id)"), 0, "a case row behind or ahead of its events");
    assert_eq!(
        q("SELECT count(DISTINCT case_id) FROM chain WHERE case_id IS NOT NULL"),
        q("SELECT count(*) FROM cases"),
        "events without a case row"
    );
    assert_eq!(
        q("SELECT count(*) FROM clocks k WHERE k.case_id NOT IN (SELECT id FROM cases)"),
        0,
        "a clock without its case"
    );
    assert_eq!(q("SELECT count(*) FROM (SELECT case_id FROM clocks GROUP BY case_id HAVING max(idx) + 1 != count(*))"), 0, "gaps in clocks");
    // Replay a sample of cases and compare with their rows.
    let mut st = c.prepare("SELECT id, state, (SELECT count(*) FROM clocks WHERE case_id = id) FROM cases ORDER BY random() LIMIT 15").expect("prep");
    let rows: Vec<(String, String, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    for (id, state, clocks) in rows {
        let o = petition(db, &["--json", "--now", NOW, "--as", "admin", "show", &id]);
        let v: Value = serde_json::from_slice(&o.stdout).expect("show json");
        assert_eq!(v["state"], state.as_str(), "{id}");
        assert_eq!(
            v["clocks"].as_array().map(|a| a.len() as i64),
            Some(clocks),
            "{id}: clock rows vs replayed clocks"
        );
    }
}

/// Starts a shell script in its own process group and kills the whole group after `after`.
fn kill_after(script: &str, after: Duration) -> bool {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while start.elapsed() < after {
        if let Ok(Some(_)) = child.try_wait() {
            return false; // finished before the kill
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let pgid = child.id().to_string();
    let _ = Command::new("kill")
        .args(["-9", "--", &format!("-{pgid}")])
        .status();
    let _ = child.wait();
    true
}

/// Deterministic "random" delays.
fn delays(seed: u64, n: usize, lo: u64, hi: u64) -> Vec<Duration> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Duration::from_millis(lo + (x >> 33) % (hi - lo))
        })
        .collect()
}

#[test]
fn sigkill_during_a_bulk_demo_load_leaves_a_whole_database() {
    for (round, d) in delays(1, 3, 150, 1200).into_iter().enumerate() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("d.db");
        let script = format!(
            "exec '{}' --db '{}' --now {NOW} --json demo --cases 5000 --seed {round}",
            bin().display(),
            db.display()
        );
        kill_after(&script, d);
        if db.exists()
            && rusqlite::Connection::open(&db)
                .and_then(|c| {
                    c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                        r.get::<_, i64>(0)
                    })
                })
                .unwrap_or(0)
                > 0
        {
            assert_whole(&db);
        }
    }
}

#[test]
fn sigkill_during_a_loop_of_commands_leaves_every_case_whole() {
    let env = Env::new();
    let p = bin().display().to_string();
    let db = env.db.display().to_string();
    let script = format!(
        "for i in $(seq 1 400); do \
           id=$('{p}' --db '{db}' --now 2026-03-02 --as li --json register --channel letter --purpose request --locality t \
                --category a.b --summary s --petitioner p$i | grep -o 'XF[0-9]*-[0-9]*' | head -1); \
           '{p}' --db '{db}' --now 2026-03-02 --as li transfer $id --to c-zjj; \
           '{p}' --db '{db}' --now 2026-03-03 --as wang accept $id --assist c-gtj; \
         done"
    );
    for d in delays(2, 3, 100, 900) {
        kill_after(&script, d);
        assert_whole(&env.db);
    }
}

#[test]
fn sigkill_during_tick_loses_nothing_and_a_rerun_finishes_the_job() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("t.db");
    let o = petition(
        &db,
        &[
            "--now",
            "2026-03-01",
            "--json",
            "demo",
            "--cases",
            "4000",
            "--seed",
            "4",
        ],
    );
    assert!(o.status.success());
    let script = format!(
        "exec '{}' --db '{}' --now 2027-01-15 tick",
        bin().display(),
        db.display()
    );
    // About 3,000 due cases: several of tick's thousand-case transactions, so the kills land
    // inside a transaction and between commits (the tick takes a few seconds in a debug build).
    for d in delays(3, 3, 50, 2500) {
        kill_after(&script, d);
        assert_whole(&db);
    }
    let o = petition(&db, &["--now", "2027-01-15", "--json", "tick"]);
    assert!(o.status.success());
    let o = petition(&db, &["--now", "2027-01-15", "--json", "tick"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["events"], 0, "the rerun finished the job");
    assert_whole(&db);
}

#[test]
fn sigkill_during_import_leaves_no_half_loaded_database() {
    let dir = tempfile::tempdir().expect("dir");
    let src = dir.path().join("s.db");
    assert!(petition(
        &src,
        &["--now", NOW, "--json", "demo", "--cases", "3000", "--seed", "5"]
    )
    .status
    .success());
    let file = dir.path().join("all.jsonl");
    assert!(petition(
        &src,
        &[
            "--as",
            "admin",
            "export",
            "--format",
            "jsonl",
            "--include-pii",
            "--out",
            file.to_str().expect("p")
        ]
    )
    .status
    .success());
    let dst = dir.path().join("d.db");
    let script = format!(
        "exec '{}' --db '{}' import '{}'",
        bin().display(),
        dst.display(),
        file.display()
    );
    for d in delays(4, 3, 50, 600) {
        let killed = kill_after(&script, d);
        if killed {
            assert!(
                !dst.exists(),
                "a killed import leaves no database at the target"
            );
        } else {
            break;
        }
    }
    if !dst.exists() {
        let o = petition(&dst, &["--json", "import", file.to_str().expect("p")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_whole(&dst);
}

#[test]
fn eight_concurrent_clerks_lose_nothing() {
    let env = Env::new();
    let db = env.db.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let clerks: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut done: Vec<(String, &'static str)> = Vec::new();
                let mut codes = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let name = format!("p{t}-{i}");
                    let mut args = vec!["--json", "--now", "2026-03-02", "--as", "li"];
                    let reg = register_args("s", &name, &[]);
                    args.extend(reg.iter().map(String::as_str));
                    let o = petition(&db, &args);
                    codes.push(o.status.code().unwrap_or(-1));
                    if !o.status.success() {
                        continue;
                    }
                    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
                    let id = v["id"].as_str().expect("id").to_string();
                    done.push((id.clone(), "registered"));
                    let o = petition(
                        &db,
                        &[
                            "--json",
                            "--now",
                            "2026-03-02",
                            "--as",
                            "li",
                            "transfer",
                            &id,
                            "--to",
                            "c-zjj",
                        ],
                    );
                    codes.push(o.status.code().unwrap_or(-1));
                    if !o.status.success() {
                        continue;
                    }
                    done.push((id.clone(), "transferred"));
                    let o = petition(
                        &db,
                        &[
                            "--json",
                            "--now",
                            "2026-03-03",
                            "--as",
                            "wang",
                            "accept",
                            &id,
                        ],
                    );
                    codes.push(o.status.code().unwrap_or(-1));
                    if o.status.success() {
                        done.push((id, "accepted"));
                    }
                }
                (done, codes)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(4));
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut codes = Vec::new();
    for c in clerks {
        let (d, k) = c.join().expect("clerk");
        all.extend(d);
        codes.extend(k);
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "concurrent clerks: {} commands in {secs:.1} s = {:.0} commands/s",
        codes.len(),
        codes.len() as f64 / secs
    );
    assert!(
        codes.iter().all(|c| *c == 0 || *c == 4),
        "exit codes only 0 or conflict (4): {codes:?}"
    );
    let mut ids: Vec<&String> = all
        .iter()
        .filter(|(_, k)| *k == "registered")
        .map(|(id, _)| id)
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no duplicate case id");
    assert!(n >= 8, "every clerk got work done");
    let c = rusqlite::Connection::open(&db).expect("open");
    for (id, kind) in &all {
        let found: i64 = c
            .query_row(
                "SELECT count(*) FROM chain WHERE case_id = ?1 AND type = ?2",
                [id.as_str(), *kind],
                |r| r.get(0),
            )
            .expect("q");
        assert_eq!(found, 1, "{id} {kind} is in the chain");
    }
    assert_whole(&db);
}

#[test]
fn backup_under_load_verifies() {
    let env = Env::new();
    let db = env.db.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|t| {
            let db = db.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let name = format!("b{t}-{i}");
                    let mut args = vec!["--now", "2026-03-02", "--as", "li"];
                    let reg = register_args("s", &name, &[]);
                    args.extend(reg.iter().map(String::as_str));
                    petition(&db, &args);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for k in 0..3 {
        let dest = env.dir.path().join(format!("backup{k}.db"));
        let o = petition(
            &db,
            &[
                "--json",
                "--now",
                "2026-03-02",
                "--as",
                "admin",
                "backup",
                dest.to_str().expect("p"),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_whole(&dest);
        std::thread::sleep(Duration::from_millis(200));
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    assert_whole(&db);
}
