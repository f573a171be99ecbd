//! Checks of the chain: tick, merge, the access log, round trips, kept data and the change feed.

use crate::audit::Entry;
use crate::case::{CaseState, Command};
use crate::example::{registration, setup, staff, unit};
use crate::ids::CaseId;
use crate::interchange::{export_jsonl, import_jsonl};
use crate::service::Service;
use crate::store::{Store, Txn};

use super::*;

pub(super) fn tick_once<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    three(&mut svc);
    let first = ok(svc.tick(at("2026-05-05")), "tick");
    assert!(first.supervisions_opened >= 1, "{first:?}");
    let again = ok(svc.tick(at("2026-05-05")), "tick");
    assert_eq!(
        again.events, 0,
        "a second tick at the same time does nothing"
    );
    let earlier = ok(svc.tick(at("2026-03-06")), "tick");
    assert_eq!(earlier.events, 0, "nothing is due earlier");
    clean(&mut svc);
}

pub(super) fn merge<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let (id, _, c3) = three(&mut svc);
    let into = id.clone();
    let merged = run(&mut svc, "li", "2026-03-06", &c3, Command::Merge { into });
    assert_eq!(merged.merged_into, Some(id.clone()));
    assert_eq!(ok(svc.load(&id), "load").0.absorbed, vec![c3]);
    let c4 = register(&mut svc, "2026-03-06").id;
    let before = entries(&mut svc);
    let into = CaseId::new(2026, 77);
    let e = svc.execute_by(&staff("li"), at("2026-03-06"), &c4, Command::Merge { into });
    assert_eq!(code(e), Err("not_found"));
    assert_eq!(ok(svc.load(&c4), "load").1.len(), 1, "neither case changed");
    assert_eq!(entries(&mut svc), before);
    let all = ok(svc.read(|w| w.case_ids(None, usize::MAX)), "ids");
    assert_eq!(all.last(), Some(&c4));
    assert_eq!(ok(svc.read(|w| w.case_count()), "count"), all.len() as u64);
    clean(&mut svc);
}

pub(super) fn access_log<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let wang = ok(svc.read(|w| w.staff(&staff("wang"))), "staff");
    let admin = ok(svc.read(|w| w.staff(&staff("admin"))), "admin");
    ok(
        svc.work(|w| w.disclose(&wang, Some(&id), "show", at("2026-03-04"))),
        "log",
    );
    ok(
        svc.work(|w| w.disclose(&admin, None, "export", at("2026-03-04"))),
        "log",
    );
    let admin_p = ok(svc.principal(&staff("admin")), "admin");
    let log = ok(
        svc.read(|w| w.access_log(&admin_p, None, None, 0, 10)),
        "access log",
    );
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].pos, log[0].disclosure.case.as_ref()),
        (1, Some(&id))
    );
    assert_eq!(log[1].pos, 2);
    let report = ok(svc.verify(&[]), "verify");
    assert_eq!(report.access_log, 2, "verify walks the access log");
    assert_eq!(report.problem, None);
}

/// A copy of `svc` on a fresh store, through an admin's full jsonl export on `day` and the
/// rule-checked import.
pub(super) fn copied<S: Store>(
    svc: &mut Service<S>,
    fresh: &mut dyn FnMut() -> S,
    day: &str,
) -> Service<S> {
    let admin = ok(svc.principal(&staff("admin")), "admin");
    let mut file = Vec::new();
    ok(
        export_jsonl(svc, &mut file, &admin, true, at(day)),
        "export",
    );
    let mut copy = Service::with_seed(fresh(), 2);
    ok(
        import_jsonl(&mut copy, &mut file.as_slice(), &mut |_| {}),
        "import",
    );
    copy
}

pub(super) fn round_trip<S: Store>(mut svc: Service<S>, fresh: &mut dyn FnMut() -> S) {
    let (id, _, c3) = three(&mut svc);
    run(
        &mut svc,
        "li",
        "2026-03-06",
        &c3,
        Command::Merge { into: id.clone() },
    );
    ok(svc.tick(at("2026-05-05")), "tick");
    let mut copy = copied(&mut svc, fresh, "2026-05-06");
    let (a, b) = (
        ok(svc.verify(&[]), "verify"),
        ok(copy.verify(&[]), "verify"),
    );
    assert_eq!(a.head, b.head, "the same head hash");
    assert_eq!(b.problem, None);
    assert_eq!(
        ok(svc.load(&id), "load").0,
        ok(copy.load(&id), "load").0,
        "the same case"
    );
}

/// A service that keeps the settings and recent cases between transactions
/// ([`Txn::settings_version`], [`Txn::case_seq`]) reads them again after every change.
pub(super) fn kept_follow_changes<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    setup(&mut svc);
    svc.share_cases(std::sync::Arc::new(crate::service::CaseCache::new(8)));
    let id = ok(
        svc.register_by(
            &staff("li"),
            at("2026-03-02"),
            registration(at("2026-03-02")),
        ),
        "register",
    )
    .id;
    let read = |svc: &mut Service<S>| ok(svc.read(|w| w.case(&id)), "read").expect("the case");
    assert_eq!(read(&mut svc).state, CaseState::Registered);
    assert_eq!(read(&mut svc).state, CaseState::Registered, "read twice");
    // Shown whole (the case and its events), twice: the same both times.
    let shown = ok(svc.load(&id), "load");
    assert_eq!((shown.0.seq, shown.1.len()), (1, 1));
    assert_eq!(ok(svc.load(&id), "load"), shown, "shown twice");
    let to = unit("county-zjj");
    ok(
        svc.execute_by(
            &staff("li"),
            at("2026-03-02"),
            &id,
            Command::Transfer { to, note: None },
        ),
        "transfer",
    );
    let now = read(&mut svc);
    assert_eq!(
        (now.state, now.seq),
        (CaseState::Routed, 2),
        "the case after a change"
    );
    let (case, events) = ok(svc.load(&id), "load");
    assert_eq!(
        (case.state, events.len()),
        (CaseState::Routed, 2),
        "the case shown whole after a change, with its new event"
    );
    let seq = ok(svc.read(|w| w.txn()?.case_seq(&id)), "case_seq");
    assert!(
        seq.is_none() || seq == Some(2),
        "case_seq says the last event's number (or nothing): {seq:?}"
    );
    let before = ok(svc.read(|w| Ok(w.policy().handling_days)), "policy");
    ok(
        svc.admin_by(
            &staff("admin"),
            at("2026-03-02"),
            crate::service::AdminChange::SetPolicy {
                key: "handling_days".into(),
                value: (before - 1).to_string(),
            },
        ),
        "policy set",
    );
    assert_eq!(
        ok(svc.read(|w| Ok(w.policy().handling_days)), "policy"),
        before - 1,
        "the policy after a change"
    );
}

pub(super) fn change_feed<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let total = entries(&mut svc);
    let mut seen = Vec::new();
    let mut after = 0;
    let admin = ok(svc.principal(&staff("admin")), "admin");
    loop {
        let page = ok(
            svc.changes_after(&admin, at("2026-03-04"), after, 3),
            "changes",
        );
        let Some(last) = page.last() else { break };
        after = last.position;
        seen.extend(page);
    }
    assert_eq!(seen.len() as u64, total, "every entry once");
    assert!(seen.windows(2).all(|p| p[1].position == p[0].position + 1));
    let events = seen
        .iter()
        .filter(|c| matches!(&c.entry, Entry::Case(e) if e.case == id))
        .count();
    assert_eq!(events, 3, "the case's three events, typed");
}
