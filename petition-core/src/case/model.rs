//! The case and its vocabulary: states, commands, events, supervisions
//! (督办, 2005 Art 36) and the context a decision is taken in.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::data::{
    text_enum, AmendField, DeclineGround, Outcome, Registration, ReviewOutcome, Satisfaction,
};
use crate::clock::{Calendar, Clock, ClockKind, ClockStart};
use crate::ids::{ActorId, CaseId, CodeHash, CodeRecord, QueryCode, StaffId, UnitCode};
use crate::org::{Org, Staff};
use crate::policy::Policy;

text_enum!(
    /// 状态.
    CaseState { /// 已登记
    Registered => "registered", /// 已转送/已交办
    Routed => "routed", /// 办理中
    Handling => "handling", /// 已出具处理意见
    OpinionIssued => "opinion_issued", /// 复查中
    UnderReview => "under_review", /// 已出具复查意见
    ReviewIssued => "review_issued", /// 复核中
    UnderRereview => "under_rereview", /// 不予受理
    Declined => "declined", /// 办结
    Closed => "closed", /// 复核终结
    Concluded => "concluded", /// 撤回
    Withdrawn => "withdrawn", /// 已合并
    Merged => "merged" }
);

impl CaseState {
    /// Terminal states accept no further commands (with the two exceptions of the transition table).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CaseState::Declined
                | CaseState::Closed
                | CaseState::Concluded
                | CaseState::Withdrawn
                | CaseState::Merged
        )
    }
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            CaseState::Registered => "已登记",
            CaseState::Routed => "已转送",
            CaseState::Handling => "办理中",
            CaseState::OpinionIssued => "已出具处理意见",
            CaseState::UnderReview => "复查中",
            CaseState::ReviewIssued => "已出具复查意见",
            CaseState::UnderRereview => "复核中",
            CaseState::Declined => "不予受理",
            CaseState::Closed => "办结",
            CaseState::Concluded => "复核终结",
            CaseState::Withdrawn => "撤回",
            CaseState::Merged => "已合并",
        }
    }
    /// The English name, in words.
    pub fn en(self) -> &'static str {
        match self {
            CaseState::Registered => "registered",
            CaseState::Routed => "routed",
            CaseState::Handling => "being handled",
            CaseState::OpinionIssued => "answered (opinion issued)",
            CaseState::UnderReview => "under review",
            CaseState::ReviewIssued => "answered on review",
            CaseState::UnderRereview => "under re-review",
            CaseState::Declined => "declined",
            CaseState::Closed => "closed",
            CaseState::Concluded => "concluded",
            CaseState::Withdrawn => "withdrawn",
            CaseState::Merged => "merged",
        }
    }
}

text_enum!(
    /// 督办级别 (2005 Art 36), bottom to top.
    SupervisionLevel { /// 催办
    Reminder => "reminder", /// 督办
    Supervision => "supervision", /// 通报
    Notice => "notice", /// 追责建议
    Accountability => "accountability" }
);

impl SupervisionLevel {
    /// The next level up, `None` at the top.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Reminder => Some(Self::Supervision),
            Self::Supervision => Some(Self::Notice),
            Self::Notice => Some(Self::Accountability),
            Self::Accountability => None,
        }
    }
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Reminder => "催办",
            Self::Supervision => "督办",
            Self::Notice => "通报",
            Self::Accountability => "追责建议",
        }
    }
}

text_enum!(
    /// 督办事由 (2005 Art 36, 2022 Art 40).
    SupervisionGround { /// 超期
    Overdue => "overdue", /// 未报送办结报告
    NoResultReport => "no_result_report", /// 程序错误
    WrongProcedure => "wrong_procedure", /// 推诿敷衍拖延
    Evasion => "evasion", /// 未落实
    NotExecuted => "not_executed", /// 弄虚作假
    Falsification => "falsification", /// 其他
    Other => "other" }
);

text_enum!(
    /// Why a case was closed.
    CloseReason { /// 信访人接受答复
    Accepted => "accepted", /// 申请期限届满
    WindowLapsed => "window_lapsed" }
);

