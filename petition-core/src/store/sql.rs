//! What the two SQL stores (SQLite, PostgreSQL) share: the values bound to statements, the
//! query rows a case's write changes (the row diff), and the case list's filters (the query
//! builder). Each store speaks its own dialect only where the
//! engines differ: parameter marks, lists, how rows are batched and sent.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::case::Case;
use crate::ids::{CaseId, UnitCode};
use crate::projection::CaseRow;
use crate::search::SearchRow;
use crate::stats::CounterKey;
use crate::store::CaseQuery;

/// A value bound to a statement parameter. Dates are stored as ISO text by both engines.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// Text, or NULL.
    Text(Option<String>),
    /// A 64-bit integer, or NULL.
    Int(Option<i64>),
    /// A boolean (SQLite: 0 or 1), or NULL.
    Bool(Option<bool>),
    /// A list of texts: PostgreSQL binds it as one array (`= ANY($n)`); SQLite never gets one.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Texts(Vec<String>),
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Value::Text(t) => t.to_sql(),
            Value::Int(n) => n.to_sql(),
            Value::Bool(b) => b.to_sql(),
            Value::Texts(_) => Err(rusqlite::Error::ToSqlConversionFailure(
                "a list is spread over marks in SQLite".into(),
            )),
        }
    }
}

#[cfg(feature = "postgres")]
impl Value {
    /// The value as the PostgreSQL client binds it.
    pub(crate) fn pg(&self) -> &(dyn postgres::types::ToSql + Sync) {
        match self {
            Value::Text(t) => t,
            Value::Int(n) => n,
            Value::Bool(b) => b,
            Value::Texts(l) => l,
        }
    }
}

impl Value {
    pub(crate) fn text(s: impl ToString) -> Self {
        Value::Text(Some(s.to_string()))
    }
    fn opt(s: Option<impl ToString>) -> Self {
        Value::Text(s.map(|s| s.to_string()))
    }
    fn int(n: impl Into<i64>) -> Self {
        Value::Int(Some(n.into()))
    }
    fn bool(b: bool) -> Self {
        Value::Bool(Some(b))
    }
}

/// The columns of `cases`, in the order [`CaseWrite::insert`] holds their values.
pub(crate) const CASE_COLUMNS: [&str; 18] = [
    "id",
    "state",
    "holder",
    "lead",
    "first_contact",
    "objection_router",
    "locality",
    "category",
    "channel",
    "registered_on",
    "names",
    "skip_level",
    "collective",
    "repeat",
    "next_tick",
    "last_seq",
    "registered_at",
    "officer",
];

/// The columns of `clocks`, in the order [`CaseWrite::clocks`] holds their values.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) const CLOCK_COLUMNS: [&str; 12] = [
    "case_id",
    "idx",
    "kind",
    "duty",
    "unit",
    "started",
    "due",
    "stopped_on",
    "met",
    "lapsed",
    "rating",
    "registered_on",
];

/// The columns of `supervisions`, in the order [`CaseWrite::supervisions`] holds their values.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) const SUPERVISION_COLUMNS: [&str; 9] = [
    "case_id",
    "id",
    "level",
    "ground",
    "by",
    "unit",
    "respond_by",
    "answered",
    "registered_on",
];

/// A case's identity rows under one matter (category and locality).
#[derive(Debug)]
pub(crate) struct Identities {
    pub(crate) category: String,
    pub(crate) locality: String,
    pub(crate) keys: Vec<String>,
}

