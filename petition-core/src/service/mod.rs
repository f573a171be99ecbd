//! 服务: the one door for every mutation. Each call opens a write transaction, loads what the rule
//! needs, runs `decide`, appends the events to the audit chain, updates the query tables and
//! commits — so a command either fully happens or not at all.

#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod identity_tests;
mod import;
mod reads;
#[cfg(test)]
mod rules_tests;

use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::access::{access, Access, Disclosure, LoggedDisclosure};
use crate::audit::{AdminEvent, AdminKind, ClockMode};
use crate::case::{
    decide, evolve, replay, Actor, Case, Command, Context, Event, EventKind, Registration,
};
use crate::clock::{local_date, Calendar, DayKind};
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, QueryCode, StaffId, UnitCode};
use crate::org::{Org, Role, Staff, Unit};
use crate::policy::Policy;
use crate::store::{check_tail, identity_keys, seal, CaseQuery, Store, StoredEntry, Txn, TOKEN};

/// How many due cases `tick` handles in one transaction.
pub const TICK_BATCH: usize = 1_000;
/// Due cases `tick` reads per page of its due list (then handles in [`TICK_BATCH`]es).
pub(crate) const TICK_PAGE: usize = 20_000;
/// Cases a tick's reader keeps ahead ([`Service::tick_with_reader`]): four transactions' worth.
/// The reader is at most three transactions ahead (the one it reads and two waiting), and the
/// writer takes out each copy it looks at, so the cache never fills up and starts again empty.
const READ_AHEAD_CASES: usize = 4 * TICK_BATCH;

/// How many times a command is retried when the database is locked by another writer.
pub const RETRIES: u32 = 3;

/// An organisation, policy or calendar change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminChange {
    /// Add a unit.
    AddUnit(Unit),
    /// Add a staff member.
    AddStaff(Staff),
    /// Set a policy value.
    SetPolicy {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Load calendar entries.
    SetCalendar(Vec<(NaiveDate, DayKind)>),
    /// Record a bearer token's digest (see [`Service::issue_token`], which makes the token).
    IssueToken {
        /// Whose token.
        staff: StaffId,
        /// SHA-256 of the token, lowercase hex.
        sha256: String,
        /// When it stops working.
        expires_at: DateTime<FixedOffset>,
    },
    /// Revoke every token of a staff member.
    RevokeTokens(StaffId),
    /// Deactivate a staff member (停用), revoking their tokens.
    Deactivate(StaffId),
    /// Move a staff member to another unit (调动).
    MoveStaff {
        /// Who.
        staff: StaffId,
        /// Their new unit.
        unit: UnitCode,
    },
    /// Rename a staff member.
    RenameStaff {
        /// Who.
        staff: StaffId,
        /// The new name.
        name: String,
    },
    /// Rename a unit (机构更名).
    RenameUnit {
        /// Which.
        unit: UnitCode,
        /// The new name.
        name: String,
    },
}

/// A newly issued bearer token: the secret is here once and nowhere else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssuedToken {
    /// Whose token.
    pub staff: StaffId,
    /// The token (64 hex digits, 256 bits from the operating system's random source).
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<FixedOffset>,
}

/// The most days a token may last.
pub const MAX_TOKEN_DAYS: u32 = 366;

/// SHA-256 of a bearer token, lowercase hex: what the database keeps.
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::audit::hex(&Sha256::digest(token.as_bytes()))
}

/// Equal in time independent of where the inputs differ (inputs of equal length).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One entry of the change feed ([`Service::changes_after`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Position in the audit chain, from 1.
    pub position: u64,
    /// The entry's SHA-256 chain hash, 64 hex digits.
    pub hash: String,
    /// The case event or administrative event.
    pub entry: crate::audit::Entry,
}

/// What one `tick` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TickSummary {
    /// Events appended.
    pub events: u64,
    /// Cases closed because a window lapsed.
    pub closed: u64,
    /// Automatic supervisions opened.
    pub supervisions_opened: u64,
    /// Supervisions escalated.
    pub escalated: u64,
    /// Evaluations recorded as lapsed.
    pub evaluations_lapsed: u64,
}

impl TickSummary {
    /// Adds another summary's counts.
    pub fn add(&mut self, o: &TickSummary) {
        self.events += o.events;
        self.closed += o.closed;
        self.supervisions_opened += o.supervisions_opened;
        self.escalated += o.escalated;
        self.evaluations_lapsed += o.evaluations_lapsed;
    }
}

/// The service over a store.
pub struct Service<S: Store> {
    store: S,
    rng: rand::rngs::StdRng,
    /// Due cases per `tick` transaction ([`TICK_BATCH`]).
    tick_batch: usize,
    /// Due cases per page of `tick`'s due list (`TICK_PAGE`).
    tick_page: usize,
    /// The organisation, policy and calendar as last read, under the store's settings version
    /// ([`Txn::settings_version`]): read again only when the version moves.
    settings: Option<Settings>,
    /// Recent cases for reads ([`Service::share_cases`]).
    cases: Option<Arc<CaseCache>>,
}

/// Recent cases kept in memory between read transactions, shared by the services of one process
/// (a server's connections): a read serves its copy when the case's last event number in the
/// store is the copy's, and replays the case from its events otherwise. At most `capacity`
/// cases; when full it starts again empty.
///
/// A case shown whole (`Work::load`: the case and its events, as `show` answers) is kept with
/// its events, in a second map of the same size, so showing it again reads neither.
#[derive(Debug)]
pub struct CaseCache {
    cases: std::sync::Mutex<std::collections::HashMap<CaseId, Arc<Case>>>,
    histories: std::sync::Mutex<std::collections::HashMap<CaseId, Arc<History>>>,
    capacity: usize,
}

/// A case with the events it is the fold of.
#[derive(Debug)]
struct History {
    case: Case,
    events: Vec<Event>,
}

impl CaseCache {
    /// A cache of at most `capacity` cases (and as many cases with their events).
    pub fn new(capacity: usize) -> Self {
        Self {
            cases: std::sync::Mutex::new(std::collections::HashMap::new()),
            histories: std::sync::Mutex::new(std::collections::HashMap::new()),
            capacity,
        }
    }

