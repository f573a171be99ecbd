//! A custom store: an embedder's own backend, checked by the conformance suite.
//!
//! `JournalStore` keeps its data in a [`MemoryStore`] and, as every transaction commits, copies
//! the position and hash of each new audit-chain entry to a journal (here a list in memory; in
//! production a write-once medium or another site) — so the chain's head can be checked against
//! a copy the database's own administrator cannot rewrite. A backend only persists: the service
//! decides each command, seals each entry and applies each administrative change, and hands the
//! backend finished rows through the [`Txn`] verbs. The suite then checks the backend keeps what
//! the trait promises.
//!
//! Run: `cargo run -p petition-core --example custom_store`
use std::cell::RefCell;
use std::rc::Rc;

use petition_core::audit::AdminEvent;
use petition_core::conformance::{check_names, check_store};
use petition_core::org::Staff;
use petition_core::store::{
    CaseQuery, CaseRow, ChainTail, Finished, Gate, MemTxn, StatsRow, StoredEntry, Txn,
};
use petition_core::{example, CaseId, DomainError, MemoryStore, Service, Store};

type Result<T> = std::result::Result<T, DomainError>;
type Journal = Rc<RefCell<Vec<String>>>;

/// A store that journals the chain's positions and hashes as they commit.
#[derive(Default)]
struct JournalStore {
    inner: MemoryStore,
    journal: Journal,
}

/// A transaction of a [`JournalStore`]: the entries it sealed wait here for the commit.
struct JournalTxn<'a> {
    inner: MemTxn<'a>,
    journal: Journal,
    sealed: Vec<StoredEntry>,
}

impl Store for JournalStore {
    type Txn<'a> = JournalTxn<'a>;
    fn txn(&mut self, gate: Gate<'_>) -> Result<JournalTxn<'_>> {
        Ok(JournalTxn {
            inner: self.inner.txn(gate)?,
            journal: self.journal.clone(),
            sealed: Vec::new(),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Txn for JournalTxn<'_> {
    fn initialized(&mut self) -> Result<bool> {
        self.inner.initialized()
    }
    fn org(&mut self) -> Result<petition_core::org::Org> {
        self.inner.org()
    }
    fn policy(&mut self) -> Result<petition_core::policy::Policy> {
        self.inner.policy()
    }
    fn calendar(&mut self) -> Result<petition_core::clock::Calendar> {
        self.inner.calendar()
    }
    fn chain_tail(&mut self) -> Result<Option<ChainTail>> {
        self.inner.chain_tail()
    }
    fn append_admin(
        &mut self,
        ev: Finished<'_, AdminEvent>,
        sealed: Finished<'_, StoredEntry>,
    ) -> Result<()> {
        let entry = StoredEntry::clone(&sealed);
        self.inner.append_admin(ev, sealed)?;
        self.sealed.push(entry);
        Ok(())
    }
    fn put_unit(&mut self, unit: Finished<'_, petition_core::org::Unit>) -> Result<()> {
        self.inner.put_unit(unit)
    }
    fn put_staff(&mut self, staff: Finished<'_, Staff>) -> Result<()> {
        self.inner.put_staff(staff)
    }
    fn put_settings(
        &mut self,
        policy: Finished<'_, petition_core::policy::Policy>,
        calendar: Finished<'_, petition_core::clock::Calendar>,
    ) -> Result<()> {
        self.inner.put_settings(policy, calendar)
    }
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> Result<CaseId> {
        self.inner.next_case_id(year)
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<petition_core::case::Event>> {
        self.inner.load_events(id)
    }
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> Result<()> {
        self.inner.bump_case_counter(id)
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<petition_core::case::Case>> {
        self.inner.load_snapshot(id)
    }
    fn append(
        &mut self,
        expected_seq: u32,
        events: Finished<'_, [petition_core::case::Event]>,
        sealed: Finished<'_, [StoredEntry]>,
    ) -> Result<()> {
        let entries = sealed.to_vec();
        self.inner.append(expected_seq, events, sealed)?;
        self.sealed.extend(entries);
        Ok(())
    }
    fn put_case(
        &mut self,
        before: Finished<'_, petition_core::case::Case>,
        after: Finished<'_, petition_core::case::Case>,
    ) -> Result<()> {
        self.inner.put_case(before, after)
    }
    fn find_related(
        &mut self,
        keys: &[String],
        category: &str,
        locality: &petition_core::ids::UnitCode,
    ) -> Result<Vec<petition_core::case::RelatedCase>> {
        self.inner.find_related(keys, category, locality)
    }
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<petition_core::case::RelatedCase>> {
        self.inner.related(ids)
    }
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        self.inner.query(q)
    }
    fn queue(
        &mut self,
        unit: &petition_core::ids::UnitCode,
        limit: usize,
    ) -> Result<Vec<(CaseId, Option<chrono::NaiveDate>)>> {
        self.inner.queue(unit, limit)
    }
    fn due_for_tick(
        &mut self,
        today: chrono::NaiveDate,
        after: Option<&(chrono::NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(chrono::NaiveDate, CaseId)>> {
        self.inner.due_for_tick(today, after, limit)
    }
    fn chain(
        &mut self,
        from: u64,
        visit: &mut dyn FnMut(StoredEntry) -> Result<bool>,
    ) -> Result<()> {
        self.inner.chain(from, visit)
    }
    fn case_count(&mut self) -> Result<u64> {
        self.inner.case_count()
    }
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        self.inner.case_ids(after, limit)
    }
    fn stats(
        &mut self,
        q: &petition_core::stats::StatsQuery,
    ) -> Result<std::collections::BTreeMap<String, petition_core::stats::Counts>> {
        self.inner.stats(q)
    }
    fn append_access(
        &mut self,
        d: Finished<'_, petition_core::access::Disclosure>,
        sealed: Finished<'_, StoredEntry>,
    ) -> Result<()> {
        self.inner.append_access(d, sealed)
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        self.inner.access_tail()
    }
    fn access_log(
        &mut self,
        case: Option<&CaseId>,
        staff: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<petition_core::access::LoggedDisclosure>> {
        self.inner.access_log(case, staff, after, limit)
    }
    fn access_chain(&mut self, visit: &mut dyn FnMut(StoredEntry) -> Result<bool>) -> Result<()> {
        self.inner.access_chain(visit)
    }
    fn stored_row(&mut self, id: &CaseId, keys: &[String]) -> Result<Option<CaseRow>> {
        self.inner.stored_row(id, keys)
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
    fn commit(self) -> Result<()> {
        // The entries reach the journal only once the backend has committed them.
        self.inner.commit()?;
        let mut journal = self.journal.borrow_mut();
        for e in self.sealed {
            journal.push(format!("{} {}", e.gseq, hex(&e.hash)));
        }
        Ok(())
    }
}

fn main() -> Result<()> {
    // 1. The backend passes every check of the suite, each on a fresh store.
    check_store(JournalStore::default);
    println!("conformance: {} checks passed", check_names().len());

    // 2. In use: the journal holds the chain's head, whatever happens to the database later.
    let journal = Journal::default();
    let mut svc = Service::new(JournalStore {
        inner: MemoryStore::new(),
        journal: journal.clone(),
    });
    let now = example::setup(&mut svc);
    let li = example::principal(&mut svc, "li");
    let case = svc
        .register(&li, now, example::registration(now))?
        .case
        .case;
    let head = svc.verify(&[])?.head;
    let last = journal.borrow().last().cloned().unwrap_or_default();
    assert_eq!(last, format!("{} {}", head.position, head.hash));
    println!("registered {}; journal head: {last}", case.id);
    Ok(())
}
