//! Evidence without gaps: attacks on what `verify`, `import` and the input rules prove, each a
//! regression test that failed before its fix. RELIABILITY.md lists them with their outcome.

use std::path::PathBuf;

use petition_tests::evidence::{
    as_if_recorded, behind_the_back, exported, import, last_entry, rehash, reseal, run, sql,
    verify_fails, verify_ok,
};
use petition_tests::{fresh_pg_db, register_args, test_pg, Env};
use serde_json::{json, Value};

const T0: &str = "2026-03-02";

/// A copy of the environment's database, to tamper with.
fn copy_of(env: &Env, name: &str) -> PathBuf {
    let p = env.dir.path().join(name);
    let (code, _, err) = run(
        &env.db,
        &["--as", "admin", "backup", p.to_str().expect("p")],
    );
    assert_eq!(code, 0, "{err}");
    p
}

#[test]
fn verify_compares_every_column_of_the_case_row() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    for (column, script) in [
        ("officer", "UPDATE cases SET officer = 'li';"),
        (
            "registered_at",
            "UPDATE cases SET registered_at = '2026-03-01T08:00:00+08:00';",
        ),
    ] {
        let db = copy_of(&env, &format!("{column}.db"));
        sql(&db, script);
        let msg = verify_fails(&db, &[]);
        assert!(
            msg.contains(&format!("table cases, key {id}: column {column}")),
            "{column}: {msg}"
        );
    }
}

#[test]
fn verify_names_the_staff_row_that_was_slipped_in() {
    let env = Env::new();
    env.register(T0, &[]);
    let db = copy_of(&env, "staff.db");
    // A staff id sorting before every real one, so a comparison by position blames another row.
    sql(
        &db,
        r#"INSERT INTO staff(id, body) VALUES ('aaa', '{"id":"aaa","name":"X","unit":"c-xfj","role":"admin","active":true}');"#,
    );
    let msg = verify_fails(&db, &[]);
    assert!(
        msg.contains("table staff, key aaa: is a row the chain does not give"),
        "{msg}"
    );
}

#[test]
fn a_database_whose_tables_were_emptied_does_not_verify() {
    let env = Env::new();
    env.register(T0, &[]);
    let db = copy_of(&env, "emptied.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'case_text_%'",
        )
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("names");
    drop(conn);
    let script: String = tables.iter().map(|t| format!("DELETE FROM {t};")).collect();
    behind_the_back(&db, &format!("PRAGMA foreign_keys = OFF; {script}"));
    let msg = verify_fails(&db, &[]);
    assert!(msg.contains("audit chain: empty"), "{msg}");
}

#[test]
fn an_empty_postgresql_database_does_not_verify_and_stays_empty() {
    let Some(url) = test_pg() else { return };
    let db = PathBuf::from(fresh_pg_db(&url));
    let (code, _, err) = run(&db, &["verify"]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("not a petition database"), "{err}");
    // Nothing was created: the schema has no tables.
    let schema = db
        .to_str()
        .and_then(|u| u.rsplit("search_path%3D").next())
        .expect("schema")
        .to_string();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("server");
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&schema],
        )
        .expect("count")
        .get(0);
    assert_eq!(n, 0, "verify created tables in {schema}");
}

/// The chain of a small history, as a live database (`system` clock) would have written it.
fn live_chain(env: &Env) -> Vec<Value> {
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    let mut entries = exported(env, "2026-03-10");
    entries[0]["clock"] = json!("system");
    entries
}

