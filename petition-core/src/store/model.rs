//! State-machine model test (issue 8): random sequences of commands from many actors, applied
//! through the service to the in-memory store and to SQLite, must give identical cases and chains,
//! and every refusal must leave both unchanged.

use proptest::prelude::*;

use super::conformance::seed;
use super::*;
use crate::case::tests::{at, registration, u};
use crate::case::{
    Channel, CloseReason, Command, DeclineGround, Outcome, ReviewOutcome, Satisfaction,
    SupervisionGround,
};
use crate::ids::StaffId;
use crate::service::Service;

const ACTORS: [&str; 12] = [
    "cty-a-xfj.c",
    "cty-a-zjj.c",
    "cty-a-zjj.h",
    "town-a.c",
    "cty-a.c",
    "city-zjj.c",
    "city.c",
    "city-xfj.c",
    "city-court.c",
    "prov-zjt.c",
    "admin",
    "cty-b.c",
];

fn command(k: u8, n: u8) -> Command {
    let units = ["cty-a-zjj", "town-a", "cty-a", "city-court", "cty-a-xfj"];
    let unit = u(units[n as usize % units.len()]);
    let day = crate::case::tests::d("2026-03-02") + chrono::Days::new(u64::from(n) * 3);
    match k % 25 {
        0 => Command::Transfer {
            to: unit,
            note: None,
        },
        1 => Command::Assign {
            to: unit,
            report_by: day,
            note: None,
        },
        2 => Command::Object { reason: "r".into() },
        3 => Command::ResolveObjection {
            approve: n.is_multiple_of(2),
            note: None,
        },
        4 => Command::Accept {
            assist: if n.is_multiple_of(3) {
                vec![u("town-a")]
            } else {
                vec![]
            },
        },
        5 => Command::Decline {
            ground: DeclineGround::ALL[n as usize % DeclineGround::ALL.len()],
            notice: "n".into(),
        },
        6 => Command::AssistInput { text: "t".into() },
        7 => Command::Extend {
            days: u32::from(n % 40),
            reason: "r".into(),
        },
        8 => Command::Opinion {
            outcome: Outcome::Explained,
            text: "t".into(),
            without_assist: n.is_multiple_of(2).then(|| "w".into()),
        },
        9 => Command::Report { text: "t".into() },
        10 => Command::ReviewRequest { reason: None },
        11 => Command::ReviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "t".into(),
        },
        12 => Command::RereviewRequest { reason: None },
        13 => Command::Hearing {
            start: day,
            end: day + chrono::Days::new(2),
        },
        14 => Command::RereviewOpinion {
            outcome: ReviewOutcome::Revised,
            text: "t".into(),
        },
        15 => Command::Close {
            reason: CloseReason::Accepted,
        },
        16 => Command::Evaluate {
            handling: Satisfaction::BasicallySatisfied,
            office: None,
        },
        17 => Command::Withdraw { reason: "r".into() },
        18 => Command::Supervise {
            ground: SupervisionGround::Overdue,
            respond_by: day,
            text: "t".into(),
            unit: None,
            level: None,
        },
        19 => Command::Respond {
            supervision: 1 + u32::from(n % 2),
            text: "t".into(),
        },
        20 => Command::ExtendRequest {
            days: u32::from(n % 40),
            reason: "r".into(),
        },
        21 => Command::ExtendApprove,
        22 => Command::ExtendReject {
            note: n.is_multiple_of(2).then(|| "n".into()),
        },
        23 => Command::Take,
        _ => Command::Hand {
            to: StaffId::parse(ACTORS[n as usize % ACTORS.len()]).expect("staff"),
        },
    }
}

