//! Rules of the lifecycle: supervision (§7).

use super::*;

fn supervise(unit: Option<&str>, ground: SupervisionGround) -> Command {
    Command::Supervise {
        ground,
        respond_by: d("2026-04-10"),
        text: "请说明原因".into(),
        unit: unit.map(u),
        level: None,
    }
}

#[test]
fn supervision_by_sup_sup_up_or_ancestor_only() {
    // §7.1 一级督办一级
    let mut w = World::handling();
    for (actor, expect) in [
        ("town-a.c", "permission_denied"),
        ("cty-b.c", "permission_denied"),
        ("city-zjj.c", "permission_denied"),
    ] {
        assert_eq!(
            code(w.run(
                actor,
                "2026-03-05",
                supervise(None, SupervisionGround::Evasion)
            )),
            expect,
            "{actor}"
        );
    }
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Evasion),
    );
    assert_eq!(types(&evs), ["supervision_opened"]);
    let s = &w.case.supervisions[0];
    assert_eq!(
        (s.id, s.level, s.unit.clone()),
        (1, SupervisionLevel::Supervision, u("cty-a-zjj"))
    );
    w.ok(
        "city-xfj.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Other),
    );
    w.ok(
        "cty-a.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Other),
    );
    assert_eq!(w.case.supervisions.len(), 3);
}

#[test]
fn respond_only_by_the_supervised_unit_and_once() {
    let mut w = World::handling();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Evasion),
    );
    let r = Command::Respond {
        supervision: 1,
        text: "正在办理".into(),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-06", r.clone())),
        "permission_denied"
    );
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-06",
            Command::Respond {
                supervision: 9,
                text: "x".into()
            }
        )),
        "not_found"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-03-06", r.clone());
    assert_eq!(types(&evs), ["supervision_answered"]);
    assert!(w.case.supervisions[0].answered_at.is_some());
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-07", r)),
        "invalid_transition"
    );
}

#[test]
fn closed_case_may_be_supervised_for_not_executed_only() {
    let mut w = World::answered();
    w.ok(
        "cty-a-zjj.c",
        "2026-03-21",
        Command::Close {
            reason: CloseReason::Accepted,
        },
    );
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-25",
            supervise(None, SupervisionGround::Overdue)
        )),
        "invalid_transition"
    );
    w.ok(
        "cty-a-xfj.c",
        "2026-03-25",
        supervise(None, SupervisionGround::NotExecuted),
    );
}

#[test]
fn respond_by_not_after_today_is_validation() {
    let mut w = World::handling();
    let mut c = supervise(None, SupervisionGround::Other);
    if let Command::Supervise { respond_by, .. } = &mut c {
        *respond_by = d("2026-03-05");
    }
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-05", c)), "validation");
}

#[test]
fn tick_is_only_for_the_system() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-05", Command::Tick)),
        "permission_denied"
    );
    assert!(
        w.ok("system", "2026-03-05", Command::Tick).is_empty(),
        "nothing due"
    );
}