/// What one case's write changes in the query tables: computed once here, sent by each store
/// its own way (SQLite statement by statement, PostgreSQL in batches).
#[derive(Debug)]
pub(crate) struct CaseWrite {
    /// The case.
    pub(crate) case: CaseId,
    /// Its id as text, as the rows hold it.
    pub(crate) id: String,
    /// A new case: its whole row, in [`CASE_COLUMNS`] order.
    pub(crate) insert: Option<Vec<Value>>,
    /// A stored case: only the columns that changed (so the engine touches only the indexes over
    /// them), `last_seq` always.
    pub(crate) update: Vec<(&'static str, Value)>,
    /// Clock rows to insert or overwrite by index on the case, in [`CLOCK_COLUMNS`] order.
    pub(crate) clocks: Vec<(u32, Vec<Value>)>,
    /// Supervision rows to insert or overwrite by number, in [`SUPERVISION_COLUMNS`] order.
    pub(crate) supervisions: Vec<(u32, Vec<Value>)>,
    /// Units that now appear in the case.
    pub(crate) units_added: Vec<String>,
    /// Units that no longer do.
    pub(crate) units_removed: Vec<String>,
    /// The search row, when it changed (`Some(None)`: removed).
    pub(crate) search: Option<Option<SearchRow>>,
    /// Whether a search row was stored before.
    pub(crate) had_search: bool,
    /// Identity rows to remove (a corrected registration moved them).
    pub(crate) identities_removed: Option<Identities>,
    /// Identity rows to add.
    pub(crate) identities_added: Option<Identities>,
    /// The external reference (system, id) the case now carries and did not before.
    pub(crate) external: Option<(String, String)>,
    /// The accused unit, when it changed (`Some(None)`: no longer an accusation).
    pub(crate) accused: Option<Option<String>>,
}

/// The row diff of a case's write, `before` as stored (`seq` 0: new), `case` as it is now; the
/// statistics counters that moved are added to `deltas`.
pub(crate) fn case_write<S: std::hash::BuildHasher>(
    before: &Case,
    case: &Case,
    deltas: &mut HashMap<CounterKey, i64, S>,
) -> CaseWrite {
    let (old, r) = CaseRow::change(before, case);
    let id = r.id.as_str().to_string();
    let registered_on = Value::opt(r.registered_on);
    let unit = |u: &Option<UnitCode>| Value::opt(u.as_ref().map(UnitCode::as_str));
    let officer = |r: &CaseRow| Value::opt(r.officer.as_ref().map(|o| o.as_str()));
    let insert = (before.seq == 0).then(|| {
        vec![
            Value::text(&id),
            Value::text(r.state),
            unit(&r.holder),
            unit(&r.lead),
            unit(&r.first_contact),
            unit(&r.objection_router),
            unit(&r.locality),
            Value::opt(r.category.as_ref()),
            Value::opt(r.channel),
            registered_on.clone(),
            Value::text(&r.names),
            Value::bool(r.skip_level),
            Value::bool(r.collective),
            Value::bool(r.repeat),
            Value::opt(r.next_tick),
            Value::int(r.last_seq),
            Value::opt(case.registered_at.map(|t| t.to_rfc3339())),
            officer(&r),
        ]
    });
    let mut update = Vec::new();
    if insert.is_none() {
        let mut col = |changed: bool, name: &'static str, v: Value| {
            if changed {
                update.push((name, v));
            }
        };
        col(r.state != old.state, "state", Value::text(r.state));
        col(r.holder != old.holder, "holder", unit(&r.holder));
        col(r.lead != old.lead, "lead", unit(&r.lead));
        col(
            r.objection_router != old.objection_router,
            "objection_router",
            unit(&r.objection_router),
        );
        col(r.officer != old.officer, "officer", officer(&r));
        col(
            r.next_tick != old.next_tick,
            "next_tick",
            Value::opt(r.next_tick),
        );
        // A corrected registration (`amend`).
        col(r.names != old.names, "names", Value::text(&r.names));
        col(r.locality != old.locality, "locality", unit(&r.locality));
        col(
            r.category != old.category,
            "category",
            Value::opt(r.category.as_ref()),
        );
        col(
            r.skip_level != old.skip_level,
            "skip_level",
            Value::bool(r.skip_level),
        );
        col(
            r.collective != old.collective,
            "collective",
            Value::bool(r.collective),
        );
        col(r.repeat != old.repeat, "repeat", Value::bool(r.repeat));
        col(true, "last_seq", Value::int(r.last_seq));
    }
    let clocks = r
        .clocks
        .iter()
        .filter(|c| old.clocks.get(c.idx as usize) != Some(*c))
        .map(|c| {
            let row = vec![
                Value::text(&id),
                Value::int(c.idx),
                Value::text(c.kind.as_str()),
                Value::bool(crate::store::is_duty(c.kind)),
                Value::text(c.unit.as_str()),
                Value::text(c.started),
                Value::text(c.due),
                Value::opt(c.stopped_on),
                Value::Bool(c.met),
                Value::bool(c.lapsed),
                Value::opt(c.rating),
                registered_on.clone(),
            ];
            (c.idx, row)
        })
        .collect();
    let supervisions = r
        .supervisions
        .iter()
        .filter(|s| !old.supervisions.contains(s))
        .map(|s| {
            let row = vec![
                Value::text(&id),
                Value::int(s.id),
                Value::text(s.level),
                Value::text(s.ground),
                Value::text(s.by.as_str()),
                Value::text(s.unit.as_str()),
                Value::text(s.respond_by),
                Value::bool(s.answered),
                registered_on.clone(),
            ];
            (s.id, row)
        })
        .collect();
    let units = |a: &CaseRow, b: &CaseRow| -> Vec<String> {
        a.units
            .iter()
            .filter(|u| !b.units.contains(u))
            .map(|u| u.as_str().to_string())
            .collect()
    };
    let matter = |r: &CaseRow| (r.identities.clone(), r.category.clone(), r.locality.clone());
    let moved = before.seq != 0 && matter(&r) != matter(&old);
    let identities = |r: &CaseRow| match (&r.category, &r.locality) {
        (Some(category), Some(locality)) => Some(Identities {
            category: category.clone(),
            locality: locality.as_str().to_string(),
            keys: r.identities.clone(),
        }),
        _ => None,
    };
    let external_of = |c: &Case| c.registration.as_ref().and_then(|g| g.external_ref.clone());
    let external = match (external_of(before), external_of(case)) {
        (None, Some(r)) => Some((r.system, r.id)),
        _ => None,
    };
    let accused = (before.accused_unit() != case.accused_unit())
        .then(|| case.accused_unit().map(|u| u.as_str().to_string()));
    let write = CaseWrite {
        accused,
        external,
        insert,
        update,
        clocks,
        supervisions,
        units_added: units(&r, &old),
        units_removed: units(&old, &r),
        search: (r.search != old.search).then(|| r.search.clone()),
        had_search: old.search.is_some(),
        // A corrected registration: its identity rows move to the new keys and matter.
        identities_removed: if moved { identities(&old) } else { None },
        identities_added: if before.seq == 0 || moved {
            identities(&r)
        } else {
            None
        },
        id,
        case: r.id.clone(),
    };
    crate::stats::add_changes(&old, &r, deltas);
    write
}

