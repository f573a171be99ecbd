//! 一致性检验: the behaviour every [`Store`] must show, as a suite the implementor of a new
//! backend runs against it. Both stores of this crate pass it in the crate's own tests.
//!
//! Each check starts from a fresh, empty store made by the caller's function, sets the example
//! county up ([`crate::example::setup`]) and works through the [`Service`] as a clerk would; a
//! check that fails panics with its name and what differed.
//!
//! ```
//! // A new backend's test: every check, each on a fresh store.
//! petition_core::conformance::check_store(petition_core::MemoryStore::new);
//! ```
//!
//! What the suite asks of a backend is written on [`Txn`]: total order of appends, sequence and
//! position conflicts, atomic commit, reading its own writes, nothing ever changed once committed.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::audit::Entry;
use crate::case::{Case, CaseState, Command, Event, EventKind};
use crate::error::{DomainError, Refusal};
use crate::example::{registration, setup, staff, unit};
use crate::ids::{ActorId, CaseId};
use crate::interchange::{export_jsonl, import_jsonl};
use crate::service::{Service, Work};
use crate::store::{seal, CaseQuery, Finished, Order, Store, StoredEntry, Txn};

/// One check: its name and its body.
type Check<S> = (&'static str, fn(Service<S>, &mut dyn FnMut() -> S));

/// Every check, by name, in the order [`check_store`] runs them.
pub fn check_names() -> Vec<&'static str> {
    checks::<crate::store::MemoryStore>()
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

fn checks<S: Store>() -> Vec<Check<S>> {
    vec![
        (
            "events_replay_to_the_stored_snapshot",
            replay_equals_snapshot,
        ),
        ("a_refused_command_appends_nothing", refused_appends_nothing),
        ("stale_sequences_and_taken_positions_conflict", conflicts),
        (
            "an_aborted_transaction_leaves_nothing",
            aborted_leaves_nothing,
        ),
        (
            "case_numbers_are_gap_free_and_repeats_found",
            numbering_and_repeats,
        ),
        ("queries_filter_order_and_page", queries),
        ("search_finds_characters_names_and_number_ends", search),
        (
            "an_amended_registration_moves_its_rows_and_is_decided_again",
            amend,
        ),
        ("queues_follow_duties_and_first_contact", queues),
        ("tick_finds_due_work_once", tick_once),
        ("merge_writes_both_cases_or_neither", merge),
        ("the_access_log_is_a_chain_of_its_own", access_log),
        ("a_jsonl_round_trip_rebuilds_the_same_chain", round_trip),
        ("the_change_feed_pages_the_chain", change_feed),
        (
            "kept_settings_and_cases_follow_every_change",
            kept_follow_changes,
        ),
    ]
}

/// Runs the check called `name` ([`check_names`]) on a fresh store from `fresh`: a backend's own
/// test suite runs each check as a test of its own, so a failure names both the backend and
/// the check.
///
/// # Panics
/// When the check fails, naming it, or when no check has that name.
pub fn check_one<S: Store>(name: &str, mut fresh: impl FnMut() -> S) {
    let Some((_, check)) = checks::<S>().into_iter().find(|(n, _)| *n == name) else {
        panic!("no conformance check is called `{name}`: see check_names()");
    };
    let svc = Service::with_seed(fresh(), 1);
    check(svc, &mut fresh);
}

/// Runs every check, each on a fresh store from `fresh`.
///
/// # Panics
/// On the first check that fails, naming it.
pub fn check_store<S: Store>(mut fresh: impl FnMut() -> S) {
    for (name, check) in checks::<S>() {
        let svc = Service::with_seed(fresh(), 1);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check(svc, &mut fresh);
        }));
        if let Err(p) = outcome {
            let why = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("conformance check `{name}` failed: {why}");
        }
    }
}

fn at(day: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).expect("a test time")
}

fn date(day: &str) -> NaiveDate {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a test date")
}

fn ok<T>(r: Result<T, DomainError>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: [{}] {}", e.code(), e.text().en))
}

fn code<T>(r: Result<T, DomainError>) -> Result<(), &'static str> {
    r.map(|_| ()).map_err(|e| e.code())
}

/// Registers the example letter as `li` at the petition office on `day`.
fn register<S: Store>(svc: &mut Service<S>, day: &str) -> Case {
    ok(
        svc.register_by(&staff("li"), at(day), registration(at(day))),
        "register",
    )
}

fn run<S: Store>(svc: &mut Service<S>, who: &str, day: &str, id: &CaseId, cmd: Command) -> Case {
    let what = format!("{} by {who}", cmd.name());
    ok(svc.execute_by(&staff(who), at(day), id, cmd), &what)
}

/// Registered by `li` on 03-02, transferred to the housing bureau and accepted there on 03-03.
fn handled<S: Store>(svc: &mut Service<S>) -> CaseId {
    setup(svc);
    let id = register(svc, "2026-03-02").id;
    let to = unit("county-zjj");
    run(
        svc,
        "li",
        "2026-03-02",
        &id,
        Command::Transfer { to, note: None },
    );
    run(
        svc,
        "wang",
        "2026-03-03",
        &id,
        Command::Accept { assist: vec![] },
    );
    id
}

fn entries<S: Store>(svc: &mut Service<S>) -> u64 {
    ok(svc.verify(&[]), "verify").entries
}

