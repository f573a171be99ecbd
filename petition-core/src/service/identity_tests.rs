//! Tokens and deactivation: who may sign in to the office server, and what the chain keeps.

use super::*;
use crate::example::{county, registration, staff};

fn later(now: DateTime<FixedOffset>, days: i64) -> DateTime<FixedOffset> {
    now + chrono::Duration::days(days)
}

#[test]
fn a_token_lives_from_1_to_366_days() {
    let (mut svc, now) = county();
    for days in [0, MAX_TOKEN_DAYS + 1] {
        let e = svc
            .issue_token_by(&staff("admin"), now, &staff("li"), now, days)
            .expect_err("out of range");
        assert_eq!(e.code(), "validation");
    }
    let t = svc
        .issue_token_by(&staff("admin"), now, &staff("li"), now, MAX_TOKEN_DAYS)
        .expect("issue");
    assert_eq!(t.expires_at, later(now, i64::from(MAX_TOKEN_DAYS)));
}

#[test]
fn a_token_signs_its_staff_member_in_until_it_expires_or_is_revoked() {
    let (mut svc, now) = county();
    let t = svc
        .issue_token_by(&staff("admin"), now, &staff("li"), now, 90)
        .expect("issue");
    assert_eq!(t.token.len(), 64);
    let who = svc
        .read(|w| w.authenticate_at(&t.token, now))
        .expect("signed in");
    assert_eq!(who.staff, staff("li"));
    // Expired at its time; a wrong or empty token says nothing more than `unauthenticated`.
    for (token, at) in [
        (t.token.as_str(), later(now, 90)),
        ("", now),
        (&"0".repeat(64), now),
    ] {
        let e = svc
            .read(|w| w.authenticate_at(token, at))
            .expect_err("refused");
        assert_eq!(e.code(), "unauthenticated");
    }
    // The store keeps the digest, never the token.
    let li = svc.read(|w| w.staff(&staff("li"))).expect("li");
    assert_eq!(li.tokens.len(), 1);
    assert_eq!(li.tokens[0].sha256, token_digest(&t.token));
    assert_ne!(li.tokens[0].sha256, t.token);
    // Revoked: refused; a second token still works until revoked too.
    let t2 = svc
        .issue_token_by(&staff("admin"), now, &staff("li"), now, 30)
        .expect("issue");
    svc.admin_by(&staff("admin"), now, AdminChange::RevokeTokens(staff("li")))
        .expect("revoke");
    for token in [&t.token, &t2.token] {
        let e = svc
            .read(|w| w.authenticate_at(token, now))
            .expect_err("revoked");
        assert_eq!(e.code(), "unauthenticated");
    }
}

#[test]
fn only_an_admin_issues_tokens_and_only_for_active_staff() {
    let (mut svc, now) = county();
    let e = svc
        .issue_token_by(&staff("li"), now, &staff("li"), now, 1)
        .expect_err("a clerk may not");
    assert_eq!(e.code(), "permission_denied");
    let e = svc
        .issue_token_by(&staff("admin"), now, &staff("nobody"), now, 1)
        .expect_err("unknown");
    assert_eq!(e.code(), "not_found");
    svc.admin_by(&staff("admin"), now, AdminChange::Deactivate(staff("li")))
        .expect("deactivate");
    let e = svc
        .issue_token_by(&staff("admin"), now, &staff("li"), now, 1)
        .expect_err("deactivated");
    assert_eq!(e.code(), "permission_denied");
    let e = svc
        .admin_by(
            &staff("admin"),
            now,
            AdminChange::Deactivate(staff("admin")),
        )
        .expect_err("not oneself");
    assert_eq!(e.code(), "permission_denied");
}

#[test]
fn a_deactivated_staff_member_may_no_longer_act_and_loses_their_tokens() {
    let (mut svc, now) = county();
    let t = svc
        .issue_token_by(&staff("admin"), now, &staff("li"), now, 90)
        .expect("issue");
    svc.admin_by(&staff("admin"), now, AdminChange::Deactivate(staff("li")))
        .expect("deactivate");
    let e = svc
        .register_by(&staff("li"), now, registration(now))
        .expect_err("deactivated");
    assert!(
        matches!(e.refusal(), Some(Refusal::Deactivated { .. })),
        "{e:?}"
    );
    let e = svc
        .read(|w| w.authenticate_at(&t.token, now))
        .expect_err("no token");
    assert_eq!(e.code(), "unauthenticated");
    let li = svc
        .read(|w| Ok(w.org().staff(&staff("li")).cloned()))
        .expect("read");
    assert!(
        li.is_some_and(|s| s.deactivated && s.tokens.is_empty()),
        "kept, for the history"
    );
}

