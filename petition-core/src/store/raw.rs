//! The query rows of a case as a backend reads them back (text and numbers), and their decoding
//! into a [`CaseRow`] for `verify` — one decoder for every backend.

use chrono::NaiveDate;

use super::{CaseRow, ClockRow, SupervisionRow};
use crate::case::data::{Channel, Satisfaction};
use crate::case::{CaseState, SupervisionGround, SupervisionLevel};
use crate::clock::ClockKind;
use crate::error::{DomainError, Result, StorageError};
use crate::ids::{CaseId, UnitCode};

/// A stored row whose columns are read by position: a SQLite or a PostgreSQL row.
pub(crate) trait Columns {
    /// Column `i` as text (`None` for NULL).
    fn opt_text(&self, i: usize) -> Result<Option<String>>;
    /// Column `i` as an integer (`None` for NULL).
    fn opt_int(&self, i: usize) -> Result<Option<i64>>;
    /// Column `i` as a flag (`None` for NULL): SQLite keeps 0 or 1, PostgreSQL a boolean.
    fn opt_flag(&self, i: usize) -> Result<Option<bool>>;
}

/// Reads a row's columns one after another, from a first column on.
struct Cursor<'r> {
    row: &'r dyn Columns,
    next: usize,
}

impl Cursor<'_> {
    /// The next column, as `get` reads it.
    fn take<T>(&mut self, get: fn(&dyn Columns, usize) -> Result<Option<T>>) -> Result<Option<T>> {
        self.next += 1;
        get(self.row, self.next - 1)
    }
    /// The next column, which may not be NULL.
    fn need<T>(&mut self, get: fn(&dyn Columns, usize) -> Result<Option<T>>) -> Result<T> {
        let i = self.next;
        self.take(get)?.ok_or_else(|| {
            StorageError::integrity(&format!("column {i} of a stored row is empty")).into()
        })
    }
    fn opt(&mut self) -> Result<Option<String>> {
        self.take(|r, i| r.opt_text(i))
    }
    fn text(&mut self) -> Result<String> {
        self.need(|r, i| r.opt_text(i))
    }
    fn int(&mut self) -> Result<i64> {
        self.need(|r, i| r.opt_int(i))
    }
    fn opt_flag(&mut self) -> Result<Option<bool>> {
        self.take(|r, i| r.opt_flag(i))
    }
    fn flag(&mut self) -> Result<bool> {
        self.need(|r, i| r.opt_flag(i))
    }
}

/// A stored row's struct, the columns it is read from (its fields' names, in order) and its
/// reader, from one list of fields, each with the [`Cursor`] method that reads it.
macro_rules! raw_row {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty = $how:ident),* $(,)? }
     $(then { $($extra:ident: $xty:ty = $xval:expr),* })?) => {
        $(#[$doc])*
        pub(crate) struct $name {
            $(pub $field: $ty,)*
            $($(pub $extra: $xty,)*)?
        }

        impl $name {
            /// The columns [`Self::read`] reads, in its order.
            pub(crate) const COLUMNS: &'static str = stringify!($($field),*);

            /// Reads [`Self::COLUMNS`] from column `from` of a row on.
            pub(crate) fn read(row: &dyn Columns, from: usize) -> Result<Self> {
                let mut c = Cursor { row, next: from };
                Ok($name {
                    $($field: c.$how()?,)*
                    $($($extra: $xval,)*)?
                })
            }
        }
    };
}

raw_row! {
    /// The `cases` row.
    RawCase {
        state: String = text,
        holder: Option<String> = opt,
        lead: Option<String> = opt,
        first_contact: Option<String> = opt,
        objection_router: Option<String> = opt,
        locality: Option<String> = opt,
        category: Option<String> = opt,
        channel: Option<String> = opt,
        registered_on: Option<String> = opt,
        names: String = text,
        skip_level: bool = flag,
        collective: bool = flag,
        repeat: bool = flag,
        next_tick: Option<String> = opt,
        last_seq: i64 = int,
        officer: Option<String> = opt,
        registered_at: Option<String> = opt,
    }
    // The search index's row, when there is one (read apart).
    then { search: Option<crate::search::SearchRow> = None }
}

raw_row! {
    /// A `clocks` row.
    RawClock {
        idx: i64 = int,
        kind: String = text,
        duty: bool = flag,
        unit: String = text,
        started: String = text,
        due: String = text,
        stopped_on: Option<String> = opt,
        met: Option<bool> = opt_flag,
        lapsed: bool = flag,
        rating: Option<String> = opt,
        registered_on: Option<String> = opt,
    }
}

raw_row! {
    /// A `supervisions` row.
    RawSupervision {
        id: i64 = int,
        level: String = text,
        ground: String = text,
        by: String = text,
        unit: String = text,
        respond_by: String = text,
        answered: bool = flag,
        registered_on: Option<String> = opt,
    }
}

