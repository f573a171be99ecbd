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
            })
            .expect("staff");
        }
    }
    o.add_staff(Staff {
        id: StaffId::parse("admin").expect("id"),
        name: "admin".into(),
        unit: None,
        role: Role::Admin,
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
    pub fn new() -> Self {
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
    pub fn run(
        &mut self,
        actor: &str,
        when: &str,
        cmd: Command,
    ) -> Result<Vec<Event>, DomainError> {
        // "system" is the time-driven work; any other name must be a staff member of the world.
        let staff = (actor != "system").then(|| {
            self.org
                .staff(&StaffId::parse(actor).expect("staff id"))
                .cloned()
                .unwrap_or_else(|| panic!("no staff member {actor} in the test world"))
        });
        let actor = match &staff {
            Some(s) => Actor::Staff(s),
            None => Actor::System,
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
        assert_eq!(
            replay(self.case.id.clone(), &self.events),
            self.case,
            "replay equals the live case"
        );
        Ok(evs)
    }

    pub fn ok(&mut self, actor: &str, when: &str, cmd: Command) -> Vec<Event> {
        match self.run(actor, when, cmd.clone()) {
            Ok(e) => e,
            Err(e) => panic!("{} by {actor} at {when} refused: {e}", cmd.name()),
        }
    }

    pub fn register(&mut self, actor: &str, when: &str, reg: Registration) {
        self.ok(
            actor,
            when,
            Command::Register {
                registration: Box::new(reg),
                query_code: QueryCode::from_random([1; 8]),
            },
        );
    }

    pub fn clock(&self, kind: ClockKind) -> &crate::clock::Clock {
        self.case
            .clocks
            .iter()
            .rev()
            .find(|c| c.kind == kind)
            .expect("clock")
    }

    /// Registered at the county 信访局 about town-a on 2026-03-02.
    pub fn registered() -> Self {
        let mut w = Self::new();
        w.register(
            "cty-a-xfj.c",
            "2026-03-02",
            registration("town-a", Channel::Letter),
        );
        w
    }

    /// Transferred to the county 住建局 on 2026-03-02 and accepted there the same day.
    pub fn handling() -> Self {
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
    pub fn answered() -> Self {
        let mut w = Self::handling();
        w.ok("cty-a-zjj.c", "2026-03-20", opinion());
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

// ---- register ----

#[test]
fn register_makes_actor_unit_holder_and_first_contact_and_starts_intake_15_days() {
    // §4.2 register; §5.2 intake 15 d (2022 Art 22)
    let w = World::registered();
    assert_eq!(w.case.state, CaseState::Registered);
    assert_eq!(w.case.holder, Some(u("cty-a-xfj")));
    assert_eq!(
        w.case.first_contact.as_ref().map(|f| f.staff.as_str()),
        Some("cty-a-xfj.c")
    );
    assert_eq!(w.clock(ClockKind::Intake).due, d("2026-03-17"));
    assert_eq!(types(&w.events), ["registered"]);
}

#[test]
fn register_refuses_invalid_fields_with_validation() {
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.petitioners[0].id_number = Some("110105194912310021".into());
    let cmd = Command::Register {
        registration: Box::new(r),
        query_code: QueryCode::from_random([0; 8]),
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", cmd)), "validation");
    assert!(w.events.is_empty());
}

#[test]
fn register_with_unknown_locality_is_not_found() {
    let mut w = World::new();
    let cmd = Command::Register {
        registration: Box::new(registration("nowhere", Channel::Letter)),
        query_code: QueryCode::from_random([0; 8]),
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", cmd)), "not_found");
}

#[test]
fn a_command_on_an_unregistered_case_is_not_found() {
    let mut w = World::new();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"))),
        "not_found"
    );
}

#[test]
fn registering_twice_is_an_invalid_transition() {
    let mut w = World::registered();
    let cmd = Command::Register {
        registration: Box::new(registration("town-a", Channel::Letter)),
        query_code: QueryCode::from_random([0; 8]),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", cmd)),
        "invalid_transition"
    );
}

#[test]
fn collective_visit_is_derived_from_headcount_five() {
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Visit);
    r.headcount = 6;
    r.representatives = vec!["甲".into(), "乙".into()];
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert!(w.case.collective);
}

#[test]
fn admin_without_unit_cannot_register() {
    let mut w = World::new();
    let cmd = Command::Register {
        registration: Box::new(registration("town-a", Channel::Letter)),
        query_code: QueryCode::from_random([0; 8]),
    };
    assert_eq!(code(w.run("admin", "2026-03-02", cmd)), "permission_denied");
}

// ---- §6.3 skip-level visits ----

#[test]
fn visit_two_levels_above_locality_is_skip_level_and_cannot_be_accepted_there() {
    // §6.3, 2005 Art 16: a visit about a township registered at the prefecture.
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Visit),
    );
    assert!(w.case.skip_level);
    assert_eq!(
        code(w.run(
            "city-xfj.c",
            "2026-03-02",
            Command::Accept { assist: vec![] }
        )),
        "skip_level"
    );
    // It must be routed down; the competent unit may accept it.
    w.ok("city-xfj.c", "2026-03-02", transfer("town-a"));
    w.ok("town-a.c", "2026-03-03", Command::Accept { assist: vec![] });
    assert_eq!(w.case.state, CaseState::Handling);
}

#[test]
fn visit_one_level_above_and_letters_are_not_skip_level() {
    let mut w = World::new();
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Visit),
    );
    assert!(!w.case.skip_level);
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert!(!w.case.skip_level, "only visits are skip-level");
}

#[test]
fn skip_level_decline_needs_a_skip_level_case() {
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Visit),
    );
    let decline = Command::Decline {
        ground: DeclineGround::SkipLevel,
        notice: "请向某县信访局反映".into(),
    };
    w.ok("city-xfj.c", "2026-03-02", decline.clone());
    assert_eq!(w.case.state, CaseState::Declined);
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", decline)),
        "validation"
    );
}

// ---- transfer / assign ----

#[test]
fn transfer_routes_stops_intake_and_starts_acceptance_and_objection_on_receiver() {
    // §4.2 transfer; §5.2 acceptance 15 d (2005 Art 21), objection 5 working days (2022 Art 23)
    let mut w = World::registered();
    let evs = w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    assert_eq!(types(&evs), ["transferred"]);
    assert_eq!(w.case.state, CaseState::Routed);
    assert_eq!(w.case.holder, Some(u("cty-a-zjj")));
    assert!(!w.clock(ClockKind::Intake).is_open());
    assert_eq!(w.clock(ClockKind::Intake).met(), Some(true));
    assert_eq!(
        w.clock(ClockKind::Acceptance).due,
        d("2026-03-23"),
        "03-21 is a Saturday: rolls to Monday"
    );
    assert_eq!(
        w.clock(ClockKind::Objection).due,
        d("2026-03-13"),
        "§5.1 worked example"
    );
    assert_eq!(w.clock(ClockKind::Acceptance).unit, u("cty-a-zjj"));
}

#[test]
fn transfer_by_a_unit_that_does_not_hold_the_case_is_permission_denied() {
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-02", transfer("town-a"))),
        "permission_denied"
    );
}

#[test]
fn transfer_to_the_holder_itself_is_validation_and_to_unknown_unit_not_found() {
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("cty-a-xfj"))),
        "validation"
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("nope"))),
        "not_found"
    );
}

