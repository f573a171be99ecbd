//! `evolve` and `replay`: the current case as a pure fold of its events. `evolve` cannot fail —
//! every check happened in `decide` — and depends on nothing but the case and the event.

use chrono::{DateTime, FixedOffset};

use super::event::*;
use super::model::*;
use super::vocabulary::*;
use crate::clock::{Clock, ClockKind, ClockStart};

fn start(case: &mut Case, starts: &[ClockStart]) {
    for s in starts {
        let index = case.clocks.len() as u32;
        case.clocks.push(Clock::from_start(index, s));
    }
}

fn stop_where(case: &mut Case, at: DateTime<FixedOffset>, f: impl Fn(&Clock) -> bool) {
    for c in case.clocks.iter_mut().filter(|c| c.is_open()) {
        if f(c) {
            c.stopped_at = Some(at);
            c.stopped_on = Some(at.date_naive());
        }
    }
}

fn stop_kinds(case: &mut Case, at: DateTime<FixedOffset>, kinds: &[ClockKind]) {
    stop_where(case, at, |c| kinds.contains(&c.kind));
}

/// The clocks of the intake phase, stopped by every routing or intake decision.
const INTAKE: [ClockKind; 3] = [
    ClockKind::Intake,
    ClockKind::Acceptance,
    ClockKind::Objection,
];

/// On a terminal transition every duty clock stops, except supervisions (the unit still owes an
/// explanation) and — when `keep_evaluation` — the petitioner's evaluation window.
fn stop_all(case: &mut Case, at: DateTime<FixedOffset>, keep_evaluation: bool) {
    stop_where(case, at, |c| {
        c.kind != ClockKind::Supervision && !(keep_evaluation && c.kind == ClockKind::Evaluation)
    });
}

