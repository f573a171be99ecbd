//! Checks of writing: replay, refusal, conflicts, aborts and numbering.

use crate::audit::Entry;
use crate::case::{Case, CaseState, Command, Event, EventKind};
use crate::error::{DomainError, Refusal};
use crate::example::{registration, setup, staff};
use crate::ids::{ActorId, CaseId};
use crate::service::{Service, Work};
use crate::store::{seal, Finished, Store, StoredEntry, Txn};

use super::*;

pub(super) fn replay_equals_snapshot<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

pub(super) fn refused_appends_nothing<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let before = entries(&mut svc);
    let again = svc.execute_by(
        &staff("li"),
        at("2026-03-04"),
        &id,
        Command::Accept { assist: vec![] },
    );
    assert_eq!(
        again.map(|_| ()).map_err(|e| e.code()),
        Err("invalid_transition"),
        "accepting twice is refused"
    );
    assert_eq!(entries(&mut svc), before, "a refusal appends nothing");
}

/// An event for `case` sealed `ahead` positions past the chain's last entry.
pub(super) fn sealed_at<T: Txn>(
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
        None,
    ))
}

pub(super) fn objection(c: &Case, seq: u32) -> Event {
    Event {
        case: c.id.clone(),
        seq,
        at: at("2026-03-05"),
        actor: ActorId::System,
        unit: None,
        kind: EventKind::Objected { reason: "x".into() },
    }
}

pub(super) fn conflicts<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
    let id = handled(&mut svc);
    let before = entries(&mut svc);
    // Another writer appended sequence 2 first: appending it again is `conflict`.
    let stale = svc.work(|w| {
        let (c, _) = w.load(&id)?;
        let ev = objection(&c, 2);
        let s = sealed_at(w, 1, &ev)?;
        w.txn()?.append(Finished::of(&crate::store::Append {
            expected_seq: 1,
            events: &[ev],
            sealed: &[s],
        }))
    });
    assert_eq!(code(stale), Err("conflict"), "a stale sequence");
    // An entry sealed for a position another writer took, or one leaving a gap.
    for ahead in [0, 2] {
        let taken = svc.work(|w| {
            let (c, _) = w.load(&id)?;
            let ev = objection(&c, c.seq + 1);
            let s = sealed_at(w, ahead, &ev)?;
            w.txn()?.append(Finished::of(&crate::store::Append {
                expected_seq: c.seq,
                events: &[ev],
                sealed: &[s],
            }))
        });
        assert_eq!(code(taken), Err("conflict"), "chain position +{ahead}");
    }
    assert_eq!(entries(&mut svc), before, "nothing was stored");
    clean(&mut svc);
}

pub(super) fn aborted_leaves_nothing<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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

pub(super) fn numbering_and_repeats<S: Store>(mut svc: Service<S>, _: &mut dyn FnMut() -> S) {
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
