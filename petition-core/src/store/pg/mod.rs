//! The PostgreSQL store (feature `postgres`): the same verbs and semantics as the SQLite store on
//! a database server a province's offices share.
//!
//! - Writes run at READ COMMITTED. A command's case row is locked (`SELECT … FOR UPDATE`) when
//!   the service loads the case to decide on it; case numbers come from a locked counter row, so
//!   they are gap-free (a rolled-back registration returns its number); the chain's head row
//!   (`heads`) is locked when the transaction first appends — after the command was decided — and
//!   moved at commit, so appends are totally ordered and only the writing of the rows and the
//!   commit are serialized.
//! - SQLSTATE 40001 (serialization failure), 40P01 (deadlock), 23505 (unique violation: another
//!   writer took the same key) and 55P03 (a lock not had within the server's `lock_timeout`, when
//!   a DBA sets one) are `conflict`, which the service retries.
//! - Reads run at REPEATABLE READ, READ ONLY: one consistent snapshot for a whole `verify` or
//!   export, and never a serialization failure.
//! - Forward-only migrations, their version in `schema_version`, under an advisory lock.
//!
//! This client runs its own small runtime: never call it from a tokio worker thread (a server
//! calls it from a blocking thread).

use crate::store::sql;
use crate::store::AccessQuery;
use crate::store::{Append, Matter};
use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Row, Statement, Transaction};

use super::{CaseQuery, CaseRow, ChainTail, DuePage, Finished, Order, Sealed, Settings};
use super::{StatsRow, Store, StoredEntry, Txn, Visitor};
use crate::access::{Disclosure, LoggedDisclosure};
use crate::audit::{AdminEvent, GENESIS};
use crate::case::{Case, CaseState, Event, RelatedCase};
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, UnitCode};
use crate::stats::CounterKey;
use crate::stats::{GroupCounts, StatsQuery};
use crate::store::raw::{decode, RawCase, RawClock, RawSupervision, FOLLOW_UPS_WALKED};
use crate::store::sql::Value;

mod cluster;
mod connect;
mod files;
mod queries;
#[cfg(test)]
pub(crate) use queries::objects_of;
mod schema;
mod stored;
mod write;
mod write_rows;
use schema::MIGRATIONS;

/// The schema version this binary writes on PostgreSQL.
pub const PG_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A key for the advisory lock migrations take (any constant of this program's own).
const MIGRATION_LOCK: i64 = 0x7065_7469_7469_6f6e; // "petition"

fn pg_err(e: postgres::Error) -> DomainError {
    if let Some(code) = e.code() {
        if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::UNIQUE_VIOLATION
            || *code == SqlState::LOCK_NOT_AVAILABLE
        {
            return DomainError::from(StorageError::Conflict);
        }
        if *code == SqlState::RAISE_EXCEPTION || *code == SqlState::FOREIGN_KEY_VIOLATION {
            return DomainError::from(StorageError::integrity_from(
                "the database refused a change",
                e,
            ));
        }
        if *code == SqlState::DISK_FULL || *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return DomainError::from(StorageError::io("the database server refused", e));
        }
    }
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    if e.is_closed() || io {
        return DomainError::from(StorageError::io("the database server cannot be reached", e));
    }
    DomainError::from(StorageError::internal_from(e))
}

fn json_err(e: serde_json::Error) -> DomainError {
    DomainError::from(StorageError::integrity_from(
        "stored data does not decode",
        e,
    ))
}

fn bad_row(e: postgres::Error) -> DomainError {
    DomainError::from(StorageError::integrity_from(
        "a stored row does not decode",
        e,
    ))
}

