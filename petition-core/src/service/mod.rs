//! 服务: the one door for every mutation. Each call opens a write transaction, loads what the rule
//! needs, runs `decide`, appends the events to the audit chain, updates the query tables and
//! commits — so a command either fully happens or not at all.

mod admin;
mod by_id;
mod cache;
#[cfg(test)]
mod cache_tests;
mod case_file;
#[cfg(test)]
mod case_file_tests;
mod door;
#[cfg(test)]
mod identity_tests;
mod import;
#[cfg(test)]
mod integration_tests;
mod keys;
pub(crate) use import::{change_of, command_of};
mod notices;
mod reads;
pub(crate) use reads::unrecorded;
mod setup;
mod tick;
mod work;
mod writes;

pub use admin::{token_digest, AdminChange, IssuedToken, MAX_TOKEN_DAYS};
pub use cache::CaseCache;
pub(crate) use case_file::stored_problem;
pub use case_file::AttachmentPlan;
pub(crate) use door::live_clock_refused;
use door::*;
pub use reads::QueuePage;
pub use setup::ImportSummary;
use tick::*;
pub use tick::{TickSummary, TICK_BATCH};
pub use writes::PreparedCode;
use writes::*;
#[cfg(test)]
mod rules_tests;

use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::access::{access, Access, Disclosure, LoggedDisclosure};
use crate::audit::{AdminEvent, AdminKind, ClockMode};
use crate::case::{
    decide, evolve, replay, Actor, Case, Command, Context, Event, EventKind, Registration, Step,
};
use crate::clock::{local_date, Calendar};
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, CodeHash, CodeRecord, QueryCode, QueryCodeCost, StaffId, UnitCode};
use crate::org::{Org, Role, Staff};
use crate::policy::Policy;
use crate::principal::{
    Brief, Disclosed, NewCase, Pending, Principal, Recorded, Reveal, Shown, When,
};
use crate::store::{check_tail, seal, CaseQuery, DuePage, Finished, Sealed, Store};
use crate::store::{StoredEntry, Txn};

/// How many times a command is retried when the database is locked by another writer.
pub const RETRIES: u32 = 3;

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
    /// The idempotency key the next write that moves the chain keeps with it
    /// ([`Service::set_key_claim`]).
    claim: Option<crate::idempotency::KeyClaim>,
}

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
    /// The time of the chain's last entry, read with the head: on a live database no entry is
    /// sealed with an earlier one.
    head_at: Option<DateTime<FixedOffset>>,
    /// While importing: the access-log head the entry being loaded records (`None` for an entry
    /// of an older chain that records none); live, `None` here and the store's head is read.
    import_access: Option<Option<crate::audit::AccessHead>>,
    /// The access log's head as read for the first entry this transaction sealed: read once
    /// (a tick's batch seals many), and again after this transaction appends a disclosure.
    access_seen: Option<crate::audit::AccessHead>,
    /// Whether this transaction appended to the audit chain.
    moved: bool,
    /// A read transaction's chain head as stored, read on first use: the state it sees.
    mark: Option<cache::Mark>,
}

/// The most cases `visible_cases` reads per page while it skips cases the reader may not see.
const VISIBLE_PAGE: usize = 1000;

impl<T: Txn> Work<'_, T> {}

