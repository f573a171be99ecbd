//! End-to-end tests of `stats`, `export`, `import` and `notice` (SPEC §8, §11).

use petition_tests::{bin, Env};
use serde_json::Value;

const T0: &str = "2026-03-02";

/// A small history: one answered and rated case, one overdue in handling, one undecided.
fn history(env: &Env) -> Vec<String> {
    let a = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &a, "--to", "c-zjj"]);
    env.ok(Some("wang"), "2026-03-03", &["accept", &a]);
    env.ok(
        Some("wang"),
        "2026-03-20",
        &["opinion", &a, "--outcome", "supported", "--text", "支持"],
    );
    env.ok(
        Some("li"),
        "2026-03-21",
        &["evaluate", &a, "--handling", "satisfied"],
    );
    let b = env.register(T0, &["--accused-unit", "c-gtj"]);
    env.ok(
        Some("li"),
        T0,
        &["assign", &b, "--to", "c-zjj", "--report-by", "2026-04-30"],
    );
    env.ok(Some("wang"), "2026-03-04", &["accept", &b]);
    let c = env.register("2026-03-05", &[]);
    vec![a, b, c]
}

#[test]
fn stats_reports_the_rates_and_ranks_units() {
    let env = Env::new();
    history(&env);
    let v = env.ok(
        None,
        "2026-06-30",
        &[
            "stats",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--rank",
            "on_time_completion_rate",
        ],
    );
    let groups = v["groups"].as_array().expect("groups");
    let g = |k: &str| {
        groups
            .iter()
            .find(|g| g["key"] == k)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let xfj = g("c-xfj");
    assert_eq!(xfj["registered"], 3);
    assert_eq!(
        xfj["repeats"], 2,
        "the same petitioner, category and locality"
    );
    assert!(
        (xfj["timely_acceptance_rate"].as_f64().expect("rate") - 2.0 / 3.0).abs() < 1e-9,
        "the third intake is undecided and overdue"
    );
    let zjj = g("c-zjj");
    assert_eq!(
        zjj["on_time_completion_rate"], 0.5,
        "one answered in time, one open and overdue"
    );
    assert_eq!(zjj["satisfaction_rate"], 1.0);
    assert_eq!(zjj["overdue_open"]["handling"], 1);
    assert_eq!(zjj["overdue_open"]["result_report"], 1);
    assert_eq!(groups[0]["key"], "c-zjj", "ranked units first");
    for k in [
        "registered",
        "collective_visits",
        "skip_level_visits",
        "repeats",
        "timely_acceptance_rate",
        "on_time_completion_rate",
        "participation_rate",
        "satisfaction_rate",
        "repeat_rate",
        "overdue_open",
        "supervisions",
    ] {
        assert!(xfj.get(k).is_some(), "group has {k}");
    }
    let human = env.raw(
        None,
        "2026-06-30",
        false,
        &[
            "--lang",
            "zh",
            "stats",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
        ],
    );
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("按期办结率") && text.contains("某县住建局") && text.contains("50.0%"),
        "{text}"
    );
}

fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let head = r
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|x| x.expect("row").iter().map(str::to_string).collect())
        .collect();
    (head, rows)
}

#[test]
fn the_csv_ledger_shows_a_clerk_the_units_cases_in_full_and_an_admin_masked_unless_include_pii() {
    let env = Env::new();
    let ids = history(&env);
    let o = env.raw(
        Some("li"),
        "2026-06-30",
        false,
        &["--lang", "zh", "export", "--format", "csv"],
    );
    assert!(o.status.success());
    let (head, rows) = read_csv(&o.stdout);
    assert_eq!(head[0], "编号");
    assert_eq!(rows.len(), 3);
    let col = |name: &str| head.iter().position(|h| h == name).expect(name);
    // The registering office reads its own cases in full (each recorded in the access log),
    // the digits kept as text for a spreadsheet; values in words.
    assert_eq!(rows[0][col("证件号码")], "\t11010519491231002X");
    assert_eq!(rows[0][col("联系电话")], "\t13812345678");
    assert_eq!(rows[1][col("当前超期")], "是");
    // An admin reads every case masked without --include-pii.
    let o = env.raw(
        Some("admin"),
        "2026-06-30",
        false,
        &["export", "--format", "csv"],
    );
    let (head, rows) = read_csv(&o.stdout);
    let col = |name: &str| head.iter().position(|h| h == name).expect(name);
    assert_eq!(rows[0][col("Id numbers")], "\t110105********002X");
    assert_eq!(rows[0][col("Phones")], "\t138****5678");
    let o = env.raw(
        Some("admin"),
        "2026-06-30",
        false,
        &["export", "--format", "csv", "--include-pii"],
    );
    let (head, rows) = read_csv(&o.stdout);
    assert_eq!(head[0], "Case id");
    assert_eq!(
        rows[0][head.iter().position(|h| h == "Id numbers").expect("col")],
        "\t11010519491231002X"
    );
    let (exit, code, _) = env.err(
        Some("li"),
        "2026-06-30",
        &["export", "--format", "csv", "--include-pii"],
    );
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    let (exit, code, _) = env.err(
        Some("li"),
        "2026-06-30",
        &["export", "--format", "open311", "--include-pii"],
    );
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    // The accused unit's export does not contain the accusation at all.
    let o = env.raw(
        Some("zhao"),
        "2026-06-30",
        false,
        &["export", "--format", "csv"],
    );
    let (head, rows) = read_csv(&o.stdout);
    let id_col = head.iter().position(|h| h == "Case id").expect("col");
    assert!(
        rows.iter().all(|r| r[id_col] != ids[1]),
        "the accusation is not exported to the accused unit"
    );
}

