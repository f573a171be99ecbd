//! Import re-decides history: every entry of a chain being loaded goes through the live rules.

use super::*;

impl<T: Txn> Work<'_, T> {
    /// Runs one imported chain entry through the live rules (`import`): an administrative entry
    /// through the admin rules, a case event by deciding again the command that produced it, by
    /// its actor at its time. The entry must be exactly what the rules give; `pending` holds the
    /// further events the same command gave (the next entries must be these).
    pub(crate) fn import_entry(
        &mut self,
        gseq: u64,
        entry: &crate::audit::Entry,
        access: Option<crate::audit::AccessHead>,
        pending: &mut std::collections::VecDeque<Event>,
    ) -> Result<()> {
        // The entry is sealed again recording the access-log head it records.
        self.import_access = Some(access);
        let r = self.import_entry_as_recorded(gseq, entry, pending);
        self.import_access = None;
        r
    }

    /// Loads an access-log entry of an imported file (`body` as stored, with its `pos`, and its
    /// `hash`) after the log loaded so far (`after`): it must be the next one and hash onto it.
    /// Returns the log's new head.
    pub(crate) fn import_disclosure(
        &mut self,
        body: &serde_json::Value,
        hash: [u8; 32],
        after: crate::audit::AccessHead,
    ) -> Result<crate::audit::AccessHead> {
        let bad = |why: &str| DomainError::from(StorageError::integrity(why));
        let pos = body.get("pos").and_then(serde_json::Value::as_u64);
        if pos != Some(after.pos + 1) {
            return Err(bad("an access-log entry is missing or out of order"));
        }
        let mut value = body.clone();
        if let Some(m) = value.as_object_mut() {
            m.remove("pos");
        }
        let d: Disclosure = serde_json::from_value(value)
            .map_err(|_| bad("not an access-log entry of this format"))?;
        let pos = after.pos + 1;
        let (sealed, h) = crate::audit::seal_disclosure(pos, &after.hash, &d);
        if h != hash || sealed != crate::audit::canonical(body) {
            return Err(bad(
                "the access-log entry does not hash onto the one before it (edited or forged)",
            ));
        }
        let entry = StoredEntry {
            gseq: pos,
            body: sealed,
            hash: h.to_vec(),
            index: d.case.as_ref().map(|c| (c.as_str().to_string(), 0)),
        };
        self.writable()?;
        let txn = self.txn()?;
        txn.append_access(Finished::of(&crate::store::Sealed {
            value: &d,
            entry: &entry,
        }))?;
        self.access_seen = Some(crate::audit::AccessHead { pos, hash: h });
        Ok(crate::audit::AccessHead { pos, hash: h })
    }

    /// [`Work::import_entry`] once the access-log head is set.
    fn import_entry_as_recorded(
        &mut self,
        gseq: u64,
        entry: &crate::audit::Entry,
        pending: &mut std::collections::VecDeque<Event>,
    ) -> Result<()> {
        let differs = |what: &str| {
            DomainError::from(StorageError::integrity(&format!(
                "the entry is not what the rules give at this point ({what})"
            )))
        };
        let ev = match entry {
            crate::audit::Entry::Admin(a) => {
                if !pending.is_empty() {
                    return Err(differs("a command's further events are missing"));
                }
                let produced = match &a.kind {
                    AdminKind::Initialized {
                        admin,
                        clock,
                        rules,
                    } => {
                        if gseq != 1 || self.txn.initialized()? {
                            return Err(differs("a second initialisation"));
                        }
                        if admin.role != Role::Admin || a.actor != admin.id {
                            return Err(differs("the first admin"));
                        }
                        self.org.check_staff(admin)?;
                        let ev = AdminEvent {
                            at: a.at.with_timezone(&self.policy.timezone),
                            actor: a.actor.clone(),
                            kind: AdminKind::Initialized {
                                admin: admin.clone(),
                                clock: *clock,
                                rules: *rules,
                            },
                        };
                        self.append_admin(&ev)?;
                        self.apply_and_store(&ev.kind)?;
                        self.org = Arc::new(self.txn.org()?);
                        ev
                    }
                    kind => {
                        if gseq == 1 {
                            return Err(differs("the chain must begin with its initialisation"));
                        }
                        let change =
                            change_of(kind).ok_or_else(|| differs("a second initialisation"))?;
                        self.admin_as(&a.actor, a.at, change)?
                    }
                };
                if &produced != a {
                    return Err(differs("the administrative change"));
                }
                return Ok(());
            }
            crate::audit::Entry::Case(ev) => ev,
        };
        if let Some(want) = pending.pop_front() {
            if &want != ev {
                return Err(differs(&format!(
                    "expected `{}` of {}",
                    want.kind.type_name(),
                    want.case
                )));
            }
            let case = self.current(&ev.case)?;
            self.apply(&case, vec![ev.clone()])?;
            return Ok(());
        }
        let staff = match &ev.actor {
            crate::ids::ActorId::Staff(id) => Some(self.staff(id)?),
            crate::ids::ActorId::System | crate::ids::ActorId::Petitioner => None,
        };
        let actor = match (&staff, &ev.actor) {
            (Some(s), _) => Actor::Staff(s),
            (None, crate::ids::ActorId::Petitioner) => Actor::Petitioner,
            (None, _) => Actor::System,
        };
        let cmd = command_of(ev)?;
        let produced: Vec<Event> = match &cmd {
            Step::Register { registration, .. } => {
                if self.case(&ev.case)?.is_some() {
                    return Err(differs("the case is registered twice"));
                }
                let Some(staff) = &staff else {
                    return Err(differs("only staff register cases"));
                };
                registration.validate()?;
                let related = self.related_for(staff, registration)?;
                let case = Case::new(ev.case.clone());
                let ctx = Context {
                    now: ev.at,
                    actor: Actor::Staff(staff),
                    org: &self.org,
                    policy: &self.policy,
                    calendar: &self.calendar,
                    related: &related,
                    target: None,
                };
                let evs = decide(&case, &cmd, &ctx)?;
                self.txn.bump_case_counter(Finished::of(&ev.case))?;
                evs
            }
            Step::Command(Command::Merge { into }) => {
                let case = self.current(&ev.case)?;
                let Some(staff) = &staff else {
                    return Err(differs("only staff merge cases"));
                };
                if self.policy.rules >= 3 {
                    self.readable(staff, &case)?;
                }
                let target = self
                    .case(into)?
                    .filter(|t| access(&self.org, staff, t) != Access::Hidden);
                let mut evs = self.decide_with(&case, &cmd, actor, ev.at, target.as_ref())?;
                let target = target
                    .ok_or_else(|| DomainError::from(Refusal::NoCase { id: into.clone() }))?;
                let absorb = Step::Absorb {
                    from: ev.case.clone(),
                };
                evs.extend(self.decide_on(&target, &absorb, actor, ev.at)?);
                evs
            }
            _ => {
                let case = self.current(&ev.case)?;
                // Under rules 3 no one acts on a case they may not read.
                if let (Some(staff), true) = (&staff, self.policy.rules >= 3) {
                    self.readable(staff, &case)?;
                }
                // A file is attached only once its content is loaded (its lines come first).
                if let Step::Command(Command::Attach { file, .. }) = &cmd {
                    self.check_stored(file)?;
                }
                self.decide_on(&case, &cmd, actor, ev.at)?
            }
        };
        let mut produced = produced.into_iter();
        match produced.next() {
            Some(first) if &first == ev => {}
            Some(first) => {
                return Err(differs(&format!(
                    "the rules give `{}` by {} with other data",
                    first.kind.type_name(),
                    first.actor
                )))
            }
            None => return Err(differs("the rules give no event")),
        }
        pending.extend(produced);
        let case = match self.case(&ev.case)? {
            Some(c) => c,
            None => Case::new(ev.case.clone()),
        };
        self.apply(&case, vec![ev.clone()])?;
        Ok(())
    }
}

