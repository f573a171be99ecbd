//! Checks of reading: queries, search, amendment and queues.

use chrono::NaiveDate;

use crate::case::{CaseState, Command};
use crate::example::{registration, setup, staff, unit};
use crate::ids::CaseId;
use crate::service::Service;
use crate::store::{CaseQuery, Order, Store, Txn};

use super::*;

/// The handled case and two letters registered on 03-05 (the second on another matter).
pub(super) fn three<S: Store>(svc: &mut Service<S>) -> (CaseId, CaseId, CaseId) {
    let id = handled(svc);
    let c2 = register(svc, "2026-03-05").id;
    let mut other = registration(at("2026-03-05"));
    other.category = "land.use".into();
    let c3 = ok(
        svc.register_by(&staff("li"), at("2026-03-05"), other),
        "third",
    )
    .id;
    (id, c2, c3)
}

pub(super) fn queries<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let (id, c2, c3) = three(&mut svc);
    let q = |f: &dyn Fn(&mut CaseQuery)| {
        let mut q = CaseQuery::default();
        f(&mut q);
        q
    };
    let mut run = |q: CaseQuery| ok(svc.query(&q), "query");
    assert_eq!(
        run(q(&|q| q.states = vec![CaseState::Handling])),
        vec![id.clone()]
    );
    assert_eq!(run(q(&|_| {})).len(), 3, "the default limit is not zero");
    assert_eq!(
        run(q(&|q| q.unit = Some(unit("county-zjj")))),
        vec![id.clone()]
    );
    assert_eq!(
        run(q(&|q| {
            q.overdue_on = Some(date("2026-03-21"));
            q.order = Order::Urgent;
        })),
        vec![c2.clone(), c3.clone()],
        "the intake clocks of 03-05 fall due on 03-20"
    );
    assert_eq!(run(q(&|q| q.petitioner = Some("赵".into()))).len(), 3);
    assert_eq!(
        run(q(&|q| {
            q.from = Some(date("2026-03-03"));
            q.to = Some(date("2026-03-05"));
        })),
        vec![c3.clone(), c2.clone()],
        "newest first"
    );
    assert_eq!(
        run(q(&|q| {
            q.limit = 1;
            q.offset = 1;
        })),
        vec![c2],
        "a page of one after one"
    );
}

pub(super) fn search<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    use crate::search::{Needle, SearchQuery};
    setup(&mut svc);
    let texts = [
        ("老旧小区房屋漏水", "钱小明", "13900001111", None),
        (
            "夜间施工噪声扰民",
            "孙丽",
            "13900002222",
            Some("11010519491231002X"),
        ),
        ("房屋征收安置未落实 Leak", "钱多", "13911112222", None),
    ];
    let mut ids = Vec::new();
    for (i, (summary, name, phone, id_number)) in texts.iter().enumerate() {
        let day = format!("2026-03-0{}", i + 2);
        let mut reg = registration(at(&day));
        reg.summary = summary.to_string();
        reg.petitioners[0].name = name.to_string();
        reg.petitioners[0].phone = Some(phone.to_string());
        reg.petitioners[0].id_number = id_number.map(str::to_string);
        ids.push(ok(svc.register_by(&staff("li"), at(&day), reg), "register").id);
    }
    let find = |svc: &mut Service<S>, who: &str, text: &str| -> Vec<CaseId> {
        let needle = ok(Needle::parse(text), "needle");
        ok(
            svc.read(|w| {
                let reader = w.principal(&staff(who))?;
                w.search(&reader, &needle, 10)
            }),
            "search",
        )
        .into_iter()
        .map(|b| b.case.id)
        .collect()
    };
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    assert_eq!(
        find(&mut svc, "li", "房"),
        vec![c.clone(), a.clone()],
        "one character, newest first"
    );
    assert_eq!(find(&mut svc, "li", "房屋漏水"), vec![a.clone()]);
    assert_eq!(
        find(&mut svc, "li", "房漏"),
        Vec::<CaseId>::new(),
        "characters in order, adjacent"
    );
    assert_eq!(
        find(&mut svc, "li", "LEA"),
        vec![c.clone()],
        "a word from its start, in any case"
    );
    assert_eq!(find(&mut svc, "li", "实 Lea"), vec![c.clone()]);
    assert_eq!(find(&mut svc, "li", "eak"), Vec::<CaseId>::new());
    assert_eq!(
        find(&mut svc, "li", "钱"),
        vec![c.clone(), a.clone()],
        "names"
    );
    assert_eq!(
        find(&mut svc, "li", "1111"),
        vec![a.clone()],
        "a phone's end"
    );
    assert_eq!(find(&mut svc, "li", "2222"), vec![c.clone(), b.clone()]);
    assert_eq!(
        find(&mut svc, "li", "002x"),
        vec![b.clone()],
        "an id number's end, x for X"
    );
    assert_eq!(
        find(&mut svc, "li", "0000"),
        Vec::<CaseId>::new(),
        "ends only"
    );
    // Longer ends tell numbers apart that their last four digits do not.
    assert_eq!(
        find(&mut svc, "li", "12222"),
        vec![c.clone()],
        "five digits"
    );
    assert_eq!(find(&mut svc, "li", "02222"), vec![b.clone()]);
    assert_eq!(
        find(&mut svc, "li", "13911112222"),
        vec![c.clone()],
        "a whole phone"
    );
    assert_eq!(
        find(&mut svc, "li", "11010519491231002x"),
        vec![b.clone()],
        "a whole id number"
    );
    assert_eq!(find(&mut svc, "li", "31002X"), vec![b.clone()]);
    assert_eq!(find(&mut svc, "li", "41002X"), Vec::<CaseId>::new());
    // A unit with no part in these cases finds none of them; an admin (masked) finds the text
    // and the visible end of a number, never a whole name.
    assert_eq!(find(&mut svc, "wang", "房"), Vec::<CaseId>::new());
    assert_eq!(find(&mut svc, "admin", "房"), vec![c.clone(), a.clone()]);
    assert_eq!(find(&mut svc, "admin", "钱小明"), Vec::<CaseId>::new());
    assert_eq!(find(&mut svc, "admin", "1111"), vec![a.clone()]);
    // The store pages by the cursor, newest first, and never returns fewer than match.
    let page = |svc: &mut Service<S>, before: Option<CaseId>| {
        let mut q = SearchQuery::new(ok(Needle::parse("房"), "needle"), 1, None, true);
        q.before = before;
        ok(svc.read(|w| w.txn()?.search(&q)), "store search")
    };
    let first = page(&mut svc, None);
    assert_eq!(first, vec![c.clone()]);
    assert_eq!(page(&mut svc, Some(c)), vec![a.clone()]);
    assert_eq!(page(&mut svc, Some(a)), Vec::<CaseId>::new());
    assert_eq!(ok(svc.verify(&[]), "verify").problem, None);
}

