//! The SQLite store on a file: reopening, group commits, durability, tampering, migrations,
//! threads, admin changes in the chain.

use super::*;

pub(super) fn file_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("p.db");
    (dir, p)
}

#[test]
pub(super) fn reopened_database_replays_identical_cases() {
    let (_dir, p) = file_db();
    let (live, id) = {
        let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 2);
        seed(&mut svc);
        let id = walk(&mut svc);
        let c = svc
            .execute_by(
                &sid("cty-a-zjj.c"),
                at("2026-03-20"),
                &id,
                Command::Opinion {
                    outcome: Outcome::Explained,
                    text: "t".into(),
                    without_assist: None,
                },
            )
            .expect("opinion");
        (c, id)
    };
    let mut svc = Service::new(SqliteStore::open(&p, false).expect("reopen"));
    let (again, _) = svc.load(&id).expect("load");
    assert_eq!(again, live);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

/// A group commit (the server's writer): the commands of a group become durable together at
/// `commit_group`, not before; one that is refused inside the group is rolled back alone; a group
/// never committed leaves nothing behind; the chain verifies afterwards.
#[test]
pub(super) fn a_group_commit_stores_its_commands_together_and_a_refused_one_alone_rolls_back() {
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 5);
    seed(&mut svc);
    let first = walk(&mut svc);
    let mut other = Service::new(SqliteStore::open(&p, false).expect("open"));
    let count =
        |s: &mut Service<SqliteStore>| s.read(|w| w.txn()?.chain_case_count()).expect("count");
    let before = count(&mut other);

    svc.store().begin_group().expect("group");
    let a =
        clerk_registers(&mut svc, at("2026-03-04"), Channel::Visit).expect("register in the group");
    // Refused (a department cannot accept a case not routed to it): rolled back to its
    // savepoint, the group goes on.
    let refused = svc.execute_by(
        &sid("cty-a-zjj.c"),
        at("2026-03-04"),
        &a.id,
        Command::Accept { assist: vec![] },
    );
    // A unit the case was never routed to does not learn it exists.
    assert_eq!(refused.map(|_| ()).map_err(|e| e.code()), Err("not_found"));
    assert!(svc.store().group_intact());
    svc.execute_by(
        &sid("cty-a-xfj.c"),
        at("2026-03-04"),
        &a.id,
        Command::Transfer {
            to: u("cty-a-zjj"),
            note: None,
        },
    )
    .expect("transfer in the group");
    // The group's own connection reads its work; another connection sees none of it yet.
    let kinds: Vec<&str> = svc
        .load(&a.id)
        .expect("load")
        .1
        .iter()
        .map(|e| e.kind.type_name())
        .collect();
    assert_eq!(kinds, ["registered", "transferred"]);
    assert_eq!(count(&mut other), before);
    assert_eq!(
        other.load(&a.id).map(|_| ()).map_err(|e| e.code()),
        Err("not_found")
    );
    svc.store().commit_group().expect("commit");
    assert!(!svc.store().group_intact());
    assert_eq!(count(&mut other), before + 1);
    assert_eq!(other.load(&a.id).expect("load").0.state.as_str(), "routed");

    // A group that is never committed (the writer stopped) leaves nothing behind.
    svc.store().begin_group().expect("group");
    assert_eq!(
        svc.store().begin_group().map_err(|e| e.code()),
        Err("internal"),
        "one group at a time"
    );
    let lost =
        clerk_registers(&mut svc, at("2026-03-05"), Channel::Visit).expect("register in the group");
    drop(svc);
    assert_eq!(
        other.load(&lost.id).map(|_| ()).map_err(|e| e.code()),
        Err("not_found")
    );
    assert_eq!(count(&mut other), before + 1);

    // And the next command after it numbers the cases and seals the chain on from what is
    // stored.
    let mut svc = Service::with_seed(SqliteStore::open(&p, false).expect("open"), 6);
    let next = clerk_registers(&mut svc, at("2026-03-05"), Channel::Visit).expect("register");
    assert_eq!(next.id, lost.id);
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
    assert_ne!(first, next.id);
}

#[test]
pub(super) fn bulk_work_lets_the_log_grow_longer_between_checkpoints_on_its_own_connection() {
    let (_dir, p) = file_db();
    let bulk = SqliteStore::open(&p, true).expect("open");
    let other = SqliteStore::open(&p, false).expect("open");
    assert_eq!(bulk.raw_pragma("wal_autocheckpoint").expect("pragma"), 1000);
    bulk.set_checkpoint_pages(65_536).expect("set");
    assert_eq!(
        bulk.raw_pragma("wal_autocheckpoint").expect("pragma"),
        65_536
    );
    assert_eq!(
        other.raw_pragma("wal_autocheckpoint").expect("pragma"),
        1000
    );
}

