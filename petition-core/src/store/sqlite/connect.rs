//! Opening a file: the connection's settings (WAL, foreign keys, busy timeout, page cache), the
//! schema and its forward-only migrations, the transactions, group commits and backups.

use super::*;

/// A path as the path part of an SQLite `file:` URI (percent-encoded, absolute).
pub(super) fn uri_path(path: &Path) -> String {
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

impl SqliteStore {
    /// Opens (or, with `create`, creates) a database and migrates it to the current schema.
    /// A missing file without `create` is `not_found`; a newer schema is `integrity`.
    ///
    /// ```
    /// use petition_core::{Service, SqliteStore};
    /// let path = std::env::temp_dir().join(format!("petition-doc-{}.db", std::process::id()));
    /// let mut svc = Service::new(SqliteStore::open(&path, true).unwrap());
    /// // Not initialised yet: no chain, so not yet a petition database to verify.
    /// assert!(svc.verify(&[]).unwrap().problem.unwrap().contains("empty"));
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
        let tables = s.count_tables("AND name IN ('chain', 'cases', 'units', 'staff')")?;
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

    /// The connection (`verify` reads a new database's schema from it).
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// A private in-memory SQLite database (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory().map_err(db_err)?)
    }

    pub(super) fn setup(conn: Connection) -> Result<Self> {
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

    pub(super) fn begin(&mut self, behavior: TransactionBehavior) -> Result<Tx<'_>> {
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

    /// How many tables the file has (`and`: a further condition on `sqlite_schema`).
    fn count_tables(&self, and: &str) -> Result<i64> {
        let sql = format!("SELECT count(*) FROM sqlite_schema WHERE type = 'table' {and}");
        self.conn.query_row(&sql, [], |r| r.get(0)).map_err(db_err)
    }

    pub(super) fn migrate(&mut self) -> Result<()> {
        let v = self.user_version()?;
        if v > SCHEMA_VERSION {
            return Err(newer_schema(v));
        }
        if v == 0 {
            // A file with tables but no version is not ours.
            let tables = self.count_tables("")?;
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
        // Written under a temporary name beside `dest` and moved into place whole: a failure
        // (a full disk, a missing directory) leaves nothing behind to block the next try.
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(
            ".{}.partial-{}",
            name.unwrap_or_default(),
            std::process::id()
        ));
        let written = (|| -> rusqlite::Result<()> {
            let mut out = Connection::open(&tmp)?;
            rusqlite::backup::Backup::new(&self.conn, &mut out)?.run_to_completion(
                256,
                Duration::from_millis(5),
                None,
            )?;
            out.close().map_err(|(_, e)| e)
        })();
        let remove_tmp = || {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let mut p = tmp.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        };
        if let Err(e) = written {
            remove_tmp();
            return Err(backup_failed(dir, e));
        }
        // A hard link never replaces an existing file; where the file system has none, a
        // rename after checking that nothing is there.
        let moved = match std::fs::hard_link(&tmp, dest) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
            Err(_) if std::fs::symlink_metadata(dest).is_ok() => {
                Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
            }
            Err(_) => std::fs::rename(&tmp, dest),
        };
        remove_tmp();
        moved.map_err(|e| {
            DomainError::from(StorageError::io(
                format!("the backup could not be put at {}", dest.display()),
                e,
            ))
        })
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

/// What a failed backup says: what happened, in words, and what to do.
fn backup_failed(dir: &Path, e: rusqlite::Error) -> DomainError {
    use rusqlite::ErrorCode as C;
    let dir = dir.display();
    let detail = match e.sqlite_error_code() {
        Some(C::DiskFull) => format!(
            "the disk holding {dir} is full: free space there, or back up to another disk"
        ),
        Some(C::CannotOpen | C::PermissionDenied | C::ReadOnly | C::NotFound) => format!(
            "no file can be made in {dir}: check that the directory exists and that you may write to it"
        ),
        _ => format!("writing to {dir} failed ({e}): check the disk"),
    };
    DomainError::from(StorageError::io_detail(
        "the backup was not made (nothing was left behind)",
        &detail,
    ))
}
