//! The SQLite store: WAL, `foreign_keys=ON`, an explicit busy timeout, `STRICT` tables,
//! forward-only migrations under `user_version`, triggers that make the audit chain append-only,
//! and every write in one `BEGIN IMMEDIATE` transaction.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::{CaseQuery, CaseRow, ChainTail, Finished, Order, StatsRow, Store, StoredEntry, Txn};
use crate::access::{Disclosure, LoggedDisclosure};
use crate::audit::{AdminEvent, GENESIS};
use crate::case::{Case, Event, RelatedCase};
use crate::clock::Calendar;
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, UnitCode};
use crate::org::{Org, Staff, Unit};
use crate::policy::Policy;

mod queries;
mod schema;
mod stored;

use crate::stats::CounterKey;
use schema::{after_migration, read_events, write_stats, MIGRATIONS};
use stored::read_stored_row;

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

/// A path as the path part of an SQLite `file:` URI (percent-encoded, absolute).
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How long a command waits for another process's lock by default, in milliseconds.
pub const DEFAULT_BUSY_MS: u64 = 10_000;

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

impl SqliteStore {
    /// Opens (or, with `create`, creates) a database and migrates it to the current schema.
    /// A missing file without `create` is `not_found`; a newer schema is `integrity`.
    ///
    /// ```
    /// use petition_core::{Service, SqliteStore};
    /// let path = std::env::temp_dir().join(format!("petition-doc-{}.db", std::process::id()));
    /// let mut svc = Service::new(SqliteStore::open(&path, true).unwrap());
    /// assert!(svc.verify(&[]).unwrap().problem.is_none());
    /// drop(svc);
    /// assert_eq!(SqliteStore::open(&path.with_extension("nope"), false).unwrap_err().code(), "not_found");
    /// std::fs::remove_file(&path).ok();
    /// ```
    pub fn open(path: &Path, create: bool) -> Result<Self> {
        if !create && !path.exists() {
            return Err(DomainError::from(Refusal::missing(
                &format!("no database at {}", path.display()),
                &format!("{} 处没有数据库", path.display()),
            )));
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(db_err)?;
        Self::setup(conn)
    }

    /// Opens an existing database read-only, never creating or changing a file (`verify`). A
    /// missing path is `not_found`; a file that is not a petition database — an empty one, a
    /// foreign SQLite file, anything else — is `integrity`; a directory or an unreadable file is
    /// `io`. A database of an older schema must be upgraded first (any write command does it).
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                DomainError::from(Refusal::missing(
                    &format!("no database at {}", path.display()),
                    &format!("{} 处没有数据库", path.display()),
                ))
            } else {
                DomainError::from(StorageError::io(path.display().to_string(), e))
            }
        })?;
        if meta.is_dir() {
            return Err(DomainError::from(StorageError::io_detail(
                path.display().to_string(),
                "is a directory, not a database file",
            )));
        }
        if meta.len() == 0 {
            return Err(DomainError::from(StorageError::integrity(
                "the file is empty: it is not a petition database",
            )));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        // With no `-wal` file beside it, no connection has the database open and the file holds
        // every commit: open it immutable, so SQLite creates no `-wal`/`-shm` files. With one, a
        // writer is (or was) at work: read through its WAL as usual (the files exist already).
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let conn = if wal.exists() {
            Connection::open_with_flags(path, flags)
        } else {
            Connection::open_with_flags(format!("file:{}?immutable=1", uri_path(path)), flags)
        }
        .map_err(db_err)?;
        conn.busy_timeout(Duration::from_millis(DEFAULT_BUSY_MS))
            .map_err(db_err)?;
        let s = Self {
            conn,
            busy_ms: DEFAULT_BUSY_MS,
            group: false,
        };
        let v = s.user_version()?;
        let tables: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('chain', 'cases', 'units', 'staff')",
                [],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if v == 0 || tables < 4 {
            return Err(DomainError::from(StorageError::integrity(
                "the file is not a petition database",
            )));
        }
        if v > SCHEMA_VERSION {
            return Err(newer_schema(v));
        }
        if v < SCHEMA_VERSION {
            return Err(DomainError::from(Refusal::invalid(
                &format!("the database has the older schema version {v}: open it once for writing with this version to upgrade it, then verify"),
                &format!("数据库结构版本为较旧的 {v}：请先用本版本以写入方式打开一次完成升级，再进行校验"),
            )));
        }
        Ok(s)
    }

    /// A private in-memory SQLite database (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory().map_err(db_err)?)
    }

    fn setup(conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_millis(DEFAULT_BUSY_MS))
            .map_err(db_err)?;
        // A command writes through a few dozen distinct statements (a case's changed columns
        // make their own): with rusqlite's default of 16 cached, a server's writer parsed
        // and planned most of them again for every command.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // WAL: readers never block the writer and a crash leaves the last committed command.
        let _: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(db_err)?;
        // synchronous=FULL: a petition database is a legal record. In WAL mode NORMAL already
        // survives a killed process, but may lose the last commits on power loss; FULL syncs the
        // WAL at every commit so a command the clerk saw succeed survives an outage too. Bulk
        // loads amortise the sync by batching commands in one transaction.
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(db_err)?;
        let mut s = Self {
            conn,
            busy_ms: DEFAULT_BUSY_MS,
            group: false,
        };
        // Migrations build indexes and fill tables over the whole database: their sorts go to
        // temporary files, not memory, so memory stays flat at any size.
        s.conn
            .execute_batch("PRAGMA temp_store=FILE")
            .map_err(db_err)?;
        s.migrate()?;
        s.conn
            .execute_batch("PRAGMA temp_store=MEMORY")
            .map_err(db_err)?;
        Ok(s)
    }

    /// Sets how long a command waits, in total, for a lock held by another process before it
    /// gives up with `conflict` (default 10 s). The wait is not repeated by the service's retries.
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.busy_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.conn.busy_timeout(timeout).map_err(db_err)
    }

    fn begin(&mut self, behavior: TransactionBehavior) -> Result<Tx<'_>> {
        if self.group {
            // Inside a group commit: a savepoint, released into the group's transaction (or
            // rolled back to, alone) when the transaction ends.
            return self.conn.savepoint().map(Tx::Nested).map_err(db_err);
        }
        let busy_ms = self.busy_ms;
        self.conn
            .transaction_with_behavior(behavior)
            .map(Tx::Top)
            .map_err(|e| match db_err(e) {
                DomainError::Storage(StorageError::Busy { .. }) => {
                    DomainError::from(StorageError::Busy { waited_ms: busy_ms })
                }
                other => other,
            })
    }

    /// Opens a group commit (a server's writer, with commands of several clients waiting): one
    /// write transaction, taken now, in which every transaction of this store until
    /// [`SqliteStore::commit_group`] is a savepoint. A transaction that fails is rolled back
    /// alone; the ones that succeed become durable together, with one sync, at
    /// `commit_group`, and nothing of them is durable (or visible to other connections) before.
    pub fn begin_group(&mut self) -> Result<()> {
        if self.group {
            return Err(DomainError::from(StorageError::internal(
                "a group commit is open already",
            )));
        }
        if let Tx::Top(mut t) = self.begin(TransactionBehavior::Immediate)? {
            // Left open past its guard: the group's transaction ends in `commit_group`.
            t.set_drop_behavior(rusqlite::DropBehavior::Ignore);
        }
        self.group = true;
        Ok(())
    }

    /// Whether the group's transaction is still open: SQLite rolls a whole transaction back by
    /// itself after some errors (a full disk, an I/O error), and then the work done in the group
    /// so far is gone.
    pub fn group_intact(&self) -> bool {
        self.group && !self.conn.is_autocommit()
    }

    /// Commits the group opened by [`SqliteStore::begin_group`]. When the group's transaction
    /// is gone (see [`SqliteStore::group_intact`]) or the commit fails, nothing of the group is
    /// stored and the error says so; the store is out of the group either way.
    pub fn commit_group(&mut self) -> Result<()> {
        let intact = self.group_intact();
        self.group = false;
        if !intact {
            return Err(DomainError::from(StorageError::internal(
                "the group commit's transaction was rolled back by SQLite after an error",
            )));
        }
        let r = self.conn.execute_batch("COMMIT").map_err(db_err);
        if r.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        r
    }

    /// Sets the page cache of this connection, in KiB (SQLite's default is 2,000). Bulk loads
    /// raise it so the pages they keep returning to stay in memory; it bounds memory use too.
    pub fn set_cache_kib(&self, kib: u32) -> Result<()> {
        self.conn
            .execute_batch(&format!("PRAGMA cache_size = -{kib}"))
            .map_err(db_err)
    }

    /// The page cache of this connection, in KiB (see [`SqliteStore::set_cache_kib`]).
    pub fn cache_kib(&self) -> Result<u64> {
        let (size, page): (i64, i64) = self
            .conn
            .query_row(
                "SELECT cache_size, page_size FROM pragma_cache_size, pragma_page_size",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db_err)?;
        // Negative: KiB; positive: pages.
        Ok(if size < 0 {
            size.unsigned_abs()
        } else {
            size.unsigned_abs() * page.unsigned_abs() / 1024
        })
    }

    /// Lets the write-ahead log grow to `pages` pages (of 4 KiB) before this connection copies it
    /// into the database after a commit (SQLite's default is 1,000). Long bulk work (the
    /// time-driven work over many cases, a generated or imported database) rewrites the same
    /// index and statistics pages over and over: with a longer log each is copied once per
    /// checkpoint instead of once per thousand pages written. Durability is the same: every
    /// commit is in the synced log.
    pub fn set_checkpoint_pages(&self, pages: u32) -> Result<()> {
        self.conn
            .execute_batch(&format!("PRAGMA wal_autocheckpoint = {pages}"))
            .map_err(db_err)
    }

    /// The schema version of the open database.
    pub fn user_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db_err)
    }

    fn migrate(&mut self) -> Result<()> {
        let v = self.user_version()?;
        if v > SCHEMA_VERSION {
            return Err(newer_schema(v));
        }
        if v == 0 {
            // A file with tables but no version is not ours.
            let tables: i64 = self
                .conn
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .map_err(db_err)?;
            if tables > 0 {
                return Err(DomainError::from(StorageError::integrity(
                    "the file is an SQLite database of another program",
                )));
            }
        }
        for (i, step) in MIGRATIONS.iter().enumerate().skip(v as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_err)?;
            // Re-check under the lock: another process may have migrated meanwhile.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(db_err)?;
            if now > i as i64 {
                continue;
            }
            tx.execute_batch(step).map_err(db_err)?;
            after_migration(i + 1, &tx)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .map_err(db_err)?;
            tx.commit().map_err(db_err)?;
        }
        Ok(())
    }

    /// Copies the database to `dest` with SQLite's online backup API, while writers may run.
    pub(crate) fn backup_to(&self, dest: &Path) -> Result<()> {
        let mut out = Connection::open(dest).map_err(db_err)?;
        {
            let b = rusqlite::backup::Backup::new(&self.conn, &mut out).map_err(db_err)?;
            b.run_to_completion(256, Duration::from_millis(5), None)
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// Every row of the query tables as text, in key order (tests comparing two databases).
    #[cfg(test)]
    pub(crate) fn dump_query_tables(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (t, sql) in [
            ("cases", "SELECT * FROM cases ORDER BY 1"),
            ("clocks", "SELECT * FROM clocks ORDER BY 1, 2"),
            ("supervisions", "SELECT * FROM supervisions ORDER BY 1, 2"),
            ("identities", "SELECT * FROM identities ORDER BY 1, 2, 3, 4"),
            ("stats", "SELECT * FROM stats ORDER BY 1, 2, 3, 4, 5"),
            ("case_units", "SELECT * FROM case_units ORDER BY 1, 2"),
            (
                "case_text",
                "SELECT rowid, text, num, case_id FROM case_text ORDER BY 1",
            ),
        ] {
            let mut st = self.conn.prepare(sql).expect("prepare");
            let n = st.column_count();
            let mut rows = st.query([]).expect("query");
            while let Some(r) = rows.next().expect("row") {
                let cols: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).expect("col")))
                    .collect();
                out.push(format!("{t}: {}", cols.join(" | ")));
            }
        }
        out
    }

    /// A pragma's value (tests only).
    #[cfg(test)]
    pub(crate) fn raw_pragma(&self, name: &str) -> Result<i64> {
        self.conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .map_err(db_err)
    }

    /// Runs raw SQL (tests of tampering and triggers only).
    #[cfg(test)]
    pub(crate) fn raw_execute(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(db_err)
    }
}

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
        let tx = self.begin(TransactionBehavior::Immediate)?;
        Ok(SqliteTxn {
            tx,
            head: None,
            deltas: std::collections::HashMap::new(),
        })
    }
    fn read(&mut self, _gate: super::Gate<'_>) -> Result<SqliteTxn<'_>> {
        let tx = self.begin(TransactionBehavior::Deferred)?;
        Ok(SqliteTxn {
            tx,
            head: None,
            deltas: std::collections::HashMap::new(),
        })
    }
    fn backup(&mut self, _gate: super::Gate<'_>, dest: &Path) -> Result<()> {
        self.backup_to(dest)
    }
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

impl SqliteTxn<'_> {
    fn flush_stats(&mut self) -> Result<()> {
        let deltas = std::mem::take(&mut self.deltas);
        write_stats(&self.tx, &deltas)
    }

    /// The last 2 entries of the chain, newest first.
    fn last_two(&mut self) -> Result<Vec<StoredEntry>> {
        self.tx
            .prepare_cached("SELECT gseq, body, hash FROM chain ORDER BY gseq DESC LIMIT 2")
            .and_then(|mut st| {
                st.query_map([], |r| {
                    Ok(StoredEntry {
                        gseq: r.get::<_, i64>(0)? as u64,
                        body: r.get(1)?,
                        hash: r.get(2)?,
                        index: None,
                    })
                })?
                .collect::<std::result::Result<Vec<_>, _>>()
            })
            .map_err(db_err)
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

    fn put_setting<T: serde::Serialize>(&mut self, key: &str, v: &T) -> Result<()> {
        let s = serde_json::to_string(v)
            .map_err(|e| DomainError::from(StorageError::internal(&e.to_string())))?;
        self.tx
            .execute("INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", params![key, s])
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

fn b(x: bool) -> i64 {
    i64::from(x)
}

impl Txn for SqliteTxn<'_> {
    fn initialized(&mut self) -> Result<bool> {
        self.tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM chain WHERE type = 'initialized')",
                [],
                |r| r.get(0),
            )
            .map_err(db_err)
    }
    fn org(&mut self) -> Result<Org> {
        let mut org = Org::new();
        for u in self.bodies::<Unit>("SELECT body FROM units")? {
            org.insert_unit_unchecked(u);
        }
        for st in self.bodies::<Staff>("SELECT body FROM staff")? {
            org.insert_staff_unchecked(st);
        }
        Ok(org)
    }
    fn policy(&mut self) -> Result<Policy> {
        self.setting("policy")
    }
    fn calendar(&mut self) -> Result<Calendar> {
        self.setting("calendar")
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
    fn append_admin(
        &mut self,
        ev: Finished<'_, AdminEvent>,
        sealed: Finished<'_, StoredEntry>,
    ) -> Result<()> {
        let ev: &AdminEvent = &ev;
        let sealed: &StoredEntry = &sealed;

        self.push(sealed, None, ev.kind.type_name())
    }
    fn put_unit(&mut self, unit: Finished<'_, crate::org::Unit>) -> Result<()> {
        let unit: &crate::org::Unit = &unit;

        let ser = |v: &dyn erased::Ser| v.json();
        self.tx
            .execute(
                "INSERT INTO units(code, body) VALUES (?1, ?2) ON CONFLICT(code) DO UPDATE SET body = excluded.body",
                params![unit.code.as_str(), ser(unit)?],
            )
            .map_err(db_err)?;
        self.bump_version()
    }
    fn put_staff(&mut self, staff: Finished<'_, crate::org::Staff>) -> Result<()> {
        let staff: &crate::org::Staff = &staff;

        let ser = |v: &dyn erased::Ser| v.json();
        self.tx
            .execute(
                "INSERT INTO staff(id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                params![staff.id.as_str(), ser(staff)?],
            )
            .map_err(db_err)?;
        self.bump_version()
    }
    fn put_settings(
        &mut self,
        policy: Finished<'_, Policy>,
        calendar: Finished<'_, Calendar>,
    ) -> Result<()> {
        let policy: &Policy = &policy;
        let calendar: &Calendar = &calendar;

        self.put_setting("policy", policy)?;
        self.put_setting("calendar", calendar)?;
        self.bump_version()
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
    fn append(
        &mut self,
        expected_seq: u32,
        events: Finished<'_, [Event]>,
        sealed: Finished<'_, [StoredEntry]>,
    ) -> Result<()> {
        let events: &[Event] = &events;
        let sealed: &[StoredEntry] = &sealed;

        let Some(first) = events.first() else {
            return Ok(());
        };
        let last: u32 = self
            .tx
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM chain WHERE case_id = ?1")
            .and_then(|mut st| st.query_row([first.case.as_str()], |r| r.get(0)))
            .map_err(db_err)?;
        if last != expected_seq {
            return Err(DomainError::from(StorageError::Conflict));
        }
        if sealed.len() != events.len() {
            return Err(DomainError::from(StorageError::internal(
                "every event needs its sealed chain entry",
            )));
        }
        for (i, (e, s)) in events.iter().zip(sealed).enumerate() {
            if e.case != first.case || e.seq != expected_seq + 1 + i as u32 {
                return Err(DomainError::from(StorageError::internal(
                    "events out of sequence",
                )));
            }
            self.push(s, Some((e.case.as_str(), e.seq)), e.kind.type_name())?;
        }
        Ok(())
    }
    fn put_case(&mut self, before: Finished<'_, Case>, case: Finished<'_, Case>) -> Result<()> {
        let before: &Case = &before;
        let case: &Case = &case;

        let (old, r) = CaseRow::change(before, case);
        let opt = |u: &Option<UnitCode>| u.as_ref().map(|u| u.as_str().to_string());
        if before.seq == 0 {
            self.tx
                .prepare_cached(
                    "INSERT INTO cases(id, state, holder, lead, first_contact, objection_router, locality, category, channel,
                        registered_on, names, skip_level, collective, repeat, next_tick, last_seq, registered_at, officer)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        r.id.as_str(),
                        r.state,
                        opt(&r.holder),
                        opt(&r.lead),
                        opt(&r.first_contact),
                        opt(&r.objection_router),
                        opt(&r.locality),
                        r.category,
                        r.channel,
                        r.registered_on.map(|d| d.to_string()),
                        r.names,
                        b(r.skip_level),
                        b(r.collective),
                        b(r.repeat),
                        r.next_tick.map(|d| d.to_string()),
                        r.last_seq,
                        case.registered_at.map(|t| t.to_rfc3339()),
                        r.officer.as_ref().map(|o| o.as_str().to_string())
                    ])
                })
                .map_err(db_err)?;
        } else {
            // Only the columns that changed, so SQLite touches only the indexes over them.
            let mut set = String::new();
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(r.id.as_str().to_string())];
            let mut col = |name: &str, v: Box<dyn rusqlite::ToSql>| {
                args.push(v);
                if !set.is_empty() {
                    set.push_str(", ");
                }
                set.push_str(&format!("{name} = ?{}", args.len()));
            };
            if r.state != old.state {
                col("state", Box::new(r.state));
            }
            if r.holder != old.holder {
                col("holder", Box::new(opt(&r.holder)));
            }
            if r.lead != old.lead {
                col("lead", Box::new(opt(&r.lead)));
            }
            if r.objection_router != old.objection_router {
                col("objection_router", Box::new(opt(&r.objection_router)));
            }
            if r.officer != old.officer {
                col(
                    "officer",
                    Box::new(r.officer.as_ref().map(|o| o.as_str().to_string())),
                );
            }
            if r.next_tick != old.next_tick {
                col("next_tick", Box::new(r.next_tick.map(|d| d.to_string())));
            }
            // A corrected registration (`amend`).
            if r.names != old.names {
                col("names", Box::new(r.names.clone()));
            }
            if r.locality != old.locality {
                col("locality", Box::new(opt(&r.locality)));
            }
            if r.category != old.category {
                col("category", Box::new(r.category.clone()));
            }
            if r.skip_level != old.skip_level {
                col("skip_level", Box::new(b(r.skip_level)));
            }
            if r.collective != old.collective {
                col("collective", Box::new(b(r.collective)));
            }
            if r.repeat != old.repeat {
                col("repeat", Box::new(b(r.repeat)));
            }
            col("last_seq", Box::new(r.last_seq));
            let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
            let n = self
                .tx
                .prepare_cached(&format!("UPDATE cases SET {set} WHERE id = ?1"))
                .and_then(|mut st| st.execute(refs.as_slice()))
                .map_err(db_err)?;
            if n != 1 {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "case {} has events but no query row",
                    r.id
                ))));
            }
        }

        {
            let mut st = self
                .tx
                .prepare_cached(
                    "INSERT INTO clocks(case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                     ON CONFLICT(case_id, idx) DO UPDATE SET unit = excluded.unit, due = excluded.due,
                        stopped_on = excluded.stopped_on, met = excluded.met, lapsed = excluded.lapsed,
                        rating = excluded.rating, started = excluded.started
                     WHERE clocks.unit IS NOT excluded.unit OR clocks.due IS NOT excluded.due
                        OR clocks.stopped_on IS NOT excluded.stopped_on OR clocks.lapsed IS NOT excluded.lapsed
                        OR clocks.rating IS NOT excluded.rating OR clocks.started IS NOT excluded.started
                        OR clocks.met IS NOT excluded.met",
                )
                .map_err(db_err)?;
            for c in r
                .clocks
                .iter()
                .filter(|c| old.clocks.get(c.idx as usize) != Some(*c))
            {
                st.execute(params![
                    r.id.as_str(),
                    c.idx,
                    c.kind.as_str(),
                    b(super::is_duty(c.kind)),
                    c.unit.as_str(),
                    c.started.to_string(),
                    c.due.to_string(),
                    c.stopped_on.map(|d| d.to_string()),
                    c.met.map(b),
                    b(c.lapsed),
                    c.rating,
                    r.registered_on.map(|d| d.to_string())
                ])
                .map_err(db_err)?;
            }
        }
        {
            let mut st = self
                .tx
                .prepare_cached(
                    "INSERT INTO supervisions(case_id, id, level, ground, by, unit, respond_by, answered, registered_on)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT(case_id, id) DO UPDATE SET level = excluded.level, by = excluded.by,
                        respond_by = excluded.respond_by, answered = excluded.answered",
                )
                .map_err(db_err)?;
            for s in r
                .supervisions
                .iter()
                .filter(|s| !old.supervisions.contains(s))
            {
                st.execute(params![
                    r.id.as_str(),
                    s.id,
                    s.level,
                    s.ground,
                    s.by.as_str(),
                    s.unit.as_str(),
                    s.respond_by.to_string(),
                    b(s.answered),
                    r.registered_on.map(|d| d.to_string())
                ])
                .map_err(db_err)?;
            }
        }
        {
            let mut add = self
                .tx
                .prepare_cached("INSERT OR IGNORE INTO case_units(case_id, unit) VALUES (?1, ?2)")
                .map_err(db_err)?;
            for u in r.units.iter().filter(|u| !old.units.contains(u)) {
                add.execute(params![r.id.as_str(), u.as_str()])
                    .map_err(db_err)?;
            }
            let mut gone = self
                .tx
                .prepare_cached("DELETE FROM case_units WHERE case_id = ?1 AND unit = ?2")
                .map_err(db_err)?;
            for u in old.units.iter().filter(|u| !r.units.contains(u)) {
                gone.execute(params![r.id.as_str(), u.as_str()])
                    .map_err(db_err)?;
            }
        }
        if r.search != old.search {
            match &r.search {
                Some(row) => schema::put_search(&self.tx, &r.id, row, old.search.is_some())?,
                None => {
                    self.tx
                        .prepare_cached("DELETE FROM case_text WHERE rowid = ?1")
                        .and_then(|mut st| st.execute([crate::search::order_key(&r.id)]))
                        .map_err(db_err)?;
                }
            }
        }
        let matter = |r: &CaseRow| (r.identities.clone(), r.category.clone(), r.locality.clone());
        if before.seq != 0 && matter(&r) != matter(&old) {
            // A corrected registration: its identity rows move to the new keys and matter.
            if let (Some(category), Some(locality)) = (&old.category, &old.locality) {
                let mut st = self
                    .tx
                    .prepare_cached(
                        "DELETE FROM identities WHERE key = ?1 AND category = ?2 AND locality = ?3 AND case_id = ?4",
                    )
                    .map_err(db_err)?;
                for k in &old.identities {
                    st.execute(params![k, category, locality.as_str(), r.id.as_str()])
                        .map_err(db_err)?;
                }
            }
        }
        if before.seq == 0 || matter(&r) != matter(&old) {
            if let (Some(category), Some(locality)) = (&r.category, &r.locality) {
                let mut st = self
                    .tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO identities(key, category, locality, case_id) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .map_err(db_err)?;
                for k in &r.identities {
                    st.execute(params![k, category, locality.as_str(), r.id.as_str()])
                        .map_err(db_err)?;
                }
            }
        }
        crate::stats::add_changes(&old, &r, &mut self.deltas);
        Ok(())
    }
    fn find_related(
        &mut self,
        keys: &[String],
        category: &str,
        locality: &UnitCode,
    ) -> Result<Vec<RelatedCase>> {
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
    fn due_for_tick(
        &mut self,
        today: NaiveDate,
        after: Option<&(NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, CaseId)>> {
        // The index is in (next_tick, id) order, so a page costs its own size.
        let (d, id) = after
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
    fn chain(
        &mut self,
        from: u64,
        visit: &mut dyn FnMut(StoredEntry) -> Result<bool>,
    ) -> Result<()> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT gseq, body, hash, case_id, seq FROM chain WHERE gseq >= ?1 ORDER BY gseq",
            )
            .map_err(db_err)?;
        let mut rows = st.query([from as i64]).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let case: Option<String> = r.get(3).map_err(db_err)?;
            let seq: Option<i64> = r.get(4).map_err(db_err)?;
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
    fn stats(
        &mut self,
        q: &crate::stats::StatsQuery,
    ) -> Result<std::collections::BTreeMap<String, crate::stats::Counts>> {
        let mut out: std::collections::BTreeMap<String, crate::stats::Counts> =
            std::collections::BTreeMap::new();
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
    fn stored_row(&mut self, id: &CaseId, identity_keys: &[String]) -> Result<Option<CaseRow>> {
        read_stored_row(&self.tx, id, identity_keys)
    }
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        self.query_impl(q)
    }
    fn search(&mut self, q: &crate::search::SearchQuery) -> Result<Vec<CaseId>> {
        self.search_impl(q)
    }
    fn queue(&mut self, unit: &UnitCode, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        self.queue_impl(unit, limit)
    }
    fn access_tail(&mut self) -> Result<Option<StoredEntry>> {
        self.tx
            .prepare_cached("SELECT pos, body, hash FROM access_log ORDER BY pos DESC LIMIT 1")
            .and_then(|mut st| {
                st.query_row([], |r| {
                    Ok(StoredEntry {
                        gseq: r.get::<_, i64>(0)? as u64,
                        body: r.get(1)?,
                        hash: r.get(2)?,
                        index: None,
                    })
                })
                .optional()
            })
            .map_err(db_err)
    }
    fn append_access(
        &mut self,
        d: Finished<'_, Disclosure>,
        sealed: Finished<'_, StoredEntry>,
    ) -> Result<()> {
        let d: &Disclosure = &d;
        let sealed: &StoredEntry = &sealed;

        let (pos, body, hash) = (sealed.gseq, &sealed.body, &sealed.hash);
        self.tx
            .prepare_cached(
                "INSERT INTO access_log(pos, case_id, staff, body, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    pos as i64,
                    d.case.as_ref().map(|c| c.as_str().to_string()),
                    d.staff,
                    body,
                    hash.to_vec()
                ])
            })
            .map_err(db_err)?;
        Ok(())
    }
    fn access_log(
        &mut self,
        case: Option<&CaseId>,
        staff: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LoggedDisclosure>> {
        self.access_log_impl(case, staff, after, limit)
    }
    fn access_chain(&mut self, visit: &mut dyn FnMut(StoredEntry) -> Result<bool>) -> Result<()> {
        self.access_chain_impl(visit)
    }
    fn cases_by_day(
        &mut self,
        after: Option<&(NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, CaseId)>> {
        self.cases_by_day_impl(after, limit)
    }
    fn stats_rows(&mut self, day: NaiveDate) -> Result<Vec<StatsRow>> {
        self.stats_rows_impl(day)
    }
    fn derived_counts(&mut self) -> Result<[u64; 7]> {
        self.derived_counts_impl()
    }
    fn chain_case_count(&mut self) -> Result<u64> {
        self.chain_case_count_impl()
    }
    fn year_counters(&mut self) -> Result<std::collections::BTreeMap<i32, u32>> {
        self.year_counters_impl()
    }
    fn commit(mut self) -> Result<()> {
        self.flush_stats()?;
        self.tx.commit().map_err(db_err)
    }
}

mod erased {
    use crate::error::{DomainError, Result, StorageError};
    pub trait Ser {
        fn json(&self) -> Result<String>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> Result<String> {
            serde_json::to_string(self)
                .map_err(|e| DomainError::from(StorageError::internal(&e.to_string())))
        }
    }
}
