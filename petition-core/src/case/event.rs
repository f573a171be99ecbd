//! The events a case is made of (what happened to it), each a fact recorded once.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::data::{AmendField, DeclineGround, Outcome, Registration, ReviewOutcome, Satisfaction};
use super::vocabulary::*;
use crate::clock::ClockStart;
use crate::ids::{ActorId, CaseId, CodeHash, QueryCode, StaffId, UnitCode};

/// The payload of a `registered` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The registration as recorded.
    pub registration: Registration,
    /// 查询码 in clear: only in chains made before codes were hashed (kept as recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_code: Option<QueryCode>,
    /// 查询码's salted slow hash (argon2id): every case registered now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_code_hash: Option<CodeHash>,
    /// 集体访.
    pub collective: bool,
    /// 越级走访.
    pub skip_level: bool,
    /// The most recent earlier case of the same matter.
    pub repeat_of: Option<CaseId>,
    /// All earlier cases of the same matter.
    pub related: Vec<CaseId>,
    /// Clocks started (intake).
    pub clocks: Vec<ClockStart>,
}

/// A supervision as opened (payload of `supervision_opened`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionOpen {
    /// Number on the case, from 1.
    pub id: u32,
    /// Level.
    pub level: SupervisionLevel,
    /// Ground.
    pub ground: SupervisionGround,
    /// Issuing unit.
    pub by: UnitCode,
    /// Supervised unit.
    pub unit: UnitCode,
    /// Respond-by local date.
    pub respond_by: NaiveDate,
    /// Notice text.
    pub text: String,
    /// Opened automatically by tick for this clock.
    pub for_clock: Option<u32>,
}

