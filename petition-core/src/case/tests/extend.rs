//! Rules of the lifecycle: extend.

use super::*;

#[test]
fn extension_by_head_of_lead_moves_due_date_30_days_to_2026_06_01() {
    // 2005 Art 33; §5.1: raw 2026-05-31 is a Sunday → 2026-06-01
    let mut w = World::handling();
    let ext = Command::Extend {
        days: 30,
        reason: "情况复杂".into(),
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-04-20", ext.clone())),
        "permission_denied",
        "a clerk may not"
    );
    assert_eq!(
        code(w.run("cty-a-xfj.h", "2026-04-20", ext.clone())),
        "permission_denied",
        "a head elsewhere may not"
    );
    let evs = w.ok("cty-a-zjj.h", "2026-04-20", ext);
    assert_eq!(types(&evs), ["extended"]);
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-06-01"));
    assert_eq!(w.case.extension_days, 30);
}

#[test]
fn handling_extension_beyond_30_days_in_total_is_refused() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.h",
            "2026-04-20",
            Command::Extend {
                days: 31,
                reason: "x".into()
            }
        )),
        "extension_limit"
    );
    w.ok(
        "cty-a-zjj.h",
        "2026-04-20",
        Command::Extend {
            days: 20,
            reason: "x".into(),
        },
    );
    assert_eq!(
        code(w.run(
            "cty-a-zjj.h",
            "2026-04-21",
            Command::Extend {
                days: 11,
                reason: "y".into()
            }
        )),
        "extension_limit"
    );
    w.ok(
        "cty-a-zjj.h",
        "2026-04-21",
        Command::Extend {
            days: 10,
            reason: "y".into(),
        },
    );
    assert_eq!(w.case.extension_days, 30);
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-06-01"));
}

#[test]
fn extension_outside_handling_is_invalid_transition() {
    let mut w = World::registered();
    assert_eq!(
        code(w.run(
            "cty-a-xfj.h",
            "2026-03-03",
            Command::Extend {
                days: 5,
                reason: "x".into()
            }
        )),
        "invalid_transition"
    );
}

#[test]
fn a_clerk_asks_the_head_grants_and_the_limit_moves_as_a_direct_extension_would() {
    // Extension with the head's approval (2005 Art 33: 经本行政机关负责人批准).
    let mut w = World::handling();
    let before = w.clock(ClockKind::Handling).due;
    let ask = Command::ExtendRequest {
        days: 30,
        reason: "情况复杂".into(),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-04-20", ask.clone())),
        "permission_denied",
        "a clerk of another unit may not ask"
    );
    assert_eq!(
        code(w.run("cty-a-zjj.h", "2026-04-20", Command::ExtendApprove)),
        "invalid_transition",
        "nothing to approve yet"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-04-20", ask.clone());
    assert_eq!(types(&evs), ["extension_requested"]);
    let pending = w.case.extension_request.clone().expect("pending");
    assert_eq!((pending.days, pending.by.as_str()), (30, "cty-a-zjj.c"));
    assert_eq!(w.clock(ClockKind::Handling).due, before, "not yet moved");
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-04-20", ask)),
        "invalid_transition",
        "one request at a time"
    );
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-04-21", Command::ExtendApprove)),
        "permission_denied",
        "a clerk may not grant it"
    );
    let evs = w.ok("cty-a-zjj.h", "2026-04-21", Command::ExtendApprove);
    assert_eq!(types(&evs), ["extended"]);
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-06-01"));
    assert_eq!(w.case.extension_days, 30);
    assert_eq!(w.case.extension_request, None, "answered");
    assert_eq!(
        code(w.run("cty-a-zjj.h", "2026-04-22", Command::ExtendApprove)),
        "invalid_transition",
        "granted once"
    );
}

#[test]
fn a_request_beyond_the_limit_is_refused_and_a_refused_request_moves_nothing() {
    let mut w = World::handling();
    let before = w.clock(ClockKind::Handling).due;
    let too_much = Command::ExtendRequest {
        days: 31,
        reason: "x".into(),
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-04-20", too_much)),
        "extension_limit",
        "a head is never asked for what cannot be granted"
    );
    w.ok(
        "cty-a-zjj.c",
        "2026-04-20",
        Command::ExtendRequest {
            days: 10,
            reason: "x".into(),
        },
    );
    let reject = Command::ExtendReject {
        note: Some("请按期办结".into()),
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-04-20", reject.clone())),
        "permission_denied"
    );
    let evs = w.ok("cty-a-zjj.h", "2026-04-20", reject);
    assert_eq!(types(&evs), ["extension_rejected"]);
    assert_eq!(w.case.extension_request, None);
    assert_eq!(w.case.extension_days, 0);
    assert_eq!(w.clock(ClockKind::Handling).due, before);
    // The answer to the petitioner makes a pending request moot.
    w.ok(
        "cty-a-zjj.c",
        "2026-04-21",
        Command::ExtendRequest {
            days: 10,
            reason: "y".into(),
        },
    );
    w.ok("cty-a-zjj.c", "2026-04-22", opinion());
    assert_eq!(w.case.extension_request, None);
}
