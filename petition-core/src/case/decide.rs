//! `decide`: every lifecycle rule as one `match (state, command)` that reads like the table.
//! A passing command yields events; a failing one yields a typed error and nothing else.

use chrono::{DateTime, FixedOffset, NaiveDate};

mod appeals;
mod case_file;
mod handling;
mod intake;
mod served;
mod supervision;
pub(crate) mod tick;

pub(crate) use appeals::online_rating_allowed;

use super::command::*;
use super::data::{Channel, DeclineGround};
use super::event::*;
use super::model::*;
use super::vocabulary::*;
use crate::clock::{local_date, ClockKind, ClockStart};
use crate::error::{DomainError, Refusal, Result, StorageError};
use crate::ids::{CaseId, StaffId, UnitCode};
use crate::org::{Role, UnitKind};

/// Decides a step (a command, or one of the service's own) on a case at `ctx.now`: the events
/// to append, or why not.
pub fn decide(case: &Case, step: &Step, ctx: &Context) -> Result<Vec<Event>> {
    let d = Decision::new(case, ctx);
    if let Step::Command(cmd) = step {
        for (field, date) in cmd.dates() {
            crate::input::check_date(field, date)?;
        }
    }
    let state = case.is_registered().then_some(case.state);
    // The transition table first (a command never allowed in this state is `invalid_transition`
    // whatever the time); then time never runs backwards on a case.
    let decided = transition(&d, state, step);
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
                | EventKind::Voided { .. }
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
fn transition(d: &Decision, state: Option<CaseState>, step: &Step) -> Result<Vec<EventKind>> {
    use CaseState::*;
    use Command as C;
    let case = d.case;
    let no_case = || {
        DomainError::from(Refusal::NoCase {
            id: case.id.clone(),
        })
    };
    // The service's own steps first; then the table of commands by state.
    let cmd = match (state, step) {
        (
            None,
            Step::Register {
                registration,
                query_code,
            },
        ) => return d.register(registration, query_code),
        (None, _) => return Err(no_case()),
        (Some(_), Step::Register { .. }) => {
            return Err(DomainError::from(Refusal::AlreadyRegistered {
                id: case.id.clone(),
            }))
        }
        (Some(s), Step::Absorb { from }) if !s.is_terminal() => return d.absorb(from),
        (Some(_), Step::Tick) => return d.tick(),
        // Whatever the state: the petitioner may follow a closed case too.
        (Some(_), Step::ResetQueryCode { query_code }) => return d.reset_query_code(query_code),
        (Some(_), Step::ReleaseOfficer { officer, successor }) => {
            return d.release_officer(officer, successor.as_ref())
        }
        (Some(_), Step::Command(c)) => c,
        (Some(s), _) => return Err(DomainError::from(Refusal::Terminal { state: s })),
    };
    Ok(match (state, cmd) {
        (None, _) => return Err(no_case()),
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
            C::Amend {
                field,
                value,
                reason,
            },
        ) if field.while_handled() => d.amend(*field, value, reason)?,
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
        (
            Some(Registered | Routed),
            C::Void {
                reason,
                duplicate_of,
            },
        ) => d.void(reason, duplicate_of.as_ref())?,
        (Some(Registered | Routed | Handling), C::Merge { into }) => d.merge(into)?,
        // A note is written whatever the case's state (a callback after the case closed).
        (Some(_), C::Note { kind, text, at }) => d.note(*kind, text, *at)?,
        // The case file takes a file whatever the state (a signed notice after closing).
        (Some(_), C::Attach { file, kind, title }) => d.attach(file, *kind, title)?,
        (Some(_), C::WithdrawAttachment { sha256, reason }) => {
            d.withdraw_attachment(sha256, reason)?
        }
        // A notice's service is recorded whatever the case's state: receipt is a fact.
        (
            Some(_),
            C::Served {
                notice,
                on,
                how,
                note,
            },
        ) => d.served(*notice, *on, *how, note.as_deref())?,
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
    crate::input::check_lines(field, s)
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
                    staff: s.id.clone(),
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
                unit: me.clone(),
                holder: unit.clone(),
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
}
