//! 存储: the `Store` trait — a synchronous transaction with narrow verbs — and its two
//! implementations, SQLite ([`SqliteStore`]) and in-memory ([`MemoryStore`]), which pass one
//! conformance suite. The trait names no SQLite type, so another engine can implement it.

mod memory;
mod row;
mod sqlite;

#[cfg(test)]
pub(crate) mod conformance;
#[cfg(test)]
mod model;

use chrono::NaiveDate;

pub use memory::MemoryStore;
pub use row::{identity_keys, CaseRow, ClockRow, SupervisionRow};
pub use sqlite::{SqliteStore, SCHEMA_VERSION};

use crate::audit::AdminEvent;
use crate::case::{Case, CaseState, Event, RelatedCase};
use crate::clock::Calendar;
use crate::error::Result;
use crate::ids::{CaseId, UnitCode};
use crate::org::Org;
use crate::policy::Policy;

/// A store of cases, the organisation and the audit chain.
pub trait Store {
    /// A transaction. Dropping it without [`Txn::commit`] aborts it.
    type Txn<'a>: Txn
    where
        Self: 'a;
    /// Opens a write transaction (in SQLite: `BEGIN IMMEDIATE`). Fails with `conflict` when the
    /// database stays locked by another writer past the busy timeout.
    fn txn(&mut self) -> Result<Self::Txn<'_>>;
    /// Opens a read transaction: a consistent snapshot that does not block writers (in SQLite a
    /// deferred transaction under WAL). Only read verbs may be used on it.
    fn read(&mut self) -> Result<Self::Txn<'_>> {
        self.txn()
    }
}

/// How `query` orders its results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Most recently registered first.
    #[default]
    Newest,
    /// Earliest open duty due date first.
    Urgent,
}

/// A case query (`list`, `overdue`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseQuery {
    /// Any of these states (empty: all).
    pub states: Vec<CaseState>,
    /// Held or led by this unit.
    pub unit: Option<UnitCode>,
    /// Only cases with a duty clock overdue on this local date.
    pub overdue_on: Option<NaiveDate>,
    /// Only cases with an open duty clock due on or before this date.
    pub due_by: Option<NaiveDate>,
    /// Petitioner name contains this text.
    pub petitioner: Option<String>,
    /// Registered on or after.
    pub from: Option<NaiveDate>,
    /// Registered on or before.
    pub to: Option<NaiveDate>,
    /// At most this many.
    pub limit: usize,
    /// Order.
    pub order: Order,
}

/// A stored entry of the audit chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    /// Position in the chain, from 1.
    pub gseq: u64,
    /// The canonical JSON body as stored.
    pub body: String,
    /// The stored hash.
    pub hash: Vec<u8>,
}

/// The verbs of a transaction.
pub trait Txn {
    /// Whether `init` has run.
    fn initialized(&mut self) -> Result<bool>;
    /// The organisation.
    fn org(&mut self) -> Result<Org>;
    /// The policy.
    fn policy(&mut self) -> Result<Policy>;
    /// The calendar.
    fn calendar(&mut self) -> Result<Calendar>;
    /// Appends an administrative event to the chain and applies it to the organisation, policy or
    /// calendar.
    fn append_admin(&mut self, ev: &AdminEvent) -> Result<()>;
    /// Allocates the next case id of `year`.
    fn next_case_id(&mut self, year: i32) -> Result<CaseId>;
    /// Makes sure later allocations come after `id` (used when importing).
    fn bump_case_counter(&mut self, id: &CaseId) -> Result<()>;
    /// A case's events in order (empty when unknown).
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>>;
    /// The stored snapshot of a case (the projection), without replaying.
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>>;
    /// Appends events to a case whose last sequence number is `expected_seq` (0 for a new case);
    /// `conflict` when another writer got there first.
    fn append(&mut self, expected_seq: u32, events: &[Event]) -> Result<()>;
    /// Writes the query tables for a case that was `before` (a fresh [`Case::new`] when new) and is
    /// now `after`; stores may write only what changed.
    fn put_case(&mut self, before: &Case, after: &Case) -> Result<()>;
    /// Earlier cases with any of these identity keys and the same category and locality (§6.4).
    fn find_related(
        &mut self,
        keys: &[String],
        category: &str,
        locality: &UnitCode,
    ) -> Result<Vec<RelatedCase>>;
    /// The current summary of these cases.
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>>;
    /// Cases matching a query.
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>>;
    /// A unit's work (§10.2 `queue`), most urgent first, with the date that makes each urgent.
    fn queue(&mut self, unit: &UnitCode, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>>;
    /// Cases on which `tick` has work on or before `today`, through the due-date index, in
    /// (next tick date, id) order after the cursor `after`, at most `limit`, with their dates.
    fn due_for_tick(
        &mut self,
        today: NaiveDate,
        after: Option<&(NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, CaseId)>>;
    /// Visits the chain in order; the visitor returns false to stop.
    fn chain(
        &mut self,
        from: u64,
        visit: &mut dyn FnMut(StoredEntry) -> Result<bool>,
    ) -> Result<()>;
    /// Raw counts for statistics (SPEC §8), by group key.
    fn stats(
        &mut self,
        q: &crate::stats::StatsQuery,
    ) -> Result<std::collections::BTreeMap<String, crate::stats::Counts>>;
    /// How many cases there are.
    fn case_count(&mut self) -> Result<u64>;
    /// Every case id, in id order, after `after`, at most `limit`.
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>>;
    /// Commits.
    fn commit(self) -> Result<()>;
}

/// Seals an entry onto the chain after `prev` (hash of the previous entry, or the genesis).
pub(crate) fn seal(gseq: u64, prev: &[u8; 32], entry: &crate::audit::Entry) -> StoredEntry {
    let body = crate::audit::canonical(&crate::audit::body(entry, gseq));
    let hash = crate::audit::chain_hash(prev, &body);
    StoredEntry {
        gseq,
        body,
        hash: hash.to_vec(),
    }
}

/// Whether a clock kind is a unit's duty (not a petitioner's or receiver's window).
pub(crate) fn is_duty(kind: crate::clock::ClockKind) -> bool {
    !kind.is_window()
}

/// Applies an administrative event to the organisation, policy and calendar.
pub(crate) fn apply_admin(
    org: &mut Org,
    policy: &mut Policy,
    calendar: &mut Calendar,
    kind: &crate::audit::AdminKind,
) -> Result<()> {
    use crate::audit::AdminKind;
    match kind {
        AdminKind::Initialized { admin } => org.insert_staff_unchecked(admin.clone()),
        AdminKind::UnitAdded { unit } => org.insert_unit_unchecked(unit.clone()),
        AdminKind::StaffAdded { staff } => org.insert_staff_unchecked(staff.clone()),
        AdminKind::PolicySet { key, value } => policy.set(key, value)?,
        AdminKind::CalendarSet { entries } => {
            for (d, k) in entries {
                calendar.set(*d, *k);
            }
        }
    }
    Ok(())
}
