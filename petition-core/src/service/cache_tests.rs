//! What the service keeps between transactions (the settings, recent cases) never hides a change
//! made through another connection.

use super::*;
use crate::example::{registration, setup, staff, unit};
use crate::store::SqliteStore;

fn two_services() -> (
    tempfile::TempDir,
    Service<SqliteStore>,
    Service<SqliteStore>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.db");
    let mut a = Service::new(SqliteStore::open(&path, true).expect("open"));
    setup(&mut a);
    let b = Service::new(SqliteStore::open(&path, false).expect("open"));
    (dir, a, b)
}

/// The county office routes the case to the department, through service `b`.
fn transfer(b: &mut Service<SqliteStore>, now: DateTime<FixedOffset>, id: &CaseId) {
    b.execute_by(
        &staff("li"),
        now,
        id,
        Command::Transfer {
            to: unit("county-zjj"),
            note: None,
        },
    )
    .expect("transfer");
}

#[test]
fn a_cached_case_is_read_again_when_another_connection_changed_it() {
    let (_dir, mut a, mut b) = two_services();
    a.share_cases(Arc::new(CaseCache::new(16)));
    let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("time");
    let case = b
        .register_by(&staff("li"), now, registration(now))
        .expect("register");
    let li = a.principal(&staff("li")).expect("li");
    let first = a.read(|w| w.case(&case.id)).expect("read").expect("case");
    assert_eq!(first.state.as_str(), "registered");
    // Read twice: the second comes from the cache and is the same.
    assert_eq!(
        a.read(|w| w.case(&case.id)).expect("read"),
        Some(first.clone())
    );
    transfer(&mut b, now, &case.id);
    let after = a.read(|w| w.case(&case.id)).expect("read").expect("case");
    assert_eq!(
        after.state.as_str(),
        "routed",
        "the change made elsewhere is seen"
    );
    let queue = a.read(|w| w.queue(&li, 10)).expect("queue");
    assert!(queue
        .iter()
        .any(|(c, _)| c.case.id == case.id && c.case.state.as_str() == "routed"));
}

#[test]
fn a_case_shown_whole_is_kept_with_its_events_only_at_the_stores_number() {
    let (_dir, mut a, mut b) = two_services();
    let cache = Arc::new(CaseCache::new(16));
    a.share_cases(cache.clone());
    let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("time");
    let case = b
        .register_by(&staff("li"), now, registration(now))
        .expect("register");
    let fresh = b.load(&case.id).expect("load");
    assert_eq!(
        a.load(&case.id).expect("load"),
        fresh,
        "read from the store"
    );
    // A doctored copy at the store's number is what a second showing serves: it came from
    // the cache, not from the store.
    let (mut copy, events) = fresh.clone();
    assert!(copy.registered_at.is_some());
    copy.registered_at = None;
    cache.put_history(&copy, &events);
    assert_eq!(a.load(&case.id).expect("load").0.registered_at, None);
    // One number off, the copy is ignored and the case is read again.
    copy.seq += 1;
    cache.put_history(&copy, &events);
    assert_eq!(a.load(&case.id).expect("load"), fresh);
    // A change made through another connection is seen with its event.
    transfer(&mut b, now, &case.id);
    let (after, events) = a.load(&case.id).expect("load");
    assert_eq!((after.state.as_str(), events.len()), ("routed", 2));
    assert_eq!(
        a.load(&case.id).expect("load"),
        b.load(&case.id).expect("load")
    );
}

#[test]
fn settings_changed_through_another_connection_are_seen() {
    let (_dir, mut a, mut b) = two_services();
    let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("time");
    assert_eq!(a.read(|w| Ok(w.policy().handling_days)).expect("read"), 60);
    assert!(a
        .read(|w| Ok(w.org().staff(&staff("zhao")).is_none()))
        .expect("read"));
    b.admin_by(
        &staff("admin"),
        now,
        AdminChange::SetPolicy {
            key: "handling_days".into(),
            value: "45".into(),
        },
    )
    .expect("policy");
    b.admin_by(
        &staff("admin"),
        now,
        AdminChange::AddStaff(Staff::new(
            staff("zhao"),
            "赵强",
            Some(unit("town")),
            Role::Clerk,
        )),
    )
    .expect("staff");
    assert_eq!(a.read(|w| Ok(w.policy().handling_days)).expect("read"), 45);
    assert!(a
        .read(|w| Ok(w.org().staff(&staff("zhao")).is_some()))
        .expect("read"));
    // A token issued elsewhere signs in here at once.
    let t = b
        .issue_token_by(&staff("admin"), now, &staff("zhao"), now, 1)
        .expect("token");
    assert_eq!(
        a.read(|w| w.authenticate_at(&t.token, now))
            .expect("signed in")
            .staff,
        staff("zhao")
    );
}

#[test]
fn a_copy_found_current_at_the_chains_head_is_served_until_the_head_moves() {
    let (_dir, mut a, mut b) = two_services();
    let cache = Arc::new(CaseCache::new(16));
    a.share_cases(cache.clone());
    let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("time");
    let case = b
        .register_by(&staff("li"), now, registration(now))
        .expect("register");
    let head = a.read(|w| w.stored_head()).expect("head");
    assert!(head.0 > 0, "the registration is on the chain");
    // A doctored copy marked current at this head, one number off the store's: served as it
    // is (the store is not asked), as a case and as a case shown whole.
    let (fresh, events) = b.load(&case.id).expect("load");
    let mut copy = fresh.clone();
    copy.seq += 7;
    copy.registered_at = None;
    cache.put_at(&copy, Some(head));
    cache.put_history_at(&copy, &events, Some(head));
    assert_eq!(
        a.read(|w| w.case(&case.id)).expect("read"),
        Some(copy.clone())
    );
    assert_eq!(a.load(&case.id).expect("load").0, copy);
    // Marked at another head, the copy is checked against the store's number and refused.
    cache.put_at(&copy, Some((head.0 + 1, head.1)));
    assert_eq!(
        a.read(|w| w.case(&case.id)).expect("read"),
        Some(fresh.clone())
    );
    // Once the head moves (a change through another connection), every mark is stale.
    cache.put_at(&copy, Some(head));
    cache.put_history_at(&copy, &events, Some(head));
    transfer(&mut b, now, &case.id);
    let after = a.read(|w| w.case(&case.id)).expect("read").expect("case");
    assert_eq!(after.state.as_str(), "routed");
    assert_eq!(a.load(&case.id).expect("load").0.state.as_str(), "routed");
}