/// Runs the steps on the memory store and on `sql` (SQLite or PostgreSQL): identical cases,
/// refusals, statistics and chains.
fn agree<S: Store>(
    mut sql: Service<S>,
    steps: Vec<(u8, u8, usize, u8, u8)>,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let mut mem = Service::with_seed(MemoryStore::new(), 7);
    seed(&mut mem);
    seed(&mut sql);
    let mut ids = Vec::new();
    let mut day = 0u64;
    for (k, n, who, case_pick, gap) in steps {
        day += u64::from(gap);
        let now = at("2026-03-02") + chrono::Days::new(day);
        let actor = StaffId::parse(ACTORS[who]).expect("actor");
        if ids.is_empty() || case_pick == 0 && ids.len() < 4 {
            let r1 = mem.register_by(&actor, now, registration("town-a", Channel::Letter));
            let r2 = sql.register_by(&actor, now, registration("town-a", Channel::Letter));
            prop_assert_eq!(
                r1.as_ref().map_err(|e| e.code()),
                r2.as_ref().map_err(|e| e.code())
            );
            if let Ok(c) = r1 {
                ids.push(c.id);
            }
            continue;
        }
        let id = ids[case_pick as usize % ids.len()].clone();
        let before = (mem.load(&id).expect("load"), sql.load(&id).expect("load"));
        let heads = (
            mem.verify(&[]).expect("v").head,
            sql.verify(&[]).expect("v").head,
        );
        // `None`: the time-driven work.
        let cmd = (k != 19 || n % 5 != 0).then(|| command(k, n));
        let (r1, r2) = if let Some(cmd) = &cmd {
            (
                mem.execute_by(&actor, now, &id, cmd.clone()).map(|_| ()),
                sql.execute_by(&actor, now, &id, cmd.clone()).map(|_| ()),
            )
        } else {
            (mem.tick(now).map(|_| ()), sql.tick(now).map(|_| ()))
        };
        prop_assert_eq!(
            r1.as_ref().map_err(|e| e.code()),
            r2.as_ref().map_err(|e| e.code()),
            "{:?} by {}",
            cmd,
            ACTORS[who]
        );
        let after = (mem.load(&id).expect("load"), sql.load(&id).expect("load"));
        prop_assert_eq!(&after.0, &after.1, "the stores diverged after {:?}", cmd);
        if r1.is_err() {
            prop_assert_eq!(&before, &after, "a refusal changed a case");
            prop_assert_eq!(
                heads,
                (
                    mem.verify(&[]).expect("v").head,
                    sql.verify(&[]).expect("v").head
                ),
                "a refusal appended to the chain"
            );
        }
        // The projection used for decisions equals the replay of the events.
        let snap = sql.read(|w| w.txn()?.load_snapshot(&id)).expect("snapshot");
        prop_assert_eq!(snap.as_ref(), Some(&after.1 .0));
    }
    // Statistics: SQLite sums them as cases change, the memory store recomputes them from
    // the rows (the reference); both must agree on any grouping, range and day asked.
    for by in crate::stats::GROUPINGS {
        for (from, to) in [("2026-01-01", "2026-12-31"), ("2026-03-05", "2026-03-20")] {
            for days in [0u64, 20, 75, 400] {
                let now = at("2026-03-02") + chrono::Days::new(days);
                let (from, to) = (crate::case::tests::d(from), crate::case::tests::d(to));
                prop_assert_eq!(
                    mem.stats(from, to, now, by, None).expect("stats"),
                    sql.stats(from, to, now, by, None).expect("stats"),
                    "stats by {:?} from {} to {} on day {}",
                    by,
                    from,
                    to,
                    days
                );
            }
        }
    }
    // Every staff member's cases as officer (`queue --mine`) agree.
    for who in ACTORS {
        let q = CaseQuery {
            officer: Some(StaffId::parse(who).expect("staff")),
            limit: usize::MAX,
            ..CaseQuery::default()
        };
        let mine = mem.query(&q).expect("query");
        prop_assert_eq!(
            &mine,
            &sql.query(&q).expect("query"),
            "cases of officer {}",
            who
        );
        for id in &mine {
            let (c, _) = mem.load(id).expect("load");
            prop_assert_eq!(c.officer.as_ref().map(StaffId::as_str), Some(who));
        }
    }
    let (v1, v2) = (mem.verify(&[]).expect("v"), sql.verify(&[]).expect("v"));
    prop_assert_eq!(v1.problem, None);
    prop_assert_eq!(v1.head, v2.head, "identical chains, hash for hash");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_sqlite_stores_agree_on_every_sequence(steps in proptest::collection::vec((0u8..25, 0u8..40, 0usize..ACTORS.len(), 0u8..3, 0u8..4), 1..40)) {
        agree(Service::with_seed(SqliteStore::open_in_memory().expect("open"), 7), steps)?;
    }

    /// A bulk load runs many commands in one transaction and writes a case's query rows once,
    /// when it moves on to another case or commits: the rows must come out exactly as when every
    /// command commits on its own, and reads inside the transaction must see every change.
    #[test]
    fn commands_batched_in_one_transaction_leave_the_same_query_rows(steps in proptest::collection::vec((0u8..25, 0u8..40, 0usize..ACTORS.len(), 0u8..3, 0u8..4), 1..40)) {
        let mut single = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 7);
        let mut batch = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 7);
        seed(&mut single);
        seed(&mut batch);
        let mut plan = Vec::new();
        let mut ids: Vec<CaseId> = Vec::new();
        let mut day = 0u64;
        // Run each step on its own, recording what happened, then the same steps in one batch.
        for (k, n, who, case_pick, gap) in &steps {
            day += u64::from(*gap);
            let now = at("2026-03-02") + chrono::Days::new(day);
            let actor = StaffId::parse(ACTORS[*who]).expect("actor");
            if ids.is_empty() || *case_pick == 0 && ids.len() < 4 {
                let r = single.register_by(&actor, now, registration("town-a", Channel::Letter));
                if let Ok(c) = &r {
                    ids.push(c.id.clone());
                }
                plan.push((actor, now, None, r.map(|_| ()).map_err(|e| e.code())));
                continue;
            }
            let id = ids[*case_pick as usize % ids.len()].clone();
            // `None`: the time-driven work.
            let cmd = (*k != 19 || n % 5 != 0).then(|| command(*k, *n));
            let r = match &cmd {
                Some(cmd) => single.execute_by(&actor, now, &id, cmd.clone()).map(|_| ()),
                None => single.work(|w| w.tick_case(&id, now).map(|_| ())),
            };
            plan.push((actor, now, Some((id, cmd)), r.map_err(|e| e.code())));
        }
        batch.work(|w| {
            for (i, (actor, now, step, expected)) in plan.iter().enumerate() {
                let got = match step {
                    None => w.register_by(actor, *now, registration("town-a", Channel::Letter)).map(|_| ()),
                    Some((id, None)) => w.tick_case(id, *now).map(|_| ()),
                    Some((id, Some(cmd))) => w.execute_by(actor, *now, id, cmd.clone()).map(|_| ()),
                };
                assert_eq!(&got.map_err(|e| e.code()), expected, "{step:?}");
                // Reads in the same transaction see the change at once (on some steps only, so
                // that other steps pile up on the pending case).
                if let Some((id, _)) = step.as_ref().filter(|_| i % 3 == 0) {
                    let state = w.case(id)?.map(|c| c.state);
                    let q = CaseQuery { states: state.into_iter().collect(), limit: usize::MAX, ..CaseQuery::default() };
                    assert!(w.txn()?.query(&q)?.contains(id), "query rows lag behind {id}");
                }
            }
            Ok(())
        }).expect("batch");
        prop_assert_eq!(single.store().dump_query_tables(), batch.store().dump_query_tables());
        prop_assert_eq!(single.verify(&[]).expect("v").head, batch.verify(&[]).expect("v").head);
    }
}

