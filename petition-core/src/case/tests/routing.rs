//! Rules of the lifecycle: transfer / assign.

use super::*;

#[test]
fn transfer_routes_stops_intake_and_starts_acceptance_and_objection_on_receiver() {
    // §4.2 transfer; §5.2 acceptance 15 d (2005 Art 21), objection 5 working days (2022 Art 23)
    let mut w = World::registered();
    let evs = w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    assert_eq!(types(&evs), ["transferred"]);
    assert_eq!(w.case.state, CaseState::Routed);
    assert_eq!(w.case.holder, Some(u("cty-a-zjj")));
    assert!(!w.clock(ClockKind::Intake).is_open());
    assert_eq!(w.clock(ClockKind::Intake).met(), Some(true));
    assert_eq!(
        w.clock(ClockKind::Acceptance).due,
        d("2026-03-23"),
        "03-21 is a Saturday: rolls to Monday"
    );
    assert_eq!(
        w.clock(ClockKind::Objection).due,
        d("2026-03-13"),
        "§5.1 worked example"
    );
    assert_eq!(w.clock(ClockKind::Acceptance).unit, u("cty-a-zjj"));
}

#[test]
fn transfer_by_a_unit_that_does_not_hold_the_case_is_permission_denied() {
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-02", transfer("town-a"))),
        "permission_denied"
    );
}

#[test]
fn transfer_to_the_holder_itself_is_validation_and_to_unknown_unit_not_found() {
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("cty-a-xfj"))),
        "validation"
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("nope"))),
        "not_found"
    );
}

#[test]
fn onward_transfer_from_routed_moves_the_acceptance_clock_down() {
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    w.ok("city-xfj.c", "2026-03-02", transfer("cty-a-xfj"));
    w.ok("cty-a-xfj.c", "2026-03-03", transfer("town-a"));
    assert_eq!(w.case.holder, Some(u("town-a")));
    assert_eq!(w.case.routed_by, Some(u("cty-a-xfj")));
    assert_eq!(w.case.open_clocks(ClockKind::Acceptance).count(), 1);
    assert_eq!(
        w.case
            .open_clocks(ClockKind::Acceptance)
            .next()
            .map(|c| c.unit.clone()),
        Some(u("town-a"))
    );
}

#[test]
fn assign_adds_a_result_report_clock_owed_by_the_receiver_and_report_stops_it() {
    // §4.2 assign/report; 2005 Art 21(四)
    let mut w = World::registered();
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Assign {
            to: u("cty-a-zjj"),
            report_by: d("2026-04-30"),
            note: Some("请于4月底前报结".into()),
        },
    );
    assert_eq!(types(&evs), ["assigned"]);
    let rr = w.clock(ClockKind::ResultReport);
    assert_eq!((rr.due, rr.unit.clone()), (d("2026-04-30"), u("cty-a-zjj")));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-03",
        Command::Accept { assist: vec![] },
    );
    w.ok("cty-a-zjj.c", "2026-04-01", opinion());
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-04-02",
        Command::Report {
            text: "已办结".into(),
        },
    );
    assert_eq!(types(&evs), ["result_reported"]);
    assert_eq!(w.clock(ClockKind::ResultReport).met(), Some(true));
    // Only once.
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-04-03",
            Command::Report { text: "x".into() }
        )),
        "invalid_transition"
    );
}

#[test]
fn report_on_a_transferred_case_is_invalid_transition() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-03",
            Command::Report { text: "x".into() }
        )),
        "invalid_transition"
    );
}

#[test]
fn assign_with_report_date_not_after_today_is_validation() {
    let mut w = World::registered();
    let cmd = Command::Assign {
        to: u("cty-a-zjj"),
        report_by: d("2026-03-02"),
        note: None,
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", cmd)), "validation");
}