text_enum!(
    /// How a case was routed.
    Routing { /// 转送
    Transfer => "transfer", /// 交办
    Assign => "assign" }
);

/// A command on a case. Times come from the [`Context`], never from the clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// 登记. The query code is drawn and hashed by the service; the event records its hash.
    Register {
        /// The registration.
        registration: Box<Registration>,
        /// 查询码, as the case keeps it (its salted hash).
        query_code: CodeRecord,
    },
    /// 转送.
    Transfer {
        /// Receiving unit.
        to: UnitCode,
        /// Optional note.
        note: Option<String>,
    },
    /// 交办: route with a required result report.
    Assign {
        /// Receiving unit.
        to: UnitCode,
        /// The result report is owed by this local date.
        report_by: NaiveDate,
        /// Optional note.
        note: Option<String>,
    },
    /// 异议: the receiving unit says the matter is outside its remit.
    Object {
        /// Why.
        reason: String,
    },
    /// The router approves or rejects the objection.
    ResolveObjection {
        /// Approve (back to the router) or reject (stays with the receiver).
        approve: bool,
        /// Optional note.
        note: Option<String>,
    },
    /// 受理, with optional assisting units (协办).
    Accept {
        /// Assisting units.
        assist: Vec<UnitCode>,
    },
    /// 不予受理.
    Decline {
        /// Ground (2005 Art 14–16, 22, 35).
        ground: DeclineGround,
        /// The notice text (告知).
        notice: String,
    },
    /// 协办意见.
    AssistInput {
        /// The input.
        text: String,
    },
    /// 延期 (head of the lead unit).
    Extend {
        /// Days added.
        days: u32,
        /// Why.
        reason: String,
    },
    /// 承办: the acting staff member becomes the case officer (承办人) within the holding unit.
    Take,
    /// 转交: hands the case to another staff member of the holding unit as its officer.
    Hand {
        /// The new officer.
        to: StaffId,
    },
    /// 延期申请: a clerk of the lead unit asks its head to extend the handling limit.
    ExtendRequest {
        /// Days asked for.
        days: u32,
        /// Why.
        reason: String,
    },
    /// 批准延期: the head of the lead unit grants the pending request (as `extend` would).
    ExtendApprove,
    /// 不予延期: the head of the lead unit refuses the pending request.
    ExtendReject {
        /// Why, when said.
        note: Option<String>,
    },
    /// 更正登记: the registering unit corrects a registration mistake while the case is
    /// registered or routed.
    Amend {
        /// The field.
        field: AmendField,
        /// The corrected value (empty removes an optional field).
        value: String,
        /// Why.
        reason: String,
    },
    /// 处理意见.
    Opinion {
        /// Outcome.
        outcome: Outcome,
        /// The opinion text.
        text: String,
        /// Why issuing without a missing assist input.
        without_assist: Option<String>,
    },
    /// 办结报告.
    Report {
        /// The report.
        text: String,
    },
    /// 复查申请 (registered by the reviewing unit), with the petitioner's grounds when given.
    ReviewRequest {
        /// The petitioner's grounds (复查理由).
        reason: Option<String>,
    },
    /// 复查意见.
    ReviewOpinion {
        /// Outcome.
        outcome: ReviewOutcome,
        /// Text.
        text: String,
    },
    /// 复核申请, with the petitioner's grounds when given.
    RereviewRequest {
        /// The petitioner's grounds (复核理由).
        reason: Option<String>,
    },
    /// 复核听证: pauses the re-review clock.
    Hearing {
        /// First day.
        start: NaiveDate,
        /// Last day (both counted).
        end: NaiveDate,
    },
    /// 复核意见: concludes the case.
    RereviewOpinion {
        /// Outcome.
        outcome: ReviewOutcome,
        /// Text.
        text: String,
    },
    /// 办结.
    Close {
        /// `accepted` by a clerk; `window_lapsed` only by tick.
        reason: CloseReason,
    },
    /// 满意度评价.
    Evaluate {
        /// Rating of the handling.
        handling: Satisfaction,
        /// Optional rating of the petition office.
        office: Option<Satisfaction>,
    },
    /// 撤回.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// 合并 into another case.
    Merge {
        /// The surviving case.
        into: CaseId,
    },
    /// The surviving case records a merged case (applied together with `Merge`).
    Absorb {
        /// The merged case.
        from: CaseId,
    },
    /// 督办.
    Supervise {
        /// Ground.
        ground: SupervisionGround,
        /// Respond by this local date.
        respond_by: NaiveDate,
        /// The notice text.
        text: String,
        /// Supervised unit (default: the holder).
        unit: Option<UnitCode>,
        /// Level (default `supervision`).
        level: Option<SupervisionLevel>,
    },
    /// 督办反馈 / 说明原因.
    Respond {
        /// Supervision number on the case.
        supervision: u32,
        /// The answer.
        text: String,
    },
    /// Time-driven work at `now`, by `system` only.
    Tick,
    /// 查询码重置: the registering unit or a petition office in reach gives the petitioner a new
    /// query code (drawn and hashed by the service, which shows it once).
    ResetQueryCode {
        /// The new code, as the case keeps it (its salted hash).
        query_code: CodeRecord,
    },
    /// The officer no longer carries the case (with an admin's move or deactivation of them).
    ReleaseOfficer {
        /// The officer.
        officer: StaffId,
    },
}

