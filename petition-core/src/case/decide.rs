//! `decide`: every lifecycle rule as one `match (state, command)` that reads like the table.
//! A passing command yields events; a failing one yields a typed error and nothing else.

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::data::{Channel, DeclineGround};
use super::model::*;
use crate::clock::{local_date, ClockKind, ClockStart};
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, StaffId, UnitCode};
use crate::org::{Role, UnitKind};

/// Decides a command on a case at `ctx.now`: the events to append, or why not.
pub fn decide(case: &Case, cmd: &Command, ctx: &Context) -> Result<Vec<Event>> {
    let d = Decision::new(case, ctx);
    let state = case.is_registered().then_some(case.state);
    // The transition table first (a command never allowed in this state is `invalid_transition`
    // whatever the time); then time never runs backwards on a case.
    let decided = transition(&d, state, cmd);
    let skewed = case.last_at.filter(|last| d.now < *last);
    let kinds = match (decided, skewed) {
        (Err(e), _) if matches!(e.code(), "invalid_transition" | "not_found") => return Err(e),
        (_, Some(last)) => return Err(DomainError::from(Refusal::ClockSkew { at: d.now, last })),
        (r, None) => r?,
    };
    let kinds = end_supervisions(case, kinds, ctx);
    let actor = ctx.actor.id();
    let unit = d.actor_unit_opt().cloned();
    Ok(kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            case: case.id.clone(),
            seq: case.seq + 1 + i as u32,
            at: d.now,
            actor: actor.clone(),
            unit: unit.clone(),
            kind,
        })
        .collect())
}

/// Under rules version 2, a command that ends the case also ends its open supervisions — all
/// but those about a closed case's execution (`not_executed`, which exist for a closed case).
fn end_supervisions(case: &Case, mut kinds: Vec<EventKind>, ctx: &Context) -> Vec<EventKind> {
    if ctx.policy.rules < 2 || case.state.is_terminal() || kinds.is_empty() {
        return kinds;
    }
    let ends = kinds.iter().any(|k| {
        matches!(
            k,
            EventKind::Declined { .. }
                | EventKind::RereviewIssued { .. }
                | EventKind::Closed { .. }
                | EventKind::Withdrawn { .. }
                | EventKind::Merged { .. }
        )
    });
    if !ends {
        return kinds;
    }
    // The supervisions open before this command, and any it opened itself.
    let mut open: Vec<u32> = case
        .supervisions
        .iter()
        .filter(|s| s.is_open() && s.ground != SupervisionGround::NotExecuted)
        .map(|s| s.id)
        .collect();
    for k in &kinds {
        if let EventKind::SupervisionOpened { supervision, .. } = k {
            if supervision.ground != SupervisionGround::NotExecuted {
                open.push(supervision.id);
            }
        }
    }
    if !open.is_empty() {
        kinds.push(EventKind::SupervisionsEnded { supervisions: open });
    }
    kinds
}

/// The transition table: which command is allowed in which state, and the rule that applies.
fn transition(d: &Decision, state: Option<CaseState>, cmd: &Command) -> Result<Vec<EventKind>> {
    use CaseState::*;
    use Command as C;
    let case = d.case;
    Ok(match (state, cmd) {
        (
            None,
            C::Register {
                registration,
                query_code,
            },
        ) => d.register(registration, query_code)?,
        (None, _) => {
            return Err(DomainError::from(Refusal::NoCase {
                id: case.id.as_str().to_string(),
            }))
        }
        (Some(_), C::Register { .. }) => {
            return Err(DomainError::from(Refusal::AlreadyRegistered {
                id: case.id.as_str().to_string(),
            }))
        }
        (Some(Registered | Routed), C::Transfer { to, note }) => d.route(to, None, note)?,
        (
            Some(Registered | Routed),
            C::Assign {
                to,
                report_by,
                note,
            },
        ) => d.route(to, Some(*report_by), note)?,
        (Some(Routed), C::Object { reason }) => d.object(reason)?,
        (Some(Routed), C::ResolveObjection { approve, note }) => {
            d.resolve_objection(*approve, note)?
        }
        (Some(Registered | Routed), C::Accept { assist }) => d.accept(assist)?,
        (Some(s @ (Registered | Routed)), C::Decline { ground, notice }) => {
            d.decline(s, *ground, notice)?
        }
        (Some(Handling), C::AssistInput { text }) => d.assist_input(text)?,
        (Some(Handling), C::Extend { days, reason }) => d.extend(*days, reason)?,
        (Some(Handling), C::ExtendRequest { days, reason }) => d.extend_request(*days, reason)?,
        (Some(Handling), C::ExtendApprove) => d.extend_approve()?,
        (Some(s), C::Take) if !s.is_terminal() => d.take()?,
        (Some(s), C::Hand { to }) if !s.is_terminal() => d.hand(to)?,
        (Some(Handling), C::ExtendReject { note }) => d.extend_reject(note.as_deref())?,
        (
            Some(Registered | Routed),
            C::Amend {
                field,
                value,
                reason,
            },
        ) => d.amend(*field, value, reason)?,
        (
            Some(Handling),
            C::Opinion {
                outcome,
                text,
                without_assist,
            },
        ) => d.opinion(*outcome, text, without_assist)?,
        (
            Some(Handling | OpinionIssued | UnderReview | ReviewIssued | UnderRereview),
            C::Report { text },
        ) => d.report(text)?,
        (Some(OpinionIssued), C::ReviewRequest { reason }) => {
            d.review_request(reason.as_deref())?
        }
        (Some(UnderReview), C::ReviewOpinion { outcome, text }) => {
            d.review_opinion(*outcome, text)?
        }
        (Some(ReviewIssued), C::RereviewRequest { reason }) => {
            d.rereview_request(reason.as_deref())?
        }
        (Some(UnderRereview), C::Hearing { start, end }) => d.hearing(*start, *end)?,
        (Some(UnderRereview), C::RereviewOpinion { outcome, text }) => {
            d.rereview_opinion(*outcome, text)?
        }
        (
            Some(OpinionIssued | ReviewIssued),
            C::Close {
                reason: CloseReason::Accepted,
            },
        ) => d.close_accepted()?,
        // Exception to terminal refusal: evaluation within its window.
        (Some(_), C::Evaluate { handling, office }) => d.evaluate(*handling, *office)?,
        (Some(s), C::Withdraw { reason }) if !s.is_terminal() => d.withdraw(reason)?,
        (Some(Registered | Routed | Handling), C::Merge { into }) => d.merge(into)?,
        (Some(s), C::Absorb { from }) if !s.is_terminal() => d.absorb(from)?,
        // Exception to terminal refusal: supervision of a closed case that was not executed.
        (
            Some(s),
            C::Supervise {
                ground,
                respond_by,
                text,
                unit,
                level,
            },
        ) if !s.is_terminal() || (s == Closed && *ground == SupervisionGround::NotExecuted) => {
            d.supervise(*ground, *respond_by, text, unit.as_ref(), *level)?
        }
        // A supervision is answered whatever the case's state: the unit owes the explanation.
        (Some(_), C::Respond { supervision, text }) => d.respond(*supervision, text)?,
        (Some(_), C::Tick) => d.tick()?,
        // Whatever the state: the petitioner may follow a closed case too.
        (Some(_), C::ResetQueryCode { query_code }) => d.reset_query_code(query_code)?,
        (Some(_), C::ReleaseOfficer { officer }) => d.release_officer(officer)?,
        (Some(s), _) if s.is_terminal() => {
            return Err(DomainError::from(Refusal::Terminal { state: s }))
        }
        (Some(s), c) => {
            return Err(DomainError::from(Refusal::WrongState {
                command: c.name().to_string(),
                state: s,
            }))
        }
    })
}

