//! Rules of the lifecycle: correcting a registration (更正登记).

use super::*;
use crate::case::AmendField;

fn amend(field: AmendField, value: &str) -> Command {
    Command::Amend {
        field,
        value: value.into(),
        reason: "登记有误".into(),
    }
}

fn last_amended(events: &[Event]) -> (Option<String>, Option<String>) {
    match events.last().map(|e| &e.kind) {
        Some(EventKind::Amended { old, new, .. }) => (old.clone(), new.clone()),
        other => panic!("not an amendment: {other:?}"),
    }
}

#[test]
fn a_corrected_locality_decides_skip_level_again() {
    // A visit at the prefecture about a county is one level down; about a township, two (2005
    // Art 16): correcting the locality makes it a skip-level visit, and back.
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("cty-a", Channel::Visit),
    );
    assert!(!w.case.skip_level);
    let evs = w.ok(
        "city-xfj.c",
        "2026-03-02",
        amend(AmendField::Locality, "town-a"),
    );
    assert!(w.case.skip_level);
    assert_eq!(
        last_amended(&evs),
        (Some("cty-a".into()), Some("town-a".into()))
    );
    w.ok(
        "city-xfj.c",
        "2026-03-02",
        amend(AmendField::Locality, "cty-a"),
    );
    assert!(!w.case.skip_level);
}

#[test]
fn only_earlier_cases_are_precedents_and_never_the_case_itself() {
    let mut w = World::new();
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    let earlier = RelatedCase {
        id: CaseId::new(2025, 7),
        state: CaseState::Closed,
        holder: u("cty-a-zjj"),
        registered_at: at("2025-06-01"),
    };
    let later = RelatedCase {
        id: CaseId::new(2026, 9),
        registered_at: at("2026-03-05"),
        ..earlier.clone()
    };
    let itself = RelatedCase {
        id: w.case.id.clone(),
        registered_at: at("2026-03-02"),
        ..earlier.clone()
    };
    w.related = vec![later, itself, earlier.clone()];
    w.ok(
        "cty-a-xfj.c",
        "2026-03-06",
        amend(AmendField::Phone, "13900001111"),
    );
    assert_eq!(w.case.repeat_of, Some(earlier.id.clone()));
    assert_eq!(w.case.related, vec![earlier.id]);
}

#[test]
fn under_the_first_rules_a_corrected_receipt_leaves_the_intake_limit() {
    // Rules 1 counted the intake limit from registration; rules 2 from receipt.
    for (rules, due) in [(1, "2026-03-17"), (2, "2026-03-16")] {
        let mut w = World::new();
        w.policy.rules = rules;
        w.register(
            "cty-a-xfj.c",
            "2026-03-02",
            registration("town-a", Channel::Letter),
        );
        w.ok(
            "cty-a-xfj.c",
            "2026-03-02",
            amend(AmendField::ReceivedAt, "2026-02-27T09:00:00+08:00"),
        );
        assert_eq!(
            w.clock(ClockKind::Intake).due.to_string(),
            due,
            "rules {rules}"
        );
    }
}

#[test]
fn a_routed_case_may_be_corrected_by_its_registering_unit_only() {
    let mut w = World::new();
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-03", amend(AmendField::Summary, "x"))),
        "permission_denied",
        "not the holder: the registering unit"
    );
    w.ok(
        "cty-a-xfj.c",
        "2026-03-03",
        amend(AmendField::Content, "补充内容"),
    );
    let evs = w.ok("cty-a-xfj.c", "2026-03-03", amend(AmendField::Content, ""));
    assert_eq!(last_amended(&evs), (Some("补充内容".into()), None));
    assert_eq!(
        w.case.registration.as_ref().and_then(|r| r.content.clone()),
        None
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", amend(AmendField::Summary, ""))),
        "validation",
        "a required field cannot be emptied"
    );
}

#[test]
fn the_time_of_receipt_is_corrected_only_while_the_intake_limit_runs() {
    // Rules 4: after a late transfer the intake limit was missed; moving the time of receipt
    // must not turn it into a met one (the unit's timely-acceptance rate would follow).
    let mut w = World::new();
    w.policy.rules = crate::policy::RULES;
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    w.ok("cty-a-xfj.c", "2026-03-02", receipt_before());
    assert_eq!(w.clock(ClockKind::Intake).started.to_string(), "2026-03-01");
    w.ok("cty-a-xfj.c", "2026-03-30", transfer("cty-a-zjj"));
    assert_eq!(w.clock(ClockKind::Intake).met(), Some(false), "routed late");
    let later = amend(AmendField::ReceivedAt, "2026-03-20T09:00:00+08:00");
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-30", later)),
        "validation"
    );
    // Overdue and not yet routed: missed already.
    let mut w = World::new();
    w.policy.rules = crate::policy::RULES;
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    let moved = amend(AmendField::ReceivedAt, "2026-03-02T08:00:00+08:00");
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-30", moved)),
        "validation"
    );
    // Under rules 3 (an older chain decided again) the correction stood.
    let mut old = World::new();
    old.policy.rules = 3;
    old.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    old.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    old.ok("cty-a-xfj.c", "2026-03-03", receipt_before());
}

fn receipt_before() -> Command {
    amend(AmendField::ReceivedAt, "2026-03-01T09:00:00+08:00")
}
