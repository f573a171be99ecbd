//! PostgreSQL only: verify on search rows, repeat registrations, migration 3.

use super::*;

/// PostgreSQL: a search row whose text, document or key was changed, or that is missing, is a
/// problem `verify` names (the documents of a page of cases are checked together).
#[cfg(feature = "postgres")]
#[test]
pub(super) fn postgres_verify_finds_a_changed_or_missing_search_row() {
    let Some(url) = test_pg() else { return };
    let mut svc = Service::with_seed(fresh_pg(&url), 1);
    seed(&mut svc);
    let id = walk(&mut svc);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
    let tampers = [
        format!("UPDATE case_text SET text = '房' WHERE case_id = '{id}'"),
        format!("UPDATE case_text SET doc = 'x'::tsvector WHERE case_id = '{id}'"),
        format!("UPDATE case_text SET num = num + 1 WHERE case_id = '{id}'"),
        format!("DELETE FROM case_text WHERE case_id = '{id}'"),
    ];
    for tamper in tampers {
        svc.store()
            .raw_execute(&format!(
                "BEGIN; CREATE TEMP TABLE keep AS SELECT * FROM case_text; {tamper}; COMMIT;"
            ))
            .expect("tamper");
        let problem = svc.verify(&[]).expect("verify").problem.unwrap_or_default();
        assert!(problem.contains("case_text"), "{tamper}: {problem}");
        svc.store()
            .raw_execute("BEGIN; DELETE FROM case_text; INSERT INTO case_text SELECT * FROM keep; DROP TABLE keep; COMMIT;")
            .expect("restore");
        assert_eq!(svc.verify(&[]).expect("verify").problem, None, "restored");
    }
}

