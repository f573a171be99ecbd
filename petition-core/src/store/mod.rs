//! 存储: the `Store` trait — a synchronous transaction with narrow verbs — and its two
//! implementations, SQLite ([`SqliteStore`]), in-memory ([`MemoryStore`]) and, with the
//! `postgres` feature, PostgreSQL (`PgStore`), which pass one conformance suite
//! ([`crate::conformance`]). The trait names no engine's type, so another engine can implement it.

#[macro_use]
mod sql;
mod any;
pub(crate) mod index;
mod memory;
#[cfg(feature = "postgres")]
mod pg;
mod schema_check;
mod sqlite;

#[cfg(test)]
pub(crate) mod conformance;
#[cfg(test)]
mod model;
pub(crate) mod raw;

use chrono::{DateTime, FixedOffset, NaiveDate};

pub(crate) use crate::projection::{CaseRow, ClockRow, SupervisionRow};
pub use any::{AnyStore, AnyTxn};
pub use memory::{MemTxn, MemoryStore};
#[cfg(feature = "postgres")]
pub use pg::{PgStore, PgTxn, PG_SCHEMA_VERSION};
pub use sqlite::{SqliteStore, SqliteTxn, SCHEMA_VERSION};

use crate::access::{Disclosure, LoggedDisclosure};
use crate::attachment::FileMeta;
use crate::audit::AdminEvent;
use crate::case::{Case, CaseState, Event, RelatedCase};
use crate::clock::Calendar;
use crate::error::DomainError;
use crate::error::Result;
use crate::idempotency::KeyRecord;
use crate::ids::{CaseId, UnitCode};
use crate::org::Org;
use crate::policy::Policy;
use crate::stats::{GroupCounts, StatsQuery};

/// A store of cases, the organisation and the audit chain.
pub trait Store {
    /// A transaction. Dropping it without [`Txn::commit`] aborts it.
    type Txn<'a>: Txn
    where
        Self: 'a;
    /// Opens a write transaction (in SQLite: `BEGIN IMMEDIATE`). Fails with `conflict` when the
    /// database stays locked by another writer past the busy timeout.
    fn txn(&mut self, gate: Gate<'_>) -> Result<Self::Txn<'_>>;
    /// Opens a read transaction: a consistent snapshot that does not block writers (in SQLite a
    /// deferred transaction under WAL). Only read verbs may be used on it.
    fn read(&mut self, gate: Gate<'_>) -> Result<Self::Txn<'_>> {
        self.txn(gate)
    }
    /// Copies the whole database to a new file at `dest` while writers may run (`petition
    /// backup`); a store that cannot refuses (the default), saying how it is backed up instead.
    fn backup(&mut self, gate: Gate<'_>, dest: &std::path::Path) -> Result<()> {
        let _ = (gate, dest);
        Err(crate::error::DomainError::from(crate::error::Refusal::invalid(
            "this database is backed up by its own engine's tools, or copied whole into a new file",
            "此数据库由其数据库引擎自身的工具备份，或整体复制到新文件",
        )))
    }
    /// Removes everything a failed import into this new, empty database made, leaving it as it
    /// was before (the default: nothing to remove — a file-based store's caller removes the new
    /// file). Only called after an import that began on an empty database failed.
    fn discard(&mut self, gate: Gate<'_>) -> Result<()> {
        let _ = gate;
        Ok(())
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

/// A case query (`list`, `overdue`). `CaseQuery::default()` asks for the 50 newest cases.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Carried by this case officer (承办人).
    pub officer: Option<crate::ids::StaffId>,
    /// Registered on or after.
    pub from: Option<NaiveDate>,
    /// Registered on or before.
    pub to: Option<NaiveDate>,
    /// At most this many.
    pub limit: usize,
    /// Skip this many matches first (paging).
    pub offset: usize,
    /// Only the case registered with this external reference (another system's id).
    pub external_ref: Option<crate::case::ExternalRef>,
    /// Only cases in which one of these units appears (a reader's reach, see
    /// [`crate::access`]); `None` for no such filter. A store may return more than this filter
    /// lets through, never less: the service checks each case's access again.
    pub reach: Option<Vec<UnitCode>>,
    /// Order.
    pub order: Order,
}

/// What one command appends to its case, whose last sequence number is `expected_seq` (0 for
/// a new case): its events, each with its chain entry as the service sealed it (`sealed[i]` is
/// `events[i]`'s).
#[derive(Clone, Copy, Debug)]
pub struct Append<'a> {
    /// The case's last sequence number before these events.
    pub expected_seq: u32,
    /// The events, in order.
    pub events: &'a [Event],
    /// Their sealed chain entries.
    pub sealed: &'a [StoredEntry],
}

/// A matter, for finding a petitioner's earlier cases of it: any of the identity keys, the same
/// category and locality.
#[derive(Clone, Copy, Debug)]
pub struct Matter<'a> {
    /// The petitioners' identity keys (`id:<number>`, `np:<name>|<phone>`).
    pub keys: &'a [String],
    /// The category.
    pub category: &'a str,
    /// The locality.
    pub locality: &'a UnitCode,
}

/// Which access-log entries to read: those after position `after`, optionally only of one
/// case or of one staff member, at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessQuery<'a> {
    /// Only disclosures of this case.
    pub case: Option<&'a CaseId>,
    /// Only disclosures to this staff member.
    pub staff: Option<&'a crate::ids::StaffId>,
    /// After this position (0: from the start).
    pub after: u64,
    /// At most this many.
    pub limit: usize,
}