    fn get(&self, id: &CaseId, seq: u32) -> Option<Case> {
        let m = self.cases.lock().ok()?;
        m.get(id).filter(|c| c.seq == seq).map(|c| (**c).clone())
    }

    /// Takes the copy of `id` out of the cache; returns it when its number is `seq`.
    fn take(&self, id: &CaseId, seq: u32) -> Option<Case> {
        let c = self.cases.lock().ok()?.remove(id)?;
        (c.seq == seq).then(|| Arc::unwrap_or_clone(c))
    }

    pub(crate) fn put(&self, case: &Case) {
        if let Ok(mut m) = self.cases.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(case.id.clone(), Arc::new(case.clone()));
        }
    }

    /// The case `id` with its events, when its last event number is `seq`.
    fn history(&self, id: &CaseId, seq: u32) -> Option<(Case, Vec<Event>)> {
        let h = self
            .histories
            .lock()
            .ok()?
            .get(id)
            .filter(|h| h.case.seq == seq)
            .cloned()?;
        // Copied outside the lock.
        Some((h.case.clone(), h.events.clone()))
    }

    fn put_history(&self, case: &Case, events: &[Event]) {
        let h = Arc::new(History {
            case: case.clone(),
            events: events.to_vec(),
        });
        if let Ok(mut m) = self.histories.lock() {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(case.id.clone(), h);
        }
    }
}

/// A tick's read ahead: the cache, and who is given each next transaction's ids.
type ReadAhead<'a> = (Arc<CaseCache>, &'a mut dyn FnMut(Vec<CaseId>));

/// The organisation, policy and calendar under one settings version.
struct Settings {
    version: String,
    org: Arc<Org>,
    policy: Policy,
    calendar: Calendar,
}

/// The work done inside one open transaction: several commands may share it (bulk loads); each
/// command is still all-or-nothing because `decide` runs before anything is written.
pub struct Work<'t, T: Txn> {
    txn: T,
    /// Shared with the service's copy until an admin change in this transaction changes it.
    org: Arc<Org>,
    /// Recent cases, in a read transaction of a service that keeps them (and in the write
    /// transactions of a tick that reads ahead, [`Service::tick_with_reader`]).
    cases: Option<Arc<CaseCache>>,
    /// Whether cases read from the store go into `cases`: only in a read transaction, whose
    /// cases are all committed. A write transaction could put a case holding its own events,
    /// which a rollback would then leave in the cache under a number the store never kept.
    fill: bool,
    policy: Policy,
    calendar: Calendar,
    rng: &'t mut rand::rngs::StdRng,
    /// The last case changed in this transaction whose query rows are not written yet: (as the
    /// query tables hold it, as it is now). Its events are already on the chain; the rows are
    /// written before anything reads the query tables and before commit, so consecutive commands
    /// on one case (a bulk load writing a case's history) write its rows once and skip the reload.
    pending: Option<(Case, Case)>,
    /// The audit chain's head (position, hash) as this transaction has written it; read from the
    /// store, and its last link checked, on the first append. Entries are sealed here, once, for
    /// every backend.
    head: Option<(u64, [u8; 32])>,
}

fn actor_staff<'o>(org: &'o Org, id: &StaffId) -> Result<&'o Staff> {
    let s = known_staff(org, id)?;
    if s.deactivated {
        return Err(DomainError::from(Refusal::Deactivated {
            staff: id.as_str().to_string(),
        }));
    }
    Ok(s)
}

/// A staff member by id, active or not.
fn known_staff<'o>(org: &'o Org, id: &StaffId) -> Result<&'o Staff> {
    org.staff(id).ok_or_else(|| {
        DomainError::from(Refusal::NoStaff {
            id: id.as_str().to_string(),
            nearest: crate::error::nearest(id.as_str(), org.all_staff().map(|s| s.id.as_str())),
        })
    })
}