#[test]
fn import_refuses_a_live_chain_whose_times_go_back() {
    let env = Env::new();
    let entries = live_chain(&env);
    let (code, err) = import(&env, "honest", &rehash(&entries));
    assert_eq!(code, 0, "the honest chain imports: {err}");
    // A staff member added "in 2030", before the entries of 2026 that follow.
    let mut forged = entries.clone();
    let first_case = forged
        .iter()
        .position(|e| e.get("case").is_some())
        .expect("a case event");
    let mole = json!({"type": "staff_added", "at": "2030-01-01T09:00:00+08:00", "actor": "admin",
                      "staff": {"id": "mole", "name": "M", "unit": "c-xfj", "role": "clerk"}});
    forged.insert(first_case, as_if_recorded(&entries[..first_case], mole));
    let (code, err) = import(&env, "backwards", &rehash(&forged));
    assert_eq!(code, 5, "{err}");
    let line = format!("line {}", first_case + 2);
    assert!(
        err.contains(&line),
        "the first entry timed before it: {err}"
    );
    assert!(err.contains("never go back"), "{err}");
    assert!(!env.dir.path().join("backwards.db").exists());
}

#[test]
fn import_refuses_a_token_that_outlives_the_longest_validity() {
    let env = Env::new();
    let mut entries = live_chain(&env);
    let token = |days: i64| {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-10T09:00:00+08:00").expect("t");
        json!({"type": "token_issued", "at": at.to_rfc3339(), "actor": "admin", "staff": "li",
               "sha256": "ab".repeat(32),
               "expires_at": (at + chrono::Duration::days(days)).to_rfc3339()})
    };
    let (year, long) = (
        as_if_recorded(&entries, token(366)),
        as_if_recorded(&entries, token(431)),
    );
    entries.push(year);
    let (code, err) = import(&env, "year", &rehash(&entries));
    assert_eq!(code, 0, "a token of 366 days imports: {err}");
    entries.pop();
    entries.push(long);
    let (code, err) = import(&env, "long", &rehash(&entries));
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("outlives the longest validity of 366 days"),
        "{err}"
    );
}

/// `register` with this petitioner name and phone and `extra` (no id number): the answer, or the
/// error document.
fn register_named(env: &Env, now: &str, name: &str, summary: &str, extra: &[&str]) -> Value {
    let mut more = vec!["--phone", "13900001111"];
    more.extend_from_slice(extra);
    let owned = register_args(summary, name, &more);
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    let o = env.raw(Some("li"), now, true, &args);
    if o.status.success() {
        serde_json::from_slice(&o.stdout).expect("json")
    } else {
        let err = String::from_utf8_lossy(&o.stderr);
        serde_json::from_str(err.lines().last().unwrap_or("")).expect("error json")
    }
}

#[test]
fn invisible_and_direction_changing_characters_are_refused() {
    let env = Env::new();
    for (what, name, summary) in [
        (
            "a right-to-left override in a name",
            "赵\u{202E}某",
            "房屋漏水",
        ),
        ("a zero-width space in a name", "赵\u{200B}某", "房屋漏水"),
        ("a byte-order mark in a name", "\u{FEFF}赵某", "房屋漏水"),
        (
            "a line separator in the summary",
            "赵某",
            "房屋\u{2028}漏水",
        ),
        (
            "a left-to-right isolate in the summary",
            "赵某",
            "房屋\u{2066}漏水",
        ),
    ] {
        let v = register_named(&env, T0, name, summary, &[]);
        assert_eq!(v["error"]["code"], "validation", "{what}: {v}");
    }
    // Nothing was registered.
    let v = env.ok(Some("li"), T0, &["list"]);
    assert_eq!(v["cases"].as_array().map(Vec::len), Some(0));
    // Staff and unit names too.
    let (exit, code, _) = env.err(
        Some("admin"),
        T0,
        &[
            "staff",
            "add",
            "mole",
            "--name",
            "王\u{202E}芳",
            "--role",
            "clerk",
            "--unit",
            "c-xfj",
        ],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
}

#[test]
fn one_spelling_is_one_petitioner_for_repeat_detection() {
    // "José" typed composed, then pasted decomposed (e + combining acute): the same person.
    let env = Env::new();
    let first = register_named(&env, T0, "Jos\u{E9}", "房屋漏水", &[]);
    let id = first["id"].as_str().expect("id").to_string();
    let again = register_named(&env, "2026-03-03", "Jose\u{301}", "房屋漏水", &[]);
    assert_eq!(again["repeat_of"], id, "{again}");
    let shown = env.ok(
        Some("li"),
        "2026-03-03",
        &["show", again["id"].as_str().expect("id")],
    );
    assert_eq!(shown["petitioners"][0]["name"], "Jos\u{E9}", "kept in NFC");
}

#[test]
fn no_accepted_time_can_make_the_chain_unreadable() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    for (what, now, extra) in [
        (
            "the year 10000 in UTC",
            "9999-12-31T23:00:00-08:00",
            &[][..],
        ),
        (
            "more than ten years after the last entry",
            "2036-12-31",
            &[][..],
        ),
        ("before 2000", "1999-12-31", &[][..]),
        (
            "a time of receipt before 2000",
            T0,
            &["--received-at", "1999-12-31T09:00:00+08:00"][..],
        ),
    ] {
        let v = register_named(&env, now, "钱某", "房屋漏水", extra);
        assert_eq!(v["error"]["code"], "validation", "{what}: {v}");
    }
    // A supervision answered in the year 9999 is out of the policy's reach, and a report date
    // past 9999 cannot be typed: the database stays whole.
    let (exit, code, _) = env.err(
        Some("li"),
        T0,
        &["assign", &id, "--to", "c-zjj", "--report-by", "1999-01-01"],
    );
    assert_eq!((exit, code.as_str()), (1, "validation"));
    let (code, _, err) = run(&env.db, &["verify"]);
    assert_eq!(code, 0, "{err}");
    env.ok(None, "2026-04-01", &["tick"]);
}