/// An entry the service sealed, beside what it records: an administrative event
/// ([`Txn::append_admin`]) or a disclosure ([`Txn::append_access`]).
#[derive(Clone, Copy, Debug)]
pub struct Sealed<'a, T> {
    /// What the entry records.
    pub value: &'a T,
    /// The entry as the service sealed it (position, canonical body, hash).
    pub entry: &'a StoredEntry,
}

/// The policy and the calendar, stored together ([`Txn::put_settings`]).
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// The working-day calendar.
    pub calendar: &'a Calendar,
}

/// One page of the cases on which `tick` has work ([`Txn::due_for_tick`]): those due on or
/// before `today`, in (next tick date, id) order after the cursor `after`, at most `limit`.
#[derive(Clone, Copy, Debug)]
pub struct DuePage<'a> {
    /// The day the tick runs for.
    pub today: NaiveDate,
    /// The last `(date, id)` of the page before (`None`: from the start).
    pub after: Option<&'a (NaiveDate, CaseId)>,
    /// At most this many.
    pub limit: usize,
}

/// A visitor of stored entries, in order; it returns false to stop.
pub type Visitor<'a> = &'a mut dyn FnMut(StoredEntry) -> Result<bool>;

/// A stored entry of the audit chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    /// Position in the chain, from 1.
    pub gseq: u64,
    /// The canonical JSON body as stored.
    pub body: String,
    /// The stored hash.
    pub hash: Vec<u8>,
    /// The index columns stored beside the body, `(case id, sequence)` for a case event (they
    /// must agree with the body: `verify` checks them).
    pub index: Option<(String, u32)>,
}

/// Checks that the chain's last entry hashes onto the one before it (`prev`: its hash, or the
/// genesis). Every write checks this before appending, so a tampered tail is never extended.
pub(crate) fn check_tail(prev: &[u8], last: &StoredEntry) -> Result<()> {
    let prev: [u8; 32] = prev.try_into().unwrap_or([0xff; 32]);
    if crate::audit::chain_hash(&prev, &last.body).as_slice() != last.hash.as_slice() {
        return Err(crate::error::StorageError::integrity(&format!(
            "the audit chain's last entry ({}) does not hash: nothing is written onto a damaged chain",
            last.gseq
        ))
        .into());
    }
    Ok(())
}

impl Default for CaseQuery {
    fn default() -> Self {
        Self {
            states: Vec::new(),
            unit: None,
            overdue_on: None,
            due_by: None,
            petitioner: None,
            officer: None,
            from: None,
            to: None,
            limit: 50,
            offset: 0,
            reach: None,
            external_ref: None,
            order: Order::Newest,
        }
    }
}

/// One row of the statistics counters as stored (for `verify`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct StatsRow {
    /// Grouping number.
    pub grouping: u8,
    /// Group key.
    pub key: String,
    /// Counter name.
    pub item: String,
    /// Due date of an open clock's counter.
    pub due: Option<NaiveDate>,
    /// The sum.
    pub n: i64,
}

