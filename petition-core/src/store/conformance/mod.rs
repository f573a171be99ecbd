//! One conformance suite, run against the in-memory and the SQLite store, plus SQLite-only tests
//! of durability, tampering, migrations and concurrency.

use chrono::{DateTime, FixedOffset};

use super::*;
use crate::audit::{AdminEvent, AdminKind};
use crate::case::tests::{at, d, registration, u};
use crate::case::{Channel, Command, Outcome};
use crate::ids::StaffId;
use crate::org::{Role, Staff};
use crate::service::{AdminChange, Service};

fn sid(s: &str) -> StaffId {
    StaffId::parse(s).expect("staff id")
}

/// The admin of a seeded database, as a reader.
pub(crate) fn admin_of<S: Store>(svc: &mut Service<S>) -> crate::Principal {
    svc.principal(&sid("admin")).expect("admin")
}

/// Builds the sample organisation through the service, as an admin would.
pub(crate) fn seed<S: Store>(svc: &mut Service<S>) {
    let now = at("2026-03-01");
    svc.init(
        Staff {
            id: sid("admin"),
            name: "管理员".into(),
            unit: None,
            role: Role::Admin,
            deactivated: false,
            tokens: Vec::new(),
        },
        now,
        crate::audit::ClockMode::Simulated,
    )
    .expect("init");
    let sample = crate::case::tests::org();
    // Parents before children.
    let mut units: Vec<_> = sample.units().cloned().collect();
    units.sort_by_key(|x| x.level);
    for unit in units {
        svc.admin_by(&sid("admin"), now, AdminChange::AddUnit(unit))
            .expect("unit");
    }
    for s in sample.all_staff().filter(|s| s.role != Role::Admin) {
        svc.admin_by(&sid("admin"), now, AdminChange::AddStaff(s.clone()))
            .expect("staff");
    }
}

/// The county office's clerk registers a petition from town-a, received by `channel` at `when`.
fn clerk_registers<S: Store>(
    svc: &mut Service<S>,
    when: DateTime<FixedOffset>,
    channel: Channel,
) -> crate::error::Result<crate::case::Case> {
    svc.register_by(&sid("cty-a-xfj.c"), when, registration("town-a", channel))
}

fn walk<S: Store>(svc: &mut Service<S>) -> CaseId {
    walk_with_code(svc).0
}

/// [`walk`], with the case's query code as its registration gave it.
fn walk_with_code<S: Store>(svc: &mut Service<S>) -> (CaseId, crate::QueryCode) {
    let xfj = svc.principal(&sid("cty-a-xfj.c")).expect("clerk");
    let new = svc
        .register(
            &xfj,
            at("2026-03-02"),
            registration("town-a", Channel::Letter),
        )
        .expect("register");
    let id = new.case.case.id.clone();
    let code = new.query_code;
    svc.execute_by(
        &sid("cty-a-xfj.c"),
        at("2026-03-02"),
        &id,
        Command::Transfer {
            to: u("cty-a-zjj"),
            note: None,
        },
    )
    .expect("transfer");
    svc.execute_by(
        &sid("cty-a-zjj.c"),
        at("2026-03-03"),
        &id,
        Command::Accept { assist: vec![] },
    )
    .expect("accept");
    (id, code)
}

/// One `#[test]` per conformance check for a backend (a failure names the backend and the
/// check); `$fresh` makes a fresh store.
/// Calls `$m!` with `$args` followed by every check of the suite, in its order: the one list of
/// the checks that each backend runs.
macro_rules! with_checks {
    ($m:ident!($($args:tt)*)) => {
        $m! {$($args)*
        events_replay_to_the_stored_snapshot,
        a_refused_command_appends_nothing,
        stale_sequences_and_taken_positions_conflict,
        an_aborted_transaction_leaves_nothing,
        case_numbers_are_gap_free_and_repeats_found,
        queries_filter_order_and_page,
        search_finds_characters_names_and_number_ends,
        an_amended_registration_moves_its_rows_and_is_decided_again,
        queues_follow_duties_and_first_contact,
        tick_finds_due_work_once,
        merge_writes_both_cases_or_neither,
        the_access_log_is_a_chain_of_its_own,
        a_jsonl_round_trip_rebuilds_the_same_chain,
        the_change_feed_pages_the_chain,
        kept_settings_and_cases_follow_every_change,
        idempotency_keys_are_kept_with_their_command,
        an_external_reference_is_registered_once,
        list_pages_count_what_the_reader_may_read,
        an_accused_unit_counts_no_accusation_against_it,
        an_accusation_by_correction_leaves_the_accused_unit_at_once,
        a_voided_registration_counts_nowhere,
        files_are_kept_in_chunks_with_the_entry_that_attaches_them}
    };
}