#[cfg(feature = "postgres")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_postgres_stores_agree_on_every_sequence(steps in proptest::collection::vec((0u8..25, 0u8..40, 0usize..ACTORS.len(), 0u8..3, 0u8..4), 1..40)) {
        if let Some(url) = super::conformance::test_pg() {
            agree(Service::with_seed(super::conformance::fresh_pg(&url), 7), steps)?;
        }
    }
}

/// §6.6/§6.7 (one guarded door): a command on a case its actor may not read answers exactly as
/// on an unknown case — the same code, message and details, naming only the id asked — before
/// any rule of state, holder or role, and writes nothing. So a refusal's answer depends on
/// nothing the actor may not read: not on the case's existence, state, holder or accusation.
fn hidden_cases_answer_as_unknown(
    steps: Vec<(u8, u8, usize, u8, u8)>,
    probes: Vec<(u8, u8, usize, u8)>,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let mut svc = Service::with_seed(MemoryStore::new(), 11);
    seed(&mut svc);
    // Cases of every kind: accusations against a department, a petition office and a
    // government among them.
    let clerk = StaffId::parse("cty-a-xfj.c").expect("clerk");
    let mut ids = Vec::new();
    for accused in [None, Some("cty-a-zjj"), Some("city-xfj"), Some("cty-a")] {
        let mut reg = registration("town-a", Channel::Letter);
        reg.accused_unit = accused.map(u);
        ids.push(
            svc.register_by(&clerk, at("2026-03-02"), reg)
                .expect("register")
                .id,
        );
    }
    let mut day = 0u64;
    for (k, n, who, pick, gap) in steps {
        day += u64::from(gap);
        let now = at("2026-03-02") + chrono::Days::new(day);
        let actor = StaffId::parse(ACTORS[who]).expect("actor");
        let id = &ids[pick as usize % ids.len()];
        let _ = svc.execute_by(&actor, now, id, command(k, n));
    }
    let org = svc.read(|w| Ok(w.org().clone())).expect("org");
    let unknown = CaseId::new(2026, 999_999);
    let now = at("2026-03-02") + chrono::Days::new(day);
    for (k, n, who, pick) in probes {
        let actor = StaffId::parse(ACTORS[who]).expect("actor");
        let staff = org.staff(&actor).expect("staff").clone();
        let id = &ids[pick as usize % ids.len()];
        let (case, _) = svc.load(id).expect("load");
        if crate::access::access(&org, &staff, &case) != crate::access::Access::Hidden {
            continue;
        }
        let before = svc.verify(&[]).expect("verify").head;
        let cmd = command(k, n);
        let hidden = svc
            .execute_by(&actor, now, id, cmd.clone())
            .expect_err("hidden");
        let absent = svc
            .execute_by(&actor, now, &unknown, cmd.clone())
            .expect_err("unknown");
        prop_assert_eq!(
            &hidden,
            &crate::error::DomainError::from(crate::error::Refusal::NoCase { id: id.clone() }),
            "{:?} by {} on {}",
            cmd,
            ACTORS[who],
            id
        );
        let same = |e: &crate::error::DomainError, id: &CaseId| {
            let shown = serde_json::to_string(&e.refusal()).expect("json");
            (
                e.code(),
                e.text().en.replace(id.as_str(), "{}"),
                shown.replace(id.as_str(), "{}"),
            )
        };
        prop_assert_eq!(same(&hidden, id), same(&absent, &unknown));
        prop_assert_eq!(
            before,
            svc.verify(&[]).expect("verify").head,
            "nothing written"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn a_refusal_never_depends_on_what_the_actor_may_not_read(
        steps in proptest::collection::vec((0u8..25, 0u8..40, 0usize..ACTORS.len(), 0u8..4, 0u8..4), 0..30),
        probes in proptest::collection::vec((0u8..25, 0u8..40, 0usize..ACTORS.len(), 0u8..4), 1..40),
    ) {
        hidden_cases_answer_as_unknown(steps, probes)?;
    }
}
