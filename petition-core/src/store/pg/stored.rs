//! A case's query rows read back as stored (for `verify`).

use super::*;

impl PgTxn<'_> {
    /// The stored query rows of these cases (identities aside), in four statements.
    pub(super) fn raw_rows(&mut self, ids: &[String]) -> Result<HashMap<String, StoredRows>> {
        let mut out: HashMap<String, StoredRows> = HashMap::new();
        let ids = ids.to_vec();
        for r in self.rows(
            "SELECT id, state, holder, lead, first_contact, objection_router, locality, category, channel,
                    registered_on, names, skip_level, collective, repeat, next_tick, last_seq, officer
             FROM cases WHERE id = ANY($1)",
            &[&ids],
        )? {
            let raw = RawCase {
                state: get(&r, 1)?,
                holder: get(&r, 2)?,
                lead: get(&r, 3)?,
                first_contact: get(&r, 4)?,
                objection_router: get(&r, 5)?,
                locality: get(&r, 6)?,
                category: get(&r, 7)?,
                channel: get(&r, 8)?,
                registered_on: get(&r, 9)?,
                names: get(&r, 10)?,
                skip_level: get(&r, 11)?,
                collective: get(&r, 12)?,
                repeat: get(&r, 13)?,
                next_tick: get(&r, 14)?,
                last_seq: get(&r, 15)?,
                officer: get(&r, 16)?,
                search: None,
            };
            out.insert(get(&r, 0)?, (raw, Vec::new(), Vec::new(), Vec::new()));
        }
        for r in self.rows(
            "SELECT case_id, idx, kind, duty, unit, started, due, stopped_on, met, lapsed, rating, registered_on
             FROM clocks WHERE case_id = ANY($1) ORDER BY case_id, idx",
            &[&ids],
        )? {
            let case: String = get(&r, 0)?;
            let clock = RawClock {
                idx: get(&r, 1)?,
                kind: get(&r, 2)?,
                duty: get(&r, 3)?,
                unit: get(&r, 4)?,
                started: get(&r, 5)?,
                due: get(&r, 6)?,
                stopped_on: get(&r, 7)?,
                met: get(&r, 8)?,
                lapsed: get(&r, 9)?,
                rating: get(&r, 10)?,
                registered_on: get(&r, 11)?,
            };
            // A row of a case without a `cases` row is left to `verify`'s row counts.
            if let Some(e) = out.get_mut(&case) {
                e.1.push(clock);
            }
        }
        for r in self.rows(
            "SELECT case_id, id, level, ground, by, unit, respond_by, answered, registered_on
             FROM supervisions WHERE case_id = ANY($1) ORDER BY case_id, id",
            &[&ids],
        )? {
            let case: String = get(&r, 0)?;
            let sup = RawSupervision {
                id: get(&r, 1)?,
                level: get(&r, 2)?,
                ground: get(&r, 3)?,
                by: get(&r, 4)?,
                unit: get(&r, 5)?,
                respond_by: get(&r, 6)?,
                answered: get(&r, 7)?,
                registered_on: get(&r, 8)?,
            };
            // A row of a case without a `cases` row is left to `verify`'s row counts.
            if let Some(e) = out.get_mut(&case) {
                e.2.push(sup);
            }
        }
        for r in self.rows(
            "SELECT case_id, unit FROM case_units WHERE case_id = ANY($1) ORDER BY case_id, unit",
            &[&ids],
        )? {
            let case: String = get(&r, 0)?;
            // A row of a case without a `cases` row is left to `verify`'s row counts.
            if let Some(e) = out.get_mut(&case) {
                e.3.push(get(&r, 1)?);
            }
        }
        // The search rows, and whether each stored `doc` is the one its stored text gives: the
        // documents are built here and normalised by PostgreSQL as the stored ones were, all of
        // this page's in one statement.
        let mut texts = Vec::new();
        for r in self.rows(
            "SELECT case_id, text, names, numbers, doc::text, num FROM case_text WHERE case_id = ANY($1)",
            &[&ids],
        )? {
            let found = crate::search::SearchRow {
                text: get(&r, 1)?,
                names: get(&r, 2)?,
                numbers: get(&r, 3)?,
            };
            texts.push((
                get::<String>(&r, 0)?,
                found,
                get::<String>(&r, 4)?,
                get::<i64>(&r, 5)?,
            ));
        }
        if !texts.is_empty() {
            let docs: Vec<String> = texts.iter().map(|t| schema::search_doc(&t.1)).collect();
            let wants = self.rows(
                "SELECT (d::tsvector)::text FROM unnest($1::text[]) WITH ORDINALITY AS w(d, i) ORDER BY i",
                &[&docs],
            )?;
            if wants.len() != texts.len() {
                return Err(DomainError::from(StorageError::internal(
                    "a search document was not normalised",
                )));
            }
            for ((case, found, doc, num), want) in texts.into_iter().zip(wants) {
                let want: String = get(&want, 0)?;
                let key = CaseId::parse(&case).map(|id| crate::search::order_key(&id));
                let row = if doc == want && key.is_ok_and(|k| k == num) {
                    found
                } else {
                    crate::search::SearchRow {
                        text: "(a search document that does not match its text)".into(),
                        ..found
                    }
                };
                if let Some(e) = out.get_mut(&case) {
                    e.0.search = Some(row);
                }
            }
        }
        Ok(out)
    }
}