/// Defines `EventKind` and, from the same list, its externally tagged twin `ByTag` for serde's
/// remote derive (`case::decode` reads a stored event's kind through it, field by field, where
/// the internally tagged derive buffers the whole object first). One list: the twin cannot
/// drift from the enum in a variant, a field or a field's serde attributes.
macro_rules! event_kinds {
    (
        $(#[$meta:meta])*
        $vis:vis enum EventKind { $($(#[$vmeta:meta])* $variant:ident $body:tt),* $(,)? }
    ) => {
        $(#[$meta])*
        $vis enum EventKind { $($(#[$vmeta])* $variant $body),* }

        /// `EventKind` externally tagged: its `Deserialize` builds an `EventKind` from
        /// `{"<type>": {fields}}` (see `case::decode`).
        #[derive(Deserialize)]
        #[serde(remote = "EventKind", rename_all = "snake_case")]
        pub(super) enum ByTag { $($variant $body),* }
    };
}

event_kinds! {
/// What happened: the `type` tag and its payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum EventKind {
    Registered(Box<Registered>),
    Transferred {
        to: UnitCode,
        note: Option<String>,
        clocks: Vec<ClockStart>,
    },
    Assigned {
        to: UnitCode,
        report_by: NaiveDate,
        note: Option<String>,
        clocks: Vec<ClockStart>,
    },
    Objected {
        reason: String,
    },
    ObjectionApproved {
        note: Option<String>,
        clocks: Vec<ClockStart>,
    },
    ObjectionRejected {
        note: Option<String>,
    },
    Accepted {
        assisting: Vec<UnitCode>,
        clocks: Vec<ClockStart>,
    },
    Declined {
        ground: DeclineGround,
        notice: String,
    },
    AssistInput {
        text: String,
    },
    Extended {
        days: u32,
        reason: String,
        due: NaiveDate,
    },
    OfficerAssigned {
        officer: StaffId,
    },
    ExtensionRequested {
        days: u32,
        reason: String,
    },
    ExtensionRejected {
        note: Option<String>,
    },
    /// A registration field corrected: the old and new values as text, and what follows from
    /// the corrected registration (repeat detection, skip-level and collective flags, the intake
    /// clock's dates when the time of receipt moved it).
    Amended {
        field: AmendField,
        old: Option<String>,
        new: Option<String>,
        reason: String,
        collective: bool,
        skip_level: bool,
        repeat_of: Option<CaseId>,
        related: Vec<CaseId>,
        /// The intake clock re-dated: (its index, start, due).
        intake: Option<(u32, NaiveDate, NaiveDate)>,
    },
    OpinionIssued {
        outcome: Outcome,
        text: String,
        without_assist: Option<String>,
        clocks: Vec<ClockStart>,
    },
    ResultReported {
        text: String,
    },
    ReviewRequested {
        /// The petitioner's grounds, when given (absent in events recorded before they were).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        clocks: Vec<ClockStart>,
    },
    ReviewIssued {
        outcome: ReviewOutcome,
        text: String,
        clocks: Vec<ClockStart>,
    },
    RereviewRequested {
        /// The petitioner's grounds, when given (absent in events recorded before they were).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        clocks: Vec<ClockStart>,
    },
    HearingHeld {
        start: NaiveDate,
        end: NaiveDate,
        days: u32,
        due: NaiveDate,
    },
    RereviewIssued {
        outcome: ReviewOutcome,
        text: String,
        clocks: Vec<ClockStart>,
    },
    Closed {
        reason: CloseReason,
    },
    Evaluated {
        handling: Satisfaction,
        office: Option<Satisfaction>,
        clock: u32,
    },
    Withdrawn {
        reason: String,
    },
    Merged {
        into: CaseId,
    },
    Absorbed {
        from: CaseId,
    },
    SupervisionOpened {
        supervision: SupervisionOpen,
        clocks: Vec<ClockStart>,
    },
    SupervisionEscalated {
        supervision: u32,
        level: SupervisionLevel,
        by: UnitCode,
        respond_by: NaiveDate,
        clocks: Vec<ClockStart>,
    },
    SupervisionAnswered {
        supervision: u32,
        text: String,
    },
    /// The case ended: its open supervisions end with it (rules version 2).
    SupervisionsEnded {
        supervisions: Vec<u32>,
    },
    EvaluationLapsed {
        clock: u32,
    },
    /// 查询码重置: a new query code replaced the old one (kept as its salted hash only).
    QueryCodeReset {
        query_code_hash: CodeHash,
    },
    /// The case officer no longer carries the case: they moved to another unit or were
    /// deactivated (recorded with the admin change that did it).
    OfficerReleased {
        officer: StaffId,
    },
}
}

impl EventKind {
    /// The snake_case `type` of the event.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::Registered(_) => "registered",
            EventKind::Transferred { .. } => "transferred",
            EventKind::Assigned { .. } => "assigned",
            EventKind::Objected { .. } => "objected",
            EventKind::ObjectionApproved { .. } => "objection_approved",
            EventKind::ObjectionRejected { .. } => "objection_rejected",
            EventKind::Accepted { .. } => "accepted",
            EventKind::Declined { .. } => "declined",
            EventKind::AssistInput { .. } => "assist_input",
            EventKind::Extended { .. } => "extended",
            EventKind::ExtensionRequested { .. } => "extension_requested",
            EventKind::OfficerAssigned { .. } => "officer_assigned",
            EventKind::ExtensionRejected { .. } => "extension_rejected",
            EventKind::Amended { .. } => "amended",
            EventKind::OpinionIssued { .. } => "opinion_issued",
            EventKind::ResultReported { .. } => "result_reported",
            EventKind::ReviewRequested { .. } => "review_requested",
            EventKind::ReviewIssued { .. } => "review_issued",
            EventKind::RereviewRequested { .. } => "rereview_requested",
            EventKind::HearingHeld { .. } => "hearing_held",
            EventKind::RereviewIssued { .. } => "rereview_issued",
            EventKind::Closed { .. } => "closed",
            EventKind::Evaluated { .. } => "evaluated",
            EventKind::Withdrawn { .. } => "withdrawn",
            EventKind::Merged { .. } => "merged",
            EventKind::Absorbed { .. } => "absorbed",
            EventKind::SupervisionOpened { .. } => "supervision_opened",
            EventKind::SupervisionEscalated { .. } => "supervision_escalated",
            EventKind::SupervisionAnswered { .. } => "supervision_answered",
            EventKind::SupervisionsEnded { .. } => "supervisions_ended",
            EventKind::EvaluationLapsed { .. } => "evaluation_lapsed",
            EventKind::QueryCodeReset { .. } => "query_code_reset",
            EventKind::OfficerReleased { .. } => "officer_released",
        }
    }
}

/// One event in a case's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Case id.
    pub case: CaseId,
    /// 1, 2, 3… per case.
    pub seq: u32,
    /// When, in the policy's local offset.
    pub at: DateTime<FixedOffset>,
    /// Who: a staff member, the system or the petitioner.
    pub actor: ActorId,
    /// The acting unit (none for `system` and unit-less admins).
    pub unit: Option<UnitCode>,
    /// Type and payload.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// Decodes an event from its JSON text (a chain entry's body) in two passes over the text:
    /// the common fields and the `type` tag, then the kind's fields by that tag. The same result
    /// as `serde_json::from_str`, without serde's buffering of the whole object (twice: for the
    /// flattened kind, then for its tag) into an intermediate tree (a case is the fold of its
    /// events, so every read of a case decodes all of them).
    pub fn from_json(text: &str) -> serde_json::Result<Event> {
        #[derive(Deserialize)]
        struct Head<'a> {
            case: CaseId,
            seq: u32,
            at: DateTime<FixedOffset>,
            actor: ActorId,
            unit: Option<UnitCode>,
            #[serde(rename = "type", borrow)]
            tag: std::borrow::Cow<'a, str>,
        }
        let h: Head = serde_json::from_str(text)?;
        // The kind's fields read straight from the text by its tag, not through serde's
        // buffered internally tagged form (see `decode`).
        let kind = super::decode::kind_from_json(text, &h.tag)?;
        Ok(Event {
            case: h.case,
            seq: h.seq,
            at: h.at,
            actor: h.actor,
            unit: h.unit,
            kind,
        })
    }
}
