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

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Row, Statement, Transaction};

use super::raw::{decode, RawCase, RawClock, RawSupervision, FOLLOW_UPS_WALKED};
use super::{CaseQuery, CaseRow, ChainTail, Finished, Order, StatsRow, Store, StoredEntry, Txn};
use crate::access::{Disclosure, LoggedDisclosure};
use crate::audit::{AdminEvent, GENESIS};
use crate::case::{Case, CaseState, Event, RelatedCase};
use crate::clock::Calendar;
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, UnitCode};
use crate::org::{Org, Staff, Unit};
use crate::policy::Policy;
use crate::stats::CounterKey;

mod schema;
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

/// Reads the password the way `psql` does when the connection string has none: `PGPASSWORD`,
/// then `~/.pgpass` (`host:port:database:user:password`, `*` matching anything).
fn fill_password(config: &mut postgres::Config) {
    if config.get_password().is_some() {
        return;
    }
    if let Ok(p) = std::env::var("PGPASSWORD") {
        config.password(p);
        return;
    }
    let Some(home) = std::env::var_os("HOME") else {
        return;
    };
    let path = std::env::var_os("PGPASSFILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(&home).join(".pgpass"));
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or("").to_string();
    let user = config.get_user().unwrap_or("").to_string();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.splitn(5, ':').collect();
        if f.len() == 5
            && [&host, &port, &db, &user]
                .iter()
                .zip(&f)
                .all(|(want, got)| *got == "*" || got == want)
        {
            config.password(f[4]);
            return;
        }
    }
}

/// A store in a PostgreSQL database.
pub struct PgStore {
    client: Client,
    stmts: HashMap<String, Statement>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://USER@HOST:PORT/DB`; the password from the URL,
    /// `PGPASSWORD` or `~/.pgpass`) and migrates the database to the current schema. A database
    /// of a newer schema, or one with tables of another program, is `integrity`; a server that
    /// cannot be reached is `io`.
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_in(url, None)
    }

    /// Like [`connect`](Self::connect), keeping every table in the PostgreSQL schema `schema`
    /// (created when missing): several databases of petition on one PostgreSQL database, e.g.
    /// one per test.
    pub fn connect_in(url: &str, schema: Option<&str>) -> Result<Self> {
        let mut config = postgres::Config::from_str(url).map_err(|e| {
            DomainError::from(Refusal::usage_of(
                "--db",
                &format!("not a PostgreSQL connection string: {e}"),
                &format!("不是有效的 PostgreSQL 连接串：{e}"),
            ))
        })?;
        fill_password(&mut config);
        let server = match (config.get_hosts().first(), config.get_ports().first()) {
            (Some(postgres::config::Host::Tcp(h)), port) => {
                format!("PostgreSQL at {h}:{}", port.copied().unwrap_or(5432))
            }
            #[cfg(unix)]
            (Some(postgres::config::Host::Unix(p)), _) => {
                format!("PostgreSQL at {}", p.display())
            }
            _ => "the PostgreSQL server".to_string(),
        };
        let mut client = config
            .connect(NoTls)
            .map_err(|e| DomainError::from(StorageError::unreachable(server, e)))?;
        if let Some(s) = schema {
            if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || s.is_empty() {
                return Err(DomainError::from(Refusal::usage(
                    "a schema name has only letters, digits and '_'",
                    "模式名只能包含字母、数字和“_”",
                )));
            }
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"
                ))
                .map_err(pg_err)?;
        }
        let mut store = Self {
            client,
            stmts: HashMap::new(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Removes every table petition made in this database (or schema), and their data with them.
    /// For undoing an `import` or `copy` into a new, empty database that failed half-way: the
    /// database is left as it was before. Irreversible: only the import calls it
    /// ([`Store::discard`]), on the database it began on empty.
    pub(crate) fn remove_tables(&mut self) -> Result<()> {
        self.client
            .batch_execute(
                "DROP TABLE IF EXISTS chain, heads, units, staff, settings, counters, cases, clocks,
                    supervisions, identities, stats, access_log, case_units, case_text, schema_version CASCADE;
                 DROP FUNCTION IF EXISTS petition_append_only() CASCADE;",
            )
            .map_err(pg_err)?;
        self.stmts.clear();
        Ok(())
    }

    /// Runs raw SQL (tests that tamper with a database behind petition's back).
    #[cfg(test)]
    pub(crate) fn raw_execute(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).map_err(pg_err)
    }

    /// The schema version of the database.
    pub fn schema_version(&mut self) -> Result<i64> {
        let row = self
            .client
            .query_opt("SELECT version FROM schema_version", &[])
            .map_err(pg_err)?;
        Ok(match row {
            Some(r) => get(&r, 0)?,
            None => 0,
        })
    }

    fn migrate(&mut self) -> Result<()> {
        // The common case, one round trip: the database is already at this program's version.
        let current = self
            .client
            .query_opt("SELECT version FROM schema_version", &[])
            .ok()
            .flatten()
            .and_then(|r| r.try_get::<_, i64>(0).ok());
        if current == Some(PG_SCHEMA_VERSION) {
            return Ok(());
        }
        let mut tx = self.client.transaction().map_err(pg_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(pg_err)?;
        let has_version: bool = tx
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = 'schema_version')",
                &[],
            )
            .map_err(pg_err)
            .and_then(|r| get(&r, 0))?;
        if !has_version {
            let tables: i64 = tx
                .query_one(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
                    &[],
                )
                .map_err(pg_err)
                .and_then(|r| get(&r, 0))?;
            if tables > 0 {
                return Err(DomainError::from(StorageError::integrity(
                    "the database has tables of another program: give petition a database (or schema) of its own",
                )));
            }
            tx.batch_execute(
                "CREATE TABLE schema_version(version BIGINT NOT NULL);
                 INSERT INTO schema_version VALUES (0);",
            )
            .map_err(pg_err)?;
        }
        let v: i64 = tx
            .query_one("SELECT version FROM schema_version", &[])
            .map_err(pg_err)
            .and_then(|r| get(&r, 0))?;
        if v > PG_SCHEMA_VERSION {
            return Err(DomainError::from(StorageError::integrity(&format!(
                "the database has schema version {v}, newer than this program's {PG_SCHEMA_VERSION}: use a newer petition"
            ))));
        }
        for (i, step) in MIGRATIONS.iter().enumerate().skip(v as usize) {
            tx.batch_execute(step).map_err(pg_err)?;
            if i + 1 == schema::SEARCH_STEP {
                backfill_search(&mut tx)?;
            }
            tx.execute("UPDATE schema_version SET version = $1", &[&(i as i64 + 1)])
                .map_err(pg_err)?;
        }
        tx.commit().map_err(pg_err)
    }

    fn begin(&mut self, write: bool) -> Result<PgTxn<'_>> {
        let builder = self.client.build_transaction();
        let tx = if write {
            builder.isolation_level(IsolationLevel::ReadCommitted)
        } else {
            builder
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
        }
        .start()
        .map_err(pg_err)?;
        Ok(PgTxn {
            tx,
            stmts: &mut self.stmts,
            write,
            head: None,
            moved: None,
            access_moved: None,
            deltas: HashMap::new(),
            pending: Pending::default(),
            seqs: HashMap::new(),
            counters: HashMap::new(),
            prefetched: HashMap::new(),
        })
    }
}

