//! Attacks tried against the trust boundary, each a regression test: who reads (visibility and
//! the accused unit), who acts (known actors), what time it is (clock modes), proof that nothing
//! was changed (verify), safe import and export, and inputs that used to panic or hang.
//! RELIABILITY.md lists them with their outcome.

use std::process::Command;

use petition_core::audit::unhex;
use petition_tests::evidence::{
    as_if_recorded, behind_the_back, import, rehash, run, sql, verify_fails, verify_ok,
};
use petition_tests::{bin, file_names, ids, register_args, Env};
use serde_json::{json, Value};

const T0: &str = "2026-03-02";

// ---- who reads ----

#[test]
fn the_accused_unit_cannot_recover_the_accuser_through_name_filters() {
    // Measured before: 629 `list --petitioner` probes recovered a name one character at a time.
    let env = Env::new();
    let accusation = env.register(T0, &["--accused-unit", "c-zjj"]);
    let visible = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &visible, "--to", "c-zjj"]);
    for probe in ["赵", "赵某", "钱", ""] {
        for limit in ["1", "50"] {
            let v = env.ok(
                Some("wang"),
                T0,
                &["list", "--petitioner", probe, "--limit", limit],
            );
            assert!(
                !ids(&v).contains(&accusation),
                "{probe}/{limit}: the accusation leaks"
            );
        }
    }
    // The right answer and the wrong one look alike: only readable cases are ever matched.
    let hit = env.ok(
        Some("wang"),
        T0,
        &["list", "--petitioner", "赵", "--limit", "1"],
    );
    assert_eq!(ids(&hit), vec![visible], "a page of readable cases");
    let miss = env.ok(Some("wang"), T0, &["list", "--petitioner", "钱"]);
    assert!(ids(&miss).is_empty());
}

#[test]
fn a_registration_by_the_accused_unit_never_names_the_accusation() {
    let env = Env::new();
    let accusation = env.register(T0, &["--accused-unit", "c-zjj"]);
    // The accused unit registers a visit by the same person (same id number, category, locality).
    let mut args = register_args("房屋漏水", "赵某", &["--id-number", "11010519491231002X"]);
    args[8] = "housing.repair".into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = env.ok(Some("wang"), T0, &args);
    assert!(v["repeat_of"].is_null(), "{v}");
    assert!(!v.to_string().contains(&accusation), "{v}");
    // The same registration at the petition office does find it.
    let v = env.ok(Some("li"), T0, &args);
    assert!(
        v["related"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r == accusation.as_str()),
        "{v}"
    );
}

#[test]
fn a_case_the_accused_unit_handles_never_names_the_accusation_as_its_relative() {
    // §6.6 repeat/related output: the accusation is an earlier case of the same petitioner and
    // matter; the later case goes to the accused unit, which must not learn of the accusation.
    let env = Env::new();
    let accusation = env.register(T0, &["--accused-unit", "c-zjj"]);
    let later = env.register(T0, &[]);
    let v = env.ok(Some("li"), T0, &["show", &later]);
    assert_eq!(
        v["repeat_of"],
        accusation.as_str(),
        "the petition office sees the link"
    );
    env.ok(Some("li"), T0, &["transfer", &later, "--to", "c-zjj"]);
    let v = env.ok(Some("wang"), T0, &["show", &later]);
    assert!(!v.to_string().contains(&accusation), "{v}");
    assert!(v["repeat_of"].is_null());
    let o = env.raw(Some("wang"), T0, false, &["export", "--format", "csv"]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains(&accusation));
}

