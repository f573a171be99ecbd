//! Writing a case's rows: the events appended with their chain entries, the query rows diffed
//! against what is stored, the statistics counters that moved.

use super::*;

impl SqliteTxn<'_> {
    pub(super) fn append_sql(
        &mut self,
        expected_seq: u32,
        events: Finished<'_, [Event]>,
        sealed: Finished<'_, [StoredEntry]>,
    ) -> Result<()> {
        let events: &[Event] = &events;
        let sealed: &[StoredEntry] = &sealed;

        let Some(first) = events.first() else {
            return Ok(());
        };
        let last: u32 = self
            .tx
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM chain WHERE case_id = ?1")
            .and_then(|mut st| st.query_row([first.case.as_str()], |r| r.get(0)))
            .map_err(db_err)?;
        if last != expected_seq {
            return Err(DomainError::from(StorageError::Conflict));
        }
        if sealed.len() != events.len() {
            return Err(DomainError::from(StorageError::internal(
                "every event needs its sealed chain entry",
            )));
        }
        for (i, (e, s)) in events.iter().zip(sealed).enumerate() {
            if e.case != first.case || e.seq != expected_seq + 1 + i as u32 {
                return Err(DomainError::from(StorageError::internal(
                    "events out of sequence",
                )));
            }
            self.push(s, Some((e.case.as_str(), e.seq)), e.kind.type_name())?;
        }
        Ok(())
    }

    pub(super) fn put_case_sql(
        &mut self,
        before: Finished<'_, Case>,
        case: Finished<'_, Case>,
    ) -> Result<()> {
        let before: &Case = &before;
        let case: &Case = &case;

        let (old, r) = CaseRow::change(before, case);
        let opt = |u: &Option<UnitCode>| u.as_ref().map(|u| u.as_str().to_string());
        if before.seq == 0 {
            self.tx
                .prepare_cached(
                    "INSERT INTO cases(id, state, holder, lead, first_contact, objection_router, locality, category, channel,
                        registered_on, names, skip_level, collective, repeat, next_tick, last_seq, registered_at, officer)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        r.id.as_str(),
                        r.state,
                        opt(&r.holder),
                        opt(&r.lead),
                        opt(&r.first_contact),
                        opt(&r.objection_router),
                        opt(&r.locality),
                        r.category,
                        r.channel,
                        r.registered_on.map(|d| d.to_string()),
                        r.names,
                        b(r.skip_level),
                        b(r.collective),
                        b(r.repeat),
                        r.next_tick.map(|d| d.to_string()),
                        r.last_seq,
                        case.registered_at.map(|t| t.to_rfc3339()),
                        r.officer.as_ref().map(|o| o.as_str().to_string())
                    ])
                })
                .map_err(db_err)?;
        } else {
            // Only the columns that changed, so SQLite touches only the indexes over them.
            let mut set = String::new();
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(r.id.as_str().to_string())];
            let mut col = |name: &str, v: Box<dyn rusqlite::ToSql>| {
                args.push(v);
                if !set.is_empty() {
                    set.push_str(", ");
                }
                set.push_str(&format!("{name} = ?{}", args.len()));
            };
            if r.state != old.state {
                col("state", Box::new(r.state));
            }
            if r.holder != old.holder {
                col("holder", Box::new(opt(&r.holder)));
            }
            if r.lead != old.lead {
                col("lead", Box::new(opt(&r.lead)));
            }
            if r.objection_router != old.objection_router {
                col("objection_router", Box::new(opt(&r.objection_router)));
            }
            if r.officer != old.officer {
                col(
                    "officer",
                    Box::new(r.officer.as_ref().map(|o| o.as_str().to_string())),
                );
            }
            if r.next_tick != old.next_tick {
                col("next_tick", Box::new(r.next_tick.map(|d| d.to_string())));
            }
            // A corrected registration (`amend`).
            if r.names != old.names {
                col("names", Box::new(r.names.clone()));
            }
            if r.locality != old.locality {
                col("locality", Box::new(opt(&r.locality)));
            }
            if r.category != old.category {
                col("category", Box::new(r.category.clone()));
            }
            if r.skip_level != old.skip_level {
                col("skip_level", Box::new(b(r.skip_level)));
            }
            if r.collective != old.collective {
                col("collective", Box::new(b(r.collective)));
            }
            if r.repeat != old.repeat {
                col("repeat", Box::new(b(r.repeat)));
            }
            col("last_seq", Box::new(r.last_seq));
            let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
            let n = self
                .tx
                .prepare_cached(&format!("UPDATE cases SET {set} WHERE id = ?1"))
                .and_then(|mut st| st.execute(refs.as_slice()))
                .map_err(db_err)?;
            if n != 1 {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "case {} has events but no query row",
                    r.id
                ))));
            }
        }

        {
            let mut st = self
                .tx
                .prepare_cached(
                    "INSERT INTO clocks(case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                     ON CONFLICT(case_id, idx) DO UPDATE SET unit = excluded.unit, due = excluded.due,
                        stopped_on = excluded.stopped_on, met = excluded.met, lapsed = excluded.lapsed,
                        rating = excluded.rating, started = excluded.started
                     WHERE clocks.unit IS NOT excluded.unit OR clocks.due IS NOT excluded.due
                        OR clocks.stopped_on IS NOT excluded.stopped_on OR clocks.lapsed IS NOT excluded.lapsed
                        OR clocks.rating IS NOT excluded.rating OR clocks.started IS NOT excluded.started
                        OR clocks.met IS NOT excluded.met",
                )
                .map_err(db_err)?;
            for c in r
                .clocks
                .iter()
                .filter(|c| old.clocks.get(c.idx as usize) != Some(*c))
            {
                st.execute(params![
                    r.id.as_str(),
                    c.idx,
                    c.kind.as_str(),
                    b(crate::store::is_duty(c.kind)),
                    c.unit.as_str(),
                    c.started.to_string(),
                    c.due.to_string(),
                    c.stopped_on.map(|d| d.to_string()),
                    c.met.map(b),
                    b(c.lapsed),
                    c.rating,
                    r.registered_on.map(|d| d.to_string())
                ])
                .map_err(db_err)?;
            }
        }
        {
            let mut st = self
                .tx
                .prepare_cached(
                    "INSERT INTO supervisions(case_id, id, level, ground, by, unit, respond_by, answered, registered_on)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT(case_id, id) DO UPDATE SET level = excluded.level, by = excluded.by,
                        respond_by = excluded.respond_by, answered = excluded.answered",
                )
                .map_err(db_err)?;
            for s in r
                .supervisions
                .iter()
                .filter(|s| !old.supervisions.contains(s))
            {
                st.execute(params![
                    r.id.as_str(),
                    s.id,
                    s.level,
                    s.ground,
                    s.by.as_str(),
                    s.unit.as_str(),
                    s.respond_by.to_string(),
                    b(s.answered),
                    r.registered_on.map(|d| d.to_string())
                ])
                .map_err(db_err)?;
            }
        }
        {
            let mut add = self
                .tx
                .prepare_cached("INSERT OR IGNORE INTO case_units(case_id, unit) VALUES (?1, ?2)")
                .map_err(db_err)?;
            for u in r.units.iter().filter(|u| !old.units.contains(u)) {
                add.execute(params![r.id.as_str(), u.as_str()])
                    .map_err(db_err)?;
            }
            let mut gone = self
                .tx
                .prepare_cached("DELETE FROM case_units WHERE case_id = ?1 AND unit = ?2")
                .map_err(db_err)?;
            for u in old.units.iter().filter(|u| !r.units.contains(u)) {
                gone.execute(params![r.id.as_str(), u.as_str()])
                    .map_err(db_err)?;
            }
        }
        if r.search != old.search {
            match &r.search {
                Some(row) => schema::put_search(&self.tx, &r.id, row, old.search.is_some())?,
                None => {
                    self.tx
                        .prepare_cached("DELETE FROM case_text WHERE rowid = ?1")
                        .and_then(|mut st| st.execute([crate::search::order_key(&r.id)]))
                        .map_err(db_err)?;
                }
            }
        }
        let matter = |r: &CaseRow| (r.identities.clone(), r.category.clone(), r.locality.clone());
        if before.seq != 0 && matter(&r) != matter(&old) {
            // A corrected registration: its identity rows move to the new keys and matter.
            if let (Some(category), Some(locality)) = (&old.category, &old.locality) {
                let mut st = self
                    .tx
                    .prepare_cached(
                        "DELETE FROM identities WHERE key = ?1 AND category = ?2 AND locality = ?3 AND case_id = ?4",
                    )
                    .map_err(db_err)?;
                for k in &old.identities {
                    st.execute(params![k, category, locality.as_str(), r.id.as_str()])
                        .map_err(db_err)?;
                }
            }
        }
        if before.seq == 0 || matter(&r) != matter(&old) {
            if let (Some(category), Some(locality)) = (&r.category, &r.locality) {
                let mut st = self
                    .tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO identities(key, category, locality, case_id) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .map_err(db_err)?;
                for k in &r.identities {
                    st.execute(params![k, category, locality.as_str(), r.id.as_str()])
                        .map_err(db_err)?;
                }
            }
        }
        crate::stats::add_changes(&old, &r, &mut self.deltas);
        Ok(())
    }
}
