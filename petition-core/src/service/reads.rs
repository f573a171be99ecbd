//! What a reader may see: a case by id, lists and queues narrowed to the reader's reach, the
//! access log of disclosures of personal data.

use super::*;

impl<T: Txn> Work<'_, T> {
    /// A case as `reader` may see it, with its history and the reader's access; `not_found` when
    /// the case does not exist *or the reader may not read it* — the two answers are identical.
    ///
    /// ```
    /// use petition_core::example::{county, registration, staff};
    /// use petition_core::Access;
    /// let (mut svc, now) = county();
    /// let case = svc.register(&staff("li"), now, registration(now)).unwrap();
    /// svc.read(|w| {
    ///     // The registering clerk sees the petitioner in full; the housing bureau, which has no
    ///     // part in the case yet, does not see the case at all.
    ///     let li = w.staff(&staff("li"))?;
    ///     assert_eq!(w.read_case(&li, &case.id)?.2, Access::Full);
    ///     let wang = w.staff(&staff("wang"))?;
    ///     assert_eq!(w.read_case(&wang, &case.id).unwrap_err().code(), "not_found");
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn read_case(&mut self, reader: &Staff, id: &CaseId) -> Result<(Case, Vec<Event>, Access)> {
        let hidden = || {
            DomainError::from(Refusal::NoCase {
                id: id.as_str().to_string(),
            })
        };
        let (case, events) = self.load(id).map_err(|e| match e {
            e if e.code() == "not_found" => hidden(),
            other => other,
        })?;
        match access(&self.org, reader, &case) {
            Access::Hidden => Err(hidden()),
            a => {
                let mut case = case;
                self.redact_links(reader, &mut case)?;
                Ok((case, events, a))
            }
        }
    }

    /// Removes from a case, as shown to `reader`, the links to cases `reader` may not read
    /// (`related`, `repeat_of`, `merged_into`, `absorbed`): an accusation never shows up as
    /// another case's repeat or relative for the accused unit.
    pub fn redact_links(&mut self, reader: &Staff, case: &mut Case) -> Result<()> {
        let mut hidden = std::collections::BTreeSet::new();
        let linked: Vec<CaseId> = case
            .related
            .iter()
            .chain(case.repeat_of.iter())
            .chain(case.merged_into.iter())
            .chain(case.absorbed.iter())
            .cloned()
            .collect();
        for id in linked {
            let visible = self
                .case(&id)?
                .is_some_and(|c| access(&self.org, reader, &c) != Access::Hidden);
            if !visible {
                hidden.insert(id);
            }
        }
        if hidden.is_empty() {
            return Ok(());
        }
        case.related.retain(|x| !hidden.contains(x));
        case.absorbed.retain(|x| !hidden.contains(x));
        if case.repeat_of.as_ref().is_some_and(|x| hidden.contains(x)) {
            case.repeat_of = case.related.last().cloned();
        }
        if case
            .merged_into
            .as_ref()
            .is_some_and(|x| hidden.contains(x))
        {
            case.merged_into = None;
        }
        Ok(())
    }

    /// Records that `reader` was shown unmasked personal data of `case` (or of every case, for
    /// `None`) by `command` at `at`: one entry of the append-only access log.
    pub fn disclose(
        &mut self,
        reader: &Staff,
        case: Option<&CaseId>,
        command: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<()> {
        let d = Disclosure {
            at: at.with_timezone(&self.policy.timezone),
            staff: reader.id.as_str().to_string(),
            case: case.cloned(),
            command: command.to_string(),
        };
        let txn = self.txn()?;
        let (pos, prev) = match txn.access_tail()? {
            Some(last) => (
                last.gseq + 1,
                last.hash.as_slice().try_into().map_err(|_| {
                    DomainError::from(StorageError::integrity(
                        "the access log's last hash is not 32 bytes",
                    ))
                })?,
            ),
            None => (1, crate::audit::GENESIS),
        };
        let (body, hash) = crate::audit::seal_disclosure(pos, &prev, &d);
        let sealed = StoredEntry {
            gseq: pos,
            body,
            hash: hash.to_vec(),
            index: d.case.as_ref().map(|c| (c.as_str().to_string(), 0)),
        };
        txn.append_access(&TOKEN, &d, &sealed)
    }

    /// Cases matching `q` that `reader` may read, with the reader's access to each. Filters
    /// (names included) only ever see readable cases: a page holds `q.limit` readable cases
    /// whatever the number of hidden ones before them.
    ///
    /// ```
    /// use petition_core::example::{county, registration, staff};
    /// use petition_core::CaseQuery;
    /// let (mut svc, now) = county();
    /// svc.register(&staff("li"), now, registration(now)).unwrap();
    /// let by_name = CaseQuery { petitioner: Some("赵".into()), ..CaseQuery::default() };
    /// let found = svc.read(|w| {
    ///     let li = w.staff(&staff("li"))?;
    ///     let wang = w.staff(&staff("wang"))?;
    ///     Ok((w.visible_cases(&li, &by_name)?.len(), w.visible_cases(&wang, &by_name)?.len()))
    /// }).unwrap();
    /// assert_eq!(found, (1, 0));
    /// ```
    pub fn visible_cases(&mut self, reader: &Staff, q: &CaseQuery) -> Result<Vec<(Case, Access)>> {
        // The store narrows the search to cases in the reader's reach (an index), so a reader who
        // sees a small share of a province's cases does not read the rest; every case is still
        // checked with `access` (accusations, exact rules).
        let Some(reach) = self.reach_of(reader) else {
            return Ok(Vec::new());
        };
        let q = &CaseQuery { reach, ..q.clone() };
        let mut out = Vec::new();
        let mut skipped_visible = 0;
        let mut offset = 0;
        // The first page asks for what is wanted (most readers see most of what they ask for);
        // each further page doubles, up to a bound, past runs of hidden cases.
        let mut size = q.limit.saturating_add(q.offset).clamp(1, VISIBLE_PAGE);
        while out.len() < q.limit {
            let page = CaseQuery {
                limit: size,
                offset,
                ..q.clone()
            };
            size = size.saturating_mul(2).min(VISIBLE_PAGE.max(q.limit));
            let ids = self.txn()?.query(&page)?;
            let n = ids.len();
            for id in ids {
                let Some(c) = self.case(&id)? else { continue };
                let a = access(&self.org, reader, &c);
                if a == Access::Hidden {
                    continue;
                }
                // A name filter sees names as the reader does: masked (王某) where they are.
                if let (Access::Masked, Some(p)) = (a, &q.petitioner) {
                    let shown = c.registration.as_ref().is_some_and(|r| {
                        r.petitioners
                            .iter()
                            .any(|x| crate::view::mask_name(&x.name).contains(p.as_str()))
                    });
                    if !shown {
                        continue;
                    }
                }
                if skipped_visible < q.offset {
                    skipped_visible += 1;
                    continue;
                }
                if out.len() < q.limit {
                    out.push((c, a));
                }
            }
            if n < page.limit {
                break;
            }
            offset += n;
        }
        Ok(out)
    }

    /// Cases `reader` may read that match a search ([`crate::search`]), newest case number first,
    /// at most `limit`, with the reader's access to each. Names, phones and id numbers count only
    /// as the reader sees them: masked for a reader who sees the case masked, so a search never
    /// confirms personal data the reader is not shown; a case the reader may not read is never
    /// looked at (an accused unit cannot count the cases that name it).
    ///
    /// ```
    /// use petition_core::example::{county, registration, staff};
    /// use petition_core::search::Needle;
    /// let (mut svc, now) = county();
    /// let mut reg = registration(now);
    /// reg.summary = "老旧小区房屋漏水".into();
    /// svc.register(&staff("li"), now, reg).unwrap();
    /// let leak = Needle::parse("漏").unwrap();
    /// let found = svc.read(|w| {
    ///     let li = w.staff(&staff("li"))?;
    ///     let wang = w.staff(&staff("wang"))?;
    ///     Ok((w.search_cases(&li, &leak, 20)?.len(), w.search_cases(&wang, &leak, 20)?.len()))
    /// }).unwrap();
    /// assert_eq!(found, (1, 0));
    /// ```
    pub fn search_cases(
        &mut self,
        reader: &Staff,
        needle: &crate::search::Needle,
        limit: usize,
    ) -> Result<Vec<(Case, Access)>> {
        let reach = self.reach_of(reader);
        let Some(reach) = reach else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut size = limit.clamp(1, VISIBLE_PAGE);
        // A reader without a unit (an admin) never sees personal data in full.
        let mut q =
            crate::search::SearchQuery::new(needle.clone(), size, reach, reader.unit.is_some());
        while out.len() < limit {
            q.limit = size;
            size = size.saturating_mul(2).min(VISIBLE_PAGE.max(limit));
            let ids = self.txn()?.search(&q)?;
            let n = ids.len();
            for id in &ids {
                let Some(c) = self.case(id)? else { continue };
                let a = access(&self.org, reader, &c);
                if a == Access::Hidden || !crate::search::matches(&c, needle, a == Access::Masked) {
                    continue;
                }
                if out.len() < limit {
                    out.push((c, a));
                }
            }
            if n < q.limit {
                break;
            }
            q.before = ids.last().cloned();
        }
        Ok(out)
    }

    /// The units whose cases `reader` may read, as a store filter: `Some(None)` for every case
    /// (an admin), `None` for none (a reader without a unit).
    fn reach_of(&self, reader: &Staff) -> Option<Option<Vec<UnitCode>>> {
        match (&reader.unit, reader.role) {
            (_, Role::Admin) => Some(None),
            (Some(u), _) => Some(Some(
                self.org
                    .units()
                    .filter(|x| crate::access::in_reach(&self.org, u, &x.code))
                    .map(|x| x.code.clone())
                    .collect::<Vec<_>>(),
            )),
            (None, _) => None,
        }
    }

    /// The work of the reader's unit (`queue`), most urgent first, with the date that makes
    /// each case urgent; only cases the reader may read.
    pub fn visible_queue(
        &mut self,
        reader: &Staff,
        limit: usize,
    ) -> Result<Vec<(Case, Option<NaiveDate>)>> {
        let unit = reader.unit.clone().ok_or_else(|| {
            DomainError::from(Refusal::NoUnitForActor {
                staff: reader.id.as_str().to_string(),
            })
        })?;
        let items = self.txn()?.queue(&unit, limit)?;
        let mut out = Vec::with_capacity(items.len());
        for (id, d) in items {
            if let Some(c) = self.case(&id)? {
                if access(&self.org, reader, &c) != Access::Hidden {
                    out.push((c, d));
                }
            }
        }
        Ok(out)
    }

    /// The access log (admins only), oldest first, after position `after`.
    pub fn access_log(
        &mut self,
        reader: &Staff,
        case: Option<&CaseId>,
        staff: Option<&StaffId>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LoggedDisclosure>> {
        if reader.role != Role::Admin {
            return Err(DomainError::from(Refusal::AdminOnly));
        }
        self.txn()?
            .access_log(case, staff.map(StaffId::as_str), after, limit)
    }
}
