//! The SQLite store: WAL, `foreign_keys=ON`, an explicit busy timeout, `STRICT` tables,
//! forward-only migrations under `user_version`, triggers that make the audit chain append-only,
//! and every write in one `BEGIN IMMEDIATE` transaction.

use crate::store::sql;
use crate::store::AccessQuery;
use crate::store::{Append, Matter};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::{CaseQuery, CaseRow, ChainTail, DuePage, Finished, Order, Sealed, Settings};
use super::{StatsRow, Store, StoredEntry, Txn, Visitor};
use crate::access::{Disclosure, LoggedDisclosure};
use crate::audit::{AdminEvent, GENESIS};
use crate::case::{Case, Event, RelatedCase};
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, UnitCode};
use crate::stats::{GroupCounts, StatsQuery};

mod connect;
mod files;
mod queries;
mod schema;
mod stored;
mod write;

use crate::stats::CounterKey;
use schema::{after_migration, read_events, write_stats, MIGRATIONS};

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn db_err(e: rusqlite::Error) -> DomainError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        // The statement-level busy case (the lock was taken between two statements): the
        // transaction-level wait is reported by `begin` with its duration.
        Some(C::DatabaseBusy | C::DatabaseLocked) => {
            DomainError::from(StorageError::Busy { waited_ms: 0 })
        }
        Some(C::NotADatabase | C::DatabaseCorrupt) => DomainError::from(
            StorageError::integrity_from("the file is not a petition database or is damaged", e),
        ),
        Some(C::ConstraintViolation) => DomainError::from(StorageError::integrity_from(
            "a stored row breaks a constraint",
            e,
        )),
        Some(C::ReadOnly) => {
            DomainError::from(StorageError::io("the database cannot be written", e))
        }
        Some(C::CannotOpen | C::PermissionDenied | C::NotFound) => {
            DomainError::from(StorageError::io("the database cannot be opened", e))
        }
        Some(C::DiskFull) => DomainError::from(StorageError::io("the disk is full", e)),
        Some(C::SystemIoFailure) => DomainError::from(StorageError::io(
            "reading or writing the database failed",
            e,
        )),
        _ => DomainError::from(StorageError::internal_from(e)),
    }
}

fn json_err(e: serde_json::Error) -> DomainError {
    DomainError::from(StorageError::integrity_from(
        "stored data does not decode",
        e,
    ))
}

/// A database of a schema newer than this program's: refused, never changed.
fn newer_schema(v: i64) -> DomainError {
    DomainError::from(StorageError::integrity(&format!(
        "the database has schema version {v}, newer than this program's {SCHEMA_VERSION}: use a newer petition"
    )))
}

/// How long a command waits for another process's lock by default, in milliseconds.
pub(crate) const DEFAULT_BUSY_MS: u64 = 10_000;

/// A store in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    /// The busy timeout in force, reported when it runs out.
    busy_ms: u64,
    /// A group commit is open ([`SqliteStore::begin_group`]): transactions are savepoints in it.
    group: bool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {}

/// A transaction of the store: its own, or a savepoint in a group commit.
enum Tx<'a> {
    Top(rusqlite::Transaction<'a>),
    Nested(rusqlite::Savepoint<'a>),
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Tx::Top(t) => t,
            Tx::Nested(s) => s,
        }
    }
}

impl Tx<'_> {
    fn commit(self) -> rusqlite::Result<()> {
        match self {
            Tx::Top(t) => t.commit(),
            Tx::Nested(s) => s.commit(),
        }
    }
}

/// A write transaction on a [`SqliteStore`].
pub struct SqliteTxn<'a> {
    tx: Tx<'a>,
    /// The chain position last written in this transaction.
    head: Option<u64>,
    /// Statistics counter changes not yet added to `stats` (written before a statistics query
    /// and at commit: a bulk load then writes each counter once per transaction).
    deltas: std::collections::HashMap<CounterKey, i64>,
}

