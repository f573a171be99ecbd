//! Given/when/then tests of the transition table (SPEC §4.2), one or more per row and per error
//! code, plus property tests of the invariants. Each test names the rule it checks.

use chrono::{DateTime, FixedOffset, NaiveDate};
use proptest::prelude::*;

use super::*;
use crate::clock::{Calendar, ClockKind, DayKind};
use crate::error::DomainError;
use crate::ids::{CaseId, QueryCode, StaffId, UnitCode};
use crate::org::{Org, Role, Staff};
use crate::policy::Policy;

pub(crate) fn u(s: &str) -> UnitCode {
    UnitCode::parse(s).expect("unit code")
}

pub(crate) fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// `YYYY-MM-DD` means 09:00 local (+08:00), as on the command line.
pub(crate) fn at(s: &str) -> DateTime<FixedOffset> {
    if s.len() == 10 {
        DateTime::parse_from_rfc3339(&format!("{s}T09:00:00+08:00")).expect("time")
    } else {
        DateTime::parse_from_rfc3339(s).expect("time")
    }
}

/// The sample organisation with a clerk `X.c` and a head `X.h` in every unit.
pub(crate) fn org() -> Org {
    let mut o = crate::org::tests::sample();
    let units: Vec<UnitCode> = o.units().map(|x| x.code.clone()).collect();
    for code in units {
        for (suffix, role) in [("c", Role::Clerk), ("h", Role::Head)] {
            o.add_staff(Staff {
                id: StaffId::parse(&format!("{code}.{suffix}")).expect("id"),
                name: format!("{code} {suffix}"),
                unit: Some(code.clone()),
                role,
                deactivated: false,
                tokens: Vec::new(),
            })
            .expect("staff");
        }
    }
    o.add_staff(Staff {
        id: StaffId::parse("admin").expect("id"),
        name: "admin".into(),
        unit: None,
        role: Role::Admin,
        deactivated: false,
        tokens: Vec::new(),
    })
    .expect("admin");
    o
}

pub(crate) fn registration(locality: &str, channel: Channel) -> Registration {
    Registration {
        channel,
        purpose: Purpose::Request,
        petitioners: vec![Petitioner {
            name: "王某".into(),
            id_type: IdType::ResidentId,
            id_number: Some("11010519491231002X".into()),
            phone: Some("13812345678".into()),
            address: Some("某镇某村".into()),
        }],
        headcount: 1,
        representatives: vec![],
        locality: u(locality),
        category: "housing.repair".into(),
        summary: "房屋漏水".into(),
        content: None,
        received_at: at("2026-03-02"),
        litigation: false,
        accused_unit: None,
        major: false,
        external_ref: None,
    }
}

/// A world: organisation, policy, calendar and one case, with its full history.
pub(crate) struct World {
    pub org: Org,
    pub policy: Policy,
    pub cal: Calendar,
    pub case: Case,
    pub events: Vec<Event>,
    pub related: Vec<RelatedCase>,
    /// The merge target the next `merge` sees.
    pub target: Option<Case>,
}

impl World {
    pub(crate) fn new() -> Self {
        Self {
            org: org(),
            policy: Policy::default(),
            cal: Calendar::default(),
            case: Case::new(CaseId::new(2026, 1)),
            events: vec![],
            related: vec![],
            target: None,
        }
    }