macro_rules! conformance_tests {
    ($backend:ident, $fresh:expr) => {
        conformance_tests!($backend, $fresh, skip_if false);
    };
    ($backend:ident, $fresh:expr, skip_if $skip:expr) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;
            with_checks!(conformance_tests!(@each ($fresh) ($skip);));
        }
    };
    (@each ($fresh:expr) ($skip:expr); $($check:ident),*) => {
        $(
            #[test]
            fn $check() {
                if $skip {
                    return;
                }
                crate::conformance::check_one(stringify!($check), $fresh);
            }
        )*
    };
    (@names $($check:ident),*) => {
        /// The checks named in `with_checks!`, in the suite's order.
        const NAMED: &[&str] = &[$(stringify!($check)),*];
    };
}

with_checks!(conformance_tests!(@names));

#[test]
fn every_conformance_check_is_a_test_of_each_backend() {
    assert_eq!(crate::conformance::check_names(), NAMED.to_vec());
}

conformance_tests!(conformance_memory, MemoryStore::new);
conformance_tests!(conformance_sqlite, || SqliteStore::open_in_memory()
    .expect("open"));
conformance_tests!(conformance_sqlite_file, {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    let mut n = 0;
    move || {
        n += 1;
        SqliteStore::open(&dir.path().join(format!("c{n}.db")), true).expect("open")
    }
});

#[test]
fn a_store_that_breaks_a_rule_fails_the_suite_naming_the_check() {
    // The suite passes a faithful wrapper (every commit goes through) and fails one that answers
    // queries in the wrong order, at the check about queries.
    let wrapper = |reversed_queries| {
        move || Flaky {
            inner: MemoryStore::new(),
            commits_left: std::rc::Rc::new(std::cell::Cell::new(i64::MAX)),
            conflict_first: None,
            reversed_queries,
        }
    };
    crate::conformance::check_store(wrapper(false));
    let failed = std::panic::catch_unwind(|| crate::conformance::check_store(wrapper(true)))
        .expect_err("a store with a defect fails");
    let why = failed.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(why.contains("`queries_filter_order_and_page`"), "{why}");
}

/// The PostgreSQL server of the tests (`PETITION_TEST_PG`, a connection string), or `None` with
/// the reason printed: without one the PostgreSQL tests are skipped (CI always sets it).
#[cfg(feature = "postgres")]
pub(crate) fn test_pg() -> Option<String> {
    match std::env::var("PETITION_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("PETITION_REQUIRE_PG").is_none(),
                "PETITION_REQUIRE_PG is set but PETITION_TEST_PG names no server"
            );
            eprintln!(
                "SKIPPED: no PostgreSQL server for this test (set PETITION_TEST_PG=postgres://…; \
                 scripts/pg-cluster.sh start DIR makes one)"
            );
            None
        }
    }
}

/// A fresh, empty PostgreSQL store: a schema of its own on the test server, named by process and
/// a counter (a leftover of an earlier process with the same id is dropped first).
#[cfg(feature = "postgres")]
pub(crate) fn fresh_pg(url: &str) -> PgStore {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    postgres::Client::connect(url, postgres::NoTls)
        .and_then(|mut c| c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
        .expect("the test server");
    PgStore::connect_in(url, Some(&schema)).expect("connect to the test server")
}

#[cfg(feature = "postgres")]
mod postgres_checks {
    use super::*;

    /// A fresh schema of the test server per store, or `None` (the check is skipped) without
    /// one.
    fn fresh() -> impl FnMut() -> PgStore {
        let url = test_pg();
        move || fresh_pg(url.as_deref().unwrap_or_default())
    }

    conformance_tests!(on_the_test_server, fresh(), skip_if test_pg().is_none());
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_verify_finds_a_changed_query_row_and_a_changed_chain_entry() {
    let Some(url) = test_pg() else { return };
    let mut svc = Service::with_seed(fresh_pg(&url), 1);
    seed(&mut svc);
    let id = walk(&mut svc);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
    // A due date changed behind petition's back is found (read in the batched page).
    svc.store()
        .raw_execute(&format!(
            "UPDATE clocks SET due = '2030-01-01' WHERE case_id = '{}' AND idx = 0",
            id.as_str()
        ))
        .expect("tamper");
    let problem = svc.verify(&[]).expect("verify").problem.unwrap_or_default();
    assert!(
        problem.contains("clocks") || problem.contains(id.as_str()),
        "{problem}"
    );
    // The chain refuses to be changed at all.
    let e = svc
        .store()
        .raw_execute("UPDATE chain SET body = body WHERE gseq = 1")
        .expect_err("append-only");
    assert_eq!(e.code(), "integrity");
}

mod interchange;
mod retry;
mod sqlite;
mod stats;
mod tick;
// The sections share their fixtures (worlds, files, the flaky store).
use {retry::*, sqlite::*, stats::*, tick::*};
#[cfg(feature = "postgres")]
mod on_postgres;