#[test]
fn onward_transfer_from_routed_moves_the_acceptance_clock_down() {
    let mut w = World::new();
    w.register(
        "city-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    w.ok("city-xfj.c", "2026-03-02", transfer("cty-a-xfj"));
    w.ok("cty-a-xfj.c", "2026-03-03", transfer("town-a"));
    assert_eq!(w.case.holder, Some(u("town-a")));
    assert_eq!(w.case.routed_by, Some(u("cty-a-xfj")));
    assert_eq!(w.case.open_clocks(ClockKind::Acceptance).count(), 1);
    assert_eq!(
        w.case
            .open_clocks(ClockKind::Acceptance)
            .next()
            .map(|c| c.unit.clone()),
        Some(u("town-a"))
    );
}

#[test]
fn assign_adds_a_result_report_clock_owed_by_the_receiver_and_report_stops_it() {
    // §4.2 assign/report; 2005 Art 21(四)
    let mut w = World::registered();
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Assign {
            to: u("cty-a-zjj"),
            report_by: d("2026-04-30"),
            note: Some("请于4月底前报结".into()),
        },
    );
    assert_eq!(types(&evs), ["assigned"]);
    let rr = w.clock(ClockKind::ResultReport);
    assert_eq!((rr.due, rr.unit.clone()), (d("2026-04-30"), u("cty-a-zjj")));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-03",
        Command::Accept { assist: vec![] },
    );
    w.ok("cty-a-zjj.c", "2026-04-01", opinion());
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-04-02",
        Command::Report {
            text: "已办结".into(),
        },
    );
    assert_eq!(types(&evs), ["result_reported"]);
    assert_eq!(w.clock(ClockKind::ResultReport).met(), Some(true));
    // Only once.
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-04-03",
            Command::Report { text: "x".into() }
        )),
        "invalid_transition"
    );
}

#[test]
fn report_on_a_transferred_case_is_invalid_transition() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-03",
            Command::Report { text: "x".into() }
        )),
        "invalid_transition"
    );
}

#[test]
fn assign_with_report_date_not_after_today_is_validation() {
    let mut w = World::registered();
    let cmd = Command::Assign {
        to: u("cty-a-zjj"),
        report_by: d("2026-03-02"),
        note: None,
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", cmd)), "validation");
}

// ---- §6.6 confidentiality ----

#[test]
fn accusation_is_never_routed_or_supervised_onto_the_accused_unit() {
    // §6.6, 2005 Art 23
    let mut w = World::new();
    let mut r = registration("cty-a", Channel::Letter);
    r.purpose = Purpose::Accusation;
    r.accused_unit = Some(u("cty-a-zjj"));
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"))),
        "confidentiality"
    );
    let assign = Command::Assign {
        to: u("cty-a-zjj"),
        report_by: d("2026-04-01"),
        note: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-02", assign)),
        "confidentiality"
    );
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-02",
            Command::Accept {
                assist: vec![u("cty-a-zjj")]
            }
        )),
        "confidentiality"
    );
    let sup = Command::Supervise {
        ground: SupervisionGround::Other,
        respond_by: d("2026-03-20"),
        text: "x".into(),
        unit: Some(u("cty-a-zjj")),
        level: None,
    };
    assert_eq!(
        code(w.run("city-xfj.c", "2026-03-02", sup)),
        "confidentiality"
    );
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a"));
}

// ---- objection ----

#[test]
fn objection_within_5_working_days_is_allowed() {
    // 2022 Art 23 ¶3; §5.1: from Friday 2026-03-06 the window ends 2026-03-13
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-03-13T17:00:00+08:00",
        Command::Object {
            reason: "不属本部门职责".into(),
        },
    );
    assert_eq!(types(&evs), ["objected"]);
    assert_eq!(w.case.objection, Some(ObjectionStatus::Pending));
    // Accept is blocked while the objection is pending.
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-13T18:00:00+08:00",
            Command::Accept { assist: vec![] }
        )),
        "invalid_transition"
    );
}

#[test]
fn objection_after_the_window_is_window_lapsed() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-16",
            Command::Object { reason: "x".into() }
        )),
        "window_lapsed"
    );
}

#[test]
fn approved_objection_returns_the_case_to_the_router_with_a_new_intake_clock() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-09",
        Command::Object { reason: "x".into() },
    );
    // Only the router resolves it.
    let approve = Command::ResolveObjection {
        approve: true,
        note: None,
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-10", approve.clone())),
        "permission_denied"
    );
    let evs = w.ok("cty-a-xfj.c", "2026-03-10", approve);
    assert_eq!(types(&evs), ["objection_approved"]);
    assert_eq!(w.case.state, CaseState::Registered);
    assert_eq!(w.case.holder, Some(u("cty-a-xfj")));
    assert_eq!(w.case.open_clocks(ClockKind::Intake).count(), 1);
    assert_eq!(w.clock(ClockKind::Intake).started, d("2026-03-10"));
    assert!(!w.clock(ClockKind::Acceptance).is_open());
    w.ok("cty-a-xfj.c", "2026-03-10", transfer("town-a"));
}

#[test]
fn rejected_objection_leaves_the_case_with_the_receiver() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    w.ok(
        "cty-a-zjj.c",
        "2026-03-09",
        Command::Object { reason: "x".into() },
    );
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-10",
        Command::ResolveObjection {
            approve: false,
            note: Some("属于你局职责".into()),
        },
    );
    assert_eq!(types(&evs), ["objection_rejected"]);
    assert_eq!(w.case.state, CaseState::Routed);
    assert_eq!(w.case.holder, Some(u("cty-a-zjj")));
    // No second objection.
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-10",
            Command::Object { reason: "y".into() }
        )),
        "invalid_transition"
    );
    w.ok(
        "cty-a-zjj.c",
        "2026-03-11",
        Command::Accept { assist: vec![] },
    );
}

#[test]
fn resolving_without_a_pending_objection_is_invalid() {
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-06", transfer("cty-a-zjj"));
    let c = Command::ResolveObjection {
        approve: true,
        note: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-06", c)),
        "invalid_transition"
    );
}

// ---- accept, assisting units ----

#[test]
fn accept_starts_handling_60_days_and_assist_clocks_10_days_earlier() {
    // §4.2 accept; §5.1: accepted 2026-03-02 → handling due 2026-05-01; §6.2
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-03-02",
        Command::Accept {
            assist: vec![u("town-a")],
        },
    );
    assert_eq!(types(&evs), ["accepted"]);
    assert_eq!(w.case.state, CaseState::Handling);
    assert_eq!(w.case.lead, Some(u("cty-a-zjj")));
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-05-01"));
    assert_eq!(w.clock(ClockKind::Assist).due, d("2026-04-21"));
    assert_eq!(w.clock(ClockKind::Assist).unit, u("town-a"));
    assert_eq!(w.clock(ClockKind::Acceptance).met(), Some(true));
}

#[test]
fn accept_with_may_day_holidays_is_due_2026_05_06() {
    // §5.1 worked example with 2026-05-01..05 loaded as holidays.
    let mut w = World::registered();
    for day in 1..=5 {
        w.cal.set(
            NaiveDate::from_ymd_opt(2026, 5, day).expect("date"),
            DayKind::Holiday,
        );
    }
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Accept { assist: vec![] },
    );
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-05-06"));
}

