//! Organisation, staff, policy and calendar changes by an admin (decided and applied by the
//! administrative rules, [`crate::admin`]), tokens, and what follows a staff member's move or
//! deactivation.

use super::*;
pub use crate::admin::AdminChange;

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

impl<T: Txn> Work<'_, T> {
    /// An administrative change by the admin `p`; returns the audited event.
    pub fn admin(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        change: AdminChange,
    ) -> Result<AdminEvent> {
        self.admin_handing_over(p, when, change, None)
            .map(|(ev, _)| ev)
    }

    /// [`Work::admin`], with the open cases a staff member's move or deactivation released (they
    /// can no longer carry them): passed to `successor` (a clerk or head of each case's holding
    /// unit) when one is named, else left without an officer. Any case the successor cannot take
    /// refuses the whole change.
    pub fn admin_handing_over(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        change: AdminChange,
        successor: Option<&StaffId>,
    ) -> Result<(AdminEvent, Vec<CaseId>)> {
        self.writable()?;
        if successor.is_some()
            && !matches!(
                change,
                AdminChange::MoveStaff { .. } | AdminChange::Deactivate(_)
            )
        {
            return Err(DomainError::from(Refusal::field(
                "reassign_to",
                "goes only with a staff member's move or deactivation",
                "仅用于工作人员调动或停用",
            )));
        }
        let staff = self.resolve(p)?;
        let now = self.write_time(when.into())?;
        let moved_or_gone = match &change {
            AdminChange::MoveStaff { staff, .. } | AdminChange::Deactivate(staff) => {
                Some(staff.clone())
            }
            _ => None,
        };
        let ev = self.admin_as(&staff.id, now, change)?;
        let released = match moved_or_gone {
            Some(who) => self.after_move(&staff, &who, now, successor)?,
            None => Vec::new(),
        };
        Ok((ev, released))
    }

    /// What follows a staff member's move or deactivation, in the same transaction: their
    /// tokens stop working (signed in, they would read with the new unit's reach), and they stop
    /// being the officer of the cases whose holder is not their unit now.
    pub(super) fn after_move(
        &mut self,
        admin: &Staff,
        who: &StaffId,
        now: DateTime<FixedOffset>,
        successor: Option<&StaffId>,
    ) -> Result<Vec<CaseId>> {
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
        let mut released = Vec::new();
        for id in carried {
            let cmd = Step::ReleaseOfficer {
                officer: who.clone(),
                successor: successor.cloned(),
            };
            match self.execute_unchecked(admin, now, &id, cmd) {
                Ok(_) => released.push(id),
                // Still the holder's (moved within it, say): the officer keeps it.
                Err(DomainError::Refused(Refusal::Transition { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    /// An administrative change by `actor` at `now` (checked here: an active admin).
    pub(crate) fn admin_as(
        &mut self,
        actor: &StaffId,
        now: DateTime<FixedOffset>,
        change: AdminChange,
    ) -> Result<AdminEvent> {
        let kind = crate::admin::decide_admin(&self.org, &self.policy, actor, change)?;
        self.apply_and_store(&kind)?;
        let now = now.with_timezone(&self.policy.timezone);
        let ev = AdminEvent {
            at: now,
            actor: actor.clone(),
            kind,
        };
        self.append_admin(&ev)?;
        Ok(ev)
    }

    /// Applies an administrative event with the one applier ([`crate::admin::apply_admin`]) and
    /// stores what it changed in this transaction.
    pub(super) fn apply_and_store(&mut self, kind: &AdminKind) -> Result<()> {
        let changed = crate::admin::apply_admin(
            Arc::make_mut(&mut self.org),
            &mut self.policy,
            &mut self.calendar,
            kind,
        )?;
        match changed {
            Some(crate::org::Changed::Staff(s)) => self.txn.put_staff(Finished::of(&s))?,
            Some(crate::org::Changed::Unit(u)) => self.txn.put_unit(Finished::of(&u))?,
            None => {}
        }
        match kind {
            AdminKind::Initialized { .. }
            | AdminKind::PolicySet { .. }
            | AdminKind::CalendarSet { .. } => {
                self.txn.put_settings(Finished::of(&crate::store::Settings {
                    policy: &self.policy,
                    calendar: &self.calendar,
                }))
            }
            _ => Ok(()),
        }
    }
}

impl<S: Store> Service<S> {
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
            (_, When::Now) => system_now_utc(),
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
            w.apply_and_store(&ev.kind)
        })
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

    /// [`Service::admin`], returning the open cases a staff member's move or deactivation
    /// released: passed to `successor` when one is named, else left without an officer
    /// ([`Work::admin_handing_over`]).
    pub fn admin_handing_over(
        &mut self,
        p: &Principal,
        when: impl Into<When>,
        change: AdminChange,
        successor: Option<&StaffId>,
    ) -> Result<Vec<CaseId>> {
        let when = when.into();
        self.work(|w| {
            w.admin_handing_over(p, when, change.clone(), successor)
                .map(|(_, released)| released)
        })
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
        scopes: Option<Vec<crate::org::Scope>>,
    ) -> Result<IssuedToken> {
        let issued = system_now_utc();
        self.issue_token_at(p, when.into(), staff, issued, days, scopes)
    }

    /// [`Service::issue_token`] with its life counted from `issued` (tests of expiry).
    pub(crate) fn issue_token_at(
        &mut self,
        p: &Principal,
        when: When,
        staff: &StaffId,
        issued: DateTime<FixedOffset>,
        days: u32,
        scopes: Option<Vec<crate::org::Scope>>,
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
                    scopes: scopes.clone(),
                },
            )
        })?;
        Ok(IssuedToken {
            staff: staff.clone(),
            token,
            expires_at,
        })
    }
}
