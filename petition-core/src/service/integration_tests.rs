//! Integration accounts (接口账户): another system's account reads and acts only on the cases it
//! registered, and only as far as its token's scopes reach.

use crate::example::{principal, registration, setup};
use crate::org::{Role, Scope, Staff};
use crate::{AdminChange, CaseQuery, Command, MemoryStore, Reveal, Service, StaffId, UnitCode};

/// The example county with a hotline account at the petition office, and a token of it with
/// `scopes`.
fn hotline(
    scopes: &[Scope],
) -> (
    Service<MemoryStore>,
    crate::DateTime<crate::FixedOffset>,
    crate::Principal,
) {
    let mut svc = Service::new(MemoryStore::new());
    let now = setup(&mut svc);
    let admin = principal(&mut svc, "admin");
    let id = StaffId::parse("hotline").expect("id");
    let unit = UnitCode::parse("county-xfj").expect("unit");
    svc.admin(
        &admin,
        now,
        AdminChange::AddStaff(Staff::new(
            id.clone(),
            "12345 热线",
            Some(unit),
            Role::Integration,
        )),
    )
    .expect("account");
    let t = svc
        .issue_token(&admin, now, &id, 30, Some(scopes.to_vec()))
        .expect("token");
    let p = svc.authenticate(&t.token).expect("sign in");
    (svc, now, p)
}

#[test]
fn an_integration_token_needs_scopes_and_a_persons_token_takes_none() {
    let (mut svc, now, _) = hotline(&[Scope::Register]);
    let admin = principal(&mut svc, "admin");
    let hotline = StaffId::parse("hotline").expect("id");
    for none in [None, Some(vec![])] {
        let e = svc
            .issue_token(&admin, now, &hotline, 30, none)
            .expect_err("an account's token without scopes");
        assert_eq!(e.code(), "validation");
    }
    let li = StaffId::parse("li").expect("id");
    let e = svc
        .issue_token(&admin, now, &li, 30, Some(vec![Scope::Read]))
        .expect_err("scopes on a person's token");
    assert_eq!(e.code(), "validation");
    let t = svc
        .issue_token(&admin, now, &li, 30, None)
        .expect("a person's token");
    let p = svc.authenticate(&t.token).expect("sign in");
    assert_eq!(p.scopes(), Scope::ALL.to_vec());
    assert!(p.expires_at().is_some());
}

#[test]
fn an_integration_account_reads_only_what_it_registered_and_only_with_read() {
    let (mut svc, now, p) = hotline(&[Scope::Register, Scope::Read, Scope::Feed]);
    assert_eq!(p.scopes(), vec![Scope::Register, Scope::Read, Scope::Feed]);
    let mine = svc
        .register(&p, now, registration(now))
        .expect("register as its unit")
        .case
        .case
        .id;
    let li = principal(&mut svc, "li");
    let theirs = svc
        .register(&li, now, registration(now))
        .expect("register")
        .case
        .case
        .id;
    // Its own case, with its unit's access; the clerks' case of the same unit is unknown to it.
    svc.show(&p, now, &mine, Reveal::Masked)
        .expect("its own case");
    let e = svc
        .show(&p, now, &theirs, Reveal::Masked)
        .expect_err("a clerk's case");
    assert_eq!(e.code(), "not_found");
    let listed: Vec<_> = svc
        .list(&p, &CaseQuery::default())
        .expect("list")
        .into_iter()
        .map(|b| b.case.id)
        .collect();
    assert_eq!(listed, vec![mine.clone()]);
    // The feed carries its own case's entries only.
    let feed = svc.changes_after(&p, now, 0, 1000).expect("feed");
    let cases: Vec<_> = feed
        .iter()
        .filter_map(|c| match &c.entry {
            crate::Entry::Case(e) => Some(e.case.clone()),
            _ => None,
        })
        .collect();
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|c| c == &mine), "{cases:?}");
    // Without `act` it can do nothing to its case after registering it.
    let e = svc
        .execute(
            &p,
            now,
            &mine,
            Command::Withdraw {
                reason: "重复登记".into(),
            },
        )
        .expect_err("no act scope");
    assert_eq!(e.code(), "permission_denied");
}

#[test]
fn each_scope_is_needed_for_what_it_covers() {
    let (mut svc, now, p) = hotline(&[Scope::Register]);
    let mine = svc
        .register(&p, now, registration(now))
        .expect("register")
        .case
        .case
        .id;
    for e in [
        svc.show(&p, now, &mine, Reveal::Masked)
            .map(|_| ())
            .expect_err("no read"),
        svc.list(&p, &CaseQuery::default())
            .map(|_| ())
            .expect_err("no read"),
        svc.changes_after(&p, now, 0, 10)
            .map(|_| ())
            .expect_err("no feed"),
    ] {
        assert_eq!(e.code(), "permission_denied");
    }
    let (mut svc, now, p) = hotline(&[Scope::Read, Scope::Act]);
    let e = svc
        .register(&p, now, registration(now))
        .expect_err("no register");
    assert_eq!(e.code(), "permission_denied");
    // With `act`, a withdrawal it records is its own act, never the petitioner's.
    let (mut svc, now, p) = hotline(&[Scope::Register, Scope::Read, Scope::Act]);
    let mine = svc
        .register(&p, now, registration(now))
        .expect("register")
        .case
        .case
        .id;
    svc.execute(
        &p,
        now,
        &mine,
        Command::Withdraw {
            reason: "来电撤回".into(),
        },
    )
    .expect("withdraw");
    let shown = svc.show(&p, now, &mine, Reveal::Masked).expect("show");
    let last = shown.events.last().expect("an event");
    assert_eq!(last.actor.as_str(), "hotline");
}
