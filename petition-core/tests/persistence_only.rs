//! A backend that implements only the persistence verbs of `Txn` (every index query left to its
//! default, which reads the snapshots) passes every conformance check, and `verify` checks its
//! snapshots against the chain.

use std::collections::BTreeMap;

use petition_core::attachment::FileMeta;
use petition_core::case::{Case, Event};
use petition_core::conformance::{check_names, check_one};
use petition_core::store::FileChunk;
use petition_core::store::{Append, ChainTail, Finished, Gate, Sealed, Settings, StoredEntry};
use petition_core::store::{Txn, Visitor};
use petition_core::{audit, clock, example, org, policy, Disclosure, StorageError};
use petition_core::{idempotency::KeyRecord, DateTime, FixedOffset};
use petition_core::{CaseId, DomainError, Service, Store};

type Result<T> = std::result::Result<T, DomainError>;

#[derive(Clone, Default)]
struct Data {
    chain: Vec<StoredEntry>,
    access: Vec<StoredEntry>,
    units: BTreeMap<String, org::Unit>,
    staff: BTreeMap<String, org::Staff>,
    settings: (policy::Policy, clock::Calendar),
    events: BTreeMap<CaseId, Vec<Event>>,
    cases: BTreeMap<CaseId, Case>,
    keys: BTreeMap<(String, String), KeyRecord>,
    /// The case file's files: their descriptions and their chunks.
    files: BTreeMap<String, FileMeta>,
    chunks: BTreeMap<(String, u32), Vec<u8>>,
}

/// A store that keeps everything in maps and implements only the persistence verbs.
#[derive(Default)]
struct MapStore {
    data: Data,
    /// Doctors the snapshots it returns (a damaged backend, for `verify`).
    doctored: bool,
}

/// A transaction works on a copy of the data, swapped in on commit (dropping it aborts).
struct MapTxn<'a> {
    store: &'a mut MapStore,
    work: Data,
}

