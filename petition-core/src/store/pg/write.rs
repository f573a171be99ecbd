//! Writing a case's rows: the events appended, the query rows diffed against what is stored, the
//! statistics counters that moved.

use super::*;
use crate::store::sql;

impl PgTxn<'_> {
    /// A case's last sequence number: as this transaction left it, or as stored (no row of this
    /// case is waiting to be sent then).
    pub(super) fn last_seq(&mut self, case: &CaseId) -> Result<u32> {
        if let Some(n) = self.seqs.get(case.as_str()) {
            return Ok(*n);
        }
        let sql = "SELECT coalesce(max(seq), 0) FROM chain WHERE case_id = $1";
        match self.row(sql, &[&case.as_str()])? {
            Some(r) => u32::try_from(get::<i64>(&r, 0)?).map_err(|_| {
                DomainError::from(StorageError::integrity("a sequence number out of range"))
            }),
            None => Ok(0),
        }
    }

    /// Buffers the rows of the shared row diff ([`sql::case_write`]); a stored case's changed
    /// columns are updated at once.
    pub(super) fn put_case_sql(&mut self, w: sql::CaseWrite) -> Result<()> {
        let id = w.id.clone();
        if let Some(accused) = &w.accused {
            self.exec("DELETE FROM case_accused WHERE case_id = $1", &[&id])?;
            if let Some(u) = accused {
                self.exec(
                    "INSERT INTO case_accused(case_id, unit) VALUES ($1, $2)",
                    &[&id, u],
                )?;
            }
        }
        if let Some((system, ext)) = &w.external {
            self.exec(
                "INSERT INTO external_refs(system, ref, case_id) VALUES ($1, $2, $3)",
                &[system, ext, &id],
            )?;
        }
        if let Some(values) = w.insert {
            self.pending.case_ids.insert(id.clone());
            self.pending.cases.push(values);
        } else {
            if self.pending.case_ids.contains(&id) {
                // Its row is still waiting to be inserted: send it first.
                self.flush()?;
            }
            let mut args: Vec<&(dyn ToSql + Sync)> = vec![&id];
            let mut set = Vec::new();
            for (i, (col, v)) in w.update.iter().enumerate() {
                set.push(format!("{col} = ${}", i + 2));
                args.push(v.pg());
            }
            let n = self.exec(
                &format!("UPDATE cases SET {} WHERE id = $1", set.join(", ")),
                &args,
            )?;
            if n != 1 {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "case {id} has events but no query row"
                ))));
            }
        }
        // Keyed by (case, number): the latest row of a transaction wins.
        for (idx, row) in w.clocks {
            self.pending
                .clocks
                .insert((id.clone(), i64::from(idx)), row);
        }
        for (n, row) in w.supervisions {
            self.pending
                .supervisions
                .insert((id.clone(), i64::from(n)), row);
        }
        for u in w.units_added {
            self.pending.units.insert((id.clone(), u), true);
        }
        for u in w.units_removed {
            self.pending.units.insert((id.clone(), u), false);
        }
        match w.search {
            Some(Some(row)) => {
                let num = crate::search::order_key(&w.case);
                self.pending.texts.insert(id.clone(), (num, row));
            }
            Some(None) => {
                self.flush()?;
                self.exec("DELETE FROM case_text WHERE case_id = $1", &[&id])?;
            }
            None => {}
        }
        if let Some(gone) = w.identities_removed {
            // A corrected registration: its identity rows move to the new keys and matter.
            self.flush()?;
            self.exec(
                "DELETE FROM identities WHERE key = ANY($1) AND category = $2 AND locality = $3 AND case_id = $4",
                &[&gone.keys, &gone.category, &gone.locality, &id],
            )?;
        }
        if let Some(new) = w.identities_added {
            for k in new.keys {
                self.pending.identities.push((
                    k,
                    new.category.clone(),
                    new.locality.clone(),
                    id.clone(),
                ));
            }
        }
        Ok(())
    }
}