/// Fills `case_text` from every case (replayed from the chain), in id order.
fn backfill_search(tx: &mut Transaction<'_>) -> Result<()> {
    let ids: Vec<String> = tx
        .query("SELECT id FROM cases ORDER BY id", &[])
        .map_err(pg_err)?
        .iter()
        .map(|r| get(r, 0))
        .collect::<Result<_>>()?;
    for id in ids {
        let events = tx
            .query(
                "SELECT body FROM chain WHERE case_id = $1 ORDER BY seq",
                &[&id],
            )
            .map_err(pg_err)?
            .iter()
            .map(|r| Event::from_json(&get::<String>(r, 0)?).map_err(json_err))
            .collect::<Result<Vec<_>>>()?;
        let cid = case_id(&id)?;
        let case = crate::case::replay(cid.clone(), &events);
        if let Some(row) = CaseRow::of(&case).search {
            let doc = schema::search_doc(&row);
            tx.execute(
                "INSERT INTO case_text(case_id, num, text, names, numbers, doc)
                 VALUES ($1, $2, $3, $4, $5, ($6::text)::tsvector)",
                &[
                    &id,
                    &crate::search::order_key(&cid),
                    &row.text,
                    &row.names,
                    &row.numbers,
                    &doc,
                ],
            )
            .map_err(pg_err)?;
        }
    }
    Ok(())
}

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
    cases: Vec<NewCase>,
    /// Their ids.
    case_ids: std::collections::HashSet<String>,
    /// Clock rows by (case, idx): the latest wins.
    clocks: std::collections::BTreeMap<(String, i64), ClockVals>,
    /// Supervision rows by (case, id).
    supervisions: std::collections::BTreeMap<(String, i64), SupervisionVals>,
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

struct NewCase {
    id: String,
    state: String,
    holder: Option<String>,
    lead: Option<String>,
    first_contact: Option<String>,
    objection_router: Option<String>,
    locality: Option<String>,
    category: Option<String>,
    channel: Option<String>,
    registered_on: Option<String>,
    names: String,
    skip_level: bool,
    collective: bool,
    repeat: bool,
    next_tick: Option<String>,
    last_seq: i64,
    registered_at: Option<String>,
    officer: Option<String>,
}

struct ClockVals {
    kind: String,
    duty: bool,
    unit: String,
    started: String,
    due: String,
    stopped_on: Option<String>,
    met: Option<bool>,
    lapsed: bool,
    rating: Option<String>,
    registered_on: Option<String>,
}

struct SupervisionVals {
    level: String,
    ground: String,
    by: String,
    unit: String,
    respond_by: String,
    answered: bool,
    registered_on: Option<String>,
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

    /// Sends the statistics deltas: one multi-row upsert, then the counters back at zero go.
    // Columns are gathered as tuples of arrays, one array per `unnest` parameter.
    #[allow(clippy::type_complexity)]
    fn flush_stats(&mut self) -> Result<()> {
        self.flush()?;
        if self.deltas.is_empty() {
            return Ok(());
        }
        // In key order, so two writers never wait on each other's counters in opposite orders.
        let mut deltas: Vec<(CounterKey, i64)> = std::mem::take(&mut self.deltas)
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect();
        if deltas.is_empty() {
            return Ok(());
        }
        deltas.sort_by(|a, b| {
            (a.0.grouping, a.0.day, &a.0.key, &a.0.item, a.0.due).cmp(&(
                b.0.grouping,
                b.0.day,
                &b.0.key,
                &b.0.item,
                b.0.due,
            ))
        });
        let mut cols: (
            Vec<i64>,
            Vec<String>,
            Vec<String>,
            Vec<String>,
            Vec<String>,
            Vec<i64>,
        ) = Default::default();
        for (k, n) in deltas {
            cols.0.push(i64::from(k.grouping));
            cols.1.push(k.day.to_string());
            cols.2.push(k.key);
            cols.3.push(k.item);
            cols.4
                .push(k.due.map(|d| d.to_string()).unwrap_or_default());
            cols.5.push(n);
        }
        self.exec(
            "INSERT INTO stats(grouping, day, key, item, due, n)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
             ON CONFLICT(grouping, day, key, item, due) DO UPDATE SET n = stats.n + excluded.n",
            &[&cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5],
        )?;
        // A counter back at zero leaves no row behind.
        self.exec(
            "DELETE FROM stats s USING unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
                AS d(grouping, day, key, item, due, n)
             WHERE d.n < 0 AND s.grouping = d.grouping AND s.day = d.day AND s.key = d.key
               AND s.item = d.item AND s.due = d.due AND s.n = 0",
            &[&cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5],
        )?;
        Ok(())
    }