#[test]
fn open311_export_field_by_field() {
    let env = Env::new();
    let ids = history(&env);
    let o = env.raw(
        Some("li"),
        "2026-06-30",
        false,
        &["export", "--format", "open311"],
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("a JSON array");
    let reqs = v.as_array().expect("array");
    assert_eq!(reqs.len(), 3);
    let a = &reqs[0];
    assert_eq!(a["service_request_id"], ids[0].as_str());
    assert_eq!(a["status"], "open", "opinion issued, not yet closed");
    assert_eq!(a["service_code"], "housing.repair");
    assert_eq!(a["description"], "房屋漏水");
    assert_eq!(a["agency_responsible"], "某县住建局");
    assert_eq!(a["requested_datetime"], "2026-03-02T09:00:00+08:00");
    assert_eq!(a["updated_datetime"], "2026-03-21T09:00:00+08:00");
    assert!(a["expected_datetime"].is_null(), "no open unit clock");
    assert!(a["status_notes"]
        .as_str()
        .unwrap_or("")
        .contains("opinion_issued"));
    let b = &reqs[1];
    assert_eq!(
        b["expected_datetime"], "2026-04-30T23:59:59+08:00",
        "the earliest open unit clock: the result report"
    );
    assert!(
        !o.stdout.windows(6).any(|w| w == "赵某".as_bytes()),
        "no personal data in Open311"
    );
}

#[test]
fn jsonl_round_trip_gives_identical_show_for_every_case_and_verifies() {
    let env = Env::new();
    let ids = history(&env);
    env.ok(None, "2026-06-30", &["tick"]);
    let file = env.export_chain("2026-06-30", "all.jsonl");
    let copy = env.dir.path().join("copy.db");
    let o = std::process::Command::new(bin())
        .args([
            "--db",
            copy.to_str().expect("p"),
            "--json",
            "import",
            file.to_str().expect("p"),
        ])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let show = |db: &std::path::Path, id: &str| {
        let o = std::process::Command::new(bin())
            .args([
                "--db",
                db.to_str().expect("p"),
                "--json",
                "--now",
                "2026-07-01",
                "--as",
                "li",
                "show",
                id,
                "--timeline",
            ])
            .output()
            .expect("run");
        o.stdout
    };
    for id in &ids {
        assert_eq!(show(&env.db, id), show(&copy, id), "{id}");
    }
    let o = std::process::Command::new(bin())
        .args(["--db", copy.to_str().expect("p"), "--json", "verify"])
        .output()
        .expect("run");
    assert!(o.status.success());
}

#[test]
fn a_corrupted_jsonl_line_is_refused_with_its_number_and_leaves_no_database() {
    let env = Env::new();
    history(&env);
    let file = env.export_chain("2026-06-30", "all.jsonl");
    let text = std::fs::read_to_string(&file).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let i = lines
        .iter()
        .position(|l| l.contains("\"type\":\"accepted\""))
        .expect("accepted");
    lines[i] = lines[i].replace("\"unit\":\"c-zjj\"", "\"unit\":\"c-gtj\"");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    let copy = env.dir.path().join("copy.db");
    let o = std::process::Command::new(bin())
        .args([
            "--db",
            copy.to_str().expect("p"),
            "--json",
            "import",
            file.to_str().expect("p"),
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(5));
    let e: Value = serde_json::from_str(
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .expect("line"),
    )
    .expect("json");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("line {}", i + 1)),
        "{e}"
    );
    let left: Vec<String> = petition_tests::file_names(env.dir.path())
        .into_iter()
        .filter(|n| n.starts_with("copy"))
        .collect();
    assert!(left.is_empty(), "no database left behind: {left:?}");
}

