//! One conformance suite, run against the in-memory and the SQLite store, plus SQLite-only tests
//! of durability, tampering, migrations and concurrency.

use crate::store::AccessQuery;
use crate::store::{Append, Matter};
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
macro_rules! conformance_tests {
    ($backend:ident, $fresh:expr) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;
            conformance_tests!(@each $fresh;
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
                kept_settings_and_cases_follow_every_change);
        }
    };
    (@each $fresh:expr; $($check:ident),*) => {
        $(
            #[test]
            fn $check() {
                crate::conformance::check_one(stringify!($check), $fresh);
            }
        )*
    };
}

/// The checks named in `conformance_tests!`, in the suite's order.
const NAMED: [&str; 15] = [
    "events_replay_to_the_stored_snapshot",
    "a_refused_command_appends_nothing",
    "stale_sequences_and_taken_positions_conflict",
    "an_aborted_transaction_leaves_nothing",
    "case_numbers_are_gap_free_and_repeats_found",
    "queries_filter_order_and_page",
    "search_finds_characters_names_and_number_ends",
    "an_amended_registration_moves_its_rows_and_is_decided_again",
    "queues_follow_duties_and_first_contact",
    "tick_finds_due_work_once",
    "merge_writes_both_cases_or_neither",
    "the_access_log_is_a_chain_of_its_own",
    "a_jsonl_round_trip_rebuilds_the_same_chain",
    "the_change_feed_pages_the_chain",
    "kept_settings_and_cases_follow_every_change",
];

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

    macro_rules! pg_checks {
        ($($check:ident),*) => {
            $(
                #[test]
                fn $check() {
                    if test_pg().is_none() {
                        return;
                    }
                    crate::conformance::check_one(stringify!($check), fresh());
                }
            )*
        };
    }

    pg_checks!(
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
        kept_settings_and_cases_follow_every_change
    );
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

fn file_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("p.db");
    (dir, p)
}

#[test]
fn reopened_database_replays_identical_cases() {
    let (_dir, p) = file_db();
    let (live, id) = {
        let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 2);
        seed(&mut svc);
        let id = walk(&mut svc);
        let c = svc
            .execute_by(
                &sid("cty-a-zjj.c"),
                at("2026-03-20"),
                &id,
                Command::Opinion {
                    outcome: Outcome::Explained,
                    text: "t".into(),
                    without_assist: None,
                },
            )
            .expect("opinion");
        (c, id)
    };
    let mut svc = Service::new(SqliteStore::open(&p, false).expect("reopen"));
    let (again, _) = svc.load(&id).expect("load");
    assert_eq!(again, live);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

/// A group commit (the server's writer): the commands of a group become durable together at
/// `commit_group`, not before; one that is refused inside the group is rolled back alone; a group
/// never committed leaves nothing behind; the chain verifies afterwards.
#[test]
fn a_group_commit_stores_its_commands_together_and_a_refused_one_alone_rolls_back() {
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 5);
    seed(&mut svc);
    let first = walk(&mut svc);
    let mut other = Service::new(SqliteStore::open(&p, false).expect("open"));
    let count =
        |s: &mut Service<SqliteStore>| s.read(|w| w.txn()?.chain_case_count()).expect("count");
    let before = count(&mut other);

    svc.store().begin_group().expect("group");
    let a = svc
        .register_by(
            &sid("cty-a-xfj.c"),
            at("2026-03-04"),
            registration("town-a", Channel::Visit),
        )
        .expect("register in the group");
    // Refused (a department cannot accept a case not routed to it): rolled back to its
    // savepoint, the group goes on.
    let refused = svc.execute_by(
        &sid("cty-a-zjj.c"),
        at("2026-03-04"),
        &a.id,
        Command::Accept { assist: vec![] },
    );
    // A unit the case was never routed to does not learn it exists.
    assert_eq!(refused.map(|_| ()).map_err(|e| e.code()), Err("not_found"));
    assert!(svc.store().group_intact());
    svc.execute_by(
        &sid("cty-a-xfj.c"),
        at("2026-03-04"),
        &a.id,
        Command::Transfer {
            to: u("cty-a-zjj"),
            note: None,
        },
    )
    .expect("transfer in the group");
    // The group's own connection reads its work; another connection sees none of it yet.
    let kinds: Vec<&str> = svc
        .load(&a.id)
        .expect("load")
        .1
        .iter()
        .map(|e| e.kind.type_name())
        .collect();
    assert_eq!(kinds, ["registered", "transferred"]);
    assert_eq!(count(&mut other), before);
    assert_eq!(
        other.load(&a.id).map(|_| ()).map_err(|e| e.code()),
        Err("not_found")
    );
    svc.store().commit_group().expect("commit");
    assert!(!svc.store().group_intact());
    assert_eq!(count(&mut other), before + 1);
    assert_eq!(other.load(&a.id).expect("load").0.state.as_str(), "routed");

    // A group that is never committed (the writer stopped) leaves nothing behind.
    svc.store().begin_group().expect("group");
    assert_eq!(
        svc.store().begin_group().map_err(|e| e.code()),
        Err("internal"),
        "one group at a time"
    );
    let lost = svc
        .register_by(
            &sid("cty-a-xfj.c"),
            at("2026-03-05"),
            registration("town-a", Channel::Visit),
        )
        .expect("register in the group");
    drop(svc);
    assert_eq!(
        other.load(&lost.id).map(|_| ()).map_err(|e| e.code()),
        Err("not_found")
    );
    assert_eq!(count(&mut other), before + 1);

    // And the next command after it numbers the cases and seals the chain on from what is
    // stored.
    let mut svc = Service::with_seed(SqliteStore::open(&p, false).expect("open"), 6);
    let next = svc
        .register_by(
            &sid("cty-a-xfj.c"),
            at("2026-03-05"),
            registration("town-a", Channel::Visit),
        )
        .expect("register");
    assert_eq!(next.id, lost.id);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
    assert_ne!(first, next.id);
}