#[test]
fn accept_with_the_lead_as_assisting_unit_is_validation() {
    let mut w = World::registered();
    let c = Command::Accept {
        assist: vec![u("cty-a-xfj")],
    };
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-02", c)), "validation");
}

#[test]
fn litigation_matter_cannot_be_accepted_outside_a_legal_organ() {
    // §6.5
    let mut w = World::new();
    let mut r = registration("city", Channel::Letter);
    r.litigation = true;
    w.register("city-xfj.c", "2026-03-02", r);
    assert_eq!(
        code(w.run(
            "city-xfj.c",
            "2026-03-02",
            Command::Accept { assist: vec![] }
        )),
        "litigation"
    );
    w.ok("city-xfj.c", "2026-03-02", transfer("city-court"));
    w.ok(
        "city-court.c",
        "2026-03-03",
        Command::Accept { assist: vec![] },
    );
}

#[test]
fn assist_input_by_an_assisting_unit_stops_its_clock_once() {
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Accept {
            assist: vec![u("town-a"), u("cty-a-zjj")],
        },
    );
    let input = Command::AssistInput {
        text: "已核实".into(),
    };
    assert_eq!(
        code(w.run("cty-b-zjj.c", "2026-03-05", input.clone())),
        "permission_denied"
    );
    w.ok("town-a.c", "2026-03-05", input.clone());
    assert_eq!(
        code(w.run("town-a.c", "2026-03-06", input)),
        "invalid_transition"
    );
    let clocks: Vec<bool> = w
        .case
        .clocks
        .iter()
        .filter(|c| c.kind == ClockKind::Assist)
        .map(|c| c.is_open())
        .collect();
    assert_eq!(clocks, [false, true]);
}

#[test]
fn opinion_is_refused_while_assist_input_is_missing_unless_reason_given() {
    // §6.2, 2005 Art 24
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Accept {
            assist: vec![u("town-a")],
        },
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-20", opinion())),
        "assist_pending"
    );
    let with_reason = Command::Opinion {
        outcome: Outcome::Explained,
        text: "已答复".into(),
        without_assist: Some("协办单位逾期未复".into()),
    };
    w.ok("cty-a-xfj.c", "2026-03-20", with_reason);
    assert_eq!(w.case.state, CaseState::OpinionIssued);
}

// ---- extend ----

#[test]
fn extension_by_head_of_lead_moves_due_date_30_days_to_2026_06_01() {
    // 2005 Art 33; §5.1: raw 2026-05-31 is a Sunday → 2026-06-01
    let mut w = World::handling();
    let ext = Command::Extend {
        days: 30,
        reason: "情况复杂".into(),
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-04-20", ext.clone())),
        "permission_denied",
        "a clerk may not"
    );
    assert_eq!(
        code(w.run("cty-a-xfj.h", "2026-04-20", ext.clone())),
        "permission_denied",
        "a head elsewhere may not"
    );
    let evs = w.ok("cty-a-zjj.h", "2026-04-20", ext);
    assert_eq!(types(&evs), ["extended"]);
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-06-01"));
    assert_eq!(w.case.extension_days, 30);
}

#[test]
fn handling_extension_beyond_30_days_in_total_is_refused() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.h",
            "2026-04-20",
            Command::Extend {
                days: 31,
                reason: "x".into()
            }
        )),
        "extension_limit"
    );
    w.ok(
        "cty-a-zjj.h",
        "2026-04-20",
        Command::Extend {
            days: 20,
            reason: "x".into(),
        },
    );
    assert_eq!(
        code(w.run(
            "cty-a-zjj.h",
            "2026-04-21",
            Command::Extend {
                days: 11,
                reason: "y".into()
            }
        )),
        "extension_limit"
    );
    w.ok(
        "cty-a-zjj.h",
        "2026-04-21",
        Command::Extend {
            days: 10,
            reason: "y".into(),
        },
    );
    assert_eq!(w.case.extension_days, 30);
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-06-01"));
}

#[test]
fn extension_outside_handling_is_invalid_transition() {
    let mut w = World::registered();
    assert_eq!(
        code(w.run(
            "cty-a-xfj.h",
            "2026-03-03",
            Command::Extend {
                days: 5,
                reason: "x".into()
            }
        )),
        "invalid_transition"
    );
}

// ---- opinion, review, re-review ----

#[test]
fn opinion_stops_handling_and_starts_review_window_and_evaluation() {
    let w = World::answered();
    assert_eq!(w.case.state, CaseState::OpinionIssued);
    assert_eq!(w.case.outcome, Some(Outcome::Supported));
    assert_eq!(w.clock(ClockKind::Handling).met(), Some(true));
    assert_eq!(
        w.clock(ClockKind::ReviewWindow).due,
        d("2026-04-20"),
        "30 d from 03-20 is Sunday 04-19 → Monday"
    );
    assert!(w.clock(ClockKind::Evaluation).is_open());
}

#[test]
fn opinion_by_a_unit_that_is_not_lead_is_permission_denied() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-20", opinion())),
        "permission_denied"
    );
}

#[test]
fn review_request_is_registered_by_the_reviewer_within_30_days() {
    // 2005 Art 34: reviewer of the lead = parent (cty-a) or line superior (city-zjj)
    let mut w = World::answered();
    assert_eq!(
        code(w.run("city-xfj.c", "2026-03-25", Command::ReviewRequest)),
        "permission_denied"
    );
    let evs = w.ok("city-zjj.c", "2026-03-25", Command::ReviewRequest);
    assert_eq!(types(&evs), ["review_requested"]);
    assert_eq!(w.case.state, CaseState::UnderReview);
    assert_eq!(w.case.holder, Some(u("city-zjj")));
    assert_eq!(w.clock(ClockKind::Review).due, d("2026-04-24"));
}

#[test]
fn review_request_after_the_window_is_window_lapsed() {
    let mut w = World::answered();
    assert_eq!(
        code(w.run("cty-a.c", "2026-04-21", Command::ReviewRequest)),
        "window_lapsed"
    );
    w.ok("cty-a.c", "2026-04-20", Command::ReviewRequest);
}

#[test]
fn review_opinion_then_rereview_with_hearing_then_conclusion() {
    // 2005 Art 34–35; the hearing's days, both ends counted, move the re-review due date.
    let mut w = World::answered();
    w.ok("cty-a.c", "2026-03-25", Command::ReviewRequest);
    let rv = Command::ReviewOpinion {
        outcome: ReviewOutcome::Upheld,
        text: "维持".into(),
    };
    assert_eq!(
        code(w.run("city-zjj.c", "2026-04-10", rv.clone())),
        "permission_denied"
    );
    w.ok("cty-a.c", "2026-04-10", rv);
    assert_eq!(w.case.state, CaseState::ReviewIssued);
    assert_eq!(w.case.answered_by, Some(u("cty-a")));
    // Re-review by the reviewer of cty-a: its parent, the city.
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-04-15", Command::RereviewRequest)),
        "permission_denied"
    );
    w.ok("city.c", "2026-04-15", Command::RereviewRequest);
    assert_eq!(w.case.state, CaseState::UnderRereview);
    assert_eq!(w.clock(ClockKind::Rereview).due, d("2026-05-15"));
    let evs = w.ok(
        "city.c",
        "2026-04-20",
        Command::Hearing {
            start: d("2026-04-27"),
            end: d("2026-04-29"),
        },
    );
    assert_eq!(types(&evs), ["hearing_held"]);
    assert_eq!(
        w.clock(ClockKind::Rereview).due,
        d("2026-05-18"),
        "15 May + 3 days = Monday 18 May"
    );
    assert_eq!(
        code(w.run(
            "city.c",
            "2026-04-20",
            Command::Hearing {
                start: d("2026-04-29"),
                end: d("2026-04-27")
            }
        )),
        "validation"
    );
    let evs = w.ok(
        "city.c",
        "2026-05-10",
        Command::RereviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "复核维持".into(),
        },
    );
    assert_eq!(types(&evs), ["rereview_issued"]);
    assert_eq!(w.case.state, CaseState::Concluded);
    assert_eq!(w.clock(ClockKind::Rereview).met(), Some(true));
}