impl Command {
    /// The command's name as typed on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Register { .. } => "register",
            Command::Transfer { .. } => "transfer",
            Command::Assign { .. } => "assign",
            Command::Object { .. } => "object",
            Command::ResolveObjection { .. } => "objection",
            Command::Accept { .. } => "accept",
            Command::Decline { .. } => "decline",
            Command::AssistInput { .. } => "assist-input",
            Command::Extend { .. } => "extend",
            Command::ExtendRequest { .. } => "extend request",
            Command::Take => "take",
            Command::Hand { .. } => "hand",
            Command::ExtendApprove => "extend approve",
            Command::ExtendReject { .. } => "extend reject",
            Command::Amend { .. } => "amend",
            Command::Opinion { .. } => "opinion",
            Command::Report { .. } => "report",
            Command::ReviewRequest { .. } => "review request",
            Command::ReviewOpinion { .. } => "review opinion",
            Command::RereviewRequest { .. } => "rereview request",
            Command::Hearing { .. } => "rereview hearing",
            Command::RereviewOpinion { .. } => "rereview opinion",
            Command::Close { .. } => "close",
            Command::Evaluate { .. } => "evaluate",
            Command::Withdraw { .. } => "withdraw",
            Command::Merge { .. } => "merge",
            Command::Absorb { .. } => "merge",
            Command::Supervise { .. } => "supervise",
            Command::Respond { .. } => "respond",
            Command::Tick => "tick",
            Command::ResetQueryCode { .. } => "query-code reset",
            Command::ReleaseOfficer { .. } => "release officer",
        }
    }
}

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

/// 首问: the registering unit and clerk, recorded forever.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstContact {
    /// Unit.
    pub unit: UnitCode,
    /// Staff id.
    pub staff: String,
}

/// An assisting unit (协办单位) and its input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assisting {
    /// Unit.
    pub unit: UnitCode,
    /// When its input arrived.
    pub input_at: Option<DateTime<FixedOffset>>,
    /// The input.
    pub text: Option<String>,
}

/// The state of an objection (异议).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    /// Waiting for the router.
    Pending,
    /// Rejected: the receiver keeps the case.
    Rejected,
}

/// An evaluation (满意度评价).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Rating of the handling.
    pub handling: Satisfaction,
    /// Rating of the petition office.
    pub office: Option<Satisfaction>,
    /// The unit whose answer it rates.
    pub unit: UnitCode,
    /// When.
    pub at: DateTime<FixedOffset>,
    /// The evaluation clock it answered.
    pub clock: u32,
}