#[test]
fn bulk_work_lets_the_log_grow_longer_between_checkpoints_on_its_own_connection() {
    let (_dir, p) = file_db();
    let bulk = SqliteStore::open(&p, true).expect("open");
    let other = SqliteStore::open(&p, false).expect("open");
    assert_eq!(bulk.raw_pragma("wal_autocheckpoint").expect("pragma"), 1000);
    bulk.set_checkpoint_pages(65_536).expect("set");
    assert_eq!(
        bulk.raw_pragma("wal_autocheckpoint").expect("pragma"),
        65_536
    );
    assert_eq!(
        other.raw_pragma("wal_autocheckpoint").expect("pragma"),
        1000
    );
}

#[test]
fn missing_file_is_not_found_unless_creating() {
    let (_dir, p) = file_db();
    assert_eq!(
        SqliteStore::open(&p, false)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("not_found")
    );
}

#[test]
fn update_and_delete_on_events_are_refused_by_the_database() {
    let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 3);
    seed(&mut svc);
    walk(&mut svc);
    let s = svc.store();
    assert!(s
        .raw_execute("UPDATE chain SET body = '{}' WHERE gseq = 1")
        .is_err());
    assert!(s.raw_execute("DELETE FROM chain WHERE gseq = 1").is_err());
}

#[test]
fn tampering_after_dropping_triggers_is_found_by_verify_at_the_right_link() {
    let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 4);
    seed(&mut svc);
    let id = walk(&mut svc);
    let entries = svc.verify(&[]).expect("v").entries;
    // Find the gseq of the case's second event (the transfer) and forge its target.
    let target: i64 = {
        let mut g = 0;
        svc.work(|w| {
            w.txn()?.chain(1, &mut |e| {
                if e.body.contains("\"type\":\"transferred\"") && e.body.contains(id.as_str()) {
                    g = e.gseq as i64;
                }
                Ok(true)
            })
        })
        .expect("scan");
        g
    };
    assert!(target > 0);
    let s = svc.store();
    s.raw_execute("DROP TRIGGER chain_no_update")
        .expect("drop trigger");
    s.raw_execute(&format!(
        "UPDATE chain SET body = replace(body, 'cty-a-zjj', 'cty-a-xfj') WHERE gseq = {target}"
    ))
    .expect("tamper");
    let r = svc.verify(&[]).expect("verify");
    let problem = r.problem.expect("tampering is found");
    assert!(
        problem.contains(&format!("entry {target}:")),
        "the broken link is named: {problem}"
    );
    assert!(r.entries < entries);
}

#[test]
fn migration_from_empty_file_and_refusal_of_newer_version() {
    let (_dir, p) = file_db();
    {
        let s = SqliteStore::open(&p, true).expect("create");
        assert_eq!(s.user_version().expect("v"), SCHEMA_VERSION);
    }
    {
        let s = SqliteStore::open(&p, false).expect("reopen");
        s.raw_execute(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .expect("bump");
    }
    let e = SqliteStore::open(&p, false)
        .map(|_| ())
        .map_err(|e| e.code());
    assert_eq!(e, Err("integrity"));
}

#[test]
fn a_file_that_is_not_a_database_is_integrity() {
    let (_dir, p) = file_db();
    std::fs::write(&p, b"this is not an sqlite database, just text, long enough to fill a header....................................").expect("write");
    assert_eq!(
        SqliteStore::open(&p, false)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("integrity")
    );
}

#[test]
fn threads_with_their_own_connections_lose_no_event_and_share_no_case_id() {
    let (_dir, p) = file_db();
    {
        let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("create"), 5);
        seed(&mut svc);
    }
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let p = p.clone();
            std::thread::spawn(move || {
                let mut svc =
                    Service::with_seed(SqliteStore::open(&p, false).expect("open"), 100 + t);
                let mut made = Vec::new();
                for i in 0..15 {
                    let when = at(&format!("2026-03-{:02}", 2 + (i % 20)));
                    match svc.register_by(
                        &sid("cty-a-xfj.c"),
                        when,
                        registration("town-a", Channel::Letter),
                    ) {
                        Ok(c) => {
                            let r = svc.execute_by(
                                &sid("cty-a-xfj.c"),
                                when,
                                &c.id,
                                Command::Transfer {
                                    to: u("cty-a-zjj"),
                                    note: None,
                                },
                            );
                            made.push((c.id, r.is_ok()));
                        }
                        Err(e) => assert_eq!(e.code(), "conflict", "only conflicts may fail"),
                    }
                }
                made
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().expect("thread"));
    }
    let mut ids: Vec<_> = all.iter().map(|(id, _)| id.clone()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "no duplicate case id");
    let mut svc = Service::new(SqliteStore::open(&p, false).expect("open"));
    for (id, transferred) in &all {
        let (c, events) = svc.load(id).expect("every registered case is there");
        assert_eq!(
            events.len(),
            if *transferred { 2 } else { 1 },
            "no event lost on {id}"
        );
        assert_eq!(c.state == crate::case::CaseState::Routed, *transferred);
    }
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

#[test]
fn admin_changes_are_in_the_chain_and_need_an_admin() {
    let mut svc = Service::with_seed(MemoryStore::new(), 6);
    seed(&mut svc);
    let now: DateTime<FixedOffset> = at("2026-03-02");
    let e = svc.admin_by(
        &sid("cty-a-xfj.c"),
        now,
        AdminChange::SetPolicy {
            key: "handling_days".into(),
            value: "45".into(),
        },
    );
    assert_eq!(e.map_err(|e| e.code()), Err("permission_denied"));
    svc.admin_by(
        &sid("admin"),
        now,
        AdminChange::SetPolicy {
            key: "handling_days".into(),
            value: "45".into(),
        },
    )
    .expect("set");
    let mut last = String::new();
    svc.work(|w| {
        w.txn()?.chain(1, &mut |e| {
            last = e.body;
            Ok(true)
        })
    })
    .expect("chain");
    let v: serde_json::Value = serde_json::from_str(&last).expect("json");
    let ev: AdminEvent = serde_json::from_value(crate::audit::strip_gseq(v)).expect("admin event");
    assert_eq!(
        ev.kind,
        AdminKind::PolicySet {
            key: "handling_days".into(),
            value: "45".into()
        }
    );
    // A policy change affects clocks started afterwards.
    let c = svc
        .register_by(
            &sid("cty-a-xfj.c"),
            now,
            registration("town-a", Channel::Letter),
        )
        .expect("reg");
    let c = svc
        .execute_by(
            &sid("cty-a-xfj.c"),
            now,
            &c.id,
            Command::Accept { assist: vec![] },
        )
        .expect("accept");
    assert_eq!(c.clocks.last().map(|k| k.due), Some(d("2026-04-16")));
}

/// A store that "crashes" (fails to commit) after a number of commits, for crash-safety tests.
/// With `conflict_first`, every transaction's first commit fails with `conflict` (as PostgreSQL
/// may report at commit) and its retry succeeds.
struct Flaky {
    inner: MemoryStore,
    commits_left: std::rc::Rc<std::cell::Cell<i64>>,
    conflict_first: Option<std::rc::Rc<std::cell::Cell<bool>>>,
    /// A defect to plant: answer queries in the wrong order.
    reversed_queries: bool,
}

struct FlakyTxn<'a> {
    inner: <MemoryStore as Store>::Txn<'a>,
    commits_left: std::rc::Rc<std::cell::Cell<i64>>,
    conflict_first: Option<std::rc::Rc<std::cell::Cell<bool>>>,
    reversed_queries: bool,
}

