//! The contract other systems build on: an idempotency key kept by its command's own
//! transaction, external references unique per system, and list pages whose totals count what
//! the reader may read and nothing else.

use crate::case::{Command, ExternalRef, Purpose};
use crate::error::Refusal;
use crate::example::{principal, registration, setup, unit};
use crate::idempotency::{IdempotencyKey, KeyClaim, Remembered};
use crate::service::Service;
use crate::store::{CaseQuery, Store};

fn claim(svc: &mut Service<impl Store>, key: &str, digest: u8) -> KeyClaim {
    KeyClaim {
        staff: principal(svc, "li").staff_id().clone(),
        key: IdempotencyKey::parse(key).expect("key"),
        digest: [digest; 32],
    }
}

/// A key is kept by the command's own transaction, replays its answer, refuses another
/// digest, and a refused command keeps nothing.
pub(super) fn keys<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let now = setup(&mut svc);
    let li = principal(&mut svc, "li");
    let k = claim(&mut svc, "hotline-1", 1);
    assert_eq!(svc.remembered(&li, &k).expect("read"), Remembered::Fresh);
    // A refused command (a registration with no petitioner) keeps nothing.
    svc.set_key_claim(Some(k.clone()));
    let mut bad = registration(now);
    bad.petitioners.clear();
    assert!(svc.register(&li, now, bad).is_err());
    assert_eq!(svc.remembered(&li, &k).expect("read"), Remembered::Fresh);
    // The command commits the claim with its events: before its answer is recorded, a retry
    // is told the command ran (and which case), never run again.
    let new = svc.register(&li, now, registration(now)).expect("register");
    let id = new.case.case.id.clone();
    assert_eq!(
        svc.remembered(&li, &k).expect("read"),
        Remembered::Unanswered {
            case: Some(id.clone())
        }
    );
    svc.answer_key(&li, &k, 201, "{\"case\":1}")
        .expect("answer");
    let replay = Remembered::Replay {
        status: 201,
        body: "{\"case\":1}".into(),
    };
    assert_eq!(svc.remembered(&li, &k).expect("read"), replay);
    let other_body = claim(&mut svc, "hotline-1", 2);
    assert_eq!(
        svc.remembered(&li, &other_body).expect("read"),
        Remembered::Mismatch
    );
    // Another staff member's key of the same name is another key; and nobody asks under
    // another's name.
    let wang = principal(&mut svc, "wang");
    let theirs = KeyClaim {
        staff: wang.staff_id().clone(),
        ..k.clone()
    };
    assert_eq!(
        svc.remembered(&wang, &theirs).expect("read"),
        Remembered::Fresh
    );
    assert!(svc.remembered(&wang, &k).is_err());
    // The claim was used up: the next command keeps no key.
    let other = svc.register(&li, now, registration(now)).expect("register");
    assert_ne!(other.case.case.id, id);
    assert_eq!(svc.remembered(&li, &k).expect("read"), replay);
}

/// A system's reference is registered once: the second registration is `conflict` naming the
/// first case to a reader who may read it; the list finds the case by it.
pub(super) fn references<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let now = setup(&mut svc);
    let li = principal(&mut svc, "li");
    let r = ExternalRef::parse("hotline-12345:T-0001").expect("ref");
    let mut reg = registration(now);
    reg.external_ref = Some(r.clone());
    let first = svc.register(&li, now, reg.clone()).expect("register");
    let id = first.case.case.id.clone();
    let e = svc
        .register(&li, now, reg.clone())
        .expect_err("a second time");
    assert_eq!(e.code(), "conflict");
    assert_eq!(
        e.refusal(),
        Some(&Refusal::DuplicateReference {
            system: r.system.clone(),
            id: r.id.clone(),
            existing: Some(id.clone()),
        })
    );
    // Another system's same id is another reference.
    let mut other = reg.clone();
    other.external_ref = Some(ExternalRef::parse("provincial:T-0001").expect("ref"));
    svc.register(&li, now, other).expect("another system");
    let q = CaseQuery {
        external_ref: Some(r.clone()),
        ..Default::default()
    };
    let found = svc.list(&li, &q).expect("list");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].case.id, id);
    // A reader who may not read the case finds nothing by its reference.
    let wang = principal(&mut svc, "wang");
    assert!(svc.list(&wang, &q).expect("list").is_empty());
}