/// A table of JSON values by key (the units, the staff, the settings) and how a value is put.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keyed {
    /// The table.
    pub(crate) table: &'static str,
    /// Its key column.
    pub(crate) key: &'static str,
    /// Its value column.
    pub(crate) value: &'static str,
}

/// The units by code.
pub(crate) const UNITS: Keyed = Keyed {
    table: "units",
    key: "code",
    value: "body",
};
/// The staff by id.
pub(crate) const STAFF: Keyed = Keyed {
    table: "staff",
    key: "id",
    value: "body",
};
/// The settings (policy, calendar, version) by name.
pub(crate) const SETTINGS: Keyed = Keyed {
    table: "settings",
    key: "key",
    value: "value",
};

impl Keyed {
    /// The statement that inserts or replaces a value: the key and the value bound first and
    /// second, in the dialect's marks.
    pub(crate) fn upsert(&self, d: Dialect) -> String {
        let Keyed { table, key, value } = self;
        let (k, v) = match d {
            Dialect::Sqlite => ("?1", "?2"),
            Dialect::Postgres => ("$1", "$2"),
        };
        format!(
            "INSERT INTO {table}({key}, {value}) VALUES ({k}, {v}) \
             ON CONFLICT({key}) DO UPDATE SET {value} = excluded.{value}"
        )
    }
}

