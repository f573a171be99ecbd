//! The rules pass of `verify`: every case event decided again (重新裁决), as `import` does.
//!
//! A chain whose hashes are right proves the bytes, not that the rules produced them: anyone
//! with the format in hand can seal an entry. So each case event is decided again from the
//! command that produced it, by its actor as the organisation stood at that point of the chain,
//! at its recorded time, against the case as it stood before it, and, where the rules read them,
//! the related cases and the merge target as they stood then. The event must be exactly what
//! the rules give; the further events one command gave (a tick's several, a merge's `absorbed`
//! on the other case) must follow it in the chain.
//!
//! Memory stays flat: cases are checked one at a time (the events of the case in hand, and of
//! the few other cases its rules read); the organisation, policy and calendar are kept once per
//! era (a run of case events between two administrative changes), not per event.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::access::{access, Access};
use crate::case::{decide, evolve, Actor, Case, Command, Context, Event, EventKind, Step};
use crate::clock::Calendar;
use crate::error::{DomainError, Result, StorageError};
use crate::ids::{ActorId, CaseId};
use crate::org::{Org, Staff};
use crate::policy::Policy;
use crate::store::{Matter, Txn};

/// The organisation, policy and calendar as they stood for a run of case events.
pub(super) struct Era {
    pub(super) org: Org,
    pub(super) policy: Policy,
    pub(super) calendar: Calendar,
}

/// The eras of a chain: each applies from the position of the first case event after the
/// administrative changes that made it.
#[derive(Clone, Default)]
pub(super) struct Eras(Vec<(u64, Arc<Era>)>);

impl Eras {
    /// Records the organisation, policy and calendar in force from case event `gseq` on.
    pub(super) fn begin(&mut self, gseq: u64, org: &Org, policy: &Policy, calendar: &Calendar) {
        self.0.push((
            gseq,
            Arc::new(Era {
                org: org.clone(),
                policy: policy.clone(),
                calendar: calendar.clone(),
            }),
        ));
    }

    /// The era in force at chain position `gseq`.
    fn at(&self, gseq: u64) -> Option<Arc<Era>> {
        let i = self.0.partition_point(|(from, _)| *from <= gseq);
        i.checked_sub(1).map(|i| self.0[i].1.clone())
    }
}

/// Where the events of a case stand in the chain: read with the events from the store's
/// chain table, or (a store without one) collected by the chain pass.
pub(super) enum Positions {
    Stored,
    Collected(HashMap<CaseId, Vec<u64>>),
}

/// The events of a case with their chain positions, in order.
pub(super) fn events_at<T: Txn>(
    txn: &mut T,
    positions: &Positions,
    id: &CaseId,
) -> Result<Vec<(u64, Event)>> {
    match positions {
        Positions::Stored => super::tables(txn)?.events_at(id),
        Positions::Collected(map) => {
            let events = txn.load_events(id)?;
            let at = map.get(id).map(Vec::as_slice).unwrap_or_default();
            if at.len() != events.len() {
                return Err(DomainError::from(StorageError::integrity(&format!(
                    "case {id}: the store holds {} events, the chain {}",
                    events.len(),
                    at.len()
                ))));
            }
            Ok(at.iter().copied().zip(events).collect())
        }
    }
}

/// The rules' view of the database at one chain position.
pub(super) struct Past<'a, T> {
    pub(super) txn: &'a mut T,
    pub(super) eras: &'a Eras,
    pub(super) positions: &'a Positions,
    /// The other cases read while checking the case in hand (its related cases, a merge's
    /// other side), kept until the next case.
    others: HashMap<CaseId, Vec<(u64, Event)>>,
}

impl<'a, T: Txn> Past<'a, T> {
    pub(super) fn new(txn: &'a mut T, eras: &'a Eras, positions: &'a Positions) -> Self {
        Past {
            txn,
            eras,
            positions,
            others: HashMap::new(),
        }
    }

    /// Another case's events with their positions (read once per checked case).
    fn other(&mut self, id: &CaseId) -> Result<&[(u64, Event)]> {
        if !self.others.contains_key(id) {
            let events = events_at(self.txn, self.positions, id)?;
            self.others.insert(id.clone(), events);
        }
        Ok(self.others.get(id).map(Vec::as_slice).unwrap_or_default())
    }

    /// Another case as it stood before chain position `gseq` (`None`: not registered yet).
    fn case_before(&mut self, id: &CaseId, gseq: u64) -> Result<Option<Case>> {
        let events = self.other(id)?;
        let before = events.partition_point(|(g, _)| *g < gseq);
        Ok((before > 0)
            .then(|| crate::case::replay(id.clone(), events[..before].iter().map(|(_, e)| e))))
    }

