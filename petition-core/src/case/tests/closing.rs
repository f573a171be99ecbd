//! Rules of the lifecycle: close, evaluate, withdraw, merge.

use super::*;

#[test]
fn close_accepted_only_by_the_unit_that_answered() {
    let mut w = World::answered();
    let close = Command::Close {
        reason: CloseReason::Accepted,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-21", close.clone())),
        "permission_denied"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-03-21", close);
    assert_eq!(types(&evs), ["closed"]);
    assert_eq!(w.case.state, CaseState::Closed);
    assert!(!w.clock(ClockKind::ReviewWindow).is_open());
}

#[test]
fn close_before_an_answer_is_invalid_transition() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-03",
            Command::Close {
                reason: CloseReason::Accepted
            }
        )),
        "invalid_transition"
    );
}

#[test]
fn evaluation_once_per_opinion_within_its_window_even_after_close() {
    // §4.2 evaluate; evaluation is one of the two exceptions on terminal cases.
    let mut w = World::answered();
    w.ok(
        "cty-a-zjj.c",
        "2026-03-21",
        Command::Close {
            reason: CloseReason::Accepted,
        },
    );
    let ev = Command::Evaluate {
        handling: Satisfaction::Satisfied,
        office: Some(Satisfaction::BasicallySatisfied),
    };
    let evs = w.ok("cty-a-xfj.c", "2026-03-22", ev.clone());
    assert_eq!(types(&evs), ["evaluated"]);
    assert_eq!(w.case.evaluations.len(), 1);
    assert_eq!(w.case.evaluations[0].unit, u("cty-a-zjj"));
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-23", ev)),
        "invalid_transition"
    );
}

#[test]
fn the_rated_unit_never_records_its_own_rating() {
    // §4.2 evaluate: by the first-contact unit or a petition office whose reach includes the
    // case; never by the unit whose answer is rated (it could block the petitioner's rating).
    let ev = Command::Evaluate {
        handling: Satisfaction::Satisfied,
        office: None,
    };
    let mut w = World::answered();
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-22", ev.clone())),
        "permission_denied",
        "the lead rates itself"
    );
    assert_eq!(
        code(w.run("town-b.c", "2026-03-22", ev.clone())),
        "permission_denied",
        "a government that is neither first contact nor a petition office"
    );
    assert_eq!(
        code(w.run("system", "2026-03-22", ev.clone())),
        "permission_denied"
    );
    // The prefecture's petition office reaches the county's cases.
    let evs = w.ok("city-xfj.c", "2026-03-22", ev);
    assert_eq!(types(&evs), ["evaluated"]);
}

#[test]
fn the_petitioner_rates_online_and_may_do_nothing_else() {
    // §4.2 evaluate, §15: the petitioner's own rating, recorded as actor `petitioner`.
    let ev = Command::Evaluate {
        handling: Satisfaction::BasicallySatisfied,
        office: None,
    };
    let mut w = World::answered();
    assert_eq!(
        code(w.run(
            "petitioner",
            "2026-03-22",
            Command::Close {
                reason: CloseReason::Accepted
            }
        )),
        "permission_denied"
    );
    let evs = w.ok("petitioner", "2026-03-22", ev.clone());
    assert_eq!(evs[0].actor, crate::ids::ActorId::Petitioner);
    assert_eq!(evs[0].unit, None);
    assert_eq!(w.case.evaluations[0].unit, u("cty-a-zjj"));
    assert_eq!(
        code(w.run("petitioner", "2026-03-23", ev)),
        "invalid_transition",
        "once per answer"
    );
}

#[test]
fn evaluation_after_30_days_is_window_lapsed() {
    let mut w = World::answered();
    let ev = Command::Evaluate {
        handling: Satisfaction::Dissatisfied,
        office: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-04-21", ev)),
        "window_lapsed"
    );
}

#[test]
fn evaluation_before_any_answer_is_invalid() {
    let mut w = World::handling();
    let ev = Command::Evaluate {
        handling: Satisfaction::Satisfied,
        office: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-05", ev)),
        "invalid_transition"
    );
}

