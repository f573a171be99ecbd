//! One store type for a front end that opens whatever it is given: a SQLite file or, with the
//! `postgres` feature, a PostgreSQL database (`postgres://…`). Every verb goes to the engine in
//! use.

use crate::store::AccessQuery;
use crate::store::{Append, Matter};
use chrono::{DateTime, FixedOffset, NaiveDate};

use super::{
    CaseQuery, CaseRow, ChainTail, DuePage, Finished, Gate, Sealed, Settings, SqliteStore,
    SqliteTxn, StatsRow, Store, StoredEntry, Txn, Visitor,
};
use crate::access::{Disclosure, LoggedDisclosure};
use crate::audit::AdminEvent;
use crate::case::{Case, Event, RelatedCase};
use crate::clock::Calendar;
use crate::error::Result;
use crate::idempotency::KeyRecord;
use crate::ids::{CaseId, UnitCode};
use crate::org::Org;
use crate::policy::Policy;
use crate::stats::{GroupCounts, StatsQuery};

/// A SQLite or a PostgreSQL store.
#[derive(Debug)]
pub enum AnyStore {
    /// A SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database.
    #[cfg(feature = "postgres")]
    Postgres(Box<super::PgStore>),
}

impl AnyStore {
    /// Whether `db` names a PostgreSQL database (`postgres://…` or `postgresql://…`) rather than a
    /// file.
    pub fn is_postgres_url(db: &str) -> bool {
        db.starts_with("postgres://") || db.starts_with("postgresql://")
    }
    /// The SQLite store, when that is the engine (for what only SQLite has: online backup to a
    /// file, the page cache).
    pub fn as_sqlite(&mut self) -> Option<&mut SqliteStore> {
        match self {
            Self::Sqlite(s) => Some(s),
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => None,
        }
    }
    /// The PostgreSQL store, when that is the engine.
    #[cfg(feature = "postgres")]
    pub fn as_pg(&mut self) -> Option<&mut super::PgStore> {
        match self {
            Self::Postgres(s) => Some(&mut **s),
            Self::Sqlite(_) => None,
        }
    }
    /// The engine's name, for messages: `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A transaction of an [`AnyStore`].
pub enum AnyTxn<'a> {
    /// On SQLite.
    Sqlite(SqliteTxn<'a>),
    /// On PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(Box<super::PgTxn<'a>>),
}

impl Store for AnyStore {
    type Txn<'a> = AnyTxn<'a>;
    fn txn(&mut self, gate: Gate<'_>) -> Result<AnyTxn<'_>> {
        Ok(match self {
            Self::Sqlite(s) => AnyTxn::Sqlite(s.txn(gate)?),
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => AnyTxn::Postgres(Box::new(s.txn(gate)?)),
        })
    }
    fn read(&mut self, gate: Gate<'_>) -> Result<AnyTxn<'_>> {
        Ok(match self {
            Self::Sqlite(s) => AnyTxn::Sqlite(s.read(gate)?),
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => AnyTxn::Postgres(Box::new(s.read(gate)?)),
        })
    }
    fn backup(&mut self, gate: Gate<'_>, dest: &std::path::Path) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.backup(gate, dest),
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => s.backup(gate, dest),
        }
    }
    fn discard(&mut self, gate: Gate<'_>) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.discard(gate),
            #[cfg(feature = "postgres")]
            Self::Postgres(s) => s.discard(gate),
        }
    }
}

macro_rules! each {
    ($self:ident, $t:ident => $e:expr) => {
        match $self {
            AnyTxn::Sqlite($t) => $e,
            #[cfg(feature = "postgres")]
            AnyTxn::Postgres($t) => $e,
        }
    };
}

impl Txn for AnyTxn<'_> {
    fn file(&mut self, sha256: &str) -> Result<Option<crate::attachment::FileMeta>> {
        each!(self, t => t.file(sha256))
    }
    fn put_file_chunk(&mut self, chunk: Finished<'_, super::FileChunk<'_>>) -> Result<()> {
        each!(self, t => t.put_file_chunk(chunk))
    }
    fn put_file(&mut self, meta: Finished<'_, crate::attachment::FileMeta>) -> Result<()> {
        each!(self, t => t.put_file(meta))
    }
    fn file_chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        each!(self, t => t.file_chunk(sha256, n))
    }
    fn files(
        &mut self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::attachment::FileMeta>> {
        each!(self, t => t.files(after, limit))
    }
    fn key_record(&mut self, staff: &str, key: &str) -> Result<Option<KeyRecord>> {
        each!(self, t => t.key_record(staff, key))
    }
    fn put_key(
        &mut self,
        rec: Finished<'_, KeyRecord>,
        stale: Option<DateTime<FixedOffset>>,
    ) -> Result<()> {
        each!(self, t => t.put_key(rec, stale))
    }
    fn initialized(&mut self) -> Result<bool> {
        each!(self, t => t.initialized())
    }
    fn org(&mut self) -> Result<Org> {
        each!(self, t => t.org())
    }
    fn policy(&mut self) -> Result<Policy> {
        each!(self, t => t.policy())
    }
    fn calendar(&mut self) -> Result<Calendar> {
        each!(self, t => t.calendar())
    }
    fn settings_version(&mut self) -> Result<Option<String>> {
        each!(self, t => t.settings_version())
    }
    fn chain_tail(&mut self) -> Result<Option<ChainTail>> {
        each!(self, t => t.chain_tail())
    }
    fn append_admin(&mut self, a: Finished<'_, Sealed<'_, AdminEvent>>) -> Result<()> {
        each!(self, t => t.append_admin(a))
    }
    fn put_unit(&mut self, unit: Finished<'_, crate::org::Unit>) -> Result<()> {
        each!(self, t => t.put_unit(unit))
    }
    fn put_staff(&mut self, staff: Finished<'_, crate::org::Staff>) -> Result<()> {
        each!(self, t => t.put_staff(staff))
    }
    fn put_settings(&mut self, s: Finished<'_, Settings<'_>>) -> Result<()> {
        each!(self, t => t.put_settings(s))
    }
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> Result<CaseId> {
        each!(self, t => t.next_case_id(year))
    }
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> Result<()> {
        each!(self, t => t.bump_case_counter(id))
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>> {
        each!(self, t => t.load_events(id))
    }
    fn case_seq(&mut self, id: &CaseId) -> Result<Option<u32>> {
        each!(self, t => t.case_seq(id))
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>> {
        each!(self, t => t.load_snapshot(id))
    }
    fn append(&mut self, a: Finished<'_, Append<'_>>) -> Result<()> {
        each!(self, t => t.append(a))
    }
    fn put_case(&mut self, before: Finished<'_, Case>, after: Finished<'_, Case>) -> Result<()> {
        each!(self, t => t.put_case(before, after))
    }
    fn find_related(&mut self, m: &Matter<'_>) -> Result<Vec<RelatedCase>> {
        each!(self, t => t.find_related(m))
    }
    fn queue_count(&mut self, unit: &UnitCode) -> Result<u64> {
        each!(self, t => t.queue_count(unit))
    }
    fn head_mark(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        each!(self, t => t.head_mark())
    }
    fn events_in_year(&mut self, kind: &str, year: i32, before: u64) -> Result<u64> {
        each!(self, t => t.events_in_year(kind, year, before))
    }
    fn accusing(&mut self, unit: &UnitCode) -> Result<Vec<CaseId>> {
        each!(self, t => t.accusing(unit))
    }
    fn count(&mut self, q: &CaseQuery, accused: Option<&UnitCode>) -> Result<u64> {
        each!(self, t => t.count(q, accused))
    }
    fn external_case(&mut self, r: &crate::case::ExternalRef) -> Result<Option<CaseId>> {
        each!(self, t => t.external_case(r))
    }
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>> {
        each!(self, t => t.related(ids))
    }
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        each!(self, t => t.query(q))
    }
    fn search(&mut self, q: &crate::search::SearchQuery) -> Result<Vec<CaseId>> {
        each!(self, t => t.search(q))
    }
    fn queue(&mut self, unit: &UnitCode, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        each!(self, t => t.queue(unit, limit))
    }
    fn due_for_tick(&mut self, page: &DuePage<'_>) -> Result<Vec<(NaiveDate, CaseId)>> {
        each!(self, t => t.due_for_tick(page))
    }
    fn chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        each!(self, t => t.chain(from, visit))
    }
    fn stats(&mut self, q: &StatsQuery) -> Result<GroupCounts> {
        each!(self, t => t.stats(q))
    }
    fn case_count(&mut self) -> Result<u64> {
        each!(self, t => t.case_count())
    }
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        each!(self, t => t.case_ids(after, limit))
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        each!(self, t => t.access_tail())
    }
    fn append_access(&mut self, a: Finished<'_, Sealed<'_, Disclosure>>) -> Result<()> {
        each!(self, t => t.append_access(a))
    }
    fn access_log(&mut self, q: &AccessQuery<'_>) -> Result<Vec<LoggedDisclosure>> {
        each!(self, t => t.access_log(q))
    }
    fn access_head(&mut self) -> Result<Option<StoredEntry>> {
        each!(self, t => t.access_head())
    }
    fn access_chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        each!(self, t => t.access_chain(from, visit))
    }
    fn lock_cases(&mut self, ids: &[CaseId]) -> Result<()> {
        each!(self, t => t.lock_cases(ids))
    }
    fn commit(self) -> Result<()> {
        each!(self, t => t.commit())
    }
    #[allow(private_interfaces)]
    fn derived(&mut self) -> Option<&mut dyn crate::store::Derived> {
        Some(self)
    }
}

