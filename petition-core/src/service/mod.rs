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
use crate::ids::{CaseId, CodeHash, CodeRecord, QueryCode, QueryCodeCost, StaffId, UnitCode};
use crate::org::{Org, Role, Staff, Unit};
use crate::policy::Policy;
use crate::principal::{
    Brief, Disclosed, NewCase, Pending, Principal, Recorded, Reveal, Shown, When,
};
use crate::store::{check_tail, identity_keys, seal, CaseQuery, Finished, Store, StoredEntry, Txn};

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

/// One entry of the change feed ([`Service::changes_after`]), as its reader may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Change {
    /// Position in the audit chain, from 1.
    pub position: u64,
    /// The entry's SHA-256 chain hash, 64 hex digits: for an admin only (every hash is computed
    /// over unmasked data, so a clerk gets positions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// The case event or administrative event (query codes and token digests left out;
    /// personal data masked unless the reader's unit may see it).
    pub entry: crate::audit::Entry,
    /// Whether personal data in `entry` is masked.
    pub masked: bool,
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

/// What a database is, read once from its audit chain's first entry and never changing: its
/// identity (that entry's hash: a principal belongs to the database it was resolved on) and
/// its clock mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) db: [u8; 32],
    pub(crate) clock: ClockMode,
}

/// The service over a store.
pub struct Service<S: Store> {
    store: S,
    rng: rand::rngs::StdRng,
    /// The database's identity and clock, once read.
    identity: Option<Identity>,
    /// How query codes are hashed (standard but for generated training data).
    code_cost: QueryCodeCost,
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
    /// The database's identity and clock (the service's copy, filled on first use).
    identity: &'t mut Option<Identity>,
    /// How query codes are hashed.
    code_cost: QueryCodeCost,
    /// A write transaction (writes and access-log entries are refused in a read one).
    write: bool,
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

/// The system clock in the database's time zone: the time of every write on a live database.
fn system_now(tz: FixedOffset) -> DateTime<FixedOffset> {
    chrono::Utc::now().with_timezone(&tz)
}

/// The refusal of a time named by the caller for a write on a live database.
pub(crate) fn live_clock_refused() -> Refusal {
    Refusal::invalid(
        "this is a live database (system clock): a change takes its time from the system clock, and a time given for it is refused; training and tests use a simulated database",
        "这是正式数据库（系统时钟）：修改数据一律使用系统时间，不接受指定的时间；培训和测试请使用模拟数据库",
    )
}

/// The access of `staff` to a case it just acted on (a case that became unreadable to its own
/// actor, which no rule allows, is shown masked).
fn visible_access(org: &Org, staff: &Staff, case: &Case) -> Access {
    match access(org, staff, case) {
        Access::Hidden => Access::Masked,
        a => a,
    }
}

/// A query code drawn and hashed before the transaction that registers it
/// ([`Service::prepare_query_code`]): the slow hash never runs while the database is locked.
#[derive(Clone)]
pub struct PreparedCode {
    code: QueryCode,
    record: CodeRecord,
    cost: QueryCodeCost,
}

impl PreparedCode {
    /// Draws a code and its salt from the operating system's random source and hashes it at
    /// `cost` — on any thread, so that a caller can compute the slow hash while it does other
    /// work (the command line does it while it opens the database). A live database accepts
    /// only [`QueryCodeCost::Standard`].
    pub fn draw(cost: QueryCodeCost) -> Self {
        let mut rng = rand::rngs::StdRng::from_entropy();
        prepare_code(&mut rng, cost)
    }
}

impl std::fmt::Debug for PreparedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreparedCode(..)")
    }
}

/// A fixed standard-cost hash, checked where there is no hash of the case's own, so that every
/// look-up by query code does the same work.
fn dummy_code_hash() -> &'static CodeHash {
    static DUMMY: std::sync::OnceLock<CodeHash> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let code = QueryCode::from_random([0; 8]);
        CodeHash::of(&code, [0x5a; 16], QueryCodeCost::Standard)
    })
}

