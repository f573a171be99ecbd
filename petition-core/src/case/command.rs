//! The commands a case accepts (what an actor asks of it).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::data::{AmendField, DeclineGround, Outcome, Registration, ReviewOutcome, Satisfaction};
use super::vocabulary::*;
use crate::ids::{CaseId, CodeRecord, StaffId, UnitCode};

/// A command on a case. Times come from the [`Context`](super::Context), never from the clock.
/// New commands come with new rules: match with a `_` arm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Command {
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
    /// 送达: the petitioner received a written notice on `on`. The windows the law counts from
    /// receipt (review and re-review requests, evaluation) count from that date from now on.
    Served {
        /// Which notice.
        notice: ServedNotice,
        /// The local date the petitioner received it.
        on: NaiveDate,
        /// How it was served.
        how: ServiceMethod,
        /// A note (the receipt's number, who signed for it).
        note: Option<String>,
    },
    /// 记录: a note in the case file (a call, a visit, an interview, a callback, a site check),
    /// by any unit that may read the case, in any state.
    Note {
        /// What it records.
        kind: NoteKind,
        /// The note.
        text: String,
        /// When it happened, when earlier than now (a call taken before it was written down).
        at: Option<DateTime<FixedOffset>>,
    },
    /// 附件: a file in the case file, by any unit that may read the case, in any state. The file
    /// is stored first ([`crate::Service::attach`] stores it and runs this command in the same
    /// transaction); a command naming a file the database does not hold is refused.
    Attach {
        /// The stored file: its hash, size and type.
        file: crate::attachment::FileMeta,
        /// What it is.
        kind: AttachmentKind,
        /// Its title (a scanned letter's date and sender, a photo's subject).
        title: String,
    },
    /// 撤下附件: the unit that attached a file withdraws it (added in error); the chain keeps
    /// its hash, the case file no longer lists or gives it.
    WithdrawAttachment {
        /// The file's SHA-256.
        sha256: String,
        /// Why.
        reason: String,
    },
    /// 作废: the registering unit voids a registration made in error (a duplicate from a
    /// retried interface call, a test entry) before any unit accepted it. The case stays in the
    /// chain and leaves every statistic.
    Void {
        /// Why.
        reason: String,
        /// The case this one duplicates, when it is a duplicate.
        duplicate_of: Option<CaseId>,
    },
    /// 合并 into another case.
    Merge {
        /// The surviving case.
        into: CaseId,
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
}

impl Command {
    /// The dates the command names, with their fields (each must lie in the accepted range,
    /// [`crate::input::check_date`]).
    pub fn dates(&self) -> Vec<(&'static str, NaiveDate)> {
        match self {
            Command::Assign { report_by, .. } => vec![("report_by", *report_by)],
            Command::Hearing { start, end } => vec![("start", *start), ("end", *end)],
            Command::Supervise { respond_by, .. } => vec![("respond_by", *respond_by)],
            Command::Served { on, .. } => vec![("on", *on)],
            _ => Vec::new(),
        }
    }

    /// The command's name as typed on the command line.
    pub fn name(&self) -> &'static str {
        match self {
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
            Command::Void { .. } => "void",
            Command::Served { .. } => "served",
            Command::Note { .. } => "note",
            Command::Attach { .. } => "attach",
            Command::WithdrawAttachment { .. } => "attachment withdraw",
            Command::Merge { .. } => "merge",
            Command::Supervise { .. } => "supervise",
            Command::Respond { .. } => "respond",
        }
    }
}

/// What the rules decide on: a [`Command`] a staff member (or the petitioner) gives, or a step
/// only the service takes — a registration with the query code it drew, the surviving side of a
/// merge, the time-driven work, a new query code it drew, an officer released with an admin's
/// change. [`Service::execute`](crate::Service::execute) takes a `Command`, so none of the
/// service's own steps can be asked for there.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// A command.
    Command(Command),
    /// 登记. The query code is drawn and hashed by the service; the event records its hash.
    Register {
        /// The registration.
        registration: Box<Registration>,
        /// 查询码, as the case keeps it (its salted hash).
        query_code: CodeRecord,
    },
    /// The surviving case records a merged case (applied together with `Merge`).
    Absorb {
        /// The merged case.
        from: CaseId,
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
        /// The colleague of the holding unit who carries the case from now on, when the admin
        /// named one (`staff deactivate --reassign-to`).
        successor: Option<StaffId>,
    },
}

impl From<Command> for Step {
    fn from(c: Command) -> Self {
        Step::Command(c)
    }
}

impl Step {
    /// The step's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Command(c) => c.name(),
            Step::Register { .. } => "register",
            Step::Absorb { .. } => "merge",
            Step::Tick => "tick",
            Step::ResetQueryCode { .. } => "query-code reset",
            Step::ReleaseOfficer { .. } => "release officer",
        }
    }
}