impl Store for Flaky {
    type Txn<'a> = FlakyTxn<'a>;
    fn txn(&mut self, gate: crate::store::Gate<'_>) -> crate::error::Result<FlakyTxn<'_>> {
        Ok(FlakyTxn {
            inner: self.inner.txn(gate)?,
            commits_left: self.commits_left.clone(),
            conflict_first: self.conflict_first.clone(),
            reversed_queries: self.reversed_queries,
        })
    }
}

impl Txn for FlakyTxn<'_> {
    fn initialized(&mut self) -> crate::error::Result<bool> {
        self.inner.initialized()
    }
    fn org(&mut self) -> crate::error::Result<crate::org::Org> {
        self.inner.org()
    }
    fn policy(&mut self) -> crate::error::Result<crate::policy::Policy> {
        self.inner.policy()
    }
    fn calendar(&mut self) -> crate::error::Result<crate::clock::Calendar> {
        self.inner.calendar()
    }
    fn chain_tail(&mut self) -> crate::error::Result<Option<ChainTail>> {
        self.inner.chain_tail()
    }
    fn append_admin(
        &mut self,
        ev: Finished<'_, AdminEvent>,
        sealed: Finished<'_, StoredEntry>,
    ) -> crate::error::Result<()> {
        self.inner.append_admin(ev, sealed)
    }
    fn put_unit(&mut self, unit: Finished<'_, crate::org::Unit>) -> crate::error::Result<()> {
        self.inner.put_unit(unit)
    }
    fn put_staff(&mut self, staff: Finished<'_, Staff>) -> crate::error::Result<()> {
        self.inner.put_staff(staff)
    }
    fn put_settings(
        &mut self,
        policy: Finished<'_, crate::policy::Policy>,
        calendar: Finished<'_, crate::clock::Calendar>,
    ) -> crate::error::Result<()> {
        self.inner.put_settings(policy, calendar)
    }
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> crate::error::Result<CaseId> {
        self.inner.next_case_id(year)
    }
    fn load_events(&mut self, id: &CaseId) -> crate::error::Result<Vec<crate::case::Event>> {
        self.inner.load_events(id)
    }
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> crate::error::Result<()> {
        self.inner.bump_case_counter(id)
    }
    fn load_snapshot(&mut self, id: &CaseId) -> crate::error::Result<Option<crate::case::Case>> {
        self.inner.load_snapshot(id)
    }
    fn append(&mut self, a: Finished<'_, Append<'_>>) -> crate::error::Result<()> {
        self.inner.append(a)
    }
    fn put_case(
        &mut self,
        before: Finished<'_, crate::case::Case>,
        after: Finished<'_, crate::case::Case>,
    ) -> crate::error::Result<()> {
        self.inner.put_case(before, after)
    }
    fn find_related(
        &mut self,
        m: &Matter<'_>,
    ) -> crate::error::Result<Vec<crate::case::RelatedCase>> {
        self.inner.find_related(m)
    }
    fn related(&mut self, ids: &[CaseId]) -> crate::error::Result<Vec<crate::case::RelatedCase>> {
        self.inner.related(ids)
    }
    fn search(&mut self, q: &crate::search::SearchQuery) -> crate::error::Result<Vec<CaseId>> {
        self.inner.search(q)
    }
    fn query(&mut self, q: &CaseQuery) -> crate::error::Result<Vec<CaseId>> {
        let mut ids = self.inner.query(q)?;
        if self.reversed_queries {
            ids.reverse();
        }
        Ok(ids)
    }
    fn queue(
        &mut self,
        unit: &crate::ids::UnitCode,
        limit: usize,
    ) -> crate::error::Result<Vec<(CaseId, Option<chrono::NaiveDate>)>> {
        self.inner.queue(unit, limit)
    }
    fn due_for_tick(
        &mut self,
        today: chrono::NaiveDate,
        after: Option<&(chrono::NaiveDate, CaseId)>,
        limit: usize,
    ) -> crate::error::Result<Vec<(chrono::NaiveDate, CaseId)>> {
        self.inner.due_for_tick(today, after, limit)
    }
    fn chain(
        &mut self,
        from: u64,
        visit: &mut dyn FnMut(StoredEntry) -> crate::error::Result<bool>,
    ) -> crate::error::Result<()> {
        self.inner.chain(from, visit)
    }
    fn case_count(&mut self) -> crate::error::Result<u64> {
        self.inner.case_count()
    }
    fn case_ids(
        &mut self,
        after: Option<&CaseId>,
        limit: usize,
    ) -> crate::error::Result<Vec<CaseId>> {
        self.inner.case_ids(after, limit)
    }
    fn stats(
        &mut self,
        q: &crate::stats::StatsQuery,
    ) -> crate::error::Result<std::collections::BTreeMap<String, crate::stats::Counts>> {
        self.inner.stats(q)
    }
    fn append_access(
        &mut self,
        d: Finished<'_, crate::access::Disclosure>,
        sealed: Finished<'_, StoredEntry>,
    ) -> crate::error::Result<()> {
        self.inner.append_access(d, sealed)
    }
    fn access_tail(&mut self) -> crate::error::Result<Option<StoredEntry>> {
        self.inner.access_tail()
    }
    fn access_log(
        &mut self,
        q: &AccessQuery<'_>,
    ) -> crate::error::Result<Vec<crate::access::LoggedDisclosure>> {
        self.inner.access_log(q)
    }
    fn access_chain(
        &mut self,
        visit: &mut dyn FnMut(StoredEntry) -> crate::error::Result<bool>,
    ) -> crate::error::Result<()> {
        self.inner.access_chain(visit)
    }
    fn commit(self) -> crate::error::Result<()> {
        if let Some(fail) = &self.conflict_first {
            let now = fail.get();
            fail.set(!now);
            if now {
                return Err(crate::error::StorageError::Conflict.into());
            }
        }
        let left = self.commits_left.get();
        self.commits_left.set(left - 1);
        if left <= 0 {
            return Err(crate::error::StorageError::internal("simulated crash").into());
        }
        self.inner.commit()
    }
    #[allow(private_interfaces)]
    fn derived(&mut self) -> Option<&mut dyn crate::store::Derived> {
        Some(self)
    }
}

