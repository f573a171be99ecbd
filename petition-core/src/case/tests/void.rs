//! Rules of the lifecycle: voiding a registration made in error (作废).

use super::*;

fn void(duplicate_of: Option<CaseId>) -> Command {
    Command::Void {
        reason: "接口重试产生的重复登记".into(),
        duplicate_of,
    }
}

#[test]
fn the_registering_unit_voids_its_own_registration_before_acceptance() {
    // Registered, or routed and not yet accepted: the registering office voids it; every clock
    // stops and the case takes no further command.
    for routed in [false, true] {
        let mut w = World::registered();
        if routed {
            w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
            // The unit it was routed to cannot void a registration it did not make.
            let r = w.run("cty-a-zjj.c", "2026-03-02", void(None));
            assert_eq!(code(r), "permission_denied");
        }
        let evs = w.ok(
            "cty-a-xfj.c",
            "2026-03-03",
            void(Some(CaseId::new(2026, 7))),
        );
        assert_eq!(types(&evs), ["voided"]);
        assert_eq!(w.case.state, CaseState::Voided);
        assert!(w.case.state.is_terminal());
        assert!(w.case.clocks.iter().all(|c| !c.is_open()));
        let r = w.run("cty-a-xfj.c", "2026-03-03", transfer("cty-a-zjj"));
        assert_eq!(code(r), "invalid_transition");
        let r = w.run("cty-a-xfj.c", "2026-03-03", void(None));
        assert_eq!(code(r), "invalid_transition");
    }
}

#[test]
fn an_accepted_case_is_not_voided_and_a_case_is_no_duplicate_of_itself() {
    let mut w = World::handling();
    let r = w.run("cty-a-xfj.c", "2026-03-03", void(None));
    assert_eq!(code(r), "invalid_transition");
    let mut w = World::registered();
    let itself = w.case.id.clone();
    let before = w.case.clone();
    for cmd in [
        void(Some(itself)),
        Command::Void {
            reason: " ".into(),
            duplicate_of: None,
        },
    ] {
        assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-03", cmd)), "validation");
    }
    assert_eq!(w.case, before, "a refusal changes nothing");
}