fn date(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// Decodes the rows of one case. A column that cannot be decoded, or a clock or supervision row
/// whose copy of the registration day or duty flag disagrees with the case, is `integrity`
/// naming the table and key.
pub(crate) fn decode(
    id: &CaseId,
    c: RawCase,
    clocks: Vec<RawClock>,
    supervisions: Vec<RawSupervision>,
    units: Vec<String>,
    identities: Vec<String>,
) -> Result<CaseRow> {
    let key = id.as_str();
    let bad = |table: &str, key: &str, what: &str| {
        DomainError::from(StorageError::integrity(&format!(
            "table {table}, key {key}: {what} does not match the chain"
        )))
    };
    let unit = |s: Option<String>| -> Result<Option<UnitCode>> {
        s.map(|s| UnitCode::parse(&s).map_err(|_| bad("cases", key, "a unit code")))
            .transpose()
    };
    let mut clock_rows = Vec::new();
    for r in clocks {
        let ck = format!("{key}/{}", r.idx);
        let kind = ClockKind::parse(&r.kind).ok_or_else(|| bad("clocks", &ck, "the kind"))?;
        if r.duty != super::is_duty(kind) {
            return Err(bad("clocks", &ck, "the duty flag"));
        }
        if r.registered_on != c.registered_on {
            return Err(bad("clocks", &ck, "the registration day"));
        }
        let rating = match r.rating {
            None => None,
            Some(s) => Some(
                Satisfaction::parse(&s)
                    .ok_or_else(|| bad("clocks", &ck, "the rating"))?
                    .as_str(),
            ),
        };
        clock_rows.push(ClockRow {
            idx: u32::try_from(r.idx).map_err(|_| bad("clocks", &ck, "the index"))?,
            kind,
            unit: UnitCode::parse(&r.unit).map_err(|_| bad("clocks", &ck, "the unit"))?,
            started: date(Some(&r.started)).ok_or_else(|| bad("clocks", &ck, "the start date"))?,
            due: date(Some(&r.due)).ok_or_else(|| bad("clocks", &ck, "the due date"))?,
            stopped_on: date(r.stopped_on.as_deref()),
            met: r.met,
            lapsed: r.lapsed,
            rating,
        });
    }
    let mut supervision_rows = Vec::new();
    for r in supervisions {
        let sk = format!("{key}/{}", r.id);
        if r.registered_on != c.registered_on {
            return Err(bad("supervisions", &sk, "the registration day"));
        }
        supervision_rows.push(SupervisionRow {
            id: u32::try_from(r.id).map_err(|_| bad("supervisions", &sk, "the number"))?,
            level: SupervisionLevel::parse(&r.level)
                .ok_or_else(|| bad("supervisions", &sk, "the level"))?
                .as_str(),
            ground: SupervisionGround::parse(&r.ground)
                .ok_or_else(|| bad("supervisions", &sk, "the ground"))?
                .as_str(),
            by: UnitCode::parse(&r.by).map_err(|_| bad("supervisions", &sk, "the issuing unit"))?,
            unit: UnitCode::parse(&r.unit)
                .map_err(|_| bad("supervisions", &sk, "the supervised unit"))?,
            respond_by: date(Some(&r.respond_by))
                .ok_or_else(|| bad("supervisions", &sk, "the respond-by date"))?,
            answered: r.answered,
        });
    }
    let units = units
        .iter()
        .map(|u| UnitCode::parse(u).map_err(|_| bad("case_units", key, "a unit code")))
        .collect::<Result<Vec<_>>>()?;
    Ok(CaseRow {
        id: id.clone(),
        state: CaseState::parse(&c.state)
            .ok_or_else(|| bad("cases", key, "the state"))?
            .as_str(),
        holder: unit(c.holder)?,
        lead: unit(c.lead)?,
        first_contact: unit(c.first_contact)?,
        objection_router: unit(c.objection_router)?,
        officer: match c.officer {
            None => None,
            Some(o) => {
                Some(crate::ids::StaffId::parse(&o).map_err(|_| bad("cases", key, "the officer"))?)
            }
        },
        locality: unit(c.locality)?,
        category: c.category,
        channel: match c.channel {
            None => None,
            Some(ch) => Some(
                Channel::parse(&ch)
                    .ok_or_else(|| bad("cases", key, "the channel"))?
                    .as_str(),
            ),
        },
        headcount: 0,
        registered_on: date(c.registered_on.as_deref()),
        registered_at: c.registered_at,
        names: c.names,
        skip_level: c.skip_level,
        collective: c.collective,
        repeat: c.repeat,
        next_tick: date(c.next_tick.as_deref()),
        last_seq: u32::try_from(c.last_seq).map_err(|_| bad("cases", key, "last_seq"))?,
        identities,
        search: c.search,
        units,
        clocks: clock_rows,
        supervisions: supervision_rows,
    })
}

/// From this many cases a unit registered that no one has accepted yet (a busy petition office),
/// a store's queue finds the most urgent of them by walking the open duty clocks in due order
/// instead of reading them all and sorting (at 1M cases the county office has 73,000 of them:
/// sorting took 350 ms a `queue`). Low in tests, so the model and conformance tests compare both
/// ways with the memory store.
#[cfg(not(test))]
pub(crate) const FOLLOW_UPS_WALKED: i64 = 2000;
#[cfg(test)]
pub(crate) const FOLLOW_UPS_WALKED: i64 = 2;

/// A unit's queue merged from its sources (open duty clocks, first-contact follow-ups, objections
/// to rule on, supervisions to answer): each case once, at its earliest date; undated ones last.
#[derive(Default)]
pub(crate) struct QueueMerge {
    best: std::collections::HashMap<String, Option<String>>,
}

impl QueueMerge {
    /// A case from one source, with the date that makes it urgent there.
    pub(crate) fn add(&mut self, id: String, due: Option<String>) {
        let e = self.best.entry(id).or_insert(None);
        *e = match (e.take(), due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// How many cases have a date so far.
    pub(crate) fn dated(&self) -> usize {
        self.best.values().filter(|d| d.is_some()).count()
    }

    /// The first `limit` cases, most urgent first (ties by id). Each source must have given its
    /// own first `limit` distinct cases: a case in the overall first `limit` has its earliest
    /// date in some source, where fewer than `limit` other cases come before it, so this is exact.
    pub(crate) fn finish(self, limit: usize) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        let mut out: Vec<(String, Option<String>)> = self.best.into_iter().collect();
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
                        DomainError::from(StorageError::integrity("bad case id stored"))
                    })?,
                    date(d.as_deref()),
                ))
            })
            .collect()
    }
}