/// Leave to open a transaction, or to copy the whole database: only this crate's
/// [`crate::Service`] makes one, for the call it is making (it cannot be kept), so nothing outside
/// the crate opens a store's transaction — every read of case data goes through a principal.
/// A store that wraps another passes its own on to the inner store.
///
/// Code outside the crate cannot make one, so it cannot open a transaction of any store:
///
/// ```compile_fail,E0423
/// use petition_core::store::{Gate, Store};
/// let mut store = petition_core::MemoryStore::new();
/// let txn = store.txn(Gate(std::marker::PhantomData)); // private: refused
/// ```
#[derive(Debug)]
pub struct Gate<'a>(std::marker::PhantomData<&'a ()>);

impl Gate<'_> {
    /// A gate for one call (crate-private).
    pub(crate) fn new() -> Self {
        Gate(std::marker::PhantomData)
    }
}

/// Something the service finished — a sealed chain entry, an event, a case's rows, a staff
/// record — handed to a write verb of [`Txn`]. Only this crate makes one, and only for the call
/// it is making: a backend (or a store wrapping another) reads it and may pass it on to the same
/// verb of an inner store, but can neither make one nor keep one, so no code outside the crate
/// writes staff, roles, chain or access-log entries the service did not decide and seal.
///
/// ```compile_fail,E0423
/// use petition_core::org::{Role, Staff};
/// use petition_core::store::Finished;
/// let me = Staff::new(petition_core::StaffId::parse("me").unwrap(), "me", None, Role::Admin);
/// let forged = Finished(&me); // private: a staff row the service did not decide is refused
/// ```
pub struct Finished<'a, T: ?Sized>(&'a T);

impl<'a, T: ?Sized> Finished<'a, T> {
    /// Hands `value` to a write verb (crate-private).
    pub(crate) fn of(value: &'a T) -> Self {
        Finished(value)
    }
}

impl<T: ?Sized> std::ops::Deref for Finished<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Finished<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The derived tables whose row counts [`Txn::derived_counts`] returns, in its order.
pub(crate) const DERIVED_TABLES: [&str; 7] = [
    "cases",
    "clocks",
    "supervisions",
    "identities",
    "stats",
    "case_units",
    "case_text",
];

/// The last entry of a chain and the hash it was sealed onto (its predecessor's, or the genesis).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainTail {
    /// The last entry.
    pub last: StoredEntry,
    /// The hash of the entry before it, or the genesis.
    pub prev_hash: [u8; 32],
}

/// The verbs of a transaction, which only the [`crate::Service`] opens ([`Gate`]). Write verbs
/// take what the service [`Finished`]: a backend persists exactly that.
///
/// # What a backend must guarantee
///
/// A backend persists; it never decides, seals or applies anything. The service decides each
/// command by the rules, seals every chain entry (position, canonical body, SHA-256 link) and
/// applies administrative changes to the organisation, policy and calendar itself; it hands the
/// backend finished rows. A backend must:
///
/// - **order appends totally**: the entries given to [`append`](Txn::append) and
///   [`append_admin`](Txn::append_admin) carry consecutive positions starting one past
///   [`chain_tail`](Txn::chain_tail) as this transaction read it; if another writer appended in
///   between, the transaction must fail with `conflict` (a storage [`conflict`]) rather than
///   store two entries at one position — hold a write lock from the first read of the tail to
///   commit, or check the position under a unique constraint;
/// - **check case sequences**: `append` with `expected_seq` other than the case's last sequence
///   number is `conflict`;
/// - **commit atomically**: events, chain entries, query rows (`put_case`), counters, the
///   organisation and settings, and the access log written in one transaction are all visible
///   after [`commit`](Txn::commit) or none are;
/// - **read its own writes** within a transaction;
/// - **never change or remove** a chain or access-log entry once committed.
///
/// # What a backend implements
///
/// The nineteen persistence verbs without a default (the organisation, settings, events,
/// snapshots, the chain and the access log). The index queries after them (case numbers, lists,
/// queues, the tick's due cases, statistics, search, repeat detection, the access log by case)
/// have defaults that read every snapshot through [`case_ids`](Txn::case_ids) and
/// [`load_snapshot`](Txn::load_snapshot): correct on any backend, and slow on a large one, which
/// overrides them with its own indexes; the conformance suite holds both to the same answers.
///
/// [`conflict`]: crate::StorageError::Conflict
pub trait Txn {
    // ---- The persistence verbs: what every backend implements. ----