/// The most cases `visible_cases` reads per page while it skips cases the reader may not see.
const VISIBLE_PAGE: usize = 1000;

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
    fn flush(&mut self) -> Result<()> {
        if let Some((stored, now)) = self.pending.take() {
            self.txn.put_case(&TOKEN, &stored, &now)?;
        }
        Ok(())
    }

    /// A case as it is now (the fold of its events), if it exists; in a write transaction the
    /// store holds it for this one until commit (a case acted on).
    pub fn case(&mut self, id: &CaseId) -> Result<Option<Case>> {
        self.case_read(id, true)
    }

    /// A case as [`Work::case`] gives it, but only looked at (a related case whose visibility
    /// is checked): the store takes no lock on it, so a registration never waits on the clerks
    /// working on an earlier case of the same petitioner.
    fn case_seen(&mut self, id: &CaseId) -> Result<Option<Case>> {
        self.case_read(id, false)
    }

    fn case_read(&mut self, id: &CaseId, hold: bool) -> Result<Option<Case>> {
        if let Some((_, now)) = &self.pending {
            if &now.id == id {
                return Ok(Some(now.clone()));
            }
        }
        let kept = self.kept_seq(id)?;
        if let Some((cache, seq)) = &kept {
            // A write transaction (a tick reading ahead) takes its copy out: the case is about
            // to change, and the copy's place is for the cases read ahead after it.
            let copy = match self.fill {
                true => cache.get(id, *seq),
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
                cache.put(c);
            }
        }
        Ok(c)
    }

    /// The cache of recent cases with the store's last event number of `id`, when this
    /// transaction keeps recent cases and the case exists: a copy in the cache serves only at
    /// that number.
    fn kept_seq(&mut self, id: &CaseId) -> Result<Option<(Arc<CaseCache>, u32)>> {
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
    pub fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        self.txn()?.case_ids(after, limit)
    }

    fn draw_query_code(&mut self) -> QueryCode {
        let mut r = [0u32; 8];
        for x in &mut r {
            *x = self.rng.gen();
        }
        QueryCode::from_random(r)
    }

    /// The chain's head: read once per transaction, after checking that its last entry hashes
    /// onto the one before it (nothing is written onto a damaged chain).
    fn chain_head(&mut self) -> Result<(u64, [u8; 32])> {
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
                (t.last.gseq, hash)
            }
        };
        self.head = Some(h);
        Ok(h)
    }

    /// Seals entries onto the chain's head, in order; the head moves only when the caller has
    /// stored them (`advance`).
    fn seal_next(
        &mut self,
        entries: impl IntoIterator<Item = crate::audit::Entry>,
    ) -> Result<Vec<StoredEntry>> {
        let (mut gseq, mut prev) = self.chain_head()?;
        let mut out = Vec::new();
        for e in entries {
            gseq += 1;
            let s = seal(gseq, &prev, &e);
            prev.copy_from_slice(&s.hash);
            out.push(s);
        }
        Ok(out)
    }

    /// Moves the head past entries the store has taken.
    fn advance(&mut self, sealed: &[StoredEntry]) {
        if let Some(last) = sealed.last() {
            let mut h = [0u8; 32];
            h.copy_from_slice(&last.hash);
            self.head = Some((last.gseq, h));
        }
    }

    /// Seals and stores an administrative event.
    fn append_admin(&mut self, ev: &AdminEvent) -> Result<()> {
        let sealed = self.seal_next([crate::audit::Entry::Admin(ev.clone())])?;
        self.txn.append_admin(&TOKEN, ev, &sealed[0])?;
        self.advance(&sealed);
        Ok(())
    }

    fn apply(&mut self, case: &Case, events: Vec<Event>) -> Result<Case> {
        let sealed = self.seal_next(events.iter().cloned().map(crate::audit::Entry::Case))?;
        self.txn.append(&TOKEN, case.seq, &events, &sealed)?;
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

    /// Registers a new case (2005 Art 17–18) as `actor` at `now`.
    pub fn register(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        reg: Registration,
    ) -> Result<Case> {
        let staff = actor_staff(&self.org, actor)?.clone();
        reg.validate()?;
        let related = self.related_for(&staff, &reg)?;
        let year = local_date(now, self.policy.timezone).year();
        // Decide on a provisional id first so a refused registration consumes no number.
        let probe = Case::new(CaseId::new(year, 0));
        let query_code = self.draw_query_code();
        let cmd = Command::Register {
            registration: Box::new(reg),
            query_code,
        };
        let ctx = Context {
            now,
            actor: Actor::Staff(&staff),
            org: &self.org,
            policy: &self.policy,
            calendar: &self.calendar,
            related: &related,
            target: None,
        };
        decide(&probe, &cmd, &ctx)?;
        let id = self.txn.next_case_id(&TOKEN, year)?;
        let case = Case::new(id);
        let events = decide(&case, &cmd, &ctx)?;
        self.apply(&case, events)
    }

    /// Earlier cases of the same petitioner and matter (2005 Art 16, 35) that `staff` may read: a case the
    /// registering clerk may not see (an accusation against their own unit, one outside their
    /// reach) is never named in `repeat_of` or `related`, so registration is no oracle.
    fn related_for(
        &mut self,
        staff: &Staff,
        reg: &Registration,
    ) -> Result<Vec<crate::case::RelatedCase>> {
        let found = self
            .txn()?
            .find_related(&identity_keys(reg), &reg.category, &reg.locality)?;
        let mut out = Vec::with_capacity(found.len());
        for r in found {
            if let Some(c) = self.case_seen(&r.id)? {
                if access(&self.org, staff, &c) != Access::Hidden {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    /// A known staff member (a reader or an actor), or `not_found`.
    pub fn staff(&self, id: &StaffId) -> Result<Staff> {
        actor_staff(&self.org, id).cloned()
    }

    /// The staff member a bearer token belongs to, if the token is known, unexpired at `now`
    /// and its staff member active; otherwise `unauthenticated`, saying no more. Every stored
    /// digest is compared, each in constant time.
    pub fn authenticate(&self, token: &str, now: DateTime<FixedOffset>) -> Result<Staff> {
        let digest = token_digest(token.trim());
        let mut found: Option<&Staff> = None;
        for s in self.org.all_staff() {
            for t in &s.tokens {
                if constant_time_eq(t.sha256.as_bytes(), digest.as_bytes()) && t.expires_at > now {
                    found = Some(s);
                }
            }
        }
        match found {
            Some(s) if !s.deactivated => Ok(s.clone()),
            _ => Err(DomainError::from(Refusal::Unauthenticated)),
        }
    }

    /// The database's clock mode, from the chain's first entry (databases made before clock
    /// modes existed are live: `system`).
    pub fn clock_mode(&mut self) -> Result<ClockMode> {
        let mut mode = ClockMode::System;
        self.txn()?.chain(1, &mut |e| {
            if let Ok(crate::audit::Entry::Admin(AdminEvent {
                kind: AdminKind::Initialized { clock: Some(c), .. },
                ..
            })) = serde_json::from_str::<crate::audit::Entry>(&e.body)
            {
                mode = c;
            }
            Ok(false)
        })?;
        Ok(mode)
    }

    /// Loads a case by replaying its events (`not_found` when unknown).
    pub fn load(&mut self, id: &CaseId) -> Result<(Case, Vec<Event>)> {
        // A service that keeps recent cases keeps the ones shown with their events: served
        // again while the store's last event number of the case is the copy's.
        // (Not while a case's query rows wait to be written: its number there is behind.)
        let kept = match self.pending {
            None => self.kept_seq(id)?,
            Some(_) => None,
        };
        if let Some((cache, seq)) = &kept {
            if let Some(shown) = cache.history(id, *seq) {
                return Ok(shown);
            }
        }
        let events = self.txn.load_events(id)?;
        if events.is_empty() {
            return Err(DomainError::from(Refusal::NoCase {
                id: id.as_str().to_string(),
            }));
        }
        let case = replay(id.clone(), &events);
        if let (Some((cache, seq)), true) = (&kept, self.fill) {
            if case.seq == *seq {
                cache.put_history(&case, &events);
            }
        }
        Ok((case, events))
    }

    /// The current case for a decision: the fold of its events (the pending case when it is
    /// this one), or `not_found`.
    fn current(&mut self, id: &CaseId) -> Result<Case> {
        self.case(id)?.ok_or_else(|| {
            DomainError::from(Refusal::NoCase {
                id: id.as_str().to_string(),
            })
        })
    }

    fn decide_on(
        &mut self,
        case: &Case,
        cmd: &Command,
        actor: Actor<'_>,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<Event>> {
        self.decide_with(case, cmd, actor, now, None)
    }

    fn decide_with(
        &mut self,
        case: &Case,
        cmd: &Command,
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
            (Command::Amend { field, value, .. }, Actor::Staff(staff)) => {
                match case.registration.as_ref().map(|r| r.amended(*field, value)) {
                    Some(Ok(reg)) => self.related_for(staff, &reg)?,
                    _ => Vec::new(),
                }
            }
            // The time-driven work decides on the case alone (its clocks, supervisions and
            // windows): the related cases' summaries are not read for it.
            (Command::Tick, _) => Vec::new(),
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

    /// Runs a case command as `actor` at `now`; returns the case afterwards.
    pub fn execute(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<Case> {
        let staff = actor_staff(&self.org, actor)?.clone();
        if matches!(
            cmd,
            Command::Register { .. } | Command::Absorb { .. } | Command::Tick
        ) {
            return Err(DomainError::from(Refusal::usage(
                "use the register, merge or tick operation for this command",
                "请使用登记、合并或定时处理功能",
            )));
        }
        let case = self.current(id)?;
        if let Command::Merge { into } = &cmd {
            // Both sides are decided before anything is written. A target the actor may not
            // read answers as an unknown case.
            let target = self
                .case(into)?
                .filter(|t| access(&self.org, &staff, t) != Access::Hidden);
            let events =
                self.decide_with(&case, &cmd, Actor::Staff(&staff), now, target.as_ref())?;
            let target = target.ok_or_else(|| {
                DomainError::from(Refusal::NoCase {
                    id: into.as_str().to_string(),
                })
            })?;
            let absorb = Command::Absorb { from: id.clone() };
            let target_events = self.decide_on(&target, &absorb, Actor::Staff(&staff), now)?;
            let merged = self.apply(&case, events)?;
            self.apply(&target, target_events)?;
            return Ok(merged);
        }
        let events = self.decide_on(&case, &cmd, Actor::Staff(&staff), now)?;
        self.apply(&case, events)
    }

    /// The case and history behind a case id and query code as the petitioner typed them
    /// (2005 Art 12). An id that is malformed or unknown and a code that is malformed or wrong
    /// all answer the same `not_found`, naming what was asked; the code is compared in constant
    /// time.
    pub fn by_query_code(&mut self, id: &str, code: &str) -> Result<(Case, Vec<Event>)> {
        let not_found = || {
            DomainError::from(Refusal::NoCase {
                id: id.trim().to_string(),
            })
        };
        let case_id = CaseId::parse(id.trim()).map_err(|_| not_found())?;
        let (case, events) = self.load(&case_id).map_err(|e| match e.code() {
            "not_found" => not_found(),
            _ => e,
        })?;
        match &case.query_code {
            Some(stored) if stored.matches(code) => Ok((case, events)),
            _ => Err(not_found()),
        }
    }

    /// The petitioner rates the latest answer online (actor `petitioner`) with the case's query
    /// code, within its evaluation window and once per answer — the only command a petitioner
    /// gives. A wrong code answers like an unknown case.
    pub fn petitioner_evaluates(
        &mut self,
        id: &str,
        code: &str,
        now: DateTime<FixedOffset>,
        handling: crate::case::Satisfaction,
        office: Option<crate::case::Satisfaction>,
    ) -> Result<Case> {
        let (case, _) = self.by_query_code(id, code)?;
        // The decision folds the case as this transaction sees it (a pending one included).
        let case = self.current(&case.id)?;
        let cmd = Command::Evaluate { handling, office };
        let events = self.decide_on(&case, &cmd, Actor::Petitioner, now)?;
        self.apply(&case, events)
    }

    /// The time-driven work for one case as `system`; returns what it did. It changes
    /// nothing outside the transaction, so a retried transaction counts once: the caller adds
    /// the summary after the commit.
    pub fn tick_case(&mut self, id: &CaseId, now: DateTime<FixedOffset>) -> Result<TickSummary> {
        let mut summary = TickSummary::default();
        let case = self.current(id)?;
        let events = self.decide_on(&case, &Command::Tick, Actor::System, now)?;
        for e in &events {
            summary.events += 1;
            match e.kind {
                EventKind::Closed { .. } => summary.closed += 1,
                EventKind::SupervisionOpened { .. } => summary.supervisions_opened += 1,
                EventKind::SupervisionEscalated { .. } => summary.escalated += 1,
                EventKind::EvaluationLapsed { .. } => summary.evaluations_lapsed += 1,
                _ => {}
            }
        }
        // Nothing to append: the row already holds this case's next tick date (a function of
        // the case alone), so there is nothing to write either.
        if events.is_empty() {
            return Ok(summary);
        }
        self.apply(&case, events)?;
        Ok(summary)
    }

    /// An administrative change by an admin; returns the audited event.
    pub fn admin(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        change: AdminChange,
    ) -> Result<AdminEvent> {
        let staff = actor_staff(&self.org, actor)?;
        if staff.role != Role::Admin {
            return Err(DomainError::from(Refusal::AdminOnly));
        }
        let kind = match change {
            AdminChange::AddUnit(u) => {
                Arc::make_mut(&mut self.org).add_unit(u.clone())?;
                AdminKind::UnitAdded { unit: u }
            }
            AdminChange::AddStaff(s) => {
                Arc::make_mut(&mut self.org).add_staff(s.clone())?;
                AdminKind::StaffAdded { staff: s }
            }
            AdminChange::SetPolicy { key, value } => {
                self.policy.set(&key, &value)?;
                AdminKind::PolicySet { key, value }
            }
            AdminChange::SetCalendar(entries) => {
                for (d, k) in &entries {
                    self.calendar.set(*d, *k);
                }
                AdminKind::CalendarSet { entries }
            }
            AdminChange::IssueToken {
                staff,
                sha256,
                expires_at,
            } => {
                actor_staff(&self.org, &staff)?;
                let hex_digest = sha256.len() == 64
                    && sha256
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !hex_digest {
                    return Err(DomainError::from(Refusal::field(
                        "sha256",
                        "must be 64 lowercase hex digits",
                        "必须是 64 位小写十六进制数字",
                    )));
                }
                AdminKind::TokenIssued {
                    staff,
                    sha256,
                    expires_at,
                }
            }
            AdminChange::RevokeTokens(staff) => {
                known_staff(&self.org, &staff)?;
                AdminKind::TokensRevoked { staff }
            }
            AdminChange::Deactivate(staff) => {
                actor_staff(&self.org, &staff)?;
                if &staff == actor {
                    return Err(DomainError::from(Refusal::forbidden(
                        "an admin cannot deactivate themself: ask another admin",
                        "管理员不能停用本人：请由其他管理员办理",
                    )));
                }
                AdminKind::StaffDeactivated { staff }
            }
            AdminChange::MoveStaff { staff, unit } => {
                let s = actor_staff(&self.org, &staff)?;
                self.org.get(&unit)?;
                if s.unit.as_ref() == Some(&unit) {
                    return Err(DomainError::from(Refusal::field(
                        "unit",
                        &format!("{staff} already works for {unit}"),
                        &format!("{staff} 已在 {unit}"),
                    )));
                }
                AdminKind::StaffMoved { staff, unit }
            }
            AdminChange::RenameStaff { staff, name } => {
                known_staff(&self.org, &staff)?;
                crate::org::check_name("name", &name)?;
                AdminKind::StaffRenamed {
                    staff,
                    name: name.trim().to_string(),
                }
            }
            AdminChange::RenameUnit { unit, name } => {
                self.org.get(&unit)?;
                crate::org::check_name("name", &name)?;
                AdminKind::UnitRenamed {
                    unit,
                    name: name.trim().to_string(),
                }
            }
        };
        match Arc::make_mut(&mut self.org).apply_change(&kind) {
            Some(crate::org::Changed::Staff(s)) => self.txn.put_staff(&TOKEN, &s)?,
            Some(crate::org::Changed::Unit(u)) => self.txn.put_unit(&TOKEN, &u)?,
            None => {}
        }
        let now = now.with_timezone(&self.policy.timezone);
        let ev = AdminEvent {
            at: now,
            actor: actor.clone(),
            kind,
        };
        self.append_admin(&ev)?;
        self.store_admin(&ev.kind)?;
        Ok(ev)
    }

    /// Stores what an administrative event changed, as this transaction applied it.
    fn store_admin(&mut self, kind: &AdminKind) -> Result<()> {
        match kind {
            AdminKind::Initialized { admin, rules, .. } => {
                self.txn.put_staff(&TOKEN, admin)?;
                // The rules version lives with the policy (what every decision reads); a chain
                // without one was made under the first rules.
                self.policy.rules = rules.unwrap_or(1);
                self.txn.put_settings(&TOKEN, &self.policy, &self.calendar)
            }
            AdminKind::StaffAdded { staff } => self.txn.put_staff(&TOKEN, staff),
            AdminKind::UnitAdded { unit } => self.txn.put_unit(&TOKEN, unit),
            AdminKind::PolicySet { .. } | AdminKind::CalendarSet { .. } => {
                self.txn.put_settings(&TOKEN, &self.policy, &self.calendar)
            }
            // Stored by `admin`, which changed the staff member or unit.
            AdminKind::TokenIssued { .. }
            | AdminKind::TokensRevoked { .. }
            | AdminKind::StaffDeactivated { .. }
            | AdminKind::StaffMoved { .. }
            | AdminKind::StaffRenamed { .. }
            | AdminKind::UnitRenamed { .. } => Ok(()),
        }
    }
}

impl<S: Store> Service<S> {
    /// Sets how many due cases `tick` handles per transaction (tests of interrupted ticks).
    #[cfg(test)]
    pub(crate) fn set_tick_batch(&mut self, n: usize) {
        self.tick_batch = n;
    }

    /// Sets how many due cases `tick` reads per page of its due list (tests of many pages).
    #[cfg(test)]
    pub(crate) fn set_tick_page(&mut self, n: usize) {
        self.tick_page = n;
    }

    /// A service with a random source seeded from the operating system (query codes).
    pub fn new(store: S) -> Self {
        Self {
            store,
            rng: rand::rngs::StdRng::from_entropy(),
            tick_batch: TICK_BATCH,
            tick_page: TICK_PAGE,
            settings: None,
            cases: None,
        }
    }

    /// A service with a deterministic random source (tests, `demo --seed`).
    pub fn with_seed(store: S, seed: u64) -> Self {
        Self {
            store,
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            tick_batch: TICK_BATCH,
            tick_page: TICK_PAGE,
            settings: None,
            cases: None,
        }
    }

    /// Keeps recent cases in `cache` between read transactions, shared with other services of
    /// this process (a server's connections). Writes always read the store.
    pub fn share_cases(&mut self, cache: Arc<CaseCache>) {
        self.cases = Some(cache);
    }

    /// The store.
    pub fn store(&mut self) -> &mut S {
        &mut self.store
    }

    /// Runs `f` in one write transaction and commits it when `f` succeeds; a lock held by another
    /// writer is retried a bounded number of times, then reported as `conflict`.
    pub fn work<R>(&mut self, f: impl FnMut(&mut Work<'_, S::Txn<'_>>) -> Result<R>) -> Result<R> {
        self.run(true, f)
    }

    fn run<R>(
        &mut self,
        write: bool,
        mut f: impl FnMut(&mut Work<'_, S::Txn<'_>>) -> Result<R>,
    ) -> Result<R> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result: Result<R> = (|| {
                let mut txn = if write {
                    self.store.txn()?
                } else {
                    self.store.read()?
                };
                let version = txn.settings_version()?;
                let (org, policy, calendar) = match (&version, &self.settings) {
                    (Some(v), Some(s)) if &s.version == v => {
                        (s.org.clone(), s.policy.clone(), s.calendar.clone())
                    }
                    _ => {
                        let org = Arc::new(txn.org()?);
                        let (policy, calendar) = (txn.policy()?, txn.calendar()?);
                        self.settings = version.map(|version| Settings {
                            version,
                            org: org.clone(),
                            policy: policy.clone(),
                            calendar: calendar.clone(),
                        });
                        (org, policy, calendar)
                    }
                };
                let mut w = Work {
                    txn,
                    org,
                    policy,
                    calendar,
                    rng: &mut self.rng,
                    pending: None,
                    head: None,
                    cases: if write { None } else { self.cases.clone() },
                    fill: !write,
                };
                let r = f(&mut w)?;
                w.flush()?;
                w.txn.commit()?;
                Ok(r)
            })();
            match result {
                Err(e) if e.is_retryable() && attempt < RETRIES => continue,
                other => return other,
            }
        }
    }

    /// Creates the first admin (`petition init`) on a database whose time comes from `clock`,
    /// under the current rules ([`crate::policy::RULES`], recorded in the chain's first entry).
    pub fn init(
        &mut self,
        admin: Staff,
        now: DateTime<FixedOffset>,
        clock: ClockMode,
    ) -> Result<()> {
        self.init_under(admin, now, clock, Some(crate::policy::RULES))
    }

    /// [`Service::init`] under a given rules version (`None`: a database made before versions,
    /// as the tests of old chains need).
    pub(crate) fn init_under(
        &mut self,
        admin: Staff,
        now: DateTime<FixedOffset>,
        clock: ClockMode,
        rules: Option<u32>,
    ) -> Result<()> {
        self.work(|w| {
            if w.txn.initialized()? {
                return Err(DomainError::from(Refusal::invalid(
                    "the database is already initialised",
                    "数据库已初始化",
                )));
            }
            let admin = Staff {
                role: Role::Admin,
                ..admin.clone()
            };
            w.org.check_staff(&admin)?;
            let at = now.with_timezone(&w.policy.timezone);
            let ev = AdminEvent {
                at,
                actor: admin.id.clone(),
                kind: AdminKind::Initialized {
                    admin,
                    clock: Some(clock),
                    rules,
                },
            };
            w.append_admin(&ev)?;
            w.store_admin(&ev.kind)
        })
    }

    /// An administrative change.
    pub fn admin(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        change: AdminChange,
    ) -> Result<()> {
        self.work(|w| w.admin(actor, now, change.clone()).map(|_| ()))
    }

    /// Issues a bearer token for `staff` (admin) at `now`, working for `days` days
    /// (1..=[`MAX_TOKEN_DAYS`]) from `issued`: the chain records its SHA-256 digest, never the
    /// token, which is returned here once. A token's life is real time even on a simulated
    /// database, so the caller gives `issued` from the system clock.
    pub fn issue_token(
        &mut self,
        admin: &StaffId,
        now: DateTime<FixedOffset>,
        staff: &StaffId,
        issued: DateTime<FixedOffset>,
        days: u32,
    ) -> Result<IssuedToken> {
        if days == 0 || days > MAX_TOKEN_DAYS {
            return Err(DomainError::from(Refusal::field(
                "expires-days",
                &format!("must be from 1 to {MAX_TOKEN_DAYS} days"),
                &format!("必须在 1 到 {MAX_TOKEN_DAYS} 天之间"),
            )));
        }
        let expires_at = issued + chrono::Duration::days(i64::from(days));
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill(&mut secret);
        let token = crate::audit::hex(&secret);
        let sha256 = token_digest(&token);
        self.work(|w| {
            w.admin(
                admin,
                now,
                AdminChange::IssueToken {
                    staff: staff.clone(),
                    sha256: sha256.clone(),
                    expires_at,
                },
            )
        })?;
        Ok(IssuedToken {
            staff: staff.clone(),
            token,
            expires_at,
        })
    }

    /// Registers a case (登记) as `actor` at `now`: the actor's unit becomes its first-contact
    /// unit and holder, and its intake clock starts.
    ///
    /// ```
    /// use petition_core::example::{county, registration, staff};
    /// let (mut svc, now) = county();
    /// let case = svc.register(&staff("li"), now, registration(now)).unwrap();
    /// assert_eq!(case.id.as_str(), "XF2026-000001");
    /// assert_eq!(case.state.as_str(), "registered");
    /// ```
    pub fn register(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        reg: Registration,
    ) -> Result<Case> {
        self.work(|w| w.register(actor, now, reg.clone()))
    }

    /// Runs a case command as `actor` at `now` and returns the case afterwards; a refused
    /// command changes nothing and says why.
    ///
    /// ```
    /// use petition_core::example::{county, registration, staff, unit};
    /// use petition_core::Command;
    /// let (mut svc, now) = county();
    /// let case = svc.register(&staff("li"), now, registration(now)).unwrap();
    /// let to = unit("county-zjj");
    /// svc.execute(&staff("li"), now, &case.id, Command::Transfer { to, note: None }).unwrap();
    /// // Only the holder accepts: the petition office may not.
    /// let refused = svc.execute(&staff("li"), now, &case.id, Command::Accept { assist: vec![] });
    /// assert_eq!(refused.unwrap_err().code(), "permission_denied");
    /// let case = svc.execute(&staff("wang"), now, &case.id, Command::Accept { assist: vec![] });
    /// assert_eq!(case.unwrap().state.as_str(), "handling");
    /// ```
    pub fn execute(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<Case> {
        self.work(|w| w.execute(actor, now, id, cmd.clone()))
    }

    /// The petitioner rates the latest answer online with the query code (see
    /// [`Work::petitioner_evaluates`]).
    pub fn petitioner_evaluates(
        &mut self,
        id: &str,
        code: &str,
        now: DateTime<FixedOffset>,
        handling: crate::case::Satisfaction,
        office: Option<crate::case::Satisfaction>,
    ) -> Result<Case> {
        self.work(|w| w.petitioner_evaluates(id, code, now, handling, office))
    }

    /// The case and history behind a case id and query code as typed (see
    /// [`Work::by_query_code`]).
    pub fn by_query_code(&mut self, id: &str, code: &str) -> Result<(Case, Vec<Event>)> {
        self.read(|w| w.by_query_code(id, code))
    }

    /// The petitioner's progress page of a case, by its id and query code as typed, at `now`
    /// (see [`Work::by_query_code`]: every failure is the same `not_found`).
    pub fn public_status(
        &mut self,
        id: &str,
        code: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<crate::public::PublicStatus> {
        self.read(|w| {
            let (case, events) = w.by_query_code(id, code)?;
            let today = local_date(now, w.policy.timezone);
            Ok(crate::public::status(&case, &events, &w.org, today))
        })
    }

    /// The published figures of the month starting at `month` (its first day), evaluated at
    /// `now`, with the trend of the twelve months ending with it.
    pub fn public_kpi(
        &mut self,
        month: NaiveDate,
        now: DateTime<FixedOffset>,
    ) -> Result<crate::public::PublicKpi> {
        use crate::public::{month_end, month_text, months_back, TrendPoint, UnitFigures};
        use crate::stats::{GroupBy, Kpi};
        let from = months_back(month, 0);
        let to = month_end(from);
        let groups = self.stats(from, to, now, GroupBy::Unit, None)?;
        let units: Vec<UnitFigures> = groups.iter().map(UnitFigures::of).collect();
        let mut ranked = groups.clone();
        crate::stats::rank(&mut ranked, Kpi::OnTimeCompletionRate);
        let ranking = ranked
            .iter()
            .filter(|g| Kpi::OnTimeCompletionRate.value(&g.counts).is_some())
            .map(UnitFigures::of)
            .collect();
        let mut trend = Vec::with_capacity(12);
        for back in (1..12).rev() {
            let m = months_back(from, back);
            let g = self.stats(m, month_end(m), now, GroupBy::Unit, None)?;
            trend.push(TrendPoint::of(m, &g));
        }
        trend.push(TrendPoint::of(from, &groups));
        Ok(crate::public::PublicKpi {
            month: month_text(from),
            from,
            to,
            units,
            ranking,
            trend,
        })
    }

    /// Loads a case and its history.
    pub fn load(&mut self, id: &CaseId) -> Result<(Case, Vec<Event>)> {
        self.read(|w| w.load(id))
    }

    /// Reads in a read transaction (org, policy, calendar and queries); never blocks writers.
    pub fn read<R>(&mut self, f: impl FnMut(&mut Work<'_, S::Txn<'_>>) -> Result<R>) -> Result<R> {
        self.run(false, f)
    }

    /// The time-driven work at `now` (reminders for overdue clocks, escalation of unanswered
    /// supervisions, lapsed windows): finds due cases through the due-date index, one transaction
    /// per case so a crash loses nothing and a rerun finishes the job. Idempotent.
    ///
    /// ```
    /// use petition_core::example::{county, registration, staff, unit};
    /// use petition_core::{Command, DateTime};
    /// let (mut svc, now) = county();
    /// let case = svc.register(&staff("li"), now, registration(now)).unwrap();
    /// let to = unit("town");
    /// svc.execute(&staff("li"), now, &case.id, Command::Transfer { to, note: None }).unwrap();
    /// // The township let its 15-day acceptance limit pass: the county office reminds it (催办).
    /// let later = DateTime::parse_from_rfc3339("2026-04-01T09:00:00+08:00").unwrap();
    /// let done = svc.tick(later).unwrap();
    /// assert_eq!(done.supervisions_opened, 1);
    /// assert_eq!(svc.tick(later).unwrap().events, 0, "a second tick does nothing");
    /// ```
    pub fn tick(&mut self, now: DateTime<FixedOffset>) -> Result<TickSummary> {
        self.tick_ahead(now, None)
    }

    /// [`Service::tick`], with `reader` — a second service over the same database, on its own
    /// connection — reading and replaying the cases of each next transaction on a thread of its
    /// own while this one writes. The tick takes a case from what `reader` read only when the
    /// copy's last event number is the store's, read inside the transaction that holds the case,
    /// and reads the store otherwise: what the reader does, or fails to do (it may fall behind,
    /// or fail), changes no event. Replaying the cases is then off the writing thread (about a
    /// fifth of a tick's time on SQLite). Worth it where reading a case costs the writer more
    /// than asking its number; on PostgreSQL both are a round trip, and the command line's tick
    /// there does not read ahead.
    pub fn tick_with_reader<R: Store + Send>(
        &mut self,
        now: DateTime<FixedOffset>,
        mut reader: Service<R>,
    ) -> Result<TickSummary> {
        let cache = Arc::new(CaseCache::new(READ_AHEAD_CASES));
        reader.share_cases(cache.clone());
        // Two transactions' worth of ids at most wait: when the reader falls behind, the
        // writer reads those cases itself rather than wait for it.
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<CaseId>>(2);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                for ids in receive {
                    // A failed read ahead only means the tick reads those cases itself.
                    let _ = reader.read_ahead(&ids);
                }
            });
            let summary = self.tick_reading_ahead(now, cache, |ids| {
                let _ = send.try_send(ids);
            });
            drop(send);
            summary
        })
    }

    /// [`Service::tick`], with each page's first transaction's ids, then before each transaction
    /// the ids of the one after it, given to `ahead` to load into `cache` (the mechanism of
    /// [`Service::tick_with_reader`]; the tests call it without a thread).
    pub(crate) fn tick_reading_ahead(
        &mut self,
        now: DateTime<FixedOffset>,
        cache: Arc<CaseCache>,
        mut ahead: impl FnMut(Vec<CaseId>),
    ) -> Result<TickSummary> {
        self.tick_ahead(now, Some((cache, &mut ahead)))
    }

    /// Loads the cases `ids` into the cache this service shares ([`Service::share_cases`]), in
    /// one read transaction; cases that do not exist are skipped. The reader's half of
    /// [`Service::tick_with_reader`].
    pub(crate) fn read_ahead(&mut self, ids: &[CaseId]) -> Result<()> {
        self.read(|w| {
            for id in ids {
                w.case(id)?;
            }
            Ok(())
        })
    }

    fn tick_ahead(
        &mut self,
        now: DateTime<FixedOffset>,
        mut ahead: Option<ReadAhead<'_>>,
    ) -> Result<TickSummary> {
        let mut summary = TickSummary::default();
        // A cursor over (next tick date, id), moved past a whole page once it is done: a case
        // whose date does not move (nothing it could do yet) is not visited twice, one that
        // moves to a later date still due, past the page, is visited again, and memory stays
        // one page (`TICK_PAGE` ids) whatever the number of due cases.
        let mut cursor: Option<(NaiveDate, CaseId)> = None;
        let today = self.read(|w| Ok(local_date(now, w.policy.timezone)))?;
        let page = self.tick_page.max(1);
        loop {
            let mut batch = self.read(|w| w.txn.due_for_tick(today, cursor.as_ref(), page))?;
            let Some(page_end) = batch.last().cloned() else {
                return Ok(summary);
            };
            // A page is handled in case-number order, not due-date order: the rows a
            // transaction touches (the cases, their clocks, their counters by registration day)
            // then sit on neighbouring pages of the database instead of all over it. Each case's
            // tick depends on that case alone, so the order changes no case's events.
            batch.sort_by(|a, b| a.1.cmp(&b.1));
            // Up to TICK_BATCH cases per transaction: one commit (one sync) for many cases,
            // while a clerk waits for a case of the batch at most that long. The summary of a
            // batch is added only after its commit, so a retried batch counts once.
            let chunks: Vec<&[(NaiveDate, CaseId)]> =
                batch.chunks(self.tick_batch.max(1)).collect();
            let ids_of = |i: usize| -> Vec<CaseId> {
                chunks
                    .get(i)
                    .map(|c| c.iter().map(|(_, id)| id.clone()).collect())
                    .unwrap_or_default()
            };
            if let Some((_, f)) = &mut ahead {
                f(ids_of(0));
            }
            for (i, chunk) in chunks.iter().enumerate() {
                let ids = ids_of(i);
                let cache = match &mut ahead {
                    Some((cache, f)) => {
                        let next = ids_of(i + 1);
                        if !next.is_empty() {
                            f(next);
                        }
                        Some(cache.clone())
                    }
                    None => None,
                };
                let done = self.work(|w| {
                    w.txn()?.lock_cases(&ids)?;
                    // Read ahead: the copy is used only when its number is the store's, read
                    // in this transaction, which holds the case; nothing goes into the cache.
                    w.cases = cache.clone();
                    let mut s = TickSummary::default();
                    for (_, id) in chunk.iter() {
                        match w.tick_case(id, now) {
                            Ok(x) => s.add(&x),
                            // A case whose history is already later than `now` has nothing due
                            // at `now`.
                            Err(DomainError::Refused(Refusal::ClockSkew { .. })) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    Ok(s)
                })?;
                summary.add(&done);
            }
            cursor = Some(page_end);
        }
    }

    /// Proves the database: recomputes the audit chain and the access log, checks every derived
    /// table against a replay of the chain, and checks each `(position, hash)` anchor recorded
    /// earlier. Streams: memory stays flat whatever the size.
    ///
    /// ```
    /// let (mut svc, _) = petition_core::example::county();
    /// let report = svc.verify(&[]).unwrap();
    /// assert!(report.problem.is_none());
    /// // An anchor kept elsewhere: the chain must still hold this entry.
    /// let anchor = (report.head.position, petition_core::audit::unhex(&report.head.hash).unwrap());
    /// assert!(svc.verify(&[anchor]).unwrap().problem.is_none());
    /// ```
    pub fn verify(&mut self, anchors: &[(u64, [u8; 32])]) -> Result<crate::verify::VerifyReport> {
        self.read(|w| crate::verify::verify(w.txn()?, anchors))
    }

    /// Checks the audit chain's last entry against its hash (a server's start-up check): a
    /// damaged head is `integrity`. Returns the chain's length.
    pub fn check_head(&mut self) -> Result<u64> {
        self.read(|w| w.chain_head().map(|(n, _)| n))
    }

    /// The database's clock mode (`system` for a live database, `simulated` for training).
    pub fn clock_mode(&mut self) -> Result<ClockMode> {
        self.read(|w| w.clock_mode())
    }

    /// The change feed: up to `limit` entries of the audit chain after `position` (0 for the
    /// start), typed, each with its position and hash. An integrating system keeps the last
    /// position it processed and asks again from there; positions never change.
    ///
    /// ```
    /// use petition_core::example::{county, registration, staff};
    /// use petition_core::Entry;
    /// let (mut svc, now) = county();
    /// let seen = svc.changes_after(0, 1000).unwrap();
    /// let last = seen.last().unwrap().position;
    /// svc.register(&staff("li"), now, registration(now)).unwrap();
    /// let new = svc.changes_after(last, 1000).unwrap();
    /// assert!(matches!(&new[0].entry, Entry::Case(e) if e.kind.type_name() == "registered"));
    /// ```
    pub fn changes_after(&mut self, position: u64, limit: usize) -> Result<Vec<Change>> {
        self.read(|w| {
            let mut out = Vec::new();
            let mut bad = None;
            w.txn()?.chain(position.saturating_add(1), &mut |e| {
                if out.len() >= limit {
                    return Ok(false);
                }
                match serde_json::from_str::<crate::audit::Entry>(&e.body) {
                    Ok(entry) => out.push(Change {
                        position: e.gseq,
                        hash: crate::audit::hex(&e.hash),
                        entry,
                    }),
                    Err(_) => {
                        bad = Some(e.gseq);
                        return Ok(false);
                    }
                }
                Ok(true)
            })?;
            if let Some(g) = bad {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "audit chain entry {g} does not decode"
                ))));
            }
            Ok(out)
        })
    }

    /// Statistics over cases registered in `[from, to]`, evaluated at `now`, best first
    /// by `rank` when given.
    pub fn stats(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<FixedOffset>,
        by: crate::stats::GroupBy,
        rank: Option<crate::stats::Kpi>,
    ) -> Result<Vec<crate::stats::Group>> {
        let mut groups = self.read(|w| {
            let today = local_date(now, w.policy.timezone);
            let counts = w.txn.stats(&crate::stats::StatsQuery {
                from,
                to,
                today,
                by,
            })?;
            Ok(counts
                .into_iter()
                .map(|(key, counts)| {
                    let name = match by {
                        crate::stats::GroupBy::Category => key.clone(),
                        _ => UnitCode::parse(&key)
                            .ok()
                            .and_then(|u| w.org.unit(&u).map(|x| x.name.clone()))
                            .unwrap_or_else(|| key.clone()),
                    };
                    crate::stats::Group { key, name, counts }
                })
                .collect::<Vec<_>>())
        })?;
        if let Some(k) = rank {
            crate::stats::rank(&mut groups, k);
        }
        Ok(groups)
    }

    /// Case ids matching a query.
    pub fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        self.read(|w| w.txn.query(q))
    }

    /// A unit's queue.
    pub fn queue(
        &mut self,
        unit: &UnitCode,
        limit: usize,
    ) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        self.read(|w| w.txn.queue(unit, limit))
    }
}
