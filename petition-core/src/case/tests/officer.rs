//! Rules of the lifecycle: the case officer (承办人).

use super::*;

#[test]
fn a_staff_member_of_the_holding_unit_takes_the_case_and_hands_it_on_within_the_unit() {
    let mut w = World::handling(); // held by cty-a-zjj
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-05", Command::Take)),
        "permission_denied",
        "only the holding unit's staff"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-03-05", Command::Take);
    assert_eq!(types(&evs), ["officer_assigned"]);
    assert_eq!(
        w.case.officer.as_ref().map(StaffId::as_str),
        Some("cty-a-zjj.c")
    );
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-05", Command::Take)),
        "invalid_transition",
        "already theirs"
    );
    let hand = |to: &str| Command::Hand {
        to: StaffId::parse(to).expect("id"),
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-06", hand("cty-a-xfj.c"))),
        "validation",
        "only to staff of the holding unit"
    );
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-06", hand("nobody"))),
        "not_found"
    );
    w.ok("cty-a-zjj.c", "2026-03-06", hand("cty-a-zjj.h"));
    assert_eq!(
        w.case.officer.as_ref().map(StaffId::as_str),
        Some("cty-a-zjj.h")
    );
    // A deactivated staff member carries nothing.
    w.org
        .apply_change(&crate::audit::AdminKind::StaffDeactivated {
            staff: StaffId::parse("cty-a-zjj.c").expect("id"),
        })
        .expect("deactivate");
    assert_eq!(
        code(w.run("cty-a-zjj.h", "2026-03-07", hand("cty-a-zjj.c"))),
        "validation"
    );
}

#[test]
fn a_case_that_moves_to_another_unit_leaves_its_officer_behind() {
    let mut w = World::registered(); // held by the county petition office
    w.ok("cty-a-xfj.c", "2026-03-02", Command::Take);
    assert!(w.case.officer.is_some());
    w.ok("cty-a-xfj.c", "2026-03-03", transfer("cty-a-zjj"));
    assert_eq!(w.case.officer, None, "the new holder's staff take it");
    w.ok("cty-a-zjj.c", "2026-03-04", Command::Take);
    assert_eq!(
        w.case.officer.as_ref().map(StaffId::as_str),
        Some("cty-a-zjj.c")
    );
}

#[test]
fn a_colleague_does_not_take_a_case_someone_carries_but_its_officer_or_the_head_moves_it() {
    // Rules 5. Two clerks and a head at the county 住建局.
    let mut w = World::handling();
    w.policy.rules = 5;
    w.org
        .add_staff(crate::org::Staff::new(
            StaffId::parse("cty-a-zjj.c2").expect("id"),
            "李四",
            Some(u("cty-a-zjj")),
            Role::Clerk,
        ))
        .expect("staff");
    let hand = |to: &str| Command::Hand {
        to: StaffId::parse(to).expect("id"),
    };
    w.ok("cty-a-zjj.c", "2026-03-05", Command::Take);
    // The colleague can neither take it nor hand it to themself; the refusal names the officer.
    let err = w
        .run("cty-a-zjj.c2", "2026-03-06", Command::Take)
        .expect_err("taken from a colleague");
    assert_eq!(err.code(), "permission_denied");
    assert!(err.to_string().contains("cty-a-zjj.c"), "{err}");
    assert_eq!(
        code(w.run("cty-a-zjj.c2", "2026-03-06", hand("cty-a-zjj.c2"))),
        "permission_denied"
    );
    // The officer hands it on; the head may move it, and take it.
    w.ok("cty-a-zjj.c", "2026-03-06", hand("cty-a-zjj.c2"));
    w.ok("cty-a-zjj.h", "2026-03-07", hand("cty-a-zjj.c"));
    w.ok("cty-a-zjj.h", "2026-03-07", Command::Take);
    assert_eq!(
        w.case.officer.as_ref().map(StaffId::as_str),
        Some("cty-a-zjj.h")
    );
    // Under rules 4 a colleague's take still moved it silently, as it did then.
    let mut old = World::handling();
    old.policy.rules = 4;
    old.org
        .add_staff(crate::org::Staff::new(
            StaffId::parse("cty-a-zjj.c2").expect("id"),
            "李四",
            Some(u("cty-a-zjj")),
            Role::Clerk,
        ))
        .expect("staff");
    old.ok("cty-a-zjj.c", "2026-03-05", Command::Take);
    old.ok("cty-a-zjj.c2", "2026-03-06", Command::Take);
}

#[test]
fn a_released_officers_case_passes_to_a_colleague_of_the_holder_named_by_the_admin() {
    let mut w = World::handling();
    w.ok("cty-a-zjj.c", "2026-03-05", Command::Take);
    let clerk = StaffId::parse("cty-a-zjj.c").expect("id");
    w.org
        .apply_change(&crate::audit::AdminKind::StaffMoved {
            staff: clerk.clone(),
            unit: u("cty-a-xfj"),
        })
        .expect("moved");
    let before = w.case.clone();
    // Someone of another unit, or the released officer, cannot carry it.
    for other in ["cty-a-xfj.c", "cty-a-zjj.c", "town-a.c"] {
        let r = w.run(
            "admin",
            "2026-03-07",
            Step::ReleaseOfficer {
                officer: clerk.clone(),
                successor: Some(StaffId::parse(other).expect("id")),
            },
        );
        assert_eq!(code(r), "validation", "{other}");
    }
    assert_eq!(w.case, before);
    let head = StaffId::parse("cty-a-zjj.h").expect("id");
    w.ok(
        "admin",
        "2026-03-07",
        Step::ReleaseOfficer {
            officer: clerk,
            successor: Some(head.clone()),
        },
    );
    assert_eq!(w.case.officer, Some(head));
}
