//! Commands that change a case: registration (with its query code drawn and hashed ahead),
//! case commands (a case the actor may not read answers as an unknown one), the petitioner's
//! online rating, a query code's reset, and the time-driven work of one case.

use super::*;

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
pub(super) fn dummy_code_hash() -> &'static CodeHash {
    static DUMMY: std::sync::OnceLock<CodeHash> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let code = QueryCode::from_random([0; 8]);
        CodeHash::of(&code, [0x5a; 16], QueryCodeCost::Standard)
    })
}

/// Draws 8 characters and a 16-byte salt from `rng` and hashes the code at `cost`.
pub(super) fn prepare_code(rng: &mut rand::rngs::StdRng, cost: QueryCodeCost) -> PreparedCode {
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

impl<T: Txn> Work<'_, T> {
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
        let staff = self.resolve_for(p, crate::org::Scope::Register)?;
        let now = self.write_time(when.into())?;
        let case = self.register_as(&staff, now, reg, &code)?;
        let access = visible_access(&self.org, &staff, &case);
        Ok(NewCase {
            case: Brief::of(case, access),
            query_code: code.code,
        })
    }

    /// Registers as `staff` at `now` (the actor and time already checked).
    pub(super) fn register_as(
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
        let reg = crate::input::nfc_all(reg);
        reg.validate()?;
        if let Some(r) = &reg.external_ref {
            if let Some(existing) = self.txn()?.external_case(r)? {
                // Named only to a caller who may read it.
                let readable = match self.case(&existing)? {
                    Some(c) => access(&self.org, staff, &c) != Access::Hidden,
                    None => false,
                };
                return Err(DomainError::from(Refusal::DuplicateReference {
                    system: r.system.clone(),
                    id: r.id.clone(),
                    existing: readable.then_some(existing),
                }));
            }
        }
        let related = self.related_for(staff, &reg)?;
        let year = local_date(now, self.policy.timezone).year();
        // Decide on a provisional id first so a refused registration consumes no number.
        let probe = Case::new(CaseId::new(year, 0));
        let cmd = Step::Register {
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
        let staff = self.resolve_for(p, crate::org::Scope::Act)?;
        let now = self.write_time(when.into())?;
        let (before, case) = self.execute_as(&staff, now, id, cmd)?;
        let access = visible_access(&self.org, &staff, &case);
        Ok(Brief::after(case, access, before))
    }

    /// `not_found`, exactly as for an unknown case, when `staff` may not read `case`.
    pub(super) fn readable(&self, staff: &Staff, case: &Case) -> Result<()> {
        match access(&self.org, staff, case) {
            Access::Hidden => Err(DomainError::from(Refusal::NoCase {
                id: case.id.clone(),
            })),
            _ => Ok(()),
        }
    }

    /// Runs a case command as `staff` at `now` (both checked); returns the case's last event
    /// number before it and the case afterwards.
    pub(super) fn execute_as(
        &mut self,
        staff: &Staff,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Command,
    ) -> Result<(u32, Case)> {
        // Text is kept in NFC: one spelling, one search and repeat-detection key.
        let cmd = crate::input::nfc_all(cmd);
        self.execute_unchecked(staff, now, id, Step::Command(cmd))
    }

    /// [`Work::execute_as`] for any step, the service's own included.
    pub(super) fn execute_unchecked(
        &mut self,
        staff: &Staff,
        now: DateTime<FixedOffset>,
        id: &CaseId,
        cmd: Step,
    ) -> Result<(u32, Case)> {
        let case = self.current(id)?;
        // Before any rule of state, holder or role: a refusal never tells an outsider that the
        // case exists, who holds it or what state it is in.
        self.readable(staff, &case)?;
        if let Step::Command(Command::Void {
            duplicate_of: Some(original),
            ..
        }) = &cmd
        {
            // The original a duplicate is voided for is a case the clerk may read (one that is
            // hidden answers as unknown), and one that stands.
            let found = self
                .case(original)?
                .filter(|o| access(&self.org, staff, o) != Access::Hidden);
            match found {
                None => {
                    return Err(DomainError::from(Refusal::NoCase {
                        id: original.clone(),
                    }))
                }
                Some(o) if o.state == crate::case::CaseState::Voided => {
                    return Err(DomainError::from(Refusal::field(
                        "duplicate_of",
                        "is itself voided: name the registration that stands",
                        "本身已作废：请填写有效的那一件登记",
                    )))
                }
                Some(_) => {}
            }
        }
        if let Step::Command(Command::Attach { file, .. }) = &cmd {
            self.check_stored(file)?;
        }
        if let Step::Command(Command::Merge { into }) = &cmd {
            // Both sides are decided before anything is written. A target the actor may not
            // read answers as an unknown case.
            let target = self
                .case(into)?
                .filter(|t| access(&self.org, staff, t) != Access::Hidden);
            let events =
                self.decide_with(&case, &cmd, Actor::Staff(staff), now, target.as_ref())?;
            let target =
                target.ok_or_else(|| DomainError::from(Refusal::NoCase { id: into.clone() }))?;
            let absorb = Step::Absorb { from: id.clone() };
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
        let staff = self.resolve_for(p, crate::org::Scope::Act)?;
        let now = self.write_time(when.into())?;
        if code.cost != QueryCodeCost::Standard && self.identity()?.clock == ClockMode::System {
            return Err(DomainError::from(Refusal::invalid(
                "a live database keeps query codes under the standard hash only",
                "正式数据库的查询码只能使用标准哈希",
            )));
        }
        let cmd = Step::ResetQueryCode {
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
    /// A stored case near `id`, to do the work of a look-up on ([`Work::by_query_code`]).
    fn load_decoy(
        &mut self,
        id: &str,
        parsed: Option<&CaseId>,
    ) -> Result<Option<(Case, Vec<Event>)>> {
        let near = match parsed {
            Some(c) => c.clone(),
            None => {
                let n = id
                    .bytes()
                    .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
                CaseId::new(2000 + (n % 30) as i32, n % 100_000)
            }
        };
        let ids = match self.txn.case_ids(Some(&near), 1)? {
            ids if ids.is_empty() => self.txn.case_ids(None, 1)?,
            ids => ids,
        };
        let Some(decoy) = ids.first() else {
            return Ok(None);
        };
        // As a look-up that misses the kept cases: the same question to the store, then the
        // miss path of every load (never served from the kept cases).
        let at = self.read_mark()?;
        let kept = self.kept_seq(decoy)?;
        self.load_missed(decoy, kept, at).map(Some)
    }

    pub(crate) fn by_query_code(&mut self, id: &str, code: &str) -> Result<(Case, Vec<Event>)> {
        // Named as typed (it may be no case id at all), the same for malformed and unknown.
        let not_found = || {
            let id = id.trim();
            DomainError::from(Refusal::Missing {
                what: crate::error::Text::new(format!("no case {id}"), format!("没有信访件 {id}")),
            })
        };
        let parsed = CaseId::parse(id.trim()).ok();
        let found = match &parsed {
            Some(case_id) => match self.load(case_id) {
                Ok(x) => Some(x),
                Err(e) if e.code() == "not_found" => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        // The same work as for a case that exists: a stored case is loaded (the next one after
        // the id asked, or the first) and the code checked against its hash, and the answer
        // thrown away, so the time of the answer does not say whether the id exists.
        let decoy = match found {
            Some(_) => None,
            None => self.load_decoy(id, parsed.as_ref())?,
        };
        let probe = found.as_ref().or(decoy.as_ref());
        let right = match probe.and_then(|(c, _)| c.query_code.as_ref()) {
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
        let cmd = Step::Command(Command::Evaluate { handling, office });
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
        let events = self.decide_on(&case, &Step::Tick, Actor::System, now)?;
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
}

impl<S: Store> Service<S> {
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
}
