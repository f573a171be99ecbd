//! List pages: the total counts every case the reader may read and no other (an accusation is
//! never counted for the unit it accuses), and the next page starts where this one ended.

use crate::example::{principal, registration, setup, unit};
use crate::{CaseQuery, MemoryStore, Purpose, Service, Store};

fn pages(mut svc: Service<impl Store>) {
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
fn the_accused_unit_does_not_count_it(mut svc: Service<impl Store>) {
    use crate::Command;
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

#[test]
fn pages_and_totals_in_memory() {
    pages(Service::new(MemoryStore::new()));
    the_accused_unit_does_not_count_it(Service::new(MemoryStore::new()));
}

#[test]
fn pages_and_totals_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = |n: &str| {
        crate::store::AnyStore::Sqlite(
            crate::SqliteStore::open(&dir.path().join(n), true).expect("create"),
        )
    };
    pages(Service::new(open("a.db")));
    the_accused_unit_does_not_count_it(Service::new(open("b.db")));
}
