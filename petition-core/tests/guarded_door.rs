//! The library keeps the promises itself (one guarded door): an embedder of `petition-core` gets
//! exactly the guarantees a clerk at the command line gets. Each attack that reached the library
//! before is a test here, through the public API only.

use petition_core::example::{principal, registration, staff, unit};
use petition_core::org::{Role, Staff};
use petition_core::{
    Access, AdminChange, ClockMode, Command, Entry, MemoryStore, Reveal, Service, SqliteStore, When,
};

/// A live (system-clock) database on a file with the example county, set up at the system
/// clock.
fn live() -> (tempfile::TempDir, Service<SqliteStore>) {
    let dir = tempfile::tempdir().expect("dir");
    let mut svc = Service::new(SqliteStore::open(&dir.path().join("live.db"), true).expect("open"));
    let admin = Staff::new(staff("admin"), "管理员", None, Role::Admin);
    svc.init(admin, When::Now, ClockMode::System).expect("init");
    let admin = principal(&mut svc, "admin");
    let csv = "code,name,level,kind,parent,line_superior
county,某县人民政府,county,government,,
county-xfj,某县信访局,county,petition_office,county,
county-zjj,某县住建局,county,department,county,
town,某镇人民政府,township,government,county,
";
    for (_, u) in petition_core::files::parse_units_csv(csv.as_bytes()).expect("units") {
        svc.admin(&admin, When::Now, AdminChange::AddUnit(u))
            .expect("unit");
    }
    for (id, at, role) in [
        ("li", "county-xfj", Role::Clerk),
        ("wang", "county-zjj", Role::Clerk),
    ] {
        let s = Staff::new(staff(id), id, Some(unit(at)), role);
        svc.admin(&admin, When::Now, AdminChange::AddStaff(s))
            .expect("staff");
    }
    (dir, svc)
}

/// The example county again, in another database: made a minute later, so its chain (and so its
/// identity) is another.
fn another_county() -> Service<MemoryStore> {
    let (_, now) = petition_core::example::county();
    let mut svc = Service::new(MemoryStore::new());
    let later = now + chrono::Duration::minutes(1);
    let admin = Staff::new(staff("admin"), "管理员", None, Role::Admin);
    svc.init(admin, later, ClockMode::Simulated).expect("init");
    let admin = principal(&mut svc, "admin");
    let csv = "code,name,level,kind,parent,line_superior
county,某县人民政府,county,government,,
county-xfj,某县信访局,county,petition_office,county,
";
    for (_, u) in petition_core::files::parse_units_csv(csv.as_bytes()).expect("units") {
        svc.admin(&admin, later, AdminChange::AddUnit(u))
            .expect("unit");
    }
    let li = Staff::new(staff("li"), "李明", Some(unit("county-xfj")), Role::Clerk);
    svc.admin(&admin, later, AdminChange::AddStaff(li))
        .expect("staff");
    svc
}

#[test]
fn a_live_database_takes_its_time_from_its_own_clock_and_refuses_the_callers() {
    // Measured before: `execute`, `register` and `tick` accepted any `now` on a live database;
    // a forward-dated `svc.tick` closed cases for good.
    let (_dir, mut svc) = live();
    let li = principal(&mut svc, "li");
    let past =
        petition_core::DateTime::parse_from_rfc3339("2020-01-01T09:00:00+08:00").expect("time");
    let future =
        petition_core::DateTime::parse_from_rfc3339("2099-01-01T09:00:00+08:00").expect("time");
    let reg = registration(past);
    let refused = svc
        .register(&li, past, reg.clone())
        .expect_err("a claimed time");
    assert_eq!(refused.code(), "validation");
    let new = svc
        .register(&li, When::Now, reg)
        .expect("at the system clock");
    let id = new.case.case.id;
    let registered = new.case.case.registered_at.expect("registered");
    let drift = (chrono::Utc::now().fixed_offset() - registered)
        .num_seconds()
        .abs();
    assert!(drift < 60, "registered at the system clock ({registered})");
    let transfer = Command::Transfer {
        to: unit("county-zjj"),
        note: None,
    };
    for when in [When::At(past), When::At(future)] {
        let e = svc
            .execute(&li, when, &id, transfer.clone())
            .expect_err("claimed");
        assert_eq!(e.code(), "validation");
        assert_eq!(svc.tick(when).expect_err("claimed").code(), "validation");
        let admin = principal(&mut svc, "admin");
        let e = svc
            .admin(
                &admin,
                when,
                AdminChange::RenameStaff {
                    staff: staff("li"),
                    name: "李".into(),
                },
            )
            .expect_err("claimed");
        assert_eq!(e.code(), "validation");
    }
    let done = svc.tick(When::Now).expect("tick now");
    assert_eq!(done.closed, 0);
    // A read may view another day; its access-log entry is written at the system clock.
    let shown = svc
        .show(&li, When::At(future), &id, Reveal::AsAllowed)
        .expect("show");
    assert_eq!(shown.access, Access::Full);
    let admin = principal(&mut svc, "admin");
    let log = svc
        .read(|w| w.access_log(&admin, Some(&id), None, 0, 10))
        .expect("log");
    let at = log.last().expect("an entry").disclosure.at;
    assert!(
        (chrono::Utc::now().fixed_offset() - at).num_seconds().abs() < 60,
        "{at}"
    );
    assert!(svc.verify(&[]).expect("verify").problem.is_none());
}

