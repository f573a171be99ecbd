//! Rules of the lifecycle: objection.

use super::*;

#[test]
fn objection_within_5_working_days_is_allowed() {
    // 2022 Art 23 ¶3; §5.1: from Friday 2026-03-06 the window ends 2026-03-13
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-03-13T17:00:00+08:00",
        Command::Object {
            reason: "不属本部门职责".into(),
        },
    );
    assert_eq!(types(&evs), ["objected"]);
    assert_eq!(w.case.objection, Some(ObjectionStatus::Pending));
    // Accept is blocked while the objection is pending.
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-13T18:00:00+08:00",
            Command::Accept { assist: vec![] }
        )),
        "invalid_transition"
    );
}

#[test]
fn objection_after_the_window_is_window_lapsed() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-16",
            Command::Object { reason: "x".into() }
        )),
        "window_lapsed"
    );
}

#[test]
fn approved_objection_returns_the_case_to_the_router_with_a_new_intake_clock() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-09",
        Command::Object { reason: "x".into() },
    );
    // Only the router resolves it.
    let approve = Command::ResolveObjection {
        approve: true,
        note: None,
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-10", approve.clone())),
        "permission_denied"
    );
    let evs = w.ok("cty-a-xfj.c", "2026-03-10", approve);
    assert_eq!(types(&evs), ["objection_approved"]);
    assert_eq!(w.case.state, CaseState::Registered);
    assert_eq!(w.case.holder, Some(u("cty-a-xfj")));
    assert_eq!(w.case.open_clocks(ClockKind::Intake).count(), 1);
    assert_eq!(w.clock(ClockKind::Intake).started, d("2026-03-10"));
    assert!(!w.clock(ClockKind::Acceptance).is_open());
    w.ok("cty-a-xfj.c", "2026-03-10", transfer("town-a"));
}

#[test]
fn rejected_objection_leaves_the_case_with_the_receiver() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-09",
        Command::Object { reason: "x".into() },
    );
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-10",
        Command::ResolveObjection {
            approve: false,
            note: Some("属于你局职责".into()),
        },
    );
    assert_eq!(types(&evs), ["objection_rejected"]);
    assert_eq!(w.case.state, CaseState::Routed);
    assert_eq!(w.case.holder, Some(u("cty-a-zjj")));
    // No second objection.
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-10",
            Command::Object { reason: "y".into() }
        )),
        "invalid_transition"
    );
    w.ok(
        "cty-a-zjj.c",
        "2026-03-11",
        Command::Accept { assist: vec![] },
    );
}

#[test]
fn resolving_without_a_pending_objection_is_invalid() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    let c = Command::ResolveObjection {
        approve: true,
        note: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-06", c)),
        "invalid_transition"
    );
}