#[test]
fn rereview_request_after_its_window_is_window_lapsed() {
    let mut w = World::answered();
    w.ok("cty-a.c", "2026-03-25", Command::ReviewRequest);
    w.ok(
        "cty-a.c",
        "2026-04-01",
        Command::ReviewOpinion {
            outcome: ReviewOutcome::Revised,
            text: "变更".into(),
        },
    );
    assert_eq!(
        code(w.run("city.c", "2026-05-04", Command::RereviewRequest)),
        "window_lapsed"
    );
}

// ---- close, evaluate, withdraw, merge ----

#[test]
fn close_accepted_only_by_the_unit_that_answered() {
    let mut w = World::answered();
    let close = Command::Close {
        reason: CloseReason::Accepted,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-21", close.clone())),
        "permission_denied"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-03-21", close);
    assert_eq!(types(&evs), ["closed"]);
    assert_eq!(w.case.state, CaseState::Closed);
    assert!(!w.clock(ClockKind::ReviewWindow).is_open());
}

#[test]
fn close_before_an_answer_is_invalid_transition() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-03",
            Command::Close {
                reason: CloseReason::Accepted
            }
        )),
        "invalid_transition"
    );
}

#[test]
fn evaluation_once_per_opinion_within_its_window_even_after_close() {
    // §4.2 evaluate; evaluation is one of the two exceptions on terminal cases.
    let mut w = World::answered();
    w.ok(
        "cty-a-zjj.c",
        "2026-03-21",
        Command::Close {
            reason: CloseReason::Accepted,
        },
    );
    let ev = Command::Evaluate {
        handling: Satisfaction::Satisfied,
        office: Some(Satisfaction::BasicallySatisfied),
    };
    let evs = w.ok("cty-a-xfj.c", "2026-03-22", ev.clone());
    assert_eq!(types(&evs), ["evaluated"]);
    assert_eq!(w.case.evaluations.len(), 1);
    assert_eq!(w.case.evaluations[0].unit, u("cty-a-zjj"));
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-23", ev)),
        "invalid_transition"
    );
}

#[test]
fn the_rated_unit_never_records_its_own_rating() {
    // §4.2 evaluate: by the first-contact unit or a petition office whose reach includes the
    // case; never by the unit whose answer is rated (it could block the petitioner's rating).
    let ev = Command::Evaluate {
        handling: Satisfaction::Satisfied,
        office: None,
    };
    let mut w = World::answered();
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-22", ev.clone())),
        "permission_denied",
        "the lead rates itself"
    );
    assert_eq!(
        code(w.run("town-b.c", "2026-03-22", ev.clone())),
        "permission_denied",
        "a government that is neither first contact nor a petition office"
    );
    assert_eq!(
        code(w.run("system", "2026-03-22", ev.clone())),
        "permission_denied"
    );
    // The prefecture's petition office reaches the county's cases.
    let evs = w.ok("city-xfj.c", "2026-03-22", ev);
    assert_eq!(types(&evs), ["evaluated"]);
}

#[test]
fn evaluation_after_30_days_is_window_lapsed() {
    let mut w = World::answered();
    let ev = Command::Evaluate {
        handling: Satisfaction::Dissatisfied,
        office: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-04-21", ev)),
        "window_lapsed"
    );
}

#[test]
fn evaluation_before_any_answer_is_invalid() {
    let mut w = World::handling();
    let ev = Command::Evaluate {
        handling: Satisfaction::Satisfied,
        office: None,
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-05", ev)),
        "invalid_transition"
    );
}

#[test]
fn withdraw_by_holder_ends_the_case_and_stops_its_clocks() {
    let mut w = World::handling();
    let wd = Command::Withdraw {
        reason: "信访人撤回".into(),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-05", wd.clone())),
        "permission_denied"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-03-05", wd);
    assert_eq!(types(&evs), ["withdrawn"]);
    assert_eq!(w.case.state, CaseState::Withdrawn);
    assert!(w.case.clocks.iter().all(|c| !c.is_open()));
}

#[test]
fn merge_marks_the_case_merged_and_absorb_records_the_link() {
    let mut w = World::handling();
    let into = CaseId::new(2026, 9);
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge {
                into: w.case.id.clone()
            }
        )),
        "validation"
    );
    // §4.2 merge: the target must exist (for the actor) …
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge { into: into.clone() }
        )),
        "not_found"
    );
    // … concern the same petitioner (same id number, or same name and phone) …
    let mut other = World::registered();
    other.case.id = into.clone();
    let mut stranger = other.case.clone();
    if let Some(r) = stranger.registration.as_mut() {
        r.petitioners[0].name = "钱某".into();
        r.petitioners[0].id_number = None;
        r.petitioners[0].phone = Some("13900000000".into());
    }
    w.target = Some(stranger);
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge { into: into.clone() }
        )),
        "validation",
        "an unrelated case of another petitioner cannot absorb it"
    );
    // … and be open.
    let mut closed = other.case.clone();
    closed.state = CaseState::Withdrawn;
    w.target = Some(closed);
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-05",
            Command::Merge { into: into.clone() }
        )),
        "invalid_transition"
    );
    w.target = Some(other.case.clone());
    let evs = w.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Command::Merge { into: into.clone() },
    );
    assert_eq!(types(&evs), ["merged"]);
    assert_eq!(w.case.merged_into, Some(into));
    let mut w2 = World::registered();
    let evs = w2.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Command::Absorb {
            from: CaseId::new(2026, 5),
        },
    );
    assert_eq!(types(&evs), ["absorbed"]);
    assert_eq!(w2.case.absorbed, vec![CaseId::new(2026, 5)]);
}

#[test]
fn an_accusation_is_never_merged_into_a_case_of_the_accused_unit() {
    // §4.2 merge, §6.6: the accused unit must not receive the accusation by way of a merge.
    let mut reg = registration("town-a", Channel::Letter);
    reg.purpose = Purpose::Accusation;
    reg.accused_unit = Some(u("cty-a-zjj"));
    let mut w = World::new();
    w.register("cty-a-xfj.c", "2026-03-02", reg);
    let mut target = World::handling().case;
    target.id = CaseId::new(2026, 9);
    assert_eq!(target.lead, Some(u("cty-a-zjj")));
    w.target = Some(target);
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-05",
            Command::Merge {
                into: CaseId::new(2026, 9)
            }
        )),
        "confidentiality"
    );
}

