//! Criterion benchmarks of the core: decide+evolve per command, replay of a 30-event case, due
//! dates with a loaded calendar, decoding 30 events as stored, canonical JSON + SHA-256 of one event, and appending one command
//! to an SQLite file with the chosen `synchronous=FULL`.
//!
//! Run: `cargo bench -p petition-core --bench core`

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use petition_core::audit::{body, canonical, chain_hash, Entry, GENESIS};
use petition_core::case::{decide, evolve, replay, Context};
use petition_core::case::{
    Channel, IdType, Outcome, Petitioner, Purpose, Registration, SupervisionGround,
};
use petition_core::clock::{Calendar, DayKind};
use petition_core::org::{Level, Org, Role, Staff, Unit, UnitKind};
use petition_core::policy::Policy;
use petition_core::service::{AdminChange, Service};
use petition_core::store::SqliteStore;
use petition_core::{Case, CaseId, Command, QueryCode, StaffId, Step, UnitCode};

fn u(s: &str) -> UnitCode {
    UnitCode::parse(s).expect("code")
}
fn at(day: u64) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00").expect("t") + Days::new(day)
}

fn units() -> Vec<Unit> {
    let mk = |code: &str, level, kind, parent: Option<&str>| Unit {
        code: u(code),
        name: code.into(),
        level,
        kind,
        parent: parent.map(u),
        line_superior: None,
    };
    vec![
        mk("city", Level::Prefectural, UnitKind::Government, None),
        mk(
            "city-xfj",
            Level::Prefectural,
            UnitKind::PetitionOffice,
            Some("city"),
        ),
        mk("c", Level::County, UnitKind::Government, Some("city")),
        mk("c-xfj", Level::County, UnitKind::PetitionOffice, Some("c")),
        mk("c-zjj", Level::County, UnitKind::Department, Some("c")),
        mk("t", Level::Township, UnitKind::Government, Some("c")),
    ]
}

fn staff() -> Vec<Staff> {
    let mk = |id: &str, unit: &str, role| Staff {
        id: StaffId::parse(id).expect("id"),
        name: id.into(),
        unit: Some(u(unit)),
        role,
        deactivated: false,
        tokens: Vec::new(),
    };
    vec![
        mk("li", "c-xfj", Role::Clerk),
        mk("wang", "c-zjj", Role::Clerk),
        mk("zhang", "c-zjj", Role::Head),
        mk("gov", "c", Role::Clerk),
    ]
}

fn org() -> Org {
    let mut o = Org::new();
    for x in units() {
        o.add_unit(x).expect("unit");
    }
    for s in staff() {
        o.add_staff(s).expect("staff");
    }
    o
}

fn registration() -> Registration {
    registration_of(0)
}

/// A registration by petitioner number `n` (distinct petitioners are not repeats of each other).
fn registration_of(n: u64) -> Registration {
    Registration {
        channel: Channel::Letter,
        purpose: Purpose::Request,
        petitioners: vec![Petitioner {
            name: format!("王某{}", n % 100_000_000),
            id_type: IdType::ResidentId,
            id_number: None,
            phone: Some(format!("138{:08}", n % 100_000_000)),
            address: Some("某村".into()),
        }],
        headcount: 1,
        representatives: vec![],
        locality: u("t"),
        category: "housing.repair".into(),
        summary: "房屋漏水".into(),
        content: None,
        received_at: at(0),
        litigation: false,
        accused_unit: None,
        major: false,
        external_ref: None,
    }
}

fn calendar() -> Calendar {
    let mut cal = Calendar::default();
    // Ten years of holidays and make-up days, as a real deployment loads.
    for y in 2020..2030 {
        for (m, d) in [
            (1, 1),
            (2, 10),
            (2, 11),
            (2, 12),
            (2, 13),
            (4, 5),
            (5, 1),
            (5, 2),
            (5, 3),
            (6, 19),
            (9, 25),
            (10, 1),
            (10, 2),
            (10, 3),
            (10, 6),
        ] {
            if let Some(x) = NaiveDate::from_ymd_opt(y, m, d) {
                cal.set(x, DayKind::Holiday);
            }
        }
        if let Some(x) = NaiveDate::from_ymd_opt(y, 4, 27) {
            cal.set(x, DayKind::Workday);
        }
    }
    cal
}