impl crate::store::Derived for AnyTxn<'_> {
    fn schema_problem(&mut self) -> Result<Option<String>> {
        each!(self, t => t.schema_problem())
    }
    fn stored_row(&mut self, id: &CaseId, identity_keys: &[String]) -> Result<Option<CaseRow>> {
        each!(self, t => t.stored_row(id, identity_keys))
    }
    fn events_at(&mut self, id: &CaseId) -> Result<Vec<(u64, Event)>> {
        each!(self, t => t.events_at(id))
    }
    fn matter_cases(&mut self, m: &crate::store::Matter<'_>) -> Result<Vec<CaseId>> {
        each!(self, t => t.matter_cases(m))
    }
    fn cases_by_day(
        &mut self,
        after: Option<&(NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, CaseId)>> {
        each!(self, t => t.cases_by_day(after, limit))
    }
    fn stats_rows(&mut self, day: NaiveDate) -> Result<Vec<StatsRow>> {
        each!(self, t => t.stats_rows(day))
    }
    fn derived_counts(&mut self) -> Result<[u64; 7]> {
        each!(self, t => t.derived_counts())
    }
    fn chain_case_count(&mut self) -> Result<u64> {
        each!(self, t => t.chain_case_count())
    }
    fn year_counters(&mut self) -> Result<std::collections::BTreeMap<i32, u32>> {
        each!(self, t => t.year_counters())
    }
}