/// Free text of a command (reasons, notices, opinions): required, bounded, no control characters.
/// The petitioner's grounds for a review or re-review request: checked like any text, kept trimmed.
fn grounds(reason: Option<&str>) -> Result<Option<String>> {
    match reason {
        None => Ok(None),
        Some(r) => {
            check_text("reason", r)?;
            Ok(Some(r.trim().to_string()))
        }
    }
}

pub(crate) fn check_text(field: &str, s: &str) -> Result<()> {
    let bad = |en: &str, zh: &str| Err(DomainError::from(Refusal::field(field, en, zh)));
    if s.trim().is_empty() {
        return bad("is required", "不能为空");
    }
    if s.chars().count() > 20_000 {
        return bad("must be at most 20000 characters", "不得超过 20000 个字符");
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return bad("must not contain control characters", "不得包含控制字符");
    }
    Ok(())
}

fn check_note(note: &Option<String>) -> Result<()> {
    match note {
        Some(n) => check_text("note", n),
        None => Ok(()),
    }
}

pub(crate) struct Decision<'a> {
    pub(crate) case: &'a Case,
    pub(crate) ctx: &'a Context<'a>,
    pub(crate) now: DateTime<FixedOffset>,
    pub(crate) today: NaiveDate,
}

impl<'a> Decision<'a> {
    fn new(case: &'a Case, ctx: &'a Context<'a>) -> Self {
        let now = ctx.now.with_timezone(&ctx.policy.timezone);
        Self {
            case,
            ctx,
            now,
            today: local_date(now, ctx.policy.timezone),
        }
    }