fn clean<S: Store>(svc: &mut Service<S>) {
    let report = ok(svc.verify(&[]), "verify");
    assert_eq!(report.problem, None, "verify finds a problem");
}

fn replay_equals_snapshot<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    assert_eq!(id.as_str(), "XF2026-000001");
    let (case, events) = ok(svc.load(&id), "load");
    assert_eq!(events.len(), 3, "three events");
    assert_eq!(case.state, CaseState::Handling);
    let snapshot = ok(svc.read(|w| w.txn()?.load_snapshot(&id)), "snapshot");
    assert_eq!(snapshot.as_ref(), Some(&case), "the snapshot is the replay");
    assert_eq!(code(svc.load(&CaseId::new(2026, 99))), Err("not_found"));
    clean(&mut svc);
}

fn refused_appends_nothing<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let before = entries(&mut svc);
    let again = svc.execute_by(
        &staff("li"),
        at("2026-03-04"),
        &id,
        Command::Accept { assist: vec![] },
    );
    assert!(again.is_err(), "accepting twice is refused");
    assert_eq!(entries(&mut svc), before, "a refusal appends nothing");
}

/// An event for `case` sealed `ahead` positions past the chain's last entry.
fn sealed_at<T: Txn>(
    w: &mut Work<'_, T>,
    ahead: u64,
    ev: &Event,
) -> Result<StoredEntry, DomainError> {
    let tail = w.txn()?.chain_tail()?.expect("a chain");
    let mut prev = [0u8; 32];
    prev.copy_from_slice(&tail.last.hash);
    Ok(seal(
        tail.last.gseq + ahead,
        &prev,
        &Entry::Case(ev.clone()),
    ))
}

fn objection(c: &Case, seq: u32) -> Event {
    Event {
        case: c.id.clone(),
        seq,
        at: at("2026-03-05"),
        actor: ActorId::System,
        unit: None,
        kind: EventKind::Objected { reason: "x".into() },
    }
}

fn conflicts<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let before = entries(&mut svc);
    // Another writer appended sequence 2 first: appending it again is `conflict`.
    let stale = svc.work(|w| {
        let (c, _) = w.load(&id)?;
        let ev = objection(&c, 2);
        let s = sealed_at(w, 1, &ev)?;
        w.txn()?
            .append(1, Finished::of(&[ev][..]), Finished::of(&[s][..]))
    });
    assert_eq!(code(stale), Err("conflict"), "a stale sequence");
    // An entry sealed for a position another writer took, or one leaving a gap.
    for ahead in [0, 2] {
        let taken = svc.work(|w| {
            let (c, _) = w.load(&id)?;
            let ev = objection(&c, c.seq + 1);
            let s = sealed_at(w, ahead, &ev)?;
            w.txn()?
                .append(c.seq, Finished::of(&[ev][..]), Finished::of(&[s][..]))
        });
        assert_eq!(code(taken), Err("conflict"), "chain position +{ahead}");
    }
    assert_eq!(entries(&mut svc), before, "nothing was stored");
    clean(&mut svc);
}

fn aborted_leaves_nothing<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    setup(&mut svc);
    let before = entries(&mut svc);
    let aborted: Result<(), DomainError> = svc.work(|w| {
        w.register_by(
            &staff("li"),
            at("2026-03-02"),
            registration(at("2026-03-02")),
        )?;
        Err(Refusal::invalid("stop", "停止").into())
    });
    assert_eq!(code(aborted), Err("validation"));
    assert_eq!(
        entries(&mut svc),
        before,
        "no chain entry survives an abort"
    );
    assert_eq!(ok(svc.read(|w| w.case_count()), "count"), 0);
    assert_eq!(
        register(&mut svc, "2026-03-02").id.as_str(),
        "XF2026-000001",
        "an aborted registration takes no number"
    );
    clean(&mut svc);
}

fn numbering_and_repeats<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let mut bad = registration(at("2026-03-05"));
    bad.summary = String::new();
    assert!(svc
        .register_by(&staff("li"), at("2026-03-05"), bad)
        .is_err());
    let c2 = register(&mut svc, "2026-03-05");
    assert_eq!(c2.id.as_str(), "XF2026-000002", "a refusal takes no number");
    assert_eq!(c2.repeat_of, Some(id), "same person, category and locality");
    let mut other = registration(at("2026-03-05"));
    other.category = "land.use".into();
    let c3 = ok(
        svc.register_by(&staff("li"), at("2026-03-05"), other),
        "third",
    );
    assert_eq!(c3.repeat_of, None, "another category is another matter");
    clean(&mut svc);
}

/// The handled case and two letters registered on 03-05 (the second on another matter).
fn three<S: Store>(svc: &mut Service<S>) -> (CaseId, CaseId, CaseId) {
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

fn queries<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

fn search<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

fn amend<S: Store>(mut svc: Service<S>, fresh: &mut dyn FnMut() -> S) {
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

fn queues<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

fn tick_once<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

fn merge<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

fn access_log<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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
fn copied<S: Store>(svc: &mut Service<S>, fresh: &mut dyn FnMut() -> S, day: &str) -> Service<S> {
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

fn round_trip<S: Store>(mut svc: Service<S>, fresh: &mut dyn FnMut() -> S) {
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
fn kept_follow_changes<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

fn change_feed<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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
