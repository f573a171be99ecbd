//! Rules of the lifecycle: opinion, review, re-review.

use super::*;

#[test]
fn opinion_stops_handling_and_starts_review_window_and_evaluation() {
    let w = World::answered();
    assert_eq!(w.case.state, CaseState::OpinionIssued);
    assert_eq!(w.case.outcome, Some(Outcome::Supported));
    assert_eq!(w.clock(ClockKind::Handling).met(), Some(true));
    assert_eq!(
        w.clock(ClockKind::ReviewWindow).due,
        d("2026-04-20"),
        "30 d from 03-20 is Sunday 04-19 → Monday"
    );
    assert!(w.clock(ClockKind::Evaluation).is_open());
}

#[test]
fn opinion_by_a_unit_that_is_not_lead_is_permission_denied() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-20", opinion())),
        "permission_denied"
    );
}

#[test]
fn review_request_is_registered_by_the_reviewer_within_30_days() {
    // 2005 Art 34: reviewer of the lead = parent (cty-a) or line superior (city-zjj)
    let mut w = World::answered();
    assert_eq!(
        code(w.run(
            "town-a.c",
            "2026-03-25",
            Command::ReviewRequest { reason: None }
        )),
        "permission_denied"
    );
    let evs = w.ok(
        "city-zjj.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    assert_eq!(types(&evs), ["review_requested"]);
    assert_eq!(w.case.state, CaseState::UnderReview);
    assert_eq!(w.case.holder, Some(u("city-zjj")));
    assert_eq!(w.clock(ClockKind::Review).due, d("2026-04-24"));
}

#[test]
fn review_request_after_the_window_is_window_lapsed() {
    let mut w = World::answered();
    assert_eq!(
        code(w.run(
            "cty-a.c",
            "2026-04-21",
            Command::ReviewRequest { reason: None }
        )),
        "window_lapsed"
    );
    w.ok(
        "cty-a.c",
        "2026-04-20",
        Command::ReviewRequest { reason: None },
    );
}

#[test]
fn review_opinion_then_rereview_with_hearing_then_conclusion() {
    // 2005 Art 34–35; the hearing's days, both ends counted, move the re-review due date.
    let mut w = World::answered();
    w.ok(
        "cty-a.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    let rv = Command::ReviewOpinion {
        outcome: ReviewOutcome::Upheld,
        text: "维持".into(),
    };
    assert_eq!(
        code(w.run("city-zjj.c", "2026-04-10", rv.clone())),
        "permission_denied"
    );
    w.ok("cty-a.c", "2026-04-10", rv);
    assert_eq!(w.case.state, CaseState::ReviewIssued);
    assert_eq!(w.case.answered_by, Some(u("cty-a")));
    // Re-review by the reviewer of cty-a: its parent, the city.
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-04-15",
            Command::RereviewRequest { reason: None }
        )),
        "permission_denied"
    );
    w.ok(
        "city.c",
        "2026-04-15",
        Command::RereviewRequest { reason: None },
    );
    assert_eq!(w.case.state, CaseState::UnderRereview);
    assert_eq!(w.clock(ClockKind::Rereview).due, d("2026-05-15"));
    let evs = w.ok(
        "city.c",
        "2026-04-20",
        Command::Hearing {
            start: d("2026-04-27"),
            end: d("2026-04-29"),
        },
    );
    assert_eq!(types(&evs), ["hearing_held"]);
    assert_eq!(
        w.clock(ClockKind::Rereview).due,
        d("2026-05-18"),
        "15 May + 3 days = Monday 18 May"
    );
    assert_eq!(
        code(w.run(
            "city.c",
            "2026-04-20",
            Command::Hearing {
                start: d("2026-04-29"),
                end: d("2026-04-27")
            }
        )),
        "validation"
    );
    let evs = w.ok(
        "city.c",
        "2026-05-10",
        Command::RereviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "复核维持".into(),
        },
    );
    assert_eq!(types(&evs), ["rereview_issued"]);
    assert_eq!(w.case.state, CaseState::Concluded);
    assert_eq!(w.clock(ClockKind::Rereview).met(), Some(true));
}

#[test]
fn rereview_request_after_its_window_is_window_lapsed() {
    let mut w = World::answered();
    w.ok(
        "cty-a.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    w.ok(
        "cty-a.c",
        "2026-04-01",
        Command::ReviewOpinion {
            outcome: ReviewOutcome::Revised,
            text: "变更".into(),
        },
    );
    assert_eq!(
        code(w.run(
            "city.c",
            "2026-05-04",
            Command::RereviewRequest { reason: None }
        )),
        "window_lapsed"
    );
}