/// A case with 30 events: registration, routing, acceptance, and 27 supervision/answer pairs.
fn thirty_events(o: &Org, p: &Policy, cal: &Calendar) -> Vec<petition_core::Event> {
    let li = o.staff(&StaffId::parse("li").expect("id")).expect("li");
    let wang = o.staff(&StaffId::parse("wang").expect("id")).expect("wang");
    let ctx = |now, actor| Context {
        now,
        actor,
        org: o,
        policy: p,
        calendar: cal,
        related: &[],
        target: None,
    };
    let mut case = Case::new(CaseId::new(2026, 1));
    let mut events = Vec::new();
    let step = |events: &mut Vec<petition_core::Event>, case: &mut Case, cmd: Step, who, day| {
        let evs = decide(case, &cmd, &ctx(at(day), who)).expect("decide");
        for e in evs {
            *case = evolve(case.clone(), &e);
            events.push(e);
        }
    };
    use petition_core::case::Actor;
    let reg = Step::Register {
        registration: Box::new(registration()),
        query_code: petition_core::ids::CodeRecord::Clear(QueryCode::from_random([3; 8])),
    };
    step(&mut events, &mut case, reg, Actor::Staff(li), 0);
    step(
        &mut events,
        &mut case,
        Step::from(Command::Transfer {
            to: u("c-zjj"),
            note: None,
        }),
        Actor::Staff(li),
        0,
    );
    step(
        &mut events,
        &mut case,
        Step::from(Command::Accept { assist: vec![] }),
        Actor::Staff(wang),
        1,
    );
    let mut n = 1;
    while events.len() < 30 {
        let sup = Command::Supervise {
            ground: SupervisionGround::Other,
            respond_by: (at(2) + Days::new(20)).date_naive(),
            text: "请说明".into(),
            unit: None,
            level: None,
        };
        step(&mut events, &mut case, sup.into(), Actor::Staff(li), 2);
        if events.len() < 30 {
            step(
                &mut events,
                &mut case,
                Step::from(Command::Respond {
                    supervision: n,
                    text: "已说明".into(),
                }),
                Actor::Staff(wang),
                2,
            );
        }
        n += 1;
    }
    events
}