#[test]
fn a_principal_is_resolved_from_the_staff_table_of_its_own_database() {
    // Measured before: the checked reads trusted any Staff value the caller built; a made-up
    // clerk got full access and a disclosure in its name dated 1999 was logged and verified.
    let (mut a, now) = petition_core::example::county();
    let mut b = another_county();
    let li_of_a = principal(&mut a, "li");
    let id = a
        .register(&li_of_a, now, registration(now))
        .expect("register")
        .case
        .case
        .id;
    let li_of_b = principal(&mut b, "li");
    let later = now + chrono::Duration::minutes(1);
    let mut reg = registration(later);
    reg.locality = unit("county");
    b.register(&li_of_b, later, reg).expect("register");
    // A principal of another database (same ids, other chain) is unknown here.
    let e = b
        .show(&li_of_a, now, &id, Reveal::AsAllowed)
        .expect_err("another database's principal");
    assert_eq!(e.code(), "not_found");
    // Unknown and deactivated staff are refused when resolved, and a principal resolved earlier
    // acts no more once its staff member is deactivated.
    assert_eq!(
        a.principal(&staff("nobody")).expect_err("unknown").code(),
        "not_found"
    );
    let admin = principal(&mut a, "admin");
    a.admin(&admin, now, AdminChange::Deactivate(staff("li")))
        .expect("deactivate");
    assert_eq!(
        a.principal(&staff("li")).expect_err("deactivated").code(),
        "permission_denied"
    );
    let e = a
        .show(&li_of_a, now, &id, Reveal::AsAllowed)
        .expect_err("deactivated");
    assert_eq!(e.code(), "permission_denied");
}

#[test]
fn a_moved_clerk_reads_and_acts_with_the_new_unit_at_once() {
    let (mut svc, now) = petition_core::example::county();
    let li = principal(&mut svc, "li");
    let id = svc
        .register(&li, now, registration(now))
        .expect("register")
        .case
        .case
        .id;
    assert!(svc.show(&li, now, &id, Reveal::Masked).is_ok());
    let admin = principal(&mut svc, "admin");
    svc.admin(
        &admin,
        now,
        AdminChange::MoveStaff {
            staff: staff("li"),
            unit: unit("county-zjj"),
        },
    )
    .expect("move");
    // The same principal value, resolved again: now a clerk of the housing bureau, which has no
    // part in the case.
    let e = svc.show(&li, now, &id, Reveal::Masked).expect_err("moved");
    assert_eq!(e.code(), "not_found");
}

