//! Connecting: the connection string and the password given with it, the schema and its
//! forward-only migrations, and the transactions opened on it. No environment is read here: the
//! command line finds a password the way `psql` does (`PGPASSWORD`, `~/.pgpass`).

use super::*;

/// Fills `case_text` from every case (replayed from the chain), in id order.
/// Each case replayed from the chain, in id order.
fn each_case(
    tx: &mut Transaction<'_>,
    mut visit: impl FnMut(&mut Transaction<'_>, &crate::case::Case) -> Result<()>,
) -> Result<()> {
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
        let case = crate::case::replay(case_id(&id)?, &events);
        visit(tx, &case)?;
    }
    Ok(())
}

/// Fills `case_accused` from every case.
fn backfill_accused(tx: &mut Transaction<'_>) -> Result<()> {
    each_case(tx, |tx, case| {
        if let Some(u) = case.accused_unit() {
            tx.execute(
                "INSERT INTO case_accused(case_id, unit) VALUES ($1, $2)",
                &[&case.id.as_str(), &u.as_str()],
            )
            .map_err(pg_err)?;
        }
        Ok(())
    })
}

/// Counts `stats` from every case, as `put_case` keeps it; the sums go to the table every few
/// thousand cases, so memory stays flat.
fn backfill_stats(tx: &mut Transaction<'_>) -> Result<()> {
    fn flush(
        tx: &mut Transaction<'_>,
        sums: &mut std::collections::HashMap<crate::stats::CounterKey, i64>,
    ) -> Result<()> {
        let cols = super::write_rows::stats_columns(sums.drain());
        tx.execute(
            super::write_rows::ADD_STATS,
            &[&cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5],
        )
        .map_err(pg_err)?;
        Ok(())
    }
    let mut sums = std::collections::HashMap::new();
    let mut done = 0u64;
    each_case(tx, |tx, case| {
        for (k, n) in crate::stats::counters(&CaseRow::of(case)) {
            *sums.entry(k).or_default() += n;
        }
        done += 1;
        if done.is_multiple_of(5000) {
            flush(tx, &mut sums)?;
        }
        Ok(())
    })?;
    flush(tx, &mut sums)
}

pub(super) fn backfill_search(tx: &mut Transaction<'_>) -> Result<()> {
    each_case(tx, |tx, case| {
        let Some(row) = CaseRow::of(case).search else {
            return Ok(());
        };
        let doc = schema::search_doc(&row);
        tx.execute(
            "INSERT INTO case_text(case_id, num, text, names, numbers, doc)
             VALUES ($1, $2, $3, $4, $5, ($6::text)::tsvector)",
            &[
                &case.id.as_str(),
                &crate::search::order_key(&case.id),
                &row.text,
                &row.names,
                &row.numbers,
                &doc,
            ],
        )
        .map_err(pg_err)?;
        Ok(())
    })
}

impl PgStore {
    /// Connects to `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`) and migrates the database
    /// to the current schema. A database of a newer schema, or one with tables of another
    /// program, is `integrity`; a server that cannot be reached is `io`.
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, None, None)
    }

    /// Like [`connect`](Self::connect), keeping every table in the PostgreSQL schema `schema`
    /// (created when missing): several databases of petition on one PostgreSQL database, e.g.
    /// one per test.
    pub fn connect_in(url: &str, schema: Option<&str>) -> Result<Self> {
        Self::connect_with(url, schema, None)
    }

    /// Like [`connect_in`](Self::connect_in), with `password` used when `url` has none (the
    /// command line passes the one `PGPASSWORD` or `~/.pgpass` gives, as `psql` would).
    pub fn connect_with(url: &str, schema: Option<&str>, password: Option<&str>) -> Result<Self> {
        let mut store = Self::connect_only(url, schema, password, true)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connects to a petition database that exists, creating and changing nothing (`verify`): a
    /// database (or schema) without petition's tables is `integrity` ("not a petition
    /// database"), one of another schema version too (older: a command that writes migrates it
    /// first).
    pub fn open_existing(url: &str, schema: Option<&str>, password: Option<&str>) -> Result<Self> {
        let mut store = Self::connect_only(url, schema, password, false)?;
        let version = store
            .client
            .query_opt(
                "SELECT version FROM schema_version WHERE EXISTS(SELECT 1 FROM information_schema.tables
                   WHERE table_schema = current_schema() AND table_name = 'schema_version')",
                &[],
            )
            .ok()
            .flatten()
            .and_then(|r| r.try_get::<_, i64>(0).ok());
        match version {
            Some(v) if v == PG_SCHEMA_VERSION => Ok(store),
            None => Err(DomainError::from(StorageError::integrity_text(
                "the database is not a petition database: it has no petition tables (give the database `petition init` made)",
                "该数据库不是 petition 数据库：其中没有 petition 的数据表（请指定 `petition init` 创建的数据库）",
            ))),
            Some(v) => Err(DomainError::from(StorageError::integrity(&format!(
                "the database has schema version {v}, this program {PG_SCHEMA_VERSION}: run a petition of its version, or any command that writes with this one to migrate it first"
            )))),
        }
    }

    /// Connects, and keeps to `schema` when one is named (created when missing with `create`).
    fn connect_only(
        url: &str,
        schema: Option<&str>,
        password: Option<&str>,
        create: bool,
    ) -> Result<Self> {
        let mut config = postgres::Config::from_str(url).map_err(|e| {
            DomainError::from(Refusal::usage(
                &format!("not a PostgreSQL connection string: {e}"),
                &format!("不是有效的 PostgreSQL 连接串：{e}"),
            ))
        })?;
        if let (None, Some(p)) = (config.get_password(), password) {
            config.password(p);
        }
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
            let make = if create {
                format!("CREATE SCHEMA IF NOT EXISTS {s}; ")
            } else {
                String::new()
            };
            client
                .batch_execute(&format!("{make}SET search_path TO {s}"))
                .map_err(pg_err)?;
        }
        Ok(Self {
            client,
            stmts: HashMap::new(),
            leading: false,
            listening: None,
        })
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

    pub(super) fn migrate(&mut self) -> Result<()> {
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
            if i + 1 == schema::ACCUSED_STEP {
                backfill_accused(&mut tx)?;
            }
            if i + 1 == schema::STATS_STEP {
                backfill_stats(&mut tx)?;
            }
            tx.execute("UPDATE schema_version SET version = $1", &[&(i as i64 + 1)])
                .map_err(pg_err)?;
        }
        tx.commit().map_err(pg_err)
    }

    pub(super) fn begin(&mut self, write: bool) -> Result<PgTxn<'_>> {
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
            settings_seen: None,
            settings_moved: false,
        })
    }
}
