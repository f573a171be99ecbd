//! The in-memory twin of the SQLite store: the same verbs and the same semantics, for tests and for
//! embedders that keep their own persistence. A transaction works on a copy and swaps it in on
//! commit, so dropping it aborts.

use crate::store::{Append, Matter};
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::index;
use super::{CaseQuery, CaseRow, ChainTail, DuePage, Finished, Sealed, Settings};
use super::{StatsRow, Store, StoredEntry, Txn, Visitor};
use crate::access::Disclosure;
use crate::audit::{AdminEvent, AdminKind, GENESIS};
use crate::case::{Case, Event, RelatedCase};
use crate::clock::Calendar;
use crate::error::{DomainError, Result, StorageError};
use crate::ids::{CaseId, UnitCode};
use crate::org::Org;
use crate::policy::Policy;
use crate::stats::{GroupCounts, StatsQuery};

#[derive(Clone, Debug, Default)]
struct Data {
    chain: Vec<StoredEntry>,
    org: Org,
    policy: Policy,
    calendar: Calendar,
    initialized: bool,
    counters: BTreeMap<i32, u32>,
    /// Each case's events with their chain positions.
    events: BTreeMap<CaseId, Vec<(u64, Event)>>,
    cases: BTreeMap<CaseId, (CaseRow, Case)>,
    access: Vec<StoredEntry>,
    /// Idempotency keys by (staff, key).
    keys: BTreeMap<(String, String), crate::idempotency::KeyRecord>,
    /// The case file's files by hash, and their chunks (shared, so a transaction's copy of the
    /// store does not copy their bytes).
    files: BTreeMap<String, crate::attachment::FileMeta>,
    chunks: BTreeMap<(String, u32), std::sync::Arc<Vec<u8>>>,
}

/// An in-memory store.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    data: Data,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A transaction on a [`MemoryStore`].
pub struct MemTxn<'a> {
    target: &'a mut Data,
    work: Data,
}

impl Store for MemoryStore {
    type Txn<'a> = MemTxn<'a>;
    fn txn(&mut self, _gate: super::Gate<'_>) -> Result<MemTxn<'_>> {
        let work = self.data.clone();
        Ok(MemTxn {
            target: &mut self.data,
            work,
        })
    }
}

impl MemTxn<'_> {
    /// Stores a sealed entry at the next position; any other position is `conflict`.
    fn push(log: &mut Vec<StoredEntry>, sealed: &StoredEntry) -> Result<()> {
        if sealed.gseq != log.len() as u64 + 1 {
            return Err(DomainError::from(StorageError::Conflict));
        }
        log.push(sealed.clone());
        Ok(())
    }

    /// The query rows this store keeps beside each snapshot.
    fn rows(&self) -> impl Iterator<Item = &CaseRow> {
        self.work.cases.values().map(|(r, _)| r)
    }
}

/// The hash of a chain's last entry, or the genesis for an empty chain.
fn last_hash(chain: &[StoredEntry]) -> [u8; 32] {
    chain
        .last()
        .and_then(|e| e.hash.as_slice().try_into().ok())
        .unwrap_or(GENESIS)
}

