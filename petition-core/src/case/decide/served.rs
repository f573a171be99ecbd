//! 送达: recording that the petitioner received a written notice, and counting the windows the
//! law counts from receipt (2022 Art 35, 36: review within 30 days of receiving the answer,
//! re-review within 30 days of receiving the review decision) from that day.

use super::*;
use crate::clock::Clock;

impl<'a> Decision<'a> {
    /// 记录: a note by a unit that reads the case (the service checks the reading), at `at` (not
    /// later than now, not before the case was registered) or now.
    pub(super) fn note(
        &self,
        kind: NoteKind,
        text: &str,
        at: Option<DateTime<FixedOffset>>,
    ) -> Result<Vec<EventKind>> {
        self.actor_unit()?;
        check_text("text", text)?;
        let happened = at.unwrap_or(self.now);
        if happened > self.now {
            return Err(DomainError::from(Refusal::field(
                "at",
                "is in the future: a note records what happened",
                "晚于现在：记录的是已经发生的事",
            )));
        }
        if self.case.registered_at.is_some_and(|r| happened < r) {
            return Err(DomainError::from(Refusal::field(
                "at",
                "is before the case was registered",
                "早于本件登记时间",
            )));
        }
        Ok(vec![EventKind::Noted {
            kind,
            text: text.trim().to_string(),
            happened: happened.with_timezone(&self.ctx.policy.timezone),
        }])
    }

    pub(super) fn served(
        &self,
        notice: ServedNotice,
        on: NaiveDate,
        how: ServiceMethod,
        note: Option<&str>,
    ) -> Result<Vec<EventKind>> {
        let me = self.actor_unit()?;
        if let Some(n) = note {
            check_text("note", n)?;
        }
        let (issuer, issued, windows) = self.issued(notice)?;
        let registrar = self.case.first_contact.as_ref().map(|f| &f.unit);
        if me != &issuer && Some(me) != registrar {
            return Err(DomainError::from(Refusal::forbidden(
                "only the unit that issued the notice, or the unit that registered the case, records its service",
                "只有出具该文书的单位或登记本件的单位可以登记送达",
            )));
        }
        if on < issued {
            return Err(DomainError::from(Refusal::field(
                "on",
                &format!("is before the notice was issued ({issued})"),
                &format!("早于文书出具日期（{issued}）"),
            )));
        }
        if on > self.today {
            return Err(DomainError::from(Refusal::field(
                "on",
                "is in the future: record the service once the petitioner has received the notice",
                "晚于今天：请在信访人收到文书后登记送达",
            )));
        }
        if let Some(s) = self
            .case
            .services
            .iter()
            .find(|s| s.notice == notice && s.on >= issued)
        {
            return Err(DomainError::from(Refusal::transition(
                &format!(
                    "the service of this {} was already recorded (received {})",
                    notice.label(crate::error::Lang::En),
                    s.on
                ),
                &format!(
                    "该{}已登记送达（{}收到）",
                    notice.label(crate::error::Lang::Zh),
                    s.on
                ),
            )));
        }
        let p = self.ctx.policy;
        let windows = windows
            .into_iter()
            .filter(|c| c.is_open() && !c.lapsed)
            .filter_map(|c| {
                let due = self
                    .ctx
                    .calendar
                    .due_days(on, c.days.unwrap_or(0), p.roll_over);
                (due > c.due).then_some(Redated {
                    clock: c.index,
                    due,
                })
            })
            .collect();
        Ok(vec![EventKind::Served {
            notice,
            on,
            how,
            note: note.map(|n| n.trim().to_string()),
            windows,
        }])
    }

    /// The unit that issued `notice`, the day it was issued, and the petitioner's windows that
    /// count from its receipt; `wrong_state` when the case has no such notice.
    fn issued(&self, notice: ServedNotice) -> Result<(UnitCode, NaiveDate, Vec<&'a Clock>)> {
        let c = self.case;
        let none = || {
            DomainError::from(Refusal::transition(
                &format!(
                    "this case has no {} to serve",
                    notice.label(crate::error::Lang::En)
                ),
                &format!(
                    "该件尚无{}，无法登记送达",
                    notice.label(crate::error::Lang::Zh)
                ),
            ))
        };
        let answer = |window: Option<ClockKind>, by: Option<&UnitCode>| {
            // The answer's own clocks: its window (when it has one) and its evaluation, both
            // started the day the answer was issued by the answering unit.
            let anchor = match window {
                Some(k) => c.clocks.iter().rev().find(|x| x.kind == k),
                None => c
                    .clocks
                    .iter()
                    .rev()
                    .find(|x| x.kind == ClockKind::Evaluation && Some(&x.unit) == by),
            }
            .ok_or_else(none)?;
            let clocks = c
                .clocks
                .iter()
                .filter(|x| {
                    x.started == anchor.started
                        && x.unit == anchor.unit
                        && (x.kind == ClockKind::Evaluation || Some(x.kind) == window)
                })
                .collect();
            Ok::<_, DomainError>((anchor.unit.clone(), anchor.started, clocks))
        };
        match notice {
            ServedNotice::Decline => {
                if c.state != CaseState::Declined {
                    return Err(none());
                }
                // Issued the day the decline stopped the intake and acceptance clocks.
                let issued = c
                    .clocks
                    .iter()
                    .filter(|x| matches!(x.kind, ClockKind::Intake | ClockKind::Acceptance))
                    .filter_map(|x| x.stopped_on)
                    .max()
                    .ok_or_else(none)?;
                Ok((self.holder()?.clone(), issued, Vec::new()))
            }
            ServedNotice::Opinion if c.outcome.is_some() => {
                answer(Some(ClockKind::ReviewWindow), None)
            }
            ServedNotice::Review if c.review_outcome.is_some() => {
                answer(Some(ClockKind::RereviewWindow), None)
            }
            ServedNotice::Rereview if c.rereview_outcome.is_some() => {
                answer(None, c.rereviewer.as_ref())
            }
            _ => Err(none()),
        }
    }
}