    /// The stored query rows of these cases (identities aside), in four statements.
    fn raw_rows(&mut self, ids: &[String]) -> Result<HashMap<String, StoredRows>> {
        let mut out: HashMap<String, StoredRows> = HashMap::new();
        let ids = ids.to_vec();
        for r in self.rows(
            "SELECT id, state, holder, lead, first_contact, objection_router, locality, category, channel,
                    registered_on, names, skip_level, collective, repeat, next_tick, last_seq, officer
             FROM cases WHERE id = ANY($1)",
            &[&ids],
        )? {
            let raw = RawCase {
                state: get(&r, 1)?,
                holder: get(&r, 2)?,
                lead: get(&r, 3)?,
                first_contact: get(&r, 4)?,
                objection_router: get(&r, 5)?,
                locality: get(&r, 6)?,
                category: get(&r, 7)?,
                channel: get(&r, 8)?,
                registered_on: get(&r, 9)?,
                names: get(&r, 10)?,
                skip_level: get(&r, 11)?,
                collective: get(&r, 12)?,
                repeat: get(&r, 13)?,
                next_tick: get(&r, 14)?,
                last_seq: get(&r, 15)?,
                officer: get(&r, 16)?,
                search: None,
            };
            out.insert(get(&r, 0)?, (raw, Vec::new(), Vec::new(), Vec::new()));
        }
        for r in self.rows(
            "SELECT case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on
             FROM clocks WHERE case_id = ANY($1) ORDER BY case_id, idx",
            &[&ids],
        )? {
            let case: String = get(&r, 0)?;
            let clock = RawClock {
                idx: get(&r, 1)?,
                kind: get(&r, 2)?,
                duty: get(&r, 3)?,
                unit: get(&r, 4)?,
                started: get(&r, 5)?,
                due: get(&r, 6)?,
                stopped_on: get(&r, 7)?,
                met: get(&r, 8)?,
                lapsed: get(&r, 9)?,
                rating: get(&r, 10)?,
                registered_on: get(&r, 11)?,
            };
            // A row of a case without a `cases` row is left to `verify`'s row counts.
            if let Some(e) = out.get_mut(&case) {
                e.1.push(clock);
            }
        }
        for r in self.rows(
            "SELECT case_id, id, level, ground, by, unit, respond_by, answered, registered_on
             FROM supervisions WHERE case_id = ANY($1) ORDER BY case_id, id",
            &[&ids],
        )? {
            let case: String = get(&r, 0)?;
            let sup = RawSupervision {
                id: get(&r, 1)?,
                level: get(&r, 2)?,
                ground: get(&r, 3)?,
                by: get(&r, 4)?,
                unit: get(&r, 5)?,
                respond_by: get(&r, 6)?,
                answered: get(&r, 7)?,
                registered_on: get(&r, 8)?,
            };
            // A row of a case without a `cases` row is left to `verify`'s row counts.
            if let Some(e) = out.get_mut(&case) {
                e.2.push(sup);
            }
        }
        for r in self.rows(
            "SELECT case_id, unit FROM case_units WHERE case_id = ANY($1) ORDER BY case_id, unit",
            &[&ids],
        )? {
            let case: String = get(&r, 0)?;
            // A row of a case without a `cases` row is left to `verify`'s row counts.
            if let Some(e) = out.get_mut(&case) {
                e.3.push(get(&r, 1)?);
            }
        }
        // The search rows, and whether each stored `doc` is the one its stored text gives: the
        // documents are built here and normalised by PostgreSQL as the stored ones were, all of
        // this page's in one statement.
        let mut texts = Vec::new();
        for r in self.rows(
            "SELECT case_id, text, names, numbers, doc::text, num FROM case_text WHERE case_id = ANY($1)",
            &[&ids],
        )? {
            let found = crate::search::SearchRow {
                text: get(&r, 1)?,
                names: get(&r, 2)?,
                numbers: get(&r, 3)?,
            };
            texts.push((
                get::<String>(&r, 0)?,
                found,
                get::<String>(&r, 4)?,
                get::<i64>(&r, 5)?,
            ));
        }
        if !texts.is_empty() {
            let docs: Vec<String> = texts.iter().map(|t| schema::search_doc(&t.1)).collect();
            let wants = self.rows(
                "SELECT (d::tsvector)::text FROM unnest($1::text[]) WITH ORDINALITY AS w(d, i) ORDER BY i",
                &[&docs],
            )?;
            if wants.len() != texts.len() {
                return Err(DomainError::from(StorageError::internal(
                    "a search document was not normalised",
                )));
            }
            for ((case, found, doc, num), want) in texts.into_iter().zip(wants) {
                let want: String = get(&want, 0)?;
                let key = CaseId::parse(&case).map(|id| crate::search::order_key(&id));
                let row = if doc == want && key.is_ok_and(|k| k == num) {
                    found
                } else {
                    crate::search::SearchRow {
                        text: "(a search document that does not match its text)".into(),
                        ..found
                    }
                };
                if let Some(e) = out.get_mut(&case) {
                    e.0.search = Some(row);
                }
            }
        }
        Ok(out)
    }

    /// Writes back the case-number counters counted here.
    fn write_counters(&mut self) -> Result<()> {
        let dirty: Vec<(i64, i64)> = self
            .counters
            .iter_mut()
            .filter(|(_, (_, d))| *d)
            .map(|(y, (n, d))| {
                *d = false;
                (i64::from(*y), *n)
            })
            .collect();
        for (y, n) in dirty {
            self.exec("UPDATE counters SET next = $2 WHERE year = $1", &[&y, &n])?;
        }
        Ok(())
    }