/// A supervision on a case (督办).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supervision {
    /// Number on the case, from 1.
    pub id: u32,
    /// Current level.
    pub level: SupervisionLevel,
    /// Ground.
    pub ground: SupervisionGround,
    /// Current issuing unit.
    pub by: UnitCode,
    /// Supervised unit.
    pub unit: UnitCode,
    /// Current respond-by date.
    pub respond_by: NaiveDate,
    /// Notice text.
    pub text: String,
    /// When opened.
    pub opened_at: DateTime<FixedOffset>,
    /// When answered.
    pub answered_at: Option<DateTime<FixedOffset>>,
    /// The answer (说明原因).
    pub answer: Option<String>,
    /// The clock it was opened for automatically.
    pub for_clock: Option<u32>,
    /// Its current supervision clock.
    pub clock: u32,
    /// When it ended with the case (a case that ends ends its supervisions, but for those of a
    /// closed case's execution); it no longer escalates.
    #[serde(default)]
    pub ended_at: Option<DateTime<FixedOffset>>,
}

impl Supervision {
    /// Neither answered nor ended with the case.
    pub fn is_open(&self) -> bool {
        self.answered_at.is_none() && self.ended_at.is_none()
    }
}

/// A pending request for an extension (延期申请).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    /// Days asked for.
    pub days: u32,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub by: ActorId,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// The current case: a pure fold of its events ([`super::evolve`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Id.
    pub id: CaseId,
    /// Number of events applied (0: not registered yet).
    pub seq: u32,
    /// State.
    pub state: CaseState,
    /// 查询码 as the case keeps it: its salted hash (or, in chains made before codes were hashed,
    /// the code itself). Never shown: views leave it out.
    pub query_code: Option<CodeRecord>,
    /// Registration (None before registration).
    pub registration: Option<Registration>,
    /// When registered.
    pub registered_at: Option<DateTime<FixedOffset>>,
    /// Time of the last event.
    pub last_at: Option<DateTime<FixedOffset>>,
    /// 首问单位/首问人.
    pub first_contact: Option<FirstContact>,
    /// 当前责任单位.
    pub holder: Option<UnitCode>,
    /// 承办人: the staff member of the holding unit who carries the case (none until one takes
    /// it; cleared when the case moves to another unit).
    #[serde(default)]
    pub officer: Option<StaffId>,
    /// 主办单位.
    pub lead: Option<UnitCode>,
    /// The unit that routed the case most recently.
    pub routed_by: Option<UnitCode>,
    /// Every unit the case was ever routed to, in order (for visibility).
    #[serde(default)]
    pub routed_to: Vec<UnitCode>,
    /// How it was routed most recently.
    pub routing: Option<Routing>,
    /// The objection of the current receiver.
    pub objection: Option<ObjectionStatus>,
    /// 协办单位.
    pub assisting: Vec<Assisting>,
    /// Total extension granted, days.
    pub extension_days: u32,
    /// The extension a clerk asked the head for, awaiting the answer.
    #[serde(default)]
    pub extension_request: Option<ExtensionRequest>,
    /// 处理意见.
    pub outcome: Option<Outcome>,
    /// 复查意见.
    pub review_outcome: Option<ReviewOutcome>,
    /// 复核意见.
    pub rereview_outcome: Option<ReviewOutcome>,
    /// 复查机关.
    pub reviewer: Option<UnitCode>,
    /// 复核机关.
    pub rereviewer: Option<UnitCode>,
    /// The unit that issued the latest answer.
    pub answered_by: Option<UnitCode>,
    /// Decline ground.
    pub decline_ground: Option<DeclineGround>,
    /// Close reason.
    pub close_reason: Option<CloseReason>,
    /// 集体访.
    pub collective: bool,
    /// 越级走访.
    pub skip_level: bool,
    /// 重复信访: the most recent earlier case.
    pub repeat_of: Option<CaseId>,
    /// Earlier cases of the same matter.
    pub related: Vec<CaseId>,
    /// The surviving case, when merged.
    pub merged_into: Option<CaseId>,
    /// Cases merged into this one.
    pub absorbed: Vec<CaseId>,
    /// Clocks, in start order.
    pub clocks: Vec<Clock>,
    /// Supervisions, by number.
    pub supervisions: Vec<Supervision>,
    /// Evaluations.
    pub evaluations: Vec<Evaluation>,
    /// Result reports given.
    pub reports: u32,
    /// The unit that was shown the case's current query code: the registering unit, or the one
    /// that reset the code. Its answer is never rated online with the code (it could rate as
    /// the petitioner).
    #[serde(default)]
    pub code_holder: Option<UnitCode>,
}

