//! Rules of the lifecycle: service (送达) of a written notice and the windows counted from it.

use super::*;

fn served(notice: ServedNotice, on: &str) -> Command {
    Command::Served {
        notice,
        on: d(on),
        how: ServiceMethod::Post,
        note: Some("挂号信回执 XA123".into()),
    }
}

#[test]
fn the_review_window_counts_from_the_day_the_answer_was_received() {
    // Answered 03-20: until service is recorded the windows count from the issue date (review
    // request by 04-20). Received by post on 03-27: 30 days from then is Sunday 04-26 → 04-27.
    let mut w = World::answered();
    assert_eq!(w.clock(ClockKind::ReviewWindow).served_on, None);
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-03-30",
        served(ServedNotice::Opinion, "2026-03-27"),
    );
    assert_eq!(types(&evs), ["served"]);
    for kind in [ClockKind::ReviewWindow, ClockKind::Evaluation] {
        let c = w.clock(kind);
        assert_eq!(c.due, d("2026-04-27"), "{kind:?}");
        assert_eq!(c.served_on, Some(d("2026-03-27")));
        assert_eq!(c.started, d("2026-03-20"), "the start stays the issue date");
    }
    assert_eq!(w.case.services.len(), 1);
    assert_eq!(w.case.services[0].how, ServiceMethod::Post);
    // The time-driven work leaves the window open after the issue-date limit...
    let evs = w.ok("system", "2026-04-22", Step::Tick);
    assert!(types(&evs).is_empty(), "{:?}", types(&evs));
    // ...and the request made on 04-24 is within it (without service it is window_lapsed).
    let mut unserved = World::answered();
    let r = unserved.run(
        "city-zjj.c",
        "2026-04-24",
        Command::ReviewRequest { reason: None },
    );
    assert_eq!(code(r), "window_lapsed");
    w.ok(
        "city-zjj.c",
        "2026-04-24",
        Command::ReviewRequest { reason: None },
    );
    assert_eq!(w.case.state, CaseState::UnderReview);
}

#[test]
fn the_rereview_window_counts_from_the_review_decisions_receipt() {
    let mut w = World::answered();
    // Rules 5: the review request stops the first answer's evaluation.
    w.policy.rules = 5;
    w.ok(
        "city-zjj.c",
        "2026-03-25",
        Command::ReviewRequest { reason: None },
    );
    w.ok(
        "city-zjj.c",
        "2026-04-10",
        Command::ReviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "维持原处理意见".into(),
        },
    );
    // The opinion's evaluation was superseded; the review's windows are the ones re-dated.
    let evs = w.ok(
        "city-zjj.c",
        "2026-04-20",
        served(ServedNotice::Review, "2026-04-15"),
    );
    let EventKind::Served { windows, .. } = &evs[0].kind else {
        panic!("served")
    };
    assert_eq!(windows.len(), 2, "re-review window and evaluation");
    assert_eq!(w.clock(ClockKind::RereviewWindow).due, d("2026-05-15"));
    // The first answer's service may still be recorded: its windows are closed, it re-dates
    // nothing.
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-04-20",
        served(ServedNotice::Opinion, "2026-03-27"),
    );
    let EventKind::Served { windows, .. } = &evs[0].kind else {
        panic!("served")
    };
    assert!(windows.is_empty());
}

