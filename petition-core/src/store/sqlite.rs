//! The SQLite store (SPEC §12): WAL, `foreign_keys=ON`, an explicit busy timeout, `STRICT` tables,
//! forward-only migrations under `user_version`, triggers that make the audit chain append-only,
//! and every write in one `BEGIN IMMEDIATE` transaction.

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::{apply_admin, seal, CaseQuery, CaseRow, Order, Store, StoredEntry, Txn};
use crate::audit::{AdminEvent, AdminKind, Entry, GENESIS};
use crate::case::{Case, Event, RelatedCase};
use crate::clock::Calendar;
use crate::error::{msg, DomainError, Result};
use crate::ids::{CaseId, UnitCode};
use crate::org::{Org, Staff, Unit};
use crate::policy::Policy;

/// Ordered migrations; step N brings `user_version` from N-1 to N, each in its own transaction.
const MIGRATIONS: &[&str] = &[
    // 1: the chain, the organisation, and the query tables.
    r#"
    CREATE TABLE chain(
        gseq    INTEGER PRIMARY KEY,
        case_id TEXT,
        seq     INTEGER,
        type    TEXT NOT NULL,
        body    TEXT NOT NULL,
        hash    BLOB NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX chain_case ON chain(case_id, seq) WHERE case_id IS NOT NULL;
    CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain
        BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;
    CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain
        BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;

    CREATE TABLE units(code TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
    CREATE TABLE staff(id TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
    CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    CREATE TABLE counters(year INTEGER PRIMARY KEY, next INTEGER NOT NULL) STRICT;

    CREATE TABLE cases(
        id                TEXT PRIMARY KEY,
        state             TEXT NOT NULL,
        holder            TEXT,
        lead              TEXT,
        first_contact     TEXT,
        objection_router  TEXT,
        locality          TEXT,
        category          TEXT,
        channel           TEXT,
        registered_on     TEXT,
        registered_at     TEXT,
        names             TEXT NOT NULL,
        skip_level        INTEGER NOT NULL,
        collective        INTEGER NOT NULL,
        repeat            INTEGER NOT NULL,
        next_tick         TEXT,
        last_seq          INTEGER NOT NULL
    ) STRICT;

    CREATE INDEX cases_holder ON cases(holder, state);
    CREATE INDEX cases_lead ON cases(lead, state);
    CREATE INDEX cases_first_contact ON cases(first_contact, state);
    CREATE INDEX cases_state ON cases(state, registered_on);
    CREATE INDEX cases_registered ON cases(registered_on);
    CREATE INDEX cases_stats ON cases(first_contact, registered_on, channel, collective, skip_level, repeat);
    CREATE INDEX cases_next_tick ON cases(next_tick) WHERE next_tick IS NOT NULL;
    CREATE INDEX cases_objection ON cases(objection_router) WHERE objection_router IS NOT NULL;

    CREATE TABLE clocks(
        case_id    TEXT NOT NULL REFERENCES cases(id),
        idx        INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        duty       INTEGER NOT NULL,
        unit       TEXT NOT NULL,
        started    TEXT NOT NULL,
        due        TEXT NOT NULL,
        stopped_on TEXT,
        met        INTEGER,
        lapsed     INTEGER NOT NULL,
        rating     TEXT,
        registered_on TEXT,
        PRIMARY KEY(case_id, idx)
    ) STRICT, WITHOUT ROWID;
    -- Statistics by unit read this covering index in group order: no join, no sort.
    CREATE INDEX clocks_stats ON clocks(unit, kind, duty, registered_on, met, stopped_on, due, lapsed, rating);
    CREATE INDEX clocks_open_due ON clocks(due, case_id) WHERE stopped_on IS NULL AND duty = 1;
    CREATE INDEX clocks_unit_open ON clocks(unit, due) WHERE stopped_on IS NULL AND duty = 1;

    CREATE TABLE supervisions(
        case_id    TEXT NOT NULL REFERENCES cases(id),
        id         INTEGER NOT NULL,
        level      TEXT NOT NULL,
        ground     TEXT NOT NULL,
        by         TEXT NOT NULL,
        unit       TEXT NOT NULL,
        respond_by TEXT NOT NULL,
        answered   INTEGER NOT NULL,
        registered_on TEXT,
        PRIMARY KEY(case_id, id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX supervisions_by ON supervisions(by, respond_by) WHERE answered = 0;

    CREATE TABLE identities(
        key     TEXT NOT NULL,
        case_id TEXT NOT NULL REFERENCES cases(id),
        PRIMARY KEY(key, case_id)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 2: statistics kept summed as cases change (`stats`, see `stats::counters`; filled from
    // the cases by `backfill_stats`) instead of two covering indexes scanned on every query;
    // repeat detection keyed by identity *and* matter, so a frequent petitioner's other matters
    // are not read.
    r#"
    CREATE TABLE stats(
        grouping INTEGER NOT NULL,
        day      TEXT NOT NULL,
        key      TEXT NOT NULL,
        item     TEXT NOT NULL,
        due      TEXT NOT NULL, -- '' except for open clocks
        n        INTEGER NOT NULL,
        PRIMARY KEY(grouping, day, key, item, due)
    ) STRICT, WITHOUT ROWID;
    DROP INDEX clocks_stats;
    DROP INDEX cases_stats;
    DROP INDEX cases_next_tick;
    CREATE INDEX cases_next_tick ON cases(next_tick, id) WHERE next_tick IS NOT NULL;
    -- `list` pages newest first by (registered_on, id): with the id in the index, no sort.
    DROP INDEX cases_state;
    CREATE INDEX cases_state ON cases(state, registered_on, id);
    DROP INDEX cases_registered;
    CREATE INDEX cases_registered ON cases(registered_on, id);
    CREATE TABLE identities_by_matter(
        key      TEXT NOT NULL,
        category TEXT NOT NULL,
        locality TEXT NOT NULL,
        case_id  TEXT NOT NULL REFERENCES cases(id),
        PRIMARY KEY(key, category, locality, case_id)
    ) STRICT, WITHOUT ROWID;
    INSERT INTO identities_by_matter
        SELECT i.key, c.category, c.locality, i.case_id FROM identities i JOIN cases c ON c.id = i.case_id
        WHERE c.category IS NOT NULL AND c.locality IS NOT NULL;
    DROP TABLE identities;
    ALTER TABLE identities_by_matter RENAME TO identities;
    "#,
];

/// Work a migration step does in Rust after its SQL, in the same transaction.
fn after_migration(step: usize, tx: &rusqlite::Transaction<'_>) -> Result<()> {
    if step == 2 {
        backfill_stats(tx)?;
    }
    Ok(())
}

/// A case's events in order, from the chain (empty when unknown).
fn read_events(conn: &rusqlite::Connection, id: &str) -> Result<Vec<Event>> {
    let mut st = conn
        .prepare_cached("SELECT body FROM chain WHERE case_id = ?1 ORDER BY seq")
        .map_err(db_err)?;
    let mut rows = st.query([id]).map_err(db_err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db_err)? {
        let body = r
            .get_ref(0)
            .map_err(db_err)?
            .as_str()
            .map_err(|e| db_err(e.into()))?;
        // The stored body is the event plus its `gseq`, which `Event` ignores.
        out.push(serde_json::from_str(body).map_err(json_err)?);
    }
    Ok(out)
}

/// Fills `stats` from every case (replayed from the chain), as `put_case` would have kept it.
/// Cases stream in id order and the sums go to the table every few thousand cases, so memory
/// stays flat whatever the size of the database.
fn backfill_stats(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let mut sums: std::collections::HashMap<CounterKey, i64> = std::collections::HashMap::new();
    let mut ids = tx
        .prepare("SELECT id FROM cases ORDER BY id")
        .map_err(db_err)?;
    let mut ids = ids.query([]).map_err(db_err)?;
    let mut done = 0u64;
    while let Some(row) = ids.next().map_err(db_err)? {
        let id: String = row.get(0).map_err(db_err)?;
        let events = read_events(tx, &id)?;
        let id = CaseId::parse(&id)
            .map_err(|_| DomainError::Integrity(msg::integrity("bad case id stored")))?;
        let case = crate::case::replay(id, &events);
        for (k, n) in crate::stats::counters(&CaseRow::of(&case)) {
            *sums.entry(k).or_default() += n;
        }
        done += 1;
        if done % 5000 == 0 {
            write_stats(tx, &sums)?;
            sums.clear();
        }
    }
    write_stats(tx, &sums)
}

use crate::stats::CounterKey;

/// Adds counter deltas to `stats`.
fn write_stats(
    tx: &rusqlite::Transaction<'_>,
    deltas: &std::collections::HashMap<CounterKey, i64>,
) -> Result<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT INTO stats(grouping, day, key, item, due, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(grouping, day, key, item, due) DO UPDATE SET n = n + excluded.n",
        )
        .map_err(db_err)?;
    // A counter back at zero (an open clock that stopped, say) leaves no row behind.
    let mut gone = tx
        .prepare_cached(
            "DELETE FROM stats WHERE grouping = ?1 AND day = ?2 AND key = ?3 AND item = ?4 AND due = ?5 AND n = 0",
        )
        .map_err(db_err)?;
    for (k, n) in deltas {
        if *n != 0 {
            let due = k.due.map(|d| d.to_string()).unwrap_or_default();
            let day = k.day.to_string();
            st.execute(params![k.grouping, day, k.key, k.item, due, n])
                .map_err(db_err)?;
            if *n < 0 {
                gone.execute(params![k.grouping, day, k.key, k.item, due])
                    .map_err(db_err)?;
            }
        }
    }
    Ok(())
}

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn db_err(e: rusqlite::Error) -> DomainError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => DomainError::Conflict(msg::conflict()),
        Some(C::NotADatabase | C::DatabaseCorrupt) => DomainError::Integrity(msg::integrity(
            "the file is not a petition database or is damaged",
        )),
        Some(C::ConstraintViolation) => DomainError::Integrity(msg::integrity(&e.to_string())),
        Some(
            C::ReadOnly | C::CannotOpen | C::PermissionDenied | C::DiskFull | C::SystemIoFailure,
        ) => DomainError::Internal(msg::internal(&e.to_string())),
        _ => DomainError::Internal(msg::internal(&e.to_string())),
    }
}

fn json_err(e: serde_json::Error) -> DomainError {
    DomainError::Integrity(msg::integrity(&format!("stored data does not decode: {e}")))
}

/// A store in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Opens (or, with `create`, creates) a database and migrates it to the current schema.
    /// A missing file without `create` is `not_found`; a newer schema is `integrity`.
    pub fn open(path: &Path, create: bool) -> Result<Self> {
        if !create && !path.exists() {
            return Err(DomainError::NotFound(msg::invalid(
                &format!(
                    "no database at {}: create one with `petition init` (or give --db)",
                    path.display()
                ),
                &format!(
                    "{} 处没有数据库：请先执行 `petition init`（或用 --db 指定）",
                    path.display()
                ),
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

    /// A private in-memory SQLite database (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory().map_err(db_err)?)
    }

    fn setup(conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(10)).map_err(db_err)?;
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
        let mut s = Self { conn };
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

    /// Sets how long a writer waits for another writer's lock before `conflict` (default 10 s).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<()> {
        self.conn.busy_timeout(timeout).map_err(db_err)
    }

    /// Sets the page cache of this connection, in KiB (SQLite's default is 2,000). Bulk loads
    /// raise it so the pages they keep returning to stay in memory; it bounds memory use too.
    pub fn set_cache_kib(&self, kib: u32) -> Result<()> {
        self.conn
            .execute_batch(&format!("PRAGMA cache_size = -{kib}"))
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
            return Err(DomainError::Integrity(msg::integrity(&format!(
                "the database has schema version {v}, newer than this program's {SCHEMA_VERSION}: use a newer petition"
            ))));
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
                return Err(DomainError::Integrity(msg::integrity(
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
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
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

    /// Runs raw SQL (tests of tampering and triggers only).
    #[doc(hidden)]
    pub fn raw_execute(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(db_err)
    }
}

/// A write transaction on a [`SqliteStore`].
pub struct SqliteTxn<'a> {
    tx: rusqlite::Transaction<'a>,
    head: Option<(u64, [u8; 32])>,
    /// Statistics counter changes not yet added to `stats` (written before a statistics query
    /// and at commit: a bulk load then writes each counter once per transaction).
    deltas: std::collections::HashMap<CounterKey, i64>,
}

impl Store for SqliteStore {
    type Txn<'a> = SqliteTxn<'a>;
    fn txn(&mut self) -> Result<SqliteTxn<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        Ok(SqliteTxn {
            tx,
            head: None,
            deltas: std::collections::HashMap::new(),
        })
    }
    fn read(&mut self) -> Result<SqliteTxn<'_>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(db_err)?;
        Ok(SqliteTxn {
            tx,
            head: None,
            deltas: std::collections::HashMap::new(),
        })
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

    fn push(&mut self, entry: &Entry) -> Result<()> {
        let (last, prev) = match self.head {
            Some(h) => h,
            None => self
                .tx
                .query_row(
                    "SELECT gseq, hash FROM chain ORDER BY gseq DESC LIMIT 1",
                    [],
                    |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?)),
                )
                .optional()
                .map_err(db_err)?
                .map(|(g, h)| (g, h.as_slice().try_into().unwrap_or(GENESIS)))
                .unwrap_or((0, GENESIS)),
        };
        let gseq = last + 1;
        let sealed = seal(gseq, &prev, entry);
        let (case_id, seq, ty) = match entry {
            Entry::Case(e) => (
                Some(e.case.as_str().to_string()),
                Some(e.seq),
                e.kind.type_name(),
            ),
            Entry::Admin(a) => (None, None, admin_type(&a.kind)),
        };
        self.tx
            .prepare_cached("INSERT INTO chain(gseq, case_id, seq, type, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .and_then(|mut st| st.execute(params![gseq as i64, case_id, seq, ty, sealed.body, sealed.hash]))
            .map_err(db_err)?;
        let mut h = [0u8; 32];
        h.copy_from_slice(&sealed.hash);
        self.head = Some((gseq, h));
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

    fn put_setting<T: serde::Serialize>(&mut self, key: &str, v: &T) -> Result<()> {
        let s = serde_json::to_string(v)
            .map_err(|e| DomainError::Internal(msg::internal(&e.to_string())))?;
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
        let bad = || DomainError::Integrity(msg::integrity("bad case row stored"));
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
                    .map_err(|_| DomainError::Integrity(msg::integrity("bad case id stored")))
            })
            .collect()
    }
}

fn admin_type(k: &AdminKind) -> &'static str {
    match k {
        AdminKind::Initialized { .. } => "initialized",
        AdminKind::UnitAdded { .. } => "unit_added",
        AdminKind::StaffAdded { .. } => "staff_added",
        AdminKind::PolicySet { .. } => "policy_set",
        AdminKind::CalendarSet { .. } => "calendar_set",
    }
}

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
    fn append_admin(&mut self, ev: &AdminEvent) -> Result<()> {
        let ser = |v: &dyn erased::Ser| v.json();
        match &ev.kind {
            AdminKind::Initialized { admin: s } | AdminKind::StaffAdded { staff: s } => {
                self.tx
                    .execute(
                        "INSERT INTO staff(id, body) VALUES (?1, ?2)",
                        params![s.id.as_str(), ser(s)?],
                    )
                    .map_err(db_err)?;
            }
            AdminKind::UnitAdded { unit } => {
                self.tx
                    .execute(
                        "INSERT INTO units(code, body) VALUES (?1, ?2)",
                        params![unit.code.as_str(), ser(unit)?],
                    )
                    .map_err(db_err)?;
            }
            AdminKind::PolicySet { .. } | AdminKind::CalendarSet { .. } => {
                let mut org = Org::new();
                let mut policy = self.policy()?;
                let mut cal = self.calendar()?;
                apply_admin(&mut org, &mut policy, &mut cal, &ev.kind)?;
                self.put_setting("policy", &policy)?;
                self.put_setting("calendar", &cal)?;
            }
        }
        self.push(&Entry::Admin(ev.clone()))
    }
    fn next_case_id(&mut self, year: i32) -> Result<CaseId> {
        let n: i64 = self
            .tx
            .prepare_cached(
                "INSERT INTO counters(year, next) VALUES (?1, 1) ON CONFLICT(year) DO UPDATE SET next = next + 1 RETURNING next",
            )
            .and_then(|mut st| st.query_row([year], |r| r.get(0)))
            .map_err(db_err)?;
        Ok(CaseId::new(year, n as u32))
    }
    fn bump_case_counter(&mut self, id: &CaseId) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO counters(year, next) VALUES (?1, ?2) ON CONFLICT(year) DO UPDATE SET next = max(next, excluded.next)")
            .and_then(|mut st| st.execute(params![id.year(), id.sequence()]))
            .map_err(db_err)?;
        Ok(())
    }
    fn load_events(&mut self, id: &CaseId) -> Result<Vec<Event>> {
        read_events(&self.tx, id.as_str())
    }
    fn load_snapshot(&mut self, id: &CaseId) -> Result<Option<Case>> {
        // The case is the fold of its events: no second copy is stored (it would double the
        // bytes written by every command).
        let events = self.load_events(id)?;
        Ok((!events.is_empty()).then(|| crate::case::replay(id.clone(), &events)))
    }
    fn append(&mut self, expected_seq: u32, events: &[Event]) -> Result<()> {
        let Some(first) = events.first() else {
            return Ok(());
        };
        let last: u32 = self
            .tx
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM chain WHERE case_id = ?1")
            .and_then(|mut st| st.query_row([first.case.as_str()], |r| r.get(0)))
            .map_err(db_err)?;
        if last != expected_seq {
            return Err(DomainError::Conflict(msg::conflict()));
        }
        for (i, e) in events.iter().enumerate() {
            if e.case != first.case || e.seq != expected_seq + 1 + i as u32 {
                return Err(DomainError::Internal(msg::internal(
                    "events out of sequence",
                )));
            }
            self.push(&Entry::Case(e.clone()))?;
        }
        Ok(())
    }
    fn put_case(&mut self, before: &Case, case: &Case) -> Result<()> {
        let r = CaseRow::of(case);
        let old = CaseRow::of(before);
        let opt = |u: &Option<UnitCode>| u.as_ref().map(|u| u.as_str().to_string());
        if before.seq == 0 {
            self.tx
                .prepare_cached(
                    "INSERT INTO cases(id, state, holder, lead, first_contact, objection_router, locality, category, channel,
                        registered_on, names, skip_level, collective, repeat, next_tick, last_seq, registered_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
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
                        case.registered_at.map(|t| t.to_rfc3339())
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
            if r.next_tick != old.next_tick {
                col("next_tick", Box::new(r.next_tick.map(|d| d.to_string())));
            }
            col("last_seq", Box::new(r.last_seq));
            let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
            let n = self
                .tx
                .prepare_cached(&format!("UPDATE cases SET {set} WHERE id = ?1"))
                .and_then(|mut st| st.execute(refs.as_slice()))
                .map_err(db_err)?;
            if n != 1 {
                return Err(DomainError::Integrity(msg::integrity(&format!(
                    "case {} has events but no query row: run `petition verify`",
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
                        rating = excluded.rating
                     WHERE clocks.unit IS NOT excluded.unit OR clocks.due IS NOT excluded.due
                        OR clocks.stopped_on IS NOT excluded.stopped_on OR clocks.lapsed IS NOT excluded.lapsed
                        OR clocks.rating IS NOT excluded.rating",
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
        if before.seq == 0 {
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
        for (k, n) in crate::stats::counters(&old) {
            *self.deltas.entry(k).or_default() -= n;
        }
        for (k, n) in crate::stats::counters(&r) {
            *self.deltas.entry(k).or_default() += n;
        }
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
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        // Filters on the case row, shared by both orders.
        let mut cond = String::new();
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        let arg = |args: &mut Vec<Box<dyn rusqlite::ToSql>>, v: Box<dyn rusqlite::ToSql>| {
            args.push(v);
            format!("?{}", args.len())
        };
        if !q.states.is_empty() {
            let marks: Vec<String> = q
                .states
                .iter()
                .map(|s| arg(&mut args, Box::new(s.as_str())))
                .collect();
            cond.push_str(&format!(" AND c.state IN ({})", marks.join(",")));
        }
        if let Some(u) = &q.unit {
            let m = arg(&mut args, Box::new(u.as_str().to_string()));
            cond.push_str(&format!(" AND (c.holder = {m} OR c.lead = {m})"));
        }
        if let Some(p) = &q.petitioner {
            let m = arg(&mut args, Box::new(p.clone()));
            cond.push_str(&format!(" AND instr(c.names, {m}) > 0"));
        }
        if let Some(f) = q.from {
            let m = arg(&mut args, Box::new(f.to_string()));
            cond.push_str(&format!(" AND c.registered_on >= {m}"));
        }
        if let Some(t) = q.to {
            let m = arg(&mut args, Box::new(t.to_string()));
            cond.push_str(&format!(" AND c.registered_on <= {m}"));
        }
        // A due-date bound: before `overdue_on`, or on/before `due_by` (the tighter one).
        let bound = match (q.overdue_on, q.due_by) {
            (Some(o), Some(d)) => Some((o.pred_opt().unwrap_or(o)).min(d)),
            (Some(o), None) => Some(o.pred_opt().unwrap_or(o)),
            (None, Some(d)) => Some(d),
            (None, None) => None,
        };
        if q.order == Order::Urgent || bound.is_some() {
            // Walk open duty clocks in due order through the partial index and keep the first
            // `limit` distinct cases that pass the filters: the cost follows the page, not the table.
            let m = arg(
                &mut args,
                Box::new(bound.unwrap_or(NaiveDate::MAX).to_string()),
            );
            let sql = format!(
                "SELECT k.case_id FROM clocks k JOIN cases c ON c.id = k.case_id
                 WHERE k.stopped_on IS NULL AND k.duty = 1 AND k.due <= {m}{cond}
                 ORDER BY k.due, k.case_id"
            );
            let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
            let mut st = self.tx.prepare_cached(&sql).map_err(db_err)?;
            let mut rows = st.query(refs.as_slice()).map_err(db_err)?;
            let mut out: Vec<CaseId> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            while out.len() < q.limit {
                let Some(r) = rows.next().map_err(db_err)? else {
                    break;
                };
                let id: String = r.get(0).map_err(db_err)?;
                if seen.insert(id.clone()) {
                    out.push(CaseId::parse(&id).map_err(|_| {
                        DomainError::Integrity(msg::integrity("bad case id stored"))
                    })?);
                }
            }
            if q.order == Order::Newest {
                // The same set, newest first (within the page).
                drop(rows);
                drop(st);
                let mut dated = Vec::new();
                for id in out {
                    let on: Option<String> = self
                        .tx
                        .prepare_cached("SELECT registered_on FROM cases WHERE id = ?1")
                        .and_then(|mut st| st.query_row([id.as_str()], |r| r.get(0)))
                        .map_err(db_err)?;
                    dated.push((on, id));
                }
                dated.sort_by(|a, b| b.cmp(a));
                return Ok(dated.into_iter().map(|(_, id)| id).collect());
            }
            return Ok(out);
        }
        let m = arg(&mut args, Box::new(q.limit as i64));
        let sql = format!("SELECT c.id FROM cases c WHERE 1=1{cond} ORDER BY c.registered_on DESC, c.id DESC LIMIT {m}");
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
        self.ids(&sql, &refs)
    }
    fn queue(&mut self, unit: &UnitCode, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        // Four sources, each read in date order and cut at `limit` distinct cases: a case in the
        // overall first `limit` has its earliest date in some source, where fewer than `limit`
        // other cases come before it, so the merge is exact.
        let sources = [
            "SELECT case_id, due FROM clocks WHERE unit = ?1 AND stopped_on IS NULL AND duty = 1 ORDER BY due, case_id",
            "SELECT c.id, (SELECT min(due) FROM clocks k WHERE k.case_id = c.id AND k.stopped_on IS NULL AND k.duty = 1) AS d
               FROM cases c WHERE c.first_contact = ?1 AND c.state IN ('registered', 'routed') AND c.holder IS NOT ?1
               ORDER BY d, c.id",
            "SELECT id, NULL FROM cases WHERE objection_router = ?1 ORDER BY id",
            "SELECT case_id, respond_by FROM supervisions WHERE by = ?1 AND answered = 0 ORDER BY respond_by, case_id",
        ];
        let mut best: std::collections::HashMap<String, Option<String>> =
            std::collections::HashMap::new();
        for sql in sources {
            let mut st = self.tx.prepare_cached(sql).map_err(db_err)?;
            let mut rows = st.query([unit.as_str()]).map_err(db_err)?;
            let mut taken = std::collections::HashSet::new();
            while taken.len() < limit {
                let Some(r) = rows.next().map_err(db_err)? else {
                    break;
                };
                let id: String = r.get(0).map_err(db_err)?;
                let d: Option<String> = r.get(1).map_err(db_err)?;
                taken.insert(id.clone());
                let e = best.entry(id).or_insert(None);
                *e = match (e.take(), d) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        let mut out: Vec<(String, Option<String>)> = best.into_iter().collect();
        out.sort_by(|a, b| {
            let k = |x: &(String, Option<String>)| {
                (
                    x.1.clone().unwrap_or_else(|| "9999-12-31".into()),
                    x.0.clone(),
                )
            };
            k(a).cmp(&k(b))
        });
        out.truncate(limit);
        out.into_iter()
            .map(|(id, d)| {
                Ok((
                    CaseId::parse(&id).map_err(|_| {
                        DomainError::Integrity(msg::integrity("bad case id stored"))
                    })?,
                    date(d),
                ))
            })
            .collect()
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
        let bad = || DomainError::Integrity(msg::integrity("bad case row stored"));
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
            .prepare_cached("SELECT gseq, body, hash FROM chain WHERE gseq >= ?1 ORDER BY gseq")
            .map_err(db_err)?;
        let mut rows = st.query([from as i64]).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let e = StoredEntry {
                gseq: r.get::<_, i64>(0).map_err(db_err)? as u64,
                body: r.get(1).map_err(db_err)?,
                hash: r.get(2).map_err(db_err)?,
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
    fn commit(mut self) -> Result<()> {
        self.flush_stats()?;
        self.tx.commit().map_err(db_err)
    }
}

mod erased {
    use crate::error::{msg, DomainError, Result};
    pub trait Ser {
        fn json(&self) -> Result<String>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> Result<String> {
            serde_json::to_string(self)
                .map_err(|e| DomainError::Internal(msg::internal(&e.to_string())))
        }
    }
}
