//! The statistics on a hand-built set of cases, agreed by both stores; migration 2.

use super::*;

pub(super) fn stats_world<S: Store>(svc: &mut Service<S>) {
    use crate::case::{Outcome, Satisfaction};
    seed(svc);
    let xfj = sid("cty-a-xfj.c");
    let zjj = sid("cty-a-zjj.c");
    let t = |to: &str| Command::Transfer {
        to: u(to),
        note: None,
    };
    let opinion = Command::Opinion {
        outcome: Outcome::Supported,
        text: "t".into(),
        without_assist: None,
    };
    // A: routed, accepted and answered in time, rated satisfied.
    let a = clerk_registers(svc, at("2026-03-02"), Channel::Letter)
        .expect("a")
        .id;
    svc.execute_by(&xfj, at("2026-03-02"), &a, t("cty-a-zjj"))
        .expect("t");
    svc.execute_by(
        &zjj,
        at("2026-03-03"),
        &a,
        Command::Accept { assist: vec![] },
    )
    .expect("acc");
    svc.execute_by(&zjj, at("2026-03-20"), &a, opinion.clone())
        .expect("op");
    svc.execute_by(
        &xfj,
        at("2026-03-21"),
        &a,
        Command::Evaluate {
            handling: Satisfaction::Satisfied,
            office: None,
        },
    )
    .expect("ev");
    // B: accepted late (acceptance due 03-17), handling still open and overdue at the end of June.
    let mut rb = registration("town-a", Channel::Visit);
    rb.petitioners[0].id_number = None;
    rb.petitioners[0].phone = Some("13900000002".into());
    rb.headcount = 7;
    let b = svc.register_by(&xfj, at("2026-03-02"), rb).expect("b").id;
    svc.execute_by(&xfj, at("2026-03-02"), &b, t("cty-a-zjj"))
        .expect("t");
    svc.execute_by(
        &zjj,
        at("2026-03-20"),
        &b,
        Command::Accept { assist: vec![] },
    )
    .expect("acc");
    // C: never routed — an undecided overdue intake.
    let mut rc = registration("town-a", Channel::Letter);
    rc.petitioners[0].id_number = None;
    rc.petitioners[0].phone = Some("13900000003".into());
    svc.register_by(&xfj, at("2026-03-03"), rc).expect("c");
    // D: a repeat of A, answered in time, never rated (evaluation lapses).
    let d = clerk_registers(svc, at("2026-03-05"), Channel::Letter)
        .expect("d")
        .id;
    svc.execute_by(&xfj, at("2026-03-05"), &d, t("cty-a-zjj"))
        .expect("t");
    svc.execute_by(
        &zjj,
        at("2026-03-06"),
        &d,
        Command::Accept { assist: vec![] },
    )
    .expect("acc");
    svc.execute_by(&zjj, at("2026-03-16"), &d, opinion)
        .expect("op");
    // Outside the period: not counted.
    clerk_registers(svc, at("2026-04-02"), Channel::Letter).expect("e");
}

pub(super) fn check_stats<S: Store>(mut svc: Service<S>) -> Vec<crate::stats::Group> {
    use crate::stats::{GroupBy, Kpi};
    stats_world(&mut svc);
    let now = at("2026-06-30");
    let groups = svc
        .stats(d("2026-03-01"), d("2026-03-31"), now, GroupBy::Unit, None)
        .expect("stats");
    let g = |k: &str| {
        groups
            .iter()
            .find(|g| g.key == k)
            .map(|g| g.json())
            .unwrap_or_else(|| panic!("no group {k}"))
    };
    let x = g("cty-a-xfj");
    assert_eq!(x["name"], "cty-a-xfj name");
    assert_eq!(
        (
            x["registered"].as_u64(),
            x["repeats"].as_u64(),
            x["collective_visits"].as_u64()
        ),
        (Some(4), Some(1), Some(1))
    );
    assert_eq!(x["repeat_rate"], 0.25);
    assert_eq!(
        x["timely_acceptance_rate"], 0.75,
        "3 intakes routed in time, 1 undecided and overdue"
    );
    assert_eq!(x["overdue_open"]["intake"], 1);
    assert!(
        x["on_time_completion_rate"].is_null(),
        "no handling clocks: null, not 0"
    );
    let z = g("cty-a-zjj");
    assert_eq!(z["registered"], 0);
    let third = 2.0 / 3.0;
    assert_eq!(
        z["timely_acceptance_rate"].as_f64(),
        Some(third),
        "B accepted after its 15 days"
    );
    assert_eq!(
        z["on_time_completion_rate"].as_f64(),
        Some(third),
        "B open and overdue counts as a miss"
    );
    assert_eq!(z["participation_rate"], 0.5, "one rated, one lapsed");
    assert_eq!(z["satisfaction_rate"], 1.0);
    assert_eq!(z["overdue_open"]["handling"], 1);
    assert!(z["repeat_rate"].is_null());
    // Ranking: best first, worst last; units without a value last.
    let ranked = svc
        .stats(
            d("2026-03-01"),
            d("2026-03-31"),
            now,
            GroupBy::Unit,
            Some(Kpi::TimelyAcceptanceRate),
        )
        .expect("rank");
    let keys: Vec<&str> = ranked.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(&keys[..2], ["cty-a-xfj", "cty-a-zjj"]);
    // By locality: all four cases concern town-a.
    let by_loc = svc
        .stats(
            d("2026-03-01"),
            d("2026-03-31"),
            now,
            GroupBy::Locality,
            None,
        )
        .expect("loc");
    assert_eq!(by_loc.len(), 1);
    assert_eq!(by_loc[0].counts.registered, 4);
    assert_eq!(by_loc[0].counts.timely_base, 7);
    groups
}

