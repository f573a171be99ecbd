//! A transaction's machinery: the cases it reads (through the shared cache where it may),
//! the chain's head it seals onto, the events it applies and the query rows it writes once per case.

use super::*;
use crate::store::{Append, Matter};

impl<T: Txn> Work<'_, T> {
    /// The organisation as of this transaction.
    pub fn org(&self) -> &Org {
        &self.org
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The transaction with the query tables up to date (inside the crate only: writes go
    /// through the methods of `Work`).
    pub(crate) fn txn(&mut self) -> Result<&mut T> {
        self.flush()?;
        Ok(&mut self.txn)
    }

    /// Writes the query rows of the pending case, if any.
    pub(super) fn flush(&mut self) -> Result<()> {
        if let Some((stored, now)) = self.pending.take() {
            self.txn
                .put_case(Finished::of(&stored), Finished::of(&now))?;
        }
        Ok(())
    }

    /// A case as it is now (the fold of its events), if it exists; in a write transaction the
    /// store holds it for this one until commit (a case acted on).
    pub(crate) fn case(&mut self, id: &CaseId) -> Result<Option<Case>> {
        self.case_read(id, true)
    }

    /// A case as [`Work::case`] gives it, but only looked at (a related case whose visibility
    /// is checked): the store takes no lock on it, so a registration never waits on the clerks
    /// working on an earlier case of the same petitioner.
    pub(super) fn case_seen(&mut self, id: &CaseId) -> Result<Option<Case>> {
        self.case_read(id, false)
    }

    pub(super) fn case_read(&mut self, id: &CaseId, hold: bool) -> Result<Option<Case>> {
        if let Some((_, now)) = &self.pending {
            if &now.id == id {
                return Ok(Some(now.clone()));
            }
        }
        // A read transaction at the head a copy was found current at serves it unasked.
        let at = self.read_mark()?;
        if let (Some(cache), Some(at)) = (&self.cases, at) {
            if let Some(c) = cache.get_at(id, at) {
                return Ok(Some(c));
            }
        }
        let kept = self.kept_seq(id)?;
        if let Some((cache, seq)) = &kept {
            // A write transaction (a tick reading ahead) takes its copy out: the case is about
            // to change, and the copy's place is for the cases read ahead after it.
            let copy = match self.fill {
                true => cache.get(id, *seq, at),
                false => cache.take(id, *seq),
            };
            if let Some(c) = copy {
                return Ok(Some(c));
            }
        }
        let c = if hold {
            self.txn.load_snapshot(id)?
        } else {
            let events = self.txn.load_events(id)?;
            (!events.is_empty()).then(|| replay(id.clone(), &events))
        };
        if let (Some((cache, seq)), Some(c), true) = (&kept, c.as_ref(), self.fill) {
            if c.seq == *seq {
                cache.put_at(c, at);
            }
        }
        Ok(c)
    }

    /// In a read transaction of a service that keeps cases, the chain's head as stored (read
    /// once): the state the transaction sees, which names the copies current in it. `None`
    /// in a write transaction (its cases are about to change) or without kept cases.
    pub(super) fn read_mark(&mut self) -> Result<Option<cache::Mark>> {
        if !self.fill || self.cases.is_none() {
            return Ok(None);
        }
        if self.mark.is_none() {
            self.mark = Some(self.stored_head()?);
        }
        Ok(self.mark)
    }

    /// The chain's head as stored, unchecked (it names a state, it proves nothing): the empty
    /// chain is position 0.
    pub(super) fn stored_head(&mut self) -> Result<cache::Mark> {
        Ok(match self.txn()?.head_mark()? {
            None => (0, [0u8; 32]),
            Some((gseq, hash)) => {
                let mut h = [0u8; 32];
                if hash.len() == 32 {
                    h.copy_from_slice(&hash);
                }
                (gseq, h)
            }
        })
    }

    /// The cache of recent cases with the store's last event number of `id`, when this
    /// transaction keeps recent cases and the case exists: a copy in the cache serves only at
    /// that number.
    pub(super) fn kept_seq(&mut self, id: &CaseId) -> Result<Option<(Arc<CaseCache>, u32)>> {
        let Some(cache) = self.cases.clone() else {
            return Ok(None);
        };
        Ok(self.txn.case_seq(id)?.map(|seq| (cache, seq)))
    }

    /// How many cases there are.
    pub fn case_count(&mut self) -> Result<u64> {
        self.txn()?.case_count()
    }

    /// Case ids in id order after `after`, at most `limit` (for paging through every case).
    pub(crate) fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        self.txn()?.case_ids(after, limit)
    }

    /// The chain's head: read once per transaction, after checking that its last entry hashes
    /// onto the one before it (nothing is written onto a damaged chain).
    pub(super) fn chain_head(&mut self) -> Result<(u64, [u8; 32])> {
        if let Some(h) = self.head {
            return Ok(h);
        }
        let h = match self.txn.chain_tail()? {
            None => (0, crate::audit::GENESIS),
            Some(t) => {
                check_tail(&t.prev_hash, &t.last)?;
                let hash = t.last.hash.as_slice().try_into().map_err(|_| {
                    DomainError::from(StorageError::integrity(
                        "the chain's last hash is not 32 bytes",
                    ))
                })?;
                self.head_at = entry_time(&t.last.body);
                (t.last.gseq, hash)
            }
        };
        self.head = Some(h);
        Ok(h)
    }

    /// Seals entries onto the chain's head, in order; the head moves only when the caller has
    /// stored them (`advance`).
    pub(super) fn seal_next(
        &mut self,
        entries: impl IntoIterator<Item = crate::audit::Entry>,
    ) -> Result<Vec<StoredEntry>> {
        let (mut gseq, mut prev) = self.chain_head()?;
        let mut out = Vec::new();
        for e in entries {
            let at = e.at();
            // An entry of an older chain being imported is taken as it was written: its time was
            // not held to these bounds then.
            let older = matches!(self.import_access, Some(None));
            if let Some(last) = self.head_at.filter(|_| !older) {
                match self.identity()?.clock {
                    ClockMode::System if at < last => return Err(behind_the_chain(at, last)),
                    // A simulated time at most ten years after the chain's last entry.
                    ClockMode::Simulated => crate::input::check_simulated("now", at, last)?,
                    ClockMode::System => {}
                }
            }
            self.head_at = Some(at);
            gseq += 1;
            let access = self.access_ref()?;
            let s = seal(gseq, &prev, &e, access);
            prev.copy_from_slice(&s.hash);
            out.push(s);
        }
        Ok(out)
    }

    /// The access log's head a new chain entry records: what the imported entry records, or the
    /// store's head.
    fn access_ref(&mut self) -> Result<Option<crate::audit::AccessHead>> {
        if let Some(given) = self.import_access {
            return Ok(given);
        }
        if let Some(seen) = self.access_seen {
            return Ok(Some(seen));
        }
        let head = match self.txn.access_head()? {
            None => crate::audit::AccessHead::EMPTY,
            Some(e) => crate::audit::AccessHead {
                pos: e.gseq,
                hash: e.hash.as_slice().try_into().map_err(|_| {
                    DomainError::from(StorageError::integrity(
                        "the access log's last hash is not 32 bytes",
                    ))
                })?,
            },
        };
        self.access_seen = Some(head);
        Ok(Some(head))
    }

    /// Moves the head past entries the store has taken.
    pub(super) fn advance(&mut self, sealed: &[StoredEntry]) {
        if let Some(last) = sealed.last() {
            self.moved = true;
            let mut h = [0u8; 32];
            h.copy_from_slice(&last.hash);
            self.head = Some((last.gseq, h));
        }
    }

    /// Seals and stores an administrative event.
    pub(super) fn append_admin(&mut self, ev: &AdminEvent) -> Result<()> {
        let sealed = self.seal_next([crate::audit::Entry::Admin(ev.clone())])?;
        let entry = &sealed[0];
        self.txn
            .append_admin(Finished::of(&Sealed { value: ev, entry }))?;
        self.advance(&sealed);
        Ok(())
    }

    pub(super) fn apply(&mut self, case: &Case, events: Vec<Event>) -> Result<Case> {
        let sealed = self.seal_next(events.iter().cloned().map(crate::audit::Entry::Case))?;
        self.txn.append(Finished::of(&Append {
            expected_seq: case.seq,
            events: &events,
            sealed: &sealed,
        }))?;
        self.advance(&sealed);
        let mut next = case.clone();
        for e in &events {
            next = evolve(next, e);
        }
        // The query rows follow lazily (see `pending`); the rows as stored are the pending
        // case's if it is this one, else `case` itself.
        let stored = match self.pending.take() {
            Some((stored, now)) if now.id == case.id => stored,
            other => {
                self.pending = other;
                self.flush()?;
                case.clone()
            }
        };
        self.pending = Some((stored, next.clone()));
        Ok(next)
    }

    /// Earlier cases of the same petitioner and matter (2005 Art 16, 35) that `staff` may read: a case the
    /// registering clerk may not see (an accusation against their own unit, one outside their
    /// reach) is never named in `repeat_of` or `related`, so registration is no oracle.
    pub(super) fn related_for(
        &mut self,
        staff: &Staff,
        reg: &Registration,
    ) -> Result<Vec<crate::case::RelatedCase>> {
        let found = self.txn()?.find_related(&Matter {
            keys: &reg.identity_keys(),
            category: &reg.category,
            locality: &reg.locality,
        })?;
        let mut out = Vec::with_capacity(found.len());
        for r in found {
            if let Some(c) = self.case_seen(&r.id)? {
                // A voided registration (made in error) is no precedent of anything.
                if c.state != crate::case::CaseState::Voided
                    && access(&self.org, staff, &c) != Access::Hidden
                {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    /// Loads a case by replaying its events (`not_found` when unknown).
    pub(crate) fn load(&mut self, id: &CaseId) -> Result<(Case, Vec<Event>)> {
        // A service that keeps recent cases keeps the ones shown with their events: served
        // again while the store's last event number of the case is the copy's.
        // (Not while a case's query rows wait to be written: its number there is behind.)
        let at = match self.pending {
            None => self.read_mark()?,
            Some(_) => None,
        };
        if let (Some(cache), Some(at)) = (&self.cases, at) {
            if let Some(shown) = cache.history_at(id, at) {
                return Ok(shown);
            }
        }
        let kept = match self.pending {
            None => self.kept_seq(id)?,
            Some(_) => None,
        };
        if let Some((cache, seq)) = &kept {
            if let Some(shown) = cache.history(id, *seq, at) {
                return Ok(shown);
            }
        }
        self.load_missed(id, kept, at)
    }

    /// [`Work::load`] when the kept cases do not have it (`kept`: the kept cases and the
    /// store's number of the case): read from the store, folded, and kept.
    pub(super) fn load_missed(
        &mut self,
        id: &CaseId,
        kept: Option<(Arc<CaseCache>, u32)>,
        at: Option<cache::Mark>,
    ) -> Result<(Case, Vec<Event>)> {
        let events = self.txn.load_events(id)?;
        if events.is_empty() {
            return Err(DomainError::from(Refusal::NoCase { id: id.clone() }));
        }
        let case = replay(id.clone(), &events);
        if let (Some((cache, seq)), true) = (&kept, self.fill) {
            if case.seq == *seq {
                cache.put_history_at(&case, &events, at);
            }
        }
        Ok((case, events))
    }

    /// The current case for a decision: the fold of its events (the pending case when it is
    /// this one), or `not_found`.
    pub(super) fn current(&mut self, id: &CaseId) -> Result<Case> {
        self.case(id)?
            .ok_or_else(|| DomainError::from(Refusal::NoCase { id: id.clone() }))
    }

    pub(super) fn decide_on(
        &mut self,
        case: &Case,
        cmd: &Step,
        actor: Actor<'_>,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<Event>> {
        self.decide_with(case, cmd, actor, now, None)
    }

    pub(super) fn decide_with(
        &mut self,
        case: &Case,
        cmd: &Step,
        actor: Actor<'_>,
        now: DateTime<FixedOffset>,
        target: Option<&Case>,
    ) -> Result<Vec<Event>> {
        // Only the pending case's own row can be stale; write it first if it is among these.
        if matches!(&self.pending, Some((_, p)) if case.related.contains(&p.id)) {
            self.flush()?;
        }
        let related = match (cmd, actor) {
            // A corrected registration looks for its earlier cases again, with its new identity
            // keys, category and locality, among the cases the clerk may read (as at
            // registration). A value the rules refuse is left to `decide` to refuse.
            (Step::Command(Command::Amend { field, value, .. }), Actor::Staff(staff)) => {
                match case.registration.as_ref().map(|r| r.amended(*field, value)) {
                    Some(Ok(reg)) => self.related_for(staff, &reg)?,
                    _ => Vec::new(),
                }
            }
            // The time-driven work decides on the case alone (its clocks, supervisions and
            // windows): the related cases' summaries are not read for it.
            (Step::Tick, _) => Vec::new(),
            _ if case.related.is_empty() => Vec::new(),
            _ => self.txn.related(&case.related)?,
        };
        let ctx = Context {
            now,
            actor,
            org: &self.org,
            policy: &self.policy,
            calendar: &self.calendar,
            related: &related,
            target,
        };
        decide(case, cmd, &ctx)
    }
}

/// The `at` of a stored chain entry's body (`None` when it has none).
fn entry_time(body: &str) -> Option<DateTime<FixedOffset>> {
    #[derive(serde::Deserialize)]
    struct At {
        at: DateTime<FixedOffset>,
    }
    serde_json::from_str::<At>(body).ok().map(|a| a.at)
}

/// A live database's entry timed before the chain's last one: another writer sealed a later
/// time first (a few seconds at most: `conflict`, and the command runs again with a new time), or
/// the machine's clock went back (`clock_skew`, saying so).
fn behind_the_chain(at: DateTime<FixedOffset>, last: DateTime<FixedOffset>) -> DomainError {
    if last - at <= chrono::Duration::seconds(5) {
        DomainError::from(StorageError::Conflict)
    } else {
        DomainError::from(Refusal::ChainClockSkew { at, last })
    }
}
