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
        code(w.run("cty-a-xfj.c", "2026-03-05", Step::Tick)),
        "permission_denied"
    );
    assert!(
        w.ok("system", "2026-03-05", Step::Tick).is_empty(),
        "nothing due"
    );
}

#[test]
fn tick_ladder_on_an_overdue_county_department_handling_clock() {
    // §7.2–7.3: reminder by the county 信访局 (5 working days), then 督办 (15 days), then 通报
    // from the prefecture's 信访局 (10 days, rolled over a weekend); stops once answered.
    let mut w = World::handling(); // handling due 2026-05-01
    assert!(
        w.ok("system", "2026-05-01", Step::Tick).is_empty(),
        "due day itself is in time"
    );
    let evs = w.ok("system", "2026-05-02", Step::Tick);
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
        w.ok("system", "2026-05-02", Step::Tick).is_empty(),
        "idempotent"
    );
    assert!(
        w.ok("system", "2026-05-08", Step::Tick).is_empty(),
        "respond-by day itself is in time"
    );
    let evs = w.ok("system", "2026-05-09", Step::Tick);
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
    let evs = w.ok("system", "2026-05-26", Step::Tick);
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
        w.ok("system", "2026-06-10", Step::Tick).is_empty(),
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
    w.ok("system", "2026-05-02", Step::Tick);
    w.ok("system", "2026-05-09", Step::Tick);
    // Escalate to notice on 2026-05-27: +10 = Saturday 06-06 → Monday 06-08.
    w.ok("system", "2026-05-27", Step::Tick);
    let s = &w.case.supervisions[0];
    assert_eq!(
        (s.level, s.respond_by),
        (SupervisionLevel::Notice, d("2026-06-08"))
    );
    w.ok("system", "2026-06-09", Step::Tick);
    assert_eq!(
        w.case.supervisions[0].level,
        SupervisionLevel::Accountability
    );
    w.ok("system", "2026-12-01", Step::Tick);
    assert_eq!(
        w.case.supervisions[0].level,
        SupervisionLevel::Accountability,
        "accountability is the top"
    );
}

#[test]
fn tick_closes_a_case_whose_review_window_lapsed_and_records_lapsed_evaluation() {
    let mut w = World::answered(); // review window and evaluation due 2026-04-20
    assert!(w.ok("system", "2026-04-20", Step::Tick).is_empty());
    let evs = w.ok("system", "2026-04-21", Step::Tick);
    assert_eq!(types(&evs), ["closed", "evaluation_lapsed"]);
    assert_eq!(
        (w.case.state, w.case.close_reason),
        (CaseState::Closed, Some(CloseReason::WindowLapsed))
    );
    assert!(w.clock(ClockKind::ReviewWindow).lapsed);
    assert!(w.ok("system", "2026-04-22", Step::Tick).is_empty());
}

#[test]
fn tick_reminds_the_receiver_of_an_overdue_acceptance_via_its_supervising_office() {
    // §6.1: the receiving unit lets the acceptance clock run out → tick opens supervision.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("town-a"));
    let evs = w.ok("system", "2026-03-18", Step::Tick);
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
    assert!(w.ok("system", "2026-06-01", Step::Tick).is_empty());
}

/// A manual 督办 for overdue handling, to answer by 2026-05-20.
fn hurry() -> Command {
    Command::Supervise {
        ground: SupervisionGround::Overdue,
        respond_by: d("2026-05-20"),
        text: "请加快办理".into(),
        unit: None,
        level: None,
    }
}

/// A world under the rules of databases made now (version 2).
fn rules2(mut w: World) -> World {
    w.policy.rules = crate::policy::RULES;
    w
}

