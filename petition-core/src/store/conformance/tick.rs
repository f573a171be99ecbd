//! The time-driven work: due cases by cursor, interrupted and paged ticks, reading ahead.

use super::*;

pub(super) fn head<S: Store>(svc: &mut Service<S>) -> crate::verify::Head {
    svc.verify(&[]).expect("verify").head
}

pub(super) fn overdue_world<S: Store>(svc: &mut Service<S>) -> Vec<CaseId> {
    seed(svc);
    (0..6)
        .map(|i| {
            let c = clerk_registers(svc, at("2026-03-02"), Channel::Letter).expect("reg");
            if i % 2 == 0 {
                svc.execute_by(
                    &sid("cty-a-xfj.c"),
                    at("2026-03-02"),
                    &c.id,
                    Command::Transfer {
                        to: u("cty-a-zjj"),
                        note: None,
                    },
                )
                .expect("t");
            }
            c.id
        })
        .collect()
}

fn due(
    today: chrono::NaiveDate,
    after: Option<&(chrono::NaiveDate, CaseId)>,
    limit: usize,
) -> crate::store::DuePage<'_> {
    crate::store::DuePage {
        today,
        after,
        limit,
    }
}

pub(super) fn due_pages<S: Store>(mut svc: Service<S>) -> Vec<(chrono::NaiveDate, CaseId)> {
    overdue_world(&mut svc);
    let today = d("2026-04-01");
    let all = svc
        .read(|w| w.txn()?.due_for_tick(&due(today, None, 100)))
        .expect("due");
    assert_eq!(all.len(), 6, "every case has an overdue clock");
    assert!(all.windows(2).all(|w| w[0] < w[1]), "in (date, id) order");
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = svc
            .read(|w| w.txn()?.due_for_tick(&due(today, cursor.as_ref(), 4)))
            .expect("page");
        if page.is_empty() {
            break;
        }
        cursor = page.last().cloned();
        pages.push(page);
    }
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages.concat(),
        all,
        "pages after the cursor cover all, once"
    );
    let early = svc
        .read(|w| w.txn()?.due_for_tick(&due(d("2026-03-02"), None, 100)))
        .expect("due");
    assert!(
        early.is_empty(),
        "nothing is due on the day of registration"
    );
    all
}

#[test]
pub(super) fn due_cases_page_by_cursor_on_both_stores() {
    let mem = due_pages(Service::with_seed(MemoryStore::new(), 4));
    let sql = due_pages(Service::with_seed(
        SqliteStore::open_in_memory().expect("open"),
        4,
    ));
    assert_eq!(mem, sql);
}

#[test]
pub(super) fn tick_interrupted_midway_loses_nothing_and_a_rerun_finishes_the_job() {
    // Whole batches of cases per transaction (two here), so a crash mid-tick leaves whole cases
    // and a rerun completes.
    let (clean, ids, expected) = overdue_world_ticked();

    let left = std::rc::Rc::new(std::cell::Cell::new(i64::MAX));
    let mut svc = Service::with_seed(
        Flaky {
            inner: MemoryStore::new(),
            commits_left: left.clone(),
            conflict_first: None,
            reversed_queries: false,
        },
        9,
    );
    overdue_world(&mut svc);
    svc.set_tick_batch(2);
    // Reading the due list takes two commits (timezone, due list); let one batch of two cases
    // through, then crash.
    left.set(3);
    assert!(
        svc.tick(at("2026-04-01")).is_err(),
        "the simulated crash surfaces"
    );
    left.set(i64::MAX);
    let partial: Vec<usize> = ids
        .iter()
        .map(|id| svc.load(id).expect("load").0.supervisions.len())
        .collect();
    assert!(
        partial.iter().all(|n| *n <= 1),
        "no case half-ticked: {partial:?}"
    );
    assert!(
        partial.contains(&0) && partial.contains(&1),
        "the crash came midway: {partial:?}"
    );
    let rest = svc.tick(at("2026-04-01")).expect("rerun");
    let done: u64 = partial.iter().map(|n| *n as u64).sum();
    assert_eq!(
        rest.supervisions_opened + done,
        expected.supervisions_opened
    );
    assert_same_cases(&mut svc, clean, &ids, "as if never interrupted");
}

#[test]
pub(super) fn tick_in_many_small_pages_does_what_one_page_does() {
    // Each page of the due list is handled in case-number order, not due-date order; with
    // pages of three due cases (two per transaction) every case ends on SQLite as with one page on
    // the memory store.
    let (whole, ids, expected) = overdue_world_ticked();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = SqliteStore::open(&dir.path().join("p.db"), true).expect("open");
    let mut paged = Service::with_seed(file, 9);
    overdue_world(&mut paged);
    paged.set_tick_page(3);
    paged.set_tick_batch(2);
    assert_eq!(paged.tick(at("2026-04-01")).expect("tick"), expected);
    assert_same_cases(&mut paged, whole, &ids, "as with one page");
    assert_eq!(paged.verify(&[]).expect("verify").problem, None);
}

