//! Reading: the case queries (list, queue, search, due work), the access log, and the stored
//! rows `verify` compares.

use super::*;
use crate::store::sql::{self, Dialect, Filter};
use crate::store::{AccessQuery, DayKey};

impl PgTxn<'_> {
    pub(super) fn find_related_sql(&mut self, m: &Matter<'_>) -> Result<Vec<RelatedCase>> {
        let (keys, category, locality) = (m.keys, m.category, m.locality);
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // Identities waiting to be sent are looked at only when one of them could match.
        let (loc, pending) = (locality.as_str(), &self.pending.identities);
        if pending
            .iter()
            .any(|(k, c, l, _)| c == category && l == loc && keys.contains(k))
        {
            self.flush()?;
        }
        let keys = keys.to_vec();
        let rows = self.rows(
            "SELECT DISTINCT c.id, c.state, c.holder, c.registered_at FROM identities i JOIN cases c ON c.id = i.case_id
             WHERE i.key = ANY($3) AND i.category = $1 AND i.locality = $2 ORDER BY c.id",
            &[&category, &locality.as_str(), &keys],
        )?;
        Self::summaries(rows)
    }

    pub(super) fn related_sql(&mut self, ids: &[CaseId]) -> Result<Vec<RelatedCase>> {
        if ids
            .iter()
            .any(|i| self.pending.case_ids.contains(i.as_str()))
        {
            self.flush()?;
        }
        let mut out = Vec::new();
        for id in ids {
            let rows = self.rows(
                "SELECT id, state, holder, registered_at FROM cases WHERE id = $1",
                &[&id.as_str()],
            )?;
            out.extend(Self::summaries(rows)?);
        }
        Ok(out)
    }

    pub(super) fn search_sql(&mut self, q: &crate::search::SearchQuery) -> Result<Vec<CaseId>> {
        self.flush()?;
        let tsq = schema::search_query(q);
        let before = q
            .before
            .as_ref()
            .map(crate::search::order_key)
            .unwrap_or(i64::MAX);
        let limit = q.limit.min(i64::MAX as usize) as i64;
        let rows = match &q.reach {
            Some(units) if units.is_empty() => return Ok(Vec::new()),
            Some(units) => {
                let units: Vec<String> = units.iter().map(|u| u.as_str().to_string()).collect();
                self.rows(
                    "SELECT t.case_id FROM case_text t WHERE t.doc @@ ($1::text)::tsquery AND t.num < $2
                       AND EXISTS (SELECT 1 FROM case_units cu WHERE cu.case_id = t.case_id AND cu.unit = ANY($4))
                     ORDER BY t.num DESC LIMIT $3",
                    &[&tsq, &before, &limit, &units],
                )?
            }
            None => self.rows(
                "SELECT t.case_id FROM case_text t WHERE t.doc @@ ($1::text)::tsquery AND t.num < $2
                 ORDER BY t.num DESC LIMIT $3",
                &[&tsq, &before, &limit],
            )?,
        };
        rows.iter()
            .map(|r| case_id(&get::<String>(r, 0)?))
            .collect()
    }

    pub(super) fn query_sql(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        self.flush()?;
        let Some(mut f) = Filter::cases(q, Dialect::Postgres) else {
            return Ok(Vec::new());
        };
        let bound = sql::due_bound(q);
        if q.order == Order::Urgent || bound.is_some() {
            // Open duty clocks in due order; the first `limit` distinct cases that pass.
            let m = f.arg(Value::text(bound.unwrap_or(NaiveDate::MAX)));
            let cond = &f.cond;
            // With a LIMIT the planner walks the open-clock index in due order and stops early
            // (without one it plans for every row). A case may have several open clocks, so when
            // the rows run out before `limit` distinct cases, ask again for more.
            let cap_arg = f.args.len() + 1;
            let sql = format!(
                "SELECT k.case_id, c.registered_on FROM clocks k JOIN cases c ON c.id = k.case_id
                 WHERE k.stopped_on IS NULL AND k.duty AND k.due <= {m}{cond}
                 ORDER BY k.due, k.case_id LIMIT ${cap_arg}"
            );
            let (limit, offset) = (q.limit, q.offset);
            let mut cap = (limit.saturating_add(offset).saturating_mul(4))
                .clamp(64, i64::MAX as usize) as i64;
            let out = loop {
                let mut refs: Vec<&(dyn ToSql + Sync)> = f.args.iter().map(Value::pg).collect();
                refs.push(&cap);
                let rows = self.rows(&sql, &refs)?;
                let mut out: Vec<(Option<String>, String)> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                let mut skipped = 0;
                for r in &rows {
                    if out.len() >= limit {
                        break;
                    }
                    let id: String = get(r, 0)?;
                    if seen.insert(id.clone()) {
                        if skipped < offset {
                            skipped += 1;
                        } else {
                            out.push((get(r, 1)?, id));
                        }
                    }
                }
                if out.len() >= limit || (rows.len() as i64) < cap {
                    break out;
                }
                cap = cap.saturating_mul(4);
            };
            let mut out = out;
            if q.order == Order::Newest {
                out.sort_by(|a, b| b.cmp(a));
            }
            return out.iter().map(|(_, id)| case_id(id)).collect();
        }
        let m = f.arg(Value::Int(Some(q.limit.min(i64::MAX as usize) as i64)));
        let o = f.arg(Value::Int(Some(q.offset.min(i64::MAX as usize) as i64)));
        let sql = format!(
            "SELECT c.id FROM cases c WHERE true{} ORDER BY c.registered_on DESC, c.id DESC LIMIT {m} OFFSET {o}",
            f.cond
        );
        let refs: Vec<&(dyn ToSql + Sync)> = f.args.iter().map(Value::pg).collect();
        self.ids(&sql, &refs)
    }

    pub(super) fn queue_count_sql(&mut self, unit: &UnitCode) -> Result<u64> {
        self.flush()?;
        let row = self.row(
            &sql::queue_count_sql(sql::Dialect::Postgres),
            &[&unit.as_str()],
        )?;
        Ok(row.map_or(Ok(0), |r| get::<i64>(&r, 0))?.max(0) as u64)
    }
    pub(super) fn queue_sql(
        &mut self,
        unit: &UnitCode,
        limit: usize,
    ) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        self.flush()?;
        // Four sources, each in date order and cut at `limit` distinct cases (see the SQLite
        // store for why the merge is exact).
        // A busy petition office's follow-ups are walked through the open duty clocks in due
        // order; a unit with few reads them all and sorts (see the SQLite store).
        let busy = self
            .row(
                "SELECT count(*) FROM (SELECT 1 FROM cases WHERE first_contact = $1
                    AND state IN ('registered', 'routed') LIMIT $2) AS f",
                &[&unit.as_str(), &FOLLOW_UPS_WALKED],
            )?
            .map_or(Ok(0), |r| get::<i64>(&r, 0))?
            >= FOLLOW_UPS_WALKED;
        let follow_ups = if busy {
            "SELECT k.case_id, k.due FROM clocks k JOIN cases c ON c.id = k.case_id
              WHERE k.stopped_on IS NULL AND k.duty
                AND c.first_contact = $1 AND c.state IN ('registered', 'routed') AND c.holder IS DISTINCT FROM $1
              ORDER BY k.due, k.case_id"
        } else {
            "SELECT c.id, (SELECT min(due) FROM clocks k WHERE k.case_id = c.id AND k.stopped_on IS NULL AND k.duty) AS d
               FROM cases c WHERE c.first_contact = $1 AND c.state IN ('registered', 'routed') AND c.holder IS DISTINCT FROM $1
               ORDER BY d, c.id"
        };
        let sources = [
            "SELECT case_id, due FROM clocks WHERE unit = $1 AND stopped_on IS NULL AND duty ORDER BY due, case_id",
            follow_ups,
            "SELECT id, NULL::text FROM cases WHERE objection_router = $1 ORDER BY id",
            "SELECT case_id, respond_by FROM supervisions WHERE by = $1 AND NOT answered ORDER BY respond_by, case_id",
        ];
        let mut merge = crate::store::raw::QueueMerge::default();
        for sql in sources {
            // LIMIT lets the planner stop early; ask for more when a source's rows (a case may
            // appear in several) run out before `limit` distinct cases.
            let sql = format!("{sql} LIMIT $2");
            let mut cap = (limit.saturating_mul(4)).clamp(64, i64::MAX as usize) as i64;
            let rows = loop {
                let rows = self.rows(&sql, &[&unit.as_str(), &cap])?;
                let distinct: std::collections::HashSet<String> =
                    rows.iter().filter_map(|r| r.try_get(0).ok()).collect();
                if distinct.len() >= limit || (rows.len() as i64) < cap {
                    break rows;
                }
                cap = cap.saturating_mul(4);
            };
            let mut taken = std::collections::HashSet::new();
            for r in &rows {
                if taken.len() >= limit {
                    break;
                }
                let id: String = get(r, 0)?;
                taken.insert(id.clone());
                merge.add(id, get(r, 1)?);
            }
        }
        // Undated follow-ups only show when fewer than `limit` cases have a date.
        if busy && merge.dated() < limit {
            let rows = self.rows(
                "SELECT c.id FROM cases c
                  WHERE c.first_contact = $1 AND c.state IN ('registered', 'routed') AND c.holder IS DISTINCT FROM $1
                    AND NOT EXISTS (SELECT 1 FROM clocks k WHERE k.case_id = c.id AND k.stopped_on IS NULL AND k.duty)
                  ORDER BY c.id LIMIT $2",
                &[&unit.as_str(), &(limit.min(i64::MAX as usize) as i64)],
            )?;
            for r in &rows {
                merge.add(get(r, 0)?, None);
            }
        }
        merge.finish(limit)
    }

    pub(super) fn due_for_tick_sql(
        &mut self,
        page: &DuePage<'_>,
    ) -> Result<Vec<(NaiveDate, CaseId)>> {
        self.flush()?;
        let (today, limit) = (page.today, page.limit);
        let (d, id) = page
            .after
            .map(|(d, id)| (d.to_string(), id.as_str().to_string()))
            .unwrap_or_default();
        let rows = self.rows(
            "SELECT next_tick, id FROM cases
             WHERE next_tick IS NOT NULL AND next_tick <= $1 AND (next_tick, id) > ($2, $3)
             ORDER BY next_tick, id LIMIT $4",
            &[&today.to_string(), &d, &id, &(limit as i64)],
        )?;
        let bad = || DomainError::from(StorageError::integrity("bad case row stored"));
        rows.iter()
            .map(|r| {
                Ok((
                    date(get(r, 0)?).ok_or_else(bad)?,
                    case_id(&get::<String>(r, 1)?)?,
                ))
            })
            .collect()
    }

    pub(super) fn access_log_sql(&mut self, q: &AccessQuery<'_>) -> Result<Vec<LoggedDisclosure>> {
        let (case, staff, after, limit) = (q.case, q.staff, q.after, q.limit);
        let after = after.min(i64::MAX as u64) as i64;
        let limit = limit.min(i64::MAX as usize) as i64;
        let rows = match (case, staff) {
            (Some(c), _) => self.rows(
                "SELECT pos, body FROM access_log WHERE case_id = $1 AND pos > $2 ORDER BY pos LIMIT $3",
                &[&c.as_str(), &after, &limit],
            )?,
            (None, Some(s)) => self.rows(
                "SELECT pos, body FROM access_log WHERE staff = $1 AND pos > $2 ORDER BY pos LIMIT $3",
                &[&s.as_str(), &after, &limit],
            )?,
            (None, None) => self.rows(
                "SELECT pos, body FROM access_log WHERE pos > $1 ORDER BY pos LIMIT $2",
                &[&after, &limit],
            )?,
        };
        let mut out = Vec::new();
        for r in rows {
            let d: Disclosure = serde_json::from_str(&get::<String>(&r, 1)?).map_err(json_err)?;
            if staff.is_some_and(|s| &d.staff != s) {
                continue;
            }
            out.push(LoggedDisclosure {
                pos: get::<i64>(&r, 0)? as u64,
                disclosure: d,
            });
        }
        Ok(out)
    }
}