/// A value as the JSON text a table keeps.
pub(crate) fn json<T: serde::Serialize + ?Sized>(v: &T) -> crate::error::Result<String> {
    serde_json::to_string(v)
        .map_err(|e| crate::error::DomainError::from(crate::error::StorageError::internal_from(e)))
}

/// The verbs of [`Txn`](super::Txn) that the SQL engines answer alike, written once. The engine's
/// transaction provides what they call: `bodies` (the decoded JSON of a query's rows), `setting`,
/// `upsert` ([`Keyed`]), `bump_version`, `push` (one sealed chain entry), `last_seq` (a
/// case's last sequence number), the `deltas` of the statistics, and its statements `put_case_sql`
/// (a [`CaseWrite`]), `query_sql`, `search_sql`, `queue_sql` and `access_log_sql`.
macro_rules! sql_verbs {
    () => {
        fn org(&mut self) -> Result<$crate::org::Org> {
            let mut org = $crate::org::Org::new();
            for u in self.bodies::<$crate::org::Unit>("SELECT body FROM units")? {
                org.insert_unit_unchecked(u);
            }
            for s in self.bodies::<$crate::org::Staff>("SELECT body FROM staff")? {
                org.insert_staff_unchecked(s);
            }
            Ok(org)
        }
        fn policy(&mut self) -> Result<$crate::policy::Policy> {
            self.setting("policy")
        }
        fn calendar(&mut self) -> Result<$crate::clock::Calendar> {
            self.setting("calendar")
        }
        fn append_admin(&mut self, a: Finished<'_, Sealed<'_, AdminEvent>>) -> Result<()> {
            self.push(a.entry, None, a.value.kind.type_name())
        }
        fn put_unit(&mut self, unit: Finished<'_, $crate::org::Unit>) -> Result<()> {
            let json = $crate::store::sql::json(&*unit)?;
            self.upsert($crate::store::sql::UNITS, unit.code.as_str(), &json)?;
            self.bump_version()
        }
        fn put_staff(&mut self, staff: Finished<'_, $crate::org::Staff>) -> Result<()> {
            let json = $crate::store::sql::json(&*staff)?;
            self.upsert($crate::store::sql::STAFF, staff.id.as_str(), &json)?;
            self.bump_version()
        }
        fn put_settings(&mut self, s: Finished<'_, Settings<'_>>) -> Result<()> {
            let (policy, calendar) = (
                $crate::store::sql::json(s.policy)?,
                $crate::store::sql::json(s.calendar)?,
            );
            self.upsert($crate::store::sql::SETTINGS, "policy", &policy)?;
            self.upsert($crate::store::sql::SETTINGS, "calendar", &calendar)?;
            self.bump_version()
        }
        fn append(&mut self, a: Finished<'_, Append<'_>>) -> Result<()> {
            let Some(first) = a.events.first() else {
                return Ok(());
            };
            let last = self.last_seq(&first.case)?;
            $crate::store::check_append(last, a.expected_seq, a.events, a.sealed)?;
            for (e, s) in a.events.iter().zip(a.sealed) {
                self.push(s, Some((e.case.as_str(), e.seq)), e.kind.type_name())?;
            }
            Ok(())
        }
        fn put_case(
            &mut self,
            before: Finished<'_, Case>,
            after: Finished<'_, Case>,
        ) -> Result<()> {
            let w = $crate::store::sql::case_write(&before, &after, &mut self.deltas);
            self.put_case_sql(w)
        }
        fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
            self.query_sql(q)
        }
        fn search(&mut self, q: &$crate::search::SearchQuery) -> Result<Vec<CaseId>> {
            self.search_sql(q)
        }
        fn queue(
            &mut self,
            unit: &UnitCode,
            limit: usize,
        ) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
            self.queue_sql(unit, limit)
        }
        fn queue_count(&mut self, unit: &UnitCode) -> Result<u64> {
            self.queue_count_sql(unit)
        }
        fn access_log(&mut self, q: &AccessQuery<'_>) -> Result<Vec<LoggedDisclosure>> {
            self.access_log_sql(q)
        }
    };
}

