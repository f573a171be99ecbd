//! Rules of the lifecycle: §6.3 skip-level visits.

use super::*;

#[test]
fn visit_two_levels_above_locality_is_skip_level_and_cannot_be_accepted_there() {
    // §6.3, 2005 Art 16: a visit about a township registered at the prefecture.
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Visit),
    );
    assert!(w.case.skip_level);
    assert_eq!(
        code(w.run(
            "city-xfj.c",
            "2026-03-02",
            Command::Accept { assist: vec![] }
        )),
        "skip_level"
    );
    // It must be routed down; the competent unit may accept it.
    w.ok("city-xfj.c", "2026-03-02", transfer("town-a"));
    w.ok("town-a.c", "2026-03-03", Command::Accept { assist: vec![] });
    assert_eq!(w.case.state, CaseState::Handling);
}

#[test]
fn visit_one_level_above_and_letters_are_not_skip_level() {
    let mut w = World::new();
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Visit),
    );
    assert!(!w.case.skip_level);
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert!(!w.case.skip_level, "only visits are skip-level");
}

#[test]
fn skip_level_decline_needs_a_skip_level_case() {
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Visit),
    );
    let decline = Command::Decline {
        ground: DeclineGround::SkipLevel,
        notice: "请向某县信访局反映".into(),
    };
    w.ok("city-xfj.c", "2026-03-02", decline.clone());
    assert_eq!(w.case.state, CaseState::Declined);
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", decline)),
        "validation"
    );
}