impl crate::store::Derived for PgTxn<'_> {
    fn schema_problem(&mut self) -> Result<Option<String>> {
        let got = schema_objects(self)?;
        Ok(crate::store::schema_check::difference(
            &expected_objects(),
            &got,
        ))
    }
    fn matter_cases(&mut self, m: &crate::store::Matter<'_>) -> Result<Vec<CaseId>> {
        self.flush()?;
        let keys = m.keys.to_vec();
        self.rows(
            "SELECT case_id FROM identities WHERE key = ANY($3) AND category = $1 AND locality = $2",
            &[&m.category, &m.locality.as_str(), &keys],
        )?
        .iter()
        .map(|r| {
            let id = get::<String>(r, 0)?;
            CaseId::parse(&id).map_err(|_| crate::error::DomainError::from(crate::error::StorageError::integrity("bad case id stored")))
        })
        .collect()
    }
    fn events_at(&mut self, id: &CaseId) -> Result<Vec<(u64, crate::case::Event)>> {
        self.flush()?;
        self.rows(
            "SELECT gseq, body FROM chain WHERE case_id = $1 ORDER BY seq",
            &[&id.as_str()],
        )?
        .iter()
        .map(|r| {
            let ev = crate::case::Event::from_json(&get::<String>(r, 1)?).map_err(json_err)?;
            Ok((get::<i64>(r, 0)? as u64, ev))
        })
        .collect()
    }
    fn stored_row(&mut self, id: &CaseId, identity_keys: &[String]) -> Result<Option<CaseRow>> {
        self.flush()?;
        let key = id.as_str();
        let found = match self.prefetched.remove(key) {
            Some(rows) => Some(rows),
            None => self.raw_rows(&[key.to_string()])?.remove(key),
        };
        let Some((row, clocks, supervisions, units)) = found else {
            return Ok(None);
        };
        let mut identities = Vec::new();
        if let (Some(cat), Some(loc)) = (row.category.clone(), row.locality.clone()) {
            for k in identity_keys {
                if self
                    .row(
                        "SELECT 1 FROM identities WHERE key = $1 AND category = $2 AND locality = $3 AND case_id = $4",
                        &[k, &cat, &loc, &key],
                    )?
                    .is_some()
                {
                    identities.push(k.clone());
                }
            }
        }
        decode(id, row, clocks, supervisions, units, identities).map(Some)
    }

    fn cases_by_day(&mut self, after: Option<&DayKey>, limit: usize) -> Result<Vec<DayKey>> {
        self.flush()?;
        let (d, id) = after
            .map(|(d, id)| (d.to_string(), id.as_str().to_string()))
            .unwrap_or_default();
        let rows = self.rows(
            "SELECT registered_on, id FROM cases WHERE (registered_on, id) > ($1, $2)
             ORDER BY registered_on, id LIMIT $3",
            &[&d, &id, &(limit as i64)],
        )?;
        if !self.write {
            // `verify` reads the stored rows of these cases next: fetch them together.
            let ids: Vec<String> = rows.iter().map(|r| get(r, 1)).collect::<Result<_>>()?;
            self.prefetched = self.raw_rows(&ids)?;
        }
        rows.iter()
            .map(|r| {
                let id: String = get(r, 1)?;
                let day = date(get(r, 0)?).ok_or_else(|| {
                    DomainError::from(StorageError::integrity(&format!(
                        "table cases, key {id}: bad registered_on stored"
                    )))
                })?;
                Ok((day, case_id(&id)?))
            })
            .collect()
    }

    fn stats_rows(&mut self, day: NaiveDate) -> Result<Vec<StatsRow>> {
        self.flush_stats()?;
        let rows = self.rows(
            "SELECT grouping, key, item, due, n FROM stats WHERE grouping IN (0, 1, 2, 3) AND day = $1",
            &[&day.to_string()],
        )?;
        rows.iter()
            .map(|r| {
                let due: String = get(r, 3)?;
                Ok(StatsRow {
                    grouping: u8::try_from(get::<i64>(r, 0)?).unwrap_or(u8::MAX),
                    key: get(r, 1)?,
                    item: get(r, 2)?,
                    due: if due.is_empty() {
                        None
                    } else {
                        Some(date(Some(due)).unwrap_or(NaiveDate::MIN))
                    },
                    n: get(r, 4)?,
                })
            })
            .collect()
    }
    fn derived_counts(&mut self) -> Result<[u64; 7]> {
        self.flush_stats()?;
        let mut out = [0u64; 7];
        for (i, t) in crate::store::DERIVED_TABLES.iter().enumerate() {
            out[i] = self.count(&format!("SELECT count(*) FROM {t}"))?;
        }
        Ok(out)
    }
    fn chain_case_count(&mut self) -> Result<u64> {
        self.flush()?;
        self.count("SELECT count(DISTINCT case_id) FROM chain WHERE case_id IS NOT NULL")
    }
    fn year_counters(&mut self) -> Result<std::collections::BTreeMap<i32, u32>> {
        self.write_counters()?;
        self.rows("SELECT year, next FROM counters ORDER BY year", &[])?
            .iter()
            .map(|r| {
                Ok((
                    i32::try_from(get::<i64>(r, 0)?).unwrap_or(i32::MIN),
                    u32::try_from(get::<i64>(r, 1)?).unwrap_or(u32::MAX),
                ))
            })
            .collect()
    }
}

