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
