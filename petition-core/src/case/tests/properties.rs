//! Rules of the lifecycle: properties.

use super::*;

fn arb_command() -> impl Strategy<Value = (usize, Step)> {
    let units = [
        "cty-a-xfj",
        "cty-a-zjj",
        "town-a",
        "cty-a",
        "city-zjj",
        "city",
        "city-xfj",
        "city-court",
    ];
    let unit = proptest::sample::select(units.to_vec()).prop_map(u);
    let date = (0u32..200).prop_map(|n| d("2026-03-02") + chrono::Days::new(u64::from(n)));
    let commands = prop_oneof![
        unit.clone()
            .prop_map(|t| Command::Transfer { to: t, note: None }),
        (unit.clone(), date.clone()).prop_map(|(t, r)| Command::Assign {
            to: t,
            report_by: r,
            note: None
        }),
        Just(Command::Object { reason: "r".into() }),
        any::<bool>().prop_map(|a| Command::ResolveObjection {
            approve: a,
            note: None
        }),
        proptest::collection::vec(unit.clone(), 0..2).prop_map(|a| Command::Accept { assist: a }),
        proptest::sample::select(DeclineGround::ALL.to_vec()).prop_map(|g| Command::Decline {
            ground: g,
            notice: "n".into()
        }),
        Just(Command::AssistInput { text: "t".into() }),
        (0u32..40).prop_map(|n| Command::Extend {
            days: n,
            reason: "r".into()
        }),
        (
            proptest::sample::select(Outcome::ALL.to_vec()),
            proptest::option::of(Just("w".to_string()))
        )
            .prop_map(|(o, w)| Command::Opinion {
                outcome: o,
                text: "t".into(),
                without_assist: w
            }),
        Just(Command::Report { text: "t".into() }),
        (0u32..40).prop_map(|n| Command::ExtendRequest {
            days: n,
            reason: "r".into()
        }),
        Just(Command::ExtendApprove),
        Just(Command::ExtendReject { note: None }),
        Just(Command::ReviewRequest { reason: None }),
        Just(Command::ReviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "t".into()
        }),
        Just(Command::RereviewRequest { reason: None }),
        (date.clone(), 0u64..5).prop_map(|(s, n)| Command::Hearing {
            start: s,
            end: s + chrono::Days::new(n)
        }),
        Just(Command::RereviewOpinion {
            outcome: ReviewOutcome::Revoked,
            text: "t".into()
        }),
        Just(Command::Close {
            reason: CloseReason::Accepted
        }),
        Just(Command::Evaluate {
            handling: Satisfaction::Satisfied,
            office: None
        }),
        Just(Command::Withdraw { reason: "r".into() }),
        Just(Command::Merge {
            into: CaseId::new(2026, 99)
        }),
        (
            proptest::sample::select(SupervisionGround::ALL.to_vec()),
            date,
            proptest::option::of(unit)
        )
            .prop_map(|(g, r, un)| Command::Supervise {
                ground: g,
                respond_by: r,
                text: "t".into(),
                unit: un,
                level: None
            }),
        (1u32..4).prop_map(|n| Command::Respond {
            supervision: n,
            text: "t".into()
        }),
    ];
    // The time-driven work as often as any one command.
    prop_oneof![25 => commands.prop_map(Step::from), 1 => Just(Step::Tick)]
        .prop_flat_map(|c| (0usize..100, Just(c)))
}

const ACTORS: [&str; 17] = [
    "cty-a-xfj.c",
    "cty-a-zjj.c",
    "cty-a-zjj.h",
    "town-a.c",
    "cty-a.c",
    "cty-a.h",
    "city-zjj.c",
    "city.c",
    "city-xfj.c",
    "city-court.c",
    "prov.c",
    "prov-xfj.c",
    "cty-b.c",
    "admin",
    "system",
    "system",
    "town-a.h",
];

type Deltas = std::collections::HashMap<crate::stats::CounterKey, i64>;