/// Draws 8 characters and a 16-byte salt from `rng` and hashes the code at `cost`.
fn prepare_code(rng: &mut rand::rngs::StdRng, cost: QueryCodeCost) -> PreparedCode {
    let mut r = [0u32; 8];
    for x in &mut r {
        *x = rng.gen();
    }
    let code = QueryCode::from_random(r);
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    let record = CodeRecord::Hashed(CodeHash::of(&code, salt, cost));
    PreparedCode { code, record, cost }
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
    pub(crate) fn case_ids(&mut self, after: Option<&CaseId>, limit: usize) -> Result<Vec<CaseId>> {
        self.txn()?.case_ids(after, limit)
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
        self.txn
            .append_admin(Finished::of(ev), Finished::of(&sealed[0]))?;
        self.advance(&sealed);
        Ok(())
    }

    fn apply(&mut self, case: &Case, events: Vec<Event>) -> Result<Case> {
        let sealed = self.seal_next(events.iter().cloned().map(crate::audit::Entry::Case))?;
        self.txn.append(
            case.seq,
            Finished::of(events.as_slice()),
            Finished::of(sealed.as_slice()),
        )?;
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

    /// The database's identity and clock mode, read from the chain's first entry once per
    /// service (`not_found` on a database nobody initialised).
    pub(crate) fn identity(&mut self) -> Result<Identity> {
        if let Some(i) = *self.identity {
            return Ok(i);
        }
        let mut found = None;
        self.txn()?.chain(1, &mut |e| {
            let clock = match serde_json::from_str::<crate::audit::Entry>(&e.body) {
                Ok(crate::audit::Entry::Admin(AdminEvent {
                    kind: AdminKind::Initialized { clock, .. },
                    ..
                })) => clock.unwrap_or(ClockMode::System),
                _ => ClockMode::System,
            };
            if let Ok(db) = <[u8; 32]>::try_from(e.hash.as_slice()) {
                found = Some(Identity { db, clock });
            }
            Ok(false)
        })?;
        let i = found.ok_or_else(|| {
            DomainError::from(Refusal::missing(
                "the database is not initialised: create its first admin first",
                "数据库尚未初始化：请先创建首位管理员",
            ))
        })?;
        *self.identity = Some(i);
        Ok(i)
    }

    /// The time of a write: the system clock on a live database, where a time the caller names
    /// is refused (`validation`); on a simulated one the caller's time, or the system clock.
    pub fn write_time(&mut self, when: When) -> Result<DateTime<FixedOffset>> {
        let tz = self.policy.timezone;
        match (self.identity()?.clock, when) {
            (ClockMode::System, When::At(_)) => Err(DomainError::from(live_clock_refused())),
            (_, When::At(t)) => Ok(t),
            (_, When::Now) => Ok(system_now(tz)),
        }
    }

    /// The time an access-log entry is written at: the system clock on a live database (a time
    /// the caller names only views a case as it would stand then), the caller's on a simulated
    /// one.
    pub fn log_time(&mut self, when: When) -> Result<DateTime<FixedOffset>> {
        let tz = self.policy.timezone;
        match (self.identity()?.clock, when) {
            (ClockMode::Simulated, When::At(t)) => Ok(t.with_timezone(&tz)),
            _ => Ok(system_now(tz)),
        }
    }

    /// The staff member `id` as a principal, resolved from this database's staff table:
    /// `not_found` when unknown, `permission_denied` when deactivated.
    pub fn principal(&mut self, id: &StaffId) -> Result<Principal> {
        let db = self.identity()?.db;
        actor_staff(&self.org, id)?;
        Ok(Principal {
            staff: id.clone(),
            db,
        })
    }

    /// The staff member behind a principal, as the staff table has them now (a principal of
    /// another database is unknown here).
    pub fn resolve(&mut self, p: &Principal) -> Result<Staff> {
        if self.identity()?.db != p.db {
            return Err(DomainError::from(Refusal::NoStaff {
                id: p.staff.as_str().to_string(),
                nearest: None,
            }));
        }
        actor_staff(&self.org, &p.staff).cloned()
    }

    /// The principal a bearer token stands for, if the token is known, unexpired now (the
    /// system clock: a token's life is real time on every database) and its staff member
    /// active; otherwise `unauthenticated`, saying no more. Every stored digest is compared,
    /// each in constant time.
    pub fn authenticate(&mut self, token: &str) -> Result<Principal> {
        let now = system_now(self.policy.timezone);
        let digest = token_digest(token.trim());
        let mut found: Option<&Staff> = None;
        for s in self.org.all_staff() {
            for t in &s.tokens {
                if constant_time_eq(t.sha256.as_bytes(), digest.as_bytes()) && t.expires_at > now {
                    found = Some(s);
                }
            }
        }
        let id = match found {
            Some(s) if !s.deactivated => s.id.clone(),
            _ => return Err(DomainError::from(Refusal::Unauthenticated)),
        };
        let db = self.identity()?.db;
        Ok(Principal { staff: id, db })
    }

    /// Refuses a write in a read transaction.
    fn writable(&self) -> Result<()> {
        if self.write {
            Ok(())
        } else {
            Err(DomainError::from(StorageError::internal(
                "a write in a read transaction: use Service::work",
            )))
        }
    }

    /// Registers a new case (2005 Art 17–18) as `p`: its unit becomes the first-contact unit and
    /// holder. Returns the case in brief and its query code, shown this once.
    pub fn register(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        reg: Registration,
    ) -> Result<NewCase> {
        let code = prepare_code(self.rng, self.code_cost);
        self.register_prepared(p, when, reg, code)
    }

    /// [`Work::register`] with a query code drawn and hashed beforehand
    /// ([`Service::prepare_query_code`]), so the slow hash runs outside the write transaction.
    pub fn register_prepared(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        reg: Registration,
        code: PreparedCode,
    ) -> Result<NewCase> {
        self.writable()?;
        let staff = self.resolve(p)?;
        let now = self.write_time(when.into())?;
        let case = self.register_as(&staff, now, reg, &code)?;
        let access = visible_access(&self.org, &staff, &case);
        Ok(NewCase {
            case: Brief::of(case, access),
            query_code: code.code,
        })
    }

    /// Registers as `staff` at `now` (the actor and time already checked).
    fn register_as(
        &mut self,
        staff: &Staff,
        now: DateTime<FixedOffset>,
        reg: Registration,
        code: &PreparedCode,
    ) -> Result<Case> {
        if code.cost != QueryCodeCost::Standard && self.identity()?.clock == ClockMode::System {
            return Err(DomainError::from(Refusal::invalid(
                "a live database keeps query codes under the standard hash only",
                "正式数据库的查询码只能使用标准哈希",
            )));
        }
        reg.validate()?;
        let related = self.related_for(staff, &reg)?;
        let year = local_date(now, self.policy.timezone).year();
        // Decide on a provisional id first so a refused registration consumes no number.
        let probe = Case::new(CaseId::new(year, 0));
        let cmd = Command::Register {
            registration: Box::new(reg),
            query_code: code.record.clone(),
        };
        let ctx = Context {
            now,
            actor: Actor::Staff(staff),
            org: &self.org,
            policy: &self.policy,
            calendar: &self.calendar,
            related: &related,
            target: None,
        };
        decide(&probe, &cmd, &ctx)?;
        let id = self.txn.next_case_id(Finished::of(&year))?;
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

    /// A known, active staff member, or `not_found` (import re-decides with the chain's actors).
    pub(crate) fn staff(&self, id: &StaffId) -> Result<Staff> {
        actor_staff(&self.org, id).cloned()
    }

    /// [`Work::authenticate`] at a given time (tests of expiry).
    #[cfg(test)]
    pub(crate) fn authenticate_at(
        &mut self,
        token: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Principal> {
        let digest = token_digest(token.trim());
        let found = self.org.all_staff().find(|s| {
            s.tokens.iter().any(|t| {
                constant_time_eq(t.sha256.as_bytes(), digest.as_bytes()) && t.expires_at > now
            })
        });
        let id = match found {
            Some(s) if !s.deactivated => s.id.clone(),
            _ => return Err(DomainError::from(Refusal::Unauthenticated)),
        };
        let db = self.identity()?.db;
        Ok(Principal { staff: id, db })
    }

    /// The database's clock mode, from the chain's first entry (databases made before clock
    /// modes existed are live: `system`).
    pub fn clock_mode(&mut self) -> Result<ClockMode> {
        Ok(self.identity()?.clock)
    }

    /// Loads a case by replaying its events (`not_found` when unknown).
    pub(crate) fn load(&mut self, id: &CaseId) -> Result<(Case, Vec<Event>)> {
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

    /// Runs a case command as `p` and returns the case as it left it, in brief; a refused
    /// command changes nothing and says why. A case `p` may not read answers exactly as an
    /// unknown one, before any other rule is checked.
    pub fn execute(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<Brief> {
        self.writable()?;
        let staff = self.resolve(p)?;
        let now = self.write_time(when.into())?;
        let (before, case) = self.execute_as(&staff, now, id, cmd)?;
        let access = visible_access(&self.org, &staff, &case);
        Ok(Brief::after(case, access, before))
    }

    /// `not_found`, exactly as for an unknown case, when `staff` may not read `case`.
    fn readable(&self, staff: &Staff, case: &Case) -> Result<()> {
        match access(&self.org, staff, case) {
            Access::Hidden => Err(DomainError::from(Refusal::NoCase {
                id: case.id.as_str().to_string(),
            })),
            _ => Ok(()),
        }
    }

    /// Runs a case command as `staff` at `now` (both checked); returns the case's last event
    /// number before it and the case afterwards.
    fn execute_as(
        &mut self,
        staff: &Staff,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<(u32, Case)> {
        if matches!(
            cmd,
            Command::Register { .. }
                | Command::Absorb { .. }
                | Command::Tick
                | Command::ResetQueryCode { .. }
                | Command::ReleaseOfficer { .. }
        ) {
            return Err(DomainError::from(Refusal::usage(
                "use the register, merge, tick or query-code reset operation for this command",
                "请使用登记、合并、定时处理或查询码重置功能",
            )));
        }
        self.execute_unchecked(staff, now, id, cmd)
    }

    /// [`Work::execute_as`] for any command, the service's own included.
    fn execute_unchecked(
        &mut self,
        staff: &Staff,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<(u32, Case)> {
        let case = self.current(id)?;
        // Before any rule of state, holder or role: a refusal never tells an outsider that the
        // case exists, who holds it or what state it is in.
        self.readable(staff, &case)?;
        if let Command::Merge { into } = &cmd {
            // Both sides are decided before anything is written. A target the actor may not
            // read answers as an unknown case.
            let target = self
                .case(into)?
                .filter(|t| access(&self.org, staff, t) != Access::Hidden);
            let events =
                self.decide_with(&case, &cmd, Actor::Staff(staff), now, target.as_ref())?;
            let target = target.ok_or_else(|| {
                DomainError::from(Refusal::NoCase {
                    id: into.as_str().to_string(),
                })
            })?;
            let absorb = Command::Absorb { from: id.clone() };
            let target_events = self.decide_on(&target, &absorb, Actor::Staff(staff), now)?;
            let merged = self.apply(&case, events)?;
            self.apply(&target, target_events)?;
            return Ok((case.seq, merged));
        }
        let events = self.decide_on(&case, &cmd, Actor::Staff(staff), now)?;
        Ok((case.seq, self.apply(&case, events)?))
    }

    /// Gives the petitioner a new query code (查询码重置) as `p` — the registering unit or a
    /// petition office whose area includes the case: the old code stops working, the new one
    /// is returned this once (the database keeps its salted hash), and the reset is recorded in
    /// the chain and the access log. Returns the case in brief and the new code.
    pub fn reset_query_code(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        id: &CaseId,
        code: PreparedCode,
    ) -> Result<(Brief, QueryCode)> {
        self.writable()?;
        let staff = self.resolve(p)?;
        let now = self.write_time(when.into())?;
        if code.cost != QueryCodeCost::Standard && self.identity()?.clock == ClockMode::System {
            return Err(DomainError::from(Refusal::invalid(
                "a live database keeps query codes under the standard hash only",
                "正式数据库的查询码只能使用标准哈希",
            )));
        }
        let cmd = Command::ResetQueryCode {
            query_code: code.record.clone(),
        };
        let (before, case) = self.execute_unchecked(&staff, now, id, cmd)?;
        self.disclose(&staff, Some(id), "query-code reset", now)?;
        let access = visible_access(&self.org, &staff, &case);
        Ok((Brief::after(case, access, before), code.code))
    }

    /// The case and history behind a case id and query code as the petitioner typed them
    /// (2005 Art 12). An id that is malformed or unknown and a code that is malformed or wrong
    /// all answer the same `not_found`, naming what was asked, after the same work: one check
    /// of a standard-cost hash (a fixed one when there is no case or its code is kept in clear).
    pub(crate) fn by_query_code(&mut self, id: &str, code: &str) -> Result<(Case, Vec<Event>)> {
        let not_found = || {
            DomainError::from(Refusal::NoCase {
                id: id.trim().to_string(),
            })
        };
        let found = match CaseId::parse(id.trim()) {
            Ok(case_id) => match self.load(&case_id) {
                Ok(x) => Some(x),
                Err(e) if e.code() == "not_found" => None,
                Err(e) => return Err(e),
            },
            Err(_) => None,
        };
        let right = match found.as_ref().and_then(|(c, _)| c.query_code.as_ref()) {
            Some(CodeRecord::Hashed(h)) => h.matches(code),
            Some(CodeRecord::Clear(c)) => {
                let _ = dummy_code_hash().matches(code);
                c.matches(code)
            }
            None => {
                let _ = dummy_code_hash().matches(code);
                false
            }
        };
        match found {
            Some(x) if right => Ok(x),
            _ => Err(not_found()),
        }
    }

    /// The petitioner rates the latest answer online (actor `petitioner`) with the case's query
    /// code, within its evaluation window and once per answer — the only command a petitioner
    /// gives. A wrong code answers like an unknown case. Returns the case in brief.
    pub fn petitioner_evaluates(
        &mut self,
        id: &str,
        code: &str,
        when: impl Into<When>,
        handling: crate::case::Satisfaction,
        office: Option<crate::case::Satisfaction>,
    ) -> Result<Brief> {
        self.writable()?;
        let now = self.write_time(when.into())?;
        let (case, _) = self.by_query_code(id, code)?;
        // The decision folds the case as this transaction sees it (a pending one included).
        let case = self.current(&case.id)?;
        // Whatever the rules version of the database: the unit that was shown the code never
        // rates its own answer as the petitioner.
        let rated = case
            .clocks
            .iter()
            .rev()
            .find(|c| c.kind == crate::clock::ClockKind::Evaluation);
        if let Some(c) = rated {
            crate::case::decide::online_rating_allowed(&case, &c.unit)?;
        }
        let cmd = Command::Evaluate { handling, office };
        let events = self.decide_on(&case, &cmd, Actor::Petitioner, now)?;
        let before = case.seq;
        let case = self.apply(&case, events)?;
        Ok(Brief::after(case, Access::Masked, before))
    }

    /// The time-driven work for one case as `system`; returns what it did. It changes
    /// nothing outside the transaction, so a retried transaction counts once: the caller adds
    /// the summary after the commit.
    pub(crate) fn tick_case(
        &mut self,
        id: &CaseId,
        now: DateTime<FixedOffset>,
    ) -> Result<TickSummary> {
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

    /// An administrative change by the admin `p`; returns the audited event.
    pub fn admin(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        change: AdminChange,
    ) -> Result<AdminEvent> {
        self.writable()?;
        let staff = self.resolve(p)?;
        let now = self.write_time(when.into())?;
        let moved_or_gone = match &change {
            AdminChange::MoveStaff { staff, .. } | AdminChange::Deactivate(staff) => {
                Some(staff.clone())
            }
            _ => None,
        };
        let ev = self.admin_as(&staff.id, now, change)?;
        if let Some(who) = moved_or_gone {
            self.after_move(&staff, &who, now)?;
        }
        Ok(ev)
    }

    /// What follows a staff member's move or deactivation, in the same transaction: their
    /// tokens stop working (signed in, they would read with the new unit's reach), and they stop
    /// being the officer of the cases whose holder is not their unit now.
    fn after_move(
        &mut self,
        admin: &Staff,
        who: &StaffId,
        now: DateTime<FixedOffset>,
    ) -> Result<()> {
        let has_tokens = self.org.staff(who).is_some_and(|s| !s.tokens.is_empty());
        if has_tokens {
            self.admin_as(&admin.id, now, AdminChange::RevokeTokens(who.clone()))?;
        }
        let q = CaseQuery {
            states: crate::case::CaseState::ALL
                .iter()
                .copied()
                .filter(|s| !s.is_terminal())
                .collect(),
            officer: Some(who.clone()),
            limit: usize::MAX,
            ..CaseQuery::default()
        };
        let carried = self.txn()?.query(&q)?;
        for id in carried {
            let cmd = Command::ReleaseOfficer {
                officer: who.clone(),
            };
            match self.execute_unchecked(admin, now, &id, cmd) {
                Ok(_) => {}
                // Still the holder's (moved within it, say): the officer keeps it.
                Err(DomainError::Refused(Refusal::Transition { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// An administrative change by `actor` at `now` (checked here: an active admin).
    pub(crate) fn admin_as(
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
            Some(crate::org::Changed::Staff(s)) => self.txn.put_staff(Finished::of(&s))?,
            Some(crate::org::Changed::Unit(u)) => self.txn.put_unit(Finished::of(&u))?,
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
                self.txn.put_staff(Finished::of(admin))?;
                // The rules version lives with the policy (what every decision reads); a chain
                // without one was made under the first rules.
                self.policy.rules = rules.unwrap_or(1);
                self.txn
                    .put_settings(Finished::of(&self.policy), Finished::of(&self.calendar))
            }
            AdminKind::StaffAdded { staff } => self.txn.put_staff(Finished::of(staff)),
            AdminKind::UnitAdded { unit } => self.txn.put_unit(Finished::of(unit)),
            AdminKind::PolicySet { .. } | AdminKind::CalendarSet { .. } => self
                .txn
                .put_settings(Finished::of(&self.policy), Finished::of(&self.calendar)),
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
            identity: None,
            code_cost: QueryCodeCost::Standard,
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
            identity: None,
            code_cost: QueryCodeCost::Standard,
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
    /// writer is retried a bounded number of times ([`RETRIES`]), then reported as `conflict`.
    ///
    /// **`f` may run more than once**: when the database was busy, the transaction is rolled
    /// back and `f` runs again from the start on a fresh one. Everything `f` did to the database
    /// is undone by the rollback, but not what it did to its own captured state: `f` must not
    /// consume or advance anything outside the transaction (a random generator, an iterator, a
    /// counter) unless running it twice gives the same result.
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
                    self.store.txn(crate::store::Gate::new())?
                } else {
                    self.store.read(crate::store::Gate::new())?
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
                    identity: &mut self.identity,
                    code_cost: self.code_cost,
                    write,
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
    /// A live (`system`-clock) database starts at the system clock: `when` must be
    /// [`When::Now`] for it.
    pub fn init(&mut self, admin: Staff, when: impl Into<When>, clock: ClockMode) -> Result<()> {
        let now = match (clock, when.into()) {
            (ClockMode::System, When::At(_)) => {
                return Err(DomainError::from(live_clock_refused()))
            }
            (_, When::At(t)) => t,
            (_, When::Now) => chrono::Utc::now().fixed_offset(),
        };
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

    /// The staff member `id` as a principal of this database (see [`Work::principal`]).
    pub fn principal(&mut self, id: &StaffId) -> Result<Principal> {
        self.read(|w| w.principal(id))
    }

    /// The principal a bearer token stands for (see [`Work::authenticate`]).
    pub fn authenticate(&mut self, token: &str) -> Result<Principal> {
        self.read(|w| w.authenticate(token))
    }

    /// The staff member behind a principal, as the staff table has them now.
    pub fn resolve(&mut self, p: &Principal) -> Result<Staff> {
        self.read(|w| w.resolve(p))
    }

    /// An administrative change by the admin `p`.
    pub fn admin(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        change: AdminChange,
    ) -> Result<()> {
        let when = when.into();
        self.work(|w| w.admin(p, when, change.clone()).map(|_| ()))
    }

    /// Issues a bearer token for `staff` by the admin `p`, working for `days` days
    /// (1..=[`MAX_TOKEN_DAYS`]) from now — the system clock, even on a simulated database: a
    /// token's life is real time. The chain records its SHA-256 digest, never the token, which
    /// is returned here once.
    pub fn issue_token(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        staff: &StaffId,
        days: u32,
    ) -> Result<IssuedToken> {
        let issued = chrono::Utc::now().fixed_offset();
        self.issue_token_at(p, when.into(), staff, issued, days)
    }

    /// [`Service::issue_token`] with its life counted from `issued` (tests of expiry).
    pub(crate) fn issue_token_at(
        &mut self,
        p: &Principal,
        when: When,
        staff: &StaffId,
        issued: DateTime<FixedOffset>,
        days: u32,
    ) -> Result<IssuedToken> {
        if days == 0 || days > MAX_TOKEN_DAYS {
            return Err(DomainError::from(Refusal::field(
                "expires_days",
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
                p,
                when,
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

    /// Draws a query code and computes its salted slow hash now, outside any transaction, for
    /// [`Work::register_prepared`].
    pub fn prepare_query_code(&mut self) -> PreparedCode {
        prepare_code(&mut self.rng, self.code_cost)
    }

    /// Hashes the query codes of the cases this service registers from now on at `cost`.
    /// [`QueryCodeCost::Training`] is for generated training and benchmark data: a registration
    /// with it on a live database is refused.
    pub fn set_query_code_cost(&mut self, cost: QueryCodeCost) {
        self.code_cost = cost;
    }

    /// Registers a case (登记) as `p`: its unit becomes the first-contact unit and holder, and
    /// the intake clock starts. Returns the case in brief and its query code (查询码), shown
    /// this once.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration};
    /// let (mut svc, now) = county();
    /// let li = principal(&mut svc, "li");
    /// let new = svc.register(&li, now, registration(now)).unwrap();
    /// assert_eq!(new.case.case.id.as_str(), "XF2026-000001");
    /// assert_eq!(new.case.case.state.as_str(), "registered");
    /// assert_eq!(new.query_code.as_str().len(), 8);
    /// ```
    pub fn register(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        reg: Registration,
    ) -> Result<NewCase> {
        let when = when.into();
        let code = self.prepare_query_code();
        self.work(|w| w.register_prepared(p, when, reg.clone(), code.clone()))
    }

    /// Runs a case command as `p` and returns the case as the command left it, in brief; a
    /// refused command changes nothing and says why. A case `p` may not read answers exactly as
    /// an unknown one.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration, unit};
    /// use petition_core::Command;
    /// let (mut svc, now) = county();
    /// let (li, wang) = (principal(&mut svc, "li"), principal(&mut svc, "wang"));
    /// let id = svc.register(&li, now, registration(now)).unwrap().case.case.id;
    /// // The housing bureau has no part in the case yet: to it the case does not exist.
    /// let refused = svc.execute(&wang, now, &id, Command::Accept { assist: vec![] });
    /// assert_eq!(refused.unwrap_err().code(), "not_found");
    /// let to = unit("county-zjj");
    /// svc.execute(&li, now, &id, Command::Transfer { to, note: None }).unwrap();
    /// // Only the holder accepts: the petition office may not.
    /// let refused = svc.execute(&li, now, &id, Command::Accept { assist: vec![] });
    /// assert_eq!(refused.unwrap_err().code(), "permission_denied");
    /// let case = svc.execute(&wang, now, &id, Command::Accept { assist: vec![] }).unwrap();
    /// assert_eq!(case.case.state.as_str(), "handling");
    /// ```
    pub fn execute(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<Brief> {
        let when = when.into();
        self.work(|w| w.execute(p, when, id, cmd.clone()))
    }

    /// The petitioner rates the latest answer online with the query code (see
    /// [`Work::petitioner_evaluates`]).
    pub fn petitioner_evaluates(
        &mut self,
        id: &str,
        code: &str,
        when: impl Into<When>,
        handling: crate::case::Satisfaction,
        office: Option<crate::case::Satisfaction>,
    ) -> Result<Brief> {
        let when = when.into();
        self.work(|w| w.petitioner_evaluates(id, code, when, handling, office))
    }

    /// The petitioner's progress page of a case, by its id and query code as typed, at `now`:
    /// state, steps, due dates and answers, never personal data. A malformed or unknown id and
    /// a malformed or wrong code all answer the same `not_found`, after the same work.
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

    /// A case as `p` may see it (see [`Work::show`]), with each showing of personal data in
    /// full recorded in the access log at `when` (on a live database: now) before it is
    /// returned.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration};
    /// use petition_core::{Access, Reveal, When};
    /// let (mut svc, now) = county();
    /// let (li, wang) = (principal(&mut svc, "li"), principal(&mut svc, "wang"));
    /// let id = svc.register(&li, now, registration(now)).unwrap().case.case.id;
    /// let shown = svc.show(&li, now, &id, Reveal::AsAllowed).unwrap();
    /// assert_eq!(shown.access, Access::Full);
    /// // The housing bureau has no part in the case: it does not exist for it.
    /// let err = svc.show(&wang, now, &id, Reveal::AsAllowed).unwrap_err();
    /// assert_eq!(err.code(), "not_found");
    /// ```
    pub fn show(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        id: &CaseId,
        reveal: Reveal,
    ) -> Result<Shown> {
        let d = self.read(|w| w.show(p, id, reveal))?;
        self.record(d, when)
    }

    /// Cases matching `q` that `p` may read, in brief (see [`Work::list`]).
    pub fn list(&mut self, p: &Principal, q: &CaseQuery) -> Result<Vec<Brief>> {
        self.read(|w| w.list(p, q))
    }

    /// `p`'s unit's work, most urgent first, with the date that makes each case urgent (see
    /// [`Work::queue`]).
    pub fn queue(
        &mut self,
        p: &Principal,
        limit: usize,
    ) -> Result<Vec<(Brief, Option<NaiveDate>)>> {
        self.read(|w| w.queue(p, limit))
    }

    /// Cases `p` may read that match a search (see [`Work::search`]).
    pub fn search(
        &mut self,
        p: &Principal,
        needle: &crate::search::Needle,
        limit: usize,
    ) -> Result<Vec<Brief>> {
        self.read(|w| w.search(p, needle, limit))
    }

    /// Writes the access-log entries a disclosure waits for, at `when` (on a live database:
    /// now), and hands its data over.
    pub fn record<T>(&mut self, d: Disclosed<T>, when: impl Into<When>) -> Result<T> {
        let d = match d.ready() {
            Ok(v) => return Ok(v),
            Err(d) => d,
        };
        let when = when.into();
        let (sealed, pending) = d.into_parts();
        let proof = self.work(|w| w.record(pending.clone(), when))?;
        sealed.open(proof)
    }

    /// Copies the whole database to a new file at `dest` (SQLite's online backup: clerks may
    /// keep working). It carries every case with its personal data: only an admin of no
    /// accused unit may ([`crate::interchange::whole_database_reader`]), and the backup is
    /// recorded in the access log at `when` before it is made.
    pub fn backup(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        dest: &std::path::Path,
    ) -> Result<()> {
        let when = when.into();
        let admin = crate::interchange::whole_database_reader(self, p)?;
        self.work(|w| {
            let at = w.log_time(when)?;
            w.disclose(&admin, None, "backup", at)
        })?;
        self.store.backup(crate::store::Gate::new(), dest)
    }

    /// Removes what a failed import into this new database made (see
    /// [`crate::interchange::import_new`]).
    pub(crate) fn discard_new(&mut self) -> Result<()> {
        self.settings = None;
        self.identity = None;
        self.store.discard(crate::store::Gate::new())
    }

    /// How many cases there are.
    pub fn case_count(&mut self) -> Result<u64> {
        self.read(|w| w.case_count())
    }

    /// Reads in a read transaction (org, policy, calendar and principal-taking reads); never
    /// blocks writers. Writes inside it are refused. `f` runs again when the database was busy
    /// (see [`Service::work`]).
    pub fn read<R>(&mut self, f: impl FnMut(&mut Work<'_, S::Txn<'_>>) -> Result<R>) -> Result<R> {
        self.run(false, f)
    }

    /// The time-driven work (reminders for overdue clocks, escalation of unanswered
    /// supervisions, lapsed windows) as `system`, at `when` — on a live database always now:
    /// a time named for it is refused. Finds due cases through the due-date index, many cases
    /// per transaction, so a crash loses nothing and a rerun finishes the job. Idempotent.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration, unit};
    /// use petition_core::{Command, DateTime};
    /// let (mut svc, now) = county();
    /// let li = principal(&mut svc, "li");
    /// let id = svc.register(&li, now, registration(now)).unwrap().case.case.id;
    /// let to = unit("town");
    /// svc.execute(&li, now, &id, Command::Transfer { to, note: None }).unwrap();
    /// // The township let its 15-day acceptance limit pass: the county office reminds it (催办).
    /// let later = DateTime::parse_from_rfc3339("2026-04-01T09:00:00+08:00").unwrap();
    /// let done = svc.tick(later).unwrap();
    /// assert_eq!(done.supervisions_opened, 1);
    /// assert_eq!(svc.tick(later).unwrap().events, 0, "a second tick does nothing");
    /// ```
    pub fn tick(&mut self, when: impl Into<When>) -> Result<TickSummary> {
        self.tick_ahead(when.into(), None)
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
    ///
    /// A reader on another database is refused (`validation`): its copies would be of other
    /// cases.
    pub fn tick_with_reader<R: Store + Send>(
        &mut self,
        when: impl Into<When>,
        mut reader: Service<R>,
    ) -> Result<TickSummary> {
        let when = when.into();
        let mine = self.read(|w| w.identity())?;
        let theirs = reader.read(|w| w.identity())?;
        if mine.db != theirs.db {
            return Err(DomainError::from(Refusal::invalid(
                "the tick's reader is a service over another database: give it one over this database",
                "定时处理的预读服务连接的是另一个数据库：请连接本数据库",
            )));
        }
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
            let summary = self.tick_reading_ahead(when, cache, |ids| {
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
        when: impl Into<When>,
        cache: Arc<CaseCache>,
        mut ahead: impl FnMut(Vec<CaseId>),
    ) -> Result<TickSummary> {
        self.tick_ahead(when.into(), Some((cache, &mut ahead)))
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

    fn tick_ahead(&mut self, when: When, mut ahead: Option<ReadAhead<'_>>) -> Result<TickSummary> {
        let mut summary = TickSummary::default();
        // A cursor over (next tick date, id), moved past a whole page once it is done: a case
        // whose date does not move (nothing it could do yet) is not visited twice, one that
        // moves to a later date still due, past the page, is visited again, and memory stays
        // one page (`TICK_PAGE` ids) whatever the number of due cases.
        let mut cursor: Option<(NaiveDate, CaseId)> = None;
        let (now, today) = self.read(|w| {
            let now = w.write_time(when)?;
            Ok((now, local_date(now, w.policy.timezone)))
        })?;
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

    /// The change feed as `p` may read it (see [`Work::changes_after`]), with each case whose
    /// personal data a page shows unmasked recorded in the access log at `when` before the
    /// page is returned.
    ///
    /// ```
    /// use petition_core::example::{county, principal, registration};
    /// use petition_core::Entry;
    /// let (mut svc, now) = county();
    /// let li = principal(&mut svc, "li");
    /// let seen = svc.changes_after(&li, now, 0, 1000).unwrap();
    /// let last = seen.last().unwrap().position;
    /// svc.register(&li, now, registration(now)).unwrap();
    /// let new = svc.changes_after(&li, now, last, 1000).unwrap();
    /// assert!(matches!(&new[0].entry, Entry::Case(e) if e.kind.type_name() == "registered"));
    /// assert!(new[0].hash.is_none(), "positions only for a clerk");
    /// ```
    pub fn changes_after(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        position: u64,
        limit: usize,
    ) -> Result<Vec<Change>> {
        let d = self.read(|w| w.changes_after(p, position, limit))?;
        self.record(d, when)
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
}

/// Inside the crate: the operations by staff id, returning whole cases — for the rules' and the
/// stores' own tests and the conformance suite, which check what is stored, not what a reader
/// is shown. The actor is still resolved from the staff table and the clock mode still applies.
impl<S: Store> Service<S> {
    /// Registers as `actor` at `now`; the whole case.
    pub(crate) fn register_by(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        reg: Registration,
    ) -> Result<Case> {
        self.work(|w| w.register_by(actor, now, reg.clone()))
    }

    /// Runs a case command as `actor` at `now`; the whole case afterwards.
    pub(crate) fn execute_by(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<Case> {
        self.work(|w| w.execute_by(actor, now, id, cmd.clone()))
    }

    /// An administrative change by `actor` at `now`.
    pub(crate) fn admin_by(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        change: AdminChange,
    ) -> Result<()> {
        self.work(|w| {
            w.write_time(When::At(now))?;
            w.admin_as(actor, now, change.clone()).map(|_| ())
        })
    }

    /// A case and its history, unmasked.
    pub(crate) fn load(&mut self, id: &CaseId) -> Result<(Case, Vec<Event>)> {
        self.read(|w| w.load(id))
    }

    /// Case ids matching a query, as the store answers it.
    pub(crate) fn query(&mut self, q: &CaseQuery) -> Result<Vec<CaseId>> {
        self.read(|w| w.txn.query(q))
    }

    /// A unit's queue, as the store answers it.
    pub(crate) fn queue_of(
        &mut self,
        unit: &UnitCode,
        limit: usize,
    ) -> Result<Vec<(CaseId, Option<NaiveDate>)>> {
        self.read(|w| w.txn.queue(unit, limit))
    }
}

impl<T: Txn> Work<'_, T> {
    /// Registers as `actor` at `now` (the clock mode applies); the whole case.
    pub(crate) fn register_by(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        reg: Registration,
    ) -> Result<Case> {
        self.writable()?;
        self.write_time(When::At(now))?;
        let staff = actor_staff(&self.org, actor)?.clone();
        let code = prepare_code(self.rng, self.code_cost);
        self.register_as(&staff, now, reg, &code)
    }

    /// Runs a case command as `actor` at `now` (the clock mode applies); the whole case.
    pub(crate) fn execute_by(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<Case> {
        self.writable()?;
        self.write_time(When::At(now))?;
        let staff = actor_staff(&self.org, actor)?.clone();
        Ok(self.execute_as(&staff, now, id, cmd)?.1)
    }
}

#[cfg(test)]
impl<S: Store> Service<S> {
    /// Issues a token by the admin `admin` at `now`, its life counted from `issued`.
    pub(crate) fn issue_token_by(
        &mut self,
        admin: &StaffId,
        now: DateTime<FixedOffset>,
        staff: &StaffId,
        issued: DateTime<FixedOffset>,
        days: u32,
    ) -> Result<IssuedToken> {
        let p = self.principal(admin)?;
        self.issue_token_at(&p, When::At(now), staff, issued, days)
    }
}