#[test]
fn notices_render_from_the_case() {
    let env = Env::new();
    let ids = history(&env);
    let text = |args: &[&str]| {
        let o = env.raw(Some("li"), "2026-06-30", false, args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let t = text(&["notice", &ids[0], "--kind", "acceptance"]);
    assert!(
        t.starts_with("受理告知书")
            && t.contains("赵某")
            && t.contains("某县住建局已于2026年03月03日依法受理"),
        "{t}"
    );
    let t = text(&["notice", &ids[0], "--kind", "opinion"]);
    assert!(
        t.contains("信访事项处理意见书") && t.contains("支持") && t.contains("30日内"),
        "{t}"
    );
    let t = text(&["notice", &ids[1], "--kind", "routing"]);
    assert!(
        t.starts_with("信访事项交办单") && t.contains("2026年04月30日前报送办结报告"),
        "{t}"
    );
    let t = text(&["--lang", "en", "notice", &ids[0], "--kind", "acceptance"]);
    assert!(t.starts_with("Notice of acceptance"), "{t}");
    let html = env.dir.path().join("n.html");
    text(&[
        "notice",
        &ids[0],
        "--kind",
        "opinion",
        "--out",
        html.to_str().expect("p"),
    ]);
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<h1>信访事项处理意见书</h1>"));
    let (exit, code, _) = env.err(
        Some("li"),
        "2026-06-30",
        &["notice", &ids[2], "--kind", "opinion"],
    );
    assert_eq!((exit, code.as_str()), (1, "invalid_transition"));
    // §6.6: to the accused unit the accusation does not exist.
    let (exit, code, _) = env.err(
        Some("zhao"),
        "2026-06-30",
        &["notice", &ids[1], "--kind", "acceptance"],
    );
    assert_eq!((exit, code.as_str()), (3, "not_found"));
}

/// Runs `petition` with `args` (after `--now 2026-07-02 --json`), expecting success.
fn run_json(args: &[&str]) -> Value {
    let o = std::process::Command::new(bin())
        .env("NO_COLOR", "1")
        .args(["--now", "2026-07-02", "--json"])
        .args(args)
        .output()
        .expect("run petition");
    assert!(
        o.status.success(),
        "petition {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn copy_sqlite_to_postgres_and_back_shows_every_case_the_same_with_the_same_head() {
    let Some(url) = petition_tests::test_pg() else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let (a, b) = (a.to_str().expect("utf8"), b.to_str().expect("utf8"));
    let pg = petition_tests::fresh_pg_db(&url);
    let o = std::process::Command::new(bin())
        .args([
            "--db",
            a,
            "--now",
            "2026-07-01",
            "demo",
            "--cases",
            "120",
            "--seed",
            "3",
        ])
        .output()
        .expect("demo");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    run_json(&["--as", "admin", "copy", "--from", a, "--to", &pg]);
    run_json(&["--as", "admin", "copy", "--from", &pg, "--to", b]);
    let heads: Vec<Value> = [a, pg.as_str(), b]
        .iter()
        .map(|db| run_json(&["--db", db, "verify"])["head"].clone())
        .collect();
    assert_eq!(heads[0], heads[1], "SQLite and PostgreSQL");
    assert_eq!(heads[0], heads[2], "and back");
    let list = run_json(&["--db", a, "--as", "admin", "list", "--limit", "1000"]);
    assert_eq!(list["next"], Value::Null, "one page holds them all");
    // The same totals on both engines.
    let on_pg = run_json(&["--db", &pg, "--as", "admin", "list", "--limit", "1"]);
    assert_eq!(on_pg["total"], list["total"]);
    let ids: Vec<&str> = list["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(ids.len() > 100, "{}", ids.len());
    for id in ids {
        let shown: Vec<Value> = [a, pg.as_str(), b]
            .iter()
            .map(|db| run_json(&["--db", db, "--as", "admin", "show", id]))
            .collect();
        assert_eq!(shown[0], shown[1], "{id} on PostgreSQL");
        assert_eq!(shown[0], shown[2], "{id} back on SQLite");
    }
    // A copy never overwrites: the target must be new (a file) or empty (PostgreSQL).
    for to in [b, pg.as_str()] {
        let o = std::process::Command::new(bin())
            .args([
                "--now",
                "2026-07-02",
                "--as",
                "admin",
                "copy",
                "--from",
                a,
                "--to",
                to,
            ])
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(2), "{to}");
    }
}
