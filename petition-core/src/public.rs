//! 阳光信访: what the public sees — the petitioner's own progress page (2005 Art 12: the right to
//! know how the matter is going, with the case id and its query code) and the published figures
//! by unit (2009 opinion 三(三)–三(四): government work open to social evaluation, good and bad
//! examples published).
//!
//! Both are plain data, built from a case or from the statistics; the office server renders them
//! as pages. Nothing here carries personal data or staff names: steps name units only.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::case::{Case, CaseState, Event, EventKind};
use crate::clock::ClockKind;
use crate::ids::{CaseId, UnitCode};
use crate::org::Org;
use crate::stats::{Counts, Group, Kpi};

/// A unit with fewer evaluations than this shows no satisfaction figure: a rate over a handful of
/// ratings says more about chance than about the unit.
pub const MIN_EVALUATIONS_SHOWN: u64 = 5;

/// The petitioner's view of one case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicStatus {
    /// Case id.
    pub id: CaseId,
    /// State.
    pub state: CaseState,
    /// The name of the unit responsible now (none once concluded elsewhere or unknown).
    pub holder: Option<String>,
    /// The local date of registration.
    pub registered_on: Option<NaiveDate>,
    /// The steps so far, oldest first.
    pub steps: Vec<PublicStep>,
    /// What the responsible bodies must do by when (running duty clocks).
    pub due: Vec<PublicDue>,
    /// The written answers given, oldest first.
    pub answers: Vec<PublicAnswer>,
    /// What the petitioner may do now, and until when.
    pub next: Vec<NextStep>,
    /// The case this one continues under, when merged.
    pub merged_into: Option<CaseId>,
}

/// One step of the handling, as the petitioner sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicStep {
    /// Local date.
    pub on: NaiveDate,
    /// The event's type (`registered`, `transferred`, `accepted`, …).
    pub what: &'static str,
    /// The name of the unit that acted.
    pub unit: Option<String>,
    /// The name of the unit the case went to (transfers and assignments).
    pub to: Option<String>,
    /// A value worth showing: an outcome, a ground, a close reason, a rating (snake_case).
    pub detail: Option<&'static str>,
}

/// A running duty clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicDue {
    /// Kind (`intake`, `acceptance`, `handling`, `review`, `rereview`).
    pub kind: ClockKind,
    /// The name of the unit that must act.
    pub unit: Option<String>,
    /// Due date.
    pub due: NaiveDate,
    /// Past its due date and still running.
    pub overdue: bool,
}

/// A written answer: the decision not to accept, the opinion, the review or the re-review.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicAnswer {
    /// `declined`, `opinion`, `review` or `rereview`.
    pub tier: &'static str,
    /// Local date.
    pub on: NaiveDate,
    /// The name of the answering unit.
    pub unit: Option<String>,
    /// Outcome or ground (snake_case).
    pub outcome: &'static str,
    /// The answer's text.
    pub text: String,
}

crate::case::data::text_enum!(
    /// What the petitioner may do next.
    NextAction {
        RequestReview => "request_review", "request a review", "申请复查";
        RequestRereview => "request_rereview", "request a re-review", "申请复核";
        Rate => "rate", "rate the answer", "评价答复";
    }
);

/// One thing the petitioner may do, until a date (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// What.
    pub action: NextAction,
    /// The last day.
    pub until: NaiveDate,
}

impl PublicStatus {
    /// Whether the petitioner may rate the latest answer today.
    pub fn may_rate(&self) -> bool {
        self.next.iter().any(|n| n.action == NextAction::Rate)
    }
}

fn unit_name(org: &Org, u: Option<&UnitCode>) -> Option<String> {
    u.map(|u| {
        org.unit(u)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| u.to_string())
    })
}