fn bench(c: &mut Criterion) {
    let o = org();
    let p = Policy::default();
    let cal = calendar();
    let li = o
        .staff(&StaffId::parse("li").expect("id"))
        .expect("li")
        .clone();
    let wang = o
        .staff(&StaffId::parse("wang").expect("id"))
        .expect("wang")
        .clone();
    use petition_core::case::Actor;

    // A registered case, and the same case routed.
    let reg_events = {
        let ctx = Context {
            now: at(0),
            actor: Actor::Staff(&li),
            org: &o,
            policy: &p,
            calendar: &cal,
            related: &[],
            target: None,
        };
        decide(
            &Case::new(CaseId::new(2026, 1)),
            &Step::Register {
                registration: Box::new(registration()),
                query_code: petition_core::ids::CodeRecord::Clear(QueryCode::from_random([1; 8])),
            },
            &ctx,
        )
        .expect("reg")
    };
    let registered = replay(CaseId::new(2026, 1), &reg_events);
    let transfer = Step::from(Command::Transfer {
        to: u("c-zjj"),
        note: None,
    });
    c.bench_function("decide+evolve transfer", |b| {
        let ctx = Context {
            now: at(1),
            actor: Actor::Staff(&li),
            org: &o,
            policy: &p,
            calendar: &cal,
            related: &[],
            target: None,
        };
        b.iter(|| {
            let evs = decide(black_box(&registered), black_box(&transfer), &ctx).expect("ok");
            evs.iter().fold(registered.clone(), evolve)
        })
    });
    let routed = {
        let ctx = Context {
            now: at(1),
            actor: Actor::Staff(&li),
            org: &o,
            policy: &p,
            calendar: &cal,
            related: &[],
            target: None,
        };
        let evs = decide(&registered, &transfer, &ctx).expect("ok");
        evs.iter().fold(registered.clone(), evolve)
    };
    let accept = Step::from(Command::Accept { assist: vec![] });
    c.bench_function("decide+evolve accept", |b| {
        let ctx = Context {
            now: at(2),
            actor: Actor::Staff(&wang),
            org: &o,
            policy: &p,
            calendar: &cal,
            related: &[],
            target: None,
        };
        b.iter(|| {
            let evs = decide(black_box(&routed), black_box(&accept), &ctx).expect("ok");
            evs.iter().fold(routed.clone(), evolve)
        })
    });
    let handling = {
        let ctx = Context {
            now: at(2),
            actor: Actor::Staff(&wang),
            org: &o,
            policy: &p,
            calendar: &cal,
            related: &[],
            target: None,
        };
        decide(&routed, &accept, &ctx)
            .expect("ok")
            .iter()
            .fold(routed.clone(), evolve)
    };
    let opinion = Step::from(Command::Opinion {
        outcome: Outcome::Supported,
        text: "支持".into(),
        without_assist: None,
    });
    c.bench_function("decide+evolve opinion", |b| {
        let ctx = Context {
            now: at(20),
            actor: Actor::Staff(&wang),
            org: &o,
            policy: &p,
            calendar: &cal,
            related: &[],
            target: None,
        };
        b.iter(|| {
            let evs = decide(black_box(&handling), black_box(&opinion), &ctx).expect("ok");
            evs.iter().fold(handling.clone(), evolve)
        })
    });
    c.bench_function("decide tick (nothing due)", |b| {
        let ctx = Context {
            now: at(3),
            actor: Actor::System,
            org: &o,
            policy: &p,
            calendar: &cal,
            related: &[],
            target: None,
        };
        b.iter(|| decide(black_box(&handling), &Step::Tick, &ctx).expect("ok"))
    });

    let events = thirty_events(&o, &p, &cal);
    assert_eq!(events.len(), 30);
    c.bench_function("replay 30-event case", |b| {
        b.iter(|| replay(CaseId::new(2026, 1), black_box(&events)))
    });

    // The 30 events as the chain stores them (canonical JSON with `gseq`): what every read of
    // a case decodes before replaying.
    let stored: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(i, e)| canonical(&body(&Entry::Case(e.clone()), i as u64 + 1)))
        .collect();
    c.bench_function("decode 30 stored events (Event::from_json)", |b| {
        b.iter(|| {
            for t in black_box(&stored) {
                black_box(petition_core::Event::from_json(t).expect("event"));
            }
        })
    });
    c.bench_function("decode 30 stored events (serde derive)", |b| {
        b.iter(|| {
            for t in black_box(&stored) {
                black_box(serde_json::from_str::<petition_core::Event>(t).expect("event"));
            }
        })
    });

    c.bench_function("due date 60 days with calendar", |b| {
        let start = NaiveDate::from_ymd_opt(2026, 3, 2).expect("d");
        b.iter(|| cal.due_days(black_box(start), black_box(60), true))
    });
    c.bench_function("due date 5 working days with calendar", |b| {
        let start = NaiveDate::from_ymd_opt(2026, 9, 29).expect("d");
        b.iter(|| cal.due_working_days(black_box(start), black_box(5)))
    });

    let entry = Entry::Case(events[2].clone());
    c.bench_function("canonical JSON + SHA-256 of one event", |b| {
        b.iter(|| {
            let text = canonical(&body(black_box(&entry), 42));
            chain_hash(&GENESIS, &text)
        })
    });

    // Appending one command (load, decide, append with its hash, project, commit) to a file
    // database with synchronous=FULL: includes one fsync of the WAL per commit.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bench.db");
    let mut svc = Service::with_seed(SqliteStore::open(&path, true).expect("open"), 1);
    svc.init(
        Staff {
            id: StaffId::parse("admin").expect("id"),
            name: "a".into(),
            unit: None,
            role: Role::Admin,
            deactivated: false,
            tokens: Vec::new(),
        },
        at(0),
        petition_core::audit::ClockMode::Simulated,
    )
    .expect("init");
    let admin = svc
        .principal(&StaffId::parse("admin").expect("id"))
        .expect("admin");
    for x in units() {
        svc.admin(&admin, at(0), AdminChange::AddUnit(x))
            .expect("unit");
    }
    for s in staff() {
        svc.admin(&admin, at(0), AdminChange::AddStaff(s))
            .expect("staff");
    }
    let li_id = svc
        .principal(&StaffId::parse("li").expect("id"))
        .expect("li");
    // Distinct petitioners: a repeat of the same matter is another workload (related cases).
    let mut n = 0u64;
    c.bench_function("sqlite: register one case (synchronous=FULL)", |b| {
        b.iter(|| {
            n += 1;
            svc.register(&li_id, at(5), registration_of(n))
                .expect("register")
        })
    });
    c.bench_function("sqlite: transfer one case (synchronous=FULL)", |b| {
        b.iter_custom(|iters| {
            let ids: Vec<CaseId> = (0..iters)
                .map(|_| {
                    n += 1;
                    svc.register(&li_id, at(5), registration_of(n))
                        .expect("register")
                        .case
                        .case
                        .id
                })
                .collect();
            let start = std::time::Instant::now();
            for id in &ids {
                svc.execute(
                    &li_id,
                    at(6),
                    id,
                    Command::Transfer {
                        to: u("c-zjj"),
                        note: None,
                    },
                )
                .expect("transfer");
            }
            start.elapsed()
        })
    });
    // The same petitioner and matter registered again and again (a frequent petitioner).
    c.bench_function("sqlite: register a repeat of 200 earlier cases", |b| {
        for _ in 0..200 {
            svc.register(&li_id, at(5), registration_of(u64::MAX))
                .expect("register");
        }
        b.iter(|| {
            svc.register(&li_id, at(5), registration_of(u64::MAX))
                .expect("register")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
