//! Supervision (督办): opening, answering, and the time-driven work of one case.

use super::*;

impl<'a> Decision<'a> {
    pub(super) fn supervise(
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
        let policy = self.ctx.policy;
        let latest = self
            .ctx
            .calendar
            .due_working_days(self.today, policy.supervision_max_days);
        if policy.rules >= 4 && respond_by > latest {
            let n = policy.supervision_max_days;
            return Err(DomainError::from(Refusal::field(
                "respond_by",
                &format!("must be at most {n} working days ahead, on or before {latest} (policy supervision_max_days)"),
                &format!("不得晚于 {n} 个工作日之后，即 {latest} 或之前（参数 supervision_max_days）"),
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

    pub(super) fn respond(&self, supervision: u32, text: &str) -> Result<Vec<EventKind>> {
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
                unit: me.clone(),
                holder: s.unit.clone(),
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

    pub(super) fn tick(&self) -> Result<Vec<EventKind>> {
        if !matches!(self.ctx.actor, Actor::System) {
            return Err(DomainError::from(Refusal::forbidden(
                "the time-driven work runs as the system, not as a staff member",
                "定时处理由系统执行，不能由工作人员执行",
            )));
        }
        Ok(super::tick::plan_tick(self))
    }
}