    /// Checks one case's events (`events`, with their positions) against the rules; returns the
    /// case they fold into and the first event the rules would not have produced, named.
    pub(super) fn check_case(
        &mut self,
        id: &CaseId,
        events: &[(u64, Event)],
    ) -> Result<(Case, Option<String>)> {
        self.others.clear();
        let mut case = Case::new(id.clone());
        let mut pending: VecDeque<Event> = VecDeque::new();
        let mut last = 0u64;
        for (g, ev) in events {
            let why = match pending.pop_front() {
                Some(want) if &want != ev || *g != last + 1 => Some(format!(
                    "the command's next event is `{}` at entry {}",
                    want.kind.type_name(),
                    last + 1
                )),
                Some(_) => None,
                None => match self.redecide(&case, *g, ev)? {
                    Ok(rest) => {
                        pending = rest;
                        None
                    }
                    Err(why) => Some(why),
                },
            };
            if let Some(why) = why {
                return Ok((case, Some(differs(*g, ev, &why))));
            }
            case = evolve(case, ev);
            last = *g;
        }
        if let (Some(next), Some((g, ev))) = (pending.front(), events.last()) {
            let why = format!(
                "the command also gives `{}`, which is not in the chain",
                next.kind.type_name()
            );
            return Ok((case, Some(differs(*g, ev, &why))));
        }
        Ok((case, None))
    }