#[test]
fn merge_from_an_answered_case_is_invalid_transition() {
    let mut w = World::answered();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-21",
            Command::Merge {
                into: CaseId::new(2026, 9)
            }
        )),
        "invalid_transition"
    );
}

#[test]
fn no_command_changes_a_terminal_case() {
    // §4.2: commands are refused on terminal cases.
    let mut w = World::handling();
    w.ok(
        "cty-a-zjj.c",
        "2026-03-05",
        Command::Withdraw { reason: "x".into() },
    );
    for (actor, cmd) in [
        ("cty-a-zjj.c", transfer("town-a")),
        ("cty-a-zjj.c", Command::Accept { assist: vec![] }),
        ("cty-a-zjj.c", opinion()),
        (
            "cty-a-zjj.c",
            Command::Withdraw {
                reason: "again".into(),
            },
        ),
        (
            "cty-a-zjj.h",
            Command::Extend {
                days: 1,
                reason: "x".into(),
            },
        ),
    ] {
        assert_eq!(code(w.run(actor, "2026-03-06", cmd)), "invalid_transition");
    }
}

#[test]
fn a_command_before_the_last_event_is_clock_skew() {
    // §4.3: time never runs backwards on a case.
    let mut w = World::handling();
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-01", opinion())),
        "clock_skew"
    );
}

// ---- decline grounds (§6.5) ----

#[test]
fn decline_out_of_scope_only_from_registered() {
    let notice = "请向有关部门反映".to_string();
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("cty-a-zjj"));
    let c = Command::Decline {
        ground: DeclineGround::OutOfScope,
        notice: notice.clone(),
    };
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-03", c.clone())),
        "validation",
        "a receiver objects instead"
    );
    let mut w = World::registered();
    let evs = w.ok("cty-a-xfj.c", "2026-03-03", c);
    assert_eq!(types(&evs), ["declined"]);
    assert_eq!(w.case.decline_ground, Some(DeclineGround::OutOfScope));
    assert_eq!(w.clock(ClockKind::Intake).met(), Some(true));
}

#[test]
fn decline_litigation_needs_the_litigation_flag() {
    let c = Command::Decline {
        ground: DeclineGround::Litigation,
        notice: "请依法提起诉讼".into(),
    };
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation"
    );
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.litigation = true;
    w.register("cty-a-xfj.c", "2026-03-02", r);
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}

#[test]
fn decline_incomplete_needs_a_missing_address_and_empty_notice_is_refused() {
    let c = Command::Decline {
        ground: DeclineGround::Incomplete,
        notice: "请补充住址".into(),
    };
    let mut w = World::registered();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation"
    );
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.petitioners[0].address = None;
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-03",
            Command::Decline {
                ground: DeclineGround::Incomplete,
                notice: " ".into()
            }
        )),
        "validation"
    );
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}

#[test]
fn legislature_or_judiciary_needs_no_precondition() {
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-03",
        Command::Decline {
            ground: DeclineGround::LegislatureOrJudiciary,
            notice: "请向人民法院反映".into(),
        },
    );
}

fn earlier(id: u32, state: CaseState, holder: &str) -> RelatedCase {
    RelatedCase {
        id: CaseId::new(2025, id),
        state,
        holder: u(holder),
        registered_at: at("2025-06-01"),
    }
}

#[test]
fn repeat_detection_records_the_most_recent_earlier_case() {
    // §6.4
    let mut w = World::new();
    w.related = vec![
        earlier(3, CaseState::Closed, "cty-a-zjj"),
        RelatedCase {
            registered_at: at("2025-09-01"),
            ..earlier(7, CaseState::Concluded, "city")
        },
    ];
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert_eq!(w.case.repeat_of, Some(CaseId::new(2025, 7)));
    assert_eq!(
        w.case.related,
        vec![CaseId::new(2025, 3), CaseId::new(2025, 7)]
    );
}

#[test]
fn decline_concluded_needs_a_concluded_earlier_case() {
    let c = Command::Decline {
        ground: DeclineGround::Concluded,
        notice: "已复核终结，不再受理".into(),
    };
    let mut w = World::new();
    w.related = vec![earlier(3, CaseState::Closed, "cty-a-zjj")];
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation"
    );
    w.related = vec![earlier(3, CaseState::Concluded, "city")];
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}

#[test]
fn decline_in_progress_needs_an_open_earlier_case_at_this_or_a_lower_tier() {
    let c = Command::Decline {
        ground: DeclineGround::InProgress,
        notice: "正在办理中".into(),
    };
    let mut w = World::new();
    w.related = vec![earlier(3, CaseState::Handling, "city-zjj")];
    w.register(
        "cty-a-xfj.c",
        "2026-03-02",
        registration("town-a", Channel::Letter),
    );
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-03", c.clone())),
        "validation",
        "open only at a higher tier"
    );
    w.related = vec![earlier(3, CaseState::Handling, "town-a")];
    w.ok("cty-a-xfj.c", "2026-03-03", c);
}

// ---- supervision (§7) ----

fn supervise(unit: Option<&str>, ground: SupervisionGround) -> Command {
    Command::Supervise {
        ground,
        respond_by: d("2026-04-10"),
        text: "请说明原因".into(),
        unit: unit.map(u),
        level: None,
    }
}

#[test]
fn supervision_by_sup_sup_up_or_ancestor_only() {
    // §7.1 一级督办一级
    let mut w = World::handling();
    for (actor, expect) in [
        ("town-a.c", "permission_denied"),
        ("cty-b.c", "permission_denied"),
        ("city-zjj.c", "permission_denied"),
    ] {
        assert_eq!(
            code(w.run(
                actor,
                "2026-03-05",
                supervise(None, SupervisionGround::Evasion)
            )),
            expect,
            "{actor}"
        );
    }
    let evs = w.ok(
        "cty-a-xfj.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Evasion),
    );
    assert_eq!(types(&evs), ["supervision_opened"]);
    let s = &w.case.supervisions[0];
    assert_eq!(
        (s.id, s.level, s.unit.clone()),
        (1, SupervisionLevel::Supervision, u("cty-a-zjj"))
    );
    w.ok(
        "city-xfj.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Other),
    );
    w.ok(
        "cty-a.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Other),
    );
    assert_eq!(w.case.supervisions.len(), 3);
}

#[test]
fn respond_only_by_the_supervised_unit_and_once() {
    let mut w = World::handling();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-05",
        supervise(None, SupervisionGround::Evasion),
    );
    let r = Command::Respond {
        supervision: 1,
        text: "正在办理".into(),
    };
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-06", r.clone())),
        "permission_denied"
    );
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-06",
            Command::Respond {
                supervision: 9,
                text: "x".into()
            }
        )),
        "not_found"
    );
    let evs = w.ok("cty-a-zjj.c", "2026-03-06", r.clone());
    assert_eq!(types(&evs), ["supervision_answered"]);
    assert!(w.case.supervisions[0].answered_at.is_some());
    assert_eq!(
        code(w.run("cty-a-zjj.c", "2026-03-07", r)),
        "invalid_transition"
    );
}

#[test]
fn closed_case_may_be_supervised_for_not_executed_only() {
    let mut w = World::answered();
    w.ok(
        "cty-a-zjj.c",
        "2026-03-21",
        Command::Close {
            reason: CloseReason::Accepted,
        },
    );
    assert_eq!(
        code(w.run(
            "cty-a-xfj.c",
            "2026-03-25",
            supervise(None, SupervisionGround::Overdue)
        )),
        "invalid_transition"
    );
    w.ok(
        "cty-a-xfj.c",
        "2026-03-25",
        supervise(None, SupervisionGround::NotExecuted),
    );
}