#[test]
fn reads_need_a_known_actor_and_units_read_only_their_reach() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    for args in [
        &["show", id.as_str()][..],
        &["notice", &id, "--kind", "acceptance"],
        &["export", "--format", "csv"],
        &["list"],
    ] {
        let (exit, code, _) = env.err(None, T0, args);
        assert_eq!((exit, code.as_str()), (2, "usage"), "{args:?} without --as");
        let (exit, code, _) = env.err(Some("nobody"), T0, args);
        assert_eq!(
            (exit, code.as_str()),
            (3, "not_found"),
            "{args:?} as nobody"
        );
    }
    // The county housing bureau does not read a case it has no part in (registered at the
    // petition office about the township, not yet routed).
    let (exit, code, _) = env.err(Some("wang"), T0, &["show", &id]);
    assert_eq!((exit, code.as_str()), (3, "not_found"));
    assert!(ids(&env.ok(Some("wang"), T0, &["list"])).is_empty());
    // The prefecture's court neither.
    let (exit, _, _) = env.err(Some("fa"), T0, &["show", &id]);
    assert_eq!(exit, 3);
    // Once routed there, it does.
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["show", &id]);
    // The prefecture's petition office reaches the county's cases, masked.
    let v = env.ok(Some("shi"), T0, &["show", &id]);
    assert_eq!(v["petitioners"][0]["id_number"], "110105********002X");
    assert_eq!(v["petitioners"][0]["name"], "赵某");
    // An admin reads everything, masked.
    let v = env.ok(Some("admin"), T0, &["show", &id]);
    assert_eq!(v["petitioners"][0]["phone"], "138****5678");
}