impl Txn for MemTxn<'_> {
    fn key_record(
        &mut self,
        staff: &str,
        key: &str,
    ) -> Result<Option<crate::idempotency::KeyRecord>> {
        Ok(self
            .work
            .keys
            .get(&(staff.to_string(), key.to_string()))
            .cloned())
    }
    fn put_key(
        &mut self,
        rec: Finished<'_, crate::idempotency::KeyRecord>,
        stale: Option<chrono::DateTime<chrono::FixedOffset>>,
    ) -> Result<()> {
        if let Some(stale) = stale {
            self.work.keys.retain(|_, r| r.at >= stale);
        }
        self.work
            .keys
            .insert((rec.staff.clone(), rec.key.clone()), (*rec).clone());
        Ok(())
    }
    fn initialized(&mut self) -> Result<bool> {
        Ok(self.work.initialized)
    }
    fn org(&mut self) -> Result<Org> {
        Ok(self.work.org.clone())
    }
    fn policy(&mut self) -> Result<Policy> {
        Ok(self.work.policy.clone())
    }
    fn calendar(&mut self) -> Result<Calendar> {
        Ok(self.work.calendar.clone())
    }
    fn chain_tail(&mut self) -> Result<Option<ChainTail>> {
        let chain = &self.work.chain;
        Ok(chain.last().map(|last| ChainTail {
            last: last.clone(),
            prev_hash: last_hash(&chain[..chain.len() - 1]),
        }))
    }
    fn append_admin(&mut self, a: Finished<'_, Sealed<'_, AdminEvent>>) -> Result<()> {
        Self::push(&mut self.work.chain, a.entry)?;
        if matches!(a.value.kind, AdminKind::Initialized { .. }) {
            self.work.initialized = true;
        }
        Ok(())
    }
    fn put_unit(&mut self, unit: Finished<'_, crate::org::Unit>) -> Result<()> {
        let unit: &crate::org::Unit = &unit;

        self.work.org.insert_unit_unchecked(unit.clone());
        Ok(())
    }
    fn put_staff(&mut self, staff: Finished<'_, crate::org::Staff>) -> Result<()> {
        let staff: &crate::org::Staff = &staff;

        self.work.org.insert_staff_unchecked(staff.clone());
        Ok(())
    }
    fn put_settings(&mut self, s: Finished<'_, Settings<'_>>) -> Result<()> {
        self.work.policy = s.policy.clone();
        self.work.calendar = s.calendar.clone();
        Ok(())
    }
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> Result<CaseId> {
        let year: i32 = *year;

        let n = self.work.counters.entry(year).or_insert(0);
        *n += 1;
        Ok(CaseId::new(year, *n))
    }
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> Result<()> {
        let id: &CaseId = &id;

        let n = self.work.counters.entry(id.year()).or_insert(0);
        *n = (*n).max(id.sequence());
        Ok(())
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>> {
        Ok(self
            .work
            .events
            .get(id)
            .map(|v| v.iter().map(|(_, e)| e.clone()).collect())
            .unwrap_or_default())
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>> {
        Ok(self.work.cases.get(id).map(|(_, c)| c.clone()))
    }
    fn append(&mut self, a: Finished<'_, Append<'_>>) -> Result<()> {
        let (expected_seq, events, sealed) = (a.expected_seq, a.events, a.sealed);
        let Some(first) = events.first() else {
            return Ok(());
        };
        let last = self
            .work
            .events
            .get(&first.case)
            .map_or(0, |v| v.len() as u32);
        super::check_append(last, expected_seq, events, sealed)?;
        for (e, s) in events.iter().zip(sealed) {
            Self::push(&mut self.work.chain, s)?;
            self.work
                .events
                .entry(e.case.clone())
                .or_default()
                .push((s.gseq, e.clone()));
        }
        Ok(())
    }
    fn put_case(&mut self, _before: Finished<'_, Case>, case: Finished<'_, Case>) -> Result<()> {
        let case: &Case = &case;

        self.work
            .cases
            .insert(case.id.clone(), (CaseRow::of(case), case.clone()));
        Ok(())
    }
    fn find_related(&mut self, m: &Matter<'_>) -> Result<Vec<RelatedCase>> {
        Ok(self
            .work
            .cases
            .values()
            .filter(|(r, _)| index::is_related(r, m.keys, m.category, m.locality))
            .filter_map(|(_, c)| index::summary(c))
            .collect())
    }
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>> {
        Ok(ids
            .iter()
            .filter_map(|id| self.work.cases.get(id))
            .filter_map(|(_, c)| index::summary(c))
            .collect())
    }
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        Ok(index::query(self.rows(), q))
    }
    fn queue(&mut self, unit: &UnitCode, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        Ok(index::queue(self.rows(), unit, limit))
    }
    fn due_for_tick(&mut self, page: &DuePage<'_>) -> Result<Vec<(NaiveDate, CaseId)>> {
        Ok(index::due_for_tick(self.rows(), page))
    }
    fn chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        for e in self.work.chain.iter().skip(from.saturating_sub(1) as usize) {
            if !visit(e.clone())? {
                break;
            }
        }
        Ok(())
    }
    fn stats(&mut self, q: &StatsQuery) -> Result<GroupCounts> {
        Ok(index::stats(self.rows(), q))
    }
    fn case_count(&mut self) -> Result<u64> {
        Ok(self.work.cases.len() as u64)
    }
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        Ok(self
            .work
            .cases
            .keys()
            .filter(|k| after.is_none_or(|a| *k > a))
            .take(limit)
            .cloned()
            .collect())
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        Ok(self.work.access.last().cloned())
    }
    fn append_access(&mut self, a: Finished<'_, Sealed<'_, Disclosure>>) -> Result<()> {
        Self::push(&mut self.work.access, a.entry)
    }
    fn access_chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        for e in self
            .work
            .access
            .iter()
            .skip(from.saturating_sub(1) as usize)
        {
            if !visit(e.clone())? {
                break;
            }
        }
        Ok(())
    }
    fn file(&mut self, sha256: &str) -> Result<Option<crate::attachment::FileMeta>> {
        Ok(self.work.files.get(sha256).cloned())
    }
    fn put_file_chunk(&mut self, c: Finished<'_, super::FileChunk<'_>>) -> Result<()> {
        self.work.chunks.insert(
            (c.sha256.to_string(), c.n),
            std::sync::Arc::new(c.data.to_vec()),
        );
        Ok(())
    }
    fn put_file(&mut self, meta: Finished<'_, crate::attachment::FileMeta>) -> Result<()> {
        self.work.files.insert(meta.sha256.clone(), (*meta).clone());
        Ok(())
    }
    fn file_chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        Ok(self
            .work
            .chunks
            .get(&(sha256.to_string(), n))
            .map(|c| c.to_vec()))
    }
    fn files(
        &mut self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::attachment::FileMeta>> {
        use std::ops::Bound;
        let from = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.to_string()));
        Ok(self
            .work
            .files
            .range((from, Bound::Unbounded))
            .take(limit)
            .map(|(_, m)| m.clone())
            .collect())
    }
    fn commit(self) -> Result<()> {
        let work = self.work;
        *self.target = work;
        Ok(())
    }
    #[allow(private_interfaces)]
    fn derived(&mut self) -> Option<&mut dyn crate::store::Derived> {
        Some(self)
    }
}

