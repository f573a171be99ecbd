//! Rules of the lifecycle: decline grounds (§6.5).

use super::*;

#[test]
fn decline_out_of_scope_only_from_registered() {
    let notice = "请向有关部门反映".to_string();
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    let c = Command::Decline {
        ground: DeclineGround::OutOfScope,
        notice: notice.clone(),
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-03", c.clone())),
        "validation",
        "a receiver objects instead"
    );
    let mut w = World::registered();
    let evs = w.ok("cty-a-xfj.c", "2026-03-03", c);
    assert_eq!(types(&evs), ["declined"]);
    assert_eq!(w.case.decline_ground, Some(DeclineGround::OutOfScope));
    assert_eq!(w.clock(ClockKind::Intake).met(), Some(true));
}

#[test]
fn decline_litigation_needs_the_litigation_flag() {
    let c = Command::Decline {
        ground: DeclineGround::Litigation,
        notice: "请依法提起诉讼".into(),
    };
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation"
    );
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.litigation = true;
    w.register("cty-a-xfj.c", "2026-03-02", r);
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}

#[test]
fn decline_incomplete_needs_a_missing_address_and_empty_notice_is_refused() {
    let c = Command::Decline {
        ground: DeclineGround::Incomplete,
        notice: "请补充住址".into(),
    };
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation"
    );
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.petitioners[0].address = None;
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-03",
            Command::Decline {
                ground: DeclineGround::Incomplete,
                notice: " ".into()
            }
        )),
        "validation"
    );
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}

#[test]
fn legislature_or_judiciary_needs_no_precondition() {
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-03",
        Command::Decline {
            ground: DeclineGround::LegislatureOrJudiciary,
            notice: "请向人民法院反映".into(),
        },
    );
}

fn earlier(id: u32, state: CaseState, holder: &str) -> RelatedCase {
    RelatedCase {
        id: CaseId::new(2025, id),
        state,
        holder: u(holder),
        registered_at: at("2025-06-01"),
    }
}

#[test]
fn repeat_detection_records_the_most_recent_earlier_case() {
    // §6.4
    let mut w = World::new();
    w.related = vec![
        earlier(3, CaseState::Closed, "cty-a-zjj"),
        RelatedCase {
            registered_at: at("2025-09-01"),
            ..earlier(7, CaseState::Concluded, "city")
        },
    ];
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert_eq!(w.case.repeat_of, Some(CaseId::new(2025, 7)));
    assert_eq!(
        w.case.related,
        vec![CaseId::new(2025, 3), CaseId::new(2025, 7)]
    );
}

#[test]
fn decline_concluded_needs_a_concluded_earlier_case() {
    let c = Command::Decline {
        ground: DeclineGround::Concluded,
        notice: "已复核终结，不再受理".into(),
    };
    let mut w = World::new();
    w.related = vec![earlier(3, CaseState::Closed, "cty-a-zjj")];
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation"
    );
    w.related = vec![earlier(3, CaseState::Concluded, "city")];
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}

#[test]
fn decline_in_progress_needs_an_open_earlier_case_at_this_or_a_lower_tier() {
    let c = Command::Decline {
        ground: DeclineGround::InProgress,
        notice: "正在办理中".into(),
    };
    let mut w = World::new();
    w.related = vec![earlier(3, CaseState::Handling, "city-zjj")];
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation",
        "open only at a higher tier"
    );
    w.related = vec![earlier(3, CaseState::Handling, "town-a")];
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}