#[test]
fn review_and_rereview_requests_record_the_petitioners_grounds() {
    let mut w = World::answered();
    let blank = Command::ReviewRequest {
        reason: Some("  ".into()),
    };
    assert_eq!(code(w.run("cty-a.c", "2026-03-25", blank)), "validation");
    let evs = w.ok(
        "cty-a.c",
        "2026-03-25",
        Command::ReviewRequest {
            reason: Some(" 补偿标准计算有误 ".into()),
        },
    );
    assert!(matches!(
        &evs[0].kind,
        EventKind::ReviewRequested { reason: Some(r), .. } if r == "补偿标准计算有误"
    ));
    w.ok(
        "cty-a.c",
        "2026-03-30",
        Command::ReviewOpinion {
            outcome: crate::case::ReviewOutcome::Upheld,
            text: "维持".into(),
        },
    );
    let evs = w.ok(
        "city.c",
        "2026-04-02",
        Command::RereviewRequest {
            reason: Some("复查未核实现场情况".into()),
        },
    );
    assert!(matches!(
        &evs[0].kind,
        EventKind::RereviewRequested { reason: Some(r), .. } if r == "复查未核实现场情况"
    ));
    // Without grounds the event is as before (no `reason` member).
    let mut w = World::answered();
    let evs = w.ok(
        "cty-a.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    let json = serde_json::to_value(&evs[0]).expect("json");
    assert!(json.get("reason").is_none(), "{json}");
}

#[test]
fn an_answer_put_under_review_is_no_longer_rated_nor_counted_as_an_evaluation_lapsed() {
    // Rules 5: the review request stops the first answer's evaluation window without lapsing it;
    // the tick long after finds nothing to lapse. Likewise the review answer's window at the
    // re-review request.
    let mut w = World::answered();
    w.policy.rules = 5;
    let first = w.clock(ClockKind::Evaluation).index;
    let evs = w.ok(
        "cty-a.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    assert!(matches!(
        &evs[0].kind,
        EventKind::ReviewRequested { superseded: Some(i), .. } if *i == first
    ));
    let c = &w.case.clocks[first as usize];
    assert!(!c.is_open() && !c.lapsed, "{c:?}");
    let r = w.run(
        "cty-a-xfj.c",
        "2026-03-26",
        Command::Evaluate {
            handling: Satisfaction::Dissatisfied,
            office: None,
        },
    );
    assert_ne!(code(r), "ok", "the first answer can no longer be rated");
    let evs = w.ok("system", "2026-12-31", Step::Tick);
    assert!(
        !types(&evs).contains(&"evaluation_lapsed"),
        "{:?}",
        types(&evs)
    );
    // Under rules 4 (databases made before) the window stays open and lapses as it did.
    let mut old = World::answered();
    old.policy.rules = 4;
    old.ok(
        "cty-a.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    assert!(old.clock(ClockKind::Evaluation).is_open());
    let evs = old.ok("system", "2026-12-31", Step::Tick);
    assert!(
        types(&evs).contains(&"evaluation_lapsed"),
        "{:?}",
        types(&evs)
    );
}

#[test]
fn the_petition_office_of_a_reviewing_bodys_territory_records_a_review_request_for_it() {
    // The county 住建局 answered; its reviewing bodies are the county government (parent) and
    // the city 住建局 (line superior). The county petition office receives the petitioner at the
    // counter and records the request for the county government, which then holds and answers.
    let mut w = World::answered();
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    assert!(matches!(
        &evs[0].kind,
        EventKind::ReviewRequested { body: Some(b), .. } if b == &u("cty-a")
    ));
    assert_eq!(
        (w.case.reviewer.clone(), w.case.holder.clone()),
        (Some(u("cty-a")), Some(u("cty-a")))
    );
    assert_eq!(w.clock(ClockKind::Review).unit, u("cty-a"));
    // The office does not answer it: the body does.
    let opinion = Command::ReviewOpinion {
        outcome: ReviewOutcome::Upheld,
        text: "维持".into(),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-04-10", opinion.clone())),
        "permission_denied"
    );
    w.ok("cty-a.c", "2026-04-10", opinion);
    // The city petition office records for the city 住建局, the other reviewing body.
    let mut w = World::answered();
    w.ok(
        "city-xfj.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    assert_eq!(w.case.reviewer, Some(u("city-zjj")));
    // Anyone else is refused, and the refusal names the bodies.
    let mut w = World::answered();
    let err = w
        .run(
            "town-a.c",
            "2026-03-25",
            Command::ReviewRequest { reason: None },
        )
        .expect_err("a township is no reviewing body");
    let text = err.to_string();
    assert!(
        text.contains("cty-a") && text.contains("city-zjj"),
        "{text}"
    );
}