#[test]
pub(super) fn missing_file_is_not_found_unless_creating() {
    let (_dir, p) = file_db();
    assert_eq!(
        SqliteStore::open(&p, false)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("not_found")
    );
}

#[test]
pub(super) fn update_and_delete_on_events_are_refused_by_the_database() {
    let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 3);
    seed(&mut svc);
    walk(&mut svc);
    let s = svc.store();
    assert!(s
        .raw_execute("UPDATE chain SET body = '{}' WHERE gseq = 1")
        .is_err());
    assert!(s.raw_execute("DELETE FROM chain WHERE gseq = 1").is_err());
}

#[test]
pub(super) fn tampering_after_dropping_triggers_is_found_by_verify_at_the_right_link() {
    let mut svc = Service::with_seed(SqliteStore::open_in_memory().expect("open"), 4);
    seed(&mut svc);
    let id = walk(&mut svc);
    let entries = svc.verify(&[]).expect("v").entries;
    // Find the gseq of the case's second event (the transfer) and forge its target.
    let target: i64 = {
        let mut g = 0;
        svc.work(|w| {
            w.txn()?.chain(1, &mut |e| {
                if e.body.contains("\"type\":\"transferred\"") && e.body.contains(id.as_str()) {
                    g = e.gseq as i64;
                }
                Ok(true)
            })
        })
        .expect("scan");
        g
    };
    assert!(target > 0);
    let s = svc.store();
    s.raw_execute("DROP TRIGGER chain_no_update")
        .expect("drop trigger");
    s.raw_execute(&format!(
        "UPDATE chain SET body = replace(body, 'cty-a-zjj', 'cty-a-xfj') WHERE gseq = {target}"
    ))
    .expect("tamper");
    // The trigger put back as it was: the schema is the program's own again, the chain is not.
    s.raw_execute(
        "CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END",
    )
    .expect("trigger");
    let r = svc.verify(&[]).expect("verify");
    let problem = r.problem.expect("tampering is found");
    assert!(
        problem.contains(&format!("entry {target}:")),
        "the broken link is named: {problem}"
    );
    assert!(r.entries < entries);
}

#[test]
pub(super) fn migration_from_empty_file_and_refusal_of_newer_version() {
    let (_dir, p) = file_db();
    {
        let s = SqliteStore::open(&p, true).expect("create");
        assert_eq!(s.user_version().expect("v"), SCHEMA_VERSION);
    }
    {
        let s = SqliteStore::open(&p, false).expect("reopen");
        s.raw_execute(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .expect("bump");
    }
    let e = SqliteStore::open(&p, false)
        .map(|_| ())
        .map_err(|e| e.code());
    assert_eq!(e, Err("integrity"));
}

#[test]
pub(super) fn a_file_that_is_not_a_database_is_integrity() {
    let (_dir, p) = file_db();
    std::fs::write(&p, b"this is not an sqlite database, just text, long enough to fill a header....................................").expect("write");
    assert_eq!(
        SqliteStore::open(&p, false)
            .map(|_| ())
            .map_err(|e| e.code()),
        Err("integrity")
    );
}

#[test]
pub(super) fn threads_with_their_own_connections_lose_no_event_and_share_no_case_id() {
    let (_dir, p) = file_db();
    {
        let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("create"), 5);
        seed(&mut svc);
    }
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let p = p.clone();
            std::thread::spawn(move || {
                let mut svc =
                    Service::with_seed(SqliteStore::open(&p, false).expect("open"), 100 + t);
                let mut made = Vec::new();
                for i in 0..15 {
                    let when = at(&format!("2026-03-{:02}", 2 + (i % 20)));
                    match clerk_registers(&mut svc, when, Channel::Letter) {
                        Ok(c) => {
                            let r = svc.execute_by(
                                &sid("cty-a-xfj.c"),
                                when,
                                &c.id,
                                Command::Transfer {
                                    to: u("cty-a-zjj"),
                                    note: None,
                                },
                            );
                            made.push((c.id, r.is_ok()));
                        }
                        Err(e) => assert_eq!(e.code(), "conflict", "only conflicts may fail"),
                    }
                }
                made
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().expect("thread"));
    }
    let mut ids: Vec<_> = all.iter().map(|(id, _)| id.clone()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "no duplicate case id");
    let mut svc = Service::new(SqliteStore::open(&p, false).expect("open"));
    for (id, transferred) in &all {
        let (c, events) = svc.load(id).expect("every registered case is there");
        assert_eq!(
            events.len(),
            if *transferred { 2 } else { 1 },
            "no event lost on {id}"
        );
        assert_eq!(c.state == crate::case::CaseState::Routed, *transferred);
    }
    assert_eq!(svc.verify(&[]).expect("verify").problem, None);
}