#[test]
fn token_and_deactivation_events_survive_export_and_import() {
    let (mut svc, now) = county();
    let t = svc
        .issue_token_by(&staff("admin"), now, &staff("li"), now, 90)
        .expect("issue");
    svc.issue_token_by(&staff("admin"), now, &staff("wang"), now, 90)
        .expect("issue");
    svc.admin_by(
        &staff("admin"),
        now,
        AdminChange::RevokeTokens(staff("wang")),
    )
    .expect("revoke");
    svc.admin_by(&staff("admin"), now, AdminChange::Deactivate(staff("sun")))
        .expect("deactivate");
    let admin = svc.principal(&staff("admin")).expect("admin");
    let mut out = Vec::new();
    crate::interchange::export_jsonl(&mut svc, &mut out, &admin, true, now).expect("export");
    let text = String::from_utf8(out.clone()).expect("utf8");
    assert!(!text.contains(&t.token), "the chain never holds a token");
    let mut copy = Service::new(crate::MemoryStore::new());
    crate::interchange::import_jsonl(&mut copy, &mut out.as_slice(), &mut |_| {}).expect("import");
    let same = copy
        .read(|w| w.authenticate_at(&t.token, now))
        .expect("li signs in");
    assert_eq!(same.staff, staff("li"));
    let org = copy.read(|w| Ok(w.org().clone())).expect("org");
    assert!(org
        .staff(&staff("wang"))
        .is_some_and(|s| s.tokens.is_empty()));
    assert!(org.staff(&staff("sun")).is_some_and(|s| s.deactivated));
    assert!(copy.verify(&[]).expect("verify").problem.is_none());
}

#[test]
fn a_moved_clerk_acts_for_the_new_unit_and_history_keeps_the_old_one() {
    let (mut svc, now) = county();
    let case = svc
        .register_by(&staff("li"), now, registration(now))
        .expect("register");
    svc.execute_by(
        &staff("li"),
        now,
        &case.id,
        Command::Transfer {
            to: crate::example::unit("county-zjj"),
            note: None,
        },
    )
    .expect("transfer");
    svc.admin_by(
        &staff("admin"),
        now,
        AdminChange::MoveStaff {
            staff: staff("li"),
            unit: crate::example::unit("county-zjj"),
        },
    )
    .expect("move");
    // Now a clerk of the department: li accepts the case there.
    let after = svc
        .execute_by(
            &staff("li"),
            now,
            &case.id,
            Command::Accept { assist: vec![] },
        )
        .expect("accept as the new unit");
    assert_eq!(after.state.as_str(), "handling");
    let (_, events) = svc.load(&case.id).expect("load");
    let units: Vec<&str> = events
        .iter()
        .filter_map(|e| e.unit.as_ref().map(|u| u.as_str()))
        .collect();
    assert_eq!(units, ["county-xfj", "county-xfj", "county-zjj"]);
    // Refusals: an unknown unit, the same unit again, a deactivated staff member.
    let refused = |svc: &mut Service<crate::MemoryStore>, who: &str, to: &str| {
        svc.admin_by(
            &staff("admin"),
            now,
            AdminChange::MoveStaff {
                staff: staff(who),
                unit: crate::example::unit(to),
            },
        )
        .expect_err("refused")
        .code()
    };
    assert_eq!(refused(&mut svc, "li", "nowhere"), "not_found");
    assert_eq!(refused(&mut svc, "li", "county-zjj"), "validation");
    svc.admin_by(&staff("admin"), now, AdminChange::Deactivate(staff("sun")))
        .expect("deactivate");
    assert_eq!(refused(&mut svc, "sun", "county-zjj"), "permission_denied");
}

#[test]
fn renames_change_the_names_shown_and_survive_export_and_import() {
    let (mut svc, now) = county();
    svc.admin_by(
        &staff("admin"),
        now,
        AdminChange::RenameStaff {
            staff: staff("li"),
            name: " 李明华 ".into(),
        },
    )
    .expect("rename staff");
    svc.admin_by(
        &staff("admin"),
        now,
        AdminChange::RenameUnit {
            unit: crate::example::unit("county-zjj"),
            name: "某县住房和城乡建设局".into(),
        },
    )
    .expect("rename unit");
    let e = svc
        .admin_by(
            &staff("admin"),
            now,
            AdminChange::RenameUnit {
                unit: crate::example::unit("county-zjj"),
                name: "  ".into(),
            },
        )
        .expect_err("empty name");
    assert_eq!(e.code(), "validation");
    let check = |svc: &mut Service<crate::MemoryStore>| {
        let org = svc.read(|w| Ok(w.org().clone())).expect("org");
        assert_eq!(
            org.staff(&staff("li")).map(|s| s.name.as_str()),
            Some("李明华")
        );
        assert_eq!(
            org.unit(&crate::example::unit("county-zjj"))
                .map(|u| u.name.as_str()),
            Some("某县住房和城乡建设局")
        );
    };
    check(&mut svc);
    let admin = svc.principal(&staff("admin")).expect("admin");
    let mut out = Vec::new();
    crate::interchange::export_jsonl(&mut svc, &mut out, &admin, true, now).expect("export");
    let mut copy = Service::new(crate::MemoryStore::new());
    crate::interchange::import_jsonl(&mut copy, &mut out.as_slice(), &mut |_| {}).expect("import");
    check(&mut copy);
    assert!(copy.verify(&[]).expect("verify").problem.is_none());
}