#[test]
fn respond_by_not_after_today_is_validation() {
    let mut w = World::handling();
    let mut c = supervise(None, SupervisionGround::Other);
    if let Command::Supervise { respond_by, .. } = &mut c {
        *respond_by = d("2026-03-05");
    }
    assert_eq!(code(w.run("cty-a-xfj.c", "2026-03-05", c)), "validation");
}

#[test]
fn tick_is_only_for_the_system() {
    let mut w = World::handling();
    assert_eq!(
        code(w.run("cty-a-xfj.c", "2026-03-05", Command::Tick)),
        "permission_denied"
    );
    assert!(
        w.ok("system", "2026-03-05", Command::Tick).is_empty(),
        "nothing due"
    );
}

#[test]
fn tick_ladder_on_an_overdue_county_department_handling_clock() {
    // §7.2–7.3: reminder by the county 信访局 (5 working days), then 督办 (15 days), then 通报
    // from the prefecture's 信访局 (10 days, rolled over a weekend); stops once answered.
    let mut w = World::handling(); // handling due 2026-05-01
    assert!(
        w.ok("system", "2026-05-01", Command::Tick).is_empty(),
        "due day itself is in time"
    );
    let evs = w.ok("system", "2026-05-02", Command::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    let s = w.case.supervisions[0].clone();
    assert_eq!(
        (s.level, s.ground, s.by.clone(), s.unit.clone()),
        (
            SupervisionLevel::Reminder,
            SupervisionGround::Overdue,
            u("cty-a-xfj"),
            u("cty-a-zjj")
        )
    );
    assert_eq!(
        s.respond_by,
        d("2026-05-08"),
        "5 working days after Saturday 05-02"
    );
    assert!(
        w.ok("system", "2026-05-02", Command::Tick).is_empty(),
        "idempotent"
    );
    assert!(
        w.ok("system", "2026-05-08", Command::Tick).is_empty(),
        "respond-by day itself is in time"
    );
    let evs = w.ok("system", "2026-05-09", Command::Tick);
    assert_eq!(types(&evs), ["supervision_escalated"]);
    let s = w.case.supervisions[0].clone();
    assert_eq!(
        (s.level, s.by.clone(), s.respond_by),
        (
            SupervisionLevel::Supervision,
            u("cty-a-xfj"),
            d("2026-05-25")
        )
    );
    let evs = w.ok("system", "2026-05-26", Command::Tick);
    assert_eq!(types(&evs), ["supervision_escalated"]);
    let s = w.case.supervisions[0].clone();
    // 05-26 + 10 = Friday 06-05: pick a date that rolls instead.
    assert_eq!(
        (s.level, s.by.clone(), s.respond_by),
        (SupervisionLevel::Notice, u("city-xfj"), d("2026-06-05"))
    );
    w.ok(
        "cty-a-zjj.c",
        "2026-06-01",
        Command::Respond {
            supervision: 1,
            text: "已说明原因".into(),
        },
    );
    assert!(
        w.ok("system", "2026-06-10", Command::Tick).is_empty(),
        "an answered supervision never escalates"
    );
    assert_eq!(
        w.case.supervisions.len(),
        1,
        "one automatic supervision per clock"
    );
    assert!(
        w.clock(ClockKind::Handling).overdue(d("2026-06-10")),
        "the case's own clock is still overdue"
    );
}

#[test]
fn notice_respond_by_rolls_over_a_weekend() {
    let mut w = World::handling();
    w.ok("system", "2026-05-02", Command::Tick);
    w.ok("system", "2026-05-09", Command::Tick);
    // Escalate to notice on 2026-05-27: +10 = Saturday 06-06 → Monday 06-08.
    w.ok("system", "2026-05-27", Command::Tick);
    let s = &w.case.supervisions[0];
    assert_eq!(
        (s.level, s.respond_by),
        (SupervisionLevel::Notice, d("2026-06-08"))
    );
    w.ok("system", "2026-06-09", Command::Tick);
    assert_eq!(
        w.case.supervisions[0].level,
        SupervisionLevel::Accountability
    );
    w.ok("system", "2026-12-01", Command::Tick);
    assert_eq!(
        w.case.supervisions[0].level,
        SupervisionLevel::Accountability,
        "accountability is the top"
    );
}

#[test]
fn tick_closes_a_case_whose_review_window_lapsed_and_records_lapsed_evaluation() {
    let mut w = World::answered(); // review window and evaluation due 2026-04-20
    assert!(w.ok("system", "2026-04-20", Command::Tick).is_empty());
    let evs = w.ok("system", "2026-04-21", Command::Tick);
    assert_eq!(types(&evs), ["closed", "evaluation_lapsed"]);
    assert_eq!(
        (w.case.state, w.case.close_reason),
        (CaseState::Closed, Some(CloseReason::WindowLapsed))
    );
    assert!(w.clock(ClockKind::ReviewWindow).lapsed);
    assert!(w.ok("system", "2026-04-22", Command::Tick).is_empty());
}

#[test]
fn tick_reminds_the_receiver_of_an_overdue_acceptance_via_its_supervising_office() {
    // §6.1: the receiving unit lets the acceptance clock run out → tick opens supervision.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("town-a"));
    let evs = w.ok("system", "2026-03-18", Command::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    assert_eq!(w.case.supervisions[0].by, u("cty-a-xfj"));
    assert_eq!(w.case.supervisions[0].unit, u("town-a"));
}

#[test]
fn tick_never_supervises_a_top_unit_with_no_supervisor() {
    let mut w = World::new();
    w.register(
        "prov-xfj.c",
        "2026-03-02",
        registration("prov", Channel::Letter),
    );
    assert!(w.ok("system", "2026-06-01", Command::Tick).is_empty());
}

// ---- properties ----

fn arb_command() -> impl Strategy<Value = (usize, Command)> {
    let units = [
        "cty-a-xfj",
        "cty-a-zjj",
        "town-a",
        "cty-a",
        "city-zjj",
        "city",
        "city-xfj",
        "city-court",
    ];
    let unit = proptest::sample::select(units.to_vec()).prop_map(u);
    let date = (0u32..200).prop_map(|n| d("2026-03-02") + chrono::Days::new(u64::from(n)));
    prop_oneof![
        unit.clone()
            .prop_map(|t| Command::Transfer { to: t, note: None }),
        (unit.clone(), date.clone()).prop_map(|(t, r)| Command::Assign {
            to: t,
            report_by: r,
            note: None
        }),
        Just(Command::Object { reason: "r".into() }),
        any::<bool>().prop_map(|a| Command::ResolveObjection {
            approve: a,
            note: None
        }),
        proptest::collection::vec(unit.clone(), 0..2).prop_map(|a| Command::Accept { assist: a }),
        proptest::sample::select(DeclineGround::ALL.to_vec()).prop_map(|g| Command::Decline {
            ground: g,
            notice: "n".into()
        }),
        Just(Command::AssistInput { text: "t".into() }),
        (0u32..40).prop_map(|n| Command::Extend {
            days: n,
            reason: "r".into()
        }),
        (
            proptest::sample::select(Outcome::ALL.to_vec()),
            proptest::option::of(Just("w".to_string()))
        )
            .prop_map(|(o, w)| Command::Opinion {
                outcome: o,
                text: "t".into(),
                without_assist: w
            }),
        Just(Command::Report { text: "t".into() }),
        Just(Command::ReviewRequest),
        Just(Command::ReviewOpinion {
            outcome: ReviewOutcome::Upheld,
            text: "t".into()
        }),
        Just(Command::RereviewRequest),
        (date.clone(), 0u64..5).prop_map(|(s, n)| Command::Hearing {
            start: s,
            end: s + chrono::Days::new(n)
        }),
        Just(Command::RereviewOpinion {
            outcome: ReviewOutcome::Revoked,
            text: "t".into()
        }),
        Just(Command::Close {
            reason: CloseReason::Accepted
        }),
        Just(Command::Evaluate {
            handling: Satisfaction::Satisfied,
            office: None
        }),
        Just(Command::Withdraw { reason: "r".into() }),
        Just(Command::Merge {
            into: CaseId::new(2026, 99)
        }),
        (
            proptest::sample::select(SupervisionGround::ALL.to_vec()),
            date,
            proptest::option::of(unit)
        )
            .prop_map(|(g, r, un)| Command::Supervise {
                ground: g,
                respond_by: r,
                text: "t".into(),
                unit: un,
                level: None
            }),
        (1u32..4).prop_map(|n| Command::Respond {
            supervision: n,
            text: "t".into()
        }),
        Just(Command::Tick),
    ]
    .prop_flat_map(|c| (0usize..100, Just(c)))
}

const ACTORS: [&str; 17] = [
    "cty-a-xfj.c",
    "cty-a-zjj.c",
    "cty-a-zjj.h",
    "town-a.c",
    "cty-a.c",
    "cty-a.h",
    "city-zjj.c",
    "city.c",
    "city-xfj.c",
    "city-court.c",
    "prov.c",
    "prov-xfj.c",
    "cty-b.c",
    "admin",
    "system",
    "system",
    "town-a.h",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Replay of the emitted events equals the live case; a refused command emits nothing; no
    /// command changes a terminal case except the exceptions of §4.2; due dates never move earlier;
    /// total extension never exceeds the policy.
    #[test]
    fn lifecycle_invariants(steps in proptest::collection::vec((arb_command(), 0u32..6, 0usize..ACTORS.len()), 1..40), litigation in any::<bool>()) {
        let mut w = World::new();
        let mut r = registration("town-a", Channel::Letter);
        r.litigation = litigation;
        w.register("cty-a-xfj.c", "2026-03-02", r);
        let mut day = d("2026-03-02");
        for ((_, cmd), gap, who) in steps {
            day = day + chrono::Days::new(u64::from(gap) * 4);
            let before = w.case.clone();
            let n = w.events.len();
            let res = w.run(ACTORS[who], &day.to_string(), cmd.clone());
            match res {
                Err(_) => {
                    prop_assert_eq!(&w.case, &before);
                    prop_assert_eq!(w.events.len(), n);
                }
                Ok(evs) => {
                    if before.state.is_terminal() {
                        let allowed = evs.iter().all(|e| matches!(e.kind,
                            EventKind::Evaluated { .. } | EventKind::SupervisionOpened { .. } | EventKind::SupervisionEscalated { .. }
                            | EventKind::SupervisionAnswered { .. } | EventKind::EvaluationLapsed { .. }));
                        prop_assert!(allowed, "terminal case changed by {:?}", cmd);
                        prop_assert_eq!(w.case.state, before.state);
                    }
                    for (b, a) in before.clocks.iter().zip(&w.case.clocks) {
                        prop_assert!(a.due >= b.due, "due date moved earlier: {:?} -> {:?}", b, a);
                    }
                    prop_assert!(w.case.extension_days <= w.policy.max_extension_days);
                    // §7.2: an answered supervision never changes level; none skips a level.
                    for b in &before.supervisions {
                        let a = w.case.supervisions.iter().find(|s| s.id == b.id).expect("supervisions are never removed");
                        if b.answered_at.is_some() {
                            prop_assert_eq!(a.level, b.level, "answered supervision escalated");
                        }
                        prop_assert!(a.level == b.level || b.level.next() == Some(a.level), "skipped a level: {:?} -> {:?}", b.level, a.level);
                    }
                    // One automatic supervision per clock at most.
                    let mut for_clock: Vec<u32> = w.case.supervisions.iter().filter_map(|s| s.for_clock).collect();
                    let len = for_clock.len();
                    for_clock.sort();
                    for_clock.dedup();
                    prop_assert_eq!(len, for_clock.len());
                }
            }
            // A second tick at the same time appends nothing.
            let again = w.run("system", &day.to_string(), Command::Tick);
            if let Ok(evs) = &again {
                if !evs.is_empty() {
                    let second = w.run("system", &day.to_string(), Command::Tick);
                    prop_assert!(second.map(|e| e.is_empty()).unwrap_or(true));
                }
            }
        }
    }
}

#[test]
fn a_command_never_allowed_in_the_state_is_invalid_transition_even_when_timed_earlier() {
    // The transition table comes before the clock check: accepting twice is `invalid_transition`.
    let mut w = World::handling();
    assert_eq!(
        code(w.run(
            "cty-a-zjj.c",
            "2026-03-01",
            Command::Accept { assist: vec![] }
        )),
        "invalid_transition"
    );
}

#[test]
fn township_overdue_case_is_supervised_by_the_county_petition_office() {
    // §7.3 step 1 with §2.1: sup(township) = the county 信访局.
    let mut w = World::registered();
    w.ok("cty-a-xfj.c", "2026-03-02", transfer("town-a"));
    w.ok("town-a.c", "2026-03-03", Command::Accept { assist: vec![] });
    // Handling due 2026-05-02 (Saturday) → Monday 2026-05-04.
    assert_eq!(w.clock(ClockKind::Handling).due, d("2026-05-04"));
    assert!(w.ok("system", "2026-05-04", Command::Tick).is_empty());
    let evs = w.ok("system", "2026-05-05", Command::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    let s = &w.case.supervisions[0];
    assert_eq!(
        (s.by.clone(), s.unit.clone(), s.level),
        (u("cty-a-xfj"), u("town-a"), SupervisionLevel::Reminder)
    );
    assert_eq!(
        s.respond_by,
        d("2026-05-12"),
        "5 working days after Tuesday 05-05"
    );
}

#[test]
fn overdue_result_report_gets_a_no_result_report_reminder() {
    let mut w = World::registered();
    w.ok(
        "cty-a-xfj.c",
        "2026-03-02",
        Command::Assign {
            to: u("town-a"),
            report_by: d("2026-03-20"),
            note: None,
        },
    );
    w.ok("town-a.c", "2026-03-03", Command::Accept { assist: vec![] });
    let evs = w.ok("system", "2026-03-21", Command::Tick);
    assert_eq!(types(&evs), ["supervision_opened"]);
    assert_eq!(
        w.case.supervisions[0].ground,
        SupervisionGround::NoResultReport
    );
}

#[test]
fn tick_never_supervises_the_accused_unit() {
    // §6.6: an accusation's clock owed by the accused unit is not supervised onto it.
    let mut w = World::new();
    let mut r = registration("cty-a", Channel::Letter);
    r.accused_unit = Some(u("cty-a-xfj"));
    w.register("cty-a-xfj.c", "2026-03-02", r);
    assert!(w.ok("system", "2026-04-01", Command::Tick).is_empty());
}

/// Asserts that each actor is refused with `permission_denied` and nothing changes.
fn denied(w: &mut World, when: &str, cmd: Command, actors: &[&str]) {
    for a in actors {
        let before = w.case.clone();
        assert_eq!(
            code(w.run(a, when, cmd.clone())),
            "permission_denied",
            "{} by {a}",
            cmd.name()
        );
        assert_eq!(w.case, before);
    }
}

#[test]
fn every_mutating_command_is_authorised_in_the_core_against_unit_and_role() {
    // Issue 8 §6: each command with an actor of every wrong kind — another unit, a unit-less
    // admin, the system, a head of another unit.
    let mut w = World::registered();
    denied(
        &mut w,
        "2026-03-02",
        transfer("cty-a-zjj"),
        &["cty-a-zjj.c", "admin", "system", "city-xfj.h"],
    );
    let assign = Command::Assign {
        to: u("cty-a-zjj"),
        report_by: d("2026-04-30"),
        note: None,
    };
    denied(
        &mut w,
        "2026-03-02",
        assign.clone(),
        &["town-a.c", "admin", "system"],
    );
    let decline = Command::Decline {
        ground: DeclineGround::LegislatureOrJudiciary,
        notice: "n".into(),
    };
    denied(
        &mut w,
        "2026-03-02",
        decline,
        &["cty-a-zjj.c", "admin", "system"],
    );
    let withdraw = Command::Withdraw { reason: "r".into() };
    denied(
        &mut w,
        "2026-03-02",
        withdraw.clone(),
        &["cty-a-zjj.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-02",
        Command::Merge {
            into: CaseId::new(2026, 2),
        },
        &["town-a.c", "admin"],
    );
    w.ok("cty-a-xfj.c", "2026-03-02", assign);
    let object = Command::Object { reason: "r".into() };
    denied(
        &mut w,
        "2026-03-03",
        object.clone(),
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-03",
        Command::Accept {
            assist: vec![u("town-a")],
        },
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    w.ok("cty-a-zjj.c", "2026-03-03", object);
    let resolve = Command::ResolveObjection {
        approve: false,
        note: None,
    };
    denied(
        &mut w,
        "2026-03-03",
        resolve.clone(),
        &["cty-a-zjj.c", "town-a.c", "admin", "system"],
    );
    w.ok("cty-a-xfj.c", "2026-03-03", resolve);
    w.ok(
        "cty-a-zjj.c",
        "2026-03-03",
        Command::Accept {
            assist: vec![u("town-a")],
        },
    );
    denied(
        &mut w,
        "2026-03-04",
        Command::AssistInput { text: "t".into() },
        &["cty-a-zjj.c", "cty-a-xfj.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-04",
        Command::Extend {
            days: 10,
            reason: "r".into(),
        },
        &["cty-a-zjj.c", "cty-a-xfj.h", "town-a.h", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-04",
        Command::Report { text: "t".into() },
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    let op = Command::Opinion {
        outcome: Outcome::Supported,
        text: "t".into(),
        without_assist: Some("w".into()),
    };
    denied(
        &mut w,
        "2026-03-04",
        op.clone(),
        &["town-a.c", "cty-a-xfj.c", "admin", "system"],
    );
    let sup = Command::Supervise {
        ground: SupervisionGround::Other,
        respond_by: d("2026-03-20"),
        text: "t".into(),
        unit: None,
        level: None,
    };
    denied(
        &mut w,
        "2026-03-04",
        sup.clone(),
        &["town-a.c", "cty-b.c", "city-zjj.c", "admin", "system"],
    );
    w.ok("cty-a-xfj.c", "2026-03-04", sup);
    denied(
        &mut w,
        "2026-03-05",
        Command::Respond {
            supervision: 1,
            text: "t".into(),
        },
        &["cty-a-xfj.c", "town-a.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-05",
        Command::Tick,
        &["cty-a-xfj.c", "admin", "cty-a-zjj.h"],
    );
    w.ok("cty-a-zjj.c", "2026-03-20", op);
    denied(
        &mut w,
        "2026-03-21",
        Command::Close {
            reason: CloseReason::Accepted,
        },
        &["cty-a-xfj.c", "cty-a.c", "admin", "system"],
    );
    denied(
        &mut w,
        "2026-03-21",
        Command::ReviewRequest,
        &["cty-a-xfj.c", "city-xfj.c", "town-a.c", "admin", "system"],
    );
    w.ok("cty-a.c", "2026-03-21", Command::ReviewRequest);
    let rv = Command::ReviewOpinion {
        outcome: ReviewOutcome::Upheld,
        text: "t".into(),
    };
    denied(
        &mut w,
        "2026-03-22",
        rv.clone(),
        &["city-zjj.c", "cty-a-zjj.c", "admin", "system"],
    );
    w.ok("cty-a.c", "2026-03-22", rv);
    denied(
        &mut w,
        "2026-03-23",
        Command::RereviewRequest,
        &["cty-a.c", "cty-a-xfj.c", "city-xfj.c", "admin", "system"],
    );
    w.ok("city.c", "2026-03-23", Command::RereviewRequest);
    let hearing = Command::Hearing {
        start: d("2026-03-25"),
        end: d("2026-03-26"),
    };
    denied(
        &mut w,
        "2026-03-24",
        hearing,
        &["cty-a.c", "prov.c", "admin", "system"],
    );
    let rr = Command::RereviewOpinion {
        outcome: ReviewOutcome::Upheld,
        text: "t".into(),
    };
    denied(
        &mut w,
        "2026-03-24",
        rr.clone(),
        &["cty-a.c", "prov.c", "admin", "system"],
    );
    w.ok("city.c", "2026-03-24", rr);
    // Evaluation may be recorded by any clerk, but not invented by the system.
    denied(
        &mut w,
        "2026-03-25",
        Command::Evaluate {
            handling: Satisfaction::Satisfied,
            office: None,
        },
        &["system"],
    );
}

#[test]
fn error_messages_never_contain_personal_data() {
    // Issue 8 §6: no personal data in error messages (they end up in logs).
    let mut w = World::new();
    let mut r = registration("town-a", Channel::Letter);
    r.petitioners[0].id_number = Some("110105194912310021".into());
    r.petitioners[0].phone = Some("13812345678x".into());
    let cmd = Command::Register {
        registration: Box::new(r.clone()),
        query_code: QueryCode::from_random([0; 8]),
    };
    let e = w.run("cty-a-xfj.c", "2026-03-02", cmd).expect_err("bad id");
    for secret in ["110105194912310021", "13812345678", "王某", "某镇某村"] {
        assert!(
            !e.text().en.contains(secret) && !e.text().zh.contains(secret),
            "{secret} in {e:?}"
        );
    }
    r.petitioners[0].id_number = None;
    let cmd = Command::Register {
        registration: Box::new(r),
        query_code: QueryCode::from_random([0; 8]),
    };
    let e = w
        .run("cty-a-xfj.c", "2026-03-02", cmd)
        .expect_err("bad phone");
    assert!(!e.text().en.contains("13812345678") && !e.text().zh.contains("13812345678"));
}
