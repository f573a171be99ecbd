//! Reading a case's query rows back, for `verify` to compare with a replay of the chain.

use rusqlite::{params, OptionalExtension};

use super::{db_err, CaseRow};
use crate::error::Result;
use crate::ids::CaseId;
use crate::store::raw::{decode, RawCase, RawClock, RawSupervision};

/// Reads the query rows of a case back into a [`CaseRow`] (for `verify`); identity rows are looked
/// up by the keys the case should have (extra ones are caught by the row counts).
pub(super) fn read_stored_row(
    conn: &rusqlite::Connection,
    id: &CaseId,
    identity_keys: &[String],
) -> Result<Option<CaseRow>> {
    let key = id.as_str();
    let row: Option<RawCase> = conn
        .prepare_cached(
            "SELECT state, holder, lead, first_contact, objection_router, locality, category, channel,
                    registered_on, names, skip_level, collective, repeat, next_tick, last_seq, officer
             FROM cases WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.query_row([key], |r| {
                Ok(RawCase {
                    state: r.get(0)?,
                    holder: r.get(1)?,
                    lead: r.get(2)?,
                    first_contact: r.get(3)?,
                    objection_router: r.get(4)?,
                    locality: r.get(5)?,
                    category: r.get(6)?,
                    channel: r.get(7)?,
                    registered_on: r.get(8)?,
                    names: r.get(9)?,
                    skip_level: r.get::<_, i64>(10)? != 0,
                    collective: r.get::<_, i64>(11)? != 0,
                    repeat: r.get::<_, i64>(12)? != 0,
                    next_tick: r.get(13)?,
                    last_seq: r.get(14)?,
                    officer: r.get(15)?,
                    search: None,
                })
            })
            .optional()
        })
        .map_err(db_err)?;
    let Some(mut row) = row else {
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
    let clocks: Vec<RawClock> = conn
        .prepare_cached(
            "SELECT idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on
             FROM clocks WHERE case_id = ?1 ORDER BY idx",
        )
        .and_then(|mut st| {
            st.query_map([key], |r| {
                Ok(RawClock {
                    idx: r.get(0)?,
                    kind: r.get(1)?,
                    duty: r.get::<_, i64>(2)? != 0,
                    unit: r.get(3)?,
                    started: r.get(4)?,
                    due: r.get(5)?,
                    stopped_on: r.get(6)?,
                    met: r.get::<_, Option<i64>>(7)?.map(|m| m != 0),
                    lapsed: r.get::<_, i64>(8)? != 0,
                    rating: r.get(9)?,
                    registered_on: r.get(10)?,
                })
            })?
            .collect()
        })
        .map_err(db_err)?;
    let supervisions: Vec<RawSupervision> = conn
        .prepare_cached(
            "SELECT id, level, ground, by, unit, respond_by, answered, registered_on
             FROM supervisions WHERE case_id = ?1 ORDER BY id",
        )
        .and_then(|mut st| {
            st.query_map([key], |r| {
                Ok(RawSupervision {
                    id: r.get(0)?,
                    level: r.get(1)?,
                    ground: r.get(2)?,
                    by: r.get(3)?,
                    unit: r.get(4)?,
                    respond_by: r.get(5)?,
                    answered: r.get::<_, i64>(6)? != 0,
                    registered_on: r.get(7)?,
                })
            })?
            .collect()
        })
        .map_err(db_err)?;
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
