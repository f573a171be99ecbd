//! What a reader may see: a case by id, lists and queues narrowed to the reader's reach, the
//! change feed, the access log — each taking its principal, each masking what the reader may not
//! see in full, and each showing of personal data in full recorded in the access log.

use super::*;
use crate::store::AccessQuery;
use std::collections::HashSet;

/// The time an access-log entry waiting in a [`Pending`] is given until it is recorded.
pub(crate) fn unrecorded() -> DateTime<FixedOffset> {
    chrono::DateTime::UNIX_EPOCH.fixed_offset()
}

impl<T: Txn> Work<'_, T> {
    /// A case as `p` may see it, with its history: `not_found` when the case does not exist *or
    /// `p` may not read it* — the two answers are identical. Personal data is in full only when
    /// `p`'s unit registers, holds, leads or assists the case and `reveal` asks for it; the data
    /// is then handed over once the showing is recorded in the access log
    /// ([`Service::record`], [`Work::record`]). Links to cases `p` may not read are removed;
    /// the query code is never shown.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration};
    /// use petition_core::{Access, Reveal};
    /// let (mut svc, now) = county();
    /// let (li, wang) = (principal(&mut svc, "li"), principal(&mut svc, "wang"));
    /// let id = svc.register(&li, now, registration(now)).unwrap().case.case.id;
    /// svc.read(|w| {
    ///     // The registering clerk may see the petitioner in full, once it is logged; the housing
    ///     // bureau, which has no part in the case yet, does not see the case at all.
    ///     let shown = w.show(&li, &id, Reveal::AsAllowed)?;
    ///     assert_eq!(shown.waiting(), 1, "one access-log entry to write first");
    ///     assert_eq!(w.show(&wang, &id, Reveal::AsAllowed).unwrap_err().code(), "not_found");
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn show(&mut self, p: &Principal, id: &CaseId, reveal: Reveal) -> Result<Disclosed<Shown>> {
        self.show_for(p, id, reveal, "show")
    }

    /// [`Work::show`], the showing recorded in the access log as done by `command` (a notice,
    /// the reply to a command).
    pub fn show_for(
        &mut self,
        p: &Principal,
        id: &CaseId,
        reveal: Reveal,
        command: &str,
    ) -> Result<Disclosed<Shown>> {
        let staff = self.resolve_for(p, crate::org::Scope::Read)?;
        let (case, events, access) = self.read_case(&staff, id)?;
        Ok(shown(&staff, case, events, access, reveal, command))
    }

    /// A case as `reader` may see it, unmasked, with its history and the reader's access (inside
    /// the crate: what leaves it goes through [`shown`]).
    pub(crate) fn read_case(
        &mut self,
        reader: &Staff,
        id: &CaseId,
    ) -> Result<(Case, Vec<Event>, Access)> {
        let hidden = || DomainError::from(Refusal::NoCase { id: id.clone() });
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
    pub(crate) fn redact_links(&mut self, reader: &Staff, case: &mut Case) -> Result<()> {
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

    /// Writes the access-log entries `pending` waits for, at `when` (on a live database: now),
    /// in this write transaction; returns the proof that opens their data ([`Sealed::open`]).
    ///
    /// [`Sealed::open`]: crate::principal::Sealed::open
    pub fn record(&mut self, pending: Pending, when: impl Into<When>) -> Result<Recorded> {
        self.writable()?;
        let at = self.log_time(when.into())?;
        for d in &pending.entries {
            let d = Disclosure { at, ..d.clone() };
            self.append_disclosure(&d)?;
        }
        Ok(pending.recorded())
    }

    /// Records a disclosure's entries in this write transaction at `when` and hands its data
    /// over ([`Work::record`], then [`Sealed::open`](crate::principal::Sealed::open)).
    pub fn reveal<X>(&mut self, d: Disclosed<X>, when: impl Into<When>) -> Result<X> {
        let d = match d.ready() {
            Ok(v) => return Ok(v),
            Err(d) => d,
        };
        let (sealed, pending) = d.into_parts();
        let proof = self.record(pending, when)?;
        sealed.open(proof)
    }

    /// Records that `reader` was shown unmasked personal data of `case` (or of every case, for
    /// `None`) by `command` at `at`: one entry of the append-only access log.
    pub(crate) fn disclose(
        &mut self,
        reader: &Staff,
        case: Option<&CaseId>,
        command: &str,
        at: DateTime<FixedOffset>,
    ) -> Result<()> {
        let d = Disclosure {
            at,
            staff: reader.id.clone(),
            case: case.cloned(),
            command: command.to_string(),
        };
        self.append_disclosure(&d)
    }

    /// Appends one sealed entry to the access log.
    fn append_disclosure(&mut self, d: &Disclosure) -> Result<()> {
        self.writable()?;
        let d = Disclosure {
            at: d.at.with_timezone(&self.policy.timezone),
            ..d.clone()
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
        let sealed = Sealed {
            value: &d,
            entry: &sealed,
        };
        txn.append_access(Finished::of(&sealed))?;
        // Entries sealed later in this transaction record the new head.
        self.access_seen = Some(crate::audit::AccessHead { pos, hash });
        Ok(())
    }

    /// Cases matching `q` that `p` may read, in brief. Filters (names included) only ever see
    /// readable cases, and names as the reader sees them: a page holds `q.limit` readable cases
    /// whatever the number of hidden ones before them.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration};
    /// use petition_core::CaseQuery;
    /// let (mut svc, now) = county();
    /// let (li, wang) = (principal(&mut svc, "li"), principal(&mut svc, "wang"));
    /// svc.register(&li, now, registration(now)).unwrap();
    /// let by_name = CaseQuery { petitioner: Some("赵".into()), ..CaseQuery::default() };
    /// assert_eq!(svc.list(&li, &by_name).unwrap().len(), 1);
    /// assert_eq!(svc.list(&wang, &by_name).unwrap().len(), 0);
    /// ```
    pub fn list(&mut self, p: &Principal, q: &CaseQuery) -> Result<Vec<Brief>> {
        let staff = self.resolve_for(p, crate::org::Scope::Read)?;
        Ok(self
            .visible_cases(&staff, q)?
            .into_iter()
            .map(|(c, a)| Brief::of(c, a))
            .collect())
    }

    /// How many cases `unit`'s queue holds and the cases that accuse it (left out of it),
    /// remembered per database and chain head: the queue is a function of the chain, so the count is read again only
    /// after a change (a count walks the whole queue; a page reads only its own cases).
    fn queue_total(&mut self, unit: &UnitCode) -> Result<(u64, Arc<HashSet<CaseId>>)> {
        type Known = ((u64, [u8; 32]), u64, Arc<HashSet<CaseId>>);
        type Totals = std::collections::HashMap<([u8; 32], UnitCode), Known>;
        static TOTALS: std::sync::OnceLock<std::sync::Mutex<Totals>> = std::sync::OnceLock::new();
        let db = self.identity()?.db;
        let head = match self.read_mark()? {
            Some(m) => m,
            None => self.stored_head()?,
        };
        let key = (db, unit.clone());
        let totals = TOTALS.get_or_init(Default::default);
        if let Some((at, n, hidden)) = totals.lock().ok().and_then(|t| t.get(&key).cloned()) {
            if at == head {
                return Ok((n, hidden));
            }
        }
        let n = self.txn()?.queue_count(unit)?;
        let hidden: Arc<HashSet<CaseId>> =
            Arc::new(self.txn()?.accusing(unit)?.into_iter().collect());
        if let Ok(mut t) = totals.lock() {
            // Bounded: one entry per database and unit, and never more than a few thousand.
            if t.len() >= 4096 {
                t.clear();
            }
            t.insert(key, (head, n, hidden.clone()));
        }
        Ok((n, hidden))
    }

    /// The chain's last position.
    pub(crate) fn chain_head_position(&mut self) -> Result<u64> {
        Ok(self.chain_head()?.0)
    }

    /// The state of each case after each of its entries among `changes`, by position (a feed
    /// tells a mirror where the case stands, not only what happened).
    pub(crate) fn states_after(
        &mut self,
        changes: &[Change],
    ) -> Result<std::collections::HashMap<u64, crate::CaseState>> {
        let mut wanted: std::collections::BTreeMap<CaseId, Vec<(u32, u64)>> = Default::default();
        for c in changes {
            if let crate::audit::Entry::Case(ev) = &c.entry {
                wanted
                    .entry(ev.case.clone())
                    .or_default()
                    .push((ev.seq, c.position));
            }
        }
        let mut out = std::collections::HashMap::new();
        for (id, seqs) in wanted {
            let Some(&(last, _)) = seqs.iter().max() else {
                continue;
            };
            let events = self.txn()?.load_events(&id)?;
            let mut case = Case::new(id.clone());
            for ev in events.iter().take_while(|e| e.seq <= last) {
                case = crate::case::evolve(case, ev);
                if let Some((_, pos)) = seqs.iter().find(|(s, _)| *s == ev.seq) {
                    out.insert(*pos, case.state);
                }
            }
        }
        Ok(out)
    }

    /// One page of [`Work::list`]: the cases after `q.offset` (at most `q.limit`), how many
    /// cases `p` may read match `q` in all (an accusation against `p`'s unit is never counted:
    /// its existence is not told), and the offset of the next page.
    pub fn list_page(&mut self, p: &Principal, q: &CaseQuery) -> Result<crate::principal::Page> {
        let staff = self.resolve_for(p, crate::org::Scope::Read)?;
        let cases: Vec<Brief> = self
            .visible_cases(&staff, q)?
            .into_iter()
            .map(|(c, a)| Brief::of(c, a))
            .collect();
        let total = match (staff.role, self.reach_of(&staff)) {
            (_, None) => 0,
            // An account for another system counts what it may read one by one (it reads only
            // the cases it registered).
            (Role::Integration, Some(_)) => {
                let all = CaseQuery {
                    limit: usize::MAX,
                    offset: 0,
                    ..q.clone()
                };
                self.visible_cases(&staff, &all)?.len() as u64
            }
            (_, Some(reach)) => {
                let counted = CaseQuery { reach, ..q.clone() };
                if let Some(r) = &q.external_ref {
                    // At most one case: the list itself says whether it is visible.
                    let one = CaseQuery {
                        limit: 1,
                        offset: 0,
                        external_ref: Some(r.clone()),
                        ..q.clone()
                    };
                    self.visible_cases(&staff, &one)?.len() as u64
                } else {
                    self.txn()?.count(&counted, staff.unit.as_ref())?
                }
            }
        };
        let next = next_after(q.offset, cases.len(), total);
        Ok(crate::principal::Page { cases, total, next })
    }

    /// Cases matching `q` that `reader` may read, unmasked, with the reader's access to each.
    pub(crate) fn visible_cases(
        &mut self,
        reader: &Staff,
        q: &CaseQuery,
    ) -> Result<Vec<(Case, Access)>> {
        // The store narrows the search to cases in the reader's reach (an index), so a reader who
        // sees a small share of a province's cases does not read the rest; every case is still
        // checked with `access` (accusations, exact rules).
        let Some(reach) = self.reach_of(reader) else {
            return Ok(Vec::new());
        };
        if let Some(r) = &q.external_ref {
            // One case at most: found by its reference, then held to the rest of the query.
            let Some(id) = self.txn()?.external_case(r)? else {
                return Ok(Vec::new());
            };
            let Some(c) = self.case(&id)? else {
                return Ok(Vec::new());
            };
            let a = access(&self.org, reader, &c);
            let rest = CaseQuery {
                external_ref: None,
                reach,
                offset: 0,
                ..q.clone()
            };
            let row = crate::store::CaseRow::of(&c);
            let hit = a != Access::Hidden
                && q.offset == 0
                && !crate::store::index::query(std::iter::once(&row), &rest).is_empty();
            return Ok(if hit { vec![(c, a)] } else { Vec::new() });
        }
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

    /// One page of [`Work::search`]: the matches after `offset` (at most `limit`), how many
    /// matches `p` may read there are in all, and where the next page starts. Every match is
    /// looked at to count them (a search's matches are checked case by case, as the reader
    /// sees each).
    pub fn search_page(
        &mut self,
        p: &Principal,
        needle: &crate::search::Needle,
        limit: usize,
        offset: usize,
    ) -> Result<crate::principal::Page> {
        let all = self.search(p, needle, usize::MAX)?;
        Ok(page_of(all, limit, offset))
    }

    /// One page of [`Work::queue`], with the whole queue's size and where the next page starts.
    pub fn queue_page(&mut self, p: &Principal, limit: usize, offset: usize) -> Result<QueuePage> {
        let reader = self.resolve_for(p, crate::org::Scope::Read)?;
        if reader.role == Role::Integration {
            // Its queue is the cases it registered: each is looked at.
            return Ok(slice(self.queue(p, usize::MAX)?, limit, offset));
        }
        let unit = reader.unit.clone().ok_or_else(|| {
            DomainError::from(Refusal::NoUnitForActor {
                staff: reader.id.clone(),
            })
        })?;
        // The page: the queue's first cases up to it (what accuses the unit left out), then
        // the page's cases read; the whole queue counted by the store.
        let (total, hidden) = self.queue_total(&unit)?;
        let wanted = offset.saturating_add(limit).saturating_add(hidden.len());
        let ids: Vec<(CaseId, Option<NaiveDate>)> = self
            .txn()?
            .queue(&unit, wanted)?
            .into_iter()
            .filter(|(id, _)| !hidden.contains(id))
            .collect();
        let mut items = Vec::new();
        for (id, d) in ids.into_iter().skip(offset).take(limit) {
            if let Some(c) = self.case(&id)? {
                let a = access(&self.org, &reader, &c);
                if a != Access::Hidden {
                    items.push((Brief::of(c, a), d));
                }
            }
        }
        let next = next_after(offset, items.len(), total);
        Ok((items, total, next))
    }

    /// Cases `p` may read that match a search ([`crate::search`]), newest case number first,
    /// at most `limit`, in brief. Names, phones and id numbers count only as the reader sees
    /// them: masked for a reader who sees the case masked, so a search never confirms personal
    /// data the reader is not shown; a case the reader may not read is never looked at (an
    /// accused unit cannot count the cases that name it).
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration};
    /// use petition_core::search::Needle;
    /// let (mut svc, now) = county();
    /// let (li, wang) = (principal(&mut svc, "li"), principal(&mut svc, "wang"));
    /// let mut reg = registration(now);
    /// reg.summary = "老旧小区房屋漏水".into();
    /// svc.register(&li, now, reg).unwrap();
    /// let leak = Needle::parse("漏").unwrap();
    /// assert_eq!(svc.search(&li, &leak, 20).unwrap().len(), 1);
    /// assert_eq!(svc.search(&wang, &leak, 20).unwrap().len(), 0);
    /// ```
    pub fn search(
        &mut self,
        p: &Principal,
        needle: &crate::search::Needle,
        limit: usize,
    ) -> Result<Vec<Brief>> {
        let reader = self.resolve_for(p, crate::org::Scope::Read)?;
        let Some(reach) = self.reach_of(&reader) else {
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
                let a = access(&self.org, &reader, &c);
                if a == Access::Hidden || !crate::search::matches(&c, needle, a == Access::Masked) {
                    continue;
                }
                if out.len() < limit {
                    out.push(Brief::of(c, a));
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

    /// The work of `p`'s unit (`queue`), most urgent first, with the date that makes each case
    /// urgent, in brief; only cases `p` may read.
    pub fn queue(
        &mut self,
        p: &Principal,
        limit: usize,
    ) -> Result<Vec<(Brief, Option<NaiveDate>)>> {
        let reader = self.resolve_for(p, crate::org::Scope::Read)?;
        let unit = reader.unit.clone().ok_or_else(|| {
            DomainError::from(Refusal::NoUnitForActor {
                staff: reader.id.clone(),
            })
        })?;
        let items = self.txn()?.queue(&unit, limit)?;
        let mut out = Vec::with_capacity(items.len());
        for (id, d) in items {
            if let Some(c) = self.case(&id)? {
                let a = access(&self.org, &reader, &c);
                if a != Access::Hidden {
                    out.push((Brief::of(c, a), d));
                }
            }
        }
        Ok(out)
    }

    /// The access log (admins only), oldest first, after position `after`.
    pub fn access_log(
        &mut self,
        p: &Principal,
        case: Option<&CaseId>,
        staff: Option<&StaffId>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LoggedDisclosure>> {
        let reader = self.resolve(p)?;
        if reader.role != Role::Admin {
            return Err(DomainError::from(Refusal::AdminOnly));
        }
        self.txn()?.access_log(&AccessQuery {
            case,
            staff,
            after,
            limit,
        })
    }

    /// The change feed as `p` may read it: up to `limit` entries after position `after` (0 for
    /// the start) among the next 5,000 entries of the chain — organisation and policy changes,
    /// and the events of the cases `p` may read, as `p` may read them now. Every entry leaves
    /// out query codes and token digests; personal data is masked unless `p`'s unit may see the
    /// case in full, and each such case is one access-log entry; a clerk gets positions only,
    /// an admin the chain hash too (every hash is computed over unmasked data, so a hash beside
    /// masked data would let it be guessed offline). An integrating system keeps the last
    /// position it processed and asks again from there; positions never change.
    pub fn changes_after(
        &mut self,
        p: &Principal,
        after: u64,
        limit: usize,
    ) -> Result<Disclosed<Vec<Change>>> {
        Ok(self
            .feed_page(p, after, limit, &crate::interchange::FeedFilter::default())?
            .0)
    }

    /// [`Work::changes_after`], with the last position looked at (shown or not): the next page
    /// starts after it.
    pub(crate) fn feed_page(
        &mut self,
        p: &Principal,
        after: u64,
        limit: usize,
        filter: &crate::interchange::FeedFilter,
    ) -> Result<(Disclosed<Vec<Change>>, u64)> {
        let reader = self.resolve_for(p, crate::org::Scope::Feed)?;
        let admin = reader.role == Role::Admin;
        let limit = limit.clamp(1, FEED_SCAN);
        let head = self.chain_head()?.0;
        if after > head {
            return Err(DomainError::from(Refusal::field(
                "after",
                &format!("is beyond the chain's last position {head}: a mirror that asks for more than exists has lost its place and must start again"),
                &format!("超过审计链的最后位置 {head}：请求超过现有位置的镜像已失去位置，须重新同步"),
            )));
        }
        let mut raw = Vec::new();
        self.txn()?.chain(after.saturating_add(1), &mut |e| {
            raw.push(e);
            Ok(raw.len() < FEED_SCAN)
        })?;
        let mut seen: std::collections::HashMap<CaseId, Access> = Default::default();
        let mut out = Vec::new();
        let mut disclosed = Vec::new();
        let mut last = after;
        for e in raw {
            if out.len() >= limit {
                break;
            }
            last = e.gseq;
            let mut entry: crate::audit::Entry = serde_json::from_str(&e.body).map_err(|_| {
                DomainError::from(StorageError::integrity(&format!(
                    "audit chain entry {} does not decode",
                    e.gseq
                )))
            })?;
            if !filter.admits(&entry) {
                continue;
            }
            let shown = match &entry {
                // An account for another system follows its cases, not the organisation.
                crate::audit::Entry::Admin(_) if reader.role == Role::Integration => Access::Hidden,
                crate::audit::Entry::Admin(_) => Access::Full,
                crate::audit::Entry::Case(ev) => match seen.get(&ev.case) {
                    Some(a) => *a,
                    None => {
                        let a = match self.case(&ev.case)? {
                            Some(c) => access(&self.org, &reader, &c),
                            None => Access::Hidden,
                        };
                        seen.insert(ev.case.clone(), a);
                        if a == Access::Full {
                            disclosed.push(Disclosure {
                                at: unrecorded(),
                                staff: reader.id.clone(),
                                case: Some(ev.case.clone()),
                                command: "events".into(),
                            });
                        }
                        a
                    }
                },
            };
            let masked = match (&mut entry, shown) {
                (_, Access::Hidden) => continue,
                (crate::audit::Entry::Case(ev), Access::Full) => {
                    crate::view::hide_code(ev);
                    false
                }
                (crate::audit::Entry::Case(ev), _) => {
                    crate::view::mask_event(ev);
                    true
                }
                (crate::audit::Entry::Admin(a), _) => {
                    if let AdminKind::TokenIssued { sha256, .. } = &mut a.kind {
                        sha256.clear();
                    }
                    false
                }
            };
            out.push(Change {
                position: e.gseq,
                hash: admin.then(|| crate::audit::hex(&e.hash)),
                entry,
                masked,
            });
        }
        Ok((Disclosed::new(out, disclosed), last))
    }
}

/// The most chain entries one [`Work::changes_after`] looks at (a reader who may read few cases
/// still gets an answer, with the position moved on, in bounded time).
pub(crate) const FEED_SCAN: usize = 5000;

/// A case read by `staff` with `access`, as `reveal` asks: in full (query code aside) with one
/// access-log entry by `command` waiting, or masked with none.
fn shown(
    staff: &Staff,
    mut case: Case,
    mut events: Vec<Event>,
    access: Access,
    reveal: Reveal,
    command: &str,
) -> Disclosed<Shown> {
    let full = access == Access::Full && reveal == Reveal::AsAllowed;
    let mut entries = Vec::new();
    if full {
        case.query_code = None;
        events.iter_mut().for_each(crate::view::hide_code);
        entries.push(Disclosure {
            at: unrecorded(),
            staff: staff.id.clone(),
            case: Some(case.id.clone()),
            command: command.to_string(),
        });
    } else {
        crate::view::mask_case(&mut case);
        events.iter_mut().for_each(crate::view::mask_event);
    }
    let privacy = if full {
        crate::view::Privacy::Full
    } else {
        crate::view::Privacy::Masked
    };
    Disclosed::new(
        Shown {
            case,
            events,
            access,
            privacy,
        },
        entries,
    )
}

/// A page of a queue: its cases with the date that makes each urgent, the queue's size, and
/// where the next page starts.
pub type QueuePage = (Vec<(Brief, Option<NaiveDate>)>, u64, Option<usize>);

/// The page of `all` after `offset`, at most `limit`.
fn page_of(all: Vec<Brief>, limit: usize, offset: usize) -> crate::principal::Page {
    let (cases, total, next) = slice(all, limit, offset);
    crate::principal::Page { cases, total, next }
}

/// The items of `all` after `offset`, at most `limit`, with how many there are in all and
/// where the next page starts.
fn slice<T>(all: Vec<T>, limit: usize, offset: usize) -> (Vec<T>, u64, Option<usize>) {
    let total = all.len() as u64;
    let items: Vec<T> = all.into_iter().skip(offset).take(limit).collect();
    let next = next_after(offset, items.len(), total);
    (items, total, next)
}

/// Where the page after one of `shown` items from `offset` starts, unless it was the last.
fn next_after(offset: usize, shown: usize, total: u64) -> Option<usize> {
    let end = offset.saturating_add(shown);
    (shown > 0 && (end as u64) < total).then_some(end)
}