/// The schema objects of this database's PostgreSQL schema, each with its definition as the
/// server prints it (the schema's own name left out, so every petition schema reads the same).
pub(super) fn schema_objects(txn: &mut PgTxn<'_>) -> Result<crate::store::schema_check::Objects> {
    let rows = txn.rows(
        "WITH s AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = current_schema())
         SELECT 'table', c.relname, c.relkind::text || ' rls=' || c.relrowsecurity::text
           FROM pg_class c JOIN s ON c.relnamespace = s.oid WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
         UNION ALL
         SELECT 'index', c.relname, pg_get_indexdef(c.oid)
           FROM pg_class c JOIN s ON c.relnamespace = s.oid WHERE c.relkind = 'i'
         UNION ALL
         SELECT 'trigger', t.tgname || ' on ' || c.relname, pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN s ON c.relnamespace = s.oid
           WHERE NOT t.tgisinternal
         UNION ALL
         SELECT 'rule', r.rulename || ' on ' || c.relname, pg_get_ruledef(r.oid)
           FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN s ON c.relnamespace = s.oid
           WHERE r.rulename <> '_RETURN'
         UNION ALL
         SELECT 'policy', p.polname || ' on ' || c.relname, coalesce(pg_get_expr(p.polqual, p.polrelid), '')
           FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN s ON c.relnamespace = s.oid
         UNION ALL
         SELECT 'function', p.proname, pg_get_functiondef(p.oid)
           FROM pg_proc p JOIN s ON p.pronamespace = s.oid",
        &[],
    )?;
    let schema: String = match txn.row("SELECT current_schema()", &[])? {
        Some(r) => get(&r, 0)?,
        None => String::new(),
    };
    let mut out = crate::store::schema_check::Objects::new();
    for r in rows {
        let (kind, name, def): (String, String, String) = (get(&r, 0)?, get(&r, 1)?, get(&r, 2)?);
        let def = def.replace(&format!("{schema}."), "");
        out.insert((kind, name), crate::store::schema_check::fold(&def));
    }
    Ok(out)
}

/// The schema objects a petition database has on PostgreSQL, as [`schema_objects`] reads them
/// from a new one (`schema.objects`, one `kind\tname\tdefinition` per line; a test keeps it
/// equal to what the migrations make).
pub(super) fn expected_objects() -> crate::store::schema_check::Objects {
    include_str!("schema.objects")
        .lines()
        .filter_map(|l| {
            let mut p = l.splitn(3, '\t');
            Some((
                (p.next()?.to_string(), p.next()?.to_string()),
                p.next()?.to_string(),
            ))
        })
        .collect()
}

/// The schema objects of a new database, as `schema.objects` holds them (tests).
#[cfg(test)]
pub(crate) fn objects_of(store: &mut PgStore) -> Result<String> {
    let mut txn = store.read(crate::store::Gate::new())?;
    let objects = schema_objects(&mut txn)?;
    Ok(objects
        .into_iter()
        .map(|((kind, name), def)| format!("{kind}\t{name}\t{def}\n"))
        .collect())
}
