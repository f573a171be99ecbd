//! Handling (办理): assisting units' input, the case officer, extensions, the opinion and the
//! result report.

use super::*;

impl<'a> Decision<'a> {
    pub(super) fn assist_input(&self, text: &str) -> Result<Vec<EventKind>> {
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

    /// 承办: the actor, a staff member of the holding unit, becomes the case's officer.
    pub(super) fn take(&self) -> Result<Vec<EventKind>> {
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
        self.may_change_officer(me)?;
        Ok(vec![EventKind::OfficerAssigned {
            officer: me.id.clone(),
        }])
    }

    /// Rules 5: a case that has an officer changes officer only by that officer (handing it
    /// on) or the unit's head — never silently by a colleague's `take`.
    fn may_change_officer(&self, me: &crate::org::Staff) -> Result<()> {
        if self.ctx.policy.rules < 5 || me.role == Role::Head {
            return Ok(());
        }
        match &self.case.officer {
            Some(officer) if officer != &me.id => {
                let name = self
                    .ctx
                    .org
                    .staff(officer)
                    .map_or_else(|| officer.to_string(), |s| format!("{} ({})", s.name, s.id));
                Err(DomainError::from(Refusal::forbidden(
                    &format!(
                        "{name} carries this case: ask them to hand it on (petition hand), or your unit's head"
                    ),
                    &format!("本件由 {name} 承办：请其转交（petition hand），或由本单位负责人调整"),
                )))
            }
            _ => Ok(()),
        }
    }

    /// 转交: a staff member of the holding unit hands the case to another of its active staff.
    pub(super) fn hand(&self, to: &StaffId) -> Result<Vec<EventKind>> {
        let holder = self.require_holder()?;
        let staff = self.ctx.org.staff(to).ok_or_else(|| {
            DomainError::from(Refusal::NoStaff {
                id: to.clone(),
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
        if let Actor::Staff(me) = self.ctx.actor {
            self.may_change_officer(me)?;
        }
        Ok(vec![EventKind::OfficerAssigned {
            officer: to.clone(),
        }])
    }

    /// The lead unit's head (or the system): who may extend, or answer a request to.
    pub(super) fn require_lead_head(&self) -> Result<()> {
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
    pub(super) fn extend_request(&self, days: u32, reason: &str) -> Result<Vec<EventKind>> {
        let lead = self.case.lead.clone().unwrap_or(self.holder()?.clone());
        self.require_unit(&lead)?;
        if self.case.extension_request.is_some() {
            return Err(DomainError::from(Refusal::transition(
                "an extension request is already waiting for the head's answer: the head approves or rejects it first",
                "已有延期申请等待负责人审批：请负责人先批准或驳回",
            )));
        }
        self.extension(days, reason)?;
        Ok(vec![EventKind::ExtensionRequested {
            days,
            reason: reason.to_string(),
        }])
    }

    pub(super) fn pending_extension(&self) -> Result<&ExtensionRequest> {
        self.case.extension_request.as_ref().ok_or_else(|| {
            DomainError::from(Refusal::transition(
                "there is no extension request to answer (a clerk asks with extend request)",
                "没有待审批的延期申请（经办人用 extend request 申请）",
            ))
        })
    }

    /// The head grants the pending request: the extension it asked for, checked again now.
    pub(super) fn extend_approve(&self) -> Result<Vec<EventKind>> {
        self.require_lead_head()?;
        let r = self.pending_extension()?;
        self.extension(r.days, &r.reason)
    }

    pub(super) fn extend_reject(&self, note: Option<&str>) -> Result<Vec<EventKind>> {
        self.require_lead_head()?;
        self.pending_extension()?;
        if let Some(n) = note {
            check_text("note", n)?;
        }
        Ok(vec![EventKind::ExtensionRejected {
            note: note.map(str::to_string),
        }])
    }

    pub(super) fn extend(&self, days: u32, reason: &str) -> Result<Vec<EventKind>> {
        self.require_lead_head()?;
        self.extension(days, reason)
    }

    /// The extension of `days` for `reason`, within the limit on the running handling clock.
    pub(super) fn extension(&self, days: u32, reason: &str) -> Result<Vec<EventKind>> {
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

    pub(super) fn opinion(
        &self,
        outcome: crate::case::data::Outcome,
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

    pub(super) fn report(&self, text: &str) -> Result<Vec<EventKind>> {
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
}
