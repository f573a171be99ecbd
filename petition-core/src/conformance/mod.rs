//! 一致性检验: the behaviour every [`Store`] must show, as a suite the implementor of a new
//! backend runs against it. Both stores of this crate pass it in the crate's own tests.
//!
//! Each check starts from a fresh, empty store made by the caller's function, sets the example
//! county up ([`crate::example::setup`]) and works through the [`Service`] as a clerk would; a
//! check that fails panics with its name and what differed.
//!
//! ```
//! // A new backend's test: every check, each on a fresh store.
//! petition_core::conformance::check_store(petition_core::MemoryStore::new);
//! ```
//!
//! What the suite asks of a backend is written on [`Txn`](crate::store::Txn): total order of appends, sequence and
//! position conflicts, atomic commit, reading its own writes, nothing ever changed once committed.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::case::{Case, Command};
use crate::error::DomainError;
use crate::example::{registration, setup, staff, unit};
use crate::ids::CaseId;
use crate::service::Service;
use crate::store::Store;

mod chain;
mod contract;
mod files;
mod lifecycle;
mod queries;

use chain::*;
use contract::*;
use files::*;
use lifecycle::*;
use queries::*;

/// One check: its name and its body.
type Check<S> = (&'static str, fn(Service<S>, &mut dyn FnMut() -> S));

/// Every check, by name, in the order [`check_store`] runs them.
pub fn check_names() -> Vec<&'static str> {
    checks::<crate::store::MemoryStore>()
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

fn checks<S: Store>() -> Vec<Check<S>> {
    vec![
        (
            "events_replay_to_the_stored_snapshot",
            replay_equals_snapshot,
        ),
        ("a_refused_command_appends_nothing", refused_appends_nothing),
        ("stale_sequences_and_taken_positions_conflict", conflicts),
        (
            "an_aborted_transaction_leaves_nothing",
            aborted_leaves_nothing,
        ),
        (
            "case_numbers_are_gap_free_and_repeats_found",
            numbering_and_repeats,
        ),
        ("queries_filter_order_and_page", queries),
        ("search_finds_characters_names_and_number_ends", search),
        (
            "an_amended_registration_moves_its_rows_and_is_decided_again",
            amend,
        ),
        ("queues_follow_duties_and_first_contact", queues),
        ("tick_finds_due_work_once", tick_once),
        ("merge_writes_both_cases_or_neither", merge),
        ("the_access_log_is_a_chain_of_its_own", access_log),
        ("a_jsonl_round_trip_rebuilds_the_same_chain", round_trip),
        ("the_change_feed_pages_the_chain", change_feed),
        (
            "kept_settings_and_cases_follow_every_change",
            kept_follow_changes,
        ),
        ("idempotency_keys_are_kept_with_their_command", keys),
        ("an_external_reference_is_registered_once", references),
        ("list_pages_count_what_the_reader_may_read", pages),
        (
            "an_accused_unit_counts_no_accusation_against_it",
            accused_uncounted,
        ),
        (
            "an_accusation_by_correction_leaves_the_accused_unit_at_once",
            accused_by_amendment,
        ),
        ("a_voided_registration_counts_nowhere", voided_uncounted),
        (
            "files_are_kept_in_chunks_with_the_entry_that_attaches_them",
            files,
        ),
    ]
}

/// Runs the check called `name` ([`check_names`]) on a fresh store from `fresh`: a backend's own
/// test suite runs each check as a test of its own, so a failure names both the backend and
/// the check.
///
/// # Panics
/// When the check fails, naming it, or when no check has that name.
pub fn check_one<S: Store>(name: &str, mut fresh: impl FnMut() -> S) {
    let Some((_, check)) = checks::<S>().into_iter().find(|(n, _)| *n == name) else {
        panic!("no conformance check is called `{name}`: see check_names()");
    };
    let svc = Service::with_seed(fresh(), 1);
    check(svc, &mut fresh);
}

/// Runs every check, each on a fresh store from `fresh`.
///
/// # Panics
/// On the first check that fails, naming it.
pub fn check_store<S: Store>(mut fresh: impl FnMut() -> S) {
    for (name, check) in checks::<S>() {
        let svc = Service::with_seed(fresh(), 1);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check(svc, &mut fresh);
        }));
        if let Err(p) = outcome {
            let why = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("conformance check `{name}` failed: {why}");
        }
    }
}

pub(super) fn at(day: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).expect("a test time")
}

pub(super) fn date(day: &str) -> NaiveDate {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a test date")
}

pub(super) fn ok<T>(r: Result<T, DomainError>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: [{}] {}", e.code(), e.text().en))
}

pub(super) fn code<T>(r: Result<T, DomainError>) -> Result<(), &'static str> {
    r.map(|_| ()).map_err(|e| e.code())
}

/// Registers the example letter as `li` at the petition office on `day`.
pub(super) fn register<S: Store>(svc: &mut Service<S>, day: &str) -> Case {
    ok(
        svc.register_by(&staff("li"), at(day), registration(at(day))),
        "register",
    )
}

pub(super) fn run<S: Store>(
    svc: &mut Service<S>,
    who: &str,
    day: &str,
    id: &CaseId,
    cmd: Command,
) -> Case {
    let what = format!("{} by {who}", cmd.name());
    ok(svc.execute_by(&staff(who), at(day), id, cmd), &what)
}

/// Registered by `li` on 03-02, transferred to the housing bureau and accepted there on 03-03.
pub(super) fn handled<S: Store>(svc: &mut Service<S>) -> CaseId {
    setup(svc);
    let id = register(svc, "2026-03-02").id;
    let to = unit("county-zjj");
    run(
        svc,
        "li",
        "2026-03-02",
        &id,
        Command::Transfer { to, note: None },
    );
    run(
        svc,
        "wang",
        "2026-03-03",
        &id,
        Command::Accept { assist: vec![] },
    );
    id
}

pub(super) fn entries<S: Store>(svc: &mut Service<S>) -> u64 {
    ok(svc.verify(&[]), "verify").entries
}

pub(super) fn clean<S: Store>(svc: &mut Service<S>) {
    let report = ok(svc.verify(&[]), "verify");
    assert_eq!(report.problem, None, "verify finds a problem");
}