    /// Whether `init` has run.
    fn initialized(&mut self) -> Result<bool>;
    /// The organisation.
    fn org(&mut self) -> Result<Org>;
    /// The policy.
    fn policy(&mut self) -> Result<Policy>;
    /// The calendar.
    fn calendar(&mut self) -> Result<Calendar>;
    /// The audit chain's last entry, or `None` when it is empty.
    fn chain_tail(&mut self) -> Result<Option<ChainTail>>;
    /// Appends an administrative event, sealed by the service as `sealed`, to the chain.
    fn append_admin(&mut self, a: Finished<'_, Sealed<'_, AdminEvent>>) -> Result<()>;
    /// Stores a unit (new or changed), as the service applied it.
    fn put_unit(&mut self, unit: Finished<'_, crate::org::Unit>) -> Result<()>;
    /// Stores a staff member (new or changed), as the service applied it.
    fn put_staff(&mut self, staff: Finished<'_, crate::org::Staff>) -> Result<()>;
    /// Stores the policy and the calendar, as the service applied a change to them.
    fn put_settings(&mut self, s: Finished<'_, Settings<'_>>) -> Result<()>;
    /// A case's events in order (empty when unknown).
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>>;
    /// The stored snapshot of a case (the projection), without replaying.
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>>;
    /// Appends a command's events to their case ([`Append`]); `conflict` when another writer got
    /// there first.
    fn append(&mut self, a: Finished<'_, Append<'_>>) -> Result<()>;
    /// Stores the snapshot of a case that was `before` (a fresh [`Case::new`] when new) and is
    /// now `after`; a backend with query tables may write only what changed.
    fn put_case(&mut self, before: Finished<'_, Case>, after: Finished<'_, Case>) -> Result<()>;
    /// Visits the chain in order from position `from`; the visitor returns false to stop.
    fn chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()>;
    /// Every case id with a snapshot, in id order, after `after`, at most `limit`.
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>>;
    /// The access log's last entry, or `None` when it is empty.
    fn access_tail(&mut self) -> Result<Option<StoredEntry>>;
    /// Appends an entry, sealed by the service as `sealed`, to the access log (its own hash chain).
    fn append_access(&mut self, a: Finished<'_, Sealed<'_, Disclosure>>) -> Result<()>;
    /// Visits the stored access log in order from position `from`; the visitor returns false to
    /// stop.
    fn access_chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()>;
    /// The idempotency key `key` of staff member `staff`, as kept ([`crate::idempotency`]).
    fn key_record(&mut self, staff: &str, key: &str) -> Result<Option<KeyRecord>>;
    /// Keeps an idempotency key, replacing the one under the same staff member and key, and
    /// drops every key kept before `stale` (when given).
    fn put_key(
        &mut self,
        rec: Finished<'_, KeyRecord>,
        stale: Option<DateTime<FixedOffset>>,
    ) -> Result<()>;
    /// Commits.
    fn commit(self) -> Result<()>;

    // ---- The index queries: answered by default from the snapshots (correct, and slow on a
    // large store); a backend with indexes answers from them. ----

    /// Allocates the next case id of `year`. The default gives one past the highest stored case
    /// of that year (a backend with many cases keeps a counter instead).
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> Result<CaseId> {
        index::next_case_id(self, *year)
    }
    /// Makes sure later allocations come after `id` (used when importing). The default has
    /// nothing to do: it numbers from the stored cases.
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> Result<()> {
        let _ = id;
        Ok(())
    }
    /// A value that changes whenever the organisation, policy or calendar change (with every
    /// [`put_unit`](Txn::put_unit), [`put_staff`](Txn::put_staff) and
    /// [`put_settings`](Txn::put_settings) that commits), as this transaction sees them: the
    /// service keeps what it read under this value and reads them again only when it changes.
    /// `None` (the default): the backend keeps no such value, and they are read every time.
    fn settings_version(&mut self) -> Result<Option<String>> {
        Ok(None)
    }
    /// The number of the last event of a case as the query tables hold it (`None`: no such
    /// case, or the backend does not say): a service that keeps recent cases in memory
    /// ([`CaseCache`](crate::service::CaseCache)) serves a read from its copy when the numbers
    /// match. Called in read transactions, and in a tick's write transactions after
    /// [`Txn::lock_cases`] ([`Service::tick_with_reader`](crate::service::Service::tick_with_reader)).
    fn case_seq(&mut self, id: &CaseId) -> Result<Option<u32>> {
        let _ = id;
        Ok(None)
    }
    /// Takes the write locks of these cases now, in id order, before a batch writes them (`tick`),
    /// so a batch never holds the chain's head while it waits for a case a clerk holds. A
    /// backend whose write transactions exclude each other (SQLite, memory) has nothing to do.
    fn lock_cases(&mut self, _ids: &[CaseId]) -> Result<()> {
        Ok(())
    }
    /// Earlier cases of the same matter ([`Matter`], 2005 Art 16, 35).
    fn find_related(&mut self, m: &Matter<'_>) -> Result<Vec<RelatedCase>> {
        let mut out = Vec::new();
        index::each_case(self, |c| {
            if index::is_related(&CaseRow::of(&c), m.keys, m.category, m.locality) {
                out.extend(index::summary(&c));
            }
            Ok(true)
        })?;
        Ok(out)
    }
    /// How many case events of type `kind` (`opinion_issued`) recorded in local year `year`
    /// the chain holds before position `before`: a notice's number in its year is one more
    /// (文号). The default reads the chain; a backend with SQL filters by type.
    fn events_in_year(&mut self, kind: &str, year: i32, before: u64) -> Result<u64> {
        let tag = format!("\"type\":\"{kind}\"");
        let mut n = 0;
        self.chain(1, &mut |e| {
            if e.gseq >= before {
                return Ok(false);
            }
            if e.index.is_some() && e.body.contains(&tag) {
                let ev = crate::case::Event::from_json(&e.body).map_err(|x| {
                    crate::DomainError::from(crate::StorageError::integrity(&x.to_string()))
                })?;
                if ev.kind.type_name() == kind && chrono::Datelike::year(&ev.at) == year {
                    n += 1;
                }
            }
            Ok(true)
        })?;
        Ok(n)
    }
    /// The chain's last position and hash as stored (unchecked: to name a state, not to prove
    /// one), or `None` when it is empty.
    fn head_mark(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        Ok(self.chain_tail()?.map(|t| (t.last.gseq, t.last.hash)))
    }
    /// The cases that accuse `unit` (its staff never learn of them).
    fn accusing(&mut self, unit: &UnitCode) -> Result<Vec<CaseId>> {
        let mut out = Vec::new();
        index::each_case(self, |c| {
            if c.accused_unit() == Some(unit) {
                out.push(c.id.clone());
            }
            Ok(true)
        })?;
        Ok(out)
    }
    /// The case registered with this external reference, if any (unique per system).
    fn external_case(&mut self, r: &crate::case::ExternalRef) -> Result<Option<CaseId>> {
        let mut found = None;
        index::each_case(self, |c| {
            let hit = c
                .registration
                .as_ref()
                .is_some_and(|g| g.external_ref.as_ref() == Some(r));
            if hit {
                found = Some(c.id.clone());
            }
            Ok(!hit)
        })?;
        Ok(found)
    }
    /// The current summary of these cases.
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(c) = self.load_snapshot(id)? {
                out.extend(index::summary(&c));
            }
        }
        Ok(out)
    }
    /// How many cases match a query (its limit and offset aside), leaving out those that accuse
    /// `accused` (the accused unit never learns of them, not even as a number).
    fn count(&mut self, q: &CaseQuery, accused: Option<&UnitCode>) -> Result<u64> {
        let one = CaseQuery {
            limit: 1,
            offset: 0,
            ..q.clone()
        };
        let mut n = 0;
        index::each_case(self, |c| {
            let hit = !index::query(std::iter::once(&CaseRow::of(&c)), &one).is_empty()
                && (accused.is_none() || c.accused_unit() != accused);
            n += u64::from(hit);
            Ok(true)
        })?;
        Ok(n)
    }
    /// Cases matching a query, in its order, one page.
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        Ok(index::query(index::rows(self)?.iter(), q))
    }
    /// Candidates for a search (`petition search`): cases whose summary, content or petitioner
    /// names may contain the needle's text, or whose phone or id numbers may end with its number,
    /// newest case number first ([`crate::search::order_key`]), numbered before `q.before`, in
    /// `q.reach`, at most `q.limit`. A store may return more than match, never fewer: the service
    /// checks every candidate exactly ([`crate::search::matches()`]).
    fn search(&mut self, q: &crate::search::SearchQuery) -> Result<Vec<CaseId>> {
        index::search(self, q)
    }
    /// A unit's work (`queue`), most urgent first, with the date that makes each urgent.
    fn queue(&mut self, unit: &UnitCode, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        Ok(index::queue(index::rows(self)?.iter(), unit, limit))
    }
    /// How many cases `unit`'s whole queue holds, leaving out those that accuse it.
    fn queue_count(&mut self, unit: &UnitCode) -> Result<u64> {
        let hidden: std::collections::HashSet<CaseId> = self.accusing(unit)?.into_iter().collect();
        Ok(self
            .queue(unit, usize::MAX)?
            .iter()
            .filter(|(id, _)| !hidden.contains(id))
            .count() as u64)
    }
    /// Cases on which `tick` has work on or before `today`, through the due-date index, in
    /// (next tick date, id) order after the cursor `after`, at most `limit`, with their dates.
    fn due_for_tick(&mut self, page: &DuePage<'_>) -> Result<Vec<(NaiveDate, CaseId)>> {
        Ok(index::due_for_tick(index::rows(self)?.iter(), page))
    }
    /// The statistics' counts by group key (the core sums them from each case by default).
    fn stats(&mut self, q: &StatsQuery) -> Result<GroupCounts> {
        Ok(index::stats(index::rows(self)?.iter(), q))
    }
    /// How many cases there are.
    fn case_count(&mut self) -> Result<u64> {
        let mut n = 0u64;
        let mut after: Option<CaseId> = None;
        loop {
            let ids = self.case_ids(after.as_ref(), 1000)?;
            let Some(last) = ids.last().cloned() else {
                return Ok(n);
            };
            n += ids.len() as u64;
            after = Some(last);
        }
    }
    /// The access log's last committed entry as a chain entry records it when it is sealed (the
    /// default: [`access_tail`](Txn::access_tail)). A backend whose `access_tail` takes a lock
    /// for the next disclosure may answer without taking it: a later disclosure does not make
    /// the recorded head untrue.
    fn access_head(&mut self) -> Result<Option<StoredEntry>> {
        self.access_tail()
    }
    /// Access-log entries in order, as `q` asks.
    fn access_log(&mut self, q: &AccessQuery<'_>) -> Result<Vec<LoggedDisclosure>> {
        index::access_log(self, q)
    }
    /// The derived tables of this crate's own backends, for `verify` (other backends keep none:
    /// their snapshots are checked against the chain instead).
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn derived(&mut self) -> Option<&mut dyn Derived> {
        None
    }

    // ---- The case file's files (附件): content-addressed, in chunks of
    // [`crate::attachment::CHUNK`] bytes. A store that keeps none refuses to store one (the
    // default), and then no case of it has an attachment. ----

    /// The stored file `sha256`'s hash, size and type, if the database holds it.
    fn file(&mut self, sha256: &str) -> Result<Option<FileMeta>> {
        let _ = sha256;
        Ok(None)
    }
    /// Stores chunk `n` (from 0) of a file being stored; [`Txn::put_file`] follows its last
    /// chunk. Storing a chunk again replaces it.
    fn put_file_chunk(&mut self, chunk: Finished<'_, FileChunk<'_>>) -> Result<()> {
        let _ = chunk;
        Err(no_files())
    }
    /// Records a file whose chunks were stored (the service checked them against its hash).
    fn put_file(&mut self, meta: Finished<'_, FileMeta>) -> Result<()> {
        let _ = meta;
        Err(no_files())
    }
    /// Chunk `n` of the stored file `sha256`, or `None` when there is no such chunk.
    fn file_chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        let _ = (sha256, n);
        Ok(None)
    }
    /// The stored files in hash order after `after`, at most `limit` (`verify`, `copy`).
    fn files(&mut self, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>> {
        let _ = (after, limit);
        Ok(Vec::new())
    }
}