impl crate::store::Derived for MemTxn<'_> {
    fn schema_problem(&mut self) -> Result<Option<String>> {
        Ok(None) // no schema: nothing but this program's structures
    }
    fn stored_row(&mut self, id: &CaseId, _identity_keys: &[String]) -> Result<Option<CaseRow>> {
        Ok(self.work.cases.get(id).map(|(r, _)| r.clone()))
    }
    fn matter_cases(&mut self, m: &crate::store::Matter<'_>) -> Result<Vec<CaseId>> {
        Ok(self.find_related(m)?.into_iter().map(|r| r.id).collect())
    }
    fn events_at(&mut self, id: &CaseId) -> Result<Vec<(u64, Event)>> {
        Ok(self.work.events.get(id).cloned().unwrap_or_default())
    }
    fn cases_by_day(
        &mut self,
        after: Option<&(NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, CaseId)>> {
        let mut v: Vec<(NaiveDate, CaseId)> = self
            .work
            .cases
            .values()
            .filter_map(|(r, _)| r.registered_on.map(|d| (d, r.id.clone())))
            .filter(|k| after.is_none_or(|a| k > a))
            .collect();
        v.sort();
        v.truncate(limit);
        Ok(v)
    }
    fn stats_rows(&mut self, day: NaiveDate) -> Result<Vec<StatsRow>> {
        let mut sums: BTreeMap<crate::stats::CounterKey, i64> = BTreeMap::new();
        for (r, _) in self.work.cases.values() {
            if r.registered_on == Some(day) {
                for (k, n) in crate::stats::counters(r) {
                    *sums.entry(k).or_default() += n;
                }
            }
        }
        Ok(sums
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(|(k, n)| StatsRow {
                grouping: k.grouping,
                key: k.key,
                item: k.item,
                due: k.due,
                n,
            })
            .collect())
    }
    fn derived_counts(&mut self) -> Result<[u64; 7]> {
        let mut c = [self.work.cases.len() as u64, 0, 0, 0, 0, 0, 0];
        let mut days = std::collections::BTreeSet::new();
        for (r, _) in self.work.cases.values() {
            c[1] += r.clocks.len() as u64;
            c[2] += r.supervisions.len() as u64;
            c[5] += r.units.len() as u64;
            c[6] += u64::from(r.search.is_some());
            if r.category.is_some() && r.locality.is_some() {
                c[3] += r.identities.len() as u64;
            }
            days.extend(r.registered_on);
        }
        for d in days {
            c[4] += self.stats_rows(d)?.len() as u64;
        }
        Ok(c)
    }
    fn chain_case_count(&mut self) -> Result<u64> {
        Ok(self.work.events.len() as u64)
    }
    fn year_counters(&mut self) -> Result<BTreeMap<i32, u32>> {
        Ok(self.work.counters.clone())
    }
}