/// Applies one event. Infallible.
pub fn evolve(mut case: Case, ev: &Event) -> Case {
    let at = ev.at;
    let unit = ev.unit.clone();
    case.seq = ev.seq;
    case.last_at = Some(at);
    // The officer belongs to the holding unit: a case that moves on leaves its officer behind.
    let holder_before = case.holder.clone();
    match &ev.kind {
        EventKind::OfficerAssigned { officer } => case.officer = Some(officer.clone()),
        EventKind::Amended {
            field,
            new,
            collective,
            skip_level,
            repeat_of,
            related,
            intake,
            ..
        } => {
            if let Some(reg) = case.registration.as_mut() {
                reg.set(*field, new.as_deref());
            }
            case.collective = *collective;
            case.skip_level = *skip_level;
            case.repeat_of = repeat_of.clone();
            case.related = related.clone();
            if let Some((index, started, due)) = intake {
                if let Some(c) = case.clocks.iter_mut().find(|c| c.index == *index) {
                    c.started = *started;
                    c.due = *due;
                }
            }
        }
        EventKind::Recalled { from, clocks } => {
            // The accused unit's part ends: its clocks and its supervisions on the case stop
            // (it can no longer see the case to answer them), its assisting part goes.
            for s in case.supervisions.iter_mut() {
                if &s.unit == from && s.is_open() {
                    s.ended_at = Some(at);
                }
            }
            stop_where(&mut case, at, |c| &c.unit == from);
            case.assisting.retain(|a| &a.unit != from);
            if case.holder.as_ref() == Some(from) || case.lead.as_ref() == Some(from) {
                // The case returns to the registering unit, to be routed again: what the
                // handling had started (assisting units' input, an extension) ends with it.
                stop_kinds(&mut case, at, &[ClockKind::Assist, ClockKind::Handling]);
                stop_kinds(&mut case, at, &INTAKE);
                case.assisting.clear();
                case.lead = None;
                case.objection = None;
                case.extension_request = None;
                case.extension_days = 0;
                case.holder = case.first_contact.as_ref().map(|f| f.unit.clone());
                case.state = CaseState::Registered;
            }
            start(&mut case, clocks);
        }
        EventKind::Registered(r) => {
            case.state = CaseState::Registered;
            case.query_code = match (&r.query_code_hash, &r.query_code) {
                (Some(h), _) => Some(crate::ids::CodeRecord::Hashed(h.clone())),
                (None, Some(c)) => Some(crate::ids::CodeRecord::Clear(c.clone())),
                (None, None) => None,
            };
            case.code_holder = unit.clone();
            case.registration = Some(r.registration.clone());
            case.registered_at = Some(at);
            case.holder = unit.clone();
            if let Some(u) = unit {
                case.first_contact = Some(FirstContact {
                    unit: u,
                    staff: ev.actor.to_string(),
                });
            }
            case.collective = r.collective;
            case.skip_level = r.skip_level;
            case.repeat_of = r.repeat_of.clone();
            case.related = r.related.clone();
            start(&mut case, &r.clocks);
        }
        EventKind::Transferred { to, clocks, .. } | EventKind::Assigned { to, clocks, .. } => {
            stop_kinds(&mut case, at, &INTAKE);
            // An earlier assignment's result report follows the case to its new receiver.
            for c in case.clocks.iter_mut() {
                if c.kind == ClockKind::ResultReport && c.is_open() {
                    c.unit = to.clone();
                }
            }
            case.routed_by = unit;
            case.routing = Some(if matches!(ev.kind, EventKind::Assigned { .. }) {
                Routing::Assign
            } else {
                Routing::Transfer
            });
            case.holder = Some(to.clone());
            if !case.routed_to.contains(to) {
                case.routed_to.push(to.clone());
            }
            case.objection = None;
            case.state = CaseState::Routed;
            start(&mut case, clocks);
        }
        EventKind::Objected { .. } => {
            case.objection = Some(ObjectionStatus::Pending);
            stop_kinds(&mut case, at, &[ClockKind::Objection]);
        }
        EventKind::ObjectionApproved { clocks, .. } => {
            stop_kinds(
                &mut case,
                at,
                &[
                    ClockKind::Acceptance,
                    ClockKind::Objection,
                    ClockKind::ResultReport,
                ],
            );
            case.objection = None;
            case.state = CaseState::Registered;
            case.holder = case.routed_by.clone();
            start(&mut case, clocks);
        }
        EventKind::ObjectionRejected { .. } => {
            case.objection = Some(ObjectionStatus::Rejected);
        }
        EventKind::Accepted { assisting, clocks } => {
            stop_kinds(&mut case, at, &INTAKE);
            for c in case.clocks.iter_mut() {
                if c.kind == ClockKind::ResultReport && c.is_open() {
                    if let Some(u) = &unit {
                        c.unit = u.clone();
                    }
                }
            }
            case.state = CaseState::Handling;
            case.lead = unit.clone();
            case.holder = unit;
            case.objection = None;
            case.assisting = assisting
                .iter()
                .map(|u| Assisting {
                    unit: u.clone(),
                    input_at: None,
                    text: None,
                })
                .collect();
            start(&mut case, clocks);
        }
        EventKind::Declined { ground, .. } => {
            case.state = CaseState::Declined;
            case.decline_ground = Some(*ground);
            stop_all(&mut case, at, false);
        }
        EventKind::AssistInput { text } => {
            if let Some(u) = &unit {
                if let Some(a) = case.assisting.iter_mut().find(|a| &a.unit == u) {
                    a.input_at = Some(at);
                    a.text = Some(text.clone());
                }
                stop_where(&mut case, at, |c| {
                    c.kind == ClockKind::Assist && &c.unit == u
                });
            }
        }
        EventKind::ExtensionRequested { days, reason } => {
            case.extension_request = Some(ExtensionRequest {
                days: *days,
                reason: reason.clone(),
                by: ev.actor.clone(),
                at,
            });
        }
        EventKind::ExtensionRejected { .. } => case.extension_request = None,
        EventKind::Extended { days, due, .. } => {
            // A direct extension or a granted request: either answers the pending request.
            case.extension_request = None;
            case.extension_days += days;
            for c in case.clocks.iter_mut() {
                if c.kind == ClockKind::Handling && c.is_open() {
                    c.due = (*due).max(c.due);
                }
            }
        }
        EventKind::OpinionIssued {
            outcome, clocks, ..
        } => {
            // The answer makes a pending extension request moot.
            case.extension_request = None;
            stop_kinds(&mut case, at, &[ClockKind::Handling, ClockKind::Assist]);
            case.state = CaseState::OpinionIssued;
            case.outcome = Some(*outcome);
            case.answered_by = unit;
            start(&mut case, clocks);
        }
        EventKind::ResultReported { .. } => {
            case.reports += 1;
            stop_kinds(&mut case, at, &[ClockKind::ResultReport]);
        }
        EventKind::ReviewRequested {
            clocks,
            superseded,
            body,
            ..
        } => {
            stop_kinds(&mut case, at, &[ClockKind::ReviewWindow]);
            stop_where(&mut case, at, |c| Some(c.index) == *superseded);
            case.state = CaseState::UnderReview;
            let body = body.clone().or(unit);
            case.reviewer = body.clone();
            case.holder = body;
            start(&mut case, clocks);
        }
        EventKind::ReviewIssued {
            outcome, clocks, ..
        } => {
            stop_kinds(&mut case, at, &[ClockKind::Review]);
            case.state = CaseState::ReviewIssued;
            case.review_outcome = Some(*outcome);
            case.answered_by = unit;
            start(&mut case, clocks);
        }
        EventKind::RereviewRequested {
            clocks,
            superseded,
            body,
            ..
        } => {
            stop_kinds(&mut case, at, &[ClockKind::RereviewWindow]);
            stop_where(&mut case, at, |c| Some(c.index) == *superseded);
            case.state = CaseState::UnderRereview;
            let body = body.clone().or(unit);
            case.rereviewer = body.clone();
            case.holder = body;
            start(&mut case, clocks);
        }
        EventKind::HearingHeld { days, due, .. } => {
            for c in case.clocks.iter_mut() {
                if c.kind == ClockKind::Rereview && c.is_open() {
                    c.paused_days += days;
                    c.due = (*due).max(c.due);
                }
            }
        }
        EventKind::RereviewIssued {
            outcome, clocks, ..
        } => {
            stop_kinds(&mut case, at, &[ClockKind::Rereview]);
            case.state = CaseState::Concluded;
            case.rereview_outcome = Some(*outcome);
            case.answered_by = unit;
            start(&mut case, clocks);
        }
        EventKind::Closed { reason } => {
            if *reason == CloseReason::WindowLapsed {
                for c in case.clocks.iter_mut() {
                    if matches!(c.kind, ClockKind::ReviewWindow | ClockKind::RereviewWindow)
                        && c.is_open()
                    {
                        c.lapsed = true;
                    }
                }
            }
            case.state = CaseState::Closed;
            case.close_reason = Some(*reason);
            stop_all(&mut case, at, true);
        }
        EventKind::Evaluated {
            handling,
            office,
            clock,
        } => {
            let rated = case.clocks.get(*clock as usize).map(|c| c.unit.clone());
            if let Some(c) = case.clocks.get_mut(*clock as usize) {
                c.stopped_at = Some(at);
                c.stopped_on = Some(at.date_naive());
            }
            if let Some(rated) = rated {
                case.evaluations.push(Evaluation {
                    handling: *handling,
                    office: *office,
                    unit: rated,
                    at,
                    clock: *clock,
                });
            }
        }
        EventKind::Withdrawn { .. } => {
            case.state = CaseState::Withdrawn;
            stop_all(&mut case, at, false);
        }
        EventKind::Noted { .. } => {}
        EventKind::Attached { file, kind, title } => {
            // Attached again after a withdrawal: the file comes back under its new entry.
            case.attachments.retain(|a| a.file.sha256 != file.sha256);
            case.attachments.push(crate::case::Attachment {
                file: file.clone(),
                kind: *kind,
                title: title.clone(),
                unit: ev.unit.clone(),
                at,
                withdrawn: None,
            });
        }
        EventKind::AttachmentWithdrawn { sha256, reason } => {
            if let Some(a) = case
                .attachments
                .iter_mut()
                .find(|a| &a.file.sha256 == sha256)
            {
                a.withdrawn = Some(crate::case::Withdrawal {
                    at,
                    reason: reason.clone(),
                });
            }
        }
        EventKind::Served {
            notice,
            on,
            how,
            windows,
            ..
        } => {
            for w in windows {
                if let Some(c) = case.clocks.get_mut(w.clock as usize) {
                    c.due = w.due.max(c.due);
                    c.served_on = Some(*on);
                }
            }
            case.services.push(Service {
                notice: *notice,
                on: *on,
                how: *how,
                at,
            });
        }
        EventKind::Voided { .. } => {
            case.state = CaseState::Voided;
            stop_all(&mut case, at, false);
        }
        EventKind::Merged { into } => {
            case.state = CaseState::Merged;
            case.merged_into = Some(into.clone());
            stop_all(&mut case, at, false);
        }
        EventKind::Absorbed { from } => {
            case.absorbed.push(from.clone());
        }
        EventKind::SupervisionOpened {
            supervision: s,
            clocks,
        } => {
            let clock = case.clocks.len() as u32;
            start(&mut case, clocks);
            if let Some(i) = s.for_clock {
                if let Some(c) = case.clocks.get_mut(i as usize) {
                    c.auto_supervised = true;
                }
            }
            case.supervisions.push(Supervision {
                id: s.id,
                level: s.level,
                ground: s.ground,
                by: s.by.clone(),
                unit: s.unit.clone(),
                respond_by: s.respond_by,
                text: s.text.clone(),
                opened_at: at,
                answered_at: None,
                answer: None,
                for_clock: s.for_clock,
                clock,
                ended_at: None,
            });
        }
        EventKind::SupervisionEscalated {
            supervision,
            level,
            by,
            respond_by,
            clocks,
        } => {
            let new_clock = case.clocks.len() as u32;
            let old = case
                .supervisions
                .iter()
                .find(|s| s.id == *supervision)
                .map(|s| s.clock);
            if let Some(old) = old {
                stop_where(&mut case, at, |c| c.index == old);
            }
            start(&mut case, clocks);
            if let Some(s) = case.supervisions.iter_mut().find(|s| s.id == *supervision) {
                s.level = *level;
                s.by = by.clone();
                s.respond_by = *respond_by;
                s.clock = new_clock;
            }
        }
        EventKind::SupervisionAnswered { supervision, text } => {
            let mut clock = None;
            if let Some(s) = case.supervisions.iter_mut().find(|s| s.id == *supervision) {
                s.answered_at = Some(at);
                s.answer = Some(text.clone());
                clock = Some(s.clock);
            }
            if let Some(i) = clock {
                stop_where(&mut case, at, |c| c.index == i);
            }
        }
        EventKind::SupervisionsEnded { supervisions } => {
            let mut clocks = Vec::new();
            for s in case
                .supervisions
                .iter_mut()
                .filter(|s| supervisions.contains(&s.id))
            {
                s.ended_at = Some(at);
                clocks.push(s.clock);
            }
            stop_where(&mut case, at, |c| clocks.contains(&c.index));
        }
        EventKind::QueryCodeReset { query_code_hash } => {
            case.query_code = Some(crate::ids::CodeRecord::Hashed(query_code_hash.clone()));
            case.code_holder = unit.clone();
        }
        EventKind::OfficerReleased { successor, .. } => case.officer = successor.clone(),
        EventKind::EvaluationLapsed { clock } => {
            if let Some(c) = case.clocks.get_mut(*clock as usize) {
                c.lapsed = true;
                c.stopped_at = Some(at);
                c.stopped_on = Some(at.date_naive());
            }
        }
    }
    if case.holder != holder_before {
        case.officer = None;
    }
    case
}

/// Folds a history into the current case.
pub fn replay<'a>(id: crate::ids::CaseId, events: impl IntoIterator<Item = &'a Event>) -> Case {
    events.into_iter().fold(Case::new(id), evolve)
}