/// The counter deltas of a change as the stores add them, and as the difference of every counter
/// (zeros left out).
fn counter_changes(
    was: &crate::projection::CaseRow,
    now: &crate::projection::CaseRow,
) -> (Deltas, Deltas) {
    let mut full = Deltas::new();
    for (k, n) in crate::stats::counters(was) {
        *full.entry(k).or_default() -= n;
    }
    for (k, n) in crate::stats::counters(now) {
        *full.entry(k).or_default() += n;
    }
    full.retain(|_, n| *n != 0);
    let mut merged = Deltas::new();
    crate::stats::add_changes(was, now, &mut merged);
    (merged, full)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Replay of the emitted events equals the live case; a refused command emits nothing; no
    /// command changes a terminal case except the exceptions of §4.2; due dates never move earlier;
    /// total extension never exceeds the policy.
    #[test]
    fn lifecycle_invariants(steps in proptest::collection::vec((arb_command(), 0u32..6, 0usize..ACTORS.len()), 1..40), litigation in any::<bool>()) {
        let mut w = World::new();
        let mut r = registration("town-a", Channel::Letter);
        r.litigation = litigation;
        w.register("cty-a-xfj.c", "2026-03-02", r);
        let mut day = d("2026-03-02");
        for ((_, cmd), gap, who) in steps {
            day = day + chrono::Days::new(u64::from(gap) * 4);
            let before = w.case.clone();
            let n = w.events.len();
            let res = w.run(ACTORS[who], &day.to_string(), cmd.clone());
            match res {
                Err(_) => {
                    prop_assert_eq!(&w.case, &before);
                    prop_assert_eq!(w.events.len(), n);
                }
                Ok(evs) => {
                    // The stores' shortcut for a change's two rows and its counter deltas gives
                    // what computing them in full gives.
                    let (was, now) = crate::projection::CaseRow::change(&before, &w.case);
                    prop_assert_eq!(&was, &crate::projection::CaseRow::of(&before));
                    prop_assert_eq!(&now, &crate::projection::CaseRow::of(&w.case));
                    // The same with the case's own flags and groups changed too (an amended
                    // registration).
                    let mut flags = now.clone();
                    flags.collective = !flags.collective;
                    flags.channel = Some("visit");
                    flags.skip_level = !flags.skip_level;
                    let mut repeat = now.clone();
                    repeat.repeat = !repeat.repeat;
                    let mut moved = now.clone();
                    moved.category = Some("other.category".into());
                    for after in [&now, &flags, &repeat, &moved] {
                        let (merged, full) = counter_changes(&was, after);
                        prop_assert!(merged.values().all(|n| *n != 0), "a zero delta was written");
                        prop_assert_eq!(&merged, &full);
                    }
                    if before.state.is_terminal() {
                        let allowed = evs.iter().all(|e| matches!(e.kind,
                            EventKind::Evaluated { .. } | EventKind::SupervisionOpened { .. } | EventKind::SupervisionEscalated { .. }
                            | EventKind::SupervisionAnswered { .. } | EventKind::EvaluationLapsed { .. }));
                        prop_assert!(allowed, "terminal case changed by {:?}", cmd);
                        prop_assert_eq!(w.case.state, before.state);
                    }
                    for (b, a) in before.clocks.iter().zip(&w.case.clocks) {
                        prop_assert!(a.due >= b.due, "due date moved earlier: {:?} -> {:?}", b, a);
                    }
                    prop_assert!(w.case.extension_days <= w.policy.max_extension_days);
                    // §7.2: an answered supervision never changes level; none skips a level.
                    for b in &before.supervisions {
                        let a = w.case.supervisions.iter().find(|s| s.id == b.id).expect("supervisions are never removed");
                        if b.answered_at.is_some() {
                            prop_assert_eq!(a.level, b.level, "answered supervision escalated");
                        }
                        prop_assert!(a.level == b.level || b.level.next() == Some(a.level), "skipped a level: {:?} -> {:?}", b.level, a.level);
                    }
                    // One automatic supervision per clock at most.
                    let mut for_clock: Vec<u32> = w.case.supervisions.iter().filter_map(|s| s.for_clock).collect();
                    let len = for_clock.len();
                    for_clock.sort();
                    for_clock.dedup();
                    prop_assert_eq!(len, for_clock.len());
                }
            }
            // The time-driven work decides on the case alone: earlier cases of the same matter
            // in the context change nothing (the service does not read them for a tick).
            let related = [CaseState::Concluded, CaseState::Handling].map(|state| RelatedCase {
                id: CaseId::new(2025, 9),
                state,
                holder: u("cty-a-zjj"),
                registered_at: at("2026-01-05"),
            });
            let tick_with = |related: &[RelatedCase]| {
                let ctx = Context {
                    now: at(&day.to_string()),
                    actor: Actor::System,
                    org: &w.org,
                    policy: &w.policy,
                    calendar: &w.cal,
                    related,
                    target: None,
                };
                format!("{:?}", decide(&w.case, &Step::Tick, &ctx))
            };
            prop_assert_eq!(tick_with(&[]), tick_with(&related));
            // A second tick at the same time appends nothing.
            // (Both refused alike, or the second appends nothing: an error never passes for it.)
            let first = w.run("system", &day.to_string(), Step::Tick);
            let second = w.run("system", &day.to_string(), Step::Tick);
            match (&first, &second) {
                (Ok(_), Ok(evs)) => prop_assert!(evs.is_empty(), "{:?}", evs),
                (Err(a), Err(b)) => prop_assert_eq!(a.code(), b.code()),
                _ => prop_assert!(false, "first {:?}, second {:?}", first, second),
            }
        }
    }
}