    pub(crate) fn actor_unit_opt(&self) -> Option<&'a UnitCode> {
        match self.ctx.actor {
            Actor::Staff(s) => s.unit.as_ref(),
            Actor::System | Actor::Petitioner => None,
        }
    }

    /// The acting unit; `permission_denied` for `system` and unit-less staff.
    fn actor_unit(&self) -> Result<&'a UnitCode> {
        match self.ctx.actor {
            Actor::Staff(s) => s.unit.as_ref().ok_or_else(|| {
                DomainError::from(Refusal::NoUnitForActor {
                    staff: s.id.as_str().to_string(),
                })
            }),
            Actor::System | Actor::Petitioner => Err(DomainError::from(Refusal::forbidden(
                "only a staff member can do this",
                "此操作须由工作人员办理",
            ))),
        }
    }

    /// The holder; a registered case always has one (`evolve` sets it at registration).
    pub(crate) fn holder(&self) -> Result<&'a UnitCode> {
        self.case.holder.as_ref().ok_or_else(|| {
            DomainError::from(StorageError::internal("registered case without a holder"))
        })
    }

    /// The acting unit must be `unit`.
    fn require_unit(&self, unit: &UnitCode) -> Result<&'a UnitCode> {
        let me = self.actor_unit()?;
        if me != unit {
            return Err(DomainError::from(Refusal::NotHolder {
                unit: me.as_str().to_string(),
                holder: unit.as_str().to_string(),
            }));
        }
        Ok(me)
    }

    fn require_holder(&self) -> Result<&'a UnitCode> {
        self.require_unit(self.holder()?)
    }

    fn no_pending_objection(&self) -> Result<()> {
        if self.case.objection == Some(ObjectionStatus::Pending) {
            return Err(DomainError::from(Refusal::transition(
                "an objection is pending: the routing unit must approve or reject it first",
                "异议尚待处理：请先由交转单位批准或驳回",
            )));
        }
        Ok(())
    }

    fn days(&self, kind: ClockKind, unit: &UnitCode, days: u32) -> ClockStart {
        ClockStart {
            kind,
            unit: unit.clone(),
            started: self.today,
            due: self
                .ctx
                .calendar
                .due_days(self.today, days, self.ctx.policy.roll_over),
            days: Some(days),
            supervision: None,
        }
    }

    fn working_days(&self, kind: ClockKind, unit: &UnitCode, days: u32) -> ClockStart {
        ClockStart {
            kind,
            unit: unit.clone(),
            started: self.today,
            due: self.ctx.calendar.due_working_days(self.today, days),
            days: None,
            supervision: None,
        }
    }

    fn not_accused(&self, unit: &UnitCode) -> Result<()> {
        if self.case.accused_unit() == Some(unit) {
            return Err(DomainError::from(Refusal::Confidentiality {
                unit: unit.as_str().to_string(),
            }));
        }
        Ok(())
    }

    fn register(
        &self,
        reg: &super::data::Registration,
        query_code: &crate::ids::CodeRecord,
    ) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        reg.validate()?;
        let org = self.ctx.org;
        let here = org.get(me)?;
        let locality = org.get(&reg.locality)?;
        if let Some(a) = &reg.accused_unit {
            org.get(a)?;
        }
        if reg.received_at > self.now {
            return Err(DomainError::from(Refusal::field(
                "received_at",
                "is in the future: use the time the letter arrived or the visitor came",
                "晚于当前时间：请填写来信收到或来访的时间",
            )));
        }
        // 2005 Art 16: a visit registered two or more levels above the locality is a skip-level visit.
        let skip_level =
            reg.channel == Channel::Visit && locality.level.number() >= here.level.number() + 2;
        // 2005 Art 16, 35: the most recent earlier case of the same matter.
        let mut related: Vec<&RelatedCase> = self.ctx.related.iter().collect();
        related.sort_by(|a, b| (a.registered_at, &a.id).cmp(&(b.registered_at, &b.id)));
        let repeat_of = related.last().map(|r| r.id.clone());
        let mut ids: Vec<CaseId> = related.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut registration = reg.clone();
        registration.received_at = reg.received_at.with_timezone(&self.ctx.policy.timezone);
        // Rules 2: the intake limit counts from the day the matter was received (2022 Art 22:
        // "收到信访事项之日起"), not from its registration; the first rules counted from today.
        let mut intake = self.days(ClockKind::Intake, me, self.ctx.policy.intake_days);
        if self.ctx.policy.rules >= 2 {
            let received = registration.received_at.date_naive().min(self.today);
            intake.started = received;
            intake.due = self.ctx.calendar.due_days(
                received,
                self.ctx.policy.intake_days,
                self.ctx.policy.roll_over,
            );
        }
        Ok(vec![EventKind::Registered(Box::new(Registered {
            collective: reg.collective(),
            registration,
            query_code: match query_code {
                crate::ids::CodeRecord::Clear(c) => Some(c.clone()),
                crate::ids::CodeRecord::Hashed(_) => None,
            },
            query_code_hash: match query_code {
                crate::ids::CodeRecord::Hashed(h) => Some(h.clone()),
                crate::ids::CodeRecord::Clear(_) => None,
            },
            skip_level,
            repeat_of,
            related: ids,
            clocks: vec![intake],
        }))])
    }

    fn route(
        &self,
        to: &UnitCode,
        report_by: Option<NaiveDate>,
        note: &Option<String>,
    ) -> Result<Vec<EventKind>> {
        let me = self.require_holder()?;
        self.no_pending_objection()?;
        check_note(note)?;
        self.ctx.org.get(to)?;
        if to == me {
            return Err(DomainError::from(Refusal::field(
                "to",
                "the case is already held by that unit: route it to another unit",
                "该件已在该单位：请转至其他单位",
            )));
        }
        self.not_accused(to)?;
        let p = self.ctx.policy;
        let mut clocks = vec![
            self.days(ClockKind::Acceptance, to, p.acceptance_days),
            self.working_days(ClockKind::Objection, to, p.objection_working_days),
        ];
        Ok(vec![match report_by {
            None => EventKind::Transferred {
                to: to.clone(),
                note: note.clone(),
                clocks,
            },
            Some(by) => {
                if by <= self.today {
                    return Err(DomainError::from(Refusal::field(
                        "report_by",
                        "must be a date after today",
                        "应晚于今天",
                    )));
                }
                clocks.push(ClockStart {
                    kind: ClockKind::ResultReport,
                    unit: to.clone(),
                    started: self.today,
                    due: by,
                    days: None,
                    supervision: None,
                });
                EventKind::Assigned {
                    to: to.clone(),
                    report_by: by,
                    note: note.clone(),
                    clocks,
                }
            }
        }])
    }

    fn object(&self, reason: &str) -> Result<Vec<EventKind>> {
        self.require_holder()?;
        check_text("reason", reason)?;
        if self.case.objection.is_some() {
            return Err(DomainError::from(Refusal::transition(
                "this unit has already objected to this routing",
                "本单位已对此次交转提出过异议",
            )));
        }
        let window = self
            .case
            .clocks
            .iter()
            .rev()
            .find(|c| c.kind == ClockKind::Objection);
        match window {
            Some(c) if c.within(self.today) => Ok(vec![EventKind::Objected {
                reason: reason.to_string(),
            }]),
            Some(c) => Err(DomainError::from(Refusal::WindowLapsed {
                window: ClockKind::Objection,
                due: Some(c.due),
            })),
            None => Err(DomainError::from(Refusal::WindowLapsed {
                window: ClockKind::Objection,
                due: None,
            })),
        }
    }

    fn resolve_objection(&self, approve: bool, note: &Option<String>) -> Result<Vec<EventKind>> {
        if self.case.objection != Some(ObjectionStatus::Pending) {
            return Err(DomainError::from(Refusal::transition(
                "there is no pending objection on this case",
                "该件没有待处理的异议",
            )));
        }
        let router = self
            .case
            .routed_by
            .clone()
            .unwrap_or(self.holder()?.clone());
        let me = self.require_unit(&router)?;
        check_note(note)?;
        Ok(vec![if approve {
            EventKind::ObjectionApproved {
                note: note.clone(),
                clocks: vec![self.days(ClockKind::Intake, me, self.ctx.policy.intake_days)],
            }
        } else {
            EventKind::ObjectionRejected { note: note.clone() }
        }])
    }

    fn accept(&self, assist: &[UnitCode]) -> Result<Vec<EventKind>> {
        let me = self.require_holder()?;
        self.no_pending_objection()?;
        let reg = self.case.registration.as_ref();
        let fc = self.case.first_contact.as_ref().map(|f| &f.unit);
        if self.case.skip_level && fc == Some(me) {
            let loc = reg.map(|r| r.locality.as_str()).unwrap_or("-");
            return Err(DomainError::from(Refusal::SkipLevel {
                locality: loc.to_string(),
            }));
        }
        let org = self.ctx.org;
        if reg.is_some_and(|r| r.litigation) && org.get(me)?.kind != UnitKind::Legal {
            return Err(DomainError::from(Refusal::Litigation));
        }
        let mut seen: Vec<&UnitCode> = Vec::new();
        for u in assist {
            org.get(u)?;
            if u == me || seen.contains(&u) {
                return Err(DomainError::from(Refusal::field(
                    "assist",
                    "list each assisting unit once, and not the lead unit itself",
                    "每个协办单位只列一次，且不能是主办单位本身",
                )));
            }
            self.not_accused(u)?;
            seen.push(u);
        }
        let p = self.ctx.policy;
        let handling = self.days(ClockKind::Handling, me, p.handling_days);
        let assist_due = handling
            .due
            .checked_sub_days(chrono::Days::new(u64::from(p.assist_lead_days)))
            .unwrap_or(handling.due)
            .max(self.today);
        let assist_due = if p.roll_over {
            self.ctx.calendar.roll_forward(assist_due).min(handling.due)
        } else {
            assist_due
        };
        let mut clocks = vec![handling];
        for u in assist {
            clocks.push(ClockStart {
                kind: ClockKind::Assist,
                unit: u.clone(),
                started: self.today,
                due: assist_due,
                days: None,
                supervision: None,
            });
        }
        Ok(vec![EventKind::Accepted {
            assisting: assist.to_vec(),
            clocks,
        }])
    }

    fn decline(
        &self,
        state: CaseState,
        ground: DeclineGround,
        notice: &str,
    ) -> Result<Vec<EventKind>> {
        let me = self.require_holder()?;
        self.no_pending_objection()?;
        check_text("notice", notice)?;
        let reg = self.case.registration.as_ref();
        let refuse = |en: &str, zh: &str| Err(DomainError::from(Refusal::field("ground", en, zh)));
        match ground {
            DeclineGround::OutOfScope | DeclineGround::SkipLevel if state != CaseState::Registered => {
                return refuse(
                    "a receiving unit that is not competent objects instead",
                    "非本单位职权的，接收单位应提出异议",
                )
            }
            DeclineGround::SkipLevel if !self.case.skip_level => {
                return refuse("the case is not a skip-level visit", "该件不属于越级走访")
            }
            DeclineGround::Litigation if !reg.is_some_and(|r| r.litigation) => {
                return refuse(
                    "the case is not flagged as a litigation matter (涉法涉诉)",
                    "该件未标记为涉法涉诉",
                )
            }
            DeclineGround::Concluded
                if !self.ctx.related.iter().any(|r| r.state == CaseState::Concluded) =>
            {
                return refuse(
                    "no earlier case of this matter has been concluded by re-review",
                    "同一事项没有已复核终结的在先信访件",
                )
            }
            DeclineGround::InProgress => {
                let my_level = self.ctx.org.get(me)?.level.number();
                let open_below = self.ctx.related.iter().any(|r| {
                    !r.state.is_terminal()
                        && self.ctx.org.unit(&r.holder).is_some_and(|u| u.level.number() >= my_level)
                });
                if !open_below {
                    return refuse(
                        "no earlier case of this matter is open at this or a lower tier",
                        "同一事项没有在本级或下级正在办理的在先信访件",
                    );
                }
            }
            DeclineGround::Incomplete
                if reg.is_some_and(|r| r.petitioners.iter().all(|p| p.address.is_some())) =>
            {
                return refuse(
                    "every petitioner's name and address are known; `incomplete` is for unknown name or address (2005 Art 22)",
                    "信访人姓名和住址均已登记；“信息不全”仅适用于姓名或住址不清（条例第二十二条）",
                )
            }
            _ => {}
        }
        Ok(vec![EventKind::Declined {
            ground,
            notice: notice.to_string(),
        }])
    }

    fn assist_input(&self, text: &str) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        check_text("text", text)?;
        match self.case.assisting.iter().find(|a| &a.unit == me) {
            None => Err(DomainError::from(Refusal::forbidden(
                "your unit is not an assisting unit of this case",
                "本单位不是该件的协办单位",
            ))),
            Some(a) if a.input_at.is_some() => Err(DomainError::from(Refusal::transition(
                "your unit has already given its assist input",
                "本单位已提交协办意见",
            ))),
            Some(_) => Ok(vec![EventKind::AssistInput {
                text: text.to_string(),
            }]),
        }
    }

    /// 更正登记: the registering unit corrects one field of the registration while the case
    /// has not been accepted; what follows from the registration is decided again as at
    /// registration — repeat detection among the earlier cases the registering clerk may read
    /// (`ctx.related`, given by the service for the corrected registration), the skip-level and
    /// collective flags, and (rules 2) the intake clock's dates when the time of receipt moved.
    fn amend(
        &self,
        field: super::data::AmendField,
        value: &str,
        reason: &str,
    ) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        let first = self.case.first_contact.as_ref().map(|f| &f.unit);
        if first != Some(me) {
            return Err(DomainError::from(Refusal::forbidden(
                "only the unit that registered the case may correct its registration",
                "只有登记本件的单位可以更正登记信息",
            )));
        }
        check_text("reason", reason)?;
        let Some(reg) = self.case.registration.as_ref() else {
            return Err(DomainError::from(StorageError::integrity(
                "a registered case without its registration",
            )));
        };
        let mut new = reg.amended(field, value)?;
        // As at registration, the time of receipt is kept in the policy's time zone.
        new.received_at = new.received_at.with_timezone(&self.ctx.policy.timezone);
        let org = self.ctx.org;
        let locality = org.get(&new.locality)?;
        let here = org.get(me)?;
        let registered_at = self.case.registered_at.unwrap_or(self.now);
        if new.received_at > registered_at {
            return Err(DomainError::from(Refusal::field(
                "received_at",
                "is after the registration: the matter was received before it was registered",
                "晚于登记时间：信访事项应先收到后登记",
            )));
        }
        let skip_level =
            new.channel == Channel::Visit && locality.level.number() >= here.level.number() + 2;
        // Earlier cases only: a case registered after this one is never its precedent.
        let mut related: Vec<&RelatedCase> = self
            .ctx
            .related
            .iter()
            .filter(|r| r.id != self.case.id && r.registered_at < registered_at)
            .collect();
        related.sort_by(|a, b| (a.registered_at, &a.id).cmp(&(b.registered_at, &b.id)));
        let repeat_of = related.last().map(|r| r.id.clone());
        let mut ids: Vec<CaseId> = related.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut intake = None;
        if field == super::data::AmendField::ReceivedAt && self.ctx.policy.rules >= 2 {
            let tz = self.ctx.policy.timezone;
            let registered_on = local_date(registered_at, tz);
            let received = local_date(new.received_at, tz).min(registered_on);
            if let Some(c) = self
                .case
                .clocks
                .iter()
                .find(|c| c.kind == ClockKind::Intake)
            {
                let due = self.ctx.calendar.due_days(
                    received,
                    self.ctx.policy.intake_days,
                    self.ctx.policy.roll_over,
                );
                if (c.started, c.due) != (received, due) {
                    intake = Some((c.index, received, due));
                }
            }
        }
        Ok(vec![EventKind::Amended {
            field,
            old: reg.field(field),
            new: new.field(field),
            reason: reason.trim().to_string(),
            collective: new.collective(),
            skip_level,
            repeat_of,
            related: ids,
            intake,
        }])
    }

    /// 承办: the actor, a staff member of the holding unit, becomes the case's officer.
    fn take(&self) -> Result<Vec<EventKind>> {
        self.require_holder()?;
        let Actor::Staff(me) = self.ctx.actor else {
            return Err(DomainError::from(Refusal::forbidden(
                "only a staff member can take a case",
                "只有工作人员可以承办",
            )));
        };
        if self.case.officer.as_ref() == Some(&me.id) {
            return Err(DomainError::from(Refusal::transition(
                "you are already this case's officer",
                "您已是本件的承办人",
            )));
        }
        Ok(vec![EventKind::OfficerAssigned {
            officer: me.id.clone(),
        }])
    }

    /// 转交: a staff member of the holding unit hands the case to another of its active staff.
    fn hand(&self, to: &StaffId) -> Result<Vec<EventKind>> {
        let holder = self.require_holder()?;
        let staff = self.ctx.org.staff(to).ok_or_else(|| {
            DomainError::from(Refusal::NoStaff {
                id: to.as_str().to_string(),
                nearest: None,
            })
        })?;
        if staff.unit.as_ref() != Some(holder) || staff.deactivated {
            return Err(DomainError::from(Refusal::field(
                "to",
                &format!(
                    "{} is not an active staff member of the holding unit {}",
                    to.as_str(),
                    holder.as_str()
                ),
                &format!(
                    "{} 不是责任单位 {} 的在岗工作人员",
                    to.as_str(),
                    holder.as_str()
                ),
            )));
        }
        if self.case.officer.as_ref() == Some(to) {
            return Err(DomainError::from(Refusal::transition(
                "that staff member is already this case's officer",
                "该工作人员已是本件的承办人",
            )));
        }
        Ok(vec![EventKind::OfficerAssigned {
            officer: to.clone(),
        }])
    }

    /// The lead unit's head (or the system): who may extend, or answer a request to.
    fn require_lead_head(&self) -> Result<()> {
        let lead = self.case.lead.clone().unwrap_or(self.holder()?.clone());
        self.require_unit(&lead)?;
        if let Actor::Staff(s) = self.ctx.actor {
            if s.role != Role::Head {
                return Err(DomainError::from(Refusal::HeadOnly));
            }
        }
        Ok(())
    }

    /// A clerk of the lead unit asks its head for more days: checked as the extension itself
    /// would be, so a head is never asked for what could not be granted.
    fn extend_request(&self, days: u32, reason: &str) -> Result<Vec<EventKind>> {
        let lead = self.case.lead.clone().unwrap_or(self.holder()?.clone());
        self.require_unit(&lead)?;
        if self.case.extension_request.is_some() {
            return Err(DomainError::from(Refusal::transition(
                "an extension request is already waiting for the head's answer (extend approve or extend reject)",
                "已有延期申请等待负责人审批（extend approve 或 extend reject）",
            )));
        }
        self.extension(days, reason)?;
        Ok(vec![EventKind::ExtensionRequested {
            days,
            reason: reason.to_string(),
        }])
    }

    fn pending_extension(&self) -> Result<&ExtensionRequest> {
        self.case.extension_request.as_ref().ok_or_else(|| {
            DomainError::from(Refusal::transition(
                "there is no extension request to answer (a clerk asks with extend request)",
                "没有待审批的延期申请（经办人用 extend request 申请）",
            ))
        })
    }

    /// The head grants the pending request: the extension it asked for, checked again now.
    fn extend_approve(&self) -> Result<Vec<EventKind>> {
        self.require_lead_head()?;
        let r = self.pending_extension()?;
        self.extension(r.days, &r.reason)
    }

    fn extend_reject(&self, note: Option<&str>) -> Result<Vec<EventKind>> {
        self.require_lead_head()?;
        self.pending_extension()?;
        if let Some(n) = note {
            check_text("note", n)?;
        }
        Ok(vec![EventKind::ExtensionRejected {
            note: note.map(str::to_string),
        }])
    }

    fn extend(&self, days: u32, reason: &str) -> Result<Vec<EventKind>> {
        self.require_lead_head()?;
        self.extension(days, reason)
    }

    /// The extension of `days` for `reason`, within the limit on the running handling clock.
    fn extension(&self, days: u32, reason: &str) -> Result<Vec<EventKind>> {
        check_text("reason", reason)?;
        if days == 0 {
            return Err(DomainError::from(Refusal::field(
                "days",
                "must be at least 1",
                "至少为 1 日",
            )));
        }
        let max = self.ctx.policy.max_extension_days;
        let used = self.case.extension_days;
        if used.saturating_add(days) > max {
            return Err(DomainError::from(Refusal::ExtensionLimit {
                used,
                asked: days,
                max,
            }));
        }
        let Some(h) = self.case.open_clocks(ClockKind::Handling).next() else {
            return Err(DomainError::from(Refusal::transition(
                "there is no running handling clock to extend",
                "没有可延长的办理期限",
            )));
        };
        let base = h.days.unwrap_or(self.ctx.policy.handling_days);
        let due = self
            .ctx
            .calendar
            .due_days(h.started, base + used + days, self.ctx.policy.roll_over)
            .max(h.due);
        Ok(vec![EventKind::Extended {
            days,
            reason: reason.to_string(),
            due,
        }])
    }

    fn opinion(
        &self,
        outcome: super::data::Outcome,
        text: &str,
        without_assist: &Option<String>,
    ) -> Result<Vec<EventKind>> {
        let lead = self.case.lead.clone().unwrap_or(self.holder()?.clone());
        let me = self.require_unit(&lead)?;
        check_text("text", text)?;
        let missing: Vec<&str> = self
            .case
            .assisting
            .iter()
            .filter(|a| a.input_at.is_none())
            .map(|a| a.unit.as_str())
            .collect();
        match without_assist {
            Some(r) => check_text("without_assist", r)?,
            None if !missing.is_empty() => {
                return Err(DomainError::from(Refusal::AssistPending {
                    units: missing.iter().map(|u| u.to_string()).collect(),
                }))
            }
            None => {}
        }
        let p = self.ctx.policy;
        Ok(vec![EventKind::OpinionIssued {
            outcome,
            text: text.to_string(),
            without_assist: without_assist.clone(),
            clocks: vec![
                self.days(ClockKind::ReviewWindow, me, p.review_request_days),
                self.days(ClockKind::Evaluation, me, p.evaluation_days),
            ],
        }])
    }

    fn report(&self, text: &str) -> Result<Vec<EventKind>> {
        let lead = self.case.lead.clone().unwrap_or(self.holder()?.clone());
        self.require_unit(&lead)?;
        check_text("text", text)?;
        if self
            .case
            .open_clocks(ClockKind::ResultReport)
            .next()
            .is_none()
        {
            return Err(DomainError::from(Refusal::transition(
                "no result report is owed on this case (only assigned cases owe one, once)",
                "该件无须报送办结报告（仅交办件需报送一次）",
            )));
        }
        Ok(vec![EventKind::ResultReported {
            text: text.to_string(),
        }])
    }

    fn window(&self, kind: ClockKind) -> Result<()> {
        match self.case.clocks.iter().rev().find(|c| c.kind == kind) {
            Some(c) if c.within(self.today) => Ok(()),
            Some(c) => Err(DomainError::from(Refusal::WindowLapsed {
                window: kind,
                due: Some(c.due),
            })),
            None => Err(DomainError::from(Refusal::WindowLapsed {
                window: kind,
                due: None,
            })),
        }
    }

    fn review_request(&self, reason: Option<&str>) -> Result<Vec<EventKind>> {
        let reason = grounds(reason)?;
        let me = self.actor_unit()?;
        let lead = self
            .case
            .answered_by
            .clone()
            .unwrap_or(self.holder()?.clone());
        if !self.ctx.org.is_reviewer(me, &lead) {
            return Err(DomainError::from(Refusal::forbidden(
                "only the reviewing body (复查机关: the parent or line superior of the unit that answered) registers a review request",
                "复查申请应由复查机关（答复单位的上级机关或业务上级）登记",
            )));
        }
        self.window(ClockKind::ReviewWindow)?;
        Ok(vec![EventKind::ReviewRequested {
            reason,
            clocks: vec![self.days(ClockKind::Review, me, self.ctx.policy.review_days)],
        }])
    }

    fn review_opinion(
        &self,
        outcome: super::data::ReviewOutcome,
        text: &str,
    ) -> Result<Vec<EventKind>> {
        let reviewer = self.case.reviewer.clone().unwrap_or(self.holder()?.clone());
        let me = self.require_unit(&reviewer)?;
        check_text("text", text)?;
        let p = self.ctx.policy;
        Ok(vec![EventKind::ReviewIssued {
            outcome,
            text: text.to_string(),
            clocks: vec![
                self.days(ClockKind::RereviewWindow, me, p.rereview_request_days),
                self.days(ClockKind::Evaluation, me, p.evaluation_days),
            ],
        }])
    }

    fn rereview_request(&self, reason: Option<&str>) -> Result<Vec<EventKind>> {
        let reason = grounds(reason)?;
        let me = self.actor_unit()?;
        let reviewer = self.case.reviewer.clone().unwrap_or(self.holder()?.clone());
        if !self.ctx.org.is_reviewer(me, &reviewer) {
            return Err(DomainError::from(Refusal::forbidden(
                "only the re-reviewing body (复核机关: the parent or line superior of the reviewing unit) registers a re-review request",
                "复核申请应由复核机关（复查机关的上级机关或业务上级）登记",
            )));
        }
        self.window(ClockKind::RereviewWindow)?;
        Ok(vec![EventKind::RereviewRequested {
            reason,
            clocks: vec![self.days(ClockKind::Rereview, me, self.ctx.policy.rereview_days)],
        }])
    }

    fn hearing(&self, start: NaiveDate, end: NaiveDate) -> Result<Vec<EventKind>> {
        let rr = self
            .case
            .rereviewer
            .clone()
            .unwrap_or(self.holder()?.clone());
        self.require_unit(&rr)?;
        let Some(c) = self.case.open_clocks(ClockKind::Rereview).next() else {
            return Err(DomainError::from(Refusal::transition(
                "there is no running re-review clock",
                "没有正在计算的复核期限",
            )));
        };
        if end < start || start < c.started || (end - start).num_days() > 365 {
            return Err(DomainError::from(Refusal::field(
                "start/end",
                "the hearing must start on or after the re-review began and end on or after its start (at most a year)",
                "听证应在复核开始之后开始，结束日不早于开始日（最长一年）",
            )));
        }
        let days = (end - start).num_days() as u32 + 1;
        let base = c.days.unwrap_or(self.ctx.policy.rereview_days);
        let due = self
            .ctx
            .calendar
            .due_days(
                c.started,
                base + c.paused_days + days,
                self.ctx.policy.roll_over,
            )
            .max(c.due);
        Ok(vec![EventKind::HearingHeld {
            start,
            end,
            days,
            due,
        }])
    }

    fn rereview_opinion(
        &self,
        outcome: super::data::ReviewOutcome,
        text: &str,
    ) -> Result<Vec<EventKind>> {
        let rr = self
            .case
            .rereviewer
            .clone()
            .unwrap_or(self.holder()?.clone());
        let me = self.require_unit(&rr)?;
        check_text("text", text)?;
        Ok(vec![EventKind::RereviewIssued {
            outcome,
            text: text.to_string(),
            clocks: vec![self.days(ClockKind::Evaluation, me, self.ctx.policy.evaluation_days)],
        }])
    }

    fn close_accepted(&self) -> Result<Vec<EventKind>> {
        let answered = self
            .case
            .answered_by
            .clone()
            .unwrap_or(self.holder()?.clone());
        self.require_unit(&answered)?;
        Ok(vec![EventKind::Closed {
            reason: CloseReason::Accepted,
        }])
    }

    fn evaluate(
        &self,
        handling: super::data::Satisfaction,
        office: Option<super::data::Satisfaction>,
    ) -> Result<Vec<EventKind>> {
        let Some(c) = self
            .case
            .clocks
            .iter()
            .rev()
            .find(|c| c.kind == ClockKind::Evaluation)
        else {
            return Err(DomainError::from(Refusal::transition(
                "there is no answer to evaluate yet",
                "尚无可评价的答复",
            )));
        };
        // The rating is the petitioner's: online by the petitioner, or recorded by the
        // first-contact unit or a petition office whose reach includes the case — never by the
        // unit whose answer is rated.
        if !matches!(self.ctx.actor, Actor::Petitioner) {
            self.may_record_rating(self.actor_unit()?, &c.unit)?;
        } else if self.ctx.policy.rules >= 3 {
            online_rating_allowed(self.case, &c.unit)?;
        }
        if !c.is_open() && !c.lapsed {
            return Err(DomainError::from(Refusal::transition(
                "this answer has already been evaluated (once per answer)",
                "该答复已评价（每次答复只能评价一次）",
            )));
        }
        if !c.within(self.today) {
            return Err(DomainError::from(Refusal::WindowLapsed {
                window: ClockKind::Evaluation,
                due: Some(c.due),
            }));
        }
        Ok(vec![EventKind::Evaluated {
            handling,
            office,
            clock: c.index,
        }])
    }

    /// 查询码重置 by the registering unit or a petition office whose reach includes the case.
    fn reset_query_code(&self, code: &crate::ids::CodeRecord) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        let first = self.case.first_contact.as_ref().map(|f| &f.unit);
        let office_in_reach = self
            .ctx
            .org
            .unit(me)
            .is_some_and(|u| u.kind == UnitKind::PetitionOffice)
            && crate::access::case_in_reach(self.ctx.org, me, self.case);
        if first != Some(me) && !office_in_reach {
            return Err(DomainError::from(Refusal::forbidden(
                "only the registering unit or a petition office whose area includes the case gives a new query code",
                "只有登记单位或辖区包含该件的信访工作机构可以重置查询码",
            )));
        }
        let crate::ids::CodeRecord::Hashed(h) = code else {
            return Err(DomainError::from(Refusal::invalid(
                "a new query code is kept as its hash only",
                "新的查询码只能以哈希保存",
            )));
        };
        Ok(vec![EventKind::QueryCodeReset {
            query_code_hash: h.clone(),
        }])
    }

    /// The officer no longer carries the case: an admin moved them to another unit than the
    /// holder's, or deactivated them.
    fn release_officer(&self, officer: &StaffId) -> Result<Vec<EventKind>> {
        let admin = matches!(self.ctx.actor, Actor::Staff(s) if s.role == Role::Admin);
        if !admin {
            return Err(DomainError::from(Refusal::AdminOnly));
        }
        if self.case.officer.as_ref() != Some(officer) {
            return Err(DomainError::from(Refusal::transition(
                "this staff member does not carry the case",
                "该工作人员不是本件承办人",
            )));
        }
        let still_there = self
            .ctx
            .org
            .staff(officer)
            .is_some_and(|s| !s.deactivated && s.unit.as_ref() == self.case.holder.as_ref());
        if still_there {
            return Err(DomainError::from(Refusal::transition(
                "the officer still works for the holding unit: hand the case on instead",
                "承办人仍在承办单位：请改为转交承办",
            )));
        }
        Ok(vec![EventKind::OfficerReleased {
            officer: officer.clone(),
        }])
    }

    /// Whether staff of `me` may record the petitioner's rating of an answer by `rated`.
    fn may_record_rating(&self, me: &UnitCode, rated: &UnitCode) -> Result<()> {
        if me == rated {
            return Err(DomainError::from(Refusal::forbidden(
                "the unit whose answer is rated may not record the rating: the first-contact unit or a petition office records it",
                "被评价的答复单位不能录入评价：应由首问单位或信访工作机构录入",
            )));
        }
        let first = self.case.first_contact.as_ref().map(|f| &f.unit);
        let office_in_reach = self
            .ctx
            .org
            .unit(me)
            .is_some_and(|u| u.kind == UnitKind::PetitionOffice)
            && crate::access::case_in_reach(self.ctx.org, me, self.case);
        if first != Some(me) && !office_in_reach {
            return Err(DomainError::from(Refusal::forbidden(
                "only the first-contact unit or a petition office whose area includes the case records the petitioner's rating",
                "只有首问单位或辖区包含该件的信访工作机构可以录入信访人的评价",
            )));
        }
        Ok(())
    }

    fn withdraw(&self, reason: &str) -> Result<Vec<EventKind>> {
        self.require_holder()?;
        check_text("reason", reason)?;
        Ok(vec![EventKind::Withdrawn {
            reason: reason.to_string(),
        }])
    }

    fn merge(&self, into: &CaseId) -> Result<Vec<EventKind>> {
        self.require_holder()?;
        if into == &self.case.id {
            return Err(DomainError::from(Refusal::field(
                "into",
                "a case cannot be merged into itself",
                "不能与自身合并",
            )));
        }
        let target = match self.ctx.target {
            Some(t) if &t.id == into && t.is_registered() => t,
            _ => {
                return Err(DomainError::from(Refusal::NoCase {
                    id: into.as_str().to_string(),
                }))
            }
        };
        if target.state.is_terminal() {
            return Err(DomainError::from(Refusal::transition(
                &format!(
                    "{into} is {} and can take no merged case: merge into an open case",
                    target.state.en()
                ),
                &format!(
                    "{into} 已“{}”，不能再合并其他信访件：请合并至办理中的信访件",
                    target.state.zh()
                ),
            )));
        }
        // Only the same matter of the same petitioner: a case may not be buried in an unrelated
        // one (same id number, or same name and phone — the identity keys of repeat detection — or a case
        // already linked as related).
        let keys = |c: &Case| {
            c.registration
                .as_ref()
                .map(crate::store::identity_keys)
                .unwrap_or_default()
        };
        let mine = keys(self.case);
        let same_petitioner = keys(target).iter().any(|k| mine.contains(k));
        if !same_petitioner && !self.case.related.contains(into) {
            return Err(DomainError::from(Refusal::field(
                "into",
                "may only name a case of the same petitioner (same id number, or same name and phone) or a related case",
                "只能合并至同一信访人（证件号码相同，或姓名和电话相同）的信访件或相关信访件",
            )));
        }
        // An accusation never moves to the accused unit (2005 Art 23).
        if let Some(accused) = self.case.accused_unit() {
            if target.holder.as_ref() == Some(accused) || target.lead.as_ref() == Some(accused) {
                return Err(DomainError::from(Refusal::Confidentiality {
                    unit: accused.as_str().to_string(),
                }));
            }
        }
        Ok(vec![EventKind::Merged { into: into.clone() }])
    }

    fn absorb(&self, from: &CaseId) -> Result<Vec<EventKind>> {
        if from == &self.case.id || self.case.absorbed.contains(from) {
            return Err(DomainError::from(Refusal::field(
                "into",
                "that case is already merged here",
                "该件已合并至此",
            )));
        }
        Ok(vec![EventKind::Absorbed { from: from.clone() }])
    }

    fn supervise(
        &self,
        ground: SupervisionGround,
        respond_by: NaiveDate,
        text: &str,
        unit: Option<&UnitCode>,
        level: Option<SupervisionLevel>,
    ) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        check_text("text", text)?;
        let target = match unit {
            Some(u) => u.clone(),
            None => self.holder()?.clone(),
        };
        self.ctx.org.get(&target)?;
        self.not_accused(&target)?;
        if !self.ctx.org.may_supervise(me, &target) {
            return Err(DomainError::from(Refusal::forbidden(
                "only the supervising petition office of that unit, the one a tier up, or a superior body may supervise it (一级督办一级, 2005 Art 36)",
                "只有该单位的督办机构、上一级督办机构或其上级机关可以督办（一级督办一级）",
            )));
        }
        if respond_by <= self.today {
            return Err(DomainError::from(Refusal::field(
                "respond_by",
                "must be a date after today",
                "应晚于今天",
            )));
        }
        Ok(vec![self.open_supervision(
            me,
            &target,
            level.unwrap_or(SupervisionLevel::Supervision),
            ground,
            respond_by,
            text,
            None,
        )])
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open_supervision(
        &self,
        by: &UnitCode,
        unit: &UnitCode,
        level: SupervisionLevel,
        ground: SupervisionGround,
        respond_by: NaiveDate,
        text: &str,
        for_clock: Option<u32>,
    ) -> EventKind {
        let id = self.case.supervisions.len() as u32 + 1;
        EventKind::SupervisionOpened {
            supervision: SupervisionOpen {
                id,
                level,
                ground,
                by: by.clone(),
                unit: unit.clone(),
                respond_by,
                text: text.to_string(),
                for_clock,
            },
            clocks: vec![ClockStart {
                kind: ClockKind::Supervision,
                unit: unit.clone(),
                started: self.today,
                due: respond_by,
                days: None,
                supervision: Some(id),
            }],
        }
    }

    fn respond(&self, supervision: u32, text: &str) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        check_text("text", text)?;
        let Some(s) = self.case.supervisions.iter().find(|s| s.id == supervision) else {
            return Err(DomainError::from(Refusal::missing(
                "no supervision with that number on this case",
                "该件没有该编号的督办",
            )));
        };
        if &s.unit != me {
            return Err(DomainError::from(Refusal::NotHolder {
                unit: me.as_str().to_string(),
                holder: s.unit.as_str().to_string(),
            }));
        }
        if s.answered_at.is_some() {
            return Err(DomainError::from(Refusal::transition(
                "this supervision has already been answered",
                "该督办已反馈",
            )));
        }
        Ok(vec![EventKind::SupervisionAnswered {
            supervision,
            text: text.to_string(),
        }])
    }

    fn tick(&self) -> Result<Vec<EventKind>> {
        if !matches!(self.ctx.actor, Actor::System) {
            return Err(DomainError::from(Refusal::forbidden(
                "the time-driven work runs as the system, not as a staff member",
                "定时处理由系统执行，不能由工作人员执行",
            )));
        }
        Ok(crate::supervision::plan_tick(self))
    }
}

/// Whether the petitioner may rate online, with the query code, an answer given by `rated`:
/// never when `rated` is the unit that was shown the case's current code (it registered the case
/// or reset the code), which could otherwise rate its own answer as the petitioner (the rating
/// link sent to the petitioner is the way there).
pub(crate) fn online_rating_allowed(case: &Case, rated: &UnitCode) -> Result<()> {
    let holder = case
        .code_holder
        .as_ref()
        .or(case.first_contact.as_ref().map(|f| &f.unit));
    if holder == Some(rated) {
        return Err(DomainError::from(Refusal::forbidden(
            "this answer was given by the unit that was shown the case's query code, so it cannot be rated online with the code: the petitioner rates it at a petition office, or through the rating link sent to them",
            "该答复由知悉查询码的单位作出，不能凭查询码在线评价：请信访人到信访工作机构评价，或通过发送给本人的评价链接评价",
        )));
    }
    Ok(())
}