#[test]
fn a_failed_backup_leaves_nothing_and_says_what_to_do() {
    let env = Env::new();
    env.register(T0, &[]);
    // Only an admin backs up (it holds every case with its personal data).
    let dest = env.dir.path().join("b.db");
    let (code, _, err) = run(
        &env.db,
        &["--as", "li", "backup", dest.to_str().expect("p")],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("permission_denied"), "{err}");
    // Into a directory that does not exist: an OS error in words, nothing left behind.
    let missing = env.dir.path().join("no-such-dir").join("b.db");
    let (code, _, err) = run(
        &env.db,
        &["--as", "admin", "backup", missing.to_str().expect("p")],
    );
    assert_eq!(code, 74, "{err}");
    assert!(err.contains("nothing was left behind"), "{err}");
    assert!(err.contains("check that the directory exists"), "{err}");
    let before: Vec<_> = std::fs::read_dir(env.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert!(
        !before
            .iter()
            .any(|n| n.to_string_lossy().contains("partial")),
        "{before:?}"
    );
    // The retry goes through, and the backup is in the access log under the admin's name.
    let (code, _, err) = run(
        &env.db,
        &["--as", "admin", "backup", dest.to_str().expect("p")],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&dest, &["verify"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&env.db, &["--as", "admin", "access-log"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backup") && out.contains("admin"), "{out}");
    let (code, _, err) = run(
        &env.db,
        &["--as", "admin", "backup", dest.to_str().expect("p")],
    );
    assert_eq!(code, 2, "an existing file is never replaced: {err}");
}

#[test]
fn a_planted_dropped_or_extra_schema_object_fails_verify() {
    let env = Env::new();
    env.register(T0, &[]);
    for (what, script, want) in [
        (
            "a trigger that silences the access log",
            "CREATE TRIGGER quiet BEFORE INSERT ON access_log BEGIN SELECT RAISE(IGNORE); END;",
            "schema: a trigger quiet on access_log that petition did not make",
        ),
        (
            "the append-only trigger dropped",
            "DROP TRIGGER chain_no_delete;",
            "schema: the trigger chain_no_delete on chain that petition made is missing",
        ),
        (
            "an extra table",
            "CREATE TABLE notes(x);",
            "schema: a table notes that petition did not make",
        ),
        (
            "an extra index",
            "CREATE INDEX peek ON cases(holder);",
            "schema: a index peek on cases that petition did not make",
        ),
        (
            "an append-only trigger rewritten to do nothing",
            "DROP TRIGGER access_log_no_delete; CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT 1; END;",
            "schema: the trigger access_log_no_delete on access_log was changed",
        ),
    ] {
        let db = copy_of(&env, "schema.db");
        sql(&db, script);
        let msg = verify_fails(&db, &[]);
        assert!(msg.contains(want), "{what}: {msg}");
        std::fs::remove_file(&db).expect("rm");
    }
    // A disclosure after the planted trigger would have gone unrecorded: the show still works,
    // and verify names the trigger.
    let db = copy_of(&env, "quiet.db");
    sql(
        &db,
        "CREATE TRIGGER quiet BEFORE INSERT ON access_log BEGIN SELECT RAISE(IGNORE); END;",
    );
    let msg = verify_fails(&db, &[]);
    assert!(msg.contains("quiet"), "{msg}");
}

#[test]
fn a_disabled_or_emptied_trigger_on_postgresql_fails_verify() {
    let Some(env) = Env::new_pg() else { return };
    env.register(T0, &[]);
    let url = env.db.to_str().expect("url").to_string();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("server");
    let (code, _, err) = run(&env.db, &["verify"]);
    assert_eq!(code, 0, "{err}");
    for (what, script, undo, want) in [
        (
            "the append-only trigger disabled",
            "ALTER TABLE access_log DISABLE TRIGGER access_log_append_only",
            "ALTER TABLE access_log ENABLE TRIGGER access_log_append_only",
            "the trigger access_log_append_only on access_log was changed",
        ),
        (
            "the append-only function made to let everything through",
            "CREATE OR REPLACE FUNCTION petition_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            "CREATE OR REPLACE FUNCTION petition_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
            "the function petition_append_only was changed",
        ),
        (
            "a trigger that drops every disclosure",
            "CREATE TRIGGER quiet BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION petition_append_only()",
            "DROP TRIGGER quiet ON access_log",
            "a trigger quiet on access_log that petition did not make",
        ),
    ] {
        client.batch_execute(script).expect(what);
        let msg = verify_fails(&env.db, &[]);
        assert!(msg.contains(want), "{what}: {msg}");
        client.batch_execute(undo).expect("undo");
        let (code, _, err) = run(&env.db, &["verify"]);
        assert_eq!(code, 0, "after undoing {what}: {err}");
    }
}

/// A database whose access log has entries older than the chain's last entry: a disclosure
/// (`show` by the registering unit), then a command.
fn shown_then_routed() -> Env {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["show", &id]);
    env.ok(Some("li"), T0, &["show", &id]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env
}

#[test]
fn the_access_log_cannot_be_cut_or_erased_unseen() {
    let env = shown_then_routed();
    let (code, out, err) = run(&env.db, &["verify"]);
    assert_eq!(code, 0, "{err}");
    let head: Value = serde_json::from_str(&out).expect("json");
    let logged = head["access_head"]["position"].as_u64().expect("position");
    assert!(logged >= 2, "{head}");
    for (what, script) in [
        (
            "its tail cut",
            format!("DELETE FROM access_log WHERE pos >= {};", logged - 1),
        ),
        ("every entry erased", "DELETE FROM access_log;".to_string()),
    ] {
        let db = copy_of(&env, "cut.db");
        behind_the_back(&db, &script);
        let msg = verify_fails(&db, &[]);
        assert!(msg.contains("entries were removed"), "{what}: {msg}");
        std::fs::remove_file(&db).expect("rm");
    }
    // An entry rewritten and the log re-hashed from there on: the chain recorded the old hash.
    let db = copy_of(&env, "rewritten.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT pos, body FROM access_log ORDER BY pos")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    drop(conn);
    let mut prev = petition_core::audit::GENESIS;
    let mut script = String::new();
    for (pos, body) in rows {
        let body = body.replace("\"li\"", "\"zhao\"");
        let h = petition_core::audit::chain_hash(&prev, &body);
        prev = h;
        script.push_str(&format!(
            "UPDATE access_log SET body = '{body}', staff = 'zhao', hash = X'{}' WHERE pos = {pos};",
            petition_core::audit::hex(&h)
        ));
    }
    behind_the_back(&db, &script);
    let msg = verify_fails(&db, &[]);
    assert!(msg.contains("the access log was rewritten"), "{msg}");
}

#[test]
fn the_anchor_line_covers_the_access_log_too() {
    let env = shown_then_routed();
    let anchors = env.dir.path().join("anchors.txt");
    let (code, line, err) = run(&env.db, &["verify", "--anchor-line"]);
    assert_eq!(code, 0, "{err}");
    // A disclosure after the chain's last entry: only the anchor records it.
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["show", &id]);
    let (_, later, _) = run(&env.db, &["verify", "--anchor-line"]);
    let two_fields: Vec<&str> = line.split_whitespace().take(2).collect();
    std::fs::write(&anchors, format!("{line}{later}{}\n", two_fields.join(" "))).expect("anchors");
    let (code, out, err) = run(
        &env.db,
        &["verify", "--anchors", anchors.to_str().expect("p")],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json")["anchors"],
        3
    );
    let fields: Vec<&str> = later.split_whitespace().collect();
    let db = copy_of(&env, "tail.db");
    behind_the_back(
        &db,
        &format!("DELETE FROM access_log WHERE pos >= {};", fields[2]),
    );
    let (code, _, err) = run(&db, &["verify"]);
    assert_eq!(
        code, 0,
        "a disclosure after the chain's last entry: only an anchor sees it: {err}"
    );
    let msg = verify_fails(&db, &["--anchors", anchors.to_str().expect("p")]);
    assert!(msg.contains("an anchor recorded it"), "{msg}");
}

#[test]
fn a_copy_carries_the_access_log() {
    let env = shown_then_routed();
    let to = env.dir.path().join("copy.db");
    let (code, _, err) = run(
        &env.db,
        &[
            "--as",
            "admin",
            "copy",
            "--from",
            env.db.to_str().expect("p"),
            "--to",
            to.to_str().expect("p"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (_, a, _) = run(&env.db, &["verify"]);
    let (code, b, err) = run(&to, &["verify"]);
    assert_eq!(code, 0, "{err}");
    let (a, b): (Value, Value) = (
        serde_json::from_str(&a).expect("json"),
        serde_json::from_str(&b).expect("json"),
    );
    assert_eq!(a["head"], b["head"]);
    assert_eq!(a["access_head"], b["access_head"], "the same access log");
}

#[test]
fn an_import_of_nothing_never_reports_success() {
    let env = Env::new();
    for (name, text) in [
        ("empty", ""),
        (
            "access-only",
            "{\"access_log\":{\"pos\":1},\"hash\":\"00\"}\n",
        ),
    ] {
        let (code, err) = import(&env, name, text.as_bytes());
        assert_eq!(code, 5, "{name}: {err}");
        assert!(
            !env.dir.path().join(format!("{name}.db")).exists(),
            "{name}"
        );
    }
    let (_, err) = import(&env, "empty", b"");
    assert!(err.contains("nothing to build a database from"), "{err}");
}

#[test]
fn a_live_chain_written_before_the_order_of_times_was_kept_still_loads() {
    // Before this rule, a tick's batch could seal a time a clerk had already passed: a chain of
    // that age (its entries record no access-log head) imports and verifies as it was written.
    let env = Env::new();
    let mut entries: Vec<Value> = live_chain(&env)
        .into_iter()
        .filter(|e| e.get("access_log").is_none())
        .map(|mut e| {
            e.as_object_mut().expect("object").remove("access");
            e
        })
        .collect();
    let first_case = entries
        .iter()
        .position(|e| e.get("case").is_some())
        .expect("a case event");
    let before =
        chrono::DateTime::parse_from_rfc3339(entries[first_case]["at"].as_str().expect("at"))
            .expect("time")
            - chrono::Duration::seconds(1);
    entries.insert(
        first_case + 1,
        json!({"type": "staff_added", "at": before.to_rfc3339(), "actor": "admin",
               "staff": {"id": "late", "name": "L", "unit": "c-xfj", "role": "clerk"}}),
    );
    let (code, err) = import(&env, "older", &rehash(&entries));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&env.dir.path().join("older.db"), &["verify"]);
    assert_eq!(code, 0, "{err}");
}

/// The position of case event `seq` of case `id` in a SQLite database's chain.
fn position_of(db: &std::path::Path, id: &str, seq: u32) -> u64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(
        "SELECT gseq FROM chain WHERE case_id = ?1 AND seq = ?2",
        rusqlite::params![id, seq],
        |r| r.get::<_, i64>(0),
    )
    .expect("gseq") as u64
}

#[test]
fn a_resealed_entry_fails_verify_unless_the_rules_give_it() {
    let env = Env::new();
    let id = env.register(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", "c-zjj"]);
    env.ok(Some("wang"), "2026-03-03", &["accept", &id]);
    verify_ok(&env.db);
    let accepted = position_of(&env.db, &id, 3);

    // The acceptance rewritten as the petition office clerk's (not of the competent unit),
    // every later hash recomputed: the chain hashes, the derived rows are untouched.
    let db = copy_of(&env, "actor.db");
    reseal(&db, accepted, |v| {
        v["actor"] = json!("li");
        v["unit"] = json!("c-xfj");
    });
    let msg = verify_fails(&db, &[]);
    assert!(
        msg.contains(&format!(
            "audit chain, entry {accepted} (case {id}, event 3, `accepted`)"
        )) && msg.contains("not what the rules give"),
        "{msg}"
    );

    // The last event appended again at the end, sealed onto the head: its command (an
    // acceptance) cannot be given twice, whatever the hash.
    let db = copy_of(&env, "appended.db");
    let mut last = last_entry(&db);
    let next = last["gseq"].as_u64().expect("gseq") + 1;
    last["seq"] = json!(last["seq"].as_u64().expect("seq") + 1);
    let forged = last.clone();
    reseal(&db, next, move |v| *v = forged);
    let msg = verify_fails(&db, &[]);
    assert!(msg.contains("not what the rules give"), "{msg}");

    // A registration whose recorded earlier case was dropped: the rules find it again.
    let env2 = Env::new();
    let first = env2.register(T0, &[]);
    let second = env2.register("2026-03-04", &[]);
    let reg = position_of(&env2.db, &second, 1);
    let db = copy_of(&env2, "related.db");
    let mut had = Value::Null;
    reseal(&db, reg, |v| {
        had = v["related"].clone();
        v["related"] = json!([]);
        if let Some(m) = v.as_object_mut() {
            m.remove("repeat_of");
        }
    });
    assert_eq!(
        had,
        json!([first]),
        "the second registration names the first"
    );
    let msg = verify_fails(&db, &[]);
    assert!(
        msg.contains(&format!("case {second}, event 1, `registered`")),
        "{msg}"
    );
}

#[test]
fn an_administrative_entry_fails_verify_unless_its_actor_may_make_it() {
    let env = Env::new();
    env.register(T0, &[]);
    // A clerk "adding" an admin: the entry's actor rewritten from the admin to the clerk.
    let db = copy_of(&env, "admin.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let g: i64 = conn
        .query_row(
            "SELECT gseq FROM chain WHERE type = 'staff_added' ORDER BY gseq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("staff_added");
    drop(conn);
    reseal(&db, g as u64, |v| v["actor"] = json!("li"));
    let msg = verify_fails(&db, &[]);
    assert!(
        msg.contains(&format!("audit chain, entry {g}")) && msg.contains("the rules refuse it"),
        "{msg}"
    );
}