impl Store for MapStore {
    type Txn<'a> = MapTxn<'a>;
    fn txn(&mut self, _gate: Gate<'_>) -> Result<MapTxn<'_>> {
        let work = self.data.clone();
        Ok(MapTxn { store: self, work })
    }
}

/// Stores a sealed entry at the next position; any other position means another writer won.
fn push(log: &mut Vec<StoredEntry>, e: &StoredEntry) -> Result<()> {
    if e.gseq != log.len() as u64 + 1 {
        return Err(StorageError::Conflict.into());
    }
    log.push(e.clone());
    Ok(())
}

fn visit(
    log: &[StoredEntry],
    from: u64,
    f: &mut dyn FnMut(StoredEntry) -> Result<bool>,
) -> Result<()> {
    for e in log.iter().skip(from.saturating_sub(1) as usize) {
        if !f(e.clone())? {
            break;
        }
    }
    Ok(())
}

impl Txn for MapTxn<'_> {
    fn initialized(&mut self) -> Result<bool> {
        Ok(!self.work.chain.is_empty())
    }
    fn org(&mut self) -> Result<org::Org> {
        let (units, staff) = (&self.work.units, &self.work.staff);
        Ok(org::Org::from_stored(
            units.values().cloned().collect(),
            staff.values().cloned().collect(),
        ))
    }
    fn policy(&mut self) -> Result<policy::Policy> {
        Ok(self.work.settings.0.clone())
    }
    fn calendar(&mut self) -> Result<clock::Calendar> {
        Ok(self.work.settings.1.clone())
    }
    fn chain_tail(&mut self) -> Result<Option<ChainTail>> {
        let c = &self.work.chain;
        let prev_hash = |i: usize| {
            c.get(i).map_or(audit::GENESIS, |e| {
                e.hash.as_slice().try_into().unwrap_or_default()
            })
        };
        Ok(c.last().map(|last| ChainTail {
            last: last.clone(),
            prev_hash: prev_hash(c.len().wrapping_sub(2)),
        }))
    }
    fn append_admin(&mut self, a: Finished<'_, Sealed<'_, audit::AdminEvent>>) -> Result<()> {
        push(&mut self.work.chain, a.entry)
    }
    fn put_unit(&mut self, unit: Finished<'_, org::Unit>) -> Result<()> {
        self.work.units.insert(unit.code.to_string(), unit.clone());
        Ok(())
    }
    fn put_staff(&mut self, staff: Finished<'_, org::Staff>) -> Result<()> {
        self.work.staff.insert(staff.id.to_string(), staff.clone());
        Ok(())
    }
    fn put_settings(&mut self, s: Finished<'_, Settings<'_>>) -> Result<()> {
        self.work.settings = (s.policy.clone(), s.calendar.clone());
        Ok(())
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>> {
        Ok(self.work.events.get(id).cloned().unwrap_or_default())
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>> {
        let mut case = self.work.cases.get(id).cloned();
        if self.store.doctored {
            if let Some(c) = case.as_mut() {
                c.collective = !c.collective;
            }
        }
        Ok(case)
    }
    fn append(&mut self, a: Finished<'_, Append<'_>>) -> Result<()> {
        let (expected_seq, events, sealed) = (a.expected_seq, a.events, a.sealed);
        let Some(case) = events.first().map(|e| e.case.clone()) else {
            return Ok(());
        };
        let stored = self.work.events.entry(case).or_default();
        if stored.len() as u32 != expected_seq {
            return Err(StorageError::Conflict.into());
        }
        stored.extend(events.iter().cloned());
        sealed
            .iter()
            .try_for_each(|e| push(&mut self.work.chain, e))
    }
    fn put_case(&mut self, _before: Finished<'_, Case>, after: Finished<'_, Case>) -> Result<()> {
        self.work.cases.insert(after.id.clone(), after.clone());
        Ok(())
    }
    fn chain(&mut self, from: u64, f: Visitor<'_>) -> Result<()> {
        visit(&self.work.chain, from, f)
    }
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        let ids = self
            .work
            .cases
            .keys()
            .filter(|k| after.is_none_or(|a| *k > a));
        Ok(ids.take(limit).cloned().collect())
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        Ok(self.work.access.last().cloned())
    }
    fn append_access(&mut self, a: Finished<'_, Sealed<'_, Disclosure>>) -> Result<()> {
        push(&mut self.work.access, a.entry)
    }
    fn access_chain(&mut self, from: u64, f: Visitor<'_>) -> Result<()> {
        visit(&self.work.access, from, f)
    }
    fn key_record(&mut self, staff: &str, key: &str) -> Result<Option<KeyRecord>> {
        Ok(self.work.keys.get(&(staff.into(), key.into())).cloned())
    }
    fn put_key(
        &mut self,
        rec: Finished<'_, KeyRecord>,
        stale: Option<DateTime<FixedOffset>>,
    ) -> Result<()> {
        if let Some(stale) = stale {
            self.work.keys.retain(|_, r| r.at >= stale);
        }
        let k = (rec.staff.clone(), rec.key.clone());
        self.work.keys.insert(k, (*rec).clone());
        Ok(())
    }
    fn file(&mut self, sha256: &str) -> Result<Option<FileMeta>> {
        Ok(self.work.files.get(sha256).cloned())
    }
    fn put_file_chunk(&mut self, c: Finished<'_, FileChunk<'_>>) -> Result<()> {
        self.work
            .chunks
            .insert((c.sha256.to_string(), c.n), c.data.to_vec());
        Ok(())
    }
    fn put_file(&mut self, meta: Finished<'_, FileMeta>) -> Result<()> {
        self.work.files.insert(meta.sha256.clone(), (*meta).clone());
        Ok(())
    }
    fn file_chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        Ok(self.work.chunks.get(&(sha256.to_string(), n)).cloned())
    }
    fn files(&mut self, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>> {
        Ok(self
            .work
            .files
            .values()
            .filter(|m| after.is_none_or(|a| m.sha256.as_str() > a))
            .take(limit)
            .cloned()
            .collect())
    }
    fn commit(self) -> Result<()> {
        self.store.data = self.work;
        Ok(())
    }
}

/// One `#[test]` per conformance check.
macro_rules! checks {
    ($($check:ident),*) => {
        $(
            #[test]
            fn $check() {
                check_one(stringify!($check), MapStore::default);
            }
        )*
        #[test]
        fn every_check_is_a_test() {
            assert_eq!(check_names(), vec![$(stringify!($check)),*]);
        }
    };
}

checks!(
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
    files_are_kept_in_chunks_with_the_entry_that_attaches_them
);

fn registered(store: MapStore) -> Service<MapStore> {
    let mut svc = Service::new(store);
    let now = example::setup(&mut svc);
    let li = example::principal(&mut svc, "li");
    for _ in 0..3 {
        svc.register(&li, now, example::registration(now))
            .expect("register");
    }
    svc
}

#[test]
fn verify_compares_each_snapshot_with_the_chain() {
    let mut svc = registered(MapStore::default());
    let report = svc.verify(&[]).expect("verify");
    assert_eq!(report.problem, None);
    assert_eq!(report.cases, 3);

    svc.store().doctored = true;
    let report = svc.verify(&[]).expect("verify");
    assert_eq!(
        report.problem.as_deref(),
        Some("case XF2026-000001: the stored snapshot does not match the chain")
    );
}

#[test]
fn verify_finds_a_case_of_the_chain_without_a_snapshot() {
    let mut svc = registered(MapStore::default());
    let lost = svc.store().data.cases.pop_last();
    assert!(lost.is_some());
    let report = svc.verify(&[]).expect("verify");
    assert_eq!(
        report.problem.as_deref(),
        Some("cases: the chain has events of 3 cases, the store snapshots of 2")
    );
}
