//! Rules of the lifecycle: register.

use super::*;

#[test]
fn register_makes_actor_unit_holder_and_first_contact_and_starts_intake_15_days() {
    // §4.2 register; §5.2 intake 15 d (2022 Art 22)
    let w = World::registered();
    assert_eq!(w.case.state, CaseState::Registered);
    assert_eq!(w.case.holder, Some(u("cty-a-xfj")));
    assert_eq!(
        w.case.first_contact.as_ref().map(|f| f.staff.as_str()),
        Some("cty-a-xfj.c")
    );
    assert_eq!(w.clock(ClockKind::Intake).due, d("2026-03-17"));
    assert_eq!(types(&w.events), ["registered"]);
}

#[test]
fn register_refuses_invalid_fields_with_validation() {
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.petitioners[0].id_number = Some("110105194912310021".into());
    let cmd = Step::Register {
        registration: Box::new(r),
        query_code: crate::ids::CodeRecord::Clear(QueryCode::from_random([0; 8])),
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", cmd)), "validation");
    assert!(w.events.is_empty());
}

#[test]
fn register_with_unknown_locality_is_not_found() {
    let mut w = World::new();
    let cmd = Step::Register {
        registration: Box::new(registration("nowhere", Channel::Letter)),
        query_code: crate::ids::CodeRecord::Clear(QueryCode::from_random([0; 8])),
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", cmd)), "not_found");
}

#[test]
fn a_command_on_an_unregistered_case_is_not_found() {
    let mut w = World::new();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"))),
        "not_found"
    );
}

#[test]
fn registering_twice_is_an_invalid_transition() {
    let mut w = World::registered();
    let cmd = Step::Register {
        registration: Box::new(registration("town-a", Channel::Letter)),
        query_code: crate::ids::CodeRecord::Clear(QueryCode::from_random([0; 8])),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", cmd)),
        "invalid_transition"
    );
}

#[test]
fn collective_visit_is_derived_from_headcount_five() {
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Visit);
    r.headcount = 6;
    r.representatives = vec!["甲".into(), "乙".into()];
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert!(w.case.collective);
}

#[test]
fn admin_without_unit_cannot_register() {
    let mut w = World::new();
    let cmd = Step::Register {
        registration: Box::new(registration("town-a", Channel::Letter)),
        query_code: crate::ids::CodeRecord::Clear(QueryCode::from_random([0; 8])),
    };
    assert_eq!(code(w.run("admin", "2026-03-02", cmd)), "permission_denied");
}

#[test]
fn the_intake_limit_counts_from_receipt_under_the_current_rules() {
    // 2022 Art 22: within 15 days of receiving the matter. A letter received on 2026-03-02 and
    // registered on 2026-03-10 is due on 2026-03-17, not 15 days after its registration.
    let mut reg = registration("town-a", Channel::Letter);
    reg.received_at = at("2026-03-02");
    let mut w = World::new();
    w.policy.rules = crate::policy::RULES;
    w.register("cty-a-xfj.c", "2026-03-10", reg.clone());
    let c = w.clock(ClockKind::Intake);
    assert_eq!((c.started, c.due), (d("2026-03-02"), d("2026-03-17")));
    // The first rules counted from the registration.
    let mut old = World::new();
    old.register("cty-a-xfj.c", "2026-03-10", reg);
    let c = old.clock(ClockKind::Intake);
    assert_eq!((c.started, c.due), (d("2026-03-10"), d("2026-03-25")));
}