impl crate::store::Derived for FlakyTxn<'_> {
    fn stored_row(
        &mut self,
        id: &CaseId,
        keys: &[String],
    ) -> crate::error::Result<Option<CaseRow>> {
        self.inner.stored_row(id, keys)
    }
    fn cases_by_day(
        &mut self,
        after: Option<&(chrono::NaiveDate, CaseId)>,
        limit: usize,
    ) -> crate::error::Result<Vec<(chrono::NaiveDate, CaseId)>> {
        self.inner.cases_by_day(after, limit)
    }
    fn stats_rows(&mut self, day: chrono::NaiveDate) -> crate::error::Result<Vec<StatsRow>> {
        self.inner.stats_rows(day)
    }
    fn derived_counts(&mut self) -> crate::error::Result<[u64; 7]> {
        self.inner.derived_counts()
    }
    fn chain_case_count(&mut self) -> crate::error::Result<u64> {
        self.inner.chain_case_count()
    }
    fn year_counters(&mut self) -> crate::error::Result<std::collections::BTreeMap<i32, u32>> {
        self.inner.year_counters()
    }
}

#[test]
fn a_transaction_retried_after_a_conflict_at_commit_counts_once_and_loses_no_line() {
    // Retried work must be side-effect free: `tick` adds a case's counts only after its commit,
    // `import` reads its lines before the transaction and advances only after the commit.
    let flaky = |inner: MemoryStore| Flaky {
        inner,
        commits_left: std::rc::Rc::new(std::cell::Cell::new(i64::MAX)),
        conflict_first: Some(std::rc::Rc::new(std::cell::Cell::new(true))),
        reversed_queries: false,
    };
    let mut plain = Service::with_seed(MemoryStore::new(), 9);
    overdue_world(&mut plain);
    let world = plain.store().clone();
    let mut retried = Service::with_seed(flaky(world), 9);
    let want = plain.tick(at("2026-04-01")).expect("tick");
    let got = retried.tick(at("2026-04-01")).expect("tick with retries");
    assert_eq!(got, want, "each case counted once");
    assert_eq!(want.supervisions_opened, 6);
    assert_eq!(head(&mut retried), head(&mut plain));

    let mut export = Vec::new();
    let admin = admin_of(&mut plain);
    crate::interchange::export_jsonl(&mut plain, &mut export, &admin, true, at("2026-04-02"))
        .expect("export");
    let mut a = Service::with_seed(MemoryStore::new(), 1);
    let want = crate::interchange::import_jsonl(&mut a, &mut export.as_slice(), &mut |_| {})
        .expect("import");
    let mut b = Service::with_seed(flaky(MemoryStore::new()), 1);
    let got = crate::interchange::import_jsonl(&mut b, &mut export.as_slice(), &mut |_| {})
        .expect("import with retries");
    assert_eq!(got, want, "no line skipped or counted twice");
    assert_eq!(head(&mut b), head(&mut a));
    assert_eq!(head(&mut a), head(&mut plain));
}

#[test]
fn a_petitioners_online_rating_is_recorded_and_survives_a_round_trip() {
    let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 4);
    seed(&mut svc);
    let (id, code) = walk_with_code(&mut svc);
    let sat = crate::case::Satisfaction::Satisfied;
    let code = code.as_str().to_ascii_lowercase();
    // A wrong code is an unknown case, and records nothing.
    let wrong = svc.petitioner_evaluates(id.as_str(), "AAAAAAAA", at("2026-03-05"), sat, None);
    assert_eq!(wrong.map(|_| ()).map_err(|e| e.code()), Err("not_found"));
    let early = svc.petitioner_evaluates(id.as_str(), &code, at("2026-03-05"), sat, None);
    assert_eq!(
        early.map(|_| ()).map_err(|e| e.code()),
        Err("invalid_transition")
    );
    svc.execute_by(
        &sid("cty-a-zjj.c"),
        at("2026-03-10"),
        &id,
        Command::Opinion {
            outcome: Outcome::Supported,
            text: "同意".into(),
            without_assist: None,
        },
    )
    .expect("opinion");
    let r = svc.petitioner_evaluates(id.as_str(), &code, at("2026-03-12"), sat, None);
    let case = r.expect("rated").case;
    assert_eq!(case.evaluations.last().map(|e| e.handling), Some(sat));
    let (_, events) = svc.load(&id).expect("load");
    assert_eq!(
        events.last().map(|e| e.actor.clone()),
        Some(crate::ids::ActorId::Petitioner)
    );
    let admin = admin_of(&mut svc);
    let mut file = Vec::new();
    crate::interchange::export_jsonl(&mut svc, &mut file, &admin, true, at("2026-03-13"))
        .expect("export");
    let mut copy = Service::with_seed(MemoryStore::new(), 1);
    crate::interchange::import_jsonl(&mut copy, &mut file.as_slice(), &mut |_| {})
        .expect("import re-decides the petitioner's rating");
    assert_eq!(head(&mut copy), head(&mut svc));
}

fn head<S: Store>(svc: &mut Service<S>) -> crate::verify::Head {
    svc.verify(&[]).expect("verify").head
}