    /// Sends the rows not yet sent, one statement per table, parents before children.
    // Columns are gathered as tuples of arrays, one array per `unnest` parameter.
    #[allow(clippy::type_complexity)]
    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let p = std::mem::take(&mut self.pending);
        if !p.cases.is_empty() {
            let mut c: (
                Vec<String>,
                Vec<String>,
                Vec<Option<String>>,
                Vec<Option<String>>,
                Vec<Option<String>>,
                Vec<Option<String>>,
                Vec<Option<String>>,
                Vec<Option<String>>,
                Vec<Option<String>>,
            ) = Default::default();
            let mut d: (
                Vec<Option<String>>,
                Vec<String>,
                Vec<bool>,
                Vec<bool>,
                Vec<bool>,
                Vec<Option<String>>,
                Vec<i64>,
                Vec<Option<String>>,
            ) = Default::default();
            let mut officers: Vec<Option<String>> = Vec::new();
            for r in p.cases {
                officers.push(r.officer);
                c.0.push(r.id);
                c.1.push(r.state);
                c.2.push(r.holder);
                c.3.push(r.lead);
                c.4.push(r.first_contact);
                c.5.push(r.objection_router);
                c.6.push(r.locality);
                c.7.push(r.category);
                c.8.push(r.channel);
                d.0.push(r.registered_on);
                d.1.push(r.names);
                d.2.push(r.skip_level);
                d.3.push(r.collective);
                d.4.push(r.repeat);
                d.5.push(r.next_tick);
                d.6.push(r.last_seq);
                d.7.push(r.registered_at);
            }
            self.exec(
                "INSERT INTO cases(id, state, holder, lead, first_contact, objection_router, locality, category, channel,
                    registered_on, names, skip_level, collective, repeat, next_tick, last_seq, registered_at, officer)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                    $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[], $13::boolean[], $14::boolean[],
                    $15::text[], $16::bigint[], $17::text[], $18::text[])",
                &[
                    &c.0, &c.1, &c.2, &c.3, &c.4, &c.5, &c.6, &c.7, &c.8, &d.0, &d.1, &d.2, &d.3,
                    &d.4, &d.5, &d.6, &d.7, &officers,
                ],
            )?;
        }
        if !p.chain.is_empty() {
            let mut c: (
                Vec<i64>,
                Vec<Option<String>>,
                Vec<Option<i64>>,
                Vec<String>,
                Vec<String>,
                Vec<Vec<u8>>,
            ) = Default::default();
            for (g, case, seq, ty, body, hash) in p.chain {
                c.0.push(g);
                c.1.push(case);
                c.2.push(seq);
                c.3.push(ty);
                c.4.push(body);
                c.5.push(hash);
            }
            self.exec(
                "INSERT INTO chain(gseq, case_id, seq, type, body, hash)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bytea[])",
                &[&c.0, &c.1, &c.2, &c.3, &c.4, &c.5],
            )?;
        }
        if !p.clocks.is_empty() {
            let mut a: (
                Vec<String>,
                Vec<i64>,
                Vec<String>,
                Vec<bool>,
                Vec<String>,
                Vec<String>,
            ) = Default::default();
            let mut b: (
                Vec<String>,
                Vec<Option<String>>,
                Vec<Option<bool>>,
                Vec<bool>,
                Vec<Option<String>>,
                Vec<Option<String>>,
            ) = Default::default();
            for ((case, idx), v) in p.clocks {
                a.0.push(case);
                a.1.push(idx);
                a.2.push(v.kind);
                a.3.push(v.duty);
                a.4.push(v.unit);
                a.5.push(v.started);
                b.0.push(v.due);
                b.1.push(v.stopped_on);
                b.2.push(v.met);
                b.3.push(v.lapsed);
                b.4.push(v.rating);
                b.5.push(v.registered_on);
            }
            self.exec(
                "INSERT INTO clocks(case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on)
                 SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::boolean[], $5::text[], $6::text[],
                    $7::text[], $8::text[], $9::boolean[], $10::boolean[], $11::text[], $12::text[])
                 ON CONFLICT(case_id, idx) DO UPDATE SET unit = excluded.unit, due = excluded.due,
                    stopped_on = excluded.stopped_on, met = excluded.met, lapsed = excluded.lapsed,
                    rating = excluded.rating, started = excluded.started",
                &[&a.0, &a.1, &a.2, &a.3, &a.4, &a.5, &b.0, &b.1, &b.2, &b.3, &b.4, &b.5],
            )?;
        }
        if !p.supervisions.is_empty() {
            let mut a: (
                Vec<String>,
                Vec<i64>,
                Vec<String>,
                Vec<String>,
                Vec<String>,
                Vec<String>,
                Vec<String>,
                Vec<bool>,
                Vec<Option<String>>,
            ) = Default::default();
            for ((case, id), v) in p.supervisions {
                a.0.push(case);
                a.1.push(id);
                a.2.push(v.level);
                a.3.push(v.ground);
                a.4.push(v.by);
                a.5.push(v.unit);
                a.6.push(v.respond_by);
                a.7.push(v.answered);
                a.8.push(v.registered_on);
            }
            self.exec(
                "INSERT INTO supervisions(case_id, id, level, ground, by, unit, respond_by, answered, registered_on)
                 SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                    $7::text[], $8::boolean[], $9::text[])
                 ON CONFLICT(case_id, id) DO UPDATE SET level = excluded.level, by = excluded.by,
                    respond_by = excluded.respond_by, answered = excluded.answered",
                &[&a.0, &a.1, &a.2, &a.3, &a.4, &a.5, &a.6, &a.7, &a.8],
            )?;
        }
        if !p.units.is_empty() {
            let (mut add, mut gone): ((Vec<String>, Vec<String>), (Vec<String>, Vec<String>)) =
                Default::default();
            for ((case, unit), present) in p.units {
                let side = if present { &mut add } else { &mut gone };
                side.0.push(case);
                side.1.push(unit);
            }
            if !add.0.is_empty() {
                self.exec(
                    "INSERT INTO case_units(case_id, unit) SELECT * FROM unnest($1::text[], $2::text[])
                     ON CONFLICT DO NOTHING",
                    &[&add.0, &add.1],
                )?;
            }
            if !gone.0.is_empty() {
                self.exec(
                    "DELETE FROM case_units c USING unnest($1::text[], $2::text[]) AS g(case_id, unit)
                     WHERE c.case_id = g.case_id AND c.unit = g.unit",
                    &[&gone.0, &gone.1],
                )?;
            }
        }
        if !p.texts.is_empty() {
            let mut a: (Vec<String>, Vec<i64>, Vec<String>, Vec<String>) = Default::default();
            let mut b: (Vec<String>, Vec<String>) = Default::default();
            for (id, (num, row)) in p.texts {
                b.1.push(schema::search_doc(&row));
                a.0.push(id);
                a.1.push(num);
                a.2.push(row.text);
                a.3.push(row.names);
                b.0.push(row.numbers);
            }
            self.exec(
                "INSERT INTO case_text(case_id, num, text, names, numbers, doc)
                 SELECT i, n, t, m, s, d::tsvector
                 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
                    AS x(i, n, t, m, s, d)
                 ON CONFLICT(case_id) DO UPDATE SET num = excluded.num, text = excluded.text,
                    names = excluded.names, numbers = excluded.numbers, doc = excluded.doc",
                &[&a.0, &a.1, &a.2, &a.3, &b.0, &b.1],
            )?;
        }
        if !p.identities.is_empty() {
            let mut a: (Vec<String>, Vec<String>, Vec<String>, Vec<String>) = Default::default();
            for (k, c, l, id) in p.identities {
                a.0.push(k);
                a.1.push(c);
                a.2.push(l);
                a.3.push(id);
            }
            self.exec(
                "INSERT INTO identities(key, category, locality, case_id)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING",
                &[&a.0, &a.1, &a.2, &a.3],
            )?;
        }
        Ok(())
    }

    /// The chain's head position: locked in a write transaction (so appends are totally ordered),
    /// read in a read transaction.
    fn head_pos(&mut self) -> Result<u64> {
        if let Some(h) = self.head {
            return Ok(h);
        }
        let sql = if self.write {
            "SELECT pos FROM heads WHERE name = 'chain' FOR UPDATE"
        } else {
            "SELECT pos FROM heads WHERE name = 'chain'"
        };
        let pos: i64 = match self.row(sql, &[])? {
            Some(r) => get(&r, 0)?,
            None => 0,
        };
        self.head = Some(pos as u64);
        Ok(pos as u64)
    }

    /// Stores an entry sealed by the service at the next position (`conflict` at any other).
    fn push(&mut self, sealed: &StoredEntry, case: Option<(&str, u32)>, ty: &str) -> Result<()> {
        let last = self.head_pos()?;
        if sealed.gseq != last + 1 {
            return Err(DomainError::from(StorageError::Conflict));
        }
        let (case_id, seq) = case.unzip();
        if let Some(c) = case_id {
            self.pending.chain_cases.insert(c.to_string());
        }
        self.pending.chain.push((
            sealed.gseq as i64,
            case_id.map(str::to_string),
            seq.map(i64::from),
            ty.to_string(),
            sealed.body.clone(),
            sealed.hash.clone(),
        ));
        self.head = Some(sealed.gseq);
        self.moved = Some((sealed.gseq, sealed.hash.clone()));
        Ok(())
    }

    fn setting<T: serde::de::DeserializeOwned + Default>(&mut self, key: &str) -> Result<T> {
        match self.row("SELECT value FROM settings WHERE key = $1", &[&key])? {
            None => Ok(T::default()),
            Some(r) => serde_json::from_str(&get::<String>(&r, 0)?).map_err(json_err),
        }
    }

    /// Moves the settings version on (see [`Txn::settings_version`]).
    fn bump_version(&mut self) -> Result<()> {
        self.exec(
            "INSERT INTO settings(key, value) VALUES ('version', '1') ON CONFLICT(key) DO UPDATE SET value = (settings.value::bigint + 1)::text",
            &[],
        )?;
        Ok(())
    }

    fn put_setting<T: serde::Serialize>(&mut self, key: &str, v: &T) -> Result<()> {
        let s = json(v)?;
        self.exec(
            "INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            &[&key, &s],
        )?;
        Ok(())
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

fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| DomainError::from(StorageError::internal_from(e)))
}

fn opt(u: &Option<UnitCode>) -> Option<String> {
    u.as_ref().map(|u| u.as_str().to_string())
}