    /// When `actor` (a staff id, or "system") does `cmd` at `when`: the events, applied on success.
    pub(crate) fn run(
        &mut self,
        actor: &str,
        when: &str,
        cmd: impl Into<Step>,
    ) -> Result<Vec<Event>, DomainError> {
        let cmd: Step = cmd.into();
        // "system" is the time-driven work; any other name must be a staff member of the world.
        let staff = (actor != "system" && actor != "petitioner").then(|| {
            self.org
                .staff(&StaffId::parse(actor).expect("staff id"))
                .cloned()
                .unwrap_or_else(|| panic!("no staff member {actor} in the test world"))
        });
        let actor = match (&staff, actor) {
            (Some(s), _) => Actor::Staff(s),
            (None, "petitioner") => Actor::Petitioner,
            (None, _) => Actor::System,
        };
        let ctx = Context {
            now: at(when),
            actor,
            org: &self.org,
            policy: &self.policy,
            calendar: &self.cal,
            related: &self.related,
            target: self.target.as_ref(),
        };
        let evs = decide(&self.case, &cmd, &ctx)?;
        for e in &evs {
            self.case = evolve(self.case.clone(), e);
            self.events.push(e.clone());
        }
        // The events as a store keeps them (JSON), read back and folded from the start, give
        // the live case: nothing the rules rely on is lost on the way to the chain and back.
        let stored: Vec<Event> = (self.events.iter())
            .map(|e| Event::from_json(&serde_json::to_string(e).expect("encode")).expect("decode"))
            .collect();
        assert_eq!(stored, self.events, "events survive their stored form");
        assert_eq!(
            replay(self.case.id.clone(), &stored),
            self.case,
            "the stored events replay to the live case"
        );
        Ok(evs)
    }

    pub(crate) fn ok(&mut self, actor: &str, when: &str, cmd: impl Into<Step>) -> Vec<Event> {
        let cmd: Step = cmd.into();
        match self.run(actor, when, cmd.clone()) {
            Ok(e) => e,
            Err(e) => panic!("{} by {actor} at {when} refused: {e}", cmd.name()),
        }
    }

    pub(crate) fn register(&mut self, actor: &str, when: &str, reg: Registration) {
        self.ok(
            actor,
            when,
            Step::Register {
                registration: Box::new(reg),
                query_code: crate::ids::CodeRecord::Clear(QueryCode::from_random([1; 8])),
            },
        );
    }

    pub(crate) fn clock(&self, kind: ClockKind) -> &crate::clock::Clock {
        self.case
            .clocks
            .iter()
            .rev()
            .find(|c| c.kind == kind)
            .expect("clock")
    }

    /// Registered at the county 信访局 about town-a on 2026-03-02.
    pub(crate) fn registered() -> Self {
        let mut w = Self::new();
        w.register(
            "cty-a-xfj.c",
            "2026-03-02",
            registration("town-a", Channel::Letter),
        );
        w
    }

    /// Transferred to the county 住建局 on 2026-03-02 and accepted there the same day.
    pub(crate) fn handling() -> Self {
        let mut w = Self::registered();
        w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
        w.ok(
            "cty-a-zjj.c",
            "2026-03-02",
            Command::Accept { assist: vec![] },
        );
        w
    }

    /// Opinion issued on 2026-03-20.
    pub(crate) fn answered() -> Self {
        let mut w = Self::handling();
        w.ok("cty-a-zjj.c", "2026-03-20", opinion());
        w
    }

    /// Handled with a 30-day extension granted on 2026-04-20, answered on 2026-05-15.
    pub(crate) fn answered_after_extension() -> Self {
        let mut w = Self::handling();
        w.ok(
            "cty-a-zjj.h",
            "2026-04-20",
            Command::Extend {
                days: 30,
                reason: "需现场核查并协调维修资金".into(),
            },
        );
        w.ok("cty-a-zjj.c", "2026-05-15", opinion());
        w
    }
}

pub(crate) fn transfer(to: &str) -> Command {
    Command::Transfer {
        to: u(to),
        note: None,
    }
}
pub(crate) fn opinion() -> Command {
    Command::Opinion {
        outcome: Outcome::Supported,
        text: "予以支持".into(),
        without_assist: None,
    }
}

fn code(r: Result<Vec<Event>, DomainError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn types(evs: &[Event]) -> Vec<&'static str> {
    evs.iter().map(|e| e.kind.type_name()).collect()
}

mod accept;
mod amend;
mod appeals;
mod closing;
mod confidentiality;
mod decline;
mod extend;
mod notices;
mod objection;
mod officer;
mod properties;
mod register;
mod routing;
mod served;
mod skip_level;
mod supervision;
mod vocabulary;
mod void;
mod whole_events;