/// How an engine spells what the query builder writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `?1`, lists spread over marks, `instr`.
    Sqlite,
    /// `$1`, lists bound as one array, `strpos`.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// Conditions on the case row (` AND …` each, the row aliased `c`) and the values they bind.
#[derive(Debug)]
pub(crate) struct Filter {
    dialect: Dialect,
    /// The conditions, each starting with ` AND `.
    pub(crate) cond: String,
    /// The values, in mark order.
    pub(crate) args: Vec<Value>,
}

impl Filter {
    /// An empty filter in a dialect.
    pub(crate) fn new(dialect: Dialect) -> Self {
        Self {
            dialect,
            cond: String::new(),
            args: Vec::new(),
        }
    }

    /// Binds a value; returns its mark.
    pub(crate) fn arg(&mut self, v: Value) -> String {
        self.args.push(v);
        match self.dialect {
            Dialect::Sqlite => format!("?{}", self.args.len()),
            Dialect::Postgres => format!("${}", self.args.len()),
        }
    }

    /// `col` is one of `values`.
    fn one_of(&mut self, col: &str, values: Vec<String>) -> String {
        match self.dialect {
            Dialect::Sqlite => {
                let marks: Vec<String> = values
                    .into_iter()
                    .map(|v| self.arg(Value::Text(Some(v))))
                    .collect();
                format!("{col} IN ({})", marks.join(","))
            }
            Dialect::Postgres => {
                let m = self.arg(Value::Texts(values));
                format!("{col} = ANY({m})")
            }
        }
    }

    /// The case list's filters on the case row; `None` when nothing can match (an empty reach).
    pub(crate) fn cases(q: &CaseQuery, dialect: Dialect) -> Option<Self> {
        let mut f = Self::new(dialect);
        let and = |f: &mut Self, c: String| {
            f.cond.push_str(" AND ");
            f.cond.push_str(&c);
        };
        if !q.states.is_empty() {
            let states = q.states.iter().map(|s| s.as_str().to_string()).collect();
            let c = f.one_of("c.state", states);
            and(&mut f, c);
        }
        if let Some(u) = &q.unit {
            let m = f.arg(Value::text(u.as_str()));
            and(&mut f, format!("(c.holder = {m} OR c.lead = {m})"));
        }
        if let Some(p) = &q.petitioner {
            let m = f.arg(Value::text(p));
            let c = match dialect {
                Dialect::Sqlite => format!("instr(c.names, {m}) > 0"),
                Dialect::Postgres => format!("strpos(c.names, {m}) > 0"),
            };
            and(&mut f, c);
        }
        if let Some(o) = &q.officer {
            let m = f.arg(Value::text(o.as_str()));
            and(&mut f, format!("c.officer = {m}"));
        }
        if let Some(d) = q.from {
            let m = f.arg(Value::text(d));
            and(&mut f, format!("c.registered_on >= {m}"));
        }
        if let Some(d) = q.to {
            let m = f.arg(Value::text(d));
            and(&mut f, format!("c.registered_on <= {m}"));
        }
        if let Some(reach) = &q.reach {
            if reach.is_empty() {
                return None;
            }
            let units = reach.iter().map(|u| u.as_str().to_string()).collect();
            let c = f.one_of("cu.unit", units);
            and(
                &mut f,
                format!("EXISTS (SELECT 1 FROM case_units cu WHERE cu.case_id = c.id AND {c})"),
            );
        }
        Some(f)
    }
}

/// The statement counting the cases of a list query (its limit and offset aside), leaving out
/// those accusing `accused`; `None` when nothing can match. The same cases the query walks:
/// with a due bound or in urgency order, those with an open duty clock due by the bound.
pub(crate) fn count_sql(
    q: &CaseQuery,
    accused: Option<&UnitCode>,
    dialect: Dialect,
) -> Option<(String, Vec<Value>)> {
    let mut f = Filter::cases(q, dialect)?;
    if let Some(u) = accused {
        let m = f.arg(Value::text(u.as_str()));
        f.cond.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM case_accused a WHERE a.case_id = c.id AND a.unit = {m})"
        ));
    }
    let bound = due_bound(q);
    let duty = match dialect {
        Dialect::Sqlite => "k.duty = 1",
        Dialect::Postgres => "k.duty",
    };
    let sql = if q.order == crate::store::Order::Urgent || bound.is_some() {
        let m = f.arg(Value::text(bound.unwrap_or(NaiveDate::MAX)));
        format!(
            "SELECT count(DISTINCT k.case_id) FROM clocks k JOIN cases c ON c.id = k.case_id
             WHERE k.stopped_on IS NULL AND {duty} AND k.due <= {m}{}",
            f.cond
        )
    } else {
        format!("SELECT count(*) FROM cases c WHERE 1=1{}", f.cond)
    };
    Some((sql, f.args))
}