impl Txn for PgTxn<'_> {
    fn initialized(&mut self) -> Result<bool> {
        self.flush()?;
        let r = self.row(
            "SELECT EXISTS(SELECT 1 FROM chain WHERE type = 'initialized')",
            &[],
        )?;
        r.map_or(Ok(false), |r| get(&r, 0))
    }
    fn org(&mut self) -> Result<Org> {
        let mut org = Org::new();
        for r in self.rows("SELECT body FROM units", &[])? {
            let u: Unit = serde_json::from_str(&get::<String>(&r, 0)?).map_err(json_err)?;
            org.insert_unit_unchecked(u);
        }
        for r in self.rows("SELECT body FROM staff", &[])? {
            let s: Staff = serde_json::from_str(&get::<String>(&r, 0)?).map_err(json_err)?;
            org.insert_staff_unchecked(s);
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
        self.flush()?;
        Ok(Some(
            self.row("SELECT value FROM settings WHERE key = 'version'", &[])?
                .map(|r| get::<String>(&r, 0))
                .transpose()?
                .unwrap_or_else(|| "0".into()),
        ))
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
    fn append_admin(
        &mut self,
        ev: Finished<'_, AdminEvent>,
        sealed: Finished<'_, StoredEntry>,
    ) -> Result<()> {
        let ev: &AdminEvent = &ev;
        let sealed: &StoredEntry = &sealed;

        self.push(sealed, None, ev.kind.type_name())
    }
    fn put_unit(&mut self, unit: Finished<'_, Unit>) -> Result<()> {
        let unit: &Unit = &unit;

        let body = json(unit)?;
        self.exec(
            "INSERT INTO units(code, body) VALUES ($1, $2) ON CONFLICT(code) DO UPDATE SET body = excluded.body",
            &[&unit.code.as_str(), &body],
        )?;
        self.bump_version()
    }
    fn put_staff(&mut self, staff: Finished<'_, Staff>) -> Result<()> {
        let staff: &Staff = &staff;

        let body = json(staff)?;
        self.exec(
            "INSERT INTO staff(id, body) VALUES ($1, $2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            &[&staff.id.as_str(), &body],
        )?;
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
        // The case's last sequence number: as this transaction left it, or as stored (no row of
        // this case is waiting to be sent then).
        let last: i64 = match self.seqs.get(first.case.as_str()) {
            Some(n) => i64::from(*n),
            None => match self.row(
                "SELECT coalesce(max(seq), 0) FROM chain WHERE case_id = $1",
                &[&first.case.as_str()],
            )? {
                Some(r) => get(&r, 0)?,
                None => 0,
            },
        };
        if last != i64::from(expected_seq) {
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
            self.seqs.insert(e.case.as_str().to_string(), e.seq);
        }
        Ok(())
    }
    fn put_case(&mut self, before: Finished<'_, Case>, case: Finished<'_, Case>) -> Result<()> {
        let before: &Case = &before;
        let case: &Case = &case;

        let (old, r) = CaseRow::change(before, case);
        let id = r.id.as_str().to_string();
        let last_seq = i64::from(r.last_seq);
        let registered_on = r.registered_on.map(|d| d.to_string());
        if before.seq == 0 {
            self.pending.case_ids.insert(id.clone());
            self.pending.cases.push(NewCase {
                id: id.clone(),
                state: r.state.to_string(),
                holder: opt(&r.holder),
                lead: opt(&r.lead),
                first_contact: opt(&r.first_contact),
                objection_router: opt(&r.objection_router),
                locality: opt(&r.locality),
                category: r.category.clone(),
                channel: r.channel.map(str::to_string),
                registered_on: registered_on.clone(),
                names: r.names.clone(),
                skip_level: r.skip_level,
                collective: r.collective,
                repeat: r.repeat,
                next_tick: r.next_tick.map(|d| d.to_string()),
                last_seq,
                registered_at: case.registered_at.map(|t| t.to_rfc3339()),
                officer: r.officer.as_ref().map(|o| o.as_str().to_string()),
            });
        } else {
            if self.pending.case_ids.contains(&id) {
                // Its row is still waiting to be inserted: send it first.
                self.flush()?;
            }
            // Only the columns that changed.
            let mut set = vec!["last_seq = $2".to_string()];
            let mut args: Vec<Box<dyn ToSql + Sync>> =
                vec![Box::new(id.clone()), Box::new(last_seq)];
            let mut col = |name: &str, v: Box<dyn ToSql + Sync>| {
                args.push(v);
                set.push(format!("{name} = ${}", args.len()));
            };
            if r.state != old.state {
                col("state", Box::new(r.state.to_string()));
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
                col("skip_level", Box::new(r.skip_level));
            }
            if r.collective != old.collective {
                col("collective", Box::new(r.collective));
            }
            if r.repeat != old.repeat {
                col("repeat", Box::new(r.repeat));
            }
            let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
            let n = self.exec(
                &format!("UPDATE cases SET {} WHERE id = $1", set.join(", ")),
                &refs,
            )?;
            if n != 1 {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "case {id} has events but no query row"
                ))));
            }
        }
        for c in r
            .clocks
            .iter()
            .filter(|c| old.clocks.get(c.idx as usize) != Some(*c))
        {
            self.pending.clocks.insert(
                (id.clone(), i64::from(c.idx)),
                ClockVals {
                    kind: c.kind.as_str().to_string(),
                    duty: super::is_duty(c.kind),
                    unit: c.unit.as_str().to_string(),
                    started: c.started.to_string(),
                    due: c.due.to_string(),
                    stopped_on: c.stopped_on.map(|d| d.to_string()),
                    met: c.met,
                    lapsed: c.lapsed,
                    rating: c.rating.map(str::to_string),
                    registered_on: registered_on.clone(),
                },
            );
        }
        for sv in r
            .supervisions
            .iter()
            .filter(|s| !old.supervisions.contains(s))
        {
            self.pending.supervisions.insert(
                (id.clone(), i64::from(sv.id)),
                SupervisionVals {
                    level: sv.level.to_string(),
                    ground: sv.ground.to_string(),
                    by: sv.by.as_str().to_string(),
                    unit: sv.unit.as_str().to_string(),
                    respond_by: sv.respond_by.to_string(),
                    answered: sv.answered,
                    registered_on: registered_on.clone(),
                },
            );
        }
        for u in r.units.iter().filter(|u| !old.units.contains(u)) {
            self.pending
                .units
                .insert((id.clone(), u.as_str().to_string()), true);
        }
        for u in old.units.iter().filter(|u| !r.units.contains(u)) {
            self.pending
                .units
                .insert((id.clone(), u.as_str().to_string()), false);
        }
        if r.search != old.search {
            match &r.search {
                Some(row) => {
                    self.pending
                        .texts
                        .insert(id.clone(), (crate::search::order_key(&r.id), row.clone()));
                }
                None => {
                    self.flush()?;
                    self.exec("DELETE FROM case_text WHERE case_id = $1", &[&id])?;
                }
            }
        }
        let matter = |r: &CaseRow| (r.identities.clone(), r.category.clone(), r.locality.clone());
        let moved = before.seq != 0 && matter(&r) != matter(&old);
        if moved {
            // A corrected registration: its identity rows move to the new keys and matter.
            self.flush()?;
            if let (Some(category), Some(locality)) = (&old.category, &old.locality) {
                let keys = old.identities.clone();
                self.exec(
                    "DELETE FROM identities WHERE key = ANY($1) AND category = $2 AND locality = $3 AND case_id = $4",
                    &[&keys, category, &locality.as_str(), &id],
                )?;
            }
        }
        if before.seq == 0 || moved {
            if let (Some(category), Some(locality)) = (&r.category, &r.locality) {
                for k in &r.identities {
                    self.pending.identities.push((
                        k.clone(),
                        category.clone(),
                        locality.as_str().to_string(),
                        id.clone(),
                    ));
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
        // Identities waiting to be sent are looked at only when one of them could match.
        let (loc, pending) = (locality.as_str(), &self.pending.identities);
        if pending
            .iter()
            .any(|(k, c, l, _)| c == category && l == loc && keys.contains(k))
        {
            self.flush()?;
        }
        let keys = keys.to_vec();
        let rows = self.rows(
            "SELECT DISTINCT c.id, c.state, c.holder, c.registered_at FROM identities i JOIN cases c ON c.id = i.case_id
             WHERE i.key = ANY($3) AND i.category = $1 AND i.locality = $2 ORDER BY c.id",
            &[&category, &locality.as_str(), &keys],
        )?;
        Self::summaries(rows)
    }
    fn related(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>> {
        if ids
            .iter()
            .any(|i| self.pending.case_ids.contains(i.as_str()))
        {
            self.flush()?;
        }
        let mut out = Vec::new();
        for id in ids {
            let rows = self.rows(
                "SELECT id, state, holder, registered_at FROM cases WHERE id = $1",
                &[&id.as_str()],
            )?;
            out.extend(Self::summaries(rows)?);
        }
        Ok(out)
    }
    fn search(&mut self, q: &crate::search::SearchQuery) -> Result<Vec<CaseId>> {
        self.flush()?;
        let tsq = schema::search_query(q);
        let before = q
            .before
            .as_ref()
            .map(crate::search::order_key)
            .unwrap_or(i64::MAX);
        let limit = q.limit.min(i64::MAX as usize) as i64;
        let rows = match &q.reach {
            Some(units) if units.is_empty() => return Ok(Vec::new()),
            Some(units) => {
                let units: Vec<String> = units.iter().map(|u| u.as_str().to_string()).collect();
                self.rows(
                    "SELECT t.case_id FROM case_text t WHERE t.doc @@ ($1::text)::tsquery AND t.num < $2
                       AND EXISTS (SELECT 1 FROM case_units cu WHERE cu.case_id = t.case_id AND cu.unit = ANY($4))
                     ORDER BY t.num DESC LIMIT $3",
                    &[&tsq, &before, &limit, &units],
                )?
            }
            None => self.rows(
                "SELECT t.case_id FROM case_text t WHERE t.doc @@ ($1::text)::tsquery AND t.num < $2
                 ORDER BY t.num DESC LIMIT $3",
                &[&tsq, &before, &limit],
            )?,
        };
        rows.iter()
            .map(|r| case_id(&get::<String>(r, 0)?))
            .collect()
    }
    fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        self.flush()?;
        let mut cond = String::new();
        let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let arg = |args: &mut Vec<Box<dyn ToSql + Sync>>, v: Box<dyn ToSql + Sync>| {
            args.push(v);
            format!("${}", args.len())
        };
        if !q.states.is_empty() {
            let states: Vec<String> = q.states.iter().map(|s| s.as_str().to_string()).collect();
            let m = arg(&mut args, Box::new(states));
            cond.push_str(&format!(" AND c.state = ANY({m})"));
        }
        if let Some(u) = &q.unit {
            let m = arg(&mut args, Box::new(u.as_str().to_string()));
            cond.push_str(&format!(" AND (c.holder = {m} OR c.lead = {m})"));
        }
        if let Some(p) = &q.petitioner {
            let m = arg(&mut args, Box::new(p.clone()));
            cond.push_str(&format!(" AND strpos(c.names, {m}) > 0"));
        }
        if let Some(o) = &q.officer {
            let m = arg(&mut args, Box::new(o.as_str().to_string()));
            cond.push_str(&format!(" AND c.officer = {m}"));
        }
        if let Some(f) = q.from {
            let m = arg(&mut args, Box::new(f.to_string()));
            cond.push_str(&format!(" AND c.registered_on >= {m}"));
        }
        if let Some(t) = q.to {
            let m = arg(&mut args, Box::new(t.to_string()));
            cond.push_str(&format!(" AND c.registered_on <= {m}"));
        }
        if let Some(reach) = &q.reach {
            if reach.is_empty() {
                return Ok(Vec::new());
            }
            let units: Vec<String> = reach.iter().map(|u| u.as_str().to_string()).collect();
            let m = arg(&mut args, Box::new(units));
            cond.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM case_units cu WHERE cu.case_id = c.id AND cu.unit = ANY({m}))"
            ));
        }
        let bound = match (q.overdue_on, q.due_by) {
            (Some(o), Some(d)) => Some((o.pred_opt().unwrap_or(o)).min(d)),
            (Some(o), None) => Some(o.pred_opt().unwrap_or(o)),
            (None, Some(d)) => Some(d),
            (None, None) => None,
        };
        if q.order == Order::Urgent || bound.is_some() {
            // Open duty clocks in due order; the first `limit` distinct cases that pass.
            let m = arg(
                &mut args,
                Box::new(bound.unwrap_or(NaiveDate::MAX).to_string()),
            );
            // With a LIMIT the planner walks the open-clock index in due order and stops early
            // (without one it plans for every row). A case may have several open clocks, so when
            // the rows run out before `limit` distinct cases, ask again for more.
            let cap_arg = args.len() + 1;
            let sql = format!(
                "SELECT k.case_id, c.registered_on FROM clocks k JOIN cases c ON c.id = k.case_id
                 WHERE k.stopped_on IS NULL AND k.duty AND k.due <= {m}{cond}
                 ORDER BY k.due, k.case_id LIMIT ${cap_arg}"
            );
            let (limit, offset) = (q.limit, q.offset);
            let mut cap = (limit.saturating_add(offset).saturating_mul(4))
                .clamp(64, i64::MAX as usize) as i64;
            let out = loop {
                let mut refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
                refs.push(&cap);
                let rows = self.rows(&sql, &refs)?;
                let mut out: Vec<(Option<String>, String)> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                let mut skipped = 0;
                for r in &rows {
                    if out.len() >= limit {
                        break;
                    }
                    let id: String = get(r, 0)?;
                    if seen.insert(id.clone()) {
                        if skipped < offset {
                            skipped += 1;
                        } else {
                            out.push((get(r, 1)?, id));
                        }
                    }
                }
                if out.len() >= limit || (rows.len() as i64) < cap {
                    break out;
                }
                cap = cap.saturating_mul(4);
            };
            let mut out = out;
            if q.order == Order::Newest {
                out.sort_by(|a, b| b.cmp(a));
            }
            return out.iter().map(|(_, id)| case_id(id)).collect();
        }
        let m = arg(&mut args, Box::new(q.limit.min(i64::MAX as usize) as i64));
        let o = arg(&mut args, Box::new(q.offset.min(i64::MAX as usize) as i64));
        let sql = format!(
            "SELECT c.id FROM cases c WHERE true{cond} ORDER BY c.registered_on DESC, c.id DESC LIMIT {m} OFFSET {o}"
        );
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        self.ids(&sql, &refs)
    }
    fn queue(&mut self, unit: &UnitCode, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        self.flush()?;
        // Four sources, each in date order and cut at `limit` distinct cases (see the SQLite
        // store for why the merge is exact).
        // A busy petition office's follow-ups are walked through the open duty clocks in due
        // order; a unit with few reads them all and sorts (see the SQLite store).
        let busy = self
            .row(
                "SELECT count(*) FROM (SELECT 1 FROM cases WHERE first_contact = $1
                    AND state IN ('registered', 'routed') LIMIT $2) AS f",
                &[&unit.as_str(), &FOLLOW_UPS_WALKED],
            )?
            .map_or(Ok(0), |r| get::<i64>(&r, 0))?
            >= FOLLOW_UPS_WALKED;
        let follow_ups = if busy {
            "SELECT k.case_id, k.due FROM clocks k JOIN cases c ON c.id = k.case_id
              WHERE k.stopped_on IS NULL AND k.duty
                AND c.first_contact = $1 AND c.state IN ('registered', 'routed') AND c.holder IS DISTINCT FROM $1
              ORDER BY k.due, k.case_id"
        } else {
            "SELECT c.id, (SELECT min(due) FROM clocks k WHERE k.case_id = c.id AND k.stopped_on IS NULL AND k.duty) AS d
               FROM cases c WHERE c.first_contact = $1 AND c.state IN ('registered', 'routed') AND c.holder IS DISTINCT FROM $1
               ORDER BY d, c.id"
        };
        let sources = [
            "SELECT case_id, due FROM clocks WHERE unit = $1 AND stopped_on IS NULL AND duty ORDER BY due, case_id",
            follow_ups,
            "SELECT id, NULL::text FROM cases WHERE objection_router = $1 ORDER BY id",
            "SELECT case_id, respond_by FROM supervisions WHERE by = $1 AND NOT answered ORDER BY respond_by, case_id",
        ];
        let mut merge = super::raw::QueueMerge::default();
        for sql in sources {
            // LIMIT lets the planner stop early; ask for more when a source's rows (a case may
            // appear in several) run out before `limit` distinct cases.
            let sql = format!("{sql} LIMIT $2");
            let mut cap = (limit.saturating_mul(4)).clamp(64, i64::MAX as usize) as i64;
            let rows = loop {
                let rows = self.rows(&sql, &[&unit.as_str(), &cap])?;
                let distinct: std::collections::HashSet<String> =
                    rows.iter().filter_map(|r| r.try_get(0).ok()).collect();
                if distinct.len() >= limit || (rows.len() as i64) < cap {
                    break rows;
                }
                cap = cap.saturating_mul(4);
            };
            let mut taken = std::collections::HashSet::new();
            for r in &rows {
                if taken.len() >= limit {
                    break;
                }
                let id: String = get(r, 0)?;
                taken.insert(id.clone());
                merge.add(id, get(r, 1)?);
            }
        }
        // Undated follow-ups only show when fewer than `limit` cases have a date.
        if busy && merge.dated() < limit {
            let rows = self.rows(
                "SELECT c.id FROM cases c
                  WHERE c.first_contact = $1 AND c.state IN ('registered', 'routed') AND c.holder IS DISTINCT FROM $1
                    AND NOT EXISTS (SELECT 1 FROM clocks k WHERE k.case_id = c.id AND k.stopped_on IS NULL AND k.duty)
                  ORDER BY c.id LIMIT $2",
                &[&unit.as_str(), &(limit.min(i64::MAX as usize) as i64)],
            )?;
            for r in &rows {
                merge.add(get(r, 0)?, None);
            }
        }
        merge.finish(limit)
    }
    fn due_for_tick(
        &mut self,
        today: NaiveDate,
        after: Option<&(NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, CaseId)>> {
        self.flush()?;
        let (d, id) = after
            .map(|(d, id)| (d.to_string(), id.as_str().to_string()))
            .unwrap_or_default();
        let rows = self.rows(
            "SELECT next_tick, id FROM cases
             WHERE next_tick IS NOT NULL AND next_tick <= $1 AND (next_tick, id) > ($2, $3)
             ORDER BY next_tick, id LIMIT $4",
            &[&today.to_string(), &d, &id, &(limit as i64)],
        )?;
        let bad = || DomainError::from(StorageError::integrity("bad case row stored"));
        rows.iter()
            .map(|r| {
                Ok((
                    date(get(r, 0)?).ok_or_else(bad)?,
                    case_id(&get::<String>(r, 1)?)?,
                ))
            })
            .collect()
    }
    fn chain(
        &mut self,
        from: u64,
        visit: &mut dyn FnMut(StoredEntry) -> Result<bool>,
    ) -> Result<()> {
        self.flush()?;
        let from = from.min(i64::MAX as u64) as i64;
        self.stream(
            "SELECT gseq, body, hash, case_id, seq FROM chain WHERE gseq >= $1 ORDER BY gseq",
            &[&from],
            1000,
            &mut |r| visit(Self::entry(r, true)?),
        )
    }
    fn stats(
        &mut self,
        q: &crate::stats::StatsQuery,
    ) -> Result<std::collections::BTreeMap<String, crate::stats::Counts>> {
        let mut out: std::collections::BTreeMap<String, crate::stats::Counts> =
            std::collections::BTreeMap::new();
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
        let r = self.row("SELECT count(*) FROM cases", &[])?;
        Ok(r.map_or(Ok(0), |r| get::<i64>(&r, 0))? as u64)
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
        let sql = if self.write {
            "SELECT pos FROM heads WHERE name = 'access' FOR UPDATE"
        } else {
            "SELECT pos FROM heads WHERE name = 'access'"
        };
        let pos: i64 = match self.row(sql, &[])? {
            Some(r) => get(&r, 0)?,
            None => 0,
        };
        if let Some((p, _)) = &self.access_moved {
            // This transaction already appended: its own last entry.
            let p = *p as i64;
            let r = self.row(
                "SELECT pos, body, hash FROM access_log WHERE pos = $1",
                &[&p],
            )?;
            return r.map(|r| Self::entry(&r, false)).transpose();
        }
        if pos == 0 {
            return Ok(None);
        }
        let r = self.row(
            "SELECT pos, body, hash FROM access_log WHERE pos = $1",
            &[&pos],
        )?;
        r.map(|r| Self::entry(&r, false)).transpose()
    }
    fn append_access(
        &mut self,
        d: Finished<'_, Disclosure>,
        sealed: Finished<'_, StoredEntry>,
    ) -> Result<()> {
        let d: &Disclosure = &d;
        let sealed: &StoredEntry = &sealed;

        let pos = sealed.gseq as i64;
        let case = d.case.as_ref().map(|c| c.as_str().to_string());
        self.exec(
            "INSERT INTO access_log(pos, case_id, staff, body, hash) VALUES ($1, $2, $3, $4, $5)",
            &[&pos, &case, &d.staff, &sealed.body, &sealed.hash],
        )?;
        self.access_moved = Some((sealed.gseq, sealed.hash.clone()));
        Ok(())
    }
    fn access_log(
        &mut self,
        case: Option<&CaseId>,
        staff: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LoggedDisclosure>> {
        let after = after.min(i64::MAX as u64) as i64;
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = match (case, staff) {
            (Some(c), _) => self.rows(
                "SELECT pos, body FROM access_log WHERE case_id = $1 AND pos > $2 ORDER BY pos LIMIT $3",
                &[&c.as_str(), &after, &limit],
            )?,
            (None, Some(s)) => self.rows(
                "SELECT pos, body FROM access_log WHERE staff = $1 AND pos > $2 ORDER BY pos LIMIT $3",
                &[&s, &after, &limit],
            )?,
            (None, None) => self.rows(
                "SELECT pos, body FROM access_log WHERE pos > $1 ORDER BY pos LIMIT $2",
                &[&after, &limit],
            )?,
        };
        let mut out = Vec::new();
        for r in rows {
            let d: Disclosure = serde_json::from_str(&get::<String>(&r, 1)?).map_err(json_err)?;
            if staff.is_some_and(|s| d.staff != s) {
                continue;
            }
            out.push(LoggedDisclosure {
                pos: get::<i64>(&r, 0)? as u64,
                disclosure: d,
            });
        }
        Ok(out)
    }
    fn access_chain(&mut self, visit: &mut dyn FnMut(StoredEntry) -> Result<bool>) -> Result<()> {
        self.stream(
            "SELECT pos, body, hash, case_id FROM access_log ORDER BY pos",
            &[],
            1000,
            &mut |r| {
                let mut e = Self::entry(r, false)?;
                e.index = get::<Option<String>>(r, 3)?.map(|c| (c, 0));
                visit(e)
            },
        )
    }
    fn stored_row(&mut self, id: &CaseId, identity_keys: &[String]) -> Result<Option<CaseRow>> {
        self.flush()?;
        let key = id.as_str();
        let found = match self.prefetched.remove(key) {
            Some(rows) => Some(rows),
            None => self.raw_rows(&[key.to_string()])?.remove(key),
        };
        let Some((row, clocks, supervisions, units)) = found else {
            return Ok(None);
        };
        let mut identities = Vec::new();
        if let (Some(cat), Some(loc)) = (row.category.clone(), row.locality.clone()) {
            for k in identity_keys {
                if self
                    .row(
                        "SELECT 1 FROM identities WHERE key = $1 AND category = $2 AND locality = $3 AND case_id = $4",
                        &[k, &cat, &loc, &key],
                    )?
                    .is_some()
                {
                    identities.push(k.clone());
                }
            }
        }
        decode(id, row, clocks, supervisions, units, identities).map(Some)
    }
    fn cases_by_day(
        &mut self,
        after: Option<&(NaiveDate, CaseId)>,
        limit: usize,
    ) -> Result<Vec<(NaiveDate, CaseId)>> {
        self.flush()?;
        let (d, id) = after
            .map(|(d, id)| (d.to_string(), id.as_str().to_string()))
            .unwrap_or_default();
        let rows = self.rows(
            "SELECT registered_on, id FROM cases WHERE (registered_on, id) > ($1, $2)
             ORDER BY registered_on, id LIMIT $3",
            &[&d, &id, &(limit as i64)],
        )?;
        if !self.write {
            // `verify` reads the stored rows of these cases next: fetch them together.
            let ids: Vec<String> = rows.iter().map(|r| get(r, 1)).collect::<Result<_>>()?;
            self.prefetched = self.raw_rows(&ids)?;
        }
        rows.iter()
            .map(|r| {
                let id: String = get(r, 1)?;
                let day = date(get(r, 0)?).ok_or_else(|| {
                    DomainError::from(StorageError::integrity(&format!(
                        "table cases, key {id}: bad registered_on stored"
                    )))
                })?;
                Ok((day, case_id(&id)?))
            })
            .collect()
    }
    fn stats_rows(&mut self, day: NaiveDate) -> Result<Vec<StatsRow>> {
        self.flush_stats()?;
        let rows = self.rows(
            "SELECT grouping, key, item, due, n FROM stats WHERE grouping IN (0, 1, 2) AND day = $1",
            &[&day.to_string()],
        )?;
        rows.iter()
            .map(|r| {
                let due: String = get(r, 3)?;
                Ok(StatsRow {
                    grouping: u8::try_from(get::<i64>(r, 0)?).unwrap_or(u8::MAX),
                    key: get(r, 1)?,
                    item: get(r, 2)?,
                    due: if due.is_empty() {
                        None
                    } else {
                        Some(date(Some(due)).unwrap_or(NaiveDate::MIN))
                    },
                    n: get(r, 4)?,
                })
            })
            .collect()
    }
    fn derived_counts(&mut self) -> Result<[u64; 7]> {
        self.flush_stats()?;
        let mut out = [0u64; 7];
        for (i, t) in super::DERIVED_TABLES.iter().enumerate() {
            let r = self.row(&format!("SELECT count(*) FROM {t}"), &[])?;
            out[i] = r.map_or(Ok(0), |r| get::<i64>(&r, 0))? as u64;
        }
        Ok(out)
    }
    fn chain_case_count(&mut self) -> Result<u64> {
        self.flush()?;
        let r = self.row(
            "SELECT count(DISTINCT case_id) FROM chain WHERE case_id IS NOT NULL",
            &[],
        )?;
        Ok(r.map_or(Ok(0), |r| get::<i64>(&r, 0))? as u64)
    }
    fn year_counters(&mut self) -> Result<std::collections::BTreeMap<i32, u32>> {
        self.write_counters()?;
        self.rows("SELECT year, next FROM counters ORDER BY year", &[])?
            .iter()
            .map(|r| {
                Ok((
                    i32::try_from(get::<i64>(r, 0)?).unwrap_or(i32::MIN),
                    u32::try_from(get::<i64>(r, 1)?).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }
    fn commit(mut self) -> Result<()> {
        self.write_counters()?;
        self.flush_stats()?;
        if let Some((pos, hash)) = self.moved.take() {
            self.exec(
                "UPDATE heads SET pos = $1, hash = $2 WHERE name = 'chain'",
                &[&(pos as i64), &hash],
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
}
