//! A store that fails a commit once: a retried transaction counts once; the petitioner's
//! online rating survives a round trip.

use super::*;
use crate::case::Case;
use crate::error::Result;
use crate::store::{Sealed, Settings, Visitor};

/// A store that "crashes" (fails to commit) after a number of commits, for crash-safety tests.
/// With `conflict_first`, every transaction's first commit fails with `conflict` (as PostgreSQL
/// may report at commit) and its retry succeeds.
pub(super) struct Flaky {
    pub(super) inner: MemoryStore,
    pub(super) commits_left: std::rc::Rc<std::cell::Cell<i64>>,
    pub(super) conflict_first: Option<std::rc::Rc<std::cell::Cell<bool>>>,
    /// A defect to plant: answer queries in the wrong order.
    pub(super) reversed_queries: bool,
}

pub(super) struct FlakyTxn<'a> {
    inner: <MemoryStore as Store>::Txn<'a>,
    commits_left: std::rc::Rc<std::cell::Cell<i64>>,
    conflict_first: Option<std::rc::Rc<std::cell::Cell<bool>>>,
    reversed_queries: bool,
}

impl Store for Flaky {
    type Txn<'a> = FlakyTxn<'a>;
    fn txn(&mut self, gate: crate::store::Gate<'_>) -> Result<FlakyTxn<'_>> {
        Ok(FlakyTxn {
            inner: self.inner.txn(gate)?,
            commits_left: self.commits_left.clone(),
            conflict_first: self.conflict_first.clone(),
            reversed_queries: self.reversed_queries,
        })
    }
}

/// Every persistence verb goes to the memory store; the index queries keep their defaults
/// (answered from the snapshots), but for the planted defect in `query`.
impl Txn for FlakyTxn<'_> {
    fn file(&mut self, sha256: &str) -> Result<Option<crate::attachment::FileMeta>> {
        self.inner.file(sha256)
    }
    fn put_file_chunk(&mut self, chunk: Finished<'_, crate::store::FileChunk<'_>>) -> Result<()> {
        self.inner.put_file_chunk(chunk)
    }
    fn put_file(&mut self, meta: Finished<'_, crate::attachment::FileMeta>) -> Result<()> {
        self.inner.put_file(meta)
    }
    fn file_chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        self.inner.file_chunk(sha256, n)
    }
    fn files(
        &mut self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::attachment::FileMeta>> {
        self.inner.files(after, limit)
    }
    fn key_record(
        &mut self,
        staff: &str,
        key: &str,
    ) -> Result<Option<crate::idempotency::KeyRecord>> {
        self.inner.key_record(staff, key)
    }
    fn put_key(
        &mut self,
        rec: Finished<'_, crate::idempotency::KeyRecord>,
        stale: Option<chrono::DateTime<chrono::FixedOffset>>,
    ) -> Result<()> {
        self.inner.put_key(rec, stale)
    }
    fn initialized(&mut self) -> Result<bool> {
        self.inner.initialized()
    }
    fn org(&mut self) -> Result<crate::org::Org> {
        self.inner.org()
    }
    fn policy(&mut self) -> Result<crate::policy::Policy> {
        self.inner.policy()
    }
    fn calendar(&mut self) -> Result<crate::clock::Calendar> {
        self.inner.calendar()
    }
    fn chain_tail(&mut self) -> Result<Option<ChainTail>> {
        self.inner.chain_tail()
    }
    fn append_admin(&mut self, a: Finished<'_, Sealed<'_, AdminEvent>>) -> Result<()> {
        self.inner.append_admin(a)
    }
    fn put_unit(&mut self, unit: Finished<'_, crate::org::Unit>) -> Result<()> {
        self.inner.put_unit(unit)
    }
    fn put_staff(&mut self, staff: Finished<'_, Staff>) -> Result<()> {
        self.inner.put_staff(staff)
    }
    fn put_settings(&mut self, s: Finished<'_, Settings<'_>>) -> Result<()> {
        self.inner.put_settings(s)
    }
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> Result<CaseId> {
        self.inner.next_case_id(year)
    }
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> Result<()> {
        self.inner.bump_case_counter(id)
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<crate::case::Event>> {
        self.inner.load_events(id)
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<crate::case::Case>> {
        self.inner.load_snapshot(id)
    }
    fn append(&mut self, a: Finished<'_, Append<'_>>) -> Result<()> {
        self.inner.append(a)
    }
    fn put_case(&mut self, before: Finished<'_, Case>, after: Finished<'_, Case>) -> Result<()> {
        self.inner.put_case(before, after)
    }
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        let mut ids = self.inner.query(q)?;
        if self.reversed_queries {
            ids.reverse();
        }
        Ok(ids)
    }
    fn chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        self.inner.chain(from, visit)
    }
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        self.inner.case_ids(after, limit)
    }
    fn append_access(
        &mut self,
        a: Finished<'_, Sealed<'_, crate::access::Disclosure>>,
    ) -> Result<()> {
        self.inner.append_access(a)
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        self.inner.access_tail()
    }
    fn access_chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        self.inner.access_chain(from, visit)
    }
    fn commit(self) -> Result<()> {
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
    fn schema_problem(&mut self) -> Result<Option<String>> {
        self.inner.schema_problem()
    }
    fn stored_row(&mut self, id: &CaseId, keys: &[String]) -> Result<Option<CaseRow>> {
        self.inner.stored_row(id, keys)
    }
    fn events_at(&mut self, id: &CaseId) -> Result<Vec<(u64, crate::case::Event)>> {
        self.inner.events_at(id)
    }
    fn matter_cases(&mut self, m: &crate::store::Matter<'_>) -> Result<Vec<CaseId>> {
        self.inner.matter_cases(m)
    }
    fn cases_by_day(
        &mut self,
        after: Option<&(chrono::NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(chrono::NaiveDate, CaseId)>> {
        self.inner.cases_by_day(after, limit)
    }
    fn stats_rows(&mut self, day: chrono::NaiveDate) -> Result<Vec<StatsRow>> {
        self.inner.stats_rows(day)
    }
    fn derived_counts(&mut self) -> Result<[u64; 7]> {
        self.inner.derived_counts()
    }
    fn chain_case_count(&mut self) -> Result<u64> {
        self.inner.chain_case_count()
    }
    fn year_counters(&mut self) -> Result<std::collections::BTreeMap<i32, u32>> {
        self.inner.year_counters()
    }
}

#[test]
pub(super) fn a_transaction_retried_after_a_conflict_at_commit_counts_once_and_loses_no_line() {
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
pub(super) fn a_petitioners_online_rating_is_recorded_and_survives_a_round_trip() {
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