impl<S: Store> Service<S> {
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
            claim: None,
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
            claim: None,
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
                    head_at: None,
                    import_access: None,
                    access_seen: None,
                    moved: false,
                    mark: None,
                    cases: if write { None } else { self.cases.clone() },
                    fill: !write,
                };
                let r = f(&mut w)?;
                let case = w.pending.as_ref().map(|(_, c)| c.id.clone());
                w.flush()?;
                let claimed = match &self.claim {
                    Some(c) if w.moved => {
                        w.keep_claim(c, case)?;
                        true
                    }
                    _ => false,
                };
                w.txn.commit()?;
                if claimed {
                    self.claim = None;
                }
                Ok(r)
            })();
            match result {
                Err(e) if e.is_retryable() && attempt < RETRIES => continue,
                other => return other,
            }
        }
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

    /// One page of a list (see [`Work::list_page`]): the cases after `q.offset` of those `p` may
    /// read, how many there are in all, and where the next page starts.
    pub fn list_page(&mut self, p: &Principal, q: &CaseQuery) -> Result<crate::principal::Page> {
        self.read(|w| w.list_page(p, q))
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

    /// Proves the database: the schema is the program's own, recomputes the audit chain and the
    /// access log (and the access-log heads the chain recorded), checks every derived table
    /// against a replay of the chain, and checks each anchor recorded earlier. Streams: memory
    /// stays flat whatever the size.
    ///
    /// ```
    /// use petition_core::audit::unhex;
    /// let (mut svc, _) = petition_core::example::county();
    /// let report = svc.verify(&[]).unwrap();
    /// assert!(report.problem.is_none());
    /// // An anchor kept elsewhere: the chain and the access log must still hold these entries.
    /// let anchor = petition_core::verify::Anchor {
    ///     position: report.head.position,
    ///     hash: unhex(&report.head.hash).unwrap(),
    ///     access: Some((report.access_head.position, unhex(&report.access_head.hash).unwrap())),
    /// };
    /// assert!(svc.verify(&[anchor]).unwrap().problem.is_none());
    /// ```
    pub fn verify(
        &mut self,
        anchors: &[crate::verify::Anchor],
    ) -> Result<crate::verify::VerifyReport> {
        self.read(|w| crate::verify::verify(w.txn()?, anchors))
    }

    /// [`Service::verify`], with the rules pass (every case event decided again) run by
    /// `helper` — a second service over the same database, on its own connection and thread —
    /// while this one checks the chain's derived tables and the access log: the two cores of a
    /// small server each take half of the work. The helper runs the pass only when its
    /// transaction sees the same chain as this one (a write committed between the two starts
    /// makes this one run it itself), and never for a store without derived tables. A helper
    /// over another database is refused (`validation`). The report is the one
    /// [`Service::verify`] gives, the rules' finding first.
    pub fn verify_with_helper<R: Store + Send>(
        &mut self,
        anchors: &[crate::verify::Anchor],
        mut helper: Service<R>,
    ) -> Result<crate::verify::VerifyReport> {
        // A database without a chain (never initialised, or emptied) is verify's to report.
        let (Ok(mine), Ok(theirs)) = (self.read(|w| w.identity()), helper.read(|w| w.identity()))
        else {
            return self.verify(anchors);
        };
        if mine.db != theirs.db {
            return Err(DomainError::from(Refusal::invalid(
                "the verification's helper is a service over another database: give it one over this database",
                "校验的辅助服务连接的是另一个数据库：请连接本数据库",
            )));
        }
        type Head = Option<(u64, Vec<u8>)>;
        let (head_to_main, head_from_helper) = std::sync::mpsc::sync_channel::<Head>(1);
        let (input_to_helper, input_from_main) =
            std::sync::mpsc::sync_channel::<Option<crate::verify::RulesInput>>(1);
        std::thread::scope(|scope| {
            let helped = scope.spawn(move || {
                helper.read(|w| {
                    let txn = w.txn()?;
                    let head = crate::verify::head_of(txn)?;
                    if head_to_main.send(head).is_err() {
                        return Ok(None);
                    }
                    match input_from_main.recv() {
                        Ok(Some(input)) => crate::verify::rules_pass(txn, &input).map(Some),
                        _ => Ok(None),
                    }
                })
            });
            // The helper's head (none when its transaction could not start).
            let theirs = head_from_helper.recv().ok();
            let mut sent = false;
            let report = self.read(|w| {
                let txn = w.txn()?;
                let mine = crate::verify::head_of(txn)?;
                let same = theirs.as_ref() == Some(&mine);
                // Offered once: a retried transaction runs the rules itself.
                let mut offer = |input: crate::verify::RulesInput| {
                    if sent {
                        return false;
                    }
                    sent = true;
                    let go = same.then_some(input);
                    let helping = go.is_some();
                    input_to_helper.send(go).is_ok() && helping
                };
                let r = crate::verify::verify_beside(txn, anchors, &mut offer);
                if !sent {
                    sent = true;
                    let _ = input_to_helper.send(None);
                }
                r
            });
            drop(input_to_helper);
            let rules = helped.join().map_err(|_| {
                DomainError::from(StorageError::internal("the verification's helper stopped"))
            })?;
            let mut report = report?;
            // Only a pass that ran the rules there says anything; a chain problem came first.
            if let Some(Some(p)) = rules? {
                report.problem = Some(p);
            }
            Ok(report)
        })
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
                        crate::stats::GroupBy::Category | crate::stats::GroupBy::Channel => {
                            key.clone()
                        }
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
