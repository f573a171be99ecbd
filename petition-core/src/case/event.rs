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
/// What happened: the `type` tag and its payload (the change feed carries it). New kinds come
/// with new rules: match with a `_` arm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// 登记: the case was registered (its payload: [`Registered`]).
    Registered(Box<Registered>),
    /// 转送: routed to a competent unit.
    Transferred {
        /// The receiving unit.
        to: UnitCode,
        /// Optional note.
        note: Option<String>,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// 交办: routed with a result report owed.
    Assigned {
        /// The receiving unit.
        to: UnitCode,
        /// The result report is owed by this local date.
        report_by: NaiveDate,
        /// Optional note.
        note: Option<String>,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// 异议: the receiving unit said the matter is outside its remit.
    Objected {
        /// Why.
        reason: String,
    },
    /// The router approved the objection: the case is back with it.
    ObjectionApproved {
        /// Optional note.
        note: Option<String>,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// The router rejected the objection: the case stays with the receiver.
    ObjectionRejected {
        /// Optional note.
        note: Option<String>,
    },
    /// 受理: the competent unit took the case, with any assisting units (协办).
    Accepted {
        /// Assisting units (协办).
        assisting: Vec<UnitCode>,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// 不予受理: the competent unit declined, with the notice (告知).
    Declined {
        /// Ground (2005 Art 14–16, 22, 35).
        ground: DeclineGround,
        /// The notice text (告知).
        notice: String,
    },
    /// 协办意见: an assisting unit gave its input.
    AssistInput {
        /// The text.
        text: String,
    },
    /// 延期: the handling window was extended (2005 Art 33).
    Extended {
        /// Days.
        days: u32,
        /// Why.
        reason: String,
        /// The new due date.
        due: NaiveDate,
    },
    /// 承办: a staff member became the case officer (承办人).
    OfficerAssigned {
        /// The case officer.
        officer: StaffId,
    },
    /// The lead unit asked its head for an extension.
    ExtensionRequested {
        /// Days.
        days: u32,
        /// Why.
        reason: String,
    },
    /// The head refused the extension asked for.
    ExtensionRejected {
        /// Optional note.
        note: Option<String>,
    },
    /// A registration field corrected: the old and new values as text, and what follows from
    /// the corrected registration (repeat detection, skip-level and collective flags, the intake
    /// clock's dates when the time of receipt moved it).
    Amended {
        /// The field corrected.
        field: AmendField,
        /// Its old value, as text.
        old: Option<String>,
        /// Its new value, as text.
        new: Option<String>,
        /// Why.
        reason: String,
        /// 集体访, as the corrected registration has it.
        collective: bool,
        /// 越级走访, likewise.
        skip_level: bool,
        /// The most recent earlier case of the same matter, likewise.
        repeat_of: Option<CaseId>,
        /// All earlier cases of the same matter, likewise.
        related: Vec<CaseId>,
        /// The intake clock re-dated: (its index, start, due).
        intake: Option<(u32, NaiveDate, NaiveDate)>,
    },
    /// 收回: a correction made the case an accusation against a unit that held, led or assisted
    /// it (recorded right after the `amended` that did): that unit's part ends at once — its
    /// clocks stop and it never sees the case again — and when it held or led the case, the case
    /// returns to the registering unit, to be routed again.
    Recalled {
        /// The accused unit whose part ended.
        from: UnitCode,
        /// Clocks started: the registering unit's intake limit when the case returned to it.
        clocks: Vec<ClockStart>,
    },
    /// 处理意见: the written answer on the matter (2005 Art 32–33).
    OpinionIssued {
        /// The outcome.
        outcome: Outcome,
        /// The text.
        text: String,
        /// Why it was issued without an assisting unit's input, when it was.
        without_assist: Option<String>,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// 办理结果报告: the result of an assigned case reported back.
    ResultReported {
        /// The text.
        text: String,
    },
    /// 复查申请: the petitioner asked the next tier up to review (2005 Art 34).
    ReviewRequested {
        /// The petitioner's grounds, when given (absent in events recorded before they were).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Clocks started.
        clocks: Vec<ClockStart>,
        /// The evaluation clock of the answer this request supersedes, stopped without lapsing
        /// (rules 5: an answer under review can no longer be rated, so it never counts as an
        /// evaluation lapsed); absent before rules 5.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        superseded: Option<u32>,
        /// The reviewing body the request was recorded for, when a petition office of its
        /// territory recorded it at the counter (absent: the actor's unit is the body).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<UnitCode>,
    },
    /// 复查意见.
    ReviewIssued {
        /// The outcome.
        outcome: ReviewOutcome,
        /// The text.
        text: String,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// 复核申请: the petitioner asked the tier above to re-review (2005 Art 35).
    RereviewRequested {
        /// The petitioner's grounds, when given (absent in events recorded before they were).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Clocks started.
        clocks: Vec<ClockStart>,
        /// The evaluation clock of the answer this request supersedes, stopped without lapsing
        /// (rules 5: an answer under review can no longer be rated, so it never counts as an
        /// evaluation lapsed); absent before rules 5.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        superseded: Option<u32>,
        /// The reviewing body the request was recorded for, when a petition office of its
        /// territory recorded it at the counter (absent: the actor's unit is the body).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<UnitCode>,
    },
    /// 听证: a hearing held during re-review; its days do not count (2005 Art 35).
    HearingHeld {
        /// First day of the hearing.
        start: NaiveDate,
        /// Last day of the hearing.
        end: NaiveDate,
        /// Days.
        days: u32,
        /// The new due date.
        due: NaiveDate,
    },
    /// 复核意见: the matter is concluded.
    RereviewIssued {
        /// The outcome.
        outcome: ReviewOutcome,
        /// The text.
        text: String,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// 办结 or 终结: the case closed.
    Closed {
        /// Why.
        reason: CloseReason,
    },
    /// 评价: the petitioner rated the handling (and the office).
    Evaluated {
        /// The rating of the handling.
        handling: Satisfaction,
        /// The rating of the petition office, when given.
        office: Option<Satisfaction>,
        /// The evaluation clock's index.
        clock: u32,
    },
    /// 撤回: the petitioner withdrew.
    Withdrawn {
        /// Why.
        reason: String,
    },
    /// 送达: the petitioner received a written notice; the windows counted from its receipt
    /// were re-dated from that day.
    Served {
        /// Which notice.
        notice: ServedNotice,
        /// The local date the petitioner received it.
        on: NaiveDate,
        /// How it was served.
        how: ServiceMethod,
        /// A note.
        note: Option<String>,
        /// The petitioner's open windows counted again from `on`, with their new due dates.
        windows: Vec<Redated>,
    },
    /// 记录: a note in the case file.
    Noted {
        /// What it records.
        kind: NoteKind,
        /// The note (masked readers see the kind, the time and the unit only).
        text: String,
        /// When it happened.
        happened: DateTime<FixedOffset>,
    },
    /// 附件: a file added to the case file (its content is stored under its hash).
    Attached {
        /// The file's hash, size and type.
        file: crate::attachment::FileMeta,
        /// What it is.
        kind: AttachmentKind,
        /// Its title.
        title: String,
    },
    /// 撤下附件: a file added in error, withdrawn by the unit that added it.
    AttachmentWithdrawn {
        /// The file's SHA-256.
        sha256: String,
        /// Why (masked readers see that there was one).
        reason: String,
    },
    /// 作废: the registration was made in error; the case is kept, counted nowhere.
    Voided {
        /// Why.
        reason: String,
        /// The case it duplicates, when it is a duplicate.
        duplicate_of: Option<CaseId>,
    },
    /// 合并: this case was merged into another.
    Merged {
        /// The case it was merged into.
        into: CaseId,
    },
    /// Another case was merged into this one.
    Absorbed {
        /// The case merged into this one.
        from: CaseId,
    },
    /// 督办: a supervision opened (payload: [`SupervisionOpen`]).
    SupervisionOpened {
        /// The supervision as opened.
        supervision: SupervisionOpen,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// A supervision unanswered climbed a level (催办 → 督办 → 通报 → 追责建议).
    SupervisionEscalated {
        /// The supervision's number on the case.
        supervision: u32,
        /// The new level.
        level: SupervisionLevel,
        /// The issuing unit.
        by: UnitCode,
        /// Respond-by local date.
        respond_by: NaiveDate,
        /// Clocks started.
        clocks: Vec<ClockStart>,
    },
    /// The supervised unit answered a supervision.
    SupervisionAnswered {
        /// The supervision's number on the case.
        supervision: u32,
        /// The text.
        text: String,
    },
    /// The case ended: its open supervisions end with it (rules version 2).
    SupervisionsEnded {
        /// The supervisions ended.
        supervisions: Vec<u32>,
    },
    /// The window to rate the handling lapsed unrated.
    EvaluationLapsed {
        /// The evaluation clock's index.
        clock: u32,
    },
    /// 查询码重置: a new query code replaced the old one (kept as its salted hash only).
    QueryCodeReset {
        /// The new code's salted hash.
        query_code_hash: CodeHash,
    },
    /// The case officer no longer carries the case: they moved to another unit or were
    /// deactivated (recorded with the admin change that did it).
    OfficerReleased {
        /// The case officer.
        officer: StaffId,
        /// The colleague who carries the case from now on, when the admin named one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        successor: Option<StaffId>,
    },
}
}

/// Every event type with its labels (English, Chinese): the one label table of [`EventKind`].
const TYPE_LABELS: &[(&str, &str, &str)] = &[
    ("registered", "registered", "已登记"),
    ("transferred", "transferred", "转送"),
    ("assigned", "assigned", "交办"),
    ("objected", "objected", "提出异议"),
    ("objection_approved", "objection approved", "异议成立"),
    ("objection_rejected", "objection rejected", "异议驳回"),
    ("accepted", "accepted", "受理"),
    ("declined", "declined", "不予受理"),
    ("assist_input", "assist input", "协办意见"),
    ("extended", "extended", "延期"),
    ("extension_requested", "extension requested", "申请延期"),
    ("officer_assigned", "officer assigned", "确定承办人"),
    ("extension_rejected", "extension rejected", "不予延期"),
    ("amended", "amended", "更正登记"),
    ("recalled", "recalled", "收回"),
    ("opinion_issued", "opinion issued", "已出具处理意见"),
    ("result_reported", "result reported", "报送办结报告"),
    ("review_requested", "review requested", "申请复查"),
    ("review_issued", "review issued", "已出具复查意见"),
    ("rereview_requested", "rereview requested", "申请复核"),
    ("hearing_held", "hearing held", "复核听证"),
    (
        "rereview_issued",
        "re-review opinion issued",
        "出具复核意见",
    ),
    ("closed", "closed", "办结"),
    ("evaluated", "evaluated", "评价"),
    ("withdrawn", "withdrawn", "撤回"),
    ("voided", "voided", "作废"),
    ("served", "notice served", "送达"),
    ("noted", "note", "记录"),
    ("attached", "file attached", "附件"),
    ("attachment_withdrawn", "file withdrawn", "撤下附件"),
    ("merged", "merged", "已合并"),
    ("absorbed", "absorbed", "合并他件"),
    ("supervision_opened", "supervision opened", "督办"),
    ("supervision_escalated", "supervision escalated", "督办升级"),
    ("supervision_answered", "supervision answered", "督办反馈"),
    ("supervisions_ended", "supervisions ended", "督办随案件终结"),
    ("evaluation_lapsed", "evaluation lapsed", "超期未评价"),
    ("query_code_reset", "query code reset", "重置查询码"),
    ("officer_released", "officer released", "承办人调离"),
];

impl EventKind {
    /// Every event `type` this version records, in the export's spelling.
    pub fn type_names() -> Vec<&'static str> {
        TYPE_LABELS.iter().map(|(t, _, _)| *t).collect()
    }

    /// The label of an event `type` in `lang` (`None` for a type this version does not know).
    pub fn type_label(type_name: &str, lang: crate::error::Lang) -> Option<&'static str> {
        TYPE_LABELS
            .iter()
            .find(|(t, _, _)| *t == type_name)
            .map(|(_, en, zh)| match lang {
                crate::error::Lang::En => *en,
                crate::error::Lang::Zh => *zh,
            })
    }

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
            EventKind::Recalled { .. } => "recalled",
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
            EventKind::Voided { .. } => "voided",
            EventKind::Served { .. } => "served",
            EventKind::Noted { .. } => "noted",
            EventKind::Attached { .. } => "attached",
            EventKind::AttachmentWithdrawn { .. } => "attachment_withdrawn",
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

/// A window clock counted again from the day its notice was served (送达).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redated {
    /// The clock's position on the case.
    pub clock: u32,
    /// Its new due date (never earlier than the old one).
    pub due: NaiveDate,
}