/// List pages: the total counts every case the reader may read and no other, and the next
/// page starts where this one ended.
pub(super) fn pages<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let now = setup(&mut svc);
    let li = principal(&mut svc, "li");
    for _ in 0..5 {
        svc.register(&li, now, registration(now)).expect("register");
    }
    // An accusation against the housing bureau.
    let mut accusation = registration(now);
    accusation.purpose = Purpose::Accusation;
    accusation.accused_unit = Some(unit("county-zjj"));
    svc.register(&li, now, accusation).expect("accusation");
    let q = |offset| CaseQuery {
        limit: 4,
        offset,
        ..CaseQuery::default()
    };
    let first = svc.list_page(&li, &q(0)).expect("page");
    assert_eq!(
        (first.cases.len(), first.total, first.next),
        (4, 6, Some(4))
    );
    let second = svc.list_page(&li, &q(4)).expect("page");
    assert_eq!(
        (second.cases.len(), second.total, second.next),
        (2, 6, None)
    );
    let mut seen: Vec<_> = first
        .cases
        .iter()
        .chain(&second.cases)
        .map(|b| b.case.id.clone())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "every case once");
    // The housing bureau's clerk: nothing was routed to it, so it reaches none of them, and
    // the accusation against it is not counted either.
    let wang = principal(&mut svc, "wang");
    let theirs = svc.list_page(&wang, &q(0)).expect("page");
    assert_eq!((theirs.cases.len(), theirs.total), (0, 0));
    // An admin reads every case, masked, and counts them all.
    let admin = principal(&mut svc, "admin");
    let all = svc.list_page(&admin, &q(0)).expect("page");
    assert_eq!(all.total, 6);
}

/// A unit reaching an accusation against itself neither lists nor counts it.
pub(super) fn accused_uncounted<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let now = setup(&mut svc);
    let li = principal(&mut svc, "li");
    // Two cases about the township, one of them accusing the township government.
    let plain = svc
        .register(&li, now, registration(now))
        .expect("register")
        .case
        .case
        .id;
    let mut accusation = registration(now);
    accusation.purpose = Purpose::Accusation;
    accusation.accused_unit = Some(unit("town"));
    svc.register(&li, now, accusation).expect("accusation");
    svc.execute(
        &li,
        now,
        &plain,
        Command::Transfer {
            to: unit("town"),
            note: None,
        },
    )
    .expect("transfer");
    let sun = principal(&mut svc, "sun");
    let page = svc.list_page(&sun, &CaseQuery::default()).expect("page");
    let ids: Vec<_> = page.cases.iter().map(|b| b.case.id.clone()).collect();
    assert_eq!(ids, vec![plain]);
    assert_eq!(
        page.total, 1,
        "the accusation in its locality is not counted"
    );
}