/// PostgreSQL: a registration looks at the petitioner's earlier cases only to see whether the
/// clerk may read them; it takes no lock on them, so it never waits for a clerk who is working
/// on one of them (a lock wait would fail here, after the connection's `lock_timeout`).
#[cfg(feature = "postgres")]
#[test]
pub(super) fn postgres_a_repeat_registration_does_not_wait_on_the_earlier_case() {
    let Some(url) = test_pg() else { return };
    let schema = format!("nolock_{}", std::process::id());
    let mut other = postgres::Client::connect(&url, postgres::NoTls).expect("the test server");
    other
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .expect("drop");
    let mut svc = Service::with_seed(
        PgStore::connect_in(&url, Some(&schema)).expect("connect"),
        1,
    );
    seed(&mut svc);
    let clerk = sid("cty-a-xfj.c");
    let first = clerk_registers(&mut svc, at("2026-03-02"), Channel::Letter).expect("first");
    // Another clerk's transaction holds the earlier case's row, as a command on it does.
    other
        .batch_execute(&format!("SET search_path TO {schema}"))
        .expect("search_path");
    let mut held = other.transaction().expect("begin");
    held.execute(
        "SELECT 1 FROM cases WHERE id = $1 FOR UPDATE",
        &[&first.id.as_str()],
    )
    .expect("lock the earlier case");
    svc.store()
        .raw_execute("SET lock_timeout = '500ms'")
        .expect("lock_timeout");
    let again = clerk_registers(&mut svc, at("2026-03-03"), Channel::Letter)
        .expect("a repeat registration while the earlier case is held");
    assert_eq!(again.repeat_of, Some(first.id.clone()));
    // A command on the held case itself still waits for it, and after the timeout (three tries)
    // says `conflict`: another clerk has the case.
    let e = svc
        .execute_by(
            &clerk,
            at("2026-03-03"),
            &first.id,
            Command::Transfer {
                to: u("cty-a-zjj"),
                note: None,
            },
        )
        .expect_err("the held case");
    assert_eq!(e.code(), "conflict", "{e}");
    held.rollback().expect("release");
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

#[cfg(feature = "postgres")]
#[test]
pub(super) fn postgres_migration_3_fills_the_search_index_from_the_cases() {
    let Some(url) = test_pg() else { return };
    let schema = format!("mig3_{}", std::process::id());
    postgres::Client::connect(&url, postgres::NoTls)
        .and_then(|mut c| c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
        .expect("the test server");
    let store = PgStore::connect_in(&url, Some(&schema)).expect("connect");
    let mut svc = Service::with_seed(store, 1);
    seed(&mut svc);
    let id = walk(&mut svc);
    // Back to schema version 2: no search index.
    svc.store()
        .raw_execute(
            "DROP TABLE case_text; DROP TABLE idempotency; DROP TABLE external_refs;
             DROP TABLE case_accused; DROP TABLE files; DROP TABLE file_chunks; DROP TABLE lookup_failures; UPDATE schema_version SET version = 2;",
        )
        .expect("downgrade");
    drop(svc);
    let mut svc = Service::new(PgStore::connect_in(&url, Some(&schema)).expect("migrate"));
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
    let needle = crate::search::Needle::parse("漏").expect("needle");
    let found = svc
        .read(|w| {
            let admin = w.principal(&sid("admin"))?;
            w.search(&admin, &needle, 10)
        })
        .expect("search");
    assert!(found.iter().any(|b| b.case.id == id), "{found:?}");
}

/// PostgreSQL: a database of schema 4 (statistics without persons or channels) migrates to 5
/// with the statistics counted again from the cases.
#[cfg(feature = "postgres")]
#[test]
pub(super) fn postgres_migration_5_counts_persons_and_channels_from_the_cases() {
    let Some(url) = test_pg() else { return };
    let schema = format!("mig5_{}", std::process::id());
    postgres::Client::connect(&url, postgres::NoTls)
        .and_then(|mut c| c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
        .expect("the test server");
    let store = PgStore::connect_in(&url, Some(&schema)).expect("connect");
    let mut svc = Service::with_seed(store, 1);
    seed(&mut svc);
    walk(&mut svc);
    let ask = |svc: &mut Service<PgStore>| {
        crate::stats::GROUPINGS
            .iter()
            .map(|by| {
                svc.stats(
                    crate::case::tests::d("2026-01-01"),
                    crate::case::tests::d("2026-12-31"),
                    crate::case::tests::at("2026-06-30"),
                    *by,
                    None,
                )
                .expect("stats")
            })
            .collect::<Vec<_>>()
    };
    let stats = ask(&mut svc);
    assert!(stats[3].iter().any(|g| g.counts.persons > 0));
    svc.store()
        .raw_execute(
            "DELETE FROM stats WHERE grouping = 3 OR item = 'persons';
             DROP TABLE files; DROP TABLE file_chunks; DROP TABLE lookup_failures; UPDATE schema_version SET version = 4;",
        )
        .expect("downgrade");
    drop(svc);
    let mut svc = Service::new(PgStore::connect_in(&url, Some(&schema)).expect("migrate"));
    assert_eq!(ask(&mut svc), stats);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

/// PostgreSQL: the schema objects a new database has are those `verify` expects
/// (`store/pg/schema.objects`); `PETITION_UPDATE_PG_SCHEMA=1` rewrites the file after a migration.
#[cfg(feature = "postgres")]
#[test]
pub(super) fn postgres_schema_objects_are_the_ones_verify_expects() {
    let Some(url) = test_pg() else { return };
    let mut store = fresh_pg(&url);
    let now = crate::store::pg::objects_of(&mut store).expect("objects");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/pg/schema.objects");
    if std::env::var_os("PETITION_UPDATE_PG_SCHEMA").is_some() {
        std::fs::write(file, &now).expect("write schema.objects");
    }
    assert_eq!(
        std::fs::read_to_string(file).expect("schema.objects"),
        now,
        "a migration changed the schema: run this test with PETITION_UPDATE_PG_SCHEMA=1 and review the diff"
    );
}
