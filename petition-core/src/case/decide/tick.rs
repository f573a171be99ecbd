//! 限时督办: the escalation ladder (2005 Art 36) and the planning of `tick` — pure functions
//! from a case and `now` to the events that time makes due (the rules' time-driven part).

use chrono::NaiveDate;

use super::Decision;
use crate::case::{CloseReason, EventKind, SupervisionGround, SupervisionLevel};
use crate::clock::Calendar;
use crate::clock::ClockKind;
use crate::ids::UnitCode;
use crate::org::Org;
use crate::policy::Policy;

/// The respond-by date of a supervision at `level` opened on local date `today` (policy defaults:
/// reminder 5 working days, supervision 15 days, notice 10 days; accountability, the top, uses the
/// supervision limit).
pub(crate) fn respond_by(
    level: SupervisionLevel,
    today: NaiveDate,
    policy: &Policy,
    cal: &Calendar,
) -> NaiveDate {
    match level {
        SupervisionLevel::Reminder => cal.due_working_days(today, policy.reminder_working_days),
        SupervisionLevel::Supervision | SupervisionLevel::Accountability => {
            cal.due_days(today, policy.supervision_days, policy.roll_over)
        }
        SupervisionLevel::Notice => cal.due_days(today, policy.notice_days, policy.roll_over),
    }
}

/// The unit that issues a supervision at `level` on `unit`: `sup(unit)` below `notice`,
/// `sup↑(unit)` from `notice` on (when there is one; otherwise the current issuer stays).
pub(crate) fn issuer(
    org: &Org,
    level: SupervisionLevel,
    unit: &UnitCode,
    current: &UnitCode,
) -> UnitCode {
    let up = if level >= SupervisionLevel::Notice {
        org.sup_up(unit)
    } else {
        org.sup(unit)
    };
    up.map(|u| u.code.clone())
        .unwrap_or_else(|| current.clone())
}

/// The four steps of `tick` for one case, in order. Returns nothing when nothing is due, so a second
/// tick at the same time appends nothing.
pub(crate) fn plan_tick(d: &Decision) -> Vec<EventKind> {
    let case = d.case;
    let org = d.ctx.org;
    let policy = d.ctx.policy;
    let cal = d.ctx.calendar;
    let today = d.today;
    let mut out = Vec::new();
    let accused = case.accused_unit();

    let rules2 = policy.rules >= 2;
    // Under rules 2, a case this tick closes is not supervised or escalated on the way out.
    let closing = rules2 && window_lapsed(case, today);

    // 1. Every overdue unit clock without an automatic supervision gets a reminder by sup(unit);
    // under rules 2, not while the unit is under an open manual supervision of the case.
    let mut opened = 0u32;
    for c in &case.clocks {
        if closing || c.kind == ClockKind::Supervision || c.auto_supervised || !c.overdue(today) {
            continue;
        }
        // Under rules 4, only while that supervision's respond-by has not passed: a manual
        // supervision dated far ahead cannot park the ladder.
        let holding = |s: &&crate::case::Supervision| {
            s.is_open()
                && s.for_clock.is_none()
                && s.unit == c.unit
                && (policy.rules < 4 || today <= s.respond_by)
        };
        if rules2 && case.supervisions.iter().any(|s| holding(&s)) {
            continue;
        }
        if accused == Some(&c.unit) {
            continue; // 2005 Art 23: never supervised onto the accused unit.
        }
        let Some(by) = org.sup(&c.unit) else { continue };
        let ground = if c.kind == ClockKind::ResultReport {
            SupervisionGround::NoResultReport
        } else {
            SupervisionGround::Overdue
        };
        let level = SupervisionLevel::Reminder;
        let rb = respond_by(level, today, policy, cal);
        let text = format!(
            "{} clock overdue since {}: act and explain the delay (超过时限的必须说明原因)",
            c.kind.as_str(),
            c.due
        );
        // Numbering continues past the supervisions opened earlier in this same tick.
        let ev = d.open_supervision(&by.code, &c.unit, level, ground, rb, &text, Some(c.index));
        if let EventKind::SupervisionOpened {
            mut supervision,
            mut clocks,
        } = ev
        {
            supervision.id += opened;
            for k in &mut clocks {
                k.supervision = Some(supervision.id);
            }
            out.push(EventKind::SupervisionOpened {
                supervision,
                clocks,
            });
        }
        opened += 1;
    }

    // 2. Every open supervision past its respond-by climbs one level.
    for s in &case.supervisions {
        if closing || !s.is_open() || today <= s.respond_by {
            continue;
        }
        let Some(level) = s.level.next() else {
            continue;
        };
        let by = issuer(org, level, &s.unit, &s.by);
        let rb = respond_by(level, today, policy, cal);
        out.push(EventKind::SupervisionEscalated {
            supervision: s.id,
            level,
            by,
            respond_by: rb,
            clocks: vec![crate::clock::ClockStart {
                kind: ClockKind::Supervision,
                unit: s.unit.clone(),
                started: today,
                due: rb,
                days: None,
                supervision: Some(s.id),
            }],
        });
    }

    // 3. A lapsed review or re-review window closes the case.
    if window_lapsed(case, today) {
        out.push(EventKind::Closed {
            reason: CloseReason::WindowLapsed,
        });
    }

    // 4. A lapsed evaluation is recorded (超期未评价).
    for c in &case.clocks {
        if c.kind == ClockKind::Evaluation && c.is_open() && today > c.due {
            out.push(EventKind::EvaluationLapsed { clock: c.index });
        }
    }
    out
}

/// Whether the petitioner's review or re-review window of the case's current answer lapsed
/// before `today` (tick closes the case).
fn window_lapsed(case: &crate::case::Case, today: NaiveDate) -> bool {
    case.clocks.iter().any(|c| {
        matches!(
            (case.state, c.kind),
            (
                crate::case::CaseState::OpinionIssued,
                ClockKind::ReviewWindow
            ) | (
                crate::case::CaseState::ReviewIssued,
                ClockKind::RereviewWindow
            )
        ) && c.is_open()
            && today > c.due
    })
}