fn overdue_world<S: Store>(svc: &mut Service<S>) -> Vec<CaseId> {
    seed(svc);
    (0..6)
        .map(|i| {
            let c = svc
                .register_by(
                    &sid("cty-a-xfj.c"),
                    at("2026-03-02"),
                    registration("town-a", Channel::Letter),
                )
                .expect("reg");
            if i % 2 == 0 {
                svc.execute_by(
                    &sid("cty-a-xfj.c"),
                    at("2026-03-02"),
                    &c.id,
                    Command::Transfer {
                        to: u("cty-a-zjj"),
                        note: None,
                    },
                )
                .expect("t");
            }
            c.id
        })
        .collect()
}

fn due_pages<S: Store>(mut svc: Service<S>) -> Vec<(chrono::NaiveDate, CaseId)> {
    overdue_world(&mut svc);
    let today = d("2026-04-01");
    let all = svc
        .read(|w| w.txn()?.due_for_tick(today, None, 100))
        .expect("due");
    assert_eq!(all.len(), 6, "every case has an overdue clock");
    assert!(all.windows(2).all(|w| w[0] < w[1]), "in (date, id) order");
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = svc
            .read(|w| w.txn()?.due_for_tick(today, cursor.as_ref(), 4))
            .expect("page");
        if page.is_empty() {
            break;
        }
        cursor = page.last().cloned();
        pages.push(page);
    }
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages.concat(),
        all,
        "pages after the cursor cover all, once"
    );
    let early = svc
        .read(|w| w.txn()?.due_for_tick(d("2026-03-02"), None, 100))
        .expect("due");
    assert!(
        early.is_empty(),
        "nothing is due on the day of registration"
    );
    all
}

#[test]
fn due_cases_page_by_cursor_on_both_stores() {
    let mem = due_pages(Service::with_seed(MemoryStore::new(), 4));
    let sql = due_pages(Service::with_seed(
        SqliteStore::open_in_memory().expect("open"),
        4,
    ));
    assert_eq!(mem, sql);
}

#[test]
fn tick_interrupted_midway_loses_nothing_and_a_rerun_finishes_the_job() {
    // Whole batches of cases per transaction (two here), so a crash mid-tick leaves whole cases
    // and a rerun completes.
    let (clean, ids, expected) = overdue_world_ticked();

    let left = std::rc::Rc::new(std::cell::Cell::new(i64::MAX));
    let mut svc = Service::with_seed(
        Flaky {
            inner: MemoryStore::new(),
            commits_left: left.clone(),
            conflict_first: None,
            reversed_queries: false,
        },
        9,
    );
    overdue_world(&mut svc);
    svc.set_tick_batch(2);
    // Reading the due list takes two commits (timezone, due list); let one batch of two cases
    // through, then crash.
    left.set(3);
    assert!(
        svc.tick(at("2026-04-01")).is_err(),
        "the simulated crash surfaces"
    );
    left.set(i64::MAX);
    let partial: Vec<usize> = ids
        .iter()
        .map(|id| svc.load(id).expect("load").0.supervisions.len())
        .collect();
    assert!(
        partial.iter().all(|n| *n <= 1),
        "no case half-ticked: {partial:?}"
    );
    assert!(
        partial.contains(&0) && partial.contains(&1),
        "the crash came midway: {partial:?}"
    );
    let rest = svc.tick(at("2026-04-01")).expect("rerun");
    let done: u64 = partial.iter().map(|n| *n as u64).sum();
    assert_eq!(
        rest.supervisions_opened + done,
        expected.supervisions_opened
    );
    assert_same_cases(&mut svc, clean, &ids, "as if never interrupted");
}

#[test]
fn tick_in_many_small_pages_does_what_one_page_does() {
    // Each page of the due list is handled in case-number order, not due-date order; with
    // pages of three due cases (two per transaction) every case ends on SQLite as with one page on
    // the memory store.
    let (whole, ids, expected) = overdue_world_ticked();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = SqliteStore::open(&dir.path().join("p.db"), true).expect("open");
    let mut paged = Service::with_seed(file, 9);
    overdue_world(&mut paged);
    paged.set_tick_page(3);
    paged.set_tick_batch(2);
    assert_eq!(paged.tick(at("2026-04-01")).expect("tick"), expected);
    assert_same_cases(&mut paged, whole, &ids, "as with one page");
    assert_eq!(paged.verify(&[]).expect("verify").problem, None);
}

#[test]
fn a_tick_reading_ahead_does_what_tick_does() {
    // Two connections to one file, the second loading each next transaction's cases into the
    // cache they share while the first ticks: every case ends as with a plain tick.
    let (whole, ids, expected) = overdue_world_ticked();
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut svc, mut reader) = overdue_file_and_reader(dir.path());
    let cache = std::sync::Arc::new(crate::service::CaseCache::new(16));
    reader.share_cases(cache.clone());
    let mut asked: Vec<Vec<CaseId>> = Vec::new();
    let done = svc
        .tick_reading_ahead(at("2026-04-01"), cache, |next| {
            reader.read_ahead(&next).expect("read ahead");
            asked.push(next);
        })
        .expect("tick");
    assert_eq!(done, expected);
    // Each page's first transaction, then each next one, in case-number order: every due case
    // was read ahead.
    let mut all: Vec<CaseId> = asked.concat();
    assert!(asked.iter().all(|t| t.len() <= 2), "{asked:?}");
    all.sort();
    all.dedup();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(all, want);
    assert_same_cases(&mut svc, whole, &ids, "as with a plain tick");
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

#[test]
fn a_tick_with_a_reader_thread_does_what_tick_does() {
    // The same with the reader on its own thread, as the command line runs it: however far it
    // gets, every case ends as with a plain tick.
    let (whole, ids, expected) = overdue_world_ticked();
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut svc, reader) = overdue_file_and_reader(dir.path());
    let done = svc
        .tick_with_reader(at("2026-04-01"), reader)
        .expect("tick");
    assert_eq!(done, expected);
    assert_same_cases(&mut svc, whole, &ids, "as with a plain tick");
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

/// The overdue world in a SQLite file under `dir`, ticked in pages of four due cases (two per
/// transaction), and a second service on its own connection to the file (the reader).
fn overdue_file_and_reader(dir: &std::path::Path) -> (Service<SqliteStore>, Service<SqliteStore>) {
    let path = dir.join("a.db");
    let mut svc = Service::with_seed(SqliteStore::open(&path, true).expect("open"), 9);
    overdue_world(&mut svc);
    svc.set_tick_page(4);
    svc.set_tick_batch(2);
    let reader = Service::new(SqliteStore::open(&path, false).expect("open"));
    (svc, reader)
}