/// The petitioner's view of `case` (with its `events`) on local date `today`. Internal steps
/// (objections between units, assisting input, result reports, supervision) are left out: they
/// are the administration's own work, and the supervision of a unit is not the petitioner's
/// answer.
pub fn status(case: &Case, events: &[Event], org: &Org, today: NaiveDate) -> PublicStatus {
    let mut steps = Vec::new();
    let mut answers = Vec::new();
    for e in events {
        let on = e.at.date_naive();
        let unit = unit_name(org, e.unit.as_ref());
        let (to, detail): (Option<&UnitCode>, Option<&'static str>) = match &e.kind {
            EventKind::Registered(_)
            | EventKind::Accepted { .. }
            | EventKind::Extended { .. }
            | EventKind::ReviewRequested { .. }
            | EventKind::RereviewRequested { .. }
            | EventKind::HearingHeld { .. }
            | EventKind::Withdrawn { .. }
            | EventKind::Voided { .. }
            | EventKind::Served { .. }
            | EventKind::Noted { .. }
            | EventKind::Merged { .. }
            | EventKind::Absorbed { .. } => (None, None),
            EventKind::Transferred { to, .. } | EventKind::Assigned { to, .. } => (Some(to), None),
            EventKind::Declined { ground, notice } => {
                answers.push(PublicAnswer {
                    tier: "declined",
                    on,
                    unit: unit.clone(),
                    outcome: ground.as_str(),
                    text: notice.clone(),
                });
                (None, Some(ground.as_str()))
            }
            EventKind::OpinionIssued { outcome, text, .. } => {
                answers.push(PublicAnswer {
                    tier: "opinion",
                    on,
                    unit: unit.clone(),
                    outcome: outcome.as_str(),
                    text: text.clone(),
                });
                (None, Some(outcome.as_str()))
            }
            EventKind::ReviewIssued { outcome, text, .. } => {
                answers.push(PublicAnswer {
                    tier: "review",
                    on,
                    unit: unit.clone(),
                    outcome: outcome.as_str(),
                    text: text.clone(),
                });
                (None, Some(outcome.as_str()))
            }
            EventKind::RereviewIssued { outcome, text, .. } => {
                answers.push(PublicAnswer {
                    tier: "rereview",
                    on,
                    unit: unit.clone(),
                    outcome: outcome.as_str(),
                    text: text.clone(),
                });
                (None, Some(outcome.as_str()))
            }
            EventKind::Closed { reason } => (None, Some(reason.as_str())),
            EventKind::Evaluated { handling, .. } => (None, Some(handling.as_str())),
            // The administration's internal work.
            EventKind::Objected { .. }
            | EventKind::ObjectionApproved { .. }
            | EventKind::ObjectionRejected { .. }
            | EventKind::AssistInput { .. }
            | EventKind::ExtensionRequested { .. }
            | EventKind::OfficerAssigned { .. }
            | EventKind::Amended { .. }
            | EventKind::Recalled { .. }
            | EventKind::ExtensionRejected { .. }
            | EventKind::ResultReported { .. }
            | EventKind::SupervisionOpened { .. }
            | EventKind::SupervisionEscalated { .. }
            | EventKind::SupervisionAnswered { .. }
            | EventKind::SupervisionsEnded { .. }
            | EventKind::EvaluationLapsed { .. }
            | EventKind::QueryCodeReset { .. }
            | EventKind::OfficerReleased { .. }
            // The case file's files are personal data, never on the public page.
            | EventKind::Attached { .. }
            | EventKind::AttachmentWithdrawn { .. } => continue,
        };
        // The petitioner rates online with no unit; the step then names none.
        steps.push(PublicStep {
            on,
            what: e.kind.type_name(),
            unit,
            to: unit_name(org, to),
            detail,
        });
    }
    let duty = |k: ClockKind| {
        matches!(
            k,
            ClockKind::Intake
                | ClockKind::Acceptance
                | ClockKind::Handling
                | ClockKind::Review
                | ClockKind::Rereview
        )
    };
    let due = case
        .clocks
        .iter()
        .filter(|c| c.is_open() && duty(c.kind))
        .map(|c| PublicDue {
            kind: c.kind,
            unit: unit_name(org, Some(&c.unit)),
            due: c.due,
            overdue: c.overdue(today),
        })
        .collect();
    let mut next = Vec::new();
    for (kind, action) in [
        (ClockKind::ReviewWindow, NextAction::RequestReview),
        (ClockKind::RereviewWindow, NextAction::RequestRereview),
        (ClockKind::Evaluation, NextAction::Rate),
    ] {
        // The latest window of the kind decides: an earlier answer's window is spent.
        if let Some(c) = case.clocks.iter().rev().find(|c| c.kind == kind) {
            if c.within(today) {
                next.push(NextStep {
                    action,
                    until: c.due,
                });
            }
        }
    }
    PublicStatus {
        id: case.id.clone(),
        state: case.state,
        holder: if case.state.is_terminal() {
            None
        } else {
            unit_name(org, case.holder.as_ref())
        },
        registered_on: case.registered_at.map(|t| t.date_naive()),
        steps,
        due,
        answers,
        next,
        merged_into: case.merged_into.clone(),
    }
}

