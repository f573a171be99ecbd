//! The schema: forward-only migrations under `user_version`, and the work some steps do in Rust
//! (filling new tables by replaying every case).

use rusqlite::params;

use super::{db_err, json_err, CaseRow};
use crate::case::Event;
use crate::error::{DomainError, Result, StorageError};
use crate::ids::CaseId;
use crate::stats::CounterKey;

/// Ordered migrations; step N brings `user_version` from N-1 to N, each in its own transaction.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // 3: the access log (who saw unmasked personal data of which case, when, by which command):
    // a hash chain of its own, append-only like the audit chain.
    r#"
    CREATE TABLE access_log(
        pos     INTEGER PRIMARY KEY,
        case_id TEXT,
        staff   TEXT NOT NULL,
        body    TEXT NOT NULL,
        hash    BLOB NOT NULL
    ) STRICT;
    CREATE INDEX access_log_case ON access_log(case_id, pos) WHERE case_id IS NOT NULL;
    CREATE INDEX access_log_staff ON access_log(staff, pos);
    CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
    "#,
    // 4: every unit that appears in a case, so lists filter by a reader's reach in SQL (filled
    // from the cases by `backfill_case_units`). Keyed by case only: a list walks its own index in
    // date order and checks each case here, whatever the share of cases the reader may see.
    r#"
    CREATE TABLE case_units(
        case_id TEXT NOT NULL REFERENCES cases(id),
        unit    TEXT NOT NULL,
        PRIMARY KEY(case_id, unit)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 5: the case officer (承办人), for `queue --mine`; none in cases made before.
    r#"
    ALTER TABLE cases ADD COLUMN officer TEXT;
    CREATE INDEX cases_officer ON cases(officer) WHERE officer IS NOT NULL;
    "#,
    // 6: the search index (`petition search`, see `search`): each case's summary and content,
    // and its petitioners' names, one character per token, so a phrase query finds Chinese text
    // from one character up; its phone and id numbers reversed, so a prefix query finds a
    // number by its end (a prefix index of 4 characters serves every such query: longer ends
    // are checked by the service). The rowid is `search::order_key` (newest case number first
    // by rowid); filled from the cases by `backfill_search`.
    r#"
    CREATE VIRTUAL TABLE case_text USING fts5(
        text, names, num, case_id UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 0', prefix = '4'
    );
    "#,
    // 7: idempotency keys (see `idempotency`): the first answer to a request under a key, kept
    // a day; `at_s` (Unix seconds) orders them whatever the offset of `at`. And registrations'
    // external references (another system's id of the same matter), unique per system; and
    // each accusation's accused unit, so a count never includes what that unit may not know
    // of (filled from the cases after this step).
    r#"
    CREATE TABLE idempotency(
        staff   TEXT NOT NULL,
        key     TEXT NOT NULL,
        digest  BLOB NOT NULL,
        at      TEXT NOT NULL,
        at_s    INTEGER NOT NULL,
        case_id TEXT,
        status  INTEGER,
        body    TEXT,
        PRIMARY KEY(staff, key)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX idempotency_at ON idempotency(at_s);
    CREATE TABLE external_refs(
        system  TEXT NOT NULL,
        ref     TEXT NOT NULL,
        case_id TEXT NOT NULL REFERENCES cases(id),
        PRIMARY KEY(system, ref)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX external_refs_case ON external_refs(case_id);
    CREATE TABLE case_accused(
        case_id TEXT PRIMARY KEY,
        unit    TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX case_accused_unit ON case_accused(unit, case_id);
    "#,
    // 8: the statistics count persons (人次) and group by channel too: counted again from the
    // cases (`after_migration`).
    r#"
    DELETE FROM stats;
    "#,
    // 9: the case file's files (附件), content-addressed: each file's hash, size and type, and
    // its content in chunks of 256 KiB (read and written one chunk at a time). In the database
    // itself, so one file still holds the whole office and a backup copies them.
    r#"
    CREATE TABLE files(
        sha256       TEXT PRIMARY KEY,
        size         INTEGER NOT NULL,
        content_type TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE file_chunks(
        sha256 TEXT NOT NULL,
        n      INTEGER NOT NULL,
        data   BLOB NOT NULL,
        PRIMARY KEY(sha256, n)
    ) STRICT;
    "#,
];

/// Work a migration step does in Rust after its SQL, in the same transaction.
pub(super) fn after_migration(step: usize, tx: &rusqlite::Transaction<'_>) -> Result<()> {
    if step == 2 || step == 8 {
        backfill_stats(tx)?;
    }
    if step == 4 {
        backfill_case_units(tx)?;
    }
    if step == 6 {
        backfill_search(tx)?;
    }
    if step == 7 {
        each_case(tx, |case| match case.accused_unit() {
            Some(u) => tx
                .prepare_cached("INSERT INTO case_accused(case_id, unit) VALUES (?1, ?2)")
                .and_then(|mut st| st.execute(params![case.id.as_str(), u.as_str()]))
                .map(|_| ())
                .map_err(db_err),
            None => Ok(()),
        })?;
    }
    Ok(())
}

/// A case's events in order, from the chain (empty when unknown).
pub(super) fn read_events(conn: &rusqlite::Connection, id: &str) -> Result<Vec<Event>> {
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
        out.push(Event::from_json(body).map_err(json_err)?);
    }
    Ok(out)
}

/// Visits every case, replayed from the chain, in id order (streaming: memory stays flat
/// whatever the size of the database).
fn each_case(
    tx: &rusqlite::Transaction<'_>,
    mut visit: impl FnMut(&crate::case::Case) -> Result<()>,
) -> Result<()> {
    let mut ids = tx
        .prepare("SELECT id FROM cases ORDER BY id")
        .map_err(db_err)?;
    let mut ids = ids.query([]).map_err(db_err)?;
    while let Some(row) = ids.next().map_err(db_err)? {
        let id: String = row.get(0).map_err(db_err)?;
        let events = read_events(tx, &id)?;
        let id = CaseId::parse(&id)
            .map_err(|_| DomainError::from(StorageError::integrity("bad case id stored")))?;
        visit(&crate::case::replay(id, &events))?;
    }
    Ok(())
}

/// Fills `stats` from every case, as `put_case` would have kept it. The sums go to the table
/// every few thousand cases, so memory stays flat.
fn backfill_stats(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let mut sums: std::collections::HashMap<CounterKey, i64> = std::collections::HashMap::new();
    let mut done = 0u64;
    each_case(tx, |case| {
        for (k, n) in crate::stats::counters(&CaseRow::of(case)) {
            *sums.entry(k).or_default() += n;
        }
        done += 1;
        if done.is_multiple_of(5000) {
            write_stats(tx, &sums)?;
            sums.clear();
        }
        Ok(())
    })?;
    write_stats(tx, &sums)
}

/// Fills `case_units` from every case.
fn backfill_case_units(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let mut ins = tx
        .prepare_cached("INSERT OR IGNORE INTO case_units(case_id, unit) VALUES (?1, ?2)")
        .map_err(db_err)?;
    each_case(tx, |case| {
        for u in crate::access::units_of(case) {
            ins.execute(params![case.id.as_str(), u.as_str()])
                .map_err(db_err)?;
        }
        Ok(())
    })
}

/// Fills `case_text` from every case.
fn backfill_search(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    each_case(tx, |case| match CaseRow::of(case).search {
        Some(row) => put_search(tx, &case.id, &row, false),
        None => Ok(()),
    })
}

/// Writes a case's row of the search index (replacing any).
pub(super) fn put_search(
    conn: &rusqlite::Connection,
    id: &CaseId,
    row: &crate::search::SearchRow,
    replace: bool,
) -> Result<()> {
    let key = crate::search::order_key(id);
    if replace {
        conn.prepare_cached("DELETE FROM case_text WHERE rowid = ?1")
            .and_then(|mut st| st.execute([key]))
            .map_err(db_err)?;
    }
    conn.prepare_cached(
        "INSERT INTO case_text(rowid, text, names, num, case_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut st| st.execute(params![key, row.text, row.names, row.numbers, id.as_str()]))
    .map_err(db_err)?;
    Ok(())
}

/// Adds counter deltas to `stats`.
pub(super) fn write_stats(
    tx: &rusqlite::Connection,
    deltas: &std::collections::HashMap<CounterKey, i64>,
) -> Result<()> {
    // A read, or a change that moved no counter: no statement to prepare.
    if deltas.values().all(|n| *n == 0) {
        return Ok(());
    }
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