#[test]
fn a_tick_reading_ahead_takes_a_copy_only_at_the_stores_number() {
    // A copy in the cache without its clocks: at the case's number in the store the tick
    // takes it (and opens no supervision for that case); one number off, it reads the store.
    // (SQLite: the memory store keeps no numbers to compare, so it never takes a copy.)
    for (off, opened) in [(0, 5), (1, 6)] {
        let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 9);
        let ids = overdue_world(&mut svc);
        let (mut copy, _) = svc.load(&ids[0]).expect("load");
        copy.clocks.clear();
        copy.seq += off;
        let cache = std::sync::Arc::new(crate::service::CaseCache::new(16));
        cache.put(&copy);
        let done = svc
            .tick_reading_ahead(at("2026-04-01"), cache, |_| {})
            .expect("tick");
        assert_eq!(
            done.supervisions_opened, opened,
            "copy {off} off the store's number"
        );
    }
}

/// The overdue world on the memory store, ticked once in one go: the reference a tick done
/// another way must match (its cases and what the tick did).
fn overdue_world_ticked() -> (
    Service<MemoryStore>,
    Vec<CaseId>,
    crate::service::TickSummary,
) {
    let mut svc = Service::with_seed(MemoryStore::new(), 9);
    let ids = overdue_world(&mut svc);
    let done = svc.tick(at("2026-04-01")).expect("tick");
    assert_eq!(done.supervisions_opened, 6);
    (svc, ids, done)
}

/// Every case of `ids` in `svc` is as in `reference`, and a further tick has nothing to do.
fn assert_same_cases<S: Store>(
    svc: &mut Service<S>,
    mut reference: Service<MemoryStore>,
    ids: &[CaseId],
    how: &str,
) {
    for id in ids {
        assert_eq!(
            svc.load(id).expect("load").0,
            reference.load(id).expect("load").0,
            "{id} {how}"
        );
    }
    assert_eq!(svc.tick(at("2026-04-01")).expect("again").events, 0);
}

fn stats_world<S: Store>(svc: &mut Service<S>) {
    use crate::case::{Outcome, Satisfaction};
    seed(svc);
    let xfj = sid("cty-a-xfj.c");
    let zjj = sid("cty-a-zjj.c");
    let t = |to: &str| Command::Transfer {
        to: u(to),
        note: None,
    };
    let opinion = Command::Opinion {
        outcome: Outcome::Supported,
        text: "t".into(),
        without_assist: None,
    };
    // A: routed, accepted and answered in time, rated satisfied.
    let a = svc
        .register_by(
            &xfj,
            at("2026-03-02"),
            registration("town-a", Channel::Letter),
        )
        .expect("a")
        .id;
    svc.execute_by(&xfj, at("2026-03-02"), &a, t("cty-a-zjj"))
        .expect("t");
    svc.execute_by(
        &zjj,
        at("2026-03-03"),
        &a,
        Command::Accept { assist: vec![] },
    )
    .expect("acc");
    svc.execute_by(&zjj, at("2026-03-20"), &a, opinion.clone())
        .expect("op");
    svc.execute_by(
        &xfj,
        at("2026-03-21"),
        &a,
        Command::Evaluate {
            handling: Satisfaction::Satisfied,
            office: None,
        },
    )
    .expect("ev");
    // B: accepted late (acceptance due 03-17), handling still open and overdue at the end of June.
    let mut rb = registration("town-a", Channel::Visit);
    rb.petitioners[0].id_number = None;
    rb.petitioners[0].phone = Some("13900000002".into());
    rb.headcount = 7;
    let b = svc.register_by(&xfj, at("2026-03-02"), rb).expect("b").id;
    svc.execute_by(&xfj, at("2026-03-02"), &b, t("cty-a-zjj"))
        .expect("t");
    svc.execute_by(
        &zjj,
        at("2026-03-20"),
        &b,
        Command::Accept { assist: vec![] },
    )
    .expect("acc");
    // C: never routed — an undecided overdue intake.
    let mut rc = registration("town-a", Channel::Letter);
    rc.petitioners[0].id_number = None;
    rc.petitioners[0].phone = Some("13900000003".into());
    svc.register_by(&xfj, at("2026-03-03"), rc).expect("c");
    // D: a repeat of A, answered in time, never rated (evaluation lapses).
    let d = svc
        .register_by(
            &xfj,
            at("2026-03-05"),
            registration("town-a", Channel::Letter),
        )
        .expect("d")
        .id;
    svc.execute_by(&xfj, at("2026-03-05"), &d, t("cty-a-zjj"))
        .expect("t");
    svc.execute_by(
        &zjj,
        at("2026-03-06"),
        &d,
        Command::Accept { assist: vec![] },
    )
    .expect("acc");
    svc.execute_by(&zjj, at("2026-03-16"), &d, opinion)
        .expect("op");
    // Outside the period: not counted.
    svc.register_by(
        &xfj,
        at("2026-04-02"),
        registration("town-a", Channel::Letter),
    )
    .expect("e");
}