#[test]
fn every_unmasked_disclosure_is_in_the_access_log_and_the_log_is_verified() {
    let env = Env::new();
    let id = env.register("2026-03-03", &[]);
    env.ok(Some("li"), "2026-03-04", &["show", &id]);
    env.ok(Some("shi"), "2026-03-04", &["show", &id]); // masked: not a disclosure
    env.raw(
        Some("li"),
        "2026-03-05",
        false,
        &["notice", &id, "--kind", "routing"],
    );
    let o = env.raw(
        Some("admin"),
        "2026-03-06",
        false,
        &["export", "--format", "csv", "--include-pii"],
    );
    assert!(o.status.success());
    let log = env.ok(Some("admin"), "2026-03-07", &["access-log", "--case", &id]);
    let entries = log["entries"].as_array().expect("entries");
    let cmds: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["staff"].as_str().unwrap_or(""),
                e["command"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        cmds,
        [("li", "register"), ("li", "show")],
        "register --json and show by the registering unit; never the masked reader"
    );
    assert_eq!(entries[1]["at"], "2026-03-04T09:00:00+08:00");
    let all = env.ok(Some("admin"), "2026-03-07", &["access-log"]);
    assert!(all["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["case"].is_null() && e["command"] == "export ledger --include-pii"));
    let (exit, code, _) = env.err(Some("li"), "2026-03-07", &["access-log"]);
    assert_eq!(
        (exit, code.as_str()),
        (1, "permission_denied"),
        "admins only"
    );
    // Append-only, and covered by verify.
    let before = verify_ok(&env.db);
    assert!(before["access_log"].as_u64().unwrap_or(0) >= 3);
    let conn = rusqlite::Connection::open(&env.db).expect("open");
    assert!(conn
        .execute("DELETE FROM access_log WHERE pos = 2", [])
        .is_err());
    drop(conn);
    behind_the_back(&env.db, "DELETE FROM access_log WHERE pos = 2;");
    let msg = verify_fails(&env.db, &[]);
    assert!(msg.contains("access log, entry 3"), "{msg}");
}

// ---- what time it is ----

/// A live (system-clock) database with the test organisation, made without `--now`.
fn live() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("live.db");
    let (code, _, err) = run(&db, &["init"]);
    assert_eq!(code, 0, "{err}");
    let csv = dir.path().join("org.csv");
    std::fs::write(&csv, petition_tests::ORG_CSV).expect("csv");
    let (code, _, err) = run(
        &db,
        &["--as", "admin", "unit", "import", csv.to_str().expect("p")],
    );
    assert_eq!(code, 0, "{err}");
    for (id, name, role, unit) in petition_tests::STAFF {
        let (code, _, err) = run(
            &db,
            &[
                "--as", "admin", "staff", "add", id, "--name", name, "--role", role, "--unit", unit,
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    (dir, db)
}

#[test]
fn a_live_database_refuses_a_claimed_time_for_writes() {
    // Measured before: a forward-dated tick closed 14 cases for good; a backdated accept recorded
    // an overdue acceptance as met.
    let (_dir, db) = live();
    assert_eq!(verify_ok(&db)["clock"], "system");
    let args = register_args("房屋漏水", "赵某", &[]);
    let mut reg: Vec<&str> = vec!["--as", "li"];
    reg.extend(args.iter().map(String::as_str));
    let (code, out, err) = run(&db, &reg);
    assert_eq!(code, 0, "{err}");
    let id = serde_json::from_str::<Value>(&out).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let before = std::fs::read(&db).expect("read");
    for args in [
        &["--now", "2030-01-01", "tick"][..],
        &["--now", "2020-01-01", "--as", "li", "accept", &id],
        &[
            "--now",
            "2030-01-01",
            "--as",
            "li",
            "withdraw",
            &id,
            "--reason",
            "r",
        ],
    ] {
        let (code, _, err) = run(&db, args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains("\"validation\""), "{err}");
    }
    assert_eq!(std::fs::read(&db).expect("read"), before, "nothing written");
    // A read may look at another day.
    let (code, out, _) = run(&db, &["--now", "2030-01-01", "--as", "li", "show", &id]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["clocks"][0]["overdue"], true,
        "shown as it would stand then"
    );
    // And the disclosure is logged at the real time, not the claimed one.
    let (_, out, _) = run(&db, &["--as", "admin", "access-log"]);
    let log: Value = serde_json::from_str(&out).expect("json");
    let last = log["entries"]
        .as_array()
        .and_then(|a| a.last())
        .expect("entry");
    assert!(!last["at"].as_str().unwrap_or("").starts_with("2030"));
    // Without --now, writes go through.
    let (code, _, err) = run(&db, &["--as", "li", "transfer", &id, "--to", "c-zjj"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn system_is_a_reserved_actor() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    let (exit, code, _) = env.err(Some("system"), T0, &["withdraw", &id, "--reason", "r"]);
    assert_eq!((exit, code.as_str()), (3, "not_found"));
    let (exit, code, _) = env.err(
        Some("admin"),
        T0,
        &[
            "staff", "add", "system", "--name", "S", "--role", "clerk", "--unit", "t",
        ],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
}

// ---- proof that nothing was changed ----

#[test]
fn verify_catches_every_edit_behind_the_tools_back() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    let ok = verify_ok(&env.db);
    assert_eq!(ok["head"]["hash"].as_str().map(str::len), Some(64));
    let pristine = env.dir.path().join("pristine.db");
    let (code, _, _) = run(
        &env.db,
        &["--as", "admin", "backup", pristine.to_str().expect("p")],
    );
    assert_eq!(code, 0);
    let fresh = |name: &str| {
        let p = env.dir.path().join(name);
        std::fs::copy(&pristine, &p).expect("copy");
        p
    };
    let cases: &[(&str, &str, &str)] = &[
        (
            "a clerk made admin",
            "UPDATE staff SET body = replace(body, '\"role\":\"clerk\"', '\"role\":\"admin\"') WHERE id = 'li';",
            "table staff, key li",
        ),
        (
            "a policy row changed",
            r#"INSERT OR REPLACE INTO settings(key, value) VALUES ('policy', '{"timezone":"+08:00","roll_over":true,"intake_days":15,"acceptance_days":15,"objection_working_days":5,"handling_days":600,"max_extension_days":30,"assist_lead_days":10,"review_request_days":30,"review_days":30,"rereview_request_days":30,"rereview_days":30,"evaluation_days":30,"reminder_working_days":5,"supervision_days":15,"notice_days":10}');"#,
            "key policy",
        ),
        (
            "every due date moved",
            "UPDATE clocks SET due = '2099-12-31';",
            "table clocks",
        ),
        ("counters zeroed", "UPDATE stats SET n = 0;", "table stats"),
        (
            "a case row's state",
            "UPDATE cases SET state = 'closed';",
            "table cases",
        ),
        (
            "a repeat-detection key removed",
            "DELETE FROM identities WHERE key = (SELECT min(key) FROM identities);",
            "table identities",
        ),
        (
            "a unit slipped into a case's visibility index",
            "INSERT INTO case_units(case_id, unit) SELECT id, 'city-court' FROM cases LIMIT 1;",
            "table case_units",
        ),
        (
            "the case counter rewound",
            "UPDATE counters SET next = 0;",
            "table counters",
        ),
        (
            "the last events deleted",
            "DELETE FROM chain WHERE gseq > (SELECT max(gseq) - 2 FROM chain);",
            "table cases",
        ),
    ];
    for (i, (what, script, want)) in cases.iter().enumerate() {
        let db = fresh(&format!("t{i}.db"));
        behind_the_back(&db, script);
        let msg = verify_fails(&db, &[]);
        assert!(msg.contains(want), "{what}: {msg}");
    }
    // A chain cut short and its derived rows "repaired" by hand still fails against an anchor.
    let anchors = env.dir.path().join("anchors.txt");
    let (_, line, _) = run(&env.db, &["verify", "--anchor-line"]);
    std::fs::write(&anchors, &line).expect("anchors");
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        fields.len(),
        4,
        "POSITION HASH ACCESS_POSITION ACCESS_HASH: {line}"
    );
    let (pos, hash) = (fields[0], fields[1]);
    assert_eq!(hash.len(), 64);
    let db = fresh("cut.db");
    behind_the_back(&db, &format!("DELETE FROM chain WHERE gseq = {pos};"));
    let msg = verify_fails(&db, &["--anchors", anchors.to_str().expect("p")]);
    assert!(msg.contains("entries were removed"), "{msg}");
    let (code, out, err) = run(
        &pristine,
        &["verify", "--anchors", anchors.to_str().expect("p")],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json")["anchors"],
        1
    );
}

#[test]
fn verify_refuses_empty_and_foreign_files_and_never_writes() {
    let dir = tempfile::tempdir().expect("dir");
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("write");
    let (code, _, err) = run(&empty, &["verify"]);
    assert_eq!(code, 5, "{err}");
    assert_eq!(
        std::fs::metadata(&empty).expect("meta").len(),
        0,
        "still empty"
    );
    let foreign = dir.path().join("foreign.db");
    sql(&foreign, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    let before = std::fs::read(&foreign).expect("read");
    let (code, _, _) = run(&foreign, &["verify"]);
    assert_eq!(code, 5);
    assert_eq!(std::fs::read(&foreign).expect("read"), before);
    let missing = dir.path().join("missing.db");
    let (code, _, _) = run(&missing, &["verify"]);
    assert_eq!(code, 3);
    let names = file_names(dir.path());
    assert_eq!(names, ["empty.db", "foreign.db"], "no file created");
    // And on a real database, no -wal or -shm appears.
    let env = Env::new();
    env.register(T0, &[]);
    let before = file_names(env.dir.path());
    verify_ok(&env.db);
    assert_eq!(file_names(env.dir.path()), before);
}

#[test]
fn a_write_refuses_a_chain_whose_last_entry_does_not_hash() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    sql(
        &env.db,
        "DROP TRIGGER chain_no_update; UPDATE chain SET body = replace(body, '房屋漏水', '已解决') WHERE gseq = (SELECT max(gseq) FROM chain);",
    );
    let before = env.bytes();
    let (exit, code, _) = env.err(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    assert_eq!((exit, code.as_str()), (5, "integrity"));
    assert_eq!(env.bytes(), before);
}

// ---- import and export ----

/// The export of a small history, as lines.
fn export_lines(env: &Env) -> Vec<String> {
    let file = env.export_chain("2026-03-10", "full.jsonl");
    std::fs::read_to_string(&file)
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn import_runs_every_event_through_the_rules() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    let lines = export_lines(&env);
    let entries: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let (code, err) = import(&env, "honest", &rehash(&entries));
    assert_eq!(code, 0, "a re-hashed honest file imports: {err}");
    let accepted = entries
        .iter()
        .find(|e| e["type"] == "accepted")
        .expect("accepted")
        .clone();
    let event = |ty: &str, actor: &str, extra: Value| {
        let mut e = json!({
            "case": id, "seq": 4, "type": ty, "at": "2026-03-05T09:00:00+08:00",
            "actor": actor, "unit": "c-zjj",
        });
        for (k, v) in extra.as_object().expect("obj") {
            e[k] = v.clone();
        }
        e
    };
    let due = accepted["clocks"][0]["due"].clone();
    let attacks: Vec<(&str, Value, &str)> = vec![
        (
            "a 365-day extension by a staff member who does not exist",
            event(
                "extended",
                "ghost",
                json!({"days": 365, "reason": "r", "due": due}),
            ),
            "no staff member ghost",
        ),
        (
            "a 365-day extension by the real head",
            event(
                "extended",
                "zhang",
                json!({"days": 365, "reason": "r", "due": due}),
            ),
            "extension_limit",
        ),
        (
            "a merge into a case that does not exist",
            event("merged", "wang", json!({"into": "XF2026-000099"})),
            "not_found",
        ),
        (
            "an answer by a unit that does not hold the case",
            json!({"case": id, "seq": 4, "type": "opinion_issued", "at": "2026-03-05T09:00:00+08:00",
                   "actor": "li", "unit": "c-xfj", "outcome": "supported", "text": "t",
                   "without_assist": null, "clocks": []}),
            "permission_denied",
        ),
        (
            "a planted admin added by a clerk",
            json!({"type": "staff_added", "at": "2026-03-05T09:00:00+08:00", "actor": "li",
                   "staff": {"id": "mole", "name": "M", "unit": null, "role": "admin"}}),
            "permission_denied",
        ),
        (
            "a second initialisation",
            json!({"type": "initialized", "at": "2026-03-05T09:00:00+08:00", "actor": "mole",
                   "admin": {"id": "mole", "name": "M", "unit": null, "role": "admin"}, "clock": "simulated"}),
            "a second initialisation",
        ),
    ];
    for (i, (what, bad, want)) in attacks.into_iter().enumerate() {
        let mut forged = entries.clone();
        forged.push(as_if_recorded(&entries, bad));
        let (code, err) = import(&env, &format!("attack{i}"), &rehash(&forged));
        assert_eq!(code, 5, "{what}: {err}");
        assert!(
            err.contains(&format!("line {}", forged.len())),
            "{what}: the line is named: {err}"
        );
        assert!(err.contains(want), "{what}: {err}");
        assert!(
            !env.dir.path().join(format!("attack{i}.db")).exists(),
            "{what}: no database left"
        );
    }
    // Editing an earlier event's data (a later due date) is refused too.
    let mut edited = entries.clone();
    let k = edited
        .iter()
        .position(|e| e["type"] == "accepted")
        .expect("accepted");
    edited[k]["clocks"][0]["due"] = json!("2099-12-31");
    let (code, err) = import(&env, "edited", &rehash(&edited));
    assert_eq!(code, 5, "{err}");
    assert!(err.contains(&format!("line {}", k + 1)), "{err}");
}

#[test]
fn an_import_never_touches_an_existing_target_and_two_imports_do_not_mix() {
    let env = Env::new();
    for _ in 0..20 {
        env.register(T0, &[]);
    }
    let lines = export_lines(&env);
    let file = env.dir.path().join("all.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    let target = env.dir.path().join("target.db");
    let spawn = {
        let (target, file) = (target.clone(), file.clone());
        move || {
            Command::new(bin())
                .arg("--db")
                .arg(&target)
                .arg("--json")
                .arg("import")
                .arg(&file)
                .output()
        }
    };
    let a = std::thread::spawn({
        let spawn = spawn.clone();
        move || spawn().expect("run")
    });
    let b = std::thread::spawn(move || spawn().expect("run"));
    let (a, b) = (a.join().expect("a"), b.join().expect("b"));
    let ok = [a.status.success(), b.status.success()];
    assert!(ok.contains(&true), "one import wins");
    assert!(
        !(ok[0] && ok[1]),
        "the other finds the target taken and leaves it alone"
    );
    assert_eq!(verify_ok(&target)["cases"], 20);
    // An existing target is refused and left byte for byte.
    let before = std::fs::read(&target).expect("read");
    let (code, _, _) = run(&target, &["import", file.to_str().expect("p")]);
    assert_eq!(code, 2);
    assert_eq!(std::fs::read(&target).expect("read"), before);
    let leftovers: Vec<String> = file_names(env.dir.path())
        .into_iter()
        .filter(|n| n.contains("importing"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_masked_export_carries_no_digest_of_the_masked_data() {
    // Measured before: a SHA-256 over the unmasked entry let the masked birth date and phone
    // digits be brute-forced back in 100 s.
    let env = Env::new();
    env.register(T0, &[]);
    let (code, out, _) = {
        let o = env.raw(Some("admin"), T0, false, &["export", "--format", "jsonl"]);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            (),
        )
    };
    assert_eq!(code, Some(0));
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).expect("json");
        assert!(v.get("hash").is_none(), "no hash: {line}");
        assert_eq!(v["masked"], true);
        assert!(
            !line.contains("19491231") && !line.contains("1234567"),
            "{line}"
        );
        for (_, x) in v.as_object().expect("obj") {
            if let Some(s) = x.as_str() {
                assert!(unhex(s).is_none(), "no 64-hex digest anywhere: {line}");
            }
        }
    }
    // And a clerk may not export the chain at all.
    let (exit, code, _) = env.err(Some("li"), T0, &["export", "--format", "jsonl"]);
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
}

#[test]
fn out_never_overwrites_the_database_never_follows_a_link_and_csv_cells_cannot_run() {
    let env = Env::new();
    let args = register_args("=HYPERLINK(\"http://x\",\"y\")", "甲", &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let id = env.ok(Some("li"), T0, &args)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let before = env.bytes();
    for target in [
        env.db.clone(),
        env.db.with_extension("db-wal"),
        env.dir.path().join(".").join("p.db"),
    ] {
        let (exit, code, _) = env.err(
            Some("admin"),
            T0,
            &[
                "export",
                "--format",
                "csv",
                "--out",
                target.to_str().expect("p"),
            ],
        );
        assert_eq!((exit, code.as_str()), (1, "validation"), "{target:?}");
    }
    assert_eq!(env.bytes(), before, "the database is untouched");
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    // A link at --out is replaced, never followed.
    let victim = env.dir.path().join("victim.txt");
    std::fs::write(&victim, b"keep me").expect("write");
    let link = env.dir.path().join("notice.txt");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    env.ok(
        Some("li"),
        T0,
        &[
            "notice",
            &id,
            "--kind",
            "routing",
            "--out",
            link.to_str().expect("p"),
        ],
    )
    .to_string();
    let _ = std::fs::remove_file(&link);
    let link2 = env.dir.path().join("n2.txt");
    std::os::unix::fs::symlink(&victim, &link2).expect("symlink");
    let o = env.raw(
        Some("admin"),
        T0,
        false,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            link2.to_str().expect("p"),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&victim).expect("read"), b"keep me");
    assert!(!std::fs::symlink_metadata(&link2)
        .expect("meta")
        .file_type()
        .is_symlink());
    let csv = std::fs::read_to_string(&link2).expect("csv");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(
        !csv.contains(",=HYPERLINK") && !csv.contains("\"=HYPERLINK"),
        "{csv}"
    );
}

// ---- merge and evaluate ----

#[test]
fn merge_cannot_bury_a_case_or_hand_an_accusation_to_the_accused() {
    let env = Env::new();
    let overdue = env.register(T0, &[]);
    let mut other = register_args("道路破损", "钱某", &["--phone", "13900000000"]);
    other[8] = "roads.repair".into();
    let other: Vec<&str> = other.iter().map(String::as_str).collect();
    let unrelated = env.ok(Some("li"), T0, &other)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (exit, code, _) = env.err(
        Some("li"),
        "2026-04-01",
        &["merge", &overdue, "--into", &unrelated],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
    // An accusation against the county housing bureau, and a case of the same petitioner that
    // the bureau handles.
    let accusation = env.register(T0, &["--accused-unit", "c-zjj"]);
    let handled = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &handled, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &handled]);
    let (exit, code, _) = env.err(Some("li"), T0, &["merge", &accusation, "--into", &handled]);
    assert_eq!((exit, code.as_str()), (1, "confidentiality"));
    // The same petitioner's open case: fine.
    let v = env.ok(Some("li"), T0, &["merge", &overdue, "--into", &accusation]);
    assert_eq!(v["state"], "merged");
}

#[test]
fn the_rated_unit_cannot_block_the_petitioners_rating() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), T0, &["accept", &id]);
    env.ok(
        Some("wang"),
        "2026-03-10",
        &["opinion", &id, "--outcome", "supported", "--text", "同意"],
    );
    let (exit, code, _) = env.err(
        Some("wang"),
        "2026-03-11",
        &["evaluate", &id, "--handling", "satisfied"],
    );
    assert_eq!((exit, code.as_str()), (1, "permission_denied"));
    let v = env.ok(
        Some("li"),
        "2026-03-12",
        &["evaluate", &id, "--handling", "dissatisfied"],
    );
    assert_eq!(v["evaluations"][0]["handling"], "dissatisfied");
}

// ---- errors ----

#[test]
fn odd_arguments_and_endless_input_never_panic_or_hang() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let o = Command::new(bin())
        .arg("--db")
        .arg(&env.db)
        .arg("--json")
        .arg("show")
        .arg(std::ffi::OsStr::from_bytes(b"XF2026-\xff\xfe"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    let (exit, code, _) = env.err(Some("li"), T0, &["list", "--due-within", "4294967295"]);
    assert_eq!((exit, code.as_str()), (1, "validation"));
    let args = register_args("s", "甲", &["--content-file", "/dev/zero"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (exit, code, _) = env.err(Some("li"), T0, &args);
    assert_eq!((exit, code.as_str()), (1, "validation"));
    // --db at a directory is the operating system's refusal: io.
    let (code, _, err) = run(env.dir.path(), &["--as", "li", "list"]);
    assert_eq!(code, 74, "{err}");
    // A usage error with --json names what is missing.
    let (code, _, err) = run(&env.db, &["--as", "li", "transfer"]);
    assert_eq!(code, 2);
    assert!(err.contains("CASE") && err.contains("--to"), "{err}");
}

#[test]
fn the_busy_wait_is_what_the_environment_says_in_total() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    // Another writer, outside petition (its transactions open only inside the library).
    let lock = rusqlite::Connection::open(&env.db).expect("open");
    lock.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let started = std::time::Instant::now();
    let o = Command::new(bin())
        .env("PETITION_BUSY_TIMEOUT_MS", "1200")
        .arg("--db")
        .arg(&env.db)
        .args([
            "--json", "--now", T0, "--as", "li", "transfer", &id, "--to", "c-zjj",
        ])
        .output()
        .expect("run");
    let waited = started.elapsed();
    drop(lock);
    assert_eq!(o.status.code(), Some(4));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1200 ms") && !err.contains("clerk"), "{err}");
    // Three retries of the full wait took 3.6 s before; one wait is 1.2 s. The bound is loose on
    // purpose (a slow machine), but below two waits.
    assert!(
        waited < std::time::Duration::from_millis(2300),
        "waited {waited:?}"
    );
}