/// One chunk of a file being stored ([`Txn::put_file_chunk`]).
#[derive(Clone, Copy, Debug)]
pub struct FileChunk<'a> {
    /// The file's SHA-256, 64 lowercase hex digits.
    pub sha256: &'a str,
    /// The chunk's place in the file, from 0.
    pub n: u32,
    /// Its bytes: [`crate::attachment::CHUNK`] of them, fewer in the last chunk.
    pub data: &'a [u8],
}

/// The refusal of a store that keeps no files.
fn no_files() -> DomainError {
    DomainError::from(crate::error::Refusal::invalid(
        "this database's store keeps no files: attachments need a store that does (SQLite, PostgreSQL or the in-memory store)",
        "此数据库的存储不保存文件：附件需要能保存文件的存储（SQLite、PostgreSQL 或内存存储）",
    ))
}

/// A case by its registration day, the order in which `verify` walks the statistics.
pub(crate) type DayKey = (NaiveDate, CaseId);

/// The derived tables a backend of this crate keeps beside the chain (query rows, clocks,
/// supervisions, identities, statistics counters, case numbers), read back for `verify`, which
/// recomputes every one from the chain and compares.
pub(crate) trait Derived {
    /// The query rows of a case as stored, read back, or `None` without a row. Identity rows are
    /// looked up by the keys the case should have (`identity_keys`); rows for other keys are
    /// caught by [`Derived::derived_counts`].
    fn stored_row(&mut self, id: &CaseId, identity_keys: &[String]) -> Result<Option<CaseRow>>;
    /// A case's events in order, each with its position in the chain.
    fn events_at(&mut self, id: &CaseId) -> Result<Vec<(u64, Event)>>;
    /// The ids of the cases whose identity rows match a matter now ([`Txn::find_related`]
    /// without their summaries).
    fn matter_cases(&mut self, m: &Matter<'_>) -> Result<Vec<CaseId>>;
    /// Case ids in (registration day, id) order after the cursor, from the query table (`verify`
    /// checks the statistics counters one day at a time).
    fn cases_by_day(&mut self, after: Option<&DayKey>, limit: usize) -> Result<Vec<DayKey>>;
    /// The statistics counters of one registration day.
    fn stats_rows(&mut self, day: NaiveDate) -> Result<Vec<StatsRow>>;
    /// Row counts of the derived tables, in the order of [`DERIVED_TABLES`].
    fn derived_counts(&mut self) -> Result<[u64; 7]>;
    /// How many distinct cases have events in the chain.
    fn chain_case_count(&mut self) -> Result<u64>;
    /// The case-number counters, by year (the last number given).
    fn year_counters(&mut self) -> Result<std::collections::BTreeMap<i32, u32>>;
    /// The first schema object (table, index, view, trigger, rule, policy, function) that is
    /// not as the program made it, if any.
    fn schema_problem(&mut self) -> Result<Option<String>>;
}

/// Seals an entry onto the chain after `prev` (hash of the previous entry, or the genesis),
/// recording the access log's head `access` (none in entries of older chains).
pub(crate) fn seal(
    gseq: u64,
    prev: &[u8; 32],
    entry: &crate::audit::Entry,
    access: Option<crate::audit::AccessHead>,
) -> StoredEntry {
    let body = crate::audit::canonical(&crate::audit::body_with(entry, gseq, access));
    let hash = crate::audit::chain_hash(prev, &body);
    let index = match entry {
        crate::audit::Entry::Case(e) => Some((e.case.as_str().to_string(), e.seq)),
        crate::audit::Entry::Admin(_) => None,
    };
    StoredEntry {
        gseq,
        body,
        hash: hash.to_vec(),
        index,
    }
}

/// Whether a clock kind is a unit's duty (not a petitioner's or receiver's window).
pub(crate) fn is_duty(kind: crate::clock::ClockKind) -> bool {
    !kind.is_window()
}

/// Checks an append before anything is written: the case's last stored sequence number is
/// `expected_seq` (else `conflict`: another writer came first), every event has its sealed
/// entry, and the events follow on in order for one case.
pub(crate) fn check_append(
    last: u32,
    expected_seq: u32,
    events: &[Event],
    sealed: &[StoredEntry],
) -> Result<()> {
    if last != expected_seq {
        return Err(crate::error::DomainError::from(
            crate::error::StorageError::Conflict,
        ));
    }
    if sealed.len() != events.len() {
        return Err(crate::error::DomainError::from(
            crate::error::StorageError::internal("every event needs its sealed chain entry"),
        ));
    }
    let case = events.first().map(|e| &e.case);
    for (i, e) in events.iter().enumerate() {
        if Some(&e.case) != case || e.seq != expected_seq + 1 + i as u32 {
            return Err(crate::error::DomainError::from(
                crate::error::StorageError::internal("events out of sequence"),
            ));
        }
    }
    Ok(())
}