fn check_stats<S: Store>(mut svc: Service<S>) -> Vec<crate::stats::Group> {
    use crate::stats::{GroupBy, Kpi};
    stats_world(&mut svc);
    let now = at("2026-06-30");
    let groups = svc
        .stats(d("2026-03-01"), d("2026-03-31"), now, GroupBy::Unit, None)
        .expect("stats");
    let g = |k: &str| {
        groups
            .iter()
            .find(|g| g.key == k)
            .map(|g| g.json())
            .unwrap_or_else(|| panic!("no group {k}"))
    };
    let x = g("cty-a-xfj");
    assert_eq!(x["name"], "cty-a-xfj name");
    assert_eq!(
        (
            x["registered"].as_u64(),
            x["repeats"].as_u64(),
            x["collective_visits"].as_u64()
        ),
        (Some(4), Some(1), Some(1))
    );
    assert_eq!(x["repeat_rate"], 0.25);
    assert_eq!(
        x["timely_acceptance_rate"], 0.75,
        "3 intakes routed in time, 1 undecided and overdue"
    );
    assert_eq!(x["overdue_open"]["intake"], 1);
    assert!(
        x["on_time_completion_rate"].is_null(),
        "no handling clocks: null, not 0"
    );
    let z = g("cty-a-zjj");
    assert_eq!(z["registered"], 0);
    let third = 2.0 / 3.0;
    assert_eq!(
        z["timely_acceptance_rate"].as_f64(),
        Some(third),
        "B accepted after its 15 days"
    );
    assert_eq!(
        z["on_time_completion_rate"].as_f64(),
        Some(third),
        "B open and overdue counts as a miss"
    );
    assert_eq!(z["participation_rate"], 0.5, "one rated, one lapsed");
    assert_eq!(z["satisfaction_rate"], 1.0);
    assert_eq!(z["overdue_open"]["handling"], 1);
    assert!(z["repeat_rate"].is_null());
    // Ranking: best first, worst last; units without a value last.
    let ranked = svc
        .stats(
            d("2026-03-01"),
            d("2026-03-31"),
            now,
            GroupBy::Unit,
            Some(Kpi::TimelyAcceptanceRate),
        )
        .expect("rank");
    let keys: Vec<&str> = ranked.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(&keys[..2], ["cty-a-xfj", "cty-a-zjj"]);
    // By locality: all four cases concern town-a.
    let by_loc = svc
        .stats(
            d("2026-03-01"),
            d("2026-03-31"),
            now,
            GroupBy::Locality,
            None,
        )
        .expect("loc");
    assert_eq!(by_loc.len(), 1);
    assert_eq!(by_loc[0].counts.registered, 4);
    assert_eq!(by_loc[0].counts.timely_base, 7);
    groups
}

/// A database written by schema 1 (statistics by covering indexes, identities without the
/// matter) migrates to 2 with the same query rows and statistics as one written by 2 itself.
#[test]
fn migration_2_fills_statistics_and_rekeys_identities_from_the_cases() {
    use crate::stats::GROUPINGS;
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 3);
    stats_world(&mut svc);
    walk(&mut svc);
    let ask = |svc: &mut Service<SqliteStore>| {
        GROUPINGS
            .iter()
            .map(|by| {
                svc.stats(
                    d("2026-01-01"),
                    d("2026-12-31"),
                    at("2026-06-30"),
                    *by,
                    None,
                )
                .expect("stats")
            })
            .collect::<Vec<_>>()
    };
    let (rows, stats) = (svc.store().dump_query_tables(), ask(&mut svc));
    assert!(rows.iter().any(|r| r.starts_with("stats:")));
    // Turn the file back into schema 1.
    svc.store()
        .raw_execute(
            "DROP TABLE stats;
             DROP INDEX cases_next_tick;
             CREATE INDEX cases_next_tick ON cases(next_tick) WHERE next_tick IS NOT NULL;
             DROP INDEX cases_state; CREATE INDEX cases_state ON cases(state, registered_on);
             DROP INDEX cases_registered; CREATE INDEX cases_registered ON cases(registered_on);
             CREATE INDEX clocks_stats ON clocks(unit, kind, duty, registered_on, met, stopped_on, due, lapsed, rating);
             CREATE INDEX cases_stats ON cases(first_contact, registered_on, channel, collective, skip_level, repeat);
             CREATE TABLE identities_v1(key TEXT NOT NULL, case_id TEXT NOT NULL REFERENCES cases(id),
                 PRIMARY KEY(key, case_id)) STRICT, WITHOUT ROWID;
             INSERT INTO identities_v1 SELECT DISTINCT key, case_id FROM identities;
             DROP TABLE identities; ALTER TABLE identities_v1 RENAME TO identities;
             DROP TABLE access_log;
             DROP TABLE case_units;
             DROP INDEX cases_officer; ALTER TABLE cases DROP COLUMN officer;
             DROP TABLE case_text;
             PRAGMA user_version = 1;",
        )
        .expect("downgrade");
    drop(svc);
    let mut svc = Service::new(SqliteStore::open(&p, false).expect("migrate"));
    assert_eq!(svc.store().user_version().expect("v"), SCHEMA_VERSION);
    assert_eq!(svc.store().dump_query_tables(), rows);
    assert_eq!(ask(&mut svc), stats);
    assert!(
        rows.iter().any(|r| r.starts_with("case_text:")),
        "search rows refilled"
    );
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

#[test]
fn stats_definitions_on_a_hand_built_set_agree_on_both_stores() {
    // The statistics, each rate with a known value; the SQL must agree with the reference definition.
    let mem = check_stats(Service::with_seed(MemoryStore::new(), 1));
    let sql = check_stats(Service::with_seed(
        SqliteStore::open_in_memory().expect("open"),
        1,
    ));
    assert_eq!(mem, sql);
}

fn export_lines<S: Store>(svc: &mut Service<S>, pii: bool) -> Vec<String> {
    let mut buf = Vec::new();
    let admin = admin_of(svc);
    crate::interchange::export_jsonl(svc, &mut buf, &admin, pii, at("2026-12-01")).expect("export");
    String::from_utf8(buf)
        .expect("utf8")
        .lines()
        .map(str::to_string)
        .collect()
}

fn import_lines(
    lines: &[String],
) -> (
    Service<SqliteStore>,
    crate::error::Result<crate::interchange::ImportSummary>,
) {
    let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 1);
    let text = lines.join("\n") + "\n";
    let r = crate::interchange::import_jsonl(
        &mut svc,
        &mut std::io::BufReader::new(text.as_bytes()),
        &mut |_| {},
    );
    (svc, r)
}

#[test]
fn jsonl_export_import_round_trip_gives_identical_cases_and_a_verified_chain() {
    let mut src = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 1);
    stats_world(&mut src);
    src.tick(at("2026-06-30")).expect("tick");
    let lines = export_lines(&mut src, true);
    let (mut dst, r) = import_lines(&lines);
    let summary = r.expect("import");
    assert_eq!(summary.entries, lines.len() as u64);
    assert_eq!(summary.cases, 5);
    let v_src = src.verify(&[]).expect("v");
    let v_dst = dst.verify(&[]).expect("v");
    assert_eq!(v_dst.problem, None);
    assert_eq!(v_dst.head, v_src.head, "the same chain, hash for hash");
    let ids = src.work(|w| w.txn()?.case_ids(None, 100)).expect("ids");
    for id in &ids {
        assert_eq!(
            src.load(id).expect("src"),
            dst.load(id).expect("dst"),
            "{id}"
        );
    }
    // New registrations continue the numbering.
    let c = dst
        .register_by(
            &sid("cty-a-xfj.c"),
            at("2026-07-01"),
            registration("town-a", Channel::Letter),
        )
        .expect("reg");
    assert_eq!(c.id.as_str(), "XF2026-000006");
}

