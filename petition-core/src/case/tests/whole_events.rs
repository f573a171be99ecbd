//! Given a case, when a command, then these events — whole: every field of every event (its
//! actor, unit, time, sequence number and payload, clocks started included) pinned by a
//! snapshot a person reviewed, for paths that together produce every kind of event. Other tests
//! assert one rule each by the events' kinds; this one shows what a change to the rules changes
//! in the record (`cargo insta review`, or `INSTA_UPDATE=always` and read the diff).

use super::*;

/// The events of a world, as JSON (the form the chain keeps them in).
fn record(w: &World) -> String {
    serde_json::to_string_pretty(&w.events).expect("json")
}

#[test]
fn routing_objection_assignment_and_assistance() {
    // Transferred, objected to, the objection approved and the case assigned instead.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-09",
        Command::Object {
            reason: "不属本局职责".into(),
        },
    );
    w.ok(
        "cty-a-xfj.c",
        "2026-03-10",
        Command::ResolveObjection {
            approve: true,
            note: None,
        },
    );
    w.ok(
        "cty-a-xfj.c",
        "2026-03-10",
        Command::Assign {
            to: u("cty-a-zjj"),
            report_by: d("2026-04-30"),
            note: Some("请于期限内报送结果".into()),
        },
    );
    w.ok(
        "cty-a-zjj.c",
        "2026-03-11",
        Command::Object {
            reason: "仍认为不属本局职责".into(),
        },
    );
    w.ok(
        "cty-a-xfj.c",
        "2026-03-12",
        Command::ResolveObjection {
            approve: false,
            note: Some("属于你局职责".into()),
        },
    );
    w.ok(
        "cty-a-zjj.c",
        "2026-03-13",
        Command::Accept { assist: vec![] },
    );
    w.ok("cty-a-zjj.c", "2026-04-10", opinion());
    w.ok(
        "cty-a-zjj.c",
        "2026-04-20",
        Command::Report {
            text: "已按意见办结".into(),
        },
    );
    insta::assert_snapshot!("routing", record(&w));

    // A registration corrected, then accepted with assisting units, one of which gives its
    // input.
    let mut a = World::registered();
    a.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Amend {
            field: crate::case::AmendField::Summary,
            value: "房屋漏水（二楼）".into(),
            reason: "登记有误".into(),
        },
    );
    a.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Accept {
            assist: vec![u("town-a"), u("cty-a-zjj")],
        },
    );
    a.ok(
        "town-a.c",
        "2026-03-05",
        Command::AssistInput {
            text: "已核实".into(),
        },
    );
    insta::assert_snapshot!("assistance", record(&a));
}

#[test]
fn handling_extension_officer_and_appeals_to_conclusion() {
    let mut w = World::handling();
    w.ok("cty-a-zjj.c", "2026-03-05", Command::Take);
    w.ok(
        "cty-a-zjj.c",
        "2026-04-20",
        Command::ExtendRequest {
            days: 20,
            reason: "需现场核查".into(),
        },
    );
    w.ok(
        "cty-a-zjj.h",
        "2026-04-20",
        Command::ExtendReject {
            note: Some("请按期办结".into()),
        },
    );
    w.ok(
        "cty-a-zjj.h",
        "2026-04-21",
        Command::Extend {
            days: 30,
            reason: "需协调维修资金".into(),
        },
    );
    w.ok("cty-a-zjj.c", "2026-05-15", opinion());
    w.ok(
        "cty-a.c",
        "2026-05-20",
        Command::ReviewRequest {
            reason: Some("补偿标准过低".into()),
        },
    );
    w.ok(
        "cty-a.c",
        "2026-06-10",
        Command::ReviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "维持".into(),
        },
    );
    w.ok(
        "city.c",
        "2026-06-15",
        Command::RereviewRequest { reason: None },
    );
    w.ok(
        "city.c",
        "2026-06-20",
        Command::Hearing {
            start: d("2026-06-22"),
            end: d("2026-06-24"),
        },
    );
    w.ok(
        "city.c",
        "2026-07-01",
        Command::RereviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "维持复查意见".into(),
        },
    );
    insta::assert_snapshot!("appeals", record(&w));
}

