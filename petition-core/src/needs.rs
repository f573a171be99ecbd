//! What needs me (待办): for a unit's queue, what each case asks of that unit and by when — its
//! own clocks (an assisting unit's input date, a supervised unit's response date, the holder's
//! limits), an extension request awaiting its head, an objection awaiting its decision, a
//! supervision it opened awaiting the other unit's answer, and a case it routed not yet taken.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::data::text_enum;
use crate::case::{Case, CaseState, ObjectionStatus};
use crate::clock::ClockKind;
use crate::ids::UnitCode;

text_enum!(
    /// What a case asks of a unit.
    NeedKind {
        Intake => "intake", "intake", "登记处理";
        Acceptance => "acceptance", "accept or decline", "受理";
        Handling => "handling", "answer", "办理答复";
        Assist => "assist", "assisting input", "协办意见";
        ResultReport => "result_report", "result report", "办结报告";
        Review => "review", "review decision", "复查";
        Rereview => "rereview", "re-review decision", "复核";
        Supervision => "supervision", "supervision response", "督办反馈";
        ExtensionApproval => "extension_approval", "extension awaiting approval", "延期待批";
        Objection => "objection", "objection to decide", "异议待处理";
        SupervisionAwaited => "supervision_awaited", "supervision awaiting answer", "督办待反馈";
        FollowUp => "follow_up", "routed, not yet accepted", "转送待受理";
    }
);

/// One thing a case asks of a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Need {
    /// What.
    pub kind: NeedKind,
    /// By when, when there is a date.
    pub due: Option<NaiveDate>,
    /// Whether the date has passed on the day asked.
    pub overdue: bool,
}

/// What `case` asks of unit `me` on local date `today`, earliest first (undated last); `head`
/// when the reader is the unit's head (an extension request awaits the head).
pub fn needs(case: &Case, me: &UnitCode, head: bool, today: NaiveDate) -> Vec<Need> {
    let need = |kind, due: Option<NaiveDate>| Need {
        kind,
        due,
        overdue: due.is_some_and(|d| today > d),
    };
    // The due date of the case's latest running clock of a kind (whoever owes it).
    let open_due = |kind| case.open_clocks(kind).last().map(|c| c.due);
    let mut out = Vec::new();
    for c in case.clocks.iter().filter(|c| c.is_open() && &c.unit == me) {
        let kind = match c.kind {
            ClockKind::Intake => NeedKind::Intake,
            ClockKind::Acceptance => NeedKind::Acceptance,
            ClockKind::Handling => NeedKind::Handling,
            ClockKind::Assist => NeedKind::Assist,
            ClockKind::ResultReport => NeedKind::ResultReport,
            ClockKind::Review => NeedKind::Review,
            ClockKind::Rereview => NeedKind::Rereview,
            ClockKind::Supervision => NeedKind::Supervision,
            // The petitioner's windows and the objection window ask nothing of the unit.
            _ => continue,
        };
        out.push(need(kind, Some(c.due)));
    }
    let leads = case.lead.as_ref().or(case.holder.as_ref()) == Some(me);
    if head && leads && case.extension_request.is_some() {
        out.push(need(
            NeedKind::ExtensionApproval,
            open_due(ClockKind::Handling),
        ));
    }
    if case.objection == Some(ObjectionStatus::Pending) && case.routed_by.as_ref() == Some(me) {
        out.push(need(NeedKind::Objection, None));
    }
    for s in case
        .supervisions
        .iter()
        .filter(|s| s.is_open() && &s.by == me)
    {
        out.push(need(NeedKind::SupervisionAwaited, Some(s.respond_by)));
    }
    let routed_on = matches!(case.state, CaseState::Registered | CaseState::Routed)
        && case.first_contact.as_ref().map(|f| &f.unit) == Some(me)
        && case.holder.as_ref() != Some(me);
    if routed_on {
        out.push(need(NeedKind::FollowUp, open_due(ClockKind::Acceptance)));
    }
    out.sort_by_key(|n| (n.due.is_none(), n.due));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::{d, u, World};
    use crate::case::Command;

    fn kinds(w: &World, unit: &str, head: bool, today: &str) -> Vec<(NeedKind, Option<NaiveDate>)> {
        needs(&w.case, &u(unit), head, d(today))
            .into_iter()
            .map(|n| (n.kind, n.due))
            .collect()
    }

    #[test]
    fn each_unit_sees_what_the_case_asks_of_it() {
        let mut w = World::registered();
        w.ok(
            "cty-a-xfj.c",
            "2026-03-02",
            crate::case::tests::transfer("cty-a-zjj"),
        );
        // The routing office follows the case until it is accepted; the receiver accepts.
        assert_eq!(
            kinds(&w, "cty-a-xfj", false, "2026-03-03"),
            [(NeedKind::FollowUp, Some(d("2026-03-17")))]
        );
        assert_eq!(
            kinds(&w, "cty-a-zjj", false, "2026-03-03"),
            [(NeedKind::Acceptance, Some(d("2026-03-17")))]
        );
        w.ok(
            "cty-a-zjj.c",
            "2026-03-02",
            Command::Accept {
                assist: vec![u("town-a")],
            },
        );
        // The assisting unit sees its own input date, not the lead's answer date.
        let assist = kinds(&w, "town-a", false, "2026-03-03");
        assert_eq!(assist.len(), 1);
        assert_eq!(assist[0].0, NeedKind::Assist);
        assert!(assist[0].1 < Some(d("2026-05-01")));
        assert!(kinds(&w, "cty-a-xfj", false, "2026-03-03").is_empty());
        // A clerk asks for an extension: the head sees it awaiting approval, the clerk does not.
        w.ok(
            "cty-a-zjj.c",
            "2026-04-20",
            Command::ExtendRequest {
                days: 30,
                reason: "需现场核查".into(),
            },
        );
        let head = kinds(&w, "cty-a-zjj", true, "2026-04-20");
        assert!(
            head.iter().any(|(k, _)| *k == NeedKind::ExtensionApproval),
            "{head:?}"
        );
        let clerk = kinds(&w, "cty-a-zjj", false, "2026-04-20");
        assert!(!clerk.iter().any(|(k, _)| *k == NeedKind::ExtensionApproval));
        // A supervision: the supervised unit owes the response by its date; the supervising
        // office awaits it.
        w.ok(
            "cty-a-xfj.c",
            "2026-04-21",
            Command::Supervise {
                ground: crate::case::SupervisionGround::Evasion,
                respond_by: d("2026-04-28"),
                text: "请说明进展".into(),
                unit: None,
                level: None,
            },
        );
        let zjj = kinds(&w, "cty-a-zjj", false, "2026-04-21");
        assert_eq!(
            zjj[0],
            (NeedKind::Supervision, Some(d("2026-04-28"))),
            "{zjj:?}"
        );
        assert_eq!(
            kinds(&w, "cty-a-xfj", false, "2026-04-21"),
            [(NeedKind::SupervisionAwaited, Some(d("2026-04-28")))]
        );
        let late = needs(&w.case, &u("cty-a-zjj"), false, d("2026-04-29"));
        assert!(late[0].overdue);
    }
}