/// A case corrected into an accusation against the unit that holds it leaves that unit at once,
/// on every read: show, list and its total, the queue and its total, search; and comes back to
/// the registering unit's queue.
pub(super) fn accused_by_amendment<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let now = setup(&mut svc);
    let li = principal(&mut svc, "li");
    let mut reg = registration(now);
    reg.summary = "村道硬化工程质量".into();
    let id = svc.register(&li, now, reg).expect("register").case.case.id;
    svc.execute(
        &li,
        now,
        &id,
        Command::Transfer {
            to: unit("town"),
            note: None,
        },
    )
    .expect("transfer");
    let sun = principal(&mut svc, "sun");
    let seen = |svc: &mut Service<S>| {
        let shown = svc
            .show(&sun, now, &id, crate::principal::Reveal::Masked)
            .is_ok();
        let page = svc.list_page(&sun, &CaseQuery::default()).expect("list");
        let (queue, queued, _) = svc.read(|w| w.queue_page(&sun, 50, 0)).expect("queue");
        let needle = crate::search::Needle::parse("硬化").expect("needle");
        let found = svc.search(&sun, &needle, 50).expect("search").len();
        (
            shown,
            page.cases.len(),
            page.total,
            queue.len(),
            queued,
            found,
        )
    };
    assert_eq!(
        seen(&mut svc),
        (true, 1, 1, 1, 1, 1),
        "the town holds the case"
    );
    svc.execute(
        &li,
        now,
        &id,
        Command::Amend {
            field: crate::case::AmendField::AccusedUnit,
            value: "town".into(),
            reason: "来信实为反映镇政府".into(),
        },
    )
    .expect("amend");
    assert_eq!(
        seen(&mut svc),
        (false, 0, 0, 0, 0, 0),
        "gone from the town at once"
    );
    let (queue, _, _) = svc.read(|w| w.queue_page(&li, 50, 0)).expect("queue");
    assert!(
        queue
            .iter()
            .any(|(b, _)| b.case.id == id && b.case.state.as_str() == "registered"),
        "back in the registering office's queue"
    );
}

/// A registration voided as made in error (作废) stays readable by id but counts nowhere: not as
/// registered, not as a repeat, and no later case is a repeat of it.
pub(super) fn voided_uncounted<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let now = setup(&mut svc);
    let li = principal(&mut svc, "li");
    let first = svc
        .register(&li, now, registration(now))
        .expect("register")
        .case
        .case;
    // The same petitioner and matter again: a repeat of the first (a retried interface call).
    let later = now + chrono::Duration::days(1);
    let twin = svc
        .register(&li, later, registration(later))
        .expect("register")
        .case
        .case;
    let stored = |svc: &mut Service<S>, id: &crate::CaseId| {
        svc.read(|w| w.case(id)).expect("read").expect("case")
    };
    assert_eq!(
        stored(&mut svc, &twin.id).repeat_of.as_ref(),
        Some(&first.id)
    );
    let day = now.date_naive();
    let counted = |svc: &mut Service<S>| {
        let groups = svc
            .stats(
                day,
                day + chrono::Days::new(2),
                now,
                crate::stats::GroupBy::Unit,
                None,
            )
            .expect("stats");
        groups
            .iter()
            .map(|g| (g.counts.registered, g.counts.repeats))
            .fold((0, 0), |(a, b), (r, p)| (a + r, b + p))
    };
    assert_eq!(counted(&mut svc), (2, 1));
    // An original that is unknown (or hidden) answers as unknown; nothing is written.
    let void = |duplicate_of| Command::Void {
        reason: "接口重试产生的重复登记".into(),
        duplicate_of,
    };
    let unknown = crate::CaseId::new(2026, 999_999);
    let err = svc
        .execute(&li, later, &twin.id, void(Some(unknown)))
        .expect_err("unknown original");
    assert_eq!(err.code(), "not_found");
    svc.execute(&li, later, &twin.id, void(Some(first.id.clone())))
        .expect("void");
    assert_eq!(counted(&mut svc), (1, 0), "the voided twin counts nowhere");
    // Still shown by its id, as voided; a later registration repeats the first, not the twin.
    let shown = svc
        .show(&li, later, &twin.id, crate::principal::Reveal::Masked)
        .expect("show");
    assert_eq!(shown.case.state.as_str(), "voided");
    let latest = now + chrono::Duration::days(2);
    let third = svc
        .register(&li, latest, registration(latest))
        .expect("register")
        .case
        .case;
    let third = stored(&mut svc, &third.id);
    assert_eq!(third.repeat_of.as_ref(), Some(&first.id));
    assert!(!third.related.contains(&twin.id));
    // Naming a voided registration as the original is refused.
    let err = svc
        .execute(&li, latest, &third.id, void(Some(twin.id.clone())))
        .expect_err("voided original");
    assert_eq!(err.code(), "validation");
    assert_eq!(counted(&mut svc), (2, 1));
}