#[test]
pub(super) fn admin_changes_are_in_the_chain_and_need_an_admin() {
    let mut svc = Service::with_seed(MemoryStore::new(), 6);
    seed(&mut svc);
    let now: DateTime<FixedOffset> = at("2026-03-02");
    let e = svc.admin_by(
        &sid("cty-a-xfj.c"),
        now,
        AdminChange::SetPolicy {
            key: "handling_days".into(),
            value: "45".into(),
        },
    );
    assert_eq!(e.map_err(|e| e.code()), Err("permission_denied"));
    svc.admin_by(
        &sid("admin"),
        now,
        AdminChange::SetPolicy {
            key: "handling_days".into(),
            value: "45".into(),
        },
    )
    .expect("set");
    let mut last = String::new();
    svc.work(|w| {
        w.txn()?.chain(1, &mut |e| {
            last = e.body;
            Ok(true)
        })
    })
    .expect("chain");
    let v: serde_json::Value = serde_json::from_str(&last).expect("json");
    let ev: AdminEvent = serde_json::from_value(crate::audit::strip_gseq(v)).expect("admin event");
    assert_eq!(
        ev.kind,
        AdminKind::PolicySet {
            key: "handling_days".into(),
            value: "45".into()
        }
    );
    // A policy change affects clocks started afterwards.
    let c = clerk_registers(&mut svc, now, Channel::Letter).expect("reg");
    let c = svc
        .execute_by(
            &sid("cty-a-xfj.c"),
            now,
            &c.id,
            Command::Accept { assist: vec![] },
        )
        .expect("accept");
    assert_eq!(c.clocks.last().map(|k| k.due), Some(d("2026-04-16")));
}

/// Rewrites chain entry `gseq` of a SQLite file with `edit` and seals it and every later
/// entry again with the public hashing functions, the triggers put back as they were: the
/// chain hashes from end to end and the schema is the program's own.
fn reseal(p: &std::path::Path, gseq: u64, edit: impl FnOnce(&mut serde_json::Value)) {
    use crate::audit::{canonical, chain_hash, GENESIS};
    let conn = rusqlite::Connection::open(p).expect("open");
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT gseq, body FROM chain ORDER BY gseq")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<std::result::Result<_, _>>()
        .expect("rows");
    let triggers: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<std::result::Result<_, _>>()
        .expect("triggers");
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER {name}"))
            .expect("drop");
    }
    let mut edit = Some(edit);
    let mut prev = GENESIS;
    for (g, body) in rows {
        let mut v: serde_json::Value = serde_json::from_str(&body).expect("body");
        if g as u64 == gseq {
            if let Some(f) = edit.take() {
                f(&mut v);
            }
        }
        let text = canonical(&v);
        let h = chain_hash(&prev, &text);
        prev = h;
        if g as u64 >= gseq {
            conn.execute(
                "UPDATE chain SET body = ?1, hash = ?2 WHERE gseq = ?3",
                rusqlite::params![text, h.to_vec(), g],
            )
            .expect("reseal");
        }
    }
    for (_, sql) in &triggers {
        conn.execute_batch(sql).expect("trigger");
    }
}

#[test]
pub(super) fn a_resealed_event_fails_verify_by_the_rules_inline_and_with_a_helper() {
    let (_dir, p) = file_db();
    let mut svc = Service::with_seed(SqliteStore::open(&p, true).expect("open"), 4);
    seed(&mut svc);
    let id = walk(&mut svc);
    let helper = || Service::new(SqliteStore::open_read_only(&p).expect("open"));
    assert!(svc
        .verify_with_helper(&[], helper())
        .expect("verify")
        .problem
        .is_none());
    // The transfer's deadline moved years later (more time for the receiving unit) and
    // everything after it sealed again: the chain hashes, but the rules give another date.
    let mut target = 0;
    svc.read(|w| {
        w.txn()?.chain(1, &mut |e| {
            if e.body.contains("\"type\":\"transferred\"") && e.body.contains(id.as_str()) {
                target = e.gseq;
            }
            Ok(true)
        })
    })
    .expect("scan");
    assert!(target > 0);
    drop(svc);
    reseal(&p, target, |v| {
        v["clocks"][0]["due"] = serde_json::json!("2099-12-31");
    });
    let mut svc = Service::new(SqliteStore::open_read_only(&p).expect("open"));
    let inline = svc.verify(&[]).expect("verify").problem.unwrap_or_default();
    let helped = svc
        .verify_with_helper(&[], helper())
        .expect("verify")
        .problem
        .unwrap_or_default();
    assert!(
        inline.contains(&format!("audit chain, entry {target} (case {id}"))
            && inline.contains("not what the rules give"),
        "{inline}"
    );
    assert_eq!(inline, helped);

    // A helper over another database is refused.
    let (elsewhere, _) = crate::example::county();
    let e = svc
        .verify_with_helper(&[], elsewhere)
        .expect_err("another database");
    assert_eq!(e.code(), "validation");
}