fn get<'r, T: postgres::types::FromSql<'r>>(r: &'r Row, i: usize) -> Result<T> {
    r.try_get(i).map_err(bad_row)
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn case_id(s: &str) -> Result<CaseId> {
    CaseId::parse(s).map_err(|_| DomainError::from(StorageError::integrity("bad case id stored")))
}

/// A store in a PostgreSQL database.
pub struct PgStore {
    client: Client,
    stmts: HashMap<String, Statement>,
    /// Whether this connection holds the leader's lock ([`PgStore::try_lead`]).
    leading: bool,
    /// The schema whose changes this connection listens to ([`PgStore::listen_changes`]).
    listening: Option<String>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl PgStore {}

impl Store for PgStore {
    type Txn<'a> = PgTxn<'a>;
    fn txn(&mut self, _gate: super::Gate<'_>) -> Result<PgTxn<'_>> {
        self.begin(true)
    }
    fn discard(&mut self, _gate: super::Gate<'_>) -> Result<()> {
        self.remove_tables()
    }
    fn read(&mut self, _gate: super::Gate<'_>) -> Result<PgTxn<'_>> {
        self.begin(false)
    }
}

/// A chain row: gseq, case, seq, type, body, hash.
type ChainRow = (i64, Option<String>, Option<i64>, String, String, Vec<u8>);

/// Rows written in this transaction and not yet sent: a bulk load sends them as one multi-row
/// statement per table (`unnest` of arrays) instead of one round trip per row. They are sent
/// before any read that could see them, and at commit.
#[derive(Default)]
struct Pending {
    /// Chain rows.
    chain: Vec<ChainRow>,
    /// Cases with chain rows here.
    chain_cases: std::collections::HashSet<String>,
    /// New `cases` rows, in order.
    /// (Values in the shared SQL core's column order.)
    cases: Vec<Vec<Value>>,
    /// Their ids.
    case_ids: std::collections::HashSet<String>,
    /// Clock rows by (case, idx): the latest wins.
    clocks: std::collections::BTreeMap<(String, i64), Vec<Value>>,
    /// Supervision rows by (case, id).
    supervisions: std::collections::BTreeMap<(String, i64), Vec<Value>>,
    /// `case_units` pairs: present (true) or removed (false).
    units: std::collections::BTreeMap<(String, String), bool>,
    /// Identity rows: key, category, locality, case.
    identities: Vec<(String, String, String, String)>,
    /// Search rows by case, with their order keys, written or replaced.
    texts: std::collections::BTreeMap<String, (i64, crate::search::SearchRow)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.chain.is_empty()
            && self.cases.is_empty()
            && self.clocks.is_empty()
            && self.supervisions.is_empty()
            && self.units.is_empty()
            && self.identities.is_empty()
            && self.texts.is_empty()
    }
}

/// A transaction on a [`PgStore`].
pub struct PgTxn<'a> {
    tx: Transaction<'a>,
    stmts: &'a mut HashMap<String, Statement>,
    write: bool,
    /// The chain's head position, once locked (writes) or read.
    head: Option<u64>,
    /// The chain's new head (position, hash), written to `heads` at commit.
    moved: Option<(u64, Vec<u8>)>,
    /// The access log's new head, likewise.
    access_moved: Option<(u64, Vec<u8>)>,
    /// Statistics counter changes not yet added to `stats`.
    deltas: HashMap<CounterKey, i64>,
    /// Rows not yet sent.
    pending: Pending,
    /// The last sequence number of each case appended to in this transaction.
    seqs: HashMap<String, u32>,
    /// Case-number counters this transaction holds locked (year → last number given); written
    /// back at commit.
    counters: HashMap<i32, (i64, bool)>,
    /// The stored rows of the cases of the last `cases_by_day` page of a read (what `verify`
    /// asks for next, case by case): read in four statements instead of four per case.
    prefetched: HashMap<String, StoredRows>,
    /// The settings version this transaction's decisions were made under (the first read), and
    /// whether it moved the version itself: when another connection's administrative change
    /// commits first, the first append here is a `conflict` and the service decides again
    /// under the new organisation and policy (the chain never holds a decision made under
    /// settings older than an entry before it).
    settings_seen: Option<String>,
    settings_moved: bool,
}

/// A case's query rows as stored: its `cases` row, clocks, supervisions and units.
type StoredRows = (RawCase, Vec<RawClock>, Vec<RawSupervision>, Vec<String>);

type Params<'p> = [&'p (dyn ToSql + Sync)];

impl PgTxn<'_> {
    /// A prepared statement, cached per connection.
    fn st(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).map_err(pg_err)?;
        self.stmts.insert(sql.to_string(), s.clone());
        Ok(s)
    }
    fn rows(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>> {
        let s = self.st(sql)?;
        self.tx.query(&s, params).map_err(pg_err)
    }
    fn row(&mut self, sql: &str, params: &Params<'_>) -> Result<Option<Row>> {
        let s = self.st(sql)?;
        self.tx.query_opt(&s, params).map_err(pg_err)
    }
    fn exec(&mut self, sql: &str, params: &Params<'_>) -> Result<u64> {
        let s = self.st(sql)?;
        self.tx.execute(&s, params).map_err(pg_err)
    }
    /// Streams the rows of a query in pages of `page`, stopping when `visit` returns false.
    fn stream(
        &mut self,
        sql: &str,
        params: &Params<'_>,
        page: i32,
        visit: &mut dyn FnMut(&Row) -> Result<bool>,
    ) -> Result<()> {
        let s = self.st(sql)?;
        let portal = self.tx.bind(&s, params).map_err(pg_err)?;
        loop {
            let rows = self.tx.query_portal(&portal, page).map_err(pg_err)?;
            for r in &rows {
                if !visit(r)? {
                    return Ok(());
                }
            }
            if rows.len() < page as usize {
                return Ok(());
            }
        }
    }

    fn setting<T: serde::de::DeserializeOwned + Default>(&mut self, key: &str) -> Result<T> {
        match self.row("SELECT value FROM settings WHERE key = $1", &[&key])? {
            None => Ok(T::default()),
            Some(r) => serde_json::from_str(&get::<String>(&r, 0)?).map_err(json_err),
        }
    }

    /// The settings version as stored now.
    pub(super) fn stored_settings_version(&mut self) -> Result<String> {
        Ok(self
            .row("SELECT value FROM settings WHERE key = 'version'", &[])?
            .map(|r| get::<String>(&r, 0))
            .transpose()?
            .unwrap_or_else(|| "0".into()))
    }

    /// Moves the settings version on (see [`Txn::settings_version`]).
    fn bump_version(&mut self) -> Result<()> {
        self.settings_moved = true;
        self.exec(
            "INSERT INTO settings(key, value) VALUES ('version', '1') ON CONFLICT(key) DO UPDATE SET value = (settings.value::bigint + 1)::text",
            &[],
        )?;
        Ok(())
    }

    /// The number the counting query `sql` gives.
    fn count(&mut self, sql: &str) -> Result<u64> {
        let r = self.row(sql, &[])?;
        Ok(r.map_or(Ok(0), |r| get::<i64>(&r, 0))?.max(0) as u64)
    }

    /// Puts a JSON value under `key` in a [`sql::Keyed`] table.
    fn upsert(&mut self, t: sql::Keyed, key: &str, json: &str) -> Result<()> {
        self.exec(&t.upsert(sql::Dialect::Postgres), &[&key, &json])?;
        Ok(())
    }

    /// Decodes the JSON `body` column of every row of a query.
    fn bodies<T: serde::de::DeserializeOwned>(&mut self, sql: &str) -> Result<Vec<T>> {
        self.rows(sql, &[])?
            .iter()
            .map(|r| serde_json::from_str(&get::<String>(r, 0)?).map_err(json_err))
            .collect()
    }

    /// Related-case summaries from rows of `id, state, holder, registered_at`.
    fn summaries(rows: Vec<Row>) -> Result<Vec<RelatedCase>> {
        let bad = || DomainError::from(StorageError::integrity("bad case row stored"));
        let mut out = Vec::new();
        for r in rows {
            let (id, state, holder, at): (String, String, Option<String>, Option<String>) =
                (get(&r, 0)?, get(&r, 1)?, get(&r, 2)?, get(&r, 3)?);
            let (Some(holder), Some(at)) = (holder, at) else {
                continue;
            };
            out.push(RelatedCase {
                id: case_id(&id)?,
                state: CaseState::parse(&state).ok_or_else(bad)?,
                holder: UnitCode::parse(&holder).map_err(|_| bad())?,
                registered_at: chrono::DateTime::parse_from_rfc3339(&at).map_err(|_| bad())?,
            });
        }
        Ok(out)
    }

    fn ids(&mut self, sql: &str, params: &Params<'_>) -> Result<Vec<CaseId>> {
        self.rows(sql, params)?
            .iter()
            .map(|r| case_id(&get::<String>(r, 0)?))
            .collect()
    }

    fn entry(r: &Row, index: bool) -> Result<StoredEntry> {
        let case: Option<String> = if index { get(r, 3)? } else { None };
        let seq: Option<i64> = if index { get(r, 4)? } else { None };
        Ok(StoredEntry {
            gseq: get::<i64>(r, 0)? as u64,
            body: get(r, 1)?,
            hash: get(r, 2)?,
            index: case.map(|c| (c, seq.unwrap_or(-1).clamp(-1, u32::MAX as i64) as u32)),
        })
    }
}