#[test]
fn event_from_json_reads_what_serde_reads() {
    use crate::example::{county, registration, staff, unit};
    let (mut svc, now) = county();
    let case = svc
        .register_by(&staff("li"), now, registration(now))
        .expect("register");
    svc.execute_by(
        &staff("li"),
        now,
        &case.id,
        Command::Transfer {
            to: unit("county-zjj"),
            note: Some("请办理".into()),
        },
    )
    .expect("transfer");
    svc.execute_by(
        &staff("wang"),
        now,
        &case.id,
        Command::Accept { assist: vec![] },
    )
    .expect("accept");
    let (_, events) = svc.load(&case.id).expect("load");
    assert_eq!(events.len(), 3);
    for e in events {
        // As stored: the event with its `gseq`, which both ignore.
        let mut v = serde_json::to_value(&e).expect("json");
        v["gseq"] = serde_json::json!(7);
        let text = v.to_string();
        let slow: Event = serde_json::from_str(&text).expect("serde");
        assert_eq!(Event::from_json(&text).expect("fast"), slow);
        assert_eq!(slow, e);
    }
    assert!(Event::from_json(r#"{"case":"XF2026-000001"}"#).is_err());
}

/// One event of every kind, its optional fields filled (and, where the format allows it, left
/// out), read back by `Event::from_json` (tag first, then the kind's fields by tag: see
/// `case::decode`) exactly as serde's derive reads it, and as it was written. The stored form
/// (canonical JSON, keys sorted, with `gseq`) and serde's own field order are both read.
#[test]
fn event_kinds_read_by_tag_as_by_serde() {
    use crate::clock::ClockStart;
    use crate::example::{registration, staff};
    let clocks = || {
        vec![
            ClockStart {
                kind: ClockKind::Handling,
                unit: u("county-zjj"),
                started: d("2026-03-02"),
                due: d("2026-05-01"),
                days: Some(60),
                supervision: None,
            },
            ClockStart {
                kind: ClockKind::Supervision,
                unit: u("county-zjj"),
                started: d("2026-03-02"),
                due: d("2026-03-09"),
                days: None,
                supervision: Some(2),
            },
        ]
    };
    let note = || Some("请按期办理 \"急\"\n第二行".to_string());
    let case = CaseId::new(2026, 7);
    let other = CaseId::new(2026, 3);
    let kinds = vec![
        EventKind::Registered(Box::new(Registered {
            registration: registration(at("2026-03-02")),
            query_code: Some(QueryCode::parse("K7PX3MQA").expect("code")),
            query_code_hash: None,
            collective: true,
            skip_level: true,
            repeat_of: Some(other.clone()),
            related: vec![other.clone(), CaseId::new(2025, 9)],
            clocks: clocks(),
        })),
        EventKind::Transferred {
            to: u("county-zjj"),
            note: note(),
            clocks: clocks(),
        },
        EventKind::Transferred {
            to: u("county-zjj"),
            note: None,
            clocks: vec![],
        },
        EventKind::Assigned {
            to: u("county-zjj"),
            report_by: d("2026-04-01"),
            note: note(),
            clocks: clocks(),
        },
        EventKind::Objected {
            reason: "不属本单位职责".into(),
        },
        EventKind::ObjectionApproved {
            note: note(),
            clocks: clocks(),
        },
        EventKind::ObjectionRejected { note: note() },
        EventKind::Recalled {
            from: u("county-zjj"),
            clocks: clocks(),
        },
        EventKind::Accepted {
            assisting: vec![u("town"), u("county-xfj")],
            clocks: clocks(),
        },
        EventKind::Declined {
            ground: DeclineGround::Litigation,
            notice: "应通过诉讼解决".into(),
        },
        EventKind::AssistInput {
            text: "协办意见".into(),
        },
        EventKind::Extended {
            days: 30,
            reason: "情况复杂".into(),
            due: d("2026-06-01"),
        },
        EventKind::OfficerAssigned {
            officer: staff("wang"),
        },
        EventKind::ExtensionRequested {
            days: 20,
            reason: "需现场核查".into(),
        },
        EventKind::ExtensionRejected { note: note() },
        EventKind::Amended {
            field: AmendField::Summary,
            old: Some("房屋漏水".into()),
            new: None,
            reason: "登记笔误".into(),
            collective: false,
            skip_level: true,
            repeat_of: Some(other.clone()),
            related: vec![other.clone()],
            intake: Some((0, d("2026-03-01"), d("2026-03-16"))),
        },
        EventKind::OpinionIssued {
            outcome: Outcome::Supported,
            text: "支持".into(),
            without_assist: Some("协办单位未回复".into()),
            clocks: clocks(),
        },
        EventKind::ResultReported {
            text: "已办结".into(),
        },
        EventKind::ReviewRequested {
            reason: Some("不服".into()),
            clocks: clocks(),
            superseded: Some(4),
            body: Some(u("county")),
        },
        EventKind::ReviewRequested {
            reason: None,
            clocks: clocks(),
            superseded: None,
            body: None,
        },
        EventKind::ReviewIssued {
            outcome: ReviewOutcome::Revised,
            text: "变更".into(),
            clocks: clocks(),
        },
        EventKind::RereviewRequested {
            reason: Some("仍不服".into()),
            clocks: clocks(),
            superseded: Some(7),
            body: None,
        },
        EventKind::RereviewRequested {
            reason: None,
            clocks: vec![],
            superseded: None,
            body: None,
        },
        EventKind::HearingHeld {
            start: d("2026-05-01"),
            end: d("2026-05-03"),
            days: 3,
            due: d("2026-06-04"),
        },
        EventKind::RereviewIssued {
            outcome: ReviewOutcome::Upheld,
            text: "维持".into(),
            clocks: clocks(),
        },
        EventKind::Closed {
            reason: CloseReason::WindowLapsed,
        },
        EventKind::Evaluated {
            handling: Satisfaction::BasicallySatisfied,
            office: Some(Satisfaction::Satisfied),
            clock: 4,
        },
        EventKind::Evaluated {
            handling: Satisfaction::Dissatisfied,
            office: None,
            clock: 4,
        },
        EventKind::Withdrawn {
            reason: "已解决".into(),
        },
        EventKind::Voided {
            reason: "重复登记".into(),
            duplicate_of: Some(other.clone()),
        },
        EventKind::Voided {
            reason: "测试数据".into(),
            duplicate_of: None,
        },
        EventKind::Merged {
            into: other.clone(),
        },
        EventKind::Absorbed {
            from: other.clone(),
        },
        EventKind::SupervisionOpened {
            supervision: SupervisionOpen {
                id: 2,
                level: SupervisionLevel::Reminder,
                ground: SupervisionGround::NoResultReport,
                by: u("county-xfj"),
                unit: u("county-zjj"),
                respond_by: d("2026-03-09"),
                text: "催办".into(),
                for_clock: Some(1),
            },
            clocks: clocks(),
        },
        EventKind::SupervisionEscalated {
            supervision: 2,
            level: SupervisionLevel::Notice,
            by: u("city-xfj"),
            respond_by: d("2026-03-20"),
            clocks: clocks(),
        },
        EventKind::SupervisionAnswered {
            supervision: 2,
            text: "已整改".into(),
        },
        EventKind::SupervisionsEnded {
            supervisions: vec![1, 2],
        },
        EventKind::EvaluationLapsed { clock: 4 },
        EventKind::QueryCodeReset {
            query_code_hash: crate::ids::CodeHash::of(
                &QueryCode::parse("K7PX3MQ9").expect("code"),
                [7; 16],
                crate::ids::QueryCodeCost::Training,
            ),
        },
        EventKind::OfficerReleased {
            officer: staff("li"),
            successor: Some(staff("wang")),
        },
        EventKind::Noted {
            kind: NoteKind::Call,
            text: "来电询问进展".into(),
            happened: at("2026-03-05"),
        },
        EventKind::Attached {
            file: crate::attachment::FileMeta {
                sha256: "ab".repeat(32),
                size: 1234,
                content_type: crate::attachment::ContentType::Pdf,
            },
            kind: AttachmentKind::Letter,
            title: "来信".into(),
        },
        EventKind::AttachmentWithdrawn {
            sha256: "ab".repeat(32),
            reason: "错附".into(),
        },
        EventKind::Served {
            notice: ServedNotice::Opinion,
            on: d("2026-03-27"),
            how: ServiceMethod::Post,
            note: Some("挂号信".into()),
            windows: vec![Redated {
                clock: 3,
                due: d("2026-04-27"),
            }],
        },
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        seen.insert(kind.type_name());
        // Its labels come from the event types' one table.
        for lang in [crate::error::Lang::En, crate::error::Lang::Zh] {
            assert!(
                EventKind::type_label(kind.type_name(), lang).is_some(),
                "{} has no label",
                kind.type_name()
            );
        }
        let e = Event {
            case: case.clone(),
            seq: i as u32 + 1,
            at: at("2026-03-02T10:30:00.123456789+08:00"),
            actor: if i % 2 == 0 {
                crate::ids::ActorId::Staff(staff("li"))
            } else {
                crate::ids::ActorId::System
            },
            unit: (i % 2 == 0).then(|| u("county-xfj")),
            kind,
        };
        let stored = crate::audit::canonical(&crate::audit::body(
            &crate::audit::Entry::Case(e.clone()),
            9,
        ));
        let plain = serde_json::to_string(&e).expect("json");
        for text in [stored, plain] {
            let slow: Event = serde_json::from_str(&text).expect("serde");
            assert_eq!(slow, e, "{text}");
            assert_eq!(Event::from_json(&text).expect("by tag"), e, "{text}");
        }
    }
    // Every kind of event is in the list above (a new kind must be added to it).
    let every = [
        "registered",
        "transferred",
        "assigned",
        "objected",
        "objection_approved",
        "objection_rejected",
        "accepted",
        "declined",
        "assist_input",
        "extended",
        "extension_requested",
        "officer_assigned",
        "extension_rejected",
        "amended",
        "recalled",
        "opinion_issued",
        "result_reported",
        "review_requested",
        "review_issued",
        "rereview_requested",
        "hearing_held",
        "rereview_issued",
        "closed",
        "evaluated",
        "withdrawn",
        "voided",
        "served",
        "noted",
        "attached",
        "attachment_withdrawn",
        "merged",
        "absorbed",
        "supervision_opened",
        "supervision_escalated",
        "supervision_answered",
        "supervisions_ended",
        "evaluation_lapsed",
        "query_code_reset",
        "officer_released",
    ];
    assert_eq!(seen, every.into_iter().collect());
    // Malformed text is refused the same way: an unknown kind, a kind's missing field, a
    // payload of the wrong type, text after the object.
    for bad in [
        r#"{"actor":"system","at":"2026-03-02T10:30:00+08:00","case":"XF2026-000007","seq":1,"type":"teleported","unit":null}"#,
        r#"{"actor":"system","at":"2026-03-02T10:30:00+08:00","case":"XF2026-000007","seq":1,"type":"objected","unit":null}"#,
        r#"{"actor":"system","at":"2026-03-02T10:30:00+08:00","case":"XF2026-000007","seq":1,"type":"evaluation_lapsed","clock":"4","unit":null}"#,
        r#"{"actor":"system","at":"2026-03-02T10:30:00+08:00","case":"XF2026-000007","seq":1,"type":"evaluation_lapsed","clock":4,"unit":null} x"#,
    ] {
        assert!(serde_json::from_str::<Event>(bad).is_err(), "{bad}");
        assert!(Event::from_json(bad).is_err(), "{bad}");
    }
    // The good twin of those is read.
    let good = r#"{"actor":"system","at":"2026-03-02T10:30:00+08:00","case":"XF2026-000007","seq":1,"type":"evaluation_lapsed","clock":4,"unit":null}"#;
    assert_eq!(
        Event::from_json(good).expect("good"),
        serde_json::from_str::<Event>(good).expect("good")
    );
}