#[test]
fn endings_decline_close_rate_withdraw_and_merge() {
    let mut declined = World::registered();
    declined.ok(
        "cty-a-xfj.c",
        "2026-03-03",
        Command::Decline {
            ground: DeclineGround::OutOfScope,
            notice: "请向有关部门反映。".into(),
        },
    );
    insta::assert_snapshot!("declined", record(&declined));

    let mut closed = World::answered();
    closed.ok(
        "cty-a-zjj.c",
        "2026-03-21",
        Command::Close {
            reason: CloseReason::Accepted,
        },
    );
    closed.ok(
        "cty-a-xfj.c",
        "2026-03-25",
        Command::Evaluate {
            handling: Satisfaction::Satisfied,
            office: Some(Satisfaction::BasicallySatisfied),
        },
    );
    insta::assert_snapshot!("closed_and_rated", record(&closed));

    let mut withdrawn = World::handling();
    withdrawn.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Command::Withdraw {
            reason: "信访人撤回".into(),
        },
    );
    insta::assert_snapshot!("withdrawn", record(&withdrawn));

    // Merged into another case of the same petitioner and matter, which records it.
    let mut merged = World::handling();
    let mut other = World::registered();
    other.case.id = CaseId::new(2026, 9);
    merged.target = Some(other.case.clone());
    merged.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Command::Merge {
            into: other.case.id.clone(),
        },
    );
    other.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Step::Absorb {
            from: merged.case.id.clone(),
        },
    );
    insta::assert_snapshot!("merged", record(&merged));
    insta::assert_snapshot!("absorbed", record(&other));
}

#[test]
fn time_driven_work_supervision_and_the_service_own_steps() {
    // Reminded by tick, escalated when unanswered, answered; the rating window lapses.
    let mut w = World::handling();
    w.ok("system", "2026-05-02", Step::Tick);
    w.ok("system", "2026-05-09", Step::Tick);
    w.ok(
        "cty-a-zjj.c",
        "2026-05-10",
        Command::Respond {
            supervision: 1,
            text: "正在办理，预计本月办结".into(),
        },
    );
    w.ok("cty-a-zjj.c", "2026-05-12", opinion());
    w.ok("system", "2026-07-15", Step::Tick);
    insta::assert_snapshot!("supervised", record(&w));

    // A supervision open when the case ends ends with it (rules 2 and later).
    let mut s = World::handling();
    s.policy.rules = crate::policy::RULES;
    s.ok(
        "cty-a-xfj.c",
        "2026-03-10",
        Command::Supervise {
            ground: SupervisionGround::Evasion,
            respond_by: d("2026-03-20"),
            text: "请说明办理情况".into(),
            unit: None,
            level: None,
        },
    );
    s.ok(
        "cty-a-zjj.c",
        "2026-03-12",
        Command::Withdraw {
            reason: "信访人撤回".into(),
        },
    );
    insta::assert_snapshot!("supervision_ended", record(&s));

    // The service's own steps: a new query code, an officer released with an admin's move.
    let mut o = World::handling();
    o.ok("cty-a-zjj.c", "2026-03-05", Command::Take);
    o.ok(
        "cty-a-xfj.c",
        "2026-03-06",
        Step::ResetQueryCode {
            query_code: crate::ids::CodeRecord::Hashed(crate::ids::CodeHash::of(
                &QueryCode::from_random([2; 8]),
                [3; 16],
                crate::ids::QueryCodeCost::Training,
            )),
        },
    );
    // The officer moved to another unit (an admin's change).
    o.org
        .apply_change(&crate::audit::AdminKind::StaffMoved {
            staff: StaffId::parse("cty-a-zjj.c").expect("id"),
            unit: u("cty-a-xfj"),
        })
        .expect("moved");
    o.ok(
        "admin",
        "2026-03-07",
        Step::ReleaseOfficer {
            officer: StaffId::parse("cty-a-zjj.c").expect("id"),
            successor: None,
        },
    );
    insta::assert_snapshot!("service_steps", record(&o));
}