impl Txn for PgTxn<'_> {
    sql_verbs!();
    fn initialized(&mut self) -> Result<bool> {
        self.flush()?;
        let r = self.row(
            "SELECT EXISTS(SELECT 1 FROM chain WHERE type = 'initialized')",
            &[],
        )?;
        r.map_or(Ok(false), |r| get(&r, 0))
    }
    fn settings_version(&mut self) -> Result<Option<String>> {
        self.flush()?;
        let v = self.stored_settings_version()?;
        if self.settings_seen.is_none() {
            self.settings_seen = Some(v.clone());
        }
        Ok(Some(v))
    }
    fn chain_tail(&mut self) -> Result<Option<ChainTail>> {
        self.flush()?;
        let pos = self.head_pos()? as i64;
        if pos == 0 {
            return Ok(None);
        }
        let rows = self.rows(
            "SELECT gseq, body, hash FROM chain WHERE gseq BETWEEN $1::bigint - 1 AND $1::bigint ORDER BY gseq DESC",
            &[&pos],
        )?;
        let mut two = rows.iter();
        let Some(last) = two.next() else {
            return Err(DomainError::from(StorageError::integrity(
                "the chain's head names an entry that is not stored",
            )));
        };
        Ok(Some(ChainTail {
            last: Self::entry(last, false)?,
            prev_hash: match two.next() {
                Some(p) => get::<Vec<u8>>(p, 2)?
                    .as_slice()
                    .try_into()
                    .unwrap_or(GENESIS),
                None => GENESIS,
            },
        }))
    }
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> Result<CaseId> {
        let year: i32 = *year;

        // The first number of a year in a transaction locks the counter row until commit: numbers
        // are handed out in commit order and a rolled-back registration gives its number back.
        // Later numbers in the same transaction are counted here and written back at commit.
        let n = match self.counters.get_mut(&year) {
            Some((n, dirty)) => {
                *n += 1;
                *dirty = true;
                *n
            }
            None => {
                let y = i64::from(year);
                let n: i64 = match self.row(
                    "INSERT INTO counters(year, next) VALUES ($1, 1)
                     ON CONFLICT(year) DO UPDATE SET next = counters.next + 1 RETURNING next",
                    &[&y],
                )? {
                    Some(r) => get(&r, 0)?,
                    None => 1,
                };
                self.counters.insert(year, (n, false));
                n
            }
        };
        let id = CaseId::new(year, u32::try_from(n).unwrap_or(u32::MAX));
        // A number just handed out has no events yet.
        self.seqs.insert(id.as_str().to_string(), 0);
        Ok(id)
    }
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> Result<()> {
        let id: &CaseId = &id;

        self.write_counters()?;
        let (y, n) = (i64::from(id.year()), i64::from(id.sequence()));
        self.exec(
            "INSERT INTO counters(year, next) VALUES ($1, $2)
             ON CONFLICT(year) DO UPDATE SET next = GREATEST(counters.next, excluded.next)",
            &[&y, &n],
        )?;
        Ok(())
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>> {
        if self.pending.chain_cases.contains(id.as_str()) {
            self.flush()?;
        }
        self.rows(
            "SELECT body FROM chain WHERE case_id = $1 ORDER BY seq",
            &[&id.as_str()],
        )?
        .iter()
        .map(|r| Event::from_json(&get::<String>(r, 0)?).map_err(json_err))
        .collect()
    }
    fn case_seq(&mut self, id: &CaseId) -> Result<Option<u32>> {
        self.flush()?;
        self.row("SELECT last_seq FROM cases WHERE id = $1", &[&id.as_str()])?
            .map(|r| get::<i64>(&r, 0).map(|n| n as u32))
            .transpose()
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>> {
        if self.write {
            // The case row is locked until commit: two clerks acting on one case take turns.
            self.exec(
                "SELECT 1 FROM cases WHERE id = $1 FOR UPDATE",
                &[&id.as_str()],
            )?;
        }
        let events = self.load_events(id)?;
        Ok((!events.is_empty()).then(|| crate::case::replay(id.clone(), &events)))
    }
    fn lock_cases(&mut self, ids: &[CaseId]) -> Result<()> {
        if self.write && !ids.is_empty() {
            let mut ids: Vec<String> = ids.iter().map(|i| i.as_str().to_string()).collect();
            ids.sort();
            self.exec(
                "SELECT 1 FROM (SELECT id FROM cases WHERE id = ANY($1) ORDER BY id FOR UPDATE) AS locked",
                &[&ids],
            )?;
        }
        Ok(())
    }
    fn find_related(&mut self, m: &Matter<'_>) -> Result<Vec<RelatedCase>> {
        if self.write {
            // Two registrations of one petitioner's matter, on two connections (two servers,
            // two desks), take turns: the second waits until the first commits and then finds
            // it, so each registration records every earlier case of the matter in the chain's
            // order (a registration that missed one committed just before it would not be what
            // the rules give when `verify` decides it again). Keys in order: no deadlock.
            let mut keys: Vec<&str> = m.keys.iter().map(String::as_str).collect();
            keys.sort_unstable();
            keys.dedup();
            self.exec(
                "SELECT pg_advisory_xact_lock(1886680169, hashtext(k)) FROM unnest($1::text[]) AS k ORDER BY k",
                &[&keys],
            )?;
        }
        self.find_related_sql(m)
    }
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>> {
        self.related_sql(ids)
    }
    fn events_in_year(&mut self, kind: &str, year: i32, before: u64) -> Result<u64> {
        self.flush()?;
        let rows = self.rows(
            "SELECT count(*) FROM chain WHERE type = $1 AND gseq < $2 AND case_id IS NOT NULL
             AND substr(body::json->>'at', 1, 4) = $3",
            &[&kind, &(before as i64), &format!("{year:04}")],
        )?;
        let n: i64 = rows.first().map(|r| get(r, 0)).transpose()?.unwrap_or(0);
        Ok(n.max(0) as u64)
    }
    fn accusing(&mut self, unit: &UnitCode) -> Result<Vec<CaseId>> {
        self.flush()?;
        self.ids(
            "SELECT case_id FROM case_accused WHERE unit = $1",
            &[&unit.as_str()],
        )
    }
    fn count(&mut self, q: &CaseQuery, accused: Option<&UnitCode>) -> Result<u64> {
        self.flush()?;
        let Some((sql, args)) = sql::count_sql(q, accused, sql::Dialect::Postgres) else {
            return Ok(0);
        };
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.pg()).collect();
        let row = self.row(&sql, &refs)?;
        Ok(row.map_or(Ok(0), |r| get::<i64>(&r, 0))?.max(0) as u64)
    }
    fn external_case(&mut self, r: &crate::case::ExternalRef) -> Result<Option<CaseId>> {
        let row = self.row(
            "SELECT case_id FROM external_refs WHERE system = $1 AND ref = $2",
            &[&r.system, &r.id],
        )?;
        row.map(|r| case_id(&get::<String>(&r, 0)?)).transpose()
    }
    fn file(&mut self, sha256: &str) -> Result<Option<crate::attachment::FileMeta>> {
        self.file_row(sha256)
    }
    fn put_file_chunk(&mut self, chunk: Finished<'_, super::FileChunk<'_>>) -> Result<()> {
        self.insert_chunk(chunk)
    }
    fn put_file(&mut self, meta: Finished<'_, crate::attachment::FileMeta>) -> Result<()> {
        self.insert_file(meta)
    }
    fn file_chunk(&mut self, sha256: &str, n: u32) -> Result<Option<Vec<u8>>> {
        self.chunk(sha256, n)
    }
    fn files(
        &mut self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::attachment::FileMeta>> {
        self.file_rows(after, limit)
    }
    fn key_record(
        &mut self,
        staff: &str,
        key: &str,
    ) -> Result<Option<crate::idempotency::KeyRecord>> {
        let row = self.row(
            "SELECT digest, at, case_id, status, body FROM idempotency WHERE staff = $1 AND key = $2",
            &[&staff, &key],
        )?;
        let Some(r) = row else { return Ok(None) };
        let status: Option<i32> = get(&r, 3)?;
        crate::idempotency::KeyRecord::from_row(
            staff,
            key,
            get(&r, 0)?,
            &get::<String>(&r, 1)?,
            get(&r, 2)?,
            status.map(i64::from),
            get(&r, 4)?,
        )
        .map(Some)
    }
    fn put_key(
        &mut self,
        rec: Finished<'_, crate::idempotency::KeyRecord>,
        stale: Option<chrono::DateTime<chrono::FixedOffset>>,
    ) -> Result<()> {
        if let Some(stale) = stale {
            self.exec(
                "DELETE FROM idempotency WHERE at_s < $1",
                &[&stale.timestamp()],
            )?;
        }
        let (status, body) = match &rec.answer {
            Some((s, b)) => (Some(i32::from(*s)), Some(b.clone())),
            None => (None, None),
        };
        let case = rec.case.as_ref().map(|c| c.as_str().to_string());
        self.exec(
            "INSERT INTO idempotency(staff, key, digest, at, at_s, case_id, status, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT(staff, key) DO UPDATE SET digest = excluded.digest, at = excluded.at,
                at_s = excluded.at_s, case_id = excluded.case_id, status = excluded.status,
                body = excluded.body",
            &[
                &rec.staff,
                &rec.key,
                &rec.digest,
                &rec.at.to_rfc3339(),
                &rec.at.timestamp(),
                &case,
                &status,
                &body,
            ],
        )?;
        Ok(())
    }
    fn due_for_tick(&mut self, page: &DuePage<'_>) -> Result<Vec<(NaiveDate, CaseId)>> {
        self.due_for_tick_sql(page)
    }
    fn chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        self.flush()?;
        let from = from.min(i64::MAX as u64) as i64;
        self.stream(
            "SELECT gseq, body, hash, case_id, seq FROM chain WHERE gseq >= $1 ORDER BY gseq",
            &[&from],
            1000,
            &mut |r| visit(Self::entry(r, true)?),
        )
    }
    fn stats(&mut self, q: &StatsQuery) -> Result<GroupCounts> {
        let mut out = GroupCounts::new();
        self.flush_stats()?;
        let g = i64::from(q.by.number());
        let (from, to, today) = (q.from.to_string(), q.to.to_string(), q.today.to_string());
        self.stream(
            "SELECT key, item, n FROM stats
             WHERE grouping = $1 AND day BETWEEN $2 AND $3 AND (due = '' OR due < $4) AND n > 0",
            &[&g, &from, &to, &today],
            5000,
            &mut |r| {
                let (key, item): (&str, &str) = (get(r, 0)?, get(r, 1)?);
                let n = get::<i64>(r, 2)? as u64;
                let c = match out.get_mut(key) {
                    Some(c) => c,
                    None => out.entry(key.to_string()).or_default(),
                };
                crate::stats::add_counter(c, item, n);
                Ok(true)
            },
        )?;
        Ok(out)
    }
    fn case_count(&mut self) -> Result<u64> {
        self.flush()?;
        self.count("SELECT count(*) FROM cases")
    }
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        self.flush()?;
        let after = after.map(|a| a.as_str().to_string()).unwrap_or_default();
        let limit = limit.min(i64::MAX as usize) as i64;
        self.ids(
            "SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after, &limit],
        )
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        // This transaction's own last entry once it appended (the head row is locked then),
        // else the stored head's.
        let pos = match &self.access_moved {
            Some((p, _)) => *p as i64,
            None => self.stored_head("access")?,
        };
        if pos == 0 {
            return Ok(None);
        }
        let sql = "SELECT pos, body, hash FROM access_log WHERE pos = $1";
        let r = self.row(sql, &[&pos])?;
        r.map(|r| Self::entry(&r, false)).transpose()
    }
    fn access_head(&mut self) -> Result<Option<StoredEntry>> {
        // This transaction's own last disclosure, else the committed head, in one statement
        // and without the head's lock.
        let r = match &self.access_moved {
            Some((p, _)) => {
                let p = *p as i64;
                self.row(
                    "SELECT pos, body, hash FROM access_log WHERE pos = $1",
                    &[&p],
                )?
            }
            None => self.row(
                "SELECT a.pos, a.body, a.hash FROM heads h JOIN access_log a ON a.pos = h.pos
                 WHERE h.name = 'access'",
                &[],
            )?,
        };
        r.map(|r| Self::entry(&r, false)).transpose()
    }
    fn append_access(&mut self, a: Finished<'_, Sealed<'_, Disclosure>>) -> Result<()> {
        let (d, sealed) = (a.value, a.entry);
        let pos = sealed.gseq as i64;
        let case = d.case.as_ref().map(|c| c.as_str().to_string());
        self.exec(
            "INSERT INTO access_log(pos, case_id, staff, body, hash) VALUES ($1, $2, $3, $4, $5)",
            &[&pos, &case, &d.staff.as_str(), &sealed.body, &sealed.hash],
        )?;
        self.access_moved = Some((sealed.gseq, sealed.hash.clone()));
        Ok(())
    }
    fn access_chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        let from = from.min(i64::MAX as u64) as i64;
        self.stream(
            "SELECT pos, body, hash, case_id FROM access_log WHERE pos >= $1 ORDER BY pos",
            &[&from],
            1000,
            &mut |r| {
                let mut e = Self::entry(r, false)?;
                e.index = get::<Option<String>>(r, 3)?.map(|c| (c, 0));
                visit(e)
            },
        )
    }
    fn commit(mut self) -> Result<()> {
        self.write_counters()?;
        self.flush_stats()?;
        if let Some((pos, hash)) = self.moved.take() {
            self.exec(
                "UPDATE heads SET pos = $1, hash = $2 WHERE name = 'chain'",
                &[&(pos as i64), &hash],
            )?;
            // Every server's feed wakes on commit (a notification is sent only if this commits).
            self.exec(
                &format!(
                    "SELECT pg_notify('{}', current_schema() || ':' || $1)",
                    cluster::CHANGES
                ),
                &[&pos.to_string()],
            )?;
        }
        if let Some((pos, hash)) = self.access_moved.take() {
            self.exec(
                "UPDATE heads SET pos = $1, hash = $2 WHERE name = 'access'",
                &[&(pos as i64), &hash],
            )?;
        }
        self.tx.commit().map_err(pg_err)
    }
    #[allow(private_interfaces)]
    fn derived(&mut self) -> Option<&mut dyn crate::store::Derived> {
        Some(self)
    }
}