impl Store for SqliteStore {
    type Txn<'a> = SqliteTxn<'a>;
    fn txn(&mut self, _gate: super::Gate<'_>) -> Result<SqliteTxn<'_>> {
        SqliteTxn::begin(self, TransactionBehavior::Immediate)
    }
    fn read(&mut self, _gate: super::Gate<'_>) -> Result<SqliteTxn<'_>> {
        SqliteTxn::begin(self, TransactionBehavior::Deferred)
    }
    fn backup(&mut self, _gate: super::Gate<'_>, dest: &Path) -> Result<()> {
        self.backup_to(dest)
    }
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

impl<'a> SqliteTxn<'a> {
    /// Opens a transaction: `Immediate` takes the write lock at once, `Deferred` reads.
    fn begin(store: &'a mut SqliteStore, behavior: TransactionBehavior) -> Result<Self> {
        Ok(SqliteTxn {
            tx: store.begin(behavior)?,
            head: None,
            deltas: std::collections::HashMap::new(),
        })
    }

    fn flush_stats(&mut self) -> Result<()> {
        let deltas = std::mem::take(&mut self.deltas);
        write_stats(&self.tx, &deltas)
    }

    /// Visits the entries a query gives, from columns `gseq, body, hash` and, when it selects
    /// them, `case_id` and `seq` (an access-log entry names its case with sequence 0).
    fn entries(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        visit: &mut dyn FnMut(StoredEntry) -> Result<bool>,
    ) -> Result<()> {
        let mut st = self.tx.prepare_cached(sql).map_err(db_err)?;
        let columns = st.column_count();
        let mut rows = st.query(args).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let case: Option<String> = if columns > 3 {
                r.get(3).map_err(db_err)?
            } else {
                None
            };
            let seq: Option<i64> = if columns > 4 {
                r.get(4).map_err(db_err)?
            } else {
                Some(0)
            };
            let e = StoredEntry {
                gseq: r.get::<_, i64>(0).map_err(db_err)? as u64,
                body: r.get(1).map_err(db_err)?,
                hash: r.get(2).map_err(db_err)?,
                index: case.map(|c| (c, seq.unwrap_or(-1).clamp(-1, u32::MAX as i64) as u32)),
            };
            if !visit(e)? {
                break;
            }
        }
        Ok(())
    }

    /// The last 2 entries of the chain, newest first.
    fn last_two(&mut self) -> Result<Vec<StoredEntry>> {
        let mut out = Vec::new();
        self.entries(
            "SELECT gseq, body, hash FROM chain ORDER BY gseq DESC LIMIT 2",
            [],
            &mut |e| {
                out.push(e);
                Ok(true)
            },
        )?;
        Ok(out)
    }

    /// Stores an entry sealed by the service at the next position (`conflict` at any other).
    fn push(&mut self, sealed: &StoredEntry, case: Option<(&str, u32)>, ty: &str) -> Result<()> {
        let last = match self.head {
            Some(h) => h,
            None => self.last_two()?.first().map_or(0, |e| e.gseq),
        };
        if sealed.gseq != last + 1 {
            return Err(DomainError::from(StorageError::Conflict));
        }
        let (case_id, seq) = case.unzip();
        self.tx
            .prepare_cached("INSERT INTO chain(gseq, case_id, seq, type, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .and_then(|mut st| st.execute(params![sealed.gseq as i64, case_id, seq, ty, sealed.body, sealed.hash]))
            .map_err(db_err)?;
        self.head = Some(sealed.gseq);
        Ok(())
    }

    /// Decodes the JSON `body` column of every row of a query.
    fn bodies<T: serde::de::DeserializeOwned>(&mut self, sql: &str) -> Result<Vec<T>> {
        let mut st = self.tx.prepare_cached(sql).map_err(db_err)?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(db_err)?
            .collect::<std::result::Result<_, _>>()
            .map_err(db_err)?;
        rows.iter()
            .map(|b| serde_json::from_str(b).map_err(json_err))
            .collect()
    }

    fn setting<T: serde::de::DeserializeOwned + Default>(&mut self, key: &str) -> Result<T> {
        let v: Option<String> = self
            .tx
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")
            .and_then(|mut st| st.query_row([key], |r| r.get(0)).optional())
            .map_err(db_err)?;
        match v {
            None => Ok(T::default()),
            Some(s) => serde_json::from_str(&s).map_err(json_err),
        }
    }

    /// Moves the settings version on (see [`Txn::settings_version`]).
    fn bump_version(&mut self) -> Result<()> {
        self.tx
            .execute(
                "INSERT INTO settings(key, value) VALUES ('version', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
                [],
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// Puts a JSON value under `key` in a [`sql::Keyed`] table.
    fn upsert(&mut self, t: sql::Keyed, key: &str, json: &str) -> Result<()> {
        self.tx
            .prepare_cached(&t.upsert(sql::Dialect::Sqlite))
            .and_then(|mut st| st.execute(params![key, json]))
            .map_err(db_err)?;
        Ok(())
    }

    /// Related-case summaries from the query table (`id, state, holder, registered_at` columns).
    fn summaries(&mut self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<RelatedCase>> {
        let mut st = self.tx.prepare_cached(sql).map_err(db_err)?;
        let rows = st
            .query_map(args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(db_err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db_err)?;
        let bad = || DomainError::from(StorageError::integrity("bad case row stored"));
        let mut out = Vec::new();
        for (id, state, holder, at) in rows {
            let (Some(holder), Some(at)) = (holder, at) else {
                continue;
            };
            out.push(RelatedCase {
                id: CaseId::parse(&id).map_err(|_| bad())?,
                state: crate::case::CaseState::parse(&state).ok_or_else(bad)?,
                holder: UnitCode::parse(&holder).map_err(|_| bad())?,
                registered_at: chrono::DateTime::parse_from_rfc3339(&at).map_err(|_| bad())?,
            });
        }
        Ok(out)
    }

    fn ids(&mut self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<CaseId>> {
        let mut st = self.tx.prepare_cached(sql).map_err(db_err)?;
        let rows = st
            .query_map(args, |r| r.get::<_, String>(0))
            .map_err(db_err)?
            .collect::<std::result::Result<Vec<String>, _>>()
            .map_err(db_err)?;
        rows.iter()
            .map(|s| {
                CaseId::parse(s)
                    .map_err(|_| DomainError::from(StorageError::integrity("bad case id stored")))
            })
            .collect()
    }
}

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

impl Txn for SqliteTxn<'_> {
    sql_verbs!();
    fn initialized(&mut self) -> Result<bool> {
        self.tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM chain WHERE type = 'initialized')",
                [],
                |r| r.get(0),
            )
            .map_err(db_err)
    }
    fn settings_version(&mut self) -> Result<Option<String>> {
        let v: Option<String> = self
            .tx
            .prepare_cached("SELECT value FROM settings WHERE key = 'version'")
            .and_then(|mut st| st.query_row([], |r| r.get(0)).optional())
            .map_err(db_err)?;
        Ok(Some(v.unwrap_or_else(|| "0".into())))
    }
    fn chain_tail(&mut self) -> Result<Option<ChainTail>> {
        let mut two = self.last_two()?.into_iter();
        Ok(two.next().map(|last| ChainTail {
            last,
            prev_hash: two
                .next()
                .and_then(|p| p.hash.as_slice().try_into().ok())
                .unwrap_or(GENESIS),
        }))
    }
    fn next_case_id(&mut self, year: Finished<'_, i32>) -> Result<CaseId> {
        let year: i32 = *year;

        let n: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO counters(year, next) VALUES (?1, 1) ON CONFLICT(year) DO UPDATE SET next = next + 1 RETURNING next",
            )
            .and_then(|mut st| st.query_row([year], |r| r.get(0)))
            .map_err(db_err)?;
        Ok(CaseId::new(year, n as u32))
    }
    fn bump_case_counter(&mut self, id: Finished<'_, CaseId>) -> Result<()> {
        let id: &CaseId = &id;

        self.tx
            .prepare_cached("INSERT INTO counters(year, next) VALUES (?1, ?2) ON CONFLICT(year) DO UPDATE SET next = max(next, excluded.next)")
            .and_then(|mut st| st.execute(params![id.year(), id.sequence()]))
            .map_err(db_err)?;
        Ok(())
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>> {
        read_events(&self.tx, id.as_str())
    }
    fn case_seq(&mut self, id: &CaseId) -> Result<Option<u32>> {
        self.tx
            .prepare_cached("SELECT last_seq FROM cases WHERE id = ?1")
            .and_then(|mut st| st.query_row([id.as_str()], |r| r.get(0)).optional())
            .map_err(db_err)
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>> {
        // The case is the fold of its events: no second copy is stored (it would double the
        // bytes written by every command).
        let events = self.load_events(id)?;
        Ok((!events.is_empty()).then(|| crate::case::replay(id.clone(), &events)))
    }
    fn find_related(&mut self, m: &Matter<'_>) -> Result<Vec<RelatedCase>> {
        let (keys, category, locality) = (m.keys, m.category, m.locality);
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..keys.len()).map(|i| format!("?{}", i + 3)).collect();
        let sql = format!(
            "SELECT DISTINCT c.id, c.state, c.holder, c.registered_at FROM identities i JOIN cases c ON c.id = i.case_id
             WHERE i.key IN ({}) AND i.category = ?1 AND i.locality = ?2",
            marks.join(",")
        );
        let loc = locality.as_str();
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![&category, &loc];
        for k in keys {
            args.push(k);
        }
        self.summaries(&sql, &args)
    }
    fn events_in_year(&mut self, kind: &str, year: i32, before: u64) -> Result<u64> {
        // Events are recorded in the office's time zone: the year is their time's first four
        // characters as stored.
        let n: i64 = self
            .tx
            .prepare_cached(
                "SELECT count(*) FROM chain WHERE type = ?1 AND gseq < ?2 AND case_id IS NOT NULL
                 AND substr(json_extract(body, '$.at'), 1, 4) = ?3",
            )
            .and_then(|mut st| {
                st.query_row(params![kind, before as i64, format!("{year:04}")], |r| {
                    r.get(0)
                })
            })
            .map_err(db_err)?;
        Ok(n.max(0) as u64)
    }
    fn head_mark(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        self.tx
            .prepare_cached("SELECT gseq, hash FROM chain ORDER BY gseq DESC LIMIT 1")
            .and_then(|mut st| {
                st.query_row([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
                    .optional()
            })
            .map_err(db_err)
    }
    fn accusing(&mut self, unit: &UnitCode) -> Result<Vec<CaseId>> {
        self.ids(
            "SELECT case_id FROM case_accused WHERE unit = ?1",
            &[&unit.as_str()],
        )
    }
    fn count(&mut self, q: &CaseQuery, accused: Option<&UnitCode>) -> Result<u64> {
        let Some((sql, args)) = sql::count_sql(q, accused, sql::Dialect::Sqlite) else {
            return Ok(0);
        };
        let n: i64 = self
            .tx
            .prepare_cached(&sql)
            .and_then(|mut st| st.query_row(rusqlite::params_from_iter(&args), |r| r.get(0)))
            .map_err(db_err)?;
        Ok(n.max(0) as u64)
    }
    fn external_case(&mut self, r: &crate::case::ExternalRef) -> Result<Option<CaseId>> {
        let id: Option<String> = self
            .tx
            .prepare_cached("SELECT case_id FROM external_refs WHERE system = ?1 AND ref = ?2")
            .and_then(|mut st| {
                st.query_row(params![r.system, r.id], |row| row.get(0))
                    .optional()
            })
            .map_err(db_err)?;
        id.map(|s| {
            CaseId::parse(&s)
                .map_err(|_| DomainError::from(StorageError::integrity("bad case id stored")))
        })
        .transpose()
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
        type Row = (Vec<u8>, String, Option<String>, Option<i64>, Option<String>);
        let row: Option<Row> = self
            .tx
            .prepare_cached(
                "SELECT digest, at, case_id, status, body FROM idempotency WHERE staff = ?1 AND key = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![staff, key], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
            })
            .map_err(db_err)?;
        row.map(|(digest, at, case, status, body)| {
            crate::idempotency::KeyRecord::from_row(staff, key, digest, &at, case, status, body)
        })
        .transpose()
    }
    fn put_key(
        &mut self,
        rec: Finished<'_, crate::idempotency::KeyRecord>,
        stale: Option<chrono::DateTime<chrono::FixedOffset>>,
    ) -> Result<()> {
        if let Some(stale) = stale {
            self.tx
                .prepare_cached("DELETE FROM idempotency WHERE at_s < ?1")
                .and_then(|mut st| st.execute([stale.timestamp()]))
                .map_err(db_err)?;
        }
        let (status, body) = match &rec.answer {
            Some((s, b)) => (Some(i64::from(*s)), Some(b.as_str())),
            None => (None, None),
        };
        self.tx
            .prepare_cached(
                "INSERT INTO idempotency(staff, key, digest, at, at_s, case_id, status, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(staff, key) DO UPDATE SET digest = excluded.digest, at = excluded.at,
                    at_s = excluded.at_s, case_id = excluded.case_id, status = excluded.status,
                    body = excluded.body",
            )
            .and_then(|mut st| {
                st.execute(params![
                    rec.staff,
                    rec.key,
                    rec.digest,
                    rec.at.to_rfc3339(),
                    rec.at.timestamp(),
                    rec.case.as_ref().map(CaseId::as_str),
                    status,
                    body
                ])
            })
            .map_err(db_err)?;
        Ok(())
    }
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>> {
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.summaries(
                "SELECT id, state, holder, registered_at FROM cases WHERE id = ?1",
                &[&id.as_str()],
            )?);
        }
        Ok(out)
    }
    fn due_for_tick(&mut self, page: &DuePage<'_>) -> Result<Vec<(NaiveDate, CaseId)>> {
        // The index is in (next_tick, id) order, so a page costs its own size.
        let (today, limit) = (page.today, page.limit);
        let (d, id) = page
            .after
            .map(|(d, id)| (d.to_string(), id.as_str().to_string()))
            .unwrap_or_default();
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT next_tick, id FROM cases
                 WHERE next_tick IS NOT NULL AND next_tick <= ?1 AND (next_tick, id) > (?2, ?3)
                 ORDER BY next_tick, id LIMIT ?4",
            )
            .map_err(db_err)?;
        let rows = st
            .query_map(params![today.to_string(), d, id, limit as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(db_err)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db_err)?;
        let bad = || DomainError::from(StorageError::integrity("bad case row stored"));
        rows.into_iter()
            .map(|(d, id)| {
                Ok((
                    NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| bad())?,
                    CaseId::parse(&id).map_err(|_| bad())?,
                ))
            })
            .collect()
    }
    fn chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        self.entries(
            "SELECT gseq, body, hash, case_id, seq FROM chain WHERE gseq >= ?1 ORDER BY gseq",
            [from as i64],
            visit,
        )
    }
    fn stats(&mut self, q: &StatsQuery) -> Result<GroupCounts> {
        let mut out = GroupCounts::new();
        self.flush_stats()?;
        let (from, to, today) = (q.from.to_string(), q.to.to_string(), q.today.to_string());
        // Counters summed as cases changed: those that do not depend on the day asked, and the
        // open clocks due before it. Summed here as rows stream by (a GROUP BY would sort them
        // all first, in memory); the rows are per day and group, not per case.
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT key, item, n FROM stats
                 WHERE grouping = ?1 AND day BETWEEN ?2 AND ?3 AND (due = '' OR due < ?4) AND n > 0",
            )
            .map_err(db_err)?;
        let mut rows = st
            .query(params![q.by.number(), from, to, today])
            .map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let text = |i: usize| -> Result<&str> {
                r.get_ref(i)
                    .map_err(db_err)?
                    .as_str()
                    .map_err(|e| db_err(e.into()))
            };
            let (key, item) = (text(0)?, text(1)?);
            let n = r.get::<_, i64>(2).map_err(db_err)? as u64;
            let c = match out.get_mut(key) {
                Some(c) => c,
                None => out.entry(key.to_string()).or_default(),
            };
            crate::stats::add_counter(c, item, n);
        }
        Ok(out)
    }
    fn case_count(&mut self) -> Result<u64> {
        self.tx
            .query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(db_err)
    }
    fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        let after = after.map(|a| a.as_str().to_string()).unwrap_or_default();
        self.ids(
            "SELECT id FROM cases WHERE id > ?1 ORDER BY id LIMIT ?2",
            &[&after, &(limit as i64)],
        )
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        let mut last = None;
        self.entries(
            "SELECT pos, body, hash FROM access_log ORDER BY pos DESC LIMIT 1",
            [],
            &mut |e| {
                last = Some(e);
                Ok(false)
            },
        )?;
        Ok(last)
    }
    fn append_access(&mut self, a: Finished<'_, Sealed<'_, Disclosure>>) -> Result<()> {
        let (d, sealed) = (a.value, a.entry);
        let (pos, body, hash) = (sealed.gseq, &sealed.body, &sealed.hash);
        self.tx
            .prepare_cached(
                "INSERT INTO access_log(pos, case_id, staff, body, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    pos as i64,
                    d.case.as_ref().map(|c| c.as_str().to_string()),
                    d.staff.as_str(),
                    body,
                    hash.to_vec()
                ])
            })
            .map_err(db_err)?;
        Ok(())
    }
    fn access_chain(&mut self, from: u64, visit: Visitor<'_>) -> Result<()> {
        self.entries(
            "SELECT pos, body, hash, case_id FROM access_log WHERE pos >= ?1 ORDER BY pos",
            [from.min(i64::MAX as u64) as i64],
            visit,
        )
    }
    fn commit(mut self) -> Result<()> {
        self.flush_stats()?;
        self.tx.commit().map_err(db_err)
    }
    #[allow(private_interfaces)]
    fn derived(&mut self) -> Option<&mut dyn crate::store::Derived> {
        Some(self)
    }
}