/// The published figures of one unit for a month.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitFigures {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Registrations at this unit as first contact.
    pub registered: u64,
    /// 及时受理率.
    pub timely_acceptance_rate: Option<f64>,
    /// 按期办结率.
    pub on_time_completion_rate: Option<f64>,
    /// 参评率.
    pub participation_rate: Option<f64>,
    /// Evaluations of this unit's answers.
    pub evaluations: u64,
    /// 满意率: none with fewer than [`MIN_EVALUATIONS_SHOWN`] evaluations.
    pub satisfaction_rate: Option<f64>,
}

impl UnitFigures {
    /// A unit's published figures from its counts.
    pub fn of(group: &Group) -> Self {
        let c = &group.counts;
        Self {
            code: group.key.clone(),
            name: group.name.clone(),
            registered: c.registered,
            timely_acceptance_rate: Kpi::TimelyAcceptanceRate.value(c),
            on_time_completion_rate: Kpi::OnTimeCompletionRate.value(c),
            participation_rate: Kpi::ParticipationRate.value(c),
            evaluations: c.evaluations,
            satisfaction_rate: shown_satisfaction(c),
        }
    }
}

/// The satisfaction rate, when there are enough evaluations to publish it.
pub fn shown_satisfaction(c: &Counts) -> Option<f64> {
    if c.evaluations < MIN_EVALUATIONS_SHOWN {
        None
    } else {
        Kpi::SatisfactionRate.value(c)
    }
}

/// One month of the trend, over all units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendPoint {
    /// `YYYY-MM`.
    pub month: String,
    /// 按期办结率 over all units.
    pub on_time_completion_rate: Option<f64>,
    /// 满意率 over all units (none with fewer than [`MIN_EVALUATIONS_SHOWN`] evaluations).
    pub satisfaction_rate: Option<f64>,
}

impl TrendPoint {
    /// A month's point from the groups of that month.
    pub fn of(month: NaiveDate, groups: &[Group]) -> Self {
        let mut all = Counts::default();
        for g in groups {
            all.add(&g.counts);
        }
        Self {
            month: month_text(month),
            on_time_completion_rate: Kpi::OnTimeCompletionRate.value(&all),
            satisfaction_rate: shown_satisfaction(&all),
        }
    }
}

/// The published figures for one month.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublicKpi {
    /// `YYYY-MM`.
    pub month: String,
    /// First day of the month.
    pub from: NaiveDate,
    /// Last day of the month.
    pub to: NaiveDate,
    /// Every unit with figures, by code.
    pub units: Vec<UnitFigures>,
    /// The ranking (通报正反典型): units by on-time completion, best first; units without the
    /// figure are left out.
    pub ranking: Vec<UnitFigures>,
    /// Twelve months ending with this one, oldest first.
    pub trend: Vec<TrendPoint>,
}

