//! Writing a case's rows: the events appended, the query rows diffed against what is stored, the
//! statistics counters that moved.

use super::*;

impl PgTxn<'_> {
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
        // The case's last sequence number: as this transaction left it, or as stored (no row of
        // this case is waiting to be sent then).
        let last: i64 = match self.seqs.get(first.case.as_str()) {
            Some(n) => i64::from(*n),
            None => match self.row(
                "SELECT coalesce(max(seq), 0) FROM chain WHERE case_id = $1",
                &[&first.case.as_str()],
            )? {
                Some(r) => get(&r, 0)?,
                None => 0,
            },
        };
        if last != i64::from(expected_seq) {
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
            self.seqs.insert(e.case.as_str().to_string(), e.seq);
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
        let id = r.id.as_str().to_string();
        let last_seq = i64::from(r.last_seq);
        let registered_on = r.registered_on.map(|d| d.to_string());
        if before.seq == 0 {
            self.pending.case_ids.insert(id.clone());
            self.pending.cases.push(NewCase {
                id: id.clone(),
                state: r.state.to_string(),
                holder: opt(&r.holder),
                lead: opt(&r.lead),
                first_contact: opt(&r.first_contact),
                objection_router: opt(&r.objection_router),
                locality: opt(&r.locality),
                category: r.category.clone(),
                channel: r.channel.map(str::to_string),
                registered_on: registered_on.clone(),
                names: r.names.clone(),
                skip_level: r.skip_level,
                collective: r.collective,
                repeat: r.repeat,
                next_tick: r.next_tick.map(|d| d.to_string()),
                last_seq,
                registered_at: case.registered_at.map(|t| t.to_rfc3339()),
                officer: r.officer.as_ref().map(|o| o.as_str().to_string()),
            });
        } else {
            if self.pending.case_ids.contains(&id) {
                // Its row is still waiting to be inserted: send it first.
                self.flush()?;
            }
            // Only the columns that changed.
            let mut set = vec!["last_seq = $2".to_string()];
            let mut args: Vec<Box<dyn ToSql + Sync>> =
                vec![Box::new(id.clone()), Box::new(last_seq)];
            let mut col = |name: &str, v: Box<dyn ToSql + Sync>| {
                args.push(v);
                set.push(format!("{name} = ${}", args.len()));
            };
            if r.state != old.state {
                col("state", Box::new(r.state.to_string()));
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
                col("skip_level", Box::new(r.skip_level));
            }
            if r.collective != old.collective {
                col("collective", Box::new(r.collective));
            }
            if r.repeat != old.repeat {
                col("repeat", Box::new(r.repeat));
            }
            let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
            let n = self.exec(
                &format!("UPDATE cases SET {} WHERE id = $1", set.join(", ")),
                &refs,
            )?;
            if n != 1 {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "case {id} has events but no query row"
                ))));
            }
        }
        for c in r
            .clocks
            .iter()
            .filter(|c| old.clocks.get(c.idx as usize) != Some(*c))
        {
            self.pending.clocks.insert(
                (id.clone(), i64::from(c.idx)),
                ClockVals {
                    kind: c.kind.as_str().to_string(),
                    duty: crate::store::is_duty(c.kind),
                    unit: c.unit.as_str().to_string(),
                    started: c.started.to_string(),
                    due: c.due.to_string(),
                    stopped_on: c.stopped_on.map(|d| d.to_string()),
                    met: c.met,
                    lapsed: c.lapsed,
                    rating: c.rating.map(str::to_string),
                    registered_on: registered_on.clone(),
                },
            );
        }
        for sv in r
            .supervisions
            .iter()
            .filter(|s| !old.supervisions.contains(s))
        {
            self.pending.supervisions.insert(
                (id.clone(), i64::from(sv.id)),
                SupervisionVals {
                    level: sv.level.to_string(),
                    ground: sv.ground.to_string(),
                    by: sv.by.as_str().to_string(),
                    unit: sv.unit.as_str().to_string(),
                    respond_by: sv.respond_by.to_string(),
                    answered: sv.answered,
                    registered_on: registered_on.clone(),
                },
            );
        }
        for u in r.units.iter().filter(|u| !old.units.contains(u)) {
            self.pending
                .units
                .insert((id.clone(), u.as_str().to_string()), true);
        }
        for u in old.units.iter().filter(|u| !r.units.contains(u)) {
            self.pending
                .units
                .insert((id.clone(), u.as_str().to_string()), false);
        }
        if r.search != old.search {
            match &r.search {
                Some(row) => {
                    self.pending
                        .texts
                        .insert(id.clone(), (crate::search::order_key(&r.id), row.clone()));
                }
                None => {
                    self.flush()?;
                    self.exec("DELETE FROM case_text WHERE case_id = $1", &[&id])?;
                }
            }
        }
        let matter = |r: &CaseRow| (r.identities.clone(), r.category.clone(), r.locality.clone());
        let moved = before.seq != 0 && matter(&r) != matter(&old);
        if moved {
            // A corrected registration: its identity rows move to the new keys and matter.
            self.flush()?;
            if let (Some(category), Some(locality)) = (&old.category, &old.locality) {
                let keys = old.identities.clone();
                self.exec(
                    "DELETE FROM identities WHERE key = ANY($1) AND category = $2 AND locality = $3 AND case_id = $4",
                    &[&keys, category, &locality.as_str(), &id],
                )?;
            }
        }
        if before.seq == 0 || moved {
            if let (Some(category), Some(locality)) = (&r.category, &r.locality) {
                for k in &r.identities {
                    self.pending.identities.push((
                        k.clone(),
                        category.clone(),
                        locality.as_str().to_string(),
                        id.clone(),
                    ));
                }
            }
        }
        crate::stats::add_changes(&old, &r, &mut self.deltas);
        Ok(())
    }
}