#[test]
fn a_service_is_refused_when_wrong_and_changes_nothing() {
    let mut w = World::answered();
    let before = w.case.clone();
    let cases = [
        // Before the notice was issued, or not yet received.
        (
            "cty-a-zjj.c",
            served(ServedNotice::Opinion, "2026-03-19"),
            "validation",
        ),
        (
            "cty-a-zjj.c",
            served(ServedNotice::Opinion, "2026-03-31"),
            "validation",
        ),
        // A notice the case does not have.
        (
            "cty-a-zjj.c",
            served(ServedNotice::Review, "2026-03-25"),
            "invalid_transition",
        ),
        (
            "cty-a-zjj.c",
            served(ServedNotice::Decline, "2026-03-25"),
            "invalid_transition",
        ),
        // Neither the issuing nor the registering unit.
        (
            "town-a.c",
            served(ServedNotice::Opinion, "2026-03-25"),
            "permission_denied",
        ),
    ];
    for (actor, cmd, want) in cases {
        assert_eq!(code(w.run(actor, "2026-03-30", cmd)), want);
    }
    assert_eq!(w.case, before, "a refusal changes nothing");
    // The registering unit records it (the counter hands the answer over); once only.
    w.ok(
        "cty-a-xfj.c",
        "2026-03-30",
        served(ServedNotice::Opinion, "2026-03-30"),
    );
    let r = w.run(
        "cty-a-zjj.c",
        "2026-03-31",
        served(ServedNotice::Opinion, "2026-03-31"),
    );
    assert_eq!(code(r), "invalid_transition");
}

#[test]
fn a_window_already_closed_is_not_reopened_by_a_late_record() {
    // The window lapsed from the issue date and the case closed: the service recorded later is
    // kept as a fact but reopens nothing.
    let mut w = World::answered();
    w.ok("system", "2026-04-21", Step::Tick);
    assert_eq!(w.case.state, CaseState::Closed);
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-04-22",
        served(ServedNotice::Opinion, "2026-03-27"),
    );
    let EventKind::Served { windows, .. } = &evs[0].kind else {
        panic!("served")
    };
    assert!(windows.is_empty());
    assert_eq!(w.case.state, CaseState::Closed);
}

fn note(text: &str, at: Option<&str>) -> Command {
    Command::Note {
        kind: NoteKind::Callback,
        text: text.into(),
        at: at.map(super::at),
    }
}

#[test]
fn a_note_is_written_in_any_state_when_it_happened_and_masked_readers_see_no_text() {
    let mut w = World::answered();
    w.ok("system", "2026-04-21", Step::Tick);
    assert_eq!(w.case.state, CaseState::Closed);
    // A callback after the case closed, written down the next day.
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-04-23",
        note("回访：信访人表示满意", Some("2026-04-22")),
    );
    let EventKind::Noted { happened, text, .. } = &evs[0].kind else {
        panic!("noted")
    };
    assert_eq!(*happened, super::at("2026-04-22"));
    assert_eq!(text, "回访：信访人表示满意");
    let before = w.case.clone();
    for (cmd, want) in [
        (note("x", Some("2026-04-24")), "validation"),
        (note("x", Some("2026-03-01")), "validation"),
        (note("  ", None), "validation"),
    ] {
        assert_eq!(code(w.run("cty-a-xfj.c", "2026-04-23", cmd)), want);
    }
    assert_eq!(w.case, before, "a refusal changes nothing");
    // A masked reader sees the kind and the time, not the text.
    let mut masked = evs[0].clone();
    crate::view::mask_event(&mut masked);
    let EventKind::Noted { text, kind, .. } = &masked.kind else {
        panic!("noted")
    };
    assert_eq!(
        (text.as_str(), *kind),
        (crate::view::WITHHELD, NoteKind::Callback)
    );
}

#[test]
fn a_refusal_to_accept_is_served_no_earlier_than_it_was_issued() {
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-05",
        Command::Decline {
            ground: DeclineGround::OutOfScope,
            notice: "请向有关部门反映".into(),
        },
    );
    // Registered 03-02, declined 03-05: a receipt on 03-04 is before the notice existed.
    let r = w.run(
        "cty-a-xfj.c",
        "2026-03-09",
        served(ServedNotice::Decline, "2026-03-04"),
    );
    assert_eq!(code(r), "validation");
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-09",
        served(ServedNotice::Decline, "2026-03-06"),
    );
    assert_eq!(types(&evs), ["served"]);
}