/// A database written by schema 1 (statistics by covering indexes, identities without the
/// matter) migrates to 2 with the same query rows and statistics as one written by 2 itself.
#[test]
pub(super) fn migration_2_fills_statistics_and_rekeys_identities_from_the_cases() {
    use crate::stats::GROUPINGS;
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 3);
    stats_world(&mut svc);
    walk(&mut svc);
    let ask = |svc: &mut Service<SqliteStore>| {
        GROUPINGS
            .iter()
            .map(|by| {
                svc.stats(
                    d("2026-01-01"),
                    d("2026-12-31"),
                    at("2026-06-30"),
                    *by,
                    None,
                )
                .expect("stats")
            })
            .collect::<Vec<_>>()
    };
    let (rows, stats) = (svc.store().dump_query_tables(), ask(&mut svc));
    assert!(rows.iter().any(|r| r.starts_with("stats:")));
    // Turn the file back into schema 1.
    svc.store()
        .raw_execute(
            "DROP TABLE stats;
             DROP INDEX cases_next_tick;
             CREATE INDEX cases_next_tick ON cases(next_tick) WHERE next_tick IS NOT NULL;
             DROP INDEX cases_state; CREATE INDEX cases_state ON cases(state, registered_on);
             DROP INDEX cases_registered; CREATE INDEX cases_registered ON cases(registered_on);
             CREATE INDEX clocks_stats ON clocks(unit, kind, duty, registered_on, met, stopped_on, due, lapsed, rating);
             CREATE INDEX cases_stats ON cases(first_contact, registered_on, channel, collective, skip_level, repeat);
             CREATE TABLE identities_v1(key TEXT NOT NULL, case_id TEXT NOT NULL REFERENCES cases(id),
                 PRIMARY KEY(key, case_id)) STRICT, WITHOUT ROWID;
             INSERT INTO identities_v1 SELECT DISTINCT key, case_id FROM identities;
             DROP TABLE identities; ALTER TABLE identities_v1 RENAME TO identities;
             DROP TABLE access_log;
             DROP TABLE case_units;
             DROP INDEX cases_officer; ALTER TABLE cases DROP COLUMN officer;
             DROP TABLE case_text;
             DROP TABLE idempotency; DROP TABLE external_refs; DROP TABLE case_accused;
             DROP TABLE files; DROP TABLE file_chunks;
             PRAGMA user_version = 1;",
        )
        .expect("downgrade");
    drop(svc);
    let mut svc = Service::new(SqliteStore::open(&p, false).expect("migrate"));
    assert_eq!(svc.store().user_version().expect("v"), SCHEMA_VERSION);
    assert_eq!(svc.store().dump_query_tables(), rows);
    assert_eq!(ask(&mut svc), stats);
    assert!(
        rows.iter().any(|r| r.starts_with("case_text:")),
        "search rows refilled"
    );
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

#[test]
pub(super) fn stats_definitions_on_a_hand_built_set_agree_on_both_stores() {
    // The statistics, each rate with a known value; the SQL must agree with the reference definition.
    let mem = check_stats(Service::with_seed(MemoryStore::new(), 1));
    let sql = check_stats(Service::with_seed(
        SqliteStore::open_in_memory().expect("open"),
        1,
    ));
    assert_eq!(mem, sql);
}

/// A database of schema 7 (statistics without persons or channels) migrates to 8 with the
/// statistics counted again from the cases: persons (人次) and the channel grouping as a database
/// written by 8 itself has them.
#[test]
pub(super) fn migration_8_counts_persons_and_channels_from_the_cases() {
    use crate::stats::GROUPINGS;
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 3);
    stats_world(&mut svc);
    walk(&mut svc);
    let ask = |svc: &mut Service<SqliteStore>| {
        GROUPINGS
            .iter()
            .map(|by| {
                svc.stats(
                    d("2026-01-01"),
                    d("2026-12-31"),
                    at("2026-06-30"),
                    *by,
                    None,
                )
                .expect("stats")
            })
            .collect::<Vec<_>>()
    };
    let stats = ask(&mut svc);
    let persons: u64 = stats[0].iter().map(|g| g.counts.persons).sum();
    let registered: u64 = stats[0].iter().map(|g| g.counts.registered).sum();
    assert!(persons > registered, "a group visit counts its persons");
    let by_channel: u64 = stats[3].iter().map(|g| g.counts.registered).sum();
    assert_eq!(by_channel, registered, "every case in one channel");
    // Back to schema 7: the counters as an older program kept them (none of grouping 3, no
    // persons).
    svc.store()
        .raw_execute(
            "DELETE FROM stats WHERE grouping = 3 OR item = 'persons'; DROP TABLE files; DROP TABLE file_chunks; PRAGMA user_version = 7;",
        )
        .expect("downgrade");
    drop(svc);
    let mut svc = Service::new(SqliteStore::open(&p, false).expect("migrate"));
    assert_eq!(svc.store().user_version().expect("v"), SCHEMA_VERSION);
    assert_eq!(ask(&mut svc), stats);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}
