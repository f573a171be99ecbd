//! Reading a case's query rows back, for `verify` to compare with a replay of the chain.

use rusqlite::{params, OptionalExtension};

use super::{db_err, CaseRow};
use crate::error::Result;
use crate::ids::CaseId;
use crate::store::raw::{decode, Columns, RawCase, RawClock, RawSupervision};

/// Reads the query rows of a case back into a [`CaseRow`] (for `verify`); identity rows are looked
/// up by the keys the case should have (extra ones are caught by the row counts).
pub(super) fn read_stored_row(
    conn: &rusqlite::Connection,
    id: &CaseId,
    identity_keys: &[String],
) -> Result<Option<CaseRow>> {
    let key = id.as_str();
    let Some(mut row) = read_all(
        conn,
        &select(RawCase::COLUMNS, "cases WHERE id = ?1"),
        key,
        RawCase::read,
    )?
    .pop() else {
        return Ok(None);
    };
    row.search = conn
        .prepare_cached("SELECT text, names, num, case_id FROM case_text WHERE rowid = ?1")
        .and_then(|mut st| {
            st.query_row([crate::search::order_key(id)], |r| {
                Ok((
                    crate::search::SearchRow {
                        text: r.get(0)?,
                        names: r.get(1)?,
                        numbers: r.get(2)?,
                    },
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()
        })
        .map_err(db_err)?
        .map(|(row, c)| {
            // A row filed under another case's key is no row of this case.
            if c == key {
                row
            } else {
                crate::search::SearchRow {
                    text: format!("(the row of {c})"),
                    names: String::new(),
                    numbers: String::new(),
                }
            }
        });
    let clocks = read_all(
        conn,
        &select(RawClock::COLUMNS, "clocks WHERE case_id = ?1 ORDER BY idx"),
        key,
        RawClock::read,
    )?;
    let supervisions = read_all(
        conn,
        &select(
            RawSupervision::COLUMNS,
            "supervisions WHERE case_id = ?1 ORDER BY id",
        ),
        key,
        RawSupervision::read,
    )?;
    let units: Vec<String> = conn
        .prepare_cached("SELECT unit FROM case_units WHERE case_id = ?1 ORDER BY unit")
        .and_then(|mut st| {
            st.query_map([key], |r| r.get(0))?
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .map_err(db_err)?;
    let mut identities = Vec::new();
    if let (Some(cat), Some(loc)) = (&row.category, &row.locality) {
        let mut st = conn
            .prepare_cached(
                "SELECT 1 FROM identities WHERE key = ?1 AND category = ?2 AND locality = ?3 AND case_id = ?4",
            )
            .map_err(db_err)?;
        for k in identity_keys {
            if st.exists(params![k, cat, loc, key]).map_err(db_err)? {
                identities.push(k.clone());
            }
        }
    }
    decode(id, row, clocks, supervisions, units, identities).map(Some)
}

fn select(columns: &str, from: &str) -> String {
    format!("SELECT {columns} FROM {from}")
}

/// The rows `sql` gives for `key`, each read by `read` from its first column on.
fn read_all<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    key: &str,
    read: fn(&dyn Columns, usize) -> Result<T>,
) -> Result<Vec<T>> {
    let mut st = conn.prepare_cached(sql).map_err(db_err)?;
    let mut rows = st.query([key]).map_err(db_err)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db_err)? {
        out.push(read(r, 0)?);
    }
    Ok(out)
}

impl Columns for rusqlite::Row<'_> {
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        self.get(i).map_err(db_err)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        self.get(i).map_err(db_err)
    }
    fn opt_flag(&self, i: usize) -> Result<Option<bool>> {
        Ok(self
            .get::<_, Option<i64>>(i)
            .map_err(db_err)?
            .map(|n| n != 0))
    }
}