#[test]
fn tick_ladder_on_an_overdue_county_department_handling_clock() {
    // §7.2–7.3: reminder by the county 信访局 (5 working days), then 督办 (15 days), then 通报
    // from the prefecture's 信访局 (10 days, rolled over a weekend); stops once answered.
    let mut w = World::handling(); // handling due 2026-05-01
    assert!(
        w.ok("system", "2026-05-01", Command::Tick).is_empty(),
        "due day itself is in time"
    );
    let evs = w.ok("system", "2026-05-02", Command::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    let s = w.case.supervisions[0].clone();
    assert_eq!(
        (s.level, s.ground, s.by.clone(), s.unit.clone()),
        (
            SupervisionLevel::Reminder,
            SupervisionGround::Overdue,
            u("cty-a-xfj"),
            u("cty-a-zjj")
        )
    );
    assert_eq!(
        s.respond_by,
        d("2026-05-08"),
        "5 working days after Saturday 05-02"
    );
    assert!(
        w.ok("system", "2026-05-02", Command::Tick).is_empty(),
        "idempotent"
    );
    assert!(
        w.ok("system", "2026-05-08", Command::Tick).is_empty(),
        "respond-by day itself is in time"
    );
    let evs = w.ok("system", "2026-05-09", Command::Tick);
    assert_eq!(types(&evs), ["supervision_escalated"]);
    let s = w.case.supervisions[0].clone();
    assert_eq!(
        (s.level, s.by.clone(), s.respond_by),
        (
            SupervisionLevel::Supervision,
            u("cty-a-xfj"),
            d("2026-05-25")
        )
    );
    let evs = w.ok("system", "2026-05-26", Command::Tick);
    assert_eq!(types(&evs), ["supervision_escalated"]);
    let s = w.case.supervisions[0].clone();
    // 05-26 + 10 = Friday 06-05: pick a date that rolls instead.
    assert_eq!(
        (s.level, s.by.clone(), s.respond_by),
        (SupervisionLevel::Notice, u("city-xfj"), d("2026-06-05"))
    );
    w.ok(
        "cty-a-zjj.c",
        "2026-06-01",
        Command::Respond {
            supervision: 1,
            text: "已说明原因".into(),
        },
    );
    assert!(
        w.ok("system", "2026-06-10", Command::Tick).is_empty(),
        "an answered supervision never escalates"
    );
    assert_eq!(
        w.case.supervisions.len(),
        1,
        "one automatic supervision per clock"
    );
    assert!(
        w.clock(ClockKind::Handling).overdue(d("2026-06-10")),
        "the case's own clock is still overdue"
    );
}

#[test]
fn notice_respond_by_rolls_over_a_weekend() {
    let mut w = World::handling();
    w.ok("system", "2026-05-02", Command::Tick);
    w.ok("system", "2026-05-09", Command::Tick);
    // Escalate to notice on 2026-05-27: +10 = Saturday 06-06 → Monday 06-08.
    w.ok("system", "2026-05-27", Command::Tick);
    let s = &w.case.supervisions[0];
    assert_eq!(
        (s.level, s.respond_by),
        (SupervisionLevel::Notice, d("2026-06-08"))
    );
    w.ok("system", "2026-06-09", Command::Tick);
    assert_eq!(
        w.case.supervisions[0].level,
        SupervisionLevel::Accountability
    );
    w.ok("system", "2026-12-01", Command::Tick);
    assert_eq!(
        w.case.supervisions[0].level,
        SupervisionLevel::Accountability,
        "accountability is the top"
    );
}

#[test]
fn tick_closes_a_case_whose_review_window_lapsed_and_records_lapsed_evaluation() {
    let mut w = World::answered(); // review window and evaluation due 2026-04-20
    assert!(w.ok("system", "2026-04-20", Command::Tick).is_empty());
    let evs = w.ok("system", "2026-04-21", Command::Tick);
    assert_eq!(types(&evs), ["closed", "evaluation_lapsed"]);
    assert_eq!(
        (w.case.state, w.case.close_reason),
        (CaseState::Closed, Some(CloseReason::WindowLapsed))
    );
    assert!(w.clock(ClockKind::ReviewWindow).lapsed);
    assert!(w.ok("system", "2026-04-22", Command::Tick).is_empty());
}

#[test]
fn tick_reminds_the_receiver_of_an_overdue_acceptance_via_its_supervising_office() {
    // §6.1: the receiving unit lets the acceptance clock run out → tick opens supervision.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("town-a"));
    let evs = w.ok("system", "2026-03-18", Command::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    assert_eq!(w.case.supervisions[0].by, u("cty-a-xfj"));
    assert_eq!(w.case.supervisions[0].unit, u("town-a"));
}

#[test]
fn tick_never_supervises_a_top_unit_with_no_supervisor() {
    let mut w = World::new();
    w.register(
        "prov-xfj.c",
        "2026-03-02",
        registration("prov", Channel::Letter),
    );
    assert!(w.ok("system", "2026-06-01", Command::Tick).is_empty());
}