/// `YYYY-MM` of a date.
pub fn month_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The first day of a `YYYY-MM` month (years 2000–2999), or `None`.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if !(2000..=2999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// The first day of the month `n` months before the month of `d` (0: the same month).
pub fn months_back(d: NaiveDate, n: u32) -> NaiveDate {
    let total = d.year() * 12 + d.month0() as i32 - n as i32;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

/// The last day of the month starting at `first`.
pub fn month_end(first: NaiveDate) -> NaiveDate {
    let next = months_back(first, 0)
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    next.pred_opt().unwrap_or(first)
}

/// The last whole month before `today` (its first day): the default of the figures page.
pub fn last_whole_month(today: NaiveDate) -> NaiveDate {
    months_back(today, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn months_count_back_across_years() {
        assert_eq!(months_back(d("2026-03-15"), 0), d("2026-03-01"));
        assert_eq!(months_back(d("2026-03-15"), 3), d("2025-12-01"));
        assert_eq!(months_back(d("2026-01-31"), 12), d("2025-01-01"));
        assert_eq!(month_end(d("2024-02-01")), d("2024-02-29"));
        assert_eq!(month_end(d("2026-12-01")), d("2026-12-31"));
        assert_eq!(last_whole_month(d("2026-01-05")), d("2025-12-01"));
    }

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-03"), Some(d("2026-03-01")));
        for bad in [
            "2026-3", "2026-13", "26-03", "2026/03", "", "abcd-ef", "1999-12",
        ] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

    use crate::case::{Command, Outcome, Satisfaction};
    use crate::example::{county, registration, staff, unit};
    use chrono::{DateTime, Duration};

    /// A case transferred to the housing bureau, accepted and answered: (service, id, code, time
    /// of the answer).
    fn answered() -> (
        crate::Service<crate::MemoryStore>,
        CaseId,
        String,
        DateTime<chrono::FixedOffset>,
    ) {
        let (mut svc, now) = county();
        let li = crate::example::principal(&mut svc, "li");
        let new = svc.register(&li, now, registration(now)).expect("register");
        let code = new.query_code.as_str().to_string();
        let case = new.case.case;
        let to = unit("county-zjj");
        svc.execute_by(
            &staff("li"),
            now,
            &case.id,
            Command::Transfer { to, note: None },
        )
        .expect("transfer");
        let later = now + Duration::days(3);
        svc.execute_by(
            &staff("wang"),
            later,
            &case.id,
            Command::Accept { assist: vec![] },
        )
        .expect("accept");
        let answer = now + Duration::days(20);
        let opinion = Command::Opinion {
            outcome: Outcome::Supported,
            text: "同意维修".into(),
            without_assist: None,
        };
        svc.execute_by(&staff("wang"), answer, &case.id, opinion)
            .expect("opinion");
        (svc, case.id, code, answer)
    }

    #[test]
    fn the_petitioner_sees_steps_units_answers_and_what_comes_next_never_staff() {
        let (mut svc, id, code, answered_at) = answered();
        let today = answered_at + Duration::days(1);
        let p = svc
            .public_status(id.as_str(), &code, today)
            .expect("status");
        let what: Vec<&str> = p.steps.iter().map(|s| s.what).collect();
        assert_eq!(
            what,
            ["registered", "transferred", "accepted", "opinion_issued"]
        );
        assert_eq!(p.steps[1].unit.as_deref(), Some("某县信访局"));
        assert_eq!(p.steps[1].to.as_deref(), Some("某县住建局"));
        assert_eq!(p.answers.len(), 1);
        assert_eq!(
            (p.answers[0].tier, p.answers[0].outcome),
            ("opinion", "supported")
        );
        assert_eq!(p.answers[0].text, "同意维修");
        let actions: Vec<NextAction> = p.next.iter().map(|n| n.action).collect();
        assert_eq!(actions, [NextAction::RequestReview, NextAction::Rate]);
        assert_eq!(p.next[0].until, d("2026-04-21"), "30 days after the answer");
        assert!(p.may_rate());
        let text = serde_json::to_string(&p).expect("json");
        for private in ["李明", "王芳", "li", "wang", "赵某", "13812345678", &code] {
            assert!(!text.contains(private), "{private} in {text}");
        }
    }

    #[test]
    fn a_wrong_code_and_an_unknown_case_answer_alike() {
        let (mut svc, id, code, at) = answered();
        let wrong = svc
            .public_status(id.as_str(), "ABCDEFGH", at)
            .expect_err("wrong");
        let unknown = svc
            .public_status("XF2026-999999", &code, at)
            .expect_err("unknown");
        let malformed = svc
            .public_status("nonsense", "x", at)
            .expect_err("malformed");
        for e in [&wrong, &unknown, &malformed] {
            assert_eq!(e.code(), "not_found");
        }
        assert!(svc
            .public_status(id.as_str(), &code.to_lowercase(), at)
            .is_ok());
    }

    #[test]
    fn a_rating_is_offered_once_within_the_window_and_recorded_as_the_petitioner() {
        let (mut svc, id, code, at) = answered();
        let soon = at + Duration::days(2);
        let sat = Satisfaction::Satisfied;
        svc.petitioner_evaluates(id.as_str(), &code, soon, sat, None)
            .expect("rated");
        let again = svc.petitioner_evaluates(id.as_str(), &code, soon, sat, None);
        assert_eq!(
            again.map(|_| ()).map_err(|e| e.code()),
            Err("invalid_transition")
        );
        let p = svc.public_status(id.as_str(), &code, soon).expect("status");
        assert!(!p.may_rate(), "once per answer");
        assert_eq!(
            p.steps.last().map(|s| (s.what, s.detail)),
            Some(("evaluated", Some("satisfied")))
        );
        let (_, events) = svc.load(&id).expect("load");
        assert_eq!(events.last().map(|e| e.actor.as_str()), Some("petitioner"));
        // A fresh answer's window, run out: no rating offered, and none accepted.
        let (mut svc, id, code, at) = answered();
        let late = at + Duration::days(31);
        assert!(!svc
            .public_status(id.as_str(), &code, late)
            .expect("status")
            .may_rate());
        let r = svc.petitioner_evaluates(id.as_str(), &code, late, sat, None);
        assert_eq!(r.map(|_| ()).map_err(|e| e.code()), Err("window_lapsed"));
    }

    #[test]
    fn the_figures_hide_satisfaction_under_five_evaluations_and_trend_twelve_months() {
        let (mut svc, id, code, at) = answered();
        svc.petitioner_evaluates(id.as_str(), &code, at, Satisfaction::Satisfied, None)
            .expect("rated");
        let k = svc.public_kpi(d("2026-03-01"), at).expect("kpi");
        assert_eq!((k.month.as_str(), k.to), ("2026-03", d("2026-03-31")));
        let zjj = k
            .units
            .iter()
            .find(|u| u.code == "county-zjj")
            .expect("zjj");
        assert_eq!(zjj.evaluations, 1);
        assert_eq!(
            zjj.satisfaction_rate, None,
            "one evaluation is not published"
        );
        assert_eq!(zjj.on_time_completion_rate, Some(1.0));
        assert_eq!(k.trend.len(), 12);
        assert_eq!(k.trend[0].month, "2025-04");
        assert_eq!(k.trend[11].month, "2026-03");
        assert_eq!(k.trend[11].on_time_completion_rate, Some(1.0));
        assert_eq!(
            k.trend[10].on_time_completion_rate, None,
            "no cases in February"
        );
        assert!(k
            .ranking
            .iter()
            .all(|u| u.on_time_completion_rate.is_some()));
    }

    #[test]
    fn satisfaction_needs_five_evaluations() {
        let mut c = Counts {
            evaluations: 4,
            satisfied: 4,
            ..Counts::default()
        };
        assert_eq!(shown_satisfaction(&c), None);
        c.evaluations = 5;
        assert_eq!(shown_satisfaction(&c), Some(0.8));
    }
}
