//! Writing, continued: the rows a transaction buffers and flushes in batches, the statistics
//! counters, the chain's head.

use super::*;
use crate::store::sql;

/// One column of a batch: its value in every row, bound as one array.
enum Column {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
}

impl Column {
    /// Column `i` of `rows` (its kind is the first row's).
    fn of(rows: &[Vec<Value>], i: usize) -> Result<Self> {
        let bad = || DomainError::from(StorageError::internal("a batch's rows differ in shape"));
        let mut col = match rows.first().and_then(|r| r.get(i)) {
            Some(Value::Int(_)) => Column::Int(Vec::with_capacity(rows.len())),
            Some(Value::Bool(_)) => Column::Bool(Vec::with_capacity(rows.len())),
            Some(Value::Text(_)) => Column::Text(Vec::with_capacity(rows.len())),
            _ => return Err(bad()),
        };
        for r in rows {
            match (&mut col, r.get(i)) {
                (Column::Text(c), Some(Value::Text(v))) => c.push(v.clone()),
                (Column::Int(c), Some(Value::Int(v))) => c.push(*v),
                (Column::Bool(c), Some(Value::Bool(v))) => c.push(*v),
                _ => return Err(bad()),
            }
        }
        Ok(col)
    }
    fn cast(&self) -> &'static str {
        match self {
            Column::Text(_) => "text[]",
            Column::Int(_) => "bigint[]",
            Column::Bool(_) => "boolean[]",
        }
    }
    fn pg(&self) -> &(dyn ToSql + Sync) {
        match self {
            Column::Text(c) => c,
            Column::Int(c) => c,
            Column::Bool(c) => c,
        }
    }
}

impl PgTxn<'_> {
    /// Sends the statistics deltas: one multi-row upsert, then the counters back at zero go.
    // Columns are gathered as tuples of arrays, one array per `unnest` parameter.
    #[allow(clippy::type_complexity)]
    pub(super) fn flush_stats(&mut self) -> Result<()> {
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
        let cols = stats_columns(deltas);
        self.exec(
            ADD_STATS,
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

    /// Writes back the case-number counters counted here.
    pub(super) fn write_counters(&mut self) -> Result<()> {
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
    pub(super) fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let p = std::mem::take(&mut self.pending);
        if !p.cases.is_empty() {
            self.insert_batch("cases", &sql::CASE_COLUMNS, &p.cases, "")?;
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
        let batches = [
            (
                "clocks",
                &sql::CLOCK_COLUMNS[..],
                p.clocks.into_values().collect::<Vec<_>>(),
                "ON CONFLICT(case_id, idx) DO UPDATE SET unit = excluded.unit, due = excluded.due,
                    stopped_on = excluded.stopped_on, met = excluded.met, lapsed = excluded.lapsed,
                    rating = excluded.rating, started = excluded.started",
            ),
            (
                "supervisions",
                &sql::SUPERVISION_COLUMNS[..],
                p.supervisions.into_values().collect(),
                "ON CONFLICT(case_id, id) DO UPDATE SET level = excluded.level, by = excluded.by,
                    respond_by = excluded.respond_by, answered = excluded.answered",
            ),
        ];
        for (table, columns, rows, conflict) in batches {
            if !rows.is_empty() {
                self.insert_batch(table, columns, &rows, conflict)?;
            }
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
            let t = |s: String| Value::Text(Some(s));
            let rows: Vec<Vec<Value>> = (p.identities.into_iter())
                .map(|(k, c, l, id)| vec![t(k), t(c), t(l), t(id)])
                .collect();
            self.insert_batch(
                "identities",
                &["key", "category", "locality", "case_id"],
                &rows,
                "ON CONFLICT DO NOTHING",
            )?;
        }
        Ok(())
    }

    /// Inserts rows in one statement: each column's values bound as one array and spread by
    /// `unnest`; `tail` follows (an `ON CONFLICT` clause).
    fn insert_batch(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Value>],
        tail: &str,
    ) -> Result<()> {
        let cols = (0..columns.len())
            .map(|i| Column::of(rows, i))
            .collect::<Result<Vec<Column>>>()?;
        let arrays: Vec<String> = (cols.iter().enumerate())
            .map(|(i, c)| format!("${}::{}", i + 1, c.cast()))
            .collect();
        let q = format!(
            "INSERT INTO {table}({}) SELECT * FROM unnest({}) {tail}",
            columns.join(", "),
            arrays.join(", ")
        );
        let args: Vec<&(dyn ToSql + Sync)> = cols.iter().map(Column::pg).collect();
        self.exec(&q, &args)?;
        Ok(())
    }

    /// The chain's head position: locked in a write transaction (so appends are totally ordered),
    /// read in a read transaction.
    pub(super) fn head_pos(&mut self) -> Result<u64> {
        if let Some(h) = self.head {
            return Ok(h);
        }
        let pos = self.stored_head("chain")? as u64;
        // With the head locked, no other write can commit before this one: the settings its
        // decisions were made under must still be the stored ones.
        if self.write && !self.settings_moved {
            if let Some(seen) = self.settings_seen.clone() {
                if self.stored_settings_version()? != seen {
                    return Err(DomainError::from(StorageError::Conflict));
                }
            }
        }
        self.head = Some(pos);
        Ok(pos)
    }

    /// The stored position of a head (`chain` or `access`): locked in a write transaction, so
    /// appends are totally ordered.
    pub(super) fn stored_head(&mut self, name: &str) -> Result<i64> {
        let sql = if self.write {
            "SELECT pos FROM heads WHERE name = $1 FOR UPDATE"
        } else {
            "SELECT pos FROM heads WHERE name = $1"
        };
        match self.row(sql, &[&name])? {
            Some(r) => get(&r, 0),
            None => Ok(0),
        }
    }

    /// Stores an entry sealed by the service at the next position (`conflict` at any other).
    pub(super) fn push(
        &mut self,
        sealed: &StoredEntry,
        case: Option<(&str, u32)>,
        ty: &str,
    ) -> Result<()> {
        let last = self.head_pos()?;
        if sealed.gseq != last + 1 {
            return Err(DomainError::from(StorageError::Conflict));
        }
        let (case_id, seq) = case.unzip();
        if let Some((c, n)) = case {
            self.pending.chain_cases.insert(c.to_string());
            // This transaction's last sequence number of the case ([`PgTxn::last_seq`]).
            self.seqs.insert(c.to_string(), n);
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
}

/// The counters' columns, as arrays for `unnest`.
pub(super) type StatsColumns = (
    Vec<i64>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
    Vec<i64>,
);

/// Counter changes as [`StatsColumns`].
pub(super) fn stats_columns(
    deltas: impl IntoIterator<Item = (crate::stats::CounterKey, i64)>,
) -> StatsColumns {
    let mut cols = StatsColumns::default();
    for (k, n) in deltas {
        cols.0.push(i64::from(k.grouping));
        cols.1.push(k.day.to_string());
        cols.2.push(k.key);
        cols.3.push(k.item);
        cols.4
            .push(k.due.map(|d| d.to_string()).unwrap_or_default());
        cols.5.push(n);
    }
    cols
}

/// Adds counter changes ([`StatsColumns`] as `$1`…`$6`) to `stats`.
pub(super) const ADD_STATS: &str = "INSERT INTO stats(grouping, day, key, item, due, n)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
     ON CONFLICT(grouping, day, key, item, due) DO UPDATE SET n = stats.n + excluded.n";
