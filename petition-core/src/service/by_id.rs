//! Inside the crate: the operations by staff id, returning whole cases (tests and the
//! conformance suite).

use super::*;

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
        self.issue_token_at(&p, When::At(now), staff, issued, days, None)
    }
}
