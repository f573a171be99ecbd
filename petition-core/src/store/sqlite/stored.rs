//! Reading a case's query rows back, for `verify` to compare with a replay of the chain.

use rusqlite::{params, OptionalExtension};

use super::{date, db_err, CaseRow, ClockRow, SupervisionRow};
use crate::error::{DomainError, Result, StorageError};
use crate::ids::{CaseId, UnitCode};

/// Reads the query rows of a case back into a [`CaseRow`] (for `verify`); identity rows are looked
/// up by the keys the case should have (extra ones are caught by the row counts). A column that
/// cannot be decoded, or a clock or supervision row whose copy of the registration day or duty
/// flag disagrees with the case, is reported as `integrity` naming the table and key.
pub(super) fn read_stored_row(
    conn: &rusqlite::Connection,
    id: &CaseId,
    identity_keys: &[String],
) -> Result<Option<CaseRow>> {
    use crate::case::data::{Channel, Satisfaction};
    use crate::case::{CaseState, SupervisionGround, SupervisionLevel};
    use crate::clock::ClockKind;
    let bad = |table: &str, key: &str, what: &str| {
        DomainError::from(StorageError::integrity(&format!(
            "table {table}, key {key}: {what} does not match the chain"
        )))
    };
    let unit = |s: Option<String>| -> Result<Option<UnitCode>> {
        s.map(|s| UnitCode::parse(&s).map_err(|_| bad("cases", id.as_str(), "a unit code")))
            .transpose()
    };
    type CaseCols = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        (i64, i64, i64),
        Option<String>,
        i64,
    );
    let row: Option<CaseCols> = conn
        .prepare_cached(
            "SELECT state, holder, lead, first_contact, objection_router, locality, category, channel,
                    registered_on, names, skip_level, collective, repeat, next_tick, last_seq
             FROM cases WHERE id = ?1",
        )
        .and_then(|mut st| {
            st.query_row([id.as_str()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    (r.get(10)?, r.get(11)?, r.get(12)?),
                    r.get(13)?,
                    r.get(14)?,
                ))
            })
            .optional()
        })
        .map_err(db_err)?;
    let Some((
        state,
        holder,
        lead,
        first_contact,
        objection_router,
        locality,
        category,
        channel,
        registered_on,
        names,
        (skip_level, collective, repeat),
        next_tick,
        last_seq,
    )) = row
    else {
        return Ok(None);
    };
    let key = id.as_str();
    let registered_on_text = registered_on.clone();
    let mut clocks = Vec::new();
    {
        let mut st = conn
            .prepare_cached(
                "SELECT idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on
                 FROM clocks WHERE case_id = ?1 ORDER BY idx",
            )
            .map_err(db_err)?;
        let mut rows = st.query([key]).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let idx: i64 = r.get(0).map_err(db_err)?;
            let ck = format!("{key}/{idx}");
            let kind: String = r.get(1).map_err(db_err)?;
            let kind = ClockKind::parse(&kind).ok_or_else(|| bad("clocks", &ck, "the kind"))?;
            let duty: i64 = r.get(2).map_err(db_err)?;
            if (duty != 0) != crate::store::is_duty(kind) {
                return Err(bad("clocks", &ck, "the duty flag"));
            }
            let reg_on: Option<String> = r.get(10).map_err(db_err)?;
            if reg_on != registered_on_text {
                return Err(bad("clocks", &ck, "the registration day"));
            }
            let rating: Option<String> = r.get(9).map_err(db_err)?;
            let rating = match rating {
                None => None,
                Some(s) => Some(
                    Satisfaction::parse(&s)
                        .ok_or_else(|| bad("clocks", &ck, "the rating"))?
                        .as_str(),
                ),
            };
            let met: Option<i64> = r.get(7).map_err(db_err)?;
            clocks.push(ClockRow {
                idx: u32::try_from(idx).map_err(|_| bad("clocks", &ck, "the index"))?,
                kind,
                unit: UnitCode::parse(&r.get::<_, String>(3).map_err(db_err)?)
                    .map_err(|_| bad("clocks", &ck, "the unit"))?,
                started: date(r.get(4).map_err(db_err)?)
                    .ok_or_else(|| bad("clocks", &ck, "the start date"))?,
                due: date(r.get(5).map_err(db_err)?)
                    .ok_or_else(|| bad("clocks", &ck, "the due date"))?,
                stopped_on: date(r.get(6).map_err(db_err)?),
                met: met.map(|m| m != 0),
                lapsed: r.get::<_, i64>(8).map_err(db_err)? != 0,
                rating,
            });
        }
    }
    let mut supervisions = Vec::new();
    {
        let mut st = conn
            .prepare_cached(
                "SELECT id, level, ground, by, unit, respond_by, answered, registered_on
                 FROM supervisions WHERE case_id = ?1 ORDER BY id",
            )
            .map_err(db_err)?;
        let mut rows = st.query([key]).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let n: i64 = r.get(0).map_err(db_err)?;
            let sk = format!("{key}/{n}");
            let reg_on: Option<String> = r.get(7).map_err(db_err)?;
            if reg_on != registered_on_text {
                return Err(bad("supervisions", &sk, "the registration day"));
            }
            let level: String = r.get(1).map_err(db_err)?;
            let ground: String = r.get(2).map_err(db_err)?;
            supervisions.push(SupervisionRow {
                id: u32::try_from(n).map_err(|_| bad("supervisions", &sk, "the number"))?,
                level: SupervisionLevel::parse(&level)
                    .ok_or_else(|| bad("supervisions", &sk, "the level"))?
                    .as_str(),
                ground: SupervisionGround::parse(&ground)
                    .ok_or_else(|| bad("supervisions", &sk, "the ground"))?
                    .as_str(),
                by: UnitCode::parse(&r.get::<_, String>(3).map_err(db_err)?)
                    .map_err(|_| bad("supervisions", &sk, "the issuing unit"))?,
                unit: UnitCode::parse(&r.get::<_, String>(4).map_err(db_err)?)
                    .map_err(|_| bad("supervisions", &sk, "the supervised unit"))?,
                respond_by: date(r.get(5).map_err(db_err)?)
                    .ok_or_else(|| bad("supervisions", &sk, "the respond-by date"))?,
                answered: r.get::<_, i64>(6).map_err(db_err)? != 0,
            });
        }
    }
    let units: Vec<String> = conn
        .prepare_cached("SELECT unit FROM case_units WHERE case_id = ?1 ORDER BY unit")
        .and_then(|mut st| {
            st.query_map([key], |r| r.get(0))?
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .map_err(db_err)?;
    let units = units
        .iter()
        .map(|u| UnitCode::parse(u).map_err(|_| bad("case_units", key, "a unit code")))
        .collect::<Result<Vec<_>>>()?;
    let mut identities = Vec::new();
    if let (Some(cat), Some(loc)) = (&category, &locality) {
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
    Ok(Some(CaseRow {
        id: id.clone(),
        state: CaseState::parse(&state)
            .ok_or_else(|| bad("cases", key, "the state"))?
            .as_str(),
        holder: unit(holder)?,
        lead: unit(lead)?,
        first_contact: unit(first_contact)?,
        objection_router: unit(objection_router)?,
        locality: unit(locality)?,
        category,
        channel: match channel {
            None => None,
            Some(c) => Some(
                Channel::parse(&c)
                    .ok_or_else(|| bad("cases", key, "the channel"))?
                    .as_str(),
            ),
        },
        registered_on: date(registered_on),
        names,
        skip_level: skip_level != 0,
        collective: collective != 0,
        repeat: repeat != 0,
        next_tick: date(next_tick),
        last_seq: u32::try_from(last_seq).map_err(|_| bad("cases", key, "last_seq"))?,
        identities,
        units,
        clocks,
        supervisions,
    }))
}
