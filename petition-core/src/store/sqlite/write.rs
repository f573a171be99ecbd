//! Writing a case's rows: the events appended with their chain entries, the row diff of the
//! shared SQL core ([`crate::store::sql`]) sent statement by statement, the statistics
//! counters that moved.

use super::*;
use crate::store::sql::{self, CaseWrite, CASE_COLUMNS};

impl SqliteTxn<'_> {
    /// A case's last sequence number as stored (0 for a new case).
    pub(super) fn last_seq(&mut self, case: &CaseId) -> Result<u32> {
        self.tx
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM chain WHERE case_id = ?1")
            .and_then(|mut st| st.query_row([case.as_str()], |r| r.get(0)))
            .map_err(db_err)
    }

    /// Sends the rows of the shared row diff ([`sql::case_write`]), statement by statement.
    pub(super) fn put_case_sql(&mut self, w: CaseWrite) -> Result<()> {
        self.put_case_row(&w)?;
        if let Some(accused) = &w.accused {
            self.tx
                .prepare_cached("DELETE FROM case_accused WHERE case_id = ?1")
                .and_then(|mut st| st.execute([&w.id]))
                .map_err(db_err)?;
            if let Some(u) = accused {
                self.tx
                    .prepare_cached("INSERT INTO case_accused(case_id, unit) VALUES (?1, ?2)")
                    .and_then(|mut st| st.execute(rusqlite::params![w.id, u]))
                    .map_err(db_err)?;
            }
        }
        if let Some((system, id)) = &w.external {
            self.tx
                .prepare_cached(
                    "INSERT INTO external_refs(system, ref, case_id) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut st| st.execute(rusqlite::params![system, id, w.id]))
                .map_err(db_err)?;
        }
        exec(
            &self.tx,
            "INSERT INTO clocks(case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(case_id, idx) DO UPDATE SET unit = excluded.unit, due = excluded.due,
                stopped_on = excluded.stopped_on, met = excluded.met, lapsed = excluded.lapsed,
                rating = excluded.rating, started = excluded.started
             WHERE clocks.unit IS NOT excluded.unit OR clocks.due IS NOT excluded.due
                OR clocks.stopped_on IS NOT excluded.stopped_on OR clocks.lapsed IS NOT excluded.lapsed
                OR clocks.rating IS NOT excluded.rating OR clocks.started IS NOT excluded.started
                OR clocks.met IS NOT excluded.met",
            w.clocks.iter().map(|(_, row)| row),
        )?;
        exec(
            &self.tx,
            "INSERT INTO supervisions(case_id, id, level, ground, by, unit, respond_by, answered, registered_on)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(case_id, id) DO UPDATE SET level = excluded.level, by = excluded.by,
                respond_by = excluded.respond_by, answered = excluded.answered",
            w.supervisions.iter().map(|(_, row)| row),
        )?;
        let pairs = |units: &[String]| -> Vec<Vec<sql::Value>> {
            let v = |s: &str| sql::Value::Text(Some(s.to_string()));
            units.iter().map(|u| vec![v(&w.id), v(u)]).collect()
        };
        let identities = |i: &Option<sql::Identities>| -> Vec<Vec<sql::Value>> {
            let v = |s: &str| sql::Value::Text(Some(s.to_string()));
            i.iter()
                .flat_map(|i| {
                    i.keys
                        .iter()
                        .map(|k| vec![v(k), v(&i.category), v(&i.locality), v(&w.id)])
                })
                .collect()
        };
        for (statement, rows) in [
            (
                "INSERT OR IGNORE INTO case_units(case_id, unit) VALUES (?1, ?2)",
                pairs(&w.units_added),
            ),
            (
                "DELETE FROM case_units WHERE case_id = ?1 AND unit = ?2",
                pairs(&w.units_removed),
            ),
            (
                "DELETE FROM identities WHERE key = ?1 AND category = ?2 AND locality = ?3 AND case_id = ?4",
                identities(&w.identities_removed),
            ),
            (
                "INSERT OR IGNORE INTO identities(key, category, locality, case_id) VALUES (?1, ?2, ?3, ?4)",
                identities(&w.identities_added),
            ),
        ] {
            exec(&self.tx, statement, &rows)?;
        }
        let id = &w.case;
        match &w.search {
            Some(Some(row)) => schema::put_search(&self.tx, id, row, w.had_search)?,
            Some(None) => {
                self.tx
                    .prepare_cached("DELETE FROM case_text WHERE rowid = ?1")
                    .and_then(|mut st| st.execute([crate::search::order_key(id)]))
                    .map_err(db_err)?;
            }
            None => {}
        }
        Ok(())
    }

    /// The `cases` row: inserted whole, or only its changed columns updated (so SQLite touches
    /// only the indexes over them).
    fn put_case_row(&mut self, w: &CaseWrite) -> Result<()> {
        if let Some(values) = &w.insert {
            let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
            let q = format!(
                "INSERT INTO cases({}) VALUES ({})",
                CASE_COLUMNS.join(", "),
                marks.join(", ")
            );
            self.tx
                .prepare_cached(&q)
                .and_then(|mut st| st.execute(rusqlite::params_from_iter(values)))
                .map_err(db_err)?;
            return Ok(());
        }
        let set: Vec<String> = (w.update.iter().enumerate())
            .map(|(i, (col, _))| format!("{col} = ?{}", i + 2))
            .collect();
        let id = sql::Value::Text(Some(w.id.clone()));
        let args = std::iter::once(&id).chain(w.update.iter().map(|(_, v)| v));
        let n = self
            .tx
            .prepare_cached(&format!(
                "UPDATE cases SET {} WHERE id = ?1",
                set.join(", ")
            ))
            .and_then(|mut st| st.execute(rusqlite::params_from_iter(args)))
            .map_err(db_err)?;
        if n != 1 {
            return Err(DomainError::from(StorageError::integrity(&format!(
                "case {} has events but no query row",
                w.id
            ))));
        }
        Ok(())
    }
}

/// Runs one statement per row (none when there are no rows).
fn exec<'r>(
    tx: &rusqlite::Connection,
    q: &str,
    rows: impl IntoIterator<Item = &'r Vec<sql::Value>>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    if rows.peek().is_none() {
        return Ok(());
    }
    let mut st = tx.prepare_cached(q).map_err(db_err)?;
    for r in rows {
        st.execute(rusqlite::params_from_iter(r)).map_err(db_err)?;
    }
    Ok(())
}
