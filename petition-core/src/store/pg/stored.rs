//! A case's query rows read back as stored (for `verify`).

use super::*;
use crate::store::raw::Columns;

impl PgTxn<'_> {
    /// The stored query rows of these cases (identities aside), in four statements.
    pub(super) fn raw_rows(&mut self, ids: &[String]) -> Result<HashMap<String, StoredRows>> {
        let mut out: HashMap<String, StoredRows> = HashMap::new();
        let ids = ids.to_vec();
        // Each statement reads the case id, then the columns its reader reads, the rows of a
        // case in the order of the first of them (a clock's `idx`, a supervision's `id`).
        let by_case = |key: &str, columns: &str, from: &str| {
            format!("SELECT {key}, {columns} FROM {from} WHERE {key} = ANY($1) ORDER BY {key}, 2")
        };
        for r in self.rows(&by_case("id", RawCase::COLUMNS, "cases"), &[&ids])? {
            let raw = RawCase::read(&r, 1)?;
            out.insert(get(&r, 0)?, (raw, Vec::new(), Vec::new(), Vec::new()));
        }
        for r in self.rows(&by_case("case_id", RawClock::COLUMNS, "clocks"), &[&ids])? {
            // A row of a case without a `cases` row is left to `verify`'s row counts.
            if let Some(e) = out.get_mut(&get::<String>(&r, 0)?) {
                e.1.push(RawClock::read(&r, 1)?);
            }
        }
        for r in self.rows(
            &by_case("case_id", RawSupervision::COLUMNS, "supervisions"),
            &[&ids],
        )? {
            if let Some(e) = out.get_mut(&get::<String>(&r, 0)?) {
                e.2.push(RawSupervision::read(&r, 1)?);
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

impl Columns for Row {
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        get(self, i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        get(self, i)
    }
    fn opt_flag(&self, i: usize) -> Result<Option<bool>> {
        get(self, i)
    }
}
