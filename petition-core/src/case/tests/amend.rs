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

#[test]
fn purpose_channel_headcount_and_representatives_are_corrected_as_typed() {
    let mut w = World::registered();
    // Enumerated values as a clerk types them, in Chinese or by name; recorded by name.
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        amend(AmendField::Purpose, "揭发控告"),
    );
    assert_eq!(
        last_amended(&evs),
        (Some("request".into()), Some("accusation".into()))
    );
    assert_eq!(
        w.case.registration.as_ref().map(|r| r.purpose),
        Some(Purpose::Accusation)
    );
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        amend(AmendField::Channel, "来访"),
    );
    assert_eq!(
        w.case.registration.as_ref().map(|r| r.channel),
        Some(Channel::Visit)
    );
    // A 12-person group visit: headcount 12 and five representatives make it collective.
    assert!(!w.case.collective);
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        amend(AmendField::Headcount, "12"),
    );
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        amend(AmendField::Representatives, "甲某，乙某、丙某, 丁某,戊某"),
    );
    assert_eq!(
        last_amended(&evs).1.as_deref(),
        Some("甲某,乙某,丙某,丁某,戊某")
    );
    let reg = w.case.registration.clone().expect("registration");
    assert_eq!((reg.headcount, reg.representatives.len()), (12, 5));
    assert_eq!(w.case.collective, reg.collective());
    // Emptied, the representatives are gone.
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        amend(AmendField::Representatives, ""),
    );
    assert!(w
        .case
        .registration
        .as_ref()
        .is_some_and(|r| r.representatives.is_empty()));
    // Refused, and nothing changes: a word of no vocabulary, a headcount below the named
    // petitioners or not a number, six representatives, the same value again.
    let before = w.case.clone();
    for (field, value) in [
        (AmendField::Purpose, "投诉"),
        (AmendField::Channel, "pigeon"),
        (AmendField::Headcount, "0"),
        (AmendField::Headcount, "十二"),
        (AmendField::Representatives, "一,二,三,四,五,六"),
        (AmendField::Headcount, "12"),
        (AmendField::AccusedUnit, "no such unit!"),
    ] {
        let r = w.run("cty-a-xfj.c", "2026-03-02", amend(field, value));
        assert_eq!(code(r), "validation", "{field:?} {value}");
    }
    assert_eq!(w.case, before);
}

#[test]
fn an_accusation_against_the_unit_that_holds_it_is_recalled_to_the_registering_unit() {
    // Routed to the county 住建局, then found to accuse it: the case comes back at once.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-03", transfer("cty-a-zjj"));
    assert_eq!(w.case.holder, Some(u("cty-a-zjj")));
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-04",
        amend(AmendField::AccusedUnit, "cty-a-zjj"),
    );
    assert_eq!(types(&evs), ["amended", "recalled"]);
    assert_eq!(w.case.state, CaseState::Registered);
    assert_eq!(w.case.holder, Some(u("cty-a-xfj")));
    // Its clocks stopped; the registering unit has a new intake limit from today.
    assert!(w
        .case
        .clocks
        .iter()
        .filter(|c| c.unit == u("cty-a-zjj"))
        .all(|c| !c.is_open()));
    let intake = w.clock(ClockKind::Intake);
    assert!(intake.is_open());
    assert_eq!(
        (intake.unit.clone(), intake.started),
        (u("cty-a-xfj"), d("2026-03-04"))
    );
    // It can never be routed there again; elsewhere it can.
    let r = w.run("cty-a-xfj.c", "2026-03-04", transfer("cty-a-zjj"));
    assert_eq!(code(r), "confidentiality");
    w.ok("cty-a-xfj.c", "2026-03-04", transfer("town-a"));
    assert_eq!(w.case.state, CaseState::Routed);
}

#[test]
fn an_accepted_case_is_recalled_from_its_accused_lead_and_an_assisting_unit_loses_its_part() {
    // Accepted by the 住建局 with the town assisting.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-03",
        Command::Accept {
            assist: vec![u("town-a")],
        },
    );
    w.ok("cty-a-zjj.c", "2026-03-03", Command::Take);
    assert!(w.case.officer.is_some());
    // The town is accused: only its assisting part ends; the lead keeps the case.
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-05",
        amend(AmendField::AccusedUnit, "town-a"),
    );
    assert_eq!(types(&evs), ["amended", "recalled"]);
    assert_eq!(w.case.state, CaseState::Handling);
    assert!(w.case.assisting.is_empty());
    assert!(w
        .case
        .clocks
        .iter()
        .filter(|c| c.kind == ClockKind::Assist)
        .all(|c| !c.is_open()));
    assert!(w.clock(ClockKind::Handling).is_open());
    // Other fields wait for no handling unit: only who is accused, and the purpose, are
    // corrected once the case is accepted.
    let r = w.run(
        "cty-a-xfj.c",
        "2026-03-05",
        amend(AmendField::Phone, "13900001111"),
    );
    assert_eq!(code(r), "invalid_transition");
    // Now the lead itself is accused: back to the registering unit, officer and handling gone.
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-06",
        amend(AmendField::AccusedUnit, "cty-a-zjj"),
    );
    assert_eq!(types(&evs), ["amended", "recalled"]);
    assert_eq!(
        (
            w.case.state,
            w.case.holder.clone(),
            w.case.lead.clone(),
            w.case.officer.clone()
        ),
        (CaseState::Registered, Some(u("cty-a-xfj")), None, None)
    );
    assert!(!w.clock(ClockKind::Handling).is_open());
    assert!(w.clock(ClockKind::Intake).is_open());
    // Only the registering unit corrects; the handling unit cannot un-accuse itself.
    let r = w.run(
        "cty-a-zjj.c",
        "2026-03-06",
        amend(AmendField::AccusedUnit, ""),
    );
    assert_ne!(code(r), "ok");
}

#[test]
fn an_accusation_names_a_unit_other_than_the_registering_one_and_recalls_nothing_else() {
    let mut w = World::registered();
    let r = w.run(
        "cty-a-xfj.c",
        "2026-03-02",
        amend(AmendField::AccusedUnit, "cty-a-xfj"),
    );
    assert_eq!(code(r), "validation");
    // Accusing a unit with no part in the case records the correction alone.
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        amend(AmendField::AccusedUnit, "town-a"),
    );
    assert_eq!(types(&evs), ["amended"]);
    assert_eq!(w.case.holder, Some(u("cty-a-zjj")));
    assert_eq!(w.case.accused_unit(), Some(&u("town-a")));
}