#[test]
fn every_read_hands_personal_data_over_only_with_its_access_log_entry() {
    // Measured before: Service::load, query, queue, Work::case and changes_after returned full
    // personal data with no reader and no access-log entry.
    let (mut svc, now) = petition_core::example::county();
    let li = principal(&mut svc, "li");
    let id = svc
        .register(&li, now, registration(now))
        .expect("register")
        .case
        .case
        .id;
    let admin = principal(&mut svc, "admin");
    let log_len = |svc: &mut Service<MemoryStore>| {
        svc.read(|w| w.access_log(&admin, None, None, 0, 100))
            .expect("log")
            .len()
    };
    // Lists and briefs carry no personal data and no code: nothing to log.
    let listed = svc
        .list(&li, &petition_core::CaseQuery::default())
        .expect("list");
    let id_number = |c: &petition_core::Case| {
        c.registration
            .as_ref()
            .and_then(|r| r.petitioners[0].id_number.clone())
    };
    assert_eq!(
        id_number(&listed[0].case).as_deref(),
        Some("110105********002X")
    );
    assert!(listed[0].case.query_code.is_none());
    assert_eq!(log_len(&mut svc), 0);
    // A full view waits for its entry.
    let d = svc
        .read(|w| w.show(&li, &id, Reveal::AsAllowed))
        .expect("show");
    assert_eq!(d.waiting(), 1);
    let shown = svc.record(d, now).expect("recorded");
    assert_eq!(
        shown
            .case
            .registration
            .as_ref()
            .map(|r| r.petitioners[0].id_number.clone()),
        Some(Some("11010519491231002X".to_string()))
    );
    assert_eq!(log_len(&mut svc), 1);
    // Masked on request: nothing to log.
    let masked = svc.show(&li, now, &id, Reveal::Masked).expect("masked");
    assert_eq!(
        masked
            .case
            .registration
            .as_ref()
            .map(|r| r.petitioners[0].id_number.clone()),
        Some(Some("110105********002X".to_string()))
    );
    assert_eq!(log_len(&mut svc), 1);
    // The feed: a clerk gets positions and no codes; each case shown in full is one entry.
    let feed = svc.changes_after(&li, now, 0, 100).expect("feed");
    assert!(feed.iter().all(|c| c.hash.is_none()));
    assert!(feed
        .iter()
        .any(|c| matches!(&c.entry, Entry::Case(e) if e.case == id)));
    let log = svc
        .read(|w| w.access_log(&admin, None, None, 0, 100))
        .expect("log");
    let last = log.last().expect("entry");
    assert_eq!(
        (
            last.disclosure.case.as_ref(),
            last.disclosure.command.as_str()
        ),
        (Some(&id), "events")
    );
    let admin_feed = svc.changes_after(&admin, now, 0, 100).expect("feed");
    assert!(admin_feed
        .iter()
        .all(|c| c.hash.as_ref().map(String::len) == Some(64)));
}

#[test]
fn a_write_reply_shows_no_more_than_show() {
    // Measured before: an accused petition office got the accusation's content back from
    // `supervise`; a command replied with the whole case whoever ran it.
    let (mut svc, now) = petition_core::example::county();
    // The township registers a letter and routes it to the housing bureau.
    let sun = principal(&mut svc, "sun");
    let mut reg = registration(now);
    reg.locality = unit("town");
    let id = svc.register(&sun, now, reg).expect("register").case.case.id;
    svc.execute(
        &sun,
        now,
        &id,
        Command::Transfer {
            to: unit("county-zjj"),
            note: None,
        },
    )
    .expect("transfer");
    // The county petition office supervises it: it reads the case, masked.
    let li = principal(&mut svc, "li");
    let later = now + chrono::Duration::days(20);
    let brief = svc
        .execute(
            &li,
            later,
            &id,
            Command::Supervise {
                ground: petition_core::case::SupervisionGround::Overdue,
                respond_by: later.date_naive() + chrono::Duration::days(5),
                text: "请说明".into(),
                unit: None,
                level: None,
            },
        )
        .expect("supervise");
    let masked_id = |c: &petition_core::Case| {
        c.registration
            .as_ref()
            .and_then(|r| r.petitioners[0].id_number.clone())
    };
    assert_eq!(brief.access, Access::Masked);
    assert_eq!(
        masked_id(&brief.case).as_deref(),
        Some("110105********002X")
    );
    let shown = svc.show(&li, later, &id, Reveal::AsAllowed).expect("show");
    assert_eq!(
        masked_id(&shown.case),
        masked_id(&brief.case),
        "no more than show"
    );
}

#[test]
fn tick_with_a_reader_on_another_database_is_refused() {
    // Measured before: `tick_with_reader` accepted a reader over another database.
    let (mut a, now) = petition_core::example::county();
    let b = another_county();
    let later = now + chrono::Duration::days(40);
    let e = a.tick_with_reader(later, b).expect_err("another database");
    assert_eq!(e.code(), "validation");
}