impl Case {
    /// A case not yet registered: the starting point of [`super::replay`] and of `register`.
    pub fn new(id: CaseId) -> Self {
        Self {
            id,
            seq: 0,
            state: CaseState::Registered,
            query_code: None,
            registration: None,
            registered_at: None,
            last_at: None,
            first_contact: None,
            holder: None,
            lead: None,
            routed_by: None,
            routed_to: Vec::new(),
            routing: None,
            objection: None,
            assisting: Vec::new(),
            extension_days: 0,
            extension_request: None,
            officer: None,
            outcome: None,
            review_outcome: None,
            rereview_outcome: None,
            reviewer: None,
            rereviewer: None,
            answered_by: None,
            decline_ground: None,
            close_reason: None,
            collective: false,
            skip_level: false,
            repeat_of: None,
            related: Vec::new(),
            merged_into: None,
            absorbed: Vec::new(),
            clocks: Vec::new(),
            supervisions: Vec::new(),
            evaluations: Vec::new(),
            reports: 0,
            code_holder: None,
        }
    }

    /// Whether the case exists (has been registered).
    pub fn is_registered(&self) -> bool {
        self.seq > 0
    }

    /// The open clocks of a kind.
    pub fn open_clocks(&self, kind: ClockKind) -> impl Iterator<Item = &Clock> {
        self.clocks
            .iter()
            .filter(move |c| c.kind == kind && c.is_open())
    }

    /// The accused unit, if any.
    pub fn accused_unit(&self) -> Option<&UnitCode> {
        self.registration
            .as_ref()
            .and_then(|r| r.accused_unit.as_ref())
    }
}

/// An earlier case as seen by repeat detection and decline grounds (2005 Art 16, 35).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedCase {
    /// Id.
    pub id: CaseId,
    /// Current state.
    pub state: CaseState,
    /// Current (or last) holder.
    pub holder: UnitCode,
    /// When registered.
    pub registered_at: DateTime<FixedOffset>,
}

/// Who acts.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    /// A staff member.
    Staff(&'a Staff),
    /// The time-driven `tick`.
    System,
    /// The petitioner, rating an answer online (the only thing a petitioner may do).
    Petitioner,
}

impl Actor<'_> {
    /// The id recorded on events.
    pub fn id(&self) -> ActorId {
        match self {
            Actor::Staff(s) => ActorId::Staff(s.id.clone()),
            Actor::System => ActorId::System,
            Actor::Petitioner => ActorId::Petitioner,
        }
    }
    /// The staff id, if a person.
    pub fn staff_id(&self) -> Option<&StaffId> {
        match self {
            Actor::Staff(s) => Some(&s.id),
            Actor::System | Actor::Petitioner => None,
        }
    }
}

/// Everything a decision needs besides the case: time, actor, organisation, policy, calendar and
/// the related earlier cases (for repeat detection and the `concluded`/`in_progress` grounds).
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// Now.
    pub now: DateTime<FixedOffset>,
    /// The actor.
    pub actor: Actor<'a>,
    /// The organisation.
    pub org: &'a Org,
    /// The policy.
    pub policy: &'a Policy,
    /// The calendar.
    pub calendar: &'a Calendar,
    /// Earlier cases: at registration, candidates of the same petitioner, category and locality;
    /// afterwards, the case's `related` cases as they are now.
    pub related: &'a [RelatedCase],
    /// For `merge`: the case to merge into, as it is now (`None` when it does not exist or the
    /// actor may not read it).
    pub target: Option<&'a Case>,
}