#[test]
fn a_command_never_allowed_in_the_state_is_invalid_transition_even_when_timed_earlier() {
    // The transition table comes before the clock check: accepting twice is `invalid_transition`.
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-01",
            Command::Accept { assist: vec![] }
        )),
        "invalid_transition"
    );
}

#[test]
fn township_overdue_case_is_supervised_by_the_county_petition_office() {
    // §7.3 step 1 with §2.1: sup(township) = the county 信访局.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("town-a"));
    w.ok("town-a.c", "2026-03-03", Command::Accept { assist: vec![] });
    // Handling due 2026-05-02 (Saturday) → Monday 2026-05-04.
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-05-04"));
    assert!(w.ok("system", "2026-05-04", Step::Tick).is_empty());
    let evs = w.ok("system", "2026-05-05", Step::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    let s = &w.case.supervisions[0];
    assert_eq!(
        (s.by.clone(), s.unit.clone(), s.level),
        (u("cty-a-xfj"), u("town-a"), SupervisionLevel::Reminder)
    );
    assert_eq!(
        s.respond_by,
        d("2026-05-12"),
        "5 working days after Tuesday 05-05"
    );
}

#[test]
fn overdue_result_report_gets_a_no_result_report_reminder() {
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Assign {
            to: u("town-a"),
            report_by: d("2026-03-20"),
            note: None,
        },
    );
    w.ok("town-a.c", "2026-03-03", Command::Accept { assist: vec![] });
    let evs = w.ok("system", "2026-03-21", Step::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    assert_eq!(
        w.case.supervisions[0].ground,
        SupervisionGround::NoResultReport
    );
}

#[test]
fn tick_never_supervises_the_accused_unit() {
    // §6.6: an accusation's clock owed by the accused unit is not supervised onto it.
    let mut w = World::new();
    let mut r = registration("cty-a", Channel::Letter);
    r.accused_unit = Some(u("cty-a-xfj"));
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert!(w.ok("system", "2026-04-01", Step::Tick).is_empty());
}

/// Asserts that each actor is refused with `permission_denied` and nothing changes.
fn denied(w: &mut World, when: &str, cmd: impl Into<Step>, actors: &[&str]) {
    let cmd: Step = cmd.into();
    for a in actors {
        let before = w.case.clone();
        assert_eq!(
            code(w.run(a, when, cmd.clone())),
            "permission_denied",
            "{} by {a}",
            cmd.name()
        );
        assert_eq!(w.case, before);
    }
}

#[test]
fn every_mutating_command_is_authorised_in_the_core_against_unit_and_role() {
    // Issue 8 §6: each command with an actor of every wrong kind — another unit, a unit-less
    // admin, the system, a head of another unit.
    let mut w = World::registered();
    denied(
        &mut w,
        "2026-03-02",
        transfer("cty-a-zjj"),
        &["cty-a-zjj.c", "admin", "system", "city-xfj.h"],
    );
    let assign = Command::Assign {
        to: u("cty-a-zjj"),
        report_by: d("2026-04-30"),
        note: None,
    };
    denied(
        &mut w,
        "2026-03-02",
        assign.clone(),
        &["town-a.c", "admin", "system"],
    );
    let decline = Command::Decline {
        ground: DeclineGround::LegislatureOrJudiciary,
        notice: "n".into(),
    };
    denied(
        &mut w,
        "2026-03-02",
        decline,
        &["cty-a-zjj.c", "admin", "system"],
    );
    let withdraw = Command::Withdraw { reason: "r".into() };
    denied(
        &mut w,
        "2026-03-02",
        withdraw.clone(),
        &["cty-a-zjj.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-02",
        Command::Merge {
            into: CaseId::new(2026, 2),
        },
        &["town-a.c", "admin"],
    );
    w.ok("cty-a-xfj.c", "2026-03-02", assign);
    let object = Command::Object { reason: "r".into() };
    denied(
        &mut w,
        "2026-03-03",
        object.clone(),
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-03",
        Command::Accept {
            assist: vec![u("town-a")],
        },
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    w.ok("cty-a-zjj.c", "2026-03-03", object);
    let resolve = Command::ResolveObjection {
        approve: false,
        note: None,
    };
    denied(
        &mut w,
        "2026-03-03",
        resolve.clone(),
        &["cty-a-zjj.c", "town-a.c", "admin", "system"],
    );
    w.ok("cty-a-xfj.c", "2026-03-03", resolve);
    w.ok(
        "cty-a-zjj.c",
        "2026-03-03",
        Command::Accept {
            assist: vec![u("town-a")],
        },
    );
    denied(
        &mut w,
        "2026-03-04",
        Command::AssistInput { text: "t".into() },
        &["cty-a-zjj.c", "cty-a-xfj.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-04",
        Command::Extend {
            days: 10,
            reason: "r".into(),
        },
        &["cty-a-zjj.c", "cty-a-xfj.h", "town-a.h", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-04",
        Command::Report { text: "t".into() },
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    let op = Command::Opinion {
        outcome: Outcome::Supported,
        text: "t".into(),
        without_assist: Some("w".into()),
    };
    denied(
        &mut w,
        "2026-03-04",
        op.clone(),
        &["town-a.c", "cty-a-xfj.c", "admin", "system"],
    );
    let sup = Command::Supervise {
        ground: SupervisionGround::Other,
        respond_by: d("2026-03-20"),
        text: "t".into(),
        unit: None,
        level: None,
    };
    denied(
        &mut w,
        "2026-03-04",
        sup.clone(),
        &["town-a.c", "cty-b.c", "city-zjj.c", "admin", "system"],
    );
    w.ok("cty-a-xfj.c", "2026-03-04", sup);
    denied(
        &mut w,
        "2026-03-05",
        Command::Respond {
            supervision: 1,
            text: "t".into(),
        },
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-05",
        Step::Tick,
        &["cty-a-xfj.c", "admin", "cty-a-zjj.h"],
    );
    w.ok("cty-a-zjj.c", "2026-03-20", op);
    denied(
        &mut w,
        "2026-03-21",
        Command::Close {
            reason: CloseReason::Accepted,
        },
        &["cty-a-xfj.c", "cty-a.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-21",
        Command::ReviewRequest { reason: None },
        // (The county and city petition offices may record it at the counter for the county
        // government or the city bureau:
        // the_petition_office_of_a_reviewing_bodys_territory_records_a_review_request_for_it.)
        &["town-a.c", "town-b.c", "admin", "system"],
    );
    w.ok(
        "cty-a.c",
        "2026-03-21",
        Command::ReviewRequest { reason: None },
    );
    let rv = Command::ReviewOpinion {
        outcome: ReviewOutcome::Upheld,
        text: "t".into(),
    };
    denied(
        &mut w,
        "2026-03-22",
        rv.clone(),
        &["city-zjj.c", "cty-a-zjj.c", "admin", "system"],
    );
    w.ok("cty-a.c", "2026-03-22", rv);
    denied(
        &mut w,
        "2026-03-23",
        Command::RereviewRequest { reason: None },
        &["cty-a.c", "cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    w.ok(
        "city.c",
        "2026-03-23",
        Command::RereviewRequest { reason: None },
    );
    let hearing = Command::Hearing {
        start: d("2026-03-25"),
        end: d("2026-03-26"),
    };
    denied(
        &mut w,
        "2026-03-24",
        hearing,
        &["cty-a.c", "prov.c", "admin", "system"],
    );
    let rr = Command::RereviewOpinion {
        outcome: ReviewOutcome::Upheld,
        text: "t".into(),
    };
    denied(
        &mut w,
        "2026-03-24",
        rr.clone(),
        &["cty-a.c", "prov.c", "admin", "system"],
    );
    w.ok("city.c", "2026-03-24", rr);
    // Evaluation may be recorded by any clerk, but not invented by the system.
    denied(
        &mut w,
        "2026-03-25",
        Command::Evaluate {
            handling: Satisfaction::Satisfied,
            office: None,
        },
        &["system"],
    );
}

#[test]
fn error_messages_never_contain_personal_data() {
    // Issue 8 §6: no personal data in error messages (they end up in logs).
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.petitioners[0].id_number = Some("110105194912310021".into());
    r.petitioners[0].phone = Some("13812345678x".into());
    let cmd = Step::Register {
        registration: Box::new(r.clone()),
        query_code: crate::ids::CodeRecord::Clear(QueryCode::from_random([0; 8])),
    };
    let e = w.run("cty-a-xfj.c", "2026-03-02", cmd).expect_err("bad id");
    for secret in ["110105194912310021", "13812345678", "王某", "某镇某村"] {
        assert!(
            !e.text().en.contains(secret) && !e.text().zh.contains(secret),
            "{secret} in {e:?}"
        );
    }
    r.petitioners[0].id_number = None;
    let cmd = Step::Register {
        registration: Box::new(r),
        query_code: crate::ids::CodeRecord::Clear(QueryCode::from_random([0; 8])),
    };
    let e = w
        .run("cty-a-xfj.c", "2026-03-02", cmd)
        .expect_err("bad phone");
    assert!(!e.text().en.contains("13812345678") && !e.text().zh.contains("13812345678"));
}
