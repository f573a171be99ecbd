//! Rules of the lifecycle: accept, assisting units.

use super::*;

#[test]
fn accept_starts_handling_60_days_and_assist_clocks_10_days_earlier() {
    // §4.2 accept; §5.1: accepted 2026-03-02 → handling due 2026-05-01; §6.2
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-03-02",
        Command::Accept {
            assist: vec![u("town-a")],
        },
    );
    assert_eq!(types(&evs), ["accepted"]);
    assert_eq!(w.case.state, CaseState::Handling);
    assert_eq!(w.case.lead, Some(u("cty-a-zjj")));
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-05-01"));
    assert_eq!(w.clock(ClockKind::Assist).due, d("2026-04-21"));
    assert_eq!(w.clock(ClockKind::Assist).unit, u("town-a"));
    assert_eq!(w.clock(ClockKind::Acceptance).met(), Some(true));
}

#[test]
fn accept_with_may_day_holidays_is_due_2026_05_06() {
    // §5.1 worked example with 2026-05-01..05 loaded as holidays.
    let mut w = World::registered();
    for day in 1..=5 {
        w.cal.set(
            NaiveDate::from_ymd_opt(2026, 5, day).expect("date"),
            DayKind::Holiday,
        );
    }
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Accept { assist: vec![] },
    );
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-05-06"));
}

#[test]
fn accept_with_the_lead_as_assisting_unit_is_validation() {
    let mut w = World::registered();
    let c = Command::Accept {
        assist: vec![u("cty-a-xfj")],
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", c)), "validation");
}

#[test]
fn litigation_matter_cannot_be_accepted_outside_a_legal_organ() {
    // §6.5
    let mut w = World::new();
    let mut r = registration("city", Channel::Letter);
    r.litigation = true;
    w.register("city-xfj.c", "2026-03-02", r);
    assert_eq!(
        code(w.run(
            "city-xfj.c",
            "2026-03-02",
            Command::Accept { assist: vec![] }
        )),
        "litigation"
    );
    w.ok("city-xfj.c", "2026-03-02", transfer("city-court"));
    w.ok(
        "city-court.c",
        "2026-03-03",
        Command::Accept { assist: vec![] },
    );
}

#[test]
fn assist_input_by_an_assisting_unit_stops_its_clock_once() {
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Accept {
            assist: vec![u("town-a"), u("cty-a-zjj")],
        },
    );
    let input = Command::AssistInput {
        text: "已核实".into(),
    };
    assert_eq!(
        code(w.run("cty-b-zjj.c", "2026-03-05", input.clone())),
        "permission_denied"
    );
    w.ok("town-a.c", "2026-03-05", input.clone());
    assert_eq!(
        code(w.run("town-a.c", "2026-03-06", input)),
        "invalid_transition"
    );
    let clocks: Vec<bool> = w
        .case
        .clocks
        .iter()
        .filter(|c| c.kind == ClockKind::Assist)
        .map(|c| c.is_open())
        .collect();
    assert_eq!(clocks, [false, true]);
}

#[test]
fn opinion_is_refused_while_assist_input_is_missing_unless_reason_given() {
    // §6.2, 2005 Art 24
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Accept {
            assist: vec![u("town-a")],
        },
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-20", opinion())),
        "assist_pending"
    );
    let with_reason = Command::Opinion {
        outcome: Outcome::Explained,
        text: "已答复".into(),
        without_assist: Some("协办单位逾期未复".into()),
    };
    w.ok("cty-a-xfj.c", "2026-03-20", with_reason);
    assert_eq!(w.case.state, CaseState::OpinionIssued);
}
