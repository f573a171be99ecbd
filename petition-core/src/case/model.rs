//! The case (信访事项) as the events fold it, the actor and the context a decision is taken in.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::data::{DeclineGround, Outcome, Registration, ReviewOutcome, Satisfaction};
use super::vocabulary::*;
use crate::clock::{Calendar, Clock, ClockKind};
use crate::ids::{ActorId, CaseId, CodeRecord, StaffId, UnitCode};
use crate::org::{Org, Staff};
use crate::policy::Policy;

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

/// A recorded service (送达) of a written notice on the petitioner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Which notice.
    pub notice: ServedNotice,
    /// The local date the petitioner received it.
    pub on: NaiveDate,
    /// How.
    pub how: ServiceMethod,
    /// When it was recorded.
    pub at: DateTime<FixedOffset>,
}

/// A file of the case file (附件).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's hash, size and type.
    pub file: crate::attachment::FileMeta,
    /// What it is.
    pub kind: AttachmentKind,
    /// Its title.
    pub title: String,
    /// The unit that attached it.
    pub unit: Option<UnitCode>,
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Its withdrawal, if it was withdrawn (then it is neither listed nor given by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
}

/// The withdrawal of a file added in error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Why (masked readers see `***`).
    pub reason: String,
}

impl Case {
    /// The file `sha256` of the case file, withdrawn or not.
    pub fn attachment(&self, sha256: &str) -> Option<&Attachment> {
        self.attachments.iter().find(|a| a.file.sha256 == sha256)
    }
    /// The file of the case file (not withdrawn) whose SHA-256 is `hash` or begins with it (at
    /// least 8 hex digits, as `attachments` shows them); `not_found` for none, `validation`
    /// for a prefix too short or shared by two files.
    pub fn held_attachment(&self, hash: &str) -> crate::error::Result<&Attachment> {
        use crate::error::{DomainError, Refusal};
        let h = hash.trim().to_ascii_lowercase();
        if h.len() < 8 || h.len() > 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DomainError::from(Refusal::field(
                "sha256",
                "is not a file's SHA-256 or its first 8 or more hex digits, as `attachments` lists them",
                "不是文件的 SHA-256 或其前 8 位以上的十六进制数字（见 attachments）",
            )));
        }
        let mut found = self
            .attachments
            .iter()
            .filter(|a| a.withdrawn.is_none() && a.file.sha256.starts_with(&h));
        match (found.next(), found.next()) {
            (Some(a), None) => Ok(a),
            (Some(_), Some(_)) => Err(DomainError::from(Refusal::field(
                "sha256",
                "begins two files of this case: give more of its digits",
                "与本件两个文件的开头相同：请多给几位",
            ))),
            (None, _) => Err(DomainError::from(Refusal::missing(
                "no such file in this case's file (see `attachments`)",
                "本件卷宗中没有该文件（见 attachments）",
            ))),
        }
    }
    /// The bytes of the files the case file holds (withdrawn ones left out).
    pub fn attached_bytes(&self) -> u64 {
        self.attachments
            .iter()
            .filter(|a| a.withdrawn.is_none())
            .map(|a| a.file.size)
            .sum()
    }
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
    /// 送达: the services of written notices recorded, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// 附件: the files of the case file, in the order attached (withdrawn ones too, marked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
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
            services: Vec::new(),
            attachments: Vec::new(),
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

impl Case {
    /// The earliest local date on which `tick` has work for this case, if any: the first day after
    /// the earliest due date among the clocks and supervisions that tick acts on. Stores index this
    /// date so tick's cost follows the number of due items, not the number of cases.
    pub(crate) fn next_tick_date(&self) -> Option<NaiveDate> {
        let accused = self.accused_unit();
        let clocks = self
            .clocks
            .iter()
            .filter(|c| c.is_open())
            .filter_map(|c| match c.kind {
                ClockKind::Supervision => None,
                ClockKind::Evaluation => Some(c.due),
                ClockKind::ReviewWindow | ClockKind::RereviewWindow => Some(c.due),
                ClockKind::Objection => None,
                _ if c.auto_supervised || accused == Some(&c.unit) => None,
                _ => Some(c.due),
            });
        let sups = self
            .supervisions
            .iter()
            .filter(|s| s.is_open() && s.level.next().is_some())
            .map(|s| s.respond_by);
        clocks.chain(sups).min().and_then(|d| d.succ_opt())
    }
}