/// The administrative change that produced an entry (`None` for the initialisation, which no
/// change produces): for re-deciding history (`import`, `verify`).
pub(crate) fn change_of(kind: &AdminKind) -> Option<AdminChange> {
    Some(match kind.clone() {
        AdminKind::UnitAdded { unit } => AdminChange::AddUnit(unit),
        AdminKind::StaffAdded { staff } => AdminChange::AddStaff(staff),
        AdminKind::PolicySet { key, value } => AdminChange::SetPolicy { key, value },
        AdminKind::CalendarSet { entries } => AdminChange::SetCalendar(entries),
        AdminKind::TokenIssued {
            staff,
            sha256,
            expires_at,
            scopes,
        } => AdminChange::IssueToken {
            staff,
            sha256,
            expires_at,
            scopes,
        },
        AdminKind::TokensRevoked { staff } => AdminChange::RevokeTokens(staff),
        AdminKind::StaffDeactivated { staff } => AdminChange::Deactivate(staff),
        AdminKind::StaffMoved { staff, unit } => AdminChange::MoveStaff { staff, unit },
        AdminKind::StaffRenamed { staff, name } => AdminChange::RenameStaff { staff, name },
        AdminKind::UnitRenamed { unit, name } => AdminChange::RenameUnit { unit, name },
        AdminKind::UnitMoved {
            unit,
            parent,
            line_superior,
        } => AdminChange::MoveUnit {
            unit,
            parent,
            line_superior,
        },
        AdminKind::Initialized { .. } => return None,
    })
}