#[test]
pub(super) fn a_tick_reading_ahead_does_what_tick_does() {
    // Two connections to one file, the second loading each next transaction's cases into the
    // cache they share while the first ticks: every case ends as with a plain tick.
    let (whole, ids, expected) = overdue_world_ticked();
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut svc, mut reader) = overdue_file_and_reader(dir.path());
    let cache = std::sync::Arc::new(crate::service::CaseCache::new(16));
    reader.share_cases(cache.clone());
    let mut asked: Vec<Vec<CaseId>> = Vec::new();
    let done = svc
        .tick_reading_ahead(at("2026-04-01"), cache, |next| {
            reader.read_ahead(&next).expect("read ahead");
            asked.push(next);
        })
        .expect("tick");
    assert_eq!(done, expected);
    // Each page's first transaction, then each next one, in case-number order: every due case
    // was read ahead.
    let mut all: Vec<CaseId> = asked.concat();
    assert!(asked.iter().all(|t| t.len() <= 2), "{asked:?}");
    all.sort();
    all.dedup();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(all, want);
    assert_same_cases(&mut svc, whole, &ids, "as with a plain tick");
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

#[test]
pub(super) fn a_tick_with_a_reader_thread_does_what_tick_does() {
    // The same with the reader on its own thread, as the command line runs it: however far it
    // gets, every case ends as with a plain tick.
    let (whole, ids, expected) = overdue_world_ticked();
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut svc, reader) = overdue_file_and_reader(dir.path());
    let done = svc
        .tick_with_reader(at("2026-04-01"), reader)
        .expect("tick");
    assert_eq!(done, expected);
    assert_same_cases(&mut svc, whole, &ids, "as with a plain tick");
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

/// The overdue world in a SQLite file under `dir`, ticked in pages of four due cases (two per
/// transaction), and a second service on its own connection to the file (the reader).
pub(super) fn overdue_file_and_reader(
    dir: &std::path::Path,
) -> (Service<SqliteStore>, Service<SqliteStore>) {
    let path = dir.join("a.db");
    let mut svc = Service::with_seed(SqliteStore::open(&path, true).expect("open"), 9);
    overdue_world(&mut svc);
    svc.set_tick_page(4);
    svc.set_tick_batch(2);
    let reader = Service::new(SqliteStore::open(&path, false).expect("open"));
    (svc, reader)
}

#[test]
pub(super) fn a_tick_reading_ahead_takes_a_copy_only_at_the_stores_number() {
    // A copy in the cache without its clocks: at the case's number in the store the tick
    // takes it (and opens no supervision for that case); one number off, it reads the store.
    // (SQLite: the memory store keeps no numbers to compare, so it never takes a copy.)
    for (off, opened) in [(0, 5), (1, 6)] {
        let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 9);
        let ids = overdue_world(&mut svc);
        let (mut copy, _) = svc.load(&ids[0]).expect("load");
        copy.clocks.clear();
        copy.seq += off;
        let cache = std::sync::Arc::new(crate::service::CaseCache::new(16));
        cache.put(&copy);
        let done = svc
            .tick_reading_ahead(at("2026-04-01"), cache, |_| {})
            .expect("tick");
        assert_eq!(
            done.supervisions_opened, opened,
            "copy {off} off the store's number"
        );
    }
}

/// The overdue world on the memory store, ticked once in one go: the reference a tick done
/// another way must match (its cases and what the tick did).
pub(super) fn overdue_world_ticked() -> (
    Service<MemoryStore>,
    Vec<CaseId>,
    crate::service::TickSummary,
) {
    let mut svc = Service::with_seed(MemoryStore::new(), 9);
    let ids = overdue_world(&mut svc);
    let done = svc.tick(at("2026-04-01")).expect("tick");
    assert_eq!(done.supervisions_opened, 6);
    (svc, ids, done)
}

/// Every case of `ids` in `svc` is as in `reference`, and a further tick has nothing to do.
pub(super) fn assert_same_cases<S: Store>(
    svc: &mut Service<S>,
    mut reference: Service<MemoryStore>,
    ids: &[CaseId],
    how: &str,
) {
    for id in ids {
        assert_eq!(
            svc.load(id).expect("load").0,
            reference.load(id).expect("load").0,
            "{id} {how}"
        );
    }
    assert_eq!(svc.tick(at("2026-04-01")).expect("again").events, 0);
}
