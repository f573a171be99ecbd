//! Intake (登记, 转送/交办, 异议, 受理, 不予受理, 更正登记): registration, routing, objections,
//! acceptance, decline and amendment.

use super::*;

impl<'a> Decision<'a> {
    pub(super) fn register(
        &self,
        reg: &crate::case::data::Registration,
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

    pub(super) fn route(
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

    pub(super) fn object(&self, reason: &str) -> Result<Vec<EventKind>> {
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

    pub(super) fn resolve_objection(
        &self,
        approve: bool,
        note: &Option<String>,
    ) -> Result<Vec<EventKind>> {
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

    /// 作废: the registering unit voids its own registration made in error, before any unit
    /// accepted the case (the service checks that a named original exists and may be read).
    pub(super) fn void(
        &self,
        reason: &str,
        duplicate_of: Option<&CaseId>,
    ) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        if self.case.first_contact.as_ref().map(|f| &f.unit) != Some(me) {
            return Err(DomainError::from(Refusal::forbidden(
                "only the unit that registered the case may void its registration",
                "只有登记本件的单位可以作废该登记",
            )));
        }
        check_text("reason", reason)?;
        if duplicate_of == Some(&self.case.id) {
            return Err(DomainError::from(Refusal::field(
                "duplicate_of",
                "names this case itself: give the case it duplicates",
                "不能是本件：请填写与之重复的信访件编号",
            )));
        }
        Ok(vec![EventKind::Voided {
            reason: reason.trim().to_string(),
            duplicate_of: duplicate_of.cloned(),
        }])
    }

    pub(super) fn accept(&self, assist: &[UnitCode]) -> Result<Vec<EventKind>> {
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

    pub(super) fn decline(
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

    /// 更正登记: the registering unit corrects one field of the registration while the case
    /// has not been accepted (the accused unit and the purpose also while it is handled); a
    /// case made an accusation against a unit that held, led or assisted it is recalled from
    /// that unit (`recalled`); what follows from the registration is decided again as at
    /// registration — repeat detection among the earlier cases the registering clerk may read
    /// (`ctx.related`, given by the service for the corrected registration), the skip-level and
    /// collective flags, and (rules 2) the intake clock's dates when the time of receipt moved.
    pub(super) fn amend(
        &self,
        field: crate::case::data::AmendField,
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
        if field == crate::case::data::AmendField::ReceivedAt && self.ctx.policy.rules >= 4 {
            let counted = self
                .case
                .clocks
                .iter()
                .find(|c| c.kind == ClockKind::Intake);
            if counted.is_some_and(|c| c.stopped_on.is_some() || c.due < self.today) {
                return Err(DomainError::from(Refusal::field(
                    "received_at",
                    "can no longer be corrected: the intake time limit counted from it was already met or missed (the case was routed or decided, or is overdue)",
                    "已不能更正：据此计算的受理时限已经届满或已被遵守（本件已转送、交办或决定，或已超期）",
                )));
            }
        }
        let accused = match field {
            crate::case::data::AmendField::AccusedUnit => new.accused_unit.clone(),
            _ => None,
        };
        if let Some(x) = &accused {
            org.get(x)?;
            if x == me {
                return Err(DomainError::from(Refusal::field(
                    "accused_unit",
                    "cannot be the registering unit itself: an accusation against this unit is registered by the petition office above it",
                    "不能是本登记单位：反映本单位的揭发控告应由上级信访部门登记",
                )));
            }
        }
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
        if field == crate::case::data::AmendField::ReceivedAt && self.ctx.policy.rules >= 2 {
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
        let mut events = vec![EventKind::Amended {
            field,
            old: reg.field(field),
            new: new.field(field),
            reason: reason.trim().to_string(),
            collective: new.collective(),
            skip_level,
            repeat_of,
            related: ids,
            intake,
        }];
        // 2005 Art 23 (an accusation never goes to the unit it accuses): the newly
        // accused unit's part in the case ends at once; a case it held or led comes back here,
        // with a new intake limit to route it again.
        if let Some(x) = accused {
            let held = self.case.holder.as_ref() == Some(&x) || self.case.lead.as_ref() == Some(&x);
            let assists = self.case.assisting.iter().any(|a| a.unit == x);
            if held || assists {
                let clocks = match held {
                    true => vec![self.days(ClockKind::Intake, me, self.ctx.policy.intake_days)],
                    false => Vec::new(),
                };
                events.push(EventKind::Recalled { from: x, clocks });
            }
        }
        Ok(events)
    }
}