/// The command that produced an event (for re-deciding history: `import`, `verify`).
pub(crate) fn command_of(ev: &Event) -> Result<Step> {
    use EventKind as K;
    let not_a_command = || {
        DomainError::from(StorageError::integrity(&format!(
            "a `{}` event by {} is not produced by any command of that actor",
            ev.kind.type_name(),
            ev.actor
        )))
    };
    if ev.actor == crate::ids::ActorId::Petitioner {
        return match &ev.kind {
            K::Evaluated {
                handling, office, ..
            } => Ok(Step::Command(Command::Evaluate {
                handling: *handling,
                office: *office,
            })),
            _ => Err(not_a_command()),
        };
    }
    if ev.actor == crate::ids::ActorId::System {
        return match ev.kind {
            K::SupervisionOpened { .. }
            | K::SupervisionEscalated { .. }
            | K::Closed { .. }
            | K::EvaluationLapsed { .. } => Ok(Step::Tick),
            _ => Err(not_a_command()),
        };
    }
    // The service's own steps by staff; then the commands.
    match &ev.kind {
        K::Registered(r) => {
            return Ok(Step::Register {
                registration: Box::new(r.registration.clone()),
                query_code: match (&r.query_code_hash, &r.query_code) {
                    (Some(h), _) => crate::ids::CodeRecord::Hashed(h.clone()),
                    (None, Some(c)) => crate::ids::CodeRecord::Clear(c.clone()),
                    (None, None) => return Err(not_a_command()),
                },
            })
        }
        K::QueryCodeReset { query_code_hash } => {
            return Ok(Step::ResetQueryCode {
                query_code: crate::ids::CodeRecord::Hashed(query_code_hash.clone()),
            })
        }
        K::OfficerReleased { officer, successor } => {
            return Ok(Step::ReleaseOfficer {
                officer: officer.clone(),
                successor: successor.clone(),
            })
        }
        _ => {}
    }
    Ok(Step::Command(match &ev.kind {
        K::Transferred { to, note, .. } => Command::Transfer {
            to: to.clone(),
            note: note.clone(),
        },
        K::Assigned {
            to,
            report_by,
            note,
            ..
        } => Command::Assign {
            to: to.clone(),
            report_by: *report_by,
            note: note.clone(),
        },
        K::Objected { reason } => Command::Object {
            reason: reason.clone(),
        },
        K::ObjectionApproved { note, .. } => Command::ResolveObjection {
            approve: true,
            note: note.clone(),
        },
        K::ObjectionRejected { note } => Command::ResolveObjection {
            approve: false,
            note: note.clone(),
        },
        K::Accepted { assisting, .. } => Command::Accept {
            assist: assisting.clone(),
        },
        K::Declined { ground, notice } => Command::Decline {
            ground: *ground,
            notice: notice.clone(),
        },
        K::AssistInput { text } => Command::AssistInput { text: text.clone() },
        // A granted request re-decides as the head's own extension: the same event.
        K::Extended { days, reason, .. } => Command::Extend {
            days: *days,
            reason: reason.clone(),
        },
        // Taken by its actor, or handed to another.
        K::OfficerAssigned { officer } => match &ev.actor {
            crate::ids::ActorId::Staff(me) if me == officer => Command::Take,
            _ => Command::Hand {
                to: officer.clone(),
            },
        },
        K::ExtensionRequested { days, reason } => Command::ExtendRequest {
            days: *days,
            reason: reason.clone(),
        },
        K::ExtensionRejected { note } => Command::ExtendReject { note: note.clone() },
        K::Amended {
            field, new, reason, ..
        } => Command::Amend {
            field: *field,
            value: new.clone().unwrap_or_default(),
            reason: reason.clone(),
        },
        K::OpinionIssued {
            outcome,
            text,
            without_assist,
            ..
        } => Command::Opinion {
            outcome: *outcome,
            text: text.clone(),
            without_assist: without_assist.clone(),
        },
        K::ResultReported { text } => Command::Report { text: text.clone() },
        K::ReviewRequested { reason, .. } => Command::ReviewRequest {
            reason: reason.clone(),
        },
        K::ReviewIssued { outcome, text, .. } => Command::ReviewOpinion {
            outcome: *outcome,
            text: text.clone(),
        },
        K::RereviewRequested { reason, .. } => Command::RereviewRequest {
            reason: reason.clone(),
        },
        K::HearingHeld { start, end, .. } => Command::Hearing {
            start: *start,
            end: *end,
        },
        K::RereviewIssued { outcome, text, .. } => Command::RereviewOpinion {
            outcome: *outcome,
            text: text.clone(),
        },
        K::Closed { reason } => Command::Close { reason: *reason },
        K::Evaluated {
            handling, office, ..
        } => Command::Evaluate {
            handling: *handling,
            office: *office,
        },
        K::Voided {
            reason,
            duplicate_of,
        } => Command::Void {
            reason: reason.clone(),
            duplicate_of: duplicate_of.clone(),
        },
        K::Attached { file, kind, title } => Command::Attach {
            file: file.clone(),
            kind: *kind,
            title: title.clone(),
        },
        K::AttachmentWithdrawn { sha256, reason } => Command::WithdrawAttachment {
            sha256: sha256.clone(),
            reason: reason.clone(),
        },
        K::Noted {
            kind,
            text,
            happened,
        } => Command::Note {
            kind: *kind,
            text: text.clone(),
            at: Some(*happened),
        },
        K::Served {
            notice,
            on,
            how,
            note,
            ..
        } => Command::Served {
            notice: *notice,
            on: *on,
            how: *how,
            note: note.clone(),
        },
        K::Withdrawn { reason } => Command::Withdraw {
            reason: reason.clone(),
        },
        K::Merged { into } => Command::Merge { into: into.clone() },
        K::SupervisionOpened { supervision, .. } => Command::Supervise {
            ground: supervision.ground,
            respond_by: supervision.respond_by,
            text: supervision.text.clone(),
            unit: Some(supervision.unit.clone()),
            level: Some(supervision.level),
        },
        K::SupervisionAnswered { supervision, text } => Command::Respond {
            supervision: *supervision,
            text: text.clone(),
        },
        K::Registered(_)
        | K::QueryCodeReset { .. }
        | K::OfficerReleased { .. }
        | K::Recalled { .. }
        | K::Absorbed { .. }
        | K::SupervisionEscalated { .. }
        | K::SupervisionsEnded { .. }
        | K::EvaluationLapsed { .. } => return Err(not_a_command()),
    }))
}