/// The statement counting a unit's queue (`$1`/`?1` the unit): the distinct cases of its four
/// sources, leaving out those that accuse it.
pub(crate) fn queue_count_sql(dialect: Dialect) -> String {
    let (u, not, duty, open) = match dialect {
        Dialect::Sqlite => ("?1", "IS NOT", "duty = 1", "answered = 0"),
        Dialect::Postgres => ("$1", "IS DISTINCT FROM", "duty", "NOT answered"),
    };
    format!(
        "SELECT count(*) FROM (
            SELECT case_id AS id FROM clocks WHERE unit = {u} AND stopped_on IS NULL AND {duty}
            UNION SELECT id FROM cases
              WHERE first_contact = {u} AND state IN ('registered', 'routed') AND holder {not} {u}
            UNION SELECT id FROM cases WHERE objection_router = {u}
            UNION SELECT case_id FROM supervisions WHERE by = {u} AND {open}
         ) q WHERE NOT EXISTS (SELECT 1 FROM case_accused a WHERE a.case_id = q.id AND a.unit = {u})"
    )
}

/// A list's due-date bound: before `overdue_on`, or on/before `due_by` (the tighter one).
pub(crate) fn due_bound(q: &CaseQuery) -> Option<NaiveDate> {
    let overdue = q.overdue_on.map(|o| o.pred_opt().unwrap_or(o));
    match (overdue, q.due_by) {
        (Some(o), Some(d)) => Some(o.min(d)),
        (o, d) => o.or(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseState;
    use crate::ids::UnitCode;

    #[test]
    fn the_builder_spells_each_dialect() {
        let q = CaseQuery {
            states: vec![CaseState::Registered, CaseState::Routed],
            reach: Some(vec![UnitCode::parse("A1").expect("test value")]),
            ..CaseQuery::default()
        };
        let s = Filter::cases(&q, Dialect::Sqlite).expect("test value");
        assert_eq!(
            s.cond,
            " AND c.state IN (?1,?2) AND EXISTS (SELECT 1 FROM case_units cu WHERE cu.case_id = c.id AND cu.unit IN (?3))"
        );
        assert_eq!(s.args.len(), 3);
        let p = Filter::cases(&q, Dialect::Postgres).expect("test value");
        assert_eq!(
            p.cond,
            " AND c.state = ANY($1) AND EXISTS (SELECT 1 FROM case_units cu WHERE cu.case_id = c.id AND cu.unit = ANY($2))"
        );
        assert_eq!(
            p.args[0],
            Value::Texts(vec!["registered".into(), "routed".into()])
        );
    }

    #[test]
    fn an_empty_reach_matches_nothing() {
        let q = CaseQuery {
            reach: Some(Vec::new()),
            ..CaseQuery::default()
        };
        assert!(Filter::cases(&q, Dialect::Sqlite).is_none());
    }

    #[test]
    fn the_due_bound_is_the_tighter_one() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test value");
        let mut q = CaseQuery {
            overdue_on: Some(d("2026-03-10")),
            ..CaseQuery::default()
        };
        assert_eq!(due_bound(&q), Some(d("2026-03-09")));
        q.due_by = Some(d("2026-03-05"));
        assert_eq!(due_bound(&q), Some(d("2026-03-05")));
        q.overdue_on = None;
        assert_eq!(due_bound(&q), Some(d("2026-03-05")));
        q.due_by = None;
        assert_eq!(due_bound(&q), None);
    }
}