#[test]
fn withdraw_by_holder_ends_the_case_and_stops_its_clocks() {
    let mut w = World::handling();
    let wd = Command::Withdraw {
        reason: "信访人撤回".into(),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-05", wd.clone())),
        "permission_denied"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-03-05", wd);
    assert_eq!(types(&evs), ["withdrawn"]);
    assert_eq!(w.case.state, CaseState::Withdrawn);
    assert!(w.case.clocks.iter().all(|c| !c.is_open()));
}

#[test]
fn merge_marks_the_case_merged_and_absorb_records_the_link() {
    let mut w = World::handling();
    let into = CaseId::new(2026, 9);
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge {
                into: w.case.id.clone()
            }
        )),
        "validation"
    );
    // §4.2 merge: the target must exist (for the actor) …
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge { into: into.clone() }
        )),
        "not_found"
    );
    // … concern the same petitioner (same id number, or same name and phone) …
    let mut other = World::registered();
    other.case.id = into.clone();
    let mut stranger = other.case.clone();
    if let Some(r) = stranger.registration.as_mut() {
        r.petitioners[0].name = "钱某".into();
        r.petitioners[0].id_number = None;
        r.petitioners[0].phone = Some("13900000000".into());
    }
    w.target = Some(stranger);
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge { into: into.clone() }
        )),
        "validation",
        "an unrelated case of another petitioner cannot absorb it"
    );
    // … and be open.
    let mut closed = other.case.clone();
    closed.state = CaseState::Withdrawn;
    w.target = Some(closed);
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge { into: into.clone() }
        )),
        "invalid_transition"
    );
    w.target = Some(other.case.clone());
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Command::Merge { into: into.clone() },
    );
    assert_eq!(types(&evs), ["merged"]);
    assert_eq!(w.case.merged_into, Some(into));
    let mut w2 = World::registered();
    let evs = w2.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Step::Absorb {
            from: CaseId::new(2026, 5),
        },
    );
    assert_eq!(types(&evs), ["absorbed"]);
    assert_eq!(w2.case.absorbed, vec![CaseId::new(2026, 5)]);
}

#[test]
fn an_accusation_is_never_merged_into_a_case_of_the_accused_unit() {
    // §4.2 merge, §6.6: the accused unit must not receive the accusation by way of a merge.
    let mut reg = registration("town-a", Channel::Letter);
    reg.purpose = Purpose::Accusation;
    reg.accused_unit = Some(u("cty-a-zjj"));
    let mut w = World::new();
    w.register("cty-a-xfj.c", "2026-03-02", reg);
    let mut target = World::handling().case;
    target.id = CaseId::new(2026, 9);
    assert_eq!(target.lead, Some(u("cty-a-zjj")));
    w.target = Some(target);
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-05",
            Command::Merge {
                into: CaseId::new(2026, 9)
            }
        )),
        "confidentiality"
    );
}

#[test]
fn merge_from_an_answered_case_is_invalid_transition() {
    let mut w = World::answered();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-21",
            Command::Merge {
                into: CaseId::new(2026, 9)
            }
        )),
        "invalid_transition"
    );
}

#[test]
fn no_command_changes_a_terminal_case() {
    // §4.2: commands are refused on terminal cases.
    let mut w = World::handling();
    w.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Command::Withdraw { reason: "x".into() },
    );
    for (actor, cmd) in [
        ("cty-a-zjj.c", transfer("town-a")),
        ("cty-a-zjj.c", Command::Accept { assist: vec![] }),
        ("cty-a-zjj.c", opinion()),
        (
            "cty-a-zjj.c",
            Command::Withdraw {
                reason: "again".into(),
            },
        ),
        (
            "cty-a-zjj.h",
            Command::Extend {
                days: 1,
                reason: "x".into(),
            },
        ),
    ] {
        assert_eq!(code(w.run(actor, "2026-03-06", cmd)), "invalid_transition");
    }
}

#[test]
fn a_command_before_the_last_event_is_clock_skew() {
    // §4.3: time never runs backwards on a case.
    let mut w = World::handling();
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-01", opinion())),
        "clock_skew"
    );
}
