//! After the answer (复查, 复核, 办结, 满意度评价) and the other endings (撤回, 合并), the query code's reset
//! and an officer's release.

use super::*;

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

impl<'a> Decision<'a> {
    pub(super) fn window(&self, kind: ClockKind) -> Result<()> {
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

    pub(super) fn review_request(&self, reason: Option<&str>) -> Result<Vec<EventKind>> {
        let reason = grounds(reason)?;
        let lead = self
            .case
            .answered_by
            .clone()
            .unwrap_or(self.holder()?.clone());
        let (body, on_behalf) = self.reviewing_body(&lead, "复查机关", "reviewing body")?;
        self.window(ClockKind::ReviewWindow)?;
        Ok(vec![EventKind::ReviewRequested {
            reason,
            clocks: vec![self.days(ClockKind::Review, &body, self.ctx.policy.review_days)],
            superseded: self.superseded_evaluation(),
            body: on_behalf.then_some(body),
        }])
    }

    /// The body that reviews `of`'s answer for this request, and whether the actor records it
    /// on that body's behalf: a reviewing body (the parent or line superior of `of`) records for
    /// itself; the petition office of a reviewing body's territory records for that body at the
    /// counter (its government first). Anyone else is refused, with the bodies named.
    fn reviewing_body(&self, of: &UnitCode, zh: &str, en: &str) -> Result<(UnitCode, bool)> {
        let me = self.actor_unit()?;
        let org = self.ctx.org;
        if org.is_reviewer(me, of) {
            return Ok((me.clone(), false));
        }
        let answered = org.get(of)?;
        let bodies: Vec<&UnitCode> = answered
            .parent
            .iter()
            .chain(answered.line_superior.iter())
            .collect();
        let counter = org
            .unit(me)
            .is_some_and(|u| u.kind == UnitKind::PetitionOffice);
        if counter {
            for b in &bodies {
                let office = org
                    .gov(b)
                    .and_then(|g| org.office(&g.code))
                    .map(|o| &o.code);
                if office == Some(me) {
                    return Ok(((*b).clone(), true));
                }
            }
        }
        let named: Vec<String> = bodies
            .iter()
            .map(|b| match org.unit(b) {
                Some(u) => format!("{} ({})", u.name, u.code),
                None => b.to_string(),
            })
            .collect();
        let named = named.join(", ");
        Err(DomainError::from(Refusal::forbidden(
            &format!(
                "only the {en} ({zh}: {named}) or the petition office of its territory registers this request"
            ),
            &format!("此申请应由{zh}（{named}）或其所在地的信访工作机构登记"),
        )))
    }

    pub(super) fn review_opinion(
        &self,
        outcome: crate::case::data::ReviewOutcome,
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

    pub(super) fn rereview_request(&self, reason: Option<&str>) -> Result<Vec<EventKind>> {
        let reason = grounds(reason)?;
        let reviewer = self.case.reviewer.clone().unwrap_or(self.holder()?.clone());
        let (body, on_behalf) = self.reviewing_body(&reviewer, "复核机关", "re-reviewing body")?;
        self.window(ClockKind::RereviewWindow)?;
        Ok(vec![EventKind::RereviewRequested {
            reason,
            clocks: vec![self.days(ClockKind::Rereview, &body, self.ctx.policy.rereview_days)],
            superseded: self.superseded_evaluation(),
            body: on_behalf.then_some(body),
        }])
    }

    /// Rules 5: the open evaluation window of the answer a review or re-review request puts
    /// under review — it can no longer be rated, and is stopped so that it never lapses.
    fn superseded_evaluation(&self) -> Option<u32> {
        if self.ctx.policy.rules < 5 {
            return None;
        }
        self.case
            .clocks
            .iter()
            .find(|c| c.kind == ClockKind::Evaluation && c.is_open())
            .map(|c| c.index)
    }

    pub(super) fn hearing(&self, start: NaiveDate, end: NaiveDate) -> Result<Vec<EventKind>> {
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

    pub(super) fn rereview_opinion(
        &self,
        outcome: crate::case::data::ReviewOutcome,
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

    pub(super) fn close_accepted(&self) -> Result<Vec<EventKind>> {
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

    pub(super) fn evaluate(
        &self,
        handling: crate::case::data::Satisfaction,
        office: Option<crate::case::data::Satisfaction>,
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
    pub(super) fn reset_query_code(&self, code: &crate::ids::CodeRecord) -> Result<Vec<EventKind>> {
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
    pub(super) fn release_officer(
        &self,
        officer: &StaffId,
        successor: Option<&StaffId>,
    ) -> Result<Vec<EventKind>> {
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
        if let Some(next) = successor {
            // The colleague who takes over works for the holding unit, as any officer does.
            let fits = self.ctx.org.staff(next).is_some_and(|s| {
                !s.deactivated
                    && s.unit.as_ref() == self.case.holder.as_ref()
                    && matches!(s.role, Role::Clerk | Role::Head)
            });
            if !fits || next == officer {
                return Err(DomainError::from(Refusal::field(
                    "reassign_to",
                    &format!(
                        "must be an active clerk or head of the unit holding {}, other than the officer released",
                        self.case.id
                    ),
                    &format!("须为承办{}的单位在岗的其他工作人员或负责人", self.case.id),
                )));
            }
        }
        Ok(vec![EventKind::OfficerReleased {
            officer: officer.clone(),
            successor: successor.cloned(),
        }])
    }

    /// Whether staff of `me` may record the petitioner's rating of an answer by `rated`.
    pub(super) fn may_record_rating(&self, me: &UnitCode, rated: &UnitCode) -> Result<()> {
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

    pub(super) fn withdraw(&self, reason: &str) -> Result<Vec<EventKind>> {
        self.require_holder()?;
        check_text("reason", reason)?;
        Ok(vec![EventKind::Withdrawn {
            reason: reason.to_string(),
        }])
    }

    pub(super) fn merge(&self, into: &CaseId) -> Result<Vec<EventKind>> {
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
            _ => return Err(DomainError::from(Refusal::NoCase { id: into.clone() })),
        };
        if target.state.is_terminal() {
            return Err(DomainError::from(Refusal::transition(
                &format!(
                    "{into} is {} and can take no merged case: merge into an open case",
                    target.state.label(crate::error::Lang::En)
                ),
                &format!(
                    "{into} 已“{}”，不能再合并其他信访件：请合并至办理中的信访件",
                    target.state.label(crate::error::Lang::Zh)
                ),
            )));
        }
        // Only the same matter of the same petitioner: a case may not be buried in an unrelated
        // one (same id number, or same name and phone — the identity keys of repeat detection — or a case
        // already linked as related).
        let keys = |c: &Case| {
            c.registration
                .as_ref()
                .map(crate::case::Registration::identity_keys)
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

    pub(super) fn absorb(&self, from: &CaseId) -> Result<Vec<EventKind>> {
        if from == &self.case.id || self.case.absorbed.contains(from) {
            return Err(DomainError::from(Refusal::field(
                "into",
                "that case is already merged here",
                "该件已合并至此",
            )));
        }
        Ok(vec![EventKind::Absorbed { from: from.clone() }])
    }
}