#[test]
fn a_corrupted_line_is_refused_with_its_number() {
    let mut src = Service::with_seed(MemoryStore::new(), 1);
    stats_world(&mut src);
    let lines = export_lines(&mut src, true);
    let n = lines.len();
    let t = lines
        .iter()
        .position(|l| l.contains("\"type\":\"transferred\""))
        .expect("a transfer");
    type Corruption = Box<dyn Fn(&mut Vec<String>)>;
    let cases: Vec<(usize, Corruption)> = vec![
        (
            t + 1,
            Box::new(move |l: &mut Vec<String>| {
                l[t] = l[t].replace("\"to\":\"cty-a-zjj\"", "\"to\":\"town-a\"")
            }),
        ),
        (5, Box::new(|l: &mut Vec<String>| l[4].truncate(20))),
        (3, Box::new(|l: &mut Vec<String>| l.swap(2, 3))),
        (
            n,
            Box::new(move |l: &mut Vec<String>| {
                l[n - 1] = l[n - 1].replace("\"hash\":\"", "\"hash\":\"0")
            }),
        ),
    ];
    for (expect_line, corrupt) in cases {
        let mut bad = lines.clone();
        corrupt(&mut bad);
        let (_, r) = import_lines(&bad);
        let e = r.expect_err("refused");
        assert_eq!(e.code(), "integrity");
        assert!(
            e.text().en.starts_with(&format!("line {expect_line}:")),
            "{}",
            e.text().en
        );
    }
}

#[test]
fn forged_hashes_for_an_unknown_unit_are_refused() {
    // A forger can recompute every hash (there is no secret); events must still make sense.
    let mut src = Service::with_seed(MemoryStore::new(), 1);
    stats_world(&mut src);
    let lines = export_lines(&mut src, true);
    let mut prev = crate::audit::GENESIS;
    let mut forged = Vec::new();
    let mut first_forged = None;
    for (i, l) in lines.iter().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(l).expect("json");
        v.as_object_mut().expect("obj").remove("hash");
        if first_forged.is_none() && v["type"] == "transferred" {
            v["to"] = serde_json::json!("atlantis");
            first_forged = Some(i + 1);
        }
        let h = crate::audit::chain_hash(&prev, &crate::audit::canonical(&v));
        prev = h;
        v["hash"] = serde_json::json!(crate::audit::hex(&h));
        forged.push(v.to_string());
    }
    let (_, r) = import_lines(&forged);
    let e = r.expect_err("refused");
    assert!(
        e.text()
            .en
            .contains(&format!("line {}:", first_forged.expect("forged"))),
        "{}",
        e.text().en
    );
    assert!(e.text().en.contains("no unit atlantis"), "{}", e.text().en);
}

#[test]
fn a_masked_export_cannot_be_imported() {
    let mut src = Service::with_seed(MemoryStore::new(), 1);
    stats_world(&mut src);
    let lines = export_lines(&mut src, false);
    assert!(
        !lines.iter().any(|l| l.contains("11010519491231002X")),
        "id numbers masked"
    );
    assert!(lines.iter().any(|l| l.contains("110105********002X")));
    let (_, r) = import_lines(&lines);
    assert!(r.expect_err("refused").text().en.contains("masked"));
}

#[test]
fn verify_finds_a_changed_or_missing_search_row() {
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 1);
    seed(&mut svc);
    let id = walk(&mut svc);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
    let key = crate::search::order_key(&id);
    svc.store()
        .raw_execute(&format!(
            "UPDATE case_text SET text = '房' WHERE rowid = {key}"
        ))
        .expect("tamper");
    let problem = svc.verify(&[]).expect("verify").problem.unwrap_or_default();
    assert!(
        problem.contains("case_text") && problem.contains(id.as_str()),
        "{problem}"
    );
    svc.store()
        .raw_execute(&format!("DELETE FROM case_text WHERE rowid = {key}"))
        .expect("tamper");
    let problem = svc.verify(&[]).expect("verify").problem.unwrap_or_default();
    assert!(problem.contains("case_text"), "{problem}");
}

#[test]
fn a_masked_export_masks_a_corrected_phone_both_old_and_new() {
    let (mut svc, now) = crate::example::county();
    let id = svc
        .register_by(&sid("li"), now, crate::example::registration(now))
        .expect("register")
        .id;
    svc.execute_by(
        &sid("li"),
        now,
        &id,
        Command::Amend {
            field: crate::case::AmendField::Phone,
            value: "13998765432".into(),
            reason: "录错一位".into(),
        },
    )
    .expect("amend");
    let masked = export_lines(&mut svc, false).join("\n");
    assert!(!masked.contains("13998765432") && !masked.contains("13812345678"));
    assert!(masked.contains("139****5432") && masked.contains("138****5678"));
    let full = export_lines(&mut svc, true).join("\n");
    assert!(full.contains("13998765432"));
}

/// PostgreSQL: a search row whose text, document or key was changed, or that is missing, is a
/// problem `verify` names (the documents of a page of cases are checked together).
#[cfg(feature = "postgres")]
#[test]
fn postgres_verify_finds_a_changed_or_missing_search_row() {
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
fn postgres_a_repeat_registration_does_not_wait_on_the_earlier_case() {
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
    let first = svc
        .register_by(
            &clerk,
            at("2026-03-02"),
            registration("town-a", Channel::Letter),
        )
        .expect("first");
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
    let again = svc
        .register_by(
            &clerk,
            at("2026-03-03"),
            registration("town-a", Channel::Letter),
        )
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
fn postgres_migration_3_fills_the_search_index_from_the_cases() {
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
        .raw_execute("DROP TABLE case_text; UPDATE schema_version SET version = 2;")
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