#[test]
fn no_automatic_reminder_for_a_clock_whose_unit_is_under_an_open_manual_supervision() {
    // Rules 2: the manual 督办 already asks the unit for the reason.
    let mut w = rules2(World::handling()); // handling due 2026-05-01
    w.ok("cty-a-xfj.c", "2026-04-28", hurry());
    assert!(
        w.ok("system", "2026-05-02", Step::Tick).is_empty(),
        "no reminder beside the manual supervision"
    );
    // Answered, the manual supervision no longer stands in for one: the clock is reminded.
    w.ok(
        "cty-a-zjj.c",
        "2026-05-03",
        Command::Respond {
            supervision: 1,
            text: "正在协调".into(),
        },
    );
    let evs = w.ok("system", "2026-05-04", Step::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    assert_eq!(
        w.case.supervisions[1].for_clock,
        Some(w.clock(ClockKind::Handling).index)
    );

    // Under the first rules (a database made before version 2) the reminder still comes.
    let mut old = World::handling();
    old.ok("cty-a-xfj.c", "2026-04-28", hurry());
    assert_eq!(
        types(&old.ok("system", "2026-05-02", Step::Tick)),
        ["supervision_opened"]
    );
}

#[test]
fn a_case_that_ends_ends_its_supervisions_but_not_those_of_its_execution() {
    let mut w = rules2(World::handling());
    let reminder = w.ok("system", "2026-05-02", Step::Tick);
    assert_eq!(types(&reminder), ["supervision_opened"]);
    w.ok("cty-a-zjj.c", "2026-05-06", opinion());
    // The petitioner accepts the answer: the case closes, and the open reminder ends with it.
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-05-07",
        Command::Close {
            reason: CloseReason::Accepted,
        },
    );
    assert_eq!(types(&evs), ["closed", "supervisions_ended"]);
    let s = &w.case.supervisions[0];
    assert!(s.ended_at.is_some() && s.answered_at.is_none() && !s.is_open());
    assert!(
        w.case
            .clocks
            .iter()
            .filter(|c| c.kind == ClockKind::Supervision)
            .all(|c| !c.is_open()),
        "its clock stopped"
    );
    assert!(
        !w.ok("system", "2026-06-30", Step::Tick)
            .iter()
            .any(|e| matches!(e.kind, EventKind::SupervisionEscalated { .. })),
        "an ended supervision never climbs"
    );
    assert_eq!(w.case.next_tick_date(), None, "nothing left for tick");
    // A supervision of the closed case's execution lives on and climbs.
    w.ok(
        "cty-a-xfj.c",
        "2026-07-01",
        Command::Supervise {
            ground: SupervisionGround::NotExecuted,
            respond_by: d("2026-07-10"),
            text: "请落实处理意见".into(),
            unit: None,
            level: None,
        },
    );
    let evs = w.ok("system", "2026-07-11", Step::Tick);
    assert_eq!(types(&evs), ["supervision_escalated"]);

    // Under the first rules the reminder outlives the case and keeps climbing.
    let mut old = World::handling();
    old.ok("system", "2026-05-02", Step::Tick);
    old.ok("cty-a-zjj.c", "2026-05-06", opinion());
    let evs = old.ok(
        "cty-a-zjj.c",
        "2026-05-07",
        Command::Close {
            reason: CloseReason::Accepted,
        },
    );
    assert_eq!(types(&evs), ["closed"]);
    assert!(old.case.supervisions[0].is_open());
}

#[test]
fn a_tick_that_closes_a_case_neither_opens_nor_escalates_on_the_way_out() {
    let mut w = rules2(World::answered());
    // A manual supervision due 2026-04-10 is left unanswered; the review window lapses unused.
    w.ok(
        "cty-a-xfj.c",
        "2026-03-25",
        supervise(None, SupervisionGround::Evasion),
    );
    let evs = w.ok("system", "2026-07-30", Step::Tick);
    let t = types(&evs);
    assert!(
        t.contains(&"closed") && t.contains(&"supervisions_ended"),
        "{t:?}"
    );
    assert!(
        !t.contains(&"supervision_opened") && !t.contains(&"supervision_escalated"),
        "{t:?}"
    );
    assert!(w.case.supervisions.iter().all(|s| !s.is_open()));
    // The first rules climbed it on the way out.
    let mut old = World::answered();
    old.ok(
        "cty-a-xfj.c",
        "2026-03-25",
        supervise(None, SupervisionGround::Evasion),
    );
    let t = types(&old.ok("system", "2026-07-30", Step::Tick));
    assert!(
        t.contains(&"supervision_escalated") && t.contains(&"closed"),
        "{t:?}"
    );
}

#[test]
fn a_manual_supervision_answers_within_supervision_max_days() {
    // Rules 4: a respond-by years ahead would park the ladder for good.
    let far = |d0: &str| Command::Supervise {
        ground: SupervisionGround::Overdue,
        respond_by: d(d0),
        text: "请加快办理".into(),
        unit: None,
        level: None,
    };
    let mut w = rules2(World::handling());
    let e = w.run("cty-a-xfj.c", "2026-04-28", far("2099-01-01"));
    assert_eq!(code(e), "validation");
    // 30 working days from 2026-04-28 (the May Day holiday aside) is accepted, a day more not.
    let latest = w
        .cal
        .due_working_days(d("2026-04-28"), w.policy.supervision_max_days);
    let after = latest.succ_opt().expect("date").to_string();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-04-28", far(&after))),
        "validation"
    );
    w.ok("cty-a-xfj.c", "2026-04-28", far(&latest.to_string()));
    // An older chain decided again keeps its far date.
    let mut old = World::handling();
    old.policy.rules = 3;
    old.ok("cty-a-xfj.c", "2026-04-28", far("2099-01-01"));
}

#[test]
fn a_manual_supervision_past_its_respond_by_no_longer_holds_back_the_reminder() {
    let mut w = rules2(World::handling()); // handling due 2026-05-01
    w.ok("cty-a-xfj.c", "2026-04-28", hurry()); // respond by 2026-05-20
    assert!(w.ok("system", "2026-05-02", Step::Tick).is_empty());
    // The date passed unanswered: the manual supervision climbs, and the overdue clock gets its
    // own reminder.
    let evs = w.ok("system", "2026-05-21", Step::Tick);
    assert_eq!(types(&evs), ["supervision_opened", "supervision_escalated"]);
    // Rules 3: it still held the reminder back.
    let mut old = World::handling();
    old.policy.rules = 3;
    old.ok("cty-a-xfj.c", "2026-04-28", hurry());
    assert_eq!(
        types(&old.ok("system", "2026-05-21", Step::Tick)),
        ["supervision_escalated"]
    );
}