    /// Decides again the command that produced `ev` (at chain position `gseq`, on `case` as it
    /// stood before it): `Ok` with the further events the command gave on this case, or why
    /// the rules give something else.
    fn redecide(
        &mut self,
        case: &Case,
        gseq: u64,
        ev: &Event,
    ) -> Result<std::result::Result<VecDeque<Event>, String>> {
        // The other side of a merge: made by the merge recorded on the other case just before.
        if let EventKind::Absorbed { from } = &ev.kind {
            let made = self.other(from)?.iter().any(|(g, e)| {
                *g + 1 == gseq && matches!(&e.kind, EventKind::Merged { into } if into == &ev.case)
            });
            return Ok(match made {
                true => Ok(VecDeque::new()),
                false => Err(format!("no merge of {from} into this case comes before it")),
            });
        }
        let Some(era) = self.eras.at(gseq) else {
            return Ok(Err("no organisation stood before it".into()));
        };
        let cmd = match crate::service::command_of(ev) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e.text().en.to_string())),
        };
        let staff: Option<Staff> = match &ev.actor {
            ActorId::Staff(s) => match crate::admin::active(&era.org, s) {
                Ok(s) => Some(s.clone()),
                Err(e) => return Ok(Err(format!("its actor: {}", e.text().en))),
            },
            ActorId::System | ActorId::Petitioner => None,
        };
        let actor = match (&staff, &ev.actor) {
            (Some(s), _) => Actor::Staff(s),
            (None, ActorId::Petitioner) => Actor::Petitioner,
            (None, _) => Actor::System,
        };
        let refused = |e: DomainError| match e {
            DomainError::Refused(r) => Ok(Err(format!("the rules refuse it: {}", r.text().en))),
            other => Err(other),
        };
        // Under rules 3 no one acts on a case they may not read.
        if let (Some(s), true, false) = (
            &staff,
            era.policy.rules >= 3,
            matches!(cmd, Step::Register { .. }),
        ) {
            if access(&era.org, s, case) == Access::Hidden {
                return Ok(Err("its actor may not read the case".into()));
            }
        }
        let related = match (&cmd, &staff) {
            (Step::Register { registration, .. }, Some(s)) => {
                if let Err(e) = registration.validate() {
                    return refused(e);
                }
                self.related_for(&era, s, registration, gseq, ev, case)?
            }
            (Step::Register { .. }, None) => return Ok(Err("only staff register cases".into())),
            (Step::Command(Command::Amend { field, value, .. }), Some(s)) => {
                match case.registration.as_ref().map(|r| r.amended(*field, value)) {
                    Some(Ok(reg)) => self.related_for(&era, s, &reg, gseq, ev, case)?,
                    _ => Vec::new(),
                }
            }
            (Step::Tick, _) => Vec::new(),
            _ => {
                let mut out = Vec::new();
                for r in &case.related {
                    if let Some(c) = self.case_before(r, gseq)? {
                        out.extend(crate::store::index::summary(&c));
                    }
                }
                out
            }
        };
        let target = match (&cmd, &staff) {
            (Step::Command(Command::Merge { into }), Some(s)) => self
                .case_before(into, gseq)?
                .filter(|t| access(&era.org, s, t) != Access::Hidden),
            _ => None,
        };
        let ctx = Context {
            now: ev.at,
            actor,
            org: &era.org,
            policy: &era.policy,
            calendar: &era.calendar,
            related: &related,
            target: target.as_ref(),
        };
        let mut produced: VecDeque<Event> = match decide(case, &cmd, &ctx) {
            Ok(evs) => evs.into(),
            Err(e) => return refused(e),
        };
        // A merge goes on with the other case absorbing this one, recorded right after.
        if let (Step::Command(Command::Merge { into }), Some(t)) = (&cmd, &target) {
            let absorb = Step::Absorb {
                from: ev.case.clone(),
            };
            let ctx = Context {
                target: None,
                ..ctx
            };
            let other = match decide(t, &absorb, &ctx) {
                Ok(evs) => evs,
                Err(e) => return refused(e),
            };
            let recorded: Vec<Event> = self
                .other(into)?
                .iter()
                .filter(|(g, _)| *g > gseq && *g <= gseq + other.len() as u64)
                .map(|(_, e)| e.clone())
                .collect();
            if recorded != other {
                return Ok(Err(format!(
                    "the merge into {into} is not recorded on that case as the rules give it"
                )));
            }
        }
        match produced.pop_front() {
            Some(first) if &first == ev => Ok(Ok(produced)),
            Some(first) => Ok(Err(format!(
                "the rules give `{}` by {} with other data",
                first.kind.type_name(),
                first.actor
            ))),
            None => Ok(Err("the rules give no event".into())),
        }
    }

    /// The earlier cases of a registration's matter that `staff` could read at chain position
    /// `gseq` (as the service gave them to the rules then): the cases matching it now, and those
    /// the event names, each as it stood then and kept when it matched then (`case`: the case
    /// in hand, as it stood then).
    fn related_for(
        &mut self,
        era: &Era,
        staff: &Staff,
        reg: &crate::case::Registration,
        gseq: u64,
        ev: &Event,
        case: &Case,
    ) -> Result<Vec<crate::case::RelatedCase>> {
        let keys = reg.identity_keys();
        let matter = Matter {
            keys: &keys,
            category: &reg.category,
            locality: &reg.locality,
        };
        let mut ids: Vec<CaseId> = match self.positions {
            Positions::Stored => super::tables(self.txn)?.matter_cases(&matter)?,
            Positions::Collected(_) => self
                .txn
                .find_related(&matter)?
                .into_iter()
                .map(|r| r.id)
                .collect(),
        };
        if let EventKind::Registered(r) = &ev.kind {
            ids.extend(r.related.iter().cloned());
        }
        ids.sort();
        ids.dedup();
        let mut out = Vec::new();
        for id in ids {
            let c = match id == case.id {
                true if case.seq == 0 => continue,
                true => case.clone(),
                false => match self.case_before(&id, gseq)? {
                    Some(c) => c,
                    None => continue,
                },
            };
            let row = crate::store::CaseRow::of(&c);
            if crate::store::index::is_related(&row, &keys, &reg.category, &reg.locality)
                && c.state != crate::case::CaseState::Voided
                && access(&era.org, staff, &c) != Access::Hidden
            {
                out.extend(crate::store::index::summary(&c));
            }
        }
        Ok(out)
    }
}

/// The problem line for an event the rules would not have produced.
fn differs(gseq: u64, ev: &Event, why: &str) -> String {
    format!(
        "audit chain, entry {gseq} (case {}, event {}, `{}`): not what the rules give at this point: {why}",
        ev.case,
        ev.seq,
        ev.kind.type_name()
    )
}

/// The rules pass on its own (this module), for a helper on another connection whose transaction
/// sees the same chain as the one that found `input`: every case, in id order, its events decided
/// again. Returns the first event the rules would not have produced, named.
pub(crate) fn rules_pass<T: Txn>(txn: &mut T, input: &super::Rules) -> Result<Option<String>> {
    if super::head_of(txn)?.map(|(g, _)| g).unwrap_or(0) != input.head {
        return Err(DomainError::from(StorageError::internal(
            "the rules pass's helper reads another state of the database",
        )));
    }
    let positions = Positions::Stored;
    let mut after: Option<CaseId> = None;
    loop {
        let ids = txn.case_ids(after.as_ref(), 1000)?;
        let Some(last) = ids.last().cloned() else {
            return Ok(None);
        };
        for id in &ids {
            let events = super::tables(txn)?.events_at(id)?;
            let (_, problem) = Past::new(txn, &input.eras, &positions).check_case(id, &events)?;
            if problem.is_some() {
                return Ok(problem);
            }
        }
        after = Some(last);
    }
}