pub(super) fn amend<S: Store>(mut svc: Service<S>, fresh: &mut dyn FnMut() -> S) {
    use crate::case::AmendField as F;
    use crate::clock::ClockKind;
    setup(&mut svc);
    let first = register(&mut svc, "2026-03-02");
    let mut other = registration(at("2026-03-03"));
    other.summary = "夜间施工噪声扰民".into();
    other.petitioners[0] = crate::case::Petitioner::named("钱多").phone("13900001111");
    let second = ok(
        svc.register_by(&staff("li"), at("2026-03-03"), other),
        "second",
    );
    assert_eq!(second.repeat_of, None);
    let amend = |field: F, value: &str| Command::Amend {
        field,
        value: value.into(),
        reason: "登记时录入有误".into(),
    };
    // The right id number makes it a repeat of the earlier case of the same matter.
    let id = second.id.clone();
    let c = run(
        &mut svc,
        "li",
        "2026-03-03",
        &id,
        amend(F::IdNumber, "11010519491231002x"),
    );
    assert_eq!(c.repeat_of, Some(first.id.clone()));
    assert_eq!(c.related, vec![first.id.clone()]);
    let by_number = |svc: &mut Service<S>, n: &str| {
        let needle = ok(crate::search::Needle::parse(n), "needle");
        ok(
            svc.read(|w| {
                let li = w.principal(&staff("li"))?;
                w.search(&li, &needle, 10)
            }),
            "search",
        )
        .into_iter()
        .map(|b| b.case.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        by_number(&mut svc, "002X"),
        vec![id.clone(), first.id.clone()]
    );
    // The summary and the name: the search index and the name filter follow.
    run(
        &mut svc,
        "li",
        "2026-03-03",
        &id,
        amend(F::Summary, "楼上漏水"),
    );
    run(&mut svc, "li", "2026-03-03", &id, amend(F::Name, "钱小多"));
    assert_eq!(by_number(&mut svc, "噪声"), Vec::<CaseId>::new());
    assert_eq!(by_number(&mut svc, "楼上"), vec![id.clone()]);
    let named = CaseQuery {
        petitioner: Some("钱小多".into()),
        ..CaseQuery::default()
    };
    assert_eq!(ok(svc.query(&named), "query"), vec![id.clone()]);
    // Received earlier than registered: the intake limit counts from receipt.
    let c = run(
        &mut svc,
        "li",
        "2026-03-04",
        &id,
        amend(F::ReceivedAt, "2026-02-27T09:00:00+08:00"),
    );
    let intake = c.clocks.iter().find(|k| k.kind == ClockKind::Intake);
    assert_eq!(
        intake.map(|k| (k.started, k.due)),
        Some((date("2026-02-27"), date("2026-03-16"))),
        "02-27 + 15 days is Saturday 03-14, so Monday"
    );
    // Refusals change nothing.
    let before = ok(svc.load(&id), "load").0;
    for (who, cmd, code_) in [
        // The housing bureau has no part in the case: to it the case does not exist.
        ("wang", amend(F::Summary, "x"), "not_found"),
        // The township reads it (its locality) but did not register it.
        ("sun", amend(F::Summary, "x"), "permission_denied"),
        ("li", amend(F::Summary, " "), "validation"),
        ("li", amend(F::Summary, "楼上漏水"), "validation"),
        ("li", amend(F::IdNumber, "110105194912310021"), "validation"),
        ("li", amend(F::Locality, "nowhere"), "not_found"),
        (
            "li",
            amend(F::ReceivedAt, "2026-03-05T09:00:00+08:00"),
            "validation",
        ),
        (
            "li",
            Command::Amend {
                field: F::Summary,
                value: "x".into(),
                reason: "".into(),
            },
            "validation",
        ),
    ] {
        assert_eq!(
            code(svc.execute_by(&staff(who), at("2026-03-04"), &id, cmd)),
            Err(code_),
            "{who}"
        );
    }
    assert_eq!(ok(svc.load(&id), "load").0, before);
    // Once accepted it can no longer be corrected.
    run(
        &mut svc,
        "li",
        "2026-03-04",
        &id,
        Command::Transfer {
            to: unit("county-zjj"),
            note: None,
        },
    );
    run(
        &mut svc,
        "li",
        "2026-03-04",
        &id,
        amend(F::Category, "housing.leak"),
    );
    run(
        &mut svc,
        "wang",
        "2026-03-05",
        &id,
        Command::Accept { assist: vec![] },
    );
    assert_eq!(
        code(svc.execute_by(&staff("li"), at("2026-03-05"), &id, amend(F::Summary, "x"))),
        Err("invalid_transition")
    );
    assert_eq!(ok(svc.verify(&[]), "verify").problem, None);
    // The history imports: every amendment is decided again, to the same chain.
    let mut copy = copied(&mut svc, fresh, "2026-03-06");
    let (a, b) = (
        ok(svc.verify(&[]), "verify"),
        ok(copy.verify(&[]), "verify"),
    );
    assert_eq!((a.head, b.problem), (b.head, None));
    assert_eq!(ok(copy.load(&id), "load").0, ok(svc.load(&id), "load").0);
}

pub(super) fn queues<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let (id, c2, _) = three(&mut svc);
    let queue = ok(svc.queue_of(&unit("county-zjj"), 10), "queue");
    assert_eq!(
        queue,
        vec![(id, Some(date("2026-05-04")))],
        "03-03 + 60 days is Saturday 05-02, so Monday"
    );
    let town = unit("town");
    run(
        &mut svc,
        "li",
        "2026-03-05",
        &c2,
        Command::Transfer {
            to: town,
            note: None,
        },
    );
    let office = ok(svc.queue_of(&unit("county-xfj"), 10), "queue");
    assert!(
        office.iter().any(|(c, _)| c == &c2),
        "the first-contact unit follows a transfer until it is accepted"
    );
    run(
        &mut svc,
        "sun",
        "2026-03-06",
        &c2,
        Command::Accept { assist: vec![] },
    );
    let office = ok(svc.queue_of(&unit("county-xfj"), 10), "queue");
    assert!(
        !office.iter().any(|(c, _)| c == &c2),
        "and no longer once it is"
    );
    // A busy office (stores may walk its follow-ups by due date instead of sorting them all):
    // a short queue holds the most urgent, registered later but due sooner ones included.
    let mut routed = Vec::new();
    for day in ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"] {
        let id = register(&mut svc, day).id;
        run(
            &mut svc,
            "li",
            day,
            &id,
            Command::Transfer {
                to: unit("county-zjj"),
                note: None,
            },
        );
        routed.push(id);
    }
    let short = ok(svc.queue_of(&unit("county-xfj"), 2), "queue");
    let long = ok(svc.queue_of(&unit("county-xfj"), 100), "queue");
    assert_eq!(short.len(), 2);
    assert_eq!(
        short[..],
        long[..2],
        "the short queue is the long one's head"
    );
    let dates: Vec<_> = long
        .iter()
        .map(|(_, d)| d.unwrap_or(NaiveDate::MAX))
        .collect();
    let sorted = {
        let mut d = dates.clone();
        d.sort();
        d
    };
    assert_eq!(dates, sorted, "most urgent first");
    assert!(routed.iter().all(|id| long.iter().any(|(c, _)| c == id)));
}
